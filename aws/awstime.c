/* certsweep — AWS timestamps.
 *
 * Pure arithmetic on the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil / civil_from_days): no gmtime, no timegm, no TZ, no
 * locale, no time_t width assumptions.
 */
#include "aws/awstime.h"
#include "aws/error.h"

#include <stdio.h>
#include <string.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);                    /* [0, 399] */
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Epoch seconds as JSON writes them: [-]digits[.digits][(e|E)[+|-]digits].
 * Exact decimal arithmetic, truncated toward zero; no strtod (locale). */
static int parse_epoch(const char *s, int64_t *out)
{
    int neg = 0;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    char dig[64];
    size_t nd = 0;
    long frac = 0;            /* digits after the point */
    int seen = 0;
    for (; is_digit(*s); s++, seen = 1)
        if (nd || *s != '0') {          /* drop leading zeros */
            if (nd >= sizeof(dig))
                return AWS_EINVAL;
            dig[nd++] = *s;
        }
    if (*s == '.') {
        s++;
        for (; is_digit(*s); s++, seen = 1) {
            if (nd >= sizeof(dig) || frac > 40)
                return AWS_EINVAL;
            if (nd || *s != '0')
                dig[nd++] = *s;
            frac++;
        }
    }
    if (!seen)
        return AWS_EINVAL;
    long exp = 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        int eneg = 0;
        if (*s == '-' || *s == '+') {
            eneg = *s == '-';
            s++;
        }
        if (!is_digit(*s))
            return AWS_EINVAL;
        for (; is_digit(*s); s++) {
            exp = exp * 10 + (*s - '0');
            if (exp > 1000)
                return AWS_EINVAL;
        }
        if (eneg)
            exp = -exp;
    }
    if (*s)
        return AWS_EINVAL;
    long scale = exp - frac;          /* value = int(dig) * 10^scale */
    long keep = (long)nd + (scale < 0 ? scale : 0);
    if (keep < 0)
        keep = 0;
    if (keep + (scale > 0 ? scale : 0) > 18)
        return AWS_EINVAL;            /* beyond +-10^18 seconds */
    int64_t v = 0;
    for (long i = 0; i < keep; i++)
        v = v * 10 + (dig[i] - '0');
    for (long i = 0; i < scale; i++)
        v *= 10;
    *out = neg ? -v : v;
    return 0;
}

int aws_time_in_range(int64_t t)
{
    return t >= AWS_TIME_MIN && t <= AWS_TIME_MAX;
}

static int parse_any(const char *s, int64_t *out);

int aws_time_parse(const char *s, int64_t *out)
{
    int64_t t;
    if (!s || !out || !*s)
        return AWS_EINVAL;
    int rc = parse_any(s, &t);
    if (rc == 0 && !aws_time_in_range(t))
        rc = AWS_EINVAL;
    if (rc == 0)
        *out = t;
    return rc;
}

static int parse_any(const char *s, int64_t *out)
{
    /* A date starts with four digits and a dash; anything else is a number. */
    if (!(strlen(s) >= 10 && s[4] == '-' && is_digit(s[0])))
        return parse_epoch(s, out);

    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d))
        return AWS_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)mo))
        return AWS_EINVAL;
    const char *p = s + 10;
    int64_t offset = 0;
    if (*p) {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return AWS_EINVAL;
        p++;
        if (digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi) ||
            p[5] != ':' || digits(p + 6, 2, &sec))
            return AWS_EINVAL;
        if (h > 23 || mi > 59 || sec > 60)   /* 60: a leap second */
            return AWS_EINVAL;
        p += 8;
        if (*p == '.' || *p == ',') {
            p++;
            if (!is_digit(*p))
                return AWS_EINVAL;
            while (is_digit(*p))
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om = 0, sign = *p == '-' ? -1 : 1;
            p++;
            if (digits(p, 2, &oh))
                return AWS_EINVAL;
            p += 2;
            if (*p == ':')
                p++;
            if (*p) {
                if (digits(p, 2, &om))
                    return AWS_EINVAL;
                p += 2;
            }
            if (oh > 23 || om > 59)
                return AWS_EINVAL;
            offset = sign * (int64_t)(oh * 3600 + om * 60);
        }
        /* No zone designator: UTC, as botocore assumes. */
        if (*p)
            return AWS_EINVAL;
    }
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    /* Local time = UTC + offset, so UTC = local - offset. */
    *out = days * 86400 + h * 3600 + mi * 60 + sec - offset;
    return 0;
}

static void split(int64_t t, int64_t *y, unsigned *mo, unsigned *d,
                  unsigned *h, unsigned *mi, unsigned *s)
{
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, y, mo, d);
    *h = (unsigned)(rem / 3600);
    *mi = (unsigned)(rem / 60 % 60);
    *s = (unsigned)(rem % 60);
}

void aws_time_iso8601(int64_t t, char *buf, size_t n)
{
    int64_t y;
    unsigned mo, d, h, mi, s;
    if (!buf || n == 0)
        return;
    split(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(buf, n, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, mo, d, h, mi, s);
}

void aws_time_amz(int64_t t, char *buf, size_t n)
{
    int64_t y;
    unsigned mo, d, h, mi, s;
    if (!buf || n == 0)
        return;
    split(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(buf, n, "%04lld%02u%02uT%02u%02u%02uZ", (long long)y, mo, d, h, mi, s);
}

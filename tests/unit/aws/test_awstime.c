/* Unit tests: aws/awstime.c (expected values from Python's calendar.timegm) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/awstime.h"
#include "aws/error.h"

static void parses_valid(void **state)
{
    (void)state;
    static const struct { const char *in; int64_t want; } cases[] = {
        { "2026-11-23T08:45:28Z", 1795423528 },
        { "2026-11-23T08:45:28.123Z", 1795423528 },
        { "2026-11-23T08:45:28.999999999Z", 1795423528 },
        { "2026-11-23t08:45:28z", 1795423528 },
        { "2026-11-23 08:45:28Z", 1795423528 },
        { "2026-11-23T08:45:28", 1795423528 },               /* no zone: UTC */
        { "2026-11-23T08:45:28+00:00", 1795423528 },
        { "2026-11-23T08:45:28+01:00", 1795423528 - 3600 },
        { "2026-11-23T08:45:28.5-05:30", 1795423528 + 19800 },
        { "2026-11-23T08:45:28-0530", 1795423528 + 19800 },
        { "2026-11-23T08:45:28+14", 1795423528 - 14 * 3600 },
        { "2026-11-23", 1795392000 },
        { "1970-01-01T00:00:00Z", 0 },
        { "1969-12-31T23:59:59Z", -1 },
        { "2024-02-29T00:00:00Z", 1709164800 },
        { "2000-02-29T12:00:00Z", 951825600 },
        { "1900-03-01T00:00:00Z", -2203891200LL },
        { "0001-01-01T00:00:00Z", -62135596800LL },
        { "9999-12-31T23:59:59Z", 253402300799LL },
        { "2016-12-31T23:59:60Z", 1483228800 },              /* leap second */
        { "1795423528", 1795423528 },
        { "1795423528.5", 1795423528 },
        { "1795423528.999", 1795423528 },
        { "1.7954235285E9", 1795423528 },
        { "1.795423528e+09", 1795423528 },
        { "17954235280e-1", 1795423528 },
        { "0", 0 },
        { "0.0", 0 },
        { "-1.5", -1 },
        { "-86400", -86400 },
        { "1e3", 1000 },
        { "000000000000000000000000000042", 42 },
        { "0.000000000000000000000000001e27", 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int64_t t = 12345;
        int rc = aws_time_parse(cases[i].in, &t);
        if (rc != 0 || t != cases[i].want)
            fail_msg("%s: rc %d, got %lld, want %lld", cases[i].in, rc, (long long)t,
                     (long long)cases[i].want);
    }
}

static void rejects_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {
        "", "abc", " 1795423528", "1795423528 ", "1795423528x", "1.2.3", "e5", ".", "-", "1e",
        "1e+", "0x10", "inf", "nan", "99999999999999999999", "1e19", "--1",
        "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31", "2023-02-29", "1900-02-29",
        "2026-11-23T25:00:00Z", "2026-11-23T08:60:00Z", "2026-11-23T08:45:61Z",
        "2026-11-23T08:45Z", "2026-11-23T08:45:28+1", "2026-11-23T08:45:28+01:0",
        "2026-11-23T08:45:28+24:00", "2026-11-23T08:45:28Z ", "2026-11-23T08:45:28.Z",
        "2026-11-23X08:45:28Z", "2026-11-2", "2026/11/23", "20261123T084528Z",
        "2026-11-23T08:45:28ZZ", "2026-1a-23",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        int64_t t = 777;
        int rc = aws_time_parse(bad[i], &t);
        if (rc != AWS_EINVAL)
            fail_msg("'%s' accepted (rc %d, t %lld)", bad[i], rc, (long long)t);
        assert_int_equal(t, 777);   /* untouched on error */
    }
    int64_t t;
    assert_int_equal(aws_time_parse(NULL, &t), AWS_EINVAL);
}

static void formats(void **state)
{
    (void)state;
    char buf[32];
    aws_time_iso8601(1795423528, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-23T08:45:28Z");
    aws_time_amz(1440938160, buf, sizeof(buf));
    assert_string_equal(buf, "20150830T123600Z");
    aws_time_iso8601(-1, buf, sizeof(buf));
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    aws_time_iso8601(951825600, buf, sizeof(buf));
    assert_string_equal(buf, "2000-02-29T12:00:00Z");
    aws_time_amz(253402300799LL, buf, sizeof(buf));
    assert_string_equal(buf, "99991231T235959Z");
    /* a small buffer truncates and stays terminated */
    char tiny[5];
    aws_time_iso8601(0, tiny, sizeof(tiny));
    assert_string_equal(tiny, "1970");
}

/* Formatting agrees with the C library's gmtime_r, and parsing inverts it,
 * over a spread of instants from 1901 to 2100. */
static void round_trip_against_gmtime_r(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t t = (int64_t)(x % 6249223200ULL) - 2147483648LL;  /* 1901 .. 2100 */
        if (sizeof(time_t) < 8 && (t < INT32_MIN || t > INT32_MAX))
            continue;
        char ours[32], libc[32];
        aws_time_iso8601(t, ours, sizeof(ours));
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        strftime(libc, sizeof(libc), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (strcmp(ours, libc) != 0)
            fail_msg("%lld: %s vs %s", (long long)t, ours, libc);
        int64_t back = 0;
        assert_int_equal(aws_time_parse(ours, &back), 0);
        assert_int_equal(back, t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_valid),
        cmocka_unit_test(rejects_invalid),
        cmocka_unit_test(formats),
        cmocka_unit_test(round_trip_against_gmtime_r),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

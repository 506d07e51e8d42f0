/* certsweep — the digest e-mail as a MIME message. */
#include "notify/mail.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws/buf.h"
#include "aws/error.h"

#define MIME_MAX (64u * 1024 * 1024)

int notify_qp_encode(const char *s, size_t n, aws_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
            continue;
        if (c == '\n') {
            rc = aws_buf_puts(out, "\r\n");
            col = 0;
            continue;
        }
        /* A blank before a line end must be encoded. */
        int at_eol = i + 1 == n || s[i + 1] == '\n' || s[i + 1] == '\r';
        int plain = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
        size_t w = plain ? 1 : 3;
        if (col + w > 75) {
            rc = aws_buf_puts(out, "=\r\n");
            col = 0;
        }
        if (rc)
            break;
        if (plain) {
            rc = aws_buf_putc(out, (char)c);
        } else {
            char e[3] = { '=', hex[c >> 4], hex[c & 15] };
            rc = aws_buf_append(out, e, 3);
        }
        col += w;
    }
    return rc;
}

/* An RFC 2047 encoded word when the subject is not plain ASCII. */
static int put_subject(aws_buf *b, const char *s)
{
    int ascii = 1;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x80)
            ascii = 0;
    if (ascii)
        return aws_buf_printf(b, "Subject: %s\r\n", s);
    size_t n = strlen(s);
    unsigned char enc[4 * 256 / 3 + 8];
    int rc = aws_buf_puts(b, "Subject:");
    /* Encoded words of at most 45 input bytes, cut at UTF-8 boundaries. */
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t k = n - i < 45 ? n - i : 45;
        while (k > 0 && i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
            k--;
        if (k == 0)
            k = n - i < 45 ? n - i : 45;
        EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)k);
        rc = aws_buf_printf(b, " =?UTF-8?B?%s?=%s", enc, i + k < n ? "\r\n" : "");
        i += k;
    }
    return rc ? rc : aws_buf_puts(b, "\r\n");
}

static const char *domain_of(const char *addr)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at && at[1] ? at + 1 : "certsweep.invalid";
}

char *notify_mime_build(const notify_mime *m, size_t *len)
{
    unsigned char rnd[12];
    char id[25], date[64];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return NULL;
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(id + 2 * i, 3, "%02x", rnd[i]);
    time_t t = (time_t)m->date;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return NULL;
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    aws_buf b;
    aws_buf_init(&b, MIME_MAX);
    int rc = aws_buf_printf(&b,
        "From: %s\r\nTo: %s\r\n", m->from, m->to);
    if (rc == 0)
        rc = put_subject(&b, m->subject);
    if (rc == 0)
        rc = aws_buf_printf(&b,
            "Date: %s\r\n"
            "Message-ID: <%s.%lld@%s>\r\n"
            "MIME-Version: 1.0\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "X-Auto-Response-Suppress: All\r\n"
            "Content-Type: multipart/alternative; boundary=\"=_certsweep_%s\"\r\n"
            "\r\n"
            "This is a multi-part message in MIME format.\r\n"
            "\r\n--=_certsweep_%s\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
            date, id, (long long)m->date, domain_of(m->from), id, id);
    if (rc == 0)
        rc = notify_qp_encode(m->text, strlen(m->text), &b);
    if (rc == 0)
        rc = aws_buf_printf(&b, "\r\n--=_certsweep_%s\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n", id);
    if (rc == 0)
        rc = notify_qp_encode(m->html, strlen(m->html), &b);
    if (rc == 0)
        rc = aws_buf_printf(&b, "\r\n--=_certsweep_%s--\r\n", id);
    if (rc) {
        aws_buf_finish(&b);
        return NULL;
    }
    *len = b.len;
    return aws_buf_take(&b);
}

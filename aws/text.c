/* certsweep — remote text: UTF-8 repair and the display sanitiser. */
#include "aws/text.h"

#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd"          /* U+FFFD */

size_t aws_utf8_char(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;                           /* continuation, C0/C1 overlong lead, F5..FF */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

int aws_utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    uint32_t cp;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = aws_utf8_char(s + i, n - i, &cp);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* Bytes of the invalid sequence at s[0..n): a lead byte with the
 * continuation bytes that follow it (at most what its form allows), or
 * one byte.  One U+FFFD replaces it. */
static size_t invalid_run(const unsigned char *s, size_t n)
{
    size_t want = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
                : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : 1;
    size_t k = 1;
    while (k < want && k < n && (s[k] & 0xC0) == 0x80)
        k++;
    return k;
}

char *aws_utf8_repair(const char *s, size_t n, size_t *outlen)
{
    aws_buf b;
    /* Each invalid byte becomes at most 3: never over 3n. */
    aws_buf_init(&b, n > ((size_t)-1) / 3 - 1 ? (size_t)-1 / 2 : 3 * n + 1);
    size_t i = 0;
    int rc = 0;
    uint32_t cp;
    while (i < n && rc == 0) {
        size_t k = aws_utf8_char(s + i, n - i, &cp);
        if (k) {
            size_t j = i + k;               /* copy a valid run at once */
            while (j < n && (k = aws_utf8_char(s + j, n - j, &cp)) != 0)
                j += k;
            rc = aws_buf_append(&b, s + i, j - i);
            i = j;
        } else {
            rc = aws_buf_puts(&b, REPLACEMENT);
            i += invalid_run((const unsigned char *)s + i, n - i);
        }
    }
    if (rc) {
        aws_buf_finish(&b);
        return NULL;
    }
    if (outlen)
        *outlen = b.len;
    return aws_buf_take(&b);
}

int aws_text_escaped(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x2028 || cp == 0x2029;
}

/* Appends s to b, at most max bytes, each character passed through
 * `shown` (display) or kept (cut only). */
static int put_text(aws_buf *b, const char *s, size_t max, int display)
{
    if (max < 4)
        max = 4;
    s = s ? s : "";
    size_t n = strlen(s), i = 0, start = b->len;
    size_t safe = 0;                        /* bytes kept when a cut comes */
    size_t used = 0;
    int rc = 0, cut = 0;
    while (i < n) {
        char tmp[16];
        const char *piece;
        size_t plen;
        uint32_t cp;
        size_t k = aws_utf8_char(s + i, n - i, &cp);
        if (!k) {
            piece = REPLACEMENT;
            plen = 3;
            k = invalid_run((const unsigned char *)s + i, n - i);
        } else if (display && (cp < 0x20 || cp == 0x7f)) {
            piece = "?";
            plen = 1;
        } else if (display && aws_text_escaped(cp)) {
            snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
            piece = tmp;
            plen = 6;
        } else {
            piece = s + i;
            plen = k;
        }
        if (used + plen > max) {
            cut = 1;
            break;
        }
        if ((rc = aws_buf_append(b, piece, plen)))
            break;
        used += plen;
        if (used + 3 <= max)
            safe = used;
        i += k;
    }
    if (!rc && cut) {
        b->len = start + safe;
        b->data[b->len] = '\0';
        rc = aws_buf_puts(b, AWS_TEXT_ELLIPSIS);
    }
    if (rc && b->data) {
        b->len = start;
        b->data[start] = '\0';
    }
    return rc;
}

int aws_text_show(aws_buf *b, const char *s, size_t max)
{
    return put_text(b, s, max, 1);
}

int aws_text_cut(aws_buf *b, const char *s, size_t max)
{
    return put_text(b, s, max, 0);
}

static char *to_buf(const char *s, char *out, size_t n, int display)
{
    if (n == 0)
        return out;
    aws_buf b;
    aws_buf_init(&b, n - 1);
    out[0] = '\0';
    if (put_text(&b, s, n - 1, display) == 0 && b.data)
        memcpy(out, b.data, b.len + 1);
    aws_buf_finish(&b);
    return out;
}

char *aws_text_show_buf(const char *s, char *out, size_t n)
{
    return to_buf(s, out, n, 1);
}

char *aws_text_cut_buf(const char *s, char *out, size_t n)
{
    return to_buf(s, out, n, 0);
}

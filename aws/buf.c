#include "aws/buf.h"
#include "aws/error.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aws_buf_init(aws_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int grow(aws_buf *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > ((size_t)-1) / 2)
            return AWS_ENOMEM;
        cap *= 2;
    }
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return AWS_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int aws_buf_append(aws_buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return AWS_ETOOBIG;
    int rc = grow(b, b->len + n + 1);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int aws_buf_puts(aws_buf *b, const char *s)
{
    return aws_buf_append(b, s, strlen(s));
}

int aws_buf_putc(aws_buf *b, char c)
{
    return aws_buf_append(b, &c, 1);
}

int aws_buf_vprintf(aws_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return AWS_EINVAL;
    if ((size_t)n > b->max || b->len > b->max - (size_t)n)
        return AWS_ETOOBIG;
    int rc = grow(b, b->len + (size_t)n + 1);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int aws_buf_printf(aws_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = aws_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void aws_buf_reset(aws_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *aws_buf_take(aws_buf *b)
{
    char *s = b->data;
    if (!s)
        s = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

char *aws_buf_take_fit(aws_buf *b)
{
    if (b->data && b->cap > b->len + 1) {
        char *p = realloc(b->data, b->len + 1);
        if (p)                      /* else the larger block is as good */
            b->data = p;
    }
    return aws_buf_take(b);
}

void aws_buf_finish(aws_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void aws_buf_finish_secret(aws_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    aws_buf_finish(b);
}

int aws_buf_urlencode(aws_buf *b, const char *s, size_t n, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~' || (keep_slash && c == '/')) {
            rc = aws_buf_putc(b, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            rc = aws_buf_append(b, e, 3);
        }
        if (rc)
            return rc;
    }
    return 0;
}

int aws_buf_read_file(aws_buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? AWS_ENOTFOUND : AWS_EIO;
    size_t start = b->len;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = aws_buf_append(b, chunk, n);
    if (rc == 0 && ferror(f))
        rc = AWS_EIO;
    int saved = errno;
    fclose(f);
    /* the file may hold a secret (a token, a key): no copy is left behind */
    OPENSSL_cleanse(chunk, sizeof(chunk));
    if (rc != 0 && b->data) {
        OPENSSL_cleanse(b->data + start, b->len - start);
        b->len = start;
        b->data[start] = '\0';
    }
    errno = saved;
    return rc;
}

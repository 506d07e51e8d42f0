/* certsweep — capped dynamic buffer (after curl's dynbuf).
 *
 * Every buffer that holds remote data has a cap: an append that would pass
 * it fails with AWS_ETOOBIG and leaves the buffer as it was.  The data is
 * always NUL-terminated (the NUL is not counted in len).
 */
#ifndef AWS_BUF_H
#define AWS_BUF_H

#include <stddef.h>
#include <stdarg.h>

typedef struct aws_buf {
    char  *data;   /* NULL until the first append */
    size_t len;
    size_t cap;    /* allocated bytes */
    size_t max;    /* hard cap on len */
} aws_buf;

void aws_buf_init(aws_buf *b, size_t max);
int  aws_buf_append(aws_buf *b, const void *p, size_t n);
int  aws_buf_puts(aws_buf *b, const char *s);
int  aws_buf_putc(aws_buf *b, char c);
int  aws_buf_printf(aws_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int  aws_buf_vprintf(aws_buf *b, const char *fmt, va_list ap);
void aws_buf_reset(aws_buf *b);          /* len = 0, keeps memory */
/* Hands the string to the caller (never NULL on success; "" for empty). */
char *aws_buf_take(aws_buf *b);
/* The same, the memory cut to the string's length first: for strings kept
 * long (a finding's texts), where the doubling growth would leave up to
 * half of each unused.  Not for buffers that held a secret (the cut may
 * move the string and leave a copy behind). */
char *aws_buf_take_fit(aws_buf *b);
/* Frees memory; wipes it first when the buffer may hold a secret. */
void aws_buf_finish(aws_buf *b);
void aws_buf_finish_secret(aws_buf *b);
/* Appends the whole file at path (errno kept for the caller's message):
 * 0, AWS_ENOTFOUND (no such file), AWS_ETOOBIG (over b's cap: b as it was)
 * AWS_ENOMEM or AWS_EIO.  Its read buffer is wiped, and on failure so is
 * what it appended, so the file may hold a secret (free b with
 * aws_buf_finish_secret). */
int  aws_buf_read_file(aws_buf *b, const char *path);
/* Appends s percent-encoded per RFC 3986 (unreserved kept); when keep_slash,
 * '/' is kept too. */
int  aws_buf_urlencode(aws_buf *b, const char *s, size_t n, int keep_slash);

#endif

/* Unit tests: aws/buf.c, aws/headers.c, aws/creds.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "aws/buf.h"
#include "aws/creds.h"
#include "aws/error.h"
#include "aws/headers.h"

/* aws_buf_read_file: the whole file appended; a missing file, a file over
 * the cap (the buffer as it was) and a directory are errors. */
static void buf_read_file(void **state)
{
    (void)state;
    char path[] = "/tmp/certsweep-buf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "token-value\n";
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);

    aws_buf b;
    aws_buf_init(&b, 16);
    assert_int_equal(aws_buf_puts(&b, "<"), 0);
    assert_int_equal(aws_buf_read_file(&b, path), 0);
    assert_string_equal(b.data, "<token-value\n");
    /* a second copy is over the cap: an error, b as it was */
    assert_int_equal(aws_buf_read_file(&b, path), AWS_ETOOBIG);
    assert_string_equal(b.data, "<token-value\n");
    assert_int_equal(b.len, sizeof(text));
    aws_buf_finish_secret(&b);

    aws_buf_init(&b, 16);
    assert_int_equal(aws_buf_read_file(&b, "/nonexistent/certsweep-token"), AWS_ENOTFOUND);
    assert_int_equal(aws_buf_read_file(&b, "/"), AWS_EIO);
    assert_int_equal(b.len, 0);
    aws_buf_finish(&b);
    unlink(path);
}

/* aws_buf_take_fit: the same string, in a block cut to its length (the
 * growth by doubling gave the buffer 1,024 bytes for 601). */
static void buf_take_fit_cuts_the_block(void **state)
{
    (void)state;
    aws_buf b;
    aws_buf_init(&b, 4096);
    for (int i = 0; i < 60; i++)
        assert_int_equal(aws_buf_puts(&b, "0123456789"), 0);
    assert_int_equal(aws_buf_putc(&b, '!'), 0);
    assert_int_equal(b.cap, 1024);
    char *s = aws_buf_take_fit(&b);
    assert_non_null(s);
    assert_int_equal(strlen(s), 601);
    assert_int_equal(s[600], '!');
    assert_memory_equal(s, "0123456789", 10);
    assert_true(malloc_usable_size(s) < 1024);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(s);
    /* empty: "" as aws_buf_take gives */
    aws_buf_init(&b, 16);
    s = aws_buf_take_fit(&b);
    assert_string_equal(s, "");
    free(s);
}

static void buf_caps_and_keeps_content(void **state)
{
    (void)state;
    aws_buf b;
    aws_buf_init(&b, 8);
    assert_int_equal(aws_buf_puts(&b, "abcd"), 0);
    assert_int_equal(aws_buf_printf(&b, "%d", 123), 0);
    assert_string_equal(b.data, "abcd123");
    /* Over the cap: an error, and the buffer is unchanged (no truncation). */
    assert_int_equal(aws_buf_puts(&b, "xy"), AWS_ETOOBIG);
    assert_int_equal(aws_buf_printf(&b, "%s", "xy"), AWS_ETOOBIG);
    assert_string_equal(b.data, "abcd123");
    assert_int_equal(aws_buf_putc(&b, '!'), 0);
    assert_int_equal(b.len, 8);
    aws_buf_finish(&b);
}

static void buf_urlencode(void **state)
{
    (void)state;
    aws_buf b;
    aws_buf_init(&b, 1024);
    const char *s = "a b/c~d*e=f&";
    assert_int_equal(aws_buf_urlencode(&b, s, strlen(s), 0), 0);
    assert_string_equal(b.data, "a%20b%2Fc~d%2Ae%3Df%26");
    aws_buf_reset(&b);
    assert_int_equal(aws_buf_urlencode(&b, s, strlen(s), 1), 0);
    assert_string_equal(b.data, "a%20b/c~d%2Ae%3Df%26");
    char *t = aws_buf_take(&b);
    assert_string_equal(t, "a%20b/c~d%2Ae%3Df%26");
    assert_null(b.data);
    free(t);
}

static void headers_case_insensitive(void **state)
{
    (void)state;
    aws_headers h;
    aws_headers_init(&h);
    assert_int_equal(aws_headers_add(&h, "Content-Type", "a"), 0);
    assert_int_equal(aws_headers_add(&h, "X-One", "1"), 0);
    assert_string_equal(aws_headers_get(&h, "content-type"), "a");
    assert_int_equal(aws_headers_set(&h, "CONTENT-TYPE", "b"), 0);
    assert_string_equal(aws_headers_get(&h, "Content-Type"), "b");
    assert_int_equal(h.n, 2);
    aws_headers_remove(&h, "x-one");
    assert_null(aws_headers_get(&h, "X-One"));
    assert_int_equal(h.n, 1);
    aws_headers_finish(&h);
}

static int got_err;
static aws_creds *got;
static void on_creds(int err, aws_creds *c, const char *msg, void *ud)
{
    (void)msg;
    (*(int *)ud)++;
    got_err = err;
    got = c;
}

static void creds_refcount_and_static_provider(void **state)
{
    (void)state;
    assert_null(aws_creds_new("", "x", NULL, 0, "env"));
    aws_creds *c = aws_creds_new("AKID", "SECRET", "TOKEN", 100, "env");
    assert_non_null(c);
    assert_true(aws_creds_expiring(c, 50, 60));
    assert_false(aws_creds_expiring(c, 30, 60));
    aws_creds_provider *p = aws_creds_provider_static_new(c);
    aws_creds_unref(c);             /* provider keeps its own ref */
    int calls = 0;
    assert_int_equal(aws_creds_provider_get(p, on_creds, &calls), 0);
    assert_int_equal(calls, 1);
    assert_int_equal(got_err, 0);
    assert_string_equal(got->access_key_id, "AKID");
    assert_string_equal(got->session_token, "TOKEN");
    aws_creds_provider_unref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_caps_and_keeps_content),
        cmocka_unit_test(buf_urlencode),
        cmocka_unit_test(buf_read_file),
        cmocka_unit_test(buf_take_fit_cuts_the_block),
        cmocka_unit_test(headers_case_insensitive),
        cmocka_unit_test(creds_refcount_and_static_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

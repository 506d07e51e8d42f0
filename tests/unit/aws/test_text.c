/* Unit tests: aws/text.c (UTF-8 repair, the display sanitiser, cuts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/text.h"

#define FFFD "\xef\xbf\xbd"

static void validates(void **state)
{
    (void)state;
    static const struct { const char *s; int ok; } cases[] = {
        { "", 1 }, { "plain ascii", 1 }, { "caf\xc3\xa9", 1 }, { "\xe2\x80\xae", 1 },
        { "\xf0\x9f\x94\x92", 1 }, { "\xf4\x8f\xbf\xbf", 1 },            /* U+10FFFF */
        { "\xff", 0 }, { "\xfe", 0 }, { "\xc0\xaf", 0 },                  /* overlong '/' */
        { "\xe0\x80\xaf", 0 }, { "\xed\xa0\x80", 0 },                     /* surrogate */
        { "\xf4\x90\x80\x80", 0 }, { "\xc3", 0 }, { "\x80", 0 }, { "a\xe2\x80", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (aws_utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
            fail_msg("case %zu", i);
}

static void repairs(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } cases[] = {
        { "ok.example.com", "ok.example.com" },
        /* the bytes: four invalid bytes, four replacements */
        { "a\xff\xfe\xc0\xaf.example.com", "a" FFFD FFFD FFFD FFFD ".example.com" },
        { "\xe2\x80", FFFD },                       /* truncated: one */
        { "x\xed\xa0\x80y", "x" FFFD "y" },           /* a lead and its tail: one */
        { "caf\xc3\xa9 \xe2\x80\xae", "caf\xc3\xa9 \xe2\x80\xae" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = 0;
        char *r = aws_utf8_repair(cases[i].in, strlen(cases[i].in), &n);
        assert_non_null(r);
        assert_string_equal(r, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
        assert_true(aws_utf8_valid(r, n));
        free(r);
    }
}

static void shows_escaped(void **state)
{
    (void)state;
    char out[256];
    static const struct { const char *in, *want; } cases[] = {
        { "a\x1b[31mb\n", "a?[31mb?" },
        { "csi \xc2\x9b" "2J", "csi \\u009b2J" },               /* U+009B */
        { "evil\xe2\x80\xaegpj.exe", "evil\\u202egpj.exe" },
        { "\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069" },
        { "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c" },
        { "bad \xff\xfe", "bad " FFFD FFFD },
        { "caf\xc3\xa9", "caf\xc3\xa9" },
        { NULL, "" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aws_text_show_buf(cases[i].in, out, sizeof(out));
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: got '%s'", i, out);
        for (const unsigned char *p = (const unsigned char *)out; *p; p++)
            assert_true(*p >= 0x20 && *p != 0x7f);
    }
}

static void cuts_on_boundaries(void **state)
{
    (void)state;
    /* 10 bytes max: "…" takes 3, an "é" is never split. */
    char out[11];
    aws_text_cut_buf("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof(out));
    assert_string_equal(out, "\xc3\xa9\xc3\xa9\xc3\xa9" AWS_TEXT_ELLIPSIS);
    assert_true(aws_utf8_valid(out, strlen(out)));
    /* Exactly fits: no ellipsis. */
    aws_text_cut_buf("0123456789", out, sizeof(out));
    assert_string_equal(out, "0123456789");
    aws_text_cut_buf("0123456789A", out, sizeof(out));
    assert_string_equal(out, "0123456" AWS_TEXT_ELLIPSIS);
    /* An escape is never split either. */
    char small[12];
    aws_text_show_buf("ab\xe2\x80\xae\xe2\x80\xae", small, sizeof(small));
    assert_string_equal(small, "ab\\u202e" AWS_TEXT_ELLIPSIS);
    /* A cut keeps lines; show makes one line. */
    aws_buf b;
    aws_buf_init(&b, 64);
    assert_int_equal(aws_text_cut(&b, "a\nb", 16), 0);
    assert_string_equal(b.data, "a\nb");
    aws_buf_finish(&b);
    /* A 5,000-byte name becomes at most max bytes. */
    char *big = malloc(5001);
    assert_non_null(big);
    memset(big, 'x', 5000);
    big[5000] = '\0';
    aws_buf_init(&b, 1 << 20);
    assert_int_equal(aws_text_cut(&b, big, 256), 0);
    assert_int_equal(b.len, 256);
    assert_string_equal(b.data + 253, AWS_TEXT_ELLIPSIS);
    /* The buffer's own cap still holds: an error, the buffer unchanged. */
    aws_buf small_cap;
    aws_buf_init(&small_cap, 8);
    assert_int_equal(aws_buf_puts(&small_cap, "ab"), 0);
    assert_int_equal(aws_text_show(&small_cap, big, 100), AWS_ETOOBIG);
    assert_string_equal(small_cap.data, "ab");
    aws_buf_finish(&small_cap);
    aws_buf_finish(&b);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validates),
        cmocka_unit_test(repairs),
        cmocka_unit_test(shows_escaped),
        cmocka_unit_test(cuts_on_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

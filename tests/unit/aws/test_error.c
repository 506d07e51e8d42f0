/* Unit tests: aws/error.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <string.h>

#include "aws/error.h"

static const struct {
    int err;
    const char *code;
} codes[] = {
    { AWS_ENOMEM,    "OutOfMemory" },
    { AWS_EINVAL,    "InvalidInput" },
    { AWS_ETOOBIG,   "ResponseTooLarge" },
    { AWS_ETIMEDOUT, "Timeout" },
    { AWS_ECONN,     "ConnectionError" },
    { AWS_ETLS,      "TLSError" },
    { AWS_EHTTP,     "HTTPError" },
    { AWS_ESERVICE,  "ServiceError" },
    { AWS_EPARSE,    "ParseError" },
    { AWS_ECANCELED, "Canceled" },
    { AWS_ENOCREDS,  "NoCredentials" },
    { AWS_ENOTFOUND, "NotFound" },
    { AWS_EIO,       "IOError" },
    { AWS_EBUDGET,   "RetryBudgetExhausted" },
    { -999,          "UnknownError" },
};

/* Every error has an AWS-style code (one word, letters only, capitalised)
 * that differs from its human text and from every other error's code. */
static void error_codes_table(void **state)
{
    (void)state;
    size_t n = sizeof(codes) / sizeof(codes[0]);
    for (size_t i = 0; i < n; i++) {
        const char *c = aws_error_code(codes[i].err);
        assert_non_null(c);
        assert_string_equal(c, codes[i].code);
        assert_true(isupper((unsigned char)c[0]));
        for (const char *p = c; *p; p++)
            assert_true(isalpha((unsigned char)*p));
        assert_string_not_equal(c, aws_strerror(codes[i].err));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(c, codes[j].code);
    }
    /* The table covers every code from AWS_ENOMEM down to AWS_EBUDGET. */
    for (int e = AWS_EBUDGET; e <= AWS_ENOMEM; e++)
        assert_string_not_equal(aws_error_code(e), "UnknownError");
    assert_int_equal(n - 1, (size_t)(AWS_ENOMEM - AWS_EBUDGET + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_codes_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

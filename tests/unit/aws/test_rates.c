/* Unit tests: aws/rates.c — the published request rates and the parsing
 * of their overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "aws/rates.h"

static const struct {
    const char *service, *op, *scope;
    double rate;
} k_published[] = {
    { "acm", "DescribeCertificate", "acm:DescribeCertificate", 10 },
    { "acm", "ListCertificates", "acm:ListCertificates", 8 },
    { "acm", "ListTagsForCertificate", "acm:ListTagsForCertificate", 10 },
    { "apigateway", "GetDomainNames", "apigateway:control-plane", 10 },
    { "apigateway", "GetClientCertificates", "apigateway:control-plane", 10 },
    { "apigateway", "GetRestApis", "apigateway:control-plane", 10 },
    { "apigateway", "GetStages", "apigateway:control-plane", 10 },
    { "apigatewayv2", "GetDomainNames", "apigateway:control-plane", 10 },
    { "iam", "ListServerCertificates", "iam:requests", 10 },
    { "sts", "AssumeRole", "sts:requests", 600 },
    { "sts", "GetCallerIdentity", "sts:requests", 600 },
    { "organizations", "ListAccounts", "organizations:requests", 10 },
    { "organizations", "ListOrganizationalUnitsForParent", "organizations:requests", 10 },
    { "ec2", "DescribeRegions", "ec2:DescribeRegions", 20 },
    { "securityhub", "BatchImportFindings", "securityhub:BatchImportFindings", 10 },
    { "securityhub", "GetFindings", "securityhub:GetFindings", 3 },
    { "sns", "Publish", "sns:Publish", 1500 },
    { "lambda", "ListFunctions", "other", 5 },
    { NULL, NULL, "other", 5 },
};

/* The figures certsweep paces the operations it calls at. */
static void published_figures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(k_published) / sizeof(k_published[0]); i++) {
        const aws_rate_limit *r = aws_rates_lookup(k_published[i].service, k_published[i].op);
        assert_non_null(r);
        if (strcmp(r->scope, k_published[i].scope) != 0 || r->rate != k_published[i].rate)
            fail_msg("%s:%s: scope %s rate %g", k_published[i].service, k_published[i].op,
                     r->scope, r->rate);
    }
}

/* Every row says where its figure comes from, and its first burst is small:
 * at least one request, never more than a second's worth. */
static void every_row_sourced_and_bounded(void **state)
{
    (void)state;
    size_t n;
    const aws_rate_limit *t = aws_rates_table(&n);
    assert_true(n > 10);
    assert_string_equal(t[n - 1].service, "*");
    for (size_t i = 0; i < n; i++) {
        assert_true(t[i].source && strlen(t[i].source) > 20);
        assert_true(t[i].rate >= AWS_RATE_MIN && t[i].rate <= AWS_RATE_MAX);
        assert_true(t[i].burst >= 1 && t[i].burst <= t[i].rate);
        assert_non_null(strchr(t[i].scope, ':') ? t[i].scope : "other");
        /* No operation twice. */
        for (size_t j = 0; j < i; j++)
            assert_false(strcmp(t[i].service, t[j].service) == 0 && strcmp(t[i].op, t[j].op) == 0);
    }
}

static void override_parsing(void **state)
{
    (void)state;
    const aws_rate_limit *row = NULL;
    double rate = 0;
    char why[320];
    assert_int_equal(aws_rates_parse_override("acm:DescribeCertificate=20", &row, &rate, why, sizeof(why)), 0);
    assert_string_equal(row->scope, "acm:DescribeCertificate");
    assert_true(rate == 20);
    assert_int_equal(aws_rates_parse_override("apigatewayv2:*=0.5", &row, &rate, why, sizeof(why)), 0);
    assert_string_equal(row->scope, "apigateway:control-plane");
    assert_true(rate == 0.5);
    static const char *const bad[] = {
        "", ":=", "acm", "acm:", "acm:DescribeCertificate=", "=5", ":DescribeCertificate=5",
        "acm:=5", "acm:DescribeCertificate=5x", "acm:DescribeCertificate=0.01",
        "acm:DescribeCertificate=1e9", "acm:DescribeCertificate=nan",
        "acm:DescribeCertificate=inf", "acme:DescribeCertificate=5", "iam:Nope=5",
        "*:*=5", "acm:DescribeCertificate=5=6",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        if (aws_rates_parse_override(bad[i], &row, &rate, why, sizeof(why)) != -1)
            fail_msg("accepted '%s'", bad[i]);
        assert_true(strlen(why) > 10);
    }
    assert_int_equal(aws_rates_parse_override(NULL, &row, &rate, why, sizeof(why)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(published_figures),
        cmocka_unit_test(every_row_sourced_and_bounded),
        cmocka_unit_test(override_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: aws/endpoints.c.  Hostnames and signing regions are those of
 * botocore's data/endpoints.json (botocore 1.43). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "aws/endpoints.h"
#include "aws/error.h"

static const char *env_vars[] = {
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_ACM", "AWS_ENDPOINT_URL_API_GATEWAY",
    "AWS_ENDPOINT_URL_APIGATEWAYV2", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_CLOUDWATCH",
    "AWS_ENDPOINT_URL_SECURITYHUB", "AWS_ENDPOINT_URL_SNS",
};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(env_vars) / sizeof(*env_vars); i++)
        unsetenv(env_vars[i]);
    return 0;
}

typedef struct ep_case {
    aws_service svc;
    const char *region;
    int fips;
    int rc;
    const char *url, *signing_region, *signing_name, *partition;
} ep_case;

static void check(const aws_endpoint_cfg *cfg, const ep_case *c)
{
    aws_endpoint ep;
    int rc = aws_endpoint_resolve(cfg, c->svc, c->region, &ep);
    if (rc != c->rc)
        fail_msg("%s %s fips=%d: rc %d, want %d (url %s)", aws_service_name(c->svc),
                 c->region, c->fips, rc, c->rc, ep.url);
    if (rc)
        return;
    if (strcmp(ep.url, c->url) || strcmp(ep.signing_region, c->signing_region) ||
        strcmp(ep.signing_name, c->signing_name) || strcmp(ep.partition, c->partition))
        fail_msg("%s %s fips=%d: got %s %s %s %s, want %s %s %s %s", aws_service_name(c->svc),
                 c->region, c->fips, ep.url, ep.signing_region, ep.signing_name, ep.partition,
                 c->url, c->signing_region, c->signing_name, c->partition);
}

static void run(const ep_case *cases, size_t n, const aws_endpoint_cfg *base)
{
    for (size_t i = 0; i < n; i++) {
        aws_endpoint_cfg cfg = *base;
        cfg.fips = cases[i].fips;
        check(&cfg, &cases[i]);
    }
}

static void standard_endpoints(void **state)
{
    (void)state;
    static const ep_case cases[] = {
        { AWS_SVC_STS, "us-east-1", 0, 0, "https://sts.us-east-1.amazonaws.com", "us-east-1", "sts", "aws" },
        { AWS_SVC_STS, "eu-west-3", 0, 0, "https://sts.eu-west-3.amazonaws.com", "eu-west-3", "sts", "aws" },
        { AWS_SVC_STS, "cn-north-1", 0, 0, "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1", "sts", "aws-cn" },
        { AWS_SVC_STS, "us-gov-west-1", 0, 0, "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1", "sts", "aws-us-gov" },
        { AWS_SVC_ORGANIZATIONS, "eu-west-1", 0, 0, "https://organizations.us-east-1.amazonaws.com", "us-east-1", "organizations", "aws" },
        { AWS_SVC_ORGANIZATIONS, "cn-north-1", 0, 0, "https://organizations.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", "organizations", "aws-cn" },
        { AWS_SVC_ORGANIZATIONS, "us-gov-east-1", 0, 0, "https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1", "organizations", "aws-us-gov" },
        { AWS_SVC_EC2, "ap-south-1", 0, 0, "https://ec2.ap-south-1.amazonaws.com", "ap-south-1", "ec2", "aws" },
        { AWS_SVC_ACM, "cn-northwest-1", 0, 0, "https://acm.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", "acm", "aws-cn" },
        { AWS_SVC_APIGATEWAY, "eu-central-1", 0, 0, "https://apigateway.eu-central-1.amazonaws.com", "eu-central-1", "apigateway", "aws" },
        { AWS_SVC_APIGATEWAYV2, "eu-central-1", 0, 0, "https://apigateway.eu-central-1.amazonaws.com", "eu-central-1", "apigateway", "aws" },
        { AWS_SVC_IAM, "ap-southeast-2", 0, 0, "https://iam.amazonaws.com", "us-east-1", "iam", "aws" },
        { AWS_SVC_IAM, "cn-northwest-1", 0, 0, "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "iam", "aws-cn" },
        { AWS_SVC_IAM, "us-gov-east-1", 0, 0, "https://iam.us-gov.amazonaws.com", "us-gov-west-1", "iam", "aws-us-gov" },
        { AWS_SVC_CLOUDWATCH, "sa-east-1", 0, 0, "https://monitoring.sa-east-1.amazonaws.com", "sa-east-1", "monitoring", "aws" },
        { AWS_SVC_SECURITYHUB, "il-central-1", 0, 0, "https://securityhub.il-central-1.amazonaws.com", "il-central-1", "securityhub", "aws" },
        { AWS_SVC_SNS, "us-gov-west-1", 0, 0, "https://sns.us-gov-west-1.amazonaws.com", "us-gov-west-1", "sns", "aws-us-gov" },
    };
    aws_endpoint_cfg base = { .use_env = 1 };
    run(cases, sizeof(cases) / sizeof(*cases), &base);
    /* cfg NULL: defaults (no FIPS) */
    check(NULL, &cases[0]);
}

static void fips_endpoints(void **state)
{
    (void)state;
    static const ep_case cases[] = {
        { AWS_SVC_STS, "us-east-1", 1, 0, "https://sts-fips.us-east-1.amazonaws.com", "us-east-1", "sts", "aws" },
        { AWS_SVC_STS, "us-gov-west-1", 1, 0, "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1", "sts", "aws-us-gov" },
        { AWS_SVC_STS, "eu-west-1", 1, AWS_ENOTFOUND, NULL, NULL, NULL, NULL },
        { AWS_SVC_ORGANIZATIONS, "us-west-2", 1, 0, "https://organizations-fips.us-east-1.amazonaws.com", "us-east-1", "organizations", "aws" },
        { AWS_SVC_ORGANIZATIONS, "us-gov-west-1", 1, 0, "https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1", "organizations", "aws-us-gov" },
        { AWS_SVC_ORGANIZATIONS, "cn-north-1", 1, AWS_ENOTFOUND, NULL, NULL, NULL, NULL },
        { AWS_SVC_EC2, "ca-central-1", 1, 0, "https://ec2-fips.ca-central-1.amazonaws.com", "ca-central-1", "ec2", "aws" },
        { AWS_SVC_EC2, "us-gov-east-1", 1, 0, "https://ec2.us-gov-east-1.amazonaws.com", "us-gov-east-1", "ec2", "aws-us-gov" },
        { AWS_SVC_ACM, "us-west-2", 1, 0, "https://acm-fips.us-west-2.amazonaws.com", "us-west-2", "acm", "aws" },
        { AWS_SVC_ACM, "eu-west-1", 1, AWS_ENOTFOUND, NULL, NULL, NULL, NULL },
        { AWS_SVC_APIGATEWAY, "us-east-2", 1, 0, "https://apigateway-fips.us-east-2.amazonaws.com", "us-east-2", "apigateway", "aws" },
        { AWS_SVC_APIGATEWAYV2, "ca-west-1", 1, 0, "https://apigateway-fips.ca-west-1.amazonaws.com", "ca-west-1", "apigateway", "aws" },
        { AWS_SVC_APIGATEWAY, "us-gov-west-1", 1, AWS_ENOTFOUND, NULL, NULL, NULL, NULL },
        { AWS_SVC_IAM, "eu-north-1", 1, 0, "https://iam-fips.amazonaws.com", "us-east-1", "iam", "aws" },
        { AWS_SVC_IAM, "us-gov-west-1", 1, 0, "https://iam.us-gov.amazonaws.com", "us-gov-west-1", "iam", "aws-us-gov" },
        { AWS_SVC_IAM, "cn-north-1", 1, AWS_ENOTFOUND, NULL, NULL, NULL, NULL },
        { AWS_SVC_CLOUDWATCH, "us-west-1", 1, 0, "https://monitoring-fips.us-west-1.amazonaws.com", "us-west-1", "monitoring", "aws" },
        { AWS_SVC_CLOUDWATCH, "us-gov-west-1", 1, 0, "https://monitoring.us-gov-west-1.amazonaws.com", "us-gov-west-1", "monitoring", "aws-us-gov" },
        { AWS_SVC_SECURITYHUB, "us-east-1", 1, 0, "https://securityhub-fips.us-east-1.amazonaws.com", "us-east-1", "securityhub", "aws" },
        { AWS_SVC_SECURITYHUB, "us-gov-east-1", 1, 0, "https://securityhub-fips.us-gov-east-1.amazonaws.com", "us-gov-east-1", "securityhub", "aws-us-gov" },
        { AWS_SVC_SECURITYHUB, "ca-central-1", 1, AWS_ENOTFOUND, NULL, NULL, NULL, NULL },
        { AWS_SVC_SNS, "ca-west-1", 1, 0, "https://sns-fips.ca-west-1.amazonaws.com", "ca-west-1", "sns", "aws" },
        { AWS_SVC_SNS, "cn-north-1", 1, AWS_ENOTFOUND, NULL, NULL, NULL, NULL },
    };
    aws_endpoint_cfg base = { .use_env = 1 };
    run(cases, sizeof(cases) / sizeof(*cases), &base);
}

static void env_overrides(void **state)
{
    (void)state;
    aws_endpoint_cfg cfg = { .use_env = 1 };
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:6000", 1);
    setenv("AWS_ENDPOINT_URL_API_GATEWAY", "http://localhost:7000//", 1);
    setenv("AWS_ENDPOINT_URL_APIGATEWAYV2", "http://localhost:7002", 1);
    setenv("AWS_ENDPOINT_URL_SNS", "", 1);   /* empty: ignored */
    static const ep_case cases[] = {
        /* service-specific env wins over the global one */
        { AWS_SVC_STS, "eu-west-1", 0, 0, "http://127.0.0.1:6000", "eu-west-1", "sts", "aws" },
        { AWS_SVC_ACM, "eu-west-1", 0, 0, "http://127.0.0.1:5000", "eu-west-1", "acm", "aws" },
        { AWS_SVC_SNS, "eu-west-1", 0, 0, "http://127.0.0.1:5000", "eu-west-1", "sns", "aws" },
        { AWS_SVC_APIGATEWAY, "eu-west-1", 0, 0, "http://localhost:7000", "eu-west-1", "apigateway", "aws" },
        { AWS_SVC_APIGATEWAYV2, "eu-west-1", 0, 0, "http://localhost:7002", "eu-west-1", "apigateway", "aws" },
        /* global services keep their global signing region under an override */
        { AWS_SVC_IAM, "eu-west-1", 0, 0, "http://127.0.0.1:5000", "us-east-1", "iam", "aws" },
        { AWS_SVC_ORGANIZATIONS, "cn-north-1", 0, 0, "http://127.0.0.1:5000", "cn-northwest-1", "organizations", "aws-cn" },
        /* an override also serves where no FIPS endpoint exists */
        { AWS_SVC_ACM, "eu-west-1", 1, 0, "http://127.0.0.1:5000", "eu-west-1", "acm", "aws" },
        { AWS_SVC_IAM, "cn-north-1", 1, 0, "http://127.0.0.1:5000", "cn-north-1", "iam", "aws-cn" },
    };
    run(cases, sizeof(cases) / sizeof(*cases), &cfg);

    /* use_env off: the environment is ignored */
    cfg.use_env = 0;
    static const ep_case off = { AWS_SVC_STS, "eu-west-1", 0, 0, "https://sts.eu-west-1.amazonaws.com", "eu-west-1", "sts", "aws" };
    check(&cfg, &off);
    clear_env(NULL);
}

static void config_overrides_win_over_env(void **state)
{
    (void)state;
    setenv("AWS_ENDPOINT_URL", "http://env-global:1", 1);
    setenv("AWS_ENDPOINT_URL_IAM", "http://env-iam:2", 1);
    aws_endpoint_cfg cfg = { .use_env = 1, .endpoint_url = "https://cfg-global:3/" };
    cfg.service_url[AWS_SVC_ACM] = "https://cfg-acm:4";
    static const ep_case cases[] = {
        { AWS_SVC_IAM, "eu-west-1", 0, 0, "https://cfg-global:3", "us-east-1", "iam", "aws" },
        { AWS_SVC_ACM, "eu-west-1", 0, 0, "https://cfg-acm:4", "eu-west-1", "acm", "aws" },
        { AWS_SVC_EC2, "eu-west-1", 0, 0, "https://cfg-global:3", "eu-west-1", "ec2", "aws" },
    };
    run(cases, sizeof(cases) / sizeof(*cases), &cfg);
    cfg.endpoint_url = NULL;
    cfg.allow_insecure = 1;          /* plain http to other hosts (insecure_overrides) */
    static const ep_case cases2[] = {
        { AWS_SVC_IAM, "eu-west-1", 0, 0, "http://env-iam:2", "us-east-1", "iam", "aws" },
        { AWS_SVC_ACM, "eu-west-1", 0, 0, "https://cfg-acm:4", "eu-west-1", "acm", "aws" },
        { AWS_SVC_EC2, "eu-west-1", 0, 0, "http://env-global:1", "eu-west-1", "ec2", "aws" },
    };
    run(cases2, sizeof(cases2) / sizeof(*cases2), &cfg);
    clear_env(NULL);
}

static void bad_overrides(void **state)
{
    (void)state;
    static const char *bad[] = { "ftp://x", "http://", "https:///path", "http://a b",
                                 "127.0.0.1:5000", "http://:80" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        aws_endpoint_cfg cfg = { .use_env = 1, .endpoint_url = bad[i] };
        aws_endpoint ep;
        if (aws_endpoint_resolve(&cfg, AWS_SVC_STS, "us-east-1", &ep) != AWS_EINVAL)
            fail_msg("override '%s' accepted", bad[i]);
    }
    char longurl[600];
    memset(longurl, 'a', sizeof(longurl) - 1);
    longurl[sizeof(longurl) - 1] = '\0';
    memcpy(longurl, "https://", 8);
    aws_endpoint_cfg cfg = { .endpoint_url = longurl };
    aws_endpoint ep;
    assert_int_equal(aws_endpoint_resolve(&cfg, AWS_SVC_STS, "us-east-1", &ep), AWS_EINVAL);
}

/* Plain http only to this machine unless allowed; https anywhere. */
static void insecure_overrides(void **state)
{
    (void)state;
    static const struct { const char *url; int insecure; } cases[] = {
        { "http://127.0.0.1:5000", 0 }, { "http://127.8.9.10/", 0 }, { "http://localhost:1", 0 },
        { "http://LOCALHOST", 0 }, { "http://[::1]:8080/x", 0 }, { "https://10.0.0.1", 0 },
        { "https://sts.example.com", 0 }, { NULL, 0 },
        { "http://10.0.0.5:4566", 1 }, { "http://128.0.0.1", 1 }, { "http://[::2]:80", 1 },
        { "http://localhost.evil.example", 1 }, { "http://127.0.0.1.evil.example", 1 },
        { "http://user@10.1.1.1", 1 }, { "http://127.0.0.1@10.1.1.1", 1 },
        { "HTTP://moto.internal", 1 }, { "http://[::ffff:10.0.0.1]", 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        if (aws_endpoint_url_insecure(cases[i].url) != cases[i].insecure)
            fail_msg("%s: expected %s", cases[i].url ? cases[i].url : "(null)",
                     cases[i].insecure ? "insecure" : "accepted");
    clear_env(NULL);
    aws_endpoint_cfg cfg = { .use_env = 1, .endpoint_url = "http://10.0.0.5:4566" };
    aws_endpoint ep;
    char err[512];
    assert_int_equal(aws_endpoint_resolve(&cfg, AWS_SVC_STS, "us-east-1", &ep), AWS_EINVAL);
    assert_int_equal(aws_endpoint_check_insecure(&cfg, err, sizeof(err)), AWS_EINVAL);
    assert_non_null(strstr(err, "[aws] endpoint_url"));
    assert_non_null(strstr(err, "'10.0.0.5'"));
    assert_non_null(strstr(err, "allow_insecure_endpoints"));
    cfg.allow_insecure = 1;
    assert_int_equal(aws_endpoint_resolve(&cfg, AWS_SVC_STS, "us-east-1", &ep), 0);
    assert_string_equal(ep.url, "http://10.0.0.5:4566");
    assert_int_equal(aws_endpoint_check_insecure(&cfg, err, sizeof(err)), 0);
    /* the environment's, named by its variable */
    aws_endpoint_cfg env_cfg = { .use_env = 1 };
    setenv("AWS_ENDPOINT_URL_ACM", "http://acm.corp.example:80", 1);
    assert_int_equal(aws_endpoint_check_insecure(&env_cfg, err, sizeof(err)), AWS_EINVAL);
    assert_non_null(strstr(err, "AWS_ENDPOINT_URL_ACM"));
    assert_int_equal(aws_endpoint_resolve(&env_cfg, AWS_SVC_ACM, "us-east-1", &ep), AWS_EINVAL);
    setenv("AWS_ENDPOINT_URL_ACM", "http://127.0.0.1:4566", 1);
    assert_int_equal(aws_endpoint_check_insecure(&env_cfg, err, sizeof(err)), 0);
    assert_int_equal(aws_endpoint_resolve(&env_cfg, AWS_SVC_ACM, "us-east-1", &ep), 0);
    clear_env(NULL);
}

static void regions(void **state)
{
    (void)state;
    static const char *good[] = { "us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1",
                                  "ap-southeast-7", "local" };
    static const char *bad[] = { "", "US-EAST-1", "us_east_1", "us-east-1 ", "-us-east-1",
                                 "us-east-", "us--east-1", "../etc", "us-east-1.evil.com",
                                 "1us-east", "us-east-1/x", "abcdefghijklmnopqrstuvwxyz-123456" };
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        assert_true(aws_region_valid(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        if (aws_region_valid(bad[i]))
            fail_msg("region '%s' accepted", bad[i]);
        aws_endpoint ep;
        assert_int_equal(aws_endpoint_resolve(NULL, AWS_SVC_STS, bad[i], &ep), AWS_EINVAL);
    }
    assert_false(aws_region_valid(NULL));
    assert_string_equal(aws_region_partition("cn-northwest-1"), "aws-cn");
    assert_string_equal(aws_region_partition("us-gov-east-1"), "aws-us-gov");
    assert_string_equal(aws_region_partition("us-east-1"), "aws");
    assert_string_equal(aws_region_partition("eu-west-1"), "aws");
    aws_endpoint ep;
    assert_int_equal(aws_endpoint_resolve(NULL, AWS_SVC__COUNT, "us-east-1", &ep), AWS_EINVAL);
}

static void names(void **state)
{
    (void)state;
    static const struct { aws_service s; const char *name, *env; } t[] = {
        { AWS_SVC_STS, "sts", "STS" },
        { AWS_SVC_ORGANIZATIONS, "organizations", "ORGANIZATIONS" },
        { AWS_SVC_EC2, "ec2", "EC2" },
        { AWS_SVC_ACM, "acm", "ACM" },
        { AWS_SVC_APIGATEWAY, "apigateway", "API_GATEWAY" },
        { AWS_SVC_APIGATEWAYV2, "apigatewayv2", "APIGATEWAYV2" },
        { AWS_SVC_IAM, "iam", "IAM" },
        { AWS_SVC_CLOUDWATCH, "cloudwatch", "CLOUDWATCH" },
        { AWS_SVC_SECURITYHUB, "securityhub", "SECURITYHUB" },
        { AWS_SVC_SNS, "sns", "SNS" },
        { AWS_SVC_SSO, "sso", "SSO" },
    };
    assert_int_equal(sizeof(t) / sizeof(*t), AWS_SVC__COUNT);
    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        assert_string_equal(aws_service_name(t[i].s), t[i].name);
        assert_string_equal(aws_service_env_suffix(t[i].s), t[i].env);
    }
    assert_string_equal(aws_service_name(AWS_SVC__COUNT), "unknown");
    assert_string_equal(aws_service_env_suffix(AWS_SVC__COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(standard_endpoints, clear_env),
        cmocka_unit_test_setup(fips_endpoints, clear_env),
        cmocka_unit_test_setup(env_overrides, clear_env),
        cmocka_unit_test_setup(config_overrides_win_over_env, clear_env),
        cmocka_unit_test_setup(bad_overrides, clear_env),
        cmocka_unit_test_setup(insecure_overrides, clear_env),
        cmocka_unit_test_setup(regions, clear_env),
        cmocka_unit_test_setup(names, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

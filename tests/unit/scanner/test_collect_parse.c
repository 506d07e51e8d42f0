/* Offline tests of the collectors' parse functions: real-shaped bodies
 * (as AWS documents them and as moto sends them) and malformed ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "aws/error.h"
#include "config/config.h"
#include "scanner/collect.h"
#include "scanner/discover.h"
#include "scanner/enrich.h"
#include "scanner/tags.h"
#include "scanner/scan.h"

#define B(s) (s), strlen(s)

/* ---- ACM ------------------------------------------------------------------ */

static void acm_list_body_names_every_key_type_and_status(void **state)
{
    (void)state;
    char *b = scanner_acm_list_body(NULL);
    assert_non_null(b);
    const char *want[] = {
        "\"keyTypes\"", "\"RSA_1024\"", "\"RSA_2048\"", "\"RSA_3072\"", "\"RSA_4096\"",
        "\"EC_prime256v1\"", "\"EC_secp384r1\"", "\"EC_secp521r1\"",
        "\"CertificateStatuses\"", "\"PENDING_VALIDATION\"", "\"ISSUED\"", "\"INACTIVE\"",
        "\"EXPIRED\"", "\"VALIDATION_TIMED_OUT\"", "\"REVOKED\"", "\"FAILED\"",
        "\"MaxItems\":1000",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_non_null(strstr(b, want[i]));
    assert_null(strstr(b, "NextToken"));
    free(b);
    b = scanner_acm_list_body("tok/+=1");
    assert_non_null(strstr(b, "\"NextToken\":\"tok/+=1\""));
    free(b);
}

static const char acm_list_page[] =
    "{\"CertificateSummaryList\":[{\"CertificateArn\":"
    "\"arn:aws:acm:us-east-1:111122223333:certificate/aaaa-1\",\"DomainName\":\"a.example.com\","
    "\"KeyAlgorithm\":\"RSA_2048\",\"Status\":\"ISSUED\",\"NotAfter\":1.79E9,\"InUse\":true},"
    "{\"CertificateArn\":\"arn:aws:acm:us-east-1:111122223333:certificate/bbbb-2\","
    "\"DomainName\":\"b.example.com\"}],\"NextToken\":\"page2==\"}";

static void acm_list_pages(void **state)
{
    (void)state;
    scanner_strv arns;
    scanner_strv_init(&arns);
    char *next = NULL, err[256] = "";
    assert_int_equal(scanner_acm_parse_list(B(acm_list_page), &arns, &next, err, sizeof(err)), 0);
    assert_int_equal(arns.n, 2);
    assert_string_equal(arns.v[1], "arn:aws:acm:us-east-1:111122223333:certificate/bbbb-2");
    assert_string_equal(next, "page2==");
    free(next);

    /* Last page: NextToken absent or null. */
    assert_int_equal(scanner_acm_parse_list(B("{\"CertificateSummaryList\":[],\"NextToken\":null}"),
                                            &arns, &next, err, sizeof(err)), 0);
    assert_null(next);
    assert_int_equal(scanner_acm_parse_list(B("{}"), &arns, &next, err, sizeof(err)), 0);
    assert_int_equal(arns.n, 2);
    scanner_strv_finish(&arns);
}

static void acm_list_malformed(void **state)
{
    (void)state;
    scanner_strv arns;
    scanner_strv_init(&arns);
    char *next = NULL, err[256] = "";
    assert_int_equal(scanner_acm_parse_list(B("{\"CertificateSummaryList\":[{\"Certif"),
                                            &arns, &next, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "not valid JSON"));
    assert_int_equal(scanner_acm_parse_list(B("<html>503</html>"), &arns, &next, err, sizeof(err)),
                     AWS_EPARSE);
    assert_int_equal(scanner_acm_parse_list(B("[1,2]"), &arns, &next, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(scanner_acm_parse_list("", 0, &arns, &next, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(scanner_acm_parse_list(B("{\"CertificateSummaryList\":{}}"),
                                            &arns, &next, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "not a list"));
    assert_int_equal(arns.n, 0);
    /* One unreadable item: the others are kept, the error names it. */
    assert_int_equal(scanner_acm_parse_list(
        B("{\"CertificateSummaryList\":[{\"DomainName\":\"x\"},"
          "{\"CertificateArn\":\"arn:aws:acm:eu-west-1:1:certificate/c\"},{\"CertificateArn\":5}],"
          "\"NextToken\":\"n\"}"), &arns, &next, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(arns.n, 1);
    assert_non_null(strstr(err, "CertificateSummaryList[0]"));
    assert_non_null(strstr(err, "1 more"));
    assert_string_equal(next, "n");   /* paging goes on */
    free(next);
    scanner_strv_finish(&arns);
}

/* Shaped like the DescribeCertificate example of the ACM API reference. */
static const char acm_describe_amazon[] =
    "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:111122223333:certificate/"
    "12345678-1234-1234-1234-123456789012\",\"CreatedAt\":1446835267.0,\"DomainName\":"
    "\"www.example.com\",\"DomainValidationOptions\":[{\"DomainName\":\"www.example.com\","
    "\"ValidationDomain\":\"www.example.com\",\"ValidationStatus\":\"SUCCESS\","
    "\"ValidationMethod\":\"DNS\",\"ResourceRecord\":{\"Name\":\"_a79865eb4cd1a6ab990a45779b4e0b96."
    "www.example.com.\",\"Type\":\"CNAME\",\"Value\":\"_6e46b6fa2c1b0d2e.acm-validations.aws.\"}},"
    "{\"DomainName\":\"www.example.net\",\"ValidationStatus\":"
    "\"PENDING_VALIDATION\",\"ValidationMethod\":\"EMAIL\",\"ValidationEmails\":[\"a@example.net\"]}],"
    "\"InUseBy\":[\"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/x/1\"],"
    "\"IssuedAt\":1446835815.0,\"Issuer\":\"Amazon\",\"KeyAlgorithm\":\"RSA_2048\","
    "\"NotAfter\":1478433600.0,\"NotBefore\":1446768000.0,\"Serial\":\"0f:c3\","
    "\"SignatureAlgorithm\":\"SHA256WITHRSA\",\"Status\":\"ISSUED\",\"Subject\":\"CN=www.example.com\","
    "\"SubjectAlternativeNames\":[\"www.example.com\",\"www.example.net\"],\"Type\":\"AMAZON_ISSUED\","
    "\"RenewalEligibility\":\"ELIGIBLE\",\"RenewalSummary\":{\"RenewalStatus\":\"PENDING_AUTO_RENEWAL\","
    "\"RenewalStatusReason\":\"CAA_ERROR\",\"DomainValidationOptions\":[],\"UpdatedAt\":1446835815},"
    "\"Options\":{\"CertificateTransparencyLoggingPreference\":\"DISABLED\"}}}";

static void acm_describe_full(void **state)
{
    (void)state;
    scanner_record *r = NULL;
    char err[256] = "";
    assert_int_equal(scanner_acm_parse_describe(B(acm_describe_amazon), "111122223333",
                                                "us-east-1", &r, err, sizeof(err)), 0);
    assert_non_null(r);
    assert_int_equal(r->source, SCANNER_SRC_ACM);
    assert_string_equal(r->account_id, "111122223333");
    assert_string_equal(r->region, "us-east-1");
    assert_string_equal(r->arn, "arn:aws:acm:us-east-1:111122223333:certificate/"
                                "12345678-1234-1234-1234-123456789012");
    assert_string_equal(r->id, "12345678-1234-1234-1234-123456789012");
    assert_string_equal(r->domain, "www.example.com");
    assert_int_equal(r->not_before, 1446768000);
    assert_int_equal(r->not_after, 1478433600);
    assert_int_equal(r->created_at, 1446835267);
    assert_int_equal(r->issued_at, 1446835815);
    assert_int_equal(r->imported_at, 0);
    assert_string_equal(r->status, "ISSUED");
    assert_string_equal(r->type, "AMAZON_ISSUED");
    assert_string_equal(r->key_algorithm, "RSA_2048");
    assert_string_equal(r->renewal_eligibility, "ELIGIBLE");
    assert_string_equal(r->renewal_status, "PENDING_AUTO_RENEWAL");
    assert_string_equal(r->renewal_reason, "CAA_ERROR");
    assert_string_equal(r->ct_logging, "DISABLED");
    assert_null(r->failure_reason);
    assert_int_equal(r->n_in_use_by, 1);
    assert_string_equal(r->in_use_by[0],
                        "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/x/1");
    assert_int_equal(r->n_validations, 2);
    assert_string_equal(r->validations[1].domain, "www.example.net");
    assert_string_equal(r->validations[1].status, "PENDING_VALIDATION");
    assert_string_equal(r->validations[1].method, "EMAIL");
    assert_null(r->validations[1].rr_name);
    /* the DNS validation's ResourceRecord: what renewal-at-risk looks up */
    assert_string_equal(r->validations[0].rr_name,
                        "_a79865eb4cd1a6ab990a45779b4e0b96.www.example.com.");
    assert_string_equal(r->validations[0].rr_type, "CNAME");
    assert_string_equal(r->validations[0].rr_value, "_6e46b6fa2c1b0d2e.acm-validations.aws.");
    assert_int_equal(r->validations[0].dns_seen, SCANNER_DNS_UNCHECKED);
    scanner_record_free(r);
}

/* As moto 5 sends it for an imported EC certificate. */
static const char acm_describe_imported[] =
    "{\"Certificate\": {\"CertificateArn\": \"arn:aws:acm:eu-west-1:222233334444:certificate/"
    "bca6ff5c-eb02\", \"DomainName\": \"ec.example.com\", \"InUseBy\": [], \"Issuer\": \"ec\", "
    "\"KeyAlgorithm\": \"EC_prime256v1\", \"NotAfter\": 1795430728, \"NotBefore\": \"1763894728.5\", "
    "\"Status\": \"ISSUED\", \"Type\": \"IMPORTED\", \"RenewalEligibility\": \"INELIGIBLE\", "
    "\"Options\": {\"CertificateTransparencyLoggingPreference\": \"ENABLED\", \"Export\": "
    "\"DISABLED\"}, \"DomainValidationOptions\": [], \"CreatedAt\": 1763894728.0, "
    "\"ImportedAt\": \"2025-11-23T10:45:28Z\"}}";

static void acm_describe_imported_times(void **state)
{
    (void)state;
    scanner_record *r = NULL;
    char err[256] = "";
    assert_int_equal(scanner_acm_parse_describe(B(acm_describe_imported), "222233334444",
                                                "eu-west-1", &r, err, sizeof(err)), 0);
    assert_int_equal(r->not_after, 1795430728);
    assert_int_equal(r->not_before, 1763894728);       /* epoch as a string, fraction dropped */
    assert_int_equal(r->imported_at, 1763894728);
    scanner_record_free(r);
}

static void acm_describe_pending_has_no_dates(void **state)
{
    (void)state;
    scanner_record *r = NULL;
    char err[256] = "";
    assert_int_equal(scanner_acm_parse_describe(
        B("{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/p\","
          "\"Status\":\"PENDING_VALIDATION\",\"Type\":\"AMAZON_ISSUED\",\"NotAfter\":null,"
          "\"CreatedAt\":1795424054.0}}"), "1", "us-east-1", &r, err, sizeof(err)), 0);
    assert_int_equal(r->not_after, 0);
    assert_int_equal(r->not_before, 0);
    assert_int_equal(r->created_at, 1795424054);
    assert_int_equal(r->n_validations, 0);
    scanner_record_free(r);
}

static void acm_describe_malformed(void **state)
{
    (void)state;
    static const struct { const char *body, *want; } cases[] = {
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\","
          "\"NotAfter\":\"next tuesday\"}}", "NotAfter is not a timestamp" },
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\","
          "\"NotBefore\":[1]}}", "NotBefore is not a timestamp" },
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\","
          "\"NotAfter\":1e300}}", "NotAfter" },
        { "{\"Certificate\":{\"DomainName\":\"x\"}}", "no CertificateArn" },
        { "{\"Certificates\":{}}", "no Certificate object" },
        { "{\"Certificate\":\"x\"}", "no Certificate object" },
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\","
          "\"InUseBy\":\"arn:x\"}}", "InUseBy is not a list" },
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\","
          "\"InUseBy\":[1]}}", "InUseBy[0]" },
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\","
          "\"DomainValidationOptions\":[{\"ValidationStatus\":\"SUCCESS\"}]}}",
          "DomainValidationOptions[0]" },
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\"}} junk",
          "trailing data" },
        { "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:1:certificate/x\"", "truncated" },
        { "\xff\xfe", "not valid JSON" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scanner_record *r = (scanner_record *)1;
        char err[256] = "";
        assert_int_equal(scanner_acm_parse_describe(B(cases[i].body), "1", "us-east-1", &r,
                                                    err, sizeof(err)), AWS_EPARSE);
        assert_null(r);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: error '%s' does not say '%s'", i, err, cases[i].want);
    }
}

static void acm_describe_deep_nesting_is_an_error(void **state)
{
    (void)state;
    char body[4096];
    size_t n = 0;
    n += (size_t)snprintf(body, sizeof(body), "{\"Certificate\":");
    for (int i = 0; i < 500; i++)
        body[n++] = '[';
    for (int i = 0; i < 500; i++)
        body[n++] = ']';
    body[n++] = '}';
    body[n] = 0;
    scanner_record *r = NULL;
    char err[256] = "";
    assert_int_equal(scanner_acm_parse_describe(body, n, "1", "us-east-1", &r, err, sizeof(err)),
                     AWS_EPARSE);
    assert_null(r);
}

/* ---- API Gateway v1 ------------------------------------------------------ */

static void apigw_client_certs(void **state)
{
    (void)state;
    scanner_record_set s;
    scanner_record_set_init(&s);
    char *pos = NULL, err[256] = "";
    assert_int_equal(scanner_apigw_parse_client_certs(
        B("{\"item\":[{\"clientCertificateId\":\"abc123\",\"description\":\"backend\","
          "\"pemEncodedCertificate\":\"-----BEGIN CERTIFICATE-----\\nMII\\n-----END CERTIFICATE-----\","
          "\"createdDate\":1763894728,\"expirationDate\":1795430728,\"tags\":{}},"
          "{\"clientCertificateId\":\"def456\",\"createdDate\":\"2025-01-01T00:00:00Z\","
          "\"expirationDate\":1.7677152E9,\"tags\":{\"team\":\"payments\",\"n\":1}}],"
          "\"position\":\"next+page\"}"),
        "333344445555", "eu-central-1", &s, &pos, err, sizeof(err)), 0);
    assert_int_equal(s.n, 2);
    scanner_record *r = s.v[0];
    assert_int_equal(r->source, SCANNER_SRC_APIGW_CLIENT_CERT);
    assert_string_equal(r->id, "abc123");
    assert_string_equal(r->arn, "arn:aws:apigateway:eu-central-1::/clientcertificates/abc123");
    assert_int_equal(r->created_at, 1763894728);
    assert_int_equal(r->not_after, 1795430728);
    assert_int_equal(s.v[1]->created_at, 1735689600);
    assert_int_equal(s.v[1]->not_after, 1767715200);
    assert_int_equal(r->tags.n, 0);
    assert_int_equal(s.v[1]->tags.n, 1);                    /* string values only */
    assert_string_equal(s.v[1]->tags.k[0], "team");
    assert_string_equal(s.v[1]->tags.v[0], "payments");
    assert_string_equal(pos, "next+page");
    free(pos);
    scanner_record_set_finish(&s);

    /* China partition ARN; an empty list; no position. */
    scanner_record_set_init(&s);
    assert_int_equal(scanner_apigw_parse_client_certs(
        B("{\"item\":[{\"clientCertificateId\":\"x\",\"expirationDate\":1}]}"),
        "1", "cn-north-1", &s, &pos, err, sizeof(err)), 0);
    assert_string_equal(s.v[0]->arn, "arn:aws-cn:apigateway:cn-north-1::/clientcertificates/x");
    assert_null(pos);
    assert_int_equal(scanner_apigw_parse_client_certs(B("{}"), "1", "us-east-1", &s, &pos,
                                                      err, sizeof(err)), 0);
    assert_int_equal(s.n, 1);
    scanner_record_set_finish(&s);
}

static void apigw_client_certs_malformed(void **state)
{
    (void)state;
    scanner_record_set s;
    scanner_record_set_init(&s);
    char *pos = NULL, err[256] = "";
    /* Missing expiry: reported, the good one kept. */
    assert_int_equal(scanner_apigw_parse_client_certs(
        B("{\"item\":[{\"clientCertificateId\":\"noexp\",\"createdDate\":1},"
          "{\"clientCertificateId\":\"ok\",\"expirationDate\":100},"
          "{\"expirationDate\":100}]}"),
        "1", "us-east-1", &s, &pos, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0]->id, "ok");
    assert_non_null(strstr(err, "item[0]"));
    assert_non_null(strstr(err, "expirationDate"));
    assert_non_null(strstr(err, "1 more"));
    assert_int_equal(scanner_apigw_parse_client_certs(
        B("{\"item\":[{\"clientCertificateId\":\"bad\",\"expirationDate\":\"soon\"}]}"),
        "1", "us-east-1", &s, &pos, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(scanner_apigw_parse_client_certs(B("{\"item\":{}}"), "1", "us-east-1", &s,
                                                      &pos, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(scanner_apigw_parse_client_certs(
        B("<!doctype html><title>404 Not Found</title>"), "1", "us-east-1", &s, &pos, err,
        sizeof(err)), AWS_EPARSE);
    assert_int_equal(s.n, 1);
    scanner_record_set_finish(&s);
}

static void apigw_rest_apis_and_stages(void **state)
{
    (void)state;
    scanner_strv ids;
    scanner_strv_init(&ids);
    char *pos = NULL, err[256] = "";
    /* moto's shape */
    assert_int_equal(scanner_apigw_parse_rest_apis(
        B("{\"item\": [{\"id\": \"s6b9ehzcms\", \"name\": \"x\", \"description\": null, "
          "\"createdDate\": 1795424055, \"endpointConfiguration\": {\"types\": [\"EDGE\"]}}, "
          "{\"id\": \"a1\"}], \"position\": \"p2\"}"), &ids, &pos, err, sizeof(err)), 0);
    assert_int_equal(ids.n, 2);
    assert_string_equal(ids.v[0], "s6b9ehzcms");
    assert_string_equal(pos, "p2");
    free(pos);
    assert_int_equal(scanner_apigw_parse_rest_apis(B("{\"item\":[{\"name\":\"noid\"}]}"), &ids,
                                                   &pos, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "no id"));
    scanner_strv_finish(&ids);

    scanner_record_set s;
    scanner_record_set_init(&s);
    assert_int_equal(scanner_apigw_parse_stages(
        B("{\"item\": [{\"stageName\": \"prod\", \"deploymentId\": \"d1\", \"clientCertificateId\": "
          "\"abc123\", \"createdDate\": 1795424055}, {\"stageName\": \"dev\", \"deploymentId\": "
          "\"d1\", \"methodSettings\": {}}]}"),
        "1", "us-west-2", "s6b9ehzcms", &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[0]->source, SCANNER_SRC_APIGW_STAGE);
    assert_string_equal(s.v[0]->id, "s6b9ehzcms/prod");
    assert_string_equal(s.v[0]->arn, "arn:aws:apigateway:us-west-2::/restapis/s6b9ehzcms/stages/prod");
    assert_string_equal(s.v[0]->client_certificate_id, "abc123");
    assert_int_equal(s.v[0]->created_at, 1795424055);
    assert_string_equal(s.v[1]->client_certificate_id, "");
    assert_int_equal(scanner_apigw_parse_stages(B("{\"item\":[{\"deploymentId\":\"d\"}]}"), "1",
                                                "us-west-2", "a", &s, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "stageName"));
    assert_int_equal(s.n, 2);
    scanner_record_set_finish(&s);
}

static void apigw_domains(void **state)
{
    (void)state;
    scanner_record_set s;
    scanner_record_set_init(&s);
    char *pos = NULL, err[256] = "";
    assert_int_equal(scanner_apigw_parse_domains(
        B("{\"item\": [{\"domainName\": \"api.example.com\", \"domainNameStatus\": \"AVAILABLE\", "
          "\"certificateUploadDate\": 1795424055, \"regionalCertificateArn\": "
          "\"arn:aws:acm:us-east-1:1:certificate/r\", \"endpointConfiguration\": {\"types\": "
          "[\"REGIONAL\"]}}, {\"domainName\": \"edge.example.com\", \"certificateArn\": "
          "\"arn:aws:acm:us-east-1:1:certificate/e\", \"domainNameArn\": "
          "\"arn:aws:apigateway:us-east-1::/domainnames/edge.example.com\"}, "
          "{\"domainName\": \"both.example.com\", \"certificateArn\": \"arn:e\", "
          "\"regionalCertificateArn\": \"arn:r\"}, {\"domainName\": \"none.example.com\"}]}"),
        "1", "us-east-1", &s, &pos, err, sizeof(err)), 0);
    assert_null(pos);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.v[0]->source, SCANNER_SRC_APIGW_DOMAIN);
    assert_string_equal(s.v[0]->domain, "api.example.com");
    assert_string_equal(s.v[0]->id, "api.example.com");
    assert_string_equal(s.v[0]->status, "AVAILABLE");
    assert_string_equal(s.v[0]->certificate_arn, "arn:aws:acm:us-east-1:1:certificate/r");
    assert_string_equal(s.v[0]->arn, "arn:aws:apigateway:us-east-1::/domainnames/api.example.com");
    assert_int_equal(s.v[0]->uploaded_at, 1795424055);
    assert_string_equal(s.v[1]->certificate_arn, "arn:aws:acm:us-east-1:1:certificate/e");
    assert_string_equal(s.v[2]->certificate_arn, "arn:r");
    assert_string_equal(s.v[3]->certificate_arn, "arn:e");
    assert_null(s.v[4]->certificate_arn);
    assert_int_equal(scanner_apigw_parse_domains(
        B("{\"item\": [{\"domainName\": \"x\", \"certificateUploadDate\": \"yesterday\"}]}"),
        "1", "us-east-1", &s, &pos, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "certificateUploadDate"));
    assert_int_equal(s.n, 5);
    scanner_record_set_finish(&s);
}

/* ---- API Gateway v2 ------------------------------------------------------ */

static void apigwv2_domains(void **state)
{
    (void)state;
    scanner_record_set s;
    scanner_record_set_init(&s);
    char *next = NULL, err[256] = "";
    assert_int_equal(scanner_apigwv2_parse_domains(
        B("{\"items\": [{\"apiMappingSelectionExpression\": \"$request.basepath\", \"domainName\": "
          "\"v2.example.com\", \"domainNameArn\": \"arn:aws:apigateway:us-east-1::/domainnames/"
          "v2.example.com\", \"domainNameConfigurations\": [{\"certificateArn\": "
          "\"arn:aws:acm:us-east-1:1:certificate/v\", \"certificateUploadDate\": "
          "\"2025-02-01T12:00:00Z\", \"domainNameStatus\": \"AVAILABLE\", \"endpointType\": "
          "\"REGIONAL\"}], \"mutualTlsAuthentication\": {}, \"tags\": {}}, {\"domainName\": "
          "\"bare.example.com\"}], \"nextToken\": \"t2\"}"),
        "1", "us-east-1", &s, &next, err, sizeof(err)), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.v[0]->source, SCANNER_SRC_APIGWV2_DOMAIN);
    assert_string_equal(s.v[0]->certificate_arn, "arn:aws:acm:us-east-1:1:certificate/v");
    assert_string_equal(s.v[0]->status, "AVAILABLE");
    assert_int_equal(s.v[0]->uploaded_at, 1738411200);
    assert_string_equal(s.v[0]->arn, "arn:aws:apigateway:us-east-1::/domainnames/v2.example.com");
    assert_string_equal(s.v[1]->arn, "arn:aws:apigateway:us-east-1::/domainnames/bare.example.com");
    assert_null(s.v[1]->certificate_arn);
    assert_string_equal(next, "t2");
    free(next);
    assert_int_equal(scanner_apigwv2_parse_domains(
        B("{\"items\": [{\"domainName\": \"d\", \"domainNameConfigurations\": [{\"certificateArn\": "
          "\"a\", \"certificateUploadDate\": \"02/01/2025\"}]}, {\"domainName\": \"e\", "
          "\"domainNameConfigurations\": \"x\"}, {\"domainName\": \"ok\"}]}"),
        "1", "us-east-1", &s, &next, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "d: domainNameConfigurations[0]"));
    assert_non_null(strstr(err, "1 more"));
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[2]->domain, "ok");
    assert_int_equal(scanner_apigwv2_parse_domains(B("{\"items\": 3}"), "1", "us-east-1", &s,
                                                   &next, err, sizeof(err)), AWS_EPARSE);
    scanner_record_set_finish(&s);
}

/* ---- IAM ------------------------------------------------------------------ */

static const char iam_page[] =
    "<ListServerCertificatesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <ListServerCertificatesResult>\n"
    "    <IsTruncated>true</IsTruncated>\n"
    "    <Marker>AAF3xyz=</Marker>\n"
    "    <ServerCertificateMetadataList>\n"
    "      <member>\n"
    "        <ServerCertificateId>ASCACKCEVSQ6C2EXAMPLE</ServerCertificateId>\n"
    "        <ServerCertificateName>ProdServerCert</ServerCertificateName>\n"
    "        <Path>/company/servercerts/</Path>\n"
    "        <Arn>arn:aws:iam::123456789012:server-certificate/company/servercerts/ProdServerCert</Arn>\n"
    "        <UploadDate>2010-05-08T01:02:03.004Z</UploadDate>\n"
    "        <Expiration>2012-05-08T01:02:03.004Z</Expiration>\n"
    "      </member>\n"
    "      <member>\n"
    "        <ServerCertificateName>Beta</ServerCertificateName>\n"
    "        <Arn>arn:aws:iam::123456789012:server-certificate/Beta</Arn>\n"
    "        <Expiration>2027-01-01T00:00:00Z</Expiration>\n"
    "      </member>\n"
    "    </ServerCertificateMetadataList>\n"
    "  </ListServerCertificatesResult>\n"
    "  <ResponseMetadata><RequestId>7a62c49f</RequestId></ResponseMetadata>\n"
    "</ListServerCertificatesResponse>\n";

static void iam_server_certs(void **state)
{
    (void)state;
    scanner_record_set s;
    scanner_record_set_init(&s);
    char *marker = NULL, err[256] = "";
    assert_int_equal(scanner_iam_parse_server_certs(B(iam_page), "123456789012", &s, &marker,
                                                    err, sizeof(err)), 0);
    assert_int_equal(s.n, 2);
    scanner_record *r = s.v[0];
    assert_int_equal(r->source, SCANNER_SRC_IAM_SERVER_CERT);
    assert_string_equal(r->region, "global");
    assert_string_equal(r->id, "ProdServerCert");
    assert_string_equal(r->arn, "arn:aws:iam::123456789012:server-certificate/company/servercerts/ProdServerCert");
    assert_int_equal(r->not_after, 1336438923);
    assert_int_equal(r->uploaded_at, 1273280523);
    assert_int_equal(s.v[1]->uploaded_at, 0);
    assert_string_equal(marker, "AAF3xyz=");
    free(marker);

    /* moto's empty last page */
    assert_int_equal(scanner_iam_parse_server_certs(
        B("<ListServerCertificatesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
          "<ListServerCertificatesResult><ServerCertificateMetadataList/><IsTruncated>false"
          "</IsTruncated></ListServerCertificatesResult></ListServerCertificatesResponse>"),
        "1", &s, &marker, err, sizeof(err)), 0);
    assert_null(marker);
    assert_int_equal(s.n, 2);
    scanner_record_set_finish(&s);
}

static void iam_server_certs_malformed(void **state)
{
    (void)state;
    scanner_record_set s;
    scanner_record_set_init(&s);
    char *marker = NULL, err[256] = "";
    static const struct { const char *body, *want; size_t keep; } cases[] = {
        { "<ListServerCertificatesResponse><ListServerCertificatesResult>"
          "<ServerCertificateMetadataList><member><ServerCertificateName>a</ServerCertificateName>"
          "<Arn>arn:a</Arn><Expiration>never</Expiration></member><member><ServerCertificateName>"
          "b</ServerCertificateName><Arn>arn:b</Arn><Expiration>2030-01-01T00:00:00Z</Expiration>"
          "</member></ServerCertificateMetadataList></ListServerCertificatesResult>"
          "</ListServerCertificatesResponse>", "a: Expiration", 1 },
        { "<ListServerCertificatesResponse><ListServerCertificatesResult>"
          "<ServerCertificateMetadataList><member><Arn>arn:a</Arn></member>"
          "</ServerCertificateMetadataList></ListServerCertificatesResult>"
          "</ListServerCertificatesResponse>", "no ServerCertificateName", 0 },
        { "<ListServerCertificatesResponse><ListServerCertificatesResult><IsTruncated>true"
          "</IsTruncated></ListServerCertificatesResult></ListServerCertificatesResponse>",
          "no Marker", 0 },
        { "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>",
          "not a ListServerCertificatesResponse", 0 },
        { "<ListServerCertificatesResponse><ListServerCertificatesResult>", "not a valid XML", 0 },
        { "{\"json\":true}", "not a valid XML", 0 },
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = 0;
        assert_int_equal(scanner_iam_parse_server_certs(B(cases[i].body), "1", &s, &marker,
                                                        err, sizeof(err)), AWS_EPARSE);
        assert_null(marker);
        total += cases[i].keep;
        assert_int_equal(s.n, total);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: error '%s' does not say '%s'", i, err, cases[i].want);
    }
    scanner_record_set_finish(&s);
}

static void arn_partition(void **state)
{
    (void)state;
    char b[16];
    assert_string_equal(scanner_arn_partition("arn:aws-cn:sts::1:assumed-role/x", b, sizeof(b)), "aws-cn");
    assert_string_equal(scanner_arn_partition("arn:aws-us-gov:iam::1:user/x", b, sizeof(b)), "aws-us-gov");
    assert_string_equal(scanner_arn_partition("nonsense", b, sizeof(b)), "aws");
    assert_string_equal(scanner_arn_partition("arn:averyveryverylongpartitionname:x", b, sizeof(b)), "aws");
    assert_string_equal(scanner_arn_partition(NULL, b, sizeof(b)), "aws");
}

/* ---- discovery ------------------------------------------------------------ */

static void org_accounts(void **state)
{
    (void)state;
    scanner_strv ids;
    scanner_strv_init(&ids);
    size_t skipped = 0;
    char *next = NULL, err[256] = "";
    /* moto's shape (State and the deprecated Status), plus a suspended one
     * that only has Status and a closed one. */
    assert_int_equal(scanner_org_parse_accounts(
        B("{\"Accounts\": [{\"Id\": \"123456789012\", \"Arn\": \"arn:aws:organizations::123456789012:"
          "account/o-psbfv7snz2/123456789012\", \"Email\": \"master@example.com\", \"Name\": \"master\", "
          "\"Status\": \"ACTIVE\", \"State\": \"ACTIVE\", \"JoinedMethod\": \"CREATED\", "
          "\"JoinedTimestamp\": 1795424053.355559}, {\"Id\": \"210987654321\", \"Status\": \"SUSPENDED\"}, "
          "{\"Id\": \"111122223333\", \"Status\": \"ACTIVE\", \"State\": \"CLOSED\"}, "
          "{\"Id\": \"444455556666\", \"Status\": \"ACTIVE\"}], \"NextToken\": \"n2\"}"),
        &ids, &skipped, &next, err, sizeof(err)), 0);
    assert_int_equal(ids.n, 2);
    assert_string_equal(ids.v[0], "123456789012");
    assert_string_equal(ids.v[1], "444455556666");
    assert_int_equal(skipped, 2);
    assert_string_equal(next, "n2");
    free(next);
    /* moto's last page: "NextToken": null */
    assert_int_equal(scanner_org_parse_accounts(B("{\"Accounts\": [], \"NextToken\": null}"), &ids,
                                                NULL, &next, err, sizeof(err)), 0);
    assert_null(next);
    /* Malformed: bad id kept out and reported; others kept. */
    assert_int_equal(scanner_org_parse_accounts(
        B("{\"Accounts\": [{\"Id\": \"12345\", \"State\": \"ACTIVE\"}, {\"Id\": \"999999999999\", "
          "\"State\": \"ACTIVE\"}, {\"Id\": \"888888888888\"}]}"),
        &ids, NULL, &next, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "Accounts[0]"));
    assert_int_equal(ids.n, 3);
    assert_int_equal(scanner_org_parse_accounts(B("{\"Accounts\": \"x\"}"), &ids, NULL, &next, err,
                                                sizeof(err)), AWS_EPARSE);
    assert_int_equal(scanner_org_parse_accounts(B("not json"), &ids, NULL, &next, err, sizeof(err)),
                     AWS_EPARSE);
    scanner_strv_finish(&ids);

    scanner_strv_init(&ids);
    assert_int_equal(scanner_org_parse_named(
        B("{\"OrganizationalUnits\": [{\"Id\": \"ou-96me-ozi6lw71\", \"Name\": \"Payments\"}],"
          " \"NextToken\": \"n2\"}"), "OrganizationalUnits", "Name", &ids, &next, err, sizeof(err)), 0);
    assert_int_equal(ids.n, 2);
    assert_string_equal(ids.v[0], "ou-96me-ozi6lw71");
    assert_string_equal(ids.v[1], "Payments");
    assert_string_equal(next, "n2");
    free(next);
    assert_int_equal(scanner_org_parse_named(B("{\"Parents\": [{\"Id\": \"r-96me\", \"Type\": \"ROOT\"}]}"),
                                             "Parents", "Type", &ids, &next, err, sizeof(err)), 0);
    assert_string_equal(ids.v[3], "ROOT");
    assert_null(next);
    assert_int_equal(scanner_org_parse_named(B("{\"OrganizationalUnits\": [{\"Id\": \"ou-x\"}]}"),
                                             "OrganizationalUnits", "Name", &ids, &next, err,
                                             sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "OrganizationalUnits[0]: no Id or no Name"));
    scanner_strv_finish(&ids);
    char *name = NULL;
    assert_int_equal(scanner_org_parse_ou(B("{\"OrganizationalUnit\": {\"Id\": \"ou-x\", "
                                            "\"Name\": \"Prod\"}}"), &name, err, sizeof(err)), 0);
    assert_string_equal(name, "Prod");
    free(name);
    assert_int_equal(scanner_org_parse_ou(B("{\"OrganizationalUnit\": {}}"), &name, err, sizeof(err)),
                     AWS_EPARSE);
    assert_null(name);

    char *b = scanner_org_body("ou-96me-ozi6lw71", "ORGANIZATIONAL_UNIT", "t/1");
    assert_string_equal(b, "{\"ParentId\":\"ou-96me-ozi6lw71\",\"ChildType\":\"ORGANIZATIONAL_UNIT\","
                           "\"NextToken\":\"t/1\"}");
    free(b);
    b = scanner_org_body(NULL, NULL, NULL);
    assert_string_equal(b, "{}");
    free(b);
    assert_true(scanner_org_error_falls_back("AWSOrganizationsNotInUseException"));
    assert_true(scanner_org_error_falls_back("AccessDeniedException"));
    assert_false(scanner_org_error_falls_back("TooManyRequestsException"));
}

static void ec2_regions(void **state)
{
    (void)state;
    scanner_strv r;
    scanner_strv_init(&r);
    char err[256] = "";
    assert_int_equal(scanner_ec2_parse_regions(B(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<DescribeRegionsResponse xmlns=\"http://ec2."
        "amazonaws.com/doc/2016-11-15/\"><requestId>59dbff89</requestId><regionInfo><item><optInStatus>"
        "opt-in-not-required</optInStatus><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1"
        ".amazonaws.com</regionEndpoint></item><item><optInStatus>not-opted-in</optInStatus><regionName>"
        "ap-east-1</regionName></item><item><optInStatus>opted-in</optInStatus><regionName>me-south-1"
        "</regionName></item><item><regionName>eu-west-1</regionName></item></regionInfo>"
        "</DescribeRegionsResponse>"), &r, err, sizeof(err)), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.v[0], "us-east-1");
    assert_string_equal(r.v[1], "me-south-1");
    assert_string_equal(r.v[2], "eu-west-1");
    assert_int_equal(scanner_ec2_parse_regions(B(
        "<DescribeRegionsResponse><regionInfo><item><regionName>US_EAST;1</regionName></item>"
        "<item><regionName>us-west-2</regionName></item></regionInfo></DescribeRegionsResponse>"),
        &r, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(r.n, 4);
    assert_int_equal(scanner_ec2_parse_regions(B(
        "<Response><Errors><Error><Code>UnauthorizedOperation</Code></Error></Errors></Response>"),
        &r, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(scanner_ec2_parse_regions(B("<DescribeRegionsResponse>"), &r, err, sizeof(err)),
                     AWS_EPARSE);
    scanner_strv_finish(&r);
}

static void account_filters(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    assert_int_equal(config_list_parse(&c.exclude_accounts, "222222222222"), 0);
    scanner_strv ids, excl;
    scanner_strv_init(&ids);
    scanner_strv_init(&excl);
    const char *in[] = { "111111111111", "222222222222", "333333333333", "111111111111", "444444444444" };
    for (size_t i = 0; i < 5; i++)
        scanner_strv_add(&ids, in[i]);
    scanner_strv_add(&excl, "444444444444");
    scanner_accounts_filter(&ids, &c, &excl);
    assert_int_equal(ids.n, 2);
    assert_string_equal(ids.v[0], "111111111111");
    assert_string_equal(ids.v[1], "333333333333");
    assert_int_equal(config_list_parse(&c.include_accounts, "333333333333"), 0);
    scanner_accounts_filter(&ids, &c, NULL);
    assert_int_equal(ids.n, 1);
    assert_string_equal(ids.v[0], "333333333333");
    scanner_strv_finish(&ids);
    scanner_strv_finish(&excl);
    config_finish(&c);
}

/* (id, parent, name) triples -> "Root/Production/Payments"; a link or
 * name not known, or a loop, gives no path (never a wrong one). */
static void org_paths(void **state)
{
    (void)state;
    scanner_strv ous;
    scanner_strv_init(&ous);
    const char *t[][3] = {
        { "r-1", "", "Root" }, { "ou-p", "r-1", "Production" }, { "ou-pay", "ou-p", "Payments" },
        { "ou-orphan", "ou-gone", "Lost" }, { "ou-a", "ou-b", "A" }, { "ou-b", "ou-a", "B" },
        { "ou-half", "r-1", "\x01" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        for (int k = 0; k < 3; k++)
            assert_int_equal(scanner_strv_add(&ous, t[i][k]), 0);
    char out[64];
    assert_int_equal(scanner_org_path(&ous, "ou-pay", out, sizeof(out)), 0);
    assert_string_equal(out, "Root/Production/Payments");
    assert_int_equal(scanner_org_path(&ous, "r-1", out, sizeof(out)), 0);
    assert_string_equal(out, "Root");
    assert_int_equal(scanner_org_path(&ous, "ou-orphan", out, sizeof(out)), AWS_ENOTFOUND);
    assert_int_equal(scanner_org_path(&ous, "ou-a", out, sizeof(out)), AWS_ENOTFOUND);   /* loop */
    assert_int_equal(scanner_org_path(&ous, "ou-half", out, sizeof(out)), AWS_ENOTFOUND);
    assert_int_equal(scanner_org_path(&ous, "ou-nothere", out, sizeof(out)), AWS_ENOTFOUND);
    assert_int_equal(scanner_org_path(&ous, "ou-pay", out, 10), AWS_ETOOBIG);
    scanner_strv_finish(&ous);
    char *b = scanner_org_child_body("ChildId", "ou-pay", "t/2");
    assert_string_equal(b, "{\"ChildId\":\"ou-pay\",\"NextToken\":\"t/2\"}");
    free(b);
    scanner_strv pairs;
    scanner_strv_init(&pairs);
    scanner_strv_add(&pairs, "111111111111");
    scanner_strv_add(&pairs, "Root/Dev");
    assert_string_equal(scanner_paths_find(&pairs, "111111111111"), "Root/Dev");
    assert_null(scanner_paths_find(&pairs, "222222222222"));
    scanner_strv_finish(&pairs);
}

/* One tag type: pairs, '=' allowed in keys, a key added twice keeps the
 * last value, the cap drops (and counts) the rest, the CSV cell escapes. */
static void tag_sets(void **state)
{
    (void)state;
    scanner_tags t, c;
    scanner_tags_init(&t);
    scanner_tags_init(&c);
    assert_int_equal(scanner_tags_add(&t, "", "x"), AWS_EINVAL);
    assert_int_equal(scanner_tags_add(&t, "team", "web"), 0);
    assert_int_equal(scanner_tags_add(&t, "a=b;c", "d\\e"), 0);
    assert_int_equal(scanner_tags_add(&t, "team", "payments"), 0);
    assert_int_equal(scanner_tags_add(&t, "empty", NULL), 0);
    assert_int_equal(t.n, 3);
    assert_string_equal(scanner_tags_get(&t, "team"), "payments");
    assert_null(scanner_tags_get(&t, "nope"));
    char *txt = scanner_tags_text(&t);
    assert_string_equal(txt, "team=payments;a\\=b\\;c=d\\\\e;empty=");
    free(txt);
    txt = scanner_tags_text(&c);
    assert_string_equal(txt, "");
    free(txt);
    json_object *o = scanner_tags_json(&t);
    assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
                        "{\"team\":\"payments\",\"a=b;c\":\"d\\\\e\",\"empty\":\"\"}");
    assert_int_equal(scanner_tags_from_json(&c, o), 0);
    json_object_put(o);
    assert_int_equal(c.n, 3);
    assert_string_equal(scanner_tags_get(&c, "a=b;c"), "d\\e");
    for (int i = 0; i < SCANNER_TAGS_MAX + 5; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        assert_int_equal(scanner_tags_add(&c, k, "v"), 0);
    }
    assert_int_equal(c.n, SCANNER_TAGS_MAX);
    assert_int_equal(c.dropped, 8);
    scanner_tags_finish(&t);
    assert_int_equal(scanner_tags_copy(&t, &c), 0);
    assert_int_equal(t.n, SCANNER_TAGS_MAX);
    assert_int_equal(t.dropped, 8);
    scanner_tags_finish(&t);
    scanner_tags_finish(&c);
    scanner_tags_finish(NULL);
}

/* The tag answers: ACM and Organizations [{Key, Value}], IAM's XML with
 * its Marker. */
static void tag_answers(void **state)
{
    (void)state;
    scanner_tags t;
    scanner_tags_init(&t);
    char err[200] = "", *next = NULL;
    assert_int_equal(scanner_acm_parse_tags(B("{\"Tags\": [{\"Key\": \"owner\", \"Value\": \"alice\"},"
                                              " {\"Key\": \"flag\"}, {\"Value\": \"no key\"}]}"),
                                            &t, err, sizeof(err)), 0);
    assert_int_equal(t.n, 2);
    assert_string_equal(scanner_tags_get(&t, "flag"), "");
    assert_int_equal(scanner_acm_parse_tags(B("{\"Tags\": {}}"), &t, err, sizeof(err)), AWS_EPARSE);
    assert_int_equal(scanner_acm_parse_tags(B("{}"), &t, err, sizeof(err)), 0);
    scanner_tags_finish(&t);

    assert_int_equal(scanner_iam_parse_cert_tags(B(
        "<ListServerCertificateTagsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
        "<ListServerCertificateTagsResult><IsTruncated>true</IsTruncated><Marker>m2</Marker>"
        "<Tags><member><Key>env</Key><Value>prod &amp; dr</Value></member></Tags>"
        "</ListServerCertificateTagsResult></ListServerCertificateTagsResponse>"),
        &t, &next, err, sizeof(err)), 0);
    assert_string_equal(scanner_tags_get(&t, "env"), "prod & dr");
    assert_string_equal(next, "m2");
    free(next);
    assert_int_equal(scanner_iam_parse_cert_tags(B(
        "<ListServerCertificateTagsResponse><ListServerCertificateTagsResult>"
        "<IsTruncated>true</IsTruncated></ListServerCertificateTagsResult>"
        "</ListServerCertificateTagsResponse>"), &t, &next, err, sizeof(err)), AWS_EPARSE);
    assert_non_null(strstr(err, "no Marker"));
    assert_int_equal(scanner_iam_parse_cert_tags(B("<Other/>"), &t, &next, err, sizeof(err)),
                     AWS_EPARSE);
    scanner_tags_finish(&t);

    assert_int_equal(scanner_org_parse_tags(B("{\"Tags\": [{\"Key\": \"team\", \"Value\": \"x\"}],"
                                              " \"NextToken\": \"p2\"}"), &t, &next), 0);
    assert_string_equal(scanner_tags_get(&t, "team"), "x");
    assert_string_equal(next, "p2");
    free(next);
    assert_int_equal(scanner_org_parse_tags(B("nope"), &t, &next), AWS_EPARSE);
    scanner_tags_finish(&t);
}

static void sts_error_codes(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(scanner_sts_error_code(
        "AssumeRole arn:aws:iam::210987654321:role/CertSweepAudit: AccessDenied: User: "
        "arn:aws:iam::123456789012:user/x is not authorized", b, sizeof(b)), "AccessDenied");
    assert_string_equal(scanner_sts_error_code("GetCallerIdentity: ExpiredToken: The security token "
                                               "included in the request is expired", b, sizeof(b)),
                        "ExpiredToken");
    assert_string_equal(scanner_sts_error_code("AssumeRole arn:x: could not connect", b, sizeof(b)),
                        "AssumeRoleFailed");
    assert_string_equal(scanner_sts_error_code(NULL, b, sizeof(b)), "AssumeRoleFailed");
    assert_string_equal(scanner_sts_error_code("no colon here", b, sizeof(b)), "AssumeRoleFailed");
}

/* Values records hold over and over are one shared string, never freed
 * (ASan would report the double or invalid free); others are copies. */
static void record_words_are_shared_and_freed_never(void **state)
{
    (void)state;
    char status[] = "ISSUED";
    scanner_record *a = scanner_record_new(SCANNER_SRC_ACM, "111111111111", "eu-west-1");
    scanner_record *b = scanner_record_new(SCANNER_SRC_ACM, "111111111111", "eu-west-1");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(scanner_str_set(&a->status, status), 0);
    assert_int_equal(scanner_str_set(&b->status, "ISSUED"), 0);
    assert_ptr_equal(a->status, b->status);
    assert_ptr_not_equal(a->status, status);
    assert_ptr_equal(a->status, scanner_word("ISSUED"));
    assert_ptr_equal(a->region, b->region);
    assert_int_equal(scanner_record_add_validation(a, "x.example.com", "SUCCESS", "DNS"), 0);
    assert_int_equal(scanner_record_add_validation(b, "x.example.com", "SUCCESS", "DNS"), 0);
    assert_ptr_equal(a->validations[0].method, b->validations[0].method);
    /* not a word: each record its own copy */
    assert_ptr_not_equal(a->validations[0].domain, b->validations[0].domain);
    assert_ptr_not_equal(a->account_id, b->account_id);
    assert_null(scanner_word("SOMETHING_NEW"));
    assert_int_equal(scanner_str_set(&a->status, "SOMETHING_NEW"), 0);
    assert_string_equal(a->status, "SOMETHING_NEW");
    assert_ptr_not_equal(a->status, b->status);
    /* back to a word: the copy is freed, the word kept */
    assert_int_equal(scanner_str_set(&a->status, "EXPIRED"), 0);
    assert_ptr_equal(a->status, scanner_word("EXPIRED"));
    assert_int_equal(scanner_str_set(&b->status, NULL), 0);
    assert_null(b->status);
    scanner_str_free(NULL);
    scanner_record_free(a);
    scanner_record_free(b);
    assert_string_equal(scanner_word("ISSUED"), "ISSUED");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_words_are_shared_and_freed_never),
        cmocka_unit_test(acm_list_body_names_every_key_type_and_status),
        cmocka_unit_test(acm_list_pages),
        cmocka_unit_test(acm_list_malformed),
        cmocka_unit_test(acm_describe_full),
        cmocka_unit_test(acm_describe_imported_times),
        cmocka_unit_test(acm_describe_pending_has_no_dates),
        cmocka_unit_test(acm_describe_malformed),
        cmocka_unit_test(acm_describe_deep_nesting_is_an_error),
        cmocka_unit_test(apigw_client_certs),
        cmocka_unit_test(apigw_client_certs_malformed),
        cmocka_unit_test(apigw_rest_apis_and_stages),
        cmocka_unit_test(apigw_domains),
        cmocka_unit_test(apigwv2_domains),
        cmocka_unit_test(iam_server_certs),
        cmocka_unit_test(iam_server_certs_malformed),
        cmocka_unit_test(arn_partition),
        cmocka_unit_test(org_accounts),
        cmocka_unit_test(ec2_regions),
        cmocka_unit_test(account_filters),
        cmocka_unit_test(org_paths),
        cmocka_unit_test(tag_sets),
        cmocka_unit_test(tag_answers),
        cmocka_unit_test(sts_error_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

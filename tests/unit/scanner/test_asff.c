/* Unit tests of securityhub/asff.c and the pure parts of securityhub/securityhub.c:
 * ASFF building (field by field, limits, determinism), archiving, batching,
 * the GetFindings client-side check, coverage and the lifecycle decision. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "securityhub/asff.h"
#include "securityhub/securityhub.h"
#include "state/state.h"

#define NOW  1795423528       /* 2026-11-23T08:45:28Z */
#define ACCT "111111111111"
#define ACCT2 "222222222222"
#define SCANNER_ACCT "999999999999"

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void add_finding(scanner_findings *fs, const char *acct, const char *region,
                        scanner_source src, const char *resource, const char *rule,
                        const char *details_json)
{
    scanner_finding f;
    memset(&f, 0, sizeof(f));
    scanner_finding_id(acct, region, resource, rule, f.id);
    f.rule = rule;
    f.severity = SCANNER_SEV_HIGH;
    f.account_id = xstrdup(acct);
    f.region = xstrdup(region);
    f.source = src;
    f.resource_type = xstrdup(scanner_source_resource_type(src));
    f.resource_arn = xstrdup(resource);
    f.resource_id = xstrdup("www.example.com");
    f.domain = xstrdup("www.example.com");
    f.not_after = NOW + 12 * 86400;
    f.days_to_expiry = 12;
    f.title = xstrdup("ACM certificate www.example.com expires in 12 days");
    f.details = xstrdup("Certificate: www.example.com\nExpires: 2026-12-05");
    f.details_json = xstrdup(details_json);
    f.remediation = "Renew or re-import the certificate before it expires.";
    f.console_url = xstrdup("https://console.aws.amazon.com/acm/home?region=eu-west-1");
    assert_int_equal(scanner_findings_add(fs, &f), 0);
}

static const char *ACM_JSON =
    "{\"source\":\"acm\",\"type\":\"IMPORTED\",\"status\":\"ISSUED\","
    "\"renewal_eligibility\":\"INELIGIBLE\",\"renewal_status\":\"PENDING_VALIDATION\","
    "\"renewal_status_reason\":null,\"failure_reason\":null,\"key_algorithm\":\"RSA_2048\","
    "\"transparency_logging\":\"ENABLED\",\"created_at\":\"2025-12-01T00:00:00Z\","
    "\"not_before\":\"2025-12-01T00:00:00Z\",\"not_after\":\"2026-12-05T08:45:28Z\","
    "\"in_use_by\":[\"arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/x/1\"],"
    "\"validations\":[{\"domain\":\"www.example.com\",\"status\":\"SUCCESS\",\"method\":\"DNS\"}]}";

static const char *ARN1 = "arn:aws:acm:eu-west-1:111111111111:certificate/1111";

static json_object *get(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    char *save = NULL;
    for (char *p = strtok_r(buf, ".", &save); p && o; p = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)strtol(p, NULL, 10));
        else if (!json_object_object_get_ex(o, p, &o))
            return NULL;
    }
    return o;
}

static const char *gets_(json_object *o, const char *path)
{
    json_object *v = get(o, path);
    return v ? json_object_get_string(v) : NULL;
}

static asff_opts member_opts(void)
{
    asff_opts o = { .home_region = "us-east-1", .mode = SHUB_MEMBER,
                            .scanning_account = SCANNER_ACCT, .now = NOW };
    return o;
}

static void test_build_acm_field_by_field(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    asff_opts o = member_opts();
    asff_history h = { .created_at = NOW - 86400 * 3, .first_observed_at = NOW - 86400 * 4 };
    json_object *a = asff_build(&fs.v[0], &o, &h);
    assert_non_null(a);
    char id[128];
    snprintf(id, sizeof(id), "certsweep/%s", fs.v[0].id);
    assert_string_equal(gets_(a, "SchemaVersion"), "2018-10-08");
    assert_string_equal(gets_(a, "Id"), id);
    assert_string_equal(gets_(a, "ProductArn"),
        "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default");
    assert_string_equal(gets_(a, "GeneratorId"), "certsweep/expiring");
    assert_string_equal(gets_(a, "AwsAccountId"), ACCT);
    assert_string_equal(gets_(a, "Types.0"), ASFF_TYPE);
    assert_string_equal(gets_(a, "CreatedAt"), "2026-11-20T08:45:28.000Z");
    assert_string_equal(gets_(a, "FirstObservedAt"), "2026-11-19T08:45:28.000Z");
    assert_string_equal(gets_(a, "UpdatedAt"), "2026-11-23T08:45:28.000Z");
    assert_string_equal(gets_(a, "LastObservedAt"), "2026-11-23T08:45:28.000Z");
    assert_string_equal(gets_(a, "Severity.Label"), "HIGH");
    assert_string_equal(gets_(a, "Title"), fs.v[0].title);
    assert_string_equal(gets_(a, "Description"), fs.v[0].details);
    assert_string_equal(gets_(a, "Remediation.Recommendation.Text"), fs.v[0].remediation);
    assert_string_equal(gets_(a, "Remediation.Recommendation.Url"), fs.v[0].console_url);
    assert_string_equal(gets_(a, "Compliance.Status"), "FAILED");
    assert_string_equal(gets_(a, "RecordState"), "ACTIVE");
    assert_string_equal(gets_(a, "ProductFields.certsweep/AccountId"), ACCT);
    assert_string_equal(gets_(a, "ProductFields.certsweep/Region"), "eu-west-1");
    assert_string_equal(gets_(a, "ProductFields.certsweep/Rule"), "expiring");
    assert_string_equal(gets_(a, "ProductFields.certsweep/DaysToExpiry"), "12");
    assert_null(get(a, "ProductFields.certsweep/DetailsTrimmed"));
    assert_int_equal(json_object_array_length(get(a, "Resources")), 1);
    assert_string_equal(gets_(a, "Resources.0.Type"), "AwsCertificateManagerCertificate");
    assert_string_equal(gets_(a, "Resources.0.Id"), ARN1);
    assert_string_equal(gets_(a, "Resources.0.Partition"), "aws");
    assert_string_equal(gets_(a, "Resources.0.Region"), "eu-west-1");
    json_object *d = get(a, "Resources.0.Details.AwsCertificateManagerCertificate");
    assert_non_null(d);
    assert_string_equal(gets_(d, "DomainName"), "www.example.com");
    assert_string_equal(gets_(d, "Type"), "IMPORTED");
    assert_string_equal(gets_(d, "Status"), "ISSUED");
    assert_string_equal(gets_(d, "KeyAlgorithm"), "RSA_2048");
    assert_string_equal(gets_(d, "RenewalEligibility"), "INELIGIBLE");
    assert_string_equal(gets_(d, "NotAfter"), "2026-12-05T08:45:28Z");
    assert_string_equal(gets_(d, "NotBefore"), "2025-12-01T00:00:00Z");
    assert_string_equal(gets_(d, "CreatedAt"), "2025-12-01T00:00:00Z");
    assert_string_equal(gets_(d, "RenewalSummary.RenewalStatus"), "PENDING_VALIDATION");
    assert_null(get(d, "RenewalSummary.RenewalStatusReason"));   /* null: left out */
    assert_null(get(d, "FailureReason"));
    assert_string_equal(gets_(d, "Options.CertificateTransparencyLoggingPreference"), "ENABLED");
    assert_string_equal(gets_(d, "InUseBy.0"),
        "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/x/1");
    assert_string_equal(gets_(d, "DomainValidationOptions.0.DomainName"), "www.example.com");
    assert_string_equal(gets_(d, "DomainValidationOptions.0.ValidationStatus"), "SUCCESS");
    assert_string_equal(gets_(d, "DomainValidationOptions.0.ValidationMethod"), "DNS");
    /* No key of the ACM details is outside the botocore shape. */
    static const char *const allowed[] = {
        "CertificateAuthorityArn", "CreatedAt", "DomainName", "DomainValidationOptions",
        "ExtendedKeyUsages", "FailureReason", "ImportedAt", "InUseBy", "IssuedAt", "Issuer",
        "KeyAlgorithm", "KeyUsages", "NotAfter", "NotBefore", "Options", "RenewalEligibility",
        "RenewalSummary", "Serial", "SignatureAlgorithm", "Status", "Subject",
        "SubjectAlternativeNames", "Type",
    };
    json_object_object_foreach(d, k, v) {
        (void)v;
        int ok = 0;
        for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
            ok |= strcmp(k, allowed[i]) == 0;
        if (!ok)
            fail_msg("unexpected key %s", k);
    }
    json_object_put(a);

    /* Without history, CreatedAt and FirstObservedAt are now. */
    a = asff_build(&fs.v[0], &o, NULL);
    assert_string_equal(gets_(a, "CreatedAt"), "2026-11-23T08:45:28.000Z");
    assert_string_equal(gets_(a, "FirstObservedAt"), "2026-11-23T08:45:28.000Z");
    json_object_put(a);
    scanner_findings_finish(&fs);
}

static void test_build_central_and_other(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "global", SCANNER_SRC_IAM_SERVER_CERT,
                "arn:aws:iam::111111111111:server-certificate/old", "expiring",
                "{\"source\":\"iam\",\"name\":\"old\",\"uploaded_at\":\"2024-01-01T00:00:00Z\","
                "\"not_after\":\"2026-12-05T08:45:28Z\",\"nested\":{\"x\":1},\"list\":[\"a\",\"b\"]}");
    asff_opts o = member_opts();
    o.mode = SHUB_CENTRAL;
    o.home_region = "cn-north-1";
    json_object *a = asff_build(&fs.v[0], &o, NULL);
    assert_non_null(a);
    assert_string_equal(gets_(a, "AwsAccountId"), SCANNER_ACCT);
    assert_string_equal(gets_(a, "ProductArn"),
        "arn:aws-cn:securityhub:cn-north-1:999999999999:product/999999999999/default");
    assert_string_equal(gets_(a, "ProductFields.certsweep/AccountId"), ACCT);
    assert_string_equal(gets_(a, "ProductFields.certsweep/Region"), "global");
    assert_string_equal(gets_(a, "Resources.0.Id"), "arn:aws:iam::111111111111:server-certificate/old");
    assert_string_equal(gets_(a, "Resources.0.Type"), "Other");
    /* IAM is global: the resource sits in the home region. */
    assert_string_equal(gets_(a, "Resources.0.Region"), "cn-north-1");
    assert_string_equal(gets_(a, "Resources.0.Details.Other.name"), "old");
    assert_string_equal(gets_(a, "Resources.0.Details.Other.not_after"), "2026-12-05T08:45:28Z");
    /* A list is a list of whole items, not a JSON text that a cut could break. */
    assert_string_equal(gets_(a, "Resources.0.Details.Other.list"), "a, b");
    assert_null(get(a, "Resources.0.Details.Other.nested"));
    /* Details.Other is a string map. */
    json_object_object_foreach(get(a, "Resources.0.Details.Other"), k, v) {
        (void)k;
        assert_true(json_object_is_type(v, json_type_string));
    }
    json_object_put(a);

    /* Central mode without a scanning account cannot build. */
    o.scanning_account = NULL;
    assert_null(asff_build(&fs.v[0], &o, NULL));
    scanner_findings_finish(&fs);

    shub_mode m;
    assert_int_equal(shub_mode_parse("central", &m), 0);
    assert_int_equal(m, SHUB_CENTRAL);
    assert_int_equal(shub_mode_parse(NULL, &m), 0);
    assert_int_equal(m, SHUB_MEMBER);
    assert_int_equal(shub_mode_parse("both", &m), AWS_EINVAL);
}

static void test_limits_and_determinism(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    /* A 600-byte title of 2-byte characters and a 5000-byte description. */
    free(fs.v[0].title);
    fs.v[0].title = malloc(601);
    for (int i = 0; i < 600; i += 2) {
        fs.v[0].title[i] = (char)0xC3;
        fs.v[0].title[i + 1] = (char)0xA9;   /* é */
    }
    fs.v[0].title[600] = '\0';
    free(fs.v[0].details);
    fs.v[0].details = malloc(5001);
    memset(fs.v[0].details, 'd', 5000);
    fs.v[0].details[5000] = '\0';
    asff_opts o = member_opts();
    json_object *a = asff_build(&fs.v[0], &o, NULL);
    json_object *b = asff_build(&fs.v[0], &o, NULL);
    assert_non_null(a);
    const char *t = gets_(a, "Title");
    assert_true(strlen(t) <= ASFF_MAX_TITLE);
    /* Cut between two é, marked with "…" (3 bytes). */
    assert_int_equal((strlen(t) - 3) % 2, 0);
    assert_string_equal(t + strlen(t) - 3, "\xe2\x80\xa6");
    assert_int_equal(strlen(gets_(a, "Description")), ASFF_MAX_DESC);
    /* Same input, same bytes. */
    assert_string_equal(json_object_to_json_string(a), json_object_to_json_string(b));
    json_object_put(a);
    json_object_put(b);

    /* The id is the same for the same (account, region, resource, rule) and
     * differs when any of them changes. */
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    add_finding(&fs, ACCT, "eu-west-2", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "renewal-failed", ACM_JSON);
    assert_string_equal(fs.v[0].id, fs.v[1].id);
    assert_string_not_equal(fs.v[0].id, fs.v[2].id);
    assert_string_not_equal(fs.v[0].id, fs.v[3].id);
    scanner_findings_finish(&fs);
}

static void test_oversize_details_trimmed(void **st)
{
    (void)st;
    /* 3000 in-use ARNs of ~100 bytes: ~300 KB of details. */
    aws_buf js;
    aws_buf_init(&js, 1u << 22);
    assert_int_equal(aws_buf_puts(&js, "{\"source\":\"acm\",\"status\":\"ISSUED\",\"in_use_by\":["), 0);
    for (int i = 0; i < 3000; i++)
        assert_int_equal(aws_buf_printf(&js, "%s\"arn:aws:elasticloadbalancing:eu-west-1:"
            "111111111111:loadbalancer/app/some-long-load-balancer-name/%08d\"", i ? "," : "", i), 0);
    assert_int_equal(aws_buf_puts(&js, "]}"), 0);
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", js.data);
    aws_buf_finish(&js);
    asff_opts o = member_opts();
    json_object *a = asff_build(&fs.v[0], &o, NULL);
    assert_non_null(a);
    assert_true(asff_size(a) < ASFF_MAX_FINDING);
    assert_string_equal(gets_(a, "ProductFields.certsweep/DetailsTrimmed"), "true");
    /* The scalar facts are kept; the lists are gone. */
    assert_string_equal(gets_(a, "Resources.0.Details.AwsCertificateManagerCertificate.Status"), "ISSUED");
    assert_null(get(a, "Resources.0.Details.AwsCertificateManagerCertificate.InUseBy"));
    json_object_put(a);
    scanner_findings_finish(&fs);
}

static void test_archive(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    asff_opts o = member_opts();
    json_object *a = asff_build(&fs.v[0], &o, NULL);
    /* What Security Hub adds on its side. */
    json_object_object_add(a, "ProductName", json_object_new_string("Default"));
    json_object_object_add(a, "Workflow", json_tokener_parse("{\"Status\":\"NEW\"}"));
    json_object_object_add(get(a, "ProductFields"), "aws/securityhub/FindingId",
                           json_object_new_string("x"));
    json_object *ar = asff_archive(a, (NOW + 86400) * 1000LL + 5);
    assert_non_null(ar);
    assert_string_equal(gets_(ar, "RecordState"), "ARCHIVED");
    assert_string_equal(gets_(ar, "Compliance.Status"), "PASSED");
    assert_string_equal(gets_(ar, "Severity.Label"), "INFORMATIONAL");
    assert_string_equal(gets_(ar, "Severity.Original"), "HIGH");
    assert_string_equal(gets_(ar, "UpdatedAt"), "2026-11-24T08:45:28.005Z");
    /* The provider's own copy of Severity and Types says the same. */
    assert_string_equal(gets_(ar, "FindingProviderFields.Severity.Label"), "INFORMATIONAL");
    assert_string_equal(gets_(ar, "FindingProviderFields.Severity.Original"), "HIGH");
    assert_string_equal(gets_(ar, "FindingProviderFields.Types.0"), ASFF_TYPE);
    assert_string_equal(gets_(ar, "CreatedAt"), gets_(a, "CreatedAt"));
    assert_string_equal(gets_(ar, "Id"), gets_(a, "Id"));
    assert_string_equal(gets_(ar, "Resources.0.Id"), ARN1);
    assert_string_equal(gets_(ar, "ProductFields.certsweep/AccountId"), ACCT);
    assert_null(get(ar, "ProductFields.aws/securityhub/FindingId"));
    assert_null(get(ar, "ProductName"));
    assert_null(get(ar, "Workflow"));
    json_object_put(ar);
    json_object_object_del(a, "Resources");
    assert_null(asff_archive(a, NOW * 1000LL));
    json_object_put(a);
    scanner_findings_finish(&fs);
}

static void test_batching_250(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    char arn[128];
    for (int i = 0; i < 257; i++) {
        snprintf(arn, sizeof(arn), "arn:aws:acm:eu-west-1:111111111111:certificate/%04d", i);
        add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, arn, "expiring", ACM_JSON);
    }
    asff_opts o = member_opts();
    json_object *objs[258];
    for (int i = 0; i < 257; i++)
        assert_non_null(objs[i] = asff_build(&fs.v[i], &o, NULL));
    shub_batches b;
    shub_batches_init(&b);
    assert_int_equal(shub_make_batches(objs, 257, 0, 0, &b), 0);
    assert_int_equal(b.n, 3);
    assert_int_equal(b.v[0].n, 100);
    assert_int_equal(b.v[1].n, 100);
    assert_int_equal(b.v[2].n, 57);
    assert_int_equal(b.skipped, 0);
    /* Each body is a valid request with the same findings in order. */
    size_t seen = 0;
    for (size_t k = 0; k < b.n; k++) {
        assert_true(b.v[k].len <= SHUB_MAX_BATCH_BYTES);
        assert_int_equal(strlen(b.v[k].body), b.v[k].len);
        json_object *body = json_tokener_parse(b.v[k].body);
        assert_non_null(body);
        json_object *arr = get(body, "Findings");
        assert_int_equal(json_object_array_length(arr), b.v[k].n);
        for (size_t i = 0; i < b.v[k].n; i++, seen++) {
            assert_string_equal(gets_(json_object_array_get_idx(arr, i), "Id"), b.v[k].ids[i]);
            assert_string_equal(b.v[k].ids[i], gets_(objs[seen], "Id"));
        }
        json_object_put(body);
    }
    assert_int_equal(seen, 257);
    shub_batches_finish(&b);

    /* A byte budget splits earlier: about 4 findings per 12 KB. */
    size_t one = asff_size(objs[0]);
    shub_batches_init(&b);
    assert_int_equal(shub_make_batches(objs, 257, 0, one * 4 + 20, &b), 0);
    size_t total = 0;
    for (size_t k = 0; k < b.n; k++) {
        assert_true(b.v[k].len <= one * 4 + 20);
        assert_true(b.v[k].n <= 4);
        total += b.v[k].n;
    }
    assert_int_equal(total, 257);
    shub_batches_finish(&b);

    /* A finding over 240 KB (e.g. an archived copy of someone else's giant
     * finding) is left out and counted; the others still go. */
    json_object *big = json_object_new_object();
    char *blob = malloc(ASFF_MAX_FINDING + 10);
    memset(blob, 'x', ASFF_MAX_FINDING + 9);
    blob[ASFF_MAX_FINDING + 9] = '\0';
    json_object_object_add(big, "Id", json_object_new_string("certsweep/big"));
    json_object_object_add(big, "Description", json_object_new_string(blob));
    free(blob);
    objs[257] = objs[5];
    objs[5] = big;
    FILE *devnull = fopen("/dev/null", "w");
    aws_log_set_stream(devnull);
    shub_batches_init(&b);
    assert_int_equal(shub_make_batches(objs, 258, 0, 0, &b), 0);
    aws_log_set_stream(stderr);
    fclose(devnull);
    assert_int_equal(b.skipped, 1);
    total = 0;
    for (size_t k = 0; k < b.n; k++) {
        total += b.v[k].n;
        for (size_t i = 0; i < b.v[k].n; i++)
            assert_string_not_equal(b.v[k].ids[i], "certsweep/big");
    }
    assert_int_equal(total, 257);
    shub_batches_finish(&b);

    for (int i = 0; i < 258; i++)
        json_object_put(objs[i]);
    scanner_findings_finish(&fs);
}

/* A GetFindings-shaped finding as Security Hub would return it. */
static json_object *returned(const scanner_finding *f, const asff_opts *o,
                             const char *record_state)
{
    json_object *a = asff_build(f, o, NULL);
    json_object_object_add(a, "RecordState", json_object_new_string(record_state));
    return a;
}

static void test_parse_findings_client_side_check(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    add_finding(&fs, ACCT, "eu-west-2", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    add_finding(&fs, ACCT2, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    asff_opts o = member_opts();
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    json_object_array_add(arr, returned(&fs.v[0], &o, "ACTIVE"));     /* ours */
    json_object_array_add(arr, returned(&fs.v[1], &o, "ARCHIVED"));   /* not active */
    json_object_array_add(arr, returned(&fs.v[2], &o, "ACTIVE"));     /* other account */
    json_object *foreign = returned(&fs.v[0], &o, "ACTIVE");
    json_object_object_add(foreign, "GeneratorId", json_object_new_string("aws-foundational/x"));
    json_object_object_add(foreign, "Id", json_object_new_string("other/1"));
    json_object_array_add(arr, foreign);                               /* not certsweep's */
    json_object *dup = returned(&fs.v[0], &o, "ACTIVE");
    json_object_array_add(arr, dup);                                    /* duplicate */
    asff_opts eu = o;
    eu.home_region = "eu-central-1";
    json_object_array_add(arr, returned(&fs.v[1], &eu, "ACTIVE"));    /* other home region */
    json_object_object_add(root, "Findings", arr);
    json_object_object_add(root, "NextToken", json_object_new_string("tok2"));
    const char *body = json_object_to_json_string(root);

    shub_prevset p;
    shub_prevset_init(&p);
    char *next = NULL;
    assert_int_equal(shub_parse_findings(body, strlen(body), ACCT, "us-east-1",
                                                 SHUB_MEMBER, &p, &next), 0);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.rejected, 5);
    assert_string_equal(next, "tok2");
    assert_string_equal(p.v[0].account, ACCT);
    assert_string_equal(p.v[0].region, "eu-west-1");
    assert_string_equal(p.v[0].rule, "expiring");
    assert_int_equal(p.v[0].source, SCANNER_SRC_ACM);
    assert_int_equal(p.v[0].created_at, NOW);
    free(next);
    shub_prevset_finish(&p);

    assert_int_equal(shub_parse_findings("[1]", 3, ACCT, "us-east-1",
                                                 SHUB_MEMBER, &p, &next), AWS_EPARSE);
    assert_int_equal(shub_parse_findings("{\"x\":1}", 7, ACCT, "us-east-1",
                                                 SHUB_MEMBER, &p, &next), AWS_EPARSE);
    shub_prevset_finish(&p);
    json_object_put(root);

    /* Request body: the filters are there (the server may ignore them). */
    char *gb = shub_get_body(ACCT, "us-east-1", "tok2");
    json_object *g = json_tokener_parse(gb);
    assert_string_equal(gets_(g, "Filters.GeneratorId.0.Value"), "certsweep/");
    assert_string_equal(gets_(g, "Filters.GeneratorId.0.Comparison"), "PREFIX");
    assert_string_equal(gets_(g, "Filters.RecordState.0.Value"), "ACTIVE");
    assert_string_equal(gets_(g, "Filters.AwsAccountId.0.Value"), ACCT);
    assert_string_equal(gets_(g, "NextToken"), "tok2");
    assert_int_equal(json_object_get_int(get(g, "MaxResults")), 100);
    json_object_put(g);
    free(gb);
    scanner_findings_finish(&fs);
}

/* CreatedAt / FirstObservedAt of a returned finding are read strictly
 * (aws_time_parse): an offset is applied only when its digits are digits,
 * and an unreadable time is 0 ("unknown": the import uses now). */
static void test_parse_findings_times(void **st)
{
    (void)st;
    static const struct {
        const char *text;
        int64_t want;
    } cases[] = {
        { "2026-11-23T08:45:28Z", NOW },
        { "2026-11-23T08:45:28.123Z", NOW },
        { "2026-11-23T09:45:28+01:00", NOW },
        { "2026-11-23T05:15:28-03:30", NOW },
        { "2026-11-23T09:45:28+0x:zz", 0 },     /* offset digits that are not digits */
        { "2026-11-23T09:45:28+01", NOW },      /* hours only, as ISO 8601 allows */
        { "2026-11-23T09:45:28+1:00", 0 },      /* one hour digit */
        { "2026-11-23T09:45:28+25:00", 0 },     /* no such offset */
        { "2026-11-23T08:45:28Zjunk", 0 },      /* something after the time */
        { "2026-02-30T00:00:00Z", 0 },          /* no such day */
        { "2026-11-23T24:00:00Z", 0 },          /* no such hour */
        { "", 0 },
    };
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM, ARN1, "expiring", ACM_JSON);
    asff_opts o = member_opts();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_object *root = json_object_new_object(), *arr = json_object_new_array();
        json_object *a = returned(&fs.v[0], &o, "ACTIVE");
        json_object_object_add(a, "CreatedAt", json_object_new_string(cases[i].text));
        json_object_object_add(a, "FirstObservedAt", json_object_new_string(cases[i].text));
        json_object_array_add(arr, a);
        json_object_object_add(root, "Findings", arr);
        const char *body = json_object_to_json_string(root);
        shub_prevset p;
        shub_prevset_init(&p);
        char *next = NULL;
        assert_int_equal(shub_parse_findings(body, strlen(body), ACCT, "us-east-1",
                                                     SHUB_MEMBER, &p, &next), 0);
        assert_int_equal(p.n, 1);
        if (p.v[0].created_at != cases[i].want || p.v[0].first_observed_at != cases[i].want)
            fail_msg("'%s': CreatedAt %lld, FirstObservedAt %lld, want %lld", cases[i].text,
                     (long long)p.v[0].created_at, (long long)p.v[0].first_observed_at,
                     (long long)cases[i].want);
        free(next);
        shub_prevset_finish(&p);
        json_object_put(root);
    }
    scanner_findings_finish(&fs);
}

/* The lifecycle decision asks scanner_resolvable() about each finding
 * gone from this run: (account, region, rule, source) read in full, rule
 * enabled, not a what-if; a finding still produced moves when it belongs
 * in another hub. */
static void test_decide_archive(void **st)
{
    (void)st;
    /* Previously imported into ACCT's hub: A (acm eu-west-1, still
     * produced), B (acm eu-west-1, gone), C (acm eu-west-2, gone, ACM not
     * read there), D (client certificate eu-west-1, gone, API Gateway not
     * read), E (eu-west-1 gone, archived already: server said so), F (IAM
     * global, gone, read), G (weak-key eu-west-1, gone, rule disabled),
     * H (ACCT2's, still produced: a central run put it here). */
    scanner_findings prev_f, cur;
    scanner_findings_init(&prev_f);
    scanner_findings_init(&cur);
    add_finding(&prev_f, ACCT, "eu-west-1", SCANNER_SRC_ACM, "arn:A", "expiring", ACM_JSON);
    add_finding(&prev_f, ACCT, "eu-west-1", SCANNER_SRC_ACM, "arn:B", "expiring", ACM_JSON);
    add_finding(&prev_f, ACCT, "eu-west-2", SCANNER_SRC_ACM, "arn:C", "expiring", ACM_JSON);
    add_finding(&prev_f, ACCT, "eu-west-1", SCANNER_SRC_APIGW_CLIENT_CERT, "arn:D",
                "client-certificate-rotation", "{}");
    add_finding(&prev_f, ACCT, "eu-west-1", SCANNER_SRC_ACM, "arn:E", "expiring", ACM_JSON);
    add_finding(&prev_f, ACCT, "global", SCANNER_SRC_IAM_SERVER_CERT, "arn:F",
                "iam-server-certificate", "{}");
    add_finding(&prev_f, ACCT, "eu-west-1", SCANNER_SRC_ACM, "arn:G", "weak-key", ACM_JSON);
    add_finding(&prev_f, ACCT2, "eu-west-1", SCANNER_SRC_ACM, "arn:H", "expiring", ACM_JSON);
    add_finding(&cur, ACCT, "eu-west-1", SCANNER_SRC_ACM, "arn:A", "expiring", ACM_JSON);
    add_finding(&cur, ACCT2, "eu-west-1", SCANNER_SRC_ACM, "arn:H", "expiring", ACM_JSON);

    /* As a central run left them in ACCT's hub (importer ACCT). */
    asff_opts o = member_opts();
    o.mode = SHUB_CENTRAL;
    o.scanning_account = ACCT;
    shub_prevset p;
    shub_prevset_init(&p);
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    for (size_t i = 0; i < prev_f.n; i++)
        json_object_array_add(arr, returned(&prev_f.v[i], &o, "ACTIVE"));
    json_object_object_add(root, "Findings", arr);
    const char *body = json_object_to_json_string(root);
    char *next = NULL;
    assert_int_equal(shub_parse_findings(body, strlen(body), ACCT, "us-east-1",
                                         SHUB_MEMBER, &p, &next), 0);
    assert_null(next);
    assert_int_equal(p.n, 8);
    /* E became ARCHIVED after it was read: the decision re-checks. */
    json_object_object_add(p.v[4].raw, "RecordState", json_object_new_string("ARCHIVED"));

    scanner_coverage cov;
    scanner_coverage_init(&cov);
    assert_int_equal(scanner_coverage_add(&cov, ACCT, "eu-west-1", 1u << SCANNER_SRC_ACM), 0);
    assert_int_equal(scanner_coverage_add(&cov, ACCT, "global",
                                          1u << SCANNER_SRC_IAM_SERVER_CERT), 0);
    config cfg;
    config_init(&cfg);
    assert_int_equal(config_list_parse(&cfg.disabled_rules, "weak-key"), 0);
    shub_lifecycle lc = { .cur = &cur, .coverage = &cov, .cfg = &cfg, .what_if = 0,
                          .mode = SHUB_MEMBER, .scanning_account = ACCT };
    size_t *idx = NULL, n = 0;
    assert_int_equal(shub_decide_archive(&p, ACCT, &lc, &idx, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(p.v[idx[0]].id + strlen("certsweep/"), prev_f.v[1].id);   /* B */
    assert_string_equal(p.v[idx[1]].id + strlen("certsweep/"), prev_f.v[5].id);   /* F */
    assert_string_equal(p.v[idx[2]].id + strlen("certsweep/"), prev_f.v[7].id);   /* H moved */
    free(idx);

    /* Central mode, ACCT the scanning account: H belongs here and stays. */
    lc.mode = SHUB_CENTRAL;
    assert_int_equal(shub_decide_archive(&p, ACCT, &lc, &idx, &n), 0);
    assert_int_equal(n, 2);
    free(idx);

    /* A what-if run resolves nothing; H is still current elsewhere in
     * member mode and moves. */
    lc.mode = SHUB_MEMBER;
    lc.what_if = 1;
    assert_int_equal(shub_decide_archive(&p, ACCT, &lc, &idx, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(p.v[idx[0]].id + strlen("certsweep/"), prev_f.v[7].id);
    free(idx);

    /* A finding without certsweep/Source (an older import): every source
     * its rule judges must have been read; of domain-certificate's (API
     * Gateway custom domains) none was. */
    lc.what_if = 0;
    json_object_object_del(json_object_object_get(p.v[1].raw, "ProductFields"),
                           "certsweep/Source");
    p.v[1].source = -1;
    free(p.v[1].rule);
    p.v[1].rule = strdup("domain-certificate");
    assert_int_equal(shub_decide_archive(&p, ACCT, &lc, &idx, &n), 0);
    assert_int_equal(n, 2);                 /* F and H; B keeps its state */
    free(idx);

    /* Nothing previously imported: nothing to archive. */
    shub_prevset empty;
    shub_prevset_init(&empty);
    assert_int_equal(shub_decide_archive(&empty, ACCT, &lc, &idx, &n), 0);
    assert_int_equal(n, 0);
    assert_null(idx);

    config_finish(&cfg);
    scanner_coverage_finish(&cov);
    shub_prevset_finish(&p);
    json_object_put(root);
    scanner_findings_finish(&prev_f);
    scanner_findings_finish(&cur);
}

/* Details.Other stays inside the documented limits (keys fewer than 128
 * characters, values fewer than 1024) and a list is cut at whole items:
 * twelve long stage names on one client certificate. */
static void test_other_details_limits(void **st)
{
    (void)st;
    aws_buf js;
    aws_buf_init(&js, 1u << 16);
    assert_int_equal(aws_buf_puts(&js, "{\"source\":\"apigateway-client-certificate\",\"stages\":["), 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(aws_buf_printf(&js, "%s\"abcdefghij/stage-with-a-rather-long-name-%02d-"
                                        "%090d\"", i ? "," : "", i, 0), 0);
    assert_int_equal(aws_buf_puts(&js, "],\"exactly\":\""), 0);
    for (int i = 0; i < 1024; i++)
        assert_int_equal(aws_buf_putc(&js, 'v'), 0);
    assert_int_equal(aws_buf_puts(&js, "\",\""), 0);
    for (int i = 0; i < 128; i++)
        assert_int_equal(aws_buf_putc(&js, 'k'), 0);
    assert_int_equal(aws_buf_puts(&js, "\":\"key of 128\",\""), 0);
    for (int i = 0; i < 127; i++)
        assert_int_equal(aws_buf_putc(&js, 'K'), 0);
    assert_int_equal(aws_buf_puts(&js, "\":\"key of 127\",\"one\":[\"x\"],\"none\":[]}"), 0);
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_APIGW_CLIENT_CERT, "arn:cc",
                "client-certificate-rotation", js.data);
    aws_buf_finish(&js);
    asff_opts o = member_opts();
    json_object *a = asff_build(&fs.v[0], &o, NULL);
    assert_non_null(a);
    json_object *other = get(a, "Resources.0.Details.Other");
    assert_non_null(other);
    json_object_object_foreach(other, k, v) {
        assert_true(strlen(k) < 128);
        assert_true(strlen(json_object_get_string(v)) < 1024);
    }
    const char *stages = gets_(other, "stages");
    assert_non_null(stages);
    /* Whole names only, the rest counted; never a cut JSON list. */
    assert_true(stages[0] != '[');
    const char *more = strstr(stages, " more)");
    assert_non_null(more);
    assert_int_equal(more[6], '\0');
    int shown = 1;
    for (const char *c = stages; (c = strstr(c, ", ")); c += 2)
        shown++;
    char want[32];
    snprintf(want, sizeof(want), "(+%d more)", 12 - shown);
    assert_non_null(strstr(stages, want));
    assert_true(shown >= 3 && shown < 12);
    assert_non_null(strstr(stages, "abcdefghij/stage-with-a-rather-long-name-00-"));
    assert_string_equal(gets_(other, "one"), "x");
    assert_null(get(other, "none"));
    assert_int_equal(strlen(gets_(other, "exactly")), 1023);
    char key127[128];
    memset(key127, 'K', 127);
    key127[127] = '\0';
    assert_string_equal(gets_(other, key127), "key of 127");
    json_object_put(a);
    scanner_findings_finish(&fs);
}

/* Severity and Types also in FindingProviderFields; ProductName,
 * CompanyName, ProviderVersion; UpdatedAt in milliseconds; a stage's
 * details in AwsApiGatewayStage; tags where known. */
static void test_provider_fields_and_stage(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_APIGW_STAGE, "arn:stage",
                "stage-client-certificate",
                "{\"source\":\"apigateway-stage\",\"stage\":\"abc123/prod\","
                "\"client_certificate_id\":\"ghost0cert\",\"tags\":{\"team\":\"payments\"}}");
    asff_opts o = member_opts();
    o.updated_ms = NOW * 1000LL + 42;
    json_object *a = asff_build(&fs.v[0], &o, NULL);
    assert_non_null(a);
    assert_string_equal(gets_(a, "FindingProviderFields.Severity.Label"), "HIGH");
    assert_string_equal(gets_(a, "FindingProviderFields.Severity.Original"), "HIGH");
    assert_string_equal(gets_(a, "FindingProviderFields.Types.0"), ASFF_TYPE);
    assert_string_equal(gets_(a, "Severity.Label"), "HIGH");
    assert_string_equal(gets_(a, "ProductName"), ASFF_PRODUCT_NAME);
    assert_string_equal(gets_(a, "CompanyName"), ASFF_COMPANY_NAME);
    assert_non_null(gets_(a, "ProductFields.ProviderVersion"));
    assert_string_equal(gets_(a, "UpdatedAt"), "2026-11-23T08:45:28.042Z");
    assert_string_equal(gets_(a, "LastObservedAt"), "2026-11-23T08:45:28.042Z");
    assert_string_equal(gets_(a, "CreatedAt"), "2026-11-23T08:45:28.000Z");
    assert_string_equal(gets_(a, "Resources.0.Type"), "AwsApiGatewayStage");
    assert_string_equal(gets_(a, "Resources.0.Details.AwsApiGatewayStage.StageName"), "prod");
    assert_string_equal(gets_(a, "Resources.0.Details.AwsApiGatewayStage.ClientCertificateId"),
                        "ghost0cert");
    assert_null(get(a, "Resources.0.Details.Other"));
    assert_string_equal(gets_(a, "Resources.0.Tags.team"), "payments");
    assert_null(get(a, "Workflow"));
    json_object_put(a);
    /* A suppressed finding goes in with Workflow SUPPRESSED. */
    fs.v[0].suppressed_by = strdup("legacy");
    fs.v[0].suppressed_reason = strdup("known");
    a = asff_build(&fs.v[0], &o, NULL);
    assert_non_null(a);
    assert_string_equal(gets_(a, "Workflow.Status"), "SUPPRESSED");
    json_object_put(a);
    scanner_findings_finish(&fs);

    char buf[40];
    asff_time_ms(1795423528999LL, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-23T08:45:28.999Z");
}

/* UpdatedAt strictly increases across runs: 1 ms after the last one sent
 * when the clock has not moved past it. */
/* Who and what (issue 11): ProductFields certsweep/AccountName, OuPath
 * and one certsweep/AccountTag/<key> per account tag while ProductFields
 * has room (50 pairs; the rest counted in AccountTagsLeftOut); the
 * finding's own tags in Resources[].Tags (50 at most, keys over 128
 * characters left out, values cut at 256). */
static void test_names_and_tags(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    add_finding(&fs, ACCT, "eu-west-1", SCANNER_SRC_ACM,
                "arn:aws:acm:eu-west-1:111111111111:certificate/x", "expiring", "{}");
    scanner_finding *f = &fs.v[0];
    f->account_name = xstrdup("shop-prod");
    f->ou_path = xstrdup("Root/Production/Payments");
    assert_int_equal(scanner_tags_add(&f->account_tags, "team", "payments"), 0);
    assert_int_equal(scanner_tags_add(&f->tags, "owner", "alice"), 0);
    asff_opts o = member_opts();
    json_object *a = asff_build(f, &o, NULL);
    assert_non_null(a);
    assert_string_equal(gets_(a, "ProductFields.certsweep/AccountName"), "shop-prod");
    assert_string_equal(gets_(a, "ProductFields.certsweep/OuPath"), "Root/Production/Payments");
    assert_string_equal(gets_(a, "ProductFields.certsweep/AccountTag/team"), "payments");
    assert_null(get(a, "ProductFields.certsweep/AccountTagsLeftOut"));
    assert_string_equal(gets_(a, "Resources.0.Tags.owner"), "alice");
    json_object_put(a);

    /* Past the limits. */
    char key[200], val[400];
    for (int i = 0; i < 60; i++) {
        snprintf(key, sizeof(key), "k%02d", i);
        assert_int_equal(scanner_tags_add(&f->account_tags, key, "v"), 0);
        assert_int_equal(scanner_tags_add(&f->tags, key, "v"), 0);
    }
    memset(key, 'K', 129);
    key[129] = '\0';
    memset(val, 'V', 300);
    val[300] = '\0';
    scanner_tags_finish(&f->tags);
    assert_int_equal(scanner_tags_add(&f->tags, key, "too long a key"), 0);
    assert_int_equal(scanner_tags_add(&f->tags, "long", val), 0);
    for (int i = 0; i < 60; i++) {
        char k[16];
        snprintf(k, sizeof(k), "t%02d", i);
        assert_int_equal(scanner_tags_add(&f->tags, k, "v"), 0);
    }
    a = asff_build(f, &o, NULL);
    assert_non_null(a);
    json_object *pf = get(a, "ProductFields");
    assert_int_equal(json_object_object_length(pf), 50);
    int shown = 0;
    json_object_object_foreach(pf, k, v) {
        (void)v;
        shown += strncmp(k, "certsweep/AccountTag/", 21) == 0;
    }
    char left[16];
    snprintf(left, sizeof(left), "%d", 61 - shown);
    assert_string_equal(gets_(a, "ProductFields.certsweep/AccountTagsLeftOut"), left);
    json_object *tags = get(a, "Resources.0.Tags");
    assert_int_equal(json_object_object_length(tags), 50);
    assert_null(get(tags, key));
    assert_int_equal(strlen(gets_(tags, "long")), 256);
    json_object_put(a);
    scanner_findings_finish(&fs);
}

static void test_updated_ms(void **st)
{
    (void)st;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    int64_t t = NOW * 1000LL;
    assert_int_equal(shub_updated_ms(NULL, t), t);
    assert_int_equal(shub_updated_ms(db, t), t);          /* nothing sent yet */
    assert_int_equal(state_meta_set(db, "shub_last_updated_ms", t), 0);
    assert_int_equal(shub_updated_ms(db, t), t + 1);      /* same millisecond */
    assert_int_equal(shub_updated_ms(db, t - 500), t + 1); /* the clock went back */
    assert_int_equal(shub_updated_ms(db, t + 7), t + 7);
    state_close(db);
}

static void test_write_and_dry_run(void **st)
{
    (void)st;
    scanner_findings fs;
    scanner_findings_init(&fs);
    char arn[128];
    for (int i = 0; i < 130; i++) {
        snprintf(arn, sizeof(arn), "arn:aws:acm:eu-west-1:x:certificate/%04d", i);
        add_finding(&fs, i % 2 ? ACCT : ACCT2, "eu-west-1", SCANNER_SRC_ACM, arn, "expiring",
                    ACM_JSON);
    }
    asff_opts o = member_opts();
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(asff_write(m, &fs, &o, NULL, NULL), 0);
    fclose(m);
    json_object *all = json_tokener_parse(buf);
    assert_non_null(all);
    assert_int_equal(json_object_array_length(get(all, "Findings")), 130);
    json_object_put(all);
    free(buf);

    /* Dry run: one line per batch, grouped by importing account, CreatedAt
     * from the local state when known. */
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    state_shub_row r;
    memset(&r, 0, sizeof(r));
    snprintf(r.id, sizeof(r.id), "certsweep/%s", fs.v[1].id);
    snprintf(r.account, sizeof(r.account), ACCT);
    snprintf(r.region, sizeof(r.region), "eu-west-1");
    snprintf(r.rule, sizeof(r.rule), "expiring");
    r.created_at = NOW - 86400;
    r.updated_at = NOW - 86400;
    snprintf(r.record_state, sizeof(r.record_state), "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    shub_opts so = { .home_region = "us-east-1", .mode = SHUB_MEMBER,
                             .state = db, .max_batch = 50 };
    m = open_memstream(&buf, &len);
    size_t nb = 0;
    assert_int_equal(shub_dry_run(m, &so, &fs, NOW * 1000LL, &nb), 0);
    fclose(m);
    assert_int_equal(nb, 4);     /* 65 + 65 findings in batches of <= 50 */
    int lines = 0, total = 0, found_created = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_object *b = json_tokener_parse(line);
        assert_non_null(b);
        json_object *arr = get(b, "Findings");
        size_t n = json_object_array_length(arr);
        assert_true(n <= 50);
        const char *acct = gets_(json_object_array_get_idx(arr, 0), "AwsAccountId");
        for (size_t i = 0; i < n; i++) {
            json_object *fo = json_object_array_get_idx(arr, i);
            assert_string_equal(gets_(fo, "AwsAccountId"), acct);   /* one account per batch */
            if (strcmp(gets_(fo, "Id"), r.id) == 0) {
                assert_string_equal(gets_(fo, "CreatedAt"), "2026-11-22T08:45:28.000Z");
                found_created = 1;
            }
        }
        total += (int)n;
        lines++;
        json_object_put(b);
    }
    assert_int_equal(lines, 4);
    assert_int_equal(total, 130);
    assert_true(found_created);
    free(buf);
    state_close(db);
    scanner_findings_finish(&fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_acm_field_by_field),
        cmocka_unit_test(test_build_central_and_other),
        cmocka_unit_test(test_limits_and_determinism),
        cmocka_unit_test(test_oversize_details_trimmed),
        cmocka_unit_test(test_archive),
        cmocka_unit_test(test_batching_250),
        cmocka_unit_test(test_parse_findings_client_side_check),
        cmocka_unit_test(test_parse_findings_times),
        cmocka_unit_test(test_decide_archive),
        cmocka_unit_test(test_other_details_limits),
        cmocka_unit_test(test_provider_fields_and_stage),
        cmocka_unit_test(test_names_and_tags),
        cmocka_unit_test(test_updated_ms),
        cmocka_unit_test(test_write_and_dry_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

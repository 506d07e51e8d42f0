/* Unit tests: report/metrics.c (Prometheus text exposition). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "report/metrics.h"
#include "scanner/finding.h"
#include "scanner/rules.h"

static char *sdup(const char *s)
{
    char *c = s ? strdup(s) : NULL;
    if (s)
        assert_non_null(c);
    return c;
}

static void add(scanner_findings *f, const char *rule, scanner_severity sev,
                const char *account, const char *arn, const char *domain, int64_t not_after)
{
    scanner_finding fd;
    memset(&fd, 0, sizeof(fd));
    scanner_finding_id(account, "us-east-1", arn, rule, fd.id);
    fd.rule = scanner_rule_find(rule)->id;
    fd.severity = sev;
    fd.account_id = sdup(account);
    fd.region = sdup("us-east-1");
    fd.resource_type = sdup("AwsCertificateManagerCertificate");
    fd.resource_arn = sdup(arn);
    fd.domain = sdup(domain);
    fd.not_after = not_after;
    fd.title = sdup("t");
    assert_int_equal(scanner_findings_add(f, &fd), 0);
}

static char *render_value(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(report_metrics_label_value(m, s), 0);
    fclose(m);
    return buf;
}

static void label_escaping(void **state)
{
    (void)state;
    const struct { const char *in, *out; } cases[] = {
        { "plain.example.com", "plain.example.com" },
        { "back\\slash", "back\\\\slash" },
        { "a \"quoted\" name", "a \\\"quoted\\\" name" },
        { "two\nlines", "two\\nlines" },
        { "\\\"\n", "\\\\\\\"\\n" },
        { "", "" },
        { "caf\xc3\xa9", "caf\xc3\xa9" },            /* UTF-8 passes through */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = render_value(cases[i].in);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
    char *got = render_value(NULL);
    assert_string_equal(got, "");
    free(got);
}

static char *render_inv(const scanner_findings *f, const scanner_stats *st,
                        const scanner_scanned_accounts *a, const scanner_inventory *inv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(report_metrics_write(m, f, st, a, inv, 1795430728), 0);
    fclose(m);
    return buf;
}

static char *render(const scanner_findings *f, const scanner_stats *st,
                    const scanner_scanned_accounts *a)
{
    return render_inv(f, st, a, NULL);
}

static int count_lines(const char *doc, const char *prefix)
{
    int n = 0;
    size_t k = strlen(prefix);
    for (const char *l = doc; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, prefix, k) == 0)
            n++;
    return n;
}

static void document(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    add(&f, "expiring", SCANNER_SEV_HIGH, "111111111111", "arn:aws:acm:us-east-1:111111111111:certificate/a",
        "a.example.com", 1797000000);
    /* A second rule on the same certificate: one not_after series. */
    add(&f, "not-renewable", SCANNER_SEV_MEDIUM, "111111111111",
        "arn:aws:acm:us-east-1:111111111111:certificate/a", "a.example.com", 1797000000);
    add(&f, "expiring", SCANNER_SEV_HIGH, "222222222222", "arn:aws:acm:us-east-1:222222222222:certificate/b",
        "we\"ird\\dom\nain", 1796000000);
    add(&f, "expired", SCANNER_SEV_CRITICAL, "222222222222", "arn:aws:acm:us-east-1:222222222222:certificate/c",
        "c.example.com", 1790000000);
    f.v[3].suppressed_by = sdup("known");
    /* No expiry date: counted, no not_after series. */
    add(&f, "validation-incomplete", SCANNER_SEV_LOW, "222222222222",
        "arn:aws:acm:us-east-1:222222222222:certificate/d", "d.example.com", 0);
    assert_int_equal(scanner_findings_add_gap(&f, "333333333333", "eu-west-1", "ListCertificates",
                                              "AccessDenied", "no"), 0);
    scanner_stats st;
    scanner_stats_init(&st);
    st.api_calls = 42;
    st.api_calls_by_service[AWS_SVC_ACM] = 40;
    st.api_calls_by_service[AWS_SVC_STS] = 2;
    st.retries = 3;
    st.throttled = 2;
    st.throttled_by_service[AWS_SVC_ACM] = 2;
    st.certificates = 17;
    st.wall_ms = 12345;
    scanner_scanned_account acc[] = {
        { .account_id = "111111111111", .name = "Prod \"EU\"" },
        { .account_id = "222222222222", .name = NULL },
    };
    scanner_scanned_accounts accts = { acc, 2 };
    char *doc = render(&f, &st, &accts);

    assert_non_null(strstr(doc, "# TYPE certsweep_findings gauge\n"));
    assert_non_null(strstr(doc, "certsweep_findings{severity=\"high\",rule=\"expiring\"} 2\n"));
    assert_non_null(strstr(doc, "certsweep_findings{severity=\"medium\",rule=\"not-renewable\"} 1\n"));
    assert_non_null(strstr(doc, "certsweep_findings{severity=\"critical\",rule=\"expired\"} 0\n"));
    assert_non_null(strstr(doc, "certsweep_findings{severity=\"low\",rule=\"validation-incomplete\"} 1\n"));
    /* Every rule x severity pair, once. */
    assert_int_equal(count_lines(doc, "certsweep_findings{"), (int)scanner_rule_count() * 5);
    assert_non_null(strstr(doc, "certsweep_findings_suppressed 1\n"));
    assert_non_null(strstr(doc, "certsweep_coverage_gaps 1\n"));
    assert_non_null(strstr(doc, "certsweep_certificates_judged 17\n"));
    assert_non_null(strstr(doc, "certsweep_scan_duration_seconds 12.345\n"));
    assert_non_null(strstr(doc, "certsweep_last_success_timestamp_seconds 1795430728\n"));
    assert_non_null(strstr(doc, "# TYPE certsweep_api_calls_total counter\n"
                            "certsweep_api_calls_total{service=\"sts\"} 2\n"));
    assert_non_null(strstr(doc, "certsweep_api_calls_total{service=\"acm\"} 40\n"));
    assert_non_null(strstr(doc, "certsweep_api_calls_total{service=\"iam\"} 0\n"));
    assert_int_equal(count_lines(doc, "certsweep_api_calls_total{"), AWS_SVC__COUNT);
    assert_non_null(strstr(doc, "certsweep_api_retries_total 3\n"));
    assert_non_null(strstr(doc, "certsweep_api_throttles_total{service=\"acm\"} 2\n"));
    assert_non_null(strstr(doc, "certsweep_api_throttles_total{service=\"sts\"} 0\n"));
    assert_int_equal(count_lines(doc, "certsweep_api_throttles_total{"), AWS_SVC__COUNT);
    /* a, b and the suppressed c; d has no expiry; a once. */
    assert_int_equal(count_lines(doc, "certsweep_certificate_not_after_timestamp_seconds{"), 3);
    assert_non_null(strstr(doc,
        "certsweep_certificate_not_after_timestamp_seconds{account=\"111111111111\","
        "account_name=\"Prod \\\"EU\\\"\",region=\"us-east-1\","
        "resource=\"arn:aws:acm:us-east-1:111111111111:certificate/a\",domain=\"a.example.com\","
        "type=\"AwsCertificateManagerCertificate\"} 1797000000\n"));
    assert_non_null(strstr(doc, "account_name=\"\",region=\"us-east-1\","
        "resource=\"arn:aws:acm:us-east-1:222222222222:certificate/b\","
        "domain=\"we\\\"ird\\\\dom\\nain\",type="));
    /* Each family's HELP and TYPE once. */
    assert_int_equal(count_lines(doc, "# TYPE "), 11);
    assert_int_equal(count_lines(doc, "# HELP "), 11);
    assert_non_null(strstr(doc, "certsweep_certificates_unlisted 0\n"));
    free(doc);
    scanner_findings_finish(&f);
}

static void empty_run(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    char *doc = render(&f, NULL, NULL);
    assert_non_null(strstr(doc, "certsweep_api_calls_total{service=\"acm\"} 0\n"));
    assert_non_null(strstr(doc, "certsweep_scan_duration_seconds 0.000\n"));
    assert_int_equal(count_lines(doc, "certsweep_certificate_not_after_timestamp_seconds{"), 0);
    assert_non_null(strstr(doc, "# TYPE certsweep_certificate_not_after_timestamp_seconds gauge\n"));
    free(doc);
    scanner_findings_finish(&f);
}

static scanner_record *record(const char *account, const char *arn, int64_t not_after)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, account, "eu-west-1");
    assert_non_null(r);
    r->arn = sdup(arn);
    r->domain = sdup("inv.example.com");
    r->not_after = not_after;
    return r;
}

/* The inventory keeps at most max certificates (one allocation each),
 * counts the rest, skips records without an expiry; the metrics list its
 * certificates and every certificate of a finding, each once. */
static void inventory_capped_and_merged(void **state)
{
    (void)state;
    scanner_inventory inv;
    scanner_inventory_init(&inv, 2);
    scanner_record *r[4] = {
        record("111111111111", "arn:aws:acm:eu-west-1:111111111111:certificate/x", 1800000000),
        record("111111111111", "arn:aws:acm:eu-west-1:111111111111:certificate/y", 0),
        record("111111111111", "arn:aws:acm:eu-west-1:111111111111:certificate/z", 1800000001),
        record("111111111111", "arn:aws:acm:eu-west-1:111111111111:certificate/w", 1800000002),
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(scanner_inventory_add(&inv, r[i], 0), 0);
        scanner_record_free(r[i]);
    }
    assert_int_equal(inv.n, 2);                 /* x and z; y has no expiry */
    assert_int_equal(inv.dropped, 1);           /* w: past the cap */
    scanner_record *v = record("111111111111", "arn:aws:acm:eu-west-1:111111111111:certificate/v",
                               1800000003);
    assert_int_equal(scanner_inventory_add(&inv, v, 1), 0);    /* listed by its finding */
    scanner_record_free(v);
    assert_int_equal(inv.n, 2);
    assert_int_equal(inv.dropped, 1);
    assert_string_equal(inv.v[1].resource, "arn:aws:acm:eu-west-1:111111111111:certificate/z");
    assert_string_equal(inv.v[1].type, "AwsCertificateManagerCertificate");

    scanner_findings f;
    scanner_findings_init(&f);
    /* A finding on an inventoried certificate (x, listed once) and one on a
     * certificate past the cap (w, listed all the same). */
    add(&f, "expiring", SCANNER_SEV_MEDIUM, "111111111111",
        "arn:aws:acm:eu-west-1:111111111111:certificate/x", "inv.example.com", 1800000000);
    free(f.v[0].region);
    f.v[0].region = sdup("eu-west-1");
    add(&f, "expiring", SCANNER_SEV_MEDIUM, "111111111111",
        "arn:aws:acm:eu-west-1:111111111111:certificate/w", "inv.example.com", 1800000002);
    free(f.v[1].region);
    f.v[1].region = sdup("eu-west-1");
    char *doc = render_inv(&f, NULL, NULL, &inv);
    assert_int_equal(count_lines(doc, "certsweep_certificate_not_after_timestamp_seconds{"), 3);
    assert_non_null(strstr(doc, "certificate/x\",domain=\"inv.example.com\","
                           "type=\"AwsCertificateManagerCertificate\"} 1800000000\n"));
    assert_non_null(strstr(doc, "certificate/z\",domain=\"inv.example.com\","
                           "type=\"AwsCertificateManagerCertificate\"} 1800000001\n"));
    assert_non_null(strstr(doc, "certificate/w\",domain=\"inv.example.com\","
                           "type=\"AwsCertificateManagerCertificate\"} 1800000002\n"));
    assert_null(strstr(doc, "certificate/y"));
    assert_non_null(strstr(doc, "certsweep_certificates_unlisted 1\n"));
    free(doc);
    scanner_findings_finish(&f);
    scanner_inventory_finish(&inv);
    scanner_inventory_finish(NULL);
}

/* A judged set past the cap: the record a finding names is not counted as
 * unlisted (the metrics list it from the finding), the other is. */
static void inventory_set_past_cap(void **state)
{
    (void)state;
    scanner_inventory inv;
    scanner_inventory_init(&inv, 1);
    scanner_record_set set;
    scanner_record_set_init(&set);
    assert_int_equal(scanner_record_set_add(&set, record("1", "arn:p", 1800000000)), 0);
    assert_int_equal(scanner_record_set_add(&set, record("1", "arn:q", 1800000001)), 0);
    assert_int_equal(scanner_record_set_add(&set, record("1", "arn:r", 1800000002)), 0);
    scanner_findings f;
    scanner_findings_init(&f);
    add(&f, "expiring", SCANNER_SEV_MEDIUM, "1", "arn:q", "q", 1800000001);  /* another target's */
    add(&f, "expiring", SCANNER_SEV_MEDIUM, "1", "arn:r", "r", 1800000002);
    assert_int_equal(scanner_inventory_add_set(&inv, &set, &f, 1), 0);
    assert_int_equal(inv.n, 1);
    assert_string_equal(inv.v[0].resource, "arn:p");
    assert_int_equal(inv.dropped, 1);           /* q */
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    scanner_inventory_finish(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(label_escaping),
        cmocka_unit_test(document),
        cmocka_unit_test(empty_run),
        cmocka_unit_test(inventory_capped_and_merged),
        cmocka_unit_test(inventory_set_past_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

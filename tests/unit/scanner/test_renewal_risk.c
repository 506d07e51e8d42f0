/* Unit tests: the renewal-at-risk rule (scanner/rules.c) — which
 * certificates and validations it reads, its tiers (HIGH within 60 days
 * of expiry, MEDIUM before), the record to restore in title, details and
 * JSON, the e-mail validation case, and what it leaves to coverage gaps;
 * plus the DNS name comparison and reading less (a describe is needed
 * only when DNS checks are on, or e-mail validation may be near). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "scanner/resolve.h"
#include "scanner/rules.h"

#define AS_OF ((int64_t)1795430728)     /* 2026-11-23T10:45:28Z */
#define DAY   ((int64_t)86400)
#define ARN   "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
#define RR1   "_d930b28be6c5927595552b219965053e.example.com."
#define RR2   "_d930b28be6c5927595552b219965053e.www.example.com."
#define VAL   "_c9edd76ee4a0e2a74388032f3861cc50.ykybfrwcxw.acm-validations.aws."

static void cfg_dns(config *c, int dns)
{
    config_init(c);
    c->dns_enabled = dns;
}

static scanner_record *cert(const char *type, const char *status, const char *elig,
                            int64_t days)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, "123456789012", "us-east-1");
    assert_non_null(r);
    assert_int_equal(scanner_str_set(&r->arn, ARN), 0);
    assert_int_equal(scanner_str_set(&r->domain, "example.com"), 0);
    assert_int_equal(scanner_str_set(&r->type, type), 0);
    assert_int_equal(scanner_str_set(&r->status, status), 0);
    assert_int_equal(scanner_str_set(&r->renewal_eligibility, elig), 0);
    assert_int_equal(scanner_record_add_in_use(r, "arn:aws:elasticloadbalancing:us-east-1:"
                                               "123456789012:loadbalancer/app/a/b"), 0);
    r->not_after = AS_OF + days * DAY + 3600;
    return r;
}

/* A DNS validation of domain through record rr, as DNS saw it. */
static void dns_val(scanner_record *r, const char *domain, const char *rr,
                    scanner_dns_seen seen, const char *answer)
{
    assert_int_equal(scanner_record_add_validation(r, domain, "SUCCESS", "DNS"), 0);
    scanner_domain_validation *v = &r->validations[r->n_validations - 1];
    assert_int_equal(scanner_validation_set_record(v, rr, "CNAME", VAL), 0);
    v->dns_seen = seen;
    v->dns_status = seen == SCANNER_DNS_MISSING ? "NXDOMAIN"
                  : seen == SCANNER_DNS_UNKNOWN ? "SERVFAIL" : "OK";
    if (answer)
        assert_int_equal(scanner_str_set(&v->dns_answer, answer), 0);
}

/* Judges r alone; "" or "renewal-at-risk:SEV"; *out (may be NULL) keeps
 * the findings for a closer look (the caller finishes them). */
static void judge(scanner_record *r, const config *c, char *buf, size_t n,
                  scanner_findings *out)
{
    scanner_record_set set;
    scanner_findings f;
    scanner_record_set_init(&set);
    scanner_findings_init(&f);
    assert_int_equal(scanner_record_set_add(&set, r), 0);
    assert_int_equal(scanner_rules_judge(&set, c, AS_OF, &f), 0);
    buf[0] = '\0';
    for (size_t i = 0; i < f.n; i++) {
        if (strcmp(f.v[i].rule, "renewal-at-risk") != 0)
            continue;
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s:%s", l ? "," : "", f.v[i].rule,
                 scanner_severity_name(f.v[i].severity));
    }
    if (out)
        *out = f;
    else
        scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
}

static const scanner_finding *the_finding(const scanner_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].rule, "renewal-at-risk") == 0)
            return &f->v[i];
    fail_msg("no renewal-at-risk finding");
    return NULL;
}

static void test_tiers(void **state)
{
    (void)state;
    static const struct {
        int64_t days;
        scanner_dns_seen seen;
        const char *want;
    } t[] = {
        { 200, SCANNER_DNS_MISSING, "renewal-at-risk:MEDIUM" },
        { 61, SCANNER_DNS_MISSING, "renewal-at-risk:MEDIUM" },
        { 60, SCANNER_DNS_MISSING, "renewal-at-risk:HIGH" },
        { 10, SCANNER_DNS_MISSING, "renewal-at-risk:HIGH" },
        { 0, SCANNER_DNS_MISSING, "renewal-at-risk:HIGH" },
        { 61, SCANNER_DNS_CHANGED, "renewal-at-risk:MEDIUM" },
        { 30, SCANNER_DNS_CHANGED, "renewal-at-risk:HIGH" },
        { 30, SCANNER_DNS_MATCH, "" },
        { 30, SCANNER_DNS_UNKNOWN, "" },     /* a coverage gap, never a finding */
        { 30, SCANNER_DNS_UNCHECKED, "" },
    };
    config c;
    cfg_dns(&c, 1);
    char got[128];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        scanner_record *r = cert("AMAZON_ISSUED", "ISSUED", "ELIGIBLE", t[i].days);
        dns_val(r, "example.com", RR1, t[i].seen,
                t[i].seen == SCANNER_DNS_CHANGED ? "elsewhere.example.net"
                : t[i].seen == SCANNER_DNS_MATCH ? VAL : NULL);
        judge(r, &c, got, sizeof(got), NULL);
        if (strcmp(got, t[i].want) != 0)
            fail_msg("case %zu (%lld days): got '%s', want '%s'", i, (long long)t[i].days,
                     got, t[i].want);
    }
    config_finish(&c);
}

/* Only Amazon-issued, ISSUED, unexpired, not INELIGIBLE certificates, and
 * only while the rule is enabled. */
static void test_which_certificates(void **state)
{
    (void)state;
    static const struct {
        const char *type, *status, *elig;
        int64_t days;
        int finding;
    } t[] = {
        { "AMAZON_ISSUED", "ISSUED", "ELIGIBLE", 90, 1 },
        { "AMAZON_ISSUED", "ISSUED", NULL, 90, 1 },          /* eligibility unknown */
        { "AMAZON_ISSUED", "ISSUED", "INELIGIBLE", 90, 0 },
        { "IMPORTED", "ISSUED", "ELIGIBLE", 90, 0 },
        { "PRIVATE", "ISSUED", "ELIGIBLE", 90, 0 },
        { "AMAZON_ISSUED", "PENDING_VALIDATION", "ELIGIBLE", 90, 0 },
        { "AMAZON_ISSUED", "INACTIVE", "ELIGIBLE", 90, 0 },
        { "AMAZON_ISSUED", "ISSUED", "ELIGIBLE", -1, 0 },    /* expired: `expired` says it */
    };
    config c;
    cfg_dns(&c, 1);
    char got[128];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        scanner_record *r = cert(t[i].type, t[i].status, t[i].elig, t[i].days);
        dns_val(r, "example.com", RR1, SCANNER_DNS_MISSING, NULL);
        assert_int_equal(scanner_rule_dns_wanted(r, &r->validations[0], &c, AS_OF),
                         t[i].finding);
        judge(r, &c, got, sizeof(got), NULL);
        if ((got[0] != '\0') != t[i].finding)
            fail_msg("case %zu: got '%s'", i, got);
    }
    /* Disabled: nothing, and nothing looked up. */
    assert_int_equal(config_list_parse(&c.disabled_rules, "renewal-at-risk"), 0);
    scanner_record *r = cert("AMAZON_ISSUED", "ISSUED", "ELIGIBLE", 30);
    dns_val(r, "example.com", RR1, SCANNER_DNS_MISSING, NULL);
    assert_int_equal(scanner_rule_dns_wanted(r, &r->validations[0], &c, AS_OF), 0);
    judge(r, &c, got, sizeof(got), NULL);
    assert_string_equal(got, "");
    config_finish(&c);
    /* DNS checks off: nothing is looked up. */
    cfg_dns(&c, 0);
    r = cert("AMAZON_ISSUED", "ISSUED", "ELIGIBLE", 30);
    dns_val(r, "example.com", RR1, SCANNER_DNS_UNCHECKED, NULL);
    assert_int_equal(scanner_rule_dns_wanted(r, &r->validations[0], &c, AS_OF), 0);
    scanner_record_free(r);
    config_finish(&c);
}

/* The finding names the record to restore: name, type and value. */
static void test_record_to_restore(void **state)
{
    (void)state;
    config c;
    cfg_dns(&c, 1);
    char got[128];
    scanner_findings f;
    scanner_record *r = cert("AMAZON_ISSUED", "ISSUED", "ELIGIBLE", 45);
    /* example.com and *.example.com share one record; www another, intact */
    dns_val(r, "example.com", RR1, SCANNER_DNS_MISSING, NULL);
    dns_val(r, "*.example.com", RR1, SCANNER_DNS_MISSING, NULL);
    dns_val(r, "www.example.com", RR2, SCANNER_DNS_MATCH, VAL);
    judge(r, &c, got, sizeof(got), &f);
    assert_string_equal(got, "renewal-at-risk:HIGH");
    const scanner_finding *fd = the_finding(&f);
    assert_non_null(strstr(fd->title, "validation record " RR1 " CNAME is missing"));
    assert_non_null(strstr(fd->title, "expires in 45 days"));
    assert_non_null(strstr(fd->details, "Record to restore: " RR1 " CNAME " VAL "\n"));
    assert_non_null(strstr(fd->details, "found: no such record (NXDOMAIN); validates "
                                        "example.com, *.example.com\n"));
    assert_null(strstr(fd->details, "Record to restore: " RR2));
    assert_non_null(strstr(fd->remediation, "name, type"));
    json_object *j = json_tokener_parse(fd->details_json);
    assert_non_null(j);
    json_object *recs = NULL, *one = NULL, *x = NULL;
    assert_true(json_object_object_get_ex(j, "records_to_restore", &recs));
    assert_int_equal(json_object_array_length(recs), 1);
    one = json_object_array_get_idx(recs, 0);
    assert_true(json_object_object_get_ex(one, "name", &x));
    assert_string_equal(json_object_get_string(x), RR1);
    assert_true(json_object_object_get_ex(one, "type", &x));
    assert_string_equal(json_object_get_string(x), "CNAME");
    assert_true(json_object_object_get_ex(one, "value", &x));
    assert_string_equal(json_object_get_string(x), VAL);
    assert_true(json_object_object_get_ex(one, "found", &x));
    assert_string_equal(json_object_get_string(x), "missing");
    assert_true(json_object_object_get_ex(one, "domains", &x));
    assert_int_equal(json_object_array_length(x), 2);
    json_object_put(j);
    scanner_findings_finish(&f);

    /* Changed, and two records: the count in the title, each in details. */
    r = cert("AMAZON_ISSUED", "ISSUED", "ELIGIBLE", 120);
    dns_val(r, "example.com", RR1, SCANNER_DNS_CHANGED, "old-target.example.net");
    dns_val(r, "www.example.com", RR2, SCANNER_DNS_MISSING, NULL);
    judge(r, &c, got, sizeof(got), &f);
    assert_string_equal(got, "renewal-at-risk:MEDIUM");
    fd = the_finding(&f);
    assert_non_null(strstr(fd->title, "2 validation records missing or changed"));
    assert_non_null(strstr(fd->details, "found: points to old-target.example.net"));
    assert_non_null(strstr(fd->details, "Record to restore: " RR2 " CNAME " VAL));
    scanner_findings_finish(&f);
    config_finish(&c);
}

/* E-mail validation: within 75 days someone must approve the mail
 * (HIGH within 60), with or without DNS checks. */
static void test_email(void **state)
{
    (void)state;
    static const struct { int64_t days; const char *want; } t[] = {
        { 120, "" }, { 76, "" }, { 75, "renewal-at-risk:MEDIUM" },
        { 61, "renewal-at-risk:MEDIUM" }, { 60, "renewal-at-risk:HIGH" },
        { 5, "renewal-at-risk:HIGH" },
    };
    char got[128];
    for (int dns = 0; dns <= 1; dns++) {
        config c;
        cfg_dns(&c, dns);
        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
            scanner_findings f;
            scanner_record *r = cert("AMAZON_ISSUED", "ISSUED", "ELIGIBLE", t[i].days);
            assert_int_equal(scanner_record_add_validation(r, "mail.example.org", "SUCCESS",
                                                           "EMAIL"), 0);
            assert_int_equal(scanner_rule_dns_wanted(r, &r->validations[0], &c, AS_OF), 0);
            judge(r, &c, got, sizeof(got), &f);
            if (strcmp(got, t[i].want) != 0)
                fail_msg("dns %d, %lld days: got '%s', want '%s'", dns,
                         (long long)t[i].days, got, t[i].want);
            if (*got)
                assert_non_null(strstr(the_finding(&f)->title,
                                       "someone must approve the renewal mail"));
            scanner_findings_finish(&f);
        }
        config_finish(&c);
    }
}

static void test_name_eq(void **state)
{
    (void)state;
    static const struct { const char *a, *b; int eq; } t[] = {
        { "_x.Example.COM.", "_x.example.com", 1 },
        { "_x.example.com", "_x.example.com.", 1 },
        { "_x.example.com.", "_x.example.com.", 1 },
        { "_x.example.com", "_x.example.co", 0 },
        { "_x.example.com..", "_x.example.com", 0 },
        { "", ".", 1 },
        { "a", "b", 0 },
        { NULL, "a", 0 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (scanner_dns_name_eq(t[i].a, t[i].b) != t[i].eq)
            fail_msg("case %zu", i);
}

/* Reading less: with DNS checks on, an Amazon-issued certificate far from
 * expiry needs its detail (the validation records); off, it does not (no
 * e-mail case that far out); INELIGIBLE never. */
static void test_readless(void **state)
{
    (void)state;
    static const char *const others[] = {
        "expired", "expiring", "validation-incomplete", "renewal-failing", "not-renewable",
        "domain-certificate", "weak-key", "transparency-logging-disabled",
    };
    char list[512] = "";
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        strncat(list, others[i], sizeof(list) - strlen(list) - 1);
        strncat(list, i + 1 < sizeof(others) / sizeof(others[0]) ? "," : "",
                sizeof(list) - strlen(list) - 1);
    }
    for (int dns = 0; dns <= 1; dns++) {
        config c;
        cfg_dns(&c, dns);
        assert_int_equal(config_list_parse(&c.disabled_rules, list), 0);
        scanner_record *r = cert("AMAZON_ISSUED", "ISSUED", "ELIGIBLE", 200);
        const char *why = NULL;
        scanner_acm_need need = scanner_acm_summary_need(r, SCANNER_F_SUMMARY, 1, &c, AS_OF, &why);
        assert_int_equal(need, dns ? SCANNER_ACM_DETAIL : SCANNER_ACM_SUMMARY);
        if (dns)
            assert_string_equal(why, "validation records (DNS checks)");
        /* e-mail may be near: 70 days out needs the validation method */
        r->not_after = AS_OF + 70 * DAY;
        need = scanner_acm_summary_need(r, SCANNER_F_SUMMARY, 1, &c, AS_OF, &why);
        assert_int_not_equal(need, SCANNER_ACM_SUMMARY);
        r->not_after = AS_OF + 200 * DAY;
        assert_int_equal(scanner_str_set(&r->renewal_eligibility, "INELIGIBLE"), 0);
        assert_int_equal(scanner_acm_summary_need(r, SCANNER_F_SUMMARY, 1, &c, AS_OF, NULL),
                         SCANNER_ACM_SUMMARY);
        assert_int_equal(scanner_str_set(&r->type, "IMPORTED"), 0);
        assert_int_equal(scanner_str_set(&r->renewal_eligibility, "ELIGIBLE"), 0);
        assert_int_equal(scanner_acm_summary_need(r, SCANNER_F_SUMMARY, 1, &c, AS_OF, NULL),
                         SCANNER_ACM_SUMMARY);
        scanner_record_free(r);
        config_finish(&c);
    }
}

static void test_rule_listed(void **state)
{
    (void)state;
    const scanner_rule *r = scanner_rule_find("renewal-at-risk");
    assert_non_null(r);
    assert_int_equal(r->severity, SCANNER_SEV_HIGH);
    assert_non_null(strstr(scanner_rule_doc_url("renewal-at-risk"), "docs.aws.amazon.com/acm"));
    config c;
    cfg_dns(&c, 0);
    char buf[256];
    assert_non_null(strstr(scanner_rule_thresholds(&c, "renewal-at-risk", buf, sizeof(buf)),
                           "HIGH within 60 days"));
    config_finish(&c);
}

/* Resolved only where the DNS checks of the account-region all had clear
 * answers, on top of ACM read in full; other rules do not care. */
static void test_resolution_needs_dns(void **state)
{
    (void)state;
    const unsigned acm = 1u << SCANNER_SRC_ACM;
    assert_int_equal(scanner_rule_needs("renewal-at-risk", SCANNER_SRC_ACM),
                     acm | SCANNER_COVER_DNS);
    assert_int_equal(scanner_rule_needs("expired", SCANNER_SRC_ACM), acm);
    config c;
    cfg_dns(&c, 1);
    scanner_coverage cov;
    scanner_coverage_init(&cov);
    assert_int_equal(scanner_coverage_add(&cov, "123456789012", "us-east-1", acm), 0);
    assert_int_equal(scanner_resolvable(&cov, &c, 0, "123456789012", "us-east-1",
                                        "renewal-at-risk", SCANNER_SRC_ACM), 0);
    assert_int_equal(scanner_resolvable(&cov, &c, 0, "123456789012", "us-east-1",
                                        "expired", SCANNER_SRC_ACM), 1);
    assert_int_equal(scanner_coverage_add(&cov, "123456789012", "us-east-1",
                                          SCANNER_COVER_DNS), 0);
    assert_int_equal(scanner_resolvable(&cov, &c, 0, "123456789012", "us-east-1",
                                        "renewal-at-risk", SCANNER_SRC_ACM), 1);
    assert_int_equal(scanner_resolvable(&cov, &c, 1, "123456789012", "us-east-1",
                                        "renewal-at-risk", SCANNER_SRC_ACM), 0);
    scanner_coverage_finish(&cov);
    config_finish(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_which_certificates),
        cmocka_unit_test(test_record_to_restore),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_name_eq),
        cmocka_unit_test(test_readless),
        cmocka_unit_test(test_rule_listed),
        cmocka_unit_test(test_resolution_needs_dns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

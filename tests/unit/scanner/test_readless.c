/* Unit tests: reading less (issue 14) — which fields each ACM rule reads
 * (scanner_rule_acm_fields), that a summary missing one of them is
 * described, and that a certificate judged from its summary alone gives
 * exactly the findings its full DescribeCertificate record gives (none of
 * its own; the same custom-domain findings), over a grid of certificates
 * and configurations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "scanner/collect.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "scanner/rules.h"
#include "rules_cfg.h"

#define AS_OF ((int64_t)1795430728)     /* 2026-11-23T10:45:28Z */
#define DAY   ((int64_t)86400)
#define ACCT  "123456789012"
#define REG   "us-east-1"
#define ARN1  "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

#define F(x) SCANNER_F_##x

/* ---- the table ----------------------------------------------------------- */

static void test_field_table(void **state)
{
    (void)state;
    static const struct {
        const char *rule;
        unsigned decides, judges;
    } want[] = {
        { "expired", F(STATUS) | F(NOT_AFTER), F(STATUS) | F(NOT_AFTER) },
        { "expiring", F(STATUS) | F(NOT_AFTER),
          F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY) | F(IN_USE_BY) |
          F(RENEWAL_SUMMARY) },
        { "validation-incomplete", F(STATUS),
          F(STATUS) | F(CREATED_AT) | F(FAILURE_REASON) | F(VALIDATIONS) },
        { "renewal-failing", F(STATUS) | F(TYPE) | F(NOT_AFTER),
          F(STATUS) | F(RENEWAL_SUMMARY) | F(NOT_AFTER) },
        { "not-renewable", F(STATUS) | F(NOT_AFTER) | F(TYPE),
          F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY) | F(IN_USE_BY) |
          F(RENEWAL_SUMMARY) },
        { "domain-certificate", F(STATUS) | F(NOT_AFTER),
          F(STATUS) | F(NOT_AFTER) | F(FAILURE_REASON) },
        { "weak-key", F(STATUS) | F(NOT_AFTER) | F(KEY_ALGORITHM),
          F(STATUS) | F(NOT_AFTER) | F(KEY_ALGORITHM) },
        { "transparency-logging-disabled", F(STATUS) | F(NOT_AFTER) | F(TYPE),
          F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(CT_LOGGING) },
        { "renewal-at-risk", F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY),
          F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY) | F(VALIDATIONS) |
          F(RENEWAL_SUMMARY) },
        /* The probe compares in-use certificates (and those holding a
         * [probe] hosts name) by serial, issuer and names: detail only. */
        { "served-certificate-mismatch", F(STATUS) | F(IN_USE),
          F(STATUS) | F(NOT_AFTER) | F(IN_USE_BY) | F(SERIAL) | F(ISSUER) | F(SANS) },
        { "served-certificate-expiring", F(STATUS),
          F(STATUS) | F(NOT_AFTER) | F(SERIAL) | F(ISSUER) | F(SANS) },
        { "served-chain-invalid", F(STATUS) | F(IN_USE), F(STATUS) | F(IN_USE_BY) | F(SANS) },
        { "client-certificate-rotation", 0, 0 },
        { "iam-server-certificate", 0, 0 },
        { "stage-client-certificate", 0, 0 },
    };
    assert_int_equal(sizeof(want) / sizeof(want[0]), scanner_rule_count());
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        unsigned d = 99, u = 99;
        int reads = scanner_rule_acm_fields(want[i].rule, &d, &u);
        if (d != want[i].decides || u != want[i].judges)
            fail_msg("%s: decides %#x judges %#x, want %#x %#x", want[i].rule, d, u,
                     want[i].decides, want[i].judges);
        assert_int_equal(reads, want[i].judges != 0);
        /* What decides is in the summary: nothing is gated on a detail-only field. */
        assert_int_equal(d & ~(unsigned)SCANNER_F_SUMMARY, 0);
    }
    assert_int_equal(scanner_rule_acm_fields("no-such-rule", NULL, NULL), 0);
}

/* ---- records ------------------------------------------------------------- */

typedef struct cert {
    const char *status, *type, *eligibility, *renewal, *key, *ct, *failure;
    int in_use;
    int64_t days;           /* NotAfter - AS_OF in days */
} cert;

/* The full record, as DescribeCertificate gives it. */
static scanner_record *full_record(const cert *c)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, ACCT, REG);
    assert_non_null(r);
    assert_int_equal(scanner_str_set(&r->arn, ARN1), 0);
    assert_int_equal(scanner_str_set(&r->id, "11111111-2222-3333-4444-555555555555"), 0);
    assert_int_equal(scanner_str_set(&r->domain, "example.com"), 0);
    assert_int_equal(scanner_str_set(&r->status, c->status), 0);
    assert_int_equal(scanner_str_set(&r->type, c->type), 0);
    assert_int_equal(scanner_str_set(&r->renewal_eligibility, c->eligibility), 0);
    assert_int_equal(scanner_str_set(&r->renewal_status, c->renewal), 0);
    assert_int_equal(scanner_str_set(&r->key_algorithm, c->key), 0);
    assert_int_equal(scanner_str_set(&r->ct_logging, c->ct), 0);
    assert_int_equal(scanner_str_set(&r->failure_reason, c->failure), 0);
    for (int i = 0; i < c->in_use; i++)
        assert_int_equal(scanner_record_add_in_use(r,
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb/abc"), 0);
    assert_int_equal(scanner_record_add_validation(r, "example.com", "SUCCESS", "DNS"), 0);
    r->not_after = AS_OF + c->days * DAY + 3600;
    r->not_before = r->not_after - 395 * DAY;
    r->created_at = AS_OF - 400 * DAY;
    return r;
}

/* The record of the same certificate's ListCertificates summary. */
static scanner_record *summary_record(const cert *c)
{
    scanner_record *f = full_record(c);
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, ACCT, REG);
    assert_non_null(r);
    assert_int_equal(scanner_str_set(&r->arn, f->arn), 0);
    assert_int_equal(scanner_str_set(&r->id, f->id), 0);
    assert_int_equal(scanner_str_set(&r->domain, f->domain), 0);
    assert_int_equal(scanner_str_set(&r->status, f->status), 0);
    assert_int_equal(scanner_str_set(&r->type, f->type), 0);
    assert_int_equal(scanner_str_set(&r->renewal_eligibility, f->renewal_eligibility), 0);
    assert_int_equal(scanner_str_set(&r->key_algorithm, f->key_algorithm), 0);
    r->not_after = f->not_after;
    r->not_before = f->not_before;
    r->created_at = f->created_at;
    scanner_record_free(f);
    return r;
}

/* A custom domain serving ARN1, uploaded long ago (its rule fires and
 * shows the certificate's status, NotAfter and FailureReason). */
static scanner_record *domain_record(void)
{
    scanner_record *d = scanner_record_new(SCANNER_SRC_APIGW_DOMAIN, ACCT, REG);
    assert_non_null(d);
    assert_int_equal(scanner_str_set(&d->id, "api.example.com"), 0);
    assert_int_equal(scanner_str_set(&d->domain, "api.example.com"), 0);
    assert_int_equal(scanner_str_set(&d->certificate_arn, ARN1), 0);
    d->uploaded_at = AS_OF - 500 * DAY;
    return d;
}

static void judge(scanner_record *acm, int with_domain, const config *cfg,
                  scanner_findings *out)
{
    scanner_record_set set;
    scanner_record_set_init(&set);
    assert_int_equal(scanner_record_set_add(&set, acm), 0);
    if (with_domain)
        assert_int_equal(scanner_record_set_add(&set, domain_record()), 0);
    scanner_findings_init(out);
    assert_int_equal(scanner_rules_judge(&set, cfg, AS_OF, out), 0);
    scanner_record_set_finish(&set);
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* ---- a missing summary field is described -------------------------------- */

static void test_missing_field_describes(void **state)
{
    (void)state;
    /* Healthy, imported, far from expiry: judged from the summary alone. */
    const cert healthy = { "ISSUED", "IMPORTED", "INELIGIBLE", NULL, "RSA_2048", "ENABLED",
                           NULL, 1, 200 };
    static const unsigned fields[] = {
        F(STATUS), F(TYPE), F(NOT_AFTER), F(KEY_ALGORITHM), F(RENEWAL_ELIGIBILITY), F(IN_USE),
        F(CREATED_AT),
    };
    for (size_t i = 0; i < scanner_rule_count(); i++) {
        const char *rule = scanner_rule_at(i)->id;
        unsigned decides = 0;
        scanner_rule_acm_fields(rule, &decides, NULL);
        config cfg;
        config_init(&cfg);
        cfg_only(&cfg, rule);
        /* The probe's rules run only with [probe] on; a certificate not in
         * use (and no [probe] hosts) gives them nothing to compare. */
        int probe = strncmp(rule, "served-", 7) == 0;
        int in_use = probe ? 0 : 1;
        if (probe)
            cfg.probe_enabled = 1;
        scanner_record *s = summary_record(&healthy);
        const char *why = NULL;
        /* All there: nothing to describe (CT reads the option of Amazon-
         * issued certificates only; this one is imported). */
        assert_int_equal(scanner_acm_summary_need(s, SCANNER_F_SUMMARY, in_use, &cfg, AS_OF, &why),
                         SCANNER_ACM_SUMMARY);
        for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
            unsigned present = SCANNER_F_SUMMARY & ~fields[k];
            scanner_acm_need need = scanner_acm_summary_need(s, present, in_use, &cfg, AS_OF,
                                                             &why);
            if ((decides & fields[k]) && need != SCANNER_ACM_FRESH)
                fail_msg("%s: a summary without field %#x is judged (%s)", rule,
                         fields[k], why);
            if (!(decides & fields[k]) && need != SCANNER_ACM_SUMMARY)
                fail_msg("%s: a field it does not read (%#x) triggers a describe (%s)", rule,
                         fields[k], why);
        }
        scanner_record_free(s);
        config_finish(&cfg);
    }
}

/* ---- examples ------------------------------------------------------------- */

static void test_examples(void **state)
{
    (void)state;
    static const struct {
        cert c;
        scanner_acm_need want;
    } cases[] = {
        { { "ISSUED", "IMPORTED", "INELIGIBLE", NULL, "RSA_2048", NULL, NULL, 1, 200 },
          SCANNER_ACM_SUMMARY },
        { { "ISSUED", "IMPORTED", "INELIGIBLE", NULL, "RSA_2048", NULL, NULL, 1, 40 },
          SCANNER_ACM_DETAIL },     /* expiring */
        { { "ISSUED", "IMPORTED", "INELIGIBLE", NULL, "RSA_1024", NULL, NULL, 1, 200 },
          SCANNER_ACM_DETAIL },     /* weak key */
        { { "ISSUED", "IMPORTED", "INELIGIBLE", NULL, "RSA_2048", NULL, NULL, 0, -3 },
          SCANNER_ACM_DETAIL },     /* expired */
        { { "ISSUED", "AMAZON_ISSUED", "ELIGIBLE", "SUCCESS", "RSA_2048", "ENABLED", NULL, 1, 200 },
          SCANNER_ACM_DETAIL },     /* the transparency-logging option */
        { { "ISSUED", "AMAZON_ISSUED", "ELIGIBLE", "PENDING_AUTO_RENEWAL", "RSA_2048", "ENABLED",
            NULL, 1, 50 }, SCANNER_ACM_FRESH },      /* renewal window */
        { { "ISSUED", "PRIVATE", "ELIGIBLE", NULL, "RSA_2048", NULL, NULL, 1, 200 },
          SCANNER_ACM_DETAIL },     /* renewal status */
        { { "PENDING_VALIDATION", "AMAZON_ISSUED", "INELIGIBLE", NULL, "RSA_2048", "ENABLED",
            NULL, 0, 0 }, SCANNER_ACM_FRESH },
        { { "FAILED", "AMAZON_ISSUED", "INELIGIBLE", NULL, "RSA_2048", "ENABLED", "CAA_ERROR",
            0, 0 }, SCANNER_ACM_DETAIL },
        { { "REVOKED", "AMAZON_ISSUED", "INELIGIBLE", NULL, "RSA_1024", "DISABLED", NULL, 1, 10 },
          SCANNER_ACM_SUMMARY },
    };
    config cfg;
    config_init(&cfg);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scanner_record *s = summary_record(&cases[i].c);
        const char *why = NULL;
        scanner_acm_need need = scanner_acm_summary_need(s, SCANNER_F_SUMMARY, cases[i].c.in_use,
                                                         &cfg, AS_OF, &why);
        if (need != cases[i].want)
            fail_msg("case %zu: need %d, want %d (%s)", i, (int)need, (int)cases[i].want, why);
        scanner_record_free(s);
    }
    /* With the rules that could flag it disabled, an Amazon-issued
     * certificate costs nothing. */
    cfg_disable(&cfg, "transparency-logging-disabled");
    cfg_disable(&cfg, "renewal-failing");
    scanner_record *s = summary_record(&cases[4].c);
    assert_int_equal(scanner_acm_summary_need(s, SCANNER_F_SUMMARY, 1, &cfg, AS_OF, NULL),
                     SCANNER_ACM_SUMMARY);
    scanner_record_free(s);
    config_finish(&cfg);
}

/* ---- the grid: judged from the summary == judged from the detail ------- */

static void check_grid(const config *cfg, const char *label, size_t *n_summary)
{
    static const char *const statuses[] = { "ISSUED", "INACTIVE", "EXPIRED", "PENDING_VALIDATION",
                                            "FAILED", "VALIDATION_TIMED_OUT", "REVOKED" };
    static const char *const types[] = { "IMPORTED", "AMAZON_ISSUED", "PRIVATE" };
    static const char *const eligibility[] = { "ELIGIBLE", "INELIGIBLE" };
    static const char *const renewals[] = { NULL, "PENDING_AUTO_RENEWAL", "PENDING_VALIDATION",
                                            "SUCCESS", "FAILED" };
    static const char *const keys[] = { "RSA_2048", "RSA_1024", "EC_prime256v1" };
    static const char *const cts[] = { "ENABLED", "DISABLED" };
    static const int64_t days[] = { -400, -1, 0, 1, 6, 13, 29, 31, 44, 46, 59, 61, 90, 200, 400 };
    for (size_t a = 0; a < sizeof(statuses) / sizeof(*statuses); a++)
    for (size_t b = 0; b < sizeof(types) / sizeof(*types); b++)
    for (size_t e = 0; e < sizeof(eligibility) / sizeof(*eligibility); e++)
    for (size_t rn = 0; rn < sizeof(renewals) / sizeof(*renewals); rn++)
    for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
    for (size_t ct = 0; ct < sizeof(cts) / sizeof(*cts); ct++)
    for (int iu = 0; iu < 2; iu++)
    for (size_t d = 0; d < sizeof(days) / sizeof(*days); d++) {
        /* RenewalSummary exists for Amazon-issued and private certificates
         * only, FailureReason for FAILED ones only (the ACM API reference). */
        if (renewals[rn] && strcmp(types[b], "IMPORTED") == 0)
            continue;
        const cert c = { statuses[a], types[b], eligibility[e], renewals[rn], keys[k], cts[ct],
                         strcmp(statuses[a], "FAILED") == 0 ? "CAA_ERROR" : NULL, iu, days[d] };
        scanner_record *s = summary_record(&c);
        const char *why = NULL;
        scanner_acm_need need = scanner_acm_summary_need(s, SCANNER_F_SUMMARY, iu, cfg, AS_OF,
                                                         &why);
        if (need != SCANNER_ACM_SUMMARY) {
            scanner_record_free(s);
            continue;
        }
        (*n_summary)++;
        for (int with_domain = 0; with_domain < 2; with_domain++) {
            scanner_findings ff, fs;
            judge(full_record(&c), with_domain, cfg, &ff);
            judge(with_domain ? summary_record(&c) : s, with_domain, cfg, &fs);
            for (size_t i = 0; i < ff.n; i++)
                if (ff.v[i].source == SCANNER_SRC_ACM)
                    fail_msg("%s: %s %s %s renewal=%s key=%s ct=%s in_use=%d days=%lld: judged "
                             "from the summary, but its detail raises %s",
                             label, c.status, c.type, c.eligibility, c.renewal ? c.renewal : "-",
                             c.key, c.ct, iu, (long long)c.days, ff.v[i].rule);
            assert_int_equal(ff.n, fs.n);
            for (size_t i = 0; i < ff.n; i++) {
                const scanner_finding *x = &ff.v[i], *y = &fs.v[i];
                if (!same(x->title, y->title) || !same(x->details, y->details) ||
                    !same(x->details_json, y->details_json) || x->severity != y->severity ||
                    x->not_after != y->not_after || strcmp(x->id, y->id) != 0)
                    fail_msg("%s: %s finding differs between summary and detail:\n%s\n%s", label,
                             x->rule, x->details_json, y->details_json);
            }
            scanner_findings_finish(&ff);
            scanner_findings_finish(&fs);
        }
    }
}

static void test_summary_judges_like_detail(void **state)
{
    (void)state;
    size_t n_summary = 0;
    config cfg;
    config_init(&cfg);
    check_grid(&cfg, "defaults", &n_summary);
    assert_true(n_summary > 100);       /* the grid does exercise summaries */
    config_finish(&cfg);

    /* Each rule on its own, and wide custom tiers. */
    for (size_t i = 0; i < scanner_rule_count(); i++) {
        config_init(&cfg);
        cfg_only(&cfg, scanner_rule_at(i)->id);
        check_grid(&cfg, scanner_rule_at(i)->id, &n_summary);
        config_finish(&cfg);
    }
    config_init(&cfg);
    cfg.expiring.medium = 120;
    cfg.expiring_managed.medium = 90;
    cfg.renewal_pending_days = 75;
    check_grid(&cfg, "wide tiers", &n_summary);
    config_finish(&cfg);
}

/* ---- summaries and the plan, with a fake cache ---------------------------- */

#define ARN2 "arn:aws:acm:us-east-1:123456789012:certificate/22222222-2222-3333-4444-555555555555"

/* A ListCertificates answer with one summary as AWS sends it (botocore's
 * CertificateSummary), NotAfter `days` from AS_OF; extra: more members. */
static char *list_body(const char *arn, const char *status, const char *type, const char *key,
                       int64_t days, const char *extra)
{
    static char buf[2048];
    snprintf(buf, sizeof(buf),
             "{\"CertificateSummaryList\":[{\"CertificateArn\":\"%s\",\"DomainName\":"
             "\"example.com\",\"SubjectAlternativeNameSummaries\":[\"example.com\"],"
             "\"HasAdditionalSubjectAlternativeNames\":false,\"Status\":\"%s\",\"Type\":\"%s\","
             "\"KeyAlgorithm\":\"%s\",\"KeyUsages\":[\"DIGITAL_SIGNATURE\"],"
             "\"ExtendedKeyUsages\":[\"TLS_WEB_SERVER_AUTHENTICATION\"],\"InUse\":true,"
             "\"Exported\":false,\"RenewalEligibility\":\"INELIGIBLE\",\"NotBefore\":%lld,"
             "\"NotAfter\":%lld,\"CreatedAt\":%lld,\"ImportedAt\":%lld%s}]}",
             arn, status, type, key, (long long)(AS_OF - 30 * DAY),
             (long long)(AS_OF + days * DAY + 3600), (long long)(AS_OF - 30 * DAY),
             (long long)(AS_OF - 30 * DAY), extra ? extra : "");
    return buf;
}

static void parse_one(const char *body, scanner_acm_summaries *l)
{
    char *next = (char *)"x";
    char err[256] = "";
    scanner_acm_summaries_init(l);
    assert_int_equal(scanner_acm_parse_summaries(body, strlen(body), ACCT, REG, l, &next, err,
                                                 sizeof(err)), 0);
    assert_null(next);
    assert_int_equal(l->n, 1);
}

static void test_parse_summaries(void **state)
{
    (void)state;
    scanner_acm_summaries a, b, c;
    parse_one(list_body(ARN1, "ISSUED", "IMPORTED", "RSA_2048", 200, NULL), &a);
    const scanner_acm_summary *s = &a.v[0];
    assert_int_equal(s->present, SCANNER_F_SUMMARY);
    assert_int_equal(s->in_use, 1);
    assert_string_equal(s->r->arn, ARN1);
    assert_string_equal(s->r->id, "11111111-2222-3333-4444-555555555555");
    assert_string_equal(s->r->status, "ISSUED");
    assert_string_equal(s->r->key_algorithm, "RSA_2048");
    assert_int_equal(s->r->not_after, AS_OF + 200 * DAY + 3600);
    assert_int_equal(strlen(s->fingerprint), 64);
    /* Same summary, same fingerprint; any change (a re-import), another. */
    parse_one(list_body(ARN1, "ISSUED", "IMPORTED", "RSA_2048", 200, NULL), &b);
    assert_string_equal(a.v[0].fingerprint, b.v[0].fingerprint);
    parse_one(list_body(ARN1, "ISSUED", "IMPORTED", "RSA_2048", 201, NULL), &c);
    assert_string_not_equal(a.v[0].fingerprint, c.v[0].fingerprint);
    scanner_acm_summaries_finish(&b);
    scanner_acm_summaries_finish(&c);
    /* moto sends the whole describe in the summary: only the summary's
     * members are read (no transparency option, no in-use list). */
    parse_one(list_body(ARN1, "ISSUED", "AMAZON_ISSUED", "RSA_2048", 200,
                        ",\"Options\":{\"CertificateTransparencyLoggingPreference\":\"DISABLED\"},"
                        "\"InUseBy\":[\"arn:aws:elasticloadbalancing:x\"],"
                        "\"RenewalSummary\":{\"RenewalStatus\":\"FAILED\"}"), &b);
    assert_null(b.v[0].r->ct_logging);
    assert_int_equal(b.v[0].r->n_in_use_by, 0);
    assert_null(b.v[0].r->renewal_status);
    scanner_acm_summaries_finish(&b);
    /* Missing and unreadable fields are not present. */
    const char *thin = "{\"CertificateSummaryList\":[{\"CertificateArn\":\"" ARN1 "\","
                       "\"Status\":\"ISSUED\",\"NotAfter\":\"soon\",\"InUse\":\"yes\"}]}";
    parse_one(thin, &b);
    assert_int_equal(b.v[0].present, SCANNER_F_STATUS);
    assert_int_equal(b.v[0].in_use, -1);
    scanner_acm_summaries_finish(&b);
    scanner_acm_summaries_finish(&a);
}

typedef struct fake_cache {
    int gets;
    int rc;                 /* what get returns */
    char fingerprint[SCANNER_FINGERPRINT_LEN];
    int64_t fetched_at;
    const char *body;
} fake_cache;

static int fake_get(void *ud, const char *arn, char fingerprint[SCANNER_FINGERPRINT_LEN],
                    int64_t *fetched_at, char **body, size_t *len)
{
    fake_cache *f = ud;
    (void)arn;
    f->gets++;
    if (f->rc != 1)
        return f->rc;
    memcpy(fingerprint, f->fingerprint, SCANNER_FINGERPRINT_LEN);
    *fetched_at = f->fetched_at;
    *body = strdup(f->body);
    *len = strlen(f->body);
    return 1;
}

static int fake_put(void *ud, const char *arn, const char *fp, int64_t at, const char *body,
                    size_t len)
{
    (void)ud, (void)arn, (void)fp, (void)at, (void)body, (void)len;
    return 0;
}

static char *describe_body(const char *arn, int64_t days)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"Certificate\":{\"CertificateArn\":\"%s\",\"DomainName\":\"example.com\","
             "\"Status\":\"ISSUED\",\"Type\":\"IMPORTED\",\"KeyAlgorithm\":\"RSA_2048\","
             "\"NotAfter\":%lld,\"InUseBy\":[\"arn:aws:elasticloadbalancing:lb\"],"
             "\"RenewalEligibility\":\"INELIGIBLE\"}}", arn, (long long)(AS_OF + days * DAY + 3600));
    return buf;
}

/* Plans one certificate of `body` against the fake cache. */
static scanner_acm_plan plan(const config *cfg, fake_cache *fc, const char *body,
                             scanner_record **out)
{
    scanner_detail_cache cache = { fake_get, fake_put, fc };
    scanner_acm_reading rd = { cfg, AS_OF, AS_OF + 3600, &cache };
    scanner_acm_summaries l;
    parse_one(body, &l);
    const char *why = NULL;
    scanner_acm_plan p = scanner_acm_plan_one(&rd, &l.v[0], ACCT, REG, out, &why);
    assert_non_null(why);
    scanner_acm_summaries_finish(&l);
    return p;
}

static void test_plan_with_fake_cache(void **state)
{
    (void)state;
    config cfg;
    config_init(&cfg);
    assert_string_equal(cfg.describe, "needed");
    assert_int_equal(cfg.detail_max_age, 7);
    scanner_record *r = NULL;
    fake_cache fc;
    char *expiring = strdup(list_body(ARN1, "ISSUED", "IMPORTED", "RSA_2048", 20, NULL));
    assert_non_null(expiring);
    scanner_acm_summaries l;
    parse_one(expiring, &l);
    char fp[SCANNER_FINGERPRINT_LEN];
    memcpy(fp, l.v[0].fingerprint, sizeof(fp));
    scanner_acm_summaries_finish(&l);
    /* describe_body returns a static buffer: keep copies. */
    char *body1 = strdup(describe_body(ARN1, 20)), *body2 = strdup(describe_body(ARN2, 20));
    assert_non_null(body1);
    assert_non_null(body2);
    const fake_cache valid = { 0, 1, "", AS_OF - 2 * DAY, body1 };

    /* Healthy: the summary, and the cache is not even asked. */
    memset(&fc, 0, sizeof(fc));
    fc.rc = 1;
    assert_int_equal(plan(&cfg, &fc, list_body(ARN1, "ISSUED", "IMPORTED", "RSA_2048", 200, NULL),
                          &r), SCANNER_ACM_PLAN_SUMMARY);
    assert_non_null(r);
    assert_int_equal(r->not_after, AS_OF + 200 * DAY + 3600);
    assert_int_equal(fc.gets, 0);
    scanner_record_free(r);

    /* Expiring, with a valid entry: the cached describe's record. */
    fc = valid;
    memcpy(fc.fingerprint, fp, sizeof(fp));
    assert_int_equal(plan(&cfg, &fc, expiring, &r), SCANNER_ACM_PLAN_CACHED);
    assert_int_equal(fc.gets, 1);
    assert_int_equal(r->n_in_use_by, 1);
    scanner_record_free(r);

    /* Each reason not to trust the entry: describe. */
    struct { const char *what; fake_cache f; int max_age; } bad[] = {
        { "other summary", valid, 7 },
        { "too old", valid, 7 },
        { "from the future", valid, 7 },
        { "max age 0", valid, 0 },
        { "another ARN's answer", valid, 7 },
        { "unreadable body", valid, 7 },
        { "no entry", valid, 7 },
        { "cache error", valid, 7 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(bad[i].f.fingerprint, fp, sizeof(fp));
    }
    bad[0].f.fingerprint[0] = bad[0].f.fingerprint[0] == '0' ? '1' : '0';
    bad[1].f.fetched_at = AS_OF + 3600 - 7 * DAY;
    bad[2].f.fetched_at = AS_OF + 2 * 3600;
    bad[4].f.body = body2;
    bad[5].f.body = "{\"Certificate\":";
    bad[6].f.rc = 0;
    bad[7].f.rc = -5;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.detail_max_age = bad[i].max_age;
        fc = bad[i].f;
        if (plan(&cfg, &fc, expiring, &r) != SCANNER_ACM_PLAN_DESCRIBE || r)
            fail_msg("%s: the cache entry was used", bad[i].what);
    }
    cfg.detail_max_age = 7;

    /* Validation in progress: a fresh describe, the cache is not asked. */
    fc = valid;
    memcpy(fc.fingerprint, fp, sizeof(fp));
    assert_int_equal(plan(&cfg, &fc, list_body(ARN1, "PENDING_VALIDATION", "AMAZON_ISSUED",
                                               "RSA_2048", 20, NULL), &r),
                     SCANNER_ACM_PLAN_DESCRIBE);
    assert_int_equal(fc.gets, 0);

    /* A summary without NotAfter: described. */
    fc.gets = 0;
    const char *thin = "{\"CertificateSummaryList\":[{\"CertificateArn\":\"" ARN1 "\","
                       "\"Status\":\"ISSUED\",\"Type\":\"IMPORTED\",\"KeyAlgorithm\":\"RSA_2048\","
                       "\"InUse\":true,\"RenewalEligibility\":\"INELIGIBLE\",\"CreatedAt\":1}]}";
    assert_int_equal(plan(&cfg, &fc, thin, &r), SCANNER_ACM_PLAN_DESCRIBE);
    assert_int_equal(fc.gets, 0);

    /* describe = all: every certificate, healthy ones too. */
    free(cfg.describe);
    cfg.describe = strdup("all");
    assert_int_equal(plan(&cfg, &fc, list_body(ARN1, "ISSUED", "IMPORTED", "RSA_2048", 200, NULL),
                          &r), SCANNER_ACM_PLAN_DESCRIBE);
    assert_null(r);
    free(expiring);
    free(body1);
    free(body2);
    config_finish(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_table),
        cmocka_unit_test(test_missing_field_describes),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_summary_judges_like_detail),
        cmocka_unit_test(test_parse_summaries),
        cmocka_unit_test(test_plan_with_fake_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: reading less for API Gateway (issue 14) — which fields each
 * rule reads of the API Gateway records (scanner_rule_apigw_fields), when
 * an account-region's REST API stages are read (scanner_apigw_stages_need,
 * scanner_apigw_stages_plan), and that whenever they are not read the
 * findings are exactly those of a run that read them, over a grid of
 * client certificates, stages and configurations. */
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
#include "scanner/resolve.h"
#include "scanner/rules.h"
#include "rules_cfg.h"

#define AS_OF ((int64_t)1795430728)     /* 2026-11-23T10:45:28Z */
#define DAY   ((int64_t)86400)
#define ACCT  "123456789012"
#define REG   "eu-west-1"

#define AF(x) SCANNER_AF_##x

/* ---- the table ----------------------------------------------------------- */

static void test_field_table(void **state)
{
    (void)state;
    static const struct {
        const char *rule;
        unsigned decides, judges;
    } want[] = {
        { "expired", 0, 0 },
        { "expiring", 0, 0 },
        { "validation-incomplete", 0, 0 },
        { "renewal-failing", 0, 0 },
        { "not-renewable", 0, 0 },
        /* Decides on expirationDate; its finding lists the stages using
         * the certificate. */
        { "client-certificate-rotation", AF(CC_EXPIRES),
          AF(CC_ID) | AF(CC_CREATED) | AF(CC_EXPIRES) | AF(STAGES) },
        { "domain-certificate", AF(DOMAIN_STATUS) | AF(DOMAIN_CERT) | AF(DOMAIN_UPLOADED),
          AF(DOMAIN_STATUS) | AF(DOMAIN_CERT) | AF(DOMAIN_UPLOADED) },
        { "iam-server-certificate", 0, 0 },
        /* Decides on every stage's client certificate and on the ids
         * listed: a stage naming one that does not exist is its finding. */
        { "stage-client-certificate", AF(STAGES) | AF(CC_ID), AF(STAGES) | AF(CC_ID) },
        { "weak-key", 0, 0 },
        { "transparency-logging-disabled", 0, 0 },
        { "renewal-at-risk", 0, 0 },
        /* The probe reads custom domain names to find endpoints, not to
         * judge: its findings come from the served leaf and ACM. */
        { "served-certificate-mismatch", 0, 0 },
        { "served-certificate-expiring", 0, 0 },
        { "served-chain-invalid", 0, 0 },
    };
    const unsigned apigw_sources = 1u << SCANNER_SRC_APIGW_CLIENT_CERT |
                                   1u << SCANNER_SRC_APIGW_DOMAIN |
                                   1u << SCANNER_SRC_APIGWV2_DOMAIN |
                                   1u << SCANNER_SRC_APIGW_STAGE;
    assert_int_equal(sizeof(want) / sizeof(want[0]), scanner_rule_count());
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        unsigned d = 99, u = 99;
        int reads = scanner_rule_apigw_fields(want[i].rule, &d, &u);
        if (d != want[i].decides || u != want[i].judges)
            fail_msg("%s: decides %#x judges %#x, want %#x %#x", want[i].rule, d, u,
                     want[i].decides, want[i].judges);
        assert_int_equal(reads, want[i].judges != 0);
        assert_int_equal(d & ~u, 0);                /* what decides is read */
        /* The table agrees with the sources each rule reads (resolve.h). */
        int judges_apigw = (scanner_rule_needs(want[i].rule, -1) & apigw_sources) != 0;
        if (judges_apigw != (u != 0))
            fail_msg("%s: reads API Gateway sources %d, fields %#x", want[i].rule,
                     judges_apigw, u);
    }
    assert_int_equal(scanner_rule_apigw_fields("no-such-rule", NULL, NULL), 0);
    /* Every field but the stages comes with the list answers. */
    assert_int_equal(SCANNER_AF_LIST & AF(STAGES), 0);
}

/* ---- records ------------------------------------------------------------- */

static scanner_record *client_cert(const char *id, int64_t days)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_CLIENT_CERT, ACCT, REG);
    char arn[256];
    assert_non_null(r);
    snprintf(arn, sizeof(arn), "arn:aws:apigateway:%s::/clientcertificates/%s", REG, id);
    assert_int_equal(scanner_str_set(&r->id, id), 0);
    assert_int_equal(scanner_str_set(&r->arn, arn), 0);
    r->not_after = AS_OF + days * DAY + 3600;
    r->created_at = r->not_before = r->not_after - 365 * DAY;
    return r;
}

static scanner_record *stage(const char *api_stage, const char *cc)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_STAGE, ACCT, REG);
    char arn[256];
    assert_non_null(r);
    snprintf(arn, sizeof(arn), "arn:aws:apigateway:%s::/restapis/%s", REG, api_stage);
    assert_int_equal(scanner_str_set(&r->id, api_stage), 0);
    assert_int_equal(scanner_str_set(&r->arn, arn), 0);
    assert_int_equal(scanner_str_set(&r->client_certificate_id, cc), 0);
    r->created_at = AS_OF - 30 * DAY;
    return r;
}

static scanner_record *domain(const char *name, int64_t uploaded_days_ago)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_DOMAIN, ACCT, REG);
    assert_non_null(r);
    assert_int_equal(scanner_str_set(&r->id, name), 0);
    assert_int_equal(scanner_str_set(&r->domain, name), 0);
    assert_int_equal(scanner_str_set(&r->status, "AVAILABLE"), 0);
    r->uploaded_at = AS_OF - uploaded_days_ago * DAY;
    return r;
}

static void add(scanner_record_set *s, scanner_record *r)
{
    assert_int_equal(scanner_record_set_add(s, r), 0);
}

/* ---- when the stages are read -------------------------------------------- */

static scanner_stage_need need_of(const config *cfg, const int64_t *days, size_t n)
{
    scanner_record_set s;
    scanner_record_set_init(&s);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "cc%zu", i);
        add(&s, client_cert(id, days[i]));
    }
    add(&s, domain("api.example.com", 500));    /* other records change nothing */
    const char *why = NULL;
    scanner_stage_need need = scanner_apigw_stages_need(&s, cfg, AS_OF, &why);
    assert_non_null(why);
    scanner_record_set_finish(&s);
    return need;
}

static void test_need_per_rule(void **state)
{
    (void)state;
    static const int64_t healthy[] = { 300, 200 }, due[] = { 300, 20 }, expired[] = { -5 };
    for (size_t i = 0; i < scanner_rule_count(); i++) {
        const char *rule = scanner_rule_at(i)->id;
        config cfg;
        config_init(&cfg);
        cfg_only(&cfg, rule);
        unsigned d = 0, u = 0;
        scanner_rule_apigw_fields(rule, &d, &u);
        const char *why = NULL;
        scanner_stage_need early = scanner_apigw_stages_need(NULL, &cfg, AS_OF, &why);
        scanner_stage_need n_none = need_of(&cfg, NULL, 0);
        scanner_stage_need n_healthy = need_of(&cfg, healthy, 2);
        scanner_stage_need n_due = need_of(&cfg, due, 2);
        scanner_stage_need n_expired = need_of(&cfg, expired, 1);
        if (d & AF(STAGES)) {
            /* Decides on the stages: read, whatever the certificates. */
            assert_int_equal(early, SCANNER_STAGES_READ);
            assert_int_equal(n_none, SCANNER_STAGES_READ);
            assert_int_equal(n_healthy, SCANNER_STAGES_READ);
        } else if (u & AF(STAGES)) {
            /* Shows them: after the listing, only for a certificate with a
             * finding. */
            assert_int_equal(early, SCANNER_STAGES_WAIT);
            assert_int_equal(n_none, SCANNER_STAGES_SKIP);
            assert_int_equal(n_healthy, SCANNER_STAGES_SKIP);
            assert_int_equal(n_due, SCANNER_STAGES_READ);
            assert_int_equal(n_expired, SCANNER_STAGES_READ);
        } else {
            /* Never reads them: not even GetRestApis. */
            assert_int_equal(early, SCANNER_STAGES_SKIP);
            assert_int_equal(n_none, SCANNER_STAGES_SKIP);
            assert_int_equal(n_due, SCANNER_STAGES_SKIP);
            assert_int_equal(n_expired, SCANNER_STAGES_SKIP);
        }
        config_finish(&cfg);
    }

    /* Defaults: stage-client-certificate is on, so the stages are read. */
    config cfg;
    config_init(&cfg);
    assert_int_equal(scanner_apigw_stages_need(NULL, &cfg, AS_OF, NULL), SCANNER_STAGES_READ);
    assert_int_equal(need_of(&cfg, NULL, 0), SCANNER_STAGES_READ);
    /* Without it, the rotation tiers decide (45 days by default). */
    cfg_disable(&cfg, "stage-client-certificate");
    assert_int_equal(scanner_apigw_stages_need(NULL, &cfg, AS_OF, NULL), SCANNER_STAGES_WAIT);
    static const int64_t d46[] = { 46 }, d45[] = { 45 };
    assert_int_equal(need_of(&cfg, d46, 1), SCANNER_STAGES_SKIP);
    assert_int_equal(need_of(&cfg, d45, 1), SCANNER_STAGES_READ);
    cfg.client_certificate.medium = 0;          /* tiers 30 / 7 */
    assert_int_equal(need_of(&cfg, d45, 1), SCANNER_STAGES_SKIP);
    config_finish(&cfg);
}

static void test_plan(void **state)
{
    (void)state;
    config cfg;
    config_init(&cfg);
    cfg_disable(&cfg, "stage-client-certificate");
    cfg_disable(&cfg, "client-certificate-rotation");
    scanner_apigw_reading rd = { &cfg, AS_OF };
    const char *why = NULL;
    assert_int_equal(scanner_apigw_stages_plan(&rd, NULL, &why), SCANNER_STAGES_SKIP);
    /* describe = all reads them whatever the rules, as before. */
    free(cfg.describe);
    cfg.describe = strdup("all");
    assert_non_null(cfg.describe);
    assert_int_equal(scanner_apigw_stages_plan(&rd, NULL, &why), SCANNER_STAGES_READ);
    assert_string_equal(why, "[scan] describe = all");
    assert_int_equal(scanner_apigw_stages_plan(NULL, NULL, &why), SCANNER_STAGES_READ);
    config_finish(&cfg);
}

/* ---- the grid: not reading the stages never changes a finding ------------- */

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The findings of the records made by `make`, judged with (read) or
 * without the stages (not read: the source left incomplete, as the
 * collector leaves it). */
typedef struct grid_case {
    int64_t days[2];
    size_t n_certs;
    unsigned stages;                /* bits: 1 uses cc0, 2 dangling id, 4 none, 8 uses cc1 */
} grid_case;

static void build(const grid_case *g, int with_stages, scanner_record_set *s)
{
    scanner_record_set_init(s);
    for (size_t i = 0; i < g->n_certs; i++) {
        char id[32];
        snprintf(id, sizeof(id), "cc%zu", i);
        add(s, client_cert(id, g->days[i]));
    }
    add(s, domain("api.example.com", 500));
    if (!with_stages) {
        scanner_record_set_mark_incomplete(s, SCANNER_SRC_APIGW_STAGE);
        return;
    }
    if (g->stages & 1)
        add(s, stage("api1/prod", "cc0"));
    if (g->stages & 2)
        add(s, stage("api1/beta", "gone42"));
    if (g->stages & 4)
        add(s, stage("api2/prod", ""));
    if (g->stages & 8)
        add(s, stage("api2/beta", "cc1"));
}

static void judge(const grid_case *g, int with_stages, const config *cfg,
                  scanner_findings *out)
{
    scanner_record_set s;
    build(g, with_stages, &s);
    scanner_findings_init(out);
    assert_int_equal(scanner_rules_judge(&s, cfg, AS_OF, out), 0);
    scanner_record_set_finish(&s);
}

static int findings_equal(const scanner_findings *a, const scanner_findings *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const scanner_finding *x = &a->v[i], *y = &b->v[i];
        if (strcmp(x->id, y->id) != 0 || !same(x->rule, y->rule) ||
            x->severity != y->severity || x->not_after != y->not_after ||
            x->days_to_expiry != y->days_to_expiry || !same(x->title, y->title) ||
            !same(x->details, y->details) || !same(x->details_json, y->details_json) ||
            !same(x->resource_arn, y->resource_arn) || !same(x->console_url, y->console_url))
            return 0;
    }
    return 1;
}

/* For every grid case: when the stages would not be read, the findings
 * are those of a run that read them, field by field.  Counts the cases
 * skipped and the cases read whose findings do depend on the stages. */
static void check_grid(const config *cfg, const char *label, size_t *n_skip,
                       size_t *n_depends)
{
    static const int64_t days[] = { -5, 0, 6, 13, 29, 31, 44, 46, 200 };
    const size_t nd = sizeof(days) / sizeof(days[0]);
    for (size_t nc = 0; nc <= 2; nc++)
    for (size_t a = 0; a < (nc >= 1 ? nd : 1); a++)
    for (size_t b = 0; b < (nc >= 2 ? nd : 1); b++)
    for (unsigned st = 0; st < 16; st++) {
        grid_case g = { { days[a], days[b] }, nc, st };
        scanner_record_set listed;
        build(&g, 0, &listed);
        scanner_stage_need need = scanner_apigw_stages_need(&listed, cfg, AS_OF, NULL);
        scanner_record_set_finish(&listed);
        assert_int_not_equal(need, SCANNER_STAGES_WAIT);
        scanner_findings with, without;
        judge(&g, 1, cfg, &with);
        judge(&g, 0, cfg, &without);
        int eq = findings_equal(&with, &without);
        if (need == SCANNER_STAGES_SKIP) {
            (*n_skip)++;
            if (!eq)
                fail_msg("%s: %zu certificates (days %lld, %lld), stages %#x: not reading the "
                         "stages changes the findings (%zu with, %zu without)", label, nc,
                         (long long)g.days[0], (long long)g.days[1], st, with.n, without.n);
        } else if (!eq) {
            (*n_depends)++;
        }
        scanner_findings_finish(&with);
        scanner_findings_finish(&without);
    }
}

static void test_skipping_keeps_findings(void **state)
{
    (void)state;
    size_t n_skip = 0, n_depends = 0;
    config cfg;
    for (size_t i = 0; i < scanner_rule_count(); i++) {
        config_init(&cfg);
        cfg_only(&cfg, scanner_rule_at(i)->id);
        check_grid(&cfg, scanner_rule_at(i)->id, &n_skip, &n_depends);
        cfg.stage_without_client_certificate = 1;
        check_grid(&cfg, scanner_rule_at(i)->id, &n_skip, &n_depends);
        config_finish(&cfg);
    }
    config_init(&cfg);
    check_grid(&cfg, "defaults", &n_skip, &n_depends);
    cfg_disable(&cfg, "stage-client-certificate");
    check_grid(&cfg, "stage rule off", &n_skip, &n_depends);
    cfg.client_certificate.medium = 100;
    cfg.client_certificate.high = 0;
    check_grid(&cfg, "stage rule off, wide tiers", &n_skip, &n_depends);
    config_finish(&cfg);
    /* The grid does skip, and does hold cases whose findings need the
     * stages (where they are read): the comparison can fail. */
    assert_true(n_skip > 1000);
    assert_true(n_depends > 100);
}

/* Coverage: a target whose stages were not read does not count them as
 * read, so a stage finding of an earlier run is never resolved on them. */
static void test_skipped_stages_resolve_nothing(void **state)
{
    (void)state;
    config cfg;
    config_init(&cfg);
    scanner_record_set s;
    scanner_record_set_init(&s);
    scanner_record_set_mark_incomplete(&s, SCANNER_SRC_APIGW_STAGE);
    unsigned collected = 1u << SCANNER_SRC_APIGW_CLIENT_CERT | 1u << SCANNER_SRC_APIGW_STAGE |
                         1u << SCANNER_SRC_APIGW_DOMAIN;
    scanner_coverage cov;
    scanner_coverage_init(&cov);
    /* What scan.c records for a target: collected less incomplete. */
    assert_int_equal(scanner_coverage_add(&cov, ACCT, REG, collected & ~s.incomplete), 0);
    assert_int_equal(scanner_resolvable(&cov, &cfg, 0, ACCT, REG, "stage-client-certificate",
                                        SCANNER_SRC_APIGW_STAGE), 0);
    /* The client certificates were read: their rotation findings resolve. */
    assert_int_equal(scanner_resolvable(&cov, &cfg, 0, ACCT, REG, "client-certificate-rotation",
                                        SCANNER_SRC_APIGW_CLIENT_CERT), 1);
    scanner_coverage_finish(&cov);
    scanner_record_set_finish(&s);
    config_finish(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_table),
        cmocka_unit_test(test_need_per_rule),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_skipping_keeps_findings),
        cmocka_unit_test(test_skipped_stages_resolve_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

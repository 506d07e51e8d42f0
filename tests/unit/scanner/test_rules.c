/* Unit tests: scanner/rules.c (the judge), offline and table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "scanner/rules.h"
#include "rules_cfg.h"

#define AS_OF ((int64_t)1795430728)     /* 2026-11-23T10:45:28Z */
#define DAY   ((int64_t)86400)
#define ACCT  "123456789012"
#define REG   "us-east-1"
#define ARN1  "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"

/* The built-in defaults (config_init), checked against the published
 * checks this replaces so a changed default shows up here. */
static void cfg_defaults(config *c)
{
    config_init(c);
    assert_int_equal(c->expiring.medium, 45);
    assert_int_equal(c->expiring.high, 30);
    assert_int_equal(c->expiring.critical, 7);
    assert_int_equal(c->expiring_managed.medium, 30);
    assert_int_equal(c->expiring_managed.high, 14);
    assert_int_equal(c->expiring_managed.critical, 7);
    assert_int_equal(c->client_certificate.medium, 45);
    assert_int_equal(c->iam_server_certificate.medium, 45);
    assert_int_equal(c->pending_validation_max_days, 3);
    assert_int_equal(c->renewal_pending_days, 30);
    assert_int_equal(c->domain_upload_max_days, 395);
    assert_int_equal(c->stage_without_client_certificate, 0);
    assert_int_equal(c->disabled_rules.n, 0);
}

static scanner_record *acm(const char *status, const char *type,
                           const char *eligibility, const char *renewal,
                           int in_use, int64_t not_after)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, ACCT, REG);
    assert_non_null(r);
    assert_int_equal(scanner_str_set(&r->arn, ARN1), 0);
    assert_int_equal(scanner_str_set(&r->domain, "example.com"), 0);
    assert_int_equal(scanner_str_set(&r->status, status), 0);
    assert_int_equal(scanner_str_set(&r->type, type), 0);
    assert_int_equal(scanner_str_set(&r->renewal_eligibility, eligibility), 0);
    assert_int_equal(scanner_str_set(&r->renewal_status, renewal), 0);
    assert_int_equal(scanner_str_set(&r->key_algorithm, "RSA_2048"), 0);
    assert_int_equal(scanner_str_set(&r->ct_logging, "ENABLED"), 0);
    for (int i = 0; i < in_use; i++) {
        char arn[128];
        snprintf(arn, sizeof(arn),
                 "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb%d/abc", i);
        assert_int_equal(scanner_record_add_in_use(r, arn), 0);
    }
    r->not_after = not_after;
    r->not_before = not_after ? not_after - 395 * DAY : 0;
    r->created_at = AS_OF - 400 * DAY;
    return r;
}

static const char *nz_s(const char *s)
{
    return s ? s : "(null)";
}

/* "rule:SEV,rule:SEV" in emission order. */
static void summarize(const scanner_findings *f, char *buf, size_t n)
{
    buf[0] = '\0';
    for (size_t i = 0; i < f->n; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s:%s", i ? "," : "", f->v[i].rule,
                 scanner_severity_name(f->v[i].severity));
    }
}

/* Judges r alone (and frees it) into f (initialised here). */
static void judge_alone(scanner_record *r, const config *c, scanner_findings *f)
{
    scanner_record_set set;
    scanner_record_set_init(&set);
    scanner_findings_init(f);
    assert_int_equal(scanner_record_set_add(&set, r), 0);
    assert_int_equal(scanner_rules_judge(&set, c, AS_OF, f), 0);
    scanner_record_set_finish(&set);
}

static void judge_one(scanner_record *r, const config *c, char *buf, size_t n,
                      scanner_findings *keep)
{
    scanner_findings f;
    judge_alone(r, c, &f);
    summarize(&f, buf, n);
    /* Every finding carries the fields sinks rely on. */
    for (size_t i = 0; i < f.n; i++) {
        const scanner_finding *fd = &f.v[i];
        char id[65];
        scanner_finding_id(ACCT, REG, ARN1, fd->rule, id);
        assert_string_equal(fd->id, id);
        assert_string_equal(fd->account_id, ACCT);
        assert_string_equal(fd->region, REG);
        assert_string_equal(fd->resource_arn, ARN1);
        assert_string_equal(fd->resource_type, "AwsCertificateManagerCertificate");
        assert_non_null(scanner_rule_find(fd->rule));
        assert_ptr_equal(fd->remediation, scanner_rule_find(fd->rule)->remediation);
        assert_true(strlen(fd->title) > 0);
        assert_true(strlen(fd->details) > 0);
        assert_int_not_equal(fd->details[strlen(fd->details) - 1], '\n');
        json_object *j = json_tokener_parse(fd->details_json);
        assert_non_null(j);
        assert_true(json_object_is_type(j, json_type_object));
        json_object_put(j);
        if (fd->not_after)
            assert_int_equal(fd->days_to_expiry, scanner_days_until(fd->not_after, AS_OF));
    }
    if (keep)
        *keep = f;
    else
        scanner_findings_finish(&f);
}

typedef struct acm_case {
    const char *name;
    const char *status, *type, *eligibility, *renewal;
    int in_use;
    int64_t not_after;          /* relative to AS_OF; INT64_MIN: unknown (0) */
    const char *key_algorithm;  /* NULL: RSA_2048 */
    const char *ct;             /* NULL: ENABLED */
    int64_t created_ago;        /* 0: 400 days; -1: unknown */
    const char *disabled;       /* a rule to disable */
    const char *expect;
} acm_case;

#define NA INT64_MIN
#define IMP "ISSUED", "IMPORTED", "INELIGIBLE", NULL, 1
#define MGD "ISSUED", "AMAZON_ISSUED", "ELIGIBLE", NULL, 1

static const acm_case acm_cases[] = {
    /* imported: full tiers 45/30/7 */
    { "imported 46d", IMP, 46 * DAY, NULL, NULL, 0, NULL, "" },
    { "imported 45d23h", IMP, 46 * DAY - 1, NULL, NULL, 0, NULL, "expiring:MEDIUM" },
    { "imported 45d", IMP, 45 * DAY, NULL, NULL, 0, NULL, "expiring:MEDIUM" },
    { "imported 31d", IMP, 31 * DAY, NULL, NULL, 0, NULL, "expiring:MEDIUM" },
    { "imported 30d", IMP, 30 * DAY, NULL, NULL, 0, NULL, "expiring:HIGH" },
    { "imported 8d", IMP, 8 * DAY, NULL, NULL, 0, NULL, "expiring:HIGH" },
    { "imported 7d23h", IMP, 8 * DAY - 1, NULL, NULL, 0, NULL, "expiring:CRITICAL" },
    { "imported 7d", IMP, 7 * DAY, NULL, NULL, 0, NULL, "expiring:CRITICAL" },
    { "imported 1s", IMP, 1, NULL, NULL, 0, NULL, "expiring:CRITICAL" },
    { "imported at as_of", IMP, 0, NULL, NULL, 0, NULL, "expired:CRITICAL" },
    { "imported expired 1s", IMP, -1, NULL, NULL, 0, NULL, "expired:CRITICAL" },
    { "imported expired 1y", IMP, -365 * DAY, NULL, NULL, 0, NULL, "expired:CRITICAL" },
    { "INACTIVE 10d", "INACTIVE", "IMPORTED", NULL, NULL, 0, 10 * DAY, NULL, NULL, 0, NULL,
      "expiring:HIGH" },
    { "status EXPIRED", "EXPIRED", "AMAZON_ISSUED", "INELIGIBLE", NULL, 0, -10 * DAY, NULL,
      NULL, 0, NULL, "expired:CRITICAL" },
    { "status EXPIRED, no date", "EXPIRED", "IMPORTED", NULL, NULL, 0, NA, NULL, NULL, 0,
      NULL, "expired:CRITICAL" },
    { "REVOKED past expiry", "REVOKED", "AMAZON_ISSUED", "INELIGIBLE", NULL, 1, -10 * DAY,
      "RSA_1024", "DISABLED", 0, NULL, "" },
    { "ISSUED without NotAfter", IMP, NA, NULL, NULL, 0, NULL, "" },

    /* managed: ACM renews by itself, tiers 30/14/7 */
    { "managed 31d", MGD, 31 * DAY, NULL, NULL, 0, NULL, "" },
    { "managed 30d", MGD, 30 * DAY, NULL, NULL, 0, NULL, "expiring:MEDIUM" },
    { "managed 15d", MGD, 15 * DAY, NULL, NULL, 0, NULL, "expiring:MEDIUM" },
    { "managed 14d", MGD, 14 * DAY, NULL, NULL, 0, NULL, "expiring:HIGH" },
    { "managed 7d", MGD, 7 * DAY, NULL, NULL, 0, NULL, "expiring:CRITICAL" },
    { "managed expired", MGD, -DAY, NULL, NULL, 0, NULL, "expired:CRITICAL" },
    { "private managed 20d", "ISSUED", "PRIVATE", "ELIGIBLE", NULL, 1, 20 * DAY, NULL, NULL,
      0, NULL, "expiring:MEDIUM" },
    { "managed, renewal pending 30d", "ISSUED", "AMAZON_ISSUED", "ELIGIBLE",
      "PENDING_VALIDATION", 1, 30 * DAY, NULL, NULL, 0, NULL,
      "expiring:MEDIUM,renewal-failing:HIGH" },
    { "managed, renewal pending 31d", "ISSUED", "AMAZON_ISSUED", "ELIGIBLE",
      "PENDING_VALIDATION", 1, 31 * DAY, NULL, NULL, 0, NULL, "" },
    { "managed, renewal auto 20d", "ISSUED", "AMAZON_ISSUED", "ELIGIBLE",
      "PENDING_AUTO_RENEWAL", 1, 20 * DAY, NULL, NULL, 0, NULL, "expiring:MEDIUM" },
    /* renewal FAILED: full tiers, plus renewal-failing (not not-renewable) */
    { "renewal failed 20d", "ISSUED", "AMAZON_ISSUED", "ELIGIBLE", "FAILED", 1, 20 * DAY,
      NULL, NULL, 0, NULL, "expiring:HIGH,renewal-failing:HIGH" },
    { "renewal failed 100d", "ISSUED", "AMAZON_ISSUED", "ELIGIBLE", "FAILED", 1, 100 * DAY,
      NULL, NULL, 0, NULL, "renewal-failing:HIGH" },

    /* Amazon-issued that ACM will not renew: full tiers + not-renewable */
    { "not in use 31d", "ISSUED", "AMAZON_ISSUED", "ELIGIBLE", NULL, 0, 31 * DAY, NULL, NULL,
      0, NULL, "expiring:MEDIUM,not-renewable:LOW" },
    { "not in use 45d", "ISSUED", "AMAZON_ISSUED", "INELIGIBLE", NULL, 0, 45 * DAY, NULL,
      NULL, 0, NULL, "expiring:MEDIUM,not-renewable:LOW" },
    { "not in use 46d", "ISSUED", "AMAZON_ISSUED", "INELIGIBLE", NULL, 0, 46 * DAY, NULL,
      NULL, 0, NULL, "" },
    { "ineligible in use 20d", "ISSUED", "AMAZON_ISSUED", "INELIGIBLE", NULL, 2, 20 * DAY,
      NULL, NULL, 0, NULL, "expiring:HIGH,not-renewable:MEDIUM" },
    { "imported is never not-renewable", "ISSUED", "IMPORTED", "INELIGIBLE", NULL, 0,
      20 * DAY, NULL, NULL, 0, NULL, "expiring:HIGH" },

    /* validation */
    { "pending 3d", "PENDING_VALIDATION", "AMAZON_ISSUED", NULL, NULL, 0, NA, NULL, NULL,
      3 * DAY, NULL, "" },
    { "pending 3d+1s", "PENDING_VALIDATION", "AMAZON_ISSUED", NULL, NULL, 0, NA, NULL, NULL,
      3 * DAY + 1, NULL, "validation-incomplete:MEDIUM" },
    { "pending, age unknown", "PENDING_VALIDATION", "AMAZON_ISSUED", NULL, NULL, 0, NA, NULL,
      NULL, -1, NULL, "" },
    { "timed out", "VALIDATION_TIMED_OUT", "AMAZON_ISSUED", NULL, NULL, 0, NA, NULL, NULL,
      0, NULL, "validation-incomplete:MEDIUM" },
    { "failed", "FAILED", "AMAZON_ISSUED", NULL, NULL, 0, NA, "RSA_1024", "DISABLED", 0, NULL,
      "validation-incomplete:MEDIUM" },

    /* key and CT */
    { "RSA_1024 live", IMP, 100 * DAY, "RSA_1024", NULL, 0, NULL, "weak-key:LOW" },
    { "RSA_1024 expired", IMP, -DAY, "RSA_1024", NULL, 0, NULL, "expired:CRITICAL" },
    { "EC key", IMP, 100 * DAY, "EC_prime256v1", NULL, 0, NULL, "" },
    { "CT disabled", MGD, 100 * DAY, NULL, "DISABLED", 0, NULL,
      "transparency-logging-disabled:LOW" },
    { "CT disabled pending", "PENDING_VALIDATION", "AMAZON_ISSUED", NULL, NULL, 0, NA, NULL,
      "DISABLED", 1 * DAY, NULL, "transparency-logging-disabled:LOW" },
    { "CT disabled imported", IMP, 100 * DAY, NULL, "DISABLED", 0, NULL, "" },
    { "CT + weak + expiring", MGD, 7 * DAY, "RSA_1024", "DISABLED", 0, NULL,
      "expiring:CRITICAL,weak-key:LOW,transparency-logging-disabled:LOW" },

    /* disabled rules */
    { "expiring disabled", IMP, 10 * DAY, NULL, NULL, 0, "expiring", "" },
    { "expired disabled", IMP, -DAY, NULL, NULL, 0, "expired", "" },
    { "not-renewable disabled", "ISSUED", "AMAZON_ISSUED", "INELIGIBLE", NULL, 0, 20 * DAY,
      NULL, NULL, 0, "not-renewable", "expiring:HIGH" },
    { "weak-key disabled", IMP, 100 * DAY, "RSA_1024", NULL, 0, "weak-key", "" },
    { "other rule disabled", IMP, 10 * DAY, NULL, NULL, 0, "weak-key", "expiring:HIGH" },
};

static void acm_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(acm_cases) / sizeof(acm_cases[0]); i++) {
        const acm_case *tc = &acm_cases[i];
        config c;
        char got[512];
        cfg_defaults(&c);
        if (tc->disabled)
            cfg_disable(&c, tc->disabled);
        scanner_record *r = acm(tc->status, tc->type, tc->eligibility, tc->renewal,
                                tc->in_use, tc->not_after == NA ? 0 : AS_OF + tc->not_after);
        if (tc->key_algorithm)
            assert_int_equal(scanner_str_set(&r->key_algorithm, tc->key_algorithm), 0);
        if (tc->ct)
            assert_int_equal(scanner_str_set(&r->ct_logging, tc->ct), 0);
        if (tc->created_ago > 0)
            r->created_at = AS_OF - tc->created_ago;
        else if (tc->created_ago < 0)
            r->created_at = 0;
        judge_one(r, &c, got, sizeof(got), NULL);
        if (strcmp(got, tc->expect) != 0)
            fail_msg("case '%s': expected '%s', got '%s'", tc->name, tc->expect, got);
        config_finish(&c);
    }
}

static void days_until_truncates(void **state)
{
    (void)state;
    assert_int_equal(scanner_days_until(AS_OF, AS_OF), 0);
    assert_int_equal(scanner_days_until(AS_OF + 1, AS_OF), 0);
    assert_int_equal(scanner_days_until(AS_OF + DAY - 1, AS_OF), 0);
    assert_int_equal(scanner_days_until(AS_OF + DAY, AS_OF), 1);
    assert_int_equal(scanner_days_until(AS_OF - 1, AS_OF), 0);
    assert_int_equal(scanner_days_until(AS_OF - DAY + 1, AS_OF), 0);
    assert_int_equal(scanner_days_until(AS_OF - DAY, AS_OF), -1);
    assert_int_equal(scanner_days_until(AS_OF - 9 * DAY + 1, AS_OF), -8);
    assert_int_equal(scanner_days_until(0, AS_OF), -20780);   /* 1795430728/86400 = 20780.4 */
}

static void tiers(void **state)
{
    (void)state;
    config_tiers t = { 45, 30, 7 };
    scanner_severity s;
    assert_int_equal(scanner_tier_severity(&t, 46, &s), 0);
    assert_int_equal(scanner_tier_severity(&t, 45, &s), 1);
    assert_int_equal(s, SCANNER_SEV_MEDIUM);
    assert_int_equal(scanner_tier_severity(&t, 30, &s), 1);
    assert_int_equal(s, SCANNER_SEV_HIGH);
    assert_int_equal(scanner_tier_severity(&t, 7, &s), 1);
    assert_int_equal(s, SCANNER_SEV_CRITICAL);
    assert_int_equal(scanner_tier_severity(&t, -3, &s), 1);
    assert_int_equal(s, SCANNER_SEV_CRITICAL);
    /* A tier of 0 is off. */
    config_tiers off = { 45, 0, 0 };
    assert_int_equal(scanner_tier_severity(&off, 1, &s), 1);
    assert_int_equal(s, SCANNER_SEV_MEDIUM);
    config_tiers none = { 0, 0, 0 };
    assert_int_equal(scanner_tier_severity(&none, 0, &s), 0);

    /* Through the judge: with the MEDIUM tier off, 40 days is clean. */
    config c;
    char got[256];
    cfg_defaults(&c);
    c.expiring.medium = 0;
    judge_one(acm(IMP, AS_OF + 40 * DAY), &c, got, sizeof(got), NULL);
    assert_string_equal(got, "");
    judge_one(acm(IMP, AS_OF + 30 * DAY), &c, got, sizeof(got), NULL);
    assert_string_equal(got, "expiring:HIGH");
    config_finish(&c);
}

static void rule_table(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "expired", "expiring", "validation-incomplete", "renewal-failing",
        "not-renewable", "client-certificate-rotation", "domain-certificate",
        "iam-server-certificate", "stage-client-certificate", "weak-key",
        "transparency-logging-disabled", "renewal-at-risk",
        "served-certificate-mismatch", "served-certificate-expiring", "served-chain-invalid",
    };
    assert_int_equal(scanner_rule_count(), sizeof(ids) / sizeof(ids[0]));
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        const scanner_rule *r = scanner_rule_find(ids[i]);
        assert_non_null(r);
        assert_string_equal(r->id, ids[i]);
        assert_true(strlen(r->title) > 0);
        assert_true(strlen(r->description) > 20);
        assert_true(strlen(r->remediation) > 20);
    }
    for (size_t i = 0; i < scanner_rule_count(); i++)
        assert_ptr_equal(scanner_rule_find(scanner_rule_at(i)->id), scanner_rule_at(i));
    assert_null(scanner_rule_at(scanner_rule_count()));
    assert_null(scanner_rule_find("nope"));
    assert_null(scanner_rule_find(NULL));
    assert_int_equal(scanner_rule_find("expired")->severity, SCANNER_SEV_CRITICAL);
    assert_int_equal(scanner_rule_find("weak-key")->severity, SCANNER_SEV_LOW);

    config c;
    cfg_defaults(&c);
    assert_int_equal(scanner_rule_enabled(&c, "weak-key"), 1);
    cfg_disable(&c, "weak-key");
    assert_int_equal(scanner_rule_enabled(&c, "weak-key"), 0);
    assert_int_equal(scanner_rule_enabled(&c, "expired"), 1);
    assert_int_equal(scanner_rule_enabled(NULL, "expired"), 1);

    /* Unknown ids in disabled_rules are reported, known ones are not. */
    char *msg = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&msg, &len);
    assert_int_equal(scanner_rules_validate(&c, m), 0);
    cfg_disable(&c, "expiry");
    cfg_disable(&c, "expired");
    assert_int_equal(scanner_rules_validate(&c, m), AWS_EINVAL);
    assert_int_equal(scanner_rules_validate(&c, NULL), AWS_EINVAL);
    fclose(m);
    assert_non_null(strstr(msg, "[rules] disabled_rules: 'expiry' is not a rule \xe2\x80\x94 "
                                "did you mean 'expired'? rules are: expired, expiring,"));
    assert_null(strstr(msg, "'expired' is not"));
    assert_int_equal(msg[strlen(msg) - 1], '\n');
    free(msg);
    config_finish(&c);
}

static void id_stability_and_fields(void **state)
{
    (void)state;
    char id[65];
    scanner_finding_id(ACCT, REG, ARN1, "expiring", id);
    /* sha256("123456789012|us-east-1|<arn>|expiring"), computed independently. */
    assert_string_equal(id, "97cf3d40dc9c5290aa9dd0348167ce328afc84a9f76ff0b60a5cf0e8701ec299");

    config c;
    cfg_defaults(&c);
    char got[128];
    scanner_findings f1, f2;
    judge_one(acm(IMP, AS_OF + 12 * DAY), &c, got, sizeof(got), &f1);
    assert_string_equal(got, "expiring:HIGH");
    /* Another run a day later: same id, different days. */
    scanner_record_set set;
    scanner_record_set_init(&set);
    assert_int_equal(scanner_record_set_add(&set, acm(IMP, AS_OF + 12 * DAY)), 0);
    scanner_findings_init(&f2);
    assert_int_equal(scanner_rules_judge(&set, &c, AS_OF + DAY, &f2), 0);
    assert_int_equal(f2.n, 1);
    assert_string_equal(f1.v[0].id, id);
    assert_string_equal(f2.v[0].id, id);
    assert_int_equal(f1.v[0].days_to_expiry, 12);
    assert_int_equal(f2.v[0].days_to_expiry, 11);

    const scanner_finding *fd = &f1.v[0];
    assert_string_equal(fd->title, "ACM certificate example.com expires in 12 days (2026-12-05)");
    assert_int_equal(fd->not_after, AS_OF + 12 * DAY);
    assert_string_equal(fd->domain, "example.com");
    assert_string_equal(fd->console_url,
        "https://us-east-1.console.aws.amazon.com/acm/home?region=us-east-1"
        "#/certificates/11111111-2222-3333-4444-555555555555");
    assert_non_null(strstr(fd->details, "ACM never renews imported certificates"));
    assert_non_null(strstr(fd->details, "In use by (1):"));

    json_object *j = json_tokener_parse(fd->details_json), *v;
    assert_non_null(j);
    assert_true(json_object_object_get_ex(j, "type", &v));
    assert_string_equal(json_object_get_string(v), "IMPORTED");
    assert_true(json_object_object_get_ex(j, "status", &v));
    assert_string_equal(json_object_get_string(v), "ISSUED");
    assert_true(json_object_object_get_ex(j, "renewal_eligibility", &v));
    assert_string_equal(json_object_get_string(v), "INELIGIBLE");
    assert_true(json_object_object_get_ex(j, "in_use_by", &v));
    assert_int_equal(json_object_array_length(v), 1);
    assert_true(json_object_object_get_ex(j, "not_after", &v));
    assert_string_equal(json_object_get_string(v), "2026-12-05T10:45:28Z");
    assert_true(json_object_object_get_ex(j, "managed_renewal", &v));
    assert_false(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(j, "thresholds", &v));
    json_object *crit;
    assert_true(json_object_object_get_ex(v, "critical", &crit));
    assert_int_equal(json_object_get_int(crit), 7);
    json_object_put(j);

    scanner_findings_finish(&f1);
    scanner_findings_finish(&f2);
    scanner_record_set_finish(&set);
    config_finish(&c);
}

static void titles_for_expired(void **state)
{
    (void)state;
    config c;
    char got[128];
    scanner_findings f;
    cfg_defaults(&c);
    judge_one(acm(IMP, AS_OF - 1), &c, got, sizeof(got), &f);
    assert_string_equal(f.v[0].title,
                        "ACM certificate example.com expired less than a day ago (2026-11-23)");
    assert_int_equal(f.v[0].days_to_expiry, 0);     /* the title's count: less than a day */
    scanner_findings_finish(&f);
    judge_one(acm(IMP, AS_OF - 3 * DAY - 5), &c, got, sizeof(got), &f);
    assert_string_equal(f.v[0].title,
                        "ACM certificate example.com expired 3 days ago (2026-11-20)");
    assert_int_equal(f.v[0].days_to_expiry, -3);    /* one way of counting days */
    scanner_findings_finish(&f);
    judge_one(acm(IMP, AS_OF + 1 * DAY), &c, got, sizeof(got), &f);
    assert_string_equal(f.v[0].title,
                        "ACM certificate example.com expires in 1 day (2026-11-24)");
    scanner_findings_finish(&f);
    judge_one(acm(IMP, AS_OF + 60), &c, got, sizeof(got), &f);
    assert_string_equal(f.v[0].title,
                        "ACM certificate example.com expires in less than a day (2026-11-23)");
    assert_int_equal(f.v[0].days_to_expiry, 0);
    scanner_findings_finish(&f);
    config_finish(&c);
}

static void validation_details(void **state)
{
    (void)state;
    config c;
    char got[128];
    scanner_findings f;
    cfg_defaults(&c);
    scanner_record *r = acm("PENDING_VALIDATION", "AMAZON_ISSUED", NULL, NULL, 0, 0);
    r->created_at = AS_OF - 5 * DAY - 10;
    assert_int_equal(scanner_record_add_validation(r, "example.com", "SUCCESS", "DNS"), 0);
    assert_int_equal(scanner_record_add_validation(r, "www.example.com", "PENDING_VALIDATION",
                                                   "DNS"), 0);
    judge_one(r, &c, got, sizeof(got), &f);
    assert_string_equal(got, "validation-incomplete:MEDIUM");
    assert_string_equal(f.v[0].title,
                        "ACM certificate example.com has been pending validation for 5 days");
    assert_non_null(strstr(f.v[0].details, "  www.example.com: PENDING_VALIDATION (DNS)"));
    assert_non_null(strstr(f.v[0].details, "  example.com: SUCCESS (DNS)\n"));
    json_object *j = json_tokener_parse(f.v[0].details_json), *v, *e, *s;
    assert_true(json_object_object_get_ex(j, "validations", &v));
    assert_int_equal(json_object_array_length(v), 2);
    e = json_object_array_get_idx(v, 1);
    assert_true(json_object_object_get_ex(e, "domain", &s));
    assert_string_equal(json_object_get_string(s), "www.example.com");
    assert_true(json_object_object_get_ex(e, "status", &s));
    assert_string_equal(json_object_get_string(s), "PENDING_VALIDATION");
    json_object_put(j);
    scanner_findings_finish(&f);

    r = acm("FAILED", "AMAZON_ISSUED", NULL, NULL, 0, 0);
    assert_int_equal(scanner_str_set(&r->failure_reason, "CAA_ERROR"), 0);
    judge_one(r, &c, got, sizeof(got), &f);
    assert_string_equal(f.v[0].title, "ACM certificate example.com request failed (CAA_ERROR)");
    assert_non_null(strstr(f.v[0].details, "Failure reason: CAA_ERROR\n"));
    j = json_tokener_parse(f.v[0].details_json);
    assert_true(json_object_object_get_ex(j, "failure_reason", &v));
    assert_string_equal(json_object_get_string(v), "CAA_ERROR");
    json_object_put(j);
    scanner_findings_finish(&f);
    config_finish(&c);
}

/* ---- API Gateway client certificates and stages ------------------------ */

static scanner_record *client_cert(const char *id, int64_t not_after)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_CLIENT_CERT, ACCT, REG);
    char arn[128];
    snprintf(arn, sizeof(arn), "arn:aws:apigateway:us-east-1::/clientcertificates/%s", id);
    assert_int_equal(scanner_str_set(&r->arn, arn), 0);
    assert_int_equal(scanner_str_set(&r->id, id), 0);
    r->created_at = not_after - 365 * DAY;
    r->not_after = not_after;
    return r;
}

static scanner_record *stage(const char *id, const char *cc)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_STAGE, ACCT, REG);
    char arn[160];
    const char *sl = strchr(id, '/');
    snprintf(arn, sizeof(arn), "arn:aws:apigateway:us-east-1::/restapis/%.*s/stages/%s",
             (int)(sl - id), id, sl + 1);
    assert_int_equal(scanner_str_set(&r->arn, arn), 0);
    assert_int_equal(scanner_str_set(&r->id, id), 0);
    assert_int_equal(scanner_str_set(&r->client_certificate_id, cc), 0);
    return r;
}

static const scanner_finding *find(const scanner_findings *f, const char *rule,
                                   const char *resource_id)
{
    const scanner_finding *hit = NULL;
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->v[i].rule, rule) == 0 && f->v[i].resource_id &&
            strcmp(f->v[i].resource_id, resource_id) == 0) {
            assert_null(hit);   /* at most one per (resource, rule) */
            hit = &f->v[i];
        }
    }
    return hit;
}

static void judge_set(scanner_record_set *set, const config *c, scanner_findings *f)
{
    scanner_findings_init(f);
    assert_int_equal(scanner_rules_judge(set, c, AS_OF, f), 0);
}

static void client_certs_and_stages(void **state)
{
    (void)state;
    config c;
    cfg_defaults(&c);
    scanner_record_set set;
    scanner_findings f;
    scanner_record_set_init(&set);
    assert_int_equal(scanner_record_set_add(&set, client_cert("cc1", AS_OF + 20 * DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set, client_cert("cc2", AS_OF + 46 * DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set, client_cert("cc3", AS_OF - 1)), 0);
    assert_int_equal(scanner_record_set_add(&set, client_cert("cc4", AS_OF + 45 * DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set, client_cert("cc5", AS_OF + 7 * DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set, stage("api1/prod", "cc1")), 0);
    assert_int_equal(scanner_record_set_add(&set, stage("api1/dev", "cc1")), 0);
    assert_int_equal(scanner_record_set_add(&set, stage("api2/prod", "")), 0);
    assert_int_equal(scanner_record_set_add(&set, stage("api3/prod", "gone")), 0);
    assert_int_equal(scanner_record_set_add(&set, stage("api4/prod", "cc2")), 0);
    assert_int_equal(scanner_record_set_add(&set, stage("api5/prod", NULL)), 0);

    judge_set(&set, &c, &f);
    const scanner_finding *fd = find(&f, "client-certificate-rotation", "cc1");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
    assert_int_equal(fd->days_to_expiry, 20);
    assert_string_equal(fd->resource_type, "Other");
    assert_string_equal(fd->title,
                        "API Gateway client certificate cc1 expires in 20 days (2026-12-13)");
    assert_non_null(strstr(fd->details, "Used by stages:\n  api1/prod\n  api1/dev"));
    assert_string_equal(fd->console_url,
        "https://us-east-1.console.aws.amazon.com/apigateway/main/client-certificates?region=us-east-1");
    json_object *j = json_tokener_parse(fd->details_json), *v;
    assert_true(json_object_object_get_ex(j, "stages", &v));
    assert_int_equal(json_object_array_length(v), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "api1/prod");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "api1/dev");
    json_object_put(j);

    assert_null(find(&f, "client-certificate-rotation", "cc2"));        /* 46 days */
    fd = find(&f, "client-certificate-rotation", "cc3");                 /* expired 1 s */
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_CRITICAL);
    assert_int_equal(fd->days_to_expiry, 0);
    assert_non_null(strstr(fd->details, "Used by stages: none"));
    fd = find(&f, "client-certificate-rotation", "cc4");                 /* 45 days */
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_MEDIUM);
    fd = find(&f, "client-certificate-rotation", "cc5");                 /* 7 days */
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_CRITICAL);

    /* Stage naming a client certificate that does not exist: HIGH. */
    fd = find(&f, "stage-client-certificate", "api3/prod");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
    assert_string_equal(fd->resource_type, "AwsApiGatewayStage");
    assert_string_equal(fd->title,
                        "API Gateway stage api3/prod uses client certificate gone, which does not exist");
    assert_int_equal(fd->not_after, 0);
    assert_string_equal(fd->console_url,
        "https://us-east-1.console.aws.amazon.com/apigateway/main/apis/api3/stages?api=api3&region=us-east-1");
    /* Stages with a valid link, or none while the option is off: nothing. */
    assert_null(find(&f, "stage-client-certificate", "api1/prod"));
    assert_null(find(&f, "stage-client-certificate", "api2/prod"));
    assert_null(find(&f, "stage-client-certificate", "api5/prod"));
    assert_int_equal(f.n, 5);   /* cc1, cc3, cc4, cc5, api3/prod */
    scanner_findings_finish(&f);

    /* Option on: stages without a client certificate are LOW. */
    c.stage_without_client_certificate = 1;
    judge_set(&set, &c, &f);
    fd = find(&f, "stage-client-certificate", "api2/prod");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_LOW);
    fd = find(&f, "stage-client-certificate", "api5/prod");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_LOW);
    assert_int_equal(f.n, 7);
    scanner_findings_finish(&f);

    /* Disabled rules. */
    cfg_disable(&c, "stage-client-certificate");
    judge_set(&set, &c, &f);
    assert_int_equal(f.n, 4);
    scanner_findings_finish(&f);
    cfg_disable(&c, "client-certificate-rotation");
    judge_set(&set, &c, &f);
    assert_int_equal(f.n, 0);
    scanner_findings_finish(&f);

    scanner_record_set_finish(&set);
    config_finish(&c);
}

/* ---- custom domains ----------------------------------------------------- */

static scanner_record *domain(scanner_source src, const char *name, const char *cert_arn,
                              const char *status, int64_t uploaded_at)
{
    scanner_record *r = scanner_record_new(src, ACCT, REG);
    char arn[160];
    snprintf(arn, sizeof(arn), "arn:aws:apigateway:us-east-1::/%s/%s",
             src == SCANNER_SRC_APIGW_DOMAIN ? "domainnames" : "v2/domainnames", name);
    assert_int_equal(scanner_str_set(&r->arn, arn), 0);
    assert_int_equal(scanner_str_set(&r->id, name), 0);
    assert_int_equal(scanner_str_set(&r->domain, name), 0);
    assert_int_equal(scanner_str_set(&r->certificate_arn, cert_arn), 0);
    assert_int_equal(scanner_str_set(&r->status, status), 0);
    r->uploaded_at = uploaded_at;
    return r;
}

/* A certificate request made yesterday (too young for validation-incomplete). */
static scanner_record *pending_acm(const char *arn)
{
    scanner_record *p = acm("PENDING_VALIDATION", "AMAZON_ISSUED", NULL, NULL, 0, 0);
    assert_int_equal(scanner_str_set(&p->arn, arn), 0);
    p->created_at = AS_OF - DAY;
    return p;
}

static void add(scanner_record_set *set, scanner_record *r)
{
    assert_int_equal(scanner_record_set_add(set, r), 0);
}

static void custom_domains(void **state)
{
    (void)state;
    config c;
    cfg_defaults(&c);
    scanner_record_set set;
    scanner_findings f;
    scanner_record_set_init(&set);
    const char *pending_arn = "arn:aws:acm:us-east-1:123456789012:certificate/pending-1";
    const char *ok_arn = "arn:aws:acm:us-east-1:123456789012:certificate/ok-1";
    const char *edge_arn = "arn:aws:acm:us-east-1:123456789012:certificate/elsewhere";
    add(&set, pending_acm(pending_arn));
    scanner_record *ok = acm("ISSUED", "AMAZON_ISSUED", "ELIGIBLE", NULL, 1, AS_OF + 200 * DAY);
    assert_int_equal(scanner_str_set(&ok->arn, ok_arn), 0);
    assert_int_equal(scanner_record_set_add(&set, ok), 0);

    /* Joined to an ACM record: the ACM status decides, even if the domain says AVAILABLE. */
    assert_int_equal(scanner_record_set_add(&set,
        domain(SCANNER_SRC_APIGW_DOMAIN, "a.example.com", pending_arn, "AVAILABLE", 0)), 0);
    assert_int_equal(scanner_record_set_add(&set,
        domain(SCANNER_SRC_APIGWV2_DOMAIN, "b.example.com", ok_arn, "AVAILABLE", 0)), 0);
    /* Missing link (edge certificate in another region): the domain's own status. */
    assert_int_equal(scanner_record_set_add(&set,
        domain(SCANNER_SRC_APIGW_DOMAIN, "c.example.com", edge_arn, "AVAILABLE", 0)), 0);
    assert_int_equal(scanner_record_set_add(&set,
        domain(SCANNER_SRC_APIGWV2_DOMAIN, "d.example.com", edge_arn,
               "PENDING_CERTIFICATE_REIMPORT", 0)), 0);
    /* Uploaded certificates: 395 days is fine, 396 is not. */
    assert_int_equal(scanner_record_set_add(&set,
        domain(SCANNER_SRC_APIGW_DOMAIN, "e.example.com", NULL, "AVAILABLE",
               AS_OF - 395 * DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set,
        domain(SCANNER_SRC_APIGW_DOMAIN, "f.example.com", NULL, "AVAILABLE",
               AS_OF - 396 * DAY)), 0);

    judge_set(&set, &c, &f);
    const scanner_finding *fd = find(&f, "domain-certificate", "a.example.com");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
    assert_string_equal(fd->title,
        "API Gateway custom domain a.example.com serves a certificate that is PENDING_VALIDATION");
    assert_string_equal(fd->console_url,
        "https://us-east-1.console.aws.amazon.com/apigateway/main/publish/domain-names"
        "?domain=a.example.com&region=us-east-1");
    json_object *j = json_tokener_parse(fd->details_json), *v;
    assert_true(json_object_object_get_ex(j, "certificate_status", &v));
    assert_string_equal(json_object_get_string(v), "PENDING_VALIDATION");
    assert_true(json_object_object_get_ex(j, "certificate_status_from", &v));
    assert_string_equal(json_object_get_string(v), "acm");
    assert_true(json_object_object_get_ex(j, "certificate_arn", &v));
    assert_string_equal(json_object_get_string(v), pending_arn);
    json_object_put(j);

    assert_null(find(&f, "domain-certificate", "b.example.com"));
    assert_null(find(&f, "domain-certificate", "c.example.com"));
    fd = find(&f, "domain-certificate", "d.example.com");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
    assert_non_null(strstr(fd->details, "no ACM record in this region"));
    assert_null(find(&f, "domain-certificate", "e.example.com"));
    fd = find(&f, "domain-certificate", "f.example.com");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_MEDIUM);
    assert_string_equal(fd->title,
        "API Gateway custom domain f.example.com serves a certificate uploaded 396 days ago");
    /* Nothing else: the pending certificate is 1 day old, the issued one is fine. */
    assert_int_equal(f.n, 3);
    scanner_findings_finish(&f);

    cfg_disable(&c, "domain-certificate");
    judge_set(&set, &c, &f);
    assert_int_equal(f.n, 0);
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    config_finish(&c);
}

/* ---- partial joins (a source could not be listed: coverage gap) --------- */

static int json_flag(const char *doc, const char *key)
{
    json_object *j = json_tokener_parse(doc), *v;
    assert_non_null(j);
    assert_true(json_object_object_get_ex(j, key, &v));
    assert_true(json_object_is_type(v, json_type_boolean));
    int b = json_object_get_boolean(v);
    json_object_put(j);
    return b;
}

static void stages_when_client_certs_incomplete(void **state)
{
    (void)state;
    config c;
    cfg_defaults(&c);
    c.stage_without_client_certificate = 1;
    scanner_record_set set;
    scanner_findings f;
    scanner_record_set_init(&set);
    assert_int_equal(set.incomplete, 0);
    add(&set, client_cert("cc1", AS_OF + 20 * DAY));
    add(&set, stage("api1/prod", "cc1"));
    add(&set, stage("api2/prod", ""));
    add(&set, stage("api3/prod", "notlisted"));

    /* Complete listing: the unknown id is HIGH (control). */
    judge_set(&set, &c, &f);
    assert_non_null(find(&f, "stage-client-certificate", "api3/prod"));
    assert_int_equal(f.n, 3);       /* cc1 rotation, api2 LOW, api3 HIGH */
    scanner_findings_finish(&f);

    /* GetClientCertificates failed: "notlisted" may well exist, so no
     * finding; the join that did succeed and the stage without any client
     * certificate (not a join) are judged as before. */
    scanner_record_set_mark_incomplete(&set, SCANNER_SRC_APIGW_CLIENT_CERT);
    assert_false(scanner_record_set_complete(&set, SCANNER_SRC_APIGW_CLIENT_CERT));
    assert_true(scanner_record_set_complete(&set, SCANNER_SRC_APIGW_STAGE));
    assert_true(scanner_record_set_complete(&set, SCANNER_SRC_ACM));
    judge_set(&set, &c, &f);
    assert_null(find(&f, "stage-client-certificate", "api3/prod"));
    assert_null(find(&f, "stage-client-certificate", "api1/prod"));
    const scanner_finding *fd = find(&f, "stage-client-certificate", "api2/prod");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_LOW);
    fd = find(&f, "client-certificate-rotation", "cc1");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
    assert_true(json_flag(fd->details_json, "stages_complete"));
    assert_non_null(strstr(fd->details, "Used by stages:\n  api1/prod"));
    assert_int_equal(f.n, 2);
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    assert_int_equal(set.incomplete, 0);   /* finish leaves an empty, complete set */
    config_finish(&c);
}

static void client_cert_when_stages_incomplete(void **state)
{
    (void)state;
    config c;
    cfg_defaults(&c);
    scanner_record_set set;
    scanner_findings f;
    scanner_record_set_init(&set);
    add(&set, client_cert("cc1", AS_OF + 20 * DAY));
    add(&set, client_cert("cc2", AS_OF + 5 * DAY));
    add(&set, stage("api1/prod", "cc2"));
    scanner_record_set_mark_incomplete(&set, SCANNER_SRC_APIGW_STAGE);
    judge_set(&set, &c, &f);
    /* The certificate is still judged on its own dates ... */
    const scanner_finding *fd = find(&f, "client-certificate-rotation", "cc1");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
    /* ... but "used by no stage" is not claimed. */
    assert_null(strstr(fd->details, "Used by stages: none"));
    assert_non_null(strstr(fd->details, "Used by stages: unknown\n"));
    assert_non_null(strstr(fd->details, "could not all be read"));
    assert_false(json_flag(fd->details_json, "stages_complete"));
    fd = find(&f, "client-certificate-rotation", "cc2");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_CRITICAL);
    assert_non_null(strstr(fd->details, "Used by stages:\n  api1/prod\n"));
    assert_non_null(strstr(fd->details, "more stages may use it"));
    assert_int_equal(f.n, 2);
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    config_finish(&c);
}

static void domains_when_acm_incomplete(void **state)
{
    (void)state;
    config c;
    cfg_defaults(&c);
    scanner_record_set set;
    scanner_findings f;
    scanner_record_set_init(&set);
    const char *pending_arn = "arn:aws:acm:us-east-1:123456789012:certificate/pending-1";
    const char *unread_arn = "arn:aws:acm:us-east-1:123456789012:certificate/unread";
    add(&set, pending_acm(pending_arn));
    /* The record that was read still decides for its domain. */
    add(&set, domain(SCANNER_SRC_APIGW_DOMAIN, "a.example.com", pending_arn, "AVAILABLE", 0));
    /* Certificate not among the records read: the domain's own status. */
    add(&set, domain(SCANNER_SRC_APIGW_DOMAIN, "b.example.com", unread_arn, "AVAILABLE", 0));
    add(&set, domain(SCANNER_SRC_APIGWV2_DOMAIN, "c.example.com", unread_arn,
                     "PENDING_CERTIFICATE_REIMPORT", 0));

    for (int incomplete = 0; incomplete < 2; incomplete++) {
        if (incomplete)
            scanner_record_set_mark_incomplete(&set, SCANNER_SRC_ACM);
        judge_set(&set, &c, &f);
        const scanner_finding *fd = find(&f, "domain-certificate", "a.example.com");
        assert_non_null(fd);
        assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
        assert_int_equal(json_flag(fd->details_json, "acm_complete"), !incomplete);
        assert_null(find(&f, "domain-certificate", "b.example.com"));
        fd = find(&f, "domain-certificate", "c.example.com");
        assert_non_null(fd);
        assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
        assert_int_equal(json_flag(fd->details_json, "acm_complete"), !incomplete);
        if (incomplete) {
            assert_null(strstr(fd->details, "no ACM record"));
            assert_non_null(strstr(fd->details,
                "Status from: the domain name (the ACM certificates of this region could not "
                "all be read: see the coverage gaps)"));
        } else {
            assert_non_null(strstr(fd->details, "no ACM record in this region"));
        }
        assert_int_equal(f.n, 2);
        scanner_findings_finish(&f);
    }
    scanner_record_set_finish(&set);
    config_finish(&c);
}

/* ---- IAM ---------------------------------------------------------------- */

static scanner_record *iam(const char *name, int64_t not_after)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_IAM_SERVER_CERT, ACCT, "global");
    char arn[128];
    snprintf(arn, sizeof(arn), "arn:aws:iam::123456789012:server-certificate/%s", name);
    assert_int_equal(scanner_str_set(&r->arn, arn), 0);
    assert_int_equal(scanner_str_set(&r->id, name), 0);
    r->uploaded_at = AS_OF - 300 * DAY;
    r->not_after = not_after;
    return r;
}

static void iam_server_certs(void **state)
{
    (void)state;
    config c;
    cfg_defaults(&c);
    scanner_record_set set;
    scanner_findings f;
    scanner_record_set_init(&set);
    assert_int_equal(scanner_record_set_add(&set, iam("old", AS_OF - DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set, iam("soon", AS_OF + 10 * DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set, iam("fine", AS_OF + 46 * DAY)), 0);
    assert_int_equal(scanner_record_set_add(&set, iam("edge", AS_OF + 45 * DAY)), 0);
    judge_set(&set, &c, &f);
    assert_int_equal(f.n, 3);
    const scanner_finding *fd = find(&f, "iam-server-certificate", "old");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_CRITICAL);
    assert_string_equal(fd->region, "global");
    assert_string_equal(fd->title, "IAM server certificate old expired 1 day ago (2026-11-22)");
    assert_string_equal(fd->console_url,
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html");
    assert_non_null(strstr(fd->details,
        "aws iam get-server-certificate --server-certificate-name old"));
    char id[65];
    scanner_finding_id(ACCT, "global", "arn:aws:iam::123456789012:server-certificate/old",
                       "iam-server-certificate", id);
    assert_string_equal(fd->id, id);
    fd = find(&f, "iam-server-certificate", "soon");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_HIGH);
    fd = find(&f, "iam-server-certificate", "edge");
    assert_non_null(fd);
    assert_int_equal(fd->severity, SCANNER_SEV_MEDIUM);
    scanner_findings_finish(&f);

    /* Its own tiers, not [rules] expiring. */
    c.iam_server_certificate = (config_tiers){ 5, 3, 1 };
    judge_set(&set, &c, &f);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.v[0].resource_id, "old");
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    config_finish(&c);
}

/* ---- console links across partitions ------------------------------------ */

static void console_partitions(void **state)
{
    (void)state;
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, ACCT, "cn-north-1");
    assert_int_equal(scanner_str_set(&r->arn,
        "arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc"), 0);
    char *u = scanner_console_url(r);
    assert_string_equal(u,
        "https://cn-north-1.console.amazonaws.cn/acm/home?region=cn-north-1#/certificates/abc");
    free(u);
    scanner_record_free(r);

    r = scanner_record_new(SCANNER_SRC_ACM, ACCT, "us-gov-west-1");
    assert_int_equal(scanner_str_set(&r->arn,
        "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc"), 0);
    u = scanner_console_url(r);
    assert_string_equal(u,
        "https://us-gov-west-1.console.amazonaws-us-gov.com/acm/home?region=us-gov-west-1"
        "#/certificates/abc");
    free(u);
    scanner_record_free(r);

    /* No ARN: the certificate list. */
    r = scanner_record_new(SCANNER_SRC_ACM, ACCT, "eu-west-1");
    u = scanner_console_url(r);
    assert_string_equal(u,
        "https://eu-west-1.console.aws.amazon.com/acm/home?region=eu-west-1#/certificates/list");
    free(u);
    scanner_record_free(r);

    /* IAM in aws-cn: the China docs. */
    r = scanner_record_new(SCANNER_SRC_IAM_SERVER_CERT, ACCT, "global");
    assert_int_equal(scanner_str_set(&r->arn,
        "arn:aws-cn:iam::123456789012:server-certificate/x"), 0);
    u = scanner_console_url(r);
    assert_non_null(strstr(u, "https://docs.amazonaws.cn/"));
    free(u);
    scanner_record_free(r);

    /* Wildcard custom domain names are encoded. */
    r = scanner_record_new(SCANNER_SRC_APIGWV2_DOMAIN, ACCT, "eu-west-1");
    assert_int_equal(scanner_str_set(&r->domain, "*.example.com"), 0);
    u = scanner_console_url(r);
    assert_string_equal(u,
        "https://eu-west-1.console.aws.amazon.com/apigateway/main/publish/domain-names"
        "?domain=%2A.example.com&region=eu-west-1");
    free(u);
    scanner_record_free(r);
}

static void bad_arguments(void **state)
{
    (void)state;
    config c;
    scanner_record_set set;
    scanner_findings f;
    cfg_defaults(&c);
    scanner_record_set_init(&set);
    scanner_findings_init(&f);
    assert_int_equal(scanner_rules_judge(NULL, &c, AS_OF, &f), AWS_EINVAL);
    assert_int_equal(scanner_rules_judge(&set, NULL, AS_OF, &f), AWS_EINVAL);
    assert_int_equal(scanner_rules_judge(&set, &c, AS_OF, NULL), AWS_EINVAL);
    assert_int_equal(scanner_rules_judge(&set, &c, AS_OF, &f), 0);
    assert_int_equal(f.n, 0);
    config_finish(&c);
}

/* ---- one record judged alone (scanner_rules_record_finds) --------------- */

/* What the judge gives r alone, and what scanner_rules_record_finds says
 * of it: SOME exactly when the judge finds something, NONE when it finds
 * nothing, DEPENDS only where allowed (DNS answers not read yet). */
static scanner_record_finds finds_agrees(scanner_record *r, const config *c, int depends_ok)
{
    scanner_record_finds v = scanner_rules_record_finds(r, c, AS_OF);
    char what[200];
    snprintf(what, sizeof(what), "%s %s %s %s", scanner_source_name(r->source),
             nz_s(r->status), nz_s(r->type), nz_s(r->key_algorithm));
    scanner_findings f;
    judge_alone(r, c, &f);
    if (v == SCANNER_FINDS_SOME && f.n == 0)
        fail_msg("%s: SOME, the judge finds nothing", what);
    if (v == SCANNER_FINDS_NONE && f.n != 0)
        fail_msg("%s: NONE, the judge finds %s", what, f.v[0].rule);
    if (v == SCANNER_FINDS_DEPENDS && !depends_ok)
        fail_msg("%s: DEPENDS", what);
    scanner_findings_finish(&f);
    return v;
}

/* Every ACM record shape the rules tell apart, under the defaults, with
 * DNS checks on, and with a few rules off. */
static void record_finds_agrees_with_the_judge(void **state)
{
    (void)state;
    static const char *const statuses[] = { "ISSUED", "INACTIVE", "EXPIRED",
        "PENDING_VALIDATION", "FAILED", "VALIDATION_TIMED_OUT", "REVOKED", NULL };
    static const char *const types[] = { "AMAZON_ISSUED", "IMPORTED", "PRIVATE" };
    static const char *const eligibility[] = { "ELIGIBLE", "INELIGIBLE" };
    static const char *const renewal[] = { NULL, "FAILED", "PENDING_VALIDATION" };
    static const int64_t days[] = { -10, 0, 5, 20, 100 };   /* 0: NotAfter unknown */
    static const char *const keys[][2] = { { "RSA_2048", "ENABLED" }, { "RSA_1024", "ENABLED" },
                                            { "RSA_2048", "DISABLED" } };
    size_t counts[3] = { 0, 0, 0 };
    for (int cfgn = 0; cfgn < 3; cfgn++) {
        config c;
        cfg_defaults(&c);
        if (cfgn == 1)
            c.dns_enabled = 1;
        if (cfgn == 2) {
            cfg_disable(&c, "expiring");
            cfg_disable(&c, "weak-key");
            cfg_disable(&c, "validation-incomplete");
        }
        for (size_t s = 0; s < sizeof(statuses) / sizeof(statuses[0]); s++)
        for (size_t t = 0; t < 3; t++)
        for (size_t e = 0; e < 2; e++)
        for (size_t rn = 0; rn < 3; rn++)
        for (int use = 0; use < 2; use++)
        for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++)
        for (size_t k = 0; k < 3; k++)
        for (int val = 0; val < 4; val++) {     /* none, e-mail, DNS unread, DNS missing */
            scanner_record *r = acm(statuses[s], types[t], eligibility[e], renewal[rn], use,
                                    days[d] ? AS_OF + days[d] * DAY : 0);
            assert_int_equal(scanner_str_set(&r->key_algorithm, keys[k][0]), 0);
            assert_int_equal(scanner_str_set(&r->ct_logging, keys[k][1]), 0);
            if (val) {
                assert_int_equal(scanner_record_add_validation(r, "example.com", "SUCCESS",
                                                               val == 1 ? "EMAIL" : "DNS"), 0);
                if (val > 1) {
                    scanner_domain_validation *v = &r->validations[0];
                    assert_int_equal(scanner_validation_set_record(v, "_x.example.com.",
                                                                   "CNAME", "_y.acm.aws."), 0);
                    v->dns_seen = val == 3 ? SCANNER_DNS_MISSING : SCANNER_DNS_UNCHECKED;
                }
            }
            /* DEPENDS only for a DNS-validated record whose lookups are
             * still to come, with DNS checks on. */
            counts[finds_agrees(r, &c, cfgn == 1 && val == 2)]++;
        }
        config_finish(&c);
    }
    assert_true(counts[SCANNER_FINDS_NONE] > 0);
    assert_true(counts[SCANNER_FINDS_SOME] > 0);
    assert_true(counts[SCANNER_FINDS_DEPENDS] > 0);
}

/* IAM server certificates and client certificates are judged alone;
 * custom domains and stages join other records: their set decides. */
static void record_finds_by_source(void **state)
{
    (void)state;
    config c;
    cfg_defaults(&c);
    static const int64_t days[] = { -1, 3, 20, 44, 46, 400 };
    for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++) {
        for (int weak = 0; weak < 2; weak++) {
            scanner_record *r = iam("lb", AS_OF + days[d] * DAY);
            if (weak)
                assert_int_equal(scanner_str_set(&r->key_algorithm, "RSA_1024"), 0);
            assert_int_not_equal(finds_agrees(r, &c, 0), SCANNER_FINDS_DEPENDS);
        }
        assert_int_not_equal(finds_agrees(client_cert("cc", AS_OF + days[d] * DAY), &c, 0),
                             SCANNER_FINDS_DEPENDS);
    }
    scanner_record *r = iam("old", AS_OF - DAY);
    assert_int_equal(scanner_rules_record_finds(r, &c, AS_OF), SCANNER_FINDS_SOME);
    scanner_record_free(r);
    r = iam("new", AS_OF + 400 * DAY);
    assert_int_equal(scanner_rules_record_finds(r, &c, AS_OF), SCANNER_FINDS_NONE);
    scanner_record_free(r);
    r = domain(SCANNER_SRC_APIGW_DOMAIN, "api.example.com", ARN1, "AVAILABLE", AS_OF - DAY);
    assert_int_equal(scanner_rules_record_finds(r, &c, AS_OF), SCANNER_FINDS_DEPENDS);
    scanner_record_free(r);
    c.stage_without_client_certificate = 1;
    r = stage("abc/prod", "");
    assert_int_equal(scanner_rules_record_finds(r, &c, AS_OF), SCANNER_FINDS_DEPENDS);
    scanner_record_free(r);
    /* With the joining rule off nothing else judges them. */
    cfg_disable(&c, "domain-certificate");
    cfg_disable(&c, "stage-client-certificate");
    r = domain(SCANNER_SRC_APIGW_DOMAIN, "api.example.com", ARN1, "FAILED", AS_OF - DAY);
    assert_int_equal(scanner_rules_record_finds(r, &c, AS_OF), SCANNER_FINDS_NONE);
    scanner_record_free(r);
    r = stage("abc/prod", "");
    assert_int_equal(scanner_rules_record_finds(r, &c, AS_OF), SCANNER_FINDS_NONE);
    scanner_record_free(r);
    assert_int_equal(scanner_rules_record_finds(NULL, &c, AS_OF), SCANNER_FINDS_DEPENDS);
    config_finish(&c);
}

/* Remediation commands can be pasted: each AWS CLI command the texts name
 * carries the arguments that command requires. */
static void remediation_commands_complete(void **state)
{
    (void)state;
    static const struct { const char *cmd; const char *need[3]; } cmds[] = {
        { "update-certificate-options", { "--certificate-arn", "--options", NULL } },
        { "update-stage", { "--rest-api-id", "--stage-name", "--patch-operations" } },
    };
    for (size_t i = 0; i < scanner_rule_count(); i++) {
        const scanner_rule *r = scanner_rule_at(i);
        for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
            const char *at = strstr(r->remediation, cmds[c].cmd);
            if (!at)
                continue;
            for (size_t k = 0; k < 3 && cmds[c].need[k]; k++)
                if (!strstr(at, cmds[c].need[k]))
                    fail_msg("%s: '%s' lacks %s", r->id, cmds[c].cmd, cmds[c].need[k]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acm_table),
        cmocka_unit_test(days_until_truncates),
        cmocka_unit_test(tiers),
        cmocka_unit_test(rule_table),
        cmocka_unit_test(id_stability_and_fields),
        cmocka_unit_test(titles_for_expired),
        cmocka_unit_test(validation_details),
        cmocka_unit_test(client_certs_and_stages),
        cmocka_unit_test(custom_domains),
        cmocka_unit_test(stages_when_client_certs_incomplete),
        cmocka_unit_test(client_cert_when_stages_incomplete),
        cmocka_unit_test(domains_when_acm_incomplete),
        cmocka_unit_test(iam_server_certs),
        cmocka_unit_test(console_partitions),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(remediation_commands_complete),
        cmocka_unit_test(record_finds_agrees_with_the_judge),
        cmocka_unit_test(record_finds_by_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

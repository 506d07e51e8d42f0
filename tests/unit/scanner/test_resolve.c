/* Unit tests: scanner/resolve.c (coverage, the resolution rule, labels). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "scanner/resolve.h"
#include "scanner/rules.h"

#define A1 "111111111111"
#define A2 "222222222222"
#define R1 "eu-west-1"
#define NOW ((int64_t)1795430728)
#define BIT(s) (1u << (s))
#define APIGW_ALL (BIT(SCANNER_SRC_APIGW_CLIENT_CERT) | BIT(SCANNER_SRC_APIGW_STAGE) | \
                   BIT(SCANNER_SRC_APIGW_DOMAIN))

static void coverage_merges_and_reads(void **state)
{
    (void)state;
    scanner_coverage c;
    scanner_coverage_init(&c);
    assert_int_equal(scanner_coverage_read(&c, A1, R1), 0);
    assert_int_equal(scanner_coverage_add(&c, A1, R1, BIT(SCANNER_SRC_ACM)), 0);
    assert_int_equal(scanner_coverage_add(&c, A1, R1, BIT(SCANNER_SRC_APIGWV2_DOMAIN)), 0);
    assert_int_equal(scanner_coverage_add(&c, A1, "global", BIT(SCANNER_SRC_IAM_SERVER_CERT)), 0);
    assert_int_equal(scanner_coverage_read(&c, A1, R1),
                     BIT(SCANNER_SRC_ACM) | BIT(SCANNER_SRC_APIGWV2_DOMAIN));
    assert_int_equal(scanner_coverage_read(&c, A1, "global"), BIT(SCANNER_SRC_IAM_SERVER_CERT));
    assert_int_equal(scanner_coverage_read(&c, A2, R1), 0);
    assert_int_equal(c.n, 2);
    /* An id or region too long for the entry is refused, not cut. */
    assert_int_equal(scanner_coverage_add(&c, "1234567890123456789", R1, 1), AWS_EINVAL);
    scanner_coverage_finish(&c);
    scanner_coverage_finish(NULL);
}

static void rule_needs_table(void **state)
{
    (void)state;
    assert_int_equal(scanner_rule_needs("expired", SCANNER_SRC_ACM), BIT(SCANNER_SRC_ACM));
    /* A rule never judges that source: never resolved from it. */
    assert_int_equal(scanner_rule_needs("expired", SCANNER_SRC_IAM_SERVER_CERT), 0);
    assert_int_equal(scanner_rule_needs("weak-key", SCANNER_SRC_IAM_SERVER_CERT),
                     BIT(SCANNER_SRC_IAM_SERVER_CERT));
    assert_int_equal(scanner_rule_needs("weak-key", -1),
                     BIT(SCANNER_SRC_ACM) | BIT(SCANNER_SRC_IAM_SERVER_CERT));
    /* Joins: a custom domain's verdict reads its ACM certificate; a stage's
     * reads the client certificates. */
    assert_int_equal(scanner_rule_needs("domain-certificate", SCANNER_SRC_APIGWV2_DOMAIN),
                     BIT(SCANNER_SRC_APIGWV2_DOMAIN) | BIT(SCANNER_SRC_ACM));
    assert_int_equal(scanner_rule_needs("stage-client-certificate", SCANNER_SRC_APIGW_STAGE),
                     BIT(SCANNER_SRC_APIGW_STAGE) | BIT(SCANNER_SRC_APIGW_CLIENT_CERT));
    assert_int_equal(scanner_rule_needs("no-such-rule", -1), 0);
    assert_int_equal(scanner_rule_needs("expired", 99), 0);
    /* Every rule of the table reads something. */
    for (size_t i = 0; i < scanner_rule_count(); i++)
        assert_int_not_equal(scanner_rule_needs(scanner_rule_at(i)->id, -1), 0);
}

static void disable(config *c, const char *rule)
{
    assert_int_equal(config_list_parse(&c->disabled_rules, rule), 0);
}

/* The one rule, case by case: what was read, which rule, what-if. */
static void resolvable_cases(void **state)
{
    (void)state;
    config cfg;
    config_init(&cfg);
    scanner_coverage c;
    scanner_coverage_init(&c);
    /* A1/R1: ACM read, API Gateway denied (not read); A1/global: IAM read. */
    assert_int_equal(scanner_coverage_add(&c, A1, R1, BIT(SCANNER_SRC_ACM) |
                                          BIT(SCANNER_SRC_APIGWV2_DOMAIN)), 0);
    assert_int_equal(scanner_coverage_add(&c, A1, "global", BIT(SCANNER_SRC_IAM_SERVER_CERT)), 0);
    /* A2/R1: everything but ACM. */
    assert_int_equal(scanner_coverage_add(&c, A2, R1, APIGW_ALL |
                                          BIT(SCANNER_SRC_APIGWV2_DOMAIN)), 0);

    static const struct {
        const char *account, *region, *rule;
        int src;
        int want;
    } cases[] = {
        { A1, R1, "expired", SCANNER_SRC_ACM, 1 },
        { A1, R1, "expiring", -1, 1 },
        { A1, R1, "client-certificate-rotation", SCANNER_SRC_APIGW_CLIENT_CERT, 0 },
        { A1, R1, "stage-client-certificate", SCANNER_SRC_APIGW_STAGE, 0 },
        { A1, R1, "domain-certificate", SCANNER_SRC_APIGWV2_DOMAIN, 1 },
        { A1, R1, "domain-certificate", SCANNER_SRC_APIGW_DOMAIN, 0 },
        { A1, R1, "domain-certificate", -1, 0 },
        { A1, "global", "iam-server-certificate", SCANNER_SRC_IAM_SERVER_CERT, 1 },
        { A1, "global", "weak-key", SCANNER_SRC_IAM_SERVER_CERT, 1 },
        { A1, "global", "weak-key", -1, 0 },
        { A2, R1, "expired", SCANNER_SRC_ACM, 0 },
        { A2, R1, "client-certificate-rotation", SCANNER_SRC_APIGW_CLIENT_CERT, 1 },
        { A2, R1, "stage-client-certificate", SCANNER_SRC_APIGW_STAGE, 1 },
        /* The domain's ACM certificate was not read in A2. */
        { A2, R1, "domain-certificate", SCANNER_SRC_APIGW_DOMAIN, 0 },
        { A2, "us-east-1", "client-certificate-rotation", SCANNER_SRC_APIGW_CLIENT_CERT, 0 },
        { "333333333333", R1, "expired", SCANNER_SRC_ACM, 0 },
        { A1, R1, "no-such-rule", SCANNER_SRC_ACM, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = scanner_resolvable(&c, &cfg, 0, cases[i].account, cases[i].region,
                                     cases[i].rule, cases[i].src);
        if (got != cases[i].want)
            fail_msg("case %zu: %s %s %s src %d: got %d", i, cases[i].account,
                     cases[i].region, cases[i].rule, cases[i].src, got);
    }
    /* A what-if run resolves nothing. */
    assert_int_equal(scanner_resolvable(&c, &cfg, 1, A1, R1, "expired", SCANNER_SRC_ACM), 0);
    /* A disabled rule resolves nothing of its own, others still. */
    disable(&cfg, "expired");
    assert_int_equal(scanner_resolvable(&c, &cfg, 0, A1, R1, "expired", SCANNER_SRC_ACM), 0);
    assert_int_equal(scanner_resolvable(&c, &cfg, 0, A1, R1, "expiring", SCANNER_SRC_ACM), 1);
    assert_int_equal(scanner_resolvable(NULL, &cfg, 0, A1, R1, "expiring", SCANNER_SRC_ACM), 0);
    scanner_coverage_finish(&c);
    config_finish(&cfg);
}

static void add_finding(scanner_findings *f, const char *account, const char *rule,
                        scanner_severity sev, const char *resource)
{
    scanner_finding fd;
    memset(&fd, 0, sizeof(fd));
    scanner_finding_id(account, R1, resource, rule, fd.id);
    fd.rule = scanner_rule_find(rule)->id;
    fd.severity = sev;
    fd.account_id = strdup(account);
    fd.region = strdup(R1);
    fd.resource_type = strdup("AwsCertificateManagerCertificate");
    fd.resource_arn = strdup(resource);
    fd.resource_id = strdup(resource);
    fd.title = strdup("t");
    assert_int_equal(scanner_findings_add(f, &fd), 0);
}

static scanner_known known_of(const char *id, const char *account, const char *rule,
                              int src, scanner_severity sev, const char *resource)
{
    scanner_known k = {
        .id = id, .account = account, .region = R1, .rule = rule, .source = src,
        .severity = sev, .resource_arn = resource, .resource_id = resource,
        .title = "old title", .not_after = NOW + 10 * 86400, .first_seen = NOW - 86400,
    };
    return k;
}

static void labels(void **state)
{
    (void)state;
    config cfg;
    config_init(&cfg);
    scanner_coverage c;
    scanner_coverage_init(&c);
    assert_int_equal(scanner_coverage_add(&c, A1, R1, BIT(SCANNER_SRC_ACM)), 0);

    scanner_findings f;
    scanner_findings_init(&f);
    add_finding(&f, A1, "expiring", SCANNER_SEV_HIGH, "arn:new");
    add_finding(&f, A1, "expiring", SCANNER_SEV_CRITICAL, "arn:worse");
    add_finding(&f, A1, "expiring", SCANNER_SEV_MEDIUM, "arn:better");
    add_finding(&f, A1, "expiring", SCANNER_SEV_HIGH, "arn:same");

    char id_worse[65], id_better[65], id_same[65], id_gone[65], id_unread[65];
    scanner_finding_id(A1, R1, "arn:worse", "expiring", id_worse);
    scanner_finding_id(A1, R1, "arn:better", "expiring", id_better);
    scanner_finding_id(A1, R1, "arn:same", "expiring", id_same);
    scanner_finding_id(A1, R1, "arn:gone", "expiring", id_gone);
    scanner_finding_id(A1, R1, "arn:unread", "client-certificate-rotation", id_unread);
    scanner_known known[] = {
        known_of(id_same, A1, "expiring", SCANNER_SRC_ACM, SCANNER_SEV_HIGH, "arn:same"),
        known_of(id_worse, A1, "expiring", SCANNER_SRC_ACM, SCANNER_SEV_MEDIUM, "arn:worse"),
        known_of(id_better, A1, "expiring", SCANNER_SRC_ACM, SCANNER_SEV_HIGH, "arn:better"),
        known_of(id_gone, A1, "expiring", SCANNER_SRC_ACM, SCANNER_SEV_HIGH, "arn:gone"),
        known_of(id_unread, A1, "client-certificate-rotation",
                 SCANNER_SRC_APIGW_CLIENT_CERT, SCANNER_SEV_HIGH, "arn:unread"),
    };
    size_t unverified = 99;
    assert_int_equal(scanner_label_findings(&f, known, 5, &c, &cfg, 0, NOW, NOW, &unverified), 0);
    assert_int_equal(f.v[0].label, SCANNER_LABEL_NEW);
    assert_int_equal(f.v[0].first_seen, NOW);
    assert_int_equal(f.v[1].label, SCANNER_LABEL_ESCALATED);
    assert_int_equal(f.v[1].prev_severity, SCANNER_SEV_MEDIUM);
    assert_int_equal(f.v[1].first_seen, NOW - 86400);
    assert_int_equal(f.v[2].label, SCANNER_LABEL_UNCHANGED);
    assert_int_equal(f.v[3].label, SCANNER_LABEL_UNCHANGED);
    /* Gone and read: resolved, rebuilt from the state.  Gone but its API
     * was not read: kept open, counted. */
    assert_int_equal(f.n_resolved, 1);
    assert_string_equal(f.resolved[0].id, id_gone);
    assert_int_equal(f.resolved[0].label, SCANNER_LABEL_RESOLVED);
    assert_string_equal(f.resolved[0].rule, "expiring");
    assert_string_equal(f.resolved[0].resource_arn, "arn:gone");
    assert_string_equal(f.resolved[0].title, "old title");
    assert_int_equal(f.resolved[0].days_to_expiry, 10);
    assert_int_equal(unverified, 1);
    assert_string_equal(scanner_label_name(f.v[1].label), "escalated");
    scanner_findings_finish(&f);

    /* What-if: labels, but nothing resolved. */
    scanner_findings_init(&f);
    assert_int_equal(scanner_label_findings(&f, known, 5, &c, &cfg, 1, NOW, NOW, &unverified), 0);
    assert_int_equal(f.n_resolved, 0);
    assert_int_equal(unverified, 5);
    scanner_findings_finish(&f);
    scanner_coverage_finish(&c);
    config_finish(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(coverage_merges_and_reads),
        cmocka_unit_test(rule_needs_table),
        cmocka_unit_test(resolvable_cases),
        cmocka_unit_test(labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

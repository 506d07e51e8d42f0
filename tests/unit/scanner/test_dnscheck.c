/* Unit tests: scanner/dnscheck.c — the validation records of a record set
 * looked up on a real resolver (dns/) against the UDP name server double
 * (tests/unit/dns/dns_double.h) on the test's loop: answers written into
 * the validations (match, changed, missing), failures as coverage gaps
 * with the status as code, one lookup per shared record, done once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "config/config.h"
#include "scanner/dnscheck.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "scanner/rules.h"
#include "tests/unit/dns/dns_double.h"

#define AS_OF ((int64_t)1795430728)
#define DAY   ((int64_t)86400)

typedef struct done_state {
    int calls;
    int clean;
} done_state;

static void on_done(void *ud, int clean)
{
    done_state *d = ud;
    d->calls++;
    d->clean = clean;
}

/* An ISSUED Amazon-issued certificate with DNS validations (domain, record
 * name, expected value). */
static scanner_record *cert(const char *arn, const char *const (*v)[3], size_t n)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, "123456789012", "us-east-1");
    assert_non_null(r);
    assert_int_equal(scanner_str_set(&r->arn, arn), 0);
    assert_int_equal(scanner_str_set(&r->type, "AMAZON_ISSUED"), 0);
    assert_int_equal(scanner_str_set(&r->status, "ISSUED"), 0);
    assert_int_equal(scanner_str_set(&r->renewal_eligibility, "ELIGIBLE"), 0);
    r->not_after = AS_OF + 100 * DAY;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(scanner_record_add_validation(r, v[i][0], "SUCCESS", "DNS"), 0);
        assert_int_equal(scanner_validation_set_record(&r->validations[i], v[i][1], "CNAME",
                                                       v[i][2]), 0);
    }
    return r;
}

static void run_until(uv_loop_t *loop, const done_state *d)
{
    for (int i = 0; i < 100000 && d->calls == 0; i++)
        uv_run(loop, UV_RUN_ONCE);
    assert_int_equal(d->calls, 1);
}

static void test_answers_and_gaps(void **state)
{
    (void)state;
    uv_loop_t loop;
    dns_double srv;
    assert_int_equal(uv_loop_init(&loop), 0);
    dns_double_start(&loop, &srv);
    char server[32];
    snprintf(server, sizeof(server), "127.0.0.1:%d", srv.port);
    config cfg;
    config_init(&cfg);
    cfg.dns_enabled = 1;
    cfg.dns_timeout_ms = 300;
    cfg.dns_tries = 1;
    assert_int_equal(config_list_parse(&cfg.dns_servers, server), 0);
    dns_options o;
    scanner_dns_options(&cfg, &o);
    dns_resolver *res = NULL;
    assert_int_equal(dns_resolver_new(&loop, &o, &res), 0);

    static const char *const a[][3] = {
        { "example.com", "ok.test.", "_TARGET.acm-validations.AWS." },   /* match */
        { "*.example.com", "OK.test", "_target.acm-validations.aws" },   /* same record */
        { "www.example.com", "upper.test.", "_other.acm-validations.aws." }, /* changed */
        { "api.example.com", "nx.test.", "_v.acm-validations.aws." },    /* missing */
        { "old.example.com", "nodata.test.", "_v.acm-validations.aws." },/* missing */
        { "x.example.com", "fail.test.", "_v.acm-validations.aws." },    /* gap */
        { "y.example.com", "refused.test.", "_v.acm-validations.aws." }, /* gap */
        { "z.example.com", "silent.test.", "_v.acm-validations.aws." },  /* gap */
    };
    static const char *const b[][3] = {
        { "imported.example.com", "nx.test.", "_v.acm-validations.aws." },
    };
    scanner_record_set set;
    scanner_record_set_init(&set);
    assert_int_equal(scanner_record_set_add(&set, cert("arn:aws:acm:us-east-1:123456789012:"
                                                       "certificate/a", a, 8)), 0);
    scanner_record *imp = cert("arn:aws:acm:us-east-1:123456789012:certificate/b", b, 1);
    assert_int_equal(scanner_str_set(&imp->type, "IMPORTED"), 0);   /* not looked up */
    assert_int_equal(scanner_record_set_add(&set, imp), 0);

    scanner_findings gaps;
    scanner_findings_init(&gaps);
    done_state d = { 0, -1 };
    int clean = -1;
    size_t n = scanner_dnscheck_start(res, &set, &cfg, AS_OF, &gaps, "123456789012",
                                      "us-east-1", on_done, &d, &clean);
    assert_int_equal(n, 7);           /* ok.test once for two domains; not the imported one */
    assert_int_equal(clean, 1);
    assert_int_equal(d.calls, 0);     /* never from inside the start */
    run_until(&loop, &d);
    assert_int_equal(d.clean, 0);
    assert_int_equal(srv.queries, 7);

    const scanner_record *r = set.v[0];
    static const struct { scanner_dns_seen seen; const char *status, *answer; } want[] = {
        { SCANNER_DNS_MATCH, "OK", "_target.acm-validations.aws" },
        { SCANNER_DNS_MATCH, "OK", "_target.acm-validations.aws" },
        { SCANNER_DNS_CHANGED, "OK", "_TARGET.ACM-Validations.AWS" },
        { SCANNER_DNS_MISSING, "NXDOMAIN", NULL },
        { SCANNER_DNS_MISSING, "NODATA", NULL },
        { SCANNER_DNS_UNKNOWN, "SERVFAIL", NULL },
        { SCANNER_DNS_UNKNOWN, "REFUSED", NULL },
        { SCANNER_DNS_UNKNOWN, "TIMEOUT", NULL },
    };
    for (size_t i = 0; i < 8; i++) {
        const scanner_domain_validation *v = &r->validations[i];
        if (v->dns_seen != want[i].seen)
            fail_msg("%s: seen %d, want %d", v->domain, v->dns_seen, want[i].seen);
        assert_string_equal(v->dns_status, want[i].status);
        if (want[i].answer)
            assert_string_equal(v->dns_answer, want[i].answer);
        else
            assert_null(v->dns_answer);
    }
    assert_int_equal(set.v[1]->validations[0].dns_seen, SCANNER_DNS_UNCHECKED);

    /* Three gaps, the status as code, naming record, domain and certificate. */
    assert_int_equal(gaps.n, 0);
    assert_int_equal(gaps.n_gaps, 3);
    const char *codes[] = { "SERVFAIL", "REFUSED", "TIMEOUT" };
    for (size_t i = 0; i < 3; i++) {
        int found = 0;
        for (size_t k = 0; k < gaps.n_gaps; k++) {
            const scanner_gap *g = &gaps.gaps[k];
            if (strcmp(g->error_code, codes[i]) != 0)
                continue;
            found = 1;
            assert_string_equal(g->operation, "DNS");
            assert_string_equal(g->account_id, "123456789012");
            assert_string_equal(g->region, "us-east-1");
            assert_non_null(strstr(g->message, "CNAME "));
            assert_non_null(strstr(g->message, "certificate/a"));
        }
        if (!found)
            fail_msg("no %s gap", codes[i]);
    }

    /* Judged: the changed and missing records are the finding; the
     * SERVFAIL/REFUSED/TIMEOUT ones are not. */
    scanner_findings f;
    scanner_findings_init(&f);
    assert_int_equal(scanner_rules_judge(&set, &cfg, AS_OF, &f), 0);
    size_t risk = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (strcmp(f.v[i].rule, "renewal-at-risk") != 0)
            continue;
        risk++;
        assert_non_null(strstr(f.v[i].title, "3 validation records missing or changed"));
        assert_null(strstr(f.v[i].details, "fail.test"));
        assert_non_null(strstr(f.v[i].details, "Record to restore: nx.test. CNAME"));
    }
    assert_int_equal(risk, 1);
    scanner_findings_finish(&f);

    /* Nothing wanted: nothing starts, done is never called. */
    done_state d2 = { 0, -1 };
    cfg.dns_enabled = 0;
    assert_int_equal(scanner_dnscheck_start(res, &set, &cfg, AS_OF, &gaps, "123456789012",
                                            "us-east-1", on_done, &d2, NULL), 0);
    assert_int_equal(d2.calls, 0);

    scanner_findings_finish(&gaps);
    scanner_record_set_finish(&set);
    dns_resolver_free(res);
    dns_double_stop(&srv);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    config_finish(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_and_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

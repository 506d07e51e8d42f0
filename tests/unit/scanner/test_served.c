/* Unit tests of the served-certificate comparison (scanner/served.h), the
 * [probe] hosts syntax, what the probe makes the ACM collector describe,
 * and the per-endpoint resolution rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "aws/error.h"
#include "config/config.h"
#include "scanner/resolve.h"
#include "scanner/rules.h"
#include "scanner/served.h"

#define DAY 86400
#define AS_OF 1790000000

static void test_name_covers(void **state)
{
    (void)state;
    static const struct { const char *pattern, *host; int want; } cases[] = {
        { "app.example.com", "app.example.com", 1 },
        { "APP.Example.com", "app.example.COM", 1 },
        { "app.example.com.", "app.example.com", 1 },
        { "app.example.com", "app.example.com.", 1 },
        { "*.example.com", "www.example.com", 1 },
        { "*.example.com", "WWW.EXAMPLE.COM", 1 },
        { "*.example.com", "example.com", 0 },          /* not the bare parent */
        { "*.example.com", "a.b.example.com", 0 },      /* one label only */
        { "*.example.com", ".example.com", 0 },
        { "app.example.com", "www.example.com", 0 },
        { "app.example.com", "app.example.co", 0 },
        { "example.com", "xexample.com", 0 },
        { "*", "example", 0 },
        { "", "a", 0 },
        { "a", "", 0 },
        { NULL, "a", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = scanner_name_covers(cases[i].pattern, cases[i].host);
        if (got != cases[i].want)
            fail_msg("case %zu: %s covers %s: got %d", i, cases[i].pattern ? cases[i].pattern : "NULL",
                     cases[i].host, got);
    }
}

static probe_leaf leaf(const char *hex, const char *dec, const char *cn, const char *o,
                       int64_t not_after)
{
    probe_leaf l;
    memset(&l, 0, sizeof(l));
    snprintf(l.serial_hex, sizeof(l.serial_hex), "%s", hex);
    snprintf(l.serial_dec, sizeof(l.serial_dec), "%s", dec);
    snprintf(l.issuer_cn, sizeof(l.issuer_cn), "%s", cn);
    snprintf(l.issuer_o, sizeof(l.issuer_o), "%s", o);
    snprintf(l.issuer, sizeof(l.issuer), "CN=%s,O=%s", cn, o);
    l.not_after = not_after;
    return l;
}

static void test_serial(void **state)
{
    (void)state;
    /* 0x0a1b2c = 660268 */
    probe_leaf l = leaf("a1b2c", "660268", "R3", "Let's Encrypt", AS_OF);
    assert_true(scanner_serial_matches("0a:1b:2c", &l));        /* AWS: hex with colons */
    assert_true(scanner_serial_matches("0A:1B:2C", &l));
    assert_true(scanner_serial_matches("a1b2c", &l));
    assert_true(scanner_serial_matches("00:0a:1b:2c", &l));     /* leading zero bytes */
    assert_true(scanner_serial_matches("660268", &l));          /* moto: decimal */
    assert_false(scanner_serial_matches("0a:1b:2d", &l));
    assert_false(scanner_serial_matches("660269", &l));
    assert_false(scanner_serial_matches("", &l));
    assert_false(scanner_serial_matches("zz", &l));
    assert_false(scanner_serial_matches(NULL, &l));
    /* A serial of hex digits only: the hex reading counts too. */
    probe_leaf h = leaf("1234", "4660", "CA", "", AS_OF);
    assert_true(scanner_serial_matches("12:34", &h));
    assert_true(scanner_serial_matches("1234", &h));
    assert_true(scanner_serial_matches("4660", &h));
}

static void test_issuer(void **state)
{
    (void)state;
    probe_leaf l = leaf("1", "1", "Amazon RSA 2048 M02", "Amazon", AS_OF);
    assert_true(scanner_issuer_matches("Amazon", &l));                  /* O, as AWS sends it */
    assert_true(scanner_issuer_matches("amazon rsa 2048 m02", &l));     /* CN */
    assert_true(scanner_issuer_matches("CN=Amazon RSA 2048 M02,O=Amazon", &l));
    assert_false(scanner_issuer_matches("Let's Encrypt", &l));
    assert_false(scanner_issuer_matches("", &l));
    probe_leaf no_o = leaf("1", "1", "Test CA", "", AS_OF);
    assert_false(scanner_issuer_matches("", &no_o));
    assert_true(scanner_issuer_matches("Test CA", &no_o));
}

static void test_compare(void **state)
{
    (void)state;
    probe_leaf l = leaf("a1b2c", "660268", "R3", "Let's Encrypt", AS_OF + 90 * DAY);
    scanner_served_expect same = { "0a:1b:2c", "Let's Encrypt", AS_OF + 90 * DAY };
    assert_int_equal(scanner_served_compare(&same, &l), 0);
    scanner_served_expect renewed = { "0b:00:01", "Let's Encrypt", AS_OF + 180 * DAY };
    assert_int_equal(scanner_served_compare(&renewed, &l),
                     SCANNER_DIFF_SERIAL | SCANNER_DIFF_NOT_AFTER);
    scanner_served_expect other_ca = { "0a:1b:2c", "Amazon", AS_OF + 90 * DAY };
    assert_int_equal(scanner_served_compare(&other_ca, &l), SCANNER_DIFF_ISSUER);
    scanner_served_expect all = { "01", "Amazon", AS_OF };
    assert_int_equal(scanner_served_compare(&all, &l),
                     SCANNER_DIFF_SERIAL | SCANNER_DIFF_NOT_AFTER | SCANNER_DIFF_ISSUER);
    /* Unknown fields never differ. */
    scanner_served_expect unknown = { NULL, NULL, 0 };
    assert_int_equal(scanner_served_compare(&unknown, &l), 0);
    scanner_served_expect only_date = { NULL, "", AS_OF };
    assert_int_equal(scanner_served_compare(&only_date, &l), SCANNER_DIFF_NOT_AFTER);
}

static void test_target_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int ok;
        const char *host;
        int port;
        const char *addr;
    } cases[] = {
        { "www.example.com", 1, "www.example.com", 443, "" },
        { "api.example.com:8443", 1, "api.example.com", 8443, "" },
        { "origin.example.com@203.0.113.7", 1, "origin.example.com", 443, "203.0.113.7" },
        { "a.test:9000@127.0.0.2", 1, "a.test", 9000, "127.0.0.2" },
        { "a.test@[::1]", 1, "a.test", 443, "::1" },
        { "a.test@::1", 1, "a.test", 443, "::1" },
        { "[2001:db8::1]:8443", 1, "2001:db8::1", 8443, "" },
        { "192.0.2.1:65535", 1, "192.0.2.1", 65535, "" },
        { "2001:db8::1", 0, NULL, 0, NULL },           /* IPv6 needs brackets */
        { "a.test:0", 0, NULL, 0, NULL },
        { "a.test:65536", 0, NULL, 0, NULL },
        { "a.test:", 0, NULL, 0, NULL },
        { "a.test:8x", 0, NULL, 0, NULL },
        { "*.example.com", 0, NULL, 0, NULL },
        { "a b", 0, NULL, 0, NULL },
        { "https://a.test", 0, NULL, 0, NULL },
        { "a.test@example.com", 0, NULL, 0, NULL },    /* the address must be an IP */
        { "a.test@", 0, NULL, 0, NULL },
        { "", 0, NULL, 0, NULL },
        { "[::1", 0, NULL, 0, NULL },
        { "[zz]:1", 0, NULL, 0, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char host[CONFIG_MAX_HOST + 1], addr[64], why[160] = "";
        int port = -1;
        int rc = config_probe_target_parse(cases[i].in, host, sizeof(host), &port, addr,
                                           sizeof(addr), why, sizeof(why));
        if (!cases[i].ok) {
            if (rc != AWS_EINVAL || !why[0])
                fail_msg("case %zu '%s': accepted", i, cases[i].in);
            continue;
        }
        if (rc != 0)
            fail_msg("case %zu '%s': refused: %s", i, cases[i].in, why);
        assert_string_equal(host, cases[i].host);
        assert_int_equal(port, cases[i].port);
        assert_string_equal(addr, cases[i].addr);
    }
    /* The reason says what to do about a wildcard. */
    {
        char host[CONFIG_MAX_HOST + 1], addr[64], why[160];
        int port;
        assert_int_equal(config_probe_target_parse("*.example.com:8443", host, sizeof(host), &port,
                                                   addr, sizeof(addr), why, sizeof(why)),
                         AWS_EINVAL);
        assert_non_null(strstr(why, "wildcard"));
    }
    /* A 254-character name is refused. */
    char longname[300];
    memset(longname, 'a', 254);
    longname[254] = '\0';
    char host[CONFIG_MAX_HOST + 1], addr[64], why[160];
    int port;
    assert_int_equal(config_probe_target_parse(longname, host, sizeof(host), &port, addr,
                                               sizeof(addr), why, sizeof(why)), AWS_EINVAL);
    longname[253] = '\0';
    assert_int_equal(config_probe_target_parse(longname, host, sizeof(host), &port, addr,
                                               sizeof(addr), why, sizeof(why)), 0);
}

static scanner_record *healthy(const char *domain)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, "111111111111", "eu-west-1");
    assert_non_null(r);
    scanner_str_set(&r->arn, "arn:aws:acm:eu-west-1:111111111111:certificate/x");
    scanner_str_set(&r->domain, domain);
    scanner_str_set(&r->status, "ISSUED");
    scanner_str_set(&r->type, "IMPORTED");
    scanner_str_set(&r->key_algorithm, "RSA_2048");
    r->not_after = AS_OF + 300 * DAY;
    r->created_at = AS_OF - 30 * DAY;
    return r;
}

/* The probe declares what it reads: with [probe] on, an in-use
 * certificate, or one holding a [probe] hosts name, is described (its
 * serial and issuer are detail only); off, it is judged from its summary. */
static void test_summary_need(void **state)
{
    (void)state;
    config cfg;
    config_init(&cfg);
    scanner_record *r = healthy("app.example.com");
    scanner_record_add_san(r, "*.api.example.com");
    const char *why = NULL;
    unsigned present = SCANNER_F_SUMMARY;
    assert_int_equal(scanner_acm_summary_need(r, present, 1, &cfg, AS_OF, &why),
                     SCANNER_ACM_SUMMARY);
    assert_int_equal(config_set(&cfg, "probe.enabled", "true", NULL), 0);
    assert_int_equal(scanner_acm_summary_need(r, present, 1, &cfg, AS_OF, &why),
                     SCANNER_ACM_DETAIL);
    assert_string_equal(why, "served-certificate probe");
    /* Not in use, no listed host: the summary is enough. */
    assert_int_equal(scanner_acm_summary_need(r, present, 0, &cfg, AS_OF, &why),
                     SCANNER_ACM_SUMMARY);
    assert_false(scanner_served_wants(r, &cfg));
    /* A listed host under its wildcard SAN. */
    assert_int_equal(config_set(&cfg, "probe.hosts", "v1.api.example.com:8443@127.0.0.1", NULL), 0);
    assert_true(scanner_served_wants(r, &cfg));
    assert_int_equal(scanner_acm_summary_need(r, present, 0, &cfg, AS_OF, &why),
                     SCANNER_ACM_DETAIL);
    /* Only the chain check on: in-use certificates still name endpoints. */
    assert_int_equal(config_set(&cfg, "rules.disabled_rules",
                                "served-certificate-mismatch, served-certificate-expiring", NULL), 0);
    assert_int_equal(scanner_acm_summary_need(r, present, 1, &cfg, AS_OF, &why),
                     SCANNER_ACM_DETAIL);
    assert_int_equal(scanner_acm_summary_need(r, present, 0, &cfg, AS_OF, &why),
                     SCANNER_ACM_SUMMARY);
    /* The three rules disabled: nothing to describe for. */
    assert_int_equal(config_set(&cfg, "rules.disabled_rules",
                                "served-certificate-mismatch, served-certificate-expiring, "
                                "served-chain-invalid", NULL), 0);
    assert_int_equal(scanner_acm_summary_need(r, present, 1, &cfg, AS_OF, &why),
                     SCANNER_ACM_SUMMARY);
    scanner_record_free(r);
    config_finish(&cfg);
}

static void test_resolvable_at(void **state)
{
    (void)state;
    config cfg;
    config_init(&cfg);
    scanner_coverage cov;
    scanner_coverage_init(&cov);
    const char *A = "111111111111", *R = "eu-west-1";
    const char *ep = "tls://app.example.com:443", *other = "tls://www.example.com:443";
    int src = SCANNER_SRC_SERVED;
    /* Nothing probed: nothing resolves. */
    assert_false(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-chain-invalid", src, ep));
    assert_int_equal(scanner_coverage_add_endpoint(&cov, A, R, ep), 0);
    assert_true(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-chain-invalid", src, ep));
    assert_true(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-certificate-expiring", src, ep));
    /* Another endpoint of the same account and region was not probed. */
    assert_false(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-chain-invalid", src, other));
    assert_false(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-chain-invalid", src, NULL));
    assert_false(scanner_resolvable(&cov, &cfg, 0, A, R, "served-chain-invalid", src));
    assert_false(scanner_resolvable_at(&cov, &cfg, 0, A, "us-east-1", "served-chain-invalid",
                                       src, ep));
    /* What-if runs never resolve. */
    assert_false(scanner_resolvable_at(&cov, &cfg, 1, A, R, "served-chain-invalid", src, ep));
    /* A mismatch also needs the ACM certificates of that account-region. */
    assert_false(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-certificate-mismatch", src, ep));
    assert_int_equal(scanner_coverage_add(&cov, A, R, 1u << SCANNER_SRC_ACM), 0);
    assert_true(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-certificate-mismatch", src, ep));
    /* Unknown source (an old state row): the endpoint still decides. */
    assert_true(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-certificate-mismatch", -1, ep));
    assert_false(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-certificate-mismatch", -1,
                                       other));
    /* A rule disabled in this run keeps its findings. */
    assert_int_equal(config_set(&cfg, "rules.disabled_rules", "served-chain-invalid", NULL), 0);
    assert_false(scanner_resolvable_at(&cov, &cfg, 0, A, R, "served-chain-invalid", src, ep));
    /* The other rules are unchanged by endpoints. */
    assert_true(scanner_resolvable_at(&cov, &cfg, 0, A, R, "expiring", SCANNER_SRC_ACM, NULL));
    scanner_coverage_finish(&cov);
    config_finish(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_covers),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_issuer),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_target_parse),
        cmocka_unit_test(test_summary_need),
        cmocka_unit_test(test_resolvable_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: dns/ — status names and the c-ares mapping, server strings,
 * CNAME answers (well-formed and malformed), and the resolver on a libuv
 * loop against a UDP name server double on 127.0.0.1 (same loop): every
 * answer kind told apart, timeouts, pacing at max_qps, cancellation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "aws/error.h"
#include "dns/dns.h"
#include "dns/reply.h"
#include "dns_double.h"

/* ---- tables ------------------------------------------------------------ */

static void test_status_from_ares(void **state)
{
    (void)state;
    static const struct { int ares; dns_status st; const char *name; } t[] = {
        { ARES_SUCCESS, DNS_OK, "OK" },
        { ARES_ENOTFOUND, DNS_NXDOMAIN, "NXDOMAIN" },
        { ARES_ENODATA, DNS_NODATA, "NODATA" },
        { ARES_ESERVFAIL, DNS_SERVFAIL, "SERVFAIL" },
        { ARES_EREFUSED, DNS_REFUSED, "REFUSED" },
        { ARES_ETIMEOUT, DNS_TIMEOUT, "TIMEOUT" },
        { ARES_ECONNREFUSED, DNS_ERROR, "ERROR" },
        { ARES_EBADRESP, DNS_ERROR, "ERROR" },
        { ARES_ECANCELLED, DNS_ERROR, "ERROR" },
        { ARES_EDESTRUCTION, DNS_ERROR, "ERROR" },
        { ARES_EFORMERR, DNS_ERROR, "ERROR" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(dns_status_from_ares(t[i].ares), t[i].st);
        assert_string_equal(dns_status_name(t[i].st), t[i].name);
    }
    assert_string_equal(dns_status_name((dns_status)99), "ERROR");
}

static void test_server_check(void **state)
{
    (void)state;
    static const struct { const char *s; int ok; } t[] = {
        { "127.0.0.1", 1 }, { "127.0.0.1:5353", 1 }, { "::1", 1 }, { "[::1]", 1 },
        { "[2001:db8::1]:53", 1 }, { "10.0.0.2:65535", 1 },
        { "", 0 }, { "localhost", 0 }, { "127.0.0.1:0", 0 }, { "127.0.0.1:65536", 0 },
        { "127.0.0.1:", 0 }, { "127.0.0.1:5x", 0 }, { "[::1", 0 }, { "[::1]:", 0 },
        { "[127.0.0.1]", 0 }, { "1.2.3", 0 }, { "1.2.3.4 ", 0 },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int rc = dns_server_check(t[i].s);
        if (t[i].ok != (rc == 0))
            fail_msg("dns_server_check(\"%s\") = %d", t[i].s, rc);
    }
    assert_int_equal(dns_server_check(NULL), AWS_EINVAL);
}

static void test_reply_cname(void **state)
{
    (void)state;
    dns_msg m;
    char out[256];

    dns_msg_put_header(&m, 1, 0, 1, "_abc.example.com", 5);
    dns_msg_put_cname_rr(&m, "_xyz.acm-validations.aws");
    assert_int_equal(dns_reply_cname(m.b, m.n, out, sizeof(out)), ARES_SUCCESS);
    assert_string_equal(out, "_xyz.acm-validations.aws");

    /* an A record only: no CNAME */
    dns_msg_put_header(&m, 1, 0, 1, "x.test", 5);
    dns_msg_put16(&m, 0xC00C); dns_msg_put16(&m, 1); dns_msg_put16(&m, 1); dns_msg_put16(&m, 0); dns_msg_put16(&m, 60);
    dns_msg_put16(&m, 4); dns_msg_put16(&m, 0xC000); dns_msg_put16(&m, 0x0201);
    assert_int_equal(dns_reply_cname(m.b, m.n, out, sizeof(out)), ARES_ENODATA);

    /* truncated in the record, in the header, a pointer loop */
    dns_msg_put_header(&m, 1, 0, 1, "_abc.example.com", 5);
    dns_msg_put_cname_rr(&m, "_xyz.acm-validations.aws");
    for (size_t cut = 0; cut < m.n; cut++)
        assert_int_not_equal(dns_reply_cname(m.b, cut, out, sizeof(out)), ARES_SUCCESS);
    dns_msg_put_header(&m, 1, 0, 1, "x.test", 5);
    dns_msg_put16(&m, 0xC000 | (unsigned)m.n);   /* points at itself */
    dns_msg_put16(&m, 5); dns_msg_put16(&m, 1); dns_msg_put16(&m, 0); dns_msg_put16(&m, 60); dns_msg_put16(&m, 2);
    dns_msg_put16(&m, 0xC00C);
    assert_int_equal(dns_reply_cname(m.b, m.n, out, sizeof(out)), ARES_EBADRESP);

    /* a target longer than the room for it */
    dns_msg_put_header(&m, 1, 0, 1, "x.test", 5);
    dns_msg_put_cname_rr(&m, "abcdefghij.example");
    assert_int_equal(dns_reply_cname(m.b, m.n, out, 8), ARES_EBADRESP);
    assert_int_equal(dns_reply_cname(NULL, 0, out, sizeof(out)), ARES_EBADRESP);
}

/* ---- the resolver -------------------------------------------------------- */

typedef struct result {
    int done;
    dns_status st;
    char target[256];
    size_t n;
    char addr[64];
    uint64_t at_ns;
} result;

static int in_call;   /* set around dns_resolve_* calls */

static void cname_cb(dns_status st, const char *target, void *ud)
{
    result *r = ud;
    assert_int_equal(in_call, 0);
    r->done++;
    r->st = st;
    r->at_ns = uv_hrtime();
    if (st == DNS_OK) {
        assert_non_null(target);
        snprintf(r->target, sizeof(r->target), "%s", target);
    } else {
        assert_null(target);
    }
}

static void addr_cb(dns_status st, const struct sockaddr *const *addrs, size_t n, void *ud)
{
    result *r = ud;
    assert_int_equal(in_call, 0);
    r->done++;
    r->st = st;
    r->n = n;
    if (n > 0 && addrs[0]->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addrs[0])->sin_addr,
                  r->addr, sizeof(r->addr));
}

typedef struct fixture {
    uv_loop_t loop;
    dns_double srv;
    char server_str[32];
    const char *servers[1];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    dns_double_start(&f->loop, &f->srv);
    snprintf(f->server_str, sizeof(f->server_str), "127.0.0.1:%d", f->srv.port);
    f->servers[0] = f->server_str;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    dns_double_stop(&f->srv);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    free(f);
    return 0;
}

static dns_resolver *new_resolver(fixture *f, int timeout_ms, double qps)
{
    dns_options o = { .servers = f->servers, .n_servers = 1, .timeout_ms = timeout_ms,
                      .tries = 1, .max_qps = qps };
    dns_resolver *r = NULL;
    assert_int_equal(dns_resolver_new(&f->loop, &o, &r), 0);
    assert_non_null(r);
    return r;
}

/* Runs the loop until the resolver has nothing left (the server's handle
 * keeps the loop alive, so stop when every result is in). */
static void run_until(fixture *f, result *res, size_t n)
{
    for (int spins = 0; spins < 100000; spins++) {
        size_t done = 0;
        for (size_t i = 0; i < n; i++)
            done += res[i].done ? 1 : 0;
        if (done == n)
            return;
        uv_run(&f->loop, UV_RUN_ONCE);
    }
    fail_msg("lookups did not finish");
}

static void test_cname_answers(void **state)
{
    fixture *f = *state;
    dns_resolver *r = new_resolver(f, 300, 0);
    static const struct { const char *name; dns_status st; const char *target; } t[] = {
        { "ok.test", DNS_OK, "_target.acm-validations.aws" },
        { "upper.test", DNS_OK, "_TARGET.ACM-Validations.AWS" },
        { "nx.test", DNS_NXDOMAIN, NULL },
        { "nodata.test", DNS_NODATA, NULL },
        { "fail.test", DNS_SERVFAIL, NULL },
        { "refused.test", DNS_REFUSED, NULL },
        { "bad.test", DNS_ERROR, NULL },
        { "silent.test", DNS_TIMEOUT, NULL },
    };
    enum { N = sizeof(t) / sizeof(t[0]) };
    result res[N];
    memset(res, 0, sizeof(res));
    for (size_t i = 0; i < N; i++) {
        in_call = 1;
        assert_int_equal(dns_resolve_cname(r, t[i].name, cname_cb, &res[i]), 0);
        in_call = 0;
        assert_int_equal(res[i].done, 0);   /* never from inside the call */
    }
    run_until(f, res, N);
    for (size_t i = 0; i < N; i++) {
        if (res[i].done != 1 || res[i].st != t[i].st)
            fail_msg("%s: done %d, status %s, want %s", t[i].name, res[i].done,
                     dns_status_name(res[i].st), dns_status_name(t[i].st));
        if (t[i].target)
            assert_string_equal(res[i].target, t[i].target);
    }
    assert_int_equal(dns_resolver_started(r), N);
    dns_resolver_free(r);
}

static void test_addr(void **state)
{
    fixture *f = *state;
    dns_resolver *r = new_resolver(f, 300, 0);
    result res[3];
    memset(res, 0, sizeof(res));
    assert_int_equal(dns_resolve_addr(r, "a.test", addr_cb, &res[0]), 0);
    assert_int_equal(dns_resolve_addr(r, "nx.test", addr_cb, &res[1]), 0);
    assert_int_equal(dns_resolve_addr(r, "192.0.2.9", addr_cb, &res[2]), 0);
    assert_int_equal(res[2].done, 0);
    run_until(f, res, 3);
    assert_int_equal(res[0].st, DNS_OK);
    assert_int_equal(res[0].n, 1);
    assert_string_equal(res[0].addr, "192.0.2.7");
    assert_int_equal(res[1].st, DNS_NXDOMAIN);
    assert_int_equal(res[1].n, 0);
    assert_int_equal(res[2].st, DNS_OK);
    assert_string_equal(res[2].addr, "192.0.2.9");
    dns_resolver_free(r);
}

/* 10 lookups at 20 per second: the last starts about 450 ms after the
 * first, and no more than the cap allow have started at any time. */
static void test_pacing(void **state)
{
    fixture *f = *state;
    enum { N = 10 };
    const double qps = 20;
    dns_resolver *r = new_resolver(f, 1000, qps);
    result res[N];
    memset(res, 0, sizeof(res));
    uint64_t t0 = uv_hrtime();
    for (size_t i = 0; i < N; i++)
        assert_int_equal(dns_resolve_cname(r, "ok.test", cname_cb, &res[i]), 0);
    for (int spins = 0; spins < 100000; spins++) {
        size_t done = 0;
        for (size_t i = 0; i < N; i++)
            done += res[i].done ? 1 : 0;
        if (done == N)
            break;
        uv_run(&f->loop, UV_RUN_ONCE);
        double elapsed = (double)(uv_hrtime() - t0) / 1e9;
        size_t allowed = 1 + (size_t)(elapsed * qps + 1e-9);
        if (dns_resolver_started(r) > allowed)
            fail_msg("%zu started after %.3f s (cap allows %zu)",
                     dns_resolver_started(r), elapsed, allowed);
    }
    double span = (double)(res[N - 1].at_ns - t0) / 1e9;
    assert_true(span >= (N - 1) / qps - 0.005);
    assert_true(span < 5.0);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(res[i].st, DNS_OK);
    assert_int_equal(f->srv.queries, N);
    dns_resolver_free(r);
}

/* Freed with lookups waiting and in flight: each is called back once
 * with DNS_ERROR, and every handle closes. */
static void test_free_cancels(void **state)
{
    fixture *f = *state;
    dns_resolver *r = new_resolver(f, 5000, 1);   /* one per second: the rest wait */
    result res[3];
    memset(res, 0, sizeof(res));
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(dns_resolve_cname(r, "silent.test", cname_cb, &res[i]), 0);
    while (f->srv.queries == 0)
        uv_run(&f->loop, UV_RUN_ONCE);   /* the first is in flight */
    assert_int_equal(dns_resolver_started(r), 1);
    dns_resolver_free(r);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(res[i].done, 1);
        assert_int_equal(res[i].st, DNS_ERROR);
    }
    dns_resolver_free(NULL);
}

static void test_bad_options(void **state)
{
    fixture *f = *state;
    dns_resolver *r = (dns_resolver *)1;
    const char *bad[] = { "not-an-ip" };
    dns_options o = { .servers = bad, .n_servers = 1 };
    assert_int_equal(dns_resolver_new(&f->loop, &o, &r), AWS_EINVAL);
    assert_null(r);
    dns_options neg = { .max_qps = -1 };
    assert_int_equal(dns_resolver_new(&f->loop, &neg, &r), AWS_EINVAL);
    r = new_resolver(f, 300, 0);
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    result res;
    assert_int_equal(dns_resolve_cname(r, longname, cname_cb, &res), AWS_EINVAL);
    assert_int_equal(dns_resolve_cname(r, "", cname_cb, &res), AWS_EINVAL);
    assert_int_equal(dns_resolve_cname(r, "x.test", NULL, &res), AWS_EINVAL);
    assert_int_equal(dns_resolve_addr(NULL, "x.test", addr_cb, &res), AWS_EINVAL);
    dns_resolver_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_from_ares),
        cmocka_unit_test(test_server_check),
        cmocka_unit_test(test_reply_cname),
        cmocka_unit_test_setup_teardown(test_cname_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_addr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pacing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

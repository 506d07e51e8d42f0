/* Unit tests: sts/cache.c and sts/chain.c with fake inner providers and a
 * fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "sts/providers.h"

/* ---- a fake provider: answers later, when the test says so --------------- */

typedef struct pending {
    aws_creds_cb cb;
    void *ud;
} pending;

typedef struct fake {
    aws_creds_provider base;
    int gets;                 /* get() calls */
    int sync_err;             /* answer at once with this error (0: wait) */
    int sync_ok;              /* answer at once with creds */
    int start_err;            /* get() returns this */
    pending q[16];
    int nq;
    int64_t expiration;
    int destroyed_flag;
    int *destroyed;
} fake;

static int fake_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    fake *f = (fake *)p;
    f->gets++;
    if (f->start_err)
        return f->start_err;
    if (f->sync_err) {
        cb(f->sync_err, NULL, "fake says no", ud);
        return 0;
    }
    if (f->sync_ok) {
        aws_creds *c = aws_creds_new("AKIAFAKE", "fakesecret", NULL, f->expiration, p->name);
        cb(0, c, NULL, ud);
        aws_creds_unref(c);
        return 0;
    }
    f->q[f->nq].cb = cb;
    f->q[f->nq].ud = ud;
    f->nq++;
    return 0;
}

static void fake_destroy(aws_creds_provider *p)
{
    fake *f = (fake *)p;
    if (f->destroyed)
        (*f->destroyed)++;
    free(f);
}

static const aws_creds_provider_vtable fake_vt = { fake_get, fake_destroy };

static fake *fake_new(const char *name, int *destroyed)
{
    fake *f = calloc(1, sizeof(*f));
    aws_creds_provider_init(&f->base, &fake_vt, name);
    f->destroyed = destroyed;
    return f;
}

/* Answers every queued getter (one inner fetch). */
static void fake_answer(fake *f, int err, const char *akid, int64_t exp)
{
    aws_creds *c = err ? NULL : aws_creds_new(akid, "secret", "token", exp, f->base.name);
    int n = f->nq;
    pending q[16];
    memcpy(q, f->q, sizeof(q));
    f->nq = 0;
    for (int i = 0; i < n; i++)
        q[i].cb(err, c, err ? "inner failed" : NULL, q[i].ud);
    aws_creds_unref(c);
}

/* ---- a getter that records what it got ----------------------------------- */

typedef struct got {
    int calls;
    int err;
    char akid[64];
    char source[48];
    char msg[1024];
} got;

static void record(int err, aws_creds *c, const char *msg, void *ud)
{
    got *g = ud;
    g->calls++;
    g->err = err;
    if (c) {
        snprintf(g->akid, sizeof(g->akid), "%s", c->access_key_id);
        snprintf(g->source, sizeof(g->source), "%s", c->source);
    }
    snprintf(g->msg, sizeof(g->msg), "%s", msg ? msg : "");
}

static int64_t s_now = 1000000;
static int64_t fake_now(void) { return s_now; }

/* ---- cache ---------------------------------------------------------------- */

static void cache_one_refresh_for_many_getters(void **state)
{
    (void)state;
    int destroyed = 0;
    fake *f = fake_new("inner", &destroyed);
    sts_cache_opts o = { .margin = 300, .now = fake_now };
    aws_creds_provider *c = sts_cache_provider_new(&f->base, &o);
    aws_creds_provider_unref(&f->base);
    assert_string_equal(c->name, "inner");

    got g[5] = { { 0 } };
    for (int i = 0; i < 5; i++)
        assert_int_equal(aws_creds_provider_get(c, record, &g[i]), 0);
    assert_int_equal(f->gets, 1);            /* one fetch in flight for five getters */
    for (int i = 0; i < 5; i++)
        assert_int_equal(g[i].calls, 0);
    fake_answer(f, 0, "AKIA1", s_now + 3600);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(g[i].calls, 1);
        assert_int_equal(g[i].err, 0);
        assert_string_equal(g[i].akid, "AKIA1");
    }
    /* cached: answered at once, no new fetch */
    got h = { 0 };
    assert_int_equal(aws_creds_provider_get(c, record, &h), 0);
    assert_int_equal(h.calls, 1);
    assert_string_equal(h.akid, "AKIA1");
    assert_int_equal(f->gets, 1);
    aws_creds_provider_unref(c);
    assert_int_equal(destroyed, 1);
}

static void cache_refreshes_before_expiry(void **state)
{
    (void)state;
    fake *f = fake_new("inner", NULL);
    sts_cache_opts o = { .margin = 300, .now = fake_now };
    aws_creds_provider *c = sts_cache_provider_new(&f->base, &o);
    aws_creds_provider_unref(&f->base);
    got g = { 0 };
    aws_creds_provider_get(c, record, &g);
    fake_answer(f, 0, "AKIA1", s_now + 1000);
    assert_int_equal(g.calls, 1);

    s_now += 699;                            /* 301 s left: still good */
    memset(&g, 0, sizeof(g));
    aws_creds_provider_get(c, record, &g);
    assert_int_equal(g.calls, 1);
    assert_int_equal(f->gets, 1);

    s_now += 1;                              /* 300 s left: inside the margin */
    memset(&g, 0, sizeof(g));
    aws_creds_provider_get(c, record, &g);
    assert_int_equal(f->gets, 2);
    assert_int_equal(g.calls, 0);
    fake_answer(f, 0, "AKIA2", s_now + 3600);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.akid, "AKIA2");
    aws_creds_provider_unref(c);
}

static void cache_never_expiring(void **state)
{
    (void)state;
    fake *f = fake_new("inner", NULL);
    aws_creds_provider *c = sts_cache_provider_new(&f->base, NULL);
    aws_creds_provider_unref(&f->base);
    got g = { 0 };
    aws_creds_provider_get(c, record, &g);
    fake_answer(f, 0, "AKIA1", 0);
    for (int i = 0; i < 3; i++)
        aws_creds_provider_get(c, record, &g);
    assert_int_equal(g.calls, 4);
    assert_int_equal(f->gets, 1);
    aws_creds_provider_unref(c);
}

static void cache_failure_reaches_all_and_is_not_cached(void **state)
{
    (void)state;
    fake *f = fake_new("inner", NULL);
    sts_cache_opts o = { .now = fake_now };
    aws_creds_provider *c = sts_cache_provider_new(&f->base, &o);
    aws_creds_provider_unref(&f->base);
    got g[3] = { { 0 } };
    for (int i = 0; i < 3; i++)
        aws_creds_provider_get(c, record, &g[i]);
    assert_int_equal(f->gets, 1);
    fake_answer(f, AWS_EHTTP, NULL, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g[i].calls, 1);
        assert_int_equal(g[i].err, AWS_EHTTP);
        assert_string_equal(g[i].msg, "inner failed");
    }
    /* next get tries again */
    got h = { 0 };
    aws_creds_provider_get(c, record, &h);
    assert_int_equal(f->gets, 2);
    fake_answer(f, 0, "AKIA3", 0);
    assert_int_equal(h.err, 0);
    assert_string_equal(h.akid, "AKIA3");
    aws_creds_provider_unref(c);
}

static void cache_start_failure_and_sync_inner(void **state)
{
    (void)state;
    fake *f = fake_new("inner", NULL);
    aws_creds_provider *c = sts_cache_provider_new(&f->base, NULL);
    aws_creds_provider_unref(&f->base);
    got g = { 0 };
    f->start_err = AWS_ENOMEM;
    assert_int_equal(aws_creds_provider_get(c, record, &g), AWS_ENOMEM);
    assert_int_equal(g.calls, 0);
    f->start_err = 0;
    f->sync_ok = 1;                          /* inner answers inside get() */
    assert_int_equal(aws_creds_provider_get(c, record, &g), 0);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.akid, "AKIAFAKE");
    assert_int_equal(c->refs, 1);
    aws_creds_provider_unref(c);
}

/* The cache stays alive while a refresh is in flight, even when its owner
 * lets go. */
static void cache_outlives_owner_during_refresh(void **state)
{
    (void)state;
    int destroyed = 0;
    fake *f = fake_new("inner", &destroyed);
    aws_creds_provider *c = sts_cache_provider_new(&f->base, NULL);
    got g = { 0 };
    aws_creds_provider_get(c, record, &g);
    aws_creds_provider_unref(c);
    assert_int_equal(destroyed, 0);
    fake_answer(f, 0, "AKIA1", 0);
    assert_int_equal(g.calls, 1);
    aws_creds_provider_unref(&f->base);
    assert_int_equal(destroyed, 1);
}

/* ---- chain ---------------------------------------------------------------- */

static void chain_order_first_success_wins(void **state)
{
    (void)state;
    fake *a = fake_new("env", NULL), *b = fake_new("profile:dev", NULL), *c = fake_new("ecs", NULL);
    a->sync_err = AWS_ENOCREDS;
    aws_creds_provider *v[3] = { &a->base, &b->base, &c->base };
    const char *labels[3] = { "env", "profile 'dev'", "ECS" };
    aws_creds_provider *ch = sts_chain_provider_new(v, labels, 3);
    for (int i = 0; i < 3; i++)
        aws_creds_provider_unref(v[i]);
    got g = { 0 };
    assert_int_equal(aws_creds_provider_get(ch, record, &g), 0);
    assert_int_equal(a->gets, 1);
    assert_int_equal(b->gets, 1);
    assert_int_equal(c->gets, 0);
    fake_answer(b, 0, "AKIAB", 0);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.source, "profile:dev");
    assert_string_equal(ch->name, "profile:dev");
    /* remembered: the next get goes straight to b */
    b->sync_ok = 1;
    aws_creds_provider_get(ch, record, &g);
    assert_int_equal(a->gets, 1);
    assert_int_equal(b->gets, 2);
    assert_int_equal(c->gets, 0);
    assert_int_equal(g.calls, 2);
    aws_creds_provider_unref(ch);
}

static void chain_none_lists_everything(void **state)
{
    (void)state;
    aws_creds_provider *v[4] = {
        sts_error_provider_new("env", AWS_ENOCREDS, "not set"),
        sts_error_provider_new("profile", AWS_ENOCREDS, "not in /x or /y"),
        sts_error_provider_new("ecs", AWS_ENOCREDS, "not configured"),
        sts_error_provider_new("imds", AWS_ENOCREDS, "disabled by AWS_EC2_METADATA_DISABLED"),
    };
    const char *labels[4] = { "env", "profile 'x'", "ECS", "IMDS" };
    aws_creds_provider *ch = sts_chain_provider_new(v, labels, 4);
    for (int i = 0; i < 4; i++)
        aws_creds_provider_unref(v[i]);
    got g = { 0 };
    assert_int_equal(aws_creds_provider_get(ch, record, &g), 0);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, AWS_ENOCREDS);
    assert_string_equal(g.msg, "no credentials: tried env (not set), profile 'x' (not in /x or /y), "
                               "ECS (not configured), IMDS (disabled by AWS_EC2_METADATA_DISABLED)");
    aws_creds_provider_unref(ch);
}

static void chain_stops_at_broken_source(void **state)
{
    (void)state;
    fake *a = fake_new("env", NULL), *c = fake_new("imds", NULL);
    a->sync_err = AWS_ENOCREDS;
    c->sync_ok = 1;
    aws_creds_provider *b = sts_error_provider_new("profile", AWS_EIO,
                                                   "credential_process exited with status 3");
    aws_creds_provider *v[3] = { &a->base, b, &c->base };
    aws_creds_provider *ch = sts_chain_provider_new(v, NULL, 3);
    for (int i = 0; i < 3; i++)
        aws_creds_provider_unref(v[i]);
    got g = { 0 };
    aws_creds_provider_get(ch, record, &g);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, AWS_EIO);
    assert_string_equal(g.msg, "profile: credential_process exited with status 3");
    assert_int_equal(c->gets, 0);
    aws_creds_provider_unref(ch);
}

static void chain_async_failures_then_success(void **state)
{
    (void)state;
    fake *a = fake_new("a", NULL), *b = fake_new("b", NULL);
    aws_creds_provider *v[2] = { &a->base, &b->base };
    aws_creds_provider *ch = sts_chain_provider_new(v, NULL, 2);
    aws_creds_provider_unref(v[0]);
    aws_creds_provider_unref(v[1]);
    got g = { 0 };
    aws_creds_provider_get(ch, record, &g);
    aws_creds_provider_unref(ch);            /* the attempt keeps the chain alive */
    assert_int_equal(b->gets, 0);
    fake_answer(a, AWS_ENOCREDS, NULL, 0);
    assert_int_equal(b->gets, 1);
    assert_int_equal(g.calls, 0);
    fake_answer(b, 0, "AKIAB", 0);
    assert_int_equal(g.calls, 1);
    assert_string_equal(g.akid, "AKIAB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cache_one_refresh_for_many_getters),
        cmocka_unit_test(cache_refreshes_before_expiry),
        cmocka_unit_test(cache_never_expiring),
        cmocka_unit_test(cache_failure_reaches_all_and_is_not_cached),
        cmocka_unit_test(cache_start_failure_and_sync_inner),
        cmocka_unit_test(cache_outlives_owner_during_refresh),
        cmocka_unit_test(chain_order_first_success_wins),
        cmocka_unit_test(chain_none_lists_everything),
        cmocka_unit_test(chain_stops_at_broken_source),
        cmocka_unit_test(chain_async_failures_then_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

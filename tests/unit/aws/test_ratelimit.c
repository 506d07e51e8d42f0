/* Unit tests: aws/ratelimit.c — pacing lanes per (account, region, scope)
 * at the published rates, cut on throttling and recovered within seconds,
 * with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "aws/error.h"
#include "aws/ratelimit.h"

static int64_t fake_now;

static int64_t fake_clock(void *ud)
{
    (void)ud;
    return fake_now;
}

static aws_ratelimit *new_rl_opts(const aws_ratelimit_opts *o)
{
    fake_now = 1000000;   /* any start time */
    aws_ratelimit *rl = aws_ratelimit_new(o, fake_clock, NULL);
    assert_non_null(rl);
    return rl;
}

static aws_ratelimit *new_rl(void)
{
    return new_rl_opts(NULL);
}

static const aws_rate_key DESCRIBE = { "111122223333", "us-east-1", "acm", "DescribeCertificate" };
static const aws_rate_key LIST = { "111122223333", "us-east-1", "acm", "ListCertificates" };
static const aws_rate_key OTHER_ACCOUNT = { "444455556666", "us-east-1", "acm", "DescribeCertificate" };

/* The key's lane with n waiters queued (*w: the array, freed by the caller). */
static aws_rate_lane *queued(aws_ratelimit *rl, const aws_rate_key *k, size_t n,
                             aws_rate_waiter **w)
{
    aws_rate_lane *lane = aws_ratelimit_lane(rl, k);
    assert_non_null(lane);
    *w = calloc(n, sizeof(**w));
    assert_non_null(*w);
    for (size_t i = 0; i < n; i++)
        aws_ratelimit_push(rl, lane, &(*w)[i]);
    assert_int_equal(aws_ratelimit_waiting(lane), n);
    return lane;
}

/* What a client does with one lane: release heads while next() allows,
 * else sleep the wait it gives (fake clock).  Releases until nobody waits
 * or the clock reaches `until`; stamps each waiter's release time. */
static int drain(aws_ratelimit *rl, aws_rate_lane *lane, int64_t until,
                 const aws_rate_waiter *base, int64_t *when)
{
    int released = 0;
    while (fake_now <= until) {
        int64_t wait;
        aws_rate_waiter *w = aws_ratelimit_next(rl, lane, &wait);
        if (w) {
            aws_ratelimit_sent(lane);     /* on the wire at once */
            if (when)
                when[w - base] = fake_now;
            released++;
            continue;
        }
        if (wait < 0)
            break;
        assert_true(wait >= 1);
        if (fake_now + wait > until)
            break;
        fake_now += wait;
    }
    return released;
}

/* Throttles the key until its rate sits at the floor; every throttled
 * request was sent after the previous cut (so each one counts). */
static void throttle_to_floor(aws_ratelimit *rl, const aws_rate_key *k)
{
    for (int i = 0; i < 40; i++) {
        fake_now += 5;
        assert_int_equal(aws_ratelimit_record(rl, k, 1, fake_now), 0);
    }
    assert_true(fabs(aws_ratelimit_rate(rl, k) - 0.5) < 1e-9);
}

/* Each key starts at the rate AWS publishes for its operation. */
static void starts_at_published_rate(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    assert_true(aws_ratelimit_published(rl, &DESCRIBE) == 10.0);
    assert_true(aws_ratelimit_published(rl, &LIST) == 8.0);
    aws_rate_lane *d = aws_ratelimit_lane(rl, &DESCRIBE);
    aws_rate_lane *l = aws_ratelimit_lane(rl, &LIST);
    assert_non_null(d);
    assert_non_null(l);
    assert_ptr_not_equal(d, l);          /* ACM's two limits: two lanes */
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) == 10.0);
    assert_true(aws_ratelimit_rate(rl, &LIST) == 8.0);
    /* API Gateway v1 and v2 share the control-plane limit: one lane. */
    aws_rate_key v1 = { "111122223333", "us-east-1", "apigateway", "GetDomainNames" };
    aws_rate_key v1b = { "111122223333", "us-east-1", "apigateway", "GetClientCertificates" };
    aws_rate_key v2 = { "111122223333", "us-east-1", "apigatewayv2", "GetDomainNames" };
    assert_ptr_equal(aws_ratelimit_lane(rl, &v1), aws_ratelimit_lane(rl, &v2));
    assert_ptr_equal(aws_ratelimit_lane(rl, &v1), aws_ratelimit_lane(rl, &v1b));
    assert_true(aws_ratelimit_rate(rl, &v1) == 10.0);
    aws_rate_key gf = { "111122223333", "eu-west-1", "securityhub", "GetFindings" };
    aws_rate_key bif = { "111122223333", "eu-west-1", "securityhub", "BatchImportFindings" };
    assert_true(aws_ratelimit_published(rl, &gf) == 3.0);
    assert_true(aws_ratelimit_published(rl, &bif) == 10.0);
    assert_int_equal(aws_ratelimit_keys(rl), 3);
    aws_ratelimit_free(rl);
}

/* An override (a raised quota) replaces the published figure for its scope
 * only; unknown scopes and bad rates are refused. */
static void overrides(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    assert_int_equal(aws_ratelimit_set_rate(rl, "acm:DescribeCertificate", 25), 0);
    assert_int_equal(aws_ratelimit_set_rate(rl, "acm:DescribeCertificate", 20), 0);
    assert_true(aws_ratelimit_published(rl, &DESCRIBE) == 20.0);
    assert_true(aws_ratelimit_published(rl, &LIST) == 8.0);
    assert_int_equal(aws_ratelimit_set_rate(rl, "acm:Nope", 20), AWS_EINVAL);
    assert_int_equal(aws_ratelimit_set_rate(rl, NULL, 20), AWS_EINVAL);
    assert_int_equal(aws_ratelimit_set_rate(rl, "acm:ListCertificates", 0), AWS_EINVAL);
    assert_int_equal(aws_ratelimit_set_rate(rl, "acm:ListCertificates", -1), AWS_EINVAL);
    /* 200 waiters: about 20 per second once the burst is gone. */
    aws_rate_waiter *w;
    aws_rate_lane *lane = queued(rl, &DESCRIBE, 200, &w);
    int first = drain(rl, lane, fake_now + 999, w, NULL);
    assert_in_range(first, 19, 21);
    free(w);
    aws_ratelimit_free(rl);
}

/* The first burst never exceeds the limit: 100 calls queued at once on a
 * fresh DescribeCertificate lane go at 10 per second, not all at once. */
static void first_burst_within_limit(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    aws_rate_waiter *w;
    aws_rate_lane *lane = queued(rl, &DESCRIBE, 100, &w);
    int64_t when[100];
    int64_t t0 = fake_now;
    int64_t wait;
    assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), &w[0]);   /* the burst: one */
    when[0] = fake_now;
    aws_ratelimit_sent(lane);
    assert_null(aws_ratelimit_next(rl, lane, &wait));
    assert_in_range(wait, 99, 101);
    int n = 1 + drain(rl, lane, INT64_MAX, w, when);
    assert_int_equal(n, 100);
    assert_int_equal(aws_ratelimit_waiting(lane), 0);
    /* In every window of one second, at most 10 + the burst of 1, and FIFO. */
    for (int i = 0; i < 100; i++) {
        if (i)
            assert_true(when[i] >= when[i - 1]);
        int inside = 0;
        for (int j = i; j < 100 && when[j] < when[i] + 1000; j++)
            inside++;
        assert_true(inside <= 11);
    }
    /* ... and no slower than the limit either: 100 calls in about 10 s. */
    assert_in_range(when[99] - t0, 9800, 10000);
    assert_null(aws_ratelimit_next(rl, lane, &wait));
    assert_int_equal(wait, -1);
    free(w);
    aws_ratelimit_free(rl);
}

/* The case of the issue: a key throttled into its minimum rate, with calls
 * already queued.  Once the throttling stops, its rate is back at the
 * published one within seconds, and the calls that were queued during the
 * collapse are released at the recovered rate, not at the collapsed one. */
static void recovers_and_releases_queued_calls_at_recovered_rate(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    aws_rate_waiter *w;
    aws_rate_lane *lane = queued(rl, &DESCRIBE, 100, &w);
    int64_t when[100];
    throttle_to_floor(rl, &DESCRIBE);
    int64_t cut = fake_now;
    /* No throttling from now on.  Within the longest ramp (8 s) the rate is
     * back at the published 10/s. */
    int early = drain(rl, lane, cut + 8000, w, when);
    fake_now = cut + 8000;
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) == 10.0);
    /* While recovering, releases sped up (not 0.5/s all along: that would
     * be 4 in 8 s). */
    assert_true(early >= 20);
    /* The calls still queued go at the recovered rate: 10 per second. */
    int64_t t1 = fake_now;
    int next_second = drain(rl, lane, t1 + 999, w, when);
    assert_in_range(next_second, 9, 11);
    int rest = drain(rl, lane, INT64_MAX, w, when);
    assert_int_equal(early + next_second + rest, 100);
    /* Everything done within about 8 s of recovery + 100 calls at 10/s;
     * at the collapsed rate it would have taken 200 s. */
    assert_true(when[99] - cut < 8000 + 10000 + 1000);
    free(w);
    aws_ratelimit_free(rl);
}

/* A single throttle after the limit: cut to beta * rate, back at the
 * published rate 2 s later. */
static void one_throttle_recovers_in_two_seconds(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 0, fake_now), 0);
    assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 1, fake_now), 0);
    assert_true(fabs(aws_ratelimit_rate(rl, &DESCRIBE) - 7.0) < 1e-9);
    fake_now += 1000;
    assert_true(fabs(aws_ratelimit_rate(rl, &DESCRIBE) - 8.5) < 1e-9);
    fake_now += 1000;
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) == 10.0);
    aws_ratelimit_free(rl);
}

/* Answers to requests sent before the last cut carry no news: a burst of
 * throttles from one overload cuts once, not once per answer. */
static void burst_of_throttles_cuts_once(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    int64_t sent = fake_now;
    fake_now += 100;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 1, sent + i), 0);
        fake_now += 1;
    }
    assert_true(fabs(aws_ratelimit_rate(rl, &DESCRIBE) - 7.0) < 0.1);
    /* Unknown send time (< 0): counts as new. */
    assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 1, -1), 0);
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) < 5.0);
    aws_ratelimit_free(rl);
}

/* A throttled key never slows another: another account, the other ACM
 * operation of the same account, another region. */
static void throttled_key_does_not_slow_another(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    aws_rate_key region2 = DESCRIBE;
    region2.region = "eu-west-1";
    const aws_rate_key *others[] = { &OTHER_ACCOUNT, &LIST, &region2 };
    aws_rate_waiter *ws;
    aws_rate_lane *slow = queued(rl, &DESCRIBE, 50, &ws);
    throttle_to_floor(rl, &DESCRIBE);
    for (size_t o = 0; o < 3; o++) {
        aws_rate_waiter *w;
        aws_rate_lane *lane = queued(rl, others[o], 50, &w);
        assert_ptr_not_equal(lane, slow);
        int64_t t0 = fake_now;
        int n = drain(rl, lane, t0 + 999, w, NULL);
        double pub = aws_ratelimit_published(rl, others[o]);
        assert_in_range(n, (int)pub - 1, (int)pub + 1);
        assert_true(aws_ratelimit_rate(rl, others[o]) == pub);
        fake_now = t0;           /* the lanes run side by side (each had its own time) */
        free(w);
    }
    assert_true(fabs(aws_ratelimit_rate(rl, &DESCRIBE) - 0.5) < 1e-9);
    /* Unpaced callers (acquire) follow the same lanes. */
    aws_rate_key fresh = { "777788889999", "us-east-1", "acm", "DescribeCertificate" };
    assert_int_equal(aws_ratelimit_acquire(rl, &fresh), 0);
    int64_t d = aws_ratelimit_acquire(rl, &DESCRIBE);
    assert_true(d > 0 && d <= 2000);
    free(ws);
    aws_ratelimit_free(rl);
}

/* A limit lower than the table's (someone else uses the same quota): a
 * throttle during the ramp doubles the next ramp, up to max_recover. */
static void lower_limit_is_probed_less_often(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 1, fake_now), 0);   /* ramp 2 s */
    fake_now += 1000;
    assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 1, fake_now), 0);   /* ramp 4 s */
    fake_now += 3000;
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) < 10.0);
    fake_now += 1000;
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) == 10.0);
    for (int i = 0; i < 10; i++) {
        fake_now += 10;
        assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 1, fake_now), 0);
    }
    int64_t cut = fake_now;
    fake_now = cut + 7900;
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) < 10.0);
    fake_now = cut + 8000;
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) == 10.0);
    aws_ratelimit_free(rl);
}

static void cancel_and_fifo(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    aws_rate_lane *lane = aws_ratelimit_lane(rl, &DESCRIBE);
    aws_rate_waiter w[4];
    for (int i = 0; i < 4; i++)
        aws_ratelimit_push(rl, lane, &w[i]);
    assert_ptr_equal(aws_ratelimit_head(lane), &w[0]);
    aws_ratelimit_cancel(lane, &w[0]);
    aws_ratelimit_cancel(lane, &w[3]);
    aws_ratelimit_cancel(lane, &w[3]);    /* not queued any more: no-op */
    assert_int_equal(aws_ratelimit_waiting(lane), 2);
    int64_t wait;
    assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), &w[1]);
    aws_ratelimit_sent(lane);
    fake_now += 100;
    assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), &w[2]);
    aws_ratelimit_sent(lane);
    aws_rate_waiter late;
    aws_ratelimit_push(rl, lane, &late);  /* the tail was fixed by the cancel */
    fake_now += 100;
    assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), &late);
    aws_ratelimit_sent(lane);
    assert_null(aws_ratelimit_next(rl, lane, &wait));
    assert_int_equal(wait, -1);
    aws_ratelimit_free(rl);
}

/* Waiters of a higher level lead the queue, each level in its own order,
 * ahead of lower ones pushed before them; cancelling one keeps the order of
 * the rest (a ListAccounts page is not held behind a queue of account-tag
 * calls in the same Organizations lane). */
static void levels_lead_the_queue(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    aws_rate_lane *lane = aws_ratelimit_lane(rl, &DESCRIBE);
    aws_rate_waiter n1, n2, f1, f2, f3, n3, f4, e1;
    aws_ratelimit_push(rl, lane, &n1);
    aws_ratelimit_push(rl, lane, &n2);
    aws_ratelimit_push_level(rl, lane, &f1, 2);
    aws_ratelimit_push_level(rl, lane, &f2, 2);
    aws_ratelimit_push_level(rl, lane, &f3, 2);
    aws_ratelimit_push(rl, lane, &n3);
    aws_ratelimit_push_level(rl, lane, &e1, 3);   /* ahead of every level-2 one */
    aws_ratelimit_cancel(lane, &f3);              /* the last level-2 one */
    assert_int_equal(aws_ratelimit_waiting(lane), 6);
    const aws_rate_waiter *want[] = { &e1, &f1, &f2, &f4, &n1, &n2, &n3 };
    int64_t wait;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (i == 2)
            aws_ratelimit_push_level(rl, lane, &f4, 2);   /* after f2, still queued */
        fake_now += 100;
        assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), want[i]);
        aws_ratelimit_sent(lane);
    }
    assert_null(aws_ratelimit_next(rl, lane, &wait));
    /* The queue empty: a plain push after a level-1 one comes after it, and
     * the tail is right for the next plain push. */
    aws_rate_waiter f5, n4, n5;
    aws_ratelimit_push(rl, lane, &n4);
    aws_ratelimit_push_level(rl, lane, &f5, 1);
    aws_ratelimit_push(rl, lane, &n5);
    const aws_rate_waiter *want2[] = { &f5, &n4, &n5 };
    for (size_t i = 0; i < 3; i++) {
        fake_now += 100;
        assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), want2[i]);
        aws_ratelimit_sent(lane);
    }
    aws_ratelimit_free(rl);
}

/* Released calls that wait for something else (an in-flight slot) before
 * they go on the wire hold the lane: at most rate - burst of them (9 for
 * DescribeCertificate) are out at once, so when they finally go together
 * they still fit a server bucket of a second's worth. */
static void released_calls_hold_the_lane(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    aws_rate_waiter *w;
    aws_rate_lane *lane = queued(rl, &DESCRIBE, 20, &w);
    int64_t wait;
    int released = 0;
    for (int i = 0; i < 9; i++) {
        aws_rate_waiter *got = aws_ratelimit_next(rl, lane, &wait);
        if (!got) {
            assert_true(wait > 0);
            fake_now += wait;
            got = aws_ratelimit_next(rl, lane, &wait);
        }
        assert_ptr_equal(got, &w[released++]);
    }
    fake_now += 3000;                     /* none of the 9 got a slot for 3 s */
    assert_null(aws_ratelimit_next(rl, lane, &wait));
    assert_int_equal(wait, 0);
    for (int i = 0; i < 9; i++)
        aws_ratelimit_sent(lane);         /* the clump: 9 */
    /* One token saved up (the burst), then 1/rate again. */
    assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), &w[released++]);
    aws_ratelimit_sent(lane);
    assert_null(aws_ratelimit_next(rl, lane, &wait));
    assert_in_range(wait, 99, 101);
    /* Not droppable while a released call is out. */
    fake_now += wait;
    assert_ptr_equal(aws_ratelimit_next(rl, lane, &wait), &w[released++]);
    for (int i = released; i < 20; i++)
        aws_ratelimit_cancel(lane, &w[i]);
    fake_now += 3600000;
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    aws_ratelimit_sent(lane);
    aws_ratelimit_sent(lane);             /* one too many: harmless */
    fake_now += 3600000;
    assert_int_equal(aws_ratelimit_sweep(rl), 1);
    free(w);
    aws_ratelimit_free(rl);
    /* A slow limit holds at least its burst: GetFindings (3/s, burst 2). */
    rl = new_rl();
    aws_rate_key gf = { "111122223333", "eu-west-1", "securityhub", "GetFindings" };
    lane = queued(rl, &gf, 5, &w);
    assert_non_null(aws_ratelimit_next(rl, lane, &wait));
    assert_non_null(aws_ratelimit_next(rl, lane, &wait));
    fake_now += 5000;
    assert_null(aws_ratelimit_next(rl, lane, &wait));
    assert_int_equal(wait, 0);
    for (int i = 2; i < 5; i++)
        aws_ratelimit_cancel(lane, &w[i]);
    free(w);
    aws_ratelimit_free(rl);
}

static void many_keys(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    char k[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof(k), "%012d", i);
        aws_rate_key key = { k, "us-east-1", "acm", "DescribeCertificate" };
        assert_int_equal(aws_ratelimit_record(rl, &key, i % 2, fake_now), 0);
    }
    assert_int_equal(aws_ratelimit_keys(rl), 3000);
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof(k), "%012d", i);
        aws_rate_key key = { k, "us-east-1", "acm", "DescribeCertificate" };
        double r = aws_ratelimit_rate(rl, &key);
        if (i % 2)
            assert_true(fabs(r - 7.0) < 1e-9);
        else
            assert_true(r == 10.0);
    }
    /* Keys that only look alike when concatenated stay apart. */
    aws_rate_key a = { "a", "b\x1f" "c", "acm", "DescribeCertificate" };
    aws_rate_key b = { "a\x1f" "b", "c", "acm", "DescribeCertificate" };
    assert_int_equal(aws_ratelimit_record(rl, &a, 1, fake_now), 0);
    assert_true(aws_ratelimit_rate(rl, &b) == 0.0);
    aws_rate_key none = { NULL, NULL, NULL, NULL };
    assert_int_equal(aws_ratelimit_acquire(rl, &none), 0);
    assert_true(aws_ratelimit_published(rl, &none) > 0);
    aws_ratelimit_free(rl);
    aws_ratelimit_free(NULL);
}

static aws_ratelimit *new_rl_idle(double idle_seconds)
{
    aws_ratelimit_opts o = { .idle_seconds = idle_seconds };
    return new_rl_opts(&o);
}

static void idle_lanes_are_dropped(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl_idle(60);
    char k[32];
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof(k), "%012d", i);
        aws_rate_key a = { k, "us-east-1", "acm", "ListCertificates" };
        aws_rate_key b = { k, "eu-west-1", "iam", "ListServerCertificates" };
        assert_int_equal(aws_ratelimit_record(rl, &a, 0, fake_now), 0);
        assert_int_equal(aws_ratelimit_record(rl, &b, 0, fake_now), 0);
    }
    assert_int_equal(aws_ratelimit_keys(rl), 1000);
    aws_rate_key keep = { "keep", "us-east-1", "acm", "ListCertificates" };
    /* Used 30 s ago: kept, whatever triggers a sweep. */
    fake_now += 30000;
    assert_int_equal(aws_ratelimit_record(rl, &keep, 0, fake_now), 0);
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 1001);
    /* Past the idle time, the next use of any key sweeps them away. */
    fake_now += 31000;
    assert_int_equal(aws_ratelimit_record(rl, &keep, 0, fake_now), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 1);
    /* A lane with a waiter or caller data stays however idle. */
    aws_rate_lane *lane = aws_ratelimit_lane(rl, &DESCRIBE);
    aws_rate_waiter w;
    aws_ratelimit_push(rl, lane, &w);
    aws_rate_lane *lane2 = aws_ratelimit_lane(rl, &LIST);
    int data;
    aws_ratelimit_set_lane_data(lane2, &data);
    fake_now += 600000;
    assert_int_equal(aws_ratelimit_sweep(rl), 1);    /* "keep" */
    assert_int_equal(aws_ratelimit_keys(rl), 2);
    assert_ptr_equal(aws_ratelimit_lane_data(lane2), &data);
    aws_ratelimit_cancel(lane, &w);
    aws_ratelimit_set_lane_data(lane2, NULL);
    assert_int_equal(aws_ratelimit_sweep(rl), 2);
    assert_int_equal(aws_ratelimit_keys(rl), 0);
    /* A dropped key comes back as a new one, at its published rate. */
    assert_int_equal(aws_ratelimit_acquire(rl, &DESCRIBE), 0);
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) == 10.0);
    aws_ratelimit_free(rl);

    /* idle_seconds < 0: never dropped. */
    rl = new_rl_idle(-1);
    assert_int_equal(aws_ratelimit_record(rl, &DESCRIBE, 0, fake_now), 0);
    fake_now += 86400000;
    assert_int_equal(aws_ratelimit_record(rl, &LIST, 0, fake_now), 0);
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 2);
    aws_ratelimit_free(rl);
    assert_int_equal(aws_ratelimit_sweep(NULL), 0);
}

/* By default a finished account-region's lanes go within seconds (a large
 * scan touches tens of thousands of keys; 600 s kept them all to the end),
 * and forgetting one changes nothing: it comes back at the published rate
 * with a full bucket, as it would have been. */
static void default_idle_time_is_short(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    char k[32];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof(k), "%012d", i);
        aws_rate_key a = { k, "us-east-1", "acm", "DescribeCertificate" };
        assert_int_equal(aws_ratelimit_acquire(rl, &a), 0);
    }
    assert_int_equal(aws_ratelimit_keys(rl), 100);
    fake_now += 5000;
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    fake_now += 6000;
    assert_int_equal(aws_ratelimit_sweep(rl), 100);
    assert_int_equal(aws_ratelimit_acquire(rl, &DESCRIBE), 0);
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) == 10.0);
    aws_ratelimit_free(rl);
}

/* A lane still recovering is not forgotten just because nobody used it for
 * the idle time: forgetting it would restart it at the full rate. */
static void recovering_lane_is_kept(void **state)
{
    (void)state;
    aws_ratelimit_opts o = { .idle_seconds = 1 };
    aws_ratelimit *rl = new_rl_opts(&o);
    throttle_to_floor(rl, &DESCRIBE);    /* ramp 8 s */
    fake_now += 2000;
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    assert_true(aws_ratelimit_rate(rl, &DESCRIBE) < 10.0);
    fake_now += 6000;
    assert_int_equal(aws_ratelimit_sweep(rl), 1);
    assert_int_equal(aws_ratelimit_keys(rl), 0);
    aws_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(starts_at_published_rate),
        cmocka_unit_test(overrides),
        cmocka_unit_test(first_burst_within_limit),
        cmocka_unit_test(recovers_and_releases_queued_calls_at_recovered_rate),
        cmocka_unit_test(one_throttle_recovers_in_two_seconds),
        cmocka_unit_test(burst_of_throttles_cuts_once),
        cmocka_unit_test(throttled_key_does_not_slow_another),
        cmocka_unit_test(lower_limit_is_probed_less_often),
        cmocka_unit_test(cancel_and_fifo),
        cmocka_unit_test(levels_lead_the_queue),
        cmocka_unit_test(released_calls_hold_the_lane),
        cmocka_unit_test(many_keys),
        cmocka_unit_test(idle_lanes_are_dropped),
        cmocka_unit_test(recovering_lane_is_kept),
        cmocka_unit_test(default_idle_time_is_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

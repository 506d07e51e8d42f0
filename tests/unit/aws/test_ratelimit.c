/* Unit tests: aws/ratelimit.c — the adaptive token bucket, with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "aws/ratelimit.h"

static int64_t fake_now;

static int64_t fake_clock(void *ud)
{
    (void)ud;
    return fake_now;
}

static aws_ratelimit *new_rl(void)
{
    fake_now = 1000000;   /* any start time */
    aws_ratelimit *rl = aws_ratelimit_new(NULL, fake_clock, NULL);
    assert_non_null(rl);
    return rl;
}

/* Sends like a client would for `ms` milliseconds, one request every
 * `every_ms` at most, waiting whenever the bucket says so; every answer is a
 * success.  Returns the number of requests sent. */
static int send_for(aws_ratelimit *rl, const char *k, int64_t ms, int64_t every_ms)
{
    int64_t end = fake_now + ms;
    int sent = 0;
    while (fake_now < end) {
        int64_t d = aws_ratelimit_acquire(rl, k, "us-east-1", "acm");
        assert_true(d >= 0);
        if (d > 0) {
            fake_now += d;
            continue;
        }
        sent++;
        assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 0), 0);
        fake_now += every_ms;
    }
    return sent;
}

static void inactive_until_throttled(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    /* No throttling seen: every request may go at once, even a burst. */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(aws_ratelimit_acquire(rl, "111122223333", "us-east-1", "acm"), 0);
    assert_true(aws_ratelimit_rate(rl, "111122223333", "us-east-1", "acm") == 0.0);
    /* Successes alone do not switch it on either. */
    assert_int_equal(send_for(rl, "111122223333", 3000, 10) > 250, 1);
    assert_true(aws_ratelimit_rate(rl, "111122223333", "us-east-1", "acm") == 0.0);
    aws_ratelimit_free(rl);
}

static void rate_drops_after_throttle_and_recovers(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    const char *k = "111122223333";
    /* 10 requests per second for 5 s: the measured send rate settles near 10. */
    int sent = send_for(rl, k, 5000, 100);
    assert_in_range(sent, 49, 51);
    assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 1), 0);
    double after_throttle = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
    /* beta * measured rate: about 0.7 * 10. */
    assert_true(after_throttle > 5.0 && after_throttle < 8.0);

    /* A second throttle right away cuts it again (to beta * current rate). */
    assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 1), 0);
    double after_second = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
    assert_true(after_second < after_throttle);
    assert_true(after_second >= 0.5);

    /* Successes let it grow back along the cubic curve. */
    double prev = after_second;
    int grew = 0;
    for (int s = 0; s < 8; s++) {
        send_for(rl, k, 1000, 50);
        double r = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
        if (r > prev)
            grew++;
        prev = r;
    }
    assert_true(grew >= 6);
    assert_true(prev > after_throttle);
    aws_ratelimit_free(rl);
}

static void burst_is_paced(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    const char *k = "111122223333";
    send_for(rl, k, 4000, 250);   /* about 4 per second */
    assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 1), 0);
    double rate = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
    assert_true(rate >= 0.5 && rate < 4.0);

    /* 20 requests wanted at once: after what the bucket holds, each waits
     * about 1/rate seconds. */
    int64_t start = fake_now;
    int immediate = 0, sent = 0;
    while (sent < 20) {
        int64_t d = aws_ratelimit_acquire(rl, k, "us-east-1", "acm");
        assert_true(d >= 0);
        if (d == 0) {
            if (fake_now == start)
                immediate++;
            sent++;
            continue;
        }
        assert_true(d <= (int64_t)ceil(1000.0 / rate) + 1);
        fake_now += d;
    }
    assert_true(immediate <= (int)ceil(rate) + 1);
    double elapsed = (double)(fake_now - start) / 1000.0;
    double expect = (20 - ceil(rate) - 1) / rate;
    assert_true(elapsed >= expect * 0.95);
    assert_true(elapsed <= 20 / rate + 1.0);
    aws_ratelimit_free(rl);
}

static void min_rate_floor(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    const char *k = "111122223333";
    for (int i = 0; i < 50; i++) {
        assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 1), 0);
        fake_now += 10;
    }
    double rate = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
    assert_true(fabs(rate - 0.5) < 1e-9);
    /* At the floor a token is never more than 2 s away. */
    for (int i = 0; i < 5; i++) {
        int64_t d = aws_ratelimit_acquire(rl, k, "us-east-1", "acm");
        assert_true(d >= 0 && d <= 2000);
        fake_now += d;
    }
    aws_ratelimit_free(rl);
}

static void keys_are_independent(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    send_for(rl, "111122223333", 2000, 100);
    assert_int_equal(aws_ratelimit_record(rl, "111122223333", "us-east-1", "acm", 1), 0);
    assert_true(aws_ratelimit_rate(rl, "111122223333", "us-east-1", "acm") > 0);

    /* The throttled key is paced ... */
    int waited = 0;
    for (int i = 0; i < 20; i++)
        if (aws_ratelimit_acquire(rl, "111122223333", "us-east-1", "acm") > 0)
            waited++;
    assert_true(waited > 0);
    /* ... another account, region or service is not. */
    for (int i = 0; i < 100; i++) {
        assert_int_equal(aws_ratelimit_acquire(rl, "444455556666", "us-east-1", "acm"), 0);
        assert_int_equal(aws_ratelimit_acquire(rl, "111122223333", "eu-west-1", "acm"), 0);
        assert_int_equal(aws_ratelimit_acquire(rl, "111122223333", "us-east-1", "iam"), 0);
        assert_int_equal(aws_ratelimit_acquire(rl, NULL, NULL, NULL), 0);
    }
    /* Keys that only look alike when concatenated stay apart. */
    assert_int_equal(aws_ratelimit_record(rl, "a", "b\x1f" "c", "d", 1), 0);
    assert_int_equal(aws_ratelimit_acquire(rl, "a\x1f" "b", "c", "d"), 0);
    assert_true(aws_ratelimit_rate(rl, "a\x1f" "b", "c", "d") == 0.0);
    aws_ratelimit_free(rl);
}

static void many_keys(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    char k[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof(k), "%012d", i);
        assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", i % 2), 0);
    }
    assert_int_equal(aws_ratelimit_keys(rl), 3000);
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof(k), "%012d", i);
        double r = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
        if (i % 2)
            assert_true(r >= 0.5);
        else
            assert_true(r == 0.0);
    }
    aws_ratelimit_free(rl);
    aws_ratelimit_free(NULL);
}

/* Waiters reserve distinct send times, 1/rate apart, instead of all asking
 * again when one token comes back. */
static void reserve_spaces_waiters(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl();
    const char *k = "111122223333";
    /* Inactive: nothing to wait for, and no state is made. */
    for (int i = 0; i < 100; i++)
        assert_int_equal(aws_ratelimit_reserve(rl, k, "us-east-1", "acm"), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 0);

    send_for(rl, k, 4000, 250);
    assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 1), 0);
    double rate = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
    assert_true(rate >= 0.5 && rate < 4.0);
    /* Whatever the bucket holds goes at once ... */
    int immediate = 0;
    int64_t d;
    while ((d = aws_ratelimit_reserve(rl, k, "us-east-1", "acm")) == 0)
        immediate++;
    assert_true(immediate <= (int)ceil(rate) + 1);
    /* ... then each later caller is told a later time, 1/rate after the
     * previous one, without the clock moving. */
    int64_t step = (int64_t)(1000.0 / rate);
    int64_t prev = d;
    assert_true(d > 0 && d <= step + 1);
    for (int i = 0; i < 10; i++) {
        int64_t n = aws_ratelimit_reserve(rl, k, "us-east-1", "acm");
        assert_true(n - prev >= step - 1 && n - prev <= step + 1);
        prev = n;
    }
    /* A plain acquire also sees the debt: nothing before the last reservation. */
    int64_t a = aws_ratelimit_acquire(rl, k, "us-east-1", "acm");
    assert_true(a >= prev);
    /* Once the time has come the bucket is square again. */
    fake_now += prev + step + 1;
    assert_int_equal(aws_ratelimit_acquire(rl, k, "us-east-1", "acm"), 0);
    aws_ratelimit_free(rl);
}

static aws_ratelimit *new_rl_idle(double idle_seconds)
{
    fake_now = 5000000;
    aws_ratelimit_opts o = { .idle_seconds = idle_seconds };
    aws_ratelimit *rl = aws_ratelimit_new(&o, fake_clock, NULL);
    assert_non_null(rl);
    return rl;
}

static void idle_buckets_are_dropped(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl_idle(60);
    char k[32];
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof(k), "%012d", i);
        assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 0), 0);
        assert_int_equal(aws_ratelimit_record(rl, k, "eu-west-1", "iam", 0), 0);
    }
    assert_int_equal(aws_ratelimit_keys(rl), 1000);
    /* Used 30 s ago: kept, whatever triggers a sweep. */
    fake_now += 30000;
    assert_int_equal(aws_ratelimit_record(rl, "keep", "us-east-1", "acm", 0), 0);
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 1001);
    /* Past the idle time, the next use of any key sweeps them away; the key
     * in use stays. */
    fake_now += 31000;
    assert_int_equal(aws_ratelimit_record(rl, "keep", "us-east-1", "acm", 0), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 1);
    /* acquire and reserve sweep too. */
    fake_now += 61000;
    assert_int_equal(aws_ratelimit_acquire(rl, "other", "us-east-1", "acm"), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 0);
    /* A dropped key comes back as a new one when used again. */
    assert_int_equal(aws_ratelimit_record(rl, "000000000007", "us-east-1", "acm", 1), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 1);
    assert_true(aws_ratelimit_rate(rl, "000000000007", "us-east-1", "acm") >= 0.5);
    aws_ratelimit_free(rl);

    /* idle_seconds < 0: never dropped. */
    rl = new_rl_idle(-1);
    assert_int_equal(aws_ratelimit_record(rl, "a", "us-east-1", "acm", 0), 0);
    fake_now += 86400000;
    assert_int_equal(aws_ratelimit_record(rl, "b", "us-east-1", "acm", 0), 0);
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    assert_int_equal(aws_ratelimit_keys(rl), 2);
    aws_ratelimit_free(rl);
    assert_int_equal(aws_ratelimit_sweep(NULL), 0);
}

/* A bucket still adapting after a throttle is not forgotten just because it
 * was not used for the idle time: not while its CUBIC curve is below the
 * rate it had before the throttle, nor while callers owe it tokens. */
static void adapting_bucket_is_kept(void **state)
{
    (void)state;
    aws_ratelimit *rl = new_rl_idle(1);
    const char *k = "111122223333";
    /* ~50 requests/s, then a throttle: W_max ~ 50, K = cbrt(50 * 0.3 / 0.4)
     * ~ 3.3 s until the curve is back at W_max. */
    send_for(rl, k, 3000, 20);
    assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 1), 0);
    double rate = aws_ratelimit_rate(rl, k, "us-east-1", "acm");
    assert_true(rate > 20 && rate < 50);
    fake_now += 2000;               /* idle 2 s > 1 s, but still recovering */
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    assert_true(aws_ratelimit_rate(rl, k, "us-east-1", "acm") == rate);
    fake_now += 2000;               /* 4 s after the throttle: recovered */
    assert_int_equal(aws_ratelimit_sweep(rl), 1);
    assert_int_equal(aws_ratelimit_keys(rl), 0);
    assert_true(aws_ratelimit_rate(rl, k, "us-east-1", "acm") == 0.0);

    /* Throttled down to the floor (0.5/s, K small), then ten callers
     * reserve: about 18 s of owed tokens keep the bucket. */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(aws_ratelimit_record(rl, k, "us-east-1", "acm", 1), 0);
        fake_now += 10;
    }
    assert_true(fabs(aws_ratelimit_rate(rl, k, "us-east-1", "acm") - 0.5) < 1e-9);
    int64_t last = 0;
    for (int i = 0; i < 10; i++)
        last = aws_ratelimit_reserve(rl, k, "us-east-1", "acm");
    assert_true(last > 15000);
    fake_now += 5000;
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    fake_now += last - 5000 - 2000; /* the last reservation is 2 s away */
    assert_int_equal(aws_ratelimit_sweep(rl), 0);
    assert_true(aws_ratelimit_rate(rl, k, "us-east-1", "acm") > 0);
    fake_now += 2000 + 2000 + 1000; /* paid back, full again, idle */
    assert_int_equal(aws_ratelimit_sweep(rl), 1);
    assert_int_equal(aws_ratelimit_keys(rl), 0);
    aws_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inactive_until_throttled),
        cmocka_unit_test(rate_drops_after_throttle_and_recovers),
        cmocka_unit_test(burst_is_paced),
        cmocka_unit_test(min_rate_floor),
        cmocka_unit_test(keys_are_independent),
        cmocka_unit_test(many_keys),
        cmocka_unit_test(reserve_spaces_waiters),
        cmocka_unit_test(idle_buckets_are_dropped),
        cmocka_unit_test(adapting_bucket_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

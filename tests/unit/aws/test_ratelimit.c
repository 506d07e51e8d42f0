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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inactive_until_throttled),
        cmocka_unit_test(rate_drops_after_throttle_and_recovers),
        cmocka_unit_test(burst_is_paced),
        cmocka_unit_test(min_rate_floor),
        cmocka_unit_test(keys_are_independent),
        cmocka_unit_test(many_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

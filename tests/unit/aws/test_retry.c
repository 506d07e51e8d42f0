/* Unit tests: retry policy — classification (aws/client.c), backoff, the
 * Retry-After parser and the retry budget (aws/ratelimit.c).  Offline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "aws/client.h"
#include "aws/error.h"
#include "aws/ratelimit.h"

static void throttling_codes(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "Throttling", "ThrottlingException", "ThrottledException",
        "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
        "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException", "Throttled",
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        assert_true(aws_is_throttling(400, yes[i]));
        assert_true(aws_is_throttling(503, yes[i]));
    }
    static const char *const no[] = {
        "AccessDenied", "AccessDeniedException", "ValidationException",
        "throttling", "ThrottlingExceptionX", "", "InternalError", "HTTP 400",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(aws_is_throttling(400, no[i]));
    assert_false(aws_is_throttling(400, NULL));
    /* 429 is throttling whatever the body says. */
    assert_true(aws_is_throttling(429, NULL));
    assert_true(aws_is_throttling(429, "HTTP 429"));
    assert_false(aws_is_throttling(500, "HTTP 500"));
    assert_false(aws_is_throttling(200, ""));
}

static void transient_errors(void **state)
{
    (void)state;
    static const struct {
        int err;
        long status;
        const char *code;
        int want;
    } t[] = {
        { AWS_ETIMEDOUT, 0, NULL, 1 },
        { AWS_ECONN, 0, NULL, 1 },
        { AWS_ETLS, 0, NULL, 0 },          /* a bad certificate stays bad */
        { AWS_ETOOBIG, 0, NULL, 0 },
        { AWS_EHTTP, 0, NULL, 0 },
        { AWS_ECANCELED, 0, NULL, 0 },
        { 0, 500, "HTTP 500", 1 },
        { 0, 502, "", 1 },
        { 0, 503, "ServiceUnavailable", 1 },
        { 0, 504, NULL, 1 },
        { 0, 501, "NotImplemented", 0 },
        { 0, 400, "RequestTimeout", 1 },
        { 0, 400, "RequestTimeoutException", 1 },
        { 0, 400, "PriorRequestNotComplete", 1 },
        { 0, 400, "InternalError", 1 },
        { 0, 400, "ValidationException", 0 },
        { 0, 403, "AccessDenied", 0 },
        { 0, 404, "NotFoundException", 0 },
        { 0, 400, "ThrottlingException", 0 },  /* throttling is its own class */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (aws_is_transient(t[i].err, t[i].status, t[i].code) != t[i].want)
            fail_msg("row %zu: err %d status %ld code %s: want %d", i, t[i].err,
                     t[i].status, t[i].code ? t[i].code : "(null)", t[i].want);
    }
}

static void backoff_bounds(void **state)
{
    (void)state;
    const long base = 100, max = 20000;
    for (int retry = 0; retry < 40; retry++) {
        int64_t cap = base;
        for (int i = 0; i < retry && cap < max; i++)
            cap *= 2;
        if (cap > max)
            cap = max;
        /* Full jitter: anywhere in [0, cap]. */
        assert_int_equal(aws_retry_backoff_ms(base, max, retry, 0.0, -1), 0);
        assert_int_equal(aws_retry_backoff_ms(base, max, retry, 1.0, -1), cap);
        int64_t mid = aws_retry_backoff_ms(base, max, retry, 0.5, -1);
        assert_true(mid >= cap / 2 - 1 && mid <= cap / 2 + 1);
        for (int j = 0; j < 50; j++) {
            double r = (double)rand() / RAND_MAX;
            int64_t d = aws_retry_backoff_ms(base, max, retry, r, -1);
            assert_true(d >= 0 && d <= cap);
        }
    }
    assert_int_equal(aws_retry_backoff_ms(base, max, 0, 1.0, -1), 100);
    assert_int_equal(aws_retry_backoff_ms(base, max, 3, 1.0, -1), 800);
    assert_int_equal(aws_retry_backoff_ms(base, max, 8, 1.0, -1), 20000);
    assert_int_equal(aws_retry_backoff_ms(base, max, 1000000, 1.0, -1), 20000);
    /* Out-of-range jitter is clamped. */
    assert_int_equal(aws_retry_backoff_ms(base, max, 2, 7.0, -1), 400);
    assert_int_equal(aws_retry_backoff_ms(base, max, 2, -3.0, -1), 0);
}

static void retry_after_honoured_and_capped(void **state)
{
    (void)state;
    /* A server's Retry-After is a floor ... */
    assert_int_equal(aws_retry_backoff_ms(100, 20000, 0, 0.0, 3000), 3000);
    assert_int_equal(aws_retry_backoff_ms(100, 20000, 0, 1.0, 3000), 3000);
    /* ... unless the jitter is already longer ... */
    assert_int_equal(aws_retry_backoff_ms(100, 20000, 10, 1.0, 3000), 20000);
    /* ... and never beyond the client's cap. */
    assert_int_equal(aws_retry_backoff_ms(100, 20000, 0, 0.0, 3600000), 20000);
    assert_int_equal(aws_retry_backoff_ms(100, 20000, 0, 0.0, 0), 0);

    assert_int_equal(aws_retry_after_ms("3"), 3000);
    assert_int_equal(aws_retry_after_ms(" 2 "), 2000);
    assert_int_equal(aws_retry_after_ms("0"), 0);
    assert_int_equal(aws_retry_after_ms("99999999999999999999"), 86400000);
    assert_int_equal(aws_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), -1);
    assert_int_equal(aws_retry_after_ms("-1"), -1);
    assert_int_equal(aws_retry_after_ms("1.5"), -1);
    assert_int_equal(aws_retry_after_ms("5s"), -1);
    assert_int_equal(aws_retry_after_ms(""), -1);
    assert_int_equal(aws_retry_after_ms(NULL), -1);
}

static void retry_budget_accounting(void **state)
{
    (void)state;
    aws_retry_quota q;
    aws_retry_quota_init(&q, 0);
    assert_int_equal(q.max, 500);
    assert_int_equal(q.available, 500);
    /* 100 ordinary retries drain the default budget exactly. */
    for (int i = 0; i < 100; i++)
        assert_true(aws_retry_quota_acquire(&q, AWS_RETRY_COST));
    assert_int_equal(q.available, 0);
    assert_false(aws_retry_quota_acquire(&q, AWS_RETRY_COST));
    assert_int_equal(q.available, 0);
    /* Successes refill one token each (first-try successes). */
    for (int i = 0; i < 9; i++)
        aws_retry_quota_release(&q, AWS_RETRY_NO_RETRY_REFUND);
    assert_int_equal(q.available, 9);
    /* A timeout retry costs 10: not affordable with 9; nothing is taken. */
    assert_false(aws_retry_quota_acquire(&q, AWS_RETRY_COST_TIMEOUT));
    assert_int_equal(q.available, 9);
    assert_true(aws_retry_quota_acquire(&q, AWS_RETRY_COST));
    assert_int_equal(q.available, 4);
    /* A success after a retry gives back what that retry cost. */
    aws_retry_quota_release(&q, AWS_RETRY_COST);
    assert_int_equal(q.available, 9);
    /* Never above the initial capacity. */
    aws_retry_quota_release(&q, 100000);
    assert_int_equal(q.available, 500);
    aws_retry_quota_release(&q, 1);
    assert_int_equal(q.available, 500);
    aws_retry_quota_release(&q, -5);
    assert_int_equal(q.available, 500);

    aws_retry_quota small;
    aws_retry_quota_init(&small, 12);
    assert_true(aws_retry_quota_acquire(&small, AWS_RETRY_COST));
    assert_true(aws_retry_quota_acquire(&small, AWS_RETRY_COST));
    assert_false(aws_retry_quota_acquire(&small, AWS_RETRY_COST));
    assert_int_equal(small.available, 2);
    assert_false(aws_retry_quota_acquire(&small, -1));

    /* A negative budget disables retries: nothing can be acquired. */
    aws_retry_quota none;
    aws_retry_quota_init(&none, -1);
    assert_int_equal(none.available, 0);
    assert_false(aws_retry_quota_acquire(&none, AWS_RETRY_COST));
    assert_false(aws_retry_quota_acquire(&none, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(throttling_codes),
        cmocka_unit_test(transient_errors),
        cmocka_unit_test(backoff_bounds),
        cmocka_unit_test(retry_after_honoured_and_capped),
        cmocka_unit_test(retry_budget_accounting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* certsweep — client-side limits on how fast and how often we call AWS.
 *
 * Three pure pieces with no I/O, so they run offline in unit tests:
 *
 *   aws_ratelimit    an adaptive token bucket per (rate key, region,
 *                    service), after botocore's adaptive retry mode
 *                    (retries/adaptive.py, bucket.py, throttling.py): the
 *                    bucket is inactive until the first throttling answer,
 *                    then its fill rate follows a CUBIC curve — cut to
 *                    beta * measured send rate on each throttle, growing
 *                    back along scale * (t - K)^3 + W_max on successes —
 *                    never below min_rate.  A caller asks "when may I
 *                    send?" and gets a delay in ms; it arms a timer, never
 *                    sleeps.  A bucket that has not been used for
 *                    idle_seconds and has recovered (no tokens owed, its
 *                    rate back where it was before its last throttle) is
 *                    dropped, so memory follows the keys in use, not
 *                    every (account, region, service) ever seen.
 *   aws_retry_quota  the client-wide retry budget of botocore's standard
 *                    mode (retries/quota.py): retries cost tokens,
 *                    successes give some back.
 *   aws_retry_backoff_ms  capped exponential backoff with full jitter.
 */
#ifndef AWS_RATELIMIT_H
#define AWS_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* ---- adaptive token bucket --------------------------------------------- */

typedef struct aws_ratelimit aws_ratelimit;

/* Milliseconds on a monotonic clock (the seam tests replace). */
typedef int64_t (*aws_clock_ms_fn)(void *ud);

typedef struct aws_ratelimit_opts {
    double min_rate;        /* requests/s floor once active; 0: 0.5 */
    double start_rate;      /* bucket rate before the first adjustment; 0: 1 */
    double beta;            /* multiplicative decrease; 0: 0.7 */
    double scale;           /* CUBIC scale constant; 0: 0.4 */
    double smoothing;       /* send-rate smoothing; 0: 0.8 */
    double bucket_seconds;  /* send-rate measurement interval; 0: 0.5 */
    double max_adjust;      /* rate never above max_adjust * measured; 0: 2 */
    double idle_seconds;    /* drop a recovered bucket unused this long; 0: 600;
                             * < 0: never */
} aws_ratelimit_opts;

/* opts may be NULL (botocore's defaults).  clock NULL: a monotonic clock. */
aws_ratelimit *aws_ratelimit_new(const aws_ratelimit_opts *opts,
                                 aws_clock_ms_fn clock, void *clock_ud);
void aws_ratelimit_free(aws_ratelimit *rl);   /* accepts NULL */

/* Asks for one send token for the key.  Returns 0 when the caller may send
 * now (the token is taken), the number of milliseconds to wait before asking
 * again (> 0), or a negative aws_err (ENOMEM).  NULL strings count as "". */
int64_t aws_ratelimit_acquire(aws_ratelimit *rl, const char *key,
                              const char *region, const char *service);

/* Takes one send token for the key now, borrowing from the future when the
 * bucket is empty, and returns the delay in ms (>= 0) after which the caller
 * sends without asking again.  Calls that wait together are thus spaced
 * 1/rate apart instead of all waking to compete for the next token.  0 when
 * the key's bucket is inactive. */
int64_t aws_ratelimit_reserve(aws_ratelimit *rl, const char *key,
                              const char *region, const char *service);

/* Records an answer (any answer, including transport errors, which count as
 * "not throttled") for the key and adapts its rate.  Returns 0 or ENOMEM. */
int aws_ratelimit_record(aws_ratelimit *rl, const char *key,
                         const char *region, const char *service,
                         int throttled);

/* Current fill rate in requests/s, or 0 while the key's bucket is inactive
 * (no throttling seen yet).  For tests and debug output. */
double aws_ratelimit_rate(const aws_ratelimit *rl, const char *key,
                          const char *region, const char *service);
/* Number of keys with state (tests). */
size_t aws_ratelimit_keys(const aws_ratelimit *rl);
/* Drops every idle, recovered bucket now (also done on the way, at most
 * every idle_seconds / 4, by acquire, reserve and record); returns how many
 * were dropped. */
size_t aws_ratelimit_sweep(aws_ratelimit *rl);

/* ---- retry budget ------------------------------------------------------ */

enum {
    AWS_RETRY_QUOTA_DEFAULT = 500,   /* botocore RetryQuota.INITIAL_CAPACITY */
    AWS_RETRY_COST          = 5,     /* per retry */
    AWS_RETRY_COST_TIMEOUT  = 10,    /* per retry after a timeout */
    AWS_RETRY_NO_RETRY_REFUND = 1,   /* refund for a success on the first try */
};

typedef struct aws_retry_quota {
    int max;
    int available;
} aws_retry_quota;

void aws_retry_quota_init(aws_retry_quota *q, int capacity);  /* 0: default; < 0: empty (no retries) */
/* Takes `cost` tokens: 1 when taken, 0 when the budget cannot pay. */
int  aws_retry_quota_acquire(aws_retry_quota *q, int cost);
/* Gives tokens back, never above the initial capacity. */
void aws_retry_quota_release(aws_retry_quota *q, int amount);

/* ---- backoff ----------------------------------------------------------- */

/* Delay before retry number `retry` (0 for the first retry):
 * r01 * min(base_ms * 2^retry, max_ms), r01 in [0, 1] (full jitter).
 * When retry_after_ms >= 0 (a Retry-After the server sent) the delay is at
 * least that, still capped at max_ms. */
int64_t aws_retry_backoff_ms(long base_ms, long max_ms, int retry, double r01,
                             int64_t retry_after_ms);

/* Parses a Retry-After header value in delay-seconds form ("3") into ms;
 * returns -1 when absent or not a plain non-negative integer (HTTP dates are
 * ignored).  Values are clamped to one day. */
int64_t aws_retry_after_ms(const char *value);

#endif

/* certsweep — client-side limits on how fast and how often we call AWS.
 *
 * Pure pieces with no I/O, so they run offline in unit tests:
 *
 *   aws_ratelimit    pacing per (account, region, scope): a scope is one
 *                    AWS rate limit, an operation's own (ACM's
 *                    DescribeCertificate) or one shared by several
 *                    (API Gateway's control plane) — see aws/rates.h.  Each
 *                    key is a lane: a token bucket filled at the rate AWS
 *                    publishes for it (or the config's override), holding
 *                    a small burst, and a FIFO queue of waiters.  The
 *                    caller releases the head of a lane when
 *                    aws_ratelimit_next says a token is there, and
 *                    otherwise waits the time it says — computed at that
 *                    moment from the lane's current rate, so a rate that
 *                    recovered while calls waited releases them at once at
 *                    the new rate (ask again whenever the rate may have
 *                    changed: after every aws_ratelimit_record).
 *                    Adaptive control is the safety net for limits below
 *                    the table's: a throttling answer to a request sent
 *                    after the lane's last cut cuts the rate to
 *                    beta * current rate (never below min_rate; answers to
 *                    requests sent before the cut carry no news and cut
 *                    nothing), then the rate ramps back linearly to the
 *                    published one within recover_seconds.  A throttle
 *                    during the ramp doubles the next ramp's length (up to
 *                    max_recover_seconds): a limit lower than the table's
 *                    is then probed less and less often.  Lanes are
 *                    independent: a throttled key never slows another.
 *                    A lane nobody used for idle_seconds, with nobody
 *                    waiting, no caller data and its rate recovered, is
 *                    dropped, so memory follows the keys in use.
 *   aws_retry_quota  the client-wide retry budget of botocore's standard
 *                    mode (retries/quota.py): retries cost tokens,
 *                    successes give some back.
 *   aws_retry_backoff_ms  capped exponential backoff with full jitter.
 */
#ifndef AWS_RATELIMIT_H
#define AWS_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

/* ---- pacing ---------------------------------------------------------- */

typedef struct aws_ratelimit aws_ratelimit;
typedef struct aws_rate_lane aws_rate_lane;

/* Milliseconds on a monotonic clock (the seam tests replace). */
typedef int64_t (*aws_clock_ms_fn)(void *ud);

typedef struct aws_ratelimit_opts {
    double min_rate;            /* requests/s floor after throttling; 0: 0.5 */
    double beta;                /* cut on a throttle; 0: 0.7 */
    double recover_seconds;     /* ramp back to the published rate; 0: 2 */
    double max_recover_seconds; /* longest ramp after repeated throttles; 0: 8 */
    double idle_seconds;        /* drop a recovered lane unused this long; 0: 10;
                                 * < 0: never */
} aws_ratelimit_opts;

/* What a call is paced by.  NULL strings count as "". */
typedef struct aws_rate_key {
    const char *account;        /* the rate key, normally the account id */
    const char *region;
    const char *service;        /* aws_service_name(): "acm" */
    const char *op;             /* "DescribeCertificate": picks the scope in aws/rates.h */
} aws_rate_key;

/* A queued caller embeds one; the lane links them. */
typedef struct aws_rate_waiter {
    struct aws_rate_waiter *next;
    int level;                  /* aws_ratelimit_push_level */
} aws_rate_waiter;

/* opts may be NULL (the defaults).  clock NULL: a monotonic clock. */
aws_ratelimit *aws_ratelimit_new(const aws_ratelimit_opts *opts,
                                 aws_clock_ms_fn clock, void *clock_ud);
void aws_ratelimit_free(aws_ratelimit *rl);   /* accepts NULL */

/* Paces `scope` (a scope of aws/rates.h, e.g. "acm:DescribeCertificate") at
 * `rate` requests/s instead of the published figure, for lanes made from
 * now on (call it before the first call).  0, or AWS_EINVAL for an unknown
 * scope or a rate <= 0, AWS_ENOMEM. */
int aws_ratelimit_set_rate(aws_ratelimit *rl, const char *scope, double rate);

/* The key's lane, made when missing (NULL: out of memory).  The pointer
 * stays valid while the lane has waiters, released calls not yet sent, or
 * caller data. */
aws_rate_lane *aws_ratelimit_lane(aws_ratelimit *rl, const aws_rate_key *k);
/* The key's lane, or NULL when it has none now. */
aws_rate_lane *aws_ratelimit_find(const aws_ratelimit *rl, const aws_rate_key *k);

/* Appends a waiter at the tail of the lane's queue (level 0). */
void aws_ratelimit_push(aws_ratelimit *rl, aws_rate_lane *lane, aws_rate_waiter *w);
/* Queues a waiter of `level` behind the waiters of its level or higher and
 * before those of lower levels: work that other work waits for (listing an
 * organization's accounts) is not held behind a queue of other calls
 * (account tags) in the same lane.  Levels are aws_call.first's. */
void aws_ratelimit_push_level(aws_ratelimit *rl, aws_rate_lane *lane, aws_rate_waiter *w,
                              int level);
/* Takes a waiter out of the queue (a canceled call); no-op when absent. */
void aws_ratelimit_cancel(aws_rate_lane *lane, aws_rate_waiter *w);
/* When the lane holds a token now and somebody waits: takes the token and
 * returns the head waiter, dequeued; it is "released" until the caller says
 * aws_ratelimit_sent.  Otherwise returns NULL and sets *wait_ms to the
 * milliseconds until the head may go at the lane's current rate (>= 1), to
 * 0 when the lane already has as many released calls not yet on the wire
 * as AWS's bucket can take in one clump (ask again after
 * aws_ratelimit_sent), or to -1 when nobody waits.  With a server bucket of
 * a second's worth that is rate - burst (at least the burst): calls that
 * wait for something else after their release (an in-flight slot) and then
 * leave together still fit the limit. */
aws_rate_waiter *aws_ratelimit_next(aws_ratelimit *rl, aws_rate_lane *lane,
                                    int64_t *wait_ms);
/* A released call went on the wire (or will not go: canceled, failed). */
void aws_ratelimit_sent(aws_rate_lane *lane);
size_t aws_ratelimit_waiting(const aws_rate_lane *lane);
/* The head waiter, still queued (NULL: nobody waits). */
aws_rate_waiter *aws_ratelimit_head(const aws_rate_lane *lane);
/* One pointer of the caller's per lane (a timer); a lane holding one is
 * never dropped. */
void *aws_ratelimit_lane_data(const aws_rate_lane *lane);
void aws_ratelimit_set_lane_data(aws_rate_lane *lane, void *data);

/* For a caller that does not queue (tests): takes a token when there is
 * one and returns 0, else the ms until there will be (> 0), or AWS_ENOMEM. */
int64_t aws_ratelimit_acquire(aws_ratelimit *rl, const aws_rate_key *k);

/* Records an answer for the key: throttled or not (transport errors count
 * as not).  sent_ms is when the request left (the clock's ms; < 0:
 * unknown), so that answers to requests sent before the last cut do not cut
 * again.  0 or AWS_ENOMEM. */
int aws_ratelimit_record(aws_ratelimit *rl, const aws_rate_key *k, int throttled,
                         int64_t sent_ms);

/* The clock's now, in ms. */
int64_t aws_ratelimit_now(const aws_ratelimit *rl);
/* Current rate of the key's lane in requests/s, or 0 when it has none. */
double aws_ratelimit_rate(const aws_ratelimit *rl, const aws_rate_key *k);
/* The rate the key starts at and recovers to: the published figure or its
 * override. */
double aws_ratelimit_published(const aws_ratelimit *rl, const aws_rate_key *k);
/* Number of lanes (tests). */
size_t aws_ratelimit_keys(const aws_ratelimit *rl);
/* Drops every droppable lane now (also done on the way, at most every
 * idle_seconds / 4, by lane, acquire and record); returns how many. */
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

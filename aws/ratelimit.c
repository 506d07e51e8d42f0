/* Pacing per (account, region, scope), retry budget and backoff.
 *
 * Times are seconds as doubles inside, milliseconds at the interface.  A
 * lane's rate is a function of time: the published rate, or after a cut a
 * linear ramp from the cut rate back to it; tokens are its integral, capped
 * at the lane's burst. */
#include "aws/ratelimit.h"
#include "aws/error.h"
#include "aws/rates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct aws_rate_lane {
    struct aws_rate_lane *next;
    char *key;               /* "account\0region\0scope\0" in one block */
    const char *region, *scope;    /* point into key */
    uint64_t hash;
    double pub;              /* published (or overridden) rate */
    double burst;            /* token capacity */
    double tokens;
    double last_refill;
    int cut;                 /* throttled at least once */
    double cut_at;           /* time of the last cut */
    double cut_rate;         /* rate right after it */
    double ramp;             /* seconds from cut_rate back to pub */
    double last_used;
    aws_rate_waiter *head, *tail;   /* by level, highest first; each level oldest first */
    size_t waiting;
    size_t released;         /* released, not yet sent */
    size_t max_released;     /* see aws_ratelimit_next */
    void *data;
};

typedef struct rate_override {
    const char *scope;       /* points into the static table */
    double rate;
} rate_override;

struct aws_ratelimit {
    aws_ratelimit_opts o;
    aws_clock_ms_fn clock;
    void *clock_ud;
    aws_rate_lane **tab;
    size_t nbuckets;         /* table size, a power of two */
    size_t nkeys;
    double last_sweep;
    rate_override *ov;
    size_t nov;
};

#define MIN_TABLE 64
/* Rounding of ms to seconds: a token due now counts as there. */
#define TOKEN_EPS 1e-9

static int64_t mono_ms(void *ud)
{
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double now_s(const aws_ratelimit *rl)
{
    return (double)rl->clock(rl->clock_ud) / 1000.0;
}

aws_ratelimit *aws_ratelimit_new(const aws_ratelimit_opts *opts,
                                 aws_clock_ms_fn clock, void *clock_ud)
{
    aws_ratelimit *rl = calloc(1, sizeof(*rl));
    if (!rl)
        return NULL;
    if (opts)
        rl->o = *opts;
    if (rl->o.min_rate <= 0)        rl->o.min_rate = 0.5;
    if (rl->o.beta <= 0 || rl->o.beta >= 1) rl->o.beta = 0.7;
    if (rl->o.recover_seconds <= 0) rl->o.recover_seconds = 2;
    if (rl->o.max_recover_seconds < rl->o.recover_seconds)
        rl->o.max_recover_seconds = rl->o.recover_seconds > 8 ? rl->o.recover_seconds : 8;
    /* A droppable lane is one whose forgetting changes nothing (rate
     * recovered, bucket full): a short idle time keeps memory to the keys
     * in use, not every (account, region, scope) a large scan touched. */
    if (rl->o.idle_seconds == 0)    rl->o.idle_seconds = 10;
    rl->clock = clock ? clock : mono_ms;
    rl->clock_ud = clock ? clock_ud : NULL;
    rl->last_sweep = now_s(rl);
    rl->nbuckets = MIN_TABLE;
    rl->tab = calloc(rl->nbuckets, sizeof(*rl->tab));
    if (!rl->tab) {
        free(rl);
        return NULL;
    }
    return rl;
}

static void lane_free(aws_rate_lane *b)
{
    free(b->key);
    free(b);
}

void aws_ratelimit_free(aws_ratelimit *rl)
{
    if (!rl)
        return;
    for (size_t i = 0; i < rl->nbuckets; i++) {
        aws_rate_lane *b = rl->tab[i];
        while (b) {
            aws_rate_lane *n = b->next;
            lane_free(b);
            b = n;
        }
    }
    free(rl->tab);
    free(rl->ov);
    free(rl);
}

int aws_ratelimit_set_rate(aws_ratelimit *rl, const char *scope, double rate)
{
    size_t n;
    const aws_rate_limit *t = aws_rates_table(&n);
    const char *found = NULL;
    for (size_t i = 0; scope && i < n; i++)
        if (strcmp(t[i].scope, scope) == 0)
            found = t[i].scope;
    if (!rl || !found || !(rate > 0) || !isfinite(rate))
        return AWS_EINVAL;
    for (size_t i = 0; i < rl->nov; i++) {
        if (strcmp(rl->ov[i].scope, found) == 0) {
            rl->ov[i].rate = rate;
            return 0;
        }
    }
    rate_override *ov = realloc(rl->ov, (rl->nov + 1) * sizeof(*ov));
    if (!ov)
        return AWS_ENOMEM;
    rl->ov = ov;
    rl->ov[rl->nov].scope = found;
    rl->ov[rl->nov].rate = rate;
    rl->nov++;
    return 0;
}

/* The published row of a key and the rate it starts at. */
static const aws_rate_limit *row_of(const aws_ratelimit *rl, const aws_rate_key *k, double *rate)
{
    const aws_rate_limit *r = aws_rates_lookup(k->service, k->op);
    *rate = r->rate;
    for (size_t i = 0; i < rl->nov; i++)
        if (strcmp(rl->ov[i].scope, r->scope) == 0)
            *rate = rl->ov[i].rate;
    return r;
}

/* ---- keys -------------------------------------------------------------- */

static const char *nz(const char *s) { return s ? s : ""; }

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t key_hash(const char *a, const char *r, const char *s)
{
    uint64_t h = 14695981039346656037ull;
    h = fnv(h, a);
    h = fnv(h, "\x1f");
    h = fnv(h, r);
    h = fnv(h, "\x1f");
    return fnv(h, s);
}

static aws_rate_lane *lookup(const aws_ratelimit *rl, const char *a, const char *r,
                             const char *s, uint64_t h)
{
    for (aws_rate_lane *b = rl->tab[h & (rl->nbuckets - 1)]; b; b = b->next)
        if (b->hash == h && strcmp(b->key, a) == 0 && strcmp(b->region, r) == 0 &&
            strcmp(b->scope, s) == 0)
            return b;
    return NULL;
}

static void resize(aws_ratelimit *rl, size_t n)
{
    aws_rate_lane **tab = calloc(n, sizeof(*tab));
    if (!tab)
        return;                 /* keep the old table: slower, still correct */
    for (size_t i = 0; i < rl->nbuckets; i++) {
        aws_rate_lane *b = rl->tab[i];
        while (b) {
            aws_rate_lane *next = b->next;
            b->next = tab[b->hash & (n - 1)];
            tab[b->hash & (n - 1)] = b;
            b = next;
        }
    }
    free(rl->tab);
    rl->tab = tab;
    rl->nbuckets = n;
}

static aws_rate_lane *find_lane(const aws_ratelimit *rl, const aws_rate_key *k)
{
    double rate;
    const aws_rate_limit *r = row_of(rl, k, &rate);
    const char *a = nz(k->account), *g = nz(k->region);
    return lookup(rl, a, g, r->scope, key_hash(a, g, r->scope));
}

static aws_rate_lane *get_or_add(aws_ratelimit *rl, const aws_rate_key *k, double t)
{
    double rate;
    const aws_rate_limit *r = row_of(rl, k, &rate);
    const char *a = nz(k->account), *g = nz(k->region), *s = r->scope;
    uint64_t h = key_hash(a, g, s);
    aws_rate_lane *b = lookup(rl, a, g, s, h);
    if (b)
        return b;
    size_t la = strlen(a), lg = strlen(g), ls = strlen(s);
    b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->key = malloc(la + lg + ls + 3);
    if (!b->key) {
        free(b);
        return NULL;
    }
    memcpy(b->key, a, la + 1);
    memcpy(b->key + la + 1, g, lg + 1);
    memcpy(b->key + la + lg + 2, s, ls + 1);
    b->region = b->key + la + 1;
    b->scope = b->key + la + lg + 2;
    b->hash = h;
    b->pub = rate;
    /* The first burst never exceeds the limit: a small one, at most a
     * second's worth, at least one token. */
    b->burst = r->burst < rate ? r->burst : rate;
    if (b->burst < 1)
        b->burst = 1;
    b->tokens = b->burst;
    /* A server bucket that holds a second's worth (rate) lets through the
     * burst, a second at the rate, and rate - burst more sent late in one
     * clump: so many released calls may wait for their send at once. */
    b->max_released = rate - b->burst >= b->burst ? (size_t)(rate - b->burst) : (size_t)b->burst;
    b->ramp = rl->o.recover_seconds;
    b->last_used = t;
    if (rl->nkeys + 1 > rl->nbuckets)
        resize(rl, rl->nbuckets * 2);
    b->next = rl->tab[h & (rl->nbuckets - 1)];
    rl->tab[h & (rl->nbuckets - 1)] = b;
    rl->nkeys++;
    return b;
}

/* ---- the rate as a function of time ---------------------------------------- */

static int ramping(const aws_rate_lane *b, double t)
{
    return b->cut && t < b->cut_at + b->ramp;
}

static double rate_at(const aws_rate_lane *b, double t)
{
    if (!ramping(b, t))
        return b->pub;
    double u = t - b->cut_at;
    if (u < 0)
        u = 0;
    return b->cut_rate + (b->pub - b->cut_rate) * u / b->ramp;
}

/* Tokens the rate brings between t1 and t2 (t1 >= the last cut). */
static double gain(const aws_rate_lane *b, double t1, double t2)
{
    if (t2 <= t1)
        return 0;
    if (!ramping(b, t1))
        return b->pub * (t2 - t1);
    double end = b->cut_at + b->ramp;
    double a = t2 < end ? t2 : end;
    double g = (rate_at(b, t1) + rate_at(b, a)) / 2 * (a - t1);
    if (t2 > a)
        g += b->pub * (t2 - a);
    return g;
}

/* Seconds from t until the rate has brought `need` more tokens. */
static double time_to(const aws_rate_lane *b, double t, double need)
{
    if (need <= 0)
        return 0;
    if (!ramping(b, t))
        return need / b->pub;
    double left = b->cut_at + b->ramp - t;
    double r1 = rate_at(b, t);
    double slope = (b->pub - b->cut_rate) / b->ramp;
    double in_ramp = r1 * left + slope / 2 * left * left;
    if (need > in_ramp)
        return left + (need - in_ramp) / b->pub;
    if (slope < 1e-12)
        return need / r1;
    return (-r1 + sqrt(r1 * r1 + 2 * slope * need)) / slope;
}

static void refill(aws_rate_lane *b, double t)
{
    b->tokens += gain(b, b->last_refill, t);
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    if (t > b->last_refill)
        b->last_refill = t;
}

static int64_t wait_ms(const aws_rate_lane *b, double t)
{
    int64_t ms = (int64_t)ceil(time_to(b, t, 1.0 - b->tokens) * 1000.0);
    return ms > 0 ? ms : 1;
}

/* ---- dropping idle lanes ----------------------------------------------------- */

/* A lane may go once nobody used it for the idle time, nobody waits in it,
 * its caller keeps nothing in it, and forgetting it changes nothing: its
 * rate is back at the published one and its bucket full again. */
static int droppable(const aws_ratelimit *rl, const aws_rate_lane *b, double t)
{
    if (b->head || b->data || b->released || t - b->last_used < rl->o.idle_seconds || ramping(b, t))
        return 0;
    return b->tokens + gain(b, b->last_refill, t) >= b->burst;
}

static size_t sweep(aws_ratelimit *rl, double t)
{
    size_t dropped = 0;
    rl->last_sweep = t;
    if (rl->o.idle_seconds <= 0)
        return 0;
    for (size_t i = 0; i < rl->nbuckets; i++) {
        aws_rate_lane **pp = &rl->tab[i];
        while (*pp) {
            aws_rate_lane *b = *pp;
            if (droppable(rl, b, t)) {
                *pp = b->next;
                lane_free(b);
                rl->nkeys--;
                dropped++;
            } else {
                pp = &b->next;
            }
        }
    }
    /* Give back table memory too (resize keeps the old table on ENOMEM). */
    size_t n = rl->nbuckets;
    while (n > MIN_TABLE && rl->nkeys * 4 < n)
        n /= 2;
    if (n != rl->nbuckets)
        resize(rl, n);
    return dropped;
}

static void maybe_sweep(aws_ratelimit *rl, double t)
{
    if (rl->o.idle_seconds > 0 && t - rl->last_sweep >= rl->o.idle_seconds / 4)
        sweep(rl, t);
}

size_t aws_ratelimit_sweep(aws_ratelimit *rl)
{
    return rl ? sweep(rl, now_s(rl)) : 0;
}

/* ---- lanes and their queues ---------------------------------------------------- */

aws_rate_lane *aws_ratelimit_lane(aws_ratelimit *rl, const aws_rate_key *k)
{
    double t = now_s(rl);
    maybe_sweep(rl, t);          /* first: the lane returned is never swept here */
    aws_rate_lane *b = get_or_add(rl, k, t);
    if (b)
        b->last_used = t;
    return b;
}

aws_rate_lane *aws_ratelimit_find(const aws_ratelimit *rl, const aws_rate_key *k)
{
    return find_lane(rl, k);
}

void aws_ratelimit_push_level(aws_ratelimit *rl, aws_rate_lane *lane, aws_rate_waiter *w,
                              int level)
{
    w->level = level;
    w->next = NULL;
    if (!lane->tail || lane->tail->level >= level) {
        /* the common case: behind every waiter */
        if (lane->tail)
            lane->tail->next = w;
        else
            lane->head = w;
        lane->tail = w;
    } else {
        /* after the last waiter of this level or higher */
        aws_rate_waiter **at = &lane->head;
        while (*at && (*at)->level >= level)
            at = &(*at)->next;
        w->next = *at;
        *at = w;
    }
    lane->waiting++;
    lane->last_used = now_s(rl);
}

void aws_ratelimit_push(aws_ratelimit *rl, aws_rate_lane *lane, aws_rate_waiter *w)
{
    aws_ratelimit_push_level(rl, lane, w, 0);
}

void aws_ratelimit_cancel(aws_rate_lane *lane, aws_rate_waiter *w)
{
    aws_rate_waiter **pp = &lane->head, *prev = NULL;
    while (*pp && *pp != w) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = w->next;
    if (lane->tail == w)
        lane->tail = prev;
    w->next = NULL;
    lane->waiting--;
}

aws_rate_waiter *aws_ratelimit_next(aws_ratelimit *rl, aws_rate_lane *lane, int64_t *wait)
{
    double t = now_s(rl);
    if (!lane->head) {
        *wait = -1;
        return NULL;
    }
    refill(lane, t);
    lane->last_used = t;
    if (lane->released >= lane->max_released) {
        *wait = 0;
        return NULL;
    }
    if (lane->tokens < 1.0 - TOKEN_EPS) {
        *wait = wait_ms(lane, t);
        return NULL;
    }
    lane->tokens -= 1.0;
    lane->released++;
    aws_rate_waiter *w = lane->head;
    lane->head = w->next;
    if (!lane->head)
        lane->tail = NULL;
    w->next = NULL;
    lane->waiting--;
    *wait = 0;
    return w;
}

void aws_ratelimit_sent(aws_rate_lane *lane)
{
    if (lane->released)
        lane->released--;
}

size_t aws_ratelimit_waiting(const aws_rate_lane *lane)
{
    return lane ? lane->waiting : 0;
}

aws_rate_waiter *aws_ratelimit_head(const aws_rate_lane *lane)
{
    return lane->head;
}

void *aws_ratelimit_lane_data(const aws_rate_lane *lane)
{
    return lane->data;
}

void aws_ratelimit_set_lane_data(aws_rate_lane *lane, void *data)
{
    lane->data = data;
}

int64_t aws_ratelimit_acquire(aws_ratelimit *rl, const aws_rate_key *k)
{
    double t = now_s(rl);
    maybe_sweep(rl, t);
    aws_rate_lane *b = get_or_add(rl, k, t);
    if (!b)
        return AWS_ENOMEM;
    b->last_used = t;
    refill(b, t);
    if (b->tokens >= 1.0 - TOKEN_EPS) {
        b->tokens -= 1.0;
        return 0;
    }
    return wait_ms(b, t);
}

/* ---- adapting to answers ------------------------------------------------------- */

int aws_ratelimit_record(aws_ratelimit *rl, const aws_rate_key *k, int throttled,
                         int64_t sent_ms)
{
    double t = now_s(rl);
    maybe_sweep(rl, t);
    aws_rate_lane *b = get_or_add(rl, k, t);
    if (!b)
        return AWS_ENOMEM;
    b->last_used = t;
    if (!throttled)
        return 0;                /* recovery is a matter of time, see rate_at */
    double sent = sent_ms >= 0 ? (double)sent_ms / 1000.0 : t;
    if (b->cut && sent < b->cut_at)
        return 0;                /* sent at the old rate: no news */
    refill(b, t);
    double cur = rate_at(b, t);
    if (ramping(b, t)) {         /* the limit is below the ramp: probe slower */
        b->ramp *= 2;
        if (b->ramp > rl->o.max_recover_seconds)
            b->ramp = rl->o.max_recover_seconds;
    } else {
        b->ramp = rl->o.recover_seconds;
    }
    b->cut_rate = cur * rl->o.beta;
    if (b->cut_rate < rl->o.min_rate)
        b->cut_rate = rl->o.min_rate;
    if (b->cut_rate > b->pub)
        b->cut_rate = b->pub;
    b->cut = 1;
    b->cut_at = t;
    if (b->tokens > 0)
        b->tokens = 0;           /* no burst right after a throttle */
    return 0;
}

int64_t aws_ratelimit_now(const aws_ratelimit *rl)
{
    return rl->clock(rl->clock_ud);
}

double aws_ratelimit_rate(const aws_ratelimit *rl, const aws_rate_key *k)
{
    const aws_rate_lane *b = find_lane(rl, k);
    return b ? rate_at(b, now_s(rl)) : 0.0;
}

double aws_ratelimit_published(const aws_ratelimit *rl, const aws_rate_key *k)
{
    const aws_rate_lane *b = find_lane(rl, k);
    if (b)
        return b->pub;
    double rate;
    row_of(rl, k, &rate);
    return rate;
}

size_t aws_ratelimit_keys(const aws_ratelimit *rl)
{
    return rl->nkeys;
}

/* ---- retry budget -------------------------------------------------------- */

void aws_retry_quota_init(aws_retry_quota *q, int capacity)
{
    q->max = capacity > 0 ? capacity : capacity < 0 ? 0 : AWS_RETRY_QUOTA_DEFAULT;
    q->available = q->max;
}

int aws_retry_quota_acquire(aws_retry_quota *q, int cost)
{
    if (cost < 0 || cost > q->available)
        return 0;
    q->available -= cost;
    return 1;
}

void aws_retry_quota_release(aws_retry_quota *q, int amount)
{
    if (amount <= 0)
        return;
    if (amount > q->max - q->available)
        amount = q->max - q->available;
    q->available += amount;
}

/* ---- backoff ------------------------------------------------------------- */

int64_t aws_retry_backoff_ms(long base_ms, long max_ms, int retry, double r01,
                             int64_t retry_after_ms)
{
    if (base_ms < 0)
        base_ms = 0;
    if (max_ms < 0)
        max_ms = 0;
    if (retry < 0)
        retry = 0;
    if (r01 < 0)
        r01 = 0;
    if (r01 > 1)
        r01 = 1;
    int64_t cap = base_ms;
    for (int i = 0; i < retry && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    int64_t d = (int64_t)(r01 * (double)cap);
    if (retry_after_ms >= 0 && d < retry_after_ms)
        d = retry_after_ms;
    if (d > max_ms)
        d = max_ms;
    return d;
}

int64_t aws_retry_after_ms(const char *value)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value < '0' || *value > '9')
        return -1;
    int64_t s = 0;
    const char *p = value;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (s < 86400)
            s = s * 10 + (*p - '0');
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p)
        return -1;
    if (s > 86400)
        s = 86400;
    return s * 1000;
}

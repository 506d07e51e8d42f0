/* Adaptive client-side rate limiting, retry budget and backoff.
 *
 * The token bucket follows botocore's adaptive mode (bucket.py, adaptive.py,
 * throttling.py); times are seconds as doubles inside, milliseconds at the
 * interface. */
#include "aws/ratelimit.h"
#include "aws/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rl_bucket {
    struct rl_bucket *next;
    char *key;               /* "key\0region\0service\0" in one block */
    const char *region, *service;  /* point into key */
    uint64_t hash;
    int enabled;             /* throttling seen: the bucket gates sends */
    /* token bucket */
    double fill_rate;
    double max_capacity;
    double capacity;
    double last_refill;
    /* measured send rate */
    double measured;
    double last_slot;
    double count;
    /* CUBIC */
    double w_max;
    double k;
    double last_fail;
    double last_used;        /* last acquire, reserve or record */
} rl_bucket;

struct aws_ratelimit {
    aws_ratelimit_opts o;
    aws_clock_ms_fn clock;
    void *clock_ud;
    rl_bucket **tab;
    size_t nbuckets;         /* table size, a power of two */
    size_t nkeys;
    double idle;             /* seconds; <= 0: buckets are never dropped */
    double last_sweep;
};

#define MIN_TABLE 64

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
    if (rl->o.min_rate <= 0)       rl->o.min_rate = 0.5;
    if (rl->o.start_rate <= 0)     rl->o.start_rate = 1.0;
    if (rl->o.beta <= 0 || rl->o.beta >= 1) rl->o.beta = 0.7;
    if (rl->o.scale <= 0)          rl->o.scale = 0.4;
    if (rl->o.smoothing <= 0 || rl->o.smoothing > 1) rl->o.smoothing = 0.8;
    if (rl->o.bucket_seconds <= 0) rl->o.bucket_seconds = 0.5;
    if (rl->o.max_adjust <= 0)     rl->o.max_adjust = 2.0;
    if (rl->o.idle_seconds == 0)   rl->o.idle_seconds = 600;
    rl->idle = rl->o.idle_seconds;
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

void aws_ratelimit_free(aws_ratelimit *rl)
{
    if (!rl)
        return;
    for (size_t i = 0; i < rl->nbuckets; i++) {
        rl_bucket *b = rl->tab[i];
        while (b) {
            rl_bucket *n = b->next;
            free(b->key);
            free(b);
            b = n;
        }
    }
    free(rl->tab);
    free(rl);
}

/* ---- keys -------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t key_hash(const char *k, const char *r, const char *s)
{
    uint64_t h = 14695981039346656037ull;
    h = fnv(h, k);
    h = fnv(h, "\x1f");
    h = fnv(h, r);
    h = fnv(h, "\x1f");
    return fnv(h, s);
}

static int key_eq(const rl_bucket *b, const char *k, const char *r, const char *s)
{
    return strcmp(b->key, k) == 0 && strcmp(b->region, r) == 0 &&
           strcmp(b->service, s) == 0;
}

static rl_bucket *lookup(const aws_ratelimit *rl, const char *k, const char *r,
                         const char *s, uint64_t h)
{
    for (rl_bucket *b = rl->tab[h & (rl->nbuckets - 1)]; b; b = b->next)
        if (b->hash == h && key_eq(b, k, r, s))
            return b;
    return NULL;
}

static void resize(aws_ratelimit *rl, size_t n)
{
    rl_bucket **tab = calloc(n, sizeof(*tab));
    if (!tab)
        return;                 /* keep the old table: slower, still correct */
    for (size_t i = 0; i < rl->nbuckets; i++) {
        rl_bucket *b = rl->tab[i];
        while (b) {
            rl_bucket *next = b->next;
            b->next = tab[b->hash & (n - 1)];
            tab[b->hash & (n - 1)] = b;
            b = next;
        }
    }
    free(rl->tab);
    rl->tab = tab;
    rl->nbuckets = n;
}

static void set_max_rate(const aws_ratelimit *rl, rl_bucket *b, double rate, double t);

static rl_bucket *get_or_add(aws_ratelimit *rl, const char *k, const char *r,
                             const char *s, double t)
{
    uint64_t h = key_hash(k, r, s);
    rl_bucket *b = lookup(rl, k, r, s, h);
    if (b)
        return b;
    size_t lk = strlen(k), lr = strlen(r), ls = strlen(s);
    b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->key = malloc(lk + lr + ls + 3);
    if (!b->key) {
        free(b);
        return NULL;
    }
    memcpy(b->key, k, lk + 1);
    memcpy(b->key + lk + 1, r, lr + 1);
    memcpy(b->key + lk + lr + 2, s, ls + 1);
    b->region = b->key + lk + 1;
    b->service = b->key + lk + lr + 2;
    b->hash = h;
    /* botocore: TokenBucket(max_rate=1), CubicCalculator(starting_max_rate=0,
     * start_time=now); RateClocker's first interval starts at floor(now). */
    b->last_refill = t;
    set_max_rate(rl, b, rl->o.start_rate, t);
    /* botocore's bucket is created with the client and has filled by the
     * time a first throttle arrives; ours is created then: start full. */
    b->capacity = b->max_capacity;
    b->last_slot = floor(t);
    b->w_max = 0;
    b->k = 0;
    b->last_fail = t;
    b->last_used = t;
    if (rl->nkeys + 1 > rl->nbuckets)
        resize(rl, rl->nbuckets * 2);
    b->next = rl->tab[h & (rl->nbuckets - 1)];
    rl->tab[h & (rl->nbuckets - 1)] = b;
    rl->nkeys++;
    return b;
}

/* ---- token bucket ------------------------------------------------------ */

static void refill(rl_bucket *b, double t)
{
    double dt = t - b->last_refill;
    if (dt > 0) {
        b->capacity += dt * b->fill_rate;
        if (b->capacity > b->max_capacity)
            b->capacity = b->max_capacity;
    }
    b->last_refill = t;
}

static void set_max_rate(const aws_ratelimit *rl, rl_bucket *b, double rate, double t)
{
    refill(b, t);
    b->fill_rate = rate > rl->o.min_rate ? rate : rl->o.min_rate;
    b->max_capacity = rate >= 1 ? rate : 1;
    if (b->capacity > b->max_capacity)
        b->capacity = b->max_capacity;
}

static const char *nz(const char *s) { return s ? s : ""; }

/* ---- dropping idle buckets -------------------------------------------------- */

/* A bucket may go once nobody used it for the idle time and forgetting it
 * changes nothing a new one would do differently soon: it never saw a
 * throttle, or it owes no tokens (full once refilled) and its CUBIC curve
 * is back at the rate it had before its last throttle. */
static int droppable(const aws_ratelimit *rl, const rl_bucket *b, double t)
{
    if (t - b->last_used < rl->idle)
        return 0;
    if (!b->enabled)
        return 1;
    double cap = b->capacity + (t - b->last_refill) * b->fill_rate;
    return cap >= b->max_capacity && t - b->last_fail >= b->k;
}

static size_t sweep(aws_ratelimit *rl, double t)
{
    size_t dropped = 0;
    rl->last_sweep = t;
    if (rl->idle <= 0)
        return 0;
    for (size_t i = 0; i < rl->nbuckets; i++) {
        rl_bucket **pp = &rl->tab[i];
        while (*pp) {
            rl_bucket *b = *pp;
            if (droppable(rl, b, t)) {
                *pp = b->next;
                free(b->key);
                free(b);
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
    if (rl->idle > 0 && t - rl->last_sweep >= rl->idle / 4)
        sweep(rl, t);
}

size_t aws_ratelimit_sweep(aws_ratelimit *rl)
{
    return rl ? sweep(rl, now_s(rl)) : 0;
}

int64_t aws_ratelimit_acquire(aws_ratelimit *rl, const char *key,
                              const char *region, const char *service)
{
    key = nz(key);
    region = nz(region);
    service = nz(service);
    double t = now_s(rl);
    int64_t ms = 0;
    rl_bucket *b = lookup(rl, key, region, service, key_hash(key, region, service));
    if (b && b->enabled) {      /* else no throttling seen: send freely */
        b->last_used = t;
        refill(b, t);
        if (b->capacity >= 1.0) {
            b->capacity -= 1.0;
        } else {
            double wait = (1.0 - b->capacity) / b->fill_rate;
            ms = (int64_t)ceil(wait * 1000.0);
            if (ms <= 0)
                ms = 1;
        }
    }
    maybe_sweep(rl, t);
    return ms;
}

int64_t aws_ratelimit_reserve(aws_ratelimit *rl, const char *key,
                              const char *region, const char *service)
{
    key = nz(key);
    region = nz(region);
    service = nz(service);
    double t = now_s(rl);
    int64_t ms = 0;
    rl_bucket *b = lookup(rl, key, region, service, key_hash(key, region, service));
    if (b && b->enabled) {
        b->last_used = t;
        refill(b, t);
        b->capacity -= 1.0;     /* below 0: a token owed, paid by the refill */
        if (b->capacity < 0)
            ms = (int64_t)ceil(-b->capacity / b->fill_rate * 1000.0);
    }
    maybe_sweep(rl, t);
    return ms;
}

/* ---- measured rate and CUBIC -------------------------------------------- */

static double measure(const aws_ratelimit *rl, rl_bucket *b, double t)
{
    double scale = 1.0 / rl->o.bucket_seconds;
    double slot = floor(t * scale) / scale;
    b->count += 1;
    if (slot > b->last_slot) {
        double current = b->count / (slot - b->last_slot);
        b->measured = current * rl->o.smoothing + b->measured * (1 - rl->o.smoothing);
        b->count = 0;
        b->last_slot = slot;
    }
    return b->measured;
}

static double cubic_success(const aws_ratelimit *rl, const rl_bucket *b, double t)
{
    double dt = t - b->last_fail - b->k;
    return rl->o.scale * dt * dt * dt + b->w_max;
}

static double cubic_error(const aws_ratelimit *rl, rl_bucket *b, double rate, double t)
{
    b->w_max = rate;
    b->k = cbrt(b->w_max * (1 - rl->o.beta) / rl->o.scale);
    b->last_fail = t;
    return rate * rl->o.beta;
}

int aws_ratelimit_record(aws_ratelimit *rl, const char *key,
                         const char *region, const char *service, int throttled)
{
    double t = now_s(rl);
    rl_bucket *b = get_or_add(rl, nz(key), nz(region), nz(service), t);
    if (!b)
        return AWS_ENOMEM;
    double measured = measure(rl, b, t);
    double rate;
    if (!throttled) {
        rate = cubic_success(rl, b, t);
    } else {
        double use = measured;
        if (b->enabled && b->fill_rate < use)
            use = b->fill_rate;
        rate = cubic_error(rl, b, use, t);
        b->enabled = 1;
    }
    double cap = rl->o.max_adjust * measured;
    set_max_rate(rl, b, rate < cap ? rate : cap, t);
    b->last_used = t;
    maybe_sweep(rl, t);
    return 0;
}

double aws_ratelimit_rate(const aws_ratelimit *rl, const char *key,
                          const char *region, const char *service)
{
    key = nz(key);
    region = nz(region);
    service = nz(service);
    const rl_bucket *b = lookup(rl, key, region, service, key_hash(key, region, service));
    return b && b->enabled ? b->fill_rate : 0.0;
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

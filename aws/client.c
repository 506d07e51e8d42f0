/* A signed AWS call with retries and client-side rate limiting.
 *
 * Each call is a small state machine driven by its own uv timer:
 *
 *   rate lane (queue per account, region and rate scope) -> credentials
 *   -> ready queue (no free in-flight slot) -> sign + send -> answer ->
 *   done | backoff -> rate lane
 *
 * An in-flight slot is held only from leaving the ready queue until the
 * answer arrives: a call waiting for a backoff, a rate-limit token or its
 * credentials holds none, so an account that is throttled hard cannot fill
 * every slot and stall the calls of other accounts.  Calls take free slots
 * in the order they became ready (FIFO).
 *
 * Every step after aws_client_call starts from a loop callback, so the
 * caller's callback never runs inside aws_client_call.  Retries follow
 * botocore's standard mode (retries/standard.py, quota.py): throttling and
 * transient errors are retried with capped exponential backoff and full
 * jitter while the client-wide retry budget lasts.
 *
 * Pacing (ratelimit.h): a call waits in the FIFO lane of its (account,
 * region, scope), and one uv timer per lane with waiters wakes for the
 * head.  At every wake the lane is asked again, at its current rate, so a
 * rate that recovered while calls waited releases them at the new rate at
 * once; no call carries a wait fixed when it was queued.  The timer exists
 * only while somebody waits (it is closed when the lane empties).
 */
#include "aws/client.h"
#include "aws/secret.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/operations.h"
#include "aws/ratelimit.h"
#include "aws/sigv4.h"

#include "certsweep_config.h"

#include <openssl/crypto.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct call call;
typedef void (*step_fn)(call *);

struct call {
    aws_client *c;
    call *prev, *next;           /* the client's unfinished calls */
    call *qnext;                 /* ready, waiting for an in-flight slot */
    aws_call_cb cb;
    void *ud;
    aws_service svc;
    aws_proto proto;
    char *region, *rate_key, *op, *target, *json_version, *method, *path, *query;
    char *body;
    size_t body_len;
    size_t max_response;
    long timeout_ms;
    aws_creds_provider *prov;
    aws_creds *creds;            /* a ref while waiting in the ready queue */
    aws_endpoint ep;
    uv_timer_t timer;
    step_fn next_step;
    aws_rate_waiter w;           /* in its rate lane's queue */
    aws_rate_lane *lane;         /* while in_lane or lane_held */
    int64_t sent_ms;             /* when the attempt went on the wire (ratelimit clock); -1 */
    int attempts;
    int last_cost;               /* retry tokens the latest retry took */
    unsigned has_slot : 1, queued : 1, in_lane : 1,
             first : 2,          /* its ready queue: aws_call.first, 0 to 3 */
             lane_held : 1,      /* released by its lane, not yet on the wire */
             finished : 1, creds_pending : 1,
             http_pending : 1, timer_closed : 1,
             refetched : 1;      /* credentials fetched again this attempt */
};

struct aws_client {
    uv_loop_t *loop;
    aws_http *http;
    aws_client_opts o;
    char *strings[AWS_SVC__COUNT + 3];   /* owned copies behind o's pointers */
    aws_ratelimit *rl;
    aws_retry_quota quota;
    aws_client_stats stats;
    call *active;
    /* Ready queues, one per aws_call.first level, each in the order its
     * calls became ready; the highest level is served first. */
    call *qhead[AWS_CALL_LEVELS], *qtail[AWS_CALL_LEVELS];
    int running;                 /* calls holding a slot */
    int refs;                    /* the owner + every call struct alive */
    int closing;
    int canceled;                 /* aws_client_cancel: every call ends, none starts */
    uint64_t rng;
};

/* The timer of a rate lane with waiters (the lane's caller data). */
typedef struct lane_timer {
    uv_timer_t t;
    aws_client *c;
    aws_rate_lane *lane;         /* NULL once closing */
} lane_timer;

/* ---- classification (botocore standard.py and data/_retry.json) ---------- */

static int in_list(const char *code, const char *const *list)
{
    if (!code || !*code)
        return 0;
    for (; *list; list++)
        if (strcmp(code, *list) == 0)
            return 1;
    return 0;
}

int aws_is_throttling(long status, const char *code)
{
    static const char *const codes[] = {
        "Throttling", "ThrottlingException", "ThrottledException",
        "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
        "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
        "Throttled",             /* SNS */
        NULL,
    };
    if (status == 429 || status == 509)
        return 1;
    return in_list(code, codes);
}

int aws_is_transient(int err, long status, const char *code)
{
    static const char *const codes[] = {
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
        "InternalError", "InternalFailure", "ServiceUnavailable", NULL,
    };
    if (err == AWS_ETIMEDOUT || err == AWS_ECONN)
        return 1;
    if (err)
        return 0;
    if (status == 500 || status == 502 || status == 503 || status == 504)
        return 1;
    return in_list(code, codes);
}

/* ---- small helpers ---------------------------------------------------------- */

static double rand01(aws_client *c)
{
    /* xorshift64*: jitter only, nothing secret depends on it. */
    uint64_t x = c->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rng = x;
    return (double)((x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int64_t mono_ms(void *ud)
{
    (void)ud;
    return (int64_t)(uv_hrtime() / 1000000u);
}

static char *dup_or_null(const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = 1;
    return d;
}

static void client_unref(aws_client *c)
{
    if (--c->refs > 0)
        return;
    aws_ratelimit_free(c->rl);
    for (size_t i = 0; i < sizeof(c->strings) / sizeof(c->strings[0]); i++)
        free(c->strings[i]);
    free(c);
}

/* ---- call lifetime -------------------------------------------------------- */

static void call_maybe_free(call *k)
{
    if (!k->finished || !k->timer_closed || k->creds_pending || k->http_pending)
        return;
    aws_client *c = k->c;
    free(k->region);
    free(k->rate_key);
    free(k->op);
    free(k->target);
    free(k->json_version);
    free(k->method);
    free(k->path);
    free(k->query);
    if (k->body && !k->prov)     /* an unsigned call's body carries its proof (a token) */
        OPENSSL_cleanse(k->body, k->body_len);
    free(k->body);
    aws_creds_unref(k->creds);
    aws_creds_provider_unref(k->prov);
    free(k);
    client_unref(c);
}

static void on_timer_closed(uv_handle_t *h)
{
    call *k = h->data;
    k->timer_closed = 1;
    call_maybe_free(k);
}

static void on_step_timer(uv_timer_t *t)
{
    call *k = t->data;
    step_fn fn = k->next_step;
    k->next_step = NULL;
    if (fn && !k->finished)
        fn(k);
}

static void step_rate(call *k);
static void step_send(call *k);
static void step_creds(call *k);
static void service_lane(aws_client *c, aws_rate_lane *lane);
static void lane_done(call *k);
static void finish(call *k, int err, long status, const char *code,
                   const char *msg, const char *body, size_t body_len);

static void arm(call *k, int64_t delay_ms, step_fn fn)
{
    k->next_step = fn;
    if (uv_timer_start(&k->timer, on_step_timer, delay_ms > 0 ? (uint64_t)delay_ms : 0, 0) != 0)
        finish(k, AWS_EIO, 0, "", "could not arm a timer", NULL, 0);
}

/* Hands free slots to ready calls, oldest first.  The send itself runs from
 * the call's timer: pump may run inside another call's callbacks. */
static void pump(aws_client *c)
{
    while (!c->closing && !c->canceled && c->running < c->o.max_in_flight) {
        int l = AWS_CALL_LEVELS - 1;
        while (l >= 0 && !c->qhead[l])
            l--;
        if (l < 0)
            break;
        call **head = &c->qhead[l];
        call **tail = &c->qtail[l];
        call *k = *head;
        *head = k->qnext;
        if (!*head)
            *tail = NULL;
        k->qnext = NULL;
        k->queued = 0;
        k->has_slot = 1;
        c->running++;
        arm(k, 0, step_send);
    }
}

static void enqueue(aws_client *c, call *k)
{
    call **head = &c->qhead[k->first];
    call **tail = &c->qtail[k->first];
    k->queued = 1;
    k->qnext = NULL;
    if (*tail)
        (*tail)->qnext = k;
    else
        *head = k;
    *tail = k;
}

static void release_slot(call *k)
{
    if (k->has_slot) {
        k->has_slot = 0;
        k->c->running--;
    }
}

static void unqueue(aws_client *c, call *k)
{
    call **pp = &c->qhead[k->first];
    call **tail = &c->qtail[k->first];
    call *prev = NULL;
    while (*pp && *pp != k) {
        prev = *pp;
        pp = &(*pp)->qnext;
    }
    if (*pp) {
        *pp = k->qnext;
        if (*tail == k)
            *tail = prev;
    }
    k->qnext = NULL;
    k->queued = 0;
}

static void finish(call *k, int err, long status, const char *code,
                   const char *msg, const char *body, size_t body_len)
{
    if (k->finished)
        return;
    aws_client *c = k->c;
    k->finished = 1;
    if (k->prev)
        k->prev->next = k->next;
    else
        c->active = k->next;
    if (k->next)
        k->next->prev = k->prev;
    k->prev = k->next = NULL;
    if (k->queued)
        unqueue(c, k);
    if (k->in_lane) {
        aws_rate_lane *lane = k->lane;
        aws_ratelimit_cancel(lane, &k->w);
        k->in_lane = 0;
        k->lane = NULL;
        service_lane(c, lane);   /* closes its timer when it empties */
    }
    lane_done(k);
    int had_slot = k->has_slot;
    release_slot(k);
    aws_creds_unref(k->creds);
    k->creds = NULL;
    if (err)
        c->stats.failures++;
    uv_timer_stop(&k->timer);
    uv_close((uv_handle_t *)&k->timer, on_timer_closed);

    aws_result r = {
        .err = err,
        .status = status,
        .code = code ? code : "",
        .message = msg ? msg : "",
        .body = body ? body : "",
        .body_len = body ? body_len : 0,
        .attempts = k->attempts,
        .op = k->op,
    };
    k->cb(&r, k->ud);
    if (had_slot)
        pump(c);
}

/* ---- the steps -------------------------------------------------------------- */

static void on_http(int err, const aws_http_response *resp, void *ud);
static void on_answer(call *k, int err, const aws_http_response *resp);
static void on_creds(int err, aws_creds *creds, const char *msg, void *ud);

static aws_rate_key rate_key_of(const call *k)
{
    aws_rate_key key = { k->rate_key, k->region, aws_service_name(k->svc), k->op };
    return key;
}

static void on_lane_timer_closed(uv_handle_t *h)
{
    lane_timer *lt = h->data;
    aws_client *c = lt->c;
    free(lt);
    client_unref(c);
}

static void on_lane_timer(uv_timer_t *t)
{
    lane_timer *lt = t->data;
    if (lt->lane)
        service_lane(lt->c, lt->lane);
}

static void step_nomem(call *k)
{
    finish(k, AWS_ENOMEM, 0, "", "out of memory while pacing", NULL, 0);
}

/* Releases the lane's head calls while it holds tokens, then sets its
 * timer for the next head at the lane's current rate, or closes the timer
 * when nobody waits.  Released calls continue from their own timer: this
 * may run inside another call's callbacks. */
static void service_lane(aws_client *c, aws_rate_lane *lane)
{
    int64_t wait;
    aws_rate_waiter *w;
    while ((w = aws_ratelimit_next(c->rl, lane, &wait)) != NULL) {
        call *k = (call *)(void *)((char *)w - offsetof(call, w));
        k->in_lane = 0;
        k->lane_held = 1;        /* k->lane stays until it is on the wire */
        arm(k, 0, step_creds);
    }
    lane_timer *lt = aws_ratelimit_lane_data(lane);
    if (wait == 0) {             /* its burst is released, not yet sent */
        if (lt)
            uv_timer_stop(&lt->t);
        return;
    }
    if (wait < 0) {
        if (lt) {
            aws_ratelimit_set_lane_data(lane, NULL);
            lt->lane = NULL;
            uv_close((uv_handle_t *)&lt->t, on_lane_timer_closed);
        }
        return;
    }
    if (!lt) {
        lt = calloc(1, sizeof(*lt));
        if (!lt || uv_timer_init(c->loop, &lt->t) != 0) {
            free(lt);
            /* Cannot wait for the lane: its calls fail, each from its own
             * timer (their callbacks never run in here). */
            while ((w = aws_ratelimit_head(lane)) != NULL) {
                call *k = (call *)(void *)((char *)w - offsetof(call, w));
                aws_ratelimit_cancel(lane, w);
                k->in_lane = 0;
                k->lane = NULL;
                arm(k, 0, step_nomem);
            }
            return;
        }
        lt->c = c;
        lt->lane = lane;
        lt->t.data = lt;
        c->refs++;               /* dropped in on_lane_timer_closed */
        aws_ratelimit_set_lane_data(lane, lt);
    }
    uv_timer_start(&lt->t, on_lane_timer, (uint64_t)wait, 0);
}

/* The call went on the wire, or will not: its lane may release the next. */
static void lane_done(call *k)
{
    if (!k->lane_held)
        return;
    aws_rate_lane *lane = k->lane;
    k->lane_held = 0;
    k->lane = NULL;
    aws_ratelimit_sent(lane);
    service_lane(k->c, lane);
}

static void step_rate(call *k)
{
    aws_client *c = k->c;
    k->refetched = 0;
    k->sent_ms = -1;
    if (!c->rl) {
        step_creds(k);
        return;
    }
    aws_rate_key key = rate_key_of(k);
    aws_rate_lane *lane = aws_ratelimit_lane(c->rl, &key);
    if (!lane) {
        finish(k, AWS_ENOMEM, 0, "", "out of memory while pacing", NULL, 0);
        return;
    }
    aws_ratelimit_push_level(c->rl, lane, &k->w, (int)k->first);
    k->in_lane = 1;
    k->lane = lane;
    service_lane(c, lane);
}

/* Credentials are fetched for every attempt, before the call takes a slot:
 * the provider may have refreshed them since the last one, and a provider
 * that itself calls AWS through this client (AssumeRole) must find a slot
 * free. */
static void step_creds(call *k)
{
    if (!k->prov) {              /* an unsigned call: straight to the queue */
        enqueue(k->c, k);
        pump(k->c);
        return;
    }
    k->creds_pending = 1;
    int rc = aws_creds_provider_get(k->prov, on_creds, k);
    if (rc) {
        k->creds_pending = 0;
        char msg[160];
        snprintf(msg, sizeof(msg), "credentials (%s): %s", k->prov->name, aws_strerror(rc));
        finish(k, AWS_ENOCREDS, 0, "", msg, NULL, 0);
    }
}

static int build_and_send(call *k, const aws_creds *creds, char *why, size_t why_len)
{
    aws_client *c = k->c;
    aws_headers hd;
    aws_buf url;
    aws_headers_init(&hd);
    aws_buf_init(&url, 8192);
    int rc;
    const char *method = "POST", *ctype = NULL;
    const char *body = k->body ? k->body : "";
    size_t body_len = k->body ? k->body_len : 0;
    char ctype_buf[64];

    switch (k->proto) {
    case AWS_PROTO_JSON:
        snprintf(ctype_buf, sizeof(ctype_buf), "application/x-amz-json-%s",
                 k->json_version ? k->json_version : "1.1");
        ctype = ctype_buf;
        if (!k->body) {
            body = "{}";
            body_len = 2;
        }
        rc = aws_buf_printf(&url, "%s/", k->ep.url);
        break;
    case AWS_PROTO_REST_JSON:
        method = k->method ? k->method : "GET";
        if (body_len)
            ctype = "application/json";
        rc = aws_buf_printf(&url, "%s%s%s%s", k->ep.url, k->path ? k->path : "/",
                            k->query && *k->query ? "?" : "",
                            k->query ? k->query : "");
        break;
    case AWS_PROTO_QUERY:
    case AWS_PROTO_EC2:
    default:
        ctype = "application/x-www-form-urlencoded; charset=utf-8";
        rc = aws_buf_printf(&url, "%s/", k->ep.url);
        break;
    }
    if (rc)
        goto out;
    if ((ctype && (rc = aws_headers_set(&hd, "Content-Type", ctype)) != 0) ||
        (k->proto == AWS_PROTO_JSON && k->target &&
         (rc = aws_headers_set(&hd, "X-Amz-Target", k->target)) != 0) ||
        (rc = aws_headers_set(&hd, "User-Agent", "certsweep/" CERTSWEEP_VERSION)) != 0)
        goto out;

    aws_sigv4_request sreq = {
        .method = method,
        .url = url.data,
        .headers = &hd,
        .body = body,
        .body_len = body_len,
        .service = k->ep.signing_name,
        .region = k->ep.signing_region,
        .now = c->o.now ? (time_t)c->o.now() : time(NULL),
        .flags = 0,
    };
    rc = creds ? aws_sigv4_sign(&sreq, creds) : 0;   /* NULL: unsigned call */
    if (rc) {
        snprintf(why, why_len, "signing failed: %s", aws_strerror(rc));
        goto out;
    }
    aws_http_request hreq = {
        .method = method,
        .url = url.data,
        .headers = &hd,
        .body = body,
        .body_len = body_len,
        .timeout_ms = k->timeout_ms,
        .max_response = k->max_response,
    };
    k->attempts++;
    c->stats.attempts++;
    k->sent_ms = c->rl ? aws_ratelimit_now(c->rl) : -1;
    rc = aws_http_send(c->http, &hreq, on_http, k);
    lane_done(k);
    if (rc == 0)
        k->http_pending = 1;
    else
        snprintf(why, why_len, "could not send: %s", aws_strerror(rc));
out:
    if (rc && !*why)
        snprintf(why, why_len, "could not build the request: %s", aws_strerror(rc));
    aws_headers_finish(&hd);   /* wipes Authorization and the token */
    aws_buf_finish(&url);
    return rc;
}

static void on_creds(int err, aws_creds *creds, const char *msg, void *ud)
{
    call *k = ud;
    k->creds_pending = 0;
    if (k->finished) {           /* canceled while the provider worked */
        call_maybe_free(k);
        return;
    }
    if (err || !creds) {
        char m[320];
        snprintf(m, sizeof(m), "credentials (%s): %s", k->prov->name,
                 msg && *msg ? msg : aws_strerror(err ? err : AWS_ENOCREDS));
        finish(k, AWS_ENOCREDS, 0, "", m, NULL, 0);
        return;
    }
    aws_creds_unref(k->creds);
    k->creds = aws_creds_ref(creds);
    enqueue(k->c, k);
    pump(k->c);
}

/* Expiring within this many seconds while queued: fetched again. */
#define QUEUED_CREDS_MARGIN 10

static void step_send(call *k)
{
    aws_client *c = k->c;
    aws_creds *creds = k->creds;
    k->creds = NULL;
    if (!creds && k->prov) {     /* cannot happen: queued signed calls hold some */
        finish(k, AWS_ENOCREDS, 0, "", "no credentials", NULL, 0);
        return;
    }
    int64_t now = c->o.now ? c->o.now() : (int64_t)time(NULL);
    if (creds && !k->refetched && aws_creds_expiring(creds, now, QUEUED_CREDS_MARGIN)) {
        /* They went stale in the queue: give the slot back, fetch again
         * (once: a provider that only has expiring ones gets them used). */
        k->refetched = 1;
        aws_creds_unref(creds);
        release_slot(k);
        pump(c);
        step_creds(k);
        return;
    }
    char why[200] = "";
    int rc = build_and_send(k, creds, why, sizeof(why));
    /* Held until the answer: while they are, their secrets are registered
     * (aws/secret.h), so an answer that echoes them is redacted. */
    k->creds = creds;
    if (rc)
        finish(k, rc, 0, "", why, NULL, 0);
}

static void on_http(int err, const aws_http_response *resp, void *ud)
{
    call *k = ud;
    aws_client *c = k->c;
    k->http_pending = 0;
    if (k->finished) {
        call_maybe_free(k);
        return;
    }
    on_answer(k, err, resp);
    /* The slot went back with the answer: the next ready call may send. */
    pump(c);
}

static void on_answer(call *k, int err, const aws_http_response *resp)
{
    aws_client *c = k->c;
    release_slot(k);
    long status = resp ? resp->status : 0;
    const char *body = resp && resp->body.data ? resp->body.data : "";
    size_t body_len = resp && resp->body.data ? resp->body.len : 0;
    const char *svc = aws_service_name(k->svc);

    if (err == AWS_ECANCELED) {
        finish(k, AWS_ECANCELED, 0, "", "canceled", NULL, 0);
        return;
    }
    if (resp) {
        if (resp->new_connections > 0)
            c->stats.connections += (uint64_t)resp->new_connections;
        if (resp->http_version == 20)
            c->stats.http2++;
    }
    if (!err && status >= 200 && status < 300) {
        aws_log_debug("%s %s %s attempt %d status %ld", k->op, svc, k->region,
                      k->attempts, status);
        if (c->rl) {
            aws_rate_key key = rate_key_of(k);
            aws_ratelimit_record(c->rl, &key, 0, k->sent_ms);
        }
        /* botocore: a success gives back what its last retry cost, or one
         * token when it needed none. */
        aws_retry_quota_release(&c->quota, k->last_cost ? k->last_cost : AWS_RETRY_NO_RETRY_REFUND);
        finish(k, 0, status, "", "", body, body_len);
        return;
    }

    char code[128] = "", msg[512] = "";
    int throttled = 0, retryable;
    if (!err) {
        aws_error_decode(k->proto, status, &resp->headers, body, body_len,
                         code, sizeof(code), msg, sizeof(msg));
        throttled = aws_is_throttling(status, code);
        retryable = throttled || aws_is_transient(0, status, code);
        if (throttled) {
            c->stats.throttled++;
            c->stats.throttled_by_service[k->svc]++;
        }
    } else {
        snprintf(msg, sizeof(msg), "%s", resp && resp->error[0] ? resp->error : aws_strerror(err));
        retryable = aws_is_transient(err, 0, NULL);
    }
    /* Remote text: a secret the server echoes back goes no further. */
    aws_secret_redact_buf(code, sizeof(code));
    aws_secret_redact_buf(msg, sizeof(msg));
    aws_log_debug("%s %s %s attempt %d status %ld %s", k->op, svc, k->region,
                  k->attempts, status, err ? aws_strerror(err) : code);
    /* A cut needs no re-arming of the lane's timer: it asks the lane again
     * when it wakes, and the recovery after a cut is a function of time the
     * lane already counts in the wait it gives. */
    if (c->rl) {
        aws_rate_key key = rate_key_of(k);
        aws_ratelimit_record(c->rl, &key, throttled, k->sent_ms);
    }

    int final_err = err ? err : AWS_ESERVICE;
    /* Retries turned off (retry_budget < 0): the answer itself is the
     * error, not an exhausted budget. */
    if (!retryable || c->o.retry_budget < 0) {
        finish(k, final_err, status, code, msg, body, body_len);
        return;
    }
    if (k->attempts >= c->o.max_attempts) {
        char m[700];
        snprintf(m, sizeof(m), "%s (gave up after %d attempts)", msg, k->attempts);
        finish(k, final_err, status, code, m, body, body_len);
        return;
    }
    int cost = err == AWS_ETIMEDOUT ? AWS_RETRY_COST_TIMEOUT : AWS_RETRY_COST;
    if (!aws_retry_quota_acquire(&c->quota, cost)) {
        char m[700];
        snprintf(m, sizeof(m), "retry budget exhausted after %d attempt%s; last error: %s%s%s",
                 k->attempts, k->attempts == 1 ? "" : "s", code[0] ? code : "",
                 code[0] ? ": " : "", msg);
        finish(k, AWS_EBUDGET, status, code, m, body, body_len);
        return;
    }
    k->last_cost = cost;
    c->stats.retries++;
    int64_t after = -1;
    if (!err) {
        after = aws_retry_after_ms(aws_headers_get(&resp->headers, "Retry-After"));
        const char *ms = aws_headers_get(&resp->headers, "x-amz-retry-after");
        if (ms && after < 0) {
            int64_t s = aws_retry_after_ms(ms);   /* the value is in ms */
            if (s >= 0)
                after = s / 1000;
        }
    }
    int64_t delay = aws_retry_backoff_ms(c->o.base_delay_ms, c->o.max_backoff_ms,
                                         k->attempts - 1, rand01(c), after);
    arm(k, delay, step_rate);
}

/* ---- public interface --------------------------------------------------------- */

int aws_client_new(uv_loop_t *loop, const aws_client_opts *opts, aws_client **out)
{
    static const aws_client_opts none;
    if (!loop || !out)
        return AWS_EINVAL;
    *out = NULL;
    if (!opts)
        opts = &none;
    aws_client *c = calloc(1, sizeof(*c));
    if (!c)
        return AWS_ENOMEM;
    int rc = AWS_ENOMEM, fail = 0;
    c->loop = loop;
    c->o = *opts;
    c->refs = 1;
    /* Own copies of the option strings. */
    c->o.http.ca_bundle = c->strings[0] = dup_or_null(opts->http.ca_bundle, &fail);
    c->o.endpoints.endpoint_url = c->strings[1] = dup_or_null(opts->endpoints.endpoint_url, &fail);
    c->o.http.profile_ca_bundle = c->strings[AWS_SVC__COUNT + 2] =
        dup_or_null(opts->http.profile_ca_bundle, &fail);
    for (int i = 0; i < AWS_SVC__COUNT; i++)
        c->o.endpoints.service_url[i] = c->strings[2 + i] =
            dup_or_null(opts->endpoints.service_url[i], &fail);
    if (fail)
        goto fail;
    if (c->o.max_attempts <= 0)    c->o.max_attempts = 8;
    if (c->o.base_delay_ms <= 0)   c->o.base_delay_ms = 100;
    if (c->o.max_backoff_ms <= 0)  c->o.max_backoff_ms = 20000;
    if (c->o.max_in_flight <= 0)   c->o.max_in_flight = 32;
    /* One call on the wire holds one connection (AWS's JSON and query
     * endpoints speak HTTP/1.1): fewer connections per host than calls in
     * flight would cap a scan whose calls go to one endpoint (one region's
     * ACM, a proxy, endpoint_url) far below max_in_flight, the rest
     * waiting inside curl for a connection while holding their slots. */
    if (c->o.http.max_host_connections <= 0)
        c->o.http.max_host_connections = c->o.max_in_flight;
    if (c->o.http.max_connections <= 0)
        c->o.http.max_connections = c->o.max_in_flight > 64 ? c->o.max_in_flight : 64;
    aws_retry_quota_init(&c->quota, c->o.retry_budget);
    if (c->o.adaptive >= 0) {
        c->rl = aws_ratelimit_new(NULL, mono_ms, NULL);
        if (!c->rl)
            goto fail;
    }
    c->rng = uv_hrtime() ^ (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15ull;
    if (!c->rng)
        c->rng = 1;
    rc = aws_http_new(loop, &c->o.http, &c->http);
    if (rc)
        goto fail;
    *out = c;
    return 0;
fail:
    client_unref(c);
    return rc;
}

int aws_client_call(aws_client *c, const aws_call *in, aws_call_cb cb, void *ud)
{
    if (!c || !in || !cb)
        return AWS_EINVAL;
    if (c->closing || c->canceled)
        return AWS_ECANCELED;
    /* in->creds NULL: an unsigned call (AssumeRoleWithWebIdentity) */
    if ((unsigned)in->service >= AWS_SVC__COUNT || !in->region ||
        (in->proto == AWS_PROTO_JSON && !in->target) || (in->body_len && !in->body))
        return AWS_EINVAL;
    if (!c->o.any_operation && !aws_operation_find(in->service, in->op)) {
        aws_log_error("internal: %s %s is not in aws/operations.c; add its row and its IAM "
                      "permission to packaging/iam/", aws_service_name(in->service),
                      in->op ? in->op : "(no operation name)");
        return AWS_EINVAL;
    }
    call *k = calloc(1, sizeof(*k));
    if (!k)
        return AWS_ENOMEM;
    int rc = aws_endpoint_resolve(&c->o.endpoints, in->service, in->region, &k->ep);
    if (rc) {
        free(k);
        return rc;
    }
    int fail = 0;
    k->c = c;
    k->cb = cb;
    k->ud = ud;
    k->svc = in->service;
    k->proto = in->proto;
    k->region = dup_or_null(in->region, &fail);
    k->rate_key = dup_or_null(in->rate_key ? in->rate_key : "", &fail);
    k->op = dup_or_null(in->op ? in->op : (in->target ? in->target : "call"), &fail);
    k->target = dup_or_null(in->target, &fail);
    k->json_version = dup_or_null(in->json_version, &fail);
    k->method = dup_or_null(in->method, &fail);
    k->path = dup_or_null(in->path, &fail);
    k->query = dup_or_null(in->query, &fail);
    if (in->body) {
        k->body = malloc(in->body_len + 1);
        if (k->body) {
            memcpy(k->body, in->body, in->body_len);
            k->body[in->body_len] = '\0';
            k->body_len = in->body_len;
        } else {
            fail = 1;
        }
    }
    k->max_response = in->max_response;
    k->first = in->first <= 0 ? 0 : in->first >= AWS_CALL_LEVELS ? AWS_CALL_LEVELS - 1
             : (unsigned)in->first;
    k->timeout_ms = in->timeout_ms ? in->timeout_ms : c->o.timeout_ms;
    if (fail || uv_timer_init(c->loop, &k->timer) != 0) {
        k->finished = 1;
        k->timer_closed = 1;
        c->refs++;
        call_maybe_free(k);      /* drops the ref again */
        return fail ? AWS_ENOMEM : AWS_EIO;
    }
    k->timer.data = k;
    k->prov = in->creds ? aws_creds_provider_ref(in->creds) : NULL;
    c->refs++;
    k->next_step = step_rate;
    if (uv_timer_start(&k->timer, on_step_timer, 0, 0) != 0) {
        k->finished = 1;         /* never started: cb never runs */
        uv_close((uv_handle_t *)&k->timer, on_timer_closed);
        return AWS_EIO;
    }
    c->stats.calls++;
    c->stats.calls_by_service[k->svc]++;
    k->next = c->active;
    if (c->active)
        c->active->prev = k;
    c->active = k;
    return 0;
}

int aws_client_set_rate(aws_client *c, const char *scope, double rate)
{
    if (!c)
        return AWS_EINVAL;
    return c->rl ? aws_ratelimit_set_rate(c->rl, scope, rate) : 0;
}

void aws_client_get_stats(const aws_client *c, aws_client_stats *out)
{
    if (c && out)
        *out = c->stats;
}

aws_http *aws_client_http(aws_client *c)
{
    return c ? c->http : NULL;
}

const aws_endpoint_cfg *aws_client_endpoints(const aws_client *c)
{
    return c ? &c->o.endpoints : NULL;
}

void aws_client_cancel(aws_client *c)
{
    if (!c || c->closing || c->canceled)
        return;
    c->canceled = 1;
    c->refs++;                   /* callbacks below may drop the last other ref */
    aws_http_cancel(c->http);
    while (c->active)
        finish(c->active, AWS_ECANCELED, 0, "", "canceled", NULL, 0);
    client_unref(c);
}

int aws_client_canceled(const aws_client *c)
{
    return c && c->canceled;
}

void aws_client_free(aws_client *c)
{
    if (!c || c->closing)
        return;
    c->closing = 1;
    /* Attempts on the wire end first (their callbacks finish their calls
     * with AWS_ECANCELED), then calls waiting on a timer, a slot or a
     * credential provider. */
    aws_http_free(c->http);
    c->http = NULL;
    while (c->active)
        finish(c->active, AWS_ECANCELED, 0, "", "canceled", NULL, 0);
    client_unref(c);
}

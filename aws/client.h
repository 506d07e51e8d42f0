/* certsweep — a signed AWS call with retries and client-side rate limiting.
 *
 * The layer every room above the transport uses: resolve the endpoint, get
 * credentials from a provider, sign (SigV4), send, decode errors, retry
 * throttling and transient failures with capped exponential backoff and
 * full jitter under a retry budget (timers, never sleeps), and pace calls
 * in a queue per (rate key, region, rate scope) released at the rate AWS
 * publishes for the operation, adapted down on throttling and back up
 * within seconds (aws/ratelimit.h, aws/rates.h).
 */
#ifndef AWS_CLIENT_H
#define AWS_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "aws/creds.h"
#include "aws/endpoints.h"
#include "aws/http.h"
#include "aws/proto.h"

typedef struct aws_client aws_client;

typedef struct aws_client_opts {
    aws_http_opts http;
    aws_endpoint_cfg endpoints;
    int max_attempts;            /* per call, first try included; 0: 8 */
    long base_delay_ms;          /* backoff base; 0: 100 */
    long max_backoff_ms;         /* 0: 20000 */
    int retry_budget;            /* tokens in the client-wide retry quota; 0: 500 (botocore standard); < 0: no retries */
    int max_in_flight;           /* global cap on HTTP requests in flight (a call waiting for backoff, a rate token or credentials holds no slot); 0: 32 */
    long timeout_ms;             /* per attempt when the call sets none; 0: AWS_HTTP_DEFAULT_TIMEOUT_MS */
    int adaptive;                /* client-side pacing (default on; < 0: calls are not paced) */
    /* Tests (aws_probe): accept an operation aws/operations.c does not
     * list.  Otherwise aws_client_call refuses it (AWS_EINVAL). */
    int any_operation;
    /* Clock seam (tests). NULL: time(NULL). */
    int64_t (*now)(void);
} aws_client_opts;

enum { AWS_CALL_LIST = 1, AWS_CALL_CRITICAL = 2, AWS_CALL_ENTER = 3, AWS_CALL_LEVELS = 4 };

typedef struct aws_call {
    aws_service service;
    const char *region;           /* the region the call is about */
    const char *rate_key;         /* pacing key, normally the account id; NULL: "" */
    aws_creds_provider *creds;    /* a ref is held while the call lives; NULL: unsigned call (AssumeRoleWithWebIdentity) */
    aws_proto proto;
    const char *op;               /* operation name, for messages, stats and its rate (aws/rates.h): "ListCertificates" */
    const char *target;           /* JSON: X-Amz-Target, e.g. "CertificateManager.ListCertificates" */
    const char *json_version;     /* JSON: "1.0" or "1.1" (default "1.1") */
    const char *method;           /* REST_JSON: "GET", "POST", ...; others POST */
    const char *path;             /* REST_JSON: encoded path, "/clientcertificates"; others "/" */
    const char *query;            /* REST_JSON: encoded query without '?', or NULL */
    const char *body;             /* JSON document, or the query form body; copied */
    size_t body_len;
    size_t max_response;          /* 0: AWS_HTTP_DEFAULT_MAX_RESPONSE */
    long timeout_ms;              /* per attempt; 0: default */
    int first;                    /* priority: a free in-flight slot goes to the ready
                                   * call of the highest level, oldest first, and a
                                   * call of level >= 1 takes its rate lane's next
                                   * token before the lane's level-0 waiters.
                                   * AWS_CALL_ENTER: work every call of an account
                                   * waits for (listing accounts, AssumeRole,
                                   * DescribeRegions); AWS_CALL_CRITICAL: a call of a
                                   * paced lane with a long backlog, the scan's
                                   * critical path (it holds a fraction of a slot);
                                   * AWS_CALL_LIST: listing what to describe; 0: the
                                   * rest */
} aws_call;

typedef struct aws_result {
    int err;                      /* 0 success (2xx); AWS_ESERVICE (code/message
                                   * set); AWS_ENOCREDS; AWS_EBUDGET; or a
                                   * transport error once retries ran out */
    long status;                  /* final HTTP status, 0 when none */
    const char *code;             /* AWS error code, "" when none */
    const char *message;          /* one line, "" when none */
    const char *body;             /* raw body of the final answer (NUL-terminated) */
    size_t body_len;
    int attempts;
    const char *op;               /* the call's op */
} aws_result;

/* result is valid only during the callback. */
typedef void (*aws_call_cb)(const aws_result *result, void *ud);

typedef struct aws_client_stats {
    uint64_t calls;              /* aws_client_call invocations */
    uint64_t attempts;           /* HTTP requests sent */
    uint64_t retries;
    uint64_t throttled;          /* answers classified as throttling */
    uint64_t failures;           /* calls that ended with err != 0 */
    uint64_t connections;        /* connections the attempts opened (reuse opens none) */
    uint64_t http2;              /* attempts answered over HTTP/2 */
    uint64_t calls_by_service[AWS_SVC__COUNT];      /* calls, per aws_service */
    uint64_t throttled_by_service[AWS_SVC__COUNT];  /* throttled answers, per aws_service */
} aws_client_stats;

int  aws_client_new(uv_loop_t *loop, const aws_client_opts *opts, aws_client **out);
/* Starts a call.  0: cb runs exactly once, never from inside this function.
 * Negative: cb never runs.  call->op must have a row in aws/operations.c
 * (the list the IAM policies are checked against): AWS_EINVAL otherwise,
 * with one error line naming the missing row. */
int  aws_client_call(aws_client *c, const aws_call *call, aws_call_cb cb, void *ud);
/* Paces a scope of aws/rates.h ("acm:DescribeCertificate") at `rate`
 * requests/s instead of the published figure (a raised quota); call it
 * before the first call.  0 or AWS_EINVAL (unknown scope, rate <= 0). */
int  aws_client_set_rate(aws_client *c, const char *scope, double rate);
void aws_client_get_stats(const aws_client *c, aws_client_stats *out);
aws_http *aws_client_http(aws_client *c);      /* the shared transport (for IMDS, ECS, webhooks) */
const aws_endpoint_cfg *aws_client_endpoints(const aws_client *c);
/* Cancels every call (their callbacks run with AWS_ECANCELED, from inside
 * this call: requests on the wire are abandoned, calls waiting for a
 * timer, a slot or credentials end) and refuses new calls with
 * AWS_ECANCELED.  The client stays valid until aws_client_free.  For an
 * interrupted run (SIGINT/SIGTERM seen on the loop).  Accepts NULL. */
void aws_client_cancel(aws_client *c);
/* 1 after aws_client_cancel. */
int  aws_client_canceled(const aws_client *c);
/* Cancels calls in flight (callbacks run with AWS_ECANCELED) and closes
 * handles; run the loop once more before uv_loop_close().  Accepts NULL. */
void aws_client_free(aws_client *c);

/* Classification used by the retry loop; exposed for tests. */
int aws_is_throttling(long status, const char *code);
int aws_is_transient(int err, long status, const char *code);

#endif

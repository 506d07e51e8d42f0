/* certsweep — HTTP transport: libcurl multi-socket driven by a libuv loop.
 *
 * After curl's docs/examples/multi-uv.c: one uv_timer_t for the multi handle,
 * one uv_poll_t per socket; finished transfers are collected with
 * curl_multi_info_read after every socket event and timer firing.  Many
 * requests in flight, keep-alive reuse per host, HTTP/2 where offered, TLS
 * verification always on.  No thread per request and no blocking call.
 */
#ifndef AWS_HTTP_H
#define AWS_HTTP_H

#include <stddef.h>
#include <uv.h>

#include "aws/buf.h"
#include "aws/headers.h"

#define AWS_HTTP_DEFAULT_MAX_RESPONSE (16u * 1024 * 1024)
#define AWS_HTTP_DEFAULT_TIMEOUT_MS   30000L

typedef struct aws_http aws_http;

typedef struct aws_http_opts {
    const char *ca_bundle;        /* [aws] ca_bundle; NULL: aws_http_ca_bundle's order */
    const char *profile_ca_bundle;/* the AWS profile's ca_bundle (after AWS_CA_BUNDLE), or NULL */
    long connect_timeout_ms;      /* 0: 10000 */
    long max_connections;         /* total open connections; 0: 64 */
    long max_host_connections;    /* 0: 8 */
    int  debug;                   /* log each request line (never headers/bodies) */
} aws_http_opts;

typedef struct aws_http_request {
    const char *method;           /* "GET", "POST", "PUT", ... */
    const char *url;              /* full URL, path and query already encoded */
    const aws_headers *headers;   /* may be NULL; copied before aws_http_send returns */
    const void *body;             /* copied before aws_http_send returns */
    size_t body_len;
    long timeout_ms;              /* whole transfer; 0: AWS_HTTP_DEFAULT_TIMEOUT_MS */
    size_t max_response;          /* body cap; 0: AWS_HTTP_DEFAULT_MAX_RESPONSE */
} aws_http_request;

typedef struct aws_http_response {
    long status;                  /* 0 when no HTTP response was received */
    aws_headers headers;          /* response headers of the final response */
    aws_buf body;
    char error[256];              /* transport error text, "" when none */
    long http_version;            /* 10, 11, 20, 30 for HTTP/1.0 .. HTTP/3; 0 when none */
    long new_connections;         /* connections this transfer opened (0: one was reused) */
} aws_http_response;

/* err == 0: an HTTP response was received (any status).  Otherwise a
 * transport error: AWS_ETIMEDOUT, AWS_ECONN, AWS_ETLS, AWS_ETOOBIG, AWS_EHTTP,
 * AWS_ECANCELED.  resp is valid only during the callback. */
typedef void (*aws_http_cb)(int err, const aws_http_response *resp, void *ud);

/* Where the CA bundle comes from, in the AWS CLI's order: configured
 * ([aws] ca_bundle: certsweep's own setting, first like the CLI's
 * --ca-bundle), else AWS_CA_BUNDLE, else the profile's ca_bundle, else
 * SSL_CERT_FILE (curl's variable); all NULL or empty: the system store.
 * profile_label names the profile's setting in messages ("ca_bundle of
 * profile 'audit'"; NULL: "the profile's ca_bundle"). */
typedef struct aws_ca_source {
    const char *configured;
    const char *profile;
    const char *profile_label;
} aws_ca_source;

/* The bundle to trust (NULL: the system store); source (may be NULL)
 * names where it came from, for messages. */
const char *aws_http_ca_bundle(const aws_ca_source *from, const char **source);
/* 0 when that bundle is a readable regular file (or none is set), else
 * AWS_EINVAL with "SOURCE 'PATH': why — fix" in err. */
int  aws_http_ca_bundle_check(const aws_ca_source *from, char *err, size_t errlen);

int  aws_http_new(uv_loop_t *loop, const aws_http_opts *opts, aws_http **out);
/* Starts a request.  Returns 0 (cb will be called exactly once, never from
 * inside aws_http_send) or a negative error (cb is never called). */
int  aws_http_send(aws_http *h, const aws_http_request *req, aws_http_cb cb, void *ud);
/* Number of transfers in flight. */
size_t aws_http_in_flight(const aws_http *h);
/* Cancels every transfer in flight (their callbacks run with AWS_ECANCELED,
 * from inside this call) and refuses new ones with AWS_ECANCELED; the
 * handles stay open until aws_http_free.  For an interrupted run.  Accepts
 * NULL. */
void aws_http_cancel(aws_http *h);
/* Cancels transfers in flight (their callbacks run with AWS_ECANCELED),
 * closes all handles; memory is released from close callbacks, so the caller
 * runs the loop once more before uv_loop_close().  Accepts NULL. */
void aws_http_free(aws_http *h);

#endif

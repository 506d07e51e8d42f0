/* certsweep — AWS Signature Version 4 (HMAC-SHA256 via OpenSSL).
 *
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "aws/buf.h"
#include "aws/creds.h"
#include "aws/headers.h"

enum {
    /* S3 style: the path is not encoded a second time and not normalised. */
    AWS_SIGV4_NO_DOUBLE_ENCODE = 1u << 0,
    /* Add and sign x-amz-content-sha256. */
    AWS_SIGV4_CONTENT_SHA256   = 1u << 1,
};

typedef struct aws_sigv4_request {
    const char *method;
    const char *url;          /* scheme://host[:port]/path?query as sent on the wire */
    aws_headers *headers;     /* in/out: the signer sets Host, X-Amz-Date,
                               * X-Amz-Security-Token (when the credentials
                               * have one) and Authorization */
    const void *body;
    size_t body_len;
    const char *service;      /* signing name, e.g. "sts", "acm", "apigateway" */
    const char *region;       /* signing region */
    time_t now;               /* signing time (UTC seconds) */
    unsigned flags;
} aws_sigv4_request;

int aws_sigv4_sign(const aws_sigv4_request *req, const aws_creds *creds);

/* Exposed for tests: the canonical request and string to sign that the
 * last call would produce (caller initialises the bufs). */
int aws_sigv4_canonical_request(const aws_sigv4_request *req, aws_buf *out,
                                aws_buf *signed_headers);
int aws_sigv4_string_to_sign(const aws_sigv4_request *req, const char *canonical,
                             aws_buf *out);

/* Lower-case hex SHA-256 of data into out[65]. */
void aws_sha256_hex(const void *data, size_t len, char out[65]);

#endif

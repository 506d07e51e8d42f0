/* certsweep — the request rates AWS publishes for the operations certsweep
 * calls, and the parsing of the config's overrides.
 *
 * Pure data and string parsing, no I/O: its own small library so that
 * config/ can validate `[aws] rate_overrides` against the same table the
 * transport paces with.
 *
 * Each row names a pacing scope: the operations that share one AWS limit
 * share one scope (API Gateway's control-plane operations), an operation
 * with its own limit has its own (ACM's DescribeCertificate and
 * ListCertificates).  The transport keeps one queue and one token bucket per
 * (account, region, scope).
 */
#ifndef AWS_RATES_H
#define AWS_RATES_H

#include <stddef.h>

typedef struct aws_rate_limit {
    const char *service;   /* aws_service_name(): "acm", "securityhub", ... */
    const char *op;        /* "DescribeCertificate"; "*": the service's other operations */
    const char *scope;     /* pacing scope, "acm:DescribeCertificate"; rows sharing one AWS limit share it */
    double rate;           /* requests per second, as AWS publishes it */
    double burst;          /* what certsweep sends at once from a fresh bucket (never more than AWS's burst) */
    const char *source;    /* where the figure comes from */
} aws_rate_limit;

/* Bounds of an override (requests per second). */
#define AWS_RATE_MIN 0.1
#define AWS_RATE_MAX 100000.0

/* The whole table (for documentation and tests). */
const aws_rate_limit *aws_rates_table(size_t *n);

/* The row for service/op: the operation's own row, else the service's "*"
 * row, else the last row (any other service).  Never NULL. */
const aws_rate_limit *aws_rates_lookup(const char *service, const char *op);

/* Parses one override, "service:Operation=RATE" ("acm:DescribeCertificate=20",
 * "securityhub:*=20"): the operation must have its own row in the table (or
 * be "*" for a service that has a "*" row), RATE a number of requests per
 * second in [AWS_RATE_MIN, AWS_RATE_MAX].  On success returns 0 and sets
 * *row and *rate; otherwise returns -1 and writes a one-line reason (with
 * what to write instead) into why. */
int aws_rates_parse_override(const char *item, const aws_rate_limit **row,
                             double *rate, char *why, size_t why_len);

#endif

/* certsweep — reading less: what the ACM collector needs to judge from
 * ListCertificates summaries and keep DescribeCertificate answers, and
 * what the API Gateway collector needs to skip the stages.
 *
 * The scanner declares the cache it needs as a table of functions; the
 * caller (run/, backed by the state database) or a test fills it in.  The
 * scanner never knows where the entries live. */
#ifndef SCANNER_DETAIL_H
#define SCANNER_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Length of a summary fingerprint (hex SHA-256) with its NUL. */
#define SCANNER_FINGERPRINT_LEN 65

typedef struct scanner_detail_cache {
    /* The last DescribeCertificate answer kept for arn: returns 1 and sets
     * fingerprint (the summary it belonged to), *fetched_at (unix time)
     * and *body (caller frees, NUL-terminated, *len bytes); 0 when there
     * is none; a negative error when it cannot be read (treated as none). */
    int (*get)(void *ud, const char *arn, char fingerprint[SCANNER_FINGERPRINT_LEN],
               int64_t *fetched_at, char **body, size_t *len);
    /* Keeps a fresh answer (replacing the earlier one); 0 or an error
     * (the scan goes on: the next run describes it again). */
    int (*put)(void *ud, const char *arn, const char *fingerprint, int64_t fetched_at,
               const char *body, size_t len);
    void *ud;
} scanner_detail_cache;

/* How the ACM collector of a scan reads (one per scan, borrowed by its
 * targets). */
typedef struct scanner_acm_reading {
    const config *cfg;              /* rules and [scan] describe, detail_max_age */
    int64_t as_of;                  /* judging instant */
    int64_t now;                    /* wall clock: cache ages */
    const scanner_detail_cache *cache;   /* NULL: no cache */
} scanner_acm_reading;

/* How the API Gateway v1 collector of a scan reads (one per scan, borrowed
 * by its targets): REST API stages only when a rule needs them. */
typedef struct scanner_apigw_reading {
    const config *cfg;              /* rules and [scan] describe */
    int64_t as_of;                  /* judging instant */
} scanner_apigw_reading;

#endif

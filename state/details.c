/* certsweep — state: cached DescribeCertificate answers (issue 14).
 *
 * One row per certificate ARN: the answer's body as AWS sent it, the
 * fingerprint of the ListCertificates summary it belonged to and when it
 * was fetched.  The scanner decides when an entry may be reused. */
#include "state/internal.h"

#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int state_detail_get(state_db *s, const char *arn, char *fingerprint, size_t fp_len,
                     int64_t *fetched_at, char **body, size_t *len)
{
    *body = NULL;
    *len = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "SELECT fingerprint, fetched_at, body FROM acm_details WHERE arn = ?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare detail lookup");
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int out = 0;
    if (rc == SQLITE_ROW) {
        const char *fp = (const char *)sqlite3_column_text(st, 0);
        const void *b = sqlite3_column_blob(st, 2);
        int n = sqlite3_column_bytes(st, 2);
        snprintf(fingerprint, fp_len, "%s", fp ? fp : "");
        *fetched_at = sqlite3_column_int64(st, 1);
        if (n < 0 || !(*body = malloc((size_t)n + 1))) {
            out = AWS_ENOMEM;
        } else {
            if (n > 0)
                memcpy(*body, b, (size_t)n);
            (*body)[n] = '\0';
            *len = (size_t)n;
            out = 1;
        }
    } else if (rc != SQLITE_DONE) {
        out = state_fail(s, rc, "read detail");
    }
    sqlite3_finalize(st);
    return out;
}

int state_detail_put(state_db *s, const char *arn, const char *fingerprint,
                     int64_t fetched_at, const char *body, size_t len)
{
    if (!arn || !fingerprint || !body || len > (size_t)0x7fffffff)
        return AWS_EINVAL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "INSERT INTO acm_details(arn, fingerprint, fetched_at, body) VALUES (?1,?2,?3,?4)"
        " ON CONFLICT(arn) DO UPDATE SET fingerprint = excluded.fingerprint,"
        "  fetched_at = excluded.fetched_at, body = excluded.body", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare detail upsert");
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, fingerprint, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, fetched_at);
    sqlite3_bind_blob(st, 4, body, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : state_fail(s, rc, "record detail");
}

int state_detail_prune(state_db *s, int64_t before)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "DELETE FROM acm_details WHERE fetched_at < ?1", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare detail prune");
    sqlite3_bind_int64(st, 1, before);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : state_fail(s, rc, "prune details");
}

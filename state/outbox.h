/* certsweep — the notification outbox (a table of the state file).
 *
 * Every digest delivery is a row written before it is sent (inside the
 * caller's transaction), marked sent when the receiver acknowledged it,
 * rescheduled with a backoff when it failed for a reason a retry can fix
 * (connection refused, timeout, TLS, SMTP 4xx, HTTP 5xx), and marked failed
 * when it cannot (SMTP 5xx): failed rows are kept, with the server's
 * message, for a person to see.  Rows that were sent are kept too: the time
 * a digest key was last queued decides when it may repeat.
 */
#ifndef STATE_OUTBOX_H
#define STATE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "state/state.h"

typedef struct state_outbox_row {
    int64_t id;                     /* set by state_outbox_add */
    const char *channel;            /* "email" | "sns" */
    const char *key;                /* "org", "account:<id>", ... */
    int64_t run_id;
    int64_t created;
    const char *recipients;         /* "a@x, b@y", or the topic ARN */
    const char *subject;
    const char *payload;            /* the message (not necessarily text) */
    size_t payload_len;
    const char *attributes;         /* may be NULL */
    const char *status;             /* "pending" | "sent" | "failed" */
    int attempts;
    int64_t next_attempt;
    const char *last_error;         /* may be NULL */
    int64_t sent_at;
} state_outbox_row;

/* Inserts a pending row (status, attempts, next_attempt, last_error and
 * sent_at of row are ignored); *id (may be NULL) gets its id.  Not
 * transactional by itself: wrap a run's rows in state_begin/commit. */
int state_outbox_add(state_db *db, const state_outbox_row *row, int64_t *id);
/* The receiver acknowledged row id at `at`. */
int state_outbox_sent(state_db *db, int64_t id, int64_t at);
/* A failure a retry can fix: attempts + 1, next_attempt = at + the backoff
 * (base_seconds doubled per earlier attempt, at most a day), last_error. */
int state_outbox_retry_later(state_db *db, int64_t id, int64_t at, int base_seconds,
                             const char *error);
/* A failure a retry cannot fix: status failed, attempts + 1, last_error. */
int state_outbox_failed(state_db *db, int64_t id, const char *error);
/* Calls cb for each row with that status (NULL: all) whose next_attempt
 * is at or before due (due < 0: any), oldest first; the row's strings are
 * valid during the call only.  A non-zero return from cb stops and is
 * returned. */
int state_outbox_each(state_db *db, const char *status, int64_t due,
                      int (*cb)(const state_outbox_row *row, void *ud), void *ud);
/* When a delivery for (channel, key) was last queued (any status but
 * failed): 0 and *at, or AWS_ENOTFOUND. */
int state_outbox_last_queued(state_db *db, const char *channel, const char *key,
                             int64_t *at);

/* The backoff after `attempts` failures with base base_seconds (exposed for
 * tests). */
int64_t state_outbox_backoff(int attempts, int base_seconds);

#endif

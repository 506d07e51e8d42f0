/* certsweep — state: the notification outbox. */
#include "state/outbox.h"
#include "state/internal.h"

#include "aws/error.h"

#include <string.h>

#define OUTBOX_MAX_BACKOFF (24 * 3600)

int64_t state_outbox_backoff(int attempts, int base_seconds)
{
    if (base_seconds <= 0)
        return 0;
    int64_t d = base_seconds;
    for (int i = 1; i < attempts && d < OUTBOX_MAX_BACKOFF; i++)
        d *= 2;
    return d < OUTBOX_MAX_BACKOFF ? d : OUTBOX_MAX_BACKOFF;
}

int state_outbox_add(state_db *s, const state_outbox_row *r, int64_t *id)
{
    if (!r || !r->channel || !r->key || !r->recipients || !r->subject || !r->payload)
        return AWS_EINVAL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "INSERT INTO outbox(channel, key, run_id, created, recipients, subject, payload,"
        " attributes, status, attempts, next_attempt)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,'pending',0,0)", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare outbox insert");
    sqlite3_bind_text(st, 1, r->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->run_id);
    sqlite3_bind_int64(st, 4, r->created);
    sqlite3_bind_text(st, 5, r->recipients, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->subject, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 7, r->payload, r->payload_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->attributes, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return state_fail(s, rc, "queue delivery");
    if (id)
        *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* One UPDATE of row id; AWS_ENOTFOUND when no row changed. */
static int update(state_db *s, const char *sql, int64_t id, int64_t a, const char *text,
                  const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, what);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return state_fail(s, rc, what);
    return sqlite3_changes(s->db) ? 0 : AWS_ENOTFOUND;
}

int state_outbox_sent(state_db *s, int64_t id, int64_t at)
{
    return update(s, "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = ?3"
                     " WHERE id = ?1", id, at, NULL, "mark delivery sent");
}

int state_outbox_retry_later(state_db *s, int64_t id, int64_t at, int base_seconds,
                             const char *error)
{
    int attempts = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT attempts FROM outbox WHERE id = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW)
            attempts = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    int64_t next = at + state_outbox_backoff(attempts + 1, base_seconds);
    return update(s, "UPDATE outbox SET status = 'pending', attempts = attempts + 1,"
                     " next_attempt = ?2, last_error = ?3 WHERE id = ?1",
                  id, next, error, "reschedule delivery");
}

int state_outbox_failed(state_db *s, int64_t id, const char *error)
{
    return update(s, "UPDATE outbox SET status = 'failed', attempts = attempts + 1,"
                     " next_attempt = ?2, last_error = ?3 WHERE id = ?1",
                  id, 0, error, "mark delivery failed");
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int state_outbox_each(state_db *s, const char *status, int64_t due,
                      int (*cb)(const state_outbox_row *row, void *ud), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "SELECT id, channel, key, run_id, created, recipients, subject, payload, attributes,"
        " status, attempts, next_attempt, last_error, sent_at FROM outbox"
        " WHERE (?1 IS NULL OR status = ?1) AND (?2 < 0 OR next_attempt <= ?2)"
        " ORDER BY id", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare outbox list");
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, due);
    int err = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        state_outbox_row r = {
            .id = sqlite3_column_int64(st, 0),
            .channel = col(st, 1), .key = col(st, 2),
            .run_id = sqlite3_column_int64(st, 3),
            .created = sqlite3_column_int64(st, 4),
            .recipients = col(st, 5), .subject = col(st, 6),
            .payload = sqlite3_column_blob(st, 7),
            .payload_len = (size_t)sqlite3_column_bytes(st, 7),
            .attributes = col(st, 8), .status = col(st, 9),
            .attempts = sqlite3_column_int(st, 10),
            .next_attempt = sqlite3_column_int64(st, 11),
            .last_error = col(st, 12),
            .sent_at = sqlite3_column_int64(st, 13),
        };
        if (!r.channel || !r.key || !r.recipients || !r.subject || !r.status)
            continue;
        if (!r.payload)
            r.payload = "";
        if ((err = cb(&r, ud)))
            break;
    }
    if (!err && rc != SQLITE_DONE)
        err = state_fail(s, rc, "list outbox");
    sqlite3_finalize(st);
    return err;
}

int state_outbox_last_queued(state_db *s, const char *channel, const char *key, int64_t *at)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "SELECT max(created) FROM outbox WHERE channel = ?1 AND key = ?2"
        " AND status != 'failed'", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare outbox lookup");
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int out = AWS_ENOTFOUND;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *at = sqlite3_column_int64(st, 0);
        out = 0;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        out = state_fail(s, rc, "outbox lookup");
    }
    sqlite3_finalize(st);
    return out;
}

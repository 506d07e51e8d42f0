/* certsweep — state: tickets of the [webhook NAME] channels (notify/tickets.c).
 *
 * One row per (channel, key): what the receiver acknowledged (status,
 * external_id, severity, members) and the change not yet acknowledged
 * (pending, event, attempts, next_attempt, held, last_error).  The row is
 * written before anything is sent; see state.h. */
#include "state/internal.h"

#include "aws/error.h"

#include <string.h>

int state_ticket_put(state_db *s, const state_ticket_row *r)
{
    static const char sql[] =
        "INSERT INTO tickets(channel, key, status, external_id, severity, members, pending,"
        " event, attempts, next_attempt, held, last_error, created_at, updated_at)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
        " ON CONFLICT(channel, key) DO UPDATE SET"
        "  status = excluded.status, external_id = excluded.external_id,"
        "  severity = excluded.severity, members = excluded.members,"
        "  pending = excluded.pending, event = excluded.event, attempts = excluded.attempts,"
        "  next_attempt = excluded.next_attempt, held = excluded.held,"
        "  last_error = excluded.last_error, updated_at = excluded.updated_at";
    if (!r || !r->channel || !r->key || !r->status)
        return AWS_EINVAL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare ticket upsert");
    sqlite3_bind_text(st, 1, r->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->external_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, r->severity);
    sqlite3_bind_text(st, 6, r->members ? r->members : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->pending ? r->pending : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->event, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 9, r->attempts);
    sqlite3_bind_int64(st, 10, r->next_attempt);
    sqlite3_bind_int(st, 11, r->held);
    sqlite3_bind_text(st, 12, r->last_error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 13, r->created_at);
    sqlite3_bind_int64(st, 14, r->updated_at);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : state_fail(s, rc, "record ticket");
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int state_ticket_each(state_db *s, const char *channel,
                      int (*cb)(const state_ticket_row *row, void *ud), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "SELECT channel, key, status, external_id, severity, members, pending, event,"
        " attempts, next_attempt, held, last_error, created_at, updated_at"
        " FROM tickets WHERE (?1 IS NULL OR channel = ?1) ORDER BY channel, key",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare tickets list");
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    int err = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        state_ticket_row r = {
            .channel = col(st, 0), .key = col(st, 1), .status = col(st, 2),
            .external_id = col(st, 3), .severity = sqlite3_column_int(st, 4),
            .members = col(st, 5), .pending = col(st, 6), .event = col(st, 7),
            .attempts = sqlite3_column_int(st, 8),
            .next_attempt = sqlite3_column_int64(st, 9),
            .held = sqlite3_column_int(st, 10), .last_error = col(st, 11),
            .created_at = sqlite3_column_int64(st, 12),
            .updated_at = sqlite3_column_int64(st, 13),
        };
        if (!r.channel || !r.key || !r.status)
            continue;       /* NOT NULL columns: cannot happen short of a damaged file */
        if ((err = cb(&r, ud)))
            break;
    }
    if (!err && rc != SQLITE_DONE)
        err = state_fail(s, rc, "list tickets");
    sqlite3_finalize(st);
    return err;
}

int state_ticket_prune_digests(state_db *s, int64_t before)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "DELETE FROM tickets WHERE key LIKE 'digest:%' AND pending = '' AND updated_at < ?1",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare digest prune");
    sqlite3_bind_int64(st, 1, before);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : state_fail(s, rc, "prune delivered digests");
}

/* certsweep — state: findings as the runs saw them. */
#include "state/internal.h"

#include "aws/error.h"

#include <string.h>

int state_finding_open(state_db *s, const state_finding_row *r)
{
    static const char sql[] =
        "INSERT INTO findings(id, account, region, rule, source, severity, resource_arn,"
        " resource_id, domain, title, not_after, first_seen, last_seen, status, resolved_at)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,'open',0)"
        " ON CONFLICT(id) DO UPDATE SET"
        "  account = excluded.account, region = excluded.region, rule = excluded.rule,"
        "  source = excluded.source, severity = excluded.severity,"
        "  resource_arn = excluded.resource_arn, resource_id = excluded.resource_id,"
        "  domain = excluded.domain, title = excluded.title, not_after = excluded.not_after,"
        "  first_seen = CASE WHEN findings.status = 'open' AND findings.first_seen > 0"
        "    THEN findings.first_seen ELSE excluded.first_seen END,"
        "  last_seen = excluded.last_seen, status = 'open', resolved_at = 0";
    if (!r || !r->id || !r->account || !r->region || !r->rule || !r->source)
        return AWS_EINVAL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare finding upsert");
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->source, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, r->severity);
    sqlite3_bind_text(st, 7, r->resource_arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->resource_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->title, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, r->not_after);
    sqlite3_bind_int64(st, 12, r->first_seen);
    sqlite3_bind_int64(st, 13, r->last_seen);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : state_fail(s, rc, "record finding");
}

int state_finding_resolve(state_db *s, const char *id, int64_t at)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "UPDATE findings SET status = 'resolved', resolved_at = ?2"
        " WHERE id = ?1 AND status = 'open'", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare resolve");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return state_fail(s, rc, "resolve finding");
    return sqlite3_changes(s->db) ? 0 : AWS_ENOTFOUND;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int state_finding_each(state_db *s, const char *status,
                       int (*cb)(const state_finding_row *row, void *ud), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "SELECT id, account, region, rule, source, severity, resource_arn, resource_id,"
        " domain, title, not_after, first_seen, last_seen, status, resolved_at"
        " FROM findings WHERE (?1 IS NULL OR status = ?1) ORDER BY id", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare findings list");
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    int err = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        state_finding_row r = {
            .id = col(st, 0), .account = col(st, 1), .region = col(st, 2),
            .rule = col(st, 3), .source = col(st, 4),
            .severity = sqlite3_column_int(st, 5),
            .resource_arn = col(st, 6), .resource_id = col(st, 7),
            .domain = col(st, 8), .title = col(st, 9),
            .not_after = sqlite3_column_int64(st, 10),
            .first_seen = sqlite3_column_int64(st, 11),
            .last_seen = sqlite3_column_int64(st, 12),
            .status = col(st, 13),
            .resolved_at = sqlite3_column_int64(st, 14),
        };
        if (!r.id || !r.account || !r.region || !r.rule || !r.source || !r.status)
            continue;       /* NOT NULL columns: cannot happen short of a damaged file */
        if ((err = cb(&r, ud)))
            break;
    }
    if (!err && rc != SQLITE_DONE)
        err = state_fail(s, rc, "list findings");
    sqlite3_finalize(st);
    return err;
}

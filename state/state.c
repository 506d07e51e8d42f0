#include "state/state.h"
#include "state/internal.h"
#include "aws/error.h"
#include "aws/log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* SQLite's page cache for the state, in KiB (SQLite's default is 2,000):
 * a second scan reads each entry of the detail cache once, in no useful
 * order, so a large cache holds pages that are not read again; the
 * B-tree's upper levels, which every lookup reuses, fit in this. */
#define STATE_CACHE_KIB "512"


/* The schema, one step per entry, applied in order.  Never edit a step that
 * has shipped: add a new one.  notify's tickets and outbox tables will be
 * further entries. */
static const char *const migrations[] = {
    /* 1: Security Hub imports and runs. */
    "CREATE TABLE shub_findings ("
    "  id TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  rule TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL DEFAULT 0,"
    "  record_state TEXT NOT NULL"
    ");"
    "CREATE INDEX shub_findings_account_region ON shub_findings(account, region);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  started INTEGER NOT NULL,"
    "  finished INTEGER,"
    "  counts TEXT"
    ");",
    /* 2: findings as the runs saw them (labels, resolution). */
    "CREATE TABLE findings ("
    "  id TEXT PRIMARY KEY,"
    "  account TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  rule TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  severity INTEGER NOT NULL,"
    "  resource_arn TEXT,"
    "  resource_id TEXT,"
    "  domain TEXT,"
    "  title TEXT,"
    "  not_after INTEGER NOT NULL DEFAULT 0,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"           /* 'open' | 'resolved' */
    "  resolved_at INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX findings_status ON findings(status);",
    /* 3: the notification outbox (state/outbox.h): every digest delivery,
     * written before it is sent. */
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  channel TEXT NOT NULL,"          /* 'email' | 'sns' */
    "  key TEXT NOT NULL,"              /* 'org' | 'account:<id>' (+ ':part:N') */
    "  run_id INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  recipients TEXT NOT NULL,"       /* addresses, or the topic ARN */
    "  subject TEXT NOT NULL,"
    "  payload BLOB NOT NULL,"          /* the .eml, or the SNS message */
    "  attributes TEXT,"                /* SNS message attributes (JSON) */
    "  status TEXT NOT NULL,"           /* 'pending' | 'sent' | 'failed' */
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  sent_at INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX outbox_status ON outbox(status, next_attempt);"
    "CREATE INDEX outbox_key ON outbox(channel, key, created);",
    /* 4: tickets of the [webhook NAME] channels (notify/tickets.c). */
    "CREATE TABLE tickets ("
    "  channel TEXT NOT NULL,"          /* [webhook NAME] */
    "  key TEXT NOT NULL,"              /* finding id, 'account:<id>' or 'digest:<run>' */
    "  status TEXT NOT NULL,"           /* creating | open | resolving | resolved | sending */
    "  external_id TEXT,"               /* Jira key, ServiceNow sys_id; NULL: none known */
    "  severity INTEGER NOT NULL DEFAULT 0,"   /* what the ticket shows */
    "  members TEXT NOT NULL DEFAULT '',"      /* finding ids it holds, space-separated */
    "  pending TEXT NOT NULL DEFAULT '',"      /* '' | create | update | resolve | digest */
    "  event TEXT,"                     /* the pending event (JSON, notify/tickets.h) */
    "  attempts INTEGER NOT NULL DEFAULT 0,"   /* failed runs of the pending event */
    "  next_attempt INTEGER NOT NULL DEFAULT 0,"
    "  held INTEGER NOT NULL DEFAULT 0,"       /* 1: refused (4xx), waiting for a person */
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (channel, key)"
    ");",
    /* 5: which hub holds each Security Hub finding (the importing account
     * and the mode that put it there: a mode switch archives what the
     * other mode imported), and the last UpdatedAt sent (milliseconds,
     * so that every import is later than the one before). */
    "ALTER TABLE shub_findings ADD COLUMN importer TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE shub_findings ADD COLUMN mode TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL"
    ");",
    /* 6: cached DescribeCertificate answers (state/details.c, issue 14). */
    "CREATE TABLE acm_details ("
    "  arn TEXT PRIMARY KEY,"
    "  fingerprint TEXT NOT NULL,"      /* SHA-256 of the ListCertificates summary */
    "  fetched_at INTEGER NOT NULL,"    /* unix seconds, wall clock */
    "  body BLOB NOT NULL"              /* the DescribeCertificate answer as sent */
    ");",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int state_schema_latest(void)
{
    return N_MIGRATIONS;
}

int state_map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return AWS_ETIMEDOUT;
    case SQLITE_NOMEM:
        return AWS_ENOMEM;
    case SQLITE_TOOBIG:
        return AWS_ETOOBIG;
    default:
        return AWS_EIO;
    }
}

/* Notes why the last call failed; nothing is logged here: the caller
 * reports it once, saying what it means for the run (state_errmsg). */
int state_fail(state_db *s, int rc, const char *what)
{
    int err = state_map_rc(rc);
    snprintf(s->err, sizeof(s->err), "%s: %s: %s", s->path, what,
             err == AWS_ETIMEDOUT ? "locked by another certsweep (busy timeout)"
                                  : sqlite3_errmsg(s->db));
    return err;
}

const char *state_errmsg(const state_db *s)
{
    return s ? s->err : "";
}

static int exec(state_db *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : state_fail(s, rc, what);
}

int state_schema_version(state_db *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int state_begin(state_db *s)
{
    if (s->in_tx) {
        snprintf(s->err, sizeof(s->err), "%s: begin: a transaction is already open", s->path);
        return AWS_EINVAL;
    }
    int rc = exec(s, "BEGIN IMMEDIATE", "begin");
    if (rc == 0)
        s->in_tx = 1;
    return rc;
}

int state_commit(state_db *s)
{
    if (!s->in_tx) {
        snprintf(s->err, sizeof(s->err), "%s: commit: no transaction is open", s->path);
        return AWS_EINVAL;
    }
    int rc = exec(s, "COMMIT", "commit");
    if (rc == 0)
        s->in_tx = 0;
    return rc;
}

void state_rollback(state_db *s)
{
    if (!s || !s->in_tx)
        return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
}

static int migrate(state_db *s)
{
    int rc = state_begin(s);
    if (rc)
        return rc;
    /* Read the version inside the write lock: another process may have
     * migrated while we waited. */
    int v = state_schema_version(s);
    if (v < 0) {
        rc = state_fail(s, SQLITE_ERROR, "read schema version");
        goto out;
    }
    if (v > N_MIGRATIONS) {
        snprintf(s->err, sizeof(s->err), "%s: schema version %d is newer than this "
                 "certsweep knows (%d); refusing to touch it", s->path, v, N_MIGRATIONS);
        rc = AWS_EINVAL;
        goto out;
    }
    for (int i = v; i < N_MIGRATIONS; i++) {
        char what[48], pragma[48];
        snprintf(what, sizeof(what), "migration %d", i + 1);
        if ((rc = exec(s, migrations[i], what)))
            goto out;
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", i + 1);
        if ((rc = exec(s, pragma, what)))
            goto out;
    }
    return state_commit(s);
out:
    state_rollback(s);
    return rc;
}

static int open_file(const char *path, const state_opts *opts, state_db **out,
                     char *why, size_t whylen)
{
    *out = NULL;
    state_db *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(why, whylen, "%s: out of memory", path);
        return AWS_ENOMEM;
    }
    snprintf(s->path, sizeof(s->path), "%s", path);
    int rc = sqlite3_open_v2(path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = s->db ? state_fail(s, rc, "open") : AWS_ENOMEM;
    } else {
        int busy = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms
                                                     : STATE_DEFAULT_BUSY_MS;
        sqlite3_busy_timeout(s->db, busy);
        sqlite3_extended_result_codes(s->db, 1);
        if (!(rc = exec(s, "PRAGMA foreign_keys = ON", "configure")) &&
            !(rc = exec(s, "PRAGMA cache_size = -" STATE_CACHE_KIB, "configure")))
            rc = migrate(s);
    }
    if (rc) {
        snprintf(why, whylen, "%s", s->err[0] ? s->err : aws_strerror(rc));
        state_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int state_open_why(const char *dir, const state_opts *opts, state_db **out,
                   char *why, size_t whylen)
{
    char scratch[8];
    if (!why || whylen == 0) {
        why = scratch;
        whylen = sizeof(scratch);
    }
    why[0] = '\0';
    *out = NULL;
    if (!dir || !*dir) {
        snprintf(why, whylen, "no state directory");
        return AWS_EINVAL;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
        return AWS_EIO;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "%s is not a directory", dir);
        return AWS_EIO;
    }
    char path[1024];
    int n = snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE_NAME);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(why, whylen, "%s: path too long", dir);
        return AWS_EINVAL;
    }
    mode_t old = umask(077);
    int rc = open_file(path, opts, out, why, whylen);
    umask(old);
    return rc;
}

int state_open_file(const char *path, const state_opts *opts, state_db **out)
{
    char why[1400];
    int rc = open_file(path, opts, out, why, sizeof(why));
    if (rc)
        aws_log_error("state: %s", why);
    return rc;
}

int state_open(const char *dir, const state_opts *opts, state_db **out)
{
    char why[1400];
    int rc = state_open_why(dir, opts, out, why, sizeof(why));
    if (rc)
        aws_log_error("state: %s", why);
    return rc;
}

void state_close(state_db *s)
{
    if (!s)
        return;
    state_rollback(s);
    if (s->db)
        sqlite3_close(s->db);
    free(s);
}

struct sqlite3 *state_sqlite(state_db *s)
{
    return s->db;
}

/* ---- Security Hub imports ------------------------------------------------ */

int state_shub_upsert(state_db *s, const state_shub_row *r)
{
    static const char sql[] =
        "INSERT INTO shub_findings(id, account, region, rule, created_at,"
        " updated_at, last_seen, record_state, importer, mode)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
        " ON CONFLICT(id) DO UPDATE SET"
        "  account = excluded.account, region = excluded.region,"
        "  rule = excluded.rule,"
        "  created_at = CASE WHEN shub_findings.created_at = 0 THEN excluded.created_at"
        "    WHEN excluded.created_at = 0 THEN shub_findings.created_at"
        "    ELSE MIN(shub_findings.created_at, excluded.created_at) END,"
        "  updated_at = excluded.updated_at,"
        "  last_seen = CASE WHEN excluded.last_seen = 0 THEN shub_findings.last_seen"
        "    ELSE excluded.last_seen END,"
        "  record_state = excluded.record_state,"
        "  importer = CASE WHEN excluded.importer = '' THEN shub_findings.importer"
        "    ELSE excluded.importer END,"
        "  mode = CASE WHEN excluded.mode = '' THEN shub_findings.mode ELSE excluded.mode END";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare upsert");
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->rule, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->created_at);
    sqlite3_bind_int64(st, 6, r->updated_at);
    sqlite3_bind_int64(st, 7, r->last_seen);
    sqlite3_bind_text(st, 8, r->record_state[0] ? r->record_state : "ACTIVE", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->importer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->mode, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : state_fail(s, rc, "upsert Security Hub finding");
}

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *st, state_shub_row *r)
{
    memset(r, 0, sizeof(*r));
    copy_col(r->id, sizeof(r->id), st, 0);
    copy_col(r->account, sizeof(r->account), st, 1);
    copy_col(r->region, sizeof(r->region), st, 2);
    copy_col(r->rule, sizeof(r->rule), st, 3);
    r->created_at = sqlite3_column_int64(st, 4);
    r->updated_at = sqlite3_column_int64(st, 5);
    r->last_seen = sqlite3_column_int64(st, 6);
    copy_col(r->record_state, sizeof(r->record_state), st, 7);
    copy_col(r->importer, sizeof(r->importer), st, 8);
    copy_col(r->mode, sizeof(r->mode), st, 9);
}

#define ROW_COLS "id, account, region, rule, created_at, updated_at, last_seen, record_state," \
                 " importer, mode"

int state_shub_get(state_db *s, const char *id, state_shub_row *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "SELECT " ROW_COLS " FROM shub_findings WHERE id = ?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare get");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int err;
    if (rc == SQLITE_ROW) {
        read_row(st, out);
        err = 0;
    } else if (rc == SQLITE_DONE) {
        err = AWS_ENOTFOUND;
    } else {
        err = state_fail(s, rc, "read Security Hub finding");
    }
    sqlite3_finalize(st);
    return err;
}

int state_shub_each(state_db *s, const char *account, const char *region,
                    const char *record_state,
                    int (*cb)(const state_shub_row *row, void *ud), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "SELECT " ROW_COLS " FROM shub_findings"
        " WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR region = ?2)"
        "   AND (?3 IS NULL OR record_state = ?3) ORDER BY id", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare list");
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, record_state, -1, SQLITE_STATIC);
    int err = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        state_shub_row row;
        read_row(st, &row);
        if ((err = cb(&row, ud)))
            break;
    }
    if (!err && rc != SQLITE_DONE)
        err = state_fail(s, rc, "list Security Hub findings");
    sqlite3_finalize(st);
    return err;
}

/* ---- small named values ---------------------------------------------------- */

int state_meta_get(state_db *s, const char *key, int64_t *value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        *value = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        err = AWS_ENOTFOUND;
    else
        err = state_fail(s, rc, "read meta");
    sqlite3_finalize(st);
    return err;
}

int state_meta_set(state_db *s, const char *key, int64_t value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "INSERT INTO meta(key, value) VALUES (?1, ?2)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : state_fail(s, rc, "write meta");
}

/* ---- runs ---------------------------------------------------------------- */

int state_run_begin(state_db *s, int64_t started, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "INSERT INTO runs(started) VALUES (?1)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare run");
    sqlite3_bind_int64(st, 1, started);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return state_fail(s, rc, "record run");
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int state_run_finish(state_db *s, int64_t id, int64_t finished,
                     const char *counts_json)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
        "UPDATE runs SET finished = ?2, counts = ?3 WHERE id = ?1", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return state_fail(s, rc, "prepare run");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, finished);
    sqlite3_bind_text(st, 3, counts_json, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return state_fail(s, rc, "finish run");
    if (sqlite3_changes(s->db) != 1) {
        snprintf(s->err, sizeof(s->err), "%s: finish run: no run %lld", s->path, (long long)id);
        return AWS_ENOTFOUND;
    }
    return 0;
}

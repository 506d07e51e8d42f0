/* certsweep — local state: one SQLite file in the state directory.
 *
 * Shared by the scanner (what was imported into Security Hub, runs) and,
 * later, notify (tickets, outbox).  The schema is a list of migrations
 * applied in order inside one transaction each; PRAGMA user_version holds
 * the number applied.  A room that needs a table adds a migration to the
 * list in state.c and its own functions next to the ones below; nothing in
 * this interface changes.
 *
 * One writer at a time: every connection has a busy timeout and every
 * change runs inside BEGIN IMMEDIATE, so a second writer waits and then
 * fails with AWS_ETIMEDOUT instead of corrupting anything.
 */
#ifndef STATE_STATE_H
#define STATE_STATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct state_db state_db;
struct sqlite3;

#define STATE_FILE_NAME "certsweep.db"
#define STATE_DEFAULT_BUSY_MS 5000

typedef struct state_opts {
    int busy_timeout_ms;            /* 0: STATE_DEFAULT_BUSY_MS */
} state_opts;

/* Opens (creating when needed) dir/certsweep.db; dir is created with mode
 * 0700 when missing.  Applies pending migrations.  opts may be NULL.
 * Returns 0, AWS_EIO (with a log line naming the path), AWS_ETIMEDOUT
 * (locked by another writer) or AWS_ENOMEM. */
int  state_open(const char *dir, const state_opts *opts, state_db **out);
/* Same with an explicit file path (tests; ":memory:" works). */
int  state_open_file(const char *path, const state_opts *opts, state_db **out);
/* state_open that logs nothing: on failure `why` (may be NULL) says what
 * went wrong, naming the path, for the caller's one report. */
int  state_open_why(const char *dir, const state_opts *opts, state_db **out,
                    char *why, size_t whylen);
void state_close(state_db *db);                 /* accepts NULL */

/* Why the last failed call on `db` failed ("path: what: detail", e.g.
 * "locked by another certsweep (busy timeout)"); "" when none did.  The
 * functions below log nothing: their caller reports a failure once. */
const char *state_errmsg(const state_db *db);

/* Number of migrations applied (PRAGMA user_version) and the number this
 * build knows. */
int  state_schema_version(state_db *db);
int  state_schema_latest(void);

/* Write transactions (BEGIN IMMEDIATE).  Nested begins are errors. */
int  state_begin(state_db *db);
int  state_commit(state_db *db);
void state_rollback(state_db *db);

/* The raw handle, for rooms that add their own statements. */
struct sqlite3 *state_sqlite(state_db *db);

/* ---- Security Hub imports ------------------------------------------------ */

typedef struct state_shub_row {
    char id[160];                   /* ASFF Id, "certsweep/<finding id>" */
    char account[16];               /* the certificate's account */
    char region[32];                /* the certificate's region */
    char rule[64];
    int64_t created_at;             /* first import; kept by upserts */
    int64_t updated_at;             /* last import */
    int64_t last_seen;              /* last scan that produced the finding */
    char record_state[16];          /* "ACTIVE" | "ARCHIVED" */
    char importer[16];              /* the account whose hub holds it ("": not recorded,
                                     * rows from before migration 5) */
    char mode[16];                  /* "member" | "central": the mode that imported it */
} state_shub_row;

/* Inserts or updates by id.  created_at of an existing row is kept (the
 * smaller non-zero value wins); last_seen is kept when the new value is 0.
 * importer and mode are kept when the new value is "".
 * Not transactional by itself: wrap many upserts in state_begin/commit. */
int  state_shub_upsert(state_db *db, const state_shub_row *row);
/* 0 and *out filled, AWS_ENOTFOUND, or another error. */
int  state_shub_get(state_db *db, const char *id, state_shub_row *out);
/* Calls cb for each row (ordered by id) whose fields match the non-NULL
 * filters; a non-zero return from cb stops and is returned. */
int  state_shub_each(state_db *db, const char *account, const char *region,
                     const char *record_state,
                     int (*cb)(const state_shub_row *row, void *ud), void *ud);

/* ---- findings as the runs saw them (labels, resolution) --------------------- */

typedef struct state_finding_row {
    const char *id;                 /* scanner finding id (hex) */
    const char *account;
    const char *region;
    const char *rule;
    const char *source;             /* scanner_source_name() */
    int severity;                   /* scanner_severity */
    const char *resource_arn;       /* may be NULL */
    const char *resource_id;
    const char *domain;
    const char *title;
    int64_t not_after;
    int64_t first_seen;             /* kept by upserts */
    int64_t last_seen;
    const char *status;             /* "open" | "resolved" */
    int64_t resolved_at;
} state_finding_row;

/* Inserts or updates by id as "open" (resolved_at 0); first_seen of an
 * existing open row is kept, a resolved row that comes back starts again.
 * Not transactional by itself. */
int  state_finding_open(state_db *db, const state_finding_row *row);
/* Marks an open finding resolved at `at`.  AWS_ENOTFOUND when no open row. */
int  state_finding_resolve(state_db *db, const char *id, int64_t at);
/* Calls cb for every row with that status (NULL: all), ordered by id; the
 * row's strings are valid during the call only.  A non-zero return from cb
 * stops and is returned. */
int  state_finding_each(state_db *db, const char *status,
                        int (*cb)(const state_finding_row *row, void *ud), void *ud);

/* ---- tickets of the [webhook NAME] channels (notify/tickets.c) ------------ */

typedef struct state_ticket_row {
    const char *channel;            /* [webhook NAME] */
    const char *key;                /* finding id, "account:<id>", "digest:<run>" */
    const char *status;             /* creating | open | resolving | resolved | sending */
    const char *external_id;        /* key the receiver returned; NULL: none known */
    int severity;                   /* severity the ticket shows (scanner_severity) */
    const char *members;            /* finding ids it holds, space-separated */
    const char *pending;            /* "" | create | update | resolve | digest */
    const char *event;              /* the pending event as JSON; NULL: none */
    int attempts;                   /* failed runs of the pending event */
    int64_t next_attempt;           /* not before (unix seconds) */
    int held;                       /* refused for good: waits for a person */
    const char *last_error;
    int64_t created_at, updated_at;
} state_ticket_row;

/* Inserts or replaces the row of (channel, key); created_at of an existing
 * row is kept.  Not transactional by itself. */
int  state_ticket_put(state_db *db, const state_ticket_row *row);
/* Calls cb for every row of `channel` (NULL: all), ordered by channel and
 * key; strings are valid during the call only.  A non-zero return from cb
 * stops and is returned. */
int  state_ticket_each(state_db *db, const char *channel,
                       int (*cb)(const state_ticket_row *row, void *ud), void *ud);
/* Deletes the digest rows ("digest:...") delivered (nothing pending) and
 * last updated before `before`; tickets are kept.  Not transactional by
 * itself. */
int  state_ticket_prune_digests(state_db *db, int64_t before);

/* ---- small named values (e.g. the last Security Hub UpdatedAt sent) ---------- */

/* 0 and *value, AWS_ENOTFOUND, or another error. */
int  state_meta_get(state_db *db, const char *key, int64_t *value);
/* Inserts or replaces.  Not transactional by itself. */
int  state_meta_set(state_db *db, const char *key, int64_t value);

/* ---- cached DescribeCertificate answers (state/details.c) ---------------- */

/* The answer kept for arn: returns 1 with fingerprint (truncated to
 * fp_len), *fetched_at and *body (NUL-terminated, *len bytes, caller
 * frees); 0 when none; a negative error. */
int  state_detail_get(state_db *db, const char *arn, char *fingerprint, size_t fp_len,
                      int64_t *fetched_at, char **body, size_t *len);
/* Inserts or replaces the answer of arn.  Not transactional by itself. */
int  state_detail_put(state_db *db, const char *arn, const char *fingerprint,
                      int64_t fetched_at, const char *body, size_t len);
/* Deletes the answers fetched before `before` (certificates deleted since
 * never come back to replace theirs). */
int  state_detail_prune(state_db *db, int64_t before);

/* ---- runs ---------------------------------------------------------------- */

/* Records a run start; *id is its row id. */
int  state_run_begin(state_db *db, int64_t started, int64_t *id);
/* counts_json: a JSON object with the run's counts (copied as text). */
int  state_run_finish(state_db *db, int64_t id, int64_t finished,
                      const char *counts_json);

#endif

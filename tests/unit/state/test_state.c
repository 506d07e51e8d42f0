/* Unit tests of state/: migrations, upsert semantics, listing, runs and
 * the one-writer lock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/error.h"
#include "aws/log.h"
#include "state/state.h"

static char tmpdir[256];

static int setup(void **st)
{
    (void)st;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/certsweep-state-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void row(state_shub_row *r, const char *id, const char *acct,
                const char *region, int64_t created, int64_t updated,
                int64_t seen, const char *rs)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->id, sizeof(r->id), "%s", id);
    snprintf(r->account, sizeof(r->account), "%s", acct);
    snprintf(r->region, sizeof(r->region), "%s", region);
    snprintf(r->rule, sizeof(r->rule), "expiring");
    r->created_at = created;
    r->updated_at = updated;
    r->last_seen = seen;
    snprintf(r->record_state, sizeof(r->record_state), "%s", rs);
}

static void test_open_creates_dir_0700_and_migrates(void **st)
{
    (void)st;
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/sub", tmpdir);
    state_db *db = NULL;
    assert_int_equal(state_open(dir, NULL, &db), 0);
    assert_non_null(db);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_true(state_schema_latest() >= 1);
    assert_int_equal(state_schema_version(db), state_schema_latest());
    state_close(db);

    /* Re-opening applies nothing more and keeps the data. */
    assert_int_equal(state_open(dir, NULL, &db), 0);
    assert_int_equal(state_schema_version(db), state_schema_latest());
    state_close(db);
    state_close(NULL);
}

static void test_newer_schema_refused(void **st)
{
    (void)st;
    char path[300];
    snprintf(path, sizeof(path), "%s/new.db", tmpdir);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 999", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    state_db *db = NULL;
    FILE *devnull = fopen("/dev/null", "w");
    aws_log_set_stream(devnull);
    assert_int_equal(state_open_file(path, NULL, &db), AWS_EINVAL);
    aws_log_set_stream(stderr);
    fclose(devnull);
    assert_null(db);
}

static void test_partial_schema_migrates_from_its_version(void **st)
{
    (void)st;
    /* A database at version 0 with an unrelated table gets migration 1. */
    char path[300];
    snprintf(path, sizeof(path), "%s/old.db", tmpdir);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE other(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    state_db *db = NULL;
    assert_int_equal(state_open_file(path, NULL, &db), 0);
    assert_int_equal(state_schema_version(db), state_schema_latest());
    state_shub_row r;
    row(&r, "certsweep/a", "111111111111", "us-east-1", 100, 100, 100, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    state_close(db);
}

static void test_upsert_keeps_created_at(void **st)
{
    (void)st;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    state_shub_row r, got;
    row(&r, "certsweep/x", "111111111111", "eu-west-1", 1000, 1000, 1000, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    row(&r, "certsweep/x", "111111111111", "eu-west-1", 5000, 5000, 0, "ARCHIVED");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    assert_int_equal(state_shub_get(db, "certsweep/x", &got), 0);
    assert_int_equal(got.created_at, 1000);        /* first import kept */
    assert_int_equal(got.updated_at, 5000);
    assert_int_equal(got.last_seen, 1000);         /* 0 keeps the old value */
    assert_string_equal(got.record_state, "ARCHIVED");
    assert_string_equal(got.account, "111111111111");
    assert_string_equal(got.region, "eu-west-1");
    assert_string_equal(got.rule, "expiring");

    /* An unknown created_at (0) never overwrites a known one, and a row
     * first written with 0 takes the first real value. */
    row(&r, "certsweep/x", "111111111111", "eu-west-1", 0, 6000, 6000, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    assert_int_equal(state_shub_get(db, "certsweep/x", &got), 0);
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(got.last_seen, 6000);
    row(&r, "certsweep/y", "111111111111", "eu-west-1", 0, 1, 1, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    row(&r, "certsweep/y", "111111111111", "eu-west-1", 700, 2, 2, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    assert_int_equal(state_shub_get(db, "certsweep/y", &got), 0);
    assert_int_equal(got.created_at, 700);

    assert_int_equal(state_shub_get(db, "certsweep/none", &got), AWS_ENOTFOUND);
    state_close(db);
}

typedef struct collect {
    char ids[8][160];
    int n;
    int stop_at;
} collect;

static int collect_cb(const state_shub_row *r, void *ud)
{
    collect *c = ud;
    if (c->n == c->stop_at)
        return 7;
    snprintf(c->ids[c->n++], sizeof(c->ids[0]), "%s", r->id);
    return 0;
}

static void test_each_filters(void **st)
{
    (void)st;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    state_shub_row r;
    assert_int_equal(state_begin(db), 0);
    assert_int_equal(state_begin(db), AWS_EINVAL);   /* no nesting */
    row(&r, "c", "111111111111", "us-east-1", 1, 1, 1, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    row(&r, "a", "111111111111", "eu-west-1", 1, 1, 1, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    row(&r, "b", "222222222222", "us-east-1", 1, 1, 1, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    row(&r, "d", "111111111111", "us-east-1", 1, 1, 1, "ARCHIVED");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    assert_int_equal(state_commit(db), 0);

    collect c = { .stop_at = -1 };
    assert_int_equal(state_shub_each(db, NULL, NULL, NULL, collect_cb, &c), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.ids[0], "a");
    assert_string_equal(c.ids[3], "d");

    memset(&c, 0, sizeof(c));
    c.stop_at = -1;
    assert_int_equal(state_shub_each(db, "111111111111", "us-east-1", "ACTIVE",
                                     collect_cb, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.ids[0], "c");

    memset(&c, 0, sizeof(c));
    c.stop_at = 1;
    assert_int_equal(state_shub_each(db, NULL, NULL, NULL, collect_cb, &c), 7);
    assert_int_equal(c.n, 1);

    /* A rolled-back transaction leaves nothing behind. */
    assert_int_equal(state_begin(db), 0);
    row(&r, "e", "111111111111", "us-east-1", 1, 1, 1, "ACTIVE");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    state_rollback(db);
    assert_int_equal(state_shub_get(db, "e", &r), AWS_ENOTFOUND);
    state_close(db);
}

static void test_runs(void **st)
{
    (void)st;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(state_run_begin(db, 100, &id1), 0);
    assert_int_equal(state_run_begin(db, 200, &id2), 0);
    assert_true(id2 > id1);
    assert_int_equal(state_run_finish(db, id1, 150, "{\"findings\":3}"), 0);
    assert_int_equal(state_run_finish(db, 9999, 150, "{}"), AWS_ENOTFOUND);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(state_sqlite(db),
        "SELECT started, finished, counts FROM runs WHERE id = ?1", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, id1);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(q, 0), 100);
    assert_int_equal(sqlite3_column_int64(q, 1), 150);
    assert_string_equal((const char *)sqlite3_column_text(q, 2), "{\"findings\":3}");
    sqlite3_finalize(q);
    state_close(db);
}

typedef struct seen_rows {
    char ids[8][65];
    int64_t first_seen[8], resolved_at[8];
    char status[8][12];
    int n;
} seen_rows;

static int see_row(const state_finding_row *r, void *ud)
{
    seen_rows *s = ud;
    if (s->n == 8)
        return 1;
    snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", r->id);
    snprintf(s->status[s->n], sizeof(s->status[0]), "%s", r->status);
    s->first_seen[s->n] = r->first_seen;
    s->resolved_at[s->n] = r->resolved_at;
    s->n++;
    return 0;
}

static void test_findings_open_resolve_reopen(void **st)
{
    (void)st;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    state_finding_row r = {
        .id = "aa", .account = "111111111111", .region = "eu-west-1", .rule = "expiring",
        .source = "acm", .severity = 3, .resource_arn = "arn:x", .title = "t",
        .first_seen = 100, .last_seen = 100,
    };
    assert_int_equal(state_finding_open(db, &r), 0);
    r.id = "bb";
    assert_int_equal(state_finding_open(db, &r), 0);
    /* A later run keeps first_seen of an open finding. */
    r.id = "aa";
    r.first_seen = 200;
    r.last_seen = 200;
    assert_int_equal(state_finding_open(db, &r), 0);
    assert_int_equal(state_finding_resolve(db, "bb", 300), 0);
    assert_int_equal(state_finding_resolve(db, "bb", 301), AWS_ENOTFOUND);
    assert_int_equal(state_finding_resolve(db, "zz", 301), AWS_ENOTFOUND);
    seen_rows open = { .n = 0 }, all = { .n = 0 };
    assert_int_equal(state_finding_each(db, "open", see_row, &open), 0);
    assert_int_equal(open.n, 1);
    assert_string_equal(open.ids[0], "aa");
    assert_int_equal(open.first_seen[0], 100);
    assert_int_equal(state_finding_each(db, NULL, see_row, &all), 0);
    assert_int_equal(all.n, 2);
    assert_string_equal(all.status[1], "resolved");
    assert_int_equal(all.resolved_at[1], 300);
    /* A resolved finding that comes back is open again, first seen anew. */
    r.id = "bb";
    r.first_seen = 400;
    assert_int_equal(state_finding_open(db, &r), 0);
    seen_rows again = { .n = 0 };
    assert_int_equal(state_finding_each(db, "open", see_row, &again), 0);
    assert_int_equal(again.n, 2);
    assert_int_equal(again.first_seen[1], 400);
    assert_int_equal(again.resolved_at[1], 0);
    /* Required fields. */
    r.source = NULL;
    assert_int_equal(state_finding_open(db, &r), AWS_EINVAL);
    state_close(db);
}

static void test_details_put_get_replace_prune(void **st)
{
    (void)st;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    char fp[65] = "x";
    int64_t at = 0;
    char *body = (char *)"x";
    size_t len = 9;
    assert_int_equal(state_detail_get(db, "arn:1", fp, sizeof(fp), &at, &body, &len), 0);
    assert_null(body);
    assert_int_equal(len, 0);
    /* Bodies are kept byte for byte (a NUL inside included). */
    assert_int_equal(state_detail_put(db, "arn:1", "aaaa", 100, "{\"a\":1}\0z", 10), 0);
    assert_int_equal(state_detail_get(db, "arn:1", fp, sizeof(fp), &at, &body, &len), 1);
    assert_string_equal(fp, "aaaa");
    assert_int_equal(at, 100);
    assert_int_equal(len, 10);
    assert_memory_equal(body, "{\"a\":1}\0z", 10);
    assert_int_equal(body[10], '\0');
    free(body);
    /* A second answer replaces the first. */
    assert_int_equal(state_detail_put(db, "arn:1", "bbbb", 200, "{}", 2), 0);
    assert_int_equal(state_detail_put(db, "arn:2", "cccc", 50, "{}", 2), 0);
    assert_int_equal(state_detail_get(db, "arn:1", fp, 3, &at, &body, &len), 1);
    assert_string_equal(fp, "bb");      /* truncated to fp_len */
    assert_int_equal(at, 200);
    free(body);
    /* Pruning deletes what was fetched before the bound, keeps the rest. */
    assert_int_equal(state_detail_prune(db, 200), 0);
    assert_int_equal(state_detail_get(db, "arn:2", fp, sizeof(fp), &at, &body, &len), 0);
    assert_int_equal(state_detail_get(db, "arn:1", fp, sizeof(fp), &at, &body, &len), 1);
    free(body);
    assert_int_equal(state_detail_put(db, NULL, "f", 1, "{}", 2), AWS_EINVAL);
    state_close(db);
}

static void test_one_writer_at_a_time(void **st)
{
    (void)st;
    state_db *a = NULL, *b = NULL;
    state_opts quick = { .busy_timeout_ms = 100 };
    assert_int_equal(state_open(tmpdir, &quick, &a), 0);
    assert_int_equal(state_open(tmpdir, &quick, &b), 0);

    assert_int_equal(state_begin(a), 0);
    char *logged = NULL;
    size_t logged_len = 0;
    FILE *log = open_memstream(&logged, &logged_len);
    assert_non_null(log);
    aws_log_set_stream(log);
    /* The second writer waits its busy timeout, then gives up: silently,
     * with the reason kept for its caller's one report. */
    assert_int_equal(state_begin(b), AWS_ETIMEDOUT);
    assert_string_equal(state_errmsg(a), "");
    char want[400];
    snprintf(want, sizeof(want), "%s/%s: begin: locked by another certsweep (busy timeout)",
             tmpdir, STATE_FILE_NAME);
    assert_string_equal(state_errmsg(b), want);
    /* Opening waits for the lock too (migrations run in a write
     * transaction): state_open_why says why, state_open logs it once. */
    state_db *c = NULL;
    char why[400];
    assert_int_equal(state_open_why(tmpdir, &quick, &c, why, sizeof(why)), AWS_ETIMEDOUT);
    assert_null(c);
    assert_string_equal(why, want);
    aws_log_set_stream(stderr);
    fclose(log);
    assert_string_equal(logged, "");
    free(logged);
    state_shub_row r;
    row(&r, "certsweep/lock", "111111111111", "us-east-1", 1, 1, 1, "ACTIVE");
    assert_int_equal(state_shub_upsert(a, &r), 0);
    assert_int_equal(state_commit(a), 0);

    /* Once the first commits, the second can write and sees the row. */
    assert_int_equal(state_begin(b), 0);
    state_shub_row got;
    assert_int_equal(state_shub_get(b, "certsweep/lock", &got), 0);
    assert_int_equal(state_commit(b), 0);
    state_close(a);
    state_close(b);
}

/* Migrations 3 to 5 on a database of schema 2: the imports keep their rows (the
 * hub that holds them unknown: ""), upserts name it from then on, and ""
 * never overwrites a known hub; the meta values start empty. */
static void test_migration_5_importer_and_meta(void **st)
{
    (void)st;
    char path[] = "/tmp/certsweep-state-v2-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
        "CREATE TABLE shub_findings (id TEXT PRIMARY KEY, account TEXT NOT NULL,"
        " region TEXT NOT NULL, rule TEXT NOT NULL, created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0,"
        " record_state TEXT NOT NULL);"
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started INTEGER NOT NULL,"
        " finished INTEGER, counts TEXT);"
        "CREATE TABLE findings (id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,"
        " rule TEXT NOT NULL, source TEXT NOT NULL, severity INTEGER NOT NULL, resource_arn TEXT,"
        " resource_id TEXT, domain TEXT, title TEXT, not_after INTEGER NOT NULL DEFAULT 0,"
        " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, status TEXT NOT NULL,"
        " resolved_at INTEGER NOT NULL DEFAULT 0);"
        "INSERT INTO shub_findings VALUES ('certsweep/old','111111111111','eu-west-1','expiring',"
        " 10, 20, 20, 'ACTIVE');"
        "PRAGMA user_version = 2;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);

    state_db *db = NULL;
    assert_int_equal(state_open_file(path, NULL, &db), 0);
    assert_int_equal(state_schema_version(db), state_schema_latest());
    state_shub_row got, r;
    assert_int_equal(state_shub_get(db, "certsweep/old", &got), 0);
    assert_int_equal(got.created_at, 10);
    assert_string_equal(got.importer, "");
    assert_string_equal(got.mode, "");
    r = got;
    snprintf(r.importer, sizeof(r.importer), "999999999999");
    snprintf(r.mode, sizeof(r.mode), "central");
    assert_int_equal(state_shub_upsert(db, &r), 0);
    r.importer[0] = r.mode[0] = '\0';
    assert_int_equal(state_shub_upsert(db, &r), 0);
    assert_int_equal(state_shub_get(db, "certsweep/old", &got), 0);
    assert_string_equal(got.importer, "999999999999");
    assert_string_equal(got.mode, "central");

    int64_t v = 0;
    assert_int_equal(state_meta_get(db, "shub_last_updated_ms", &v), AWS_ENOTFOUND);
    assert_int_equal(state_meta_set(db, "shub_last_updated_ms", 1795423528123LL), 0);
    assert_int_equal(state_meta_set(db, "shub_last_updated_ms", 1795423528124LL), 0);
    assert_int_equal(state_meta_get(db, "shub_last_updated_ms", &v), 0);
    assert_int_equal(v, 1795423528124LL);
    state_close(db);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_dir_0700_and_migrates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_schema_migrates_from_its_version, setup, teardown),
        cmocka_unit_test(test_upsert_keeps_created_at),
        cmocka_unit_test(test_each_filters),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_findings_open_resolve_reopen),
        cmocka_unit_test(test_migration_5_importer_and_meta),
        cmocka_unit_test(test_details_put_get_replace_prune),
        cmocka_unit_test_setup_teardown(test_one_writer_at_a_time, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

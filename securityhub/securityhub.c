#include "securityhub/securityhub.h"
#include "aws/awstime.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/text.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GET_MAX_RESPONSE (32u * 1024 * 1024)
#define LAST_UPDATED_KEY "shub_last_updated_ms"   /* state meta: the last UpdatedAt sent */
#define JSON_MAX_DEPTH   64

/* ---- small helpers ---------------------------------------------------------- */

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The finding's first resource id (its resource_arn), NULL when absent. */
static const char *resource_id(json_object *raw)
{
    json_object *res, *first;
    if (!raw || !json_object_object_get_ex(raw, "Resources", &res) ||
        !json_object_is_type(res, json_type_array) || json_object_array_length(res) == 0)
        return NULL;
    first = json_object_array_get_idx(res, 0);
    return jstr(first, "Id");
}

static int starts_with(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* An ISO 8601 time of a returned finding -> unix seconds; 0 when absent or
 * unreadable (the import then treats it as unknown). */
static int64_t finding_time(json_object *o, const char *key)
{
    int64_t t;
    return aws_time_parse(jstr(o, key), &t) == 0 ? t : 0;
}

static json_object *parse_json(const char *body, size_t len)
{
    /* Invalid UTF-8 becomes U+FFFD first: what is read back is sent back
     * (archived findings), and every request must be valid UTF-8. */
    char *fixed = NULL;
    if (!aws_utf8_valid(body, len)) {
        if (!(fixed = aws_utf8_repair(body, len, &len)))
            return NULL;
        body = fixed;
    }
    json_tokener *tok = len <= (size_t)INT32_MAX ? json_tokener_new_ex(JSON_MAX_DEPTH) : NULL;
    if (!tok) {
        free(fixed);
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    free(fixed);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    if (o && !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
    }
    return o;
}

static void product_arn(const char *home, const char *importer, char *buf, size_t n)
{
    snprintf(buf, n, "arn:%s:securityhub:%s:%s:product/%s/default",
             asff_partition(home), home, importer, importer);
}

/* ---- previous imports ----------------------------------------------------------- */

void shub_prevset_init(shub_prevset *p)
{
    memset(p, 0, sizeof(*p));
}

void shub_prevset_finish(shub_prevset *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].id);
        free(p->v[i].account);
        free(p->v[i].region);
        free(p->v[i].rule);
        json_object_put(p->v[i].raw);
    }
    free(p->v);
    shub_prevset_init(p);
}

const shub_prev *shub_prevset_find(const shub_prevset *p, const char *id)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (streq(p->v[i].id, id))
            return &p->v[i];
    return NULL;
}

static int prevset_add(shub_prevset *p, json_object *raw, const char *id,
                       const char *account, const char *region, const char *rule,
                       int source)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        shub_prev *v = realloc(p->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    shub_prev *e = &p->v[p->n];
    memset(e, 0, sizeof(*e));
    e->id = strdup(id);
    e->account = strdup(account);
    e->region = strdup(region);
    e->rule = strdup(rule);
    if (!e->id || !e->account || !e->region || !e->rule) {
        free(e->id);
        free(e->account);
        free(e->region);
        free(e->rule);
        return AWS_ENOMEM;
    }
    e->source = source;
    e->created_at = finding_time(raw, "CreatedAt");
    e->first_observed_at = finding_time(raw, "FirstObservedAt");
    e->raw = json_object_get(raw);
    p->n++;
    return 0;
}

/* The client-side check of one returned finding; 1 when it is ours.  In
 * member mode a finding of another account in this hub is one a central
 * run put there (the lifecycle decides whether it has moved). */
static int check_prev(json_object *fo, const char *importer, const char *parn,
                      shub_mode mode, const char **account,
                      const char **region, const char **rule, int *source)
{
    const char *id = jstr(fo, "Id"), *gen = jstr(fo, "GeneratorId");
    if (!starts_with(id, ASFF_ID_PREFIX) || !starts_with(gen, ASFF_ID_PREFIX))
        return 0;
    if (!streq(jstr(fo, "RecordState"), "ACTIVE"))
        return 0;
    if (!streq(jstr(fo, "AwsAccountId"), importer) || !streq(jstr(fo, "ProductArn"), parn))
        return 0;
    json_object *pf = NULL, *res = NULL;
    json_object_object_get_ex(fo, "ProductFields", &pf);
    *account = jstr(pf, "certsweep/AccountId");
    if (!*account && mode == SHUB_MEMBER)
        *account = importer;
    if (!*account || !**account)
        return 0;
    const char *src = jstr(pf, "certsweep/Source");
    *source = src ? scanner_source_parse(src) : -1;
    *region = jstr(pf, "certsweep/Region");
    if (!*region && json_object_object_get_ex(fo, "Resources", &res) &&
        json_object_is_type(res, json_type_array) && json_object_array_length(res) > 0)
        *region = jstr(json_object_array_get_idx(res, 0), "Region");
    if (!*region || !**region)
        return 0;
    *rule = jstr(pf, "certsweep/Rule");
    if (!*rule)
        *rule = gen + strlen(ASFF_ID_PREFIX);
    return 1;
}

int shub_parse_findings(const char *body, size_t len, const char *importer,
                                const char *home_region, shub_mode mode,
                                shub_prevset *out, char **next)
{
    *next = NULL;
    json_object *root = parse_json(body, len), *arr = NULL;
    if (!root)
        return AWS_EPARSE;
    if (!json_object_object_get_ex(root, "Findings", &arr) ||
        !json_object_is_type(arr, json_type_array)) {
        json_object_put(root);
        return AWS_EPARSE;
    }
    char parn[256];
    product_arn(home_region, importer, parn, sizeof(parn));
    int rc = 0;
    for (size_t i = 0; !rc && i < json_object_array_length(arr); i++) {
        json_object *fo = json_object_array_get_idx(arr, i);
        const char *account = NULL, *region = NULL, *rule = NULL;
        int source = -1;
        if (!fo || !json_object_is_type(fo, json_type_object) ||
            !check_prev(fo, importer, parn, mode, &account, &region, &rule, &source) ||
            shub_prevset_find(out, jstr(fo, "Id"))) {
            out->rejected++;
            continue;
        }
        rc = prevset_add(out, fo, jstr(fo, "Id"), account, region, rule, source);
    }
    const char *nt = jstr(root, "NextToken");
    if (!rc && nt && *nt && !(*next = strdup(nt)))
        rc = AWS_ENOMEM;
    json_object_put(root);
    return rc;
}

static json_object *filter1(const char *value, const char *cmp)
{
    json_object *a = json_object_new_array(), *f = json_object_new_object();
    if (!a || !f) {
        json_object_put(a);
        json_object_put(f);
        return NULL;
    }
    json_object_object_add(f, "Value", json_object_new_string(value));
    json_object_object_add(f, "Comparison", json_object_new_string(cmp));
    json_object_array_add(a, f);
    return a;
}

char *shub_get_body(const char *importer, const char *home_region,
                            const char *next_token)
{
    char parn[256];
    product_arn(home_region, importer, parn, sizeof(parn));
    json_object *root = json_object_new_object(), *flt = json_object_new_object();
    if (!root || !flt) {
        json_object_put(root);
        json_object_put(flt);
        return NULL;
    }
    json_object_object_add(flt, "GeneratorId", filter1(ASFF_ID_PREFIX, "PREFIX"));
    json_object_object_add(flt, "RecordState", filter1("ACTIVE", "EQUALS"));
    json_object_object_add(flt, "AwsAccountId", filter1(importer, "EQUALS"));
    json_object_object_add(flt, "ProductArn", filter1(parn, "EQUALS"));
    json_object_object_add(root, "Filters", flt);
    json_object_object_add(root, "MaxResults", json_object_new_int(100));
    if (next_token)
        json_object_object_add(root, "NextToken", json_object_new_string(next_token));
    const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
    char *out = s ? strdup(s) : NULL;
    json_object_put(root);
    return out;
}

/* ---- lifecycle decision -------------------------------------------------------- */

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *shub_home_of(const shub_lifecycle *lc, const char *account)
{
    return lc->mode == SHUB_CENTRAL ? lc->scanning_account : account;
}

int shub_decide_archive(const shub_prevset *prev, const char *importer,
                        const shub_lifecycle *lc, size_t **idx, size_t *n)
{
    *idx = NULL;
    *n = 0;
    if (!prev || prev->n == 0)
        return 0;
    if (!lc || !importer)
        return AWS_EINVAL;
    const scanner_findings *cur = lc->cur;
    const char **ids = NULL;
    size_t nids = cur ? cur->n : 0;
    if (nids) {
        if (!(ids = malloc(nids * sizeof(*ids))))
            return AWS_ENOMEM;
        for (size_t i = 0; i < nids; i++)
            ids[i] = cur->v[i].id;
        qsort(ids, nids, sizeof(*ids), cmp_strp);
    }
    size_t *out = malloc(prev->n * sizeof(*out));
    if (!out) {
        free(ids);
        return AWS_ENOMEM;
    }
    size_t k = 0;
    const size_t plen = strlen(ASFF_ID_PREFIX);
    for (size_t i = 0; i < prev->n; i++) {
        const shub_prev *p = &prev->v[i];
        if (!starts_with(p->id, ASFF_ID_PREFIX))
            continue;
        if (p->raw) {
            const char *rs = jstr(p->raw, "RecordState");
            const char *gen = jstr(p->raw, "GeneratorId");
            if (!streq(rs, "ACTIVE") || !starts_with(gen, ASFF_ID_PREFIX))
                continue;
        }
        const char *key = p->id + plen;
        int current = nids && bsearch(&key, ids, nids, sizeof(*ids), cmp_strp);
        int here = streq(shub_home_of(lc, p->account), importer);
        if (current && here)
            continue;                       /* still produced: re-imported here */
        if (current) {
            out[k++] = i;                   /* still produced, imported in its new hub */
            continue;
        }
        /* Gone: resolved only by the one rule (scanner/resolve.h). */
        if (scanner_resolvable_at(lc->coverage, lc->cfg, lc->what_if, p->account, p->region,
                                  p->rule, p->source, resource_id(p->raw)))
            out[k++] = i;
    }
    free(ids);
    if (k == 0) {
        free(out);
        return 0;
    }
    *idx = out;
    *n = k;
    return 0;
}

/* ---- batching ------------------------------------------------------------------- */

void shub_batches_init(shub_batches *b)
{
    memset(b, 0, sizeof(*b));
}

static void batch_free(shub_batch *b)
{
    free(b->body);
    for (size_t i = 0; i < b->n; i++)
        free(b->ids[i]);
    free(b->ids);
}

void shub_batches_finish(shub_batches *b)
{
    for (size_t i = 0; i < b->n; i++)
        batch_free(&b->v[i]);
    free(b->v);
    shub_batches_init(b);
}

static int batch_close(shub_batches *out, aws_buf *body, char **ids, size_t n)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        shub_batch *v = realloc(out->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        out->v = v;
        out->cap = cap;
    }
    int rc = aws_buf_puts(body, "]}");
    if (rc)
        return rc;
    shub_batch *b = &out->v[out->n++];
    b->len = body->len;
    b->body = aws_buf_take(body);
    b->ids = ids;
    b->n = n;
    return 0;
}

int shub_make_batches(json_object *const *findings, size_t n,
                              size_t max_count, size_t max_bytes,
                              shub_batches *out)
{
    static const char head[] = "{\"Findings\":[";
    const size_t overhead = sizeof(head) - 1 + 2;   /* head + "]}" */
    if (max_count == 0 || max_count > SHUB_MAX_BATCH)
        max_count = SHUB_MAX_BATCH;
    if (max_bytes == 0 || max_bytes > SHUB_MAX_BATCH_BYTES)
        max_bytes = SHUB_MAX_BATCH_BYTES;
    aws_buf body;
    aws_buf_init(&body, max_bytes);
    char **ids = NULL;
    size_t nin = 0;
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        size_t len = 0;
        const char *s = json_object_to_json_string_length(findings[i],
            JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        const char *id = jstr(findings[i], "Id");
        if (!s) {
            rc = AWS_ENOMEM;
            break;
        }
        if (len >= ASFF_MAX_FINDING || len + overhead > max_bytes) {
            aws_log_warn("securityhub: finding %s is %zu bytes, over the %u byte limit: "
                         "not imported", id ? id : "(no id)", len, ASFF_MAX_FINDING);
            out->skipped++;
            continue;
        }
        /* Close the current batch when this finding does not fit. */
        if (nin > 0 && (nin == max_count || body.len + 1 + len + 2 > max_bytes)) {
            if ((rc = batch_close(out, &body, ids, nin)))
                break;
            ids = NULL;
            nin = 0;
        }
        if (nin == 0) {
            aws_buf_init(&body, max_bytes);
            if (!(ids = calloc(max_count, sizeof(*ids)))) {
                rc = AWS_ENOMEM;
                break;
            }
            rc = aws_buf_puts(&body, head);
        } else {
            rc = aws_buf_putc(&body, ',');
        }
        if (!rc)
            rc = aws_buf_append(&body, s, len);
        if (!rc && !(ids[nin++] = strdup(id ? id : "")))
            rc = AWS_ENOMEM;
    }
    if (!rc && nin > 0) {
        rc = batch_close(out, &body, ids, nin);
        if (!rc)
            ids = NULL;
    }
    if (ids) {
        for (size_t i = 0; i < nin; i++)
            free(ids[i]);
        free(ids);
    }
    aws_buf_finish(&body);
    return rc;
}

/* ---- the export ---------------------------------------------------------------- */

typedef struct pending_row {
    state_shub_row row;
    int archive;
    int ok;
} pending_row;

typedef struct export export;

enum { PH_GET, PH_IMPORT, PH_DONE };

typedef struct job {
    export *ex;
    const char *importer;
    aws_creds_provider *creds;
    int cleanup;                    /* a hub another mode filled: archive only */
    uv_timer_t timer;
    int phase;
    scanner_pager pager;            /* GetFindings pages */
    int prev_ok;
    shub_prevset prev;
    shub_batches batches;
    size_t next_batch;
    pending_row *rows;
    size_t n_rows;
} job;

struct export {
    aws_client *c;
    shub_opts o;
    const scanner_findings *f;
    const shub_accounts *acc;
    int64_t now;                    /* seconds */
    int64_t updated_ms;             /* UpdatedAt of every finding sent */
    shub_done_cb cb;
    void *ud;

    uv_timer_t start;
    job *jobs;
    size_t n_jobs, jobs_left;
    int open_handles;

    char (*cleanup)[16];            /* importers of the cleanup jobs (their strings) */
    size_t n_cleanup;
    scanner_findings gaps;          /* only gaps used: export problems */
    shub_failure *failures;
    size_t n_failures, cap_failures;
    shub_result res;
};

static void job_step(job *j);
static void job_done(job *j);

static int add_failure(export *ex, const char *account, const char *id,
                       const char *code, const char *msg)
{
    aws_log_warn("securityhub: %s/%s: BatchImportFindings: %s: %s: %s", account,
                 ex->o.home_region, id, code, msg && *msg ? msg : "(no message)");
    ex->res.failed++;
    if (ex->n_failures == ex->cap_failures) {
        size_t cap = ex->cap_failures ? ex->cap_failures * 2 : 16;
        shub_failure *v = realloc(ex->failures, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        ex->failures = v;
        ex->cap_failures = cap;
    }
    shub_failure *fl = &ex->failures[ex->n_failures];
    fl->account = strdup(account);
    fl->id = strdup(id);
    fl->code = strdup(code);
    fl->message = strdup(msg ? msg : "");
    if (!fl->account || !fl->id || !fl->code || !fl->message) {
        free((char *)fl->account);
        free((char *)fl->id);
        free((char *)fl->code);
        free((char *)fl->message);
        return AWS_ENOMEM;
    }
    ex->n_failures++;
    return 0;
}

#define DASH "\xe2\x80\x94"         /* an em dash, as the config messages use */

/* An export problem (not a coverage gap of the scan): logged, and handed to
 * the caller in shub_result.gaps. */
static void add_gap(export *ex, const char *account, const char *op,
                    const char *code, const char *msg)
{
    aws_log_warn("securityhub: %s/%s: %s: %s: %s", account, ex->o.home_region, op,
                 code, msg && *msg ? msg : "(no message)");
    scanner_findings_add_gap(&ex->gaps, account, ex->o.home_region, op, code, msg);
}

static int not_enabled(const aws_result *r)
{
    return streq(r->code, "InvalidAccessException") ||
           (r->message && strstr(r->message, "not subscribed"));
}

static const char *result_code(const aws_result *r)
{
    return r->code && *r->code ? r->code : aws_error_code(r->err);
}

/* Security Hub is not enabled in that account's home region: an export
 * problem with its fix, once per account. */
static void not_enabled_problem(export *ex, const char *account, const char *op,
                                const char *code)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "Security Hub is not enabled in account %s, region %s: "
             "nothing was imported there " DASH " enable Security Hub in that account and "
             "region, or remove [securityhub] from the config (or run with --no-securityhub)",
             account, ex->o.home_region);
    add_gap(ex, account, op, code, msg);
}

static void on_job_timer(uv_timer_t *t)
{
    job_step(t->data);
}

/* Runs the job's next call from the loop (never from inside the current
 * callback).  No pacing here: the transport paces every call on its lane
 * (service, operation, importing account: call.rate_key) at Security Hub's
 * published rates (aws/rates.c). */
static void schedule(job *j)
{
    uv_timer_start(&j->timer, on_job_timer, 0, 0);
}

/* ---- job: GetFindings --------------------------------------------------------- */

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const pending_row *)a)->row.id, ((const pending_row *)b)->row.id);
}

static pending_row *find_row(job *j, const char *id)
{
    if (j->n_rows == 0)
        return NULL;                /* bsearch takes no NULL array, even empty */
    pending_row key;
    snprintf(key.row.id, sizeof(key.row.id), "%s", id);
    return bsearch(&key, j->rows, j->n_rows, sizeof(*j->rows), cmp_row);
}

static void set_row(pending_row *pr, const char *importer, shub_mode mode,
                    const char *id, const char *account,
                    const char *region, const char *rule, int64_t created,
                    int64_t now, int archive)
{
    memset(pr, 0, sizeof(*pr));
    snprintf(pr->row.id, sizeof(pr->row.id), "%s", id);
    snprintf(pr->row.account, sizeof(pr->row.account), "%s", account ? account : "");
    snprintf(pr->row.region, sizeof(pr->row.region), "%s", region ? region : "");
    snprintf(pr->row.rule, sizeof(pr->row.rule), "%s", rule ? rule : "");
    pr->row.created_at = created;
    pr->row.updated_at = now;
    pr->row.last_seen = archive ? 0 : now;
    snprintf(pr->row.record_state, sizeof(pr->row.record_state), "%s",
             archive ? "ARCHIVED" : "ACTIVE");
    snprintf(pr->row.importer, sizeof(pr->row.importer), "%s", importer);
    snprintf(pr->row.mode, sizeof(pr->row.mode), "%s",
             mode == SHUB_CENTRAL ? "central" : "member");
    pr->archive = archive;
}

static shub_lifecycle lifecycle_of(const export *ex)
{
    shub_lifecycle lc = {
        .cur = ex->f, .coverage = ex->o.coverage, .cfg = ex->o.cfg,
        .what_if = ex->o.what_if, .mode = ex->o.mode,
        .scanning_account = ex->o.scanning_account,
    };
    return lc;
}

/* 1 when this job imports fd (a cleanup job imports nothing). */
static int belongs(const export *ex, const job *j, const scanner_finding *fd)
{
    shub_lifecycle lc = lifecycle_of(ex);
    return !j->cleanup && streq(shub_home_of(&lc, fd->account_id), j->importer);
}

/* Builds this job's ASFF findings (current + archived) and its batches. */
static int job_build(job *j)
{
    export *ex = j->ex;
    asff_opts ao = {
        .home_region = ex->o.home_region, .mode = ex->o.mode,
        .scanning_account = ex->o.scanning_account, .now = ex->now,
        .updated_ms = ex->updated_ms,
    };
    size_t *arch = NULL, n_arch = 0;
    int rc = 0;
    shub_lifecycle lc = lifecycle_of(ex);
    if (j->prev_ok)
        rc = shub_decide_archive(&j->prev, j->importer, &lc, &arch, &n_arch);
    if (rc)
        return rc;
    /* Findings another mode put in this hub that stay: said plainly. */
    size_t stay = 0;
    for (size_t i = 0, a = 0; j->prev_ok && i < j->prev.n; i++) {
        if (a < n_arch && arch[a] == i) {
            a++;
            continue;
        }
        if (!streq(shub_home_of(&lc, j->prev.v[i].account), j->importer))
            stay++;
    }
    if (stay) {
        ex->res.kept_elsewhere += stay;
        aws_log_warn("securityhub: %s/%s: %zu finding%s an earlier run imported here in "
                     "another mode stay%s ACTIVE: not produced by this run, and %s source "
                     "was not read in full for %s account and region; a later complete run "
                     "archives %s", j->importer, ex->o.home_region, stay,
                     stay == 1 ? "" : "s", stay == 1 ? "s" : "", stay == 1 ? "its" : "their",
                     stay == 1 ? "its" : "their", stay == 1 ? "it" : "them");
    }
    size_t cap = n_arch;
    for (size_t i = 0; i < ex->f->n; i++)
        cap += belongs(ex, j, &ex->f->v[i]);
    json_object **objs = cap ? calloc(cap, sizeof(*objs)) : NULL;
    j->rows = cap ? calloc(cap, sizeof(*j->rows)) : NULL;
    if (cap && (!objs || !j->rows)) {
        free(arch);
        free(objs);
        return AWS_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; !rc && i < ex->f->n; i++) {
        const scanner_finding *fd = &ex->f->v[i];
        if (!belongs(ex, j, fd))
            continue;
        char id[128];
        asff_id(fd, id, sizeof(id));
        asff_history h = { 0, 0 };
        const shub_prev *p = shub_prevset_find(&j->prev, id);
        state_shub_row sr;
        if (p) {
            h.created_at = p->created_at;
            h.first_observed_at = p->first_observed_at;
        } else if (ex->o.state && state_shub_get(ex->o.state, id, &sr) == 0) {
            h.created_at = sr.created_at;
            h.first_observed_at = sr.created_at;
        }
        if (!(objs[k] = asff_build(fd, &ao, &h))) {
            rc = AWS_ENOMEM;
            break;
        }
        set_row(&j->rows[k], j->importer, ex->o.mode, id, fd->account_id, fd->region, fd->rule,
                h.created_at ? h.created_at : ex->now, ex->now, 0);
        k++;
    }
    for (size_t i = 0; !rc && i < n_arch; i++) {
        const shub_prev *p = &j->prev.v[arch[i]];
        json_object *a = asff_archive(p->raw, ex->updated_ms);
        if (!a) {
            aws_log_warn("securityhub: %s/%s: cannot archive %s: the finding Security Hub "
                         "returned lacks required fields", j->importer, ex->o.home_region, p->id);
            ex->res.skipped++;
            continue;
        }
        objs[k] = a;
        set_row(&j->rows[k], j->importer, ex->o.mode, p->id, p->account, p->region, p->rule,
                p->created_at ? p->created_at : ex->now, ex->now, 1);
        k++;
    }
    j->n_rows = k;
    if (!rc)
        rc = shub_make_batches(objs, k, ex->o.max_batch, 0, &j->batches);
    ex->res.skipped += j->batches.skipped;
    for (size_t i = 0; i < k; i++)
        json_object_put(objs[i]);
    free(objs);
    free(arch);
    if (j->n_rows > 1)
        qsort(j->rows, j->n_rows, sizeof(*j->rows), cmp_row);
    return rc;
}

static void on_get(const aws_result *r, void *ud)
{
    job *j = ud;
    export *ex = j->ex;
    if (r->err == AWS_ECANCELED) {
        job_done(j);
        return;
    }
    if (r->err) {
        if (not_enabled(r)) {
            not_enabled_problem(ex, j->importer, "GetFindings", result_code(r));
            job_done(j);                    /* nothing can be imported there */
            return;
        }
        /* What was imported before is unknown: import, archive nothing. */
        add_gap(ex, j->importer, "GetFindings", result_code(r), r->message);
        j->prev_ok = 0;
        goto build;
    }
    char *next = NULL;
    int rc = shub_parse_findings(r->body, r->body_len, j->importer,
                                 ex->o.home_region, ex->o.mode, &j->prev, &next);
    if (rc) {
        free(next);
        add_gap(ex, j->importer, "GetFindings", aws_error_code(rc),
                "could not read the GetFindings answer; nothing archived");
        j->prev_ok = 0;
        goto build;
    }
    int v = scanner_pager_next(&j->pager, next);
    free(next);
    if (v == SCANNER_PAGER_MORE) {
        schedule(j);
        return;
    }
    if (v != SCANNER_PAGER_DONE) {
        char msg[300];
        scanner_pager_message(&j->pager, v, msg, sizeof(msg));
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof(msg) - l, "; nothing archived");
        add_gap(ex, j->importer, "GetFindings", scanner_pager_code(v), msg);
        j->prev_ok = 0;
    } else {
        j->prev_ok = 1;
    }
    if (j->prev.rejected)
        aws_log_debug("securityhub: %s/%s: GetFindings: %zu returned findings were not "
                      "certsweep's ACTIVE findings for this account and were ignored",
                      j->importer, ex->o.home_region, j->prev.rejected);
build:
    scanner_pager_finish(&j->pager);
    if (job_build(j)) {
        add_gap(ex, j->importer, "BatchImportFindings", "OutOfMemory",
                "could not build the findings");
        job_done(j);
        return;
    }
    j->phase = PH_IMPORT;
    if (j->batches.n == 0) {
        job_done(j);
        return;
    }
    schedule(j);
}

/* ---- job: BatchImportFindings --------------------------------------------------- */

static void mark_batch(job *j, const shub_batch *b, json_object *failed)
{
    export *ex = j->ex;
    for (size_t i = 0; i < b->n; i++) {
        int bad = 0;
        for (size_t k = 0; failed && k < json_object_array_length(failed); k++)
            if (streq(jstr(json_object_array_get_idx(failed, k), "Id"), b->ids[i]))
                bad = 1;
        pending_row *pr = find_row(j, b->ids[i]);
        if (bad || !pr)
            continue;
        pr->ok = 1;
        if (pr->archive)
            ex->res.archived++;
        else
            ex->res.imported++;
    }
}

static void fail_batch(job *j, const shub_batch *b, const char *code, const char *msg)
{
    for (size_t i = 0; i < b->n; i++)
        add_failure(j->ex, j->importer, b->ids[i], code, msg);
}

static void on_import(const aws_result *r, void *ud)
{
    job *j = ud;
    export *ex = j->ex;
    const shub_batch *b = &j->batches.v[j->next_batch++];
    if (r->err == AWS_ECANCELED) {
        job_done(j);
        return;
    }
    if (r->err) {
        if (not_enabled(r)) {
            not_enabled_problem(ex, j->importer, "BatchImportFindings", result_code(r));
            size_t left = b->n;
            for (size_t i = j->next_batch; i < j->batches.n; i++)
                left += j->batches.v[i].n;
            ex->res.failed += left;
            job_done(j);
            return;
        }
        fail_batch(j, b, result_code(r), r->message);
    } else {
        json_object *root = parse_json(r->body, r->body_len), *failed = NULL, *fc = NULL;
        if (!root || !json_object_object_get_ex(root, "FailedCount", &fc)) {
            fail_batch(j, b, "ParseError", "could not read the BatchImportFindings answer");
        } else {
            json_object_object_get_ex(root, "FailedFindings", &failed);
            if (failed && !json_object_is_type(failed, json_type_array))
                failed = NULL;
            size_t nf = failed ? json_object_array_length(failed) : 0;
            int64_t count = json_object_get_int64(fc);
            for (size_t k = 0; k < nf; k++) {
                json_object *e = json_object_array_get_idx(failed, k);
                const char *id = jstr(e, "Id"), *code = jstr(e, "ErrorCode");
                add_failure(ex, j->importer, id ? id : "(no id)", code ? code : "(no code)",
                            jstr(e, "ErrorMessage"));
            }
            if (count > (int64_t)nf) {
                /* Some refused findings are not named: none of the unnamed
                 * ones can be said to be imported. */
                size_t unnamed = b->n > nf ? b->n - nf : 0;
                size_t extra = (size_t)(count - (int64_t)nf);
                if (extra > unnamed)
                    extra = unnamed;
                aws_log_warn("securityhub: %s/%s: BatchImportFindings: FailedCount %lld but "
                             "%zu failed findings listed: the %zu unlisted findings of this "
                             "batch count as failed", j->importer, ex->o.home_region,
                             (long long)count, nf, unnamed);
                char msg[160];
                snprintf(msg, sizeof(msg), "FailedCount %lld, %zu listed", (long long)count, nf);
                for (size_t i = 0; i < b->n; i++) {
                    int listed = 0;
                    for (size_t k = 0; k < nf && !listed; k++)
                        listed = streq(jstr(json_object_array_get_idx(failed, k), "Id"),
                                       b->ids[i]);
                    if (!listed)
                        add_failure(ex, j->importer, b->ids[i], "UnlistedFailure", msg);
                }
            } else {
                mark_batch(j, b, failed);
            }
        }
        json_object_put(root);
    }
    if (j->next_batch < j->batches.n)
        schedule(j);
    else
        job_done(j);
}

static void job_step(job *j)
{
    export *ex = j->ex;
    aws_call call;
    memset(&call, 0, sizeof(call));
    call.service = AWS_SVC_SECURITYHUB;
    call.region = ex->o.home_region;
    call.rate_key = j->importer;
    call.creds = j->creds;
    call.proto = AWS_PROTO_REST_JSON;
    call.method = "POST";
    char *body = NULL;
    int rc;
    if (j->phase == PH_GET) {
        body = shub_get_body(j->importer, ex->o.home_region, scanner_pager_token(&j->pager));
        if (!body) {
            add_gap(ex, j->importer, "GetFindings", "OutOfMemory", "");
            job_done(j);
            return;
        }
        call.op = "GetFindings";
        call.path = "/findings";
        call.body = body;
        call.body_len = strlen(body);
        call.max_response = GET_MAX_RESPONSE;
        rc = aws_client_call(ex->c, &call, on_get, j);
        free(body);
        if (rc) {
            add_gap(ex, j->importer, "GetFindings", aws_error_code(rc), "could not start the call");
            job_done(j);
        }
        return;
    }
    const shub_batch *b = &j->batches.v[j->next_batch];
    call.op = "BatchImportFindings";
    call.path = "/findings/import";
    call.body = b->body;
    call.body_len = b->len;
    ex->res.batches++;
    if (b->n > ex->res.max_batch_seen)
        ex->res.max_batch_seen = b->n;
    aws_log_debug("securityhub: %s/%s: BatchImportFindings: %zu findings, %zu bytes",
                  j->importer, ex->o.home_region, b->n, b->len);
    rc = aws_client_call(ex->c, &call, on_import, j);
    if (rc) {
        j->next_batch++;
        fail_batch(j, b, aws_error_code(rc), "could not start the call");
        if (j->next_batch < j->batches.n)
            schedule(j);
        else
            job_done(j);
    }
}

/* ---- export lifetime ------------------------------------------------------------- */

static void export_free(export *ex)
{
    for (size_t i = 0; i < ex->n_jobs; i++) {
        job *j = &ex->jobs[i];
        scanner_pager_finish(&j->pager);
        shub_prevset_finish(&j->prev);
        shub_batches_finish(&j->batches);
        free(j->rows);
    }
    free(ex->jobs);
    for (size_t i = 0; i < ex->n_failures; i++) {
        free((char *)ex->failures[i].account);
        free((char *)ex->failures[i].id);
        free((char *)ex->failures[i].code);
        free((char *)ex->failures[i].message);
    }
    free(ex->failures);
    free(ex->cleanup);
    scanner_findings_finish(&ex->gaps);
    free(ex);
}

static void on_closed(uv_handle_t *h)
{
    export *ex = h->data;
    if (--ex->open_handles > 0)
        return;
    ex->res.failures = ex->failures;
    ex->res.n_failures = ex->n_failures;
    ex->res.gaps = ex->gaps.gaps;
    ex->res.n_gaps = ex->gaps.n_gaps;
    ex->cb(&ex->res, ex->ud);
    export_free(ex);
}

static void save_state(export *ex)
{
    if (!ex->o.state)
        return;
    /* state.c logs nothing: this is the one report of a failure. */
    int rc = state_begin(ex->o.state), sent = 0;
    /* Archived rows first: a finding that moved hubs is archived in one and
     * imported in the other under the same Id, and the row must end up
     * naming the hub where it is ACTIVE. */
    for (int archived = 1; archived >= 0; archived--)
        for (size_t i = 0; !rc && i < ex->n_jobs; i++)
            for (size_t k = 0; !rc && k < ex->jobs[i].n_rows; k++)
                if (ex->jobs[i].rows[k].ok && ex->jobs[i].rows[k].archive == archived) {
                    rc = state_shub_upsert(ex->o.state, &ex->jobs[i].rows[k].row);
                    sent = 1;
                }
    if (!rc && sent)
        rc = state_meta_set(ex->o.state, LAST_UPDATED_KEY, ex->updated_ms);
    if (!rc)
        rc = state_commit(ex->o.state);
    if (rc) {
        state_rollback(ex->o.state);
        aws_log_warn("securityhub: local state not updated (%s); Security Hub itself is up "
                     "to date", state_errmsg(ex->o.state));
    }
}

static void export_finish(export *ex)
{
    save_state(ex);
    int lvl = ex->res.failed || ex->gaps.n_gaps ? AWS_LOG_WARN : AWS_LOG_INFO;
    aws_log(lvl, "securityhub: %s: imported %zu, archived %zu, failed %zu, skipped %zu "
            "(%zu BatchImportFindings calls, %zu hubs not written or not read)",
            ex->o.home_region, ex->res.imported, ex->res.archived, ex->res.failed,
            ex->res.skipped, ex->res.batches, ex->gaps.n_gaps);
    ex->open_handles = 1 + (int)ex->n_jobs;
    uv_close((uv_handle_t *)&ex->start, on_closed);
    for (size_t i = 0; i < ex->n_jobs; i++) {
        ex->jobs[i].timer.data = ex;        /* on_closed counts on the export */
        uv_close((uv_handle_t *)&ex->jobs[i].timer, on_closed);
    }
}

static void job_done(job *j)
{
    if (j->phase == PH_DONE)
        return;
    j->phase = PH_DONE;
    uv_timer_stop(&j->timer);
    if (--j->ex->jobs_left == 0)
        export_finish(j->ex);
}

static void on_start(uv_timer_t *t)
{
    export *ex = t->data;
    if (ex->n_jobs == 0) {
        export_finish(ex);
        return;
    }
    for (size_t i = 0; i < ex->n_jobs; i++)
        job_step(&ex->jobs[i]);
}

static job *find_job(export *ex, const char *importer)
{
    for (size_t i = 0; i < ex->n_jobs; i++)
        if (streq(ex->jobs[i].importer, importer))
            return &ex->jobs[i];
    return NULL;
}

static int add_job(export *ex, const char *importer, aws_creds_provider *creds, int cleanup)
{
    if (find_job(ex, importer))
        return 0;
    job *j = &ex->jobs[ex->n_jobs++];
    j->ex = ex;
    j->importer = importer;
    j->creds = creds;
    j->cleanup = cleanup;
    j->phase = PH_GET;
    scanner_pager_init(&j->pager);
    shub_prevset_init(&j->prev);
    shub_batches_init(&j->batches);
    return 0;
}

static aws_creds_provider *creds_of(const shub_accounts *a, const char *account)
{
    for (size_t i = 0; a && i < a->n; i++)
        if (streq(a->v[i].account_id, account))
            return a->v[i].creds;
    return NULL;
}

/* ---- UpdatedAt and history ------------------------------------------------------- */

int64_t shub_updated_ms(state_db *db, int64_t now_ms)
{
    int64_t last = 0;
    if (db && state_meta_get(db, LAST_UPDATED_KEY, &last) == 0 && last >= now_ms)
        return last + 1;
    return now_ms;
}

void shub_history(const scanner_finding *f, const char *asff_id, asff_history *h, void *ud)
{
    state_db *db = ud;
    state_shub_row sr;
    if (db && state_shub_get(db, asff_id, &sr) == 0 && sr.created_at) {
        h->created_at = h->first_observed_at = sr.created_at;
        return;
    }
    if (f->first_seen)
        h->created_at = h->first_observed_at = f->first_seen;
}

/* ---- cleanup: hubs another mode filled ---------------------------------------------- */

typedef struct cleanup_scan {
    export *ex;
    char (*importers)[16];
    size_t *counts;
    size_t n, cap;
    int oom;
} cleanup_scan;

/* Collects the distinct importers of ACTIVE rows that are not where this
 * mode would put the finding. */
static int collect_cleanup(const state_shub_row *row, void *ud)
{
    cleanup_scan *c = ud;
    shub_lifecycle lc = lifecycle_of(c->ex);
    if (!row->importer[0] || streq(shub_home_of(&lc, row->account), row->importer))
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (streq(c->importers[i], row->importer)) {
            c->counts[i]++;
            return 0;
        }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        char (*v)[16] = realloc(c->importers, cap * sizeof(*v));
        if (!v)
            return c->oom = AWS_ENOMEM;
        c->importers = v;
        size_t *n = realloc(c->counts, cap * sizeof(*n));
        if (!n)
            return c->oom = AWS_ENOMEM;
        c->counts = n;
        c->cap = cap;
    }
    snprintf(c->importers[c->n], sizeof(c->importers[c->n]), "%s", row->importer);
    c->counts[c->n++] = 1;
    return 0;
}

/* Adds an archive-only job for each hub where the state says certsweep's
 * findings are ACTIVE although this mode imports them elsewhere (a mode
 * switch, another scanning account).  A hub without credentials in this
 * run is named, with what stays. */
static int add_cleanup_jobs(export *ex, const shub_accounts *accounts)
{
    cleanup_scan c = { .ex = ex };
    if (!ex->o.state)
        return 0;
    int rc = state_shub_each(ex->o.state, NULL, NULL, "ACTIVE", collect_cleanup, &c);
    if (rc == 0 && c.oom)
        rc = c.oom;
    if (rc != 0) {
        aws_log_warn("securityhub: cannot read which hubs hold earlier findings (%s): "
                     "findings another mode imported are not archived in this run",
                     rc == AWS_ENOMEM ? "out of memory" : state_errmsg(ex->o.state));
        free(c.importers);
        free(c.counts);
        return 0;
    }
    ex->cleanup = c.importers;
    ex->n_cleanup = c.n;
    for (size_t i = 0; i < c.n; i++) {
        const char *imp = ex->cleanup[i];
        aws_creds_provider *cr = streq(imp, ex->o.scanning_account) ? ex->o.scanning_creds
                                                                      : creds_of(accounts, imp);
        if (find_job(ex, imp))
            continue;                       /* read anyway: decided there */
        if (!cr) {
            aws_log_warn("securityhub: %s/%s: %zu finding%s certsweep imported there in another "
                         "mode stay ACTIVE: no credentials for account %s in this run (scan it, "
                         "or run from the account that imported them, to archive them)",
                         imp, ex->o.home_region, c.counts[i], c.counts[i] == 1 ? "" : "s", imp);
            ex->res.kept_elsewhere += c.counts[i];
            continue;
        }
        add_job(ex, imp, cr, 1);
    }
    free(c.counts);
    return 0;
}

static int count_row(const state_shub_row *row, void *ud)
{
    (void)row;
    (*(size_t *)ud)++;
    return 0;
}

int shub_export(aws_client *c, const shub_opts *o,
                               const scanner_findings *f,
                               const shub_accounts *accounts, int64_t now_ms,
                               shub_done_cb cb, void *ud)
{
    if (!c || !o || !o->loop || !o->home_region || !*o->home_region || !f || !cb)
        return AWS_EINVAL;
    if (o->mode == SHUB_CENTRAL &&
        (!o->scanning_account || !*o->scanning_account || !o->scanning_creds))
        return AWS_EINVAL;
    export *ex = calloc(1, sizeof(*ex));
    if (!ex)
        return AWS_ENOMEM;
    ex->c = c;
    ex->o = *o;
    ex->f = f;
    ex->acc = accounts;
    ex->now = now_ms / 1000;
    ex->updated_ms = shub_updated_ms(o->state, now_ms);
    ex->res.updated_ms = ex->updated_ms;
    ex->cb = cb;
    ex->ud = ud;
    scanner_findings_init(&ex->gaps);
    size_t n_state = 0;
    if (o->state)
        (void)state_shub_each(o->state, NULL, NULL, "ACTIVE", count_row, &n_state);
    size_t max_jobs = 1 + (accounts ? accounts->n : 0) + f->n + n_state;
    if (!(ex->jobs = calloc(max_jobs, sizeof(*ex->jobs)))) {
        free(ex);
        return AWS_ENOMEM;
    }
    if (o->mode == SHUB_CENTRAL) {
        add_job(ex, o->scanning_account, o->scanning_creds, 0);
    } else {
        /* Every reachable account: its hub may hold findings to archive. */
        for (size_t i = 0; accounts && i < accounts->n; i++)
            if (accounts->v[i].creds && accounts->v[i].account_id)
                add_job(ex, accounts->v[i].account_id, accounts->v[i].creds, 0);
        for (size_t i = 0; i < f->n; i++) {
            const scanner_finding *fd = &f->v[i];
            if (creds_of(accounts, fd->account_id))
                continue;
            ex->res.skipped++;
            int first = 1;
            for (size_t k = 0; k < i && first; k++)
                first = !streq(f->v[k].account_id, fd->account_id);
            if (first)
                aws_log_warn("securityhub: %s: no credentials for this account; its "
                             "findings are not imported", fd->account_id);
        }
    }
    add_cleanup_jobs(ex, accounts);
    ex->jobs_left = ex->n_jobs;
    uv_timer_init(o->loop, &ex->start);
    ex->start.data = ex;
    for (size_t i = 0; i < ex->n_jobs; i++) {
        uv_timer_init(o->loop, &ex->jobs[i].timer);
        ex->jobs[i].timer.data = &ex->jobs[i];
    }
    uv_timer_start(&ex->start, on_start, 0, 0);
    return 0;
}

/* ---- dry run ----------------------------------------------------------------------- */

int shub_dry_run(FILE *out, const shub_opts *o,
                                const scanner_findings *f, int64_t now_ms, size_t *nbatches)
{
    if (nbatches)
        *nbatches = 0;
    if (!out || !o || !o->home_region || !f)
        return AWS_EINVAL;
    asff_opts ao = {
        .home_region = o->home_region, .mode = o->mode,
        .scanning_account = o->scanning_account, .now = now_ms / 1000,
        .updated_ms = shub_updated_ms(o->state, now_ms),
    };
    json_object **objs = f->n ? calloc(f->n, sizeof(*objs)) : NULL;
    char *done = f->n ? calloc(f->n, 1) : NULL;
    int rc = (f->n && (!objs || !done)) ? AWS_ENOMEM : 0;
    /* One group per importing account, in order of first appearance. */
    for (size_t i = 0; !rc && i < f->n; i++) {
        if (done[i])
            continue;
        const char *importer = asff_importer(&f->v[i], &ao);
        size_t k = 0;
        for (size_t m = i; !rc && m < f->n; m++) {
            if (done[m] || !streq(asff_importer(&f->v[m], &ao), importer))
                continue;
            done[m] = 1;
            char id[128];
            asff_id(&f->v[m], id, sizeof(id));
            asff_history h = { 0, 0 };
            shub_history(&f->v[m], id, &h, o->state);
            if (!(objs[k] = asff_build(&f->v[m], &ao, &h)))
                rc = AWS_ENOMEM;
            else
                k++;
        }
        shub_batches b;
        shub_batches_init(&b);
        if (!rc)
            rc = shub_make_batches(objs, k, o->max_batch, 0, &b);
        for (size_t m = 0; !rc && m < b.n; m++) {
            if (fwrite(b.v[m].body, 1, b.v[m].len, out) != b.v[m].len || fputc('\n', out) == EOF)
                rc = AWS_EIO;
            else if (nbatches)
                (*nbatches)++;
        }
        shub_batches_finish(&b);
        for (size_t m = 0; m < k; m++) {
            json_object_put(objs[m]);
            objs[m] = NULL;
        }
    }
    if (!rc && fflush(out) != 0)
        rc = AWS_EIO;
    free(objs);
    free(done);
    return rc;
}

int shub_write_asff(FILE *out, const shub_opts *o, const scanner_findings *f,
                    int64_t now_ms)
{
    if (!out || !o || !o->home_region || !f)
        return AWS_EINVAL;
    asff_opts ao = {
        .home_region = o->home_region, .mode = o->mode,
        .scanning_account = o->scanning_account, .now = now_ms / 1000,
        .updated_ms = shub_updated_ms(o->state, now_ms),
    };
    return asff_write(out, f, &ao, shub_history, o->state);
}

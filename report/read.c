/* Reading a JSON report back. */
#include "report/read.h"

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "report/report.h"
#include "scanner/record.h"
#include "scanner/rules.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_doc_init(report_doc *d)
{
    memset(d, 0, sizeof(*d));
    scanner_findings_init(&d->f);
    scanner_stats_init(&d->st);
}

void report_doc_finish(report_doc *d)
{
    if (!d)
        return;
    scanner_findings_finish(&d->f);
    report_doc_init(d);
}

/* ---- one field at a time --------------------------------------------------- */

typedef struct rd {
    char *why;
    size_t why_len;
    char where[64];                 /* "findings[3]" */
} rd;

static int fail(rd *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(rd *r, int err, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (*r->where)
        snprintf(r->why, r->why_len, "%s: %s", r->where, msg);
    else
        snprintf(r->why, r->why_len, "%s", msg);
    return err;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A string member (required: missing or null is an error) copied into *out,
 * or NULL for an optional null/missing one. */
static int str(rd *r, json_object *o, const char *key, int required, char **out)
{
    json_object *v = member(o, key);
    *out = NULL;
    if (!v || json_object_is_type(v, json_type_null))
        return required ? fail(r, AWS_EPARSE, "no %s", key) : 0;
    if (!json_object_is_type(v, json_type_string))
        return fail(r, AWS_EPARSE, "%s is not a string", key);
    *out = strdup(json_object_get_string(v));
    return *out ? 0 : AWS_ENOMEM;
}

/* A time member ("2026-11-23T08:45:28Z") or null (0). */
static int tm(rd *r, json_object *o, const char *key, int64_t *out)
{
    json_object *v = member(o, key);
    *out = 0;
    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string) ||
        aws_time_parse(json_object_get_string(v), out) != 0)
        return fail(r, AWS_EPARSE, "%s is not a time", key);
    return 0;
}

static int i64(rd *r, json_object *o, const char *key, int64_t *out)
{
    json_object *v = member(o, key);
    *out = 0;
    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return fail(r, AWS_EPARSE, "%s is not an integer", key);
    errno = 0;
    *out = json_object_get_int64(v);
    return errno ? fail(r, AWS_EPARSE, "%s is out of range", key) : 0;
}

static int severity(rd *r, json_object *o, const char *key, scanner_severity *out)
{
    json_object *v = member(o, key);
    if (!v || !json_object_is_type(v, json_type_string) ||
        scanner_severity_parse(json_object_get_string(v), out) != 0)
        return fail(r, AWS_EPARSE, "%s is not a severity", key);
    return 0;
}

/* An optional {"key": "value"} member (new in certsweep.scan/1 reports of
 * issue 11: absent in older ones). */
static int tags(rd *r, json_object *o, const char *key, scanner_tags *out)
{
    json_object *v = member(o, key);
    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_object))
        return fail(r, AWS_EPARSE, "%s is not an object", key);
    json_object_object_foreach(v, k, val) {
        if (!json_object_is_type(val, json_type_string))
            return fail(r, AWS_EPARSE, "%s.%.64s is not a string", key, k);
    }
    return scanner_tags_from_json(out, v) ? fail(r, AWS_ENOMEM, "out of memory") : 0;
}

/* ---- a finding ------------------------------------------------------------- */

static int label_of(const char *name, scanner_label *out)
{
    for (int l = SCANNER_LABEL_NEW; l <= SCANNER_LABEL_RESOLVED; l++) {
        if (strcmp(scanner_label_name((scanner_label)l), name) == 0) {
            *out = (scanner_label)l;
            return 0;
        }
    }
    return -1;
}

static int finding_from(rd *r, json_object *o, scanner_finding *fd)
{
    int rc;
    char *s = NULL;
    memset(fd, 0, sizeof(*fd));
    if (!json_object_is_type(o, json_type_object))
        return fail(r, AWS_EPARSE, "not an object");
    json_object *v = member(o, "id");
    const char *id = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
    if (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
        return fail(r, AWS_EPARSE, "id is not 64 hex digits");
    memcpy(fd->id, id, 65);
    if ((rc = str(r, o, "rule", 1, &s)) != 0)
        return rc;
    const scanner_rule *rule = scanner_rule_find(s);
    if (!rule) {
        rc = fail(r, AWS_EPARSE, "rule \"%.64s\" is not one this certsweep knows (a report of another version?)", s);
        free(s);
        return rc;
    }
    free(s);
    fd->rule = rule->id;
    fd->remediation = rule->remediation;
    if ((rc = str(r, o, "source", 1, &s)) != 0)
        return rc;
    int src = scanner_source_parse(s);
    free(s);
    if (src < 0)
        return fail(r, AWS_EPARSE, "source is not a certificate source");
    fd->source = (scanner_source)src;
    if ((rc = severity(r, o, "severity", &fd->severity)) != 0 ||
        (rc = str(r, o, "account_id", 1, &fd->account_id)) != 0 ||
        (rc = str(r, o, "region", 1, &fd->region)) != 0 ||
        (rc = str(r, o, "resource_type", 0, &fd->resource_type)) != 0 ||
        (rc = str(r, o, "resource_arn", 0, &fd->resource_arn)) != 0 ||
        (rc = str(r, o, "resource_id", 0, &fd->resource_id)) != 0 ||
        (rc = str(r, o, "domain", 0, &fd->domain)) != 0 ||
        (rc = tm(r, o, "not_after", &fd->not_after)) != 0 ||
        (rc = i64(r, o, "days_to_expiry", &fd->days_to_expiry)) != 0 ||
        (rc = str(r, o, "title", 0, &fd->title)) != 0 ||
        (rc = str(r, o, "details_text", 0, &fd->details)) != 0 ||
        (rc = str(r, o, "console_url", 0, &fd->console_url)) != 0 ||
        (rc = str(r, o, "account_name", 0, &fd->account_name)) != 0 ||
        (rc = str(r, o, "ou_path", 0, &fd->ou_path)) != 0 ||
        (rc = tags(r, o, "tags", &fd->tags)) != 0 ||
        (rc = tags(r, o, "account_tags", &fd->account_tags)) != 0)
        return rc;
    v = member(o, "details");
    if (v && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_object))
            return fail(r, AWS_EPARSE, "details is not an object");
        if (!(fd->details_json = strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN))))
            return AWS_ENOMEM;
        /* Reports before the "tags" member had API Gateway tags here. */
        if (!member(o, "tags") && (rc = tags(r, v, "tags", &fd->tags)) != 0)
            return rc;
    }
    json_object *sp = member(o, "suppressed");
    if (sp && !json_object_is_type(sp, json_type_null)) {
        if ((rc = str(r, sp, "by", 1, &fd->suppressed_by)) != 0 ||
            (rc = str(r, sp, "reason", 0, &fd->suppressed_reason)) != 0 ||
            (rc = tm(r, sp, "until", &fd->suppressed_until)) != 0)
            return rc;
    }
    v = member(o, "label");
    if (v && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_string) ||
            label_of(json_object_get_string(v), &fd->label) != 0)
            return fail(r, AWS_EPARSE, "label is not new, escalated, unchanged or resolved");
        if (fd->label != SCANNER_LABEL_NEW &&
            (rc = severity(r, o, "previous_severity", &fd->prev_severity)) != 0)
            return rc;
        if ((rc = tm(r, o, "first_seen", &fd->first_seen)) != 0)
            return rc;
    }
    return 0;
}

static int findings_from(rd *r, json_object *doc, const char *key, int required,
                         scanner_findings *f, int resolved)
{
    json_object *a = member(doc, key);
    if (!a || json_object_is_type(a, json_type_null))
        return required ? fail(r, AWS_EPARSE, "no %s", key) : 0;
    if (!json_object_is_type(a, json_type_array))
        return fail(r, AWS_EPARSE, "%s is not a list", key);
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        scanner_finding fd;
        snprintf(r->where, sizeof(r->where), "%s[%zu]", key, i);
        int rc = finding_from(r, json_object_array_get_idx(a, i), &fd);
        if (!rc)
            rc = resolved ? scanner_findings_add_resolved(f, &fd) : scanner_findings_add(f, &fd);
        if (rc) {
            scanner_finding_release(&fd);
            return rc == AWS_ENOMEM ? fail(r, rc, "out of memory") : rc;
        }
    }
    *r->where = '\0';
    return 0;
}

static int gaps_from(rd *r, json_object *doc, scanner_findings *f)
{
    json_object *a = member(doc, "coverage_gaps");
    if (!a || !json_object_is_type(a, json_type_array))
        return fail(r, AWS_EPARSE, "coverage_gaps is not a list");
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *g = json_object_array_get_idx(a, i);
        char *v[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
        static const char *const keys[6] = { "account_id", "region", "operation", "error_code",
                                             "message", "account_name" };
        snprintf(r->where, sizeof(r->where), "coverage_gaps[%zu]", i);
        int rc = json_object_is_type(g, json_type_object) ? 0
               : fail(r, AWS_EPARSE, "not an object");
        for (int k = 0; !rc && k < 6; k++)
            rc = str(r, g, keys[k], k < 3, &v[k]);
        if (!rc && scanner_findings_add_gap(f, v[0], v[1], v[2], v[3] ? v[3] : "", v[4] ? v[4] : "") != 0)
            rc = fail(r, AWS_ENOMEM, "out of memory");
        if (!rc) {
            f->gaps[f->n_gaps - 1].account_name = v[5];    /* the gap owns it */
            v[5] = NULL;
        }
        for (int k = 0; k < 6; k++)
            free(v[k]);
        if (rc)
            return rc;
    }
    *r->where = '\0';
    return 0;
}

static int u64(rd *r, json_object *o, const char *key, uint64_t *out)
{
    int64_t v;
    int rc = i64(r, o, key, &v);
    if (!rc && v < 0)
        rc = fail(r, AWS_EPARSE, "%s is negative", key);
    *out = rc ? 0 : (uint64_t)v;
    return rc;
}

static int stats_from(rd *r, json_object *doc, scanner_stats *st)
{
    json_object *o = member(doc, "stats");
    int rc;
    if (!o || !json_object_is_type(o, json_type_object))
        return fail(r, AWS_EPARSE, "no stats");
    snprintf(r->where, sizeof(r->where), "stats");
    if ((rc = u64(r, o, "accounts", &st->accounts)) != 0 ||
        (rc = u64(r, o, "regions", &st->regions)) != 0 ||
        (rc = u64(r, o, "account_regions", &st->account_regions)) != 0 ||
        (rc = u64(r, o, "certificates", &st->certificates)) != 0 ||
        (rc = u64(r, o, "api_calls", &st->api_calls)) != 0 ||
        (rc = u64(r, o, "retries", &st->retries)) != 0 ||
        (rc = u64(r, o, "throttled", &st->throttled)) != 0 ||
        (rc = i64(r, o, "wall_ms", &st->wall_ms)) != 0)
        return rc;
    /* Reading-less counts (issue 14) and DNS lookups: absent from reports of
     * earlier versions. */
    static const char *const acm_keys[] = { "describes", "describes_saved", "detail_cache_hits",
                                            "apigw_stage_calls", "apigw_stage_reads_saved",
                                            "dns_lookups" };
    uint64_t *acm_vals[] = { &st->describes, &st->describes_saved, &st->detail_cache_hits,
                             &st->apigw_stage_calls, &st->apigw_stage_reads_saved,
                             &st->dns_lookups };
    for (size_t i = 0; i < sizeof(acm_keys) / sizeof(acm_keys[0]); i++) {
        json_object *v = member(o, acm_keys[i]);
        if (v && !json_object_is_type(v, json_type_null) &&
            (rc = u64(r, o, acm_keys[i], acm_vals[i])) != 0)
            return rc;
    }
    json_object *sh = member(o, "shard");
    if (sh && !json_object_is_type(sh, json_type_null)) {
        const char *s = json_object_is_type(sh, json_type_string) ? json_object_get_string(sh) : "";
        int k = 0, n = 0, used = 0;
        if (sscanf(s, "%d/%d%n", &k, &n, &used) != 2 || s[used] || n < 2 || k < 1 || k > n)
            return fail(r, AWS_EPARSE, "shard is not K/N");
        st->shard_index = k;
        st->shard_count = n;
    }
    *r->where = '\0';
    return 0;
}

int report_read_doc(const char *text, size_t len, report_doc *d, char *why, size_t why_len)
{
    rd r = { why, why_len, "" };
    *why = '\0';
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return fail(&r, AWS_ENOMEM, "out of memory");
    json_object *doc = len <= (size_t)INT32_MAX ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    json_tokener_free(tok);
    int rc;
    if (!doc || jerr != json_tokener_success) {
        json_object_put(doc);
        return fail(&r, AWS_EPARSE, "not a JSON document (%s)", json_tokener_error_desc(jerr));
    }
    json_object *schema = member(doc, "schema");
    const char *sv = schema && json_object_is_type(schema, json_type_string)
                   ? json_object_get_string(schema) : NULL;
    if (!json_object_is_type(doc, json_type_object) || !sv) {
        rc = fail(&r, AWS_EPARSE, "not a certsweep JSON report (no schema; write it with --format json)");
    } else if (strcmp(sv, REPORT_SCHEMA) != 0) {
        rc = fail(&r, AWS_EINVAL, "schema is \"%.64s\", this certsweep reads \"%s\"", sv, REPORT_SCHEMA);
    } else if (!member(doc, "as_of") || json_object_is_type(member(doc, "as_of"), json_type_null)) {
        rc = fail(&r, AWS_EPARSE, "no as_of");
    } else if ((rc = tm(&r, doc, "as_of", &d->as_of)) == 0 &&
               (rc = findings_from(&r, doc, "findings", 1, &d->f, 0)) == 0 &&
               (rc = gaps_from(&r, doc, &d->f)) == 0 &&
               (rc = findings_from(&r, doc, "resolved", 0, &d->f, 1)) == 0) {
        rc = stats_from(&r, doc, &d->st);
    }
    json_object_put(doc);
    if (rc) {
        report_doc_finish(d);
        return rc;
    }
    scanner_stats_tally(&d->st, &d->f);
    return 0;
}

int report_read_file(const char *path, report_doc *d, char *why, size_t why_len)
{
    aws_buf b;
    aws_buf_init(&b, REPORT_READ_MAX);
    int rc = aws_buf_read_file(&b, path);
    if (rc == AWS_ETOOBIG)
        snprintf(why, why_len, "larger than %u MiB", REPORT_READ_MAX >> 20);
    else if (rc)
        snprintf(why, why_len, "cannot read: %s", rc == AWS_ENOMEM ? "out of memory" : strerror(errno));
    else
        rc = report_read_doc(b.data ? b.data : "", b.len, d, why, why_len);
    aws_buf_finish(&b);
    return rc;
}

static int has_id(const scanner_finding *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0)
            return 1;
    return 0;
}

/* Moves the findings of src whose id dst lacks into dst (resolved: the
 * resolved lists); the others stay in src, to be freed with it. */
static int move_new(scanner_finding *src, size_t n, scanner_findings *dst, int resolved)
{
    for (size_t i = 0; i < n; i++) {
        if (has_id(resolved ? dst->resolved : dst->v, resolved ? dst->n_resolved : dst->n, src[i].id))
            continue;
        int rc = resolved ? scanner_findings_add_resolved(dst, &src[i]) : scanner_findings_add(dst, &src[i]);
        if (rc)
            return rc;
        memset(&src[i], 0, sizeof(src[i]));
    }
    return 0;
}

int report_read_json(const char *text, size_t len, scanner_findings *f, int64_t *as_of,
                     char *err, size_t errlen)
{
    report_doc d;
    report_doc_init(&d);
    int rc = report_read_doc(text, len, &d, err, errlen);
    if (rc)
        return rc;
    rc = move_new(d.f.v, d.f.n, f, 0);
    if (!rc)
        rc = move_new(d.f.resolved, d.f.n_resolved, f, 1);
    for (size_t i = 0; !rc && i < d.f.n_gaps; i++)
        rc = scanner_findings_copy_gap(f, &d.f.gaps[i]);
    if (!rc && as_of)
        *as_of = d.as_of;
    if (rc)
        snprintf(err, errlen, "out of memory");
    report_doc_finish(&d);
    return rc;
}

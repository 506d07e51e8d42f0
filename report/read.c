/* certsweep — reading saved JSON reports back. */
#include "report/read.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/error.h"
#include "scanner/rules.h"

static const char *str(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int64_t time_of(json_object *o, const char *key)
{
    int64_t t = 0;
    const char *s = str(o, key);
    if (s && aws_time_parse(s, &t) != 0)
        t = 0;
    return t;
}

static int has_id(const scanner_finding *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0)
            return 1;
    return 0;
}

/* One finding object -> fd (strings owned by fd). */
static int finding_of(json_object *o, scanner_finding *fd, const char *where, char *err,
                      size_t errlen)
{
    memset(fd, 0, sizeof(*fd));
    const char *id = str(o, "id"), *rule = str(o, "rule"), *sev = str(o, "severity");
    const char *acct = str(o, "account_id"), *region = str(o, "region");
    const scanner_rule *r = rule ? scanner_rule_find(rule) : NULL;
    if (!id || strlen(id) >= sizeof(fd->id) || !acct || !region || !sev) {
        snprintf(err, errlen, "%s: a finding lacks id, severity, account_id or region", where);
        return AWS_EPARSE;
    }
    if (!r) {
        snprintf(err, errlen, "%s: finding %s: unknown rule '%s'", where, id, rule ? rule : "");
        return AWS_EINVAL;
    }
    if (scanner_severity_parse(sev, &fd->severity) != 0) {
        snprintf(err, errlen, "%s: finding %s: unknown severity '%s'", where, id, sev);
        return AWS_EPARSE;
    }
    snprintf(fd->id, sizeof(fd->id), "%s", id);
    fd->rule = r->id;
    fd->remediation = r->remediation;
    fd->account_id = strdup(acct);
    fd->region = strdup(region);
    fd->resource_type = dup_or_null(str(o, "resource_type"));
    fd->resource_arn = dup_or_null(str(o, "resource_arn"));
    fd->resource_id = dup_or_null(str(o, "resource_id"));
    fd->domain = dup_or_null(str(o, "domain"));
    fd->title = dup_or_null(str(o, "title"));
    fd->details = dup_or_null(str(o, "details_text"));
    fd->console_url = dup_or_null(str(o, "console_url"));
    fd->not_after = time_of(o, "not_after");
    json_object *v = NULL;
    if (json_object_object_get_ex(o, "days_to_expiry", &v) && json_object_is_type(v, json_type_int))
        fd->days_to_expiry = json_object_get_int64(v);
    const char *label = str(o, "label");
    static const struct { const char *name; scanner_label l; } labels[] = {
        { "new", SCANNER_LABEL_NEW }, { "escalated", SCANNER_LABEL_ESCALATED },
        { "unchanged", SCANNER_LABEL_UNCHANGED }, { "resolved", SCANNER_LABEL_RESOLVED },
    };
    for (size_t i = 0; label && i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(label, labels[i].name) == 0)
            fd->label = labels[i].l;
    const char *prev = str(o, "previous_severity");
    if (!prev || scanner_severity_parse(prev, &fd->prev_severity) != 0)
        fd->prev_severity = fd->severity;
    fd->first_seen = time_of(o, "first_seen");
    json_object *sp = NULL;
    if (json_object_object_get_ex(o, "suppressed", &sp) && sp) {
        fd->suppressed_by = strdup(str(sp, "by") ? str(sp, "by") : "suppressed");
        fd->suppressed_reason = dup_or_null(str(sp, "reason"));
    }
    if (!fd->account_id || !fd->region) {
        scanner_finding_release(fd);
        return AWS_ENOMEM;
    }
    return 0;
}

static int array_of(json_object *doc, const char *key, json_object **out, int required,
                    char *err, size_t errlen)
{
    *out = NULL;
    if (!json_object_object_get_ex(doc, key, out) || !*out) {
        if (!required)
            return 0;
        snprintf(err, errlen, "no \"%s\" array: not a certsweep JSON report", key);
        return AWS_EPARSE;
    }
    if (!json_object_is_type(*out, json_type_array)) {
        snprintf(err, errlen, "\"%s\" is not an array", key);
        return AWS_EPARSE;
    }
    return 0;
}

int report_read_json(const char *text, size_t len, scanner_findings *f, int64_t *as_of,
                     char *err, size_t errlen)
{
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok)
        return AWS_ENOMEM;
    json_object *doc = len <= REPORT_READ_MAX ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    json_tokener_free(tok);
    if (!doc || !json_object_is_type(doc, json_type_object)) {
        snprintf(err, errlen, "not a JSON object%s", len > REPORT_READ_MAX ? " (too large)" : "");
        json_object_put(doc);
        return AWS_EPARSE;
    }
    const char *schema = str(doc, "schema");
    json_object *fa, *ra, *ga;
    int rc = 0;
    if (!schema || strncmp(schema, "certsweep.scan/", 15) != 0) {
        snprintf(err, errlen, "schema is '%s', not certsweep.scan/1: not a certsweep JSON report",
                 schema ? schema : "");
        rc = AWS_EPARSE;
    }
    if (rc == 0)
        rc = array_of(doc, "findings", &fa, 1, err, errlen);
    if (rc == 0)
        rc = array_of(doc, "resolved", &ra, 0, err, errlen);
    if (rc == 0)
        rc = array_of(doc, "coverage_gaps", &ga, 1, err, errlen);
    /* Everything is parsed first, then added: f is unchanged on failure. */
    scanner_findings tmp;
    scanner_findings_init(&tmp);
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        json_object *arr = pass ? ra : fa;
        for (size_t i = 0; rc == 0 && arr && i < json_object_array_length(arr); i++) {
            char where[48];
            snprintf(where, sizeof(where), "%s[%zu]", pass ? "resolved" : "findings", i);
            scanner_finding fd;
            rc = finding_of(json_object_array_get_idx(arr, i), &fd, where, err, errlen);
            if (rc)
                break;
            if (pass)
                fd.label = SCANNER_LABEL_RESOLVED;
            rc = pass ? scanner_findings_add_resolved(&tmp, &fd) : scanner_findings_add(&tmp, &fd);
        }
    }
    for (size_t i = 0; rc == 0 && i < json_object_array_length(ga); i++) {
        json_object *g = json_object_array_get_idx(ga, i);
        const char *a = str(g, "account_id"), *r = str(g, "region"), *op = str(g, "operation");
        if (!a || !r || !op) {
            snprintf(err, errlen, "coverage_gaps[%zu]: lacks account_id, region or operation", i);
            rc = AWS_EPARSE;
            break;
        }
        rc = scanner_findings_add_gap(&tmp, a, r, op, str(g, "error_code") ? str(g, "error_code")
                                      : "", str(g, "message") ? str(g, "message") : "");
    }
    if (rc == 0 && as_of)
        *as_of = time_of(doc, "as_of");
    json_object_put(doc);
    /* Merge: a finding id already in f is kept once. */
    for (size_t i = 0; rc == 0 && i < tmp.n; i++)
        if (!has_id(f->v, f->n, tmp.v[i].id)) {
            rc = scanner_findings_add(f, &tmp.v[i]);
            memset(&tmp.v[i], 0, sizeof(tmp.v[i]));
        }
    for (size_t i = 0; rc == 0 && i < tmp.n_resolved; i++)
        if (!has_id(f->resolved, f->n_resolved, tmp.resolved[i].id)) {
            rc = scanner_findings_add_resolved(f, &tmp.resolved[i]);
            memset(&tmp.resolved[i], 0, sizeof(tmp.resolved[i]));
        }
    for (size_t i = 0; rc == 0 && i < tmp.n_gaps; i++) {
        const scanner_gap *g = &tmp.gaps[i];
        rc = scanner_findings_add_gap(f, g->account_id, g->region, g->operation, g->error_code,
                                      g->message);
    }
    scanner_findings_finish(&tmp);
    return rc;
}

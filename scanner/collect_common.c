/* certsweep — what the collectors share: string lists, JSON/XML field
 * readers, and the counted calls of a scan target. */
#include "scanner/collect.h"

#include "aws/awstime.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/proto.h"
#include "aws/text.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- string lists ------------------------------------------------------- */

void scanner_strv_init(scanner_strv *l)
{
    memset(l, 0, sizeof(*l));
}

int scanner_strv_add(scanner_strv *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    char *copy = strdup(s ? s : "");
    if (!copy)
        return AWS_ENOMEM;
    l->v[l->n++] = copy;
    return 0;
}

int scanner_strv_contains(const scanner_strv *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

void scanner_strv_finish(scanner_strv *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---- JSON / XML field readers -------------------------------------------- */

#define JSON_MAX_DEPTH 32

static struct json_object *parse_object(const char *body, size_t len, char *err,
                                        size_t errlen);

struct json_object *scanner_json_parse(const char *body, size_t len,
                                       char *err, size_t errlen)
{
    if (!body || len == 0) {
        snprintf(err, errlen, "empty response body");
        return NULL;
    }
    if (len > SCANNER_MAX_BODY || len > (size_t)INT32_MAX) {
        snprintf(err, errlen, "response body of %zu bytes is over the cap", len);
        return NULL;
    }
    /* Invalid UTF-8 (only possible inside strings) becomes U+FFFD before
     * parsing: every string read from the answer is then valid UTF-8. */
    char *fixed = NULL;
    if (!aws_utf8_valid(body, len)) {
        if (!(fixed = aws_utf8_repair(body, len, &len))) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        body = fixed;
        if (len > (size_t)INT32_MAX) {
            free(fixed);
            snprintf(err, errlen, "response body of %zu bytes is over the cap", len);
            return NULL;
        }
    }
    struct json_object *o = parse_object(body, len, err, errlen);
    free(fixed);
    return o;
}

static struct json_object *parse_object(const char *body, size_t len, char *err, size_t errlen)
{
    struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
    if (!tok) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    if (!o || je != json_tokener_success) {
        snprintf(err, errlen, "response is not valid JSON (%s)",
                 je == json_tokener_continue ? "truncated" : json_tokener_error_desc(je));
        json_object_put(o);
        json_tokener_free(tok);
        return NULL;
    }
    /* Anything but whitespace after the document is an error. */
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    for (size_t i = used; i < len; i++) {
        if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r' && body[i] != '\t') {
            snprintf(err, errlen, "response has trailing data after the JSON document");
            json_object_put(o);
            return NULL;
        }
    }
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "response is JSON but not an object");
        json_object_put(o);
        return NULL;
    }
    return o;
}

const char *scanner_json_str(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int scanner_json_time(struct json_object *obj, const char *key, int64_t *out)
{
    struct json_object *v;
    *out = 0;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
        return 0;
    /* One accepted range for every form (aws/awstime.h). */
    if (json_object_is_type(v, json_type_int)) {
        errno = 0;
        int64_t t = json_object_get_int64(v);
        if (errno || !aws_time_in_range(t))
            return AWS_EPARSE;
        *out = t;
        return 1;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d < (double)AWS_TIME_MIN || d >= (double)AWS_TIME_MAX + 1.0)
            return AWS_EPARSE;
        *out = (int64_t)floor(d);
        return 1;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        if (aws_time_parse(s, out) != 0) {
            *out = 0;
            return AWS_EPARSE;
        }
        return 1;
    }
    return AWS_EPARSE;
}

int scanner_xml_time(const char *text, int64_t *out)
{
    *out = 0;
    if (!text || !*text)
        return 0;
    if (aws_time_parse(text, out) != 0) {
        *out = 0;
        return AWS_EPARSE;
    }
    return 1;
}

struct aws_xml_node *scanner_xml_parse(const char *body, size_t len, const char *root,
                                       char *err, size_t errlen)
{
    aws_xml_node *doc = NULL;
    char *fixed = NULL;
    /* As for JSON: invalid UTF-8 becomes U+FFFD (expat would refuse the
     * whole answer for one bad name). */
    if (body && len && len <= SCANNER_MAX_BODY && !aws_utf8_valid(body, len)) {
        if (!(fixed = aws_utf8_repair(body, len, &len))) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        body = fixed;
    }
    if (!body || len == 0 || len > (fixed ? 3 * (size_t)SCANNER_MAX_BODY : SCANNER_MAX_BODY) ||
        aws_xml_parse(body, len, &doc) != 0 || !doc) {
        snprintf(err, errlen, "response is not a valid XML document");
        aws_xml_free(doc);
        free(fixed);
        return NULL;
    }
    free(fixed);
    if (strcmp(doc->name, root) != 0) {
        snprintf(err, errlen, "response is not a %s", root);
        aws_xml_free(doc);
        return NULL;
    }
    return doc;
}

const char *scanner_arn_partition(const char *arn, char *buf, size_t n)
{
    snprintf(buf, n, "aws");
    if (!arn || strncmp(arn, "arn:", 4) != 0)
        return buf;
    const char *p = arn + 4;
    const char *e = strchr(p, ':');
    if (!e || e == p || (size_t)(e - p) >= n)
        return buf;
    memcpy(buf, p, (size_t)(e - p));
    buf[e - p] = '\0';
    return buf;
}

int scanner_json_token(struct json_object *obj, const char *key, char **out)
{
    *out = NULL;
    const char *s = scanner_json_str(obj, key);
    if (s && *s && !(*out = strdup(s)))
        return AWS_ENOMEM;
    return 0;
}

void scanner_note_bad(size_t *bad, char *err, size_t errlen, const char *fmt, ...)
{
    if ((*bad)++)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* The reason quotes remote text (names, ARNs): keep it one line. */
    scanner_one_line(err, errlen);
}

void scanner_one_line(char *s, size_t n)
{
    if (!s || n < 5 || !*s)
        return;
    char *copy = strdup(s);
    if (copy)
        aws_text_show_buf(copy, s, n);
    free(copy);
}

int scanner_bad_result(size_t bad, char *err, size_t errlen)
{
    if (!bad)
        return 0;
    if (bad > 1) {
        size_t l = strlen(err);
        if (l < errlen)
            snprintf(err + l, errlen - l, " (and %zu more unreadable items)", bad - 1);
    }
    return AWS_EPARSE;
}

int scanner_reads_all(const config *cfg)
{
    return !cfg || (cfg->describe && strcmp(cfg->describe, "all") == 0);
}

/* ---- targets ------------------------------------------------------------- */

void scanner_target_init(scanner_target *t)
{
    memset(t, 0, sizeof(*t));
    scanner_record_set_init(&t->set);
    snprintf(t->partition, sizeof(t->partition), "aws");
}

void scanner_target_finish(scanner_target *t)
{
    scanner_acm_describes_free(t);
    scanner_record_set_finish(&t->set);
}

static void maybe_done(scanner_target *t)
{
    if (t->pending == 0 && t->started == 0 && t->done)
        t->done(t);
}

int scanner_target_add_record(scanner_target *t, scanner_record *r)
{
    size_t from = t->set.n;
    int rc = scanner_record_set_add(&t->set, r);
    if (rc == 0)
        scanner_target_records_read(t, from);
    return rc;
}

void scanner_target_records_read(scanner_target *t, size_t from)
{
    for (size_t i = from; t->record_read && i < t->set.n; i++)
        t->record_read(t, t->set.v[i]);
}

void scanner_target_hold(scanner_target *t)
{
    t->started++;
}

void scanner_target_release(scanner_target *t)
{
    t->started--;
    maybe_done(t);
}

static void mark_incomplete(scanner_target *t, int src)
{
    if (src >= 0)
        scanner_record_set_mark_incomplete(&t->set, (scanner_source)src);
}

static void target_vgap(scanner_target *t, int src, const char *op, const char *code,
                        const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    mark_incomplete(t, src);
    aws_log_warn("%s/%s/%s: %s: %s", t->account_id, t->region, op, code, msg);
    if (t->gaps)
        scanner_findings_add_gap(t->gaps, t->account_id, t->region, op, code, msg);
}

void scanner_target_gap(scanner_target *t, const char *op, const char *code,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    target_vgap(t, -1, op, code, fmt, ap);
    va_end(ap);
}

void scanner_target_source_gap(scanner_target *t, scanner_source src,
                               const char *op, const char *code,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    target_vgap(t, (int)src, op, code, fmt, ap);
    va_end(ap);
}

void scanner_target_parse_gap(scanner_target *t, scanner_source src,
                              const char *op, const char *what, int rc,
                              const char *err)
{
    t->parse_errors++;
    scanner_target_source_gap(t, src, op, "ParseError", "%s%s%s", what ? what : "",
                              what ? ": " : "", rc == AWS_EPARSE ? err : aws_strerror(rc));
}

aws_call scanner_target_call_init(const scanner_target *t, aws_service svc,
                                  aws_proto proto, const char *op)
{
    aws_call call;
    memset(&call, 0, sizeof(call));
    call.service = svc;
    call.region = t->call_region;
    call.rate_key = t->account_id;
    call.creds = t->creds;
    call.proto = proto;
    call.op = op;
    call.max_response = SCANNER_MAX_BODY;
    return call;
}

struct call_ctx {
    scanner_target *t;
    scanner_call_handler handler;
    void *ud;
    int src;                        /* scanner_source, or -1 */
    char op[64];
};

static void on_call(const aws_result *r, void *ud)
{
    struct call_ctx *cc = ud;
    scanner_target *t = cc->t;
    if (r->err != 0) {
        const char *code = (r->code && *r->code) ? r->code : aws_error_code(r->err);
        const char *msg = (r->message && *r->message) ? r->message : aws_strerror(r->err);
        mark_incomplete(t, cc->src);
        scanner_target_gap(t, cc->op, code, "%s", msg);
    }
    if (cc->handler)
        cc->handler(t, r, cc->ud);
    free(cc);
    t->pending--;
    maybe_done(t);
}

static int target_call(scanner_target *t, int src, const aws_call *call,
                       scanner_call_handler handler, void *ud)
{
    struct call_ctx *cc = calloc(1, sizeof(*cc));
    if (!cc) {
        mark_incomplete(t, src);
        scanner_target_gap(t, call->op, "InternalError", "out of memory");
        return AWS_ENOMEM;
    }
    cc->t = t;
    cc->handler = handler;
    cc->ud = ud;
    cc->src = src;
    snprintf(cc->op, sizeof(cc->op), "%s", call->op ? call->op : "?");
    t->pending++;
    t->api_calls++;
    int rc = aws_client_call(t->client, call, on_call, cc);
    if (rc != 0) {
        t->pending--;
        t->api_calls--;
        mark_incomplete(t, src);
        scanner_target_gap(t, cc->op, "InternalError", "could not start the call: %s",
                           aws_strerror(rc));
        free(cc);
        return rc;
    }
    return 0;
}

int scanner_target_call(scanner_target *t, const aws_call *call,
                        scanner_call_handler handler, void *ud)
{
    return target_call(t, -1, call, handler, ud);
}

int scanner_target_call_src(scanner_target *t, scanner_source src,
                            const aws_call *call, scanner_call_handler handler,
                            void *ud)
{
    return target_call(t, (int)src, call, handler, ud);
}

int scanner_target_page(scanner_target *t, scanner_source src, const char *op,
                        scanner_pager *pg, const char *next)
{
    int v = scanner_pager_next(pg, next);
    if (v == SCANNER_PAGER_MORE)
        return 1;
    if (v != SCANNER_PAGER_DONE) {
        char msg[256];
        scanner_pager_message(pg, v, msg, sizeof(msg));
        scanner_target_source_gap(t, src, op, scanner_pager_code(v), "%s", msg);
    }
    return 0;
}

void scanner_target_oom(scanner_target *t, scanner_source src, const char *op)
{
    scanner_target_source_gap(t, src, op, "InternalError", "out of memory");
}

/* certsweep — names, OU paths and tags on the findings. */
#include "scanner/enrich.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/proto.h"
#include "scanner/collect.h"
#include "scanner/pager.h"
#include "scanner/tags.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsers ------------------------------------------------------------- */

int scanner_acm_parse_tags(const char *body, size_t len, scanner_tags *tags,
                           char *err, size_t errlen)
{
    json_object *o = scanner_json_parse(body, len, err, errlen), *list = NULL;
    if (!o)
        return AWS_EPARSE;
    int rc = 0;
    if (json_object_object_get_ex(o, "Tags", &list) && list &&
        !json_object_is_type(list, json_type_array)) {
        snprintf(err, errlen, "Tags is not a list");
        rc = AWS_EPARSE;
    } else {
        rc = scanner_tags_from_list(tags, list);
    }
    json_object_put(o);
    return rc;
}

int scanner_iam_parse_cert_tags(const char *body, size_t len, scanner_tags *tags,
                                char **marker, char *err, size_t errlen)
{
    *marker = NULL;
    aws_xml_node *doc = scanner_xml_parse(body, len, "ListServerCertificateTagsResponse",
                                          err, errlen);
    if (!doc)
        return AWS_EPARSE;
    int rc = 0;
    const aws_xml_node *res = aws_xml_child(doc, "ListServerCertificateTagsResult");
    if (!res) {
        snprintf(err, errlen, "response is not a ListServerCertificateTagsResponse");
        rc = AWS_EPARSE;
        goto out;
    }
    const aws_xml_node *list = aws_xml_child(res, "Tags");
    for (const aws_xml_node *m = list ? list->children : NULL; m && rc == 0; m = m->next) {
        const char *k = strcmp(m->name, "member") == 0 ? aws_xml_text(m, "Key") : NULL;
        if (k && *k)
            rc = scanner_tags_add(tags, k, aws_xml_text(m, "Value"));
    }
    const char *trunc = aws_xml_text(res, "IsTruncated");
    const char *mk = aws_xml_text(res, "Marker");
    if (rc == 0 && trunc && strcmp(trunc, "true") == 0) {
        if (!mk || !*mk) {
            snprintf(err, errlen, "IsTruncated is true but no Marker was sent");
            rc = AWS_EPARSE;
        } else if (!(*marker = strdup(mk))) {
            rc = AWS_ENOMEM;
        }
    }
out:
    aws_xml_free(doc);
    return rc;
}

/* ---- I/O ----------------------------------------------------------------- */

typedef struct run {
    scanner_enrich_opts *o;
    scanner_findings *f;
    size_t pending;
    int oom;
} run;

/* One resource's tags: every finding with the same account, region and
 * resource gets them. */
typedef struct ask {
    run *r;
    scanner_source src;
    const scanner_finding *first;   /* the finding that names the resource */
    scanner_tags tags;
    scanner_pager pg;
    aws_creds_provider *creds;
    char call_region[32];
} ask;

static void gap(run *r, const char *account, const char *region, const char *op,
                const char *code, const char *msg)
{
    aws_log_warn("%s/%s/%s: %s: %s (the finding keeps no tags)", account, region, op, code, msg);
    if (scanner_findings_add_gap(r->f, account, region, op, code, msg) != 0)
        r->oom = 1;
}

static int same_resource(const scanner_finding *a, const scanner_finding *b)
{
    return a->source == b->source && strcmp(a->account_id, b->account_id) == 0 &&
           strcmp(a->region, b->region) == 0 &&
           strcmp(a->resource_arn ? a->resource_arn : "", b->resource_arn ? b->resource_arn : "") == 0;
}

static void ask_done(ask *q)
{
    run *r = q->r;
    /* q->first points into r->f->v, which grows only by gaps here. */
    for (size_t i = 0; !r->oom && i < r->f->n; i++) {
        scanner_finding *fd = &r->f->v[i];
        if (same_resource(fd, q->first) && fd->tags.n == 0 &&
            scanner_tags_copy(&fd->tags, &q->tags) != 0)
            r->oom = 1;
    }
    scanner_tags_finish(&q->tags);
    scanner_pager_finish(&q->pg);
    free(q);
    r->pending--;
}

static int ask_send(ask *q);

static void on_resource_tags(const aws_result *res, void *ud)
{
    ask *q = ud;
    run *r = q->r;
    const scanner_finding *fd = q->first;
    const char *op = q->src == SCANNER_SRC_ACM ? "ListTagsForCertificate"
                                                : "ListServerCertificateTags";
    if (res->err) {
        gap(r, fd->account_id, fd->region, op, *res->code ? res->code : aws_error_code(res->err),
            *res->message ? res->message : aws_strerror(res->err));
        scanner_tags_finish(&q->tags);      /* nothing half-read is shown */
        ask_done(q);
        return;
    }
    char err[200] = "", *marker = NULL;
    int rc = q->src == SCANNER_SRC_ACM
           ? scanner_acm_parse_tags(res->body, res->body_len, &q->tags, err, sizeof(err))
           : scanner_iam_parse_cert_tags(res->body, res->body_len, &q->tags, &marker,
                                         err, sizeof(err));
    if (rc) {
        gap(r, fd->account_id, fd->region, op, "ParseError",
            rc == AWS_EPARSE ? err : aws_strerror(rc));
        scanner_tags_finish(&q->tags);
        free(marker);
        ask_done(q);
        return;
    }
    int v = scanner_pager_next(&q->pg, marker);
    free(marker);
    if (v == SCANNER_PAGER_MORE && ask_send(q) == 0)
        return;
    if (v != SCANNER_PAGER_DONE) {
        char msg[256];
        scanner_pager_message(&q->pg, v, msg, sizeof(msg));
        gap(r, fd->account_id, fd->region, op,
            v == SCANNER_PAGER_MORE ? "InternalError" : scanner_pager_code(v), msg);
        scanner_tags_finish(&q->tags);
    }
    ask_done(q);
}

static int ask_send(ask *q)
{
    const scanner_finding *fd = q->first;
    aws_call call;
    memset(&call, 0, sizeof(call));
    call.region = q->call_region;
    call.rate_key = fd->account_id;
    call.creds = q->creds;
    call.max_response = SCANNER_MAX_BODY;
    aws_buf body;
    aws_buf_init(&body, 8192);
    int rc;
    if (q->src == SCANNER_SRC_ACM) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "CertificateArn", json_object_new_string(fd->resource_arn));
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
        rc = s ? aws_buf_puts(&body, s) : AWS_ENOMEM;
        json_object_put(o);
        call.service = AWS_SVC_ACM;
        call.proto = AWS_PROTO_JSON;
        call.op = "ListTagsForCertificate";
        call.target = "CertificateManager.ListTagsForCertificate";
        call.json_version = "1.1";
    } else {
        const char *marker = scanner_pager_token(&q->pg);
        rc = aws_query_add(&body, "Action", "ListServerCertificateTags");
        if (!rc)
            rc = aws_query_add(&body, "Version", "2010-05-08");
        if (!rc)
            rc = aws_query_add(&body, "ServerCertificateName", fd->resource_id);
        if (!rc && marker)
            rc = aws_query_add(&body, "Marker", marker);
        call.service = AWS_SVC_IAM;
        call.proto = AWS_PROTO_QUERY;
        call.op = "ListServerCertificateTags";
    }
    if (!rc) {
        call.body = body.data;
        call.body_len = body.len;
        rc = aws_client_call(q->r->o->client, &call, on_resource_tags, q);
    }
    aws_buf_finish(&body);
    return rc;
}

static const scanner_scanned_account *account_of(const scanner_scanned_account *accts, size_t n,
                                                 const char *id)
{
    for (size_t i = 0; id && i < n; i++)
        if (accts[i].account_id && strcmp(accts[i].account_id, id) == 0)
            return &accts[i];
    return NULL;
}

/* Asks for the tags of every resource that has a finding and whose
 * listing carried none (ACM, IAM), once per resource. */
static void ask_resources(run *r, const scanner_scanned_account *accts, size_t n_accts)
{
    scanner_findings *f = r->f;
    for (size_t i = 0; !r->oom && i < f->n; i++) {
        const scanner_finding *fd = &f->v[i];
        if (fd->source != SCANNER_SRC_ACM && fd->source != SCANNER_SRC_IAM_SERVER_CERT)
            continue;
        if (!fd->resource_arn || !*fd->resource_arn || !fd->resource_id)
            continue;
        int seen = 0;
        for (size_t k = 0; !seen && k < i; k++)
            seen = same_resource(&f->v[k], fd);
        const scanner_scanned_account *a = account_of(accts, n_accts, fd->account_id);
        if (seen || !a || !a->creds)
            continue;
        ask *q = calloc(1, sizeof(*q));
        if (!q) {
            r->oom = 1;
            break;
        }
        q->r = r;
        q->src = fd->source;
        q->first = fd;
        q->creds = a->creds;
        snprintf(q->call_region, sizeof(q->call_region), "%s",
                 fd->source == SCANNER_SRC_IAM_SERVER_CERT ? r->o->home_region : fd->region);
        scanner_pager_init(&q->pg);
        r->pending++;
        int rc = ask_send(q);
        if (rc) {
            gap(r, fd->account_id, fd->region, fd->source == SCANNER_SRC_ACM
                ? "ListTagsForCertificate" : "ListServerCertificateTags",
                "InternalError", aws_strerror(rc));
            ask_done(q);
        }
    }
}

typedef struct acct_ask {
    run *r;
    scanner_scanned_account *a;
} acct_ask;

static void on_account_tags(int err, const char *code, const char *message,
                            const scanner_tags *tags, void *ud)
{
    acct_ask *q = ud;
    run *r = q->r;
    if (err) {
        gap(r, q->a->account_id, "*", "ListTagsForResource", code, message);
    } else if (scanner_tags_copy(&q->a->tags, tags) != 0) {
        r->oom = 1;
    } else {
        q->a->tags_read = 1;
    }
    free(q);
    r->pending--;
}

static void ask_accounts(run *r, scanner_scanned_account *accts, size_t n_accts)
{
    for (size_t i = 0; !r->oom && i < n_accts; i++) {
        scanner_scanned_account *a = &accts[i];
        int has = 0;
        for (size_t k = 0; !has && k < r->f->n; k++)
            has = strcmp(r->f->v[k].account_id, a->account_id) == 0;
        if (!has || a->tags_read)
            continue;
        acct_ask *q = calloc(1, sizeof(*q));
        if (!q) {
            r->oom = 1;
            break;
        }
        q->r = r;
        q->a = a;
        r->pending++;
        int rc = scanner_account_tags(r->o->client, r->o->caller, r->o->home_region,
                                      a->account_id, on_account_tags, q);
        if (rc) {
            r->pending--;
            free(q);
            gap(r, a->account_id, "*", "ListTagsForResource", "InternalError", aws_strerror(rc));
        }
    }
}

static int dup_into(char **field, const char *v)
{
    if (!v || !*v || *field)
        return 0;
    return (*field = strdup(v)) ? 0 : AWS_ENOMEM;
}

int scanner_enrich(scanner_enrich_opts *o, scanner_scanned_account *accts, size_t n_accts,
                   scanner_findings *f)
{
    run r = { .o = o, .f = f };
    if (f->n == 0)
        return 0;
    if (o->account_tags)
        ask_accounts(&r, accts, n_accts);
    if (o->resource_tags)
        ask_resources(&r, accts, n_accts);
    while (r.pending)
        uv_run(o->loop, UV_RUN_ONCE);
    for (size_t i = 0; !r.oom && i < f->n; i++) {
        scanner_finding *fd = &f->v[i];
        const scanner_scanned_account *a = account_of(accts, n_accts, fd->account_id);
        if (!a)
            continue;
        if (dup_into(&fd->account_name, a->name) || dup_into(&fd->ou_path, a->ou_path) ||
            (a->tags_read && fd->account_tags.n == 0 &&
             scanner_tags_copy(&fd->account_tags, &a->tags) != 0))
            r.oom = 1;
    }
    return r.oom ? AWS_ENOMEM : 0;
}

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

/* One resource's tags (ACM certificate, IAM server certificate), asked
 * once; every finding about it gets them at the end. */
typedef struct ask {
    scanner_enrich *e;
    scanner_source src;
    char *account, *region, *arn, *name;
    aws_creds_provider *creds;      /* a reference while the call runs */
    char call_region[32];
    scanner_tags tags;
    int ok;                         /* read in full */
    scanner_pager pg;
} ask;

/* One account's tags. */
typedef struct acct_ask {
    scanner_enrich *e;
    char *account;
    scanner_tags tags;
    int ok;
} acct_ask;

struct scanner_enrich {
    scanner_enrich_opts o;
    scanner_findings *f;
    ask **asks;
    size_t n_asks, cap_asks;
    acct_ask **accts;
    size_t n_accts, cap_accts;
    size_t pending;
    int oom;
};

static int grow(void ***v, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void **nv = realloc(*v, nc * sizeof(*nv));
    if (!nv)
        return AWS_ENOMEM;
    *v = nv;
    *cap = nc;
    return 0;
}

static void gap(scanner_enrich *e, const char *account, const char *region, const char *op,
                const char *code, const char *msg)
{
    aws_log_warn("%s/%s/%s: %s: %s (the finding keeps no tags)", account, region, op, code, msg);
    if (scanner_findings_add_gap(e->f, account, region, op, code, msg) != 0)
        e->oom = 1;
}

static const char *ask_op(const ask *q)
{
    return q->src == SCANNER_SRC_ACM ? "ListTagsForCertificate" : "ListServerCertificateTags";
}

static void ask_end(ask *q, int ok)
{
    q->ok = ok;
    if (!ok)
        scanner_tags_finish(&q->tags);      /* nothing half-read is shown */
    scanner_pager_finish(&q->pg);
    aws_creds_provider_unref(q->creds);
    q->creds = NULL;
    q->e->pending--;
}

static int ask_send(ask *q);

static void on_resource_tags(const aws_result *res, void *ud)
{
    ask *q = ud;
    scanner_enrich *e = q->e;
    if (res->err) {
        gap(e, q->account, q->region, ask_op(q), *res->code ? res->code : aws_error_code(res->err),
            *res->message ? res->message : aws_strerror(res->err));
        ask_end(q, 0);
        return;
    }
    char err[200] = "", *marker = NULL;
    int rc = q->src == SCANNER_SRC_ACM
           ? scanner_acm_parse_tags(res->body, res->body_len, &q->tags, err, sizeof(err))
           : scanner_iam_parse_cert_tags(res->body, res->body_len, &q->tags, &marker,
                                         err, sizeof(err));
    if (rc) {
        gap(e, q->account, q->region, ask_op(q), "ParseError",
            rc == AWS_EPARSE ? err : aws_strerror(rc));
        free(marker);
        ask_end(q, 0);
        return;
    }
    int v = scanner_pager_next(&q->pg, marker);
    free(marker);
    if (v == SCANNER_PAGER_MORE && ask_send(q) == 0)
        return;
    if (v != SCANNER_PAGER_DONE) {
        char msg[256];
        scanner_pager_message(&q->pg, v, msg, sizeof(msg));
        gap(e, q->account, q->region, ask_op(q),
            v == SCANNER_PAGER_MORE ? "InternalError" : scanner_pager_code(v), msg);
        ask_end(q, 0);
        return;
    }
    ask_end(q, 1);
}

static int ask_send(ask *q)
{
    aws_call call;
    memset(&call, 0, sizeof(call));
    call.region = q->call_region;
    call.rate_key = q->account;
    call.creds = q->creds;
    call.max_response = SCANNER_MAX_BODY;
    aws_buf body;
    aws_buf_init(&body, 8192);
    int rc;
    if (q->src == SCANNER_SRC_ACM) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "CertificateArn", json_object_new_string(q->arn));
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
            rc = aws_query_add(&body, "ServerCertificateName", q->name);
        if (!rc && marker)
            rc = aws_query_add(&body, "Marker", marker);
        call.service = AWS_SVC_IAM;
        call.proto = AWS_PROTO_QUERY;
        call.op = "ListServerCertificateTags";
    }
    if (!rc) {
        call.body = body.data;
        call.body_len = body.len;
        rc = aws_client_call(q->e->o.client, &call, on_resource_tags, q);
    }
    aws_buf_finish(&body);
    return rc;
}

static int ask_is(const ask *q, const scanner_finding *fd)
{
    return q->src == fd->source && strcmp(q->account, fd->account_id) == 0 &&
           strcmp(q->region, fd->region) == 0 && strcmp(q->arn, fd->resource_arn) == 0;
}

static ask *ask_find(const scanner_enrich *e, const scanner_finding *fd)
{
    for (size_t i = 0; fd->resource_arn && i < e->n_asks; i++)
        if (ask_is(e->asks[i], fd))
            return e->asks[i];
    return NULL;
}

static void ask_free(ask *q)
{
    if (!q)
        return;
    free(q->account);
    free(q->region);
    free(q->arn);
    free(q->name);
    scanner_tags_finish(&q->tags);
    free(q);
}

/* Asks for the tags of the resource of fd (ACM, IAM), once. */
static void ask_resource(scanner_enrich *e, const scanner_finding *fd, aws_creds_provider *creds)
{
    if (fd->source != SCANNER_SRC_ACM && fd->source != SCANNER_SRC_IAM_SERVER_CERT)
        return;
    if (!fd->resource_arn || !*fd->resource_arn || !fd->resource_id || !*fd->resource_id ||
        ask_find(e, fd))
        return;
    ask *q = calloc(1, sizeof(*q));
    if (!q || grow((void ***)&e->asks, e->n_asks, &e->cap_asks) ||
        !(q->account = strdup(fd->account_id)) || !(q->region = strdup(fd->region)) ||
        !(q->arn = strdup(fd->resource_arn)) || !(q->name = strdup(fd->resource_id))) {
        ask_free(q);
        e->oom = 1;
        return;
    }
    e->asks[e->n_asks++] = q;
    q->e = e;
    q->src = fd->source;
    q->creds = aws_creds_provider_ref(creds);
    snprintf(q->call_region, sizeof(q->call_region), "%s",
             fd->source == SCANNER_SRC_IAM_SERVER_CERT ? e->o.home_region : fd->region);
    scanner_pager_init(&q->pg);
    e->pending++;
    int rc = ask_send(q);
    if (rc) {
        gap(e, q->account, q->region, ask_op(q), "InternalError", aws_strerror(rc));
        ask_end(q, 0);
    }
}

static void on_account_tags(int err, const char *code, const char *message,
                            const scanner_tags *tags, void *ud)
{
    acct_ask *q = ud;
    scanner_enrich *e = q->e;
    if (err)
        gap(e, q->account, "*", "ListTagsForResource", code, message);
    else if (scanner_tags_copy(&q->tags, tags) != 0)
        e->oom = 1;
    else
        q->ok = 1;
    e->pending--;
}

static acct_ask *acct_find(const scanner_enrich *e, const char *account)
{
    for (size_t i = 0; i < e->n_accts; i++)
        if (strcmp(e->accts[i]->account, account) == 0)
            return e->accts[i];
    return NULL;
}

static void ask_account(scanner_enrich *e, const char *account)
{
    if (acct_find(e, account))
        return;
    acct_ask *q = calloc(1, sizeof(*q));
    if (!q || grow((void ***)&e->accts, e->n_accts, &e->cap_accts) ||
        !(q->account = strdup(account))) {
        free(q);
        e->oom = 1;
        return;
    }
    e->accts[e->n_accts++] = q;
    q->e = e;
    e->pending++;
    int rc = scanner_account_tags(e->o.client, e->o.caller, e->o.home_region, account,
                                  on_account_tags, q);
    if (rc) {
        e->pending--;
        gap(e, account, "*", "ListTagsForResource", "InternalError", aws_strerror(rc));
    }
}

scanner_enrich *scanner_enrich_new(const scanner_enrich_opts *o, scanner_findings *f)
{
    scanner_enrich *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->o = *o;
    e->f = f;
    return e;
}

void scanner_enrich_add(scanner_enrich *e, size_t first, aws_creds_provider *creds, int org)
{
    for (size_t i = first; e && !e->oom && i < e->f->n; i++) {
        const scanner_finding *fd = &e->f->v[i];
        if (e->o.account_tags && org)
            ask_account(e, fd->account_id);
        if (e->o.resource_tags && creds)
            ask_resource(e, fd, creds);
    }
}

static int dup_into(char **field, const char *v)
{
    if (!v || !*v || *field)
        return 0;
    return (*field = strdup(v)) ? 0 : AWS_ENOMEM;
}

static const scanner_scanned_account *account_of(const scanner_scanned_account *accts, size_t n,
                                                 const char *id)
{
    for (size_t i = 0; id && i < n; i++)
        if (accts[i].account_id && strcmp(accts[i].account_id, id) == 0)
            return &accts[i];
    return NULL;
}

int scanner_enrich_finish(scanner_enrich *e, scanner_scanned_account *accts, size_t n_accts)
{
    if (!e)
        return 0;
    while (e->pending)
        uv_run(e->o.loop, UV_RUN_ONCE);
    int oom = e->oom;
    for (size_t i = 0; !oom && i < e->n_accts; i++) {
        acct_ask *q = e->accts[i];
        scanner_scanned_account *a = (scanner_scanned_account *)account_of(accts, n_accts,
                                                                           q->account);
        if (q->ok && a && !a->tags_read) {
            if (scanner_tags_copy(&a->tags, &q->tags) != 0)
                oom = 1;
            a->tags_read = 1;
        }
    }
    for (size_t i = 0; !oom && i < e->f->n; i++) {
        scanner_finding *fd = &e->f->v[i];
        const ask *q = ask_find(e, fd);
        const scanner_scanned_account *a = account_of(accts, n_accts, fd->account_id);
        if (q && q->ok && fd->tags.n == 0 && scanner_tags_copy(&fd->tags, &q->tags) != 0)
            oom = 1;
        if (a && (dup_into(&fd->account_name, a->name) || dup_into(&fd->ou_path, a->ou_path) ||
                  (a->tags_read && fd->account_tags.n == 0 &&
                   scanner_tags_copy(&fd->account_tags, &a->tags) != 0)))
            oom = 1;
    }
    for (size_t i = 0; !oom && i < e->f->n_gaps; i++) {
        scanner_gap *g = &e->f->gaps[i];
        const scanner_scanned_account *a = account_of(accts, n_accts, g->account_id);
        if (a && dup_into(&g->account_name, a->name))
            oom = 1;
    }
    for (size_t i = 0; i < e->n_asks; i++)
        ask_free(e->asks[i]);
    for (size_t i = 0; i < e->n_accts; i++) {
        free(e->accts[i]->account);
        scanner_tags_finish(&e->accts[i]->tags);
        free(e->accts[i]);
    }
    free(e->asks);
    free(e->accts);
    free(e);
    return oom ? AWS_ENOMEM : 0;
}

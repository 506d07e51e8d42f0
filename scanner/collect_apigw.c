/* certsweep — API Gateway v1 collector: client certificates, REST API
 * stages (which client certificate each stage presents to its backend) and
 * custom domain names.  rest-json; lists page with `position`.
 *
 * Reading less (issue 14): the list answers hold every field the rules
 * judge but the stages, which cost GetRestApis and one GetStages per REST
 * API.  They are read only when an enabled rule needs them
 * (scanner_apigw_stages_need in scanner/rules.c), or always with [scan]
 * describe = all; a target whose stages were not read leaves them
 * incomplete (no coverage gap, nothing resolved on them). */
#include "scanner/collect.h"

#include "aws/buf.h"
#include "aws/endpoints.h"
#include "aws/error.h"
#include "aws/log.h"
#include "scanner/rules.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One page of a paged API Gateway v1 answer: the list is "item" on the
 * wire (botocore's locationName); "items" is accepted as well. */
typedef struct page {
    struct json_object *o, *items;
    size_t bad;                     /* unreadable items */
} page;

static int page_open(page *p, const char *body, size_t len, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    if (!(p->o = scanner_json_parse(body, len, err, errlen)))
        return AWS_EPARSE;
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(p->o, "item", &v))
        json_object_object_get_ex(p->o, "items", &v);
    if (v && !json_object_is_type(v, json_type_array)) {
        snprintf(err, errlen, "item is not a list");
        return AWS_EPARSE;
    }
    p->items = v;
    return 0;
}

static size_t page_len(const page *p)
{
    return p->items ? json_object_array_length(p->items) : 0;
}

/* Item i when it has a non-empty string `key` (*name) and, when time_key
 * is set, a readable (or absent) timestamp (*when); NULL otherwise, the
 * item counted as unreadable. */
static struct json_object *page_item(page *p, size_t i, const char *key, const char **name,
                                     const char *time_key, int64_t *when,
                                     char *err, size_t errlen)
{
    struct json_object *it = json_object_array_get_idx(p->items, i);
    *name = scanner_json_str(it, key);
    if (!*name || !**name) {
        scanner_note_bad(&p->bad, err, errlen, "item[%zu]: no %s", i, key);
        return NULL;
    }
    if (time_key && scanner_json_time(it, time_key, when) < 0) {
        scanner_note_bad(&p->bad, err, errlen, "item[%zu]: %s is not a timestamp", i, time_key);
        return NULL;
    }
    return it;
}

/* Ends the page: rc, else the paging token (position may be NULL), else
 * AWS_EPARSE for unreadable items. */
static int page_close(page *p, int rc, char **position, char *err, size_t errlen)
{
    if (rc == 0 && position)
        rc = scanner_json_token(p->o, "position", position);
    if (rc == 0)
        rc = scanner_bad_result(p->bad, err, errlen);
    json_object_put(p->o);
    return rc;
}

static char *synth_arn(const char *region, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "arn:<partition>:apigateway:<region>::<path>" (API Gateway resources have
 * no account in their ARN). */
static char *synth_arn(const char *region, const char *fmt, ...)
{
    aws_buf buf;
    aws_buf_init(&buf, 2048);
    va_list ap;
    va_start(ap, fmt);
    int rc = aws_buf_printf(&buf, "arn:%s:apigateway:%s::", aws_region_partition(region),
                            region);
    if (rc == 0)
        rc = aws_buf_vprintf(&buf, fmt, ap);
    va_end(ap);
    if (rc) {
        aws_buf_finish(&buf);
        return NULL;
    }
    return aws_buf_take(&buf);
}

int scanner_apigw_parse_client_certs(const char *body, size_t len,
                                     const char *account, const char *region,
                                     scanner_record_set *out, char **position,
                                     char *err, size_t errlen)
{
    *position = NULL;
    page p;
    int rc = page_open(&p, body, len, err, errlen);
    for (size_t i = 0; rc == 0 && i < page_len(&p); i++) {
        const char *id;
        int64_t created = 0, expires = 0;
        struct json_object *it = page_item(&p, i, "clientCertificateId", &id, "createdDate",
                                           &created, err, errlen);
        if (!it)
            continue;
        if (scanner_json_time(it, "expirationDate", &expires) != 1) {
            scanner_note_bad(&p.bad, err, errlen,
                             "item[%zu]: expirationDate missing or not a timestamp", i);
            continue;
        }
        scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_CLIENT_CERT, account, region);
        char *arn = synth_arn(region, "/clientcertificates/%s", id);
        if (!r || !arn || scanner_str_set(&r->id, id)) {
            free(arn);
            scanner_record_free(r);
            rc = AWS_ENOMEM;
            break;
        }
        r->arn = arn;
        r->created_at = created;
        r->not_before = created;
        r->not_after = expires;
        /* tags: {"key": "value"}; anything else there is ignored. */
        struct json_object *tags = NULL;
        if (json_object_object_get_ex(it, "tags", &tags) &&
            json_object_is_type(tags, json_type_object)) {
            json_object_object_foreach(tags, tk, tv) {
                if (rc || !json_object_is_type(tv, json_type_string))
                    continue;
                rc = scanner_record_add_tag(r, tk, json_object_get_string(tv));
            }
        }
        if (rc) {
            scanner_record_free(r);
            break;
        }
        if ((rc = scanner_record_set_add(out, r)) != 0)
            break;                  /* the set freed r */
    }
    return page_close(&p, rc, position, err, errlen);
}

int scanner_apigw_parse_rest_apis(const char *body, size_t len,
                                  scanner_strv *ids, char **position,
                                  char *err, size_t errlen)
{
    *position = NULL;
    page p;
    int rc = page_open(&p, body, len, err, errlen);
    for (size_t i = 0; rc == 0 && i < page_len(&p); i++) {
        const char *id;
        if (page_item(&p, i, "id", &id, NULL, NULL, err, errlen))
            rc = scanner_strv_add(ids, id);
    }
    return page_close(&p, rc, position, err, errlen);
}

int scanner_apigw_parse_stages(const char *body, size_t len,
                               const char *account, const char *region,
                               const char *rest_api_id,
                               scanner_record_set *out, char *err, size_t errlen)
{
    page p;
    int rc = page_open(&p, body, len, err, errlen);
    for (size_t i = 0; rc == 0 && i < page_len(&p); i++) {
        const char *name;
        int64_t created = 0;
        struct json_object *it = page_item(&p, i, "stageName", &name, "createdDate", &created,
                                           err, errlen);
        if (!it)
            continue;
        const char *cc = scanner_json_str(it, "clientCertificateId");
        scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_STAGE, account, region);
        char *arn = synth_arn(region, "/restapis/%s/stages/%s", rest_api_id, name);
        aws_buf id;
        aws_buf_init(&id, 1024);
        if (!r || !arn || aws_buf_printf(&id, "%s/%s", rest_api_id, name) ||
            !(r->id = aws_buf_take(&id)) ||
            scanner_str_set(&r->client_certificate_id, cc ? cc : "")) {
            aws_buf_finish(&id);
            free(arn);
            scanner_record_free(r);
            rc = AWS_ENOMEM;
            break;
        }
        r->arn = arn;
        r->created_at = created;
        if ((rc = scanner_record_set_add(out, r)) != 0)
            break;                  /* the set freed r */
    }
    return page_close(&p, rc, NULL, err, errlen);
}

static int add_domain(scanner_record_set *out, struct json_object *it,
                      const char *account, const char *region,
                      const char *name, const char *cert_arn, int64_t uploaded)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_APIGW_DOMAIN, account, region);
    const char *arn_in = scanner_json_str(it, "domainNameArn");
    char *arn = arn_in ? strdup(arn_in) : synth_arn(region, "/domainnames/%s", name);
    if (!r || !arn || scanner_str_set(&r->id, name) ||
        scanner_str_set(&r->domain, name) ||
        scanner_str_set(&r->status, scanner_json_str(it, "domainNameStatus")) ||
        scanner_str_set(&r->certificate_arn, cert_arn)) {
        free(arn);
        scanner_record_free(r);
        return AWS_ENOMEM;
    }
    r->arn = arn;
    r->uploaded_at = uploaded;
    struct json_object *tags = NULL;
    json_object_object_get_ex(it, "tags", &tags);
    if (scanner_tags_from_json(&r->tags, tags) != 0) {
        scanner_record_free(r);
        return AWS_ENOMEM;
    }
    return scanner_record_set_add(out, r);   /* frees r on failure */
}

int scanner_apigw_parse_domains(const char *body, size_t len,
                                const char *account, const char *region,
                                scanner_record_set *out, char **position,
                                char *err, size_t errlen)
{
    *position = NULL;
    page p;
    int rc = page_open(&p, body, len, err, errlen);
    for (size_t i = 0; rc == 0 && i < page_len(&p); i++) {
        const char *name;
        int64_t uploaded = 0;
        struct json_object *it = page_item(&p, i, "domainName", &name, "certificateUploadDate",
                                           &uploaded, err, errlen);
        if (!it)
            continue;
        /* A domain serves its regional certificate, or (edge) the
         * us-east-1 one; both can be set during a migration: one record
         * each so neither is missed. */
        const char *certs[2] = {
            scanner_json_str(it, "regionalCertificateArn"),
            scanner_json_str(it, "certificateArn"),
        };
        if (certs[0] && certs[1] && strcmp(certs[0], certs[1]) == 0)
            certs[1] = NULL;
        int emitted = 0;
        for (int k = 0; k < 2 && rc == 0; k++) {
            if (certs[k] && *certs[k]) {
                rc = add_domain(out, it, account, region, name, certs[k], uploaded);
                emitted++;
            }
        }
        if (rc == 0 && !emitted)
            rc = add_domain(out, it, account, region, name, NULL, uploaded);
    }
    return page_close(&p, rc, position, err, errlen);
}

/* ---- I/O ----------------------------------------------------------------- */

enum list_kind { L_CLIENT_CERTS, L_REST_APIS, L_DOMAINS };

static const struct {
    const char *op, *path;
    scanner_source src;             /* what a failure leaves incomplete */
} kinds[] = {
    [L_CLIENT_CERTS] = { "GetClientCertificates", "/clientcertificates",
                         SCANNER_SRC_APIGW_CLIENT_CERT },
    [L_REST_APIS]    = { "GetRestApis", "/restapis", SCANNER_SRC_APIGW_STAGE },
    [L_DOMAINS]      = { "GetDomainNames", "/domainnames", SCANNER_SRC_APIGW_DOMAIN },
};

/* One listing in progress: its kind and its pager. */
typedef struct listing {
    scanner_pager pg;
    enum list_kind k;
    int stages_after;               /* client certificates: decide on the stages at the end */
} listing;

static void listing_free(listing *l)
{
    if (l) {
        scanner_pager_finish(&l->pg);
        free(l);
    }
}

static void list_page(scanner_target *t, listing *l);
static void list_start(scanner_target *t, enum list_kind k, int stages_after);

scanner_stage_need scanner_apigw_stages_plan(const scanner_apigw_reading *rd,
                                             const scanner_record_set *listed,
                                             const char **why)
{
    if (!rd || scanner_reads_all(rd->cfg)) {
        *why = "[scan] describe = all";
        return SCANNER_STAGES_READ;
    }
    return scanner_apigw_stages_need(listed, rd->cfg, rd->as_of, why);
}

/* Reads the stages, or notes that no rule needs them. */
static void stages_go(scanner_target *t, scanner_stage_need need, const char *why)
{
    if (need == SCANNER_STAGES_READ) {
        list_start(t, L_REST_APIS, 0);
        return;
    }
    aws_log_debug("%s/%s: REST API stages not read (%s)", t->account_id, t->region, why);
    t->stage_reads_saved++;
    scanner_record_set_mark_incomplete(&t->set, SCANNER_SRC_APIGW_STAGE);
}

/* Ends a listing (l may be NULL when it could not be made: kind k); the
 * end of the client certificates' listing decides on the stages when
 * that waited for it. */
static void listing_end(scanner_target *t, listing *l, enum list_kind k, int stages_after)
{
    listing_free(l);
    if (k != L_CLIENT_CERTS || !stages_after)
        return;
    const char *why = NULL;
    scanner_stage_need need = scanner_apigw_stages_plan(t->apigw, &t->set, &why);
    stages_go(t, need, why);
}

static void on_stages(scanner_target *t, const aws_result *res, void *ud)
{
    char *api_id = ud;
    if (res->err == 0) {
        char err[256] = "", what[300];
        int rc = scanner_apigw_parse_stages(res->body, res->body_len, t->account_id,
                                            t->region, api_id, &t->set, err, sizeof(err));
        snprintf(what, sizeof(what), "restapi %s", api_id);
        if (rc != 0)
            scanner_target_parse_gap(t, SCANNER_SRC_APIGW_STAGE, "GetStages", what, rc, err);
    }
    free(api_id);
}

static void get_stages(scanner_target *t, const char *api_id)
{
    aws_buf path;
    aws_buf_init(&path, 1024);
    char *ud = strdup(api_id);
    if (!ud || aws_buf_puts(&path, "/restapis/") ||
        aws_buf_urlencode(&path, api_id, strlen(api_id), 0) ||
        aws_buf_puts(&path, "/stages")) {
        scanner_target_source_gap(t, SCANNER_SRC_APIGW_STAGE, "GetStages", "InternalError",
                                  "out of memory");
        goto out;
    }
    aws_call call = scanner_target_call_init(t, AWS_SVC_APIGATEWAY, AWS_PROTO_REST_JSON,
                                             "GetStages");
    call.method = "GET";
    call.path = path.data;
    if (scanner_target_call_src(t, SCANNER_SRC_APIGW_STAGE, &call, on_stages, ud) == 0) {
        ud = NULL;
        t->stage_calls++;
    }
out:
    free(ud);
    aws_buf_finish(&path);
}

static void on_page(scanner_target *t, const aws_result *res, void *ud)
{
    listing *l = ud;
    enum list_kind k = l->k;
    if (res->err != 0) {
        listing_end(t, l, k, l->stages_after);
        return;
    }
    char err[256] = "";
    char *position = NULL;
    int rc;
    if (k == L_REST_APIS) {
        scanner_strv ids;
        scanner_strv_init(&ids);
        rc = scanner_apigw_parse_rest_apis(res->body, res->body_len, &ids, &position,
                                           err, sizeof(err));
        for (size_t i = 0; i < ids.n; i++)
            get_stages(t, ids.v[i]);
        scanner_strv_finish(&ids);
    } else if (k == L_CLIENT_CERTS) {
        rc = scanner_apigw_parse_client_certs(res->body, res->body_len, t->account_id,
                                              t->region, &t->set, &position, err, sizeof(err));
    } else {
        rc = scanner_apigw_parse_domains(res->body, res->body_len, t->account_id,
                                         t->region, &t->set, &position, err, sizeof(err));
    }
    if (rc != 0)
        scanner_target_parse_gap(t, kinds[k].src, kinds[k].op, NULL, rc, err);
    if (scanner_target_page(t, kinds[k].src, kinds[k].op, &l->pg, position))
        list_page(t, l);
    else
        listing_end(t, l, k, l->stages_after);
    free(position);
}

static void list_page(scanner_target *t, listing *l)
{
    enum list_kind k = l->k;
    const char *position = scanner_pager_token(&l->pg);
    aws_buf q;
    aws_buf_init(&q, 4096);
    if (aws_buf_puts(&q, "limit=500") ||
        (position && (aws_buf_puts(&q, "&position=") ||
                      aws_buf_urlencode(&q, position, strlen(position), 0)))) {
        scanner_target_source_gap(t, kinds[k].src, kinds[k].op, "InternalError",
                                  "paging token too long");
        aws_buf_finish(&q);
        listing_end(t, l, k, l->stages_after);
        return;
    }
    aws_call call = scanner_target_call_init(t, AWS_SVC_APIGATEWAY, AWS_PROTO_REST_JSON,
                                             kinds[k].op);
    call.method = "GET";
    call.path = kinds[k].path;
    call.query = q.data;
    if (scanner_target_call_src(t, kinds[k].src, &call, on_page, l) != 0)
        listing_end(t, l, k, l->stages_after);
    else if (k == L_REST_APIS)
        t->stage_calls++;
    aws_buf_finish(&q);
}

static void list_start(scanner_target *t, enum list_kind k, int stages_after)
{
    listing *l = malloc(sizeof(*l));
    if (!l) {
        scanner_target_oom(t, kinds[k].src, kinds[k].op);
        listing_end(t, NULL, k, stages_after);
        return;
    }
    scanner_pager_init(&l->pg);
    l->k = k;
    l->stages_after = stages_after;
    list_page(t, l);
}

void scanner_collect_apigw(scanner_target *t)
{
    /* When the stages depend on the client certificates, they wait for
     * that listing's end; otherwise all three start at once. */
    const char *why = NULL;
    scanner_stage_need need = scanner_apigw_stages_plan(t->apigw, NULL, &why);
    list_start(t, L_CLIENT_CERTS, need == SCANNER_STAGES_WAIT);
    if (need != SCANNER_STAGES_WAIT)
        stages_go(t, need, why);
    list_start(t, L_DOMAINS, 0);
}

/* certsweep — API Gateway v1 collector: client certificates, REST API
 * stages (which client certificate each stage presents to its backend) and
 * custom domain names.  rest-json; lists page with `position`. */
#include "scanner/collect.h"

#include "aws/buf.h"
#include "aws/error.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The list of a paged API Gateway v1 answer: "item" on the wire (botocore's
 * locationName); "items" accepted as well. */
static int get_items(struct json_object *o, struct json_object **items,
                     char *err, size_t errlen)
{
    *items = NULL;
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(o, "item", &v))
        json_object_object_get_ex(o, "items", &v);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_array)) {
        snprintf(err, errlen, "item is not a list");
        return AWS_EPARSE;
    }
    *items = v;
    return 0;
}

static int get_position(struct json_object *o, char **position)
{
    *position = NULL;
    const char *p = scanner_json_str(o, "position");
    if (p && *p && !(*position = strdup(p)))
        return AWS_ENOMEM;
    return 0;
}

static void note_bad(size_t *bad, char *err, size_t errlen, size_t i,
                     const char *what)
{
    if (!(*bad)++)
        snprintf(err, errlen, "item[%zu]: %s", i, what);
}

static int finish_bad(size_t bad, char *err, size_t errlen)
{
    if (!bad)
        return 0;
    if (bad > 1) {
        size_t l = strlen(err);
        snprintf(err + l, errlen - l, " (and %zu more unreadable items)", bad - 1);
    }
    return AWS_EPARSE;
}

static char *synth_arn(const char *region, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "arn:<partition>:apigateway:<region>::<path>" (API Gateway resources have
 * no account in their ARN). */
static char *synth_arn(const char *region, const char *fmt, ...)
{
    aws_buf buf;
    aws_buf_init(&buf, 2048);
    const char *part = strncmp(region, "cn-", 3) == 0 ? "aws-cn"
                     : strncmp(region, "us-gov-", 7) == 0 ? "aws-us-gov" : "aws";
    va_list ap;
    va_start(ap, fmt);
    int rc = aws_buf_printf(&buf, "arn:%s:apigateway:%s::", part, region);
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
    struct json_object *o = scanner_json_parse(body, len, err, errlen), *items;
    if (!o)
        return AWS_EPARSE;
    int rc = get_items(o, &items, err, errlen);
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && items && i < json_object_array_length(items); i++) {
        struct json_object *it = json_object_array_get_idx(items, i);
        const char *id = scanner_json_str(it, "clientCertificateId");
        int64_t created = 0, expires = 0;
        if (!id || !*id) {
            note_bad(&bad, err, errlen, i, "no clientCertificateId");
            continue;
        }
        if (scanner_json_time(it, "expirationDate", &expires) != 1) {
            note_bad(&bad, err, errlen, i,
                     "expirationDate missing or not a timestamp");
            continue;
        }
        if (scanner_json_time(it, "createdDate", &created) < 0) {
            note_bad(&bad, err, errlen, i, "createdDate is not a timestamp");
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
        if ((rc = scanner_record_set_add(out, r)) != 0)
            break;                  /* the set freed r */
    }
    if (rc == 0)
        rc = get_position(o, position);
    if (rc == 0)
        rc = finish_bad(bad, err, errlen);
    json_object_put(o);
    return rc;
}

int scanner_apigw_parse_rest_apis(const char *body, size_t len,
                                  scanner_strv *ids, char **position,
                                  char *err, size_t errlen)
{
    *position = NULL;
    struct json_object *o = scanner_json_parse(body, len, err, errlen), *items;
    if (!o)
        return AWS_EPARSE;
    int rc = get_items(o, &items, err, errlen);
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && items && i < json_object_array_length(items); i++) {
        const char *id = scanner_json_str(json_object_array_get_idx(items, i), "id");
        if (!id || !*id) {
            note_bad(&bad, err, errlen, i, "no id");
            continue;
        }
        rc = scanner_strv_add(ids, id);
    }
    if (rc == 0)
        rc = get_position(o, position);
    if (rc == 0)
        rc = finish_bad(bad, err, errlen);
    json_object_put(o);
    return rc;
}

int scanner_apigw_parse_stages(const char *body, size_t len,
                               const char *account, const char *region,
                               const char *rest_api_id,
                               scanner_record_set *out, char *err, size_t errlen)
{
    struct json_object *o = scanner_json_parse(body, len, err, errlen), *items;
    if (!o)
        return AWS_EPARSE;
    int rc = get_items(o, &items, err, errlen);
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && items && i < json_object_array_length(items); i++) {
        struct json_object *it = json_object_array_get_idx(items, i);
        const char *name = scanner_json_str(it, "stageName");
        const char *cc = scanner_json_str(it, "clientCertificateId");
        int64_t created = 0;
        if (!name || !*name) {
            note_bad(&bad, err, errlen, i, "no stageName");
            continue;
        }
        if (scanner_json_time(it, "createdDate", &created) < 0) {
            note_bad(&bad, err, errlen, i, "createdDate is not a timestamp");
            continue;
        }
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
    if (rc == 0)
        rc = finish_bad(bad, err, errlen);
    json_object_put(o);
    return rc;
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
    return scanner_record_set_add(out, r);   /* frees r on failure */
}

int scanner_apigw_parse_domains(const char *body, size_t len,
                                const char *account, const char *region,
                                scanner_record_set *out, char **position,
                                char *err, size_t errlen)
{
    *position = NULL;
    struct json_object *o = scanner_json_parse(body, len, err, errlen), *items;
    if (!o)
        return AWS_EPARSE;
    int rc = get_items(o, &items, err, errlen);
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && items && i < json_object_array_length(items); i++) {
        struct json_object *it = json_object_array_get_idx(items, i);
        const char *name = scanner_json_str(it, "domainName");
        int64_t uploaded = 0;
        if (!name || !*name) {
            note_bad(&bad, err, errlen, i, "no domainName");
            continue;
        }
        if (scanner_json_time(it, "certificateUploadDate", &uploaded) < 0) {
            note_bad(&bad, err, errlen, i,
                     "certificateUploadDate is not a timestamp");
            continue;
        }
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
    if (rc == 0)
        rc = get_position(o, position);
    if (rc == 0)
        rc = finish_bad(bad, err, errlen);
    json_object_put(o);
    return rc;
}

/* ---- I/O ----------------------------------------------------------------- */

enum list_kind { L_CLIENT_CERTS, L_REST_APIS, L_DOMAINS };

static const struct {
    const char *op, *path;
} kinds[] = {
    [L_CLIENT_CERTS] = { "GetClientCertificates", "/clientcertificates" },
    [L_REST_APIS]    = { "GetRestApis", "/restapis" },
    [L_DOMAINS]      = { "GetDomainNames", "/domainnames" },
};

static void list_page(scanner_target *t, enum list_kind k, const char *position);

static void parse_gap(scanner_target *t, const char *op, int rc, const char *err)
{
    t->parse_errors++;
    scanner_target_gap(t, op, "ParseError", "%s", rc == AWS_EPARSE ? err : aws_strerror(rc));
}

static void on_stages(scanner_target *t, const aws_result *res, void *ud)
{
    char *api_id = ud;
    if (res->err == 0) {
        char err[256] = "";
        int rc = scanner_apigw_parse_stages(res->body, res->body_len, t->account_id,
                                            t->region, api_id, &t->set, err, sizeof(err));
        if (rc != 0) {
            char e2[300];
            snprintf(e2, sizeof(e2), "restapi %s: %s", api_id, err);
            parse_gap(t, "GetStages", rc, e2);
        }
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
        scanner_target_gap(t, "GetStages", "InternalError", "out of memory");
        goto out;
    }
    aws_call call = {
        .service = AWS_SVC_APIGATEWAY,
        .region = t->call_region,
        .rate_key = t->account_id,
        .creds = t->creds,
        .proto = AWS_PROTO_REST_JSON,
        .op = "GetStages",
        .method = "GET",
        .path = path.data,
        .max_response = SCANNER_MAX_BODY,
    };
    if (scanner_target_call(t, &call, on_stages, ud) == 0)
        ud = NULL;
out:
    free(ud);
    aws_buf_finish(&path);
}

static void on_page(scanner_target *t, const aws_result *res, void *ud)
{
    enum list_kind k = (enum list_kind)(size_t)ud;
    if (res->err != 0)
        return;
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
        parse_gap(t, kinds[k].op, rc, err);
    if (position)
        list_page(t, k, position);
    free(position);
}

static void list_page(scanner_target *t, enum list_kind k, const char *position)
{
    aws_buf q;
    aws_buf_init(&q, 4096);
    if (aws_buf_puts(&q, "limit=500") ||
        (position && (aws_buf_puts(&q, "&position=") ||
                      aws_buf_urlencode(&q, position, strlen(position), 0)))) {
        scanner_target_gap(t, kinds[k].op, "InternalError", "paging token too long");
        aws_buf_finish(&q);
        return;
    }
    aws_call call = {
        .service = AWS_SVC_APIGATEWAY,
        .region = t->call_region,
        .rate_key = t->account_id,
        .creds = t->creds,
        .proto = AWS_PROTO_REST_JSON,
        .op = kinds[k].op,
        .method = "GET",
        .path = kinds[k].path,
        .query = q.data,
        .max_response = SCANNER_MAX_BODY,
    };
    scanner_target_call(t, &call, on_page, (void *)(size_t)k);
    aws_buf_finish(&q);
}

void scanner_collect_apigw(scanner_target *t)
{
    list_page(t, L_CLIENT_CERTS, NULL);
    list_page(t, L_REST_APIS, NULL);
    list_page(t, L_DOMAINS, NULL);
}

/* certsweep — API Gateway v2 collector: custom domain names (HTTP and
 * WebSocket APIs).  rest-json; pages with nextToken. */
#include "scanner/collect.h"

#include "aws/buf.h"
#include "aws/endpoints.h"
#include "aws/error.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One record per DomainNameConfigurations entry. */
static int add_config(scanner_record_set *out, struct json_object *dom,
                      struct json_object *cfg, const char *account,
                      const char *region, const char *name, int64_t uploaded)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_APIGWV2_DOMAIN, account, region);
    const char *arn_in = scanner_json_str(dom, "domainNameArn");
    aws_buf arn;
    aws_buf_init(&arn, 2048);
    int rc = arn_in ? aws_buf_puts(&arn, arn_in)
                    : aws_buf_printf(&arn, "arn:%s:apigateway:%s::/domainnames/%s",
                                     aws_region_partition(region), region, name);
    if (!r || rc || !(r->arn = aws_buf_take(&arn)) ||
        scanner_str_set(&r->id, name) || scanner_str_set(&r->domain, name) ||
        scanner_str_set(&r->status, cfg ? scanner_json_str(cfg, "domainNameStatus") : NULL) ||
        scanner_str_set(&r->certificate_arn, cfg ? scanner_json_str(cfg, "certificateArn") : NULL)) {
        aws_buf_finish(&arn);
        scanner_record_free(r);
        return AWS_ENOMEM;
    }
    r->uploaded_at = uploaded;
    struct json_object *tags = NULL;
    json_object_object_get_ex(dom, "tags", &tags);
    if (scanner_tags_from_json(&r->tags, tags) != 0) {
        scanner_record_free(r);
        return AWS_ENOMEM;
    }
    return scanner_record_set_add(out, r);   /* frees r on failure */
}

int scanner_apigwv2_parse_domains(const char *body, size_t len,
                                  const char *account, const char *region,
                                  scanner_record_set *out, char **next,
                                  char *err, size_t errlen)
{
    *next = NULL;
    struct json_object *o = scanner_json_parse(body, len, err, errlen), *items = NULL;
    if (!o)
        return AWS_EPARSE;
    int rc = 0;
    size_t bad = 0;
    if (json_object_object_get_ex(o, "items", &items) && items &&
        !json_object_is_type(items, json_type_array)) {
        snprintf(err, errlen, "items is not a list");
        rc = AWS_EPARSE;
        goto out;
    }
    for (size_t i = 0; items && i < json_object_array_length(items) && rc == 0; i++) {
        struct json_object *it = json_object_array_get_idx(items, i), *cfgs = NULL;
        const char *name = scanner_json_str(it, "domainName");
        if (!name || !*name) {
            scanner_note_bad(&bad, err, errlen, "items[%zu]: no domainName", i);
            continue;
        }
        if (json_object_object_get_ex(it, "domainNameConfigurations", &cfgs) && cfgs &&
            !json_object_is_type(cfgs, json_type_array)) {
            scanner_note_bad(&bad, err, errlen, "%s: domainNameConfigurations is not a list", name);
            continue;
        }
        size_t n = cfgs ? json_object_array_length(cfgs) : 0;
        /* Check every entry first: a domain is kept or reported whole. */
        int ok = 1;
        for (size_t k = 0; k < n; k++) {
            int64_t t;
            struct json_object *c = json_object_array_get_idx(cfgs, k);
            if (!json_object_is_type(c, json_type_object) ||
                scanner_json_time(c, "certificateUploadDate", &t) < 0) {
                scanner_note_bad(&bad, err, errlen, "%s: domainNameConfigurations[%zu]: "
                                 "certificateUploadDate is not a timestamp", name, k);
                ok = 0;
                break;
            }
        }
        if (!ok)
            continue;
        if (n == 0) {
            rc = add_config(out, it, NULL, account, region, name, 0);
            continue;
        }
        for (size_t k = 0; k < n && rc == 0; k++) {
            struct json_object *c = json_object_array_get_idx(cfgs, k);
            int64_t uploaded = 0;
            scanner_json_time(c, "certificateUploadDate", &uploaded);
            rc = add_config(out, it, c, account, region, name, uploaded);
        }
    }
    if (rc == 0)
        rc = scanner_json_token(o, "nextToken", next);
    if (rc == 0)
        rc = scanner_bad_result(bad, err, errlen);
out:
    json_object_put(o);
    return rc;
}

/* ---- I/O ----------------------------------------------------------------- */

static void list_page(scanner_target *t, scanner_pager *pg);

static void on_page(scanner_target *t, const aws_result *res, void *ud)
{
    scanner_pager *pg = ud;
    if (res->err != 0) {
        scanner_pager_free(pg);
        return;
    }
    char err[256] = "";
    char *next = NULL;
    int rc = scanner_apigwv2_parse_domains(res->body, res->body_len, t->account_id,
                                           t->region, &t->set, &next, err, sizeof(err));
    if (rc != 0)
        scanner_target_parse_gap(t, SCANNER_SRC_APIGWV2_DOMAIN, "GetDomainNamesV2", NULL, rc, err);
    if (scanner_target_page(t, SCANNER_SRC_APIGWV2_DOMAIN, "GetDomainNamesV2", pg, next))
        list_page(t, pg);
    else
        scanner_pager_free(pg);
    free(next);
}

static void list_page(scanner_target *t, scanner_pager *pg)
{
    const char *next = scanner_pager_token(pg);
    aws_buf q;
    aws_buf_init(&q, 4096);
    if (aws_buf_puts(&q, "maxResults=500") ||
        (next && (aws_buf_puts(&q, "&nextToken=") ||
                  aws_buf_urlencode(&q, next, strlen(next), 0)))) {
        scanner_target_source_gap(t, SCANNER_SRC_APIGWV2_DOMAIN, "GetDomainNamesV2",
                                  "InternalError", "paging token too long");
        aws_buf_finish(&q);
        scanner_pager_free(pg);
        return;
    }
    aws_call call = scanner_target_call_init(t, AWS_SVC_APIGATEWAYV2, AWS_PROTO_REST_JSON,
                                             "GetDomainNamesV2");
    call.method = "GET";
    call.path = "/v2/domainnames";
    call.query = q.data;
    if (scanner_target_call_src(t, SCANNER_SRC_APIGWV2_DOMAIN, &call, on_page, pg) != 0)
        scanner_pager_free(pg);
    aws_buf_finish(&q);
}

void scanner_collect_apigwv2(scanner_target *t)
{
    scanner_pager *pg = scanner_pager_new();
    if (!pg)
        scanner_target_oom(t, SCANNER_SRC_APIGWV2_DOMAIN, "GetDomainNamesV2");
    else
        list_page(t, pg);
}

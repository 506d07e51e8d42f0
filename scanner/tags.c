/* certsweep — Organizations ListTagsForResource for one account: every tag. */
#include "scanner/tags.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "scanner/collect.h"

int scanner_org_parse_tags(const char *body, size_t len, scanner_tags *tags, char **next)
{
    *next = NULL;
    char err[128];
    json_object *o = scanner_json_parse(body, len, err, sizeof(err)), *list = NULL;
    if (!o)
        return AWS_EPARSE;
    int rc = 0;
    if (json_object_object_get_ex(o, "Tags", &list))
        rc = scanner_tags_from_list(tags, list);
    const char *tok = scanner_json_str(o, "NextToken");
    if (rc == 0 && tok && *tok && !(*next = strdup(tok)))
        rc = AWS_ENOMEM;
    json_object_put(o);
    return rc;
}

typedef struct tag_call {
    aws_client *client;
    aws_creds_provider *creds;
    char region[32];
    char account[16];
    scanner_tags tags;
    scanner_tags_cb cb;
    void *ud;
    scanner_pager pg;               /* the listing's pages (scanner/pager.h) */
} tag_call;

static int tag_send(tag_call *t, const char *next);

static void tag_done(tag_call *t, int err, const char *code, const char *msg)
{
    t->cb(err, code, msg, err ? NULL : &t->tags, t->ud);
    scanner_pager_finish(&t->pg);
    scanner_tags_finish(&t->tags);
    free(t);
}

static void on_tags(const aws_result *r, void *ud)
{
    tag_call *t = ud;
    if (r->err) {
        tag_done(t, r->err, *r->code ? r->code : aws_error_code(r->err),
                 *r->message ? r->message : aws_strerror(r->err));
        return;
    }
    char *next = NULL;
    int rc = scanner_org_parse_tags(r->body, r->body_len, &t->tags, &next);
    if (rc)
        tag_done(t, rc, "ParseError", rc == AWS_EPARSE
                 ? "ListTagsForResource: the answer is not JSON" : aws_strerror(rc));
    else if (!next)
        tag_done(t, 0, "", "");
    else {
        /* A token that repeats, or pages without end, stop here. */
        int v = scanner_pager_next(&t->pg, next);
        char msg[256];
        if (v == SCANNER_PAGER_MORE) {
            if ((rc = tag_send(t, scanner_pager_token(&t->pg))) != 0)
                tag_done(t, rc, "InternalError", aws_strerror(rc));
        } else {
            scanner_pager_message(&t->pg, v, msg, sizeof(msg));
            tag_done(t, v < 0 ? v : AWS_EINVAL, scanner_pager_code(v), msg);
        }
    }
    free(next);
}

static int tag_send(tag_call *t, const char *next)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "ResourceId", json_object_new_string(t->account));
    if (next)
        json_object_object_add(b, "NextToken", json_object_new_string(next));
    const char *body = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
    aws_call call = {
        .service = AWS_SVC_ORGANIZATIONS,
        .region = t->region,
        .rate_key = "organizations",
        .creds = t->creds,
        .proto = AWS_PROTO_JSON,
        .op = "ListTagsForResource",
        .target = "AWSOrganizationsV20161128.ListTagsForResource",
        .body = body,
        .body_len = strlen(body),
        .max_response = SCANNER_MAX_BODY,
        /* One call per account through Organizations' one paced queue (10/s
         * assumed): with tags on, the scan's longest queue.  A released call
         * takes the next free slot (it holds half of one at 10/s); discovery's
         * calls (AWS_CALL_ENTER) still go before it in that queue. */
        .first = AWS_CALL_CRITICAL,
    };
    int rc = aws_client_call(t->client, &call, on_tags, t);
    json_object_put(b);
    return rc;
}

int scanner_account_tags(aws_client *client, aws_creds_provider *creds, const char *region,
                         const char *account, scanner_tags_cb cb, void *ud)
{
    tag_call *t = calloc(1, sizeof(*t));
    if (!t)
        return AWS_ENOMEM;
    t->client = client;
    t->creds = creds;
    snprintf(t->region, sizeof(t->region), "%s", region);
    snprintf(t->account, sizeof(t->account), "%s", account);
    t->cb = cb;
    t->ud = ud;
    scanner_tags_init(&t->tags);
    scanner_pager_init(&t->pg);
    int rc = tag_send(t, NULL);
    if (rc) {
        scanner_pager_finish(&t->pg);
        free(t);
    }
    return rc;
}

/* certsweep — names, OU paths and tags on the findings. */
#include "scanner/enrich.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/proto.h"
#include "scanner/collect.h"
#include "scanner/pager.h"
#include "scanner/rules.h"
#include "scanner/tags.h"

#include <json-c/json.h>
#include <stdint.h>
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

/* ---- an index of what was asked ----------------------------------------- */

/* Pointers found by a hash of their key: open addressing, linear probing,
 * a power-of-two capacity at most half full.  The items are the caller's;
 * eq(item, key) compares. */
typedef struct pindex {
    void **item;
    uint64_t *hash;
    size_t cap, n;
} pindex;

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    return (h ^ 0x1f) * UINT64_C(1099511628211);     /* a separator: ("ab","c") != ("a","bc") */
}

#define HASH_SEED UINT64_C(14695981039346656037)  /* FNV-1a's offset basis */

static void *index_find(const pindex *ix, uint64_t h, int (*eq)(const void *, const void *),
                        const void *key)
{
    if (!ix->cap)
        return NULL;
    for (size_t i = h & (ix->cap - 1); ix->item[i]; i = (i + 1) & (ix->cap - 1))
        if (ix->hash[i] == h && eq(ix->item[i], key))
            return ix->item[i];
    return NULL;
}

static void index_place(void **item, uint64_t *hash, size_t cap, void *p, uint64_t h)
{
    size_t i = h & (cap - 1);
    while (item[i])
        i = (i + 1) & (cap - 1);
    item[i] = p;
    hash[i] = h;
}

/* Adds p (not there yet).  0 or AWS_ENOMEM. */
static int index_put(pindex *ix, void *p, uint64_t h)
{
    if (2 * (ix->n + 1) > ix->cap) {
        size_t cap = ix->cap ? 2 * ix->cap : 64;
        void **item = calloc(cap, sizeof(*item));
        uint64_t *hash = calloc(cap, sizeof(*hash));
        if (!item || !hash) {
            free(item);
            free(hash);
            return AWS_ENOMEM;
        }
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->item[i])
                index_place(item, hash, cap, ix->item[i], ix->hash[i]);
        free(ix->item);
        free(ix->hash);
        ix->item = item;
        ix->hash = hash;
        ix->cap = cap;
    }
    index_place(ix->item, ix->hash, ix->cap, p, h);
    ix->n++;
    return 0;
}

static void index_finish(pindex *ix)
{
    free(ix->item);
    free(ix->hash);
    memset(ix, 0, sizeof(*ix));
}

/* ---- I/O ----------------------------------------------------------------- */

/* What a resource's tags are found by: a finding's source, account,
 * region and resource ARN. */
typedef struct res_key {
    scanner_source src;
    const char *account, *region, *arn;
} res_key;

static uint64_t res_hash(const res_key *k)
{
    uint64_t h = HASH_SEED ^ (uint64_t)k->src;
    h = hash_str(h, k->account);
    h = hash_str(h, k->region);
    return hash_str(h, k->arn);
}

/* One resource's tags (ACM certificate, IAM server certificate), asked
 * once; every finding about it gets them at the end.  Kept for the whole
 * scan (about 13,000 in the 1,000 x 17 bench): one allocation, its key's
 * strings after it. */
typedef struct ask {
    scanner_enrich *e;
    aws_creds_provider *creds;      /* a reference while the call runs */
    scanner_pager *pg;              /* IAM's pages, while the call runs */
    scanner_tags tags;
    const char *account, *region, *name;    /* in str[] */
    scanner_source src;
    int ok;                         /* read in full */
    char arn[];                     /* then account, region and name */
} ask;

/* One account's tags. */
typedef struct acct_ask {
    scanner_enrich *e;
    struct acct_ask *next;          /* waiting for the window */
    scanner_tags tags;
    int ok;
    char account[];
} acct_ask;

/* Account tag calls in the client at once: Organizations' one lane takes
 * 10/s, and the others wait here, small, rather than as queued calls. */
#define ACCT_WINDOW 32

struct scanner_enrich {
    scanner_enrich_opts o;
    scanner_findings *f;
    pindex asks;                    /* ask, by res_key */
    pindex accts;                   /* acct_ask, by account id */
    acct_ask *wait_head, *wait_tail;    /* account asks not sent yet */
    size_t accts_running;
    size_t pending;
    int oom;
};

static int ask_is(const void *item, const void *key)
{
    const ask *q = item;
    const res_key *k = key;
    return q->src == k->src && strcmp(q->account, k->account) == 0 &&
           strcmp(q->region, k->region) == 0 && strcmp(q->arn, k->arn) == 0;
}

static ask *ask_find(const scanner_enrich *e, const res_key *k)
{
    return k->account && k->region && k->arn ? index_find(&e->asks, res_hash(k), ask_is, k)
                                             : NULL;
}

static int acct_is(const void *item, const void *key)
{
    return strcmp(((const acct_ask *)item)->account, key) == 0;
}

static acct_ask *acct_find(const scanner_enrich *e, const char *account)
{
    return index_find(&e->accts, hash_str(HASH_SEED, account), acct_is, account);
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
    scanner_pager_free(q->pg);
    q->pg = NULL;
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
    int v = q->pg ? scanner_pager_next(q->pg, marker) : SCANNER_PAGER_DONE;
    free(marker);
    if (v == SCANNER_PAGER_MORE && ask_send(q) == 0)
        return;
    if (v != SCANNER_PAGER_DONE) {
        char msg[256];
        scanner_pager_message(q->pg, v, msg, sizeof(msg));
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
    call.region = q->src == SCANNER_SRC_IAM_SERVER_CERT ? q->e->o.home_region : q->region;
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
        const char *marker = scanner_pager_token(q->pg);
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

static void ask_free(ask *q)
{
    if (!q)
        return;
    scanner_tags_finish(&q->tags);
    free(q);
}

/* A new ask for k (its strings copied after it), or NULL. */
static ask *ask_new(const res_key *k, const char *name)
{
    size_t la = strlen(k->arn) + 1, lc = strlen(k->account) + 1, lr = strlen(k->region) + 1,
           ln = strlen(name) + 1;
    ask *q = calloc(1, sizeof(*q) + la + lc + lr + ln);
    if (!q)
        return NULL;
    char *p = q->arn;
    memcpy(p, k->arn, la);
    q->account = memcpy(p += la, k->account, lc);
    q->region = memcpy(p += lc, k->region, lr);
    q->name = memcpy(p + lr, name, ln);
    q->src = k->src;
    return q;
}

/* Asks for the tags of resource k (ACM, IAM; name: the IAM server
 * certificate's), once. */
static void ask_resource(scanner_enrich *e, const res_key *k, const char *name,
                         aws_creds_provider *creds)
{
    if (k->src != SCANNER_SRC_ACM && k->src != SCANNER_SRC_IAM_SERVER_CERT)
        return;
    if (!k->account || !k->region || !k->arn || !*k->arn || !name || !*name || ask_find(e, k))
        return;
    ask *q = ask_new(k, name);
    if (!q || (k->src == SCANNER_SRC_IAM_SERVER_CERT && !(q->pg = scanner_pager_new())) ||
        index_put(&e->asks, q, res_hash(k)) != 0) {
        if (q)
            scanner_pager_free(q->pg);
        ask_free(q);
        e->oom = 1;
        return;
    }
    q->e = e;
    q->creds = aws_creds_provider_ref(creds);
    e->pending++;
    int rc = ask_send(q);
    if (rc) {
        gap(e, q->account, q->region, ask_op(q), "InternalError", aws_strerror(rc));
        ask_end(q, 0);
    }
}

static void accts_pump(scanner_enrich *e);

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
    e->accts_running--;
    e->pending--;
    accts_pump(e);
}

/* Sends waiting account asks while the window has room. */
static void accts_pump(scanner_enrich *e)
{
    while (e->wait_head && e->accts_running < ACCT_WINDOW) {
        acct_ask *q = e->wait_head;
        e->wait_head = q->next;
        if (!e->wait_head)
            e->wait_tail = NULL;
        q->next = NULL;
        e->accts_running++;
        int rc = scanner_account_tags(e->o.client, e->o.caller, e->o.home_region, q->account,
                                      on_account_tags, q);
        if (rc) {
            e->accts_running--;
            e->pending--;
            gap(e, q->account, "*", "ListTagsForResource", "InternalError", aws_strerror(rc));
        }
    }
}

static void ask_account(scanner_enrich *e, const char *account)
{
    if (!account || acct_find(e, account))
        return;
    size_t len = strlen(account) + 1;
    acct_ask *q = calloc(1, sizeof(*q) + len);
    if (q)
        memcpy(q->account, account, len);
    if (!q || index_put(&e->accts, q, hash_str(HASH_SEED, account)) != 0) {
        free(q);
        e->oom = 1;
        return;
    }
    q->e = e;
    e->pending++;
    if (e->wait_tail)
        e->wait_tail->next = q;
    else
        e->wait_head = q;
    e->wait_tail = q;
    accts_pump(e);
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

void scanner_enrich_record(scanner_enrich *e, const scanner_record *r,
                           aws_creds_provider *creds, int org)
{
    if (!e || e->oom || !r || !e->o.cfg)
        return;
    int acct = e->o.account_tags && org;
    int res = e->o.resource_tags && creds &&
              (r->source == SCANNER_SRC_ACM || r->source == SCANNER_SRC_IAM_SERVER_CERT);
    if ((!acct && !res) ||
        scanner_rules_record_finds(r, e->o.cfg, e->o.as_of) != SCANNER_FINDS_SOME)
        return;     /* none, or not known yet: scanner_enrich_add asks at judge time */
    if (acct)
        ask_account(e, r->account_id);
    if (res) {
        /* The finding's resource, named as the rules name it. */
        res_key k = { r->source, r->account_id, r->region,
                      r->arn && *r->arn ? r->arn : r->id };
        ask_resource(e, &k, r->id ? r->id : r->domain, creds);
    }
}

void scanner_enrich_add(scanner_enrich *e, size_t first, aws_creds_provider *creds, int org)
{
    for (size_t i = first; e && !e->oom && i < e->f->n; i++) {
        const scanner_finding *fd = &e->f->v[i];
        if (e->o.account_tags && org)
            ask_account(e, fd->account_id);
        if (e->o.resource_tags && creds) {
            res_key k = { fd->source, fd->account_id, fd->region, fd->resource_arn };
            ask_resource(e, &k, fd->resource_id, creds);
        }
    }
}

static int dup_into(char **field, const char *v)
{
    if (!v || !*v || *field)
        return 0;
    return (*field = strdup(v)) ? 0 : AWS_ENOMEM;
}

static int scanned_is(const void *item, const void *key)
{
    return strcmp(((const scanner_scanned_account *)item)->account_id, key) == 0;
}

static scanner_scanned_account *account_of(const pindex *ix, const char *id)
{
    return id ? index_find(ix, hash_str(HASH_SEED, id), scanned_is, id) : NULL;
}

int scanner_enrich_finish(scanner_enrich *e, scanner_scanned_account *accts, size_t n_accts)
{
    if (!e)
        return 0;
    while (e->pending)
        uv_run(e->o.loop, UV_RUN_ONCE);
    int oom = e->oom;
    pindex by_id;
    memset(&by_id, 0, sizeof(by_id));
    for (size_t i = 0; !oom && i < n_accts; i++)
        if (accts[i].account_id && !account_of(&by_id, accts[i].account_id) &&
            index_put(&by_id, &accts[i], hash_str(HASH_SEED, accts[i].account_id)) != 0)
            oom = 1;
    for (size_t i = 0; !oom && i < e->accts.cap; i++) {
        acct_ask *q = e->accts.item[i];
        scanner_scanned_account *a = q ? account_of(&by_id, q->account) : NULL;
        if (q && q->ok && a && !a->tags_read) {
            if (scanner_tags_copy(&a->tags, &q->tags) != 0)
                oom = 1;
            a->tags_read = 1;
        }
    }
    for (size_t i = 0; !oom && i < e->f->n; i++) {
        scanner_finding *fd = &e->f->v[i];
        res_key k = { fd->source, fd->account_id, fd->region, fd->resource_arn };
        const ask *q = ask_find(e, &k);
        const scanner_scanned_account *a = account_of(&by_id, fd->account_id);
        if (q && q->ok && fd->tags.n == 0 && scanner_tags_copy(&fd->tags, &q->tags) != 0)
            oom = 1;
        if (a && (dup_into(&fd->account_name, a->name) || dup_into(&fd->ou_path, a->ou_path) ||
                  (a->tags_read && fd->account_tags.n == 0 &&
                   scanner_tags_copy(&fd->account_tags, &a->tags) != 0)))
            oom = 1;
    }
    for (size_t i = 0; !oom && i < e->f->n_gaps; i++) {
        scanner_gap *g = &e->f->gaps[i];
        const scanner_scanned_account *a = account_of(&by_id, g->account_id);
        if (a && dup_into(&g->account_name, a->name))
            oom = 1;
    }
    index_finish(&by_id);
    for (size_t i = 0; i < e->asks.cap; i++)
        ask_free(e->asks.item[i]);
    for (size_t i = 0; i < e->accts.cap; i++) {
        acct_ask *q = e->accts.item[i];
        if (q)
            scanner_tags_finish(&q->tags);
        free(q);
    }
    index_finish(&e->asks);
    index_finish(&e->accts);
    free(e);
    return oom ? AWS_ENOMEM : 0;
}

/* certsweep — discovery of accounts (AWS Organizations) and regions (EC2). */
#include "scanner/discover.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/proto.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsers ------------------------------------------------------------- */

/* An Organizations answer: the object (*o, NULL when the body is not
 * one) and its list `key` (*list, NULL when absent). */
static int org_open(const char *body, size_t len, const char *key, struct json_object **o,
                    struct json_object **list, char *err, size_t errlen)
{
    *list = NULL;
    if (!(*o = scanner_json_parse(body, len, err, errlen)))
        return AWS_EPARSE;
    struct json_object *v;
    if (!json_object_object_get_ex(*o, key, &v) || !v)
        return 0;
    if (!json_object_is_type(v, json_type_array)) {
        snprintf(err, errlen, "%s is not a list", key);
        return AWS_EPARSE;
    }
    *list = v;
    return 0;
}

static size_t list_len(struct json_object *list)
{
    return list ? json_object_array_length(list) : 0;
}

/* Ends an Organizations answer: rc, else its NextToken, else AWS_EPARSE
 * for unreadable items. */
static int org_close(struct json_object *o, int rc, size_t bad, char **next,
                     char *err, size_t errlen)
{
    if (rc == 0)
        rc = scanner_json_token(o, "NextToken", next);
    if (rc == 0)
        rc = scanner_bad_result(bad, err, errlen);
    json_object_put(o);
    return rc;
}

static int valid_account_id(const char *id)
{
    if (!id || strlen(id) != 12)
        return 0;
    for (const char *p = id; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

int scanner_org_parse_accounts(const char *body, size_t len, scanner_strv *active,
                               size_t *skipped, char **next, char *err, size_t errlen)
{
    *next = NULL;
    struct json_object *o, *list;
    int rc = org_open(body, len, "Accounts", &o, &list, err, errlen);
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && i < list_len(list); i++) {
        struct json_object *a = json_object_array_get_idx(list, i);
        const char *id = scanner_json_str(a, "Id");
        /* State replaces the deprecated Status; either says ACTIVE. */
        const char *state = scanner_json_str(a, "State");
        if (!state)
            state = scanner_json_str(a, "Status");
        if (!valid_account_id(id) || !state) {
            scanner_note_bad(&bad, err, errlen, "Accounts[%zu]: no 12-digit Id or no State", i);
            continue;
        }
        if (strcmp(state, "ACTIVE") != 0) {
            aws_log_info("account %s is %s: not scanned", id, state);
            if (skipped)
                (*skipped)++;
            continue;
        }
        rc = scanner_strv_add(active, id);
    }
    return org_close(o, rc, bad, next, err, errlen);
}

int scanner_org_parse_account_meta(const char *body, size_t len, scanner_strv *meta)
{
    char err[64];
    struct json_object *o = scanner_json_parse(body, len, err, sizeof(err)), *list = NULL;
    int rc = 0;
    if (o && json_object_object_get_ex(o, "Accounts", &list) &&
        json_object_is_type(list, json_type_array)) {
        for (size_t i = 0; rc == 0 && i < json_object_array_length(list); i++) {
            struct json_object *a = json_object_array_get_idx(list, i);
            const char *id = scanner_json_str(a, "Id");
            const char *name = scanner_json_str(a, "Name");
            const char *email = scanner_json_str(a, "Email");
            if (!valid_account_id(id))
                continue;
            if ((rc = scanner_strv_add(meta, id)) == 0 &&
                (rc = scanner_strv_add(meta, name ? name : "")) == 0)
                rc = scanner_strv_add(meta, email ? email : "");
        }
    }
    json_object_put(o);
    return rc;
}

static const char *meta_field(const scanner_strv *meta, const char *id, size_t k)
{
    for (size_t i = 0; meta && id && i + 2 < meta->n; i += 3)
        if (strcmp(meta->v[i], id) == 0)
            return meta->v[i + k];
    return NULL;
}

const char *scanner_account_meta_name(const scanner_strv *meta, const char *id)
{
    return meta_field(meta, id, 1);
}

const char *scanner_account_meta_email(const scanner_strv *meta, const char *id)
{
    return meta_field(meta, id, 2);
}

int scanner_org_parse_named(const char *body, size_t len, const char *key, const char *field,
                            scanner_strv *pairs, char **next, char *err, size_t errlen)
{
    *next = NULL;
    struct json_object *o, *list;
    int rc = org_open(body, len, key, &o, &list, err, errlen);
    size_t bad = 0;
    for (size_t i = 0; rc == 0 && i < list_len(list); i++) {
        struct json_object *it = json_object_array_get_idx(list, i);
        const char *id = scanner_json_str(it, "Id"), *v = scanner_json_str(it, field);
        if (!id || !*id || !v)
            scanner_note_bad(&bad, err, errlen, "%s[%zu]: no Id or no %s", key, i, field);
        else if ((rc = scanner_strv_add(pairs, id)) == 0)
            rc = scanner_strv_add(pairs, v);
    }
    return org_close(o, rc, bad, next, err, errlen);
}

int scanner_org_parse_ou(const char *body, size_t len, char **name, char *err, size_t errlen)
{
    *name = NULL;
    struct json_object *o = scanner_json_parse(body, len, err, errlen), *ou = NULL;
    if (!o)
        return AWS_EPARSE;
    const char *n = json_object_object_get_ex(o, "OrganizationalUnit", &ou)
                    ? scanner_json_str(ou, "Name") : NULL;
    int rc = 0;
    if (!n) {
        snprintf(err, errlen, "no OrganizationalUnit.Name");
        rc = AWS_EPARSE;
    } else if (!(*name = strdup(n))) {
        rc = AWS_ENOMEM;
    }
    json_object_put(o);
    return rc;
}

/* ---- OU paths ---------------------------------------------------------------- */

/* (id, parent, name) of an OU or root (parent "") in ous; NULL when absent. */
static const char *const *ou_find(const scanner_strv *ous, const char *id)
{
    for (size_t i = 0; i + 2 < ous->n; i += 3)
        if (strcmp(ous->v[i], id) == 0)
            return (const char *const *)&ous->v[i];
    return NULL;
}

/* The deepest a path goes: a root and five levels of OUs in AWS; more
 * than this is a loop in what was answered. */
#define OU_DEPTH_MAX 16

int scanner_org_path(const scanner_strv *ous, const char *parent, char *out, size_t n)
{
    const char *names[OU_DEPTH_MAX];
    size_t depth = 0;
    const char *id = parent;
    while (id && *id) {
        const char *const *ou = ou_find(ous, id);
        if (!ou || depth == OU_DEPTH_MAX || ou[2][0] == '\x01' || ou[1][0] == '\x01')
            return AWS_ENOTFOUND;
        names[depth++] = ou[2];
        id = ou[1];
    }
    if (depth == 0)
        return AWS_ENOTFOUND;
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = depth; i-- > 0;) {
        int k = snprintf(out + used, n - used, "%s%s", i + 1 == depth ? "" : "/", names[i]);
        if (k < 0 || (size_t)k >= n - used)
            return AWS_ETOOBIG;
        used += (size_t)k;
    }
    return 0;
}

const char *scanner_paths_find(const scanner_strv *paths, const char *id)
{
    for (size_t i = 0; paths && id && i + 1 < paths->n; i += 2)
        if (strcmp(paths->v[i], id) == 0)
            return paths->v[i + 1];
    return NULL;
}

const char *scanner_discovery_path(const scanner_discovery *d, const char *id)
{
    return d ? scanner_paths_find(&d->paths, id) : NULL;
}

/* {"<k1>": v1, "<k2>": v2, "NextToken": next}, members with a NULL key
 * or value left out.  Caller frees. */
static char *org_body(const char *k1, const char *v1, const char *k2, const char *v2,
                      const char *next)
{
    struct json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    if (k1 && v1)
        json_object_object_add(o, k1, json_object_new_string(v1));
    if (k2 && v2)
        json_object_object_add(o, k2, json_object_new_string(v2));
    if (next)
        json_object_object_add(o, "NextToken", json_object_new_string(next));
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
    char *out = s ? strdup(s) : NULL;
    json_object_put(o);
    return out;
}

char *scanner_org_body(const char *parent, const char *child_type, const char *next)
{
    return org_body("ParentId", parent, "ChildType", parent ? child_type : NULL, next);
}

char *scanner_org_child_body(const char *key, const char *id, const char *next)
{
    return org_body(key, id ? id : "", NULL, NULL, next);
}

/* A region name as AWS spells them ("ap-southeast-5", "us-gov-west-1"):
 * new regions appear, so only the shape is checked. */
static int region_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 31 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

int scanner_ec2_parse_regions(const char *body, size_t len, scanner_strv *regions,
                              char *err, size_t errlen)
{
    aws_xml_node *doc = scanner_xml_parse(body, len, "DescribeRegionsResponse", err, errlen);
    if (!doc)
        return AWS_EPARSE;
    int rc = 0;
    size_t bad = 0, i = 0;
    const aws_xml_node *info = aws_xml_child(doc, "regionInfo");
    if (!info) {
        snprintf(err, errlen, "response is not a DescribeRegionsResponse with regionInfo");
        rc = AWS_EPARSE;
        goto out;
    }
    for (const aws_xml_node *it = info->children; it && rc == 0; it = it->next, i++) {
        if (strcmp(it->name, "item") != 0)
            continue;
        const char *name = aws_xml_text(it, "regionName");
        const char *opt = aws_xml_text(it, "optInStatus");
        if (!name || !region_name_ok(name)) {
            scanner_note_bad(&bad, err, errlen, "regionInfo item %zu: no valid regionName", i);
            continue;
        }
        /* Older answers have no optInStatus: every region listed is on. */
        if (opt && strcmp(opt, "opt-in-not-required") != 0 && strcmp(opt, "opted-in") != 0)
            continue;
        rc = scanner_strv_add(regions, name);
    }
    if (rc == 0)
        rc = scanner_bad_result(bad, err, errlen);
out:
    aws_xml_free(doc);
    return rc;
}

int scanner_org_error_refused(const char *code)
{
    return code && (strcmp(code, "AccessDenied") == 0 ||
                    strcmp(code, "AccessDeniedException") == 0);
}

int scanner_org_error_falls_back(const char *code)
{
    return code && (strcmp(code, "AWSOrganizationsNotInUseException") == 0 ||
                    scanner_org_error_refused(code));
}

void scanner_accounts_filter(scanner_strv *accounts, const config *cfg,
                             const scanner_strv *excluded)
{
    size_t w = 0;
    for (size_t i = 0; i < accounts->n; i++) {
        char *id = accounts->v[i];
        int drop = 0;
        if (cfg && cfg->include_accounts.n && !config_list_contains(&cfg->include_accounts, id))
            drop = 1;
        if (cfg && config_list_contains(&cfg->exclude_accounts, id))
            drop = 1;
        if (excluded && scanner_strv_contains(excluded, id))
            drop = 1;
        for (size_t k = 0; !drop && k < w; k++)
            if (strcmp(accounts->v[k], id) == 0)
                drop = 1;
        if (drop)
            free(id);
        else
            accounts->v[w++] = id;
    }
    accounts->n = w;
}

/* ---- account discovery (I/O) --------------------------------------------- */

/* The calls.  Those marked "place" only find where accounts sit (the OU
 * path of each finding): their failure is a coverage gap, never the
 * discovery's. */
enum { K_LIST_ACCOUNTS, K_ACCOUNTS_FOR_PARENT, K_OUS, K_ROOTS, K_PARENTS, K_DESCRIBE_OU };

typedef struct disc {
    aws_client *client;
    aws_creds_provider *creds;
    char region[32];
    const config *cfg;
    scanner_discover_cb cb;
    scanner_discover_page_cb page_cb;   /* streaming: each ListAccounts page's accounts */
    void *ud;
    int pending;
    scanner_discovery *res;
    scanner_strv found;
    scanner_strv excluded;
    scanner_strv visited;           /* OUs already walked (cycles cannot happen, but be safe) */
    scanner_strv climbed;           /* OUs whose parents were asked (place) */
    scanner_strv ous;               /* (id, parent, name) of OUs and roots (parent "") */
    scanner_strv places;            /* (account, parent) */
    int roots_asked;
} disc;

typedef struct disc_call {
    disc *d;
    int kind;
    int to_excluded;
    int place;                      /* only to find where accounts sit */
    char parent[128];
    scanner_pager *pg;              /* this listing's pager, handed from page to page */
} disc_call;

static const char *const k_ops[] = {
    "ListAccounts", "ListAccountsForParent", "ListOrganizationalUnitsForParent",
    "ListRoots", "ListParents", "DescribeOrganizationalUnit",
};

/* A place call failed: the first failure is kept as a gap; accounts whose
 * place was not found get no path. */
static void place_fail(disc *d, int kind, int err, const char *code, const char *msg)
{
    (void)err;
    if (*d->res->place_code)
        return;
    snprintf(d->res->place_operation, sizeof(d->res->place_operation), "%s", k_ops[kind]);
    snprintf(d->res->place_code, sizeof(d->res->place_code), "%s", code && *code ? code : "Error");
    snprintf(d->res->place_message, sizeof(d->res->place_message), "%s", msg ? msg : "");
}

static void disc_fail(disc *d, int kind, int err, const char *code, const char *msg)
{
    if (d->res->err)
        return;                      /* the first failure is the one reported */
    d->res->err = err ? err : AWS_EINVAL;
    snprintf(d->res->operation, sizeof(d->res->operation), "%s", k_ops[kind]);
    snprintf(d->res->code, sizeof(d->res->code), "%s", code ? code : "");
    snprintf(d->res->message, sizeof(d->res->message), "%s", msg ? msg : "");
}

static void disc_strings_finish(disc *d)
{
    scanner_strv_finish(&d->found);
    scanner_strv_finish(&d->excluded);
    scanner_strv_finish(&d->visited);
    scanner_strv_finish(&d->climbed);
    scanner_strv_finish(&d->ous);
    scanner_strv_finish(&d->places);
}

static void disc_finish(disc *d)
{
    scanner_discovery *r = d->res;
    if (!r->err) {
        r->listed = d->found.n;
        scanner_accounts_filter(&d->found, d->cfg, &d->excluded);
        r->accounts = d->found;
        scanner_strv_init(&d->found);
    }
    for (size_t i = 0; !r->err && i + 1 < d->places.n; i += 2) {
        char path[1024];
        if (scanner_org_path(&d->ous, d->places.v[i + 1], path, sizeof(path)) != 0)
            continue;
        if (scanner_discovery_path(r, d->places.v[i]))
            continue;
        if (scanner_strv_add(&r->paths, d->places.v[i]) || scanner_strv_add(&r->paths, path)) {
            place_fail(d, K_OUS, AWS_ENOMEM, "InternalError", "out of memory");
            break;
        }
    }
    disc_strings_finish(d);
    scanner_discover_cb cb = d->cb;
    void *ud = d->ud;
    aws_creds_provider_unref(d->creds);
    free(d);
    cb(r, ud);
}

static int disc_send(disc *d, int kind, const char *parent, int to_excluded, int place,
                     scanner_pager *pg);

/* Streaming: hands on the accounts a ListAccounts page added from found[n0]
 * on, filtered by include/exclude_accounts (the caller drops an account
 * it already has: a page may repeat one). */
static int disc_stream(disc *d, size_t n0)
{
    scanner_strv page;
    scanner_strv_init(&page);
    int rc = 0;
    for (size_t i = n0; rc == 0 && i < d->found.n; i++)
        rc = scanner_strv_add(&page, d->found.v[i]);
    if (rc == 0) {
        scanner_accounts_filter(&page, d->cfg, NULL);
        if (page.n)
            rc = d->page_cb(&page, &d->res->meta, d->ud);
    }
    scanner_strv_finish(&page);
    return rc;
}

/* A listing stopped by its pager: the accounts listed so far are kept,
 * and the first such stop is handed on as a coverage gap (the listing,
 * so the organization's accounts, are incomplete). */
static void disc_paging_stop(disc *d, int kind, const scanner_pager *pg, int verdict)
{
    if (*d->res->paging_code)
        return;
    scanner_pager_message(pg, verdict, d->res->paging_message, sizeof(d->res->paging_message));
    snprintf(d->res->paging_code, sizeof(d->res->paging_code), "%s",
             scanner_pager_code(verdict));
    snprintf(d->res->paging_operation, sizeof(d->res->paging_operation), "%s", k_ops[kind]);
}

static void disc_walk(disc *d, const char *ou, int to_excluded, int place)
{
    if (place) {
        /* the organization's tree from its root, for the paths only */
        if (scanner_strv_contains(&d->climbed, ou))
            return;
        if (scanner_strv_add(&d->climbed, ou)) {
            place_fail(d, K_OUS, AWS_ENOMEM, "InternalError", "out of memory");
            return;
        }
    } else if (!to_excluded) {
        if (config_list_contains(&d->cfg->exclude_ous, ou))
            return;
        if (scanner_strv_contains(&d->visited, ou))
            return;
        if (scanner_strv_add(&d->visited, ou)) {
            disc_fail(d, K_OUS, AWS_ENOMEM, "InternalError", "out of memory");
            return;
        }
    }
    disc_send(d, K_ACCOUNTS_FOR_PARENT, ou, to_excluded, place, NULL);
    disc_send(d, K_OUS, ou, to_excluded, place, NULL);
}

/* Not known yet: a parent or name a later answer gives (never an id or
 * a name AWS sends: they have no control characters). */
#define OU_UNKNOWN "\x01"

/* Records an OU or root, or completes it: parent / name NULL keep what
 * is known. */
static int ou_set(disc *d, const char *id, const char *parent, const char *name)
{
    char **ou = (char **)ou_find(&d->ous, id);
    if (!ou) {
        int rc = scanner_strv_add(&d->ous, id);
        if (!rc)
            rc = scanner_strv_add(&d->ous, parent ? parent : OU_UNKNOWN);
        if (!rc)
            rc = scanner_strv_add(&d->ous, name ? name : OU_UNKNOWN);
        return rc;
    }
    const char *v[2] = { parent, name };
    for (int k = 0; k < 2; k++) {
        if (!v[k])
            continue;
        char *c = strdup(v[k]);
        if (!c)
            return AWS_ENOMEM;
        free(ou[1 + k]);
        ou[1 + k] = c;
    }
    return 0;
}

static void disc_climb(disc *d, const char *ou)
{
    if (scanner_strv_contains(&d->climbed, ou))
        return;
    if (scanner_strv_add(&d->climbed, ou)) {
        place_fail(d, K_PARENTS, AWS_ENOMEM, "InternalError", "out of memory");
        return;
    }
    disc_send(d, K_DESCRIBE_OU, ou, 0, 1, NULL);
    disc_send(d, K_PARENTS, ou, 0, 1, NULL);
}

static void disc_roots(disc *d, int walk)
{
    if (d->roots_asked)
        return;
    d->roots_asked = 1 + walk;
    disc_send(d, K_ROOTS, NULL, 0, 1, NULL);
}

/* A place answer: the names and parents it tells.  0 or an error code. */
static int on_place(disc_call *c, const char *body, size_t len, char **next,
                    char *err, size_t errlen)
{
    disc *d = c->d;
    scanner_strv pairs;
    scanner_strv_init(&pairs);
    int rc = 0;
    switch (c->kind) {
    case K_ROOTS:
        rc = scanner_org_parse_named(body, len, "Roots", "Name", &pairs, next, err, errlen);
        for (size_t i = 0; rc == 0 && i + 1 < pairs.n; i += 2) {
            rc = ou_set(d, pairs.v[i], "", pairs.v[i + 1]);
            if (rc == 0 && d->roots_asked == 2)
                disc_walk(d, pairs.v[i], 0, 1);
        }
        break;
    case K_PARENTS:
        /* An OU has one parent: the first listed. */
        rc = scanner_org_parse_named(body, len, "Parents", "Type", &pairs, next, err, errlen);
        if (rc == 0 && pairs.n >= 2) {
            rc = ou_set(d, c->parent, pairs.v[0], NULL);
            if (rc == 0 && strcmp(pairs.v[1], "ROOT") == 0)
                disc_roots(d, 0);
            else if (rc == 0)
                disc_climb(d, pairs.v[0]);
        }
        break;
    case K_DESCRIBE_OU: {
        char *name = NULL;
        rc = scanner_org_parse_ou(body, len, &name, err, errlen);
        if (rc == 0)
            rc = ou_set(d, c->parent, NULL, name);
        free(name);
        break;
    }
    default:
        break;
    }
    scanner_strv_finish(&pairs);
    return rc;
}

static void on_disc(const aws_result *r, void *ud)
{
    disc_call *c = ud;
    disc *d = c->d;
    d->res->api_calls++;
    if (r->err) {
        (c->place ? place_fail : disc_fail)(d, c->kind, r->err,
                  *r->code ? r->code : aws_error_code(r->err),
                  *r->message ? r->message : aws_strerror(r->err));
    } else if (!d->res->err) {
        char err[200] = "", *next = NULL;
        int rc = 0;
        if (c->kind == K_OUS) {
            scanner_strv kids;
            scanner_strv_init(&kids);
            rc = scanner_org_parse_named(r->body, r->body_len, "OrganizationalUnits", "Name",
                                         &kids, &next, err, sizeof(err));
            for (size_t i = 0; rc == 0 && i + 1 < kids.n; i += 2) {
                if (!c->to_excluded)
                    rc = ou_set(d, kids.v[i], c->parent, kids.v[i + 1]);
                if (rc == 0)
                    disc_walk(d, kids.v[i], c->to_excluded, c->place);
            }
            scanner_strv_finish(&kids);
        } else if (c->kind == K_LIST_ACCOUNTS || c->kind == K_ACCOUNTS_FOR_PARENT) {
            scanner_strv ids;
            scanner_strv_init(&ids);
            size_t n0 = d->found.n;
            rc = scanner_org_parse_accounts(r->body, r->body_len,
                                            c->place ? &ids
                                            : c->to_excluded ? &d->excluded : &d->found,
                                            NULL, &next, err, sizeof(err));
            if (rc == 0 && !c->to_excluded && !c->place)
                rc = scanner_org_parse_account_meta(r->body, r->body_len, &d->res->meta);
            /* Where each listed account sits: ListAccountsForParent says. */
            if (rc == 0 && c->kind == K_ACCOUNTS_FOR_PARENT && !c->to_excluded) {
                scanner_strv all;
                scanner_strv_init(&all);
                rc = scanner_org_parse_account_meta(r->body, r->body_len, &all);
                for (size_t i = 0; rc == 0 && i + 2 < all.n; i += 3)
                    if ((rc = scanner_strv_add(&d->places, all.v[i])) == 0)
                        rc = scanner_strv_add(&d->places, c->parent);
                scanner_strv_finish(&all);
            }
            if (rc == 0 && d->page_cb && c->kind == K_LIST_ACCOUNTS && !c->place)
                rc = disc_stream(d, n0);
            scanner_strv_finish(&ids);
        } else {
            rc = on_place(c, r->body, r->body_len, &next, err, sizeof(err));
        }
        if (rc != 0) {
            char msg[240];
            snprintf(msg, sizeof(msg), "%s: %s", k_ops[c->kind],
                     rc == AWS_EPARSE ? err : aws_strerror(rc));
            (c->place ? place_fail : disc_fail)(d, c->kind, rc, "ParseError", msg);
        } else {
            int v = scanner_pager_next(c->pg, next);
            if (v == SCANNER_PAGER_MORE) {
                disc_send(d, c->kind, c->kind == K_LIST_ACCOUNTS || c->kind == K_ROOTS
                                      ? NULL : c->parent,
                          c->to_excluded, c->place, c->pg);
                c->pg = NULL;       /* the next page's call has it */
            } else if (v != SCANNER_PAGER_DONE && c->place) {
                char msg[256];
                scanner_pager_message(c->pg, v, msg, sizeof(msg));
                place_fail(d, c->kind, v, scanner_pager_code(v), msg);
            } else if (v != SCANNER_PAGER_DONE) {
                disc_paging_stop(d, c->kind, c->pg, v);
            }
        }
        free(next);
    }
    scanner_pager_free(c->pg);
    free(c);
    if (--d->pending == 0)
        disc_finish(d);
}

/* Sends the page of pg's token (pg NULL: the first page, with a new
 * pager); pg is the call's from then on. */
static int disc_send(disc *d, int kind, const char *parent, int to_excluded, int place,
                     scanner_pager *pg)
{
    disc_call *c = calloc(1, sizeof(*c));
    if (!pg)
        pg = scanner_pager_new();
    char *body = NULL;
    if (pg && kind == K_PARENTS)
        body = scanner_org_child_body("ChildId", parent, scanner_pager_token(pg));
    else if (pg && kind == K_DESCRIBE_OU)
        body = scanner_org_child_body("OrganizationalUnitId", parent, NULL);
    else if (pg)
        body = scanner_org_body(parent, NULL, scanner_pager_token(pg));
    static const char *const targets[] = {
        "AWSOrganizationsV20161128.ListAccounts",
        "AWSOrganizationsV20161128.ListAccountsForParent",
        "AWSOrganizationsV20161128.ListOrganizationalUnitsForParent",
        "AWSOrganizationsV20161128.ListRoots",
        "AWSOrganizationsV20161128.ListParents",
        "AWSOrganizationsV20161128.DescribeOrganizationalUnit",
    };
    int rc = AWS_ENOMEM;
    if (!c || !body)
        goto fail;
    c->pg = pg;
    c->d = d;
    c->kind = kind;
    c->to_excluded = to_excluded;
    c->place = place;
    snprintf(c->parent, sizeof(c->parent), "%s", parent ? parent : "");
    aws_call call = {
        .service = AWS_SVC_ORGANIZATIONS,
        .region = d->region,
        .rate_key = "organizations",
        .creds = d->creds,
        .proto = AWS_PROTO_JSON,
        .op = k_ops[kind],
        .target = targets[kind],
        .json_version = "1.1",
        .body = body,
        .body_len = strlen(body),
        .max_response = SCANNER_MAX_BODY,
        /* Discovery leads the Organizations lane: other work (account
         * tags) waits behind it. */
        .first = AWS_CALL_ENTER,
    };
    d->pending++;
    rc = aws_client_call(d->client, &call, on_disc, c);
    if (rc != 0) {
        d->pending--;
        goto fail;
    }
    free(body);
    return 0;
fail:
    free(c);
    free(body);
    scanner_pager_free(pg);
    (place ? place_fail : disc_fail)(d, kind, rc, "InternalError", aws_strerror(rc));
    return rc;
}

static disc *disc_new(aws_client *client, aws_creds_provider *creds, const char *region,
                      const config *cfg, scanner_discover_cb cb, void *ud)
{
    disc *d = calloc(1, sizeof(*d));
    scanner_discovery *res = calloc(1, sizeof(*res));
    if (!d || !res) {
        free(d);
        free(res);
        return NULL;
    }
    d->client = client;
    d->creds = aws_creds_provider_ref(creds);
    snprintf(d->region, sizeof(d->region), "%s", region);
    d->cfg = cfg;
    d->cb = cb;
    d->ud = ud;
    d->res = res;
    scanner_strv_init(&d->found);
    scanner_strv_init(&d->excluded);
    scanner_strv_init(&d->visited);
    scanner_strv_init(&d->climbed);
    scanner_strv_init(&d->ous);
    scanner_strv_init(&d->places);
    d->pending++;                    /* hold while starting */
    return d;
}

/* Ends the start: 0 when calls are in flight (cb will run), else the
 * error (cb never runs). */
static int disc_started(disc *d)
{
    d->pending--;
    if (d->pending > 0)
        return 0;
    /* Nothing could be started: the callback never runs. */
    scanner_discovery *res = d->res;
    int rc = res->err ? res->err : AWS_EINVAL;
    disc_strings_finish(d);
    aws_creds_provider_unref(d->creds);
    free(d);
    scanner_discovery_free(res);
    return rc;
}

int scanner_discover_accounts(aws_client *client, aws_creds_provider *creds,
                              const char *region, const config *cfg,
                              scanner_discover_cb cb, void *ud)
{
    return scanner_discover_accounts_stream(client, creds, region, cfg, NULL, cb, ud);
}

int scanner_discover_accounts_stream(aws_client *client, aws_creds_provider *creds,
                                     const char *region, const config *cfg,
                                     scanner_discover_page_cb page_cb,
                                     scanner_discover_cb cb, void *ud)
{
    disc *d = disc_new(client, creds, region, cfg, cb, ud);
    if (!d)
        return AWS_ENOMEM;
    /* An account under an excluded OU is known only once that walk ends:
     * no streaming then. */
    if (cfg->organizational_units.n == 0 && cfg->exclude_ous.n == 0)
        d->page_cb = page_cb;
    if (cfg->organizational_units.n == 0) {
        disc_send(d, K_LIST_ACCOUNTS, NULL, 0, 0, NULL);
    } else {
        /* The walk below the chosen OUs tells the paths under them; their
         * own way up to the root is a few calls each. */
        for (size_t i = 0; i < cfg->organizational_units.n; i++) {
            disc_walk(d, cfg->organizational_units.v[i], 0, 0);
            disc_climb(d, cfg->organizational_units.v[i]);
        }
    }
    for (size_t i = 0; i < cfg->exclude_ous.n; i++)
        disc_walk(d, cfg->exclude_ous.v[i], 1, 0);
    return disc_started(d);
}

int scanner_discover_paths(aws_client *client, aws_creds_provider *creds, const char *region,
                           scanner_discover_cb cb, void *ud)
{
    disc *d = disc_new(client, creds, region, NULL, cb, ud);
    if (!d)
        return AWS_ENOMEM;
    disc_roots(d, 1);
    return disc_started(d);
}

void scanner_discovery_free(scanner_discovery *d)
{
    if (!d)
        return;
    scanner_strv_finish(&d->accounts);
    scanner_strv_finish(&d->meta);
    scanner_strv_finish(&d->paths);
    free(d);
}

/* ---- regions (I/O) -------------------------------------------------------- */

typedef struct reg_call {
    scanner_regions_cb cb;
    void *ud;
    char account[16];
} reg_call;

static void on_regions(const aws_result *r, void *ud)
{
    reg_call *c = ud;
    scanner_strv regions;
    scanner_strv_init(&regions);
    if (r->err) {
        c->cb(r->err, *r->code ? r->code : aws_error_code(r->err),
              *r->message ? r->message : aws_strerror(r->err), &regions, c->ud);
    } else {
        char err[256] = "";
        int rc = scanner_ec2_parse_regions(r->body, r->body_len, &regions, err, sizeof(err));
        if (rc != 0) {
            scanner_strv_finish(&regions);
            c->cb(rc, "ParseError", rc == AWS_EPARSE ? err : aws_strerror(rc), &regions, c->ud);
        } else {
            c->cb(0, "", "", &regions, c->ud);
        }
    }
    scanner_strv_finish(&regions);
    free(c);
}

int scanner_discover_regions(aws_client *client, aws_creds_provider *creds,
                             const char *account_id, const char *region,
                             scanner_regions_cb cb, void *ud)
{
    reg_call *c = calloc(1, sizeof(*c));
    aws_buf body;
    aws_buf_init(&body, 1024);
    int rc = AWS_ENOMEM;
    if (!c || aws_query_add(&body, "Action", "DescribeRegions") ||
        aws_query_add(&body, "Version", "2016-11-15") ||
        aws_query_add(&body, "AllRegions", "true"))
        goto out;
    c->cb = cb;
    c->ud = ud;
    snprintf(c->account, sizeof(c->account), "%s", account_id);
    aws_call call = {
        .service = AWS_SVC_EC2,
        .region = region,
        .rate_key = account_id,
        .creds = creds,
        .proto = AWS_PROTO_EC2,
        .op = "DescribeRegions",
        .body = body.data,
        .body_len = body.len,
        .max_response = SCANNER_MAX_BODY,
        .first = AWS_CALL_ENTER, /* the account's targets wait for it */
    };
    rc = aws_client_call(client, &call, on_regions, c);
    if (rc == 0)
        c = NULL;
out:
    free(c);
    aws_buf_finish(&body);
    return rc;
}

/* certsweep — Jira (REST API v2, Basic auth with email:API token).
 *
 *   create:   POST /rest/api/2/issue {"fields": {project, issuetype, summary,
 *             description, labels: ["certsweep", "certsweep-<key>"]}}
 *             -> 201 {"id", "key", "self"}; the issue key is stored
 *   search:   GET /rest/api/2/search/jql?jql=labels = "certsweep-<key>"
 *             (Jira Cloud; on 404 the Data Center form /rest/api/2/search)
 *             -> {"issues": [{"key"}]}: a create that may have reached Jira
 *             before a crash adopts the issue instead of opening another
 *   escalate: POST /rest/api/2/issue/{key}/comment {"body"} -> 201
 *   resolve:  with resolve_transition: GET .../transitions, then POST
 *             .../transitions {"transition": {"id"}, "update": {"comment":
 *             [{"add": {"body"}}]}} -> 204; otherwise a comment. */
#include "notify/tickets.h"

#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    J_START = 0, J_SEARCHED, J_SEARCHED_DC, J_CREATED, J_COMMENTED, J_TRANSITIONS, J_TRANSITIONED,
};

/* "certsweep-" + the key, ':' as '-' (labels hold no spaces). */
static void label_of(const char *key, char *out, size_t n)
{
    snprintf(out, n, "certsweep-%s", key);
    for (char *p = out; *p; p++)
        if (*p == ':' || *p == ' ')
            *p = '-';
}

json_object *tk_jira_create_body(const tk_delivery *d)
{
    const config_webhook *c = d->ch->cfg;
    aws_buf text;
    aws_buf_init(&text, 60000);
    if (tk_event_text(d->event, &text) != 0) {
        aws_buf_finish(&text);
        return NULL;
    }
    char label[128], summary[256];
    label_of(d->key, label, sizeof(label));
    snprintf(summary, sizeof(summary), "%s", tk_str(d->event, "summary"));
    json_object *f = json_object_new_object();
    json_object *proj = json_object_new_object();
    json_object_object_add(proj, "key", json_object_new_string(c->project ? c->project : ""));
    json_object_object_add(f, "project", proj);
    json_object *it = json_object_new_object();
    json_object_object_add(it, "name", json_object_new_string(c->issue_type ? c->issue_type : "Task"));
    json_object_object_add(f, "issuetype", it);
    json_object_object_add(f, "summary", json_object_new_string(summary));
    json_object_object_add(f, "description", json_object_new_string(text.data ? text.data : ""));
    json_object *labels = json_object_new_array();
    json_object_array_add(labels, json_object_new_string("certsweep"));
    json_object_array_add(labels, json_object_new_string(label));
    json_object_object_add(f, "labels", labels);
    json_object *b = json_object_new_object();
    json_object_object_add(b, "fields", f);
    aws_buf_finish(&text);
    return b;
}

static int search(tk_delivery *d, tk_request *q, int dc)
{
    char label[128], jql[192];
    label_of(d->key, label, sizeof(label));
    snprintf(jql, sizeof(jql), "labels = \"%s\"", label);
    aws_buf u;
    aws_buf_init(&u, 4096);
    int rc = tk_url(&u, d->ch->url, dc ? "/rest/api/2/search" : "/rest/api/2/search/jql", "jql", jql);
    if (rc == 0)
        rc = aws_buf_puts(&u, "&fields=key&maxResults=1");
    if (rc == 0)
        rc = tk_request_json(q, "GET", u.data, NULL);
    if (rc == 0)
        rc = tk_request_basic_auth(q, d->ch->secret);
    aws_buf_finish(&u);
    d->step = dc ? J_SEARCHED_DC : J_SEARCHED;
    return rc == 0 ? TK_NEXT_SEND : rc;
}

static int issue_request(tk_delivery *d, tk_request *q, const char *method, const char *tail,
                         json_object *body, int step)
{
    aws_buf u;
    aws_buf_init(&u, 4096);
    int rc = aws_buf_printf(&u, "%s/rest/api/2/issue", d->ch->url);
    if (rc == 0 && d->external_id) {
        rc = aws_buf_putc(&u, '/');
        if (rc == 0)
            rc = aws_buf_urlencode(&u, d->external_id, strlen(d->external_id), 0);
    }
    if (rc == 0 && tail)
        rc = aws_buf_puts(&u, tail);
    if (rc == 0)
        rc = tk_request_json(q, method, u.data, body);
    if (rc == 0)
        rc = tk_request_basic_auth(q, d->ch->secret);
    aws_buf_finish(&u);
    json_object_put(body);
    d->step = step;
    return rc == 0 ? TK_NEXT_SEND : rc;
}

static json_object *text_body(tk_delivery *d)
{
    aws_buf t;
    aws_buf_init(&t, 60000);
    json_object *b = NULL;
    if (tk_event_text(d->event, &t) == 0) {
        b = json_object_new_object();
        json_object_object_add(b, "body", json_object_new_string(t.data ? t.data : ""));
    }
    aws_buf_finish(&t);
    return b;
}

static int comment(tk_delivery *d, tk_request *q)
{
    json_object *b = text_body(d);
    return b ? issue_request(d, q, "POST", "/comment", b, J_COMMENTED) : AWS_ENOMEM;
}

static int create(tk_delivery *d, tk_request *q)
{
    json_object *b = tk_jira_create_body(d);
    free(d->external_id);
    d->external_id = NULL;
    return b ? issue_request(d, q, "POST", NULL, b, J_CREATED) : AWS_ENOMEM;
}

/* After the ticket is known: what the action does to it. */
static int act(tk_delivery *d, tk_request *q)
{
    if (d->action == TK_CREATE)
        return TK_NEXT_DONE;            /* found: adopted */
    if (d->action == TK_RESOLVE && d->ch->cfg->resolve_transition)
        return issue_request(d, q, "GET", "/transitions", NULL, J_TRANSITIONS);
    return comment(d, q);
}

/* The transition whose name or target status is resolve_transition. */
static int pick_transition(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                           char *msg, size_t msglen)
{
    const char *want = d->ch->cfg->resolve_transition;
    json_object *doc = tk_parse(resp);
    json_object *ts = tk_arr(doc, "transitions");
    const char *id = NULL;
    char names[200] = "";
    size_t used = 0;
    for (size_t i = 0; ts && i < json_object_array_length(ts) && !id; i++) {
        json_object *t = json_object_array_get_idx(ts, i);
        json_object *to = NULL;
        json_object_object_get_ex(t, "to", &to);
        if (strcasecmp(tk_str(t, "name"), want) == 0 || strcasecmp(tk_str(to, "name"), want) == 0)
            id = tk_str(t, "id");
        int n = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
                         tk_str(t, "name"));
        if (n > 0 && (size_t)n < sizeof(names) - used)
            used += (size_t)n;
    }
    if (!id || !*id) {
        snprintf(msg, msglen, "issue %s has no transition named '%s' (available: %s) "
                 "\xe2\x80\x94 set resolve_transition to one of them", d->external_id, want,
                 used ? names : "none");
        json_object_put(doc);
        return TK_NEXT_REFUSED;
    }
    json_object *b = json_object_new_object();
    json_object *tr = json_object_new_object();
    json_object_object_add(tr, "id", json_object_new_string(id));
    json_object_object_add(b, "transition", tr);
    json_object_put(doc);
    json_object *body = text_body(d);
    if (body) {
        json_object *add = json_object_new_object();
        json_object_object_add(add, "add", body);
        json_object *arr = json_object_new_array();
        json_object_array_add(arr, add);
        json_object *upd = json_object_new_object();
        json_object_object_add(upd, "comment", arr);
        json_object_object_add(b, "update", upd);
    }
    return issue_request(d, q, "POST", "/transitions", b, J_TRANSITIONED);
}

static int jira_next(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                     char *msg, size_t msglen)
{
    if (!resp) {
        if (!d->external_id && (d->search_first || d->action != TK_CREATE))
            return search(d, q, 0);
        return d->action == TK_CREATE ? create(d, q) : act(d, q);
    }
    long st = resp->status;
    switch (d->step) {
    case J_SEARCHED:
    case J_SEARCHED_DC: {
        if (st == 404 && d->step == J_SEARCHED)
            return search(d, q, 1);
        if (st / 100 != 2)
            break;
        json_object *doc = tk_parse(resp);
        json_object *is = tk_arr(doc, "issues");
        const char *key = is && json_object_array_length(is)
                        ? tk_str(json_object_array_get_idx(is, 0), "key") : "";
        if (*key && !(d->external_id = strdup(key))) {
            json_object_put(doc);
            return AWS_ENOMEM;
        }
        json_object_put(doc);
        if (d->external_id)
            return act(d, q);
        if (d->action == TK_CREATE)
            return create(d, q);
        return TK_NEXT_DONE;            /* nothing to resolve or update: never created */
    }
    case J_CREATED: {
        if (st / 100 != 2)
            break;
        json_object *doc = tk_parse(resp);
        const char *key = tk_str(doc, "key");
        if (!*key) {
            json_object_put(doc);
            snprintf(msg, msglen, "HTTP %ld: the answer to the create holds no issue key", st);
            return TK_NEXT_REFUSED;
        }
        free(d->external_id);
        d->external_id = strdup(key);
        json_object_put(doc);
        return d->external_id ? TK_NEXT_DONE : AWS_ENOMEM;
    }
    case J_TRANSITIONS:
        if (st / 100 != 2)
            break;
        return pick_transition(d, resp, q, msg, msglen);
    case J_COMMENTED:
    case J_TRANSITIONED:
        if (st / 100 == 2)
            return TK_NEXT_DONE;
        break;
    }
    tk_refusal(resp, msg, msglen);
    return TK_NEXT_REFUSED;
}

const tk_vendor tk_vendor_jira = { .type = "jira", .tickets = 1, .next = jira_next };

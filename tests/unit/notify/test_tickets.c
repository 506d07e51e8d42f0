/* Unit tests of notify/tickets: the decision table (what a ticket must
 * become), the backoff, the bodies each receiver sends and the receivers'
 * request sequences against canned answers, and the tickets table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "notify/tickets.h"
#include "state/state.h"

/* ---- the decision table ------------------------------------------------------ */

#define L(...) ((const char *const[]){ __VA_ARGS__ })
#define S(...) ((const int[]){ __VA_ARGS__ })

typedef struct decide_case {
    const char *name;
    const char *status;
    int severity;
    const char *const *members;
    size_t n_members;
    int has_pending;
    const char *const *present;
    const int *present_sev;
    size_t n_present;
    const char *const *eligible;
    size_t n_eligible;
    const char *const *resolved;
    size_t n_resolved;
    /* expected */
    tk_action action;
    const char *event;
    int resend, search_first;
    const char *members_after;      /* space-separated */
    int severity_after;
} decide_case;

static const decide_case decide_cases[] = {
    { "no ticket, eligible: create", "", -1, NULL, 0, 0,
      L("a"), S(3), 1, L("a"), 1, NULL, 0, TK_CREATE, "new", 0, 0, "a", 3 },
    { "no ticket, below min_severity: nothing", "", -1, NULL, 0, 0,
      NULL, NULL, 0, NULL, 0, NULL, 0, 0, NULL, 0, 0, "", -1 },
    { "open, unchanged: nothing", "open", 3, L("a"), 1, 0,
      L("a"), S(3), 1, L("a"), 1, NULL, 0, 0, NULL, 0, 0, "a", 3 },
    { "open, lower severity now: nothing", "open", 3, L("a"), 1, 0,
      L("a"), S(2), 1, L("a"), 1, NULL, 0, 0, NULL, 0, 0, "a", 2 },
    { "open, severity rose: escalated", "open", 2, L("a"), 1, 0,
      L("a"), S(3), 1, L("a"), 1, NULL, 0, TK_UPDATE, "escalated", 0, 0, "a", 3 },
    { "open, resolved in this run: resolve", "open", 3, L("a"), 1, 0,
      NULL, NULL, 0, NULL, 0, L("a"), 1, TK_RESOLVE, "resolved", 0, 0, "", 3 },
    { "open, not read in this run: nothing", "open", 3, L("a"), 1, 0,
      NULL, NULL, 0, NULL, 0, NULL, 0, 0, NULL, 0, 0, "a", 3 },
    { "open, not read, an update waits: resend it", "open", 3, L("a"), 1, 1,
      NULL, NULL, 0, NULL, 0, NULL, 0, 0, NULL, 1, 0, "a", 3 },
    { "creating, still there: resend with a search", "creating", 3, L("a"), 1, 1,
      L("a"), S(3), 1, L("a"), 1, NULL, 0, TK_CREATE, NULL, 1, 1, "a", 3 },
    { "creating, severity changed: a fresh create, with a search", "creating", 2, L("a"), 1, 1,
      L("a"), S(4), 1, L("a"), 1, NULL, 0, TK_CREATE, "new", 0, 1, "a", 4 },
    { "creating, resolved meanwhile: resolve what a search finds", "creating", 3, L("a"), 1, 1,
      NULL, NULL, 0, NULL, 0, L("a"), 1, TK_RESOLVE, "resolved", 0, 1, "", 3 },
    { "resolved before, back now: a new ticket", "resolved", 3, L("a"), 1, 0,
      L("a"), S(3), 1, L("a"), 1, NULL, 0, TK_CREATE, "new", 0, 0, "a", 3 },
    { "resolving, back now: update", "resolving", 3, L("a"), 1, 1,
      L("a"), S(3), 1, L("a"), 1, NULL, 0, TK_UPDATE, "updated", 0, 0, "a", 3 },
    { "resolving, not read: resend the resolve", "resolving", 3, L("a"), 1, 1,
      NULL, NULL, 0, NULL, 0, NULL, 0, 0, NULL, 1, 0, "a", 3 },
    /* group_by = account */
    { "account: one of two resolved, the other present: updated", "open", 3, L("a", "b"), 2, 0,
      L("b"), S(3), 1, L("b"), 1, L("a"), 1, TK_UPDATE, "updated", 0, 0, "b", 3 },
    { "account: one resolved, the other not read: stays, updated", "open", 3, L("a", "b"), 2, 0,
      NULL, NULL, 0, NULL, 0, L("a"), 1, TK_UPDATE, "updated", 0, 0, "b", 3 },
    { "account: a new finding joins: updated", "open", 3, L("a"), 1, 0,
      L("a", "c"), S(3, 2), 2, L("a", "c"), 2, NULL, 0, TK_UPDATE, "updated", 0, 0, "a c", 3 },
    { "account: a member below min_severity stays a member", "open", 3, L("a", "b"), 2, 0,
      L("a", "b"), S(3, 1), 2, L("a"), 1, NULL, 0, 0, NULL, 0, 0, "a b", 3 },
    { "account: all resolved: resolve", "open", 3, L("a", "b"), 2, 0,
      NULL, NULL, 0, NULL, 0, L("a", "b"), 2, TK_RESOLVE, "resolved", 0, 0, "", 3 },
    { "a resolved id that is not a member changes nothing", "open", 3, L("a"), 1, 0,
      L("a"), S(3), 1, L("a"), 1, L("z"), 1, 0, NULL, 0, 0, "a", 3 },
};

static void decide_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
        const decide_case *c = &decide_cases[i];
        tk_known k = { .status = c->status, .severity = c->severity, .members = c->members,
                       .n_members = c->n_members, .has_pending = c->has_pending };
        tk_decision d;
        assert_int_equal(tk_decide(&k, c->present, c->present_sev, c->n_present, c->eligible,
                                   c->n_eligible, c->resolved, c->n_resolved, &d), 0);
        char members[64] = "";
        size_t used = 0;
        for (size_t m = 0; m < d.n_members && used < sizeof(members); m++)
            used += (size_t)snprintf(members + used, sizeof(members) - used, "%s%s",
                                     m ? " " : "", d.members[m]);
        if ((int)d.action != (int)c->action || d.resend != c->resend ||
            d.search_first != c->search_first ||
            (c->event ? !d.event || strcmp(d.event, c->event) != 0 : d.event != NULL) ||
            (c->action || c->resend ? strcmp(members, c->members_after) != 0 : 0) ||
            (c->action && d.severity != c->severity_after))
            fail_msg("%s: got action %d event %s resend %d search %d members '%s' severity %d",
                     c->name, d.action, d.event ? d.event : "-", d.resend, d.search_first,
                     members, d.severity);
        tk_decision_finish(&d);
    }
}

static void backoff_doubles_to_a_cap(void **state)
{
    (void)state;
    assert_int_equal(tk_backoff(0), 0);
    assert_int_equal(tk_backoff(1), 0);     /* the next run tries again */
    assert_int_equal(tk_backoff(2), TK_BACKOFF_BASE);
    assert_int_equal(tk_backoff(3), 2 * TK_BACKOFF_BASE);
    assert_int_equal(tk_backoff(4), 4 * TK_BACKOFF_BASE);
    assert_int_equal(tk_backoff(20), TK_BACKOFF_MAX);
    assert_int_equal(tk_backoff(1000), TK_BACKOFF_MAX);
}

/* ---- bodies ------------------------------------------------------------------------ */

static json_object *event(const char *kind, const char *severity)
{
    char txt[1024];
    snprintf(txt, sizeof(txt),
             "{\"schema\":\"certsweep.ticket\",\"version\":1,\"event\":\"%s\",\"key\":\"k1\","
             "\"summary\":\"[%s] Certificate expires in 20 days (account 111111111111, eu-west-1)\","
             "\"account_id\":\"111111111111\",\"severity\":\"%s\",\"previous_severity\":\"MEDIUM\","
             "\"findings\":[{\"id\":\"k1\",\"rule\":\"expiring\",\"severity\":\"%s\","
             "\"account_id\":\"111111111111\",\"region\":\"eu-west-1\",\"resource_id\":\"abc\","
             "\"title\":\"Certificate expires in 20 days\",\"days_to_expiry\":20,"
             "\"console_url\":\"https://console.aws.amazon.com/acm\"}],\"resolved_findings\":[]}",
             kind, severity, severity, severity);
    json_object *o = json_tokener_parse(txt);
    assert_non_null(o);
    return o;
}

static config_webhook wh_cfg(const char *type)
{
    config_webhook c = { .name = "t", .type = (char *)type, .project = "SEC",
                         .issue_type = "Task", .close_code = "Solved (Permanently)",
                         .timeout_seconds = 5 };
    return c;
}

static void generic_signature_is_hmac_sha256(void **state)
{
    (void)state;
    char sig[72];
    /* RFC 4231 test case 2. */
    const char *data = "what do ya want for nothing?";
    assert_int_equal(tk_generic_signature("Jefe", data, strlen(data), sig), 0);
    assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void resp_set(aws_http_response *r, long status, const char *body)
{
    aws_buf_finish(&r->body);
    memset(r, 0, sizeof(*r));
    r->status = status;
    aws_buf_init(&r->body, 1 << 20);
    if (body)
        assert_int_equal(aws_buf_puts(&r->body, body), 0);
}

static void generic_request_carries_the_event_and_its_signature(void **state)
{
    (void)state;
    config_webhook cfg = wh_cfg("generic");
    tk_channel ch = { .cfg = &cfg, .vendor = &tk_vendor_generic, .secret = "key",
                      .url = "https://hooks.example/in" };
    json_object *ev = event("new", "HIGH");
    tk_delivery d = { .ch = &ch, .action = TK_CREATE, .key = "k1", .event = ev };
    tk_request q;
    tk_request_init(&q);
    char msg[256];
    assert_int_equal(ch.vendor->next(&d, NULL, &q, msg, sizeof(msg)), TK_NEXT_SEND);
    assert_string_equal(q.method, "POST");
    assert_string_equal(q.url, "https://hooks.example/in");
    char want[72];
    tk_generic_signature("key", q.body, q.body_len, want);
    assert_string_equal(aws_headers_get(&q.headers, "X-Certsweep-Signature"), want);
    assert_string_equal(aws_headers_get(&q.headers, "X-Certsweep-Event"), "new");
    json_object *sent = json_tokener_parse(q.body);
    assert_true(json_object_equal(sent, ev));
    json_object_put(sent);
    aws_http_response r = { 0 };
    resp_set(&r, 204, NULL);
    assert_int_equal(ch.vendor->next(&d, &r, &q, msg, sizeof(msg)), TK_NEXT_DONE);
    resp_set(&r, 401, "{\"error\":\"bad\nsignature\"}");
    assert_int_equal(ch.vendor->next(&d, &r, &q, msg, sizeof(msg)), TK_NEXT_REFUSED);
    assert_string_equal(msg, "HTTP 401: {\"error\":\"bad signature\"}");
    aws_buf_finish(&r.body);
    tk_request_finish(&q);
    json_object_put(ev);
}

static void refusal_is_one_capped_line(void **state)
{
    (void)state;
    aws_http_response r = { 0 };
    char big[1000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[5] = '\x01';
    resp_set(&r, 400, big);
    char msg[512];
    tk_refusal(&r, msg, sizeof(msg));
    assert_int_equal(strlen(msg), strlen("HTTP 400: ") + TK_ERROR_SNIPPET + 3);
    assert_int_equal(msg[strlen("HTTP 400: ") + 5], '?');
    assert_string_equal(msg + strlen(msg) - 3, "...");
    resp_set(&r, 403, NULL);
    tk_refusal(&r, msg, sizeof(msg));
    assert_string_equal(msg, "HTTP 403: (no message)");
    aws_buf_finish(&r.body);
}

static void pagerduty_trigger_and_resolve(void **state)
{
    (void)state;
    config_webhook cfg = wh_cfg("pagerduty");
    tk_channel ch = { .cfg = &cfg, .vendor = &tk_vendor_pagerduty, .secret = "RK",
                      .url = "https://events.pagerduty.com/v2/enqueue" };
    json_object *ev = event("escalated", "CRITICAL");
    tk_delivery d = { .ch = &ch, .action = TK_UPDATE, .key = "k1", .event = ev };
    json_object *b = tk_pagerduty_body(&d);
    assert_string_equal(tk_str(b, "routing_key"), "RK");
    assert_string_equal(tk_str(b, "event_action"), "trigger");
    assert_string_equal(tk_str(b, "dedup_key"), "k1");
    json_object *p = NULL;
    assert_true(json_object_object_get_ex(b, "payload", &p));
    assert_string_equal(tk_str(p, "severity"), "critical");
    assert_string_equal(tk_str(p, "source"), "111111111111/eu-west-1");
    assert_string_equal(tk_str(p, "component"), "abc");
    assert_string_equal(tk_str(p, "class"), "expiring");
    json_object_put(b);
    d.action = TK_RESOLVE;
    b = tk_pagerduty_body(&d);
    assert_string_equal(tk_str(b, "event_action"), "resolve");
    assert_false(json_object_object_get_ex(b, "payload", NULL));
    json_object_put(b);
    json_object_put(ev);
    static const struct { const char *in, *out; } sev[] = {
        { "HIGH", "error" }, { "MEDIUM", "warning" }, { "LOW", "info" }, { "INFORMATIONAL", "info" },
    };
    for (size_t i = 0; i < sizeof(sev) / sizeof(sev[0]); i++) {
        ev = event("new", sev[i].in);
        d = (tk_delivery){ .ch = &ch, .action = TK_CREATE, .key = "k1", .event = ev };
        b = tk_pagerduty_body(&d);
        json_object_object_get_ex(b, "payload", &p);
        assert_string_equal(tk_str(p, "severity"), sev[i].out);
        json_object_put(b);
        json_object_put(ev);
    }
}

/* Runs a receiver through canned answers: each step checks the request
 * (method, URL) and feeds the answer; returns the final TK_NEXT_*. */
typedef struct step {
    const char *method, *url;
    long status;
    const char *answer;
} step;

static int drive(tk_delivery *d, const step *steps, size_t n, char *msg, size_t msglen,
                 char **last_body)
{
    tk_request q;
    tk_request_init(&q);
    aws_http_response r = { 0 };
    int rc = d->ch->vendor->next(d, NULL, &q, msg, msglen);
    for (size_t i = 0; i < n && rc == TK_NEXT_SEND; i++) {
        if (strcmp(q.method, steps[i].method) != 0 || strcmp(q.url, steps[i].url) != 0)
            fail_msg("step %zu: got %s %s, want %s %s", i, q.method, q.url, steps[i].method,
                     steps[i].url);
        const char *auth = aws_headers_get(&q.headers, "Authorization");
        if (d->ch->vendor != &tk_vendor_generic && d->ch->vendor != &tk_vendor_pagerduty)
            assert_string_equal(auth, "Basic dXNlcjp0b2tlbg==");     /* user:token */
        if (last_body) {
            free(*last_body);
            *last_body = q.body ? strdup(q.body) : NULL;
        }
        resp_set(&r, steps[i].status, steps[i].answer);
        tk_request_finish(&q);
        rc = d->ch->vendor->next(d, &r, &q, msg, msglen);
    }
    aws_buf_finish(&r.body);
    tk_request_finish(&q);
    return rc;
}

/* A ticket's text says whose account it is, where it sits and the tags
 * (issue 11); without them it reads as before. */
static void event_text_names_and_tags(void **state)
{
    (void)state;
    json_object *ev = event("new", "HIGH");
    aws_buf b;
    aws_buf_init(&b, 64 * 1024);
    assert_int_equal(tk_event_text(ev, &b), 0);
    assert_non_null(strstr(b.data, "(account 111111111111, eu-west-1, abc, 20 days to expiry)"));
    assert_null(strstr(b.data, "Tags:"));
    json_object *f = json_object_array_get_idx(tk_arr(ev, "findings"), 0);
    json_object_object_add(f, "account_name", json_object_new_string("shop-prod"));
    json_object_object_add(f, "ou_path", json_object_new_string("Root/Production"));
    json_object_object_add(f, "tags", json_tokener_parse("{\"team\":\"web\",\"env\":\"prod\"}"));
    json_object_object_add(f, "account_tags", json_tokener_parse("{\"owner\":\"sec@example.com\"}"));
    aws_buf_reset(&b);
    assert_int_equal(tk_event_text(ev, &b), 0);
    assert_non_null(strstr(b.data, "(account 111111111111 shop-prod in Root/Production, eu-west-1, "
                                   "abc, 20 days to expiry)"));
    assert_non_null(strstr(b.data, "\nTags: team=web; env=prod\nAccount tags: owner=sec@example.com\n"));
    aws_buf_finish(&b);
    json_object_put(ev);
}

static void jira_sequences(void **state)
{
    (void)state;
    config_webhook cfg = wh_cfg("jira");
    tk_channel ch = { .cfg = &cfg, .vendor = &tk_vendor_jira, .secret = "user:token",
                      .url = "https://x.atlassian.net" };
    json_object *ev = event("new", "HIGH");
    char msg[512] = "";
    char *body = NULL;

    /* A fresh create: no search. */
    tk_delivery d = { .ch = &ch, .action = TK_CREATE, .key = "k1", .event = ev };
    const step fresh[] = {
        { "POST", "https://x.atlassian.net/rest/api/2/issue", 201,
          "{\"id\":\"10001\",\"key\":\"SEC-7\",\"self\":\"...\"}" },
    };
    assert_int_equal(drive(&d, fresh, 1, msg, sizeof(msg), &body), TK_NEXT_DONE);
    assert_string_equal(d.external_id, "SEC-7");
    json_object *b = json_tokener_parse(body);
    json_object *f = NULL;
    json_object_object_get_ex(b, "fields", &f);
    json_object *labels = tk_arr(f, "labels");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(labels, 1)), "certsweep-k1");
    assert_string_equal(tk_str(f, "summary"),
                        "[HIGH] Certificate expires in 20 days (account 111111111111, eu-west-1)");
    assert_non_null(strstr(tk_str(f, "description"), "certsweep key: k1"));
    json_object_put(b);
    free(d.external_id);

    /* An interrupted create: search first; found means adopted. */
    d = (tk_delivery){ .ch = &ch, .action = TK_CREATE, .key = "account:1", .event = ev,
                       .search_first = 1 };
    const step found[] = {
        { "GET", "https://x.atlassian.net/rest/api/2/search/jql?jql=labels%20%3D%20%22certsweep-account-1%22"
                 "&fields=key&maxResults=1", 200, "{\"issues\":[{\"id\":\"1\",\"key\":\"SEC-3\"}]}" },
    };
    assert_int_equal(drive(&d, found, 1, msg, sizeof(msg), NULL), TK_NEXT_DONE);
    assert_string_equal(d.external_id, "SEC-3");
    free(d.external_id);

    /* Not found on Cloud's endpoint (404: Data Center), not found there: create. */
    d = (tk_delivery){ .ch = &ch, .action = TK_CREATE, .key = "k1", .event = ev, .search_first = 1 };
    const step dc[] = {
        { "GET", "https://x.atlassian.net/rest/api/2/search/jql?jql=labels%20%3D%20%22certsweep-k1%22"
                 "&fields=key&maxResults=1", 404, "{}" },
        { "GET", "https://x.atlassian.net/rest/api/2/search?jql=labels%20%3D%20%22certsweep-k1%22"
                 "&fields=key&maxResults=1", 200, "{\"issues\":[],\"total\":0}" },
        { "POST", "https://x.atlassian.net/rest/api/2/issue", 201, "{\"key\":\"SEC-8\"}" },
    };
    assert_int_equal(drive(&d, dc, 3, msg, sizeof(msg), NULL), TK_NEXT_DONE);
    assert_string_equal(d.external_id, "SEC-8");
    free(d.external_id);

    /* Resolve through the configured transition, with a comment. */
    cfg.resolve_transition = "done";
    d = (tk_delivery){ .ch = &ch, .action = TK_RESOLVE, .key = "k1", .event = ev,
                       .external_id = strdup("SEC-8") };
    const step tr[] = {
        { "GET", "https://x.atlassian.net/rest/api/2/issue/SEC-8/transitions", 200,
          "{\"transitions\":[{\"id\":\"11\",\"name\":\"To Do\",\"to\":{\"name\":\"To Do\"}},"
          "{\"id\":\"31\",\"name\":\"Close\",\"to\":{\"name\":\"Done\"}}]}" },
        { "POST", "https://x.atlassian.net/rest/api/2/issue/SEC-8/transitions", 204, NULL },
    };
    assert_int_equal(drive(&d, tr, 2, msg, sizeof(msg), &body), TK_NEXT_DONE);
    b = json_tokener_parse(body);
    json_object *t = NULL;
    json_object_object_get_ex(b, "transition", &t);
    assert_string_equal(tk_str(t, "id"), "31");
    assert_true(json_object_object_get_ex(b, "update", NULL));
    json_object_put(b);
    free(d.external_id);

    /* A transition that does not exist is a refusal that names the choices. */
    cfg.resolve_transition = "Closed";
    d = (tk_delivery){ .ch = &ch, .action = TK_RESOLVE, .key = "k1", .event = ev,
                       .external_id = strdup("SEC-8") };
    assert_int_equal(drive(&d, tr, 1, msg, sizeof(msg), NULL), TK_NEXT_REFUSED);
    assert_non_null(strstr(msg, "no transition named 'Closed' (available: To Do, Close)"));
    free(d.external_id);

    /* Without resolve_transition: a comment; an escalation: a comment. */
    cfg.resolve_transition = NULL;
    d = (tk_delivery){ .ch = &ch, .action = TK_UPDATE, .key = "k1", .event = ev,
                       .external_id = strdup("SEC-8") };
    const step cm[] = {
        { "POST", "https://x.atlassian.net/rest/api/2/issue/SEC-8/comment", 201, "{\"id\":\"5\"}" },
    };
    assert_int_equal(drive(&d, cm, 1, msg, sizeof(msg), NULL), TK_NEXT_DONE);
    free(d.external_id);

    /* A resolve of an interrupted create that never reached Jira: done. */
    d = (tk_delivery){ .ch = &ch, .action = TK_RESOLVE, .key = "k1", .event = ev, .search_first = 1 };
    const step none[] = {
        { "GET", "https://x.atlassian.net/rest/api/2/search/jql?jql=labels%20%3D%20%22certsweep-k1%22"
                 "&fields=key&maxResults=1", 200, "{\"issues\":[]}" },
    };
    assert_int_equal(drive(&d, none, 1, msg, sizeof(msg), NULL), TK_NEXT_DONE);
    assert_null(d.external_id);

    /* A 400 on create is refused with Jira's message. */
    d = (tk_delivery){ .ch = &ch, .action = TK_CREATE, .key = "k1", .event = ev };
    const step bad[] = {
        { "POST", "https://x.atlassian.net/rest/api/2/issue", 400,
          "{\"errorMessages\":[],\"errors\":{\"project\":\"valid project is required\"}}" },
    };
    assert_int_equal(drive(&d, bad, 1, msg, sizeof(msg), NULL), TK_NEXT_REFUSED);
    assert_non_null(strstr(msg, "HTTP 400: {\"errorMessages\":[],\"errors\":{\"project\":\"valid project is required\"}}"));
    free(d.external_id);
    free(body);
    json_object_put(ev);
}

static void servicenow_sequences(void **state)
{
    (void)state;
    config_webhook cfg = wh_cfg("servicenow");
    tk_channel ch = { .cfg = &cfg, .vendor = &tk_vendor_servicenow, .secret = "user:token",
                      .url = "https://acme.service-now.com" };
    json_object *ev = event("new", "CRITICAL");
    char msg[512] = "";
    char *body = NULL;
    tk_delivery d = { .ch = &ch, .action = TK_CREATE, .key = "k1", .event = ev, .search_first = 1 };
    const step create[] = {
        { "GET", "https://acme.service-now.com/api/now/table/incident?sysparm_query=correlation_id%3Dk1"
                 "&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1", 200, "{\"result\":[]}" },
        { "POST", "https://acme.service-now.com/api/now/table/incident?sysparm_fields=sys_id%2Cnumber",
          201, "{\"result\":{\"sys_id\":\"0123456789abcdef0123456789abcdef\",\"number\":\"INC0010001\"}}" },
    };
    assert_int_equal(drive(&d, create, 2, msg, sizeof(msg), &body), TK_NEXT_DONE);
    assert_string_equal(d.external_id, "0123456789abcdef0123456789abcdef");
    json_object *b = json_tokener_parse(body);
    assert_string_equal(tk_str(b, "correlation_id"), "k1");
    assert_string_equal(tk_str(b, "urgency"), "1");
    assert_string_equal(tk_str(b, "impact"), "1");
    assert_string_equal(tk_str(b, "short_description"),
                        "[CRITICAL] Certificate expires in 20 days (account 111111111111, eu-west-1)");
    json_object_put(b);

    d.action = TK_RESOLVE;
    d.search_first = 0;
    const step resolve[] = {
        { "PATCH", "https://acme.service-now.com/api/now/table/incident/0123456789abcdef0123456789abcdef"
                   "?sysparm_fields=sys_id%2Cnumber%2Cstate", 200, "{\"result\":{}}" },
    };
    assert_int_equal(drive(&d, resolve, 1, msg, sizeof(msg), &body), TK_NEXT_DONE);
    b = json_tokener_parse(body);
    assert_string_equal(tk_str(b, "state"), "6");
    assert_string_equal(tk_str(b, "close_code"), "Solved (Permanently)");
    assert_non_null(strstr(tk_str(b, "close_notes"), "certsweep key: k1"));
    json_object_put(b);

    d.action = TK_UPDATE;
    assert_int_equal(drive(&d, resolve, 1, msg, sizeof(msg), &body), TK_NEXT_DONE);
    b = json_tokener_parse(body);
    assert_non_null(strstr(tk_str(b, "work_notes"), "Certificate expires in 20 days"));
    assert_false(json_object_object_get_ex(b, "state", NULL));
    json_object_put(b);

    /* The interrupted create that ServiceNow has: adopted, nothing created. */
    free(d.external_id);
    d = (tk_delivery){ .ch = &ch, .action = TK_CREATE, .key = "k1", .event = ev, .search_first = 1 };
    const step found[] = {
        { "GET", "https://acme.service-now.com/api/now/table/incident?sysparm_query=correlation_id%3Dk1"
                 "&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1", 200,
          "{\"result\":[{\"sys_id\":\"ffffffffffffffffffffffffffffffff\",\"number\":\"INC1\"}]}" },
    };
    assert_int_equal(drive(&d, found, 1, msg, sizeof(msg), NULL), TK_NEXT_DONE);
    assert_string_equal(d.external_id, "ffffffffffffffffffffffffffffffff");
    free(d.external_id);
    free(body);
    json_object_put(ev);
}

static void chat_bodies(void **state)
{
    (void)state;
    json_object *ev = json_tokener_parse(
        "{\"event\":\"digest\",\"counts\":{\"new\":1,\"escalated\":0,\"resolved\":2,\"open\":5},"
        "\"findings\":[{\"label\":\"new\",\"severity\":\"HIGH\",\"title\":\"T\",\"account_id\":\"1\","
        "\"region\":\"r\"}],\"resolved_findings\":[]}");
    json_object *s = tk_slack_body(ev);
    assert_string_equal(tk_str(s, "text"),
                        "certsweep: 1 new, 0 escalated, 2 resolved, 5 open\nnew [HIGH] T (1 r)\n");
    json_object_put(s);
    json_object *t = tk_teams_body(ev);
    assert_string_equal(tk_str(t, "type"), "message");
    json_object *att = json_object_array_get_idx(tk_arr(t, "attachments"), 0);
    assert_string_equal(tk_str(att, "contentType"), "application/vnd.microsoft.card.adaptive");
    json_object *card = NULL;
    json_object_object_get_ex(att, "content", &card);
    assert_string_equal(tk_str(card, "type"), "AdaptiveCard");
    json_object *block = json_object_array_get_idx(tk_arr(card, "body"), 0);
    assert_string_equal(tk_str(block, "type"), "TextBlock");
    assert_non_null(strstr(tk_str(block, "text"), "1 new, 0 escalated"));
    json_object_put(t);
    json_object_put(ev);
}

/* ---- the tickets table ------------------------------------------------------------- */

static int count_rows(const state_ticket_row *r, void *ud)
{
    int *n = ud;
    if (strcmp(r->channel, "jira") == 0) {
        assert_string_equal(r->status, "open");
        assert_string_equal(r->external_id, "SEC-1");
        assert_string_equal(r->members, "k1");
        assert_string_equal(r->pending, "");
        assert_null(r->event);
        assert_int_equal(r->created_at, 100);       /* kept by the upsert */
        assert_int_equal(r->updated_at, 200);
    }
    (*n)++;
    return 0;
}

static void tickets_table_round_trip(void **state)
{
    (void)state;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    state_ticket_row r = { .channel = "jira", .key = "k1", .status = "creating", .severity = 3,
                           .members = "k1", .pending = "create", .event = "{}",
                           .created_at = 100, .updated_at = 100 };
    assert_int_equal(state_ticket_put(db, &r), 0);
    r.status = "open";
    r.external_id = "SEC-1";
    r.pending = "";
    r.event = NULL;
    r.created_at = 200;
    r.updated_at = 200;
    assert_int_equal(state_ticket_put(db, &r), 0);
    r.channel = "pd";
    assert_int_equal(state_ticket_put(db, &r), 0);
    int n = 0;
    assert_int_equal(state_ticket_each(db, "jira", count_rows, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(state_ticket_each(db, NULL, count_rows, &n), 0);
    assert_int_equal(n, 2);
    r.status = NULL;
    assert_int_equal(state_ticket_put(db, &r), AWS_EINVAL);
    /* Delivered digests older than the cut go; a pending one and tickets stay. */
    state_ticket_row dg = { .channel = "chat", .key = "digest:000000000001", .status = "sent",
                            .pending = "", .created_at = 50, .updated_at = 50 };
    assert_int_equal(state_ticket_put(db, &dg), 0);
    dg.key = "digest:000000000002";
    dg.status = "sending";
    dg.pending = "digest";
    dg.event = "{}";
    assert_int_equal(state_ticket_put(db, &dg), 0);
    dg.key = "digest:000000000003";
    dg.status = "sent";
    dg.pending = "";
    dg.updated_at = 500;
    assert_int_equal(state_ticket_put(db, &dg), 0);
    assert_int_equal(state_ticket_prune_digests(db, 300), 0);
    n = 0;
    assert_int_equal(state_ticket_each(db, NULL, count_rows, &n), 0);
    assert_int_equal(n, 4);         /* jira k1, pd k1, digests 2 and 3 */
    state_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decide_table),
        cmocka_unit_test(backoff_doubles_to_a_cap),
        cmocka_unit_test(generic_signature_is_hmac_sha256),
        cmocka_unit_test(generic_request_carries_the_event_and_its_signature),
        cmocka_unit_test(refusal_is_one_capped_line),
        cmocka_unit_test(pagerduty_trigger_and_resolve),
        cmocka_unit_test(event_text_names_and_tags),
        cmocka_unit_test(jira_sequences),
        cmocka_unit_test(servicenow_sequences),
        cmocka_unit_test(chat_bodies),
        cmocka_unit_test(tickets_table_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* certsweep — tickets: what notify/tickets.c (the engine) shares with the
 * receivers (notify/webhook_*.c) and the unit tests.  Not for other rooms.
 *
 * The engine decides, per [webhook NAME] channel and per key (a finding id,
 * or "account:<id>" with group_by = account), what the ticket must become
 * (created, updated, resolved) from this run's findings, its resolved list
 * (scanner/resolve.h: nothing else resolves) and the ticket's row in the
 * state; it writes that intent as an *event* (a JSON document, the body of
 * the generic webhook, schema below) into the row before sending, then
 * hands the event to the receiver, whose `next` function turns it into one
 * HTTP request after another (a Jira search, then a create, ...) until it is
 * done.  Transport errors, 408, 429 and 5xx never reach `next`: the engine
 * keeps the event pending for the next run.
 *
 * Event document (version 1; README "Tickets" documents it):
 *   { "schema": "certsweep.ticket", "version": 1,
 *     "event": "new" | "escalated" | "updated" | "resolved" | "digest",
 *     "event_id": hex, "channel": NAME, "created_at": ISO-8601,
 *     ticket events: "key", "group_by", "account_id", "severity",
 *                    "previous_severity" (escalated), "summary",
 *                    "findings": [finding...] (open now),
 *                    "resolved_findings": [finding...] (resolved in this run)
 *     digest:        "run_id", "counts": {new, escalated, resolved, open},
 *                    "findings": [new and escalated], "resolved_findings" }
 *   finding: { id, rule, severity, label, previous_severity?, account_id,
 *              region, resource_type, resource_arn, resource_id, domain,
 *              not_after, days_to_expiry, title, details, remediation,
 *              console_url }
 */
#ifndef NOTIFY_TICKETS_H
#define NOTIFY_TICKETS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"
#include "aws/headers.h"
#include "aws/http.h"
#include "config/config.h"
#include "scanner/finding.h"

#define TK_SCHEMA "certsweep.ticket"
#define TK_VERSION 1
#define TK_SECRET_MAX 8192          /* bytes of a secret file */
#define TK_MAX_STEPS 6              /* requests of one delivery */
#define TK_MAX_RESPONSE (1024 * 1024)
#define TK_ERROR_SNIPPET 300        /* characters of a refusal shown */
#define TK_BACKOFF_BASE 300         /* seconds after the second failed run */
#define TK_BACKOFF_MAX 21600
#define TK_HELD_RETRY 86400         /* a refused event is tried again once a day */
#define TK_DIGEST_KEEP (30 * 86400) /* delivered digest rows are kept this long */

typedef enum tk_action {
    TK_CREATE = 1,
    TK_UPDATE,
    TK_RESOLVE,
    TK_DIGEST,
} tk_action;

const char *tk_action_name(tk_action a);        /* "create", ... */
int tk_action_parse(const char *s);             /* 0 when unknown */

struct tk_vendor;

/* One configured channel, ready to send. */
typedef struct tk_channel {
    const config_webhook *cfg;
    const struct tk_vendor *vendor;
    char *secret;                   /* wiped on free; never logged */
    char *secret_b64;               /* its Basic-auth form (base64), wiped on free */
    int registered;                 /* the secrets are registered for redaction */
    char *url;                      /* endpoint or base URL, no trailing '/' */
    scanner_severity min_sev;
    int by_account;
} tk_channel;

/* Reads the secret and resolves the URL; on failure `why` says what to fix
 * (never the secret).  While the channel is open the secret, its base64
 * (the Basic-auth header) and the part that is secret on its own (the
 * password of user:password, the path of a webhook URL) are registered for
 * redaction (aws/secret.h): no log line shows them, and a receiver's error
 * is redacted before it is stored.  tk_channel_finish unregisters and wipes
 * them. */
int  tk_channel_init(tk_channel *ch, const config_webhook *cfg, char *why, size_t whylen);
void tk_channel_finish(tk_channel *ch);

/* One delivery: an event on its way through a receiver. */
typedef struct tk_delivery {
    const tk_channel *ch;
    tk_action action;
    const char *key;
    json_object *event;             /* borrowed */
    char *external_id;              /* in: the known ticket, or NULL; out: acknowledged id */
    int search_first;               /* an earlier create may have reached the receiver */
    int step;                       /* the receiver's progress */
    char *scratch;                  /* the receiver's (freed by the engine) */
} tk_delivery;

/* One request a receiver wants sent. */
typedef struct tk_request {
    const char *method;             /* static */
    char *url;
    aws_headers headers;
    char *body;                     /* NULL: none */
    size_t body_len;
} tk_request;

void tk_request_init(tk_request *q);
void tk_request_finish(tk_request *q);
/* Sets method, url (copied) and a JSON body (copied) with Content-Type. */
int  tk_request_json(tk_request *q, const char *method, const char *url, json_object *body);
/* "Authorization: Basic base64(secret)" (secret is "user:password"). */
int  tk_request_basic_auth(tk_request *q, const char *secret);

enum {
    TK_NEXT_SEND = 1,               /* q is filled: send it, then call next again */
    TK_NEXT_DONE,                   /* acknowledged (d->external_id set when the receiver has one) */
    TK_NEXT_REFUSED,                /* refused for good: msg says why */
};

typedef struct tk_vendor {
    const char *type;               /* config type */
    int tickets;                    /* takes ticket events */
    int digests;                    /* takes digest events */
    const char *default_url;        /* NULL: url required */
    /* First call with resp NULL; then with each answer (status < 500, not
     * 408/429).  Returns TK_NEXT_* or a negative error (out of memory). */
    int (*next)(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                char *msg, size_t msglen);
} tk_vendor;

extern const tk_vendor tk_vendor_generic, tk_vendor_jira, tk_vendor_servicenow,
                       tk_vendor_pagerduty, tk_vendor_slack, tk_vendor_teams;
const tk_vendor *tk_vendor_find(const char *type);

/* ---- helpers shared by the receivers ------------------------------------ */

const char *tk_str(json_object *o, const char *key);        /* "" when absent */
json_object *tk_arr(json_object *o, const char *key);       /* NULL when absent */
/* The refusal of a 4xx as one line: "HTTP 400: <the body's first
 * TK_ERROR_SNIPPET characters, control characters as '?'>". */
void tk_refusal(const aws_http_response *resp, char *msg, size_t msglen);
/* A plain text description of a ticket event (one line per finding). */
int  tk_event_text(json_object *ev, aws_buf *out);
/* A compact digest text (slack, teams). */
int  tk_digest_text(json_object *ev, aws_buf *out);
/* The body of a JSON answer, or NULL (caller puts). */
json_object *tk_parse(const aws_http_response *resp);
/* Appends s to url, percent-encoded. */
int  tk_url(aws_buf *b, const char *base, const char *path, const char *query_name,
            const char *query_value);

/* Bodies (tests): the generic signature ("sha256=" + 64 hex), PagerDuty's
 * event, Slack's and Teams' messages (caller puts). */
int tk_generic_signature(const char *key, const char *body, size_t len, char out[72]);
json_object *tk_pagerduty_body(const tk_delivery *d);
json_object *tk_slack_body(json_object *ev);
json_object *tk_teams_body(json_object *ev);
json_object *tk_jira_create_body(const tk_delivery *d);
json_object *tk_servicenow_body(const tk_delivery *d);

/* ---- the engine's decisions (tests) -------------------------------------- */

/* Seconds to wait before the next try after `attempts` failed runs: the next
 * run for the first failure, then TK_BACKOFF_BASE doubling up to
 * TK_BACKOFF_MAX. */
int64_t tk_backoff(int attempts);

/* What the ticket of one key must become.  The row's state (status "",
 * creating, open, resolving, resolved; severity and members: what the
 * ticket shows once its pending event, if any, is delivered) against what
 * this run knows: eligible (at or above min_severity) and present finding
 * ids of the key, and its ids resolved in this run.  present includes
 * eligible, and the members still found at any severity.  Members neither
 * present nor resolved were not read in this run: they stay members and
 * keep the ticket open. */
typedef struct tk_known {
    const char *status;             /* "" when no row */
    int severity;
    const char *const *members;     /* acknowledged ids */
    size_t n_members;
    int has_pending;                /* an unacknowledged event waits */
} tk_known;

typedef struct tk_decision {
    tk_action action;               /* 0: nothing */
    const char *event;              /* "new", "escalated", "updated", "resolved" */
    int resend;                     /* nothing new: send the stored pending event again */
    int search_first;
    char **members;                 /* the ticket's members after it (owned) */
    size_t n_members;
    int severity;
} tk_decision;

/* ids are sorted (strcmp).  present_sev[i] is the severity of present[i]. */
int  tk_decide(const tk_known *k, const char *const *present, const int *present_sev,
               size_t n_present, const char *const *eligible, size_t n_eligible,
               const char *const *resolved, size_t n_resolved, tk_decision *out);
void tk_decision_finish(tk_decision *d);

#endif

/* certsweep — PagerDuty Events API v2.
 *
 * POST https://events.pagerduty.com/v2/enqueue
 *   { "routing_key", "event_action": "trigger" | "resolve", "dedup_key": key,
 *     "payload": { summary, source, severity, component, group, class,
 *                  custom_details } }           (trigger only)
 * 202 {"status":"success","dedup_key":...} acknowledges; an escalation is a
 * new trigger on the same dedup_key (PagerDuty updates the open alert), so
 * a retried create can never open a second incident. */
#include "notify/tickets.h"

#include "aws/error.h"

#include <string.h>

static const char *pd_severity(const char *sev)
{
    if (strcmp(sev, "CRITICAL") == 0)
        return "critical";
    if (strcmp(sev, "HIGH") == 0)
        return "error";
    if (strcmp(sev, "MEDIUM") == 0)
        return "warning";
    return "info";
}

json_object *tk_pagerduty_body(const tk_delivery *d)
{
    json_object *b = json_object_new_object();
    json_object *ev = d->event;
    int resolve = d->action == TK_RESOLVE;
    json_object_object_add(b, "routing_key", json_object_new_string(d->ch->secret));
    json_object_object_add(b, "event_action", json_object_new_string(resolve ? "resolve" : "trigger"));
    json_object_object_add(b, "dedup_key", json_object_new_string(d->key));
    if (!resolve) {
        json_object *p = json_object_new_object();
        char summary[1025];
        snprintf(summary, sizeof(summary), "%s", tk_str(ev, "summary"));
        json_object_object_add(p, "summary", json_object_new_string(summary));
        json_object *fs = tk_arr(ev, "findings");
        json_object *f0 = fs && json_object_array_length(fs) ? json_object_array_get_idx(fs, 0) : NULL;
        char source[128];
        snprintf(source, sizeof(source), "%s/%s", tk_str(ev, "account_id"),
                 f0 ? tk_str(f0, "region") : "");
        json_object_object_add(p, "source", json_object_new_string(source));
        json_object_object_add(p, "severity", json_object_new_string(pd_severity(tk_str(ev, "severity"))));
        if (f0 && fs && json_object_array_length(fs) == 1) {
            json_object_object_add(p, "component", json_object_new_string(tk_str(f0, "resource_id")));
            json_object_object_add(p, "class", json_object_new_string(tk_str(f0, "rule")));
        }
        json_object_object_add(p, "group", json_object_new_string(tk_str(ev, "account_id")));
        json_object_object_add(p, "custom_details", json_object_get(ev));
        json_object_object_add(b, "payload", p);
    }
    return b;
}

static int pd_next(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                   char *msg, size_t msglen)
{
    if (resp) {
        if (resp->status / 100 == 2)
            return TK_NEXT_DONE;
        tk_refusal(resp, msg, msglen);
        return TK_NEXT_REFUSED;
    }
    json_object *b = tk_pagerduty_body(d);
    if (!b)
        return AWS_ENOMEM;
    int rc = tk_request_json(q, "POST", d->ch->url, b);
    json_object_put(b);
    return rc == 0 ? TK_NEXT_SEND : rc;
}

const tk_vendor tk_vendor_pagerduty = {
    .type = "pagerduty", .tickets = 1,
    .default_url = "https://events.pagerduty.com/v2/enqueue", .next = pd_next,
};

/* certsweep — ServiceNow Table API, incidents (Basic auth, user:password).
 *
 *   create:   POST /api/now/table/incident {short_description, description,
 *             correlation_id: key, correlation_display: "certsweep",
 *             urgency, impact} -> 201 {"result": {"sys_id", "number"}};
 *             sys_id is stored
 *   search:   GET /api/now/table/incident?sysparm_query=correlation_id=<key>
 *             &sysparm_fields=sys_id,number&sysparm_limit=1 -> {"result": [...]}
 *   update:   PATCH /api/now/table/incident/{sys_id} {work_notes, urgency, impact}
 *   resolve:  PATCH ... {state: "6", close_code, close_notes} */
#include "notify/tickets.h"

#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_START = 0, S_SEARCHED, S_CREATED, S_PATCHED };

static void levels(const char *sev, const char **urgency, const char **impact)
{
    if (strcmp(sev, "CRITICAL") == 0)
        *urgency = "1", *impact = "1";
    else if (strcmp(sev, "HIGH") == 0)
        *urgency = "1", *impact = "2";
    else if (strcmp(sev, "MEDIUM") == 0)
        *urgency = "2", *impact = "2";
    else
        *urgency = "3", *impact = "3";
}

json_object *tk_servicenow_body(const tk_delivery *d)
{
    aws_buf t;
    aws_buf_init(&t, 60000);
    if (tk_event_text(d->event, &t) != 0) {
        aws_buf_finish(&t);
        return NULL;
    }
    const char *text = t.data ? t.data : "";
    const char *u, *i;
    levels(tk_str(d->event, "severity"), &u, &i);
    json_object *b = json_object_new_object();
    switch (d->action) {
    case TK_CREATE: {
        char summary[161];
        snprintf(summary, sizeof(summary), "%s", tk_str(d->event, "summary"));
        json_object_object_add(b, "short_description", json_object_new_string(summary));
        json_object_object_add(b, "description", json_object_new_string(text));
        json_object_object_add(b, "correlation_id", json_object_new_string(d->key));
        json_object_object_add(b, "correlation_display", json_object_new_string("certsweep"));
        json_object_object_add(b, "urgency", json_object_new_string(u));
        json_object_object_add(b, "impact", json_object_new_string(i));
        break;
    }
    case TK_RESOLVE:
        json_object_object_add(b, "state", json_object_new_string("6"));
        json_object_object_add(b, "close_code", json_object_new_string(
            d->ch->cfg->close_code ? d->ch->cfg->close_code : "Solved (Permanently)"));
        json_object_object_add(b, "close_notes", json_object_new_string(text));
        break;
    default:
        json_object_object_add(b, "work_notes", json_object_new_string(text));
        json_object_object_add(b, "urgency", json_object_new_string(u));
        json_object_object_add(b, "impact", json_object_new_string(i));
        break;
    }
    aws_buf_finish(&t);
    return b;
}

static int request(tk_delivery *d, tk_request *q, const char *method, int with_id,
                   const char *query, json_object *body, int step)
{
    aws_buf u;
    aws_buf_init(&u, 4096);
    int rc = aws_buf_printf(&u, "%s/api/now/table/incident", d->ch->url);
    if (rc == 0 && with_id) {
        rc = aws_buf_putc(&u, '/');
        if (rc == 0)
            rc = aws_buf_urlencode(&u, d->external_id, strlen(d->external_id), 0);
    }
    if (rc == 0 && query)
        rc = aws_buf_printf(&u, "?%s", query);
    if (rc == 0)
        rc = tk_request_json(q, method, u.data, body);
    if (rc == 0)
        rc = tk_request_basic_auth(q, d->ch->secret);
    aws_buf_finish(&u);
    json_object_put(body);
    d->step = step;
    return rc == 0 ? TK_NEXT_SEND : rc;
}

static int search(tk_delivery *d, tk_request *q)
{
    aws_buf qs;
    aws_buf_init(&qs, 1024);
    char cond[160];
    snprintf(cond, sizeof(cond), "correlation_id=%s", d->key);
    int rc = aws_buf_puts(&qs, "sysparm_query=");
    if (rc == 0)
        rc = aws_buf_urlencode(&qs, cond, strlen(cond), 0);
    if (rc == 0)
        rc = aws_buf_puts(&qs, "&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1");
    if (rc == 0)
        rc = request(d, q, "GET", 0, qs.data, NULL, S_SEARCHED);
    aws_buf_finish(&qs);
    return rc;
}

static int act(tk_delivery *d, tk_request *q)
{
    if (d->action == TK_CREATE && d->external_id)
        return TK_NEXT_DONE;            /* found: adopted */
    json_object *b = tk_servicenow_body(d);
    if (!b)
        return AWS_ENOMEM;
    if (d->action == TK_CREATE)
        return request(d, q, "POST", 0, "sysparm_fields=sys_id%2Cnumber", b, S_CREATED);
    return request(d, q, "PATCH", 1, "sysparm_fields=sys_id%2Cnumber%2Cstate", b, S_PATCHED);
}

static int snow_next(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                     char *msg, size_t msglen)
{
    if (!resp) {
        if (!d->external_id && (d->search_first || d->action != TK_CREATE))
            return search(d, q);
        return act(d, q);
    }
    long st = resp->status;
    if (st / 100 != 2) {
        tk_refusal(resp, msg, msglen);
        return TK_NEXT_REFUSED;
    }
    json_object *doc = tk_parse(resp);
    json_object *res = NULL;
    json_object_object_get_ex(doc, "result", &res);
    int rc = TK_NEXT_DONE;
    if (d->step == S_SEARCHED) {
        json_object *first = json_object_is_type(res, json_type_array) && json_object_array_length(res)
                           ? json_object_array_get_idx(res, 0) : NULL;
        const char *id = tk_str(first, "sys_id");
        if (*id && !(d->external_id = strdup(id)))
            rc = AWS_ENOMEM;
        else if (d->external_id || d->action == TK_CREATE)
            rc = act(d, q);
        /* else: never created, nothing to update or resolve */
    } else if (d->step == S_CREATED) {
        const char *id = tk_str(res, "sys_id");
        if (!*id) {
            snprintf(msg, msglen, "HTTP %ld: the answer to the create holds no sys_id", st);
            rc = TK_NEXT_REFUSED;
        } else {
            free(d->external_id);
            if (!(d->external_id = strdup(id)))
                rc = AWS_ENOMEM;
        }
    }
    json_object_put(doc);
    return rc;
}

const tk_vendor tk_vendor_servicenow = { .type = "servicenow", .tickets = 1, .next = snow_next };

/* certsweep — Slack and Microsoft Teams incoming webhooks: the run's digest,
 * compact (no tickets).  The webhook URL is the secret (secret_file).
 *   Slack: POST {"text": ...}                                -> 200 "ok"
 *   Teams (Workflows webhook): POST a message with one Adaptive Card
 *          attachment holding the same text                  -> 2xx */
#include "notify/tickets.h"

#include "aws/error.h"

#include <string.h>

static int chat_answer(const aws_http_response *resp, char *msg, size_t msglen)
{
    if (resp->status / 100 == 2)
        return TK_NEXT_DONE;
    tk_refusal(resp, msg, msglen);
    return TK_NEXT_REFUSED;
}

json_object *tk_slack_body(json_object *ev)
{
    aws_buf t;
    aws_buf_init(&t, 40000);
    if (tk_digest_text(ev, &t) != 0) {
        aws_buf_finish(&t);
        return NULL;
    }
    json_object *b = json_object_new_object();
    json_object_object_add(b, "text", json_object_new_string(t.data ? t.data : ""));
    aws_buf_finish(&t);
    return b;
}

json_object *tk_teams_body(json_object *ev)
{
    aws_buf t;
    aws_buf_init(&t, 28000);
    if (tk_digest_text(ev, &t) != 0) {
        aws_buf_finish(&t);
        return NULL;
    }
    json_object *block = json_object_new_object();
    json_object_object_add(block, "type", json_object_new_string("TextBlock"));
    json_object_object_add(block, "text", json_object_new_string(t.data ? t.data : ""));
    json_object_object_add(block, "wrap", json_object_new_boolean(1));
    aws_buf_finish(&t);
    json_object *body = json_object_new_array();
    json_object_array_add(body, block);
    json_object *card = json_object_new_object();
    json_object_object_add(card, "$schema",
                           json_object_new_string("http://adaptivecards.io/schemas/adaptive-card.json"));
    json_object_object_add(card, "type", json_object_new_string("AdaptiveCard"));
    json_object_object_add(card, "version", json_object_new_string("1.4"));
    json_object_object_add(card, "body", body);
    json_object *att = json_object_new_object();
    json_object_object_add(att, "contentType",
                           json_object_new_string("application/vnd.microsoft.card.adaptive"));
    json_object_object_add(att, "content", card);
    json_object *atts = json_object_new_array();
    json_object_array_add(atts, att);
    json_object *b = json_object_new_object();
    json_object_object_add(b, "type", json_object_new_string("message"));
    json_object_object_add(b, "attachments", atts);
    return b;
}

static int send_body(tk_delivery *d, tk_request *q, json_object *b)
{
    if (!b)
        return AWS_ENOMEM;
    int rc = tk_request_json(q, "POST", d->ch->url, b);
    json_object_put(b);
    return rc == 0 ? TK_NEXT_SEND : rc;
}

static int slack_next(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                      char *msg, size_t msglen)
{
    return resp ? chat_answer(resp, msg, msglen) : send_body(d, q, tk_slack_body(d->event));
}

static int teams_next(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                      char *msg, size_t msglen)
{
    return resp ? chat_answer(resp, msg, msglen) : send_body(d, q, tk_teams_body(d->event));
}

const tk_vendor tk_vendor_slack = { .type = "slack", .digests = 1, .next = slack_next };
const tk_vendor tk_vendor_teams = { .type = "teams", .digests = 1, .next = teams_next };

/* certsweep — SNS Publish (query protocol through aws_client). */
#include "notify/sns.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/error.h"

size_t notify_sns_split(const char *text, size_t len, size_t max, size_t *starts)
{
    size_t n = 0, at = 0;
    do {
        starts[n++] = at;
        if (len - at <= max)
            break;
        size_t cut = at + max;
        /* The last line end in the second half of the window, else a
         * UTF-8 boundary. */
        size_t nl = cut;
        while (nl > at + max / 2 && text[nl - 1] != '\n')
            nl--;
        if (nl > at + max / 2)
            cut = nl;
        else
            while (cut > at + 1 && ((unsigned char)text[cut] & 0xc0) == 0x80)
                cut--;
        at = cut;
    } while (at < len);
    return n;
}

void notify_sns_subject(const char *subject, size_t part, size_t parts, char *out, size_t n)
{
    char tail[40] = "";
    if (parts > 1)
        snprintf(tail, sizeof(tail), " (part %zu/%zu)", part, parts);
    size_t room = NOTIFY_SNS_MAX_SUBJECT - strlen(tail);
    if (room > n - 1 - strlen(tail))
        room = n - 1 - strlen(tail);
    size_t k = 0;
    for (const char *p = subject; *p && k < room; p++) {
        unsigned char c = (unsigned char)*p;
        out[k++] = c >= 0x20 && c < 0x7f ? (char)c : (c & 0xc0) == 0x80 ? '\0' : '?';
        if (!out[k - 1])
            k--;                    /* a continuation byte: its '?' stands for it */
    }
    out[k] = '\0';
    snprintf(out + k, n - k, "%s", tail);
}

typedef struct publish {
    notify_sns_cb cb;
    void *ud;
} publish;

static void on_published(const aws_result *r, void *ud)
{
    publish *p = ud;
    char reply[512];
    notify_outcome o;
    if (r->err == 0) {
        snprintf(reply, sizeof(reply), "published");
        o = NOTIFY_SENT;
    } else {
        snprintf(reply, sizeof(reply), "Publish: %s: %s",
                 r->code && *r->code ? r->code : aws_error_code(r->err),
                 r->message && *r->message ? r->message : aws_strerror(r->err));
        /* A request SNS refuses (4xx other than throttling) will be
         * refused again: kept for a person.  The rest is retried. */
        o = r->err == AWS_ESERVICE && r->status >= 400 && r->status < 500 &&
            !aws_is_throttling(r->status, r->code) ? NOTIFY_PERMANENT : NOTIFY_RETRY;
    }
    p->cb(o, reply, p->ud);
    free(p);
}

/* arn:aws:sns:REGION:ACCOUNT:NAME -> REGION */
static int arn_region(const char *arn, char *out, size_t n)
{
    const char *p = arn;
    for (int i = 0; i < 3 && p; i++) {
        p = strchr(p, ':');
        if (p)
            p++;
    }
    if (!p)
        return AWS_EINVAL;
    size_t k = strcspn(p, ":");
    if (k == 0 || k >= n || !p[k])
        return AWS_EINVAL;
    memcpy(out, p, k);
    out[k] = '\0';
    return 0;
}

static int add_attributes(aws_buf *b, const char *json)
{
    if (!json)
        return 0;
    json_object *o = json_tokener_parse(json);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return AWS_EINVAL;
    }
    int i = 0, rc = 0;
    json_object_object_foreach(o, key, val) {
        char k[96];
        i++;
        snprintf(k, sizeof(k), "MessageAttributes.entry.%d.Name", i);
        rc |= aws_query_add(b, k, key);
        snprintf(k, sizeof(k), "MessageAttributes.entry.%d.Value.DataType", i);
        rc |= aws_query_add(b, k, json_object_is_type(val, json_type_int) ? "Number" : "String");
        snprintf(k, sizeof(k), "MessageAttributes.entry.%d.Value.StringValue", i);
        rc |= aws_query_add(b, k, json_object_get_string(val));
        if (i == 10)
            break;                  /* SNS takes at most 10 attributes */
    }
    json_object_put(o);
    return rc ? AWS_ENOMEM : 0;
}

int notify_sns_publish(aws_client *client, aws_creds_provider *creds, const char *topic_arn,
                       const char *subject, const char *message, size_t len,
                       const char *attributes, notify_sns_cb cb, void *ud)
{
    char region[32];
    if (arn_region(topic_arn, region, sizeof(region)) != 0)
        return AWS_EINVAL;
    aws_buf b;
    aws_buf_init(&b, 2 * 1024 * 1024);
    char *msg = strndup(message, len);
    int rc = msg ? 0 : AWS_ENOMEM;
    if (rc == 0)
        rc = aws_query_add(&b, "Action", "Publish");
    if (rc == 0)
        rc = aws_query_add(&b, "Version", "2010-03-31");
    if (rc == 0)
        rc = aws_query_add(&b, "TopicArn", topic_arn);
    if (rc == 0 && subject && *subject)
        rc = aws_query_add(&b, "Subject", subject);
    if (rc == 0)
        rc = aws_query_add(&b, "Message", msg);
    if (rc == 0)
        rc = add_attributes(&b, attributes);
    free(msg);
    publish *p = rc == 0 ? calloc(1, sizeof(*p)) : NULL;
    if (!p) {
        aws_buf_finish(&b);
        return rc ? rc : AWS_ENOMEM;
    }
    p->cb = cb;
    p->ud = ud;
    aws_call call = {
        .service = AWS_SVC_SNS,
        .region = region,
        .rate_key = "sns",
        .creds = creds,
        .proto = AWS_PROTO_QUERY,
        .op = "Publish",
        .body = b.data,
        .body_len = b.len,
    };
    rc = aws_client_call(client, &call, on_published, p);
    aws_buf_finish(&b);
    if (rc != 0)
        free(p);
    return rc;
}

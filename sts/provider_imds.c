/* EC2 instance metadata, IMDSv2 only: token PUT, role name, credentials. */
#include "sts/providers.h"
#include "aws/error.h"
#include "aws/log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMDS_DEFAULT_ENDPOINT      "http://169.254.169.254"
#define IMDS_DEFAULT_ENDPOINT_IPV6 "http://[fd00:ec2::254]"
#define IMDS_TIMEOUT_MS            1000L
#define IMDS_ATTEMPTS              2
#define IMDS_MAX_RESPONSE          (64u * 1024)
#define IMDS_CREDS_PATH            "/latest/meta-data/iam/security-credentials/"

typedef struct {
    aws_creds_provider base;
    aws_client *client;
} imds_provider;

enum step { STEP_TOKEN, STEP_ROLE, STEP_CREDS };

typedef struct imds_req {
    imds_provider *ip;          /* ref held */
    aws_creds_cb cb;
    void *ud;
    char endpoint[512];
    char role[256];
    char token[256];            /* wiped */
    enum step step;
    int attempt;
} imds_req;

static void req_free(imds_req *r)
{
    aws_creds_provider_unref(&r->ip->base);
    OPENSSL_cleanse(r->token, sizeof(r->token));
    free(r);
}

static void finish(imds_req *r, int err, aws_creds *creds, const char *msg)
{
    r->cb(err, creds, err ? msg : NULL, r->ud);
    req_free(r);
}

static int send_step(imds_req *r);

static int valid_role(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("+=,.@_-", *s)))
            return 0;
    return 1;
}

static void on_resp(int err, const aws_http_response *resp, void *ud)
{
    imds_req *r = ud;
    char msg[512];
    static const char *what[] = { "token request", "role name request", "credentials request" };
    if (err) {
        if (err != AWS_ECANCELED && r->attempt < IMDS_ATTEMPTS && send_step(r) == 0)
            return;
        snprintf(msg, sizeof(msg), "no answer from %.200s: %s", r->endpoint, aws_strerror(err));
        /* Nothing listening: not on EC2 (or IMDS blocked) -- not configured. */
        finish(r, err == AWS_ECANCELED ? err : AWS_ENOCREDS, NULL, msg);
        return;
    }
    if (resp->status >= 500 && r->attempt < IMDS_ATTEMPTS && send_step(r) == 0)
        return;
    if (resp->status != 200) {
        snprintf(msg, sizeof(msg), "%.200s %s answered HTTP %ld", r->endpoint, what[r->step], resp->status);
        /* 404 on the role list: no instance profile attached. */
        finish(r, (r->step == STEP_ROLE && resp->status == 404) || r->step == STEP_TOKEN
                      ? AWS_ENOCREDS : AWS_EHTTP, NULL,
               r->step == STEP_ROLE && resp->status == 404 ? "no IAM role attached to the instance" : msg);
        return;
    }
    const char *body = resp->body.data ? resp->body.data : "";
    switch (r->step) {
    case STEP_TOKEN: {
        size_t n = resp->body.len;
        while (n && (body[n - 1] == '\n' || body[n - 1] == '\r'))
            n--;
        if (n == 0 || n >= sizeof(r->token) || memchr(body, '\n', n) || memchr(body, '\r', n)) {
            snprintf(msg, sizeof(msg), "%.200s returned an unusable token", r->endpoint);
            finish(r, AWS_EPARSE, NULL, msg);
            return;
        }
        memcpy(r->token, body, n);
        r->token[n] = '\0';
        r->step = STEP_ROLE;
        break;
    }
    case STEP_ROLE: {
        size_t n = strcspn(body, "\r\n");
        if (n == 0 || n >= sizeof(r->role)) {
            finish(r, AWS_ENOCREDS, NULL, "no IAM role attached to the instance");
            return;
        }
        memcpy(r->role, body, n);
        r->role[n] = '\0';
        if (!valid_role(r->role)) {
            snprintf(msg, sizeof(msg), "%.200s returned an invalid role name", r->endpoint);
            finish(r, AWS_EPARSE, NULL, msg);
            return;
        }
        r->step = STEP_CREDS;
        break;
    }
    case STEP_CREDS: {
        aws_creds *creds = NULL;
        char why[160];
        int rc = sts_creds_from_json(body, resp->body.len, 0, r->ip->base.name, &creds,
                                     why, sizeof(why));
        if (rc) {
            snprintf(msg, sizeof(msg), "%.200s role %.128s: %s", r->endpoint, r->role, why);
            finish(r, rc, NULL, msg);
            return;
        }
        aws_log_info("imds: credentials of role %s", r->role);
        finish(r, 0, creds, NULL);
        aws_creds_unref(creds);
        return;
    }
    }
    r->attempt = 0;
    int rc = send_step(r);
    if (rc) {
        snprintf(msg, sizeof(msg), "%.200s: %s", r->endpoint, aws_strerror(rc));
        finish(r, rc, NULL, msg);
    }
}

static int send_step(imds_req *r)
{
    char url[1024];
    aws_headers h;
    aws_headers_init(&h);
    int rc;
    const char *method = "GET";
    if (r->step == STEP_TOKEN) {
        method = "PUT";
        snprintf(url, sizeof(url), "%s/latest/api/token", r->endpoint);
        rc = aws_headers_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", "21600");
    } else {
        snprintf(url, sizeof(url), "%s%s%s", r->endpoint, IMDS_CREDS_PATH,
                 r->step == STEP_CREDS ? r->role : "");
        rc = aws_headers_add(&h, "X-aws-ec2-metadata-token", r->token);
    }
    if (rc) {
        aws_headers_finish(&h);
        return rc;
    }
    aws_http_request req = {
        .method = method,
        .url = url,
        .headers = &h,
        .timeout_ms = IMDS_TIMEOUT_MS,
        .max_response = IMDS_MAX_RESPONSE,
    };
    r->attempt++;
    rc = aws_http_send(aws_client_http(r->ip->client), &req, on_resp, r);
    aws_headers_finish(&h);
    return rc;
}

static int imds_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    imds_provider *ip = (imds_provider *)p;
    const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
    if (dis && strcasecmp(dis, "true") == 0) {
        cb(AWS_ENOCREDS, NULL, "disabled by AWS_EC2_METADATA_DISABLED", ud);
        return 0;
    }
    imds_req *r = calloc(1, sizeof(*r));
    if (!r)
        return AWS_ENOMEM;
    r->ip = ip;
    r->cb = cb;
    r->ud = ud;
    aws_creds_provider_ref(p);
    const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    if (!ep || !*ep)
        ep = mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_DEFAULT_ENDPOINT_IPV6 : IMDS_DEFAULT_ENDPOINT;
    size_t n = strlen(ep);
    while (n && ep[n - 1] == '/')
        n--;
    if (n >= sizeof(r->endpoint) || strpbrk(ep, "\r\n") ||
        (strncasecmp(ep, "http://", 7) != 0 && strncasecmp(ep, "https://", 8) != 0)) {
        req_free(r);
        cb(AWS_EINVAL, NULL, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s) URL", ud);
        return 0;
    }
    memcpy(r->endpoint, ep, n);
    r->endpoint[n] = '\0';
    r->step = STEP_TOKEN;
    aws_log_debug("imds: asking %s", r->endpoint);
    int rc = send_step(r);
    if (rc) {
        req_free(r);
        return rc;
    }
    return 0;
}

static void imds_destroy(aws_creds_provider *p)
{
    free(p);
}

static const aws_creds_provider_vtable imds_vt = { imds_get, imds_destroy };

aws_creds_provider *sts_imds_provider_new(aws_client *c)
{
    imds_provider *ip = calloc(1, sizeof(*ip));
    if (!ip)
        return NULL;
    aws_creds_provider_init(&ip->base, &imds_vt, "imds");
    ip->client = c;
    return &ip->base;
}

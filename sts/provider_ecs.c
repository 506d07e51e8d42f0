/* ECS / EKS container credentials (AWS_CONTAINER_CREDENTIALS_*). */
#include "sts/providers.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ECS_DEFAULT_HOST   "http://169.254.170.2"
#define ECS_TIMEOUT_MS     2000L
#define ECS_ATTEMPTS       2
#define ECS_MAX_RESPONSE   (64u * 1024)
#define ECS_MAX_TOKEN      (16 * 1024)

typedef struct {
    aws_creds_provider base;
    aws_client *client;
} ecs_provider;

typedef struct ecs_req {
    ecs_provider *ep;           /* ref held */
    aws_creds_cb cb;
    void *ud;
    char url[2048];
    char *token;                /* Authorization value, wiped */
    int attempt;
} ecs_req;

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int sts_ecs_configured(void)
{
    return env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
           env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
}

int sts_ecs_check_full_uri(const char *uri)
{
    if (strncasecmp(uri, "https://", 8) == 0)
        return uri[8] ? 0 : AWS_EINVAL;
    if (strncasecmp(uri, "http://", 7) != 0)
        return AWS_EINVAL;
    const char *h = uri + 7;
    char host[256];
    size_t n;
    if (*h == '[') {
        const char *e = strchr(h, ']');
        if (!e)
            return AWS_EINVAL;
        n = (size_t)(e - h - 1);
        if (n >= sizeof(host))
            return AWS_EINVAL;
        memcpy(host, h + 1, n);
        h = e + 1;
    } else {
        n = strcspn(h, ":/?#");
        if (n >= sizeof(host))
            return AWS_EINVAL;
        memcpy(host, h, n);
        h += n;
    }
    host[n] = '\0';
    if (*h && *h != ':' && *h != '/' && *h != '?')
        return AWS_EINVAL;
    if (strchr(host, '@'))
        return AWS_EINVAL;
    if (strcmp(host, "169.254.170.2") == 0 || strcmp(host, "169.254.170.23") == 0 ||
        strcasecmp(host, "fd00:ec2::23") == 0 || strcmp(host, "::1") == 0 ||
        strcasecmp(host, "localhost") == 0)
        return 0;
    /* 127.0.0.0/8 as a dotted quad */
    unsigned a, b, c, d;
    char tail;
    if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 &&
        a == 127 && b < 256 && c < 256 && d < 256)
        return 0;
    return AWS_EINVAL;
}

static int has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

/* Reads the token file (fresh at every fetch: EKS rotates it). */
static int read_token_file(const char *path, char **out)
{
    *out = NULL;
    aws_buf b;
    aws_buf_init(&b, ECS_MAX_TOKEN);
    int rc = aws_buf_read_file(&b, path);
    if (rc) {
        aws_buf_finish_secret(&b);
        return rc;
    }
    while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' ||
                     b.data[b.len - 1] == ' '))
        b.data[--b.len] = '\0';
    *out = aws_buf_take(&b);
    return *out ? 0 : AWS_ENOMEM;
}

static void req_free(ecs_req *r)
{
    if (r->token) {
        OPENSSL_cleanse(r->token, strlen(r->token));
        free(r->token);
    }
    aws_creds_provider_unref(&r->ep->base);
    free(r);
}

static int send_req(ecs_req *r);

static void on_resp(int err, const aws_http_response *resp, void *ud)
{
    ecs_req *r = ud;
    char msg[512];
    aws_creds *creds = NULL;
    int rc;
    if (err == 0 && resp->status == 200) {
        char why[160];
        rc = sts_creds_from_json(resp->body.data ? resp->body.data : "", resp->body.len, 0,
                                 r->ep->base.name, &creds, why, sizeof(why));
        if (rc)
            snprintf(msg, sizeof(msg), "%.300s: %s", r->url, why);
    } else if (err == 0) {
        if (resp->status >= 500 && r->attempt < ECS_ATTEMPTS && send_req(r) == 0)
            return;
        snprintf(msg, sizeof(msg), "%.300s answered HTTP %ld", r->url, resp->status);
        rc = AWS_EHTTP;
    } else {
        if (err != AWS_ECANCELED && r->attempt < ECS_ATTEMPTS && send_req(r) == 0)
            return;
        snprintf(msg, sizeof(msg), "%.300s: %s", r->url, aws_strerror(err));
        rc = err;
    }
    r->cb(rc, creds, rc ? msg : NULL, r->ud);
    aws_creds_unref(creds);
    req_free(r);
}

static int send_req(ecs_req *r)
{
    aws_headers h;
    aws_headers_init(&h);
    int rc = 0;
    if (r->token)
        rc = aws_headers_add(&h, "Authorization", r->token);
    if (!rc)
        rc = aws_headers_add(&h, "Accept", "application/json");
    if (rc) {
        aws_headers_finish(&h);
        return rc;
    }
    aws_http_request req = {
        .method = "GET",
        .url = r->url,
        .headers = &h,
        .timeout_ms = ECS_TIMEOUT_MS,
        .max_response = ECS_MAX_RESPONSE,
    };
    r->attempt++;
    rc = aws_http_send(aws_client_http(r->ep->client), &req, on_resp, r);
    aws_headers_finish(&h);
    return rc;
}

static int ecs_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    ecs_provider *ep = (ecs_provider *)p;
    const char *rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    char msg[512];
    if (!rel && !full) {
        cb(AWS_ENOCREDS, NULL, "not configured", ud);
        return 0;
    }
    ecs_req *r = calloc(1, sizeof(*r));
    if (!r)
        return AWS_ENOMEM;
    r->ep = ep;
    r->cb = cb;
    r->ud = ud;
    aws_creds_provider_ref(p);
    int rc = 0;
    if (rel) {
        const char *host = env_nonempty("CERTSWEEP_CONTAINER_CREDENTIALS_HOST");
        if (!host)
            host = ECS_DEFAULT_HOST;
        size_t hl = strlen(host);
        while (hl && host[hl - 1] == '/')
            hl--;
        if ((size_t)snprintf(r->url, sizeof(r->url), "%.*s%s%s", (int)hl, host,
                             rel[0] == '/' ? "" : "/", rel) >= sizeof(r->url)) {
            snprintf(msg, sizeof(msg), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is too long");
            rc = AWS_EINVAL;
        }
    } else if (strlen(full) >= sizeof(r->url) || sts_ecs_check_full_uri(full) != 0) {
        snprintf(msg, sizeof(msg), "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or "
                 "http to a loopback address, 169.254.170.2 or 169.254.170.23");
        rc = AWS_EINVAL;
    } else {
        snprintf(r->url, sizeof(r->url), "%s", full);
    }
    if (!rc && has_crlf(r->url)) {
        snprintf(msg, sizeof(msg), "container credentials URI contains a line break");
        rc = AWS_EINVAL;
    }
    if (!rc) {
        const char *tf = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        const char *tv = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        if (tf) {
            int trc = read_token_file(tf, &r->token);
            if (trc) {
                snprintf(msg, sizeof(msg), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
                         tf, aws_strerror(trc));
                rc = trc == AWS_ENOMEM ? AWS_ENOMEM : AWS_EIO;
            }
        } else if (tv) {
            r->token = strdup(tv);
            if (!r->token)
                rc = AWS_ENOMEM;
        }
        if (!rc && r->token && (has_crlf(r->token) || !*r->token)) {
            snprintf(msg, sizeof(msg), "the container authorization token is empty or has a line break");
            rc = AWS_EINVAL;
        }
    }
    if (rc == AWS_ENOMEM) {
        req_free(r);
        return rc;
    }
    if (rc) {
        req_free(r);
        cb(rc, NULL, msg, ud);
        return 0;
    }
    aws_log_debug("ecs: fetching credentials from %s", r->url);
    rc = send_req(r);
    if (rc) {
        req_free(r);
        return rc;
    }
    return 0;
}

static void ecs_destroy(aws_creds_provider *p)
{
    free(p);
}

static const aws_creds_provider_vtable ecs_vt = { ecs_get, ecs_destroy };

aws_creds_provider *sts_ecs_provider_new(aws_client *c)
{
    ecs_provider *ep = calloc(1, sizeof(*ep));
    if (!ep)
        return NULL;
    aws_creds_provider_init(&ep->base, &ecs_vt, "ecs");
    ep->client = c;
    return &ep->base;
}

/* IAM Identity Center (SSO) profiles: the token `aws sso login` cached,
 * exchanged for role credentials with the portal's GetRoleCredentials. */
#include "sts/providers.h"
#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/endpoints.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/secret.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SSO_TIMEOUT_MS     10000L
#define SSO_MAX_RESPONSE   (64u * 1024)
#define SSO_MAX_CACHE_FILE (64 * 1024)

typedef struct {
    aws_creds_provider base;
    aws_client *client;
    char *profile, *cache_key, *region, *account_id, *role_name;
} sso_provider;

typedef struct sso_req {
    sso_provider *sp;           /* ref held */
    aws_creds_cb cb;
    void *ud;
    char *token;                /* the bearer token, wiped */
    int token_registered;       /* in aws/secret.h's registry while held */
} sso_req;

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* ~/.aws/sso/cache/<sha1 hex of the session name or start URL>.json, as
 * the AWS CLI names it. */
int sts_sso_cache_path(const char *cache_key, char *buf, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!cache_key || !EVP_Digest(cache_key, strlen(cache_key), md, &mdlen, EVP_sha1(), NULL))
        return AWS_EINVAL;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    const char *home = getenv("HOME");
    if ((size_t)snprintf(buf, n, "%s/.aws/sso/cache/%s.json", home ? home : "", hex) >= n)
        return AWS_EINVAL;
    return 0;
}

/* The cached token, or a one-line reason in msg saying to log in. */
static int read_token(const sso_provider *sp, char **token, char *msg, size_t msglen)
{
    char path[1200];
    *token = NULL;
    if (sts_sso_cache_path(sp->cache_key, path, sizeof(path)) != 0) {
        snprintf(msg, msglen, "SSO token cache path too long");
        return AWS_EINVAL;
    }
    aws_buf b;
    aws_buf_init(&b, SSO_MAX_CACHE_FILE);
    int rc = aws_buf_read_file(&b, path);
    if (rc == AWS_ENOMEM || rc == AWS_ENOTFOUND || rc == AWS_EIO) {
        aws_buf_finish_secret(&b);
        if (rc == AWS_ENOMEM)
            return rc;
        snprintf(msg, msglen, "no SSO token for profile '%s' (%.300s): run 'aws sso login "
                 "--profile %s'", sp->profile, path, sp->profile);
        return AWS_ENOCREDS;
    }
    json_object *j = NULL;
    if (!rc) {
        json_tokener *tok = json_tokener_new_ex(8);
        if (tok) {
            j = json_tokener_parse_ex(tok, b.data ? b.data : "", (int)b.len);
            json_tokener_free(tok);
        }
    }
    aws_buf_finish_secret(&b);
    json_object *at = NULL, *exp = NULL;
    if (!j || !json_object_is_type(j, json_type_object) ||
        !json_object_object_get_ex(j, "accessToken", &at) ||
        !json_object_is_type(at, json_type_string) || !*json_object_get_string(at)) {
        snprintf(msg, msglen, "%.300s is not an SSO token cache: run 'aws sso login --profile %s'",
                 path, sp->profile);
        json_object_put(j);
        return AWS_ENOCREDS;
    }
    int64_t expires = 0;
    if (!json_object_object_get_ex(j, "expiresAt", &exp) ||
        !json_object_is_type(exp, json_type_string) ||
        aws_time_parse(json_object_get_string(exp), &expires) != 0) {
        snprintf(msg, msglen, "%.300s has no readable expiresAt: run 'aws sso login --profile %s'",
                 path, sp->profile);
        json_object_put(j);
        return AWS_ENOCREDS;
    }
    if (expires <= (int64_t)time(NULL)) {
        snprintf(msg, msglen, "the SSO token for profile '%s' expired at %s: run 'aws sso "
                 "login --profile %s'", sp->profile, json_object_get_string(exp), sp->profile);
        json_object_put(j);
        return AWS_ENOCREDS;
    }
    /* json-c's copy of the token is freed with the object: wipe it first. */
    const char *tv = json_object_get_string(at);
    *token = strdup(tv);
    OPENSSL_cleanse((void *)tv, strlen(tv));
    json_object_put(j);
    return *token ? 0 : AWS_ENOMEM;
}

static void req_free(sso_req *r)
{
    if (r->token_registered)
        aws_secret_unregister(r->token);
    wipe_free(r->token);
    aws_creds_provider_unref(&r->sp->base);
    free(r);
}

static aws_creds *parse_role_credentials(const aws_http_response *resp, const char *source)
{
    json_tokener *tok = json_tokener_new_ex(8);
    if (!tok)
        return NULL;
    json_object *j = json_tokener_parse_ex(tok, resp->body.data ? resp->body.data : "",
                                           (int)resp->body.len);
    json_tokener_free(tok);
    json_object *rc = NULL, *ak = NULL, *sk = NULL, *st = NULL, *ex = NULL;
    aws_creds *c = NULL;
    if (j && json_object_object_get_ex(j, "roleCredentials", &rc) &&
        json_object_object_get_ex(rc, "accessKeyId", &ak) &&
        json_object_object_get_ex(rc, "secretAccessKey", &sk) &&
        json_object_object_get_ex(rc, "sessionToken", &st) &&
        json_object_is_type(ak, json_type_string) && json_object_is_type(sk, json_type_string) &&
        json_object_is_type(st, json_type_string) && *json_object_get_string(ak) &&
        *json_object_get_string(sk)) {
        int64_t exp_ms = json_object_object_get_ex(rc, "expiration", &ex)
                             ? json_object_get_int64(ex) : 0;
        c = aws_creds_new(json_object_get_string(ak), json_object_get_string(sk),
                          json_object_get_string(st), exp_ms > 0 ? exp_ms / 1000 : 0, source);
        const char *s = json_object_get_string(sk);
        OPENSSL_cleanse((void *)s, strlen(s));
        s = json_object_get_string(st);
        OPENSSL_cleanse((void *)s, strlen(s));
    }
    json_object_put(j);
    return c;
}

static void on_resp(int err, const aws_http_response *resp, void *ud)
{
    sso_req *r = ud;
    sso_provider *sp = r->sp;
    char msg[512];
    aws_creds *creds = NULL;
    int rc = 0;
    if (err == 0 && resp->status == 200) {
        if (!(creds = parse_role_credentials(resp, sp->base.name))) {
            snprintf(msg, sizeof(msg), "SSO GetRoleCredentials (profile '%s'): the answer "
                     "holds no role credentials", sp->profile);
            rc = AWS_EPARSE;
        }
    } else if (err == 0 && (resp->status == 401 || resp->status == 403)) {
        snprintf(msg, sizeof(msg), "SSO GetRoleCredentials (profile '%s', account %s, role "
                 "%s): HTTP %ld (token expired or no access): run 'aws sso login --profile %s'",
                 sp->profile, sp->account_id, sp->role_name, resp->status, sp->profile);
        rc = AWS_ENOCREDS;
    } else if (err == 0) {
        snprintf(msg, sizeof(msg), "SSO GetRoleCredentials (profile '%s'): HTTP %ld",
                 sp->profile, resp->status);
        rc = AWS_EHTTP;
    } else {
        snprintf(msg, sizeof(msg), "SSO GetRoleCredentials (profile '%s'): %s", sp->profile,
                 aws_strerror(err));
        rc = err;
    }
    r->cb(rc, creds, rc ? msg : NULL, r->ud);
    aws_creds_unref(creds);
    req_free(r);
}

static int sso_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    sso_provider *sp = (sso_provider *)p;
    char msg[512];
    sso_req *r = calloc(1, sizeof(*r));
    if (!r)
        return AWS_ENOMEM;
    r->sp = sp;
    r->cb = cb;
    r->ud = ud;
    aws_creds_provider_ref(p);
    int rc = read_token(sp, &r->token, msg, sizeof(msg));
    if (rc == AWS_ENOMEM) {
        req_free(r);
        return rc;
    }
    if (rc) {
        req_free(r);
        cb(rc, NULL, msg, ud);
        return 0;
    }
    /* an answer that echoes the token is redacted */
    r->token_registered = aws_secret_register(r->token) == 0;
    aws_endpoint ep;
    rc = aws_endpoint_resolve(aws_client_endpoints(sp->client), AWS_SVC_SSO, sp->region, &ep);
    aws_buf url;
    aws_buf_init(&url, 4096);
    if (!rc)
        rc = aws_buf_printf(&url, "%s/federation/credentials?role_name=", ep.url);
    if (!rc)
        rc = aws_buf_urlencode(&url, sp->role_name, strlen(sp->role_name), 0);
    if (!rc)
        rc = aws_buf_puts(&url, "&account_id=");
    if (!rc)
        rc = aws_buf_urlencode(&url, sp->account_id, strlen(sp->account_id), 0);
    aws_headers h;
    aws_headers_init(&h);
    if (!rc)
        rc = aws_headers_add(&h, "x-amz-sso_bearer_token", r->token);
    if (!rc)
        rc = aws_headers_add(&h, "Accept", "application/json");
    if (!rc) {
        aws_http_request req = {
            .method = "GET",
            .url = url.data,
            .headers = &h,
            .timeout_ms = SSO_TIMEOUT_MS,
            .max_response = SSO_MAX_RESPONSE,
        };
        aws_log_debug("sso: GetRoleCredentials for %s / %s in %s", sp->account_id,
                      sp->role_name, sp->region);
        rc = aws_http_send(aws_client_http(sp->client), &req, on_resp, r);
    }
    aws_headers_finish(&h);
    aws_buf_finish(&url);
    if (rc) {
        req_free(r);
        return rc;
    }
    return 0;
}

static void sso_destroy(aws_creds_provider *p)
{
    sso_provider *sp = (sso_provider *)p;
    free(sp->profile);
    free(sp->cache_key);
    free(sp->region);
    free(sp->account_id);
    free(sp->role_name);
    free(sp);
}

static const aws_creds_provider_vtable sso_vt = { sso_get, sso_destroy };

aws_creds_provider *sts_sso_provider_new(aws_client *c, const sts_sso_opts *o)
{
    if (!c || !o || !o->profile || !o->cache_key || !o->region || !o->account_id ||
        !o->role_name)
        return NULL;
    sso_provider *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return NULL;
    char name[48];
    snprintf(name, sizeof(name), "sso:profile:%s", o->profile);
    aws_creds_provider_init(&sp->base, &sso_vt, name);
    sp->client = c;
    sp->profile = strdup(o->profile);
    sp->cache_key = strdup(o->cache_key);
    sp->region = strdup(o->region);
    sp->account_id = strdup(o->account_id);
    sp->role_name = strdup(o->role_name);
    if (!sp->profile || !sp->cache_key || !sp->region || !sp->account_id || !sp->role_name) {
        sso_destroy(&sp->base);
        return NULL;
    }
    return &sp->base;
}

/* STS AssumeRole and GetCallerIdentity over the query protocol. */
#include "sts/sts.h"
#include "sts/providers.h"
#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/proto.h"
#include "aws/secret.h"

#include <openssl/crypto.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STS_VERSION       "2011-06-15"
#define STS_MAX_BODY      (8u * 1024)
#define STS_MAX_RESPONSE  (256u * 1024)

/* The XML tree holds the secret key and token: wipe every text first. */
static void xml_wipe_free(aws_xml_node *root)
{
    /* iterative walk over first-child / next-sibling */
    aws_xml_node *stack[64];
    size_t sp = 0;
    if (root)
        stack[sp++] = root;
    while (sp) {
        aws_xml_node *n = stack[--sp];
        for (; n; n = n->next) {
            if (n->text)
                OPENSSL_cleanse(n->text, strlen(n->text));
            if (n->children) {
                if (sp < sizeof(stack) / sizeof(stack[0]))
                    stack[sp++] = n->children;
            }
        }
    }
    aws_xml_free(root);
}

static void fail_msg(char *msg, size_t n, const char *what, const aws_result *res)
{
    if (res->err == AWS_ESERVICE)
        snprintf(msg, n, "%s: %s: %s", what, res->code && *res->code ? res->code : "error",
                 res->message && *res->message ? res->message : "(no message)");
    else if (res->message && *res->message)
        snprintf(msg, n, "%s: %s", what, res->message);
    else
        snprintf(msg, n, "%s: %s", what, aws_strerror(res->err));
}

/* ---- AssumeRole ------------------------------------------------------------ */

typedef struct assume_req {
    aws_creds_cb cb;
    void *ud;
    char role_arn[2048];
    char name[64];
    const char *op;               /* "AssumeRole" or "AssumeRoleWithWebIdentity" */
    char *secret;                 /* the web identity token, registered (aws/secret.h)
                                   * while the call is in flight; NULL: none */
} assume_req;

static void assume_req_free(assume_req *r)
{
    if (r->secret) {
        aws_secret_unregister(r->secret);
        OPENSSL_cleanse(r->secret, strlen(r->secret));
        free(r->secret);
    }
    free(r);
}

static void on_assume(const aws_result *res, void *ud)
{
    assume_req *r = ud;
    char what[2100];
    char msg[3000];
    snprintf(what, sizeof(what), "%s %s", r->op, r->role_arn);
    if (res->err) {
        fail_msg(msg, sizeof(msg), what, res);
        r->cb(res->err, NULL, msg, r->ud);
        assume_req_free(r);
        return;
    }
    aws_xml_node *root = NULL;
    aws_creds *creds = NULL;
    int rc = aws_xml_parse(res->body, res->body_len, &root);
    if (rc == 0) {
        char path[4][96];
        static const char *const leaf[4] = { "AccessKeyId", "SecretAccessKey", "SessionToken",
                                             "Expiration" };
        for (int i = 0; i < 4; i++)
            snprintf(path[i], sizeof(path[i]), "%sResult/Credentials/%s", r->op, leaf[i]);
        const char *ak = aws_xml_text(root, path[0]);
        const char *sk = aws_xml_text(root, path[1]);
        const char *st = aws_xml_text(root, path[2]);
        const char *ex = aws_xml_text(root, path[3]);
        int64_t exp = 0;
        if (!ak || !*ak || !sk || !*sk || !ex || aws_time_parse(ex, &exp) != 0) {
            rc = AWS_EPARSE;
        } else {
            creds = aws_creds_new(ak, sk, st, exp, r->name);
            if (!creds)
                rc = AWS_ENOMEM;
        }
    }
    xml_wipe_free(root);
    if (rc) {
        snprintf(msg, sizeof(msg), "%s: %s", what,
                 rc == AWS_EPARSE ? "the answer lacks credentials" : aws_strerror(rc));
        r->cb(rc, NULL, msg, r->ud);
    } else {
        char when[32];
        aws_time_iso8601(creds->expiration, when, sizeof(when));
        aws_log_info("%s: assumed %s (expires %s)", r->name, r->role_arn, when);
        r->cb(0, creds, NULL, r->ud);
    }
    aws_creds_unref(creds);
    assume_req_free(r);
}

/* The form fields both AssumeRole flavours start with. */
static int assume_body(aws_buf *b, const char *action, const char *role_arn,
                       const char *session_name)
{
    int rc = aws_query_add(b, "Action", action);
    if (!rc) rc = aws_query_add(b, "Version", STS_VERSION);
    if (!rc) rc = aws_query_add(b, "RoleArn", role_arn);
    if (!rc) rc = aws_query_add(b, "RoleSessionName",
                                session_name && *session_name ? session_name
                                                              : STS_DEFAULT_SESSION_NAME);
    return rc;
}

/* Sends the form in b (wiped here in every case) for request r (freed here
 * when the call cannot start; otherwise on_assume owns it).  creds NULL is
 * an unsigned call. */
static int assume_send(aws_client *c, aws_creds_provider *creds, const char *region,
                       const char *rate_key, assume_req *r, aws_buf *b, int rc)
{
    if (rc == 0) {
        aws_call call = {
            .service = AWS_SVC_STS,
            .region = region && *region ? region : "us-east-1",
            .rate_key = rate_key,
            .creds = creds,
            .proto = AWS_PROTO_QUERY,
            .op = r->op,
            .body = b->data,
            .body_len = b->len,
            .max_response = STS_MAX_RESPONSE,
            .first = AWS_CALL_ENTER, /* every call of the account waits for it */
        };
        rc = aws_client_call(c, &call, on_assume, r);
    }
    aws_buf_finish_secret(b);
    if (rc)
        assume_req_free(r);
    return rc;
}

int sts_assume_role(aws_client *c, aws_creds_provider *source, const sts_assume_opts *o,
                    aws_creds_cb cb, void *ud)
{
    if (!c || !source || !o || !o->role_arn || !*o->role_arn || !cb)
        return AWS_EINVAL;
    if (strlen(o->role_arn) >= sizeof(((assume_req *)0)->role_arn))
        return AWS_EINVAL;
    assume_req *r = calloc(1, sizeof(*r));
    if (!r)
        return AWS_ENOMEM;
    r->cb = cb;
    r->ud = ud;
    r->op = "AssumeRole";
    snprintf(r->role_arn, sizeof(r->role_arn), "%s", o->role_arn);
    snprintf(r->name, sizeof(r->name), "%s", o->name ? o->name : "assume-role");

    char dur[16];
    snprintf(dur, sizeof(dur), "%d", o->duration_seconds > 0 ? o->duration_seconds : STS_DEFAULT_DURATION);
    aws_buf b;
    aws_buf_init(&b, STS_MAX_BODY);
    int rc = assume_body(&b, "AssumeRole", o->role_arn, o->session_name);
    if (!rc) rc = aws_query_add(&b, "DurationSeconds", dur);
    if (!rc && o->external_id && *o->external_id)
        rc = aws_query_add(&b, "ExternalId", o->external_id);
    if (!rc)
        aws_log_debug("%s: AssumeRole %s", r->name, o->role_arn);
    return assume_send(c, source, o->region, o->rate_key, r, &b, rc);
}

/* ---- the assume-role provider ------------------------------------------------ */

typedef struct {
    aws_creds_provider base;
    aws_client *client;
    aws_creds_provider *source;
    char *role_arn, *session_name, *external_id, *region, *rate_key;
    int duration;
} assume_provider;

static char *dup_opt(const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = 1;
    return d;
}

static int assume_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    assume_provider *ap = (assume_provider *)p;
    sts_assume_opts o = {
        .role_arn = ap->role_arn,
        .session_name = ap->session_name,
        .external_id = ap->external_id,
        .duration_seconds = ap->duration,
        .region = ap->region,
        .name = p->name,
        .rate_key = ap->rate_key,
    };
    return sts_assume_role(ap->client, ap->source, &o, cb, ud);
}

static void assume_destroy(aws_creds_provider *p)
{
    assume_provider *ap = (assume_provider *)p;
    aws_creds_provider_unref(ap->source);
    free(ap->role_arn);
    free(ap->session_name);
    if (ap->external_id) {
        aws_secret_unregister(ap->external_id);
        OPENSSL_cleanse(ap->external_id, strlen(ap->external_id));
        free(ap->external_id);
    }
    free(ap->region);
    free(ap->rate_key);
    free(ap);
}

static const aws_creds_provider_vtable assume_vt = { assume_get, assume_destroy };

int sts_assume_role_provider_new(aws_client *c, aws_creds_provider *source,
                                 const sts_assume_opts *o, aws_creds_provider **out)
{
    *out = NULL;
    if (!c || !source || !o || !o->role_arn || !*o->role_arn)
        return AWS_EINVAL;
    assume_provider *ap = calloc(1, sizeof(*ap));
    if (!ap)
        return AWS_ENOMEM;
    aws_creds_provider_init(&ap->base, &assume_vt, o->name ? o->name : "assume-role");
    ap->client = c;
    ap->source = aws_creds_provider_ref(source);
    int fail = 0;
    ap->role_arn = dup_opt(o->role_arn, &fail);
    ap->session_name = dup_opt(o->session_name, &fail);
    ap->external_id = dup_opt(o->external_id, &fail);
    aws_secret_register(ap->external_id);    /* unregistered in assume_destroy */
    ap->region = dup_opt(o->region, &fail);
    ap->rate_key = dup_opt(o->rate_key, &fail);
    ap->duration = o->duration_seconds;
    aws_creds_provider *cached = fail ? NULL : sts_cache_provider_new(&ap->base, NULL);
    aws_creds_provider_unref(&ap->base);   /* the cache holds it now */
    if (!cached)
        return AWS_ENOMEM;
    *out = cached;
    return 0;
}

/* ---- AssumeRoleWithWebIdentity ------------------------------------------------ */

typedef struct {
    aws_creds_provider base;
    aws_client *client;
    char *token_file, *role_arn, *session_name, *region;
} webid_provider;

/* Reads the token (re-read at every refresh: the file rotates).  The token
 * is a secret: buf is wiped by the caller, and never shown. */
static int read_token(const char *path, aws_buf *buf, char *msg, size_t msglen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, msglen, "token file %s: %s", path, strerror(errno));
        return AWS_EIO;
    }
    char chunk[4096];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(msg, msglen, "token file %s: %s", path, strerror(errno));
            rc = AWS_EIO;
            break;
        }
        if (n == 0)
            break;
        if (aws_buf_append(buf, chunk, (size_t)n) != 0) {
            snprintf(msg, msglen, "token file %s: larger than %u bytes", path,
                     STS_WEBID_MAX_TOKEN);
            rc = AWS_ETOOBIG;
            break;
        }
    }
    OPENSSL_cleanse(chunk, sizeof(chunk));
    close(fd);
    if (rc)
        return rc;
    while (buf->len && (buf->data[buf->len - 1] == '\n' || buf->data[buf->len - 1] == '\r' ||
                        buf->data[buf->len - 1] == ' ' || buf->data[buf->len - 1] == '\t'))
        buf->data[--buf->len] = '\0';
    if (buf->len == 0) {
        snprintf(msg, msglen, "token file %s is empty", path);
        return AWS_EINVAL;
    }
    return 0;
}

static int webid_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    webid_provider *wp = (webid_provider *)p;
    char msg[1200];
    aws_buf tok, b;
    aws_buf_init(&tok, STS_WEBID_MAX_TOKEN);
    aws_buf_init(&b, STS_WEBID_MAX_TOKEN + STS_MAX_BODY);
    int rc = read_token(wp->token_file, &tok, msg, sizeof(msg));
    if (rc) {
        aws_buf_finish_secret(&tok);
        cb(rc, NULL, msg, ud);
        return 0;
    }
    assume_req *r = calloc(1, sizeof(*r));
    if (!r) {
        aws_buf_finish_secret(&tok);
        return AWS_ENOMEM;
    }
    r->cb = cb;
    r->ud = ud;
    r->op = "AssumeRoleWithWebIdentity";
    snprintf(r->role_arn, sizeof(r->role_arn), "%s", wp->role_arn);
    snprintf(r->name, sizeof(r->name), "%s", p->name);
    rc = assume_body(&b, "AssumeRoleWithWebIdentity", wp->role_arn, wp->session_name);
    if (!rc) rc = aws_query_add(&b, "WebIdentityToken", tok.data);
    /* held while the call is: an answer echoing it is redacted */
    if (!rc && (r->secret = strdup(tok.data)) != NULL)
        aws_secret_register(r->secret);
    aws_buf_finish_secret(&tok);
    if (!rc)
        aws_log_debug("%s: AssumeRoleWithWebIdentity %s (token from %s)", p->name,
                      wp->role_arn, wp->token_file);
    /* Unsigned (creds NULL): the token is the proof. */
    return assume_send(wp->client, NULL, wp->region, NULL, r, &b, rc);
}

static void webid_destroy(aws_creds_provider *p)
{
    webid_provider *wp = (webid_provider *)p;
    free(wp->token_file);
    free(wp->role_arn);
    free(wp->session_name);
    free(wp->region);
    free(wp);
}

static const aws_creds_provider_vtable webid_vt = { webid_get, webid_destroy };

int sts_web_identity_provider_new(aws_client *c, const sts_webid_opts *o, aws_creds_provider **out)
{
    *out = NULL;
    if (!c || !o || !o->token_file || !*o->token_file || !o->role_arn || !*o->role_arn ||
        strlen(o->role_arn) >= sizeof(((assume_req *)0)->role_arn))
        return AWS_EINVAL;
    webid_provider *wp = calloc(1, sizeof(*wp));
    if (!wp)
        return AWS_ENOMEM;
    aws_creds_provider_init(&wp->base, &webid_vt, o->name ? o->name : "web-identity");
    wp->client = c;
    int fail = 0;
    wp->token_file = dup_opt(o->token_file, &fail);
    wp->role_arn = dup_opt(o->role_arn, &fail);
    wp->session_name = dup_opt(o->session_name, &fail);
    wp->region = dup_opt(o->region, &fail);
    aws_creds_provider *cached = fail ? NULL : sts_cache_provider_new(&wp->base, NULL);
    aws_creds_provider_unref(&wp->base);
    if (!cached)
        return AWS_ENOMEM;
    *out = cached;
    return 0;
}

/* ---- GetCallerIdentity --------------------------------------------------------- */

typedef struct ident_req {
    sts_identity_cb cb;
    void *ud;
} ident_req;

static void on_ident(const aws_result *res, void *ud)
{
    ident_req *r = ud;
    char msg[1200];
    if (res->err) {
        fail_msg(msg, sizeof(msg), "GetCallerIdentity", res);
        r->cb(res->err, NULL, msg, r->ud);
        free(r);
        return;
    }
    aws_xml_node *root = NULL;
    int rc = aws_xml_parse(res->body, res->body_len, &root);
    sts_identity id = { 0 };
    if (rc == 0) {
        id.account = aws_xml_text(root, "GetCallerIdentityResult/Account");
        id.arn = aws_xml_text(root, "GetCallerIdentityResult/Arn");
        id.user_id = aws_xml_text(root, "GetCallerIdentityResult/UserId");
        if (!id.account || !id.arn)
            rc = AWS_EPARSE;
        if (!id.user_id)
            id.user_id = "";
    }
    if (rc) {
        snprintf(msg, sizeof(msg), "GetCallerIdentity: the answer could not be read");
        r->cb(rc, NULL, msg, r->ud);
    } else {
        r->cb(0, &id, NULL, r->ud);
    }
    aws_xml_free(root);
    free(r);
}

int sts_get_caller_identity(aws_client *c, aws_creds_provider *creds, const char *region,
                            sts_identity_cb cb, void *ud)
{
    if (!c || !creds || !cb)
        return AWS_EINVAL;
    ident_req *r = calloc(1, sizeof(*r));
    if (!r)
        return AWS_ENOMEM;
    r->cb = cb;
    r->ud = ud;
    static const char body[] = "Action=GetCallerIdentity&Version=" STS_VERSION;
    aws_call call = {
        .service = AWS_SVC_STS,
        .region = region && *region ? region : "us-east-1",
        .creds = creds,
        .proto = AWS_PROTO_QUERY,
        .op = "GetCallerIdentity",
        .body = body,
        .body_len = sizeof(body) - 1,
        .max_response = STS_MAX_RESPONSE,
    };
    int rc = aws_client_call(c, &call, on_ident, r);
    if (rc)
        free(r);
    return rc;
}

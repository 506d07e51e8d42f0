/* The environment provider and the JSON credential
 * document shared by IMDS, ECS and credential_process. */
#include "sts/providers.h"
#include "aws/awstime.h"
#include "aws/error.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- env ----------------------------------------------------------------- */

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int env_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    const char *ak = env_nonempty("AWS_ACCESS_KEY_ID");
    const char *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (!ak && !sk) {
        cb(AWS_ENOCREDS, NULL, "not set", ud);
        return 0;
    }
    if (!ak || !sk) {
        cb(AWS_EINVAL, NULL, ak ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not", ud);
        return 0;
    }
    const char *tok = env_nonempty("AWS_SESSION_TOKEN");
    if (!tok)
        tok = env_nonempty("AWS_SECURITY_TOKEN");
    int64_t exp = 0;
    const char *e = env_nonempty("AWS_CREDENTIAL_EXPIRATION");
    if (e && aws_time_parse(e, &exp) != 0) {
        cb(AWS_EINVAL, NULL, "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time", ud);
        return 0;
    }
    aws_creds *c = aws_creds_new(ak, sk, tok, exp, p->name);
    if (!c)
        return AWS_ENOMEM;
    cb(0, c, NULL, ud);
    aws_creds_unref(c);
    return 0;
}

static void plain_destroy(aws_creds_provider *p)
{
    free(p);
}

static const aws_creds_provider_vtable env_vt = { env_get, plain_destroy };

aws_creds_provider *sts_env_provider_new(void)
{
    aws_creds_provider *p = calloc(1, sizeof(*p));
    if (p)
        aws_creds_provider_init(p, &env_vt, "env");
    return p;
}

/* ---- JSON credential document ---------------------------------------------- */

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    const char *s = json_object_get_string(v);
    return s && *s ? s : NULL;
}

/* The name of a string member holding a NUL (\u0000), which a C string
 * would silently cut; NULL when none does. */
static const char *member_with_nul(json_object *o)
{
    json_object_object_foreach(o, k, v) {
        if (json_object_is_type(v, json_type_string) &&
            strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
            return k;
    }
    return NULL;
}

/* json-c keeps string copies; wipe them before the tree is released. */
static void wipe_json(json_object *o)
{
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) {
            (void)k;
            wipe_json(v);
        }
    } else if (json_object_is_type(o, json_type_string)) {
        int n = json_object_get_string_len(o);
        OPENSSL_cleanse((void *)json_object_get_string(o), (size_t)n);
    }
}

int sts_creds_from_json(const char *json, size_t len, int process_doc, const char *source,
                        aws_creds **out, char *msg, size_t msglen)
{
    *out = NULL;
    if (len > 1024 * 1024) {
        snprintf(msg, msglen, "credential document too large");
        return AWS_EPARSE;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return AWS_ENOMEM;
    json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = o && jerr == json_tokener_success ? json_tokener_get_parse_end(tok) : len;
    json_tokener_free(tok);
    int rc = AWS_EPARSE;
    if (!o || jerr != json_tokener_success || !json_object_is_type(o, json_type_object)) {
        snprintf(msg, msglen, "credential document is not a JSON object");
        goto out;
    }
    /* A second document or garbage after the object is not ignored. */
    for (size_t i = used; i < len; i++)
        if (json[i] != ' ' && json[i] != '\n' && json[i] != '\r' && json[i] != '\t') {
            snprintf(msg, msglen, "credential document has trailing data after the JSON object");
            goto out;
        }
    if (process_doc) {
        json_object *v;
        if (!json_object_object_get_ex(o, "Version", &v) || !json_object_is_type(v, json_type_int) ||
            json_object_get_int(v) != 1) {
            snprintf(msg, msglen, "credential_process output must have \"Version\": 1");
            goto out;
        }
    }
    const char *nul = member_with_nul(o);
    if (nul) {
        snprintf(msg, msglen, "credential document: \"%.40s\" holds a NUL character (\\u0000)",
                 nul);
        goto out;
    }
    const char *code = jstr(o, "Code");
    if (code && strcmp(code, "Success") != 0) {
        /* The code is remote text: keep the message one line, no control bytes. */
        char shown[65];
        size_t i;
        for (i = 0; code[i] && i < sizeof(shown) - 1; i++)
            shown[i] = (unsigned char)code[i] < 0x20 || code[i] == 0x7f ? '?' : code[i];
        shown[i] = '\0';
        snprintf(msg, msglen, "credential document says Code=%s", shown);
        goto out;
    }
    const char *ak = jstr(o, "AccessKeyId");
    const char *sk = jstr(o, "SecretAccessKey");
    const char *st = jstr(o, "Token");
    if (!st)
        st = jstr(o, "SessionToken");
    if (!ak || !sk) {
        snprintf(msg, msglen, "credential document lacks AccessKeyId or SecretAccessKey");
        goto out;
    }
    int64_t exp = 0;
    const char *e = jstr(o, "Expiration");
    if (e && aws_time_parse(e, &exp) != 0) {
        snprintf(msg, msglen, "credential document has a bad Expiration");
        goto out;
    }
    *out = aws_creds_new(ak, sk, st, exp, source);
    rc = *out ? 0 : AWS_ENOMEM;
    if (rc)
        snprintf(msg, msglen, "out of memory");
out:
    if (o) {
        wipe_json(o);
        json_object_put(o);
    }
    return rc;
}

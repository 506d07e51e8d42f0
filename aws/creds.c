#include "aws/creds.h"
#include "aws/error.h"
#include "aws/secret.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

aws_creds *aws_creds_new(const char *akid, const char *secret,
                         const char *session_token, int64_t expiration,
                         const char *source)
{
    if (!akid || !*akid || !secret || !*secret)
        return NULL;
    aws_creds *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->access_key_id = strdup(akid);
    c->secret_access_key = strdup(secret);
    c->session_token = (session_token && *session_token) ? strdup(session_token) : NULL;
    if (!c->access_key_id || !c->secret_access_key ||
        (session_token && *session_token && !c->session_token)) {
        c->refs = 1;
        aws_creds_unref(c);
        return NULL;
    }
    /* held from now on: removed from any text a server sends back */
    aws_secret_register(c->secret_access_key);
    aws_secret_register(c->session_token);
    c->registered = 1;
    c->expiration = expiration;
    snprintf(c->source, sizeof(c->source), "%s", source ? source : "");
    c->refs = 1;
    return c;
}

aws_creds *aws_creds_ref(aws_creds *c)
{
    if (c)
        c->refs++;
    return c;
}

void aws_creds_unref(aws_creds *c)
{
    if (!c || --c->refs > 0)
        return;
    if (c->registered) {
        aws_secret_unregister(c->secret_access_key);
        aws_secret_unregister(c->session_token);
    }
    free_secret(c->access_key_id);
    free_secret(c->secret_access_key);
    free_secret(c->session_token);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

int aws_creds_expiring(const aws_creds *c, int64_t now, int64_t margin)
{
    return c->expiration != 0 && c->expiration - margin <= now;
}

void aws_creds_provider_init(aws_creds_provider *p,
                             const aws_creds_provider_vtable *vt,
                             const char *name)
{
    p->vt = vt;
    p->refs = 1;
    snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
}

int aws_creds_provider_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    return p->vt->get(p, cb, ud);
}

aws_creds_provider *aws_creds_provider_ref(aws_creds_provider *p)
{
    if (p)
        p->refs++;
    return p;
}

void aws_creds_provider_unref(aws_creds_provider *p)
{
    if (p && --p->refs == 0)
        p->vt->destroy(p);
}

/* ---- static provider ---------------------------------------------------- */

typedef struct {
    aws_creds_provider base;
    aws_creds *creds;
} static_provider;

static int static_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    static_provider *sp = (static_provider *)p;
    cb(0, sp->creds, NULL, ud);
    return 0;
}

static void static_destroy(aws_creds_provider *p)
{
    static_provider *sp = (static_provider *)p;
    aws_creds_unref(sp->creds);
    free(sp);
}

static const aws_creds_provider_vtable static_vt = { static_get, static_destroy };

aws_creds_provider *aws_creds_provider_static_new(aws_creds *c)
{
    if (!c)
        return NULL;
    static_provider *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return NULL;
    aws_creds_provider_init(&sp->base, &static_vt, c->source);
    sp->creds = aws_creds_ref(c);
    return &sp->base;
}

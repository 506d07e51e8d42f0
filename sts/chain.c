/* The provider chain (the first provider that yields credentials wins and
 * is remembered) and the error provider. */
#include "sts/providers.h"
#include "aws/buf.h"
#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    aws_creds_provider base;
    size_t n;
    aws_creds_provider **v;
    char **labels;
    long chosen;          /* -1 until a provider succeeded */
} chain_provider;

typedef struct attempt {
    chain_provider *ch;
    size_t i;
    aws_creds_cb cb;
    void *ud;
    aws_buf tried;
} attempt;

static void finish(attempt *a, int err, aws_creds *creds, const char *msg)
{
    chain_provider *ch = a->ch;
    a->cb(err, creds, msg, a->ud);
    aws_buf_finish(&a->tried);
    free(a);
    aws_creds_provider_unref(&ch->base);
}

static void on_step(int err, aws_creds *creds, const char *msg, void *ud);

static void start(attempt *a)
{
    chain_provider *ch = a->ch;
    int rc = aws_creds_provider_get(ch->v[a->i], on_step, a);
    if (rc) {
        char m[512];
        snprintf(m, sizeof(m), "%s: %s", ch->labels[a->i], aws_strerror(rc));
        finish(a, rc, NULL, m);
    }
    /* a may be gone here */
}

static void on_step(int err, aws_creds *creds, const char *msg, void *ud)
{
    attempt *a = ud;
    chain_provider *ch = a->ch;
    const char *label = ch->labels[a->i];
    if (err == 0) {
        ch->chosen = (long)a->i;
        snprintf(ch->base.name, sizeof(ch->base.name), "%s", ch->v[a->i]->name);
        finish(a, 0, creds, NULL);
        return;
    }
    if (err != AWS_ENOCREDS) {
        char m[1024];
        snprintf(m, sizeof(m), "%s: %s", label, msg && *msg ? msg : aws_strerror(err));
        finish(a, err, NULL, m);
        return;
    }
    if (aws_buf_printf(&a->tried, "%s%s (%s)", a->tried.len ? ", " : "", label,
                       msg && *msg ? msg : "nothing") != 0)
        (void)0;   /* over the cap: the message stays shorter */
    if (++a->i < ch->n) {
        start(a);
        return;
    }
    char m[1200];
    snprintf(m, sizeof(m), "no credentials: tried %s", a->tried.data ? a->tried.data : "nothing");
    finish(a, AWS_ENOCREDS, NULL, m);
}

static int chain_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    chain_provider *ch = (chain_provider *)p;
    if (ch->chosen >= 0)
        return aws_creds_provider_get(ch->v[ch->chosen], cb, ud);
    if (ch->n == 0) {
        cb(AWS_ENOCREDS, NULL, "no credentials: no providers", ud);
        return 0;
    }
    attempt *a = calloc(1, sizeof(*a));
    if (!a)
        return AWS_ENOMEM;
    a->ch = ch;
    a->cb = cb;
    a->ud = ud;
    aws_buf_init(&a->tried, 1000);
    aws_creds_provider_ref(&ch->base);
    start(a);
    return 0;
}

static void chain_destroy(aws_creds_provider *p)
{
    chain_provider *ch = (chain_provider *)p;
    for (size_t i = 0; i < ch->n; i++) {
        aws_creds_provider_unref(ch->v[i]);
        free(ch->labels[i]);
    }
    free(ch->v);
    free(ch->labels);
    free(ch);
}

static const aws_creds_provider_vtable chain_vt = { chain_get, chain_destroy };

aws_creds_provider *sts_chain_provider_new(aws_creds_provider **providers,
                                           const char *const *labels, size_t n)
{
    chain_provider *ch = calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    aws_creds_provider_init(&ch->base, &chain_vt, "chain");
    ch->chosen = -1;
    ch->v = calloc(n ? n : 1, sizeof(*ch->v));
    ch->labels = calloc(n ? n : 1, sizeof(*ch->labels));
    if (!ch->v || !ch->labels)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        ch->labels[i] = strdup(labels && labels[i] ? labels[i] : providers[i]->name);
        if (!ch->labels[i])
            goto fail;
        ch->v[i] = aws_creds_provider_ref(providers[i]);
        ch->n++;
    }
    return &ch->base;
fail:
    chain_destroy(&ch->base);
    return NULL;
}

/* ---- error provider -------------------------------------------------------- */

typedef struct {
    aws_creds_provider base;
    int err;
    char msg[512];
} error_provider;

static int error_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    error_provider *ep = (error_provider *)p;
    cb(ep->err, NULL, ep->msg, ud);
    return 0;
}

static void error_destroy(aws_creds_provider *p)
{
    free(p);
}

static const aws_creds_provider_vtable error_vt = { error_get, error_destroy };

aws_creds_provider *sts_error_provider_new(const char *name, int err, const char *msg)
{
    error_provider *ep = calloc(1, sizeof(*ep));
    if (!ep)
        return NULL;
    aws_creds_provider_init(&ep->base, &error_vt, name);
    ep->err = err ? err : AWS_ENOCREDS;
    snprintf(ep->msg, sizeof(ep->msg), "%s", msg ? msg : "");
    return &ep->base;
}

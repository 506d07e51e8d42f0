/* Caching wrapper: one refresh in flight, waiters queued behind it. */
#include "sts/providers.h"
#include "aws/error.h"

#include <stdlib.h>
#include <time.h>

typedef struct waiter {
    aws_creds_cb cb;
    void *ud;
    struct waiter *next;
} waiter;

typedef struct {
    aws_creds_provider base;
    aws_creds_provider *inner;
    aws_creds *cached;
    int64_t margin;
    int64_t (*now)(void);
    int in_flight;
    waiter *head;
    waiter **tail;
} cache_provider;

static int64_t wall_now(void)
{
    return (int64_t)time(NULL);
}

static void on_inner(int err, aws_creds *creds, const char *msg, void *ud)
{
    cache_provider *cp = ud;
    cp->in_flight = 0;
    if (err == 0 && creds) {
        aws_creds_unref(cp->cached);
        cp->cached = aws_creds_ref(creds);
    }
    /* Detach first: a waiter may call get() again from its callback. */
    waiter *w = cp->head;
    cp->head = NULL;
    cp->tail = &cp->head;
    while (w) {
        waiter *next = w->next;
        w->cb(err, err ? NULL : creds, msg, w->ud);
        free(w);
        w = next;
    }
    aws_creds_provider_unref(&cp->base);   /* the ref held by the refresh */
}

static int cache_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    cache_provider *cp = (cache_provider *)p;
    if (cp->cached && !cp->in_flight &&
        !aws_creds_expiring(cp->cached, cp->now(), cp->margin)) {
        cb(0, cp->cached, NULL, ud);
        return 0;
    }
    waiter *w = calloc(1, sizeof(*w));
    if (!w)
        return AWS_ENOMEM;
    w->cb = cb;
    w->ud = ud;
    *cp->tail = w;
    cp->tail = &w->next;
    if (cp->in_flight)
        return 0;
    cp->in_flight = 1;
    aws_creds_provider_ref(&cp->base);
    int rc = aws_creds_provider_get(cp->inner, on_inner, cp);
    if (rc) {
        /* Could not start: w is the only waiter (nothing was in flight). */
        cp->in_flight = 0;
        cp->head = NULL;
        cp->tail = &cp->head;
        free(w);
        cp->base.refs--;   /* the caller still holds a reference */
        return rc;
    }
    return 0;
}

static void cache_destroy(aws_creds_provider *p)
{
    cache_provider *cp = (cache_provider *)p;
    aws_creds_unref(cp->cached);
    aws_creds_provider_unref(cp->inner);
    free(cp);
}

static const aws_creds_provider_vtable cache_vt = { cache_get, cache_destroy };

aws_creds_provider *sts_cache_provider_new(aws_creds_provider *inner, const sts_cache_opts *opts)
{
    if (!inner)
        return NULL;
    cache_provider *cp = calloc(1, sizeof(*cp));
    if (!cp)
        return NULL;
    aws_creds_provider_init(&cp->base, &cache_vt, inner->name);
    cp->inner = aws_creds_provider_ref(inner);
    cp->margin = opts && opts->margin ? opts->margin : 300;
    cp->now = opts && opts->now ? opts->now : wall_now;
    cp->tail = &cp->head;
    return &cp->base;
}

/* credential_process: run a command, read its JSON from stdout. */
#include "sts/providers.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROCESS_MAX_OUTPUT (64 * 1024)

typedef struct {
    aws_creds_provider base;
    uv_loop_t *loop;
    char *command;
} process_provider;

typedef struct run {
    uv_process_t proc;
    uv_pipe_t out;
    process_provider *pp;       /* ref held while running */
    aws_creds_cb cb;
    void *ud;
    aws_buf buf;
    char chunk[4096];
    int over;                   /* output passed the cap */
    int read_err;
    int64_t exit_status;
    int term_signal;
    int pending_closes;
} run;

static void run_done(run *r)
{
    char msg[256] = "";
    aws_creds *creds = NULL;
    int err;
    if (r->term_signal) {
        snprintf(msg, sizeof(msg), "credential_process was killed by signal %d", r->term_signal);
        err = AWS_EIO;
    } else if (r->exit_status != 0) {
        snprintf(msg, sizeof(msg), "credential_process exited with status %lld",
                 (long long)r->exit_status);
        err = AWS_EIO;
    } else if (r->over) {
        snprintf(msg, sizeof(msg), "credential_process printed more than %d bytes",
                 PROCESS_MAX_OUTPUT);
        err = AWS_ETOOBIG;
    } else if (r->read_err) {
        snprintf(msg, sizeof(msg), "credential_process: reading its output failed");
        err = AWS_EIO;
    } else {
        char why[160];
        err = sts_creds_from_json(r->buf.data ? r->buf.data : "", r->buf.len, 1,
                                  r->pp->base.name, &creds, why, sizeof(why));
        if (err)
            snprintf(msg, sizeof(msg), "credential_process: %s", why);
    }
    r->cb(err, creds, err ? msg : NULL, r->ud);
    aws_creds_unref(creds);
    aws_buf_finish_secret(&r->buf);
    aws_creds_provider_unref(&r->pp->base);
    free(r);
}

static void on_close(uv_handle_t *h)
{
    run *r = h->data;
    if (--r->pending_closes == 0)
        run_done(r);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    run *r = h->data;
    (void)suggested;
    b->base = r->chunk;
    b->len = sizeof(r->chunk);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    run *r = s->data;
    if (nread > 0) {
        if (!r->over && aws_buf_append(&r->buf, b->base, (size_t)nread) != 0)
            r->over = 1;   /* keep draining so the child does not block */
    } else if (nread < 0) {
        if (nread != UV_EOF)
            r->read_err = 1;
        uv_read_stop(s);
        uv_close((uv_handle_t *)s, on_close);
    }
    if (nread > 0)
        OPENSSL_cleanse(r->chunk, (size_t)nread);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    run *r = p->data;
    r->exit_status = status;
    r->term_signal = sig;
    uv_close((uv_handle_t *)p, on_close);
}

static void spawn_failed_close(uv_handle_t *h)
{
    run *r = h->data;
    if (--r->pending_closes == 0) {
        aws_buf_finish_secret(&r->buf);
        aws_creds_provider_unref(&r->pp->base);
        free(r);
    }
}

static int process_get(aws_creds_provider *p, aws_creds_cb cb, void *ud)
{
    process_provider *pp = (process_provider *)p;
    run *r = calloc(1, sizeof(*r));
    if (!r)
        return AWS_ENOMEM;
    r->pp = pp;
    r->cb = cb;
    r->ud = ud;
    aws_buf_init(&r->buf, PROCESS_MAX_OUTPUT);
    aws_creds_provider_ref(p);
    int rc = uv_pipe_init(pp->loop, &r->out, 0);
    if (rc) {
        aws_creds_provider_unref(p);
        free(r);
        return AWS_EIO;
    }
    r->out.data = r;
    r->proc.data = r;

    char *args[] = { "/bin/sh", "-c", pp->command, NULL };
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = (uv_stdio_flags)(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = (uv_stream_t *)&r->out;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    uv_process_options_t o;
    memset(&o, 0, sizeof(o));
    o.file = "/bin/sh";
    o.args = args;
    o.exit_cb = on_exit_cb;
    o.stdio = stdio;
    o.stdio_count = 3;
    rc = uv_spawn(pp->loop, &r->proc, &o);
    if (rc) {
        aws_log_debug("credential_process: spawn failed: %s", uv_strerror(rc));
        r->pending_closes = 1;
        if (!uv_is_closing((uv_handle_t *)&r->proc)) {
            r->pending_closes = 2;
            uv_close((uv_handle_t *)&r->proc, spawn_failed_close);
        }
        uv_close((uv_handle_t *)&r->out, spawn_failed_close);
        return AWS_EIO;
    }
    r->pending_closes = 2;
    rc = uv_read_start((uv_stream_t *)&r->out, on_alloc, on_read);
    if (rc) {
        r->read_err = 1;
        uv_close((uv_handle_t *)&r->out, on_close);
    }
    aws_log_debug("%s: running credential_process", p->name);
    return 0;
}

static void process_destroy(aws_creds_provider *p)
{
    process_provider *pp = (process_provider *)p;
    free(pp->command);
    free(pp);
}

static const aws_creds_provider_vtable process_vt = { process_get, process_destroy };

aws_creds_provider *sts_process_provider_new(uv_loop_t *loop, const char *command,
                                             const char *name)
{
    if (!loop || !command || !*command)
        return NULL;
    process_provider *pp = calloc(1, sizeof(*pp));
    if (!pp)
        return NULL;
    aws_creds_provider_init(&pp->base, &process_vt, name ? name : "process");
    pp->loop = loop;
    pp->command = strdup(command);
    if (!pp->command) {
        free(pp);
        return NULL;
    }
    return &pp->base;
}

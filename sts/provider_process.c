/* credential_process: run a command, read its JSON from stdout.
 *
 * Three handles per run: the child, the read end of its stdout and a timer
 * that bounds the run.  The run is over when the child has exited and its
 * stdout reached EOF (both handles closed), or when the timer fires first:
 * then the child is killed and the pipe closed, so a helper that hangs, or
 * leaves a background process holding its stdout, cannot stall a lookup. */
#include "sts/providers.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"

#include <openssl/crypto.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROCESS_MAX_OUTPUT (64 * 1024)

typedef struct {
    aws_creds_provider base;
    uv_loop_t *loop;
    char *command;
    uint64_t timeout_ms;
} process_provider;

typedef struct run {
    uv_process_t proc;
    uv_pipe_t out;
    uv_timer_t timer;
    process_provider *pp;       /* ref held while running */
    aws_creds_cb cb;
    void *ud;
    aws_buf buf;
    char chunk[4096];
    int over;                   /* output passed the cap */
    int read_err;
    int64_t exit_status;
    int term_signal;
    int exited;
    int timed_out;
    int pending_closes;         /* child and pipe; then the timer closes */
} run;

/* "process:profile:NAME" -> "NAME"; any other name as it is. */
static const char *profile_of(const char *name)
{
    static const char prefix[] = "process:profile:";
    if (strncmp(name, prefix, sizeof(prefix) - 1) == 0)
        return name + sizeof(prefix) - 1;
    return name;
}

static void run_done(run *r)
{
    char msg[256] = "";
    aws_creds *creds = NULL;
    int err;
    if (r->timed_out) {
        uint64_t ms = r->pp->timeout_ms;
        if (ms % 1000 == 0)
            snprintf(msg, sizeof(msg), "credential_process for profile '%s' timed out after "
                     "%llu s and was stopped", profile_of(r->pp->base.name),
                     (unsigned long long)(ms / 1000));
        else
            snprintf(msg, sizeof(msg), "credential_process for profile '%s' timed out after "
                     "%llu ms and was stopped", profile_of(r->pp->base.name),
                     (unsigned long long)ms);
        err = AWS_ETIMEDOUT;
    } else if (r->term_signal) {
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

static void on_timer_closed(uv_handle_t *h)
{
    run_done(h->data);
}

static void on_close(uv_handle_t *h)
{
    run *r = h->data;
    if (--r->pending_closes == 0) {
        uv_timer_stop(&r->timer);
        uv_close((uv_handle_t *)&r->timer, on_timer_closed);
    }
}

static void on_timeout(uv_timer_t *t)
{
    run *r = t->data;
    r->timed_out = 1;
    aws_log_debug("%s: credential_process timed out; stopping it", r->pp->base.name);
    if (!r->exited)
        uv_process_kill(&r->proc, SIGKILL);   /* on_exit_cb closes it */
    if (!uv_is_closing((uv_handle_t *)&r->out)) {
        uv_read_stop((uv_stream_t *)&r->out);
        uv_close((uv_handle_t *)&r->out, on_close);
    }
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
    r->exited = 1;
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
    r->timer.data = r;
    if (uv_timer_init(pp->loop, &r->timer) != 0) {
        r->pending_closes = 1;
        uv_close((uv_handle_t *)&r->out, spawn_failed_close);
        return AWS_EIO;
    }

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
        r->pending_closes = 2;
        if (!uv_is_closing((uv_handle_t *)&r->proc)) {
            r->pending_closes = 3;
            uv_close((uv_handle_t *)&r->proc, spawn_failed_close);
        }
        uv_close((uv_handle_t *)&r->out, spawn_failed_close);
        uv_close((uv_handle_t *)&r->timer, spawn_failed_close);
        return AWS_EIO;
    }
    r->pending_closes = 2;
    if (uv_timer_start(&r->timer, on_timeout, pp->timeout_ms, 0) != 0) {
        r->timed_out = 1;        /* cannot bound it: do not let it run */
        on_timeout(&r->timer);
        return 0;
    }
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
    pp->timeout_ms = STS_PROCESS_TIMEOUT_MS;
    pp->command = strdup(command);
    if (!pp->command) {
        free(pp);
        return NULL;
    }
    return &pp->base;
}

void sts_process_provider_set_timeout(aws_creds_provider *p, uint64_t timeout_ms)
{
    if (!p || p->vt != &process_vt)
        return;
    ((process_provider *)p)->timeout_ms = timeout_ms ? timeout_ms : STS_PROCESS_TIMEOUT_MS;
}

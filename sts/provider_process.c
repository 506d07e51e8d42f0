/* credential_process: run a command, read its JSON from stdout.
 *
 * Four handles per run: the child, the read ends of its stdout and stderr
 * and a timer that bounds the run.  The run is over when the child has
 * exited and its stdout reached EOF (both handles closed), or when the
 * timer fires first: then the child's process group (it runs in a session
 * of its own) gets SIGTERM, and SIGKILL after a grace if any member is
 * left, and the pipe is closed, so a helper that hangs, or leaves a
 * background process holding its stdout, cannot stall a lookup nor outlive
 * it.  stderr is then drained of what is already there
 * and closed (a background process holding it is not waited for either).
 *
 * The child's stderr is captured (capped), not passed to the terminal where
 * it would land on the progress line: once the run is over its lines are
 * logged, prefixed with the profile and with control characters shown as
 * '?' — as warnings when the run failed, at -v (info) otherwise.  stdout,
 * which carries the secret, is never logged. */
#include "sts/providers.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"

#include <openssl/crypto.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROCESS_MAX_OUTPUT (64 * 1024)
#define PROCESS_MAX_STDERR (8 * 1024)     /* shown; the rest is counted */

typedef struct {
    aws_creds_provider base;
    uv_loop_t *loop;
    char *command;
    uint64_t timeout_ms;
} process_provider;

typedef struct run {
    uv_process_t proc;
    uv_pipe_t out;
    uv_pipe_t err;              /* the child's stderr */
    uv_timer_t timer;
    process_provider *pp;       /* ref held while running */
    aws_creds_cb cb;
    void *ud;
    aws_buf buf;
    aws_buf errbuf;             /* stderr, up to PROCESS_MAX_STDERR */
    size_t err_dropped;         /* stderr bytes past the cap */
    char chunk[4096];
    int over;                   /* output passed the cap */
    int read_err;
    int64_t exit_status;
    int term_signal;
    int exited;
    int timed_out;
    int pending_closes;         /* child and stdout; then stderr, then the timer */
    int err_eof;                /* stderr reached EOF or failed */
    int canceled;               /* stopped by sts_process_stop_all */
    int term_sent;              /* the group got SIGTERM ... */
    int kill_sent;              /* ... and SIGKILL after the grace */
    int finishing;              /* everything but the timer is closed */
    pid_t pgid;                 /* the child's group (its pid); 0 before spawn */
    struct run *prev, *next;    /* runs in progress */
} run;

static run *s_runs;             /* every run between spawn and run_done */

static void runs_add(run *r)
{
    r->next = s_runs;
    if (s_runs)
        s_runs->prev = r;
    s_runs = r;
}

static void runs_remove(run *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else if (s_runs == r)
        s_runs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

/* Something is still in the group. */
static int group_alive(const run *r)
{
    return r->pgid > 0 && kill(-r->pgid, 0) == 0;
}

/* "process:profile:NAME" -> "NAME"; any other name as it is. */
static const char *profile_of(const char *name)
{
    static const char prefix[] = "process:profile:";
    if (strncmp(name, prefix, sizeof(prefix) - 1) == 0)
        return name + sizeof(prefix) - 1;
    return name;
}

/* Logs the captured stderr, one log line per line of it. */
static void log_stderr(run *r, int failed)
{
    int lvl = failed ? AWS_LOG_WARN : AWS_LOG_INFO;
    if (aws_log_get_level() < lvl || (r->errbuf.len == 0 && r->err_dropped == 0))
        return;
    const char *prof = profile_of(r->pp->base.name);
    const char *p = r->errbuf.data, *end = p + r->errbuf.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;                              /* CRLF ends a line too */
        if (n > 0) {
            char line[512];
            size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
            for (size_t i = 0; i < k; i++) {
                unsigned char c = (unsigned char)p[i];
                line[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
            }
            line[k] = '\0';
            aws_log(lvl, "credential_process (profile %s): %s%s", prof, line,
                    k < n ? " [line cut]" : "");
        }
        p = nl ? nl + 1 : end;
    }
    if (r->err_dropped)
        aws_log(lvl, "credential_process (profile %s): %zu more bytes of stderr not shown",
                prof, r->err_dropped);
}

static void run_done(run *r)
{
    char msg[256] = "";
    aws_creds *creds = NULL;
    int err;
    runs_remove(r);
    if (r->canceled) {
        snprintf(msg, sizeof(msg), "credential_process for profile '%s' was stopped "
                 "(interrupted)", profile_of(r->pp->base.name));
        err = AWS_ECANCELED;
    } else if (r->timed_out) {
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
    log_stderr(r, err != 0);
    r->cb(err, creds, err ? msg : NULL, r->ud);
    aws_creds_unref(creds);
    aws_buf_finish_secret(&r->buf);
    aws_buf_finish_secret(&r->errbuf);
    aws_creds_provider_unref(&r->pp->base);
    free(r);
}

static void on_timer_closed(uv_handle_t *h)
{
    run_done(h->data);
}

static void keep_stderr(run *r, const char *p, size_t n)
{
    size_t room = PROCESS_MAX_STDERR - r->errbuf.len;
    size_t k = n < room ? n : room;
    if (k && aws_buf_append(&r->errbuf, p, k) != 0)
        k = 0;
    r->err_dropped += n - k;
}

static void on_err_closed(uv_handle_t *h)
{
    run *r = h->data;
    if (r->term_sent && !r->kill_sent && group_alive(r)) {
        r->finishing = 1;        /* on_grace kills what is left, then closes */
        return;
    }
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}

/* The grace after SIGTERM is over: whatever is left of the group is killed. */
static void on_grace(uv_timer_t *t)
{
    run *r = t->data;
    r->kill_sent = 1;
    if (group_alive(r)) {
        aws_log_debug("%s: credential_process still running %u ms after SIGTERM; killing "
                      "its process group", r->pp->base.name, STS_PROCESS_KILL_GRACE_MS);
        kill(-r->pgid, SIGKILL);
    }
    if (r->finishing)
        uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}

/* The child and its stdout are done: take what its stderr already holds
 * (without waiting), then close it and the timer. */
static void on_close(uv_handle_t *h)
{
    run *r = h->data;
    if (--r->pending_closes > 0)
        return;
    uv_os_fd_t fd;
    if (!r->err_eof && uv_fileno((uv_handle_t *)&r->err, &fd) == 0) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        for (int i = 0; i < 64 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN); i++) {
            ssize_t n = read(fd, r->chunk, sizeof(r->chunk));
            if (n <= 0)
                break;
            keep_stderr(r, r->chunk, (size_t)n);
        }
    }
    uv_read_stop((uv_stream_t *)&r->err);
    uv_close((uv_handle_t *)&r->err, on_err_closed);
}

/* Stops the run: SIGTERM to its process group (the helper and whatever it
 * started), SIGKILL after the grace, stdout closed now. */
static void stop_run(run *r)
{
    if (r->term_sent)
        return;
    r->term_sent = 1;
    if (r->pgid > 0)
        kill(-r->pgid, SIGTERM);
    uv_timer_stop(&r->timer);
    if (uv_timer_start(&r->timer, on_grace, STS_PROCESS_KILL_GRACE_MS, 0) != 0) {
        r->kill_sent = 1;
        if (r->pgid > 0)
            kill(-r->pgid, SIGKILL);
    }
    if (!uv_is_closing((uv_handle_t *)&r->out)) {
        uv_read_stop((uv_stream_t *)&r->out);
        uv_close((uv_handle_t *)&r->out, on_close);
    }
}

static void on_timeout(uv_timer_t *t)
{
    run *r = t->data;
    r->timed_out = 1;
    aws_log_debug("%s: credential_process timed out; stopping it", r->pp->base.name);
    stop_run(r);
}

void sts_process_stop_all(void)
{
    for (run *r = s_runs; r; r = r->next) {
        if (r->term_sent)
            continue;
        r->canceled = 1;
        stop_run(r);
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

static void on_err_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    run *r = s->data;
    if (nread > 0)
        keep_stderr(r, b->base, (size_t)nread);
    else if (nread < 0) {
        r->err_eof = 1;
        uv_read_stop(s);       /* closed with the run (on_close) */
    }
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
        aws_buf_finish_secret(&r->errbuf);
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
    aws_buf_init(&r->errbuf, PROCESS_MAX_STDERR);
    aws_creds_provider_ref(p);
    int rc = uv_pipe_init(pp->loop, &r->out, 0);
    if (rc) {
        aws_creds_provider_unref(p);
        free(r);
        return AWS_EIO;
    }
    r->out.data = r;
    r->err.data = r;
    r->proc.data = r;
    r->timer.data = r;
    if (uv_pipe_init(pp->loop, &r->err, 0) != 0) {
        r->pending_closes = 1;
        uv_close((uv_handle_t *)&r->out, spawn_failed_close);
        return AWS_EIO;
    }
    if (uv_timer_init(pp->loop, &r->timer) != 0) {
        r->pending_closes = 2;
        uv_close((uv_handle_t *)&r->out, spawn_failed_close);
        uv_close((uv_handle_t *)&r->err, spawn_failed_close);
        return AWS_EIO;
    }

    char *args[] = { "/bin/sh", "-c", pp->command, NULL };
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = (uv_stdio_flags)(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = (uv_stream_t *)&r->out;
    stdio[2].flags = (uv_stdio_flags)(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[2].data.stream = (uv_stream_t *)&r->err;
    uv_process_options_t o;
    memset(&o, 0, sizeof(o));
    o.file = "/bin/sh";
    o.args = args;
    o.exit_cb = on_exit_cb;
    o.stdio = stdio;
    o.stdio_count = 3;
    o.flags = UV_PROCESS_DETACHED;      /* setsid(): its own group, ended as one */
    rc = uv_spawn(pp->loop, &r->proc, &o);
    if (rc) {
        aws_log_debug("credential_process: spawn failed: %s", uv_strerror(rc));
        r->pending_closes = 3;
        if (!uv_is_closing((uv_handle_t *)&r->proc)) {
            r->pending_closes = 4;
            uv_close((uv_handle_t *)&r->proc, spawn_failed_close);
        }
        uv_close((uv_handle_t *)&r->out, spawn_failed_close);
        uv_close((uv_handle_t *)&r->err, spawn_failed_close);
        uv_close((uv_handle_t *)&r->timer, spawn_failed_close);
        return AWS_EIO;
    }
    r->pending_closes = 2;
    r->pgid = r->proc.pid;
    runs_add(r);
    if (uv_read_start((uv_stream_t *)&r->err, on_alloc, on_err_read) != 0)
        r->err_eof = 1;           /* not read: nothing to show */
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

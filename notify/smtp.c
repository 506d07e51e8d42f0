/* certsweep — SMTP through libesmtp (blocking: run on the thread pool). */
#include "notify/mail.h"

#include <arpa/inet.h>
#include <auth-client.h>
#include <ctype.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libesmtp.h>

typedef struct session_io {
    const notify_smtp_job *job;
    int sent;                       /* the message was handed out */
    const char *user;
    const char *password;
} session_io;

static const char *message_cb(void **ctx, int *len, void *arg)
{
    session_io *io = arg;
    (void)ctx;
    if (!len) {                     /* rewind */
        io->sent = 0;
        return NULL;
    }
    if (io->sent) {
        *len = 0;
        return NULL;
    }
    io->sent = 1;
    *len = (int)io->job->len;
    return io->job->message;
}

static int interact(auth_client_request_t req, char **result, int fields, void *arg)
{
    session_io *io = arg;
    for (int i = 0; i < fields; i++) {
        if (req[i].flags & AUTH_USER)
            result[i] = (char *)io->user;
        else if (req[i].flags & AUTH_PASS)
            result[i] = (char *)io->password;
        else
            return 0;
    }
    return 1;
}

static SSL_CTX *tls_ctx(const notify_smtp_cfg *c, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "TLS: cannot set up OpenSSL");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* With TLS 1.3, libesmtp 1.1 intermittently (about one session in
     * ten against aiosmtpd) failed to read the EHLO answer after
     * STARTTLS ("SMTP server dropped connection") and quit before AUTH;
     * most likely its reader (siobuf.c) and the post-handshake records
     * of TLS 1.3 (session tickets).  Capped at 1.2 no failure was seen in
     * 80 sessions.  1.2 with the default ciphers is still forward-secret
     * and verified. */
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = c->ca_file ? SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL)
                        : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        snprintf(err, errlen, "TLS: cannot load the CA certificates%s%s", c->ca_file ? " of " : "",
                 c->ca_file ? c->ca_file : "");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* The certificate must name the server we connect to. */
    X509_VERIFY_PARAM *p = SSL_CTX_get0_param(ctx);
    unsigned char addr[16];
    if (inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1)
        ok = X509_VERIFY_PARAM_set1_ip_asc(p, c->host);
    else
        ok = X509_VERIFY_PARAM_set1_host(p, c->host, 0);
    if (ok != 1) {
        snprintf(err, errlen, "TLS: cannot check the name %s", c->host);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* First line of a server's text, without control characters. */
static void clean_reply(char *out, size_t n, int code, const char *text)
{
    snprintf(out, n, "%d %s", code, text ? text : "");
    out[strcspn(out, "\r\n")] = '\0';
    for (char *p = out; *p; p++)
        if (iscntrl((unsigned char)*p))
            *p = '?';
}

/* Each address of "a@x, b@y"; libesmtp copies them. */
static int add_recipients(smtp_message_t msg, const char *list)
{
    int n = 0;
    for (const char *p = list; *p;) {
        p += strspn(p, ", ");
        size_t k = strcspn(p, ", ");
        if (k == 0)
            break;
        char addr[320];
        if (k < sizeof(addr)) {
            memcpy(addr, p, k);
            addr[k] = '\0';
            if (smtp_add_recipient(msg, addr))
                n++;
        }
        p += k;
    }
    return n;
}

/* The worst recipient status, with the server's words. */
typedef struct rcpt_worst {
    int code;
    char reply[400];
} rcpt_worst;

static void on_recipient(smtp_recipient_t r, const char *mailbox, void *arg)
{
    rcpt_worst *w = arg;
    const smtp_status_t *st = smtp_recipient_status(r);
    if (st && st->code > w->code) {
        char line[300];
        clean_reply(line, sizeof(line), st->code, st->text);
        w->code = st->code;
        snprintf(w->reply, sizeof(w->reply), "RCPT TO:<%s>: %s", mailbox ? mailbox : "", line);
    }
}

static void send_one(const notify_smtp_cfg *c, notify_smtp_job *job)
{
    session_io io;
    memset(&io, 0, sizeof(io));
    io.job = job;
    io.user = c->username;
    job->outcome = NOTIFY_RETRY;
    job->reply[0] = '\0';
    smtp_session_t s = smtp_create_session();
    auth_context_t auth = NULL;
    SSL_CTX *ctx = NULL;
    if (!s) {
        snprintf(job->reply, sizeof(job->reply), "out of memory");
        return;
    }
    char hostport[300];
    snprintf(hostport, sizeof(hostport), strchr(c->host, ':') ? "[%s]:%d" : "%s:%d",
             c->host, c->port);
    smtp_set_server(s, hostport);
    long ms = (long)(c->timeout_seconds > 0 ? c->timeout_seconds : 60) * 1000;
    for (int w = Timeout_GREETING; w <= Timeout_DATA2; w++)
        smtp_set_timeout(s, w | Timeout_OVERRIDE_RFC2822_MINIMUM, ms);
    if (c->starttls) {
        if (!(ctx = tls_ctx(c, job->reply, sizeof(job->reply))))
            goto out;
        smtp_starttls_set_ctx(s, ctx);
        smtp_starttls_enable(s, Starttls_REQUIRED);
    } else {
        smtp_starttls_enable(s, Starttls_DISABLED);
    }
    if (c->username) {
        io.password = c->password ? c->password : "";
        auth = auth_create_context();
        if (!auth) {
            snprintf(job->reply, sizeof(job->reply), "out of memory");
            goto out;
        }
        auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
        auth_set_interact_cb(auth, interact, &io);
        smtp_auth_set_context(s, auth);
    }
    smtp_message_t msg = smtp_add_message(s);
    if (!msg || !smtp_set_reverse_path(msg, c->from) ||
        !smtp_set_messagecb(msg, message_cb, &io) ||
        add_recipients(msg, job->recipients) == 0) {
        snprintf(job->reply, sizeof(job->reply), "cannot prepare the message");
        job->outcome = NOTIFY_PERMANENT;
        goto out;
    }
    if (!smtp_start_session(s)) {
        char ebuf[200];
        int e = smtp_errno();
        snprintf(job->reply, sizeof(job->reply), "%s:%d: %s", c->host, c->port,
                 smtp_strerror(e, ebuf, sizeof(ebuf)) ? ebuf : "session failed");
        goto out;
    }
    const smtp_status_t *st = smtp_message_transfer_status(msg);
    const smtp_status_t *rp = smtp_reverse_path_status(msg);
    rcpt_worst rw = { 0, "" };
    smtp_enumerate_recipients(msg, on_recipient, &rw);
    int code = st ? st->code : 0;
    if (code >= 200 && code < 300) {
        clean_reply(job->reply, sizeof(job->reply), code, st->text);
        job->outcome = NOTIFY_SENT;
        if (rw.code >= 400)         /* delivered to the others */
            snprintf(job->reply, sizeof(job->reply), "partly: %s", rw.reply);
    } else if (rp && rp->code >= 400) {
        clean_reply(job->reply, sizeof(job->reply), rp->code, rp->text);
        job->outcome = rp->code >= 500 ? NOTIFY_PERMANENT : NOTIFY_RETRY;
    } else if (rw.code >= 400) {
        /* Every recipient was refused: the server's words for the worst. */
        snprintf(job->reply, sizeof(job->reply), "%s", rw.reply);
        job->outcome = rw.code >= 500 ? NOTIFY_PERMANENT : NOTIFY_RETRY;
    } else if (code) {
        clean_reply(job->reply, sizeof(job->reply), code, st->text);
        job->outcome = code >= 500 ? NOTIFY_PERMANENT : NOTIFY_RETRY;
    } else {
        /* No transfer: the session ended before DATA (STARTTLS refused or
         * failed, AUTH refused). */
        char ebuf[200];
        int e = smtp_errno();
        snprintf(job->reply, sizeof(job->reply), "%s:%d: the session ended before the "
                 "message was sent (STARTTLS, certificate or AUTH refused): %s",
                 c->host, c->port, e && smtp_strerror(e, ebuf, sizeof(ebuf)) ? ebuf : "no reply");
        job->outcome = NOTIFY_RETRY;
    }
out:
    smtp_destroy_session(s);
    if (auth)
        auth_destroy_context(auth);
    if (ctx)
        SSL_CTX_free(ctx);
}

static pthread_once_t auth_once = PTHREAD_ONCE_INIT;

static void auth_init(void)
{
    auth_client_init();
}

void notify_smtp_send(const notify_smtp_cfg *c, notify_smtp_job *jobs, size_t n)
{
    pthread_once(&auth_once, auth_init);
    for (size_t i = 0; i < n; i++)
        send_one(c, &jobs[i]);
}

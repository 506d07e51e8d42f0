/* certsweep — digest e-mail: the MIME message and the SMTP session.
 *
 * A message is built once, when it is queued in the outbox (Date and
 * Message-ID fixed then, so a retry sends the same message), as
 * multipart/alternative with a text/plain and a text/html part (UTF-8,
 * quoted-printable), CRLF line ends, and Auto-Submitted: auto-generated.
 *
 * SMTP uses libesmtp, which blocks: notify_smtp_send runs whole sessions
 * and is meant for libuv's thread pool (uv_queue_work).  STARTTLS is
 * required with tls = starttls, and the server's certificate and name are
 * verified (OpenSSL, ca_file or the system store).  The password is read
 * from its file or environment variable on the loop thread before the
 * sessions are handed to the pool (notify_smtp_read_password), registered
 * for redaction there (aws/secret.h), wiped after, and never logged.
 */
#ifndef NOTIFY_MAIL_H
#define NOTIFY_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"

typedef struct notify_mime {
    const char *from;
    const char *to;                 /* "a@x, b@y" */
    const char *subject;            /* UTF-8, one line */
    const char *text;
    const char *html;
    int64_t date;
} notify_mime;

/* The whole message (headers and body, CRLF) in a new string; NULL when
 * out of memory. */
char *notify_mime_build(const notify_mime *m, size_t *len);

/* Quoted-printable (RFC 2045) of s with CRLF line ends, lines <= 76. */
int notify_qp_encode(const char *s, size_t n, aws_buf *out);

typedef enum notify_outcome {
    NOTIFY_SENT = 0,
    NOTIFY_RETRY,                   /* connection, TLS, timeout, 4xx: try again later */
    NOTIFY_PERMANENT,               /* 5xx: a person must look */
} notify_outcome;

typedef struct notify_smtp_cfg {
    const char *host;
    int port;
    int starttls;                   /* 1: require STARTTLS (verified); 0: plain (loopback) */
    const char *ca_file;            /* NULL: system store */
    const char *username;           /* NULL: no AUTH */
    const char *password;           /* with username: notify_smtp_read_password's */
    const char *from;
    int timeout_seconds;
} notify_smtp_cfg;

typedef struct notify_smtp_job {
    const char *recipients;         /* "a@x, b@y" */
    const char *message;            /* the .eml */
    size_t len;
    notify_outcome outcome;         /* filled */
    char reply[512];                /* the server's answer or the local error */
} notify_smtp_job;

/* The SMTP password from the first line of file, or from the variable env
 * (env wins): 0, or -1 with the reason in err (never the password).  out
 * is NUL-terminated; the caller wipes it. */
int notify_smtp_read_password(const char *file, const char *env, char *out, size_t n,
                              char *err, size_t errlen);

/* The password and the forms AUTH puts it on the wire in, base64: LOGIN's
 * password alone and PLAIN's "\0user\0password" (libesmtp sends no
 * authorisation id).  A server may quote either back in a reply, so all
 * three are registered for redaction (aws/secret.h) while the sessions
 * run. */
typedef struct notify_smtp_secrets {
    char *forms[3];                 /* registered copies; wiped when dropped */
} notify_smtp_secrets;

/* Registers the password and its AUTH forms: 0, or AWS_ENOMEM (then what
 * could be registered is, and the caller may go on).  s is filled for
 * notify_smtp_secrets_drop in either case. */
int  notify_smtp_secrets_register(notify_smtp_secrets *s, const char *user,
                                  const char *password);
/* Unregisters and wipes what notify_smtp_secrets_register registered. */
void notify_smtp_secrets_drop(notify_smtp_secrets *s);

/* Sends each job in one SMTP session each (blocking).  Fills outcome and
 * reply of every job. */
void notify_smtp_send(const notify_smtp_cfg *c, notify_smtp_job *jobs, size_t n);

#endif

/* certsweep — the secrets this process holds, and their removal from
 * remote text.
 *
 * A server may echo what it was sent (an error message quoting the request
 * headers, a proxy's diagnostic page).  Every secret certsweep holds is
 * registered here while it is held; before remote text is logged or stored
 * (log lines, AWS error messages, coverage gaps) aws_secret_redact*()
 * replace each registered secret in it with AWS_SECRET_MARKER.
 *
 * Registered today: secret access keys and session tokens (aws_creds_new),
 * external ids (AssumeRole providers, [scan] external_id), web identity
 * tokens, SSO bearer tokens, proxy passwords; notify's SMTP password with
 * its AUTH PLAIN and LOGIN base64 forms (on
 * the loop, before the thread pool sends) and each webhook channel's secret
 * with its Basic-auth encoding (tk_channel_init).
 * Registration copies the string (wiped on unregister); the same value
 * registered twice must be unregistered twice.  Values shorter than
 * AWS_SECRET_MIN_LEN are not registered (they would cut ordinary words out
 * of messages) and registering them is a no-op.  Thread-safe (a mutex: the
 * loop registers, a worker of the thread pool may log); not for signal
 * handlers.
 */
#ifndef AWS_SECRET_H
#define AWS_SECRET_H

#include <stddef.h>

#define AWS_SECRET_MARKER  "[REDACTED]"
#define AWS_SECRET_MIN_LEN 6

/* 0, or AWS_ENOMEM (then the value is not protected: callers may go on). */
int  aws_secret_register(const char *s);
/* Drops one registration of s (NULL or unknown: nothing). */
void aws_secret_unregister(const char *s);
/* Number of distinct values registered (tests). */
size_t aws_secret_count(void);

/* In place: every registered secret in buf (NUL-terminated, capacity cap)
 * becomes the marker; text that no longer fits is cut.  Returns the number
 * of replacements. */
size_t aws_secret_redact_buf(char *buf, size_t cap);
/* A redacted copy of s (malloc'd; NULL on ENOMEM or when s is NULL). */
char  *aws_secret_redact(const char *s);

#endif

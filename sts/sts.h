/* certsweep — STS operations: AssumeRole and GetCallerIdentity.
 *
 * Both are asynchronous (the aws_client's loop) and call back exactly once
 * when they return 0; when they return a negative error they never call
 * back.  Errors read "AssumeRole <role-arn>: <AWS code>: <message>" (or the
 * transport error instead of code and message).  The scanner uses
 * sts_assume_role_provider_new to get into each member account.
 */
#ifndef STS_STS_H
#define STS_STS_H

#include <stdint.h>

#include "aws/client.h"
#include "aws/creds.h"

#define STS_DEFAULT_SESSION_NAME "certsweep"
#define STS_DEFAULT_DURATION     3600

typedef struct sts_assume_opts {
    const char *role_arn;          /* required */
    const char *session_name;      /* NULL: "certsweep" */
    const char *external_id;       /* NULL: none */
    int duration_seconds;          /* 0: 3600 */
    const char *region;            /* STS regional endpoint; NULL: "us-east-1" */
    const char *name;              /* provider / credentials name; NULL: "assume-role" */
    const char *rate_key;          /* token-bucket key for the call; NULL: "" */
} sts_assume_opts;

/* One AssumeRole call with source's credentials.  cb gets the temporary
 * credentials (source = o->name) with their expiration. */
int sts_assume_role(aws_client *c, aws_creds_provider *source, const sts_assume_opts *o,
                    aws_creds_cb cb, void *ud);

/* A provider that assumes the role with source's credentials and caches
 * the result until 5 minutes before it expires (sts_cache_provider_new).
 * Takes a ref on source. */
int sts_assume_role_provider_new(aws_client *c, aws_creds_provider *source,
                                 const sts_assume_opts *o, aws_creds_provider **out);

/* AssumeRoleWithWebIdentity (EKS IRSA, CI OIDC): an UNSIGNED call that
 * trades the token in token_file (read at every refresh, at most
 * STS_WEBID_MAX_TOKEN bytes, trailing whitespace dropped, never shown) for
 * role_arn's credentials; cached until 5 minutes before they expire.
 * A missing or unreadable file fails the get with AWS_EIO and a message
 * naming the file. */
#define STS_WEBID_MAX_TOKEN (16u * 1024)
typedef struct sts_webid_opts {
    const char *token_file;        /* required */
    const char *role_arn;          /* required */
    const char *session_name;      /* NULL: "certsweep" */
    const char *region;            /* NULL: "us-east-1" */
    const char *name;              /* NULL: "web-identity" */
} sts_webid_opts;

int sts_web_identity_provider_new(aws_client *c, const sts_webid_opts *o,
                                  aws_creds_provider **out);

typedef struct sts_identity {
    const char *account;
    const char *arn;
    const char *user_id;
} sts_identity;

/* err == 0: id is valid during the callback.  Otherwise id is NULL and msg
 * says why in one line ("GetCallerIdentity: <code>: <message>", or the
 * credential provider's message when no credentials could be had). */
typedef void (*sts_identity_cb)(int err, const sts_identity *id, const char *msg, void *ud);

int sts_get_caller_identity(aws_client *c, aws_creds_provider *creds, const char *region,
                            sts_identity_cb cb, void *ud);

#endif

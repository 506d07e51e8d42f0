/* certsweep — AWS credentials and the credential-provider interface.
 *
 * The transport signs with an aws_creds; where they come from (env, profile,
 * IMDSv2, ECS, AssumeRole) is sts/'s business.  Credentials are reference
 * counted because signed requests in flight may hold them while a provider
 * refreshes; the last unref wipes the secret with OPENSSL_cleanse.
 */
#ifndef AWS_CREDS_H
#define AWS_CREDS_H

#include <stdint.h>

typedef struct aws_creds {
    char   *access_key_id;
    char   *secret_access_key;   /* never logged */
    char   *session_token;       /* NULL when none; never logged */
    int64_t expiration;          /* unix seconds; 0 = does not expire */
    char    source[48];          /* provider that supplied them, e.g. "env", "profile:dev", "imds", "assume-role" */
    int     refs;
    int     registered;          /* the secrets are in aws/secret.h's registry */
} aws_creds;

/* Copies the strings; session_token may be NULL.  Returns NULL on ENOMEM or
 * when akid/secret are empty. refs = 1. */
aws_creds *aws_creds_new(const char *akid, const char *secret,
                         const char *session_token, int64_t expiration,
                         const char *source);
aws_creds *aws_creds_ref(aws_creds *c);
void aws_creds_unref(aws_creds *c);          /* accepts NULL */
/* True when the credentials expire within `margin` seconds of `now`. */
int aws_creds_expiring(const aws_creds *c, int64_t now, int64_t margin);

/* ---- providers ---------------------------------------------------------- */

typedef struct aws_creds_provider aws_creds_provider;

/* err == 0: creds is valid for the duration of the callback (borrowed; take
 * a ref to keep it).  err != 0: creds is NULL and msg says why in one line
 * (never containing a secret). */
typedef void (*aws_creds_cb)(int err, aws_creds *creds, const char *msg, void *ud);

typedef struct aws_creds_provider_vtable {
    /* Start fetching; cb is called exactly once, possibly before get()
     * returns.  Returns 0, or a negative error when it could not start (the
     * callback is then never called). */
    int  (*get)(aws_creds_provider *p, aws_creds_cb cb, void *ud);
    void (*destroy)(aws_creds_provider *p);
} aws_creds_provider_vtable;

struct aws_creds_provider {
    const aws_creds_provider_vtable *vt;
    int refs;
    char name[48];   /* for messages: "env", "profile:dev", "imds", ... */
};

void aws_creds_provider_init(aws_creds_provider *p,
                             const aws_creds_provider_vtable *vt,
                             const char *name);
int  aws_creds_provider_get(aws_creds_provider *p, aws_creds_cb cb, void *ud);
aws_creds_provider *aws_creds_provider_ref(aws_creds_provider *p);
void aws_creds_provider_unref(aws_creds_provider *p);   /* accepts NULL */

/* A provider that always returns the same credentials (tests, and assumed
 * roles that are refreshed by their owner). Takes a ref on c. */
aws_creds_provider *aws_creds_provider_static_new(aws_creds *c);

#endif

/* certsweep — credential providers (each an aws_creds_provider, see
 * aws/creds.h) and the default chain.
 *
 * Convention for the chain: a provider that finds nothing configured fails
 * with AWS_ENOCREDS and a short reason ("not set", "not configured"); the
 * chain then tries the next one.  Any other error means the source is
 * configured but broken (a failing credential_process, AccessDenied on
 * AssumeRole) and ends the chain with that error, as the AWS CLI does.
 *
 * Provider and credential names ("source"): "env", "profile:NAME",
 * "process:profile:NAME", "assume-role:profile:NAME", "web-identity",
 * "web-identity:profile:NAME", "ecs", "imds".
 *
 * Environment honoured for tests (besides the SDKs' own variables):
 *   CERTSWEEP_CONTAINER_CREDENTIALS_HOST  replaces http://169.254.170.2 as
 *     the base of AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (e.g.
 *     http://127.0.0.1:8080).  AWS_CONTAINER_CREDENTIALS_FULL_URI may itself
 *     point at a loopback address, like the SDKs allow.
 *   AWS_EC2_METADATA_SERVICE_ENDPOINT  the IMDS base URL (SDK variable).
 */
#ifndef STS_PROVIDERS_H
#define STS_PROVIDERS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "sts/profile.h"

/* AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 * (AWS_SECURITY_TOKEN as fallback) / AWS_CREDENTIAL_EXPIRATION (optional,
 * ISO 8601), read at every get.  Name "env". */
aws_creds_provider *sts_env_provider_new(void);

/* A provider that always fails with err and msg (a configuration error
 * found while building a chain, or "not configured"). */
aws_creds_provider *sts_error_provider_new(const char *name, int err, const char *msg);

/* credential_process: runs `command` with /bin/sh -c on loop, reads at
 * most 64 KiB of stdout as JSON {Version: 1, AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration}.  stderr goes to certsweep's stderr; stdout is
 * never shown.  Not cached: wrap with sts_cache_provider_new. */
aws_creds_provider *sts_process_provider_new(uv_loop_t *loop, const char *command,
                                             const char *name);
/* The command runs in a process group (and session) of its own, so that
 * everything it starts can be stopped with it.  A run that has not ended
 * (exited and closed its stdout) within the time limit is stopped: the
 * group gets SIGTERM, then SIGKILL after STS_PROCESS_KILL_GRACE_MS if any
 * member is left, its stdout is closed, and the get fails with
 * AWS_ETIMEDOUT and a message naming the profile.  Default
 * STS_PROCESS_TIMEOUT_MS; 0 restores it.  No effect on other providers.
 * (Tests use a short limit.)  Being in its own session, the command has no
 * controlling terminal: a helper that prompts on /dev/tty cannot. */
#define STS_PROCESS_TIMEOUT_MS 60000u
#define STS_PROCESS_KILL_GRACE_MS 2000u
void sts_process_provider_set_timeout(aws_creds_provider *p, uint64_t timeout_ms);
/* Stops every credential_process run in progress as if it had timed out
 * (SIGTERM to its group, SIGKILL after the grace); their gets fail with
 * AWS_ECANCELED.  For an interrupted run (SIGINT/SIGTERM seen on the loop);
 * not async-signal-safe. */
void sts_process_stop_all(void);

/* ECS / EKS container credentials.  Configured by
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI (http only to
 * loopback, 169.254.170.2, 169.254.170.23, [fd00:ec2::23]; https anywhere)
 * with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN as Authorization.
 * Not configured: get fails with AWS_ENOCREDS.  Name "ecs". */
aws_creds_provider *sts_ecs_provider_new(aws_client *c);
/* True when the environment configures container credentials. */
int sts_ecs_configured(void);
/* Validates a full URI (exposed for tests). 0 or AWS_EINVAL. */
int sts_ecs_check_full_uri(const char *uri);

/* EC2 IMDSv2 (token PUT, then role name and credentials), 1 s per request,
 * 2 attempts per step.  AWS_EC2_METADATA_DISABLED=true: fails with
 * AWS_ENOCREDS at once.  Name "imds". */
aws_creds_provider *sts_imds_provider_new(aws_client *c);

/* IAM Identity Center (SSO): the token `aws sso login` cached under
 * ~/.aws/sso/cache/<sha1 of cache_key>.json (accessToken, expiresAt),
 * exchanged with the portal's GetRoleCredentials (GET
 * /federation/credentials, x-amz-sso_bearer_token; endpoint of service
 * "sso" in region, AWS_ENDPOINT_URL_SSO overrides it) for the role's
 * credentials.  A missing or expired token fails with AWS_ENOCREDS and a
 * message saying to run 'aws sso login --profile NAME'.  Not cached: wrap
 * with sts_cache_provider_new.  Name "sso:profile:NAME". */
typedef struct sts_sso_opts {
    const char *profile;            /* for messages */
    const char *cache_key;          /* the sso_session name, or (legacy) the start URL */
    const char *region;             /* sso_region */
    const char *account_id;         /* sso_account_id */
    const char *role_name;          /* sso_role_name */
} sts_sso_opts;
aws_creds_provider *sts_sso_provider_new(aws_client *c, const sts_sso_opts *o);
/* The token cache file of a cache key (tests).  0 or AWS_EINVAL. */
int sts_sso_cache_path(const char *cache_key, char *buf, size_t n);

/* ---- caching ------------------------------------------------------------ */

typedef struct sts_cache_opts {
    int64_t margin;              /* refresh this many seconds before expiry; 0: 300 */
    int64_t (*now)(void);        /* clock seam; NULL: time(NULL) */
} sts_cache_opts;

/* Caches inner's credentials until expiration - margin (forever when they
 * do not expire).  One refresh at a time: getters that arrive while it is in
 * flight wait and are all answered by it.  Failures go to every waiter and
 * are not cached.  Takes a ref on inner; named like inner.  opts may be NULL. */
aws_creds_provider *sts_cache_provider_new(aws_creds_provider *inner, const sts_cache_opts *opts);

/* ---- chain -------------------------------------------------------------- */

/* Tries providers in order (takes a ref on each); remembers the first that
 * yields credentials.  When all report AWS_ENOCREDS, fails with AWS_ENOCREDS
 * and "no credentials: tried <label> (<reason>), ...".  labels[i] names
 * provider i in that message ("env", "profile 'dev'", "ECS", "IMDS"); NULL:
 * the provider's name.  After success the chain's name is the chosen
 * provider's name. */
aws_creds_provider *sts_chain_provider_new(aws_creds_provider **providers,
                                           const char *const *labels, size_t n);

/* The provider that a profile resolves to (static keys, credential_process,
 * AssumeRole hops over source_profile / credential_source), cached.
 * AWS_ENOCREDS (not found / no credentials) and AWS_EINVAL (configuration
 * error) come back with err filled; the chain turns them into an error
 * provider. */
int sts_profile_provider_new(uv_loop_t *loop, aws_client *c, const sts_profiles *p,
                             const char *profile, const char *region,
                             aws_creds_provider **out, char *err, size_t errlen);

/* The AWS CLI's order: env -> profile's assume role -> web identity
 * (sts_web_identity_config; only when configured) -> profile (static,
 * process) -> ECS -> IMDSv2 (each expiring source cached on its own).  profile: the --profile flag or NULL (then
 * AWS_PROFILE / AWS_DEFAULT_PROFILE / "default"); an explicit profile skips
 * the environment's keys, as the AWS CLI does.  region: for STS calls.
 * Building never fails for configuration problems (they surface at get);
 * returns AWS_ENOMEM only. */
int sts_default_chain_new(uv_loop_t *loop, aws_client *c, const char *profile,
                          const char *region, aws_creds_provider **out);

/* ---- shared helpers ----------------------------------------------------- */

/* Parses the JSON credential document of IMDS, ECS and credential_process:
 * AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration (ISO 8601,
 * optional); process_doc: also requires "Version": 1.  0 and *out, or
 * AWS_EPARSE with a reason in msg (never a value). */
int sts_creds_from_json(const char *json, size_t len, int process_doc, const char *source,
                        aws_creds **out, char *msg, size_t msglen);

#endif

/* certsweep — the AWS CLI's shared configuration files.
 *
 * AWS_CONFIG_FILE (default ~/.aws/config: sections "[default]" and
 * "[profile NAME]") and AWS_SHARED_CREDENTIALS_FILE (default
 * ~/.aws/credentials: sections "[NAME]").  For the same profile and key the
 * credentials file wins, as in botocore.  Parsing uses libinih; lines longer
 * than libinih's fixed line buffer (session tokens) are handed to it with the
 * value stashed aside, so long values are kept whole.
 *
 * sts_profile_plan() turns a profile into the steps that produce its
 * credentials (a base source, then zero or more AssumeRole hops) without any
 * I/O, so the resolution rules are unit-testable.
 */
#ifndef STS_PROFILE_H
#define STS_PROFILE_H

#include <stddef.h>

typedef struct sts_profiles sts_profiles;

/* Loads both files; a missing file is not an error (it just has no
 * profiles).  NULL paths: from the environment / defaults.  A file that
 * exists but cannot be parsed fails with AWS_EINVAL and "path:line: ..." in
 * err. */
int  sts_profiles_load(const char *config_path, const char *creds_path,
                       sts_profiles **out, char *err, size_t errlen);
void sts_profiles_free(sts_profiles *p);                 /* wipes values; accepts NULL */
/* True when the profile has a section in either file. */
int  sts_profiles_has(const sts_profiles *p, const char *profile);
/* 1 when the config file has an [sso-session NAME] section of that name. */
int  sts_profiles_has_session(const sts_profiles *p, const char *session);
/* Value of key (case-insensitive) in profile: credentials file first, then
 * config file.  NULL when absent. */
const char *sts_profiles_get(const sts_profiles *p, const char *profile, const char *key);
/* The paths that were read (for messages). */
const char *sts_profiles_config_path(const sts_profiles *p);
const char *sts_profiles_creds_path(const sts_profiles *p);

/* The profile to use: explicit (non-NULL, non-empty), else AWS_PROFILE, else
 * AWS_DEFAULT_PROFILE, else "default". */
const char *sts_profile_name(const char *explicit_profile);

/* Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, else
 * "us-east-1".  Writes into buf. p may be NULL (files are then loaded). */
void sts_resolve_region(const sts_profiles *p, const char *profile, char *buf, size_t n);

/* The profile's ca_bundle (the CA of a TLS-inspecting proxy, as the AWS CLI
 * reads it): 1 with the path in buf and "ca_bundle of AWS profile 'NAME'"
 * in label, 0 when the profile sets none (or the files cannot be read: the
 * credential chain reports that).  p may be NULL (files are then loaded).
 * Its place among the other sources: aws/http.h aws_http_ca_bundle. */
int sts_resolve_ca_bundle(const sts_profiles *p, const char *profile, char *buf, size_t n,
                          char *label, size_t ln);

/* ---- resolution plan ----------------------------------------------------- */

#define STS_MAX_ROLE_HOPS 8

typedef enum sts_base_kind {
    STS_BASE_STATIC = 0,   /* aws_access_key_id/aws_secret_access_key of base_profile */
    STS_BASE_PROCESS,      /* credential_process of base_profile */
    STS_BASE_ENV,          /* credential_source = Environment */
    STS_BASE_IMDS,         /* credential_source = Ec2InstanceMetadata */
    STS_BASE_ECS,          /* credential_source = EcsContainer */
    STS_BASE_SSO,          /* IAM Identity Center: sso_account_id + sso_role_name of base_profile */
} sts_base_kind;

typedef struct sts_role_hop {
    const char *profile;          /* the profile that names the role */
    const char *role_arn;
    const char *external_id;      /* NULL: none */
    const char *session_name;     /* NULL: default */
    int duration_seconds;         /* 0: default */
} sts_role_hop;

/* All strings borrowed from the sts_profiles (valid while it lives). */
typedef struct sts_plan {
    sts_base_kind base;
    const char *base_profile;     /* profile supplying static keys / process */
    const char *access_key_id;    /* STS_BASE_STATIC */
    const char *secret_access_key;
    const char *session_token;    /* may be NULL */
    const char *process;          /* STS_BASE_PROCESS: the command line */
    const char *sso_cache_key;    /* STS_BASE_SSO: sso_session name, or the legacy start URL */
    const char *sso_region;
    const char *sso_account_id;
    const char *sso_role_name;
    size_t nhops;                 /* AssumeRole hops, applied in order hops[0]..hops[n-1] */
    sts_role_hop hops[STS_MAX_ROLE_HOPS];
} sts_plan;

/* 0: plan filled.  AWS_ENOCREDS: the profile does not exist or has no
 * credential settings (the chain moves on).  AWS_EINVAL: a configuration
 * error (cycle, missing source_profile, both or neither of source_profile
 * and credential_source, unknown credential_source, bad duration...).  err
 * says why in one line, naming the profile. */
int sts_profile_plan(const sts_profiles *p, const char *profile, sts_plan *plan,
                     char *err, size_t errlen);

/* ---- web identity ----------------------------------------------------------- */

/* Web identity federation settings, each key from the environment first
 * (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME; only
 * when use_env: an explicit --profile ignores them, as botocore does), then
 * the profile (web_identity_token_file, role_arn, role_session_name).
 * Empty values count as unset.  Strings borrowed from the environment or p. */
typedef struct sts_webid_cfg {
    const char *token_file;
    const char *role_arn;
    const char *session_name;     /* NULL: default */
    int from_env;                 /* the token file came from the environment */
} sts_webid_cfg;

/* 0: configured.  AWS_ENOCREDS: no token file.  AWS_EINVAL: a token file
 * but no role ARN (err says so).  p may be NULL (environment only). */
int sts_web_identity_config(const sts_profiles *p, const char *profile, int use_env,
                            sts_webid_cfg *out, char *err, size_t errlen);

#endif

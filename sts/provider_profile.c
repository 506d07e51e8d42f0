/* A profile's provider (from its plan) and the default chain. */
#include "sts/providers.h"
#include "sts/sts.h"
#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static aws_creds_provider *base_provider(uv_loop_t *loop, aws_client *c, const sts_plan *plan)
{
    char name[48];
    aws_creds_provider *raw = NULL, *cached = NULL;
    switch (plan->base) {
    case STS_BASE_STATIC: {
        snprintf(name, sizeof(name), "profile:%s", plan->base_profile);
        aws_creds *cr = aws_creds_new(plan->access_key_id, plan->secret_access_key,
                                      plan->session_token, 0, name);
        if (!cr)
            return NULL;
        raw = aws_creds_provider_static_new(cr);
        aws_creds_unref(cr);
        return raw;
    }
    case STS_BASE_PROCESS:
        snprintf(name, sizeof(name), "process:profile:%s", plan->base_profile);
        raw = sts_process_provider_new(loop, plan->process, name);
        break;
    case STS_BASE_ENV:
        return sts_env_provider_new();
    case STS_BASE_IMDS:
        raw = sts_imds_provider_new(c);
        break;
    case STS_BASE_ECS:
        raw = sts_ecs_provider_new(c);
        break;
    case STS_BASE_SSO: {
        sts_sso_opts o = {
            .profile = plan->base_profile,
            .cache_key = plan->sso_cache_key,
            .region = plan->sso_region,
            .account_id = plan->sso_account_id,
            .role_name = plan->sso_role_name,
        };
        raw = sts_sso_provider_new(c, &o);
        break;
    }
    }
    if (!raw)
        return NULL;
    cached = sts_cache_provider_new(raw, NULL);
    aws_creds_provider_unref(raw);
    return cached;
}

int sts_profile_provider_new(uv_loop_t *loop, aws_client *c, const sts_profiles *p,
                             const char *profile, const char *region,
                             aws_creds_provider **out, char *err, size_t errlen)
{
    *out = NULL;
    sts_plan plan;
    int rc = sts_profile_plan(p, profile, &plan, err, errlen);
    if (rc)
        return rc;
    aws_creds_provider *cur = base_provider(loop, c, &plan);
    if (!cur)
        return AWS_ENOMEM;
    for (size_t i = 0; i < plan.nhops; i++) {
        const sts_role_hop *h = &plan.hops[i];
        char name[48];
        snprintf(name, sizeof(name), "assume-role:profile:%s", h->profile);
        sts_assume_opts o = {
            .role_arn = h->role_arn,
            .session_name = h->session_name,
            .external_id = h->external_id,
            .duration_seconds = h->duration_seconds,
            .region = region,
            .name = name,
        };
        aws_creds_provider *next = NULL;
        rc = sts_assume_role_provider_new(c, cur, &o, &next);
        aws_creds_provider_unref(cur);
        if (rc)
            return rc;
        cur = next;
    }
    *out = cur;
    return 0;
}

/* Web identity's provider, or NULL in *out when it is not configured. */
static int webid_provider(aws_client *c, const sts_profiles *profs, const char *pname,
                          int use_env, const char *region, aws_creds_provider **out)
{
    *out = NULL;
    sts_webid_cfg w;
    char err[512];
    int rc = sts_web_identity_config(profs, pname, use_env, &w, err, sizeof(err));
    if (rc == AWS_ENOCREDS)
        return 0;
    if (rc) {
        *out = sts_error_provider_new("web-identity", AWS_EINVAL, err);
        return *out ? 0 : AWS_ENOMEM;
    }
    char name[96];
    if (w.from_env)
        snprintf(name, sizeof(name), "web-identity");
    else
        snprintf(name, sizeof(name), "web-identity:profile:%s", pname);
    sts_webid_opts o = {
        .token_file = w.token_file,
        .role_arn = w.role_arn,
        .session_name = w.session_name,
        .region = region,
        .name = name,
    };
    rc = sts_web_identity_provider_new(c, &o, out);
    if (rc == AWS_EINVAL) {
        snprintf(err, sizeof(err), "invalid settings (role ARN over 2047 characters?)");
        *out = sts_error_provider_new("web-identity", AWS_EINVAL, err);
        return *out ? 0 : AWS_ENOMEM;
    }
    return rc;
}

#define CHAIN_MAX 5

int sts_default_chain_new(uv_loop_t *loop, aws_client *c, const char *profile,
                          const char *region, aws_creds_provider **out)
{
    *out = NULL;
    aws_creds_provider *v[CHAIN_MAX] = { NULL };
    char labels[CHAIN_MAX][160];
    const char *lp[CHAIN_MAX];
    size_t n = 0;
    int rc = AWS_ENOMEM;
    int explicit_profile = profile && *profile;
    const char *pname = sts_profile_name(profile);
    aws_creds_provider *prof = NULL, *webid = NULL;

    if (!explicit_profile) {
        if (!(v[n] = sts_env_provider_new()))
            goto out;
        snprintf(labels[n++], sizeof(labels[0]), "env");
    }

    sts_profiles *profs = NULL;
    char err[512];
    int prc = sts_profiles_load(NULL, NULL, &profs, err, sizeof(err));
    /* botocore: env, then a profile's AssumeRole (role_arn without
     * web_identity_token_file), then web identity, then the profile's own
     * keys and credential_process. */
    int profile_assumes = prc == 0 && sts_profiles_get(profs, pname, "role_arn") &&
                          !sts_profiles_get(profs, pname, "web_identity_token_file");
    if (webid_provider(c, prc == 0 ? profs : NULL, pname, !explicit_profile, region, &webid) != 0) {
        sts_profiles_free(profs);
        goto out;
    }
    if (prc == 0)
        prc = sts_profile_provider_new(loop, c, profs, pname, region, &prof, err, sizeof(err));
    if (prc == AWS_ENOCREDS && profs && !sts_profiles_has(profs, pname))
        snprintf(err, sizeof(err), "not in %s or %s", sts_profiles_config_path(profs),
                 sts_profiles_creds_path(profs));
    else if (prc == AWS_ENOCREDS)
        snprintf(err, sizeof(err), "no credentials in it");
    sts_profiles_free(profs);
    if (prc == AWS_ENOMEM)
        goto out;
    if (prc) {
        /* Not found: the chain moves on; a broken profile stops it.  An
         * explicitly chosen profile that does not exist is an error, unless
         * web identity (from the profile) stands in for it. */
        int e = prc == AWS_ENOCREDS && (!explicit_profile || webid) ? AWS_ENOCREDS : AWS_EINVAL;
        if (!(prof = sts_error_provider_new("profile", e, err)))
            goto out;
    }
    for (int pass = 0; pass < 2; pass++) {
        int take_profile = pass == (profile_assumes ? 0 : 1);
        if (take_profile) {
            v[n] = prof;
            prof = NULL;
            snprintf(labels[n++], sizeof(labels[0]), "profile '%s'", pname);
        } else if (webid) {
            v[n] = webid;
            webid = NULL;
            snprintf(labels[n++], sizeof(labels[0]), "web identity");
        }
    }

    if (!(v[n] = sts_ecs_provider_new(c)))
        goto out;
    snprintf(labels[n++], sizeof(labels[0]), "ECS");
    if (!(v[n] = sts_imds_provider_new(c)))
        goto out;
    snprintf(labels[n++], sizeof(labels[0]), "IMDS");

    /* ECS and IMDS credentials expire: cache them individually so the chain
     * (which remembers its choice) refreshes only the one in use. */
    for (size_t i = n - 2; i < n; i++) {
        aws_creds_provider *cp = sts_cache_provider_new(v[i], NULL);
        if (!cp)
            goto out;
        aws_creds_provider_unref(v[i]);
        v[i] = cp;
    }
    for (size_t i = 0; i < n; i++)
        lp[i] = labels[i];
    aws_creds_provider *chain = sts_chain_provider_new(v, lp, n);
    if (!chain)
        goto out;
    *out = chain;
    rc = 0;
out:
    aws_creds_provider_unref(prof);
    aws_creds_provider_unref(webid);
    for (size_t i = 0; i < CHAIN_MAX; i++)
        aws_creds_provider_unref(v[i]);
    return rc;
}

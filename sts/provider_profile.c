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

int sts_default_chain_new(uv_loop_t *loop, aws_client *c, const char *profile,
                          const char *region, aws_creds_provider **out)
{
    *out = NULL;
    aws_creds_provider *v[4] = { NULL };
    char labels[4][160];
    const char *lp[4];
    size_t n = 0;
    int rc = AWS_ENOMEM;
    int explicit_profile = profile && *profile;
    const char *pname = sts_profile_name(profile);

    if (!explicit_profile) {
        if (!(v[n] = sts_env_provider_new()))
            goto out;
        snprintf(labels[n++], sizeof(labels[0]), "env");
    }

    snprintf(labels[n], sizeof(labels[0]), "profile '%s'", pname);
    sts_profiles *profs = NULL;
    char err[512];
    int prc = sts_profiles_load(NULL, NULL, &profs, err, sizeof(err));
    if (prc == 0)
        prc = sts_profile_provider_new(loop, c, profs, pname, region, &v[n], err, sizeof(err));
    if (prc == AWS_ENOCREDS && profs && !sts_profiles_has(profs, pname))
        snprintf(err, sizeof(err), "not in %s or %s", sts_profiles_config_path(profs),
                 sts_profiles_creds_path(profs));
    else if (prc == AWS_ENOCREDS)
        snprintf(err, sizeof(err), "no credentials in it");
    sts_profiles_free(profs);
    if (prc == AWS_ENOMEM)
        goto out;
    if (prc) {
        /* Not found: the chain moves on; a broken profile stops it. An
         * explicitly chosen profile that does not exist is an error. */
        int e = prc == AWS_ENOCREDS && !explicit_profile ? AWS_ENOCREDS : AWS_EINVAL;
        if (!(v[n] = sts_error_provider_new("profile", e, err)))
            goto out;
    }
    n++;

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
    for (size_t i = 0; i < 4; i++)
        aws_creds_provider_unref(v[i]);
    return rc;
}

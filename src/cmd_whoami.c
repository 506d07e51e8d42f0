/* certsweep whoami: the identity the credential chain resolves to. */
#include "src/cli.h"
#include "aws/client.h"
#include "aws/error.h"
#include "aws/log.h"
#include "sts/profile.h"
#include "sts/providers.h"
#include "sts/sts.h"

#include <stdio.h>
#include <string.h>
#include <uv.h>

typedef struct whoami {
    aws_client *client;
    aws_creds_provider *chain;
    const char *region;
    int err;
    int stage;                 /* 0 credentials, 1 identity */
    char source[48];
    char account[32];
    char arn[2048];
    char user_id[256];
    char msg[2048];
} whoami;

static void on_identity(int err, const sts_identity *id, const char *msg, void *ud)
{
    whoami *w = ud;
    w->stage = 1;
    w->err = err;
    if (err) {
        snprintf(w->msg, sizeof(w->msg), "%s", msg ? msg : aws_strerror(err));
        return;
    }
    snprintf(w->account, sizeof(w->account), "%s", id->account);
    snprintf(w->arn, sizeof(w->arn), "%s", id->arn);
    snprintf(w->user_id, sizeof(w->user_id), "%s", id->user_id);
}

static void on_creds(int err, aws_creds *creds, const char *msg, void *ud)
{
    whoami *w = ud;
    if (err) {
        w->err = err;
        snprintf(w->msg, sizeof(w->msg), "%s", msg && *msg ? msg : aws_strerror(err));
        return;
    }
    snprintf(w->source, sizeof(w->source), "%s", creds->source);
    aws_log_info("credentials from %s; calling STS GetCallerIdentity in %s", w->source, w->region);
    int rc = sts_get_caller_identity(w->client, w->chain, w->region, on_identity, w);
    if (rc) {
        w->stage = 1;
        w->err = rc;
        snprintf(w->msg, sizeof(w->msg), "GetCallerIdentity: %s", aws_strerror(rc));
    }
}

enum { OPT_PROFILE = 256, OPT_REGION };

static const cli_flag whoami_flags[] = {
    { "profile", OPT_PROFILE, "NAME", "use this profile (skips the environment's keys)" },
    { "region", OPT_REGION, "REGION",
      "STS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1)" },
    { "verbose", 'v', NULL, "log which provider answered (-vv: debug)" },
    { "help", 'h', NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};

static int cli_whoami(int argc, char **argv);

const cli_command cli_command_whoami = {
    .name = "whoami",
    .run = cli_whoami,
    .summary = "show the identity the credential chain resolves to",
    .description =
        "Resolves credentials like the AWS CLI (environment, web identity, shared config "
        "and credentials files with role_arn / credential_process, ECS container "
        "credentials, EC2 instance metadata), calls STS GetCallerIdentity and prints the "
        "account, ARN, user id and which source supplied the credentials. Key material "
        "is never printed.",
    .flags = whoami_flags,
    .exit_status = "0 ok, 2 usage error, 4 no credentials or the call failed.",
};

static int cli_whoami(int argc, char **argv)
{
    const char *profile = NULL, *region_flag = NULL;
    int verbose = 0;
    cli_args a;
    cli_args_init_flags(&a, "whoami", argc, argv, whoami_flags);
    for (int c; (c = cli_args_next(&a)) != CLI_ARGS_END;) {
        switch (c) {
        case 'h':
            cli_command_usage(stdout, &cli_command_whoami);
            return CLI_EXIT_OK;
        case 'v':
            verbose++;
            break;
        case OPT_PROFILE:
        case OPT_REGION:
            if (!*a.value)
                return cli_usage_error("whoami", "--%s needs a value",
                                       c == OPT_PROFILE ? "profile" : "region");
            if (c == OPT_PROFILE)
                profile = a.value;
            else
                region_flag = a.value;
            break;
        default:                        /* CLI_ARGS_ERROR, printed */
            return CLI_EXIT_USAGE;
        }
    }
    if (verbose)
        aws_log_set_level(verbose > 1 ? AWS_LOG_DEBUG : AWS_LOG_INFO);

    char region[64];
    if (region_flag)
        snprintf(region, sizeof(region), "%s", region_flag);
    else
        sts_resolve_region(NULL, profile, region, sizeof(region));
    if (!aws_region_valid(region)) {
        fprintf(stderr, "certsweep: whoami: '%s' is not a valid region\n", region);
        return CLI_EXIT_USAGE;
    }

    int ret = CLI_EXIT_FAILURE;
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "certsweep: whoami: cannot create the event loop\n");
        return CLI_EXIT_FAILURE;
    }
    whoami w = { .region = region };
    aws_client_opts opts;
    memset(&opts, 0, sizeof(opts));
    /* whoami reads no config file: the CA bundle is AWS_CA_BUNDLE, the
     * profile's ca_bundle or SSL_CERT_FILE, as the AWS CLI finds it */
    aws_ca_source ca = { NULL, NULL, NULL };
    char profile_ca[4096], ca_label[320];
    opts.endpoints.use_env = 1;
    {
        char why[700];
        if (aws_endpoint_check_insecure(&opts.endpoints, why, sizeof(why)) != 0) {
            /* whoami reads no config file: its fix is https alone */
            char *dash = strstr(why, " \xe2\x80\x94 ");
            if (dash)
                *dash = '\0';
            fprintf(stderr, "certsweep: whoami: %s \xe2\x80\x94 use https:// or a loopback "
                    "address\n", why);
            uv_loop_close(&loop);
            return CLI_EXIT_USAGE;
        }
        if (sts_resolve_ca_bundle(NULL, profile, profile_ca, sizeof(profile_ca), ca_label,
                                  sizeof(ca_label))) {
            ca.profile = profile_ca;
            ca.profile_label = ca_label;
        }
        opts.http.profile_ca_bundle = ca.profile;
        if (aws_http_ca_bundle_check(&ca, why, sizeof(why)) != 0) {
            fprintf(stderr, "certsweep: whoami: %s\n", why);
            uv_loop_close(&loop);
            return CLI_EXIT_USAGE;
        }
    }
    opts.http.debug = verbose > 1;
    int rc = aws_client_new(&loop, &opts, &w.client);
    if (rc) {
        fprintf(stderr, "certsweep: whoami: cannot start the HTTP client: %s\n", aws_strerror(rc));
        goto out;
    }
    rc = sts_default_chain_new(&loop, w.client, profile, region, &w.chain);
    if (rc) {
        fprintf(stderr, "certsweep: whoami: %s\n", aws_strerror(rc));
        goto out;
    }
    rc = aws_creds_provider_get(w.chain, on_creds, &w);
    if (rc) {
        w.err = rc;
        snprintf(w.msg, sizeof(w.msg), "%s", aws_strerror(rc));
    }
    uv_run(&loop, UV_RUN_DEFAULT);

    if (w.err == 0 && w.stage == 1) {
        printf("Account:  %s\n", w.account);
        printf("Arn:      %s\n", w.arn);
        printf("UserId:   %s\n", w.user_id);
        printf("Source:   %s\n", w.source);
        ret = CLI_EXIT_OK;
    } else if (w.stage == 0) {
        if (w.err == AWS_ENOCREDS)
            fprintf(stderr, "certsweep: whoami: %s; set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, configure a profile in ~/.aws/config "
                    "(AWS_PROFILE or --profile), or run with ECS or EC2 instance credentials\n", w.msg);
        else
            fprintf(stderr, "certsweep: whoami: cannot get credentials: %s\n",
                    w.msg[0] ? w.msg : "the credential chain did not answer");
    } else {
        fprintf(stderr, "certsweep: whoami: %s (credentials from %s); check that they are "
                "valid and that STS in %s is reachable\n", w.msg, w.source, region);
    }
out:
    aws_creds_provider_unref(w.chain);
    aws_client_free(w.client);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) {
        fprintf(stderr, "certsweep: whoami: internal error: handles left open\n");
        ret = CLI_EXIT_FAILURE;
    }
    return ret;
}

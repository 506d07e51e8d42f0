/* Flag parsing shared by the commands: getopt_long plus the tool's one-line
 * usage errors. */
#include "src/cli.h"

#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws/client.h"
#include "aws/log.h"
#include "config/config.h"
#include "sts/profile.h"

static const char *or_tool(const char *cmd)
{
    return cmd ? cmd : "";
}

/* "certsweep: " or "certsweep: scan: " */
static void prefix(const char *cmd)
{
    fprintf(stderr, "certsweep: %s%s", or_tool(cmd), cmd ? ": " : "");
}

/* "; run 'certsweep --help'" or "; run 'certsweep scan --help'" */
static void help_hint(const char *cmd)
{
    fprintf(stderr, "; run 'certsweep %s%s--help'\n", or_tool(cmd), cmd ? " " : "");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    prefix(cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_USAGE;
}

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv,
                   const struct option *longopts)
{
    memset(a, 0, sizeof(*a));
    a->cmd = cmd;
    a->argc = argc;
    a->argv = argv;
    a->longopts = longopts;
    /* '+': stop at the first non-option (no reordering; positionals are
     * errors).  ':': report a missing value as ':' rather than '?'. */
    size_t n = 0;
    a->shortopts[n++] = '+';
    a->shortopts[n++] = ':';
    for (const struct option *o = longopts; o->name; o++) {
        if (o->flag || o->val <= 0 || o->val >= 128 ||
            !((o->val >= 'a' && o->val <= 'z') || (o->val >= 'A' && o->val <= 'Z')))
            continue;
        assert(n + 3 < sizeof(a->shortopts));
        if (n + 3 >= sizeof(a->shortopts))
            break;
        a->shortopts[n++] = (char)o->val;
        if (o->has_arg == required_argument)
            a->shortopts[n++] = ':';
    }
    a->shortopts[n] = '\0';
    optind = 0;            /* glibc: a full reset (main() parsed its own flags first) */
    opterr = 0;            /* errors are ours, one line each */
}

static const struct option *by_val(const cli_args *a, int val)
{
    for (const struct option *o = a->longopts; o->name; o++)
        if (!o->flag && o->val == val)
            return o;
    return NULL;
}

/* Long options whose name starts with the typed one (up to '='). */
static size_t prefix_matches(const cli_args *a, const char *typed, size_t len)
{
    size_t n = 0;
    for (const struct option *o = a->longopts; o->name; o++)
        if (strncmp(o->name, typed, len) == 0)
            n++;
    return n;
}

/* One line naming what is wrong with argv[at], the element getopt was
 * reading when it failed with c ('?' or ':', optopt set). */
static void report(const cli_args *a, int c, int at)
{
    const char *elem = at < a->argc ? a->argv[at] : "";
    int is_long = strncmp(elem, "--", 2) == 0;
    const struct option *o = optopt ? by_val(a, optopt) : NULL;
    if (c == ':') {
        prefix(a->cmd);
        if (is_long && o)
            fprintf(stderr, "--%s needs a value\n", o->name);
        else
            fprintf(stderr, "-%c needs a value\n", optopt);
        return;
    }
    if (is_long) {
        const char *name = elem + 2;
        size_t len = strcspn(name, "=");
        prefix(a->cmd);
        if (o && name[len] == '=')
            fprintf(stderr, "--%s takes no value", o->name);
        else if (prefix_matches(a, name, len) > 1) {
            fprintf(stderr, "ambiguous option '--%.*s' (", (int)len, name);
            const char *sep = "";
            for (const struct option *p = a->longopts; p->name; p++)
                if (strncmp(p->name, name, len) == 0) {
                    fprintf(stderr, "%s--%s", sep, p->name);
                    sep = ", ";
                }
            fputc(')', stderr);
        } else
            fprintf(stderr, "unknown option '--%.*s'", (int)len, name);
        help_hint(a->cmd);
        return;
    }
    prefix(a->cmd);
    if (optopt > ' ' && optopt < 127)
        fprintf(stderr, "unknown option '-%c'", optopt);
    else
        fprintf(stderr, "unknown option in '%s'", elem);
    help_hint(a->cmd);
}

int cli_args_next(cli_args *a)
{
    /* With '+' getopt never permutes argv, so optind is the element it is
     * about to read (0 before the first call means 1). */
    int at = optind > 0 ? optind : 1;
    optopt = 0;
    int idx = -1;
    int c = getopt_long(a->argc, a->argv, a->shortopts, a->longopts, &idx);
    a->value = NULL;
    /* Long options only as spelled: getopt takes an unambiguous prefix
     * ("--region" for "--regions"), which silently means something else
     * once a longer option is added. */
    if (c != -1 && c != '?' && c != ':' && idx >= 0 && at < a->argc &&
        strncmp(a->argv[at], "--", 2) == 0) {
        const char *typed = a->argv[at] + 2;
        size_t len = strcspn(typed, "=");
        const char *name = a->longopts[idx].name;
        if (strlen(name) != len || strncmp(name, typed, len) != 0) {
            prefix(a->cmd);
            fprintf(stderr, "unknown option '--%.*s' (did you mean --%s?)", (int)len, typed,
                    name);
            help_hint(a->cmd);
            return CLI_ARGS_ERROR;
        }
    }
    if (c == -1) {
        a->first_operand = optind;
        if (optind < a->argc && !a->operands_ok) {
            prefix(a->cmd);
            fprintf(stderr, "unexpected argument '%s'", a->argv[optind]);
            help_hint(a->cmd);
            return CLI_ARGS_ERROR;
        }
        return CLI_ARGS_END;
    }
    if (c == '?' || c == ':') {
        report(a, c, at);
        return CLI_ARGS_ERROR;
    }
    a->value = optarg;
    return c;
}

/* The CA bundle's sources for cfg: [aws] ca_bundle and the ca_bundle of
 * its AWS profile ([aws] profile, else AWS_PROFILE, else default).  Valid
 * until the next call (the tool layer runs one command, in one thread). */
static const aws_ca_source *ca_source(const config *cfg)
{
    static char path[4096], label[320];
    static aws_ca_source src;
    memset(&src, 0, sizeof(src));
    if (sts_resolve_ca_bundle(NULL, cfg->profile, path, sizeof(path), label, sizeof(label))) {
        src.profile = path;
        src.profile_label = label;
    }
    src.configured = cfg->ca_bundle;
    return &src;
}

void cli_client_opts(const config *cfg, aws_client_opts *co)
{
    memset(co, 0, sizeof(*co));
    const aws_ca_source *ca = ca_source(cfg);
    co->http.ca_bundle = ca->configured;
    co->http.profile_ca_bundle = ca->profile;
    co->endpoints.fips = cfg->fips;
    co->endpoints.use_env = 1;
    co->endpoints.endpoint_url = cfg->endpoint_url;
    co->endpoints.allow_insecure = cfg->allow_insecure_endpoints;
    co->max_attempts = cfg->max_attempts;
    co->retry_budget = cfg->retry_budget > 0 ? cfg->retry_budget : -1;   /* 0 in the config: no retries */
    co->timeout_ms = (long)cfg->timeout_seconds * 1000;
    co->max_in_flight = cfg->concurrency;
}

int cli_check_transport(const struct config *cfg, const char *cmd)
{
    aws_endpoint_cfg ec = { .use_env = 1, .endpoint_url = cfg->endpoint_url,
                            .allow_insecure = cfg->allow_insecure_endpoints };
    char why[700];
    if (aws_endpoint_check_insecure(&ec, why, sizeof(why)) != 0 ||
        aws_http_ca_bundle_check(ca_source(cfg), why, sizeof(why)) != 0) {
        fprintf(stderr, "certsweep: %s: %s\n", cmd, why);
        return -1;
    }
    if (cfg->allow_insecure_endpoints)
        aws_log_warn("[aws] allow_insecure_endpoints = true: plain http:// endpoints on "
                     "other hosts are accepted, and credentials and session tokens sent "
                     "to them cross the network in clear");
    return 0;
}

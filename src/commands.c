/* The tool's tables: its commands, its own flags, exit codes and the
 * environment it reads.  --help and the man page (src/manpage.c) are both
 * written from them. */
#include "src/cli.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const cli_command *const cli_commands[] = {
    &cli_command_scan,
    &cli_command_whoami,
    &cli_command_check_config,
    &cli_command_notify,
    &cli_command_rules,
    &cli_command_merge,
    NULL,
};

const cli_flag cli_tool_flags[] = {
    { "version", CLI_FLAG_VERSION, NULL, "print the version and exit" },
    { "help",    'h',              NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};

const cli_exit_code cli_exit_codes[] = {
    { CLI_EXIT_OK,       "clean",
      "no finding at or above --fail-on and full coverage (other commands: success)" },
    { CLI_EXIT_FINDINGS, "findings at or above --fail-on",
      "findings at or above --fail-on; this takes precedence over 3" },
    { CLI_EXIT_USAGE,    "usage or config error",
      "a usage or configuration error" },
    { CLI_EXIT_PARTIAL,  "partial coverage",
      "the scan completed with coverage gaps: an account, region or API could not be read" },
    { CLI_EXIT_FAILURE,  "could not run",
      "could not run at all: no credentials, the network, or Organizations failing other than by refusing to list the accounts" },
    { CLI_EXIT_DELIVERY, "a notification could not be delivered",
      "the scan was clean, but a notification could not be delivered (it stays in the outbox for the next run)" },
    { 0, NULL, NULL },
};

const cli_env_var cli_environment[] = {
    { "CERTSWEEP_CONFIG", "configuration file used when --config is not given" },
    { "AWS_ACCESS_KEY_ID", "access key of the scanning identity (with AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN)" },
    { "AWS_SECRET_ACCESS_KEY", "secret key of the scanning identity; never printed" },
    { "AWS_SESSION_TOKEN", "session token of temporary credentials; never printed" },
    { "AWS_PROFILE", "named profile of the shared config and credentials files" },
    { "AWS_REGION", "home region (STS, Organizations, Security Hub) when the configuration names none; AWS_DEFAULT_REGION is read next" },
    { "AWS_CONFIG_FILE", "shared config file (default ~/.aws/config)" },
    { "AWS_CA_BUNDLE", "PEM file of CA certificates to trust (a TLS-inspecting proxy's): after [aws] ca_bundle, before the profile's ca_bundle and SSL_CERT_FILE" },
    { "AWS_SHARED_CREDENTIALS_FILE", "shared credentials file (default ~/.aws/credentials)" },
    { "AWS_WEB_IDENTITY_TOKEN_FILE", "web identity token for AssumeRoleWithWebIdentity, with AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME" },
    { "AWS_ENDPOINT_URL", "send every AWS request to this URL; AWS_ENDPOINT_URL_<SERVICE> for one service" },
    { "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "ECS or EKS container credentials (also AWS_CONTAINER_CREDENTIALS_FULL_URI)" },
    { "JOB_COMPLETION_INDEX", "scan --shard env/N: the shard K of a Kubernetes Indexed Job (0-based)" },
    { "AWS_BATCH_JOB_ARRAY_INDEX", "scan --shard env/N: the shard K of an AWS Batch array job (0-based)" },
    { "STATE_DIRECTORY", "state directory set by systemd's StateDirectory=; used when [state] dir is unset" },
    { "XDG_STATE_HOME", "a user's state directory is $XDG_STATE_HOME/certsweep (default ~/.local/state/certsweep)" },
    { "JOURNAL_STREAM", "set by systemd when standard error is the journal: log lines then start with a syslog priority (<3> error, <4> warning, <6> info, <7> debug)" },
    { NULL, NULL },
};

const cli_command *cli_command_find(const char *name)
{
    for (size_t i = 0; cli_commands[i]; i++)
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    return NULL;
}

void cli_args_init_flags(cli_args *a, const char *cmd, int argc, char **argv,
                         const cli_flag *flags)
{
    size_t n = 0;
    struct option buf[sizeof(a->longopts_buf) / sizeof(a->longopts_buf[0])];
    for (; flags[n].name; n++) {
        assert(n + 1 < sizeof(buf) / sizeof(buf[0]));   /* grow longopts_buf */
        if (n + 1 >= sizeof(buf) / sizeof(buf[0]))
            break;
        buf[n] = (struct option){ flags[n].name,
                                  flags[n].arg ? required_argument : no_argument,
                                  NULL, flags[n].val };
    }
    buf[n] = (struct option){ NULL, 0, NULL, 0 };
    cli_args_init(a, cmd, argc, argv, buf);          /* resets *a */
    memcpy(a->longopts_buf, buf, (n + 1) * sizeof(buf[0]));
    a->longopts = a->longopts_buf;
}

void cli_write_wrapped(FILE *f, const char *first_indent, const char *indent,
                       const char *text)
{
    enum { WIDTH = 79 };
    const char *p = text;
    while (*p) {                                      /* one paragraph */
        size_t col = strlen(first_indent);
        fputs(first_indent, f);
        int at_start = 1;
        while (*p && !(p[0] == '\n' && p[1] == '\n')) {
            while (*p == ' ' || *p == '\n')
                p++;
            size_t w = strcspn(p, " \n");
            if (w == 0)
                break;
            if (!at_start && col + 1 + w > WIDTH) {
                fprintf(f, "\n%s", indent);
                col = strlen(indent);
            } else if (!at_start) {
                fputc(' ', f);
                col++;
            }
            fprintf(f, "%.*s", (int)w, p);
            col += w;
            p += w;
            at_start = 0;
        }
        fputc('\n', f);
        if (*p) {                                     /* "\n\n": next paragraph */
            while (*p == '\n')
                p++;
            fputc('\n', f);
            first_indent = indent;
        }
    }
}

/* "--config FILE" (or "--help") */
static int flag_words(char *buf, size_t n, const cli_flag *fl)
{
    return snprintf(buf, n, "--%s%s%s", fl->name, fl->arg ? " " : "", fl->arg ? fl->arg : "");
}

static void write_synopsis(FILE *f, const char *head, const cli_flag *flags, const char *tail)
{
    enum { WIDTH = 79 };
    size_t indent = strlen(head) + 1, col = strlen(head);
    fputs(head, f);
    char w[128];
    for (const cli_flag *fl = flags; fl->name; fl++) {
        flag_words(w, sizeof(w), fl);
        size_t len = strlen(w) + 2;
        if (col + 1 + len > WIDTH) {
            fprintf(f, "\n%*s", (int)indent - 1, "");
            col = indent - 1;
        }
        fprintf(f, " [%s]", w);
        col += 1 + len;
    }
    fprintf(f, "%s\n", tail ? tail : "");
}

static void write_flags(FILE *f, const cli_flag *flags)
{
    size_t width = 0;
    char w[128], line[160];
    for (const cli_flag *fl = flags; fl->name; fl++) {
        size_t len = (size_t)flag_words(w, sizeof(w), fl);
        if (len > width)
            width = len;
    }
    for (const cli_flag *fl = flags; fl->name; fl++) {
        flag_words(w, sizeof(w), fl);
        if (fl->val > 0 && fl->val < 128 && isalpha(fl->val))
            snprintf(line, sizeof(line), "  -%c, %-*s  ", fl->val, (int)width, w);
        else
            snprintf(line, sizeof(line), "      %-*s  ", (int)width, w);
        char indent[64];
        snprintf(indent, sizeof(indent), "%*s", (int)(width + 8), "");
        cli_write_wrapped(f, line, indent, fl->help);
    }
}

void cli_command_usage(FILE *f, const cli_command *cmd)
{
    if (!cmd) {
        write_synopsis(f, "Usage: certsweep", cli_tool_flags, " <command> [options]");
        fputs("\nFinds TLS certificate risks across an AWS Organization.\n\nOptions:\n", f);
        write_flags(f, cli_tool_flags);
        fputs("\nCommands:\n", f);
        for (size_t i = 0; cli_commands[i]; i++)
            fprintf(f, "  %-14s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
        fputs("\nRun 'certsweep <command> --help' for the options of a command.\n\n", f);
        char *codes = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&codes, &len);
        if (m) {
            fputs("Exit codes:", m);
            for (const cli_exit_code *e = cli_exit_codes; e->brief; e++)
                fprintf(m, " %d %s%s", e->code, e->brief, e[1].brief ? "," : ".");
        }
        if (m && fclose(m) == 0)
            cli_write_wrapped(f, "", "", codes);
        free(codes);
        return;
    }
    char head[64], tail[64] = "";
    snprintf(head, sizeof(head), "Usage: certsweep %s", cmd->name);
    if (cmd->operands)
        snprintf(tail, sizeof(tail), " %s", cmd->operands);
    write_synopsis(f, head, cmd->flags, tail);
    fputc('\n', f);
    cli_write_wrapped(f, "", "", cmd->description);
    fputs("\nOptions:\n", f);
    write_flags(f, cmd->flags);
    fputc('\n', f);
    cli_write_wrapped(f, "Exit status: ", "", cmd->exit_status);
    if (cmd->help_tail) {
        fputc('\n', f);
        cmd->help_tail(f);
    }
}

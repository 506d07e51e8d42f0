/* mdoc writer for certsweep(1) and certsweep.conf(5); see manpage.h. */
#include "src/manpage.h"

#include <ctype.h>
#include <string.h>

#include "certsweep_config.h"
#include "config/config.h"
#include "src/cli.h"

/* Text for a roff text line: backslashes escaped, a leading '.' or '\''
 * guarded, and a line break after each sentence ("new sentence, new
 * line").  Ends with a newline. */
static void text(FILE *f, const char *s)
{
    enum { WRAP = 76 };             /* input lines stay within this (a longer word alone) */
    int at_line_start = 1;
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        if (at_line_start) {
            while (*p == ' ')
                p++;
            if (!*p)
                break;
            if (*p == '.' || *p == '\'')
                fputs("\\&", f);
            at_line_start = 0;
            col = 0;
        }
        if (*p == '\\') {
            fputs("\\e", f);
            col += 2;
        } else if (*p == '\n') {
            fputc('\n', f);
            at_line_start = 1;
        } else if ((*p == '.' || *p == '?' || *p == '!') && p[1] == ' ' &&
                   (isupper((unsigned char)p[2]) || isdigit((unsigned char)p[2]))) {
            fputc(*p, f);
            fputc('\n', f);
            at_line_start = 1;
        } else if (*p == ' ' && p[1] && p[1] != ' ' && col + 1 + strcspn(p + 1, " \n") > WRAP) {
            fputc('\n', f);
            at_line_start = 1;
        } else {
            fputc(*p, f);
            col++;
        }
    }
    if (!at_line_start)
        fputc('\n', f);
}

/* Paragraphs separated by blank lines become .Pp-separated text. */
static void paragraphs(FILE *f, const char *s)
{
    int first = 1;
    while (*s) {
        const char *end = strstr(s, "\n\n");
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (!first)
            fputs(".Pp\n", f);
        char buf[4096];
        snprintf(buf, sizeof(buf), "%.*s", (int)n, s);
        for (char *q = buf; *q; q++)            /* one paragraph: one filled block */
            if (*q == '\n')
                *q = ' ';
        text(f, buf);
        first = 0;
        s += n;
        while (*s == '\n')
            s++;
    }
}

static int is_short(const cli_flag *fl)
{
    return fl->val > 0 && fl->val < 128 && isalpha(fl->val);
}

static void synopsis_flags(FILE *f, const cli_flag *flags)
{
    for (const cli_flag *fl = flags; fl->name; fl++) {
        if (fl->arg)
            fprintf(f, ".Op Fl \\-%s Ar %s\n", fl->name, fl->arg);
        else
            fprintf(f, ".Op Fl \\-%s\n", fl->name);
    }
}

static void flag_list(FILE *f, const cli_flag *flags)
{
    fputs(".Bl -tag -width Ds\n", f);
    for (const cli_flag *fl = flags; fl->name; fl++) {
        fputs(".It", f);
        if (is_short(fl))
            fprintf(f, " Fl %c ,", fl->val);
        fprintf(f, " Fl \\-%s", fl->name);
        if (fl->arg)
            fprintf(f, " Ar %s", fl->arg);
        fputc('\n', f);
        text(f, fl->help);
    }
    fputs(".El\n", f);
}

static const struct {
    const char *args;
    const char *what;
} k_examples[] = {
    { "check-config --config /etc/certsweep/certsweep.conf",
      "Check the configuration file and print every problem with its line." },
    { "scan --format json --output report.json",
      "Scan the organization and write the JSON report to a file." },
    { "scan --accounts 111111111111 --regions eu-west-1,us-east-1 --no-securityhub",
      "Scan one account in two regions without importing into Security Hub." },
    { "scan --as-of 2027-01-15 --fail-on none",
      "What expires before a change freeze: judge as of that day (nothing is imported)." },
    { "whoami --profile audit",
      "Show the identity a profile resolves to." },
};

static void page1(FILE *f)
{
    fputs(".Dt CERTSWEEP 1\n.Os\n.Sh NAME\n.Nm certsweep\n"
          ".Nd find TLS certificate risks across an AWS Organization\n"
          ".Sh SYNOPSIS\n.Nm\n", f);
    synopsis_flags(f, cli_tool_flags);
    for (size_t i = 0; cli_commands[i]; i++) {
        const cli_command *c = cli_commands[i];
        fprintf(f, ".Nm\n.Cm %s\n", c->name);
        synopsis_flags(f, c->flags);
        if (c->operands) {
            char op[64];
            snprintf(op, sizeof(op), "%s", c->operands);
            size_t n = strlen(op);
            if (op[0] == '[' && n > 2 && op[n - 1] == ']') {
                op[n - 1] = '\0';
                fprintf(f, ".Op Ar %s\n", op + 1);
            } else
                fprintf(f, ".Ar %s\n", op);
        }
    }
    fputs(".Sh DESCRIPTION\n.Nm\n", f);
    text(f, "lists the active accounts of an AWS Organization, assumes an audit role in each "
            "one, reads ACM certificates, API Gateway client certificates and custom domain "
            "names, and IAM server certificates in every enabled region, judges them and "
            "writes one report. Findings go into one home-region AWS Security Hub, updated "
            "in place and archived when resolved.");
    fputs(".Pp\nThe options of\n.Nm\nitself:\n", f);
    flag_list(f, cli_tool_flags);
    fputs(".Pp\nThe commands:\n.Bl -tag -width Ds\n", f);
    for (size_t i = 0; cli_commands[i]; i++) {
        const cli_command *c = cli_commands[i];
        fprintf(f, ".It Cm %s\n", c->name);
        char summary[256];
        snprintf(summary, sizeof(summary), "%s", c->summary);
        summary[0] = (char)toupper((unsigned char)summary[0]);
        fprintf(f, "%s.\n.Pp\n", summary);
        paragraphs(f, c->description);
        flag_list(f, c->flags);
        fputs(".Pp\nExit status:\n", f);
        text(f, c->exit_status);
        if (c->man_tail) {
            fputs(".Pp\n", f);
            text(f, c->man_tail);
        }
    }
    fputs(".El\n.Sh ENVIRONMENT\n.Bl -tag -width Ds\n", f);
    for (const cli_env_var *e = cli_environment; e->name; e++) {
        fprintf(f, ".It Ev %s\n", e->name);
        text(f, e->meaning);
    }
    fputs(".El\n.Sh FILES\n.Bl -tag -width Ds\n"
          ".It Pa /etc/certsweep/certsweep.conf\n"
          "The configuration file, see\n.Xr certsweep.conf 5 .\n"
          ".It Pa /var/lib/certsweep/\n"
          "The state database when run as root or by the service\n"
          "(systemd's\n.Ev STATE_DIRECTORY ) .\n"
          ".It Pa ~/.local/state/certsweep/\n"
          "The state database of a user\n(\n.Ev XDG_STATE_HOME Ns /certsweep ) .\n"
          ".It Pa " CERTSWEEP_DATADIR "/certsweep/iam/\n"
          "IAM policies and the CloudFormation template of the audit role.\n"
          ".El\n.Sh EXIT STATUS\n.Bl -tag -width Ds\n", f);
    for (const cli_exit_code *e = cli_exit_codes; e->brief; e++) {
        fprintf(f, ".It %d\n", e->code);
        char m[512];
        snprintf(m, sizeof(m), "%s", e->meaning);
        m[0] = (char)toupper((unsigned char)m[0]);
        size_t len = strlen(m);
        if (len + 1 < sizeof(m)) {
            m[len] = '.';
            m[len + 1] = '\0';
        }
        text(f, m);
    }
    fputs(".El\n.Sh EXAMPLES\n", f);
    for (size_t i = 0; i < sizeof(k_examples) / sizeof(k_examples[0]); i++) {
        if (i)
            fputs(".Pp\n", f);
        text(f, k_examples[i].what);
        fprintf(f, ".Dl $ certsweep %s\n", k_examples[i].args);
    }
    fputs(".Sh SEE ALSO\n.Xr systemctl 1 ,\n.Xr certsweep.conf 5\n", f);
}

static void page5(FILE *f)
{
    fputs(".Dt CERTSWEEP.CONF 5\n.Os\n.Sh NAME\n.Nm certsweep.conf\n"
          ".Nd configuration file of certsweep\n.Sh DESCRIPTION\n", f);
    text(f, "An INI file read by certsweep from --config, else $CERTSWEEP_CONFIG, else "
            "/etc/certsweep/certsweep.conf if it exists. Keys are grouped in [sections]; "
            "unknown sections and keys are errors. Lists are comma-separated and may continue "
            "on indented lines. Values may be quoted. Lines starting with ';' or '#' are "
            "comments. Each option of the scan command's flags overrides its key.");
    fputs(".Pp\nCheck a file with\n.Ic certsweep check-config --config Ar FILE ;\n"
          "print an example with every option and its default with\n"
          ".Ic certsweep check-config --print-example .\n", f);
    const char *section = "";
    config_option_info o;
    for (size_t i = 0; i < config_option_count(); i++) {
        config_option_describe(i, &o);
        if (strcmp(o.section, section) != 0) {
            if (*section)
                fputs(".El\n", f);
            section = o.section;
            fprintf(f, ".Ss \\&[%s]\\&\n.Bl -tag -width Ds\n", section);
        }
        fprintf(f, ".It Cm %s\n", o.key);
        char line[512];
        snprintf(line, sizeof(line), "Type: %s; default: %s.", o.type, o.def ? o.def : "unset");
        text(f, line);
        fputs(".Pp\n", f);
        text(f, o.help);
    }
    if (*section)
        fputs(".El\n", f);
    fputs(".Sh FILES\n.Bl -tag -width Ds\n.It Pa /etc/certsweep/certsweep.conf\n"
          "The system-wide file, read by the certsweep service.\n.El\n"
          ".Sh EXAMPLES\n.Bd -literal -offset indent\n"
          "[scan]\nrole_name = CertSweepAudit\nexternal_id = my-external-id\n"
          "regions = all\nexclude_accounts = 111111111111\n\n"
          "[securityhub]\nregion = eu-west-1\n.Ed\n"
          ".Sh SEE ALSO\n.Xr certsweep 1\n", f);
}

int manpage_write(FILE *f, int section, const char *date)
{
    if (section != 1 && section != 5)
        return -1;
    fprintf(f, ".\\\" Generated by certsweep-mangen from the option and command tables; do not edit.\n"
               ".Dd %s\n", date);
    if (section == 1)
        page1(f);
    else
        page5(f);
    return ferror(f) ? -1 : 0;
}

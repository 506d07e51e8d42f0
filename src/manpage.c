/* mdoc writer for certsweep(1) and certsweep.conf(5); see manpage.h. */
#include "src/manpage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "certsweep_config.h"
#include "config/config.h"
#include "src/cli.h"

enum {
    TEXT_CAP    = 1 << 0,       /* the first letter in upper case */
    TEXT_PERIOD = 1 << 1,       /* end with a full stop */
};

/* The first n bytes of s as roff text lines: backslashes escaped, a
 * leading '.' or '\'' guarded, line breaks of s read as spaces (one filled
 * paragraph), a new line after each sentence ("new sentence, new line") and
 * before a word that would pass column WRAP.  Ends with a newline. */
static void text_n(FILE *f, const char *s, size_t n, unsigned how)
{
    enum { WRAP = 76 };             /* input lines stay within this (a longer word alone) */
    const char *end = s + n;
    int at_line_start = 1;
    size_t col = 0;
    for (const char *p = s; p < end; p++) {
        char ch = *p == '\n' ? ' ' : *p;
        char next = p + 1 < end ? p[1] : '\0';
        if (at_line_start) {
            if (ch == ' ')
                continue;
            if (ch == '.' || ch == '\'')
                fputs("\\&", f);
            at_line_start = 0;
            col = 0;
        }
        if (p == s && (how & TEXT_CAP))
            ch = (char)toupper((unsigned char)ch);
        if (ch == '\\') {
            fputs("\\e", f);
            col += 2;
        } else if ((ch == '.' || ch == '?' || ch == '!') && (next == ' ' || next == '\n') &&
                   p + 2 < end &&
                   (isupper((unsigned char)p[2]) || isdigit((unsigned char)p[2]))) {
            fputc(ch, f);
            fputc('\n', f);
            at_line_start = 1;
        } else if (ch == ' ') {
            size_t w = 0;                       /* the next word's length */
            while (p + 1 + w < end && p[1 + w] != ' ' && p[1 + w] != '\n')
                w++;
            if (w == 0)
                continue;                       /* trailing or repeated spaces */
            if (col + 1 + w > WRAP) {
                fputc('\n', f);
                at_line_start = 1;
            } else {
                fputc(' ', f);
                col++;
            }
        } else {
            fputc(ch, f);
            col++;
        }
    }
    if (how & TEXT_PERIOD)
        fputc('.', f);
    if (!at_line_start || (how & TEXT_PERIOD))
        fputc('\n', f);
}

static void text(FILE *f, const char *s)
{
    text_n(f, s, strlen(s), 0);
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
        text_n(f, s, n, 0);
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
        text_n(f, c->summary, strlen(c->summary), TEXT_CAP | TEXT_PERIOD);
        fputs(".Pp\n", f);
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
        text_n(f, e->meaning, strlen(e->meaning), TEXT_CAP | TEXT_PERIOD);
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

static int page5(FILE *f)
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
            if (o.named)
                fprintf(f, ".Ss \\&[%s Ar NAME Ns \\&]\\&\n"
                           "Any number of sections, each with its own NAME and these keys.\n"
                           ".Bl -tag -width Ds\n", section);
            else
                fprintf(f, ".Ss \\&[%s]\\&\n.Bl -tag -width Ds\n", section);
        }
        fprintf(f, ".It Cm %s\n", o.key);
        char *line = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&line, &len);
        if (!m)
            return -1;
        fprintf(m, "Type: %s; default: %s", o.type, o.def ? o.def : "unset");
        if (fclose(m) != 0) {
            free(line);
            return -1;
        }
        text_n(f, line, len, TEXT_PERIOD);
        free(line);
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
    return 0;
}

int manpage_write(FILE *f, int section, const char *date)
{
    if (section != 1 && section != 5)
        return -1;
    fprintf(f, ".\\\" Generated by certsweep-mangen from the option and command tables; do not edit.\n"
               ".Dd %s\n", date);
    int rc = 0;
    if (section == 1)
        page1(f);
    else
        rc = page5(f);
    return rc || ferror(f) ? -1 : 0;
}

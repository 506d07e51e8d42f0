/* certsweep — the option table and the parsing of one option value. */
#include "config/options.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/error.h"
#include "aws/rates.h"
#include "dns/server.h"

#define FIELD(f) offsetof(struct config, f)

static const char *const collector_choices[] = {
    "acm", "apigateway", "apigatewayv2", "iam", NULL };
/* A finding's severities ([notify] and [webhook] min_severity). */
static const char *const severity_choices[] = {
    "critical", "high", "medium", "low", "informational", NULL };
/* [scan] fail_on: a severity, or none. */
static const char *const fail_on_choices[] = {
    "critical", "high", "medium", "low", "informational", "none", NULL };
static const char *const describe_choices[] = { "needed", "all", NULL };
static const char *const format_choices[] = {
    "table", "json", "csv", "asff", "html", "jsonl", "prometheus", NULL };
static const char *const mode_choices[] = { "member", "central", NULL };
static const char *const tls_choices[] = { "starttls", "none", NULL };
static const char *const webhook_type_choices[] = {
    "generic", "jira", "servicenow", "pagerduty", "slack", "teams", NULL };
static const char *const group_by_choices[] = { "finding", "account", NULL };

#define WFIELD(f) offsetof(struct config_webhook, f)

/* section, key, type, check, flags, field, default, min, max, choices, help */
const struct option_def config_options[] = {
    /* [aws] */
    { "aws", "profile", OPT_STRING, CHK_NONE, 0, FIELD(profile), NULL, 0, 0, NULL,
      "Named profile of the scanning identity. Unset: AWS_PROFILE, then \"default\"." },
    { "aws", "region", OPT_STRING, CHK_REGION, 0, FIELD(region), NULL, 0, 0, NULL,
      "Region for STS and Organizations calls. Unset: AWS_REGION, AWS_DEFAULT_REGION, the profile, then us-east-1." },
    { "aws", "ca_bundle", OPT_STRING, CHK_PATH, 0, FIELD(ca_bundle), NULL, 0, 0, NULL,
      "PEM file of CA certificates to trust instead of the system store. It comes first, like the AWS CLI's --ca-bundle; unset: AWS_CA_BUNDLE, then the ca_bundle of the AWS profile, then SSL_CERT_FILE." },
    { "aws", "endpoint_url", OPT_STRING, CHK_URL, 0, FIELD(endpoint_url), NULL, 0, 0, NULL,
      "Send every AWS request to this URL (a local emulator, a VPC endpoint)." },
    { "aws", "allow_insecure_endpoints", OPT_BOOL, CHK_NONE, 0, FIELD(allow_insecure_endpoints), "false", 0, 0, NULL,
      "Accept plain http:// endpoints on hosts other than this machine (127.0.0.0/8, ::1, localhost are always accepted). Credentials and session tokens then cross the network in clear; a warning says so at every run." },
    { "aws", "fips", OPT_BOOL, CHK_NONE, 0, FIELD(fips), "false", 0, 0, NULL,
      "Use FIPS endpoints." },
    { "aws", "max_attempts", OPT_INT, CHK_NONE, 0, FIELD(max_attempts), "8", 1, 20, NULL,
      "Attempts per request, the first one included." },
    { "aws", "retry_budget", OPT_INT, CHK_NONE, 0, FIELD(retry_budget), "500", 0, 100000, NULL,
      "Retry tokens shared by all requests of a run: a retry costs 5 (10 after a timeout), a success gives tokens back; 500 pays for about 100 retries in a row. 0 disables retries." },
    { "aws", "timeout_seconds", OPT_INT, CHK_NONE, 0, FIELD(timeout_seconds), "30", 1, 3600, NULL,
      "Timeout of one request, in seconds." },
    { "aws", "rate_overrides", OPT_LIST, CHK_RATE_OVERRIDE, 0, FIELD(rate_overrides), "", 0, 0, NULL,
      "Request rates for accounts whose AWS quotas were raised, as service:Operation=requests-per-second, e.g. acm:DescribeCertificate=20, securityhub:*=20. Every other operation is paced at the rate AWS publishes for it (README, Pacing)." },

    /* [scan] */
    { "scan", "accounts", OPT_LIST, CHK_ACCOUNT, 0, FIELD(accounts), "", 0, 0, NULL,
      "Account ids to scan. Empty: every active account of the organization." },
    { "scan", "organizational_units", OPT_LIST, CHK_OU, 0, FIELD(organizational_units), "", 0, 0, NULL,
      "Scan only the accounts under these OUs (ou-xxxx-xxxxxxxx, or a root r-xxxx). Not together with accounts." },
    { "scan", "include_accounts", OPT_LIST, CHK_ACCOUNT, 0, FIELD(include_accounts), "", 0, 0, NULL,
      "Of the discovered accounts, scan only these." },
    { "scan", "exclude_accounts", OPT_LIST, CHK_ACCOUNT, 0, FIELD(exclude_accounts), "", 0, 0, NULL,
      "Never scan these accounts." },
    { "scan", "exclude_ous", OPT_LIST, CHK_OU, 0, FIELD(exclude_ous), "", 0, 0, NULL,
      "Never scan the accounts under these OUs." },
    { "scan", "regions", OPT_LIST, CHK_REGION_OR_ALL, OPT_NONEMPTY, FIELD(regions), "all", 0, 0, NULL,
      "Regions to scan: all (every region enabled in each account) or a list of names." },
    { "scan", "role_name", OPT_STRING, CHK_ROLE_NAME, OPT_NONEMPTY, FIELD(role_name), "CertSweepAudit", 0, 0, NULL,
      "Role assumed in every scanned account." },
    { "scan", "role_session_name", OPT_STRING, CHK_SESSION_NAME, OPT_NONEMPTY, FIELD(role_session_name), "certsweep", 0, 0, NULL,
      "Session name of the assumed roles (shows in CloudTrail)." },
    { "scan", "external_id", OPT_STRING, CHK_EXTERNAL_ID, OPT_SECRET, FIELD(external_id), NULL, 0, 0, NULL,
      "External id required by the role's trust policy. Treated as a secret: never printed." },
    { "scan", "role_duration_seconds", OPT_INT, CHK_NONE, 0, FIELD(role_duration_seconds), "3600", 900, 43200, NULL,
      "Lifetime of the assumed-role credentials, in seconds." },
    { "scan", "assume_role_in_caller_account", OPT_BOOL, CHK_NONE, 0, FIELD(assume_role_in_caller_account), "false", 0, 0, NULL,
      "Assume the role in the caller's own account too, instead of using the caller's credentials there." },
    { "scan", "collectors", OPT_LIST, CHK_CHOICE, OPT_NONEMPTY, FIELD(collectors), "acm,apigateway,apigatewayv2,iam", 0, 0, collector_choices,
      "Certificate sources to read." },
    { "scan", "concurrency", OPT_INT, CHK_NONE, 0, FIELD(concurrency), "128", 1, 1024, NULL,
      "AWS calls in flight at once (each AWS limit is paced in its own queue whatever this is; this bounds connections and memory)." },
    { "scan", "describe", OPT_ENUM, CHK_NONE, 0, FIELD(describe), "needed", 0, 0, describe_choices,
      "Which ACM certificates to describe: needed judges from the ListCertificates summaries and "
      "describes only the certificates a rule needs detail for (or reuses a cached describe), "
      "and reads API Gateway REST API stages only where a rule needs them; all describes every "
      "certificate and reads every stage, every run. The findings are the same." },
    { "scan", "detail_max_age", OPT_INT, CHK_NONE, 0, FIELD(detail_max_age), "7", 0, 365, NULL,
      "Days a cached DescribeCertificate answer is reused while the certificate's summary is "
      "unchanged (options such as transparency logging can change without it). 0 never reuses." },
    { "scan", "tags", OPT_BOOL, CHK_NONE, 0, FIELD(tags), "true", 0, 0, NULL,
      "Read the tags of the certificates and accounts that have findings (ACM "
      "ListTagsForCertificate, IAM ListServerCertificateTags, Organizations ListTagsForResource) "
      "and put them on the findings; a refused call is a coverage gap. false: no tag calls "
      "(an audit role deployed without those permissions)." },
    { "scan", "fail_on", OPT_ENUM, CHK_NONE, 0, FIELD(fail_on), "high", 0, 0, fail_on_choices,
      "Exit with status 1 when a finding has this severity or a worse one; none never does." },
    { "scan", "format", OPT_ENUM, CHK_NONE, 0, FIELD(format), "table", 0, 0, format_choices,
      "Report format on standard output (and of scan --output -); an --output file takes its format from its extension." },
    { "scan", "suppressions", OPT_STRING, CHK_PATH, 0, FIELD(suppressions), NULL, 0, 0, NULL,
      "File of suppressions: [suppress NAME] entries matching account, region, rule, resource or "
      "domain (globs), each with a mandatory reason and expires date. A suppressed finding stays in "
      "the report, marked, and is left out of the exit status and the digests." },

    /* [rules] */
    { "rules", "expiring", OPT_TIERS, CHK_NONE, 0, FIELD(expiring), "45,30,7", 0, 3650, NULL,
      "Days before expiry (medium,high,critical) for imported and private certificates. 0 turns a tier off." },
    { "rules", "expiring_managed", OPT_TIERS, CHK_NONE, 0, FIELD(expiring_managed), "30,14,7", 0, 3650, NULL,
      "The same for certificates ACM renews by itself." },
    { "rules", "client_certificate", OPT_TIERS, CHK_NONE, 0, FIELD(client_certificate), "45,30,7", 0, 3650, NULL,
      "The same for API Gateway client certificates." },
    { "rules", "iam_server_certificate", OPT_TIERS, CHK_NONE, 0, FIELD(iam_server_certificate), "45,30,7", 0, 3650, NULL,
      "The same for IAM server certificates." },
    { "rules", "pending_validation_max_days", OPT_INT, CHK_NONE, 0, FIELD(pending_validation_max_days), "3", 0, 365, NULL,
      "Report a certificate still pending validation after this many days." },
    { "rules", "renewal_pending_days", OPT_INT, CHK_NONE, 0, FIELD(renewal_pending_days), "30", 0, 365, NULL,
      "Report a managed renewal still pending this many days before expiry." },
    { "rules", "domain_upload_max_days", OPT_INT, CHK_NONE, 0, FIELD(domain_upload_max_days), "395", 0, 3650, NULL,
      "Report an uploaded certificate valid longer than this many days." },
    { "rules", "stage_without_client_certificate", OPT_BOOL, CHK_NONE, 0, FIELD(stage_without_client_certificate), "false", 0, 0, NULL,
      "Report API Gateway stages that send no client certificate to the backend." },
    { "rules", "disabled_rules", OPT_LIST, CHK_RULE_ID, 0, FIELD(disabled_rules), "", 0, 0, NULL,
      "Rule ids not to run." },

    /* [dns] */
    { "dns", "enabled", OPT_BOOL, CHK_NONE, 0, FIELD(dns_enabled), "false", 0, 0, NULL,
      "Look up the DNS validation records (CNAMEs) of Amazon-issued certificates and report those that were deleted or changed (rule renewal-at-risk). Off by default: the host must reach a resolver that sees the public zones; describes every such certificate (or reuses a cached describe)." },
    { "dns", "servers", OPT_LIST, CHK_DNS_SERVER, 0, FIELD(dns_servers), "", 0, 0, NULL,
      "Name servers to ask, as IP, IP:port, [IPv6] or [IPv6]:port. Empty: those of /etc/resolv.conf." },
    { "dns", "timeout_ms", OPT_INT, CHK_NONE, 0, FIELD(dns_timeout_ms), "2000", 50, 60000, NULL,
      "Timeout of one DNS try, in milliseconds; a lookup that times out is a coverage gap, never a finding." },
    { "dns", "tries", OPT_INT, CHK_NONE, 0, FIELD(dns_tries), "2", 1, 10, NULL,
      "Tries per lookup (each server, in turn)." },
    { "dns", "max_lookups_per_second", OPT_INT, CHK_NONE, 0, FIELD(dns_max_lookups_per_second), "50", 0, 100000, NULL,
      "Lookups started per second at most (the rest wait in a queue); 0: no cap." },

    /* [securityhub] */
    { "securityhub", "enabled", OPT_BOOL, CHK_NONE, 0, FIELD(securityhub_enabled), "true", 0, 0, NULL,
      "Import findings into AWS Security Hub. Only a config with this [securityhub] section (or scan --securityhub) imports; false keeps the section but imports nothing." },
    { "securityhub", "region", OPT_STRING, CHK_REGION, 0, FIELD(securityhub_region), NULL, 0, 0, NULL,
      "Home region of Security Hub. Unset: the [aws] region." },
    { "securityhub", "mode", OPT_ENUM, CHK_NONE, 0, FIELD(securityhub_mode), "member", 0, 0, mode_choices,
      "member (recommended): each finding goes into its own account's hub with that account's audit role, AwsAccountId is the certificate's account; combine it with Security Hub's own cross-account (delegated administrator) and cross-region aggregation to see all in one place. central: every finding goes into the hub of the account that runs the scan (the scanning identity's account, not a configurable one), AwsAccountId is that account and the certificate's account is only in ProductFields certsweep/AccountId and the resource ARN." },

    /* [notify] */
    { "notify", "min_severity", OPT_ENUM, CHK_NONE, 0, FIELD(notify_min_severity), "medium", 0, 0, severity_choices,
      "Digests list findings of this severity or worse; the others are only counted." },
    { "notify", "repeat_days", OPT_INT, CHK_NONE, 0, FIELD(notify_repeat_days), "7", 1, 365, NULL,
      "A digest with nothing new, escalated or resolved repeats the open findings at most this often (days)." },
    { "notify", "templates_dir", OPT_STRING, CHK_PATH, 0, FIELD(notify_templates_dir), NULL, 0, 0, NULL,
      "Directory of digest templates (digest.txt, digest.html, subject.txt) replacing the installed ones; a file missing there falls back to the installed one." },
    { "notify", "retry_backoff_seconds", OPT_INT, CHK_NONE, 0, FIELD(notify_retry_backoff), "300", 0, 86400, NULL,
      "A failed delivery waits this long before the next run retries it, doubled after each failure (at most a day); notify --retry does not wait." },

    /* [email] */
    { "email", "smtp_host", OPT_STRING, CHK_HOST, 0, FIELD(email_smtp_host), NULL, 0, 0, NULL,
      "SMTP server of the digests. Unset: no e-mail." },
    { "email", "smtp_port", OPT_INT, CHK_NONE, 0, FIELD(email_smtp_port), "587", 1, 65535, NULL,
      "SMTP port (submission)." },
    { "email", "tls", OPT_ENUM, CHK_NONE, 0, FIELD(email_tls), "starttls", 0, 0, tls_choices,
      "starttls: require STARTTLS and verify the server's certificate; none: plain text, only to a loopback host. (Implicit TLS on port 465 is not offered by libesmtp.)" },
    { "email", "ca_file", OPT_STRING, CHK_PATH, 0, FIELD(email_ca_file), NULL, 0, 0, NULL,
      "PEM file of CA certificates that verify the SMTP server instead of the system store." },
    { "email", "username", OPT_STRING, CHK_NONE, 0, FIELD(email_username), NULL, 0, 0, NULL,
      "SMTP AUTH user. Unset: no AUTH." },
    { "email", "password_file", OPT_STRING, CHK_PATH, 0, FIELD(email_password_file), NULL, 0, 0, NULL,
      "File holding the SMTP password (first line). Never put the password itself in the config." },
    { "email", "password_env", OPT_STRING, CHK_ENV_NAME, 0, FIELD(email_password_env), NULL, 0, 0, NULL,
      "Or: the environment variable holding the SMTP password." },
    { "email", "from", OPT_STRING, CHK_EMAIL, 0, FIELD(email_from), NULL, 0, 0, NULL,
      "Sender address of the digests." },
    { "email", "org_to", OPT_LIST, CHK_EMAIL, 0, FIELD(email_org_to), "", 0, 0, NULL,
      "Recipients of the organization digest." },
    { "email", "account_owners", OPT_STRING, CHK_OWNERS, 0, FIELD(email_account_owners), NULL, 0, 0, NULL,
      "Owners of accounts: ID: mail, mail; ID: mail. They get their account's digest." },
    { "email", "owner_tag", OPT_STRING, CHK_NONE, 0, FIELD(email_owner_tag), NULL, 0, 0, NULL,
      "Organizations account tag whose value lists an account's owners (separated by spaces: tag values cannot hold commas), for accounts not in account_owners." },
    { "email", "use_account_email", OPT_BOOL, CHK_NONE, 0, FIELD(email_use_account_email), "false", 0, 0, NULL,
      "Send an account's digest to its e-mail in Organizations when no other owner is known." },
    { "email", "timeout_seconds", OPT_INT, CHK_NONE, 0, FIELD(email_timeout_seconds), "60", 5, 3600, NULL,
      "Timeout of each SMTP protocol step, in seconds." },

    /* [sns] */
    { "sns", "topic_arn", OPT_STRING, CHK_ARN, 0, FIELD(sns_topic_arn), NULL, 0, 0, NULL,
      "SNS topic that gets the organization digest. Unset: no SNS." },
    { "sns", "role_arn", OPT_STRING, CHK_ARN, 0, FIELD(sns_role_arn), NULL, 0, 0, NULL,
      "Role to assume to publish (e.g. in the topic's account). Unset: the scanning identity." },

    /* [state] */
    { "state", "dir", OPT_STRING, CHK_PATH, OPT_COMPUTED, FIELD(state_dir), NULL, 0, 0, NULL,
      "Directory of the state database. Unset: $STATE_DIRECTORY (set by systemd), else /var/lib/certsweep as root, else $XDG_STATE_HOME/certsweep or ~/.local/state/certsweep." },

    /* [probe] */
    { "probe", "enabled", OPT_BOOL, CHK_NONE, 0, FIELD(probe_enabled), "false", 0, 0, NULL,
      "Probe the certificate each endpoint serves (TLS handshake with SNI): every name of every in-use ACM certificate, every API Gateway custom domain, and hosts. Endpoints this host cannot reach become coverage gaps (operation Probe)." },
    { "probe", "hosts", OPT_LIST, CHK_PROBE_TARGET, 0, FIELD(probe_hosts), "", 0, 0, NULL,
      "More endpoints to probe, host[:port][@address] (port 443 by default; @address connects to that IP literal, SNI still host), e.g. www.example.com, api.example.com:8443, origin.example.com@203.0.113.7." },
    { "probe", "concurrency", OPT_INT, CHK_NONE, 0, FIELD(probe_concurrency), "64", 1, 4096, NULL,
      "TLS handshakes in flight at once." },
    { "probe", "timeout", OPT_INT, CHK_NONE, 0, FIELD(probe_timeout), "10", 1, 300, NULL,
      "Seconds one probe may take: resolution, connect and handshake together." },
    { "probe", "ca_file", OPT_STRING, CHK_PATH, 0, FIELD(probe_ca_file), NULL, 0, 0, NULL,
      "PEM file of CA certificates that verify served chains instead of the system store." },

    /* [metrics] */
    { "metrics", "textfile", OPT_STRING, CHK_PATH, 0, FIELD(metrics_textfile), NULL, 0, 0, NULL,
      "After each scan, write Prometheus metrics to this file (for node_exporter's textfile collector, e.g. /var/lib/prometheus/node-exporter/certsweep.prom), replaced atomically. Unset: none." },
    { "metrics", "max_certificates", OPT_INT, CHK_NONE, 0, FIELD(metrics_max_certificates), "10000", 0, 1000000, NULL,
      "Certificates listed in certsweep_certificate_not_after_timestamp_seconds besides those with findings (always listed); about 250 bytes of memory each during the scan. Past it they are counted in certsweep_certificates_unlisted." },

    /* [webhook NAME]: one section per ticket or chat channel */
    { "webhook", "type", OPT_ENUM, CHK_NONE, OPT_NAMED, WFIELD(type), "generic", 0, 0, webhook_type_choices,
      "Receiver: generic (signed JSON events), jira, servicenow, pagerduty (Events API v2), slack or teams (incoming webhook, a digest of the run)." },
    { "webhook", "url", OPT_STRING, CHK_URL, OPT_NAMED, WFIELD(url), NULL, 0, 0, NULL,
      "generic: the endpoint; jira and servicenow: the site's base URL (https://example.atlassian.net); pagerduty: unset for https://events.pagerduty.com/v2/enqueue; slack, teams: unset, the webhook URL is the secret." },
    { "webhook", "secret_file", OPT_STRING, CHK_PATH, OPT_NAMED, WFIELD(secret_file), NULL, 0, 0, NULL,
      "File holding the secret: generic: the HMAC-SHA256 key; jira: email:api-token; servicenow: user:password; pagerduty: the routing key; slack, teams: the webhook URL. Never written in this file, never logged." },
    { "webhook", "secret_env", OPT_STRING, CHK_NONE, OPT_NAMED, WFIELD(secret_env), NULL, 0, 0, NULL,
      "Or: the environment variable holding the secret (instead of secret_file)." },
    { "webhook", "group_by", OPT_ENUM, CHK_NONE, OPT_NAMED, WFIELD(group_by), "finding", 0, 0, group_by_choices,
      "finding: one ticket per finding; account: one ticket per account, holding its findings." },
    { "webhook", "min_severity", OPT_ENUM, CHK_NONE, OPT_NAMED, WFIELD(min_severity), "high", 0, 0, severity_choices,
      "Open tickets for findings of this severity or a worse one." },
    { "webhook", "project", OPT_STRING, CHK_NONE, OPT_NAMED, WFIELD(project), NULL, 0, 0, NULL,
      "jira: key of the project the issues are created in (required for jira)." },
    { "webhook", "issue_type", OPT_STRING, CHK_NONE, OPT_NAMED, WFIELD(issue_type), "Task", 0, 0, NULL,
      "jira: issue type of the created issues." },
    { "webhook", "resolve_transition", OPT_STRING, CHK_NONE, OPT_NAMED, WFIELD(resolve_transition), NULL, 0, 0, NULL,
      "jira: name of the transition (or of its target status) applied when the finding resolves; unset: a comment only." },
    { "webhook", "close_code", OPT_STRING, CHK_NONE, OPT_NAMED, WFIELD(close_code), "Solved (Permanently)", 0, 0, NULL,
      "servicenow: close_code of a resolved incident." },
    { "webhook", "timeout_seconds", OPT_INT, CHK_NONE, OPT_NAMED, WFIELD(timeout_seconds), "15", 1, 300, NULL,
      "Timeout of one request to this receiver, in seconds." },
};

const size_t config_options_count = sizeof(config_options) / sizeof(config_options[0]);

void cfg_report(struct cfg_where *w, const char *fmt, ...)
{
    w->errors++;
    if (!w->errs)
        return;
    if (w->name && w->line > 0)
        fprintf(w->errs, "%s:%d: ", w->name, w->line);
    else if (w->name)
        fprintf(w->errs, "%s: ", w->name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(w->errs, fmt, ap);
    va_end(ap);
    fputc('\n', w->errs);
}

const struct option_def *option_find(const char *section, const char *key)
{
    for (size_t i = 0; i < config_options_count; i++)
        if (strcmp(config_options[i].section, section) == 0 &&
            strcmp(config_options[i].key, key) == 0)
            return &config_options[i];
    return NULL;
}

static int all_of(const char *s, size_t min, size_t max, const char *extra);

int option_section_named(const char *section)
{
    for (size_t i = 0; i < config_options_count; i++)
        if ((config_options[i].flags & OPT_NAMED) && strcmp(config_options[i].section, section) == 0)
            return 1;
    return 0;
}

int option_is_instance_name(const char *s)
{
    return all_of(s, 1, 32, "_-");
}

int option_section_known(const char *section)
{
    for (size_t i = 0; i < config_options_count; i++)
        if (strcmp(config_options[i].section, section) == 0)
            return 1;
    return 0;
}

/* ---- value checks ---- */

static int all_of(const char *s, size_t min, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
            return 0;
    return 1;
}

static int lower_alnum_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* aa-word[-word...]-N: us-east-1, us-gov-west-1, ap-southeast-3,
 * us-isob-east-1. */
int option_is_region(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 32 || !islower((unsigned char)s[0]) ||
        !islower((unsigned char)s[1]) || s[2] != '-')
        return 0;
    const char *last = strrchr(s, '-');
    if (last == s + 2 || !last[1])
        return 0;
    for (const char *p = last + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    /* middle: lowercase words separated by single dashes */
    const char *p = s + 3;
    int words = 0;
    while (p < last) {
        const char *e = p;
        while (e < last && *e != '-')
            e++;
        if (e == p)
            return 0;
        for (const char *q = p; q < e; q++)
            if (!islower((unsigned char)*q))
                return 0;
        words++;
        p = e + 1;
    }
    return words >= 1;
}

int option_is_account(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]))
            return 0;
    return n == 12;
}

/* ou-<root part 4-32>-<8-32>, r-<4-32>; lowercase letters and digits. */
int option_is_ou(const char *s)
{
    if (strncmp(s, "r-", 2) == 0) {
        size_t n = strlen(s + 2);
        return n >= 4 && n <= 32 && lower_alnum_run(s + 2, n);
    }
    if (strncmp(s, "ou-", 3) != 0)
        return 0;
    const char *a = s + 3;
    const char *dash = strchr(a, '-');
    if (!dash)
        return 0;
    size_t n1 = (size_t)(dash - a), n2 = strlen(dash + 1);
    return n1 >= 4 && n1 <= 32 && n2 >= 8 && n2 <= 32 &&
           lower_alnum_run(a, n1) && lower_alnum_run(dash + 1, n2);
}

static int is_url(const char *s)
{
    const char *rest = NULL;
    if (strncmp(s, "https://", 8) == 0)
        rest = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        rest = s + 7;
    if (!rest || !*rest || *rest == '/')
        return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return 0;
    return 1;
}

static const char *choice_match(const char *const *choices, const char *v)
{
    for (size_t i = 0; choices[i]; i++)
        if (strcasecmp(choices[i], v) == 0)
            return choices[i];
    return NULL;
}

static void choices_text(const char *const *choices, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; choices[i]; i++) {
        int n = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", choices[i]);
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
}

static const char *label(const struct option_def *o, const struct cfg_where *w,
                         char *buf, size_t cap)
{
    if ((o->flags & OPT_NAMED) && w->instance) {
        if (w->dotted)
            snprintf(buf, cap, "%s.%s.%s", o->section, w->instance, o->key);
        else
            snprintf(buf, cap, "[%s %s] %s", o->section, w->instance, o->key);
        return buf;
    }
    if (w->dotted)
        snprintf(buf, cap, "%s.%s", o->section, o->key);
    else
        snprintf(buf, cap, "[%s] %s", o->section, o->key);
    return buf;
}

/* One string (or list item) against o->check; reports and returns 0 when
 * it does not pass.  `v` is never echoed for secrets. */
static int check_value(const config *c, const struct option_def *o, const char *v,
                       struct cfg_where *w)
{
    char lb[96], ch[128];
    label(o, w, lb, sizeof(lb));
    switch (o->check) {
    case CHK_NONE:
        return 1;
    case CHK_REGION:
        if (option_is_region(v))
            return 1;
        cfg_report(w, "%s: '%s' is not a region name \xe2\x80\x94 write a name like us-east-1", lb, v);
        return 0;
    case CHK_REGION_OR_ALL:
        if (strcmp(v, "all") == 0 || option_is_region(v))
            return 1;
        cfg_report(w, "%s: '%s' is not a region name \xe2\x80\x94 write all, or names like us-east-1, eu-west-2", lb, v);
        return 0;
    case CHK_ACCOUNT:
        if (option_is_account(v))
            return 1;
        cfg_report(w, "%s: '%s' is not an account id \xe2\x80\x94 an account id is 12 digits, e.g. 123456789012", lb, v);
        return 0;
    case CHK_OU:
        if (option_is_ou(v))
            return 1;
        cfg_report(w, "%s: '%s' is not an organizational unit id \xe2\x80\x94 write ou-xxxx-xxxxxxxx, or a root id r-xxxx", lb, v);
        return 0;
    case CHK_CHOICE:
        if (choice_match(o->choices, v))
            return 1;
        choices_text(o->choices, ch, sizeof(ch));
        cfg_report(w, "%s: '%s' is not allowed \xe2\x80\x94 use some of: %s", lb, v, ch);
        return 0;
    case CHK_URL:
        if (is_url(v))
            return 1;
        cfg_report(w, "%s: '%s' is not a URL \xe2\x80\x94 write http://host[:port] or https://host[:port]", lb, v);
        return 0;
    case CHK_PATH:
        if (v[0] == '/')
            return 1;
        cfg_report(w, "%s: '%s' is not an absolute path \xe2\x80\x94 write a path starting with /", lb, v);
        return 0;
    case CHK_ROLE_NAME:
        if (all_of(v, 1, 64, "+=,.@_-"))
            return 1;
        cfg_report(w, "%s: '%s' is not a role name \xe2\x80\x94 use 1 to 64 letters, digits and +=,.@_-", lb, v);
        return 0;
    case CHK_SESSION_NAME:
        if (all_of(v, 2, 64, "+=,.@_-"))
            return 1;
        cfg_report(w, "%s: '%s' is not a session name \xe2\x80\x94 use 2 to 64 letters, digits and +=,.@_-", lb, v);
        return 0;
    case CHK_EXTERNAL_ID:
        if (all_of(v, 2, 1224, "+=,.@:/_-"))
            return 1;
        cfg_report(w, "%s is invalid \xe2\x80\x94 use 2 to 1224 letters, digits and +=,.@:/_-", lb);
        return 0;
    case CHK_RULE_ID: {
        char hint[512];
        if (!all_of(v, 1, 64, "_.-")) {
            cfg_report(w, "%s: '%s' is not a rule id \xe2\x80\x94 rule ids are made of letters, digits and _.-", lb, v);
            return 0;
        }
        if (!c->rule_check || c->rule_check(v, hint, sizeof(hint)))
            return 1;
        cfg_report(w, "%s: '%s' is not a rule \xe2\x80\x94 %s", lb, v, hint);
        return 0;
    case CHK_EMAIL:
        if (config_is_email(v))
            return 1;
        cfg_report(w, "%s: '%s' is not an e-mail address \xe2\x80\x94 write local@domain, e.g. secops@example.com", lb, v);
        return 0;
    case CHK_OWNERS: {
        char why[200];
        if (config_owners_parse(v, NULL, NULL, why, sizeof(why)) == 0)
            return 1;
        cfg_report(w, "%s: %s \xe2\x80\x94 write ID: mail, mail; ID: mail", lb, why);
        return 0;
    }
    case CHK_ARN:
        if (strncmp(v, "arn:", 4) == 0 && all_of(v, 12, 2048, ":/+=,.@_-"))
            return 1;
        cfg_report(w, "%s: '%s' is not an ARN \xe2\x80\x94 write arn:aws:service:region:account:resource", lb, v);
        return 0;
    case CHK_HOST:
        if (all_of(v, 1, 253, ".-:[]_"))
            return 1;
        cfg_report(w, "%s: '%s' is not a host name \xe2\x80\x94 write a name or address without scheme or port", lb, v);
        return 0;
    case CHK_ENV_NAME:
        if (all_of(v, 1, 128, "_") && !isdigit((unsigned char)v[0]))
            return 1;
        cfg_report(w, "%s: '%s' is not an environment variable name \xe2\x80\x94 use letters, digits and _", lb, v);
        return 0;
    case CHK_PROBE_TARGET: {
        char host[CONFIG_MAX_HOST + 1], addr[64], why[160];
        int port;
        if (config_probe_target_parse(v, host, sizeof(host), &port, addr, sizeof(addr),
                                      why, sizeof(why)) == 0)
            return 1;
        cfg_report(w, "%s: '%s': %s \xe2\x80\x94 write host, host:port or host:port@address", lb, v, why);
        return 0;
    }
    case CHK_DNS_SERVER:
        if (dns_server_check(v) == 0)
            return 1;
        cfg_report(w, "%s: '%s' is not a name server \xe2\x80\x94 write an IP address with an optional port: 10.0.0.2, 127.0.0.1:5353, [2001:db8::53]:53", lb, v);
        return 0;
    case CHK_RATE_OVERRIDE: {
        const aws_rate_limit *row;
        double rate;
        char why[320];
        if (aws_rates_parse_override(v, &row, &rate, why, sizeof(why)) == 0)
            return 1;
        cfg_report(w, "%s: %s", lb, why);
        return 0;
    }
    }
    }
    return 1;
}

/* ---- text helpers ---- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Removes one pair of matching surrounding quotes.  Returns 0, or -1 for an
 * unbalanced quote. */
static int unquote(char **ps)
{
    char *s = *ps;
    size_t n = strlen(s);
    if (n == 0 || (s[0] != '"' && s[0] != '\''))
        return (n > 0 && (s[n - 1] == '"' || s[n - 1] == '\'')) ? -1 : 0;
    if (n < 2 || s[n - 1] != s[0])
        return -1;
    s[n - 1] = '\0';
    *ps = s + 1;
    return 0;
}

static void wipe(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
}

/* ---- lists ---- */

void config_list_free(config_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int config_list_contains(const config_list *l, const char *s)
{
    if (!l || !s)
        return 0;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static int list_push(config_list *l, const char *s)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v)
        return AWS_ENOMEM;
    l->v = v;
    if (!(v[l->n] = strdup(s)))
        return AWS_ENOMEM;
    l->n++;
    return 0;
}

/* Splits a comma list: items are trimmed and may be quoted; "" is the empty
 * list; a trailing comma is allowed (a list continued on the next line);
 * an empty item elsewhere or an unbalanced quote is AWS_EINVAL. */
int config_list_parse(config_list *l, const char *value)
{
    config_list out = { NULL, 0 };
    char *copy = strdup(value ? value : "");
    int rc = 0;
    if (!copy)
        return AWS_ENOMEM;
    char *p = trim(copy);
    if (*p) {
        size_t n = strlen(p);
        if (p[n - 1] == ',')
            p[n - 1] = '\0';
        for (;;) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            char *item = trim(p);
            if (unquote(&item) < 0 || !*item) {
                rc = AWS_EINVAL;
                goto done;
            }
            if ((rc = list_push(&out, item)) < 0)
                goto done;
            if (!comma)
                break;
            p = comma + 1;
        }
    }
    config_list_free(l);
    *l = out;
    out.v = NULL;
    out.n = 0;
done:
    config_list_free(&out);
    free(copy);
    return rc;
}

/* ---- one option ---- */

static void *field(void *c, const struct option_def *o)
{
    return (char *)c + o->offset;
}

void option_clear(config *c, const struct option_def *o)
{
    option_clear_in(c, o);
}

void option_clear_in(void *c, const struct option_def *o)
{
    void *f = field(c, o);
    switch (o->type) {
    case OPT_STRING:
    case OPT_ENUM: {
        char **s = f;
        if (o->flags & OPT_SECRET)
            wipe(*s);
        free(*s);
        *s = NULL;
        break;
    }
    case OPT_LIST:
        config_list_free(f);
        break;
    case OPT_BOOL:
    case OPT_INT:
        *(int *)f = 0;
        break;
    case OPT_TIERS:
        memset(f, 0, sizeof(config_tiers));
        break;
    }
}

char *option_default_state_dir(void)
{
    /* systemd sets STATE_DIRECTORY for a unit with StateDirectory=; it may
     * list several directories separated by ':', the first is ours. */
    const char *sd = getenv("STATE_DIRECTORY");
    if (sd && sd[0] == '/') {
        size_t n = strcspn(sd, ":");
        char *d = malloc(n + 1);
        if (d) {
            memcpy(d, sd, n);
            d[n] = '\0';
        }
        return d;
    }
    if (geteuid() == 0)
        return strdup("/var/lib/certsweep");
    const char *xdg = getenv("XDG_STATE_HOME");
    char buf[4096];
    if (xdg && xdg[0] == '/') {
        if (snprintf(buf, sizeof(buf), "%s/certsweep", xdg) < (int)sizeof(buf))
            return strdup(buf);
        return NULL;
    }
    const char *home = getenv("HOME");
    struct passwd pw, *res = NULL;
    char pwbuf[4096];
    if (!home || home[0] != '/') {
        if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 || !res ||
            !pw.pw_dir || pw.pw_dir[0] != '/')
            return NULL;
        home = pw.pw_dir;
    }
    if (snprintf(buf, sizeof(buf), "%s/.local/state/certsweep", home) < (int)sizeof(buf))
        return strdup(buf);
    return NULL;
}

static int parse_long(const char *s, long *out)
{
    if (!*s || isspace((unsigned char)*s))
        return -1;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE)
        return -2;
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int set_int(void *c, const struct option_def *o, const char *v,
                   struct cfg_where *w, const char *lb)
{
    long n = 0;
    int r = parse_long(v, &n);
    if (r == -1) {
        cfg_report(w, "%s: '%s' is not a whole number \xe2\x80\x94 write an integer from %ld to %ld",
                   lb, v, o->min, o->max);
        return AWS_EINVAL;
    }
    if (r == -2 || n < o->min || n > o->max) {
        cfg_report(w, "%s: %s is out of range \xe2\x80\x94 use a value from %ld to %ld",
                   lb, v, o->min, o->max);
        return AWS_EINVAL;
    }
    *(int *)field(c, o) = (int)n;
    return 0;
}

static int set_bool(void *c, const struct option_def *o, const char *v,
                    struct cfg_where *w, const char *lb)
{
    static const char *const yes[] = { "true", "yes", "on", "1", NULL };
    static const char *const no[] = { "false", "no", "off", "0", NULL };
    if (choice_match(yes, v))
        *(int *)field(c, o) = 1;
    else if (choice_match(no, v))
        *(int *)field(c, o) = 0;
    else {
        cfg_report(w, "%s: '%s' is not a boolean \xe2\x80\x94 use true/false, yes/no, on/off or 1/0", lb, v);
        return AWS_EINVAL;
    }
    return 0;
}

static int set_tiers(void *c, const struct option_def *o, const char *v,
                     struct cfg_where *w, const char *lb)
{
    config_list parts = { NULL, 0 };
    long t[3] = { 0, 0, 0 };
    int rc = config_list_parse(&parts, v);
    if (rc == AWS_ENOMEM)
        return rc;
    if (rc < 0 || parts.n != 3 || v[strlen(v) - 1] == ',') {
        cfg_report(w, "%s: '%s' is not three day counts \xe2\x80\x94 write medium,high,critical, e.g. 45,30,7", lb, v);
        rc = AWS_EINVAL;
        goto done;
    }
    for (size_t i = 0; i < 3; i++) {
        int r = parse_long(parts.v[i], &t[i]);
        if (r == -1) {
            cfg_report(w, "%s: '%s' is not a whole number \xe2\x80\x94 write medium,high,critical day counts, e.g. 45,30,7",
                       lb, parts.v[i]);
            rc = AWS_EINVAL;
            goto done;
        }
        if (r == -2 || t[i] < o->min || t[i] > o->max) {
            cfg_report(w, "%s: %s is out of range \xe2\x80\x94 each tier is from %ld to %ld days (0 turns it off)",
                       lb, parts.v[i], o->min, o->max);
            rc = AWS_EINVAL;
            goto done;
        }
    }
    /* Among the tiers that are on: medium >= high >= critical. */
    static const char *const names[] = { "medium", "high", "critical" };
    for (size_t i = 0; i < 3; i++)
        for (size_t j = i + 1; j < 3; j++)
            if (t[i] > 0 && t[j] > 0 && t[i] < t[j]) {
                cfg_report(w, "%s: %s (%ld days) is less than %s (%ld days) \xe2\x80\x94 order the tiers medium >= high >= critical, e.g. 45,30,7",
                           lb, names[i], t[i], names[j], t[j]);
                rc = AWS_EINVAL;
                goto done;
            }
    config_tiers *ft = field(c, o);
    ft->medium = (int)t[0];
    ft->high = (int)t[1];
    ft->critical = (int)t[2];
done:
    config_list_free(&parts);
    return rc;
}

static int set_list(void *c, const struct option_def *o, const char *v, int append,
                    struct cfg_where *w, const char *lb)
{
    config_list add = { NULL, 0 }, merged = { NULL, 0 };
    config_list *cur = field(c, o);
    int rc = config_list_parse(&add, v);
    if (rc == AWS_ENOMEM)
        return rc;
    if (rc < 0) {
        cfg_report(w, "%s: empty item or unbalanced quote in '%s' \xe2\x80\x94 separate items with single commas", lb, v);
        return AWS_EINVAL;
    }
    int bad = 0;
    for (size_t i = 0; i < add.n; i++)
        if (!check_value(c, o, add.v[i], w))
            bad = 1;
    if (bad) {
        rc = AWS_EINVAL;
        goto done;
    }
    /* The new list: the current one (when continuing) plus the new items. */
    if (append)
        for (size_t i = 0; i < cur->n; i++)
            if ((rc = list_push(&merged, cur->v[i])) < 0)
                goto done;
    for (size_t i = 0; i < add.n; i++) {
        const char *item = add.v[i];
        if (o->check == CHK_CHOICE)
            item = choice_match(o->choices, item);
        if (config_list_contains(&merged, item)) {
            cfg_report(w, "%s: '%s' is listed twice \xe2\x80\x94 list each item once", lb, item);
            rc = AWS_EINVAL;
            goto done;
        }
        if ((rc = list_push(&merged, item)) < 0)
            goto done;
    }
    if ((o->flags & OPT_NONEMPTY) && merged.n == 0) {
        cfg_report(w, "%s: must not be empty \xe2\x80\x94 write at least one item (default: %s)", lb, o->def);
        rc = AWS_EINVAL;
        goto done;
    }
    if (o->check == CHK_REGION_OR_ALL && merged.n > 1 && config_list_contains(&merged, "all")) {
        cfg_report(w, "%s: 'all' is mixed with region names \xe2\x80\x94 write either all or a list of regions", lb);
        rc = AWS_EINVAL;
        goto done;
    }
    config_list_free(cur);
    *cur = merged;
    merged.v = NULL;
    merged.n = 0;
done:
    config_list_free(&merged);
    config_list_free(&add);
    return rc;
}

static int set_string(void *c, const struct option_def *o, const char *v,
                      struct cfg_where *w, const char *lb)
{
    char *nv = NULL;
    if (o->type == OPT_ENUM) {
        const char *m = choice_match(o->choices, v);
        if (!m) {
            char ch[128];
            choices_text(o->choices, ch, sizeof(ch));
            cfg_report(w, "%s: '%s' is not allowed \xe2\x80\x94 use one of: %s", lb, v, ch);
            return AWS_EINVAL;
        }
        if (!(nv = strdup(m)))
            return AWS_ENOMEM;
    } else if (!*v) {
        if (o->flags & OPT_NONEMPTY) {
            cfg_report(w, "%s: must not be empty \xe2\x80\x94 write a value (default: %s)", lb, o->def);
            return AWS_EINVAL;
        }
        if ((o->flags & OPT_COMPUTED) && !(nv = option_default_state_dir()))
            return AWS_ENOMEM;
    } else {
        if (!check_value(c, o, v, w))
            return AWS_EINVAL;
        if (!(nv = strdup(v)))
            return AWS_ENOMEM;
    }
    option_clear_in(c, o);
    *(char **)field(c, o) = nv;
    return 0;
}

int option_set(config *c, const struct option_def *o, const char *value,
               int append, struct cfg_where *w)
{
    return option_set_in(c, o, value, append, w);
}

int option_set_in(void *c, const struct option_def *o, const char *value,
                  int append, struct cfg_where *w)
{
    char lb[96];
    label(o, w, lb, sizeof(lb));
    if (append && o->type != OPT_LIST) {
        cfg_report(w, "%s: an indented line continues the value, but only lists may span lines \xe2\x80\x94 remove the indentation%s",
                   lb, strchr(value, '=') ? " if this line is a new key" : " or join the lines");
        return AWS_EINVAL;
    }
    char *copy = strdup(value ? value : "");
    int rc;
    if (!copy)
        return AWS_ENOMEM;
    char *v = trim(copy);
    /* A list may be quoted as a whole ("a, b") or item by item. */
    if (o->type == OPT_LIST) {
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0] &&
            !memchr(v + 1, v[0], n - 2)) {
            v[n - 1] = '\0';
            v++;
        }
    }
    if (o->type != OPT_LIST && unquote(&v) < 0) {
        if (o->flags & OPT_SECRET)
            cfg_report(w, "%s is invalid: unbalanced quote \xe2\x80\x94 close the quote", lb);
        else
            cfg_report(w, "%s: unbalanced quote in '%s' \xe2\x80\x94 close the quote", lb, v);
        rc = AWS_EINVAL;
        goto done;
    }
    switch (o->type) {
    case OPT_STRING:
    case OPT_ENUM:
        rc = set_string(c, o, v, w, lb);
        break;
    case OPT_BOOL:
        rc = set_bool(c, o, v, w, lb);
        break;
    case OPT_INT:
        rc = set_int(c, o, v, w, lb);
        break;
    case OPT_TIERS:
        rc = set_tiers(c, o, v, w, lb);
        break;
    case OPT_LIST:
        rc = set_list(c, o, v, append, w, lb);
        break;
    default:
        rc = AWS_EINVAL;
    }
done:
    if (o->flags & OPT_SECRET)
        wipe(copy);
    free(copy);
    return rc;
}

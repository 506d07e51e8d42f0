/* certsweep — configuration.
 *
 * Every option is one row of a table (section, key, type, default, range,
 * help) in options.c; loading, validation, `check-config`, the --help text
 * of the options and the example config all come from that table.  The
 * loaded values land in this plain struct, which the rest of the program
 * reads.  Unknown sections and keys are errors.  Lists are comma-separated.
 */
#ifndef CONFIG_CONFIG_H
#define CONFIG_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef struct config_list {
    char **v;
    size_t n;
} config_list;

/* Tiered day thresholds: a certificate within `critical` days is CRITICAL,
 * within `high` HIGH, within `medium` MEDIUM.  0 disables a tier. */
typedef struct config_tiers {
    int medium, high, critical;
} config_tiers;

/* One [webhook NAME] section: a ticket or chat channel (notify/tickets.c).
 * Secrets never live here: secret_file / secret_env name where to read
 * them. */
typedef struct config_webhook {
    char *name;                    /* NAME of [webhook NAME] */
    char *type;                    /* generic | jira | servicenow | pagerduty | slack | teams */
    char *url;                     /* base URL (jira, servicenow) or endpoint; NULL: type default */
    char *secret_file;             /* file holding the secret (absolute path) */
    char *secret_env;              /* or: environment variable holding it */
    char *group_by;                /* finding | account */
    char *min_severity;            /* informational .. critical */
    char *project;                 /* jira: project key */
    char *issue_type;              /* jira: issue type name ("Task") */
    char *resolve_transition;      /* jira: transition name on resolve; NULL: comment only */
    char *close_code;              /* servicenow: close_code on resolve */
    int   timeout_seconds;         /* per request, 15 */
} config_webhook;

/* Checks a rule id for the options that name rules ([rules]
 * disabled_rules).  config/ knows nothing of rules: the tool sets one in
 * config.rule_check (scanner_rule_check) before loading, and unknown ids
 * are then errors of the line that names them; NULL checks only their
 * syntax.  Returns 1 when id names a rule; else 0, with the rest of the
 * message in hint ("did you mean 'expired'? rules are: ..."). */
typedef int (*config_rule_check_fn)(const char *id, char *hint, size_t n);

typedef struct config {
    /* [aws] */
    char *profile;                 /* NULL: AWS_PROFILE or "default" */
    char *region;                  /* region for STS/Organizations calls; NULL: AWS_REGION/AWS_DEFAULT_REGION/profile/us-east-1 */
    char *ca_bundle;
    char *endpoint_url;            /* overrides every service endpoint (e.g. a local emulator) */
    int   allow_insecure_endpoints; /* 0: http:// only to loopback */
    int   fips;
    int   max_attempts;            /* 8 */
    int   retry_budget;            /* 500 */
    int   timeout_seconds;         /* per request, 30 */

    config_list rate_overrides;    /* "acm:DescribeCertificate=20", ... (aws/rates.h) */

    /* [scan] */
    config_list accounts;          /* empty: from Organizations */
    config_list organizational_units;
    config_list include_accounts;
    config_list exclude_accounts;
    config_list exclude_ous;
    config_list regions;           /* ["all"] by default */
    char *role_name;               /* "CertSweepAudit" */
    char *role_session_name;       /* "certsweep" */
    char *external_id;             /* NULL: none; never logged */
    int   role_duration_seconds;   /* 3600 */
    int   assume_role_in_caller_account; /* 0 */
    config_list collectors;        /* acm,apigateway,apigatewayv2,iam */
    char *suppressions;            /* path of the suppressions file (scanner/suppress.h); NULL: none */
    int   concurrency;             /* calls in flight, 32 */
    char *describe;                /* "needed" | "all" (ACM DescribeCertificate) */
    int   detail_max_age;          /* days a cached describe is reused, 7 */
    int   tags;                    /* read the tags of resources and accounts with findings */
    char *fail_on;                 /* "high" (a severity, or "none") */
    char *format;                  /* "table" (or json, csv, asff, prometheus) */

    /* [rules] */
    config_tiers expiring;             /* 45,30,7 */
    config_tiers expiring_managed;     /* 30,14,7: certificates ACM renews by itself */
    config_tiers client_certificate;   /* 45,30,7 */
    config_tiers iam_server_certificate; /* 45,30,7 */
    int   pending_validation_max_days; /* 3 */
    int   renewal_pending_days;        /* 30 */
    int   domain_upload_max_days;      /* 395 */
    int   stage_without_client_certificate; /* 0: off */
    config_list disabled_rules;

    /* [securityhub]: the export runs only when the config has this section
     * (and enabled is not false) or `scan --securityhub` asks. */
    int   securityhub_section;     /* a [securityhub] section was read */
    int   securityhub_enabled;     /* 1: export when the section is there */
    char *securityhub_region;      /* home region; NULL: [aws] region */
    char *securityhub_mode;        /* "member" | "central" */

    /* [notify] (digests; the tickets' [webhook NAME] sections are their own) */
    char *notify_min_severity;     /* "medium": lower findings are counted, not listed */
    int   notify_repeat_days;      /* 7: repeat open findings at most this often */
    char *notify_templates_dir;    /* NULL: the installed templates, else the built-in ones */
    int   notify_retry_backoff;    /* 300: seconds before the first retry, doubled each time */

    /* [email] (enabled when smtp_host is set) */
    char *email_smtp_host;
    int   email_smtp_port;         /* 587 */
    char *email_tls;               /* "starttls" | "none" (loopback only) */
    char *email_ca_file;           /* PEM CA file; NULL: the system store */
    char *email_username;          /* NULL: no AUTH */
    char *email_password_file;     /* the password, read at send time */
    char *email_password_env;      /* or the name of an environment variable holding it */
    char *email_from;
    config_list email_org_to;
    char *email_account_owners;    /* "ID: a@x, b@y; ID2: c@z" */
    char *email_owner_tag;         /* Organizations account tag naming the owners */
    int   email_use_account_email; /* 0 */
    int   email_timeout_seconds;   /* 60 */

    /* [sns] (enabled when topic_arn is set) */
    char *sns_topic_arn;
    char *sns_role_arn;

    /* [state] */
    char *state_dir;               /* $STATE_DIRECTORY, else "/var/lib/certsweep" as root, else $XDG_STATE_HOME/certsweep */

    /* [probe]: the served-certificate probe (scanner/served.h) */
    int   probe_enabled;           /* 0 */
    int   probe_concurrency;       /* TLS handshakes in flight, 64 */
    int   probe_timeout;           /* seconds for resolve + connect + handshake, 10 */
    config_list probe_hosts;       /* "host[:port][@address]" */
    char *probe_ca_file;           /* PEM bundle instead of the system store; NULL: system */
    /* [dns] (the renewal-at-risk rule's validation record lookups) */
    int   dns_enabled;             /* 0: no lookups */
    config_list dns_servers;       /* "IP[:port]", "[IPv6][:port]"; empty: resolv.conf */
    int   dns_timeout_ms;          /* per try, 2000 */
    int   dns_tries;               /* 2 */
    int   dns_max_lookups_per_second; /* 50; 0: no cap */

    /* [metrics] */
    char *metrics_textfile;        /* Prometheus text file written after each scan; NULL: none */
    int   metrics_max_certificates; /* NotAfter series kept for certificates without findings, 10000 */

    /* [webhook NAME] sections, in file order */
    config_webhook *webhooks;
    size_t n_webhooks;

    /* Not an option: set by the tool after config_init (see above). */
    config_rule_check_fn rule_check;
} config;

/* Fills defaults (no I/O). */
void config_init(config *c);
void config_finish(config *c);

/* Loads an INI file over the current values.  Every problem is written to
 * errs as "file:line: problem" (one line each) and counted; returns 0 when
 * none, AWS_EINVAL when some, AWS_ENOTFOUND/AWS_EIO when the file cannot be
 * read (message written too). */
int config_load_file(config *c, const char *path, FILE *errs);
/* Same, from memory (tests). `name` is used in messages. */
int config_load_string(config *c, const char *name, const char *text, FILE *errs);
/* Cross-field validation after loading and flags. */
int config_validate(const config *c, FILE *errs);
/* Same, with messages prefixed "name: " (e.g. the file checked). */
int config_validate_as(const config *c, const char *name, FILE *errs);

/* Sets one option from "section.key" = value (used for flags); same
 * validation as the file. */
int config_set(config *c, const char *dotted_key, const char *value, FILE *errs);

/* Writes an example config with every option, its default and help. */
void config_write_example(FILE *out);
/* Writes every option as "section.key (type; default: ...)" and its help,
 * for a command's --help. */
void config_write_help(FILE *out);
/* One option of the table, as the man page describes it. */
typedef struct config_option_info {
    const char *section;
    const char *key;
    char type[160];                /* "integer, 1..20", "one of: table, json, ..." */
    const char *def;               /* default as text; NULL: unset */
    const char *help;
    int secret;                    /* never printed */
    int named;                     /* in named sections: [section NAME], any number of them */
} config_option_info;
size_t config_option_count(void);
/* Fills out for option i < config_option_count(), in table order. */
void config_option_describe(size_t i, config_option_info *out);
/* The config file to read when none is given: $CERTSWEEP_CONFIG, else
 * /etc/certsweep/certsweep.conf if it exists, else NULL (built-in
 * defaults). */
const char *config_default_path(void);
/* The webhook named `name`, or NULL. */
const config_webhook *config_webhook_find(const config *c, const char *name);
/* Adds [webhook NAME] with every key at its default; AWS_EINVAL when the
 * name is taken or not a name, AWS_ENOMEM.  *out (may be NULL) receives its
 * index. */
int config_webhook_add(config *c, const char *name, size_t *out);
/* Parses a comma list into l (replacing it). */
/* Levenshtein distance of a and b, letters compared without case, for the
 * did-you-mean hints of config keys, sections and rule ids.  A string
 * longer than CONFIG_EDIT_DISTANCE_MAX_LEN characters is never close:
 * SIZE_MAX. */
#define CONFIG_EDIT_DISTANCE_MAX_LEN 64
size_t config_edit_distance(const char *a, const char *b);

int config_list_parse(config_list *l, const char *value);
void config_list_free(config_list *l);
int config_list_contains(const config_list *l, const char *s);

/* Longest host name of a [probe] hosts item. */
#define CONFIG_MAX_HOST 253
/* A [probe] hosts item "host[:port][@address]": host (a name, an IPv4
 * address or a bracketed IPv6 one; no wildcard), port (default 443),
 * address (an IP literal to connect to instead of resolving host; SNI is
 * still host).  0, or AWS_EINVAL with a one-line reason in why. */
int config_probe_target_parse(const char *s, char *host, size_t hostlen, int *port,
                              char *address, size_t addrlen, char *why, size_t whylen);

/* 1 when s looks like an e-mail address (local@domain.tld: no spaces,
 * quotes, angle brackets or control characters). */
int config_is_email(const char *s);
/* Parses [email] account_owners, "ID: mail, mail; ID: mail": cb (may be
 * NULL: only check) gets each (account, address) pair in order.  Returns 0,
 * AWS_EINVAL with a one-line reason in why, AWS_ENOMEM, or cb's non-zero
 * return. */
int config_owners_parse(const char *text,
                        int (*cb)(const char *account, const char *mail, void *ud),
                        void *ud, char *why, size_t whylen);

#endif

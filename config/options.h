/* certsweep — the option table (private to config/).
 *
 * One row per field of struct config.  Defaults, loading, config_set,
 * validation, the example file and the option help are all driven by
 * config_options[]; there is no second list of options anywhere.
 */
#ifndef CONFIG_OPTIONS_H
#define CONFIG_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"

enum opt_type {
    OPT_STRING,     /* char *; "" means unset (NULL) unless OPT_NONEMPTY */
    OPT_BOOL,       /* int 0/1 */
    OPT_INT,        /* int in [min, max] */
    OPT_ENUM,       /* char *, one of choices */
    OPT_LIST,       /* config_list, comma-separated, items checked by `check` */
    OPT_TIERS,      /* config_tiers "medium,high,critical" */
};

/* What a string or a list item must look like. */
enum opt_check {
    CHK_NONE,
    CHK_REGION,         /* us-east-1, us-gov-west-1, cn-north-1, ... */
    CHK_REGION_OR_ALL,  /* a region or the word "all" (alone) */
    CHK_ACCOUNT,        /* 12 digits */
    CHK_OU,             /* ou-xxxx-xxxxxxxx or r-xxxx */
    CHK_CHOICE,         /* one of choices (list items) */
    CHK_URL,            /* http:// or https:// */
    CHK_PATH,           /* absolute path */
    CHK_ROLE_NAME,      /* IAM role name */
    CHK_SESSION_NAME,   /* STS role session name */
    CHK_EXTERNAL_ID,    /* STS external id (secret: never echoed) */
    CHK_RULE_ID,        /* [a-z0-9_.-]+ */
    CHK_EMAIL,          /* local@domain, no spaces or angle brackets */
    CHK_OWNERS,         /* "ID: mail, mail; ID: mail" (config_owners_parse) */
    CHK_ARN,            /* arn:partition:service:... */
    CHK_HOST,           /* host name or address, no scheme, no spaces */
    CHK_ENV_NAME,       /* [A-Za-z_][A-Za-z0-9_]* */
    CHK_RATE_OVERRIDE,  /* service:Operation=RATE of aws/rates.h */
    CHK_PROBE_TARGET,   /* host[:port][@address] (config_probe_target_parse) */
    CHK_DNS_SERVER,     /* IP, IP:port, [IPv6], [IPv6]:port (dns/server.h) */
};

enum {
    OPT_SECRET   = 1 << 0,  /* value never appears in messages; wiped on free */
    OPT_NONEMPTY = 1 << 1,  /* "" (or an empty list) is an error */
    OPT_COMPUTED = 1 << 2,  /* "" means: compute the default (state dir) */
    OPT_NAMED    = 1 << 3,  /* a key of a named section ([webhook NAME]): offset
                             * is into that section's struct (config_webhook),
                             * one instance per section name */
};

struct option_def {
    const char *section;
    const char *key;
    enum opt_type type;
    enum opt_check check;
    unsigned flags;
    size_t offset;                  /* offsetof(struct config, field) */
    const char *def;                /* default as text; NULL or "": unset */
    long min, max;                  /* OPT_INT */
    const char *const *choices;     /* OPT_ENUM, CHK_CHOICE; NULL-terminated */
    const char *help;               /* one sentence or two */
};

extern const struct option_def config_options[];
extern const size_t config_options_count;

/* Where a value came from, for messages: "name:line: " (file), "name: "
 * (line 0) or nothing (name NULL).  `dotted` labels options "scan.regions"
 * instead of "[scan] regions".  Counts the problems reported. */
struct cfg_where {
    FILE *errs;
    const char *name;
    int line;
    int dotted;
    int errors;
    const char *instance;           /* NAME of the [section NAME] being set, or NULL */
};

void cfg_report(struct cfg_where *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The option for section/key, or NULL. */
const struct option_def *option_find(const char *section, const char *key);
/* 1 when some option lives in this section. */
int option_section_known(const char *section);

/* Parses `value` (quotes allowed) and stores it in c.  append: add list
 * items to the current list (continuation lines).  On a problem, reports
 * it through w, leaves the field unchanged and returns AWS_EINVAL;
 * AWS_ENOMEM on allocation failure. */
int option_set(config *c, const struct option_def *o, const char *value,
               int append, struct cfg_where *w);
/* Frees the field (wipes secrets) and zeroes it. */
void option_clear(config *c, const struct option_def *o);
/* The same two on any struct the row's offset is into: the config itself,
 * or the config_webhook of an OPT_NAMED row. */
int option_set_in(void *base, const struct option_def *o, const char *value,
                  int append, struct cfg_where *w);
void option_clear_in(void *base, const struct option_def *o);
/* 1 when `section` names a kind of named section ("webhook"). */
int option_section_named(const char *section);
/* A section name: 1 to 32 letters, digits, '_' and '-'. */
int option_is_instance_name(const char *s);

/* The built-in state directory (NULL on allocation failure). */
char *option_default_state_dir(void);

/* Checks one region name / account id / OU id. */
int option_is_region(const char *s);
int option_is_account(const char *s);
int option_is_ou(const char *s);

#endif

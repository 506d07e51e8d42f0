/* certsweep — findings and coverage gaps: the only things sinks read.
 *
 * A finding is a plain struct; its id is a stable hash of (account, region,
 * resource, rule) so that re-runs update in place (Security Hub, tickets).
 */
#ifndef SCANNER_FINDING_H
#define SCANNER_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "aws/endpoints.h"
#include "scanner/record.h"

typedef enum scanner_severity {
    SCANNER_SEV_INFORMATIONAL = 0,
    SCANNER_SEV_LOW,
    SCANNER_SEV_MEDIUM,
    SCANNER_SEV_HIGH,
    SCANNER_SEV_CRITICAL,
} scanner_severity;

const char *scanner_severity_name(scanner_severity s);      /* "CRITICAL", ... */
/* Case-insensitive; returns 0 or AWS_EINVAL. "none" is not a severity. */
int scanner_severity_parse(const char *s, scanner_severity *out);

/* How a finding relates to earlier runs (scanner/resolve.h decides). */
typedef enum scanner_label {
    SCANNER_LABEL_NONE = 0,         /* not labelled (no state, or not asked) */
    SCANNER_LABEL_NEW,              /* not open in an earlier run */
    SCANNER_LABEL_ESCALATED,        /* open before at a lower severity */
    SCANNER_LABEL_UNCHANGED,        /* open before, same or lower severity */
    SCANNER_LABEL_RESOLVED,         /* open before, gone, and its source was read in full now */
} scanner_label;

const char *scanner_label_name(scanner_label l);            /* "new", ...; "" for NONE */

typedef struct scanner_finding {
    char id[65];                    /* hex SHA-256 of account|region|resource|rule */
    const char *rule;               /* static rule id, e.g. "expiring" */
    scanner_severity severity;
    char *account_id;
    char *region;
    scanner_source source;
    char *resource_type;            /* "AwsCertificateManagerCertificate", ... */
    char *resource_arn;
    char *resource_id;              /* short id / domain */
    char *domain;
    int64_t not_after;              /* 0 when not applicable */
    int64_t days_to_expiry;         /* scanner_days_until(): whole days, toward zero; meaningful when not_after != 0 */
    char *title;                    /* one line */
    char *details;                  /* human text, may be multi-line */
    char *details_json;             /* JSON object with structured details (string) */
    const char *remediation;        /* static text */
    char *console_url;              /* link to the resource in the console */
    scanner_label label;            /* against earlier runs */
    scanner_severity prev_severity; /* ESCALATED / UNCHANGED / RESOLVED: the severity before */
    int64_t first_seen;             /* first run that produced it (0: unknown) */
    /* Set when a suppression (scanner/suppress.h) matched: the entry's name
     * and reason, and when it ends.  NULL: not suppressed. */
    char *suppressed_by;
    char *suppressed_reason;
    int64_t suppressed_until;
    /* Who and what it is about: the account's Organizations name and OU
     * path ("Root/Production/Payments"), NULL when not known (accounts
     * from the config, a walk that failed); the resource's tags and the
     * account's Organizations tags (empty when none or not read). */
    char *account_name;
    char *ou_path;
    scanner_tags tags;
    scanner_tags account_tags;
} scanner_finding;

typedef struct scanner_gap {
    char *account_id;
    char *region;                   /* "global" or "*" for account-wide */
    char *operation;                /* "AssumeRole", "ListCertificates", ... */
    char *error_code;               /* AWS error code, or "Timeout", ... */
    char *message;
    char *account_name;             /* the account's name; NULL when unknown */
} scanner_gap;

typedef struct scanner_findings {
    scanner_finding *v;
    size_t n, cap;
    scanner_gap *gaps;
    size_t n_gaps, cap_gaps;
    /* Findings of earlier runs that this run resolved (label RESOLVED):
     * not current findings, listed so that reports and digests can say so. */
    scanner_finding *resolved;
    size_t n_resolved, cap_resolved;
} scanner_findings;

void scanner_findings_init(scanner_findings *f);
void scanner_findings_finish(scanner_findings *f);
/* Takes ownership of the strings in *fd (the struct is copied). */
int  scanner_findings_add(scanner_findings *f, scanner_finding *fd);
/* The same for the resolved list. */
int  scanner_findings_add_resolved(scanner_findings *f, scanner_finding *fd);
int  scanner_findings_add_gap(scanner_findings *f, const char *account,
                              const char *region, const char *operation,
                              const char *code, const char *message);
/* Adds a copy of g (another list's gap), its account name too. */
int  scanner_findings_copy_gap(scanner_findings *f, const scanner_gap *g);
/* Keeps the findings for which keep() returns non-zero (in order) and
 * releases the others; gaps and the resolved list are untouched.  Returns
 * the number dropped. */
size_t scanner_findings_keep(scanner_findings *f,
                             int (*keep)(const scanner_finding *fd, void *ud), void *ud);
/* 1 when a finding not suppressed is at or above the severity fail_on
 * ("high"; "none" or NULL: never) — the exit status 1 of scan and merge. */
int  scanner_findings_fail(const scanner_findings *f, const char *fail_on);
/* Worst first, then soonest expiry, then account, region, resource. */
void scanner_findings_sort(scanner_findings *f);
/* The order of scanner_findings_sort: <0, 0 or >0 as a comes before, with
 * or after b. */
int  scanner_finding_cmp(const scanner_finding *a, const scanner_finding *b);
/* Frees the strings a finding owns (not fd itself); fields are left
 * dangling. */
void scanner_finding_release(scanner_finding *fd);
/* A UTC time as "2026-11-23T08:45:28Z" (with_time) or "2026-11-23"; "?"
 * when it cannot be shown. */
void scanner_fmt_time(int64_t t, int with_time, char *buf, size_t n);
/* Computes the stable id. */
void scanner_finding_id(const char *account, const char *region,
                        const char *resource, const char *rule, char out[65]);
/* The SHA-256 of s as 64 hex digits (zeros if it cannot be computed). */
void scanner_sha256_hex(const char *s, char out[65]);

/* ---- run statistics --------------------------------------------------- */

typedef struct scanner_stats {
    uint64_t accounts;
    uint64_t regions;
    uint64_t account_regions;       /* (account, region) targets scanned */
    uint64_t api_calls;
    uint64_t retries;
    uint64_t throttled;
    uint64_t api_calls_by_service[AWS_SVC__COUNT];  /* of api_calls, per aws_service */
    uint64_t throttled_by_service[AWS_SVC__COUNT];  /* of throttled, per aws_service */
    uint64_t certificates;          /* records judged */
    uint64_t describes;             /* ACM DescribeCertificate calls made */
    uint64_t describes_saved;       /* ACM certificates judged from their summary */
    uint64_t detail_cache_hits;     /* ACM certificates judged from a cached describe */
    uint64_t apigw_stage_calls;     /* API Gateway GetRestApis and GetStages calls made */
    uint64_t apigw_stage_reads_saved; /* account-regions whose stages no rule needed */
    uint64_t dns_lookups;           /* validation records looked up in DNS ([dns]) */
    uint64_t findings[SCANNER_SEV_CRITICAL + 1];   /* by severity */
    uint64_t gaps;
    int64_t  wall_ms;
    int shard_index, shard_count;   /* --shard K/N; 0/0: every account */
} scanner_stats;

void scanner_stats_init(scanner_stats *st);
/* Sets st->findings[] and st->gaps from f. */
void scanner_stats_tally(scanner_stats *st, const scanner_findings *f);

#endif

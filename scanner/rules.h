/* certsweep — the certificate rules (the "judge").
 *
 * Pure code: reads the scanner_record set of one account and region plus
 * the [rules] thresholds of a config, and appends scanner_finding values.
 * No I/O, no clock (the caller passes as_of), so every rule is testable
 * offline.
 *
 * Rule ids are stable: they appear in finding ids, Security Hub, tickets
 * and [rules] disabled_rules.
 */
#ifndef SCANNER_RULES_H
#define SCANNER_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/record.h"

typedef struct scanner_rule {
    const char *id;                 /* "expiring", ... */
    scanner_severity severity;      /* default (tiered rules: the worst tier) */
    const char *title;              /* short name */
    const char *description;        /* what it checks, one paragraph */
    const char *remediation;        /* what to do (static; findings point here) */
} scanner_rule;

/* The rule table: NULL when id is unknown. */
const scanner_rule *scanner_rule_find(const char *id);
size_t scanner_rule_count(void);
const scanner_rule *scanner_rule_at(size_t i);   /* NULL past the end */

/* The AWS documentation page behind a rule (never NULL for a known id). */
const char *scanner_rule_doc_url(const char *id);
/* The rule's thresholds as cfg sets them, one line ("45 / 30 / 7 days
 * (MEDIUM / HIGH / CRITICAL)"), or "" for a rule without thresholds.
 * Writes to buf and returns it. */
const char *scanner_rule_thresholds(const config *cfg, const char *id, char *buf, size_t n);

/* 1 unless cfg lists the rule in [rules] disabled_rules (cfg may be NULL). */
int scanner_rule_enabled(const config *cfg, const char *id);

/* Checks that every id in [rules] disabled_rules names a rule (config/
 * only checks the syntax: it knows nothing of rules).  Writes one line per
 * unknown id to errs (may be NULL) and returns AWS_EINVAL, or 0. */
int scanner_rules_validate(const config *cfg, FILE *errs);

/* The rule an unknown id most likely meant (case, '_' for '-', at most two
 * typos), or NULL. */
const char *scanner_rule_suggest(const char *id);
/* A config_rule_check_fn (config/config.h): 1 when id is a rule; else 0
 * and "did you mean 'x'? rules are: ..." (or "rules are: ...") in hint. */
int scanner_rule_check(const char *id, char *hint, size_t n);

/* Whole days from as_of to not_after, toward zero: 0 within a day either
 * side of expiry, -8 eight full days after it, the number the titles show
 * ("expired 8 days ago"). */
int64_t scanner_days_until(int64_t not_after, int64_t as_of);

/* The severity of a tiered threshold for `days` left: CRITICAL when
 * days <= t->critical, else HIGH when days <= t->high, else MEDIUM when
 * days <= t->medium (a tier of 0 or less is off).  Returns 1 and sets *out
 * when a tier matches, 0 when none does. */
int scanner_tier_severity(const config_tiers *t, int64_t days,
                          scanner_severity *out);

/* ---- what an ACM rule reads (reading less, issue 14) --------------------
 *
 * Record fields, as bits.  SCANNER_F_SUMMARY are the ones ListCertificates'
 * CertificateSummary carries (botocore's shape); the others only
 * DescribeCertificate has. */
enum {
    SCANNER_F_STATUS              = 1u << 0,
    SCANNER_F_TYPE                = 1u << 1,
    SCANNER_F_NOT_AFTER           = 1u << 2,
    SCANNER_F_KEY_ALGORITHM       = 1u << 3,
    SCANNER_F_RENEWAL_ELIGIBILITY = 1u << 4,
    SCANNER_F_IN_USE              = 1u << 5,   /* summary: InUse; detail: InUseBy */
    SCANNER_F_CREATED_AT          = 1u << 6,
    SCANNER_F_RENEWAL_SUMMARY     = 1u << 7,   /* detail only */
    SCANNER_F_VALIDATIONS         = 1u << 8,   /* detail only */
    SCANNER_F_FAILURE_REASON      = 1u << 9,   /* detail only */
    SCANNER_F_CT_LOGGING          = 1u << 10,  /* detail only: Options */
    SCANNER_F_IN_USE_BY           = 1u << 11,  /* detail only: the ARNs */
    SCANNER_F_SERIAL              = 1u << 12,  /* detail only */
    SCANNER_F_ISSUER              = 1u << 13,  /* detail only */
    SCANNER_F_SANS                = 1u << 14,  /* detail only (summaries may cut the list) */
};
#define SCANNER_F_SUMMARY (SCANNER_F_STATUS | SCANNER_F_TYPE | SCANNER_F_NOT_AFTER | \
                           SCANNER_F_KEY_ALGORITHM | SCANNER_F_RENEWAL_ELIGIBILITY | \
                           SCANNER_F_IN_USE | SCANNER_F_CREATED_AT)

/* The fields rule `id` reads of an ACM record: `decides` are those whose
 * summary values tell whether it can raise a finding at all (a summary
 * lacking one of them is never judged: the certificate is described);
 * `uses` are all it reads to judge and to write the finding (every ACM
 * finding carries the whole record in details_json).  Returns 0 for a
 * rule that judges no ACM record. */
int scanner_rule_acm_fields(const char *id, unsigned *decides, unsigned *uses);

/* What the ACM collector needs for one certificate, given its summary. */
typedef enum scanner_acm_need {
    SCANNER_ACM_SUMMARY = 0,    /* no enabled rule can raise a finding: judge the summary */
    SCANNER_ACM_DETAIL,         /* a rule may: a describe, or a valid cached one */
    SCANNER_ACM_FRESH,          /* the detail may change without the summary: describe now */
} scanner_acm_need;

/* Decides from a record built from a ListCertificates summary (`present`:
 * the SCANNER_F_* bits the summary held; `in_use`: its InUse) as cfg and
 * as_of judge.  Any enabled ACM rule missing a deciding field gives
 * SCANNER_ACM_FRESH.  *why (may be NULL) gets a short reason. */
scanner_acm_need scanner_acm_summary_need(const scanner_record *summary, unsigned present,
                                          int in_use, const config *cfg, int64_t as_of,
                                          const char **why);

/* 1 when the renewal-at-risk rule (enabled in cfg, [dns] enabled) reads
 * the DNS answers for r's validation records as of as_of: an ISSUED,
 * unexpired AMAZON_ISSUED certificate not INELIGIBLE for renewal, and v
 * (r's validation) is a DNS validation with a CNAME ResourceRecord.  The
 * scan looks up exactly these (scanner/dnscheck.h). */
int scanner_rule_dns_wanted(const scanner_record *r, const scanner_domain_validation *v,
                            const config *cfg, int64_t as_of);

/* 1 when a and b are the same DNS name: case-insensitive, with or
 * without one trailing dot (NULL never matches). */
int scanner_dns_name_eq(const char *a, const char *b);
/* ---- what an API Gateway rule reads (reading less, issue 14) ------------
 *
 * Fields of the API Gateway records, as bits.  SCANNER_AF_LIST are those
 * the list calls answer (GetClientCertificates, GetDomainNames and v2's
 * GetDomainNames); SCANNER_AF_STAGES, the client certificate each REST API
 * stage presents, costs GetRestApis and one GetStages per REST API. */
enum {
    SCANNER_AF_CC_ID           = 1u << 0,   /* clientCertificateId */
    SCANNER_AF_CC_CREATED      = 1u << 1,   /* createdDate */
    SCANNER_AF_CC_EXPIRES      = 1u << 2,   /* expirationDate */
    SCANNER_AF_DOMAIN_STATUS   = 1u << 3,   /* domainNameStatus */
    SCANNER_AF_DOMAIN_CERT     = 1u << 4,   /* certificateArn, regionalCertificateArn */
    SCANNER_AF_DOMAIN_UPLOADED = 1u << 5,   /* certificateUploadDate */
    SCANNER_AF_STAGES          = 1u << 6,   /* stages' clientCertificateId (GetStages) */
};
#define SCANNER_AF_LIST (SCANNER_AF_CC_ID | SCANNER_AF_CC_CREATED | SCANNER_AF_CC_EXPIRES | \
                         SCANNER_AF_DOMAIN_STATUS | SCANNER_AF_DOMAIN_CERT | \
                         SCANNER_AF_DOMAIN_UPLOADED)

/* The fields rule `id` reads of the API Gateway records: `decides` are
 * those whose values tell whether it can raise a finding at all, `judges`
 * all it reads to judge and to write the finding.  Returns 0 for a rule
 * that reads no API Gateway record. */
int scanner_rule_apigw_fields(const char *id, unsigned *decides, unsigned *judges);

/* Whether an account-region's REST API stages are to be read. */
typedef enum scanner_stage_need {
    SCANNER_STAGES_SKIP = 0,    /* no enabled rule reads them: no GetRestApis, no GetStages */
    SCANNER_STAGES_READ,        /* read them */
    SCANNER_STAGES_WAIT,        /* it depends on the client certificates: list them first */
} scanner_stage_need;

/* Decides as cfg and as_of judge.  An enabled rule that decides on the
 * stages needs them always; a rule that only shows them in its findings
 * (client-certificate-rotation lists the stages using a certificate) needs
 * them when one of the client certificates listed (the
 * SCANNER_SRC_APIGW_CLIENT_CERT records of `listed`) raises a finding.
 * listed NULL: not listed yet (the answer may be SCANNER_STAGES_WAIT).
 * *why (may be NULL) gets a short reason. */
scanner_stage_need scanner_apigw_stages_need(const scanner_record_set *listed,
                                             const config *cfg, int64_t as_of,
                                             const char **why);

/* Judges all records of one account+region together (custom domains are
 * joined to ACM certificates, stages to client certificates) as of unix
 * time as_of, appending findings to out.  Long remote fields are cut where
 * they are shown (title, details), never a reason to fail.  A record that
 * cannot be judged (out of memory) does not stop the others: every other
 * record is judged, and the first failure is returned (0 when none). */
int scanner_rules_judge(const scanner_record_set *set, const config *cfg,
                        int64_t as_of, scanner_findings *out);
/* The same; when some record could not be judged, err gets one line
 * naming the first one and its cause, and how many more failed. */
int scanner_rules_judge_ex(const scanner_record_set *set, const config *cfg,
                           int64_t as_of, scanner_findings *out, char *err, size_t errlen);
/* What judging record r alone tells of its findings, before its
 * account-region is judged as a whole: the scan asks for the tags of what
 * will have a finding as soon as its record is read.  The same rules as
 * scanner_rules_judge, stopped at the first finding (no allocation). */
typedef enum scanner_record_finds {
    SCANNER_FINDS_NONE = 0,         /* no enabled rule raises a finding on r */
    SCANNER_FINDS_SOME,             /* at least one, whatever else the set holds */
    SCANNER_FINDS_DEPENDS,          /* an enabled rule joins r to other records, or
                                     * to DNS answers not read yet: judge the set */
} scanner_record_finds;
scanner_record_finds scanner_rules_record_finds(const scanner_record *r, const config *cfg,
                                                int64_t as_of);
/* The cause of a judge failure, as text ("out of memory", ...). */
const char *scanner_judge_strerror(int rc);

/* The console link for a record ("" never; NULL only on ENOMEM).  Caller
 * frees.  Partition follows the region: cn-* and us-gov-* use their own
 * console hosts. */
char *scanner_console_url(const scanner_record *r);

#endif

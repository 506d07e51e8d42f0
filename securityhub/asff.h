/* certsweep — findings in the AWS Security Finding Format (ASFF).
 *
 * Pure functions: a scanner_finding in, a json-c object out.  Used by the
 * Security Hub export (securityhub/securityhub.c) and by `--format asff`.
 *
 *   Id           "certsweep/<finding id>" (stable per account, region,
 *                resource, rule)
 *   GeneratorId  "certsweep/<rule>"
 *   AwsAccountId the certificate's account (member mode) or the importing
 *                account (central mode); the certificate's account is always
 *                in ProductFields "certsweep/AccountId" and in the resource ARN
 *   Region       the home region; the certificate's region is in
 *                Resources[0].Region and ProductFields "certsweep/Region"
 */
#ifndef ASFF_H
#define ASFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scanner/finding.h"

struct json_object;

#define ASFF_SCHEMA       "2018-10-08"
#define ASFF_ID_PREFIX    "certsweep/"
#define ASFF_TYPE         "Software and Configuration Checks/AWS Security Best Practices"
#define ASFF_MAX_TITLE    256
#define ASFF_MAX_DESC     1024
#define ASFF_MAX_REC_TEXT 512
#define ASFF_MAX_FINDING  (240u * 1024)   /* bytes, serialised */
/* Details.Other: at most 50 fields, keys fewer than 128 characters,
 * values fewer than 1024 (the ASFF documentation's "fewer than"). */
#define ASFF_MAX_OTHER_FIELDS 50
#define ASFF_MAX_OTHER_KEY    127
#define ASFF_MAX_OTHER_VALUE  1023
#define ASFF_PRODUCT_NAME "certsweep"
#define ASFF_COMPANY_NAME "certsweep"

typedef enum shub_mode {
    SHUB_MEMBER = 0,        /* into each certificate's own account */
    SHUB_CENTRAL,           /* all into the scanning account */
} shub_mode;

/* "member" | "central" -> mode; 0 or AWS_EINVAL. NULL means member. */
int shub_mode_parse(const char *s, shub_mode *out);

typedef struct asff_opts {
    const char *home_region;        /* required */
    shub_mode mode;
    const char *scanning_account;   /* importing account in central mode */
    int64_t now;                    /* wall clock, seconds: CreatedAt of a finding never
                                     * imported before */
    int64_t updated_ms;             /* UpdatedAt and LastObservedAt, milliseconds (never
                                     * the --as-of instant); 0: now * 1000 */
} asff_opts;

/* What is known of a finding from earlier imports (0: not known, then `now`
 * is used). */
typedef struct asff_history {
    int64_t created_at;
    int64_t first_observed_at;
} asff_history;

/* "aws", "aws-cn", "aws-us-gov" for a region. */
const char *asff_partition(const char *region);
/* The account a finding is imported into (central: the scanning account). */
const char *asff_importer(const scanner_finding *f, const asff_opts *o);
/* "certsweep/<id>" into buf. */
void asff_id(const scanner_finding *f, char *buf, size_t n);

/* Builds the ASFF object of a finding (RecordState ACTIVE, Compliance
 * FAILED).  hist may be NULL.  Text fields are cut to their ASFF limits (on
 * a UTF-8 boundary); when the result would pass ASFF_MAX_FINDING the
 * resource details are reduced, then dropped.  Returns NULL on ENOMEM or
 * missing required fields. */
struct json_object *asff_build(const scanner_finding *f,
                                       const asff_opts *o,
                                       const asff_history *hist);

/* The archived form of a finding certsweep imported before (as GetFindings
 * returned it): only the fields certsweep itself sets are kept, RecordState
 * ARCHIVED, Compliance.Status PASSED, Severity INFORMATIONAL (the old label
 * kept in Severity.Original; the same in FindingProviderFields), UpdatedAt
 * updated_ms (milliseconds).  NULL when prev lacks a required field. */
struct json_object *asff_archive(struct json_object *prev, int64_t updated_ms);

/* Serialised size of an object as it is sent. */
size_t asff_size(struct json_object *o);

/* What is known of a finding's earlier imports, for asff_write: fills *h
 * (zeroed by the caller) from wherever the caller keeps history. */
typedef void (*asff_history_fn)(const scanner_finding *f, const char *asff_id,
                                asff_history *h, void *ud);

/* Writes {"Findings":[...]} (the BatchImportFindings request shape) with
 * every finding of f, CreatedAt / FirstObservedAt from hist (may be NULL:
 * none known).  Returns 0, AWS_ENOMEM or AWS_EIO. */
int asff_write(FILE *out, const scanner_findings *f, const asff_opts *o,
               asff_history_fn hist, void *ud);

/* Timestamps as ASFF wants them: "2026-11-23T08:45:28.000Z" (n >= 25). */
void asff_time(int64_t t, char *buf, size_t n);
/* The same from milliseconds: "2026-11-23T08:45:28.123Z". */
void asff_time_ms(int64_t ms, char *buf, size_t n);

#endif

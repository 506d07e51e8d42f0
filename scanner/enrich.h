/* certsweep — who and what each finding is about (issue 11).
 *
 * The tags of what has a finding are asked for: the account's
 * (Organizations ListTagsForResource, with the caller's credentials) and
 * the resource's where its listing did not carry them (ACM
 * ListTagsForCertificate, IAM ListServerCertificateTags, with the
 * account's credentials), once each, paced in the client's lanes like
 * every other call and beside the rest of the scan.  They are asked as
 * soon as a record read alone is known to have a finding
 * (scanner_enrich_record: while its account-region's other certificates
 * are still being described), and otherwise when its account-region is
 * judged (scanner_enrich_add).  Account tags wait behind discovery in
 * Organizations' lane (its calls go first there, aws/client.h).  At the
 * end each finding gets them, with its
 * account's Organizations name and OU path (from discovery).  A call that
 * fails is a coverage gap for that operation; the finding stays as it is.
 */
#ifndef SCANNER_ENRICH_H
#define SCANNER_ENRICH_H

#include <stdint.h>
#include <uv.h>

#include "aws/client.h"
#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "scanner/scan.h"

typedef struct scanner_enrich_opts {
    uv_loop_t *loop;
    aws_client *client;
    aws_creds_provider *caller;     /* Organizations calls */
    const char *home_region;        /* Organizations and IAM */
    int account_tags;               /* 1: read account tags (when they come from Organizations) */
    int resource_tags;              /* 1: read the tags of ACM and IAM certificates */
    const config *cfg;              /* the rules that judge a record (scanner_enrich_record) */
    int64_t as_of;                  /* ... as of this unix time */
} scanner_enrich_opts;

typedef struct scanner_enrich scanner_enrich;

/* Starts an enrichment of the findings in f (NULL on ENOMEM). */
scanner_enrich *scanner_enrich_new(const scanner_enrich_opts *o, scanner_findings *f);
/* Record r is complete (every field its collector reads is there): when
 * the rules judging r alone say it has a finding (scanner_rules_record_finds
 * SCANNER_FINDS_SOME), asks now for its account's tags (when org) and, for
 * an ACM or IAM server certificate, its own with creds.  Otherwise nothing:
 * scanner_enrich_add asks once the set is judged. */
void scanner_enrich_record(scanner_enrich *e, const scanner_record *r,
                           aws_creds_provider *creds, int org);
/* After a target was judged: asks for the tags of the findings
 * f->v[first..] (their accounts' with the caller's credentials when org
 * says the accounts came from Organizations, their resources' with
 * creds), each resource and account once (what scanner_enrich_record
 * asked is not asked again).  The calls run beside the rest of the scan. */
void scanner_enrich_add(scanner_enrich *e, size_t first, aws_creds_provider *creds, int org);
/* Waits (running the loop) until every call answered, then gives each
 * finding its account's name and OU path and the tags read, sets tags and
 * tags_read of the accounts in accts, and frees e (NULL accepted).  0 or
 * AWS_ENOMEM. */
int scanner_enrich_finish(scanner_enrich *e, scanner_scanned_account *accts, size_t n_accts);

/* IAM ListServerCertificateTags answer -> tags added, *marker set (new
 * string) when IsTruncated.  0, AWS_EPARSE (err says why) or AWS_ENOMEM. */
int scanner_iam_parse_cert_tags(const char *body, size_t len, scanner_tags *tags,
                                char **marker, char *err, size_t errlen);
/* ACM ListTagsForCertificate answer -> tags added.  0, AWS_EPARSE or
 * AWS_ENOMEM. */
int scanner_acm_parse_tags(const char *body, size_t len, scanner_tags *tags,
                           char *err, size_t errlen);

#endif

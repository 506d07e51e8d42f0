/* certsweep — who and what each finding is about (issue 11).
 *
 * After judging, each finding gets its account's Organizations name and
 * OU path (from discovery), the account's tags (Organizations
 * ListTagsForResource, with the caller's credentials) and its resource's
 * tags where the listing did not carry them: ACM ListTagsForCertificate,
 * IAM ListServerCertificateTags (with the account's credentials).  Only
 * resources and accounts that have a finding are asked, once each, paced
 * in the client's lanes like every other call.  A call that fails is a
 * coverage gap for that operation; the finding stays as it is.
 */
#ifndef SCANNER_ENRICH_H
#define SCANNER_ENRICH_H

#include <uv.h>

#include "aws/client.h"
#include "scanner/finding.h"
#include "scanner/scan.h"

typedef struct scanner_enrich_opts {
    uv_loop_t *loop;
    aws_client *client;
    aws_creds_provider *caller;     /* Organizations calls */
    const char *home_region;        /* Organizations and IAM */
    int account_tags;               /* 1: the accounts came from Organizations */
    int resource_tags;              /* 1: read the tags of ACM and IAM certificates */
} scanner_enrich_opts;

/* Fills the findings of f (not the resolved list) from accts (their
 * tags and tags_read are set for accounts with findings).  Runs the loop
 * until every call answered.  0, or AWS_ENOMEM. */
int scanner_enrich(scanner_enrich_opts *o, scanner_scanned_account *accts, size_t n_accts,
                   scanner_findings *f);

/* IAM ListServerCertificateTags answer -> tags added, *marker set (new
 * string) when IsTruncated.  0, AWS_EPARSE (err says why) or AWS_ENOMEM. */
int scanner_iam_parse_cert_tags(const char *body, size_t len, scanner_tags *tags,
                                char **marker, char *err, size_t errlen);
/* ACM ListTagsForCertificate answer -> tags added.  0, AWS_EPARSE or
 * AWS_ENOMEM. */
int scanner_acm_parse_tags(const char *body, size_t len, scanner_tags *tags,
                           char *err, size_t errlen);

#endif

/* certsweep — who and what each finding is about (issue 11).
 *
 * As each target is judged, the tags of what has a finding are asked for:
 * the account's (Organizations ListTagsForResource, with the caller's
 * credentials) and the resource's where its listing did not carry them
 * (ACM ListTagsForCertificate, IAM ListServerCertificateTags, with the
 * account's credentials), once each, paced in the client's lanes like
 * every other call and beside the rest of the scan.  At the end each
 * finding gets them, with its account's Organizations name and OU path
 * (from discovery).  A call that fails is a coverage gap for that
 * operation; the finding stays as it is.
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
    int account_tags;               /* 1: read account tags (when they come from Organizations) */
    int resource_tags;              /* 1: read the tags of ACM and IAM certificates */
} scanner_enrich_opts;

typedef struct scanner_enrich scanner_enrich;

/* Starts an enrichment of the findings in f (NULL on ENOMEM). */
scanner_enrich *scanner_enrich_new(const scanner_enrich_opts *o, scanner_findings *f);
/* After a target was judged: asks for the tags of the findings
 * f->v[first..] (their accounts' with the caller's credentials when org
 * says the accounts came from Organizations, their resources' with
 * creds), each resource and account once.  The calls run beside the rest
 * of the scan. */
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

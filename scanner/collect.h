/* certsweep — collectors: ACM, API Gateway v1 and v2, IAM server
 * certificates.
 *
 * Two halves.  The parse functions take one response body and produce
 * scanner_record values (no I/O, unit-tested offline with real-shaped and
 * malformed bodies).  The collector functions issue the calls for one
 * target (account + region) through aws_client_call, follow every page,
 * and hand each body to a parse function.
 *
 * Parse functions never drop data silently: an item that cannot be read is
 * skipped, the others are kept, and the function returns AWS_EPARSE with
 * `err` saying which item and why (the caller turns that into a coverage
 * gap naming account, region and operation).  A body that is not a JSON
 * object / XML document at all also gives AWS_EPARSE.
 */
#ifndef SCANNER_COLLECT_H
#define SCANNER_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/client.h"
#include "scanner/finding.h"
#include "scanner/detail.h"
#include "scanner/pager.h"
#include "scanner/record.h"
#include "scanner/rules.h"

/* Cap on a response body handed to the parsers (bytes). */
#define SCANNER_MAX_BODY (8u * 1024 * 1024)

/* A list of strings owned by the list (ARNs, ids, account ids). */
typedef struct scanner_strv {
    char **v;
    size_t n, cap;
} scanner_strv;

void scanner_strv_init(scanner_strv *l);
int  scanner_strv_add(scanner_strv *l, const char *s);      /* copies */
int  scanner_strv_contains(const scanner_strv *l, const char *s);
void scanner_strv_finish(scanner_strv *l);

/* 1 when cfg (NULL too) says [scan] describe = all: read everything the
 * rules could want, every run (the behaviour before reading less). */
int scanner_reads_all(const config *cfg);

/* ---- parse helpers shared by collectors and discovery ------------------- */

/* Parses a JSON object body (depth-capped).  Returns NULL and writes a
 * one-line reason to err when the body is not a JSON object. */
struct json_object *scanner_json_parse(const char *body, size_t len,
                                       char *err, size_t errlen);
/* A timestamp member as AWS JSON sends it: epoch seconds as a number or
 * string, or an ISO 8601 string.  Returns 0 when absent or null (out = 0),
 * 1 when read, AWS_EPARSE when present but unreadable. */
int scanner_json_time(struct json_object *obj, const char *key, int64_t *out);
/* A string member: NULL when absent, null or not a string. */
const char *scanner_json_str(struct json_object *obj, const char *key);
/* An XML timestamp text (ISO 8601).  Same return convention. */
int scanner_xml_time(const char *text, int64_t *out);
/* Parses an XML answer (capped at SCANNER_MAX_BODY) whose root element is
 * `root`; NULL (err says why) when it is not one.  aws_xml_free it. */
struct aws_xml_node *scanner_xml_parse(const char *body, size_t len, const char *root,
                                       char *err, size_t errlen);

/* The partition of an ARN ("aws" when unreadable). */
const char *scanner_arn_partition(const char *arn, char *buf, size_t n);

/* A paging token member (NextToken, nextToken, position): *out is a copy,
 * NULL when absent or empty.  Returns 0 or AWS_ENOMEM. */
int scanner_json_token(struct json_object *obj, const char *key, char **out);

/* Unreadable items of a list answer: the first one's reason is written to
 * err (printf format), later ones are only counted in *bad. */
void scanner_note_bad(size_t *bad, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Rewrites the message in s[0..n) through the display sanitiser
 * (aws_text_show: one line, controls as '?', C1 and bidi controls
 * escaped, valid UTF-8), for reasons that quote remote text. */
void scanner_one_line(char *s, size_t n);
/* 0 when bad is 0; else AWS_EPARSE, with " (and N more unreadable items)"
 * appended to err when there was more than one. */
int scanner_bad_result(size_t bad, char *err, size_t errlen);

/* ---- ACM (JSON 1.1, target prefix CertificateManager) ------------------- */

/* The ListCertificates request body: every key type of the ACM model in
 * Includes.keyTypes, every status in CertificateStatuses, MaxItems 1000,
 * NextToken when next_token is not NULL.  Caller frees. */
char *scanner_acm_list_body(const char *next_token);
/* ListCertificates -> certificate ARNs (appended) and *next (NULL when the
 * last page; caller frees). */
int scanner_acm_parse_list(const char *body, size_t len, scanner_strv *arns,
                           char **next, char *err, size_t errlen);
/* One certificate of a ListCertificates answer: a record of the summary's
 * fields (those of botocore's CertificateSummary shape only), which of
 * them it held (SCANNER_F_* of scanner/rules.h), its InUse, and the
 * fingerprint of the whole summary (changes when anything in it does). */
typedef struct scanner_acm_summary {
    scanner_record *r;
    unsigned present;
    int in_use;
    char fingerprint[SCANNER_FINGERPRINT_LEN];
} scanner_acm_summary;

typedef struct scanner_acm_summaries {
    scanner_acm_summary *v;
    size_t n, cap;
} scanner_acm_summaries;

void scanner_acm_summaries_init(scanner_acm_summaries *l);
void scanner_acm_summaries_finish(scanner_acm_summaries *l);   /* frees the records */
/* ListCertificates -> summaries (appended) and *next, as
 * scanner_acm_parse_list. */
int scanner_acm_parse_summaries(const char *body, size_t len, const char *account,
                                const char *region, scanner_acm_summaries *out,
                                char **next, char *err, size_t errlen);
/* What the ACM collector does with one listed certificate. */
typedef enum scanner_acm_plan {
    SCANNER_ACM_PLAN_SUMMARY = 0,   /* *out: the summary's record (taken from s->r) */
    SCANNER_ACM_PLAN_CACHED,        /* *out: the record of a valid cached describe */
    SCANNER_ACM_PLAN_DESCRIBE,      /* call DescribeCertificate (*out NULL) */
} scanner_acm_plan;
/* Decides for s as rd reads (rd NULL or [scan] describe = all: always
 * DESCRIBE): scanner_acm_summary_need (scanner/rules.h), then, for a
 * certificate that needs its detail but not a fresh one, rd's cache entry
 * when it belongs to s's fingerprint, was fetched less than [scan]
 * detail_max_age before rd->now and reads as a describe of the same ARN.
 * *why: a short reason (static). */
scanner_acm_plan scanner_acm_plan_one(const scanner_acm_reading *rd, scanner_acm_summary *s,
                                      const char *account, const char *region,
                                      scanner_record **out, const char **why);
/* DescribeCertificate -> one record (*out, caller frees). */
int scanner_acm_parse_describe(const char *body, size_t len,
                               const char *account, const char *region,
                               scanner_record **out, char *err, size_t errlen);

/* ---- API Gateway v1 (rest-json) ----------------------------------------- */

/* Whether the stages of a target are read: always when rd is NULL or
 * [scan] describe = all, else scanner_apigw_stages_need (scanner/rules.h)
 * with the client certificates listed (NULL: not yet).  *why: a short
 * reason (static). */
scanner_stage_need scanner_apigw_stages_plan(const scanner_apigw_reading *rd,
                                             const scanner_record_set *listed,
                                             const char **why);

/* GET /clientcertificates -> SCANNER_SRC_APIGW_CLIENT_CERT records. */
int scanner_apigw_parse_client_certs(const char *body, size_t len,
                                     const char *account, const char *region,
                                     scanner_record_set *out, char **position,
                                     char *err, size_t errlen);
/* GET /restapis -> REST API ids. */
int scanner_apigw_parse_rest_apis(const char *body, size_t len,
                                  scanner_strv *ids, char **position,
                                  char *err, size_t errlen);
/* GET /restapis/{id}/stages -> SCANNER_SRC_APIGW_STAGE records. */
int scanner_apigw_parse_stages(const char *body, size_t len,
                               const char *account, const char *region,
                               const char *rest_api_id,
                               scanner_record_set *out, char *err, size_t errlen);
/* GET /domainnames -> SCANNER_SRC_APIGW_DOMAIN records. */
int scanner_apigw_parse_domains(const char *body, size_t len,
                                const char *account, const char *region,
                                scanner_record_set *out, char **position,
                                char *err, size_t errlen);

/* ---- API Gateway v2 (rest-json) ----------------------------------------- */

/* GET /v2/domainnames -> SCANNER_SRC_APIGWV2_DOMAIN records (one per
 * DomainNameConfigurations entry). */
int scanner_apigwv2_parse_domains(const char *body, size_t len,
                                  const char *account, const char *region,
                                  scanner_record_set *out, char **next,
                                  char *err, size_t errlen);

/* ---- IAM (query, XML) ---------------------------------------------------- */

/* ListServerCertificates -> SCANNER_SRC_IAM_SERVER_CERT records (region
 * "global"); *marker set when IsTruncated. */
int scanner_iam_parse_server_certs(const char *body, size_t len,
                                   const char *account,
                                   scanner_record_set *out, char **marker,
                                   char *err, size_t errlen);

/* ---- collectors (I/O) ---------------------------------------------------- */

typedef struct scanner_target scanner_target;

/* Called once when every call of a target has finished. */
typedef void (*scanner_target_done_cb)(scanner_target *t);
/* Called as a record of t->set is complete, before the target is done
 * (the record stays in t->set until then). */
typedef void (*scanner_record_read_cb)(scanner_target *t, const scanner_record *r);

/* One unit of scan work: the records of one account and region.  The
 * caller fills the first block, holds the target, starts collectors and
 * releases it; `done` runs when the last call of the last collector has
 * finished (from release itself when nothing was started). */
struct scanner_target {
    aws_client *client;
    aws_creds_provider *creds;      /* borrowed; outlives the target */
    const char *account_id;         /* borrowed */
    char region[32];                /* "global" for IAM */
    char call_region[32];           /* region the calls go to (IAM: home region) */
    char partition[16];
    scanner_findings *gaps;         /* coverage gaps are added here */
    scanner_target_done_cb done;
    void *ud;
    /* May be NULL: ACM records as each is complete (judged from its
     * summary, a cached describe, or its DescribeCertificate answer), IAM
     * server certificates as each listing page is read. */
    scanner_record_read_cb record_read;

    scanner_record_set set;         /* filled by the collectors */
    int pending;                    /* calls in flight */
    int started;                    /* collectors still starting (holds done) */
    uint64_t api_calls;
    uint64_t parse_errors;

    const scanner_acm_reading *acm; /* borrowed; NULL: describe every certificate */
    uint64_t describes;             /* DescribeCertificate calls made */
    uint64_t describes_saved;       /* certificates judged from their summary */
    uint64_t cache_hits;            /* certificates judged from a cached describe */

    /* ACM: DescribeCertificate calls waiting for a place in the target's
     * window (collect_acm.c), and those on the way. */
    struct scanner_acm_describe *describe_head, *describe_tail;
    size_t describe_waiting;        /* in that queue */
    int describing;
    int describe_held;              /* the waiting ones hold the target */
    const scanner_apigw_reading *apigw; /* borrowed; NULL: read every stage */
    uint64_t stage_calls;           /* GetRestApis and GetStages calls made */
    uint64_t stage_reads_saved;     /* 1 when no rule needed this target's stages */
};

void scanner_target_init(scanner_target *t);
void scanner_target_finish(scanner_target *t);   /* frees the records */
/* Frees the DescribeCertificate calls still waiting (collect_acm.c). */
void scanner_acm_describes_free(scanner_target *t);

/* Starting: hold the target while starting several collectors so that
 * `done` cannot fire in between; release runs `done` at once when nothing
 * is pending any more. */
void scanner_target_hold(scanner_target *t);
void scanner_target_release(scanner_target *t);

/* Adds r to t->set (taking it; freed on failure) and tells record_read.
 * 0 or AWS_ENOMEM. */
int scanner_target_add_record(scanner_target *t, scanner_record *r);
/* Tells record_read of the records t->set.v[from..] (added by a parser). */
void scanner_target_records_read(scanner_target *t, size_t from);

/* Records a coverage gap for this target. */
void scanner_target_gap(scanner_target *t, const char *op, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Each starts the calls of one collector; failures to start become gaps. */
void scanner_collect_acm(scanner_target *t);
void scanner_collect_apigw(scanner_target *t);
void scanner_collect_apigwv2(scanner_target *t);
void scanner_collect_iam(scanner_target *t);

/* Internal to the collectors: one call whose completion is counted on t.
 * handler runs for every answer; for err != 0 the gap has already been
 * recorded when it runs.  Returns 0, or a negative error (gap recorded,
 * handler never runs). */
typedef void (*scanner_call_handler)(scanner_target *t, const aws_result *r,
                                     void *ud);
int scanner_target_call(scanner_target *t, const aws_call *call,
                        scanner_call_handler handler, void *ud);

/* A call of the target: to its call region, rate-limited per account,
 * with its credentials and the SCANNER_MAX_BODY answer cap; the caller
 * fills in the rest (target, path, query, body). */
aws_call scanner_target_call_init(const scanner_target *t, aws_service svc,
                                  aws_proto proto, const char *op);
/* As scanner_target_call, for a call that lists or describes records of
 * source src: when it fails (an error answer, or it cannot start) src is
 * marked incomplete in t->set as well. */
int scanner_target_call_src(scanner_target *t, scanner_source src,
                            const aws_call *call, scanner_call_handler handler,
                            void *ud);
/* A coverage gap that also marks source src incomplete in t->set (the
 * records of src for this target are not all there). */
void scanner_target_source_gap(scanner_target *t, scanner_source src,
                               const char *op, const char *code,
                               const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A ParseError gap of op for source src (counted in parse_errors, src
 * marked incomplete): the message is err for AWS_EPARSE, else the name of
 * rc.  what (may be NULL) prefixes the message ("restapi abc: ..."). */
void scanner_target_parse_gap(scanner_target *t, scanner_source src,
                              const char *op, const char *what, int rc,
                              const char *err);

/* After a page of a listing of source src answered with paging token
 * `next` (NULL: the last page): 1 when the next page is to be requested
 * (with scanner_pager_token(pg)); 0 when the listing has ended, complete,
 * or stopped by the pager (a repeated token, the page limit): then a gap
 * of op with the pager's code is recorded and src marked incomplete. */
int scanner_target_page(scanner_target *t, scanner_source src, const char *op,
                        scanner_pager *pg, const char *next);
/* A listing that cannot go on (its pager could not be made, or its next
 * call not built): an InternalError gap of op, src marked incomplete. */
void scanner_target_oom(scanner_target *t, scanner_source src, const char *op);

#endif

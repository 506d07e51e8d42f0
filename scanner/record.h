/* certsweep — the normalised certificate record.
 *
 * Every collector (ACM, API Gateway client certificates and custom domain
 * names, IAM server certificates) produces these; rules read only these.
 * All strings are owned by the record (NULL when unknown; see
 * scanner_str_set for the shared read-only ones).  Times are unix
 * seconds, 0 when unknown.
 */
#ifndef SCANNER_RECORD_H
#define SCANNER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/tagset.h"

typedef enum scanner_source {
    SCANNER_SRC_ACM = 0,            /* AWS::CertificateManager::Certificate */
    SCANNER_SRC_APIGW_CLIENT_CERT,  /* API Gateway v1 client certificate */
    SCANNER_SRC_APIGW_DOMAIN,       /* API Gateway v1 custom domain name */
    SCANNER_SRC_APIGWV2_DOMAIN,     /* API Gateway v2 custom domain name */
    SCANNER_SRC_IAM_SERVER_CERT,    /* IAM server certificate (global) */
    SCANNER_SRC_APIGW_STAGE,        /* a REST API stage (for stage-client-certificate) */
    SCANNER_SRC_SERVED,             /* a TLS endpoint probed (scanner/served.h) */
} scanner_source;

/* What the DNS said of a validation record (scanner/dnscheck.c looks it
 * up; the renewal-at-risk rule reads it). */
typedef enum scanner_dns_seen {
    SCANNER_DNS_UNCHECKED = 0,      /* not looked up (DNS checks off, not needed) */
    SCANNER_DNS_MATCH,              /* the CNAME points where ACM expects */
    SCANNER_DNS_CHANGED,            /* the CNAME points elsewhere (dns_answer) */
    SCANNER_DNS_MISSING,            /* NXDOMAIN, or the name has no CNAME (NODATA) */
    SCANNER_DNS_UNKNOWN,            /* SERVFAIL, REFUSED, timeout, error: a coverage gap */
} scanner_dns_seen;

typedef struct scanner_domain_validation {
    char *domain;
    char *status;                   /* PENDING_VALIDATION | SUCCESS | FAILED */
    char *method;                   /* DNS | EMAIL | HTTP */
    /* ResourceRecord (DNS validation): the record ACM looks up. */
    char *rr_name;                  /* "_x.example.com." */
    char *rr_type;                  /* "CNAME" */
    char *rr_value;                 /* "_y.acm-validations.aws." */
    scanner_dns_seen dns_seen;
    char *dns_answer;               /* the CNAME target found (MATCH, CHANGED) */
    const char *dns_status;         /* the answer's status name ("NXDOMAIN", ...); static */
} scanner_domain_validation;

typedef struct scanner_record {
    scanner_source source;
    char *account_id;
    char *region;                   /* "global" for IAM */
    char *arn;                      /* ARN, or a synthesised one (client certs, stages) */
    char *id;                       /* short id: client certificate id, domain name, IAM name, restApiId/stage */
    char *domain;                   /* primary domain name (ACM DomainName, custom domain) */

    int64_t not_before;
    int64_t not_after;
    int64_t created_at;             /* ACM CreatedAt, client cert createdDate */
    int64_t imported_at;            /* ACM ImportedAt */
    int64_t issued_at;              /* ACM IssuedAt */
    int64_t uploaded_at;            /* API GW domain certificateUploadDate, IAM UploadDate */

    char *status;                   /* ACM Status, domain status, ... */
    char *type;                     /* ACM Type: AMAZON_ISSUED | IMPORTED | PRIVATE */
    char *key_algorithm;            /* RSA_1024, RSA_2048, EC_prime256v1, ... */
    char *renewal_eligibility;      /* ELIGIBLE | INELIGIBLE */
    char *renewal_status;           /* RenewalSummary.RenewalStatus */
    char *renewal_reason;           /* RenewalSummary.RenewalStatusReason */
    char *failure_reason;           /* ACM FailureReason */
    char *ct_logging;               /* CertificateTransparencyLoggingPreference: ENABLED | DISABLED */

    char **in_use_by;               /* ARNs of resources using it */
    size_t n_in_use_by;

    /* ACM: what the served-certificate probe compares (describe only). */
    char *serial;                   /* Serial as ACM sends it ("0f:a1:..."; moto: decimal) */
    char *issuer;                   /* Issuer as ACM sends it ("Amazon", the CA's name) */
    char **sans;                    /* SubjectAlternativeNames (summary: ...Summaries) */
    size_t n_sans;

    scanner_domain_validation *validations;
    size_t n_validations;

    /* Links between records of the same account and region. */
    char *certificate_arn;          /* domain: the ACM certificate it serves (regional or edge) */
    char *client_certificate_id;    /* stage: clientCertificateId ("" = none) */

    scanner_tags tags;              /* tags the listing carried (API Gateway) */
} scanner_record;

scanner_record *scanner_record_new(scanner_source src, const char *account_id,
                                   const char *region);
void scanner_record_free(scanner_record *r);                /* accepts NULL */
/* Sets a record's string field to value (NULL allowed), freeing what it
 * held; returns 0 or AWS_ENOMEM.  A value records hold over and over (an
 * AWS enum such as "ISSUED", a region: scanner_word) is not copied: the
 * field then points at one shared read-only string.  So a record's string
 * fields are never written through, and are freed only by
 * scanner_record_free, scanner_str_set or scanner_str_free. */
int  scanner_str_set(char **field, const char *value);
/* Frees a string scanner_str_set stored (a shared word is left alone). */
void scanner_str_free(char *s);
/* The shared read-only copy of value when it is one of those words, else
 * NULL. */
const char *scanner_word(const char *value);
/* Sets the ResourceRecord of validation i (copies; NULL allowed). */
int  scanner_validation_set_record(scanner_domain_validation *v, const char *name,
                                   const char *type, const char *value);
int  scanner_record_add_in_use(scanner_record *r, const char *arn);
int  scanner_record_add_san(scanner_record *r, const char *name);
int  scanner_record_add_validation(scanner_record *r, const char *domain,
                                   const char *status, const char *method);
int  scanner_record_add_tag(scanner_record *r, const char *key, const char *value);
const char *scanner_source_name(scanner_source s);          /* "acm", "apigateway-client-certificate", ... */
/* The source of a scanner_source_name; -1 when unknown. */
int scanner_source_parse(const char *name);
#define SCANNER_SRC_COUNT 7
/* ASFF / CloudFormation resource type: "AwsCertificateManagerCertificate", ... */
const char *scanner_source_resource_type(scanner_source s);

/* The records of one account and region, judged together (rules join
 * custom domains to ACM certificates and stages to client certificates).
 * `incomplete` has bit (1u << source) set when a listing or describe call
 * of that source failed for this account and region (a coverage gap), or
 * when the source was not read because no enabled rule needed it (API
 * Gateway stages: reading less, no gap): the records of that source are
 * then a part of what exists, rules must not conclude from a record's
 * absence, and the source is not in the run's coverage. */
typedef struct scanner_record_set {
    scanner_record **v;
    size_t n, cap;
    unsigned incomplete;
} scanner_record_set;

void scanner_record_set_init(scanner_record_set *s);
int  scanner_record_set_add(scanner_record_set *s, scanner_record *r); /* takes ownership */
void scanner_record_set_finish(scanner_record_set *s);      /* frees the records */
void scanner_record_set_mark_incomplete(scanner_record_set *s, scanner_source src);
/* 1 when no call of source src failed for this set. */
int  scanner_record_set_complete(const scanner_record_set *s, scanner_source src);

#endif

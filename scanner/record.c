#include "scanner/record.h"
#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

scanner_record *scanner_record_new(scanner_source src, const char *account_id,
                                   const char *region)
{
    scanner_record *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->source = src;
    if (scanner_str_set(&r->account_id, account_id) ||
        scanner_str_set(&r->region, region)) {
        scanner_record_free(r);
        return NULL;
    }
    return r;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void scanner_record_free(scanner_record *r)
{
    if (!r)
        return;
    char **fields[] = {
        &r->account_id, &r->region, &r->arn, &r->id, &r->domain, &r->status,
        &r->type, &r->key_algorithm, &r->renewal_eligibility,
        &r->renewal_status, &r->renewal_reason, &r->failure_reason,
        &r->ct_logging, &r->certificate_arn, &r->client_certificate_id,
        &r->serial, &r->issuer,
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        scanner_str_free(*fields[i]);
    free_list(r->in_use_by, r->n_in_use_by);
    scanner_tags_finish(&r->tags);
    free_list(r->sans, r->n_sans);
    for (size_t i = 0; i < r->n_validations; i++) {
        scanner_str_free(r->validations[i].domain);
        scanner_str_free(r->validations[i].status);
        scanner_str_free(r->validations[i].method);
        scanner_str_free(r->validations[i].rr_name);
        scanner_str_free(r->validations[i].rr_type);
        scanner_str_free(r->validations[i].rr_value);
        scanner_str_free(r->validations[i].dns_answer);
    }
    free(r->validations);
    free(r);
}

/* The values records hold over and over (AWS enums, regions): one shared
 * read-only copy each instead of a copy per record.  A 30,000-certificate
 * scan holds most of its certificates' records at once, and each of these
 * costs a 24- or 32-byte block when copied. */
static const char s_words[][40] = {
    /* Status, validation and renewal status */
    "ISSUED", "PENDING_VALIDATION", "EXPIRED", "INACTIVE", "REVOKED", "FAILED",
    "VALIDATION_TIMED_OUT", "SUCCESS", "PENDING_AUTO_RENEWAL",
    /* Type, KeyAlgorithm, RenewalEligibility, transparency logging */
    "AMAZON_ISSUED", "IMPORTED", "PRIVATE",
    "RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096",
    "EC_prime256v1", "EC_secp384r1", "EC_secp521r1",
    "ELIGIBLE", "INELIGIBLE", "ENABLED", "DISABLED",
    /* validation method, record type, issuer */
    "DNS", "EMAIL", "HTTP", "CNAME", "Amazon",
    /* FailureReason, RenewalStatusReason */
    "NO_AVAILABLE_CONTACTS", "ADDITIONAL_VERIFICATION_REQUIRED", "DOMAIN_NOT_ALLOWED",
    "INVALID_PUBLIC_DOMAIN", "DOMAIN_VALIDATION_DENIED", "CAA_ERROR", "OTHER",
    /* API Gateway domain names */
    "AVAILABLE", "UPDATING", "PENDING", "PENDING_CERTIFICATE_REIMPORT",
    "PENDING_OWNERSHIP_VERIFICATION",
    /* regions */
    "global", "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1",
    "ap-east-1", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1",
    "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2",
    "eu-north-1", "il-central-1", "me-south-1", "me-central-1", "mx-central-1",
    "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
};
#define N_WORDS (sizeof(s_words) / sizeof(s_words[0]))

const char *scanner_word(const char *value)
{
    for (size_t i = 0; value && i < N_WORDS; i++)
        if (value[0] == s_words[i][0] && strcmp(value, s_words[i]) == 0)
            return s_words[i];
    return NULL;
}

static int is_word(const char *s)
{
    for (size_t i = 0; i < N_WORDS; i++)
        if (s == s_words[i])
            return 1;
    return 0;
}

void scanner_str_free(char *s)
{
    if (s && !is_word(s))
        free(s);
}

int scanner_str_set(char **field, const char *value)
{
    char *copy = NULL;
    const char *word = scanner_word(value);
    if (word)
        copy = (char *)word;        /* shared, read-only: see record.h */
    else if (value && !(copy = strdup(value)))
        return AWS_ENOMEM;
    scanner_str_free(*field);
    *field = copy;
    return 0;
}

static int push(char ***v, size_t *n, char *s)
{
    if (!s)
        return AWS_ENOMEM;
    char **nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv) {
        free(s);
        return AWS_ENOMEM;
    }
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

int scanner_record_add_in_use(scanner_record *r, const char *arn)
{
    return push(&r->in_use_by, &r->n_in_use_by, strdup(arn ? arn : ""));
}

int scanner_record_add_san(scanner_record *r, const char *name)
{
    return push(&r->sans, &r->n_sans, strdup(name ? name : ""));
}

int scanner_record_add_tag(scanner_record *r, const char *key, const char *value)
{
    return scanner_tags_add(&r->tags, key, value);
}

int scanner_record_add_validation(scanner_record *r, const char *domain,
                                  const char *status, const char *method)
{
    scanner_domain_validation *nv =
        realloc(r->validations, (r->n_validations + 1) * sizeof(*nv));
    if (!nv)
        return AWS_ENOMEM;
    r->validations = nv;
    scanner_domain_validation *v = &nv[r->n_validations];
    memset(v, 0, sizeof(*v));
    if (scanner_str_set(&v->domain, domain) ||
        scanner_str_set(&v->status, status) ||
        scanner_str_set(&v->method, method)) {
        scanner_str_free(v->domain);
        scanner_str_free(v->status);
        scanner_str_free(v->method);
        return AWS_ENOMEM;
    }
    r->n_validations++;
    return 0;
}

int scanner_validation_set_record(scanner_domain_validation *v, const char *name,
                                  const char *type, const char *value)
{
    if (scanner_str_set(&v->rr_name, name) || scanner_str_set(&v->rr_type, type) ||
        scanner_str_set(&v->rr_value, value))
        return AWS_ENOMEM;
    return 0;
}

const char *scanner_source_name(scanner_source s)
{
    switch (s) {
    case SCANNER_SRC_ACM:               return "acm";
    case SCANNER_SRC_APIGW_CLIENT_CERT: return "apigateway-client-certificate";
    case SCANNER_SRC_APIGW_DOMAIN:      return "apigateway-domain-name";
    case SCANNER_SRC_APIGWV2_DOMAIN:    return "apigatewayv2-domain-name";
    case SCANNER_SRC_IAM_SERVER_CERT:   return "iam-server-certificate";
    case SCANNER_SRC_APIGW_STAGE:       return "apigateway-stage";
    case SCANNER_SRC_SERVED:            return "served-endpoint";
    }
    return "unknown";
}

int scanner_source_parse(const char *name)
{
    for (int i = 0; name && i < SCANNER_SRC_COUNT; i++)
        if (strcmp(name, scanner_source_name((scanner_source)i)) == 0)
            return i;
    return -1;
}

const char *scanner_source_resource_type(scanner_source s)
{
    switch (s) {
    case SCANNER_SRC_ACM:               return "AwsCertificateManagerCertificate";
    case SCANNER_SRC_APIGW_CLIENT_CERT: return "Other";
    case SCANNER_SRC_APIGW_DOMAIN:      return "Other";
    case SCANNER_SRC_APIGWV2_DOMAIN:    return "Other";
    case SCANNER_SRC_IAM_SERVER_CERT:   return "Other";
    case SCANNER_SRC_APIGW_STAGE:       return "AwsApiGatewayStage";
    case SCANNER_SRC_SERVED:            return "Other";
    }
    return "Other";
}

void scanner_record_set_init(scanner_record_set *s)
{
    s->v = NULL;
    s->n = s->cap = 0;
    s->incomplete = 0;
}

int scanner_record_set_add(scanner_record_set *s, scanner_record *r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        scanner_record **v = realloc(s->v, cap * sizeof(*v));
        if (!v) {
            scanner_record_free(r);
            return AWS_ENOMEM;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = r;
    return 0;
}

void scanner_record_set_finish(scanner_record_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        scanner_record_free(s->v[i]);
    free(s->v);
    scanner_record_set_init(s);
}

void scanner_record_set_mark_incomplete(scanner_record_set *s, scanner_source src)
{
    s->incomplete |= 1u << (unsigned)src;
}

int scanner_record_set_complete(const scanner_record_set *s, scanner_source src)
{
    return (s->incomplete & (1u << (unsigned)src)) == 0;
}

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
        free(*fields[i]);
    free_list(r->in_use_by, r->n_in_use_by);
    scanner_tags_finish(&r->tags);
    free_list(r->sans, r->n_sans);
    for (size_t i = 0; i < r->n_validations; i++) {
        free(r->validations[i].domain);
        free(r->validations[i].status);
        free(r->validations[i].method);
        free(r->validations[i].rr_name);
        free(r->validations[i].rr_type);
        free(r->validations[i].rr_value);
        free(r->validations[i].dns_answer);
    }
    free(r->validations);
    free(r);
}

int scanner_str_set(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return AWS_ENOMEM;
    free(*field);
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
        free(v->domain);
        free(v->status);
        free(v->method);
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

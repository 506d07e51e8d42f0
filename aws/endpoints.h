/* certsweep — service endpoints: region and partition to host, global
 * services with their signing regions, FIPS, and the AWS CLI's overrides
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. */
#ifndef AWS_ENDPOINTS_H
#define AWS_ENDPOINTS_H

#include <stddef.h>

/* Services certsweep talks to.  The env suffix is the AWS CLI's spelling
 * (AWS_ENDPOINT_URL_API_GATEWAY ...). */
typedef enum aws_service {
    AWS_SVC_STS = 0,
    AWS_SVC_ORGANIZATIONS,
    AWS_SVC_EC2,
    AWS_SVC_ACM,
    AWS_SVC_APIGATEWAY,
    AWS_SVC_APIGATEWAYV2,
    AWS_SVC_IAM,
    AWS_SVC_CLOUDWATCH,
    AWS_SVC_SECURITYHUB,
    AWS_SVC_SNS,
    AWS_SVC_SSO,                   /* IAM Identity Center portal (GetRoleCredentials) */
    AWS_SVC__COUNT
} aws_service;

typedef struct aws_endpoint_cfg {
    int fips;                      /* use FIPS endpoints where they exist */
    int use_env;                   /* honour AWS_ENDPOINT_URL[_<SERVICE>] (default on) */
    const char *endpoint_url;      /* global override (config), NULL: none */
    const char *service_url[AWS_SVC__COUNT];  /* per-service overrides (config) */
    int allow_insecure;            /* accept http:// overrides to hosts that are not
                                    * loopback ([aws] allow_insecure_endpoints) */
} aws_endpoint_cfg;

typedef struct aws_endpoint {
    char url[512];                 /* scheme://host[:port] with no trailing slash */
    char signing_region[32];
    char signing_name[32];
    char partition[16];            /* "aws", "aws-cn", "aws-us-gov" */
} aws_endpoint;

const char *aws_service_name(aws_service s);      /* "sts", "acm", ... */
const char *aws_service_env_suffix(aws_service s); /* "STS", "API_GATEWAY", ... */
/* Partition of a region: "aws", "aws-cn" or "aws-us-gov". */
const char *aws_region_partition(const char *region);
int  aws_region_valid(const char *region);
/* AWS_EINVAL too for an http:// override to a host
 * that is not loopback, unless cfg->allow_insecure. */
int  aws_endpoint_resolve(const aws_endpoint_cfg *cfg, aws_service svc,
                          const char *region, aws_endpoint *out);

/* 1 when url is plain http:// to a host other than loopback (127.0.0.0/8,
 * [::1], localhost): session tokens and AssumeRole answers would cross the
 * network in clear. */
int  aws_endpoint_url_insecure(const char *url);
/* Checks every override cfg would use (the config's, and with use_env the
 * AWS_ENDPOINT_URL[_<SERVICE>] variables).  0, or AWS_EINVAL with err
 * naming the setting and the fix, when one is insecure and
 * cfg->allow_insecure is not set. */
int  aws_endpoint_check_insecure(const aws_endpoint_cfg *cfg, char *err, size_t errlen);

#endif

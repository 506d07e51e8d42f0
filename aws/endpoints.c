/* certsweep — service endpoints.
 *
 * Hostnames, signing regions and FIPS variants are those of botocore's
 * data/endpoints.json (botocore 1.43) for the partitions aws, aws-cn and
 * aws-us-gov.  Where endpoints.json lists no FIPS endpoint for a service in
 * a region, resolving with fips on fails with AWS_ENOTFOUND rather than
 * silently falling back to a non-FIPS host.
 *
 * Override precedence, first match wins:
 *   1. config service_url[svc]          (explicit, service-specific)
 *   2. config endpoint_url              (explicit, global)
 *   3. env AWS_ENDPOINT_URL_<SUFFIX>    (when use_env)
 *   4. env AWS_ENDPOINT_URL             (when use_env)
 * A value written in certsweep's configuration is an explicit choice of the
 * operator and so wins over the environment; within each source the
 * service-specific value wins over the global one.  An override changes the
 * URL only: the signing region stays the normal one (global services keep
 * their global signing region, e.g. IAM signs for us-east-1).
 */
#include "aws/endpoints.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct fips_set {
    const char *partition;
    const char *regions[8];     /* NULL-terminated; "*" = every region */
    int same_host;              /* FIPS host is the standard host */
} fips_set;

typedef struct svc_info {
    const char *name;           /* botocore client name */
    const char *env;            /* AWS_ENDPOINT_URL_<env> */
    const char *prefix;         /* endpoint prefix (host label) */
    const char *signing;        /* SigV4 signing name */
    int global;                 /* one endpoint per partition */
    fips_set fips[2];
} svc_info;

#define US4 "us-east-1", "us-east-2", "us-west-1", "us-west-2"
#define GOV "us-gov-east-1", "us-gov-west-1"

static const svc_info services[AWS_SVC__COUNT] = {
    [AWS_SVC_STS] = { "sts", "STS", "sts", "sts", 0,
        { { "aws", { US4, NULL }, 0 }, { "aws-us-gov", { GOV, NULL }, 1 } } },
    [AWS_SVC_ORGANIZATIONS] = { "organizations", "ORGANIZATIONS", "organizations",
        "organizations", 1, { { NULL, { NULL }, 0 }, { NULL, { NULL }, 0 } } },
    [AWS_SVC_EC2] = { "ec2", "EC2", "ec2", "ec2", 0,
        { { "aws", { US4, "ca-central-1", "ca-west-1", NULL }, 0 },
          { "aws-us-gov", { GOV, NULL }, 1 } } },
    [AWS_SVC_ACM] = { "acm", "ACM", "acm", "acm", 0,
        { { "aws", { US4, "ca-central-1", "ca-west-1", NULL }, 0 },
          { "aws-us-gov", { GOV, NULL }, 1 } } },
    [AWS_SVC_APIGATEWAY] = { "apigateway", "API_GATEWAY", "apigateway", "apigateway", 0,
        { { "aws", { US4, "ca-central-1", "ca-west-1", NULL }, 0 },
          { NULL, { NULL }, 0 } } },
    [AWS_SVC_APIGATEWAYV2] = { "apigatewayv2", "APIGATEWAYV2", "apigateway", "apigateway", 0,
        { { "aws", { US4, "ca-central-1", "ca-west-1", NULL }, 0 },
          { NULL, { NULL }, 0 } } },
    [AWS_SVC_IAM] = { "iam", "IAM", "iam", "iam", 1,
        { { NULL, { NULL }, 0 }, { NULL, { NULL }, 0 } } },
    [AWS_SVC_CLOUDWATCH] = { "cloudwatch", "CLOUDWATCH", "monitoring", "monitoring", 0,
        { { "aws", { US4, NULL }, 0 }, { "aws-us-gov", { GOV, NULL }, 1 } } },
    [AWS_SVC_SECURITYHUB] = { "securityhub", "SECURITYHUB", "securityhub", "securityhub", 0,
        { { "aws", { US4, NULL }, 0 }, { "aws-us-gov", { GOV, NULL }, 0 } } },
    [AWS_SVC_SNS] = { "sns", "SNS", "sns", "sns", 0,
        { { "aws", { US4, "ca-west-1", NULL }, 0 }, { "aws-us-gov", { GOV, NULL }, 1 } } },
    [AWS_SVC_SSO] = { "sso", "SSO", "portal.sso", "awsssoportal", 0,
        { { NULL, { NULL }, 0 }, { NULL, { NULL }, 0 } } },
};

/* Global services: the partition endpoint, its signing region, and its FIPS
 * host (NULL: none). */
typedef struct global_ep {
    aws_service svc;
    const char *partition;
    const char *host;
    const char *region;
    const char *fips_host;
} global_ep;

static const global_ep globals[] = {
    { AWS_SVC_ORGANIZATIONS, "aws", "organizations.us-east-1.amazonaws.com", "us-east-1",
      "organizations-fips.us-east-1.amazonaws.com" },
    { AWS_SVC_ORGANIZATIONS, "aws-cn", "organizations.cn-northwest-1.amazonaws.com.cn",
      "cn-northwest-1", NULL },
    { AWS_SVC_ORGANIZATIONS, "aws-us-gov", "organizations.us-gov-west-1.amazonaws.com",
      "us-gov-west-1", "organizations.us-gov-west-1.amazonaws.com" },
    { AWS_SVC_IAM, "aws", "iam.amazonaws.com", "us-east-1", "iam-fips.amazonaws.com" },
    { AWS_SVC_IAM, "aws-cn", "iam.cn-north-1.amazonaws.com.cn", "cn-north-1", NULL },
    { AWS_SVC_IAM, "aws-us-gov", "iam.us-gov.amazonaws.com", "us-gov-west-1",
      "iam.us-gov.amazonaws.com" },
};

const char *aws_service_name(aws_service s)
{
    return (unsigned)s < AWS_SVC__COUNT ? services[s].name : "unknown";
}

const char *aws_service_env_suffix(aws_service s)
{
    return (unsigned)s < AWS_SVC__COUNT ? services[s].env : "";
}

int aws_region_valid(const char *region)
{
    if (!region || !*region)
        return 0;
    size_t n = strlen(region);
    if (n > 31 || region[0] < 'a' || region[0] > 'z' || region[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = region[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (c == '-' && region[i + 1] == '-')
            return 0;
    }
    return 1;
}

const char *aws_region_partition(const char *region)
{
    if (region && strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (region && strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    return "aws";
}

static const char *dns_suffix(const char *partition)
{
    return strcmp(partition, "aws-cn") == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

static int copy(char *dst, size_t n, const char *src)
{
    int w = snprintf(dst, n, "%s", src);
    return w < 0 || (size_t)w >= n ? AWS_EINVAL : 0;
}

/* The host of an http(s) URL ("[::1]" without brackets), or "" */
static void url_host(const char *url, char *host, size_t n)
{
    host[0] = '\0';
    const char *p = strstr(url, "://");
    if (!p || n == 0)
        return;
    p += 3;
    size_t len = strcspn(p, "/?#");
    const char *at = memchr(p, '@', len);
    if (at) {                           /* userinfo: the host follows it */
        len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (*p == '[') {
        const char *close = memchr(p, ']', len);
        if (!close)
            return;
        len = (size_t)(close - p - 1);
        p++;
    } else {
        const char *colon = memchr(p, ':', len);
        if (colon)
            len = (size_t)(colon - p);
    }
    if (len >= n)
        return;
    memcpy(host, p, len);
    host[len] = '\0';
}

int aws_endpoint_url_insecure(const char *url)
{
    if (!url || strncasecmp(url, "http://", 7) != 0)
        return 0;
    char host[256];
    url_host(url, host, sizeof(host));
    if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
        return 0;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) != 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return !IN6_IS_ADDR_LOOPBACK(&a6);
    return 1;
}

/* An override must be an http(s) URL without whitespace; trailing slashes
 * are dropped. */
static int set_override(aws_endpoint *out, const char *url)
{
    size_t scheme;
    if (strncasecmp(url, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        scheme = 8;
    else
        return AWS_EINVAL;
    size_t n = strlen(url);
    while (n > scheme && url[n - 1] == '/')
        n--;
    if (n >= sizeof(out->url))
        return AWS_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return AWS_EINVAL;
    memcpy(out->url, url, n);
    out->url[n] = '\0';
    const char *host = out->url + scheme;
    if (!*host || *host == '/' || *host == ':')
        return AWS_EINVAL;
    return 0;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static const char *find_override(const aws_endpoint_cfg *cfg, aws_service svc)
{
    const char *v;
    if (cfg && (v = nonempty(cfg->service_url[svc])))
        return v;
    if (cfg && (v = nonempty(cfg->endpoint_url)))
        return v;
    if (!cfg || cfg->use_env) {
        char name[64];
        snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", services[svc].env);
        if ((v = nonempty(getenv(name))))
            return v;
        if ((v = nonempty(getenv("AWS_ENDPOINT_URL"))))
            return v;
    }
    return NULL;
}

static int regional_fips_host(const svc_info *si, const char *partition,
                              const char *region, char *host, size_t n)
{
    for (size_t i = 0; i < 2; i++) {
        const fips_set *f = &si->fips[i];
        if (!f->partition || strcmp(f->partition, partition) != 0)
            continue;
        for (size_t j = 0; f->regions[j]; j++) {
            if (strcmp(f->regions[j], region) != 0)
                continue;
            int w = snprintf(host, n, f->same_host ? "%s.%s.%s" : "%s-fips.%s.%s",
                             si->prefix, region, dns_suffix(partition));
            return w < 0 || (size_t)w >= n ? AWS_EINVAL : 0;
        }
    }
    return AWS_ENOTFOUND;
}

int aws_endpoint_resolve(const aws_endpoint_cfg *cfg, aws_service svc,
                         const char *region, aws_endpoint *out)
{
    if (!out || (unsigned)svc >= AWS_SVC__COUNT)
        return AWS_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!aws_region_valid(region))
        return AWS_EINVAL;
    const svc_info *si = &services[svc];
    const char *partition = aws_region_partition(region);
    const char *signing_region = region;
    char host[256];
    int rc;

    if (si->global) {
        const global_ep *g = NULL;
        for (size_t i = 0; i < sizeof(globals) / sizeof(*globals); i++)
            if (globals[i].svc == svc && strcmp(globals[i].partition, partition) == 0)
                g = &globals[i];
        if (!g)
            return AWS_ENOTFOUND;
        signing_region = g->region;
        const char *h = g->host;
        if (cfg && cfg->fips) {
            h = g->fips_host;
            if (!h && !find_override(cfg, svc))
                return AWS_ENOTFOUND;
        }
        if (h && (rc = copy(host, sizeof(host), h)) != 0)
            return rc;
    } else if (cfg && cfg->fips) {
        rc = regional_fips_host(si, partition, region, host, sizeof(host));
        if (rc && !(rc == AWS_ENOTFOUND && find_override(cfg, svc)))
            return rc;
    } else {
        int w = snprintf(host, sizeof(host), "%s.%s.%s", si->prefix, region,
                         dns_suffix(partition));
        if (w < 0 || (size_t)w >= sizeof(host))
            return AWS_EINVAL;
    }

    if ((rc = copy(out->signing_region, sizeof(out->signing_region), signing_region)) ||
        (rc = copy(out->signing_name, sizeof(out->signing_name), si->signing)) ||
        (rc = copy(out->partition, sizeof(out->partition), partition)))
        return rc;

    const char *ov = find_override(cfg, svc);
    if (ov && aws_endpoint_url_insecure(ov) && !(cfg && cfg->allow_insecure))
        return AWS_EINVAL;      /* aws_endpoint_check_insecure says why, up front */
    if (ov)
        return set_override(out, ov);
    int w = snprintf(out->url, sizeof(out->url), "https://%s", host);
    return w < 0 || (size_t)w >= sizeof(out->url) ? AWS_EINVAL : 0;
}

int aws_endpoint_check_insecure(const aws_endpoint_cfg *cfg, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (cfg && cfg->allow_insecure)
        return 0;
    const char *what = NULL, *url = NULL;
    char name[64];
    if (cfg && aws_endpoint_url_insecure(cfg->endpoint_url)) {
        what = "[aws] endpoint_url";
        url = cfg->endpoint_url;
    }
    for (int s = 0; !what && cfg && s < AWS_SVC__COUNT; s++)
        if (aws_endpoint_url_insecure(cfg->service_url[s])) {
            snprintf(name, sizeof(name), "the %s endpoint", services[s].name);
            what = name;
            url = cfg->service_url[s];
        }
    if (!what && (!cfg || cfg->use_env)) {
        if (aws_endpoint_url_insecure(getenv("AWS_ENDPOINT_URL"))) {
            what = "AWS_ENDPOINT_URL";
            url = getenv(what);
        }
        for (int s = 0; !what && s < AWS_SVC__COUNT; s++) {
            snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", services[s].env);
            if (aws_endpoint_url_insecure(getenv(name))) {
                what = name;
                url = getenv(name);
            }
        }
    }
    if (!what)
        return 0;
    char host[256];
    url_host(url, host, sizeof(host));
    snprintf(err, errlen, "%s is plain http to '%s', which is not this machine: credentials "
             "and session tokens would cross the network in clear \xe2\x80\x94 use https://, "
             "or set [aws] allow_insecure_endpoints = true", what, host);
    return AWS_EINVAL;
}

/* The published request rates, and the parsing of their overrides. */
#include "aws/rates.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACM_SRC "ACM User Guide, Quotas, API rate quotas (per account and region): https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html"
#define APIGW_SRC "API Gateway Developer Guide, quotas for creating, deploying and managing an API: total operations 10 rps, burst 40, per account and region: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
#define SECHUB_SRC "Security Hub API Reference, introduction (throttling limits, per account and region): https://docs.aws.amazon.com/securityhub/1.0/APIReference/Welcome.html"

/* Bursts are certsweep's own first burst: small, and never above the one AWS
 * publishes, so that a fresh bucket never sends more than the limit before
 * the first answer comes back. */
static const aws_rate_limit k_rates[] = {
    { "acm", "DescribeCertificate", "acm:DescribeCertificate", 10, 1, ACM_SRC },
    { "acm", "ListCertificates", "acm:ListCertificates", 8, 1, ACM_SRC },
    { "acm", "ListTagsForCertificate", "acm:ListTagsForCertificate", 10, 1, ACM_SRC },
    { "acm", "GetCertificate", "acm:GetCertificate", 10, 1, ACM_SRC },
    { "acm", "*", "acm:other", 1, 1, ACM_SRC " (the lowest per-operation figure, 1/s)" },
    /* API Gateway's management API: one account-wide limit for every
     * operation, v1 and v2 alike. */
    { "apigateway", "*", "apigateway:control-plane", 10, 5, APIGW_SRC },
    { "apigatewayv2", "*", "apigateway:control-plane", 10, 5, APIGW_SRC },
    { "iam", "*", "iam:requests", 10, 1,
      "IAM publishes no request rate for its read operations (IAM User Guide, IAM and AWS STS quotas); 10/s is certsweep's assumption and the adaptive control corrects it" },
    { "sts", "*", "sts:requests", 600, 10,
      "IAM User Guide, IAM and AWS STS quotas: AWS STS requests, 600 per second per account and region: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html" },
    { "organizations", "*", "organizations:requests", 10, 1,
      "Organizations publishes no per-operation rate (Organizations User Guide, quotas; it answers TooManyRequestsException); 10/s is certsweep's assumption and the adaptive control corrects it" },
    { "ec2", "DescribeRegions", "ec2:DescribeRegions", 20, 5,
      "EC2 Developer Guide, request throttling: non-mutating actions, bucket 100, refill 20/s, per account and region: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html" },
    { "ec2", "*", "ec2:other", 20, 5,
      "EC2 Developer Guide, request throttling: non-mutating actions, refill 20/s" },
    { "securityhub", "BatchImportFindings", "securityhub:BatchImportFindings", 10, 5,
      SECHUB_SRC " BatchImportFindings 10/s, burst 30; also the partner guide's BatchImportFindings guidelines" },
    { "securityhub", "GetFindings", "securityhub:GetFindings", 3, 2, SECHUB_SRC " GetFindings 3/s, burst 6" },
    { "securityhub", "BatchUpdateFindings", "securityhub:BatchUpdateFindings", 10, 5, SECHUB_SRC " BatchUpdateFindings 10/s, burst 30" },
    { "securityhub", "*", "securityhub:other", 10, 5, SECHUB_SRC " all other operations 10/s, burst 30" },
    { "sns", "Publish", "sns:Publish", 1500, 10,
      "AWS General Reference, Amazon SNS endpoints and quotas: Publish 30,000/s in us-east-1, 9,000/s in us-west-2 and eu-west-1, 1,500/s in the other regions (the lowest is used): https://docs.aws.amazon.com/general/latest/gr/sns.html" },
    { "sns", "*", "sns:other", 10, 1, "AWS General Reference, Amazon SNS endpoints and quotas (control-plane operations, most 10/s or more)" },
    /* Last: any other service. */
    { "*", "*", "other", 5, 1, "no published figure: certsweep's conservative default, corrected by the adaptive control" },
};

#define NRATES (sizeof(k_rates) / sizeof(k_rates[0]))

const aws_rate_limit *aws_rates_table(size_t *n)
{
    if (n)
        *n = NRATES;
    return k_rates;
}

const aws_rate_limit *aws_rates_lookup(const char *service, const char *op)
{
    const aws_rate_limit *any = NULL;
    if (!service)
        service = "";
    if (!op)
        op = "";
    for (size_t i = 0; i + 1 < NRATES; i++) {
        if (strcmp(k_rates[i].service, service) != 0)
            continue;
        if (strcmp(k_rates[i].op, op) == 0)
            return &k_rates[i];
        if (strcmp(k_rates[i].op, "*") == 0)
            any = &k_rates[i];
    }
    return any ? any : &k_rates[NRATES - 1];
}

static const aws_rate_limit *find_exact(const char *service, size_t slen, const char *op, size_t olen,
                                        int *service_known)
{
    *service_known = 0;
    for (size_t i = 0; i + 1 < NRATES; i++) {
        if (strlen(k_rates[i].service) != slen || memcmp(k_rates[i].service, service, slen) != 0)
            continue;
        *service_known = 1;
        if (strlen(k_rates[i].op) == olen && memcmp(k_rates[i].op, op, olen) == 0)
            return &k_rates[i];
    }
    return NULL;
}

int aws_rates_parse_override(const char *item, const aws_rate_limit **row,
                             double *rate, char *why, size_t why_len)
{
    const char *colon = item ? strchr(item, ':') : NULL;
    const char *eq = colon ? strchr(colon, '=') : NULL;
    if (!colon || !eq || colon == item || eq == colon + 1 || !eq[1]) {
        snprintf(why, why_len, "\"%s\" is not service:Operation=RATE — write e.g. acm:DescribeCertificate=20",
                 item ? item : "");
        return -1;
    }
    int known;
    const aws_rate_limit *r = find_exact(item, (size_t)(colon - item), colon + 1,
                                         (size_t)(eq - colon - 1), &known);
    if (!r) {
        if (!known)
            snprintf(why, why_len, "unknown service \"%.*s\" in \"%s\" — use acm, apigateway, apigatewayv2, iam, sts, organizations, ec2, securityhub or sns",
                     (int)(colon - item), item, item);
        else
            snprintf(why, why_len, "\"%.*s\" has no published rate of its own in \"%s\" — name an operation certsweep paces (README, Pacing, lists them) or use %.*s:*",
                     (int)(eq - colon - 1), colon + 1, item, (int)(colon - item), item);
        return -1;
    }
    errno = 0;
    char *end;
    double v = strtod(eq + 1, &end);
    if (errno || *end || !isfinite(v) || v < AWS_RATE_MIN || v > AWS_RATE_MAX) {
        snprintf(why, why_len, "rate \"%s\" in \"%s\" is not a number of requests per second between %g and %g",
                 eq + 1, item, AWS_RATE_MIN, AWS_RATE_MAX);
        return -1;
    }
    *row = r;
    *rate = v;
    return 0;
}

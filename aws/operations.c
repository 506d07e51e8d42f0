/* certsweep — the operations certsweep calls; see operations.h. */
#include "aws/operations.h"

#include <string.h>

#define APIGW_ARN "arn:aws:apigateway:*::"

static const aws_operation k_ops[] = {
    /* The scanning identity: the credential chain, then the organization. */
    { AWS_SVC_STS, "GetCallerIdentity", NULL, NULL, AWS_POLICY_NONE,
      "whoami; needs no permission" },
    { AWS_SVC_STS, "AssumeRoleWithWebIdentity", NULL, NULL, AWS_POLICY_NONE,
      "web identity credentials: an unsigned call, allowed by the federated role's trust policy" },
    { AWS_SVC_SSO, "GetRoleCredentials", NULL, NULL, AWS_POLICY_NONE,
      "IAM Identity Center profiles: authorized by the 'aws sso login' token and the permission set, not by these policies" },
    { AWS_SVC_STS, "AssumeRole", "sts:AssumeRole", "arn:aws:iam::*:role/CertSweepAudit", AWS_POLICY_SCANNER,
      "assume the audit role in each scanned account" },
    { AWS_SVC_ORGANIZATIONS, "ListAccounts", "organizations:ListAccounts", "*", AWS_POLICY_SCANNER,
      "discover the organization's accounts" },
    { AWS_SVC_ORGANIZATIONS, "ListAccountsForParent", "organizations:ListAccountsForParent", "*", AWS_POLICY_SCANNER,
      "accounts under [scan] organizational_units" },
    { AWS_SVC_ORGANIZATIONS, "ListOrganizationalUnitsForParent", "organizations:ListOrganizationalUnitsForParent", "*", AWS_POLICY_SCANNER,
      "child OUs and their names: [scan] organizational_units, exclude_ous, and each finding's OU path" },
    { AWS_SVC_ORGANIZATIONS, "ListRoots", "organizations:ListRoots", "*", AWS_POLICY_SCANNER,
      "the root of the OU path of each finding" },
    { AWS_SVC_ORGANIZATIONS, "ListParents", "organizations:ListParents", "*", AWS_POLICY_SCANNER,
      "the OU path above [scan] organizational_units" },
    { AWS_SVC_ORGANIZATIONS, "DescribeOrganizationalUnit", "organizations:DescribeOrganizationalUnit", "*", AWS_POLICY_SCANNER,
      "the names in the OU path above [scan] organizational_units" },
    { AWS_SVC_ORGANIZATIONS, "ListTagsForResource", "organizations:ListTagsForResource", "*", AWS_POLICY_SCANNER,
      "the tags of accounts with findings (and digest owners, [email] owner_tag)" },
    { AWS_SVC_SNS, "Publish", "sns:Publish", "*", AWS_POLICY_SCANNER,
      "the organization digest to [sns] topic_arn (narrow Resource to that topic)" },

    /* The audit role in each account. */
    { AWS_SVC_EC2, "DescribeRegions", "ec2:DescribeRegions", "*", AWS_POLICY_AUDIT,
      "regions enabled in the account (regions = all)" },
    { AWS_SVC_ACM, "ListCertificates", "acm:ListCertificates", "*", AWS_POLICY_AUDIT,
      "ACM certificates" },
    { AWS_SVC_ACM, "DescribeCertificate", "acm:DescribeCertificate", "*", AWS_POLICY_AUDIT,
      "details of each ACM certificate" },
    { AWS_SVC_ACM, "ListTagsForCertificate", "acm:ListTagsForCertificate", "*", AWS_POLICY_AUDIT,
      "tags of ACM certificates with findings" },
    { AWS_SVC_APIGATEWAY, "GetClientCertificates", "apigateway:GET", APIGW_ARN "/clientcertificates", AWS_POLICY_AUDIT,
      "API Gateway client certificates" },
    { AWS_SVC_APIGATEWAY, "GetRestApis", "apigateway:GET", APIGW_ARN "/restapis", AWS_POLICY_AUDIT,
      "REST APIs, to read their stages" },
    { AWS_SVC_APIGATEWAY, "GetStages", "apigateway:GET", APIGW_ARN "/restapis/*/stages", AWS_POLICY_AUDIT,
      "the client certificate each stage sends" },
    { AWS_SVC_APIGATEWAY, "GetDomainNames", "apigateway:GET", APIGW_ARN "/domainnames", AWS_POLICY_AUDIT,
      "custom domain names and their certificates" },
    { AWS_SVC_APIGATEWAYV2, "GetDomainNamesV2", "apigateway:GET", APIGW_ARN "/v2/domainnames", AWS_POLICY_AUDIT,
      "HTTP and WebSocket API custom domain names" },
    { AWS_SVC_IAM, "ListServerCertificates", "iam:ListServerCertificates", "*", AWS_POLICY_AUDIT,
      "IAM server certificates" },
    { AWS_SVC_IAM, "ListServerCertificateTags", "iam:ListServerCertificateTags", "*", AWS_POLICY_AUDIT,
      "tags of IAM server certificates with findings" },
    { AWS_SVC_SECURITYHUB, "GetFindings", "securityhub:GetFindings", "*", AWS_POLICY_AUDIT,
      "findings imported earlier, to archive the resolved ones" },
    { AWS_SVC_SECURITYHUB, "BatchImportFindings", "securityhub:BatchImportFindings", "*", AWS_POLICY_AUDIT,
      "import the findings" },
};

const aws_operation *aws_operations_table(size_t *n)
{
    *n = sizeof(k_ops) / sizeof(k_ops[0]);
    return k_ops;
}

const aws_operation *aws_operation_find(aws_service service, const char *op)
{
    if (!op)
        return NULL;
    for (size_t i = 0; i < sizeof(k_ops) / sizeof(k_ops[0]); i++)
        if (k_ops[i].service == service && strcmp(k_ops[i].op, op) == 0)
            return &k_ops[i];
    return NULL;
}

const char *aws_policy_name(aws_policy p)
{
    switch (p) {
    case AWS_POLICY_SCANNER: return "scanner";
    case AWS_POLICY_AUDIT:   return "audit";
    case AWS_POLICY_NONE:    break;
    }
    return "none";
}

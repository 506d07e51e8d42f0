/* certsweep — every AWS operation certsweep calls, and the IAM permission
 * each one needs.
 *
 * aws_client_call() refuses an operation that has no row here, so this
 * table is the complete list (the SSO portal's GetRoleCredentials, sent by
 * sts/provider_sso.c through aws_http directly with a bearer token, is
 * listed too; IMDS and the ECS endpoint are not AWS APIs): the shipped IAM policies (packaging/iam/) are
 * checked against it by a test (tests/package/test_iam_policies.py), which
 * fails when a policy lacks an action the code calls or grants one it does
 * not.  Adding a call = adding its row (and the test then says which policy
 * must grow).
 */
#ifndef AWS_OPERATIONS_H
#define AWS_OPERATIONS_H

#include <stddef.h>

#include "aws/endpoints.h"

/* Which shipped policy grants the operation. */
typedef enum aws_policy {
    AWS_POLICY_NONE = 0,   /* needs no permission (GetCallerIdentity, unsigned calls) */
    AWS_POLICY_SCANNER,    /* the scanning identity: packaging/iam/scanner-policy.json */
    AWS_POLICY_AUDIT,      /* the audit role in each account: audit-role-permissions.json (and the role template) */
} aws_policy;

typedef struct aws_operation {
    aws_service service;
    const char *op;         /* as in aws_call.op: "ListCertificates" */
    const char *action;     /* IAM action, "acm:ListCertificates"; NULL with AWS_POLICY_NONE */
    const char *resource;   /* the policy's Resource for it ("*" or an ARN pattern) */
    aws_policy policy;
    const char *why;        /* what certsweep uses it for */
} aws_operation;

/* The whole table, in a stable order. */
const aws_operation *aws_operations_table(size_t *n);
/* The row of service/op, or NULL. */
const aws_operation *aws_operation_find(aws_service service, const char *op);
/* "scanner", "audit" or "none". */
const char *aws_policy_name(aws_policy p);

#endif

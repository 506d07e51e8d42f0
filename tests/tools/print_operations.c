/* Prints aws/operations.c, one operation a line, tab-separated:
 * service, op, policy (scanner|audit|none), action, resource ("-" when
 * none).  tests/package/test_iam_policies.py checks the shipped policies
 * against it. */
#include <stdio.h>

#include "aws/operations.h"

int main(void)
{
    size_t n;
    const aws_operation *t = aws_operations_table(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\t%s\t%s\t%s\n", aws_service_name(t[i].service), t[i].op,
               aws_policy_name(t[i].policy), t[i].action ? t[i].action : "-",
               t[i].resource ? t[i].resource : "-");
    return ferror(stdout) ? 1 : 0;
}

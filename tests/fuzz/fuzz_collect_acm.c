/* certsweep — fuzz the ACM collector's parsers (ListCertificates,
 * DescribeCertificate) with one body each. */
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/error.h"
#include "scanner/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    char err[256];

    scanner_strv arns;
    scanner_strv_init(&arns);
    char *next = NULL;
    err[0] = '\0';
    int rc = scanner_acm_parse_list(body, size, &arns, &next, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
    if (rc == AWS_EPARSE)
        FUZZ_CHECK(fuzz_one_line(err));
    for (size_t i = 0; i < arns.n; i++)
        FUZZ_CHECK(arns.v[i] != NULL);
    free(next);
    scanner_strv_finish(&arns);

    scanner_record *r = NULL;
    err[0] = '\0';
    rc = scanner_acm_parse_describe(body, size, "111122223333", "us-east-1", &r, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
    if (rc == AWS_EPARSE)
        FUZZ_CHECK(fuzz_one_line(err));
    if (rc == 0) {
        FUZZ_CHECK(r != NULL);
        /* Remote text is valid UTF-8, times within the one range. */
        FUZZ_CHECK(fuzz_utf8(r->arn) && fuzz_utf8(r->domain) && fuzz_utf8(r->status) &&
                   fuzz_utf8(r->failure_reason) && fuzz_utf8(r->renewal_reason));
        FUZZ_CHECK(aws_time_in_range(r->not_after) && aws_time_in_range(r->not_before) &&
                   aws_time_in_range(r->created_at));
    }
    scanner_record_free(r);
    return 0;
}

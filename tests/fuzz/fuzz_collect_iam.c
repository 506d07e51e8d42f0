/* certsweep — fuzz the IAM collector's parser (ListServerCertificates XML). */
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/error.h"
#include "scanner/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    char *marker = NULL;
    scanner_record_set set;
    scanner_record_set_init(&set);
    int rc = scanner_iam_parse_server_certs((const char *)data, size, "111122223333", &set,
                                            &marker, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
    if (rc == AWS_EPARSE)
        FUZZ_CHECK(fuzz_one_line(err));
    for (size_t i = 0; i < set.n; i++)
        FUZZ_CHECK(fuzz_utf8(set.v[i]->id) && fuzz_utf8(set.v[i]->arn) &&
                   aws_time_in_range(set.v[i]->not_after));
    FUZZ_CHECK(fuzz_utf8(marker));
    free(marker);
    scanner_record_set_finish(&set);
    return 0;
}

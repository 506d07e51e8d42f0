/* certsweep — fuzz the API Gateway v2 collector's parser (GetDomainNames). */
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "scanner/collect.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    char *next = NULL;
    scanner_record_set set;
    scanner_record_set_init(&set);
    int rc = scanner_apigwv2_parse_domains((const char *)data, size, "111122223333", "eu-west-1",
                                           &set, &next, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
    if (rc == AWS_EPARSE)
        FUZZ_CHECK(fuzz_one_line(err));
    free(next);
    scanner_record_set_finish(&set);
    return 0;
}

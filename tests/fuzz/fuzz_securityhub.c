/* certsweep — fuzz the Security Hub GetFindings answer parser, in member
 * and central mode. */
#include <stdlib.h>

#include "aws/error.h"
#include "scanner/asff.h"
#include "scanner/securityhub.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const scanner_shub_mode modes[] = { SCANNER_SHUB_MEMBER, SCANNER_SHUB_CENTRAL };
    for (size_t i = 0; i < 2; i++) {
        scanner_shub_prevset prev;
        scanner_shub_prevset_init(&prev);
        char *next = NULL;
        int rc = scanner_shub_parse_findings((const char *)data, size, "111122223333", "us-east-1",
                                             modes[i], &prev, &next);
        FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
        for (size_t j = 0; j < prev.n; j++) {
            FUZZ_CHECK(prev.v[j].id != NULL);
            FUZZ_CHECK(scanner_shub_prevset_find(&prev, prev.v[j].id) != NULL);
        }
        free(next);
        scanner_shub_prevset_finish(&prev);
    }
    return 0;
}

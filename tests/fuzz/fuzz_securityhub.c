/* certsweep — fuzz the Security Hub GetFindings answer parser, in member
 * and central mode. */
#include <stdlib.h>

#include "aws/error.h"
#include "securityhub/asff.h"
#include "securityhub/securityhub.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const shub_mode modes[] = { SHUB_MEMBER, SHUB_CENTRAL };
    for (size_t i = 0; i < 2; i++) {
        shub_prevset prev;
        shub_prevset_init(&prev);
        char *next = NULL;
        int rc = shub_parse_findings((const char *)data, size, "111122223333", "us-east-1",
                                             modes[i], &prev, &next);
        FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
        for (size_t j = 0; j < prev.n; j++) {
            FUZZ_CHECK(prev.v[j].id != NULL);
            FUZZ_CHECK(shub_prevset_find(&prev, prev.v[j].id) != NULL);
        }
        free(next);
        shub_prevset_finish(&prev);
    }
    return 0;
}

/* certsweep — fuzz aws_time_parse; what it accepts must format and parse
 * back to the same second. */
#include <stdlib.h>

#include "aws/awstime.h"
#include "aws/error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = fuzz_strndup(data, size);
    int64_t t = 0;
    int rc = aws_time_parse(s, &t);
    FUZZ_CHECK(rc == 0 || rc == AWS_EINVAL);
    if (rc == 0) {
        char iso[64], amz[64];
        aws_time_iso8601(t, iso, sizeof(iso));
        aws_time_amz(t, amz, sizeof(amz));
        int64_t back = 0;
        if (aws_time_parse(iso, &back) == 0)
            FUZZ_CHECK(back == t);
    }
    free(s);
    return 0;
}

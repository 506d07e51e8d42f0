/* certsweep — fuzz the AWS shared config / credentials file loader
 * (sts_profiles_load) and the resolution plan.  The input is written to a
 * private temp file that serves as both files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/error.h"
#include "sts/profile.h"
#include "fuzz.h"

static char path[64];

static void cleanup(void)
{
    if (path[0])
        unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    if (!path[0]) {
        snprintf(path, sizeof(path), "/tmp/certsweep-fuzz-profile-XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        atexit(cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    sts_profiles *p = NULL;
    char err[256] = "";
    int rc = sts_profiles_load(path, path, &p, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == AWS_EINVAL || rc == AWS_ENOMEM);
    if (rc == AWS_EINVAL)
        FUZZ_CHECK(err[0] != '\0');
    if (rc == 0) {
        static const char *const names[] = { "default", "a", "b", "dev", "x" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            sts_plan plan;
            char why[256] = "";
            (void)sts_profiles_has(p, names[i]);
            (void)sts_profiles_get(p, names[i], "region");
            int prc = sts_profile_plan(p, names[i], &plan, why, sizeof(why));
            FUZZ_CHECK(prc == 0 || prc == AWS_ENOCREDS || prc == AWS_EINVAL);
            if (prc == AWS_EINVAL)
                FUZZ_CHECK(why[0] != '\0');
            if (prc == 0)
                FUZZ_CHECK(plan.nhops <= STS_MAX_ROLE_HOPS);
        }
    }
    sts_profiles_free(p);
    return 0;
}

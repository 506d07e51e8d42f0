/* certsweep — fuzz config_load_string (INI over libinih) and the
 * cross-field validation.  Inputs with NUL bytes are skipped: the file
 * loader rejects them before they reach config_load_string. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "config/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024 || memchr(data, '\0', size))
        return 0;
    char *text = fuzz_strndup(data, size);
    char *msgs = NULL;
    size_t msgs_len = 0;
    FILE *errs = open_memstream(&msgs, &msgs_len);
    if (!errs)
        abort();

    config c;
    config_init(&c);
    int rc = config_load_string(&c, "fuzz.conf", text, errs);
    FUZZ_CHECK(rc == 0 || rc == AWS_EINVAL || rc == AWS_ENOMEM);
    fflush(errs);
    if (rc == AWS_EINVAL)
        FUZZ_CHECK(msgs_len > 0);       /* every rejection says why */
    if (rc == 0)
        FUZZ_CHECK(msgs_len == 0);
    (void)config_validate(&c, errs);
    config_finish(&c);

    fclose(errs);
    free(msgs);
    free(text);
    return 0;
}

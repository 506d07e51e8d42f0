/* certsweep-mangen SECTION OUTPUT: writes certsweep(1) or certsweep.conf(5)
 * at build time.  The date is $SOURCE_DATE_EPOCH's when set (reproducible
 * builds), else today's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/manpage.h"

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "1") != 0 && strcmp(argv[1], "5") != 0)) {
        fprintf(stderr, "usage: certsweep-mangen 1|5 OUTPUT\n");
        return 2;
    }
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0) {
            fprintf(stderr, "certsweep-mangen: SOURCE_DATE_EPOCH '%s' is not a number of seconds\n", sde);
            return 2;
        }
        t = (time_t)v;
    }
    struct tm tm;
    char date[64];
    if (!gmtime_r(&t, &tm) || strftime(date, sizeof(date), "%B %e, %Y", &tm) == 0)
        return 1;
    char *d = date, *sp = strstr(date, "  ");     /* "%e" pads with a space */
    if (sp)
        memmove(sp, sp + 1, strlen(sp));
    FILE *f = fopen(argv[2], "w");
    if (!f) {
        fprintf(stderr, "certsweep-mangen: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    int rc = manpage_write(f, argv[1][0] - '0', d);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "certsweep-mangen: cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}

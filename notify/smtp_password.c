/* certsweep — the SMTP password, read on the loop thread (notify/mail.h). */
#include "notify/mail.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int notify_smtp_read_password(const char *file, const char *env, char *out, size_t n,
                              char *err, size_t errlen)
{
    out[0] = '\0';
    if (env) {
        const char *v = getenv(env);
        if (!v || !*v) {
            snprintf(err, errlen, "[email] password_env: %s is not set", env);
            return -1;
        }
        snprintf(out, n, "%s", v);
        return 0;
    }
    if (!file) {
        snprintf(err, errlen, "[email] username is set but neither password_file nor "
                 "password_env");
        return -1;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, errlen, "[email] password_file %s: %s", file, strerror(errno));
        return -1;
    }
    if (!fgets(out, (int)n, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    if (!out[0]) {
        snprintf(err, errlen, "[email] password_file %s is empty", file);
        return -1;
    }
    return 0;
}

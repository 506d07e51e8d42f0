/* certsweep — the SMTP password, read on the loop thread (notify/mail.h). */
#include "notify/mail.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "aws/secret.h"

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

/* base64 of n bytes (malloc'd; NULL on ENOMEM). */
static char *base64_of(const unsigned char *v, size_t n)
{
    char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    if (b64)
        EVP_EncodeBlock((unsigned char *)b64, v, (int)n);
    return b64;
}

int notify_smtp_secrets_register(notify_smtp_secrets *s, const char *user, const char *password)
{
    memset(s, 0, sizeof(*s));
    size_t nu = strlen(user), np = strlen(password);
    /* AUTH PLAIN: "\0user\0password" */
    unsigned char *plain = malloc(nu + np + 2);
    if (plain) {
        plain[0] = '\0';
        memcpy(plain + 1, user, nu);
        plain[1 + nu] = '\0';
        memcpy(plain + 2 + nu, password, np);
        s->forms[1] = base64_of(plain, nu + np + 2);
        OPENSSL_cleanse(plain, nu + np + 2);
        free(plain);
    }
    s->forms[0] = strdup(password);
    s->forms[2] = base64_of((const unsigned char *)password, np);   /* AUTH LOGIN */
    int rc = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!s->forms[i] || aws_secret_register(s->forms[i]) != 0) {
            rc = AWS_ENOMEM;
            if (s->forms[i])
                OPENSSL_cleanse(s->forms[i], strlen(s->forms[i]));
            free(s->forms[i]);
            s->forms[i] = NULL;
        }
    }
    return rc;
}

void notify_smtp_secrets_drop(notify_smtp_secrets *s)
{
    for (size_t i = 0; i < 3; i++) {
        if (!s->forms[i])
            continue;
        aws_secret_unregister(s->forms[i]);
        OPENSSL_cleanse(s->forms[i], strlen(s->forms[i]));
        free(s->forms[i]);
        s->forms[i] = NULL;
    }
}

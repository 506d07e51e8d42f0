/* certsweep — fuzz sts_creds_from_json, the credential document of IMDS,
 * ECS and credential_process (with and without the Version check). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aws/creds.h"
#include "aws/error.h"
#include "sts/providers.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int process_doc = 0; process_doc <= 1; process_doc++) {
        aws_creds *c = NULL;
        char msg[160] = "";
        int rc = sts_creds_from_json((const char *)data, size, process_doc, "fuzz", &c,
                                     msg, sizeof(msg));
        FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
        if (rc == 0) {
            /* Accepted: one JSON object and nothing after it but white space. */
            json_tokener *tok = json_tokener_new();
            if (!tok)
                abort();
            json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
            size_t end = json_tokener_get_parse_end(tok);
            json_tokener_free(tok);
            json_object_put(o);
            for (; end < size; end++)
                FUZZ_CHECK(data[end] == ' ' || data[end] == '\n' || data[end] == '\r' ||
                           data[end] == '\t');
            FUZZ_CHECK(c != NULL);
            FUZZ_CHECK(c->access_key_id && *c->access_key_id);
            FUZZ_CHECK(c->secret_access_key && *c->secret_access_key);
        } else {
            FUZZ_CHECK(c == NULL);
            if (rc == AWS_EPARSE)
                FUZZ_CHECK(fuzz_one_line(msg));
        }
        aws_creds_unref(c);
    }
    return 0;
}

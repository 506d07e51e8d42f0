/* certsweep — fuzz the API Gateway v1 collector's parsers (client
 * certificates, REST APIs, stages, custom domain names) with one body. */
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "scanner/collect.h"
#include "fuzz.h"

static void check(int rc, const char *err)
{
    FUZZ_CHECK(rc == 0 || rc == AWS_EPARSE || rc == AWS_ENOMEM);
    if (rc == AWS_EPARSE)
        FUZZ_CHECK(fuzz_one_line(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    char err[256];
    char *pos = NULL;
    scanner_record_set set;
    scanner_record_set_init(&set);

    err[0] = '\0';
    check(scanner_apigw_parse_client_certs(body, size, "111122223333", "us-east-1", &set, &pos,
                                           err, sizeof(err)), err);
    free(pos);
    pos = NULL;

    scanner_strv ids;
    scanner_strv_init(&ids);
    err[0] = '\0';
    check(scanner_apigw_parse_rest_apis(body, size, &ids, &pos, err, sizeof(err)), err);
    free(pos);
    pos = NULL;
    scanner_strv_finish(&ids);

    err[0] = '\0';
    check(scanner_apigw_parse_stages(body, size, "111122223333", "us-east-1", "abc123", &set,
                                     err, sizeof(err)), err);

    err[0] = '\0';
    check(scanner_apigw_parse_domains(body, size, "111122223333", "us-east-1", &set, &pos,
                                      err, sizeof(err)), err);
    free(pos);
    for (size_t i = 0; i < set.n; i++)
        FUZZ_CHECK(set.v[i] != NULL);
    scanner_record_set_finish(&set);
    return 0;
}

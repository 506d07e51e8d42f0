/* certsweep — fuzz discovery's parsers (Organizations ListAccounts /
 * ListOrganizationalUnitsForParent JSON, EC2 DescribeRegions XML) with one body each. */
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "scanner/discover.h"
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
    char *next = NULL;
    size_t skipped = 0;
    scanner_strv v;

    scanner_strv_init(&v);
    err[0] = '\0';
    check(scanner_org_parse_accounts(body, size, &v, &skipped, &next, err, sizeof(err)), err);
    free(next);
    next = NULL;
    scanner_strv_finish(&v);

    scanner_strv_init(&v);
    err[0] = '\0';
    check(scanner_org_parse_named(body, size, "OrganizationalUnits", "Name", &v, &next,
                                  err, sizeof(err)), err);
    free(next);
    scanner_strv_finish(&v);

    scanner_strv_init(&v);
    err[0] = '\0';
    check(scanner_ec2_parse_regions(body, size, &v, err, sizeof(err)), err);
    scanner_strv_finish(&v);
    return 0;
}

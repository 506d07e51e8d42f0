/* certsweep — reading saved JSON reports back (`certsweep notify --report`).
 *
 * The inverse of report_write's json format (schema certsweep.scan/1):
 * findings with their labels, the resolved list and the coverage gaps are
 * appended to a scanner_findings, so that the digests of a run can be sent
 * from its report, or from several shard reports merged (a finding id seen
 * twice is kept once).  A finding of a rule this certsweep does not know is
 * an error: its digest line could not be trusted.
 */
#ifndef REPORT_READ_H
#define REPORT_READ_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/finding.h"

#define REPORT_READ_MAX (256u * 1024 * 1024)

/* Parses one report (len bytes) into f.  *as_of (may be NULL) gets its
 * as_of.  0, or AWS_EPARSE / AWS_EINVAL with a one-line reason naming the
 * place in err, or AWS_ENOMEM.  f is unchanged on failure. */
int report_read_json(const char *text, size_t len, scanner_findings *f, int64_t *as_of,
                     char *err, size_t errlen);

#endif

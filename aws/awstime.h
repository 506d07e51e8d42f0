/* certsweep — timestamps as AWS sends them: epoch seconds (possibly
 * fractional, as JSON numbers or strings) and ISO 8601 / RFC 3339. */
#ifndef AWS_AWSTIME_H
#define AWS_AWSTIME_H

#include <stddef.h>
#include <stdint.h>

/* Parses "2026-11-23T08:45:28Z", "2026-11-23T08:45:28.123Z",
 * "2026-11-23T08:45:28+01:00", "2026-11-23" (midnight UTC) or an epoch
 * number "1795430728" / "1795430728.5".  Result in unix seconds (fraction
 * truncated). Returns 0 or AWS_EINVAL. */
int  aws_time_parse(const char *s, int64_t *out);
/* Formats unix seconds as "2026-11-23T08:45:28Z" (buf >= 21 bytes). */
void aws_time_iso8601(int64_t t, char *buf, size_t n);
/* Formats as "20261123T084528Z" (SigV4 X-Amz-Date, buf >= 17). */
void aws_time_amz(int64_t t, char *buf, size_t n);

#endif

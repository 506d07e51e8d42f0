/* certsweep — timestamps as AWS sends them: epoch seconds (possibly
 * fractional, as JSON numbers or strings) and ISO 8601 / RFC 3339. */
#ifndef AWS_AWSTIME_H
#define AWS_AWSTIME_H

#include <stddef.h>
#include <stdint.h>

/* The one range of timestamps certsweep accepts, whatever their form
 * (ISO 8601 text, epoch seconds as a JSON integer, a decimal or a
 * string): 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, the years an
 * ISO 8601 date can write.  Anything outside is unreadable (a parse gap),
 * so that day arithmetic on two accepted times can never overflow. */
#define AWS_TIME_MIN (-62135596800LL)
#define AWS_TIME_MAX 253402300799LL

/* 1 when AWS_TIME_MIN <= t <= AWS_TIME_MAX. */
int  aws_time_in_range(int64_t t);

/* Parses "2026-11-23T08:45:28Z", "2026-11-23T08:45:28.123Z",
 * "2026-11-23T08:45:28+01:00", "2026-11-23" (midnight UTC) or an epoch
 * number "1795430728" / "1795430728.5".  Result in unix seconds (fraction
 * truncated).  Returns 0, or AWS_EINVAL (also for a time outside
 * AWS_TIME_MIN..AWS_TIME_MAX; *out is then untouched). */
int  aws_time_parse(const char *s, int64_t *out);
/* Formats unix seconds as "2026-11-23T08:45:28Z" (buf >= 21 bytes). */
void aws_time_iso8601(int64_t t, char *buf, size_t n);
/* Formats as "20261123T084528Z" (SigV4 X-Amz-Date, buf >= 17). */
void aws_time_amz(int64_t t, char *buf, size_t n);

#endif

/* certsweep — the DNS checks of the renewal-at-risk rule: the validation
 * records (CNAMEs) of one account-region's ACM certificates, looked up on
 * the scan's resolver before the records are judged.
 *
 * Each answer is written into its validation (dns_seen, dns_answer,
 * dns_status) for the rule to read: MATCH or CHANGED (the CNAME found,
 * compared case-insensitively, trailing dot or not), MISSING (a clear
 * NXDOMAIN or NODATA).  Anything else (SERVFAIL, REFUSED, timeout, error)
 * is UNKNOWN and a coverage gap "account/region/DNS: STATUS: ...", never a
 * finding.  Records sharing one validation record (example.com and
 * *.example.com) are looked up once. */
#ifndef SCANNER_DNSCHECK_H
#define SCANNER_DNSCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "dns/dns.h"
#include "scanner/finding.h"
#include "scanner/record.h"

/* The resolver options [dns] asks for (servers point into cfg). */
void scanner_dns_options(const config *cfg, dns_options *o);

/* Called once, from the loop, when every lookup has answered; clean: all
 * had clear answers (no gap was added). */
typedef void (*scanner_dnscheck_done)(void *ud, int clean);

/* Starts the lookups that scanner_rule_dns_wanted() asks for in set
 * (judged as of as_of).  The set's records must live until done runs.
 * Returns how many lookups started (0: none needed or none could start;
 * done is then never called) — a lookup that cannot start is a gap at
 * once, and *clean_out (may be NULL) is 0 then. */
size_t scanner_dnscheck_start(dns_resolver *r, scanner_record_set *set, const config *cfg,
                              int64_t as_of, scanner_findings *gaps, const char *account,
                              const char *region, scanner_dnscheck_done done, void *ud,
                              int *clean_out);

#endif

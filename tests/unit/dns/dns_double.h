/* A UDP name server double on 127.0.0.1 for unit tests (same libuv loop
 * as the code under test).  Answers by the question's name:
 *   ok.test       CNAME _target.acm-validations.aws (for a CNAME question)
 *   upper.test    CNAME _TARGET.ACM-Validations.AWS
 *   nx.test       NXDOMAIN            fail.test     SERVFAIL
 *   refused.test  REFUSED             bad.test      a malformed answer
 *   a.test        A 192.0.2.7 (for an A question; NODATA for AAAA)
 *   silent.test   no answer at all    anything else NOERROR, no answer (NODATA)
 */
#ifndef TESTS_DNS_DOUBLE_H
#define TESTS_DNS_DOUBLE_H

#include <stddef.h>
#include <uv.h>

typedef struct dns_double {
    uv_udp_t udp;
    int port;
    size_t queries;
    char buf[512];
} dns_double;

void dns_double_start(uv_loop_t *loop, dns_double *s);   /* asserts on failure */
void dns_double_stop(dns_double *s);                     /* run the loop after */

/* Building DNS messages (the double's answers, and tests' own). */
typedef struct dns_msg { unsigned char b[512]; size_t n; } dns_msg;
void dns_msg_put16(dns_msg *m, unsigned v);
void dns_msg_put_name(dns_msg *m, const char *name);
/* A response header (QR, RD, RA, rcode) and one question (name, type). */
void dns_msg_put_header(dns_msg *m, unsigned id, unsigned rcode, unsigned ancount,
                        const char *qname, unsigned qtype);
/* A CNAME answer for the question's name (a pointer to offset 12). */
void dns_msg_put_cname_rr(dns_msg *m, const char *target);

#endif

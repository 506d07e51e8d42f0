/* certsweep — a name server string as [dns] servers takes it. */
#ifndef DNS_SERVER_H
#define DNS_SERVER_H

/* "IP", "IP:port", "[IPv6]" or "[IPv6]:port" (or a bare IPv6 address):
 * 0, else AWS_EINVAL. */
int dns_server_check(const char *server);

#endif

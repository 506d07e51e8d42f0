/* certsweep — the name server strings of [dns] servers (pure: config/
 * links it to validate them without the resolver). */
#include "dns/server.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "aws/error.h"

static int parse_port(const char *s)
{
    if (!*s || strlen(s) > 5)
        return -1;
    int port = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        port = port * 10 + (*s - '0');
    }
    return port >= 1 && port <= 65535 ? port : -1;
}

int dns_server_check(const char *server)
{
    char host[64];
    unsigned char addr[16];
    if (!server || !*server)
        return AWS_EINVAL;
    size_t len = strlen(server);
    if (server[0] == '[') {
        const char *close = strchr(server, ']');
        if (!close || (size_t)(close - server - 1) >= sizeof(host))
            return AWS_EINVAL;
        memcpy(host, server + 1, (size_t)(close - server - 1));
        host[close - server - 1] = '\0';
        if (inet_pton(AF_INET6, host, addr) != 1)
            return AWS_EINVAL;
        if (close[1] == '\0')
            return 0;
        return close[1] == ':' && parse_port(close + 2) > 0 ? 0 : AWS_EINVAL;
    }
    if (len >= sizeof(host))
        return AWS_EINVAL;
    memcpy(host, server, len + 1);
    if (inet_pton(AF_INET6, host, addr) == 1)
        return 0;   /* a bare IPv6 address */
    char *colon = strchr(host, ':');
    if (colon) {
        *colon = '\0';
        if (parse_port(colon + 1) < 0)
            return AWS_EINVAL;
    }
    return inet_pton(AF_INET, host, addr) == 1 ? 0 : AWS_EINVAL;
}

/* aws_probe — drives aws_client against a test server for the transport
 * integration test.
 *
 * Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN (a static provider), the endpoint from
 * AWS_ENDPOINT_URL.  Runs --count calls with at most --concurrency in flight
 * on one uv loop and prints one JSON line per result, in completion order:
 *   {"i":0,"g":0,"err":0,"error":"success","status":200,"code":"","message":"",
 *    "attempts":1,"op":"ListCertificates","body_len":2}
 * then {"stats":{...}}.  Exit status 0 when the loop closed cleanly (even if
 * calls failed), 2 on a usage error, 3 when uv_loop_close() failed.
 *
 * --group starts another group of calls ("g" in the results), a copy of the
 * previous group's call that the options after it change (service, proto,
 * op, target, body, method, path, query, region, rate key, count, timeout,
 * max response): e.g. one account's calls and another's on the same client.
 * Every call of group 0 is started first, then group 1's, and so on; "i"
 * numbers all calls in that order.  --rate SCOPE=RATE paces a rate scope of
 * aws/rates.h ("acm:ListCertificates=1000") at another rate.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "aws/client.h"
#include "aws/error.h"
#include "aws/log.h"

#define MAX_GROUPS 8
#define MAX_RATES 8

typedef struct group {
    aws_call call;
    int count;
} group;

typedef struct probe {
    aws_client *client;
    group g[MAX_GROUPS];
    int ngroups;
    int done;
    int cancel_after;         /* free the client after this many results; 0: never */
    aws_client_stats st;      /* snapshot taken before a cancel */
} probe;

typedef struct one {
    probe *p;
    int i;
    int g;
} one;

static long num(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end) {
        fprintf(stderr, "aws_probe: bad number for %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

static int service_by_name(const char *name, aws_service *out)
{
    for (int s = 0; s < AWS_SVC__COUNT; s++) {
        if (strcmp(aws_service_name((aws_service)s), name) == 0) {
            *out = (aws_service)s;
            return 0;
        }
    }
    return -1;
}

static void on_result(const aws_result *r, void *ud)
{
    one *o = ud;
    probe *p = o->p;
    json_object *j = json_object_new_object();
    json_object_object_add(j, "i", json_object_new_int(o->i));
    json_object_object_add(j, "g", json_object_new_int(o->g));
    json_object_object_add(j, "err", json_object_new_int(r->err));
    json_object_object_add(j, "error", json_object_new_string(aws_strerror(r->err)));
    json_object_object_add(j, "status", json_object_new_int64(r->status));
    json_object_object_add(j, "code", json_object_new_string(r->code));
    json_object_object_add(j, "message", json_object_new_string(r->message));
    json_object_object_add(j, "attempts", json_object_new_int(r->attempts));
    json_object_object_add(j, "op", json_object_new_string(r->op ? r->op : ""));
    json_object_object_add(j, "body_len", json_object_new_int64((int64_t)r->body_len));
    printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
    fflush(stdout);
    json_object_put(j);
    free(o);
    p->done++;
    if (p->cancel_after && p->done == p->cancel_after) {
        /* Cancels the rest: their callbacks run (ECANCELED) before this returns. */
        aws_client_get_stats(p->client, &p->st);
        printf("{\"canceling_at\":%d}\n", p->done);
        aws_client_free(p->client);
        p->client = NULL;
    }
}

static void usage(void)
{
    fprintf(stderr,
        "usage: aws_probe [--service acm] [--proto json|rest-json|query|ec2] [--op Name]\n"
        "  [--target X-Amz-Target] [--body STR] [--method M] [--path P] [--query Q]\n"
        "  [--region R] [--rate-key K] [--count N] [--concurrency N] [--max-attempts N]\n"
        "  [--budget N] [--base-delay MS] [--max-backoff MS] [--timeout MS]\n"
        "  [--max-response BYTES] [--no-adaptive] [--cancel-after N] [--ca-bundle PEM]\n"
        "  [--debug] [--rate SCOPE=RATE]... [--first] [--level N] [--group <call options of the next group>]...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "service", required_argument, 0, 's' },
        { "proto", required_argument, 0, 'P' },
        { "op", required_argument, 0, 'o' },
        { "target", required_argument, 0, 't' },
        { "body", required_argument, 0, 'b' },
        { "method", required_argument, 0, 'm' },
        { "path", required_argument, 0, 'p' },
        { "query", required_argument, 0, 'q' },
        { "region", required_argument, 0, 'r' },
        { "rate-key", required_argument, 0, 'k' },
        { "count", required_argument, 0, 'n' },
        { "concurrency", required_argument, 0, 'c' },
        { "max-attempts", required_argument, 0, 'a' },
        { "budget", required_argument, 0, 'B' },
        { "base-delay", required_argument, 0, 'D' },
        { "max-backoff", required_argument, 0, 'M' },
        { "timeout", required_argument, 0, 'T' },
        { "max-response", required_argument, 0, 'R' },
        { "no-adaptive", no_argument, 0, 'A' },
        { "cancel-after", required_argument, 0, 'C' },
        { "debug", no_argument, 0, 'd' },
        { "ca-bundle", required_argument, 0, 'K' },
        { "group", no_argument, 0, 'G' },
        { "rate", required_argument, 0, 'Z' },
        { "first", no_argument, 0, 'F' },
        { "level", required_argument, 0, 'L' },
        { 0, 0, 0, 0 },
    };
    probe p = { .ngroups = 1 };
    const char *rates[MAX_RATES];
    int nrates = 0;
    aws_client_opts co = { .endpoints = { .use_env = 1 }, .any_operation = 1 };
    group *cur = &p.g[0];
    cur->count = 1;
    cur->call.service = AWS_SVC_ACM;
    cur->call.proto = AWS_PROTO_JSON;
    cur->call.region = "us-east-1";
    cur->call.op = "ListCertificates";
    cur->call.target = "CertificateManager.ListCertificates";
    cur->call.body = "{}";
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'G':
            if (p.ngroups == MAX_GROUPS) {
                fprintf(stderr, "aws_probe: at most %d groups\n", MAX_GROUPS);
                return 2;
            }
            p.g[p.ngroups] = *cur;
            cur = &p.g[p.ngroups++];
            break;
        case 's':
            if (service_by_name(optarg, &cur->call.service) != 0) {
                fprintf(stderr, "aws_probe: unknown service %s\n", optarg);
                return 2;
            }
            break;
        case 'P':
            if (strcmp(optarg, "json") == 0)           cur->call.proto = AWS_PROTO_JSON;
            else if (strcmp(optarg, "rest-json") == 0) cur->call.proto = AWS_PROTO_REST_JSON;
            else if (strcmp(optarg, "query") == 0)     cur->call.proto = AWS_PROTO_QUERY;
            else if (strcmp(optarg, "ec2") == 0)       cur->call.proto = AWS_PROTO_EC2;
            else usage();
            break;
        case 'o': cur->call.op = optarg; break;
        case 't': cur->call.target = optarg; break;
        case 'b': cur->call.body = optarg; break;
        case 'm': cur->call.method = optarg; break;
        case 'p': cur->call.path = optarg; break;
        case 'q': cur->call.query = optarg; break;
        case 'r': cur->call.region = optarg; break;
        case 'k': cur->call.rate_key = optarg; break;
        case 'n': cur->count = (int)num(optarg, "--count"); break;
        case 'c': co.max_in_flight = (int)num(optarg, "--concurrency"); break;
        case 'a': co.max_attempts = (int)num(optarg, "--max-attempts"); break;
        case 'B': co.retry_budget = (int)num(optarg, "--budget"); break;
        case 'D': co.base_delay_ms = num(optarg, "--base-delay"); break;
        case 'M': co.max_backoff_ms = num(optarg, "--max-backoff"); break;
        case 'T': cur->call.timeout_ms = num(optarg, "--timeout"); break;
        case 'R': cur->call.max_response = (size_t)num(optarg, "--max-response"); break;
        case 'A': co.adaptive = -1; break;
        case 'F': cur->call.first = 1; break;
        case 'L': cur->call.first = (int)num(optarg, "--level"); break;
        case 'C': p.cancel_after = (int)num(optarg, "--cancel-after"); break;
        case 'K': co.http.ca_bundle = optarg; break;
        case 'd': aws_log_set_level(AWS_LOG_DEBUG); co.http.debug = 1; break;
        case 'Z':
            if (nrates == MAX_RATES || !strchr(optarg, '='))
                usage();
            rates[nrates++] = optarg;
            break;
        default: usage();
        }
    }
    if (optind != argc)
        usage();
    for (int gi = 0; gi < p.ngroups; gi++) {
        if (p.g[gi].count < 0)
            usage();
        p.g[gi].call.body_len = p.g[gi].call.body ? strlen(p.g[gi].call.body) : 0;
    }

    aws_creds *cr = aws_creds_new(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
                                  getenv("AWS_SESSION_TOKEN"), 0, "env");
    if (!cr) {
        fprintf(stderr, "aws_probe: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set\n");
        return 2;
    }
    aws_creds_provider *prov = aws_creds_provider_static_new(cr);
    aws_creds_unref(cr);
    if (!prov)
        return 1;
    for (int gi = 0; gi < p.ngroups; gi++)
        p.g[gi].call.creds = prov;

    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0)
        return 1;
    int rc = aws_client_new(&loop, &co, &p.client);
    if (rc) {
        fprintf(stderr, "aws_probe: aws_client_new: %s\n", aws_strerror(rc));
        return 1;
    }
    for (int r = 0; r < nrates; r++) {
        char scope[96];
        const char *eq = strchr(rates[r], '=');
        snprintf(scope, sizeof(scope), "%.*s", (int)(eq - rates[r]), rates[r]);
        if (aws_client_set_rate(p.client, scope, strtod(eq + 1, NULL)) != 0) {
            fprintf(stderr, "aws_probe: bad --rate %s\n", rates[r]);
            return 2;
        }
    }
    int started = 0, i = 0;
    for (int gi = 0; gi < p.ngroups; gi++) {
        for (int n = 0; n < p.g[gi].count; n++, i++) {
            one *o = malloc(sizeof(*o));
            if (!o)
                return 1;
            o->p = &p;
            o->i = i;
            o->g = gi;
            rc = aws_client_call(p.client, &p.g[gi].call, on_result, o);
            if (rc) {
                printf("{\"i\":%d,\"g\":%d,\"start_error\":%d,\"error\":\"%s\"}\n",
                       i, gi, rc, aws_strerror(rc));
                free(o);
                continue;
            }
            started++;
        }
    }
    /* Callbacks never run inside aws_client_call. */
    if (p.done != 0) {
        fprintf(stderr, "aws_probe: a callback ran inside aws_client_call\n");
        return 1;
    }
    uv_run(&loop, UV_RUN_DEFAULT);

    aws_client_stats st = p.st;
    if (p.client) {
        aws_client_get_stats(p.client, &st);
        aws_client_free(p.client);
        p.client = NULL;
    }
    uv_run(&loop, UV_RUN_DEFAULT);   /* close callbacks */
    printf("{\"stats\":{\"calls\":%llu,\"attempts\":%llu,\"retries\":%llu,"
           "\"throttled\":%llu,\"failures\":%llu,\"connections\":%llu,\"http2\":%llu,"
           "\"acm_calls\":%llu,\"acm_throttled\":%llu,\"sts_calls\":%llu},"
           "\"started\":%d,\"done\":%d}\n",
           (unsigned long long)st.calls, (unsigned long long)st.attempts,
           (unsigned long long)st.retries, (unsigned long long)st.throttled,
           (unsigned long long)st.failures, (unsigned long long)st.connections,
           (unsigned long long)st.http2,
           (unsigned long long)st.calls_by_service[AWS_SVC_ACM],
           (unsigned long long)st.throttled_by_service[AWS_SVC_ACM],
           (unsigned long long)st.calls_by_service[AWS_SVC_STS], started, p.done);
    aws_creds_provider_unref(prov);
    rc = uv_loop_close(&loop);
    if (rc != 0) {
        fprintf(stderr, "aws_probe: uv_loop_close: %s\n", uv_strerror(rc));
        return 3;
    }
    return 0;
}

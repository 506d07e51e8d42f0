/* certsweep — ACM collector: ListCertificates (every key type, every
 * status, all pages), then, per certificate, what the rules need: the
 * summary alone, a cached DescribeCertificate answer, or a fresh one
 * (scanner_acm_summary_need in scanner/rules.c decides; [scan] describe =
 * all describes every certificate). */
#include "scanner/collect.h"

#include "scanner/rules.h"

#include "aws/error.h"
#include "aws/log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From botocore's acm model (KeyAlgorithm and CertificateStatus enums).
 * Without Includes.keyTypes ACM lists only RSA_1024 and RSA_2048. */
static const char *const key_types[] = {
    "RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096",
    "EC_prime256v1", "EC_secp384r1", "EC_secp521r1",
};
static const char *const statuses[] = {
    "PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED",
    "VALIDATION_TIMED_OUT", "REVOKED", "FAILED",
};

char *scanner_acm_list_body(const char *next_token)
{
    struct json_object *o = json_object_new_object();
    struct json_object *inc = json_object_new_object();
    struct json_object *kt = json_object_new_array();
    struct json_object *st = json_object_new_array();
    char *out = NULL;
    if (!o || !inc || !kt || !st)
        goto done;
    for (size_t i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
        json_object_array_add(kt, json_object_new_string(key_types[i]));
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        json_object_array_add(st, json_object_new_string(statuses[i]));
    json_object_object_add(inc, "keyTypes", kt);
    kt = NULL;
    json_object_object_add(o, "Includes", inc);
    inc = NULL;
    json_object_object_add(o, "CertificateStatuses", st);
    st = NULL;
    json_object_object_add(o, "MaxItems", json_object_new_int(1000));
    if (next_token)
        json_object_object_add(o, "NextToken", json_object_new_string(next_token));
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (s)
        out = strdup(s);
done:
    json_object_put(kt);
    json_object_put(st);
    json_object_put(inc);
    json_object_put(o);
    return out;
}

void scanner_acm_summaries_init(scanner_acm_summaries *l)
{
    memset(l, 0, sizeof(*l));
}

void scanner_acm_summaries_finish(scanner_acm_summaries *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        scanner_record_free(l->v[i].r);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int set_str(char **field, struct json_object *obj, const char *key);

/* The string items of a list member (others are skipped: names are only
 * used to find endpoints to probe). */
static int add_sans(scanner_record *r, struct json_object *obj, const char *key)
{
    struct json_object *l;
    if (!json_object_object_get_ex(obj, key, &l) || !json_object_is_type(l, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        struct json_object *e = json_object_array_get_idx(l, i);
        if (json_object_is_type(e, json_type_string) &&
            scanner_record_add_san(r, json_object_get_string(e)) != 0)
            return AWS_ENOMEM;
    }
    return 0;
}

/* One CertificateSummary -> a record of its fields and the bits of those
 * it held.  Only the members of botocore's CertificateSummary shape are
 * read (moto sends more; AWS does not). */
static int summary_record(struct json_object *it, const char *arn, const char *account,
                          const char *region, scanner_acm_summary *out)
{
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, account, region);
    if (!r)
        return AWS_ENOMEM;
    const char *slash = strrchr(arn, '/');
    if (scanner_str_set(&r->arn, arn) ||
        scanner_str_set(&r->id, slash && slash[1] ? slash + 1 : arn) ||
        set_str(&r->domain, it, "DomainName") || set_str(&r->status, it, "Status") ||
        set_str(&r->type, it, "Type") || set_str(&r->key_algorithm, it, "KeyAlgorithm") ||
        set_str(&r->renewal_eligibility, it, "RenewalEligibility") ||
        add_sans(r, it, "SubjectAlternativeNameSummaries")) {
        scanner_record_free(r);
        return AWS_ENOMEM;
    }
    unsigned p = 0;
    p |= r->status ? SCANNER_F_STATUS : 0;
    p |= r->type ? SCANNER_F_TYPE : 0;
    p |= r->key_algorithm ? SCANNER_F_KEY_ALGORITHM : 0;
    p |= r->renewal_eligibility ? SCANNER_F_RENEWAL_ELIGIBILITY : 0;
    /* An unreadable time counts as missing: the certificate is described. */
    p |= scanner_json_time(it, "NotAfter", &r->not_after) == 1 ? SCANNER_F_NOT_AFTER : 0;
    p |= scanner_json_time(it, "CreatedAt", &r->created_at) == 1 ? SCANNER_F_CREATED_AT : 0;
    (void)scanner_json_time(it, "NotBefore", &r->not_before);
    (void)scanner_json_time(it, "ImportedAt", &r->imported_at);
    (void)scanner_json_time(it, "IssuedAt", &r->issued_at);
    struct json_object *iu;
    out->in_use = -1;
    if (json_object_object_get_ex(it, "InUse", &iu) && json_object_is_type(iu, json_type_boolean)) {
        out->in_use = json_object_get_boolean(iu) ? 1 : 0;
        p |= SCANNER_F_IN_USE;
    }
    const char *js = json_object_to_json_string_ext(it, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE);
    scanner_sha256_hex(js ? js : "", out->fingerprint);
    out->r = r;
    out->present = p;
    return 0;
}

int scanner_acm_parse_summaries(const char *body, size_t len, const char *account,
                                const char *region, scanner_acm_summaries *out,
                                char **next, char *err, size_t errlen)
{
    *next = NULL;
    struct json_object *o = scanner_json_parse(body, len, err, errlen);
    if (!o)
        return AWS_EPARSE;
    int rc = 0;
    size_t bad = 0;
    struct json_object *list;
    if (!json_object_object_get_ex(o, "CertificateSummaryList", &list) || !list) {
        list = NULL;   /* an empty account may omit it */
    } else if (!json_object_is_type(list, json_type_array)) {
        snprintf(err, errlen, "CertificateSummaryList is not a list");
        rc = AWS_EPARSE;
        goto out;
    }
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *it = json_object_array_get_idx(list, i);
        const char *arn = scanner_json_str(it, "CertificateArn");
        if (!arn || !*arn) {
            scanner_note_bad(&bad, err, errlen,
                             "CertificateSummaryList[%zu] has no CertificateArn", i);
            continue;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            scanner_acm_summary *v = realloc(out->v, cap * sizeof(*v));
            if (!v) {
                rc = AWS_ENOMEM;
                goto out;
            }
            out->v = v;
            out->cap = cap;
        }
        if ((rc = summary_record(it, arn, account, region, &out->v[out->n])) != 0)
            goto out;
        out->n++;
    }
    if ((rc = scanner_json_token(o, "NextToken", next)) == 0)
        rc = scanner_bad_result(bad, err, errlen);
out:
    json_object_put(o);
    return rc;
}

int scanner_acm_parse_list(const char *body, size_t len, scanner_strv *arns,
                           char **next, char *err, size_t errlen)
{
    scanner_acm_summaries sums;
    scanner_acm_summaries_init(&sums);
    int rc = scanner_acm_parse_summaries(body, len, "", "", &sums, next, err, errlen);
    for (size_t i = 0; i < sums.n; i++) {
        int arc = scanner_strv_add(arns, sums.v[i].r->arn);
        if (arc != 0) {
            rc = arc;
            break;
        }
    }
    scanner_acm_summaries_finish(&sums);
    return rc;
}

/* Copies a string member into *field when present. */
static int set_str(char **field, struct json_object *obj, const char *key)
{
    const char *s = scanner_json_str(obj, key);
    return s ? scanner_str_set(field, s) : 0;
}

static int set_time(int64_t *field, struct json_object *obj, const char *key,
                    const char **bad_key)
{
    int r = scanner_json_time(obj, key, field);
    if (r < 0 && !*bad_key)
        *bad_key = key;
    return 0;
}

int scanner_acm_parse_describe(const char *body, size_t len,
                               const char *account, const char *region,
                               scanner_record **out, char *err, size_t errlen)
{
    *out = NULL;
    struct json_object *o = scanner_json_parse(body, len, err, errlen);
    if (!o)
        return AWS_EPARSE;
    int rc = 0;
    scanner_record *r = NULL;
    struct json_object *c;
    if (!json_object_object_get_ex(o, "Certificate", &c) ||
        !json_object_is_type(c, json_type_object)) {
        snprintf(err, errlen, "response has no Certificate object");
        rc = AWS_EPARSE;
        goto out;
    }
    const char *arn = scanner_json_str(c, "CertificateArn");
    if (!arn || !*arn) {
        snprintf(err, errlen, "Certificate has no CertificateArn");
        rc = AWS_EPARSE;
        goto out;
    }
    if (!(r = scanner_record_new(SCANNER_SRC_ACM, account, region))) {
        rc = AWS_ENOMEM;
        goto out;
    }
    if (scanner_str_set(&r->arn, arn) || scanner_str_set(&r->id, arn) ||
        set_str(&r->domain, c, "DomainName") ||
        set_str(&r->status, c, "Status") ||
        set_str(&r->type, c, "Type") ||
        set_str(&r->key_algorithm, c, "KeyAlgorithm") ||
        set_str(&r->renewal_eligibility, c, "RenewalEligibility") ||
        set_str(&r->failure_reason, c, "FailureReason") ||
        set_str(&r->serial, c, "Serial") || set_str(&r->issuer, c, "Issuer")) {
        rc = AWS_ENOMEM;
        goto out;
    }
    if ((rc = add_sans(r, c, "SubjectAlternativeNames")) != 0)
        goto out;
    /* The short id is the certificate's UUID (the part after '/'). */
    const char *slash = strrchr(arn, '/');
    if (slash && slash[1] && scanner_str_set(&r->id, slash + 1)) {
        rc = AWS_ENOMEM;
        goto out;
    }
    const char *bad_time = NULL;
    set_time(&r->not_before, c, "NotBefore", &bad_time);
    set_time(&r->not_after, c, "NotAfter", &bad_time);
    set_time(&r->created_at, c, "CreatedAt", &bad_time);
    set_time(&r->imported_at, c, "ImportedAt", &bad_time);
    set_time(&r->issued_at, c, "IssuedAt", &bad_time);
    if (bad_time) {
        snprintf(err, errlen, "%s: %s is not a timestamp", arn, bad_time);
        rc = AWS_EPARSE;
        goto out;
    }
    /* A certificate that exists has a NotAfter; without it no rule could
     * judge it, and it would go missing without a word. */
    if (r->not_after == 0 && r->status && (strcmp(r->status, "ISSUED") == 0 ||
                                           strcmp(r->status, "INACTIVE") == 0 ||
                                           strcmp(r->status, "EXPIRED") == 0)) {
        snprintf(err, errlen, "%s: %s certificate has no NotAfter", arn, r->status);
        rc = AWS_EPARSE;
        goto out;
    }

    struct json_object *rs, *dvo = NULL;
    if (json_object_object_get_ex(c, "RenewalSummary", &rs) &&
        json_object_is_type(rs, json_type_object)) {
        if (set_str(&r->renewal_status, rs, "RenewalStatus") ||
            set_str(&r->renewal_reason, rs, "RenewalStatusReason")) {
            rc = AWS_ENOMEM;
            goto out;
        }
        /* During a managed renewal its validations are the ones that
         * matter (the certificate's own ones are those of the last issue). */
        if (json_object_object_get_ex(rs, "DomainValidationOptions", &dvo) &&
            (!json_object_is_type(dvo, json_type_array) || json_object_array_length(dvo) == 0))
            dvo = NULL;
    }
    struct json_object *opt;
    if (json_object_object_get_ex(c, "Options", &opt) &&
        json_object_is_type(opt, json_type_object) &&
        set_str(&r->ct_logging, opt, "CertificateTransparencyLoggingPreference")) {
        rc = AWS_ENOMEM;
        goto out;
    }
    struct json_object *iu;
    if (json_object_object_get_ex(c, "InUseBy", &iu) && iu) {
        if (!json_object_is_type(iu, json_type_array)) {
            snprintf(err, errlen, "%s: InUseBy is not a list", arn);
            rc = AWS_EPARSE;
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(iu); i++) {
            struct json_object *e = json_object_array_get_idx(iu, i);
            if (!json_object_is_type(e, json_type_string)) {
                snprintf(err, errlen, "%s: InUseBy[%zu] is not a string", arn, i);
                rc = AWS_EPARSE;
                goto out;
            }
            if ((rc = scanner_record_add_in_use(r, json_object_get_string(e))) != 0)
                goto out;
        }
    }
    if (!dvo)
        json_object_object_get_ex(c, "DomainValidationOptions", &dvo);
    if (dvo) {
        struct json_object *own = NULL;
        json_object_object_get_ex(c, "DomainValidationOptions", &own);
        const char *where = dvo == own ? "" : "RenewalSummary.";
        if (!json_object_is_type(dvo, json_type_array)) {
            snprintf(err, errlen, "%s: %sDomainValidationOptions is not a list", arn, where);
            rc = AWS_EPARSE;
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(dvo); i++) {
            struct json_object *e = json_object_array_get_idx(dvo, i);
            const char *dn = scanner_json_str(e, "DomainName");
            if (!dn) {
                snprintf(err, errlen, "%s: %sDomainValidationOptions[%zu] has no DomainName",
                         arn, where, i);
                rc = AWS_EPARSE;
                goto out;
            }
            if ((rc = scanner_record_add_validation(r, dn,
                          scanner_json_str(e, "ValidationStatus"),
                          scanner_json_str(e, "ValidationMethod"))) != 0)
                goto out;
            struct json_object *rr;
            if (json_object_object_get_ex(e, "ResourceRecord", &rr) &&
                json_object_is_type(rr, json_type_object) &&
                (rc = scanner_validation_set_record(&r->validations[r->n_validations - 1],
                          scanner_json_str(rr, "Name"), scanner_json_str(rr, "Type"),
                          scanner_json_str(rr, "Value"))) != 0)
                goto out;
        }
    }
    *out = r;
    r = NULL;
out:
    /* Messages quote the ARN and Status as sent: keep them one line. */
    if (rc == AWS_EPARSE)
        scanner_one_line(err, errlen);
    scanner_record_free(r);
    json_object_put(o);
    return rc;
}

/* ---- I/O ----------------------------------------------------------------- */

/* DescribeCertificate calls a target has on the way at once.  The lane
 * releases them at 10/s; more than a couple of seconds' worth waiting in
 * it only holds memory (600 calls for the largest account-region, in each
 * of hundreds of targets at once). */
#define ACM_DESCRIBE_WINDOW 16
/* An account-region with this many describes still waiting (two seconds
 * of its 10/s DescribeCertificate lane) is the scan's critical path: its
 * describes take the next free in-flight slot (AWS_CALL_CRITICAL), before
 * listings and every other account-region's calls.  Paced at 10/s they
 * hold about half a slot, so nothing else is slowed. */
#define ACM_DESCRIBE_LONG 20

typedef struct scanner_acm_describe describe_ud;
struct scanner_acm_describe {
    char *arn;
    char fingerprint[SCANNER_FINGERPRINT_LEN];   /* "" with no summary */
    describe_ud *next;                           /* waiting for the window */
};

static void describe_ud_free(void *p)
{
    describe_ud *d = p;
    if (d)
        free(d->arn);
    free(d);
}

void scanner_acm_describes_free(scanner_target *t)
{
    while (t->describe_head) {
        describe_ud *d = t->describe_head;
        t->describe_head = d->next;
        t->describe_waiting--;
        describe_ud_free(d);
    }
    t->describe_tail = NULL;
}

static void describe_pump(scanner_target *t);

static void on_describe(scanner_target *t, const aws_result *res, void *ud)
{
    describe_ud *d = ud;
    const char *arn = d->arn;
    if (res->err == 0) {
        char err[256] = "";
        scanner_record *r = NULL;
        int rc = scanner_acm_parse_describe(res->body, res->body_len, t->account_id,
                                            t->region, &r, err, sizeof(err));
        /* Name the certificate once: most parse errors already start with it. */
        int named = rc == AWS_EPARSE && strncmp(err, arn, strlen(arn)) == 0;
        if (rc != 0) {
            scanner_target_parse_gap(t, SCANNER_SRC_ACM, "DescribeCertificate",
                                     named ? NULL : arn, rc, err);
        } else if (scanner_target_add_record(t, r) != 0) {
            scanner_target_source_gap(t, SCANNER_SRC_ACM, "DescribeCertificate",
                                      "InternalError", "%s: out of memory", arn);
        } else if (t->acm && t->acm->cache && d->fingerprint[0] &&
                   t->acm->cache->put(t->acm->cache->ud, arn, d->fingerprint, t->acm->now,
                                      res->body, res->body_len) != 0) {
            aws_log_debug("%s/%s: %s: the describe could not be cached", t->account_id,
                          t->region, arn);
        }
    }
    describe_ud_free(d);
    t->describing--;
    describe_pump(t);
}

/* One ACM call (JSON 1.1) of source ACM with a JSON body. */
static void acm_call(scanner_target *t, const char *op, const char *target,
                     const char *body, scanner_call_handler handler, void *ud,
                     void (*ud_free)(void *))
{
    aws_call call = scanner_target_call_init(t, AWS_SVC_ACM, AWS_PROTO_JSON, op);
    /* A listing tells how long the account-region will take: it goes
     * before calls already waiting for a slot (scan.c, STAGE_ACM). */
    call.first = AWS_CALL_LIST;
    call.target = target;
    call.json_version = "1.1";
    call.body = body;
    call.body_len = strlen(body);
    if (scanner_target_call_src(t, SCANNER_SRC_ACM, &call, handler, ud) != 0 && ud_free)
        ud_free(ud);
}

/* Sends the describe of d (which the call then owns). */
static void describe_send(scanner_target *t, describe_ud *d)
{
    char *body = NULL;
    struct json_object *o = json_object_new_object();
    const char *s = NULL;
    if (o) {
        json_object_object_add(o, "CertificateArn", json_object_new_string(d->arn));
        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    }
    if (!s || !(body = strdup(s))) {
        scanner_target_source_gap(t, SCANNER_SRC_ACM, "DescribeCertificate", "InternalError",
                                  "%s: out of memory", d->arn);
        describe_ud_free(d);
    } else {
        t->describes++;
        t->describing++;
        aws_call call = scanner_target_call_init(t, AWS_SVC_ACM, AWS_PROTO_JSON,
                                                 "DescribeCertificate");
        call.target = "CertificateManager.DescribeCertificate";
        call.json_version = "1.1";
        if (t->describe_waiting >= ACM_DESCRIBE_LONG)
            call.first = AWS_CALL_CRITICAL;
        call.body = body;
        call.body_len = strlen(body);
        if (scanner_target_call_src(t, SCANNER_SRC_ACM, &call, on_describe, d) != 0) {
            t->describing--;
            describe_ud_free(d);
        }
    }
    free(body);
    json_object_put(o);
}

/* Sends waiting describes while the window has room; the waiting ones
 * hold the target open (its done runs only once they are sent and
 * answered). */
static void describe_pump(scanner_target *t)
{
    while (t->describe_head && t->describing < ACM_DESCRIBE_WINDOW) {
        describe_ud *d = t->describe_head;
        t->describe_head = d->next;
        t->describe_waiting--;
        if (!t->describe_head)
            t->describe_tail = NULL;
        d->next = NULL;
        describe_send(t, d);
    }
    if (!t->describe_head && t->describe_held) {
        t->describe_held = 0;
        scanner_target_release(t);      /* may run done: last */
    }
}

/* Queues the describe of arn; describe_pump sends it. */
static void describe_queue(scanner_target *t, const char *arn, const char *fp)
{
    describe_ud *d = calloc(1, sizeof(*d));
    if (!d || !(d->arn = strdup(arn))) {
        scanner_target_source_gap(t, SCANNER_SRC_ACM, "DescribeCertificate", "InternalError",
                                  "%s: out of memory", arn);
        describe_ud_free(d);
        return;
    }
    snprintf(d->fingerprint, sizeof(d->fingerprint), "%s", fp ? fp : "");
    if (t->describe_tail)
        t->describe_tail->next = d;
    else
        t->describe_head = d;
    t->describe_tail = d;
    t->describe_waiting++;
    if (!t->describe_held) {
        t->describe_held = 1;
        scanner_target_hold(t);
    }
}

static int describe_all(const scanner_acm_reading *rd)
{
    return !rd || scanner_reads_all(rd->cfg);
}

/* A cached describe of arn, when it belongs to the summary `want` and is
 * young enough: its record, else NULL. */
static scanner_record *cached_record(const scanner_acm_reading *rd, const char *account,
                                     const char *region, const char *arn, const char *want)
{
    if (!rd->cache || rd->cfg->detail_max_age <= 0)
        return NULL;
    char fp[SCANNER_FINGERPRINT_LEN] = "";
    int64_t fetched = 0;
    char *body = NULL;
    size_t len = 0;
    scanner_record *r = NULL;
    if (rd->cache->get(rd->cache->ud, arn, fp, &fetched, &body, &len) == 1 && body &&
        strcmp(fp, want) == 0 && fetched <= rd->now &&
        rd->now - fetched < (int64_t)rd->cfg->detail_max_age * 86400) {
        char err[256];
        if (scanner_acm_parse_describe(body, len, account, region, &r, err, sizeof(err)) != 0 ||
            !r->arn || strcmp(r->arn, arn) != 0) {
            scanner_record_free(r);
            r = NULL;   /* an unreadable entry: describe again */
        }
    }
    free(body);
    return r;
}

scanner_acm_plan scanner_acm_plan_one(const scanner_acm_reading *rd, scanner_acm_summary *s,
                                      const char *account, const char *region,
                                      scanner_record **out, const char **why)
{
    *out = NULL;
    *why = "[scan] describe = all";
    if (describe_all(rd))
        return SCANNER_ACM_PLAN_DESCRIBE;
    scanner_acm_need need = scanner_acm_summary_need(s->r, s->present, s->in_use, rd->cfg,
                                                     rd->as_of, why);
    if (need == SCANNER_ACM_SUMMARY) {
        *out = s->r;
        s->r = NULL;
        return SCANNER_ACM_PLAN_SUMMARY;
    }
    if (need == SCANNER_ACM_DETAIL &&
        (*out = cached_record(rd, account, region, s->r->arn, s->fingerprint)) != NULL)
        return SCANNER_ACM_PLAN_CACHED;
    return SCANNER_ACM_PLAN_DESCRIBE;
}

/* What one listed certificate costs: nothing (its summary is judged), a
 * cached describe, or a DescribeCertificate call. */
static void consider(scanner_target *t, scanner_acm_summary *s)
{
    const scanner_acm_reading *rd = t->acm;
    scanner_record *keep = NULL;
    const char *why = NULL;
    switch (scanner_acm_plan_one(rd, s, t->account_id, t->region, &keep, &why)) {
    case SCANNER_ACM_PLAN_SUMMARY:
        t->describes_saved++;
        break;
    case SCANNER_ACM_PLAN_CACHED:
        t->cache_hits++;
        break;
    case SCANNER_ACM_PLAN_DESCRIBE:
        aws_log_debug("%s/%s: %s: describe (%s)", t->account_id, t->region, s->r->arn, why);
        describe_queue(t, s->r->arn, rd ? s->fingerprint : NULL);
        break;
    }
    if (keep && scanner_target_add_record(t, keep) != 0)
        scanner_target_source_gap(t, SCANNER_SRC_ACM, "ListCertificates", "InternalError",
                                  "out of memory");
}

static void list_page(scanner_target *t, scanner_pager *pg);

static void on_list(scanner_target *t, const aws_result *res, void *ud)
{
    scanner_pager *pg = ud;
    if (res->err != 0) {
        scanner_pager_free(pg);
        return;
    }
    scanner_acm_summaries sums;
    scanner_acm_summaries_init(&sums);
    char *next = NULL;
    char err[256] = "";
    int rc = scanner_acm_parse_summaries(res->body, res->body_len, t->account_id, t->region,
                                         &sums, &next, err, sizeof(err));
    if (rc != 0)
        scanner_target_parse_gap(t, SCANNER_SRC_ACM, "ListCertificates", NULL, rc, err);
    for (size_t i = 0; i < sums.n; i++)
        consider(t, &sums.v[i]);
    /* Sent once the whole page is queued: the first describes already
     * know how long the account-region's backlog is (ACM_DESCRIBE_LONG). */
    describe_pump(t);
    if (scanner_target_page(t, SCANNER_SRC_ACM, "ListCertificates", pg, next))
        list_page(t, pg);
    else
        scanner_pager_free(pg);
    free(next);
    scanner_acm_summaries_finish(&sums);
}

static void pager_free_ud(void *pg)
{
    scanner_pager_free(pg);
}

/* Requests the page of pg's token; pg is the call's from then on (freed
 * when the listing ends or cannot go on). */
static void list_page(scanner_target *t, scanner_pager *pg)
{
    char *body = scanner_acm_list_body(scanner_pager_token(pg));
    if (!body) {
        scanner_target_oom(t, SCANNER_SRC_ACM, "ListCertificates");
        scanner_pager_free(pg);
        return;
    }
    acm_call(t, "ListCertificates", "CertificateManager.ListCertificates", body, on_list, pg,
             pager_free_ud);
    free(body);
}

void scanner_collect_acm(scanner_target *t)
{
    scanner_pager *pg = scanner_pager_new();
    if (!pg)
        scanner_target_oom(t, SCANNER_SRC_ACM, "ListCertificates");
    else
        list_page(t, pg);
}

/* certsweep — the certificate rules.
 *
 * Decisions about ACM certificate states (AWS: Status):
 *  - ISSUED and INACTIVE are the "live" states: only they are judged by
 *    `expiring`, `not-renewable`, `weak-key` and `transparency-logging-
 *    disabled`.
 *  - EXPIRED, and ISSUED/INACTIVE (or unknown status) with NotAfter <= as_of,
 *    are `expired` (CRITICAL) — ACM can lag behind the clock.
 *  - REVOKED certificates are skipped by every rule: revocation is a
 *    deliberate act and ACM refuses to attach a revoked certificate, so
 *    neither "expired" nor "expiring" would tell the owner anything new.
 *  - PENDING_VALIDATION, VALIDATION_TIMED_OUT and FAILED are requests that
 *    never became certificates: only `validation-incomplete` (and
 *    `transparency-logging-disabled` for pending ones) look at them.
 *
 * "Within N days" compares whole days left, floor((NotAfter - as_of)/86400),
 * with N: a certificate that shows "expires in 7 days" is always in the
 * 7-day tier.  A tier of 0 is off.
 *
 * Which certificates ACM renews by itself (the managed tiers apply): type
 * AMAZON_ISSUED or PRIVATE, RenewalEligibility ELIGIBLE, in use by at least
 * one resource, and a renewal that has not FAILED.  ACM also renews
 * certificates that were exported but are not in use; the in-use record
 * cannot show that, so such certificates get the (earlier) full tiers —
 * the safe side.
 */
#include "scanner/rules.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/text.h"
#include "scanner/resolve.h"
#include "scanner/served.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define TITLE_MAX    4096
#define DETAILS_MAX  (256 * 1024)
#define LIST_MAX     50     /* items listed in human details; JSON has all */
/* Remote fields are cut (on a character boundary, with "…") where they
 * are shown, so that the title and details always fit their caps: a name
 * in a title, a value in a details line, a short word (a status).  The
 * structured details (JSON) keep them whole. */
#define NAME_SHOW_MAX   256
#define VALUE_SHOW_MAX  1024
#define WORD_SHOW_MAX   128
#define DAY          86400

enum {
    R_EXPIRED,
    R_EXPIRING,
    R_VALIDATION,
    R_RENEWAL_FAILING,
    R_NOT_RENEWABLE,
    R_CLIENT_CERT,
    R_DOMAIN_CERT,
    R_IAM,
    R_STAGE,
    R_WEAK_KEY,
    R_CT,
    R_RENEWAL_AT_RISK,
    R_SERVED_MISMATCH,
    R_SERVED_EXPIRING,
    R_SERVED_CHAIN,
    R_COUNT
};

static const scanner_rule rules[R_COUNT] = {
    [R_EXPIRED] = {
        "expired", SCANNER_SEV_CRITICAL, "ACM certificate expired",
        "The ACM certificate's NotAfter date has passed (or ACM reports it "
        "EXPIRED). Anything still serving it fails TLS handshakes.",
        "Replace the certificate now: request a new ACM certificate (or import "
        "a renewed one over this ARN with ImportCertificate), attach it to every "
        "resource listed in InUseBy, then delete the expired certificate.",
    },
    [R_EXPIRING] = {
        "expiring", SCANNER_SEV_CRITICAL, "ACM certificate expiring",
        "The ACM certificate expires within the [rules] expiring tiers "
        "(default 45/30/7 days). Certificates ACM renews by itself (Amazon-"
        "issued or private, renewal-eligible, in use, renewal not failed) use "
        "the shorter [rules] expiring_managed tiers (default 30/14/7), because "
        "ACM starts renewing 60 days before expiry.",
        "For an imported certificate, obtain a renewed certificate from its CA "
        "and re-import it over the same ARN (aws acm import-certificate "
        "--certificate-arn ...), which keeps every association. For an Amazon-"
        "issued certificate that is still not renewed this close to expiry, "
        "check its domain validation records (CNAMEs) and RenewalSummary, or "
        "request a replacement and swap it in.",
    },
    [R_VALIDATION] = {
        "validation-incomplete", SCANNER_SEV_MEDIUM,
        "ACM certificate validation incomplete",
        "The certificate request has been PENDING_VALIDATION for longer than "
        "[rules] pending_validation_max_days, or it ended in "
        "VALIDATION_TIMED_OUT or FAILED, so it was never issued.",
        "For DNS validation, create the CNAME records shown for each domain "
        "(aws acm describe-certificate) in the zone that serves the domain; for "
        "email validation, have a domain contact approve the mail. A timed-out "
        "or failed request cannot be resumed: delete it and request a new "
        "certificate after fixing the cause (see FailureReason, e.g. CAA "
        "records).",
    },
    [R_RENEWAL_FAILING] = {
        "renewal-failing", SCANNER_SEV_HIGH, "ACM managed renewal failing",
        "ACM's managed renewal of the certificate FAILED, or it is still "
        "PENDING_VALIDATION while the certificate expires within [rules] "
        "renewal_pending_days.",
        "Look at RenewalSummary.DomainValidationOptions: restore the DNS "
        "validation CNAME of every domain that is not SUCCESS (or approve the "
        "validation email). ACM retries by itself once validation succeeds; if "
        "the certificate expires first, request a replacement and swap it in.",
    },
    [R_NOT_RENEWABLE] = {
        "not-renewable", SCANNER_SEV_MEDIUM, "ACM certificate will not be renewed",
        "An Amazon-issued (or private) certificate that ACM will not renew by "
        "itself, because it is not in use by any AWS resource or its "
        "RenewalEligibility is INELIGIBLE, expires within the first tier of "
        "[rules] expiring. LOW when not in use, MEDIUM when in use.",
        "If the certificate is needed, attach it to the resource that should "
        "serve it (ACM then renews it) or request a new one; if it is not "
        "needed, delete it so it stops raising findings.",
    },
    [R_CLIENT_CERT] = {
        "client-certificate-rotation", SCANNER_SEV_CRITICAL,
        "API Gateway client certificate needs rotation",
        "An API Gateway client certificate (used by API Gateway to authenticate "
        "to backends) has expired or expires within the [rules] "
        "client_certificate tiers. API Gateway client certificates are valid "
        "for 365 days and are never renewed automatically.",
        "Generate a new client certificate (aws apigateway "
        "generate-client-certificate), make the backend trust it alongside the "
        "old one, switch every stage listed to the new certificate id "
        "(aws apigateway update-stage --rest-api-id <api-id> --stage-name "
        "<stage> --patch-operations op=replace,path=/clientCertificateId,"
        "value=<new-id>), redeploy, then delete the old "
        "certificate.",
    },
    [R_DOMAIN_CERT] = {
        "domain-certificate", SCANNER_SEV_HIGH,
        "API Gateway custom domain certificate problem",
        "An API Gateway custom domain name (REST or HTTP/WebSocket) serves a "
        "certificate that is not ISSUED, or serves a certificate uploaded to API "
        "Gateway longer ago than [rules] domain_upload_max_days (395) — longer "
        "than any public certificate is valid.",
        "Issue or import a valid certificate in ACM (in us-east-1 for edge-"
        "optimized domains, in the API's region for regional ones) and point "
        "the custom domain at it (aws apigateway update-domain-name or aws "
        "apigatewayv2 update-domain-name). Uploaded certificate bodies are "
        "deprecated: move them to ACM.",
    },
    [R_IAM] = {
        "iam-server-certificate", SCANNER_SEV_CRITICAL,
        "IAM server certificate expiring",
        "An IAM server certificate (used by ELB and CloudFront before ACM "
        "existed) has expired or expires within the [rules] "
        "iam_server_certificate tiers. IAM never renews these.",
        "Move the workload to an ACM certificate (preferred) or upload a "
        "renewed certificate (aws iam upload-server-certificate), switch the "
        "load balancer or distribution to it, then delete the old one (aws iam "
        "delete-server-certificate).",
    },
    [R_STAGE] = {
        "stage-client-certificate", SCANNER_SEV_HIGH,
        "API Gateway stage client certificate problem",
        "A REST API stage names a client certificate that does not exist in its "
        "account and region (HIGH). With [rules] "
        "stage_without_client_certificate on, a stage without any client "
        "certificate is reported too (LOW): its backend cannot verify that "
        "calls come from API Gateway.",
        "The stage points at a client certificate id that no longer exists, so "
        "API Gateway presents none to the backend. Generate a new one (aws "
        "apigateway generate-client-certificate), make the backend trust it, set "
        "it on the stage (aws apigateway update-stage --rest-api-id <api-id> "
        "--stage-name <stage> --patch-operations "
        "op=replace,path=/clientCertificateId,value=<new-id>) and redeploy. A "
        "stage reported for having no client certificate at all (LOW) takes the "
        "same steps.",
    },
    [R_WEAK_KEY] = {
        "weak-key", SCANNER_SEV_LOW, "Certificate uses a weak key",
        "The certificate uses a 1024-bit RSA key, below the 2048-bit minimum "
        "that browsers and CAs require.",
        "Replace the certificate with one using RSA 2048 or an ECDSA key "
        "(request or import a new certificate and swap it in).",
    },
    [R_CT] = {
        "transparency-logging-disabled", SCANNER_SEV_LOW,
        "Certificate transparency logging disabled",
        "The Amazon-issued certificate opts out of certificate transparency "
        "logging; browsers such as Chrome and Safari reject publicly trusted "
        "certificates that are not logged.",
        "Turn logging back on (aws acm update-certificate-options "
        "--certificate-arn <arn> --options "
        "CertificateTransparencyLoggingPreference=ENABLED); it "
        "applies from the next issue or renewal, so request a new certificate "
        "if it must be trusted now.",
    },
    /* The served-certificate probe ([probe] enabled; scanner/served.c). */
    [R_SERVED_MISMATCH] = {
        "served-certificate-mismatch", SCANNER_SEV_HIGH,
        "Endpoint serves another certificate than the inventory holds",
        "A TLS handshake with the endpoint (SNI = the name) returned a leaf "
        "certificate other than the ACM certificate that holds that name (in use, "
        "behind an API Gateway custom domain, or matching a [probe] hosts name): "
        "its serial, NotAfter or issuer differs. Typical causes: a renewed or "
        "re-imported certificate that was never deployed, DNS pointing at an old "
        "endpoint, a CDN or proxy in front with its own certificate.",
        "Find what answers for the name (dig, the load balancer's or "
        "distribution's listener, any proxy in front) and attach the ACM "
        "certificate named in the finding to it, or point the name at the "
        "resource that serves it. If the served certificate is the right one, "
        "import it into ACM (or delete the stale ACM certificate) so that the "
        "inventory tells the truth.",
    },
    [R_SERVED_EXPIRING] = {
        "served-certificate-expiring", SCANNER_SEV_CRITICAL,
        "Served certificate outside the inventory expiring",
        "A host listed in [probe] hosts serves a certificate that no scanned "
        "inventory holds (no ACM certificate with its serial and issuer) and that "
        "has expired or expires within the [rules] expiring tiers (default "
        "45/30/7 days). Nothing else would warn about it.",
        "Renew the certificate with the CA that issued it and install it on the "
        "server that answers for the host, or move the endpoint behind an AWS "
        "service with an ACM certificate that ACM renews by itself.",
    },
    [R_SERVED_CHAIN] = {
        "served-chain-invalid", SCANNER_SEV_HIGH,
        "Served certificate chain does not verify",
        "The chain an endpoint serves does not verify against the trust store "
        "([probe] ca_file, else the system's), or its leaf is not valid for the "
        "name that was asked for (SNI). Clients that verify fail the handshake. "
        "The finding gives OpenSSL's verify error.",
        "Serve the complete chain (leaf, then intermediates; for an imported ACM "
        "certificate pass --certificate-chain to import-certificate), use a "
        "certificate from a publicly trusted CA, and make sure the certificate "
        "names the host (SubjectAlternativeName).",
    },
    [R_RENEWAL_AT_RISK] = {
        "renewal-at-risk", SCANNER_SEV_HIGH, "ACM managed renewal at risk",
        "ACM renews an Amazon-issued certificate only if it can validate its "
        "domains again. With [dns] enabled, each DNS validation record "
        "(DomainValidationOptions[].ResourceRecord, a CNAME) is looked up: one "
        "that no longer exists (NXDOMAIN, or no CNAME) or points elsewhere "
        "makes the next renewal fail. A certificate validated by e-mail within "
        "75 days of expiry (ACM's renewal starts 60 days before) needs someone "
        "to approve the renewal mail. HIGH within 60 days of expiry, MEDIUM "
        "before. SERVFAIL, REFUSED and timeouts are coverage gaps, never "
        "findings.",
        "Restore every record the finding names exactly as shown (name, type "
        "CNAME, value) in the zone that serves the domain, e.g. aws route53 "
        "change-resource-record-sets with an UPSERT; ACM's renewal then "
        "validates by itself. For an e-mail validated certificate, make sure a "
        "domain contact gets and approves ACM's renewal mail (aws acm "
        "resend-validation-email), or request a DNS-validated replacement and "
        "swap it in.",
    },
};

/* What each rule reads: the sources whose records it judges, and the
 * sources it joins them to (a custom domain's ACM certificate, a stage's
 * client certificate).  scanner_resolvable() resolves a finding only when
 * all of them were read in full. */
#define SRC(x) (1u << SCANNER_SRC_##x)
static const struct {
    unsigned judges, joins;
} rule_inputs[R_COUNT] = {
    [R_EXPIRED]         = { SRC(ACM), 0 },
    [R_EXPIRING]        = { SRC(ACM), 0 },
    [R_VALIDATION]      = { SRC(ACM), 0 },
    [R_RENEWAL_FAILING] = { SRC(ACM), 0 },
    [R_NOT_RENEWABLE]   = { SRC(ACM), 0 },
    [R_CLIENT_CERT]     = { SRC(APIGW_CLIENT_CERT), 0 },
    [R_DOMAIN_CERT]     = { SRC(APIGW_DOMAIN) | SRC(APIGWV2_DOMAIN), SRC(ACM) },
    [R_IAM]             = { SRC(IAM_SERVER_CERT), 0 },
    [R_STAGE]           = { SRC(APIGW_STAGE), SRC(APIGW_CLIENT_CERT) },
    [R_WEAK_KEY]        = { SRC(ACM) | SRC(IAM_SERVER_CERT), 0 },
    [R_CT]              = { SRC(ACM), 0 },
    /* Probe findings resolve only where the probe of that endpoint
     * completed this run (scanner_resolvable_at checks the endpoint). */
    [R_SERVED_MISMATCH] = { SRC(SERVED), SRC(ACM) },
    [R_SERVED_EXPIRING] = { SRC(SERVED), 0 },
    [R_SERVED_CHAIN]    = { SRC(SERVED), 0 },
    /* Resolved only where every validation record got a clear answer. */
    [R_RENEWAL_AT_RISK] = { SRC(ACM), SCANNER_COVER_DNS },
};
#undef SRC

/* What each rule reads of an ACM record (scanner_rule_acm_fields).
 * `decides`: the summary fields whose values tell whether the rule can
 * fire; `judges`: every field its decision reads.  The text of every ACM
 * finding reads the whole record (put_acm_facts, record_json), so a
 * certificate that may raise a finding is always described (or its cached
 * describe reused).  Assumptions from the ACM API reference: FailureReason
 * exists only for FAILED certificates, RenewalSummary only for Amazon-
 * issued and private ones. */
typedef struct rule_fields {
    unsigned decides, judges;
} rule_fields;

#define F(x) SCANNER_F_##x
static const rule_fields acm_fields[R_COUNT] = {
    [R_EXPIRED]         = { F(STATUS) | F(NOT_AFTER), F(STATUS) | F(NOT_AFTER) },
    [R_EXPIRING]        = { F(STATUS) | F(NOT_AFTER),
                            F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY) |
                            F(IN_USE_BY) | F(RENEWAL_SUMMARY) },
    [R_VALIDATION]      = { F(STATUS),
                            F(STATUS) | F(CREATED_AT) | F(FAILURE_REASON) | F(VALIDATIONS) },
    [R_RENEWAL_FAILING] = { F(STATUS) | F(TYPE) | F(NOT_AFTER),
                            F(STATUS) | F(RENEWAL_SUMMARY) | F(NOT_AFTER) },
    [R_NOT_RENEWABLE]   = { F(STATUS) | F(NOT_AFTER) | F(TYPE),
                            F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY) |
                            F(IN_USE_BY) | F(RENEWAL_SUMMARY) },
    /* Joins: the custom domain's finding shows its certificate's status,
     * NotAfter and FailureReason. */
    [R_DOMAIN_CERT]     = { F(STATUS) | F(NOT_AFTER),
                            F(STATUS) | F(NOT_AFTER) | F(FAILURE_REASON) },
    [R_WEAK_KEY]        = { F(STATUS) | F(NOT_AFTER) | F(KEY_ALGORITHM),
                            F(STATUS) | F(NOT_AFTER) | F(KEY_ALGORITHM) },
    [R_CT]              = { F(STATUS) | F(NOT_AFTER) | F(TYPE),
                            F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(CT_LOGGING) },
    /* The probe compares served leaves with in-use certificates (and those
     * whose names a [probe] hosts entry asks for): their serial, issuer
     * and names come from DescribeCertificate. */
    [R_SERVED_MISMATCH] = { F(STATUS) | F(IN_USE),
                            F(STATUS) | F(NOT_AFTER) | F(IN_USE_BY) | F(SERIAL) | F(ISSUER) |
                            F(SANS) },
    [R_SERVED_EXPIRING] = { F(STATUS),
                            F(STATUS) | F(NOT_AFTER) | F(SERIAL) | F(ISSUER) | F(SANS) },
    /* In-use certificates name the endpoints whose chains are checked. */
    [R_SERVED_CHAIN]    = { F(STATUS) | F(IN_USE), F(STATUS) | F(IN_USE_BY) | F(SANS) },
    [R_RENEWAL_AT_RISK] = { F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY),
                            F(STATUS) | F(NOT_AFTER) | F(TYPE) | F(RENEWAL_ELIGIBILITY) |
                            F(VALIDATIONS) | F(RENEWAL_SUMMARY) },
};
#undef F

/* What each rule reads of the API Gateway records
 * (scanner_rule_apigw_fields).  Every field but the stages is in the list
 * answers; client-certificate-rotation shows the stages using a
 * certificate in its finding, but only a certificate inside its tiers
 * raises one (client_cert_due), so it decides on expirationDate alone. */
#define AF(x) SCANNER_AF_##x
static const rule_fields apigw_fields[R_COUNT] = {
    [R_CLIENT_CERT] = { AF(CC_EXPIRES), AF(CC_ID) | AF(CC_CREATED) | AF(CC_EXPIRES) | AF(STAGES) },
    [R_DOMAIN_CERT] = { AF(DOMAIN_STATUS) | AF(DOMAIN_CERT) | AF(DOMAIN_UPLOADED),
                        AF(DOMAIN_STATUS) | AF(DOMAIN_CERT) | AF(DOMAIN_UPLOADED) },
    [R_STAGE]       = { AF(STAGES) | AF(CC_ID), AF(STAGES) | AF(CC_ID) },
};
#undef AF

/* ACM starts a managed renewal 60 days before expiry: inside this window
 * RenewalSummary changes without the summary changing. */
#define ACM_RENEWAL_WINDOW_DAYS 60
/* E-mail validated certificates are reported this long before expiry:
 * two weeks before ACM's window opens, so the mail is expected. */
#define EMAIL_NOTICE_DAYS (ACM_RENEWAL_WINDOW_DAYS + 15)

static const char *const rule_docs[R_COUNT] = {
    [R_EXPIRED]         = "https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-renewal.html",
    [R_EXPIRING]        = "https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html",
    [R_VALIDATION]      = "https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-validation.html",
    [R_RENEWAL_FAILING] = "https://docs.aws.amazon.com/acm/latest/userguide/check-certificate-renewal-status.html",
    [R_NOT_RENEWABLE]   = "https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html",
    [R_CLIENT_CERT]     = "https://docs.aws.amazon.com/apigateway/latest/developerguide/getting-started-client-side-ssl-authentication.html",
    [R_DOMAIN_CERT]     = "https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-custom-domains.html",
    [R_IAM]             = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html",
    [R_STAGE]           = "https://docs.aws.amazon.com/apigateway/latest/developerguide/getting-started-client-side-ssl-authentication.html",
    [R_WEAK_KEY]        = "https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html#algorithms",
    [R_CT]              = "https://docs.aws.amazon.com/acm/latest/userguide/acm-bestpractices.html#best-practices-transparency",
    [R_SERVED_MISMATCH] = "https://docs.aws.amazon.com/acm/latest/userguide/acm-services.html",
    [R_SERVED_EXPIRING] = "https://docs.aws.amazon.com/acm/latest/userguide/import-certificate.html",
    [R_SERVED_CHAIN]    = "https://docs.aws.amazon.com/acm/latest/userguide/import-certificate-prerequisites.html",
    [R_RENEWAL_AT_RISK] = "https://docs.aws.amazon.com/acm/latest/userguide/dns-renewal-validation.html",
};

const char *scanner_rule_doc_url(const char *id)
{
    const scanner_rule *r = scanner_rule_find(id);
    return r ? rule_docs[r - rules] : NULL;
}

static const char *tiers_text(const config_tiers *t, char *buf, size_t n)
{
    snprintf(buf, n, "%d / %d / %d days (MEDIUM / HIGH / CRITICAL)", t->medium, t->high,
             t->critical);
    return buf;
}

const char *scanner_rule_thresholds(const config *cfg, const char *id, char *buf, size_t n)
{
    const scanner_rule *r = scanner_rule_find(id);
    char a[96], b[96];
    buf[0] = '\0';
    if (!r || !cfg)
        return buf;
    switch ((int)(r - rules)) {
    case R_EXPIRING:
        snprintf(buf, n, "%s; renewed by ACM: %s", tiers_text(&cfg->expiring, a, sizeof(a)),
                 tiers_text(&cfg->expiring_managed, b, sizeof(b)));
        break;
    case R_NOT_RENEWABLE:
        snprintf(buf, n, "within %d days", cfg->expiring.medium);
        break;
    case R_VALIDATION:
        snprintf(buf, n, "pending validation for more than %d days",
                 cfg->pending_validation_max_days);
        break;
    case R_RENEWAL_FAILING:
        snprintf(buf, n, "pending validation within %d days of expiry", cfg->renewal_pending_days);
        break;
    case R_CLIENT_CERT:
        tiers_text(&cfg->client_certificate, buf, n);
        break;
    case R_IAM:
        tiers_text(&cfg->iam_server_certificate, buf, n);
        break;
    case R_DOMAIN_CERT:
        snprintf(buf, n, "certificate uploaded more than %d days ago", cfg->domain_upload_max_days);
        break;
    case R_RENEWAL_AT_RISK:
        snprintf(buf, n, "HIGH within %d days of expiry, MEDIUM before; DNS checks %s; "
                 "e-mail validation within %d days", ACM_RENEWAL_WINDOW_DAYS,
                 cfg->dns_enabled ? "on" : "off ([dns] enabled)", EMAIL_NOTICE_DAYS);
        break;
    case R_STAGE:
        snprintf(buf, n, "stages without a client certificate: %s",
                 cfg->stage_without_client_certificate ? "reported (LOW)" : "not reported");
        break;
    case R_SERVED_EXPIRING:
        snprintf(buf, n, "%s; probe %s", tiers_text(&cfg->expiring, a, sizeof(a)),
                 cfg->probe_enabled ? "on" : "off ([probe] enabled)");
        break;
    case R_SERVED_MISMATCH:
    case R_SERVED_CHAIN:
        snprintf(buf, n, "probe %s", cfg->probe_enabled ? "on" : "off ([probe] enabled)");
        break;
    default:
        break;
    }
    return buf;
}

unsigned scanner_rule_needs(const char *rule, int src)
{
    const scanner_rule *r = scanner_rule_find(rule);
    if (!r)
        return 0;
    size_t i = (size_t)(r - rules);
    if (src < 0)
        return rule_inputs[i].judges | rule_inputs[i].joins;
    if (src >= SCANNER_SRC_COUNT || !(rule_inputs[i].judges & (1u << (unsigned)src)))
        return 0;
    return (1u << (unsigned)src) | rule_inputs[i].joins;
}

const scanner_rule *scanner_rule_find(const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i < R_COUNT; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

size_t scanner_rule_count(void)
{
    return R_COUNT;
}

const scanner_rule *scanner_rule_at(size_t i)
{
    return i < R_COUNT ? &rules[i] : NULL;
}

int scanner_rule_enabled(const config *cfg, const char *id)
{
    if (!cfg || !id)
        return 1;
    for (size_t i = 0; i < cfg->disabled_rules.n; i++)
        if (cfg->disabled_rules.v[i] && strcmp(cfg->disabled_rules.v[i], id) == 0)
            return 0;
    return 1;
}

const char *scanner_rule_suggest(const char *id)
{
    if (!id || !*id)
        return NULL;
    /* Case and '_' for '-' first (weak_key, Expired). */
    char norm[65];
    size_t n = 0;
    for (; id[n] && n + 1 < sizeof(norm); n++)
        norm[n] = id[n] == '_' ? '-' : (char)tolower((unsigned char)id[n]);
    norm[n] = '\0';
    const scanner_rule *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < R_COUNT; i++) {
        size_t d = config_edit_distance(norm, rules[i].id);
        if (d < best_d) {
            best_d = d;
            best = &rules[i];
        }
    }
    /* Close enough to be a typo: at most 2 edits, and fewer than a third
     * of the id (so "foo" suggests nothing). */
    if (best && best_d <= 2 && best_d * 3 < strlen(best->id))
        return best->id;
    return NULL;
}

int scanner_rule_check(const char *id, char *hint, size_t n)
{
    if (scanner_rule_find(id))
        return 1;
    if (!hint || n == 0)
        return 0;
    const char *near = scanner_rule_suggest(id);
    size_t used = 0;
    int w = near ? snprintf(hint, n, "did you mean '%s'? rules are:", near)
                 : snprintf(hint, n, "rules are:");
    used = w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
    for (size_t k = 0; k < R_COUNT && used + 1 < n; k++) {
        w = snprintf(hint + used, n - used, "%s %s", k ? "," : "", rules[k].id);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    return 0;
}

int scanner_rules_validate(const config *cfg, FILE *errs)
{
    int rc = 0;
    for (size_t i = 0; cfg && i < cfg->disabled_rules.n; i++) {
        const char *id = cfg->disabled_rules.v[i];
        char hint[512];
        if (scanner_rule_check(id, hint, sizeof(hint)))
            continue;
        rc = AWS_EINVAL;
        if (errs)
            fprintf(errs, "[rules] disabled_rules: '%s' is not a rule \xe2\x80\x94 %s\n",
                    id ? id : "", hint);
    }
    return rc;
}

/* a - b, saturated at the int64 limits (the parsers keep times within
 * AWS_TIME_MIN..AWS_TIME_MAX, but a record may come from elsewhere). */
static int64_t sub_sat(int64_t a, int64_t b)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return d;
}

int64_t scanner_days_until(int64_t not_after, int64_t as_of)
{
    /* Whole days, toward zero: the same number the titles say ("expires in
     * 3 days", "expired 8 days ago"); 0 within a day either side. */
    return sub_sat(not_after, as_of) / DAY;
}

int scanner_tier_severity(const config_tiers *t, int64_t days,
                          scanner_severity *out)
{
    if (t->critical > 0 && days <= t->critical)
        *out = SCANNER_SEV_CRITICAL;
    else if (t->high > 0 && days <= t->high)
        *out = SCANNER_SEV_HIGH;
    else if (t->medium > 0 && days <= t->medium)
        *out = SCANNER_SEV_MEDIUM;
    else
        return 0;
    return 1;
}

/* ---- small helpers ------------------------------------------------------ */

static int eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int ieq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void fmt_date(int64_t t, char *buf, size_t n)
{
    scanner_fmt_time(t, 0, buf, n);
}

static void fmt_iso(int64_t t, char *buf, size_t n)
{
    scanner_fmt_time(t, 1, buf, n);
}

static int tier_window(const config_tiers *t)
{
    int w = t->medium;
    if (t->high > w)
        w = t->high;
    if (t->critical > w)
        w = t->critical;
    return w;
}

static const char *record_label(scanner_source s)
{
    switch (s) {
    case SCANNER_SRC_ACM:               return "ACM certificate";
    case SCANNER_SRC_APIGW_CLIENT_CERT: return "API Gateway client certificate";
    case SCANNER_SRC_APIGW_DOMAIN:      return "API Gateway custom domain";
    case SCANNER_SRC_APIGWV2_DOMAIN:    return "API Gateway v2 custom domain";
    case SCANNER_SRC_IAM_SERVER_CERT:   return "IAM server certificate";
    case SCANNER_SRC_APIGW_STAGE:       return "API Gateway stage";
    case SCANNER_SRC_SERVED:            return "TLS endpoint";
    }
    return "resource";
}

static const char *record_name(const scanner_record *r)
{
    int by_domain = r->source == SCANNER_SRC_ACM ||
                    r->source == SCANNER_SRC_APIGW_DOMAIN ||
                    r->source == SCANNER_SRC_APIGWV2_DOMAIN;
    if (by_domain && r->domain && *r->domain)
        return r->domain;
    if (r->id && *r->id)
        return r->id;
    if (r->domain && *r->domain)
        return r->domain;
    if (r->arn && *r->arn)
        return r->arn;
    return "(unnamed)";
}

/* ACM Status values in which the certificate exists and can be served. */
static int acm_live(const scanner_record *r)
{
    return eq(r->status, "ISSUED") || eq(r->status, "INACTIVE");
}

static int acm_dead(const scanner_record *r)
{
    return eq(r->status, "REVOKED") || eq(r->status, "FAILED") ||
           eq(r->status, "VALIDATION_TIMED_OUT") || eq(r->status, "EXPIRED");
}

static int acm_amazon(const scanner_record *r)
{
    return eq(r->type, "AMAZON_ISSUED") || eq(r->type, "PRIVATE");
}

/* ACM renews it by itself (see the comment at the top). */
static int acm_renews_itself(const scanner_record *r)
{
    return acm_amazon(r) && eq(r->renewal_eligibility, "ELIGIBLE") &&
           r->n_in_use_by > 0 && !eq(r->renewal_status, "FAILED");
}

/* ---- finding drafts ----------------------------------------------------- */

typedef struct judge {
    const scanner_record_set *set;
    const config *cfg;
    int64_t as_of;
    scanner_findings *out;
    int dry;                        /* scanner_rules_record_finds: stop at the first finding */
} judge;

/* draft_begin's answer in a dry run: a rule decided to raise a finding
 * (every rule decides before its draft_begin, and emits after it). */
#define JUDGE_HIT 1

/* 1 when every record of source src was read for this account and region:
 * only then does a record's absence mean it does not exist. */
static int have_all(const judge *j, scanner_source src)
{
    return scanner_record_set_complete(j->set, src);
}

typedef struct draft {
    const scanner_record *r;
    const scanner_rule *rule;
    scanner_severity sev;
    int64_t not_after;
    aws_buf title;
    aws_buf details;
    json_object *json;
} draft;

static void jstr(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void jtime(json_object *o, const char *k, int64_t t)
{
    char buf[32];
    if (t == 0) {
        json_object_object_add(o, k, NULL);
        return;
    }
    fmt_iso(t, buf, sizeof(buf));
    json_object_object_add(o, k, json_object_new_string(buf));
}

static json_object *jlist(char *const *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < n; i++)
        json_object_array_add(a, json_object_new_string(nz(v[i])));
    return a;
}

static const char *dns_seen_name(scanner_dns_seen s)
{
    switch (s) {
    case SCANNER_DNS_MATCH:   return "match";
    case SCANNER_DNS_CHANGED: return "changed";
    case SCANNER_DNS_MISSING: return "missing";
    case SCANNER_DNS_UNKNOWN: return "unknown";
    case SCANNER_DNS_UNCHECKED: break;
    }
    return NULL;
}

/* A validation's ResourceRecord and what DNS said of it, when known. */
static void put_validation_dns_json(json_object *v, const scanner_domain_validation *d)
{
    if (d->rr_name) {
        json_object *rr = json_object_new_object();
        if (rr) {
            jstr(rr, "name", d->rr_name);
            jstr(rr, "type", d->rr_type);
            jstr(rr, "value", d->rr_value);
        }
        json_object_object_add(v, "resource_record", rr);
    }
    if (d->dns_seen != SCANNER_DNS_UNCHECKED) {
        jstr(v, "dns", dns_seen_name(d->dns_seen));
        if (d->dns_status)
            jstr(v, "dns_status", d->dns_status);
        if (d->dns_answer)
            jstr(v, "dns_answer", d->dns_answer);
    }
}

/* The structured facts of a record, same keys for every rule. */
static json_object *record_json(const scanner_record *r, int64_t as_of)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    jstr(o, "source", scanner_source_name(r->source));
    switch (r->source) {
    case SCANNER_SRC_ACM: {
        jstr(o, "type", r->type);
        jstr(o, "status", r->status);
        jstr(o, "renewal_eligibility", r->renewal_eligibility);
        jstr(o, "renewal_status", r->renewal_status);
        jstr(o, "renewal_status_reason", r->renewal_reason);
        jstr(o, "failure_reason", r->failure_reason);
        jstr(o, "key_algorithm", r->key_algorithm);
        jstr(o, "transparency_logging", r->ct_logging);
        jtime(o, "created_at", r->created_at);
        jtime(o, "not_before", r->not_before);
        jtime(o, "not_after", r->not_after);
        json_object_object_add(o, "in_use_by", jlist(r->in_use_by, r->n_in_use_by));
        json_object *va = json_object_new_array();
        for (size_t i = 0; va && i < r->n_validations; i++) {
            json_object *v = json_object_new_object();
            if (!v)
                break;
            jstr(v, "domain", r->validations[i].domain);
            jstr(v, "status", r->validations[i].status);
            jstr(v, "method", r->validations[i].method);
            put_validation_dns_json(v, &r->validations[i]);
            json_object_array_add(va, v);
        }
        json_object_object_add(o, "validations", va);
        break;
    }
    case SCANNER_SRC_APIGW_CLIENT_CERT:
        jstr(o, "client_certificate_id", r->id);
        jtime(o, "created_at", r->created_at);
        jtime(o, "not_after", r->not_after);
        break;
    case SCANNER_SRC_APIGW_DOMAIN:
    case SCANNER_SRC_APIGWV2_DOMAIN:
        jstr(o, "domain", r->domain ? r->domain : r->id);
        jstr(o, "status", r->status);
        jstr(o, "certificate_arn", r->certificate_arn);
        jtime(o, "uploaded_at", r->uploaded_at);
        if (r->uploaded_at)
            json_object_object_add(o, "uploaded_days_ago",
                json_object_new_int64(scanner_days_until(as_of, r->uploaded_at)));
        else
            json_object_object_add(o, "uploaded_days_ago", NULL);
        jtime(o, "not_after", r->not_after);
        break;
    case SCANNER_SRC_IAM_SERVER_CERT:
        jstr(o, "name", r->id);
        jtime(o, "uploaded_at", r->uploaded_at);
        jtime(o, "not_after", r->not_after);
        break;
    case SCANNER_SRC_APIGW_STAGE:
        jstr(o, "stage", r->id);
        jstr(o, "client_certificate_id",
             r->client_certificate_id && *r->client_certificate_id
                 ? r->client_certificate_id : NULL);
        break;
    case SCANNER_SRC_SERVED:
        break;
    }
    /* The resource's tags where the collector read them: {"key": "value"}. */
    if (r->tags.n) {
        json_object *t = scanner_tags_json(&r->tags);
        if (t)
            json_object_object_add(o, "tags", t);
    }
    return o;
}

static int draft_begin(draft *d, const judge *j, const scanner_record *r,
                       int rule, scanner_severity sev)
{
    memset(d, 0, sizeof(*d));
    d->r = r;
    d->rule = &rules[rule];
    d->sev = sev;
    d->not_after = r->not_after;
    aws_buf_init(&d->title, TITLE_MAX);
    aws_buf_init(&d->details, DETAILS_MAX);
    if (j->dry)
        return JUDGE_HIT;
    d->json = record_json(r, j->as_of);
    return d->json ? 0 : AWS_ENOMEM;
}

static void draft_discard(draft *d)
{
    aws_buf_finish(&d->title);
    aws_buf_finish(&d->details);
    json_object_put(d->json);
    d->json = NULL;
}

static char *dup_opt(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *oom = 1;
    return c;
}

/* Turns the draft into a finding in j->out; the draft is consumed. */
static int draft_emit(judge *j, draft *d)
{
    const scanner_record *r = d->r;
    scanner_finding fd;
    int oom = 0;
    memset(&fd, 0, sizeof(fd));

    const char *resource = r->arn && *r->arn ? r->arn : r->id;
    scanner_finding_id(r->account_id, r->region, resource, d->rule->id, fd.id);
    fd.rule = d->rule->id;
    fd.severity = d->sev;
    fd.source = r->source;
    fd.account_id = dup_opt(nz(r->account_id), &oom);
    fd.region = dup_opt(nz(r->region), &oom);
    fd.resource_type = dup_opt(scanner_source_resource_type(r->source), &oom);
    fd.resource_arn = dup_opt(resource, &oom);
    fd.resource_id = dup_opt(r->id ? r->id : r->domain, &oom);
    fd.domain = dup_opt(r->domain, &oom);
    fd.not_after = d->not_after;
    fd.days_to_expiry = d->not_after ? scanner_days_until(d->not_after, j->as_of) : 0;
    while (d->details.len > 0 && d->details.data[d->details.len - 1] == '\n')
        d->details.data[--d->details.len] = '\0';
    fd.title = aws_buf_take_fit(&d->title);
    fd.details = aws_buf_take_fit(&d->details);
    const char *js = json_object_to_json_string_ext(d->json,
        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    fd.details_json = dup_opt(js ? js : NULL, &oom);
    if (!js)
        oom = 1;
    fd.remediation = d->rule->remediation;
    fd.console_url = scanner_console_url(r);
    if (scanner_tags_copy(&fd.tags, &r->tags) != 0)
        oom = 1;
    draft_discard(d);
    if (oom || !fd.title || !fd.details || !fd.console_url) {
        scanner_finding_release(&fd);
        return AWS_ENOMEM;
    }
    return scanner_findings_add(j->out, &fd);
}

/* "expires in 12 days (2026-12-05)" / "expired 3 days ago (2026-12-05)". */
static int put_when(aws_buf *b, int64_t not_after, int64_t as_of)
{
    char date[32];
    if (not_after == 0)
        return aws_buf_puts(b, "has expired");
    fmt_date(not_after, date, sizeof(date));
    if (not_after <= as_of) {
        int64_t ago = -scanner_days_until(not_after, as_of);
        if (ago == 0)
            return aws_buf_printf(b, "expired less than a day ago (%s)", date);
        return aws_buf_printf(b, "expired %lld day%s ago (%s)", (long long)ago,
                              ago == 1 ? "" : "s", date);
    }
    int64_t days = scanner_days_until(not_after, as_of);
    if (days == 0)
        return aws_buf_printf(b, "expires in less than a day (%s)", date);
    return aws_buf_printf(b, "expires in %lld day%s (%s)", (long long)days,
                          days == 1 ? "" : "s", date);
}

static int put_subject(aws_buf *b, const scanner_record *r)
{
    int rc;
    if ((rc = aws_buf_printf(b, "%s ", record_label(r->source))) ||
        (rc = aws_text_cut(b, record_name(r), NAME_SHOW_MAX)))
        return rc;
    return aws_buf_putc(b, ' ');
}

static int put_line(aws_buf *b, const char *key, const char *value)
{
    int rc;
    if (!value || !*value)
        return 0;
    if ((rc = aws_buf_printf(b, "%s: ", key)) || (rc = aws_text_cut(b, value, VALUE_SHOW_MAX)))
        return rc;
    return aws_buf_putc(b, '\n');
}

/* A remote word (a status, a reason, an id) cut for a title: the text of
 * s, or "" for NULL, in buf. */
static const char *word(const char *s, char *buf, size_t n)
{
    return aws_text_cut_buf(s ? s : "", buf, n);
}

static int put_time_line(aws_buf *b, const char *key, int64_t t)
{
    char iso[32];
    if (!t)
        return 0;
    fmt_iso(t, iso, sizeof(iso));
    return aws_buf_printf(b, "%s: %s\n", key, iso);
}

static int put_list(aws_buf *b, const char *key, char *const *v, size_t n,
                    const char *none)
{
    int rc;
    if (n == 0)
        return none ? aws_buf_printf(b, "%s: %s\n", key, none) : 0;
    if ((rc = aws_buf_printf(b, "%s (%zu):\n", key, n)))
        return rc;
    for (size_t i = 0; i < n && i < LIST_MAX; i++)
        if ((rc = aws_buf_puts(b, "  ")) || (rc = aws_text_cut(b, nz(v[i]), VALUE_SHOW_MAX)) ||
            (rc = aws_buf_putc(b, '\n')))
            return rc;
    if (n > LIST_MAX)
        return aws_buf_printf(b, "  ... and %zu more\n", n - LIST_MAX);
    return 0;
}

/* Human facts shared by the ACM rules. */
static int put_acm_facts(aws_buf *b, const scanner_record *r)
{
    int rc;
    if ((rc = put_line(b, "ARN", r->arn)) ||
        (rc = put_line(b, "Type", r->type)) ||
        (rc = put_line(b, "Status", r->status)) ||
        (rc = put_time_line(b, "Not after", r->not_after)) ||
        (rc = put_line(b, "Renewal eligibility", r->renewal_eligibility)) ||
        (rc = put_line(b, "Renewal status", r->renewal_status)) ||
        (rc = put_line(b, "Renewal status reason", r->renewal_reason)) ||
        (rc = put_line(b, "Failure reason", r->failure_reason)) ||
        (rc = put_list(b, "In use by", r->in_use_by, r->n_in_use_by,
                       "nothing")))
        return rc;
    return 0;
}

static int put_validations(aws_buf *b, const scanner_record *r)
{
    int rc;
    if (r->n_validations == 0)
        return 0;
    if ((rc = aws_buf_printf(b, "Domain validation (%zu):\n", r->n_validations)))
        return rc;
    for (size_t i = 0; i < r->n_validations && i < LIST_MAX; i++) {
        const scanner_domain_validation *v = &r->validations[i];
        char dom[NAME_SHOW_MAX], st[WORD_SHOW_MAX], me[WORD_SHOW_MAX];
        rc = aws_buf_printf(b, "  %s: %s%s%s%s\n", word(v->domain, dom, sizeof(dom)),
                            v->status ? word(v->status, st, sizeof(st)) : "UNKNOWN",
                            v->method ? " (" : "", word(v->method, me, sizeof(me)),
                            v->method ? ")" : "");
        if (rc)
            return rc;
    }
    if (r->n_validations > LIST_MAX)
        return aws_buf_printf(b, "  ... and %zu more\n", r->n_validations - LIST_MAX);
    return 0;
}

static void put_tiers_json(json_object *o, const char *key, const config_tiers *t)
{
    json_object *tj = json_object_new_object();
    if (tj) {
        json_object_object_add(tj, "medium", json_object_new_int(t->medium));
        json_object_object_add(tj, "high", json_object_new_int(t->high));
        json_object_object_add(tj, "critical", json_object_new_int(t->critical));
    }
    json_object_object_add(o, key, tj);
}

/* ---- ACM ---------------------------------------------------------------- */

/* Ends the details with the ACM facts and the domain validations, and
 * emits the draft (consumed either way). */
static int draft_emit_acm(judge *j, draft *d)
{
    int rc;
    if ((rc = put_acm_facts(&d->details, d->r)) || (rc = put_validations(&d->details, d->r))) {
        draft_discard(d);
        return rc;
    }
    return draft_emit(j, d);
}

/* A finding whose title is the subject and `what` (NULL: when it
 * expires) and whose details are written by put_details. */
static int rule_plain(judge *j, const scanner_record *r, int rule, scanner_severity sev,
                      const char *what, int (*put_details)(aws_buf *, const scanner_record *))
{
    draft d;
    int rc;
    if ((rc = draft_begin(&d, j, r, rule, sev)))
        goto fail;
    if ((rc = put_subject(&d.title, r)) ||
        (rc = what ? aws_buf_puts(&d.title, what) : put_when(&d.title, r->not_after, j->as_of)) ||
        (rc = put_details(&d.details, r)))
        goto fail;
    return draft_emit(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

static int rule_expired(judge *j, const scanner_record *r)
{
    return rule_plain(j, r, R_EXPIRED, SCANNER_SEV_CRITICAL, NULL, put_acm_facts);
}

static int rule_expiring(judge *j, const scanner_record *r, int64_t days)
{
    int managed = acm_renews_itself(r);
    const config_tiers *t = managed ? &j->cfg->expiring_managed : &j->cfg->expiring;
    scanner_severity sev;
    if (!scanner_tier_severity(t, days, &sev))
        return 0;
    draft d;
    int rc;
    if ((rc = draft_begin(&d, j, r, R_EXPIRING, sev)))
        goto fail;
    json_object_object_add(d.json, "managed_renewal", json_object_new_boolean(managed));
    put_tiers_json(d.json, "thresholds", t);
    if ((rc = put_subject(&d.title, r)) ||
        (rc = put_when(&d.title, r->not_after, j->as_of)) ||
        (rc = put_acm_facts(&d.details, r)) ||
        (rc = aws_buf_printf(&d.details,
            "%s, so the %s thresholds apply (%d/%d/%d days for MEDIUM/HIGH/CRITICAL).\n",
            managed ? "ACM renews this certificate by itself"
                    : eq(r->type, "IMPORTED")
                          ? "ACM never renews imported certificates"
                          : "ACM will not renew this certificate by itself",
            managed ? "[rules] expiring_managed" : "[rules] expiring",
            t->medium, t->high, t->critical)))
        goto fail;
    return draft_emit(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

static int rule_validation(judge *j, const scanner_record *r)
{
    int64_t pending_days = -1;
    char w[NAME_SHOW_MAX];
    if (eq(r->status, "PENDING_VALIDATION")) {
        if (r->created_at == 0)
            return 0;   /* age unknown: cannot tell "stuck" from "new" */
        if (sub_sat(j->as_of, r->created_at) <=
            (int64_t)j->cfg->pending_validation_max_days * DAY)
            return 0;
        pending_days = sub_sat(j->as_of, r->created_at) / DAY;
    } else if (!eq(r->status, "VALIDATION_TIMED_OUT") && !eq(r->status, "FAILED")) {
        return 0;
    }
    draft d;
    int rc;
    if ((rc = draft_begin(&d, j, r, R_VALIDATION, SCANNER_SEV_MEDIUM)))
        goto fail;
    if ((rc = put_subject(&d.title, r)))
        goto fail;
    if (pending_days >= 0)
        rc = aws_buf_printf(&d.title, "has been pending validation for %lld days",
                            (long long)pending_days);
    else if (eq(r->status, "FAILED"))
        rc = aws_buf_printf(&d.title, "request failed%s%s%s",
                            r->failure_reason ? " (" : "",
                            word(r->failure_reason, w, sizeof(w)),
                            r->failure_reason ? ")" : "");
    else
        rc = aws_buf_puts(&d.title, "validation timed out");
    if (rc || (rc = put_acm_facts(&d.details, r)) ||
        (rc = put_time_line(&d.details, "Requested", r->created_at)) ||
        (rc = put_validations(&d.details, r)))
        goto fail;
    return draft_emit(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

static int rule_renewal_failing(judge *j, const scanner_record *r)
{
    int failed = eq(r->renewal_status, "FAILED");
    if (!failed) {
        if (!eq(r->renewal_status, "PENDING_VALIDATION") || r->not_after == 0)
            return 0;
        if (scanner_days_until(r->not_after, j->as_of) > j->cfg->renewal_pending_days)
            return 0;
    }
    draft d;
    int rc;
    if ((rc = draft_begin(&d, j, r, R_RENEWAL_FAILING, SCANNER_SEV_HIGH)))
        goto fail;
    if ((rc = put_subject(&d.title, r)))
        goto fail;
    char w[NAME_SHOW_MAX];
    if (failed)
        rc = aws_buf_printf(&d.title, "renewal failed%s%s%s", r->renewal_reason ? " (" : "",
                            word(r->renewal_reason, w, sizeof(w)),
                            r->renewal_reason ? ")" : "");
    else
        rc = aws_buf_puts(&d.title, "renewal is pending validation");
    if (rc)
        goto fail;
    if (r->not_after &&
        ((rc = aws_buf_puts(&d.title, "; ")) ||
         (rc = put_when(&d.title, r->not_after, j->as_of))))
        goto fail;
    return draft_emit_acm(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

static int rule_not_renewable(judge *j, const scanner_record *r, int64_t days)
{
    if (!acm_amazon(r) || acm_renews_itself(r) || eq(r->renewal_status, "FAILED"))
        return 0;
    int window = j->cfg->expiring.medium > 0 ? j->cfg->expiring.medium
                                             : tier_window(&j->cfg->expiring);
    if (window <= 0 || days > window)
        return 0;
    int in_use = r->n_in_use_by > 0;
    draft d;
    int rc;
    if ((rc = draft_begin(&d, j, r, R_NOT_RENEWABLE,
                          in_use ? SCANNER_SEV_MEDIUM : SCANNER_SEV_LOW)))
        goto fail;
    const char *why = !in_use ? "it is not in use by any AWS resource"
                              : "its renewal eligibility is INELIGIBLE";
    if (!in_use && eq(r->renewal_eligibility, "INELIGIBLE"))
        why = "it is not in use and its renewal eligibility is INELIGIBLE";
    jstr(d.json, "reason", !in_use ? "not-in-use" : "ineligible");
    if ((rc = put_subject(&d.title, r)) ||
        (rc = aws_buf_puts(&d.title, "will not be renewed by ACM and ")) ||
        (rc = put_when(&d.title, r->not_after, j->as_of)) ||
        (rc = aws_buf_printf(&d.details, "ACM will not renew it because %s%s.\n", why,
                             in_use ? "" : " (unless it was exported)")) ||
        (rc = put_acm_facts(&d.details, r)))
        goto fail;
    return draft_emit(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

static int put_key_facts(aws_buf *b, const scanner_record *r)
{
    int rc;
    if ((rc = put_line(b, "ARN", r->arn)) ||
        (rc = put_line(b, "Key algorithm", r->key_algorithm)))
        return rc;
    return put_time_line(b, "Not after", r->not_after);
}

static int rule_weak_key(judge *j, const scanner_record *r)
{
    return rule_plain(j, r, R_WEAK_KEY, SCANNER_SEV_LOW, "uses a 1024-bit RSA key",
                      put_key_facts);
}

static int rule_ct(judge *j, const scanner_record *r)
{
    return rule_plain(j, r, R_CT, SCANNER_SEV_LOW,
                      "has certificate transparency logging disabled", put_acm_facts);
}

static int weak_key(const scanner_record *r)
{
    return ieq(r->key_algorithm, "RSA_1024") || ieq(r->key_algorithm, "RSA-1024") ||
           ieq(r->key_algorithm, "RSA1024");
}

/* ---- renewal at risk ------------------------------------------------------- */

/* An ACM certificate whose renewal the rule looks after: ACM will try to
 * renew it by validating its domains again. */
static int renewal_candidate(const scanner_record *r, int64_t as_of)
{
    return r->source == SCANNER_SRC_ACM && eq(r->type, "AMAZON_ISSUED") &&
           eq(r->status, "ISSUED") && r->not_after > as_of &&
           !eq(r->renewal_eligibility, "INELIGIBLE");
}

static int dns_validation(const scanner_domain_validation *v)
{
    return (eq(v->method, "DNS") || (!v->method && v->rr_name)) && v->rr_name &&
           *v->rr_name && v->rr_value && *v->rr_value && ieq(v->rr_type, "CNAME");
}

int scanner_rule_dns_wanted(const scanner_record *r, const scanner_domain_validation *v,
                            const config *cfg, int64_t as_of)
{
    return r && v && cfg && cfg->dns_enabled && scanner_rule_enabled(cfg, "renewal-at-risk") &&
           renewal_candidate(r, as_of) && dns_validation(v);
}

int scanner_dns_name_eq(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    size_t la = strlen(a), lb = strlen(b);
    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static int broken(const scanner_domain_validation *v)
{
    return dns_validation(v) &&
           (v->dns_seen == SCANNER_DNS_MISSING || v->dns_seen == SCANNER_DNS_CHANGED);
}

/* Index of the first broken validation with v's record name (several
 * domains share a record: example.com and *.example.com). */
static size_t first_of_record(const scanner_record *r, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (broken(&r->validations[k]) && scanner_dns_name_eq(r->validations[k].rr_name,
                                                    r->validations[i].rr_name))
            return k;
    return i;
}

static int put_broken_record(aws_buf *b, json_object *ja, const scanner_record *r, size_t i)
{
    const scanner_domain_validation *v = &r->validations[i];
    int rc;
    if ((rc = aws_buf_puts(b, "Record to restore: ")) ||
        (rc = aws_text_cut(b, v->rr_name, VALUE_SHOW_MAX)) ||
        (rc = aws_buf_puts(b, " CNAME ")) ||
        (rc = aws_text_cut(b, v->rr_value, VALUE_SHOW_MAX)) ||
        (rc = aws_buf_puts(b, "\n  ")))
        return rc;
    if (v->dns_seen == SCANNER_DNS_CHANGED) {
        if ((rc = aws_buf_puts(b, "found: points to ")) ||
            (rc = aws_text_cut(b, nz(v->dns_answer), VALUE_SHOW_MAX)))
            return rc;
    } else if ((rc = aws_buf_printf(b, "found: no such record (%s)",
                                    v->dns_status ? v->dns_status : "NXDOMAIN"))) {
        return rc;
    }
    if ((rc = aws_buf_puts(b, "; validates ")))
        return rc;
    json_object *doms = json_object_new_array();
    int first = 1;
    for (size_t k = i; k < r->n_validations; k++) {
        const scanner_domain_validation *w = &r->validations[k];
        if (!broken(w) || !scanner_dns_name_eq(w->rr_name, v->rr_name))
            continue;
        if ((!first && (rc = aws_buf_puts(b, ", "))) ||
            (rc = aws_text_cut(b, nz(w->domain), NAME_SHOW_MAX)))
            return rc;
        first = 0;
        if (doms)
            json_object_array_add(doms, json_object_new_string(nz(w->domain)));
    }
    json_object *o = json_object_new_object();
    if (o) {
        jstr(o, "name", v->rr_name);
        jstr(o, "type", "CNAME");
        jstr(o, "value", v->rr_value);
        jstr(o, "found", v->dns_seen == SCANNER_DNS_CHANGED ? "changed" : "missing");
        jstr(o, "dns_status", v->dns_status);
        jstr(o, "answer", v->dns_answer);
        json_object_object_add(o, "domains", doms);
        json_object_array_add(ja, o);
    } else {
        json_object_put(doms);
    }
    return aws_buf_putc(b, '\n');
}

static int rule_renewal_at_risk(judge *j, const scanner_record *r, int64_t days)
{
    size_t n_broken = 0, n_email = 0, first = 0;
    for (size_t i = 0; i < r->n_validations; i++) {
        const scanner_domain_validation *v = &r->validations[i];
        if (broken(v) && first_of_record(r, i) == i) {
            if (n_broken++ == 0)
                first = i;
        }
        if (eq(v->method, "EMAIL"))
            n_email++;
    }
    int email = n_email > 0 && days <= EMAIL_NOTICE_DAYS;
    if (n_broken == 0 && !email)
        return 0;
    scanner_severity sev = days <= ACM_RENEWAL_WINDOW_DAYS ? SCANNER_SEV_HIGH
                                                           : SCANNER_SEV_MEDIUM;
    draft d;
    int rc;
    json_object *ja = json_object_new_array();
    if (!ja)
        return AWS_ENOMEM;
    if ((rc = draft_begin(&d, j, r, R_RENEWAL_AT_RISK, sev))) {
        json_object_put(ja);
        goto fail;
    }
    json_object_object_add(d.json, "records_to_restore", ja);
    json_object_object_add(d.json, "email_validation", json_object_new_boolean(email));
    if ((rc = put_subject(&d.title, r)) || (rc = aws_buf_puts(&d.title, "renewal at risk: ")))
        goto fail;
    if (n_broken == 1) {
        const scanner_domain_validation *v = &r->validations[first];
        rc = aws_buf_printf(&d.title, "validation record ");
        if (!rc)
            rc = aws_text_cut(&d.title, v->rr_name, NAME_SHOW_MAX);
        if (!rc)
            rc = aws_buf_puts(&d.title, v->dns_seen == SCANNER_DNS_CHANGED
                                            ? " CNAME points elsewhere"
                                            : " CNAME is missing");
    } else if (n_broken > 1) {
        rc = aws_buf_printf(&d.title, "%zu validation records missing or changed", n_broken);
    } else {
        rc = aws_buf_puts(&d.title, "validated by e-mail, someone must approve the renewal mail");
    }
    if (rc || (rc = aws_buf_puts(&d.title, "; ")) ||
        (rc = put_when(&d.title, r->not_after, j->as_of)))
        goto fail;
    if (n_broken > 0 &&
        (rc = aws_buf_printf(&d.details, "ACM renews this certificate only if it can validate "
                             "its domains again (from %d days before expiry); it looks up "
                             "these records, which DNS no longer answers as ACM expects:\n",
                             ACM_RENEWAL_WINDOW_DAYS)))
        goto fail;
    for (size_t i = 0; i < r->n_validations && n_broken > 0; i++)
        if (broken(&r->validations[i]) && first_of_record(r, i) == i &&
            (rc = put_broken_record(&d.details, ja, r, i)))
            goto fail;
    if (email &&
        (rc = aws_buf_printf(&d.details, "%zu domain%s validated by e-mail: ACM sends the "
                             "renewal mail to the domain's contacts from %d days before expiry, "
                             "and the certificate is renewed only when someone approves it.\n",
                             n_email, n_email == 1 ? " is" : "s are", ACM_RENEWAL_WINDOW_DAYS)))
        goto fail;
    return draft_emit_acm(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

static int judge_acm(judge *j, const scanner_record *r)
{
    int rc = 0;
    if (eq(r->status, "REVOKED"))
        return 0;
    int has_expired = eq(r->status, "EXPIRED") ||
        (r->not_after != 0 && r->not_after <= j->as_of &&
         (acm_live(r) || r->status == NULL));
    if (has_expired) {
        if (scanner_rule_enabled(j->cfg, "expired") && (rc = rule_expired(j, r)))
            return rc;
    } else if (acm_live(r) && r->not_after != 0) {
        int64_t days = scanner_days_until(r->not_after, j->as_of);
        if (scanner_rule_enabled(j->cfg, "expiring") && (rc = rule_expiring(j, r, days)))
            return rc;
        if (scanner_rule_enabled(j->cfg, "not-renewable") &&
            (rc = rule_not_renewable(j, r, days)))
            return rc;
    }
    if (scanner_rule_enabled(j->cfg, "validation-incomplete") &&
        (rc = rule_validation(j, r)))
        return rc;
    if (scanner_rule_enabled(j->cfg, "renewal-failing") &&
        (rc = rule_renewal_failing(j, r)))
        return rc;
    if (renewal_candidate(r, j->as_of) && scanner_rule_enabled(j->cfg, "renewal-at-risk") &&
        (rc = rule_renewal_at_risk(j, r, scanner_days_until(r->not_after, j->as_of))))
        return rc;
    /* Key and CT findings only for certificates that are or will be served. */
    if (has_expired || acm_dead(r))
        return 0;
    if (weak_key(r) && scanner_rule_enabled(j->cfg, "weak-key") &&
        (rc = rule_weak_key(j, r)))
        return rc;
    if (eq(r->type, "AMAZON_ISSUED") && ieq(r->ct_logging, "DISABLED") &&
        scanner_rule_enabled(j->cfg, "transparency-logging-disabled") &&
        (rc = rule_ct(j, r)))
        return rc;
    return 0;
}

/* ---- API Gateway client certificates and stages ------------------------- */

/* 1 when client certificate r raises a client-certificate-rotation
 * finding as cfg and as_of judge (expired, or inside its tiers), with its
 * severity in *sev; 0 otherwise.  What the rule decides on (its
 * expirationDate) and nothing else: scanner_apigw_stages_need asks it too. */
static int client_cert_due(const scanner_record *r, const config *cfg, int64_t as_of,
                           scanner_severity *sev)
{
    if (r->not_after == 0)
        return 0;
    *sev = SCANNER_SEV_CRITICAL;
    return r->not_after <= as_of ||
           scanner_tier_severity(&cfg->client_certificate,
                                 scanner_days_until(r->not_after, as_of), sev);
}

static int rule_client_cert(judge *j, const scanner_record *r)
{
    scanner_severity sev;
    if (!client_cert_due(r, j->cfg, j->as_of, &sev))
        return 0;

    draft d;
    int rc;
    json_object *stages = NULL;
    if ((rc = draft_begin(&d, j, r, R_CLIENT_CERT, sev)))
        goto fail;
    stages = json_object_new_array();
    if (!stages) {
        rc = AWS_ENOMEM;
        goto fail;
    }
    size_t n_stages = 0;
    if ((rc = put_subject(&d.title, r)) ||
        (rc = put_when(&d.title, r->not_after, j->as_of)) ||
        (rc = put_line(&d.details, "Client certificate id", r->id)) ||
        (rc = put_time_line(&d.details, "Created", r->created_at)) ||
        (rc = put_time_line(&d.details, "Not after", r->not_after)))
        goto fail;
    for (size_t i = 0; i < j->set->n; i++) {
        const scanner_record *s = j->set->v[i];
        if (s->source != SCANNER_SRC_APIGW_STAGE || !r->id ||
            !eq(s->client_certificate_id, r->id))
            continue;
        json_object_array_add(stages, json_object_new_string(nz(s->id)));
        if (n_stages == 0 && (rc = aws_buf_puts(&d.details, "Used by stages:\n")))
            goto fail;
        char w[NAME_SHOW_MAX];
        if (n_stages < LIST_MAX &&
            (rc = aws_buf_printf(&d.details, "  %s\n", word(s->id, w, sizeof(w)))))
            goto fail;
        n_stages++;
    }
    if (n_stages > LIST_MAX &&
        (rc = aws_buf_printf(&d.details, "  ... and %zu more\n", n_stages - LIST_MAX)))
        goto fail;
    int all_stages = have_all(j, SCANNER_SRC_APIGW_STAGE);
    if (n_stages == 0 &&
        (rc = aws_buf_puts(&d.details, all_stages ? "Used by stages: none\n"
                                                  : "Used by stages: unknown\n")))
        goto fail;
    if (!all_stages &&
        (rc = aws_buf_puts(&d.details, "The region's REST API stages could not all be read "
                                       "(see the coverage gaps): more stages may use it.\n")))
        goto fail;
    json_object_object_add(d.json, "stages", stages);
    stages = NULL;
    json_object_object_add(d.json, "stages_complete", json_object_new_boolean(all_stages));
    if (r->not_after > j->as_of)
        put_tiers_json(d.json, "thresholds", &j->cfg->client_certificate);
    return draft_emit(j, &d);
fail:
    json_object_put(stages);
    draft_discard(&d);
    return rc;
}

static const scanner_record *find_client_cert(const judge *j, const char *id)
{
    for (size_t i = 0; i < j->set->n; i++) {
        const scanner_record *c = j->set->v[i];
        if (c->source == SCANNER_SRC_APIGW_CLIENT_CERT && eq(c->id, id))
            return c;
    }
    return NULL;
}

static int rule_stage(judge *j, const scanner_record *r)
{
    const char *cc = r->client_certificate_id;
    int none = !cc || !*cc;
    if (none && !j->cfg->stage_without_client_certificate)
        return 0;
    if (!none && find_client_cert(j, cc))
        return 0;
    /* Not found among client certificates that could not all be listed:
     * absence proves nothing (the coverage gap says what was not read). */
    if (!none && !have_all(j, SCANNER_SRC_APIGW_CLIENT_CERT))
        return 0;
    draft d;
    int rc;
    if ((rc = draft_begin(&d, j, r, R_STAGE, none ? SCANNER_SEV_LOW : SCANNER_SEV_HIGH)))
        goto fail;
    d.not_after = 0;
    jstr(d.json, "problem", none ? "no-client-certificate" : "missing-client-certificate");
    if ((rc = put_subject(&d.title, r)))
        goto fail;
    char w[NAME_SHOW_MAX];
    if (none)
        rc = aws_buf_puts(&d.title, "has no client certificate");
    else
        rc = aws_buf_printf(&d.title, "uses client certificate %s, which does not exist",
                            word(cc, w, sizeof(w)));
    if (rc || (rc = put_line(&d.details, "Stage", r->id)) ||
        (rc = put_line(&d.details, "ARN", r->arn)) ||
        (rc = put_line(&d.details, "Client certificate id", none ? "(none)" : cc)))
        goto fail;
    if (!none && (rc = aws_buf_puts(&d.details,
            "No client certificate with this id exists in the stage's account and "
            "region; API Gateway cannot present it to the backend.\n")))
        goto fail;
    return draft_emit(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

/* ---- API Gateway custom domains ----------------------------------------- */

static int domain_status_ok(const char *s)
{
    return !s || eq(s, "ISSUED") || eq(s, "AVAILABLE") || eq(s, "UPDATING") ||
           eq(s, "PENDING");
}

static int rule_domain(judge *j, const scanner_record *r)
{
    const scanner_record *acm = NULL;
    if (r->certificate_arn && *r->certificate_arn) {
        for (size_t i = 0; i < j->set->n; i++) {
            const scanner_record *c = j->set->v[i];
            if (c->source == SCANNER_SRC_ACM && eq(c->arn, r->certificate_arn)) {
                acm = c;
                break;
            }
        }
    }
    /* Without the ACM record the domain's own status decides; when the
     * region's ACM certificates could not all be read, say so rather than
     * "no ACM record". */
    int acm_all = have_all(j, SCANNER_SRC_ACM);
    const char *status = acm ? acm->status : r->status;
    int bad_status = acm ? !eq(status, "ISSUED") : !domain_status_ok(status);
    int64_t age = r->uploaded_at ? scanner_days_until(j->as_of, r->uploaded_at) : 0;
    int too_old = r->uploaded_at != 0 && j->cfg->domain_upload_max_days > 0 &&
                  age > j->cfg->domain_upload_max_days;
    if (!bad_status && !too_old)
        return 0;

    draft d;
    int rc;
    if ((rc = draft_begin(&d, j, r, R_DOMAIN_CERT,
                          bad_status ? SCANNER_SEV_HIGH : SCANNER_SEV_MEDIUM)))
        goto fail;
    if (acm)
        d.not_after = acm->not_after;
    jstr(d.json, "certificate_status", status);
    jstr(d.json, "certificate_status_from", acm ? "acm" : "domain");
    json_object_object_add(d.json, "acm_complete", json_object_new_boolean(acm_all));
    json_object *pj = json_object_new_array();
    if (pj && bad_status)
        json_object_array_add(pj, json_object_new_string("certificate-not-issued"));
    if (pj && too_old)
        json_object_array_add(pj, json_object_new_string("uploaded-certificate-too-old"));
    json_object_object_add(d.json, "problems", pj);

    if ((rc = put_subject(&d.title, r)))
        goto fail;
    char w[WORD_SHOW_MAX];
    if (bad_status &&
        (rc = aws_buf_printf(&d.title, "serves a certificate that is %s",
                             status ? word(status, w, sizeof(w)) : "not issued")))
        goto fail;
    if (too_old &&
        (rc = aws_buf_printf(&d.title, "%sserves a certificate uploaded %lld days ago",
                             bad_status ? "; " : "", (long long)age)))
        goto fail;
    if ((rc = put_line(&d.details, "Domain", r->domain ? r->domain : r->id)) ||
        (rc = put_line(&d.details, "Certificate ARN", r->certificate_arn)) ||
        (rc = put_line(&d.details, "Certificate status", status)) ||
        (rc = put_line(&d.details, "Status from",
                       acm ? "the ACM certificate"
                       : acm_all ? "the domain name (no ACM record in this region)"
                                 : "the domain name (the ACM certificates of this region could "
                                   "not all be read: see the coverage gaps)")))
        goto fail;
    if (acm && ((rc = put_time_line(&d.details, "Certificate not after", acm->not_after)) ||
                (rc = put_line(&d.details, "Certificate failure reason", acm->failure_reason))))
        goto fail;
    if (too_old &&
        (rc = aws_buf_printf(&d.details,
            "Certificate uploaded %lld days ago, more than [rules] domain_upload_max_days (%d).\n",
            (long long)age, j->cfg->domain_upload_max_days)))
        goto fail;
    return draft_emit(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

/* ---- IAM server certificates -------------------------------------------- */

static int rule_iam(judge *j, const scanner_record *r)
{
    if (r->not_after == 0)
        return 0;
    int64_t days = scanner_days_until(r->not_after, j->as_of);
    scanner_severity sev = SCANNER_SEV_CRITICAL;
    if (r->not_after > j->as_of &&
        !scanner_tier_severity(&j->cfg->iam_server_certificate, days, &sev))
        return 0;
    draft d;
    int rc;
    char w[NAME_SHOW_MAX];
    if ((rc = draft_begin(&d, j, r, R_IAM, sev)))
        goto fail;
    put_tiers_json(d.json, "thresholds", &j->cfg->iam_server_certificate);
    if ((rc = put_subject(&d.title, r)) ||
        (rc = put_when(&d.title, r->not_after, j->as_of)) ||
        (rc = put_line(&d.details, "ARN", r->arn)) ||
        (rc = put_time_line(&d.details, "Uploaded", r->uploaded_at)) ||
        (rc = put_time_line(&d.details, "Not after", r->not_after)) ||
        (rc = aws_buf_printf(&d.details,
            "Inspect: aws iam get-server-certificate --server-certificate-name %s\n",
            word(record_name(r), w, sizeof(w)))))
        goto fail;
    return draft_emit(j, &d);
fail:
    draft_discard(&d);
    return rc;
}

/* ---- entry point -------------------------------------------------------- */

static int judge_one(judge *j, const scanner_record *r)
{
    int rc = 0;
    switch (r->source) {
    case SCANNER_SRC_ACM:
        return judge_acm(j, r);
    case SCANNER_SRC_APIGW_CLIENT_CERT:
        if (scanner_rule_enabled(j->cfg, "client-certificate-rotation"))
            rc = rule_client_cert(j, r);
        break;
    case SCANNER_SRC_APIGW_DOMAIN:
    case SCANNER_SRC_APIGWV2_DOMAIN:
        if (scanner_rule_enabled(j->cfg, "domain-certificate"))
            rc = rule_domain(j, r);
        break;
    case SCANNER_SRC_IAM_SERVER_CERT:
        if (scanner_rule_enabled(j->cfg, "iam-server-certificate") &&
            (rc = rule_iam(j, r)))
            return rc;
        if (r->not_after > j->as_of && weak_key(r) &&
            scanner_rule_enabled(j->cfg, "weak-key"))
            rc = rule_weak_key(j, r);
        break;
    case SCANNER_SRC_APIGW_STAGE:
        if (scanner_rule_enabled(j->cfg, "stage-client-certificate"))
            rc = rule_stage(j, r);
        break;
    case SCANNER_SRC_SERVED:        /* judged by scanner/served.c */
        break;
    }
    return rc;
}

/* Rule id's entry of a field table (acm_fields, apigw_fields). */
static int fields_of(const rule_fields *table, const char *id, unsigned *decides,
                     unsigned *judges)
{
    const scanner_rule *r = scanner_rule_find(id);
    rule_fields f = { 0, 0 };
    if (r)
        f = table[r - rules];
    if (decides)
        *decides = f.decides;
    if (judges)
        *judges = f.judges;
    return f.judges != 0;
}

int scanner_rule_acm_fields(const char *id, unsigned *decides, unsigned *judges)
{
    return fields_of(acm_fields, id, decides, judges);
}

static int on(const config *cfg, int rule)
{
    if ((rule == R_SERVED_MISMATCH || rule == R_SERVED_EXPIRING || rule == R_SERVED_CHAIN) &&
        !cfg->probe_enabled)
        return 0;
    return scanner_rule_enabled(cfg, rules[rule].id);
}

int scanner_rule_apigw_fields(const char *id, unsigned *decides, unsigned *judges)
{
    return fields_of(apigw_fields, id, decides, judges);
}

scanner_stage_need scanner_apigw_stages_need(const scanner_record_set *listed,
                                             const config *cfg, int64_t as_of,
                                             const char **why)
{
    const char *w = "no enabled rule reads the stages";
    scanner_stage_need need = SCANNER_STAGES_SKIP;
    int shown = 0;      /* an enabled rule shows them in its findings */
    for (size_t i = 0; i < R_COUNT; i++) {
        if (!(apigw_fields[i].judges & SCANNER_AF_STAGES) || !on(cfg, (int)i))
            continue;
        if (apigw_fields[i].decides & SCANNER_AF_STAGES) {
            need = SCANNER_STAGES_READ;
            w = "a rule decides on the stages";
            goto out;
        }
        shown = 1;
    }
    if (!shown)
        goto out;
    /* Only client-certificate-rotation shows them: its findings list the
     * stages using the certificate. */
    if (!listed) {
        need = SCANNER_STAGES_WAIT;
        w = "depends on the client certificates";
        goto out;
    }
    w = "no client certificate raises a finding";
    for (size_t i = 0; i < listed->n; i++) {
        const scanner_record *r = listed->v[i];
        scanner_severity sev;
        if (r && r->source == SCANNER_SRC_APIGW_CLIENT_CERT &&
            client_cert_due(r, cfg, as_of, &sev)) {
            need = SCANNER_STAGES_READ;
            w = "a client certificate's finding lists its stages";
            break;
        }
    }
out:
    if (why)
        *why = w;
    return need;
}

scanner_acm_need scanner_acm_summary_need(const scanner_record *r, unsigned present,
                                          int in_use, const config *cfg, int64_t as_of,
                                          const char **why)
{
    const char *w = NULL;
    scanner_acm_need need = SCANNER_ACM_SUMMARY;
    for (size_t i = 0; i < R_COUNT; i++) {
        if (acm_fields[i].decides & ~present && on(cfg, (int)i)) {
            need = SCANNER_ACM_FRESH;
            w = "the summary lacks a field a rule decides on";
            goto out;
        }
    }
    /* REVOKED: every rule skips it; the domain join reads Status and
     * NotAfter only (no FailureReason unless FAILED). */
    if (eq(r->status, "REVOKED"))
        goto out;
    if (eq(r->status, "PENDING_VALIDATION")) {
        need = SCANNER_ACM_FRESH;
        w = "validation in progress";
        goto out;
    }
    if (!acm_live(r)) {
        need = SCANNER_ACM_DETAIL;
        w = "not issued";
        goto out;
    }
    int64_t days = scanner_days_until(r->not_after, as_of);
    int amazon = acm_amazon(r);
    int renewal_rules = on(cfg, R_RENEWAL_FAILING) || on(cfg, R_EXPIRING) ||
                        on(cfg, R_NOT_RENEWABLE) || on(cfg, R_RENEWAL_AT_RISK);
    int window = ACM_RENEWAL_WINDOW_DAYS;
    if (cfg->renewal_pending_days > window)
        window = cfg->renewal_pending_days;
    if (amazon && renewal_rules && days <= window) {
        need = SCANNER_ACM_FRESH;
        w = "managed renewal window";
        goto out;
    }
    int expiry = tier_window(&cfg->expiring);
    if (tier_window(&cfg->expiring_managed) > expiry)
        expiry = tier_window(&cfg->expiring_managed);
    need = SCANNER_ACM_DETAIL;
    if (r->not_after <= as_of && on(cfg, R_EXPIRED))
        w = "expired";
    else if (days <= expiry && (on(cfg, R_EXPIRING) || on(cfg, R_NOT_RENEWABLE)))
        w = "expiring";
    else if (weak_key(r) && on(cfg, R_WEAK_KEY))
        w = "weak key";
    else if (eq(r->type, "AMAZON_ISSUED") && on(cfg, R_CT))
        w = "transparency logging option";
    else if (amazon && on(cfg, R_RENEWAL_FAILING))
        w = "renewal status";
    else if ((in_use == 1 && (on(cfg, R_SERVED_MISMATCH) || on(cfg, R_SERVED_CHAIN))) ||
             ((on(cfg, R_SERVED_MISMATCH) || on(cfg, R_SERVED_EXPIRING)) &&
              scanner_served_wants(r, cfg)))
        w = "served-certificate probe";
    else if (eq(r->type, "AMAZON_ISSUED") && on(cfg, R_RENEWAL_AT_RISK) &&
             !eq(r->renewal_eligibility, "INELIGIBLE") &&
             (cfg->dns_enabled || days <= EMAIL_NOTICE_DAYS))
        w = cfg->dns_enabled ? "validation records (DNS checks)" : "validation method";
    else
        need = SCANNER_ACM_SUMMARY;
out:
    if (why)
        *why = w ? w : "no rule can raise a finding from the summary";
    return need;
}

const char *scanner_judge_strerror(int rc)
{
    return rc == AWS_ETOOBIG ? "a text is larger than its cap" : aws_strerror(rc);
}

int scanner_rules_judge_ex(const scanner_record_set *set, const config *cfg,
                           int64_t as_of, scanner_findings *out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!set || !cfg || !out)
        return AWS_EINVAL;
    judge j = { set, cfg, as_of, out, 0 };
    int first = 0;
    size_t failed = 0;
    /* One record that cannot be judged never costs another its finding. */
    for (size_t i = 0; i < set->n; i++) {
        int rc;
        if (!set->v[i] || (rc = judge_one(&j, set->v[i])) == 0)
            continue;
        if (!failed++) {
            first = rc;
            if (err && errlen) {
                char name[NAME_SHOW_MAX];
                snprintf(err, errlen, "%s %s: %s", record_label(set->v[i]->source),
                         word(record_name(set->v[i]), name, sizeof(name)),
                         scanner_judge_strerror(rc));
            }
        }
    }
    if (failed > 1 && err && errlen) {
        size_t l = strlen(err);
        snprintf(err + l, errlen - l, " (and %zu more records not judged)", failed - 1);
    }
    return first;
}

int scanner_rules_judge(const scanner_record_set *set, const config *cfg,
                        int64_t as_of, scanner_findings *out)
{
    return scanner_rules_judge_ex(set, cfg, as_of, out, NULL, 0);
}

scanner_record_finds scanner_rules_record_finds(const scanner_record *r, const config *cfg,
                                                int64_t as_of)
{
    if (!r || !cfg)
        return SCANNER_FINDS_DEPENDS;
    /* A rule joining r's source to other records decides on the set; one
     * joining the DNS answers can only add a finding (a broken record)
     * once the lookups, made after the ACM stage, answered. */
    int dns = 0;
    for (size_t i = 0; i < R_COUNT; i++) {
        if (!(rule_inputs[i].judges & (1u << r->source)) || !on(cfg, (int)i))
            continue;
        if (rule_inputs[i].joins & ~SCANNER_COVER_DNS)
            return SCANNER_FINDS_DEPENDS;
        if (rule_inputs[i].joins & SCANNER_COVER_DNS)
            dns = 1;
    }
    scanner_record_set none;
    scanner_record_set_init(&none);
    judge j = { &none, cfg, as_of, NULL, 1 };
    int rc = judge_one(&j, r);
    if (rc == JUDGE_HIT)
        return SCANNER_FINDS_SOME;
    if (rc != 0)
        return SCANNER_FINDS_DEPENDS;   /* could not tell: judging the set will */
    for (size_t i = 0; dns && i < r->n_validations; i++)
        if (scanner_rule_dns_wanted(r, &r->validations[i], cfg, as_of))
            return SCANNER_FINDS_DEPENDS;
    return SCANNER_FINDS_NONE;
}

/* ---- console links ------------------------------------------------------ */

static const char *console_host(const scanner_record *r)
{
    const char *region = r->region;
    if (region && strncmp(region, "cn-", 3) == 0)
        return "console.amazonaws.cn";
    if (region && strncmp(region, "us-gov-", 7) == 0)
        return "console.amazonaws-us-gov.com";
    if (r->arn && strncmp(r->arn, "arn:aws-cn:", 11) == 0)
        return "console.amazonaws.cn";
    if (r->arn && strncmp(r->arn, "arn:aws-us-gov:", 15) == 0)
        return "console.amazonaws-us-gov.com";
    return "console.aws.amazon.com";
}

static int put_enc(aws_buf *b, const char *s)
{
    s = nz(s);
    return aws_buf_urlencode(b, s, strlen(s), 0);
}

char *scanner_console_url(const scanner_record *r)
{
    aws_buf b;
    int rc = 0;
    const char *host = console_host(r);
    int regional = r->region && *r->region && strcmp(r->region, "global") != 0;
    aws_buf_init(&b, 8192);

    if (r->source == SCANNER_SRC_IAM_SERVER_CERT) {
        /* IAM server certificates have no console page. */
        if (strcmp(host, "console.amazonaws.cn") == 0)
            rc = aws_buf_puts(&b, "https://docs.amazonaws.cn/en_us/IAM/latest/UserGuide/"
                                  "id_credentials_server-certs.html");
        else
            rc = aws_buf_puts(&b, "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
                                  "id_credentials_server-certs.html");
        goto done;
    }
    if (regional)
        rc = aws_buf_printf(&b, "https://%s.%s", r->region, host);
    else
        rc = aws_buf_printf(&b, "https://%s", host);
    if (rc)
        goto done;

    switch (r->source) {
    case SCANNER_SRC_ACM: {
        const char *slash = r->arn ? strstr(r->arn, ":certificate/") : NULL;
        if ((rc = aws_buf_puts(&b, "/acm/home?region=")) ||
            (rc = put_enc(&b, r->region)))
            break;
        if (slash) {
            if (!(rc = aws_buf_puts(&b, "#/certificates/")))
                rc = put_enc(&b, slash + strlen(":certificate/"));
        } else {
            rc = aws_buf_puts(&b, "#/certificates/list");
        }
        break;
    }
    case SCANNER_SRC_APIGW_CLIENT_CERT:
        if (!(rc = aws_buf_puts(&b, "/apigateway/main/client-certificates?region=")))
            rc = put_enc(&b, r->region);
        break;
    case SCANNER_SRC_APIGW_DOMAIN:
    case SCANNER_SRC_APIGWV2_DOMAIN:
        if ((rc = aws_buf_puts(&b, "/apigateway/main/publish/domain-names?domain=")) ||
            (rc = put_enc(&b, r->domain ? r->domain : r->id)) ||
            (rc = aws_buf_puts(&b, "&region=")))
            break;
        rc = put_enc(&b, r->region);
        break;
    case SCANNER_SRC_APIGW_STAGE: {
        /* id is "restApiId/stageName" */
        const char *id = nz(r->id);
        const char *sl = strchr(id, '/');
        size_t api_len = sl ? (size_t)(sl - id) : strlen(id);
        if ((rc = aws_buf_puts(&b, "/apigateway/main/apis/")) ||
            (rc = aws_buf_urlencode(&b, id, api_len, 0)) ||
            (rc = aws_buf_puts(&b, "/stages?api=")) ||
            (rc = aws_buf_urlencode(&b, id, api_len, 0)) ||
            (rc = aws_buf_puts(&b, "&region=")))
            break;
        rc = put_enc(&b, r->region);
        break;
    }
    case SCANNER_SRC_IAM_SERVER_CERT:
    case SCANNER_SRC_SERVED:
        break;
    }
done:
    if (rc) {
        aws_buf_finish(&b);
        return NULL;
    }
    return aws_buf_take_fit(&b);
}

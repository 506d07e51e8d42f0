/* certsweep — the digests: what one organization digest and the digest of
 * one account hold, when they are worth sending, and their rendering.
 *
 * A digest reads the run's labelled findings (label NEW / ESCALATED /
 * UNCHANGED, and the resolved list that scanner/resolve.h decided): it never
 * decides resolution itself.  Sections, each worst first: New, Escalated,
 * Still open, Resolved.  Findings below [notify] min_severity are counted,
 * not listed; suppressed findings (scanner/suppress.h) are left out.  The
 * organization digest adds counts by severity and by
 * account, the coverage gaps and the accounts that have no owner; an
 * account's digest holds that account's findings and gaps.
 */
#ifndef NOTIFY_DIGEST_H
#define NOTIFY_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "notify/notify.h"
#include "scanner/finding.h"
#include "scanner/scan.h"

typedef enum digest_section {
    DIGEST_NEW = 0,
    DIGEST_ESCALATED,
    DIGEST_OPEN,                    /* unchanged (or unlabelled) */
    DIGEST_RESOLVED,
    DIGEST__SECTIONS
} digest_section;

#define DIGEST_SEVERITIES (SCANNER_SEV_CRITICAL + 1)

typedef struct digest_account {
    const char *id;
    const char *name;               /* "" when unknown */
    const char *ou_path;            /* "" when unknown */
    size_t by_sev[DIGEST_SEVERITIES];
    size_t total;
    size_t resolved;
} digest_account;

typedef struct notify_digest {
    char key[48];                   /* "org" or "account:<id>": the outbox key */
    const char *account_id;         /* NULL: the organization digest */
    const char *account_name;       /* "" when unknown */
    const scanner_finding **items[DIGEST__SECTIONS];   /* listed, worst first */
    size_t n_items[DIGEST__SECTIONS];
    size_t by_sev[DIGEST_SEVERITIES];   /* every current finding, listed or not */
    size_t total;                   /* current findings */
    size_t unlisted;                /* current and resolved findings below min_severity */
    size_t suppressed;              /* current findings a suppression matched: not counted */
    digest_account *accounts;       /* org: accounts with findings, worst first */
    size_t n_accounts;
    const scanner_gap **gaps;
    size_t n_gaps;
    const char **unowned;           /* org: accounts with findings and no owner (ids) */
    size_t n_unowned;
    const scanner_scanned_accounts *names;  /* borrowed: account names */
} notify_digest;

/* Builds the organization digest (account NULL) or the digest of one
 * account from the run's findings.  unowned (org only, may be NULL) lists
 * account ids without owners.  Everything is borrowed from f and accts;
 * finish with notify_digest_finish.  0 or AWS_ENOMEM. */
int notify_digest_build(notify_digest *d, const scanner_findings *f,
                        const scanner_scanned_accounts *accts, const char *account,
                        scanner_severity min, const char *const *unowned, size_t n_unowned);
void notify_digest_finish(notify_digest *d);    /* accepts NULL */

/* The name of an account in accts; "" when unknown. */
const char *notify_account_name(const scanner_scanned_accounts *accts, const char *id);
/* The OU path of an account in accts ("Root/Production"); "" when unknown. */
const char *notify_account_path(const scanner_scanned_accounts *accts, const char *id);

/* 1 when the digest lists something new, escalated or resolved. */
int notify_digest_changed(const notify_digest *d);
/* Whether to send it: NOTIFY_ALWAYS yes; NOTIFY_NEVER no; NOTIFY_AUTO
 * when it changed, or when it lists open findings or gaps and it was last
 * queued (last_queued, 0: never) at least repeat_days ago. */
int notify_digest_due(const notify_digest *d, notify_when when, int64_t last_queued,
                      int64_t now, int repeat_days);

/* ---- rendering ------------------------------------------------------------ */

typedef struct notify_rendered {
    char *subject;                  /* one line */
    char *text;
    char *html;
} notify_rendered;

typedef struct notify_render_opts {
    const char *templates_dir;      /* [notify] templates_dir; NULL: none */
    const char *installed_dir;      /* the installed templates; NULL: the built-in default */
    int64_t now;                    /* the digest's date */
} notify_render_opts;

/* Renders subject.txt, digest.txt and digest.html: from templates_dir when
 * the file is there, else installed_dir, else the copy built into the
 * program.  0, or an error with a one-line reason naming the template. */
int notify_digest_render(const notify_digest *d, const notify_render_opts *o,
                         notify_rendered *out, char *err, size_t errlen);
void notify_rendered_finish(notify_rendered *r);    /* accepts NULL */

/* The template named `name` (digest.txt, ...) built into the program; NULL
 * when there is none.  *len gets its length. */
const char *notify_builtin_template(const char *name, size_t *len);

#endif

/* certsweep — discovery: which accounts and which regions to scan.
 *
 * Accounts come from AWS Organizations (ListAccounts, or for chosen OUs
 * ListAccountsForParent + ListOrganizationalUnitsForParent recursively),
 * ACTIVE only, filtered
 * by [scan] include_accounts / exclude_accounts / exclude_ous; or from an
 * explicit list.  Regions come from EC2 DescribeRegions (AllRegions=true;
 * enabled = opt-in-not-required or opted-in), or an explicit list.
 *
 * As in collect.h the parsers are separate from the I/O.
 */
#ifndef SCANNER_DISCOVER_H
#define SCANNER_DISCOVER_H

#include <stddef.h>

#include "aws/client.h"
#include "config/config.h"
#include "scanner/collect.h"

/* ---- parsers ------------------------------------------------------------- */

/* ListAccounts / ListAccountsForParent -> ids of ACTIVE accounts appended
 * to `active` (accounts in any other state are counted in *skipped when
 * skipped is not NULL); *next set when more pages follow. */
int scanner_org_parse_accounts(const char *body, size_t len, scanner_strv *active,
                               size_t *skipped, char **next, char *err, size_t errlen);
/* ListAccounts / ListAccountsForParent -> (Id, Name, Email) of every
 * listed account appended to meta as three strings each ("" when absent). */
int scanner_org_parse_account_meta(const char *body, size_t len, scanner_strv *meta);
/* Name and e-mail of `id` in such a list; NULL when not there. */
const char *scanner_account_meta_name(const scanner_strv *meta, const char *id);
const char *scanner_account_meta_email(const scanner_strv *meta, const char *id);

/* An Organizations list `key` ("OrganizationalUnits", "Roots",
 * "Parents") -> (Id, <field>) pairs appended: field "Name" or "Type". */
int scanner_org_parse_named(const char *body, size_t len, const char *key, const char *field,
                            scanner_strv *pairs, char **next, char *err, size_t errlen);
/* DescribeOrganizationalUnit -> the OU's name (caller frees). */
int scanner_org_parse_ou(const char *body, size_t len, char **name, char *err, size_t errlen);
/* The path "Root/Production/Payments" of an account whose parent is
 * `parent`, from ous: (id, parent id, name) triples, a root's parent "".
 * AWS_ENOTFOUND when a link or name is missing, AWS_ETOOBIG past n. */
int scanner_org_path(const scanner_strv *ous, const char *parent, char *out, size_t n);
/* {"<key>": id, "NextToken": next} (ListParents "ChildId",
 * DescribeOrganizationalUnit "OrganizationalUnitId").  Caller frees. */
char *scanner_org_child_body(const char *key, const char *id, const char *next);

/* Request body for ListAccounts (parent NULL), ListAccountsForParent and
 * ListOrganizationalUnitsForParent (parent set, child_type NULL) or
 * ListChildren (both set).  Caller frees. */
char *scanner_org_body(const char *parent, const char *child_type, const char *next);
/* EC2 DescribeRegions -> names of enabled regions appended. */
int scanner_ec2_parse_regions(const char *body, size_t len, scanner_strv *regions,
                              char *err, size_t errlen);

/* 1 when an Organizations error means "no organization to list, scan the
 * caller's own account": AWSOrganizationsNotInUseException, AccessDenied,
 * AccessDeniedException. */
int scanner_org_error_falls_back(const char *code);
/* 1 when the error is a refusal (AccessDenied, AccessDeniedException): an
 * organization may exist whose other accounts go unscanned, so the
 * fallback is a coverage gap, not only a warning. */
int scanner_org_error_refused(const char *code);

/* Applies include_accounts / exclude_accounts to `accounts` in place and
 * removes the ids in `excluded` (accounts under exclude_ous).  Keeps the
 * order, removes duplicates. */
void scanner_accounts_filter(scanner_strv *accounts, const config *cfg,
                             const scanner_strv *excluded);

/* ---- I/O ----------------------------------------------------------------- */

typedef struct scanner_discovery {
    int err;                        /* 0, or why the accounts could not be listed */
    char code[64];                  /* AWS error code when err != 0 */
    char message[256];
    char operation[48];             /* the call that failed ("" when none did) */
    /* A listing stopped by its pager (a repeated paging token, the page
     * limit): the accounts listed before it are in `accounts`, but the
     * organization may have more.  paging_code is "" when none was. */
    char paging_code[32];
    char paging_operation[48];
    char paging_message[256];
    scanner_strv accounts;          /* the result (filtered) */
    scanner_strv meta;              /* (Id, Name, Email) of every listed account */
    size_t listed;                  /* ACTIVE accounts listed before the filters */
    /* Where accounts sit: (Id, "Root/Production/Payments") pairs.  The
     * walk that finds them (ListRoots, ListOrganizationalUnitsForParent,
     * ListAccountsForParent; ListParents and DescribeOrganizationalUnit
     * above chosen OUs) never fails the discovery: its first failure is
     * place_code ("" when none), a coverage gap for the caller. */
    scanner_strv paths;
    char place_code[64];
    char place_operation[40];
    char place_message[256];
    uint64_t api_calls;
} scanner_discovery;

typedef void (*scanner_discover_cb)(scanner_discovery *d, void *ud);

/* Lists the organization's accounts per cfg (organizational_units,
 * exclude_ous, include/exclude_accounts) with the caller's credentials.
 * cb runs once (never from inside this call) with the result, which it
 * owns from then on (free with scanner_discovery_free). */
int scanner_discover_accounts(aws_client *client, aws_creds_provider *creds,
                              const char *region, const config *cfg,
                              scanner_discover_cb cb, void *ud);
/* Streaming: the accounts of one ListAccounts page (ACTIVE, filtered by
 * include/exclude_accounts; an id may repeat one of an earlier page) and
 * the (Id, Name, Email) meta listed so far.  Non-zero (AWS_ENOMEM) ends
 * the discovery with that error. */
typedef int (*scanner_discover_page_cb)(const scanner_strv *ids, const scanner_strv *meta,
                                        void *ud);
/* The same, handing each page's accounts to page_cb as it arrives, so that
 * their scan starts before the listing ends; cb still runs once at the end
 * with every account in `accounts`.  Only for the whole organization
 * without [scan] exclude_ous (organizational_units or exclude_ous set:
 * page_cb is never called and the accounts come with cb only). */
int scanner_discover_accounts_stream(aws_client *client, aws_creds_provider *creds,
                                     const char *region, const config *cfg,
                                     scanner_discover_page_cb page_cb,
                                     scanner_discover_cb cb, void *ud);
/* Where every account of the organization sits, walked from its root
 * (ListRoots, then per OU ListOrganizationalUnitsForParent and
 * ListAccountsForParent: a call per OU and page, where ListParents would
 * cost one per account).  For a scan of the whole organization, beside
 * scanner_discover_accounts and without holding it up.  cb runs once with
 * `paths` and place_code/operation/message set; err is always 0. */
int scanner_discover_paths(aws_client *client, aws_creds_provider *creds, const char *region,
                           scanner_discover_cb cb, void *ud);
void scanner_discovery_free(scanner_discovery *d);        /* accepts NULL */
/* The OU path of account id; NULL when not found. */
const char *scanner_discovery_path(const scanner_discovery *d, const char *id);
/* The same in a list of (Id, path) pairs. */
const char *scanner_paths_find(const scanner_strv *paths, const char *id);

/* Enabled regions of one account.  cb gets err 0 and the regions, or err
 * != 0 with the AWS code/message (regions empty). */
typedef void (*scanner_regions_cb)(int err, const char *code, const char *message,
                                   scanner_strv *regions, void *ud);
int scanner_discover_regions(aws_client *client, aws_creds_provider *creds,
                             const char *account_id, const char *region,
                             scanner_regions_cb cb, void *ud);

#endif

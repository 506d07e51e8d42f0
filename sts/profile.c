#include "sts/profile.h"
#include "aws/error.h"

#include <ini.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_VALUE_LEN   (64 * 1024)   /* one value (session tokens are ~1-2 KiB) */
/* The only size limit: a file larger than this is refused, naming the file
 * and the limit.  The entry table grows with the file (one SSO profile per
 * account makes thousands of profiles). */
#define MAX_FILE_BYTES  (64L * 1024 * 1024)

typedef struct entry {
    char *profile;
    char *key;
    char *value;          /* wiped on free: may be a secret */
    int from_creds;       /* 1: credentials file */
} entry;

struct sts_profiles {
    entry *v;
    size_t n, cap;
    size_t *index;        /* open addressing: entry number + 1, 0 empty */
    size_t index_cap;     /* a power of two, at least twice n */
    char config_path[1024];
    char creds_path[1024];
};

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void sts_profiles_free(sts_profiles *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].profile);
        free(p->v[i].key);
        wipe_free(p->v[i].value);
    }
    free(p->v);
    free(p->index);
    free(p);
}

/* FNV-1a over (which file or namespace, profile, key without case). */
static size_t entry_hash(const char *profile, const char *key, int from_creds)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(unsigned)from_creds;
    for (const unsigned char *c = (const unsigned char *)profile; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const unsigned char *c = (const unsigned char *)key; *c; c++)
        h = (h ^ (unsigned char)tolower(*c)) * 1099511628211ull;
    return (size_t)h;
}

/* The entry (from_creds, profile, key), or NULL. */
static entry *lookup(const sts_profiles *p, const char *profile, const char *key, int from_creds)
{
    if (!p->index_cap)
        return NULL;
    size_t mask = p->index_cap - 1;
    for (size_t i = entry_hash(profile, key, from_creds) & mask;; i = (i + 1) & mask) {
        size_t slot = p->index[i];
        if (!slot)
            return NULL;
        entry *e = &p->v[slot - 1];
        if (e->from_creds == from_creds && strcmp(e->profile, profile) == 0 &&
            strcasecmp(e->key, key) == 0)
            return e;
    }
}

static void index_put(size_t *index, size_t cap, const entry *e, size_t num)
{
    size_t mask = cap - 1;
    size_t i = entry_hash(e->profile, e->key, e->from_creds) & mask;
    while (index[i])
        i = (i + 1) & mask;
    index[i] = num + 1;
}

/* Room for one more entry in the index (kept at most half full). */
static int index_grow(sts_profiles *p)
{
    if ((p->n + 1) * 2 <= p->index_cap)
        return 0;
    size_t cap = p->index_cap ? p->index_cap * 2 : 64;
    size_t *index = calloc(cap, sizeof(*index));
    if (!index)
        return AWS_ENOMEM;
    for (size_t i = 0; i < p->n; i++)
        index_put(index, cap, &p->v[i], i);
    free(p->index);
    p->index = index;
    p->index_cap = cap;
    return 0;
}

/* entry.from_creds of an [sso-session NAME] section of the config file: a
 * namespace of its own, never a profile. */
#define FROM_SSO_SESSION 2

static entry *find(const sts_profiles *p, const char *profile, const char *key, int which)
{
    /* which: 1 credentials file only, 0 config file only, -1 either (credentials first),
     * FROM_SSO_SESSION the sso-session sections */
    if (!p || !profile)
        return NULL;
    for (int pass = 0; pass < 2; pass++) {
        int want = which == FROM_SSO_SESSION ? FROM_SSO_SESSION : pass == 0 ? 1 : 0;
        if (which == FROM_SSO_SESSION && pass == 1)
            break;
        if (which != -1 && which != want)
            continue;
        /* key NULL: any key, i.e. the section marker "" every section has */
        entry *e = lookup(p, profile, key ? key : "", want);
        if (e)
            return e;
    }
    return NULL;
}

int sts_profiles_has(const sts_profiles *p, const char *profile)
{
    return find(p, profile, NULL, -1) != NULL;
}

const char *sts_profiles_get(const sts_profiles *p, const char *profile, const char *key)
{
    entry *e = find(p, profile, key, -1);
    return e ? e->value : NULL;
}

static const char *get_from(const sts_profiles *p, const char *profile, const char *key, int which)
{
    entry *e = find(p, profile, key, which);
    return e && *e->value ? e->value : NULL;
}

const char *sts_profiles_config_path(const sts_profiles *p) { return p->config_path; }
const char *sts_profiles_creds_path(const sts_profiles *p) { return p->creds_path; }

/* Adds or replaces (later lines win, like a re-assignment). A "" key marks
 * that the section exists. */
static int put(sts_profiles *p, const char *profile, const char *key, const char *value, int from_creds)
{
    entry *old = lookup(p, profile, key, from_creds);
    if (old) {
        char *nv = strdup(value);
        if (!nv)
            return AWS_ENOMEM;
        wipe_free(old->value);
        old->value = nv;
        return 0;
    }
    if (index_grow(p) != 0)
        return AWS_ENOMEM;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        entry *v = realloc(p->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    entry *e = &p->v[p->n];
    e->profile = strdup(profile);
    e->key = strdup(key);
    e->value = strdup(value);
    e->from_creds = from_creds;
    if (!e->profile || !e->key || !e->value) {
        free(e->profile);
        free(e->key);
        wipe_free(e->value);
        return AWS_ENOMEM;
    }
    index_put(p->index, p->index_cap, e, p->n);
    p->n++;
    return 0;
}

/* ---- libinih with long values -------------------------------------------
 * libinih is built with a fixed line buffer (INI_MAX_LINE, 200 on Debian),
 * which would cut a session token.  The reader hands it lines that fit; a
 * longer "key = value" line is passed as "key=\x01N" and the value is kept
 * in a side table the handler looks up. */

typedef struct reader {
    FILE *f;
    char *line;
    size_t linecap;
    char **stash;
    size_t nstash;
    int lineno;
    int overlong;          /* line number of a long line that is not key=value */
} reader;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static char *read_line(char *str, int num, void *stream)
{
    reader *r = stream;
    ssize_t n = getline(&r->line, &r->linecap, r->f);
    if (n < 0)
        return NULL;
    r->lineno++;
    if (n < num - 1) {
        memcpy(str, r->line, (size_t)n + 1);
        return str;
    }
    /* A long line: split "key = value" ourselves. */
    char *s = r->line;
    while (*s == ' ' || *s == '\t')
        s++;
    char *d = strpbrk(s, "=:");
    if (*s == '#' || *s == ';') {
        snprintf(str, (size_t)num, "#\n");
        return str;
    }
    if (!d || (size_t)(d - s) + 24 >= (size_t)num || n > MAX_VALUE_LEN) {
        if (!r->overlong)
            r->overlong = r->lineno;
        snprintf(str, (size_t)num, "#\n");
        return str;
    }
    *d = '\0';
    char *key = trim(s);
    char *val = trim(d + 1);
    /* inline comment: ';' preceded by whitespace, as libinih does */
    for (char *c = val; *c; c++)
        if (*c == ';' && c > val && (c[-1] == ' ' || c[-1] == '\t')) {
            *c = '\0';
            val = trim(val);
            break;
        }
    char **ns = realloc(r->stash, (r->nstash + 1) * sizeof(*ns));
    if (!ns)
        return NULL;
    r->stash = ns;
    r->stash[r->nstash] = strdup(val);
    if (!r->stash[r->nstash])
        return NULL;
    snprintf(str, (size_t)num, "%s=\x01%zu\n", key, r->nstash);
    r->nstash++;
    OPENSSL_cleanse(r->line, r->linecap);
    return str;
}

typedef struct load_ctx {
    sts_profiles *p;
    reader *r;
    int from_creds;
    int rc;
} load_ctx;

static int on_value(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *lc = user;
    const char *profile = section;
    int from = lc->from_creds;
    if (!lc->from_creds) {
        /* config: "[default]", "[profile NAME]", "[sso-session NAME]"; other
         * sections are not profiles */
        if (strcmp(section, "default") == 0) {
            profile = "default";
        } else if (strncmp(section, "profile", 7) == 0 && (section[7] == ' ' || section[7] == '\t')) {
            profile = section + 8;
            while (*profile == ' ' || *profile == '\t')
                profile++;
        } else if (strncmp(section, "sso-session", 11) == 0 &&
                   (section[11] == ' ' || section[11] == '\t')) {
            profile = section + 12;
            while (*profile == ' ' || *profile == '\t')
                profile++;
            from = FROM_SSO_SESSION;
        } else {
            return 1;
        }
    }
    if (!*profile)
        return 1;
    if (value[0] == '\x01') {
        char *end;
        unsigned long idx = strtoul(value + 1, &end, 10);
        if (*end || idx >= lc->r->nstash)
            return 0;
        value = lc->r->stash[idx];
    }
    int rc = put(lc->p, profile, "", "", from);
    if (!rc)
        rc = put(lc->p, profile, name, value, from);
    if (rc) {
        lc->rc = rc;
        return 0;
    }
    return 1;
}

static int load_file(sts_profiles *p, const char *path, int from_creds, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO at the path must not hang the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;   /* missing or unreadable: no profiles from it */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "%s: not a regular file", path);
        return AWS_EINVAL;
    }
    if (st.st_size > MAX_FILE_BYTES) {
        close(fd);
        snprintf(err, errlen, "%s: larger than %ld MiB, the limit for an AWS shared "
                 "config or credentials file", path, MAX_FILE_BYTES / (1024 * 1024));
        return AWS_ETOOBIG;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return AWS_ENOMEM;
    }
    reader r = { .f = f };
    load_ctx lc = { .p = p, .r = &r, .from_creds = from_creds };
    int line = ini_parse_stream(read_line, &r, on_value, &lc);
    fclose(f);
    if (r.line) {
        OPENSSL_cleanse(r.line, r.linecap);
        free(r.line);
    }
    for (size_t i = 0; i < r.nstash; i++)
        wipe_free(r.stash[i]);
    free(r.stash);
    if (lc.rc) {
        snprintf(err, errlen, "%s: %s", path, aws_strerror(lc.rc));
        return lc.rc;
    }
    if (r.overlong && (line == 0 || r.overlong < line))
        line = r.overlong;
    if (line != 0) {
        snprintf(err, errlen, "%s:%d: malformed line", path, line);
        return AWS_EINVAL;
    }
    return 0;
}

static void default_path(char *buf, size_t n, const char *env, const char *leaf)
{
    const char *v = getenv(env);
    const char *home = getenv("HOME");
    if (v && *v) {
        if (v[0] == '~' && v[1] == '/' && home)
            snprintf(buf, n, "%s%s", home, v + 1);
        else
            snprintf(buf, n, "%s", v);
    } else {
        snprintf(buf, n, "%s/.aws/%s", home ? home : "", leaf);
    }
}

int sts_profiles_load(const char *config_path, const char *creds_path,
                      sts_profiles **out, char *err, size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = '\0';
    sts_profiles *p = calloc(1, sizeof(*p));
    if (!p)
        return AWS_ENOMEM;
    if (config_path)
        snprintf(p->config_path, sizeof(p->config_path), "%s", config_path);
    else
        default_path(p->config_path, sizeof(p->config_path), "AWS_CONFIG_FILE", "config");
    if (creds_path)
        snprintf(p->creds_path, sizeof(p->creds_path), "%s", creds_path);
    else
        default_path(p->creds_path, sizeof(p->creds_path), "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    int rc = load_file(p, p->config_path, 0, err, errlen);
    if (!rc)
        rc = load_file(p, p->creds_path, 1, err, errlen);
    if (rc) {
        sts_profiles_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

const char *sts_profile_name(const char *explicit_profile)
{
    if (explicit_profile && *explicit_profile)
        return explicit_profile;
    const char *v = getenv("AWS_PROFILE");
    if (v && *v)
        return v;
    v = getenv("AWS_DEFAULT_PROFILE");
    if (v && *v)
        return v;
    return "default";
}

void sts_resolve_region(const sts_profiles *p, const char *profile, char *buf, size_t n)
{
    const char *v = getenv("AWS_REGION");
    if (!v || !*v)
        v = getenv("AWS_DEFAULT_REGION");
    sts_profiles *loaded = NULL;
    if (!v || !*v) {
        if (!p) {
            char err[16];
            if (sts_profiles_load(NULL, NULL, &loaded, err, sizeof(err)) == 0)
                p = loaded;
        }
        v = p ? get_from(p, sts_profile_name(profile), "region", -1) : NULL;
    }
    snprintf(buf, n, "%s", v && *v ? v : "us-east-1");
    sts_profiles_free(loaded);
}

int sts_resolve_ca_bundle(const sts_profiles *p, const char *profile, char *buf, size_t n,
                          char *label, size_t ln)
{
    sts_profiles *loaded = NULL;
    if (n)
        buf[0] = '\0';
    if (ln)
        label[0] = '\0';
    if (!p) {
        char err[16];
        if (sts_profiles_load(NULL, NULL, &loaded, err, sizeof(err)) == 0)
            p = loaded;
    }
    const char *name = sts_profile_name(profile);
    const char *v = p ? get_from(p, name, "ca_bundle", -1) : NULL;
    if (v) {
        snprintf(buf, n, "%s", v);
        snprintf(label, ln, "ca_bundle of AWS profile '%s'", name);
    }
    sts_profiles_free(loaded);
    return v != NULL;
}

/* ---- plan ---------------------------------------------------------------- */

static int static_keys(const sts_profiles *p, const char *profile, int which, sts_plan *plan)
{
    const char *ak = get_from(p, profile, "aws_access_key_id", which);
    const char *sk = get_from(p, profile, "aws_secret_access_key", which);
    if (!ak || !sk)
        return 0;
    plan->base = STS_BASE_STATIC;
    plan->base_profile = profile;
    plan->access_key_id = ak;
    plan->secret_access_key = sk;
    plan->session_token = get_from(p, profile, "aws_session_token", which);
    return 1;
}

/* An IAM Identity Center profile: sso_account_id + sso_role_name, with
 * sso_session naming an [sso-session NAME] section (sso_start_url,
 * sso_region), or the legacy sso_start_url + sso_region in the profile.
 * 1: plan filled; 0: not an SSO profile; AWS_EINVAL: half configured (err
 * says what is missing). */
static int sso_of(const sts_profiles *p, const char *profile, sts_plan *plan,
                  char *err, size_t errlen)
{
    const char *acct = get_from(p, profile, "sso_account_id", 0);
    const char *role = get_from(p, profile, "sso_role_name", 0);
    const char *session = get_from(p, profile, "sso_session", 0);
    const char *legacy_url = get_from(p, profile, "sso_start_url", 0);
    if (!acct && !role && !session && !legacy_url)
        return 0;
    if (!acct || !role) {
        snprintf(err, errlen, "profile '%s': an SSO profile needs sso_account_id and "
                 "sso_role_name", profile);
        return AWS_EINVAL;
    }
    const char *region;
    if (session) {
        if (!sts_profiles_has_session(p, session)) {
            snprintf(err, errlen, "profile '%s': sso_session '%s' has no [sso-session %s] "
                     "section", profile, session, session);
            return AWS_EINVAL;
        }
        region = get_from(p, session, "sso_region", FROM_SSO_SESSION);
        if (!get_from(p, session, "sso_start_url", FROM_SSO_SESSION) || !region) {
            snprintf(err, errlen, "[sso-session %s] needs sso_start_url and sso_region", session);
            return AWS_EINVAL;
        }
    } else {
        region = get_from(p, profile, "sso_region", 0);
        if (!legacy_url || !region) {
            snprintf(err, errlen, "profile '%s': an SSO profile needs sso_session, or "
                     "sso_start_url and sso_region", profile);
            return AWS_EINVAL;
        }
    }
    plan->base = STS_BASE_SSO;
    plan->base_profile = profile;
    plan->sso_cache_key = session ? session : legacy_url;
    plan->sso_region = region;
    plan->sso_account_id = acct;
    plan->sso_role_name = role;
    return 1;
}

int sts_profiles_has_session(const sts_profiles *p, const char *session)
{
    return find(p, session, NULL, FROM_SSO_SESSION) != NULL;
}

/* Credentials of a profile without following role_arn: SSO, the
 * credentials file's keys, then credential_process, then the config
 * file's keys (botocore's provider order).  1: found; 0: none; or a
 * negative error (err says why). */
static int base_of(const sts_profiles *p, const char *profile, sts_plan *plan,
                   char *err, size_t errlen)
{
    int sso = sso_of(p, profile, plan, err, errlen);
    if (sso != 0)
        return sso;
    if (static_keys(p, profile, 1, plan))
        return 1;
    const char *proc = get_from(p, profile, "credential_process", -1);
    if (proc) {
        plan->base = STS_BASE_PROCESS;
        plan->base_profile = profile;
        plan->process = proc;
        return 1;
    }
    return static_keys(p, profile, 0, plan);
}

static int resolve(const sts_profiles *p, const char *profile, sts_plan *plan,
                   const char **visited, size_t nvisited, char *err, size_t errlen)
{
    const char *role = get_from(p, profile, "role_arn", -1);
    /* role_arn beside web_identity_token_file is web identity's (botocore
     * AssumeRoleProvider skips such a profile), not an AssumeRole hop */
    if (role && nvisited == 0 && get_from(p, profile, "web_identity_token_file", -1))
        role = NULL;
    if (!role) {
        int b = base_of(p, profile, plan, err, errlen);
        if (b < 0)
            return b;
        if (b)
            return 0;
        if (nvisited == 0) {
            snprintf(err, errlen, "profile '%s' has no credentials", profile);
            return AWS_ENOCREDS;
        }
        snprintf(err, errlen, "profile '%s' (source_profile of '%s') has no credentials",
                 profile, visited[nvisited - 1]);
        return AWS_EINVAL;
    }
    if (nvisited >= STS_MAX_ROLE_HOPS) {
        snprintf(err, errlen, "profile '%s': more than %d chained roles", profile, STS_MAX_ROLE_HOPS);
        return AWS_EINVAL;
    }
    const char *src = get_from(p, profile, "source_profile", -1);
    const char *csrc = get_from(p, profile, "credential_source", -1);
    if (src && csrc) {
        snprintf(err, errlen, "profile '%s': source_profile and credential_source are mutually exclusive", profile);
        return AWS_EINVAL;
    }
    if (!src && !csrc) {
        snprintf(err, errlen, "profile '%s': role_arn needs source_profile or credential_source", profile);
        return AWS_EINVAL;
    }
    /* this profile's hop goes after the source's hops */
    sts_role_hop hop = { .profile = profile, .role_arn = role };
    hop.external_id = get_from(p, profile, "external_id", -1);
    hop.session_name = get_from(p, profile, "role_session_name", -1);
    const char *dur = get_from(p, profile, "duration_seconds", -1);
    if (dur) {
        char *end;
        long d = strtol(dur, &end, 10);
        if (*end || end == dur || d < 900 || d > 43200) {
            snprintf(err, errlen, "profile '%s': duration_seconds must be 900..43200", profile);
            return AWS_EINVAL;
        }
        hop.duration_seconds = (int)d;
    }
    if (csrc) {
        if (strcmp(csrc, "Environment") == 0)
            plan->base = STS_BASE_ENV;
        else if (strcmp(csrc, "Ec2InstanceMetadata") == 0)
            plan->base = STS_BASE_IMDS;
        else if (strcmp(csrc, "EcsContainer") == 0)
            plan->base = STS_BASE_ECS;
        else {
            snprintf(err, errlen, "profile '%s': unknown credential_source '%s' "
                     "(Environment, Ec2InstanceMetadata or EcsContainer)", profile, csrc);
            return AWS_EINVAL;
        }
        plan->base_profile = profile;
    } else if (strcmp(src, profile) == 0) {
        /* a profile may name itself to use its own static keys */
        int b = base_of(p, profile, plan, err, errlen);
        if (b < 0)
            return b;
        if (!b) {
            snprintf(err, errlen, "profile '%s': source_profile is itself but it has no keys", profile);
            return AWS_EINVAL;
        }
    } else {
        for (size_t i = 0; i < nvisited; i++)
            if (strcmp(visited[i], src) == 0) {
                snprintf(err, errlen, "profile '%s': source_profile cycle through '%s'", profile, src);
                return AWS_EINVAL;
            }
        if (!sts_profiles_has(p, src)) {
            snprintf(err, errlen, "profile '%s': source_profile '%s' does not exist", profile, src);
            return AWS_EINVAL;
        }
        visited[nvisited] = profile;
        int rc = resolve(p, src, plan, visited, nvisited + 1, err, errlen);
        if (rc)
            return rc;
    }
    if (plan->nhops >= STS_MAX_ROLE_HOPS) {
        snprintf(err, errlen, "profile '%s': more than %d chained roles", profile, STS_MAX_ROLE_HOPS);
        return AWS_EINVAL;
    }
    plan->hops[plan->nhops++] = hop;
    return 0;
}

int sts_profile_plan(const sts_profiles *p, const char *profile, sts_plan *plan,
                     char *err, size_t errlen)
{
    memset(plan, 0, sizeof(*plan));
    if (errlen)
        err[0] = '\0';
    if (!p || !sts_profiles_has(p, profile)) {
        snprintf(err, errlen, "profile '%s' not found", profile);
        return AWS_ENOCREDS;
    }
    const char *visited[STS_MAX_ROLE_HOPS + 1];
    visited[0] = profile;
    int rc = resolve(p, profile, plan, visited, 0, err, errlen);
    if (rc)
        memset(plan, 0, sizeof(*plan));
    return rc;
}

/* ---- web identity ----------------------------------------------------------- */

static const char *webid_value(const sts_profiles *p, const char *profile, int use_env,
                               const char *env, const char *key, int *from_env)
{
    const char *v = use_env ? getenv(env) : NULL;
    if (v && *v) {
        if (from_env)
            *from_env = 1;
        return v;
    }
    v = p && profile ? sts_profiles_get(p, profile, key) : NULL;
    return v && *v ? v : NULL;
}

int sts_web_identity_config(const sts_profiles *p, const char *profile, int use_env,
                            sts_webid_cfg *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (err && errlen)
        err[0] = '\0';
    out->token_file = webid_value(p, profile, use_env, "AWS_WEB_IDENTITY_TOKEN_FILE",
                                  "web_identity_token_file", &out->from_env);
    if (!out->token_file)
        return AWS_ENOCREDS;
    out->role_arn = webid_value(p, profile, use_env, "AWS_ROLE_ARN", "role_arn", NULL);
    out->session_name = webid_value(p, profile, use_env, "AWS_ROLE_SESSION_NAME",
                                    "role_session_name", NULL);
    if (!out->role_arn) {
        if (out->from_env)
            snprintf(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
        else
            snprintf(err, errlen, "profile '%s': web_identity_token_file needs role_arn", profile);
        return AWS_EINVAL;
    }
    return 0;
}

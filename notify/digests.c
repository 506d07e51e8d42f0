/* certsweep — notify_digests: decide, render, queue in the outbox, deliver. */
#include "notify/digest.h"
#include "notify/mail.h"
#include "notify/notify.h"
#include "notify/sns.h"

#include <errno.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/secret.h"
#include "certsweep_config.h"
#include "scanner/tags.h"
#include "state/outbox.h"
#include "sts/sts.h"

/* ---- owners ---------------------------------------------------------------- */

typedef struct owner_map {
    const char *account;
    aws_buf to;                     /* "a@x, b@y" */
} owner_map;

typedef struct owners {
    owner_map *v;
    size_t n;
} owners;

static owner_map *owner_slot(owners *o, const char *account)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->v[i].account, account) == 0)
            return &o->v[i];
    return NULL;
}

typedef struct owners_fill {
    owners *o;
} owners_fill;

static int on_owner(const char *account, const char *mail, void *ud)
{
    owners *o = ud;
    owner_map *m = owner_slot(o, account);
    if (!m)
        return 0;                   /* an account this run has nothing about */
    if (m->to.len && aws_buf_puts(&m->to, ", "))
        return AWS_ENOMEM;
    return aws_buf_puts(&m->to, mail);
}

static int add_account(owners *o, const char *id, size_t cap)
{
    if (owner_slot(o, id))
        return 0;
    if (o->n == cap)
        return AWS_ENOMEM;
    o->v[o->n].account = id;
    aws_buf_init(&o->v[o->n].to, 64 * 1024);
    o->n++;
    return 0;
}

/* ---- owners from an Organizations tag -------------------------------------- */

typedef struct tag_wait {
    owner_map *m;
    size_t *pending;
    const char *key;
    int err;
} tag_wait;

/* Tag values cannot hold commas: addresses are separated by spaces. */
static void owners_from_value(tag_wait *w, const char *value)
{
    for (const char *p = value ? value : ""; *p && !w->err;) {
        p += strspn(p, " ");
        size_t k = strcspn(p, " ");
        char addr[320];
        if (k == 0)
            break;
        if (k < sizeof(addr)) {
            memcpy(addr, p, k);
            addr[k] = '\0';
            if (!config_is_email(addr))
                aws_log_warn("account %s: tag value '%s' is not an e-mail address: ignored",
                             w->m->account, addr);
            else if ((w->m->to.len && aws_buf_puts(&w->m->to, ", ")) ||
                     aws_buf_puts(&w->m->to, addr))
                w->err = AWS_ENOMEM;
        }
        p += k;
    }
}

static void on_tags(int err, const char *code, const char *message, const scanner_tags *tags,
                    void *ud)
{
    tag_wait *w = ud;
    (*w->pending)--;
    if (err) {
        aws_log_warn("%s/*/ListTagsForResource: %s: %s (owners from [email] owner_tag unknown)",
                     w->m->account, code, message);
        return;
    }
    owners_from_value(w, scanner_tags_get(tags, w->key));
}

/* The account's tags as the scan read them; NULL when it did not. */
static const scanner_tags *scanned_tags(const notify_run *r, const char *account)
{
    for (size_t k = 0; r->accounts && k < r->accounts->n; k++) {
        const scanner_scanned_account *a = &r->accounts->v[k];
        if (a->account_id && strcmp(a->account_id, account) == 0)
            return a->tags_read ? &a->tags : NULL;
    }
    return NULL;
}

/* Reads owner_tag of every account still without owners: from the tags
 * the scan read, else (resolved findings only, saved reports) all at
 * once from Organizations. */
static int owners_from_tags(const notify_run *r, owners *o)
{
    size_t pending = 0, n = 0;
    tag_wait *w = calloc(o->n ? o->n : 1, sizeof(*w));
    if (!w)
        return AWS_ENOMEM;
    for (size_t i = 0; i < o->n; i++) {
        if (o->v[i].to.len)
            continue;
        w[n] = (tag_wait){ .m = &o->v[i], .pending = &pending, .key = r->cfg->email_owner_tag };
        const scanner_tags *known = scanned_tags(r, o->v[i].account);
        if (known) {
            owners_from_value(&w[n], scanner_tags_get(known, w[n].key));
            n++;
            continue;
        }
        if (!r->client || !r->loop)
            continue;
        if (scanner_account_tags(r->client, r->caller, r->home_region, o->v[i].account,
                                 on_tags, &w[n]) == 0) {
            pending++;
            n++;
        }
    }
    while (pending)
        uv_run(r->loop, UV_RUN_ONCE);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i].err)
            rc = w[i].err;
    free(w);
    return rc;
}

/* Every account the run has a finding (open or resolved) about, with its
 * owners: [email] account_owners, else the account's owner_tag in
 * Organizations, else (use_account_email) its e-mail in Organizations. */
static int owners_build(const notify_run *r, owners *o)
{
    const scanner_findings *f = r->findings;
    size_t cap = f->n + f->n_resolved;
    o->n = 0;
    o->v = calloc(cap ? cap : 1, sizeof(*o->v));
    if (!o->v)
        return AWS_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f->n; i++)
        rc = add_account(o, f->v[i].account_id, cap);
    for (size_t i = 0; rc == 0 && i < f->n_resolved; i++)
        rc = add_account(o, f->resolved[i].account_id, cap);
    char why[200];
    if (rc == 0 && r->cfg->email_account_owners)
        rc = config_owners_parse(r->cfg->email_account_owners, on_owner, o, why, sizeof(why));
    if (rc == 0 && r->cfg->email_owner_tag)
        rc = owners_from_tags(r, o);
    for (size_t i = 0; rc == 0 && i < o->n; i++) {
        owner_map *m = &o->v[i];
        if (m->to.len || !r->cfg->email_use_account_email)
            continue;
        for (size_t k = 0; r->accounts && k < r->accounts->n; k++) {
            const scanner_scanned_account *a = &r->accounts->v[k];
            if (a->account_id && strcmp(a->account_id, m->account) == 0 && a->email &&
                config_is_email(a->email))
                rc = aws_buf_puts(&m->to, a->email);
        }
    }
    return rc;
}

static void owners_finish(owners *o)
{
    for (size_t i = 0; i < o->n; i++)
        aws_buf_finish(&o->v[i].to);
    free(o->v);
    o->v = NULL;
    o->n = 0;
}

/* ---- messages of this run ---------------------------------------------------- */

typedef struct msg {
    const char *channel;            /* "email" | "sns" */
    char key[96];
    char *recipients;
    char *subject;
    char *payload;
    size_t len;
    char *attributes;
} msg;

typedef struct msgs {
    msg *v;
    size_t n, cap;
} msgs;

static msg *msg_new(msgs *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        msg *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    msg *m = &l->v[l->n++];
    memset(m, 0, sizeof(*m));
    return m;
}

static void msgs_finish(msgs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].recipients);
        free(l->v[i].subject);
        free(l->v[i].payload);
        free(l->v[i].attributes);
    }
    free(l->v);
}

static char *attributes_json(const notify_digest *d, size_t part, size_t parts)
{
    json_object *o = json_object_new_object();
    static const char *const names[] = { "informational", "low", "medium", "high", "critical" };
    for (int s = SCANNER_SEV_CRITICAL; s >= SCANNER_SEV_INFORMATIONAL; s--)
        json_object_object_add(o, names[s], json_object_new_int64((int64_t)d->by_sev[s]));
    json_object_object_add(o, "new", json_object_new_int64((int64_t)d->n_items[DIGEST_NEW]));
    json_object_object_add(o, "resolved",
                           json_object_new_int64((int64_t)d->n_items[DIGEST_RESOLVED]));
    json_object_object_add(o, "part", json_object_new_int64((int64_t)part));
    json_object_object_add(o, "parts", json_object_new_int64((int64_t)parts));
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    char *copy = s ? strdup(s) : NULL;
    json_object_put(o);
    return copy;
}

static int queue_email(const notify_run *r, const notify_digest *d, const notify_rendered *rd,
                       const char *to, msgs *out)
{
    notify_mime mm = {
        .from = r->cfg->email_from, .to = to, .subject = rd->subject,
        .text = rd->text, .html = rd->html, .date = r->now,
    };
    msg *m = msg_new(out);
    if (!m)
        return AWS_ENOMEM;
    m->channel = "email";
    snprintf(m->key, sizeof(m->key), "%s", d->key);
    m->recipients = strdup(to);
    m->subject = strdup(rd->subject);
    m->payload = notify_mime_build(&mm, &m->len);
    return m->recipients && m->subject && m->payload ? 0 : AWS_ENOMEM;
}

static int queue_sns(const notify_run *r, const notify_digest *d, const notify_rendered *rd,
                     msgs *out)
{
    size_t len = strlen(rd->text);
    size_t *starts = calloc(len / (NOTIFY_SNS_PART / 2) + 2, sizeof(*starts));
    if (!starts)
        return AWS_ENOMEM;
    size_t parts = notify_sns_split(rd->text, len, NOTIFY_SNS_PART, starts);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < parts; i++) {
        size_t end = i + 1 < parts ? starts[i + 1] : len;
        msg *m = msg_new(out);
        if (!m) {
            rc = AWS_ENOMEM;
            break;
        }
        char subject[128];
        notify_sns_subject(rd->subject, i + 1, parts, subject, sizeof(subject));
        m->channel = "sns";
        if (parts > 1)
            snprintf(m->key, sizeof(m->key), "%s:part:%zu", d->key, i + 1);
        else
            snprintf(m->key, sizeof(m->key), "%s", d->key);
        m->recipients = strdup(r->cfg->sns_topic_arn);
        m->subject = strdup(subject);
        m->payload = strndup(rd->text + starts[i], end - starts[i]);
        m->len = end - starts[i];
        m->attributes = attributes_json(d, i + 1, parts);
        if (!m->recipients || !m->subject || !m->payload || !m->attributes)
            rc = AWS_ENOMEM;
    }
    free(starts);
    return rc;
}

/* When (channel, key) was last queued; 0 when never or unknown. */
static int64_t last_queued(const notify_run *r, const char *channel, const char *key)
{
    int64_t at = 0;
    if (!r->state || state_outbox_last_queued(r->state, channel, key, &at) != 0)
        return 0;
    return at;
}

/* Renders and queues one digest to the channels that want it. */
static int one_digest(const notify_run *r, const notify_digest *d, const char *to,
                      int sns, msgs *out, notify_result *res)
{
    int want_mail = to && *to;
    int repeat = r->cfg->notify_repeat_days > 0 ? r->cfg->notify_repeat_days : 7;
    if (want_mail && !notify_digest_due(d, r->when, last_queued(r, "email", d->key), r->now,
                                        repeat)) {
        want_mail = 0;
        res->skipped++;
    }
    if (sns && !notify_digest_due(d, r->when, last_queued(r, "sns", d->key), r->now, repeat)) {
        sns = 0;
        res->skipped++;
    }
    if (!want_mail && !sns)
        return 0;
    notify_render_opts ro = {
        .templates_dir = r->cfg->notify_templates_dir,
        .installed_dir = CERTSWEEP_TEMPLATES_DIR,
        .now = r->now,
    };
    notify_rendered rd;
    char err[512];
    int rc = notify_digest_render(d, &ro, &rd, err, sizeof(err));
    if (rc != 0) {
        aws_log_error("notify: digest %s: %s", d->key, err);
        return rc;
    }
    if (want_mail)
        rc = queue_email(r, d, &rd, to, out);
    if (rc == 0 && sns)
        rc = queue_sns(r, d, &rd, out);
    notify_rendered_finish(&rd);
    return rc;
}

static int build_messages(const notify_run *r, msgs *out, notify_result *res)
{
    const config *cfg = r->cfg;
    int email = cfg->email_smtp_host != NULL;
    int sns = cfg->sns_topic_arn != NULL;
    scanner_severity min = SCANNER_SEV_MEDIUM;
    if (cfg->notify_min_severity)
        scanner_severity_parse(cfg->notify_min_severity, &min);
    owners ow = { 0 };
    int rc = owners_build(r, &ow);
    const char **unowned = calloc(ow.n ? ow.n : 1, sizeof(*unowned));
    size_t n_unowned = 0;
    if (!unowned)
        rc = AWS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < ow.n; i++)
        if (!ow.v[i].to.len)
            unowned[n_unowned++] = ow.v[i].account;
    /* The organization digest. */
    if (rc == 0) {
        aws_buf to;
        aws_buf_init(&to, 64 * 1024);
        for (size_t i = 0; rc == 0 && email && i < cfg->email_org_to.n; i++)
            rc = aws_buf_printf(&to, "%s%s", i ? ", " : "", cfg->email_org_to.v[i]);
        notify_digest d;
        if (rc == 0 && (rc = notify_digest_build(&d, r->findings, r->accounts, NULL, min,
                                                 unowned, n_unowned)) == 0) {
            rc = one_digest(r, &d, to.data, sns, out, res);
            notify_digest_finish(&d);
        }
        aws_buf_finish(&to);
    }
    /* One per account with owners. */
    for (size_t i = 0; rc == 0 && email && i < ow.n; i++) {
        if (!ow.v[i].to.len)
            continue;
        notify_digest d;
        if ((rc = notify_digest_build(&d, r->findings, r->accounts, ow.v[i].account, min,
                                      NULL, 0)) == 0) {
            rc = one_digest(r, &d, ow.v[i].to.data, 0, out, res);
            notify_digest_finish(&d);
        }
    }
    free(unowned);
    owners_finish(&ow);
    return rc;
}

/* ---- dry run ------------------------------------------------------------------ */

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return AWS_EINVAL;
    FILE *f = fopen(path, "wb");
    if (!f) {
        aws_log_error("notify: cannot write %s: %s", path, strerror(errno));
        return AWS_EIO;
    }
    int ok = fwrite(data, 1, len, f) == len;
    if (fclose(f) != 0 || !ok) {
        aws_log_error("notify: cannot write %s", path);
        return AWS_EIO;
    }
    return 0;
}

static int dry_run(const notify_run *r, const msgs *l, notify_result *res)
{
    if (mkdir(r->dry_run_dir, 0700) != 0 && errno != EEXIST) {
        aws_log_error("notify: cannot create %s: %s", r->dry_run_dir, strerror(errno));
        return AWS_EIO;
    }
    for (size_t i = 0; i < l->n; i++) {
        const msg *m = &l->v[i];
        char name[160];
        snprintf(name, sizeof(name), "%s-%s", m->channel, m->key);
        for (char *p = name; *p; p++)
            if (*p == ':')
                *p = '-';
        int rc;
        if (strcmp(m->channel, "email") == 0) {
            strncat(name, ".eml", sizeof(name) - strlen(name) - 1);
            rc = write_file(r->dry_run_dir, name, m->payload, m->len);
        } else {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "TopicArn", json_object_new_string(m->recipients));
            json_object_object_add(o, "Subject", json_object_new_string(m->subject));
            json_object_object_add(o, "Message", json_object_new_string_len(m->payload,
                                                                            (int)m->len));
            json_object_object_add(o, "MessageAttributes", json_tokener_parse(m->attributes));
            const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
            strncat(name, ".json", sizeof(name) - strlen(name) - 1);
            rc = write_file(r->dry_run_dir, name, s, strlen(s));
            json_object_put(o);
        }
        if (rc)
            return rc;
        res->written++;
    }
    return 0;
}

/* ---- delivery ------------------------------------------------------------------ */

typedef struct row {
    int64_t id;
    char *channel, *key, *recipients, *subject, *payload, *attributes;
    size_t len;
    notify_outcome outcome;
    char reply[512];
    int done;
} row;

typedef struct delivery {
    row *v;
    size_t n, cap;
    int oom;
    notify_smtp_cfg smtp;
    notify_smtp_job *jobs;
    row **job_rows;
    size_t n_jobs;
    int email_done;
    size_t sns_waiting;
    uv_work_t work;
    char password[1024];            /* SMTP AUTH; registered for redaction while held */
    notify_smtp_secrets password_forms;     /* it and its AUTH forms, registered */
} delivery;

static int collect_row(const state_outbox_row *o, void *ud)
{
    delivery *d = ud;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        row *v = realloc(d->v, cap * sizeof(*v));
        if (!v)
            return d->oom = AWS_ENOMEM;
        d->v = v;
        d->cap = cap;
    }
    row *w = &d->v[d->n++];
    memset(w, 0, sizeof(*w));
    w->id = o->id;
    w->channel = strdup(o->channel);
    w->key = strdup(o->key);
    w->recipients = strdup(o->recipients);
    w->subject = strdup(o->subject);
    w->payload = malloc(o->payload_len + 1);
    if (w->payload) {
        memcpy(w->payload, o->payload, o->payload_len);
        w->payload[o->payload_len] = '\0';
    }
    w->len = o->payload_len;
    w->attributes = o->attributes ? strdup(o->attributes) : NULL;
    if (!w->channel || !w->key || !w->recipients || !w->subject || !w->payload)
        return d->oom = AWS_ENOMEM;
    return 0;
}

static void delivery_finish(delivery *d)
{
    for (size_t i = 0; i < d->n; i++) {
        row *w = &d->v[i];
        free(w->channel);
        free(w->key);
        free(w->recipients);
        free(w->subject);
        free(w->payload);
        free(w->attributes);
    }
    free(d->v);
    free(d->jobs);
    free(d->job_rows);
}

static void smtp_work(uv_work_t *w)
{
    delivery *d = w->data;
    notify_smtp_send(&d->smtp, d->jobs, d->n_jobs);
}

static void smtp_after(uv_work_t *w, int status)
{
    delivery *d = w->data;
    for (size_t i = 0; i < d->n_jobs; i++) {
        row *rw = d->job_rows[i];
        if (status != 0) {
            rw->outcome = NOTIFY_RETRY;
            snprintf(rw->reply, sizeof(rw->reply), "not sent: %s", uv_strerror(status));
        } else {
            rw->outcome = d->jobs[i].outcome;
            snprintf(rw->reply, sizeof(rw->reply), "%s", d->jobs[i].reply);
        }
        rw->done = 1;
    }
    d->email_done = 1;
}

static void sns_done(notify_outcome o, const char *reply, void *ud)
{
    row *rw = ud;
    rw->outcome = o;
    snprintf(rw->reply, sizeof(rw->reply), "%s", reply);
    rw->done = 1;
}

/* Sends every pending row whose time has come (due < 0: all) and records
 * each outcome. */
static int deliver(const notify_run *r, int64_t due, notify_result *res)
{
    const config *cfg = r->cfg;
    delivery d;
    memset(&d, 0, sizeof(d));
    int rc = state_outbox_each(r->state, "pending", due, collect_row, &d);
    if (rc == 0 && d.oom)
        rc = d.oom;
    if (rc != 0) {
        aws_log_error("notify: cannot read the outbox (%s)", rc == AWS_ENOMEM ? "out of memory"
                      : state_errmsg(r->state));
        delivery_finish(&d);
        return rc;
    }
    if (d.n == 0) {
        delivery_finish(&d);
        return 0;
    }
    d.jobs = calloc(d.n, sizeof(*d.jobs));
    d.job_rows = calloc(d.n, sizeof(*d.job_rows));
    if (!d.jobs || !d.job_rows) {
        delivery_finish(&d);
        return AWS_ENOMEM;
    }
    d.smtp = (notify_smtp_cfg){
        .host = cfg->email_smtp_host,
        .port = cfg->email_smtp_port,
        .starttls = !cfg->email_tls || strcmp(cfg->email_tls, "none") != 0,
        .ca_file = cfg->email_ca_file,
        .username = cfg->email_username,
        .from = cfg->email_from,
        .timeout_seconds = cfg->email_timeout_seconds,
    };
    aws_creds_provider *sns_creds = NULL;
    int own_creds = 0;
    for (size_t i = 0; i < d.n; i++) {
        row *w = &d.v[i];
        if (strcmp(w->channel, "email") == 0) {
            if (!cfg->email_smtp_host) {
                w->outcome = NOTIFY_RETRY;
                snprintf(w->reply, sizeof(w->reply), "[email] smtp_host is not set");
                w->done = 1;
                continue;
            }
            d.jobs[d.n_jobs] = (notify_smtp_job){ .recipients = w->recipients,
                                                  .message = w->payload, .len = w->len };
            d.job_rows[d.n_jobs++] = w;
            continue;
        }
        if (!sns_creds) {
            sns_creds = r->caller;
            if (cfg->sns_role_arn) {
                sts_assume_opts ao = {
                    .role_arn = cfg->sns_role_arn,
                    .region = r->home_region,
                    .name = "sns-role",
                };
                if (sts_assume_role_provider_new(r->client, r->caller, &ao, &sns_creds) == 0)
                    own_creds = 1;
                else
                    sns_creds = r->caller;
            }
        }
        rc = notify_sns_publish(r->client, sns_creds, w->recipients, w->subject, w->payload,
                                w->len, w->attributes, sns_done, w);
        if (rc != 0) {
            w->outcome = NOTIFY_RETRY;
            snprintf(w->reply, sizeof(w->reply), "Publish: %s", aws_strerror(rc));
            w->done = 1;
        } else {
            d.sns_waiting++;
        }
    }
    /* The password is read and registered for redaction here, on the loop,
     * before the pool sees it; unregistered and wiped below. */
    if (d.n_jobs && cfg->email_username) {
        char why[sizeof(d.jobs[0].reply)];
        if (notify_smtp_read_password(cfg->email_password_file, cfg->email_password_env,
                                      d.password, sizeof(d.password), why, sizeof(why)) != 0) {
            for (size_t i = 0; i < d.n_jobs; i++) {
                d.job_rows[i]->outcome = NOTIFY_PERMANENT;
                snprintf(d.job_rows[i]->reply, sizeof(d.job_rows[i]->reply), "%s", why);
                d.job_rows[i]->done = 1;
            }
            d.n_jobs = 0;
        } else {
            (void)notify_smtp_secrets_register(&d.password_forms, cfg->email_username,
                                               d.password);
            d.smtp.password = d.password;
        }
    }
    /* SMTP blocks: on the thread pool, while SNS goes on on the loop. */
    d.email_done = d.n_jobs == 0;
    if (d.n_jobs) {
        signal(SIGPIPE, SIG_IGN);
        d.work.data = &d;
        if (uv_queue_work(r->loop, &d.work, smtp_work, smtp_after) != 0) {
            for (size_t i = 0; i < d.n_jobs; i++) {
                d.job_rows[i]->outcome = NOTIFY_RETRY;
                snprintf(d.job_rows[i]->reply, sizeof(d.job_rows[i]->reply),
                         "cannot start the SMTP worker");
                d.job_rows[i]->done = 1;
            }
            d.email_done = 1;
        }
    }
    for (;;) {
        int all = d.email_done;
        for (size_t i = 0; all && i < d.n; i++)
            all = d.v[i].done;
        if (all)
            break;
        uv_run(r->loop, UV_RUN_ONCE);
    }
    /* A server may quote what it was sent: no secret is stored or shown. */
    for (size_t i = 0; i < d.n; i++)
        aws_secret_redact_buf(d.v[i].reply, sizeof(d.v[i].reply));
    notify_smtp_secrets_drop(&d.password_forms);
    OPENSSL_cleanse(d.password, sizeof(d.password));
    if (own_creds)
        aws_creds_provider_unref(sns_creds);
    /* Record the outcomes in one transaction. */
    rc = state_begin(r->state);
    for (size_t i = 0; i < d.n; i++) {
        row *w = &d.v[i];
        const char *what = strcmp(w->channel, "email") == 0 ? "e-mail" : "SNS";
        int src = 0;
        switch (w->outcome) {
        case NOTIFY_SENT:
            res->sent++;
            aws_log_info("notify: %s digest %s delivered to %s", what, w->key, w->recipients);
            src = rc == 0 ? state_outbox_sent(r->state, w->id, r->now) : 0;
            break;
        case NOTIFY_RETRY:
            res->pending++;
            aws_log_warn("notify: %s digest %s to %s not delivered, kept for a retry: %s",
                         what, w->key, w->recipients, w->reply);
            src = rc == 0 ? state_outbox_retry_later(r->state, w->id, r->now,
                                                     cfg->notify_retry_backoff, w->reply) : 0;
            break;
        case NOTIFY_PERMANENT:
            res->failed++;
            aws_log_error("notify: %s digest %s to %s refused: %s (kept in the outbox; "
                          "fix the cause, then 'certsweep notify --retry')",
                          what, w->key, w->recipients, w->reply);
            src = rc == 0 ? state_outbox_failed(r->state, w->id, w->reply) : 0;
            break;
        }
        if (src && !rc)
            rc = src;
    }
    if (rc == 0)
        rc = state_commit(r->state);
    if (rc != 0) {
        aws_log_error("notify: cannot record the deliveries (%s): they may be sent again",
                      state_errmsg(r->state));
        state_rollback(r->state);
    }
    delivery_finish(&d);
    return rc;
}

int notify_retry(const notify_run *r, notify_result *res)
{
    if (!r || !r->state || !res)
        return AWS_EINVAL;
    return deliver(r, -1, res);
}

int notify_digests(const notify_run *r, notify_result *res)
{
    if (!r || !res || !r->cfg || !r->findings)
        return AWS_EINVAL;
    const config *cfg = r->cfg;
    if ((!cfg->email_smtp_host && !cfg->sns_topic_arn) || r->when == NOTIFY_NEVER)
        return 0;
    if (!r->state && !r->dry_run_dir) {
        aws_log_warn("notify: no state database: digests are not sent (nothing could tell "
                     "what changed, or keep a failed delivery)");
        return 0;
    }
    msgs l = { 0 };
    int rc = build_messages(r, &l, res);
    if (rc == 0 && r->dry_run_dir) {
        rc = dry_run(r, &l, res);
        msgs_finish(&l);
        return rc;
    }
    /* Intent first: every message is in the outbox before anything is sent. */
    if (rc == 0 && l.n) {
        rc = state_begin(r->state);
        for (size_t i = 0; rc == 0 && i < l.n; i++) {
            const msg *m = &l.v[i];
            state_outbox_row o = {
                .channel = m->channel, .key = m->key, .run_id = r->run_id, .created = r->now,
                .recipients = m->recipients, .subject = m->subject, .payload = m->payload,
                .payload_len = m->len, .attributes = m->attributes,
            };
            rc = state_outbox_add(r->state, &o, NULL);
        }
        if (rc == 0)
            rc = state_commit(r->state);
        if (rc != 0) {
            aws_log_error("notify: cannot queue the digests (%s): not sent",
                          state_errmsg(r->state));
            state_rollback(r->state);
        }
    }
    msgs_finish(&l);
    if (rc != 0)
        return rc;
    /* This run's messages and the earlier ones whose retry time came. */
    return deliver(r, r->now, res);
}

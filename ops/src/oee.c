/*
 * The OEE flows of `kinsync sync` (README "OEE"; the flows themselves are
 * the connector's, connector/include/kinsync/oee.h): the OEE client and
 * flow of a connection with an "oee" section, the rows oee.recover,
 * oee.reasons, oee.poll and oee.export of the flow table, the import of one
 * Epicor job event from the receiver, and the OEE metrics and summary lines.
 *
 * One connection is one Epicor company (its "epicor" section names it):
 * the bindings, segments and summary intents live in that connection's
 * state, so two companies are two connections.
 */
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include "run.h"

#define MS_PER_S 1000

struct kh__sync_oee {
    struct ks_oee *oee;
    struct ks_oee_flow *flow;
    struct ks_oee_plant *plants;
    size_t nplants;
    struct ks_oee_poll_options poll;
    struct ks_oee_flow_stats total; /* every call since the start */
    struct ks_oee_poll_report last; /* of the last poll that ran */
    int polled;                     /* a poll ran (last is set) */
    int64_t denied;                 /* reads refused (403) by polls */
    int64_t auth_failures;          /* calls stopped by a 401 or 403 */
    int64_t codes;                  /* reason codes read by oee.reasons */
};

/* The metrics of the OEE flows (metrics.h); label: the connection. */
static const struct kh_metric m_ambiguous = {
    "kinsync_oee_ambiguous_bindings_total",
    "Operation starts refused because their work centre's bound operation "
    "was still running (two active operations).",
    KH_METRIC_COUNTER,
    {"connection", NULL}};
static const struct kh_metric m_auth = {
    "kinsync_oee_auth_failures_total",
    "OEE authentication and permission failures, by kind: a flow call "
    "stopped by a 401 or 403 (unauthorized, forbidden), a poll's read "
    "refused by a 403 and gone without (denied_read), a job event refused "
    "for a missing or wrong secret header (event_secret).",
    KH_METRIC_COUNTER,
    {"connection", "kind", NULL}};
static const struct kh_metric m_broken = {
    "kinsync_oee_broken_events_total",
    "Epicor job events refused as unreadable (400: not JSON, a member "
    "missing or of the wrong type).",
    KH_METRIC_COUNTER,
    {"connection", NULL}};
static const struct kh_metric m_dropped = {
    "kinsync_oee_dropped_events_total",
    "Epicor job events lost, by where: receiver (answered 503: the event "
    "could not be committed to the state, or the memory queue was full; an "
    "event function never retries), flow (committed, but its handling "
    "failed on every attempt and it was given up).",
    KH_METRIC_COUNTER,
    {"connection", "where", NULL}};
static const struct kh_metric m_events = {
    "kinsync_oee_events_total",
    "Epicor job events received and queued by the receiver.",
    KH_METRIC_COUNTER,
    {"connection", NULL}};
static const struct kh_metric m_summaries = {
    "kinsync_oee_summaries_total",
    "Job operation summaries posted to the OEE side and written back to "
    "Epicor, by step (posted, written_back).",
    KH_METRIC_COUNTER,
    {"connection", "step", NULL}};
static const struct kh_metric m_breaker = {
    "kinsync_oee_breaker_state",
    "The poll's circuit breaker: 1 for its current state (closed, open, "
    "half-open), 0 for the others.",
    KH_METRIC_GAUGE,
    {"connection", "state", NULL}};

const char *kh__sync_oee_pattern(const cJSON *oee)
{
    const char *p = kx_json_str(oee, "pattern");

    return p ? p : "poll";
}

static void poll_options(struct ks_oee_poll_options *po, const cJSON *oee,
                         int64_t every_s)
{
    const cJSON *p = kx_json_obj(oee, "poll");

    memset(po, 0, sizeof(*po));
    po->version = KS_OEE_POLL_OPTIONS_VERSION;
    /* The cadence is the scheduler's (--watch runs the flow every
     * every_s, under a lease; --once asks for a poll now): the connector's
     * own interval check (-1) never skips it. The breaker still does. */
    (void)every_s;
    po->interval_ms = -1;
    po->max_requests = (int)kh__sync_int(p, "max_requests", 0);
    po->breaker_failures = (int)kh__sync_int(p, "breaker_failures", 0);
    po->breaker_cooldown_ms =
        kh__sync_int(p, "breaker_cooldown_s", 0) * MS_PER_S;
}

int kh__sync_oee_open(struct kh__sync_env *env, const char *prog)
{
    const cJSON *cfg = env->conf->oee, *ud = kx_json_obj(cfg, "ud_fields");
    const char *hdr = kx_json_str(cfg, "api_key_header");
    struct ks_oee_options oo = KS_OEE_OPTIONS_INIT;
    struct ks_oee_flow_options fo;
    struct kh__sync_oee *k = kx_xcalloc(1, sizeof(*k));
    const cJSON *it;
    ks_rc rc;

    env->oee = k;
    oo.base_url = kx_json_str(cfg, "base_url");
    oo.api_key = env->creds.oee_api_key;
    oo.api_key_header = hdr && strcmp(hdr, "x-api-key") == 0;
    if (ks_oee_new(&k->oee, env->client, &oo) != KS_OK) {
        fprintf(stderr, "%s: cannot set up the OEE client: %s\n", prog,
                ks_client_last_error(env->client)->message);
        return -1;
    }
    k->plants =
        kx_xcalloc((size_t)cJSON_GetArraySize(kx_json_obj(cfg, "plants")) + 1,
                   sizeof(*k->plants));
    cJSON_ArrayForEach(it, kx_json_obj(cfg, "plants"))
    {
        k->plants[k->nplants].plant = it->string;
        k->plants[k->nplants++].scope = it->valuestring;
    }
    memset(&fo, 0, sizeof(fo));
    fo.version = KS_OEE_FLOW_OPTIONS_VERSION;
    fo.client = env->client;
    fo.store = env->store;
    fo.epi = env->epicor;
    fo.oee = k->oee;
    fo.plants = k->nplants ? k->plants : NULL;
    fo.nplants = k->nplants;
    fo.default_scope = kx_json_str(cfg, "default_scope");
    fo.ud.availability = kx_json_str(ud, "availability");
    fo.ud.performance = kx_json_str(ud, "performance");
    fo.ud.quality = kx_json_str(ud, "quality");
    fo.ud.oee = kx_json_str(ud, "oee");
    fo.ud.good = kx_json_str(ud, "good");
    fo.ud.scrap = kx_json_str(ud, "scrap");
    fo.ud.top_loss = kx_json_str(ud, "top_loss");
    /* pattern 3: no Epicor write; the summaries go to the DMT file, and
     * the labour and PartTran switches are ignored (warned at load) */
    fo.file_export = strcmp(kh__sync_oee_pattern(cfg), "file") == 0;
    fo.part_tran = !fo.file_export &&
                   kx_json_bool(kx_json_obj(cfg, "write_back"), "part_tran", 0);
    fo.labor = !fo.file_export &&
               kx_json_bool(kx_json_obj(cfg, "write_back"), "labor", 0);
    fo.labor_employee = kx_json_str(kx_json_obj(cfg, "write_back"), "employee");
    fo.company = kx_json_str(env->conf->epicor, "company");
    rc = ks_oee_flow_new(&k->flow, &fo);
    if (rc) {
        fprintf(stderr, "%s: cannot set up the OEE flows: %s\n", prog,
                ks_rc_message(rc));
        return -1;
    }
    poll_options(&k->poll, cfg, env->conf->every_s[KH__FLOW_OEE_POLL]);
    return 0;
}

void kh__sync_oee_close(struct kh__sync_env *env)
{
    if (!env->oee)
        return;
    ks_oee_flow_free(env->oee->flow);
    ks_oee_free(env->oee->oee);
    free(env->oee->plants);
    free(env->oee);
    env->oee = NULL;
}

/* ---- runs --------------------------------------------------------------- */

static void totals_add(struct ks_oee_flow_stats *t,
                       const struct ks_oee_flow_stats *s)
{
    t->events += s->events;
    t->acknowledged += s->acknowledged;
    t->bound += s->bound;
    t->paused += s->paused;
    t->completed += s->completed;
    t->summaries += s->summaries;
    t->written_back += s->written_back;
    t->ambiguous += s->ambiguous;
    t->failed += s->failed;
    t->skipped += s->skipped;
}

/* One OEE call's stats in the flow line's terms: read = events handled,
 * created = summaries posted, updated = JobOper rows written back. */
static void to_sync_stats(struct ks_sync_stats *s,
                          const struct ks_oee_flow_stats *o)
{
    s->read += o->events;
    s->created += o->summaries;
    s->updated += o->written_back;
    s->failed += o->failed;
    s->skipped += o->skipped;
}

static void count(struct kh__sync_run *r, struct kh__sync_tenant *t,
                  const struct ks_oee_flow_stats *o, ks_rc rc)
{
    struct kh__sync_oee *k = t->env.oee;
    const char *l[] = {t->conf->name, NULL};
    const char *posted[] = {t->conf->name, "posted"};
    const char *written[] = {t->conf->name, "written_back"};
    const char *kind[] = {t->conf->name,
                          rc == KS_EAUTH ? "unauthorized" : "forbidden"};

    totals_add(&k->total, o);
    kh_metrics_add(r->metrics, &m_ambiguous, l, (double)o->ambiguous);
    kh_metrics_add(r->metrics, &m_summaries, posted, (double)o->summaries);
    kh_metrics_add(r->metrics, &m_summaries, written, (double)o->written_back);
    if (rc == KS_EAUTH || rc == KS_EFORBIDDEN) {
        k->auth_failures++;
        kh_metrics_add(r->metrics, &m_auth, kind, 1);
    }
}

static void count_poll(struct kh__sync_run *r, struct kh__sync_tenant *t,
                       const struct ks_oee_poll_report *rep)
{
    struct kh__sync_oee *k = t->env.oee;
    const char *denied[] = {t->conf->name, "denied_read"};
    static const char *const states[] = {"closed", "open", "half-open"};

    k->last = *rep;
    k->polled = 1;
    k->denied += rep->denied;
    kh_metrics_add(r->metrics, &m_auth, denied, (double)rep->denied);
    for (int i = 0; i < 3; i++) {
        const char *l[] = {t->conf->name, states[i]};

        kh_metrics_set(r->metrics, &m_breaker, l,
                       strcmp(rep->breaker, states[i]) == 0);
    }
}

/* The scopes the reason dictionary goes to: every plant's and the
 * default, each once. */
static ks_rc sync_reasons(struct kh__sync_oee *k, struct ks_oee_flow_stats *st)
{
    ks_rc rc = KS_OK;

    for (size_t i = 0; i < k->nplants && !rc; i++) {
        int seen = 0;

        for (size_t j = 0; j < i; j++)
            seen |= strcmp(k->plants[j].scope, k->plants[i].scope) == 0;
        if (!seen)
            rc = ks_oee_flow_sync_reasons(k->flow, k->plants[i].scope, st);
    }
    return rc;
}

/* oee.export: the DMT file of the operations closed since the last one
 * (created: its rows); its name on stdout, as the flow's result. */
static ks_rc export_file(struct ks_sync_stats *s, struct kh__sync_run *r,
                         struct kh__sync_tenant *t)
{
    const char *dir =
        kx_json_str(kx_json_obj(t->conf->oee, "file"), "directory");
    struct ks_oee_export_report rep;
    ks_rc rc = ks_oee_flow_export(t->env.oee->flow, dir, &rep);

    s->created += rep.rows;
    if (!rc && rep.written)
        printf("oee.export: %s%s%s/%s, %lld rows\n",
               r->cfg.named ? t->conf->name : "", r->cfg.named ? ": " : "", dir,
               rep.file, (long long)rep.rows);
    return rc;
}

ks_rc kh__sync_oee_run(struct ks_sync_stats *s, struct kh__sync_run *r,
                       struct kh__sync_tenant *t, int flow)
{
    struct kh__sync_oee *k = t->env.oee;
    const char *dflt = kx_json_str(t->conf->oee, "default_scope");
    struct ks_oee_flow_stats o;
    struct ks_oee_poll_report rep;
    ks_rc rc;
    int listed = 0;

    memset(&o, 0, sizeof(o));
    memset(&rep, 0, sizeof(rep));
    if (flow == KH__FLOW_OEE_RECOVER) {
        rc = ks_oee_flow_recover(k->flow, &o);
    } else if (flow == KH__FLOW_OEE_REASONS) {
        rc = sync_reasons(k, &o);
        for (size_t i = 0; dflt && i < k->nplants; i++)
            listed |= strcmp(k->plants[i].scope, dflt) == 0;
        if (!rc && dflt && !listed)
            rc = ks_oee_flow_sync_reasons(k->flow, dflt, &o);
        /* events counts the codes read here: read on the flow's line, not
         * events in the summary */
        k->codes += o.events;
        s->read += o.events;
        o.events = 0;
    } else if (flow == KH__FLOW_OEE_EXPORT) {
        rc = export_file(s, r, t);
    } else {
        rc = ks_oee_flow_poll(k->flow, &k->poll, &o, &rep);
        if (rep.ran || rep.breaker[0])
            count_poll(r, t, &rep);
    }
    to_sync_stats(s, &o);
    count(r, t, &o, rc);
    return rc;
}

ks_rc kh__sync_oee_event(struct ks_sync_stats *s, struct kh__sync_run *r,
                         struct kh__sync_tenant *t,
                         const struct kh_receiver_item *it)
{
    struct ks_oee_flow_stats o;
    struct ks_oee_event ev;
    ks_rc rc;

    kh_receiver_epicor_event_view(&ev, &it->ev);
    memset(&o, 0, sizeof(o));
    if (!t->env.oee) /* the route exists only with the section */
        return KS_EINVAL;
    /* A run-stopping failure (transport, auth, store) is returned: the
     * event stays queued and is tried again (queue.c). */
    rc = ks_oee_flow_event(t->env.oee->flow, &ev, &o);
    to_sync_stats(s, &o);
    count(r, t, &o, rc);
    return rc;
}

void kh__sync_oee_count_dropped(struct kh__sync_run *r,
                                struct kh__sync_tenant *t)
{
    const char *l[] = {t->conf->name, "flow"};

    kh_metrics_add(r->metrics, &m_dropped, l, 1);
}

void kh__sync_oee_print_failure(struct kh__sync_tenant *t, const char *what,
                                ks_rc rc)
{
    const struct ks_error *e =
        t->env.oee ? ks_oee_flow_last_error(t->env.oee->flow) : NULL;

    fprintf(stderr, "%s: %s failed: %s: %s", KH__SYNC_PROG, what,
            ks_rc_name(rc),
            e && e->message[0] ? e->message : ks_rc_message(rc));
    if (e && e->http_status)
        fprintf(stderr, " (HTTP %ld)", e->http_status);
    fputc('\n', stderr);
}

void kh__sync_oee_collect_route(struct kh_metrics *m, const char *conn,
                                const struct kh_receiver_route_counts *c)
{
    const char *l[] = {conn, NULL};
    const char *secret[] = {conn, "event_secret"};
    const char *dropped[] = {conn, "receiver"};

    /* The receiver's own totals, set at each scrape: series of their own
     * (the flow side adds to the others). */
    kh_metrics_set(m, &m_events, l, (double)c->events);
    kh_metrics_set(m, &m_broken, l, (double)c->events_broken);
    kh_metrics_set(m, &m_auth, secret, (double)c->events_rejected);
    kh_metrics_set(m, &m_dropped, dropped, (double)c->events_dropped);
}

void kh__sync_oee_summary(struct kh__sync_run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct kh__sync_oee *k = r->t[i].env.oee;

        if (!k)
            continue;
        printf("oee: %s%sevents %lld, acknowledged %lld, bound %lld, paused "
               "%lld, completed %lld, summaries %lld, written back %lld, "
               "ambiguous %lld, denied reads %lld, auth failures %lld, "
               "reason codes %lld; breaker %s\n",
               r->cfg.named ? r->t[i].conf->name : "", r->cfg.named ? ": " : "",
               (long long)k->total.events, (long long)k->total.acknowledged,
               (long long)k->total.bound, (long long)k->total.paused,
               (long long)k->total.completed, (long long)k->total.summaries,
               (long long)k->total.written_back, (long long)k->total.ambiguous,
               (long long)k->denied, (long long)k->auth_failures,
               (long long)k->codes, k->polled ? k->last.breaker : "not polled");
    }
}

/*
 * Scenario jobs over the connector's OEE client.
 *
 * The handle is built from given.connector.oee (base_url, api_key
 * default "oee-test-key", api_key_header "bearer" | "x-api-key") and the
 * URL of the running "oee" emulator, and kept in a slot across the steps
 * of a scenario. Every job returns the client's error in its result on
 * failure ({"error", "http_status", "remote_id"}).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <kx/time.h>
#include "jobs.h"
#include "run_int.h" /* the scenario's scratch directory */

#define KH_SLOT_OEE "oee.client"

static void handle_free(void *p)
{
    ks_oee_free(p);
}

static ks_rc make_handle(void **out, struct kh_ctx *ctx, int unused, char *err,
                         size_t errsz)
{
    const cJSON *cfg = kh_ctx_connector_config(ctx, "oee");
    struct ks_oee_options o = KS_OEE_OPTIONS_INIT;
    const char *header = kx_json_str(cfg, "api_key_header");
    struct ks_oee *oee = NULL;
    ks_rc rc;

    (void)unused;
    *out = NULL;
    o.base_url = kh_job_remote_url(ctx, "oee", "base_url", err, errsz);
    if (!o.base_url)
        return KS_EINVAL;
    o.api_key = kx_json_str_or(cfg, "api_key", "oee-test-key");
    if (header && strcmp(header, "bearer") && strcmp(header, "x-api-key")) {
        snprintf(err, errsz,
                 "oee: api_key_header must be \"bearer\" or \"x-api-key\"");
        return KS_EINVAL;
    }
    o.api_key_header = header && strcmp(header, "x-api-key") == 0;
    rc = ks_oee_new(&oee, kh_ctx_client(ctx), &o);
    if (rc)
        snprintf(err, errsz, "%s",
                 ks_client_last_error(kh_ctx_client(ctx))->message);
    *out = oee;
    return rc;
}

static struct ks_oee *handle(struct kh_ctx *ctx, ks_rc *rc, char *err,
                             size_t errsz)
{
    int owned;

    return kh_job_handle(ctx, KH_SLOT_OEE, make_handle, handle_free, 0, &owned,
                         rc, err, errsz);
}

/* options[name] as a string, or KS_EINVAL with err. */
static const char *need(const cJSON *options, const char *name, char *err,
                        size_t errsz)
{
    const char *v = kx_json_str(options, name);

    if (!v || !*v)
        snprintf(err, errsz, "options/%s: required, a string", name);
    return v && *v ? v : NULL;
}

static void op_of(struct ks_oee_op *op, const cJSON *options)
{
    op->job = kx_json_str(options, "job");
    op->assembly = (int)kx_json_num(options, "assembly", 0);
    op->operation = (int)kx_json_num(options, "operation", 0);
    op->op_code = kx_json_str(options, "op_code");
}

static ks_rc done(struct kh_ctx *ctx, struct ks_oee *oee, long before, ks_rc rc,
                  cJSON **result, char *err, size_t errsz)
{
    if (!*result)
        *result = cJSON_CreateObject();
    cJSON_AddNumberToObject(*result, "requests",
                            (double)(ks_oee_requests(oee) - before));
    return rc ? kh_job_failed(ctx, rc, result, err, errsz) : rc;
}

#define OEE_BEGIN                                                              \
    ks_rc rc;                                                                  \
    struct ks_oee *oee = handle(ctx, &rc, err, errsz);                         \
    long before;                                                               \
    if (!oee)                                                                  \
        return rc;                                                             \
    before = ks_oee_requests(oee);

static ks_rc job_acknowledge(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz)
{
    const char *scope, *job, *event;
    OEE_BEGIN

    if (!(scope = need(options, "scope", err, errsz)) ||
        !(job = need(options, "job", err, errsz)) ||
        !(event = need(options, "event", err, errsz)))
        return KS_EINVAL;
    rc = ks_oee_acknowledge(oee, scope, job, event,
                            kx_json_obj(options, "extra"));
    return done(ctx, oee, before, rc, result, err, errsz);
}

static ks_rc job_bind(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                      char *err, size_t errsz)
{
    const char *scope, *wc;
    struct ks_oee_op op;
    OEE_BEGIN

    if (!(scope = need(options, "scope", err, errsz)) ||
        !(wc = need(options, "work_center", err, errsz)))
        return KS_EINVAL;
    op_of(&op, options);
    if (!op.job) {
        rc = ks_oee_unbind(oee, scope, wc);
    } else {
        rc = ks_oee_bind(
            oee, scope, wc, &op, kx_json_bool(options, "paused", 0),
            kx_json_str(options, "reason"), ks_clock_now_ms(kh_ctx_clock(ctx)));
    }
    return done(ctx, oee, before, rc, result, err, errsz);
}

/* One segment {from, to, paused, reason} into acc: a running one is read
 * from the OEE side, a paused one is downtime under its reason. */
static ks_rc segment_add(struct ks_oee_acc *acc, struct ks_oee *oee,
                         const char *scope, const char *wc, const cJSON *seg,
                         int i, char *err, size_t errsz)
{
    int64_t from, to;
    cJSON *t = NULL;
    ks_rc rc;

    if (kx_iso8601_parse(&from, kx_json_str_or(seg, "from", ""), 0) ||
        kx_iso8601_parse(&to, kx_json_str_or(seg, "to", ""), 0) || to < from) {
        snprintf(err, errsz,
                 "options/segments/%d: \"from\" and \"to\" must be ISO 8601, "
                 "to not before from",
                 i);
        return KS_EINVAL;
    }
    if (kx_json_bool(seg, "paused", 0)) {
        ks_oee_acc_pause(acc, kx_json_str(seg, "reason"), to - from);
        return KS_OK;
    }
    rc = ks_oee_timeline(&t, oee, scope, wc, from, to);
    if (!rc)
        rc = ks_oee_acc_timeline(acc, t);
    cJSON_Delete(t);
    return rc;
}

/*
 * The summary of one operation over its bound segments (started ->
 * paused -> started on the same operation), posted unless options.post
 * is false. Result: the summary as posted, and "requests".
 */
static ks_rc job_measure(struct kh_ctx *ctx, const cJSON *options,
                         cJSON **result, char *err, size_t errsz)
{
    struct ks_oee_acc acc;
    struct ks_oee_input in;
    struct ks_oee_summary s;
    struct ks_oee_op op;
    const char *scope, *wc;
    const cJSON *seg;
    double ideal;
    int i = 0;
    OEE_BEGIN

    memset(&acc, 0, sizeof(acc));
    op_of(&op, options);
    if (!(scope = need(options, "scope", err, errsz)) ||
        !(wc = need(options, "work_center", err, errsz)) ||
        !need(options, "job", err, errsz))
        return KS_EINVAL;
    if (ks_oee_ideal_cycle_ms(&ideal, kx_json_num(options, "prod_standard", 0),
                              kx_json_str_or(options, "std_format", "PH"))) {
        snprintf(err, errsz,
                 "options/prod_standard: a positive standard in "
                 "options/std_format (PH, PM, HP, MP)");
        return KS_EINVAL;
    }
    cJSON_ArrayForEach(seg, kx_json_arr(options, "segments"))
    {
        rc = segment_add(&acc, oee, scope, wc, seg, i++, err, errsz);
        if (rc == KS_EINVAL)
            return rc;
        if (rc)
            return done(ctx, oee, before, rc, result, err, errsz);
    }
    ks_oee_acc_input(&in, &acc, ideal);
    rc = ks_oee_summary_compute(&s, &in);
    if (rc) {
        snprintf(err, errsz, "oee: the segments do not make a summary (%s)",
                 ks_rc_name(rc));
        return rc;
    }
    rc = ks_oee_summary_json(result, wc, &op, &s);
    if (!rc && kx_json_bool(options, "post", 1))
        rc = ks_oee_summary_post(oee, scope, wc, &op, &s);
    return done(ctx, oee, before, rc, result, err, errsz);
}

static ks_rc job_reason_codes(struct kh_ctx *ctx, const cJSON *options,
                              cJSON **result, char *err, size_t errsz)
{
    const char *scope;
    const cJSON *codes = kx_json_arr(options, "codes");
    OEE_BEGIN

    if (!(scope = need(options, "scope", err, errsz)))
        return KS_EINVAL;
    if (!cJSON_IsArray(codes)) {
        snprintf(err, errsz, "options/codes: required, an array");
        return KS_EINVAL;
    }
    rc = ks_oee_reason_codes_put(oee, scope, codes);
    return done(ctx, oee, before, rc, result, err, errsz);
}

/*
 * The DMT file of the summaries the OEE side holds for options.job in
 * options.scope, and the file read back: result {"csv", "rows"}.
 */
static ks_rc job_dmt_export(struct kh_ctx *ctx, const cJSON *options,
                            cJSON **result, char *err, size_t errsz)
{
    struct ks_oee_dmt_row rows[64];
    const char *scope;
    cJSON *got = NULL, *back = NULL;
    const cJSON *it;
    char *csv = NULL;
    size_t n = 0;
    OEE_BEGIN

    if (!(scope = need(options, "scope", err, errsz)))
        return KS_EINVAL;
    rc = ks_oee_summaries_get(&got, oee, scope, kx_json_str(options, "job"));
    if (rc)
        return done(ctx, oee, before, rc, result, err, errsz);
    memset(rows, 0, sizeof(rows));
    cJSON_ArrayForEach(it, kx_json_arr(got, "summaries"))
    {
        struct ks_oee_summary *s = &rows[n].summary;
        const cJSON *loss =
            cJSON_GetArrayItem(kx_json_arr(it, "top_losses"), 0);

        if (n == sizeof(rows) / sizeof(rows[0]))
            break;
        rows[n].company = kx_json_str(options, "company");
        rows[n].op.job = kx_json_str(it, "job");
        rows[n].op.assembly = (int)kx_json_num(it, "assembly", 0);
        rows[n].op.operation = (int)kx_json_num(it, "operation", 0);
        s->availability = kx_json_num(it, "availability", 0);
        s->performance = kx_json_num(it, "performance", 0);
        s->quality = kx_json_num(it, "quality", 0);
        s->oee = kx_json_num(it, "oee", 0);
        s->good = (int64_t)kx_json_num(it, "good", 0);
        s->scrap = (int64_t)kx_json_num(it, "scrap", 0);
        if (kx_json_str(loss, "reason")) {
            snprintf(s->top[0].reason, sizeof(s->top[0].reason), "%s",
                     kx_json_str(loss, "reason"));
            s->ntop = 1;
        }
        n++;
    }
    rc = ks_oee_dmt_export(&csv, rows, n, NULL);
    if (!rc)
        rc = ks_oee_dmt_parse(&back, csv, err, errsz);
    if (!rc) {
        *result = cJSON_CreateObject();
        cJSON_AddStringToObject(*result, "csv", csv);
        cJSON_AddItemToObject(*result, "rows", back);
    }
    ks_oee_string_free(csv);
    cJSON_Delete(got);
    return done(ctx, oee, before, rc, result, err, errsz);
}

/* ---- the flows ---------------------------------------------------------- */

#define KH_SLOT_OEE_SEEN KH_DURABLE_SLOT_PREFIX "oee.events_seen"

/* given.connector.oee's "plants" ({plant: scope}), "default_scope",
 * "ud_fields" ({availability, performance, quality, oee, good, scrap,
 * top_loss}: JobOper UD column names) and "write_back" ({part_tran,
 * labor, employee}, as in `kinsync sync`) into o; plants fills p. */
#define MAX_PLANTS 16
static void flow_options(struct ks_oee_flow_options *o, struct ks_oee_plant *p,
                         struct kh_ctx *ctx)
{
    const cJSON *cfg = kh_ctx_connector_config(ctx, "oee");
    const cJSON *ud = kx_json_obj(cfg, "ud_fields"), *it;
    const cJSON *wb = kx_json_obj(cfg, "write_back");

    cJSON_ArrayForEach(it, kx_json_obj(cfg, "plants"))
    {
        if (o->nplants < MAX_PLANTS && cJSON_IsString(it)) {
            p[o->nplants].plant = it->string;
            p[o->nplants++].scope = it->valuestring;
        }
    }
    o->plants = p;
    o->default_scope = kx_json_str(cfg, "default_scope");
    o->ud.availability = kx_json_str(ud, "availability");
    o->ud.performance = kx_json_str(ud, "performance");
    o->ud.quality = kx_json_str(ud, "quality");
    o->ud.oee = kx_json_str(ud, "oee");
    o->ud.good = kx_json_str(ud, "good");
    o->ud.scrap = kx_json_str(ud, "scrap");
    o->ud.top_loss = kx_json_str(ud, "top_loss");
    o->part_tran = kx_json_bool(wb, "part_tran", 0);
    o->labor = kx_json_bool(wb, "labor", 0);
    o->labor_employee = kx_json_str(wb, "employee");
    /* pattern "file": summaries queued for the DMT export, as in `kinsync
     * sync`; the Company column is the connector's company */
    o->file_export = strcmp(kx_json_str_or(cfg, "pattern", ""), "file") == 0;
    o->company = kx_json_str_or(kh_ctx_connector_config(ctx, "epicor"),
                                "company", "EPIC06");
}

static void stats_put(cJSON *r, const struct ks_oee_flow_stats *s)
{
    cJSON_AddNumberToObject(r, "events", (double)s->events);
    cJSON_AddNumberToObject(r, "acknowledged", (double)s->acknowledged);
    cJSON_AddNumberToObject(r, "bound", (double)s->bound);
    cJSON_AddNumberToObject(r, "paused", (double)s->paused);
    cJSON_AddNumberToObject(r, "completed", (double)s->completed);
    cJSON_AddNumberToObject(r, "summaries", (double)s->summaries);
    cJSON_AddNumberToObject(r, "written_back", (double)s->written_back);
    cJSON_AddNumberToObject(r, "ambiguous", (double)s->ambiguous);
    cJSON_AddNumberToObject(r, "failed", (double)s->failed);
    cJSON_AddNumberToObject(r, "skipped", (double)s->skipped);
    cJSON_AddNumberToObject(r, "labor_written", (double)s->labor_written);
    cJSON_AddNumberToObject(r, "part_tran_written",
                            (double)s->part_tran_written);
    cJSON_AddNumberToObject(r, "queued", (double)s->queued);
}

struct flow_run {
    struct ks_oee_flow *flow;
    struct ks_oee_plant plants[MAX_PLANTS];
    struct ks_oee_flow_stats stats;
    struct ks_store *store;
    long before;
};

/* The flow over the sync jobs' state store (crash_at: reopened armed). */
static ks_rc flow_open(struct flow_run *f, struct kh_ctx *ctx,
                       struct ks_oee *oee, const char *crash_at, char *err,
                       size_t errsz)
{
    struct ks_oee_flow_options o;
    struct ks_epicor *epi;
    int owned = 0;
    ks_rc rc;

    memset(f, 0, sizeof(*f));
    memset(&o, 0, sizeof(o));
    o.version = KS_OEE_FLOW_OPTIONS_VERSION;
    f->store = kh_job_sync_store(ctx, crash_at, &rc, err, errsz);
    if (!f->store)
        return rc;
    epi = kh_job_epicor(ctx, 0, &owned, &rc, err, errsz);
    if (!epi)
        return rc;
    o.client = kh_ctx_client(ctx);
    o.store = f->store;
    o.epi = epi;
    o.oee = oee;
    flow_options(&o, f->plants, ctx);
    f->before = ks_oee_requests(oee);
    return ks_oee_flow_new(&f->flow, &o);
}

static ks_rc flow_done(struct flow_run *f, struct kh_ctx *ctx, ks_rc rc,
                       cJSON **result, char *err, size_t errsz)
{
    int64_t pending = 0;

    *result = cJSON_CreateObject();
    stats_put(*result, &f->stats);
    if (ks_store_outbox_count(&pending, f->store, "oee") == KS_OK)
        cJSON_AddNumberToObject(*result, "outbox", (double)pending);
    if (rc) {
        snprintf(err, errsz, "%s", ks_oee_flow_last_error(f->flow)->message);
        cJSON_AddStringToObject(*result, "error", err);
    }
    ks_oee_flow_free(f->flow);
    (void)ctx;
    return rc;
}

/*
 * Pattern 1: the events that reached the receiver (options.receiver, an
 * emulator such as "static" whose journal holds the event functions'
 * POSTs to options.path, default "/events", answered 2xx) and were not
 * handled yet, in order, through the flow. An event whose POST failed
 * (dropped, timed out) never reached the integration: it is not seen.
 */
static ks_rc job_flow_events(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz)
{
    const char *sys = kx_json_str_or(options, "receiver", "static");
    const char *path = kx_json_str_or(options, "path", "/events");
    struct km_emulator *emu = kh_ctx_emulator(ctx, sys);
    double *seen = kh_ctx_slot(ctx, KH_SLOT_OEE_SEEN);
    struct flow_run f;
    cJSON *journal, *e;
    OEE_BEGIN

        (void)
    before;
    if (!emu) {
        snprintf(err, errsz, "options/receiver: no %s emulator runs", sys);
        return KS_EINVAL;
    }
    if (!seen) {
        seen = kx_xcalloc(1, sizeof(*seen));
        kh_ctx_set_slot(ctx, KH_SLOT_OEE_SEEN, seen, free);
    }
    rc = flow_open(&f, ctx, oee, kx_json_str(options, "crash_at"), err, errsz);
    if (rc)
        return rc;
    journal = km_server_journal(emu->server);
    cJSON_ArrayForEach(e, journal)
    {
        double seq = kx_json_num(e, "seq", 0),
               status = kx_json_num(e, "status", 0);
        struct ks_oee_event ev;
        cJSON *payload;
        char why[300];

        if (seq <= *seen || strcmp(kx_json_str_or(e, "method", ""), "POST") ||
            strcmp(kx_json_str_or(e, "path", ""), path) || status < 200 ||
            status > 299)
            continue;
        *seen = seq;
        payload = cJSON_Parse(kx_json_str_or(e, "body", ""));
        if (ks_oee_event_parse(&ev, payload, why, sizeof(why)) == KS_OK)
            rc = ks_oee_flow_event(f.flow, &ev, &f.stats);
        else
            f.stats.skipped++;
        cJSON_Delete(payload);
        if (rc)
            break;
    }
    cJSON_Delete(journal);
    return flow_done(&f, ctx, rc, result, err, errsz);
}

/* ---- oee.events in the background (integration.start) ---------------- */

#define KH_SLOT_OEE_RECEIVER "oee.receiver"

ks_rc kh_job_oee_listen(struct kh_ctx *ctx, const cJSON *options, uint16_t port,
                        char *err, size_t errsz)
{
    ks_rc rc;

    (void)options;
    kh_ctx_set_slot(ctx, KH_SLOT_OEE_RECEIVER, NULL, NULL); /* a fresh one */
    kh_job_receiver(ctx, KH_SLOT_OEE_RECEIVER, "epicor", port, &rc, err, errsz);
    return rc;
}

ks_rc kh_job_oee_listen_end(struct kh_ctx *ctx, const cJSON *options,
                            cJSON **result, char *err, size_t errsz)
{
    struct kh_job_receiver *r = kh_ctx_slot(ctx, KH_SLOT_OEE_RECEIVER);
    struct kh_receiver_item *q = NULL;
    struct flow_run f;
    size_t n = 0;
    OEE_BEGIN

        (void)
    options;
    (void)before;
    if (!r) {
        snprintf(err, errsz, "oee.events: no receiver runs");
        return KS_EINVAL;
    }
    q = kh_job_receiver_drain(r, &n);
    kh_ctx_set_slot(ctx, KH_SLOT_OEE_RECEIVER, NULL, NULL); /* stops it */
    rc = flow_open(&f, ctx, oee, NULL, err, errsz);
    for (size_t i = 0; !rc && i < n; i++) {
        struct ks_oee_event ev;

        if (!q[i].epicor)
            continue; /* the route takes Epicor's events only */
        kh_receiver_epicor_event_view(&ev, &q[i].ev);
        rc = ks_oee_flow_event(f.flow, &ev, &f.stats);
    }
    free(q);
    if (!f.flow)
        return rc;
    return flow_done(&f, ctx, rc, result, err, errsz);
}

/* After a restart: pending summary intents resolved (closed again). */
static ks_rc job_flow_recover(struct kh_ctx *ctx, const cJSON *options,
                              cJSON **result, char *err, size_t errsz)
{
    struct flow_run f;
    OEE_BEGIN

        (void)
    options;
    (void)before;
    rc = flow_open(&f, ctx, oee, NULL, err, errsz);
    if (rc)
        return rc;
    rc = ks_oee_flow_recover(f.flow, &f.stats);
    return flow_done(&f, ctx, rc, result, err, errsz);
}

/*
 * Pattern 2: one poll (options: interval_ms, max_requests,
 * breaker_failures, breaker_cooldown_ms). Result: the flow's counts and
 * the poll's report (ran, epicor_requests, active, deferred, denied,
 * breaker).
 */
static ks_rc job_poll(struct kh_ctx *ctx, const cJSON *options, cJSON **result,
                      char *err, size_t errsz)
{
    struct ks_oee_poll_options po;
    struct ks_oee_poll_report rep;
    struct flow_run f;
    OEE_BEGIN

        (void)
    before;
    memset(&po, 0, sizeof(po));
    po.version = KS_OEE_POLL_OPTIONS_VERSION;
    po.interval_ms = (int64_t)kx_json_num(options, "interval_ms", 0);
    po.max_requests = (int)kx_json_num(options, "max_requests", 0);
    po.breaker_failures = (int)kx_json_num(options, "breaker_failures", 0);
    po.breaker_cooldown_ms =
        (int64_t)kx_json_num(options, "breaker_cooldown_ms", 0);
    rc = flow_open(&f, ctx, oee, NULL, err, errsz);
    if (rc)
        return rc;
    rc = ks_oee_flow_poll(f.flow, &po, &f.stats, &rep);
    rc = flow_done(&f, ctx, rc, result, err, errsz);
    cJSON_AddBoolToObject(*result, "ran", rep.ran);
    cJSON_AddNumberToObject(*result, "epicor_requests", rep.epicor_requests);
    cJSON_AddNumberToObject(*result, "active", rep.active);
    cJSON_AddBoolToObject(*result, "deferred", rep.deferred);
    cJSON_AddNumberToObject(*result, "denied", rep.denied);
    cJSON_AddStringToObject(*result, "breaker", rep.breaker);
    return rc;
}

/* The oee-dmt-*.csv files in dir. */
static int dmt_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "oee-dmt-", 8) == 0 &&
             strstr(e->d_name, ".csv") && !strstr(e->d_name, ".tmp");
    if (d)
        closedir(d);
    return n;
}

/* The file dir/name parsed back by the DMT parser into r's "parsed". */
static ks_rc dmt_read_back(cJSON *r, const char *dir, const char *name,
                           char *err, size_t errsz)
{
    char path[4200];
    struct stat st;
    FILE *f;
    char *text;
    cJSON *rows = NULL;
    size_t n;
    ks_rc rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (stat(path, &st) != 0 || !(f = fopen(path, "rb"))) {
        snprintf(err, errsz, "%s: cannot read the export", name);
        return KS_ERROR;
    }
    text = kx_xmalloc((size_t)st.st_size + 1);
    n = fread(text, 1, (size_t)st.st_size, f);
    fclose(f);
    text[n] = '\0';
    cJSON_AddNumberToObject(r, "mode", (double)(st.st_mode & 0777));
    cJSON_AddStringToObject(r, "csv", text);
    rc = ks_oee_dmt_parse(&rows, text, err, errsz);
    free(text);
    if (!rc)
        cJSON_AddItemToObject(r, "parsed", rows);
    return rc;
}

/*
 * Pattern 3: the DMT export of the summaries queued since the last one
 * (given.connector.oee.pattern "file"), into the scenario's scratch
 * directory (options: crash_at). Result: the flow's counts, written, rows,
 * file, files (oee-dmt-*.csv in the directory), and the written file read
 * back: mode, csv, parsed (its rows by Epicor field name).
 */
static ks_rc job_flow_export(struct kh_ctx *ctx, const cJSON *options,
                             cJSON **result, char *err, size_t errsz)
{
    struct ks_oee_export_report rep;
    struct flow_run f;
    const char *dir;
    OEE_BEGIN

        (void)
    before;
    memset(&rep, 0, sizeof(rep));
    if (!(dir = kh__ctx_work_dir(ctx, err, errsz)))
        return KS_ERROR;
    rc = flow_open(&f, ctx, oee, kx_json_str(options, "crash_at"), err, errsz);
    if (rc)
        return rc;
    rc = ks_oee_flow_export(f.flow, dir, &rep);
    rc = flow_done(&f, ctx, rc, result, err, errsz);
    cJSON_AddBoolToObject(*result, "written", rep.written);
    cJSON_AddNumberToObject(*result, "rows", (double)rep.rows);
    cJSON_AddStringToObject(*result, "file", rep.file);
    cJSON_AddNumberToObject(*result, "files", dmt_files(dir));
    if (!rc && rep.written)
        rc = dmt_read_back(*result, dir, rep.file, err, errsz);
    return rc;
}

/* The reason-code dictionary from Epicor to options.scope. */
static ks_rc job_sync_reasons(struct kh_ctx *ctx, const cJSON *options,
                              cJSON **result, char *err, size_t errsz)
{
    struct flow_run f;
    const char *scope;
    OEE_BEGIN

    if (!(scope = need(options, "scope", err, errsz)))
        return KS_EINVAL;
    rc = flow_open(&f, ctx, oee, NULL, err, errsz);
    if (rc)
        return rc;
    rc = ks_oee_flow_sync_reasons(f.flow, scope, &f.stats);
    rc = flow_done(&f, ctx, rc, result, err, errsz);
    cJSON_AddNumberToObject(*result, "requests",
                            (double)(ks_oee_requests(oee) - before));
    return rc;
}

const struct kh_job kh_jobs_oee[] = {
    {"oee.sync_reasons", job_sync_reasons,
     "Epicor's scrap reasons and downtime codes to an OEE scope's "
     "dictionary (options: scope)",
     "scope"},
    {"oee.poll", job_poll,
     "pattern 2: one poll of the operations in process or in setup "
     "(options: interval_ms, max_requests, breaker_failures, "
     "breaker_cooldown_ms)",
     "interval_ms max_requests breaker_failures breaker_cooldown_ms"},
    {"oee.flow_events", job_flow_events,
     "pattern 1: the job events the receiver got, through the OEE flow "
     "(options: receiver, path, crash_at; given.connector.oee: plants, "
     "default_scope, ud_fields)",
     "receiver path crash_at"},
    {"oee.flow_export", job_flow_export,
     "pattern 3: the DMT file of the summaries queued since the last export, "
     "into the scenario's directory, read back (options: crash_at)",
     "crash_at"},
    {"oee.flow_recover", job_flow_recover,
     "resolve pending OEE summary intents after a restart", ""},
    {"oee.acknowledge", job_acknowledge,
     "tell the OEE side of a job (options: scope, job, event, extra)",
     "scope job event extra"},
    {"oee.bind", job_bind,
     "bind a work centre to a job operation, or unbind it without job "
     "(options: scope, work_center, job, assembly, operation, op_code, "
     "paused, reason)",
     "scope work_center job assembly operation op_code paused reason"},
    {"oee.measure", job_measure,
     "the summary of an operation over its bound segments, posted unless "
     "post is false (options: scope, work_center, job, assembly, operation, "
     "op_code, prod_standard, std_format, segments, post)",
     "scope work_center job assembly operation op_code prod_standard "
     "std_format segments post"},
    {"oee.reason_codes", job_reason_codes,
     "upload a reason-code dictionary (options: scope, codes)", "scope codes"},
    {"oee.dmt_export", job_dmt_export,
     "the DMT CSV of a scope's summaries and the file read back (options: "
     "scope, job, company)",
     "scope job company"},
    {NULL, NULL, NULL, NULL},
};

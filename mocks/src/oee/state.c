/*
 * The OEE emulator's declared configuration (given.oee), its machines on
 * the server clock, the snapshot and the scenario actions that drive the
 * shop floor (run, stop with a downtime reason, count good and scrap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "oee_emu.h"

#define STATE(v) struct km__oee_state *st = (v)

static cJSON *xobj(void)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        abort();
    return o;
}

static cJSON *xarr(void)
{
    cJSON *a = cJSON_CreateArray();

    if (!a)
        abort();
    return a;
}

static int segment_ok(const char *s)
{
    return *s && !strchr(s, '/');
}

static int set_api_keys(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);
    const cJSON *it;
    int i = 0;

    cJSON_ArrayForEach(it, v)
    {
        const char *key = kx_json_str(it, "key");

        if (!key || !*key) {
            snprintf(err, errsz, "/%d/key: required, a non-empty string", i);
            return -1;
        }
        i++;
    }
    cJSON_Delete(st->api_keys);
    st->api_keys = cJSON_Duplicate(v, 1);
    if (!st->api_keys)
        abort();
    return 0;
}

static cJSON *work_center_new(const char *scope, const char *id, int running,
                              int64_t now)
{
    cJSON *w = xobj();
    char key[300];

    snprintf(key, sizeof(key), "%s/%s", scope, id);
    cJSON_AddStringToObject(w, "key", key);
    cJSON_AddStringToObject(w, "scope", scope);
    cJSON_AddStringToObject(w, "id", id);
    cJSON_AddStringToObject(w, "state", running ? "running" : "stopped");
    if (running)
        cJSON_AddNullToObject(w, "reason");
    else
        cJSON_AddStringToObject(w, "reason", "NOT-STARTED");
    cJSON_AddNumberToObject(w, "since", (double)now);
    cJSON_AddNumberToObject(w, "good", 0);
    cJSON_AddNumberToObject(w, "scrap", 0);
    cJSON_AddNullToObject(w, "binding");
    cJSON_AddItemToObject(w, "_segments", xarr());
    cJSON_AddItemToObject(w, "_counts", xarr());
    return w;
}

static int set_scopes(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);
    const cJSON *it, *wc;
    int64_t now = ks_clock_now_ms(st->clock);
    int i = 0;

    cJSON_ArrayForEach(it, v)
    {
        const char *id = kx_json_str(it, "id");
        const char *plant = kx_json_str(it, "plant");
        const cJSON *wcs = kx_json_arr(it, "work_centers");
        cJSON *scope;
        int j = 0;

        if (!id || !segment_ok(id)) {
            snprintf(err, errsz, "/%d/id: required, one path segment", i);
            return -1;
        }
        if (km__oee_scope(st, id)) {
            snprintf(err, errsz, "/%d/id: scope \"%s\" given twice", i, id);
            return -1;
        }
        scope = xobj();
        cJSON_AddStringToObject(scope, "id", id);
        if (plant)
            cJSON_AddStringToObject(scope, "plant", plant);
        else
            cJSON_AddNullToObject(scope, "plant");
        cJSON_AddItemToArray(st->scopes, scope);
        cJSON_ArrayForEach(wc, wcs)
        {
            if (!cJSON_IsString(wc) || !segment_ok(wc->valuestring)) {
                snprintf(err, errsz,
                         "/%d/work_centers/%d: must be one path segment", i, j);
                return -1;
            }
            if (km__oee_work_center(st, id, wc->valuestring)) {
                snprintf(err, errsz, "/%d/work_centers/%d: \"%s\" given twice",
                         i, j, wc->valuestring);
                return -1;
            }
            cJSON_AddItemToArray(
                st->work_centers,
                work_center_new(id, wc->valuestring, st->start_running, now));
            j++;
        }
        i++;
    }
    return 0;
}

static int set_window(void *state, const cJSON *v, char *err, size_t errsz)
{
    STATE(state);

    if (v->valuedouble < 0) {
        snprintf(err, errsz, "must be 0 or more");
        return -1;
    }
    st->max_window_s = (int64_t)v->valuedouble;
    return 0;
}

static const struct km_config_key api_key_members[] = {
    {KM_CONFIG_KEY("key", KM_CONFIG_STRING, NULL,
                   "The key (required): sent as \"Authorization: Bearer KEY\" "
                   "or \"X-API-Key: KEY\".",
                   NULL)},
    {KM_CONFIG_KEY("scopes", KM_CONFIG_ARRAY, NULL,
                   "The plant scopes the key may use (strings); absent: "
                   "every scope.",
                   NULL)},
};

static const struct km_config_key scope_members[] = {
    {KM_CONFIG_KEY("id", KM_CONFIG_STRING, NULL,
                   "The scope's id (required, one path segment).", NULL)},
    {KM_CONFIG_KEY("plant", KM_CONFIG_STRING, NULL,
                   "The Epicor plant the scope stands for (informational).",
                   NULL)},
    {KM_CONFIG_KEY("work_centers", KM_CONFIG_ARRAY, NULL,
                   "The scope's work centre ids (strings, one path segment "
                   "each; Epicor resource group ids).",
                   NULL)},
};

const struct km_config_key km__oee_config_keys[KM__OEE_NCONFIG] = {
    {KM_CONFIG_KEY("start_running", KM_CONFIG_BOOLEAN, "true",
                   "Machines start running at the clock's start (false: "
                   "stopped with reason NOT-STARTED).",
                   km_config_set_flag),
     KM_CONFIG_FIELD(struct km__oee_state, start_running)},
    {KM_CONFIG_KEY("api_keys", KM_CONFIG_ARRAY, "[{\"key\": \"oee-test-key\"}]",
                   "The API keys the API accepts, each limited to some "
                   "scopes or not.",
                   set_api_keys),
     KM_CONFIG_MEMBERS(api_key_members)},
    {KM_CONFIG_KEY("scopes", KM_CONFIG_ARRAY,
                   "[{\"id\": \"MAIN\", \"work_centers\": [\"WC-1\"]}]",
                   "Plant scopes and their work centres.", set_scopes),
     KM_CONFIG_MEMBERS(scope_members)},
    {KM_CONFIG_KEY("max_window_s", KM_CONFIG_INTEGER, "604800",
                   "The longest timeline window a read may ask for, in "
                   "seconds (0: no limit); longer is 400.",
                   set_window),
     .schema = "{\"minimum\": 0}"},
};

int km__oee_state_new(void **state, const cJSON *config, struct ks_clock *clock,
                      char *err, size_t errsz)
{
    struct km__oee_state *st = kx_xcalloc(1, sizeof(*st));

    *state = NULL;
    st->clock = clock;
    st->scopes = xarr();
    st->work_centers = xarr();
    st->acks = xarr();
    st->bindings = xarr();
    st->summaries = xarr();
    st->reason_codes = xobj();
    if (km_config_apply(st, &km_oee_type, config, "", err, errsz)) {
        km__oee_state_free(st);
        return -1;
    }
    *state = st;
    return 0;
}

void km__oee_state_free(void *state)
{
    STATE(state);

    if (!st)
        return;
    cJSON_Delete(st->api_keys);
    cJSON_Delete(st->scopes);
    cJSON_Delete(st->work_centers);
    cJSON_Delete(st->acks);
    cJSON_Delete(st->bindings);
    cJSON_Delete(st->summaries);
    cJSON_Delete(st->reason_codes);
    free(st);
}

cJSON *km__oee_scope(const struct km__oee_state *st, const char *id)
{
    cJSON *it;

    cJSON_ArrayForEach(it, st->scopes)
    {
        if (strcmp(kx_json_str_or(it, "id", ""), id) == 0)
            return it;
    }
    return NULL;
}

cJSON *km__oee_work_center(const struct km__oee_state *st, const char *scope,
                           const char *wc)
{
    cJSON *it;

    cJSON_ArrayForEach(it, st->work_centers)
    {
        if (strcmp(kx_json_str_or(it, "scope", ""), scope) == 0 &&
            strcmp(kx_json_str_or(it, "id", ""), wc) == 0)
            return it;
    }
    return NULL;
}

static void put_iso(cJSON *o, const char *name, int64_t ms)
{
    char iso[KX_ISO8601_MAX];

    kx_iso8601_format(iso, ms, 0);
    cJSON_AddStringToObject(o, name, iso);
}

cJSON *km__oee_work_center_public(const cJSON *w)
{
    cJSON *o = km__storefront_public(w);

    cJSON_DeleteItemFromObjectCaseSensitive(o, "since");
    put_iso(o, "since", (int64_t)kx_json_num(w, "since", 0));
    return o;
}

/* ---- timeline ------------------------------------------------------------ */

struct loss {
    const char *reason;
    int64_t ms;
    int count;
};

static void state_add(cJSON *states, struct loss *stops, size_t *nstops,
                      size_t maxstops, const char *state, const char *reason,
                      int64_t a, int64_t b, int64_t *running, int64_t *stopped)
{
    cJSON *s;
    size_t i;

    if (b <= a)
        return;
    s = xobj();
    cJSON_AddStringToObject(s, "state", state);
    if (reason)
        cJSON_AddStringToObject(s, "reason", reason);
    else
        cJSON_AddNullToObject(s, "reason");
    put_iso(s, "from", a);
    put_iso(s, "to", b);
    cJSON_AddNumberToObject(s, "ms", (double)(b - a));
    cJSON_AddItemToArray(states, s);
    if (strcmp(state, "running") == 0) {
        *running += b - a;
        return;
    }
    *stopped += b - a;
    reason = reason ? reason : "UNKNOWN";
    for (i = 0; i < *nstops; i++) {
        if (strcmp(stops[i].reason, reason) == 0)
            break;
    }
    if (i == *nstops) {
        if (*nstops == maxstops)
            return;
        stops[(*nstops)++] = (struct loss){reason, 0, 0};
    }
    stops[i].ms += b - a;
    stops[i].count++;
}

static cJSON *losses_json(const struct loss *l, size_t n, const char *unit)
{
    cJSON *a = xarr();

    for (size_t i = 0; i < n; i++) {
        cJSON *o = xobj();

        cJSON_AddStringToObject(o, "reason", l[i].reason);
        cJSON_AddNumberToObject(o, unit, (double)l[i].ms);
        if (strcmp(unit, "ms") == 0)
            cJSON_AddNumberToObject(o, "count", l[i].count);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

#define MAX_REASONS 64

cJSON *km__oee_timeline(const cJSON *w, int64_t from, int64_t to, int64_t now)
{
    struct loss stops[MAX_REASONS], scrap[MAX_REASONS];
    size_t nstops = 0, nscrap = 0;
    int64_t running = 0, stopped = 0, good = 0, bad = 0;
    cJSON *out = xobj(), *states = xarr();
    const cJSON *seg, *c;

    if (to > now)
        to = now;
    if (to < from)
        to = from;
    cJSON_ArrayForEach(seg, kx_json_arr(w, "_segments"))
    {
        int64_t a = (int64_t)kx_json_num(seg, "from", 0);
        int64_t b = (int64_t)kx_json_num(seg, "to", 0);

        state_add(states, stops, &nstops, MAX_REASONS,
                  kx_json_str_or(seg, "state", "stopped"),
                  kx_json_str(seg, "reason"), a > from ? a : from,
                  b < to ? b : to, &running, &stopped);
    }
    {
        int64_t a = (int64_t)kx_json_num(w, "since", 0);

        state_add(states, stops, &nstops, MAX_REASONS,
                  kx_json_str_or(w, "state", "stopped"),
                  kx_json_str(w, "reason"), a > from ? a : from, to, &running,
                  &stopped);
    }
    cJSON_ArrayForEach(c, kx_json_arr(w, "_counts"))
    {
        int64_t at = (int64_t)kx_json_num(c, "at", 0);
        int64_t s = (int64_t)kx_json_num(c, "scrap", 0);
        const char *reason = kx_json_str_or(c, "reason", "UNKNOWN");
        size_t i;

        if (at <= from || at > to)
            continue;
        good += (int64_t)kx_json_num(c, "good", 0);
        bad += s;
        if (!s)
            continue;
        for (i = 0; i < nscrap && strcmp(scrap[i].reason, reason); i++)
            ;
        if (i == nscrap && nscrap < MAX_REASONS)
            scrap[nscrap++] = (struct loss){reason, 0, 0};
        if (i < nscrap)
            scrap[i].ms += s;
    }
    put_iso(out, "from", from);
    put_iso(out, "to", to);
    cJSON_AddNumberToObject(out, "window_ms", (double)(to - from));
    cJSON_AddNumberToObject(out, "running_ms", (double)running);
    cJSON_AddNumberToObject(out, "stopped_ms", (double)stopped);
    cJSON_AddItemToObject(out, "states", states);
    cJSON_AddItemToObject(out, "stops", losses_json(stops, nstops, "ms"));
    cJSON_AddNumberToObject(out, "good", (double)good);
    cJSON_AddNumberToObject(out, "scrap", (double)bad);
    cJSON_AddItemToObject(out, "scrap_by_reason",
                          losses_json(scrap, nscrap, "units"));
    return out;
}

/* ---- snapshot --------------------------------------------------------------
 */

cJSON *km__oee_snapshot(void *state)
{
    STATE(state);
    cJSON *snap = xobj(), *wcs = xarr(), *it;

    cJSON_ArrayForEach(it, st->work_centers)
        cJSON_AddItemToArray(wcs, km__oee_work_center_public(it));
    cJSON_AddItemToObject(snap, "scopes", cJSON_Duplicate(st->scopes, 1));
    cJSON_AddItemToObject(snap, "work_centers", wcs);
    cJSON_AddItemToObject(snap, "acknowledgements",
                          cJSON_Duplicate(st->acks, 1));
    cJSON_AddItemToObject(snap, "bindings", cJSON_Duplicate(st->bindings, 1));
    cJSON_AddItemToObject(snap, "summaries", cJSON_Duplicate(st->summaries, 1));
    cJSON_AddItemToObject(snap, "reason_codes",
                          cJSON_Duplicate(st->reason_codes, 1));
    return snap;
}

/* ---- actions
 * ------------------------------------------------------------------ */

/* The work centre args name: {"scope", "work_center"}; scope may be left
 * out when one scope alone has the work centre. */
static cJSON *args_work_center(struct km__oee_state *st, const cJSON *args,
                               char *err, size_t errsz)
{
    const char *scope = kx_json_str(args, "scope");
    const char *id = kx_json_str(args, "work_center");
    cJSON *it, *found = NULL;
    int n = 0;

    if (!id) {
        snprintf(err, errsz, "oee: /work_center: required, a string");
        return NULL;
    }
    cJSON_ArrayForEach(it, st->work_centers)
    {
        if (strcmp(kx_json_str_or(it, "id", ""), id) == 0 &&
            (!scope || strcmp(kx_json_str_or(it, "scope", ""), scope) == 0)) {
            found = it;
            n++;
        }
    }
    if (n == 1)
        return found;
    if (n == 0)
        snprintf(err, errsz, "oee: /work_center: no work centre \"%s\"%s%s", id,
                 scope ? " in scope " : "", scope ? scope : "");
    else
        snprintf(err, errsz,
                 "oee: /scope: work centre \"%s\" is in several scopes", id);
    return NULL;
}

/* Closes the current segment at now and opens state/reason. */
static void machine_set(cJSON *w, const char *state, const char *reason,
                        int64_t now)
{
    int64_t since = (int64_t)kx_json_num(w, "since", 0);
    cJSON *seg;

    if (now > since) {
        seg = xobj();
        cJSON_AddStringToObject(seg, "state", kx_json_str_or(w, "state", ""));
        if (kx_json_str(w, "reason"))
            cJSON_AddStringToObject(seg, "reason", kx_json_str(w, "reason"));
        else
            cJSON_AddNullToObject(seg, "reason");
        cJSON_AddNumberToObject(seg, "from", (double)since);
        cJSON_AddNumberToObject(seg, "to", (double)now);
        cJSON_AddItemToArray(kx_json_arr(w, "_segments"), seg);
    }
    km__storefront_set(w, "state", cJSON_CreateString(state));
    km__storefront_set(
        w, "reason", reason ? cJSON_CreateString(reason) : cJSON_CreateNull());
    km__storefront_set(w, "since", cJSON_CreateNumber((double)now));
}

static int act_count(cJSON *w, const cJSON *args, int64_t now, char *err,
                     size_t errsz)
{
    int64_t good = kx_json_int64(args, "good", 0);
    int64_t scrap = kx_json_int64(args, "scrap", 0);
    const char *reason = kx_json_str(args, "scrap_reason");
    cJSON *c;

    if (good < 0 || scrap < 0 || (good == 0 && scrap == 0)) {
        snprintf(err, errsz,
                 "oee: count: /good and /scrap must be 0 or "
                 "more, one of them positive");
        return -1;
    }
    c = xobj();
    cJSON_AddNumberToObject(c, "at", (double)now);
    cJSON_AddNumberToObject(c, "good", (double)good);
    cJSON_AddNumberToObject(c, "scrap", (double)scrap);
    if (reason)
        cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddItemToArray(kx_json_arr(w, "_counts"), c);
    km__storefront_set(
        w, "good",
        cJSON_CreateNumber(kx_json_num(w, "good", 0) + (double)good));
    km__storefront_set(
        w, "scrap",
        cJSON_CreateNumber(kx_json_num(w, "scrap", 0) + (double)scrap));
    return 0;
}

/*
 * "run" {scope?, work_center}: the machine runs from now.
 * "stop" {scope?, work_center, reason}: stopped from now with a downtime
 * reason code. "count" {scope?, work_center, good, scrap, scrap_reason}:
 * units counted now. Each answers the work centre's public state.
 */
int km__oee_act(void *state, const char *action, const cJSON *args,
                cJSON **result, char *err, size_t errsz)
{
    STATE(state);
    int64_t now = ks_clock_now_ms(st->clock);
    cJSON *w;

    *result = NULL;
    if (strcmp(action, "run") && strcmp(action, "stop") &&
        strcmp(action, "count")) {
        snprintf(err, errsz, "oee: unknown action \"%s\" (run, stop, count)",
                 action);
        return -1;
    }
    w = args_work_center(st, args, err, errsz);
    if (!w)
        return -1;
    if (strcmp(action, "run") == 0) {
        machine_set(w, "running", NULL, now);
    } else if (strcmp(action, "stop") == 0) {
        const char *reason = kx_json_str(args, "reason");

        if (!reason || !*reason) {
            snprintf(err, errsz,
                     "oee: stop: /reason: required, a downtime "
                     "reason code");
            return -1;
        }
        machine_set(w, "stopped", reason, now);
    } else if (act_count(w, args, now, err, errsz)) {
        return -1;
    }
    *result = km__oee_work_center_public(w);
    return 0;
}

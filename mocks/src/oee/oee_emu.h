/*
 * Internals of the OEE platform emulator shared by its files (prefix
 * km__oee_). Work centres, acknowledgements, bindings and summaries are
 * cJSON objects in arrays of the state; members starting with '_' are
 * private and never shown (the snapshot and the API print public copies).
 */
#ifndef KM_OEE_EMU_H
#define KM_OEE_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "common/server_int.h"
#include "common/storefront.h"
#include "kinmock/config.h"
#include "kinmock/emulator.h"

struct km__oee_state {
    struct ks_clock *clock;
    struct km_server *server;
    cJSON *api_keys; /* [{key, scopes}] (a copy of the configuration's) */
    cJSON *scopes;   /* [{id, plant}] */
    /* [{key "SCOPE/WC", scope, id, state, reason, since, good, scrap,
     *   binding, _segments [{state, reason, from, to}],
     *   _counts [{at, good, scrap, reason}]}] */
    cJSON *work_centers;
    cJSON *acks;         /* [{key "SCOPE/JOB/EVENT", ..., posts}] */
    cJSON *bindings;     /* every binding PUT and DELETE, in order */
    cJSON *summaries;    /* [{key "SCOPE/JOB/ASM/OPR", ..., posts}] */
    cJSON *reason_codes; /* {scope: [{code, type, description}]} */
    int start_running;
    int64_t max_window_s; /* the longest timeline window; 0: none */
};

/* ---- state.c: configuration, machines, snapshot, actions ---------------- */

#define KM__OEE_NCONFIG 4
extern const struct km_config_key km__oee_config_keys[];
int km__oee_state_new(void **state, const cJSON *config, struct ks_clock *clock,
                      char *err, size_t errsz);
void km__oee_state_free(void *state);
cJSON *km__oee_snapshot(void *state);
int km__oee_act(void *state, const char *action, const cJSON *args,
                cJSON **result, char *err, size_t errsz);

/* The scope object of id, or NULL. */
cJSON *km__oee_scope(const struct km__oee_state *st, const char *id);
/* The work centre wc of scope, or NULL. */
cJSON *km__oee_work_center(const struct km__oee_state *st, const char *scope,
                           const char *wc);
/* The public copy of a work centre at now (no '_' members). */
cJSON *km__oee_work_center_public(const cJSON *w);
/*
 * What a work centre did in the window (from, to] of the server clock,
 * to clipped to now: {"from", "to" (ISO 8601), "window_ms", "running_ms",
 * "stopped_ms", "states": [{state, reason, from, to, ms}], "stops":
 * [{reason, ms, count}], "good", "scrap", "scrap_by_reason": [{reason,
 * units}]}. Caller deletes.
 */
cJSON *km__oee_timeline(const cJSON *w, int64_t from, int64_t to, int64_t now);

/* ---- api.c ----------------------------------------------------------------
 */

extern const struct km_emulator_type km_oee_type;

#endif

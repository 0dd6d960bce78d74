/*
 * The Epicor emulator tests' own helpers: an emulator on a virtual clock
 * from inline JSON (as cmocka state too), and requests to it with the
 * Epicor headers, through tests/support (kt_http; fixtures: kt_fixture).
 */
#ifndef KS_TEST_EPI_TEST_H
#define KS_TEST_EPI_TEST_H

#include <cjson/cJSON.h>
#include <kinsync/clock.h>
#include "kinmock/emulator.h"
#include "kt.h"

/* Basic manager:manager and the default API key of the emulator. */
#define EPI_BASIC "Authorization: Basic bWFuYWdlcjptYW5hZ2Vy"
#define EPI_KEY "x-api-key: km-epicor-test-key"

struct epi_env {
    struct ks_clock *clock;
    struct km_emulator *emu;
};

struct epi_resp {
    long status;
    char *body;
    cJSON *json; /* NULL unless the body is JSON */
};

/* Starts the emulator with config (JSON text); fails the test on error. */
void epi_start(struct epi_env *env, const char *config);
void epi_stop(struct epi_env *env);
/* cmocka setup from a configuration (taken: deleted here) and teardown:
 * the state is a calloc'd struct epi_env. */
int epi_setup(void **state, cJSON *config);
int epi_teardown(void **state);

/* path starts with '/'; headers: NULL-terminated "Name: value" list. */
void epi_http(struct epi_resp *r, struct epi_env *env, const char *method,
              const char *path, const char *const *headers, const char *body);
/* v2 request with Basic + API key. */
void epi_v2(struct epi_resp *r, struct epi_env *env, const char *method,
            const char *rest, const char *body);
void epi_resp_free(struct epi_resp *r);
/* POSTs body (deleted) to Service/Method over v2, fails the test unless
 * the status is status; returns the reply JSON. */
cJSON *epi_call(struct epi_env *env, const char *svc_method, cJSON *body,
                long status);
/* A new body {"ds": parameters.ds of reply}; reply is deleted. */
cJSON *epi_ds_body(cJSON *reply);

/* The shop floor: the emulator with fixtures/epicor/shopfloor in EPIC06,
 * jobs-other-company.json in EPIC07, users manager:manager and oee:oee,
 * and extra configuration members (JSON text without braces, or ""). */
void epi_start_shopfloor(struct epi_env *env, const char *extra);
/* Basic oee:oee. */
#define EPI_OEE_BASIC "Authorization: Basic b2VlOm9lZQ=="
/* The emulator's snapshot (caller deletes). */
cJSON *epi_snapshot(struct epi_env *env);
/* Runs an action (args JSON text); fails the test unless it returns
 * want (0 or -1); returns its result (caller deletes; may be NULL). */
cJSON *epi_act(struct epi_env *env, const char *action, const char *args,
               int want);
/* GET rest over v2; fails unless status; returns the JSON. */
cJSON *epi_get(struct epi_env *env, const char *rest, long status);
/* {"ds": the tableset JobEntrySvc/GetByID answers for job_num}. */
cJSON *epi_job_ds(struct epi_env *env, const char *job_num);
/* Rows in a collection reply's "value". */
int epi_count(const cJSON *page);

#endif

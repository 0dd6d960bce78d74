/*
 * Helpers for the Epicor emulator tests: start an emulator on a virtual
 * clock from inline JSON, and make HTTP requests to it with libcurl.
 */
#ifndef KS_TEST_EPI_TEST_H
#define KS_TEST_EPI_TEST_H

#include <cjson/cJSON.h>
#include <kinsync/clock.h>
#include "kinmock/emulator.h"

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

/* path starts with '/'; headers: NULL-terminated "Name: value" list. */
void epi_http(struct epi_resp *r, struct epi_env *env, const char *method,
              const char *path, const char *const *headers, const char *body);
/* v2 request with Basic + API key. */
void epi_v2(struct epi_resp *r, struct epi_env *env, const char *method,
            const char *rest, const char *body);
void epi_resp_free(struct epi_resp *r);

/* Reads a file under fixtures/ into JSON (fails the test if missing). */
cJSON *epi_fixture(const char *rel);

#endif

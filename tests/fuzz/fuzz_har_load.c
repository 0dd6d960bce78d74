/*
 * fuzz.har_load: the loader of `kinsync replay` (kh_replay_load in
 * host/src/replay.c) on arbitrary bytes read as a HAR document.
 *
 * Invariants: input that is not JSON never reaches the loader; a refusal
 * explains itself in one line that names the entry by its JSON pointer
 * (or says the file is not HAR) and keeps nothing (LeakSanitizer checks);
 * an accepted recording has 0..KH_REPLAY_MAX_SYSTEMS systems holding
 * every entry of /log/entries exactly once, each with a method, a path
 * and a status 100..599 — a status of 1e300 or 200.5 is refused, never
 * converted. Replaying the recording's own requests in order, strictly,
 * every one gets an answer (the recording matches itself: query order,
 * percent-encoding and JSON member order aside) and none is unmatched.
 */
#include "fuzz.h"
#include "engine.h"
#include "replay.h"
#include <curl/curl.h>

#define TARGET "fuzz_har_load"

static void check_refusal(const char *err)
{
    if (!err[0] || strchr(err, '\n'))
        fuzz_violation(TARGET, "a refusal without a one-line reason");
    if (strncmp(err, "/log/entries/", 13) != 0 && !strstr(err, "not HAR"))
        fuzz_violation(TARGET, "a refusal that names no entry");
}

static void check_loaded(const struct kh_replay_system *systems, int n,
                         const cJSON *har)
{
    size_t total = 0;

    if (n > KH_REPLAY_MAX_SYSTEMS)
        fuzz_violation(TARGET, "more systems than the limit");
    for (int i = 0; i < n; i++) {
        if (!systems[i].name[0] || systems[i].n == 0)
            fuzz_violation(TARGET, "a system without name or entries");
        for (size_t k = 0; k < systems[i].n; k++) {
            const struct kh_replay_entry *e = &systems[i].entries[k];

            if (!e->method || !e->path || !cJSON_IsObject(e->response))
                fuzz_violation(TARGET, "an entry without method or path");
            if (e->status < 100 || e->status > 599)
                fuzz_violation(TARGET, "a status outside 100..599 accepted");
        }
        total += systems[i].n;
    }
    if (total !=
        (size_t)cJSON_GetArraySize(kh_json_pointer(har, "/log/entries")))
        fuzz_violation(TARGET, "entries lost or counted twice");
}

/* Asks for every entry of har in order as a live request would. */
static void replay_itself(struct kh_replay_system *systems, int n,
                          const cJSON *har)
{
    const cJSON *e;
    long unmatched = 0;
    char why[600];

    cJSON_ArrayForEach(e, kh_json_pointer(har, "/log/entries"))
    {
        const char *url = kx_json_str(kh_json_pointer(e, "/request"), "url");
        const char *method =
            kx_json_str(kh_json_pointer(e, "/request"), "method");
        const char *text =
            kx_json_str(kh_json_pointer(e, "/request/postData"), "text");
        CURLU *u = curl_url();
        char *path = NULL, *query = NULL;

        if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) ==
                CURLUE_OK) {
            struct kh_replay_request req = {method, path, "", text,
                                            text ? strlen(text) : 0};

            curl_url_get(u, CURLUPART_QUERY, &query, 0);
            req.query = query ? query : "";
            for (int i = 0; i < n; i++) {
                for (size_t k = 0; k < systems[i].n; k++) {
                    if (systems[i].entries[k].method == method &&
                        !kh_replay_pick(&systems[i], &req, KH_REPLAY_STRICT,
                                        why, sizeof(why))) {
                        if (!why[0] || strchr(why, '\n'))
                            fuzz_violation(TARGET, "a miss without a reason");
                        unmatched++;
                    }
                }
            }
        }
        curl_free(path);
        curl_free(query);
        curl_url_cleanup(u);
    }
    if (unmatched)
        fuzz_violation(TARGET, "a recording does not match itself");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kh_replay_system systems[KH_REPLAY_MAX_SYSTEMS];
    cJSON *har = cJSON_ParseWithLength((const char *)data, size);
    char err[256] = "";
    int n;

    if (!har)
        return 0;
    memset(systems, 0, sizeof(systems));
    n = kh_replay_load(systems, har, err, sizeof(err));
    if (n < 0)
        check_refusal(err);
    else {
        check_loaded(systems, n, har);
        replay_itself(systems, n, har);
    }
    kh_replay_dispose(systems, n);
    cJSON_Delete(har);
    return 0;
}

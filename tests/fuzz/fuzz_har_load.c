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
 * converted.
 */
#include "fuzz.h"
#include "engine.h"
#include "replay.h"

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
    else
        check_loaded(systems, n, har);
    kh_replay_dispose(systems, n);
    cJSON_Delete(har);
    return 0;
}

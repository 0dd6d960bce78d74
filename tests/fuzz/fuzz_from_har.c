/*
 * fuzz.from_har: the inference of `kinsync scenario from-har`
 * (engine/src/from_har*.c) on arbitrary bytes read as a HAR document.
 *
 * Invariants: a refusal is one line naming the entry by its JSON pointer
 * (or saying the file is not HAR) and keeps nothing (LeakSanitizer
 * checks); an accepted recording gives a scenario with a name, a given, a
 * non-empty when and a then whose request counts add up to the number of
 * entries; every then.state key is a well-formed pointer; only recorded
 * systems get an emulator section, and each of them gets credentials in
 * given.connector. Whatever the responses hold (value not an array, data
 * a string, rows without keys, batch answers with errors), nothing
 * crashes.
 */
#include "fuzz.h"
#include "engine.h"
#include "from_har.h"

#define TARGET "fuzz_from_har"

static void check_refusal(const char *err)
{
    if (!err[0] || strchr(err, '\n'))
        fuzz_violation(TARGET, "a refusal without a one-line reason");
    if (strncmp(err, "/log/entries", 12) != 0)
        fuzz_violation(TARGET, "a refusal that names no entry");
}

static void check_scenario(const cJSON *sc, const struct kh__fh_recording *rec)
{
    static const char *const systems[] = {"epicor", "bigcommerce",
                                          "woocommerce"};
    const cJSON *given = kx_json_obj(sc, "given"), *r, *sys, *ptr;
    double total = 0;

    if (!kx_json_str(sc, "name") || !given ||
        cJSON_GetArraySize(kx_json_arr(sc, "when")) < 1)
        fuzz_violation(TARGET, "a scenario without name, given or steps");
    cJSON_ArrayForEach(r, kh_json_pointer(sc, "/then/requests"))
    {
        if (kx_json_num(r, "count", 0) < 1 || !kx_json_str(r, "route"))
            fuzz_violation(TARGET, "a request expectation without count");
        total += kx_json_num(r, "count", 0);
    }
    if (total != (double)rec->n)
        fuzz_violation(TARGET, "request counts do not add up to the entries");
    cJSON_ArrayForEach(sys, kh_json_pointer(sc, "/then/state"))
    {
        cJSON_ArrayForEach(ptr, sys)
        {
            if (kh_json_pointer_check(ptr->string, NULL, 0) != 0)
                fuzz_violation(TARGET, "a malformed then.state pointer");
        }
    }
    for (size_t i = 0; i < 3; i++) {
        int has = kh__fh_has(rec, systems[i]);

        if (has != (kx_json_obj(given, systems[i]) != NULL))
            fuzz_violation(TARGET, "an emulator section of another system");
        if (has && !kx_json_obj(kx_json_obj(given, "connector"), systems[i]))
            fuzz_violation(TARGET, "a recorded system without credentials");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kh__fh_recording rec;
    cJSON *har = cJSON_ParseWithLength((const char *)data, size);
    cJSON *sc, *notes = NULL;
    char err[256] = "", *text;

    if (!har)
        return 0;
    if (kh__fh_read(&rec, har, err, sizeof(err)) != 0) {
        check_refusal(err);
    } else {
        sc = kh__fh_scenario(&notes, &rec, "fuzzed recording", "fuzz.har");
        check_scenario(sc, &rec);
        text = cJSON_PrintUnformatted(sc);
        if (!text)
            fuzz_violation(TARGET, "a scenario that does not print");
        cJSON_free(text);
        cJSON_Delete(sc);
        cJSON_Delete(notes);
        kh__fh_dispose(&rec);
    }
    cJSON_Delete(har);
    return 0;
}

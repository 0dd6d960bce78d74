/*
 * fuzz.fault_rules: validation of fault rules given as JSON
 * (km_server_faults_add, mocks/src/common/faults.c) and the firing
 * decision for rules that pass.
 *
 * One km_server is started on 127.0.0.1, port 0, the first time and kept
 * for the whole run; no request is ever sent to it. Rules are cleared
 * after each input, so inputs do not see each other.
 *
 * Invariants: JSON that is neither an object nor an array is refused; a
 * refusal adds nothing and says why; an accepted input adds exactly one
 * rule per element, each counting zero firings; a rule that fires is one
 * of those; "times" is never exceeded.
 */
#include "fuzz.h"
#include "common/server_int.h"

#define TARGET "fuzz_fault_rules"

/* Patterns with many '*' backtrack exponentially in km_glob_match (see
 * README.md); the firing check skips them so that a run measures the
 * validation, not that known cost. */
#define MAX_STARS 4

static const char *const requests[][2] = {
    {"GET", "/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"},
    {"POST", "/wp-json/wc/v3/orders/batch"},
    {"PUT", "/stores/abc123/v3/catalog/products"},
    {"DELETE", "/x"},
    {"GET", "/"},
};

static struct km_server *server(void)
{
    static struct km_server *s;
    struct km_server_options o;
    char err[256];

    if (!s) {
        memset(&o, 0, sizeof(o));
        o.name = "fuzz";
        o.bind_addr = "127.0.0.1";
        if (km_server_start(&s, &o, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: cannot start a server: %s\n", TARGET, err);
            abort();
        }
    }
    return s;
}

static size_t rule_count(struct km_server *s)
{
    cJSON *fired = km_server_faults_fired(s), *n;
    size_t count = (size_t)cJSON_GetArraySize(fired);

    cJSON_ArrayForEach(n, fired)
    {
        if (!cJSON_IsNumber(n) || n->valuedouble < 0)
            fuzz_violation(TARGET, "a firing count that is no count");
    }
    cJSON_Delete(fired);
    return count;
}

static int stars_in(const cJSON *rules)
{
    char *text = cJSON_PrintUnformatted(rules);
    int stars = 0;

    if (!text)
        abort();
    for (const char *p = text; *p; p++)
        stars += *p == '*';
    cJSON_free(text);
    return stars;
}

/* Sends each request through the rules a few times; a rule with "times"
 * fires at most that often. */
static void fire(struct km_server *s, const cJSON *rules, size_t n)
{
    size_t nreq = sizeof(requests) / sizeof(requests[0]);
    long *count = calloc(n ? n : 1, sizeof(*count));

    if (!count)
        abort();
    for (int round = 0; round < 3; round++) {
        for (size_t r = 0; r < nreq; r++) {
            struct km__fault_hit hit;

            km__faults_pick(s, requests[r][0], requests[r][1], NULL, &hit);
            if (hit.fired) {
                if (hit.index < 0 || (size_t)hit.index >= n || !hit.rule)
                    fuzz_violation(TARGET, "a hit names no added rule");
                count[hit.index]++;
            }
            km__fault_hit_dispose(&hit);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *rule =
            cJSON_IsArray(rules) ? cJSON_GetArrayItem(rules, (int)i) : rules;
        const cJSON *times = cJSON_GetObjectItemCaseSensitive(rule, "times");

        if (cJSON_IsNumber(times) && count[i] > (long)times->valuedouble)
            fuzz_violation(TARGET, "a rule fired more than \"times\"");
    }
    free(count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct km_server *s = server();
    cJSON *rules = cJSON_ParseWithLength((const char *)data, size);
    char err[256];
    size_t n;
    int rc;

    memset(err, 'x', sizeof(err));
    rc = km_server_faults_add(s, rules, err, sizeof(err));
    n = cJSON_IsArray(rules) ? (size_t)cJSON_GetArraySize(rules) : 1;
    if (!memchr(err, '\0', sizeof(err)))
        fuzz_violation(TARGET, "err is not a string");
    if (rc != 0) {
        if (rc != -1 || err[0] == '\0')
            fuzz_violation(TARGET, "a refusal without a reason");
        if (rule_count(s) != 0)
            fuzz_violation(TARGET, "a refused input added rules");
    } else {
        if (!cJSON_IsArray(rules) && !cJSON_IsObject(rules))
            fuzz_violation(TARGET, "accepted rules that are no object");
        if (err[0] != '\0')
            fuzz_violation(TARGET, "an accepted input with an error");
        if (rule_count(s) != n)
            fuzz_violation(TARGET, "not one rule per element");
        if (stars_in(rules) <= MAX_STARS)
            fire(s, rules, n);
    }
    km_server_faults_clear(s);
    cJSON_Delete(rules);
    return 0;
}

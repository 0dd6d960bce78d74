/*
 * The format of expectations on state: pointer maps ({"/pointer": value or
 * matcher}) and then.state / wait.until ({"<system>": pointer map}),
 * including the rewrite offered for the old list form. Part of the
 * scenario format checks (format.c).
 */
#include <stdio.h>
#include <string.h>
#include <kx/json.h>
#include "format_int.h"
#include "run_int.h"
#include "scenario_int.h"

void kh__format_pointer_map(struct checker *c, const cJSON *v,
                            const char *pointer)
{
    const cJSON *item;

    if (!cJSON_IsObject(v)) {
        kh__problem(
            c->p, pointer,
            "must be an object mapping JSON pointers to expected values, "
            "such as {\"/count\": 3}");
        return;
    }
    cJSON_ArrayForEach(item, v)
    {
        char here[512], why[256];

        snprintf(here, sizeof(here), "%s", pointer);
        kh_json_pointer_append(here, sizeof(here), item->string);
        if (kh_json_pointer_check(item->string, why, sizeof(why)) != 0)
            kh__problem(c->p, here, "key \"%s\" is not a JSON pointer: %s",
                        item->string, why);
        else if (kh__match_kind(item) == KH_MATCH_INVALID)
            kh__problem(c->p, here,
                        "an object of one \"$\" member must be a matcher: "
                        "{\"$count\": N} (N a whole number, zero or more) or "
                        "{\"$absent\": true}");
    }
}

/* The pointer-map form of one old state expectation {"system", "pointer",
 * "count" | "equals" | "exists"}, printed into buf, to tell the author
 * exactly what to write instead. */
static void old_state_rewritten(char *buf, size_t bufsz, const cJSON *old)
{
    const char *system = kx_json_str(old, "system");
    const char *pointer = kx_json_str(old, "pointer");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(old, "count");
    const cJSON *equals = cJSON_GetObjectItemCaseSensitive(old, "equals");
    cJSON *map = cJSON_CreateObject(), *want = NULL;
    char *text;

    if (equals) {
        want = cJSON_Duplicate(equals, 1);
    } else if (count) {
        want = cJSON_CreateObject();
        cJSON_AddItemToObject(want, "$count", cJSON_Duplicate(count, 1));
    } else if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(old, "exists"))) {
        want = cJSON_CreateObject();
        cJSON_AddTrueToObject(want, "$absent");
    } else {
        want = cJSON_CreateString("<the value expected there>");
    }
    cJSON_AddItemToObject(
        cJSON_AddObjectToObject(map, system ? system : "<system>"),
        pointer ? pointer : "<pointer>", want);
    text = cJSON_PrintUnformatted(map);
    snprintf(buf, bufsz, "%s", text ? text : "?");
    cJSON_free(text);
    cJSON_Delete(map);
}

/* 1 when v is in the old form of state expectations: a list of, or one,
 * {"system", "pointer", "count" | "equals" | "exists"}. */
static int is_old_state_form(const cJSON *v)
{
    return cJSON_IsArray(v) ||
           (cJSON_IsObject(v) &&
            (cJSON_GetObjectItemCaseSensitive(v, "system") ||
             cJSON_GetObjectItemCaseSensitive(v, "pointer")));
}

/* Refuses the old form, each expectation with its rewriting. */
static void refuse_old_states(struct checker *c, const cJSON *v,
                              const char *pointer)
{
    const cJSON *item = cJSON_IsArray(v) ? v->child : v;
    size_t i = 0;

    for (; item; item = cJSON_IsArray(v) ? item->next : NULL) {
        char here[512], instead[1024];

        snprintf(here, sizeof(here), "%s", pointer);
        if (cJSON_IsArray(v))
            kh_json_pointer_append_index(here, sizeof(here), i++);
        old_state_rewritten(instead, sizeof(instead), item);
        kh__problem(c->p, here,
                    "the {\"system\", \"pointer\", \"count\"/\"equals\"/"
                    "\"exists\"} form is gone; write a map from system to JSON "
                    "pointer to expected value instead: %s",
                    instead);
    }
}

/* then.state and wait.until: {"<system>": pointer map}. */
void kh__format_states(struct checker *c, const cJSON *v, const char *pointer)
{
    const cJSON *item;

    if (is_old_state_form(v)) {
        refuse_old_states(c, v, pointer);
        return;
    }
    if (!cJSON_IsObject(v)) {
        kh__problem(
            c->p, pointer,
            "must be an object mapping systems to pointer maps, such as "
            "{\"epicor\": {\"/parts\": {\"$count\": 3}}}");
        return;
    }
    cJSON_ArrayForEach(item, v)
    {
        char here[512];
        cJSON name = {0};

        snprintf(here, sizeof(here), "%s", pointer);
        kh_json_pointer_append(here, sizeof(here), item->string);
        name.type = cJSON_String;
        name.valuestring = item->string;
        kh__format_value(c, &name, K_SYSTEM, here);
        kh__format_pointer_map(c, item, here);
    }
}

/*
 * Adobe Commerce's error bodies (MGS Webapi Response.php, MGD): a raw
 * phrase with %1 / %name placeholders and the parameters that fill them
 * (a list for %1.., an object for %name), optionally errors[] of the same
 * shape for aggregated input errors; IMS answers {"error",
 * "error_description"}.
 */
#include <ctype.h>
#include <string.h>
#include <kx/json.h>
#include "adobe_int.h"

/* The text a parameter stands for; numbers as Magento prints them. */
static const char *param_text(const cJSON *v, char buf[32])
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        snprintf(buf, 32, "%.15g", v->valuedouble);
        return buf;
    }
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "1" : "";
    return NULL;
}

/* The parameter named by the placeholder at p ("%1", "%fieldName");
 * *len gets the placeholder's length after '%'. */
static const cJSON *lookup(const cJSON *parameters, const char *p, size_t *len)
{
    size_t n = 0;

    while (isalnum((unsigned char)p[n]) || p[n] == '_')
        n++;
    *len = n;
    if (n == 0)
        return NULL;
    if (cJSON_IsArray(parameters)) {
        char *end;
        long i = strtol(p, &end, 10);

        *len = (size_t)(end - p);
        if (*len == 0 || i < 1)
            return NULL;
        return cJSON_GetArrayItem(parameters, (int)(i - 1));
    }
    if (cJSON_IsObject(parameters)) {
        const cJSON *it;

        cJSON_ArrayForEach(it, parameters)
        {
            if (strlen(it->string) == n && strncmp(it->string, p, n) == 0)
                return it;
        }
    }
    return NULL;
}

char *ks__adobe_phrase(const char *message, const cJSON *parameters)
{
    struct ks__buf b = KS__BUF_INIT;
    const char *p = message;

    while (*p) {
        const char *pct = strchr(p, '%');
        const cJSON *v;
        char buf[32];
        const char *text;
        size_t len = 0;

        if (!pct) {
            ks__buf_append(&b, p, strlen(p));
            break;
        }
        ks__buf_append(&b, p, (size_t)(pct - p));
        v = lookup(parameters, pct + 1, &len);
        text = v ? param_text(v, buf) : NULL;
        if (text) {
            ks__buf_append(&b, text, strlen(text));
            p = pct + 1 + len;
        } else { /* an unknown placeholder stays as it is */
            ks__buf_append(&b, "%", 1);
            p = pct + 1;
        }
    }
    if (b.oom) {
        ks__buf_dispose(&b);
        return NULL;
    }
    return b.data ? ks__buf_detach(&b) : ks__strdup("");
}

/* "adobe: <message>[; <error>...]" of an Adobe body, or NULL. */
static char *adobe_text(const cJSON *body)
{
    const char *message = kx_json_str(body, "message");
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(body, "errors");
    const cJSON *e;
    struct ks__buf b = KS__BUF_INIT;
    char *one;

    if (!message)
        return NULL;
    one = ks__adobe_phrase(
        message, cJSON_GetObjectItemCaseSensitive(body, "parameters"));
    ks__buf_printf(&b, "adobe: %s", one ? one : message);
    ks__free(one);
    cJSON_ArrayForEach(e, errors)
    {
        const char *m = kx_json_str(e, "message");

        if (!m)
            continue;
        one = ks__adobe_phrase(
            m, cJSON_GetObjectItemCaseSensitive(e, "parameters"));
        ks__buf_printf(&b, "; %s", one ? one : m);
        ks__free(one);
    }
    if (b.oom) {
        ks__buf_dispose(&b);
        return NULL;
    }
    return ks__buf_detach(&b);
}

void ks__adobe_remote_error(struct ks_client *c, const cJSON *body)
{
    const char *error = kx_json_str(body, "error");
    const char *description = kx_json_str(body, "error_description");
    char *text = adobe_text(body);

    if (!text && error)
        text = ks__aprintf("adobe: IMS: %s: %s", error,
                           description ? description : "");
    if (text)
        ks__http_set_remote_message(c, text, NULL);
    ks__free(text);
}

/*
 * A recording read for `kinsync scenario from-har`, and what it says
 * about the run: which connector jobs made it (the routes each sync flow
 * uses), how many requests each route got, and the scenario that puts it
 * together with the state from_har_state.c infers. The contract is in
 * from_har.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <kx/alloc.h>
#include <kx/json.h>
#include <kx/time.h>
#include "engine.h"
#include "from_har.h"

#define must KH__FH_MUST

void kh__fh_must(int ok)
{
    if (!ok) {
        fputs("kinsync scenario: out of memory\n", stderr);
        abort();
    }
}

cJSON *kh__fh_parse_file(const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    cJSON *har = NULL;
    char *buf = NULL;
    long len = -1;

    if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = kx_xmalloc((size_t)len + 1);
        if (fread(buf, 1, (size_t)len, f) != (size_t)len)
            len = -1;
    }
    if (!f)
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
    else if (len < 0)
        snprintf(err, errsz, "%s: cannot be read", path);
    else if (!(har = cJSON_ParseWithLength(buf, (size_t)len)))
        snprintf(err, errsz, "%s: not valid JSON", path);
    if (f)
        fclose(f);
    free(buf);
    return har;
}

void kh__fh_segment(char *out, size_t outsz, const char *path, int i)
{
    const char *p = path;
    size_t len;

    while (*p == '/')
        p++;
    for (; i > 0 && *p; i--) {
        p += strcspn(p, "/");
        p += *p == '/';
    }
    len = strcspn(p, "/");
    snprintf(out, outsz, "%.*s", (int)len, p);
}

int kh__fh_ok(const struct kh__fh_exchange *x)
{
    return x->status >= 200 && x->status < 300;
}

int kh__fh_has(const struct kh__fh_recording *rec, const char *system)
{
    for (size_t i = 0; i < rec->n; i++)
        if (strcmp(rec->x[i].system, system) == 0)
            return 1;
    return 0;
}

/* The route of an exchange: the recording's (journals name the method),
 * else NULL and the concrete path stands for it. Not the template of the
 * emulator's table: its routing hooks decide more than the table says
 * (Epicor's {entity_set} takes only known sets), so only its journal
 * names the template a request gets. */
static char *route_of(const char *recorded, const char *method)
{
    size_t ml = strlen(method);

    if (!recorded)
        return NULL;
    if (strncmp(recorded, method, ml) == 0 && recorded[ml] == ' ')
        return kx_xstrdup(recorded);
    return kx_xasprintf("%s %s", method, recorded);
}

/* Fills x from entry; 0, or -1 with what is wrong in why. */
static int read_entry(struct kh__fh_exchange *x, const cJSON *entry, char *why,
                      size_t whysz)
{
    const cJSON *req = kx_json_obj(entry, "request");
    const cJSON *res = kx_json_obj(entry, "response");
    const cJSON *k = kx_json_obj(entry, "_kinsync");
    const char *url = kx_json_str(req, "url"), *p, *q;
    const char *text = kx_json_str(kx_json_obj(req, "postData"), "text");
    const char *rtext = kx_json_str(kx_json_obj(res, "content"), "text");
    double status = kx_json_num(res, "status", 0);
    char *raw;

    x->system = kx_json_str(k, "system");
    x->method = kx_json_str(req, "method");
    if (!x->system || !*x->system) {
        snprintf(why, whysz,
                 "/_kinsync/system: missing (which system "
                 "answered: kinsync record, check --har and "
                 "serve --record write it)");
        return -1;
    }
    if (!x->method || !url || !(p = strstr(url, "://"))) {
        snprintf(why, whysz, "/request: no method or absolute url");
        return -1;
    }
    /* Checked as read: 1e300 or 200.5 is refused, never converted. */
    if (!(status >= 100 && status <= 599) || status != (int)status) {
        snprintf(why, whysz, "/response/status: not an HTTP status");
        return -1;
    }
    x->status = (int)status;
    p += 3 + strcspn(p + 3, "/?");
    q = strchr(p, '?');
    raw = *p == '/' ? kx_xstrndup(p, q ? (size_t)(q - p) : strlen(p))
                    : kx_xstrdup("/");
    x->path = curl_easy_unescape(NULL, raw, 0, NULL);
    free(raw);
    must(x->path);
    raw = x->path; /* curl's allocation, moved to ours */
    x->path = kx_xstrdup(raw);
    curl_free(raw);
    x->query = kx_xstrdup(q ? q + 1 : "");
    x->route = route_of(kx_json_str(k, "route"), x->method);
    x->ms = kx_json_num(k, "virtual_ms", -1);
    if (x->ms < 0) {
        int64_t wall;
        const char *when = kx_json_str(entry, "startedDateTime");

        if (when && kx_iso8601_parse(&wall, when, 0) == 0)
            x->ms = (double)wall;
    }
    x->req_body = text && *text ? cJSON_Parse(text) : NULL;
    x->res_body = rtext && *rtext ? cJSON_Parse(rtext) : NULL;
    return 0;
}

int kh__fh_read(struct kh__fh_recording *rec, const cJSON *har, char *err,
                size_t errsz)
{
    const cJSON *entries = kx_json_arr(kx_json_obj(har, "log"), "entries");
    const cJSON *e;
    size_t i = 0;
    char why[256];

    memset(rec, 0, sizeof(*rec));
    rec->first_virtual_ms = -1;
    if (!cJSON_IsArray(entries) || cJSON_GetArraySize(entries) == 0) {
        snprintf(err, errsz, "/log/entries: not HAR 1.2 (no entries)");
        return -1;
    }
    rec->x = kx_xcalloc((size_t)cJSON_GetArraySize(entries), sizeof(*rec->x));
    cJSON_ArrayForEach(e, entries)
    {
        if (read_entry(&rec->x[i], e, why, sizeof(why)) != 0) {
            rec->n = i + 1;
            snprintf(err, errsz, "/log/entries/%zu%s", i, why);
            kh__fh_dispose(rec);
            return -1;
        }
        i++;
    }
    rec->n = i;
    e = entries->child;
    rec->first_time = kx_json_str(e, "startedDateTime");
    if (cJSON_IsNumber(kx_json_obj(e, "_kinsync")
                           ? cJSON_GetObjectItemCaseSensitive(
                                 kx_json_obj(e, "_kinsync"), "virtual_ms")
                           : NULL))
        rec->first_virtual_ms =
            kx_json_num(kx_json_obj(e, "_kinsync"), "virtual_ms", -1);
    return 0;
}

void kh__fh_dispose(struct kh__fh_recording *rec)
{
    for (size_t i = 0; rec->x && i < rec->n; i++) {
        free(rec->x[i].path);
        free(rec->x[i].query);
        free(rec->x[i].route);
        cJSON_Delete(rec->x[i].req_body);
        cJSON_Delete(rec->x[i].res_body);
    }
    free(rec->x);
    memset(rec, 0, sizeof(*rec));
}

/* ---- the jobs --------------------------------------------------------- */

/* The sync flows, in the order `kinsync sync --once` runs them, and the
 * part of the path only that flow's requests to that system have. */
static const struct flow {
    const char *job, *system, *path_part, *not_part;
    const char *option; /* target or source */
} flows[] = {
    {"sync.parts", "bigcommerce", "/v3/catalog/", NULL, "target"},
    {"sync.parts", "bigcommerce", "/v3/inventory/", NULL, "target"},
    {"sync.parts", "woocommerce", "/wc/v3/products", NULL, "target"},
    {"sync.customers", "woocommerce", "/wc/v3/customers", NULL, "target"},
    {"sync.orders", "bigcommerce", "/v2/orders", NULL, "source"},
    {"sync.orders", "woocommerce", "/wc/v3/orders", "/refunds", "source"},
    {"sync.refunds", "woocommerce", "/refunds", NULL, "source"},
};
#define NFLOWS (sizeof(flows) / sizeof(flows[0]))

static int flow_seen(const struct kh__fh_recording *rec, const struct flow *f)
{
    for (size_t i = 0; i < rec->n; i++) {
        const struct kh__fh_exchange *x = &rec->x[i];

        if (strcmp(x->system, f->system) == 0 &&
            strstr(x->path, f->path_part) &&
            !(f->not_part && strstr(x->path, f->not_part)))
            return 1;
    }
    return 0;
}

/* 1 when the recording wrote a sales order to Epicor. */
static int wrote_sales_order(const struct kh__fh_recording *rec)
{
    for (size_t i = 0; i < rec->n; i++)
        if (strcmp(rec->x[i].system, "epicor") == 0 &&
            strstr(rec->x[i].path, "SalesOrderSvc/GetNewOrderHed"))
            return 1;
    return 0;
}

/* How many walks of WooCommerce's orders list the recording has: its
 * first pages (page=1, or no page). */
static int woocommerce_order_walks(const struct kh__fh_recording *rec)
{
    static const char list[] = "/wc/v3/orders";
    int n = 0;

    for (size_t i = 0; i < rec->n; i++) {
        const struct kh__fh_exchange *x = &rec->x[i];
        const char *p = strstr(x->query, "page=");
        size_t len = strlen(x->path);

        while (p && p > x->query && p[-1] != '&')
            p = strstr(p + 1, "page=");
        if (strcmp(x->system, "woocommerce") == 0 &&
            strcmp(x->method, "GET") == 0 && len >= sizeof(list) - 1 &&
            strcmp(x->path + len - (sizeof(list) - 1), list) == 0 &&
            (!p || (p[5] == '1' && (p[6] == '&' || !p[6]))))
            n++;
    }
    return n;
}

/* Appends one run step of job, with option set to system when only one
 * storefront's flow of the job was seen. */
void kh__fh_add_job(cJSON *when, const char *job, const char *option,
                    const char *only)
{
    cJSON *step = cJSON_CreateObject();

    must(step && cJSON_AddStringToObject(step, "do", "run") &&
         cJSON_AddStringToObject(step, "job", job));
    if (only) {
        cJSON *o = cJSON_AddObjectToObject(step, "options");

        must(o && cJSON_AddStringToObject(o, option, only));
    }
    must(cJSON_AddStringToObject(step, "expect_rc", "OK"));
    must(cJSON_AddItemToArray(when, step));
}

/* The steps: of several runs, kh__fh_runs's; else one run per sync job
 * whose routes the recording has, else an integration step reading the
 * first system. */
static cJSON *infer_when(const struct kh__fh_recording *rec, cJSON *notes)
{
    static const char *const fallback[][2] = {
        {"epicor", "epicor.read_parts"},
        {"bigcommerce", "bigcommerce.list_products"},
        {"woocommerce", "woocommerce.list_products"}};
    cJSON *when = kh__fh_runs(rec), *step;
    int seen[NFLOWS];

    if (when)
        return when; /* several runs: one step per walk */
    when = cJSON_CreateArray();
    must(when);
    for (size_t i = 0; i < NFLOWS; i++)
        seen[i] = flow_seen(rec, &flows[i]);
    /* WooCommerce's orders list is read by the refunds flow too, with the
     * same query: two first pages are both flows; one is the orders flow
     * unless refunds were read and no sales order was written. */
    if (woocommerce_order_walks(rec) >= 2)
        seen[5] = seen[6] = 1;
    else if (seen[5] && seen[6] && !wrote_sales_order(rec))
        seen[5] = 0;
    for (size_t i = 0; i < NFLOWS; i++) {
        const char *only = NULL;
        int bc = 0, wc = 0;

        if (i > 0 && strcmp(flows[i - 1].job, flows[i].job) == 0)
            continue; /* a job is looked at from its first row */
        for (size_t j = i;
             j < NFLOWS && strcmp(flows[j].job, flows[i].job) == 0; j++) {
            bc |= seen[j] && strcmp(flows[j].system, "bigcommerce") == 0;
            wc |= seen[j] && strcmp(flows[j].system, "woocommerce") == 0;
        }
        if (!bc && !wc)
            continue;
        /* Without an option a job runs against every storefront given. */
        if (bc && !wc && kh__fh_has(rec, "woocommerce"))
            only = "bigcommerce";
        else if (wc && !bc && kh__fh_has(rec, "bigcommerce"))
            only = "woocommerce";
        kh__fh_add_job(when, flows[i].job, flows[i].option, only);
    }
    if (cJSON_GetArraySize(when) > 0)
        return when;
    for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++) {
        if (!kh__fh_has(rec, fallback[i][0]))
            continue;
        step = cJSON_CreateObject();
        must(step && cJSON_AddStringToObject(step, "do", "integration") &&
             cJSON_AddStringToObject(step, "job", fallback[i][1]) &&
             cJSON_AddStringToObject(
                 step, "comment",
                 "no sync job uses the recorded routes: kinsync verify runs "
                 "your integration here; kinsync check only reads"));
        must(cJSON_AddItemToArray(when, step));
        must(cJSON_AddItemToArray(
            notes, cJSON_CreateString("no connector job uses the recorded "
                                      "routes: an integration step instead")));
        break;
    }
    return when;
}

/* ---- then.requests ------------------------------------------------------ */

/* One {system, route, count, comment} per route in order of first use. */
static cJSON *infer_requests(const struct kh__fh_recording *rec)
{
    cJSON *list = cJSON_CreateArray(), *r;
    char comment[600];

    must(list);
    for (size_t i = 0; i < rec->n; i++) {
        const struct kh__fh_exchange *x = &rec->x[i];
        char *route = x->route ? kx_xstrdup(x->route)
                               : kx_xasprintf("%s %s", x->method, x->path);
        int found = 0;

        cJSON_ArrayForEach(r, list)
        {
            if (strcmp(kx_json_str(r, "system"), x->system) == 0 &&
                strcmp(kx_json_str(r, "route"), route) == 0) {
                cJSON_SetNumberValue(
                    cJSON_GetObjectItemCaseSensitive(r, "count"),
                    kx_json_num(r, "count", 0) + 1);
                found = 1;
                break;
            }
        }
        if (!found) {
            r = cJSON_CreateObject();
            must(r && cJSON_AddStringToObject(r, "system", x->system) &&
                 cJSON_AddStringToObject(r, "route", route) &&
                 cJSON_AddNumberToObject(r, "count", 1));
            must(cJSON_AddItemToArray(list, r));
        }
        free(route);
    }
    cJSON_ArrayForEach(r, list)
    {
        snprintf(comment, sizeof(comment),
                 "recorded: %d request%s to %.60s %.500s",
                 (int)kx_json_num(r, "count", 0),
                 kx_json_num(r, "count", 0) == 1 ? "" : "s",
                 kx_json_str(r, "system"), kx_json_str(r, "route"));
        must(cJSON_AddStringToObject(r, "comment", comment));
    }
    return list;
}

/* ---- the scenario ------------------------------------------------------- */

cJSON *kh__fh_scenario(cJSON **notes, const struct kh__fh_recording *rec,
                       const char *name, const char *file)
{
    cJSON *sc = cJSON_CreateObject(), *tags, *then, *written = NULL, *given;
    char desc[1024];
    static const char *const systems[] = {"epicor", "bigcommerce",
                                          "woocommerce"};

    *notes = cJSON_CreateArray();
    must(sc && *notes);
    given = kh__fh_given(&written, rec, *notes);
    snprintf(desc, sizeof(desc),
             "Inferred by kinsync scenario from-har from %.700s: the "
             "emulators start with what the recorded responses showed, the "
             "job of the recorded routes runs, and the requests per route "
             "and the records written must be what was recorded.",
             strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
    must(cJSON_AddStringToObject(sc, "name", name) &&
         cJSON_AddStringToObject(sc, "description", desc));
    tags = cJSON_AddArrayToObject(sc, "tags");
    must(tags && cJSON_AddItemToArray(tags, cJSON_CreateString("recorded")));
    for (size_t i = 0; i < 3; i++)
        if (kh__fh_has(rec, systems[i]))
            must(cJSON_AddItemToArray(tags, cJSON_CreateString(systems[i])));
    must(cJSON_AddItemToObject(sc, "given", given));
    must(cJSON_AddItemToObject(sc, "when", infer_when(rec, *notes)));
    then = cJSON_AddObjectToObject(sc, "then");
    must(then);
    if (written && cJSON_GetArraySize(written) > 0)
        must(cJSON_AddItemToObject(then, "state", written));
    else
        cJSON_Delete(written);
    must(cJSON_AddItemToObject(then, "requests", infer_requests(rec)));
    if (kx_json_obj(kx_json_obj(given, "connector"), "woocommerce") &&
        kx_json_str(kx_json_obj(kx_json_obj(given, "connector"), "woocommerce"),
                    "auth")) {
        cJSON *may = cJSON_AddObjectToObject(then, "credentials_may_appear");
        cJSON *in = may ? cJSON_AddArrayToObject(may, "in") : NULL;

        must(in && cJSON_AddItemToArray(in, cJSON_CreateString("urls")) &&
             cJSON_AddStringToObject(may, "reason",
                                     "the recorded client sent its "
                                     "WooCommerce keys in the URL"));
    }
    return sc;
}

cJSON *kh_from_har_given(const char *path, char *err, size_t errsz)
{
    struct kh__fh_recording rec;
    cJSON *har = kh__fh_parse_file(path, err, errsz), *given = NULL;

    if (har && kh__fh_read(&rec, har, err, errsz) == 0) {
        cJSON *notes = cJSON_CreateArray();

        given = kh__fh_given(NULL, &rec, notes);
        cJSON_Delete(notes);
        kh__fh_dispose(&rec);
    }
    cJSON_Delete(har);
    return given;
}

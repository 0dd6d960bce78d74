/*
 * `kinsync diff`: a recording against the emulators. diff.c sends every
 * recorded request to an emulator and hands both answers to
 * diff_shape.c, which adds what differs to the request's route;
 * diff_report.c prints the routes as text, JSON or one HTML page.
 *
 * A route is a JSON object: {"system", "route" ("METHOD TEMPLATE"),
 * "requests": n, "status": [{"recorded", "emulator", "count"}],
 * "fields": [{"pointer", "change": "missing"|"extra"|"type",
 * "recorded", "emulator" (type names or null), "count"}],
 * "headers": [{"name", "change": "missing"|"extra"|"value", "recorded",
 * "emulator", "count"}]}; each list only when it has a difference.
 */
#ifndef KH_DIFF_H
#define KH_DIFF_H

#include <stdio.h>
#include <cjson/cJSON.h>

/* The shape of a JSON document: {pointer: type} for every value, every
 * array element named "*" (so ids in a list are one pointer), types "object",
 * "array", "string", "number", "boolean", "null" (the first type that is not
 * null wins when elements differ). doc NULL: {}. Caller deletes. */
cJSON *kh_diff_shape(const cJSON *doc);

/* Add one exchange's differences to route. A member under an array is
 * compared only when that array has elements on both sides. Headers are
 * HAR lists ([{"name", "value"}]); transfer headers are ignored, values
 * compared only for the media type of Content-Type and for paging and
 * rate-limit counts. */
void kh_diff_status(cJSON *route, int recorded, int emulator);
void kh_diff_bodies(cJSON *route, const cJSON *recorded, const cJSON *emulator);
void kh_diff_headers(cJSON *route, const cJSON *recorded,
                     const cJSON *emulator);

/* 1 when route has any difference. */
int kh_diff_route_differs(const cJSON *route);

/* The report {"file", "seed", "routes": [...], "summary": {"routes",
 * "requests", "differ", "skipped"}} written as text to f, as JSON to f,
 * or as a self-contained HTML page to file (0, or -1 with errno). */
void kh_diff_print_text(FILE *f, const cJSON *report);
void kh_diff_print_json(FILE *f, const cJSON *report);
int kh_diff_write_html(const char *file, const cJSON *report);

#endif

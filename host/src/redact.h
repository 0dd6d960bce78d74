/*
 * What `kinsync record` does to every exchange before it is written: it
 * replaces credentials by the placeholder KH_REDACTED (replay.h), which
 * replay matches to any value, and personal data by pseudonyms derived
 * with HMAC-SHA256 under a per-recording salt that is never stored, so
 * the same customer keeps the same pseudonym across the recording.
 *
 * Credentials: headers, query parameters and JSON members whose name is
 * credential-like (kh_redact_is_credential), their values remembered and
 * masked wherever they appear again (a token in a later URL or body).
 * Personal data: every e-mail address in any string (URLs included), and
 * the values of the system's personal fields (JSON members and query
 * parameters, kh_redact_fields), of its search query parameters, and of
 * OData $filter literals compared to a personal field, word by word, so
 * "first last" built from two fields still matches.
 */
#ifndef KH_REDACT_H
#define KH_REDACT_H

#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>

struct kh_redactor;

/* A redactor keyed by salt (saltlen > 0 bytes, copied). Aborts on OOM. */
struct kh_redactor *kh_redactor_new(const unsigned char *salt, size_t saltlen);
void kh_redactor_free(struct kh_redactor *r); /* NULL-safe */

/* Extends the lists for this recording: a personal field of every system,
 * a credential name (header, query parameter or JSON member). */
void kh_redactor_add_field(struct kh_redactor *r, const char *name);
void kh_redactor_add_credential(struct kh_redactor *r, const char *name);

/* Redacts and pseudonymises one HAR 1.2 entry of system in place: request
 * URL, queryString, headers and postData, response headers and content.
 * Safe from several threads at once. */
void kh_redact_entry(struct kh_redactor *r, const char *system, cJSON *entry);

/* The pseudonym of one personal value (an e-mail address, or text word by
 * word: letters to letters with their case, digits to digits, the rest
 * kept); fresh string. */
char *kh_pseudonym(struct kh_redactor *r, const char *value);

/* 1 when name (any case) names a credential. */
int kh_redact_is_credential(const struct kh_redactor *r, const char *name);

/* Prints the built-in personal fields and query parameters, one line
 * per system. */
void kh_redact_fields_print(FILE *out);

#endif

/*
 * Internals of the configuration loader, shared by config.c (the file and
 * its connections), config_check.c (the generic checker: key tables,
 * kinds, the problem reporter) and config_sections.c (what each section
 * holds and the rules between its keys).
 *
 * Every problem is printed as it is found, as one line naming the JSON
 * pointer of the member at fault ("/connections/acme/epicor/auth"), so a
 * typo never turns into a silently ignored setting.
 */
#ifndef KH_OPS_CONFIG_H
#define KH_OPS_CONFIG_H

#include "ops.h"

/* A JSON pointer into the configuration; long enough for any key the
 * loader names (keys are cut at 200 bytes). */
#define KH__CONF_WHERE_MAX 512

/* What a member may hold. CRED: a string or {"$secret": NAME}. */
enum kh__conf_kind {
    KH__CONF_STR,
    KH__CONF_CRED,
    KH__CONF_INT,
    KH__CONF_BOOL,
    KH__CONF_OBJ,
    KH__CONF_ANY
};

/* One row of a section's key table; a table ends with a NULL name. */
struct kh__conf_key {
    const char *name;
    enum kh__conf_kind kind;
    int required;
    int64_t min, max; /* KH__CONF_INT only */
};

/* The checker's state: problems are printed as they are found. */
struct kh__conf_check {
    const char *prog;
    const char *path;
    int problems;
    int secret_refs; /* {"$secret": NAME} values seen so far */
};

/* Prints "PROG: PATH: WHERE: message" and counts a problem. */
__attribute__((format(printf, 3, 4))) void
kh__conf_problem(struct kh__conf_check *ck, const char *where, const char *fmt,
                 ...);

/* Checks every member of obj against keys (unknown, repeated, of the
 * wrong kind, out of range) and that the required ones are there.
 * pointer is obj's JSON pointer ("" for the document). */
void kh__conf_check_object(struct kh__conf_check *ck, const cJSON *obj,
                           const struct kh__conf_key *keys,
                           const char *pointer);

/* pointer + "/" + key, escaped (RFC 6901), into where. */
void kh__conf_where(char where[KH__CONF_WHERE_MAX], const char *pointer,
                    const char *key);

/* ---- config_sections.c ------------------------------------------------ */

/* The members of the document itself. named: it has "connections" (then
 * the Epicor and storefront sections belong to the connections). */
void kh__conf_check_top(struct kh__conf_check *ck, const cJSON *doc, int named);

/* Checks one connection's object (the document itself for the implicit
 * one; conf->pointer names it) and fills conf's sections, flows and
 * cadences from it. */
void kh__conf_check_connection(struct kh__conf_check *ck,
                               struct kh__sync_conf *conf, const cJSON *obj);

/* ---- config_adobe.c --------------------------------------------------- */

/* The "adobe" section's key table, and the rules between its keys (auth
 * against deployment, what each auth needs); pointer names the section. */
extern const struct kh__conf_key kh__conf_adobe_keys[];
/* path resolved against the directory of the configuration file at
 * conf_path (absolute paths and URIs as they are); the caller frees. */
char *kh__conf_beside(const char *conf_path, const char *path);

void kh__conf_check_adobe(struct kh__conf_check *ck, const cJSON *adobe,
                          const char *pointer);

/* The flow called name in kh__sync_flows, or -1. config.c */
int kh__conf_flow_index(const char *name);

#endif

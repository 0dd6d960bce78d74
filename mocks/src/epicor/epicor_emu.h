/*
 * Internals of the Epicor Kinetic emulator shared between its files
 * (km__epicor_ prefix). README.md describes the behaviour, the options and
 * the sources behind each default.
 */
#ifndef KM_EPICOR_EPICOR_EMU_H
#define KM_EPICOR_EPICOR_EMU_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "kinmock/config.h"
#include "kinmock/emulator.h"
#include "odata_filter.h"

/* ---- table definitions (defs.c) ------------------------------------- */

enum km__epicor_tid {
    T_PART,
    T_PARTWHSE,
    T_PARTPLANT,
    T_CUSTOMER,
    T_ORDERHED,
    T_ORDERDTL,
    T_ORDERREL,
    T_VENDOR,
    T_POHEADER,
    T_PODETAIL,
    T_POREL,
    T_PORELTGLC,
    T_APINVHED,
    T_APINVDTL,
    T_APINVEXP,
    T_APINVEXPTGLC,
    T_GLACCOUNT,
    T_JOBHEAD,
    T_JOBOPER,
    T_LABORHED,
    T_LABORDTL,
    T_PARTTRAN,
    T_APINVGRP,
    T_REQHEAD,
    T_REQDETAIL,
    T_JOBASMBL,
    T_RESOURCEGRP,
    T_REASON,
    T_INDIRECT,
    T_PLANT,
    T_COUNT
};

/* How a table stamps writes besides SysRevID. */
enum km__epicor_stamp {
    STAMP_NONE,
    STAMP_CHANGEDON,  /* Part.ChangedOn (datetime) */
    STAMP_DATE_TIME,  /* ChangeDate (date) + ChangeTime (s since 00:00) */
    STAMP_DATE,       /* ChangeDate only */
    STAMP_LASTCHANGED /* JobHead.LastChangedOn */
};

/* How the last key field is filled on add when it is 0 or missing. */
enum km__epicor_auto {
    AUTO_NONE,
    AUTO_COUNTER, /* company-wide counter (OrderNum, CustNum, ...) */
    AUTO_LINE,    /* max under the parent + 1 (OrderLine, POLine, ...) */
    AUTO_GUID     /* the SysRowID (APInvExpTGLC) */
};

#define KM_EPI_MAX_KEYS 7

struct km__epicor_tabledef {
    enum km__epicor_tid id;
    const char *table;                     /* "OrderDtl" */
    const char *service;                   /* "Erp.BO.SalesOrderSvc" */
    const char *set;                       /* "OrderDtls" */
    const char *keys[KM_EPI_MAX_KEYS + 1]; /* "Company" first; NULL-ended */
    unsigned numeric;                      /* bit i: keys[i] is an integer */
    int parent;                            /* tid of the parent table or -1 */
    const char *fixture;                   /* config key: "order_dtls" */
    enum km__epicor_stamp stamp;
    enum km__epicor_auto autonum;
    const char *counter;  /* AUTO_COUNTER: counter name in the company */
    const char *defaults; /* JSON object: the GetNew template */
    const char *required; /* space-separated fields Update insists on */
};

extern const struct km__epicor_tabledef km__epicor_defs[T_COUNT];

const struct km__epicor_tabledef *km__epicor_def_by_set(const char *service,
                                                        const char *set);
/* Table named table ("OrderHed") within service, or NULL. */
const struct km__epicor_tabledef *km__epicor_def_by_table(const char *service,
                                                          const char *table);
/* Canonical service name for a case-insensitive match, or NULL. */
const char *km__epicor_service_canon(const char *name);
/* NULL-terminated list of the services' names. */
extern const char *const km__epicor_services[];
/* Number of keys of def. */
size_t km__epicor_nkeys(const struct km__epicor_tabledef *def);
/* Decimal scale of a field for v1 output, or -1 when not a decimal. */
int km__epicor_decimal_scale(const char *field);

/* ---- storage (tables.c) --------------------------------------------- */

struct km__epicor_row {
    cJSON *json; /* NULL while the row is still a generated one */
    char *key;   /* encoded key without Company (sorts like the key) */
    int64_t revid;
    int64_t stamp; /* change stamp in ms (km__epicor_stamp_of) */
    uint32_t gen;  /* generator index while json is NULL */
    int pooled;    /* row and key live in the table's pool, not malloc'ed */
    /* The row as a v2 page prints it (km__epicor_row_text), valid while
     * text_writes == the emulator's writes; NULL until a page asks.
     * Its length (a size_t) comes first, the text after it. Atomic:
     * requests that only read fill it at once (rows.c). */
    _Atomic(char *) text;
    _Atomic uint64_t text_writes;
};

struct km__epicor_gen {
    uint64_t seed;
    uint32_t count;
    int64_t base_revid; /* row i has SysRevID base_revid + i + 1 */
};

struct km__epicor_table {
    const struct km__epicor_tabledef *def;
    struct km__epicor_company *co;
    struct km__epicor_row **by_rev; /* SysRevID order */
    struct km__epicor_row **by_key; /* key order */
    /* Change-stamp order, (stamp, revid) ascending; NULL when the table
     * has no change stamp (def->stamp == STAMP_NONE). */
    struct km__epicor_row **by_stamp;
    size_t n, cap;
    struct km__epicor_row *pool; /* generated rows, one allocation */
    char *pool_keys;             /* their keys */
    cJSON *fields;               /* known field names: {"Name":true} */
    cJSON *tmpl;                 /* parsed def->defaults */
    char gen_stamp[24];          /* ChangedOn of generated rows */
    struct km__epicor_gen gen;   /* Part, PartWhse, JobHead, JobOper */
    /* Generated jobs (job_generate.c) when not NULL: the generator's
     * parameters, shared by JobHead and JobOper. */
    const struct km__epicor_gen_jobs *gen_jobs;
};

struct km__epicor_company {
    char *id;
    int64_t revid;             /* last SysRevID handed out */
    int64_t counters[T_COUNT]; /* next number of each AUTO_COUNTER table */
    struct km__epicor_table t[T_COUNT];
};

/* ---- the emulator state --------------------------------------------- */

struct km__epicor_user {
    char *username, *password, *company;
};

struct km__epicor_key {
    char *key;
    cJSON *scope; /* NULL: everything; else array of strings */
    int revoked;
};

struct km__epicor_token {
    char *token;
    char *user;
    int64_t expires_ms;
    int revoked;
};

struct km__epicor_text_block {
    struct km__epicor_text_block *next;
    size_t used, cap;
    char text[];
};

struct km__epicor_session {
    char *user;
    int64_t last_ms;
};

struct km__epicor {
    struct ks_clock *clock;
    struct km_server *server;
    char *instance;
    struct km__epicor_company **companies;
    size_t ncompanies;
    struct km__epicor_user *users;
    size_t nusers;
    struct km__epicor_key *keys;
    size_t nkeys;
    cJSON *idp_clients;
    struct km__epicor_token *tokens;
    size_t ntokens;
    size_t tokens_cap;
    /* The tokens' strings, in blocks of their own: tokens live as long as
     * the emulator, and 10,000 strings malloc'ed one by one left the
     * heap's free chunks scattered enough to slow every later page
     * (bench/README.md). */
    struct km__epicor_text_block *token_text;
    size_t *token_slots; /* hash of token -> index + 1 (0: empty) */
    size_t token_nslots; /* a power of two, at least 2 x ntokens */
    struct km__epicor_session *sessions; /* Basic-auth users holding a seat */
    size_t nsessions;
    int64_t tokens_issued;
    /* Bumped by every request that may write (any method but GET and
     * HEAD), action and fault action: a row's printed text is reused
     * only while it has not moved. */
    uint64_t writes;
    int64_t token_lifetime_s;
    int page_cap;
    int license_seats;
    int64_t licenses_exhausted_until; /* ms; phantom sessions */
    int64_t latency_ms;
    int api_key_missing_status;
    int api_key_scope_status;
    int conflict_status;
    int ci;              /* case-insensitive strings */
    int order_by_key;    /* default order: key (1) or SysRevID (0) */
    int pagesize0_error; /* GetRows pageSize=0 → 400 */
    int child_filter_quirk;
    cJSON *functions;
    cJSON *baqs;
    cJSON *efx_calls;
    uint64_t rng;
    uint64_t token_secret;
    int64_t start_counter[T_COUNT];
    cJSON *bpm;             /* directives (bpm.c) */
    cJSON *bpm_fired;       /* what fired, for the snapshot */
    int absolute_page_base; /* GetList/GetRows absolutePage: 0 or 1 */
    char v2_date_offset[8]; /* appended to v2 dates; "" = none */
    cJSON *session_mods;    /* SessionModSvc Login sessions: {session_id, user,
                               company} */
    /* Shop floor: job transitions, event functions, UD fields,
     * permissions (jobs.c, job_events.c, permissions.c). */
    struct km__epicor_jobs *jobs;
};

/* The context of one API call. */
struct km__epicor_call {
    struct km__epicor *emu;
    struct km_response *res;
    const struct km_request *req;
    int v1;
    struct km__epicor_company *co;
    const char *service; /* canonical */
    const char *user;
    struct km__epicor_key *key; /* v2 API key of the call */
    const char *method;         /* the BO method being answered, or NULL */
};

/* config.c: the configuration keys (given.epicor), in the order applied,
 * and their application to a new emulator. */
#define KM__EPICOR_NCONFIG 33
extern const struct km_emulator_type km_epicor_type;
extern const struct km_config_key km__epicor_config_keys[];
/* Writes a printf-style reason into err; returns -1. */
int km__epicor_errf(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int km__epicor_config(struct km__epicor *emu, const cJSON *config, char *err,
                      size_t errsz);
void km__epicor_state_free(void *state);
struct km__epicor_company *km__epicor_company_find(struct km__epicor *emu,
                                                   const char *id);
struct km__epicor_company *km__epicor_company_add(struct km__epicor *emu,
                                                  const char *id);
/* Loads fixture rows (with nested child arrays) into table tid. */
int km__epicor_load_rows(struct km__epicor *emu, struct km__epicor_company *co,
                         enum km__epicor_tid tid, const cJSON *rows,
                         const cJSON *parent, char *err, size_t errsz);
/* A stored row (r->json set) as a v2 page prints it, its length in
 * *len: its text with the v2 date offsets in, printed once and kept until
 * the emulator's next write. Borrowed: valid while the caller holds the
 * server lock, read or write. */
const char *km__epicor_row_text(struct km__epicor *emu,
                                struct km__epicor_row *r, size_t *len);
/* row printed as a v2 page prints it (the v2 date offsets in): a new
 * string of cJSON's allocator. Aborts on out-of-memory. */
char *km__epicor_v2_text(struct km__epicor *emu, const cJSON *row);

/* tables.c */
void km__epicor_table_init(struct km__epicor_table *t,
                           const struct km__epicor_tabledef *def,
                           struct km__epicor_company *co);
void km__epicor_table_dispose(struct km__epicor_table *t);
/* Encodes the key values of row (or of a JSON array of key values,
 * Company excluded) into a malloc'ed string. NULL if a key is missing. */
char *km__epicor_key_of_row(const struct km__epicor_table *t, const cJSON *row,
                            int ci);
char *km__epicor_key_of_values(const struct km__epicor_table *t,
                               const cJSON *values, size_t nvalues, int ci);
struct km__epicor_row *km__epicor_find(const struct km__epicor_table *t,
                                       const char *key);
/* First index in by_key whose key starts with prefix (children). */
size_t km__epicor_lower_bound(const struct km__epicor_table *t,
                              const char *key);
/* First index in by_rev with revid > floor. */
size_t km__epicor_rev_bound(const struct km__epicor_table *t, int64_t floor);
/* The row's JSON: borrowed (*tmp = 0) or generated (*tmp = 1, delete). */
cJSON *km__epicor_view(const struct km__epicor_table *t,
                       const struct km__epicor_row *r, int *tmp);
/* Makes a generated row concrete and returns its JSON (borrowed). */
cJSON *km__epicor_own(struct km__epicor_table *t, struct km__epicor_row *r);
/* Inserts json (taken) as a new row; SysRevID, SysRowID, Company and the
 * change stamp are set. Returns the row. */
struct km__epicor_row *km__epicor_insert(struct km__epicor *emu,
                                         struct km__epicor_table *t,
                                         cJSON *json);
/* Marks a row written: bumps SysRevID (moving it to the end of by_rev)
 * and sets the change stamp. */
void km__epicor_touch(struct km__epicor *emu, struct km__epicor_table *t,
                      struct km__epicor_row *r);
/* Removes a row and its descendants in child tables. */
void km__epicor_remove(struct km__epicor_table *t, struct km__epicor_row *r);
/* Appends rows (borrowed, generated ones made concrete) of child table
 * ct under parent key pkey to arr (duplicates). */
void km__epicor_children(cJSON *arr, struct km__epicor_table *ct,
                         const char *pkey);
/* The field holding def's change stamp ("ChangedOn", "ChangeDate",
 * "LastChangedOn"), or NULL. */
const char *km__epicor_stamp_field(const struct km__epicor_tabledef *def);
/* A row's change stamp in ms since the epoch (STAMP_DATE_TIME: ChangeDate
 * plus ChangeTime seconds), INT64_MIN when missing or not a date; orders
 * by_stamp. */
int64_t km__epicor_stamp_of(const struct km__epicor_table *t, const cJSON *row);
/* Range [*lo, *hi) of by_stamp whose stamps lie in [from, to). */
void km__epicor_stamp_range(const struct km__epicor_table *t, int64_t from,
                            int64_t to, size_t *lo, size_t *hi);
/* One generated value: a boolean (b 0 or 1), else a string (s, possibly
 * in the caller's buffer), else a number (d). */
struct km__epicor_gen_value {
    const char *s;
    double d;
    int b; /* -1: not a boolean */
};
/* Generated jobs (job_generate.c): the value of field of generated row r
 * of t (1 set, 0 the template's), or -1 for the fields every generated
 * row has (Company, SysRowID, SysRevID, RowMod); the fields they set,
 * NULL-ended. */
int km__epicor_gen_job_field(const struct km__epicor_table *t,
                             const struct km__epicor_row *r, const char *field,
                             struct km__epicor_gen_value *out, char *buf,
                             size_t bufsz);
const char *const *km__epicor_gen_job_fields(const struct km__epicor_table *t);
/* Adds n generated rows to t (which has none yet), row i keyed by the
 * key of the row key_row(i) builds (a cJSON with the key fields; taken),
 * in one allocation; t->gen_stamp is the write time of them all. */
void km__epicor_generate_rows(struct km__epicor *emu,
                              struct km__epicor_table *t, uint32_t n,
                              uint64_t seed,
                              cJSON *(*key_row)(uint32_t i, const void *ud),
                              const void *ud);
/* Generated rows (generated.c builds their fields). */
void km__epicor_gen_partnum(char *buf, size_t n, uint32_t i);
/* 1 when stored row r of t matches f (NULL matches all), reading
 * generated rows' fields without building their JSON. */
int km__epicor_row_matches(const struct km__odata_filter *f,
                           const struct km__epicor_table *t,
                           const struct km__epicor_row *r, int ci);
void km__epicor_generate(struct km__epicor *emu, struct km__epicor_company *co,
                         uint32_t nparts, uint64_t seed);
void km__epicor_table_sort(struct km__epicor_table *t);
/* qsort comparators of row pointers: by SysRevID, by key. */
int km__epicor_cmp_rev(const void *a, const void *b);
int km__epicor_cmp_key(const void *a, const void *b);
void km__epicor_stamp_row(struct km__epicor *emu,
                          const struct km__epicor_tabledef *d, cJSON *row);
void km__epicor_fields_note(struct km__epicor_table *t, const cJSON *row);
/* Adds the template fields row lacks. */
void km__epicor_fill_defaults(const struct km__epicor_table *t, cJSON *row);
/* Next line number (last key) under the other keys of row. */
int64_t km__epicor_next_line(const struct km__epicor_table *t, const cJSON *row,
                             int ci);

/* util (emulator.c) */
void km__epicor_guid(struct km__epicor *emu, char out[37]);
uint64_t km__epicor_rand(uint64_t *state);
int64_t km__epicor_now(const struct km__epicor *emu);
void km__epicor_error(struct km__epicor_call *c, int status, const char *type,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void km__epicor_reply(struct km__epicor_call *c, int status, cJSON *json);
/* text[0..len) with offset after every bare date-time string in it (the
 * v2 date offset on printed JSON): a NUL-terminated copy of cJSON's
 * allocator, its length in *out_len. Aborts on out-of-memory. */
char *km__epicor_v2_dated(const char *text, size_t len, const char *offset,
                          size_t *out_len);
/* The valueint of a raw item whose text already has the v2 date offsets
 * (km__epicor_reply leaves it as it is). */
#define KM__EPICOR_V2_TEXT 0x7632
/* The §4 error body km__epicor_error sends (for callers that add to its
 * ErrorDetails before sending it). */
cJSON *km__epicor_error_body(struct km__epicor_call *c, int status,
                             const char *type, const char *text);
/* Converts a row or tableset for output (v1: decimals and SysRevID as
 * strings). Modifies json in place. */
void km__epicor_outconv(const struct km__epicor_call *c, cJSON *json);
/* Normalises incoming values (string decimals to numbers). */
void km__epicor_inconv(cJSON *row);
/* Replaces (or adds) obj[name] by item (taken). */
void km__epicor_put(cJSON *obj, const char *name, cJSON *item);
void km__epicor_set_str(cJSON *obj, const char *name, const char *value);
void km__epicor_set_num(cJSON *obj, const char *name, double value);
void km__epicor_set_bool(cJSON *obj, const char *name, int value);

/* auth.c */
int km__epicor_auth(struct km__epicor_call *c);
int km__epicor_api_key(struct km__epicor_call *c);
int km__epicor_scope_ok(struct km__epicor_call *c, const char *resource);
void km__epicor_token_resource(struct km__epicor_call *c);
void km__epicor_idp_token(struct km__epicor_call *c);
/* The fixed start of every token the emulator issues (JWT header and the
 * first claims), for km_server_add_secret_form. Caller frees. */
char *km__epicor_token_prefix(void);
int km__epicor_fault(void *state, const char *action, const cJSON *rule);
int km__epicor_licenses_in_use(struct km__epicor *emu);
int64_t km__epicor_tokens_active(struct km__epicor *emu);
void km__epicor_expire_tokens(struct km__epicor *emu);
/* Frees the tokens' strings (their text blocks). */
void km__epicor_token_text_free(struct km__epicor *emu);
void km__epicor_revoke_keys(struct km__epicor *emu, const char *key);

/* odata_query.c */
struct km__odata_query_order {
    char *field;
    int desc;
};
struct km__odata_query {
    struct km__odata_filter *filter;
    char *filter_text;
    char **select;
    size_t nselect;
    struct km__odata_query_order *order;
    size_t norder;
    long top; /* -1: none */
    long skip;
    int count;
    char **expand;
    size_t nexpand;
    char **expand_opts; /* per expand: the text inside its (...), or NULL */
};
/* Reads $-options from the request. 0, or -1 after replying 400. */
int km__odata_query_from_request(struct km__odata_query *q,
                                 struct km__epicor_call *c);
/* Builds from explicit strings (BAQ and GetRows). 0 or -1 with err. */
int km__odata_query_from_strings(struct km__odata_query *q, const char *filter,
                                 const char *orderby, char *err, size_t errsz);
void km__odata_query_dispose(struct km__odata_query *q);
/* Runs q over t (restricted to children of pkey when not NULL); returns
 * a JSON array of copies (before $select), and the count before paging.
 * With share the stored rows are not copied: only for a v2 reply that is
 * printed and deleted, unchanged, under the server lock. A sorted page
 * references the stored rows; an unsorted one is a raw item, the array's
 * text joined from the rows' kept v2 texts (dates with their offsets,
 * km__epicor_row_text; valueint KM__EPICOR_V2_TEXT). */
cJSON *km__odata_query_run(const struct km__odata_query *q,
                           struct km__epicor *emu, struct km__epicor_table *t,
                           const char *pkey, long cap, int share, long *count);
/* Applies q to an array of rows (BAQ); returns a new array. */
cJSON *km__odata_query_run_array(const struct km__odata_query *q,
                                 struct km__epicor *emu, const cJSON *rows,
                                 long cap, long *count);
/* Checks the fields q names against t's entity type (or the parent's,
 * with child_filter_quirk). 0, or -1 after replying 400. */
int km__odata_query_validate(struct km__epicor_call *c,
                             const struct km__odata_query *q,
                             const struct km__epicor_table *t);
/* Keeps only the $select fields of each row. */
void km__odata_query_project(const struct km__odata_query *q, cJSON *rows);
/* Parses "('C','P')" or "(Company='C',PartNum='P')" against def's keys
 * into a JSON array of all key values (Company included). 0, or -1 with
 * err. */
int km__epicor_parse_keys(cJSON **out, const struct km__epicor_tabledef *def,
                          const char *text, char *err, size_t errsz);

/* odata_expand.c: options nested in $expand=Set(...). Parses opts for
 * child table t into sub (0, or -1 after replying 400); applies sub to
 * one parent's children (taken), returning the new array. */
int km__odata_expand_parse(struct km__odata_query *sub,
                           struct km__epicor_call *c, const char *opts,
                           struct km__epicor_table *t);
cJSON *km__odata_expand_apply(const struct km__odata_query *sub,
                              struct km__epicor *emu, cJSON *children);

/* odata_routes.c: the route's {entity_set} (with its key in parentheses)
 * and optional {navigation}. */
void km__epicor_odata(struct km__epicor_call *c);

/* update.c */
/* Applies the tableset ds of service (rows by RowMod). On failure replies
 * the error itself and returns -1. touched receives the header keys
 * written (array of strings) when not NULL. */
int km__epicor_update_ds(struct km__epicor_call *c, cJSON *ds, cJSON *touched);
/* Tableset for the row with key of table def, with children. */
cJSON *km__epicor_tableset(struct km__epicor_call *c,
                           const struct km__epicor_tabledef *def,
                           const char *key);
/* A defaulted new row of table (GetNew), parents given by keyvals. */
cJSON *km__epicor_new_row(struct km__epicor_call *c,
                          const struct km__epicor_tabledef *def, cJSON *ds,
                          const cJSON *keyvals);

/* update.c: the columns Epicor derives on save (extended costs and
 * prices, quantities in the stocking unit). */
void km__epicor_derive(const struct km__epicor_tabledef *d, cJSON *row);
/* Money rounded to cents, as the derived amounts are. */
double km__epicor_round2(double v);

/* methods_purchasing.c: defaults of new purchasing rows (GetNew, and any
 * add through the write path for the fields still blank); the PO total
 * recomputed from the lines of row's PO, the header touched when it
 * moved (returns 1 then); POSvc ChangeApproveSwitch and APInvGrpSvc
 * UnlockGroup. */
void km__epicor_purchasing_defaults(const struct km__epicor_call *c,
                                    const struct km__epicor_tabledef *def,
                                    cJSON *row);
void km__epicor_purchasing_added(const struct km__epicor_call *c,
                                 const struct km__epicor_tabledef *def,
                                 cJSON *row);
int km__epicor_po_total(struct km__epicor *emu, struct km__epicor_company *co,
                        const cJSON *row);
/* After a POSvc write: the totals of the POs whose lines ds holds, and
 * ds's POHeader rows as stored afterwards (current SysRevID). */
void km__epicor_po_after_update(struct km__epicor_call *c, cJSON *ds);
/* Replaces ds's rows of table tid by the stored rows (after a write
 * hook moved them: totals recomputed, SysRevID bumped). */
void km__epicor_ds_refresh(struct km__epicor_call *c, cJSON *ds, int tid);
void km__epicor_po_change_approve(struct km__epicor_call *c, const char *m,
                                  cJSON *params);
void km__epicor_apgrp_unlock(struct km__epicor_call *c, const char *m,
                             cJSON *params);

/* Hooks of the write path (methods_other.c): defaults of a GetNew row,
 * after a row is added or updated, and the APInvExpTGLC GL check. */
void km__epicor_new_defaults(struct km__epicor_call *c,
                             const struct km__epicor_tabledef *def, cJSON *row,
                             cJSON *ds);
void km__epicor_added(struct km__epicor_call *c,
                      const struct km__epicor_tabledef *d, cJSON *row);
void km__epicor_updated(struct km__epicor_call *c,
                        const struct km__epicor_tabledef *d, cJSON *row);
int km__epicor_check_tglc(struct km__epicor_call *c, const cJSON *row,
                          char *msg, size_t n);
/* An APInvExpTGLC row the client adds itself (RowMod A, or an OData POST
 * to APInvExpTGLCs): it gets its own SysRowID (part of the key) and the
 * next TGLCTranNum, so it is stored beside the row the application
 * created with the expense line (TGLCTranNum 1), which alone carries the
 * expense's GL account (README.md, "The APInvExpTGLC quirk"). */
void km__epicor_tglc_direct(struct km__epicor_call *c, cJSON *row);
/* The first row of t (key order) whose string field equals want (ci:
 * ignoring case), or NULL. A scan: for lookups by a non-key field. */
struct km__epicor_row *km__epicor_scan(const struct km__epicor_table *t,
                                       const char *field, const char *want,
                                       int ci);
/* The primary (header) table of a service. */
const struct km__epicor_tabledef *km__epicor_primary(const char *service);
/* Finds a row of table tid by the key values after Company (strings
 * from a query string are converted for numeric keys). */
struct km__epicor_row *km__epicor_find_vals(struct km__epicor_call *c, int tid,
                                            const cJSON *vals, char **key_out);

/* ---- BO methods (methods.c, methods_sales.c, methods_other.c) -------- */

/* How a method row's name meets the {method} of a call. Names compare
 * case-sensitively, services by their canonical name (defs.c). */
enum km__epicor_method_match {
    KM_EPI_NAME,     /* exactly the name */
    KM_EPI_PREFIX,   /* any name starting with it (GetBySysRowID...) */
    KM_EPI_NEW_TABLE /* the name then a table of the service (GetNew<Table>) */
};

/* Verbs a method takes. GET is honoured in v2 only, with the parameters
 * in the query string; v1 and every other verb get 405. */
#define KM_EPI_POST 1u
#define KM_EPI_GET 2u

/*
 * One BO method: what `POST {service}/{name}` runs. The handler gets the
 * parameters as an object (body, or v2 query string; already through
 * km__epicor_inconv), owned by the caller (it may detach from it), and
 * replies itself, error or not.
 */
struct km__epicor_method_def {
    const char *service; /* canonical service, or "*" for every service */
    const char *name;
    enum km__epicor_method_match match;
    unsigned verbs; /* KM_EPI_POST, | KM_EPI_GET for read methods */
    void (*handler)(struct km__epicor_call *c, const char *method,
                    cJSON *params);
};

/* The one method table (methods.c), km__epicor_nmethods rows. */
extern const struct km__epicor_method_def km__epicor_methods[];
extern const size_t km__epicor_nmethods;

/* The row that answers method in service: a row of the service before a
 * "*" row, an exact name before a prefix rule. NULL when none does; the
 * call then gets 404 ApiException "Method '<m>' was not found in <s>."
 * (405 for any verb but POST). */
const struct km__epicor_method_def *km__epicor_method_find(const char *service,
                                                           const char *method);
/* Answers a call to {service}/{method} from the table. */
void km__epicor_method(struct km__epicor_call *c, const char *method);

/* Handlers of Erp.BO.SalesOrderSvc (methods_sales.c). */
void km__epicor_so_change_customer(struct km__epicor_call *c, const char *m,
                                   cJSON *params);
void km__epicor_so_echo_ds(struct km__epicor_call *c, const char *m,
                           cJSON *params);
void km__epicor_so_change_part_num(struct km__epicor_call *c, const char *m,
                                   cJSON *params);
void km__epicor_so_change_part_num_master(struct km__epicor_call *c,
                                          const char *m, cJSON *params);
void km__epicor_so_change_qty(struct km__epicor_call *c, const char *m,
                              cJSON *params);
void km__epicor_so_change_unit_price(struct km__epicor_call *c, const char *m,
                                     cJSON *params);
void km__epicor_so_master_update(struct km__epicor_call *c, const char *m,
                                 cJSON *params);
/* Handlers of Erp.BO.LaborSvc, APInvoiceSvc and POSvc (methods_other.c). */
void km__epicor_labor_new_hed(struct km__epicor_call *c, const char *m,
                              cJSON *params);
void km__epicor_labor_new_dtl(struct km__epicor_call *c, const char *m,
                              cJSON *params);
void km__epicor_labor_default_opr_seq(struct km__epicor_call *c, const char *m,
                                      cJSON *params);
void km__epicor_labor_change_type(struct km__epicor_call *c, const char *m,
                                  cJSON *params);
void km__epicor_ap_update_master(struct km__epicor_call *c, const char *m,
                                 cJSON *params);
void km__epicor_ap_new_invoice(struct km__epicor_call *c, const char *m,
                               cJSON *params);
void km__epicor_ap_change_vendor_id(struct km__epicor_call *c, const char *m,
                                    cJSON *params);
void km__epicor_po_change_vendor(struct km__epicor_call *c, const char *m,
                                 cJSON *params);
void km__epicor_po_change_detail_part(struct km__epicor_call *c, const char *m,
                                      cJSON *params);

/* Replies {"returnObj":ret,"parameters":params} (either may be NULL). */
void km__epicor_method_reply(struct km__epicor_call *c, cJSON *ret,
                             cJSON *params);
/* Recomputes derived amounts after an update of service. */
void km__epicor_after_update(struct km__epicor_call *c, cJSON *ds);
void km__epicor_after_update_other(struct km__epicor_call *c, cJSON *ds);
/* Row of table tid in ds to work on: the one with RowMod A/U, else the
 * last. NULL if none. */
cJSON *km__epicor_ds_row(cJSON *ds, const char *table);

/* baq_efx.c */
void km__epicor_baq(struct km__epicor_call *c, const char *baq_id, int data);
void km__epicor_efx(struct km__epicor_call *c, const char *company,
                    const char *library, const char *function, int staging);
/* GET .../efx/{company}[/{library}]: libraries enabled for company and
 * their functions (one library when library is not NULL). */
void km__epicor_efx_list(struct km__epicor_call *c, const char *company,
                         const char *library);

/* metadata */
void km__epicor_metadata(struct km__epicor_call *c);
void km__epicor_service_doc(struct km__epicor_call *c);

/* services_extra.c: services beyond the tables of defs.c (CompanySvc,
 * UserFileSvc, SessionModSvc, TokenServiceSvc, OrderDtlSearchSvc) and
 * lookups by a user key (GetByVendID, GetByCustID). */
/* 1 when set (without key) is an entity set of such a service. */
int km__epicor_extra_has_set(const char *service, const char *set);
/* Answers GET on such a set (and its keyed rows). */
void km__epicor_extra_odata(struct km__epicor_call *c);
/* The table a search service reads (OrderDtlSearchSvc → OrderDtl), or
 * NULL. */
const struct km__epicor_tabledef *km__epicor_search_table(const char *service);
void km__epicor_extra_company_get(struct km__epicor_call *c, const char *m,
                                  cJSON *params);
void km__epicor_extra_user_get(struct km__epicor_call *c, const char *m,
                               cJSON *params);
void km__epicor_extra_login(struct km__epicor_call *c, const char *m,
                            cJSON *params);
void km__epicor_extra_logout(struct km__epicor_call *c, const char *m,
                             cJSON *params);
void km__epicor_extra_get_token(struct km__epicor_call *c, const char *m,
                                cJSON *params);
void km__epicor_extra_token_enabled(struct km__epicor_call *c, const char *m,
                                    cJSON *params);
void km__epicor_extra_token_valid(struct km__epicor_call *c, const char *m,
                                  cJSON *params);
void km__epicor_extra_get_by_user_key(struct km__epicor_call *c, const char *m,
                                      cJSON *params);
/* auth.c: a token for user (as TokenResource issues it), and whether
 * token is live (and, when user is not NULL, belongs to user). */
const char *km__epicor_issue_token(struct km__epicor *emu, const char *user);
int km__epicor_token_live(struct km__epicor *emu, const char *token,
                          const char *user);
/* odata_routes.c: the collection envelope of set (v1 or v2). */
void km__epicor_envelope(struct km__epicor_call *c, const char *set,
                         cJSON *rows, int count, long n);
/* tablesets.c: rebuilds ds as the service's whole tableset, every table
 * of the platform's tableset in its order (empty arrays for the ones not
 * emulated), ExtensionTables last. */
void km__epicor_tableset_complete(const char *service, cJSON *ds);

/* method_params.c: a method's output parameters (swagger order). */
struct km__epicor_out_params {
    const char *service; /* canonical, or "*" */
    const char *method;  /* "GetNew" stands for every GetNew<Table> */
    const char *list;    /* "name:type ...", types s b n o */
};
const struct km__epicor_out_params *
km__epicor_out_params_find(const char *service, const char *method);
/* params (taken) rebuilt with every declared member, in order, then the
 * rest. */
cJSON *km__epicor_out_params_apply(const struct km__epicor_out_params *p,
                                   cJSON *params);

/* bpm.c: BPM directives (README.md, "BPM"). Each returns -1 after it
 * answered the BPM exception. */
int km__epicor_bpm_check(const cJSON *directive, char *err, size_t errsz);
int km__epicor_bpm_pre(struct km__epicor_call *c, cJSON *params);
int km__epicor_bpm_post(struct km__epicor_call *c, cJSON *ret, cJSON *params);
int km__epicor_bpm_data(struct km__epicor_call *c, cJSON *ds);
void km__epicor_bpm_error(struct km__epicor_call *c, const char *table,
                          const char *message);

/* openapi.c: the OpenAPI 3.0 document of c->service; kind "odata"
 * (entity sets) or "methods" (BO methods). */
void km__epicor_openapi(struct km__epicor_call *c, const char *kind);

/* act.c */
cJSON *km__epicor_snapshot(void *state);
/* The row of table tid whose key values after Company are vals, or NULL. */
struct km__epicor_row *km__epicor_act_find(struct km__epicor *emu,
                                           struct km__epicor_company *co,
                                           int tid, const cJSON *vals);
/* Merges fields into a stored row (not Company, SysRowID, SysRevID) and
 * marks it written, as a user's save does. */
void km__epicor_act_merge(struct km__epicor *emu, struct km__epicor_table *t,
                          struct km__epicor_row *r, const cJSON *fields);
/* act_purchasing.c: approve_po, change_po_line, enter_ap_invoice. 0 done,
 * -1 with err, 1 when action is none of them. */
int km__epicor_act_purchasing(struct km__epicor *emu,
                              struct km__epicor_company *co, const char *action,
                              const cJSON *args, cJSON **result, char *err,
                              size_t errsz);
int km__epicor_act(void *state, const char *action, const cJSON *args,
                   cJSON **result, char *err, size_t errsz);

/* ---- shop floor (shopfloor.h; README.md, "Shop floor") --------------- */

/* Setters of the configuration keys ud_fields, event_functions,
 * permissions, permission_denied_status, part_tran_writes and
 * generate_jobs. */
int km__epicor_set_ud_fields(void *state, const cJSON *v, char *err,
                             size_t errsz);
int km__epicor_set_event_functions(void *state, const cJSON *v, char *err,
                                   size_t errsz);
int km__epicor_set_permissions(void *state, const cJSON *v, char *err,
                               size_t errsz);
int km__epicor_set_denied_status(void *state, const cJSON *v, char *err,
                                 size_t errsz);
int km__epicor_set_part_tran_writes(void *state, const cJSON *v, char *err,
                                    size_t errsz);
int km__epicor_set_generate_jobs(void *state, const cJSON *v, char *err,
                                 size_t errsz);
void km__epicor_jobs_free(struct km__epicor *emu);
/* 1 when the caller may run the call's method of resource (a service, or
 * "BaqSvc/<id>"); else replies the denial and returns 0. */
int km__epicor_permitted(struct km__epicor_call *c, const char *resource);
/* After a JobEntrySvc or LaborSvc write: fires the events of the jobs
 * ds touched. */
void km__epicor_jobs_after_update(struct km__epicor_call *c, cJSON *ds);
/* Adds assembly 0 to a job saved without one. */
void km__epicor_job_assembly0(struct km__epicor *emu,
                              struct km__epicor_company *co, const cJSON *job);
/* The rows of a BAQ whose "source" is computed (a new array, caller
 * deletes), or NULL for a BAQ of configured rows. */
cJSON *km__epicor_baq_source(struct km__epicor_call *c, const char *source);
/* The shop floor's members of the snapshot (job_events, denied_calls,
 * open_event_calls, event_functions). */
void km__epicor_jobs_snapshot(struct km__epicor *emu, cJSON *o);
/* The shop floor's actions; 0 done, -1 with err, 1 when action is none
 * of them. */
int km__epicor_act_jobs(struct km__epicor *emu, struct km__epicor_company *co,
                        const char *action, const cJSON *args, cJSON **result,
                        char *err, size_t errsz);

#endif

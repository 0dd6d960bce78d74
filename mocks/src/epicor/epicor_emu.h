/*
 * Internals of the Epicor Kinetic emulator shared between its files
 * (km__epi_ prefix). README.md describes the behaviour, the options and
 * the sources behind each default.
 */
#ifndef KM_EPICOR_EPICOR_EMU_H
#define KM_EPICOR_EPICOR_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "kinmock/emulator.h"
#include "odata_filter.h"

/* ---- table definitions (defs.c) ------------------------------------- */

enum km__epi_tid {
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
    T_COUNT
};

/* How a table stamps writes besides SysRevID. */
enum km__epi_stamp {
    STAMP_NONE,
    STAMP_CHANGEDON,  /* Part.ChangedOn (datetime) */
    STAMP_DATE_TIME,  /* ChangeDate (date) + ChangeTime (s since 00:00) */
    STAMP_DATE,       /* ChangeDate only */
    STAMP_LASTCHANGED /* JobHead.LastChangedOn */
};

/* How the last key field is filled on add when it is 0 or missing. */
enum km__epi_auto {
    AUTO_NONE,
    AUTO_COUNTER, /* company-wide counter (OrderNum, CustNum, ...) */
    AUTO_LINE,    /* max under the parent + 1 (OrderLine, POLine, ...) */
    AUTO_GUID     /* the SysRowID (APInvExpTGLC) */
};

#define KM_EPI_MAX_KEYS 7

struct km__epi_tabledef {
    enum km__epi_tid id;
    const char *table;                     /* "OrderDtl" */
    const char *service;                   /* "Erp.BO.SalesOrderSvc" */
    const char *set;                       /* "OrderDtls" */
    const char *keys[KM_EPI_MAX_KEYS + 1]; /* "Company" first; NULL-ended */
    unsigned numeric;                      /* bit i: keys[i] is an integer */
    int parent;                            /* tid of the parent table or -1 */
    const char *fixture;                   /* config key: "order_dtls" */
    enum km__epi_stamp stamp;
    enum km__epi_auto autonum;
    const char *counter;  /* AUTO_COUNTER: counter name in the company */
    const char *defaults; /* JSON object: the GetNew template */
    const char *required; /* space-separated fields Update insists on */
};

extern const struct km__epi_tabledef km__epi_defs[T_COUNT];

const struct km__epi_tabledef *km__epi_def_by_set(const char *service,
                                                  const char *set);
/* Table named table ("OrderHed") within service, or NULL. */
const struct km__epi_tabledef *km__epi_def_by_table(const char *service,
                                                    const char *table);
/* Canonical service name for a case-insensitive match, or NULL. */
const char *km__epi_service_canon(const char *name);
/* NULL-terminated list of the services' names. */
extern const char *const km__epi_services[];
/* Number of keys of def. */
size_t km__epi_nkeys(const struct km__epi_tabledef *def);
/* Decimal scale of a field for v1 output, or -1 when not a decimal. */
int km__epi_decimal_scale(const char *field);

/* ---- storage (tables.c) --------------------------------------------- */

struct km__epi_row {
    cJSON *json; /* NULL while the row is still a generated one */
    char *key;   /* encoded key without Company (sorts like the key) */
    int64_t revid;
    uint32_t gen; /* generator index while json is NULL */
};

struct km__epi_gen {
    uint64_t seed;
    uint32_t count;
    int64_t base_revid; /* row i has SysRevID base_revid + i + 1 */
};

struct km__epi_table {
    const struct km__epi_tabledef *def;
    struct km__epi_company *co;
    struct km__epi_row **by_rev; /* SysRevID order */
    struct km__epi_row **by_key; /* key order */
    size_t n, cap;
    cJSON *fields;          /* known field names: {"Name":true} */
    cJSON *tmpl;            /* parsed def->defaults */
    char gen_stamp[24];     /* ChangedOn of generated rows */
    struct km__epi_gen gen; /* Part and PartWhse only */
};

struct km__epi_company {
    char *id;
    int64_t revid;             /* last SysRevID handed out */
    int64_t counters[T_COUNT]; /* next number of each AUTO_COUNTER table */
    struct km__epi_table t[T_COUNT];
};

/* ---- the emulator state --------------------------------------------- */

struct km__epi_user {
    char *username, *password, *company;
};

struct km__epi_key {
    char *key;
    cJSON *scope; /* NULL: everything; else array of strings */
    int revoked;
};

struct km__epi_token {
    char *token;
    char *user;
    int64_t expires_ms;
    int revoked;
};

struct km__epi_session {
    char *user;
    int64_t last_ms;
};

struct km__epi {
    struct ks_clock *clock;
    struct km_server *server;
    char *instance;
    struct km__epi_company **companies;
    size_t ncompanies;
    struct km__epi_user *users;
    size_t nusers;
    struct km__epi_key *keys;
    size_t nkeys;
    cJSON *idp_clients;
    struct km__epi_token *tokens;
    size_t ntokens;
    struct km__epi_session *sessions; /* Basic-auth users holding a seat */
    size_t nsessions;
    int64_t tokens_issued;
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
};

/* The context of one API call. */
struct km__epi_call {
    struct km__epi *emu;
    struct km_response *res;
    const struct km_request *req;
    int v1;
    struct km__epi_company *co;
    const char *service; /* canonical */
    const char *user;
    struct km__epi_key *key; /* v2 API key of the call */
    char **seg;              /* path segments after the service */
    size_t nseg;
};

/* config.c */
int km__epi_config(struct km__epi *emu, const cJSON *config, char *err,
                   size_t errsz);
void km__epi_state_free(void *state);
struct km__epi_company *km__epi_company_find(struct km__epi *emu,
                                             const char *id);
struct km__epi_company *km__epi_company_add(struct km__epi *emu,
                                            const char *id);
/* Loads fixture rows (with nested child arrays) into table tid. */
int km__epi_load_rows(struct km__epi *emu, struct km__epi_company *co,
                      enum km__epi_tid tid, const cJSON *rows,
                      const cJSON *parent, char *err, size_t errsz);

/* tables.c */
void km__epi_table_init(struct km__epi_table *t,
                        const struct km__epi_tabledef *def,
                        struct km__epi_company *co);
void km__epi_table_dispose(struct km__epi_table *t);
/* Encodes the key values of row (or of a JSON array of key values,
 * Company excluded) into a malloc'ed string. NULL if a key is missing. */
char *km__epi_key_of_row(const struct km__epi_table *t, const cJSON *row,
                         int ci);
char *km__epi_key_of_values(const struct km__epi_table *t, const cJSON *values,
                            size_t nvalues, int ci);
struct km__epi_row *km__epi_find(const struct km__epi_table *t,
                                 const char *key);
/* First index in by_key whose key starts with prefix (children). */
size_t km__epi_lower_bound(const struct km__epi_table *t, const char *key);
/* First index in by_rev with revid > floor. */
size_t km__epi_rev_bound(const struct km__epi_table *t, int64_t floor);
/* The row's JSON: borrowed (*tmp = 0) or generated (*tmp = 1, delete). */
cJSON *km__epi_view(const struct km__epi_table *t, const struct km__epi_row *r,
                    int *tmp);
/* Makes a generated row concrete and returns its JSON (borrowed). */
cJSON *km__epi_own(struct km__epi_table *t, struct km__epi_row *r);
/* Inserts json (taken) as a new row; SysRevID, SysRowID, Company and the
 * change stamp are set. Returns the row. */
struct km__epi_row *km__epi_insert(struct km__epi *emu, struct km__epi_table *t,
                                   cJSON *json);
/* Marks a row written: bumps SysRevID (moving it to the end of by_rev)
 * and sets the change stamp. */
void km__epi_touch(struct km__epi *emu, struct km__epi_table *t,
                   struct km__epi_row *r);
/* Removes a row and its descendants in child tables. */
void km__epi_remove(struct km__epi_table *t, struct km__epi_row *r);
/* Appends rows (borrowed, generated ones made concrete) of child table
 * ct under parent key pkey to arr (duplicates). */
void km__epi_children(cJSON *arr, struct km__epi_table *ct, const char *pkey);
/* Generated rows. */
void km__epi_generate(struct km__epi *emu, struct km__epi_company *co,
                      uint32_t nparts, uint64_t seed);
void km__epi_table_sort(struct km__epi_table *t);
void km__epi_stamp_row(struct km__epi *emu, const struct km__epi_tabledef *d,
                       cJSON *row);
void km__epi_fields_note(struct km__epi_table *t, const cJSON *row);
/* Adds the template fields row lacks. */
void km__epi_fill_defaults(const struct km__epi_table *t, cJSON *row);
/* Next line number (last key) under the other keys of row. */
int64_t km__epi_next_line(const struct km__epi_table *t, const cJSON *row,
                          int ci);

/* util (emulator.c) */
void km__epi_guid(struct km__epi *emu, char out[37]);
uint64_t km__epi_rand(uint64_t *state);
int64_t km__epi_now(const struct km__epi *emu);
void km__epi_error(struct km__epi_call *c, int status, const char *type,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void km__epi_reply(struct km__epi_call *c, int status, cJSON *json);
/* Converts a row or tableset for output (v1: decimals and SysRevID as
 * strings). Modifies json in place. */
void km__epi_outconv(const struct km__epi_call *c, cJSON *json);
/* Normalises incoming values (string decimals to numbers). */
void km__epi_inconv(cJSON *row);
/* Replaces (or adds) obj[name] by item (taken). */
void km__epi_put(cJSON *obj, const char *name, cJSON *item);
void km__epi_set_str(cJSON *obj, const char *name, const char *value);
void km__epi_set_num(cJSON *obj, const char *name, double value);
void km__epi_set_bool(cJSON *obj, const char *name, int value);
const char *km__epi_str(const cJSON *obj, const char *name);
double km__epi_num(const cJSON *obj, const char *name);

/* auth.c */
int km__epi_auth(struct km__epi_call *c);
int km__epi_api_key(struct km__epi_call *c);
int km__epi_scope_ok(struct km__epi_call *c, const char *resource);
void km__epi_token_resource(struct km__epi_call *c);
void km__epi_idp_token(struct km__epi_call *c);
int km__epi_fault(void *state, const char *action, const cJSON *rule);
int km__epi_licenses_in_use(struct km__epi *emu);
int64_t km__epi_tokens_active(struct km__epi *emu);
void km__epi_expire_tokens(struct km__epi *emu);
void km__epi_revoke_keys(struct km__epi *emu, const char *key);

/* odata_query.c */
struct km__oq_order {
    char *field;
    int desc;
};
struct km__oq {
    struct km__of *filter;
    char *filter_text;
    char **select;
    size_t nselect;
    struct km__oq_order *order;
    size_t norder;
    long top; /* -1: none */
    long skip;
    int count;
    char **expand;
    size_t nexpand;
};
/* Reads $-options from the request. 0, or -1 after replying 400. */
int km__oq_from_request(struct km__oq *q, struct km__epi_call *c);
/* Builds from explicit strings (BAQ and GetRows). 0 or -1 with err. */
int km__oq_from_strings(struct km__oq *q, const char *filter,
                        const char *orderby, char *err, size_t errsz);
void km__oq_dispose(struct km__oq *q);
/* Runs q over t (restricted to children of pkey when not NULL); returns
 * a JSON array of copies (before $select), and the count before paging. */
cJSON *km__oq_run(const struct km__oq *q, struct km__epi *emu,
                  struct km__epi_table *t, const char *pkey, long cap,
                  long *count);
/* Applies q to an array of rows (BAQ); returns a new array. */
cJSON *km__oq_run_array(const struct km__oq *q, struct km__epi *emu,
                        const cJSON *rows, long cap, long *count);
/* Checks the fields q names against t's entity type (or the parent's,
 * with child_filter_quirk). 0, or -1 after replying 400. */
int km__oq_validate(struct km__epi_call *c, const struct km__oq *q,
                    const struct km__epi_table *t);
/* Keeps only the $select fields of each row. */
void km__oq_project(const struct km__oq *q, cJSON *rows);
/* Parses "('C','P')" or "(Company='C',PartNum='P')" against def's keys
 * into a JSON array of all key values (Company included). 0, or -1 with
 * err. */
int km__epi_parse_keys(cJSON **out, const struct km__epi_tabledef *def,
                       const char *text, char *err, size_t errsz);

/* odata_routes.c */
void km__epi_odata(struct km__epi_call *c);

/* update.c */
/* Applies the tableset ds of service (rows by RowMod). On failure replies
 * the error itself and returns -1. touched receives the header keys
 * written (array of strings) when not NULL. */
int km__epi_update_ds(struct km__epi_call *c, cJSON *ds, cJSON *touched);
/* Tableset for the row with key of table def, with children. */
cJSON *km__epi_tableset(struct km__epi_call *c,
                        const struct km__epi_tabledef *def, const char *key);
/* A defaulted new row of table (GetNew), parents given by keyvals. */
cJSON *km__epi_new_row(struct km__epi_call *c,
                       const struct km__epi_tabledef *def, cJSON *ds,
                       const cJSON *keyvals);

/* Hooks of the write path (methods_other.c): defaults of a GetNew row,
 * after a row is added or updated, and the APInvExpTGLC GL check. */
void km__epi_new_defaults(struct km__epi_call *c,
                          const struct km__epi_tabledef *def, cJSON *row,
                          cJSON *ds);
void km__epi_added(struct km__epi_call *c, const struct km__epi_tabledef *d,
                   cJSON *row);
void km__epi_updated(struct km__epi_call *c, const struct km__epi_tabledef *d,
                     cJSON *row);
int km__epi_check_tglc(struct km__epi_call *c, const cJSON *row, char *msg,
                       size_t n);
/* The primary (header) table of a service. */
const struct km__epi_tabledef *km__epi_primary(const char *service);
/* Finds a row of table tid by the key values after Company (strings
 * from a query string are converted for numeric keys). */
struct km__epi_row *km__epi_find_vals(struct km__epi_call *c, int tid,
                                      const cJSON *vals, char **key_out);

/* methods.c, methods_sales.c, methods_other.c */
void km__epi_method(struct km__epi_call *c, const char *method);
int km__epi_method_sales(struct km__epi_call *c, const char *method,
                         cJSON *params);
int km__epi_method_other(struct km__epi_call *c, const char *method,
                         cJSON *params);
/* Replies {"returnObj":ret,"parameters":params} (either may be NULL). */
void km__epi_method_reply(struct km__epi_call *c, cJSON *ret, cJSON *params);
/* Recomputes derived amounts after an update of service. */
void km__epi_after_update(struct km__epi_call *c, cJSON *ds);
void km__epi_after_update_other(struct km__epi_call *c, cJSON *ds);
/* Row of table tid in ds to work on: the one with RowMod A/U, else the
 * last. NULL if none. */
cJSON *km__epi_ds_row(cJSON *ds, const char *table);

/* baq_efx.c */
void km__epi_baq(struct km__epi_call *c, const char *baq_id, int data);
void km__epi_efx(struct km__epi_call *c, const char *company,
                 const char *library, const char *function, int staging);

/* metadata */
void km__epi_metadata(struct km__epi_call *c);
void km__epi_service_doc(struct km__epi_call *c);

/* act.c */
cJSON *km__epi_snapshot(void *state);
int km__epi_act(void *state, const char *action, const cJSON *args,
                cJSON **result, char *err, size_t errsz);

#endif

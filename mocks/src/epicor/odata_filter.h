/*
 * OData $filter for the Epicor emulator: a tokenizer, a recursive-descent
 * parser to an AST and an evaluator over cJSON rows. The grammar is the
 * subset Epicor integrators use (see README.md); anything else fails with
 * a message naming the construct and its 0-based position.
 *
 * Also here: the literal reader shared with key segments ("('C',5)"), the
 * ISO date helpers and the translation of BO where-clauses
 * ("SysRevID > 5 BY SysRevID") to $filter syntax.
 */
#ifndef KM_EPICOR_ODATA_FILTER_H
#define KM_EPICOR_ODATA_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct km__odata_filter;

struct km__odata_filter_err {
    size_t pos; /* 0-based offset into the text */
    char msg[256];
};

enum km__odata_value_type {
    KM_OV_NULL,
    KM_OV_BOOL,
    KM_OV_INT,
    KM_OV_DEC,
    KM_OV_STR,
    KM_OV_DATE,
    KM_OV_GUID
};

/* A value: a literal or a row field. s is owned by whoever made it. */
struct km__odata_value {
    enum km__odata_value_type type;
    int b;
    int64_t i;
    double d;   /* set for INT and DEC */
    char *s;    /* STR and GUID text, DATE original text */
    int64_t ms; /* DATE: ms since the epoch, UTC */
};

/* Parses text; 0, or -1 with err filled. */
int km__odata_filter_parse(struct km__odata_filter **out, const char *text,
                           struct km__odata_filter_err *err);
void km__odata_filter_free(struct km__odata_filter *f);

/* 1 when row matches. ci: string comparisons ignore case (SQL Server's
 * default collation, which Epicor databases use). */
int km__odata_filter_eval(const struct km__odata_filter *f, const cJSON *row,
                          int ci);

/* Where the evaluator reads a row's fields: get fills *v with the value
 * of field (KM_OV_NULL when the row lacks it); v->s is borrowed and must
 * stay valid until the evaluation of the row ends. Lets a caller test
 * rows it keeps in another form than cJSON without building JSON. */
struct km__odata_row_src {
    void (*get)(void *ud, const char *field, struct km__odata_value *v);
    void *ud;
};
int km__odata_filter_eval_src(const struct km__odata_filter *f,
                              const struct km__odata_row_src *row, int ci);
/* A JSON value (NULL, objects and arrays: KM_OV_NULL; strings borrowed)
 * and a number (KM_OV_INT when integral, else KM_OV_DEC) as the
 * evaluator sees them. */
void km__odata_value_of_json(struct km__odata_value *v, const cJSON *j);
void km__odata_value_of_number(struct km__odata_value *v, double d);

/* The SysRevID lower bound implied by a top-level conjunct
 * "SysRevID gt N" (N) or "SysRevID ge N" (N-1); INT64_MIN if none. */
int64_t km__odata_filter_revid_floor(const struct km__odata_filter *f);

/* Comparison operators of a conjunct, as km__odata_filter_conjuncts_each
 * reports them (field first). */
enum km__odata_cmp {
    KM_OC_EQ,
    KM_OC_NE,
    KM_OC_GT,
    KM_OC_GE,
    KM_OC_LT,
    KM_OC_LE
};
typedef void (*km__odata_conjunct_fn)(void *ud, const char *field,
                                      enum km__odata_cmp op,
                                      const struct km__odata_value *lit);
/* Calls fn for every top-level conjunct of the form "field op literal"
 * ("literal op field" is turned around); returns how many top-level
 * conjuncts are something else (0: the filter is exactly the conjunction
 * of what fn saw). For choosing an index, never for deciding a match. */
int km__odata_filter_conjuncts_each(const struct km__odata_filter *f,
                                    km__odata_conjunct_fn fn, void *ud);

/* 1 when f is exactly "SysRevID gt N" or "SysRevID ge N" (the rows after
 * km__odata_filter_revid_floor match, and no other). */
int km__odata_filter_is_revid_floor(const struct km__odata_filter *f);

/* Calls fn for every field name the filter references (for validation
 * against the entity type); stops at the first nonzero return and
 * returns it. */
int km__odata_filter_fields_each(const struct km__odata_filter *f,
                                 int (*fn)(void *ud, const char *field,
                                           size_t pos),
                                 void *ud);

/* Reads one literal at *p (string, number, true/false/null,
 * datetime'..', guid'..', bare ISO date or GUID) and advances *p.
 * base is the start of the text, for positions in err. */
int km__odata_filter_literal(struct km__odata_value *out, const char **p,
                             const char *base,
                             struct km__odata_filter_err *err);
void km__odata_value_dispose(struct km__odata_value *v);
/* The literal as JSON (numbers, strings, bools, null). */
cJSON *km__odata_value_to_json(const struct km__odata_value *v);
/* Compares a JSON row value with a literal: <0, 0, >0, or 2 when the two
 * cannot be compared. */
int km__odata_value_compare_json(const cJSON *field,
                                 const struct km__odata_value *lit, int ci);

/* Orders two JSON values (nulls first; then as in $filter). */
int km__odata_json_compare(const cJSON *a, const cJSON *b, int ci);

/* "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+hh:mm|-hh:mm]" → ms since the epoch,
 * by kx_iso8601_parse_n (so also "+hhmm"); "T" is the only separator; a
 * value without an offset is taken as UTC. 0, or -1 when malformed. */
int km__epicor_parse_datetime(int64_t *out_ms, const char *s, size_t len);
/* Orders two JSON values (nulls first; then as in $filter). */
int km__odata_json_compare(const cJSON *a, const cJSON *b, int ci);

/* "YYYY-MM-DDTHH:MM:SS" (date_only: time forced to 00:00:00) into buf. */
void km__epicor_format_datetime(char *buf, size_t bufsz, int64_t ms,
                                int date_only);

/*
 * Translates a BO where-clause ("SysRevID > 5 AND PartNum = 'A' BY
 * SysRevID DESC") to $filter text (*out_filter, "" when empty) and
 * $orderby text (*out_orderby, "" when no BY). Malloc'ed strings.
 * 0, or -1 with err.
 */
int km__odata_where_to_filter(char **out_filter, char **out_orderby,
                              const char *where,
                              struct km__odata_filter_err *err);

#endif

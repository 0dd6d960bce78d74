/*
 * $filter: tokenizer, recursive-descent parser and evaluator.
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | func ['eq'|'ne' bool] | operand cmp operand
 *   func    := contains|startswith|endswith|substringof '(' operand ','
 *              operand ')'
 *   operand := field | literal
 *
 * 'not' takes the comparison after it as a whole (lenient: strict OData
 * binds it tighter than 'eq'). Arithmetic, lambdas, paths, 'has'/'in' and
 * every other function are rejected with their name and position.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <kx/alloc.h>
#include "odata_filter.h"

enum node_kind { N_OR, N_AND, N_NOT, N_CMP, N_FUNC, N_FIELD, N_LIT };
/* In the order of enum km__odata_cmp (odata_filter.h). */
enum cmp_op { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE };
enum tok_kind { T_EOF, T_LP, T_RP, T_COMMA, T_IDENT, T_LIT };

struct km__odata_filter {
    enum node_kind kind;
    enum cmp_op op;
    struct km__odata_filter *a, *b;
    char *name; /* field or function */
    size_t pos;
    struct km__odata_value lit;
};

struct tok {
    enum tok_kind kind;
    size_t pos;
    const char *start;
    size_t len;
    struct km__odata_value lit; /* T_LIT; owned by the token until taken */
};

struct parser {
    const char *text;
    const char *p;
    struct tok tok;
    struct km__odata_filter_err *err;
    int depth;
};

static const char *const unsupported_ops[] = {"add", "sub", "mul", "div", "mod",
                                              "has", "in",  "any", "all", NULL};
static const char *const known_funcs[] = {"contains", "startswith", "endswith",
                                          "substringof", NULL};

static int fail(struct parser *ps, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first error; fmt's last conversion is the position. */
static int fail(struct parser *ps, size_t pos, const char *fmt, ...)
{
    va_list ap;

    ps->err->pos = pos;
    va_start(ap, fmt);
    vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static int is_ident_char(int c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Advances to the next token; the previous token's literal must have been
 * taken or disposed by the caller. */
static int next(struct parser *ps)
{
    const char *p = ps->p;

    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    memset(&ps->tok, 0, sizeof(ps->tok));
    ps->tok.pos = (size_t)(p - ps->text);
    ps->tok.start = p;
    if (*p == '\0') {
        ps->tok.kind = T_EOF;
    } else if (*p == '(' || *p == ')' || *p == ',') {
        ps->tok.kind = *p == '(' ? T_LP : *p == ')' ? T_RP : T_COMMA;
        p++;
    } else if (*p == '/') {
        return fail(ps, ps->tok.pos,
                    "Navigation paths ('/') are not supported at "
                    "position %zu",
                    ps->tok.pos);
    } else {
        const char *q = p;
        int ident = isalpha((unsigned char)*p) || *p == '_';

        while (ident && is_ident_char(*q))
            q++;
        /* Keywords that start a literal, and GUIDs starting with a-f. */
        if (ident && (*q == '\'' || *q == '-' ||
                      (q - p == 4 && strncmp(p, "true", 4) == 0) ||
                      (q - p == 5 && strncmp(p, "false", 5) == 0) ||
                      (q - p == 4 && strncmp(p, "null", 4) == 0)))
            ident = 0;
        if (ident) {
            ps->tok.kind = T_IDENT;
            p = q;
        } else if (*p == '\'' || *p == '-' || isalnum((unsigned char)*p)) {
            if (km__odata_filter_literal(&ps->tok.lit, &p, ps->text, ps->err))
                return -1;
            ps->tok.kind = T_LIT;
        } else {
            char c[2] = {*p, 0};
            return fail(ps, ps->tok.pos,
                        "Unexpected character '%s' at position %zu", c,
                        ps->tok.pos);
        }
    }
    ps->tok.len = (size_t)(p - ps->tok.start);
    ps->p = p;
    return 0;
}

static int tok_is(const struct parser *ps, const char *word)
{
    return ps->tok.kind == T_IDENT && ps->tok.len == strlen(word) &&
           strncmp(ps->tok.start, word, ps->tok.len) == 0;
}

static char *tok_text(const struct parser *ps)
{
    char *s = kx_xmalloc(ps->tok.len + 1);

    memcpy(s, ps->tok.start, ps->tok.len);
    s[ps->tok.len] = '\0';
    return s;
}

static struct km__odata_filter *node_new(enum node_kind kind, size_t pos)
{
    struct km__odata_filter *n = kx_xcalloc(1, sizeof(*n));

    n->kind = kind;
    n->pos = pos;
    return n;
}

void km__odata_filter_free(struct km__odata_filter *f)
{
    if (!f)
        return;
    km__odata_filter_free(f->a);
    km__odata_filter_free(f->b);
    free(f->name);
    km__odata_value_dispose(&f->lit);
    free(f);
}

static int found_fail(struct parser *ps, const char *expected)
{
    char what[48];

    if (ps->tok.kind == T_EOF)
        snprintf(what, sizeof(what), "end of input");
    else
        snprintf(what, sizeof(what), "'%.*s'",
                 (int)(ps->tok.len > 30 ? 30 : ps->tok.len), ps->tok.start);
    ps->err->pos = ps->tok.pos;
    snprintf(ps->err->msg, sizeof(ps->err->msg),
             "Syntax error: expected %s but found %s at position %zu", expected,
             what, ps->tok.pos);
    return -1;
}

static int check_unsupported_word(struct parser *ps)
{
    char word[40];

    if (ps->tok.kind != T_IDENT)
        return 0;
    snprintf(word, sizeof(word), "%.*s", (int)ps->tok.len, ps->tok.start);
    for (size_t i = 0; unsupported_ops[i]; i++) {
        if (strcmp(word, unsupported_ops[i]) == 0)
            return fail(ps, ps->tok.pos,
                        "The operator '%s' is not supported at position %zu",
                        word, ps->tok.pos);
    }
    return 0;
}

/* operand := field | literal. Takes the current token. */
static int parse_operand(struct km__odata_filter **out, struct parser *ps)
{
    struct km__odata_filter *n;

    *out = NULL;
    if (ps->tok.kind == T_LIT) {
        n = node_new(N_LIT, ps->tok.pos);
        n->lit = ps->tok.lit;
        memset(&ps->tok.lit, 0, sizeof(ps->tok.lit));
    } else if (ps->tok.kind == T_IDENT) {
        if (check_unsupported_word(ps))
            return -1;
        n = node_new(N_FIELD, ps->tok.pos);
        n->name = tok_text(ps);
    } else {
        return found_fail(ps, "a property name or a literal");
    }
    *out = n;
    if (next(ps))
        return -1;
    if (ps->tok.kind == T_LP && n->kind == N_FIELD)
        return fail(ps, n->pos, "Unknown function '%s' at position %zu",
                    n->name, n->pos);
    return 0;
}

static int parse_cmp_op(enum cmp_op *op, struct parser *ps)
{
    static const char *const names[] = {"eq", "ne", "gt", "ge", "lt", "le"};

    for (int i = 0; i < 6; i++) {
        if (tok_is(ps, names[i])) {
            *op = (enum cmp_op)i;
            return next(ps);
        }
    }
    if (check_unsupported_word(ps))
        return -1;
    return found_fail(ps, "a comparison operator (eq ne gt ge lt le)");
}

static int parse_expr(struct km__odata_filter **out, struct parser *ps);

static int parse_func(struct km__odata_filter **out, struct parser *ps)
{
    struct km__odata_filter *n = node_new(N_FUNC, ps->tok.pos);
    int known = 0;

    *out = n;
    n->name = tok_text(ps);
    for (size_t i = 0; known_funcs[i]; i++)
        known |= strcmp(n->name, known_funcs[i]) == 0;
    if (!known)
        return fail(ps, n->pos,
                    "Unknown function '%s' at position %zu (supported: "
                    "contains, startswith, endswith, substringof)",
                    n->name, n->pos);
    if (next(ps))
        return -1;
    if (ps->tok.kind != T_LP)
        return found_fail(ps, "'('");
    if (next(ps) || parse_operand(&n->a, ps))
        return -1;
    if (ps->tok.kind != T_COMMA)
        return found_fail(ps, "','");
    if (next(ps) || parse_operand(&n->b, ps))
        return -1;
    if (ps->tok.kind != T_RP)
        return found_fail(ps, "')'");
    if (next(ps))
        return -1;
    /* Optional "eq true" / "ne false" after a function. */
    if (tok_is(ps, "eq") || tok_is(ps, "ne")) {
        struct km__odata_filter *cmp = node_new(N_CMP, ps->tok.pos);

        cmp->a = n;
        *out = cmp;
        if (parse_cmp_op(&cmp->op, ps))
            return -1;
        if (ps->tok.kind != T_LIT || ps->tok.lit.type != KM_OV_BOOL)
            return found_fail(ps, "true or false");
        return parse_operand(&cmp->b, ps);
    }
    return 0;
}

static int parse_primary(struct km__odata_filter **out, struct parser *ps)
{
    struct km__odata_filter *n;

    *out = NULL;
    if (++ps->depth > 64)
        return fail(ps, ps->tok.pos,
                    "Expression nested too deeply at "
                    "position %zu",
                    ps->tok.pos);
    if (ps->tok.kind == T_LP) {
        size_t open = ps->tok.pos;

        if (next(ps) || parse_expr(out, ps))
            return -1;
        if (ps->tok.kind != T_RP) {
            if (ps->tok.kind == T_EOF)
                return fail(ps, open,
                            "Unbalanced parenthesis: '(' at position %zu "
                            "is never closed",
                            open);
            return found_fail(ps, "')'");
        }
        ps->depth--;
        return next(ps);
    }
    if (ps->tok.kind == T_IDENT && *(ps->p + strspn(ps->p, " ")) == '(' &&
        !check_unsupported_word(ps)) {
        ps->depth--;
        return parse_func(out, ps);
    }
    n = node_new(N_CMP, ps->tok.pos);
    *out = n;
    if (parse_operand(&n->a, ps) || parse_cmp_op(&n->op, ps) ||
        parse_operand(&n->b, ps))
        return -1;
    ps->depth--;
    return 0;
}

static int parse_unary(struct km__odata_filter **out, struct parser *ps)
{
    if (tok_is(ps, "not")) {
        struct km__odata_filter *n = node_new(N_NOT, ps->tok.pos);

        *out = n;
        if (next(ps))
            return -1;
        return parse_unary(&n->a, ps);
    }
    return parse_primary(out, ps);
}

static int parse_and(struct km__odata_filter **out, struct parser *ps)
{
    if (parse_unary(out, ps))
        return -1;
    while (tok_is(ps, "and")) {
        struct km__odata_filter *n = node_new(N_AND, ps->tok.pos);

        n->a = *out;
        *out = n;
        if (next(ps) || parse_unary(&n->b, ps))
            return -1;
    }
    return 0;
}

static int parse_expr(struct km__odata_filter **out, struct parser *ps)
{
    if (parse_and(out, ps))
        return -1;
    while (tok_is(ps, "or")) {
        struct km__odata_filter *n = node_new(N_OR, ps->tok.pos);

        n->a = *out;
        *out = n;
        if (next(ps) || parse_and(&n->b, ps))
            return -1;
    }
    return 0;
}

int km__odata_filter_parse(struct km__odata_filter **out, const char *text,
                           struct km__odata_filter_err *err)
{
    struct parser ps = {.text = text, .p = text, .err = err};
    struct km__odata_filter *root = NULL;
    int rc = -1;

    *out = NULL;
    memset(err, 0, sizeof(*err));
    if (next(&ps))
        goto out;
    if (ps.tok.kind == T_EOF) {
        fail(&ps, 0, "The $filter expression is empty (position %zu)",
             (size_t)0);
        goto out;
    }
    if (parse_expr(&root, &ps))
        goto out;
    if (ps.tok.kind == T_RP) {
        fail(&ps, ps.tok.pos,
             "Unbalanced parenthesis: ')' at position %zu has no '('",
             ps.tok.pos);
        goto out;
    }
    if (ps.tok.kind != T_EOF) {
        if (!check_unsupported_word(&ps))
            found_fail(&ps, "'and', 'or' or the end of the expression");
        goto out;
    }
    *out = root;
    root = NULL;
    rc = 0;
out:
    km__odata_value_dispose(&ps.tok.lit);
    km__odata_filter_free(root);
    return rc;
}

/* ---- evaluation ------------------------------------------------------ */

void km__odata_value_of_number(struct km__odata_value *v, double d)
{
    memset(v, 0, sizeof(*v));
    v->d = d;
    /* Range first: converting a double outside int64_t's range (a
     * wide Epicor decimal such as 1e300) is undefined behaviour. */
    if (d < 9.2e18 && d > -9.2e18 && d == (double)(int64_t)d) {
        v->type = KM_OV_INT;
        v->i = (int64_t)d;
    } else {
        v->type = KM_OV_DEC;
    }
}

void km__odata_value_of_json(struct km__odata_value *v, const cJSON *j)
{
    memset(v, 0, sizeof(*v));
    if (!j || cJSON_IsNull(j)) {
        v->type = KM_OV_NULL;
    } else if (cJSON_IsBool(j)) {
        v->type = KM_OV_BOOL;
        v->b = cJSON_IsTrue(j);
    } else if (cJSON_IsNumber(j)) {
        km__odata_value_of_number(v, j->valuedouble);
    } else if (cJSON_IsString(j)) {
        v->type = KM_OV_STR;
        v->s = j->valuestring;
    } else {
        v->type = KM_OV_NULL; /* objects and arrays compare as null */
    }
}

static int cmp_num(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* <0, 0, >0, or 2 when incomparable (types differ, nulls). */
static int compare_ov(const struct km__odata_value *a,
                      const struct km__odata_value *b, int ci)
{
    int64_t ms;

    if (a->type == KM_OV_NULL || b->type == KM_OV_NULL)
        return 2;
    if (a->type == KM_OV_DATE && b->type == KM_OV_STR) {
        if (km__epicor_parse_datetime(&ms, b->s, strlen(b->s)))
            return 2;
        return a->ms < ms ? -1 : a->ms > ms ? 1 : 0;
    }
    if (a->type == KM_OV_STR && b->type == KM_OV_DATE) {
        int r = compare_ov(b, a, ci);
        return r == 2 ? 2 : -r;
    }
    if (a->type == KM_OV_DATE && b->type == KM_OV_DATE)
        return a->ms < b->ms ? -1 : a->ms > b->ms ? 1 : 0;
    if ((a->type == KM_OV_GUID || a->type == KM_OV_STR) &&
        (b->type == KM_OV_GUID || b->type == KM_OV_STR)) {
        int r;

        if (a->type == KM_OV_GUID || b->type == KM_OV_GUID || ci)
            r = strcasecmp(a->s, b->s);
        else
            r = strcmp(a->s, b->s);
        return r < 0 ? -1 : r > 0 ? 1 : 0;
    }
    if ((a->type == KM_OV_INT || a->type == KM_OV_DEC) &&
        (b->type == KM_OV_INT || b->type == KM_OV_DEC)) {
        if (a->type == KM_OV_INT && b->type == KM_OV_INT)
            return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
        return cmp_num(a->d, b->d);
    }
    if (a->type == KM_OV_BOOL && b->type == KM_OV_BOOL)
        return a->b - b->b;
    return 2;
}

int km__odata_value_compare_json(const cJSON *field,
                                 const struct km__odata_value *lit, int ci)
{
    struct km__odata_value v;

    km__odata_value_of_json(&v, field);
    return compare_ov(&v, lit, ci);
}

int km__odata_json_compare(const cJSON *a, const cJSON *b, int ci)
{
    struct km__odata_value x, y;
    int r;

    km__odata_value_of_json(&x, a);
    km__odata_value_of_json(&y, b);
    if (x.type == KM_OV_NULL || y.type == KM_OV_NULL)
        return (x.type != KM_OV_NULL) - (y.type != KM_OV_NULL);
    r = compare_ov(&x, &y, ci);
    if (r == 2) /* mixed types: order by type, stably */
        return (int)x.type - (int)y.type;
    return r;
}

static const char *find_sub(const char *hay, const char *needle, int ci)
{
    size_t n = strlen(needle);

    for (const char *h = hay; *h; h++) {
        if ((ci ? strncasecmp(h, needle, n) : strncmp(h, needle, n)) == 0)
            return h;
    }
    return n == 0 ? hay : NULL;
}

static int eval_node(const struct km__odata_filter *f,
                     const struct km__odata_row_src *row, int ci);

static void operand_value(struct km__odata_value *v,
                          const struct km__odata_filter *n,
                          const struct km__odata_row_src *row, int ci)
{
    if (n->kind == N_LIT) {
        *v = n->lit; /* borrowed */
    } else if (n->kind == N_FIELD) {
        row->get(row->ud, n->name, v);
    } else {
        memset(v, 0, sizeof(*v));
        v->type = KM_OV_BOOL;
        v->b = eval_node(n, row, ci);
    }
}

static int eval_func(const struct km__odata_filter *f,
                     const struct km__odata_row_src *row, int ci)
{
    struct km__odata_value a, b;
    const char *hay, *needle;
    size_t hn, nn;

    operand_value(&a, f->a, row, ci);
    operand_value(&b, f->b, row, ci);
    if (a.type != KM_OV_STR || b.type != KM_OV_STR)
        return 0;
    hay = a.s;
    needle = b.s;
    if (strcmp(f->name, "substringof") == 0) {
        hay = b.s;
        needle = a.s;
    }
    hn = strlen(hay);
    nn = strlen(needle);
    if (strcmp(f->name, "startswith") == 0)
        return nn <= hn && (ci ? strncasecmp(hay, needle, nn)
                               : strncmp(hay, needle, nn)) == 0;
    if (strcmp(f->name, "endswith") == 0)
        return nn <= hn && (ci ? strcasecmp(hay + hn - nn, needle)
                               : strcmp(hay + hn - nn, needle)) == 0;
    return find_sub(hay, needle, ci) != NULL;
}

static int eval_cmp(const struct km__odata_filter *f,
                    const struct km__odata_row_src *row, int ci)
{
    struct km__odata_value a, b;
    int r;

    operand_value(&a, f->a, row, ci);
    operand_value(&b, f->b, row, ci);
    if (a.type == KM_OV_NULL || b.type == KM_OV_NULL) {
        int both = a.type == KM_OV_NULL && b.type == KM_OV_NULL;

        return f->op == OP_EQ ? both : f->op == OP_NE ? !both : 0;
    }
    r = compare_ov(&a, &b, ci);
    if (r == 2)
        return f->op == OP_NE;
    switch (f->op) {
    case OP_EQ:
        return r == 0;
    case OP_NE:
        return r != 0;
    case OP_GT:
        return r > 0;
    case OP_GE:
        return r >= 0;
    case OP_LT:
        return r < 0;
    case OP_LE:
        return r <= 0;
    }
    return 0;
}

static int eval_node(const struct km__odata_filter *f,
                     const struct km__odata_row_src *row, int ci)
{
    switch (f->kind) {
    case N_OR:
        return eval_node(f->a, row, ci) || eval_node(f->b, row, ci);
    case N_AND:
        return eval_node(f->a, row, ci) && eval_node(f->b, row, ci);
    case N_NOT:
        return !eval_node(f->a, row, ci);
    case N_CMP:
        return eval_cmp(f, row, ci);
    case N_FUNC:
        return eval_func(f, row, ci);
    default:
        return 0;
    }
}

static void json_field(void *ud, const char *field, struct km__odata_value *v)
{
    km__odata_value_of_json(
        v, cJSON_GetObjectItemCaseSensitive((const cJSON *)ud, field));
}

int km__odata_filter_eval(const struct km__odata_filter *f, const cJSON *row,
                          int ci)
{
    struct km__odata_row_src src = {json_field, (void *)row};

    return f ? eval_node(f, &src, ci) : 1;
}

int km__odata_filter_eval_src(const struct km__odata_filter *f,
                              const struct km__odata_row_src *row, int ci)
{
    return f ? eval_node(f, row, ci) : 1;
}

int km__odata_filter_conjuncts_each(const struct km__odata_filter *f,
                                    km__odata_conjunct_fn fn, void *ud)
{
    const struct km__odata_filter *field, *lit;
    enum cmp_op op;
    static const enum cmp_op turned[] = {
        [OP_EQ] = OP_EQ, [OP_NE] = OP_NE, [OP_GT] = OP_LT,
        [OP_GE] = OP_LE, [OP_LT] = OP_GT, [OP_LE] = OP_GE};

    if (!f)
        return 0;
    if (f->kind == N_AND)
        return km__odata_filter_conjuncts_each(f->a, fn, ud) +
               km__odata_filter_conjuncts_each(f->b, fn, ud);
    if (f->kind != N_CMP)
        return 1;
    field = f->a;
    lit = f->b;
    op = f->op;
    if (field->kind == N_LIT) { /* "5 lt SysRevID" is "SysRevID gt 5" */
        field = f->b;
        lit = f->a;
        op = turned[op];
    }
    if (field->kind != N_FIELD || lit->kind != N_LIT)
        return 1;
    fn(ud, field->name, (enum km__odata_cmp)op, &lit->lit);
    return 0;
}

struct floor_only {
    int seen, other;
};

static void floor_conjunct(void *ud, const char *field, enum km__odata_cmp op,
                           const struct km__odata_value *lit)
{
    struct floor_only *fo = ud;

    if (strcmp(field, "SysRevID") == 0 && lit->type == KM_OV_INT &&
        (op == KM_OC_GT || op == KM_OC_GE))
        fo->seen++;
    else
        fo->other++;
}

int km__odata_filter_is_revid_floor(const struct km__odata_filter *f)
{
    struct floor_only fo = {0, 0};

    if (km__odata_filter_conjuncts_each(f, floor_conjunct, &fo))
        return 0;
    return fo.seen == 1 && fo.other == 0;
}

int64_t km__odata_filter_revid_floor(const struct km__odata_filter *f)
{
    int64_t a, b;
    const struct km__odata_filter *field, *lit;
    int op;

    if (!f)
        return INT64_MIN;
    if (f->kind == N_AND) {
        a = km__odata_filter_revid_floor(f->a);
        b = km__odata_filter_revid_floor(f->b);
        return a > b ? a : b;
    }
    if (f->kind != N_CMP)
        return INT64_MIN;
    field = f->a;
    lit = f->b;
    op = f->op;
    if (field->kind == N_LIT) { /* "5 lt SysRevID" */
        field = f->b;
        lit = f->a;
        op = op == OP_LT ? OP_GT : op == OP_LE ? OP_GE : -1;
    }
    if (field->kind != N_FIELD || lit->kind != N_LIT ||
        lit->lit.type != KM_OV_INT || strcmp(field->name, "SysRevID") != 0)
        return INT64_MIN;
    if (op == OP_GT)
        return lit->lit.i;
    if (op == OP_GE || op == OP_EQ)
        return lit->lit.i - 1;
    return INT64_MIN;
}

int km__odata_filter_fields_each(const struct km__odata_filter *f,
                                 int (*fn)(void *ud, const char *field,
                                           size_t pos),
                                 void *ud)
{
    int rc;

    if (!f)
        return 0;
    if (f->kind == N_FIELD)
        return fn(ud, f->name, f->pos);
    rc = km__odata_filter_fields_each(f->a, fn, ud);
    if (rc == 0)
        rc = km__odata_filter_fields_each(f->b, fn, ud);
    return rc;
}

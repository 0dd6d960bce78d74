/*
 * Shared by the format checks of a scenario: format.c (the document, its
 * steps and options) and format_states.c (pointer maps and per-system
 * state expectations). Each check adds one problem line per fault, with
 * its JSON pointer, to c->p.
 */
#ifndef KH_FORMAT_INT_H
#define KH_FORMAT_INT_H

#include <cJSON.h>

struct problems;

enum kind {
    K_STRING,
    K_NUMBER, /* >= 0 */
    K_BOOL,
    K_OBJECT,
    K_ARRAY,
    K_ANY,
    K_STRINGS,  /* non-empty array of strings */
    K_POINTERS, /* a pointer map (run_int.h) */
    K_RC,       /* a ks_rc name */
    K_SYSTEM,   /* a system configured in given */
    K_JOB,      /* a known job */
    K_ROUTE,    /* "METHOD /path-glob" */
    K_STATES    /* {"<system>": pointer map} */
};

struct field {
    const char *name;
    enum kind kind;
    int required;
};

struct checker {
    struct problems *p;
    const cJSON *given; /* the document's given, NULL when absent */
};

/* v, found at pointer, checked as a value of the given kind. */
void kh__format_value(struct checker *c, const cJSON *v, enum kind kind,
                      const char *pointer);
/* A pointer map: {"<JSON pointer>": expected value or matcher}. */
void kh__format_pointer_map(struct checker *c, const cJSON *v,
                            const char *pointer);
/* then.state and wait.until: {"<system>": pointer map}; the old list form
 * is refused with its rewrite. */
void kh__format_states(struct checker *c, const cJSON *v, const char *pointer);

#endif

/*
 * Shared by the loader (scenario.c) and the format checks (format.c).
 */
#ifndef KH_SCENARIO_INT_H
#define KH_SCENARIO_INT_H

#include "run_int.h"

/* The problems found in one document: lines "FILE: POINTER: what is
 * wrong" in buf (always NUL-terminated, cut at size), and how many. */
struct problems {
    const char *file;
    char *buf;
    size_t size;
    size_t used;
    int count;
};

/* Adds one problem at pointer ("" is the document itself). */
void kh__problem(struct problems *p, const char *pointer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks the whole document (fixtures resolved) against the format. */
void kh__check_format(struct problems *p, const cJSON *doc);

#endif

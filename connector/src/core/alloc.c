/*
 * The one place the library allocates. A test mode fails the N-th
 * allocation and every later one, so that every failure path can be
 * exercised (curl's torture mode, SQLite's faultsim).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "internal.h"

static atomic_uint_fast64_t alloc_count;
static atomic_uint_fast64_t alloc_fail_at;

static int alloc_should_fail(void)
{
    uint64_t n = atomic_fetch_add(&alloc_count, 1) + 1;
    uint64_t fail_at = atomic_load(&alloc_fail_at);

    return fail_at != 0 && n >= fail_at;
}

void ks__alloc_fail_at(uint64_t n)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&alloc_fail_at, n);
}

uint64_t ks__alloc_count(void)
{
    return atomic_load(&alloc_count);
}

void *ks__malloc(size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *ks__calloc(size_t n, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *ks__realloc(void *ptr, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void ks__free(void *ptr)
{
    free(ptr);
}

char *ks__strndup(const char *s, size_t n)
{
    char *copy;

    if (!s)
        return NULL;
    copy = ks__malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *ks__strdup(const char *s)
{
    return s ? ks__strndup(s, strlen(s)) : NULL;
}

/* The attribute lets compilers check callers' formats and accept the
 * non-literal format passed on here. */
__attribute__((format(printf, 1, 0))) char *ks__vaprintf(const char *fmt,
                                                         va_list ap)
{
    va_list copy;
    char *out;
    int n;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    out = ks__malloc((size_t)n + 1);
    if (!out)
        return NULL;
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    return out;
}

char *ks__aprintf(const char *fmt, ...)
{
    va_list ap;
    char *out;

    va_start(ap, fmt);
    out = ks__vaprintf(fmt, ap);
    va_end(ap);
    return out;
}

void ks__alloc_init_cjson(void)
{
    cJSON_Hooks hooks = {ks__malloc, ks__free};

    cJSON_InitHooks(&hooks);
}

/* Shared helpers of the store unit tests (plain malloc; abort on OOM). */
#ifndef KS_TEST_STORE_HELPERS_H
#define KS_TEST_STORE_HELPERS_H

#include <stddef.h>
#include "kinsync/store.h"

/* A fresh private directory under $TMPDIR (or /tmp); free() the result. */
char *th_tmpdir(void);
/* dir + "/" + name; free() the result. */
char *th_path(const char *dir, const char *name);
/* Removes every file in dir, then dir itself. */
void th_rmdir(const char *dir);
/* Opens an in-memory store without a key; fails the test otherwise. */
struct ks_store *th_open_memory(void);
/* Opens path with optional key file; returns the rc, *out on success. */
int th_open_file(struct ks_store **out, const char *path, const char *key_file);
/* Writes len bytes to path; fails the test on error. */
void th_write_file(const char *path, const void *data, size_t len);
/* 1 when some file in dir contains needle. */
int th_dir_contains(const char *dir, const void *needle, size_t len);
/* A string of n copies of c; free() the result. */
char *th_repeat(char c, size_t n);

#endif

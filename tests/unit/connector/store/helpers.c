/* Shared helpers of the store unit tests. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "helpers.h"

char *th_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl;

    if (!base || !*base)
        base = "/tmp";
    tmpl = th_path(base, "ks-store-XXXXXX");
    assert_non_null(mkdtemp(tmpl));
    return tmpl;
}

char *th_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void th_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *p;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        p = th_path(dir, e->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

struct ks_store *th_open_memory(void)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;

    assert_int_equal(ks_store_open(&st, &o), KS_OK);
    assert_non_null(st);
    return st;
}

int th_open_file(struct ks_store **out, const char *path, const char *key_file)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;

    o.path = path;
    o.key_file = key_file;
    return ks_store_open(out, &o);
}

void th_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int file_contains(const char *path, const void *needle, size_t len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, i;
    int found = 0;

    if (!f)
        return 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    for (i = 0; !found && len <= n && i <= n - len; i++)
        found = memcmp(buf + i, needle, len) == 0;
    free(buf);
    return found;
}

int th_dir_contains(const char *dir, const void *needle, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *p;
    int found = 0;

    assert_non_null(d);
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        p = th_path(dir, e->d_name);
        found = file_contains(p, needle, len);
        free(p);
    }
    closedir(d);
    return found;
}

char *th_repeat(char c, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

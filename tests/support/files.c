/* Temporary directories and files of the tests (see kt.h). */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "kt.h"

char *kt_tmpdir(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    char name[256], *tmpl;

    if (!base || !*base)
        base = "/tmp";
    snprintf(name, sizeof(name), "%s-XXXXXX", prefix);
    tmpl = kt_path(base, name);
    if (!mkdtemp(tmpl))
        fail_msg("cannot make a directory %s", tmpl);
    return tmpl;
}

char *kt_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);

    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void kt_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *p;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        p = kt_path(dir, e->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

void kt_write_file(const char *path, const void *data, size_t len)
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
    size_t n = 0, cap = 0, got, i;
    int found = 0;

    if (!f)
        return 0;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    for (i = 0; !found && len <= n && i <= n - len; i++)
        found = memcmp(buf + i, needle, len) == 0;
    free(buf);
    return found;
}

int kt_dir_contains(const char *dir, const void *needle, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *p;
    int found = 0;

    assert_non_null(d);
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        p = kt_path(dir, e->d_name);
        found = file_contains(p, needle, len);
        free(p);
    }
    closedir(d);
    return found;
}

char *kt_repeat(char c, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

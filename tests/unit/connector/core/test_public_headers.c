/* The installed interface carries no test hook: the public headers do not
 * name one, and the shared library does not export one. The hooks live in
 * kinsync/testing.h, which install() does not ship. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <kinsync.h>

/* This file includes only what a user of the installed library sees. */
#ifdef KS_ECRASH
#error "KS_ECRASH is visible through <kinsync.h>"
#endif
#ifdef KS_TESTING_ERRORS
#error "the test-only error table is visible through <kinsync.h>"
#endif

#define PUBLIC_INCLUDE KS_SOURCE_DIR "/connector/include"

/* Words that only the test hooks use. */
static const char *const hook_words[] = {
    "ECRASH", "crash_at", "crash_arm", "header_filter", "testing", NULL,
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long n;

    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

static void assert_header_clean(const char *path)
{
    char *text = slurp(path);

    for (size_t i = 0; hook_words[i]; i++) {
        if (strstr(text, hook_words[i]))
            fail_msg("%s mentions the test hook word \"%s\"", path,
                     hook_words[i]);
    }
    free(text);
}

/* Walks include/ (everything install(DIRECTORY include/) ships); returns
 * how many headers it checked. */
static int check_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat sb;
    char path[1024];
    int n = 0;

    if (!d)
        fail_msg("cannot open %s", dir);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0)
            fail_msg("cannot stat %s", path);
        if (S_ISDIR(sb.st_mode)) {
            n += check_tree(path);
        } else if (len > 2 && strcmp(e->d_name + len - 2, ".h") == 0) {
            if (strcmp(e->d_name, "testing.h") == 0)
                fail_msg("%s would be installed", path);
            assert_header_clean(path);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void public_headers_name_no_test_hook(void **state)
{
    (void)state;
    /* kinsync.h and the ten headers below kinsync/: a walk that found
     * nothing would prove nothing. */
    assert_true(check_tree(PUBLIC_INCLUDE) >= 10);
}

static void shared_library_exports_no_test_hook(void **state)
{
    void *lib = dlopen(KS_SHARED_LIBRARY, RTLD_NOW | RTLD_LOCAL);

    (void)state;
    if (!lib)
        fail_msg("dlopen %s: %s", KS_SHARED_LIBRARY, dlerror());
    assert_non_null(dlsym(lib, "ks_store_open"));
    assert_non_null(dlsym(lib, "ks_rc_name"));
    assert_null(dlsym(lib, "ks_testing_store_crash_arm"));
    assert_null(dlsym(lib, "ks_testing_client_set_header_filter"));
    assert_null(dlsym(lib, "ks_client_set_header_filter"));
    assert_null(dlsym(lib, "ks__store_crash_point"));
    dlclose(lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(public_headers_name_no_test_hook),
        cmocka_unit_test(shared_library_exports_no_test_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

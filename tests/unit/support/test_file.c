/* unit.support.file: the one atomic file write (kx/file.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "kx/file.h"

struct fx {
    char dir[256];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");

    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/kx-file-XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char p[600];

    chmod(f->dir, 0700);
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* How many entries dir holds (. and .. apart). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* path's whole contents, NUL-terminated, into buf. */
static void slurp(char *buf, size_t size, const char *path)
{
    FILE *fp = fopen(path, "rb");
    size_t n;

    assert_non_null(fp);
    n = fread(buf, 1, size - 1, fp);
    buf[n] = '\0';
    fclose(fp);
}

static void writes_the_file_with_its_mode_and_nothing_else(void **state)
{
    struct fx *f = *state;
    char path[400], got[64], err[600] = "";
    struct stat sb;
    mode_t old = umask(022);

    snprintf(path, sizeof(path), "%s/out.csv", f->dir);
    assert_int_equal(kx_file_write_atomic(path, "a,b\n1,2\n", 8, 0600,
                                          KX_FILE_SYNC_DIR, err, sizeof(err)),
                     0);
    assert_string_equal(err, "");
    slurp(got, sizeof(got), path);
    assert_string_equal(got, "a,b\n1,2\n");
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(entries(f->dir), 1); /* no temporary file left */
    /* 0666 with the umask applying, as fopen's file would be */
    snprintf(path, sizeof(path), "%s/report.xml", f->dir);
    assert_int_equal(kx_file_write_atomic(path, "<x/>", 4, 0666, 0, NULL, 0),
                     0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    umask(old);
}

static void replaces_an_existing_file_whole(void **state)
{
    struct fx *f = *state;
    char path[400], got[64];
    static char big[200000];

    snprintf(path, sizeof(path), "%s/ready", f->dir);
    assert_int_equal(kx_file_write_atomic(path, "old contents, longer\n", 21,
                                          0600, 0, NULL, 0),
                     0);
    assert_int_equal(kx_file_write_atomic(path, "new\n", 4, 0600, 0, NULL, 0),
                     0);
    slurp(got, sizeof(got), path);
    assert_string_equal(got, "new\n"); /* nothing of the old one left */
    memset(big, 'x', sizeof(big));
    assert_int_equal(
        kx_file_write_atomic(path, big, sizeof(big), 0600, 0, NULL, 0), 0);
    {
        struct stat sb;

        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_size, (off_t)sizeof(big));
    }
    assert_int_equal(kx_file_write_atomic(path, "", 0, 0600, 0, NULL, 0), 0);
    slurp(got, sizeof(got), path);
    assert_string_equal(got, "");
    assert_int_equal(entries(f->dir), 1);
}

static void a_missing_directory_fails_with_errno_and_a_message(void **state)
{
    struct fx *f = *state;
    char path[400], err[600] = "";

    snprintf(path, sizeof(path), "%s/nowhere/out.csv", f->dir);
    errno = 0;
    assert_int_equal(kx_file_write_atomic(path, "x", 1, 0600, KX_FILE_SYNC_DIR,
                                          err, sizeof(err)),
                     -1);
    assert_int_equal(errno, ENOENT);
    assert_non_null(strstr(err, "cannot write "));
    assert_non_null(strstr(err, "/nowhere/out.csv.tmp."));
    assert_non_null(strstr(err, strerror(ENOENT)));
    assert_int_equal(entries(f->dir), 0);
}

/* A read-only directory (skipped as root, who may write anyway): the
 * destination keeps its old contents, no temporary file is left. */
static void a_read_only_directory_leaves_the_old_file_alone(void **state)
{
    struct fx *f = *state;
    char path[400], got[64], err[600] = "";

    if (geteuid() == 0)
        skip();
    snprintf(path, sizeof(path), "%s/keep", f->dir);
    assert_int_equal(kx_file_write_atomic(path, "old\n", 4, 0600, 0, NULL, 0),
                     0);
    assert_int_equal(chmod(f->dir, 0500), 0);
    errno = 0;
    assert_int_equal(
        kx_file_write_atomic(path, "new\n", 4, 0600, 0, err, sizeof(err)), -1);
    assert_int_equal(errno, EACCES);
    assert_non_null(strstr(err, strerror(EACCES)));
    assert_int_equal(chmod(f->dir, 0700), 0);
    slurp(got, sizeof(got), path);
    assert_string_equal(got, "old\n");
    assert_int_equal(entries(f->dir), 1);
}

/* A rename that cannot happen (the destination is a non-empty directory):
 * the temporary file, already written, is removed. */
static void a_failed_rename_removes_the_temporary_file(void **state)
{
    struct fx *f = *state;
    char path[400], inner[450], err[600] = "";

    snprintf(path, sizeof(path), "%s/taken", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(inner, sizeof(inner), "%s/x", path);
    assert_int_equal(kx_file_write_atomic(inner, "x", 1, 0600, 0, NULL, 0), 0);
    errno = 0;
    assert_int_equal(
        kx_file_write_atomic(path, "new\n", 4, 0600, 0, err, sizeof(err)), -1);
    assert_int_equal(errno, EISDIR);
    assert_non_null(strstr(err, "cannot write "));
    assert_int_equal(entries(f->dir), 1); /* the directory only */
    assert_int_equal(entries(path), 1);
    unlink(inner);
    rmdir(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            writes_the_file_with_its_mode_and_nothing_else, setup, teardown),
        cmocka_unit_test_setup_teardown(replaces_an_existing_file_whole, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_missing_directory_fails_with_errno_and_a_message, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            a_read_only_directory_leaves_the_old_file_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_failed_rename_removes_the_temporary_file, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The store unit tests' own helpers (see helpers.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "helpers.h"

struct ks_store *th_open_memory(void)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    struct ks_store *st = NULL;
    struct ks_error e;
    char *state = kt_store_fresh();

    o.path = state;
    o.error = &e;
    if (ks_store_open(&st, &o) != KS_OK)
        fail_msg("opening a fresh %s store: %s", kt_store_backend(), e.message);
    free(state);
    assert_non_null(st);
    return st;
}

int th_open_file(struct ks_store **out, const char *path, const char *key_file)
{
    struct ks_store_options o = KS_STORE_OPTIONS_INIT;
    char *state = kt_store_state(path);
    int rc;

    o.path = state;
    o.key_file = key_file;
    rc = ks_store_open(out, &o);
    free(state);
    return rc;
}

int th_setup(void **state)
{
    *state = th_open_memory();
    return 0;
}

int th_teardown(void **state)
{
    ks_store_close(*state);
    return 0;
}

void th_remove(char *dir, char *path)
{
    kt_store_forget(path);
    kt_rmdir(dir);
    free(path);
    free(dir);
}

int th_pair_setup(void **state)
{
    struct th_pair *p = calloc(1, sizeof(*p));

    assert_non_null(p);
    p->dir = kt_tmpdir("ks-store");
    p->path = kt_path(p->dir, "state.db");
    p->location = kt_store_state(p->path);
    assert_int_equal(th_open_file(&p->a, p->path, NULL), KS_OK);
    assert_int_equal(th_open_file(&p->b, p->path, NULL), KS_OK);
    *state = p;
    return 0;
}

int th_pair_teardown(void **state)
{
    struct th_pair *p = *state;

    ks_store_close(p->a);
    ks_store_close(p->b);
    free(p->location);
    th_remove(p->dir, p->path);
    free(p);
    return 0;
}

void th_sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&t, NULL);
}

int th_race_start(pid_t kids[2], const char *location,
                  int (*worker)(const char *location, const char *worker_id,
                                int fd))
{
    int fds[2];

    assert_int_equal(pipe(fds), 0);
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            close(fds[0]);
            _exit(worker(location, k ? "w-2" : "w-1", fds[1]));
        }
    }
    close(fds[1]);
    return fds[0];
}

void th_race_wait(const pid_t kids[2], int fd)
{
    int status;

    close(fd);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
}

/*
 * Connections that wait: a "hang" or a real-clock "delay_ms" fault
 * suspends its connection (MHD_suspend_connection) instead of holding one
 * of the server's few pool threads, and this file's timer thread resumes
 * it when its time is up; libmicrohttpd then calls the access handler
 * again, which finishes the request (flow.c). The thread starts with
 * the first wait, so a server whose rules never wait has none.
 *
 * km__wait_stop_all resumes every waiting connection at once and ends the
 * thread: a stop never waits for a hang or a long delay, and
 * libmicrohttpd is never stopped with a connection still suspended (which
 * it forbids).
 */
#include <errno.h>
#include <time.h>
#include <microhttpd.h>
#include <kx/time.h>
#include "server_int.h"

struct km__wait {
    int64_t due_ms; /* kx_monotonic_ms */
    struct MHD_Connection *conn;
};

/* The absolute CLOCK_MONOTONIC time ms from now. */
static struct timespec deadline_in(int64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Index of the wait due first; w->n > 0. Under w->lock. */
static size_t earliest(const struct km__waits *w)
{
    size_t best = 0;

    for (size_t i = 1; i < w->n; i++) {
        if (w->v[i].due_ms < w->v[best].due_ms)
            best = i;
    }
    return best;
}

/* Takes the wait at i out of the list. Under w->lock. */
static struct MHD_Connection *take(struct km__waits *w, size_t i)
{
    struct MHD_Connection *conn = w->v[i].conn;

    w->v[i] = w->v[--w->n];
    return conn;
}

/* Resumes each connection when it is due; all of them at once when the
 * server stops. Resuming happens without the lock (libmicrohttpd takes
 * its own). */
static void *timer_main(void *arg)
{
    struct km__waits *w = arg;

    pthread_mutex_lock(&w->lock);
    for (;;) {
        struct MHD_Connection *conn = NULL;

        if (w->n == 0 && w->stopping)
            break;
        if (w->n == 0) {
            pthread_cond_wait(&w->cond, &w->lock);
            continue;
        }
        size_t i = earliest(w);
        int64_t left = w->v[i].due_ms - kx_monotonic_ms();

        if (left > 0 && !w->stopping) {
            struct timespec at = deadline_in(left);

            pthread_cond_timedwait(&w->cond, &w->lock, &at);
            continue;
        }
        conn = take(w, i);
        pthread_mutex_unlock(&w->lock);
        MHD_resume_connection(conn);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

void km__wait_init(struct km__waits *w)
{
    pthread_condattr_t attr;

    memset(w, 0, sizeof(*w));
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
}

int km__wait_suspend(struct km__waits *w, struct MHD_Connection *conn,
                     int64_t ms)
{
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        return 0;
    }
    MHD_suspend_connection(conn);
    if (!w->started) {
        if (pthread_create(&w->thread, NULL, timer_main, w) != 0)
            abort();
        w->started = 1;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->v = kx_xrealloc(w->v, w->cap * sizeof(*w->v));
    }
    w->v[w->n].due_ms = kx_monotonic_ms() + ms;
    w->v[w->n].conn = conn;
    w->n++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    return 1;
}

void km__wait_stop_all(struct km__waits *w)
{
    int started;

    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    started = w->started;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    if (started)
        pthread_join(w->thread, NULL);
}

void km__wait_free(struct km__waits *w)
{
    free(w->v);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
}

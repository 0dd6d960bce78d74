/*
 * Many workers on one state: `kinsync sync --watch` takes a lease on
 * each (connection, flow) before it runs it, a keeper thread renews that
 * lease (every third of the lease time) and the worker's heartbeat while
 * the flow runs, and the lease is released after. A worker that dies
 * stops renewing: its leases expire after lease_s and another worker
 * takes the flow over, resuming from the durable cursor (leases decide
 * who runs; the intents keep what is written exactly-once). `kinsync
 * workers` lists the workers, their leases and what waits.
 *
 * Workers share a PostgreSQL state from any host, or a SQLite file on
 * one host. The keeper uses store handles of its own (a handle is used by one
 * thread at a time); times are the database's clock (store_workers.h).
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <kinsync/store_workers.h>
#include <kx/alloc.h>
#include <kx/opt.h>
#include "run.h"

/* Leases held at once by the main thread: one flow's, or the imports'
 * (queue.c: the order polls' and the job events', four at most). */
#define KEEPER_LEASES 4

struct kh__sync_keeper {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, started;
    struct ks_store **stores; /* the keeper's own, one per tenant */
    struct kh__sync_run *run;
    struct {
        size_t tenant; /* (size_t)-1: a free slot */
        char flow[KS_STORE_ID_MAX + 1];
    } held[KEEPER_LEASES];
    char host[256];
};

static void heartbeat_all(struct kh__sync_keeper *k)
{
    for (size_t i = 0; i < k->run->n; i++) {
        if (k->stores[i] &&
            ks_store_worker_heartbeat(k->stores[i], k->run->worker_id, k->host,
                                      (int64_t)getpid()) != KS_OK)
            fprintf(stderr, "%s: %s: heartbeat failed: %s\n", KH__SYNC_PROG,
                    k->run->t[i].conf->name,
                    ks_store_last_error(k->stores[i])->message);
    }
}

/* Renews the leases held; a lease another worker took over is said (the
 * flow goes on: the intents keep its writes exactly-once). */
static void renew(struct kh__sync_keeper *k)
{
    struct kh__sync_run *r = k->run;

    for (size_t i = 0; i < KEEPER_LEASES; i++) {
        size_t cur = k->held[i].tenant;
        ks_rc rc;

        if (cur == (size_t)-1)
            continue;
        rc = ks_store_lease_renew(k->stores[cur], r->t[cur].conf->name,
                                  k->held[i].flow, r->worker_id, r->lease_ms);
        if (rc)
            fprintf(stderr,
                    "%s: %s/%s: warning: cannot renew the lease (%s); "
                    "another worker may run the flow too\n",
                    KH__SYNC_PROG, r->t[cur].conf->name, k->held[i].flow,
                    rc == KS_ECONFLICT
                        ? "taken over"
                        : ks_store_last_error(k->stores[cur])->message);
    }
}

/* The slot of (tenant, flow) in k->held, else a free one, else NULL. */
static size_t held_slot(const struct kh__sync_keeper *k, size_t tenant,
                        const char *flow, int want_free)
{
    for (size_t i = 0; i < KEEPER_LEASES; i++) {
        if (want_free ? k->held[i].tenant == (size_t)-1
                      : k->held[i].tenant == tenant &&
                            strcmp(k->held[i].flow, flow) == 0)
            return i;
    }
    return KEEPER_LEASES;
}

static void *keeper_main(void *arg)
{
    struct kh__sync_keeper *k = arg;
    struct timespec until;

    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        int64_t ms = k->run->lease_ms / 3;

        heartbeat_all(k);
        renew(k);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)(ms / 1000);
        until.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!k->stop &&
               pthread_cond_timedwait(&k->cv, &k->mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

/* "host:pid:8 random hex digits": unique per process, readable. */
static void make_worker_id(char *out, size_t size, char *host, size_t hsize)
{
    unsigned char rnd[4] = {0};

    if (gethostname(host, hsize) != 0 || !host[0])
        snprintf(host, hsize, "localhost");
    host[hsize - 1] = '\0';
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        memset(rnd, 0, sizeof(rnd)); /* the pid still tells them apart */
    snprintf(out, size, "%.64s:%ld:%02x%02x%02x%02x", host, (long)getpid(),
             rnd[0], rnd[1], rnd[2], rnd[3]);
}

int kh__sync_workers_start(struct kh__sync_run *r)
{
    struct kh__sync_keeper *k;

    if (!r->n)
        return 0;
    k = kx_xcalloc(1, sizeof(*k));
    make_worker_id(r->worker_id, sizeof(r->worker_id), k->host,
                   sizeof(k->host));
    k->run = r;
    for (size_t i = 0; i < KEEPER_LEASES; i++)
        k->held[i].tenant = (size_t)-1;
    k->stores = kx_xcalloc(r->n ? r->n : 1, sizeof(*k->stores));
    r->keeper = k;
    for (size_t i = 0; i < r->n; i++) {
        if (kh__sync_store_open(&k->stores[i], r->t[i].conf, KH__SYNC_PROG,
                                KH__KEY_NONE) != 0)
            return KH__SYNC_EXIT_FAIL;
    }
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
        fprintf(stderr, "%s: cannot start the lease keeper thread\n",
                KH__SYNC_PROG);
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        return KH__SYNC_EXIT_FAIL;
    }
    k->started = 1;
    fprintf(stderr, "%s: worker %s, leases of %lld s\n", KH__SYNC_PROG,
            r->worker_id, (long long)(r->lease_ms / 1000));
    return 0;
}

void kh__sync_workers_stop(struct kh__sync_run *r)
{
    struct kh__sync_keeper *k = r->keeper;

    if (!k)
        return;
    if (k->started) {
        pthread_mutex_lock(&k->mu);
        k->stop = 1;
        pthread_cond_signal(&k->cv);
        pthread_mutex_unlock(&k->mu);
        pthread_join(k->thread, NULL);
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
    }
    for (size_t i = 0; i < r->n; i++) {
        ks_store_close(k->stores[i]); /* NULL-safe */
        if (r->t[i].env.store)
            ks_store_worker_remove(r->t[i].env.store, r->worker_id);
    }
    free(k->stores);
    free(k);
    r->keeper = NULL;
}

int kh__sync_lease_take(struct kh__sync_run *r, struct kh__sync_tenant *t,
                        const char *flow)
{
    struct kh__sync_keeper *k = r->keeper;
    struct ks_lease l;
    size_t i;
    ks_rc rc;

    rc = ks_store_lease_acquire(&l, t->env.store, t->conf->name, flow,
                                r->worker_id, r->lease_ms);
    if (rc) {
        fprintf(stderr, "%s: %s/%s: cannot take the lease: %s\n", KH__SYNC_PROG,
                t->conf->name, flow,
                ks_store_last_error(t->env.store)->message);
        return 0;
    }
    if (!l.held)
        return 0;
    pthread_mutex_lock(&k->mu);
    i = held_slot(k, (size_t)(t - r->t), flow, 0);
    if (i == KEEPER_LEASES)
        i = held_slot(k, 0, NULL, 1);
    assert(i < KEEPER_LEASES); /* queue.c holds KEEPER_LEASES at most */
    k->held[i].tenant = (size_t)(t - r->t);
    snprintf(k->held[i].flow, sizeof(k->held[i].flow), "%s", flow);
    pthread_mutex_unlock(&k->mu);
    return 1;
}

void kh__sync_lease_give(struct kh__sync_run *r, struct kh__sync_tenant *t,
                         const char *flow)
{
    struct kh__sync_keeper *k = r->keeper;
    size_t i;

    pthread_mutex_lock(&k->mu);
    i = held_slot(k, (size_t)(t - r->t), flow, 0);
    if (i < KEEPER_LEASES)
        k->held[i].tenant = (size_t)-1;
    pthread_mutex_unlock(&k->mu);
    if (ks_store_lease_release(t->env.store, t->conf->name, flow,
                               r->worker_id) != KS_OK)
        fprintf(stderr, "%s: %s/%s: cannot release the lease: %s\n",
                KH__SYNC_PROG, t->conf->name, flow,
                ks_store_last_error(t->env.store)->message);
}

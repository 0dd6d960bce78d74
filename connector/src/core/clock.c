/*
 * Virtual and real clocks. A virtual clock only moves when slept on or
 * advanced; a real clock reads CLOCK_REALTIME plus an offset that
 * ks_clock_advance_ms() grows (so a standalone emulator can be pushed
 * forward in time without waiting).
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include "internal.h"

struct ks_clock {
    pthread_mutex_t lock;
    int is_virtual;
    int64_t now_ms; /* virtual: current time; real: offset added */
};

static int64_t real_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void real_sleep_ms(int64_t ms)
{
    struct timespec ts;

    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static ks_rc clock_new(struct ks_clock **out, int is_virtual, int64_t ms)
{
    struct ks_clock *clock;

    *out = NULL;
    clock = ks__calloc(1, sizeof(*clock));
    if (!clock)
        return KS_ENOMEM;
    if (pthread_mutex_init(&clock->lock, NULL) != 0) {
        ks__free(clock);
        return KS_ERROR;
    }
    clock->is_virtual = is_virtual;
    clock->now_ms = ms;
    *out = clock;
    return KS_OK;
}

ks_rc ks_clock_new_virtual(struct ks_clock **out, int64_t start_ms)
{
    return clock_new(out, 1, start_ms);
}

ks_rc ks_clock_new_real(struct ks_clock **out)
{
    return clock_new(out, 0, 0);
}

int64_t ks_clock_now_ms(struct ks_clock *clock)
{
    int64_t now;

    if (!clock)
        return real_now_ms();
    pthread_mutex_lock(&clock->lock);
    now = clock->is_virtual ? clock->now_ms : real_now_ms() + clock->now_ms;
    pthread_mutex_unlock(&clock->lock);
    return now;
}

void ks_clock_advance_ms(struct ks_clock *clock, int64_t ms)
{
    if (!clock || ms <= 0)
        return;
    pthread_mutex_lock(&clock->lock);
    clock->now_ms += ms;
    pthread_mutex_unlock(&clock->lock);
}

void ks_clock_sleep_ms(struct ks_clock *clock, int64_t ms)
{
    if (ms <= 0)
        return;
    if (clock && clock->is_virtual)
        ks_clock_advance_ms(clock, ms);
    else
        real_sleep_ms(ms);
}

int ks_clock_is_virtual(const struct ks_clock *clock)
{
    return clock && clock->is_virtual;
}

void ks_clock_free(struct ks_clock *clock)
{
    if (!clock)
        return;
    pthread_mutex_destroy(&clock->lock);
    ks__free(clock);
}

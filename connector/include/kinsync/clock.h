/*
 * A clock that the connector and every emulator share.
 *
 * A virtual clock only moves when told to: sleeping on it advances it at
 * once, so a one-hour token lifetime or a 48-hour webhook retry ladder
 * costs no wall time. A real clock reads CLOCK_REALTIME and really sleeps.
 * All functions are safe to call from several threads.
 */
#ifndef KINSYNC_CLOCK_H
#define KINSYNC_CLOCK_H

#include <stdint.h>
#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ks_clock;

/* A virtual clock starting at start_ms (milliseconds since the epoch). */
KS_EXTERN ks_rc ks_clock_new_virtual(struct ks_clock **out, int64_t start_ms);

/* The system's real-time clock, optionally shifted by an offset that
 * ks_clock_advance_ms() grows (used by the standalone emulators). */
KS_EXTERN ks_rc ks_clock_new_real(struct ks_clock **out);

/* Milliseconds since the epoch. A NULL clock reads the real time. */
KS_EXTERN int64_t ks_clock_now_ms(struct ks_clock *clock);

/* Waits ms milliseconds: instantly on a virtual clock (which advances),
 * for real on a real clock. A NULL clock sleeps for real. */
KS_EXTERN void ks_clock_sleep_ms(struct ks_clock *clock, int64_t ms);

/* Moves the clock forward by ms without sleeping (negative ms is ignored). */
KS_EXTERN void ks_clock_advance_ms(struct ks_clock *clock, int64_t ms);

/* 1 for a virtual clock, 0 otherwise. */
KS_EXTERN int ks_clock_is_virtual(const struct ks_clock *clock);

/* NULL-safe. The caller guarantees nobody uses the clock afterwards. */
KS_EXTERN void ks_clock_free(struct ks_clock *clock);

#ifdef __cplusplus
}
#endif

#endif

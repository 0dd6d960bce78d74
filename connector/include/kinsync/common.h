/* Export marker shared by every public kinsync header. */
#ifndef KINSYNC_COMMON_H
#define KINSYNC_COMMON_H

#if defined(__GNUC__)
#define KS_EXTERN __attribute__((visibility("default")))
#else
#define KS_EXTERN
#endif

#endif

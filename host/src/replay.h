/*
 * The recording `kinsync replay` serves, loaded from a parsed HAR: its
 * entries grouped by system. Separate from the command so that the fuzz
 * target (tests/fuzz/fuzz_har_load.c) feeds the loader directly.
 */
#ifndef KH_REPLAY_H
#define KH_REPLAY_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define KH_REPLAY_MAX_SYSTEMS 16

struct km_server;

struct kh_replay_entry {
    const char *method;    /* borrowed from the HAR */
    char *path;            /* without the query; owned */
    const cJSON *response; /* borrowed from the HAR */
    int status;            /* 100..599, checked at load */
    int used;
};

struct kh_replay_system {
    char name[64];
    struct kh_replay_entry *entries;
    size_t n, cap;
    long served;
    long unmatched;
    struct km_server *server;
};

/* Groups har's entries (borrowed: it must outlive the systems) by system
 * into systems[0..KH_REPLAY_MAX_SYSTEMS), which must be zeroed. Returns
 * the number of systems, or -1 with one line in err naming the entry by
 * its JSON pointer; the systems are then disposed already. */
int kh_replay_load(struct kh_replay_system *systems, const cJSON *har,
                   char *err, size_t errsz);

/* Frees what kh_replay_load kept for n systems (not their servers). */
void kh_replay_dispose(struct kh_replay_system *systems, int n);

#endif

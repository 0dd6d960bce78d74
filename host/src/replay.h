/*
 * The recording `kinsync replay` serves, loaded from a parsed HAR: its
 * entries grouped by system, each with what a request must have to get its
 * answer. Separate from the command so that the fuzz target
 * (tests/fuzz/fuzz_har_load.c) and the unit tests feed it directly.
 *
 * A request matches an entry when the method, the percent-decoded path,
 * the query (decoded name=value pairs, order-insensitive) and the body
 * (JSON compared as a tree, objects order-insensitive; any other body as
 * form pairs, so plain text compares whole) are the same. A recorded
 * query value or JSON string that is a credential placeholder
 * (kh_replay_is_placeholder) matches any value.
 */
#ifndef KH_REPLAY_H
#define KH_REPLAY_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define KH_REPLAY_MAX_SYSTEMS 16
/* The placeholder of a credential in a recording. */
#define KH_REDACTED "kinsync-redacted"
/* The mask of an emulator journal (mocks/src/common/journal.c), which is
 * what recordings of `check --har` and `serve --record` hold instead. */
#define KH_JOURNAL_REDACTED "(redacted)"

/* 1 when v is a credential placeholder: one beginning with KH_REDACTED
 * (record keeps a scheme before it only in headers), or the journal's
 * mask exactly. */
int kh_replay_is_placeholder(const char *v);

struct km_server;
struct km_emulator_type;

/* Decoded query or form pairs, sorted by name then value. */
struct kh_pairs {
    char **names, **values;
    size_t n;
};

struct kh_replay_entry {
    const char *method; /* borrowed from the HAR */
    char *path;         /* percent-decoded, without the query; owned */
    /* The route template: the entry's "_kinsync" route, else the
     * emulator's; NULL when neither names one. Borrowed. */
    const char *route;
    struct kh_pairs query; /* owned */
    cJSON *body;           /* the body as JSON, or NULL; owned */
    struct kh_pairs form;  /* a body that is not JSON, as pairs; owned */
    const cJSON *request;  /* borrowed from the HAR */
    const cJSON *response; /* borrowed from the HAR */
    int status;            /* 100..599, checked at load */
    int used;
};

enum kh_replay_mode { KH_REPLAY_STRICT, KH_REPLAY_LENIENT };

struct kh_replay_system {
    char name[64];
    /* The emulator of the same name, whose route table names templates;
     * NULL for another system (a browser's recording). */
    const struct km_emulator_type *type;
    struct kh_replay_entry *entries;
    size_t n, cap;
    long served;   /* answered by a matching entry, first use */
    long repeated; /* answered by a matching entry used before */
    long nearest;  /* lenient: answered by the same method and path only */
    long unmatched;
    struct km_server *server;
};

/* A live request as replay compares it. */
struct kh_replay_request {
    const char *method, *path, *query; /* query raw, "" when none */
    const char *body;
    size_t body_len;
};

/* Groups har's entries (borrowed: it must outlive the systems) by system
 * into systems[0..KH_REPLAY_MAX_SYSTEMS), which must be zeroed. Returns
 * the number of systems, or -1 with one line in err naming the entry by
 * its JSON pointer; the systems are then disposed already. */
int kh_replay_load(struct kh_replay_system *systems, const cJSON *har,
                   char *err, size_t errsz);

/* Frees what kh_replay_load kept for n systems (not their servers). */
void kh_replay_dispose(struct kh_replay_system *systems, int n);

/*
 * The entry that answers req, or NULL: the first unused matching entry in
 * recording order, else the last matching one (a repeat); in lenient mode,
 * failing those, the same for entries of the same method and path. Marks
 * it used and counts it. When NULL (counted as unmatched), why says in one
 * line which recorded request was nearest and what differed.
 */
struct kh_replay_entry *kh_replay_pick(struct kh_replay_system *sys,
                                       const struct kh_replay_request *req,
                                       enum kh_replay_mode mode, char *why,
                                       size_t whysz);

/* The route template of method and path on sys's emulator, or NULL. */
const char *kh_replay_route(const struct kh_replay_system *sys,
                            const char *method, const char *path);

/* Parses a query or form body into sorted, decoded pairs ('+' is a space);
 * kh_pairs_dispose frees them. */
void kh_pairs_parse(struct kh_pairs *out, const char *text, size_t len);
void kh_pairs_dispose(struct kh_pairs *p);

/* 1 when a response header describes the original transfer (length,
 * connection, date), not the reply: replay does not repeat it and diff
 * does not compare it. */
int kh_replay_hop_header(const char *name);

/* The whole file at path (at most 256 MiB), NUL-terminated, its length in
 * *len; NULL with errno set. Caller frees. */
char *kh_replay_read_file(const char *path, long *len);

/* Shared by replay and record. */
#include <signal.h>
/* Waits for SIGINT or SIGTERM (blocked by the caller); the signal. */
int kh_wait_for_stop(const sigset_t *set);
/* *bind: addr when it is a numeric loopback address, an IPv4-mapped one
 * (::ffff:127.0.0.1) as the IPv4 address it carries, which is what a
 * socket can bind (static storage); 0, or -1 when addr is not a numeric
 * loopback address. */
int kh_loopback_bind(const char **bind, const char *addr);
/* Writes text to path (for a ready file); 0 or -1. */
int kh_write_text(const char *path, const char *text);

#endif

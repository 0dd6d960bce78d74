/*
 * The interface every platform emulator offers to the harness and to
 * `kinsync serve`: build state from a scenario's configuration, serve it
 * over a km_server, show the state as JSON, act on it the way a shopper or
 * an ERP user would, and deliver due webhooks.
 */
#ifndef KINMOCK_EMULATOR_H
#define KINMOCK_EMULATOR_H

#include "server.h"

struct km_emulator;
struct km_config_key; /* kinmock/config.h */

/*
 * What a caller will read of a snapshot: JSON pointers (RFC 6901, plus the
 * engine's "[name=value]" selector tokens). NULL wants everything.
 */
struct km_snapshot_want {
    const char *const *pointers;
    size_t npointers;
};

/* 1 when some pointer of want starts at top-level member name (or want is
 * NULL): the member must be in the snapshot. */
int km_snapshot_wants(const struct km_snapshot_want *want, const char *name);
/* 1 when entry i of the top-level array name must be built: some pointer
 * names it by index, or names the array itself, or goes through it by
 * anything but a plain index (a selector reads every entry). */
int km_snapshot_wants_entry(const struct km_snapshot_want *want,
                            const char *name, size_t i);

struct km_emulator_type {
    const char *name; /* "epicor", "bigcommerce", "woocommerce", "static" */

    /* The configuration keys the emulator reads from given.<name>, each
     * declared once (kinmock/config.h). */
    const struct km_config_key *config;
    size_t nconfig;

    /*
     * Builds the state from config: the scenario's given.<name> object,
     * with "$fixture" references already replaced by the fixtures' JSON.
     * "faults" is handled by the caller and must be ignored here; any
     * other unknown key is an error. Returns 0, or -1 with a reason that
     * names the offending key in err.
     */
    int (*state_new)(void **state, const cJSON *config, struct ks_clock *clock,
                     char *err, size_t errsz);
    void (*state_free)(void *state);

    /* Routing (kinmock/server.h): the endpoint table, in which adding an
     * endpoint is one row plus its handler, and the hooks of the server. */
    const struct km_route *routes;
    size_t nroutes;
    km_accept_fn accept;
    km_route_path_fn route_path;
    int nocase;
    int trailing_slash;
    km_route_error_fn route_error;
    km_before_fn before;
    km_after_fn after;
    km_fault_action_fn fault_action;
    km_shared_fn shared; /* requests that only read; NULL: none */

    /* Called once the server listens, so the state knows its own URL
     * (links, webhook sources). May be NULL. */
    void (*bound)(void *state, struct km_server *server);

    /* The state as JSON for expectations by JSON pointer. Called with the
     * server lock held. Caller deletes. */
    cJSON *(*snapshot)(void *state);
    /*
     * The same restricted to what want names, for a state too large to
     * copy whole for a few pointers. The document must agree with the
     * full snapshot at every pointer of want; members no pointer starts
     * at may be left out, and array entries km_snapshot_wants_entry does
     * not ask for are null (so indexes and lengths stay those of the full
     * snapshot). Called with the server lock held. May be NULL.
     */
    cJSON *(*snapshot_some)(void *state, const struct km_snapshot_want *want);

    /*
     * Changes the state as a user of the platform would ("place_order",
     * "change_part", ...). Called with the server lock held. *result may
     * receive JSON for the caller (deleted by it). Returns 0, or -1 with
     * a reason in err. May be NULL when the emulator has no actions.
     */
    int (*act)(void *state, const char *action, const cJSON *args,
               cJSON **result, char *err, size_t errsz);

    /*
     * Delivers every webhook due at the server clock's current time.
     * Called WITHOUT the server lock: it takes the lock itself to pick
     * the deliveries and to record their outcome, and sends them
     * unlocked (the receiver may call back into the emulator). Returns
     * the number of deliveries attempted. May be NULL.
     */
    int (*pump)(void *state, struct km_server *server);
};

struct km_emulator {
    const struct km_emulator_type *type;
    struct km_server *server;
    void *state;
};

/* Builds the state, starts the server (bind_addr NULL = 127.0.0.1, port 0
 * = ephemeral) and applies config["faults"] when present. Returns 0 or -1
 * with err. */
int km_emulator_start(struct km_emulator **out,
                      const struct km_emulator_type *type, const cJSON *config,
                      struct ks_clock *clock, const char *bind_addr,
                      uint16_t port, char *err, size_t errsz);
/* The same over HTTPS with tls (borrowed until the stop), or plain HTTP
 * when tls is NULL. */
int km_emulator_start_tls(struct km_emulator **out,
                          const struct km_emulator_type *type,
                          const cJSON *config, struct ks_clock *clock,
                          const char *bind_addr, uint16_t port,
                          const struct km_tls *tls, char *err, size_t errsz);
void km_emulator_stop(struct km_emulator *emu); /* NULL-safe */

/* Locked wrappers of the type's callbacks; -1 with err when the type has
 * no such callback. */
cJSON *km_emulator_snapshot(struct km_emulator *emu);
/* The type's snapshot_some, or its whole snapshot when it has none. */
cJSON *km_emulator_snapshot_some(struct km_emulator *emu,
                                 const struct km_snapshot_want *want);
int km_emulator_act(struct km_emulator *emu, const char *action,
                    const cJSON *args, cJSON **result, char *err, size_t errsz);
int km_emulator_pump(struct km_emulator *emu);

/* The registry of emulator types compiled in; NULL-terminated. */
extern const struct km_emulator_type *const km_emulator_types[];
const struct km_emulator_type *km_emulator_type_find(const char *name);

#endif

/*
 * km_emulator: an emulator type's state served by a km_server, with the
 * type's callbacks wrapped in the server lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include "server_int.h"
#include "kinmock/emulator.h"

int km_emulator_start(struct km_emulator **out,
                      const struct km_emulator_type *type, const cJSON *config,
                      struct ks_clock *clock, const char *bind_addr,
                      uint16_t port, char *err, size_t errsz)
{
    return km_emulator_start_tls(out, type, config, clock, bind_addr, port,
                                 NULL, err, errsz);
}

int km_emulator_start_tls(struct km_emulator **out,
                          const struct km_emulator_type *type,
                          const cJSON *config, struct ks_clock *clock,
                          const char *bind_addr, uint16_t port,
                          const struct km_tls *tls, char *err, size_t errsz)
{
    struct km_emulator *emu = kx_xcalloc(1, sizeof(*emu));
    struct km_server_options opts;
    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(config, "faults");

    *out = NULL;
    if (errsz)
        err[0] = '\0';
    emu->type = type;
    if (config && !cJSON_IsObject(config)) {
        snprintf(err, errsz, "%s: configuration must be an object", type->name);
        goto fail;
    }
    if (type->state_new(&emu->state, config, clock, err, errsz) != 0)
        goto fail;
    memset(&opts, 0, sizeof(opts));
    opts.name = type->name;
    opts.bind_addr = bind_addr;
    opts.port = port;
    opts.clock = clock;
    opts.routes = type->routes;
    opts.nroutes = type->nroutes;
    opts.accept = type->accept;
    opts.route_path = type->route_path;
    opts.nocase = type->nocase;
    opts.trailing_slash = type->trailing_slash;
    opts.route_error = type->route_error;
    opts.state = emu->state;
    opts.before = type->before;
    opts.after = type->after;
    opts.fault_action = type->fault_action;
    opts.shared = type->shared;
    opts.tls = tls;
    if (km_server_start(&emu->server, &opts, err, errsz) != 0)
        goto fail;
    if (type->bound) {
        km_server_lock(emu->server);
        type->bound(emu->state, emu->server);
        km_server_unlock(emu->server);
    }
    if (faults && km_server_faults_add(emu->server, faults, err, errsz) != 0)
        goto fail;
    *out = emu;
    return 0;
fail:
    km_emulator_stop(emu);
    return -1;
}

void km_emulator_stop(struct km_emulator *emu)
{
    if (!emu)
        return;
    /* The server goes first: once its threads are gone no handler can
     * touch the state. */
    km_server_stop(emu->server);
    if (emu->state && emu->type->state_free)
        emu->type->state_free(emu->state);
    free(emu);
}

cJSON *km_emulator_snapshot(struct km_emulator *emu)
{
    cJSON *snap;

    if (!emu->type->snapshot)
        return NULL;
    km_server_lock(emu->server);
    snap = emu->type->snapshot(emu->state);
    km_server_unlock(emu->server);
    return snap;
}

cJSON *km_emulator_snapshot_some(struct km_emulator *emu,
                                 const struct km_snapshot_want *want)
{
    cJSON *snap;

    if (!emu->type->snapshot_some)
        return km_emulator_snapshot(emu);
    km_server_lock(emu->server);
    snap = emu->type->snapshot_some(emu->state, want);
    km_server_unlock(emu->server);
    return snap;
}

/* When pointer's first reference token is name (after ~1 and ~0
 * unescaping), returns what follows it ("" or "/..."); for the pointer ""
 * (the whole document) returns ""; NULL otherwise. */
static const char *after_member(const char *pointer, const char *name)
{
    const char *p = pointer;

    if (!*p)
        return p;
    if (*p++ != '/')
        return NULL;
    while (*p && *p != '/') {
        char c = *p++;

        if (c == '~' && (*p == '0' || *p == '1'))
            c = *p++ == '0' ? '~' : '/';
        if (c != *name++)
            return NULL;
    }
    return *name ? NULL : p;
}

int km_snapshot_wants(const struct km_snapshot_want *want, const char *name)
{
    if (!want)
        return 1;
    for (size_t k = 0; k < want->npointers; k++)
        if (after_member(want->pointers[k], name))
            return 1;
    return 0;
}

int km_snapshot_wants_entry(const struct km_snapshot_want *want,
                            const char *name, size_t i)
{
    if (!want)
        return 1;
    for (size_t k = 0; k < want->npointers; k++) {
        const char *rest = after_member(want->pointers[k], name);
        const char *digits = rest && *rest ? rest + 1 : NULL;
        char *end;
        unsigned long long index;

        if (!rest)
            continue;
        /* The array itself, or an entry by anything but an RFC 6901
         * index ("0", or digits without a leading zero). */
        if (!digits || *digits < '0' || *digits > '9' ||
            (digits[0] == '0' && digits[1] && digits[1] != '/'))
            return 1;
        index = strtoull(digits, &end, 10);
        if (*end && *end != '/')
            return 1;
        if (index == i)
            return 1;
    }
    return 0;
}

int km_emulator_act(struct km_emulator *emu, const char *action,
                    const cJSON *args, cJSON **result, char *err, size_t errsz)
{
    cJSON *unwanted = NULL;
    int rc;

    if (result)
        *result = NULL;
    if (errsz)
        err[0] = '\0';
    if (!emu->type->act) {
        snprintf(err, errsz, "%s: no actions (asked for \"%s\")",
                 emu->type->name, action);
        return -1;
    }
    km_server_lock(emu->server);
    rc = emu->type->act(emu->state, action, args, result ? result : &unwanted,
                        err, errsz);
    km_server_unlock(emu->server);
    cJSON_Delete(unwanted);
    return rc;
}

/* A type without webhooks has nothing to deliver: 0, not an error, so the
 * harness can pump every system alike. */
int km_emulator_pump(struct km_emulator *emu)
{
    if (!emu->type->pump)
        return 0;
    return emu->type->pump(emu->state, emu->server);
}

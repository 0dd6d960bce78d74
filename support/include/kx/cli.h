/*
 * Helpers every command of the kinsync program shares.
 */
#ifndef KX_CLI_H
#define KX_CLI_H

#include <stddef.h>
#include "kx/time.h"

/* The value of option argv[*i], whose name is namelen characters long:
 * "--name=VALUE", or the next argument (*i then moves past it); NULL when
 * there is none. */
const char *kh_cli_opt_value(int argc, char **argv, int *i, size_t namelen);

#endif

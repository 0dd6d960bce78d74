/*
 * Argument parsing for every command of the kinsync program: getopt_long
 * (so "--name=VALUE" and "--name VALUE" both work), with one way of
 * reporting a usage error.
 */
#ifndef KX_OPT_H
#define KX_OPT_H

#include <getopt.h>

/* The exit status of a usage error, for every command. */
#define KX_EXIT_USAGE 2

/* Starts a new parse: getopt keeps its position in globals, and a command
 * may be run more than once in one process. */
void kx_opt_begin(void);

/*
 * getopt_long(argc, argv, shortopts, longopts), whose shortopts must start
 * with ':'. A bad option (unknown, missing or empty value, a value given to
 * a flag) is reported as one line on stderr naming it, through
 * kx_usage_error(cmd, ...), and comes back as '?'. Arguments that are not
 * options are moved behind the options: argv[optind..argc) once this
 * returns -1.
 */
int kx_opt_next(int argc, char **argv, const char *shortopts,
                const struct option *longopts, const char *cmd);

/* Prints "kinsync CMD: MESSAGE (see `kinsync CMD --help`)" as one line on
 * stderr and returns KX_EXIT_USAGE. cmd is e.g. "check" or "outbox". */
__attribute__((format(printf, 2, 3))) int kx_usage_error(const char *cmd,
                                                         const char *fmt, ...);

#endif

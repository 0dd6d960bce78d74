/* getopt_long with the program's usage-error reporting (see kx/opt.h). */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kx/opt.h"

void kx_opt_begin(void)
{
    optind = 0; /* glibc: 0 re-initialises the scan, not just the index */
    opterr = 0; /* errors are reported by kx_opt_next(), in one line */
}

int kx_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "kinsync %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see `kinsync %s --help`)\n", cmd);
    return KX_EXIT_USAGE;
}

/* The long option whose value is val, or NULL. */
static const struct option *option_of(const struct option *longopts, int val)
{
    for (; longopts->name; longopts++) {
        if (longopts->val == val && !longopts->flag)
            return longopts;
    }
    return NULL;
}

/* 1 when arg is "--NAME=VALUE" for opt, a flag (NAME may be abbreviated). */
static int gave_value(const char *arg, const struct option *opt)
{
    size_t len = strcspn(arg, "=");

    return opt->has_arg == no_argument && strncmp(arg, "--", 2) == 0 &&
           arg[len] == '=' && len > 2 &&
           strncmp(arg + 2, opt->name, len - 2) == 0;
}

int kx_opt_next(int argc, char **argv, const char *shortopts,
                const struct option *longopts, const char *cmd)
{
    const struct option *opt;
    const char *arg;
    int c;

    assert(shortopts[0] == ':'); /* so a missing value comes back as ':' */
    c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c == -1 || (c != '?' && c != ':' && (!optarg || optarg[0])))
        return c;
    /* After an unknown long option getopt has moved past it; an unknown
     * short one may sit inside a cluster ("-qx"), so only optopt names it.
     * The long form is named without its "=VALUE". */
    arg = argv[optind - 1];
    opt = option_of(longopts, c == '?' || c == ':' ? optopt : c);
    if (c != '?' && opt)
        kx_usage_error(cmd, "option --%s needs a value", opt->name);
    else if (c != '?')
        kx_usage_error(cmd, "option -%c needs a value", optopt);
    else if (!optopt)
        kx_usage_error(cmd, "unknown option %.*s", (int)strcspn(arg, "="), arg);
    else if (opt && gave_value(arg, opt))
        kx_usage_error(cmd, "option --%s takes no value", opt->name);
    else
        kx_usage_error(cmd, "unknown option -%c", optopt);
    return '?';
}

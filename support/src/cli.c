/* Small helpers every command of the kinsync program shares. */
#include "kx/cli.h"

const char *kh_cli_opt_value(int argc, char **argv, int *i, size_t namelen)
{
    const char *arg = argv[*i];

    if (arg[namelen] == '=')
        return arg + namelen + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* Small helpers every command of the kinsync program shares. */
#include <time.h>
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

int64_t kx_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

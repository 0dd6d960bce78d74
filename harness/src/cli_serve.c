/* Placeholder until `kinsync serve` lands (being written now). */
#include <stdio.h>
#include "harness.h"

int kh_cli_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "kinsync serve: not built yet\n");
    return 2;
}

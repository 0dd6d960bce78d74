/* A program built against the installed libkinsync (tests/package): the
 * headers and the library it links agree on the version, and a call into
 * the library works. */
#include <stdio.h>
#include <string.h>
#include <kinsync.h>

int main(void)
{
    if (strcmp(ks_version(), KS_VERSION) != 0) {
        fprintf(stderr, "library %s, headers %s\n", ks_version(), KS_VERSION);
        return 1;
    }
    if (KS_VERSION_NUM !=
        ((KS_VERSION_MAJOR << 16) | (KS_VERSION_MINOR << 8) | KS_VERSION_PATCH))
        return 1;
    printf("c %s %s\n", ks_version(), ks_rc_name(KS_ENOTFOUND));
    return 0;
}

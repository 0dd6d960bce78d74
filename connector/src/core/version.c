#include "kinsync/client.h"

const char *ks_version(void)
{
    return KS_VERSION;
}

/* splitmix64: small, fast and fully determined by its seed, which is what
 * jitter and seeded fault sampling need (not cryptography). */
#include "internal.h"

uint64_t ks__rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t ks__rng_below(uint64_t *state, uint64_t bound)
{
    if (bound == 0)
        return 0;
    return ks__rng_next(state) % bound;
}

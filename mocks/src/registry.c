/* The emulator types compiled into this build. */
#include <string.h>
#include "kinmock/emulator.h"

#ifdef KM_HAVE_static
extern const struct km_emulator_type km_static_type;
#endif
#ifdef KM_HAVE_epicor
extern const struct km_emulator_type km_epicor_type;
#endif
#ifdef KM_HAVE_bigcommerce
extern const struct km_emulator_type km_bigcommerce_type;
#endif
#ifdef KM_HAVE_woocommerce
extern const struct km_emulator_type km_woocommerce_type;
#endif

const struct km_emulator_type *const km_emulator_types[] = {
#ifdef KM_HAVE_static
    &km_static_type,
#endif
#ifdef KM_HAVE_epicor
    &km_epicor_type,
#endif
#ifdef KM_HAVE_bigcommerce
    &km_bigcommerce_type,
#endif
#ifdef KM_HAVE_woocommerce
    &km_woocommerce_type,
#endif
    NULL};

const struct km_emulator_type *km_emulator_type_find(const char *name)
{
    for (size_t i = 0; km_emulator_types[i]; i++) {
        if (strcmp(km_emulator_types[i]->name, name) == 0)
            return km_emulator_types[i];
    }
    return NULL;
}

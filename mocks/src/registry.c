/* The emulator types of this build, as mocks/CMakeLists.txt lists them. */
#include <string.h>
#include "kinmock/emulator.h"

extern const struct km_emulator_type km_static_type;
extern const struct km_emulator_type km_epicor_type;
extern const struct km_emulator_type km_bigcommerce_type;
extern const struct km_emulator_type km_woocommerce_type;
extern const struct km_emulator_type km_adobe_type;
extern const struct km_emulator_type km_oee_type;

const struct km_emulator_type *const km_emulator_types[] = {
    &km_static_type,
    &km_epicor_type,
    &km_bigcommerce_type,
    &km_woocommerce_type,
    &km_adobe_type,
    &km_oee_type,
    NULL};

const struct km_emulator_type *km_emulator_type_find(const char *name)
{
    for (size_t i = 0; km_emulator_types[i]; i++) {
        if (strcmp(km_emulator_types[i]->name, name) == 0)
            return km_emulator_types[i];
    }
    return NULL;
}

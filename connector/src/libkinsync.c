/*
 * The shared library's own translation unit. Everything libkinsync exports
 * comes from the module archives linked whole into it (see
 * connector/CMakeLists.txt); this file only gives the target a source.
 */
#include "kinsync.h"

int ks__libkinsync_anchor = 1;

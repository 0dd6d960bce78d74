/* Umbrella header of libkinsync. */
#ifndef KINSYNC_H
#define KINSYNC_H

#include "kinsync/common.h"
#include "kinsync/error.h"
#include "kinsync/clock.h"
#include "kinsync/log.h"
#include "kinsync/client.h"

#endif

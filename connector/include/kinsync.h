/* Umbrella header of libkinsync. */
#ifndef KINSYNC_H
#define KINSYNC_H

#include "kinsync/common.h"
#include "kinsync/version.h"
#include "kinsync/error.h"
#include "kinsync/clock.h"
#include "kinsync/log.h"
#include "kinsync/client.h"
#include "kinsync/store.h"
#include "kinsync/epicor.h"
#include "kinsync/woocommerce.h"
#include "kinsync/adobe.h"
#include "kinsync/oee.h"
#include "kinsync/bigcommerce.h"
#include "kinsync/sync.h"

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The probes of the "ukey" tracepoint provider (tp.h), built alone into
 * build/libukdb-tp.so with liblttng-ust.  ukdb loads it (tp-load.c) only
 * where it runs the model; "ukdb audit" and "ukdb view" never load
 * liblttng-ust (whose constructor registers with a session daemon: a
 * viewer of a live session is then not itself a traced program). */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "tracepoints/provider/tp.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* The "ukey" tracepoints of tp.h as ukdb defines them: with dynamic
 * linkage, so that ukdb links liblttng-ust-tracepoint only (loaded by
 * LTTng's own constructor) and its tracepoints stay off until tp-load.c
 * loads the probes (build/libukdb-tp.so).  Programs that link the probes
 * instead use tp.c. */
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "tracepoints/provider/tp.h"

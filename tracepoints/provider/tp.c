/* SPDX-License-Identifier: Apache-2.0 */
/* The "ukey" tracepoint provider of tp.h linked into a program: its probes
 * and its tracepoint definitions.  Used by the test helpers and benchmarks
 * (tp-emit, bench-load, the fuzz target), linked with liblttng-ust.  ukdb
 * itself uses tp-define.c and loads tp-probes.c's library. */
#include <stdbool.h>

#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "tracepoints/provider/tp.h"

/* Tells uk_tp_load() (tp-load.c) that the probes are linked in. */
extern const bool uk_tp_probes_linked;
const bool uk_tp_probes_linked = true;

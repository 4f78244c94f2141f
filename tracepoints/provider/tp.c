/* SPDX-License-Identifier: Apache-2.0 */
/* Instantiates the "ukey" tracepoint provider of tp.h (its probes and its
 * tracepoint definitions), linked into the ukdb program.  Nothing else of
 * the project defines these macros. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "tracepoints/provider/tp.h"

/* SPDX-License-Identifier: Apache-2.0 */
/* Loading the "ukey" tracepoint probes into ukdb (see tp-probes.c). */
#ifndef UKDB_TRACEPOINTS_PROVIDER_TP_LOAD_H
#define UKDB_TRACEPOINTS_PROVIDER_TP_LOAD_H 1

#include <stdbool.h>

/* Loads the probes of the "ukey" tracepoints, once: $UKDB_TP_PROVIDER if
 * set, else libukdb-tp.so next to the executable (the build tree), else
 * ../lib/ukdb/libukdb-tp.so from it (an installed ukdb).  A program that
 * links the probes (tp.c) needs nothing loaded.  Registers the process
 * with a running LTTng session daemon, as liblttng-ust does.  Returns
 * false after a warning on stderr if no library loads: the tracepoints
 * then stay off. */
bool uk_tp_load(void);

#endif /* UKDB_TRACEPOINTS_PROVIDER_TP_LOAD_H */

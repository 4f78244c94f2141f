/* SPDX-License-Identifier: Apache-2.0 */
/* The in-process babeltrace2 graph of "ukdb audit" and "ukdb view":
 * one src.ctf.fs per trace directory (each directory holding a 'metadata'
 * file under each argument: src.ctf.fs does not search subdirectories) or
 * one src.ctf.lttng-live per "net://" URL, a flt.utils.muxer, and the sink
 * of sink.c.  The ctf and utils plugins are the system's.
 *
 * This header includes no babeltrace2 header, for repl/ (STYLE.md's
 * layering). */
#ifndef UKDB_TRACEPOINTS_PLUGIN_GRAPH_H
#define UKDB_TRACEPOINTS_PLUGIN_GRAPH_H 1

#include "report.h"

/* Runs the graph over the 'n_inputs' trace directories or URLs 'inputs'
 * with the report 'options' ('options->mode' selects the sink).  On error,
 * prints babeltrace2's error causes to stderr ("ukdb: error: ..." then
 * "  caused by: ..."), clears the thread's error and returns 2.  Otherwise
 * returns report_finish()'s status (0, 1 or 3).  A first SIGINT stops
 * reading and reports the events read so far (a live session does not end
 * by itself); a second one kills. */
int graph_run(const struct report_options *options, int n_inputs,
              char *inputs[]);

#endif /* UKDB_TRACEPOINTS_PLUGIN_GRAPH_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* The in-process babeltrace2 graph of "ukdb audit" and "ukdb view":
 * one src.ctf.fs per trace directory (each directory holding a 'metadata'
 * file under each argument: src.ctf.fs does not search subdirectories) or
 * one src.ctf.lttng-live per "net://" URL (with a flt.utils.muxer), and the
 * sink of sink.c, which merges trace files' streams itself.  The ctf and
 * utils plugins are the system's.
 *
 * This header includes no babeltrace2 header, for repl/ (STYLE.md's
 * layering). */
#ifndef UKDB_TRACEPOINTS_PLUGIN_GRAPH_H
#define UKDB_TRACEPOINTS_PLUGIN_GRAPH_H 1

#include "report.h"

/* Whether 'input' names a live session ("net://", "net4://", "net6://")
 * rather than a trace directory. */
bool graph_is_live(const char *input);

/* Runs the graph over the 'n_inputs' trace directories or URLs 'inputs'
 * with the report 'options' ('options->mode' selects the sink).  On error,
 * prints babeltrace2's error causes to stderr ("ukdb: error: ..." then
 * "  caused by: ..."), clears the thread's error and returns 2.  Otherwise
 * returns report_finish()'s status (0, 1 or 3).  A first SIGINT stops
 * reading and reports the events read so far (a live session does not end
 * by itself); a second one kills. */
int graph_run(const struct report_options *options, int n_inputs,
              char *inputs[]);

/* The same graph run step by step, for a reader that must not block: the
 * REPL's cursor on a live session (repl/trace-live.c), which reads what has
 * arrived, lets the user work, and reads on later.  The events go to
 * 'options->on_event' as graph_poll() reads them (a report keeps events of
 * equal timestamp until a later one or the end, to put them in seq order).
 *
 * graph_open() builds the graph, or prints the causes (as graph_run()) and
 * returns NULL.  Each graph_poll() runs one step of it: GRAPH_POLL_OK (it
 * did some work: call again), GRAPH_POLL_AGAIN (no data now: a live source
 * waits for the traced program; call again later), GRAPH_POLL_END (every
 * input ended: the report is finished), or GRAPH_POLL_ERROR (causes
 * printed).  After END or ERROR, only graph_close() (NULL ok). */
struct graph;
enum graph_poll_status {
    GRAPH_POLL_OK,
    GRAPH_POLL_AGAIN,
    GRAPH_POLL_END,
    GRAPH_POLL_ERROR,
};
struct graph *graph_open(const struct report_options *options, int n_inputs,
                         char *inputs[]);
enum graph_poll_status graph_poll(struct graph *);
void graph_close(struct graph *);

/* Whether the user asked for babeltrace2's log ($UKDB_BT_LOG, or one of
 * babeltrace2's own log level variables that bear on the graph, other
 * than "N"): then what a reader captures of stderr is theirs, and goes
 * back to it whole. */
bool graph_log_wanted(void);

/* Where a graph that babeltrace2 aborts says so (see graph.c): 'out_fd'
 * (stderr by default), and, if 'capture_fd' is not -1, the file that holds
 * what was written to stderr meanwhile, whose last line is babeltrace2's
 * reason.  For a reader that captures stderr (the REPL). */
void graph_set_abort_output(int out_fd, int capture_fd);

#endif /* UKDB_TRACEPOINTS_PLUGIN_GRAPH_H */

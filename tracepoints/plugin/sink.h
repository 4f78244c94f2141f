/* SPDX-License-Identifier: Apache-2.0 */
/* The sink component classes of the "ukey" plugin, "sink.ukey.audit" and
 * "sink.ukey.lifecycle": each reads the messages of its input port "in"
 * (from ukdb, of several ports, merged by time as flt.utils.muxer does),
 * decodes the "ukey:" events (decode.h) and feeds them, with the discarded
 * events and packets, to a report (report.h).  plugin.c registers these
 * methods for the babeltrace2 CLI; graph.c creates the same classes
 * in-process for "ukdb audit" and "ukdb view", so both print the same.
 *
 * Parameters (CLI): "format" (string: text, json, and for the lifecycle
 * sink also chrome and raw), and for the lifecycle sink "ukey" (integer),
 * "flow", "thread" (strings), "begin", "end" (integer ns, or a string "N",
 * "Nns", "+S.FFF", "seq:N").  From ukdb, the initialization method data is
 * a 'struct sink_setup' and the parameters are ignored. */
#ifndef UKDB_TRACEPOINTS_PLUGIN_SINK_H
#define UKDB_TRACEPOINTS_PLUGIN_SINK_H 1

#include <babeltrace2/babeltrace.h>

#include "report.h"

struct sink;

/* What ukdb passes to the sink, and gets back. */
struct sink_setup {
    struct report_options options;  /* 'mode' is set by the class. */
    uint64_t n_inputs;              /* Input ports: 1, "in", or that many,
                                     * "in0", "in1"..., merged by time. */
    int declares_ukey;              /* Whether the inputs' metadata declares
                                     * "ukey:" events: 1, 0, or -1 if
                                     * unknown (a live session).  Says what
                                     * an input without a stream is. */
    int status;                     /* Out: report_finish()'s status, or -1
                                     * if the input did not end. */
    struct sink *sink;              /* Out: the sink (weak, valid while
                                     * the graph lives), for ukdb to report
                                     * what it read when it is interrupted. */
};

/* Events read so far, of every trace. */
uint64_t sink_n_events(const struct sink *);

/* Ends the input and prints the report of every trace (see sink-private.h's
 * "struct sink_trace"), then, if there are several, the verdict of them
 * all.  Returns the exit status of DESIGN.md's contract (report_finish()),
 * of the worst trace. */
int sink_report(struct sink *);

bt_component_class_initialize_method_status sink_init_audit(
    bt_self_component_sink *, bt_self_component_sink_configuration *,
    const bt_value *params, void *setup);
bt_component_class_initialize_method_status sink_init_lifecycle(
    bt_self_component_sink *, bt_self_component_sink_configuration *,
    const bt_value *params, void *setup);
void sink_finalize(bt_self_component_sink *);
bt_component_class_sink_graph_is_configured_method_status
sink_graph_is_configured(bt_self_component_sink *);
bt_component_class_sink_consume_method_status sink_consume(
    bt_self_component_sink *);

/* Creates the in-process sink component class 'name' for 'mode', with the
 * methods above.  Returns a new reference, or NULL after appending a
 * cause. */
bt_component_class_sink *sink_create_class(enum report_mode mode,
                                           const char *name);

#endif /* UKDB_TRACEPOINTS_PLUGIN_SINK_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* The babeltrace2 plugin "ukey" (build/plugins/ukey.so):
 *
 *   babeltrace2 --plugin-path=build/plugins TRACE -c sink.ukey.audit
 *   babeltrace2 --plugin-path=build/plugins TRACE -c sink.ukey.lifecycle \
 *       -p 'format="raw"'
 *
 * Only the descriptors: the methods are in sink*.c, shared with ukdb.  Built
 * with default visibility and BT_PLUGIN_MODULE() without a ';' (STYLE.md:
 * babeltrace2 2.0.4 silently ignores the plugin otherwise). */
#include <babeltrace2/babeltrace.h>

#include "sink.h"

BT_PLUGIN_MODULE()

BT_PLUGIN(ukey);
BT_PLUGIN_DESCRIPTION("Open vSwitch ukey lifecycles: audit and timelines");
BT_PLUGIN_AUTHOR("ukdb");
BT_PLUGIN_LICENSE("Apache-2.0");

BT_PLUGIN_SINK_COMPONENT_CLASS(audit, sink_consume);
BT_PLUGIN_SINK_COMPONENT_CLASS_DESCRIPTION(audit,
    "Check ukey lifecycles against the rules and print the verdicts "
    "(like 'ukdb audit').");
BT_PLUGIN_SINK_COMPONENT_CLASS_HELP(audit,
    "Parameters: format=\"text\"|\"json\".");
BT_PLUGIN_SINK_COMPONENT_CLASS_INITIALIZE_METHOD(audit, sink_init_audit);
BT_PLUGIN_SINK_COMPONENT_CLASS_FINALIZE_METHOD(audit, sink_finalize);
BT_PLUGIN_SINK_COMPONENT_CLASS_GRAPH_IS_CONFIGURED_METHOD(audit,
    sink_graph_is_configured);

BT_PLUGIN_SINK_COMPONENT_CLASS(lifecycle, sink_consume);
BT_PLUGIN_SINK_COMPONENT_CLASS_DESCRIPTION(lifecycle,
    "Print per-ukey timelines (like 'ukdb view').");
BT_PLUGIN_SINK_COMPONENT_CLASS_HELP(lifecycle,
    "Parameters: format=\"text\"|\"json\"|\"chrome\"|\"raw\", ukey=ID, "
    "flow=\"NAME\", thread=\"NAME\", begin=NS|\"seq:N\", end=NS|\"seq:N\".");
BT_PLUGIN_SINK_COMPONENT_CLASS_INITIALIZE_METHOD(lifecycle,
    sink_init_lifecycle);
BT_PLUGIN_SINK_COMPONENT_CLASS_FINALIZE_METHOD(lifecycle, sink_finalize);
BT_PLUGIN_SINK_COMPONENT_CLASS_GRAPH_IS_CONFIGURED_METHOD(lifecycle,
    sink_graph_is_configured);

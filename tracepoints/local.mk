# The LTTng-UST provider "ukey".  build/ukdb defines the tracepoints with
# dynamic linkage (tp-define.c) and loads the probes, build/libukdb-tp.so
# (tp-probes.c, with liblttng-ust), only where it runs the model
# (tp-load.c).  The test helpers and benchmarks link them all (TP_SRCS).
TP_SRCS += tracepoints/provider/tp.c
TP_SRCS += tracepoints/provider/tp-observer.c
TP_DYN_SRCS += tracepoints/provider/tp-define.c
TP_DYN_SRCS += tracepoints/provider/tp-observer.c
TP_DYN_SRCS += tracepoints/provider/tp-load.c
TP_PROBES_SRCS += tracepoints/provider/tp-probes.c
# The babeltrace2 plugin "ukey" (build/plugins/ukey.so): sinks audit and
# lifecycle.  decode.c, report*.c and sink*.c are shared with ukdb.
PLUGIN_SRCS += tracepoints/plugin/decode.c
PLUGIN_SRCS += tracepoints/plugin/report.c
PLUGIN_SRCS += tracepoints/plugin/report-audit.c
PLUGIN_SRCS += tracepoints/plugin/report-hold.c
PLUGIN_SRCS += tracepoints/plugin/report-map.c
PLUGIN_SRCS += tracepoints/plugin/report-order.c
PLUGIN_SRCS += tracepoints/plugin/report-pipe.c
PLUGIN_SRCS += tracepoints/plugin/report-chrome.c
PLUGIN_SRCS += tracepoints/plugin/report-view.c
PLUGIN_SRCS += tracepoints/plugin/sink.c
PLUGIN_SRCS += tracepoints/plugin/sink-stream.c
PLUGIN_SRCS += tracepoints/plugin/sink-merge.c
PLUGIN_SRCS += tracepoints/plugin/sink-report.c
PLUGIN_SRCS += tracepoints/plugin/plugin.c

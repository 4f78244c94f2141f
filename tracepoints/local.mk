# The LTTng-UST provider "ukey" (linked into build/ukdb with lttng-ust).
TP_SRCS += tracepoints/provider/tp.c
TP_SRCS += tracepoints/provider/tp-observer.c
# The babeltrace2 plugin "ukey" (build/plugins/ukey.so): sinks audit and
# lifecycle.  decode.c, report*.c and sink.c are shared with ukdb.
PLUGIN_SRCS += tracepoints/plugin/decode.c
PLUGIN_SRCS += tracepoints/plugin/report.c
PLUGIN_SRCS += tracepoints/plugin/report-chrome.c
PLUGIN_SRCS += tracepoints/plugin/sink.c
PLUGIN_SRCS += tracepoints/plugin/plugin.c

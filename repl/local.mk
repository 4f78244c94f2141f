REPL_SRCS += repl/record.c
# "ukdb audit" and "ukdb view", and the babeltrace2 plugin code they share
# with build/plugins/ukey.so (tracepoints/local.mk).
REPL_SRCS += repl/cmd-audit.c
REPL_SRCS += tracepoints/plugin/graph.c
REPL_SRCS += tracepoints/plugin/graph-guard.c
# The plugin's sources but its entry points (tracepoints/local.mk, read
# first).
REPL_SRCS += $(filter-out tracepoints/plugin/plugin.c,$(PLUGIN_SRCS))
REPL_SRCS += repl/main.c
REPL_SRCS += repl/input.c
REPL_SRCS += repl/commands.c
REPL_SRCS += repl/cmd-step.c
REPL_SRCS += repl/cmd-break.c
REPL_SRCS += repl/journal.c
REPL_SRCS += repl/session.c
REPL_SRCS += repl/cmd-setup.c
REPL_SRCS += repl/cmd-show.c
REPL_SRCS += repl/cmd-expect.c
REPL_SRCS += repl/cmd-explore.c
REPL_SRCS += repl/trace.c
REPL_SRCS += repl/trace-read.c
REPL_SRCS += repl/trace-live.c
REPL_SRCS += repl/trace-motion.c
REPL_SRCS += repl/trace-state.c
REPL_SRCS += repl/trace-show.c
REPL_SRCS += repl/trace-repro.c
REPL_SRCS += repl/load.c

/* SPDX-License-Identifier: Apache-2.0 */
/* What graph.c and graph-guard.c share: the graph and its guards against
 * babeltrace2 2.0.4 on a corrupt trace, each of which would otherwise loop
 * for ever or abort the process:
 *
 *   - a packetized metadata file whose last packet is cut: checked before
 *     src.ctf.fs reads it (graph_check_metadata());
 *   - a data stream packet whose size reads 0: a thread watches the memory
 *     that indexing takes (graph_watch_start(), graph_watch_stop());
 *   - babeltrace2's assertions: a SIGABRT handler says so in one line and
 *     exits 2, or, for a reader that goes on (the REPL), comes back to the
 *     function that ran the graph (graph_guard_abort(), GRAPH_ARM_ABORT).
 *
 * Used by one thread (the graph's), except the watch's own thread. */
#ifndef UKDB_TRACEPOINTS_PLUGIN_GRAPH_PRIVATE_H
#define UKDB_TRACEPOINTS_PLUGIN_GRAPH_PRIVATE_H 1

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <babeltrace2/babeltrace.h>

#include "graph.h"
#include "sink.h"

#define GRAPH_MODULE "ukdb"

/* The components' own logging.  Quiet by default: their error causes are
 * printed anyway; UKDB_BT_LOG=1 shows their warnings and errors too (as
 * the babeltrace2 CLI does by default). */
#define GRAPH_LOG_LEVEL \
    (getenv("UKDB_BT_LOG") ? BT_LOGGING_LEVEL_WARNING : BT_LOGGING_LEVEL_NONE)

/* A thread that watches babeltrace2 index a trace (see "Watching
 * babeltrace2 index a trace" below). */
struct graph_watch {
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t cond;                /* Signalled to stop. */
    bool stop;                          /* Under 'mutex'. */
    bool initialized, started;
    uint64_t base, limit;               /* Resident bytes. */
    const char *input;
};

/* The trace directories of one trace UUID (src.ctf.fs's "group": the
 * chunks of a rotated session, the snapshots of a session), read by one
 * src.ctf.fs, which folds them and reads a packet that two of them hold
 * once, as the babeltrace2 CLI does. */
struct graph_group {
    char *uuid;                         /* (owned) NULL: a group of one. */
    char **dirs;                        /* (owned) Each (owned). */
    size_t n_dirs, allocated_dirs;
};

/* The graph and what it is built from.  Used by one thread. */
struct graph {
    bt_graph *graph;                    /* (owned) */
    const bt_plugin *ctf;               /* (owned) */
    const bt_plugin *utils;             /* (owned) */
    const bt_component_filter *muxer;   /* (borrowed from 'graph') NULL
                                         * without a live input. */
    const bt_port_output **ports;       /* (owned array of borrowed) The
                                         * sources' ports, without muxer. */
    uint64_t n_ports;
    const bt_component_sink *sink;      /* (borrowed from 'graph') */
    bt_component_class_sink *sink_cls;  /* (owned) */
    bt_interrupter *interrupter;        /* (owned) */
    unsigned int n_sources;
    char **dirs;                        /* (owned) The trace directories
                                         * read, as realpath() gives them. */
    size_t n_dirs;
    struct graph_group *groups;         /* (owned) The directories of
                                         * every input, to read. */
    size_t n_groups, allocated_groups;
    uint64_t found_bytes;               /* Their files' size. */
    struct graph_watch watch;           /* While sources are created. */
    bool metadata_ukey;                 /* A trace's metadata declares
                                         * "ukey:" events. */
    struct sink_setup setup;
    bool aborted;                       /* babeltrace2 aborted in it: what
                                         * it holds is abandoned. */
};

/* Returns false, after appending a cause, if the metadata file of 'dir' is
 * packetized and its packets do not exactly fill the file; otherwise sets
 * '*ukey' if it declares a "ukey:" event.  In either case sets '*uuid' to
 * the trace UUID its TSDL declares (owned), or NULL. */
bool graph_check_metadata(const char *dir, bool *ukey, char **uuid);

/* Starts watching the indexing of 'input', 'bytes' of files; stops (no-op
 * if not started). */
void graph_watch_start(struct graph_watch *, const char *input,
                       uint64_t bytes);
void graph_watch_stop(struct graph_watch *);

/* While a graph is built or run: between graph_guard_abort() and
 * graph_unguard_abort() (nested calls count), babeltrace2's abort ends
 * ukdb with one line and exit status 2, or comes back to GRAPH_ARM_ABORT
 * if the output captures stderr (graph_set_abort_output()); then
 * graph_abort_report() writes that line to stderr. */
void graph_guard_abort(void);
void graph_unguard_abort(void);
void graph_disarm_abort(void);
void graph_abort_report(void);

/* The 'out_fd' of graph_set_abort_output(): stderr unless the REPL
 * captures it. */
int graph_get_abort_output(void);

extern sigjmp_buf graph_abort_env;
extern volatile sig_atomic_t graph_abort_armed;
extern int graph_abort_capture;

/* For a reader that goes on (see above), arms the way back from an abort
 * to here, in the caller's frame, which must stay alive until
 * graph_disarm_abort(): back here, runs ON_ABORT, which must return.
 * (sigsetjmp() is the whole condition of an 'if', as C allows.) */
#define GRAPH_ARM_ABORT(ON_ABORT)                                       \
    do {                                                                \
        if (graph_abort_capture >= 0) {                                 \
            if (sigsetjmp(graph_abort_env, 1)) {                        \
                ON_ABORT;                                               \
            }                                                           \
            graph_abort_armed = 1;                                      \
        }                                                               \
    } while (0)


#endif /* UKDB_TRACEPOINTS_PLUGIN_GRAPH_PRIVATE_H */

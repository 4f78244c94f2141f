/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the sinks (sink.h) shared by their files: sink.c (the
 * component: parameters, initialization, finalization), sink-stream.c (the
 * streams and traces the sink follows, and their losses), sink-merge.c
 * (reading the input ports merged by time, and handling each message) and
 * sink-report.c (the end of the input: one report per trace, and the
 * verdict of them all). */
#ifndef UKDB_TRACEPOINTS_PLUGIN_SINK_PRIVATE_H
#define UKDB_TRACEPOINTS_PLUGIN_SINK_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <babeltrace2/babeltrace.h>

#include "report.h"
#include "sink.h"

struct decode;

/* One input port: its message iterator and the batch of messages it
 * returned last, of which 'msgs[pos]' is the next to merge (its "head"). */
struct sink_input {
    bt_message_iterator *iter;      /* (owned) NULL once it ended. */
    bt_message_array_const msgs;    /* (owned by 'iter') */
    uint64_t count, pos;
    int64_t head_ns;                /* Time of 'msgs[pos]', when pos < count:
                                     * INT64_MIN when it has none. */
};

/* What the sink follows of one stream, whichever input it comes from
 * (one per stream, or every stream behind a muxer).
 *
 * Where its packets begin and end: a stream of an input that starts
 * mid-run (a snapshot of LTTng's per-CPU buffers) may have lost events
 * before its first packet and after its last (report_stream_head(),
 * report_stream_end()).
 *
 * LTTng's counter of discarded events.  babeltrace2 gives a
 * discarded-events message the difference of two packets' counters.
 * LTTng-UST 2.13 was seen writing 0 as the counter of a full packet amid
 * others (a 2-CPU load in a discard-mode channel: 42 of 14,888 packets), so
 * the counter seemed to fall to 0 and rise again, and babeltrace2 reported
 * 2^64 - N events lost, then the whole counter.  'value' follows the
 * counter as babeltrace2 saw it, 'high' is its highest value: a message
 * that leaves it below is a loss of an unknown count, and one that takes
 * it above counts only what is new. */
struct sink_stream {
    const bt_stream *stream;        /* (weak) */
    bool ukey;                      /* Its class declares ukey:* events. */
    uint64_t value, high;
    size_t head;                    /* report_stream_begin()'s number. */
    bool packet_seen;
    uint64_t last_packet_end_ns;    /* 0: none, or no time. */
    char *what;                     /* (owned) For a loss at either end. */
    struct report *report;          /* (weak) Its trace's; NULL if !ukey. */
};

/* A trace that holds ukey streams.  Per-process buffers (lttng
 * enable-channel --buffers-pid) give each program a trace of its own, and
 * their events cannot be folded together (a thread id, a ukey id, a seq
 * means something in one program only): the audit gives each trace a
 * report of its own, and prints them one after the other.  babeltrace2
 * and LTTng give one UUID to the directories of one trace (the chunks of
 * a rotated session, the snapshots of a session), and ukdb reads each
 * directory with a source of its own: traces of one UUID share a report.
 * A trace is then one run of one program, or one user's programs in
 * per-user buffers, which report_mixed_programs() tells apart.
 * The view and the REPL fold every trace into one report (which then says
 * "several programs"): their output is one timeline. */
struct sink_trace {
    const bt_trace *trace;          /* (weak) The first of its UUID. */
    bool has_uuid;
    uint8_t uuid[16];
    unsigned int n_parts;           /* Traces of its UUID (counted as
                                     * their streams come: a trace's come
                                     * together). */
    const bt_trace *last_part;      /* (weak) The last one counted. */
    struct report *report;          /* (owned) */
    char *name;                     /* (owned) For the headings. */
    char *json;                     /* (owned) Its "trace" object. */
};

/* A sink component's data.  Owned by the component; used by the graph's
 * thread only. */
struct sink {
    bt_self_component *self_comp;   /* (weak) */
    struct sink_setup *setup;       /* (weak) From ukdb, or NULL. */
    struct decode *dec;             /* (owned) */
    struct report_options opts;     /* Of every report. */
    struct report *report;          /* (owned) The first trace's, or the
                                     * only one before any. */
    struct sink_trace *traces;      /* (owned) In order of first sight. */
    size_t n_traces, allocated_traces;
    bool per_trace;                 /* A report per trace (the audit). */
    struct sink_input *inputs;      /* (owned) One per input port. */
    uint64_t n_inputs;
    struct sink_stream *streams;    /* (owned) */
    size_t n_streams, allocated_streams;
    size_t last_stream;             /* Index of the last one looked up. */
    bool bad_time;                  /* A message's time overflows. */
};

/* ==== Clock snapshots ==== */

/* Some of babeltrace2's names are longer than a line. */
#define SINK_DE_BEGIN_CS_ \
    bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const
#define SINK_DE_END_CS_ \
    bt_message_discarded_events_borrow_end_default_clock_snapshot_const
#define SINK_DP_BEGIN_CS_ \
    bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const
#define SINK_DP_END_CS_ \
    bt_message_discarded_packets_borrow_end_default_clock_snapshot_const
#define SINK_PB_CS_ \
    bt_message_packet_beginning_borrow_default_clock_snapshot_const
#define SINK_PE_CS_ bt_message_packet_end_borrow_default_clock_snapshot_const

/* Stores in '*ns' the nanoseconds from origin of 'cs'.  Returns false if
 * they overflow (a corrupt trace), after dropping babeltrace2's error:
 * any later call of its API with an error pending aborts. */
static inline bool
cs_to_ns(const bt_clock_snapshot *cs, int64_t *ns)
{
    if (bt_clock_snapshot_get_ns_from_origin(cs, ns)
        != BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
        bt_current_thread_clear_error();
        return false;
    }
    return true;
}

/* Nanoseconds from origin of 'cs', or 0 (none, or they overflow). */
static inline uint64_t
snapshot_ns(const bt_clock_snapshot *cs)
{
    int64_t ns;
    return cs && cs_to_ns(cs, &ns) ? (uint64_t) ns : 0;
}

/* ==== Streams and traces (sink-stream.c) ==== */

/* The record of 'stream', created on first sight (with its trace's report,
 * for a ukey stream). */
struct sink_stream *sink_stream(struct sink *, const bt_stream *stream);

/* Discarded events and packets messages: a loss for the stream's report
 * (none for another provider's stream). */
void sink_discarded_events(struct sink *, const bt_message *msg);
void sink_discarded_packets(struct sink *, const bt_message *msg);

/* Notes where the streams begin and end, from 'msg', a message the sink
 * does not merge (stream and packet boundaries). */
void sink_note(struct sink *, const bt_message *msg);

/* ==== The inputs (sink-merge.c) ==== */

/* Puts the references 'in' holds: the rest of its batch, its iterator. */
void sink_input_release(struct sink_input *in);

/* ==== The end (sink-report.c) ==== */

/* The input ended: prints the report.  Returns false after appending a
 * cause. */
bool sink_end(struct sink *);

/* Returns false, after appending a cause, if the input of a view (but
 * live or raw) holds several traces: one timeline per ukey id cannot tell
 * their ukeys apart.  Called when every stream began. */
bool sink_check_one_trace(struct sink *);

#endif /* UKDB_TRACEPOINTS_PLUGIN_SINK_PRIVATE_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* The streams and traces a sink follows (sink-private.h): which streams
 * hold ukey events, the report of each trace, where each stream's packets
 * begin and end, and the events and packets LTTng discarded. */
#include "sink-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "core/util.h"
#include "decode.h"
#include "report.h"

/* ==== Streams and traces ==== */

static void
describe_stream(const bt_stream *stream, const char *what, char *buf,
                size_t size)
{
    const char *sname = bt_stream_get_name(stream);
    const char *tname = bt_trace_get_name(bt_stream_borrow_trace_const(
                                              stream));
    if (sname) {
        snprintf(buf, size, "%s of stream %s", what, sname);
    } else {
        snprintf(buf, size, "%s of stream %" PRIu64 "%s%s", what,
                 bt_stream_get_id(stream), tname ? " of trace " : "",
                 tname ? tname : "");
    }
}

/* A string of 'trace''s environment, or NULL. */
static const char *
trace_env_string(const bt_trace *trace, const char *key)
{
    const bt_value *v =
        bt_trace_borrow_environment_entry_value_by_name_const(trace, key);
    return v && bt_value_is_string(v) ? bt_value_string_get(v) : NULL;
}

/* Describes 't', whose first ukey stream is 'stream': its program and
 * process as LTTng wrote them ("procname", "vpid"), and its directory (of
 * the stream's file: src.ctf.fs names a stream after its file), else its
 * name (babeltrace2's: the host, and the directory only when ukdb built
 * the graph, not the babeltrace2 CLI). */
static void
sink_trace_describe(struct sink_trace *t, const bt_stream *stream)
{
    const char *name = bt_trace_get_name(t->trace);
    const char *sname = bt_stream_get_name(stream);
    const char *slash = sname ? strrchr(sname, '/') : NULL;
    char *dir = slash ? uk_xasprintf("%.*s", (int) (slash - sname), sname)
                      : NULL;
    const char *procname = trace_env_string(t->trace, "procname");
    const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(
        t->trace, "vpid");
    int64_t vpid = v && bt_value_is_signed_integer(v)
                   ? bt_value_integer_signed_get(v) : -1;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    uk_assert(f);
    const char *sep = "";
    if (procname) {
        fputs(procname, f);
        sep = ", ";
    }
    if (vpid >= 0) {
        fprintf(f, "%spid %" PRId64, sep, vpid);
        sep = ", ";
    }
    if (dir || name) {
        fprintf(f, *sep ? " (%s)" : "%s", dir ? dir : name);
    }
    if (!ftell(f)) {
        fputs("unnamed trace", f);
    }
    fclose(f);
    t->name = text;

    char *json = NULL;
    f = open_memstream(&json, &size);
    uk_assert(f);
    fputs("{\"name\":", f);
    report_json_string(f, name ? name : "");
    fputs(",\"path\":", f);
    report_json_string(f, dir ? dir : "");
    fputs(",\"procname\":", f);
    report_json_string(f, procname ? procname : "");
    fprintf(f, ",\"vpid\":%" PRId64 "}", vpid);
    fclose(f);
    t->json = json;
    free(dir);
}

/* The report of the ukey stream 'stream' (see struct sink_trace). */
static struct report *
sink_trace_report(struct sink *sink, const bt_stream *stream)
{
    const bt_trace *trace = bt_stream_borrow_trace_const(stream);
    const uint8_t *uuid = bt_trace_get_uuid(trace);
    for (size_t i = 0; i < sink->n_traces; i++) {
        struct sink_trace *t = &sink->traces[i];
        if (t->trace == trace) {
            return t->report;
        }
        if (uuid && t->has_uuid && !memcmp(t->uuid, uuid, 16)) {
            /* Another directory of its UUID. */
            if (t->last_part != trace) {
                t->last_part = trace;
                t->n_parts++;
            }
            return t->report;
        }
    }
    struct report *r = sink->report;
    if (sink->n_traces && sink->per_trace) {
        struct report_options o = sink->opts;
        o.progress = false;     /* One progress line: the first trace's. */
        r = report_create(&o);
    }
    sink->traces = uk_grow(sink->traces, &sink->allocated_traces,
                           sink->n_traces + 1, sizeof *sink->traces);
    struct sink_trace *t = &sink->traces[sink->n_traces++];
    *t = (struct sink_trace) { .trace = trace, .report = r,
                               .has_uuid = uuid != NULL, .n_parts = 1,
                               .last_part = trace };
    if (uuid) {
        memcpy(t->uuid, uuid, sizeof t->uuid);
    }
    sink_trace_describe(t, stream);
    if (sink->opts.live && sink->n_traces > 1) {
        /* Their lines interleave as they come: each names its trace,
         * the first one's from now on. */
        for (size_t i = 0; i < sink->n_traces; i++) {
            report_name_lines(sink->traces[i].report, sink->traces[i].name);
        }
    }
    return r;
}

/* The record of 'stream', created on first sight.  Streams are few (one
 * per CPU and buffer), and looked up once per packet or loss. */
struct sink_stream *
sink_stream(struct sink *sink, const bt_stream *stream)
{
    if (sink->last_stream < sink->n_streams
        && sink->streams[sink->last_stream].stream == stream) {
        return &sink->streams[sink->last_stream];
    }
    for (size_t i = 0; i < sink->n_streams; i++) {
        if (sink->streams[i].stream == stream) {
            sink->last_stream = i;
            return &sink->streams[i];
        }
    }
    sink->streams = uk_grow(sink->streams, &sink->allocated_streams,
                            sink->n_streams + 1, sizeof *sink->streams);
    struct sink_stream *st = &sink->streams[sink->n_streams];
    *st = (struct sink_stream) {
        .stream = stream,
        .ukey = decode_stream_class_types(
                    bt_stream_borrow_class_const(stream)) != 0,
        .head = SIZE_MAX,
    };
    if (st->ukey) {             /* Another provider's loses no ukey event. */
        st->report = sink_trace_report(sink, stream);
        char what[256];
        describe_stream(stream, "events", what, sizeof what);
        st->what = uk_xstrdup(what);
        /* A stream whose packets have no time begins with the trace. */
        if (bt_stream_class_packets_have_beginning_default_clock_snapshot(
                bt_stream_borrow_class_const(stream))) {
            st->head = report_stream_begin(st->report, st->what);
        }
    }
    sink->last_stream = sink->n_streams;
    return &sink->streams[sink->n_streams++];
}

void
sink_discarded_events(struct sink *sink, const bt_message *msg)
{
    const bt_stream *stream =
        bt_message_discarded_events_borrow_stream_const(msg);
    const bt_stream_class *sc = bt_stream_borrow_class_const(stream);
    uint64_t n = 0, b = 0, e = 0;
    const char *kind = "events";
    char what[256];

    struct sink_stream *c = sink_stream(sink, stream);
    if (!c->ukey) {
        return;                 /* Another provider's: no ukey event. */
    }
    if (bt_message_discarded_events_get_count(msg, &n)
        == BT_PROPERTY_AVAILABILITY_AVAILABLE) {
        c->value += n;
        if (c->value == c->high) {
            return;             /* Back where it was: nothing new lost. */
        } else if (c->value < c->high) {
            n = 0;
            kind = "events (LTTng's counter went back)";
        } else {
            n = c->value - c->high;
            c->high = c->value;
        }
    } else {
        n = 0;
    }
    if (bt_stream_class_discarded_events_have_default_clock_snapshots(sc)) {
        b = snapshot_ns(SINK_DE_BEGIN_CS_(msg));
        e = snapshot_ns(SINK_DE_END_CS_(msg));
    }
    describe_stream(stream, kind, what, sizeof what);
    report_discarded(c->report, n, b, e, what);
}

void
sink_discarded_packets(struct sink *sink, const bt_message *msg)
{
    const bt_stream *stream =
        bt_message_discarded_packets_borrow_stream_const(msg);
    const bt_stream_class *sc = bt_stream_borrow_class_const(stream);
    uint64_t n = 0, b = 0, e = 0;
    char what[256];

    struct sink_stream *c = sink_stream(sink, stream);
    if (!c->ukey) {
        return;                 /* Another provider's: no ukey event. */
    }
    /* The count is of packets: the number of events in them is unknown. */
    if (bt_stream_class_discarded_packets_have_default_clock_snapshots(sc)) {
        b = snapshot_ns(SINK_DP_BEGIN_CS_(msg));
        e = snapshot_ns(SINK_DP_END_CS_(msg));
    }
    uint64_t n_packets = 0;
    if (bt_message_discarded_packets_get_count(msg, &n_packets)
        == BT_PROPERTY_AVAILABILITY_AVAILABLE) {
        char kind[32];
        snprintf(kind, sizeof kind, "events (%" PRIu64 " packet%s)",
                 n_packets, n_packets == 1 ? "" : "s");
        describe_stream(stream, kind, what, sizeof what);
    } else {
        describe_stream(stream, "events (packets)", what, sizeof what);
    }
    report_discarded(c->report, n, b, e, what);
}

/* ==== Stream and packet boundaries ==== */

/* Notes where the streams begin and end, from 'msg', a message the sink
 * does not merge: every input's first messages come before the first
 * event (the sink fills each input before it merges them; the muxer gives
 * every stream's beginning first), and its packets then come in time
 * order, as do the ends. */
void
sink_note(struct sink *sink, const bt_message *msg)
{
    struct sink_stream *st;
    const bt_stream *stream;
    switch (bt_message_get_type(msg)) {
    case BT_MESSAGE_TYPE_STREAM_BEGINNING:
        sink_stream(sink, bt_message_stream_beginning_borrow_stream_const(
                              msg));
        break;
    case BT_MESSAGE_TYPE_PACKET_BEGINNING:
        st = sink_stream(sink, bt_packet_borrow_stream_const(
                 bt_message_packet_beginning_borrow_packet_const(msg)));
        if (!st->packet_seen) {
            st->packet_seen = true;
            if (st->head != SIZE_MAX) {
                report_stream_head(st->report, st->head,
                                   snapshot_ns(SINK_PB_CS_(msg)));
            }
        }
        break;
    case BT_MESSAGE_TYPE_PACKET_END:
        stream = bt_packet_borrow_stream_const(
            bt_message_packet_end_borrow_packet_const(msg));
        if (bt_stream_class_packets_have_end_default_clock_snapshot(
                bt_stream_borrow_class_const(stream))) {
            sink_stream(sink, stream)->last_packet_end_ns =
                snapshot_ns(SINK_PE_CS_(msg));
        }
        break;
    case BT_MESSAGE_TYPE_STREAM_END:
        st = sink_stream(sink,
                         bt_message_stream_end_borrow_stream_const(msg));
        if (st->ukey && st->last_packet_end_ns) {
            report_stream_end(st->report, st->last_packet_end_ns,
                              st->what);
        }
        break;
    default:
        break;
    }
}

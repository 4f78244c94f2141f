/* SPDX-License-Identifier: Apache-2.0 */
/* The sinks of the "ukey" plugin (see sink.h): one message iterator on the
 * input port, a decoder and a report.  Every failing path appends a cause
 * on behalf of the component. */
#include "sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "core/event.h"
#include "core/util.h"
#include "decode.h"
#include "report.h"

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

/* ==== Parameters ==== */

/* Reads the optional string parameter 'key' of 'params' into '*out'.
 * Returns false after appending a cause. */
static bool
param_string(bt_self_component *self_comp, const bt_value *params,
             const char *key, const char **out)
{
    const bt_value *v = bt_value_map_borrow_entry_value_const(params, key);
    if (!v) {
        return true;
    }
    if (!bt_value_is_string(v)) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
            "Invalid parameter: param-name=\"%s\": expecting a string", key);
        return false;
    }
    *out = bt_value_string_get(v);
    return true;
}

static bool
param_bound(bt_self_component *self_comp, const bt_value *params,
            const char *key, struct report_bound *out)
{
    const bt_value *v = bt_value_map_borrow_entry_value_const(params, key);
    if (!v) {
        return true;
    }
    if (bt_value_is_unsigned_integer(v)) {
        *out = (struct report_bound) {
            .set = true, .value = bt_value_integer_unsigned_get(v) };
        return true;
    }
    if (bt_value_is_signed_integer(v)
        && bt_value_integer_signed_get(v) >= 0) {
        *out = (struct report_bound) {
            .set = true,
            .value = (uint64_t) bt_value_integer_signed_get(v) };
        return true;
    }
    if (bt_value_is_string(v)
        && report_parse_bound(bt_value_string_get(v), out)) {
        return true;
    }
    BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
        "Invalid parameter: param-name=\"%s\": expecting an integer "
        "(ns) or a string: " REPORT_BOUND_FORMS, key);
    return false;
}

struct param_check {
    bt_self_component *self_comp;
    enum report_mode mode;
    bool ok;
};

static bt_value_map_foreach_entry_const_func_status
param_known(const char *key, const bt_value *v, void *pc_)
{
    struct param_check *pc = pc_;
    static const char *const view_keys[] = {
        "format", "ukey", "flow", "thread", "begin", "end",
    };
    size_t n = pc->mode == REPORT_VIEW ? 6 : 1;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(key, view_keys[i])) {
            return BT_VALUE_MAP_FOREACH_ENTRY_CONST_FUNC_STATUS_OK;
        }
    }
    BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(pc->self_comp,
        "Unknown parameter: param-name=\"%s\"", key);
    pc->ok = false;
    return BT_VALUE_MAP_FOREACH_ENTRY_CONST_FUNC_STATUS_ERROR;
}

/* Fills 'o' from the CLI parameters 'params'.  Returns false after
 * appending a cause. */
static bool
sink_parse_params(bt_self_component *self_comp, enum report_mode mode,
                  const bt_value *params, struct report_options *o)
{
    struct param_check pc = { self_comp, mode, true };
    if (params && bt_value_is_map(params)) {
        bt_value_map_foreach_entry_const(params, param_known, &pc);
    }
    if (!pc.ok) {
        return false;
    }
    if (!params || !bt_value_is_map(params)) {
        return true;
    }

    const char *format = NULL;
    if (!param_string(self_comp, params, "format", &format)) {
        return false;
    }
    if (format) {
        int f = report_format_from_name(format);
        if (f < 0 || (mode == REPORT_AUDIT && f != REPORT_TEXT
                      && f != REPORT_JSON)) {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
                "Invalid parameter: param-name=\"format\", value=\"%s\": "
                "expecting %s", format, mode == REPORT_AUDIT
                ? "\"text\" or \"json\""
                : "\"text\", \"json\", \"chrome\" or \"raw\"");
            return false;
        }
        o->format = (enum report_format) f;
    }
    if (mode == REPORT_AUDIT) {
        return true;
    }

    const bt_value *v = bt_value_map_borrow_entry_value_const(params,
                                                              "ukey");
    if (v) {
        if (bt_value_is_unsigned_integer(v)) {
            o->ukey_id = bt_value_integer_unsigned_get(v);
        } else if (bt_value_is_signed_integer(v)
                   && bt_value_integer_signed_get(v) > 0) {
            o->ukey_id = (uint64_t) bt_value_integer_signed_get(v);
        } else {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
                "Invalid parameter: param-name=\"ukey\": "
                "expecting a positive integer");
            return false;
        }
    }
    if (!param_string(self_comp, params, "flow", &o->flow)
        || !param_string(self_comp, params, "thread", &o->thread)
        || !param_bound(self_comp, params, "begin", &o->begin)
        || !param_bound(self_comp, params, "end", &o->end)) {
        return false;
    }
    if (report_bounds_empty(&o->begin, &o->end)) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
            "Invalid parameters: begin is after end: the range is empty");
        return false;
    }
    return true;
}

/* ==== Methods ==== */

static bt_component_class_initialize_method_status
sink_init(bt_self_component_sink *self_sink, enum report_mode mode,
          const bt_value *params, void *setup_)
{
    bt_self_component *self_comp =
        bt_self_component_sink_as_self_component(self_sink);
    struct sink_setup *setup = setup_;
    bt_component_class_initialize_method_status status =
        BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
    struct sink *sink = uk_xzalloc(sizeof *sink);
    struct report_options o = { .format = REPORT_TEXT };

    sink->self_comp = self_comp;
    sink->setup = setup;
    if (setup) {
        o = setup->options;
        setup->status = -1;
    } else if (!sink_parse_params(self_comp, mode, params, &o)) {
        status = BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
        goto error;
    }
    o.mode = mode;

    /* One port "in" (behind a muxer, as the CLI connects it), or as many
     * as ukdb says, "in0", "in1"...: the sink then merges them itself. */
    sink->n_inputs = setup ? setup->n_inputs : 1;
    sink->inputs = uk_xcalloc(sink->n_inputs ? sink->n_inputs : 1,
                              sizeof *sink->inputs);
    for (uint64_t i = 0; i < sink->n_inputs; i++) {
        char name[32] = "in";
        if (sink->n_inputs > 1) {
            snprintf(name, sizeof name, "in%" PRIu64, i);
        }
        bt_self_component_add_port_status add_status =
            bt_self_component_sink_add_input_port(self_sink, name, NULL,
                                                  NULL);
        if (add_status != BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
                "Cannot add input port: port-name=\"%s\"", name);
            status = (bt_component_class_initialize_method_status)
                     add_status;
            goto error;
        }
    }

    sink->dec = decode_create(self_comp);
    sink->opts = o;
    sink->per_trace = mode == REPORT_AUDIT && !o.on_event;
    sink->report = report_create(&o);
    if (setup) {
        setup->sink = sink;
    }
    bt_self_component_set_data(self_comp, sink);
    return status;

error:
    free(sink->inputs);
    free(sink);
    return status;
}

bt_component_class_initialize_method_status
sink_init_audit(bt_self_component_sink *self_sink,
                bt_self_component_sink_configuration *config,
                const bt_value *params, void *setup)
{
    return sink_init(self_sink, REPORT_AUDIT, params, setup);
}

bt_component_class_initialize_method_status
sink_init_lifecycle(bt_self_component_sink *self_sink,
                    bt_self_component_sink_configuration *config,
                    const bt_value *params, void *setup)
{
    return sink_init(self_sink, REPORT_VIEW, params, setup);
}

/* Puts the references 'in' holds: the rest of its batch, its iterator. */
static void
sink_input_release(struct sink_input *in)
{
    for (; in->pos < in->count; in->pos++) {
        bt_message_put_ref(in->msgs[in->pos]);
    }
    BT_MESSAGE_ITERATOR_PUT_REF_AND_RESET(in->iter);
}

void
sink_finalize(bt_self_component_sink *self_sink)
{
    struct sink *sink = bt_self_component_get_data(
        bt_self_component_sink_as_self_component(self_sink));
    if (!sink) {
        return;
    }
    for (uint64_t i = 0; i < sink->n_inputs; i++) {
        sink_input_release(&sink->inputs[i]);
    }
    free(sink->inputs);
    for (size_t i = 0; i < sink->n_streams; i++) {
        free(sink->streams[i].what);
    }
    free(sink->streams);
    /* The reports borrow the decoder's interned strings. */
    for (size_t i = 0; i < sink->n_traces; i++) {
        if (sink->traces[i].report != sink->report) {
            report_destroy(sink->traces[i].report);
        }
        free(sink->traces[i].name);
        free(sink->traces[i].json);
    }
    free(sink->traces);
    report_destroy(sink->report);
    decode_destroy(sink->dec);
    free(sink);
}

bt_component_class_sink_graph_is_configured_method_status
sink_graph_is_configured(bt_self_component_sink *self_sink)
{
    bt_self_component *self_comp =
        bt_self_component_sink_as_self_component(self_sink);
    struct sink *sink = bt_self_component_get_data(self_comp);

    for (uint64_t i = 0; i < sink->n_inputs; i++) {
        bt_self_component_port_input *port =
            bt_self_component_sink_borrow_input_port_by_index(self_sink, i);
        const bt_port *p = bt_self_component_port_as_port(
            bt_self_component_port_input_as_self_component_port(port));
        if (!bt_port_is_connected(p)) {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
                "Input port is not connected: port-name=\"%s\"",
                bt_port_get_name(p));
            return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
        }

        bt_message_iterator_create_from_sink_component_status status =
            bt_message_iterator_create_from_sink_component(
                self_sink, port, &sink->inputs[i].iter);
        if (status
            != BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK) {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
                "Cannot create input port message iterator: "
                "port-name=\"%s\"", bt_port_get_name(p));
            return (bt_component_class_sink_graph_is_configured_method_status)
                   status;
        }
    }
    return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

/* ==== Messages ==== */

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
static bool
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
static uint64_t
snapshot_ns(const bt_clock_snapshot *cs)
{
    int64_t ns;
    return cs && cs_to_ns(cs, &ns) ? (uint64_t) ns : 0;
}

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
static struct sink_stream *
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

static void
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

static void
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

/* A trace whose session enabled only some "ukey:" events, first seen at
 * 'ns': every event of the others is missing, from then to the end, as a
 * loss of an unknown number.  (A trace of another provider declares none,
 * and is not one.) */
static void
sink_incomplete_trace(struct sink *sink, struct report *r, int64_t ns)
{
    char types[160], what[256];
    decode_missing(sink->dec, types, sizeof types);
    snprintf(what, sizeof what, "events of the types its session did not "
             "enable (%s)", types);
    report_discarded(r, 0, ns == INT64_MIN ? 0 : (uint64_t) ns, UINT64_MAX,
                     what);
}

/* Handles one message, of time 'ns' (sink_message_time()).  Returns false
 * after appending a cause. */
static bool
sink_message(struct sink *sink, const bt_message *msg, int64_t ns)
{
    struct report *r = sink->report;
    switch (bt_message_get_type(msg)) {
    case BT_MESSAGE_TYPE_EVENT:
        if (sink->n_traces > 1 && sink->per_trace) {
            /* Its stream's trace's report.  Streams come in long runs: the
             * lookup is mostly sink_stream()'s first comparison. */
            r = sink_stream(sink, bt_event_borrow_stream_const(
                                bt_message_event_borrow_event_const(msg)))
                ->report;
            r = r ? r : sink->report;   /* Another provider's: skipped. */
        }
        /* Decoded in place in the report's buffer: no copy. */
        switch (decode_event(sink->dec, msg, ns, report_event_slot(r))) {
        case DECODE_OK:
            report_event_commit(r);
            break;
        case DECODE_SKIP:
            break;
        case DECODE_ERROR:
            return false;
        case DECODE_INCOMPLETE:
            sink_incomplete_trace(sink, r, ns);
            return sink_message(sink, msg, ns);
        }
        break;
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
        sink_discarded_events(sink, msg);
        break;
    case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
        sink_discarded_packets(sink, msg);
        break;
    default:
        break;
    }
    return true;
}

static int
sink_trace_cmp(const void *a_, const void *b_)
{
    const struct sink_trace *const *a = a_, *const *b = b_;
    int c = strcmp((*a)->name, (*b)->name);
    return c ? c : (*a < *b ? -1 : 1);  /* Same array: first seen first. */
}

/* The traces with a report of their own that read ukey events, into
 * 'out' (room for n_traces), in the order of their names: the same input
 * prints the same whatever order its streams came in.  Returns how many. */
static size_t
sink_reported_traces(const struct sink *sink, struct sink_trace **out)
{
    size_t n = 0;
    for (size_t i = 0; sink->per_trace && i < sink->n_traces; i++) {
        if (report_n_events(sink->traces[i].report)) {
            out[n++] = &sink->traces[i];
        }
    }
    qsort(out, n, sizeof *out, sink_trace_cmp);
    return n;
}

uint64_t
sink_n_events(const struct sink *sink)
{
    uint64_t n = report_n_events(sink->report);
    for (size_t i = 0; i < sink->n_traces; i++) {
        if (sink->traces[i].report != sink->report) {
            n += report_n_events(sink->traces[i].report);
        }
    }
    return n;
}

int
sink_report(struct sink *sink)
{
    struct sink_trace **traces = uk_xcalloc(sink->n_traces + 1,
                                            sizeof *traces);
    size_t n = sink_reported_traces(sink, traces);
    if (n <= 1) {
        int status = report_finish(n ? traces[0]->report : sink->report);
        free(traces);
        return status;
    }

    /* One report per trace, then the verdict of them all: FAIL if one
     * fails, else INCONCLUSIVE if one is, else PASS. */
    FILE *out = sink->opts.out ? sink->opts.out : stdout;
    bool json = sink->opts.format == REPORT_JSON;
    size_t by_status[4] = { 0 };
    if (json) {
        fputs("{\"traces\":[", out);
    }
    for (size_t i = 0; i < n; i++) {
        if (json) {
            fprintf(out, "%s{\"trace\":%s,\"audit\":", i ? ",\n" : "\n",
                    traces[i]->json);
        } else {
            fprintf(out, "%strace %zu of %zu: %s\n", i ? "\n" : "", i + 1,
                    n, traces[i]->name);
        }
        fflush(out);
        int status = report_finish(traces[i]->report);
        by_status[status >= 0 && status < 4 ? status : 2]++;
        if (json) {
            fputs("}", out);
        }
    }
    int status = by_status[1] ? 1 : by_status[3] ? 3 : 0;
    const char *verdict = status == 1 ? "FAIL"
                          : status == 3 ? "INCONCLUSIVE" : "PASS";
    if (json) {
        fprintf(out, "],\"result\":\"%s\",\"exit\":%d}\n", verdict, status);
    } else {
        fprintf(out, "\nresult: %s (%zu traces:", verdict, n);
        static const char *const names[] = { "PASS", "FAIL", NULL,
                                             "INCONCLUSIVE" };
        const char *sep = " ";
        for (int i = 0; i < 4; i++) {
            if (names[i] && by_status[i]) {
                fprintf(out, "%s%zu %s", sep, by_status[i], names[i]);
                sep = ", ";
            }
        }
        fputs(")\n", out);
    }
    fflush(out);
    free(traces);
    return status;
}

/* Why the input has no "ukey:" event: a ukey trace whose streams hold
 * none, or are empty (src.ctf.fs skips empty stream files: no stream
 * comes then, and only ukdb, which read the metadata, can say whose trace
 * it is), or another provider's trace. */
static const char *
sink_why_no_event(const struct sink *sink)
{
    for (size_t i = 0; i < sink->n_streams; i++) {
        if (sink->streams[i].ukey) {
            return "A ukey trace with no event: its streams hold none";
        }
    }
    int declares = sink->setup ? sink->setup->declares_ukey : -1;
    if (sink->n_streams || !declares) {
        return "Not a ukey trace: the input has no \"ukey:\" event";
    }
    return (declares > 0
            ? "A ukey trace with no event: its streams are empty, or it "
              "has none"
            : "No event: the input has no stream, or only empty ones");
}

/* The input ended: prints the report.  Returns false after appending a
 * cause. */
static bool
sink_end(struct sink *sink)
{
    if (!decode_n_events(sink->dec)) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(sink->self_comp,
            "%s", sink_why_no_event(sink));
        return false;
    }
    char why[512];
    size_t n = sink->per_trace ? sink->n_traces : 0;
    for (size_t i = 0; i <= n; i++) {
        struct sink_trace *t = i < n ? &sink->traces[i] : NULL;
        if (report_mixed_programs(t ? t->report : sink->report, why,
                                  sizeof why)) {
            /* The view folds every trace into one timeline: per-process
             * buffers give each program a trace, to view on its own. */
            /* Directories of one UUID are one trace (a rotated session's
             * chunks): a copy of a trace given with it mixes too. */
            char copies[128] = "";
            if (t && t->n_parts > 1) {
                snprintf(copies, sizeof copies, "; %u of its directories "
                         "share one trace UUID: is one a copy of another?",
                         t->n_parts);
            }
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
                sink->self_comp, "%s%s%s%s%s",
                t && n > 1 ? t->name : "", t && n > 1 ? ": " : "", why,
                copies, !sink->per_trace && sink->n_traces > 1
                ? "; the input holds several traces: view each on its own"
                : "");
            return false;
        }
    }
    int status = sink_report(sink);
    if (sink->setup) {
        sink->setup->status = status;
    }
    return true;
}

/* ==== Merging the inputs ==== */

/* If 'msg' is one the sink reads (an event, discarded events or packets),
 * stores in '*ns' the time it is merged at (its default clock snapshot, or
 * its range's beginning; INT64_MIN, "now", without one) and returns true.
 * Stream and packet boundaries and the like only matter to the muxer.  A
 * time that overflows (a corrupt trace) sets 'sink->bad_time'. */
static bool
sink_message_time(struct sink *sink, const bt_message *msg, int64_t *ns)
{
    const bt_clock_snapshot *cs = NULL;
    const bt_stream_class *sc;

    switch (bt_message_get_type(msg)) {
    case BT_MESSAGE_TYPE_EVENT:
        if (bt_message_event_borrow_stream_class_default_clock_class_const(
                msg)) {
            cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
        }
        break;
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
        sc = bt_stream_borrow_class_const(
            bt_message_discarded_events_borrow_stream_const(msg));
        if (bt_stream_class_discarded_events_have_default_clock_snapshots(
                sc)) {
            cs = SINK_DE_BEGIN_CS_(msg);
        }
        break;
    case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
        sc = bt_stream_borrow_class_const(
            bt_message_discarded_packets_borrow_stream_const(msg));
        if (bt_stream_class_discarded_packets_have_default_clock_snapshots(
                sc)) {
            cs = SINK_DP_BEGIN_CS_(msg);
        }
        break;
    default:
        return false;
    }
    if (!cs) {
        *ns = INT64_MIN;
    } else if (!cs_to_ns(cs, ns)) {
        sink->bad_time = true;      /* Said by sink_consume(). */
        *ns = INT64_MIN;
    }
    return true;
}

/* Notes where the streams begin and end, from 'msg', a message the sink
 * does not merge: every input's first messages come before the first
 * event (the sink fills each input before it merges them; the muxer gives
 * every stream's beginning first), and its packets then come in time
 * order, as do the ends. */
static void
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

/* Moves 'in' to the next message of its batch that the sink reads, from
 * 'in->pos' on, dropping the others.  Returns false if there is none. */
static inline bool
sink_input_advance(struct sink *sink, struct sink_input *in)
{
    for (; in->pos < in->count; in->pos++) {
        if (sink_message_time(sink, in->msgs[in->pos], &in->head_ns)) {
            return true;
        }
        sink_note(sink, in->msgs[in->pos]);
        bt_message_put_ref(in->msgs[in->pos]);
    }
    return false;
}

/* Gives 'in' a head, fetching new batches as needed: returns OK with a
 * head in 'in->msgs[in->pos]', END (its iterator released), AGAIN or an
 * error (after appending a cause). */
static bt_component_class_sink_consume_method_status
sink_input_fill(struct sink *sink, struct sink_input *in)
{
    for (;;) {
        if (sink_input_advance(sink, in)) {
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
        }
        in->pos = in->count = 0;
        switch (bt_message_iterator_next(in->iter, &in->msgs, &in->count)) {
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
            break;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
            BT_MESSAGE_ITERATOR_PUT_REF_AND_RESET(in->iter);
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
                sink->self_comp, "Cannot get next messages: out of memory");
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_ERROR:
        default:
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
                sink->self_comp,
                "Cannot get next messages from upstream message iterator");
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
        }
    }
}

/* Reads the messages of the inputs in time order, as flt.utils.muxer would
 * give them, but only those the report reads: each call takes messages
 * from the input with the earliest head for as long as they come no later
 * than every other input's head (a run), to the end of its batch.  Streams
 * of LTTng's per-CPU buffers come in long runs, so this costs about one
 * comparison per message (the muxer: a queue push and pop and a heap
 * comparison per message, for every message).  Equal times are ordered by
 * 'seq' in the report anyway. */
bt_component_class_sink_consume_method_status
sink_consume(bt_self_component_sink *self_sink)
{
    bt_self_component *self_comp =
        bt_self_component_sink_as_self_component(self_sink);
    struct sink *sink = bt_self_component_get_data(self_comp);
    bt_component_class_sink_consume_method_status status;

    /* Every input still going needs a head before one can be chosen. */
    struct sink_input *first = NULL;
    int64_t second_ns = INT64_MAX;
    for (uint64_t i = 0; i < sink->n_inputs; i++) {
        struct sink_input *in = &sink->inputs[i];
        if (!in->iter) {
            continue;
        }
        if (in->pos == in->count) {     /* Else its head is known. */
            status = sink_input_fill(sink, in);
            if (status == BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END) {
                continue;
            } else if (status
                       != BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK) {
                return status;
            }
        }
        if (!first || in->head_ns < first->head_ns) {
            if (first) {
                second_ns = first->head_ns;
            }
            first = in;
        } else if (in->head_ns < second_ns) {
            second_ns = in->head_ns;
        }
    }
    if (sink->bad_time) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(sink->self_comp,
            "A message's time overflows the signed 64-bit range of "
            "nanoseconds from origin: the trace is corrupt");
        return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
    }
    if (!first) {
        return (sink_end(sink)
                ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END
                : BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR);
    }

    /* The run: 'first' while its head is not later than 'second_ns'. */
    do {
        const bt_message *msg = first->msgs[first->pos++];
        bool ok = sink_message(sink, msg, first->head_ns);
        bt_message_put_ref(msg);
        if (!ok) {
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
        }
    } while (sink_input_advance(sink, first) && !sink->bad_time
             && first->head_ns <= second_ns);
    /* A later head waits for the next call, which compares it again; an
     * exhausted batch, which fetches the next one. */
    return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}

bt_component_class_sink *
sink_create_class(enum report_mode mode, const char *name)
{
    bt_component_class_sink *cls =
        bt_component_class_sink_create(name, sink_consume);
    if (!cls) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN("ukdb",
            "Cannot create sink component class: name=\"%s\"", name);
        return NULL;
    }
    bt_component_class_sink_set_initialize_method(
        cls, mode == REPORT_AUDIT ? sink_init_audit : sink_init_lifecycle);
    bt_component_class_sink_set_finalize_method(cls, sink_finalize);
    bt_component_class_sink_set_graph_is_configured_method(
        cls, sink_graph_is_configured);
    return cls;
}

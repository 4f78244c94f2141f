/* SPDX-License-Identifier: Apache-2.0 */
/* The sinks of the "ukey" plugin (see sink.h): one message iterator on the
 * input port, a decoder and a report.  This file is the component: its
 * parameters, initialization, finalization and class; sink-private.h says
 * where the rest is.  Every failing path appends a cause on behalf of the
 * component. */
#include "sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "core/util.h"
#include "decode.h"
#include "report.h"
#include "sink-private.h"

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

/* Reads the optional parameter 'key', a --begin/--end bound (an integer
 * in ns, or a string report_parse_bound() takes), into '*out'.  Returns
 * false after appending a cause that says what is wrong with it in the
 * words of "ukdb view" (report_bound_problem()). */
static bool
param_bound(bt_self_component *self_comp, const bt_value *params,
            const char *key, struct report_bound *out)
{
    const bt_value *v = bt_value_map_borrow_entry_value_const(params, key);
    if (!v) {
        return true;
    }
    char text[32];
    const char *s = text, *quote = "";
    enum uk_number kind;
    if (bt_value_is_unsigned_integer(v)) {
        *out = (struct report_bound) {
            .set = true, .value = bt_value_integer_unsigned_get(v) };
        return true;
    } else if (bt_value_is_signed_integer(v)) {
        int64_t i = bt_value_integer_signed_get(v);
        if (i >= 0) {
            *out = (struct report_bound) { .set = true,
                                           .value = (uint64_t) i };
            return true;
        }
        snprintf(text, sizeof text, "%" PRId64, i);
        kind = UK_NUMBER_NEGATIVE;
    } else if (bt_value_is_string(v)) {
        s = bt_value_string_get(v);
        quote = "\"";
        kind = report_parse_bound(s, out);
        if (kind == UK_NUMBER_OK) {
            return true;
        }
    } else if (bt_value_is_real(v)) {
        /* "-p begin=1.5" (unquoted) is a real: refused as the string
         * "1.5" is, not as a type.  A whole one came from decimal
         * notation other than digits ("2.0", "1e3"), as its text says. */
        int len = snprintf(text, sizeof text, "%.17g", bt_value_real_get(v));
        snprintf(text + len, sizeof text - (size_t) len, "%s",
                 text[strspn(text, "-0123456789")] ? "" : ".0");
        uint64_t ignored;
        kind = uk_parse_number(text, &ignored);
        kind = kind == UK_NUMBER_OK ? UK_NUMBER_NOT_DIGITS : kind;
    } else {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
            "Invalid parameter: param-name=\"%s\": expecting an integer "
            "(ns) or a string: " REPORT_BOUND_FORMS, key);
        return false;
    }
    char problem[UK_NUMBER_TEXT_SIZE];
    BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(self_comp,
        "Invalid parameter: param-name=\"%s\", value=%s%s%s: %s%s", key,
        quote, s, quote, report_bound_problem(problem, sizeof problem, kind),
        (report_bound_out_of_range(kind)
         ? "" : "; expecting an integer (ns) or a string: "
                REPORT_BOUND_FORMS));
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

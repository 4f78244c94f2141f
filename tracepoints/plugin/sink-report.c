/* SPDX-License-Identifier: Apache-2.0 */
/* The end of a sink's input (sink-private.h): why there is no event, two
 * programs mixed in one trace, and the reports: one per trace for the
 * audit, in the order of their names, then the verdict of them all. */
#include "sink-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "core/util.h"
#include "decode.h"
#include "report.h"

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
    if (declares < 0 && sink->opts.live) {
        /* src.ctf.lttng-live ends at once on a session it cannot find. */
        return "No event: no such live session, or it ended without "
               "\"ukey:\" events (a live URL is "
               "net://HOST[:PORT]/host/HOSTNAME/SESSION)";
    }
    return (declares > 0
            ? "A ukey trace with no event: its streams are empty, or it "
              "has none"
            : "No event: the input has no stream, or only empty ones");
}

/* The view folds its input into one timeline per ukey id: the traces of
 * several programs (per-process buffers, or recordings given together),
 * even one after the other, would show ukeys of one id from each as if one
 * program had them.  So would the REPL's cursor ('on_event'), which puts
 * the events in seq order: those of several traces mixed, and their
 * threads' names.  Returns false, after appending a cause that names
 * them, if the input of a view or of the REPL holds several traces; not
 * live, whose timelines are out already, nor a raw view, a list of events
 * as they come. */
bool
sink_check_one_trace(struct sink *sink)
{
    bool repl = sink->opts.on_event != NULL;
    if (sink->n_traces > 1 && !sink->per_trace) {
        report_fold_by_time(sink->report);  /* Seqs of several programs. */
    }
    if (sink->opts.mode != REPORT_VIEW || sink->opts.live
        || (sink->opts.format == REPORT_RAW && !repl)
        || sink->n_traces < 2) {
        return true;
    }
    char *names = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&names, &size);
    uk_assert(f);
    for (size_t i = 0; i < sink->n_traces && i < 3; i++) {
        fprintf(f, "%s%s", i ? "; " : "", sink->traces[i].name);
    }
    if (sink->n_traces > 3) {
        fprintf(f, "; and %zu more", sink->n_traces - 3);
    }
    fclose(f);
    BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(sink->self_comp,
        "the input holds %zu traces (%s): %s each on its own",
        sink->n_traces, names, repl ? "open" : "view");
    free(names);
    return false;
}

/* The input ended: prints the report.  Returns false after appending a
 * cause. */
bool
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

/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb view" timelines in text and JSON (the babeltrace2 component
 * sink.ukey.lifecycle): the lifecycle fold reports each ukey when it is
 * freed (or at the end), with its transitions; this file prints it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/lifecycle.h"
#include "core/util.h"
#include "report-private.h"

/* ==== Timelines ==== */

static bool
ukey_selected(const struct report *r, const struct lifecycle_ukey *u)
{
    if (r->opts.ukey_id && u->ukey_id != r->opts.ukey_id) {
        return false;
    }
    if (r->opts.flow && !report_flow_selected(r, u->ufid)
        && !(u->flow_name && !strcmp(u->flow_name, r->opts.flow))) {
        return false;
    }
    return true;
}

static bool
step_selected(const struct report *r, const struct lifecycle_step *s)
{
    return report_thread_selected(r, s->thread_id) && report_in_bounds(r, s->seq, s->ts);
}

static void
print_timeline_text(struct report *r, const struct lifecycle_ukey *u)
{
    FILE *f = r->out;
    const char *flow = u->flow_name ? u->flow_name : report_flow_name(r, u->ufid);
    char buf[32];

    fprintf(f, "%sukey#%" PRIu64, r->n_printed ? "\n" : "", u->ukey_id);
    if (flow) {
        fprintf(f, " flow %s", flow);
    }
    fprintf(f, " ufid=%016" PRIx64, u->ufid);
    if (u->umap >= 0) {
        fprintf(f, " umap[%" PRId32 "]", u->umap);
    }
    fprintf(f, ": %s, %s%s%s\n", lifecycle_verdict_name(u->verdict),
            ukey_state_name(u->state), u->freed ? ", freed" : "",
            u->created_seen ? "" : ", created before the trace");
    for (size_t i = 0; i < u->n_steps; i++) {
        const struct lifecycle_step *s = &u->steps[i];
        if (!step_selected(r, s)) {
            continue;
        }
        fputs("  ", f);
        report_print_rel_ts(r, f, s->ts);
        char tr[64];
        snprintf(tr, sizeof tr, "%s -> %s%s%s%s", ukey_state_name(s->from),
                 ukey_state_name(s->to), s->result != UK_TR_OK ? " (" : "",
                 s->result != UK_TR_OK
                 ? uk_transition_result_name(s->result) : "",
                 s->result != UK_TR_OK ? ")" : "");
        fprintf(f, " seq=%-6" PRIu64 " %-14s %-30s %s\n", s->seq,
                report_thread_name(r, s->thread_id, buf, sizeof buf), tr,
                s->where ? s->where : "-");
    }
    if (u->verdict != LIFECYCLE_PASS) {
        fprintf(f, "  %s%s%s: %s\n", lifecycle_verdict_name(u->verdict),
                u->verdict == LIFECYCLE_FAIL ? " " : "",
                u->verdict == LIFECYCLE_FAIL
                ? uk_violation_kind_name(u->rule) : "",
                u->explanation ? u->explanation : "");
    }
}

static void
print_timeline_json(struct report *r, const struct lifecycle_ukey *u)
{
    FILE *f = r->out;
    const char *flow = u->flow_name ? u->flow_name : report_flow_name(r, u->ufid);
    char buf[32];

    fprintf(f, "%s\n{\"ukey\":%" PRIu64 ",\"ufid\":\"%016" PRIx64
            "\",\"flow\":", r->n_printed ? "," : "", u->ukey_id, u->ufid);
    if (flow) {
        report_json_string(f, flow);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\"pmd_id\":%" PRIu32 ",\"umap\":%" PRId32
            ",\"state\":\"%s\",\"freed\":%s,\"created_seen\":%s"
            ",\"verdict\":\"%s\",\"rule\":",
            u->pmd_id, u->umap, ukey_state_name(u->state),
            u->freed ? "true" : "false", u->created_seen ? "true" : "false",
            lifecycle_verdict_name(u->verdict));
    if (u->verdict == LIFECYCLE_FAIL) {
        report_json_string(f, uk_violation_kind_name(u->rule));
    } else {
        fputs("null", f);
    }
    fputs(",\"explanation\":", f);
    report_json_string(f, u->explanation);
    fputs(",\"steps\":[", f);
    bool first = true;
    for (size_t i = 0; i < u->n_steps; i++) {
        const struct lifecycle_step *s = &u->steps[i];
        if (!step_selected(r, s)) {
            continue;
        }
        fprintf(f, "%s{\"index\":%" PRIu64 ",\"seq\":%" PRIu64
                ",\"ts\":%" PRIu64 ",\"thread_id\":%" PRIu32 ",\"thread\":",
                first ? "" : ",", s->index, s->seq, s->ts, s->thread_id);
        report_json_string(f, report_thread_name(r, s->thread_id, buf,
                                                 sizeof buf));
        fprintf(f, ",\"from\":\"%s\",\"to\":\"%s\",\"result\":\"%s\""
                ",\"where\":", ukey_state_name(s->from),
                ukey_state_name(s->to),
                uk_transition_result_name(s->result));
        report_json_string(f, s->where);
        putc('}', f);
        first = false;
    }
    fputs("]}", f);
}

void
report_view_ukey_done(const struct lifecycle_ukey *u, void *r_)
{
    struct report *r = r_;

    if (r->opts.mode != REPORT_VIEW || !ukey_selected(r, u)) {
        return;
    }
    if (r->opts.thread) {
        /* Only ukeys the thread touched. */
        size_t i;
        for (i = 0; i < u->n_steps; i++) {
            if (step_selected(r, &u->steps[i])) {
                break;
            }
        }
        if (i == u->n_steps) {
            return;
        }
    }
    if (r->opts.format == REPORT_TEXT) {
        print_timeline_text(r, u);
    } else if (r->opts.format == REPORT_JSON) {
        if (!r->started) {
            fputs("{\"ukeys\":[", r->out);
            r->started = true;
        }
        print_timeline_json(r, u);
    } else {
        return;
    }
    r->n_printed++;
}

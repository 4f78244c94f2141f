/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb audit"'s output (report-private.h): each violation as the fold
 * finds it, a text line (or an element of the JSON audit's "violations"),
 * and at the end the summary, text or JSON: the verdicts, the violations
 * by kind, the flows and the lost events, and the exit status. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/lifecycle.h"
#include "core/util.h"
#include "report-private.h"


/* ==== Violations ==== */

/* A line built in memory and written at once.  The audit prints each
 * violation as it is found, which can be one every few dozen events, and
 * formatted stdio output costs more per call than the rest of the fold
 * per event. */
struct line {
    FILE *f;
    size_t n;
    char buf[1024];
};

static void
line_mem(struct line *l, const char *s, size_t len)
{
    if (len > sizeof l->buf - l->n) {
        /* A long name: in pieces, as it comes. */
        fwrite(l->buf, 1, l->n, l->f);
        l->n = 0;
        if (len > sizeof l->buf) {
            fwrite(s, 1, len, l->f);
            return;
        }
    }
    memcpy(l->buf + l->n, s, len);
    l->n += len;
}

static void
line_str(struct line *l, const char *s)
{
    line_mem(l, s, strlen(s));
}

/* A string literal 'S', without strlen(). */
#define LINE_LIT(L, S) line_mem(L, "" S, sizeof S - 1)

/* 'v' in decimal, zero-padded to at least 'width' digits. */
static void
line_u64(struct line *l, uint64_t v, int width)
{
    char tmp[24];
    int i = sizeof tmp;
    do {
        tmp[--i] = (char) ('0' + v % 10);
        v /= 10;
    } while (v || (int) sizeof tmp - i < width);
    line_mem(l, &tmp[i], sizeof tmp - i);
}

static void
line_hex16(struct line *l, uint64_t v)
{
    char tmp[16];
    for (int i = 15; i >= 0; i--) {
        tmp[i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    }
    line_mem(l, tmp, sizeof tmp);
}

/* "event N seq=SEQ at +S.NNNNNNNNN by THREAD": N is the event's number
 * as the REPL gives it (from 1), for "goto N" on the trace. */
static void
line_evidence(const struct report *r, struct line *l,
              const struct lifecycle_evidence *ev)
{
    uint64_t rel = ev->ts >= r->ts0 ? ev->ts - r->ts0 : 0;
    const char *name = lifecycle_thread_name(r->lc, ev->thread_id);

    LINE_LIT(l, "event ");
    line_u64(l, ev->index + 1, 0);
    LINE_LIT(l, " seq=");
    line_u64(l, ev->seq, 0);
    LINE_LIT(l, " at +");
    line_u64(l, rel / 1000000000, 0);
    LINE_LIT(l, ".");
    line_u64(l, rel % 1000000000, 9);
    if (name) {
        LINE_LIT(l, " by ");
        line_str(l, name);
    } else {
        LINE_LIT(l, " by thread#");
        line_u64(l, ev->thread_id, 0);
    }
}

void
report_print_violation_text(const struct report *r, FILE *f,
                            const struct lifecycle_violation *v)
{
    const struct ukey_event *e = &v->event;
    const char *flow = report_flow_name(r, e->ufid);
    struct line l;

    l.f = f;
    l.n = 0;
    if (r->line_name && f == r->out) {  /* Not under a trace's heading. */
        line_str(&l, r->line_name);
        LINE_LIT(&l, ": ");
    }
    LINE_LIT(&l, "violation: ");
    line_str(&l, uk_severity_name(e->result));
    LINE_LIT(&l, " ");
    line_str(&l, uk_violation_kind_name(e->kind));
    if (e->ukey_id) {           /* Not a flow's (slowpath, dp flow). */
        LINE_LIT(&l, " ukey#");
        line_u64(&l, e->ukey_id, 0);
    }
    if (flow) {
        LINE_LIT(&l, " flow ");
        line_str(&l, flow);
    }
    if (e->ufid) {
        LINE_LIT(&l, " ufid=");
        line_hex16(&l, e->ufid);
    }
    LINE_LIT(&l, ": ");
    line_str(&l, uk_violation_detail(e->kind, e->name));
    LINE_LIT(&l, " [");
    line_evidence(r, &l, &v->evidence[0]);
    if (v->evidence[1].seq || v->evidence[1].index) {
        LINE_LIT(&l, "; earlier ");
        line_evidence(r, &l, &v->evidence[1]);
    }
    LINE_LIT(&l, "]\n");
    fwrite(l.buf, 1, l.n, f);
}

static void
print_evidence_json(const struct report *r, FILE *f,
                    const struct lifecycle_evidence *ev)
{
    char buf[32];
    /* "event": the REPL's number of the event (from 1), as its "log" and
     * "show violations" give it and "goto" takes it. */
    fprintf(f, "{\"event\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"ts\":%" PRIu64
            ",\"thread_id\":%" PRIu32 ",\"thread\":", ev->index + 1, ev->seq,
            ev->ts, ev->thread_id);
    report_json_string(f, report_thread_name(r, ev->thread_id, buf,
                                             sizeof buf));
    putc('}', f);
}

void
report_print_violation_json(const struct report *r, FILE *f,
                            const struct lifecycle_violation *v)
{
    const struct ukey_event *e = &v->event;
    fprintf(f, "{\"severity\":\"%s\",\"kind\":\"%s\",\"ukey\":%" PRIu64
            ",\"ufid\":\"%016" PRIx64 "\",\"flow\":",
            uk_severity_name(e->result), uk_violation_kind_name(e->kind),
            e->ukey_id, e->ufid);
    report_json_string_or_null(f, report_flow_name(r, e->ufid));
    fputs(",\"detail\":", f);
    report_json_string(f, e->name);
    fputs(",\"evidence\":[", f);
    print_evidence_json(r, f, &v->evidence[0]);
    if (v->evidence[1].seq || v->evidence[1].index) {
        putc(',', f);
        print_evidence_json(r, f, &v->evidence[1]);
    }
    fputs("]}", f);
}


/* ==== The audit summary ==== */

#define REPORT_MAX_TEXT_FLOWS 20

/* A flow the text summary may show, and its place in the flows' order. */
struct flow_shown {
    struct lifecycle_flow fig;
    const char *name;
    size_t index;
};

struct flow_print {
    struct report *r;
    size_t n;
    bool json;
    struct lifecycle_flow total;
    /* Text: the flows shown, at most REPORT_MAX_TEXT_FLOWS: every flow
     * while there are no more, then those longest in the slowpath. */
    struct flow_shown shown[REPORT_MAX_TEXT_FLOWS];
    size_t n_shown;
};

/* True if flow 'a' is worse off than 'b': its longest slowpath window is
 * longer (in rounds, then in time), then it slowpathed more packets, then
 * it upcalled more. */
static bool
flow_worse(const struct lifecycle_flow *a, const struct lifecycle_flow *b)
{
    if (a->longest_window_rounds != b->longest_window_rounds) {
        return a->longest_window_rounds > b->longest_window_rounds;
    }
    if (a->longest_window_ns != b->longest_window_ns) {
        return a->longest_window_ns > b->longest_window_ns;
    }
    if (a->slowpath_packets != b->slowpath_packets) {
        return a->slowpath_packets > b->slowpath_packets;
    }
    return a->upcalls > b->upcalls;
}

/* Keeps 'fl' among the flows the text summary shows if there is room, or
 * in place of the least badly off one if it is worse off.  A user who
 * audits a load of thousands of flows wants to see the ones stuck in the
 * slowpath, not the first twenty. */
static void
flow_keep(struct flow_print *fp, const struct lifecycle_flow *fl,
          const char *name)
{
    struct flow_shown *slot;
    if (fp->n_shown < REPORT_MAX_TEXT_FLOWS) {
        slot = &fp->shown[fp->n_shown++];
    } else {
        slot = &fp->shown[0];
        for (size_t i = 1; i < fp->n_shown; i++) {
            if (flow_worse(&slot->fig, &fp->shown[i].fig)) {
                slot = &fp->shown[i];
            }
        }
        if (!flow_worse(fl, &slot->fig)) {
            return;
        }
    }
    *slot = (struct flow_shown) { .fig = *fl, .name = name,
                                  .index = fp->n };
}

/* qsort() order of the flows shown: worst off first, then in the flows'
 * order. */
static int
flow_shown_cmp(const void *a_, const void *b_)
{
    const struct flow_shown *a = a_, *b = b_;
    if (flow_worse(&a->fig, &b->fig)) {
        return -1;
    }
    if (flow_worse(&b->fig, &a->fig)) {
        return 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

/* qsort() order of the flows shown: the flows' own order. */
static int
flow_index_cmp(const void *a_, const void *b_)
{
    const struct flow_shown *a = a_, *b = b_;
    return a->index < b->index ? -1 : a->index > b->index;
}

static void
print_flow(const struct lifecycle_flow *fl, void *fp_)
{
    struct flow_print *fp = fp_;
    FILE *f = fp->r->out;
    const char *name = fl->flow_name ? fl->flow_name
                                     : report_flow_name(fp->r, fl->ufid);

    lifecycle_flow_add(&fp->total, fl);
    if (fp->json) {
        fprintf(f, "%s{\"ufid\":\"%016" PRIx64 "\",\"pmd_id\":%" PRIu32
                ",\"flow\":", fp->n ? "," : "", fl->ufid, fl->pmd_id);
        report_json_string_or_null(f, name);
        fprintf(f, ",\"upcalls\":%" PRIu64 ",\"slowpath_packets\":%" PRIu64
                ",\"fastpath_packets\":%" PRIu64
                ",\"attributed_packets\":%" PRIu64
                ",\"slowpath_windows\":%" PRIu64
                ",\"longest_window_rounds\":%" PRIu64
                ",\"longest_window_ns\":%" PRIu64 "}",
                fl->upcalls, fl->slowpath_packets, fl->fastpath_packets,
                fl->attributed_packets, fl->slowpath_windows,
                fl->longest_window_rounds, fl->longest_window_ns);
    } else {
        flow_keep(fp, fl, name);
    }
    fp->n++;
}

static int
report_status(const struct report *r, const struct lifecycle_summary *s,
              const char **verdict)
{
    if (r->n_errors) {
        *verdict = "FAIL";
        return 1;
    }
    if (s->by_verdict[LIFECYCLE_INCONCLUSIVE] || s->n_discard_reports
        || s->discarded_events) {
        *verdict = "INCONCLUSIVE";
        return 3;
    }
    *verdict = "PASS";
    return 0;
}

/* One "flows:" line. */
static void
print_flow_line(FILE *f, const struct flow_shown *s)
{
    const struct lifecycle_flow *fl = &s->fig;
    const char *shown = s->name ? s->name : "-";
    fprintf(f, "  %-*s ufid=%016" PRIx64 " pmd=%" PRIu32 " upcalls=%" PRIu64
            " slowpath=%" PRIu64 " fastpath=%" PRIu64 " windows=%" PRIu64
            " longest=%" PRIu64 " round%s (%" PRIu64 " ns)\n",
            uk_pad(shown, 12), shown, fl->ufid, fl->pmd_id, fl->upcalls,
            fl->slowpath_packets, fl->fastpath_packets,
            fl->slowpath_windows, fl->longest_window_rounds,
            uk_plural(fl->longest_window_rounds), fl->longest_window_ns);
}

/* The text summary's "flows:" lines: every flow, in order, when there are
 * at most REPORT_MAX_TEXT_FLOWS, or else the REPORT_MAX_TEXT_FLOWS worst
 * off (longest in the slowpath), worst first; then their total. */
static void
print_flows_text(struct report *r)
{
    FILE *f = r->out;
    struct flow_print *fp = uk_xcalloc(1, sizeof *fp);
    struct lifecycle_flow omitted;
    fp->r = r;
    uint64_t n_omitted = lifecycle_for_each_flow(r->lc, print_flow, fp,
                                                 &omitted);
    size_t n_listed = fp->n;
    if (n_omitted) {
        fp->n += n_omitted;
        lifecycle_flow_add(&fp->total, &omitted);
    }
    if (n_listed > REPORT_MAX_TEXT_FLOWS) {
        fprintf(f, "flows (the %d longest in the slowpath of %zu; "
                "--format json lists every one):\n", REPORT_MAX_TEXT_FLOWS,
                fp->n);
        qsort(fp->shown, fp->n_shown, sizeof *fp->shown, flow_shown_cmp);
    } else {
        fputs("flows:\n", f);
        qsort(fp->shown, fp->n_shown, sizeof *fp->shown, flow_index_cmp);
    }
    for (size_t i = 0; i < fp->n_shown; i++) {
        print_flow_line(f, &fp->shown[i]);
    }
    if (fp->n > fp->n_shown) {
        fprintf(f, "  ... and %zu more\n", fp->n - fp->n_shown);
    }
    fprintf(f, "  total: %zu flow%s, upcalls=%" PRIu64 " slowpath=%" PRIu64
            " fastpath=%" PRIu64 " windows=%" PRIu64 " longest=%" PRIu64
            " round%s (%" PRIu64 " ns)\n", fp->n, uk_plural(fp->n),
            fp->total.upcalls,
            fp->total.slowpath_packets, fp->total.fastpath_packets,
            fp->total.slowpath_windows, fp->total.longest_window_rounds,
            uk_plural(fp->total.longest_window_rounds),
            fp->total.longest_window_ns);
    free(fp);
}

/* The text summary's "lost events:" lines: the counts of
 * report_loss_count(), so that the REPL's cursor (repl/trace-read.c) says
 * the same numbers; of a loss of LTTng's that seqs tell, both LTTng's
 * count and the seqs. */
static void
print_losses_text(struct report *r, const struct lifecycle_summary *s)
{
    FILE *f = r->out;
    if (s->n_discard_reports) {
        char lost[64];
        fprintf(f, "lost events: %s in %" PRIu64 " report%s (verdicts of"
                " the ukeys alive then are inconclusive)\n",
                lifecycle_format_lost(lost, sizeof lost, s->discarded_events,
                                      s->n_discard_unknown),
                s->n_discard_reports, s->n_discard_reports == 1 ? "" : "s");
        for (size_t i = 0; i < r->n_discards; i++) {
            const struct report_discard *d = &r->discards[i];
            uint64_t n = report_loss_count(d->n, d->seqs);
            fputs("  ", f);
            if (n) {
                report_print_n_what(f, n, d->what);
            } else {
                fprintf(f, "unknown number of %s", d->what);
            }
            fputs(" between ", f);
            report_print_rel_ts(r, f, d->ts_begin);
            if (d->ts_end == UINT64_MAX) {
                fputs(" and the end", f);
            } else {
                fputs(" and ", f);
                report_print_rel_ts(r, f, d->ts_end);
            }
            if (!d->from_seq && d->seqs) {
                char how[96];
                fprintf(f, " (%s)", report_format_lttng_loss(how, sizeof how,
                                                             d->n, d->seqs));
            }
            putc('\n', f);
        }
        if (s->n_discard_reports > r->n_discards) {
            fprintf(f, "  ... and %" PRIu64 " more\n",
                    s->n_discard_reports - r->n_discards);
        }
    } else {
        fputs("lost events: none\n", f);
    }
}

/* The text summary's "late events:" line, if events came after the fold
 * went past their seqs (report_order_late() in report.c): a thread that
 * waited longer for a CPU than the fold holds events, or a stream that
 * came after a loss was told.  The fold went on without them where they
 * were missing, as at a loss (what was alive then is inconclusive), and
 * took them where they came, judged against nothing newer (their ukeys
 * inconclusive too: core/lifecycle.c, "Late events"). */
static void
print_late_text(const struct report *r)
{
    if (r->n_late) {
        fprintf(r->out, "late events: %" PRIu64 " (the first: seq %" PRIu64
                ", after seq %" PRIu64 "), folded where they came: the "
                "ukeys alive where they were missing, and those they name, "
                "are inconclusive\n",
                r->n_late, r->late_seq, r->late_after);
    }
}

static void
print_audit_text(struct report *r, const struct lifecycle_summary *s,
                 const char *verdict)
{
    FILE *f = r->out;

    fprintf(f, "ukey audit: %" PRIu64 " event%s, %" PRIu64 " ukey%s (%"
            PRIu64 " live), %" PRIu64 " round%s, ", s->n_events,
            uk_plural(s->n_events), s->n_ukeys, uk_plural(s->n_ukeys),
            s->n_live, s->n_rounds, uk_plural(s->n_rounds));
    if (s->n_runs > 1) {
        fprintf(f, "%" PRIu64 " runs, the last ", s->n_runs);
    }
    if (s->first_seq > 1 && s->n_runs == 1) {
        /* Started mid-run (a snapshot, a session started or cleared late):
         * its beginning is unknown.  (A later run starts at its own
         * beginning, a thread start.) */
        fprintf(f, "a run seen from seq %" PRIu64 " %s\n", s->first_seq,
                s->complete ? "to its end" : "on, no end event (partial)");
    } else {
        fprintf(f, "%s\n", (s->complete ? "complete run"
                            : "no end event (partial run)"));
    }
    fputs("verdicts:", f);
    for (int i = 0; i < N_LIFECYCLE_VERDICTS; i++) {
        fprintf(f, "%s %s %" PRIu64, i ? "," : "", lifecycle_verdict_name(i),
                s->by_verdict[i]);
    }
    fprintf(f, "\nviolations: %" PRIu64 " (%" PRIu64 " error%s, %" PRIu64
            " warning%s)", s->n_violations, r->n_errors,
            uk_plural(r->n_errors), r->n_warnings, uk_plural(r->n_warnings));
    for (int i = 0; i < N_UK_VIOLATION_KINDS; i++) {
        if (s->by_violation[i]) {
            fprintf(f, " %s=%" PRIu64, uk_violation_kind_name(i),
                    s->by_violation[i]);
        }
    }
    putc('\n', f);
    print_flows_text(r);
    print_losses_text(r, s);
    print_late_text(r);
    fprintf(f, "result: %s\n", verdict);
}

static void
print_audit_json(struct report *r, const struct lifecycle_summary *s,
                 const char *verdict, int status)
{
    FILE *f = r->out;

    /* "ukeys_seen" and "live_ukeys": "ukeys" is an array of ukeys in the
     * view and "show umaps", "live" whether a trace is a live session in
     * "when"; "live_ukeys" is "show stats"' figure at the last event. */
    fprintf(f, "{\"events\":%" PRIu64 ",\"ukeys_seen\":%" PRIu64
            ",\"live_ukeys\":%"
            PRIu64 ",\"rounds\":%" PRIu64 ",\"runs\":%" PRIu64
            ",\"complete\":%s,\"first_seq\":%" PRIu64 ",\"verdicts\":{",
            s->n_events, s->n_ukeys, s->n_live, s->n_rounds, s->n_runs,
            s->complete ? "true" : "false", s->first_seq);
    for (int i = 0; i < N_LIFECYCLE_VERDICTS; i++) {
        fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "",
                lifecycle_verdict_name(i), s->by_verdict[i]);
    }
    fprintf(f, "},\"errors\":%" PRIu64 ",\"warnings\":%" PRIu64
            ",\"violations_by_kind\":{", r->n_errors, r->n_warnings);
    for (int i = 0; i < N_UK_VIOLATION_KINDS; i++) {
        fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "",
                uk_violation_kind_name(i), s->by_violation[i]);
    }
    fputs("},\"violations\":[", f);
    for (size_t i = 0; i < r->n_violations; i++) {
        fputs(i ? ",\n" : "\n", f);
        report_print_violation_json(r, f, &r->violations[i]);
    }
    fputs("],\"flows\":[", f);
    struct flow_print fp = { .r = r, .json = true };
    uint64_t n_omitted = lifecycle_for_each_flow(r->lc, print_flow, &fp,
                                                 NULL);
    fputs("]", f);
    if (n_omitted) {
        /* Memory stays bounded: past LIFECYCLE_MAX_FLOWS flows, only
         * their number (and their figures in the text summary). */
        fprintf(f, ",\"flows_omitted\":%" PRIu64, n_omitted);
    }
    fprintf(f, ",\"lost\":{\"events\":%" PRIu64 ",\"reports\":%" PRIu64
            ",\"reports_of_unknown_count\":%" PRIu64 ",\"first_ts\":%"
            PRIu64 ",\"last_ts\":%" PRIu64 ",\"ranges\":[",
            s->discarded_events, s->n_discard_reports, s->n_discard_unknown,
            s->first_discard_ts, s->last_discard_ts);
    for (size_t i = 0; i < r->n_discards; i++) {
        const struct report_discard *d = &r->discards[i];
        uint64_t n = report_loss_count(d->n, d->seqs);
        fprintf(f, "%s{\"count\":", i ? "," : "");
        if (n) {
            fprintf(f, "%" PRIu64, n);
        } else {
            fputs("null", f);           /* Unknown. */
        }
        /* What it is made of (print_losses_text()): LTTng's count (null:
         * none), and the seqs missing that it takes in. */
        fputs(",\"lttng_count\":", f);
        if (d->n) {
            fprintf(f, "%" PRIu64, d->n);
        } else {
            fputs("null", f);
        }
        fprintf(f, ",\"seqs_missing\":%" PRIu64, d->seqs);
        fputs(",\"what\":", f);
        report_json_string(f, d->what);
        fprintf(f, ",\"ts_begin\":%" PRIu64, d->ts_begin);
        if (d->ts_end == UINT64_MAX) {
            fputs(",\"ts_end\":null}", f);    /* The end of the input. */
        } else {
            fprintf(f, ",\"ts_end\":%" PRIu64 "}", d->ts_end);
        }
    }
    fputs("]}", f);
    if (r->n_late) {
        /* Events folded after later seqs (print_late_text()). */
        fprintf(f, ",\"late\":{\"events\":%" PRIu64 ",\"first_seq\":%"
                PRIu64 ",\"after_seq\":%" PRIu64 "}", r->n_late,
                r->late_seq, r->late_after);
    }
    fprintf(f, ",\"result\":\"%s\",\"exit\":%d}\n", verdict, status);
}

/* Writes the violation lines kept aside ('vout') to 'out'. */
static void
report_copy_violations(struct report *r)
{
    if (r->vout == r->out) {
        return;
    }
    report_copy_file(r->vout, r->out);
    fclose(r->vout);
    r->vout = r->out;
}

int
report_audit_finish(struct report *r, const struct lifecycle_summary *s)
{
    const char *verdict;
    int status = report_status(r, s, &verdict);

    if (r->opts.format == REPORT_JSON) {
        print_audit_json(r, s, verdict, status);
    } else {
        report_copy_violations(r);
        print_audit_text(r, s, verdict);
    }
    fflush(r->out);
    return status;
}


/* SPDX-License-Identifier: Apache-2.0 */
/* The audit and the timelines (see report.h).  Events go through a small
 * tie buffer (equal timestamps are put in seq order), the held events
 * (report-hold.c) that put a run's events in seq order (report-order.c),
 * then to the lifecycle fold, whose callbacks print violations as
 * they are found and timelines as ukeys are freed; report_finish() prints
 * the summary.  The audit's lines are report-audit.c's, the timelines
 * report-view.c's. */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/event.h"
#include "core/lifecycle.h"
#include "core/util.h"
#include "report-private.h"

/* ==== Names and formats ==== */

static const char *const report_format_names[] = {
#define REPORT_FORMAT_NAME_(NAME, TEXT) #TEXT,
    REPORT_FORMATS(REPORT_FORMAT_NAME_)
#undef REPORT_FORMAT_NAME_
};

int
report_format_from_name(const char *name)
{
    return uk_name_lookup(report_format_names, N_REPORT_FORMATS, name);
}

const char *
report_format_name(int format)
{
    return format >= 0 && format < N_REPORT_FORMATS
           ? report_format_names[format] : "?";
}

/* Parses "+S[.FFFFFFFFF]" (seconds from the first event, as the text
 * timelines print times). */
static bool
report_parse_relative(const char *s, struct report_bound *out)
{
    char *end;
    if (s[1] < '0' || s[1] > '9') {
        return false;
    }
    unsigned long long sec = strtoull(s + 1, &end, 10);
    uint64_t ns = 0;
    if (*end == '.') {
        uint64_t scale = 100000000;
        for (end++; *end >= '0' && *end <= '9' && scale; end++) {
            ns += (uint64_t) (*end - '0') * scale;
            scale /= 10;
        }
    }
    if (*end) {
        return false;
    }
    /* Past 2^64 ns (584 years): after any event, not 'sec' * 10^9
     * wrapped ("--end +99999999999999999999" showed none). */
    uint64_t value = (sec <= (UINT64_MAX - ns) / 1000000000
                      ? sec * 1000000000 + ns : UINT64_MAX);
    *out = (struct report_bound) { .set = true, .relative = true,
                                   .value = value };
    return true;
}

enum uk_number
report_parse_bound(const char *s, struct report_bound *out)
{
    bool is_seq = false;
    if (*s == '+') {
        return report_parse_relative(s, out) ? UK_NUMBER_OK : UK_NUMBER_NONE;
    }
    if (!strncmp(s, "seq:", 4) || !strncmp(s, "seq=", 4)) {
        is_seq = true;
        s += 4;
    } else if (*s == '#') {
        is_seq = true;
        s++;
    }
    size_t len = strlen(s);
    char *digits = (!is_seq && len > 2 && !strcmp(s + len - 2, "ns")
                    ? uk_xasprintf("%.*s", (int) (len - 2), s) : NULL);
    /* 2^64 or more is refused, not the UINT64_MAX that strtoull() makes
     * of it ("--begin 99999999999999999999" was the last ns there is). */
    uint64_t v;
    enum uk_number kind = uk_parse_number(digits ? digits : s, &v);
    free(digits);
    if (kind == UK_NUMBER_OK) {
        *out = (struct report_bound) { .set = true, .is_seq = is_seq,
                                       .value = v };
    }
    return kind;
}

const char *
report_bound_problem(char *buf, size_t size, enum uk_number kind)
{
    /* Not UINT64_MAX for 2^64 or more, as strtoull() had it: only a "+S"
     * past 2^64 ns is after every event. */
    char range[UK_NUMBER_TEXT_SIZE];
    uk_number_range(range, sizeof range, 0, UINT64_MAX, kind);
    return uk_number_problem(buf, size, kind, range);
}

bool
report_bounds_empty(const struct report_bound *begin,
                    const struct report_bound *end)
{
    return (begin->set && end->set && begin->is_seq == end->is_seq
            && begin->relative == end->relative
            && begin->value > end->value);
}

const char *
report_thread_name(const struct report *r, uint32_t id, char *buf,
                   size_t size)
{
    const char *name = lifecycle_thread_name(r->lc, id);
    if (name) {
        return name;
    }
    snprintf(buf, size, "thread#%" PRIu32, id);
    return buf;
}

void
report_json_string(FILE *f, const char *s)
{
    uk_json_string(f, s);
}

void
report_json_string_or_null(FILE *f, const char *s)
{
    if (s) {
        report_json_string(f, s);
    } else {
        fputs("null", f);
    }
}

/* Prints 'ts' relative to the first event as "+S.NNNNNNNNN". */
void
report_print_rel_ts(const struct report *r, FILE *f, uint64_t ts)
{
    uint64_t rel = ts >= r->ts0 ? ts - r->ts0 : 0;
    fprintf(f, "+%" PRIu64 ".%09" PRIu64, rel / 1000000000,
            rel % 1000000000);
}

/* ==== A late event in the views ====
 *
 * An event the fold took late (core/lifecycle.c, "Late events": a seq
 * given up on, recorded after all) is shown where the fold took it, in
 * every view, but marked, with the words of the audit's "late events" and
 * of the REPL ("(late: seq S, folded after seq M)", "late_event" and
 * "after_seq"), so that its line does not read as what happened there:
 * the fold judged it against nothing newer, and its ukey is uncertain.
 * Which events came late is the fold's to say (lifecycle_late_after(),
 * a step's 'after_seq'): the views ask it, not the order. */

void
report_print_late_text(FILE *f, uint64_t seq, uint64_t after)
{
    if (after) {
        fprintf(f, "  (late: seq %" PRIu64 ", folded after seq %" PRIu64 ")",
                seq, after);
    }
}

void
report_print_late_json(FILE *f, uint64_t after, bool always)
{
    if (after) {
        fprintf(f, ",\"late_event\":true,\"after_seq\":%" PRIu64, after);
    } else if (always) {
        fputs(",\"late_event\":false", f);
    }
}

const char *
report_flow_name(const struct report *r, uint64_t ufid)
{
    uint64_t v;
    return report_map_get(&r->flow_names, ufid, &v)
           ? (const char *) (uintptr_t) v : NULL;
}

/* ==== Filters ==== */

/* The seq or timestamp of bound 'bd': a time from the first event plus
 * that event's timestamp, at most UINT64_MAX (past any event, not wrapped
 * to before them: "--end +18446744073" showed none). */
static uint64_t
bound_value(const struct report *r, const struct report_bound *bd)
{
    uint64_t base = bd->relative ? r->ts0 : 0;
    return bd->value > UINT64_MAX - base ? UINT64_MAX : bd->value + base;
}

bool
report_in_bounds(const struct report *r, uint64_t seq, uint64_t ts)
{
    const struct report_bound *b = &r->opts.begin, *e = &r->opts.end;
    if (b->set && (b->is_seq ? seq : ts) < bound_value(r, b)) {
        return false;
    }
    if (e->set && (e->is_seq ? seq : ts) > bound_value(r, e)) {
        return false;
    }
    return true;
}

bool
report_thread_selected(const struct report *r, uint32_t id)
{
    if (!r->opts.thread) {
        return true;
    }
    const char *name = lifecycle_thread_name(r->lc, id);
    return name && !strcmp(name, r->opts.thread);
}

bool
report_flow_selected(const struct report *r, uint64_t ufid)
{
    uint64_t v;
    return !r->opts.flow || ufid == r->flow_hash
           || report_map_get(&r->flow_match, ufid, &v);
}

bool
report_violation_selected(const struct report *r,
                          const struct lifecycle_violation *v)
{
    const struct lifecycle_evidence *ev = &v->evidence[0];
    return report_thread_selected(r, ev->thread_id)
           && report_in_bounds(r, ev->seq, ev->ts);
}

bool
report_event_selected(const struct report *r, const struct ukey_event *e)
{
    if (r->opts.ukey_id && e->ukey_id != r->opts.ukey_id
        && e->ukey2_id != r->opts.ukey_id) {
        return false;
    }
    if (r->opts.flow && !report_flow_selected(r, e->ufid)) {
        return false;
    }
    if (r->opts.thread && !report_thread_selected(r, e->thread_id)) {
        return false;
    }
    return report_in_bounds(r, e->seq, e->ts);
}

/* ==== Violations ==== */

static void
on_violation(const struct lifecycle_violation *v, void *r_)
{
    struct report *r = r_;

    struct lifecycle_summary s;
    lifecycle_get_summary(r->lc, &s);
    if (s.n_seq_back) {
        return;     /* Two programs mixed: report_mixed_programs(). */
    }
    if (v->event.result == UK_SEV_ERROR) {
        r->n_errors++;
    } else {
        r->n_warnings++;
    }
    if (r->opts.mode == REPORT_VIEW) {
        if (r->opts.format == REPORT_CHROME) {
            report_chrome_violation(r, v);
        } else {
            report_view_violation(r, v);
        }
        return;
    }
    if (r->opts.format == REPORT_TEXT) {
        report_print_violation_text(r, r->vout, v);
        if (r->opts.live) {
            fflush(r->out);
        }
    } else if (r->n_violations < REPORT_MAX_VIOLATIONS) {
        r->violations = uk_grow(r->violations, &r->allocated_violations,
                                r->n_violations + 1, sizeof *r->violations);
        struct lifecycle_violation *copy = &r->violations[r->n_violations++];
        *copy = *v;
        copy->event.name = v->event.name ? uk_xstrdup(v->event.name) : NULL;
    }
}

/* ==== Feeding ==== */

static void report_sync(const struct report *);

struct report *
report_create(const struct report_options *options)
{
    struct report *r = uk_xzalloc(sizeof *r);

    r->opts = *options;
    r->opts.flow = options->flow ? uk_xstrdup(options->flow) : NULL;
    r->opts.thread = options->thread ? uk_xstrdup(options->thread) : NULL;
    r->out = options->out ? options->out : stdout;
    r->order_loss = SIZE_MAX;
    if (r->opts.mode == REPORT_VIEW && !r->opts.live && !r->opts.on_event
        && (r->opts.format == REPORT_RAW
            || r->opts.format == REPORT_CHROME)) {
        /* These print each event as it comes, but whether the input mixes
         * two programs is known at its end (sink_end()): until then, in a
         * spool, so that the error comes with nothing on the output (and
         * no half a JSON file).  The text and JSON views spool their
         * timelines already (report_view_start()).  Live, what comes is
         * shown at once. */
        FILE *tmp = tmpfile();
        if (tmp) {                      /* Without one: at once. */
            r->held_out = r->out;
            r->out = tmp;
        }
    }
    r->vout = r->out;
    if (r->opts.mode == REPORT_AUDIT && r->opts.format == REPORT_TEXT
        && !r->opts.live && !r->opts.on_event) {
        FILE *tmp = tmpfile();
        r->vout = tmp ? tmp : r->out;   /* Without one: at once. */
    }
    r->next_tail_ts = UINT64_MAX;
    if (r->opts.flow) {
        r->flow_hash = uk_hash_string(r->opts.flow);
    }

    struct lifecycle_options lo = {
        /* The liveness thresholds: the defaults, as the model's. */
        .keep_steps = (r->opts.mode == REPORT_VIEW
                       && (r->opts.format == REPORT_TEXT
                           || r->opts.format == REPORT_JSON)),
        .transient_details = true,     /* on_violation() copies them. */
    };
    /* Only the text and JSON views print finished lifecycles: without a
     * 'ukey_done' callback, the fold does not build them (nor format an
     * explanation for every passing ukey). */
    struct lifecycle_callbacks cbs = {
        .violation = on_violation,
        .ukey_done = lo.keep_steps ? report_view_ukey_done : NULL,
        .ukey_late_step = lo.keep_steps ? report_view_late_step : NULL,
        .aux = r,
    };
    r->lc = lifecycle_create(&lo, &cbs);
    if (lo.keep_steps) {
        report_view_start(r);
    }
    r->tie = uk_xcalloc(REPORT_TIE_CAP, sizeof *r->tie);
    if (r->opts.fold_thread && !r->opts.live && !r->opts.on_event) {
        r->pipe = report_pipe_create(r);    /* NULL: folds on the caller's
                                             * thread. */
    }
    return r;
}

void
report_name_lines(struct report *r, const char *name)
{
    report_sync(r);
    free(r->line_name);
    r->line_name = uk_xstrdup(name);
}

void
report_destroy(struct report *r)
{
    if (!r) {
        return;
    }
    report_pipe_destroy(r->pipe);
    lifecycle_destroy(r->lc);
    report_view_destroy(r);
    if (r->held_out) {
        fclose(r->out);                 /* Not finished: an error. */
    }
    if (r->loss_spool && r->loss_spool != stderr) {
        fclose(r->loss_spool);
    }
    if (r->vout && r->vout != r->out) {
        fclose(r->vout);
    }
    free((char *) r->opts.flow);
    free((char *) r->opts.thread);
    free(r->line_name);
    free(r->tie);
    report_hold_destroy(&r->held);
    for (size_t i = 0; i < r->n_heads; i++) {
        free(r->heads[i].what);
    }
    free(r->heads);
    free(r->tails);
    report_map_destroy(&r->flow_names);
    report_map_destroy(&r->flow_match);
    report_map_destroy(&r->open_state);
    for (size_t i = 0; i < r->n_violations; i++) {
        free((char *) r->violations[i].event.name);
    }
    free(r->violations);
    free(r->threads);
    free(r);
}

uint64_t
report_n_events(const struct report *r)
{
    report_sync(r);
    return r->n_fed + r->n_tie + r->held.n;
}

static double
now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
report_progress(struct report *r)
{
    double now = now_seconds();
    if (!r->progress_start) {
        r->progress_start = r->progress_last = now;
        return;
    }
    /* Only for traces that take a while. */
    if (now - r->progress_start < 1.0 || now - r->progress_last < 0.5) {
        return;
    }
    struct lifecycle_summary s;
    lifecycle_get_summary(r->lc, &s);
    fprintf(stderr, "\rukdb: %" PRIu64 " events, %" PRIu64 " ukeys, %"
            PRIu64 " violations, %.0f events/s ", r->n_fed, s.n_ukeys,
            s.n_violations, (double) r->n_fed / (now - r->progress_start));
    r->progress_last = now;
    r->progress_shown = true;
}

static void report_loss(struct report *, uint64_t n, uint64_t ts_begin,
                        uint64_t ts_end, const char *what);
static void report_loss_tell(struct report *, struct report_loss_info *,
                             struct report_discard *);

static struct report_discard *report_loss_record(struct report *,
                                                 uint64_t n, uint64_t seqs,
                                                 uint64_t ts_begin,
                                                 uint64_t ts_end,
                                                 const char *what);
static void report_loss_unkept(struct report *,
                               const struct report_discard *);
static struct report_discard *report_loss_recent(struct report *);
static void report_loss_head_unkept(struct report *,
                                    const struct report_head *,
                                    uint64_t ts_end);
static void report_losses_show(struct report *);
static bool report_shows_losses(const struct report *);
static void report_loss_show(struct report *, const struct report_discard *,
                             FILE *warn);

/* Opens the loss of stream head 'h', from 'ts' until its first packet
 * (report_stream_head()). */
static void
report_head_open(struct report *r, struct report_head *h, uint64_t ts)
{
    h->state = REPORT_HEAD_OPEN;
    h->loss_begin = ts;
    struct report_discard *d = report_loss_record(r, 0, 0, ts, UINT64_MAX,
                                                  h->what);
    h->discard = d ? (size_t) (d - r->discards) : SIZE_MAX;
    h->number = ++r->n_told;
    if (d) {
        d->number = h->number;
    }
    if (!r->opts.on_loss) {
        lifecycle_discard_open(r->lc, ts);
    }                           /* A consumer is told once its range is
                                 * known. */
}

/* Ends the open loss of stream head 'h' at 'ts'. */
static void
report_head_close(struct report *r, struct report_head *h, uint64_t ts)
{
    h->state = REPORT_HEAD_DONE;
    if (h->discard != SIZE_MAX) {
        r->discards[h->discard].ts_end = ts;
    }
    if (r->opts.on_loss) {
        struct report_loss_info l = {
            .kind = REPORT_LOSS_NEW, .ts_begin = h->loss_begin,
            .ts_end = ts, .number = h->number, .what = h->what,
        };
        r->opts.on_loss(&l, r->opts.aux);
        return;
    }
    lifecycle_discard_close(r->lc, ts);
    if (h->discard == SIZE_MAX) {
        report_loss_head_unkept(r, h, ts);
    }
}

/* At the first event 'e': an input that starts mid-run lost what each
 * stream recorded before its first packet: up to it if it is known, else
 * from now on until it comes (report_stream_head()). */
static void
report_heads(struct report *r, const struct ukey_event *e)
{
    r->heads_done = true;
    r->mid_run = e->seq != 1;
    if (!r->mid_run) {
        r->n_tails = 0;         /* A full run's streams end at will. */
        r->next_tail_ts = UINT64_MAX;
    }
    for (size_t i = 0; i < r->n_heads; i++) {
        struct report_head *h = &r->heads[i];
        if (r->mid_run && !h->ts) {
            report_head_open(r, h, e->ts);
            continue;
        }
        h->state = REPORT_HEAD_DONE;
        if (r->mid_run && h->ts > e->ts) {
            report_loss(r, 0, e->ts, h->ts, h->what);
        }
    }
}

/* Before event 'e': opens the losses of the streams that ended before
 * it (report_stream_end()). */
static void
report_tails(struct report *r, const struct ukey_event *e)
{
    size_t n = 0;
    r->next_tail_ts = UINT64_MAX;
    for (size_t i = 0; i < r->n_tails; i++) {
        const struct report_discard *t = &r->tails[i];
        if (t->ts_begin < e->ts) {
            report_loss(r, 0, t->ts_begin, UINT64_MAX, t->what);
        } else {
            if (t->ts_begin < r->next_tail_ts) {
                r->next_tail_ts = t->ts_begin;
            }
            r->tails[n++] = *t;
        }
    }
    r->n_tails = n;
}

/* If loss 'd' overlaps [begin, end] more than '*by' (of overlap '*most')
 * does, or '*by' is NULL, makes it '*by'. */
static void
report_loss_overlap(struct report_discard *d, uint64_t begin, uint64_t end,
                    struct report_discard **by, uint64_t *most)
{
    if (d->ts_begin <= end && d->ts_end >= begin) {
        uint64_t overlap = ((d->ts_end < end ? d->ts_end : end)
                            - (d->ts_begin > begin ? d->ts_begin : begin));
        if (!*by || overlap > *most) {
            *by = d;
            *most = overlap;
        }
    }
}

/* True if a loss already known overlaps [begin, end]; then '*by' is the
 * one that overlaps it most (the first of those), or NULL if none does
 * but a loss that left the recent ones may have (r->recent).  Most: a
 * stream's losses one after the other touch (LTTng's range of one ends
 * where the next begins), and a gap that begins where one ends is the
 * next one's.  The losses past those kept are matched too: a gap in a loss
 * that LTTng counted, matched to none, was counted again on top of it
 * (306638 events lost for 159917 that LTTng counted). */
bool
report_loss_known(struct report *r, uint64_t begin, uint64_t end,
                  struct report_discard **by)
{
    *by = NULL;
    uint64_t most = 0;
    for (size_t i = 0; i < r->n_discards; i++) {
        report_loss_overlap(&r->discards[i], begin, end, by, &most);
    }
    for (size_t i = 0; i < r->n_recent; i++) {
        report_loss_overlap(&r->recent[i], begin, end, by, &most);
    }
    return *by || (r->forgot && r->forgot_end >= begin); /* Cannot tell. */
}

/* True if a loss that LTTng reported (not a gap in seq) overlaps [begin,
 * end]: its count takes in the seqs missing there. */
bool
report_loss_counted(const struct report *r, uint64_t begin, uint64_t end)
{
    for (size_t i = 0; i < r->n_discards + r->n_recent; i++) {
        const struct report_discard *d = (i < r->n_discards
                                          ? &r->discards[i]
                                          : &r->recent[i - r->n_discards]);
        if (!d->from_seq && d->ts_begin <= end && d->ts_end >= begin) {
            return true;
        }
    }
    return false;
}

/* The span from the last event folded to time 'ts', into '*begin' and
 * '*end': a loss found before an event lies between the two, in either
 * order (in seq order, an event may be a little earlier than the last). */
void
report_since_last(const struct report *r, uint64_t ts, uint64_t *begin,
                  uint64_t *end)
{
    *begin = r->last_ts < ts ? r->last_ts : ts;
    *end = r->last_ts < ts ? ts : r->last_ts;
}

/* Before event 'e', in time order (report_fold()): the events of the
 * seqs between the highest so far and 'e''s, more than the threads can
 * still be recording, were never recorded, and LTTng counted no discarded
 * event: a session stopped and started again (or an event disabled for a
 * while) records nothing in between.  They are a loss from the last event
 * to 'e', unless a loss known already covers it (a discarded-events
 * message, a stream that began late, the types a session did not
 * enable). */
static void
report_seq_gap(struct report *r, const struct ukey_event *e)
{
    if (e->thread_id >= r->seq_threads) {
        r->seq_threads = (uint64_t) e->thread_id + 1;
    }
    if (e->type == UK_EV_THREAD_START && e->seq <= 3
        && e->seq < r->seq_high) {
        r->seq_high = e->seq;           /* Another run (lifecycle-run.c). */
        r->seq_threads = (uint64_t) e->thread_id + 1;
        return;
    }
    if (e->seq <= r->seq_high) {
        return;
    }
    uint64_t high = r->seq_high;
    r->seq_high = e->seq;
    /* In seq order, the time of 'e' may be a little before the last. */
    uint64_t begin, end;
    report_since_last(r, e->ts, &begin, &end);
    struct report_discard *by;
    if (!high || !r->have_ts0
        || e->seq - high - 1 < REPORT_SEQ_GAP_MIN(r->seq_threads)
        || report_loss_known(r, begin, end, &by)) {
        return;
    }
    char what[160];
    snprintf(what, sizeof what, "events of seq %" PRIu64 " to %" PRIu64
             " (never recorded: was tracing stopped and started again?)",
             high + 1, e->seq - 1);
    report_loss_seq(r, begin, end, high + 1, e->seq - 1, e->seq - 1 - high,
                    what, false);
}

/* Folds 'e', in the fold's order (report_order()). */
void
report_fold(struct report *r, const struct ukey_event *e)
{
    if (!r->heads_done) {
        report_heads(r, e);
    }
    if (e->ts > r->next_tail_ts) {
        report_tails(r, e);
    }
    if (r->by_time) {
        /* In seq order, report_order() tells every gap where the fold
         * reaches it, knowing the threads of the events it holds too;
         * this would tell some twice (a gap of seqs given up on, wide for
         * the threads folded so far, or a false loss if they come late).
         * In time order (several programs' seqs) there is no fold order
         * to reach a gap in: only a gap as wide as a session stopped and
         * started again is told, as the events come. */
        report_seq_gap(r, e);
    }
    if (!r->have_ts0) {
        r->have_ts0 = true;
        r->ts0 = e->ts;
    }
    r->last_ts = e->ts;
    if (r->opts.on_event) {
        r->n_fed++;
        r->opts.on_event(e, r->opts.aux);
        return;
    }
    if (e->type == UK_EV_FLOW && e->ufid && e->name) {
        report_map_put(&r->flow_names, e->ufid, (uintptr_t) e->name);
        if (r->opts.flow && !strcmp(e->name, r->opts.flow)) {
            report_map_put(&r->flow_match, e->ufid, 1);
        }
    }
    /* For "no ukey matched": which filter names nothing in the trace. */
    r->thread_seen |= (r->opts.thread && e->type == UK_EV_THREAD_START
                       && e->name && !strcmp(e->name, r->opts.thread));
    r->ukey_seen |= (r->opts.ukey_id && (e->ukey_id == r->opts.ukey_id
                                         || e->ukey2_id == r->opts.ukey_id));

    lifecycle_feed(r->lc, e, r->n_fed++);
    uint64_t late_after = lifecycle_late_after(r->lc);
    if (late_after && !r->late_folded && e->seq == r->late_seq) {
        /* Events held for a lower seq when it came were taken, not yet
         * folded: say what it was folded after, as the views do. */
        r->late_after = late_after;
        r->late_folded = true;
    }

    if (r->opts.mode == REPORT_VIEW) {
        if (r->opts.format == REPORT_RAW) {
            if (report_event_selected(r, e)) {
                char line[1024];
                uk_event_format_canonical(e, line, sizeof line);
                fputs(line, r->out);
                report_print_late_text(r->out, e->seq, late_after);
                putc('\n', r->out);
                r->n_printed++;
            }
        } else if (r->opts.format == REPORT_CHROME) {
            report_chrome_event(r, e);
        }
    }
    if (r->opts.progress && !(r->n_fed & 0xffff)) {
        report_progress(r);
    }
}

/* The stage before the fold (or the REPL's cursor, which takes the events
 * in the same order, to number them and find the same violations and
 * losses as the audit): a run's events in seq order. */
static void
report_process(struct report *r, const struct ukey_event *e)
{
    if (r->by_time) {
        report_fold(r, e);
    } else {
        report_order(r, e);
    }
}

static void
report_flush_ties(struct report *r)
{
    struct ukey_event *tie = &r->tie[r->tie_base];

    /* Insertion sort: ties are few and almost always in order. */
    for (size_t i = 1; i < r->n_tie; i++) {
        if (tie[i].seq < tie[i - 1].seq) {
            struct ukey_event e = tie[i];
            size_t j = i;
            while (j > 0 && tie[j - 1].seq > e.seq) {
                tie[j] = tie[j - 1];
                j--;
            }
            tie[j] = e;
        }
    }
    for (size_t i = 0; i < r->n_tie; i++) {
        report_process(r, &tie[i]);
    }
    r->tie_base += r->n_tie;
    r->n_tie = 0;
}

void
report_fold_by_time(struct report *r)
{
    report_sync(r);
    report_order_flush(r, false);
    r->by_time = true;
}

/* Every event taken so far folded: the ties, then the held events; at
 * the end of the input ('end'), the seqs still missing are a loss. */
static void
report_flush(struct report *r, bool end)
{
    report_flush_ties(r);
    report_order_flush(r, end);
}

static struct ukey_event *
report_tie_slot(struct report *r)
{
    /* Back to the front when that costs at most one copy, every
     * REPORT_TIE_REWIND events at most: the window stays in a few cache
     * lines.  Without a rewind, the window starts before REPORT_TIE_REWIND
     * (it only moves by a flush, which leaves one event in it), and holds at
     * most REPORT_TIE_MAX events: the slot is within REPORT_TIE_CAP. */
    if (r->tie_base >= REPORT_TIE_REWIND && r->n_tie <= 1) {
        memmove(r->tie, &r->tie[r->tie_base], r->n_tie * sizeof *r->tie);
        r->tie_base = 0;
    }
    uk_assert(r->tie_base + r->n_tie < REPORT_TIE_CAP);
    return &r->tie[r->tie_base + r->n_tie];
}

static void
report_tie_commit(struct report *r)
{
    const struct ukey_event *e = &r->tie[r->tie_base + r->n_tie];
    if (r->n_tie
        && (r->tie[r->tie_base].ts != e->ts || r->n_tie == REPORT_TIE_MAX)) {
        report_flush_ties(r);   /* 'e' is now first in the window. */
    }
    r->n_tie++;
}

void
report_take(struct report *r, const struct ukey_event *e)
{
    *report_tie_slot(r) = *e;
    report_tie_commit(r);
}

/* Waits until the fold thread, if any, has folded every event given so
 * far: the caller may then use 'r' (report-pipe.c). */
static void
report_sync(const struct report *r)
{
    if (r->pipe) {
        report_pipe_sync(r->pipe);
    }
}

struct ukey_event *
report_event_slot(struct report *r)
{
    return r->pipe ? report_pipe_slot(r->pipe) : report_tie_slot(r);
}

void
report_event_commit(struct report *r)
{
    if (r->pipe) {
        report_pipe_commit(r->pipe);
    } else {
        report_tie_commit(r);
    }
}

void
report_event(struct report *r, const struct ukey_event *e)
{
    *report_event_slot(r) = *e;
    report_event_commit(r);
}

/* What a stream 'what' of an input that starts mid-run lost, 'when' it
 * lost it, in 'buf' (a report_discard's 'what'). */
static void
mid_run_what(char *buf, size_t size, const char *what, const char *when)
{
    snprintf(buf, size, "%s (%s; the input starts mid-run)", what, when);
}

size_t
report_stream_begin(struct report *r, const char *what)
{
    report_sync(r);
    if (r->heads_done) {
        return SIZE_MAX;
    }
    r->heads = uk_grow(r->heads, &r->allocated_heads, r->n_heads + 1,
                       sizeof *r->heads);
    struct report_head *h = &r->heads[r->n_heads];
    char buf[sizeof r->discards[0].what];
    mid_run_what(buf, sizeof buf, what, "before it began");
    *h = (struct report_head) { .discard = SIZE_MAX,
                                .what = uk_xstrdup(buf) };
    return r->n_heads++;
}

void
report_stream_head(struct report *r, size_t stream, uint64_t ts)
{
    report_sync(r);
    if (stream >= r->n_heads) {
        return;
    }
    struct report_head *h = &r->heads[stream];
    if (h->state == REPORT_HEAD_WAITING && !h->ts) {
        h->ts = ts;
    } else if (h->state == REPORT_HEAD_OPEN) {
        report_head_close(r, h, ts);
    }
}

void
report_stream_end(struct report *r, uint64_t ts, const char *what)
{
    report_sync(r);
    /* Before the first event is folded (it waits for events of a later
     * time), whether the input starts mid-run is not known yet: kept until
     * report_heads() decides. */
    if (r->mid_run || !r->heads_done) {
        r->tails = uk_grow(r->tails, &r->allocated_tails, r->n_tails + 1,
                           sizeof *r->tails);
        struct report_discard *t = &r->tails[r->n_tails++];
        *t = (struct report_discard) { .ts_begin = ts, .ts_end = UINT64_MAX };
        mid_run_what(t->what, sizeof t->what, what, "after it ended");
        if (ts < r->next_tail_ts) {
            r->next_tail_ts = ts;
        }
    }
}

void
report_discarded(struct report *r, uint64_t n, uint64_t ts_begin,
                 uint64_t ts_end, const char *what)
{
    report_sync(r);
    report_flush(r, false);
    report_loss(r, n, ts_begin, ts_end, what);
}

/* report_discarded() without the flush (also called from it). */
static void
report_loss(struct report *r, uint64_t n, uint64_t ts_begin, uint64_t ts_end,
            const char *what)
{
    struct report_loss_info l = { .kind = REPORT_LOSS_NEW, .n = n,
                                  .ts_begin = ts_begin, .ts_end = ts_end,
                                  .what = what };
    report_loss_tell(r, &l, report_loss_record(r, n, 0, ts_begin, ts_end,
                                               what));
}

void
report_loss_seq(struct report *r, uint64_t ts_begin, uint64_t ts_end,
                uint64_t seq_first, uint64_t seq_last, uint64_t seqs,
                const char *what, bool held)
{
    struct report_loss_info l = {
        .kind = REPORT_LOSS_NEW, .ts_begin = ts_begin, .ts_end = ts_end,
        .seq_first = seq_first, .seq_last = seq_last, .seqs = seqs,
        .what = what, .held = held,
    };
    struct report_discard *d = report_loss_record(r, 0, seqs, ts_begin,
                                                  ts_end, what);
    if (d) {
        d->from_seq = true;
    }
    report_loss_tell(r, &l, d);
}

/* Numbers loss 'l', kept in 'd' (or NULL), and tells the fold or the
 * consumer. */
static void
report_loss_tell(struct report *r, struct report_loss_info *l,
                 struct report_discard *d)
{
    l->number = ++r->n_told;
    if (d) {
        d->number = l->number;
    } else {
        d = report_loss_recent(r);
        *d = (struct report_discard) {
            .n = l->n, .seqs = l->seqs, .ts_begin = l->ts_begin,
            .ts_end = l->ts_end, .told_ts = r->last_ts, .number = l->number,
            .from_seq = l->seqs || l->held,
        };
        snprintf(d->what, sizeof d->what, "%s", l->what ? l->what
                                                        : "events");
    }
    if (r->opts.on_loss) {
        r->opts.on_loss(l, r->opts.aux);
        return;
    }
    uint64_t n = report_loss_count(l->n, l->seqs);
    if (l->held) {
        lifecycle_discard_count(r->lc, n, l->ts_begin, l->ts_end);
    } else {
        lifecycle_discarded(r->lc, n, l->ts_begin, l->ts_end);
    }
}

/* Room among the recent losses for one more: if they are
 * REPORT_MAX_RECENT, the one whose range ends first leaves them, final,
 * said by the views. */
static struct report_discard *
report_loss_recent(struct report *r)
{
    if (r->n_recent < REPORT_MAX_RECENT) {
        return &r->recent[r->n_recent++];
    }
    struct report_discard *d = &r->recent[0];
    for (size_t i = 1; i < r->n_recent; i++) {
        if (r->recent[i].ts_end < d->ts_end) {
            d = &r->recent[i];
        }
    }
    report_loss_unkept(r, d);
    if (!r->forgot || d->ts_end > r->forgot_end) {
        r->forgot_end = d->ts_end;
    }
    r->forgot = true;
    return d;
}

/* Keeps a loss of LTTng's count 'n', or of 'seqs' seqs missing, for the
 * summary.  Returns where it is kept, or NULL past REPORT_MAX_DISCARDS.
 * A live raw view says it at once (report_loss_show()). */
static struct report_discard *
report_loss_record(struct report *r, uint64_t n, uint64_t seqs,
                   uint64_t ts_begin, uint64_t ts_end, const char *what)
{
    struct report_discard d = {
        .n = n, .seqs = seqs, .ts_begin = ts_begin, .ts_end = ts_end,
        .told_ts = r->last_ts,
    };
    snprintf(d.what, sizeof d.what, "%s", what ? what : "events");
    if (report_shows_losses(r) && r->opts.format == REPORT_RAW
        && r->opts.live) {
        report_loss_show(r, &d, stderr);
    }
    if (r->n_discards == REPORT_MAX_DISCARDS) {
        return NULL;
    }
    r->discards[r->n_discards] = d;
    return &r->discards[r->n_discards++];
}

void
report_print_n_what(FILE *f, uint64_t n, const char *what)
{
    static const char events[] = "events";
    if (n == 1 && !strncmp(what, events, sizeof events - 1)) {
        fprintf(f, "1 event%s", what + sizeof events - 1);
    } else {
        fprintf(f, "%" PRIu64 " %s", n, what);
    }
}

const char *
report_format_lttng_loss(char *buf, size_t size, uint64_t lttng_n,
                         uint64_t seqs)
{
    char counted[48], missing[48] = "";
    if (lttng_n) {
        snprintf(counted, sizeof counted, "LTTng: %" PRIu64 " discarded",
                 lttng_n);
    } else {
        snprintf(counted, sizeof counted, "LTTng did not count them");
    }
    if (seqs) {
        snprintf(missing, sizeof missing, "; %" PRIu64 " seq%s missing",
                 seqs, uk_plural(seqs));
    }
    snprintf(buf, size, "%s%s", counted, missing);
    return buf;
}

/* ==== A loss in the raw and Chrome views ====
 *
 * The raw view warns of each loss on stderr, the Chrome view shows it as
 * an instant event, each with the count the audit's summary gives it
 * (report_loss_count()).  That count is not known where the loss is told:
 * the seqs missing that a loss takes in are found after it (a loss of
 * LTTng's is told before the gaps of its range, a head's before its
 * stream's first packet, a lost packet leaves gaps among other CPUs'
 * events that widen the first one told), until the end of the input.  So
 * a loss kept in 'discards' is said at the end (report_losses_show()),
 * when the audit prints its summary.  That costs no streaming: the output
 * of both views waits in a spool until then anyway ('held_out'), and the
 * losses kept are at most REPORT_MAX_DISCARDS.  Those past them are final
 * when they leave the recent ones (report_loss_recent(): no gap is matched
 * to them after that), or at the end: said then, the raw view's after the
 * kept ones ('loss_spool'), so that the warnings stay about in the order
 * of the losses, as babeltrace2 prints its own (those that leave the
 * recent ones, in the order their ranges end).  A live raw view, whose
 * events are printed as they come, says each loss at once, as babeltrace2
 * does, with what is known then. */

/* True for a view that says the losses (raw and Chrome). */
static bool
report_shows_losses(const struct report *r)
{
    return (r->opts.mode == REPORT_VIEW && !r->opts.on_event
            && (r->opts.format == REPORT_RAW
                || r->opts.format == REPORT_CHROME));
}

/* Says loss 'd': the raw view's warning on 'warn', or the Chrome view's
 * instant event. */
static void
report_loss_show(struct report *r, const struct report_discard *d,
                 FILE *warn)
{
    if (r->opts.format == REPORT_CHROME) {
        report_chrome_discarded(r, d);
        return;
    }
    uint64_t n = report_loss_count(d->n, d->seqs);
    if (n) {
        fputs("ukdb: warning: ", warn);
        report_print_n_what(warn, n, d->what);
        fputs(" lost\n", warn);
    } else {
        fprintf(warn, "ukdb: warning: an unknown number of %s lost\n",
                d->what);
    }
}

/* A loss past those kept (not in 'discards'), final: said now, the raw
 * view's after the kept ones. */
static void
report_loss_unkept(struct report *r, const struct report_discard *d)
{
    if (!report_shows_losses(r)
        || (r->opts.format == REPORT_RAW && r->opts.live)) {
        return;                 /* Said already, or not at all. */
    }
    if (r->opts.format == REPORT_RAW && !r->loss_spool) {
        r->loss_spool = tmpfile();
        if (!r->loss_spool) {
            r->loss_spool = stderr;     /* Without one: at once. */
        }
    }
    report_loss_show(r, d, r->loss_spool);
}

/* The loss of stream head 'h', not kept, to 'ts_end'. */
static void
report_loss_head_unkept(struct report *r, const struct report_head *h,
                        uint64_t ts_end)
{
    struct report_discard tmp = {
        .ts_begin = h->loss_begin, .ts_end = ts_end,
        .told_ts = h->loss_begin, .number = h->number,
    };
    snprintf(tmp.what, sizeof tmp.what, "%s", h->what);
    report_loss_unkept(r, &tmp);
}

/* qsort() comparison of losses by their numbers. */
static int
report_discard_cmp(const void *a_, const void *b_)
{
    const struct report_discard *a = a_, *b = b_;
    return a->number < b->number ? -1 : a->number > b->number;
}

/* At the end of the input, the losses kept and the recent ones have their
 * counts: said, then those past them. */
static void
report_losses_show(struct report *r)
{
    if (!report_shows_losses(r)
        || (r->opts.format == REPORT_RAW && r->opts.live)) {
        return;
    }
    /* In the order they were told. */
    qsort(r->recent, r->n_recent, sizeof *r->recent, report_discard_cmp);
    for (size_t i = 0; i < r->n_recent; i++) {
        report_loss_unkept(r, &r->recent[i]);
    }
    r->n_recent = 0;
    for (size_t i = 0; i < r->n_discards; i++) {
        report_loss_show(r, &r->discards[i], stderr);
    }
    if (r->loss_spool && r->loss_spool != stderr) {
        report_copy_file(r->loss_spool, stderr);
        fclose(r->loss_spool);
    }
    r->loss_spool = NULL;
}
void
report_copy_file(FILE *from, FILE *to)
{
    char buf[65536];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof buf, from)) > 0) {
        fwrite(buf, 1, n, to);
    }
}

bool
report_mixed_programs(struct report *r, char *buf, size_t size)
{
    report_sync(r);
    report_flush(r, true);
    return !r->opts.on_event && lifecycle_mixed_programs(r->lc, r->ts0, buf,
                                                         size);
}

/* Says on 'f' that the view selected nothing: "no ukey matched", with
 * the filter that names nothing in the trace, most likely a typo.  Every
 * format says it (the raw and Chrome views, with nothing selected, said
 * nothing, as if the trace were empty). */
static void
report_none_matched(const struct report *r, FILE *f)
{
    if (r->opts.flow && !r->flow_match.n) {
        fprintf(f, "no ukey matched: the trace declares no flow named "
                "'%s'\n", r->opts.flow);
    } else if (r->opts.thread && !r->thread_seen) {
        fprintf(f, "no ukey matched: the trace starts no thread named "
                "'%s'\n", r->opts.thread);
    } else if (r->opts.ukey_id && !r->ukey_seen) {
        fprintf(f, "no ukey matched: the trace has no ukey#%" PRIu64 "\n",
                r->opts.ukey_id);
    } else {
        fputs("no ukey matched\n", f);
    }
}

int
report_finish(struct report *r)
{
    report_sync(r);
    report_flush(r, true);
    if (r->opts.on_event) {
        return 0;
    }
    for (size_t i = 0; i < r->n_heads; i++) {
        const struct report_head *h = &r->heads[i];
        if (h->state == REPORT_HEAD_OPEN && h->discard == SIZE_MAX) {
            report_loss_head_unkept(r, h, UINT64_MAX);  /* To the end. */
        }
    }
    report_losses_show(r);
    struct lifecycle_summary before;
    lifecycle_get_summary(r->lc, &before);
    lifecycle_finish(r->lc);
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
    }

    struct lifecycle_summary s;
    lifecycle_get_summary(r->lc, &s);
    s.n_live = before.n_live;   /* lifecycle_finish() reports them all. */
    if (r->opts.mode == REPORT_AUDIT) {
        return report_audit_finish(r, &s);
    }

    report_view_finish(r);
    if (!r->n_printed) {
        /* The text view says it in its output; the others on stderr, so
         * that theirs stays a document (or nothing, raw). */
        report_none_matched(r, r->opts.format == REPORT_TEXT
                               ? r->out : stderr);
    }
    switch (r->opts.format) {
    case REPORT_TEXT:
        break;
    case REPORT_JSON:
        fputs(r->started ? "\n]}\n" : "{\"ukeys\":[]}\n", r->out);
        break;
    case REPORT_CHROME:
        report_chrome_finish(r);
        break;
    case REPORT_RAW:
    case N_REPORT_FORMATS:
        break;
    }
    if (r->held_out) {
        report_copy_file(r->out, r->held_out);
        fclose(r->out);
        r->out = r->vout = r->held_out;
        r->held_out = NULL;
    }
    fflush(r->out);
    return 0;
}

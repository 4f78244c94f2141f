/* SPDX-License-Identifier: Apache-2.0 */
/* The audit and the timelines (see report.h).  Events go through a small
 * tie buffer (equal timestamps are put in seq order), then to the lifecycle
 * fold, whose callbacks print violations as they are found and timelines as
 * ukeys are freed; report_finish() prints the summary. */
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

/* ==== Map ==== */

static size_t
report_map_slot(const struct report_map *m, uint64_t key)
{
    return (size_t) uk_mix64(key) & (m->n_slots - 1);
}

bool
report_map_get(const struct report_map *m, uint64_t key, uint64_t *value)
{
    if (!m->n_slots) {
        return false;
    }
    for (size_t i = report_map_slot(m, key); m->keys[i];
         i = (i + 1) & (m->n_slots - 1)) {
        if (m->keys[i] == key) {
            *value = m->values[i];
            return true;
        }
    }
    return false;
}

void
report_map_put(struct report_map *m, uint64_t key, uint64_t value)
{
    if ((m->n + 1) * 2 > m->n_slots) {
        struct report_map new = { .n_slots = m->n_slots ? m->n_slots * 2
                                                        : 64 };
        new.keys = uk_xcalloc(new.n_slots, sizeof *new.keys);
        new.values = uk_xcalloc(new.n_slots, sizeof *new.values);
        for (size_t i = 0; i < m->n_slots; i++) {
            if (m->keys[i]) {
                report_map_put(&new, m->keys[i], m->values[i]);
            }
        }
        report_map_destroy(m);
        *m = new;
    }
    size_t i = report_map_slot(m, key);
    while (m->keys[i] && m->keys[i] != key) {
        i = (i + 1) & (m->n_slots - 1);
    }
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->n++;
    }
    m->values[i] = value;
}

void
report_map_remove(struct report_map *m, uint64_t key)
{
    if (!m->n_slots) {
        return;
    }
    size_t mask = m->n_slots - 1;
    size_t i = report_map_slot(m, key);
    while (m->keys[i] != key) {
        if (!m->keys[i]) {
            return;
        }
        i = (i + 1) & mask;
    }
    /* Backward-shift deletion: no tombstones. */
    for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        size_t home = report_map_slot(m, m->keys[j]);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->values[i] = m->values[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->n--;
}

void
report_map_destroy(struct report_map *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

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
    *out = (struct report_bound) { .set = true, .relative = true,
                                   .value = sec * 1000000000 + ns };
    return true;
}

bool
report_parse_bound(const char *s, struct report_bound *out)
{
    bool is_seq = false;
    if (*s == '+') {
        return report_parse_relative(s, out);
    }
    if (!strncmp(s, "seq:", 4) || !strncmp(s, "seq=", 4)) {
        is_seq = true;
        s += 4;
    } else if (*s == '#') {
        is_seq = true;
        s++;
    }
    if (*s < '0' || *s > '9') {
        return false;
    }
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end && (is_seq || strcmp(end, "ns"))) {
        return false;
    }
    *out = (struct report_bound) { .set = true, .is_seq = is_seq,
                                   .value = v };
    return true;
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
    putc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else {
            putc(c, f);
        }
    }
    putc('"', f);
}

/* Prints 'ts' relative to the first event as "+S.NNNNNNNNN". */
void
report_print_rel_ts(const struct report *r, FILE *f, uint64_t ts)
{
    uint64_t rel = ts >= r->ts0 ? ts - r->ts0 : 0;
    fprintf(f, "+%" PRIu64 ".%09" PRIu64, rel / 1000000000,
            rel % 1000000000);
}

const char *
report_flow_name(const struct report *r, uint64_t ufid)
{
    uint64_t v;
    return report_map_get(&r->flow_names, ufid, &v)
           ? (const char *) (uintptr_t) v : NULL;
}

/* ==== Filters ==== */

bool
report_in_bounds(const struct report *r, uint64_t seq, uint64_t ts)
{
    const struct report_bound *b = &r->opts.begin, *e = &r->opts.end;
    if (b->set && (b->is_seq ? seq : ts)
                  < b->value + (b->relative ? r->ts0 : 0)) {
        return false;
    }
    if (e->set && (e->is_seq ? seq : ts)
                  > e->value + (e->relative ? r->ts0 : 0)) {
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
    if (r->opts.thread && e->type != UK_EV_THREAD_START
        && !report_thread_selected(r, e->thread_id)) {
        return false;
    }
    return report_in_bounds(r, e->seq, e->ts);
}

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

/* "event #INDEX seq=SEQ at +S.NNNNNNNNN by THREAD". */
static void
line_evidence(const struct report *r, struct line *l,
              const struct lifecycle_evidence *ev)
{
    uint64_t rel = ev->ts >= r->ts0 ? ev->ts - r->ts0 : 0;
    const char *name = lifecycle_thread_name(r->lc, ev->thread_id);

    LINE_LIT(l, "event #");
    line_u64(l, ev->index, 0);
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

static void
print_violation_text(const struct report *r, FILE *f,
                     const struct lifecycle_violation *v)
{
    const struct ukey_event *e = &v->event;
    const char *flow = report_flow_name(r, e->ufid);
    struct line l;

    l.f = f;
    l.n = 0;
    LINE_LIT(&l, "violation: ");
    line_str(&l, uk_severity_name(e->result));
    LINE_LIT(&l, " ");
    line_str(&l, uk_violation_kind_name(e->kind));
    LINE_LIT(&l, " ukey#");
    line_u64(&l, e->ukey_id, 0);
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
    fprintf(f, "{\"index\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"ts\":%" PRIu64
            ",\"thread_id\":%" PRIu32 ",\"thread\":", ev->index, ev->seq,
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
    const char *flow = report_flow_name(r, e->ufid);
    if (flow) {
        report_json_string(f, flow);
    } else {
        fputs("null", f);
    }
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
        print_violation_text(r, r->vout, v);
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

struct report *
report_create(const struct report_options *options)
{
    struct report *r = uk_xzalloc(sizeof *r);

    r->opts = *options;
    r->opts.flow = options->flow ? uk_xstrdup(options->flow) : NULL;
    r->opts.thread = options->thread ? uk_xstrdup(options->thread) : NULL;
    r->out = options->out ? options->out : stdout;
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
        .stuck_rounds = 6,
        .slowpath_rounds = 3,
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
        .aux = r,
    };
    r->lc = lifecycle_create(&lo, &cbs);
    if (lo.keep_steps) {
        report_view_start(r);
    }
    r->tie = uk_xcalloc(REPORT_TIE_CAP, sizeof *r->tie);
    return r;
}

void
report_destroy(struct report *r)
{
    if (!r) {
        return;
    }
    lifecycle_destroy(r->lc);
    report_view_destroy(r);
    if (r->vout && r->vout != r->out) {
        fclose(r->vout);
    }
    free((char *) r->opts.flow);
    free((char *) r->opts.thread);
    free(r->tie);
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
    return r->n_fed + r->n_tie;
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

static struct report_discard *report_loss_record(struct report *,
                                                 uint64_t n,
                                                 uint64_t ts_begin,
                                                 uint64_t ts_end,
                                                 const char *what);
static void report_loss_final(struct report *, const struct report_discard *);

/* Opens the loss of stream head 'h', from 'ts' until its first packet
 * (report_stream_head()). */
static void
report_head_open(struct report *r, struct report_head *h, uint64_t ts)
{
    h->state = REPORT_HEAD_OPEN;
    h->loss_begin = ts;
    if (r->opts.on_discarded) {
        return;                 /* Told once its range is known. */
    }
    lifecycle_discard_open(r->lc, ts);
    struct report_discard *d = report_loss_record(r, 0, ts, UINT64_MAX,
                                                  h->what);
    h->discard = d ? (size_t) (d - r->discards) : SIZE_MAX;
}

/* Ends the open loss of stream head 'h' at 'ts'. */
static void
report_head_close(struct report *r, struct report_head *h, uint64_t ts)
{
    h->state = REPORT_HEAD_DONE;
    if (r->opts.on_discarded) {
        r->opts.on_discarded(0, h->loss_begin, ts, r->opts.aux);
        return;
    }
    lifecycle_discard_close(r->lc, ts);
    if (h->discard != SIZE_MAX) {
        r->discards[h->discard].ts_end = ts;
        report_loss_final(r, &r->discards[h->discard]);
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

static void
report_process(struct report *r, const struct ukey_event *e)
{
    if (!r->heads_done) {
        report_heads(r, e);
    }
    if (e->ts > r->next_tail_ts) {
        report_tails(r, e);
    }
    if (r->opts.on_event) {
        r->n_fed++;
        r->opts.on_event(e, r->opts.aux);
        return;
    }
    if (!r->have_ts0) {
        r->have_ts0 = true;
        r->ts0 = e->ts;
    }
    r->last_ts = e->ts;
    if (e->type == UK_EV_FLOW && e->ufid && e->name) {
        report_map_put(&r->flow_names, e->ufid, (uintptr_t) e->name);
        if (r->opts.flow && !strcmp(e->name, r->opts.flow)) {
            report_map_put(&r->flow_match, e->ufid, 1);
        }
    }

    lifecycle_feed(r->lc, e, r->n_fed++);

    if (r->opts.mode == REPORT_VIEW) {
        if (r->opts.format == REPORT_RAW) {
            if (report_event_selected(r, e)) {
                char line[1024];
                uk_event_format_canonical(e, line, sizeof line);
                fprintf(r->out, "%s\n", line);
            }
        } else if (r->opts.format == REPORT_CHROME) {
            report_chrome_event(r, e);
        }
    }
    if (r->opts.progress && !(r->n_fed & 0xffff)) {
        report_progress(r);
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

struct ukey_event *
report_event_slot(struct report *r)
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

void
report_event_commit(struct report *r)
{
    const struct ukey_event *e = &r->tie[r->tie_base + r->n_tie];
    if (r->n_tie
        && (r->tie[r->tie_base].ts != e->ts || r->n_tie == REPORT_TIE_MAX)) {
        report_flush_ties(r);   /* 'e' is now first in the window. */
    }
    r->n_tie++;
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
    report_flush_ties(r);
    report_loss(r, n, ts_begin, ts_end, what);
}

/* report_discarded() without the flush (also called from it). */
static void
report_loss(struct report *r, uint64_t n, uint64_t ts_begin, uint64_t ts_end,
            const char *what)
{
    if (r->opts.on_discarded) {
        r->opts.on_discarded(n, ts_begin, ts_end, r->opts.aux);
        return;
    }
    lifecycle_discarded(r->lc, n, ts_begin, ts_end);
    const struct report_discard *d = report_loss_record(r, n, ts_begin,
                                                        ts_end, what);
    if (d) {
        report_loss_final(r, d);
    }
}

/* Keeps a loss for the summary, and says it in the raw view.  Returns
 * where it is kept, or NULL past REPORT_MAX_DISCARDS. */
static struct report_discard *
report_loss_record(struct report *r, uint64_t n, uint64_t ts_begin,
                   uint64_t ts_end, const char *what)
{
    if (r->opts.mode == REPORT_VIEW && r->opts.format == REPORT_RAW) {
        const char *w = what ? what : "events";
        if (n) {
            fprintf(stderr, "ukdb: warning: %" PRIu64 " %s lost\n", n, w);
        } else {
            fprintf(stderr, "ukdb: warning: an unknown number of %s lost\n",
                    w);
        }
    }
    if (r->n_discards == REPORT_MAX_DISCARDS) {
        return NULL;
    }
    struct report_discard *d = &r->discards[r->n_discards++];
    d->n = n;
    d->ts_begin = ts_begin;
    d->ts_end = ts_end;
    snprintf(d->what, sizeof d->what, "%s", what ? what : "events");
    return d;
}

/* Loss 'd' has its range: the Chrome view shows it. */
static void
report_loss_final(struct report *r, const struct report_discard *d)
{
    if (r->opts.mode == REPORT_VIEW && r->opts.format == REPORT_CHROME) {
        report_chrome_discarded(r, d);
    }
}

/* ==== The audit summary ==== */

struct flow_print {
    struct report *r;
    size_t n;
    bool json;
    struct lifecycle_flow total;
};

#define REPORT_MAX_TEXT_FLOWS 20

static void
print_flow(const struct lifecycle_flow *fl, void *fp_)
{
    struct flow_print *fp = fp_;
    FILE *f = fp->r->out;
    const char *name = fl->flow_name ? fl->flow_name
                                     : report_flow_name(fp->r, fl->ufid);

    fp->total.upcalls += fl->upcalls;
    fp->total.slowpath_packets += fl->slowpath_packets;
    fp->total.fastpath_packets += fl->fastpath_packets;
    fp->total.attributed_packets += fl->attributed_packets;
    fp->total.slowpath_windows += fl->slowpath_windows;
    if (fl->longest_window_rounds > fp->total.longest_window_rounds) {
        fp->total.longest_window_rounds = fl->longest_window_rounds;
    }
    if (fl->longest_window_ns > fp->total.longest_window_ns) {
        fp->total.longest_window_ns = fl->longest_window_ns;
    }
    if (fp->json) {
        fprintf(f, "%s{\"ufid\":\"%016" PRIx64 "\",\"pmd_id\":%" PRIu32
                ",\"flow\":", fp->n ? "," : "", fl->ufid, fl->pmd_id);
        if (name) {
            report_json_string(f, name);
        } else {
            fputs("null", f);
        }
        fprintf(f, ",\"upcalls\":%" PRIu64 ",\"slowpath_packets\":%" PRIu64
                ",\"fastpath_packets\":%" PRIu64
                ",\"attributed_packets\":%" PRIu64
                ",\"slowpath_windows\":%" PRIu64
                ",\"longest_window_rounds\":%" PRIu64
                ",\"longest_window_ns\":%" PRIu64 "}",
                fl->upcalls, fl->slowpath_packets, fl->fastpath_packets,
                fl->attributed_packets, fl->slowpath_windows,
                fl->longest_window_rounds, fl->longest_window_ns);
    } else if (fp->n < REPORT_MAX_TEXT_FLOWS) {
        fprintf(f, "  %-12s ufid=%016" PRIx64 " pmd=%" PRIu32
                " upcalls=%" PRIu64
                " slowpath=%" PRIu64 " fastpath=%" PRIu64 " windows=%"
                PRIu64 " longest=%" PRIu64 " round%s (%" PRIu64 " ns)\n",
                name ? name : "-", fl->ufid, fl->pmd_id, fl->upcalls,
                fl->slowpath_packets, fl->fastpath_packets,
                fl->slowpath_windows, fl->longest_window_rounds,
                uk_plural(fl->longest_window_rounds),
                fl->longest_window_ns);
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
    fprintf(f, "\nviolations: %" PRIu64 " (%" PRIu64 " errors, %" PRIu64
            " warnings)", s->n_violations, r->n_errors, r->n_warnings);
    for (int i = 0; i < N_UK_VIOLATION_KINDS; i++) {
        if (s->by_violation[i]) {
            fprintf(f, " %s=%" PRIu64, uk_violation_kind_name(i),
                    s->by_violation[i]);
        }
    }
    putc('\n', f);

    struct flow_print fp = { .r = r };
    struct lifecycle_flow omitted;
    fputs("flows:\n", f);
    uint64_t n_omitted = lifecycle_for_each_flow(r->lc, print_flow, &fp,
                                                 &omitted);
    if (n_omitted) {
        fp.n += n_omitted;
        fp.total.upcalls += omitted.upcalls;
        fp.total.slowpath_packets += omitted.slowpath_packets;
        fp.total.fastpath_packets += omitted.fastpath_packets;
        fp.total.attributed_packets += omitted.attributed_packets;
        fp.total.slowpath_windows += omitted.slowpath_windows;
        if (omitted.longest_window_rounds > fp.total.longest_window_rounds) {
            fp.total.longest_window_rounds = omitted.longest_window_rounds;
        }
        if (omitted.longest_window_ns > fp.total.longest_window_ns) {
            fp.total.longest_window_ns = omitted.longest_window_ns;
        }
    }
    if (fp.n > REPORT_MAX_TEXT_FLOWS) {
        fprintf(f, "  ... and %zu more\n", fp.n - REPORT_MAX_TEXT_FLOWS);
    }
    fprintf(f, "  total: %zu flow%s, upcalls=%" PRIu64 " slowpath=%" PRIu64
            " fastpath=%" PRIu64 " windows=%" PRIu64 " longest=%" PRIu64
            " round%s (%" PRIu64 " ns)\n", fp.n, uk_plural(fp.n),
            fp.total.upcalls,
            fp.total.slowpath_packets, fp.total.fastpath_packets,
            fp.total.slowpath_windows, fp.total.longest_window_rounds,
            uk_plural(fp.total.longest_window_rounds),
            fp.total.longest_window_ns);

    if (s->n_discard_reports) {
        char lost[64];
        fprintf(f, "lost events: %s in %" PRIu64 " report%s (verdicts of"
                " the ukeys alive then are inconclusive)\n",
                lifecycle_format_lost(lost, sizeof lost, s->discarded_events,
                                      s->n_discard_unknown),
                s->n_discard_reports, s->n_discard_reports == 1 ? "" : "s");
        for (size_t i = 0; i < r->n_discards; i++) {
            const struct report_discard *d = &r->discards[i];
            fputs("  ", f);
            if (d->n) {
                fprintf(f, "%" PRIu64 " ", d->n);
            } else {
                fputs("unknown number of ", f);
            }
            fprintf(f, "%s between ", d->what);
            report_print_rel_ts(r, f, d->ts_begin);
            if (d->ts_end == UINT64_MAX) {
                fputs(" and the end", f);
            } else {
                fputs(" and ", f);
                report_print_rel_ts(r, f, d->ts_end);
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
    fprintf(f, "result: %s\n", verdict);
}

static void
print_audit_json(struct report *r, const struct lifecycle_summary *s,
                 const char *verdict, int status)
{
    FILE *f = r->out;

    fprintf(f, "{\"events\":%" PRIu64 ",\"ukeys\":%" PRIu64 ",\"live\":%"
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
        fprintf(f, "%s{\"count\":", i ? "," : "");
        if (d->n) {
            fprintf(f, "%" PRIu64, d->n);
        } else {
            fputs("null", f);           /* Unknown. */
        }
        fputs(",\"what\":", f);
        report_json_string(f, d->what);
        fprintf(f, ",\"ts_begin\":%" PRIu64, d->ts_begin);
        if (d->ts_end == UINT64_MAX) {
            fputs(",\"ts_end\":null}", f);    /* The end of the input. */
        } else {
            fprintf(f, ",\"ts_end\":%" PRIu64 "}", d->ts_end);
        }
    }
    fprintf(f, "]},\"result\":\"%s\",\"exit\":%d}\n", verdict, status);
}

bool
report_mixed_programs(struct report *r, char *buf, size_t size)
{
    report_flush_ties(r);
    return !r->opts.on_event && lifecycle_mixed_programs(r->lc, r->ts0, buf,
                                                         size);
}

/* Writes the violation lines kept aside ('vout') to 'out'. */
static void
report_copy_violations(struct report *r)
{
    if (r->vout == r->out) {
        return;
    }
    char buf[65536];
    size_t n;
    rewind(r->vout);
    while ((n = fread(buf, 1, sizeof buf, r->vout)) > 0) {
        fwrite(buf, 1, n, r->out);
    }
    fclose(r->vout);
    r->vout = r->out;
}

int
report_finish(struct report *r)
{
    report_flush_ties(r);
    for (size_t i = 0; i < r->n_heads && !r->opts.on_event; i++) {
        const struct report_head *h = &r->heads[i];
        if (h->state == REPORT_HEAD_OPEN && h->discard != SIZE_MAX) {
            report_loss_final(r, &r->discards[h->discard]);  /* To the end. */
        }
    }
    if (r->opts.on_event) {
        return 0;
    }
    struct lifecycle_summary before;
    lifecycle_get_summary(r->lc, &before);
    lifecycle_finish(r->lc);
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
    }

    struct lifecycle_summary s;
    lifecycle_get_summary(r->lc, &s);
    s.n_live = before.n_live;   /* lifecycle_finish() reports them all. */
    const char *verdict;
    int status = report_status(r, &s, &verdict);

    if (r->opts.mode == REPORT_AUDIT) {
        if (r->opts.format == REPORT_JSON) {
            print_audit_json(r, &s, verdict, status);
        } else {
            report_copy_violations(r);
            print_audit_text(r, &s, verdict);
        }
        fflush(r->out);
        return status;
    }

    report_view_finish(r);
    switch (r->opts.format) {
    case REPORT_TEXT:
        if (!r->n_printed && r->opts.flow && !r->flow_match.n) {
            /* Most likely a typo: say so. */
            fprintf(r->out, "no ukey matched: the trace declares no flow "
                    "named '%s'\n", r->opts.flow);
        } else if (!r->n_printed) {
            fputs("no ukey matched\n", r->out);
        }
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
    fflush(r->out);
    return 0;
}

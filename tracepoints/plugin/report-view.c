/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb view" timelines in text and JSON (the babeltrace2 component
 * sink.ukey.lifecycle): the lifecycle fold reports each ukey when it is
 * freed (or at the end), with its transitions; this file prints it with
 * every violation of the ukey, in seq order among its transitions.
 *
 * The fold reports a use after free once the ukey's lifecycle was
 * reported, and a late transition of a freed ukey numbered in its life
 * (report_view_late_step()), so the timelines go to a spool file, each
 * with room for such late lines before its verdict line (in JSON, at the
 * ends of "transitions" and "violations"), and report_view_finish() copies
 * them out.  Live, where timelines must come as ukeys are freed, a late
 * line follows on its own as "ukey#N (continued)". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/lifecycle.h"
#include "core/util.h"
#include "report-private.h"

/* ==== Kept violations ==== */

/* Appends a copy of 'v' to the chain whose last entry is 'prev'.  Returns
 * its index. */
static size_t
kept_add(struct report *r, const struct lifecycle_violation *v, size_t prev)
{
    size_t i;
    if (r->free_kept != SIZE_MAX) {
        i = r->free_kept;
        r->free_kept = r->kept[i].prev;
    } else {
        r->kept = uk_grow(r->kept, &r->allocated_kept, r->n_kept + 1,
                          sizeof *r->kept);
        i = r->n_kept++;
    }
    r->kept[i].v = *v;
    r->kept[i].v.event.name = uk_xstrdup(v->event.name ? v->event.name : "");
    r->kept[i].step = NULL;
    r->kept[i].prev = prev;
    return i;
}

/* As kept_add(), a copy of late step 's' instead of a violation. */
static size_t
kept_add_step(struct report *r, const struct lifecycle_step *s, size_t prev)
{
    struct lifecycle_violation none;
    memset(&none, 0, sizeof none);
    size_t i = kept_add(r, &none, prev);
    struct lifecycle_step *copy = uk_xmalloc(sizeof *copy);
    *copy = *s;
    r->kept[i].step = copy;
    return i;
}

/* The chain that ends at 'last', first first, in a new array ('*n'
 * entries; NULL if none). */
static size_t *
kept_chain(const struct report *r, size_t last, size_t *n)
{
    *n = 0;
    for (size_t i = last; i != SIZE_MAX; i = r->kept[i].prev) {
        (*n)++;
    }
    if (!*n) {
        return NULL;
    }
    size_t *chain = uk_xmalloc(*n * sizeof *chain);
    size_t k = *n;
    for (size_t i = last; i != SIZE_MAX; i = r->kept[i].prev) {
        chain[--k] = i;
    }
    return chain;
}

/* Frees the 'n' entries of 'chain' (and 'chain'). */
static void
kept_release(struct report *r, size_t *chain, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct report_kept *kp = &r->kept[chain[k]];
        free((char *) kp->v.event.name);
        kp->v.event.name = NULL;
        free((struct lifecycle_step *) kp->step);
        kp->step = NULL;
        kp->prev = r->free_kept;
        r->free_kept = chain[k];
    }
    free(chain);
}

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
    return (report_thread_selected(r, s->thread_id)
            && report_in_bounds(r, s->seq, s->ts));
}

static void
print_step_text(struct report *r, FILE *f, const struct lifecycle_step *s)
{
    char buf[32], tr[64];

    fputs("  ", f);
    report_print_rel_ts(r, f, s->ts);
    snprintf(tr, sizeof tr, "%s -> %s%s%s%s", ukey_state_name(s->from),
             ukey_state_name(s->to), s->result != UK_TR_OK ? " (" : "",
             s->result != UK_TR_OK
             ? uk_transition_result_name(s->result) : "",
             s->result != UK_TR_OK ? ")" : "");
    const char *thread = report_thread_name(r, s->thread_id, buf, sizeof buf);
    fprintf(f, " seq=%-6" PRIu64 " %-*s %-30s %s", s->seq,
            uk_pad(thread, 14), thread, tr,
            s->where ? s->where : "-");
    report_print_late_text(f, s->seq, s->after_seq);
    putc('\n', f);
}

/* A violation as a line of its ukey's timeline: where a transition has
 * its states, "ERROR double-delete: DETAIL". */
static void
print_violation_text(struct report *r, FILE *f,
                     const struct lifecycle_violation *v)
{
    const struct lifecycle_evidence *ev = &v->evidence[0];
    char buf[32];

    fputs("  ", f);
    report_print_rel_ts(r, f, ev->ts);
    const char *thread = report_thread_name(r, ev->thread_id, buf,
                                            sizeof buf);
    fprintf(f, " seq=%-6" PRIu64 " %-*s %s %s: %s\n", ev->seq,
            uk_pad(thread, 14), thread,
            uk_severity_name(v->event.result),
            uk_violation_kind_name(v->event.kind),
            uk_violation_detail(v->event.kind, v->event.name));
}

/* Prints the violations of 'chain' from '*k' on whose seq is below
 * 'below' (all: UINT64_MAX), advancing '*k'; in JSON, as elements of an
 * array that has 'n_before' elements already.  Returns how many were
 * printed. */
static size_t
print_violations_below(struct report *r, FILE *f, const size_t *chain,
                       size_t n, size_t *k, uint64_t below, size_t n_before)
{
    size_t n_shown = 0;
    for (; *k < n && r->kept[chain[*k]].v.evidence[0].seq < below; (*k)++) {
        const struct lifecycle_violation *v = &r->kept[chain[*k]].v;
        const struct lifecycle_step *s = r->kept[chain[*k]].step;
        if (s) {
            /* A late step (only among the late ones, whose 'below' is
             * UINT64_MAX): in text, in the order they came; in JSON, in
             * "transitions" (print_late_steps_json()). */
            if (r->opts.format != REPORT_JSON && step_selected(r, s)) {
                print_step_text(r, f, s);
            }
            continue;
        }
        if (!report_violation_selected(r, v)) {
            continue;
        }
        if (r->opts.format == REPORT_JSON) {
            fputs(n_before + n_shown ? "," : "", f);
            report_print_violation_json(r, f, v);
        } else {
            print_violation_text(r, f, v);
        }
        n_shown++;
    }
    return n_shown;
}

/* Prints the timeline of 'u' with the violations of 'chain' to 'f'. */
static void
print_timeline_text(struct report *r, FILE *f, const struct lifecycle_ukey *u,
                    const size_t *chain, size_t n, struct report_spooled *sp)
{
    const char *flow = (u->flow_name ? u->flow_name
                        : report_flow_name(r, u->ufid));

    fprintf(f, "ukey#%" PRIu64, u->ukey_id);
    if (u->run > 1) {
        /* Ids start over in each run: ukey#1 of run 2 is another. */
        fprintf(f, " (run %" PRIu32 ")", u->run);
    }
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
    size_t k = 0;
    for (size_t i = 0; i < u->n_steps; i++) {
        const struct lifecycle_step *s = &u->steps[i];
        sp->n_shown += print_violations_below(r, f, chain, n, &k, s->seq,
                                              0);
        if (step_selected(r, s)) {
            print_step_text(r, f, s);
        }
    }
    sp->n_shown += print_violations_below(r, f, chain, n, &k, UINT64_MAX,
                                          0);
    sp->tail = sp->steps_tail = ftell(f);
    if (u->verdict != LIFECYCLE_PASS) {
        fprintf(f, "  %s%s%s: %s\n", lifecycle_verdict_name(u->verdict),
                u->verdict == LIFECYCLE_FAIL ? " " : "",
                u->verdict == LIFECYCLE_FAIL
                ? uk_violation_kind_name(u->rule) : "",
                u->verdict == LIFECYCLE_FAIL
                ? uk_violation_detail(u->rule, u->explanation)
                : u->explanation ? u->explanation : "");
    }
}

/* 's' as an element of "transitions", that has 'n_before' elements
 * already. */
static void
print_step_json(struct report *r, FILE *f, const struct lifecycle_step *s,
                size_t n_before)
{
    char buf[32];

    /* "event": the REPL's number of the event, for "goto". */
    fprintf(f, "%s{\"event\":%" PRIu64 ",\"seq\":%" PRIu64
            ",\"ts\":%" PRIu64 ",\"thread_id\":%" PRIu32 ",\"thread\":",
            n_before ? "," : "", s->index + 1, s->seq, s->ts, s->thread_id);
    report_json_string(f, report_thread_name(r, s->thread_id, buf,
                                             sizeof buf));
    fprintf(f, ",\"from\":\"%s\",\"to\":\"%s\",\"result\":\"%s\""
            ",\"where\":", ukey_state_name(s->from), ukey_state_name(s->to),
            uk_transition_result_name(s->result));
    report_json_string(f, s->where);
    report_print_late_json(f, s->after_seq, true);
    putc('}', f);
}

/* Prints the late steps of 'chain' that the filters select, as elements
 * of "transitions" that has 'n_before' elements already. */
static void
print_late_steps_json(struct report *r, FILE *f, const size_t *chain,
                      size_t n, size_t n_before)
{
    for (size_t k = 0; k < n; k++) {
        const struct lifecycle_step *s = r->kept[chain[k]].step;
        if (s && step_selected(r, s)) {
            print_step_json(r, f, s, n_before++);
        }
    }
}

static void
print_timeline_json(struct report *r, FILE *f, const struct lifecycle_ukey *u,
                    const size_t *chain, size_t n, struct report_spooled *sp)
{
    const char *flow = (u->flow_name ? u->flow_name
                        : report_flow_name(r, u->ufid));

    fprintf(f, "{\"id\":%" PRIu64 ",\"run\":%" PRIu32 ",\"ufid\":\"%016"
            PRIx64 "\",\"flow\":", u->ukey_id, u->run, u->ufid);
    report_json_string_or_null(f, flow);
    fprintf(f, ",\"pmd_id\":%" PRIu32 ",\"umap\":%" PRId32
            ",\"state\":\"%s\",\"freed\":%s,\"created_seen\":%s"
            ",\"verdict\":\"%s\",\"rule\":",
            u->pmd_id, u->umap, ukey_state_name(u->state),
            u->freed ? "true" : "false", u->created_seen ? "true" : "false",
            lifecycle_verdict_name(u->verdict));
    report_json_string_or_null(f, u->verdict == LIFECYCLE_FAIL
                                  ? uk_violation_kind_name(u->rule) : NULL);
    fputs(",\"explanation\":", f);
    report_json_string(f, u->explanation);
    fputs(",\"transitions\":[", f);
    sp->n_steps_shown = 0;
    for (size_t i = 0; i < u->n_steps; i++) {
        const struct lifecycle_step *s = &u->steps[i];
        if (step_selected(r, s)) {
            print_step_json(r, f, s, sp->n_steps_shown++);
        }
    }
    sp->steps_tail = ftell(f);
    fputs("],\"violations\":[", f);
    size_t k = 0;
    sp->n_shown = print_violations_below(r, f, chain, n, &k, UINT64_MAX, 0);
    sp->tail = ftell(f);
    fputs("]}", f);
}

/* True if 'u', with the violations of 'chain', is to be shown; a ukey
 * that --ukey and --flow select may still be shown for a late violation
 * (report_view_finish()). */
static bool
timeline_selected(const struct report *r, const struct lifecycle_ukey *u,
                  const size_t *chain, size_t n)
{
    if (r->opts.thread || r->opts.begin.set || r->opts.end.set) {
        /* Only ukeys the thread touched in the range: a transition or a
         * violation.  Without this, a range listed every ukey, most with
         * an empty body. */
        for (size_t i = 0; i < u->n_steps; i++) {
            if (step_selected(r, &u->steps[i])) {
                return true;
            }
        }
        for (size_t k = 0; k < n; k++) {
            if (report_violation_selected(r, &r->kept[chain[k]].v)) {
                return true;
            }
        }
        return false;
    }
    return true;
}

/* Starts the next timeline on the output: the JSON array's opening or a
 * comma, or the blank line between two text timelines. */
static void
timeline_separator(struct report *r)
{
    if (r->opts.format == REPORT_JSON) {
        fputs(r->started ? ",\n" : "{\"ukeys\":[\n", r->out);
        r->started = true;
    } else if (r->n_printed) {
        putc('\n', r->out);
    }
    r->n_printed++;
}

void
report_view_ukey_done(const struct lifecycle_ukey *u, void *r_)
{
    struct report *r = r_;
    uint64_t last1 = 0;
    size_t n = 0;

    if (report_map_get(&r->pending, u->ukey_id, &last1)) {
        report_map_remove(&r->pending, u->ukey_id);
    }
    size_t *chain = last1 ? kept_chain(r, (size_t) last1 - 1, &n) : NULL;
    bool shown = ukey_selected(r, u) && timeline_selected(r, u, chain, n);
    /* A freed ukey the filters leave out may have a violation to come
     * that they select (a second free): spooled, hidden until then. */
    bool hidden = !shown && r->spool && u->freed && ukey_selected(r, u);
    if (r->opts.mode != REPORT_VIEW || (!shown && !hidden)
        || (r->opts.format != REPORT_TEXT && r->opts.format != REPORT_JSON)) {
        kept_release(r, chain, n);
        return;
    }

    FILE *f = r->spool ? r->spool : r->out;
    if (!r->spool) {
        timeline_separator(r);
    }
    struct report_spooled sp = { .body = ftell(f), .late = SIZE_MAX,
                                 .hidden = hidden };
    if (r->opts.format == REPORT_TEXT) {
        print_timeline_text(r, f, u, chain, n, &sp);
    } else {
        print_timeline_json(r, f, u, chain, n, &sp);
    }
    sp.end = ftell(f);
    kept_release(r, chain, n);
    if (r->spool) {
        r->spooled = uk_grow(r->spooled, &r->allocated_spooled,
                             r->n_spooled + 1, sizeof *r->spooled);
        r->spooled[r->n_spooled++] = sp;
    }
    report_map_put(&r->printed, u->ukey_id, r->spool ? r->n_spooled : 1);
}

/* A violation of a ukey printed already, live: on its own. */
static void
print_continued(struct report *r, const struct lifecycle_violation *v)
{
    if (!report_violation_selected(r, v)) {
        return;
    }
    if (r->opts.format == REPORT_JSON) {
        fprintf(r->out, ",\n{\"id\":%" PRIu64 ",\"continued\":true,"
                "\"violations\":[", v->event.ukey_id);
        report_print_violation_json(r, r->out, v);
        fputs("]}", r->out);
    } else {
        fprintf(r->out, "\nukey#%" PRIu64 " (continued)\n",
                v->event.ukey_id);
        print_violation_text(r, r->out, v);
    }
}

/* A late step of a ukey printed already, live: on its own. */
static void
print_continued_step(struct report *r, uint64_t id,
                     const struct lifecycle_step *s)
{
    if (!step_selected(r, s)) {
        return;
    }
    if (r->opts.format == REPORT_JSON) {
        fprintf(r->out, ",\n{\"id\":%" PRIu64 ",\"continued\":true,"
                "\"transitions\":[", id);
        print_step_json(r, r->out, s, 0);
        fputs("],\"violations\":[]}", r->out);
    } else {
        fprintf(r->out, "\nukey#%" PRIu64 " (continued)\n", id);
        print_step_text(r, r->out, s);
    }
}

/* The fold's late transition of freed ukey 'id' (its 'ukey_late_step'
 * callback): the ukey's timeline was printed (or not selected), so, as a
 * use after free, it goes in the spool's timeline where the fold took
 * it, after what the timeline has. */
void
report_view_late_step(uint64_t id, const struct lifecycle_step *s, void *r_)
{
    struct report *r = r_;
    uint64_t value;

    if ((r->opts.format != REPORT_TEXT && r->opts.format != REPORT_JSON)
        || (r->opts.ukey_id && id != r->opts.ukey_id)
        || !report_map_get(&r->printed, id, &value)) {
        return;
    }
    if (!r->spool) {
        print_continued_step(r, id, s);
    } else {
        struct report_spooled *sp = &r->spooled[value - 1];
        sp->late = kept_add_step(r, s, sp->late);
    }
}

void
report_view_violation(struct report *r, const struct lifecycle_violation *v)
{
    uint64_t id = v->event.ukey_id;
    uint64_t value;

    if ((r->opts.format != REPORT_TEXT && r->opts.format != REPORT_JSON)
        || !id || (r->opts.ukey_id && id != r->opts.ukey_id)) {
        return;
    }
    if (v->event.kind != UK_VIOL_USE_AFTER_FREE) {
        /* Its lifecycle is not reported yet. */
        size_t prev = (report_map_get(&r->pending, id, &value)
                       ? (size_t) value - 1 : SIZE_MAX);
        report_map_put(&r->pending, id, kept_add(r, v, prev) + 1);
    } else if (report_map_get(&r->printed, id, &value)) {
        /* After its free: its timeline was printed (or not selected). */
        if (!r->spool) {
            print_continued(r, v);
        } else {
            struct report_spooled *sp = &r->spooled[value - 1];
            sp->late = kept_add(r, v, sp->late);
        }
    }
}

void
report_view_start(struct report *r)
{
    r->free_kept = SIZE_MAX;
    if (!r->opts.live) {
        r->spool = tmpfile();       /* Without one: as live. */
    }
}

/* Copies 'size' bytes of the spool to the output. */
static void
spool_copy(struct report *r, long size)
{
    char buf[8192];
    while (size > 0) {
        size_t chunk = (size_t) size < sizeof buf ? (size_t) size : sizeof buf;
        size_t got = fread(buf, 1, chunk, r->spool);
        if (!got) {
            break;
        }
        fwrite(buf, 1, got, r->out);
        size -= (long) got;
    }
}

void
report_view_finish(struct report *r)
{
    if (!r->spool) {
        return;
    }
    for (size_t i = 0; i < r->n_spooled; i++) {
        struct report_spooled *sp = &r->spooled[i];
        size_t n;
        size_t *chain = kept_chain(r, sp->late, &n);
        bool late_shown = false;
        for (size_t k = 0; k < n && !late_shown; k++) {
            const struct report_kept *kp = &r->kept[chain[k]];
            late_shown = (kp->step ? step_selected(r, kp->step)
                          : report_violation_selected(r, &kp->v));
        }
        if (sp->hidden && !late_shown) {
            kept_release(r, chain, n);
            sp->late = SIZE_MAX;
            continue;
        }
        timeline_separator(r);
        fseek(r->spool, sp->body, SEEK_SET);
        spool_copy(r, sp->steps_tail - sp->body);
        if (r->opts.format == REPORT_JSON) {
            print_late_steps_json(r, r->out, chain, n, sp->n_steps_shown);
        }
        spool_copy(r, sp->tail - sp->steps_tail);
        size_t k = 0;
        /* The comma comes with a late violation that is shown: one that
         * the filters leave out left a dangling one. */
        print_violations_below(r, r->out, chain, n, &k, UINT64_MAX,
                               sp->n_shown);
        kept_release(r, chain, n);
        sp->late = SIZE_MAX;
        spool_copy(r, sp->end - sp->tail);
    }
    fclose(r->spool);
    r->spool = NULL;
}

void
report_view_destroy(struct report *r)
{
    for (size_t i = 0; i < r->n_kept; i++) {
        free((char *) r->kept[i].v.event.name);
        free((struct lifecycle_step *) r->kept[i].step);
    }
    free(r->kept);
    free(r->spooled);
    report_map_destroy(&r->pending);
    report_map_destroy(&r->printed);
    if (r->spool) {
        fclose(r->spool);
    }
}

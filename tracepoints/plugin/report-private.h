/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the report (report.c) shared with its map (report-map.c),
 * its order (report-order.c), the audit's output (report-audit.c), the
 * text and JSON views (report-view.c) and the Chrome trace-event writer
 * (report-chrome.c). */
#ifndef UKDB_TRACEPOINTS_PLUGIN_REPORT_PRIVATE_H
#define UKDB_TRACEPOINTS_PLUGIN_REPORT_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/event.h"
#include "core/lifecycle.h"
#include "report.h"

/* ==== A map from uint64_t to uint64_t (report-map.c) ==== */

/* Open addressing with linear probing and backward-shift deletion; key 0 is
 * never stored (ids and ufids start at 1). */
struct report_map {
    uint64_t *keys;             /* (owned) 0 = empty. */
    uint64_t *values;           /* (owned) */
    size_t n_slots;             /* Power of 2, or 0. */
    size_t n;
};

bool report_map_get(const struct report_map *, uint64_t key,
                    uint64_t *value);
void report_map_put(struct report_map *, uint64_t key, uint64_t value);
void report_map_remove(struct report_map *, uint64_t key);
void report_map_destroy(struct report_map *);

/* ==== The fold thread (report-pipe.c) ==== */

/* With 'opts.fold_thread', a report's events are folded on a thread of
 * its own, in batches, while the caller decodes the next ones.  The
 * functions below are the caller's side: report_pipe_slot() and
 * report_pipe_commit() stand for report_event_slot() and
 * report_event_commit(); report_pipe_sync() returns once every event
 * committed is folded, after which the caller may use the report until it
 * commits again.  Only one thread may call them.  The fold thread feeds
 * each event to report_take(). */
struct report_pipe;
struct report;

/* Starts the fold thread of 'r'.  Returns NULL if it cannot: then the
 * caller folds. */
struct report_pipe *report_pipe_create(struct report *r);
struct ukey_event *report_pipe_slot(struct report_pipe *);
void report_pipe_commit(struct report_pipe *);
void report_pipe_sync(struct report_pipe *);
/* Folds what is left, stops and joins the thread, frees 'p'.  Accepts
 * NULL. */
void report_pipe_destroy(struct report_pipe *p);

/* Feeds 'e' to the fold of 'r' on the calling thread (report.c). */
void report_take(struct report *r, const struct ukey_event *e);

/* ==== Held events (report-hold.c) ==== */

/* The events the fold holds while a lower seq is missing (report-order.c,
 * "The fold's order"), taken out lowest seq first, and those of one seq in the
 * order they came.  The events wait in slots; most are found through a
 * ring by seq, put and taken in constant time.  Those the ring cannot
 * take (a seq that came twice, or one farther from those in the ring than
 * the ring is long) are found through a heap.  Part of a report: used by
 * one thread at a time, the one folding (report-pipe.c), no lock. */

/* A key of the heap. */
struct report_held {
    uint64_t seq;
    uint64_t taken;                 /* Order of coming, among one seq's. */
    uint32_t slot;                  /* In 'events'. */
};

struct report_hold {
    struct ukey_event *events;      /* (owned) Slots, 'n' in use. */
    size_t allocated_events;
    uint32_t *free_slots;           /* (owned) Free slots below the top
                                     * ('allocated_events' entries). */
    size_t n_free;
    size_t n;                       /* Events held. */

    /* The ring: the slot + 1 of seq S at S & 'mask', or 0; its seqs
     * within 'mask' + 1 of each other. */
    uint32_t *ring;                 /* (owned) 'mask' + 1 entries, or
                                     * NULL. */
    size_t mask;
    size_t n_ring;
    uint64_t low, high;             /* Its lowest and highest seq, if
                                     * 'n_ring'. */

    /* The heap: a binary min-heap of keys. */
    struct report_held *heap;       /* (owned) */
    size_t n_heap, allocated_heap;
    uint64_t n_taken;               /* Keys made so far. */
};

/* Holds a copy of 'e', whose seq is not 0. */
void report_hold_put(struct report_hold *, const struct ukey_event *e);

/* The held event of the lowest seq (the first of them to come), or NULL
 * if none is held.  Valid until the next put or pop. */
static inline const struct ukey_event *
report_hold_first(const struct report_hold *h)
{
    if (h->n_ring && (!h->n_heap || h->low <= h->heap[0].seq)) {
        return &h->events[h->ring[h->low & h->mask] - 1];
    }
    return h->n_heap ? &h->events[h->heap[0].slot] : NULL;
}

/* The seq of report_hold_first(), without reading the event (which may
 * not be in the cache).  Call only if 'h->n'. */
static inline uint64_t
report_hold_first_seq(const struct report_hold *h)
{
    if (h->n_ring && (!h->n_heap || h->low <= h->heap[0].seq)) {
        return h->low;
    }
    return h->heap[0].seq;
}

/* Takes report_hold_first() out, into '*e'.  Call only if 'h->n'. */
void report_hold_pop(struct report_hold *, struct ukey_event *e);

/* Frees what 'h' holds and empties it. */
void report_hold_destroy(struct report_hold *h);

/* ==== The report ==== */

#define REPORT_MAX_STACK 16        /* Nested operations per thread. */
#define REPORT_MAX_DISCARDS 32     /* Lost-event reports kept for printing. */
#define REPORT_MAX_RECENT 64       /* Losses past those, remembered to match
                                    * the gaps in seq found after them. */
#define REPORT_MAX_VIOLATIONS 10000 /* Kept for the JSON audit. */
#define REPORT_TIE_MAX 4096        /* Events buffered with one timestamp. */
#define REPORT_TIE_REWIND 32       /* See report_event_slot(). */
#define REPORT_TIE_CAP (REPORT_TIE_MAX + REPORT_TIE_REWIND) /* The buffer. */
#define REPORT_MAX_WIDE 8          /* Wide gaps remembered ahead. */
#define REPORT_MAX_GIVEN_UP 16     /* Ranges of seqs given up on. */

/* Seqs the fold gave up on (report_order_give_up() in report-order.c) and
 * that have not come since. */
struct report_given_up {
    uint64_t first, last;           /* Its seqs, both included, */
    uint64_t n;                     /* of which so many are missing: all
                                     * but when ranges were merged (then
                                     * some seqs between were folded) or a
                                     * seq in the middle came. */
    uint64_t ts_begin, ts_end;      /* Where the fold went on without
                                     * them. */
};

/* A loss kept for the summary.  Its count is report_loss_count() of 'n'
 * and 'seqs'. */
struct report_discard {
    uint64_t n;                     /* LTTng's count (0 = none, or not
                                     * LTTng's). */
    uint64_t seqs;                  /* Seqs missing that it takes in: its
                                     * own (a gap), and those of the later
                                     * gaps it covers. */
    uint64_t ts_begin, ts_end;
    uint64_t told_ts;               /* The last event's when it was told:
                                     * where the Chrome view shows a
                                     * loss whose beginning is unknown. */
    uint64_t number;                /* Of the losses told, from 1. */
    bool from_seq;                  /* Found as a gap in seq. */
    char what[256];
};

/* A stream that began before the first event, and the loss before its
 * first packet (report_stream_begin()). */
struct report_head {
    enum {
        REPORT_HEAD_WAITING,        /* For the first event. */
        REPORT_HEAD_OPEN,           /* Its loss is open: no packet yet. */
        REPORT_HEAD_DONE,
    } state;
    uint64_t ts;                    /* Its first packet's beginning, 0 until
                                     * known. */
    uint64_t loss_begin;            /* The first event's, when OPEN. */
    size_t discard;                 /* Its loss in 'discards', or SIZE_MAX. */
    uint64_t number;                /* Its number among the losses told. */
    char *what;                     /* (owned) */
};

/* A violation of one ukey kept for its timeline (report-view.c). */
struct report_kept {
    struct lifecycle_violation v;   /* 'event.name' owned. */
    const struct lifecycle_step *step;  /* (owned) Instead of 'v': a late
                                         * step of a freed ukey
                                         * (report_view_late_step()). */
    size_t prev;                    /* The one before it of the same ukey
                                     * (or the next free entry), or
                                     * SIZE_MAX. */
};

/* A timeline in the view's spool: [body, tail) its lines (JSON: its
 * object up to its last violation), [tail, end) its verdict line (JSON:
 * the closing brackets).  Violations found after it was printed go
 * between the two (report_view_finish()), and so do late transitions,
 * in text; in JSON, these go at 'steps_tail', the end of its
 * "transitions". */
struct report_spooled {
    long body, steps_tail, tail, end;
    size_t n_shown;                 /* Violations in the body. */
    size_t n_steps_shown;           /* Transitions in the body. */
    size_t late;                    /* Last of its late violations and
                                     * steps in 'kept', or SIZE_MAX. */
    bool hidden;                    /* Not selected by the filters: shown
                                     * only for a late violation that
                                     * they select. */
};

/* The operations open on one thread, for the Chrome writer. */
struct report_thread {
    uint32_t id;
    unsigned int depth;
    uint64_t begin_ts[REPORT_MAX_STACK];
    int32_t kind[REPORT_MAX_STACK];
    uint64_t flow_id[REPORT_MAX_STACK]; /* 0: no arrow started yet. */
};

struct report {
    struct report_options opts;     /* 'flow' and 'thread' owned. */
    struct report_pipe *pipe;       /* (owned) The fold thread, or NULL. */
    FILE *out;                      /* (borrowed, or 'held_out''s
                                     * stand-in) */
    FILE *held_out;                 /* (borrowed) The output of a raw or
                                     * Chrome view, with 'out' a spool
                                     * (owned) until report_finish(): an
                                     * input found to mix two programs
                                     * at its end prints nothing, or NULL. */
    FILE *vout;                     /* The text audit's violation lines
                                     * until report_finish() (owned if not
                                     * 'out'): an input found to mix two
                                     * programs prints none. */
    struct lifecycle *lc;           /* (owned) */

    uint64_t n_fed;                 /* Events given to the fold. */
    bool have_ts0;
    uint64_t ts0;                   /* Timestamp of the first event. */
    uint64_t last_ts;

    /* Events of one timestamp, waiting to be put in seq order:
     * tie[tie_base .. tie_base + n_tie), then the slot the decoder fills
     * (report_event_slot()).  The window moves along the buffer, so that
     * the next event is decoded in place, and is rewound to the front
     * now and then (report_event_slot()). */
    struct ukey_event *tie;         /* (owned) REPORT_TIE_CAP events. */
    size_t tie_base;
    size_t n_tie;

    struct report_hold held;        /* The events waiting for a lower
                                     * seq (report_order()). */
    uint64_t fold_next;             /* The seq the fold expects next, 0
                                     * before a run's first event. */
    uint64_t n_late;                /* Events folded after higher seqs. */
    uint64_t late_seq, late_after;  /* The first of them, and the highest
                                     * seq folded before it (the fold's
                                     * lifecycle_late_after(), as the
                                     * views and the REPL say it; until
                                     * it is folded, the highest taken). */
    bool late_folded;               /* 'late_after' is the fold's. */
    uint64_t order_high;            /* The highest seq of the run so far,
                                     * and the highest thread id + 1 (for
                                     * report_order_missing()). */
    uint64_t order_threads;
    struct lifecycle_head order_head;   /* The run's first seqs, as they
                                         * come (report_order_new_run()). */
    /* The last loss report_order_lost() told: its first seq, and its place
     * in 'discards' (SIZE_MAX: none, or another loss came since). */
    uint64_t order_loss_first;
    size_t order_loss;
    const char *order_loss_why;     /* Its reason (a static string). */
    /* Gaps in seq wider than the threads can hold, ahead of the fold:
     * seqs never recorded, which report_order_missing() does not count as
     * in flight (the first REPORT_MAX_WIDE; later ones count). */
    struct { uint64_t first, last; } wide[REPORT_MAX_WIDE];
    size_t n_wide;
    /* The seqs given up on, in seq order (report_order_give_up()). */
    struct report_given_up given_up[REPORT_MAX_GIVEN_UP];
    size_t n_given_up;
    bool by_time;                   /* report_fold_by_time(). */

    struct report_map flow_names;   /* ufid -> (const char *) flow name. */
    struct report_map flow_match;   /* ufids of --flow. */
    char *line_name;                /* (owned) report_name_lines(), or
                                     * NULL. */
    bool thread_seen;               /* A thread named --thread started. */
    bool ukey_seen;                 /* An event of --ukey's ukey came. */
    uint64_t flow_hash;             /* uk_hash_string(--flow). */

    struct report_discard discards[REPORT_MAX_DISCARDS];
    size_t n_discards;
    FILE *loss_spool;               /* The raw view's warnings of the
                                     * losses past 'discards' until
                                     * report_finish() (owned unless
                                     * stderr), or NULL (report.c, "A loss
                                     * in the raw and Chrome views"). */
    uint64_t n_told;                /* Losses told, kept or not. */
    /* The losses told past 'discards' whose ranges a gap in seq found
     * later may fall in (report_loss_known()), so that it is counted in
     * that loss, not on top of LTTng's count of it, nor on its own.  When
     * there are REPORT_MAX_RECENT, the one whose range ends first leaves
     * them (report_loss_recent()): a stream's loss can be long while
     * others' come and go, and the gaps come in seq order, about in time
     * order.  One that leaves is final: the views say it then. */
    struct report_discard recent[REPORT_MAX_RECENT];
    size_t n_recent;
    bool forgot;                    /* A loss left them, */
    uint64_t forgot_end;            /* the latest end of their ranges. */

    /* The streams of report_stream_begin(). */
    struct report_head *heads;      /* (owned) */
    size_t n_heads, allocated_heads;
    bool heads_done;
    bool mid_run;                   /* The first event's seq is not 1. */
    /* report_seq_gap(), in time order only: the highest seq of the run
     * so far, and the highest thread id + 1. */
    uint64_t seq_high;
    uint64_t seq_threads;
    /* report_stream_end() of an input that starts mid-run: ts_begin = the
     * stream's end, until a later event opens the loss. */
    struct report_discard *tails;   /* (owned) */
    size_t n_tails, allocated_tails;
    uint64_t next_tail_ts;          /* Lowest 'ts_begin' in 'tails', or
                                     * UINT64_MAX. */

    struct lifecycle_violation *violations; /* (owned) JSON audit. */
    size_t n_violations, allocated_violations;
    uint64_t n_errors, n_warnings;

    /* The text and JSON view (report-view.c). */
    struct report_kept *kept;       /* (owned) */
    size_t n_kept, allocated_kept;
    size_t free_kept;               /* Free entries, chained, or SIZE_MAX. */
    struct report_map pending;      /* Ukey id -> index + 1 in 'kept' of
                                     * the last of its violations, until
                                     * its timeline is printed. */
    FILE *spool;                    /* (owned) Timelines until
                                     * report_finish(), or NULL: printed at
                                     * once (live). */
    struct report_spooled *spooled; /* (owned) In 'spool', in order. */
    size_t n_spooled, allocated_spooled;
    struct report_map printed;      /* Ukey id -> index + 1 in 'spooled'
                                     * (1 without a spool). */

    /* Output state. */
    bool started;                   /* JSON/Chrome opening printed. */
    bool need_comma;
    uint64_t n_printed;             /* Timelines, events or (Chrome) the
                                     * selected slices and instants
                                     * printed: 0, "no ukey matched". */

    /* Chrome. */
    struct report_map open_state;   /* ukey id -> state + 1. */
    struct report_thread *threads;  /* (owned) */
    size_t n_threads, allocated_threads;
    uint64_t next_flow_id;

    /* Progress. */
    double progress_start, progress_last;
    bool progress_shown;
};

/* Name of thread 'id' ("handler0"), or "thread#ID" in 'buf'. */
const char *report_thread_name(const struct report *, uint32_t id,
                               char *buf, size_t size);

/* True if 'e' passes the view filters. */
bool report_event_selected(const struct report *, const struct ukey_event *);

/* The filters one by one: --begin/--end, --thread, --flow. */
bool report_in_bounds(const struct report *, uint64_t seq, uint64_t ts);
bool report_thread_selected(const struct report *, uint32_t id);
bool report_flow_selected(const struct report *, uint64_t ufid);

/* True if violation 'v' passes --thread and --begin/--end, at the event
 * that breaks the rule (its first evidence); --ukey and --flow select the
 * ukeys whose violations are shown. */
bool report_violation_selected(const struct report *,
                               const struct lifecycle_violation *v);

/* The name of the flow of 'ufid' from its 'flow' event, or NULL. */
const char *report_flow_name(const struct report *, uint64_t ufid);

/* Copies what was written to 'from' (from its start) to 'to'. */
void report_copy_file(FILE *from, FILE *to);

/* A late event's mark (report.c, "A late event in the views"), for an
 * event of seq 'seq' whose 'after' is lifecycle_late_after()'s or its
 * step's 'after_seq' (0: it came in order).  In text, "  (late: seq S,
 * folded after seq M)", or nothing.  In JSON, the members
 * ',"late_event":true,"after_seq":M', or ',"late_event":false' if
 * 'always', else nothing. */
void report_print_late_text(FILE *, uint64_t seq, uint64_t after);
void report_print_late_json(FILE *, uint64_t after, bool always);

/* Prints 'ts' relative to the first event as "+S.NNNNNNNNN". */
void report_print_rel_ts(const struct report *, FILE *, uint64_t ts);

/* The audit's output (report-audit.c). */

/* 'v' as a line of the text audit. */
void report_print_violation_text(const struct report *, FILE *,
                                 const struct lifecycle_violation *v);

/* 'v' as an element of the JSON audit's "violations". */
void report_print_violation_json(const struct report *, FILE *,
                                 const struct lifecycle_violation *v);

/* Prints the audit's summary ('s', of the finished fold), text or JSON
 * (the text one after the violation lines kept aside).  Returns the exit
 * status: 0 PASS, 1 FAIL, 3 INCONCLUSIVE. */
int report_audit_finish(struct report *, const struct lifecycle_summary *s);

/* Text and JSON timelines (report-view.c).  Every violation of a ukey is
 * in its timeline, also one found after its free (a use after free): the
 * timelines wait in a spool file until report_view_finish(), except live,
 * where such a late violation follows as "ukey#N (continued)". */
void report_view_start(struct report *);
void report_view_ukey_done(const struct lifecycle_ukey *, void *report);
void report_view_late_step(uint64_t ukey_id, const struct lifecycle_step *,
                           void *report);
void report_view_violation(struct report *,
                           const struct lifecycle_violation *);
void report_view_finish(struct report *);
void report_view_destroy(struct report *);

/* Chrome trace-event output (report-chrome.c). */
void report_chrome_event(struct report *, const struct ukey_event *);
void report_chrome_violation(struct report *,
                             const struct lifecycle_violation *);
void report_chrome_discarded(struct report *, const struct report_discard *);
void report_chrome_finish(struct report *);

/* ==== The fold's order (report-order.c) ==== */

/* Takes 'e', in the streams' time order, and folds what is due in seq
 * order (report-order.c, "The fold's order"). */
void report_order(struct report *, const struct ukey_event *e);
/* Folds every held event, in seq order: what is missing is not coming.
 * At the end of a run or of the input, that is a loss ('lost'); before a
 * loss LTTng reports, that loss is it, but for a gap wider than the
 * threads can hold. */
void report_order_flush(struct report *, bool lost);

/* What the order takes of report.c: the fold itself, and the losses.
 * report_fold() folds 'e', in the fold's order. */
void report_fold(struct report *, const struct ukey_event *e);
/* The span from the last event folded to time 'ts', into '*begin' and
 * '*end': a loss found before an event lies between the two, in either
 * order (in seq order, an event may be a little earlier than the last). */
void report_since_last(const struct report *, uint64_t ts, uint64_t *begin,
                       uint64_t *end);
/* Prints "N WHAT" of a loss's 'what' ("events of stream ..."): "1 event
 * of stream ..." for one. */
void report_print_n_what(FILE *, uint64_t n, const char *what);
/* True if a loss already known overlaps [begin, end]; then '*by' is the
 * one that overlaps it most (kept, or among the recent ones), or NULL if
 * none does but one that left the recent ones may have. */
bool report_loss_known(struct report *, uint64_t begin, uint64_t end,
                       struct report_discard **by);
/* True if a loss that LTTng reported (not a gap in seq) overlaps [begin,
 * end]: its count takes in the seqs missing there. */
bool report_loss_counted(const struct report *, uint64_t begin,
                         uint64_t end);
/* A loss found as 'seqs' seqs missing, 'seq_first' to 'seq_last' if they
 * are contiguous (else both 0): so many of the run's events were never
 * recorded.  'held': seqs given up on, whose doubt was taken already
 * (report_loss_info). */
void report_loss_seq(struct report *, uint64_t ts_begin, uint64_t ts_end,
                     uint64_t seq_first, uint64_t seq_last, uint64_t seqs,
                     const char *what, bool held);

#endif /* UKDB_TRACEPOINTS_PLUGIN_REPORT_PRIVATE_H */

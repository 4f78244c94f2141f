/* SPDX-License-Identifier: Apache-2.0 */
/* The reports of the "ukey" babeltrace2 plugin and of "ukdb audit" and
 * "ukdb view": one 'struct report' folds decoded events through
 * core/lifecycle.c and prints, as the events come and at the end, either
 * the audit (verdicts, violations with their evidence, per-flow slowpath
 * figures, lost events) or per-ukey timelines (text, JSON, Chrome trace-event
 * JSON, or one canonical line per event).
 *
 * This file knows nothing of babeltrace2: sink.c feeds it, so the plugin's
 * sinks and ukdb print exactly the same thing.
 *
 * Memory is bounded by the live ukeys and the flows (the fold drops finished
 * ukeys, timelines are printed when a ukey is freed), never by the number of
 * events.
 *
 * Synchronization: one thread at a time may call these functions on one
 * report (with 'fold_thread', the report folds on a thread of its own, and
 * hands the report back to the caller's thread for any call but feeding an
 * event). */
#ifndef UKDB_TRACEPOINTS_PLUGIN_REPORT_H
#define UKDB_TRACEPOINTS_PLUGIN_REPORT_H 1

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/util.h"

struct ukey_event;

enum report_mode {
    REPORT_AUDIT,               /* Verdicts ("ukdb audit"). */
    REPORT_VIEW,                /* Timelines ("ukdb view"). */
};

#define REPORT_FORMATS(X) X(TEXT, text) X(JSON, json) X(CHROME, chrome) \
    X(RAW, raw)

enum report_format {
#define REPORT_FORMAT_ENUM_(NAME, TEXT) REPORT_##NAME,
    REPORT_FORMATS(REPORT_FORMAT_ENUM_)
#undef REPORT_FORMAT_ENUM_
    N_REPORT_FORMATS
};

/* A bound of --begin/--end: a timestamp (ns from the clock's origin, or
 * from the first event when 'relative') or an event seq. */
struct report_bound {
    bool set;
    bool is_seq;
    bool relative;
    uint64_t value;
};

/* A loss, as a consumer of the events ('on_loss') is told of it. */
enum report_loss_kind {
    REPORT_LOSS_NEW,            /* A loss report: the fold makes what is
                                 * live doubtful and counts it
                                 * (lifecycle_discarded()). */
    REPORT_LOSS_MORE,           /* A gap in seq that a loss told already
                                 * covers (see 'covered_by'), or the next
                                 * gap among other threads' events of the
                                 * last one told: what is live becomes
                                 * doubtful, no other report is counted
                                 * (lifecycle_doubt()). */
    REPORT_LOSS_HELD,           /* Seqs given up on: REPORT_HOLD_MAX later
                                 * events came without them (report-order.c,
                                 * "The fold's order").  They may still
                                 * come, late (a thread that waited that
                                 * long for a CPU), or never: the fold goes
                                 * on without them, what is live becomes
                                 * doubtful (lifecycle_doubt()), and no
                                 * report is counted yet.  Those that never
                                 * come are a NEW with 'held' at the end of
                                 * the run. */
};

/* How many events a loss lost: LTTng's count, when it gives one (exact,
 * of its stream's events, of any provider); else the seqs missing that it
 * takes in: its own (a gap), or those of the later gaps it covers
 * (REPORT_LOSS_MORE's 'covered_by').  'seq' is a global per-run sequence
 * number in every ukey event, so those are that many of the run's events
 * (but for seqs still in flight at its edges).  LTTng's count stands when
 * there is one: a gap goes to the loss whose range overlaps its own most,
 * which need not be the one that lost its events (and seqs missing when
 * LTTng reports a loss are taken for it, uncounted).  Else the loss is of
 * an unknown number.  The audit's summary and the REPL's cursor
 * (repl/trace-read.c) both count so (report_loss_count()). */
struct report_loss_info {
    enum report_loss_kind kind;
    uint64_t n;                 /* Events LTTng counted (0 = an unknown
                                 * number, or not LTTng's). */
    uint64_t seqs;              /* Seqs missing that it takes in: a
                                 * gap's ('seq_first' to 'seq_last' if they
                                 * are contiguous), or a MORE's, which
                                 * count in 'covered_by' if set; else 0. */
    uint64_t ts_begin, ts_end;  /* ns; 0 = unknown, ts_end UINT64_MAX =
                                 * to the end. */
    uint64_t seq_first, seq_last;   /* A gap in seq: the seqs missing;
                                     * else 0. */
    uint64_t number;            /* NEW: its number, from 1. */
    uint64_t covered_by;        /* MORE: the number of the loss with a
                                 * count of LTTng's that covers it (its
                                 * count takes in these seqs), or 0. */
    const char *what;           /* Where, or why ("events", ...). */
    bool held;                  /* NEW: seqs given up on (a HELD told
                                 * before) that never came: a report is
                                 * counted (lifecycle_discard_count()),
                                 * nothing else becomes doubtful.  Its
                                 * seqs, if it has them, are exactly the
                                 * missing ones. */
};

struct report_options {
    enum report_mode mode;
    enum report_format format;  /* Audit: TEXT or JSON only. */
    FILE *out;                  /* (borrowed) Where to print; NULL = stdout. */
    bool live;                  /* Flush each violation line at once. */
    bool progress;              /* A progress line on stderr. */
    bool fold_thread;           /* Fold on a thread of its own while the
                                 * caller decodes (not 'live', nor with
                                 * 'on_event'): the same output, sooner
                                 * on two CPUs or more. */
    /* View filters; 0/NULL/unset = everything. */
    uint64_t ukey_id;
    const char *flow;           /* (copied) Flow name. */
    const char *thread;         /* (copied) Thread name. */
    struct report_bound begin, end;
    /* A consumer instead of a report (the REPL's trace cursor,
     * repl/trace-read.c): when 'on_event' is set, every event goes to it
     * in the fold's order (a run's in seq order: report.c, "The fold's
     * order"), numbered as the audit numbers them, and every loss to
     * 'on_loss' where the fold takes it (before the next event), and
     * nothing is folded or printed. */
    void (*on_event)(const struct ukey_event *, void *aux);
    void (*on_loss)(const struct report_loss_info *, void *aux);
    void *aux;
};

/* Missing seqs that so many threads cannot hold: a gap in 'seq' this
 * wide (THREADS: the highest thread id + 1) is seqs never recorded, a
 * narrower one may be events still in flight.  A thread numbers an event
 * and records it a moment later, with at most a batch of events an
 * observer deferred (UK_MAX_DEFERRED, 64, in core/event-bus.c) numbered
 * with it.  This counts seqs, not time, so no preemption can fool it: a
 * thread that waits for a CPU between numbering its event and recording
 * it holds one seq (or its batch) however long it waits, since it numbers
 * nothing else meanwhile; the others' events go on with the seqs after
 * it, and the one it holds fills its gap when it comes.  Used by the
 * audit (report.c) and the REPL's trace cursor (repl/trace-read.c). */
#define REPORT_SEQ_GAP_MIN(THREADS) (64 + 2 * (THREADS))

/* Events held for missing seqs fewer than that: then the fold gives up on
 * them (REPORT_LOSS_HELD; report-order.c, "The fold's order"). */
#define REPORT_HOLD_MAX (1u << 16)

/* The events a loss lost (see "struct report_loss_info"): 'lttng_n',
 * LTTng's count, if it gave one, else 'seqs', the seqs missing that it
 * takes in; 0 = an unknown number. */
static inline uint64_t
report_loss_count(uint64_t lttng_n, uint64_t seqs)
{
    return lttng_n ? lttng_n : seqs;
}

/* What a loss of LTTng's (a discarded-events or discarded-packets message,
 * or a stream that began late or ended early) is made of, in 'buf':
 * "LTTng: N discarded; S seqs missing", "LTTng did not count them; S seqs
 * missing", "LTTng: N discarded" or "LTTng did not count them".  Shared by
 * the audit and the REPL so that both say it in the same words.  Returns
 * 'buf'. */
const char *report_format_lttng_loss(char *buf, size_t size, uint64_t lttng_n,
                                     uint64_t seqs);

/* Parses 'name' ("text", "json"...).  Returns the format or -1. */
int report_format_from_name(const char *name);
const char *report_format_name(int format);

/* Parses a --begin/--end bound: "N" or "Nns" is a timestamp in ns from the
 * clock's origin, "+S.FFF" seconds from the first event (as timelines print
 * times; past 2^64 ns, UINT64_MAX), "seq:N" or "#N" an event seq.  N is a
 * whole number in digits below 2^64.  Returns UK_NUMBER_OK with '*out', or
 * what uk_parse_number() found in place of N (UK_NUMBER_NONE for none of
 * the forms). */
enum uk_number report_parse_bound(const char *s, struct report_bound *out);

/* What is wrong with a bound that report_parse_bound() refused as 'kind',
 * written into 'buf' ('size' bytes) by uk_number_problem() with the range
 * of N: "out of range (0 or more)" for "-1", "not a whole number (0 or
 * more)" for "1.5".  Returns 'buf'. */
const char *report_bound_problem(char *buf, size_t size,
                                 enum uk_number kind);

/* Whether a bound refused as 'kind' is a number out of range, not one of
 * the forms (REPORT_BOUND_FORMS) to be told. */
static inline bool
report_bound_out_of_range(enum uk_number kind)
{
    return kind == UK_NUMBER_TOO_LARGE || kind == UK_NUMBER_NEGATIVE;
}

/* What report_parse_bound() accepts, for error messages. */
#define REPORT_BOUND_FORMS "N or Nns (ns from the clock's origin), " \
    "+S.FFF (seconds from the first event), seq:N or #N (event seq)"

/* True if 'begin' and 'end', both set and of one kind (two seqs, two
 * timestamps, or two times from the first event), select nothing: 'begin'
 * is after 'end'.  Bounds of two kinds cannot be compared before the
 * trace is read: false. */
bool report_bounds_empty(const struct report_bound *begin,
                         const struct report_bound *end);

/* Creates a report with 'options' (copied).  Never returns NULL. */
struct report *report_create(const struct report_options *options);

/* Frees 'r'.  Accepts NULL. */
void report_destroy(struct report *r);

/* Starts each violation line that is printed as it comes (a live audit)
 * with "NAME: ", to tell the traces of several programs apart. */
void report_name_lines(struct report *r, const char *name);

/* The input holds several traces, each with seqs of its own, in one
 * report (the raw view): the fold takes the events in time order, not a
 * run's in seq order (report-order.c, "The fold's order"). */
void report_fold_by_time(struct report *r);

/* Feeds one decoded event, in trace order.  The strings 'e' points to must
 * stay valid as long as 'r' (they are interned by the decoder).  Events
 * with the same timestamp are reordered by 'seq' (the muxer orders ties by
 * stream, not by seq), and the fold takes a run's events in seq order
 * (report-order.c, "The fold's order"). */
void report_event(struct report *r, const struct ukey_event *e);

/* The same without a copy of the event: the decoder fills the slot that
 * report_event_slot() returns, then report_event_commit() feeds it.  An
 * unfilled slot (a message that is not an event of ours) is just not
 * committed; any other call on 'r' invalidates the slot. */
struct ukey_event *report_event_slot(struct report *r);
void report_event_commit(struct report *r);

/* Tells 'r' that 'n' events (0 = unknown number) were lost between
 * 'ts_begin' and 'ts_end' (ns, 0 = unknown); 'what' says where ("events",
 * "packets" and the stream). */
void report_discarded(struct report *r, uint64_t n, uint64_t ts_begin,
                      uint64_t ts_end, const char *what);

/* Tells 'r' that a stream of ukey events begins ('what' names it), and
 * returns its number for report_stream_head(), or SIZE_MAX for a stream
 * that begins after the first event.  If the input does not start at the
 * beginning of a run (its first event's seq is not 1), each stream starts
 * where its buffer did: one that starts later than the first event (a
 * snapshot of LTTng's per-CPU buffers) may have lost events before its
 * first packet, and that range counts as a loss of an unknown number. */
size_t report_stream_begin(struct report *r, const char *what);

/* Tells 'r' that stream 'stream' (report_stream_begin()) recorded its
 * first packet at 'ts' (ns).  It may come after the first event (behind a
 * muxer, a stream's first packet comes in time order): the loss before it
 * is then open from the first event until 'ts'. */
void report_stream_head(struct report *r, size_t stream, uint64_t ts);

/* Tells 'r' that one input stream's recording ended at 'ts' (its last
 * packet's end).  In an input that starts mid-run, the
 * first later event of another stream opens a loss of an unknown number
 * from 'ts' to the end of the input (a snapshot's per-CPU buffers do not
 * end together either). */
void report_stream_end(struct report *r, uint64_t ts, const char *what);

/* Whether a thread's events went back in seq (lifecycle_summary's
 * 'n_seq_back'): then the input mixes two programs, and has no verdict.
 * If so, says it in 'buf'.  Call before report_finish(). */
bool report_mixed_programs(struct report *r, char *buf, size_t size);

/* Ends the input and prints the final report.  Returns the exit status of
 * DESIGN.md's contract: for the audit 0 clean, 1 ERROR violations, 3
 * inconclusive only; for the view 0. */
int report_finish(struct report *r);

/* Prints 's' as a JSON string. */
void report_json_string(FILE *, const char *s);
/* The same, or null if 's' is NULL. */
void report_json_string_or_null(FILE *, const char *s);

/* Number of events fed so far. */
uint64_t report_n_events(const struct report *r);

#endif /* UKDB_TRACEPOINTS_PLUGIN_REPORT_H */

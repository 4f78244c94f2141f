/* SPDX-License-Identifier: Apache-2.0 */
/* The REPL on a recorded trace: "open TRACE" reads the trace's events once
 * (through the babeltrace2 graph of tracepoints/plugin/graph.c and its
 * decoder) into memory, and a cursor moves over them.  What the inspection
 * commands show at the cursor is a state folded from the events
 * (trace-state.c); checkpoints of that state every TRACE_CHECKPOINT_EVERY
 * events make any move cost at most that many folds, never a re-read.
 * trace.c has the cursor's names, "open", "close" and the command
 * dispatch; trace-read.c reading the events and indexing them;
 * trace-live.c live sessions; trace-motion.c the motions, breakpoints and
 * watches; trace-show.c the inspection commands; trace-repro.c
 * "reproduce".
 *
 * Positions: position P means that the first P events have happened (0 is
 * before the first event, N after the last); the event "at" the cursor is
 * event P (1-based), the last one that happened.
 *
 * A live session ("open net://HOST/host/NAME/SESSION") is read as the user
 * goes: "open" reads what the relay daemon has, motions that reach the last
 * event read ask it for more without blocking ("no new event yet"), and
 * "continue" and "wait" block until events arrive (Ctrl-C stops them).
 * The index (checkpoints, violations) grows with the events; when the
 * session ends, the cursor is a trace like any other.
 *
 * Synchronization: none; one session, one thread. */
#ifndef UKDB_REPL_TRACE_H
#define UKDB_REPL_TRACE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/event.h"
#include "core/lifecycle.h"
#include "repl/repl.h"

/* Events between checkpoints (UKDB_TRACE_CHECKPOINT_EVERY overrides it,
 * for the tests). */
#define TRACE_CHECKPOINT_EVERY 4096
#define TRACE_FREED_KEPT 32     /* Freed ukeys still shown, at least. */

/* Why a ukey, or a figure, is uncertain (trace_ukey's 'doubt', and
 * trace_state_doubt()): bits. */
enum trace_doubt {
    TRACE_DOUBT_LOST = 1 << 0,      /* Events were lost (reported by LTTng,
                                     * a gap in seq, or seqs given up on
                                     * that never came). */
    TRACE_DOUBT_GIVEN_UP = 1 << 1,  /* Seqs were given up on ('held'):
                                     * missing there, they may come late. */
    TRACE_DOUBT_LATE = 1 << 2,      /* A late event: named it, or came. */
    TRACE_DOUBT_MID_LIFE = 1 << 3,  /* First seen mid-life: its 'create' is
                                     * not in the trace (before it). */
};

/* A ukey as the events so far tell it. */
struct trace_ukey {
    uint64_t id;
    uint64_t ufid;
    uint32_t pmd_id;
    int32_t umap;                   /* -1 until known. */
    uint8_t state;                  /* enum ukey_state. */
    bool created_seen;              /* Its 'create' is in the trace. */
    bool in_umap;
    uint8_t doubt;                  /* Uncertain: why (enum trace_doubt
                                     * bits), else 0. */
    uint32_t state_thread;          /* Thread of the last transition. */
    const char *state_where;        /* (interned) Or NULL. */
    int32_t lock_owner;             /* Thread holding its mutex, or -1. */
    const char *lock_where;         /* (interned) */
    unsigned int n_postponed;
    unsigned int n_freed;
    uint64_t stats_packets;         /* Sum of its stats_push. */
};

/* A datapath flow. */
struct trace_dpflow {
    uint64_t ufid;
    uint32_t pmd_id;
    bool present;
    uint64_t packets;               /* Fastpath packets of this instance. */
    uint64_t instance;              /* Installs so far. */
};

/* What a thread is doing. */
struct trace_thread {
    int32_t op;                     /* enum uk_op in progress, or -1. */
    uint64_t n_events;
};

/* A umap shard's mutex. */
struct trace_umap {
    int32_t owner;                  /* Thread id, or -1. */
    const char *where;              /* (interned) */
};

/* The state at a position: plain arrays, copied whole by a checkpoint. */
struct trace_state {
    uint64_t pos;
    struct trace_ukey *ukeys;       /* (owned) By id. */
    size_t n_ukeys, allocated_ukeys;
    size_t n_freed;                 /* Freed ukeys in 'ukeys'. */
    uint64_t max_pruned;            /* Highest id of a freed ukey dropped
                                     * from 'ukeys' (prune_freed()), or
                                     * 0. */
    uint64_t max_seq;               /* Highest seq of the run so far. */
    struct lifecycle_head head;     /* The run's first seqs: a thread
                                     * start of one it skipped is late,
                                     * no other run. */
    uint64_t n_late;                /* Events that came late so far: the
                                     * audit's "late events" (their seq
                                     * not above 'max_seq'). */
    uint64_t n_created;             /* 'create' events so far. */
    uint64_t n_frees;               /* Frees so far (a double free: 2), of
                                     * pruned ukeys too, as the model's
                                     * "created" and "freed" count. */
    struct trace_dpflow *dp;        /* (owned) By (ufid, pmd_id). */
    size_t n_dp, allocated_dp;
    struct trace_thread *threads;   /* (owned) By thread id. */
    size_t n_threads;
    struct trace_umap *umaps;       /* (owned) By index. */
    size_t n_umaps;
    uint64_t n_lost;                /* Events lost so far (known count). */
    uint64_t n_losses;              /* Losses so far, and seqs given up
                                     * on ('held'): what the cursor cannot
                                     * tell after them. */
    uint64_t n_loss_reports;        /* Loss reports so far. */
    uint64_t n_losses_unknown;      /* Those of an unknown count. */
    uint64_t first_lost_pos;        /* Position of the first loss + 1. */
    uint64_t lost_until;            /* Latest end of a loss's time range:
                                     * a ukey created by then is uncertain
                                     * (as in core/lifecycle.c). */
    uint8_t lost_until_doubt;       /* Why: TRACE_DOUBT_LOST or _GIVEN_UP,
                                     * of the loss that set it. */
    uint64_t n_given_up_missing;    /* Of the seqs given up on, those
                                     * that neither came late since nor
                                     * were told lost at the end of their
                                     * run. */
};

/* Events were lost after position 'pos' (between event 'pos' and event
 * 'pos' + 1), as the audit's fold takes them (report.h's
 * report_loss_info). */
struct trace_loss {
    uint64_t pos;
    uint64_t n;                     /* Events lost, counted here, as the
                                     * audit counts them
                                     * (report_loss_count()): LTTng's
                                     * count, else the seqs of a gap, or
                                     * of the later gaps a loss of LTTng's
                                     * covers (0 = unknown). */
    uint64_t reported;              /* Count of LTTng's message, if any. */
    uint64_t seqs;                  /* Seqs missing here (a gap), or that
                                     * this loss of LTTng's covers, if
                                     * any. */
    uint64_t seq_first;             /* The first of them, or 0. */
    uint64_t ts_begin, ts_end;
    bool from_seq;                  /* Seen as a gap in 'seq'. */
    bool more;                      /* Part of a loss told before (LTTng's,
                                     * or the gaps just before among other
                                     * threads' events): not another
                                     * report. */
    bool held;                      /* Seqs given up on (report.h's
                                     * REPORT_LOSS_HELD): missing here,
                                     * and they may come later: no report,
                                     * 'n' 0, but what is alive becomes
                                     * uncertain. */
    bool held_lost;                 /* Seqs given up on that never came,
                                     * told at the end of their run: a
                                     * report, but nothing more becomes
                                     * uncertain (that was at their
                                     * 'held'). */
};

/* A loss the report numbered (report_loss_info's 'number'). */
struct trace_told {
    size_t index;                   /* In 'losses', or SIZE_MAX: not told
                                     * yet (a stream's loss before its
                                     * first packet, told when it comes). */
    uint64_t early_seqs;            /* Not told yet: the seqs of the gaps
                                     * it covers, told before it. */
};

/* An event stepped late (trace_state_apply()): the audit's late events. */
struct trace_late {
    uint64_t index;                 /* Of the event, from 0. */
    uint64_t after;                 /* The highest seq of its run stepped
                                     * before it. */
};

/* A violation found by the lifecycle fold (core/lifecycle.c). */
struct trace_violation {
    uint64_t index;                 /* Of the violating event, from 0. */
    struct ukey_event e;            /* Type 'violation'; strings interned. */
};

struct trace_name {
    uint64_t key;                   /* ufid, or thread id. */
    const char *name;               /* (interned) */
    int32_t kind;                   /* Threads: enum uk_thread_kind. */
    uint32_t pmd_id;
};

struct graph;
struct lifecycle;
struct report_options;

/* Thread ids that "show threads" follows without a thread_start. */
#define TRACE_MAX_SEEN_THREADS 4096

struct trace_cursor {
    char *path;                     /* (owned) As opened. */
    struct graph *live;             /* (owned) A live session still going. */
    bool was_live;                  /* Opened as a live session. */
    bool live_failed;               /* Its connection failed. */
    bool opening;                   /* In "open": errors say so. */
    struct ukey_event *events;      /* (owned) In the audit's fold order: a
                                     * run's in seq order (report.c, "The
                                     * fold's order"), so that its event
                                     * numbers are the cursor's. */
    size_t n_events, allocated_events;
    struct trace_loss *losses;      /* (owned) By position. */
    size_t n_losses, allocated_losses;
    size_t n_reports;               /* Losses that are not 'more'. */
    struct trace_told *told;        /* (owned) By report_loss_info's
                                     * number - 1. */
    size_t n_told, allocated_told;
    struct trace_violation *violations;  /* (owned) By index. */
    size_t n_violations, allocated_violations;
    struct trace_late *lates;       /* (owned) By index. */
    size_t n_lates, allocated_lates;
    uint64_t seq_min, seq_max;      /* The lowest and highest seq of the
                                     * events read (late ones too), not
                                     * 0; both 0 if none has one. */
    bool has_violation_events;      /* The trace records the checker's. */

    struct trace_name *flows;       /* (owned) ufid -> name. */
    size_t n_flows, allocated_flows;
    struct trace_name *threads;     /* (owned) id -> name, kind. */
    size_t n_threads, allocated_threads;
    bool *seen_threads;             /* (owned) By id: it has events (a
                                     * snapshot may not hold its start). */
    size_t n_seen_threads;

    char **strings;                 /* (owned) Interned strings. */
    size_t n_strings, n_string_slots;

    struct trace_state cur;         /* The state at the cursor. */
    struct trace_state *checkpoints;    /* (owned) [i] at i * 'every'. */
    uint64_t every;                 /* Events between checkpoints. */
    size_t n_checkpoints, allocated_checkpoints;
    /* Indexing goes on as a live session sends events. */
    struct lifecycle *lc;           /* (owned) The fold, until the end. */
    struct trace_state indexed;     /* The state at 'n_indexed'. */
    uint64_t n_indexed;             /* Events indexed. */
    size_t next_loss;               /* First loss not folded by the index. */
    char *mixed;                    /* (owned) The fold found two programs'
                                     * events mixed (lifecycle_mixed_
                                     * programs()), or NULL. */
    bool mixed_told;
};

/* ==== trace.c ==== */

/* The session's hooks (repl/input.c, repl/session.c): runs a command on
 * the open trace, writes the prompt, closes the trace (NULL ok). */
enum cmd_status trace_execute(struct repl *, int argc, char *argv[]);
void trace_prompt(const struct repl *, char *buf, size_t size);
void trace_close(struct repl *);
/* Refuses 'what' ("variant", "set dump-batch"), a change of the model's
 * configuration, on the open trace: says so, and to "close" first.
 * Returns CMD_ERROR. */
enum cmd_status trace_refuse_config(struct repl *, const char *what);

/* The cursor's string table: returns a copy of 's' that lives as long as
 * 'tc', or NULL for NULL. */
const char *trace_intern(struct trace_cursor *tc, const char *s);

/* Name of thread 'id' ("handler0"), or "thread#ID" in a static buffer. */
const char *trace_thread_name(const struct trace_cursor *tc, uint32_t id);
/* Sets '*id' to the id of the thread named 'name' in 'tc' ("main" and
 * "urcu" are in every trace).  Returns false, '*id' untouched, if 'tc' has
 * no thread of that name (yet, on a live session). */
bool trace_thread_id(const struct trace_cursor *tc, const char *name,
                     int *id);
/* Whether thread 'id' has events in the trace. */
bool trace_thread_seen(const struct trace_cursor *tc, uint32_t id);
const struct trace_name *trace_find_thread(const struct trace_cursor *tc,
                                           uint32_t id);
/* Name of the flow of 'ufid', or NULL. */
const char *trace_flow_name(const struct trace_cursor *tc, uint64_t ufid);
/* The flow named 'name' (ufid), or 0. */
uint64_t trace_flow_ufid(const struct trace_cursor *tc, const char *name);

/* If event 'i' (from 0) came late (trace_state_apply()), its entry in
 * 'tc->lates', else NULL. */
const struct trace_late *trace_late_at(const struct trace_cursor *tc,
                                       size_t i);
/* What ends the line of event 'i' (from 0) wherever one is printed: for a
 * late event, "  (late: seq S, folded after seq M)" in 'buf', else "". */
const char *trace_late_note(const struct trace_cursor *tc, size_t i,
                            char *buf, size_t size);

/* Timestamp of event 'i' relative to the first, as "+1.234567 ms". */
void trace_format_time(const struct trace_cursor *tc, uint64_t ts,
                       char *buf, size_t size);

/* The monotonic clock in microseconds, for UKDB_TRACE_TIMING. */
double trace_now_us(void);

/* ==== trace-read.c ==== */

/* The graph's functions print babeltrace2's error on stderr: these keep
 * it aside, to say it after the command's name and argument. */
struct trace_stderr {
    FILE *tmp;                      /* (owned) What stderr got, or NULL. */
    int saved;                      /* The real stderr, or -1. */
};
void trace_capture_stderr(struct trace_stderr *);
void trace_release_stderr(struct repl *, struct trace_stderr *, bool failed,
                          const char *what);

/* The options with which the graph reads a trace's events into 'tc'
 * (graph_run(), graph_open()). */
const struct report_options *trace_read_options(struct trace_cursor *tc);

/* Reads the trace at 'path' into 'tc'.  Returns true, or false after
 * printing one line of error. */
bool trace_read(struct repl *, struct trace_cursor *tc, const char *path);

/* Starts the index: the lifecycle fold (for its violations) and the state
 * that checkpoints copy. */
void trace_index_start(struct trace_cursor *tc);

/* Indexes the events read since the last call: the lifecycle fold's
 * violations, and a checkpoint of the state every 'every' events.  The
 * losses after the last event read are left for the next call (more may
 * come at the same position), unless 'final': then the index is complete
 * and its fold is freed. */
void trace_index_more(struct trace_cursor *tc, bool final);

/* ==== trace-live.c ==== */

/* Opens the live session at 'url' into 'tc' and reads what is there.
 * Returns true, or false after printing one line of error. */
bool trace_open_live(struct repl *, struct trace_cursor *tc,
                     const char *url);

/* Reads from the live session of 'tc', if it is still going, until Ctrl-C
 * or the session ends, and:
 *
 * - unless 'need_new', as soon as babeltrace2 has nothing more now (its
 *   lttng-live source says "try again": the relay daemon has no more data
 *   that it can put in order), or it gives an event traced after this read
 *   began (by the traced host's clock); it never sleeps;
 * - if 'need_new', once new events came and babeltrace2 has nothing more
 *   now (or after LIVE_BUSY_MS, if they keep coming);
 *
 * and in either case after 'timeout_ms' (negative: no limit; callers give
 * a read that does not wait LIVE_DRAIN_MAX_MS).
 *
 * Returns the number of new events. */
size_t trace_live_read(struct repl *, struct trace_cursor *tc,
                       long timeout_ms, bool need_new);

/* What a motion at the last event read does on a live session: reads what
 * the relay daemon has now (quickly), or, if 'follow', waits for new events
 * (or the end), saying so the first time ('*announced').  Returns true if
 * there are new events. */
bool trace_live_more(struct repl *, bool follow, bool *announced);

/* On a live session, reads what the relay daemon has now, without waiting
 * for more ("when", "goto"); nothing on a trace read whole. */
void trace_live_drain(struct repl *);

/* Says why a motion stopped at the last event of a live session. */
void trace_print_starved(const struct trace_cursor *tc);

enum cmd_status trace_wait(struct repl *, int argc, char *argv[]);

/* ==== trace-motion.c ==== */

/* Moves the cursor to 'pos' (0 to n_events), by the nearest checkpoint. */
void trace_seek(struct trace_cursor *tc, uint64_t pos);

enum cmd_status trace_step(struct repl *, int argc, char *argv[]);
enum cmd_status trace_back(struct repl *, int argc, char *argv[]);
enum cmd_status trace_goto(struct repl *, int argc, char *argv[]);
enum cmd_status trace_continue(struct repl *, int argc, char *argv[]);
enum cmd_status trace_last(struct repl *, int argc, char *argv[]);

/* ==== trace-state.c ==== */

void trace_state_init(struct trace_state *);
void trace_state_destroy(struct trace_state *);
void trace_state_copy(struct trace_state *dst, const struct trace_state *);

/* Folds event 'e' into 'st'.  One that comes
 * late (its seq not above every seq of its run so far: the audit's late
 * events) is stepped where it comes, but changes nothing that the events
 * of later seqs made: a freed ukey stays freed, a live one it names keeps
 * its state, umap and lock, and becomes uncertain; a umap's lock and a
 * datapath flow stay as they are.  What does not depend on the order
 * still counts: a free, sums and counts.  It never starts another run
 * (lifecycle_head_late()).  Returns whether 'e' came late ('st->max_seq'
 * is then the highest seq stepped before it). */
bool trace_state_apply(struct trace_state *st, const struct ukey_event *e);

/* Folds the loss 'l' into 'st': every live ukey becomes uncertain. */
void trace_state_lose(struct trace_state *st, const struct trace_loss *l);

/* Why the figures of 'st' that the events lost or given up on before it
 * leave uncertain are (enum trace_doubt bits: _LOST, _GIVEN_UP, and _LATE
 * if late events came too), or 0 if none is. */
unsigned int trace_state_doubt(const struct trace_state *st);

struct trace_ukey *trace_state_ukey(const struct trace_state *,
                                    uint64_t id);
struct trace_dpflow *trace_state_dp(const struct trace_state *,
                                    uint64_t ufid, uint32_t pmd_id);

/* ==== trace-show.c ==== */

enum cmd_status trace_show(struct repl *, int argc, char *argv[]);

/* The figure 'name' of "show stats" at the cursor into '*out', and into
 * '*exact' whether it is right in spite of the events lost before the
 * cursor, if any (see trace-show.c).  False if there is no such figure. */
bool trace_stat_value(const struct trace_cursor *, const char *name,
                      uint64_t *out, bool *exact);
enum cmd_status trace_history(struct repl *, int argc, char *argv[]);
enum cmd_status trace_log(struct repl *, int argc, char *argv[]);
enum cmd_status trace_when(struct repl *, int argc, char *argv[]);

/* Says why something is uncertain, for enum trace_doubt bits 'doubt', in
 * 'buf': "events were lost", "events were given up on", "events came
 * late"...  Returns 'buf'. */
const char *trace_doubt_text(unsigned int doubt, char *buf, size_t size);

/* Prints event 'i' (from 0) as a motion does. */
void trace_print_event(const struct trace_cursor *tc, size_t i);

/* Prints the losses just after position 'pos'. */
void trace_print_losses_at(const struct trace_cursor *tc, uint64_t pos);

/* ==== trace-repro.c ==== */

enum cmd_status trace_reproduce(struct repl *, int argc, char *argv[]);

#endif /* UKDB_REPL_TRACE_H */

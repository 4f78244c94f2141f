/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold: from a stream of 'struct ukey_event' to per-ukey
 * lifecycles, violations and verdicts.
 *
 * One piece of code for two users: the model's live checker (the REPL, the
 * explorer and free-running mode feed it every event as it is emitted, and
 * turn each violation it reports into a 'violation' event), and the offline
 * audit of a recorded trace (the babeltrace2 plugin decodes each message to a
 * 'struct ukey_event' and feeds it here).  Because both use this file, the
 * live check and the audit cannot disagree.
 *
 * Input events of type 'violation' are ignored by the rules (the fold
 * recomputes them), so auditing a trace that contains the live checker's
 * violations reports each one once.
 *
 * Memory is bounded by the number of live ukeys, not by the number of
 * events: when a ukey is freed its lifecycle is reported through the
 * 'ukey_done' callback and dropped (only one bit per ukey id is kept, to
 * detect a use after free); a flow's record is retired once nothing can
 * depend on it any more (no live ukey uses it, no ukey in a umap, no
 * datapath flow, no open slowpath window), its figures kept for the first
 * LIFECYCLE_MAX_FLOWS flows and summed for the others.  A flow seen again
 * after that gets a new record that behaves as the old one would have, but
 * for the choice marked "(instance)" below.  With 'transient_details',
 * violation details are not kept either.
 *
 * The rules (shared/ovs-ukey-lifecycle.md §1.10), and the choices made:
 *
 *   - Verdicts.  FAIL when an ERROR violation names the ukey ('rule' and
 *     the explanation are those of the first one), even if it is also
 *     doubtful: an error proven by events that were seen stays proven.
 *     Otherwise INCONCLUSIVE when its create was not seen, when events were
 *     lost while it was live, or when the input stopped without an 'end'
 *     event before its free.  Otherwise PASS.  A WARNING (invalid
 *     transition, datapath flow without ukey) is reported and counted but
 *     leaves the verdict PASS.
 *   - At most one violation per event and ukey, the most specific: use
 *     after free, then double delete, then backward transition, then use
 *     after delete, then invalid transition.
 *   - Double delete, use after delete, use after free, duplicate ukey,
 *     stats double, leak and stuck ukey are reported once per ukey (stats
 *     double and slowpath once per flow, slowpath once per window); a
 *     repeat only increments 'n_suppressed'.  Backward and invalid
 *     transitions are reported each time.
 *   - Deleted = removed from its umap (umap_remove, or replaced out as
 *     umap_replace's 'ukey_id'), postponed, or transitioned to DELETED.
 *     After that, umap_insert, being replaced in, dp_put, stats_push and a
 *     transition to anything but DELETED are a use after delete; locks,
 *     lookups and other reads are legal (RCU keeps the ukey).
 *   - The window of handle_upcalls(), explained.  When another thread
 *     moved a ukey out of VISIBLE before a put of it succeeded (a dump
 *     adopting it), the explanation of these ends naming that move, and
 *     that handle_upcalls() does not re-check the state (an OVS race):
 *     a transition to EVICTED reported (backward, invalid, use after
 *     delete) by a handler whose dp_put CREATE of the ukey failed, or by
 *     another thread right after that handler's transition to EVICTED
 *     (both also name the failed put: seq, errno); and a use after delete
 *     that is a dp_put CREATE by the thread that inserted the ukey.
 *     Severities are unchanged.
 *   - Double delete: a second removal, a removal with ENOENT, a second
 *     rcu_postpone, a transition to DELETED when already DELETED.  The
 *     first removal, the postpone and the transition to DELETED of one
 *     ukey_delete() are not a double delete together.
 *   - Use after free: any event but 'violation' naming a freed id,
 *     including a second free.  The ukey was already reported to
 *     'ukey_done'; 'by_verdict' is not revised.  The earlier evidence is
 *     known while the free is in a cache of the last 4096 frees.  A late
 *     event (below) is one only if its seq is above the free's, known
 *     while the free is in that cache; else it was about the live ukey,
 *     or may have been, and is not judged.  But a late free is a double
 *     free whatever its seq (a ukey is freed once), unless it is that
 *     free itself come twice (the same seq).
 *   - Late events: an event whose seq is not above every seq fed so far
 *     in its run (an audit's seq given up on that came after all, or one
 *     that came twice) is folded where it comes, but judged against
 *     nothing newer than itself: no rule judges it but use after free
 *     (above), and it changes nothing that events of later seqs made of
 *     its ukey or flow.  They become doubtful instead, as at a loss: its
 *     ukey INCONCLUSIVE (live, or first seen there), its flow unsure with
 *     its slowpath run restarted.  It still counts in the flows' figures,
 *     names threads and flows, frees its ukey, changes rules (for the
 *     rounds that begin after it), excuses stale actions, and tells what
 *     its own thread does (op_begin, op_end but for a round's end).  A
 *     late transition is a step of its ukey's timeline, with an
 *     'after_seq'; of a ukey reported already (freed), it goes to
 *     'ukey_late_step'.
 *   - Duplicate ukey: umap_insert while another ukey of the same (ufid,
 *     pmd_id), followed from its create without loss, is in a umap.  The
 *     pmd_id of a ukey comes from its create (or, mid-life, from its first
 *     dp_put, dp_del or umap_lookup).
 *   - Stats double: per flow, once the stats_push sum exceeds the fastpath
 *     traffic sum.  Flows that may have events outside the input are not
 *     judged (see below).  (instance) The sums, and the once-only report,
 *     are those of the flow's record: they restart when a flow whose
 *     ukeys are all freed and whose datapath flow is gone is seen again.
 *     Every push after that comes from a new ukey, for traffic counted
 *     after that, so a surplus pushed then is a double count too.
 *   - Rounds: an op_end ROUND ends round 'value' (or, when 0, the value of
 *     its thread's last op_begin ROUND); a round number already ended by
 *     another revalidator does not count again; with no numbers at all,
 *     each op_end ROUND counts.  'n_rounds' counts rounds, not events.
 *   - Leak: at lifecycle_finish() after an 'end' event, every ukey not
 *     freed, unless events were lost while it was live.  A ukey first seen
 *     mid-life can leak (then it FAILs: its free would have been seen).
 *     Datapath flow without ukey: a flow whose datapath flow is present at
 *     the end while no ukey of it is in a umap.
 *   - Stuck ukey: not deleted, its datapath flow absent (never put, or
 *     dp_del'ed) and no OK transition for 'stuck_rounds' rounds; or
 *     EVICTING or EVICTED that long.  A round that dumped and did not
 *     sweep (the REPL's "dump") does not count: only a sweep deletes such
 *     a ukey.  Not while its lock is held, nor while the thread of its
 *     last transition (or first event) is inside an operation other than
 *     a ROUND (a revalidator is inside one all its life; its DUMP and
 *     SWEEP count), or may be (every thread at a loss, and in an input
 *     that began mid-run: an op_begin may be missing) until an op_begin
 *     or op_end of an outermost operation (all but a round's DUMP and
 *     SWEEP) shows where it is: in none but that one, whatever op_end a
 *     loss hid.  The earlier evidence is the later of its last transition
 *     (or first event) and the dp_del, in input order.
 *   - Stale actions (core/lifecycle-stale.c has the details): at the end
 *     of a round that ran its dump and its sweep, a datapath flow holding
 *     actions of an older rules version than its flow's (rule_change),
 *     whose rules changed before the round began, that the round's dump
 *     returned, and whose ukey in the umap holds those actions (it put or
 *     adopted the flow), unless a failed trylock, a failed datapath op or
 *     contention in that round excuses it.  Once per instance and rules
 *     version.  Never in a trace without rule_change events.
 *   - Slowpath: a round with slowpath and no fastpath traffic extends the
 *     flow's run if a miss of the flow was handled (an upcall) since the
 *     window opened or the run last grew; fastpath traffic, the creation
 *     of its datapath flow (dp_put CREATE ok), and a put of it that the
 *     datapath refused (dp_put CREATE failed: an injected fault, EEXIST)
 *     reset it.  A refused put excuses the rounds before it: the handler
 *     did all the ukey code can (the liveness bugs put nothing), so only
 *     rounds after a flow's latest put attempt count, and a report after
 *     a refused put in the window names it.  A round without
 *     traffic for the flow, or whose miss still waits in its handler's
 *     queue (a busy or starved handler is late, not wrong: the liveness
 *     bugs handle every miss and install nothing), neither extends nor
 *     resets it.  A round in which the window opened
 *     counts as slowpathed unless fastpath traffic came after the opening
 *     (fastpath traffic before it closed the previous window already).
 *     The measured window (open at the first slowpath traffic, closed by
 *     fastpath traffic or a put that succeeded; a refused one leaves it
 *     open) is not reset.  'upcalls' counts upcall events;
 *     'attributed_packets' sums upcall and stats_push packets.
 *   - The input is taken to start at the beginning of a run when its first
 *     event has seq 1.  Otherwise, and after lifecycle_discarded(), a flow
 *     first seen other than by its 'flow' event is "unsure": no stats
 *     double, no datapath flow without ukey, and no stuck ukey until a
 *     dp_put or dp_del tells whether its datapath flow exists.
 *   - An input may hold several runs of the program, one after the other
 *     (a script run twice in a session, a daemon restarted): another run
 *     starts after an 'end' event (but at a late event of the run that
 *     ended, one numbered before its end: a thread start of seq 1 to 3
 *     still starts one), or at a thread start of seq 1 to 3 once a
 *     run's seqs passed 1000 (its previous run killed); never at a thread
 *     start of a seq that the run skipped, a late one (lifecycle_head_
 *     late(), "The first seqs of a run" below).  The run
 *     before is finished as at the end of the input (leaks if it ended),
 *     and what was its own (freed ids, threads, flow states, losses whose
 *     range ended before the new run) is forgotten; flow figures go on.
 *   - lifecycle_discarded(): every live ukey becomes INCONCLUSIVE and is
 *     exempt from leak, stuck ukey and from being the other ukey of a
 *     duplicate; every flow becomes unsure and its slowpath run restarts.
 *     So does every ukey first seen at a time up to the end of the loss's
 *     range (an input merged from several streams gives the loss at the
 *     range's beginning; another stream's events in the range follow it),
 *     a dp op in that range leaves its flow's presence unsure, and a round
 *     that ends in it restarts the slowpath runs of the flows it touched.
 *
 * Synchronization: none.  One 'struct lifecycle' is used by one thread at a
 * time (the event bus serialises emission in free-running mode). */
#ifndef UKDB_CORE_LIFECYCLE_H
#define UKDB_CORE_LIFECYCLE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct lifecycle;

#define LIFECYCLE_VERDICTS(X) X(PASS) X(FAIL) X(INCONCLUSIVE)

enum lifecycle_verdict {
#define LIFECYCLE_VERDICT_ENUM_(NAME) LIFECYCLE_##NAME,
    LIFECYCLE_VERDICTS(LIFECYCLE_VERDICT_ENUM_)
#undef LIFECYCLE_VERDICT_ENUM_
    N_LIFECYCLE_VERDICTS
};

const char *lifecycle_verdict_name(int);

/* One piece of evidence: an event that a verdict rests on. */
struct lifecycle_evidence {
    uint64_t seq;               /* Event seq (0 = none). */
    uint64_t index;             /* Position in the input, from 0. */
    uint64_t ts;                /* Timestamp (ns), 0 in the model. */
    uint32_t thread_id;
};

/* One transition in a ukey's timeline. */
struct lifecycle_step {
    uint64_t seq, index, ts;
    uint32_t thread_id;
    uint8_t from, to;           /* enum ukey_state. */
    uint8_t result;             /* enum uk_transition_result. */
    const char *where;          /* (borrowed: static or interned) */
    uint64_t after_seq;         /* If it came late ("Late events" above):
                                 * the highest seq of its run fed before
                                 * it, never 0; else 0. */
};

/* A finished (or, at the end, unfinished) ukey lifecycle, as reported to
 * 'ukey_done'.  Everything in it is borrowed for the duration of the
 * callback. */
struct lifecycle_ukey {
    uint64_t ukey_id;
    uint64_t ufid;
    uint32_t pmd_id;
    uint32_t run;               /* The input's run it was first seen in
                                 * (from 1): ids start over in each. */
    const char *flow_name;      /* From the 'flow' event, or NULL. */
    int32_t umap;
    enum ukey_state state;      /* Last state. */
    bool freed;                 /* rcu_free or ukey_free seen. */
    bool created_seen;          /* False if the trace began mid-life. */
    enum lifecycle_verdict verdict;
    enum uk_violation_kind rule;    /* When verdict == FAIL. */
    const char *explanation;        /* One line, always set. */
    struct lifecycle_evidence evidence[2];  /* [0] latest, [1] earlier. */
    const struct lifecycle_step *steps;     /* Its transitions, in order. */
    size_t n_steps;
};

/* A violation, as reported to 'violation'.  'event' has type
 * UK_EV_VIOLATION with every field filled (see event.h), ready to be
 * emitted; 'event->seq' is 0 (the bus numbers it). */
struct lifecycle_violation {
    struct ukey_event event;
    struct lifecycle_evidence evidence[2];  /* [0] violating, [1] earlier. */
};

struct lifecycle_callbacks {
    /* Called once per violation, as soon as it is detected. */
    void (*violation)(const struct lifecycle_violation *, void *aux);
    /* Called when a ukey's lifecycle is complete (freed), and by
     * lifecycle_finish() for every ukey still known.  May be NULL. */
    void (*ukey_done)(const struct lifecycle_ukey *, void *aux);
    /* Called, with 'keep_steps', for a late transition ("Late events"
     * above) of a ukey whose lifecycle was reported already (freed), that
     * the fold does not judge (not numbered after the free): a step of
     * that ukey's timeline (of the current run: a new one forgets the
     * freed ids), with its 'after_seq', that comes after 'ukey_done'
     * did.  May be NULL. */
    void (*ukey_late_step)(uint64_t ukey_id, const struct lifecycle_step *,
                           void *aux);
    void *aux;
};

/* The defaults of the two liveness thresholds below: the model's checker
 * (udpif_config_init()) and every reader of a trace use them, so that a
 * run and its trace cannot disagree. */
#define LIFECYCLE_STUCK_ROUNDS 6
#define LIFECYCLE_SLOWPATH_ROUNDS 5

struct lifecycle_options {
    unsigned int stuck_rounds;     /* STUCK_UKEY after this many rounds
                                    * without progress while the ukey's
                                    * datapath flow is gone (default
                                    * LIFECYCLE_STUCK_ROUNDS). */
    unsigned int slowpath_rounds;  /* SLOWPATH after traffic stayed
                                    * slowpathed this many rounds (default
                                    * LIFECYCLE_SLOWPATH_ROUNDS).
                                    * 0 in either means the default. */
    bool keep_steps;               /* Keep each ukey's transitions for the
                                    * 'steps' of lifecycle_ukey (viewer). */
    bool transient_details;        /* The 'name' of a violation's event is
                                    * valid only during the callback, so
                                    * that memory stays bounded however
                                    * many violations (the offline audit).
                                    * Otherwise it lives as long as the
                                    * fold (the model re-emits it later). */
};

/* Per-flow figures: the slowpath window is measured, not judged. */
struct lifecycle_flow {
    uint64_t ufid;
    uint32_t pmd_id;
    const char *flow_name;          /* Or NULL. */
    uint64_t upcalls;               /* Miss upcalls received. */
    uint64_t slowpath_packets;      /* Traffic that found no datapath flow. */
    uint64_t fastpath_packets;
    uint64_t attributed_packets;    /* Upcalled + pushed by revalidators. */
    uint64_t slowpath_windows;      /* Times the flow's traffic found no
                                     * dp flow: a window, from that packet
                                     * until a put installs the flow (or a
                                     * packet takes the fastpath). */
    uint64_t longest_window_rounds; /* Longest window, in rounds. */
    uint64_t longest_window_ns;     /* Same, in trace time (0 in model). */
};

/* Totals, for "show stats", audit summaries and JSON. */
struct lifecycle_summary {
    uint64_t n_events;              /* Events fed, violations included. */
    uint64_t n_runs;                /* Runs of the program in the input:
                                     * another starts after an 'end', or
                                     * at a thread start of seq 1 to 3
                                     * well into a run. */
    uint64_t n_ukeys;               /* Ukeys seen. */
    uint64_t n_live;                /* Not freed yet. */
    uint64_t by_verdict[N_LIFECYCLE_VERDICTS];
    uint64_t by_violation[N_UK_VIOLATION_KINDS];
    uint64_t n_violations;
    uint64_t n_suppressed;          /* Repeats detected, not reported. */
    uint64_t n_rounds;              /* Rounds ended (see "Rounds"). */
    uint64_t discarded_events;      /* Reported by lifecycle_discarded(). */
    uint64_t n_discard_reports;
    uint64_t n_discard_unknown;     /* Those of an unknown number. */
    uint64_t first_discard_ts, last_discard_ts;
    bool complete;                  /* An 'end' event was seen. */
    uint64_t first_seq;             /* Of the run's first event: not 1 when
                                     * the input starts mid-run. */
    /* Events of a thread whose seq was not above its previous one's: a
     * thread takes its seqs in order, and the input has them in time order,
     * so two programs' events are mixed in it (or it is corrupt).  Not
     * violations: the checker emits them for a thread.  The first: */
    uint64_t n_seq_back;
    uint32_t seq_back_thread;
    const char *seq_back_name;      /* Its name then, or NULL. */
    uint64_t seq_back_from, seq_back_to, seq_back_ts;
};

/* Creates a fold.  'options' may be NULL for the defaults. */
struct lifecycle *lifecycle_create(const struct lifecycle_options *options,
                                   const struct lifecycle_callbacks *cbs);

/* Frees 'lc' without reporting anything.  Accepts NULL. */
void lifecycle_destroy(struct lifecycle *lc);

/* Feeds one event.  'index' is its position in the input (for evidence);
 * events must come in 'seq' order (one that comes late, its seq not above
 * the highest fed, is folded where it comes: see "Late events" above).
 * Violations are reported before this returns. */
void lifecycle_feed(struct lifecycle *lc, const struct ukey_event *e,
                    uint64_t index);

/* If the last event fed came late (see "Late events" above: the fold
 * judged it against nothing newer), the highest seq of its run fed before
 * it, never 0; else 0.  What the views mark it with
 * (tracepoints/plugin/report.c), the steps' 'after_seq'. */
uint64_t lifecycle_late_after(const struct lifecycle *lc);

/* Tells the fold that 'n' events were lost (0 = an unknown number, e.g. a
 * discarded packet) between 'ts_begin' and 'ts_end'.  Every live ukey, and
 * every ukey first seen later without its 'create', becomes INCONCLUSIVE:
 * rules that would need the lost events are not judged, so lost data never
 * makes a false FAIL. */
void lifecycle_discarded(struct lifecycle *lc, uint64_t n,
                         uint64_t ts_begin, uint64_t ts_end);

/* As lifecycle_discarded() for a loss already counted (one that another
 * report covers): what is live now becomes INCONCLUSIVE, and the summary
 * counts no other report. */
void lifecycle_doubt(struct lifecycle *lc, uint64_t ts_end);

/* Counts a loss of 'n' events (0 = an unknown number) between 'ts_begin'
 * and 'ts_end' whose doubt lifecycle_doubt() took already, where the
 * events went missing, before it was known that they would never come
 * (the audit's seqs given up on, tracepoints/plugin/report.c): the
 * summary counts it as lifecycle_discarded() does, and nothing else
 * becomes INCONCLUSIVE (what is live now was not live when they went
 * missing). */
void lifecycle_discard_count(struct lifecycle *lc, uint64_t n,
                             uint64_t ts_begin, uint64_t ts_end);

/* Counts 'n' more events of a loss counted before: the seqs of a gap
 * found since, that it takes in (tracepoints/plugin/report.h, "struct
 * report_loss_info").  If 'was_unknown', it was counted as of an unknown
 * number, and no longer is.  Nothing becomes INCONCLUSIVE
 * (lifecycle_doubt() does that where the gap is). */
void lifecycle_discard_more(struct lifecycle *lc, uint64_t n,
                            bool was_unknown);

/* A loss of an unknown number of events from 'ts_begin' whose end is not
 * known yet (a stream of an input that starts mid-run, behind a muxer,
 * until its first packet comes): as lifecycle_discarded() with a range
 * that reaches every later event, until lifecycle_discard_close() ends
 * it. */
void lifecycle_discard_open(struct lifecycle *lc, uint64_t ts_begin);

/* Ends at 'ts_end' one loss that lifecycle_discard_open() opened. */
void lifecycle_discard_close(struct lifecycle *lc, uint64_t ts_end);

/* The latest end of the lost time ranges, 'until' so far, once a loss
 * whose range ends at 'ts_end' joins them (0: it has no time, so it could
 * be anywhere: UINT64_MAX).  Shared by the fold and the REPL's state. */
static inline uint64_t
lifecycle_lost_until(uint64_t until, uint64_t ts_end)
{
    return !ts_end ? UINT64_MAX : ts_end > until ? ts_end : until;
}

/* ==== The first seqs of a run ====
 *
 * A thread start of seq 1 to LIFECYCLE_HEAD_SEQS (the main and urcu
 * threads, or the first thread an observer sees) that comes below seqs
 * already folded starts another run of the program, in the audit's order
 * (report-order.c), its fold (lifecycle-run.c) and the REPL's state
 * (repl/trace-state.c) alike.  But one whose seq the run being folded
 * skipped (the run began at or below it, and never had it) is that run's
 * own, late: its thread waited for a CPU between numbering and recording
 * it, the fold gave up on it, or told it lost.  That one starts no run:
 * the three tell it by the same struct, fed every seq in the order they
 * take the events, and reset where they start another run.
 *
 * Synchronization: none; each is its fold's own. */
#define LIFECYCLE_HEAD_SEQS 3

struct lifecycle_head {
    uint64_t first_seq;         /* The run's first seq, or 0 before it. */
    unsigned int seen;          /* Bit 'seq' - 1: seq 1 to
                                 * LIFECYCLE_HEAD_SEQS came in the run. */
};

/* Notes that the fold of 'h' takes an event of seq 'seq' (0: none, which
 * has no place in the order). */
static inline void
lifecycle_head_note(struct lifecycle_head *h, uint64_t seq)
{
    if (seq && !h->first_seq) {
        h->first_seq = seq;
    }
    if (seq && seq <= LIFECYCLE_HEAD_SEQS) {
        h->seen |= 1u << (seq - 1);
    }
}

/* Whether 'e' is a thread start of the first seqs that the run of 'h'
 * skipped: a late event of that run, which starts no other. */
static inline bool
lifecycle_head_late(const struct lifecycle_head *h,
                    const struct ukey_event *e)
{
    return (e->type == UK_EV_THREAD_START && e->seq
            && e->seq <= LIFECYCLE_HEAD_SEQS && h->first_seq
            && h->first_seq <= e->seq && !(h->seen & (1u << (e->seq - 1))));
}

/* 'known' lost events, plus an unknown number if 'n_unknown' losses had
 * no count (never "0" for those), in 'buf': "3", "an unknown number", "3
 * and an unknown number".  Returns 'buf'. */
char *lifecycle_format_lost(char *buf, size_t size, uint64_t known,
                            uint64_t n_unknown);

/* Ends the input.  If an 'end' event was seen, checks the end-of-run rules
 * (leaked ukeys, datapath flows without a ukey); otherwise ukeys still alive
 * are INCONCLUSIVE.  Then reports every ukey still known to 'ukey_done'. */
void lifecycle_finish(struct lifecycle *lc);

/* Current totals.  Valid at any time. */
void lifecycle_get_summary(const struct lifecycle *lc,
                           struct lifecycle_summary *out);

/* Adds the figures of flow 'b' to 'a': the counts summed, the longest
 * window the longer of the two ('a''s identity and name untouched), as
 * the totals of a report sum its flows. */
void lifecycle_flow_add(struct lifecycle_flow *a,
                        const struct lifecycle_flow *b);

/* Flows listed one by one by lifecycle_for_each_flow(). */
#define LIFECYCLE_MAX_FLOWS 8192

/* Calls 'fn' for each flow seen, in order of first appearance, with the
 * figures of all its records together.  At most LIFECYCLE_MAX_FLOWS flows
 * are listed so (the first ones retired, then the first ones still held):
 * returns the number of records of the others (a flow retired and seen
 * again counts twice there), and, if 'omitted' is nonnull, sums their
 * figures there (their longest window in its fields). */
uint64_t lifecycle_for_each_flow(const struct lifecycle *lc,
                                 void (*fn)(const struct lifecycle_flow *,
                                            void *aux),
                                 void *aux, struct lifecycle_flow *omitted);

/* Flow records held now (not retired): bounded by the flows that live
 * ukeys, datapath flows and open slowpath windows use, and at most twice
 * that between two sweeps.  For the memory tests. */
size_t lifecycle_n_flow_records(const struct lifecycle *lc);

/* Bytes of memory 'lc' holds (tables, records, bitmap, strings): bounded by
 * the live ukeys, the flows and the violations, not by the events fed.
 * For "show stats" and the memory tests. */
size_t lifecycle_footprint(const struct lifecycle *lc);

/* Whether the events of a thread went back in seq (the summary's
 * 'n_seq_back'): then the input mixes two programs, and has no verdict.
 * If so, says it in 'buf', with times relative to 'ts0'. */
bool lifecycle_mixed_programs(const struct lifecycle *lc, uint64_t ts0,
                              char *buf, size_t size);

/* Name of thread 'id' from its thread_start event, or NULL. */
const char *lifecycle_thread_name(const struct lifecycle *lc, uint32_t id);

#endif /* UKDB_CORE_LIFECYCLE_H */

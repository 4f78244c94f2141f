/* SPDX-License-Identifier: Apache-2.0 */
/* The ukdb session: a model (core/udpif.h) driven by commands, with a
 * journal of everything that changed it, so that any earlier point can be
 * rebuilt exactly by deterministic replay (back, goto, last, and switching
 * the variant under the same interleaving).
 *
 * One command table (repl/commands.c) drives dispatch, help and
 * completion.  One input loop (repl/input.c) serves the tty (libedit), -f
 * scripts, -c strings, a non-tty stdin and "source".  Synchronization: a
 * session is used by one thread. */
#ifndef UKDB_REPL_REPL_H
#define UKDB_REPL_REPL_H 1

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/compiler.h"
#include "core/event.h"
#include "core/udpif.h"

struct repl;
struct trace_cursor;

enum cmd_status {
    CMD_OK,
    CMD_ERROR,
    CMD_EXIT,
};

typedef enum cmd_status repl_cmd_fn(struct repl *, int argc, char *argv[]);

/* Completion of argument 'argi' (1-based) of a command: calls 'add' for
 * each candidate. */
typedef void repl_complete_fn(struct repl *, int argi, char *argv[],
                              void (*add)(void *, const char *), void *aux);

struct repl_cmd {
    const char *name;           /* "step" */
    const char *args;           /* "[THREAD] [N]" */
    const char *summary;        /* One line for "help". */
    const char *details;        /* Lines for "help step". */
    const char *example;        /* An example line. */
    int min_args, max_args;     /* -1 = unbounded. */
    repl_cmd_fn *run;
    repl_complete_fn *complete;
    unsigned int flags;         /* REPL_CMD_*. */
};

#define REPL_CMD_JOURNAL 1      /* Changes the model: replayed by back. */
#define REPL_CMD_MOTION 2       /* Repeated by an empty line at a prompt. */
#define REPL_CMD_RECORD 4       /* Part of the session's script: re-run
                                 * when the variant or datapath changes. */
#define REPL_CMD_ANY_MODE 8     /* Recorded in the script on a trace too:
                                 * breakpoints and watches are the
                                 * session's, whichever mode set them. */

/* A command table: NULL-terminated. */
extern const struct repl_cmd repl_commands[];
size_t repl_n_commands(void);

/* Finds 'name' or a unique prefix of a command name.  Sets '*ambiguous'. */
const struct repl_cmd *repl_find_command(const char *name, bool *ambiguous);

/* Writes into 'buf' the names of the commands that begin with 'prefix',
 * in alphabetical order, separated by ", " (truncated to 'size'). */
void repl_command_candidates(const char *prefix, char *buf, size_t size);

/* Writes the 'n' 'words' to 'buf' ('size' bytes, at least 1), 'sep'
 * between them, cut to fit.  Returns 'buf'. */
char *repl_join(char *buf, size_t size, char *const words[], size_t n,
                const char *sep);

/* One journal entry: a command line that changed the model, or a step. */
struct repl_jentry {
    char *line;                 /* (owned) Command, or NULL for a step. */
    uint32_t thread_id;         /* Step: the thread stepped. */
};

/* An event as logged by the session, with the step it happened in. */
struct repl_event {
    struct ukey_event e;
    uint64_t step;
};

enum bp_kind {
    BP_TRANSITION,
    BP_VIOLATION,
    BP_EVENT,
};

/* The filters of a breakpoint or a watch that give a name ("flow NAME",
 * "thread NAME"), in the order "help break" writes them. */
enum bp_name {
    BP_NAME_FLOW,
    BP_NAME_THREAD,
    N_BP_NAMES
};

/* What a breakpoint or a watch is on: a ukey by its id, a flow and a
 * thread by name.  A name is an id where it applies (a flow's ufid, a
 * thread's id), and ids differ from one trace to another and from the
 * model: the name is kept and looked up again wherever they may change
 * (repl_bp_resolve()).  A ukey id is the same wherever there is a ukey of
 * that id: it is kept as given. */
struct bp_target {
    uint64_t ukey_id;           /* 0 = any. */
    char *names[N_BP_NAMES];    /* (owned) The NAME of each of those
                                 * filters given, else NULL. */
    uint64_t ufid;              /* 0 = any; else the ufid of the flow
                                 * names[BP_NAME_FLOW] where it applies
                                 * now. */
    int thread_id;              /* -1 = any; else the id of the thread
                                 * names[BP_NAME_THREAD] where it
                                 * applies now. */
    bool unresolved;            /* One of 'names' is not where it applies
                                 * now (the open trace, else the model):
                                 * kept, as gdb keeps a pending
                                 * breakpoint, matching nothing until
                                 * all are there. */
};

struct breakpoint {
    int number;
    enum bp_kind kind;
    bool temporary;
    bool enabled;
    int from, to;               /* States, -1 = any. */
    int violation;              /* Kind, -1 = any. */
    int event_type;             /* BP_EVENT. */
    struct bp_target target;    /* Its "ukey", "flow" and "thread". */
    uint64_t hits;              /* Events that matched, where its
                                 * condition held, ignored or not. */
    uint64_t ignore;            /* "ignore N COUNT": hits left to pass. */
    uint64_t trace_hits;        /* Of 'hits', those on a trace's events:
                                 * a configuration change keeps them
                                 * (repl_bp_carry()). */
    bool trace_ignored;         /* The command under way on a trace let
                                 * a hit pass (repl_bp_trace_done()). */
    char *text;                 /* (owned) As typed, for "info". */
    struct repl_cond *cond;     /* (owned) "condition N COND", or NULL. */
    bool pending;               /* On the model: matched an event of the
                                 * step under way, 'cond' to be judged
                                 * after it (repl_bp_judge()). */
    size_t pending_event;       /* That event, in 'sess.events'. */
};

struct watch {
    int number;                 /* For "info watches" and "unwatch". */
    struct bp_target target;    /* Its ukey, or its flow (by name). */
    char *text;                 /* (owned) */
};

/* What a session holds besides its model: a configuration change runs
 * the session again and replaces all of it, or none (repl/session.c sets
 * it aside, and puts it back or frees it whole). */
struct repl_session {
    struct repl_jentry *journal;    /* (owned) */
    size_t n_journal, allocated_journal;
    struct repl_jentry *redo;       /* (owned) Undone by back: the future. */
    size_t n_redo, allocated_redo;
    struct repl_event *events;      /* (owned) This model's events. */
    size_t n_events, allocated_events;
    struct breakpoint *bps;         /* (owned) */
    size_t n_bps, allocated_bps;
    int next_bp_number;
    struct watch *watches;          /* (owned) */
    size_t n_watches, allocated_watches;
    int next_watch_number;
};

/* Frees what 's' holds (not 's'). */
void repl_session_free(struct repl_session *s);

struct repl {
    struct udpif *udpif;        /* (owned) */
    struct udpif_config cfg;

    struct repl_session sess;
    bool replaying;                 /* Rebuilding: print nothing. */
    bool redoing;                   /* Re-applying the recorded future. */
    bool passing_bps;               /* "goto" forward: the breakpoints
                                     * neither stop nor count, as in the
                                     * replay of a "goto" back. */
    bool rescripting;               /* Re-running the script (rescript). */
    char bp_notes[512];             /* What the condition of the
                                     * breakpoint being set names that is
                                     * not there yet, said once it is set
                                     * (repl_bp_note()). */
    bool mute_output;               /* Events not written to the trace or
                                     * --events (a duplicate start). */
    bool only_shown;                /* Set by a journaled command that
                                     * only printed (dp show): neither
                                     * journaled nor part of the script,
                                     * so no replay prints it again. */
    char **script;                  /* (owned) Commands that made the
                                     * session, as typed (REPL_CMD_RECORD). */
    size_t n_script, allocated_script;
    bool quiet;
    bool stepping;                  /* In repl_step_thread(): the step's
                                     * watch lines wait for its line. */

    size_t first_new_event;         /* Printed from here by the next step
                                     * ('sess.events'). */
    const struct breakpoint *bp_hit;    /* Set by the observer. */
    size_t bp_hit_event;                /* Its event, in 'sess.events'. */
    char bp_message[256];
    bool bp_cond_error;             /* A motion stopped where a
                                     * breakpoint's condition could not be
                                     * judged: it fails, though the steps
                                     * it took stand. */

    bool json;                      /* "set output json". */
    bool echo;                      /* --echo. */
    bool keep_going;                /* --keep-going. */
    bool interactive;               /* A tty prompt. */
    int n_expect_failed;
    int n_errors;
    bool capturing_errors;          /* Errors not printed nor counted:
                                     * the first is kept in: */
    char captured_error[256];

    /* Where input comes from, for error messages. */
    const char *input_name;         /* File name, or NULL. */
    unsigned int input_line;
    bool from_command_line;         /* -c. */
    bool tp_pending;                /* The "ukey" probes are loaded at the
                                     * first command that changes or
                                     * steps the model (repl_execute()). */
    const char *subcommand;         /* "ukdb explore ...": the usage
                                     * errors of its options point to
                                     * "ukdb explore --help". */
    int source_depth;

    char *last_motion;              /* (owned) Repeated by an empty line. */
    struct trace_cursor *trace;     /* (owned) "open TRACE", or NULL. */
    FILE *events_out;               /* --events FILE: canonical lines. */
};

/* Set by SIGINT: checked at every scheduling step of a motion, by the
 * explorer before every step, and after every command of a script. */
extern volatile sig_atomic_t repl_interrupted;

/* Clears 'repl_interrupted' and installs the SIGINT handler that sets it
 * (a second SIGINT kills).  Without SA_RESTART: a read in progress fails
 * with EINTR. */
void repl_catch_sigint(void);

/* Session (repl/session.c). */
void repl_init(struct repl *);
void repl_destroy(struct repl *);

/* Creates the model from 'r->cfg' and replays the journal.  Returns 0, or
 * an error (printed) if the replay diverged; the model then stops at the
 * last step that could be replayed. */
int repl_rebuild(struct repl *);

/* Executes one line.  'line' is modified (tokenized in place). */
enum cmd_status repl_execute(struct repl *, char *line);

/* Appends 'line' (copied, its leading white space dropped) to the
 * session's script ('r->script'), which a configuration change runs
 * again and the explorer hands back. */
void repl_script_add(struct repl *, const char *line);

/* Runs the lines of 'fp' (name 'name' for messages), up to the first
 * error or failed expect unless keep_going.  Returns CMD_EXIT on quit,
 * CMD_ERROR if a command failed, CMD_OK otherwise (a failed expect is
 * counted in 'n_expect_failed'). */
enum cmd_status repl_run_file(struct repl *, FILE *fp, const char *name);

/* Whether input that ran command after command (a script, "source", -c)
 * stops after one that made 'n_expect_failed' grow past 'failed_before':
 * unless --keep-going, a failed expect stops it as an error does. */
bool repl_expect_stops(const struct repl *, int failed_before);

/* Runs 'line' of such input ('line' NULL: a line that held a NUL byte, an
 * error), folding its status into '*result'.  Returns false if the input
 * stops there: "quit", an error or a failed expect (unless --keep-going),
 * Ctrl-C.  At the end of the input, repl_run_end() makes an interrupt a
 * failure, said once, and returns the input's status. */
bool repl_run_next(struct repl *, char *line, enum cmd_status *result);
enum cmd_status repl_run_end(struct repl *, enum cmd_status result);

/* The interactive loop (libedit). */
enum cmd_status repl_run_tty(struct repl *);

/* Messages: errors go to stderr in the form the input calls for
 * ("FILE:LINE: error: ...", "ukdb: error: ...", "error: ..."). */
void repl_error(struct repl *, const char *fmt, ...) UK_PRINTF(2, 3);
void repl_usage_error(struct repl *, const char *cmd, const char *fmt, ...)
    UK_PRINTF(3, 4);
void repl_printf(struct repl *, const char *fmt, ...) UK_PRINTF(2, 3);

/* Journal (repl/journal.c) and stepping (repl/cmd-step.c). */
void repl_journal_cmd(struct repl *, const char *line);
/* Journals a step of thread 'thread_id': the recorded future goes on if
 * it holds that step next, and is forgotten otherwise.  Returns true if
 * the step followed the recorded future. */
bool repl_journal_step(struct repl *, uint32_t thread_id);
/* Truncates the journal so that exactly 'steps' steps remain (commands
 * issued after that step are undone too), moving the rest to the recorded
 * future, and rebuilds. */
int repl_rewind_to(struct repl *, uint64_t steps);
int repl_step_thread(struct repl *, struct uk_thread *);
uint64_t repl_steps(const struct repl *);
void repl_print_new_events(struct repl *);
void repl_end_run(struct repl *);
/* The session's observer of its model's bus (logs, traces, breakpoints,
 * watches), and the rewrite of --events FILE from the session's events,
 * for repl/session.c. */
void repl_session_observe(const struct ukey_event *, void *r);
void repl_events_rewrite(struct repl *);
/* Fires the "ukey" tracepoints of the session's events 'from' to its last,
 * unless its output is muted: what "ukdb record" records of a rebuild. */
void repl_trace_events(const struct repl *, size_t from);

/* The model starts being traced: loads the probes of the "ukey"
 * tracepoints and traces what the model did so far (its threads' starts,
 * at least) first.  At the first command that changes or steps the model
 * (repl_execute()), or at once under "ukdb record" (main()). */
void repl_start_tracing(struct repl *);

/* Re-running the session (repl/session.c).
 *
 * Starts the session over on a fresh model built from 'cfg' and runs its
 * script again (the same commands: same breakpoints, same "next" and
 * "continue"), quietly.  This is how a variant change replays "the same
 * interleaving" under other code, where the steps themselves differ.
 * All or nothing: if a command of the script fails under 'cfg', the
 * session is left as it was (model, configuration, history, breakpoints,
 * the trace and --events untouched).  Returns 0, or an error (printed in
 * one line, after 'what', the change: "datapath netdev") naming the
 * command that failed and why. */
int repl_rescript(struct repl *, const struct udpif_config *cfg,
                  const char *what);

/* Hands the session's model over to the caller (who frees it with
 * udpif_destroy()): the session's observers are removed from its bus and
 * the session has no model until the next repl_rebuild(). */
struct udpif *repl_detach_model(struct repl *);

/* Re-applies the commands at the top of the recorded future (those issued
 * between two recorded steps), so that stepping on follows it. */
void repl_redo_commands(struct repl *);

/* Name lookups with error messages naming the argument.  NULL on error. */
struct uk_thread *repl_thread_arg(struct repl *, const char *cmd,
                                  const char *arg);
struct uk_flow *repl_flow_arg(struct repl *, const char *cmd,
                              const char *arg);
struct ukey *repl_ukey_arg(struct repl *, const char *cmd, const char *arg);
/* Parses 'arg', the value of option 'opt' of 'cmd' (NULL: an argument),
 * as a whole number in digits in [min, max] (uk_parse_number()).  An error
 * message naming 'cmd' and 'opt' says what is wrong with 'arg' and the
 * range, in the words of every command (uk_number_problem()): "not a
 * number (1 or more)", "out of range (1 to 64)".  A 'max' of UINT64_MAX / 2
 * or more is no bound worth telling (uk_number_range()).  Returns true
 * with '*out', else false. */
bool repl_number_option(struct repl *, const char *cmd, const char *opt,
                        const char *arg, uint64_t min, uint64_t max,
                        uint64_t *out);
/* repl_number_option() for an argument, not an option's value. */
bool repl_number_arg(struct repl *, const char *cmd, const char *arg,
                     uint64_t min, uint64_t max, uint64_t *out);

/* Parses a ukey id as "show ukeys" prints it or as typed: "N", "#N" or
 * "ukey#N" (N >= 1).  Returns true with '*id', or false after an error
 * message naming 'cmd'. */
bool repl_ukey_id_arg(struct repl *, const char *cmd, const char *arg,
                      uint64_t *id);
/* Whether 'arg' is written as a ukey id (digits after "", "#" or "ukey#"),
 * not a name. */
bool repl_is_ukey_id(const char *arg);
/* Whether 'arg' is written as a number, whole or not, in range or not
 * ("3", "-1", "1.5", "1e3"; uk_parse_number()), not a name: "step -1"
 * then refuses a count, not a thread, and no thread or flow is named so. */
bool repl_is_number(const char *arg);

/* The ukey a flow name designates now: the one in its umap, else its most
 * recent one, or NULL. */
struct ukey *repl_flow_current_ukey(const struct repl *, struct uk_flow *);

/* Whether a violation's message 'detail' names its seq 'seq' and, unless
 * 0, its earlier seq 'seq2' (then "show violations" does not repeat
 * them on a line of their own). */
bool repl_detail_names_seqs(const char *detail, uint64_t seq, uint64_t seq2);

/* Prints 's' (NULL: "") to stdout as a JSON string (repl/cmd-show.c), for
 * "set output json" in the model and in trace mode. */
void repl_json_string(const char *s);

/* Breakpoints and watches (repl/cmd-break.c), shared by the model and a
 * trace (repl/trace-motion.c): whether a breakpoint matches an event. */
bool repl_bp_matches(const struct breakpoint *, const struct ukey_event *);
/* The model's observer's part: each breakpoint that event 'e' (the last
 * of 'sess.events') hits, unless one stopped the step already or "goto"
 * passes them. */
void repl_bp_observe(struct repl *, const struct ukey_event *e);
/* Judges a hit of 'bp' (an event it matches) on the state now, after the
 * step or at the trace's cursor just past the event: true if it stops
 * there.  A hit where its condition is false is none; one where it holds
 * counts, and stops unless an ignore count ("ignore N COUNT") lets it
 * pass.  A condition that cannot be judged stops, after an error message,
 * and sets 'r->bp_cond_error'. */
bool repl_bp_hit(struct repl *, struct breakpoint *);
/* On the model, after a step: judges the breakpoints with a condition
 * that the step's events matched (marked 'pending' by the observer), and
 * sets 'r->bp_hit' to the one that stops at the earliest event, unless
 * one without a condition stopped before.  repl_bp_forget() drops them
 * and 'r->bp_hit', after a command that is no motion. */
void repl_bp_judge(struct repl *);
void repl_bp_forget(struct repl *);
/* Looks up again, by name, the threads and flows that breakpoints and
 * watches name (struct bp_target), where they apply now: the open trace,
 * else the model (as gdb re-sets its breakpoints when symbols come and
 * go).  Call whenever they may change there: a trace opened, read further
 * (live) or closed, a thread or flow declared, the model rebuilt.  One
 * that lacks a name becomes pending, one that has them all again
 * resolved, and says so ("Breakpoint N (WHAT) pending: the model has no
 * flow NAME.", "Watch N (flow NAME) resolved: ..."), unless quiet.  Does
 * nothing while the model is rebuilt ('r->replaying'). */
void repl_bp_resolve(struct repl *);
/* Notes that the condition of the breakpoint being set names 'what'
 * ("flow", "thread") 'name', which the model (or the open trace) lacks,
 * and so 'then' (what becomes of it): said after the line that says it
 * is set, as gdb says why a breakpoint is pending.  Such a name is no
 * error there (see repl/cmd-break.c). */
void repl_bp_note(struct repl *, const char *what, const char *name,
                  const char *then);
/* After a command on a trace: puts into the session's script, for each
 * breakpoint whose ignore count it used up, the "ignore N COUNT" that
 * leaves it so, for a configuration change to run again there. */
void repl_bp_trace_done(struct repl *);
/* After a configuration change has run the session's script again, from
 * 'old', the session it replaces: adds to each breakpoint the hits that
 * a trace's events made, which the script does not make again. */
void repl_bp_carry(struct repl *, const struct repl_session *old);
/* Frees what 'bp', or 'w', owns. */
void repl_bp_free(struct breakpoint *bp);
void repl_watch_free(struct watch *w);
/* Deletes 'bp', once it has stopped, if it is temporary ("tbreak"); on a
 * trace, whose motions are not in the session's script, puts "delete N"
 * there, so that a re-run does not set it again. */
void repl_bp_stopped(struct repl *, const struct breakpoint *bp);
/* The status of a motion command that has moved: CMD_ERROR if it stopped
 * where a breakpoint's condition could not be judged. */
enum cmd_status repl_motion_status(const struct repl *);

/* Conditions (repl/cmd-expect.c): what "expect" checks and a breakpoint's
 * condition tests, on the model or at the open trace's cursor. */
struct repl_cond;
enum repl_cond_value {
    REPL_COND_FALSE,
    REPL_COND_TRUE,
    REPL_COND_UNKNOWN,          /* Events lost, or a name unknown here. */
};
/* Parses the condition in the 'argc' words 'argv' (those after "expect":
 * "stat live_ukeys > 3"), checking its names in the open trace, else in
 * the model.  A breakpoint's ('of_bp') may name a flow or thread that is
 * not there, judged at each hit (with a note: repl_bp_note()); so may any
 * while the script runs again (repl_rescript()).  Returns a new
 * condition, or NULL after an error naming 'cmd'. */
struct repl_cond *repl_cond_parse(struct repl *, const char *cmd, int argc,
                                  char *argv[], bool of_bp);
/* Judges 'c' on the model, or at the open trace's cursor.  Unless true,
 * writes to 'why' ('size' bytes) what is so instead (false) or why it
 * cannot tell (unknown), without "expect:" or the like. */
enum repl_cond_value repl_cond_eval(struct repl *, const struct repl_cond *c,
                                    char *why, size_t size);
/* The words of 'c', as typed. */
const char *repl_cond_text(const struct repl_cond *c);
void repl_cond_free(struct repl_cond *c);

/* "ukey ID" or "flow NAME" in argv[1..2] of 'cmd' ("watch", "last"):
 * sets '*ukey_id' (else 0) or '*flow' to NAME in 'argv' (else NULL), for
 * the caller to look up where it applies.  False after an error. */
bool repl_target_parse(struct repl *, const char *cmd, int argc,
                       char *argv[], uint64_t *ukey_id, const char **flow);
/* Prints a line for each watch that 'e' (of the open trace, else of the
 * model) concerns: a transition of its ukey or flow, ended by 'note' (on a
 * trace, what marks a late event: trace_late_note()). */
void repl_print_watch_lines(const struct repl *, const struct ukey_event *e,
                            const char *note);

/* Command implementations, by family (one file each). */
repl_cmd_fn cmd_help, cmd_apropos, cmd_quit, cmd_source, cmd_echo, cmd_set;
repl_cmd_fn cmd_variant, cmd_datapath, cmd_umaps, cmd_thread, cmd_flow;
repl_cmd_fn cmd_upcall, cmd_traffic, cmd_round, cmd_purge, cmd_purge_pmd;
repl_cmd_fn cmd_flush, cmd_shutdown, cmd_expire, cmd_modify, cmd_dp;
repl_cmd_fn cmd_choices, cmd_choose, cmd_step, cmd_next, cmd_run;
repl_cmd_fn cmd_continue;
repl_cmd_fn cmd_back, cmd_goto, cmd_break, cmd_delete, cmd_info, cmd_watch;
repl_cmd_fn cmd_enable, cmd_ignore, cmd_condition, cmd_unwatch;
repl_cmd_fn cmd_last, cmd_show, cmd_history, cmd_log, cmd_expect;
repl_cmd_fn cmd_explore, cmd_open, cmd_rcu, cmd_when, cmd_reproduce;
repl_cmd_fn cmd_reverse_continue, cmd_close, cmd_wait;

extern const char explore_options_help[];   /* repl/cmd-explore.c */

repl_complete_fn complete_thread, complete_flow, complete_show;
repl_complete_fn complete_variant, complete_break, complete_expect;
repl_complete_fn complete_dp, complete_ukey_or_flow, complete_set;
repl_complete_fn complete_help, complete_flow_name, complete_upcall;
repl_complete_fn complete_condition, complete_info, complete_rcu;

#endif /* UKDB_REPL_REPL_H */

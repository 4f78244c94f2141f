/* SPDX-License-Identifier: Apache-2.0 */
/* The command table: one entry per command drives dispatch, "help",
 * "apropos", completion and the man page's command list (SQLite's shell
 * and OVS's unixctl do the same). */
#include "repl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct repl_cmd repl_commands[] = {
    /* ==== Scenario ==== */
    { "variant", "[NAME]", "show or select the variant of the OVS code",
      "  Without NAME, lists the variants.  Selecting one mid-session "
      "replays\n"
      "  everything done so far (the same interleaving) under the new code;\n"
      "  if a command of the session fails under it, the change is refused\n"
      "  and the session stays as it was (so for datapath, umaps and set).\n"
      "  Selecting the variant already selected replays nothing.  On a\n"
      "  trace, these settings of the model are refused: \"close\" first\n"
      "  (the list, the model's, still shows).",
      "variant v1-replace", 0, 1, cmd_variant, complete_variant,
      0 },
    { "datapath", "kernel|netdev", "select the datapath (handlers or PMDs)",
      "  kernel: handler threads read the misses of dpif-netlink\n"
      "  (recv_upcalls(), then handle_upcalls() for the batch).\n"
      "  netdev: PMD threads handle their own misses (upcall_cb()).\n"
      "  Replays the session: refused if its threads need the other one.",
      "datapath netdev", 1, 1, cmd_datapath, NULL, 0 },
    { "umaps", "N", "set the number of umap shards (OVS: 512)",
      "  Default 4.  Replays the session with the new number.",
      "umaps 8", 1, 1, cmd_umaps, NULL, 0 },
    { "handler", "NAME", "add a handler thread (kernel datapath)",
      NULL, "handler h0", 1, 1, cmd_thread, NULL,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "pmd", "NAME", "add a PMD thread (netdev datapath)",
      NULL, "pmd pmd0", 1, 1, cmd_thread, NULL,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "revalidator", "NAME", "add a revalidator thread",
      "  The first revalidator of a round is its leader.",
      "revalidator r0", 1, 1, cmd_thread, NULL,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "flow", "NAME [THREAD]", "declare a flow (its misses go to THREAD)",
      "  Its ufid is a hash of NAME.  Without THREAD, misses go to a handler\n"
      "  (or PMD) chosen by hash.  Declaring NAME twice is an error.",
      "flow f1 h0", 1, 2, cmd_flow, complete_thread,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "upcall", "THREAD FLOW [PACKETS]", "queue a miss upcall on a thread",
      "  Two upcalls queued before the handler runs make one batch\n"
      "  (handle_upcalls()).",
      "upcall h0 f1", 2, 3, cmd_upcall, complete_upcall,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "traffic", "FLOW [N]", "send N packets (fastpath or slowpath)",
      "  Counted on the flow's datapath flow if there is one; otherwise\n"
      "  slowpathed: a miss upcall is queued on its handler or PMD.",
      "traffic f1 10", 1, 2, cmd_traffic, complete_flow_name,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "round", "[REVALIDATOR]", "queue a revalidator round",
      "  Dump phase, barrier, sweep phase.  Without REVALIDATOR every\n"
      "  revalidator takes part (they meet at the barriers).",
      "round r0", 0, 1, cmd_round, complete_thread,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "dump", "[REVALIDATOR]", "queue the dump phase of a round only",
      NULL, "dump r0", 0, 1, cmd_round, complete_thread,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "sweep", "[REVALIDATOR]", "queue the sweep phase of a round only",
      NULL, "sweep r0", 0, 1, cmd_round, complete_thread,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "purge", "", "queue revalidator/purge on the main thread",
      "  Pauses the revalidators (bd86266ea); handlers keep running.",
      "purge", 0, 0, cmd_purge, NULL, REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "purge-pmd", "PMD", "queue dp_purge_cb() for a deleted PMD",
      "  Every ukey of the PMD goes to EVICTING, whatever its state and\n"
      "  without its lock, as in OVS; then push_ukey_ops() deletes them.",
      "purge-pmd pmd0", 1, 1, cmd_purge_pmd, complete_thread,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "flush", "", "queue udpif_flush() on the main thread",
      NULL, "flush", 0, 0, cmd_flush, NULL,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "shutdown", "", "queue udpif_destroy(): free everything, end the run",
      "  After it, the checker looks for leaked ukeys.  Once it has run,\n"
      "  the commands that set up or queue work are errors.",
      "shutdown", 0, 0, cmd_shutdown, NULL,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "expire", "FLOW", "make the next dump find FLOW idle",
      NULL, "expire f1", 1, 1, cmd_expire, complete_flow_name,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "modify", "FLOW", "change FLOW's OpenFlow actions (reval_seq moves)",
      NULL, "modify f1", 1, 1, cmd_modify, complete_flow_name,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "dp", "add|del|fail|dup|show ...",
      "datapath: changes, faults, contents",
      "  dp add FLOW                  put it under OVS, with no ukey and\n"
      "                               FLOW's actions of now (dpctl/add-flow,\n"
      "                               or left by OVS before a restart)\n"
      "  dp del FLOW                  delete it under OVS (dpctl/del-flows)\n"
      "  dp fail put|del|modify FLOW [ERRNO]\n"
      "                               the next such op on FLOW fails\n"
      "  dp dup FLOW                  the next dump returns FLOW twice\n"
      "  dp show                      the datapath flow table",
      "dp fail del f1 ENOENT", 1, 4, cmd_dp, complete_dp,
      REPL_CMD_JOURNAL | REPL_CMD_RECORD },
    { "rcu", "[step]", "show the RCU callbacks, or run one (step urcu)",
      "  A postponed free runs once every busy thread has quiesced since,\n"
      "  or waits at a barrier (quiescent, in OVS's poll_block()).",
      "rcu", 0, 1, cmd_rcu, complete_rcu, REPL_CMD_RECORD },

    /* ==== Stepping ==== */
    { "choices", "", "list the runnable threads and their next action",
      "  Like spin's interactive mode: each line is a choice you can take\n"
      "  with \"choose N\" or \"step THREAD\".",
      "choices", 0, 0, cmd_choices, NULL, 0 },
    { "step", "[THREAD] [N]", "take N steps (default 1) of a thread",
      "  Without THREAD: the recorded future after \"back\", else the\n"
      "  first runnable thread.  Each step is one action on shared state.\n"
      "  On a trace: step N moves N events on, step THREAD to THREAD's\n"
      "  next event (as \"next\").",
      "step revalidator0 3", 0, 2, cmd_step, complete_thread,
      REPL_CMD_MOTION | REPL_CMD_RECORD },
    { "choose", "N [COUNT]", "take choice N of \"choices\"",
      "  As in spin's interactive simulation: \"choices\" numbers the\n"
      "  runnable threads, \"choose 2\" steps the second one.",
      "choose 2", 1, 2, cmd_choose, NULL,
      REPL_CMD_MOTION | REPL_CMD_RECORD },
    { "next", "THREAD", "step THREAD until its operation is over",
      "  On a trace: to THREAD's next event; with none ahead, an error\n"
      "  and the cursor stays.", "next h0", 1, 1, cmd_next, complete_thread,
      REPL_CMD_MOTION | REPL_CMD_RECORD },
    { "run", "[MAXSTEPS]", "step round-robin until idle or a breakpoint",
      "  Ctrl-C stops it at the next step.  On a trace: as \"continue\",\n"
      "  at most MAXSTEPS events on.",
      "run", 0, 1, cmd_run, NULL, REPL_CMD_MOTION | REPL_CMD_RECORD },
    { "continue", "", "follow the recorded future, else run",
      "  On a trace: on to the next breakpoint; on a live session, waits for\n"
      "  new events until one hits or the session ends (Ctrl-C stops).",
      "continue", 0, 0, cmd_continue, NULL,
      REPL_CMD_MOTION | REPL_CMD_RECORD },
    { "back", "[N]", "go back N steps (exact, by replay)",
      NULL, "back 2", 0, 1, cmd_back, NULL,
      REPL_CMD_MOTION | REPL_CMD_RECORD },
    { "goto", "STEP", "go to step number STEP (back or forward)",
      "  On a trace: goto N (event N), goto seq:S or #S (the event of seq "
      "S),\n"
      "  goto TIME (the first event at 1.5ms, 200us, 3s... from the start),\n"
      "  goto end (the last event, on a live session the last so far).\n"
      "  Out of range: an error with the range in the target's unit.\n"
      "  Breakpoints neither stop goto nor count what it passes.",
      "goto 10", 1, 1, cmd_goto, NULL, REPL_CMD_RECORD },
    { "break", "transition|violation|event ... [if COND]",
      "set a breakpoint",
      "  break transition [FROM->]TO [ukey ID|flow NAME] [thread NAME]\n"
      "  break violation [KIND]\n"
      "  break event NAME [ukey ID|flow NAME] [thread NAME]\n"
      "  Motion commands stop after the step that hits it.  With \"if COND\"\n"
      "  (any condition of \"expect\": \"if stat live_ukeys >= 2\"), only\n"
      "  where COND holds after that step (\"help condition\").  A flow or\n"
      "  thread is found by name again wherever they change (open, close,\n"
      "  one declared, back): where it is not, the breakpoint is pending\n"
      "  and matches nothing until it is (\"info breakpoints\").  So when\n"
      "  set too, as gdb's \"set breakpoint pending on\": a flow or thread\n"
      "  not declared (or started) yet is no error.  A condition's names\n"
      "  are looked up at each hit, on a trace too (a note says so).\n"
      "  Hits and ignore counts stay across open and close; a variant\n"
      "  (datapath, umaps, set) change counts those of the model's steps\n"
      "  again, under the new code, and keeps those of a trace's events.",
      "break transition EVICTED->DELETED flow f1", 1, -1, cmd_break,
      complete_break, REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "tbreak", "transition|violation|event ... [if COND]",
      "a breakpoint that is deleted when hit",
      "  The forms of \"break\" (\"help break\"), \"if COND\" too; it stops\n"
      "  a motion command once, then is deleted (hit on a trace too, it\n"
      "  stays so when a variant change runs the session again).",
      "tbreak violation", 1, -1, cmd_break, complete_break,
      REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "delete", "[N...]", "delete breakpoints N..., or all",
      NULL, "delete 1 3", 0, -1, cmd_delete, NULL,
      REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "disable", "[N...]", "disable breakpoints N..., or all",
      "  A disabled breakpoint neither stops nor counts hits; \"enable\"\n"
      "  turns it back on.",
      "disable 2", 0, -1, cmd_enable, NULL,
      REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "enable", "[N...]", "enable breakpoints N..., or all",
      NULL, "enable 2", 0, -1, cmd_enable, NULL,
      REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "ignore", "N COUNT", "let breakpoint N pass its next COUNT hits",
      "  The hits still count (info breakpoints); with a condition, only\n"
      "  those where it holds (\"help condition\").  \"ignore N 0\" cancels.",
      "ignore 1 2", 2, 2, cmd_ignore, NULL,
      REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "condition", "N [COND]", "stop at breakpoint N only where COND holds",
      "  COND is any condition of \"expect\" (\"help expect\"), written as\n"
      "  after it: state, violation, no-violation, dp, stat, runnable or\n"
      "  blocked.  It is checked when set (a bad one changes nothing; a\n"
      "  flow or thread not declared yet is no error: see \"help break\")\n"
      "  and judged at each hit, after the step (on a trace: the event)\n"
      "  that hit it.  A hit where it is false does not count, nor use up\n"
      "  an \"ignore\" count (as in gdb).  Where it cannot be judged\n"
      "  (events lost: \"cannot tell\"), the motion stops there with an\n"
      "  error.\n"
      "  Without COND: the breakpoint stops at every hit again.",
      "condition 1 stat live_ukeys > 3", 1, -1, cmd_condition,
      complete_condition, REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "info", "breakpoints|watches", "list breakpoints or watches",
      NULL, "info breakpoints", 1, 1, cmd_info, complete_info, 0 },
    { "watch", "ukey ID|flow NAME", "print every transition of a ukey/flow",
      "  A flow is found by name again wherever the flows change, as a\n"
      "  breakpoint's (\"help break\"): where there is none of that name,\n"
      "  the watch is pending and prints nothing until there is (\"info\n"
      "  watches\").  So when set too: a flow not declared yet is no error.",
      "watch flow f1", 2, 2, cmd_watch, complete_ukey_or_flow,
      REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "unwatch", "[N...]", "delete watches N..., or all",
      NULL, "unwatch 1", 0, -1, cmd_unwatch, NULL,
      REPL_CMD_RECORD | REPL_CMD_ANY_MODE },
    { "last", "ukey ID|flow NAME",
      "go back to just before its last transition",
      NULL, "last ukey 1", 2, 2, cmd_last, complete_ukey_or_flow,
      REPL_CMD_RECORD },

    /* ==== Inspection ==== */
    { "show", "WHAT [ARG]", "show model state",
      "  show ukeys | ukey ID|FLOW | umaps | dp | threads | locks | rcu |\n"
      "  stats | violations | variant | config\n"
      "  On a trace, the state at the cursor: ukeys | ukey ID|FLOW | umaps |\n"
      "  dp | threads | locks | stats | violations\n"
      "  \"set output json\" prints JSON instead of tables.",
      "show ukey f1", 1, 2, cmd_show, complete_show, 0 },
    { "history", "UKEY|FLOW", "the lifecycle of a ukey or flow so far",
      NULL, "history f1", 1, 1, cmd_history, complete_flow, 0 },
    { "log", "[N]", "the last N events (default 20)",
      NULL, "log 50", 0, 1, cmd_log, NULL, 0 },
    { "when", "", "where the session is (step, event, trace position)",
      NULL, "when", 0, 0, cmd_when, NULL, 0 },

    /* ==== Scripts ==== */
    { "expect", "WHAT ...", "check a condition (scripts exit 1 if false)",
      "  A failed expect stops a script or -c there (not with --keep-going)\n"
      "  and makes it exit 1; at the prompt, the session goes on.\n"
      "  expect state FLOW|ID STATE|none   (none: not in its umap; an ID\n"
      "                             not created yet or freed has none)\n"
      "  expect violation [KIND [FLOW]]  (any kind, on any flow, if\n"
      "                             omitted)\n"
      "  expect no-violation\n"
      "  expect dp FLOW present|absent\n"
      "  expect stat NAME OP VALUE  (OP: == != < <= > >=; NAME: see\n"
      "                             \"show stats\")\n"
      "  expect runnable THREAD | expect blocked THREAD\n"
      "  On a trace: state, violation, no-violation, dp and stat (NAME: a\n"
      "  figure of its \"show stats\" JSON), at the cursor; an error\n"
      "  (\"cannot tell\") where events lost before it leave the answer\n"
      "  unknown.  events, live_ukeys, ukeys_in_umaps and datapath_flows\n"
      "  are figures of the model too.",
      "expect violation double-delete", 1, 4, cmd_expect, complete_expect,
      0 },
    { "explore", "[OPTIONS]", "search interleavings from here",
      explore_options_help,
      "explore --preempt-bound 2", 0, -1, cmd_explore, NULL, 0 },
    { "source", "FILE", "run the commands of FILE",
      NULL, "source examples/race-v1-replace.ukdb", 1, 1, cmd_source, NULL,
      0 },
    { "echo", "TEXT...", "print TEXT",
      NULL, "echo the sweeper is about to lock the umap", 0, -1, cmd_echo,
      NULL, 0 },
    { "set", "output text|json | echo on|off | dump-batch N | "
      "upcall-batch N | flow-limit N | stuck-rounds N | slowpath-rounds N",
      "session and model settings",
      "  stuck-rounds N     the checker's stuck-ukey after N rounds "
      "(default 6)\n"
      "  slowpath-rounds N  its slowpath after N slowpathed rounds "
      "(default 5),\n"
      "                     counted from the flow's latest put, failed "
      "or not\n"
      "  The model settings (all but output and echo) replay the "
      "session;\n"
      "  on a trace, they are refused (\"close\" first), as \"variant\" is.",
      "set output json", 2, 2, cmd_set, complete_set, 0 },

    /* ==== Traces ==== */
    { "open", "TRACE|net://...", "open a recorded trace or a live session",
      "  Then step/back/goto move a cursor over its events.  Another "
      "\"open\"\n"
      "  replaces the trace.  net://HOST/host/HOSTNAME/SESSION (a relay\n"
      "  daemon's live session): events are read as the program runs;\n"
      "  a motion at the last event read says \"no new event yet\", and\n"
      "  \"wait\" and \"continue\" follow the session (Ctrl-C stops them).",
      "open traces/race-v1-replace", 1, 1, cmd_open, NULL, 0 },
    { "close", "", "close the trace, back to the model",
      "  The model session is as it was before \"open\" (breakpoints and\n"
      "  watches stay; one on a flow or thread the model lacks is\n"
      "  pending).",
      "close", 0, 0, cmd_close, NULL, 0 },
    { "wait", "[SECONDS]", "on a live session: wait for new events",
      "  Reads until new events come, the session ends or SECONDS pass\n"
      "  (default 10; 0: no limit); the cursor does not move.",
      "wait 5", 0, 1, cmd_wait, NULL, 0 },
    { "reproduce", "[-o FILE] [--variant NAME]",
      "turn the open trace into a scenario script",
      "  Derives the schedule (which thread took which step) by replaying\n"
      "  the scenario on the model and following the trace's events; the\n"
      "  variant is found by replay too unless given.  Without -o, prints\n"
      "  the script.  Stops at the first event the model cannot re-emit.",
      "reproduce -o repro.ukdb", 0, 4, cmd_reproduce, NULL, 0 },
    { "reverse-continue", "", "on a trace: back to the previous breakpoint",
      NULL, "reverse-continue", 0, 0, cmd_reverse_continue, NULL,
      REPL_CMD_MOTION },

    /* ==== Session ==== */
    { "help", "[COMMAND|WORD]", "list commands, or explain one",
      NULL, "help break", 0, 1, cmd_help, complete_help, 0 },
    { "apropos", "WORD", "search the help for WORD",
      NULL, "apropos rcu", 1, 1, cmd_apropos, NULL, 0 },
    { "quit", "", "leave ukdb",
      NULL, "quit", 0, 0, cmd_quit, NULL, 0 },
    { NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0 },
};

size_t
repl_n_commands(void)
{
    size_t n = 0;
    while (repl_commands[n].name) {
        n++;
    }
    return n;
}

const struct repl_cmd *
repl_find_command(const char *name, bool *ambiguous)
{
    const struct repl_cmd *found = NULL;
    size_t len = strlen(name);
    *ambiguous = false;
    if (!strcmp(name, "exit") || !strcmp(name, "q")) {
        name = "quit";
        len = 4;
    } else if (!strcmp(name, "s")) {
        name = "step";
        len = 4;
    } else if (!strcmp(name, "c")) {
        name = "continue";
        len = 8;
    } else if (!strcmp(name, "b")) {
        name = "break";
        len = 5;
    } else if (!strcmp(name, "i")) {
        name = "info";          /* gdb's "i b". */
        len = 4;
    } else if (!strcmp(name, "d")) {
        name = "delete";        /* As in gdb. */
        len = 6;
    }
    for (const struct repl_cmd *c = repl_commands; c->name; c++) {
        if (!strcmp(c->name, name)) {
            return c;
        }
        if (len && !strncmp(c->name, name, len)) {
            if (found) {
                *ambiguous = true;
            }
            found = found ? found : c;
        }
    }
    return *ambiguous ? NULL : found;
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;
    return strcmp(*a, *b);
}

void
repl_command_candidates(const char *prefix, char *buf, size_t size)
{
    const char *names[sizeof repl_commands / sizeof *repl_commands];
    size_t n = 0;
    for (const struct repl_cmd *c = repl_commands; c->name; c++) {
        if (!strncmp(c->name, prefix, strlen(prefix))) {
            names[n++] = c->name;
        }
    }
    qsort(names, n, sizeof *names, compare_names);
    repl_join(buf, size, (char *const *) names, n, ", ");
}

static void
print_usage(const struct repl_cmd *c)
{
    printf("usage: %s%s%s\n", c->name, *c->args ? " " : "", c->args);
}

/* "  LABEL: " and the 'n' names 'name' gives, wrapped at 79 columns under
 * the first. */
static void
print_names(const char *label, int n, const char *(*name)(int))
{
    int indent = printf("  %s:", label), col = indent;
    for (int i = 0; i < n; i++) {
        if (col + 1 + (int) strlen(name(i)) + 1 > 79) {
            col = printf("\n%*s", indent, "") - 1;
        }
        col += printf(" %s%s", name(i), i + 1 < n ? "," : "");
    }
    putchar('\n');
}

enum cmd_status
cmd_help(struct repl *r, int argc, char *argv[])
{
    if (argc == 1) {
        printf("Commands (\"help CMD\" for details, \"apropos WORD\" to "
               "search):\n");
        for (const struct repl_cmd *c = repl_commands; c->name; c++) {
            char head[64];
            snprintf(head, sizeof head, "%s %s", c->name, c->args);
            if (strlen(head) > 30) {
                snprintf(head, sizeof head, "%s ...", c->name);
            }
            printf("  %-30s %s\n", head, c->summary);
        }
        return CMD_OK;
    }
    bool ambiguous;
    const struct repl_cmd *c = repl_find_command(argv[1], &ambiguous);
    if (!c) {
        return cmd_apropos(r, argc, argv);
    }
    print_usage(c);
    printf("  %s.\n", c->summary);
    if (c->details) {
        printf("%s\n", c->details);
    }
    if (c->run == cmd_break || c->run == cmd_expect
        || c->run == cmd_condition) {
        /* The kinds their "violation KIND" takes. */
        print_names("KIND", N_UK_VIOLATION_KINDS, uk_violation_kind_name);
    }
    if (c->run == cmd_break) {
        /* The events "event NAME" takes: before, no help named them. */
        print_names("event NAME", N_UK_EVENT_TYPES, uk_event_type_name);
    }
    printf("example: %s\n", c->example);
    return CMD_OK;
}

enum cmd_status
cmd_apropos(struct repl *r, int argc, char *argv[])
{
    const char *word = argv[1];
    int n = 0, width = 0;
    /* The names in a column as wide as the longest: a fixed 12 ran
     * "reverse-continue" into its summary. */
    for (const struct repl_cmd *c = repl_commands; c->name; c++) {
        int len = (int) strlen(c->name);
        width = len > width ? len : width;
    }
    for (const struct repl_cmd *c = repl_commands; c->name; c++) {
        if (strcasestr(c->name, word) || strcasestr(c->summary, word)
            || (c->details && strcasestr(c->details, word))
            || strcasestr(c->args, word)) {
            printf("  %-*s  %s\n", width, c->name, c->summary);
            n++;
        }
    }
    if (!n) {
        repl_error(r, "%s: nothing about '%s'; try \"help\"", argv[0], word);
        return CMD_ERROR;
    }
    return CMD_OK;
}

void
complete_help(struct repl *r, int argi, char *argv[],
              void (*add)(void *, const char *), void *aux)
{
    if (argi == 1) {
        for (const struct repl_cmd *c = repl_commands; c->name; c++) {
            add(aux, c->name);
        }
    }
}

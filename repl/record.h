/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb record": runs a program (normally ukdb itself on a scenario) under a
 * private LTTng session and leaves a CTF trace of its "ukey" events.  The
 * session daemon is started for the run and stopped by pid; nothing else on
 * the machine is touched.  record_main() is the subcommand;
 * record_run() is the reusable part ("ukdb load --record DIR"). */
#ifndef UKDB_REPL_RECORD_H
#define UKDB_REPL_RECORD_H 1

#include <stdbool.h>

struct record_options {
    /* Exactly one of the two. */
    const char *output;         /* Trace directory: absent or empty. */
    const char *live_url;       /* lttng-relayd URL for a live session
                                 * ("net://HOST[:CTRL:DATA]"). */
    unsigned int live_timer_us; /* Live timer; 0 = 100000 (100 ms). */
    bool search_path;           /* Look child_argv[0] up in PATH. */
    bool quiet;                 /* No summary on stderr. */
    bool child_stops_on_signal; /* The child stops cleanly on SIGINT and
                                 * SIGTERM and says so ("ukdb load"): its
                                 * exit status stands. */
};

/* Runs 'child_argv' (NULL-terminated; child_argv[0] the program) traced:
 * checks that lttng-tools is installed and that 'opts->output' is absent or
 * empty and writable; as root enters a private mount and network namespace
 * (the network one only without 'live_url') with tmpfs on /run/lttng and
 * /dev/shm; starts a private lttng-sessiond with a temporary LTTNG_HOME;
 * creates a session with one blocking channel (sized to fit /dev/shm)
 * enabling "ukey:*"; runs the child with LTTNG_UST_ALLOW_BLOCKING=1; stops
 * and destroys the session (the data is then on disk), stops the daemon by
 * pid and removes LTTNG_HOME; prints the trace directories and their event
 * count on stderr unless 'opts->quiet'.
 *
 * Returns the child's exit status (DESIGN.md's 0/1/2: 0 the scenario held,
 * 1 an expect failed), 2 if the child was killed by a signal or on any
 * setup or teardown error (with a "ukdb: error: ..." message on stderr).
 * SIGINT and SIGTERM received meanwhile are forwarded to the child and the
 * daemon is still stopped; the status is then 2 even if the child exited
 * 0, unless 'opts->child_stops_on_signal'.
 *
 * Context: call from the main thread, with no other child processes to
 * reap (it waits for its own children by pid).  As root, the calling
 * thread stays in the private namespaces after return.  Restores LTTNG_HOME
 * and the signal dispositions it changed. */
int record_run(const struct record_options *opts, char *const child_argv[]);

#endif /* UKDB_REPL_RECORD_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of the ukdb program ("ukdb audit TRACE", "ukdb record
 * ...").  main() dispatches argv[1] to one of these with argv shifted so
 * that argv[0] is the subcommand's name.  Each returns the process exit
 * status of DESIGN.md's command-line contract. */
#ifndef UKDB_REPL_SUBCOMMANDS_H
#define UKDB_REPL_SUBCOMMANDS_H 1

#include "core/compiler.h"

int audit_main(int argc, char *argv[]);    /* repl/cmd-audit.c */
int view_main(int argc, char *argv[]);     /* repl/cmd-audit.c */
int record_main(int argc, char *argv[]);   /* repl/record.c */
int explore_main(int argc, char *argv[]);  /* repl/cmd-explore.c */
int load_main(int argc, char *argv[]);     /* repl/load.c */

/* Reports a usage error of the command line in one line on stderr,
 * "ukdb: error: SUBCOMMAND: MESSAGE (see "ukdb SUBCOMMAND --help")", or
 * without the subcommand if it is NULL, and returns 2 (the exit status of
 * a usage error).  In repl/input.c. */
int ukdb_usage_error(const char *subcommand, const char *fmt, ...)
    UK_PRINTF(2, 3);

#endif /* UKDB_REPL_SUBCOMMANDS_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of the ukdb program ("ukdb audit TRACE", "ukdb record
 * ...").  main() dispatches argv[1] to one of these with argv shifted so
 * that argv[0] is the subcommand's name.  Each returns the process exit
 * status of DESIGN.md's command-line contract. */
#ifndef UKDB_REPL_SUBCOMMANDS_H
#define UKDB_REPL_SUBCOMMANDS_H 1

int audit_main(int argc, char *argv[]);    /* repl/cmd-audit.c */
int view_main(int argc, char *argv[]);     /* repl/cmd-audit.c */
int record_main(int argc, char *argv[]);   /* repl/record.c */
int explore_main(int argc, char *argv[]);  /* repl/cmd-explore.c */
int load_main(int argc, char *argv[]);     /* repl/load.c */

#endif /* UKDB_REPL_SUBCOMMANDS_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* audit-driver: "ukdb audit" and "ukdb view" without the rest of ukdb, for
 * testing repl/cmd-audit.c before (or without) the REPL's main().
 *
 *   audit-driver audit|view ARGS... */
#include <stdio.h>
#include <string.h>

#include "repl/subcommands.h"

int
main(int argc, char *argv[])
{
    if (argc >= 2 && !strcmp(argv[1], "audit")) {
        return audit_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && !strcmp(argv[1], "view")) {
        return view_main(argc - 1, argv + 1);
    }
    fprintf(stderr, "usage: audit-driver audit|view ARGS...\n");
    return 2;
}

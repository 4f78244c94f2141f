/* SPDX-License-Identifier: Apache-2.0 */
/* record-driver: "ukdb record" without the rest of ukdb, for
 * tests/t2001-record.sh while build/ukdb does not link yet:
 *
 *   record-driver record -o DIR --exec PROGRAM [ARGS...]
 *
 * behaves as "ukdb record ..." (argv[1] is the subcommand). */
#include <stdio.h>
#include <string.h>

#include "repl/subcommands.h"

int
main(int argc, char *argv[])
{
    if (argc < 2 || strcmp(argv[1], "record")) {
        fprintf(stderr, "usage: record-driver record ARGS...\n");
        return 2;
    }
    return record_main(argc - 1, argv + 1);
}

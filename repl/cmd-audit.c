/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb audit" and "ukdb view": the command-line side of the babeltrace2
 * plugin.  Parses the arguments into report options and runs the graph of
 * tracepoints/plugin/graph.c (src.ctf.fs or src.ctf.lttng-live, muxer,
 * the plugin's sink), which prints the same report as the babeltrace2
 * components sink.ukey.audit and sink.ukey.lifecycle.  No babeltrace2
 * header here (STYLE.md's layering). */
#include "subcommands.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "tracepoints/plugin/graph.h"
#include "tracepoints/plugin/report.h"

static void
cmd_audit_usage(FILE *f, bool view)
{
    if (!view) {
        fputs("usage: ukdb audit [--format text|json] TRACE...\n"
              "Checks the ukey lifecycles of CTF traces (directories,\n"
              "searched for traces) or of a live session (net://HOST/host/"
              "HOSTNAME/SESSION).\n"
              "Options may follow TRACE; \"--\" ends them.\n"
              "Exit status: 0 clean, 1 violations (ERROR), 2 error,\n"
              "3 inconclusive only (lost events, partial run).\n", f);
        return;
    }
    fputs("usage: ukdb view [OPTION]... TRACE...\n"
          "Prints per-ukey timelines of CTF traces.\n"
          "  --ukey ID          only ukey ID\n"
          "  --flow NAME        only the ukeys of flow NAME\n"
          "  --thread NAME      only what thread NAME did\n"
          "  --begin B, --end E time range: ns from the clock's origin "
          "(N or Nns),\n"
          "                     seconds from the first event (+S.FFF), or"
          " event seq\n"
          "                     (seq:N or #N); B after E of the same kind "
          "is an error\n"
          "  --format FORMAT    text (default), json, chrome (Chrome "
          "trace-event\n"
          "                     JSON for Perfetto), raw (one canonical line"
          " per event)\n"
          "Options may follow TRACE; \"--\" ends them.  A filter that "
          "selects nothing\n"
          "says \"no ukey matched\" (on stderr but in the text format).\n"
          "Exit status: 0, or 2 on error.\n", f);
}

/* Prints "ukdb: error: SUBCOMMAND: OPTION: 'ARG': WHAT" (without the parts
 * that are NULL) and the hint, in one line.  Returns 2. */
static int
cmd_audit_usage_error(bool view, const char *option, const char *arg,
                      const char *what)
{
    return ukdb_usage_error(view ? "view" : "audit", "%s%s%s%s%s%s",
                            option ? option : "", option ? ": " : "",
                            arg ? "'" : "", arg ? arg : "",
                            arg ? "': " : "", what);
}

enum { OPT_UKEY = 256, OPT_FLOW, OPT_THREAD, OPT_BEGIN, OPT_END };

static const struct option audit_options[] = {
    { "format", required_argument, NULL, 'F' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static const struct option view_options[] = {
    { "format", required_argument, NULL, 'F' },
    { "help", no_argument, NULL, 'h' },
    { "ukey", required_argument, NULL, OPT_UKEY },
    { "flow", required_argument, NULL, OPT_FLOW },
    { "thread", required_argument, NULL, OPT_THREAD },
    { "begin", required_argument, NULL, OPT_BEGIN },
    { "end", required_argument, NULL, OPT_END },
    { NULL, 0, NULL, 0 },
};

/* Takes option 'c' (getopt_long()'s) with 'arg' into 'o'; a --begin or
 * --end also into '*bound_args' (for the empty range's error).  Returns -1
 * to go on, else the exit status (after --help, or a usage error). */
static int
take_option(bool view, int c, const char *arg, struct report_options *o,
            const char *bound_args[2])
{
    switch (c) {
    case 'h':
        cmd_audit_usage(stdout, view);
        return 0;
    case 'F': {
        int f = report_format_from_name(arg);
        if (f < 0 || (!view && f != REPORT_TEXT && f != REPORT_JSON)) {
            return cmd_audit_usage_error(view, "--format", arg,
                                         "unknown format");
        }
        o->format = (enum report_format) f;
        return -1;
    }
    case OPT_UKEY:
        return uk_parse_ukey_id(arg, &o->ukey_id)
               ? -1 : cmd_audit_usage_error(view, "--ukey", arg,
                                            "not a ukey id");
    case OPT_FLOW:
        o->flow = arg;
        return -1;
    case OPT_THREAD:
        o->thread = arg;
        return -1;
    case OPT_BEGIN:
    case OPT_END: {
        enum uk_number kind = report_parse_bound(arg, c == OPT_BEGIN
                                                 ? &o->begin : &o->end);
        if (kind == UK_NUMBER_OK) {
            bound_args[c == OPT_END] = arg;
            return -1;
        }
        char problem[UK_NUMBER_TEXT_SIZE], what[512];
        report_bound_problem(problem, sizeof problem, kind);
        snprintf(what, sizeof what, "%s%s", problem,
                 report_bound_out_of_range(kind)
                 ? "" : "; expecting " REPORT_BOUND_FORMS);
        return cmd_audit_usage_error(view, c == OPT_BEGIN ? "--begin"
                                     : "--end", arg, what);
    }
    case ':':
        return cmd_audit_usage_error(view, NULL, arg, "needs an argument");
    default:
        return cmd_audit_usage_error(view, NULL, arg, "unknown option");
    }
}

/* The word of the command line that getopt_long() refused (it returned
 * '?' or ':'): argv[optind - 1], unless the refused option is a letter in
 * the middle of a word ("-xh": optind is still on it), which 'short_opt'
 * then holds as "-x". */
static const char *
refused_word(char *argv[], char short_opt[3])
{
    /* optopt is the letter of an unknown short option, 0 for an unknown
     * long one; 'h' only for "--help=ARG", the one option that takes no
     * argument (the others' 'val's are no letters but 'F'). */
    if (optopt && optopt != 'h' && optopt != 'F' && optopt < 256) {
        short_opt[0] = '-';
        short_opt[1] = (char) optopt;
        short_opt[2] = '\0';
        return short_opt;
    }
    return argv[optind - 1];
}

/* The body of both subcommands. */
static int
cmd_audit_main(int argc, char *argv[], bool view)
{
    struct report_options o = {
        .mode = view ? REPORT_VIEW : REPORT_AUDIT,
        .format = REPORT_TEXT,
    };
    const char *bound_args[2] = { NULL, NULL };    /* --begin, --end. */
    int c;

    optind = 0;                 /* Full re-initialization (glibc). */
    opterr = 0;
    /* No '+': as babeltrace2's and GNU tools', an option may follow a
     * TRACE ("ukdb audit TRACE --format json", where the '+' of the first
     * version took "--format" for a trace); "--" ends them, for a trace
     * named "-x".  getopt_long() leaves the TRACEs last, in order. */
    while ((c = getopt_long(argc, argv, ":h",
                            view ? view_options : audit_options,
                            NULL)) != -1) {
        char short_opt[3];
        int code = take_option(view, c, c == '?' || c == ':'
                               ? refused_word(argv, short_opt) : optarg,
                               &o, bound_args);
        if (code >= 0) {
            return code;
        }
    }
    if (optind >= argc) {
        return cmd_audit_usage_error(view, NULL, NULL,
                                     "missing TRACE argument");
    }
    if (report_bounds_empty(&o.begin, &o.end)) {
        return ukdb_usage_error(view ? "view" : "audit", "--begin '%s' is "
                                "after --end '%s': the range is empty",
                                bound_args[0], bound_args[1]);
    }

    for (int i = optind; i < argc; i++) {
        if (strstr(argv[i], "://")) {
            o.live = true;
        }
    }
    if (o.live) {
        /* Violations appear as they happen. */
        setvbuf(stdout, NULL, _IOLBF, 0);
    }
    o.progress = !view && !o.live && isatty(STDERR_FILENO);
    /* babeltrace2 reads on this thread; with a CPU to spare, the fold runs
     * beside it (a live session's events come slowly: folded at once). */
    o.fold_thread = !o.live && sysconf(_SC_NPROCESSORS_ONLN) > 1;
    o.out = stdout;
    return graph_run(&o, argc - optind, argv + optind);
}

int
audit_main(int argc, char *argv[])
{
    return cmd_audit_main(argc, argv, false);
}

int
view_main(int argc, char *argv[])
{
    return cmd_audit_main(argc, argv, true);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb load": the model free-running on real threads (core/freerun.h) and
 * fed by the traffic generator of core/load.h, with live statistics on a
 * tty (one refreshing line per second on stderr), a summary at the end
 * (text or JSON on stdout), and optional tracing: "--record DIR" or
 * "--live URL" runs this same command again under record_run()'s private
 * LTTng session (repl/record.h), where the tracepoint observer the load
 * attaches records every event. */
#include "repl/subcommands.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>

#include "core/lifecycle.h"
#include "core/load.h"
#include "core/udpif.h"
#include "core/util.h"
#include "repl/record.h"
#include "tracepoints/provider/tp-load.h"
#include "tracepoints/provider/tp-observer.h"

enum load_format {
    LOAD_TEXT,
    LOAD_JSON,
};

/* Why the load stopped, as the summary tells. */
enum load_stop {
    LOAD_LIMIT,                 /* --seconds or --upcalls reached. */
    LOAD_INTERRUPTED,           /* Ctrl-C or SIGTERM. */
    LOAD_STALLED,               /* --upcalls: none came any more. */
};

struct load_args {
    struct load_config cfg;
    enum load_format format;
    const char *record_dir;
    const char *live_url;
    bool quiet;                 /* No live line. */
    bool handlers_given;        /* --handlers, not the default. */
    bool *tracing_arg;          /* (owned) Per argv[i]: part of a --record
                                 * or --live option, however spelt. */
};

static struct load *volatile load_running;  /* For the signal handler. */
static volatile sig_atomic_t load_got_signal;

/* Ctrl-C or SIGTERM, from before the load is created to its summary: the
 * flag first, then the load, so that load_run(), which sets the load and
 * then reads the flag, cannot miss a signal between the two. */
static void
load_signal(int sig)
{
    load_got_signal = 1;
    struct load *load = load_running;
    if (load) {
        load_interrupt(load);
    }
    signal(sig, SIG_DFL);       /* A second Ctrl-C kills. */
}

static void
load_signals(void (*handler)(int))
{
    signal(SIGINT, handler);
    signal(SIGTERM, handler);
}

static int load_memory_check(const struct load_config *);

static void
load_help(void)
{
    fputs("usage: ukdb load [OPTION]...\n"
          "Runs the ukey core free on real threads, fed by a traffic "
          "generator:\n"
          "handler threads on the kernel datapath, or PMD threads on the "
          "userspace one.\n"
          "The model:\n"
          "  --handlers N       handler threads, kernel datapath "
          "(default 2)\n"
          "  --pmds N           PMD threads instead: the userspace datapath, "
          "each taking\n"
          "                     its own misses\n"
          "  --revalidators M   revalidator threads (default 2)\n"
          "  --umaps K          umap shards (default 64)\n"
          "  --variant V        the OVS code (default upstream); "
          "\"ukdb -c variant\" lists\n"
          "                     them\n"
          "  --flow-limit N     datapath flow limit (default 200000, "
          "as OVS)\n"
          "  --no-check         no lifecycle checker (it is on by default)\n"
          "The traffic (each call sends a burst of one flow's packets):\n"
          "  --flows F          flows (default 10000)\n"
          "  --zipf S           popularity of the flows by rank, weight "
          "1/rank^S\n"
          "                     (default 1; 0: all alike)\n"
          "  --rate CALLS/S     calls per second (default 200000; 0: flat "
          "out)\n"
          "  --burst P          1 to P packets per call (default 4)\n"
          "  --churn P          per call, the chance that a hot flow and a "
          "cold one swap\n"
          "                     ranks (default 0.001)\n"
          "  --idle-ms MS       every MS, the flows sent nothing since the "
          "last tick are\n"
          "                     idle: the next dump deletes them (default "
          "100; 0: never)\n"
          "  --modify P         per call, the chance that a flow's actions "
          "change\n"
          "                     (default 0.0005)\n"
          "  --faults P         per call, the chance of a one-shot datapath "
          "fault: a put,\n"
          "                     modify or delete fails with EIO "
          "(default 0; with --pmds\n"
          "                     a modify or delete: a PMD's own flow "
          "add cannot fail)\n"
          "  --seed X           the traffic's seed (default 1)\n"
          "The run:\n"
          "  --seconds S        run for S seconds (default 10; more than 0, "
          "at most\n"
          "                     1000000)\n"
          "  --upcalls U        run until U upcalls (at least 1; not with "
          "--seconds);\n"
          "                     stop (exit 2) when none came for 5 s or "
          "three idle\n"
          "                     ticks: every flow kept its datapath flow\n"
          "  --record DIR       record a CTF trace into DIR (a private LTTng "
          "session)\n"
          "  --live URL         stream it to the lttng-relayd at URL "
          "(net://HOST)\n"
          "  --format text|json the final summary's format (default "
          "text)\n"
          "  --quiet            no live line on a terminal\n"
          "Ctrl-C or SIGTERM stops it as the time limit does: a summary "
          "that says\n"
          "\"interrupted\", every ukey freed, a complete trace; a second "
          "one kills.\n"
          "Exit status: 0, interrupted or not; 2 on error (bad arguments, "
          "ukeys not freed,\n"
          "no upcall any more before --upcalls, a trace not recorded).\n",
          stdout);
}

enum {
    OPT_HANDLERS = 256, OPT_REVALIDATORS, OPT_FLOWS, OPT_UMAPS, OPT_VARIANT,
    OPT_SECONDS, OPT_UPCALLS, OPT_SEED, OPT_RECORD, OPT_LIVE, OPT_FORMAT,
    OPT_RATE, OPT_BURST, OPT_ZIPF, OPT_CHURN, OPT_IDLE_MS, OPT_MODIFY,
    OPT_FAULTS, OPT_FLOW_LIMIT, OPT_NO_CHECK, OPT_QUIET, OPT_HELP,
    OPT_PMDS,
};

static const struct option load_options[] = {
    { "handlers", required_argument, NULL, OPT_HANDLERS },
    { "pmds", required_argument, NULL, OPT_PMDS },
    { "revalidators", required_argument, NULL, OPT_REVALIDATORS },
    { "flows", required_argument, NULL, OPT_FLOWS },
    { "umaps", required_argument, NULL, OPT_UMAPS },
    { "variant", required_argument, NULL, OPT_VARIANT },
    { "seconds", required_argument, NULL, OPT_SECONDS },
    { "upcalls", required_argument, NULL, OPT_UPCALLS },
    { "seed", required_argument, NULL, OPT_SEED },
    { "record", required_argument, NULL, OPT_RECORD },
    { "live", required_argument, NULL, OPT_LIVE },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "rate", required_argument, NULL, OPT_RATE },
    { "burst", required_argument, NULL, OPT_BURST },
    { "zipf", required_argument, NULL, OPT_ZIPF },
    { "churn", required_argument, NULL, OPT_CHURN },
    { "idle-ms", required_argument, NULL, OPT_IDLE_MS },
    { "modify", required_argument, NULL, OPT_MODIFY },
    { "faults", required_argument, NULL, OPT_FAULTS },
    { "flow-limit", required_argument, NULL, OPT_FLOW_LIMIT },
    { "no-check", no_argument, NULL, OPT_NO_CHECK },
    { "quiet", no_argument, NULL, OPT_QUIET },
    { "help", no_argument, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

/* ==== Numbers ==== */

/* Reports 'arg', the value of option 'c', refused as 'kind' (as
 * uk_number_problem() has it) for the values 'range'.  Returns 2. */
static int
load_number_error(int c, const char *arg, enum uk_number kind,
                  const char *range)
{
    const struct option *o = load_options;
    while (o->name && o->val != c) {
        o++;
    }
    char problem[UK_NUMBER_TEXT_SIZE];
    return ukdb_usage_error("load", "--%s '%s': %s", o->name ? o->name : "?",
                            arg, uk_number_problem(problem, sizeof problem,
                                                   kind, range));
}

/* Parses 'arg', the value of option 'c', as a whole number in digits in
 * [min, max] into '*out'.  Returns 0, or 2 after an error. */
static int
parse_whole(int c, const char *arg, uint64_t min, uint64_t max,
            uint64_t *out)
{
    uint64_t v;
    enum uk_number kind = uk_parse_number(arg, &v);
    if (kind == UK_NUMBER_OK && v > max) {
        kind = UK_NUMBER_TOO_LARGE;
    }
    if (kind == UK_NUMBER_OK && v >= min) {
        *out = v;
        return 0;
    }
    char range[UK_NUMBER_TEXT_SIZE];
    return load_number_error(c, arg, kind, uk_number_range(range, sizeof range,
                                                           min, max, kind));
}

/* parse_whole() into an unsigned int ('max' fits one). */
static int
parse_uint(int c, const char *arg, unsigned int min, unsigned int max,
           unsigned int *out)
{
    uint64_t v;
    int status = parse_whole(c, arg, min, max, &v);
    if (!status) {
        *out = (unsigned int) v;
    }
    return status;
}

/* The values an option in decimal notation takes: [min, max], less 'min'
 * itself if 'above_min'; 'text' says them in an error. */
struct load_decimal_range {
    double min, max;
    bool above_min;
    const char *text;
};

static const struct load_decimal_range seconds_range = {
    0, 1e6, true, "more than 0, at most 1000000"
};
static const struct load_decimal_range zipf_range = { 0, 10, false,
                                                      "0 to 10" };
static const struct load_decimal_range probability_range = { 0, 1, false,
                                                             "0 to 1" };

/* Parses 'arg', the value of option 'c', as a number in decimal notation
 * ("0.5", ".5", "1e-3") in 'range' into '*out': not blanks first, nor
 * hexadecimal, "inf" or "nan", which strtod() takes.  One too small for a
 * double ("1e-999") is its nearest double, as strtod() returns it; one
 * too large ("1e999") is out of range.  Returns 0, or 2 after an error. */
static int
parse_decimal(int c, const char *arg, const struct load_decimal_range *range,
              double *out)
{
    size_t span = uk_decimal_span(arg);
    if (!span || arg[span]) {
        /* Negative only if a number follows the '-': "--faults -x" (or
         * "--faults --variant", an option's value forgotten) is not a
         * number at all. */
        return load_number_error(c, arg, (uk_is_negative_number(arg)
                                          ? UK_NUMBER_NEGATIVE
                                          : UK_NUMBER_NONE), range->text);
    }
    double v = strtod(arg, NULL);    /* HUGE_VAL if too large. */
    if (v < range->min || v > range->max
        || (range->above_min && v == range->min)) {
        return load_number_error(c, arg, UK_NUMBER_OK, range->text);
    }
    *out = v;
    return 0;
}

/* One option into 'a'.  Returns 0, 2 on a usage error (reported), or -1
 * for --help.  A number out of its range is refused here, with its range,
 * in the words of every command (load_config_check() would say it
 * otherwise). */
static int
load_parse_one(struct load_args *a, int c, const char *arg,
               bool *seconds_given, bool *upcalls_given)
{
    struct load_config *cfg = &a->cfg;
    switch (c) {
    case OPT_HANDLERS:
        a->handlers_given = true;
        return parse_uint(c, arg, 1, 256, &cfg->n_handlers);
    case OPT_PMDS: return parse_uint(c, arg, 1, 256, &cfg->n_pmds);
    case OPT_REVALIDATORS:
        return parse_uint(c, arg, 1, 256, &cfg->n_revalidators);
    case OPT_FLOWS: return parse_whole(c, arg, 1, 100000000, &cfg->n_flows);
    case OPT_UMAPS: return parse_uint(c, arg, 1, 65536, &cfg->n_umaps);
    case OPT_VARIANT:
        cfg->variant = uk_variant_find(arg);
        if (!cfg->variant) {
            return ukdb_usage_error("load", "'%s': unknown variant", arg);
        }
        return 0;
    case OPT_SECONDS:
        *seconds_given = true;
        return parse_decimal(c, arg, &seconds_range, &cfg->seconds);
    case OPT_UPCALLS:
        *upcalls_given = true;
        return parse_whole(c, arg, 1, UINT64_MAX, &cfg->max_upcalls);
    case OPT_SEED: return parse_whole(c, arg, 0, UINT64_MAX, &cfg->seed);
    case OPT_RECORD: a->record_dir = arg; return 0;
    case OPT_LIVE: a->live_url = arg; return 0;
    case OPT_FORMAT:
        if (!strcmp(arg, "text")) {
            a->format = LOAD_TEXT;
        } else if (!strcmp(arg, "json")) {
            a->format = LOAD_JSON;
        } else {
            return ukdb_usage_error("load", "'%s': format is text or json",
                                    arg);
        }
        return 0;
    case OPT_RATE: return parse_whole(c, arg, 0, UINT64_MAX, &cfg->rate);
    case OPT_BURST: return parse_uint(c, arg, 1, 1000000, &cfg->burst);
    case OPT_ZIPF: return parse_decimal(c, arg, &zipf_range, &cfg->zipf);
    case OPT_CHURN:
        return parse_decimal(c, arg, &probability_range, &cfg->churn);
    case OPT_IDLE_MS: return parse_uint(c, arg, 0, UINT32_MAX, &cfg->idle_ms);
    case OPT_MODIFY:
        return parse_decimal(c, arg, &probability_range, &cfg->modify);
    case OPT_FAULTS:
        return parse_decimal(c, arg, &probability_range, &cfg->faults);
    case OPT_FLOW_LIMIT:
        return parse_uint(c, arg, 1, UINT32_MAX, &cfg->flow_limit);
    case OPT_NO_CHECK: cfg->checker = false; return 0;
    case OPT_QUIET: a->quiet = true; return 0;
    case OPT_HELP: return -1;
    default: return ukdb_usage_error("load", "bad option");
    }
}

static int
load_parse(struct load_args *a, int argc, char *argv[])
{
    bool seconds_given = false, upcalls_given = false;
    int c;
    memset(a, 0, sizeof *a);
    load_config_init(&a->cfg);
    a->tracing_arg = uk_xcalloc((size_t) argc + 1, sizeof *a->tracing_arg);
    optind = 1;
    opterr = 0;
    for (int first = optind;
         (c = getopt_long(argc, argv, "+h", load_options, NULL)) != -1;
         first = optind) {
        /* getopt_long() takes abbreviations ("--rec DIR", "--liv=URL"):
         * which words an option took is what it consumed. */
        for (int i = first; i < optind && (c == OPT_RECORD || c == OPT_LIVE);
             i++) {
            a->tracing_arg[i] = true;
        }
        if (c == '?') {
            return ukdb_usage_error("load", "'%s': unknown option or missing "
                                    "argument", argv[optind - 1]);
        }
        int status = load_parse_one(a, c == 'h' ? OPT_HELP : c, optarg,
                                    &seconds_given, &upcalls_given);
        if (status) {
            return status;
        }
    }
    if (optind < argc) {
        return ukdb_usage_error("load", "'%s': unexpected argument",
                                argv[optind]);
    }
    if (seconds_given && upcalls_given) {
        return ukdb_usage_error("load", "give --seconds or --upcalls, not "
                                "both");
    }
    if (upcalls_given) {
        a->cfg.seconds = 0;
    }
    if (a->record_dir && a->live_url) {
        return ukdb_usage_error("load", "give --record or --live");
    }
    if (a->cfg.n_pmds && !a->handlers_given) {
        a->cfg.n_handlers = 0;  /* The userspace datapath has none. */
    }
    const char *bad = load_config_check(&a->cfg);
    if (bad) {
        return ukdb_usage_error("load", "%s", bad);
    }
    return load_memory_check(&a->cfg);
}

/* ==== Memory ==== */

/* MemAvailable of /proc/meminfo in bytes, or 0 if unknown. */
static uint64_t
mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;
    char line[128];
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return (uint64_t) kb * 1024;
}

/* Address space this process maps now (/proc/self/statm), or 0. */
static uint64_t
address_space_used(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0;
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1) {
            pages = 0;
        }
        fclose(f);
    }
    return (uint64_t) pages * (uint64_t) sysconf(_SC_PAGESIZE);
}

static double
gib(uint64_t bytes)
{
    return (double) bytes / (double) (1ull << 30);
}

/* Refuses a load that would run out of memory before it does: the kernel's
 * OOM killer would end it without a word, or a thread of liburcu's would
 * abort when it cannot start.  Returns 0 or 2 (after one line of error). */
static int
load_memory_check(const struct load_config *cfg)
{
    uint64_t need = load_memory_need(cfg, false);
    uint64_t avail = mem_available();
    if (avail && need > avail) {
        fprintf(stderr, "ukdb: error: load: %" PRIu64 " flows need about "
                "%.1f GiB of memory; %.1f GiB is available\n",
                cfg->n_flows, gib(need), gib(avail));
        return 2;
    }
    struct rlimit rl;
    if (!getrlimit(RLIMIT_AS, &rl) && rl.rlim_cur != RLIM_INFINITY) {
        uint64_t used = address_space_used();
        uint64_t left = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
        need = load_memory_need(cfg, true);
        if (need > left) {
            fprintf(stderr, "ukdb: error: load: %" PRIu64 " flows and %u "
                    "threads need about %.1f GiB of address space; the "
                    "limit (ulimit -v) leaves %.1f GiB\n", cfg->n_flows,
                    cfg->n_handlers + cfg->n_pmds + cfg->n_revalidators,
                    gib(need),
                    gib(left));
            return 2;
        }
    }
    return 0;
}

/* ==== Output ==== */

static double
per_second(uint64_t n, double seconds)
{
    return seconds > 0 ? (double) n / seconds : 0;
}

/* The live line: rates over the last second, totals, ukeys by state. */
static void
load_live_line(const struct load_stats *s, const struct load_stats *prev)
{
    double dt = s->elapsed - prev->elapsed;
    const uint64_t *st = s->fr.by_state;
    fprintf(stderr,
            "\r%6.1fs upcalls/s %-8.0f installs/s %-8.0f repl %-6" PRIu64
            " evict %-7" PRIu64 " slowpath %-8" PRIu64 " ukeys C%" PRIu64
            " V%" PRIu64 " O%" PRIu64 " I%" PRIu64 " E%" PRIu64 "/%" PRIu64
            " D%" PRIu64 " viol %" PRIu64 "\033[K",
            s->elapsed,
            per_second(s->fr.stats.upcalls - prev->fr.stats.upcalls, dt),
            per_second(s->fr.stats.installs - prev->fr.stats.installs, dt),
            s->fr.stats.replacements, s->fr.stats.evictions,
            s->fr.stats.slowpath_packets, st[UKEY_CREATED], st[UKEY_VISIBLE],
            st[UKEY_OPERATIONAL], st[UKEY_INCONSISTENT], st[UKEY_EVICTING],
            st[UKEY_EVICTED], st[UKEY_DELETED], s->fr.stats.violations);
    fflush(stderr);
}

static void
load_print_text(const struct load_args *a, const struct load_stats *s,
                const struct lifecycle_summary *sum, enum load_stop stop)
{
    const struct udpif_stats *u = &s->fr.stats;
    const struct load_config *cfg = &a->cfg;
    unsigned int n_threads = cfg->n_pmds ? cfg->n_pmds : cfg->n_handlers;
    printf("load: variant %s, %u %s%s, %u revalidator%s, %" PRIu64
           " flow%s, %u umap%s, seed %" PRIu64 "%s\n",
           cfg->variant->name, n_threads, cfg->n_pmds ? "pmd" : "handler",
           uk_plural(n_threads), cfg->n_revalidators,
           uk_plural(cfg->n_revalidators), cfg->n_flows,
           uk_plural(cfg->n_flows), cfg->n_umaps, uk_plural(cfg->n_umaps),
           cfg->seed,
           stop == LOAD_INTERRUPTED ? " (interrupted)"
           : stop == LOAD_STALLED ? " (stalled)" : "");
    printf("time            %.2f s, %" PRIu64 " round%s\n", s->elapsed,
           s->fr.rounds, uk_plural(s->fr.rounds));
    printf("traffic         %" PRIu64 " call%s, %" PRIu64 " packet%s: %"
           PRIu64 " fastpath, %" PRIu64 " slowpath\n", s->calls,
           uk_plural(s->calls), s->packets, uk_plural(s->packets),
           u->fastpath_packets, u->slowpath_packets);
    printf("upcalls         %" PRIu64 " (%.0f/s)\n", u->upcalls,
           per_second(u->upcalls, s->elapsed));
    printf("installs        %" PRIu64 " (%.0f/s), %" PRIu64
           " replacement%s\n", u->installs, per_second(u->installs,
                                                        s->elapsed),
           u->replacements, uk_plural(u->replacements));
    printf("evictions       %" PRIu64 "\n", u->evictions);
    printf("datapath        %" PRIu64 " put%s (%" PRIu64 " failed), %" PRIu64
           " del%s (%" PRIu64 " failed)\n", u->dp_puts, uk_plural(u->dp_puts),
           u->dp_put_errors, u->dp_dels, uk_plural(u->dp_dels),
           u->dp_del_errors);
    printf("generator       %" PRIu64 " %s, %" PRIu64 " modif%s, %" PRIu64
           " fault%s, %" PRIu64 " churn%s\n", s->expiries,
           s->expiries == 1 ? "expiry" : "expiries", s->modifies,
           s->modifies == 1 ? "y" : "ies", s->faults, uk_plural(s->faults),
           s->churns, uk_plural(s->churns));
    printf("ukeys           %" PRIu64 " created, %" PRIu64
           " freed, %" PRIu64 " live at exit, %" PRIu64 " free event%s\n",
           u->created, s->fr.real_frees, s->fr.live, u->freed,
           uk_plural(u->freed));
    printf("events          %" PRIu64 "%s\n", s->fr.events,
           sum && sum->complete ? ", complete (end seen)" : "");
    if (!sum) {
        /* Nothing looked for them: not "0 errors". */
        printf("violations      not checked (--no-check)\n");
        return;
    }
    printf("violations      %" PRIu64 " error%s, %" PRIu64 " warning%s\n",
           u->violations, uk_plural(u->violations), u->warnings,
           uk_plural(u->warnings));
    for (int k = 0; sum && k < N_UK_VIOLATION_KINDS; k++) {
        if (sum->by_violation[k]) {
            printf("  %-22s %" PRIu64 "\n", uk_violation_kind_name(k),
                   sum->by_violation[k]);
        }
    }
}

/* The JSON summary speaks the vocabulary of the rest of ukdb's JSON (the
 * page's "JSON OUTPUT"): a figure that "show stats" has is named as there
 * ("created", "freed" the free events, "live_ukeys"...), the checker's
 * findings as in "audit --format json" ("errors", "warnings",
 * "violations_by_kind", "complete"), and no key takes a name that means
 * something else elsewhere: "violations" is the audit's list, "flows" its
 * list of flows, "faults" a datapath flow's injected faults in "show dp".
 * With --no-check, nothing looked for violations nor for the end:
 * "checked" is false and each of those is null. */
static void
load_print_json(const struct load_args *a, const struct load_stats *s,
                const struct lifecycle_summary *sum, enum load_stop stop)
{
    const struct udpif_stats *u = &s->fr.stats;
    const struct load_config *cfg = &a->cfg;
    printf("{\"variant\": \"%s\", \"datapath\": \"%s\", \"handlers\": %u, "
           "\"pmds\": %u, \"revalidators\": %u, \"flows_declared\": %" PRIu64
           ", \"umaps\": %u, \"seed\": %" PRIu64 ", \"interrupted\": %s, "
           "\"stalled\": %s,\n",
           cfg->variant->name, cfg->n_pmds ? "netdev" : "kernel",
           cfg->n_handlers, cfg->n_pmds, cfg->n_revalidators, cfg->n_flows,
           cfg->n_umaps, cfg->seed,
           stop == LOAD_INTERRUPTED ? "true" : "false",
           stop == LOAD_STALLED ? "true" : "false");
    printf(" \"seconds\": %.3f, \"rounds\": %" PRIu64 ", \"calls\": %" PRIu64
           ", \"packets\": %" PRIu64 ", \"fastpath_packets\": %" PRIu64
           ", \"slowpath_packets\": %" PRIu64 ",\n", s->elapsed,
           s->fr.rounds, s->calls, s->packets, u->fastpath_packets,
           u->slowpath_packets);
    printf(" \"upcalls\": %" PRIu64 ", \"upcalls_per_second\": %.0f, "
           "\"installs\": %" PRIu64 ", \"installs_per_second\": %.0f, "
           "\"replacements\": %" PRIu64 ", \"evictions\": %" PRIu64 ",\n",
           u->upcalls, per_second(u->upcalls, s->elapsed), u->installs,
           per_second(u->installs, s->elapsed), u->replacements,
           u->evictions);
    printf(" \"dp_puts\": %" PRIu64 ", \"dp_put_errors\": %" PRIu64
           ", \"dp_dels\": %" PRIu64 ", \"dp_del_errors\": %" PRIu64
           ", \"expiries\": %" PRIu64 ", \"modifies\": %" PRIu64
           ", \"faults_injected\": %" PRIu64 ", \"churns\": %" PRIu64 ",\n",
           u->dp_puts, u->dp_put_errors, u->dp_dels, u->dp_del_errors,
           s->expiries, s->modifies, s->faults, s->churns);
    /* "freed" counts the free events, as in "show stats" (a double free
     * the model recorded is one more); "ukeys_freed" the ukeys whose
     * memory was freed, once each. */
    printf(" \"created\": %" PRIu64 ", \"freed\": %" PRIu64
           ", \"ukeys_freed\": %" PRIu64 ", \"live_ukeys\": %" PRIu64
           ", \"events\": %" PRIu64 ",\n", u->created, u->freed,
           s->fr.real_frees, s->fr.live, s->fr.events);
    if (!sum) {
        printf(" \"checked\": false, \"complete\": null, \"errors\": null, "
               "\"warnings\": null, \"violations_by_kind\": null}\n");
        return;
    }
    printf(" \"checked\": true, \"complete\": %s, \"errors\": %" PRIu64
           ", \"warnings\": %" PRIu64 ", \"violations_by_kind\": {",
           sum->complete ? "true" : "false", u->violations, u->warnings);
    for (int k = 0; k < N_UK_VIOLATION_KINDS; k++) {
        printf("%s\"%s\": %" PRIu64, k ? ", " : "",
               uk_violation_kind_name(k), sum->by_violation[k]);
    }
    printf("}}\n");
}

/* ==== Running ==== */

/* "--record DIR" / "--live URL": this command again, minus those options
 * (as load_parse() found them), under a private LTTng session. */
static int
load_record(const struct load_args *a, int argc, char *argv[])
{
    char **child = uk_xcalloc((size_t) argc + 3, sizeof *child);
    int n = 0;
    child[n++] = (char *) "/proc/self/exe";
    child[n++] = (char *) "load";
    for (int i = 1; i < argc; i++) {
        if (!a->tracing_arg[i]) {
            child[n++] = argv[i];
        }
    }
    child[n] = NULL;
    struct record_options opts = {
        .output = a->record_dir, .live_url = a->live_url,
        .child_stops_on_signal = true,  /* Interrupted: exit 0, as not
                                         * recorded. */
    };
    int status = record_run(&opts, child);
    free(child);
    return status;
}

/* load_start() with SIGINT and SIGTERM blocked: the load's threads inherit
 * the mask, so that the signals come to this thread, which waits for the
 * load and stops it, and never to a model thread, mid-operation. */
static int
load_start_signals_here(struct load *load)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int error = load_start(load);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return error;
}

/* Until the generator stops, with the live line on a terminal. */
static void
load_wait(struct load *load, bool live)
{
    struct load_stats prev, now;
    load_snapshot(load, &prev);
    while (!load_finished(load)) {
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        load_snapshot(load, &now);
        if (live && now.elapsed - prev.elapsed >= 1.0) {
            load_live_line(&now, &prev);
            prev = now;
        }
    }
    if (live) {
        fputs("\r\033[K", stderr);
    }
}

static int
load_run(const struct load_args *a)
{
    struct load_config cfg = a->cfg;
    /* A signal while the flows are declared (seconds, for millions) stops
     * the load as soon as it has started: a summary, a complete trace. */
    load_got_signal = 0;
    load_signals(load_signal);
    uk_tp_load();
    cfg.observer = uk_tp_observer;      /* Records under "--record". */
    /* Its filter as the tracepoints' state words, which the threads read
     * inline: an event no session enables costs a load or two. */
    cfg.observer_words = uk_tp_observer_words();
    cfg.observer_concurrent = true;     /* LTTng-UST: per-CPU buffers. */
    struct load *load = load_create(&cfg);
    struct udpif *udpif = load_udpif(load);

    int error = load_start_signals_here(load);
    if (error) {
        load_signals(SIG_DFL);
        fprintf(stderr, "ukdb: error: load: cannot start threads: %s\n",
                strerror(error));
        load_destroy(load);
        return 2;
    }
    load_running = load;
    if (load_got_signal) {
        load_interrupt(load);
    }

    struct load_stats now;
    load_wait(load, !a->quiet && isatty(STDERR_FILENO));
    double elapsed = (load_snapshot(load, &now), now.elapsed);
    /* Why it stopped, before the final grace period: a Ctrl-C during it
     * does not make a load that reached its limit an interrupted one. */
    enum load_stop stop = load_got_signal ? LOAD_INTERRUPTED
                          : load_stalled(load) ? LOAD_STALLED : LOAD_LIMIT;
    load_stop(load);
    load_running = NULL;
    load_signals(SIG_DFL);

    load_snapshot(load, &now);
    now.elapsed = elapsed;
    struct lifecycle_summary sum, *sump = NULL;
    if (udpif->checker) {
        lifecycle_get_summary(udpif->checker, &sum);
        sump = &sum;
    }
    if (a->format == LOAD_JSON) {
        load_print_json(a, &now, sump, stop);
    } else {
        load_print_text(a, &now, sump, stop);
    }
    int status = now.fr.live || now.fr.stats.created != now.fr.real_frees
                 ? 2 : 0;
    if (status) {
        fprintf(stderr, "ukdb: error: load: %" PRIu64 " ukeys not freed\n",
                now.fr.stats.created - now.fr.real_frees);
    } else if (stop == LOAD_STALLED) {
        fprintf(stderr, "ukdb: error: load: stopped at %" PRIu64 " of %"
                PRIu64 " upcalls: none for %.0f s, every flow kept its "
                "datapath flow (try more --flows, a shorter --idle-ms)\n",
                now.fr.stats.upcalls, cfg.max_upcalls,
                load_stall_seconds(&cfg));
        status = 2;
    }
    load_destroy(load);
    return status;
}

int
load_main(int argc, char *argv[])
{
    struct load_args a;
    int status = load_parse(&a, argc, argv);
    if (status < 0) {
        load_help();
        status = 0;
    } else if (!status) {
        status = (a.record_dir || a.live_url ? load_record(&a, argc, argv)
                  : load_run(&a));
    }
    free(a.tracing_arg);
    return status;
}

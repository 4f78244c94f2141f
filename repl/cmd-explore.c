/* SPDX-License-Identifier: Apache-2.0 */
/* "explore" in the REPL and "ukdb explore FILE.ukdb": the explorer
 * (core/explore.c) searches the interleavings of the session's scenario and
 * hands back a failing schedule as a script in the REPL's own language.
 *
 * The scenario is the session as it stands: a builder session with the
 * same configuration and a copy of the journal rebuilds it exactly, as many
 * times as the search needs (repl_rebuild() is deterministic). */
#include "repl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/explore.h"
#include "core/util.h"
#include "repl/subcommands.h"

/* ==== The scenario ==== */

struct scenario {
    struct repl builder;        /* Same cfg, a copy of the journal. */
    bool broken;                /* A rebuild failed: it cut the journal. */
};

static void
scenario_init(struct scenario *s, const struct repl *r)
{
    repl_init(&s->builder);
    s->broken = false;
    s->builder.cfg = r->cfg;
    s->builder.quiet = true;
    for (size_t i = 0; i < r->sess.n_journal; i++) {
        struct repl_jentry j = r->sess.journal[i];
        j.line = j.line ? uk_xstrdup(j.line) : NULL;
        s->builder.sess.journal = uk_grow(s->builder.sess.journal,
                                     &s->builder.sess.allocated_journal,
                                     s->builder.sess.n_journal + 1,
                                     sizeof *s->builder.sess.journal);
        s->builder.sess.journal[s->builder.sess.n_journal++] = j;
    }
}

static void
scenario_destroy(struct scenario *s)
{
    repl_destroy(&s->builder);
}

/* explore_setup_fn: the session's model, rebuilt, handed over. */
static struct udpif *
scenario_setup(void *s_)
{
    struct scenario *s = s_;
    /* A failed rebuild keeps only the part of the journal that replayed:
     * every later one would "succeed" on that shorter scenario, and the
     * search would explore it and report it clean. */
    if (s->broken || repl_rebuild(&s->builder)) {
        s->broken = true;
        return NULL;
    }
    return repl_detach_model(&s->builder);
}

/* ==== Options ==== */

/* The options, for "help explore" (the command table's details) and
 * "ukdb explore --help". */
const char explore_options_help[] =
    "  From where the session is (\"ukdb explore\": where the script "
    "leaves it),\n"
    "  runs the threads in every order that matters, checking each run,\n"
    "  and prints the first violation's schedule as a script.\n"
    "  A violation the steps before it reached: \"ukdb explore\" reports it\n"
    "  as found, with the scenario itself as its script (--all then\n"
    "  searches on); \"explore\" in the REPL notes it and reports the\n"
    "  violations the next steps reach.\n"
    "  --dfs, --bfs        depth first (the default), breadth first\n"
    "                      (shortest schedule first; sleep sets)\n"
    "  --random N          N random schedules\n"
    "  --pct D             PCT: D (1 to 64) priority change points "
    "(--runs)\n"
    "  --runs N            schedules of --random and --pct (default "
    "1000)\n"
    "  --seed S            their seed (default 1)\n"
    "  --preempt-bound K   at most K preemptions (no reduction then)\n"
    "  --depth N           at most N steps per schedule (sleep sets "
    "then)\n"
    "  --max-schedules N   stop after N schedules, minimisation "
    "included\n"
    "  --time-limit S      stop after S seconds, minimisation included\n"
    "  --reduction R       none, sleep (sleep sets) or dpor (the "
    "default)\n"
    "  --no-reduction      the same as --reduction none\n"
    "  --all               go on after the first violation\n"
    "  --no-minimize       keep the schedule as found\n"
    "  --warnings          warnings count as violations\n"
    "  -o FILE             write the script to FILE (--all: FILE-2...)\n"
    "  --verbose           \"ukdb explore\": print what the script prints\n"
    "                      as it runs (quiet by default)\n"
    "  No bound by default: on a terminal a progress line shows the\n"
    "  schedules, steps, depth and time; Ctrl-C stops the search with a\n"
    "  summary (status 2 in a script).\n"
    "  See ukdb(1).";

/* Parses the value 'arg' of option 'opt' into '*out', within [min, max];
 * an error names the option and the range. */
static bool
parse_u64(struct repl *r, const char *opt, const char *arg, uint64_t min,
          uint64_t max, uint64_t *out)
{
    char range[UK_NUMBER_TEXT_SIZE];
    uk_number_range(range, sizeof range, min, max, UK_NUMBER_OK);
    if (!arg) {
        repl_usage_error(r, "explore", "%s needs a value (%s)", opt, range);
        return false;
    }
    return repl_number_option(r, "explore", opt, arg, min, max, out);
}

/* The range of each numeric option.  0 has no meaning for the counts and
 * bounds ("--depth 0" would silently mean no bound). */
static const struct {
    const char *name;
    uint64_t min, max;
} numeric_options[] = {
    { "--random", 1, UINT64_MAX / 2 },
    { "--pct", 1, 64 },
    { "--runs", 1, UINT64_MAX / 2 },
    { "--seed", 0, UINT64_MAX / 2 },
    { "--preempt-bound", 0, 1000000 },
    { "--depth", 1, 100000 },
    { "--max-schedules", 1, UINT64_MAX / 2 },
    { "--time-limit", 1, 1000000000 },
};

/* The range of numeric option 'opt', or NULL if it is not one. */
static const uint64_t *
numeric_range(const char *opt)
{
    for (size_t i = 0; i < UK_ARRAY_SIZE(numeric_options); i++) {
        if (!strcmp(numeric_options[i].name, opt)) {
            return &numeric_options[i].min;
        }
    }
    return NULL;
}

/* Stores the value 'v' of numeric option 'o' in 'opts'. */
static void
set_numeric(struct explore_options *opts, const char *o, uint64_t v)
{
    if (!strcmp(o, "--random")) {
        opts->strategy = EXPLORE_RANDOM;
        opts->n_runs = v;
    } else if (!strcmp(o, "--pct")) {
        opts->strategy = EXPLORE_PCT;
        opts->pct_depth = (unsigned int) v;
    } else if (!strcmp(o, "--runs")) {
        opts->n_runs = v;
    } else if (!strcmp(o, "--seed")) {
        opts->seed = v;
    } else if (!strcmp(o, "--preempt-bound")) {
        opts->preempt_bound = (int) v;
    } else if (!strcmp(o, "--depth")) {
        opts->depth_bound = (size_t) v;
    } else if (!strcmp(o, "--max-schedules")) {
        opts->max_schedules = v;
    } else if (!strcmp(o, "--time-limit")) {
        opts->time_limit = (double) v;
    } else {
        uk_assert(false);
    }
}

/* What parse_options() fills, and what it keeps from one option to the
 * next. */
struct parse_state {
    struct repl *r;
    struct explore_options *opts;
    const char **output;
    bool *verbose;              /* NULL: --verbose is not an option. */
    bool reduction_set;         /* --reduction or --no-reduction given. */
};

/* Option 'o' if it takes no value.  Returns false if it is not one. */
static bool
parse_flag(struct parse_state *ps, const char *o)
{
    struct explore_options *opts = ps->opts;
    if (!strcmp(o, "--bfs")) {
        opts->strategy = EXPLORE_BFS;
    } else if (!strcmp(o, "--dfs")) {
        opts->strategy = EXPLORE_DFS;
    } else if (!strcmp(o, "--all")) {
        opts->all = true;
    } else if (!strcmp(o, "--no-reduction")) {
        opts->reduction = EXPLORE_REDUCTION_NONE;
        ps->reduction_set = true;
    } else if (!strcmp(o, "--no-minimize")) {
        opts->minimize = false;
    } else if (!strcmp(o, "--warnings")) {
        opts->warnings = true;
    } else if (ps->verbose && !strcmp(o, "--verbose")) {
        *ps->verbose = true;
    } else {
        return false;
    }
    return true;
}

/* Option 'o' with its value 'arg' (NULL if none is left).  Returns true
 * if it was one and its value was good; an error is out otherwise. */
static bool
parse_valued(struct parse_state *ps, const char *o, const char *arg)
{
    struct repl *r = ps->r;
    const uint64_t *range = numeric_range(o);
    uint64_t v;
    if (range) {
        if (!parse_u64(r, o, arg, range[0], range[1], &v)) {
            return false;
        }
        set_numeric(ps->opts, o, v);
    } else if (!strcmp(o, "--reduction")) {
        int red = arg ? explore_reduction_from_name(arg) : -1;
        if (red < 0) {
            repl_usage_error(r, "explore", "--reduction%s%s%s needs one "
                             "of none, sleep, dpor", arg ? " '" : "",
                             arg ? arg : "", arg ? "'" : "");
            return false;
        }
        ps->opts->reduction = red;
        ps->reduction_set = true;
    } else if (!strcmp(o, "-o")) {
        if (!arg || !*arg) {
            repl_usage_error(r, "explore", "-o needs a file name");
            return false;
        }
        *ps->output = arg;
    } else {
        repl_usage_error(r, "explore", "'%s': unknown option", o);
        return false;
    }
    return true;
}

/* Whether option 'o' takes the next word as its value. */
static bool
takes_value(const char *o)
{
    return numeric_range(o) || !strcmp(o, "--reduction") || !strcmp(o, "-o");
}

/* Whether 'word' is an option (or "--"), not an argument: "-" alone is an
 * argument, as for getopt(). */
static bool
is_option(const char *word)
{
    return word[0] == '-' && word[1];
}

/* Parses explore's options into 'opts' and '*output', and --verbose into
 * '*verbose' (NULL: --verbose is not an option, as in the REPL, which runs
 * no script first).  As getopt_long() without '+', an option may follow
 * the script ("ukdb explore x.ukdb --bfs", which took "--bfs" for a second
 * script) and "--" ends them: 'argv' is permuted, its arguments last, in
 * order.  Returns the index of the first argument (argc if none), or -1
 * on error. */
static int
parse_options(struct repl *r, int argc, char *argv[],
              struct explore_options *opts, const char **output,
              bool *verbose)
{
    struct parse_state ps = {
        .r = r, .opts = opts, .output = output, .verbose = verbose,
    };
    /* The options, then the arguments: argv[0] stays. */
    char **words = uk_xcalloc((size_t) argc, sizeof *words);
    char **args = uk_xcalloc((size_t) argc, sizeof *args);
    int n_words = 0, n_args = 0, i;
    bool ok = true;
    for (i = 1; i < argc && ok; i++) {
        if (!strcmp(argv[i], "--")) {
            words[n_words++] = argv[i];
            while (++i < argc) {
                args[n_args++] = argv[i];
            }
            break;
        } else if (!is_option(argv[i])) {
            args[n_args++] = argv[i];
        } else if (parse_flag(&ps, argv[i])) {
            words[n_words++] = argv[i];
        } else {
            ok = parse_valued(&ps, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
            words[n_words++] = argv[i];
            if (ok) {
                words[n_words++] = argv[++i];       /* The value. */
            }
        }
    }
    /* What an error left unread goes between (argv stays a permutation of
     * itself: the input loop may join it again). */
    memcpy(&words[n_words], &argv[i], (size_t) (argc - i) * sizeof *words);
    n_words += argc - i;
    memcpy(&words[n_words], args, (size_t) n_args * sizeof *args);
    memcpy(&argv[1], words, (size_t) (n_words + n_args) * sizeof *words);
    free(words);
    free(args);
    if (!ok) {
        return -1;
    }
    if (opts->depth_bound && !ps.reduction_set) {
        /* DPOR is not exhaustive under a depth bound; sleep sets are. */
        opts->reduction = EXPLORE_REDUCTION_SLEEP;
    }
    return 1 + n_words;
}

/* ==== Reports ==== */

/* explore_progress_fn: one line on stderr, rewritten in place, at most
 * twice a second (as spin's "Depth= States=" lines, on a terminal only). */
static void
progress(const struct explore_stats *st, void *aux)
{
    (void) aux;
    fprintf(stderr, "\r  %" PRIu64 " schedule%s, %" PRIu64 " step%s, "
            "depth %zu, %.1f s", st->schedules, uk_plural(st->schedules),
            st->steps, uk_plural(st->steps), st->max_depth, st->elapsed);
    fflush(stderr);
}

/* Whether to show the progress line: on when stderr is a terminal, or as
 * UKDB_PROGRESS says ("0" never, anything else always). */
static bool
progress_wanted(void)
{
    const char *env = getenv("UKDB_PROGRESS");
    if (env && *env) {
        return strcmp(env, "0") != 0;
    }
    return isatty(STDERR_FILENO);
}

/* The session's configuration and script, as the head of a replayable
 * script. */
static void
write_prelude(FILE *fp, const struct repl *r)
{
    struct udpif_config def;
    udpif_config_init(&def);
    fprintf(fp, "variant %s\n", r->cfg.variant->name);
    if (r->cfg.datapath != def.datapath) {
        fprintf(fp, "datapath netdev\n");
    }
    if (r->cfg.n_umaps != def.n_umaps) {
        fprintf(fp, "umaps %u\n", r->cfg.n_umaps);
    }
    if (r->cfg.dump_batch != def.dump_batch) {
        fprintf(fp, "set dump-batch %u\n", r->cfg.dump_batch);
    }
    if (r->cfg.upcall_batch != def.upcall_batch) {
        fprintf(fp, "set upcall-batch %u\n", r->cfg.upcall_batch);
    }
    if (r->cfg.flow_limit != def.flow_limit) {
        fprintf(fp, "set flow-limit %u\n", r->cfg.flow_limit);
    }
    if (r->cfg.stuck_rounds != def.stuck_rounds) {
        fprintf(fp, "set stuck-rounds %u\n", r->cfg.stuck_rounds);
    }
    if (r->cfg.slowpath_rounds != def.slowpath_rounds) {
        fprintf(fp, "set slowpath-rounds %u\n", r->cfg.slowpath_rounds);
    }
    fprintf(fp, "# The scenario:\n");
    for (size_t i = 0; i < r->n_script; i++) {
        fprintf(fp, "%s\n", r->script[i]);
    }
}

/* The replayable script of 'v' to 'fp': the session's configuration and
 * scenario, then one "step" line per step ('group': one per run of steps
 * of a thread). */
static int
write_script(FILE *fp, const struct repl *r,
             const struct explore_violation *v, const char *origin,
             bool group)
{
    fprintf(fp, "# Found by the explorer (%s).\n", origin);
    write_prelude(fp, r);
    int error = 0;
    if (!v->schedule.n) {
        /* A violation of the scenario's own steps (only those have no
         * step: the search's are reported by the step that reached
         * them). */
        fprintf(fp, "# The scenario's own steps reach the violation:\n"
                "# %s on %s (ukey#%" PRIu64 "): %s\n"
                "expect violation %s%s%s\n",
                uk_violation_kind_name(v->event.kind),
                v->flow ? v->flow : "?", v->event.ukey_id,
                v->detail ? v->detail : "",
                uk_violation_kind_name(v->event.kind), v->flow ? " " : "",
                v->flow ? v->flow : "");
    } else {
        if (r->sess.n_bps) {
            /* A breakpoint stops "step THREAD N" after the step that hits
             * it: the rest of the schedule would not replay. */
            fprintf(fp, "# The session's breakpoints would stop the "
                    "steps:\ndelete\n");
        }
        fprintf(fp, "# The failing schedule:\n");
        error = explore_write_script(fp, v, group);
    }
    fprintf(fp, "show violations\n");
    return error ? error : ferror(fp) ? EIO : 0;
}

static int
save_script(struct repl *r, const char *path,
            const struct explore_violation *v, const char *origin)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        repl_error(r, "explore: %s: %s", path, strerror(errno));
        return errno;
    }
    int error = write_script(fp, r, v, origin, true);
    if (fclose(fp) || error) {
        repl_error(r, "explore: %s: write error", path);
        return EIO;
    }
    return 0;
}

/* Whether the directory of 'path' takes a new file: an error before a
 * search that could take long, rather than after it. */
static bool
output_writable(struct repl *r, const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else {
        snprintf(dir, sizeof dir, "%.*s", (int) (slash - path + 1), path);
    }
    if (access(dir, W_OK | X_OK)) {
        repl_error(r, "explore: -o %s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

/* Where violation 'i' (of 'n') goes with "-o 'output'": 'output' for the
 * first, then 'output' with "-2", "-3"... before its extension. */
static void
output_name(const char *output, size_t i, char *buf, size_t size)
{
    if (!i) {
        snprintf(buf, size, "%s", output);
        return;
    }
    const char *slash = strrchr(output, '/');
    const char *dot = strrchr(slash ? slash + 1 : output, '.');
    int stem = (int) (dot && dot != (slash ? slash + 1 : output)
                      ? dot - output : (ptrdiff_t) strlen(output));
    snprintf(buf, size, "%.*s-%zu%s", stem, output, i + 1, output + stem);
}

static void
print_violation(const struct explore_violation *v, bool steps)
{
    const struct ukey_event *e = &v->event;
    printf("VIOLATION %s %s on flow %s: %s\n",
           uk_severity_name(e->result), uk_violation_kind_name(e->kind),
           v->flow ? v->flow : "?",
           uk_violation_detail(e->kind, v->detail));
    if (!v->schedule.n) {
        /* See write_script(). */
        printf("schedule: the scenario's own steps, before the search\n");
    } else {
        printf("schedule: %zu step%s (first found with %zu)\n",
               v->schedule.n, uk_plural(v->schedule.n), v->found_length);
    }
    for (size_t i = 0; steps && i < v->schedule.n; i++) {
        const struct explore_step *s = &v->schedule.steps[i];
        printf("  %3zu  %-*s %s\n", i + 1, uk_pad(s->thread, 14), s->thread,
               s->action);
    }
}

/* How the schedules were reduced, for the coverage line. */
static const char *
reduction_text(const struct explore_options *o,
               const struct explore_stats *st)
{
    if (o->strategy == EXPLORE_RANDOM || o->strategy == EXPLORE_PCT) {
        return "sampled";
    }
    switch (st->reduction) {
    case EXPLORE_REDUCTION_NONE:
        return o->reduction == EXPLORE_REDUCTION_NONE
               ? "no reduction"
               : "no reduction: forced off by the bound or flow limit";
    case EXPLORE_REDUCTION_SLEEP:
        return "sleep sets: one schedule per class of equivalent "
               "interleavings";
    case EXPLORE_REDUCTION_DPOR:
        return "DPOR: one schedule per class of equivalent interleavings";
    case N_EXPLORE_REDUCTIONS:
        break;
    }
    return "?";
}

/* Why a search that did not cover its space stopped, for the coverage
 * line: "" when it did cover it (or the reason is printed elsewhere). */
static void
print_stop_reason(const struct explore_options *o,
                  const struct explore_stats *st, bool found)
{
    if (st->capped) {
        printf(" -- not exhaustive: a schedule was cut at %zu steps, the "
               "cap on a schedule", o->max_steps);
    } else if (st->frontier_full) {
        printf(" -- stopped: the breadth-first frontier outgrew %zu MiB",
               (size_t) (EXPLORE_BFS_MAX_BYTES >> 20));
    } else if (st->dpor_cut) {
        printf(" -- not exhaustive: DPOR does not see the races of the "
               "steps past the depth bound (--reduction sleep covers every "
               "schedule within it)");
    } else if (st->cancelled) {
        printf(" -- stopped by SIGINT");
    }
    bool sampled = o->strategy == EXPLORE_RANDOM || o->strategy == EXPLORE_PCT;
    const char *what = sampled ? "sample" : "space";
    if (st->capped || st->frontier_full || st->dpor_cut || st->cancelled
        || st->exhausted || (sampled && !st->interrupted)) {
        /* Said above; or covered, or the whole sample: nothing to add. */
    } else if (found && !o->all) {
        printf(" -- stopped at the first violation (--all goes on)");
    } else if (st->interrupted && o->max_schedules
               && st->schedules >= o->max_schedules) {
        printf(" -- stopped by --max-schedules %" PRIu64
               " before the end of the %s", o->max_schedules, what);
    } else if (st->interrupted && o->time_limit > 0) {
        printf(" -- stopped by --time-limit %.0f before the end of the "
               "%s", o->time_limit, what);
    } else {
        printf(" -- stopped before the end of the %s", what);
    }
}

/* How much was searched: "all 12 schedules of at most 5 steps (...)",
 * "the only schedule (...)", "3 random schedules (sampled with seed 1,
 * ...)": one parenthetical, the seed in it. */
static void
print_coverage(const struct explore_options *o, const struct explore_stats *st,
               bool found)
{
    uint64_t n = st->schedules;
    bool sampled = o->strategy == EXPLORE_RANDOM || o->strategy == EXPLORE_PCT;
    if (sampled) {
        printf("%" PRIu64 " %s schedule%s", n,
               explore_strategy_name(o->strategy), uk_plural(n));
    } else if (st->exhausted && n == 1) {
        printf("the only schedule");
    } else {
        printf("%s%" PRIu64 " schedule%s", st->exhausted ? "all " : "", n,
               uk_plural(n));
    }
    if (o->preempt_bound >= 0) {
        printf(" with at most %d preemption%s", o->preempt_bound,
               uk_plural((uint64_t) o->preempt_bound));
    }
    if (o->depth_bound) {
        printf(" of at most %zu step%s", o->depth_bound,
               uk_plural(o->depth_bound));
    }
    printf(" (%s", reduction_text(o, st));
    if (sampled) {
        printf(" with seed %" PRIu64, o->seed);
    }
    printf(", %" PRIu64 " step%s, depth %zu, %" PRIu64 " pruned by "
           "reduction, %" PRIu64 " cut by bounds",
           st->steps, uk_plural(st->steps),
           st->max_depth, st->pruned, st->bound_exceeded);
    if (st->min_cut && !st->min_schedules) {
        printf(", no schedule left to minimise");
    } else if (st->min_schedules || st->min_cut) {
        /* The minimiser's own schedules, apart from the search's: the
         * two together are what --max-schedules bounds. */
        printf(", minimisation%s %" PRIu64 " schedule%s and %" PRIu64
               " step%s", st->min_cut ? " cut short at" : "",
               st->min_schedules, uk_plural(st->min_schedules),
               st->min_steps, uk_plural(st->min_steps));
    }
    printf(", %.2f s)", st->elapsed);
    print_stop_reason(o, st, found);
    putchar('\n');
}

/* ==== Violations before the search ==== */

/* What a search judges.  "ukdb explore FILE" judges the scenario: its own
 * steps are the prefix of every schedule, so a violation they reach is a
 * violation found (exit 1), reported with an empty schedule whose replay
 * script is the scenario itself; without --all the search stops there, as
 * it stops at its first violation.  The REPL's "explore" judges what comes
 * next from where the session stands: the violations already hit are
 * mentioned (the user has seen them, "show violations" lists them) and
 * the search reports only those the next steps reach. */
enum explore_from {
    EXPLORE_FROM_SCENARIO,      /* "ukdb explore FILE". */
    EXPLORE_FROM_HERE,          /* "explore" in the REPL. */
};

/* Fills 'out' with the violations 'r''s model reported before the
 * search, of the severity the search counts, one per (kind, flow) as the
 * search reports them, each with an empty schedule. */
static void
prefix_violations(const struct repl *r, bool warnings,
                  struct explore_result *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < r->sess.n_events; i++) {
        const struct ukey_event *e = &r->sess.events[i].e;
        bool seen = false;
        if (e->type != UK_EV_VIOLATION
            || (e->result != UK_SEV_ERROR && !warnings)) {
            continue;
        }
        for (size_t j = 0; !seen && j < out->n_violations; j++) {
            seen = explore_same_violation(&out->violations[j].event, e);
        }
        if (seen) {
            continue;
        }
        out->violations = uk_grow(out->violations,
                                  &out->allocated_violations,
                                  out->n_violations + 1,
                                  sizeof *out->violations);
        struct explore_violation *v = &out->violations[out->n_violations++];
        memset(v, 0, sizeof *v);
        v->event = *e;
        v->detail = uk_xstrdup(e->name ? e->name : "");
        v->event.name = v->detail;
        for (size_t j = 0; r->udpif && j < r->udpif->n_flows; j++) {
            if (r->udpif->flows[j]->ufid == e->ufid && !v->flow) {
                v->flow = uk_xstrdup(r->udpif->flows[j]->name);
            }
        }
    }
}

/* ==== The search ==== */

/* Reports violation 'v', the 'i'th of this search, with its replay script
 * (printed, or saved to 'output''s 'i'th name).  Returns 0, or 2 if the
 * script could not be saved (it is printed then). */
static int
report_violation(struct repl *r, const struct explore_violation *v,
                 const char *output, size_t i, const char *origin)
{
    print_violation(v, output);
    if (!output) {
        /* spin writes a trail file; we print the script, which "-o"
         * writes instead. */
        printf("replay script (run it with \"ukdb FILE\"; "
               "-o FILE writes it):\n");
        write_script(stdout, r, v, origin, false);
        return 0;
    }
    char path[PATH_MAX];
    output_name(output, i, path, sizeof path);
    if (save_script(r, path, v, origin)) {
        /* The error is out; the result is not lost. */
        write_script(stdout, r, v, origin, false);
        return 2;
    }
    printf("saved the schedule as %s\nreplay with: ukdb %s\n", path, path);
    return 0;
}

/* The thread that took the session's last step, if nothing came after
 * that step and the thread is in the middle of an operation: switching
 * away from it is a preemption (--preempt-bound), as within a schedule.
 * UINT32_MAX otherwise. */
static uint32_t
mid_operation_thread(const struct repl *r)
{
    const struct repl_session *s = &r->sess;
    if (!r->udpif || !s->n_journal || s->journal[s->n_journal - 1].line) {
        return UINT32_MAX;
    }
    uint32_t id = s->journal[s->n_journal - 1].thread_id;
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        const struct uk_thread *t = r->udpif->threads[i];
        if (t->id == id) {
            return t->next.kind != UK_ACT_IDLE ? id : UINT32_MAX;
        }
    }
    return UINT32_MAX;
}

/* What a session reports, and its exit status so far. */
struct session_report {
    struct repl *r;
    const char *output;         /* -o FILE, or NULL. */
    const char *origin;         /* For the scripts' first line. */
    size_t n_reported;          /* Violations reported. */
    int status;                 /* 0 clean, 1 violation, 2 error. */
    bool save_failed;           /* A script could not be saved. */
};

static void
session_report_violation(struct session_report *rep,
                         const struct explore_violation *v)
{
    if (report_violation(rep->r, v, rep->output, rep->n_reported++,
                         rep->origin)) {
        rep->save_failed = true;
    }
    rep->status = 1;
}

/* The violations of the session before the search ('before'), as 'from'
 * says: noted (the REPL), or reported as found.  Returns false if the
 * search must not run (a violation found, and no --all). */
static bool
report_before(struct session_report *rep, const struct explore_options *o,
              const struct explore_result *before, enum explore_from from)
{
    size_t n = before->n_violations;
    if (!n) {
        return true;
    }
    if (from == EXPLORE_FROM_HERE) {
        printf("note: %zu violation%s already hit before this point (show "
               "violations); the search reports the ones the next steps "
               "reach\n", n, uk_plural(n));
        return true;
    }
    for (size_t i = 0; i < (o->all ? n : 1); i++) {
        session_report_violation(rep, &before->violations[i]);
    }
    if (!o->all) {
        printf("searched no schedule: the scenario's own steps reach "
               "the violation, so every schedule does (--all searches "
               "on from there)\n");
        return false;
    }
    return true;
}

/* Runs the explorer on 'r''s scenario with 'o', into 'res'; the
 * scenario's own violations 'before' are not reported again when 'from'
 * reported them.  Returns 0, or 2 after an error message ('res' then
 * needs no release). */
static int
search_scenario(struct repl *r, const struct explore_options *o,
                const struct explore_result *before, enum explore_from from,
                struct explore_result *res)
{
    struct explore_options so = *o;
    struct ukey_event *known = NULL;
    if (from == EXPLORE_FROM_SCENARIO && before->n_violations) {
        known = uk_xcalloc(before->n_violations, sizeof *known);
        for (size_t i = 0; i < before->n_violations; i++) {
            known[i] = before->violations[i].event;
        }
        so.known = known;
        so.n_known = before->n_violations;
    }
    struct scenario s;
    scenario_init(&s, r);
    int error = explore_run(scenario_setup, &s, &so, res);
    free(known);
    if (so.progress) {
        fputs("\r\033[K", stderr);
    }
    if (error && s.broken) {
        repl_error(r, "explore: the session does not replay (the error "
                   "above): nothing searched");
    } else if (error) {
        repl_error(r, "explore: the search failed (%s)", strerror(error));
    }
    scenario_destroy(&s);
    if (error) {
        explore_result_destroy(res);
        return 2;
    }
    return 0;
}

/* Reports the search's result 'res': its violations and the summary
 * line.  'new_only': violations were hit before the search. */
static void
report_search(struct session_report *rep, const struct explore_options *o,
              const struct explore_result *res, bool new_only)
{
    for (size_t i = 0; i < res->n_violations; i++) {
        session_report_violation(rep, &res->violations[i]);
    }
    if (rep->n_reported) {
        printf("%ssearched ", res->stats.cancelled ? "interrupted: " : "");
        print_coverage(o, &res->stats, res->n_violations > 0);
    } else {
        /* "clean" only for a search that covered its whole space (or a
         * sample, which says it is one): one stopped by a limit may have
         * missed a violation, as spin's "search not completed" says. */
        bool sampled = (o->strategy == EXPLORE_RANDOM
                        || o->strategy == EXPLORE_PCT);
        printf("%s: no %sviolation in ",
               res->stats.cancelled ? "interrupted"
               : res->stats.exhausted
                 || (sampled && !res->stats.capped
                     && !res->stats.interrupted)
               ? "clean" : "incomplete",
               new_only ? "new " : "");
        print_coverage(o, &res->stats, false);
    }
    if (res->stats.cancelled) {
        rep->status = 2;
    }
}

/* Runs the explorer on 'r''s scenario, judging it as 'from' says.
 * Returns the exit status: 0 clean, 1 violation, 2 error. */
static int
explore_session(struct repl *r, const struct explore_options *opts,
                const char *output, const char *origin,
                enum explore_from from)
{
    struct explore_options o = *opts;
    if (progress_wanted()) {
        o.progress = progress;
    }
    o.cancel = &repl_interrupted;
    o.last_thread = mid_operation_thread(r);
    if (output && !output_writable(r, output)) {
        return 2;
    }

    struct session_report rep = {
        .r = r, .output = output, .origin = origin,
    };
    struct explore_result before, res;
    prefix_violations(r, o.warnings, &before);
    if (report_before(&rep, &o, &before, from)) {
        if (search_scenario(r, &o, &before, from, &res)) {
            rep.status = 2;
        } else {
            report_search(&rep, &o, &res, before.n_violations > 0);
            explore_result_destroy(&res);
        }
    }
    fflush(stdout);
    explore_result_destroy(&before);
    return rep.save_failed ? 2 : rep.status;
}

enum cmd_status
cmd_explore(struct repl *r, int argc, char *argv[])
{
    struct explore_options opts;
    const char *output = NULL;
    explore_options_init(&opts);
    int i = parse_options(r, argc, argv, &opts, &output, NULL);
    if (i < 0) {
        return CMD_ERROR;
    }
    if (i < argc) {
        repl_usage_error(r, "explore", "'%s': unexpected argument", argv[i]);
        return CMD_ERROR;
    }
    int status = explore_session(r, &opts, output, "explore in the REPL",
                                 EXPLORE_FROM_HERE);
    /* Interrupted: the summary is out; the input loop reports the
     * interrupt (a script then exits 2, the prompt comes back). */
    return status == 2 && !repl_interrupted ? CMD_ERROR : CMD_OK;
}

/* The scenario runs as the prefix of the search: what its commands print
 * (steps, "show", "history"...) is not the search's report, so it goes to
 * /dev/null.  Errors and failed expects go to stderr and stay.  Returns
 * the saved stdout for stdout_restore(), or -1 if stdout could not be
 * silenced (the script's output then shows: harmless). */
static int
stdout_silence(void)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0) {
        if (saved >= 0) {
            close(saved);
        }
        saved = -1;
    }
    if (null >= 0) {
        close(null);
    }
    return saved;
}

/* Gives back the stdout that stdout_silence() saved in 'saved' (-1:
 * nothing to do). */
static void
stdout_restore(int saved)
{
    if (saved >= 0) {
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
}

int
explore_main(int argc, char *argv[])
{
    struct repl r;
    struct explore_options opts;
    const char *output = NULL;

    /* --help anywhere before "--", and not as an option's value. */
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (is_option(argv[i]) && takes_value(argv[i])) {
            i++;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ukdb explore [OPTION]... [--] SCRIPT.ukdb\n"
                   "Searches the interleavings of a scenario for "
                   "violations.\n%s\n"
                   "Exit status: 0 none found, 1 found, 2 error.\n",
                   explore_options_help);
            return 0;
        }
    }
    repl_init(&r);
    r.from_command_line = true;
    r.subcommand = "explore";
    explore_options_init(&opts);
    bool verbose = false;
    int i = parse_options(&r, argc, argv, &opts, &output, &verbose);
    if (i >= 0 && i == argc) {
        ukdb_usage_error("explore", "no scenario to explore");
    } else if (i >= 0 && i + 1 < argc) {
        ukdb_usage_error("explore", "'%s': unexpected argument", argv[i + 1]);
    }
    if (i < 0 || i + 1 != argc) {
        repl_destroy(&r);
        return 2;
    }
    const char *file = argv[i];
    FILE *fp = fopen(file, "r");
    if (!fp) {
        fprintf(stderr, "ukdb: error: %s: %s\n", file, strerror(errno));
        repl_destroy(&r);
        return 2;
    }
    repl_rebuild(&r);
    r.quiet = !verbose;
    repl_catch_sigint();
    int saved_stdout = verbose ? -1 : stdout_silence();
    enum cmd_status status = repl_run_file(&r, fp, file);
    stdout_restore(saved_stdout);
    fclose(fp);
    r.quiet = false;
    r.from_command_line = true;
    int code = 2;
    if (status != CMD_ERROR && !r.n_errors) {
        char origin[256];
        snprintf(origin, sizeof origin, "ukdb explore %s, %s", file,
                 explore_strategy_name(opts.strategy));
        code = explore_session(&r, &opts, output, origin,
                              EXPLORE_FROM_SCENARIO);
        if (repl_interrupted) {
            fprintf(stderr, "ukdb: error: explore: interrupted\n");
            code = 2;
        }
    }
    repl_destroy(&r);
    return code;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer (core/explore.c): finds the 2016 double delete by itself
 * from a scenario with no stepping, hands back a schedule that replays it,
 * explores upstream clean, and its reductions (sleep sets, DPOR) lose
 * nothing. */
#include "core/explore.h"

#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

/* ==== Scenarios ==== */

struct scenario {
    const char *variant;
    bool same;                  /* setup_dup(): both upcalls on f1. */
    bool evict;                 /* setup_dup(): f1 evicted first. */
    bool one_umap;              /* setup_race(): a single umap shard. */
    bool shutdown;              /* setup_miss_dump(): udpif_destroy()
                                 * queued too. */
};

static struct udpif *
model_new1(const char *variant)
{
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.variant = uk_variant_find(variant);
    cfg.n_umaps = 1;
    return udpif_create(&cfg);
}

/* f1 installed, then evicted by a dump-only round stepped to its end; then
 * a miss upcall for f1 queued on handler0 and a sweep on the revalidator:
 * nothing of those stepped.  The 2016 race is somewhere in there. */
static struct udpif *
setup_race(void *s_)
{
    const struct scenario *s = s_;
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.variant = uk_variant_find(s->variant);
    cfg.n_umaps = s->one_umap ? 1 : cfg.n_umaps;
    struct udpif *u = udpif_create(&cfg);
    return queue_race(u);
}

/* Flows f1 and f2 installed (and f1 evicted by a dump when 'evict'); then
 * a miss upcall of each on its own handler (or both of f1 when 'same'):
 * short operations, for exhaustive search without reduction. */
static struct udpif *
setup_dup(void *s_)
{
    const struct scenario *s = s_;
    struct udpif *u = model_new(s->variant, UK_DP_KERNEL, NULL);
    struct uk_thread *h0 = udpif_add_thread(u, UK_THREAD_HANDLER,
                                            "handler0", NULL);
    struct uk_thread *h1 = udpif_add_thread(u, UK_THREAD_HANDLER,
                                            "handler1", NULL);
    struct uk_thread *r = s->evict
        ? udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator0", NULL)
        : NULL;
    struct uk_flow *f1 = udpif_add_flow(u, "f1");
    struct uk_flow *f2 = udpif_add_flow(u, "f2");
    udpif_upcall(u, h0, f1, 1);
    udpif_upcall(u, h1, f2, 1);
    run_all(u);
    if (r) {
        udpif_expire(u, f1);
        udpif_round(u, r, UK_PHASE_DUMP);
        run_all(u);
    }
    udpif_upcall(u, h0, f1, 1);
    udpif_upcall(u, h1, s->same ? f1 : f2, 1);
    return u;
}

/* The slowpath scenario: f1 installed, its datapath flow deleted behind
 * OVS's back, then a miss for f1 and a full revalidator round, with no
 * step order (180ab2fd6 needs more rounds to show; this is for the
 * reduction). */
static struct udpif *
setup_slowpath(void *s_)
{
    const struct scenario *s = s_;
    struct udpif *u = model_new1(s->variant);
    struct uk_thread *h, *r;
    struct uk_flow *f = install_f1(u, &h, &r);
    udpif_dp_ext_del(u, f, 0);
    udpif_traffic(u, f, 1);
    udpif_round(u, r, UK_PHASE_DUMP | UK_PHASE_SWEEP);
    return u;
}

/* e34bbe31b: a miss for an idle f1 and a dump, no step order. */
static struct udpif *
setup_miss_dump(void *s_)
{
    const struct scenario *s = s_;
    struct udpif *u = model_new1(s->variant);
    struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER, "handler0",
                                           NULL);
    struct uk_thread *r = udpif_add_thread(u, UK_THREAD_REVALIDATOR,
                                           "revalidator0", NULL);
    struct uk_flow *f = udpif_add_flow(u, "f1");
    udpif_expire(u, f);
    udpif_upcall(u, h, f, 1);
    udpif_round(u, r, UK_PHASE_DUMP);
    if (s->shutdown) {
        udpif_shutdown(u);
    }
    return u;
}

/* Two revalidators share a full round (dump and sweep) over an idle f1:
 * barriers, the shared dump, a round ended by either one. */
static struct udpif *
setup_2r(void *s_)
{
    const struct scenario *s = s_;
    struct udpif *u = model_new1(s->variant);
    struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER, "handler0",
                                           NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator0", NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator1", NULL);
    struct uk_flow *f = udpif_add_flow(u, "f1");
    udpif_upcall(u, h, f, 1);
    run_all(u);
    udpif_expire(u, f);
    udpif_round(u, NULL, UK_PHASE_ALL);
    return u;
}

/* A sweep round on r0, then two misses on h0 (f2, and f1's slowpathed
 * packet): h0 locks each new ukey in turn to make it OPERATIONAL while the
 * sweep trylocks them.  DPOR reversed the race of the sweep's unlock of
 * ukey#2 with h0's lock of it by running h0 to that lock, blocked, and
 * never ran the sweep's trylock of ukey#2 after h0's whole critical
 * section: two final states of sleep sets were missing. */
static struct udpif *
setup_lock_release(void *s_)
{
    const struct scenario *s = s_;
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.variant = uk_variant_find(s->variant);
    cfg.n_umaps = 1;
    cfg.stuck_rounds = cfg.slowpath_rounds = 1;
    struct udpif *u = udpif_create(&cfg);
    struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER, "h0",
                                           NULL);
    struct uk_thread *r = udpif_add_thread(u, UK_THREAD_REVALIDATOR, "r0",
                                           NULL);
    struct uk_flow *f1 = udpif_add_flow(u, "f1");
    struct uk_flow *f2 = udpif_add_flow(u, "f2");
    udpif_round(u, r, UK_PHASE_SWEEP);
    udpif_upcall(u, h, f2, 1);
    udpif_traffic(u, f1, 1);
    return u;
}

/* f1 installed, two sweep rounds on revalidator0, then a purge, with no
 * step order: the purge may come before, between or after the rounds.
 * DPOR's first schedule runs the rounds back to back, then the purge: its
 * pause (which waits for n_in_round to fall to 0, then sets 'paused')
 * races with the end of the second round, which enabled it, so the race is
 * retargeted (dpor_retarget()) to the earlier steps the pause depends on.
 * Of those, only the step that begins the second round (which reads
 * 'paused' and raises n_in_round) has the pause enabled before it, and
 * only the round bookkeeping makes it one of them: without either, DPOR
 * never puts the purge between the rounds and misses that final state. */
static struct udpif *
setup_purge_between(void *s_)
{
    const struct scenario *s = s_;
    struct udpif *u = model_new1(s->variant);
    struct uk_thread *h, *r;
    install_f1(u, &h, &r);
    udpif_round(u, r, UK_PHASE_SWEEP);
    udpif_round(u, r, UK_PHASE_SWEEP);
    udpif_purge(u);
    return u;
}

/* A sweep round on revalidator0 and a miss of the new f1 on handler0, the
 * revalidator created first (the searches try the lower thread id first).
 * The sweep's umap_collect() (in its step past the barrier, with no event)
 * sees f1's ukey or not as it comes after handler0's umap insert or
 * before: a read against a write of the shard, with the read explored
 * first.  Sleep sets then ask whether the sleeping read depends on the
 * write taken, DPOR whether the earlier read races with the later write:
 * both with the read as ex_fp_dependent()'s first argument. */
static struct udpif *
setup_sweep_install(void *s_)
{
    const struct scenario *s = s_;
    struct udpif *u = model_new1(s->variant);
    struct uk_thread *r = udpif_add_thread(u, UK_THREAD_REVALIDATOR,
                                           "revalidator0", NULL);
    struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER, "handler0",
                                           NULL);
    struct uk_flow *f = udpif_add_flow(u, "f1");
    udpif_round(u, r, UK_PHASE_SWEEP);
    udpif_upcall(u, h, f, 1);
    return u;
}

/* ==== Tests ==== */

static void
test_finds_race(const char *variant)
{
    /* One umap shard: the same race, a smaller space (ASan runs this). */
    struct scenario s = { .variant = variant, .one_umap = true };
    struct explore_options opts;
    struct explore_result r;
    explore_options_init(&opts);

    int error = explore_run(setup_race, &s, &opts, &r);
    is_int(error, 0, "%s: explore ran", variant);
    ok(r.n_violations == 1, "%s: one violation found", variant);
    if (r.n_violations != 1) {
        explore_result_destroy(&r);
        return;
    }
    struct explore_violation *v = &r.violations[0];
    is_str(uk_violation_kind_name(v->event.kind), "double-delete",
           "%s: it is the double delete", variant);
    is_str(v->flow ? v->flow : "", "f1", "%s: on f1", variant);
    diag("%s: %llu schedules, %llu steps, first found at %zu steps, "
         "minimised to %zu, %.3f s", variant,
         (unsigned long long) r.stats.schedules,
         (unsigned long long) r.stats.steps, v->found_length, v->schedule.n,
         r.stats.elapsed);
    ok(v->schedule.n <= v->found_length, "%s: minimised (%zu <= %zu)",
       variant, v->schedule.n, v->found_length);

    /* Both threads of the race are in it; the last step reported it. */
    bool h = false, rv = false;
    for (size_t i = 0; i < v->schedule.n; i++) {
        h |= !strcmp(v->schedule.steps[i].thread, "handler0");
        rv |= !strcmp(v->schedule.steps[i].thread, "revalidator0");
    }
    ok(h && rv, "%s: the handler and the revalidator both step", variant);

    /* Replaying the schedule on a fresh setup reproduces it. */
    size_t n;
    uint32_t *tids = explore_schedule_tids(&v->schedule, &n);
    struct explore_violation again;
    error = explore_replay(setup_race, &s, tids, n, false, &again, NULL);
    is_int(error, 0, "%s: the schedule replays", variant);
    ok(again.event.type == UK_EV_VIOLATION
       && explore_same_violation(&again.event, &v->event)
       && again.schedule.n == n,
       "%s: the replay reproduces the violation at the last step", variant);
    explore_violation_destroy(&again);

    /* Any shorter prefix does not. */
    error = explore_replay(setup_race, &s, tids, n - 1, false, &again, NULL);
    ok(!error && again.event.type != UK_EV_VIOLATION,
       "%s: one step less is clean", variant);
    explore_violation_destroy(&again);
    free(tids);

    /* The script. */
    char *text = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&text, &size);
    explore_write_script(fp, v, false);
    fclose(fp);
    ok(strstr(text, "\nstep handler0  # ")
       && strstr(text, "\nstep revalidator0  # ")
       && strstr(text, "\nexpect violation double-delete f1\n"),
       "%s: script has steps and the expect line", variant);
    size_t lines = 0;
    for (const char *p = text; (p = strstr(p, "\nstep ")); p++) {
        lines++;
    }
    is_int(lines, v->schedule.n, "%s: one step line per step", variant);
    if (!strcmp(variant, "v1-replace")) {
        diag("script:\n%s", text);
    }
    free(text);

    /* BFS: a shortest schedule, found as such (no minimisation), no
     * longer than the minimised DFS one. */
    opts.strategy = EXPLORE_BFS;
    opts.minimize = false;
    struct explore_result b;
    explore_run(setup_race, &s, &opts, &b);
    size_t nb = b.n_violations ? b.violations[0].schedule.n : 0;
    ok(b.n_violations == 1 && nb <= v->schedule.n
       && b.violations[0].found_length == nb,
       "%s: bfs finds it first with %zu steps (dfs: %zu, minimised %zu)",
       variant, nb, v->found_length, v->schedule.n);
    ok(b.stats.reduction == EXPLORE_REDUCTION_SLEEP,
       "%s: bfs reduces with sleep sets", variant);
    explore_result_destroy(&b);
    if (nb > 1) {
        /* Nothing shorter: every schedule of nb - 1 steps is clean. */
        struct explore_options d;
        explore_options_init(&d);
        d.reduction = EXPLORE_REDUCTION_SLEEP;
        d.depth_bound = nb - 1;
        explore_run(setup_race, &s, &d, &b);
        ok(!b.n_violations && b.stats.exhausted,
           "%s: no violation within %zu steps (%llu schedules)", variant,
           nb - 1, (unsigned long long) b.stats.schedules);
        explore_result_destroy(&b);
    }
    explore_result_destroy(&r);
}

/* BFS and DFS walk the same tree (sleep sets) in another order: DFS goes
 * down first and finds a longer schedule first; BFS finds the shortest
 * after more steps. */
static void
test_bfs_order(void)
{
    struct scenario s = { .variant = "v1-replace", .one_umap = true };
    struct explore_options opts;
    struct explore_result d, b;
    explore_options_init(&opts);
    opts.reduction = EXPLORE_REDUCTION_SLEEP;
    opts.minimize = false;

    explore_run(setup_race, &s, &opts, &d);
    opts.strategy = EXPLORE_BFS;
    explore_run(setup_race, &s, &opts, &b);
    ok(d.n_violations == 1 && b.n_violations == 1
       && b.violations[0].found_length < d.violations[0].found_length,
       "bfs first finds %zu steps, dfs %zu",
       b.n_violations ? b.violations[0].found_length : 0,
       d.n_violations ? d.violations[0].found_length : 0);
    ok(b.stats.steps != d.stats.steps,
       "another order: %llu steps run by bfs, %llu by dfs",
       (unsigned long long) b.stats.steps,
       (unsigned long long) d.stats.steps);
    explore_result_destroy(&d);
    explore_result_destroy(&b);

    /* The frontier bound stops it, and says so. */
    opts.bfs_max_bytes = 1;
    explore_run(setup_race, &s, &opts, &b);
    ok(b.stats.frontier_full && b.stats.interrupted && !b.stats.exhausted
       && !b.n_violations, "bfs: a full frontier stops the search");
    explore_result_destroy(&b);
}

static void
test_upstream_clean(void)
{
    struct scenario s = { .variant = "upstream", .one_umap = true };
    struct explore_options opts;
    struct explore_result r;
    explore_options_init(&opts);
    opts.hash_states = true;

    is_int(explore_run(setup_race, &s, &opts, &r), 0, "upstream: ran");
    is_int(r.n_violations, 0, "upstream: no violation");
    ok(r.stats.exhausted && r.stats.reduction == EXPLORE_REDUCTION_DPOR,
       "upstream: exhaustive with dpor (%llu schedules, %llu "
       "complete, %llu sleep-blocked, %llu pruned, %llu states, %llu steps)",
       (unsigned long long) r.stats.schedules,
       (unsigned long long) r.stats.complete,
       (unsigned long long) r.stats.sleep_blocked,
       (unsigned long long) r.stats.pruned,
       (unsigned long long) r.stats.states,
       (unsigned long long) r.stats.steps);
    ok(r.stats.complete > 1, "upstream: more than one schedule");
    explore_result_destroy(&r);
}

/* A --max-schedules equal to the size of the space stops the search with
 * its last schedule: nothing was left, so the search is complete, not
 * interrupted.  One less leaves one.  Under each strategy. */
static void
test_limit_at_the_end(void)
{
    struct scenario s = { .variant = "upstream", .one_umap = true };
    for (int bfs = 0; bfs < 2; bfs++) {
        const char *name = bfs ? "bfs" : "dfs";
        struct explore_options opts;
        struct explore_result r;
        explore_options_init(&opts);
        opts.strategy = bfs ? EXPLORE_BFS : EXPLORE_DFS;
        is_int(explore_run(setup_race, &s, &opts, &r), 0, "%s: ran", name);
        uint64_t n = r.stats.schedules;
        bool whole = r.stats.exhausted && !r.stats.interrupted;
        explore_result_destroy(&r);
        ok(whole && n > 1, "%s: the whole space is %llu schedules", name,
           (unsigned long long) n);

        opts.max_schedules = n;
        is_int(explore_run(setup_race, &s, &opts, &r), 0, "%s: ran", name);
        ok(r.stats.schedules == n && r.stats.exhausted
           && !r.stats.interrupted,
           "%s: --max-schedules %llu, the size of the space: complete",
           name, (unsigned long long) n);
        explore_result_destroy(&r);

        opts.max_schedules = n - 1;
        is_int(explore_run(setup_race, &s, &opts, &r), 0, "%s: ran", name);
        ok(r.stats.schedules == n - 1 && !r.stats.exhausted
           && r.stats.interrupted,
           "%s: --max-schedules %llu: interrupted, one left", name,
           (unsigned long long) (n - 1));
        explore_result_destroy(&r);
    }
}

/* A schedule cut by the cap on its steps ('max_steps', 100000 by default)
 * leaves the space unsearched: it was "clean: ... in the only schedule".
 * A depth bound asked for is a bound of the space. */
static void
test_capped(void)
{
    struct scenario s = { .variant = "upstream", .one_umap = true };
    for (int st = 0; st < 3; st++) {
        enum explore_strategy strategy = st == 0 ? EXPLORE_DFS
                                         : st == 1 ? EXPLORE_BFS
                                         : EXPLORE_RANDOM;
        const char *name = explore_strategy_name(strategy);
        struct explore_options opts;
        struct explore_result r;
        explore_options_init(&opts);
        opts.strategy = strategy;
        opts.reduction = EXPLORE_REDUCTION_SLEEP;
        opts.n_runs = 3;
        opts.max_steps = 5;
        is_int(explore_run(setup_race, &s, &opts, &r), 0, "%s: ran", name);
        ok(r.stats.capped && !r.stats.exhausted && r.stats.bound_exceeded,
           "%s: schedules cut at max_steps: capped, not exhaustive", name);
        explore_result_destroy(&r);

        opts.max_steps = 100000;
        opts.depth_bound = 5;
        is_int(explore_run(setup_race, &s, &opts, &r), 0, "%s: ran", name);
        ok(!r.stats.capped && r.stats.bound_exceeded
           && (strategy == EXPLORE_RANDOM || r.stats.exhausted),
           "%s: cut by --depth 5: a bound, not a cap", name);
        explore_result_destroy(&r);
    }
}

/* The progress callback: first after the first schedule (so a long
 * search shows itself at once), then by time; never after the search. */
struct progress_log {
    uint64_t n_calls;
    uint64_t first_schedules;
    size_t first_depth;
    uint64_t last_schedules;
};

static void
progress_record(const struct explore_stats *st, void *log_)
{
    struct progress_log *log = log_;
    if (!log->n_calls++) {
        log->first_schedules = st->schedules;
        log->first_depth = st->max_depth;
    }
    log->last_schedules = st->schedules;
}

static void
test_progress(void)
{
    struct scenario s = { .variant = "upstream", .one_umap = true };
    struct explore_options opts;
    struct explore_result r;
    struct progress_log log = { 0 };
    explore_options_init(&opts);
    ok(opts.progress_period > 0.4 && opts.progress_period < 0.6,
       "progress: at most twice a second by default");
    opts.progress = progress_record;
    opts.progress_aux = &log;

    is_int(explore_run(setup_race, &s, &opts, &r), 0, "progress: ran");
    ok(log.n_calls >= 1, "progress: called (%llu times)",
       (unsigned long long) log.n_calls);
    is_int(log.first_schedules, 1, "progress: first after one schedule");
    ok(log.first_depth > 0, "progress: with the depth");
    ok(log.last_schedules <= r.stats.schedules,
       "progress: not past the search");
    explore_result_destroy(&r);
}

/* Without reduction, with sleep sets and with DPOR: the same violation
 * kinds and distinct violations, the same final states.  DPOR explores no
 * more complete schedules than sleep sets (which may explore a class
 * twice: ukey ids depend on the order of creation, and a sleeping step
 * that named another id wakes up). */
static void
check_sound(const char *what, explore_setup_fn *setup, struct scenario *s)
{
    struct explore_options opts;
    struct explore_result r[N_EXPLORE_REDUCTIONS];
    explore_options_init(&opts);
    opts.all = true;
    opts.hash_states = true;
    opts.minimize = false;
    opts.warnings = true;

    for (int i = 0; i < N_EXPLORE_REDUCTIONS; i++) {
        opts.reduction = i;
        explore_run(setup, s, &opts, &r[i]);
        ok(r[i].stats.exhausted && (int) r[i].stats.reduction == i,
           "%s: exhaustive with %s", what, explore_reduction_name(i));
    }
    const struct explore_result *none = &r[EXPLORE_REDUCTION_NONE];
    for (int i = EXPLORE_REDUCTION_SLEEP; i < N_EXPLORE_REDUCTIONS; i++) {
        const struct explore_result *w = &r[i];
        const char *name = explore_reduction_name(i);
        is_int(w->kinds_seen, none->kinds_seen,
               "%s, %s: same violation kinds (%#llx)", what, name,
               (unsigned long long) none->kinds_seen);
        is_int(w->n_violations, none->n_violations,
               "%s, %s: same distinct violations", what, name);
        ok(w->n_final_states == none->n_final_states
           && !memcmp(w->final_states, none->final_states,
                      w->n_final_states * sizeof *w->final_states),
           "%s, %s: same final states (%zu)", what, name,
           w->n_final_states);
        ok(w->stats.complete <= none->stats.complete,
           "%s: %llu schedules with %s, %llu without", what,
           (unsigned long long) w->stats.complete, name,
           (unsigned long long) none->stats.complete);
    }
    ok(r[EXPLORE_REDUCTION_DPOR].stats.complete
       <= r[EXPLORE_REDUCTION_SLEEP].stats.complete,
       "%s: dpor no more than sleep sets (%llu vs %llu schedules, %llu "
       "races, %llu vs %llu sleep-blocked)", what,
       (unsigned long long) r[EXPLORE_REDUCTION_DPOR].stats.complete,
       (unsigned long long) r[EXPLORE_REDUCTION_SLEEP].stats.complete,
           (unsigned long long) r[EXPLORE_REDUCTION_DPOR].stats.races,
           (unsigned long long) r[EXPLORE_REDUCTION_DPOR].stats.sleep_blocked,
           (unsigned long long)
           r[EXPLORE_REDUCTION_SLEEP].stats.sleep_blocked);

    /* Breadth first with sleep sets: the same tree as depth first. */
    struct explore_result b;
    opts.strategy = EXPLORE_BFS;
    opts.reduction = EXPLORE_REDUCTION_SLEEP;
    explore_run(setup, s, &opts, &b);
    ok(b.stats.exhausted && b.kinds_seen == none->kinds_seen
       && b.n_violations == none->n_violations
       && b.n_final_states == none->n_final_states
       && !memcmp(b.final_states, none->final_states,
                  b.n_final_states * sizeof *b.final_states)
       && b.stats.complete == r[EXPLORE_REDUCTION_SLEEP].stats.complete,
       "%s, bfs: exhaustive, same kinds, violations, final states, and "
       "as many schedules as dfs with sleep sets (%llu)", what,
       (unsigned long long) b.stats.complete);
    explore_result_destroy(&b);
    for (int i = 0; i < N_EXPLORE_REDUCTIONS; i++) {
        explore_result_destroy(&r[i]);
    }
}

static void
test_reduction_sound(void)
{
    struct scenario two = { .variant = "upstream" };
    struct scenario same = { .variant = "v1-replace", .same = true };
    struct scenario replace = { .variant = "v1-replace", .same = true,
                                .evict = true };
    struct scenario race1 = { .variant = "v1-replace", .one_umap = true };
    struct scenario slow = { .variant = "pre-180ab2fd6" };
    struct scenario slow_up = { .variant = "upstream" };
    struct scenario miss = { .variant = "pre-e34bbe31b" };

    check_sound("2 handlers, 2 flows", setup_dup, &two);
    check_sound("2 handlers, 1 flow", setup_dup, &same);
    check_sound("2 handlers replace f1", setup_dup, &replace);
    check_sound("race v1-replace, 1 umap", setup_race, &race1);
    check_sound("slowpath pre-180ab2fd6", setup_slowpath, &slow);
    check_sound("slowpath upstream", setup_slowpath, &slow_up);
    check_sound("miss and dump pre-e34bbe31b", setup_miss_dump, &miss);
    check_sound("2 revalidators, one round", setup_2r, &slow_up);
    check_sound("purge between two sweeps", setup_purge_between, &slow_up);
    check_sound("sweep against a new ukey's insert", setup_sweep_install,
                &slow_up);

    /* The main thread's join stops the other threads for good: DPOR saw
     * no race with the steps it disabled, and explored only the schedule
     * in which the shutdown comes first ("clean"). */
    struct scenario miss_down = { .variant = "pre-e34bbe31b",
                                  .shutdown = true };
    check_sound("miss, dump and shutdown pre-e34bbe31b", setup_miss_dump,
                &miss_down);
    struct explore_result r;
    is_int(explore_run(setup_miss_dump, &miss_down, NULL, &r), 0,
           "shutdown queued: ran");
    ok(r.n_violations == 1
       && r.violations[0].event.kind == UK_VIOL_BACKWARD_TRANSITION,
       "shutdown queued: dpor finds the backward transition");
    explore_result_destroy(&r);
}

/* DPOR reaches the final states and violations of sleep sets where a
 * race's reversal would run a lock after the release of the lock it
 * takes (setup_lock_release()).  Without reduction the space is too big
 * to compare here; sleep sets and breadth first agree. */
static void
test_dpor_lock_release(void)
{
    struct scenario s = { .variant = "upstream" };
    struct explore_options opts;
    struct explore_result r[3];
    for (int i = 0; i < 3; i++) {
        explore_options_init(&opts);
        opts.all = opts.warnings = opts.hash_states = true;
        opts.minimize = false;
        opts.strategy = i == 2 ? EXPLORE_BFS : EXPLORE_DFS;
        opts.reduction = i ? EXPLORE_REDUCTION_SLEEP
                           : EXPLORE_REDUCTION_DPOR;
        explore_run(setup_lock_release, &s, &opts, &r[i]);
    }
    for (int i = 1; i < 3; i++) {
        ok(r[0].stats.exhausted && r[i].stats.exhausted
           && r[0].kinds_seen == r[i].kinds_seen
           && r[0].n_violations == r[i].n_violations
           && r[0].n_final_states == r[i].n_final_states
           && !memcmp(r[0].final_states, r[i].final_states,
                      r[0].n_final_states * sizeof *r[0].final_states),
           "lock after release: dpor reaches the %zu final states of %s "
           "(%zu)", r[i].n_final_states, i == 1 ? "sleep sets" : "bfs",
           r[0].n_final_states);
    }
    for (int i = 0; i < 3; i++) {
        explore_result_destroy(&r[i]);
    }
}

/* DPOR under a depth bound does not claim the space: the races of the
 * steps past the bound are not seen.  Sleep sets do. */
static void
test_dpor_depth_bound(void)
{
    struct scenario s = { .variant = "upstream", .one_umap = true };
    struct explore_options opts;
    struct explore_result r;
    explore_options_init(&opts);
    opts.depth_bound = 10;

    explore_run(setup_race, &s, &opts, &r);
    ok(r.stats.dpor_cut && !r.stats.exhausted,
       "dpor, depth 10: cut, not exhaustive (%llu schedules)",
       (unsigned long long) r.stats.schedules);
    explore_result_destroy(&r);
    opts.reduction = EXPLORE_REDUCTION_SLEEP;
    explore_run(setup_race, &s, &opts, &r);
    ok(!r.stats.dpor_cut && r.stats.exhausted,
       "sleep, depth 10: exhaustive within the bound (%llu schedules)",
       (unsigned long long) r.stats.schedules);
    explore_result_destroy(&r);

    /* No schedule reaches the bound: DPOR is exhaustive. */
    opts.reduction = EXPLORE_REDUCTION_DPOR;
    opts.depth_bound = 1000;
    explore_run(setup_race, &s, &opts, &r);
    ok(!r.stats.dpor_cut && r.stats.exhausted && !r.stats.bound_exceeded,
       "dpor, depth 1000: exhaustive");
    explore_result_destroy(&r);

    ok(explore_reduction_from_name("dpor") == EXPLORE_REDUCTION_DPOR
       && explore_reduction_from_name("sleep") == EXPLORE_REDUCTION_SLEEP
       && explore_reduction_from_name("none") == EXPLORE_REDUCTION_NONE
       && explore_reduction_from_name("x") == -1,
       "reduction names");
}

static bool
same_result(const struct explore_result *a, const struct explore_result *b)
{
    if (a->n_violations != b->n_violations
        || a->stats.schedules != b->stats.schedules
        || a->stats.steps != b->stats.steps) {
        return false;
    }
    for (size_t i = 0; i < a->n_violations; i++) {
        const struct explore_schedule *x = &a->violations[i].schedule;
        const struct explore_schedule *y = &b->violations[i].schedule;
        if (x->n != y->n || a->violations[i].seed != b->violations[i].seed) {
            return false;
        }
        for (size_t j = 0; j < x->n; j++) {
            if (x->steps[j].thread_id != y->steps[j].thread_id) {
                return false;
            }
        }
    }
    return true;
}

static void
test_sampling(enum explore_strategy strategy)
{
    const char *name = explore_strategy_name(strategy);
    struct scenario s = { .variant = "v1-replace", .one_umap = true };
    struct explore_options opts;
    struct explore_result a, b;
    explore_options_init(&opts);
    opts.strategy = strategy;
    opts.n_runs = 300;
    opts.seed = 42;
    opts.all = true;

    explore_run(setup_race, &s, &opts, &a);
    explore_run(setup_race, &s, &opts, &b);
    ok(same_result(&a, &b), "%s: seed 42 twice, same result", name);
    diag("%s: %llu runs, %zu distinct violations", name,
         (unsigned long long) a.stats.schedules, a.n_violations);
    ok(a.n_violations >= 1, "%s: finds the double delete in %llu runs", name,
       (unsigned long long) opts.n_runs);

    /* The run that found it reproduces alone from its seed. */
    if (a.n_violations) {
        struct explore_result c;
        opts.seed = a.violations[0].seed;
        opts.n_runs = 1;
        opts.minimize = false;
        explore_run(setup_race, &s, &opts, &c);
        ok(c.n_violations >= 1
           && explore_same_violation(&c.violations[0].event,
                                     &a.violations[0].event)
           && c.violations[0].found_length == a.violations[0].found_length,
           "%s: run seed %llu alone finds it again", name,
           (unsigned long long) opts.seed);
        explore_result_destroy(&c);
    }
    explore_result_destroy(&a);
    explore_result_destroy(&b);
}

/* A setup that fails on its first call and builds on the next (as the
 * REPL's did, by cutting a journal that does not replay): the search fails,
 * it does not search what the later calls build. */
static struct udpif *
setup_fails_once(void *calls_)
{
    int *calls = calls_;
    if ((*calls)++ == 0) {
        return NULL;
    }
    struct scenario s = { .variant = "v1-replace" };
    return setup_race(&s);
}

/* Counts its calls, and raises 'cancel' at call 'cancel_at' (0: never). */
struct counting {
    int calls, cancel_at;
    volatile sig_atomic_t cancel;
};

static struct udpif *
setup_counting(void *c_)
{
    struct counting *c = c_;
    if (++c->calls == c->cancel_at) {
        c->cancel = 1;
    }
    struct scenario s = { .variant = "v1-replace" };
    return setup_race(&s);
}

/* A cancel (Ctrl-C) while the found schedule is being shortened: the
 * search was interrupted, and says so (it said nothing). */
static void
test_cancel_in_minimize(void)
{
    struct explore_options opts;
    explore_options_init(&opts);
    opts.minimize = false;
    struct counting c = { .calls = 0 };
    opts.cancel = &c.cancel;
    struct explore_result r;
    explore_run(setup_counting, &c, &opts, &r);
    ok(r.n_violations && !r.stats.cancelled, "found without minimising");
    explore_result_destroy(&r);

    int search_calls = c.calls;
    c = (struct counting) { .cancel_at = search_calls + 1 };
    opts.minimize = true;
    explore_run(setup_counting, &c, &opts, &r);
    ok(c.cancel && c.calls > search_calls, "cancelled while minimising");
    ok(r.stats.cancelled && r.stats.interrupted,
       "the result says it was interrupted");
    explore_result_destroy(&r);
}

/* --max-schedules bounds the whole run: the minimiser's re-searches and
 * trial replays come out of what the search left (each re-search had the
 * whole budget: the run was not bounded by it).  Minimisation's schedules
 * are counted apart from the search's. */
static void
test_minimize_budget(void)
{
    struct explore_options opts;
    struct explore_result r;
    struct counting c = { .calls = 0 };
    explore_options_init(&opts);
    explore_run(setup_counting, &c, &opts, &r);
    uint64_t n_search = r.stats.schedules, n_min = r.stats.min_schedules;
    ok(r.n_violations == 1 && n_min > 1 && !r.stats.min_cut
       && r.violations[0].schedule.n < r.violations[0].found_length,
       "unbounded: found in %llu schedules, minimised in %llu more",
       (unsigned long long) n_search, (unsigned long long) n_min);
    explore_result_destroy(&r);

    /* The search spends the whole budget: no minimisation at all, the
     * same models built as with --no-minimize. */
    opts.max_schedules = n_search;
    opts.minimize = false;
    c.calls = 0;
    explore_run(setup_counting, &c, &opts, &r);
    int plain_calls = c.calls;
    explore_result_destroy(&r);
    opts.minimize = true;
    c.calls = 0;
    explore_run(setup_counting, &c, &opts, &r);
    ok(r.n_violations == 1 && !r.stats.min_schedules && r.stats.min_cut
       && r.violations[0].schedule.n == r.violations[0].found_length,
       "budget spent by the search: reported as found, not minimised");
    is_int(c.calls, plain_calls, "budget spent by the search: no model "
           "built to minimise");
    explore_result_destroy(&r);

    /* Some budget left, less than minimisation takes: it gets that much
     * and the schedule it reports still replays. */
    for (uint64_t left = 1; left < n_min; left = left * 4 + 3) {
        opts.max_schedules = n_search + left;
        explore_run(setup_counting, &c, &opts, &r);
        ok(r.n_violations == 1 && r.stats.schedules == n_search
           && r.stats.min_schedules <= left && r.stats.min_cut,
           "--max-schedules %llu: search %llu + minimisation %llu",
           (unsigned long long) opts.max_schedules,
           (unsigned long long) r.stats.schedules,
           (unsigned long long) r.stats.min_schedules);
        if (r.n_violations == 1) {
            size_t n;
            uint32_t *tids = explore_schedule_tids(
                &r.violations[0].schedule, &n);
            struct explore_violation again;
            explore_replay(setup_counting, &c, tids, n, false, &again, NULL);
            ok(again.event.type == UK_EV_VIOLATION
               && explore_same_violation(&again.event,
                                         &r.violations[0].event),
               "  its schedule (%zu steps) replays", n);
            explore_violation_destroy(&again);
            free(tids);
        }
        explore_result_destroy(&r);
    }
}

/* The violations the caller already reported ('known', the scenario's
 * own) are not reported again, and only those. */
static void
test_known(void)
{
    struct scenario s = { .variant = "v1-replace", .one_umap = true };
    struct explore_options opts;
    struct explore_result all, r;
    explore_options_init(&opts);
    opts.all = true;
    opts.minimize = false;
    explore_run(setup_race, &s, &opts, &all);
    ok(all.n_violations >= 2, "--all: %zu violations", all.n_violations);
    if (all.n_violations < 2) {
        explore_result_destroy(&all);
        return;
    }
    opts.known = &all.violations[0].event;
    opts.n_known = 1;
    explore_run(setup_race, &s, &opts, &r);
    bool again = false;
    for (size_t i = 0; i < r.n_violations; i++) {
        again |= explore_same_violation(&r.violations[i].event,
                                        opts.known);
    }
    ok(!again && r.n_violations == all.n_violations - 1,
       "a known violation is not reported again, the others are");
    explore_result_destroy(&r);

    /* Without --all, a known one does not stop the search. */
    opts.all = false;
    explore_run(setup_race, &s, &opts, &r);
    ok(r.n_violations == 1
       && !explore_same_violation(&r.violations[0].event, opts.known),
       "without --all: the first violation not known");
    explore_result_destroy(&r);
    explore_result_destroy(&all);
}

static void
test_setup_fails(void)
{
    for (int reduction = 0; reduction < N_EXPLORE_REDUCTIONS; reduction++) {
        struct explore_options opts;
        explore_options_init(&opts);
        opts.reduction = (enum explore_reduction) reduction;
        struct explore_result r;
        int calls = 0;
        is_int(explore_run(setup_fails_once, &calls, &opts, &r), EINVAL,
               "a setup that fails first: EINVAL (reduction %s)",
               explore_reduction_name(opts.reduction));
        ok(!r.n_violations, "  and nothing searched");
        explore_result_destroy(&r);
    }
}

int
main(void)
{
    if (getenv("ONLY_SOUND")) {
        test_reduction_sound();
        return done_testing();
    }
    test_finds_race("v1-replace");
    test_setup_fails();
    test_cancel_in_minimize();
    test_minimize_budget();
    test_known();
    test_bfs_order();
    test_upstream_clean();
    test_limit_at_the_end();
    test_capped();
    test_progress();
    test_reduction_sound();
    test_dpor_lock_release();
    test_dpor_depth_bound();
    test_sampling(EXPLORE_RANDOM);
    test_sampling(EXPLORE_PCT);
    return done_testing();
}

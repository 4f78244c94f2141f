/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's results and what is done with a violating schedule:
 * replaying it (explore_replay()), minimising it (explore_minimize()), and
 * writing it as a script that reproduces the violation. */
#include "explore-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "udpif-private.h"
#include "util.h"

/* ==== Results ==== */

bool
explore_same_violation(const struct ukey_event *a, const struct ukey_event *b)
{
    return a->kind == b->kind && a->ufid == b->ufid;
}

void
explore_violation_destroy(struct explore_violation *v)
{
    if (!v) {
        return;
    }
    for (size_t i = 0; i < v->schedule.n; i++) {
        free(v->schedule.steps[i].thread);
        free(v->schedule.steps[i].action);
    }
    free(v->schedule.steps);
    free(v->detail);
    free(v->flow);
    memset(v, 0, sizeof *v);
}

void
explore_result_destroy(struct explore_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n_violations; i++) {
        explore_violation_destroy(&r->violations[i]);
    }
    free(r->violations);
    free(r->final_states);
    memset(r, 0, sizeof *r);
}

uint32_t *
explore_schedule_tids(const struct explore_schedule *s, size_t *n)
{
    uint32_t *tids = uk_xcalloc(s->n ? s->n : 1, sizeof *tids);
    for (size_t i = 0; i < s->n; i++) {
        tids[i] = s->steps[i].thread_id;
    }
    *n = s->n;
    return tids;
}

/* ==== Replay ==== */

static void
schedule_add(struct explore_schedule *s, const struct uk_thread *t)
{
    char buf[256];
    uk_action_format(&t->next, buf, sizeof buf);
    s->steps = uk_grow(s->steps, &s->allocated, s->n + 1, sizeof *s->steps);
    s->steps[s->n++] = (struct explore_step) {
        .thread_id = t->id, .thread = uk_xstrdup(t->name),
        .action = uk_xstrdup(buf), .kind = t->next.kind,
    };
}

int
explore_replay(explore_setup_fn *setup, void *aux, const uint32_t *tids,
               size_t n, bool warnings, struct explore_violation *out,
               size_t *failed_at)
{
    return ex_replay(setup, aux, tids, n, warnings, NULL, out, failed_at);
}

/* explore_replay(), stopping only at a violation like 'target' if it is
 * not NULL. */
int
ex_replay(explore_setup_fn *setup, void *aux, const uint32_t *tids, size_t n,
          bool warnings, const struct ukey_event *target,
          struct explore_violation *out, size_t *failed_at)
{
    struct explore_result scratch;
    struct explore_options opts;
    struct ex ex;
    int error = 0;

    explore_options_init(&opts);
    opts.warnings = warnings;
    memset(&scratch, 0, sizeof scratch);
    ex_init(&ex, setup, aux, &opts, &scratch);
    if (out) {
        memset(out, 0, sizeof *out);
    }
    error = ex_build(&ex);
    for (size_t i = 0; !error && i < n; i++) {
        struct uk_thread *t = ex_thread(ex.udpif, tids[i]);
        if (!t || !uk_thread_runnable(t)) {
            if (failed_at) {
                *failed_at = i;
            }
            error = EAGAIN;
            break;
        }
        if (out) {
            schedule_add(&out->schedule, t);
        }
        ex_step(&ex, tids[i], NULL);
        const struct ex_pending *p = NULL;
        for (size_t j = 0; !p && j < ex.n_pending; j++) {
            if (!target || explore_same_violation(&ex.pending[j].event,
                                                  target)) {
                p = &ex.pending[j];
            }
        }
        if (p) {
            if (out) {
                out->event = p->event;
                out->detail = uk_xstrdup(p->detail);
                out->event.name = out->detail;
                for (size_t j = 0; j < ex.udpif->n_flows; j++) {
                    if (ex.udpif->flows[j]->ufid == p->event.ufid) {
                        out->flow = uk_xstrdup(ex.udpif->flows[j]->name);
                    }
                }
            }
            break;
        }
    }
    ex.quiescent = !error && ex.udpif && !ex_runnable(&ex);
    ex_fini(&ex);
    return error;
}

/* ==== Minimisation ==== */

/* One minimisation: its limits, and what it ran. */
struct min_run {
    explore_setup_fn *setup;
    void *aux;
    const struct explore_options *opts; /* As given. */
    struct explore_options o;   /* For each re-search and trial. */
    struct timespec start;
    uint64_t budget;            /* Schedules left. */
    struct explore_stats *stats;    /* Or NULL. */
};

/* Seconds since 'start'. */
static double
seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - start->tv_sec)
           + (double) (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Adds what a re-search or a trial ran to 'm''s account. */
static void
min_account(struct min_run *m, uint64_t schedules, uint64_t steps)
{
    m->budget -= schedules < m->budget ? schedules : m->budget;
    if (m->stats) {
        m->stats->min_schedules += schedules;
        m->stats->min_steps += steps;
    }
}

static void
min_cut(struct min_run *m)
{
    if (m->stats) {
        m->stats->min_cut = true;
    }
}

/* Whether 'm' may run another schedule: not cancelled, budget and time
 * left (which 'm->o.time_limit' then gets).  A minimisation stopped by a
 * limit is cut. */
static bool
min_may_run(struct min_run *m)
{
    if (m->o.cancel && *m->o.cancel) {
        return false;
    }
    bool left = m->budget > 0;
    if (left && m->opts->time_limit > 0) {
        double t = m->opts->time_limit - seconds_since(&m->start);
        left = t > 0;
        m->o.time_limit = t;
    }
    if (!left) {
        min_cut(m);
    }
    return left;
}

/* Whether 'tids[0..n)' reaches a violation like 'target'; if so '*len' is
 * the length of the prefix that does.  One schedule of 'm'. */
static bool
reaches(struct min_run *m, const uint32_t *tids, size_t n,
        const struct ukey_event *target, size_t *len)
{
    struct explore_result scratch;
    struct ex ex;
    bool hit = false;

    memset(&scratch, 0, sizeof scratch);
    ex_init(&ex, m->setup, m->aux, &m->o, &scratch);
    if (ex_build(&ex)) {
        ex_fini(&ex);
        return false;
    }
    for (size_t i = 0; i < n && !hit; i++) {
        if (ex_step(&ex, tids[i], NULL)) {
            break;
        }
        for (size_t j = 0; j < ex.n_pending; j++) {
            if (explore_same_violation(&ex.pending[j].event, target)) {
                hit = true;
                *len = i + 1;
            }
        }
    }
    ex_fini(&ex);
    min_account(m, 1, scratch.stats.steps);
    return hit;
}

/* Re-searches, within 'n' - 1 steps, for a schedule reaching a violation
 * like 'target'; if one is found it goes to 'best' and '*n'.  Returns
 * true if it found one. */
static bool
min_research(struct min_run *m, const struct ukey_event *target,
             uint32_t *best, size_t *n)
{
    struct explore_result scratch;
    struct ex ex;

    memset(&scratch, 0, sizeof scratch);
    m->o.max_schedules = m->budget;
    ex_init(&ex, m->setup, m->aux, &m->o, &scratch);
    if (ex_flow_limit_reachable(m->setup, m->aux) != 0) {
        ex.reduction = EXPLORE_REDUCTION_NONE;
    }
    ex.target = target;
    ex_search(&ex, *n - 1);
    min_account(m, scratch.stats.schedules, scratch.stats.steps);
    bool shorter = ex.hit && ex.n_hit < *n;
    if (shorter) {
        memcpy(best, ex.hit, ex.n_hit * sizeof *best);
        *n = ex.n_hit;
    } else if (scratch.stats.interrupted) {
        min_cut(m);             /* A shorter one may be left. */
    }
    ex_fini(&ex);
    return shorter;
}

/* Which threads the violation names. */
static bool
involved(const struct ukey_event *e, uint32_t id)
{
    return id == e->thread_id || (e->thread2 && id == e->thread2);
}

/* Drops the steps of uninvolved threads of 'best[0..*n)' that a violation
 * like 'target' does not need, one at a time, each a trial replay. */
static void
min_drop(struct min_run *m, const struct ukey_event *target, uint32_t *best,
         size_t *n)
{
    uint32_t *trial = uk_xmalloc((*n ? *n : 1) * sizeof *trial);
    for (bool progress = true; progress;) {
        progress = false;
        for (size_t i = *n; i-- > 0;) {
            if (involved(target, best[i])) {
                continue;
            }
            if (!min_may_run(m)) {
                break;
            }
            memcpy(trial, best, i * sizeof *trial);
            memcpy(trial + i, best + i + 1, (*n - i - 1) * sizeof *trial);
            size_t len;
            if (reaches(m, trial, *n - 1, target, &len)) {
                memcpy(best, trial, len * sizeof *best);
                *n = len;
                progress = true;
                break;
            }
        }
    }
    free(trial);
}

int
explore_minimize(explore_setup_fn *setup, void *aux,
                 const struct explore_options *opts,
                 struct explore_violation *v, struct explore_stats *stats)
{
    struct min_run m = {
        .setup = setup, .aux = aux, .opts = opts, .o = *opts,
        .budget = opts->max_schedules ? opts->max_schedules
                                      : EXPLORE_MINIMIZE_BUDGET,
        .stats = stats,
    };
    clock_gettime(CLOCK_MONOTONIC, &m.start);
    struct ukey_event target = v->event;
    size_t n;
    uint32_t *best = explore_schedule_tids(&v->schedule, &n);
    m.o.all = true;
    m.o.progress = NULL;
    m.o.hash_states = false;
    m.o.strategy = EXPLORE_DFS;
    if (m.o.reduction == EXPLORE_REDUCTION_DPOR) {
        m.o.reduction = EXPLORE_REDUCTION_SLEEP;  /* Depth-bounded. */
    }

    /* Shortest: re-search with a depth bound below the best length, then
     * drop the steps of uninvolved threads that do not matter. */
    while (n > 1 && min_may_run(&m) && min_research(&m, &target, best, &n)) {
        continue;
    }
    min_drop(&m, &target, best, &n);

    struct explore_violation nv;
    int error = ex_replay(setup, aux, best, n, opts->warnings, &target, &nv,
                          NULL);
    if (!error && nv.event.type == UK_EV_VIOLATION
        && explore_same_violation(&nv.event, &target)) {
        nv.found_length = v->found_length;
        nv.seed = v->seed;
        explore_violation_destroy(v);
        *v = nv;
    } else {
        explore_violation_destroy(&nv);
    }
    free(best);
    return error == EINVAL ? EINVAL : 0;
}

/* ==== Scripts ==== */

int
explore_write_script(FILE *stream, const struct explore_violation *v,
                     bool group)
{
    const char *kind = uk_violation_kind_name(v->event.kind);

    fprintf(stream, "# %s on %s (ukey#%llu): %s\n", kind,
            v->flow ? v->flow : "?", (unsigned long long) v->event.ukey_id,
            v->detail ? v->detail : "");
    fprintf(stream, "# %zu step%s (first found: %zu)", v->schedule.n,
            v->schedule.n == 1 ? "" : "s", v->found_length);
    if (v->seed) {
        fprintf(stream, ", seed %llu", (unsigned long long) v->seed);
    }
    fputs("\n", stream);
    for (size_t i = 0; i < v->schedule.n;) {
        const struct explore_step *s = &v->schedule.steps[i];
        size_t j = i + 1;
        while (group && j < v->schedule.n
               && v->schedule.steps[j].thread_id == s->thread_id) {
            j++;
        }
        if (j - i == 1) {
            fprintf(stream, "step %s  # %s\n", s->thread, s->action);
        } else {
            fprintf(stream, "step %s %zu  # %s ... %s\n", s->thread, j - i,
                    s->action, v->schedule.steps[j - 1].action);
        }
        i = j;
    }
    /* The flow too: the same kind on another flow is not this one. */
    fprintf(stream, "expect violation %s%s%s\n", kind, v->flow ? " " : "",
            v->flow ? v->flow : "");
    return ferror(stream) ? EIO : 0;
}

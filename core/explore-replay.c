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

/* Whether 'tids[0..n)' reaches a violation like 'target'; if so '*len' is
 * the length of the prefix that does. */
static bool
reaches(explore_setup_fn *setup, void *aux, const uint32_t *tids, size_t n,
        const struct explore_options *opts, const struct ukey_event *target,
        size_t *len)
{
    struct explore_result scratch;
    struct ex ex;
    bool hit = false;

    memset(&scratch, 0, sizeof scratch);
    ex_init(&ex, setup, aux, opts, &scratch);
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
    return hit;
}

/* Which threads the violation names. */
static bool
involved(const struct ukey_event *e, uint32_t id)
{
    return id == e->thread_id || (e->thread2 && id == e->thread2);
}

/* Seconds since 'start'. */
static double
seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - start->tv_sec)
           + (double) (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Whether the minimisation's 'time_limit' (whole, from 'start') is spent;
 * if not, 'o->time_limit' gets what is left of it. */
static bool
out_of_time(const struct explore_options *opts, struct explore_options *o,
            const struct timespec *start)
{
    if (!(opts->time_limit > 0)) {
        return false;
    }
    double left = opts->time_limit - seconds_since(start);
    if (left <= 0) {
        return true;
    }
    o->time_limit = left;
    return false;
}

int
explore_minimize(explore_setup_fn *setup, void *aux,
                 const struct explore_options *opts,
                 struct explore_violation *v)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct ukey_event target = v->event;
    size_t n;
    uint32_t *best = explore_schedule_tids(&v->schedule, &n);
    struct explore_options o = *opts;
    o.all = true;
    o.progress = NULL;
    o.hash_states = false;
    o.strategy = EXPLORE_DFS;
    if (o.reduction == EXPLORE_REDUCTION_DPOR) {
        o.reduction = EXPLORE_REDUCTION_SLEEP;  /* Depth-bounded searches. */
    }
    if (!o.max_schedules) {
        o.max_schedules = 200000;   /* Per re-search: a budget. */
    }

    /* Shortest: re-search with a depth bound below the best length.
     * 'time_limit' bounds the whole minimisation, not each search. */
    while (n > 1 && !out_of_time(opts, &o, &start)) {
        struct explore_result scratch;
        struct ex ex;
        memset(&scratch, 0, sizeof scratch);
        ex_init(&ex, setup, aux, &o, &scratch);
        if (ex_flow_limit_reachable(setup, aux) != 0) {
            ex.reduction = EXPLORE_REDUCTION_NONE;
        }
        ex.target = &target;
        ex_search(&ex, n - 1);
        bool shorter = ex.hit && ex.n_hit < n;
        if (shorter) {
            memcpy(best, ex.hit, ex.n_hit * sizeof *best);
            n = ex.n_hit;
        }
        ex_fini(&ex);
        if (!shorter) {
            break;
        }
    }

    /* Drop the steps of uninvolved threads that do not matter. */
    uint32_t *trial = uk_xmalloc((n ? n : 1) * sizeof *trial);
    for (bool progress = true; progress && !(o.cancel && *o.cancel);) {
        progress = false;
        for (size_t i = n; i-- > 0;) {
            if (involved(&target, best[i])) {
                continue;
            }
            if (out_of_time(opts, &o, &start)) {
                break;
            }
            memcpy(trial, best, i * sizeof *trial);
            memcpy(trial + i, best + i + 1, (n - i - 1) * sizeof *trial);
            size_t len;
            if (reaches(setup, aux, trial, n - 1, &o, &target, &len)) {
                memcpy(best, trial, len * sizeof *best);
                n = len;
                progress = true;
                break;
            }
        }
    }
    free(trial);

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
    fprintf(stream, "expect violation %s\n", kind);
    return ferror(stream) ? EIO : 0;
}

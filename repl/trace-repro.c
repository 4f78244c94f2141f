/* SPDX-License-Identifier: Apache-2.0 */
/* "reproduce [-o FILE] [--variant NAME]": from a trace recorded from ukdb,
 * a scenario script that replays it in stepped mode (repl/trace.h).
 *
 * How.  A search by replay, which needs no event beyond those the model
 * already emits.  A model is driven with the very command lines written to
 * the script (so running the script is this replay), and the trace's
 * events are followed one by one:
 *
 *   - Events that commands emit are re-created by those commands:
 *     thread_start (handler, pmd, revalidator), flow (flow NAME [THREAD]:
 *     the thread that receives the flow's first upcall), traffic,
 *     rule_change (modify), dp_put EXTERNAL (dp add) and dp_del EXTERNAL
 *     (dp del).
 *   - Every other event was emitted by the step of the thread that acted
 *     ('thread_id'): that thread is stepped until a step emits events.
 *     Steps that emit nothing (reading a ukey's state) are thereby placed
 *     just before the thread's next visible action, which OVS's code does
 *     under the lock it still holds then.
 *   - Operations that commands queue without an event are queued just
 *     before the thread's op_begin: "upcall T F N" for the upcalls of a
 *     batch that traffic did not queue, "round"/"dump"/"sweep" (all
 *     revalidators when they all begin the same round), purge, purge-pmd,
 *     flush, shutdown; and the faults the operation meets: "expire F" for a
 *     revalidate DELETE FLOW_IDLE, "modify F" for a revalidate MODIFY (in
 *     a trace older than rule_change events),
 *     "dp dup F" for a DUPLICATE dump entry,
 *     "dp fail put|modify|del F ERRNO" for a failed datapath op.
 *   - After each command or step, the events the model emitted are compared
 *     with the trace's, canonical line against canonical line (seq
 *     included).  The first difference stops the search: the script is
 *     written up to it, with the difference.
 *
 * The trace's events are followed in the order the model emitted them,
 * which is the cursor's but for its late events (repro_order()): a seq
 * given up on, recorded after events of later seqs, is replayed where its
 * seq is.
 *
 * The variant is not in the trace: each is tried in turn (or the one
 * given), and the first that re-emits the whole trace is kept; the number
 * of umap shards is found from the create events' shard indices; the
 * datapath from the thread kinds.  The other settings (dump-batch,
 * upcall-batch, flow-limit) are taken to be the defaults. */
#include "repl/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/udpif.h"
#include "core/util.h"

#define REPRO_MAX_SILENT 10000  /* Steps without an event before giving up. */

struct repro {
    const struct trace_cursor *tc;  /* (borrowed) The trace, its events in
                                     * the order the model emits them
                                     * (repro_order()). */
    const size_t *index;        /* (borrowed) Of each event of 'tc', its
                                 * index in the cursor's order. */
    struct repl m;              /* The model, driven like the script. */
    char **lines;               /* (owned) The script so far. */
    size_t n_lines, allocated_lines;
    uint32_t step_thread;       /* Pending "step T N": T, N. */
    uint64_t step_count;
    size_t j;                   /* Next trace event to match. */
    size_t seen;                /* Model events compared. */
    uint64_t *rounds_prepared;  /* (owned) Round numbers prepared. */
    size_t n_rounds_prepared, allocated_rounds_prepared;
    char divergence[2048];      /* Empty while the replay follows. */
    size_t n_moved;             /* Events equal but for where's line. */
    bool rule_changes;          /* The trace records rule_change events:
                                 * "modify" replays them where they are.
                                 * An older trace has none: "modify" is
                                 * then guessed from revalidate MODIFY. */
};

/* The cursor's number of event 'j' (of 'p->tc', from 0), as "goto"
 * takes it. */
static size_t
event_number(const struct repro *p, size_t j)
{
    return (j < p->tc->n_events ? p->index[j] : j) + 1;
}

/* ==== The script ==== */

static void
add_line(struct repro *p, char *line)
{
    p->lines = uk_grow(p->lines, &p->allocated_lines, p->n_lines + 1,
                       sizeof *p->lines);
    p->lines[p->n_lines++] = line;
}

static void
flush_steps(struct repro *p)
{
    if (p->step_count) {
        const char *name = p->m.udpif->threads[p->step_thread]->name;
        add_line(p, p->step_count == 1
                    ? uk_xasprintf("step %s", name)
                    : uk_xasprintf("step %s %" PRIu64, name, p->step_count));
        p->step_count = 0;
    }
}

static bool compare(struct repro *);
static bool need_flow(struct repro *, uint64_t ufid);

/* Runs one command on the model and writes it to the script. */
static bool UK_PRINTF(2, 3)
run(struct repro *p, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);

    flush_steps(p);
    add_line(p, uk_xstrdup(buf));
    p->m.captured_error[0] = '\0';
    if (repl_execute(&p->m, buf) != CMD_OK) {
        snprintf(p->divergence, sizeof p->divergence,
                 "the model rejects \"%s\" (%s) (before event %zu)",
                 p->lines[p->n_lines - 1], p->m.captured_error,
                 event_number(p, p->j));
        return false;
    }
    return compare(p);
}

/* ==== Comparing ==== */

/* The fields each event type records (tracepoints/README.md, the contract
 * with the plugin): a decoded event has 0 (and NULL) in the others, 'umap'
 * included.  Applied to the model's events before comparing. */
enum {
    R_UKEY = 1 << 0, R_UKEY2 = 1 << 1, R_UFID = 1 << 2, R_VALUE = 1 << 3,
    R_VALUE2 = 1 << 4, R_PMD = 1 << 5, R_UMAP = 1 << 6, R_KIND = 1 << 7,
    R_RESULT = 1 << 8, R_WHERE = 1 << 9, R_NAME = 1 << 10,
    R_STATES = 1 << 11, R_THREAD2 = 1 << 12,
    R_LOCK = R_KIND | R_UMAP | R_UKEY | R_RESULT | R_WHERE,
};

static const unsigned int recorded[N_UK_EVENT_TYPES] = {
    [UK_EV_THREAD_START] = R_KIND | R_NAME | R_PMD,
    [UK_EV_FLOW] = R_UFID | R_PMD | R_NAME,
    [UK_EV_TRAFFIC] = R_UFID | R_PMD | R_VALUE | R_RESULT,
    [UK_EV_UPCALL] = R_UFID | R_PMD | R_VALUE,
    [UK_EV_CREATE] = R_UKEY | R_UFID | R_PMD | R_UMAP | R_KIND,
    [UK_EV_TRANSITION] = R_UKEY | R_UFID | R_STATES | R_RESULT | R_WHERE,
    [UK_EV_LOCK] = R_LOCK, [UK_EV_TRYLOCK] = R_LOCK, [UK_EV_UNLOCK] = R_LOCK,
    [UK_EV_UMAP_LOOKUP] = R_UFID | R_PMD | R_UMAP | R_UKEY,
    [UK_EV_UMAP_INSERT] = R_UKEY | R_UFID | R_UMAP,
    [UK_EV_UMAP_REPLACE] = R_UKEY | R_UKEY2 | R_UFID | R_UMAP,
    [UK_EV_UMAP_REMOVE] = R_UKEY | R_UFID | R_UMAP | R_RESULT,
    [UK_EV_RCU_POSTPONE] = R_UKEY | R_UFID,
    [UK_EV_RCU_QUIESCE] = 0,
    [UK_EV_RCU_FREE] = R_UKEY | R_UFID,
    [UK_EV_UKEY_FREE] = R_UKEY | R_UFID | R_KIND,
    [UK_EV_DP_PUT] = R_UKEY | R_UFID | R_PMD | R_KIND | R_RESULT | R_VALUE,
    [UK_EV_DP_DEL] = R_UKEY | R_UFID | R_PMD | R_KIND | R_RESULT | R_VALUE,
    [UK_EV_DP_DUMP] = R_UFID | R_PMD | R_VALUE | R_KIND,
    [UK_EV_REVALIDATE] = R_UKEY | R_UFID | R_KIND | R_RESULT,
    [UK_EV_STATS_PUSH] = R_UKEY | R_UFID | R_VALUE,
    [UK_EV_OP_BEGIN] = R_KIND | R_VALUE,
    [UK_EV_OP_END] = R_KIND,
    [UK_EV_BARRIER] = R_KIND | R_VALUE,
    [UK_EV_COVERAGE] = R_KIND | R_UKEY | R_UFID,
    [UK_EV_VIOLATION] = R_KIND | R_RESULT | R_UKEY | R_UFID | R_THREAD2
                        | R_VALUE | R_VALUE2 | R_NAME,
    [UK_EV_END] = R_VALUE,
    [UK_EV_RULE_CHANGE] = R_UFID | R_VALUE | R_VALUE2,
};

/* 'e' as a trace records it. */
static struct ukey_event
as_recorded(const struct ukey_event *e_)
{
    struct ukey_event e = *e_;
    unsigned int f = e.type < N_UK_EVENT_TYPES ? recorded[e.type] : ~0u;
    e.ts = 0;
    e.ukey_id = f & R_UKEY ? e.ukey_id : 0;
    e.ukey2_id = f & R_UKEY2 ? e.ukey2_id : 0;
    e.ufid = f & R_UFID ? e.ufid : 0;
    e.value = f & R_VALUE ? e.value : 0;
    e.value2 = f & R_VALUE2 ? e.value2 : 0;
    e.pmd_id = f & R_PMD ? e.pmd_id : 0;
    e.umap = f & R_UMAP ? e.umap : 0;
    e.kind = f & R_KIND ? e.kind : 0;
    e.result = f & R_RESULT ? e.result : 0;
    e.thread2 = f & R_THREAD2 ? e.thread2 : 0;
    e.where = f & R_WHERE && e.where && *e.where ? e.where : NULL;
    e.name = f & R_NAME && e.name && *e.name ? e.name : NULL;
    if (!(f & R_STATES)) {
        e.from = e.to = 0;
    }
    return e;
}

/* Describes how 'got' differs from 'want' field by field. */
static void
field_diff(const char *want, const char *got, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    while (*want && *got && len < size) {
        size_t wl = strcspn(want, " "), gl = strcspn(got, " ");
        if (wl != gl || strncmp(want, got, wl)) {
            len += (size_t) snprintf(buf + len, size - len, "%s%.*s in the "
                                     "trace, %.*s in the replay",
                                     len ? "; " : "", (int) wl, want,
                                     (int) gl, got);
        }
        want += wl + (want[wl] == ' ');
        got += gl + (got[gl] == ' ');
    }
}

static void
describe(const struct trace_cursor *tc, const struct ukey_event *e,
         const char *thread, char *buf, size_t size)
{
    char what[300];
    uk_event_format(e, what, sizeof what);
    snprintf(buf, size, "#%" PRIu64 " %s: %s", e->seq, thread, what);
    (void) tc;
}

/* Whether 'a' and 'b' differ only by the line numbers of 'where'
 * ("core/revalidator.c:180" and ":182"): the trace came from a build of
 * ukdb whose model source has moved since. */
static bool
same_but_lines(const struct ukey_event *a, const struct ukey_event *b)
{
    if (!a->where || !b->where) {
        return false;
    }
    size_t la = strcspn(a->where, ":"), lb = strcspn(b->where, ":");
    if (la != lb || strncmp(a->where, b->where, la)) {
        return false;
    }
    struct ukey_event x = *a, y = *b;
    char ga[600], gb[600];
    x.where = y.where = NULL;
    uk_event_format_canonical(&x, ga, sizeof ga);
    uk_event_format_canonical(&y, gb, sizeof gb);
    return !strcmp(ga, gb);
}

/* Matches the events the model emitted since the last call with the
 * trace's.  Returns false after filling 'p->divergence'. */
/* The model's main and urcu threads start with every udpif, and a rebuild
 * at setup (variant, datapath, umaps) starts them again: their
 * thread_start events say nothing of the schedule and are not compared. */
static bool
is_model_start(const struct ukey_event *e)
{
    return (e->type == UK_EV_THREAD_START
            && (e->kind == UK_THREAD_MAIN || e->kind == UK_THREAD_URCU));
}

static bool
compare(struct repro *p)
{
    const struct trace_cursor *tc = p->tc;
    for (; p->seen < p->m.sess.n_events; p->seen++) {
        if (is_model_start(&p->m.sess.events[p->seen].e)) {
            continue;
        }
        while (p->j < tc->n_events && is_model_start(&tc->events[p->j])) {
            p->j++;
        }
        struct ukey_event rec = as_recorded(&p->m.sess.events[p->seen].e);
        const struct ukey_event *got = &rec;
        char g[600], w[600], gd[400], wd[400];
        uk_event_format_canonical(got, g, sizeof g);
        describe(tc, got, udpif_thread_name(p->m.udpif, got->thread_id), gd,
                 sizeof gd);
        if (p->j >= tc->n_events) {
            snprintf(p->divergence, sizeof p->divergence,
                     "after the trace's last event, the replay emits %s",
                     gd);
            return false;
        }
        const struct ukey_event *want = &tc->events[p->j];
        uk_event_format_canonical(want, w, sizeof w);
        if (strcmp(g, w) && same_but_lines(got, want)) {
            p->n_moved++;       /* A trace of another build of ukdb. */
        } else if (strcmp(g, w)) {
            char diff[600];
            field_diff(w, g, diff, sizeof diff);
            describe(tc, want, trace_thread_name(tc, want->thread_id), wd,
                     sizeof wd);
            bool lost = false;
            for (size_t k = 0; k < tc->n_losses; k++) {
                lost |= tc->losses[k].pos == p->index[p->j];
            }
            snprintf(p->divergence, sizeof p->divergence,
                     "event %zu differs: the trace has %s; the replay "
                     "emits %s (%s)%s", event_number(p, p->j), wd, gd, diff,
                     lost ? "; events were lost just before it: the trace "
                     "is incomplete there" : "");
            return false;
        }
        p->j++;
    }
    return true;
}

/* ==== Looking ahead in the trace ==== */

static const char *
flow_arg(const struct repro *p, uint64_t ufid)
{
    const char *name = trace_flow_name(p->tc, ufid);
    return name ? name : "?";
}


/* The thread that receives the first upcall of 'ufid', or NULL. */
static struct uk_thread *
flow_thread(struct repro *p, uint64_t ufid)
{
    const struct trace_cursor *tc = p->tc;
    for (size_t k = p->j; k < tc->n_events; k++) {
        const struct ukey_event *e = &tc->events[k];
        if (e->type == UK_EV_UPCALL && e->ufid == ufid) {
            return e->thread_id < p->m.udpif->n_threads
                   ? p->m.udpif->threads[e->thread_id] : NULL;
        }
    }
    return NULL;
}

static bool
queued(const struct uk_thread *t)
{
    return t->head < t->n_reqs;
}

static bool
upcall_queued(const struct uk_thread *t, uint64_t ufid)
{
    for (size_t i = t->head; i < t->n_reqs; i++) {
        if (t->reqs[i].kind == UK_REQ_UPCALL && t->reqs[i].flow
            && t->reqs[i].flow->ufid == ufid) {
            return true;
        }
    }
    return false;
}

/* The index of 't''s op_end of 'op' after 'j', or the end. */
static size_t
op_end(const struct trace_cursor *tc, size_t j, uint32_t tid, int32_t op)
{
    for (size_t k = j + 1; k < tc->n_events; k++) {
        const struct ukey_event *e = &tc->events[k];
        if (e->thread_id == tid && e->type == UK_EV_OP_END && e->kind == op) {
            return k;
        }
    }
    return tc->n_events;
}

/* Injects the faults that events [j, end) meet. */
static bool
inject_faults(struct repro *p, size_t j, size_t end)
{
    const struct trace_cursor *tc = p->tc;
    for (size_t k = j; k < end; k++) {
        const struct ukey_event *e = &tc->events[k];
        char err[16];
        bool ok = true;
        if (e->type == UK_EV_REVALIDATE && e->kind == UK_REVAL_DELETE
            && e->result == UK_FDR_FLOW_IDLE) {
            bool again = false;
            for (size_t i = j; i < k; i++) {
                again |= (tc->events[i].type == UK_EV_REVALIDATE
                          && tc->events[i].ufid == e->ufid
                          && tc->events[i].result == UK_FDR_FLOW_IDLE);
            }
            if (!again) {
                ok = run(p, "expire %s", flow_arg(p, e->ufid));
            }
        } else if (e->type == UK_EV_REVALIDATE && e->kind == UK_REVAL_MODIFY
                   && !p->rule_changes) {
            /* The OpenFlow actions changed ("modify" moves reval_seq). */
            bool again = false;
            for (size_t i = j; i < k; i++) {
                again |= (tc->events[i].type == UK_EV_REVALIDATE
                          && tc->events[i].ufid == e->ufid
                          && tc->events[i].kind == UK_REVAL_MODIFY);
            }
            if (!again) {
                ok = run(p, "modify %s", flow_arg(p, e->ufid));
            }
        } else if (e->type == UK_EV_DP_DUMP && e->kind == UK_DUMP_DUPLICATE) {
            ok = run(p, "dp dup %s", flow_arg(p, e->ufid));
        } else if (e->type == UK_EV_DP_PUT && e->result) {
            ok = run(p, "dp fail %s %s %s",
                     e->kind == UK_PUT_MODIFY ? "modify" : "put",
                     flow_arg(p, e->ufid),
                     uk_errno_arg(e->result, err, sizeof err));
        } else if (e->type == UK_EV_DP_DEL && e->result
                   && e->kind == UK_DEL_REVALIDATOR) {
            ok = run(p, "dp fail del %s %s", flow_arg(p, e->ufid),
                     uk_errno_arg(e->result, err, sizeof err));
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* A revalidator's round begins at event 'j': queues it unless queued, and
 * injects its faults once per round number. */
static bool
prepare_round(struct repro *p, size_t j, struct uk_thread *t)
{
    const struct trace_cursor *tc = p->tc;
    const struct ukey_event *e = &tc->events[j];
    size_t end = op_end(tc, j, t->id, UK_OP_ROUND);

    bool prepared = false;
    for (size_t i = 0; i < p->n_rounds_prepared; i++) {
        prepared |= p->rounds_prepared[i] == e->value;
    }
    if (!prepared) {
        p->rounds_prepared = uk_grow(p->rounds_prepared,
                                     &p->allocated_rounds_prepared,
                                     p->n_rounds_prepared + 1,
                                     sizeof *p->rounds_prepared);
        p->rounds_prepared[p->n_rounds_prepared++] = e->value;
        if (!inject_faults(p, j, end)) {
            return false;
        }
    }
    if (queued(t) || t->busy) {
        return true;
    }
    bool dump = false, sweep = false;
    for (size_t k = j + 1; k < end; k++) {
        const struct ukey_event *x = &tc->events[k];
        if (x->thread_id == t->id && x->type == UK_EV_OP_BEGIN) {
            dump |= x->kind == UK_OP_DUMP;
            sweep |= x->kind == UK_OP_SWEEP;
        }
    }
    const char *cmd = dump == sweep ? "round" : dump ? "dump" : "sweep";
    /* Together: every revalidator begins this round. */
    size_t n_revalidators = 0, n_in = 0;
    for (size_t i = 0; i < p->m.udpif->n_threads; i++) {
        const struct uk_thread *r = p->m.udpif->threads[i];
        if (r->kind != UK_THREAD_REVALIDATOR) {
            continue;
        }
        n_revalidators++;
        for (size_t k = j; k < tc->n_events; k++) {
            const struct ukey_event *x = &tc->events[k];
            if (x->thread_id == r->id && x->type == UK_EV_OP_BEGIN
                && x->kind == UK_OP_ROUND) {
                n_in += x->value == e->value;
                break;
            }
        }
    }
    if (n_revalidators > 1 && n_in == n_revalidators) {
        return run(p, "%s", cmd);
    }
    return run(p, "%s %s", cmd, t->name);
}

/* Thread 't' begins an operation at event 'j': queues what it needs. */
static bool
prepare_op(struct repro *p, size_t j, struct uk_thread *t)
{
    const struct trace_cursor *tc = p->tc;
    const struct ukey_event *e = &tc->events[j];
    size_t end = op_end(tc, j, t->id, e->kind);

    switch ((enum uk_op) e->kind) {
    case UK_OP_UPCALL_BATCH:
    case UK_OP_UPCALL_CB:
        for (size_t k = j + 1; k < end; k++) {
            const struct ukey_event *x = &tc->events[k];
            if (x->thread_id != t->id) {
                continue;
            }
            if (x->type == UK_EV_UPCALL && !upcall_queued(t, x->ufid)
                && (!need_flow(p, x->ufid)
                    || !run(p, "upcall %s %s %" PRIu64, t->name,
                            flow_arg(p, x->ufid), x->value))) {
                return false;
            }
            if ((x->type == UK_EV_DP_PUT && x->result)
                && !inject_faults(p, k, k + 1)) {
                return false;
            }
        }
        return true;
    case UK_OP_ROUND:
        return prepare_round(p, j, t);
    case UK_OP_PURGE:
    case UK_OP_FLUSH:
    case UK_OP_DESTROY:
    case UK_OP_DP_PURGE:
        if (queued(t)) {
            return true;
        }
        if (e->kind == UK_OP_DP_PURGE) {
            /* Its 'value' is the PMD's id. */
            for (size_t i = 0; i < p->m.udpif->n_threads; i++) {
                const struct uk_thread *pmd = p->m.udpif->threads[i];
                if (pmd->kind == UK_THREAD_PMD && pmd->pmd_id == e->value) {
                    return run(p, "purge-pmd %s", pmd->name);
                }
            }
        }
        return run(p, "%s", e->kind == UK_OP_PURGE ? "purge"
                            : e->kind == UK_OP_FLUSH ? "flush" : "shutdown");
    case UK_OP_DUMP:
    case UK_OP_SWEEP:
    case N_UK_OPS:
    default:
        return true;
    }
}

/* ==== Following the trace ==== */

static const char *
thread_command(int kind)
{
    return kind == UK_THREAD_HANDLER ? "handler"
           : kind == UK_THREAD_PMD ? "pmd"
           : kind == UK_THREAD_REVALIDATOR ? "revalidator" : NULL;
}

/* Steps the thread of event 'p->j' until it emits something. */
static bool
step_actor(struct repro *p)
{
    const struct trace_cursor *tc = p->tc;
    const struct ukey_event *e = &tc->events[p->j];
    struct udpif *u = p->m.udpif;
    char wd[400];

    if (e->thread_id >= u->n_threads) {
        describe(tc, e, trace_thread_name(tc, e->thread_id), wd, sizeof wd);
        snprintf(p->divergence, sizeof p->divergence, "event %zu is %s, of "
                 "a thread the replay does not have", event_number(p, p->j),
                 wd);
        return false;
    }
    struct uk_thread *t = u->threads[e->thread_id];
    if (e->type == UK_EV_OP_BEGIN && !prepare_op(p, p->j, t)) {
        return false;
    }
    for (int n = 0; n < REPRO_MAX_SILENT; n++) {
        if (!uk_thread_runnable(t)) {
            char next[256];
            uk_action_format(&t->next, next, sizeof next);
            describe(tc, e, t->name, wd, sizeof wd);
            snprintf(p->divergence, sizeof p->divergence,
                     "event %zu is %s, but in the replay %s is %s (next: "
                     "%s)", event_number(p, p->j), wd, t->name,
                     t->busy ? "blocked" : "idle", next);
            return false;
        }
        size_t before = p->m.sess.n_events;
        if (p->step_count && p->step_thread != t->id) {
            flush_steps(p);
        }
        p->step_thread = t->id;
        p->step_count++;
        char line[128];
        snprintf(line, sizeof line, "step %s", t->name);
        repl_execute(&p->m, line);
        if (p->m.sess.n_events > before) {
            return compare(p);
        }
    }
    describe(tc, e, t->name, wd, sizeof wd);
    snprintf(p->divergence, sizeof p->divergence, "event %zu is %s, but %d "
             "steps of %s in the replay emit nothing", event_number(p, p->j),
             wd,
             REPRO_MAX_SILENT, t->name);
    return false;
}

/* Whether the flow of event 'p->j' was declared by a 'flow' event, so that
 * a command can name it; else says why the replay stops. */
static bool
need_flow(struct repro *p, uint64_t ufid)
{
    const struct trace_cursor *tc = p->tc;
    if (trace_flow_name(tc, ufid)) {
        return true;
    }
    const struct ukey_event *e = &tc->events[p->j];
    char wd[400];
    describe(tc, e, trace_thread_name(tc, e->thread_id), wd, sizeof wd);
    snprintf(p->divergence, sizeof p->divergence, "event %zu is %s, of "
             "flow ufid=%016" PRIx64 ", which no 'flow' event of the trace "
             "declares (the trace does not hold the run's setup: it begins "
             "at seq %" PRIu64 ")", event_number(p, p->j), wd, ufid,
             tc->seq_min);
    return false;
}

static bool
follow_one(struct repro *p)
{
    const struct trace_cursor *tc = p->tc;
    const struct ukey_event *e = &tc->events[p->j];
    const char *name;

    switch (e->type) {
    case UK_EV_THREAD_START:
        name = thread_command(e->kind);
        if (is_model_start(e)) {
            p->j++;             /* See is_model_start(). */
            return true;
        }
        if (!name) {
            break;
        }
        return run(p, "%s %s", name, e->name ? e->name : "?");
    case UK_EV_FLOW: {
        struct uk_thread *t = flow_thread(p, e->ufid);
        if (t && (t->kind == UK_THREAD_HANDLER || t->kind == UK_THREAD_PMD)) {
            return run(p, "flow %s %s", e->name ? e->name : "?", t->name);
        }
        return run(p, "flow %s", e->name ? e->name : "?");
    }
    case UK_EV_TRAFFIC:
        return (need_flow(p, e->ufid)
                && run(p, "traffic %s %" PRIu64, flow_arg(p, e->ufid),
                       e->value));
    case UK_EV_DP_DEL:
        if (e->kind == UK_DEL_EXTERNAL) {
            return (need_flow(p, e->ufid)
                    && run(p, "dp del %s", flow_arg(p, e->ufid)));
        }
        break;
    case UK_EV_DP_PUT:
        if (e->kind == UK_PUT_EXTERNAL) {
            return (need_flow(p, e->ufid)
                    && run(p, "dp add %s", flow_arg(p, e->ufid)));
        }
        break;
    case UK_EV_RULE_CHANGE:
        return (need_flow(p, e->ufid)
                && run(p, "modify %s", flow_arg(p, e->ufid)));
    default:
        break;
    }
    return step_actor(p);
}

/* The number of umap shards that puts every created ukey in the shard its
 * create event says (ukey_hash(), core/umap.c: the ufid and the pmd id,
 * mixed), preferring the default. */
static unsigned int
infer_n_umaps(const struct trace_cursor *tc)
{
    static const unsigned int candidates[] = { 4, 1, 2, 8, 16, 32, 64, 128,
                                               256, 512, 1024 };
    for (size_t c = 0; c < UK_ARRAY_SIZE(candidates); c++) {
        unsigned int n = candidates[c];
        bool fits = true;
        for (size_t i = 0; i < tc->n_events && fits; i++) {
            const struct ukey_event *e = &tc->events[i];
            if (e->type == UK_EV_CREATE) {
                uint32_t hash = (uint32_t) uk_mix64(
                    e->ufid ^ ((uint64_t) e->pmd_id << 32));
                fits = e->umap == (int32_t) (hash % n);
            }
        }
        if (fits) {
            return n;
        }
    }
    return 4;
}

static void
repro_init(struct repro *p, const struct trace_cursor *tc,
           const size_t *index, const struct uk_variant *v)
{
    memset(p, 0, sizeof *p);
    p->tc = tc;
    p->index = index;
    for (size_t i = 0; i < tc->n_events && !p->rule_changes; i++) {
        p->rule_changes = tc->events[i].type == UK_EV_RULE_CHANGE;
    }
    repl_init(&p->m);
    p->m.cfg.variant = v;
    p->m.cfg.n_umaps = infer_n_umaps(tc);
    for (size_t i = 0; i < tc->n_threads; i++) {
        if (tc->threads[i].kind == UK_THREAD_PMD) {
            p->m.cfg.datapath = UK_DP_NETDEV;
        }
    }
    p->m.quiet = true;
    /* The model's errors are the divergence's reason, said in its
     * message (run()), not printed as lines of a script of their own. */
    p->m.capturing_errors = true;
    p->m.input_name = "reproduce";
    repl_rebuild(&p->m);
    add_line(p, uk_xasprintf("variant %s", v->name));
    if (p->m.cfg.datapath == UK_DP_NETDEV) {
        add_line(p, uk_xstrdup("datapath netdev"));
    }
    if (p->m.cfg.n_umaps != 4) {
        add_line(p, uk_xasprintf("umaps %u", p->m.cfg.n_umaps));
    }
}

static void
repro_destroy(struct repro *p)
{
    for (size_t i = 0; i < p->n_lines; i++) {
        free(p->lines[i]);
    }
    free(p->lines);
    free(p->rounds_prepared);
    repl_destroy(&p->m);
}

/* Replays the whole trace under 'v'.  Returns true if every event was
 * re-emitted (and nothing more). */
static bool
repro_run(struct repro *p)
{
    while (p->j < p->tc->n_events && !p->divergence[0]) {
        if (repl_interrupted) {
            snprintf(p->divergence, sizeof p->divergence, "interrupted");
            break;
        }
        follow_one(p);
    }
    flush_steps(p);
    return !p->divergence[0];
}

/* ==== The command ==== */

static void
write_script(const struct repro *p, FILE *f, const char *trace, bool ok,
             const char *also)
{
    const struct trace_cursor *tc = p->tc;
    fprintf(f, "# Reproduced by \"ukdb reproduce\" from %s:\n", trace);
    /* The lowest and highest seqs, as "open" says them: a late event may
     * be the last. */
    fprintf(f, "# %zu events, seq %" PRIu64 " to %" PRIu64 ".  The variant "
            "was found by replay%s%s.\n", tc->n_events, tc->seq_min,
            tc->seq_max, also[0] ? "; also matching: " : "", also);
    fprintf(f, "# \"ukdb --events OUT -f THIS\" re-emits the trace's events"
            "%s.\n", ok ? "" : " up to the divergence below");
    if (p->n_moved) {
        fprintf(f, "# (%zu of them with other source lines: the trace came "
                "from another build.)\n", p->n_moved);
    }
    for (size_t i = 0; i < p->n_lines; i++) {
        fprintf(f, "%s\n", p->lines[i]);
    }
    if (!ok) {
        fprintf(f, "# DIVERGENCE: %s\n", p->divergence);
        return;
    }
    /* What the trace's checker saw, as expectations. */
    bool seen[N_UK_VIOLATION_KINDS] = { false };
    for (size_t i = 0; i < tc->n_events; i++) {
        const struct ukey_event *e = &tc->events[i];
        if (e->type == UK_EV_VIOLATION && e->kind >= 0
            && e->kind < N_UK_VIOLATION_KINDS && !seen[e->kind]) {
            seen[e->kind] = true;
            fprintf(f, "expect violation %s\n",
                    uk_violation_kind_name(e->kind));
        }
    }
}

/* Replays 'tc' under every variant (or 'only'), into '*best': the first
 * that follows it to the end (the others that do, too, named in 'also'),
 * else the one that followed it furthest.  Returns whether one did. */
static bool
repro_best(const struct trace_cursor *tc, const size_t *index,
           const struct uk_variant *only, struct repro *best, char *also,
           size_t also_size)
{
    bool have_best = false, ok = false;
    size_t n = only ? 1 : uk_variant_count();
    for (size_t i = 0; i < n; i++) {
        const struct uk_variant *v = only ? only : uk_variant_at(i);
        struct repro p;
        repro_init(&p, tc, index, v);
        bool full = repro_run(&p);
        if (full && ok) {
            size_t len = strlen(also);
            snprintf(also + len, also_size - len, "%s%s", len ? ", " : "",
                     v->name);
            repro_destroy(&p);
        } else if ((full && !ok) || !have_best || (!ok && p.j > best->j)) {
            if (have_best) {
                repro_destroy(best);
            }
            *best = p;
            have_best = true;
            ok = full;
        } else {
            repro_destroy(&p);
        }
    }
    return ok;
}

/* The events of 'tc' in the order the model emitted them, into '*events'
 * (owned by the caller) and the cursor's index of each into '*index'
 * (same): the cursor's order (a run's events in seq order, the audit's),
 * but for a late event (trace_late_at()), which goes back among the
 * events of its run to where its seq is.  The cursor's order has it
 * after events of later seqs, which the model emitted after it: the
 * replay could not get past them. */
static void
repro_order(const struct trace_cursor *tc, struct ukey_event **events,
            size_t **index)
{
    size_t n = tc->n_events;
    struct ukey_event *ev = uk_xmalloc((n ? n : 1) * sizeof *ev);
    size_t *ix = uk_xmalloc((n ? n : 1) * sizeof *ix);
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        if (trace_late_at(tc, i)) {
            /* Before the events of higher seqs of its run, in seq order
             * but for the late ones before it; a run begins lower. */
            while (k > 0 && ev[k - 1].seq > tc->events[i].seq) {
                k--;
            }
            memmove(&ev[k + 1], &ev[k], (i - k) * sizeof *ev);
            memmove(&ix[k + 1], &ix[k], (i - k) * sizeof *ix);
        }
        ev[k] = tc->events[i];
        ix[k] = i;
    }
    *events = ev;
    *index = ix;
}

enum cmd_status
trace_reproduce(struct repl *r, int argc, char *argv[])
{
    const struct trace_cursor *real = r->trace;
    const char *out = NULL;
    const struct uk_variant *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--variant") && i + 1 < argc) {
            only = uk_variant_find(argv[++i]);
            if (!only) {
                repl_usage_error(r, "reproduce", "'%s': no such variant",
                                 argv[i]);
                return CMD_ERROR;
            }
        } else {
            repl_usage_error(r, "reproduce", "'%s': expected -o FILE or "
                             "--variant NAME", argv[i]);
            return CMD_ERROR;
        }
    }

    /* The replay reads the trace's events in the model's order. */
    struct trace_cursor view = *real;
    const struct trace_cursor *tc = &view;
    size_t *index;
    repro_order(real, &view.events, &index);

    struct repro best;
    char also[256] = "";
    bool ok = repro_best(tc, index, only, &best, also, sizeof also);
    enum cmd_status status = CMD_OK;

    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        repl_error(r, "reproduce: '%s': %s", out, strerror(errno));
        status = CMD_ERROR;
        goto done;
    }
    write_script(&best, f, tc->path, ok, also);
    if (out && (ferror(f) | fclose(f))) {
        /* A full disk: the script is not what it says it is. */
        repl_error(r, "reproduce: '%s': %s", out, strerror(errno));
        status = CMD_ERROR;
        goto done;
    }
    if (ok) {
        if (out) {
            printf("Wrote %s: variant %s, %zu events re-emitted%s "
                   "(\"ukdb -f %s\").\n", out, best.m.cfg.variant->name,
                   tc->n_events, best.n_moved ? "" : " exactly", out);
            if (tc->n_violations) {
                printf("To step it, back from the violation and try other "
                       "choices: ukdb -x %s\n", out);
            } else {
                printf("The trace has no violation; to step it and try "
                       "other choices: ukdb -x %s\n", out);
            }
        }
        if (best.n_moved) {
            printf("Note: %zu events name other source lines than this "
                   "build's model (the trace came from another build).\n",
                   best.n_moved);
        }
    } else {
        repl_error(r, "reproduce: %s: the replay stops at event %zu of %zu "
                   "(variant %s): %s", out ? out : "script",
                   event_number(&best, best.j), tc->n_events,
                   best.m.cfg.variant->name, best.divergence);
        status = CMD_ERROR;
    }
done:
    repro_destroy(&best);
    free(view.events);
    free(index);
    return status;
}

enum cmd_status
cmd_reproduce(struct repl *r, int argc, char *argv[])
{
    if (!r->trace) {
        repl_error(r, "%s: no trace is open (\"open TRACE\" first)", argv[0]);
        return CMD_ERROR;
    }
    return trace_reproduce(r, argc, argv);
}

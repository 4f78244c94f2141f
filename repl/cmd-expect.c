/* SPDX-License-Identifier: Apache-2.0 */
/* "expect": the assertions of scenario scripts.  A failed expect prints
 * "FILE:LINE: expect failed: ..." and makes the script exit 1; the script
 * (or -c) stops there, as at an error, unless --keep-going lets one run
 * report every failed expectation.  The REPL's prompt goes on.
 *
 * On a trace, "state", "violation", "no-violation", "dp" and "stat" (the
 * figures of a trace's "show stats") judge the state folded at the cursor; where events lost before it leave the answer
 * uncertain, the expect is an error ("cannot tell"), never a verdict. */
#include "repl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "repl/trace.h"

bool repl_stat_value(const struct repl *r, const char *name, uint64_t *out);

static enum cmd_status
expect_result(struct repl *r, bool ok, const char *fmt, ...)
    UK_PRINTF(3, 4);

static enum cmd_status
expect_result(struct repl *r, bool ok, const char *fmt, ...)
{
    if (ok) {
        return CMD_OK;
    }
    char msg[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    fflush(stdout);
    if (r->input_name) {
        fprintf(stderr, "%s:%u: expect failed: %s\n", r->input_name,
                r->input_line, msg);
    } else {
        fprintf(stderr, "expect failed: %s\n", msg);
    }
    r->n_expect_failed++;
    return CMD_OK;
}

/* What "expect state" needs of the ukey a FLOW or ID names. */
struct expect_ukey {
    bool exists;                /* Created and not freed. */
    uint64_t id;
    bool in_umap;
    int state;                  /* enum ukey_state. */
};

/* The model's ukey for 'arg' into '*out'.  False after an error. */
static bool
model_expect_ukey(struct repl *r, const char *arg, struct expect_ukey *out)
    /* Reads guarded ukey fields unlocked: the REPL runs between steps,
     * when no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    struct ukey *k = NULL;
    struct uk_flow *f = udpif_find_flow(r->udpif, arg);
    uint64_t id;
    if (f) {
        k = repl_flow_current_ukey(r, f);
    } else if (repl_is_ukey_id(arg)) {
        if (!repl_ukey_id_arg(r, "expect", arg, &id)) {
            return false;
        }
        /* Not created yet, or freed: no ukey, as a flow without one
         * ("expect state 2 none": no second ukey came). */
        k = udpif_find_ukey(r->udpif, id);
    } else {
        repl_usage_error(r, "expect", "'%s': no such ukey or flow", arg);
        return false;
    }
    if (k) {
        *out = (struct expect_ukey) { .exists = true, .id = k->id,
                                      .in_umap = k->in_umap,
                                      .state = k->state };
    }
    return true;
}

/* Says that events lost before the cursor leave 'what' unknown. */
static void
trace_cannot_tell(struct repl *r, const char *what)
{
    const struct trace_state *st = &r->trace->cur;
    repl_error(r, "expect: cannot tell %s: events were lost before event %"
               PRIu64, what, st->n_losses ? st->first_lost_pos : st->pos);
}

/* The trace's ukey for 'arg' at the cursor, as the model's: a flow's ukey
 * in its umap, else its newest one not freed.  False after an error. */
static bool
trace_expect_ukey(struct repl *r, const char *arg, struct expect_ukey *out)
{
    const struct trace_state *st = &r->trace->cur;
    const struct trace_ukey *k = NULL;
    uint64_t ufid = trace_flow_ufid(r->trace, arg), id;
    if (ufid) {
        for (size_t i = 0; i < st->n_ukeys; i++) {
            const struct trace_ukey *u = &st->ukeys[i];
            if (u->ufid == ufid && !u->n_freed
                && (!k || (u->in_umap && !k->in_umap)
                    || (u->in_umap == k->in_umap && u->id > k->id))) {
                k = u;
            }
        }
    } else if (repl_is_ukey_id(arg)) {
        if (!repl_ukey_id_arg(r, "expect", arg, &id)) {
            return false;
        }
        k = trace_state_ukey(st, id);
        k = k && !k->n_freed ? k : NULL;
    } else {
        repl_usage_error(r, "expect", "'%s': no such ukey or flow", arg);
        return false;
    }
    if (k ? k->uncertain : st->n_losses > 0) {
        char what[128];
        snprintf(what, sizeof what, "the state of %s", arg);
        trace_cannot_tell(r, what);
        return false;
    }
    if (k) {
        *out = (struct expect_ukey) { .exists = true, .id = k->id,
                                      .in_umap = k->in_umap,
                                      .state = k->state };
    }
    return true;
}

static enum cmd_status
expect_state(struct repl *r, int argc, char *argv[])
{
    if (argc != 4) {
        repl_usage_error(r, "expect", "state needs FLOW|ID and STATE");
        return CMD_ERROR;
    }
    int state = -1;
    if (strcmp(argv[3], "none")) {
        state = ukey_state_from_name(argv[3]);
        if (state < 0) {
            repl_usage_error(r, "expect", "'%s': no such state", argv[3]);
            return CMD_ERROR;
        }
    }
    struct expect_ukey k = { .exists = false };
    if (!(r->trace ? trace_expect_ukey : model_expect_ukey)(r, argv[2], &k)) {
        return CMD_ERROR;
    }
    if (state < 0) {
        return expect_result(r, !k.exists || !k.in_umap,
                             "%s has ukey#%" PRIu64 " in %s", argv[2],
                             k.id, ukey_state_name(k.state));
    }
    return expect_result(r, k.exists && k.state == state,
                         "state of %s is %s, not %s", argv[2],
                         k.exists ? ukey_state_name(k.state)
                                  : "none (no ukey)",
                         ukey_state_name(state));
}

/* The first violation of 'kind' (any if negative) on the flow of 'ufid'
 * (any if 0) so far into '*e' (and its step or event number into
 * '*when'): before the trace's cursor, or in the model's session.  False
 * if none. */
static bool
find_violation(const struct repl *r, int kind, uint64_t ufid,
               const struct ukey_event **e, uint64_t *when)
{
    if (r->trace) {
        const struct trace_cursor *tc = r->trace;
        for (size_t i = 0; i < tc->n_violations; i++) {
            const struct trace_violation *v = &tc->violations[i];
            if (v->index >= tc->cur.pos) {
                break;
            }
            if ((kind < 0 || v->e.kind == kind)
                && (!ufid || v->e.ufid == ufid)) {
                *e = &v->e;
                *when = v->index + 1;
                return true;
            }
        }
        return false;
    }
    for (size_t i = 0; i < r->sess.n_events; i++) {
        const struct ukey_event *ev = &r->sess.events[i].e;
        if (ev->type == UK_EV_VIOLATION && (kind < 0 || ev->kind == kind)
            && (!ufid || ev->ufid == ufid)) {
            *e = ev;
            *when = r->sess.events[i].step;
            return true;
        }
    }
    return false;
}

/* The ufid of the flow named 'name', of the trace or the model, into
 * '*ufid'.  False after an error. */
static bool
expect_flow_ufid(struct repl *r, const char *name, uint64_t *ufid)
{
    if (r->trace) {
        *ufid = trace_flow_ufid(r->trace, name);
        if (!*ufid) {
            repl_usage_error(r, "expect", "'%s': no such flow in the trace",
                             name);
            return false;
        }
        return true;
    }
    struct uk_flow *f = repl_flow_arg(r, "expect", name);
    *ufid = f ? f->ufid : 0;
    return f != NULL;
}

static enum cmd_status
expect_violation(struct repl *r, int argc, char *argv[])
{
    int kind = -1;
    uint64_t ufid = 0;
    if (argc > 2) {
        kind = uk_violation_kind_from_name(argv[2]);
        if (kind < 0) {
            repl_usage_error(r, "expect", "'%s': no such violation kind",
                             argv[2]);
            return CMD_ERROR;
        }
    }
    if (argc > 3 && !expect_flow_ufid(r, argv[3], &ufid)) {
        return CMD_ERROR;
    }
    const struct ukey_event *e;
    uint64_t when;
    if (find_violation(r, kind, ufid, &e, &when)) {
        return CMD_OK;
    }
    if (r->trace && r->trace->cur.n_losses) {
        trace_cannot_tell(r, "whether a violation happened");
        return CMD_ERROR;
    }
    return expect_result(r, false, "no %s%sviolation%s%s",
                         kind < 0 ? "" : uk_violation_kind_name(kind),
                         kind < 0 ? "" : " ", ufid ? " on " : "",
                         ufid ? argv[3] : "");
}

static enum cmd_status
expect_no_violation(struct repl *r)
{
    const struct ukey_event *e;
    uint64_t when;
    if (find_violation(r, -1, 0, &e, &when)) {
        return expect_result(r, false, "%s %s at %s %" PRIu64 ": %s",
                             uk_severity_name(e->result),
                             uk_violation_kind_name(e->kind),
                             r->trace ? "event" : "step", when,
                             uk_violation_detail(e->kind, e->name));
    }
    if (r->trace && r->trace->cur.n_losses) {
        trace_cannot_tell(r, "whether a violation happened");
        return CMD_ERROR;
    }
    return CMD_OK;
}

static enum cmd_status
expect_dp(struct repl *r, int argc, char *argv[])
{
    if (argc != 4 || (strcmp(argv[3], "present")
                      && strcmp(argv[3], "absent"))) {
        repl_usage_error(r, "expect", "dp needs FLOW present|absent");
        return CMD_ERROR;
    }
    bool present = false;
    if (r->trace) {
        const struct trace_state *st = &r->trace->cur;
        uint64_t ufid = trace_flow_ufid(r->trace, argv[2]);
        if (!ufid) {
            repl_usage_error(r, "expect", "'%s': no such flow in the trace",
                             argv[2]);
            return CMD_ERROR;
        }
        if (st->n_losses) {
            trace_cannot_tell(r, "the datapath's flows");
            return CMD_ERROR;
        }
        for (size_t i = 0; i < st->n_dp; i++) {
            present |= st->dp[i].ufid == ufid && st->dp[i].present;
        }
    } else {
        struct uk_flow *f = repl_flow_arg(r, "expect", argv[2]);
        if (!f) {
            return CMD_ERROR;
        }
        for (size_t i = 0; i < r->udpif->n_dp_flows; i++) {
            present |= r->udpif->dp_flows[i].flow == f
                       && r->udpif->dp_flows[i].present;
        }
    }
    bool want = !strcmp(argv[3], "present");
    return expect_result(r, present == want, "datapath flow %s is %s",
                         argv[2], present ? "present" : "absent");
}

static enum cmd_status
expect_stat(struct repl *r, int argc, char *argv[])
{
    uint64_t have, want;
    if (argc != 5) {
        repl_usage_error(r, "expect", "stat needs NAME OP VALUE");
        return CMD_ERROR;
    }
    bool exact = true;
    if (!(r->trace ? trace_stat_value(r->trace, argv[2], &have, &exact)
                   : repl_stat_value(r, argv[2], &have))) {
        repl_usage_error(r, "expect", "'%s': no such statistic (see \"show "
                         "stats\")", argv[2]);
        return CMD_ERROR;
    }
    if (!exact) {
        trace_cannot_tell(r, argv[2]);
        return CMD_ERROR;
    }
    if (!repl_number_arg(r, "expect", argv[4], 0, UINT64_MAX, &want)) {
        return CMD_ERROR;
    }
    const char *op = argv[3];
    bool ok;
    if (!strcmp(op, "==") || !strcmp(op, "=")) {
        ok = have == want;
    } else if (!strcmp(op, "!=")) {
        ok = have != want;
    } else if (!strcmp(op, "<")) {
        ok = have < want;
    } else if (!strcmp(op, "<=")) {
        ok = have <= want;
    } else if (!strcmp(op, ">")) {
        ok = have > want;
    } else if (!strcmp(op, ">=")) {
        ok = have >= want;
    } else {
        repl_usage_error(r, "expect", "'%s': expected == != < <= > >=", op);
        return CMD_ERROR;
    }
    return expect_result(r, ok, "%s is %" PRIu64 ", expected %s %" PRIu64,
                         argv[2], have, op, want);
}

static enum cmd_status
expect_runnable(struct repl *r, int argc, char *argv[], bool want)
{
    if (argc != 3) {
        repl_usage_error(r, "expect", "%s needs a THREAD", argv[1]);
        return CMD_ERROR;
    }
    struct uk_thread *t = repl_thread_arg(r, "expect", argv[2]);
    if (!t) {
        return CMD_ERROR;
    }
    bool runnable = uk_thread_runnable(t);
    return expect_result(r, runnable == want, "%s is %s", t->name,
                         runnable ? "runnable" : "not runnable");
}

enum cmd_status
cmd_expect(struct repl *r, int argc, char *argv[])
{
    const char *what = argv[1];
    if (!strcmp(what, "state")) {
        return expect_state(r, argc, argv);
    } else if (!strcmp(what, "violation")) {
        return expect_violation(r, argc, argv);
    } else if (!strcmp(what, "no-violation")) {
        if (argc != 2) {
            repl_usage_error(r, "expect", "no-violation takes no argument");
            return CMD_ERROR;
        }
        return expect_no_violation(r);
    } else if (!strcmp(what, "dp")) {
        return expect_dp(r, argc, argv);
    } else if (r->trace && (!strcmp(what, "runnable")
                            || !strcmp(what, "blocked"))) {
        repl_error(r, "expect %s: not available on a trace (a trace has no "
                   "scheduler)", what);
        return CMD_ERROR;
    } else if (!strcmp(what, "stat")) {
        return expect_stat(r, argc, argv);
    } else if (!strcmp(what, "runnable") || !strcmp(what, "blocked")) {
        return expect_runnable(r, argc, argv, !strcmp(what, "runnable"));
    }
    repl_usage_error(r, "expect", "'%s': expected state, violation, "
                     "no-violation, dp, stat, runnable or blocked", what);
    return CMD_ERROR;
}

void
complete_expect(struct repl *r, int argi, char *argv[],
                void (*add)(void *, const char *), void *aux)
{
    static const char *const whats[] = {
        "state", "violation", "no-violation", "dp", "stat", "runnable",
        "blocked",
    };
    if (argi == 1) {
        for (size_t i = 0; i < UK_ARRAY_SIZE(whats); i++) {
            add(aux, whats[i]);
        }
    } else if (argi == 2 && !strcmp(argv[1], "violation")) {
        for (int i = 0; i < N_UK_VIOLATION_KINDS; i++) {
            add(aux, uk_violation_kind_name(i));
        }
    } else if (argi == 3 && !strcmp(argv[1], "state")) {
        for (int i = 0; i < N_UKEY_STATES; i++) {
            add(aux, ukey_state_name(i));
        }
    } else if (argi == 3 && !strcmp(argv[1], "dp")) {
        add(aux, "present");
        add(aux, "absent");
    } else if (argi == 2 && (!strcmp(argv[1], "runnable")
                             || !strcmp(argv[1], "blocked"))) {
        complete_thread(r, argi, argv, add, aux);
    } else if (argi == 2 && !strcmp(argv[1], "dp")) {
        complete_flow_name(r, argi, argv, add, aux);
    } else if (argi == 2 && !strcmp(argv[1], "state")) {
        complete_flow(r, argi, argv, add, aux);
    }
}

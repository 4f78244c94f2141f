/* SPDX-License-Identifier: Apache-2.0 */
/* Conditions on the model or an open trace, and "expect", the assertions
 * of scenario scripts.  A condition ("state f1 EVICTED", "stat live_ukeys
 * > 3") is parsed once, its words and names checked (repl_cond_parse()),
 * and judged as often as asked (repl_cond_eval()): by "expect" at once,
 * by a breakpoint's condition ("condition N COND", "break ... if COND",
 * repl/cmd-break.c) at every hit.
 *
 * A failed expect prints "FILE:LINE: expect failed: ..." and makes the
 * script exit 1; the script (or -c) stops there, as at an error, unless
 * --keep-going lets one run report every failed expectation.  The REPL's
 * prompt goes on.
 *
 * On a trace, "state", "violation", "no-violation", "dp" and "stat" (the
 * figures of a trace's "show stats") judge the state folded at the cursor;
 * where events lost before it leave the answer uncertain, the condition is
 * unknown and the expect an error ("cannot tell"), never a verdict. */
#include "repl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "repl/trace.h"

bool repl_stat_value(const struct repl *r, const char *name, uint64_t *out);

/* ==== Parsing ==== */

enum cond_kind {
    COND_STATE,                 /* state FLOW|ID STATE|none */
    COND_VIOLATION,             /* violation [KIND [FLOW]] */
    COND_NO_VIOLATION,          /* no-violation */
    COND_DP,                    /* dp FLOW present|absent */
    COND_STAT,                  /* stat NAME OP VALUE */
    COND_RUNNABLE,              /* runnable|blocked THREAD */
};

struct repl_cond {
    enum cond_kind kind;
    char *arg;                  /* (owned) The FLOW|ID, FLOW (NULL: any
                                 * flow), NAME or THREAD. */
    uint64_t id;                /* COND_STATE: 'arg' as a ukey id, or 0. */
    int state;                  /* COND_STATE: -1 for none. */
    int violation;              /* COND_VIOLATION: kind, -1 for any. */
    bool want;                  /* COND_DP: present; COND_RUNNABLE:
                                 * runnable. */
    char op[3];                 /* COND_STAT: == != < <= > >= */
    uint64_t value;             /* COND_STAT. */
    char *text;                 /* (owned) The words, as typed. */
    bool names_later;           /* Parsing: a name the model (or the
                                 * trace) lacks is judged at each hit,
                                 * not an error (names_judged_later()). */
};

/* Whether a condition's names that the model (or the open trace) lacks
 * are judged at each hit, as they were when it was set (an error there
 * while they are missing), rather than refused now: a breakpoint's
 * ('of_bp'), whose flows may be declared after it, on the model as on a
 * live session, as those of its filters may (see repl/cmd-break.c), and
 * any while the script runs again (repl_rescript()), whose condition may
 * have been set on a trace and must not refuse the configuration change.
 * "expect" judges at once: a name it lacks is an error. */
static bool
names_judged_later(const struct repl *r, bool of_bp)
{
    return r->rescripting || of_bp;
}

/* Says that a breakpoint's condition names 'what' 'name', which the model
 * (or the open trace) lacks. */
static void
note_later(struct repl *r, const char *what, const char *name)
{
    repl_bp_note(r, what, name, "the condition looks it up at each hit");
}

/* Whether the flow 'name' exists in the open trace, else in the model, or
 * may be judged later ('c'); if not, says so for 'cmd'. */
static bool
check_flow(struct repl *r, const char *cmd, const char *name,
           const struct repl_cond *c)
{
    if (r->trace ? trace_flow_ufid(r->trace, name) != 0
                 : udpif_find_flow(r->udpif, name) != NULL) {
        return true;
    } else if (c->names_later) {
        note_later(r, "flow", name);
        return true;
    } else if (!r->trace) {
        return repl_flow_arg(r, cmd, name) != NULL;
    }
    repl_usage_error(r, cmd, "'%s': no such flow in the trace", name);
    return false;
}

static bool
parse_state(struct repl *r, const char *cmd, int argc, char *argv[],
            struct repl_cond *c)
{
    if (argc != 3) {
        repl_usage_error(r, cmd, "state needs FLOW|ID and STATE");
        return false;
    }
    c->state = -1;
    if (strcmp(argv[2], "none")) {
        c->state = ukey_state_from_name(argv[2]);
        if (c->state < 0) {
            repl_usage_error(r, cmd, "'%s': no such state", argv[2]);
            return false;
        }
    }
    const char *arg = argv[1];
    if (r->trace ? trace_flow_ufid(r->trace, arg) != 0
                 : udpif_find_flow(r->udpif, arg) != NULL) {
        return true;
    } else if (c->names_later && !repl_is_ukey_id(arg)) {
        note_later(r, "flow", arg);
        return true;
    } else if (repl_is_ukey_id(arg)) {
        /* An ID not created yet, or freed, has no ukey, as a flow
         * without one ("expect state 2 none": no second ukey came). */
        return repl_ukey_id_arg(r, cmd, arg, &c->id);
    }
    repl_usage_error(r, cmd, "'%s': no such ukey or flow", arg);
    return false;
}

static bool
parse_violation(struct repl *r, const char *cmd, int argc, char *argv[],
                struct repl_cond *c)
{
    c->violation = -1;
    if (argc > 3) {
        repl_usage_error(r, cmd, "'%s': violation takes at most KIND and "
                         "FLOW", argv[3]);
        return false;
    }
    if (argc > 1) {
        c->violation = uk_violation_kind_from_name(argv[1]);
        if (c->violation < 0) {
            repl_usage_error(r, cmd, "'%s': no such violation kind",
                             argv[1]);
            return false;
        }
    }
    return argc < 3 || check_flow(r, cmd, argv[2], c);
}

static bool
parse_dp(struct repl *r, const char *cmd, int argc, char *argv[],
         struct repl_cond *c)
{
    if (argc != 3 || (strcmp(argv[2], "present")
                      && strcmp(argv[2], "absent"))) {
        repl_usage_error(r, cmd, "dp needs FLOW present|absent");
        return false;
    }
    c->want = !strcmp(argv[2], "present");
    return check_flow(r, cmd, argv[1], c);
}

static bool
parse_stat(struct repl *r, const char *cmd, int argc, char *argv[],
           struct repl_cond *c)
{
    static const char *const ops[] = { "==", "=", "!=", "<", "<=", ">",
                                       ">=" };
    uint64_t have;
    bool exact;
    if (argc != 4) {
        repl_usage_error(r, cmd, "stat needs NAME OP VALUE");
        return false;
    }
    if (!(r->trace ? trace_stat_value(r->trace, argv[1], &have, &exact)
                   : repl_stat_value(r, argv[1], &have))) {
        repl_usage_error(r, cmd, "'%s': no such statistic (see \"show "
                         "stats\")", argv[1]);
        return false;
    }
    if (!repl_number_arg(r, cmd, argv[3], 0, UINT64_MAX, &c->value)) {
        return false;
    }
    for (size_t i = 0; i < UK_ARRAY_SIZE(ops); i++) {
        if (!strcmp(argv[2], ops[i])) {
            snprintf(c->op, sizeof c->op, "%s", i == 1 ? "==" : ops[i]);
            return true;
        }
    }
    repl_usage_error(r, cmd, "'%s': expected == != < <= > >=", argv[2]);
    return false;
}

static bool
parse_runnable(struct repl *r, const char *cmd, int argc, char *argv[],
               struct repl_cond *c)
{
    if (r->trace) {
        repl_error(r, "%s %s: not available on a trace (a trace has no "
                   "scheduler)", cmd, argv[0]);
        return false;
    }
    if (argc != 2) {
        repl_usage_error(r, cmd, "%s needs a THREAD", argv[0]);
        return false;
    }
    c->want = !strcmp(argv[0], "runnable");
    if (c->names_later && !udpif_find_thread(r->udpif, argv[1])) {
        note_later(r, "thread", argv[1]);
        return true;
    }
    return repl_thread_arg(r, cmd, argv[1]) != NULL;
}

struct repl_cond *
repl_cond_parse(struct repl *r, const char *cmd, int argc, char *argv[],
                bool of_bp)
{
    const char *what = argc ? argv[0] : "";
    struct repl_cond *c = uk_xzalloc(sizeof *c);
    c->names_later = names_judged_later(r, of_bp);
    bool ok;
    if (!strcmp(what, "state")) {
        c->kind = COND_STATE;
        ok = parse_state(r, cmd, argc, argv, c);
    } else if (!strcmp(what, "violation")) {
        c->kind = COND_VIOLATION;
        ok = parse_violation(r, cmd, argc, argv, c);
    } else if (!strcmp(what, "no-violation")) {
        c->kind = COND_NO_VIOLATION;
        ok = argc == 1;
        if (!ok) {
            repl_usage_error(r, cmd, "no-violation takes no argument");
        }
    } else if (!strcmp(what, "dp")) {
        c->kind = COND_DP;
        ok = parse_dp(r, cmd, argc, argv, c);
    } else if (!strcmp(what, "stat")) {
        c->kind = COND_STAT;
        ok = parse_stat(r, cmd, argc, argv, c);
    } else if (!strcmp(what, "runnable") || !strcmp(what, "blocked")) {
        c->kind = COND_RUNNABLE;
        ok = parse_runnable(r, cmd, argc, argv, c);
    } else {
        repl_usage_error(r, cmd, "'%s': expected state, violation, "
                         "no-violation, dp, stat, runnable or blocked",
                         what);
        ok = false;
    }
    if (!ok) {
        free(c);
        return NULL;
    }
    char text[512];
    repl_join(text, sizeof text, argv, (size_t) argc, " ");
    c->text = uk_xstrdup(text);
    /* The name: FLOW after KIND for "violation", else the first word. */
    int name = c->kind == COND_VIOLATION ? 2 : 1;
    c->arg = argc > name ? uk_xstrdup(argv[name]) : NULL;
    return c;
}

const char *
repl_cond_text(const struct repl_cond *c)
{
    return c->text;
}

void
repl_cond_free(struct repl_cond *c)
{
    if (c) {
        free(c->arg);
        free(c->text);
        free(c);
    }
}

/* ==== Judging ==== */

/* What a condition's judge writes when it is not true: what is so
 * instead (false), or why it cannot say (unknown). */
struct cond_why {
    char *buf;
    size_t size;
};

static enum repl_cond_value cond_say(struct cond_why *, enum repl_cond_value,
                                     const char *fmt, ...) UK_PRINTF(3, 4);

static enum repl_cond_value
cond_say(struct cond_why *why, enum repl_cond_value v, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(why->buf, why->size, fmt, args);
    va_end(args);
    return v;
}

/* Says that what came before the cursor leaves 'what' unknown: 'doubt'
 * (enum trace_doubt bits) says why, a ukey's; 0: the events lost or
 * given up on before it (trace_state_doubt()). */
static enum repl_cond_value
cannot_tell(const struct repl *r, struct cond_why *why, const char *what,
            unsigned int doubt)
{
    const struct trace_state *st = &r->trace->cur;
    if (doubt && !(doubt & (TRACE_DOUBT_LOST | TRACE_DOUBT_GIVEN_UP))) {
        /* A ukey's own doubt, without a loss. */
        return cond_say(why, REPL_COND_UNKNOWN, "cannot tell %s: %s", what,
                        doubt & TRACE_DOUBT_LATE ? "a late event named it"
                        : "its create is not in the trace");
    }
    doubt = doubt ? doubt : trace_state_doubt(st);
    /* Seqs given up on, then come late: no event lost; some of them
     * still missing: perhaps. */
    unsigned int held = doubt & (TRACE_DOUBT_LATE | TRACE_DOUBT_GIVEN_UP);
    const char *cause = (doubt & TRACE_DOUBT_LOST ? "events were lost"
                         : held == TRACE_DOUBT_LATE ? "events came late, "
                                                      "given up on"
                         : held & TRACE_DOUBT_LATE ? "events came late or "
                                                     "were given up on"
                         : "events were given up on");
    return cond_say(why, REPL_COND_UNKNOWN, "cannot tell %s: %s before "
                    "event %" PRIu64, what, cause, st->first_lost_pos);
}

/* What "state" needs of the ukey a FLOW or ID names. */
struct cond_ukey {
    bool exists;                /* Created and not freed. */
    uint64_t id;
    bool in_umap;
    int state;                  /* enum ukey_state. */
};

/* The model's ukey for 'c' into '*out' (none: '*out' untouched).  False
 * if 'c' names no flow of the model nor a ukey id. */
static bool
model_cond_ukey(struct repl *r, const struct repl_cond *c,
                struct cond_ukey *out)
    /* Reads guarded ukey fields unlocked: the REPL runs between steps,
     * when no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    struct ukey *k = NULL;
    struct uk_flow *f = udpif_find_flow(r->udpif, c->arg);
    if (f) {
        k = repl_flow_current_ukey(r, f);
    } else if (c->id) {
        k = udpif_find_ukey(r->udpif, c->id);
    } else {
        return false;
    }
    if (k) {
        *out = (struct cond_ukey) { .exists = true, .id = k->id,
                                    .in_umap = k->in_umap,
                                    .state = k->state };
    }
    return true;
}

/* The trace's ukey for 'c' at the cursor, as the model's: a flow's ukey
 * in its umap, else its newest one not freed.  '*doubt': why it is
 * unknown (enum trace_doubt bits), else 0. */
static bool
trace_cond_ukey(struct repl *r, const struct repl_cond *c,
                struct cond_ukey *out, unsigned int *doubt)
{
    const struct trace_state *st = &r->trace->cur;
    const struct trace_ukey *k = NULL;
    uint64_t ufid = trace_flow_ufid(r->trace, c->arg);
    if (ufid) {
        for (size_t i = 0; i < st->n_ukeys; i++) {
            const struct trace_ukey *u = &st->ukeys[i];
            if (u->ufid == ufid && !u->n_freed
                && (!k || (u->in_umap && !k->in_umap)
                    || (u->in_umap == k->in_umap && u->id > k->id))) {
                k = u;
            }
        }
    } else if (c->id) {
        k = trace_state_ukey(st, c->id);
        k = k && !k->n_freed ? k : NULL;
    } else {
        return false;
    }
    *doubt = k ? k->doubt : st->n_losses ? trace_state_doubt(st) : 0;
    if (k) {
        *out = (struct cond_ukey) { .exists = true, .id = k->id,
                                    .in_umap = k->in_umap,
                                    .state = k->state };
    }
    return true;
}

static enum repl_cond_value
eval_state(struct repl *r, const struct repl_cond *c, struct cond_why *why)
{
    struct cond_ukey k = { .exists = false };
    unsigned int doubt = 0;
    if (!(r->trace ? trace_cond_ukey(r, c, &k, &doubt)
                   : model_cond_ukey(r, c, &k))) {
        return cond_say(why, REPL_COND_UNKNOWN, "'%s': no such ukey or "
                        "flow", c->arg);
    }
    if (doubt) {
        char what[128];
        snprintf(what, sizeof what, "the state of %s", c->arg);
        return cannot_tell(r, why, what, doubt);
    }
    if (c->state < 0) {
        return (!k.exists || !k.in_umap ? REPL_COND_TRUE
                : cond_say(why, REPL_COND_FALSE, "%s has ukey#%" PRIu64
                           " in %s", c->arg, k.id,
                           ukey_state_name(k.state)));
    }
    return (k.exists && k.state == c->state ? REPL_COND_TRUE
            : cond_say(why, REPL_COND_FALSE, "state of %s is %s, not %s",
                       c->arg, k.exists ? ukey_state_name(k.state)
                                        : "none (no ukey)",
                       ukey_state_name(c->state)));
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

/* The ufid of the flow 'name', of the trace or the model, or 0 (after
 * saying so in 'why'). */
static uint64_t
cond_flow_ufid(const struct repl *r, const char *name, struct cond_why *why)
{
    uint64_t ufid = 0;
    if (r->trace) {
        ufid = trace_flow_ufid(r->trace, name);
    } else {
        struct uk_flow *f = udpif_find_flow(r->udpif, name);
        ufid = f ? f->ufid : 0;
    }
    if (!ufid) {
        cond_say(why, REPL_COND_UNKNOWN, "'%s': no such flow%s", name,
                 r->trace ? " in the trace" : "");
    }
    return ufid;
}

static enum repl_cond_value
eval_violation(struct repl *r, const struct repl_cond *c,
               struct cond_why *why)
{
    uint64_t ufid = 0;
    if (c->arg && !(ufid = cond_flow_ufid(r, c->arg, why))) {
        return REPL_COND_UNKNOWN;
    }
    const struct ukey_event *e;
    uint64_t when;
    if (find_violation(r, c->violation, ufid, &e, &when)) {
        return REPL_COND_TRUE;
    }
    if (r->trace && r->trace->cur.n_losses) {
        return cannot_tell(r, why, "whether a violation happened", 0);
    }
    return cond_say(why, REPL_COND_FALSE, "no %s%sviolation%s%s",
                    c->violation < 0 ? ""
                                     : uk_violation_kind_name(c->violation),
                    c->violation < 0 ? "" : " ", ufid ? " on " : "",
                    ufid ? c->arg : "");
}

static enum repl_cond_value
eval_no_violation(struct repl *r, struct cond_why *why)
{
    const struct ukey_event *e;
    uint64_t when;
    if (find_violation(r, -1, 0, &e, &when)) {
        return cond_say(why, REPL_COND_FALSE, "%s %s at %s %" PRIu64 ": %s",
                        uk_severity_name(e->result),
                        uk_violation_kind_name(e->kind),
                        r->trace ? "event" : "step", when,
                        uk_violation_detail(e->kind, e->name));
    }
    if (r->trace && r->trace->cur.n_losses) {
        return cannot_tell(r, why, "whether a violation happened", 0);
    }
    return REPL_COND_TRUE;
}

static enum repl_cond_value
eval_dp(struct repl *r, const struct repl_cond *c, struct cond_why *why)
{
    uint64_t ufid = cond_flow_ufid(r, c->arg, why);
    bool present = false;
    if (!ufid) {
        return REPL_COND_UNKNOWN;
    } else if (r->trace) {
        const struct trace_state *st = &r->trace->cur;
        if (st->n_losses) {
            return cannot_tell(r, why, "the datapath's flows", 0);
        }
        for (size_t i = 0; i < st->n_dp; i++) {
            present |= st->dp[i].ufid == ufid && st->dp[i].present;
        }
    } else {
        const struct uk_flow *f = udpif_find_flow(r->udpif, c->arg);
        for (size_t i = 0; i < r->udpif->n_dp_flows; i++) {
            present |= r->udpif->dp_flows[i].flow == f
                       && r->udpif->dp_flows[i].present;
        }
    }
    return (present == c->want ? REPL_COND_TRUE
            : cond_say(why, REPL_COND_FALSE, "datapath flow %s is %s",
                       c->arg, present ? "present" : "absent"));
}

static enum repl_cond_value
eval_stat(struct repl *r, const struct repl_cond *c, struct cond_why *why)
{
    uint64_t have, want = c->value;
    bool exact = true;
    if (!(r->trace ? trace_stat_value(r->trace, c->arg, &have, &exact)
                   : repl_stat_value(r, c->arg, &have))) {
        return cond_say(why, REPL_COND_UNKNOWN, "'%s': no such statistic "
                        "(see \"show stats\")", c->arg);
    }
    if (!exact) {
        return cannot_tell(r, why, c->arg, 0);
    }
    const char *op = c->op;
    bool ok = (!strcmp(op, "==") ? have == want
               : !strcmp(op, "!=") ? have != want
               : !strcmp(op, "<") ? have < want
               : !strcmp(op, "<=") ? have <= want
               : !strcmp(op, ">") ? have > want
               : have >= want);
    return (ok ? REPL_COND_TRUE
            : cond_say(why, REPL_COND_FALSE, "%s is %" PRIu64 ", expected %s "
                       "%" PRIu64, c->arg, have, op, want));
}

static enum repl_cond_value
eval_runnable(struct repl *r, const struct repl_cond *c,
              struct cond_why *why)
{
    const char *what = c->want ? "runnable" : "blocked";
    if (r->trace) {
        return cond_say(why, REPL_COND_UNKNOWN, "%s: not available on a "
                        "trace (a trace has no scheduler)", what);
    }
    struct uk_thread *t = udpif_find_thread(r->udpif, c->arg);
    if (!t) {
        return cond_say(why, REPL_COND_UNKNOWN, "'%s': no such thread",
                        c->arg);
    }
    bool runnable = uk_thread_runnable(t);
    return (runnable == c->want ? REPL_COND_TRUE
            : cond_say(why, REPL_COND_FALSE, "%s is %s", t->name,
                       runnable ? "runnable" : "not runnable"));
}

enum repl_cond_value
repl_cond_eval(struct repl *r, const struct repl_cond *c, char *why,
               size_t size)
{
    struct cond_why w = { why, size };
    why[0] = '\0';
    switch (c->kind) {
    case COND_STATE:
        return eval_state(r, c, &w);
    case COND_VIOLATION:
        return eval_violation(r, c, &w);
    case COND_NO_VIOLATION:
        return eval_no_violation(r, &w);
    case COND_DP:
        return eval_dp(r, c, &w);
    case COND_STAT:
        return eval_stat(r, c, &w);
    case COND_RUNNABLE:
        return eval_runnable(r, c, &w);
    }
    return cond_say(&w, REPL_COND_UNKNOWN, "bad condition");
}

/* ==== expect ==== */

enum cmd_status
cmd_expect(struct repl *r, int argc, char *argv[])
{
    struct repl_cond *c = repl_cond_parse(r, "expect", argc - 1, argv + 1,
                                          false);
    if (!c) {
        return CMD_ERROR;
    }
    char why[512];
    enum repl_cond_value v = repl_cond_eval(r, c, why, sizeof why);
    repl_cond_free(c);
    if (v == REPL_COND_UNKNOWN) {
        repl_error(r, "expect: %s", why);
        return CMD_ERROR;
    } else if (v == REPL_COND_FALSE) {
        fflush(stdout);
        if (r->input_name) {
            fprintf(stderr, "%s:%u: expect failed: %s\n", r->input_name,
                    r->input_line, why);
        } else {
            fprintf(stderr, "expect failed: %s\n", why);
        }
        r->n_expect_failed++;
    }
    return CMD_OK;
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

/* SPDX-License-Identifier: Apache-2.0 */
/* The inspection commands on a trace (repl/trace.h): "show" (ukeys, ukey,
 * umaps, dp, threads, locks, violations, stats), "history", "log" and
 * "when", from the state folded at the cursor.  The tables have the model's
 * columns where the trace can tell them; ukeys that events lost before the
 * cursor leave uncertain are marked and listed.  After "set output json",
 * each prints one line of JSON instead: the model's shapes (repl/cmd-show.c)
 * where the model has them, without the fields a trace cannot tell
 * (dump_seq, reval_seq, missed_dumps, pending_free; a violation's "event"
 * instead of its "step"), with "uncertain" where events were lost.  The
 * vocabulary is the man page's "JSON OUTPUT"; tests/t6004 holds both modes
 * to it. */
#include "repl/trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lifecycle.h"
#include "core/util.h"
#include "tracepoints/plugin/report.h"

/* ==== JSON ==== */

static const char *
json_bool(bool b)
{
    return b ? "true" : "false";
}

/* ==== Events ==== */

/* "[N]" padded to the widest event number of the trace (at least "[999]",
 * as the model's step lines), so that the columns stay aligned: a live
 * trace's grow once per decade. */
static int
event_number_width(const struct trace_cursor *tc)
{
    int width = 5;
    for (size_t n = tc->n_events; n >= 1000; n /= 10) {
        width++;
    }
    return width;
}

void
trace_print_event(const struct trace_cursor *tc, size_t i)
{
    const struct ukey_event *e = &tc->events[i];
    char num[32];
    snprintf(num, sizeof num, "[%zu]", i + 1);
    int w = event_number_width(tc);
    const char *thread = trace_thread_name(tc, e->thread_id);
    char late[96];
    if (e->type == UK_EV_VIOLATION) {
        printf("%-*s %-*s *** VIOLATION %s: %s%s\n", w, num,
               uk_pad(thread, 13), thread,
               uk_violation_kind_name(e->kind),
               uk_violation_detail(e->kind, e->name),
               trace_late_note(tc, i, late, sizeof late));
        return;
    }
    char buf[300];
    uk_event_format(e, buf, sizeof buf);
    printf("%-*s %-*s %s%s%s%s\n", w, num, uk_pad(thread, 13), thread,
           buf, e->where ? "  " : "", e->where ? e->where : "",
           trace_late_note(tc, i, late, sizeof late));
}

/* Seqs given up on ('held', report.h's REPORT_LOSS_HELD), or, at the end
 * of their run, never come ('held_lost'). */
static void
print_given_up(const struct trace_loss *l)
{
    char seqs[64] = "";
    /* No 'seq_first': not contiguous (report-order.c merged ranges past
     * its room). */
    if (l->seq_first && l->seqs == 1) {
        snprintf(seqs, sizeof seqs, " (seq %" PRIu64 ")", l->seq_first);
    } else if (l->seq_first && l->seqs) {
        snprintf(seqs, sizeof seqs, " (seq %" PRIu64 " to %" PRIu64 ")",
                 l->seq_first, l->seq_first + l->seqs - 1);
    }
    bool one = l->seqs == 1;
    if (l->held) {
        printf("      *** %" PRIu64 " event%s missing here%s, given up on "
               "after %u later events: %s may come later (stepped where "
               "%s); the ukeys alive now are uncertain\n", l->seqs,
               uk_plural(l->seqs), seqs, REPORT_HOLD_MAX, one ? "it" : "they",
               one ? "it comes" : "they come");
    } else if (l->seqs) {
        printf("      *** %" PRIu64 " event%s LOST%s: given up on before, "
               "and the run ended without %s\n", l->seqs, uk_plural(l->seqs),
               seqs, one ? "it" : "them");
    } else {
        printf("      *** events LOST: seqs given up on, and the run ended "
               "without them\n");
    }
}

void
trace_print_losses_at(const struct trace_cursor *tc, uint64_t pos)
{
    for (size_t k = 0; k < tc->n_losses; k++) {
        const struct trace_loss *l = &tc->losses[k];
        if (l->pos != pos) {
            continue;
        }
        if (l->held || l->held_lost) {
            print_given_up(l);
            continue;
        }
        /* A gap that a loss of LTTng's counts: its seqs. */
        uint64_t n = l->n ? l->n : l->seqs;
        if (n) {
            printf("      *** %" PRIu64 " event%s LOST here%s", n,
                   n == 1 ? "" : "s", l->from_seq ? " (gap in seq)" : "");
        } else {
            printf("      *** events LOST here");
        }
        if (l->more && l->seqs && !l->n) {
            printf(" (counted in the loss LTTng reported before)");
        }
        if (!l->more && !l->from_seq) {
            char how[96];
            printf(" (%s)", report_format_lttng_loss(how, sizeof how,
                                                     l->reported, l->seqs));
        }
        printf("; the ukeys alive now are uncertain\n");
    }
}

const char *
trace_doubt_text(unsigned int doubt, char *buf, size_t size)
{
    /* Seqs given up on that came late since: late, not lost; some came
     * and others are still missing: both. */
    unsigned int held = doubt & (TRACE_DOUBT_LATE | TRACE_DOUBT_GIVEN_UP);
    const char *missing = (held == (TRACE_DOUBT_LATE | TRACE_DOUBT_GIVEN_UP)
                           ? "came late or were given up on"
                           : held == TRACE_DOUBT_LATE ? "came late"
                           : held ? "were given up on" : NULL);
    const char *lost = doubt & TRACE_DOUBT_LOST ? "were lost" : NULL;
    snprintf(buf, size, "%s%s%s%s%s%s", lost || missing ? "events " : "",
             lost ? lost : "", lost && missing ? " or " : "",
             missing ? missing : "",
             doubt & TRACE_DOUBT_MID_LIFE && (lost || missing) ? "; " : "",
             doubt & TRACE_DOUBT_MID_LIFE ? "first seen mid-life" : "");
    return buf;
}

/* Why ukey 'k' is uncertain, as "show ukey" says it, in 'buf'. */
static const char *
ukey_doubt_text(const struct trace_ukey *k, char *buf, size_t size)
{
    static const struct {
        unsigned int bit;
        const char *why;
    } whys[] = {
        { TRACE_DOUBT_LOST, "events were lost while it lived" },
        { TRACE_DOUBT_GIVEN_UP, "events were given up on while it "
                                "lived, late or lost" },
        { TRACE_DOUBT_LATE, "a late event named it" },
        { TRACE_DOUBT_MID_LIFE, "first seen mid-life" },
    };
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < UK_ARRAY_SIZE(whys) && len < size; i++) {
        if (k->doubt & whys[i].bit) {
            len += (size_t) snprintf(buf + len, size - len, "%s%s",
                                     len ? "; " : "", whys[i].why);
        }
    }
    return buf;
}

/* "Uncertain (WHY): N ukeys: #1 #2..." after tables, when some are. */
static void
print_uncertain(const struct trace_cursor *tc)
{
    const struct trace_state *st = &tc->cur;
    size_t n = 0;
    unsigned int doubt = 0;
    for (size_t i = 0; i < st->n_ukeys; i++) {
        n += st->ukeys[i].doubt != 0;
        doubt |= st->ukeys[i].doubt;
    }
    if (!n) {
        return;
    }
    /* The causes, in the order of ukey_doubt_text(). */
    const char *whys[3];
    size_t n_whys = 0;
    char lost[96];
    if (doubt & (TRACE_DOUBT_LOST | TRACE_DOUBT_GIVEN_UP)) {
        snprintf(lost, sizeof lost, "events %s before event %" PRIu64,
                 (!(doubt & TRACE_DOUBT_GIVEN_UP) ? "lost"
                  : !(doubt & TRACE_DOUBT_LOST) ? "given up on"
                  : "lost or given up on"), st->first_lost_pos);
        whys[n_whys++] = lost;
    }
    if (doubt & TRACE_DOUBT_LATE) {
        whys[n_whys++] = "late events";
    }
    if (doubt & TRACE_DOUBT_MID_LIFE) {
        whys[n_whys++] = "first seen mid-life";
    }
    printf("Uncertain (");
    for (size_t i = 0; i < n_whys; i++) {
        printf("%s%s", !i ? "" : i + 1 < n_whys ? ", " : ", or ", whys[i]);
    }
    printf("): %zu ukey%s:", n, n == 1 ? "" : "s");
    size_t shown = 0;
    for (size_t i = 0; i < st->n_ukeys && shown < 20; i++) {
        if (st->ukeys[i].doubt) {
            printf(" #%" PRIu64, st->ukeys[i].id);
            shown++;
        }
    }
    printf("%s\n", n > shown ? " ..." : "");
}

/* ==== show ==== */

static const char *
flow_or_ufid(const struct trace_cursor *tc, uint64_t ufid, char *buf,
             size_t size)
{
    const char *name = trace_flow_name(tc, ufid);
    if (name) {
        return name;
    }
    snprintf(buf, size, "%08" PRIx64, ufid >> 32);
    return buf;
}

static const char *
ukey_life(const struct trace_ukey *k)
{
    return k->n_freed ? "freed" : k->in_umap ? "in umap" : "out of umap";
}

static const char *
owner_name(const struct trace_cursor *tc, int32_t owner)
{
    return owner < 0 ? "-" : trace_thread_name(tc, (uint32_t) owner);
}

static enum cmd_status
show_ukeys(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    const struct trace_state *st = &tc->cur;
    if (r->json) {
        printf("[");
        for (size_t i = 0; i < st->n_ukeys; i++) {
            const struct trace_ukey *k = &st->ukeys[i];
            char fb[24];
            printf("%s{\"id\":%" PRIu64 ",\"flow\":", i ? "," : "", k->id);
            repl_json_string(flow_or_ufid(tc, k->ufid, fb, sizeof fb));
            printf(",\"pmd_id\":%u,\"umap\":%d,\"state\":\"%s\","
                   "\"in_umap\":%s,\"freed\":%s,\"frees\":%u,"
                   "\"postponed\":%u,\"uncertain\":%s}", k->pmd_id,
                   k->umap, ukey_state_name(k->state), json_bool(k->in_umap),
                   json_bool(k->n_freed), k->n_freed, k->n_postponed,
                   json_bool(k->doubt));
        }
        printf("]\n");
        return CMD_OK;
    }
    if (!st->n_ukeys) {
        printf("No ukeys.\n");
        return CMD_OK;
    }
    printf("%-6s %-8s %-4s %-5s %-13s %-12s %-14s %s\n", "UKEY", "FLOW",
           "PMD", "UMAP", "STATE", "WHERE", "LOCK", "LAST TRANSITION");
    for (size_t i = 0; i < st->n_ukeys; i++) {
        const struct trace_ukey *k = &st->ukeys[i];
        char id[24], fb[24];
        snprintf(id, sizeof id, "#%" PRIu64 "%s", k->id,
                 k->doubt ? "?" : "");
        const char *flow = flow_or_ufid(tc, k->ufid, fb, sizeof fb);
        const char *owner = owner_name(tc, k->lock_owner);
        printf("%-6s %-*s %-4u %-5d %-13s %-12s %-*s %s (%s)\n", id,
               uk_pad(flow, 8), flow, k->pmd_id, k->umap,
               ukey_state_name(k->state), ukey_life(k),
               uk_pad(owner, 14), owner,
               trace_thread_name(tc, k->state_thread),
               k->state_where ? k->state_where : "?");
    }
    print_uncertain(tc);
    return CMD_OK;
}

static enum cmd_status
show_ukey(struct repl *r, const char *arg)
{
    const struct trace_cursor *tc = r->trace;
    const struct trace_state *st = &tc->cur;
    const struct trace_ukey *k = NULL;
    uint64_t ufid = trace_flow_ufid(tc, arg);
    if (ufid) {
        /* The flow's ukey in a umap, else its most recent one. */
        for (size_t i = st->n_ukeys; i-- > 0;) {
            if (st->ukeys[i].ufid == ufid
                && (!k || (st->ukeys[i].in_umap && !k->in_umap))) {
                k = &st->ukeys[i];
            }
        }
    } else {
        uint64_t id;
        if (uk_parse_ukey_id(arg, &id)) {
            k = trace_state_ukey(st, id);
        } else {
            repl_usage_error(r, "show", "'%s': not a ukey id or a flow", arg);
            return CMD_ERROR;
        }
    }
    if (!k) {
        repl_error(r, "show: '%s': no such ukey at event %" PRIu64, arg,
                   st->pos);
        return CMD_ERROR;
    }
    char fb[24];
    if (r->json) {
        printf("{\"id\":%" PRIu64 ",\"flow\":", k->id);
        repl_json_string(flow_or_ufid(tc, k->ufid, fb, sizeof fb));
        printf(",\"ufid\":\"%016" PRIx64 "\",\"pmd_id\":%u,\"state\":\"%s\","
               "\"state_thread\":", k->ufid, k->pmd_id,
               ukey_state_name(k->state));
        repl_json_string(trace_thread_name(tc, k->state_thread));
        printf(",\"state_where\":");
        if (k->state_where) {
            repl_json_string(k->state_where);
        } else {
            printf("null");     /* Unknown: a 'create' has no 'where'. */
        }
        printf(",\"umap\":%d,\"in_umap\":%s,\"lock\":", k->umap,
               json_bool(k->in_umap));
        repl_json_string(owner_name(tc, k->lock_owner));
        printf(",\"stats_packets\":%" PRIu64 ",\"postponed\":%u,"
               "\"freed\":%s,\"frees\":%u,\"uncertain\":%s,"
               "\"created_seen\":%s}\n", k->stats_packets, k->n_postponed,
               json_bool(k->n_freed), k->n_freed, json_bool(k->doubt),
               json_bool(k->created_seen));
        return CMD_OK;
    }
    printf("ukey #%" PRIu64 " of flow %s (ufid %016" PRIx64 ", pmd %u)\n",
           k->id, flow_or_ufid(tc, k->ufid, fb, sizeof fb), k->ufid,
           k->pmd_id);
    char why[256];
    printf("  state        %s%s%s%s\n", ukey_state_name(k->state),
           k->doubt ? "  (UNCERTAIN: " : "",
           k->doubt ? ukey_doubt_text(k, why, sizeof why) : "",
           k->doubt ? ")" : "");
    printf("  last change  by %s at %s\n",
           trace_thread_name(tc, k->state_thread),
           k->state_where ? k->state_where : "?");
    printf("  umap         [%d], %s\n", k->umap, ukey_life(k));
    printf("  lock         %s%s%s\n", owner_name(tc, k->lock_owner),
           k->lock_owner >= 0 ? " at " : "",
           k->lock_owner >= 0 && k->lock_where ? k->lock_where : "");
    printf("  stats        %" PRIu64 " packets pushed\n", k->stats_packets);
    printf("  rcu          %u postponed%s\n", k->n_postponed,
           k->n_freed ? (k->n_freed > 1 ? ", freed MORE THAN ONCE"
                                        : ", freed") : "");
    if (!k->created_seen) {
        printf("  (its create is not in the trace)\n");
    }
    return CMD_OK;
}

static enum cmd_status
show_umaps(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    const struct trace_state *st = &tc->cur;
    size_t n = st->n_umaps;
    for (size_t i = 0; i < st->n_ukeys; i++) {
        if (st->ukeys[i].umap >= 0 && (size_t) st->ukeys[i].umap >= n) {
            n = (size_t) st->ukeys[i].umap + 1;
        }
    }
    if (r->json) {
        printf("[");
        for (size_t m = 0; m < n; m++) {
            printf("%s{\"umap\":%zu,\"lock\":", m ? "," : "", m);
            int32_t owner = m < st->n_umaps ? st->umaps[m].owner : -1;
            repl_json_string(owner_name(tc, owner));
            printf(",\"ukeys\":[");
            size_t k = 0;
            for (size_t i = 0; i < st->n_ukeys; i++) {
                const struct trace_ukey *u = &st->ukeys[i];
                if (u->in_umap && u->umap == (int32_t) m) {
                    char fb[24];
                    printf("%s{\"id\":%" PRIu64 ",\"flow\":", k++ ? "," : "",
                           u->id);
                    repl_json_string(flow_or_ufid(tc, u->ufid, fb, sizeof fb));
                    printf(",\"state\":\"%s\",\"uncertain\":%s}",
                           ukey_state_name(u->state), json_bool(u->doubt));
                }
            }
            printf("]}");
        }
        printf("]\n");
        return CMD_OK;
    }
    if (!n) {
        printf("No umap seen yet.\n");
    }
    for (size_t m = 0; m < n; m++) {
        int32_t owner = m < st->n_umaps ? st->umaps[m].owner : -1;
        const char *name = owner_name(tc, owner);
        printf("umap[%zu]  lock %-*s ", m, uk_pad(name, 12), name);
        size_t k = 0;
        for (size_t i = 0; i < st->n_ukeys; i++) {
            const struct trace_ukey *u = &st->ukeys[i];
            if (u->in_umap && u->umap == (int32_t) m) {
                char fb[24];
                printf(" #%" PRIu64 "%s %s %s", u->id, u->doubt ? "?" : "",
                       flow_or_ufid(tc, u->ufid, fb, sizeof fb),
                       ukey_state_name(u->state));
                k++;
            }
        }
        printf("%s\n", k ? "" : "(empty)");
    }
    print_uncertain(tc);
    return CMD_OK;
}

static enum cmd_status
show_dp(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    const struct trace_state *st = &tc->cur;
    int n = 0;
    if (r->json) {
        printf("[");
        for (size_t i = 0; i < st->n_dp; i++) {
            const struct trace_dpflow *f = &st->dp[i];
            char fb[24];
            if (f->present) {
                printf("%s{\"flow\":", n++ ? "," : "");
                repl_json_string(flow_or_ufid(tc, f->ufid, fb, sizeof fb));
                printf(",\"pmd_id\":%u,\"packets\":%" PRIu64
                       ",\"present\":true,\"instance\":%" PRIu64 "}",
                       f->pmd_id, f->packets, f->instance);
            }
        }
        printf("]\n");
        return CMD_OK;
    }
    for (size_t i = 0; i < st->n_dp; i++) {
        const struct trace_dpflow *f = &st->dp[i];
        char fb[24];
        if (!n++) {
            printf("%-8s %-4s %-8s %s\n", "FLOW", "PMD", "PACKETS",
                   "INSTANCE");
        }
        const char *flow = flow_or_ufid(tc, f->ufid, fb, sizeof fb);
        if (f->present) {
            printf("%-*s %-4u %-8" PRIu64 " %" PRIu64 "\n",
                   uk_pad(flow, 8), flow, f->pmd_id, f->packets,
                   f->instance);
        } else {
            printf("%-*s %-4u %-8" PRIu64 " (absent)\n",
                   uk_pad(flow, 8), flow, f->pmd_id, f->packets);
        }
    }
    if (!n) {
        printf("The datapath has no flows.\n");
    }
    if (st->n_losses) {
        char why[96];
        printf("(%s: the datapath may differ)\n",
               trace_doubt_text(trace_state_doubt(st), why, sizeof why));
    }
    return CMD_OK;
}

/* The locks 'id' holds, printed as the model's "show threads" does. */
static void
print_held(const struct trace_cursor *tc, uint32_t id)
{
    const struct trace_state *st = &tc->cur;
    for (size_t m = 0; m < st->n_umaps; m++) {
        if (st->umaps[m].owner == (int32_t) id) {
            printf("%-43s holds umap[%zu] (taken at %s)\n", "", m,
                   st->umaps[m].where ? st->umaps[m].where : "?");
        }
    }
    for (size_t i = 0; i < st->n_ukeys; i++) {
        const struct trace_ukey *k = &st->ukeys[i];
        if (k->lock_owner == (int32_t) id) {
            printf("%-43s holds ukey#%" PRIu64 " (taken at %s)\n", "", k->id,
                   k->lock_where ? k->lock_where : "?");
        }
    }
}

/* The same as JSON: the model's "holds" array of {"lock", "where"}. */
static void
json_held(const struct trace_cursor *tc, uint32_t id)
{
    const struct trace_state *st = &tc->cur;
    int n = 0;
    printf(",\"holds\":[");
    for (size_t m = 0; m < st->n_umaps; m++) {
        if (st->umaps[m].owner == (int32_t) id) {
            printf("%s{\"lock\":\"umap[%zu]\",\"where\":", n++ ? "," : "",
                   m);
            repl_json_string(st->umaps[m].where);
            printf("}");
        }
    }
    for (size_t i = 0; i < st->n_ukeys; i++) {
        const struct trace_ukey *k = &st->ukeys[i];
        if (k->lock_owner == (int32_t) id) {
            printf("%s{\"lock\":\"ukey#%" PRIu64 "\",\"where\":",
                   n++ ? "," : "", k->id);
            repl_json_string(k->lock_where);
            printf("}");
        }
    }
    printf("]");
}

static enum cmd_status
show_threads(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    const struct trace_state *st = &tc->cur;
    uint32_t max = 1;
    for (size_t i = 0; i < tc->n_threads; i++) {
        max = tc->threads[i].key > max ? (uint32_t) tc->threads[i].key : max;
    }
    for (uint32_t id = max + 1; id < tc->n_seen_threads; id++) {
        max = tc->seen_threads[id] ? id : max;
    }
    if (!r->json) {
        printf("%-3s %-14s %-11s %-13s %-7s %s\n", "ID", "THREAD", "KIND",
               "DOING", "EVENTS", "LOCKS HELD");
    } else {
        printf("[");
    }
    for (uint32_t id = 0; id <= max; id++) {
        const struct trace_name *t = trace_find_thread(tc, id);
        const struct trace_thread *s = id < st->n_threads
                                       ? &st->threads[id] : NULL;
        if (!t && id > 1 && !trace_thread_seen(tc, id)) {
            continue;
        }
        /* Without its start (a snapshot): ukdb's threads 0 and 1 are
         * always main and urcu; the others' kind is unknown. */
        const char *kind = t ? uk_thread_kind_name(t->kind)
                           : id > 1 ? "?"
                           : uk_thread_kind_name(id ? UK_THREAD_URCU
                                                    : UK_THREAD_MAIN);
        if (r->json) {
            printf("%s{\"id\":%u,\"name\":", id ? "," : "", id);
            repl_json_string(trace_thread_name(tc, id));
            printf(",\"kind\":\"%s\",\"doing\":\"%s\",\"events\":%" PRIu64,
                   kind, s && s->op >= 0 ? uk_op_name(s->op) : "-",
                   s ? s->n_events : 0);
            json_held(tc, id);
            printf("}");
            continue;
        }
        const char *name = trace_thread_name(tc, id);
        printf("%-3u %-*s %-11s %-13s %-7" PRIu64 "\n", id,
               uk_pad(name, 14), name, kind,
               s && s->op >= 0 ? uk_op_name(s->op) : "-",
               s ? s->n_events : 0);
        print_held(tc, id);
    }
    if (r->json) {
        printf("]\n");
    }
    return CMD_OK;
}

static enum cmd_status
show_locks(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    const struct trace_state *st = &tc->cur;
    int n = 0;
    if (r->json) {
        printf("[");
        for (size_t m = 0; m < st->n_umaps; m++) {
            if (st->umaps[m].owner >= 0) {
                printf("%s{\"lock\":\"umap[%zu]\",\"held_by\":",
                       n++ ? "," : "", m);
                repl_json_string(owner_name(tc, st->umaps[m].owner));
                printf(",\"where\":");
                repl_json_string(st->umaps[m].where);
                printf("}");
            }
        }
        for (size_t i = 0; i < st->n_ukeys; i++) {
            const struct trace_ukey *k = &st->ukeys[i];
            if (k->lock_owner >= 0) {
                printf("%s{\"lock\":\"ukey#%" PRIu64 "\",\"held_by\":",
                       n++ ? "," : "", k->id);
                repl_json_string(owner_name(tc, k->lock_owner));
                printf(",\"where\":");
                repl_json_string(k->lock_where);
                printf("}");
            }
        }
        printf("]\n");
        return CMD_OK;
    }
    for (size_t m = 0; m < st->n_umaps; m++) {
        if (st->umaps[m].owner >= 0) {
            printf("umap[%zu] held by %s at %s\n", m,
                   owner_name(tc, st->umaps[m].owner),
                   st->umaps[m].where ? st->umaps[m].where : "?");
            n++;
        }
    }
    for (size_t i = 0; i < st->n_ukeys; i++) {
        const struct trace_ukey *k = &st->ukeys[i];
        if (k->lock_owner >= 0) {
            printf("ukey#%" PRIu64 " held by %s at %s\n", k->id,
                   owner_name(tc, k->lock_owner),
                   k->lock_where ? k->lock_where : "?");
            n++;
        }
    }
    if (!n) {
        printf("No lock is held.\n");
    }
    return CMD_OK;
}

static enum cmd_status
show_violations(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    int n = 0;
    for (size_t i = 0; i < tc->n_violations; i++) {
        const struct trace_violation *v = &tc->violations[i];
        const struct ukey_event *e = &v->e;
        if (v->index >= tc->cur.pos) {
            break;
        }
        if (r->json) {
            printf("%s{\"kind\":\"%s\",\"severity\":\"%s\",\"ukey\":%"
                   PRIu64 ",\"thread\":", n++ ? "," : "[",
                   uk_violation_kind_name(e->kind),
                   uk_severity_name(e->result), e->ukey_id);
            repl_json_string(trace_thread_name(tc, e->thread_id));
            printf(",\"other_thread\":");
            repl_json_string(trace_thread_name(tc, e->thread2));
            printf(",\"seq\":%" PRIu64 ",\"earlier_seq\":%" PRIu64
                   ",\"event\":%" PRIu64 ",\"detail\":", e->value, e->value2,
                   v->index + 1);
            repl_json_string(e->name);
            printf("}");
            continue;
        }
        printf("%d. %s %s at event %" PRIu64 ", ukey#%" PRIu64 "\n", ++n,
               uk_severity_name(e->result), uk_violation_kind_name(e->kind),
               v->index + 1, e->ukey_id);
        const char *detail = uk_violation_detail(e->kind, e->name);
        printf("   %s\n", detail);
        if (repl_detail_names_seqs(detail, e->value, e->value2)) {
            continue;           /* The line below would say it again. */
        }
        printf("   by %s (seq %" PRIu64 ")", trace_thread_name(tc,
                                                             e->thread_id),
               e->value);
        if (e->value2) {
            printf(", after %s (seq %" PRIu64 ")",
                   trace_thread_name(tc, e->thread2), e->value2);
        }
        putchar('\n');
    }
    if (r->json) {
        printf("%s]\n", n ? "" : "[");
        return CMD_OK;
    }
    if (!n) {
        printf("No violations.\n");
    }
    if (tc->cur.n_losses) {
        char why[96];
        printf("(%s: the lifecycle rules do not judge what they would "
               "need)\n", trace_doubt_text(trace_state_doubt(&tc->cur), why,
                                          sizeof why));
    }
    return CMD_OK;
}

/* The figures of "show stats" at the cursor, by the names (and in the
 * order) its JSON gives them.  'exact': right even where events were lost
 * before the cursor (the positions and the losses themselves; their sum
 * only while every loss has a known count); the others are folded from
 * the events read. */
struct trace_figure {
    const char *name;
    uint64_t value;
    bool exact;
};
enum {
    TF_EVENTS, TF_OF, TF_LIVE_UKEYS, TF_UKEYS_IN_UMAPS, TF_DATAPATH_FLOWS,
    TF_CREATED, TF_FREED, TF_LOSS_REPORTS, TF_EVENTS_LOST,
    TF_LOSS_REPORTS_OF_UNKNOWN_COUNT, TF_LATE_EVENTS, N_TRACE_FIGURES
};

static void
trace_figures(const struct trace_cursor *tc,
              struct trace_figure f[N_TRACE_FIGURES])
{
    const struct trace_state *st = &tc->cur;
    bool whole = !st->n_losses;
    uint64_t live = 0, in_umap = 0, present = 0;
    for (size_t i = 0; i < st->n_ukeys; i++) {
        live += !st->ukeys[i].n_freed;
        in_umap += st->ukeys[i].in_umap;
    }
    for (size_t i = 0; i < st->n_dp; i++) {
        present += st->dp[i].present;
    }
    const struct trace_figure all[N_TRACE_FIGURES] = {
        [TF_EVENTS] = { "events", st->pos, true },
        [TF_OF] = { "of", tc->n_events, true },
        [TF_LIVE_UKEYS] = { "live_ukeys", live, whole },
        [TF_UKEYS_IN_UMAPS] = { "ukeys_in_umaps", in_umap, whole },
        [TF_DATAPATH_FLOWS] = { "datapath_flows", present, whole },
        [TF_CREATED] = { "created", st->n_created, whole },
        [TF_FREED] = { "freed", st->n_frees, whole },
        [TF_LOSS_REPORTS] = { "loss_reports", st->n_loss_reports, true },
        [TF_EVENTS_LOST] = { "events_lost", st->n_lost,
                             !st->n_losses_unknown },
        [TF_LOSS_REPORTS_OF_UNKNOWN_COUNT] = {
            "loss_reports_of_unknown_count", st->n_losses_unknown, true },
        [TF_LATE_EVENTS] = { "late_events", st->n_late, true },
    };
    memcpy(f, all, sizeof all);
}

bool
trace_stat_value(const struct trace_cursor *tc, const char *name,
                 uint64_t *out, bool *exact)
{
    struct trace_figure f[N_TRACE_FIGURES];
    trace_figures(tc, f);
    for (size_t i = 0; i < N_TRACE_FIGURES; i++) {
        if (!strcmp(f[i].name, name)) {
            *out = f[i].value;
            *exact = f[i].exact;
            return true;
        }
    }
    return false;
}

static enum cmd_status
show_stats(struct repl *r)
{
    const struct trace_state *st = &r->trace->cur;
    struct trace_figure f[N_TRACE_FIGURES];
    trace_figures(r->trace, f);
    if (r->json) {
        for (size_t i = 0; i < N_TRACE_FIGURES; i++) {
            printf("%s\"%s\":%" PRIu64, i ? "," : "{", f[i].name,
                   f[i].value);
        }
        printf("}\n");
        return CMD_OK;
    }
    /* The names are the JSON's and "expect stat"'s, as the model's table
     * is; "of" joins "events", and "events_lost" says how many of the
     * losses were of an unknown count. */
    char lost[64], why[96];
    trace_doubt_text(trace_state_doubt(st), why, sizeof why);
    for (size_t i = 0; i < N_TRACE_FIGURES; i++) {
        if (i == TF_OF || i == TF_LOSS_REPORTS_OF_UNKNOWN_COUNT) {
            continue;
        }
        printf("%-28s ", f[i].name);
        if (i == TF_EVENTS) {
            printf("%" PRIu64 " of %" PRIu64, f[i].value, f[TF_OF].value);
        } else if (i == TF_EVENTS_LOST) {
            fputs(lifecycle_format_lost(lost, sizeof lost, st->n_lost,
                                        st->n_losses_unknown), stdout);
        } else {
            printf("%" PRIu64, f[i].value);
        }
        if (f[i].exact || i == TF_EVENTS_LOST) {
            putchar('\n');
        } else {
            printf("  (uncertain: %s)\n", why);
        }
    }
    return CMD_OK;
}

enum cmd_status
trace_show(struct repl *r, int argc, char *argv[])
{
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "ukey")) {
        if (argc < 3) {
            repl_usage_error(r, "show", "ukey needs an ID or a flow");
            return CMD_ERROR;
        }
        return show_ukey(r, argv[2]);
    }
    if (argc > 2) {
        repl_usage_error(r, "show", "'%s' takes no argument", what);
        return CMD_ERROR;
    }
    static const struct {
        const char *name;
        enum cmd_status (*fn)(struct repl *);
    } table[] = {
        { "ukeys", show_ukeys }, { "umaps", show_umaps }, { "dp", show_dp },
        { "threads", show_threads }, { "locks", show_locks },
        { "violations", show_violations }, { "stats", show_stats },
    };
    for (size_t i = 0; i < UK_ARRAY_SIZE(table); i++) {
        if (!strcmp(what, table[i].name)) {
            return table[i].fn(r);
        }
    }
    repl_usage_error(r, "show", "'%s': on a trace, expected ukeys, ukey, "
                     "umaps, dp, threads, locks, violations or stats", what);
    return CMD_ERROR;
}

/* ==== history / log / when ==== */

/* One event of "history" or "log"; in JSON, an element of an array
 * ('first': none before it). */
static void
print_logged(const struct repl *r, const struct trace_cursor *tc, size_t i,
             bool first)
{
    const struct ukey_event *e = &tc->events[i];
    char buf[300];
    uk_event_format(e, buf, sizeof buf);
    if (r->json) {
        const struct trace_late *late = trace_late_at(tc, i);
        printf("%s{\"event\":%zu,\"seq\":%" PRIu64 ",\"thread\":",
               first ? "" : ",", i + 1, e->seq);
        repl_json_string(trace_thread_name(tc, e->thread_id));
        printf(",\"type\":\"%s\",\"what\":", uk_event_type_name(e->type));
        repl_json_string(buf);
        printf(",\"where\":");
        repl_json_string(e->where);
        /* Not "late": the audit's is an object, of the trace's late
         * events ("after_seq" is its name for the same seq). */
        printf(",\"late_event\":%s", json_bool(late));
        if (late) {
            printf(",\"after_seq\":%" PRIu64, late->after);
        }
        printf("}");
        return;
    }
    const char *thread = trace_thread_name(tc, e->thread_id);
    char late[96];
    printf("  event %-5zu #%-5" PRIu64 " %-*s %s%s%s%s\n", i + 1, e->seq,
           uk_pad(thread, 13), thread, buf, e->where ? "  " : "",
           e->where ? e->where : "", trace_late_note(tc, i, late,
                                                      sizeof late));
}

enum cmd_status
trace_history(struct repl *r, int argc, char *argv[])
{
    const struct trace_cursor *tc = r->trace;
    uint64_t ukey_id = 0, ufid = trace_flow_ufid(tc, argv[1]);
    (void) argc;
    if (!ufid) {
        if (!uk_parse_ukey_id(argv[1], &ukey_id)) {
            repl_usage_error(r, "history", "'%s': not a ukey id or a flow of "
                             "the trace", argv[1]);
            return CMD_ERROR;
        }
        /* As on the model, a ukey that is nowhere (in the events read so
         * far) is an error, not an empty history; one the cursor has not
         * reached yet has "nothing" so far. */
        size_t i = 0;
        while (i < tc->n_events
               && !uk_event_in_history(&tc->events[i], ukey_id, 0)) {
            i++;
        }
        if (i == tc->n_events) {
            repl_usage_error(r, "history", "'%s': no such ukey in the trace",
                             argv[1]);
            return CMD_ERROR;
        }
    }
    int n = 0;
    if (r->json) {
        printf("[");
    }
    for (size_t i = 0; i < tc->cur.pos; i++) {
        const struct ukey_event *e = &tc->events[i];
        if (uk_event_in_history(e, ukey_id, ufid)) {
            print_logged(r, tc, i, !n);
            n++;
        }
        for (size_t k = 0; k < tc->n_losses && !r->json; k++) {
            if (tc->losses[k].pos == i + 1 && n) {
                /* Seqs given up on may come late, then listed where
                 * they come. */
                printf("  *** events %s here: the history may be "
                       "incomplete\n", tc->losses[k].held
                       ? "given up on (late or lost)" : "lost");
            }
        }
    }
    if (r->json) {
        printf("]\n");
    } else if (!n) {
        printf("Nothing has happened to %s before event %" PRIu64 ".\n",
               argv[1], tc->cur.pos);
    }
    return CMD_OK;
}

enum cmd_status
trace_log(struct repl *r, int argc, char *argv[])
{
    const struct trace_cursor *tc = r->trace;
    uint64_t n = 20;
    if (argc > 1 && !repl_number_arg(r, "log", argv[1], 1, UINT64_MAX, &n)) {
        return CMD_ERROR;
    }
    size_t start = tc->cur.pos > n ? tc->cur.pos - (size_t) n : 0;
    if (r->json) {
        printf("[");
    }
    for (size_t i = start; i < tc->cur.pos; i++) {
        print_logged(r, tc, i, i == start);
        if (!r->json) {
            trace_print_losses_at(tc, i + 1);
        }
    }
    if (r->json) {
        printf("]\n");
    }
    return CMD_OK;
}

enum cmd_status
trace_when(struct repl *r, int argc, char *argv[])
{
    const struct trace_cursor *tc = r->trace;
    (void) argc;
    (void) argv;
    if (r->json) {
        const struct ukey_event *e = tc->cur.pos
                                     ? &tc->events[tc->cur.pos - 1] : NULL;
        printf("{\"events\":%" PRIu64 ",\"of\":%zu,", tc->cur.pos,
               tc->n_events);
        if (e) {
            printf("\"seq\":%" PRIu64 ",\"ts\":%" PRIu64 ",", e->seq, e->ts);
        }
        printf("\"trace\":");
        repl_json_string(tc->path);
        printf(",\"live\":%s}\n", json_bool(tc->live != NULL));
        return CMD_OK;
    }
    if (!tc->cur.pos) {
        printf("event 0 of %zu (before the first), trace %s%s\n",
               tc->n_events, tc->path, tc->live ? " (live)"
               : tc->was_live ? " (the live session ended)" : "");
        return CMD_OK;
    }
    const struct ukey_event *e = &tc->events[tc->cur.pos - 1];
    char t[64];
    trace_format_time(tc, e->ts, t, sizeof t);
    printf("event %" PRIu64 " of %zu (seq %" PRIu64 ", %s, ts %" PRIu64
           " ns), trace %s%s\n", tc->cur.pos, tc->n_events, e->seq, t, e->ts,
           tc->path, tc->live ? " (live)"
                     : tc->was_live ? " (the live session ended)" : "");
    return CMD_OK;
}

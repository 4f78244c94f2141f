/* SPDX-License-Identifier: Apache-2.0 */
/* Inspection: show (ukeys, ukey, umaps, dp, threads, locks, rcu, stats,
 * violations, variant, config), history, log and when.  Tables are aligned
 * text, or JSON after "set output json". */
#include "repl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ==== Helpers ==== */

static const char *
held_by(const struct uk_mutex *m)
{
    return m->owner ? m->owner->name : "-";
}

void
repl_json_string(const char *s)
{
    uk_json_string(stdout, s);
}

static bool
ukey_pending_free(const struct repl *r, const struct ukey *k)
{
    for (size_t i = 0; i < r->udpif->n_rcu_cbs; i++) {
        if (r->udpif->rcu_cbs[i].ukey == k) {
            return true;
        }
    }
    return false;
}

/* Every ukey, oldest first. */
static size_t
ukeys_in_order(const struct repl *r, struct ukey ***out)
{
    size_t n = 0;
    for (struct ukey *u = r->udpif->all_ukeys; u; u = u->next_all) {
        n++;
    }
    struct ukey **v = uk_xcalloc(n ? n : 1, sizeof *v);
    size_t i = n;
    for (struct ukey *u = r->udpif->all_ukeys; u; u = u->next_all) {
        v[--i] = u;
    }
    *out = v;
    return n;
}

static const char *
ukey_life(const struct ukey *k)
{
    return k->n_freed ? "freed" : k->in_umap ? "in umap" : "out of umap";
}

/* ==== show ukeys / ukey ==== */

static enum cmd_status
show_ukeys(struct repl *r)
    /* Reads guarded ukey fields unlocked: the REPL runs between steps,
     * when no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    struct ukey **v;
    size_t n = ukeys_in_order(r, &v);
    if (r->json) {
        printf("[");
        for (size_t i = 0; i < n; i++) {
            const struct ukey *k = v[i];
            printf("%s{\"id\":%" PRIu64 ",\"flow\":", i ? "," : "", k->id);
            repl_json_string(k->flow->name);
            printf(",\"pmd_id\":%u,\"umap\":%d,\"state\":\"%s\","
                   "\"in_umap\":%s,\"freed\":%s,\"frees\":%u,"
                   "\"postponed\":%u}", k->pmd_id, k->umap,
                   ukey_state_name(k->state), k->in_umap ? "true" : "false",
                   k->n_freed ? "true" : "false", k->n_freed,
                   k->n_postponed);
        }
        printf("]\n");
    } else if (!n) {
        printf("No ukeys.\n");
    } else {
        printf("%-6s %-8s %-4s %-5s %-13s %-12s %-14s %s\n", "UKEY", "FLOW",
               "PMD", "UMAP", "STATE", "WHERE", "LOCK", "LAST TRANSITION");
        for (size_t i = 0; i < n; i++) {
            const struct ukey *k = v[i];
            char id[24];
            snprintf(id, sizeof id, "#%" PRIu64, k->id);
            const char *owner = held_by(&k->mutex);
            printf("%-6s %-*s %-4u %-5d %-13s %-12s %-*s %s (%s)\n", id,
                   uk_pad(k->flow->name, 8), k->flow->name, k->pmd_id,
                   k->umap, ukey_state_name(k->state), ukey_life(k),
                   uk_pad(owner, 14), owner,
                   udpif_thread_name(r->udpif, k->state_thread),
                   k->state_where);
        }
    }
    free(v);
    return CMD_OK;
}

static enum cmd_status
show_ukey(struct repl *r, const char *arg)
    /* Reads guarded ukey fields unlocked: the REPL runs between steps,
     * when no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    struct ukey *k = repl_ukey_arg(r, "show", arg);
    if (!k) {
        return CMD_ERROR;
    }
    if (r->json) {
        printf("{\"id\":%" PRIu64 ",\"flow\":", k->id);
        repl_json_string(k->flow->name);
        printf(",\"ufid\":\"%016" PRIx64 "\",\"pmd_id\":%u,"
               "\"state\":\"%s\",\"state_thread\":", k->ufid, k->pmd_id,
               ukey_state_name(k->state));
        repl_json_string(udpif_thread_name(r->udpif, k->state_thread));
        printf(",\"state_where\":");
        repl_json_string(k->state_where);
        printf(",\"umap\":%d,\"in_umap\":%s,\"lock\":", k->umap,
               k->in_umap ? "true" : "false");
        repl_json_string(held_by(&k->mutex));
        printf(",\"dump_seq\":%" PRIu64 ",\"reval_seq\":%" PRIu64
               ",\"missed_dumps\":%u,\"stats_packets\":%" PRIu64
               ",\"pending_free\":%s,\"postponed\":%u,\"freed\":%s"
               ",\"frees\":%u}\n", k->dump_seq, k->reval_seq, k->missed_dumps,
               k->stats_packets, ukey_pending_free(r, k) ? "true" : "false",
               k->n_postponed, k->n_freed ? "true" : "false", k->n_freed);
        return CMD_OK;
    }
    printf("ukey #%" PRIu64 " of flow %s (ufid %016" PRIx64 ", pmd %u)\n",
           k->id, k->flow->name, k->ufid, k->pmd_id);
    printf("  state        %s\n", ukey_state_name(k->state));
    printf("  last change  by %s at %s\n",
           udpif_thread_name(r->udpif, k->state_thread), k->state_where);
    printf("  umap         [%d], %s\n", k->umap, ukey_life(k));
    printf("  lock         %s%s%s\n", held_by(&k->mutex),
           k->mutex.owner ? " at " : "",
           k->mutex.owner ? k->mutex.where : "");
    printf("  dump_seq %" PRIu64 ", reval_seq %" PRIu64 ", missed_dumps %u, "
           "stats %" PRIu64 " packets\n", k->dump_seq, k->reval_seq,
           k->missed_dumps, k->stats_packets);
    printf("  rcu          %s%s\n",
           ukey_pending_free(r, k) ? "free pending" : "no pending free",
           k->n_freed ? (k->n_freed > 1 ? ", freed MORE THAN ONCE"
                                        : ", freed") : "");
    return CMD_OK;
}

/* ==== show umaps / dp ==== */

static enum cmd_status
show_umaps(struct repl *r)
    /* Reads guarded ukey fields unlocked: the REPL runs between steps,
     * when no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    struct ukey *ks[256];
    if (r->json) {
        printf("[");
    }
    for (unsigned int i = 0; i < r->udpif->cfg.n_umaps; i++) {
        const struct umap *m = &r->udpif->umaps[i];
        size_t n = udpif_umap_ukeys(r->udpif, (int) i, ks, 256);
        if (r->json) {
            printf("%s{\"umap\":%u,\"lock\":", i ? "," : "", i);
            repl_json_string(held_by(&m->mutex));
            printf(",\"ukeys\":[");
            for (size_t j = 0; j < n && j < 256; j++) {
                printf("%s{\"id\":%" PRIu64 ",\"flow\":", j ? "," : "",
                       ks[j]->id);
                repl_json_string(ks[j]->flow->name);
                printf(",\"state\":\"%s\"}", ukey_state_name(ks[j]->state));
            }
            printf("]}");
            continue;
        }
        const char *owner = held_by(&m->mutex);
        printf("umap[%u]  lock %-*s ", i, uk_pad(owner, 12), owner);
        if (!n) {
            printf("(empty)");
        }
        for (size_t j = 0; j < n && j < 256; j++) {
            printf(" #%" PRIu64 " %s %s", ks[j]->id, ks[j]->flow->name,
                   ukey_state_name(ks[j]->state));
        }
        putchar('\n');
    }
    if (r->json) {
        printf("]\n");
    }
    return CMD_OK;
}

enum cmd_status cmd_show_dp(struct repl *r);


/* Whether "dp show" lists 'f': present, or with a fault to come. */
static bool
dp_flow_shown(const struct dp_flow *f)
{
    return f->present || f->fail_put || f->fail_del || f->fail_modify;
}

/* "dp show" in JSON: one object per row of the table, with the same
 * columns ("instance" null for an absent flow) and its faults by
 * operation, {"put":"EFBIG"}. */
static void
json_dp(const struct udpif *u)
{
    static const char *const ops[] = { "put", "del", "modify" };
    char buf[16];
    int n = 0;
    printf("[");
    for (size_t i = 0; i < u->n_dp_flows; i++) {
        const struct dp_flow *f = &u->dp_flows[i];
        if (!dp_flow_shown(f)) {
            continue;
        }
        printf("%s{\"flow\":", n++ ? "," : "");
        repl_json_string(f->flow->name);
        printf(",\"pmd_id\":%u,\"packets\":%" PRIu64 ",\"present\":%s",
               f->pmd_id, f->packets, f->present ? "true" : "false");
        if (f->present) {
            printf(",\"instance\":%" PRIu64, f->instance);
        } else {
            printf(",\"instance\":null");
        }
        const int faults[] = { f->fail_put, f->fail_del, f->fail_modify };
        int n_faults = 0;
        printf(",\"faults\":{");
        for (size_t j = 0; j < UK_ARRAY_SIZE(ops); j++) {
            if (faults[j]) {
                printf("%s\"%s\":", n_faults++ ? "," : "", ops[j]);
                repl_json_string(uk_errno_arg(faults[j], buf, sizeof buf));
            }
        }
        printf("},\"dup\":%d}", f->dup);
    }
    printf("]\n");
}

enum cmd_status
cmd_show_dp(struct repl *r)
{
    const struct udpif *u = r->udpif;
    if (r->json) {
        json_dp(u);
        return CMD_OK;
    }
    int n = 0;
    char buf[16];
    for (size_t i = 0; i < u->n_dp_flows; i++) {
        const struct dp_flow *f = &u->dp_flows[i];
        if (!dp_flow_shown(f)) {
            continue;
        }
        if (!n++) {
            printf("%-8s %-4s %-8s %-9s %s\n", "FLOW", "PMD", "PACKETS",
                   "INSTANCE", "FAULTS");
        }
        char instance[24];
        if (f->present) {
            snprintf(instance, sizeof instance, "%" PRIu64, f->instance);
        } else {
            snprintf(instance, sizeof instance, "(absent)");
        }
        printf("%-*s %-4u %-8" PRIu64 " %s", uk_pad(f->flow->name, 8),
               f->flow->name, f->pmd_id, f->packets, instance);
        if (f->fail_put || f->fail_del || f->fail_modify || f->dup) {
            int pad = 9 - (int) strlen(instance);
            printf("%*s", pad > 0 ? pad : 0, "");
        }
        if (f->fail_put) {
            printf(" put:%s", uk_errno_arg(f->fail_put, buf, sizeof buf));
        }
        if (f->fail_del) {
            printf(" del:%s", uk_errno_arg(f->fail_del, buf, sizeof buf));
        }
        if (f->fail_modify) {
            printf(" modify:%s",
                   uk_errno_arg(f->fail_modify, buf, sizeof buf));
        }
        if (f->dup) {
            printf(" dup:%d", f->dup);
        }
        putchar('\n');
    }
    if (!n) {
        printf("The datapath has no flows.\n");
    }
    return CMD_OK;
}

/* ==== show threads / locks / rcu ==== */

/* "umap[3]" or "ukey#1": the name of mutex 'm' in 'buf'. */
static const char *
mutex_name(const struct uk_mutex *m, char *buf, size_t size)
{
    if (m->target == UK_LOCK_UMAP) {
        snprintf(buf, size, "umap[%d]", m->umap);
    } else {
        snprintf(buf, size, "ukey#%" PRIu64, m->ukey->id);
    }
    return buf;
}

static void
json_threads(struct repl *r)
{
    printf("[");
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        const struct uk_thread *t = r->udpif->threads[i];
        char next[256], m[64];
        uk_action_format(&t->next, next, sizeof next);
        printf("%s{\"id\":%u,\"name\":", i ? "," : "", t->id);
        repl_json_string(t->name);
        printf(",\"kind\":\"%s\",\"status\":\"%s\",\"steps\":%" PRIu64
               ",\"next\":", uk_thread_kind_name(t->kind),
               uk_thread_runnable(t) ? (t->busy ? "runnable" : "ready")
                                     : (t->busy ? "blocked" : "idle"),
               t->n_steps);
        repl_json_string(t->busy || uk_thread_runnable(t) ? next : "-");
        printf(",\"holds\":[");
        for (int k = 0; k < t->n_held; k++) {
            printf("%s{\"lock\":\"%s\",\"where\":", k ? "," : "",
                   mutex_name(t->held[k], m, sizeof m));
            repl_json_string(t->held[k]->where);
            printf("}");
        }
        printf("]}");
    }
    printf("]\n");
}

static enum cmd_status
show_threads(struct repl *r)
{
    if (r->json) {
        json_threads(r);
        return CMD_OK;
    }
    printf("%-3s %-14s %-11s %-9s %-6s %s\n", "ID", "THREAD", "KIND",
           "STATUS", "STEPS", "NEXT ACTION / LOCKS HELD");
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        const struct uk_thread *t = r->udpif->threads[i];
        char next[256];
        uk_action_format(&t->next, next, sizeof next);
        const char *status = uk_thread_runnable(t)
                             ? (t->busy ? "runnable" : "ready")
                             : (t->busy ? "BLOCKED" : "idle");
        printf("%-3u %-*s %-11s %-9s %-6" PRIu64 " %s\n", t->id,
               uk_pad(t->name, 14), t->name,
               uk_thread_kind_name(t->kind), status, t->n_steps,
               t->busy || uk_thread_runnable(t) ? next : "-");
        for (int k = 0; k < t->n_held; k++) {
            char m[64];
            printf("%-49s holds %s (taken at %s)\n", "",
                   mutex_name(t->held[k], m, sizeof m), t->held[k]->where);
        }
    }
    return CMD_OK;
}

static enum cmd_status
show_locks(struct repl *r)
{
    int n = 0;
    if (r->json) {
        printf("[");
    }
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        const struct uk_thread *t = r->udpif->threads[i];
        for (int k = 0; k < t->n_held; k++) {
            char m[64];
            mutex_name(t->held[k], m, sizeof m);
            if (r->json) {
                printf("%s{\"lock\":\"%s\",\"held_by\":", n ? "," : "", m);
                repl_json_string(t->name);
                printf(",\"where\":");
                repl_json_string(t->held[k]->where);
                printf("}");
            } else {
                printf("%s held by %s at %s\n", m, t->name,
                       t->held[k]->where);
            }
            n++;
        }
    }
    if (r->json) {
        printf("]\n");
    } else if (!n) {
        printf("No lock is held.\n");
    }
    return CMD_OK;
}

static enum cmd_status
show_rcu(struct repl *r)
{
    size_t ready;
    size_t n = udpif_rcu_pending(r->udpif, &ready);
    if (r->json) {
        printf("{\"ready\":%zu,\"postponed\":[", ready);
    } else {
        printf("%zu postponed free%s, %zu ready to run (\"rcu step\" runs "
               "one)\n", n, n == 1 ? "" : "s", ready);
    }
    for (size_t i = 0; i < n; i++) {
        const struct uk_rcu_cb *cb = &r->udpif->rcu_cbs[i];
        const char *by = udpif_thread_name(r->udpif, cb->thread_id);
        if (r->json) {
            printf("%s{\"ukey\":%" PRIu64 ",\"by\":", i ? "," : "",
                   cb->ukey->id);
            repl_json_string(by);
            printf(",\"step\":%" PRIu64 ",\"waiting_for\":[", cb->stamp);
        } else {
            printf("  ukey#%" PRIu64 " postponed by %s at step %" PRIu64 "\n",
                   cb->ukey->id, by, cb->stamp);
        }
        int w = 0;
        for (size_t k = 0; k < r->udpif->n_threads; k++) {
            const struct uk_thread *t = r->udpif->threads[k];
            if (uk_thread_holds_rcu_cb(t, cb)) {
                if (r->json) {
                    printf("%s", w++ ? "," : "");
                    repl_json_string(t->name);
                } else {
                    printf("    waiting for %s to quiesce\n", t->name);
                }
            }
        }
        if (r->json) {
            printf("]}");
        }
    }
    if (r->json) {
        printf("]}\n");
    }
    return CMD_OK;
}

/* ==== show stats ==== */

struct stat_field {
    const char *name;
    size_t offset;
};

#define STAT_(NAME) { #NAME, offsetof(struct udpif_stats, NAME) }
static const struct stat_field stat_fields[] = {
    STAT_(upcalls), STAT_(installs), STAT_(replacements),
    STAT_(slowpath_packets), STAT_(fastpath_packets), STAT_(dp_puts),
    STAT_(dp_dels), STAT_(dp_put_errors), STAT_(dp_del_errors),
    STAT_(evictions), STAT_(created), STAT_(freed), STAT_(violations),
    STAT_(warnings),
};

/* The JSON name of 'f': the errors the checker found are "errors", as in
 * "audit --format json" and "load --format json", where "violations" is
 * the audit's list of them (the text table keeps "violations"). */
static const char *
stat_json_name(const struct stat_field *f)
{
    return (f->offset == offsetof(struct udpif_stats, violations)
            ? "errors" : f->name);
}

/* Looks up a statistic or coverage counter by name ("slowpath" is short
 * for slowpath_packets, "errors" the JSON name of violations).  Returns
 * false if unknown. */
bool repl_stat_value(const struct repl *r, const char *name, uint64_t *out);

/* The figures "show stats" shares with a trace's (repl/trace-show.c), by
 * the names its JSON gives them: the events so far, the ukeys not freed,
 * those in a umap, and the datapath flows present. */
struct model_figure {
    const char *name;
    uint64_t value;
};
enum { N_MODEL_FIGURES = 4 };

static void
model_figures(const struct repl *r, struct model_figure f[N_MODEL_FIGURES])
    /* Reads guarded ukey fields unlocked: the REPL runs between steps,
     * when no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    uint64_t live = 0, in_umap = 0, present = 0;
    for (const struct ukey *u = r->udpif->all_ukeys; u; u = u->next_all) {
        live += !u->n_freed;
        in_umap += u->in_umap;
    }
    for (size_t i = 0; i < r->udpif->n_dp_flows; i++) {
        present += r->udpif->dp_flows[i].present;
    }
    f[0] = (struct model_figure) { "events", r->sess.n_events };
    f[1] = (struct model_figure) { "live_ukeys", live };
    f[2] = (struct model_figure) { "ukeys_in_umaps", in_umap };
    f[3] = (struct model_figure) { "datapath_flows", present };
}

bool
repl_stat_value(const struct repl *r, const char *name, uint64_t *out)
{
    const struct udpif_stats *s = &r->udpif->stats;
    char full[64];
    snprintf(full, sizeof full, "%s_packets", name);
    for (size_t i = 0; i < UK_ARRAY_SIZE(stat_fields); i++) {
        if (!strcmp(stat_fields[i].name, name)
            || !strcmp(stat_fields[i].name, full)
            || !strcmp(stat_json_name(&stat_fields[i]), name)) {
            *out = *(const uint64_t *) ((const char *) s
                                        + stat_fields[i].offset);
            return true;
        }
    }
    if (!strcmp(name, "rounds")) {
        *out = r->udpif->n_rounds;
        return true;
    }
    if (!strcmp(name, "steps")) {
        *out = r->udpif->time;
        return true;
    }
    struct model_figure f[N_MODEL_FIGURES];
    model_figures(r, f);
    for (size_t i = 0; i < N_MODEL_FIGURES; i++) {
        if (!strcmp(name, f[i].name)) {
            *out = f[i].value;
            return true;
        }
    }
    int c = uk_coverage_from_name(name);
    if (c >= 0) {
        *out = s->coverage[c];
        return true;
    }
    return false;
}

static void
json_trace_figures(const struct repl *r)
{
    struct model_figure f[N_MODEL_FIGURES];
    model_figures(r, f);
    for (size_t i = 0; i < N_MODEL_FIGURES; i++) {
        printf(",\"%s\":%" PRIu64, f[i].name, f[i].value);
    }
}

static enum cmd_status
show_stats(struct repl *r)
{
    const struct udpif_stats *s = &r->udpif->stats;
    if (r->json) {
        printf("{\"steps\":%" PRIu64 ",\"rounds\":%" PRIu64,
               r->udpif->time, r->udpif->n_rounds);
        json_trace_figures(r);
        for (size_t i = 0; i < UK_ARRAY_SIZE(stat_fields); i++) {
            printf(",\"%s\":%" PRIu64, stat_json_name(&stat_fields[i]),
                   *(const uint64_t *) ((const char *) s
                                        + stat_fields[i].offset));
        }
        for (int c = 0; c < N_UK_COVERAGES; c++) {
            printf(",\"%s\":%" PRIu64, uk_coverage_name(c), s->coverage[c]);
        }
        printf("}\n");
        return CMD_OK;
    }
    printf("%-28s %" PRIu64 "\n", "steps", r->udpif->time);
    printf("%-28s %" PRIu64 "\n", "rounds", r->udpif->n_rounds);
    for (size_t i = 0; i < UK_ARRAY_SIZE(stat_fields); i++) {
        printf("%-28s %" PRIu64 "\n", stat_fields[i].name,
               *(const uint64_t *) ((const char *) s + stat_fields[i].offset));
    }
    for (int c = 0; c < N_UK_COVERAGES; c++) {
        if (s->coverage[c]) {
            printf("%-28s %" PRIu64 "\n", uk_coverage_name(c),
                   s->coverage[c]);
        }
    }
    return CMD_OK;
}

/* ==== show violations ==== */

/* Whether 'detail' names "seq N" for 'seq', and for 'seq2' unless 0. */
static bool
names_seq(const char *detail, uint64_t seq)
{
    char word[32];
    int len = snprintf(word, sizeof word, "seq %" PRIu64, seq);
    for (const char *p = strstr(detail, word); p; p = strstr(p + 1, word)) {
        if (p[len] < '0' || p[len] > '9') {
            return true;
        }
    }
    return false;
}

bool
repl_detail_names_seqs(const char *detail, uint64_t seq, uint64_t seq2)
{
    return names_seq(detail, seq) && (!seq2 || names_seq(detail, seq2));
}

/* The step of the session's event of seq 'seq', as "at step N" (or
 * nothing, for an event the session does not hold). */
static const char *
step_of_seq(const struct repl *r, uint64_t seq, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < r->sess.n_events; i++) {
        if (r->sess.events[i].e.seq == seq) {
            snprintf(buf, size, " at step %" PRIu64, r->sess.events[i].step);
            break;
        }
    }
    return buf;
}

/* The threads and steps behind violation 'e': the seqs its detail gives
 * are events, the steps are where "goto" goes. */
static void
print_violation_steps(const struct repl *r, const struct ukey_event *e)
{
    char step[48];
    printf("   by %s%s (seq %" PRIu64 ")",
           udpif_thread_name(r->udpif, e->thread_id),
           step_of_seq(r, e->value, step, sizeof step), e->value);
    if (e->value2) {
        printf(", after %s%s (seq %" PRIu64 ")",
               udpif_thread_name(r->udpif, e->thread2),
               step_of_seq(r, e->value2, step, sizeof step), e->value2);
    }
    putchar('\n');
}

static enum cmd_status
show_violations(struct repl *r)
{
    int n = 0;
    for (size_t i = 0; i < r->sess.n_events; i++) {
        const struct repl_event *le = &r->sess.events[i];
        const struct ukey_event *e = &le->e;
        if (e->type != UK_EV_VIOLATION) {
            continue;
        }
        if (r->json) {
            printf("%s{\"kind\":\"%s\",\"severity\":\"%s\",\"ukey\":%"
                   PRIu64 ",\"thread\":", n ? "," : "[",
                   uk_violation_kind_name(e->kind),
                   uk_severity_name(e->result), e->ukey_id);
            repl_json_string(udpif_thread_name(r->udpif, e->thread_id));
            printf(",\"other_thread\":");
            repl_json_string(udpif_thread_name(r->udpif, e->thread2));
            printf(",\"seq\":%" PRIu64 ",\"earlier_seq\":%" PRIu64
                   ",\"step\":%" PRIu64 ",\"detail\":", e->value, e->value2,
                   le->step);
            repl_json_string(e->name);
            printf("}");
        } else {
            printf("%d. %s %s at step %" PRIu64 ", ukey#%" PRIu64 "\n",
                   n + 1, uk_severity_name(e->result),
                   uk_violation_kind_name(e->kind), le->step, e->ukey_id);
            printf("   %s\n", uk_violation_detail(e->kind, e->name));
            print_violation_steps(r, e);
        }
        n++;
    }
    if (r->json) {
        printf(n ? "]\n" : "[]\n");
    } else if (!n) {
        printf("No violations.\n");
    }
    return CMD_OK;
}

static enum cmd_status
show_config(struct repl *r)
{
    const struct udpif_config *c = &r->cfg;
    const char *datapath = c->datapath == UK_DP_KERNEL ? "kernel" : "netdev";
    if (r->json) {
        printf("{\"variant\":");
        repl_json_string(c->variant->name);
        printf(",\"commit\":");
        repl_json_string(c->variant->commit);
        printf(",\"datapath\":\"%s\",\"umaps\":%u,\"dump_batch\":%u,"
               "\"upcall_batch\":%u,\"flow_limit\":%u,\"stuck_rounds\":%u,"
               "\"slowpath_rounds\":%u}\n", datapath, c->n_umaps,
               c->dump_batch, c->upcall_batch, c->flow_limit, c->stuck_rounds,
               c->slowpath_rounds);
        return CMD_OK;
    }
    printf("%-16s%s (%s)\n", "variant", c->variant->name,
           c->variant->commit);
    printf("%-16s%s\n", "datapath", datapath);
    const struct { const char *name; unsigned int value; } n[] = {
        { "umaps", c->n_umaps }, { "dump-batch", c->dump_batch },
        { "upcall-batch", c->upcall_batch }, { "flow-limit", c->flow_limit },
        { "stuck-rounds", c->stuck_rounds },
        { "slowpath-rounds", c->slowpath_rounds },
    };
    for (size_t i = 0; i < UK_ARRAY_SIZE(n); i++) {
        printf("%-16s%u\n", n[i].name, n[i].value);
    }
    return CMD_OK;
}

enum cmd_status
cmd_show(struct repl *r, int argc, char *argv[])
{
    const char *what = argv[1];
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
    struct {
        const char *name;
        enum cmd_status (*fn)(struct repl *);
    } table[] = {
        { "ukeys", show_ukeys }, { "umaps", show_umaps },
        { "dp", cmd_show_dp }, { "threads", show_threads },
        { "locks", show_locks }, { "rcu", show_rcu },
        { "stats", show_stats }, { "violations", show_violations },
        { "config", show_config }, { "variant", show_config },
    };
    for (size_t i = 0; i < UK_ARRAY_SIZE(table); i++) {
        if (!strcmp(what, table[i].name)) {
            return table[i].fn(r);
        }
    }
    repl_usage_error(r, "show", "'%s': expected ukeys, ukey, umaps, dp, "
                     "threads, locks, rcu, stats, violations or config",
                     what);
    return CMD_ERROR;
}

void
complete_show(struct repl *r, int argi, char *argv[],
              void (*add)(void *, const char *), void *aux)
{
    static const char *const whats[] = {
        "ukeys", "ukey", "umaps", "dp", "threads", "locks", "rcu", "stats",
        "violations", "config",
    };
    if (argi == 1) {
        for (size_t i = 0; i < UK_ARRAY_SIZE(whats); i++) {
            add(aux, whats[i]);
        }
    } else if (argi == 2 && !strcmp(argv[1], "ukey")) {
        complete_flow(r, argi, argv, add, aux);
    }
}

/* ==== history / log / when ==== */

/* One event of "history" or "log"; in JSON, an element of an array
 * ('first': none before it), as on a trace, with its step. */
static void
print_logged(const struct repl *r, const struct repl_event *le, bool first)
{
    char buf[300];
    uk_event_format(&le->e, buf, sizeof buf);
    if (r->json) {
        printf("%s{\"step\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"thread\":",
               first ? "" : ",", le->step, le->e.seq);
        repl_json_string(udpif_thread_name(r->udpif, le->e.thread_id));
        printf(",\"type\":\"%s\",\"what\":", uk_event_type_name(le->e.type));
        repl_json_string(buf);
        printf(",\"where\":");
        repl_json_string(le->e.where);
        printf("}");
        return;
    }
    const char *thread = udpif_thread_name(r->udpif, le->e.thread_id);
    printf("  step %-4" PRIu64 " #%-5" PRIu64 " %-*s %s%s%s\n", le->step,
           le->e.seq, uk_pad(thread, 13), thread, buf,
           le->e.where ? "  " : "", le->e.where ? le->e.where : "");
}

enum cmd_status
cmd_history(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    uint64_t ukey_id = 0, ufid = 0;
    struct uk_flow *f = udpif_find_flow(r->udpif, argv[1]);
    if (f) {
        ufid = f->ufid;
    } else {
        struct ukey *k = repl_ukey_arg(r, "history", argv[1]);
        if (!k) {
            return CMD_ERROR;
        }
        ukey_id = k->id;
    }
    int n = 0;
    if (r->json) {
        printf("[");
    }
    for (size_t i = 0; i < r->sess.n_events; i++) {
        const struct repl_event *le = &r->sess.events[i];
        const struct ukey_event *e = &le->e;
        if (uk_event_in_history(e, ukey_id, ufid)) {
            print_logged(r, le, !n);
            n++;
        }
    }
    if (r->json) {
        printf("]\n");
    } else if (!n) {
        printf("Nothing has happened to %s yet.\n", argv[1]);
    }
    return CMD_OK;
}

enum cmd_status
cmd_log(struct repl *r, int argc, char *argv[])
{
    uint64_t n = 20;
    if (argc > 1 && !repl_number_arg(r, "log", argv[1], 1, UINT64_MAX, &n)) {
        return CMD_ERROR;
    }
    size_t start = r->sess.n_events > n ? r->sess.n_events - (size_t) n : 0;
    if (r->json) {
        printf("[");
    }
    for (size_t i = start; i < r->sess.n_events; i++) {
        print_logged(r, &r->sess.events[i], i == start);
    }
    if (r->json) {
        printf("]\n");
    }
    return CMD_OK;
}

enum cmd_status
cmd_when(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    if (r->json) {
        printf("{\"step\":%" PRIu64 ",\"events\":%zu,\"variant\":",
               r->udpif->time, r->sess.n_events);
        repl_json_string(r->cfg.variant->name);
        printf("}\n");
        return CMD_OK;
    }
    printf("step %" PRIu64 ", %zu events, variant %s\n", r->udpif->time,
           r->sess.n_events, r->cfg.variant->name);
    return CMD_OK;
}

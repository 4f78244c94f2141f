/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold's stale-actions rule: a datapath flow whose actions
 * were computed under an older version of its OpenFlow rules, left so by a
 * whole revalidator round that began after the rules changed and that
 * dumped it (B-14 57db02104, B-16 8f0e86f84).
 *
 * What it follows: the rules version of each flow (rule_change events,
 * kept by ufid in 'lc->rules'), the version of the actions each datapath
 * flow instance holds (the 'value' of the dp_put that created or modified
 * it), each revalidator's round (its op_begin ROUND, DUMP and SWEEP), and
 * the events that excuse a round for leaving a flow stale (below).
 *
 * The rule, at the end of round R (its first op_end ROUND, as every round
 * rule): an ERROR for a datapath flow instance that
 *
 *   - holds actions of a rules version older than its flow's,
 *   - whose flow's latest rule change came before the dumping
 *     revalidator's op_begin ROUND of R (a later change is the next
 *     round's to apply: OVS reads reval_seq as the dump begins),
 *   - that R's dump returned (a FRESH dp_dump, after the put that created
 *     this instance),
 *   - in a round that ran both its dump and its sweep,
 *   - whose ukey in the umap, at the end of R, is the one whose actions
 *     it holds: the ukey whose put created (or modified) it, or that
 *     adopted it (another one, such as a handler's whose put of the flow
 *     failed with EEXIST, has actions of its own),
 *   - with nothing in R excusing it: a failed trylock of a ukey of the
 *     flow, a failed datapath op on the flow, a coverage event of
 *     contention or of a ukey in an unexpected state, about the flow or
 *     about no flow at all (an adoption that lost a race), or a loss.
 *
 * Upstream revalidates such a flow in R's dump (its ukey's reval_seq is
 * behind: a new ukey's is the one of its translation, an adopted one's
 * one less, never a value the dump read, since no two values of a seq are
 * consecutive (lib/seq.c), and dump_seq starts at 0) and corrects its
 * actions, or deletes it; the excuses are the ways it can be prevented.
 * Reported once per instance and rules version.  A trace without
 * rule_change events (older than them) never triggers it. */
#include "lifecycle-private.h"

#include <stdlib.h>

#include "util.h"

/* The rules of one flow: its version and the latest change. */
struct lc_rules {
    uint64_t version;           /* Of the latest rule_change. */
    uint64_t changed;           /* Its input index. */
    struct lifecycle_evidence ev;   /* That rule_change. */
};

/* A flow instance a round's dump returned while it was stale. */
struct lc_stale {
    uint32_t k;                 /* Flow record: checked against... */
    uint64_t ufid;              /* ...its identity, */
    uint32_t pmd_id;
    uint64_t instance;          /* ...and its instance. */
    uint64_t round;             /* The round that dumped it. */
    uint64_t begin;             /* Index of that round's op_begin. */
    uint32_t thread_id;         /* The revalidator that dumped it. */
    struct lifecycle_evidence dump_ev;
};

static struct lc_rules *
lc_rules_of(const struct lifecycle *lc, uint64_t ufid)
{
    return ufid ? lc_map_get(&lc->rules, ufid) : NULL;
}

/* Whether flow record 'f', with its datapath flow, is older than its
 * rules. */
static bool
lc_flow_stale(const struct lifecycle *lc, const struct lc_flow *f,
              const struct lc_rules **rulesp)
{
    const struct lc_rules *rules = lc_rules_of(lc, f->ufid);
    *rulesp = rules;
    return (rules && f->dp_present && !f->presence_unsure && !f->unsure
            && f->dp_rules < rules->version);
}

void
lc_stale_rule_change(struct lifecycle *lc, const struct ukey_event *e,
                     const struct lifecycle_evidence *now)
{
    if (!e->ufid) {
        return;
    }
    struct lc_rules *rules = lc_map_get(&lc->rules, e->ufid);
    if (!rules) {
        rules = uk_xzalloc(sizeof *rules);
        lc_map_put(&lc->rules, e->ufid, rules);
    }
    if (e->value > rules->version) {
        rules->version = e->value;
    }
    rules->changed = now->index;
    rules->ev = *now;
}

void
lc_stale_excuse(struct lifecycle *lc, uint32_t k,
                const struct lifecycle_evidence *now)
{
    if (k == LC_NO_FLOW) {
        lc->stale_excused = now->index + 1;
    } else {
        lc->flows[k].stale_excused = now->index + 1;
    }
}

void
lc_stale_coverage(struct lifecycle *lc, const struct ukey_event *e,
                  const struct lifecycle_evidence *now)
{
    switch ((enum uk_coverage) e->kind) {
    case UK_COV_upcall_ukey_contention:
    case UK_COV_unexpected_ukey_state:
    case UK_COV_ukey_conflict:
        break;
    default:
        return;
    }
    const struct lc_ukey *u = (e->ukey_id && !lc_is_freed(lc, e->ukey_id)
                               ? lc_map_get(&lc->ukeys, e->ukey_id) : NULL);
    /* Without its ukey's record, which flow instance is unknown: all. */
    lc_stale_excuse(lc, u ? u->flow : LC_NO_FLOW, now);
}

void
lc_stale_dp_op(struct lifecycle *lc, uint32_t k, const struct ukey_event *e,
               const struct lifecycle_evidence *now)
{
    struct lc_flow *f = &lc->flows[k];
    if (e->result) {
        lc_stale_excuse(lc, k, now);
    } else if (e->type == UK_EV_DP_PUT) {
        if (e->kind != UK_PUT_MODIFY) {
            f->dp_instance++;   /* A new instance: no dump saw it yet. */
        }
        f->dp_rules = e->value;
        f->dp_owner = e->ukey_id;
    }
}

void
lc_stale_create(struct lifecycle *lc, const struct ukey_event *e,
                const struct lifecycle_evidence *now)
{
    (void) now;
    if (e->kind == UK_CREATE_DPIF_FLOW && e->ufid) {
        /* ukey_create_from_dpif_flow(): it takes the flow's actions. */
        struct lc_flow *f = &lc->flows[lc_event_flow(lc, e, e->pmd_id)];
        if (f->dp_present) {
            f->dp_owner = e->ukey_id;
        }
    }
}

void
lc_stale_op_begin(struct lifecycle *lc, struct lc_thread *t,
                  const struct ukey_event *e,
                  const struct lifecycle_evidence *now)
{
    (void) lc;
    if (e->kind == UK_OP_ROUND) {
        t->round_begin = now->index + 1;
        t->round_phases = 0;
    } else if (e->kind == UK_OP_DUMP || e->kind == UK_OP_SWEEP) {
        t->round_phases |= 1u << e->kind;
    }
}

void
lc_stale_dump(struct lifecycle *lc, const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    const struct lc_thread *t = lc_thread(lc, e->thread_id);
    if (e->kind != UK_DUMP_FRESH || !t || !t->round || !t->round_begin
        || !lc_rules_of(lc, e->ufid)) {
        return;
    }
    uint32_t k = lc_event_flow(lc, e, e->pmd_id);
    const struct lc_flow *f = &lc->flows[k];
    const struct lc_rules *rules;
    if (!lc_flow_stale(lc, f, &rules)
        || rules->changed + 1 >= t->round_begin) {
        return;
    }
    lc->stale = uk_grow(lc->stale, &lc->allocated_stale, lc->n_stale + 1,
                        sizeof *lc->stale);
    lc->stale[lc->n_stale++] = (struct lc_stale) {
        .k = k, .ufid = f->ufid, .pmd_id = f->pmd_id,
        .instance = f->dp_instance, .round = t->round,
        .begin = t->round_begin, .thread_id = e->thread_id,
        .dump_ev = *now,
    };
}

/* Reports candidate 's' of the round that ends now if it is still stale
 * and nothing excuses it. */
static void
lc_stale_check(struct lifecycle *lc, const struct lc_stale *s,
               const struct lifecycle_evidence *now)
{
    const struct lc_thread *t = lc_thread(lc, s->thread_id);
    const unsigned int full = (1u << UK_OP_DUMP) | (1u << UK_OP_SWEEP);
    if (s->k >= lc->n_flows || !t || t->round != s->round
        || (t->round_phases & full) != full
        || lc->stale_excused > s->begin || lc_in_loss(lc, now->ts)) {
        return;
    }
    struct lc_flow *f = &lc->flows[s->k];
    const struct lc_rules *rules;
    if (f->retired || f->ufid != s->ufid || f->pmd_id != s->pmd_id
        || f->dp_instance != s->instance || f->stale_excused > s->begin
        || !f->dp_owner || f->map_ukey != f->dp_owner
        || !lc_flow_stale(lc, f, &rules) || rules->changed >= s->begin
        || (f->stale_reported_instance == f->dp_instance
            && f->stale_reported_rules == rules->version)) {
        return;
    }
    f->stale_reported_instance = f->dp_instance;
    f->stale_reported_rules = rules->version;

    struct lc_subject subj = { .ufid = f->ufid, .pmd_id = f->pmd_id };
    if (f->map_ukey && !lc_is_freed(lc, f->map_ukey)) {
        subj.u = lc_map_get(&lc->ukeys, f->map_ukey);
    }
    const char *flow_name = lc_flow_name(lc, f->ufid);
    lc_report(lc, UK_VIOL_STALE_ACTIONS, UK_SEV_ERROR, &subj, now,
              &rules->ev, "stale actions: flow %s pmd %u still has the "
              "actions of rules v%llu after round %llu, which began after "
              "its rules became v%llu (seq %llu) and dumped it (seq %llu)%s",
              flow_name ? flow_name : "?", f->pmd_id,
              (unsigned long long) f->dp_rules,
              (unsigned long long) s->round,
              (unsigned long long) rules->version,
              (unsigned long long) rules->ev.seq,
              (unsigned long long) s->dump_ev.seq,
              subj.u ? "" : " (no ukey in its umap)");
}

void
lc_stale_round_end(struct lifecycle *lc, uint64_t round,
                   const struct lifecycle_evidence *now)
{
    size_t n = 0;
    for (size_t i = 0; i < lc->n_stale; i++) {
        const struct lc_stale *s = &lc->stale[i];
        if (s->round == round) {
            lc_stale_check(lc, s, now);
        } else if (s->round > round) {
            lc->stale[n++] = *s;        /* A later round's (numbered). */
        }
    }
    lc->n_stale = n;
}

void
lc_stale_forget(struct lifecycle *lc)
{
    for (size_t i = 0; i <= lc->rules.mask; i++) {
        free(lc->rules.slots[i].value);
    }
    free(lc->rules.slots);
    lc_map_init(&lc->rules, 64);
    lc->n_stale = 0;
    lc->stale_excused = 0;
}

void
lc_stale_destroy(struct lifecycle *lc)
{
    for (size_t i = 0; i <= lc->rules.mask; i++) {
        free(lc->rules.slots[i].value);
    }
    free(lc->rules.slots);
    free(lc->stale);
}

size_t
lc_stale_footprint(const struct lifecycle *lc)
{
    return ((lc->rules.mask + 1) * sizeof *lc->rules.slots
            + lc->rules.n * sizeof (struct lc_rules)
            + lc->allocated_stale * sizeof *lc->stale);
}

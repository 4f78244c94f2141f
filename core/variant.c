/* SPDX-License-Identifier: Apache-2.0 */
/* The variants: named versions of the handler and revalidator code, each a
 * small set of differences from upstream OVS (see struct uk_variant). */
#include "udpif.h"

#include <string.h>

#define STATE_BIT(S) (1u << UKEY_##S)

/* Upstream OVS (d6a632a9b, 2026): every fix below is in. */
#define UPSTREAM_FIXES                                  \
    .replace = true,                                    \
    .replace_states = STATE_BIT(EVICTED),               \
    .delete_guard = true,                               \
    .conditional_operational = true,                    \
    .dump_skips_evicting = true,                        \
    .del_error_evicts = true,                           \
    .inherit_dump_seq = true,                           \
    .missed_dumps = true,                               \
    .inconsistent = true,                               \
    .new_dump_seq_zero = true,                          \
    .adopt_reval_seq_behind = true,                     \
    .sweep_last_stats = true

/* The code before the state machine (f3e8c44ef, and the v1 patch on top of
 * it) kept a 'flow_exists' flag, not a state, and asserted nothing: the
 * model's states stand for the flag.  revalidate() cleared it when it
 * decided to delete, before the flow_del, so a failed flow_del left a ukey
 * that the sweep deleted (as a1d6cce78's EVICTED does: never the stuck
 * EVICTING that 54ebeff4c brought); and a dump that found a ukey with the
 * flag clear revalidated it without any check, where the states could only
 * go backwards (an abort 54ebeff4c brought): the proxy leaves it to the
 * sweep instead, as 6997d54e1 does, and the next dump adopts the flow. */
#define FLOW_EXISTS_PROXY                               \
    .del_error_evicts = true,                           \
    .dump_skips_evicting = true

/* Each bug-zoo variant is "upstream, minus one fix": UPSTREAM_FIXES, then
 * the one field overridden, which is what -Woverride-init warns about. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct uk_variant variants[] = {
    {
        .name = "upstream", .commit = "d6a632a9b",
        .summary = "today's OVS: state machine, ukey_delete() guard, "
                   "every later fix",
        UPSTREAM_FIXES,
    },
    {
        /* The 2016 patch as posted: 'flow_exists' instead of states (a ukey
         * deleted in this dump, or whose install failed, may be replaced),
         * K locked across the put, no second check in ukey_delete().
         * FLOW_EXISTS_PROXY: the states stand for the flag. */
        .name = "v1-replace", .commit = "v1 patch (2016)",
        .summary = "try_ukey_replace() with flow_exists: the reviewer's "
                   "double delete",
        .replace = true,
        .replace_states = STATE_BIT(EVICTING) | STATE_BIT(EVICTED),
        .lock_over_put = true,
        FLOW_EXISTS_PROXY,
    },
    {
        /* 54ebeff4c + 67f08985d as merged: states, replace of EVICTED
         * ukeys, K unlocked across the put, ukey_delete() unguarded.
         * Like every variant here it uses today's transition rule
         * (README.md, "What the model leaves out").  Like the other two
         * 2016 variants it creates ukeys with the seqs of the time,
         * before 57db02104 and 8f0e86f84 (ukey_create_seqs()). */
        .name = "landed-2016", .commit = "54ebeff4c+67f08985d",
        .summary = "the state machine as first merged: the race is still "
                   "there until 154781666",
        .replace = true,
        .replace_states = STATE_BIT(EVICTED),
    },
    /* The bug zoo: upstream with one later fix taken out, and only that
     * one: the ukeys they create start with today's seqs, even where X^
     * predates 57db02104 or 8f0e86f84 (README.md), but for the two
     * variants of those fixes. */
    {
        .name = "pre-154781666", .commit = "154781666^",
        .summary = "ukey_delete() without the state guard: double delete "
                   "from the sweep or push_ukey_ops()",
        UPSTREAM_FIXES, .delete_guard = false,
    },
    {
        .name = "pre-e34bbe31b", .commit = "e34bbe31b^",
        .summary = "handler moves to OPERATIONAL unconditionally after the "
                   "put: backward transition",
        UPSTREAM_FIXES, .conditional_operational = false,
    },
    {
        .name = "pre-6997d54e1", .commit = "6997d54e1^",
        .summary = "the dump moves any ukey it finds to OPERATIONAL, even "
                   "EVICTED ones",
        UPSTREAM_FIXES, .dump_skips_evicting = false,
    },
    {
        /* B-14: ukey_create_from_dpif_flow() read reval_seq as it is, so
         * the flow counted as already revalidated. */
        .name = "pre-57db02104", .commit = "57db02104^",
        .summary = "an adopted ukey gets the current reval_seq: a flow left "
                   "in the datapath keeps stale actions",
        UPSTREAM_FIXES, .adopt_reval_seq_behind = false,
    },
    {
        .name = "pre-a1d6cce78", .commit = "a1d6cce78^",
        .summary = "a failed flow_del leaves the ukey EVICTING for good",
        UPSTREAM_FIXES, .del_error_evicts = false,
    },
    {
        /* B-16: ukey_create__() took the dump_seq of now, that of the
         * running (or next) round, whose dump and sweep then skip it. */
        .name = "pre-8f0e86f84", .commit = "8f0e86f84^",
        .summary = "a new ukey takes the current dump_seq: its round skips "
                   "it, a rule change applies a round late",
        UPSTREAM_FIXES, .new_dump_seq_zero = false,
    },
    {
        .name = "pre-180ab2fd6", .commit = "180ab2fd6^",
        .summary = "no missed_dumps: a flow deleted under OVS keeps a stale "
                   "ukey and stays slowpathed",
        UPSTREAM_FIXES, .missed_dumps = false,
    },
    {
        .name = "pre-6c24851f4", .commit = "6c24851f4^",
        .summary = "the sweep revalidates a missed flow with zero stats: "
                   "stats counted twice",
        UPSTREAM_FIXES, .sweep_last_stats = false,
    },
    {
        .name = "pre-5dfc8309d", .commit = "5dfc8309d^",
        .summary = "a replacing ukey does not inherit dump_seq: a stale "
                   "dump entry counts stats twice",
        UPSTREAM_FIXES, .inherit_dump_seq = false,
    },
    {
        /* f3e8c44ef: no replacement; a flow deleted in the dump keeps its
         * ukey until the sweep, and its traffic is slowpathed meanwhile. */
        .name = "pre-replace", .commit = "f3e8c44ef",
        .summary = "before the patch: traffic stays slowpathed until the "
                   "sweep",
        .lock_over_put = true,
        FLOW_EXISTS_PROXY,
    },
};
#pragma GCC diagnostic pop

const struct uk_variant *
uk_variant_find(const char *name)
{
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        if (!strcmp(variants[i].name, name)) {
            return &variants[i];
        }
    }
    return NULL;
}

const struct uk_variant *
uk_variant_at(size_t i)
{
    return i < sizeof variants / sizeof variants[0] ? &variants[i] : NULL;
}

size_t
uk_variant_count(void)
{
    return sizeof variants / sizeof variants[0];
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Event names and formatting (see event.h); the bus is in event-bus.c. */
#include "event.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* ==== Names ==== */

#define UK_NAME_TABLE_(FN, LIST, ENTRY, N)                              \
    static const char *const FN##_table[] = { LIST(ENTRY) };            \
    const char *                                                        \
    FN(int v)                                                           \
    {                                                                   \
        return v >= 0 && v < (N) ? FN##_table[v] : "?";                 \
    }

#define UK_STR1_(NAME) #NAME,
#define UK_STR_EV_(NAME, TP) #TP,
#define UK_STR_VIOL_(NAME, TEXT) #TEXT,

UK_NAME_TABLE_(ukey_state_name, UKEY_STATES, UK_STR1_, N_UKEY_STATES)
UK_NAME_TABLE_(uk_thread_kind_name, UK_THREAD_KINDS, UK_STR1_,
               N_UK_THREAD_KINDS)
UK_NAME_TABLE_(uk_event_type_name, UK_EVENT_TYPES, UK_STR_EV_,
               N_UK_EVENT_TYPES)
UK_NAME_TABLE_(uk_transition_result_name, UK_TRANSITION_RESULTS, UK_STR1_,
               N_UK_TRANSITION_RESULTS)
UK_NAME_TABLE_(uk_lock_target_name, UK_LOCK_TARGETS, UK_STR1_,
               N_UK_LOCK_TARGETS)
UK_NAME_TABLE_(uk_path_name, UK_PATHS, UK_STR1_, N_UK_PATHS)
UK_NAME_TABLE_(uk_create_origin_name, UK_CREATE_ORIGINS, UK_STR1_,
               N_UK_CREATE_ORIGINS)
UK_NAME_TABLE_(uk_free_how_name, UK_FREE_HOWS, UK_STR1_, N_UK_FREE_HOWS)
UK_NAME_TABLE_(uk_put_op_name, UK_PUT_OPS, UK_STR1_, N_UK_PUT_OPS)
UK_NAME_TABLE_(uk_del_origin_name, UK_DEL_ORIGINS, UK_STR1_,
               N_UK_DEL_ORIGINS)
UK_NAME_TABLE_(uk_dump_entry_name, UK_DUMP_ENTRIES, UK_STR1_,
               N_UK_DUMP_ENTRIES)
UK_NAME_TABLE_(uk_reval_result_name, UK_REVAL_RESULTS, UK_STR1_,
               N_UK_REVAL_RESULTS)
UK_NAME_TABLE_(uk_del_reason_name, UK_DEL_REASONS, UK_STR1_,
               N_UK_DEL_REASONS)
UK_NAME_TABLE_(uk_op_name, UK_OPS, UK_STR1_, N_UK_OPS)
UK_NAME_TABLE_(uk_barrier_step_name, UK_BARRIER_STEPS, UK_STR1_,
               N_UK_BARRIER_STEPS)
UK_NAME_TABLE_(uk_coverage_name, UK_COVERAGES, UK_STR1_, N_UK_COVERAGES)
UK_NAME_TABLE_(uk_violation_kind_name, UK_VIOLATION_KINDS, UK_STR_VIOL_,
               N_UK_VIOLATION_KINDS)
UK_NAME_TABLE_(uk_severity_name, UK_SEVERITIES, UK_STR1_, N_UK_SEVERITIES)

int
ukey_state_from_name(const char *name)
{
    return uk_name_lookup(ukey_state_name_table, N_UKEY_STATES, name);
}

int
uk_event_type_from_name(const char *name)
{
    return uk_name_lookup(uk_event_type_name_table, N_UK_EVENT_TYPES, name);
}

int
uk_violation_kind_from_name(const char *name)
{
    return uk_name_lookup(uk_violation_kind_name_table, N_UK_VIOLATION_KINDS,
                       name);
}

const char *
uk_violation_detail(int kind, const char *detail)
{
    const char *name = uk_violation_kind_name(kind);
    if (!detail) {
        return "";
    }
    size_t i = 0;
    for (; name[i]; i++) {
        if (detail[i] != (name[i] == '-' ? ' ' : name[i])) {
            return detail;
        }
    }
    return detail[i] == ':' && detail[i + 1] == ' ' ? detail + i + 2 : detail;
}

int
uk_coverage_from_name(const char *name)
{
    return uk_name_lookup(uk_coverage_name_table, N_UK_COVERAGES, name);
}

const char *
uk_event_kind_name(const struct ukey_event *e)
{
    switch ((enum uk_event_type) e->type) {
    case UK_EV_THREAD_START: return uk_thread_kind_name(e->kind);
    case UK_EV_CREATE: return uk_create_origin_name(e->kind);
    case UK_EV_LOCK:
    case UK_EV_TRYLOCK:
    case UK_EV_UNLOCK: return uk_lock_target_name(e->kind);
    case UK_EV_UKEY_FREE: return uk_free_how_name(e->kind);
    case UK_EV_DP_PUT: return uk_put_op_name(e->kind);
    case UK_EV_DP_DEL: return uk_del_origin_name(e->kind);
    case UK_EV_DP_DUMP: return uk_dump_entry_name(e->kind);
    case UK_EV_REVALIDATE: return uk_reval_result_name(e->kind);
    case UK_EV_OP_BEGIN:
    case UK_EV_OP_END: return uk_op_name(e->kind);
    case UK_EV_BARRIER: return uk_barrier_step_name(e->kind);
    case UK_EV_COVERAGE: return uk_coverage_name(e->kind);
    case UK_EV_VIOLATION: return uk_violation_kind_name(e->kind);
    case UK_EV_FLOW: case UK_EV_TRAFFIC: case UK_EV_UPCALL:
    case UK_EV_TRANSITION: case UK_EV_UMAP_LOOKUP: case UK_EV_UMAP_INSERT:
    case UK_EV_UMAP_REPLACE: case UK_EV_UMAP_REMOVE:
    case UK_EV_RCU_POSTPONE: case UK_EV_RCU_QUIESCE: case UK_EV_RCU_FREE:
    case UK_EV_STATS_PUSH: case UK_EV_END: case UK_EV_RULE_CHANGE:
    case N_UK_EVENT_TYPES:
        break;
    }
    return NULL;
}

/* ==== Formatting ==== */

static const char *
errno_name(int error)
{
    switch (error) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENOSPC: return "ENOSPC";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EIO: return "EIO";
    case EFBIG: return "EFBIG";
    default: return NULL;
    }
}

const char *
uk_errno_name(int error)
{
    return errno_name(error);
}

const char *
uk_errno_arg(int error, char *buf, size_t size)
{
    const char *name = errno_name(error);
    if (name) {
        return name;
    }
    snprintf(buf, size, "%d", error);
    return buf;
}

/* 'error' for an event's text: its name, or "errno 42" (written in 'buf')
 * for one without a name, never a bare "error" that hides the number. */
static const char *
errno_text(int error, char *buf, size_t size)
{
    const char *name = errno_name(error);
    if (name) {
        return name;
    }
    snprintf(buf, size, "errno %d", error);
    return buf;
}

const char *
uk_transition_note(int result)
{
    return (result == UK_TR_OK ? ""
            : result == UK_TR_NOOP ? " (no-op)"
            : result == UK_TR_WARN ? " (REJECTED: not allowed)"
            : " (BACKWARD: OVS aborts)");
}

/* The umap and ukey mutexes' events: "lock umap[2]", "trylock ukey#4 ->
 * EBUSY". */
static int
format_lock(const struct ukey_event *e, const char *tp, char *buf,
            size_t size)
{
    char err[24];
    const char *error = e->result ? errno_text(e->result, err, sizeof err)
                        : "";
    const char *arrow = e->result ? " -> " : "";
    if (e->kind == UK_LOCK_UMAP) {
        return snprintf(buf, size, "%s umap[%d]%s%s", tp, e->umap, arrow,
                        error);
    }
    return snprintf(buf, size, "%s ukey#%llu%s%s", tp,
                    (unsigned long long) e->ukey_id, arrow, error);
}

/* The umaps' operations: lookup, insert, replace, remove. */
static int
format_umap(const struct ukey_event *e, const char *tp, char *buf,
            size_t size)
{
    unsigned long long uk = (unsigned long long) e->ukey_id;
    unsigned long long ufid = (unsigned long long) e->ufid;

    switch ((enum uk_event_type) e->type) {
    case UK_EV_UMAP_LOOKUP:
        if (uk) {
            return snprintf(buf, size, "%s umap[%d] ufid=%016llx -> ukey#%llu",
                            tp, e->umap, ufid, uk);
        }
        return snprintf(buf, size, "%s umap[%d] ufid=%016llx -> none", tp,
                        e->umap, ufid);
    case UK_EV_UMAP_INSERT:
        return snprintf(buf, size, "%s umap[%d] ukey#%llu", tp, e->umap, uk);
    case UK_EV_UMAP_REPLACE:
        return snprintf(buf, size, "%s umap[%d] ukey#%llu -> ukey#%llu", tp,
                        e->umap, uk, (unsigned long long) e->ukey2_id);
    default:                    /* UK_EV_UMAP_REMOVE. */
        return snprintf(buf, size, "%s umap[%d] ukey#%llu%s", tp, e->umap, uk,
                        e->result ? " -> ENOENT (not in the map)" : "");
    }
}

/* The datapath's answers: put, del, dump. */
static int
format_dp(const struct ukey_event *e, const char *tp, char *buf, size_t size)
{
    unsigned long long uk = (unsigned long long) e->ukey_id;
    unsigned long long ufid = (unsigned long long) e->ufid;
    unsigned long long value = (unsigned long long) e->value;
    char err[24], rules[32] = "";

    switch ((enum uk_event_type) e->type) {
    case UK_EV_DP_PUT:
        /* The rules version only once rules changed: version 0 is that of
         * every flow until then (and of every put in older traces). */
        if (value) {
            snprintf(rules, sizeof rules, " rules=v%llu", value);
        }
        return snprintf(buf, size, "%s %s ufid=%016llx ukey#%llu -> %s%s",
                        tp, uk_put_op_name(e->kind), ufid, uk,
                        errno_text(e->result, err, sizeof err), rules);
    case UK_EV_DP_DEL:
        return snprintf(buf, size,
                        "%s ufid=%016llx ukey#%llu (%s) -> %s packets=%llu",
                        tp, ufid, uk, uk_del_origin_name(e->kind),
                        errno_text(e->result, err, sizeof err), value);
    default:                    /* UK_EV_DP_DUMP. */
        return snprintf(buf, size, "%s ufid=%016llx packets=%llu%s", tp, ufid,
                        value,
                        e->kind == UK_DUMP_DUPLICATE ? " (duplicate)" : "");
    }
}

/* What happens to one ukey: its transitions, revalidation, stats, RCU and
 * frees. */
static int
format_ukey(const struct ukey_event *e, const char *tp, char *buf,
            size_t size)
{
    unsigned long long uk = (unsigned long long) e->ukey_id;

    switch ((enum uk_event_type) e->type) {
    case UK_EV_TRANSITION:
        return snprintf(buf, size, "%s ukey#%llu %s->%s%s", tp, uk,
                        ukey_state_name(e->from), ukey_state_name(e->to),
                        uk_transition_note(e->result));
    case UK_EV_REVALIDATE:
        return snprintf(buf, size, "%s ukey#%llu -> %s%s%s", tp, uk,
                        uk_reval_result_name(e->kind),
                        e->kind == UK_REVAL_DELETE ? " reason=" : "",
                        e->kind == UK_REVAL_DELETE
                        ? uk_del_reason_name(e->result) : "");
    case UK_EV_STATS_PUSH:
        return snprintf(buf, size, "%s ukey#%llu packets=%llu", tp, uk,
                        (unsigned long long) e->value);
    case UK_EV_UKEY_FREE:
        return snprintf(buf, size, "%s ukey#%llu (%s)", tp, uk,
                        uk_free_how_name(e->kind));
    default:                    /* UK_EV_RCU_POSTPONE, UK_EV_RCU_FREE. */
        return snprintf(buf, size, "%s ukey#%llu", tp, uk);
    }
}

int
uk_event_format(const struct ukey_event *e, char *buf, size_t size)
{
    const char *tp = uk_event_type_name(e->type);
    unsigned long long uk = (unsigned long long) e->ukey_id;
    unsigned long long ufid = (unsigned long long) e->ufid;

    switch ((enum uk_event_type) e->type) {
    case UK_EV_THREAD_START:
        return snprintf(buf, size, "%s %s %s", tp,
                        uk_thread_kind_name(e->kind),
                        e->name ? e->name : "?");
    case UK_EV_FLOW:
        return snprintf(buf, size, "%s %s ufid=%016llx", tp,
                        e->name ? e->name : "?", ufid);
    case UK_EV_TRAFFIC:
        return snprintf(buf, size, "%s ufid=%016llx packets=%llu %s", tp,
                        ufid, (unsigned long long) e->value,
                        uk_path_name(e->result));
    case UK_EV_UPCALL:
        return snprintf(buf, size, "%s ufid=%016llx packets=%llu", tp, ufid,
                        (unsigned long long) e->value);
    case UK_EV_CREATE:
        return snprintf(buf, size, "%s ukey#%llu ufid=%016llx umap[%d] (%s)",
                        tp, uk, ufid, e->umap, uk_create_origin_name(e->kind));
    case UK_EV_LOCK:
    case UK_EV_TRYLOCK:
    case UK_EV_UNLOCK:
        return format_lock(e, tp, buf, size);
    case UK_EV_UMAP_LOOKUP:
    case UK_EV_UMAP_INSERT:
    case UK_EV_UMAP_REPLACE:
    case UK_EV_UMAP_REMOVE:
        return format_umap(e, tp, buf, size);
    case UK_EV_DP_PUT:
    case UK_EV_DP_DEL:
    case UK_EV_DP_DUMP:
        return format_dp(e, tp, buf, size);
    case UK_EV_TRANSITION:
    case UK_EV_REVALIDATE:
    case UK_EV_STATS_PUSH:
    case UK_EV_UKEY_FREE:
    case UK_EV_RCU_POSTPONE:
    case UK_EV_RCU_FREE:
        return format_ukey(e, tp, buf, size);
    case UK_EV_RCU_QUIESCE:
        return snprintf(buf, size, "%s", tp);
    case UK_EV_OP_BEGIN:
    case UK_EV_OP_END:
        return snprintf(buf, size, "%s %s", tp, uk_op_name(e->kind));
    case UK_EV_BARRIER:
        return snprintf(buf, size, "%s %s gen=%llu", tp,
                        uk_barrier_step_name(e->kind),
                        (unsigned long long) e->value);
    case UK_EV_COVERAGE:
        if (uk) {
            return snprintf(buf, size, "%s %s ukey#%llu", tp,
                            uk_coverage_name(e->kind), uk);
        }
        return snprintf(buf, size, "%s %s", tp, uk_coverage_name(e->kind));
    case UK_EV_VIOLATION:
        return snprintf(buf, size, "%s %s %s ukey#%llu: %s", tp,
                        uk_severity_name(e->result),
                        uk_violation_kind_name(e->kind), uk,
                        uk_violation_detail(e->kind, e->name));
    case UK_EV_END:
        return snprintf(buf, size, "%s live=%llu", tp,
                        (unsigned long long) e->value);
    case UK_EV_RULE_CHANGE:
        return snprintf(buf, size, "%s ufid=%016llx rules=v%llu "
                        "reval_seq=%llu", tp, ufid,
                        (unsigned long long) e->value,
                        (unsigned long long) e->value2);
    case N_UK_EVENT_TYPES:
        break;
    }
    return snprintf(buf, size, "event type %u", (unsigned) e->type);
}

unsigned int
uk_event_fields(int type)
{
    enum {
        UK = UK_F_UKEY_ID, UK2 = UK_F_UKEY2_ID, UF = UK_F_UFID,
        V = UK_F_VALUE, V2 = UK_F_VALUE2, T2 = UK_F_THREAD2,
        PMD = UK_F_PMD_ID, UM = UK_F_UMAP, K = UK_F_KIND, R = UK_F_RESULT,
        FT = UK_F_FROM_TO, W = UK_F_WHERE, N = UK_F_NAME,
    };
    switch ((enum uk_event_type) type) {
    case UK_EV_THREAD_START: return K | N | PMD;
    case UK_EV_FLOW: return UF | PMD | N;
    case UK_EV_TRAFFIC: return UF | PMD | V | R;
    case UK_EV_UPCALL: return UF | PMD | V;
    case UK_EV_CREATE: return UK | UF | PMD | UM | K;
    case UK_EV_TRANSITION: return UK | UF | FT | R | W;
    case UK_EV_LOCK:
    case UK_EV_TRYLOCK:
    case UK_EV_UNLOCK: return K | UM | UK | R | W;
    case UK_EV_UMAP_LOOKUP: return UF | PMD | UM | UK;
    case UK_EV_UMAP_INSERT: return UK | UF | UM;
    case UK_EV_UMAP_REPLACE: return UK | UK2 | UF | UM;
    case UK_EV_UMAP_REMOVE: return UK | UF | UM | R;
    case UK_EV_RCU_POSTPONE:
    case UK_EV_RCU_FREE: return UK | UF;
    case UK_EV_RCU_QUIESCE: return 0;
    case UK_EV_UKEY_FREE: return UK | UF | K;
    case UK_EV_DP_PUT: return UK | UF | PMD | K | R | V;
    case UK_EV_DP_DEL: return UK | UF | PMD | K | R | V;
    case UK_EV_DP_DUMP: return UF | PMD | V | K;
    case UK_EV_REVALIDATE: return UK | UF | K | R;
    case UK_EV_STATS_PUSH: return UK | UF | V;
    case UK_EV_OP_BEGIN: return K | V;
    case UK_EV_OP_END: return K;
    case UK_EV_BARRIER: return K | V;
    case UK_EV_COVERAGE: return K | UK | UF;
    case UK_EV_VIOLATION: return K | R | UK | UF | T2 | V | V2 | N;
    case UK_EV_END: return V;
    case UK_EV_RULE_CHANGE: return UF | V | V2;
    case N_UK_EVENT_TYPES: break;
    }
    return 0;
}

int
uk_event_format_canonical(const struct ukey_event *e, char *buf, size_t size)
{
    unsigned int f = uk_event_fields(e->type);
    size_t len = 0;

#define APPEND_(...)                                                    \
    do {                                                                \
        int n_ = snprintf(buf + (len < size ? len : size),              \
                          len < size ? size - len : 0, __VA_ARGS__);    \
        len += n_ > 0 ? (size_t) n_ : 0;                                \
    } while (0)

    APPEND_("seq=%llu thread=%u type=%s", (unsigned long long) e->seq,
            (unsigned) e->thread_id, uk_event_type_name(e->type));
    if (f & UK_F_UKEY_ID) {
        APPEND_(" ukey=%llu", (unsigned long long) e->ukey_id);
    }
    if (f & UK_F_UKEY2_ID) {
        APPEND_(" ukey2=%llu", (unsigned long long) e->ukey2_id);
    }
    if (f & UK_F_UFID) {
        APPEND_(" ufid=%016llx", (unsigned long long) e->ufid);
    }
    if (f & UK_F_VALUE) {
        APPEND_(" value=%llu", (unsigned long long) e->value);
    }
    if (f & UK_F_VALUE2) {
        APPEND_(" value2=%llu", (unsigned long long) e->value2);
    }
    if (f & UK_F_THREAD2) {
        APPEND_(" thread2=%u", (unsigned) e->thread2);
    }
    if (f & UK_F_PMD_ID) {
        APPEND_(" pmd=%u", (unsigned) e->pmd_id);
    }
    if (f & UK_F_UMAP) {
        APPEND_(" umap=%d", (int) e->umap);
    }
    if (f & UK_F_KIND) {
        const char *kind = uk_event_kind_name(e);
        if (kind) {
            APPEND_(" kind=%s", kind);
        } else {
            APPEND_(" kind=%d", (int) e->kind);
        }
    }
    if (f & UK_F_RESULT) {
        APPEND_(" result=%d", (int) e->result);
    }
    if (f & UK_F_FROM_TO) {
        APPEND_(" from=%s to=%s", ukey_state_name(e->from),
                ukey_state_name(e->to));
    }
    if (f & UK_F_WHERE) {
        APPEND_(" where=%s", e->where && *e->where ? e->where : "-");
    }
    if (f & UK_F_NAME) {
        APPEND_(" name=%s", e->name && *e->name ? e->name : "-");
    }
#undef APPEND_
    return (int) len;
}

bool
uk_event_in_history(const struct ukey_event *e, uint64_t ukey_id,
                     uint64_t ufid)
{
    switch ((enum uk_event_type) e->type) {
    case UK_EV_CREATE: case UK_EV_TRANSITION: case UK_EV_UMAP_INSERT:
    case UK_EV_UMAP_REPLACE: case UK_EV_UMAP_REMOVE: case UK_EV_RCU_POSTPONE:
    case UK_EV_RCU_FREE: case UK_EV_UKEY_FREE: case UK_EV_DP_PUT:
    case UK_EV_DP_DEL: case UK_EV_REVALIDATE: case UK_EV_VIOLATION:
    case UK_EV_UPCALL: case UK_EV_TRAFFIC: case UK_EV_RULE_CHANGE:
        return ukey_id ? e->ukey_id == ukey_id || e->ukey2_id == ukey_id
                       : e->ufid == ufid;
    case UK_EV_THREAD_START: case UK_EV_FLOW: case UK_EV_LOCK:
    case UK_EV_TRYLOCK: case UK_EV_UNLOCK: case UK_EV_UMAP_LOOKUP:
    case UK_EV_RCU_QUIESCE: case UK_EV_DP_DUMP: case UK_EV_STATS_PUSH:
    case UK_EV_OP_BEGIN: case UK_EV_OP_END: case UK_EV_BARRIER:
    case UK_EV_COVERAGE: case UK_EV_END: case N_UK_EVENT_TYPES:
        break;
    }
    return false;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The LTTng-UST tracepoint provider "ukey": one tracepoint per event type of
 * core/event.h, named by the second column of UK_EVENT_TYPES.  Every
 * tracepoint takes the 'struct ukey_event' the core emitted and records
 * 'seq' and 'thread_id', then exactly the fields that event.h lists for its
 * type, under the names of the struct's members.  The CTF enumerations are
 * generated from event.h's X-macro lists, so babeltrace2 prints state and
 * kind names.  tracepoints/README.md is the contract with the plugin.
 *
 * This is the only file of the project that includes <lttng/tracepoint.h>.
 * tp-probes.c instantiates the probes (build/libukdb-tp.so), tp-define.c the
 * tracepoints of ukdb (dynamic linkage), tp.c both for the test programs;
 * tp-observer.c fires them.  Like every LTTng
 * provider header, it is included several times by LTTng's macros, hence no
 * ordinary include guard. */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER ukey

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "tracepoints/provider/tp.h"

#if !defined(UKDB_TRACEPOINTS_PROVIDER_TP_H) \
    || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define UKDB_TRACEPOINTS_PROVIDER_TP_H 1

#include <lttng/tracepoint.h>

#include "core/event.h"

/* ==== Enumerations, generated from core/event.h ==== */

/* One CTF enumeration entry per X-macro entry: the label is the C name
 * without its prefix (as the core's name tables print it). */
#define UK_TP_VALUE_(PREFIX, NAME) \
    lttng_ust_field_enum_value(#NAME, PREFIX##NAME)
#define UK_TP_STATE_(NAME) UK_TP_VALUE_(UKEY_, NAME)
#define UK_TP_THREAD_KIND_(NAME) UK_TP_VALUE_(UK_THREAD_, NAME)
#define UK_TP_TR_(NAME) UK_TP_VALUE_(UK_TR_, NAME)
#define UK_TP_LOCK_(NAME) UK_TP_VALUE_(UK_LOCK_, NAME)
#define UK_TP_PATH_(NAME) UK_TP_VALUE_(UK_PATH_, NAME)
#define UK_TP_CREATE_(NAME) UK_TP_VALUE_(UK_CREATE_, NAME)
#define UK_TP_FREE_(NAME) UK_TP_VALUE_(UK_FREE_, NAME)
#define UK_TP_PUT_(NAME) UK_TP_VALUE_(UK_PUT_, NAME)
#define UK_TP_DEL_(NAME) UK_TP_VALUE_(UK_DEL_, NAME)
#define UK_TP_DUMP_(NAME) UK_TP_VALUE_(UK_DUMP_, NAME)
#define UK_TP_REVAL_(NAME) UK_TP_VALUE_(UK_REVAL_, NAME)
#define UK_TP_FDR_(NAME) UK_TP_VALUE_(UK_FDR_, NAME)
#define UK_TP_OP_(NAME) UK_TP_VALUE_(UK_OP_, NAME)
#define UK_TP_BARRIER_(NAME) UK_TP_VALUE_(UK_BARRIER_, NAME)
#define UK_TP_COV_(NAME) UK_TP_VALUE_(UK_COV_, NAME)
#define UK_TP_SEV_(NAME) UK_TP_VALUE_(UK_SEV_, NAME)
/* Violation kinds are labelled with their text ("double-delete"), as
 * uk_violation_kind_name() prints them. */
#define UK_TP_VIOL_(NAME, TEXT) \
    lttng_ust_field_enum_value(#TEXT, UK_VIOL_##NAME)

#define UK_TP_ENUM_(NAME, LIST, ENTRY) \
    LTTNG_UST_TRACEPOINT_ENUM(ukey, NAME, \
                              LTTNG_UST_TP_ENUM_VALUES(LIST(ENTRY)))

UK_TP_ENUM_(ukey_state, UKEY_STATES, UK_TP_STATE_)
UK_TP_ENUM_(thread_kind, UK_THREAD_KINDS, UK_TP_THREAD_KIND_)
UK_TP_ENUM_(transition_result, UK_TRANSITION_RESULTS, UK_TP_TR_)
UK_TP_ENUM_(lock_target, UK_LOCK_TARGETS, UK_TP_LOCK_)
UK_TP_ENUM_(path, UK_PATHS, UK_TP_PATH_)
UK_TP_ENUM_(create_origin, UK_CREATE_ORIGINS, UK_TP_CREATE_)
UK_TP_ENUM_(free_how, UK_FREE_HOWS, UK_TP_FREE_)
UK_TP_ENUM_(put_op, UK_PUT_OPS, UK_TP_PUT_)
UK_TP_ENUM_(del_origin, UK_DEL_ORIGINS, UK_TP_DEL_)
UK_TP_ENUM_(dump_entry, UK_DUMP_ENTRIES, UK_TP_DUMP_)
UK_TP_ENUM_(reval_result, UK_REVAL_RESULTS, UK_TP_REVAL_)
UK_TP_ENUM_(del_reason, UK_DEL_REASONS, UK_TP_FDR_)
UK_TP_ENUM_(op, UK_OPS, UK_TP_OP_)
UK_TP_ENUM_(barrier_step, UK_BARRIER_STEPS, UK_TP_BARRIER_)
UK_TP_ENUM_(coverage, UK_COVERAGES, UK_TP_COV_)
UK_TP_ENUM_(violation_kind, UK_VIOLATION_KINDS, UK_TP_VIOL_)
UK_TP_ENUM_(severity, UK_SEVERITIES, UK_TP_SEV_)

/* ==== Fields ==== */

/* Each names the struct ukey_event member it records.  Strings record ""
 * for NULL.  'kind' and an enumerated 'result' are signed 32-bit CTF
 * enumerations; 'from' and 'to' unsigned 8-bit ones. */
#define UK_TP_HEAD_ \
    lttng_ust_field_integer(uint64_t, seq, e->seq) \
    lttng_ust_field_integer(uint32_t, thread_id, e->thread_id)
#define UK_TP_UKEY_ID_ lttng_ust_field_integer(uint64_t, ukey_id, e->ukey_id)
#define UK_TP_UKEY2_ID_ \
    lttng_ust_field_integer(uint64_t, ukey2_id, e->ukey2_id)
#define UK_TP_UFID_ lttng_ust_field_integer_hex(uint64_t, ufid, e->ufid)
#define UK_TP_VALUE_F_ lttng_ust_field_integer(uint64_t, value, e->value)
#define UK_TP_VALUE2_ lttng_ust_field_integer(uint64_t, value2, e->value2)
#define UK_TP_THREAD2_ lttng_ust_field_integer(uint32_t, thread2, e->thread2)
#define UK_TP_PMD_ID_ lttng_ust_field_integer(uint32_t, pmd_id, e->pmd_id)
#define UK_TP_UMAP_ lttng_ust_field_integer(int32_t, umap, e->umap)
#define UK_TP_ERRNO_ lttng_ust_field_integer(int32_t, result, e->result)
#define UK_TP_WHERE_ \
    lttng_ust_field_string(where, e->where ? e->where : "")
#define UK_TP_NAME_ lttng_ust_field_string(name, e->name ? e->name : "")
#define UK_TP_KIND_(ENUM) \
    lttng_ust_field_enum(ukey, ENUM, int32_t, kind, e->kind)
#define UK_TP_RESULT_(ENUM) \
    lttng_ust_field_enum(ukey, ENUM, int32_t, result, e->result)

/* An event of the provider whose payload is UK_TP_HEAD_ then FIELDS. */
#define UK_TP_EVENT_(NAME, FIELDS) \
    LTTNG_UST_TRACEPOINT_EVENT(ukey, NAME, \
        LTTNG_UST_TP_ARGS(const struct ukey_event *, e), \
        LTTNG_UST_TP_FIELDS(UK_TP_HEAD_ FIELDS))

/* ==== Events (in UK_EVENT_TYPES order) ==== */

UK_TP_EVENT_(thread_start,
             UK_TP_KIND_(thread_kind) UK_TP_NAME_ UK_TP_PMD_ID_)
UK_TP_EVENT_(flow, UK_TP_UFID_ UK_TP_PMD_ID_ UK_TP_NAME_)
UK_TP_EVENT_(traffic,
             UK_TP_UFID_ UK_TP_PMD_ID_ UK_TP_VALUE_F_ UK_TP_RESULT_(path))
UK_TP_EVENT_(upcall, UK_TP_UFID_ UK_TP_PMD_ID_ UK_TP_VALUE_F_)
UK_TP_EVENT_(create, UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_PMD_ID_ UK_TP_UMAP_
                     UK_TP_KIND_(create_origin))
UK_TP_EVENT_(transition,
             UK_TP_UKEY_ID_ UK_TP_UFID_
             lttng_ust_field_enum(ukey, ukey_state, uint8_t, from, e->from)
             lttng_ust_field_enum(ukey, ukey_state, uint8_t, to, e->to)
             UK_TP_RESULT_(transition_result) UK_TP_WHERE_)

/* lock, trylock and unlock: one payload. */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(ukey, lock_class,
    LTTNG_UST_TP_ARGS(const struct ukey_event *, e),
    LTTNG_UST_TP_FIELDS(UK_TP_HEAD_ UK_TP_KIND_(lock_target) UK_TP_UMAP_
                        UK_TP_UKEY_ID_ UK_TP_ERRNO_ UK_TP_WHERE_))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(ukey, lock_class, ukey, lock,
    LTTNG_UST_TP_ARGS(const struct ukey_event *, e))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(ukey, lock_class, ukey, trylock,
    LTTNG_UST_TP_ARGS(const struct ukey_event *, e))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(ukey, lock_class, ukey, unlock,
    LTTNG_UST_TP_ARGS(const struct ukey_event *, e))

UK_TP_EVENT_(umap_lookup,
             UK_TP_UFID_ UK_TP_PMD_ID_ UK_TP_UMAP_ UK_TP_UKEY_ID_)
UK_TP_EVENT_(umap_insert, UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_UMAP_)
UK_TP_EVENT_(umap_replace,
             UK_TP_UKEY_ID_ UK_TP_UKEY2_ID_ UK_TP_UFID_ UK_TP_UMAP_)
UK_TP_EVENT_(umap_remove,
             UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_UMAP_ UK_TP_ERRNO_)

/* rcu_postpone and rcu_free: one payload. */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(ukey, ukey_ref_class,
    LTTNG_UST_TP_ARGS(const struct ukey_event *, e),
    LTTNG_UST_TP_FIELDS(UK_TP_HEAD_ UK_TP_UKEY_ID_ UK_TP_UFID_))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(ukey, ukey_ref_class, ukey, rcu_postpone,
    LTTNG_UST_TP_ARGS(const struct ukey_event *, e))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(ukey, ukey_ref_class, ukey, rcu_free,
    LTTNG_UST_TP_ARGS(const struct ukey_event *, e))

UK_TP_EVENT_(rcu_quiesce, )
UK_TP_EVENT_(ukey_free,
             UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_KIND_(free_how))
UK_TP_EVENT_(dp_put, UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_PMD_ID_
                     UK_TP_KIND_(put_op) UK_TP_ERRNO_ UK_TP_VALUE_F_)
UK_TP_EVENT_(dp_del, UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_PMD_ID_
                     UK_TP_KIND_(del_origin) UK_TP_ERRNO_ UK_TP_VALUE_F_)
UK_TP_EVENT_(dp_dump, UK_TP_UFID_ UK_TP_PMD_ID_ UK_TP_VALUE_F_
                      UK_TP_KIND_(dump_entry))
UK_TP_EVENT_(revalidate, UK_TP_UKEY_ID_ UK_TP_UFID_
                         UK_TP_KIND_(reval_result) UK_TP_RESULT_(del_reason))
UK_TP_EVENT_(stats_push, UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_VALUE_F_)
UK_TP_EVENT_(op_begin, UK_TP_KIND_(op) UK_TP_VALUE_F_)
UK_TP_EVENT_(op_end, UK_TP_KIND_(op))
UK_TP_EVENT_(barrier, UK_TP_KIND_(barrier_step) UK_TP_VALUE_F_)
UK_TP_EVENT_(coverage, UK_TP_KIND_(coverage) UK_TP_UKEY_ID_ UK_TP_UFID_)
UK_TP_EVENT_(violation,
             UK_TP_KIND_(violation_kind) UK_TP_RESULT_(severity)
             UK_TP_UKEY_ID_ UK_TP_UFID_ UK_TP_THREAD2_ UK_TP_VALUE_F_
             UK_TP_VALUE2_ UK_TP_NAME_)
UK_TP_EVENT_(end, UK_TP_VALUE_F_)
UK_TP_EVENT_(rule_change, UK_TP_UFID_ UK_TP_VALUE_F_ UK_TP_VALUE2_)

#endif /* UKDB_TRACEPOINTS_PROVIDER_TP_H */

#include <lttng/tracepoint-event.h>

/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of core/event.c: name tables and the bus. */
#include "core/event.h"

#include <errno.h>
#include <string.h>

#include "tests/tap.h"

struct recorder {
    uint64_t seqs[8];
    int types[8];
    int n;
    struct uk_event_bus *bus;
};

static void
record(const struct ukey_event *e, void *aux)
{
    struct recorder *r = aux;
    r->seqs[r->n] = e->seq;
    r->types[r->n++] = e->type;
    if (e->type == UK_EV_UMAP_REMOVE) {
        struct ukey_event v = { .type = UK_EV_VIOLATION };
        event_emit_deferred(r->bus, &v);
    }
}

int
main(void)
{
    is_str(ukey_state_name(UKEY_EVICTED), "EVICTED", "state names");
    is_str(ukey_state_name(99), "?", "out of range state");
    is_int(ukey_state_from_name("operational"), UKEY_OPERATIONAL,
           "state from name, any case");
    is_str(uk_event_type_name(UK_EV_UMAP_REPLACE), "umap_replace",
           "event names are tracepoint names");
    is_str(uk_violation_kind_name(UK_VIOL_DOUBLE_DELETE), "double-delete",
           "violation names");
    is_int(uk_violation_kind_from_name("use-after-free"),
           UK_VIOL_USE_AFTER_FREE, "violation from name");
    is_str(uk_violation_detail(UK_VIOL_DOUBLE_DELETE,
                               "double delete: ukey 1 removed"),
           "ukey 1 removed", "violation detail: the kind not restated");
    is_str(uk_violation_detail(UK_VIOL_USE_AFTER_FREE,
                               "double free: rcu_free of ukey 1"),
           "double free: rcu_free of ukey 1",
           "violation detail: other words kept");
    is_str(uk_violation_detail(UK_VIOL_LEAK, "leak"), "leak",
           "violation detail: the kind alone kept");
    is_str(uk_violation_detail(UK_VIOL_LEAK, NULL), "",
           "violation detail: none");
    is_int(uk_coverage_from_name("upcall_ukey_replace"),
           UK_COV_upcall_ukey_replace, "coverage from name");

    struct recorder r = { .n = 0 };
    r.bus = event_bus_create();
    ok(!event_bus_add(r.bus, record, &r), "observer added");
    struct ukey_event e = { .type = UK_EV_CREATE, .ukey_id = 1 };
    is_int(event_emit(r.bus, &e), 1, "first event gets seq 1");
    struct ukey_event rm = { .type = UK_EV_UMAP_REMOVE, .ukey_id = 1 };
    is_int(event_emit(r.bus, &rm), 2, "second event gets seq 2");
    is_int(r.n, 3, "deferred event delivered after its cause");
    is_int(r.types[2], UK_EV_VIOLATION, "deferred event type");
    is_int(r.seqs[2], 3, "deferred event numbered next");

    char buf[128];
    struct ukey_event t = { .type = UK_EV_TRANSITION, .ukey_id = 7,
                            .from = UKEY_EVICTED, .to = UKEY_VISIBLE,
                            .result = UK_TR_ABORT };
    uk_event_format(&t, buf, sizeof buf);
    ok(strstr(buf, "EVICTED->VISIBLE") && strstr(buf, "BACKWARD"),
       "format of a backward transition: %s", buf);
    struct ukey_event put = { .type = UK_EV_DP_PUT, .ukey_id = 7,
                              .result = 42 };
    uk_event_format(&put, buf, sizeof buf);
    ok(strstr(buf, "-> errno 42") != NULL,
       "an errno without a name shows its number: %s", buf);
    put.result = EFBIG;
    uk_event_format(&put, buf, sizeof buf);
    ok(strstr(buf, "-> EFBIG") != NULL, "a named errno: %s", buf);
    is_str(uk_errno_name(ENOENT), "ENOENT", "errno names");
    ok(uk_errno_name(42) == NULL, "no name for errno 42");
    event_bus_destroy(r.bus);
    return done_testing();
}

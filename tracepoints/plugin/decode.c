/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding of "ukey:" event messages (see decode.h).  Per event class, a
 * 'struct decode_class' caches the event type and, for each payload member
 * whose name the contract knows, its index and how to read it; the cache is
 * a small open-addressing table keyed by the event class pointer, on which
 * the decoder holds a reference so that the pointer cannot be reused. */
#include "decode.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "core/util.h"


/* ==== Members of the contract ==== */

#define DECODE_FIELDS(X) \
    X(SEQ, seq) X(THREAD_ID, thread_id) X(UKEY_ID, ukey_id) \
    X(UKEY2_ID, ukey2_id) X(UFID, ufid) X(VALUE, value) X(VALUE2, value2) \
    X(THREAD2, thread2) X(PMD_ID, pmd_id) X(UMAP, umap) X(KIND, kind) \
    X(RESULT, result) X(FROM, from) X(TO, to) X(WHERE, where) X(NAME, name)

enum decode_field {
#define DECODE_FIELD_ENUM_(NAME, MEMBER) DF_##NAME,
    DECODE_FIELDS(DECODE_FIELD_ENUM_)
#undef DECODE_FIELD_ENUM_
    N_DECODE_FIELDS
};

static const char *const decode_field_names[N_DECODE_FIELDS] = {
#define DECODE_FIELD_NAME_(NAME, MEMBER) #MEMBER,
    DECODE_FIELDS(DECODE_FIELD_NAME_)
#undef DECODE_FIELD_NAME_
};

/* How a member is read. */
enum decode_how {
    HOW_UNSIGNED,               /* Unsigned integer or enumeration. */
    HOW_SIGNED,                 /* Signed integer or enumeration. */
    HOW_STRING,
};

struct decode_member {
    uint32_t index;             /* In the payload structure. */
    uint8_t field;              /* enum decode_field. */
    uint8_t how;                /* enum decode_how. */
};

/* What the decoder knows of one event class.  Immutable once filled. */
struct decode_class {
    const bt_event_class *cls;  /* (owned reference) NULL = empty slot. */
    int type;                   /* enum uk_event_type, -1 = not "ukey:". */
    bool has_clock;             /* Its stream class has a default clock. */
    uint8_t n_members;
    struct decode_member members[N_DECODE_FIELDS];
};

/* ==== Interned strings ==== */

/* Past this many bytes of distinct strings (a trace where every 'name' is
 * different, such as violation details), strings are copied into a scratch
 * ring instead, valid for a while only: the fold only keeps thread and flow
 * names, which come first and are few. */
#define INTERN_MAX_BYTES (16u << 20)
#define SCRATCH_SIZE 65536

struct intern {
    char **slots;               /* (owned) Open addressing, NULL = empty. */
    size_t n_slots;             /* Power of 2. */
    size_t n_used;
    size_t n_bytes;
    char scratch[SCRATCH_SIZE];
    size_t scratch_ofs;
};

struct decode {
    bt_self_component *self_comp;   /* (weak) For error causes. */
    struct decode_class *classes;   /* (owned) Open addressing. */
    size_t n_classes_slots;         /* Power of 2. */
    size_t n_classes;
    struct decode_class *last;      /* Last hit (weak). */
    uint64_t n_events;
    struct intern intern;
};

static size_t
hash_pointer(const void *p)
{
    return (size_t) uk_mix64((uint64_t) (uintptr_t) p);
}

static size_t
hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char) s[i]) * 0x100000001b3ULL;
    }
    return (size_t) h;
}

static void
intern_insert_slot(char **slots, size_t n_slots, char *s)
{
    size_t i = hash_bytes(s, strlen(s)) & (n_slots - 1);
    while (slots[i]) {
        i = (i + 1) & (n_slots - 1);
    }
    slots[i] = s;
}

/* Returns a stable copy of 's' (NULL for ""). */
static const char *
intern_string(struct intern *in, const char *s)
{
    if (!s || !*s) {
        return NULL;
    }
    size_t len = strlen(s);
    if (in->n_slots) {
        size_t i = hash_bytes(s, len) & (in->n_slots - 1);
        while (in->slots[i]) {
            if (!strcmp(in->slots[i], s)) {
                return in->slots[i];
            }
            i = (i + 1) & (in->n_slots - 1);
        }
    }
    if (in->n_bytes + len + 1 > INTERN_MAX_BYTES) {
        /* Too many distinct strings: a transient copy (see above). */
        if (len + 1 > SCRATCH_SIZE / 4) {
            len = SCRATCH_SIZE / 4 - 1;
        }
        if (in->scratch_ofs + len + 1 > SCRATCH_SIZE) {
            in->scratch_ofs = 0;
        }
        char *copy = &in->scratch[in->scratch_ofs];
        memcpy(copy, s, len);
        copy[len] = '\0';
        in->scratch_ofs += len + 1;
        return copy;
    }
    if ((in->n_used + 1) * 2 > in->n_slots) {
        size_t n = in->n_slots ? in->n_slots * 2 : 64;
        char **slots = uk_xcalloc(n, sizeof *slots);
        for (size_t i = 0; i < in->n_slots; i++) {
            if (in->slots[i]) {
                intern_insert_slot(slots, n, in->slots[i]);
            }
        }
        free(in->slots);
        in->slots = slots;
        in->n_slots = n;
    }
    char *copy = uk_xstrdup(s);
    intern_insert_slot(in->slots, in->n_slots, copy);
    in->n_used++;
    in->n_bytes += len + 1;
    return copy;
}

static void
intern_destroy(struct intern *in)
{
    for (size_t i = 0; i < in->n_slots; i++) {
        free(in->slots[i]);
    }
    free(in->slots);
}

/* ==== Decoder ==== */

struct decode *
decode_create(bt_self_component *self_comp)
{
    struct decode *dec = uk_xzalloc(sizeof *dec);
    dec->self_comp = self_comp;
    dec->n_classes_slots = 64;
    dec->classes = uk_xcalloc(dec->n_classes_slots, sizeof *dec->classes);
    return dec;
}

void
decode_destroy(struct decode *dec)
{
    if (!dec) {
        return;
    }
    for (size_t i = 0; i < dec->n_classes_slots; i++) {
        BT_EVENT_CLASS_PUT_REF_AND_RESET(dec->classes[i].cls);
    }
    free(dec->classes);
    intern_destroy(&dec->intern);
    free(dec);
}

uint64_t
decode_n_events(const struct decode *dec)
{
    return dec->n_events;
}

static struct decode_class *
decode_slot(struct decode_class *classes, size_t n_slots,
            const bt_event_class *cls)
{
    size_t i = hash_pointer(cls) & (n_slots - 1);
    while (classes[i].cls && classes[i].cls != cls) {
        i = (i + 1) & (n_slots - 1);
    }
    return &classes[i];
}

/* Fills 'dc' for 'cls'.  Returns false after appending a cause. */
static bool
decode_class_init(struct decode *dec, struct decode_class *dc,
                  const bt_event_class *cls)
{
    const char *name = bt_event_class_get_name(cls);

    dc->type = -1;
    dc->n_members = 0;
    if (name && !strncmp(name, "ukey:", 5)) {
        dc->type = uk_event_type_from_name(name + 5);
    }
    const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(cls);
    dc->has_clock = bt_stream_class_borrow_default_clock_class_const(sc);
    if (dc->type < 0) {
        return true;
    }

    const bt_field_class *payload =
        bt_event_class_borrow_payload_field_class_const(cls);
    if (!payload) {
        return true;
    }
    if (bt_field_class_get_type(payload) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(dec->self_comp,
            "Cannot decode event class: event-name=\"%s\": "
            "payload field class is not a structure", name);
        return false;
    }
    uint64_t n = bt_field_class_structure_get_member_count(payload);
    for (uint64_t i = 0; i < n; i++) {
        const bt_field_class_structure_member *m =
            bt_field_class_structure_borrow_member_by_index_const(payload, i);
        const char *mname = bt_field_class_structure_member_get_name(m);
        const bt_field_class *fc =
            bt_field_class_structure_member_borrow_field_class_const(m);
        bt_field_class_type t = bt_field_class_get_type(fc);
        int field = -1;

        if (mname[0] == '_') {
            /* CTF 1.8 writers prefix names with '_'. */
            mname++;
        }
        for (int f = 0; f < N_DECODE_FIELDS; f++) {
            if (!strcmp(mname, decode_field_names[f])) {
                field = f;
                break;
            }
        }
        if (field < 0) {
            continue;           /* Unknown members are ignored. */
        }

        enum decode_how how;
        bool want_string = field == DF_WHERE || field == DF_NAME;
        if (want_string && t == BT_FIELD_CLASS_TYPE_STRING) {
            how = HOW_STRING;
        } else if (!want_string
                   && bt_field_class_type_is(
                       t, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
            how = HOW_UNSIGNED;
        } else if (!want_string
                   && bt_field_class_type_is(
                       t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
            how = HOW_SIGNED;
        } else {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
                dec->self_comp,
                "Cannot decode event: event-name=\"%s\", field=\"%s\": "
                "expecting %s field class", name, mname,
                want_string ? "a string" : "an integer");
            return false;
        }
        dc->members[dc->n_members++] = (struct decode_member) {
            .index = (uint32_t) i, .field = (uint8_t) field,
            .how = (uint8_t) how,
        };
    }
    return true;
}

/* Returns the cache entry of 'cls', filling it on first sight, or NULL after
 * appending a cause. */
static struct decode_class *
decode_lookup(struct decode *dec, const bt_event_class *cls)
{
    if (dec->last && dec->last->cls == cls) {
        return dec->last;
    }
    struct decode_class *dc = decode_slot(dec->classes, dec->n_classes_slots,
                                          cls);
    if (dc->cls) {
        dec->last = dc;
        return dc;
    }

    if ((dec->n_classes + 1) * 2 > dec->n_classes_slots) {
        size_t n = dec->n_classes_slots * 2;
        struct decode_class *classes = uk_xcalloc(n, sizeof *classes);
        for (size_t i = 0; i < dec->n_classes_slots; i++) {
            if (dec->classes[i].cls) {
                *decode_slot(classes, n, dec->classes[i].cls) =
                    dec->classes[i];
            }
        }
        free(dec->classes);
        dec->classes = classes;
        dec->n_classes_slots = n;
        dc = decode_slot(dec->classes, dec->n_classes_slots, cls);
    }
    if (!decode_class_init(dec, dc, cls)) {
        return NULL;
    }
    dc->cls = cls;
    bt_event_class_get_ref(cls);
    dec->n_classes++;
    dec->last = dc;
    return dc;
}

static void
decode_store(struct decode *dec, struct ukey_event *e, int field,
             uint64_t v, const char *s)
{
    switch ((enum decode_field) field) {
    case DF_SEQ: e->seq = v; break;
    case DF_THREAD_ID: e->thread_id = (uint32_t) v; break;
    case DF_UKEY_ID: e->ukey_id = v; break;
    case DF_UKEY2_ID: e->ukey2_id = v; break;
    case DF_UFID: e->ufid = v; break;
    case DF_VALUE: e->value = v; break;
    case DF_VALUE2: e->value2 = v; break;
    case DF_THREAD2: e->thread2 = (uint32_t) v; break;
    case DF_PMD_ID: e->pmd_id = (uint32_t) v; break;
    case DF_UMAP: e->umap = (int32_t) v; break;
    case DF_KIND: e->kind = (int32_t) v; break;
    case DF_RESULT: e->result = (int32_t) v; break;
    case DF_FROM: e->from = (uint8_t) v; break;
    case DF_TO: e->to = (uint8_t) v; break;
    case DF_WHERE: e->where = intern_string(&dec->intern, s); break;
    case DF_NAME: e->name = intern_string(&dec->intern, s); break;
    case N_DECODE_FIELDS: break;
    }
}

enum decode_status
decode_event(struct decode *dec, const bt_message *msg,
             struct ukey_event *out)
{
    const bt_event *event = bt_message_event_borrow_event_const(msg);
    const bt_event_class *cls = bt_event_borrow_class_const(event);
    struct decode_class *dc = decode_lookup(dec, cls);

    if (!dc) {
        return DECODE_ERROR;
    }
    if (dc->type < 0) {
        return DECODE_SKIP;
    }

    memset(out, 0, sizeof *out);
    out->type = (uint16_t) dc->type;
    if (dc->has_clock) {
        const bt_clock_snapshot *cs =
            bt_message_event_borrow_default_clock_snapshot_const(msg);
        int64_t ns;
        if (bt_clock_snapshot_get_ns_from_origin(cs, &ns)
            == BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
            out->ts = (uint64_t) ns;
        }
    }

    const bt_field *payload = bt_event_borrow_payload_field_const(event);
    for (unsigned int i = 0; i < dc->n_members; i++) {
        const struct decode_member *m = &dc->members[i];
        const bt_field *f =
            bt_field_structure_borrow_member_field_by_index_const(payload,
                                                                  m->index);
        switch ((enum decode_how) m->how) {
        case HOW_UNSIGNED:
            decode_store(dec, out, m->field,
                         bt_field_integer_unsigned_get_value(f), NULL);
            break;
        case HOW_SIGNED:
            decode_store(dec, out, m->field,
                         (uint64_t) bt_field_integer_signed_get_value(f),
                         NULL);
            break;
        case HOW_STRING:
            decode_store(dec, out, m->field, 0, bt_field_string_get_value(f));
            break;
        }
    }
    dec->n_events++;
    return DECODE_OK;
}

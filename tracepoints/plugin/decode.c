/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding of "ukey:" event messages (see decode.h).  Per event class, a
 * 'struct decode_class' caches the event type and, for each payload member
 * whose name the contract knows, its index and how to read it; the cache is
 * a small open-addressing table keyed by the event class pointer, on which
 * the decoder holds a reference so that the pointer cannot be reused. */
#include "decode.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
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
    uint8_t offset, size;       /* Of the field in struct ukey_event. */
};

/* Where each field goes in struct ukey_event: the decoder stores a member
 * straight into the event (its low 'size' bytes, as a cast would). */
_Static_assert(sizeof (struct ukey_event) <= UINT8_MAX,
               "decode_member's offsets are 8-bit");
static const uint8_t decode_field_offsets[N_DECODE_FIELDS] = {
#define DECODE_FIELD_OFFSET_(NAME, MEMBER) \
    offsetof(struct ukey_event, MEMBER),
    DECODE_FIELDS(DECODE_FIELD_OFFSET_)
#undef DECODE_FIELD_OFFSET_
};

static const uint8_t decode_field_sizes[N_DECODE_FIELDS] = {
#define DECODE_FIELD_SIZE_(NAME, MEMBER) \
    sizeof ((struct ukey_event *) 0)->MEMBER,
    DECODE_FIELDS(DECODE_FIELD_SIZE_)
#undef DECODE_FIELD_SIZE_
};

/* An enumeration member: a value that none of its mappings names ("result
 * = ( <unknown> : container = -256 )" in babeltrace2's text) is a corrupt
 * trace.  The ukey enumerations (from core/event.h's X-macros) are small
 * and start at 0, hence a bit per value; a mapping outside 0..63 (another
 * writer's) makes the check ask babeltrace for the value's labels. */
struct decode_enum {
    uint64_t valid;             /* Bit v: value v (0..63) has a mapping. */
    uint32_t index;             /* In the payload structure. */
    uint8_t field;              /* enum decode_field. */
    bool is_signed;
    bool sparse;                /* Some mapping outside 0..63. */
};

/* A recent value of a string member, interned: a member of one event
 * class (a 'where') takes few values, and comparing with the one cached at
 * a cheap index costs less than hashing, probing and comparing in the
 * interned set (whose slots and strings are far apart in memory). */
struct decode_last {
    const char *s;
    size_t len;
};

#define DECODE_RECENT_BITS 3
#define DECODE_RECENT (1u << DECODE_RECENT_BITS)   /* Per string member. */

/* What the decoder knows of one event class.  Immutable once filled, but
 * for 'recent'.  Small, so that the classes of a trace stay in the cache
 * next to babeltrace's own data. */
struct decode_class {
    const bt_event_class *cls;  /* (owned reference) NULL = empty slot. */
    int type;                   /* enum uk_event_type, -1 = not "ukey:". */
    uint8_t n_members;
    uint8_t n_unsigned, n_signed;   /* 'members' holds the unsigned ones,
                                     * then the signed ones, then the
                                     * strings: a loop for each, without
                                     * a branch per member. */
    struct decode_member members[N_DECODE_FIELDS];
    struct decode_last *recent;     /* (owned) DECODE_RECENT of 'where',
                                     * then of 'name'; NULL until the
                                     * class is filled. */
    uint8_t n_enums;
    struct decode_enum *enums;      /* (owned) The enumeration members
                                     * among 'members', or NULL. */
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
    /* The trace classes seen (weak: an event class held in 'classes' keeps
     * its trace class), and the "ukey:" event types missing from the last
     * one seen, until decode_missing(). */
    const bt_trace_class **traces;  /* (owned array) */
    size_t n_traces, allocated_traces;
    uint64_t missing;               /* Bit per enum uk_event_type. */
};

_Static_assert(N_UK_EVENT_TYPES <= 64, "a bit per event type");

/* Multiplicative: the classes of a trace are few, and this runs for every
 * event (they alternate, so the last-hit check rarely spares it). */
static size_t
hash_pointer(const void *p)
{
    return (size_t) (((uint64_t) (uintptr_t) p * 0x9e3779b97f4a7c15ULL)
                     >> 32);
}

/* Eight bytes at a time: hashing is most of the cost of interning the
 * 'where' of every event. */
static size_t
hash_bytes(const char *s, size_t len)
{
    uint64_t h = len * 0x9e3779b97f4a7c15ULL;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, s + i, len - i);
        h ^= w;
    }
    return (size_t) uk_mix64(h);
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

/* Returns a stable copy of 's', of 'len' bytes (NULL for ""). */
static const char *
intern_string(struct intern *in, const char *s, size_t len)
{
    if (!s || !len) {
        return NULL;
    }
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
        free(dec->classes[i].recent);
        free(dec->classes[i].enums);
    }
    free(dec->classes);
    free(dec->traces);
    intern_destroy(&dec->intern);
    free(dec);
}

uint64_t
decode_stream_class_types(const bt_stream_class *sc)
{
    uint64_t mask = 0;
    for (uint64_t j = 0; j < bt_stream_class_get_event_class_count(sc); j++) {
        const char *name = bt_event_class_get_name(
            bt_stream_class_borrow_event_class_by_index_const(sc, j));
        int type = (name && !strncmp(name, "ukey:", 5)
                    ? uk_event_type_from_name(name + 5) : -1);
        if (type >= 0) {
            mask |= UINT64_C(1) << type;
        }
    }
    return mask;
}

/* The "ukey:" event types that trace class 'tc' declares, a bit each. */
static uint64_t
declared_types(const bt_trace_class *tc)
{
    uint64_t mask = 0;
    for (uint64_t i = 0; i < bt_trace_class_get_stream_class_count(tc); i++) {
        mask |= decode_stream_class_types(
            bt_trace_class_borrow_stream_class_by_index_const(tc, i));
    }
    return mask;
}

/* On the first sight of 'cls': if its trace is new and declares some
 * "ukey:" event types but not all, notes the others in 'dec->missing'
 * (but the types added since the first traces, if it declares none of
 * them: UK_EV_FIRST_ADDED). */
static void
decode_check_trace(struct decode *dec, const bt_event_class *cls)
{
    const bt_trace_class *tc = bt_stream_class_borrow_trace_class_const(
        bt_event_class_borrow_stream_class_const(cls));
    for (size_t i = 0; i < dec->n_traces; i++) {
        if (dec->traces[i] == tc) {
            return;
        }
    }
    dec->traces = uk_grow(dec->traces, &dec->allocated_traces,
                          dec->n_traces + 1, sizeof *dec->traces);
    dec->traces[dec->n_traces++] = tc;

    uint64_t all = (N_UK_EVENT_TYPES == 64 ? UINT64_MAX
                    : (UINT64_C(1) << N_UK_EVENT_TYPES) - 1);
    uint64_t added = all & ~((UINT64_C(1) << UK_EV_FIRST_ADDED) - 1);
    uint64_t declared = declared_types(tc);
    if (declared) {
        dec->missing = all & ~declared;
        if (!(declared & added)) {
            dec->missing &= ~added;     /* An older ukdb's trace. */
        }
    }
}

void
decode_missing(struct decode *dec, char *buf, size_t size)
{
    size_t len = 0, n = 0, shown = 0;
    buf[0] = '\0';
    for (int type = 0; type < N_UK_EVENT_TYPES; type++) {
        if (!((dec->missing >> type) & 1)) {
            continue;
        }
        n++;
        if (shown < 6 && len < size) {
            len += (size_t) snprintf(buf + len, size - len, "%s%s",
                                     shown ? ", " : "",
                                     uk_event_type_name(type));
            shown++;
        }
    }
    if (n > shown && len < size) {
        snprintf(buf + len, size - len, " and %zu more", n - shown);
    }
    dec->missing = 0;
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

/* Sets in 'e->valid' the values lo..hi that fall in 0..63, and
 * 'e->sparse' if some do not. */
static void
decode_enum_range(struct decode_enum *e, int64_t lo, uint64_t hi,
                  bool hi_negative)
{
    if (lo < 0 || hi_negative || hi > 63) {
        e->sparse = true;
    }
    if (hi_negative || (lo > 63)) {
        return;
    }
    for (uint64_t v = lo < 0 ? 0 : (uint64_t) lo; v <= hi && v <= 63; v++) {
        e->valid |= UINT64_C(1) << v;
    }
}

/* Adds to 'e' the ranges of mapping 'i' of signed enumeration 'fc'. */
static void
decode_enum_signed(struct decode_enum *e, const bt_field_class *fc,
                   uint64_t i)
{
    const bt_field_class_enumeration_signed_mapping *m =
        bt_field_class_enumeration_signed_borrow_mapping_by_index_const(fc, i);
    const bt_integer_range_set_signed *rs =
        bt_field_class_enumeration_signed_mapping_borrow_ranges_const(m);
    uint64_t n = bt_integer_range_set_get_range_count(
        bt_integer_range_set_signed_as_range_set_const(rs));
    for (uint64_t j = 0; j < n; j++) {
        const bt_integer_range_signed *r =
            bt_integer_range_set_signed_borrow_range_by_index_const(rs, j);
        int64_t hi = bt_integer_range_signed_get_upper(r);
        decode_enum_range(e, bt_integer_range_signed_get_lower(r),
                          hi < 0 ? 0 : (uint64_t) hi, hi < 0);
    }
}

/* Adds to 'e' the ranges of mapping 'i' of unsigned enumeration 'fc'. */
static void
decode_enum_unsigned(struct decode_enum *e, const bt_field_class *fc,
                     uint64_t i)
{
    const bt_field_class_enumeration_unsigned_mapping *m =
        bt_field_class_enumeration_unsigned_borrow_mapping_by_index_const(
            fc, i);
    const bt_integer_range_set_unsigned *rs =
        bt_field_class_enumeration_unsigned_mapping_borrow_ranges_const(m);
    uint64_t n = bt_integer_range_set_get_range_count(
        bt_integer_range_set_unsigned_as_range_set_const(rs));
    for (uint64_t j = 0; j < n; j++) {
        const bt_integer_range_unsigned *r =
            bt_integer_range_set_unsigned_borrow_range_by_index_const(rs, j);
        uint64_t lo = bt_integer_range_unsigned_get_lower(r);
        decode_enum_range(e, lo > INT64_MAX ? INT64_MAX : (int64_t) lo,
                          bt_integer_range_unsigned_get_upper(r), false);
    }
}

/* Fills 'e' for the enumeration field class 'fc', member 'index' of the
 * payload, for field 'field'. */
static void
decode_enum_init(struct decode_enum *e, const bt_field_class *fc,
                 uint32_t index, int field)
{
    *e = (struct decode_enum) {
        .index = index, .field = (uint8_t) field,
        .is_signed = bt_field_class_type_is(
            bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_SIGNED_INTEGER),
    };
    uint64_t n = bt_field_class_enumeration_get_mapping_count(fc);
    for (uint64_t i = 0; i < n; i++) {
        if (e->is_signed) {
            decode_enum_signed(e, fc, i);
        } else {
            decode_enum_unsigned(e, fc, i);
        }
    }
}

/* Adds member 'i' of 'payload' (of event class 'name') to 'dc' if it is a
 * field ukdb reads.  Returns false after appending a cause. */
static bool
decode_member_init(struct decode *dec, struct decode_class *dc,
                   const char *name, const bt_field_class *payload,
                   uint32_t i)
{
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
        return true;            /* Unknown members are ignored. */
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
    if (how != HOW_STRING
        && bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ENUMERATION)) {
        if (!dc->enums) {
            dc->enums = uk_xcalloc(N_DECODE_FIELDS, sizeof *dc->enums);
        }
        decode_enum_init(&dc->enums[dc->n_enums++], fc, i, field);
    }
    dc->members[dc->n_members++] = (struct decode_member) {
        .index = i, .field = (uint8_t) field, .how = (uint8_t) how,
        .offset = decode_field_offsets[field],
        .size = decode_field_sizes[field],
    };
    return true;
}

/* Fills 'dc' for 'cls'.  Returns false after appending a cause. */
static bool
decode_class_init(struct decode *dec, struct decode_class *dc,
                  const bt_event_class *cls)
{
    const char *name = bt_event_class_get_name(cls);

    dc->type = -1;
    dc->n_members = dc->n_unsigned = dc->n_signed = dc->n_enums = 0;
    dc->enums = NULL;
    dc->recent = uk_xcalloc(2 * DECODE_RECENT, sizeof *dc->recent);
    if (name && !strncmp(name, "ukey:", 5)) {
        dc->type = uk_event_type_from_name(name + 5);
    }
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
        if (!decode_member_init(dec, dc, name, payload, (uint32_t) i)) {
            return false;
        }
    }

    /* Stable sort by 'how' (at most N_DECODE_FIELDS members). */
    for (unsigned int i = 1; i < dc->n_members; i++) {
        struct decode_member m = dc->members[i];
        unsigned int j = i;
        for (; j > 0 && dc->members[j - 1].how > m.how; j--) {
            dc->members[j] = dc->members[j - 1];
        }
        dc->members[j] = m;
    }
    for (unsigned int i = 0; i < dc->n_members; i++) {
        dc->n_unsigned += dc->members[i].how == HOW_UNSIGNED;
        dc->n_signed += dc->members[i].how == HOW_SIGNED;
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
        free(dc->recent);
        dc->recent = NULL;
        free(dc->enums);
        dc->enums = NULL;
        return NULL;
    }
    dc->cls = cls;
    bt_event_class_get_ref(cls);
    dec->n_classes++;
    dec->last = dc;
    decode_check_trace(dec, cls);
    return dc;
}

/* The value of a string member whose recent values are 'recent': 's', of
 * 'len' bytes, interned.  The index is of the last 8 bytes, where a
 * 'where' ("core/handler.c:212") differs. */
static const char *
decode_string(struct decode *dec, struct decode_last *recent, const char *s,
              size_t len)
{
    if (!s || !len) {
        return NULL;
    }
    uint64_t w = 0;
    size_t k = len < 8 ? len : 8;
    memcpy(&w, s + len - k, k);
    struct decode_last *last =
        &recent[((w ^ len) * 0x9e3779b97f4a7c15ULL)
                >> (64 - DECODE_RECENT_BITS)];
    if (last->s && last->len == len && !memcmp(last->s, s, len)) {
        return last->s;
    }
    const char *v = intern_string(&dec->intern, s, len);
    uintptr_t scratch = (uintptr_t) dec->intern.scratch;
    if ((uintptr_t) v - scratch >= SCRATCH_SIZE) {
        last->s = v;            /* Not a transient copy: stable. */
        last->len = len;
    }
    return v;
}

/* Stores the low 'm->size' bytes of 'v' (a cast to the field's type) at
 * 'm->offset' of the event at 'base'. */
static inline void
decode_store(char *base, const struct decode_member *m, uint64_t v)
{
    char *p = base + m->offset;
    switch (m->size) {
    case 8:
        memcpy(p, &v, 8);
        break;
    case 4: {
        uint32_t w = (uint32_t) v;
        memcpy(p, &w, 4);
        break;
    }
    case 2: {
        uint16_t w = (uint16_t) v;
        memcpy(p, &w, 2);
        break;
    }
    default: {
        uint8_t w = (uint8_t) v;
        memcpy(p, &w, 1);
        break;
    }
    }
}

/* Returns true if the value of enumeration member 'e' of 'payload' has a
 * mapping; else appends a cause naming the event of class 'dc' (decoded
 * into 'out', whose 'seq' is 0 when unknown) and returns false. */
static bool
decode_check_enum(struct decode *dec, const struct decode_class *dc,
                  const struct decode_enum *e, const bt_field *payload,
                  const struct ukey_event *out)
{
    const bt_field *f =
        bt_field_structure_borrow_member_field_by_index_const(payload,
                                                              e->index);
    uint64_t u = 0;
    int64_t s = 0;
    if (e->is_signed) {
        s = bt_field_integer_signed_get_value(f);
        u = (uint64_t) s;
    } else {
        u = bt_field_integer_unsigned_get_value(f);
    }
    if (u < 64 && (e->valid >> u) & 1) {
        return true;
    }
    if (e->sparse) {
        bt_field_class_enumeration_mapping_label_array labels;
        uint64_t n_labels = 0;
        bt_field_enumeration_get_mapping_labels_status status =
            (e->is_signed
             ? bt_field_enumeration_signed_get_mapping_labels(f, &labels,
                                                              &n_labels)
             : bt_field_enumeration_unsigned_get_mapping_labels(f, &labels,
                                                                &n_labels));
        if (status == BT_FIELD_ENUMERATION_GET_MAPPING_LABELS_STATUS_OK
            && n_labels) {
            return true;
        }
    }

    char seq[32] = "";
    if (out->seq) {
        snprintf(seq, sizeof seq, ", seq=%" PRIu64, out->seq);
    }
    char value[32];
    if (e->is_signed) {
        snprintf(value, sizeof value, "%" PRId64, s);
    } else {
        snprintf(value, sizeof value, "%" PRIu64, u);
    }
    BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(dec->self_comp,
        "Cannot decode event: event-name=\"%s\"%s, field=\"%s\": "
        "value %s is not in its enumeration: the trace is corrupt",
        bt_event_class_get_name(dc->cls), seq,
        decode_field_names[e->field], value);
    return false;
}

enum decode_status
decode_event(struct decode *dec, const bt_message *msg, int64_t ns,
             struct ukey_event *out)
{
    const bt_event *event = bt_message_event_borrow_event_const(msg);
    const bt_event_class *cls = bt_event_borrow_class_const(event);
    struct decode_class *dc = decode_lookup(dec, cls);

    if (!dc) {
        return DECODE_ERROR;
    }
    if (dec->missing) {
        return DECODE_INCOMPLETE;
    }
    if (dc->type < 0) {
        return DECODE_SKIP;
    }

    uint64_t ts = ns == INT64_MIN ? 0 : (uint64_t) ns;

    /* Straight into 'out', absent members 0: one loop per way of reading,
     * without a branch per member on how to read it. */
    /* Field by field: GCC makes a struct initializer 'rep stos', slow to
     * start for 104 bytes. */
    out->seq = 0;
    out->ts = ts;
    out->ukey_id = out->ukey2_id = out->ufid = 0;
    out->value = out->value2 = 0;
    out->where = out->name = NULL;
    out->thread_id = out->thread2 = out->pmd_id = 0;
    out->umap = out->kind = out->result = 0;
    out->type = (uint16_t) dc->type;
    out->from = out->to = 0;
    char *base = (char *) out;
    const bt_field *payload = bt_event_borrow_payload_field_const(event);
    const struct decode_member *m = dc->members;
    const struct decode_member *end_unsigned = m + dc->n_unsigned;
    const struct decode_member *end_signed = end_unsigned + dc->n_signed;
    const struct decode_member *end = m + dc->n_members;
    for (; m < end_unsigned; m++) {
        decode_store(base, m, bt_field_integer_unsigned_get_value(
            bt_field_structure_borrow_member_field_by_index_const(
                payload, m->index)));
    }
    for (; m < end_signed; m++) {
        decode_store(base, m, (uint64_t) bt_field_integer_signed_get_value(
            bt_field_structure_borrow_member_field_by_index_const(
                payload, m->index)));
    }
    for (; m < end; m++) {
        const bt_field *f =
            bt_field_structure_borrow_member_field_by_index_const(payload,
                                                                  m->index);
        bool is_name = m->field == DF_NAME;
        const char *v = decode_string(dec,
                                      &dc->recent[is_name * DECODE_RECENT],
                                      bt_field_string_get_value(f),
                                      bt_field_string_get_length(f));
        if (is_name) {
            out->name = v;
        } else {
            out->where = v;
        }
    }
    for (unsigned int i = 0; i < dc->n_enums; i++) {
        if (!decode_check_enum(dec, dc, &dc->enums[i], payload, out)) {
            return DECODE_ERROR;
        }
    }
    dec->n_events++;
    return DECODE_OK;
}

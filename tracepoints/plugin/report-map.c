/* SPDX-License-Identifier: Apache-2.0 */
/* The report's map from uint64_t to uint64_t (report-private.h): flow
 * names by ufid, the --flow ufids, the views' ukeys by id. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "report-private.h"


/* ==== Map ==== */

static size_t
report_map_slot(const struct report_map *m, uint64_t key)
{
    return (size_t) uk_mix64(key) & (m->n_slots - 1);
}

bool
report_map_get(const struct report_map *m, uint64_t key, uint64_t *value)
{
    if (!m->n_slots) {
        return false;
    }
    for (size_t i = report_map_slot(m, key); m->keys[i];
         i = (i + 1) & (m->n_slots - 1)) {
        if (m->keys[i] == key) {
            *value = m->values[i];
            return true;
        }
    }
    return false;
}

void
report_map_put(struct report_map *m, uint64_t key, uint64_t value)
{
    if ((m->n + 1) * 2 > m->n_slots) {
        struct report_map new = { .n_slots = m->n_slots ? m->n_slots * 2
                                                        : 64 };
        new.keys = uk_xcalloc(new.n_slots, sizeof *new.keys);
        new.values = uk_xcalloc(new.n_slots, sizeof *new.values);
        for (size_t i = 0; i < m->n_slots; i++) {
            if (m->keys[i]) {
                report_map_put(&new, m->keys[i], m->values[i]);
            }
        }
        report_map_destroy(m);
        *m = new;
    }
    size_t i = report_map_slot(m, key);
    while (m->keys[i] && m->keys[i] != key) {
        i = (i + 1) & (m->n_slots - 1);
    }
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->n++;
    }
    m->values[i] = value;
}

void
report_map_remove(struct report_map *m, uint64_t key)
{
    if (!m->n_slots) {
        return;
    }
    size_t mask = m->n_slots - 1;
    size_t i = report_map_slot(m, key);
    while (m->keys[i] != key) {
        if (!m->keys[i]) {
            return;
        }
        i = (i + 1) & mask;
    }
    /* Backward-shift deletion: no tombstones. */
    for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        size_t home = report_map_slot(m, m->keys[j]);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->values[i] = m->values[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->n--;
}

void
report_map_destroy(struct report_map *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

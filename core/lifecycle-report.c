/* SPDX-License-Identifier: Apache-2.0 */
/* How the lifecycle fold words what it finds: its own fast formatting, the
 * names of threads in messages, the report of a violation (to the
 * 'violation' callback, and as a ukey's first error) and of a ukey's
 * lifecycle and verdict (to 'ukey_done'). */
#include "lifecycle-private.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* ==== Strings ==== */

/* vsnprintf() for the conversions of the fold's messages (%s, %u, %llu,
 * %%), several times faster than the C library's: a trace can have a
 * violation every few dozen events, and each PASS has an explanation.
 * Anything else falls back to vsnprintf(). */
static int lc_vformat(char *buf, size_t size, const char *fmt, va_list)
    UK_PRINTF(3, 0);

static int
lc_vformat(char *buf, size_t size, const char *fmt, va_list args)
{
    va_list copy;
    size_t n = 0;

    va_copy(copy, args);
    for (const char *p = fmt; *p; ) {
        char tmp[24];
        const char *s;
        size_t len;

        if (*p != '%') {
            const char *pct = strchr(p, '%');
            s = p;
            len = pct ? (size_t) (pct - p) : strlen(p);
            p += len;
        } else if (p[1] == '%') {
            s = "%";
            len = 1;
            p += 2;
        } else if (p[1] == 's') {
            s = va_arg(args, const char *);
            s = s ? s : "(null)";
            len = strlen(s);
            p += 2;
        } else if (p[1] == 'u' || (p[1] == 'l' && p[2] == 'l'
                                   && p[3] == 'u')) {
            unsigned long long v;
            if (p[1] == 'u') {
                v = va_arg(args, unsigned int);
                p += 2;
            } else {
                v = va_arg(args, unsigned long long);
                p += 4;
            }
            char *q = tmp + sizeof tmp;
            do {
                *--q = (char) ('0' + v % 10);
                v /= 10;
            } while (v);
            s = q;
            len = tmp + sizeof tmp - q;
        } else {
            int r = vsnprintf(buf, size, fmt, copy);
            va_end(copy);
            return r;
        }
        if (n < size) {
            size_t room = size - 1 - n;
            memcpy(buf + n, s, len < room ? len : room);
        }
        n += len;
    }
    if (size) {
        buf[n < size ? n : size - 1] = '\0';
    }
    va_end(copy);
    return n > INT_MAX ? INT_MAX : (int) n;
}

int UK_PRINTF(3, 4)
lc_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int len = lc_vformat(buf, size, fmt, args);
    va_end(args);
    return len;
}

/* Name of thread 'id' for a message; 'slot' (0 or 1) picks the scratch
 * buffer used when the thread has no name. */
const char *
lc_tname(struct lifecycle *lc, uint32_t id, int slot)
{
    const char *name = lifecycle_thread_name(lc, id);
    if (name) {
        return name;
    }
    snprintf(lc->tname[slot], sizeof lc->tname[slot], "thread %u", id);
    return lc->tname[slot];
}

const char *
lc_seq_str(char *buf, size_t size, const struct lifecycle_evidence *ev)
{
    lc_format(buf, size, "%llu", (unsigned long long) ev->seq);
    return buf;
}

/* ==== Reporting ==== */

/* Reports a violation of 'kind' detected at 'now', with 'earlier' (may be
 * NULL) as the earlier evidence, and a detail line formatted from 'fmt'.
 * Kinds in LC_ONCE_KINDS are reported once per ukey (or flow, which the
 * caller checks): a repeat only counts in 'n_suppressed'. */
void UK_PRINTF(7, 8)
lc_report(struct lifecycle *lc, enum uk_violation_kind kind,
          enum uk_severity sev, const struct lc_subject *subj,
          const struct lifecycle_evidence *now,
          const struct lifecycle_evidence *earlier, const char *fmt, ...)
{
    struct lc_ukey *u = subj->u;
    if (u && (LC_ONCE_KINDS >> kind) & 1) {
        if ((u->reported >> kind) & 1) {
            lc->sum.n_suppressed++;
            return;
        }
        u->reported |= 1u << kind;
    }

    va_list args;
    va_start(args, fmt);
    int len = lc_vformat(lc->buf, sizeof lc->buf, fmt, args);
    va_end(args);
    if (len < 0) {
        len = 0;
    } else if ((size_t) len >= sizeof lc->buf) {
        len = sizeof lc->buf - 1;
    }
    const char *detail = (lc->opts.transient_details ? lc->buf
                          : lc_intern(lc, lc->buf, len));

    static const struct lifecycle_evidence none;
    if (!earlier) {
        earlier = &none;
    }
    struct lifecycle_violation v = {
        .event = {
            .type = UK_EV_VIOLATION,
            .kind = kind,
            .result = sev,
            .ukey_id = u ? u->id : subj->ukey_id,
            .ufid = u ? u->ufid : subj->ufid,
            .thread_id = now->thread_id,
            .thread2 = earlier->thread_id,
            .value = now->seq,
            .value2 = earlier->seq,
            .ts = now->ts,
            .umap = u ? u->umap : -1,
            .pmd_id = u ? u->pmd_id : subj->pmd_id,
            .name = detail,
        },
        .evidence = { *now, *earlier },
    };
    if (u && sev == UK_SEV_ERROR && !u->failed) {
        u->failed = true;
        u->rule = kind;
        if (lc->opts.transient_details) {
            /* Needed until its lifecycle is reported: its own copy. */
            if (!u->expl) {
                u->expl = uk_xmalloc(sizeof lc->buf);
            }
            memcpy(u->expl, detail, (size_t) len + 1);
            detail = u->expl;
        }
        u->explanation = detail;
        u->fail_ev[0] = *now;
        u->fail_ev[1] = *earlier;
    }
    lc->sum.n_violations++;
    lc->sum.by_violation[kind]++;
    if (lc->cbs.violation) {
        lc->cbs.violation(&v, lc->cbs.aux);
    }
}

static enum lifecycle_verdict
lc_verdict(const struct lc_ukey *u, bool freed, bool ended)
{
    if (u->failed) {
        return LIFECYCLE_FAIL;
    } else if (u->doubt != LC_SURE || (!freed && !ended)) {
        return LIFECYCLE_INCONCLUSIVE;
    }
    return LIFECYCLE_PASS;
}

/* Reports the lifecycle of 'u' to 'ukey_done'.  'now' is the free, or the
 * last event seen. */
void
lc_done(struct lifecycle *lc, struct lc_ukey *u, bool freed,
        const struct lifecycle_evidence *now)
{
    enum lifecycle_verdict verdict = lc_verdict(u, freed, lc->sum.complete);
    lc->sum.by_verdict[verdict]++;
    if (!lc->cbs.ukey_done) {
        return;
    }

    struct lifecycle_ukey out = {
        .ukey_id = u->id,
        .ufid = u->ufid,
        .pmd_id = u->pmd_id,
        .run = u->run,
        .flow_name = lc_flow_name(lc, u->ufid),
        .umap = u->umap,
        .state = u->state,
        .freed = freed,
        .created_seen = u->created_seen,
        .verdict = verdict,
        .rule = u->rule,
        .steps = lc->opts.keep_steps ? u->steps : NULL,
        .n_steps = lc->opts.keep_steps ? u->n_steps : 0,
    };
    if (verdict == LIFECYCLE_FAIL) {
        out.explanation = u->explanation;
        out.evidence[0] = u->fail_ev[0];
        out.evidence[1] = u->fail_ev[1];
    } else {
        out.evidence[0] = *now;
        out.evidence[1] = u->first_ev;
        if (verdict == LIFECYCLE_PASS) {
            lc_format(lc->buf, sizeof lc->buf,
                      "pass: created (seq %llu), freed by %s (seq %llu)",
                      (unsigned long long) u->first_ev.seq,
                      lc_tname(lc, now->thread_id, 0),
                      (unsigned long long) now->seq);
        } else if (u->doubt == LC_MID_LIFE) {
            lc_format(lc->buf, sizeof lc->buf,
                      "inconclusive: first seen mid-life (seq %llu), its "
                      "create is not in the input",
                      (unsigned long long) u->first_ev.seq);
        } else if (u->doubt == LC_LOST) {
            lc_format(lc->buf, sizeof lc->buf,
                      "inconclusive: events were lost while it was live");
        } else {
            lc_format(lc->buf, sizeof lc->buf,
                      "inconclusive: still %s when the input stopped "
                      "without an end event", ukey_state_name(u->state));
        }
        out.explanation = lc->buf;
    }
    lc->cbs.ukey_done(&out, lc->cbs.aux);
}

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""audit-fold: the baseline of tests/bench/audit-bench.sh: what "ukdb
audit" does, written as a python3-bt2 script: read the traces, decode every
"ukey:" event by field name, and fold per-ukey lifecycles (state, backward
transitions, double delete, use after free; a ukey is dropped when freed).

    audit-fold.py [--limit N] TRACE_DIR...

Prints "events=N seconds=S events_per_s=R ukeys=U violations=V"."""
import sys
import time

import bt2

STATE_FIELDS = ('from', 'to')


def field(payload, name):
    try:
        v = payload[name]
    except KeyError:
        return 0
    return int(v) if not isinstance(v, bt2._StringFieldConst) else str(v)


def main():
    args = sys.argv[1:]
    limit = None
    if args[:1] == ['--limit']:
        limit = int(args[1])
        args = args[2:]
    start = time.monotonic()
    it = bt2.TraceCollectionMessageIterator(args)
    live = {}
    freed = set()
    n = n_ukeys = n_viol = 0
    for msg in it:
        if type(msg) is not bt2._EventMessageConst:
            continue
        ev = msg.event
        name = ev.name
        if not name.startswith('ukey:'):
            continue
        n += 1
        tp = name[5:]
        p = ev.payload_field
        uk = field(p, 'ukey_id')
        if uk and uk in freed:
            n_viol += 1
        elif tp == 'create':
            live[uk] = {'state': 0, 'deleted': 0}
            n_ukeys += 1
        elif tp == 'transition':
            u = live.setdefault(uk, {'state': 0, 'deleted': 0})
            frm, to = field(p, 'from'), field(p, 'to')
            if to < frm:
                n_viol += 1
            if field(p, 'result') == 0:
                u['state'] = to
        elif tp in ('umap_remove', 'rcu_postpone'):
            u = live.setdefault(uk, {'state': 0, 'deleted': 0})
            u['deleted'] += 1
            if u['deleted'] > 2 or field(p, 'result'):
                n_viol += 1
        elif tp in ('rcu_free', 'ukey_free'):
            live.pop(uk, None)
            freed.add(uk)
        if limit and n >= limit:
            break
    secs = time.monotonic() - start
    print('events=%d seconds=%.3f events_per_s=%.0f ukeys=%d violations=%d'
          % (n, secs, n / secs if secs else 0, n_ukeys, n_viol))


if __name__ == '__main__':
    main()

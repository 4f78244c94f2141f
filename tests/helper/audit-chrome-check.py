#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""audit-chrome-check: validates the Chrome trace-event JSON of
"ukdb view --format chrome" (read from FILE or stdin):
  - it loads as JSON, an object with a "traceEvents" list;
  - every event has the keys its phase requires;
  - every async "b" has its "e" (same cat, id and name), after it;
  - B/E slices are strictly nested per (pid, tid), E after its B;
  - every flow "s" has its "f" with the same id.
Prints a summary line ("ok: N events, ...") and exits 0, or prints each
problem and exits 1."""
import json
import sys

REQUIRED = {
    'B': ('name', 'ts', 'pid', 'tid'), 'E': ('ts', 'pid', 'tid'),
    'X': ('name', 'ts', 'dur', 'pid', 'tid'),
    'b': ('name', 'cat', 'id', 'ts', 'pid'),
    'e': ('name', 'cat', 'id', 'ts', 'pid'),
    's': ('name', 'cat', 'id', 'ts', 'pid', 'tid'),
    'f': ('name', 'cat', 'id', 'ts', 'pid', 'tid'),
    'i': ('name', 'ts', 'pid', 's'), 'M': ('name', 'pid', 'args'),
}


def main():
    f = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    doc = json.load(f)
    problems = []
    events = doc.get('traceEvents') if isinstance(doc, dict) else None
    if not isinstance(events, list):
        print('not an object with a traceEvents list')
        return 1
    counts = {}
    stacks = {}
    open_async = {}
    flows = {}
    for n, ev in enumerate(events):
        ph = ev.get('ph')
        counts[ph] = counts.get(ph, 0) + 1
        if ph not in REQUIRED:
            problems.append('event %d: unknown phase %r' % (n, ph))
            continue
        missing = [k for k in REQUIRED[ph] if k not in ev]
        if missing:
            problems.append('event %d (%s): missing %s' % (n, ph, missing))
            continue
        if ph in ('B', 'E'):
            st = stacks.setdefault((ev['pid'], ev['tid']), [])
            if ph == 'B':
                st.append((ev['ts'], ev['name']))
            elif not st:
                problems.append('event %d: E without B on tid %s'
                                % (n, ev['tid']))
            elif ev['ts'] < st[-1][0]:
                problems.append('event %d: E before its B' % n)
            else:
                st.pop()
        elif ph == 'b':
            key = (ev['cat'], ev['id'], ev['name'])
            if key in open_async:
                problems.append('event %d: b %s already open' % (n, key))
            open_async[key] = ev['ts']
        elif ph == 'e':
            key = (ev['cat'], ev['id'], ev['name'])
            if key not in open_async:
                problems.append('event %d: e %s without b' % (n, key))
            elif ev['ts'] < open_async.pop(key):
                problems.append('event %d: e %s before its b' % (n, key))
        elif ph in ('s', 'f'):
            flows.setdefault(ev['id'], set()).add(ph)
    for k, st in stacks.items():
        if st:
            problems.append('tid %s: %d B without E' % (k[1], len(st)))
    for key in open_async:
        problems.append('b %s without e' % (key,))
    for fid, phs in flows.items():
        if phs != {'s', 'f'}:
            problems.append('flow %s: only %s' % (fid, sorted(phs)))
    for p in problems[:50]:
        print(p)
    if problems:
        return 1
    print('ok: %d events, %s' % (len(events), ' '.join(
        '%s=%d' % (k, counts[k]) for k in sorted(counts))))
    return 0


if __name__ == '__main__':
    sys.exit(main())

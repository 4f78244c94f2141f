#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ctf-write: writes a small CTF 1.8 trace of "ukey:" events, for the
audit/view tests: exact scenarios (a clean lifecycle, a double delete, lost
events) without a tracer, in the field contract of tracepoints/provider/tp.h
(payload members named like 'struct ukey_event', enumerations with integer
containers generated from core/event.h's X-macro lists).

    ctf-write.py [--provider P] [--no-enums] [--types T,T...] OUTDIR < SCENARIO

SCENARIO has one event per line: TYPE then KEY=VALUE pairs, keys as in the
canonical format (thread, ukey, ukey2, ufid, value, value2, thread2, pmd,
umap, kind, result, from, to, where, name, seq, ts).  Enumerated values take
their names (kind=UPCALL, from=CREATED, result=OK).  seq defaults to the
previous seq + 1 (from 1), ts (ns) to 1000 * seq.  '#' starts a comment.
--types declares only those event types in the metadata and writes only
their events, as an LTTng session that enabled only some.
Directives: "@packet" starts a new packet; "@discard N" starts a new packet
whose header says N more events were discarded (babeltrace2 then reports a
discarded-events message); "@lost-packets N" starts a new packet N
sequence numbers on (a discarded-packets message: events of an unknown
number).  "@counter V" starts a new packet whose header says V events were
discarded so far, whatever the count is (as LTTng-UST was seen writing 0
amid others); the packets after it go on from the count.  "@run" starts another run of the program: seq from 1 again, time going
on.  "@stream N" sends the events and packets that follow to stream
file stream_N (from stream 0; each stream has its own packets, as LTTng's
per-CPU streams), and "@drop" drops the events that follow until the next
"@stream": they take their seq and ts, and are written nowhere (the events
an "@discard" in some stream counts).  Only the standard library: no
python3-bt2.
"""
import os
import re
import struct
import sys
import uuid

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def xlists(path):
    """Returns {LIST_NAME: [names]} for the X-macro lists of event.h."""
    text = open(path).read()
    lists = {}
    for m in re.finditer(r'#define (\w+)\(X\)((?:[^\n]*\\\n)*[^\n]*)', text):
        body = re.sub(r'/\*.*?\*/', '', m.group(2).replace('\\\n', ' '))
        second = m.group(1) in ('UK_VIOLATION_KINDS', 'UK_EVENT_TYPES')
        lists[m.group(1)] = [x.split(',')[-1 if second else 0].strip()
                             for x in re.findall(r'X\(([^)]*)\)', body)]
    return lists


L = xlists(os.path.join(TOP, 'core', 'event.h'))
TYPES = L['UK_EVENT_TYPES']

# Per type: the payload after seq and thread_id (tp.h), and the lists of its
# enumerated kind and result (None: plain integer).
U64, U32, S32, STR = 'uint64_t', 'uint32_t', 'int32_t', 'string'
FIELDS = {
    'thread_start': ['kind', 'name', 'pmd_id'],
    'flow': ['ufid', 'pmd_id', 'name'],
    'traffic': ['ufid', 'pmd_id', 'value', 'result'],
    'upcall': ['ufid', 'pmd_id', 'value'],
    'create': ['ukey_id', 'ufid', 'pmd_id', 'umap', 'kind'],
    'transition': ['ukey_id', 'ufid', 'from', 'to', 'result', 'where'],
    'lock': ['kind', 'umap', 'ukey_id', 'result', 'where'],
    'trylock': ['kind', 'umap', 'ukey_id', 'result', 'where'],
    'unlock': ['kind', 'umap', 'ukey_id', 'result', 'where'],
    'umap_lookup': ['ufid', 'pmd_id', 'umap', 'ukey_id'],
    'umap_insert': ['ukey_id', 'ufid', 'umap'],
    'umap_replace': ['ukey_id', 'ukey2_id', 'ufid', 'umap'],
    'umap_remove': ['ukey_id', 'ufid', 'umap', 'result'],
    'rcu_postpone': ['ukey_id', 'ufid'],
    'rcu_quiesce': [],
    'rcu_free': ['ukey_id', 'ufid'],
    'ukey_free': ['ukey_id', 'ufid', 'kind'],
    'dp_put': ['ukey_id', 'ufid', 'pmd_id', 'kind', 'result', 'value'],
    'dp_del': ['ukey_id', 'ufid', 'pmd_id', 'kind', 'result', 'value'],
    'dp_dump': ['ufid', 'pmd_id', 'value', 'kind'],
    'revalidate': ['ukey_id', 'ufid', 'kind', 'result'],
    'stats_push': ['ukey_id', 'ufid', 'value'],
    'op_begin': ['kind', 'value'],
    'op_end': ['kind'],
    'barrier': ['kind', 'value'],
    'coverage': ['kind', 'ukey_id', 'ufid'],
    'violation': ['kind', 'result', 'ukey_id', 'ufid', 'thread2', 'value',
                  'value2', 'name'],
    'end': ['value'],
    'rule_change': ['ufid', 'value', 'value2'],
}
KINDS = {
    'thread_start': 'UK_THREAD_KINDS', 'create': 'UK_CREATE_ORIGINS',
    'lock': 'UK_LOCK_TARGETS', 'trylock': 'UK_LOCK_TARGETS',
    'unlock': 'UK_LOCK_TARGETS', 'ukey_free': 'UK_FREE_HOWS',
    'dp_put': 'UK_PUT_OPS', 'dp_del': 'UK_DEL_ORIGINS',
    'dp_dump': 'UK_DUMP_ENTRIES', 'revalidate': 'UK_REVAL_RESULTS',
    'op_begin': 'UK_OPS', 'op_end': 'UK_OPS', 'barrier': 'UK_BARRIER_STEPS',
    'coverage': 'UK_COVERAGES', 'violation': 'UK_VIOLATION_KINDS',
}
RESULTS = {
    'traffic': 'UK_PATHS', 'transition': 'UK_TRANSITION_RESULTS',
    'revalidate': 'UK_DEL_REASONS', 'violation': 'UK_SEVERITIES',
}
CTYPE = {'ukey_id': U64, 'ukey2_id': U64, 'ufid': U64, 'value': U64,
         'value2': U64, 'thread2': U32, 'pmd_id': U32, 'umap': S32,
         'kind': S32, 'result': S32, 'from': 'uint8_t', 'to': 'uint8_t',
         'where': STR, 'name': STR}
PACK = {U64: '<Q', U32: '<I', S32: '<i', 'uint8_t': '<B'}
ALIASES = {'thread': 'thread_id', 'ukey': 'ukey_id', 'ukey2': 'ukey2_id',
           'pmd': 'pmd_id'}
# One clock for every trace written, as LTTng's per-boot clock: traces
# written separately can then be muxed together.
CLOCK_UUID = 'c1fc1fc1-0000-4000-8000-75c0ffee0001'
ERRNO = {'ok': 0, 'ENOENT': 2, 'EIO': 5, 'ENOMEM': 12, 'EBUSY': 16,
         'EEXIST': 17, 'EINVAL': 22, 'EFBIG': 27, 'ENOSPC': 28}


def enum_decl(container, names):
    return 'enum : %s { %s }' % (container, ', '.join(
        '"%s" = %d' % (n, i) for i, n in enumerate(names)))


def field_decl(tp, f, enums):
    if f in ('from', 'to') and enums:
        return enum_decl('uint8_t', L['UKEY_STATES'])
    lst = KINDS.get(tp) if f == 'kind' else \
        RESULTS.get(tp) if f == 'result' else None
    if lst and enums:
        return enum_decl('int32_t', L[lst])
    return CTYPE[f]


def metadata(provider, enums, trace_uuid, types):
    out = ['/* CTF 1.8 */', '',
           'typealias integer { size = 8; align = 8; signed = false; }'
           ' := uint8_t;',
           'typealias integer { size = 32; align = 8; signed = false; }'
           ' := uint32_t;',
           'typealias integer { size = 64; align = 8; signed = false; }'
           ' := uint64_t;',
           'typealias integer { size = 32; align = 8; signed = true; }'
           ' := int32_t;', '',
           'trace {', '    major = 1;', '    minor = 8;',
           '    uuid = "%s";' % trace_uuid, '    byte_order = le;',
           '    packet.header := struct {', '        uint32_t magic;',
           '        uint8_t uuid[16];', '        uint32_t stream_id;',
           '    };', '};', '',
           'env {', '    hostname = "ctf-write";', '    domain = "ust";',
           '};', '',
           'clock {', '    name = "monotonic";',
           '    uuid = "%s";' % CLOCK_UUID, '    freq = 1000000000;',
           '    offset = 0;', '};', '',
           'typealias integer { size = 64; align = 8; signed = false;'
           ' map = clock.monotonic.value; } := uint64_clock_t;', '',
           'stream {', '    id = 0;',
           '    packet.context := struct {',
           '        uint64_clock_t timestamp_begin;',
           '        uint64_clock_t timestamp_end;',
           '        uint64_t content_size;', '        uint64_t packet_size;',
           '        uint64_t events_discarded;',
           '        uint64_t packet_seq_num;', '    };',
           '    event.header := struct {', '        uint32_t id;',
           '        uint64_clock_t timestamp;', '    };', '};', '']
    for i, tp in enumerate(TYPES):
        if tp not in types:
            continue
        out += ['event {', '    name = "%s:%s";' % (provider, tp),
                '    id = %d;' % i, '    stream_id = 0;',
                '    fields := struct {', '        uint64_t _seq;',
                '        uint32_t _thread_id;']
        out += ['        %s _%s;' % (field_decl(tp, f, enums), f)
                for f in FIELDS[tp]]
        out += ['    };', '};', '']
    return '\n'.join(out)


def value_of(tp, key, v):
    if CTYPE.get(key) == STR:
        return v
    lst = None
    if key in ('from', 'to'):
        lst = 'UKEY_STATES'
    elif key == 'kind':
        lst = KINDS.get(tp)
    elif key == 'result':
        lst = RESULTS.get(tp)
    if lst and v in L[lst]:
        return L[lst].index(v)
    if key == 'result' and v in ERRNO:
        return ERRNO[v]
    return int(v, 0)


def parse(lines):
    """Yields ('event', type, fields), ('packet', n_discarded),
    ('gap', n_packets) and ('stream', N or None for "@drop")."""
    for n, line in enumerate(lines, 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] == '@packet':
            yield ('packet', 0)
            continue
        if words[0] == '@discard':
            yield ('packet', int(words[1]))
            continue
        if words[0] == '@lost-packets':
            yield ('gap', int(words[1]))
            continue
        if words[0] == '@run':
            yield ('run',)
            continue
        if words[0] == '@counter':
            yield ('counter', int(words[1]))
            continue
        if words[0] == '@stream':
            yield ('stream', int(words[1]))
            continue
        if words[0] == '@drop':
            yield ('stream', None)
            continue
        tp = words[0]
        if tp not in FIELDS:
            sys.exit('ctf-write: line %d: unknown event type %r' % (n, tp))
        fields = {}
        for w in words[1:]:
            k, _, v = w.partition('=')
            k = ALIASES.get(k, k)
            fields[k] = value_of(tp, k, v)
        yield ('event', tp, fields)


def write(outdir, provider, enums, lines, types):
    os.makedirs(outdir, exist_ok=True)
    trace_uuid = uuid.uuid4()
    with open(os.path.join(outdir, 'metadata'), 'w') as f:
        f.write(metadata(provider, enums, trace_uuid, types))

    class Stream:
        def __init__(self):
            self.packets, self.events = [], []
            self.discarded = self.packet_seq = 0
            self.counter = None     # The next packet's, if not the count.

        def flush(self, n_disc, n_lost=0, counter=None):
            if self.events or n_disc or n_lost or self.counter is not None:
                self.packets.append((self.events,
                                     self.discarded if self.counter is None
                                     else self.counter, self.packet_seq))
                self.packet_seq += 1
            self.packet_seq += n_lost
            self.discarded += n_disc
            self.counter = counter
            self.events = []

    streams = {0: Stream()}
    cur = streams[0]
    seq = ts_base = last_ts = 0
    for item in parse(lines):
        if item[0] == 'run':
            seq, ts_base = 0, last_ts
            continue
        if item[0] == 'stream':
            if item[1] is None:
                cur = None
            else:
                cur = streams.setdefault(item[1], Stream())
            continue
        if cur is None:
            if item[0] != 'event':
                sys.exit('ctf-write: a packet directive after @drop')
        elif item[0] == 'packet':
            cur.flush(item[1])
            continue
        elif item[0] == 'gap':
            cur.flush(0, item[1])
            continue
        elif item[0] == 'counter':
            cur.flush(0, 0, item[1])
            continue
        _, tp, fields = item
        seq = fields.get('seq', seq + 1)
        ts = fields.get('ts', ts_base + 1000 * seq)
        last_ts = ts
        if cur is None or tp not in types:
            continue
        body = struct.pack('<IQQI', TYPES.index(tp), ts, seq,
                           fields.get('thread_id', 0))
        for f in FIELDS[tp]:
            v = fields.get(f, '' if CTYPE[f] == STR else 0)
            if CTYPE[f] == STR:
                body += v.encode() + b'\0'
            else:
                body += struct.pack(PACK[CTYPE[f]], v)
        cur.events.append((ts, body))

    for n, st in streams.items():
        st.flush(0)
        with open(os.path.join(outdir, 'stream_%d' % n), 'wb') as f:
            for evs, disc, i in st.packets:
                payload = b''.join(b for _, b in evs)
                size = (24 + 48 + len(payload)) * 8
                begin = evs[0][0] if evs else 0
                end = evs[-1][0] if evs else 0
                f.write(struct.pack('<I', 0xC1FC1FC1) + trace_uuid.bytes +
                        struct.pack('<I', 0))
                f.write(struct.pack('<QQQQQQ', begin, end, size, size, disc,
                                    i))
                f.write(payload)


def main():
    args = sys.argv[1:]
    provider, enums, types = 'ukey', True, TYPES
    while args and args[0].startswith('--'):
        if args[0] == '--provider':
            provider = args[1]
            args = args[2:]
        elif args[0] == '--types':
            types = args[1].split(',')
            bad = [t for t in types if t not in TYPES]
            if bad:
                sys.exit('ctf-write: unknown event types %s' % bad)
            args = args[2:]
        elif args[0] == '--no-enums':
            enums = False
            args = args[1:]
        else:
            sys.exit(__doc__)
    if len(args) != 1:
        sys.exit(__doc__)
    write(args[0], provider, enums, sys.stdin.read().splitlines(), types)


if __name__ == '__main__':
    main()

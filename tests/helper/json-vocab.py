#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# json-vocab.py MODEL TRACE [VIEW [AUDIT END [LOAD]]]: checks that the
# REPL's JSON speaks one vocabulary on the model and on a trace (and "ukdb
# view --format json", "audit" and "load" with them), so that they cannot
# drift apart again.
#
# MODEL and TRACE hold the output of the same commands, each preceded by a
# line "@@@@ COMMAND" (the REPL's "echo"), run at the same point of the same
# scenario: the model after N events, the trace at event N.  For each
# command, the keys of one side that the other lacks must be listed below
# as belonging to one mode only, a key both have must have the same JSON
# type, and outside "show stats" (whose values are all counters) a key name
# has one type in every object of every output.  Where both sides tell the
# same thing (the figures of "show stats", "when"'s events, a thread's
# locks, the ukeys and umaps), the values must be equal too, but where one
# side says null (it cannot tell).
#
# VIEW, if given, is "ukdb view --format json" of the trace: its ukeys are
# compared with the trace's "show ukey" (last command "show ukey 1") and
# its violations with "show violations", by key.
#
# AUDIT, if given, is "ukdb audit --format json" of the trace, and END the
# commands' output at the trace's last event: the figures AUDIT shares by
# name with END's "show stats" must be equal.  With VIEW and AUDIT, the first evidence of each
# violation must name the event "show violations" gives ("event", a
# number "goto" takes), and every key keeps one type across all outputs
# (the audit's counts of ukeys were "ukeys" and "live", names that the
# view and "when" give to an array and to a bool).
#
# LOAD, if given, is "ukdb load --format json": a figure that MODEL's
# "show stats" has must be a count there too, and its other keys must be
# the audit's or "when"'s, or listed below as the load's own, and keep one
# type across all outputs (load said "ukeys_live" for "show stats"'
# "live_ukeys", "free_events" for "freed", "violations" for a count of
# the errors where the audit has a list, "by_violation" for the audit's
# "violations_by_kind").
import json
import sys

# Keys that only one mode can tell, by command ("*": every command).
MODEL_ONLY = {
    "when": {"step", "variant"},
    "show threads": {"status", "steps", "next"},
    "show stats": {
        "steps", "rounds", "upcalls", "installs", "replacements",
        "slowpath_packets", "fastpath_packets", "dp_puts", "dp_dels",
        "dp_put_errors", "dp_del_errors", "evictions", "errors",
        "warnings",
        # The coverage counters (core/event.h, UK_COVERAGES).
        "upcall_ukey_replace", "handler_duplicate_upcall",
        "ukey_replace_contention", "upcall_ukey_contention",
        "dumped_duplicate_flow", "dumped_new_flow",
        "dumped_inconsistent_flow", "revalidate_missed_dp_flow",
        "revalidate_missing_dp_flow", "upcall_flow_limit_hit",
        "upcall_flow_limit_kill", "ukey_conflict", "unexpected_ukey_state",
    },
    # The model's own bookkeeping, and what it injects (dp fail, dp dup).
    "*": {"dump_seq", "reval_seq", "missed_dumps", "pending_free", "step",
          "faults", "dup"},
}
TRACE_ONLY = {
    "when": {"of", "seq", "ts", "trace", "live"},
    "show threads": {"doing", "events"},
    "show stats": {"of", "loss_reports", "events_lost",
                   "loss_reports_of_unknown_count", "late_events"},
    # An event stepped late, and the highest seq stepped before it.
    "history 1": {"late_event", "after_seq"},
    "log 5": {"late_event", "after_seq"},
    # Losses, and a trace's event numbers where the model has steps.
    "*": {"uncertain", "created_seen", "event"},
}
# The view's ukey and violation objects against the trace REPL's.
VIEW_ONLY = {"verdict", "rule", "explanation", "transitions", "violations",
             "ufid", "flow", "evidence", "thread_id", "from", "to",
             "result", "ts", "run"}
REPL_ONLY = {"state_thread", "state_where", "in_umap", "lock",
             "stats_packets", "postponed", "frees", "uncertain", "thread",
             "other_thread", "seq", "earlier_seq", "event"}
# Keys of "ukdb load --format json" that no other output has: its
# settings, its generator's and its timing figures, "ukeys_freed" (ukeys
# whose memory was freed, once each; "freed" counts the free events),
# and whether its checker ran.
LOAD_ONLY = {"datapath", "handlers", "pmds", "revalidators", "flows_declared",
             "umaps", "seed", "interrupted", "stalled", "seconds", "calls",
             "packets", "upcalls_per_second", "installs_per_second",
             "expiries", "modifies", "faults_injected", "churns",
             "ukeys_freed", "checked"}
# Commands whose shared values must be equal on both sides.
SAME_VALUES = {"when", "show stats", "show threads", "show ukeys",
               "show ukey 1", "show umaps", "show locks"}

errors = []


def parse(path):
    out, cmd = {}, None
    for line in open(path):
        if line.startswith("@@@@ "):
            cmd = line[5:].strip()
        elif cmd and line.strip() and line.lstrip()[0] in "[{":
            out[cmd] = json.loads(line)
            cmd = None
    return out


def kind(v):
    if v is None:
        return None
    return {bool: "bool", int: "number", float: "number", str: "string",
            list: "array", dict: "object"}[type(v)]


def objects(v, path=""):
    """Every object in 'v', with the path of keys that leads to it."""
    if isinstance(v, dict):
        yield path, v
        for k, x in v.items():
            yield from objects(x, path + "." + k)
    elif isinstance(v, list):
        for x in v:
            yield from objects(x, path + "[]")


def keys_by_path(v):
    """Path -> {key: set of types} over every object of 'v'."""
    out = {}
    for path, o in objects(v):
        d = out.setdefault(path, {})
        for k, x in o.items():
            t = kind(x)
            d.setdefault(k, set())
            if t:
                d[k].add(t)
    return out


def compare(cmd, m, t, m_only, t_only, names=("model", "trace")):
    km, kt = keys_by_path(m), keys_by_path(t)
    for path in sorted(set(km) & set(kt)):
        a, b = km[path], kt[path]
        for k in sorted(set(a) - set(b) - m_only):
            errors.append("%s: %s%s: only the %s has %r" %
                          (cmd, names[0], path, names[0], k))
        for k in sorted(set(b) - set(a) - t_only):
            errors.append("%s: %s%s: only the %s has %r" %
                          (cmd, names[1], path, names[1], k))
        for k in sorted(set(a) & set(b)):
            if a[k] and b[k] and a[k] != b[k]:
                errors.append("%s: %s: %r is %s in the %s, %s in the %s" %
                              (cmd, path, k, "/".join(sorted(a[k])),
                               names[0], "/".join(sorted(b[k])), names[1]))


def shared_values(cmd, m, t):
    if cmd.endswith(".holds") and isinstance(m, list) and isinstance(t, list):
        # The model lists a thread's locks in the order it took them; a
        # trace does not keep that order (umaps first, then ukeys).
        m, t = sorted(m, key=json.dumps), sorted(t, key=json.dumps)
    if isinstance(m, list) and isinstance(t, list):
        if len(m) != len(t):
            errors.append("%s: %d elements in the model, %d in the trace" %
                          (cmd, len(m), len(t)))
        for a, b in zip(m, t):
            shared_values(cmd, a, b)
    elif isinstance(m, dict) and isinstance(t, dict):
        for k in set(m) & set(t):
            shared_values(cmd + "." + k, m[k], t[k])
    elif m is not None and t is not None and m != t:
        errors.append("%s: %r in the model, %r in the trace" % (cmd, m, t))


def one_type_per_key(outputs):
    seen = {}
    for where, v in outputs:
        if where.endswith("show stats"):
            continue            # Counters: "freed" is a count there.
        for path, o in objects(v):
            for k, x in o.items():
                t = kind(x)
                if t:
                    seen.setdefault(k, {}).setdefault(t, where + path)
    for k, types in sorted(seen.items()):
        if len(types) > 1:
            errors.append("key %r has %d types: %s" % (k, len(types), ", ".join(
                "%s in %s" % (t, w) for t, w in sorted(types.items()))))


def same_events(name, viols, repl):
    """The event each violation of 'viols' rests on, as the REPL numbers
    it."""
    got = sorted(v["evidence"][0].get("event", -1) for v in viols)
    want = sorted(v["event"] for v in repl)
    if got != want:
        errors.append("%s: violations at events %r, the REPL says %r" %
                      (name, got, want))


def check_load(load, model, audit):
    """Checks the keys of 'load' against the model's "show stats", the
    audit's and "when"'s; returns the object without the figures of "show
    stats" (counters, as there, for one_type_per_key())."""
    stats = model["show stats"]
    known = set(audit) | set(model["when"]) | LOAD_ONLY
    for k, v in sorted(load.items()):
        if k in stats:
            if kind(v) not in ("number", None):   # null: not checked.
                errors.append("load: %r is %s, a count in show stats"
                              % (k, kind(v)))
        elif k not in known:
            errors.append("load: only the load has %r" % k)
    return {k: v for k, v in load.items() if k not in stats}


def main():
    model, trace = parse(sys.argv[1]), parse(sys.argv[2])
    if not model or set(model) != set(trace):
        sys.exit("json-vocab: not the same commands: %s / %s" %
                 (sorted(model), sorted(trace)))
    outputs = []
    for cmd in model:
        m_only = MODEL_ONLY["*"] | MODEL_ONLY.get(cmd, set())
        t_only = TRACE_ONLY["*"] | TRACE_ONLY.get(cmd, set())
        compare(cmd, model[cmd], trace[cmd], m_only, t_only)
        if cmd in SAME_VALUES:
            shared_values(cmd, model[cmd], trace[cmd])
        outputs += [("model " + cmd, model[cmd]), ("trace " + cmd, trace[cmd])]
    if len(sys.argv) > 3:
        view = json.load(open(sys.argv[3]))
        ukeys = view["ukeys"]
        compare("view/show ukey", ukeys, [trace["show ukey 1"]],
                VIEW_ONLY, REPL_ONLY, ("view", "trace"))
        viols = [v for u in ukeys for v in u["violations"]]
        compare("view/show violations", viols, trace["show violations"],
                VIEW_ONLY, REPL_ONLY, ("view", "trace"))
        outputs.append(("view", view))
        same_events("view", viols, trace["show violations"])
    if len(sys.argv) > 4:
        audit = json.load(open(sys.argv[4]))
        end = parse(sys.argv[5])
        stats = end["show stats"]
        shared = {k: v for k, v in audit.items() if k in stats}
        if "events" not in shared or "live_ukeys" not in shared:
            errors.append("audit: no %s in common with show stats: %s"
                          % ("events/live_ukeys", sorted(audit)))
        shared_values("audit/show stats", shared, stats)
        same_events("audit", audit["violations"], end["show violations"])
        outputs.append(("audit", audit))
    if len(sys.argv) > 6:
        outputs.append(("load", check_load(json.load(open(sys.argv[6])),
                                           model, audit)))
    one_type_per_key(outputs)
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


main()

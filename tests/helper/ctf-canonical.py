#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# ctf-canonical.py TRACE_DIR...: reads "ukey" events with babeltrace2's
# Python bindings and prints each as uk_event_format_canonical() prints the
# emitted event (core/event.c), so a test can diff the two.  Independent of
# the plugin on purpose: it checks the provider against tracepoints/README.md.
# Discarded-events messages are reported on stderr as "discarded N".
# Runs only with Debian's /usr/bin/python3 (python3-bt2).
import sys

import bt2

# Fields absent from an event type are zero (event.h), strings "-".
INTS = ["ukey_id", "ukey2_id", "value", "value2", "thread2", "pmd_id",
        "umap", "result"]


def field_int(payload, name):
    return int(payload[name]) if name in payload else 0


def enum_label(field):
    labels = field.labels
    return labels[0] if labels else str(int(field))


def canonical(ev):
    p = ev.payload_field
    tp = ev.name.split(":", 1)[1]
    v = {n: field_int(p, n) for n in INTS}
    kind = "0"
    if "kind" in p:
        f = p["kind"]
        kind = enum_label(f) if hasattr(f, "labels") else str(int(f))
    st_from = enum_label(p["from"]) if "from" in p else "-"
    st_to = enum_label(p["to"]) if "to" in p else "-"
    where = str(p["where"]) if "where" in p else ""
    name = str(p["name"]) if "name" in p else ""
    return ("seq=%d thread=%d type=%s ukey=%d ukey2=%d ufid=%016x value=%d "
            "value2=%d thread2=%d pmd=%d umap=%d kind=%s result=%d from=%s "
            "to=%s where=%s name=%s" % (
                int(p["seq"]), int(p["thread_id"]), tp, v["ukey_id"],
                v["ukey2_id"], field_int(p, "ufid"), v["value"], v["value2"],
                v["thread2"], v["pmd_id"], v["umap"], kind, v["result"],
                st_from, st_to, where or "-", name or "-"))


def main(paths):
    it = bt2.TraceCollectionMessageIterator(paths)
    out = sys.stdout
    for msg in it:
        if type(msg) is bt2._EventMessageConst:
            if msg.event.name.startswith("ukey:"):
                out.write(canonical(msg.event) + "\n")
        elif type(msg) is bt2._DiscardedEventsMessageConst:
            n = msg.count if msg.count is not None else "?"
            sys.stderr.write("discarded %s\n" % n)
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write("usage: ctf-canonical.py TRACE_DIR...\n")
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))

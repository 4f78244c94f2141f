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

# The fields each event type records, in the order
# uk_event_format_canonical() prints them (core/event.c): only those the
# payload has are printed.
ORDER = [("ukey_id", "ukey"), ("ukey2_id", "ukey2"), ("ufid", "ufid"),
         ("value", "value"), ("value2", "value2"), ("thread2", "thread2"),
         ("pmd_id", "pmd"), ("umap", "umap"), ("kind", "kind"),
         ("result", "result"), ("from", "from"), ("to", "to"),
         ("where", "where"), ("name", "name")]


def enum_label(field):
    labels = field.labels
    return labels[0] if labels else str(int(field))


def canonical(ev):
    p = ev.payload_field
    tp = ev.name.split(":", 1)[1]
    out = ["seq=%d thread=%d type=%s" % (int(p["seq"]), int(p["thread_id"]),
                                         tp)]
    for member, label in ORDER:
        if member not in p:
            continue
        f = p[member]
        if member == "ufid":
            text = "%016x" % int(f)
        elif member in ("kind", "from", "to"):
            text = enum_label(f) if hasattr(f, "labels") else str(int(f))
        elif member in ("where", "name"):
            text = str(f) or "-"
        else:
            text = str(int(f))
        out.append("%s=%s" % (label, text))
    return " ".join(out)


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

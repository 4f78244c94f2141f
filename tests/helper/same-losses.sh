# SPDX-License-Identifier: Apache-2.0
# same_losses TRACE: the REPL at the end of TRACE ("ukdb TRACE") and its
# audit count the same losses (tracepoints/plugin/report.h, "struct
# report_loss_info": LTTng's count, else the seqs missing, else an unknown
# number): as many reports, as many of an unknown count, and the same
# events lost, in JSON ("show stats", the audit's "lost") and in text
# ("show stats", what "open" says, the audit's "lost events:" line).  So
# do "ukdb view --format raw" (a warning on stderr for each loss) and
# "--format chrome" (an instant event of category "lost" for each), with
# the counts of the audit's ranges, in order, and in all the same total
# and as many of an unknown count as the audit.
# Leaves the outputs in the current directory as NAME.stats (the REPL's
# JSON), NAME.json, NAME.out (the REPL's text), NAME.open, NAME.audit,
# NAME.raw-err (the raw view's stderr) and NAME.chrome, NAME the basename
# of TRACE.  Needs UKDB and PY (python3); for tests after tests/lib.sh.
same_losses() {
    local trace=$1 name repl audit
    name=$(basename "$trace")
    printf "%s\n" "set output json" "goto end" "show stats" |
        "$UKDB" "$trace" >"$name.stats" &&
    { "$UKDB" audit --format json "$trace" >"$name.json"; [ $? != 2 ]; } &&
    $PY - "$name.stats" "$name.json" <<\PYEOF || return 1
import json, sys
stats = json.loads(open(sys.argv[1]).read().splitlines()[-1])
lost = json.load(open(sys.argv[2]))["lost"]
repl = (stats["loss_reports"], stats["loss_reports_of_unknown_count"],
        stats["events_lost"])
audit = (lost["reports"], lost["reports_of_unknown_count"], lost["events"])
assert repl == audit, (sys.argv[1], "REPL", repl, "audit", audit)
PYEOF
    "$UKDB" view --format raw "$trace" >/dev/null 2>"$name.raw-err" &&
    "$UKDB" view --format chrome "$trace" >"$name.chrome" &&
    $PY - "$name.json" "$name.raw-err" "$name.chrome" <<\PYEOF || return 1
import json, re, sys
lost = json.load(open(sys.argv[1]))["lost"]
audit = (lost["reports"], lost["reports_of_unknown_count"], lost["events"])
# The audit's ranges (the first 32 losses), in order: their counts.
ranges = [x["count"] or 0 for x in lost["ranges"]]
def views(counts):
    return (len(counts), counts.count(0), sum(counts))
raw = []
for line in open(sys.argv[2]):
    m = re.match(r"ukdb: warning: (an unknown number of|1 event|(\d+) events)"
                 r" .* lost$", line.rstrip("\n"))
    if m:
        raw.append(0 if m.group(1).startswith("an unknown")
                   else int(m.group(2) or 1))
chrome = [int(re.match(r"lost (\d+) ", e["name"]).group(1))
          for e in json.load(open(sys.argv[3]))["traceEvents"]
          if e.get("cat") == "lost"]
# Past the ranges the audit keeps too: a gap in seq found after its loss
# is counted in it (report_loss_known()), not on its own.
assert views(raw) == audit, (sys.argv[2], "raw", views(raw), "audit", audit)
assert raw[:len(ranges)] == ranges, (sys.argv[2], raw, ranges)
assert views(chrome) == audit, (sys.argv[3], "chrome", views(chrome),
                                "audit", audit)
# In any order (by its "ts"): the audit's ranges among them.
rest = list(chrome)
for c in ranges:
    assert c in rest, (sys.argv[3], chrome, "ranges", ranges)
    rest.remove(c)
PYEOF
    printf "%s\n" "goto end" "show stats" | "$UKDB" "$trace" >"$name.out" &&
    "$UKDB" "$trace" </dev/null >"$name.open" &&
    { "$UKDB" audit "$trace" >"$name.audit"; [ $? != 2 ]; } &&
    repl=$(sed -n "s/^events_lost  *//p" "$name.out") &&
    audit=$(sed -n "s/^lost events: \(.*\) in [0-9]* reports\{0,1\} .*/\1/p" \
        "$name.audit") || return 1
    if [ "$repl" = 0 ]; then
        test_grep "^lost events: none" "$name.audit" &&
        ! grep -q " loss" "$name.open"
    else
        [ "$repl" = "$audit" ] ||
            { echo "$name: REPL \"$repl\", audit \"$audit\""; return 1; }
        test_grep " loss\(es\)\{0,1\} ($repl\( events\{0,1\}\| of events\) lost)\$" \
            "$name.open"
    fi
}

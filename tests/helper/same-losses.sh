# SPDX-License-Identifier: Apache-2.0
# same_losses TRACE: the REPL at the end of TRACE ("ukdb TRACE") and its
# audit count the same losses (tracepoints/plugin/report.h, "struct
# report_loss_info": LTTng's count, else the seqs missing, else an unknown
# number): as many reports, as many of an unknown count, and the same
# events lost, in JSON ("show stats", the audit's "lost") and in text
# ("show stats", what "open" says, the audit's "lost events:" line).
# Leaves the outputs in the current directory as NAME.stats (the REPL's
# JSON), NAME.json, NAME.out (the REPL's text), NAME.open and NAME.audit,
# NAME the basename of TRACE.  Needs UKDB and PY (python3); for tests
# after tests/lib.sh.
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
    printf "%s\n" "goto end" "show stats" | "$UKDB" "$trace" >"$name.out" &&
    "$UKDB" "$trace" </dev/null >"$name.open" &&
    { "$UKDB" audit "$trace" >"$name.audit"; [ $? != 2 ]; } &&
    repl=$(sed -n "s/^events lost  *//p" "$name.out") &&
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

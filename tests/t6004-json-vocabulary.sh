#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One JSON vocabulary: "set output json" on the model and on a trace of the
# same scenario (recorded with "ukdb record", then opened), and "ukdb view
# --format json" of that trace, name the same things with the same keys and
# types (tests/helper/json-vocab.py lists what only one mode can tell).
# Before, "when" said "events" on the model and "event" on a trace, a
# trace's "show threads" had no "holds", "show stats" shared no key, and
# the view said "ukey" and "freed": true where the REPL said "id" and a
# count of frees.  "ukdb audit --format json" said "ukeys" and "live" for
# two counts (the view's "ukeys" is an array, "when"'s "live" a bool), and
# "index", from 0, for the events its violations rest on, which the REPL
# numbers from 1 as "event".  "ukdb load --format json" said "ukeys_live"
# and "free_events" for "show stats"' "live_ukeys" and "freed", and
# "violations" for a count where the audit has a list.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
EX=$TEST_TOP/examples
VOCAB="python3 $TEST_TOP/tests/helper/json-vocab.py"
CMDS="when|show threads|show stats|show ukeys|show umaps|show dp|show locks|show violations|history 1|log 5|show ukey 1"

# json_cmds: the commands of CMDS, each after "echo @@@@ COMMAND".
json_cmds() {
    local c out="set output json"
    local IFS='|'
    for c in $CMDS; do
        out="$out; echo @@@@ $c; $c"
    done
    echo "$out"
}

# at_model GOTO FILE: the JSON of the model at step GOTO ("" = the end).
at_model() {
    "$UKDB" -c "source $EX/race-v1-replace.ukdb; ${1:+goto $1;} $(json_cmds)" \
        >"$2" 2>/dev/null
    test -s "$2"
}

# at_trace EVENTS FILE: the JSON of the trace at event EVENTS.
at_trace() {
    "$UKDB" -c "open race.trace; goto $1; $(json_cmds)" >"$2" 2>/dev/null
}

# events_of FILE: "when"'s events in FILE.
events_of() {
    sed -n '/^@@@@ when$/{n;p}' "$1" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["events"])'
}

test_expect_success 'record the v1-replace race' '
    "$UKDB" record -o race.trace "$EX/race-v1-replace.ukdb" >/dev/null 2>err ||
        { cat err; false; }
'

# Step 5: handler0 holds umap[3] and ukey#1 (the threads' "holds").
test_expect_success 'model and trace: one vocabulary, with locks held' '
    at_model 5 model.out && n=$(events_of model.out) && test "$n" -gt 0 &&
    at_trace "$n" trace.out &&
    grep -q "\"holds\":\[{\"lock\":\"umap\[3\]\"" trace.out &&
    $VOCAB model.out trace.out
'

test_expect_success 'model and trace: one vocabulary, after the violations' '
    at_model "" model.out && n=$(events_of model.out) &&
    at_trace "$n" trace.out &&
    grep -q "^\[{\"kind\":\"double-delete\"" trace.out &&
    "$UKDB" view --format json race.trace >view.json &&
    { "$UKDB" audit --format json race.trace >audit.json; test $? = 1; } &&
    n=$(python3 -c "import json; print(json.load(open(\"audit.json\"))[\"events\"])") &&
    at_trace "$n" end.out &&
    $VOCAB model.out trace.out view.json audit.json end.out
'

# A short load: its figures are named as in "show stats", its checker's
# as in the audit.
test_expect_success 'load --format json: the same vocabulary' '
    "$UKDB" load --handlers 1 --revalidators 1 --flows 100 --upcalls 100 \
        --idle-ms 5 --format json >load.json &&
    $VOCAB model.out trace.out view.json audit.json end.out load.json &&
    "$UKDB" load --handlers 1 --revalidators 1 --flows 100 --upcalls 100 \
        --idle-ms 5 --no-check --format json >nocheck.json &&
    $VOCAB model.out trace.out view.json audit.json end.out nocheck.json
'

# The checker itself: a key of one mode only, or of another type, fails.
test_expect_success 'the check finds a key of one mode, or a changed type' '
    sed "s/\"events\":\([0-9]*\),\"of\"/\"event\":\1,\"of\"/" trace.out >t1 &&
    ! $VOCAB model.out t1 >out && test_grep "only the model has .events." out &&
    sed "s/\"freed\":false/\"freed\":0/g" trace.out >t2 &&
    ! $VOCAB model.out t2 >out && test_grep "freed" out &&
    sed "s/{\"id\":/{\"ukey\":/g" view.json >v3 &&
    ! $VOCAB model.out trace.out v3 >out && test_grep "only the view has .ukey." out &&
    sed "s/\"live_ukeys\":/\"live\":/" audit.json >a4 &&
    ! $VOCAB model.out trace.out view.json a4 end.out >out &&
    test_grep "key .live. has 2 types" out &&
    sed "s/\"event\":90,/\"event\":89,/" audit.json >a5 &&
    ! $VOCAB model.out trace.out view.json a5 end.out >out &&
    test_grep "audit: violations at events \[89, 102\], the REPL says \[90, 102\]" out &&
    sed "s/\"live_ukeys\":/\"ukeys_live\":/" load.json >l6 &&
    ! $VOCAB model.out trace.out view.json audit.json end.out l6 >out &&
    test_grep "load: only the load has .ukeys_live." out &&
    sed "s/\"errors\":/\"violations\":/" load.json >l7 &&
    ! $VOCAB model.out trace.out view.json audit.json end.out l7 >out &&
    test_grep "key .violations. has 2 types" out &&
    sed "s/\"freed\": [0-9]*/\"freed\": true/" load.json >l8 &&
    ! $VOCAB model.out trace.out view.json audit.json end.out l8 >out &&
    test_grep "load: .freed. is bool, a count in show stats" out
'

test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The REPL on a recorded trace (issue 6), continued: "set output json" on
# the inspection commands of a trace (valid JSON, the model's keys where the
# model has the command), and "close" back to the model session as it was
# before "open", a second "open" replacing the first trace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
command -v python3 >/dev/null || skip_all "python3 is not installed"
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
EX=$TEST_TOP/examples
lttng_start_sessiond

# json_lines: the lines of JSON (not the events, "[66] ...").
json_lines() { sed -n '/^\(\[{\|\[\]\|{"\)/p'; }

# json_check FILE: each line of FILE is one JSON value.
json_check() {
    python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        json.loads(line)
    except ValueError as e:
        sys.exit("%s:%d: %s: %s" % (sys.argv[1], n, e, line.rstrip()))
' "$1"
}

# keys FILE: the sorted keys of the first object of each line (of the first
# element of an array), one line of keys per line of FILE.
keys() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    v = json.loads(line)
    if isinstance(v, list):
        v = v[0] if v else {}
    print(" ".join(sorted(v)))
' "$1"
}

test_expect_success 'record the v1-replace race' '
    lttng_record race "$UKDB" -f "$EX/race-v1-replace.ukdb" >/dev/null
'

trace_cmds() {
    printf '%s\n' "set output json" "tbreak violation double-delete" \
        continue "show ukeys" "show ukey 1" "show dp" "show violations" \
        "show umaps" "show threads" "show locks" "show stats" "history 1" \
        "log 5" "when" "goto 0" "show ukeys" "show violations" "log" \
        "history f1"
}

test_expect_success 'every show of a trace prints one line of JSON' '
    trace_cmds | "$UKDB" race | sed 1,2d >out &&
    json_lines <out >json &&
    test "$(wc -l <json)" = 15 &&
    json_check json &&
    sed -n 2p json >ukey &&
    python3 -c "
import json, sys
k = json.load(open(\"ukey\"))
assert k[\"id\"] == 1 and k[\"flow\"] == \"f1\", k
" &&
    sed -n 4p json | grep -q "^\[{\"kind\":\"double-delete\"" &&
    sed -n 12p json >empty && echo "[]" >expect && test_cmp expect empty
'

# The model, at the same violation, with the same commands.
test_expect_success 'the same keys as the model where it has the command' '
    printf "%s\n" "set output json" "variant v1-replace" \
        "source $EX/race-steps.ukdb" "show ukeys" "show ukey 1" "show dp" \
        "show violations" | "$UKDB" 2>&1 | json_lines >model.json &&
    test "$(wc -l <model.json)" = 4 &&
    trace_cmds | "$UKDB" race | sed 1,2d | json_lines |
        sed -n 1,4p >trace.json &&
    keys model.json >model.keys && keys trace.json >trace.keys &&
    paste -d "|" model.keys trace.keys | while IFS="|" read -r m t; do
        for k in $m; do
            case " $t " in
            *" $k "*) ;;
            *) case $k in
               dump_seq|reval_seq|missed_dumps|pending_free|step) ;;
               # What the model injects (dp fail, dp dup): no trace has it.
               faults|dup) ;;
               *) echo "missing key $k in: $t"; exit 1 ;;
               esac ;;
            esac
        done
    done
'

# And the other way: what a trace prints, the model prints too, but for
# what only a trace has (lost events, a violation's event).
test_expect_success 'the model has the keys of the trace where it has the command' '
    paste -d "|" model.keys trace.keys | while IFS="|" read -r m t; do
        for k in $t; do
            case " $m " in
            *" $k "*) ;;
            *) case $k in
               uncertain|created_seen|event) ;;
               *) echo "missing key $k in the model: $m"; exit 1 ;;
               esac ;;
            esac
        done
    done
'

# A backward transition (OVS aborts; the model does not) moves neither the
# state nor the last change, and a rejected one (WARN) is the last change:
# before, the trace took the aborted state (OPERATIONAL after EVICTED) and
# kept the last accepted change where the model records the rejected one.
test_expect_success 'a trace and the model agree on the state after a rejected transition' '
    lttng_record back "$UKDB" -f "$EX/bugs/e34bbe31b-buggy.ukdb" >/dev/null &&
    state_of() {
        python3 -c "
import json, sys
for line in sys.stdin:
    if line.startswith(\"{\\\"id\\\"\"):
        k = json.loads(line)
        print(k[\"id\"], k[\"state\"], k[\"state_thread\"], k[\"state_where\"])
"
    } &&
    printf "%s\n" "source $EX/bugs/e34bbe31b-buggy.ukdb" "set output json" \
        "show ukey 1" | "$UKDB" 2>/dev/null | state_of >model.state &&
    printf "%s\n" "goto end" "set output json" "show ukey 1" |
        "$UKDB" back | state_of >trace.state &&
    grep -q "^1 EVICTED " model.state &&
    test_cmp model.state trace.state &&
    printf "%s\n" "variant v1-replace" "source $EX/race-steps.ukdb" \
        "set output json" "show ukey 1" | "$UKDB" 2>/dev/null |
        state_of >model.state &&
    printf "%s\n" "tbreak violation use-after-free" "continue" \
        "set output json" "show ukey 1" | "$UKDB" race | state_of >trace.state &&
    grep -q "^1 DELETED revalidator0 " model.state &&
    test_cmp model.state trace.state
'

test_expect_success 'text output comes back with set output text' '
    printf "%s\n" "set output json" "set output text" "goto 10" \
        "show ukeys" | "$UKDB" race | sed 1,2d >out &&
    ! json_lines <out | grep -q .
'

test_expect_success 'close: back to the model session as it was' '
    printf "%s\n" "variant v1-replace" "source $EX/race-setup.ukdb" \
        "when" "show ukeys" "echo ===" "open race" "goto 20" "show ukeys" \
        "close" "when" "show ukeys" "step" | "$UKDB" >out 2>err &&
    test ! -s err &&
    sed -n "1,/^===\$/p" out | sed -n "/^step [0-9]*, /,\$p" |
        sed "\$d" >before &&
    sed -n "/^closed race; back to the model at step/,\$p" out |
        sed 1d >after &&
    head -n $(wc -l <before) after >after.head &&
    test_cmp before after.head &&
    grep -q "^step [1-9]" before
'

test_expect_success 'a second open replaces the first trace' '
    cp -r race race2 &&
    printf "%s\n" "open race" "goto 30" "open race2" "when" "close" \
        "when" | "$UKDB" >out 2>err &&
    test ! -s err &&
    test_grep "^event 0 of [0-9]* (before the first), trace race2" out &&
    test "$(grep -c "^closed" out)" = 1 &&
    test_grep "^closed race2; back to the model at step 0" out
'

test_expect_success 'bad input: close without a trace, wait on a trace' '
    ! echo close | "$UKDB" >out 2>err &&
    test_grep "close: no trace is open" err &&
    ! echo wait | "$UKDB" >out 2>err &&
    test_grep "wait: only on a live session" err &&
    printf "%s\n" "wait" "close" "close" | "$UKDB" race >out 2>err;
    test $? != 0 &&
    test_grep "^race is not live (any more)" out &&
    test_grep "close: no trace is open" err
'

test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On a trace, an event stepped late (the audit's late events: a seq given
# up on after 65,536 later events, recorded after all) is marked wherever
# the REPL prints an event: the motions' event lines, the watches',
# "history", "log", "last", and "late_event" with "after_seq" in their
# JSON.  Before, a late transition printed "VISIBLE -> OPERATIONAL" as if
# it had happened there, and only its seq told it.  "open" says the
# trace's lowest and highest seqs, not its first and last events' ("seq 1
# to 2" when the last was a late seq 2), and "goto seq:S" finds a late
# seq ("no event has seq 16 (lost?)").  What is uncertain says why: a
# seq given up on that came late is no lost event, and a ukey first seen
# mid-life is no loss either.  Exact traces from tests/helper/ctf-write.py
# (tests/helper/audit-scenarios.sh: scn_late_state, scn_late_head,
# scn_late_live), and one of ukdb's model with three late events, which
# "reproduce" once could not follow.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

. "$TEST_TOP/tests/helper/audit-scenarios.sh"
scn_late_state transition | $WRITE "$TRASH/late-transition" ||
    { echo "Bail out! ctf-write late-transition"; exit 1; }
scn_late_head end | $WRITE "$TRASH/late-end" ||
    { echo "Bail out! ctf-write late-end"; exit 1; }
scn_late_live deleted | $WRITE "$TRASH/late-deleted" ||
    { echo "Bail out! ctf-write late-deleted"; exit 1; }
# As late-transition, but seq 17 never comes: seqs 16 and 17 are given up
# on, only 16 comes late, and the end of the run tells 17 lost.
scn_late_state transition |
    sed '0,/^traffic thread=0 ufid=0x10 value=10 result=FASTPATH$/s//& seq=18/' |
    $WRITE "$TRASH/late-and-lost" ||
    { echo "Bail out! ctf-write late-and-lost"; exit 1; }
# Ukey 1 seen from its transition to VISIBLE: no create, no loss.
{
    scn_head
    scn_install 1 0x10 3 | sed '/^create /d'
    echo "end thread=0 value=0"
} | $WRITE "$TRASH/mid-life" || { echo "Bail out! ctf-write mid-life"; exit 1; }

# In late-transition, event 65661 is handler0's transition of ukey 1 to
# OPERATIONAL, seq 16, stepped after revalidator0 made it EVICTED (seq
# 65661, event 65660).
LATE=65661
MARK="  (late: seq 16, folded after seq 65661)"

test_expect_success 'the motions and the watches mark a late event' '
    printf "%s\n" "watch ukey 1" "goto $((LATE - 2))" "step 3" \
        "goto $((LATE - 2))" "run 2" "goto $((LATE - 1))" "next handler0" \
        "break event op_end" "goto $((LATE - 1))" "continue" "delete" \
        "goto end" "goto $LATE" "goto seq:16" |
        "$UKDB" late-transition >out 2>err &&
    ! test -s err &&
    # Every line that prints the late event, marked; no other line.
    grep -c -F -- "$MARK" out >n && test $(cat n) = 9 &&
    test $(grep -c "^\[$LATE\] handler0 .*VISIBLE->OPERATIONAL" out) = 5 &&
    ! grep "^\[$LATE\] " out | grep -v -F -- "$MARK" &&
    test $(grep -c "^watch ukey 1: ukey#1 VISIBLE -> OPERATIONAL by handler0 at core/handler.c:344$MARK\$" out) = 4 &&
    test $(grep -c "^watch ukey 1: ukey#1 EVICTING -> EVICTED by revalidator0 at core/revalidator.c:214\$" out) = 2 &&
    ! grep "^\[$((LATE - 1))\] .*late:" out &&
    test_grep "^\[$((LATE + 1))\] revalidator0  op_end DUMP\$" out
'

test_expect_success 'history, log and last mark it, and their JSON' '
    printf "%s\n" "goto $((LATE + 1))" "history 1" "history f1" "log 2" \
        "set output json" "history 1" "log 2" "set output text" \
        "last ukey 1" | "$UKDB" late-transition >out 2>err &&
    ! test -s err &&
    test $(grep -c "^  event $LATE  *#16  *handler0 .*VISIBLE->OPERATIONAL  core/handler.c:344$MARK\$" out) = 3 &&
    test $(grep -c -F -- "(late:" out) = 4 &&
    test_grep "^back to event $((LATE - 1)), before: transition ukey#1 VISIBLE->OPERATIONAL$MARK\$" out &&
    # The seq given up on: not told lost.
    test_grep "^  \*\*\* events given up on (late or lost) here: the history may be incomplete\$" out &&
    ! grep "events lost here" out &&
    grep "^\[{\"event\":" out >json &&
    test $(wc -l <json) = 2 &&
    $PY -c "
import json
for line in open(\"json\"):
    events = json.loads(line)
    late = [e for e in events if e[\"late_event\"]]
    assert [(e[\"event\"], e[\"seq\"], e[\"after_seq\"]) for e in late] == \
        [($LATE, 16, 65661)], late
    assert all(\"after_seq\" not in e for e in events if not e[\"late_event\"])
    assert all(type(e[\"late_event\"]) is bool for e in events), events
"
'

test_expect_success 'open and goto: the lowest and highest seqs, a late last' '
    printf "%s\n" "goto end" "goto seq:2" "goto seq:65699" |
        "$UKDB" late-end >out 2>err &&
    ! test -s err &&
    test_grep "^late-end: 65699 events (seq 1 to 65699), " out &&
    test_grep "^\[65699\] handler0  *thread_start HANDLER handler0  (late: seq 2, folded after seq 65699)\$" out &&
    test_grep "^\[65698\] main  *end " out &&
    "$UKDB" late-end -c "goto seq:65700" 2>err; test $? = 2 &&
    test_grep "^ukdb: error: goto: .seq:65700.: out of range (seqs 1 to 65699)\$" err &&
    # The replay stops early (a crafted trace), but the script says the
    # same range.
    { "$UKDB" late-end -c "reproduce -o repro.ukdb" 2>err; test $? = 2; } &&
    test_grep "^# 65699 events, seq 1 to 65699\.  " repro.ukdb
'

# A trace of ukdb's model whose handler0 recorded its last three events
# (seq 19 to 21: its transition of ukey 1 to OPERATIONAL, its unlock and
# the batch's end) after 65,541 events of later seqs: "reproduce" follows
# them in the order the model emitted them, not in the cursor's.  It
# stopped at the first event after the seqs given up on ("the replay
# emits #19 main: traffic ...; events were lost just before it").
test_expect_success 'reproduce: late events replayed at their seqs' '
    { printf "%s\n" "handler handler0" "revalidator revalidator0" \
          "flow f1" "traffic f1 1" "step handler0 20" &&
      yes "traffic f1 1" | head -n 65540; } >late.ukdb &&
    "$UKDB" --events late.events -f late.ukdb >/dev/null &&
    test_grep "^seq=19 thread=2 type=transition .*to=OPERATIONAL" \
        late.events &&
    sed -E "s/^(seq=[0-9]+ thread=[0-9]+) type=([a-z_]+)/\2 \1/
            s/ufid=([0-9a-f]+)/ufid=0x\1/" late.events >late.scn &&
    { grep -v "^[a-z_]* seq=\(19\|20\|21\) " late.scn |
          sed "/^ukey_free /,\$d" &&
      echo "@stream 1" &&
      grep "^[a-z_]* seq=\(19\|20\|21\) " late.scn |
          awk "{ print \$0 \" ts=\" (65562500 + 100 * NR) }" &&
      echo "@stream 0" && sed -n "/^ukey_free /,\$p" late.scn; } |
        $WRITE late-model &&
    "$UKDB" late-model -c "goto end; expect stat late_events == 3" &&
    "$UKDB" late-model -c "reproduce -o repro.ukdb" >out &&
    test_grep "^Wrote repro.ukdb: variant [a-z0-9-]*, 65565 events re-emitted exactly" out &&
    "$UKDB" --events replay.events -f repro.ukdb >/dev/null &&
    test_cmp late.events replay.events
'

test_expect_success 'uncertain: a late event, seqs given up on, no loss' '
    printf "%s\n" "goto $((LATE - 1))" "show ukey 1" "show ukeys" \
        "show stats" "step" "show ukey 1" "show ukeys" "show stats" |
        "$UKDB" late-transition >out 2>err &&
    ! test -s err &&
    ! grep "were lost\|events lost\|LOST" out &&
    sed -n "/^at event $((LATE - 1)) of/,/^\[$LATE\]/p" out >before &&
    sed -n "/^\[$LATE\]/,\$p" out >after &&
    test_grep "^  state        EVICTED  (UNCERTAIN: events were given up on while it lived, late or lost)\$" before &&
    test_grep "^Uncertain (events given up on before event 16): 1 ukey: #1\$" before &&
    test_grep "^live_ukeys  *1  (uncertain: events were given up on)\$" before &&
    test_grep "^  state        EVICTED  (UNCERTAIN: events were given up on while it lived, late or lost; a late event named it)\$" after &&
    test_grep "^Uncertain (events given up on before event 16, or late events): 1 ukey: #1\$" after &&
    test_grep "^live_ukeys  *1  (uncertain: events came late)\$" after &&
    test_grep "^late_events  *1\$" after &&
    "$UKDB" late-transition -c "goto $LATE; expect stat live_ukeys == 1" \
        2>err; test $? = 2 &&
    test_grep "cannot tell live_ukeys: events came late, given up on before event 16\$" err &&
    printf "%s\n" "goto 65665" "show dp" "show violations" |
        "$UKDB" late-deleted >out &&
    test_grep "^(events came late: the datapath may differ)\$" out &&
    test_grep "^(events came late: the lifecycle rules do not judge" out
'

# The figures said "came late" once one late event had come, though a seq
# given up on with it was still missing.
test_expect_success 'uncertain: one seq came late, another is still missing' '
    printf "%s\n" "goto $((LATE + 1))" "show stats" "goto end" "show stats" |
        "$UKDB" late-and-lost >out 2>err &&
    ! test -s err &&
    sed -n "/^at event $((LATE + 1)) of/,/^at event/p" out >mid &&
    sed -n "/^at event $((LATE + 37)) of/,\$p" out >end &&
    test_grep "^late_events  *1\$" mid &&
    test_grep "^live_ukeys  *1  (uncertain: events came late or were given up on)\$" mid &&
    test_grep "LOST (seq 17): given up on before, and the run ended without it" end &&
    test_grep "^live_ukeys  *0  (uncertain: events were lost or came late)\$" end &&
    "$UKDB" late-and-lost -c "goto $((LATE + 1)); expect stat live_ukeys == 1" \
        2>err; test $? = 2 &&
    test_grep "cannot tell live_ukeys: events came late or were given up on before event 16\$" err
'

test_expect_success 'uncertain: first seen mid-life, no loss' '
    printf "%s\n" "goto end" "show ukey 1" "show ukeys" "show stats" |
        "$UKDB" mid-life >out 2>err &&
    ! test -s err &&
    test_grep "^  state        OPERATIONAL  (UNCERTAIN: first seen mid-life)\$" out &&
    test_grep "^Uncertain (first seen mid-life): 1 ukey: #1\$" out &&
    ! grep -i "lost\|uncertain:" out | grep -v "^  state \|^loss_reports\|^events_lost" &&
    "$UKDB" mid-life -c "goto end; expect state f1 OPERATIONAL" \
        2>err; test $? = 2 &&
    test_grep "cannot tell the state of f1: its create is not in the trace\$" err
'

test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The REPL on a recorded trace (issue 6): "ukdb TRACE" / "open TRACE", the
# cursor (step, back, goto, continue, reverse-continue), the inspection
# commands reconstructed at the cursor (golden output), breakpoints in both
# directions, lost events, "reproduce" on the v1-replace race, and bad
# input.  Traces are recorded under this test's own lttng-sessiond.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"
. "$TEST_TOP/tests/helper/same-losses.sh"
PY=/usr/bin/python3

lttng_require
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
[ -x "$TP_EMIT" ] || skip_all "$TP_EMIT not built (make)"
EXPECT=$TEST_TOP/tests/expect
RACE=$TEST_TOP/examples/race-v1-replace.ukdb
lttng_start_sessiond

# ukdb_trace TRACE CMDS...: runs the commands (one per argument) on TRACE,
# without the banner of "open" (its duration is not deterministic).
ukdb_trace() {
    local trace=$1
    shift
    printf '%s\n' "$@" | "$UKDB" "$trace" | sed 1,2d
}

# Golden files name source positions without their line numbers, which
# move with every change of the model.
no_lines() { sed 's/\(core\/[a-z-]*\.c\):[0-9]*/\1:N/g'; }

test_expect_success 'record the v1-replace race' '
    lttng_record race "$UKDB" -f "$RACE" >race.out &&
    "$UKDB" --events model.canon -f "$RACE" >/dev/null &&
    wc -l <model.canon >n.model &&
    lttng_count_events race >n.trace &&
    test_cmp n.model n.trace
'

test_expect_success 'ukdb TRACE opens it at event 0' '
    n=$(cat n.trace) &&
    echo when | "$UKDB" race >out &&
    test_grep "^race: $n events (seq 1 to [0-9]*), 4 threads, 1 flow," out &&
    test_grep "^2 violations found by the lifecycle rules" out &&
    test_grep "^event 0 of $n (before the first)" out
'

# Positions are found by breakpoints, so that the golden output does not
# depend on how many events the setup takes: the end of the dump that
# evicts f1 (the round before it skipped the new flow, under v1-replace).
test_expect_success 'golden show output at chosen positions' '
    ukdb_trace race "tbreak transition VISIBLE->OPERATIONAL flow f1" \
        "continue" "show ukeys" "show dp" "show threads" \
        "tbreak transition EVICTING->EVICTED flow f1" "continue" \
        "tbreak event op_end thread revalidator0" "continue" \
        "show ukeys" "show umaps" "show locks" "show threads" \
        "tbreak event umap_replace" "continue" "step 5" "show ukeys" \
        "show umaps" "show dp" "show locks" \
        "tbreak violation double-delete" "continue" "show violations" \
        "show ukey 1" "history 1" \
        "continue" "show ukeys" "show violations" "log 4" |
        no_lines >show.out &&
    test_cmp_expect t6000-show show.out
'

# The inspection commands, after a marker line ("state" prints what they
# show once the motions before it are done).
state_cmds="echo ===|show ukeys|show umaps|show dp|show threads|show locks"
state_cmds="$state_cmds|show violations|show stats|log 30"
state() { sed '1,/^===$/d'; }

test_expect_success 'back then step returns to an identical state' '
    IFS="|" read -ra S <<<"$state_cmds" &&
    ukdb_trace race "goto 50" "${S[@]}" | state >a &&
    ukdb_trace race "goto 50" "back 9" "step 9" "${S[@]}" | state >b &&
    test_cmp a b &&
    ukdb_trace race "goto 50" "back 9" "step 9" | sed 1,2d >steps &&
    sed -n "1p;\$p" steps >ends &&
    test_grep "^at event 41 of [0-9]*:" ends &&
    test_grep "^\[50\] " ends
'

test_expect_success 'checkpoints: every move lands on the same state' '
    IFS="|" read -ra S <<<"$state_cmds" &&
    n=$(cat n.trace) &&
    for pos in 0 1 6 7 13 49 70 $((n - 1)) $n; do
        ukdb_trace race "goto $pos" "${S[@]}" | state >plain.$pos &&
        UKDB_TRACE_CHECKPOINT_EVERY=7 ukdb_trace race "goto $n" \
            "back 1" "goto 3" "goto $pos" "${S[@]}" | state >cp.$pos &&
        test_cmp plain.$pos cp.$pos || return 1
    done
'

test_expect_success 'breakpoints stop on the right event, both directions' '
    ukdb_trace race "break transition EVICTING->EVICTED flow f1" \
        "continue" "when" "goto $(cat n.trace)" "reverse-continue" "when" \
        "delete 1" \
        "break event umap_replace thread handler0" "goto 0" "continue" \
        "continue" "reverse-continue" "when" "delete 2" \
        "break violation double-delete" "goto 0" "continue" "when" \
        "goto $(cat n.trace)" "reverse-continue" "when" \
        "tbreak event rcu_free" \
        "continue" "continue" "reverse-continue" \
        "info breakpoints" | sed "s/, +[0-9.]* ms, ts [0-9]* ns//" |
        no_lines >bp.out &&
    test_cmp_expect t6000-break bp.out
'

test_expect_success 'ignore, disable and enable on a trace' '
    ukdb_trace race "break event lock thread handler0" "continue" \
        "continue" "continue" "when" >three &&
    ukdb_trace race "break event lock thread handler0" "ignore 1 2" \
        "continue" "when" "info breakpoints" >one &&
    grep "^event [0-9]* of" three >three.when &&
    grep "^event [0-9]* of" one >one.when &&
    test_cmp three.when one.when &&
    test_grep "(hit 3 times)$" one &&
    ukdb_trace race "break event lock thread handler0" "disable 1" \
        "continue" "info breakpoints" "enable" "goto 0" "continue" >off &&
    test_grep "^end of the trace" off &&
    test_grep "(hit 0 times)  \[disabled\]$" off &&
    test_grep "^Breakpoint 1: lock" off
'

test_expect_success 'goto N, seq:S and TIME; step THREAD' '
    ukdb_trace race "goto seq:20" "when" "goto 0ns" "when" "goto 0.000001us" \
        "when" "step revalidator0" "when" >goto.out &&
    test_grep "^event [0-9]* of [0-9]* (seq 20," goto.out &&
    test_grep "^event 1 of [0-9]* (seq 1, +0.000000 ms" goto.out &&
    test_grep "^\[[0-9]*\] *revalidator0 " goto.out &&
    echo "goto 1000s" | "$UKDB" race >/dev/null 2>err; test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: goto: .1000s.: out of range" err &&
    echo "goto x" | "$UKDB" race >/dev/null 2>err; test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: goto: .x.: expected an event number" err
'

test_expect_success 'watch and last' '
    ukdb_trace race "watch flow f1" "goto 0" "continue" "last ukey 1" \
        "when" | no_lines >watch.out &&
    test_grep "^watch flow f1: ukey#1 CREATED -> VISIBLE by handler0" \
        watch.out &&
    test_grep "^watch flow f1: ukey#1 EVICTED -> DELETED by handler0" \
        watch.out &&
    test_grep "^back to event [0-9]*, before: transition ukey#1 DELETED->DELETED" \
        watch.out &&
    k=$(sed -n "s/^back to event \([0-9]*\),.*/\1/p" watch.out) &&
    test_grep "^event $k of $(cat n.trace)" watch.out
'

test_expect_success 'reproduce: a clean trace is not told of a violation' '
    echo "reproduce -o clean.ukdb" |
        "$UKDB" "$TEST_TOP/traces/race-upstream" >clean.out &&
    test_grep "^The trace has no violation; to step it" clean.out &&
    ! grep -q "back from the violation" clean.out &&
    echo "reproduce -o repro.ukdb" | "$UKDB" race >repro.out &&
    test_grep "^To step it, back from the violation" repro.out
'

test_expect_success 'reproduce: the v1-replace race, exactly' '
    echo "reproduce -o repro.ukdb" | "$UKDB" race >repro.out &&
    test_grep "^Wrote repro.ukdb: variant v1-replace, $(cat n.trace) events re-emitted exactly" \
        repro.out &&
    test_grep "^variant v1-replace$" repro.ukdb &&
    test_grep "^handler handler0$" repro.ukdb &&
    test_grep "^revalidator revalidator0$" repro.ukdb &&
    test_grep "^expect violation double-delete$" repro.ukdb &&
    "$UKDB" --events repro.canon -f repro.ukdb >run.out &&
    test_grep "VIOLATION double-delete: ukey 1 removed by" \
        run.out &&
    test_cmp model.canon repro.canon &&
    printf "%s\n" "back 10" "choices" | "$UKDB" -x repro.ukdb >back.out &&
    test_grep "^at step [0-9]*$" back.out &&
    test_grep "^  1\. [a-z0-9]* " back.out
'

test_expect_success 'reproduce: the script re-records the same trace' '
    lttng_record race2 "$UKDB" -f repro.ukdb >/dev/null &&
    "$UKDB" view --format raw race >race.raw &&
    "$UKDB" view --format raw race2 >race2.raw &&
    test_cmp race.raw race2.raw
'

# A netdev scenario: PMDs, two revalidators together, an external delete,
# dp_purge_cb(), flush and shutdown.
cat >"$TRASH/pmd.ukdb" <<'EOS'
datapath netdev
pmd p0
pmd p1
revalidator r0
revalidator r1
flow f1 p0
flow f2 p1
traffic f1 3
traffic f2 2
run
round
run
traffic f1 5
expire f2
round
run
dp del f1
purge-pmd p1
run
flush
run
shutdown
run
EOS

test_expect_success 'reproduce: other scenarios (faults, purge, PMDs)' '
    for s in $TEST_TOP/examples/purge.ukdb \
             $TEST_TOP/examples/put-failure.ukdb \
             $TEST_TOP/examples/duplicate-dumps.ukdb \
             $TEST_TOP/examples/inconsistent.ukdb \
             $TEST_TOP/examples/missed-dumps.ukdb \
             $TEST_TOP/examples/race-landed-2016.ukdb "$TRASH/pmd.ukdb"; do
        [ -f "$s" ] || continue
        b=$(basename "$s" .ukdb) &&
        "$UKDB" --events "$b.want" -f "$s" >/dev/null;
        lttng_record "tr-$b" "$UKDB" -f "$s" >/dev/null;
        echo "reproduce -o $b.repro" | "$UKDB" "tr-$b" >"$b.out" &&
        test_grep "^Wrote $b.repro: variant .*re-emitted exactly" "$b.out" &&
        "$UKDB" --events "$b.got" -f "$b.repro" >/dev/null;
        test_cmp "$b.want" "$b.got" || return 1
    done
'

test_expect_success 'reproduce under a variant that cannot: the divergence' '
    echo "reproduce --variant upstream -o up.ukdb" | "$UKDB" race \
        >up.out 2>up.err; test $? = 2 &&
    stop="the replay stops at event [0-9]* of [0-9]* (variant upstream)" &&
    test_grep "^<stdin>:[0-9]*: error: reproduce: up.ukdb: $stop: event [0-9]* differs: the trace has #[0-9]* .*; the replay emits #[0-9]* " up.err &&
    test $(wc -l <up.err) = 1 &&
    test_grep "^# DIVERGENCE: event" up.ukdb &&
    "$UKDB" -f up.ukdb >/dev/null
'

# A free-running run ("ukdb load", real threads): the stepped model does
# not reproduce its interleaving exactly (the sweep of free-running mode
# quiesces per umap, for one), so "reproduce" reports the first divergence:
# which event, what the trace has and what the replay emits.  The script it
# writes replays everything before it.
test_expect_success 'reproduce a free-running trace: a precise divergence' '
    "$UKDB" load --help >/dev/null 2>&1 || { echo "# no load"; exit 0; }
    "$UKDB" load --handlers 1 --revalidators 1 --flows 2 --seconds 0.05 \
        --seed 1 --record fr >fr.out 2>&1 || { cat fr.out; exit 1; }
    echo "reproduce -o fr.ukdb" | "$UKDB" fr >fr.repro 2>fr.err
    rc=$?; cat fr.err
    if [ $rc = 0 ]; then
        test_grep "^Wrote fr.ukdb: variant .* re-emitted" fr.repro
    else
        test $rc = 2 && test $(wc -l <fr.err) = 1 &&
        test_grep "the replay stops at event [0-9]* of [0-9]* (variant [a-z0-9-]*): " fr.err &&
        test_grep "# DIVERGENCE: event [0-9]* " fr.ukdb &&
        "$UKDB" -f fr.ukdb >/dev/null 2>fr.run.err; test $? -le 1
    fi
'

test_expect_success 'lost events: shown where they happened, ukeys uncertain' '
    lttng_record_discard lost "$TP_EMIT" --events 200000 >/dev/null &&
    lttng_count_discarded lost >nd && test $(cat nd) -gt 0 &&
    printf "%s\n" "goto end" "show stats" | "$UKDB" lost >lost.out &&
    test_grep "[0-9] loss\(es\)\? (" lost.out &&
    n=$(sed -n "s/^loss_reports *//p" lost.out) &&
    printf "%s\n" "step 3000" "show ukeys" |
        "$UKDB" lost >lost2.out &&
    test_grep "LOST here" lost2.out &&
    test_grep "^Uncertain (events lost before event" lost2.out &&
    # As many events lost as the audit says (LTTng'"'"'s counts).
    same_losses "$TRASH/lost"
'

test_expect_code 2 'bad input: a path that is not a trace' '
    echo hello >notrace && "$UKDB" -c "open notrace" </dev/null 2>err;
    rc=$?; cat err; test $(wc -l <err) = 1 &&
    grep -q "^ukdb: error: open: .notrace.: not a trace directory$" err &&
    "$UKDB" -c "open nowhere" 2>err2; test $? = 2 &&
    grep -q "^ukdb: error: open: .nowhere.: No such file or directory$" err2 &&
    exit $rc
'

test_expect_code 2 'bad input: a directory without a trace' '
    mkdir empty && "$UKDB" empty </dev/null 2>err;
    rc=$?; cat err; test $(wc -l <err) = 1 &&
    grep -q "^ukdb: error: open: .empty.: Not a CTF trace: no \"metadata\"" err &&
    exit $rc
'

test_expect_code 2 'bad input: a trace without ukey events' '
    s=other$$ &&
    lttng_create $s other && lttng enable-event -u -s $s "nosuch:*" \
        >/dev/null && lttng_start $s && "$TP_EMIT" --events 10 >/dev/null &&
    lttng_stop $s && lttng_destroy $s &&
    "$UKDB" other </dev/null 2>err;
    rc=$?; cat err; test $(wc -l <err) = 1 &&
    grep -q "^ukdb: error: open: .other.: " err &&
    exit $rc
'

test_expect_code 2 'bad input: goto out of range' '
    n=$(cat n.trace) &&
    echo "goto $((n + 1))" | "$UKDB" race >out 2>err;
    rc=$?; cat err; test $(wc -l <err) = 1 &&
    grep -q "^<stdin>:[0-9]*: error: goto: .$((n + 1)).: out of range (events 0 to $n)$" err &&
    exit $rc
'

# A session that rebuilt its model is recorded as several runs: the one
# it left, cut short, then the new model's from its start (seq 1).  The
# state at the cursor is the current run's.  Before, the ukeys, datapath
# flows, locks and thread counts of the runs before stayed: at the end of
# a session that went back to step 0, ukey#1 was still OPERATIONAL.
SHOW_ALL="show ukeys; show dp; show umaps; show locks; show threads"
test_expect_success 'a trace of several runs: the state is the current run' '
    lttng_record multi "$UKDB" -c "handler h0; revalidator r0; flow f1 h0; upcall h0 f1; run; round; step r0 9; back 9; goto 0" >/dev/null &&
    lttng_record single "$UKDB" -c "handler h0; revalidator r0; flow f1 h0; upcall h0 f1" >/dev/null &&
    "$UKDB" -c "open multi; goto end; back; echo @@@@; $SHOW_ALL" >multi.out 2>&1 &&
    "$UKDB" -c "open single; goto end; back; echo @@@@; $SHOW_ALL" >single.out 2>&1 &&
    sed -n "/^@@@@\$/,\$p" multi.out >m && sed -n "/^@@@@\$/,\$p" single.out >s &&
    test_grep "^No ukeys\.\$" s && test_cmp s m
'

# Before, the replay's model printed its own error first, as a line of a
# script named "reproduce" ("reproduce:0: error: handler: 'h0': name
# already in use"); now its reason is part of the one error line.
test_expect_success 'reproduce where the model rejects a command: one line, with why' '
    echo "reproduce -o multi.ukdb" | "$UKDB" multi >out 2>err; test $? = 2 &&
    cat err && test $(wc -l <err) = 1 &&
    test_grep "^<stdin>:1: error: reproduce: multi.ukdb: the replay stops at event [0-9]* of [0-9]* (variant [a-z0-9-]*): the model rejects \"handler h0\" (handler: .h0.: name already in use) (before event [0-9]*)\$" err
'

test_expect_success 'model commands say they need the model' '
    echo "upcall handler0 f1" | "$UKDB" race >out 2>err; test $? = 2 &&
    test_grep "upcall: not available on a trace" err
'

# A setting of the model ("set dump-batch N"...) runs the session'"'"'s
# script again on a new model.  On a trace, it ran it with the trace
# open: the script'"'"'s model commands went to the trace, and the change
# was refused at the first ("handler: not available on a trace"); with
# none (ukdb TRACE), it made a setting the trace does not use, silently.
# Now it is refused as "variant", "datapath" and "umaps" are, and all say
# what to do; "set output" and "set echo", the REPL'"'"'s, still work.
test_expect_success 'a setting of the model on a trace: refused, close first' '
    for c in "set dump-batch 3" "set stuck-rounds 2" "variant v1-replace" \
             "datapath netdev" "umaps 8"; do
        printf "%s\n" "handler h0" "open race" "$c" "echo not reached" |
            "$UKDB" >out 2>err; rc=$? &&
        echo "<stdin>:3: error: ${c% *}: a setting of the model, not available on a trace (\"close\" returns to the model)" >want &&
        [ $rc = 2 ] && test_cmp want err && ! grep -q "not reached" out &&
        { "$UKDB" race -c "$c" >out 2>err; test $? = 2; } &&
        test_grep "^ukdb: error: ${c% *}: a setting of the model" err ||
        { echo "for: $c"; return 1; }
    done &&
    printf "%s\n" "handler h0" "open race" "set output json" "when" \
        "set output text" "variant" "close" "set dump-batch 3" \
        "show config" | "$UKDB" >out 2>err &&
    ! test -s err &&
    test_grep "^{\"events\":0,\"of\":[0-9]*," out &&
    test_grep "^\* upstream " out &&
    test_grep "^dump-batch *3\$" out
'

# The committed trace, for exact numbers.
V1=$TEST_TOP/traces/race-v1-replace

# Before, "next THREAD" with no event of THREAD ahead went to the end.
test_expect_success 'next THREAD with nothing to step to: an error, no move' '
    printf "%s\n" "goto 95" "next handler0" | "$UKDB" "$V1" >out 2>err;
    test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: next: no more events of handler0 in the trace: staying at event 95 of 107\$" err &&
    ! grep -q "end of the trace" out &&
    printf "%s\n" "goto 95" "next urcu" | "$UKDB" "$V1" >out &&
    test_grep "^\[101\] *urcu " out
'

# "run MAXSTEPS" on a trace: as continue, at most MAXSTEPS events on.
# Before, the bound was ignored: "run 5" went to the end of the trace.
test_expect_success 'run MAXSTEPS on a trace: at most MAXSTEPS events' '
    printf "%s\n" "goto 10" "run 5" "when" | "$UKDB" "$V1" >out &&
    test_grep "^event 15 of 107 " out &&
    ! grep -q "end of the trace" out &&
    printf "%s\n" "break transition DELETED" "run 100" "when" |
        "$UKDB" "$V1" >out &&
    test_grep "^event 79 of 107 " out &&
    printf "%s\n" "run" "when" | "$UKDB" "$V1" >out &&
    test_grep "^event 107 of 107 " out &&
    echo "run 0" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
    test_grep "error: run: .0.: out of range" err
'

# Before, both said "(events 0 to 107)"; and seq 0, which no event has,
# was "no event has seq 0 (lost?)".
test_expect_success 'goto out of range: in the unit given' '
    echo "goto seq:999" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: goto: .seq:999.: out of range (seqs 1 to 107)\$" err &&
    echo "goto seq:0" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: goto: .seq:0.: out of range (seqs 1 to 107)\$" err &&
    span=$(echo when | "$UKDB" "$V1" | sed -n "1s/.*, \([0-9.]* ms\)\$/\1/p") &&
    test -n "$span" &&
    echo "goto 5s" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: goto: .5s.: out of range (the trace spans 0 to $span from its first event)\$" err
'

# strtod() took "0x10" (event 16) and "nan"; a time that does not fit a
# uint64_t in ns went to the first event ("99999999999999999999s"); a
# negative event number or a too large one was "expected an event number".
test_expect_success 'goto: only decimal numbers, out of range however large' '
    for a in 0x10 nan inf 0x1p3ms -5ms; do
        echo "goto $a" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
        test_grep "^<stdin>:1: error: goto: .$a.: expected an event number" err ||
        return 1
    done &&
    for a in -1 99999999999999999999; do
        echo "goto $a" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
        test_grep "^<stdin>:1: error: goto: .$a.: out of range (events 0 to 107)\$" err ||
        return 1
    done &&
    for a in 99999999999999999999s 1e300ns 1e999us; do
        echo "goto $a" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
        test_grep "^<stdin>:1: error: goto: .$a.: out of range (the trace spans" err ||
        return 1
    done &&
    echo "goto #99999999999999999999" | "$UKDB" "$V1" >/dev/null 2>err;
    test $? = 2 &&
    test_grep "goto: .#99999999999999999999.: out of range (seqs 1 to 107)\$" err
'

# "goto 1e1" went to event 10 and "goto 1e999" said out of range, where
# "goto 1.5" was no event number: an event number or a seq is a whole
# number in digits, as elsewhere (a negative seq is out of range, as a
# negative event number is); a time keeps its decimal notation.
test_expect_success 'goto: an event number or seq in digits, a time as 1e3ns' '
    for a in 1e1 seq:1e1 1e999 10.0; do
        echo "goto $a" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
        test_grep "^<stdin>:1: error: goto: .$a.: not written in digits; expected an event number" err ||
        return 1
    done &&
    for a in 1.5 "#1.5" 1e-1; do
        echo "goto $a" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
        test_grep "^<stdin>:1: error: goto: .$a.: not a whole number; expected an event number" err ||
        return 1
    done &&
    echo "goto seq:-1" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
    test_grep "goto: .seq:-1.: out of range (seqs 1 to 107)\$" err &&
    printf "%s\n" "goto 10" "when" "goto 1e3ns" "when" "goto 0.5e1" |
        "$UKDB" "$V1" >out 2>err; test $? = 2 &&
    test_grep "^event 10 of 107 " out &&
    test "$(grep -c "^event [0-9]* of 107 " out)" = 2 &&
    test_grep "^<stdin>:5: error: goto: .0.5e1.: not written in digits" err
'

# A violation is at the event that breaks the rule, as "show violations"
# numbers it: a breakpoint stops there, not at the checker'"'"'s report of
# it (the next event here; in free-running mode maybe far later).
test_expect_success 'break violation stops where show violations says' '
    printf "%s\n" "break violation" "continue" "when" "show violations" \
        "continue" "when" | "$UKDB" "$V1" >out &&
    test_grep "^event 90 of 107 (seq 90," out &&
    test_grep "^1\. ERROR double-delete at event 90, ukey#1" out &&
    test_grep "^event 102 of 107 (seq 102," out &&
    test "$(grep -c "^Breakpoint 1: violation ERROR" out)" = 2
'

# "#N" is a ukey id or a seq, not a comment (see t0100).
test_expect_success 'trace: history #1, show ukey #1, goto #S; comments' '
    printf "%s\n" "goto end" "history 1" | "$UKDB" "$V1" >by-number &&
    printf "%s\n" "goto end  # the end" "# a comment" "history #1" |
        "$UKDB" "$V1" >out &&
    test_cmp by-number out &&
    printf "%s\n" "goto #90" "when" "show ukey #1" "break transition DELETED ukey #1" |
        "$UKDB" "$V1" >out &&
    test_grep "^event 90 of 107 (seq 90," out && test_grep "^ukey #1 of flow f1" out &&
    echo "goto #999" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: goto: .#999.: out of range (seqs 1 to 107)\$" err
'

# Event lines keep their columns past [9], as the model's step lines do.
test_expect_success 'trace: event numbers padded, columns aligned' '
    printf "%s\n" "goto 8" "step 3" | "$UKDB" "$V1" >out &&
    sed -n "s/^\(\[[0-9]*\] *\)handler0 .*/\1/p" out | awk "{ print length }" |
        sort -u >widths &&
    test "$(wc -l <widths)" = 1 && test "$(cat widths)" = 6
'

# ukdb.1: wherever a command takes a ukey id, "N", "#N" and "ukey#N" are
# one; on a trace too ("show ukeys" and the log print "ukey#N").
test_expect_success 'trace: show ukey and history take ukey#N' '
    printf "%s\n" "goto end" "show ukey 2" "history 1" | "$UKDB" "$V1" >by-number &&
    printf "%s\n" "goto end" "show ukey ukey#2" "history ukey#1" |
        "$UKDB" "$V1" >out &&
    test_cmp by-number out &&
    echo "history ukey#0" | "$UKDB" "$V1" >/dev/null 2>err; test $? = 2 &&
    test_grep "^<stdin>:[0-9]*: error: history: .ukey#0.: not a ukey id" err
'

# Before, "history 99" of a ukey the trace does not have printed an empty
# history (and "[]" in JSON) where the model says "no such ukey".
test_expect_success 'trace: history of a ukey the trace does not have is an error' '
    printf "%s\n" "goto end" "history 99" | "$UKDB" "$V1" >out 2>err;
    test $? = 2 &&
    test_grep "^<stdin>:2: error: history: .99.: no such ukey in the trace" err &&
    printf "%s\n" "set output json" "history 99" | "$UKDB" "$V1" >out 2>err;
    test $? = 2 && ! grep -q "^\[" out &&
    printf "%s\n" "history 2" | "$UKDB" "$V1" >out 2>err &&
    test ! -s err && test_grep "^Nothing has happened to 2 before event 0" out
'

# A breakpoint holds its thread's id, and ids are each trace's own: the
# order its threads started.  revalidator1 is thread 3 in "reval-a" and
# thread 4 in "reval-b", whose thread 3 is h1; the model declares only
# h0, and the race trace has no revalidator1.  Before, a breakpoint set
# on revalidator1 in one trace kept id 3: not pending after "close",
# and in the next trace it stopped at h1's op_end; after a variant change
# it stayed pending in every trace.  Now the thread is found by name at
# each "open" and "close", as gdb re-sets its breakpoints; condition,
# tbreak, ignore count and disable carry over.
test_expect_success 'a breakpoint pending after close stops in a trace that has its thread' '
    lttng_record reval-a "$UKDB" -c "revalidator revalidator0; revalidator revalidator1; handler h0; flow f1 h0; upcall h0 f1; run; round; run" >/dev/null &&
    lttng_record reval-b "$UKDB" -c "handler h0; handler h1; revalidator revalidator1; flow f1 h0; flow f2 h1; upcall h0 f1; upcall h1 f2; run; round; run" >/dev/null &&
    printf "%s\n" "handler h0" "open reval-a" \
        "break event op_end thread revalidator1" \
        "tbreak event op_end thread revalidator1 if stat live_ukeys >= 2" \
        "break event op_begin thread revalidator1" "disable 3" \
        "break event op_begin thread revalidator1 if stat live_ukeys >= 3" \
        "ignore 1 1" "close" "info breakpoints" "echo ==== b" \
        "open reval-b" "info breakpoints" "continue" "continue" \
        "echo ==== after" "info breakpoints" "echo ==== race" "open race" "info breakpoints" |
        "$UKDB" >out 2>err &&
    ! test -s err &&
    sed -n "/^closed reval-a/,/^==== b/p" out >closed &&
    for n in 1 3 4; do
        test_grep "^Breakpoint $n (event op_[a-z]* thread revalidator1) pending: the model has no thread revalidator1\.\$" closed || return 1
    done &&
    test_grep "^Temporary breakpoint 2 (event op_end thread revalidator1) pending: the model has no thread revalidator1\.\$" closed &&
    test "$(grep -c "\[pending: names what the model lacks\]\$" closed)" = 4 &&
    test_grep "^1   break event op_end thread revalidator1  (hit 0 times; ignore next 1)  \[pending" closed &&
    test_grep "^3   break event op_begin thread revalidator1  (hit 0 times)  \[disabled\]  \[pending" closed &&
    sed -n "/^==== b/,/^==== race/p" out >b &&
    test "$(grep -c ") resolved: the trace has thread revalidator1\.\$" b)" = 4 &&
    ! grep -q "pending" b &&
    test_grep "^    stop only if stat live_ukeys >= 2\$" b &&
    test_grep "^    stop only if stat live_ukeys >= 3\$" b &&
    grep -A1 "^\[[0-9]*\] " b >stops &&
    test_grep "^\[[0-9]*\]  *revalidator1  *op_end DUMP\$" stops &&
    test_grep "^Temporary breakpoint 2: op_end DUMP\$" stops &&
    test_grep "^\[[0-9]*\]  *revalidator1  *op_end SWEEP\$" stops &&
    test_grep "^Breakpoint 1: op_end SWEEP\$" stops &&
    ! grep -q "h1" stops &&
    sed -n "/^==== after/,/^==== race/p" out >after &&
    test_grep "^1   break event op_end thread revalidator1  (hit 2 times)\$" after &&
    ! grep -q "^2 " after &&
    test_grep "^3   break event op_begin thread revalidator1  (hit 0 times)  \[disabled\]\$" after &&
    test_grep "^4   break event op_begin thread revalidator1  (hit 0 times)\$" after &&
    sed -n "/^==== race/,\$p" out >r &&
    test "$(grep -c ") pending: the trace has no thread revalidator1\.\$" r)" = 3 &&
    test "$(grep -c "\[pending: names what the trace lacks\]\$" r)" = 3
'

# The same after a variant change, which runs the session'"'"'s script again:
# the breakpoint set on a trace is made again on the model, pending;
# before, it stayed so in every trace opened after.
test_expect_success 'a breakpoint pending after a variant change stops in a trace that has its thread' '
    printf "%s\n" "handler h0" "open reval-a" \
        "break event op_end thread revalidator1" "close" \
        "variant v1-replace" "info breakpoints" "open reval-b" "continue" |
        "$UKDB" >out 2>err &&
    ! test -s err &&
    test_grep "^1   break event op_end thread revalidator1  (hit 0 times)  \[pending: names what the model lacks\]\$" out &&
    test_grep "^Breakpoint 1 (event op_end thread revalidator1) resolved: the trace has thread revalidator1\.\$" out &&
    grep -A1 "^\[[0-9]*\] " out >stops &&
    test_grep "^\[[0-9]*\]  *revalidator1  *op_end DUMP\$" stops &&
    test_grep "^Breakpoint 1: op_end DUMP\$" stops
'

test_done

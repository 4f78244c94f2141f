#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb load": argument errors (exit 2 with "ukdb: error: ..."), --help, a
# short run's JSON summary with balanced ukey accounting, and a clean stop
# on SIGINT.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"

# json_get FILE KEY: the number or word after "KEY": in a one-object file.
json_get() {
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

load_error() {
    "$UKDB" load "$@" >out 2>err
    rc=$?
    [ $rc -eq 2 ] || { echo "exit $rc, wanted 2"; cat out err; return 1; }
    test_grep "^ukdb: error: load: " err &&
    [ $(wc -l <err) = 1 ] || { echo "not one line:"; cat err; return 1; }
}

test_expect_success 'zero handlers is an error' '
    load_error --handlers 0 --revalidators 1 --flows 10 --seconds 1 &&
    test_grep "handlers" err
'

test_expect_success 'zero revalidators is an error' '
    load_error --handlers 1 --revalidators 0 --flows 10 --seconds 1
'

test_expect_success 'absurd sizes are errors' '
    load_error --handlers 100000 --revalidators 1 --flows 10 --seconds 1 &&
    load_error --handlers 1 --revalidators 1 --flows 0 --seconds 1 &&
    load_error --handlers 1 --revalidators 1 --flows 1000000000000 \
        --seconds 1 &&
    load_error --handlers 1 --revalidators 1 --flows 10 --umaps 0 \
        --seconds 1 &&
    load_error --handlers 1 --revalidators 1 --flows -5 --seconds 1 &&
    load_error --handlers 1 --revalidators 1 --flows 10x --seconds 1
'

# A value that does not parse names its option and its range; a negative
# one is out of range.
test_expect_success 'a bad number names its option' '
    load_error --flows 10x &&
    test_grep "load: --flows .10x.: not a number (1 to 100000000) (see" err &&
    load_error --seconds -1 &&
    test_grep "load: --seconds .-1.: out of range (more than 0, at most 1000000) (see" err &&
    load_error --zipf -1 && test_grep "load: --zipf .-1.: out of range (0 to 10) (see" err &&
    load_error --seconds 1e9 &&
    test_grep "load: --seconds .1e9.: out of range (more than 0, at most 1000000) (see" err
'

# strtoull() skips blanks and negates: " -1" was --seed 2^64 - 1 and
# --rate " -5" flat out; strtod() also takes hexadecimal and "inf".  Only
# plain decimal numbers are numbers.
test_expect_success 'a blank, a sign or hexadecimal is not a number' '
    load_error --seed " -1" &&
    test_grep "load: --seed . -1.: out of range (0 or more) (see" err &&
    load_error --rate " -5" &&
    test_grep "load: --rate . -5.: out of range (0 or more) (see" err &&
    load_error --flows " 10" && test_grep "not a number (1 to 100000000) (see" err &&
    load_error --flows +10 && test_grep "not a number (1 to 100000000) (see" err &&
    load_error --churn " 0.1" && test_grep "not a number (0 to 1) (see" err &&
    load_error --churn 0x1p-3 && test_grep "not a number (0 to 1) (see" err &&
    load_error --seconds infinity && test_grep "not a number (more than 0, at most 1000000) (see" err
'

# "-x" and "--variant" (a value forgotten) were "must not be negative";
# a number too large for its option was "not a valid number".
test_expect_success 'not a number, negative and too large are told apart' '
    load_error --faults -x && test_grep "load: --faults .-x.: not a number (0 to 1) (see" err &&
    load_error --faults --variant upstream &&
    test_grep "load: --faults .--variant.: not a number (0 to 1) (see" err &&
    load_error --handlers -nan && test_grep "not a number (1 to 256) (see" err &&
    load_error --seed -0x10 && test_grep "not a number (0 or more) (see" err &&
    load_error --burst -1.5 && test_grep "load: --burst .-1.5.: out of range (1 to 1000000) (see" err &&
    load_error --flows 99999999999999999999 &&
    test_grep "load: --flows .99999999999999999999.: out of range (1 to 100000000) (see" err &&
    load_error --handlers 4294967296 &&
    test_grep "load: --handlers .4294967296.: out of range (1 to 256) (see" err &&
    load_error --upcalls 18446744073709551616 &&
    test_grep "load: --upcalls .18446744073709551616.: out of range (1 to 2^64 - 1) (see" err &&
    load_error --faults 1e999 && test_grep "load: --faults .1e999.: out of range (0 to 1) (see" err &&
    load_error --pmds 00 && test_grep "load: --pmds .00.: out of range (1 to 256) (see" err
'

# "1.5" and "1e3" were "not a valid number", as "x" is.
test_expect_success 'a whole-number option says what else its value is' '
    load_error --handlers 1.5 &&
    test_grep "load: --handlers .1.5.: not a whole number (1 to 256) (see" err &&
    load_error --flows .5 && test_grep "load: --flows .\.5.: not a whole number (1 to 100000000) (see" err &&
    load_error --seed 1e3 && test_grep "load: --seed .1e3.: not written in digits (0 or more) (see" err &&
    load_error --burst 4.0 && test_grep "load: --burst .4.0.: not written in digits (1 to 1000000) (see" err &&
    load_error --handlers 1x && test_grep "load: --handlers .1x.: not a number (1 to 256) (see" err &&
    load_error --faults 1e-1x && test_grep "load: --faults .1e-1x.: not a number (0 to 1) (see" err
'

# load said "not a valid number" and "must not be negative" where the
# REPL's commands and explore said "not a number" and "out of range",
# and the REPL "too large" where view said "out of range": the same value
# is now refused in the same words, range and all (load --upcalls, "log"
# and view --begin take 1 or more, 1 or more, and 0 or more).
test_expect_success 'load, the REPL, explore and view refuse a number alike' '
    for v in x -1 1.5 1e3 18446744073709551616; do
        load_error --upcalls "$v" &&
        sed -n "s/^ukdb: error: load: --upcalls .$v.: \(.*\) (see .*/\1/p" \
            err >load &&
        test -s load &&
        { "$UKDB" -c "log $v" >out 2>err; test $? = 2; } &&
        sed -n "s/^ukdb: error: log: .$v.: \(.*\); try .*/\1/p" err >repl &&
        test_cmp load repl &&
        { "$UKDB" -c "explore --runs $v" >out 2>err; test $? = 2; } &&
        sed -n "s/^ukdb: error: explore: --runs .$v.: \([^(]*\) (.*/\1/p" \
            err >explore &&
        sed "s/ (.*//" load >words &&
        test_cmp words explore &&
        { "$UKDB" view --begin "$v" /nonexistent >out 2>err; test $? = 2; } &&
        sed -n "s/^ukdb: error: view: --begin: .$v.: \([^(]*\) (.*/\1/p" \
            err >view &&
        test_cmp words view || return 1
    done
'

test_expect_success 'an unknown variant is an error' '
    load_error --handlers 1 --revalidators 1 --flows 10 --seconds 1 \
        --variant no-such-variant &&
    test_grep "no-such-variant.*unknown variant" err
'

test_expect_success '--seconds 0 and --upcalls 0 say what is wrong' '
    load_error --handlers 1 --revalidators 1 --flows 10 --seconds 0 &&
    test_grep "load: --seconds .0.: out of range (more than 0, at most 1000000) (see" err &&
    load_error --handlers 1 --revalidators 1 --flows 10 --upcalls 0 &&
    test_grep "load: --upcalls .0.: out of range (1 or more) (see" err
'

test_expect_success 'other usage errors' '
    load_error --handlers 1 --revalidators 1 --flows 10 --seconds 1 \
        --upcalls 5 &&
    load_error --handlers 1 --revalidators 1 --flows 10 --seconds 1 \
        --format xml &&
    load_error --handlers 1 --revalidators 1 --flows 10 --seconds 1 \
        --record a --live net://localhost &&
    load_error --handlers 1 --revalidators 1 --flows 10 --seconds 1 \
        --bogus &&
    load_error --handlers 1 --revalidators 1 --flows 10 --seconds 1 extra
'

# Out of memory: refused before it starts, in one line, not aborted by a
# liburcu thread that cannot start nor killed by the kernel.  "ulimit -v"
# makes the limit exact; 350 MB once made this load abort (exit 134) in
# liburcu's workqueue creation or in exit().
test_expect_success 'a load too big for the memory is refused, not a crash' '
    (ulimit -v 350000 &&
     load_error --handlers 2 --revalidators 2 --flows 2000000 \
         --seconds 1) &&
    test $(wc -l <err) = 1 &&
    test_grep "2000000 flows and 4 threads need about .* GiB of address space; the limit (ulimit -v) leaves .* GiB" err
'

test_expect_success 'a load that fits under an address-space limit runs' '
    (ulimit -v 4000000 &&
     "$UKDB" load --handlers 1 --revalidators 1 --flows 1000 \
         --seconds 0.2 --format json >out) &&
    [ "$(json_get out live_ukeys)" = 0 ]
'

# Out of threads: each pthread_create() of the main thread, from the
# N-th on, fails (tests/helper/fail-thread.so).  Every N gives the error in
# one line, exit 2, or a run: before, a checker thread that could not start
# aborted (exit 134).  liburcu's own (the hash tables' resize workqueue)
# aborts in liburcu, which has no way to report it: those N are told apart
# by its message and must come first.
FAIL_THREAD=$UKDB_BUILD/tests/helper/fail-thread.so
test_expect_success 'a thread that cannot start is an error, not a crash' '
    [ -f "$FAIL_THREAD" ] &&
    n=0 errors=0 ran= &&
    while [ $n -le 40 ] && [ -z "$ran" ]; do
        LTTNG_UST_REGISTER_TIMEOUT=0 UKDB_FAIL_THREAD=$n \
            LD_PRELOAD=$FAIL_THREAD timeout 60 "$UKDB" load --handlers 2 \
            --revalidators 2 --flows 100 --seconds 0.2 >out 2>err
        rc=$?
        if [ $rc = 0 ]; then
            ran=$n
        elif [ $rc = 2 ]; then
            test_grep "^ukdb: error: load: cannot start threads: Resource temporarily unavailable\$" err &&
            [ $(wc -l <err) = 1 ] || exit 1
            errors=$((errors + 1))
        elif [ $errors = 0 ] && grep -q "urcu_workqueue_create.*Unrecoverable error" err; then
            :
        else
            echo "UKDB_FAIL_THREAD=$n: exit $rc"; cat err; exit 1
        fi
        n=$((n + 1))
    done &&
    echo "errors: $errors, ran with $ran threads" &&
    [ -n "$ran" ] && [ $errors -ge 7 ]
'

test_expect_success '--help prints the usage' '
    "$UKDB" load --help >out &&
    test_grep "^usage: ukdb load \[OPTION\]\.\.\." out &&
    sed -n "/load_options\[\] = {/,/^};/s/^ *{ \"\([a-z-]*\)\".*/\1/p" \
        "$TEST_TOP/repl/load.c" >options &&
    [ "$(wc -l <options)" -gt 20 ] &&
    while read -r o; do
        [ "$o" = help ] && continue
        test_grep "^  --$o " out || exit 1
        # The man page lists it too (roff escapes each dash).
        grep -qF -- "$(echo "--$o" | sed "s/-/\\\\-/g")" \
            "$TEST_TOP/doc/ukdb.1" || { echo "ukdb.1: no --$o"; exit 1; }
    done <options &&
    ! awk "length > 79" out | grep . &&
    # The text of an option fills its lines but the last: under
    # --upcalls, "(exit 2) when none came for" stood alone.
    ! awk "prev != \"\" && /^                     [^ ]/ && length(prev) < 60 {
           print prev } { prev = \$0 }" out | grep .
'

test_expect_success 'a short load: summary, every ukey freed, end of run' '
    "$UKDB" load --handlers 2 --revalidators 2 --flows 300 --upcalls 2000 \
        --idle-ms 5 --format json >summary &&
    [ "$(json_get summary live_ukeys)" = 0 ] &&
    [ "$(json_get summary created)" = "$(json_get summary ukeys_freed)" ] &&
    [ "$(json_get summary upcalls)" -ge 2000 ] &&
    [ "$(json_get summary installs)" -gt 0 ] &&
    [ "$(json_get summary interrupted)" = False ] &&
    [ "$(json_get summary stalled)" = False ]
'

# load's JSON summary named its violations "violations" (the errors, a
# count: the audit's "violations" is a list) and "by_violation" (the kinds
# seen); now only audit's "errors", "warnings" and "violations_by_kind"
# (every kind), same shapes.  Faults make a few stats doubles (errors) and,
# at times, a dp-flow-without-ukey (a warning).
test_expect_success 'load JSON: errors, warnings, violations_by_kind as audit' '
    "$UKDB" load --handlers 2 --revalidators 2 --flows 300 --seconds 1 \
        --idle-ms 5 --zipf 0.5 --faults 0.002 --format json >summary &&
    { "$UKDB" audit --format json "$TEST_TOP/traces/race-v1-replace" \
        >audit; test $? = 1; } &&
    /usr/bin/python3 - summary audit <<-\EOF
	import json, sys
	load, audit = (json.load(open(f)) for f in sys.argv[1:])
	for k in "errors", "warnings", "violations_by_kind":
	    assert type(load[k]) is type(audit[k]), (k, load[k], audit[k])
	kinds = load["violations_by_kind"]
	assert list(kinds) == list(audit["violations_by_kind"]), kinds
	assert "violations" not in load and "by_violation" not in load, load
	assert sum(kinds.values()) == load["errors"] + load["warnings"], load
	assert load["errors"] > 0 and load["checked"] is True, load
	assert load["faults_injected"] > 0, load
	EOF
'

# --no-check said "0 errors" and "complete": false: nothing had looked
# for either.  It says they were not checked: null in JSON.
test_expect_success 'load --no-check: violations not checked, not 0' '
    "$UKDB" load --handlers 1 --revalidators 1 --flows 50 --seconds 0.2 \
        --no-check --format json >nocheck &&
    /usr/bin/python3 - nocheck <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["checked"] is False, d
	for k in ("complete", "errors", "warnings", "violations_by_kind"):
	    assert d[k] is None, (k, d[k])
	assert d["created"] == d["ukeys_freed"] > 0, d
	EOF
    "$UKDB" load --handlers 1 --revalidators 1 --flows 50 --seconds 0.2 \
        --no-check >out &&
    test_grep "^violations  *not checked (--no-check)\$" out &&
    ! grep -q "errors" out
'

# Idle flows are evicted and come back, many times over in 1 s (~4000
# evictions of 300 flows); before dump_create_fr() took each flow's idle
# mark once, at PMD 0, no flow of this datapath ever idled out.
test_expect_success '--pmds: the userspace datapath, its flows idle out too' '
    "$UKDB" load --pmds 2 --revalidators 2 --flows 300 --seconds 1 \
        --idle-ms 5 --zipf 0.5 --format json >summary &&
    [ "$(json_get summary datapath)" = netdev ] &&
    [ "$(json_get summary pmds)" = 2 ] &&
    [ "$(json_get summary handlers)" = 0 ] &&
    [ "$(json_get summary live_ukeys)" = 0 ] &&
    [ "$(json_get summary created)" = "$(json_get summary ukeys_freed)" ] &&
    [ "$(json_get summary installs)" -gt 900 ] &&
    [ "$(json_get summary evictions)" -gt 600 ] &&
    [ "$(json_get summary complete)" = True ] &&
    "$UKDB" load --pmds 3 --revalidators 1 --flows 50 --seconds 0.3 >text &&
    test_grep "^load: variant upstream, 3 pmds, 1 revalidator, 50 flows" text
'

# A fault is armed on the flow's datapath flow where its traffic goes: on
# the userspace datapath, its PMD's instance.  It was armed on pmd_id 0,
# which no PMD has: --faults did nothing there but count.  The PMD's own
# flow add cannot fail (dp_netdev_flow_add()): a fault there left ukeys
# VISIBLE with no flow, stuck, their flows slowpathed, which upstream OVS
# cannot do.
test_expect_success '--pmds: --faults makes datapath operations fail' '
    "$UKDB" load --pmds 2 --revalidators 2 --flows 200 --seconds 0.5 \
        --idle-ms 5 --zipf 0.5 --faults 0.05 --format json >summary &&
    echo "# $(json_get summary faults_injected) faults, $(json_get summary dp_put_errors) puts and $(json_get summary dp_del_errors) dels failed" &&
    [ "$(json_get summary faults_injected)" -gt 0 ] &&
    [ $(($(json_get summary dp_put_errors) + $(json_get summary dp_del_errors))) -gt 0 ] &&
    [ "$(json_get summary live_ukeys)" = 0 ] &&
    [ "$(json_get summary created)" = "$(json_get summary ukeys_freed)" ] &&
    /usr/bin/python3 -c "
import json, sys
v = json.load(open(sys.argv[1]))[\"violations_by_kind\"]
sys.exit(v[\"stuck-ukey\"] + v[\"slowpath\"] != 0)" summary
'

test_expect_success '--pmds: bad arguments' '
    load_error --pmds 2 --handlers 2 --revalidators 1 --flows 10 \
        --seconds 1 &&
    test_grep "give --handlers (kernel datapath) or --pmds (userspace datapath), not both" err &&
    load_error --pmds 0 --revalidators 1 --flows 10 --seconds 1 &&
    load_error --pmds 300 --revalidators 1 --flows 10 --seconds 1 &&
    test_grep "load: --pmds .300.: out of range (1 to 256) (see" err
'

test_expect_success 'text summary' '
    "$UKDB" load --handlers 1 --revalidators 1 --flows 50 --seconds 0.3 \
        >summary &&
    test_grep "^load: variant upstream, 1 handler, 1 revalidator, 50 flows" \
        summary &&
    test_grep "^ukeys .* 0 live at exit" summary
'

# Counts of one are singular (uk_plural()), every one of them.
test_expect_success 'text summary: "1 flow", not "1 flows"' '
    "$UKDB" load --handlers 1 --revalidators 1 --flows 1 --umaps 1 \
        --seconds 0.3 >summary &&
    test_grep "^load: variant upstream, 1 handler, 1 revalidator, 1 flow, 1 umap, seed 1$" \
        summary &&
    ! grep -E "(^|[ (])1 (handlers|pmds|revalidators|flows|umaps|rounds|calls|packets|replacements|puts|dels|expiries|modifies|faults|churns|free events|errors|warnings)" \
        summary
'

# With --upcalls, a load that cannot upcall any more (every flow sent
# something each idle tick, here no idle tick at all: --idle-ms 0) would
# run, and record, until the disk is full (timeout: fail, not hang,
# without the stop).
test_expect_code 2 '--upcalls: a load with no upcall for 5 s stops' '
    timeout 60 "$UKDB" load --handlers 1 --revalidators 1 --flows 20 --idle-ms 0 \
        --upcalls 100000 --format json >summary 2>err; rc=$?;
    cat err;
    [ "$(json_get summary stalled)" = True ] &&
    [ "$(json_get summary interrupted)" = False ] &&
    [ "$(json_get summary upcalls)" -lt 100000 ] &&
    [ "$(json_get summary created)" = "$(json_get summary ukeys_freed)" ] &&
    test_grep "^ukdb: error: load: stopped at [0-9]* of 100000 upcalls: none for 5 s" err &&
    exit $rc
'

# A slow rate sends a call at a time: the time limit, the revalidators'
# rounds and the idle ticks go on between calls (before, the generator
# slept 256 calls ahead: 25 s for "--rate 10 --seconds 1", one round).
# Counted, not timed: at most the calls of 1 s at that rate.
test_expect_success '--rate 10: stops on time, rounds go on' '
    timeout 60 "$UKDB" load --handlers 1 --revalidators 1 --flows 10 --rate 10 \
        --seconds 1 --format json >summary &&
    [ "$(json_get summary calls)" -le 12 ] &&
    [ "$(json_get summary rounds)" -ge 10 ] &&
    [ "$(json_get summary expiries)" -gt 0 ]
'

test_expect_success 'SIGINT stops it cleanly' '
    "$UKDB" load --handlers 2 --revalidators 1 --flows 200 --seconds 600 \
        --format json >summary 2>err &
    pid=$! &&
    sleep 1 &&
    kill -INT $pid &&
    wait $pid &&
    [ "$(json_get summary interrupted)" = True ] &&
    [ "$(json_get summary live_ukeys)" = 0 ] &&
    [ "$(json_get summary created)" = "$(json_get summary ukeys_freed)" ]
'

# A signal while the load declares its flows (two million take about a
# second) stops it as soon as it has started: a summary, every ukey freed,
# exit 0.  Its handler once came after the start: SIGTERM killed the load
# without a word, and SIGINT, ignored by a background job until then, was
# lost.  (Sent a little later, it is the mid-run case, same outcome.)
test_expect_success 'SIGTERM or SIGINT during startup stops it cleanly' '
    for sig in TERM INT; do
        "$UKDB" load --handlers 1 --revalidators 1 --flows 2000000 \
            --seconds 60 --no-check --format json >summary 2>err &
        pid=$! &&
        sleep 0.1 &&
        kill -$sig $pid &&
        wait $pid &&
        [ "$(json_get summary interrupted)" = True ] &&
        [ "$(json_get summary live_ukeys)" = 0 ] &&
        [ "$(json_get summary created)" = "$(json_get summary ukeys_freed)" ] || exit 1
    done
'

# The load's threads start with SIGINT and SIGTERM blocked: the signals
# come to the main thread, which stops the load, never to a model thread
# in the middle of an operation (a ThreadSanitizer build, where they could,
# now and then died of a Ctrl-C).
test_expect_success 'only the main thread takes SIGINT and SIGTERM' '
    "$UKDB" load --handlers 2 --revalidators 2 --flows 100 --seconds 30 \
        --format json >summary 2>err &
    pid=$! &&
    for i in $(seq 100); do
        [ $(ls /proc/$pid/task | wc -l) -ge 10 ] && break
        sleep 0.1
    done &&
    (for t in /proc/$pid/task/*; do
        [ "${t##*/}" = $pid ] && continue
        blk=$(awk "/^SigBlk:/ { print \$2 }" $t/status) &&
        (( (0x$blk >> 1 & 1) && (0x$blk >> 14 & 1) )) ||
            { echo "thread ${t##*/} ($(cat $t/comm)): SigBlk $blk"; exit 1; }
    done);
    rc=$?
    kill -TERM $pid; wait $pid && [ $rc = 0 ] &&
    [ "$(json_get summary interrupted)" = True ]
'

# The most threads the arguments allow, with the checker: each emitting
# thread has a ring for the checker's thread, and 256 rings were the most.
test_expect_success 'the largest thread counts run, with the checker' '
    "$UKDB" load --handlers 256 --revalidators 256 --flows 2000 \
        --seconds 0.3 --format json >summary &&
    [ "$(json_get summary live_ukeys)" = 0 ] &&
    [ "$(json_get summary created)" = "$(json_get summary ukeys_freed)" ]
'

test_done

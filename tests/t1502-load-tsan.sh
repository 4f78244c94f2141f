#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb load" under ThreadSanitizer (the build of "make SANITIZE=thread", or
# $TSAN_UKDB), with tests/tsan.supp: suppressions limited to liburcu 0.13's
# own code, which TSan cannot see into.  No report may name ukdb's code.
# Also the event bus's threaded unit test (tests/unit/test-event-filter.c:
# concurrent observers called by two threads at once), with no suppression
# at all, and the umaps' node pool's (tests/unit/test-umap-nodes.c: nodes
# given back by the RCU thread, taken again by the handlers).  And the
# audit's fold thread, on a recorded trace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

TSAN_UKDB=${TSAN_UKDB:-$TEST_TOP/${TSAN_BUILD:-build-thread}/ukdb}
[ -x "$TSAN_UKDB" ] || skip_all "$TSAN_UKDB not built (make check-load-tsan)"
SUPP=$TEST_TOP/tests/tsan.supp

# tsan_load ARGS...: exit 0 and no ThreadSanitizer report.
tsan_load() {
    "$TSAN_UKDB" load --format json "$@" >out 2>err
    rc=$?
    if [ $rc -ne 0 ] || grep -q "ThreadSanitizer" err; then
        echo "exit $rc"; grep -A30 "WARNING: ThreadSanitizer" err | head -80
        return 1
    fi
}

test_expect_success 'upstream, every generator feature: no report' '
    TSAN_OPTIONS="suppressions=$SUPP halt_on_error=1" \
    tsan_load --handlers 3 --revalidators 2 --flows 2000 --seconds 2 \
        --idle-ms 10 --churn 0.01 --modify 0.01 --faults 0.001
'

test_expect_success 'the userspace datapath (PMDs): no report' '
    TSAN_OPTIONS="suppressions=$SUPP halt_on_error=1" \
    tsan_load --pmds 3 --revalidators 2 --flows 1000 --seconds 1 \
        --idle-ms 10 --churn 0.01 --modify 0.01 --faults 0.001
'

# v1-replace keeps each new ukey locked across the datapath put, so a
# handler holds up to a batch (64) of ukey locks: beyond the 64 locks
# TSan'"'"'s deadlock detector tracks per thread.  Data races only.
test_expect_success 'v1-replace: no data race' '
    TSAN_OPTIONS="suppressions=$SUPP halt_on_error=1 detect_deadlocks=0" \
    tsan_load --handlers 3 --revalidators 3 --flows 1000 --seconds 2 \
        --idle-ms 5 --zipf 0.5 --variant v1-replace
'

# tsan_unit NAME [TSAN_OPTIONS...]: the ThreadSanitizer build of unit test
# NAME runs clean: exit 0, no report, no failed check.
tsan_unit() {
    local bin=$TEST_TOP/${TSAN_BUILD:-build-thread}/tests/$1
    shift
    [ -x "$bin" ] || { echo "$bin not built"; return 1; }
    TSAN_OPTIONS="$* halt_on_error=1" "$bin" >out 2>err
    local rc=$?
    grep -A30 "WARNING: ThreadSanitizer" err | head -60
    [ $rc = 0 ] && ! grep -q "ThreadSanitizer" err && ! grep -q "^not ok" out
}

test_expect_success 'the event bus with concurrent observers: no report' '
    tsan_unit test-event-filter
'

test_expect_success 'the umaps reuse nodes across threads: no report' '
    tsan_unit test-umap-nodes "suppressions=$SUPP"
'

# A session that starts mid-run flips the words the model's threads read
# inline (event_bus_quiet()) while they emit.
test_expect_success 'a session starting mid-run: no report' '
    tsan_unit test-freerun-events "suppressions=$SUPP"
'

# "ukdb audit" folds on a thread of its own while babeltrace2 decodes on
# the main one (tracepoints/plugin/report-pipe.c): a recorded load's trace,
# thousands of batches handed over, then several traces at once (a fold
# thread each), with no suppression at all, and the same output as the
# plain build's.  (t1504 and t3000 compare it with the plugin's sink,
# which folds on babeltrace2's thread.)
if command -v lttng >/dev/null && command -v babeltrace2 >/dev/null; then
    test_expect_success 'the audit'"'"'s fold thread: no report' '
        "$UKDB" load --handlers 2 --revalidators 2 --flows 300 \
            --seconds 0.5 --idle-ms 5 --record trace --quiet \
            >/dev/null 2>err &&
        for args in "trace" "--format json trace" \
                    "$TEST_TOP/traces/purge $TEST_TOP/traces/race-upstream"
        do
            # shellcheck disable=SC2086
            TSAN_OPTIONS="halt_on_error=1" "$TSAN_UKDB" audit $args \
                >out 2>err
            rc=$?
            grep -A30 "WARNING: ThreadSanitizer" err | head -60
            [ $rc -le 1 ] && ! grep -q "ThreadSanitizer" err || exit 1
            "$UKDB" audit $args >expect; test_cmp expect out || exit 1
        done
    '
fi

test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The "ukey" tracepoint probes are a library ukdb loads where it runs the
# model (build/libukdb-tp.so, tracepoints/provider/tp-load.c): the trace
# readers, "ukdb audit", "ukdb view" and "ukdb TRACE" (until the model runs), never
# load liblttng-ust, so they do not register with a session daemon (a
# viewer of a live session is not itself traced); a missing library is a warning,
# not a failure.  That the loaded probes record the model's events is
# tested by every "ukdb record" test (t2010, t3200).
. "$(dirname "$0")/lib.sh"

TRACE=$(find "$TEST_TOP/traces" -name metadata -printf "%h\n" | sort | head -1)
[ -n "$TRACE" ] || skip_all "no committed trace under traces/"

# loaded LIB CMD...: whether running CMD loads the library LIB.
loaded() {
    local lib=$1
    shift
    LD_DEBUG=files "$@" >/dev/null 2>ld.err
    grep -q "file=[^ ]*$lib" ld.err
}

test_expect_success 'audit and view do not load liblttng-ust' '
    ! loaded liblttng-ust.so "$UKDB" audit "$TRACE" &&
    ! loaded liblttng-ust.so "$UKDB" view "$TRACE" &&
    ! loaded libukdb-tp.so "$UKDB" audit "$TRACE"
'

test_expect_success 'the model loads the probes, and with them liblttng-ust' '
    loaded libukdb-tp.so "$UKDB" -c "handler h0" &&
    loaded liblttng-ust.so "$UKDB" -c "handler h0" &&
    loaded libukdb-tp.so "$UKDB" -c "step"
'

# A REPL started to watch a (live) session that records "ukey:*" must not
# write its own model'"'"'s start into it: the probes load at the first
# command that changes or steps the model, not before.
test_expect_success 'the REPL loads the probes only when it runs the model' '
    ! loaded libukdb-tp.so "$UKDB" -c "echo hi; show threads; help step" &&
    ! loaded libukdb-tp.so "$UKDB" -c "open $TRACE; goto 10; show ukeys" &&
    echo "show threads" | { ! loaded libukdb-tp.so "$UKDB"; }
'

test_expect_success 'ukdb TRACE loads the probes only when the model runs' '
    echo when | { ! loaded libukdb-tp.so "$UKDB" "$TRACE"; } &&
    printf "when\nclose\nshow threads\n" |
        { ! loaded libukdb-tp.so "$UKDB" "$TRACE"; } &&
    printf "when\nclose\nhandler h0\n" | loaded libukdb-tp.so "$UKDB" "$TRACE"
'

test_expect_success 'probes that do not load: a warning, and the model runs' '
    UKDB_TP_PROVIDER=/nonexistent/libukdb-tp.so "$UKDB" -c "handler h0; echo hi" \
        >out 2>err &&
    test_grep "^hi$" out &&
    test_grep "^ukdb: warning: cannot load the \"ukey\" tracepoint probes (.*nonexistent.*): tracing is off$" err &&
    test "$(wc -l <err)" = 1
'

test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The "ukey" tracepoints round-trip: tp-emit fires every event type through
# uk_tp_observer() under a private lttng-sessiond, babeltrace2 reads the CTF
# trace back, and every event decodes to the canonical line of the event
# that was emitted (same count, same seq order, same field values).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
[ -x "$TP_EMIT" ] || skip_all "$TP_EMIT not built (make)"
PY=/usr/bin/python3
CANON="$PY $TEST_TOP/tests/helper/ctf-canonical.py"
if ! $PY -c 'import bt2' 2>/dev/null; then
    skip_all "python3-bt2 is not installed"
fi
lttng_start_sessiond

# decode DIR OUT: canonical lines of the traces under DIR.
decode() {
    # shellcheck disable=SC2046
    $CANON $(lttng_trace_dirs "$1") >"$2"
}

test_expect_success 'record one event of every type' '
    lttng_record every "$TP_EMIT" --canonical every.canon >emit.out &&
    test_grep "tp-emit: 33 events" emit.out &&
    test -n "$(lttng_trace_dirs every)"
'

test_expect_success 'the trace holds as many events as were emitted' '
    lttng_count_events every >n &&
    echo 33 >expect && test_cmp expect n &&
    wc -l <every.canon | tr -d " " >n.canon && test_cmp expect n.canon
'

test_expect_success 'every tracepoint of UK_EVENT_TYPES is in the trace' '
    sed -n "/^#define UK_EVENT_TYPES/,/^\$/p" "$TEST_TOP/core/event.h" |
    sed -n "s/^ *X([A-Z0-9_]*, \([a-z0-9_]*\)).*/\1/p" |
    sort >types.expect &&
    test $(wc -l <types.expect) -ge 28 &&
    babeltrace2 $(lttng_trace_dirs every) >pretty &&
    sed -n "s/.* ukey:\([a-z_]*\): .*/\1/p" pretty | sort -u >types &&
    test_cmp types.expect types
'

test_expect_success 'babeltrace2 prints enumeration names' '
    test_grep "to = ( \"VISIBLE\" : container = 1 )" pretty &&
    test_grep "from = ( \"CREATED\" : container = 0 )" pretty &&
    test_grep "kind = ( \"DPIF_FLOW\" : container = 1 )" pretty &&
    test_grep "result = ( \"FLOW_MISSING_DP\" : container = 11 )" pretty &&
    test_grep "kind = ( \"dp-flow-without-ukey\"" pretty &&
    test_grep "result = ( \"SLOWPATH\" : container = 1 )" pretty &&
    test_grep "ufid = 0xFEDCBA9876543210" pretty
'

test_expect_success 'decoded events equal the emitted ones (every type)' '
    decode every decoded &&
    test_cmp every.canon decoded
'

test_expect_success 'a mix of 100000 events round-trips, none lost' '
    lttng_record mix "$TP_EMIT" --events 100000 --canonical mix.canon &&
    lttng_count_events mix >n && echo 100000 >expect && test_cmp expect n &&
    lttng_count_discarded mix >d && echo 0 >expect && test_cmp expect d &&
    decode mix decoded.mix &&
    test_cmp mix.canon decoded.mix
'

test_expect_success 'a tiny discard-mode channel loses events, reported' '
    lttng_record_discard lossy "$TP_EMIT" --events 200000 &&
    lttng_count_events lossy >n &&
    test "$(cat n)" -lt 200000 &&
    lttng_count_discarded lossy >d &&
    test "$(cat d)" -gt 0
'

test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The live helpers of tests/lttng-lib.sh: a live session streams the "ukey"
# events of tp-emit (one of each type, as many as its --canonical lists) to a private lttng-relayd, and babeltrace2's lttng-live
# source reads every one of them while the session is alive, then ends when
# it is destroyed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
command -v lttng-relayd >/dev/null || skip_all "lttng-relayd is not installed"
[ -x "$TP_EMIT" ] || skip_all "$TP_EMIT not built (make)"
lttng_start_sessiond
lttng_start_relayd "$TRASH/relayd/out"

test_expect_success 'a live viewer sees every event, then ends' '
    lttng_create_live live &&
    lttng_enable_blocking live 1M 4 &&
    lttng_start live &&
    url=$(lttng_live_url live) &&
    { timeout 60 stdbuf -oL babeltrace2 -i lttng-live "$url" \
        --params "session-not-found-action=\"end\"" >live.txt 2>viewer.err &
      viewer=$!; } &&
    lttng_traced "$TP_EMIT" --canonical emitted >/dev/null &&
    n=$(wc -l <emitted) && test "$n" -gt 30 && echo "$n" >expect &&
    for i in $(seq 1000); do
        [ "$(grep -c " ukey:" live.txt)" -ge "$n" ] && break; sleep 0.02
    done &&
    lttng_stop live && lttng_destroy live &&
    { wait $viewer; rc=$?; test $rc = 0 || { cat viewer.err; false; }; } &&
    grep -c " ukey:" live.txt >seen && test_cmp expect seen &&
    test_grep "to = ( \"VISIBLE\" : container = 1 )" live.txt
'

test_expect_success 'the relay daemon wrote the same events to disk' '
    lttng_count_events relayd/out >n && test_cmp expect n
'

test_done

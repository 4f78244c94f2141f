#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The audit folds a run's events in the order of their seqs, the order in
# which the model's own checker folded them, not in the order of their
# timestamps (tracepoints/plugin/report.c, "The fold's order"): a thread
# numbers its event, then LTTng-UST reads the clock when it records it, so
# a thread preempted in between records it after events of later seqs.
# Here a handler's dp_put (seq 9) is recorded after the dp_del that
# followed it (seq 10), or an external dp_del after the dp_put; the liveness rule (stuck
# ukey: no datapath flow for 6 rounds) sees what the checker saw.  Exact
# traces from tests/helper/ctf-write.py.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

# scenario PUT_SEQ DEL_SEQ: ukey 1 of flow f1 made VISIBLE, then its
# dp_put and an external dp_del of its flow (seqs 9 and 10), the one of
# seq 10 recorded first (ts 9000, the other at 9500); then 7 rounds.
scenario() {
    local put="dp_put thread=2 ukey=1 ufid=241 kind=CREATE seq=$1"
    local del="dp_del thread=0 ufid=241 kind=EXTERNAL seq=$2"
    local first=$put second=$del
    [ "$2" -gt "$1" ] && first=$del second=$put
    cat <<EOT
thread_start thread=0 kind=MAIN name=main seq=1
thread_start thread=1 kind=URCU name=urcu
thread_start thread=2 kind=HANDLER name=handler0
thread_start thread=3 kind=REVALIDATOR name=revalidator0
flow thread=0 ufid=241 name=f1
create thread=2 ukey=1 ufid=241 umap=0
umap_insert thread=2 ukey=1 ufid=241 umap=0
transition thread=2 ukey=1 ufid=241 from=CREATED to=VISIBLE result=OK
$first ts=9000
$second ts=9500
transition thread=2 ukey=1 ufid=241 from=VISIBLE to=OPERATIONAL result=OK seq=11 ts=9600
EOT
    for i in 1 2 3 4 5 6 7; do
        echo "op_begin thread=3 kind=ROUND value=$i seq=$((10 + 2 * i))" \
             "ts=$((10000 + 2000 * i))"
        echo "op_end thread=3 kind=ROUND value=$i"
    done
}

scenario 9 10 | $WRITE "$TRASH/put-first" ||
    { echo "Bail out! ctf-write put-first"; exit 1; }
scenario 10 9 | $WRITE "$TRASH/del-first" ||
    { echo "Bail out! ctf-write del-first"; exit 1; }

test_expect_success 'dp_put numbered first, recorded last: flow gone, stuck' '
    { "$UKDB" audit put-first >out; test $? = 1; } &&
    test_grep "^violation: ERROR stuck-ukey ukey#1 " out &&
    test_grep "^violations: 1 " out
'

test_expect_success 'dp_del numbered first, recorded last: flow there' '
    { "$UKDB" audit del-first >out; test $? = 3; } &&
    ! grep "^violation:" out
'

test_expect_success 'the view gives the events in seq order' '
    "$UKDB" view --format raw put-first >out &&
    sed -n "s/^seq=\([0-9]*\) .*/\1/p" out >seqs &&
    seq 1 25 >want &&
    test_cmp want seqs
'

test_done

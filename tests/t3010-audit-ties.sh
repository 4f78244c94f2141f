#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Events with equal timestamps reach the fold in seq order, whatever the
# size of the tie: the report buffers them in a window that moves along its
# buffer as the decoder fills it in place (tracepoints/plugin/report.c,
# report_event_slot()) and rewinds to the front, carrying the event still
# pending, once it is a few events in.  Exact traces from
# tests/helper/ctf-write.py, with each tie written in reverse seq order.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"
"$UKDB" view --help >/dev/null 2>&1 || skip_all "'$UKDB view' not built"

# ties SIZE...: one upcall per seq; each SIZE is a group of SIZE events with
# one timestamp, written from its highest seq down; then an end event.
ties() {
    awk -v sizes="$*" 'BEGIN {
        n = split(sizes, s, " "); seq = 0; ts = 1000
        for (g = 1; g <= n; g++) {
            for (i = s[g]; i >= 1; i--)
                printf "upcall thread=1 ufid=5 value=1 seq=%d ts=%d\n",
                       seq + i, ts
            seq += s[g]; ts += 1000
        }
        printf "end seq=%d ts=%d\n", seq + 1, ts
    }'
}

# in_order FILE N: FILE (view --format raw) has seq 1..N in order.
in_order() {
    sed -n 's/^seq=\([0-9]*\) .*/\1/p' "$1" >seqs &&
    seq 1 "$2" >want &&
    test_cmp want seqs
}

# singles N: N ties of one event.
singles() { [ "$1" -gt 0 ] && printf '1 %.0s' $(seq "$1"); }

# Singles past the rewind point, ties of 2 and 40, a tie of 3000, then ties
# of exactly 4096 (the most kept together) starting at various places in
# the window, then singles again.
sizes="$(singles 40) 2 40 1 1 3000 4096 $(singles 7) 4096 $(singles 20)
       4096 $(singles 33) 4096 $(singles 40) 3 1"
ties $sizes | $WRITE "$TRASH/ties" || { echo "Bail out! ctf-write"; exit 1; }
total=$(ties $sizes | wc -l)

test_expect_success 'ties of every size are fed in seq order (view raw)' '
    "$UKDB" view --format raw ties >out &&
    in_order out "$total"
'

test_expect_success 'the audit folds every event of the ties' '
    "$UKDB" audit ties >out &&
    test_grep "^ukey audit: $total events" out
'

test_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The 2016 double delete on real threads: under v1-replace, with flows that
# idle out and come straight back (try_ukey_replace() of EVICTED/EVICTING
# ukeys racing the revalidators' deletes), the checker reports at least one
# double delete; under upstream, with the same settings, none; the same on
# the userspace datapath, PMD threads upcalling themselves.  Bounded: up to
# 6 seeds of 2 s each.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"

SETTINGS="--handlers 3 --revalidators 3 --flows 1000 --seconds 2
          --idle-ms 5 --zipf 0.5"

double_deletes() {
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["by_violation"].get("double-delete", 0))' "$1"
}

test_expect_success 'v1-replace: a double delete within 6 seeds' '
    found=0 &&
    for seed in 1 2 3 4 5 6; do
        "$UKDB" load $SETTINGS --variant v1-replace --seed $seed \
            --format json >v1 || exit 1
        n=$(double_deletes v1)
        echo "seed $seed: $n double deletes"
        if [ "$n" -gt 0 ]; then found=1; break; fi
    done &&
    [ $found = 1 ]
'

test_expect_success 'v1-replace on the userspace datapath (PMDs) too' '
    found=0 &&
    for seed in 1 2 3 4 5 6; do
        "$UKDB" load --pmds 3 --revalidators 3 --flows 1000 --seconds 2 \
            --idle-ms 5 --zipf 0.5 --variant v1-replace --seed $seed \
            --format json >pmd || exit 1
        n=$(double_deletes pmd)
        echo "seed $seed: $n double deletes"
        if [ "$n" -gt 0 ]; then found=1; break; fi
    done &&
    [ $found = 1 ]
'

test_expect_success 'upstream: none' '
    for seed in 1 2; do
        "$UKDB" load $SETTINGS --variant upstream --seed $seed \
            --format json >up || exit 1
        [ "$(double_deletes up)" = 0 ] || { cat up; exit 1; }
    done &&
    "$UKDB" load --pmds 3 --revalidators 3 --flows 1000 --seconds 2 \
        --idle-ms 5 --zipf 0.5 --variant upstream --format json >up &&
    [ "$(double_deletes up)" = 0 ]
'

test_done

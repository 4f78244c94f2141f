#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The 2016 double delete on real threads: under v1-replace, with flows that
# idle out and come straight back (try_ukey_replace() of EVICTED/EVICTING
# ukeys racing the revalidators' deletes), the checker reports at least one
# double delete; under upstream, with the same settings, none; the same on
# the userspace datapath, PMD threads upcalling themselves.  Bounded: up to
# 6 seeds of 1 s each.  Traffic flat out (--rate 0) with flows idling out
# every 2 ms and hot and cold ones swapping: a run of 1 s has found a few
# double deletes, where 200,000 calls per second often found none.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"

# The settings, after the datapath's threads ("--handlers 3" or "--pmds 3").
SETTINGS="--revalidators 3 --flows 2000 --seconds 1 --idle-ms 2 --zipf 0.8
          --churn 0.1 --rate 0"

double_deletes() {
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["violations_by_kind"]["double-delete"])' "$1"
}

# finds_double_delete THREADS...: a v1-replace load finds a double delete
# within 6 seeds.
finds_double_delete() {
    local seed n
    for seed in 1 2 3 4 5 6; do
        "$UKDB" load "$@" $SETTINGS --variant v1-replace --seed $seed \
            --format json >v1 || return 1
        n=$(double_deletes v1)
        echo "seed $seed: $n double deletes"
        [ "$n" -gt 0 ] && return 0
    done
    return 1
}

# finds_none THREADS...: an upstream load finds none (seeds 1 and 2).
finds_none() {
    local seed
    for seed in 1 2; do
        "$UKDB" load "$@" $SETTINGS --variant upstream --seed $seed \
            --format json >up || return 1
        [ "$(double_deletes up)" = 0 ] || { cat up; return 1; }
    done
}

test_expect_success 'v1-replace: a double delete within 6 seeds' '
    finds_double_delete --handlers 3
'

test_expect_success 'v1-replace on the userspace datapath (PMDs) too' '
    finds_double_delete --pmds 3
'

test_expect_success 'upstream: none, on either datapath' '
    finds_none --handlers 3 && finds_none --pmds 3
'

test_done

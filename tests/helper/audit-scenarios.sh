# SPDX-License-Identifier: Apache-2.0
# Scenario texts for tests/helper/ctf-write.py, sourced by the t3*.sh
# tests: each function prints one scenario on stdout.

# scn_head: the threads and the flow of every scenario.
scn_head() {
    cat <<'SCN'
thread_start thread=0 kind=MAIN name=main
thread_start thread=1 kind=HANDLER name=handler0
thread_start thread=2 kind=REVALIDATOR name=revalidator0
flow thread=0 ufid=0x10 name=f1
flow thread=0 ufid=0x20 name=f2
SCN
}

# scn_install UKEY UFID UMAP: a handler installs a ukey (OPERATIONAL).
scn_install() {
    cat <<SCN
upcall thread=1 ufid=$2 value=1
op_begin thread=1 kind=UPCALL_BATCH
create thread=1 ukey=$1 ufid=$2 umap=$3 kind=UPCALL
lock thread=1 kind=UMAP umap=$3 where=core/umap.c:88
umap_lookup thread=1 ufid=$2 umap=$3
umap_insert thread=1 ukey=$1 ufid=$2 umap=$3
transition thread=1 ukey=$1 ufid=$2 from=CREATED to=VISIBLE result=OK where=core/handler.c:301
unlock thread=1 kind=UMAP umap=$3 where=core/umap.c:97
dp_put thread=1 ukey=$1 ufid=$2 kind=CREATE result=ok
transition thread=1 ukey=$1 ufid=$2 from=VISIBLE to=OPERATIONAL result=OK where=core/handler.c:344
op_end thread=1 kind=UPCALL_BATCH
traffic thread=0 ufid=$2 value=10 result=FASTPATH
SCN
}

# scn_retire UKEY UFID UMAP ROUND: a revalidator round deletes the ukey,
# the sweep removes it, RCU frees it.
scn_retire() {
    cat <<SCN
op_begin thread=2 kind=ROUND value=$4
op_begin thread=2 kind=DUMP value=$4
dp_dump thread=2 ufid=$2 value=10 kind=FRESH
revalidate thread=2 ukey=$1 ufid=$2 kind=DELETE result=FLOW_IDLE
transition thread=2 ukey=$1 ufid=$2 from=OPERATIONAL to=EVICTING result=OK where=core/revalidator.c:180
dp_del thread=2 ukey=$1 ufid=$2 kind=REVALIDATOR result=ok value=10
stats_push thread=2 ukey=$1 ufid=$2 value=10
transition thread=2 ukey=$1 ufid=$2 from=EVICTING to=EVICTED result=OK where=core/revalidator.c:214
op_end thread=2 kind=DUMP
op_begin thread=2 kind=SWEEP value=$4
umap_remove thread=2 ukey=$1 ufid=$2 umap=$3 result=ok
transition thread=2 ukey=$1 ufid=$2 from=EVICTED to=DELETED result=OK where=core/revalidator.c:251
rcu_postpone thread=2 ukey=$1 ufid=$2
op_end thread=2 kind=SWEEP
op_end thread=2 kind=ROUND
rcu_free thread=0 ukey=$1 ufid=$2
SCN
}

# scn_clean: two ukeys, whole lives, an end event: PASS.
scn_clean() {
    scn_head
    scn_install 1 0x10 3
    scn_install 2 0x20 5
    scn_retire 1 0x10 3 1
    scn_retire 2 0x20 5 2
    echo "end thread=0 value=0"
}

# scn_double_delete: the v1-replace race: the sweep removes ukey 1 while a
# handler has already replaced it by ukey 2 in the umap: ENOENT, and a
# second postpone.
scn_double_delete() {
    scn_head
    scn_install 1 0x10 3
    cat <<'SCN'
op_begin thread=2 kind=ROUND value=1
op_begin thread=2 kind=DUMP value=1
revalidate thread=2 ukey=1 ufid=0x10 kind=DELETE result=FLOW_IDLE
transition thread=2 ukey=1 ufid=0x10 from=OPERATIONAL to=EVICTING result=OK where=core/revalidator.c:180
dp_del thread=2 ukey=1 ufid=0x10 kind=REVALIDATOR result=ok value=10
stats_push thread=2 ukey=1 ufid=0x10 value=10
transition thread=2 ukey=1 ufid=0x10 from=EVICTING to=EVICTED result=OK where=core/revalidator.c:214
op_end thread=2 kind=DUMP
upcall thread=1 ufid=0x10 value=1
op_begin thread=1 kind=UPCALL_BATCH
create thread=1 ukey=2 ufid=0x10 umap=3 kind=UPCALL
lock thread=1 kind=UMAP umap=3 where=core/umap.c:88
umap_lookup thread=1 ufid=0x10 umap=3 ukey=1
umap_replace thread=1 ukey=1 ukey2=2 ufid=0x10 umap=3
transition thread=1 ukey=1 ufid=0x10 from=EVICTED to=DELETED result=OK where=core/handler.c:420
rcu_postpone thread=1 ukey=1 ufid=0x10
transition thread=1 ukey=2 ufid=0x10 from=CREATED to=VISIBLE result=OK where=core/handler.c:425
unlock thread=1 kind=UMAP umap=3 where=core/umap.c:97
op_end thread=1 kind=UPCALL_BATCH
op_begin thread=2 kind=SWEEP value=1
umap_remove thread=2 ukey=1 ufid=0x10 umap=3 result=ENOENT
rcu_postpone thread=2 ukey=1 ufid=0x10
op_end thread=2 kind=SWEEP
op_end thread=2 kind=ROUND
SCN
}

# scn_lossy: the clean scenario, with 500 events lost in the middle.
scn_lossy() {
    scn_head
    scn_install 1 0x10 3
    scn_install 2 0x20 5
    echo "@discard 500"
    scn_retire 1 0x10 3 1
    scn_retire 2 0x20 5 2
    echo "end thread=0 value=0"
}

# scn_lost_packet: the clean scenario, a whole packet lost in the middle
# (a packet sequence number skipped): events of an unknown number.
scn_lost_packet() {
    scn_head
    scn_install 1 0x10 3
    scn_install 2 0x20 5
    echo "@lost-packets 1"
    scn_retire 1 0x10 3 1
    scn_retire 2 0x20 5 2
    echo "end thread=0 value=0"
}

# scn_partial: the clean scenario without its end: the ukey still alive
# is inconclusive.
scn_partial() {
    scn_head
    scn_install 1 0x10 3
    scn_install 2 0x20 5
    scn_retire 1 0x10 3 1
}

# scn_lost_other_stream: two streams, as LTTng's per-CPU buffers.  Stream
# 0 loses events (an '@discard' range from the end of its first packet to
# the end of its second); stream 1 creates ukey 2 inside that range, and
# its retirement is among the events lost.  Its verdict is inconclusive:
# not a leak.
scn_lost_other_stream() {
    scn_head
    scn_install 1 0x10 3
    echo "@stream 1"
    scn_install 2 0x20 5
    echo "@drop"
    scn_retire 2 0x20 5 1
    echo "@stream 0"
    echo "@discard 16"
    scn_retire 1 0x10 3 2
    echo "end thread=0 value=0"
}

# scn_counter_back: the clean scenario with three losses in one stream,
# whose counter LTTng-UST wrote as 5, then 0 (as it was seen to), then 8:
# babeltrace2 reports 5, 2^64 - 5 and 8 events.
scn_counter_back() {
    scn_head
    scn_install 1 0x10 3
    echo "@discard 5"
    scn_install 2 0x20 5
    echo "@counter 0"
    scn_retire 1 0x10 3 1
    echo "@discard 3"
    scn_retire 2 0x20 5 2
    echo "end thread=0 value=0"
}

# scn_mid_life_lost: ukey 2's creation is lost, a round sees it mid-life,
# and its retirement is lost too: inconclusive, not a leak.
scn_mid_life_lost() {
    scn_head
    echo "@drop"
    scn_install 2 0x20 5
    echo "@stream 0"
    echo "@discard 12"
    cat <<'SCN'
op_begin thread=2 kind=ROUND value=1
op_begin thread=2 kind=DUMP value=1
dp_dump thread=2 ufid=0x20 value=10 kind=FRESH
revalidate thread=2 ukey=2 ufid=0x20 kind=KEEP result=NONE
op_end thread=2 kind=DUMP
op_end thread=2 kind=ROUND
SCN
    echo "@drop"
    scn_retire 2 0x20 5 2
    echo "@stream 0"
    echo "@discard 16"
    echo "end thread=0 value=0"
}

# scn_snapshot_head and scn_snapshot_tail: a snapshot of two per-CPU
# buffers starts mid-run (seq 100), and its streams begin and end at
# different times.  The revalidator's retirement of ukey 1 fell before
# stream 1 began (head), or after it ended (tail), so the trace seems to
# hold ukey 1 in its umap when ukey 2 is inserted for the same flow: not
# a duplicate, an unknown.
scn_snapshot_head() {
    echo "upcall thread=1 ufid=0x30 value=1 seq=100"
    scn_install 1 0x10 3
    echo "@drop"
    scn_retire 1 0x10 3 1
    echo "@stream 1"
    echo "op_begin thread=2 kind=ROUND value=2"
    echo "op_end thread=2 kind=ROUND"
    echo "@stream 0"
    scn_install 2 0x10 3
    echo "@stream 1"
    echo "op_begin thread=2 kind=ROUND value=3"
    echo "op_end thread=2 kind=ROUND"
}

# scn_retired_unseen: on stream 0, ukey 1 installed; its retirement by the
# revalidator recorded nowhere (a stream that ended); ukey 2 installed for
# the same flow.
scn_retired_unseen() {
    echo "@stream 0"
    scn_install 1 0x10 3
    echo "@drop"
    scn_retire 1 0x10 3 2
    echo "@stream 0"
    scn_install 2 0x10 3
}

scn_snapshot_tail() {
    echo "upcall thread=1 ufid=0x30 value=1 seq=100"
    echo "@stream 1"
    echo "op_begin thread=2 kind=ROUND value=1"
    echo "op_end thread=2 kind=ROUND"
    scn_retired_unseen
}

# scn_two_runs: the clean run twice in one session (a program run again,
# or restarted): the second numbers its ukeys, threads and seqs from 1.
scn_two_runs() {
    scn_clean
    echo "@run"
    scn_clean
}

# scn_killed_run: a run that started before the trace (seq 5000) and was
# killed (no end event), then a clean run.
scn_killed_run() {
    scn_head | sed '1s/$/ seq=5000/'
    scn_install 1 0x10 3
    scn_install 2 0x20 5
    echo "@run"
    scn_clean
}

# scn_snapshot_first_end: as scn_snapshot_tail, but the stream that ends
# early holds only the first event, and ends before that event is folded
# (it waits for events of a later time).
scn_snapshot_first_end() {
    echo "@stream 1"
    echo "upcall thread=1 ufid=0x30 value=1 seq=100"
    scn_retired_unseen
}

# scn_two_programs: two programs traced at once into one session: the
# clean scenario twice, interleaved (each in a stream, 500 ns apart).  Their
# seqs and ukey ids mix, so the input has no verdict: each of them is
# clean, and the fold saw double deletes and double frees.
scn_two_programs() {
    scn_clean
    echo "@stream 1"
    scn_clean | awk '{ n++; print $0 " seq=" n " ts=" (1000 * n + 500) }'
}

# scn_stopped: a session stopped and started again amid a run: the events
# of seq 34 to 533 (ukey 1's retirement among them) were never recorded,
# and no discarded-events message says so.  Ukey 2 then takes flow f1's
# umap slot as if ukey 1 were still there.
scn_stopped() {
    scn_head
    scn_install 1 0x10 3
    scn_install 2 0x20 5
    scn_install 3 0x10 3 | sed '1s/$/ seq=534/'
    scn_retire 2 0x20 5 2
    scn_retire 3 0x10 3 2
    echo "end thread=0 value=0"
}

# scn_lost_head: a stream that lost its first packet with nothing to say
# so (LTTng's packet count starts there): the revalidator's events that
# retired ukey 1 are gone, a handler then installs ukey 3 for f1.  A few
# seqs missing among the others' events, never coming.
scn_lost_head() {
    scn_head
    scn_install 1 0x10 3
    echo "@stream 1"
    echo "@drop"
    scn_retire 1 0x10 3 1
    echo "@stream 0"
    scn_install 3 0x10 3
    scn_retire 3 0x10 3 2
    echo "end thread=0 value=0"
}

# scn_lost_among: as scn_lost_head, and the stream goes on losing a few
# events at a time among the other stream's: no gap is wide, but together
# they are more seqs than the threads can hold in flight.
scn_lost_among() {
    scn_head
    scn_install 1 0x10 3
    echo "@stream 1"
    echo "@drop"
    scn_retire 1 0x10 3 1
    for i in $(seq 10); do
        echo "@stream 0"
        echo "flow thread=0 ufid=0x$((0x100 + i)) name=g$i"
        echo "@stream 1"
        echo "@drop"
        for _ in $(seq 8); do
            echo "traffic thread=2 ufid=0x20 value=1 result=FASTPATH"
        done
    done
    echo "@stream 0"
    scn_install 3 0x10 3
    scn_retire 3 0x10 3 2
    echo "end thread=0 value=0"
}

# scn_lost_then_create: an upcall, events of an unknown number lost (a
# packet), then a ukey created: what the cursor cannot tell after it.
scn_lost_then_create() {
    printf '%s\n' "thread_start thread=1 kind=HANDLER name=h0" \
        "flow thread=1 ufid=5 name=f1" "upcall thread=1 ufid=5 value=1" \
        "@lost-packets 1" "create thread=1 ukey=1 ufid=5 umap=0 kind=UPCALL" \
        "transition thread=1 ukey=1 ufid=5 from=CREATED to=VISIBLE result=OK"
}

# scn_given_up MODE [del]: a handler makes ukey 1 of f1 VISIBLE and puts
# its datapath flow (seq 14), then waits for a CPU; more events of later
# seqs than the audit holds for a missing one (REPORT_HOLD_MAX, 65,536:
# here 65,636 of f2's traffic) come before that put is recorded, so the
# fold gives up on it.  MODE "lost": it never comes; "late": it comes
# after them all, in another stream (the handler waited that long between
# numbering and recording it); "none": it comes in its place.  With
# "del", an external delete of f1's datapath flow follows the put and
# f1's traffic (seq 16): the ukey is stuck.  Then the handler makes ukey
# 1 OPERATIONAL, seven rounds pass, ukey 1 retires, and ukey 3 lives a
# whole life.
scn_given_up() {
    local n=65636 put="dp_put thread=1 ukey=1 ufid=0x10 kind=CREATE result=ok"
    local last=$((15 + n))
    [ "${2:-}" = del ] && last=$((last + 1))
    scn_head
    scn_install 1 0x10 3 | sed '/^dp_put /,$d'
    case $1 in
    lost) printf '%s\n' "@stream 1" "@drop" "$put" "@stream 0" ;;
    # After the last of the events below.
    late) printf '%s\n' "@stream 1" "$put ts=$((1000 * last + 500))" \
                        "@stream 0" ;;
    *) echo "$put" ;;
    esac
    echo "traffic thread=0 ufid=0x10 value=10 result=FASTPATH"
    [ "${2:-}" = del ] &&
        echo "dp_del thread=0 ufid=0x10 kind=EXTERNAL result=ok"
    yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" | head -n $n
    scn_install 1 0x10 3 | sed -n '/to=OPERATIONAL/,/^op_end /p'
    for i in 1 2 3 4 5 6 7; do
        echo "op_begin thread=2 kind=ROUND value=$i"
        echo "op_end thread=2 kind=ROUND value=$i"
    done
    scn_retire 1 0x10 3 8
    scn_install 3 0x10 3
    scn_retire 3 0x10 3 9
    echo "end thread=0 value=0"
}

# scn_late_freed MODE: an event of ukey 1 comes late, after more events of
# later seqs than the audit holds for a missing one (65,636 of f2's
# traffic, as scn_given_up), and after ukey 1's free.  MODE "before": it
# is the handler's put of ukey 1 (seq 14), numbered before a revalidator
# deleted and main freed the VISIBLE ukey; "after": a handler's lock of
# ukey 1 numbered right after its free; "double": in place of the put
# (seq 14), a second free of ukey 1 by the handler (a double free, the
# other one folded first).  Then ukey 3 lives a whole life.
scn_late_freed() {
    local n=65636
    local put="dp_put thread=1 ukey=1 ufid=0x10 kind=CREATE result=ok"
    local lock="lock thread=1 kind=UKEY ukey=1 where=core/handler.c:1"
    scn_head
    if [ "$1" = double ]; then
        put="ukey_free thread=1 ukey=1 ufid=0x10 kind=UNPUBLISHED"
    fi
    if [ "$1" = before ] || [ "$1" = double ]; then
        scn_install 1 0x10 3 | sed '/^dp_put /,$d'
        # After the free of ukey 1 (seq 31 + n), before the next event.
        printf '%s\n' "@stream 1" "$put ts=$((1000 * (31 + n) + 500))" \
                      "@stream 0"
        echo "traffic thread=0 ufid=0x10 value=10 result=FASTPATH"
    fi
    yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" | head -n $n
    if [ "$1" = after ]; then
        scn_install 1 0x10 3
        scn_retire 1 0x10 3 1
        # After the traffic below, before ukey 3's install.
        printf '%s\n' "@stream 1" "$lock ts=$((1000 * (34 + 2 * n) + 500))" \
                      "@stream 0"
        yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" |
            head -n $n
    else
        scn_retire 1 0x10 3 1 | sed 's/from=OPERATIONAL/from=VISIBLE/'
    fi
    scn_install 3 0x10 3
    scn_retire 3 0x10 3 2
    echo "end thread=0 value=0"
}

# scn_late_live MODE: as scn_late_freed "before", handler0's put of ukey 1
# (seq 15) comes late, after more events of later seqs than the audit
# holds for a missing one; handler1 installs ukey 3 (handler0, waiting to
# record its put, has no later event).  MODE "deleted": the put comes
# right after ukey 1's rcu_postpone, the ukey deleted but not freed;
# "end": after the run's end.
scn_late_live() {
    local n=65636 at
    local put="dp_put thread=1 ukey=1 ufid=0x10 kind=CREATE result=ok"
    case $1 in
    deleted) at=$((29 + n)) ;;  # ukey 1's rcu_postpone.
    end) at=$((61 + n)) ;;      # The end.
    esac
    scn_head
    echo "thread_start thread=3 kind=HANDLER name=handler1"
    scn_install 1 0x10 3 | sed '/^dp_put /,$d'
    printf '%s\n' "@stream 1" "$put ts=$((1000 * at + 500))" "@stream 0"
    echo "traffic thread=0 ufid=0x10 value=10 result=FASTPATH"
    yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" | head -n $n
    scn_retire 1 0x10 3 1 | sed 's/from=OPERATIONAL/from=VISIBLE/'
    scn_install 3 0x10 3 | sed 's/thread=1 /thread=3 /'
    scn_retire 3 0x10 3 2
    echo "end thread=0 value=0"
}

# scn_late_pruned: as scn_late_live "deleted", but handler0's lock of
# ukey 1 after its put (seq 15) comes late, after ukey 1's free and those
# of 64 more ukeys (handler1's ids 10 to 73, of flow f2): more freed ukeys
# than the REPL keeps (TRACE_FREED_KEPT, twice over), ukey 1 the first it
# forgets.
scn_late_pruned() {
    local n=65636 m=64
    local lock="lock thread=1 kind=UKEY ukey=1 where=core/handler.c:1"
    scn_head
    echo "thread_start thread=3 kind=HANDLER name=handler1"
    scn_install 1 0x10 3 | sed '/^transition .*to=OPERATIONAL/,$d'
    # After the last free below.
    printf '%s\n' "@stream 1" "$lock ts=$((1000 * (33 + n + 28 * m) + 500))" \
                  "@stream 0"
    echo "traffic thread=0 ufid=0x10 value=10 result=FASTPATH"
    yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" | head -n $n
    scn_retire 1 0x10 3 1 | sed 's/from=OPERATIONAL/from=VISIBLE/'
    for i in $(seq 10 $((9 + m))); do
        scn_install $i 0x20 5 | sed 's/thread=1 /thread=3 /'
        scn_retire $i 0x20 5 $i
    done
    echo "end thread=0 value=0"
}

# scn_many_losses N DROP: N losses of stream 0, more than the audit keeps
# for printing (REPORT_MAX_DISCARDS, 32).  Each: stream 1 loses DROP
# events (a gap in seq wider than the threads can hold, found as the next
# event comes), and stream 0 says so: LTTng counts DROP + 20 events of its
# stream, or every 5th a lost packet (no count: its seqs are its count).
scn_many_losses() {
    local i j
    scn_head
    for i in $(seq 1 "$1"); do
        echo "@stream 1"
        echo "traffic thread=1 ufid=0x10 value=1 result=FASTPATH"
        echo "@drop"
        for j in $(seq 1 "$2"); do
            echo "traffic thread=1 ufid=0x10 value=1 result=FASTPATH"
        done
        echo "@stream 0"
        if [ $((i % 5)) = 0 ]; then
            echo "@lost-packets 1"
        else
            echo "@discard $(($2 + 20))"
        fi
        echo "traffic thread=0 ufid=0x20 value=1 result=FASTPATH"
    done
    # Then DROP seqs that never came, in no loss: one of their own.
    printf "%s\n" "@stream 1" \
        "traffic thread=1 ufid=0x10 value=1 result=FASTPATH" "@drop"
    for j in $(seq 1 "$2"); do
        echo "traffic thread=1 ufid=0x10 value=1 result=FASTPATH"
    done
    printf "%s\n" "@stream 1" \
        "traffic thread=1 ufid=0x10 value=1 result=FASTPATH" \
        "end thread=0 value=0"
}

# scn_late_state MODE: as scn_late_live "deleted", but handler0's late
# event (seq 16), numbered after its put of ukey 1 and recorded after a
# revalidator made the ukey EVICTED (handler0, waiting to record it, has
# no later event), is, by MODE: "transition", its transition of ukey 1
# from VISIBLE to OPERATIONAL; "lock", a lock of ukey 1; "umap", a lock of
# ukey 1's umap; "freed", its transition of ukey 1 as "transition", but
# recorded after main freed the ukey.  Then the sweep deletes and RCU
# frees ukey 1, and handler1 installs ukey 3.
scn_late_state() {
    local n=65636 late at
    at=$((25 + n))
    case $1 in
    transition|freed)
                late="transition thread=1 ukey=1 ufid=0x10 from=VISIBLE"
                late="$late to=OPERATIONAL result=OK where=core/handler.c:344" ;;
    lock) late="lock thread=1 kind=UKEY ukey=1 where=core/handler.c:1" ;;
    umap) late="lock thread=1 kind=UMAP umap=3 where=core/umap.c:88" ;;
    esac
    scn_head
    echo "thread_start thread=3 kind=HANDLER name=handler1"
    scn_install 1 0x10 3 | sed '/^transition .*to=OPERATIONAL/,$d'
    # After ukey 1's transition to EVICTED (seq 25 + n), or its rcu_free
    # (seq 33 + n).
    if [ "$1" = freed ]; then
        at=$((33 + n))
    fi
    printf '%s\n' "@stream 1" "$late ts=$((1000 * at + 500))" \
                  "@stream 0"
    echo "traffic thread=0 ufid=0x10 value=10 result=FASTPATH"
    yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" | head -n $n
    scn_retire 1 0x10 3 1 | sed 's/from=OPERATIONAL/from=VISIBLE/'
    scn_install 3 0x10 3 | sed 's/thread=1 /thread=3 /'
    scn_retire 3 0x10 3 2
    echo "end thread=0 value=0"
}

# scn_late_head MODE: handler0's thread_start (seq 2, one of the first
# seqs of a run) comes late, after more events of later seqs than the
# audit holds for a missing one: handler1 installs ukey 1 meanwhile.
# MODE "mid": it comes before the revalidator retires ukey 1, and
# handler0 then installs ukey 3 (its events after its start); "end": it
# comes after the run's end, handler0 having done nothing.
scn_late_head() {
    local n=65636 at
    local start="thread_start thread=1 kind=HANDLER name=handler0"
    case $1 in
    mid) at=$((18 + n)) ;;     # The last of f2's traffic.
    end) at=$((63 + n)) ;;     # The end.
    esac
    echo "thread_start thread=0 kind=MAIN name=main"
    printf '%s\n' "@stream 1" "$start ts=$((1000 * at + 500))" "@stream 0"
    scn_head | sed '1,2d'
    echo "thread_start thread=3 kind=HANDLER name=handler1"
    scn_install 1 0x10 3 | sed 's/thread=1 /thread=3 /'
    yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" | head -n $n
    if [ "$1" = mid ]; then
        scn_install 3 0x20 5
    else
        scn_install 3 0x20 5 | sed 's/thread=1 /thread=3 /'
    fi
    scn_retire 1 0x10 3 1
    scn_retire 3 0x20 5 2
    echo "end thread=0 value=0"
}

# scn_late_batch: handler0's upcall batch that installs ukey 1 (its
# op_begin, seq 8, to its op_end, seq 17: its create of seq 9 among them)
# is recorded late, after more events of later seqs than the audit holds
# for a missing one (65,636 of f2's traffic, up to seq 65654); then the
# revalidator retires ukey 1.
scn_late_batch() {
    local n=65636
    scn_head
    echo "thread_start thread=3 kind=HANDLER name=handler1"
    echo "upcall thread=1 ufid=0x10 value=1"
    # After f2's traffic (seq 18 + n), before the revalidator's round.
    echo "@stream 1"
    scn_install 1 0x10 3 | sed -n '/^op_begin /,/^op_end /p' |
        awk -v ts=$((1000 * (18 + n))) '{ print $0 " ts=" ts + 10 * NR }'
    echo "@stream 0"
    echo "traffic thread=0 ufid=0x10 value=10 result=FASTPATH"
    yes "traffic thread=0 ufid=0x20 value=1 result=FASTPATH" | head -n $n
    scn_retire 1 0x10 3 1
    echo "end thread=0 value=0"
}

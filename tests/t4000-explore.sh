#!/usr/bin/env bash
# The explorer through the CLI (issue 7) and the bug zoo's explorer
# scenarios (issue 9): each finds its bug under the variant before the fix,
# the saved schedule replays, and upstream explores clean exhaustively.
. "$(dirname "$0")/lib.sh"

BUGS=$TEST_TOP/examples/bugs/explore

# with_variant VARIANT SCENARIO OUT: a script that selects VARIANT and
# sources SCENARIO.
with_variant() {
    printf 'variant %s\nsource %s\n' "$1" "$2" >"$3"
}

# The 2016 replace race, with no step order for the racing part.  The
# first round is there for the 2016 variants, whose new ukey has the
# current dump_seq: that round's dump skips f1, the next one evicts it.
seed_scenario() {
    cat <<'EOS'
umaps 1
handler handler0
revalidator revalidator0
flow f1 handler0
upcall handler0 f1
run
round revalidator0
run
expire f1
dump revalidator0
run
upcall handler0 f1
sweep revalidator0
EOS
}

test_expect_success 'explore: seed race found under v1-replace, replay reproduces it' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    { timeout 60 "$UKDB" explore -o cex.ukdb s.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "VIOLATION.*double-delete" out &&
    test_grep "replay with: ukdb cex.ukdb" out &&
    test_grep "^expect violation double-delete" cex.ukdb &&
    timeout 60 "$UKDB" cex.ukdb >rout 2>&1 &&
    test_grep "ERROR double-delete" rout
'

test_expect_success 'explore: without -o, prints the script and writes nothing' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    mkdir -p quiet && (cd quiet &&
        { timeout 60 "$UKDB" explore ../s.ukdb >../out 2>&1; test $? = 1; }) &&
    test -z "$(ls -A quiet)" &&
    test_grep "^replay script (run it with \"ukdb FILE\"; -o FILE writes it):$" out &&
    sed -n "/^# Found by the explorer/,/^show violations$/p" out >printed.ukdb &&
    test_grep "^expect violation double-delete f1$" printed.ukdb &&
    timeout 60 "$UKDB" printed.ukdb >rout 2>&1 &&
    test_grep "ERROR double-delete" rout
'

test_expect_success 'explore FILE: the script runs quietly, --verbose shows it' '
    { echo "variant upstream"; seed_scenario;
      printf "echo the script speaks\nshow ukeys\nhistory f1\n"; } >q.ukdb &&
    timeout 60 "$UKDB" explore q.ukdb >out 2>err &&
    test "$(wc -l <out)" = 1 && test_grep "^clean: no violation in " out &&
    test ! -s err &&
    timeout 60 "$UKDB" explore --verbose q.ukdb >out 2>err &&
    test_grep "^the script speaks$" out &&
    test_grep "^clean: no violation in " out &&
    { echo "variant upstream"; seed_scenario; echo "flow"; } >bad.ukdb &&
    { timeout 60 "$UKDB" explore bad.ukdb >out 2>err; test $? = 2; } &&
    test_grep "^bad.ukdb:15: error: " err &&
    { "$UKDB" -c "explore --verbose" >out 2>err; test $? = 2; } &&
    test_grep "error: explore:.*--verbose" err
'

test_expect_success 'explore: -o FILE with --all writes FILE, FILE-2' '
    with_variant pre-154781666 $BUGS/154781666.ukdb b.ukdb &&
    mkdir -p all && (cd all &&
        { timeout 60 "$UKDB" explore --all -o found.ukdb ../b.ukdb >../out 2>&1; test $? = 1; }) &&
    (cd all && ls) >files && printf "found-2.ukdb\nfound.ukdb\n" >expect &&
    test_cmp expect files &&
    test_grep "^replay with: ukdb found-2.ukdb$" out &&
    ! grep -q "^replay script" out
'

test_expect_success 'explore: seed race clean under upstream, exhaustively' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    timeout 60 "$UKDB" explore u.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in all [0-9,]* schedules" out
'

test_expect_success 'explore: each reduction finds the race and agrees on upstream' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    for red in none sleep dpor; do
        { timeout 120 "$UKDB" explore --reduction $red -o c-$red.ukdb s.ukdb >out-$red 2>&1; test $? = 1; } &&
        test_grep "VIOLATION.*double-delete" out-$red &&
        timeout 60 "$UKDB" c-$red.ukdb >r-$red 2>&1 &&
        test_grep "ERROR double-delete" r-$red || exit 1
    done &&
    timeout 60 "$UKDB" explore --reduction sleep u.ukdb >us 2>&1 &&
    timeout 60 "$UKDB" explore u.ukdb >ud 2>&1 &&
    test_grep "^clean: no violation in all [0-9,]* schedules (sleep sets" us &&
    test_grep "^clean: no violation in all [0-9,]* schedules (DPOR" ud &&
    sed -n "s/^clean: no violation in all \([0-9,]*\) schedules.*/\1/p" us >ns &&
    sed -n "s/^clean: no violation in all \([0-9,]*\) schedules.*/\1/p" ud >nd &&
    test "$(cat nd)" -le "$(cat ns)"
'

test_expect_success 'explore: a depth bound uses sleep sets; DPOR under it says it is not exhaustive' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    timeout 60 "$UKDB" explore --depth 12 u.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in all [0-9,]* schedules of at most 12 steps (sleep sets" out &&
    timeout 60 "$UKDB" explore --depth 12 --reduction dpor u.ukdb >out 2>&1 &&
    test_grep "^incomplete: no violation in [0-9,]* schedules* of at most 12 steps (DPOR" out &&
    test_grep "not exhaustive: DPOR does not see the races" out &&
    ! grep -q "in all" out
'

test_expect_success 'explore: summaries say "1 schedule", "1 step", "the only schedule"' '
    printf "variant upstream\nhandler h0\nflow f1 h0\nupcall h0 f1\n" >one.ukdb &&
    timeout 60 "$UKDB" explore one.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in the only schedule (DPOR" out &&
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    timeout 60 "$UKDB" explore --max-schedules 1 u.ukdb >out 2>&1 &&
    test_grep "^incomplete: no violation in 1 schedule (.*) -- stopped by --max-schedules 1 before the end of the space$" out &&
    timeout 60 "$UKDB" explore --max-schedules 1 one.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in the only schedule (DPOR" out &&
    timeout 60 "$UKDB" explore --bfs --max-schedules 1 one.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in the only schedule (sleep" out &&
    timeout 60 "$UKDB" explore --random 1 u.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in 1 random schedule (sampled with seed 1, [^()]*)$" out &&
    timeout 60 "$UKDB" explore --depth 1 --preempt-bound 1 u.ukdb >out 2>&1 &&
    test_grep "schedules with at most 1 preemption of at most 1 step (" out &&
    ! grep -E "(^|[^0-9,])1 (schedules|steps|rounds|preemptions)" out &&
    printf "variant pre-a1d6cce78\nset stuck-rounds 1\nsource %s\n" \
        $BUGS/a1d6cce78.ukdb >r1.ukdb &&
    { timeout 60 "$UKDB" explore r1.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "^VIOLATION ERROR stuck-ukey .* for 1 round: " out &&
    ! grep -E "(^|[^0-9,])1 (schedules|steps|rounds|preemptions)" out
'

# A sample cut short by --max-schedules or --time-limit said "clean: no
# violation in 5 random schedules", as if the 1000 asked for had run.
test_expect_success 'explore: a sample cut by a limit is incomplete, not clean' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    timeout 60 "$UKDB" explore --random 1000 --max-schedules 5 u.ukdb >out 2>&1 &&
    test_grep "^incomplete: no violation in 5 random schedules (.*) -- stopped by --max-schedules 5 before the end of the sample$" out &&
    timeout 60 "$UKDB" explore --pct 3 --runs 1000 --max-schedules 5 u.ukdb >out 2>&1 &&
    test_grep "^incomplete: no violation in 5 pct schedules (.*) -- stopped by --max-schedules 5 " out &&
    timeout 60 "$UKDB" explore --random 100000000 --time-limit 1 u.ukdb >out 2>&1 &&
    test_grep "^incomplete: no violation in [0-9]* random schedules (.*) -- stopped by --time-limit 1 before the end of the sample$" out &&
    timeout 60 "$UKDB" explore --pct 3 --runs 5 --max-schedules 5 u.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in 5 pct schedules ([^()]*)$" out
'

test_expect_success 'explore: --reduction needs a known name' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    { "$UKDB" explore --reduction bogus u.ukdb >out 2>err; test $? = 2; } &&
    test_grep "error: explore: --reduction .bogus. needs one of none, sleep, dpor" err &&
    { "$UKDB" explore --reduction >out 2>err; test $? = 2; }
'

test_expect_success 'explore: --bfs finds a shortest schedule first, in another order than DFS' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    { timeout 60 "$UKDB" explore --bfs s.ukdb >bfs 2>&1; test $? = 1; } &&
    { timeout 60 "$UKDB" explore --no-minimize s.ukdb >dfs 2>&1; test $? = 1; } &&
    sed -n "s/^schedule: \([0-9]*\) steps (first found with \([0-9]*\))$/\1 \2/p" bfs >nb &&
    sed -n "s/^schedule: \([0-9]*\) steps (first found with \([0-9]*\))$/\2/p" dfs >nd &&
    read -r len first <nb && test "$len" = "$first" &&
    test "$len" -lt "$(cat nd)" &&
    test_grep "(sleep sets: " bfs &&
    { timeout 60 "$UKDB" explore --depth $((len - 1)) s.ukdb >short 2>&1; test $? = 0; } &&
    test_grep "^clean: no violation in all [0-9]* schedules of at most $((len - 1)) steps" short &&
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    timeout 60 "$UKDB" explore --bfs u.ukdb >ub 2>&1 &&
    timeout 60 "$UKDB" explore --reduction sleep u.ukdb >ud 2>&1 &&
    sed -n "s/^clean: no violation in all \([0-9]*\) schedules.*/\1/p" ub >nb &&
    sed -n "s/^clean: no violation in all \([0-9]*\) schedules.*/\1/p" ud >nd &&
    test -s nb && test_cmp nd nb
'

test_expect_success 'explore: --preempt-bound 2 clean message names the bound' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    timeout 60 "$UKDB" explore --preempt-bound 2 u.ukdb >out 2>&1 &&
    test_grep "all [0-9,]* schedules with at most 2 preemptions" out
'

test_expect_success 'explore: random with a fixed seed is reproducible' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    { timeout 60 "$UKDB" explore --random 200 --seed 7 -o r1.ukdb s.ukdb >o1 2>&1; echo $? >c1; } &&
    { timeout 60 "$UKDB" explore --random 200 --seed 7 -o r1.ukdb s.ukdb >o2 2>&1; echo $? >c2; } &&
    test_cmp c1 c2 && sed "s/[0-9.]* s)/T)/" o1 >n1 && sed "s/[0-9.]* s)/T)/" o2 >n2 &&
    test_cmp n1 n2
'

test_expect_success 'explore: PCT with a fixed seed is reproducible' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    { timeout 60 "$UKDB" explore --pct 3 --runs 200 --seed 7 -o p1.ukdb s.ukdb >o1 2>&1; echo $? >c1; } &&
    { timeout 60 "$UKDB" explore --pct 3 --runs 200 --seed 7 -o p1.ukdb s.ukdb >o2 2>&1; echo $? >c2; } &&
    test_cmp c1 c2 && sed "s/[0-9.]* s)/T)/" o1 >n1 && sed "s/[0-9.]* s)/T)/" o2 >n2 &&
    test_cmp n1 n2 && test_grep "pct schedules (sampled with seed 7, [^()]*)" o1 &&
    ! grep "schedules* ([^()]*) (" o1
'

test_expect_success 'explore: bad options exit 2 with an error' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    { "$UKDB" explore --bogus u.ukdb >out 2>err; test $? = 2; } &&
    test_grep "error: explore:.*--bogus" err &&
    { "$UKDB" explore --random u.ukdb >out 2>err; test $? = 2; } &&
    { "$UKDB" explore >out 2>err; test $? = 2; } &&
    { "$UKDB" explore no-such-file.ukdb >out 2>err; test $? = 2; }
'

test_expect_success 'explore: bad values name the option and its range, exit 2' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    for a in "--pct 0" "--pct 65" "--random 0" "--runs 0" "--depth 0" \
             "--max-schedules 0" "--time-limit 0" "--preempt-bound -1" \
             "--pct x"; do
        { "$UKDB" explore $a u.ukdb >out 2>err; test $? = 2; } &&
        test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: explore: ${a%% *} .${a#* }.: [a-z ]* ([0-9]* \(to [0-9]*\|or more\))" err ||
            exit 1
    done &&
    { "$UKDB" -c "source u.ukdb; explore --pct 0" >out 2>err; test $? = 2; } &&
    test_grep "error: explore: --pct .0.: out of range (1 to 64)" err &&
    ! grep -q "search failed" err
'

test_expect_success 'explore: -o FILE that cannot be written: one error, exit 2' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    { "$UKDB" explore -o /nonexistent/x.ukdb s.ukdb >out 2>err; test $? = 2; } &&
    test "$(wc -l <err)" = 1 &&
    test_grep "^ukdb: error: explore: -o /nonexistent/x.ukdb: No such file or directory$" err &&
    mkdir -p adir &&
    { timeout 60 "$UKDB" explore -o adir s.ukdb >out 2>err; test $? = 2; } &&
    test "$(wc -l <err)" = 1 &&
    test_grep "^ukdb: error: explore: adir: Is a directory$" err &&
    test_grep "^expect violation double-delete f1$" out
'

test_expect_success 'explore: in the REPL, from the current state' '
    { echo "variant v1-replace"; seed_scenario; echo "explore -o rp.ukdb"; } >r.ukdb &&
    timeout 60 "$UKDB" r.ukdb >out 2>&1 &&
    test_grep "VIOLATION.*double-delete" out &&
    test -f rp.ukdb && timeout 60 "$UKDB" rp.ukdb >rout 2>&1 &&
    test_grep "ERROR double-delete" rout
'

# The script hands back the session's breakpoints, set on a trace too,
# where the model had not declared their thread (nor flow): run on a
# fresh model ("ukdb FILE", -x, "source"), they come before the threads.
# Before, it stopped there: "break: 'revalidator0': no such thread".
test_expect_success 'explore: breakpoints set on a trace replay from its script' '
    { echo "open $TEST_TOP/traces/race-v1-replace"
      echo "break event op_end thread revalidator0"
      echo "tbreak event upcall thread handler0 if dp f1 absent"
      echo "watch flow f1"; echo "break transition DELETED flow f1"
      echo "disable"; echo "close"; echo "variant v1-replace"
      seed_scenario; echo "explore -o tb.ukdb"; } >tb-session.ukdb &&
    timeout 60 "$UKDB" tb-session.ukdb >out 2>&1 &&
    test_grep "VIOLATION.*double-delete" out &&
    test_grep "^break event op_end thread revalidator0\$" tb.ukdb &&
    timeout 60 "$UKDB" tb.ukdb >rout 2>err &&
    ! test -s err && test_grep "ERROR double-delete" rout &&
    test_grep "^Breakpoint 1 (event op_end thread revalidator0) pending: the model has no thread revalidator0\.\$" rout &&
    test_grep "^Breakpoint 1 (event op_end thread revalidator0) resolved: the model has thread revalidator0\.\$" rout &&
    test_grep "^Temporary breakpoint 2 (event upcall thread handler0) resolved: the model has thread handler0\.\$" rout &&
    timeout 60 "$UKDB" -x tb.ukdb </dev/null >xout 2>err &&
    ! test -s err && test_grep "ERROR double-delete" xout &&
    timeout 60 "$UKDB" -c "source tb.ukdb" >sout 2>err &&
    ! test -s err && test_grep "ERROR double-delete" sout
'

# The progress line is for a terminal; UKDB_PROGRESS=1 forces it.  Its
# first line comes after the first schedule, the next ones by time.
test_expect_success 'explore: no progress line when stderr is not a terminal' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    timeout 60 "$UKDB" explore u.ukdb >out 2>err &&
    test ! -s err &&
    UKDB_PROGRESS=0 timeout 60 "$UKDB" explore u.ukdb >out 2>err &&
    test ! -s err &&
    test_grep "^clean: no violation in all [0-9]* schedules (DPOR.*, [0-9]* steps, depth [0-9]*, " out
'

test_expect_success 'explore: UKDB_PROGRESS=1 forces the progress line on stderr' '
    { echo "variant upstream"; seed_scenario; } >u.ukdb &&
    UKDB_PROGRESS=1 timeout 60 "$UKDB" explore u.ukdb >out 2>err &&
    tr "\r" "\n" <err >lines &&
    test_grep "^  1 schedule, [0-9]* steps, depth [0-9]*, [0-9]*\.[0-9] s$" lines &&
    test_grep "^clean: no violation in all" out &&
    UKDB_PROGRESS=1 timeout 60 "$UKDB" -c "source u.ukdb; explore" >out 2>err &&
    tr "\r" "\n" <err >lines &&
    test_grep "^  1 schedule, [0-9]* steps, depth [0-9]*, " lines
'

# examples/race-v1-replace.ukdb steps to its double delete itself.
test_expect_success 'explore FILE: a violation of the scenario'"'"'s own steps is found, exit 1' '
    { timeout 60 "$UKDB" explore "$TEST_TOP/examples/race-v1-replace.ukdb" >out 2>&1; test $? = 1; } &&
    test_grep "^VIOLATION ERROR double-delete on flow f1: " out &&
    test_grep "^schedule: the scenario.s own steps, before the search$" out &&
    test_grep "^searched no schedule: the scenario.s own steps reach the violation" out &&
    ! grep -q "^clean" out &&
    test "$(grep -c "^VIOLATION" out)" = 1 &&
    sed -n "/^# Found by the explorer/,/^show violations$/p" out >printed.ukdb &&
    test_grep "^expect violation double-delete f1$" printed.ukdb &&
    ! grep -q "^# The failing schedule" printed.ukdb &&
    timeout 60 "$UKDB" printed.ukdb >rout 2>&1 &&
    test_grep "ERROR double-delete" rout
'

test_expect_success 'explore FILE --all -o: each violation of the scenario, then the search' '
    mkdir -p pre && (cd pre &&
        { timeout 60 "$UKDB" explore --all -o v.ukdb "$TEST_TOP/examples/race-v1-replace.ukdb" >../out 2>&1; test $? = 1; }) &&
    test_grep "^VIOLATION ERROR double-delete on flow f1: " out &&
    test_grep "^VIOLATION ERROR use-after-free on flow f1: " out &&
    test_grep "^replay with: ukdb v-2.ukdb$" out &&
    test_grep "^searched the only schedule (" out &&
    (cd pre && timeout 60 "$UKDB" v-2.ukdb >../rout 2>&1) &&
    test_grep "ERROR use-after-free" rout
'

# The scenario's own steps reach the double delete (and the double free)
# of f1, then queue the race again: the search reached both on f1's next
# ukey and reported them a second time.
test_expect_success 'explore FILE --all: each (kind, flow) once, the scenario'"'"'s and the search'"'"'s' '
    { echo "variant v1-replace"; echo "source $TEST_TOP/examples/race-steps.ukdb";
      printf "%s\n" "expire f1" "dump revalidator0" "run" \
          "upcall handler0 f1" "sweep revalidator0"; } >twice.ukdb &&
    { timeout 120 "$UKDB" explore --all twice.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "^searched all [0-9]* schedules" out &&
    sed -n "s/^VIOLATION [A-Z]* \([a-z-]*\) on flow \([^:]*\):.*/\1 \2/p" out >found &&
    test "$(wc -l <found)" = 2 && test -z "$(sort found | uniq -d)" &&
    { timeout 120 "$UKDB" explore --all --bfs twice.ukdb >out 2>&1; test $? = 1; } &&
    test "$(grep -c "^VIOLATION" out)" = 2
'

# The end of a round runs the checker's liveness rules over every ukey:
# one step reported ten stuck ukeys, and the explorer kept the first
# eight of a step's violations ("--all" reported 8 flows of 10).
test_expect_success 'explore --all: every violation of a step that reports many' '
    { echo "variant pre-a1d6cce78"; echo "set stuck-rounds 1"; echo "umaps 1";
      echo "handler h0"; echo "revalidator r0";
      for i in 1 2 3 4 5 6 7 8 9 10; do echo "flow f$i h0"; echo "upcall h0 f$i"; done;
      echo run;
      for i in 1 2 3 4 5 6 7 8 9 10; do echo "dp fail del f$i EIO"; echo "expire f$i"; done;
      echo "round r0"; echo "round r0"; } >many.ukdb &&
    { timeout 60 "$UKDB" explore --all --no-minimize many.ukdb >out 2>&1; test $? = 1; } &&
    sed -n "s/^VIOLATION ERROR stuck-ukey on flow \(f[0-9]*\): .*/\1/p" out | sort -u >flows &&
    test "$(wc -l <flows)" = 10
'

test_expect_success 'explore in the REPL: violations already hit are noted, not searched' '
    { timeout 60 "$UKDB" -c "source $TEST_TOP/examples/race-v1-replace.ukdb; explore" >out 2>&1; test $? = 0; } &&
    test_grep "^note: 2 violations already hit before this point (show violations)" out &&
    test_grep "^clean: no new violation in the only schedule (" out &&
    ! grep -q "^VIOLATION" out
'

# interrupt DELAY CMD...: runs CMD in the background (out, err), sends it
# SIGINT after DELAY seconds and waits for it, polling; kills it if it is
# still running 60 s later (and fails).  The exit status goes to file rc.
interrupt() {
    local delay=$1 pid i
    shift
    "$@" >out 2>err &
    pid=$!
    sleep "$delay"
    kill -INT $pid
    for ((i = 0; i < 600; i++)); do
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 $pid 2>/dev/null; then
        kill -KILL $pid; wait $pid; echo "SIGINT did not stop it"; return 1
    fi
    wait $pid; echo $? >rc
}

# A search that takes far longer than the tests wait: 154781666 under
# upstream without reduction (tens of seconds).
long_scenario() {
    with_variant upstream $BUGS/154781666.ukdb "$1"
}

test_expect_success 'explore: SIGINT stops a script, summary, exit 2' '
    long_scenario long.ukdb && echo "explore --no-reduction" >>long.ukdb &&
    interrupt 1 "$UKDB" long.ukdb && test "$(cat rc)" = 2 &&
    test_grep "^interrupted: no violation in [0-9]* schedules (no reduction.* -- stopped by SIGINT$" out &&
    test_grep "^long.ukdb:3: error: interrupted$" err
'

test_expect_success 'explore: SIGINT stops a script with --time-limit too' '
    long_scenario long.ukdb &&
    echo "explore --no-reduction --time-limit 50" >>long.ukdb &&
    interrupt 1 "$UKDB" long.ukdb && test "$(cat rc)" = 2 &&
    test_grep "^interrupted: no violation in [0-9]* schedules" out
'

test_expect_success 'explore: SIGINT stops ukdb -c, summary, exit 2' '
    interrupt 1 "$UKDB" -c "variant upstream; source $BUGS/154781666.ukdb; explore --no-reduction" &&
    test "$(cat rc)" = 2 &&
    test_grep "^interrupted: no violation in [0-9]* schedules" out &&
    test_grep "^ukdb: error: interrupted$" err
'

test_expect_success 'explore: SIGINT stops ukdb explore, summary, exit 2' '
    long_scenario long.ukdb &&
    interrupt 1 "$UKDB" explore --no-reduction long.ukdb &&
    test "$(cat rc)" = 2 &&
    test_grep "^interrupted: no violation in [0-9]* schedules" out &&
    test_grep "^ukdb: error: explore: interrupted$" err &&
    interrupt 1 "$UKDB" explore --random 100000000 long.ukdb &&
    test "$(cat rc)" = 2 &&
    test_grep "^interrupted: no violation in [0-9]* random schedules" out
'

test_expect_success 'explore: SIGINT stops a script read from stdin, exit 2' '
    long_scenario long.ukdb && echo "explore --no-reduction" >>long.ukdb &&
    interrupt 1 sh -c "exec \"\$0\" <long.ukdb" "$UKDB" &&
    test "$(cat rc)" = 2 &&
    test_grep "^interrupted: no violation in [0-9]* schedules" out
'

# The bug zoo.  "bug kind" pairs.
for pair in 154781666:double-delete e34bbe31b:backward-transition \
            6997d54e1:backward-transition a1d6cce78:stuck-ukey \
            57db02104:stale-actions 8f0e86f84:stale-actions; do
    bug=${pair%%:*} kind=${pair#*:}
    test_expect_success "explore: bug $bug found under pre-$bug ($kind)" "
        with_variant pre-$bug $BUGS/$bug.ukdb b.ukdb &&
        { timeout 60 \"\$UKDB\" explore -o cex.ukdb b.ukdb >out 2>&1; test \$? = 1; } &&
        test_grep 'VIOLATION.* $kind' out &&
        test_grep '^expect violation $kind' cex.ukdb &&
        timeout 60 \"\$UKDB\" cex.ukdb >rout 2>&1 &&
        test_grep 'ERROR $kind' rout
    "
    test_expect_success "explore: bug $bug scenario clean under upstream" "
        with_variant upstream $BUGS/$bug.ukdb u.ukdb &&
        timeout 60 \"\$UKDB\" explore u.ukdb >out 2>&1 &&
        test_grep '^clean: no violation in \\(all [0-9,]* schedules\\|the only schedule\\) (' out
    "
done

# The sizes examples/bugs/README.md gives: "| bug | found | clean |".
test_expect_success 'explore: the bug zoo sizes in examples/bugs/README.md are current' '
    sed -n "s/^| \([0-9a-f]\{9\}\) | \([0-9,]*\) | \([0-9,]*\) |$/\1 \2 \3/p" \
        "$TEST_TOP/examples/bugs/README.md" | tr -d , >sizes &&
    test "$(wc -l <sizes)" = 6 &&
    while read -r bug found clean; do
        with_variant pre-$bug $BUGS/$bug.ukdb b.ukdb &&
        with_variant upstream $BUGS/$bug.ukdb u.ukdb &&
        { timeout 60 "$UKDB" explore b.ukdb >out 2>&1; test $? = 1; } &&
        test_grep "^searched $found schedules* (DPOR.* -- stopped at the first violation (--all goes on)$" out &&
        timeout 60 "$UKDB" explore u.ukdb >out 2>&1 &&
        if test "$clean" = 1; then all="the only schedule"
        else all="all $clean schedules"; fi &&
        test_grep "^clean: no violation in $all (DPOR" out ||
            exit 1
    done <sizes
'

# stale-actions is not a symptom of every stale flow: a miss for f1 while
# the datapath holds f1 (left there, as in 57db02104's scenario) gets a
# ukey with today's actions whose put fails (EEXIST); when the round meets
# that ukey instead of adopting the flow, it keeps a flow whose actions it
# does not hold, and upstream OVS does the same.  Upstream explores clean;
# under pre-57db02104 the round that adopts the flow shows the bug.
test_expect_success 'explore: stale-actions only where the ukey holds the actions' '
    sed "s/^upcall h0 f2\$/upcall h0 f1/" $BUGS/57db02104.ukdb >same.ukdb &&
    test_grep "^upcall h0 f1\$" same.ukdb &&
    with_variant upstream same.ukdb u.ukdb &&
    timeout 60 "$UKDB" explore u.ukdb >out 2>&1 &&
    test_grep "^clean: no violation in all [0-9,]* schedules (DPOR" out &&
    with_variant pre-57db02104 same.ukdb b.ukdb &&
    { timeout 60 "$UKDB" explore -o cex.ukdb b.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "VIOLATION.* stale-actions" out &&
    timeout 60 "$UKDB" cex.ukdb >rout 2>&1 &&
    test_grep "ERROR stale-actions" rout
'

# 180ab2fd6: a liveness bug over six rounds; exhaustive search of that
# space takes too long here, so both sides are bounded to 3 preemptions
# (and the clean message must say so).
test_expect_success "explore: bug 180ab2fd6 found under pre-180ab2fd6" "
    with_variant pre-180ab2fd6 $BUGS/180ab2fd6.ukdb b.ukdb &&
    { timeout 60 \"\$UKDB\" explore --preempt-bound 3 -o cex.ukdb b.ukdb >out 2>&1; test \$? = 1; } &&
    test_grep 'VIOLATION.* stuck-ukey' out &&
    timeout 60 \"\$UKDB\" cex.ukdb >rout 2>&1 &&
    test_grep 'ERROR stuck-ukey' rout
"
test_expect_success "explore: bug 180ab2fd6 scenario clean under upstream (3 preemptions)" "
    with_variant upstream $BUGS/180ab2fd6.ukdb u.ukdb &&
    timeout 120 \"\$UKDB\" explore --preempt-bound 3 u.ukdb >out 2>&1 &&
    test_grep '^clean: no violation in all [0-9,]* schedules with at most 3 preemptions' out
"

# Every option explore parses is in "ukdb explore --help" (exit 0, as
# the other subcommands), in "help explore" and in ukdb(1).
test_expect_success 'explore --help: every option, exit 0' '
    "$UKDB" explore --help >out 2>err && test ! -s err &&
    test_grep "^usage: ukdb explore " out &&
    "$UKDB" -c "help explore" >rout &&
    grep -o "strcmp(o, \"-[-a-z]*\")" "$TEST_TOP/repl/cmd-explore.c" |
        sed "s/.*\"\(.*\)\")/\1/" | sort -u >options &&
    [ "$(wc -l <options)" -ge 15 ] &&
    while read -r o; do
        grep -q -e "^  $o[ ,]" -e ", $o " out ||
            { echo "--help: no $o"; exit 1; }
        test_grep "$o" rout || exit 1
        grep -qF -- "$(echo "$o" | sed "s/-/\\\\-/g")" \
            "$TEST_TOP/doc/ukdb.1" || { echo "ukdb.1: no $o"; exit 1; }
    done <options &&
    ! awk "length > 79" out | grep .
'

# The breadth-first search ends no schedule before its deepest level, and
# only the end of a schedule looked at the clock: --time-limit 2 ran 59 s,
# until the frontier outgrew its memory bound.
test_expect_success 'explore --bfs: --time-limit stops it within its levels' '
    printf "%s\n" "handler h0" "handler h1" "revalidator r0" \
        "revalidator r1" "flow f1 h0" "flow f2 h1" "flow f3 h0" \
        "upcall h0 f1" "upcall h1 f2" "upcall h0 f3" "round r0" "round r1" \
        >wide.ukdb &&
    timeout 30 "$UKDB" explore --bfs --time-limit 1 wide.ukdb >out 2>&1 &&
    test_grep "^incomplete: no violation in .*, depth [1-9][0-9]*, .* -- stopped by --time-limit 1 " out
'

# A breakpoint of the session (or of the scenario) stopped a grouped
# "step THREAD N" of the saved script halfway: the replay failed (exit 2,
# "'h0' is not runnable").
test_expect_success 'explore -o: the saved schedule replays past the session'"'"'s breakpoints' '
    with_variant pre-e34bbe31b "$BUGS/e34bbe31b.ukdb" bp.ukdb &&
    echo "break transition OPERATIONAL" >>bp.ukdb &&
    { timeout 60 "$UKDB" explore -o bpcex.ukdb bp.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "^step r0 [0-9]" bpcex.ukdb &&
    timeout 60 "$UKDB" bpcex.ukdb >rout 2>&1 &&
    test_grep "ERROR backward-transition" rout &&
    timeout 60 "$UKDB" -c "source bp.ukdb; break event dp_put; explore -o bpcex2.ukdb" >out 2>&1 &&
    timeout 60 "$UKDB" bpcex2.ukdb >rout 2>&1 &&
    test_grep "ERROR backward-transition" rout
'

# The checker's settings were not in the saved script: a stuck-ukey found
# with "set stuck-rounds 2" did not replay (the default needs 6 rounds).
test_expect_success 'explore -o: the saved script keeps stuck-rounds and slowpath-rounds' '
    printf "%s\n" "variant pre-a1d6cce78" "set stuck-rounds 2" \
        "set slowpath-rounds 3" "umaps 1" "handler h0" "revalidator r0" \
        "flow f1 h0" "upcall h0 f1" "run" "dp fail del f1 EIO" "expire f1" \
        "round r0" "round r0" "round r0" >sr.ukdb &&
    { timeout 60 "$UKDB" explore -o srcex.ukdb sr.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "VIOLATION ERROR stuck-ukey" out &&
    test_grep "^set stuck-rounds 2$" srcex.ukdb &&
    test_grep "^set slowpath-rounds 3$" srcex.ukdb &&
    timeout 60 "$UKDB" srcex.ukdb >rout 2>&1 &&
    test_grep "ERROR stuck-ukey" rout
'

# --time-limit bounded each of the minimiser's re-searches, not the run:
# "--time-limit 2" found this one in about 1 s, then minimised for 4 s
# more (each re-search up to 2 s).  Its minimisation never ends on its own
# (it runs to its budget: 200000 schedules, ~12 s here); with a budget
# beyond reach (--max-schedules), only the time limit can cut it short, on
# any machine.  No timing assertion: the summary says it was cut short.
# (The search itself takes 0.3-1 s here; 3 s were too few on a machine
# loaded 2.5x: 10 s leave room for a search ten times slower.)
test_expect_success 'explore: --time-limit bounds the minimisation too' '
    printf "%s\n" "variant pre-154781666" "umaps 1" "handler h0" \
        "handler h1" "revalidator r0" "revalidator r1" "flow f1 h0" \
        "flow f2 h1" "flow f3 h0" "upcall h0 f1" "upcall h1 f2" \
        "upcall h0 f3" "run" "dp del f1" "round r0" "round r0" "round r0" \
        "run" "round r0" "round r1" "traffic f1 1" "traffic f2 1" \
        "upcall h1 f3" >big.ukdb &&
    { timeout 120 "$UKDB" explore --time-limit 10 --max-schedules 1000000000 \
        big.ukdb >out 2>&1; test $? = 1; } &&
    test_grep ", minimisation cut short at [0-9]* schedules" out
'

# --max-schedules bounded the search alone: each of the minimiser's
# re-searches could run N schedules more, and the summary counted none of
# them.  Now N bounds the search and the minimisation together, and the
# summary gives the two apart.
test_expect_success 'explore: --max-schedules bounds the minimisation too' '
    { echo "variant v1-replace"; seed_scenario; } >s.ukdb &&
    { timeout 60 "$UKDB" explore s.ukdb >out 2>&1; test $? = 1; } &&
    re="^searched \([0-9]*\) schedules .*, minimisation \([0-9]*\) schedules and [0-9]* steps, [0-9.]* s) " &&
    search=$(sed -n "s/$re.*/\1/p" out) && min=$(sed -n "s/$re.*/\2/p" out) &&
    test -n "$search" && test "$min" -gt 2 &&
    n=$((search + min / 2)) &&
    { timeout 60 "$UKDB" explore --max-schedules $n -o b.ukdb s.ukdb >out 2>&1; test $? = 1; } &&
    re="^searched \([0-9]*\) schedules .*, minimisation cut short at \([0-9]*\) schedules and [0-9]* steps, " &&
    test "$(sed -n "s/$re.*/\1/p" out)" = "$search" &&
    test $((search + $(sed -n "s/$re.*/\2/p" out))) -le $n &&
    timeout 60 "$UKDB" b.ukdb >rout 2>&1 &&
    test_grep "ERROR double-delete" rout &&
    { timeout 60 "$UKDB" explore --max-schedules $search -o c.ukdb s.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "^searched $search schedules .* cut by bounds, no schedule left to minimise, " out &&
    timeout 60 "$UKDB" c.ukdb >rout 2>&1 &&
    test_grep "ERROR double-delete" rout
'

# DPOR saw no race with the steps that the shutdown'"'"'s join disabled for
# good: "clean: no violation in the only schedule" (the shutdown first).
test_expect_success 'explore: a queued shutdown does not hide the race (dpor)' '
    with_variant pre-e34bbe31b "$BUGS/e34bbe31b.ukdb" sd.ukdb &&
    echo shutdown >>sd.ukdb &&
    { timeout 60 "$UKDB" explore -o sdcex.ukdb sd.ukdb >out 2>&1; test $? = 1; } &&
    test_grep "VIOLATION ERROR backward-transition" out &&
    timeout 60 "$UKDB" sdcex.ukdb >rout 2>&1 &&
    test_grep "ERROR backward-transition" rout
'

# The depth-first search recursed once per step: a schedule of some
# 13,000 steps overflowed the C stack (SIGSEGV), and each level copied its
# prefix (quadratic memory).
test_expect_success 'explore: a schedule of 18000 steps, depth first' '
    { echo "variant upstream"; echo "revalidator r0";
      i=0; while test $i -lt 2000; do echo "round r0"; i=$((i + 1)); done; } >long.ukdb &&
    for r in none sleep dpor; do
        timeout 120 "$UKDB" explore --reduction $r long.ukdb >out 2>&1 &&
        test_grep "no violation in the only schedule (.*18000 steps, depth 18000" out || exit 1
    done
'

# From the middle of h0'"'"'s operation, the search'"'"'s first step of r0
# preempts h0: it did not count, and "--preempt-bound 0" reported a
# schedule that needs one preemption.
test_expect_success 'explore in the REPL: leaving a thread mid-operation is a preemption' '
    with_variant pre-e34bbe31b "$BUGS/e34bbe31b.ukdb" mid.ukdb &&
    echo "step h0 9" >>mid.ukdb &&
    timeout 60 "$UKDB" -c "source mid.ukdb; explore --preempt-bound 0" >out 2>&1 &&
    test_grep "^clean: no violation in the only schedule with at most 0 preemptions" out &&
    timeout 60 "$UKDB" -c "source mid.ukdb; explore --bfs --preempt-bound 0" >out 2>&1 &&
    test_grep "^clean: no violation in the only schedule with at most 0 preemptions" out &&
    timeout 60 "$UKDB" -c "source mid.ukdb; explore --preempt-bound 1" >out 2>&1 &&
    test_grep "VIOLATION ERROR backward-transition" out
'

test_done

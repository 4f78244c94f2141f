#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Golden outputs of the inspection commands ("show ...", "history",
# "choices", "log") and of error messages, on short deterministic scenarios,
# compared with tests/expect/t0200-*.expect by test_cmp.
#
# Each case runs a scenario (a file below, sourced quietly: its output is
# cut at a marker line) and then the commands under test.  Source line
# numbers in the output ("core/ukey.c:183") are written as "core/ukey.c:N"
# so that editing the model code does not churn the golden files; the
# function names next to them stay.
#
# UKDB_UPDATE_EXPECT=1 (or "make update-expect") writes the golden files
# instead of comparing: review the diff by eye before committing it.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
EXPECT_DIR=$TEST_TOP/tests/expect
cd "$TRASH" || exit 1

# ==== Scenarios ====

# The 2016 try_ukey_replace() race (as examples/race-steps.ukdb), stopped
# with the sweeper between its two critical sections on ukey#1.
cp "$TEST_TOP/tests/scripts/race-mid.ukdb" .
# ... then the handler replaces ukey#1 while the sweeper waits.
{ cat race-mid.ukdb; echo "traffic f1 1"; echo "next handler0"; } >race-replaced.ukdb
# ... and the sweeper deletes ukey#1 a second time; the urcu thread frees
# it twice.
{ cat race-replaced.ukdb; echo "next revalidator0"; echo "run"; } >race-end.ukdb

# A put failure (T5) and injected faults, with traffic on two flows.
cat >faults.ukdb <<'EOF'
handler h0
revalidator r0
flow f1 h0
flow f2 h0
dp fail put f1 EFBIG
upcall h0 f1
upcall h0 f2
run
traffic f2 5
dp fail del f2 ENOENT
dp dup f2
EOF

# The userspace datapath: a PMD installs, the flow stays VISIBLE until a
# dump sees it.
cat >netdev.ukdb <<'EOF'
datapath netdev
pmd pmd0
revalidator r0
flow f1 pmd0
upcall pmd0 f1
run
EOF

# ==== Cases: NAME SCENARIO COMMANDS ====
# One line each; COMMANDS are separated by ';' (ukdb -c).
cat >cases <<'EOF'
empty-show-ukeys      -                  show ukeys
empty-show-threads    -                  show threads
empty-show-dp         -                  show dp
empty-show-umaps      -                  show umaps
empty-show-violations -                  show violations
empty-choices         -                  choices
mid-show-ukeys        race-mid.ukdb      show ukeys
mid-show-ukey         race-mid.ukdb      show ukey f1
mid-show-threads      race-mid.ukdb      show threads
mid-show-locks        race-mid.ukdb      show locks
mid-show-umaps        race-mid.ukdb      show umaps
mid-show-dp           race-mid.ukdb      show dp
mid-choices           race-mid.ukdb      traffic f1 1; choices
mid-show-rcu          race-replaced.ukdb show rcu
replaced-show-ukeys   race-replaced.ukdb show ukeys
replaced-history      race-replaced.ukdb history f1
end-show-ukeys        race-end.ukdb      show ukeys
end-show-ukey-1       race-end.ukdb      show ukey 1
end-show-ukey-f1      race-end.ukdb      show ukey f1
end-show-threads      race-end.ukdb      show threads
end-show-umaps        race-end.ukdb      show umaps
end-show-dp           race-end.ukdb      show dp
end-show-stats        race-end.ukdb      show stats
end-show-violations   race-end.ukdb      show violations
end-history-1         race-end.ukdb      history 1
end-history-f1        race-end.ukdb      history f1
end-log               race-end.ukdb      log 8
end-choices           race-end.ukdb      choices
end-upstream          race-end.ukdb      variant upstream; show violations; show ukeys
faults-show-dp        faults.ukdb        show dp
faults-show-ukeys     faults.ukdb        show ukeys
faults-show-stats     faults.ukdb        show stats
faults-history-f1     faults.ukdb        history f1
netdev-show-ukeys     netdev.ukdb        show ukeys
netdev-show-threads   netdev.ukdb        show threads
netdev-show-dp        netdev.ukdb        show dp
json-show-ukeys       race-end.ukdb      set output json; show ukeys
json-show-dp          race-end.ukdb      set output json; show dp
json-faults-show-dp   faults.ukdb        set output json; show dp
json-show-threads     race-replaced.ukdb set output json; show threads
json-show-locks       race-replaced.ukdb step revalidator0; set output json; show locks
json-show-rcu         race-replaced.ukdb set output json; show rcu
json-show-umaps       race-replaced.ukdb set output json; show umaps
json-show-config      race-replaced.ukdb set output json; show config
json-history-1        race-end.ukdb      set output json; history 1
json-log              race-end.ukdb      set output json; log 3; when
EOF

# The line numbers of our own source files become N.
normalize() { normalize_source_lines; }

# golden NAME ACTUAL: compare ACTUAL with the golden file t0200-NAME.
golden() { test_cmp_expect "t0200-$1" "$2"; }

# run_case SCENARIO COMMANDS: stdout and stderr of COMMANDS after the
# scenario, normalized.
run_case() {
    local cmds=$2
    if [ "$1" != - ]; then
        cmds="source $1; echo @@@@; $cmds"
    else
        cmds="echo @@@@; $cmds"
    fi
    timeout 60 "$UKDB" -c "$cmds" >raw 2>&1
    echo "exit $?" >>raw
    sed -n '/^@@@@$/,$p' raw | sed 1d | normalize
}

while read -r name scenario cmds; do
    test_expect_success "$name: $cmds" '
        run_case "$scenario" "$cmds" >actual &&
        golden "$name" actual
    '
done <cases

# "show violations" names the step of each thread's event, the step
# "goto" takes: the one "log" gives for that seq.  Before, only the seqs
# (events), which no step listing shows.
test_expect_success 'show violations: the step of each seq, as log has it' '
    timeout 60 "$UKDB" -c "source race-end.ukdb; show violations; log 1000" >out 2>&1 &&
    sed -nE "s/^   by .* at step ([0-9]+) \(seq ([0-9]+)\), after .* at step ([0-9]+) \(seq ([0-9]+)\)\$/\1 \2\n\3 \4/p" out >pairs &&
    test $(wc -l <pairs) -ge 2 &&
    while read -r step seq; do
        grep -Eq "^  step $step +#$seq " out || { echo "no seq $seq at step $step"; exit 1; }
    done <pairs
'

# After "shutdown" has run, the threads take no more work: a command that
# queues some did nothing, silently (exit 0).  Now it is an error; "dp
# show" still shows, and "back" returns to before the shutdown.
test_expect_success 'model commands after the shutdown: an error each' '
    timeout 60 "$UKDB" --keep-going -c "handler h0; revalidator r0; flow f1 h0; upcall h0 f1; run; shutdown; run; upcall h0 f1; round; traffic f1 1; flow f2; dp show; back 3; upcall h0 f1; when" >out 2>err;
    test $? = 2 &&
    cat >want <<-\EOF &&
	ukdb: error: upcall: the model has shut down ("back" or "goto" returns before it)
	ukdb: error: round: the model has shut down ("back" or "goto" returns before it)
	ukdb: error: traffic: the model has shut down ("back" or "goto" returns before it)
	ukdb: error: flow: the model has shut down ("back" or "goto" returns before it)
	EOF
    test_cmp want err &&
    test_grep "^f1 " out && test_grep "^step 12, " out
'

# "variant" lists one variant a line: name, commit, summary, each column
# starting at one offset.  Before, the names longer than the column
# ("pre-154781666") pushed their line's commit and summary right.
test_expect_success 'variant: the list is aligned' '
    "$UKDB" -c variant >out &&
    test $(wc -l <out) -ge 10 &&
    awk "{ match(\$0, /^. [^ ]+ +/); print RLENGTH }" out | sort -u >cols &&
    test $(wc -l <cols) = 1
'

# ==== Error messages ====
# With --keep-going every line runs; stderr is the golden output.
cat >errors.ukdb <<'EOF'
handler h0
revalidator r0
flow f1 h0
frobnicate
re
upcall h0
upcall h9 f1
upcall h0 f9
step h9
choose 7
umaps 0
umaps 123456789012345678901234567890
traffic f1 0
goto 99
back 3
show nothing
show ukey 42
history nosuch
variant nosuch
break transition NOPE
break violation nosuch-kind
expect stat nosuch == 1
expect state f1
expect bogus
set output xml
dp fail put f1
dp fail del f1 EFOO
delete 9
source /nonexistent/file.ukdb
echo "unterminated
handler h0
dp frob
dp fail
dp del
break event umap_replace extra
break transition DELETED thread
EOF

test_expect_success 'error messages (script, --keep-going)' '
    timeout 60 "$UKDB" --keep-going errors.ukdb >out 2>err; echo "exit $?" >>err &&
    normalize <err >actual && golden errors actual
'

test_expect_success 'error messages (-c)' '
    timeout 60 "$UKDB" --keep-going -c "frobnicate; upcall h9; step 1 2 3; log x" \
        >out 2>err; echo "exit $?" >>err &&
    golden errors-c err
'

test_expect_success 'expect failures (script, --keep-going)' '
    { cat race-end.ukdb &&
      printf "%s\n" "expect state f1 EVICTED" "expect state 1 OPERATIONAL" \
        "expect violation use-after-free" "expect no-violation" \
        "expect dp f1 absent" "expect stat replacements == 2" \
        "expect stat upcalls >= 2" "expect stat violations < 1"; } >x.ukdb &&
    timeout 60 "$UKDB" --keep-going x.ukdb >out 2>err; echo "exit $?" >>err &&
    golden expect-failures err
'

# "show config" aligns its values in one column, the longest name
# (slowpath-rounds) included.
test_expect_success 'show config: one column of values' '
    "$UKDB" -c "show config" >out &&
    awk "{ print index(\$0, \$2) }" out | sort -u >cols &&
    test "$(wc -l <cols)" = 1
'

# Tables pad names by the columns they take, not their bytes: a UTF-8
# name ("h\xc3\xa4nd0", 6 bytes in 5 columns) pushed the rest of its row
# one column to the left per extra byte.  Its output, names turned into
# their ASCII twins of as many columns, is the twin's output.  (One umap:
# a flow's umap comes from its name's hash; the ufids differ too.)
utf8_scenario() {
    printf "%s\n" "umaps 1" "handler $1" "revalidator $2" "flow $3 $1" \
        "upcall $1 $3" "step $1 3" "show ukeys" "show threads" "show umaps" \
        "choices" "log 3" "run" "expire $3" "round $2" "run" "show dp" \
        "history $3"
}
U_HAND=$'h\303\244nd0' U_REV=$'r\303\251v0' U_CAFE=$'caf\303\251'
test_expect_success 'tables align UTF-8 names by their columns' '
    utf8_scenario "$U_HAND" "$U_REV" "$U_CAFE" >u.ukdb &&
    utf8_scenario hand0 rev0 cafe >a.ukdb &&
    "$UKDB" u.ukdb >u.out 2>&1 && "$UKDB" a.ukdb >a.out 2>&1 &&
    grep -q "^#1     $U_CAFE     0 " u.out &&
    sed -e "s/$U_HAND/hand0/g; s/$U_REV/rev0/g; s/$U_CAFE/cafe/g" \
        -e "s/ufid=[0-9a-f]*/ufid=X/g" u.out >u.ascii &&
    sed -e "s/ufid=[0-9a-f]*/ufid=X/g" a.out >a.ascii &&
    test_cmp a.ascii u.ascii
'

test_done

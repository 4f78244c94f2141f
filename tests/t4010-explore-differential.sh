#!/usr/bin/env bash
# The explorer's reductions against the search without reduction, through
# "ukdb explore": on scenarios of the bug zoo small enough to search
# without reduction, sleep sets and DPOR, depth and breadth first, must
# find every distinct violation (severity, kind, flow) that the search
# without reduction finds, in no more schedules; each script printed
# replays to its violation; a minimised one is no longer than the schedule
# found.  A dependency missing from the footprints (core/explore-
# footprint.c) lets a reduction prune the only schedules that reach a
# violation: the search stays "exhaustive" and finds fewer.
# (tests/unit/test-explore-gen.c does the same on generated models, by
# the API; these are the zoo's races, as the CLI prints them.)
. "$(dirname "$0")/lib.sh"

BUGS=$TEST_TOP/examples/bugs/explore

# violations OUT: the distinct violations "ukdb explore" printed, one
# "SEVERITY KIND FLOW" a line, sorted.
violations() {
    local re='^VIOLATION \([A-Z]*\) \([a-z-]*\)\( on flow \([^ :]*\)\)\{0,1\}'
    sed -n "s/$re.*/\\1 \\2 \\4/p" "$1" | sort -u
}

# schedules OUT: the schedules of a search that covered its space ("in
# all N schedules", "the only schedule"); fails if it did not.
schedules() {
    local re='^\(clean: no violation in\|searched\)'
    sed -n -e "s/$re all \\([0-9,]*\\) schedules .*/\\2/p" \
        -e "s/$re the only schedule .*/1/p" "$1" | tr -d , | grep .
}

# explore OUT OPTION... SCENARIO: "ukdb explore --all --no-minimize", which
# exits 0 (clean) or 1 (found).
explore() {
    local out=$1 rc
    shift
    timeout 60 "$UKDB" explore --all --no-minimize "$@" >"$out" 2>&1
    rc=$?
    test $rc -le 1 || { cat "$out"; echo "explore $*: exit $rc"; return 1; }
}

# compare SCENARIO OPTION...: each of $REDUCTIONS ("reduction,strategy"
# pairs) finds what the search without reduction finds, in no more
# schedules.  Leaves the reference's violations in none.v.
REDUCTIONS="sleep,dfs dpor,dfs sleep,bfs"
compare() {
    local s=$1 red n m
    shift
    explore none.out --reduction none "$@" "$s" &&
        n=$(schedules none.out) && violations none.out >none.v || return 1
    for red in $REDUCTIONS; do
        explore red.out --reduction "${red%,*}" "--${red#*,}" "$@" "$s" &&
            m=$(schedules red.out) && violations red.out >red.v &&
            test_cmp none.v red.v && test "$m" -le "$n" ||
            { echo "--reduction ${red%,*} --${red#*,} $*: $m vs $n schedules"
              return 1; }
    done
}

# replays SCENARIO OPTION...: the default search (DPOR, minimised) finds
# what none.v holds; each script it prints passes its expect under
# "ukdb -f", and each schedule is no longer than the one first found.
replays() {
    local s=$1 i n m
    shift
    rm -f replay-*.ukdb &&
    { timeout 60 "$UKDB" explore --all "$@" "$s" >min.out 2>&1
      test $? = 1; } && violations min.out >min.v && test_cmp none.v min.v &&
    awk '/^replay script \(run it/ { n++; f = "replay-" n ".ukdb"; next }
         f { print >f } /^show violations$/ { f = "" }' min.out &&
    { test "$(ls replay-*.ukdb | wc -l)" = "$(wc -l <none.v)" ||
        { echo "scripts: $(ls replay-*.ukdb)"; return 1; }; } &&
    for i in replay-*.ukdb; do
        test_grep "^expect violation " "$i" &&
        timeout 60 "$UKDB" -f "$i" >"$i.log" 2>&1 ||
            { cat "$i.log"; echo "$i does not replay"; return 1; }
    done &&
    sed -n "s/^schedule: \([0-9]*\) steps (first found with \([0-9]*\))$/\1 \2/p" \
        min.out >lengths && test "$(wc -l <lengths)" = "$(wc -l <none.v)" &&
    while read -r n m; do
        test "$n" -le "$m" || { echo "minimised $n > found $m"; return 1; }
    done <lengths
}

# pre-154781666, B-10 (push_ukey_ops() releases the ukey before the umap
# lock), from r0's 12th step on: a double delete, then a double free.
test_expect_success 'reductions: 154781666, a double delete and a double free' '
    { echo "variant pre-154781666"; cat "$BUGS/154781666.ukdb";
      echo "step r0 12"; } >b10.ukdb &&
    compare b10.ukdb --warnings &&
    test "$(wc -l <none.v)" -ge 2 &&
    replays b10.ukdb --warnings
'

test_expect_success 'reductions: e34bbe31b, a backward transition; upstream clean' '
    { echo "variant pre-e34bbe31b"; cat "$BUGS/e34bbe31b.ukdb"; } >e34.ukdb &&
    compare e34.ukdb &&
    test_grep "^ERROR backward-transition f1$" none.v &&
    replays e34.ukdb &&
    { echo "variant upstream"; cat "$BUGS/e34bbe31b.ukdb"; } >e34u.ukdb &&
    compare e34u.ukdb --warnings && test ! -s none.v
'

# Judged at the end of a round (stale-actions), not at a step.
test_expect_success 'reductions: 57db02104, stale actions at the round'"'"'s end' '
    { echo "variant pre-57db02104"; cat "$BUGS/57db02104.ukdb";
      echo "step r0 16"; } >s57.ukdb &&
    compare s57.ukdb --warnings &&
    test_grep "^ERROR stale-actions f1$" none.v &&
    replays s57.ukdb --warnings
'

# Upstream's purge deletes the ukey that h1 installed and has yet to put
# (tests/scripts/purge-vs-install.ukdb, with no step order): a warning,
# which only --warnings counts.
test_expect_success 'reductions: a warning, with --warnings only' '
    printf "%s\n" "variant upstream" "handler h1" "revalidator r1" \
        "flow f1" "upcall h1 f1" "purge" "step h1 6" >pvi.ukdb &&
    compare pvi.ukdb && test ! -s none.v &&
    compare pvi.ukdb --warnings &&
    test_grep "^WARNING use-after-delete f1$" none.v &&
    replays pvi.ukdb --warnings
'

# Within a depth bound, sleep sets (depth and breadth first) cover every
# schedule; DPOR does not claim to (tests/t4000-explore.sh).
test_expect_success 'reductions: within a depth bound, sleep sets as none' '
    { echo "variant pre-e34bbe31b"; cat "$BUGS/e34bbe31b.ukdb"; } >e34.ukdb &&
    REDUCTIONS="sleep,dfs sleep,bfs" compare e34.ukdb --depth 20 &&
    test_grep "^ERROR backward-transition f1$" none.v &&
    REDUCTIONS="sleep,dfs sleep,bfs" compare e34.ukdb --depth 19 &&
    test ! -s none.v
'

test_done

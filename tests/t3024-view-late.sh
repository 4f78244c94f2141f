#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb view" marks an event the fold took late (a seq given up on after
# 65,536 later events, recorded after all: core/lifecycle.c, "Late
# events") in every format, with the REPL's words (t6007): text and raw end
# its line with "(late: seq S, folded after seq M)", JSON has "late_event"
# and "after_seq", Chrome has them in the args of its slice.  Before, the
# raw line and the Chrome slice of a late transition read as if it had
# happened there, the Chrome track of its ukey went back from EVICTED to
# OPERATIONAL, and the text and JSON timelines left it out, so that
# nothing in them said why the ukey was INCONCLUSIVE.  The component
# sink.ukey.lifecycle prints the same.  A late transition of a ukey
# already freed (and reported) is in its timeline too, after what the
# fold took before it; a late op_begin, create and thread_start are
# marked in Chrome.  Exact traces from tests/helper/ctf-write.py
# (tests/helper/audit-scenarios.sh: scn_late_state, scn_late_live,
# scn_late_head, scn_late_batch).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
CHROME_CHECK="$PY $TEST_TOP/tests/helper/audit-chrome-check.py"
PLUGINS=$UKDB_BUILD/plugins
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

. "$TEST_TOP/tests/helper/audit-scenarios.sh"
scn_late_state transition | $WRITE "$TRASH/late-transition" ||
    { echo "Bail out! ctf-write late-transition"; exit 1; }
scn_late_live deleted | $WRITE "$TRASH/late-deleted" ||
    { echo "Bail out! ctf-write late-deleted"; exit 1; }
scn_late_head end | $WRITE "$TRASH/late-end" ||
    { echo "Bail out! ctf-write late-end"; exit 1; }
scn_late_state freed | $WRITE "$TRASH/late-freed" ||
    { echo "Bail out! ctf-write late-freed"; exit 1; }
scn_late_batch | $WRITE "$TRASH/late-batch" ||
    { echo "Bail out! ctf-write late-batch"; exit 1; }
# As late-transition, but a seq goes missing 65 events before seq 16
# comes: the events after it are held when seq 16 comes, taken but not
# yet folded.
scn_late_state transition |
    awk '!/^[@#]/ && NF { n++ }
         /^traffic thread=0 ufid=0x20/ && ++k == 65580 {
             print $0 " seq=" n + 1; n++; next }
         { print }' | $WRITE "$TRASH/late-held" ||
    { echo "Bail out! ctf-write late-held"; exit 1; }
# The same ukeys, no late event.
{
    scn_head
    scn_install 1 0x10 3
    scn_retire 1 0x10 3 1
    echo "end thread=0 value=0"
} | $WRITE "$TRASH/in-order" || { echo "Bail out! ctf-write in-order"; exit 1; }

# In late-transition, handler0's transition of ukey 1 to OPERATIONAL (seq
# 16) is folded after revalidator0 made the ukey EVICTED (seq 65661): the
# REPL's event 65661.
MARK="  (late: seq 16, folded after seq 65661)"

test_expect_success 'the REPL marks the late transition so' '
    "$UKDB" late-transition -c "goto 65660; step" >out 2>err &&
    ! test -s err &&
    test_grep "^\[65661\] handler0 .*VISIBLE->OPERATIONAL  core/handler.c:344$MARK\$" out
'

test_expect_success 'text: the late transition, marked, where it was folded' '
    "$UKDB" view late-transition >out 2>err &&
    ! test -s err &&
    test "$(grep -c -F -- "(late:" out)" = 1 &&
    test_grep "^  +0\.065660500 seq=16  *handler0  *VISIBLE -> OPERATIONAL  *core/handler.c:344$MARK\$" out &&
    # In ukey 1s timeline, after the transition of seq 65661.
    sed -n "/^ukey#1 /,/^\$/p" out >ukey1 &&
    grep -A1 " seq=65661 " ukey1 | tail -1 | grep -F -- "$MARK" &&
    "$UKDB" view --ukey 1 --thread handler0 late-transition >out &&
    test "$(grep -c -F -- "$MARK" out)" = 1
'

test_expect_success 'json: late_event and after_seq on that transition only' '
    "$UKDB" view --format json late-transition >out.json 2>err &&
    ! test -s err &&
    $PY -c "
import json
d = json.load(open(\"out.json\"))
steps = [s for u in d[\"ukeys\"] for s in u[\"transitions\"]]
late = [s for s in steps if s[\"late_event\"]]
assert len(late) == 1, late
s = late[0]
assert (s[\"seq\"], s[\"event\"], s[\"after_seq\"]) == (16, 65661, 65661), s
assert (s[\"from\"], s[\"to\"], s[\"thread\"]) == (\"VISIBLE\", \"OPERATIONAL\", \"handler0\"), s
assert all(x[\"late_event\"] is False and \"after_seq\" not in x
           for x in steps if x is not s), steps
u1 = [u for u in d[\"ukeys\"] if u[\"id\"] == 1][0]
assert [x[\"seq\"] for x in u1[\"transitions\"]] == [13, 65658, 65661, 16, 65665], u1
assert u1[\"verdict\"] == \"INCONCLUSIVE\", u1
"
'

test_expect_success 'raw: the late line ends with the mark, no other' '
    "$UKDB" view --format raw late-transition >raw 2>err &&
    ! test -s err &&
    test "$(grep -c -F -- "(late:" raw)" = 1 &&
    test "$(sed -n 65661p raw)" = "seq=16 thread=1 type=transition ukey=1 ufid=0000000000000010 result=0 from=VISIBLE to=OPERATIONAL where=core/handler.c:344$MARK" &&
    "$UKDB" view --format raw --ukey 1 late-transition >out &&
    test "$(grep -c -F -- "$MARK" out)" = 1
'

test_expect_success 'chrome: valid, the late slice marked, the track left alone' '
    "$UKDB" view --format chrome late-transition >out.json 2>err &&
    ! test -s err &&
    $CHROME_CHECK out.json &&
    $PY -c "
import json
ev = json.load(open(\"out.json\"))[\"traceEvents\"]
late = [e for e in ev if \"late_event\" in e.get(\"args\", {})]
assert len(late) == 1, late
e = late[0]
assert e[\"ph\"] == \"X\" and e[\"name\"] == \"ukey#1 VISIBLE->OPERATIONAL\", e
assert e[\"args\"][\"late_event\"] is True and e[\"args\"][\"seq\"] == 16, e
assert e[\"args\"][\"after_seq\"] == 65661, e
assert not any(\"after_seq\" in x.get(\"args\", {}) for x in ev if x is not e)
# Ukey 1s track: from EVICTED to DELETED, not back to OPERATIONAL.
track = [x[\"name\"] for x in ev if x[\"ph\"] == \"b\" and x[\"id\"] == 1]
assert track == [\"CREATED\", \"VISIBLE\", \"EVICTING\", \"EVICTED\", \"DELETED\"], track
"
'

test_expect_success 'a late event no timeline shows: in raw, and Chrome' '
    "$UKDB" view --format raw late-deleted >raw &&
    test "$(grep -c -F -- "(late:" raw)" = 1 &&
    test_grep "^seq=15 thread=1 type=dp_put ukey=1 .*  (late: seq 15, folded after seq 65665)\$" raw &&
    "$UKDB" view --format raw late-end >raw &&
    test "$(grep -c -F -- "(late:" raw)" = 1 &&
    test "$(tail -1 raw)" = "seq=2 thread=1 type=thread_start pmd=0 kind=HANDLER name=handler0  (late: seq 2, folded after seq 65699)" &&
    for t in late-deleted late-end; do
        "$UKDB" view $t >out &&
        ! grep -F "(late:" out &&
        "$UKDB" view --format json $t >out.json &&
        ! grep -F "\"late_event\":true" out.json &&
        grep -F "\"late_event\":false" out.json &&
        "$UKDB" view --format chrome $t >out.json &&
        $CHROME_CHECK out.json || return 1
    done &&
    # A dp_put has no Chrome event; a thread_start is thread-name
    # metadata, with no time: the mark and the seq are in its args.
    "$UKDB" view --format chrome late-deleted >out.json &&
    ! grep -F "late_event" out.json &&
    "$UKDB" view --format chrome late-end >out.json &&
    $PY -c "
import json
ev = json.load(open(\"out.json\"))[\"traceEvents\"]
late = [e for e in ev if \"late_event\" in e.get(\"args\", {})]
assert len(late) == 1, late
e = late[0]
assert (e[\"ph\"], e[\"name\"], e[\"tid\"]) == (\"M\", \"thread_name\", 1), e
assert e[\"args\"] == {\"name\": \"handler0\", \"seq\": 2,
                     \"late_event\": True, \"after_seq\": 65699}, e
assert all(\"seq\" not in x[\"args\"] for x in ev
           if x[\"ph\"] == \"M\" and x is not e), ev
"
'

# In late-freed, handler0's transition of ukey 1 to OPERATIONAL (seq 16)
# is folded after main freed the ukey (seq 65669), its timeline reported.
FREED="  (late: seq 16, folded after seq 65669)"

test_expect_success 'text: a late transition of a freed ukey, in its timeline' '
    "$UKDB" view late-freed >out 2>err &&
    ! test -s err &&
    test "$(grep -c -F -- "(late:" out)" = 1 &&
    sed -n "/^ukey#1 /,/^\$/p" out >ukey1 &&
    # After the last transition, before the verdict line; no violation.
    grep -A1 " seq=65665 " ukey1 | tail -1 |
        grep "^  +0\.065668500 seq=16  *handler0  *VISIBLE -> OPERATIONAL  *core/handler.c:344$FREED\$" &&
    test_grep "^  INCONCLUSIVE: " ukey1 &&
    ! grep -e ERROR -e WARN ukey1 &&
    "$UKDB" view --ukey 1 --thread handler0 late-freed >out &&
    test "$(grep -c " seq=" out)" = 2 &&
    test "$(grep -c -F -- "$FREED" out)" = 1 &&
    "$UKDB" view --thread revalidator0 late-freed >out &&
    ! grep -F "(late:" out &&
    # The filters leave out the rest of ukey 1s timeline: shown for it.
    "$UKDB" view --thread handler0 --begin +0.06 late-freed >out &&
    test_grep "^ukey#1 " out &&
    test "$(grep -c " seq=" out)" = 1 &&
    test "$(grep -c -F -- "$FREED" out)" = 1
'

test_expect_success 'json: a late transition of a freed ukey, in its timeline' '
    "$UKDB" audit late-freed >audit; test $? = 3 &&
    test_grep "^violations: 0 " audit &&
    "$UKDB" view --format json late-freed >out.json 2>err &&
    ! test -s err &&
    "$UKDB" view --format json --ukey 1 --thread handler0 late-freed \
        >handler0.json &&
    $PY -c "
import json
d = json.load(open(\"out.json\"))
u1 = [u for u in d[\"ukeys\"] if u[\"id\"] == 1][0]
assert [x[\"seq\"] for x in u1[\"transitions\"]] == [13, 65658, 65661, 65665, 16], u1
s = u1[\"transitions\"][-1]
assert (s[\"event\"], s[\"late_event\"], s[\"after_seq\"]) == (65669, True, 65669), s
assert (s[\"from\"], s[\"to\"], s[\"thread\"]) == (\"VISIBLE\", \"OPERATIONAL\", \"handler0\"), s
assert not any(x[\"late_event\"] for u in d[\"ukeys\"] for x in u[\"transitions\"]
               if x is not s), d
assert u1[\"violations\"] == [] and u1[\"verdict\"] == \"INCONCLUSIVE\", u1
d = json.load(open(\"handler0.json\"))
assert [x[\"seq\"] for u in d[\"ukeys\"] for x in u[\"transitions\"]] == [13, 16], d
"
'

test_expect_success 'sink.ukey.lifecycle: the freed ukey as ukdb view' '
    for f in text json; do
        "$UKDB" view --format $f late-freed >ukdb.out &&
        babeltrace2 --plugin-path="$PLUGINS" late-freed \
            -c sink.ukey.lifecycle -p "format=\"$f\"" >cli.out &&
        test_cmp ukdb.out cli.out &&
        grep -q -F -e "\"late_event\":true" -e "$FREED" cli.out || return 1
    done
'

# In late-batch, handler0's batch that installs ukey 1 (seqs 8 to 17) is
# folded after f2's traffic (seq 65654).
test_expect_success 'chrome: a late op_begin and a late create, marked' '
    "$UKDB" view --format chrome late-batch >out.json 2>err &&
    ! test -s err &&
    $CHROME_CHECK out.json &&
    $PY -c "
import json
ev = json.load(open(\"out.json\"))[\"traceEvents\"]
late = {(e[\"ph\"], e[\"args\"][\"seq\"]): e for e in ev
        if \"late_event\" in e.get(\"args\", {})}
# The op_begin, the create, the two transitions: what has a seq.
assert sorted(late) == [(\"B\", 8), (\"X\", 13), (\"X\", 16), (\"b\", 9)], late
for e in late.values():
    assert e[\"args\"][\"late_event\"] is True, e
    assert e[\"args\"][\"after_seq\"] == 65654, e
assert late[(\"B\", 8)][\"name\"] == \"UPCALL_BATCH\", late
b = late[(\"b\", 9)]
assert (b[\"name\"], b[\"id\"], b[\"args\"][\"ukey\"]) == (\"CREATED\", 1, 1), b
assert not any(\"late_event\" in x.get(\"args\", {})
               for x in ev if x.get(\"args\", {}).get(\"seq\", 0) > 17), ev
"
'

test_expect_success 'no late event: nothing marked' '
    "$UKDB" view in-order >out &&
    grep " seq=" out && ! grep -F "(late:" out &&
    "$UKDB" view --format raw in-order >out &&
    ! grep -F "(late:" out &&
    "$UKDB" view --format json in-order >out &&
    grep -F "\"late_event\":false" out && ! grep -F "\"late_event\":true" out &&
    "$UKDB" view --format chrome in-order >out &&
    ! grep -F "late_event" out
'

test_expect_success 'sink.ukey.lifecycle marks them as ukdb view does' '
    for f in text json raw chrome; do
        "$UKDB" view --format $f late-transition >ukdb.out &&
        babeltrace2 --plugin-path="$PLUGINS" late-transition \
            -c sink.ukey.lifecycle -p "format=\"$f\"" >cli.out &&
        test_cmp ukdb.out cli.out &&
        grep -q -F -e "\"late_event\":true" -e "$MARK" cli.out || return 1
    done
'

# The audit said the highest seq taken when the late event came, held
# ones included ("after seq 65661"), where the views and the REPL say the
# highest folded before it (65596).
test_expect_success 'the audit, the views and the REPL: one "after" seq' '
    "$UKDB" audit late-held >audit; test $? = 3 &&
    test_grep "^late events: 1 (the first: seq 16, after seq 65596)" audit &&
    "$UKDB" audit --format json late-held >audit.json; test $? = 3 &&
    $PY -c "
import json
late = json.load(open(\"audit.json\"))[\"late\"]
assert (late[\"first_seq\"], late[\"after_seq\"]) == (16, 65596), late
" &&
    "$UKDB" view --format raw late-held >raw &&
    test_grep "(late: seq 16, folded after seq 65596)\$" raw &&
    echo "goto seq:16" | "$UKDB" late-held >repl &&
    test_grep "(late: seq 16, folded after seq 65596)\$" repl
'

test_done

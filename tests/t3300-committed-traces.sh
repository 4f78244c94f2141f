#!/usr/bin/env bash
# The traces kept in traces/ audit with their documented verdicts.
. "$(dirname "$0")/lib.sh"
T=$TEST_TOP/traces

test_expect_code 1 'race-v1-replace: FAIL, exit 1' '
    "$UKDB" audit "$T/race-v1-replace" >out
'
test_expect_success 'race-v1-replace: the double delete names both threads' '
    "$UKDB" audit "$T/race-v1-replace" >out;
    grep "double-delete" out | test_grep "by revalidator0; earlier .* by handler0" - &&
    test_grep "^result: FAIL" out
'
for t in race-upstream slowpath-pre-replace purge; do
    test_expect_success "$t: PASS, exit 0" "
        \"\$UKDB\" audit \"$T/$t\" >out && test_grep '^result: PASS' out &&
        test_grep 'complete run' out
    "
done
test_expect_success 'the plugin gives the same verdicts' '
    for t in race-v1-replace race-upstream purge; do
        "$UKDB" audit "$T/$t" >a.txt;
        babeltrace2 --plugin-path="$UKDB_BUILD/plugins" "$T/$t" \
            -c sink.ukey.audit >b.txt;
        test_cmp a.txt b.txt || return 1
    done
'
# Event for event, but for the source lines in "where": those move with
# the code, which a recording cannot follow (the file and the order of the
# points stay checked).
test_expect_success 'every committed trace replays from its example' '
    for t in race-v1-replace race-upstream slowpath-pre-replace purge; do
        "$UKDB" --events ev.txt "$TEST_TOP/examples/$t.ukdb" >/dev/null;
        "$UKDB" view --format raw "$T/$t" >raw.txt &&
        normalize_source_lines <ev.txt >ev.norm &&
        normalize_source_lines <raw.txt >raw.norm &&
        test_cmp ev.norm raw.norm || return 1
    done
'
# Several traces (two recordings; per-process buffers give one per
# program): a report each, in the order of their names, each the same as
# alone, then the verdict of them all.  Before, their seqs went back from
# one to the other: "the input mixes the events of two programs", exit 2.
test_expect_code 1 'two traces: a report each, then FAIL of them all' '
    "$UKDB" audit "$T/race-v1-replace" "$T/race-upstream" >out;
    rc=$?;
    cat out | grep -e "^trace" -e "^result" &&
    test_grep "^trace 1 of 2: .*traces/race-upstream/ust/uid/0/64-bit\$" out &&
    test_grep "^trace 2 of 2: .*traces/race-v1-replace/ust/uid/0/64-bit\$" out &&
    [ "$(tail -1 out)" = "result: FAIL (2 traces: 1 PASS, 1 FAIL)" ] &&
    "$UKDB" audit "$T/race-upstream" >up; "$UKDB" audit "$T/race-v1-replace" >v1;
    sed -n "/^trace 1 of 2/,/^\$/p" out | sed "1d;\$d" >part1 &&
    sed -n "/^trace 2 of 2/,/^\$/p" out | sed "1d;\$d" >part2 &&
    test_cmp up part1 && test_cmp v1 part2 &&
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" "$T/race-v1-replace" \
        "$T/race-upstream" -c sink.ukey.audit >cli &&
    test_cmp out cli &&
    exit $rc
'
test_expect_success 'two traces: JSON, a report each and the verdict' '
    "$UKDB" audit --format json "$T/race-upstream" "$T/purge" >out &&
    /usr/bin/python3 - out <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["result"] == "PASS" and d["exit"] == 0, d
	names = [t["trace"]["name"] for t in d["traces"]]
	assert len(names) == 2 and names[0].endswith("purge/ust/uid/0/64-bit") \
	    and names[1].endswith("race-upstream/ust/uid/0/64-bit"), names
	assert all(t["audit"]["result"] == "PASS" for t in d["traces"]), d
	EOF
'
# Every violation of a ukey is in its timeline, in seq order among its
# transitions, also the double free found after its free (its timeline was
# done by then).  Before, "view" showed only the first.  Without the times:
# a trace recorded again ("make traces") has others.
test_expect_success 'race-v1-replace: view shows every violation of ukey 1' '
    "$UKDB" view --ukey 1 "$T/race-v1-replace" >out &&
    grep -e " ERROR " -e "^  FAIL" out | sed "s/^  +[0-9.]* //" |
        cut -c1-43 >got &&
	cat >expect <<-\EOT &&
	seq=90     revalidator0   ERROR double-dele
	seq=102    urcu           ERROR use-after-f
	  FAIL double-delete: ukey 1 removed by rev
	EOT
	test_cmp expect got &&
    sed -n "/seq=90 /{n;p}" out | test_grep "seq=93 .*DELETED -> DELETED" - &&
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" "$T/race-v1-replace" \
        -c sink.ukey.lifecycle -p "ukey=1" >cli &&
    test_cmp out cli
'
test_expect_success 'race-v1-replace: so does view --format json, and chrome' '
    "$UKDB" view --format json "$T/race-v1-replace" >out.json &&
    "$UKDB" view --format chrome --ukey 1 "$T/race-v1-replace" >chrome.json &&
    /usr/bin/python3 - out.json chrome.json <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	u = {x["id"]: x for x in d["ukeys"]}
	got = [(v["kind"], v["evidence"][0]["seq"]) for v in u[1]["violations"]]
	assert got == [("double-delete", 90), ("use-after-free", 102)], got
	assert u[2]["violations"] == [], u[2]
	c = json.load(open(sys.argv[2]))["traceEvents"]
	got = [e["name"] for e in c if e.get("cat") == "violation"]
	assert got == ["ERROR double-delete ukey#1",
	               "ERROR use-after-free ukey#1"], got
	EOF
'
test_expect_success 'view: violations follow --thread and --begin/--end' '
    "$UKDB" view --ukey 1 --thread revalidator0 "$T/race-v1-replace" >out &&
    test "$(grep -c " ERROR " out)" = 1 &&
    test_grep "seq=90 .*revalidator0 .*ERROR double-delete" out &&
    "$UKDB" view --ukey 1 --begin seq:85 --end seq:95 "$T/race-v1-replace" \
        >out &&
    test "$(grep -c " ERROR " out)" = 1 && test_grep "seq=90 .*ERROR" out
'
# ukey#1's second free (seq 102, by urcu) is found after its timeline was
# spooled: a filter that left it out left the comma before it, and the
# JSON did not parse.
test_expect_success 'view --format json: valid when a filter drops a late violation' '
    for f in "--thread revalidator0" "--end seq:95" "--ukey 1 --end seq:101" \
        "" "--thread handler0"; do
        "$UKDB" view --format json $f "$T/race-v1-replace" >out.json &&
        /usr/bin/python3 - "$f" out.json <<-\EOF || return 1
	import json, sys
	want = {"--thread revalidator0": ["double-delete"],
	        "--end seq:95": ["double-delete"],
	        "--ukey 1 --end seq:101": ["double-delete"],
	        "": ["double-delete", "use-after-free"],
	        "--thread handler0": []}[sys.argv[1]]
	u = {x["id"]: x for x in json.load(open(sys.argv[2]))["ukeys"]}
	got = [v["kind"] for v in u[1]["violations"]]
	assert got == want, (sys.argv[1], got)
	EOF
    done
'
# A ukey whose only selected event is a violation found after its free
# was left out: "--thread urcu" and "--begin seq:95" said "no ukey
# matched", where the page says a ukey with a violation in the selection
# is listed (and the Chrome view drew the violation).
test_expect_success 'view: a late violation in the selection lists its ukey' '
    for f in "--thread urcu" "--begin seq:95" "--thread urcu --ukey 1"; do
        "$UKDB" view $f "$T/race-v1-replace" >out &&
        test "$(grep -c "^ukey#" out)" = 1 &&
        test_grep "^ukey#1 flow f1 .*: FAIL, DELETED, freed\$" out &&
        test_grep "seq=102 .*urcu .*ERROR use-after-free" out &&
        test "$(grep -c "seq=" out)" = 1 &&
        "$UKDB" view --format json $f "$T/race-v1-replace" >out.json &&
        /usr/bin/python3 -c "import json, sys
u = json.load(open(sys.argv[1]))[\"ukeys\"]
assert [x[\"id\"] for x in u] == [1], u
assert [v[\"evidence\"][0][\"seq\"] for v in u[0][\"violations\"]] == [102], u
assert u[0][\"transitions\"] == [], u" out.json || return 1
    done &&
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" "$T/race-v1-replace" \
        -c sink.ukey.lifecycle -p "thread=\"urcu\"" >cli &&
    "$UKDB" view --thread urcu "$T/race-v1-replace" >out && test_cmp out cli &&
    "$UKDB" view --thread urcu --ukey 2 "$T/race-v1-replace" >out &&
    echo "no ukey matched" >expect && test_cmp expect out
'
# A copy of a trace has its UUID: src.ctf.fs reads the directories of one
# UUID together (the chunks of a rotated session, the snapshots of one)
# and each packet they share once, as the babeltrace2 CLI does.  ukdb gave
# each directory a source of its own, and the copy's events came twice: an
# error, where sink.ukey.audit behind the CLI gave the trace's verdict.
test_expect_success 'a copy of a trace given with it is read once' '
    cp -r "$T/purge" copy &&
    "$UKDB" audit "$T/purge" >one &&
    "$UKDB" audit "$T/purge" copy >out 2>err &&
    test_cmp one out && test ! -s err &&
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" "$T/purge" copy \
        -c sink.ukey.audit >cli && test_cmp one cli &&
    "$UKDB" view --format raw "$T/purge" >one.raw &&
    "$UKDB" view --format raw copy "$T/purge" >out.raw &&
    test_cmp one.raw out.raw
'
# A value outside its CTF enumeration is a corrupt trace: babeltrace2 prints
# "<unknown>", and the audit said PASS (exit 0) on it.  In race-upstream,
# the transition of seq 13 (CREATED -> VISIBLE, OK) is corrupted: its 'to'
# (the byte at 29 into its payload) made 200, or its 'result' (a 32-bit
# signed integer at 30) made -65792 by 4 bytes written at 31, which also
# make the first byte of 'where' 0xff.  The offsets come from the trace
# itself, so that a trace recorded again ("make traces") moves them along;
# before, fixed offsets into the stream file would have hit something else.

# seq13_transition DIR: the stream file of DIR (a copy of race-upstream)
# that holds the "ukey:transition" event of seq 13, and the offset of its
# payload there: found by its event header (the event's id from the
# metadata, in LTTng's "large" header, compact or extended) followed by its
# seq; the payload must hold what the fields above say (the layout is
# tracepoints/README.md's), or this fails.
seq13_transition() {
    local dir
    dir=$(dirname "$(find "$1" -name metadata)") &&
    babeltrace2 --output-format=ctf-metadata "$dir" >"$1.tsdl" &&
    /usr/bin/python3 - "$dir" "$1.tsdl" <<-\EOF
	import os, re, struct, sys
	tsdl = open(sys.argv[2]).read()
	m = re.search(r'name = "ukey:transition";\s*id = (\d+);', tsdl)
	if not m:
	    sys.exit("no ukey:transition in the metadata")
	tid = int(m.group(1))
	assert "event.header := struct event_header_large;" in tsdl
	head = re.escape(struct.pack("<H", tid)) + b".{4}|" + \
	    re.escape(struct.pack("<HI", 0xffff, tid)) + b".{8}"
	pat = re.compile(b"(?:" + head + b")" + re.escape(struct.pack("<Q", 13)),
	                 re.S)
	hits = []
	for name in sorted(os.listdir(sys.argv[1])):
	    path = os.path.join(sys.argv[1], name)
	    if name == "metadata" or not os.path.isfile(path):
	        continue
	    b = open(path, "rb").read()
	    for m in pat.finditer(b):
	        p = m.end() - 8
	        # from CREATED, to VISIBLE, result OK, where "core/...".
	        if b[p + 28:p + 34] == b"\x00\x01\x00\x00\x00\x00" \
	                and b[p + 34:p + 39] == b"core/":
	            hits.append((path, p))
	if len(hits) != 1:
	    sys.exit("seq 13's transition found %d times" % len(hits))
	print(*hits[0])
	EOF
}

# corrupt_enum DIR AT BYTES: DIR, a copy of race-upstream with BYTES (as
# printf takes them) written at byte AT of the payload of seq 13's
# transition; fails if the copy is left unchanged.
corrupt_enum() {
    local where file payload
    cp -r "$T/race-upstream" "$1" &&
    where=$(seq13_transition "$1") || { echo "corrupt_enum $1: $where" >&2; return 1; }
    file=${where% *} payload=${where#* }
    printf "$3" | dd of="$file" bs=1 seek=$((payload + $2)) conv=notrunc \
        2>/dev/null &&
    if diff -r -q "$T/race-upstream" "$1" >/dev/null; then
        echo "corrupt_enum $1: the trace did not change" >&2
        return 1
    fi
}
test_expect_success 'an enum value out of its enumeration: exit 2, one line' '
    corrupt_enum badresult 31 "\377\376\377\377" &&
    corrupt_enum badto 29 "\310" &&
    for t in badresult:result:-65792 badto:to:200; do
        d=${t%%:*} f=${t#*:} v=${f#*:} f=${f%%:*}
        for how in audit view "view --format json" open; do
            case $how in
            open) "$UKDB" $d </dev/null >out 2>err ;;
            *) "$UKDB" $how $d >out 2>err ;;
            esac
            rc=$?; echo "$d $how: exit $rc: $(cat err)"
            test $rc = 2 && test "$(wc -l <err)" = 1 &&
            test_grep "^ukdb: error: .*Cannot decode event: event-name=\"ukey:transition\", seq=13, field=\"$f\": value $v is not in its enumeration: the trace is corrupt\$" err &&
            ! test_grep "result: PASS" out >/dev/null || exit 1
        done
        ! babeltrace2 --plugin-path="$UKDB_BUILD/plugins" $d \
            -c sink.ukey.audit >out 2>err || exit 1
    done
'
test_done

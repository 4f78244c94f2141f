#!/bin/sh
# make demo: a guided tour of the 2016 try_ukey_replace() race.
top=$(cd "$(dirname "$0")/.." && pwd)
ukdb="$top/build/ukdb"
tour=$(cat <<'TOUR'
================================================================ ukdb demo
The 2016 try_ukey_replace() double delete, in Open vSwitch's revalidator.

Set up so far (examples/demo.ukdb): flow f1 was installed, a round went
by, revalidator0's next dump found it idle and deleted its datapath flow
(its ukey K is EVICTED), and revalidator0's sweep has read K's state and
released K's lock.  It will now take the umap lock to delete K.  f1's
traffic just came back, so handler0 has a miss for f1.

Try, in order:
  choices                 who can step, and what each does next
  next handler0           the handler's whole upcall: it replaces K
  show ukeys              K is DELETED, K' carries f1
  next revalidator0       the sweeper deletes K again -> VIOLATION
  show violations         the two threads and steps that caused it
  history f1              f1's lifecycle so far
  back 8                  step backwards (exact, by replay), before the delete
  continue                the recorded future again, then on to the end
  variant upstream        the same session under today's OVS...
  show violations         ...is clean: ukey_delete() re-checks the state
  help                    everything else ("help break", "apropos rcu")

Then, on real threads (quit the REPL first):
  build/ukdb load --handlers 2 --revalidators 2 --flows 1000 --seconds 1 \
      --record /tmp/load
  build/ukdb audit /tmp/load      the verdict, as fast as babeltrace2 reads
===========================================================================
TOUR
)
printf '%s\n' "$tour"
cd "$top/examples" || exit 2
if [ -t 0 ]; then
    exec "$ukdb" -x demo.ukdb
fi
# Not a terminal: run the tour's commands, each "Try" line but help, in
# order, and show what they print.
printf '%s\n' "$tour" |
    sed -n '/^Try, in order:/,/^$/s/^  \([a-z].*[^ ]\)  *  [^ ].*/\1/p' |
    grep -v '^help$' | "$ukdb" -x demo.ukdb --echo

# SPDX-License-Identifier: Apache-2.0
# tmux helpers for tests that drive ukdb on a real tty, sourced after
# lib.sh with TMUX_NAME set (e.g. ukdb-t9000):
#   tmx ARGS...        tmux on a private socket (-L), under $TRASH
#   kill_session       kills the test's session (registered as a cleanup)
#   screen             the pane's text
#   wait_for REGEX [N] polls the pane every 0.1 s, N times (default 100),
#                      until a line matches REGEX; else shows the screen
# tmux never touches a user's server: the socket is private and the
# sessions are the test's own (its session and a keeper), killed by name
# on exit.
command -v tmux >/dev/null || skip_all "tmux is not installed"

SOCK=$TMUX_NAME-$$
SESSION=$TMUX_NAME-$$
export TMUX_TMPDIR=$TRASH       # The socket goes away with the trash dir.
unset TMUX
tmx() { tmux -L "$SOCK" "$@"; }
kill_session() { tmx kill-session -t "=$SESSION" 2>/dev/null; true; }
test_cleanup_add kill_session

# A session that idles for the whole test keeps the server up: a tmux
# server exits with its last session, and a new-session that races that
# exit fails ("server exited unexpectedly").  "=NAME" names exactly that
# session (a bare NAME also matches the sessions it is a prefix of).
tmx -f /dev/null new-session -d -s "keeper-$$" "sleep 3600" ||
    skip_all "cannot start a tmux server"
test_cleanup_add "tmx kill-session -t =keeper-$$"

screen() { tmx capture-pane -p -t "$SESSION" 2>/dev/null; }

wait_for() {
    local i
    for ((i = 0; i < ${2:-100}; i++)); do
        screen | grep -Eq -e "$1" && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$1'; the screen:"
    screen | sed '/^$/d' | tail -20
    return 1
}

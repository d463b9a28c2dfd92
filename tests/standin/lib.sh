# shellcheck shell=bash
# shellcheck disable=SC2034  # SERVER_PID and PORT are for the scripts that source this
# Shared helpers for the stand-in capture scripts. Source it; needs $WORK set.
#
# Every tmux call goes to a private server (-L $SOCK -f /dev/null) whose socket
# lives under $WORK/tmux, with TMUX / TMUX_PANE unset, so the user's default
# tmux server is never touched.


t() {
    env -u TMUX -u TMUX_PANE TMUX_TMPDIR="$WORK/tmux" tmux -L "$SOCK" -f /dev/null "$@"
}

# start_server SCRIPT_PY SCRIPT_JSON LOG -> sets SERVER_PID and PORT
start_server() {
    local py=$1 script=$2 log=$3
    : >"$WORK/port"
    python3 "$py" "$script" --log "$log" >"$WORK/port" 2>"$WORK/server.err" &
    SERVER_PID=$!
    local _i
    for _i in $(seq 1 50); do
        PORT=$(head -n1 "$WORK/port" 2>/dev/null)
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    echo "server did not start" >&2
    cat "$WORK/server.err" >&2
    return 1
}

screen() { t capture-pane -p -t "$TARGET"; }

# wait_for REGEX [TIMEOUT_SECONDS] -> 0 when the screen matches
wait_for() {
    local re=$1 timeout=${2:-20} end
    end=$(($(date +%s) + timeout))
    while [ "$(date +%s)" -lt "$end" ]; do
        if screen | grep -Eq -- "$re"; then return 0; fi
        sleep 0.2
    done
    echo "timed out waiting for /$re/; screen was:" >&2
    screen >&2
    return 1
}

# wait_gone REGEX [TIMEOUT_SECONDS] -> 0 when the screen no longer matches
wait_gone() {
    local re=$1 timeout=${2:-20} end
    end=$(($(date +%s) + timeout))
    while [ "$(date +%s)" -lt "$end" ]; do
        if ! screen | grep -Eq -- "$re"; then return 0; fi
        sleep 0.2
    done
    echo "timed out waiting for /$re/ to go; screen was:" >&2
    screen >&2
    return 1
}

# type_line TEXT: literal text, a pause, then Enter (TUIs drop an Enter that
# arrives in the same read as a paste-like burst of text).
type_line() {
    t send-keys -t "$TARGET" -l -- "$1"
    sleep 0.5
    t send-keys -t "$TARGET" Enter
}

# save NAME: the plain capture into $OUT/NAME.txt, plus the alternate-screen flag
save() {
    screen >"$OUT/$1.txt"
    echo "$1 alternate_on=$(t display -p -t "$TARGET" '#{alternate_on}')" >>"$WORK/alt.txt"
}

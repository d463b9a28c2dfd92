#!/bin/bash
# capture_screens.sh AGENT [OUT_DIR]
#
# Captures the screen corpus of one real agent (codex, claude, gemini or aider) against its
# stand-in model server: the dialogs this script can provoke offline, a reply that quotes other
# dialogs' text, a long reply, a streamed reply, an HTTP 500 from the model server, an
# interruption, and panes 40 and 200 columns wide. Screens go to OUT_DIR (default
# tests/screens/AGENT/<the agent's version>/) as CASE.txt; their verdicts are kept by hand in
# that directory's expect.toml (see tests/screens/README.md). Needs the agent on PATH, python3,
# tmux. Touches nothing outside a temp dir and OUT_DIR. About 2-4 minutes per agent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
agent=${1:?usage: capture_screens.sh codex|claude|gemini|aider [OUT_DIR]}
case $agent in
codex) version=$(codex --version | awk '{print $2}') ;;
claude) version=$(claude --version | awk '{print $1}') ;;
gemini) version=$(gemini --version) ;;
aider) version=$(aider --version | awk '{print $2}') ;;
*) echo "unknown agent $agent" >&2; exit 2 ;;
esac
OUT="${2:-$here/../screens/$agent/$version}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$(mktemp -d "/tmp/minder-screens-$agent.XXXXXX")"
SOCK="standin-screens-$agent-$$"
TARGET="=main:"
KEY="sk-ant-standin-0123456789abcdefghij"
# shellcheck source=tests/standin/lib.sh
source "$here/lib.sh"

cleanup() {
    t kill-server 2>/dev/null || true
    if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/home" "$WORK/proj" "$WORK/tmux"
chmod 700 "$WORK/tmux"
git -C "$WORK/proj" init -q
git -C "$WORK/proj" config user.name standin
git -C "$WORK/proj" config user.email standin@example.invalid
PROJ="$(cd "$WORK/proj" && pwd -P)"
echo "$agent $version: work dir $WORK, screens to $OUT" >&2

case $agent in
codex)
    start_server "$here/responses_server.py" "$here/codex-script.json" "$WORK/requests.jsonl"
    "$here/codex_home.sh" "$WORK/home" "$PORT" "$PROJ"
    RUN="env STANDIN_API_KEY=dummy CODEX_HOME=$WORK/home codex --no-daemon"
    READY='for shortcuts'
    BUSY='esc to interrupt'
    ;;
claude)
    start_server "$here/messages_server.py" "$here/claude-script.json" "$WORK/requests.jsonl"
    "$here/claude_home.sh" "$WORK/home" "$PROJ" "$KEY"
    RUN="env HOME=$WORK/home ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT ANTHROPIC_API_KEY=$KEY DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 claude"
    READY='for shortcuts'
    BUSY='esc to interrupt'
    ;;
gemini)
    start_server "$here/gemini_server.py" "$here/gemini-script.json" "$WORK/requests.jsonl"
    "$here/gemini_home.sh" "$WORK/home" "$PROJ"
    RUN="env HOME=$WORK/home GEMINI_API_KEY=standin-key GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:$PORT gemini"
    READY='Type your message'
    BUSY='esc to cancel'
    ;;
aider)
    start_server "$here/chat_server.py" "$here/aider-script.json" "$WORK/requests.jsonl"
    "$here/aider_home.sh" "$WORK/home" "$PORT"
    RUN="env HOME=$WORK/home OPENAI_API_KEY=standin-key aider"
    READY='^> ?$'
    BUSY='Waiting for'
    ;;
esac

# A session that outlives the agents' ones: killing the last session ends the tmux server, and
# a new-session racing that exit fails ("server exited unexpectedly").
t new-session -d -s keep -x 80 -y 24 "exec sleep 3600"

# launch NAME COLS ROWS: the agent in a new session; TARGET is then that session
launch() {
    TARGET="=$1:"
    t new-session -d -s "$1" -x "$2" -y "$3" -c "$PROJ" "$RUN; echo $agent exited \$?; exec sleep 600"
    wait_for "$READY" 120
    sleep 3
}

# turn PROMPT END_REGEX CASE: send a prompt, wait for END_REGEX and the busy marker gone, save
turn() {
    type_line "$1"
    wait_for "$2" 60
    wait_gone "$BUSY" 60 || true
    sleep 1
    save "$3"
}

# the dialogs of one agent
case $agent in
codex)
    launch main 120 40
    turn "STANDIN_QUOTE show me the dialogs" 'End of the quote' quote
    turn "STANDIN_LONG print a lot" 'End of the long answer' long
    type_line "STANDIN_STREAM stream slowly"
    wait_for 'word40 ' 30
    save streaming
    wait_for 'End of the stream' 90
    sleep 1
    type_line "STANDIN_ERROR fail please"
    sleep 3
    save error-retrying
    wait_gone "$BUSY" 120 || true
    sleep 1
    save error
    type_line "STANDIN_SLOW take your time"
    wait_for "$BUSY" 20
    sleep 1
    t send-keys -t "$TARGET" Escape
    sleep 2
    save interrupted
    # the question UI needs Plan mode (Shift+Tab)
    t send-keys -t "$TARGET" BTab
    sleep 1
    save plan-mode-idle
    type_line "STANDIN_QUESTION which format?"
    wait_for 'enter to submit answer' 30
    sleep 0.5
    save question
    t send-keys -t "$TARGET" Enter
    sleep 3
    save question-answered-idle
    t kill-session -t "$TARGET"
    # narrow and wide panes
    for w in 40 200; do
        launch "w$w" "$w" 30
        save "idle-start-$w"
        type_line "STANDIN_APPROVAL please create the marker file"
        wait_for 'Press enter to confirm' 30
        sleep 0.5
        save "approval-$w"
        t send-keys -t "$TARGET" Enter
        wait_for 'Done: created' 30
        wait_gone "$BUSY" 30 || true
        sleep 1
        save "idle-$w"
        type_line "STANDIN_SLOW take your time"
        wait_for "$BUSY" 20
        sleep 1
        save "busy-$w"
        t send-keys -t "$TARGET" Escape
        t kill-session -t "$TARGET"
        rm -f "$PROJ/standin-marker.txt"
    done
    # signed out: no provider, no login (a fresh CODEX_HOME)
    mkdir -p "$WORK/fresh"
    TARGET="=signin:"
    t new-session -d -s signin -x 120 -y 40 -c "$PROJ" \
        "env CODEX_HOME=$WORK/fresh codex --no-daemon; echo codex exited \$?; exec sleep 600"
    wait_for 'Sign in|sign in|API key' 60
    sleep 2
    save sign-in
    t kill-session -t "$TARGET"
    ;;
claude)
    launch main 120 40
    save idle-start
    type_line "hello there"
    wait_for "$BUSY" 20
    sleep 1
    save busy
    wait_for 'Hello from the stand-in' 30
    wait_gone "$BUSY" 30 || true
    sleep 1
    save idle
    type_line "STANDIN_APPROVAL please create the marker file"
    wait_for 'Do you want to proceed' 30
    sleep 0.5
    save approval
    t send-keys -t "$TARGET" Enter
    wait_for 'Done: created' 30
    wait_gone "$BUSY" 30 || true
    sleep 1
    save after-approval-idle
    turn "STANDIN_QUOTE show me the dialogs" 'End of the quote' quote
    turn "STANDIN_LONG print a lot" 'End of the long answer' long
    type_line "STANDIN_STREAM stream slowly"
    wait_for 'word40 ' 30
    save streaming
    wait_for 'End of the stream' 90
    wait_gone "$BUSY" 30 || true
    sleep 1
    type_line "STANDIN_ASK a question please"
    wait_for 'Which format' 30
    sleep 1
    save ask-question
    t send-keys -t "$TARGET" Escape
    sleep 2
    save ask-question-declined
    # plan mode: Shift+Tab until the footer says so, then the model leaves it with a plan
    for _i in 1 2 3 4; do
        screen | grep -q 'plan mode on' && break
        t send-keys -t "$TARGET" BTab
        sleep 1
    done
    save plan-mode-idle
    type_line "STANDIN_PLAN make a plan"
    # 2.1.332 with no plan file: `Exit plan mode?`; with a plan: `… Would you like to proceed?`
    wait_for 'Exit plan mode\?|Would you like to proceed' 30
    sleep 1
    save plan-proceed
    t send-keys -t "$TARGET" Escape
    sleep 2
    type_line "STANDIN_ERROR fail please"
    sleep 4
    save error-retrying
    t send-keys -t "$TARGET" Escape
    sleep 2
    save error-interrupted
    t kill-session -t "$TARGET"
    # (2.1.332 has no TodoWrite tool in this setup: its task spinners are not provoked here.)
    # Esc before any output puts the prompt back into the box: a session of its own.
    launch slow 120 40
    type_line "STANDIN_SLOW take your time"
    wait_for "$BUSY" 20
    sleep 1
    save busy-slow
    t send-keys -t "$TARGET" Escape
    sleep 2
    save interrupted
    t kill-session -t "$TARGET"
    for w in 40 200; do
        launch "w$w" "$w" 30
        save "idle-start-$w"
        type_line "STANDIN_APPROVAL please create the marker file"
        wait_for 'Do you want to proceed' 30
        sleep 0.5
        save "approval-$w"
        t send-keys -t "$TARGET" Enter
        wait_for 'Done: created' 30
        wait_gone "$BUSY" 30 || true
        sleep 1
        save "idle-$w"
        type_line "STANDIN_SLOW take your time"
        wait_for "$BUSY" 20
        sleep 1
        save "busy-$w"
        t send-keys -t "$TARGET" Escape
        t kill-session -t "$TARGET"
        rm -f "$PROJ/standin-marker.txt"
    done
    ;;
gemini)
    launch main 120 40
    type_line "STANDIN_STREAM stream slowly"
    wait_for 'word40 ' 30
    save streaming
    wait_for 'End of the stream' 90
    wait_gone "$BUSY" 30 || true
    sleep 1
    save streamed
    type_line "STANDIN_TOOLRUN wait a while"
    wait_for 'Allow execution' 30
    sleep 0.5
    save toolrun-approval
    t send-keys -t "$TARGET" Enter
    sleep 4
    save toolrun-running
    wait_for 'The command finished' 60
    wait_gone "$BUSY" 30 || true
    sleep 1
    save toolrun-done
    turn "STANDIN_QUOTE show me the dialogs" 'End of the quote' quote
    turn "STANDIN_LONG print a lot" 'End of the long answer' long
    type_line "STANDIN_ERROR fail please"
    sleep 3
    save error-retrying
    wait_gone "$BUSY" 120 || true
    sleep 1
    save error
    t kill-session -t "$TARGET"
    for w in 40 200; do
        launch "w$w" "$w" 30
        save "idle-start-$w"
        type_line "STANDIN_APPROVAL please create the marker file"
        wait_for 'Allow execution' 30
        sleep 0.5
        save "approval-$w"
        t send-keys -t "$TARGET" Enter
        wait_for 'Done: created' 30
        wait_gone "$BUSY" 30 || true
        sleep 1
        save "idle-$w"
        type_line "STANDIN_SLOW take your time"
        wait_for "$BUSY" 20
        sleep 1
        save "busy-$w"
        t send-keys -t "$TARGET" Escape
        t kill-session -t "$TARGET"
        rm -f "$PROJ/standin-marker.txt"
    done
    ;;
aider)
    # A fresh HOME: aider first asks whether to show its release notes.
    TARGET="=main:"
    t new-session -d -s main -x 120 -y 40 -c "$PROJ" "$RUN; echo $agent exited \$?; exec sleep 600"
    wait_for "what's new in this version|$READY" 120
    sleep 1
    if screen | grep -q "what's new in this version"; then
        save whats-new
        type_line "n"
        wait_for "$READY" 30
    fi
    sleep 1
    save idle-start
    turn "STANDIN_QUOTE show me the dialogs" 'End of the quote' quote
    turn "STANDIN_LONG print a lot" 'End of the long answer' long
    type_line "STANDIN_STREAM stream slowly"
    wait_for 'word40 ' 30
    save streaming
    wait_for 'End of the stream' 90
    sleep 1
    type_line "STANDIN_ERROR fail please"
    sleep 3
    save error-retrying
    wait_for "$READY" 120 || true
    sleep 1
    save error
    t kill-session -t "$TARGET"
    for w in 40 200; do
        launch "w$w" "$w" 30
        save "idle-start-$w"
        type_line "STANDIN_APPROVAL please create the marker file"
        wait_for '\(Y\)es/\(N\)o' 60
        sleep 0.5
        save "approval-$w"
        type_line "y"
        wait_for 'Applied edit' 30
        sleep 2
        save "idle-$w"
        type_line "STANDIN_SLOW take your time"
        wait_for "$BUSY" 30
        sleep 1
        save "busy-$w"
        t kill-session -t "$TARGET"
        # aider committed the file: remove it from git too (else the next run asks to add it)
        rm -f "$PROJ/standin-marker.txt"
        git -C "$PROJ" commit -qam "remove the marker" || true
    done
    ;;
esac
rm -f "$WORK/alt.txt"
echo "saved: $(find "$OUT" -name '*.txt' -newer "$WORK/port" -printf '%f ')" >&2

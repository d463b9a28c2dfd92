#!/bin/bash
# capture_claude.sh [OUT_DIR]
#
# Runs the real Claude Code in a private tmux server (pane 120x40) against the
# Messages stand-in and saves the screens, hook payloads and `claude -p
# --output-format stream-json` output into OUT_DIR (default tests/captures).
# Set CAPTURE_IDLE_NOTIFICATION=1 to also wait ~70 s for the idle Notification hook.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$(cd "${1:-$here/../captures}" && pwd)"
WORK="$(mktemp -d /tmp/minder-claude-standin.XXXXXX)"
SOCK="standin-claude-$$"
TARGET="=cl:"
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
PROJ="$(cd "$WORK/proj" && pwd -P)"
start_server "$here/messages_server.py" "$here/claude-script.json" "$WORK/requests.jsonl"
"$here/claude_home.sh" "$WORK/home" "$PROJ" "$KEY" "$WORK/hooks.jsonl"
echo "work dir $WORK, stand-in on port $PORT" >&2
CLENV="HOME=$WORK/home ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT ANTHROPIC_API_KEY=$KEY DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"

t new-session -d -s cl -x 120 -y 40 -c "$PROJ" \
    "env $CLENV MINDER_SESSION=claude-standin claude; echo claude exited \$?; exec sleep 600"

wait_for '\? for shortcuts' 30
sleep 1
save claude-idle-start

# busy, then turn complete
type_line "hello there"
wait_for 'esc to interrupt' 10
sleep 1
save claude-busy
wait_for 'Hello from the stand-in' 20
wait_for '\? for shortcuts' 10
sleep 0.5
save claude-idle

# permission prompt, accepted
type_line "STANDIN_APPROVAL please create the marker file"
wait_for 'Do you want to proceed\?' 20
sleep 0.5
save claude-approval
t send-keys -t "$TARGET" Enter
sleep 0.3
save claude-after-approval
wait_for 'Done: created standin-marker.txt' 20
wait_for '\? for shortcuts' 10
sleep 0.5
save claude-turn-complete
test -f "$PROJ/standin-marker.txt" || echo "WARNING: the approved command did not create the marker" >&2

# permission prompt, declined with Esc
rm -f "$PROJ/standin-marker.txt"
type_line "STANDIN_APPROVAL again please"
wait_for 'Do you want to proceed\?' 20
sleep 0.5
t send-keys -t "$TARGET" Escape
sleep 1.5
save claude-approval-declined

# Esc interrupt of a long turn
type_line "STANDIN_SLOW take your time"
wait_for 'esc to interrupt' 10
sleep 1.5
save claude-busy-slow
t send-keys -t "$TARGET" Escape
sleep 3
save claude-interrupted

if [ -n "${CAPTURE_IDLE_NOTIFICATION:-}" ]; then
    sleep 70
    save claude-idle-long
fi

t display -p -t "$TARGET" 'pane_current_command=#{pane_current_command} pane_pid=#{pane_pid}' >"$WORK/pane.txt"
ps -o pid,ppid,args --forest -g "$(t display -p -t "$TARGET" '#{pane_pid}')" >>"$WORK/pane.txt" 2>/dev/null || true

# quit: Ctrl-C twice on an empty prompt
t send-keys -t "$TARGET" C-c
sleep 0.5
save claude-ctrl-c-once
t send-keys -t "$TARGET" C-c
wait_for 'claude exited' 10
save claude-exited

# resume the conversation: `claude --continue` (most recent in this directory)
TARGET="=res:"
t new-session -d -s res -x 120 -y 40 -c "$PROJ" \
    "env $CLENV claude --continue; echo claude exited \$?; exec sleep 600"
wait_for 'for shortcuts' 30
sleep 1
save claude-resumed
t kill-session -t "$TARGET"
TARGET="=cl:"

cp "$WORK/hooks.jsonl" "$OUT/claude-hooks-raw.jsonl"
cp "$WORK/alt.txt" "$OUT/claude-alternate-screen.txt"
cp "$WORK/pane.txt" "$OUT/claude-pane-process.txt"
python3 - "$WORK/hooks.jsonl" "$OUT" <<'PY'
import json, sys
log, out = sys.argv[1:]
seen = {}
for line in open(log):
    r = json.loads(line)
    ev = r["argv"][0].removeprefix("hook-")
    d = r["stdin"]
    key = ev
    if ev == "Notification" and isinstance(d, dict):
        key = f"Notification-{d.get('notification_type') or 'unknown'}"
    if key in seen:
        continue
    seen[key] = d
    with open(f"{out}/claude-hook-{key}.json", "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
PY

# claude -p (print mode) with stream-json
# shellcheck disable=SC2086  # CLENV is a list of NAME=value words, split on purpose
(
    cd "$PROJ"
    env $CLENV timeout 60 claude -p --output-format stream-json --verbose "hello there" \
        </dev/null >"$OUT/claude-print.jsonl" 2>"$WORK/print.err" || echo "print exit $?" >&2
    env $CLENV timeout 60 claude -p --output-format stream-json --verbose "STANDIN_APPROVAL from print mode" \
        </dev/null >"$OUT/claude-print-approval.jsonl" 2>>"$WORK/print.err" || echo "print exit $?" >&2
)
cp "$WORK/print.err" "$OUT/claude-print-stderr.txt"
python3 - "$WORK/requests.jsonl" "$OUT/claude-request-paths.txt" <<'PY'
import json, sys
from collections import Counter
c = Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    b = r.get("body") or {}
    kind = "main" if b.get("tools") else ("aux" if "messages" in b else "-")
    c[(r["method"], r["path"], kind)] += 1
with open(sys.argv[2], "w") as f:
    for (m, p, k), n in sorted(c.items()):
        f.write(f"{n:4d} {m} {p} {k}\n")
PY
echo "captures written to $OUT" >&2

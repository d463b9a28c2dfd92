#!/bin/bash
# capture_codex.sh [OUT_DIR]
#
# Runs the real Codex CLI in a private tmux server (pane 120x40) against the
# Responses stand-in and saves the screens, notify / hook payloads and
# `codex exec --json` output into OUT_DIR (default tests/captures).
# Needs: codex on PATH, python3, tmux. Touches nothing outside a temp dir and OUT_DIR.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$(cd "${1:-$here/../captures}" && pwd)"
WORK="$(mktemp -d /tmp/minder-codex-standin.XXXXXX)"
SOCK="standin-codex-$$"
TARGET="=cx:"
# shellcheck source=tests/standin/lib.sh
source "$here/lib.sh"

cleanup() {
    t kill-server 2>/dev/null || true
    if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    # codex --no-daemon starts no daemon; kill any left anyway (only ours: its path is in $WORK)
    for p in $(pgrep -f "$WORK/home/packages" 2>/dev/null || true); do kill "$p" 2>/dev/null || true; done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/home" "$WORK/proj" "$WORK/tmux"
chmod 700 "$WORK/tmux"
git -C "$WORK/proj" init -q
PROJ="$(cd "$WORK/proj" && pwd -P)"
start_server "$here/responses_server.py" "$here/codex-script.json" "$WORK/requests.jsonl"
"$here/codex_home.sh" "$WORK/home" "$PORT" "$PROJ" "$WORK/hooks.jsonl"
echo "work dir $WORK, stand-in on port $PORT" >&2

t new-session -d -s cx -x 120 -y 40 -c "$PROJ" \
    "env STANDIN_API_KEY=dummy CODEX_HOME=$WORK/home MINDER_SESSION=codex-standin codex --no-daemon --dangerously-bypass-hook-trust; echo codex exited \$?; exec sleep 600"

# (d0) fresh idle screen
wait_for 'Ask Codex to do anything' 30
sleep 1
save codex-idle-start

# (a) busy, then (d) turn complete
type_line "hello there"
wait_for 'esc to interrupt' 10
sleep 1
save codex-busy
wait_for 'Worked for' 20
sleep 0.5
save codex-idle

# (b) approval overlay, (c) after approval, turn complete
type_line "STANDIN_APPROVAL please create the marker file"
wait_for 'Would you like to run the following command' 20
sleep 0.5
save codex-approval
t send-keys -t "$TARGET" Enter
sleep 0.3
save codex-after-approval
wait_for 'Done: created standin-marker.txt' 20
sleep 0.5
save codex-turn-complete
test -f "$PROJ/standin-marker.txt" || echo "WARNING: the approved command did not create the marker" >&2

# approval overlay again, this time declined with Esc
rm -f "$PROJ/standin-marker.txt"
type_line "STANDIN_APPROVAL again please"
wait_for 'Would you like to run the following command' 20
sleep 0.5
t send-keys -t "$TARGET" Escape
sleep 1.5
save codex-approval-declined

# (e) Esc interrupt of a long turn
type_line "STANDIN_SLOW take your time"
wait_for 'esc to interrupt' 10
sleep 1.5
save codex-busy-slow
t send-keys -t "$TARGET" Escape
sleep 1.5
save codex-interrupted

# the process tree and the command tmux sees
t display -p -t "$TARGET" 'pane_current_command=#{pane_current_command} pane_pid=#{pane_pid}' >"$WORK/pane.txt"
ps -o pid,ppid,args --forest -g "$(t display -p -t "$TARGET" '#{pane_pid}')" >>"$WORK/pane.txt" 2>/dev/null || true

# open the warnings panel (F2) once, for the record, then close it
t send-keys -t "$TARGET" F2
sleep 1
save codex-warnings
t send-keys -t "$TARGET" Escape
sleep 0.5

# quit: one Ctrl-C on an empty composer exits and prints the resume hint
t send-keys -t "$TARGET" C-c
wait_for 'codex exited' 10 || { t send-keys -t "$TARGET" C-c; wait_for 'codex exited' 10; }
save codex-exited

# resume the last session: `codex resume --last`
TARGET="=res:"
t new-session -d -s res -x 120 -y 40 -c "$PROJ" \
    "env STANDIN_API_KEY=dummy CODEX_HOME=$WORK/home codex resume --last --no-daemon --dangerously-bypass-hook-trust; echo codex exited \$?; exec sleep 600"
wait_for 'Ask Codex to do anything' 30
sleep 1
save codex-resumed
t kill-session -t "$TARGET"

# without --dangerously-bypass-hook-trust, untrusted hooks stop Codex at a review screen first
TARGET="=rv:"
t new-session -d -s rv -x 120 -y 40 -c "$PROJ" \
    "env STANDIN_API_KEY=dummy CODEX_HOME=$WORK/home codex --no-daemon; echo codex exited \$?; exec sleep 600"
wait_for 'Hooks need review' 30
sleep 0.5
save codex-hooks-review
t kill-session -t "$TARGET"
TARGET="=cx:"

cp "$WORK/hooks.jsonl" "$OUT/codex-hooks-raw.jsonl"
cp "$WORK/alt.txt" "$OUT/codex-alternate-screen.txt"
cp "$WORK/pane.txt" "$OUT/codex-pane-process.txt"
python3 - "$WORK/hooks.jsonl" "$OUT" <<'PY'
import json, sys
log, out = sys.argv[1:]
seen = set()
notifies = []
for line in open(log):
    r = json.loads(line)
    tag = r["argv"][0]
    if tag == "notify":
        notifies.append(json.loads(r["argv"][-1]))
        continue
    ev = tag.removeprefix("hook-")
    if ev in seen:
        continue
    seen.add(ev)
    with open(f"{out}/codex-hook-{ev}.json", "w") as f:
        json.dump(r["stdin"], f, indent=2)
        f.write("\n")
# the notify of the user's own thread (not the title side-thread)
main = [n for n in notifies if not n["input-messages"][0].startswith("Generate a concise")]
with open(f"{out}/codex-notify.json", "w") as f:
    json.dump(main[0] if main else None, f, indent=2)
    f.write("\n")
with open(f"{out}/codex-notify-all.jsonl", "w") as f:
    for n in notifies:
        f.write(json.dumps(n) + "\n")
PY

# codex exec --json: a plain turn, and a turn that asks for an escalated command
(
    cd "$PROJ"
    STANDIN_API_KEY=dummy CODEX_HOME="$WORK/home" timeout 60 codex exec --json "hello there" \
        </dev/null >"$OUT/codex-exec.jsonl" 2>"$WORK/exec.err" || echo "exec exit $?" >&2
    STANDIN_API_KEY=dummy CODEX_HOME="$WORK/home" timeout 60 codex exec --json "STANDIN_APPROVAL from exec" \
        </dev/null >"$OUT/codex-exec-approval.jsonl" 2>>"$WORK/exec.err" || echo "exec exit $?" >&2
    STANDIN_API_KEY=dummy CODEX_HOME="$WORK/home" timeout 60 codex exec --json "STANDIN_SAFE run it" \
        </dev/null >"$OUT/codex-exec-command.jsonl" 2>>"$WORK/exec.err" || echo "exec exit $?" >&2
)
cp "$WORK/exec.err" "$OUT/codex-exec-stderr.txt"
python3 - "$WORK/requests.jsonl" "$OUT/codex-request-example.json" <<'PY'
import json, sys
# one Responses request as Codex sends it (long instruction texts cut)
for line in open(sys.argv[1]):
    r = json.loads(line)
    b = r.get("body") or {}
    if b.get("input") and any(i.get("type") == "function_call_output" for i in b["input"]):
        for it in b["input"]:
            for c in it.get("content") or []:
                if isinstance(c, dict) and len(c.get("text", "")) > 400:
                    c["text"] = c["text"][:400] + "...[cut]"
        for tool in b.get("tools") or []:
            if len(tool.get("description", "")) > 200:
                tool["description"] = tool["description"][:200] + "...[cut]"
        r["headers"].pop("authorization", None)
        json.dump({"headers": r["headers"], "body": b}, open(sys.argv[2], "w"), indent=2)
        break
PY
echo "captures written to $OUT" >&2

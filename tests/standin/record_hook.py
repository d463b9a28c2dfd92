#!/usr/bin/env python3
"""Record one hook / notify invocation, for tests and fixture capture.

Usage (as a Codex `notify` program or a Codex / Claude Code hook command):
    record_hook.py OUTFILE [ARGS...]

Appends one JSON line to OUTFILE:
    {"ts", "argv": [ARGS...], "stdin": <parsed JSON or raw text or null>,
     "cwd", "env": {MINDER_*, TMUX, TMUX_PANE, CODEX_*, CLAUDE_*, ... that are set}}
Prints nothing and exits 0, so the agent carries on as if no hook ran.
"""
import json
import os
import sys
import time

KEEP = ("MINDER_", "TMUX", "CODEX_", "CLAUDE", "STANDIN_")


def main():
    if len(sys.argv) < 2:
        sys.exit(0)
    out = sys.argv[1]
    data = None
    if not sys.stdin.isatty():
        try:
            raw = sys.stdin.read()
        except (OSError, ValueError):
            raw = ""
        if raw:
            try:
                data = json.loads(raw)
            except ValueError:
                data = raw
    rec = {
        "ts": time.time(),
        "argv": sys.argv[2:],
        "stdin": data,
        "cwd": os.getcwd(),
        "ppid": os.getppid(),
        "env": {k: v for k, v in os.environ.items() if k.startswith(KEEP)},
    }
    with open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main()

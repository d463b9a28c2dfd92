#!/bin/bash
# claude_home.sh HOME_DIR PROJECT_DIR API_KEY [HOOK_LOG]
#
# Writes a HOME for running the real Claude Code offline against the Messages
# stand-in, with no first-run screens:
#   - ~/.claude.json: onboarding done, theme chosen, the custom API key's last
#     20 characters pre-approved ("Detected a custom API key" prompt), and
#     PROJECT_DIR's trust dialog accepted
#   - ~/.claude/settings.json: manual permission mode and no pre-grants (so Bash asks), and with
#     HOOK_LOG, hooks for SessionStart, UserPromptSubmit, PreToolUse,
#     PermissionRequest, PostToolUse, Notification, Stop, SessionEnd that append
#     their stdin JSON to HOOK_LOG via record_hook.py
# Run claude with HOME=HOME_DIR ANTHROPIC_BASE_URL=http://127.0.0.1:PORT
# ANTHROPIC_API_KEY=API_KEY DISABLE_AUTOUPDATER=1
# CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1.
set -euo pipefail
home=$1 proj=$2 key=$3 hooklog=${4:-}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$home/.claude"
version="$(claude --version 2>/dev/null | awk '{print $1}')"
python3 - "$home" "$proj" "$key" "$hooklog" "$here/record_hook.py" "${version:-0}" <<'PY'
import json, shlex, sys
home, proj, key, hooklog, rec, version = sys.argv[1:]
state = {
    "hasCompletedOnboarding": True,
    "lastOnboardingVersion": version,
    "theme": "dark",
    "autoUpdates": False,
    "customApiKeyResponses": {"approved": [key[-20:]], "rejected": []},
    # 2.1.332 announces auto mode once, and offers it at every start in manual mode.
    "hasSeenAutoDefaultNotice": True,
    "hasSeenAutoDefaultNudge": True,
    "projects": {
        proj: {
            "hasTrustDialogAccepted": True,
            "hasCompletedProjectOnboarding": True,
            "allowedTools": [],
        }
    },
}
with open(f"{home}/.claude.json", "w") as f:
    json.dump(state, f, indent=2)
# Manual permissions (2.1.332 defaults to auto mode, which asks nothing): Bash asks.
settings = {"permissions": {"defaultMode": "default"}}
if hooklog:
    events = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest",
              "PostToolUse", "Notification", "Stop", "SessionEnd"]
    settings["hooks"] = {
        e: [{"matcher": "*", "hooks": [{"type": "command",
            "command": f"{shlex.quote(rec)} {shlex.quote(hooklog)} hook-{e}"}]}]
        for e in events
    }
with open(f"{home}/.claude/settings.json", "w") as f:
    json.dump(settings, f, indent=2)
PY

#!/bin/bash
# codex_home.sh CODEX_HOME PORT PROJECT_DIR [HOOK_LOG]
#
# Writes a CODEX_HOME that runs the real Codex CLI offline against the
# Responses stand-in on 127.0.0.1:PORT, with no first-run screens:
#   - custom model provider (wire_api = "responses", env_key STANDIN_API_KEY:
#     export STANDIN_API_KEY=dummy when running codex)
#   - model gpt-5.5 (in Codex's bundled catalog, so no "Model metadata not
#     found" warning, and it gets plain function tools such as exec_command;
#     the gpt-6* models use "code mode" tools instead) with its "Meet GPT-6 Sol"
#     migration prompt marked as already answered
#   - PROJECT_DIR trusted (no "trust this folder" screen)
#   - approval_policy on-request + workspace-write sandbox: a command the model
#     sends with sandbox_permissions = "require_escalated" shows the approval
#     overlay
#   - no update check, no analytics, screen-reader prompt marked done
# With HOOK_LOG, also `notify` and hooks.json (SessionStart, UserPromptSubmit,
# PreToolUse, PermissionRequest, PostToolUse, Stop) that append to HOOK_LOG
# via record_hook.py. Hooks written here are not "trusted": run codex with
# --dangerously-bypass-hook-trust, or it first shows "Hooks need review".
set -euo pipefail
home=$1 port=$2 proj=$3 hooklog=${4:-}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$home"
{
    echo 'model = "gpt-5.5"'
    echo 'model_provider = "standin"'
    echo 'approval_policy = "on-request"'
    echo 'sandbox_mode = "workspace-write"'
    echo 'check_for_update_on_startup = false'
    if [ -n "$hooklog" ]; then
        echo "notify = [\"$here/record_hook.py\", \"$hooklog\", \"notify\"]"
    fi
    cat <<EOF

[analytics]
enabled = false

[model_providers.standin]
name = "Stand-in"
base_url = "http://127.0.0.1:$port/v1"
wire_api = "responses"
env_key = "STANDIN_API_KEY"

[projects."$proj"]
trust_level = "trusted"

[tui]
screen_reader_detection_done = true

[notice.model_migrations]
"gpt-5.5" = "gpt-6-sol"
EOF
} >"$home/config.toml"

if [ -n "$hooklog" ]; then
    python3 - "$home/hooks.json" "$here/record_hook.py" "$hooklog" <<'EOF'
import json, shlex, sys
out, rec, log = sys.argv[1:]
events = ["SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest", "PostToolUse", "Stop"]
hooks = {
    e: [{"hooks": [{"type": "command",
                    "command": f"{shlex.quote(rec)} {shlex.quote(log)} hook-{e}",
                    "timeout": 10}]}]
    for e in events
}
with open(out, "w") as f:
    json.dump({"hooks": hooks}, f, indent=2)
EOF
fi

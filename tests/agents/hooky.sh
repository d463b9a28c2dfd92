#!/bin/sh
# Reports its state through `minder notify` ($1 = minder binary), as Codex and Claude Code do.
minder="$1"
echo "working on it"
printf '{"hook_event_name":"UserPromptSubmit","session_id":"s-1","prompt":"go"}' | "$minder" notify
sleep 0.5
printf '{"hook_event_name":"PermissionRequest","session_id":"s-1","tool_name":"Bash"}' | "$minder" notify
read -r _grant
"$minder" notify '{"type":"agent-turn-complete","thread-id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","input-messages":["go"],"last-assistant-message":"All tests pass."}'
read -r _more

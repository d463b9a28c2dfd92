#!/bin/sh
# An agent that leaves a family behind: a `setsid` child (its own session), a `nohup` child in
# the background, a double-forked grandchild (orphaned at once), and one of them ignoring
# SIGTERM. Their pids go to $1, one per line. Then: `exit` ends the agent at once, `stay` waits.
# shellcheck disable=SC2016  # each child writes its own pid: $$ is expanded by that sh
pids=$1
setsid sh -c 'echo $$ >> "$0"; exec sleep 1000' "$pids" &
nohup sh -c 'echo $$ >> "$0"; exec sleep 1001' "$pids" >/dev/null 2>&1 &
( sh -c 'echo $$ >> "$0"; exec sleep 1002' "$pids" & ) 
setsid sh -c 'trap "" TERM; echo $$ >> "$0"; while :; do sleep 1; done' "$pids" &
# Until four are written: before the first child writes there is no file and no count, which
# `-lt 4` would take for the end of the wait.
until [ "$(wc -l 2>/dev/null < "$pids")" -ge 4 ] 2>/dev/null; do sleep 0.05; done
echo "family running"
if [ "$2" = exit ]; then exit 0; fi
while :; do sleep 1; done

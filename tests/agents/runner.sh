#!/bin/sh
# An "agent" that runs the shell scripts a test drops in DIR (1.sh, 2.sh, ...) one after
# another, in the agent's own environment, and leaves each one's output (N.out) and exit code
# (N.rc) beside it. It reads nothing from minder, so it keeps working whatever the test does
# to the session's record.
dir=$1
n=1
echo "runner ready in $(pwd)"
while :; do
  while [ ! -f "$dir/$n.sh" ]; do sleep 0.05; done
  sh "$dir/$n.sh" > "$dir/$n.out" 2>&1
  echo $? > "$dir/$n.rc.tmp" && mv "$dir/$n.rc.tmp" "$dir/$n.rc"
  n=$((n+1))
done

#!/bin/sh
# A tiny "agent" that runs each line it is sent as a shell command and reports the exit code,
# so a test can drive git from inside the agent's own environment.
echo "shell agent ready in $(pwd)"
while IFS= read -r line; do
  sh -c "$line"
  echo "rc=$?"
done

#!/bin/sh
# Commits one file in its directory (the session's worktree) and exits 0: `$1` the file, `$2`
# its content.
printf '%s\n' "$2" > "$1"
git add -- "$1" && git commit -q -m "agent: write $1" && echo "committed $1"

#!/bin/sh
# Regenerate the shipped completions and man page from the current CLI (tests/it/plugin.rs fails
# when they are stale).
cd "$(dirname "$0")/.." || exit 1
for s in bash:minder.bash zsh:_minder fish:minder.fish; do
    cargo run -q --locked -- completions "${s%%:*}" > "shell/completions/${s#*:}" || exit 1
done
mkdir -p shell/man && cargo run -q --locked -- man > shell/man/minder.1

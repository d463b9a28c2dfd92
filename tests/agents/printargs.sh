#!/bin/sh
# Prints each argument between markers, so a test can check argv arrived unchanged.
for a in "$@"; do printf '<%s>\n' "$a"; done
printf 'cwd=%s\n' "$(pwd)"
printf 'session=%s dir=%s\n' "$MINDER_SESSION" "$MINDER_DIR"
printf 'secret_env=%s\n' "${FROM_CALLER:-unset}"

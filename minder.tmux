#!/usr/bin/env bash
# TPM runs the *.tmux files at the top of a plugin's repository: hand over to the real plugin.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tmux/minder.tmux" "$@"

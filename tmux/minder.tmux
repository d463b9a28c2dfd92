#!/usr/bin/env bash
# minder's tmux plugin (TPM entry file; also loadable with `run-shell /path/to/minder.tmux`).
# It turns `#{minder_status}` in status-left/right into `#{@minder-status}`, an option minder
# itself pushes on every state change, so a status refresh costs no process. It binds the review
# popup and the agent picker, and owns only the options and the hook slot named below.
# Loading it again changes nothing.

# Interface version of this plugin, recorded in @minder-plugin.
readonly PLUGIN_VERSION=1
# The fixed slot of our client-attached hook: reloading overwrites it instead of appending.
readonly HOOK_SLOT=947

plugin_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P) || exit 0
repo_dir=$(dirname -- "$plugin_dir")
tmux_bin=${MINDER_TMUX:-tmux}

t() { "$tmux_bin" "$@"; }

# quote, format_escape
# shellcheck source=tmux/quote.sh
source "$plugin_dir/quote.sh"

# Say it where it can be seen: the client's message line, and the output of a manual
# `run-shell` (TPM discards it).
hint() {
    printf 'minder: %s\n' "$1"
    t display-message "minder: $1" 2>/dev/null
    exit 0
}

# One round trip for what we need to know (this also works before any session exists). The
# segment is this server's own: minder is told its socket, whatever MINDER_TMUX_SOCKET says.
IFS=$'\x1f' read -r socket minder review_key pick_key < <(
    t display-message -p $'#{socket_path}\x1f#{@minder-bin}\x1f#{@minder-review-key}\x1f#{@minder-pick-key}'
)
[[ -n $socket ]] || exit 0

# The binary: @minder-bin, else minder on PATH, else a build next to this plugin.
if [[ -n $minder ]]; then
    [[ -x $minder ]] || hint "@minder-bin ($minder) is not an executable file"
elif ! minder=$(type -P minder); then
    for minder in "$repo_dir/target/release/minder" "$repo_dir/target/debug/minder" ""; do
        [[ -x $minder ]] && break
    done
    [[ -n $minder ]] || hint "binary not found: install it (cargo install --path $repo_dir) or set @minder-bin"
fi

# Placeholders: only where the user wrote one; the rest of the value is kept as is.
placeholder='#{minder_status}'
segment='#{@minder-status}'
writes=()
for side in status-left status-right; do
    value=$(t show-option -gqv "$side")
    if [[ $value == *"$placeholder"* ]]; then
        writes+=(set-option -g "$side" "${value//"$placeholder"/$segment}" \;)
    fi
done

version=$("$minder" --version 2>/dev/null)

push="$(quote "$(format_escape "$minder")") --socket-path '#{socket_path}' status-line --push >/dev/null 2>&1"
# display-popup expands formats in its command: a `#` in a path is doubled.
popup=$(format_escape "MINDER_BIN=$(quote "$minder") exec $(quote "$plugin_dir/review-popup.sh")")
dash=$(format_escape "exec $(quote "$minder") dash")

t "${writes[@]}" \
    set-option -g @minder-plugin "$plugin_dir/minder.tmux v$PLUGIN_VERSION (${version:-minder})" \; \
    set-option -g @minder-bin "$minder" \; \
    set-hook -g "client-attached[$HOOK_SLOT]" "run-shell -b $(quote "$push")" \; \
    bind-key "${review_key:-R}" display-popup -E -w 90% -h 90% "$popup" \; \
    bind-key "${pick_key:-A}" display-popup -E -w 90% -h 90% "$dash" \
    || exit 0

# Show the agents already running now, not at the next state change.
"$minder" --socket-path "$socket" status-line --push </dev/null >/dev/null 2>&1 &
exit 0

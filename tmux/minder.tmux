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

# Quote for /bin/sh, and equally for tmux's command parser: inside single quotes neither
# expands anything, and a quote is closed, escaped and reopened.
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# run-shell expands formats in its command: keep a `#` in a path literal.
format_escape() { printf '%s' "${1//#/##}"; }

hint() { t display-message "minder: $1" 2>/dev/null; exit 0; }

find_minder() {
    local bin
    bin=$(t show-option -gqv @minder-bin)
    if [[ -n $bin ]]; then
        [[ -x $bin ]] || hint "@minder-bin ($bin) is not an executable file"
        printf '%s' "$bin"
        return
    fi
    if bin=$(type -P minder); then
        printf '%s' "$bin"
        return
    fi
    for bin in "$repo_dir/target/release/minder" "$repo_dir/target/debug/minder"; do
        if [[ -x $bin ]]; then
            printf '%s' "$bin"
            return
        fi
    done
    hint "binary not found: install it (cargo install --path $repo_dir) or set @minder-bin"
}

minder=$(find_minder) || exit 0
[[ -n $minder ]] || exit 0

# The segment is the server's own: name it by socket path, whatever MINDER_TMUX_SOCKET says.
socket=$(t display-message -p '#{socket_path}') || exit 0

# Placeholders: only where the user wrote one; the rest of the value is kept as is.
placeholder='#{minder_status}'
segment='#{@minder-status}'
writes=()
for side in status-left status-right; do
    value=$(t show-option -gqv "$side")
    if [[ $value == *"$placeholder"* ]]; then
        writes+=(set-option -g "$side" "${value//"$placeholder"/"$segment"}" \;)
    fi
done

review_key=$(t show-option -gqv @minder-review-key)
pick_key=$(t show-option -gqv @minder-pick-key)
version=$("$minder" --version 2>/dev/null)

push="$(quote "$(format_escape "$minder")") --socket-path '#{socket_path}' status-line --push >/dev/null 2>&1"
popup="MINDER_BIN=$(quote "$minder") exec $(quote "$plugin_dir/review-popup.sh")"
# choose-tree -f shows every session when none matches: check first, without a process.
has_agents='#{S:#{?@minder,1,}}'

t "${writes[@]}" \
    set-option -g @minder-plugin "$plugin_dir/minder.tmux v$PLUGIN_VERSION (${version:-minder})" \; \
    set-option -g @minder-bin "$minder" \; \
    set-hook -g "client-attached[$HOOK_SLOT]" "run-shell -b $(quote "$push")" \; \
    bind-key "${review_key:-R}" display-popup -E -w 90% -h 90% "$popup" \; \
    bind-key "${pick_key:-A}" if-shell -F "$has_agents" \
        "choose-tree -Zs -f '#{@minder}'" \
        "display-message 'minder: no agent sessions'" \
    || exit 0

# Show the agents already running now, not at the next state change.
"$minder" --socket-path "$socket" status-line --push </dev/null >/dev/null 2>&1 &
exit 0

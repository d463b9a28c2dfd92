#!/usr/bin/env bash
# The review popup (prefix R): the report of one session that needs a person, then one key to
# answer its question (y/n), approve, reject, attach, see the full diff, stop, or go to the next one.
#
# Usage: review-popup.sh [NAME]
# With no NAME: the first session needing a person, in attention order (waiting, review, failed,
# lost, stuck).
# MINDER_BIN names the minder binary (minder.tmux sets it), else `minder` on PATH.

plugin_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
tmux_bin=${MINDER_TMUX:-tmux}
minder=${MINDER_BIN:-}
if [[ -z $minder ]]; then
    minder=$(type -P minder) || for minder in "$plugin_dir/../target/release/minder" "$plugin_dir/../target/debug/minder"; do
        [[ -x $minder ]] && break
    done
fi

if [[ -t 1 ]]; then
    bold=$'\e[1m' dim=$'\e[2m' reset=$'\e[0m'
else
    bold='' dim='' reset=''
fi

# quote, format_escape
# shellcheck source=tmux/quote.sh
source "$plugin_dir/quote.sh"

any_key() {
    printf '%s' "${dim}${1:-Press any key to close.}${reset}"
    read -rsn1 _
    printf '\n'
}

# Sessions that need a person, in the one attention order `minder ls` lists in: waiting (an
# agent held up until you answer), review, failed, lost, stuck. `minder _list` prints one line
# per session: name, state, and whether its tmux session is gone, tab-separated.
queue() {
    local name state _
    "$minder" _list 2>/dev/null | while IFS=$'\t' read -r name state _; do
        case $state in
            waiting | review | failed | lost | stuck) printf '%s\n' "$name" ;;
        esac
    done
}

# Whether session `$1`'s tmux session is gone (ended, its server restarted).
tmux_gone() {
    local name state tmux
    while IFS=$'\t' read -r name state tmux; do
        [[ $name == "$1" ]] && { [[ $tmux == gone ]]; return; }
    done < <("$minder" _list 2>/dev/null)
    return 1
}

# The session after `$1` in the queue (wrapping around), or nothing when no other one waits.
next_after() {
    local -a names=()
    local i
    while IFS= read -r i; do names+=("$i"); done < <(queue)
    for i in "${!names[@]}"; do
        if [[ ${names[i]} == "$1" ]]; then
            names=("${names[@]:i+1}" "${names[@]:0:i}")
            break
        fi
    done
    for i in "${names[@]}"; do
        [[ $i != "$1" ]] && { printf '%s' "$i"; return; }
    done
}

menu() {
    printf '\n%sminder review %s%s\n' "$bold" "$name" "$reset"
    printf '%sy%s/%sn%s answer its question  %sa%s approve  %sr%s reject  %st%s attach  %sd%s diff  %ss%s stop  %sj%s next  %sq%s quit\n' \
        "$bold" "$reset" "$bold" "$reset" "$bold" "$reset" "$bold" "$reset" "$bold" "$reset" "$bold" "$reset" "$bold" "$reset" "$bold" "$reset" "$bold" "$reset"
}

# The report, through less when it is taller than the popup.
show_report() {
    local report rows
    clear
    report=$("$minder" --color always review -- "$name" 2>&1)
    rows=$(tput lines 2>/dev/null) || rows=${LINES:-24}
    if (($(wc -l <<<"$report") > rows - 4)) && type -P less >/dev/null; then
        less -R -Ps"minder review $name - q for the menu" <<<"$report"
        clear
    else
        printf '%s\n' "$report"
    fi
    menu
}

# y / n: answer the question the agent asks now (minder refuses when it asks nothing).
answer() {
    "$minder" answer -- "$name" "$1" && printf 'Answered %s: %s.\n' "$name" "$1"
}

approve() {
    local note
    local -a args=(approve)
    read -rep "Note (optional, Enter for none): " note
    [[ -n $note ]] && args+=(--note "$note")
    "$minder" "${args[@]}" -- "$name" && printf 'Approved %s.\n' "$name" && move_on
}

reject() {
    local note
    read -rep "Note for the agent (required; Enter alone cancels): " note
    if [[ -z $note ]]; then
        printf 'Not rejected.\n'
        return
    fi
    "$minder" reject --note "$note" -- "$name" && printf 'Rejected %s; the note went to the agent.\n' "$name" && move_on
}

# After a decision: on to the next session that needs the person, or close when none does.
move_on() {
    local next
    next=$(next_after "$name")
    if [[ -z $next ]]; then
        any_key "No other session needs you. Press any key to close."
        exit 0
    fi
    sleep 0.5
    name=$next
    show_report
    skip_menu=1
}

stop() {
    local answer
    printf 'Stop %s? [y/N] ' "$name"
    read -rsn1 answer
    printf '\n'
    if [[ $answer == [yY] ]]; then
        "$minder" stop -- "$name" && printf 'Stopped %s.\n' "$name"
    fi
}

# Close the popup first, then switch the client: tmux runs the attach once the popup is gone.
# A session whose tmux session is gone (ended, its server restarted) has only its log to show.
attach() {
    # A failed agent's dead pane is still there to see.
    if tmux_gone "$name"; then
        if type -P less >/dev/null; then
            "$minder" logs -- "$name" 2>&1 | less -R -Ps"log of $name (its tmux session is gone) - q for the menu"
        else
            "$minder" logs -n 40 -- "$name" 2>&1
        fi
        clear
        show_report
        skip_menu=1
        return
    fi
    if [[ -z ${TMUX:-} ]]; then
        exec "$minder" attach -- "$name"
    fi
    "$tmux_bin" run-shell -b "$(format_escape "sleep 0.2; $(quote "$minder") attach -- $(quote "$name") 2>&1")"
    exit 0
}

name=${1:-}
if [[ -z $name ]]; then
    name=$(queue | head -n 1)
    if [[ -z $name ]]; then
        printf 'minder: no session needs review.\n'
        any_key
        exit 0
    fi
fi

show_report
while :; do
    skip_menu=0
    printf '> '
    IFS= read -rsn1 key || exit 0
    printf '%s\n' "$key"
    case $key in
        y) answer yes ;;
        n) answer no ;;
        a) approve ;;
        r) reject ;;
        t) attach ;;
        d)
            "$minder" review --diff -- "$name"
            menu
            continue
            ;;
        s) stop ;;
        j | ' ')
            next=$(next_after "$name")
            if [[ -z $next ]]; then
                printf 'No other session needs review.\n'
            else
                name=$next
                show_report
            fi
            continue
            ;;
        q | $'\e')
            exit 0
            ;;
        *)
            menu
            continue
            ;;
    esac
    ((skip_menu)) || menu
done

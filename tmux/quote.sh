# shellcheck shell=bash
# Quoting shared by the plugin (minder.tmux) and the review popup (review-popup.sh), sourced by
# both. Rust's side of the same rules is src/tmux/quote.rs.

# Quote for /bin/sh, and equally for tmux's command parser: inside single quotes neither
# expands anything, and a quote is closed, escaped and reopened.
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# For text tmux expands as a format (run-shell's command, a popup's): every `#` doubled, except
# a run of them right before `[`, which tmux copies as it is (a style, `#[...]`); doubling that
# would leave `##[` behind.
format_escape() {
    local rest=$1 out='' run
    while [[ $rest =~ ^([^#]*)(#+)(.*)$ ]]; do
        out+=${BASH_REMATCH[1]}
        run=${BASH_REMATCH[2]}
        rest=${BASH_REMATCH[3]}
        [[ $rest == \[* ]] || run+=$run
        out+=$run
    done
    printf '%s' "$out$rest"
}

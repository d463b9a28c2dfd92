# minder login summary for zsh: source it from ~/.zshrc.
# Outside tmux, an interactive shell prints one line when agents are running or need you:
#   minder: 2 working, 1 waiting (billing) — minder attach
# It costs one short process that reads minder's records only (no tmux call).
if [[ -o interactive && -z ${TMUX-} ]] && (( ${+commands[minder]} )); then
    minder status-line --summary 2>/dev/null
fi

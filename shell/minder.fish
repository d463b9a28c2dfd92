# minder login summary for fish: source it from ~/.config/fish/config.fish
# (or copy it to ~/.config/fish/conf.d/minder.fish).
# Outside tmux, an interactive shell prints one line when agents are running or need you:
#   minder: 2 working, 1 waiting (billing) — minder attach
# It costs one short process that reads minder's records only (no tmux call).
if status is-interactive; and test -z "$TMUX"; and command -q minder
    minder status-line --summary 2>/dev/null
end

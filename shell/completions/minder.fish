# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_minder_global_optspecs
    string join \n config= L/socket-name= socket-path= color= q/quiet v/verbose h/help V/version
end

function __fish_minder_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_minder_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_minder_using_subcommand
    set -l cmd (__fish_minder_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c minder -n "__fish_minder_needs_command" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_needs_command" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_needs_command" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_needs_command" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_needs_command" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_needs_command" -s h -l help -d 'Print help'
complete -c minder -n "__fish_minder_needs_command" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_needs_command" -f -a "new" -d 'Start an agent in a new detached tmux session and print its name'
complete -c minder -n "__fish_minder_needs_command" -f -a "ls" -d 'List minder\'s sessions: live ones and those that need you'
complete -c minder -n "__fish_minder_needs_command" -f -a "show" -d 'Everything known of one session: metadata, state, exit, logs, events'
complete -c minder -n "__fish_minder_needs_command" -f -a "attach" -d 'Attach to a session (or switch to it, inside tmux)'
complete -c minder -n "__fish_minder_needs_command" -f -a "logs" -d 'Print a session\'s output without attaching'
complete -c minder -n "__fish_minder_needs_command" -f -a "send" -d 'Type text into the agent and press Enter, or press keys'
complete -c minder -n "__fish_minder_needs_command" -f -a "stop" -d 'Stop a session: interrupt the agent, then end it after a grace period'
complete -c minder -n "__fish_minder_needs_command" -f -a "rm" -d 'Remove a session\'s records, logs and worktree'
complete -c minder -n "__fish_minder_needs_command" -f -a "review" -d 'Show a session\'s review report, or the sessions that need review'
complete -c minder -n "__fish_minder_needs_command" -f -a "explain" -d 'Why a session is in its state: the deciding evidence and what it outranked'
complete -c minder -n "__fish_minder_needs_command" -f -a "answer" -d 'Answer the question the agent is asking now: yes, no, or a text'
complete -c minder -n "__fish_minder_needs_command" -f -a "approve" -d 'Approve a session\'s finished work: git push of it is allowed, `review.on_approve` runs'
complete -c minder -n "__fish_minder_needs_command" -f -a "reject" -d 'Reject a session\'s work and send the note to the agent as its next input'
complete -c minder -n "__fish_minder_needs_command" -f -a "apply" -d 'Apply an approved session\'s work to its base branch, then remove the session'
complete -c minder -n "__fish_minder_needs_command" -f -a "gc" -d 'Remove ended sessions and old logs past `logs.retention`'
complete -c minder -n "__fish_minder_needs_command" -f -a "restore" -d 'Re-create lost sessions (tmux server killed, reboot), or continue ended ones, with their resume command'
complete -c minder -n "__fish_minder_needs_command" -f -a "doctor" -d 'Check tmux, config, state dir, plugin and agent commands, and say what to do'
complete -c minder -n "__fish_minder_needs_command" -f -a "notify" -d 'Entry point for agent hooks: record an event and update the state at once'
complete -c minder -n "__fish_minder_needs_command" -f -a "wait" -d 'Block until every session reaches one of the states'
complete -c minder -n "__fish_minder_needs_command" -f -a "status-line" -d 'Print the status-line segment (tmux style markup) for the agents on this tmux server'
complete -c minder -n "__fish_minder_needs_command" -f -a "dash" -d 'The live dashboard: every agent, what it needs, and its screen'
complete -c minder -n "__fish_minder_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c minder -n "__fish_minder_needs_command" -f -a "man" -d 'Print the man page (roff) of the whole command line'
complete -c minder -n "__fish_minder_needs_command" -f -a "hosts" -d 'Show the hosts of the config: reachable or why not, latency, minder version, agents'
complete -c minder -n "__fish_minder_needs_command" -f -a "grep" -d 'Search the clean logs of every session'
complete -c minder -n "__fish_minder_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c minder -n "__fish_minder_using_subcommand new" -s C -l dir -d 'Directory to run in' -r -F
complete -c minder -n "__fish_minder_using_subcommand new" -s a -l agent -d 'Agent profile (codex, claude, aider, gemini, codex-exec, cmd, demo, or your own)' -r
complete -c minder -n "__fish_minder_using_subcommand new" -s b -l brief -d 'Brief file to hand the agent (saved as BRIEF.md in its checkpoint folder)' -r -F
complete -c minder -n "__fish_minder_using_subcommand new" -l goal -d 'The goal, written into the brief' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l allow -d 'Something the agent may do (repeatable)' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l deny -d 'Something the agent must not do (repeatable)' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l stop-when -d 'When the agent should stop and report (repeatable)' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l branch -d 'Branch for the worktree (default: minder/<task>)' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l base -d 'Base of the worktree branch (default: HEAD)' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l attempts -d 'Start N sessions on the same brief, each in its own worktree' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l check -d 'When it reaches review, run CMD in its directory (repeatable; replaces the profile\'s `check`): output saved as an artifact, exit code and time recorded, attempts ranked' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l sandbox -d 'What the agent may write, for this session (replaces the profile\'s `sandbox`)' -r -f -a "read-only\t''
workspace-write\t''
off\t''"
complete -c minder -n "__fish_minder_using_subcommand new" -l network -d 'Whether what the agent runs may use the network, for this session (replaces the profile\'s `network`)' -r -f -a "true\t''
false\t''"
complete -c minder -n "__fish_minder_using_subcommand new" -l max-tokens -d 'Token budget for this session (input + output; replaces the profile\'s `max_tokens`): past it the person is told, or the agent stopped with `on_budget = "stop"`' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l host -d 'Start it on this host of the config (`[hosts.NAME]`), with that host\'s config and profiles: -C is a path there (default: the remote home), a --brief file is sent as text' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand new" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand new" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand new" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand new" -s w -l worktree -d 'Run in a new git worktree on its own branch'
complete -c minder -n "__fish_minder_using_subcommand new" -l attach -d 'Attach to the session once it is started'
complete -c minder -n "__fish_minder_using_subcommand new" -l json -d 'Print the session as JSON'
complete -c minder -n "__fish_minder_using_subcommand new" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand new" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand new" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand ls" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand ls" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand ls" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand ls" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand ls" -l json -d 'Print JSON: {"version":1,"sessions":[...]}'
complete -c minder -n "__fish_minder_using_subcommand ls" -s a -l all -d 'Include ended sessions still on disk'
complete -c minder -n "__fish_minder_using_subcommand ls" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand ls" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand ls" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand show" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand show" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand show" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand show" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand show" -l json -d 'Print JSON: {"version":1,"session":{...}}'
complete -c minder -n "__fish_minder_using_subcommand show" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand show" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand show" -s h -l help -d 'Print help'
complete -c minder -n "__fish_minder_using_subcommand show" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand attach" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand attach" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand attach" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand attach" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand attach" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand attach" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand attach" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand logs" -s n -l lines -d 'Print only the last N lines' -r
complete -c minder -n "__fish_minder_using_subcommand logs" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand logs" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand logs" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand logs" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand logs" -s f -l follow -d 'Keep printing new output until the session ends'
complete -c minder -n "__fish_minder_using_subcommand logs" -l raw -d 'Print the raw bytes (escape sequences included)'
complete -c minder -n "__fish_minder_using_subcommand logs" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand logs" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand logs" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand send" -l key -d 'Press this key (a tmux key name: Escape, Enter, Tab, Up, C-c, M-x, F1, …); repeatable' -r
complete -c minder -n "__fish_minder_using_subcommand send" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand send" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand send" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand send" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand send" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand send" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand send" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand stop" -l note -d 'Why, recorded in the event log' -r
complete -c minder -n "__fish_minder_using_subcommand stop" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand stop" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand stop" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand stop" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand stop" -l force -d 'Do not wait: kill the agent at once'
complete -c minder -n "__fish_minder_using_subcommand stop" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand stop" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand stop" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand rm" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand rm" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand rm" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand rm" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand rm" -l force -d 'Remove even a live session (it is stopped first) or unmerged work'
complete -c minder -n "__fish_minder_using_subcommand rm" -l keep-logs -d 'Keep the logs (moved aside under the state dir\'s `kept-logs/`)'
complete -c minder -n "__fish_minder_using_subcommand rm" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand rm" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand rm" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand review" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand review" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand review" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand review" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand review" -l json -d 'Print JSON'
complete -c minder -n "__fish_minder_using_subcommand review" -l diff -d 'Show the full diff against the base (uncommitted changes included) through your pager'
complete -c minder -n "__fish_minder_using_subcommand review" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand review" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand review" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand review" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand explain" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand explain" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand explain" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand explain" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand explain" -l json -d 'Print JSON: {"version":1,"explain":{...}}'
complete -c minder -n "__fish_minder_using_subcommand explain" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand explain" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand explain" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand answer" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand answer" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand answer" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand answer" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand answer" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand answer" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand answer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand answer" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand approve" -l note -d 'Why, recorded in the event log' -r
complete -c minder -n "__fish_minder_using_subcommand approve" -l commit -d 'Approve this commit (HEAD or one of its ancestors) instead of the one your last `minder review` showed' -r
complete -c minder -n "__fish_minder_using_subcommand approve" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand approve" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand approve" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand approve" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand approve" -l json -d 'Print JSON: {"version":1,"session":{...},"message":"approved `NAME` ..."}'
complete -c minder -n "__fish_minder_using_subcommand approve" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand approve" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand approve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand approve" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand reject" -l note -d 'What to change: typed into the agent (safely, as `send` does) and recorded' -r
complete -c minder -n "__fish_minder_using_subcommand reject" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand reject" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand reject" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand reject" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand reject" -l json -d 'Print JSON: {"version":1,"session":{...},"message":"rejected `NAME` ..."}'
complete -c minder -n "__fish_minder_using_subcommand reject" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand reject" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand reject" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand reject" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand apply" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand apply" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand apply" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand apply" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand apply" -l squash -d 'One commit on the base branch, the goal as its message'
complete -c minder -n "__fish_minder_using_subcommand apply" -l no-rm -d 'Keep the session and its worktree afterwards'
complete -c minder -n "__fish_minder_using_subcommand apply" -l json -d 'Print what was done as JSON: {"version":1,"applied":{...}}'
complete -c minder -n "__fish_minder_using_subcommand apply" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand apply" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand apply" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand gc" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand gc" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand gc" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand gc" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand gc" -l dry-run -d 'Only say what would be removed'
complete -c minder -n "__fish_minder_using_subcommand gc" -l json -d 'Print JSON: {"version":1,"dry_run":false,"removed":{...},"kept":[...]}'
complete -c minder -n "__fish_minder_using_subcommand gc" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand gc" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand gc" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand gc" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand restore" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand restore" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand restore" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand restore" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand restore" -l json -d 'Print JSON: {"version":1,"restored":[...sessions],"failed":[{"name":..,"error":..}]}'
complete -c minder -n "__fish_minder_using_subcommand restore" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand restore" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand restore" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand doctor" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand doctor" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand doctor" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand doctor" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand doctor" -l json -d 'Print JSON: {"version":1,"ok":true,"checks":[{"check":"tmux","status":"ok",...}]}'
complete -c minder -n "__fish_minder_using_subcommand doctor" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand doctor" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c minder -n "__fish_minder_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand notify" -l session -d 'The session the event belongs to' -r
complete -c minder -n "__fish_minder_using_subcommand notify" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand notify" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand notify" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand notify" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand notify" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand notify" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand notify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand notify" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand wait" -l until -d 'States to wait for, comma-separated: working, waiting, stuck, review, approved, rejected, failed, stopped, lost, exit' -r
complete -c minder -n "__fish_minder_using_subcommand wait" -l timeout -d 'Give up after this long ("90s", "10m"); exit 124' -r
complete -c minder -n "__fish_minder_using_subcommand wait" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand wait" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand wait" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand wait" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand wait" -l json -d 'Print JSON when done: {"version":1,"outcome":"reached","exit_code":0,"sessions":[...],...}'
complete -c minder -n "__fish_minder_using_subcommand wait" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand wait" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand wait" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand status-line" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand status-line" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand status-line" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand status-line" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand status-line" -l push -d 'Also push the segment into @minder-status on the tmux server'
complete -c minder -n "__fish_minder_using_subcommand status-line" -l summary -d 'Print the one-line summary for a login shell instead (nothing when no agents)'
complete -c minder -n "__fish_minder_using_subcommand status-line" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand status-line" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand status-line" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand status-line" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand dash" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand dash" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand dash" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand dash" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand dash" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand dash" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand dash" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand dash" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand completions" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand completions" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand completions" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand completions" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand completions" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand completions" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand completions" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand man" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand man" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand man" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand man" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand man" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand man" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand man" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand hosts" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand hosts" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand hosts" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand hosts" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand hosts" -l json -d 'Print JSON: {"version":1,"hosts":[{"name","status","latency_ms","minder","sessions","error"}]}'
complete -c minder -n "__fish_minder_using_subcommand hosts" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand hosts" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand hosts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand hosts" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand grep" -l since -d 'Only sessions active within this long (e.g. `2h`, `3d`)' -r
complete -c minder -n "__fish_minder_using_subcommand grep" -l config -d 'Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)' -r -F
complete -c minder -n "__fish_minder_using_subcommand grep" -s L -l socket-name -d 'tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux\'s default)' -r
complete -c minder -n "__fish_minder_using_subcommand grep" -l socket-path -d 'tmux server socket path, as tmux -S (used by minder\'s own hooks)' -r -F
complete -c minder -n "__fish_minder_using_subcommand grep" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c minder -n "__fish_minder_using_subcommand grep" -s a -l all -d 'Also ended sessions `ls` hides (stopped, and decided ones that ended)'
complete -c minder -n "__fish_minder_using_subcommand grep" -s i -l ignore-case -d 'Match case-insensitively'
complete -c minder -n "__fish_minder_using_subcommand grep" -l json -d 'Print JSON: {"version":1,"matches":[{"session","line","text"}]}'
complete -c minder -n "__fish_minder_using_subcommand grep" -s q -l quiet -d 'Print nothing on stderr but errors'
complete -c minder -n "__fish_minder_using_subcommand grep" -s v -l verbose -d 'Log what minder does to stderr (more with -vv; filter with MINDER_LOG)'
complete -c minder -n "__fish_minder_using_subcommand grep" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c minder -n "__fish_minder_using_subcommand grep" -s V -l version -d 'Print version'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "new" -d 'Start an agent in a new detached tmux session and print its name'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "ls" -d 'List minder\'s sessions: live ones and those that need you'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "show" -d 'Everything known of one session: metadata, state, exit, logs, events'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "attach" -d 'Attach to a session (or switch to it, inside tmux)'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "logs" -d 'Print a session\'s output without attaching'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "send" -d 'Type text into the agent and press Enter, or press keys'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "stop" -d 'Stop a session: interrupt the agent, then end it after a grace period'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "rm" -d 'Remove a session\'s records, logs and worktree'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "review" -d 'Show a session\'s review report, or the sessions that need review'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "explain" -d 'Why a session is in its state: the deciding evidence and what it outranked'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "answer" -d 'Answer the question the agent is asking now: yes, no, or a text'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "approve" -d 'Approve a session\'s finished work: git push of it is allowed, `review.on_approve` runs'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "reject" -d 'Reject a session\'s work and send the note to the agent as its next input'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "apply" -d 'Apply an approved session\'s work to its base branch, then remove the session'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "gc" -d 'Remove ended sessions and old logs past `logs.retention`'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "restore" -d 'Re-create lost sessions (tmux server killed, reboot), or continue ended ones, with their resume command'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "doctor" -d 'Check tmux, config, state dir, plugin and agent commands, and say what to do'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "notify" -d 'Entry point for agent hooks: record an event and update the state at once'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "wait" -d 'Block until every session reaches one of the states'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "status-line" -d 'Print the status-line segment (tmux style markup) for the agents on this tmux server'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "dash" -d 'The live dashboard: every agent, what it needs, and its screen'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "completions" -d 'Print shell completions'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "man" -d 'Print the man page (roff) of the whole command line'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "hosts" -d 'Show the hosts of the config: reachable or why not, latency, minder version, agents'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "grep" -d 'Search the clean logs of every session'
complete -c minder -n "__fish_minder_using_subcommand help; and not __fish_seen_subcommand_from new ls show attach logs send stop rm review explain answer approve reject apply gc restore doctor notify wait status-line dash completions man hosts grep help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

# Session names: a NAME argument completes the sessions in the state dir (`minder _names`,
# which asks no tmux); everything else is the completion above.
function __fish_minder_session_word
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l vopts --color --config --socket-name --socket-path -L
    set -l sub ''
    set -l pos 0
    set -l skip 0
    set -l dashdash 0
    set -l index 0
    set -l many 0
    for w in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if test $dashdash = 0; and test -n "$sub"; and test "$w" = --
            set dashdash 1
            continue
        end
        if test $dashdash = 0; and string match -q -- '-*' $w
            contains -- $w $vopts; and set skip 1
            continue
        end
        if test -z "$sub"
            set sub $w
            switch $sub
            case show
                set index 0
                set many 0
            case attach
                set index 0
                set many 0
            case logs
                set -a vopts --lines -n
                set index 0
                set many 0
            case send
                set -a vopts --key
                set index 0
                set many 0
            case answer
                set index 0
                set many 0
            case stop
                set -a vopts --note
                set index 0
                set many 0
            case rm
                set index 0
                set many 0
            case review
                set index 0
                set many 0
            case explain
                set index 0
                set many 0
            case approve
                set -a vopts --commit --note
                set index 0
                set many 0
            case reject
                set -a vopts --note
                set index 0
                set many 0
            case apply
                set index 0
                set many 0
            case wait
                set -a vopts --timeout --until
                set index 0
                set many 1
            case restore
                set index 0
                set many 1
            case grep
                set -a vopts --since
                set index 1
                set many 1
            case '*'
                return 1
            end
            continue
        end
        set pos (math $pos + 1)
    end
    test -n "$sub"; and test $skip = 0; or return 1
    if test $dashdash = 0; and string match -q -- '-*' (commandline -ct)
        return 1
    end
    test $pos -eq $index; or begin; test $many = 1; and test $pos -gt $index; end
end

function __fish_minder_sessions
    set -l bin (commandline -opc)[1]
    set bin (string replace -r '^~' -- $HOME $bin)
    $bin _names -- (commandline -ct) 2>/dev/null
end

complete -c minder -n __fish_minder_session_word -f -a '(__fish_minder_sessions)'

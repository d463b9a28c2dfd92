//! The command line: global flags and the list of subcommands. Each subcommand's flags are the
//! `Args` struct of its file in `commands/`, whose doc comment is its help text.

use crate::commands;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Keep coding agents running in named tmux sessions, and see which one needs you.
///
/// minder starts each agent (Codex, Claude Code, aider, gemini-cli or any command) detached in
/// its own tmux session, logs everything it prints from the first byte, and tells you whether it
/// is working, waiting for you, stuck, or finished and ready for review.
#[derive(Parser, Debug)]
#[command(name = "minder", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Config file (default: $MINDER_CONFIG, else $XDG_CONFIG_HOME/minder/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// tmux server socket name, as tmux -L (default: $MINDER_TMUX_SOCKET, else tmux's default)
    #[arg(short = 'L', long = "socket-name", global = true, value_name = "NAME")]
    pub socket_name: Option<String>,

    /// tmux server socket path, as tmux -S (used by minder's own hooks)
    #[arg(long = "socket-path", global = true, value_name = "PATH", hide = true)]
    pub socket_path: Option<PathBuf>,

    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print nothing on stderr but errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Log what minder does to stderr (more with -vv; filter with MINDER_LOG)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// With no command on a terminal: the dash
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    New(commands::new::Args),
    Ls(commands::ls::Args),
    Show(commands::show::Args),
    Attach(commands::attach::Args),
    Logs(commands::logs::Args),
    Send(commands::send::Args),
    Stop(commands::stop::Args),
    Rm(commands::rm::Args),
    Review(commands::review::Args),
    Approve(commands::approve::Args),
    Reject(commands::reject::Args),
    Gc(commands::gc::Args),
    Restore(commands::restore::Args),
    Doctor(commands::doctor::Args),
    Notify(commands::notify::Args),
    Wait(commands::wait::Args),
    StatusLine(commands::status_line::Args),
    Dash(commands::dash::Args),
    Completions(commands::completions::Args),

    /// (internal) the log sink that tmux pipe-pane feeds
    #[command(name = "_sink", hide = true)]
    Sink(commands::sink::Args),
    /// (internal) pane-died hook: record the agent's exit
    #[command(name = "_pane-died", hide = true)]
    PaneDied(commands::pane_died::Args),
    /// (internal) start the agent inside its pane with the caller's environment
    #[command(name = "_exec", hide = true)]
    Exec(commands::exec::Args),
    /// (internal) a git hook: the push gate, then the repository's own hook
    #[command(name = "_git-hook", hide = true)]
    GitHook(commands::git_hook::Args),
    /// (internal) the built-in demo agent
    #[command(name = "_demo", hide = true)]
    Demo(commands::demo::Args),
}

//! The command line: global flags and one `Args` struct per subcommand, whose doc comments are
//! the help text. Dispatch hands each to its `run` in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
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
    New(NewArgs),
    Ls(LsArgs),
    Show(ShowArgs),
    Attach(AttachArgs),
    Logs(LogsArgs),
    Send(SendArgs),
    Stop(StopArgs),
    Rm(RmArgs),
    Review(ReviewArgs),
    Approve(ApproveArgs),
    Reject(RejectArgs),
    Gc(GcArgs),
    Restore(RestoreArgs),
    Doctor(DoctorArgs),
    Notify(NotifyArgs),
    Wait(WaitArgs),
    StatusLine(StatusLineArgs),
    Dash(crate::commands::dash::DashArgs),
    Completions(CompletionsArgs),

    /// (internal) the log sink that tmux pipe-pane feeds
    #[command(name = "_sink", hide = true)]
    Sink(SinkArgs),
    /// (internal) pane-died hook: record the agent's exit
    #[command(name = "_pane-died", hide = true)]
    PaneDied(PaneDiedArgs),
    /// (internal) start the agent inside its pane with the caller's environment
    #[command(name = "_exec", hide = true)]
    Exec(ExecArgs),
    /// (internal) a git hook: the push gate, then the repository's own hook
    #[command(name = "_git-hook", hide = true)]
    GitHook(GitHookArgs),
    /// (internal) the built-in demo agent
    #[command(name = "_demo", hide = true)]
    Demo(DemoArgs),
}

/// Start an agent in a new detached tmux session and print its name
///
/// The session runs in DIR (default: the current directory), logged from its first byte. The
/// agent comes from --agent (default: `default_agent` in the config); `-- COMMAND...` replaces
/// the profile's command, and with no --agent runs a plain command (profile `cmd`).
///
/// Examples:
///   minder new fix-login --goal "make the login test pass" --stop-when "tests pass"
///   minder new -a demo hello
///   minder new build -- cargo build --release
#[derive(Args, Debug, Default)]
#[command(verbatim_doc_comment)]
pub struct NewArgs {
    /// Task name (default: from --goal, or the command's name); slugged to [A-Za-z0-9_-]
    pub name: Option<String>,
    /// Directory to run in
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Agent profile (codex, claude, aider, gemini, codex-exec, cmd, demo, or your own)
    #[arg(short, long, value_name = "PROFILE")]
    pub agent: Option<String>,
    /// Brief file to hand the agent (saved as BRIEF.md in its checkpoint folder)
    #[arg(short, long, value_name = "FILE")]
    pub brief: Option<PathBuf>,
    /// The goal, written into the brief
    #[arg(long, value_name = "TEXT")]
    pub goal: Option<String>,
    /// Something the agent may do (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub allow: Vec<String>,
    /// Something the agent must not do (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub deny: Vec<String>,
    /// When the agent should stop and report (repeatable)
    #[arg(long = "stop-when", value_name = "TEXT")]
    pub stop_when: Vec<String>,
    /// Run in a new git worktree on its own branch
    #[arg(short, long)]
    pub worktree: bool,
    /// Branch for the worktree (default: minder/<task>)
    #[arg(long, value_name = "B")]
    pub branch: Option<String>,
    /// Base of the worktree branch (default: HEAD)
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Start N sessions on the same brief, each in its own worktree
    #[arg(long, value_name = "N")]
    pub attempts: Option<u32>,
    /// Attach to the session once it is started
    #[arg(long)]
    pub attach: bool,
    /// Print the session as JSON
    #[arg(long)]
    pub json: bool,
    /// Command to run instead of the profile's
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// List minder's sessions: live ones and those that need you
///
/// Ended sessions that need nothing more (stopped, approved) show with --all.
#[derive(Args, Debug)]
pub struct LsArgs {
    /// Print JSON: {"version":1,"sessions":[...]}
    #[arg(long)]
    pub json: bool,
    /// Include ended sessions still on disk
    #[arg(short, long)]
    pub all: bool,
}

/// Everything known of one session: metadata, state, exit, logs, events
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Print JSON: {"version":1,"session":{...}}
    #[arg(long)]
    pub json: bool,
}

/// Attach to a session (or switch to it, inside tmux)
///
/// With no NAME, the session that most needs attention: waiting, then review, then stuck, then
/// the most recent.
#[derive(Args, Debug)]
pub struct AttachArgs {
    /// Session: full name, task, or a unique prefix
    pub name: Option<String>,
}

/// Print a session's output without attaching
///
/// By default the clean text a person saw: colours stripped, carriage returns, backspaces and
/// erases applied, so a progress bar ends as its final line. --raw prints the recorded bytes.
#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Keep printing new output until the session ends
    #[arg(short, long)]
    pub follow: bool,
    /// Print only the last N lines
    #[arg(short = 'n', long, value_name = "N")]
    pub lines: Option<usize>,
    /// Print the raw bytes (escape sequences included)
    #[arg(long)]
    pub raw: bool,
}

/// Type text into the agent and press Enter
///
/// The text is sent literally (no key names), long or multi-line text through a paste buffer,
/// with the pause some agents need before Enter.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Text to type (words are joined by spaces)
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
    pub text: Vec<String>,
}

/// Stop a session: interrupt the agent, then end it after a grace period
///
/// Logs and checkpoints are kept; the state becomes `stopped`.
#[derive(Args, Debug)]
pub struct StopArgs {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Do not wait: kill the agent at once
    #[arg(long)]
    pub force: bool,
    /// Why, recorded in the event log
    #[arg(long, hide = true)]
    pub note: Option<String>,
}

/// Remove a session's records, logs and worktree
///
/// Refuses a live session, or a worktree with uncommitted or unmerged work, without --force.
#[derive(Args, Debug)]
pub struct RmArgs {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Remove even a live session (it is stopped first) or unmerged work
    #[arg(long)]
    pub force: bool,
    /// Keep the logs (moved aside under the state dir's `kept-logs/`)
    #[arg(long)]
    pub keep_logs: bool,
}

/// Show a session's review report, or the sessions that need review
///
/// The report: goal, plan progress, latest status, risks, diff against the base (uncommitted
/// changes included), test artifacts, last output. With no NAME: the sessions that need review,
/// attempts on the same brief side by side.
#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Session: full name, task, or a unique prefix
    pub name: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Show the full diff against the base (uncommitted changes included) through your pager
    #[arg(long, requires = "name")]
    pub diff: bool,
}

/// Approve a session's work: git push is allowed, `review.on_approve` runs
///
/// The state becomes `approved`.
///
/// on_approve runs with MINDER_SESSION, MINDER_DIR, MINDER_WORKTREE, MINDER_BRANCH and
/// MINDER_NOTE set, in the session's directory.
#[derive(Args, Debug)]
pub struct ApproveArgs {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Why, recorded in the event log
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Reject a session's work and send the note to the agent as its next input
///
/// The state becomes `rejected`, and `working` again once the agent resumes.
#[derive(Args, Debug)]
pub struct RejectArgs {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// What to change: typed into the agent (safely, as `send` does) and recorded
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Entry point for agent hooks: record an event and update the state at once
///
/// The event is the last argument (Codex `notify`) or JSON on stdin (Codex and Claude Code
/// hooks). The session is --session, else $MINDER_SESSION, else the one owning $TMUX_PANE.
/// minder wires this up itself for the agents it starts (Codex: `-c notify=[...]`, Claude
/// Code: `--settings`); `--claude-settings` prints the settings to add to Claude Code by hand.
#[derive(Args, Debug)]
pub struct NotifyArgs {
    /// The event as JSON (default: read stdin)
    pub json: Option<String>,
    /// The session the event belongs to
    #[arg(long, value_name = "NAME")]
    pub session: Option<String>,
}

/// Block until every session reaches one of the states
///
/// Exit 0 when all reached one, 1 when a session failed or was lost (or is gone), 124 on
/// timeout. `exit` means the agent ended, whatever its state.
///
/// Example: minder wait fix-login --until waiting,review --timeout 30m && minder show fix-login --json
#[derive(Args, Debug)]
pub struct WaitArgs {
    /// Sessions: full name, task, or a unique prefix
    #[arg(required = true)]
    pub names: Vec<String>,
    /// States to wait for, comma-separated: working, waiting, stuck, review, approved, rejected, failed, stopped, lost, exit
    #[arg(long, value_delimiter = ',', default_value = "waiting,review,exit")]
    pub until: Vec<String>,
    /// Give up after this long ("90s", "10m"); exit 124
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
}

/// Print the status-line segment (tmux style markup) for the agents on this tmux server
///
/// The tmux plugin shows it without running minder on each refresh: minder pushes it into the
/// global option @minder-status whenever a state changes.
#[derive(Args, Debug)]
pub struct StatusLineArgs {
    /// Also push the segment into @minder-status on the tmux server
    #[arg(long)]
    pub push: bool,
    /// Print the one-line summary for a login shell instead (nothing when no agents)
    #[arg(long)]
    pub summary: bool,
}

/// Remove ended sessions and old logs past `logs.retention`
///
/// Ended sessions (records, logs, clean worktrees) whose last activity is older than
/// `logs.retention` are removed, and rotated logs past it. Never a live session, never a
/// worktree with unsaved work.
#[derive(Args, Debug)]
pub struct GcArgs {
    /// Only say what would be removed
    #[arg(long)]
    pub dry_run: bool,
}

/// Re-create lost sessions (tmux server killed, reboot) with their resume command
///
/// Each comes back in its directory or worktree, appending to the same log.
/// Codex resumes its own thread (`codex resume <id>`) when a hook reported it, else
/// `codex resume --last`; a plain command runs again. With no NAME, every lost session.
#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// Sessions: full name, task, or a unique prefix (default: all lost ones)
    pub names: Vec<String>,
}

/// Check tmux, config, state dir, plugin and agent commands, and say what to do
#[derive(Args, Debug)]
pub struct DoctorArgs {}

/// Print shell completions
///
/// bash:  minder completions bash > ~/.local/share/bash-completion/completions/minder
/// zsh:   minder completions zsh > "${fpath[1]}/_minder"
/// fish:  minder completions fish > ~/.config/fish/completions/minder.fish
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// Shell to generate for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct SinkArgs {
    /// The session's record folder
    pub session_dir: PathBuf,
    /// Logging restarts after the previous sink died: mark the gap in the log
    #[arg(long)]
    pub resumed: bool,
}

#[derive(Args, Debug)]
pub struct PaneDiedArgs {
    pub session_dir: PathBuf,
    pub pane_id: String,
    #[arg(allow_hyphen_values = true)]
    pub status: String,
    pub signal: String,
    pub time: String,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// File holding the caller's environment (read, then deleted)
    #[arg(long)]
    pub env_file: Option<PathBuf>,
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct GitHookArgs {
    pub hook: String,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Continue a demo that was interrupted
    #[arg(long)]
    pub resume: bool,
    /// Anything else (the brief instruction) is shown, not obeyed
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

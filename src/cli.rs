//! The command line: global flags and the list of subcommands. Each subcommand's flags are the
//! `Args` struct of its file in `commands/`, whose doc comment is its help text; `dispatch`
//! hands each to its `run`.

use crate::app::Ctx;
use crate::commands;
use crate::tmux::Server;
use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
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

impl Cli {
    /// The two internal commands tmux starts for every session, `_exec` (the pane's process)
    /// and `_sink` (its log pipe), read without clap when they have exactly the shape minder
    /// writes (`ops::start`, `tmux::quote::sink_command`). Building clap's whole command line
    /// is a third of a minder's start-up, and these two start while `new` still waits for
    /// tmux's answer. Any other shape returns None and goes through clap as usual.
    pub fn internal(args: &[std::ffi::OsString]) -> Option<Cli> {
        let rest = args.get(2..)?;
        let command = match args.get(1)?.to_str()? {
            "_sink" => {
                let (dir, resumed) = match rest {
                    [dir] => (dir, false),
                    [dir, flag] if flag == "--resumed" => (dir, true),
                    _ => return None,
                };
                let dir = dir.to_str().filter(|d| d.starts_with('/'))?;
                Command::Sink(commands::sink::Args { session_dir: PathBuf::from(dir), resumed })
            }
            "_exec" => {
                let [env_flag, env_file, id_flag, minder_id, dashes, command @ ..] = rest else { return None };
                if env_flag != "--env-file" || id_flag != "--minder-id" || dashes != "--" || command.is_empty() {
                    return None;
                }
                let command = command.iter().map(|w| w.to_str().map(str::to_string)).collect::<Option<Vec<_>>>()?;
                Command::Exec(commands::exec::Args {
                    env_file: Some(PathBuf::from(env_file.to_str()?)),
                    minder_id: Some(minder_id.to_str()?.to_string()),
                    command,
                })
            }
            _ => return None,
        };
        Some(Cli {
            config: None,
            socket_name: None,
            socket_path: None,
            color: ColorChoice::Auto,
            quiet: false,
            verbose: 0,
            command: Some(command),
        })
    }
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
    Explain(commands::explain::Args),
    Answer(commands::answer::Args),
    Approve(commands::approve::Args),
    Reject(commands::reject::Args),
    Apply(commands::apply::Args),
    Gc(commands::gc::Args),
    Restore(commands::restore::Args),
    Doctor(commands::doctor::Args),
    Notify(commands::notify::Args),
    Wait(commands::wait::Args),
    StatusLine(commands::status_line::Args),
    Dash(commands::dash::Args),
    Completions(commands::completions::Args),
    Man(commands::man::Args),
    Hosts(commands::hosts::Args),
    Grep(commands::grep::Args),

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
    /// (internal) run the `[notify]` command for one transition, within its deadline
    #[command(name = "_tell", hide = true)]
    Tell(commands::tell::Args),
    /// (internal) run a session's checks now that it reached review
    #[command(name = "_check", hide = true)]
    Check(commands::check::Args),
    /// (internal) the session names shell completion offers
    #[command(name = "_names", hide = true)]
    Names(commands::names::Args),
    /// (internal) this machine's sessions, one line each, for the review popup
    #[command(name = "_list", hide = true)]
    List(commands::list::Args),
    /// (internal) answer one request from another machine's minder (`[hosts.NAME]`), on stdin
    #[command(name = "_serve", hide = true)]
    Serve(commands::serve::Args),
    /// (internal) watch one host's sessions for the status line and notifications
    #[command(name = "_watch", hide = true)]
    WatchHost(commands::watch_host::Args),
}

/// A tmux client started for `minder new` before its command line is parsed: `tmux
/// source-file -` on the server the environment names, starting and connecting to it while clap
/// parses, the config is read and the session prepared; it is handed its commands once the
/// record is written (`tmux::Tmux::start_early`). Started only for a command line that begins
/// `minder new`; `dispatch` keeps it only if the parsed command is a local `new` on the same
/// server, and a client never handed anything is killed (it ran nothing). (Started from a
/// thread instead, `new` measured 0.4 ms slower: the two compete for the same two CPUs.)
pub struct EarlyNew {
    tmux: crate::tmux::Tmux,
    client: Option<crate::tmux::Early>,
}

impl EarlyNew {
    pub fn start(args: &[std::ffi::OsString]) -> Option<EarlyNew> {
        if args.get(1).is_none_or(|a| a != "new") {
            return None;
        }
        let tmux = crate::tmux::Tmux::discover(chosen_server(None, None)).ok()?;
        let client = tmux.start_early();
        Some(EarlyNew { tmux, client })
    }
}

/// The tmux server a command works with: `-L NAME`, else `--socket-path`, else
/// `$MINDER_TMUX_SOCKET`, else tmux's own default.
fn chosen_server(name: Option<&str>, path: Option<&std::path::Path>) -> Server {
    match (name, path) {
        (Some(name), _) => Server::Name(name.to_string()),
        (None, Some(path)) => Server::Path(path.to_path_buf()),
        (None, None) => match std::env::var("MINDER_TMUX_SOCKET").ok().filter(|s| !s.is_empty()) {
            Some(name) => Server::Name(name),
            None => Server::Default,
        },
    }
}

/// Run the parsed command line; `early` is the tmux client `main` started for `new`.
pub fn dispatch(cli: Cli, early: Option<EarlyNew>) -> Result<()> {
    // Bare `minder`: the dash for a person at a terminal, else the help (exit 2) as before.
    let Some(command) = cli.command else {
        if !commands::dash::on_a_terminal() {
            let help = <Cli as clap::CommandFactory>::command().render_help();
            eprint!("{help}");
            return Err(crate::error::Exit { code: 2, message: None }.into());
        }
        return dispatch(Cli { command: Some(Command::Dash(commands::dash::Args::default())), ..cli }, None);
    };
    // Internal commands run from tmux hooks and pipes: no config, no colour, no person.
    match command {
        Command::Sink(a) => return commands::sink::run(a),
        Command::PaneDied(a) => return commands::pane_died::run(a, cli.socket_path.clone()),
        Command::Exec(a) => return commands::exec::run(a),
        Command::Demo(a) => return commands::demo::run(a),
        Command::GitHook(a) => return commands::git_hook::run(a),
        Command::Tell(a) => return commands::tell::run(a),
        Command::Check(a) => return commands::check::run(a),
        Command::Completions(a) => return commands::completions::run(a, <Cli as clap::CommandFactory>::command()),
        Command::Man(a) => return commands::man::run(a, <Cli as clap::CommandFactory>::command()),
        Command::Names(a) => return commands::names::run(a),
        _ => {}
    }
    let server = chosen_server(cli.socket_name.as_deref(), cli.socket_path.as_deref());
    // `new` on this machine: the tmux client `main` started before the command line was parsed
    // (`EarlyNew`), if it was started for this server; dropped (killed) otherwise.
    let local_new =
        matches!(&command, Command::New(a) if a.host.as_deref().is_none_or(|h| h == crate::domain::hosts::LOCAL));
    let early = early.filter(|e| local_new && *e.tmux.server() == server);
    let (config, config_path) = crate::app::load_config(cli.config.as_deref())?;
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
    };
    let ctx = Ctx::new(config, config_path, server, color, cli.quiet)?;
    if let Some(early) = early {
        ctx.adopt_tmux(early.tmux, early.client);
    }
    match command {
        Command::New(a) => commands::new::run(&ctx, a),
        Command::Ls(a) => commands::ls::run(&ctx, a),
        Command::Show(a) => commands::show::run(&ctx, a),
        Command::Attach(a) => commands::attach::run(&ctx, a),
        Command::Logs(a) => commands::logs::run(&ctx, a),
        Command::Send(a) => commands::send::run(&ctx, a),
        Command::Stop(a) => commands::stop::run(&ctx, a),
        Command::Rm(a) => commands::rm::run(&ctx, a),
        Command::Review(a) => commands::review::run(&ctx, a),
        Command::Explain(a) => commands::explain::run(&ctx, a),
        Command::Answer(a) => commands::answer::run(&ctx, a),
        Command::Approve(a) => commands::approve::run(&ctx, a),
        Command::Reject(a) => commands::reject::run(&ctx, a),
        Command::Apply(a) => commands::apply::run(&ctx, a),
        Command::Gc(a) => commands::gc::run(&ctx, a),
        Command::Restore(a) => commands::restore::run(&ctx, a),
        Command::Doctor(a) => commands::doctor::run(&ctx, a),
        Command::Notify(a) => commands::notify::run(&ctx, a),
        Command::Wait(a) => commands::wait::run(&ctx, a),
        Command::StatusLine(a) => commands::status_line::run(&ctx, a),
        Command::Dash(a) => commands::dash::run(&ctx, a),
        Command::Hosts(a) => commands::hosts::run(&ctx, a),
        Command::Serve(a) => commands::serve::run(&ctx, a),
        Command::WatchHost(a) => commands::watch_host::run(&ctx, a),
        Command::Grep(a) => commands::grep::run(&ctx, a),
        Command::List(a) => commands::list::run(&ctx, a),
        Command::Sink(_)
        | Command::PaneDied(_)
        | Command::Exec(_)
        | Command::Demo(_)
        | Command::GitHook(_)
        | Command::Tell(_)
        | Command::Check(_)
        | Command::Completions(_)
        | Command::Man(_)
        | Command::Names(_) => {
            unreachable!("handled above")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    /// The shapes minder writes read the same without clap as with it.
    #[test]
    fn internal_commands_read_without_clap_as_clap_reads_them() {
        let shapes: &[&[&str]] = &[
            &["minder", "_sink", "/state/sessions/a b"],
            &["minder", "_sink", "/state/sessions/x", "--resumed"],
            &["minder", "_exec", "--env-file", "/s/env", "--minder-id", "m1", "--", "sleep", "--", "-x", "9"],
        ];
        for words in shapes {
            let fast = Cli::internal(&args(words)).expect("the shape minder writes");
            let slow = Cli::try_parse_from(args(words)).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{words:?}");
        }
    }

    /// Anything else is left to clap, which knows the flags and their errors.
    #[test]
    fn other_shapes_go_through_clap() {
        let others: &[&[&str]] = &[
            &["minder"],
            &["minder", "ls"],
            &["minder", "_sink"],
            &["minder", "_sink", "relative/dir"],
            &["minder", "_sink", "/d", "--help"],
            &["minder", "_sink", "/d", "--resumed", "x"],
            &["minder", "-v", "_sink", "/d"],
            &["minder", "_exec", "--", "sleep"],
            &["minder", "_exec", "--env-file", "/s/env", "--minder-id", "m1", "--"],
            &["minder", "_exec", "--minder-id", "m1", "--env-file", "/s/env", "--", "sleep"],
        ];
        for words in others {
            assert!(Cli::internal(&args(words)).is_none(), "{words:?}");
        }
    }
}

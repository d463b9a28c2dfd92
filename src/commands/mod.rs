//! One module per subcommand: its `Args` (the doc comment is the help) and its `run`. A command
//! never calls another command; what two commands share lives in `ops/`.

pub mod approve;
pub mod attach;
pub mod completions;
pub mod dash;
pub mod demo;
pub mod doctor;
pub mod exec;
pub mod gc;
pub mod git_hook;
pub mod logs;
pub mod ls;
pub mod new;
pub mod notify;
pub mod pane_died;
pub mod reject;
pub mod restore;
pub mod review;
pub mod rm;
pub mod send;
pub mod show;
pub mod sink;
pub mod status_line;
pub mod stop;
pub mod wait;


use crate::app::Ctx;
use crate::cli::{Cli, ColorChoice, Command};
use crate::domain::config::Config;
use crate::tmux::Server;
use anyhow::Result;
use std::io::IsTerminal;

/// Run the parsed command line.
pub fn dispatch(cli: Cli) -> Result<()> {
    // Bare `minder`: the dash for a person at a terminal, else the help (exit 2) as before.
    let Some(command) = cli.command else {
        if !dash::on_a_terminal() {
            let help = <Cli as clap::CommandFactory>::command().render_help();
            eprint!("{help}");
            return Err(crate::error::Exit { code: 2, message: None }.into());
        }
        return dispatch(Cli { command: Some(Command::Dash(dash::Args::default())), ..cli });
    };
    // Internal commands run from tmux hooks and pipes: no config, no colour, no person.
    match command {
        Command::Sink(a) => return sink::run(a),
        Command::PaneDied(a) => return pane_died::run(a, cli.socket_path.clone()),
        Command::Exec(a) => return exec::run(a),
        Command::Demo(a) => return demo::run(a),
        Command::GitHook(a) => return git_hook::run(a),
        Command::Completions(a) => return completions::run(a),
        _ => {}
    }
    let (config, config_path) = Config::load(cli.config.as_deref())?;
    let server = match (&cli.socket_name, &cli.socket_path) {
        (Some(name), _) => Server::Name(name.clone()),
        (None, Some(path)) => Server::Path(path.clone()),
        (None, None) => match std::env::var("MINDER_TMUX_SOCKET").ok().filter(|s| !s.is_empty()) {
            Some(name) => Server::Name(name),
            None => Server::Default,
        },
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
    };
    let ctx = Ctx::new(config, config_path, server, color, cli.quiet)?;
    match command {
        Command::New(a) => new::run(&ctx, a),
        Command::Ls(a) => ls::run(&ctx, a),
        Command::Show(a) => show::run(&ctx, a),
        Command::Attach(a) => attach::run(&ctx, a),
        Command::Logs(a) => logs::run(&ctx, a),
        Command::Send(a) => send::run(&ctx, a),
        Command::Stop(a) => stop::run(&ctx, a),
        Command::Rm(a) => rm::run(&ctx, a),
        Command::Review(a) => review::run(&ctx, a),
        Command::Approve(a) => approve::run(&ctx, a),
        Command::Reject(a) => reject::run(&ctx, a),
        Command::Gc(a) => gc::run(&ctx, a),
        Command::Restore(a) => restore::run(&ctx, a),
        Command::Doctor(a) => doctor::run(&ctx, a),
        Command::Notify(a) => notify::run(&ctx, a),
        Command::Wait(a) => wait::run(&ctx, a),
        Command::StatusLine(a) => status_line::run(&ctx, a),
        Command::Dash(a) => dash::run(&ctx, a),
        Command::Sink(_) | Command::PaneDied(_) | Command::Exec(_) | Command::Demo(_) | Command::GitHook(_) | Command::Completions(_) => {
            unreachable!("handled above")
        }
    }
}

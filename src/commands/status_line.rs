//! `minder status-line`: the segment for the agents on the current tmux server, or the login
//! summary. Reads records only, plus one tmux call for the server and its style options.

use crate::app::Ctx;
use crate::ops::status_push;
use crate::tmux_cmd;
use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;

/// Print the status-line segment (tmux style markup) for the agents on this tmux server
///
/// The tmux plugin shows it without running minder on each refresh: minder pushes it into the
/// global option @minder-status whenever a state changes.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Also push the segment into @minder-status on the tmux server
    #[arg(long)]
    pub push: bool,
    /// Print the one-line summary for a login shell instead (nothing when no agents)
    #[arg(long)]
    pub summary: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    if args.summary {
        // No tmux call at login: a session whose pane process is gone (a reboot) is shown lost.
        let mut records = ctx.store.load_all()?;
        for r in &mut records {
            let gone = r.tmux.pane_pid.map(|p| !crate::procs::pid_alive(p)).unwrap_or(false);
            if r.running() && gone {
                r.activity = crate::domain::state::State::Lost;
            }
        }
        if let Some(line) = status_push::summary_with(&records, &crate::ops::remote_status::shown(&ctx.store)) {
            crate::outln!("{line}");
        }
        return Ok(());
    }
    // The server's socket is known without asking tmux, and its style options were remembered
    // by the last push: then no tmux call at all.
    if args.push && !ctx.config.hosts.is_empty() {
        // The plugin pushes when tmux starts: from then on each host's watcher keeps the
        // segment current with its agents.
        crate::ops::remote_status::ensure_watchers(ctx);
    }
    if !args.push {
        let socket = ctx.server.socket_path();
        if let Some(style) = status_push::cached_style(&ctx.store, &socket) {
            let records = status_push::records_on(&ctx.store, Some(&socket));
            crate::outln!(
                "{}",
                status_push::render_with(&records, &crate::ops::remote_status::shown(&ctx.store), &style)
            );
            return Ok(());
        }
    }
    let tmux = ctx.tmux()?;
    let format = format!("#{{socket_path}}\u{1f}{}", status_push::style_format());
    let out = match tmux.run(&tmux_cmd!["display-message", "-p", format]) {
        Ok(o) => o,
        Err(e) if e.no_server() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let line = out.trim_end_matches('\n');
    let (socket, style_line) = line.split_once('\u{1f}').unwrap_or((line, ""));
    let style = status_push::parse_style(style_line);
    let socket = PathBuf::from(socket);
    status_push::save_style(&ctx.store, &socket, style_line);
    let records = status_push::records_on(&ctx.store, Some(&socket));
    let segment = status_push::render_with(&records, &crate::ops::remote_status::shown(&ctx.store), &style);
    if args.push {
        tmux.run(&tmux_cmd!["set-option", "-g", "@minder-status", segment])?;
    }
    crate::outln!("{segment}");
    Ok(())
}

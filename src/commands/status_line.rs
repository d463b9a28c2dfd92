//! `minder status-line`: the segment for the agents on the current tmux server, or the login
//! summary. Reads records only, plus one tmux call for the server and its style options.

use crate::app::Ctx;
use crate::cli::StatusLineArgs;
use crate::status;
use crate::tmux_cmd;
use anyhow::Result;
use std::path::PathBuf;

pub fn run(ctx: &Ctx, args: StatusLineArgs) -> Result<()> {
    if args.summary {
        if let Some(line) = status::summary(&ctx.store.load_all()?) {
            crate::outln!("{line}");
        }
        return Ok(());
    }
    let tmux = ctx.tmux()?;
    let format = format!("#{{socket_path}}\u{1f}{}", status::style_format());
    let out = match tmux.run(&tmux_cmd!["display-message", "-p", format]) {
        Ok(o) => o,
        Err(e) if e.no_server() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let line = out.trim_end_matches('\n');
    let (socket, style) = line.split_once('\u{1f}').unwrap_or((line, ""));
    let style = status::parse_style(style);
    let socket = PathBuf::from(socket);
    let records = status::records_on(&ctx.store, Some(&socket));
    let segment = status::render(&records, &style);
    if args.push {
        tmux.run(&tmux_cmd!["set-option", "-g", "@minder-status", segment])?;
    }
    crate::outln!("{segment}");
    Ok(())
}

//! `minder attach`: hand the terminal to tmux (attach outside tmux, switch-client inside).

use crate::app::Ctx;
use crate::ops::reconcile;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Attach to a session (or switch to it, inside tmux)
///
/// With no NAME, the session that most needs attention: waiting, then review, then stuck, then
/// the most recent.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let obs = match args.name {
        Some(q) => match crate::ops::remote::locate(ctx, &q)? {
            crate::ops::remote::Where::Local(name) => reconcile::observe_one(ctx, &name)?,
            crate::ops::remote::Where::Remote(host, name) => return crate::ops::remote::attach(&host, &name),
        },
        None => crate::ops::attach::pick(ctx)?,
    };
    crate::ops::attach::attach_to(ctx, &obs)
}

//! `minder rm`: remove a session's records, logs and worktree, refusing to lose live work.

use crate::app::Ctx;
use crate::ops::reconcile;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Remove a session's records, logs and worktree
///
/// Refuses a live session, or a worktree with uncommitted or unmerged work, without --force.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Remove even a live session (it is stopped first) or unmerged work
    #[arg(long)]
    pub force: bool,
    /// Keep the logs (moved aside under the state dir's `kept-logs/`)
    #[arg(long)]
    pub keep_logs: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    // Taken before looking: a `new` in progress finishes first, so what we see is whole.
    let _all = ctx.store.lock_all()?;
    let name = ctx.resolve(&args.name)?;
    let obs = reconcile::observe_one(ctx, &name)?;
    crate::ops::remove::remove(ctx, &obs, args.force, args.keep_logs)?;
    ctx.note(&format!("removed `{name}`"));
    Ok(())
}


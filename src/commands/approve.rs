//! `minder approve`: the person accepts the agent's work; the push gate opens.

use crate::app::Ctx;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Approve a session's work: git push is allowed, `review.on_approve` runs
///
/// The state becomes `approved`.
///
/// on_approve runs with MINDER_SESSION, MINDER_DIR, MINDER_WORKTREE, MINDER_BRANCH and
/// MINDER_NOTE set, in the session's directory.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Why, recorded in the event log
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = ctx.resolve(&args.name)?;
    let said = crate::ops::decision::approve(ctx, &name, args.note)?;
    ctx.note(&said);
    Ok(())
}


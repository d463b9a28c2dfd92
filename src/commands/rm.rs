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
    let query = match crate::ops::remote::locate_query(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["rm".to_string(), crate::ops::remote::there(&name)];
            if args.force {
                argv.push("--force".into());
            }
            if args.keep_logs {
                argv.push("--keep-logs".into());
            }
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    // Taken before looking: a `new` in progress finishes first, so what we see is whole.
    let _all = ctx.store.lock_all()?;
    let name = ctx.resolve(&query)?;
    let obs = match reconcile::observe_one(ctx, &name) {
        Ok(obs) => obs,
        Err(e) if ctx.store.load(&name).is_err() => {
            // A damaged record: nothing in it can be trusted (not even which tmux session is
            // its), so only its folder goes, and only when asked to.
            if !args.force {
                return Err(e.context(format!(
                    "session `{name}` cannot be read (`minder rm --force {name}` removes its folder; a tmux session it ran in is left alone)"
                )));
            }
            crate::ops::remove::remove_damaged(ctx, &name)?;
            ctx.note(&format!("removed the damaged session `{name}`"));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    crate::ops::remove::remove(ctx, &obs, args.force, args.keep_logs)?;
    ctx.note(&format!("removed `{name}`"));
    Ok(())
}

//! `minder rm`: remove a session's records, logs and worktree, refusing to lose live work.

use crate::app::Ctx;
use crate::cli::RmArgs;
use crate::fsutil;
use crate::live;
use anyhow::{anyhow, Context, Result};

pub fn run(ctx: &Ctx, args: RmArgs) -> Result<()> {
    let name = ctx.resolve(&args.name)?;
    let obs = live::observe_one(ctx, &name)?;
    let alive = obs.pane.as_ref().map(|p| !p.dead).unwrap_or(false);
    if alive && !args.force {
        return Err(anyhow!(
            "session `{name}` is still running (`minder stop {name}` first, or `minder rm --force {name}`)"
        ));
    }
    if let Some(wt) = &obs.record.worktree {
        crate::worktree::check_removable(wt, args.force)?;
    }
    if obs.pane.is_some() {
        crate::commands::stop::stop(ctx, &obs, true)?;
    }
    let paths = ctx.store.paths(&name);
    if args.keep_logs {
        let kept = ctx.store.state_dir.join("kept-logs");
        fsutil::create_private_dir_all(&kept)?;
        let dest = kept.join(format!("{name}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S")));
        std::fs::rename(paths.logs(), &dest)
            .with_context(|| format!("cannot keep the logs of `{name}` in `{}`", dest.display()))?;
        ctx.note(&format!("kept the logs of `{name}` in {}", dest.display()));
    }
    if let Some(wt) = &obs.record.worktree {
        crate::worktree::remove(&obs.record.dir, wt, args.force)?;
    }
    if obs.record.checkpoint_dir.ends_with(std::path::Path::new(".minder").join(&name)) {
        let _ = std::fs::remove_dir_all(&obs.record.checkpoint_dir);
    }
    let _guard = ctx.store.lock_all()?;
    std::fs::remove_dir_all(&paths.root).with_context(|| format!("cannot remove `{}`", paths.root.display()))?;
    ctx.note(&format!("removed `{name}`"));
    Ok(())
}

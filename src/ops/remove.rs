//! Removing a session: its records, logs, checkpoint folder and worktree, refusing to lose
//! live or unsaved work unless forced.

use crate::app::Ctx;
use crate::ops::reconcile;
use crate::store::fsutil;
use anyhow::{anyhow, Context, Result};

/// Remove one session: refuse a live one or unsaved worktree work unless `force`. The caller
/// holds the state dir's lock.
pub fn remove(ctx: &Ctx, obs: &reconcile::Observed, force: bool, keep_logs: bool) -> Result<()> {
    let name = obs.record.name.clone();
    let alive = obs.alive();
    // Removing the records of a session tmux could not be asked about could leave it running
    // with nothing to find it by.
    if let Some(e) = obs.unreachable("nothing was removed") {
        return Err(e);
    }
    if alive && !force {
        return Err(anyhow!(
            "session `{name}` is still running (`minder stop {name}` first, or `minder rm --force {name}`)"
        ));
    }
    if let Some(wt) = &obs.record.worktree {
        crate::git::worktree::check_removable(wt, force)?;
    }
    let paths = ctx.store.paths(&name);
    if obs.pane.is_some() {
        crate::ops::stop::stop(ctx, obs, true, None)?;
        // With the session gone the sink gets EOF and writes its last bytes: let it finish.
        crate::store::wait_sink_drained(&paths, std::time::Duration::from_secs(3));
    }
    if keep_logs {
        let kept = ctx.store.dirs().kept_logs();
        fsutil::create_private_dir_all(&kept)?;
        let dest = kept.join(format!("{name}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S")));
        let cannot = || format!("cannot keep the logs of `{name}` in `{}`", dest.display());
        // A session that printed nothing has no `logs/` yet: it is kept as an empty folder,
        // with its events, so the person finds what they asked for and why it is empty.
        let printed = paths.logs().is_dir();
        if printed {
            std::fs::rename(paths.logs(), &dest).with_context(cannot)?;
        } else {
            fsutil::create_private_dir_all(&dest).with_context(cannot)?;
        }
        // The events, and the record with the person's decision: it outlives the session.
        for (from, file) in [(paths.events(), "events.jsonl"), (paths.record(), "session.json")] {
            match std::fs::copy(from, dest.join(file)) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(cannot),
            }
        }
        let what = if printed { "" } else { " (it printed nothing)" };
        ctx.note(&format!("kept the logs of `{name}` in {}{what}", dest.display()));
    }
    if obs.record.checkpoint_dir.ends_with(std::path::Path::new(".minder").join(&name)) {
        let _ = std::fs::remove_dir_all(&obs.record.checkpoint_dir);
    }
    if let Some(wt) = &obs.record.worktree {
        if let Some(kept) = crate::git::worktree::remove(wt, force)? {
            ctx.note(&kept);
        }
    }
    // The caller's environment, if the supervisor never took it (it lives outside the folder).
    let _ = std::fs::remove_file(ctx.store.env_file_of(&obs.record));
    // Hold the session's lock too: a late exit hook waits, then finds the record gone.
    let _session = ctx.store.lock_session(&name)?;
    remove_tree(&paths.root)?;
    Ok(())
}

/// Remove a session whose record cannot be read: its folder under the state dir, under its
/// lock. The caller holds the state dir's lock.
pub fn remove_damaged(ctx: &Ctx, name: &str) -> Result<()> {
    let _session = ctx.store.lock_session(name)?;
    remove_tree(&ctx.store.paths(name).root)
}

/// Remove a folder, retrying briefly if a straggling writer adds a file meanwhile.
pub(crate) fn remove_tree(root: &std::path::Path) -> Result<()> {
    let mut attempt = 0;
    loop {
        match std::fs::remove_dir_all(root) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(_) if attempt < 5 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(e).with_context(|| format!("cannot remove `{}`", root.display())),
        }
    }
}

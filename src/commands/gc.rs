//! `minder gc`: apply `logs.retention`: remove ended sessions whose last activity is older, and
//! rotated log files and kept logs older than it. Never a live session, never unsaved worktree
//! work.

use crate::app::Ctx;
use crate::ops::reconcile;
use anyhow::Result;
use chrono::Utc;
use std::time::{Duration, SystemTime};
use clap::Args as ClapArgs;

/// Remove ended sessions and old logs past `logs.retention`
///
/// Ended sessions (records, logs, clean worktrees) whose last activity is older than
/// `logs.retention` are removed, and rotated logs past it. Never a live session, never a
/// worktree with unsaved work.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Only say what would be removed
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let retention = ctx.config.logs.retention.0;
    let cutoff = Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(14));
    let verb = if args.dry_run { "would remove" } else { "removed" };
    let mut removed = 0;
    let _all = ctx.store.lock_all()?;
    for obs in reconcile::observe(ctx)? {
        let r = &obs.record;
        let alive = obs.alive();
        let ended = r.ended();
        if alive || !ended {
            // A live session keeps its current log; only rotated files past retention go.
            removed += prune_rotated(ctx, &r.name, retention, args.dry_run, verb)?;
            continue;
        }
        let last = crate::ops::present::last_activity(ctx, r).max(r.ended_at.unwrap_or(r.state_at));
        if last > cutoff {
            continue;
        }
        if let Some(wt) = &r.worktree {
            if let Ok(work) = crate::git::worktree::unsaved_work(wt) {
                if !work.is_empty() {
                    ctx.note(&format!("kept `{}`: its worktree has {}", r.name, work.join(" and ")));
                    continue;
                }
            }
        }
        if !args.dry_run {
            crate::ops::remove::remove(ctx, &obs, false, false)?;
        }
        crate::outln!("{verb} session {} (ended {}, {})", r.name, crate::ops::present::ago(last, Utc::now()), r.state);
        removed += 1;
    }
    let kept = ctx.store.dirs().kept_logs();
    if let Ok(entries) = std::fs::read_dir(&kept) {
        for e in entries.flatten() {
            if older_than(&e.path(), retention) {
                if !args.dry_run {
                    std::fs::remove_dir_all(e.path())?;
                }
                crate::outln!("{verb} kept logs {}", e.path().display());
                removed += 1;
            }
        }
    }
    if removed == 0 {
        ctx.note(&format!("nothing older than {} to remove", humantime(retention)));
    }
    Ok(())
}

fn prune_rotated(ctx: &Ctx, name: &str, retention: Duration, dry_run: bool, verb: &str) -> Result<usize> {
    let logs = ctx.store.paths(name).logs();
    let current = crate::sink::logfile::current_path(&logs);
    let mut n = 0;
    for seg in crate::sink::logfile::segments(&logs).unwrap_or_default() {
        if seg != current && older_than(&seg, retention) {
            if !dry_run {
                std::fs::remove_file(&seg)?;
            }
            crate::outln!("{verb} old log {}", seg.display());
            n += 1;
        }
    }
    Ok(n)
}

fn older_than(path: &std::path::Path, age: Duration) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| SystemTime::now().duration_since(t).unwrap_or_default() > age)
        .unwrap_or(false)
}

fn humantime(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86400 == 0 && s > 0 => format!("{}d", s / 86400),
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}


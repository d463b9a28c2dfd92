//! `minder gc`: apply `logs.retention`: remove ended sessions whose last activity is older, and
//! rotated log files and kept logs older than it. Never a live session, never unsaved worktree
//! work.

use crate::app::Ctx;
use crate::ops::reconcile;
use anyhow::Result;
use chrono::Utc;
use clap::Args as ClapArgs;
use std::time::{Duration, SystemTime};

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
    /// Print JSON: {"version":1,"dry_run":false,"removed":{...},"kept":[...]}
    #[arg(long)]
    pub json: bool,
}

/// What gc removed (or, with --dry-run, would remove) and what it kept.
#[derive(Default)]
struct Report {
    /// (name, state, last activity) of each session removed.
    sessions: Vec<(String, String, chrono::DateTime<Utc>)>,
    /// (session, path) of each rotated log file removed.
    log_files: Vec<(String, std::path::PathBuf)>,
    /// Folders of logs `rm --keep-logs` kept, past retention.
    kept_logs: Vec<std::path::PathBuf>,
    /// (name, state, reason, detail) of each session kept; no state for a damaged record.
    kept: Vec<(String, Option<String>, &'static str, String)>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let retention = ctx.config.logs.retention.0;
    let cutoff = Utc::now() - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(14));
    let verb = if args.dry_run { "would remove" } else { "removed" };
    // Said as it happens (a long gc shows progress); with --json everything goes in the report.
    let say = |line: String| -> Result<()> {
        if !args.json {
            crate::outln!("{line}");
        }
        Ok(())
    };
    let mut report = Report::default();
    let _all = ctx.store.lock_all()?;
    for obs in reconcile::observe(ctx)? {
        let r = &obs.record;
        let alive = obs.alive();
        let ended = r.ended();
        if alive || !ended {
            // A live session keeps its current log; only rotated files past retention go.
            for seg in prune_rotated(ctx, &r.name, retention, args.dry_run)? {
                say(format!("{verb} old log {}", seg.display()))?;
                report.log_files.push((r.name.clone(), seg));
            }
            report.kept.push((r.name.clone(), Some(r.state().to_string()), "running", String::new()));
            continue;
        }
        let last = crate::ops::present::last_activity(ctx, r).max(r.ended_at.unwrap_or(r.state_at));
        if last > cutoff {
            report.kept.push((
                r.name.clone(),
                Some(r.state().to_string()),
                "recent",
                format!("last active {}", last.to_rfc3339()),
            ));
            continue;
        }
        if let Some(wt) = &r.worktree {
            if let Ok(work) = crate::git::worktree::unsaved_work(wt) {
                if !work.is_empty() {
                    if !args.json {
                        ctx.note(&format!("kept `{}`: its worktree has {}", r.name, work.join(" and ")));
                    }
                    report.kept.push((r.name.clone(), Some(r.state().to_string()), "unsaved_work", work.join(" and ")));
                    continue;
                }
            }
        }
        if !args.dry_run {
            crate::ops::remove::remove(ctx, &obs, false, false)?;
        }
        say(format!(
            "{verb} session {} (ended {}, {})",
            r.name,
            crate::ops::present::ago(last, Utc::now()),
            r.state()
        ))?;
        report.sessions.push((r.name.clone(), r.state().to_string(), last));
    }
    // A record that cannot be read is never removed by gc (`rm --force` does it, by name).
    for d in ctx.store.damaged()? {
        report.kept.push((d.name, None, "damaged", d.error));
    }
    let kept = ctx.store.dirs().kept_logs();
    if let Ok(entries) = std::fs::read_dir(&kept) {
        for e in entries.flatten() {
            if older_than(&e.path(), retention) {
                if !args.dry_run {
                    std::fs::remove_dir_all(e.path())?;
                }
                say(format!("{verb} kept logs {}", e.path().display()))?;
                report.kept_logs.push(e.path());
            }
        }
    }
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&report_json(&report, args.dry_run, retention))?);
        return Ok(());
    }
    if report.sessions.is_empty() && report.log_files.is_empty() && report.kept_logs.is_empty() {
        ctx.note(&format!("nothing older than {} to remove", humantime(retention)));
    }
    Ok(())
}

fn report_json(report: &Report, dry_run: bool, retention: Duration) -> serde_json::Value {
    use serde_json::json;
    crate::ops::present::versioned(json!({
        "dry_run": dry_run,
        "retention": humantime(retention),
        "removed": {
            "sessions": report.sessions.iter().map(|(name, state, last)| json!({
                "name": name, "state": state, "last_activity_at": last.to_rfc3339(),
            })).collect::<Vec<_>>(),
            "log_files": report.log_files.iter().map(|(session, path)| json!({"session": session, "path": path})).collect::<Vec<_>>(),
            "kept_logs": report.kept_logs,
        },
        "kept": report.kept.iter().map(|(name, state, reason, detail)| json!({
            "name": name, "state": state, "reason": reason, "detail": detail,
        })).collect::<Vec<_>>(),
    }))
}

/// The rotated log files of `name` older than `age` (never the current one), removed unless
/// `dry_run`.
fn prune_rotated(ctx: &Ctx, name: &str, age: Duration, dry_run: bool) -> Result<Vec<std::path::PathBuf>> {
    let logs = ctx.store.paths(name).logs();
    let current = crate::store::logs::current_path(&logs);
    let mut pruned = Vec::new();
    for seg in crate::store::logs::segments(&logs).unwrap_or_default() {
        if seg != current && older_than(&seg, age) {
            if !dry_run {
                std::fs::remove_file(&seg)?;
            }
            pruned.push(seg);
        }
    }
    Ok(pruned)
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

//! The review report: what a person needs to decide on an agent's work without attaching,
//! gathered once and shown as text (`minder review`, the popup) or JSON. Each section is empty
//! when it has nothing to say; the text view leaves it out.

use crate::app::Ctx;
use crate::domain::brief::{BriefView, PlanItem};
use crate::domain::record::{Event, Record};
use crate::domain::state::State;
use crate::git::diff::{Commit, DiffSummary, Uncommitted};
use crate::ops::reconcile::Observed;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize, Debug)]
pub struct Report {
    pub name: String,
    pub agent: String,
    pub state: State,
    pub detail: String,
    pub attempt: Option<u32>,
    pub dir: std::path::PathBuf,
    pub worktree: Option<crate::domain::record::Worktree>,
    pub checkpoint_dir: std::path::PathBuf,
    pub exit_code: Option<i32>,
    /// The brief's goal (kept for scripts that read `goal`).
    pub goal: Option<String>,
    pub brief: Option<BriefView>,
    pub progress: Option<serde_json::Value>,
    pub plan: Vec<PlanItem>,
    pub status: Option<String>,
    pub risks: Option<String>,
    /// Commits since the base, newest first.
    pub commits: Vec<Commit>,
    /// Changes not committed yet (against HEAD).
    pub uncommitted: Option<Uncommitted>,
    /// Everything against the base, commits and uncommitted changes together.
    pub diff: Option<DiffSummary>,
    pub artifacts: Vec<Artifact>,
    /// The checks' last runs (`new --check`), in order.
    pub checks: Vec<crate::domain::record::CheckResult>,
    /// What a reviewer must see: refused pushes, log gaps and logging errors, stuck periods.
    pub events: Vec<Notable>,
    /// Seconds the agent spent `working` (from its events).
    pub time_worked_s: i64,
    pub approved_commit: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub last_message: Option<String>,
    pub last_lines: Vec<String>,
}

/// A test artifact: its path under `artifacts/`, size, and last lines when it is text.
#[derive(Serialize, Debug, Clone)]
pub struct Artifact {
    pub path: String,
    pub size: u64,
    pub last_lines: Vec<String>,
}

/// Something that happened that a reviewer must know of.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Notable {
    pub at: String,
    /// `push refused`, `log gap`, `logging error`, `stuck`.
    pub kind: String,
    pub what: String,
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().filter(|s| !s.trim().is_empty())
}

pub fn gather(ctx: &Ctx, obs: &Observed, with_output: bool) -> Report {
    let r = &obs.record;
    // What the agent wrote is shown as the log shows it: redacted.
    let extra = crate::sink::redact::user_patterns(&r.log_settings.redact);
    let read_redacted = |p: &Path| read(p).map(|t| crate::sink::redact::redact_text(&t, &extra));
    let brief = read(&r.checkpoint_dir.join("BRIEF.md")).map(|t| crate::domain::brief::read_brief(&t));
    let goal = r.goal.clone().or_else(|| brief.as_ref().and_then(|b| b.goal.clone()));
    let plan = read_redacted(&r.checkpoint_dir.join("PLAN.md"))
        .map(|t| crate::domain::brief::plan_items(&t))
        .unwrap_or_default();
    let events = ctx.store.events(&r.name).unwrap_or_default();
    let paths = ctx.store.paths(&r.name);
    Report {
        name: r.name.clone(),
        agent: r.agent.clone(),
        state: r.state,
        detail: r.detail.clone(),
        attempt: r.attempt,
        dir: r.dir.clone(),
        worktree: r.worktree.clone(),
        checkpoint_dir: r.checkpoint_dir.clone(),
        exit_code: r.exit_code,
        goal,
        brief,
        progress: crate::ops::present::progress(r).map(|(d, t)| serde_json::json!({"done": d, "total": t})),
        plan,
        status: read_redacted(&r.checkpoint_dir.join("STATUS.md")),
        risks: read_redacted(&r.checkpoint_dir.join("RISKS.md")),
        commits: crate::git::diff::commits_since_base(r, 50),
        uncommitted: crate::git::diff::uncommitted(r).filter(|u| !u.stat.trim().is_empty() || !u.untracked.is_empty()),
        diff: crate::git::diff::diff_summary(r),
        artifacts: artifacts(r, &extra),
        checks: r.check_results.clone(),
        events: notable(&events, &paths.root, &paths.sink_errors()),
        time_worked_s: time_worked(&events, r, Utc::now()),
        approved_commit: r.approved_commit.clone(),
        approved_at: r.approved_at,
        last_message: r.last_message.clone(),
        last_lines: if with_output { last_lines(ctx, r, 15) } else { Vec::new() },
    }
}

fn last_lines(ctx: &Ctx, record: &Record, n: usize) -> Vec<String> {
    let dir = ctx.store.paths(&record.name).logs();
    crate::ops::present::last_lines(&dir, record.width.max(20), record.height.max(5), n).unwrap_or_default()
}

/// The files under `artifacts/` (at most 200), with the last 3 lines of each text file.
fn artifacts(record: &Record, extra: &[regex::bytes::Regex]) -> Vec<Artifact> {
    let root = record.checkpoint_dir.join("artifacts");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(p);
            } else if out.len() < 200 {
                let rel = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
                out.push(Artifact { path: rel, size: meta.len(), last_lines: tail_lines(&p, 3, extra) });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The last `n` non-empty lines of a text file (its last 16 KiB looked at), redacted; none for
/// binary.
fn tail_lines(path: &Path, n: usize, extra: &[regex::bytes::Regex]) -> Vec<String> {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else { return Vec::new() };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(16 << 10)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    if buf.contains(&0) {
        return Vec::new();
    }
    let text = crate::sink::redact::redact_text(&String::from_utf8_lossy(&buf), extra);
    let lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// Refused pushes, log gaps and logging errors, and stuck periods, oldest first.
fn notable(events: &[Event], root: &Path, sink_errors: &Path) -> Vec<Notable> {
    let mut out = Vec::new();
    for line in std::fs::read_to_string(root.join(crate::git::gate::REFUSALS)).unwrap_or_default().lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        out.push(Notable {
            at: text("at"),
            kind: "push refused".into(),
            what: format!("{} (by the {})", text("why"), text("via")),
        });
    }
    for line in crate::ops::present::sink_errors(sink_errors) {
        let (at, what) = line.split_once(' ').unwrap_or(("", line.as_str()));
        let kind = if what.contains("sink was restarted") { "log gap" } else { "logging error" };
        out.push(Notable { at: at.to_string(), kind: kind.into(), what: what.to_string() });
    }
    for (i, e) in events.iter().enumerate().filter(|(_, e)| e.state == State::Stuck) {
        let until = events.get(i + 1).map(|n| format!("until {}", n.at.to_rfc3339())).unwrap_or_else(|| "still".into());
        let why = e.note.clone().unwrap_or_default();
        out.push(Notable {
            at: e.at.to_rfc3339(),
            kind: "stuck".into(),
            what: format!("{why} ({until})").trim_start().to_string(),
        });
    }
    // Every source writes RFC 3339; sorted by the time it names (text as a fallback).
    out.sort_by_key(|n| (DateTime::parse_from_rfc3339(&n.at).ok(), n.at.clone()));
    out
}

/// Seconds spent in `working`, from the events (the last one runs to the end, or to now).
pub fn time_worked(events: &[Event], record: &Record, now: DateTime<Utc>) -> i64 {
    let end = record.ended_at.unwrap_or(now);
    let mut total = 0;
    for (i, e) in events.iter().enumerate() {
        if e.state == State::Working {
            let until = events.get(i + 1).map(|n| n.at).unwrap_or(end);
            total += (until - e.at).num_seconds().max(0);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::state::Source;

    fn ev(secs: i64, state: State, note: Option<&str>) -> Event {
        let at = DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap();
        Event { at, state, detail: String::new(), source: Source::Screen, note: note.map(str::to_string) }
    }

    #[test]
    fn time_worked_sums_the_working_spans() {
        let events = [
            ev(0, State::Working, None),
            ev(60, State::Waiting, None),
            ev(90, State::Working, None),
            ev(120, State::Review, None),
        ];
        let r = crate::domain::record::sample_record("n", "cmd", State::Review);
        assert_eq!(time_worked(&events, &r, DateTime::from_timestamp(1_700_000_500, 0).unwrap()), 60 + 30);
    }

    #[test]
    fn stuck_periods_refusals_and_gaps_are_notable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(crate::git::gate::REFUSALS),
            "{\"at\":\"2023-11-14T22:13:25+00:00\",\"via\":\"git shim\",\"why\":\"push refused: commit abc\"}\n",
        )
        .unwrap();
        let errors = dir.path().join("sink-errors.log");
        std::fs::write(&errors, "2023-11-14T22:13:29+00:00 the log sink was restarted; output before may be missing\n")
            .unwrap();
        let events = [
            ev(0, State::Working, None),
            ev(10, State::Stuck, Some("no output for 600s")),
            ev(20, State::Working, None),
        ];
        let n = notable(&events, dir.path(), &errors);
        let kinds: Vec<&str> = n.iter().map(|x| x.kind.as_str()).collect();
        assert_eq!(kinds, ["push refused", "log gap", "stuck"], "{n:#?}");
        assert!(n[0].what.contains("commit abc") && n[0].what.contains("git shim"));
        assert!(n[2].what.starts_with("no output for 600s (until "), "{}", n[2].what);
    }
}

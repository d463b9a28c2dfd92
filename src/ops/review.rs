//! The review report: what a person needs to decide on an agent's work without attaching,
//! gathered once and shown as JSON or as text rendered to any `io::Write` (`minder review`, the
//! popup, the dash's overlay). Each section is empty when it has nothing to say; the text view
//! leaves it out.

use crate::app::Ctx;
use crate::domain::brief::{BriefView, PlanItem};
use crate::domain::record::{Event, Record};
use crate::domain::state::State;
use crate::git::diff::{Commit, DiffSummary, Uncommitted};
use crate::ops::present::{paint, state_color};
use crate::ops::reconcile::Observed;
use crate::render::sanitize::one_line;
use crate::store::untrusted::ARTIFACT_TAIL;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{self, Write};
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
    /// Checkpoint files not read whole: not a regular file (a FIFO, a device, a link), or cut
    /// at the cap. The agent writes them; they are read as untrusted.
    pub checkpoint_notes: Vec<String>,
    /// Commits since the base, newest first.
    pub commits: Vec<Commit>,
    /// In a shared checkout (no worktree): commits others made there since the session
    /// started, newest first. They are not the agent's work and no approval of it covers them.
    pub others_commits: Vec<Commit>,
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
    /// The sandbox and network policy it ran under (null: a record from before policies).
    pub fence: Option<crate::domain::fence::Fence>,
    /// Lines of its recent output where the fence refused something (a write outside the
    /// sandbox, the network), as the agent printed them.
    pub fence_refusals: Vec<String>,
    /// Tokens read from the agent's transcript, and their cost (`show --json`'s `usage`).
    pub usage: serde_json::Value,
}

/// A test artifact: its path under `artifacts/`, size, and last lines when it is text.
#[derive(Serialize, Debug, Clone)]
pub struct Artifact {
    pub path: String,
    pub size: u64,
    pub last_lines: Vec<String>,
    /// Why its lines are not shown: not a regular file (a FIFO, a device, a link).
    pub note: Option<String>,
}

/// Something that happened that a reviewer must know of.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Notable {
    pub at: String,
    /// `push refused`, `log gap`, `logging error`, `stuck`.
    pub kind: String,
    pub what: String,
}

/// A checkpoint file's text (untrusted: regular files only, at most 1 MiB), None when missing,
/// empty or not read; why it was not read whole goes to `notes`.
fn read(dir: &Path, file: &str, notes: &mut Vec<String>) -> Option<String> {
    let (text, note) = crate::store::untrusted::checkpoint_text(dir, file)?;
    notes.extend(note);
    Some(text).filter(|s| !s.trim().is_empty())
}

/// The commits since the base as the agent's and others': in its own worktree every commit is
/// the agent's; in a shared checkout only those minder's git hooks saw it make.
pub fn split_commits(r: &Record, commits: Vec<Commit>) -> (Vec<Commit>, Vec<Commit>) {
    if r.worktree.is_some() {
        return (commits, Vec::new());
    }
    commits.into_iter().partition(|c| r.agent_commits.contains(&c.commit))
}

pub fn gather(ctx: &Ctx, obs: &Observed, with_output: bool) -> Report {
    let r = &obs.record;
    let (commits, others_commits) = split_commits(r, crate::git::diff::commits_since_base(r, 50));
    let mut notes = Vec::new();
    let dir = &r.checkpoint_dir;
    // What the agent wrote is shown as the log shows it: redacted (the brief is the person's).
    let extra = crate::store::secrets::redactions(&ctx.store.paths(&r.name), &r.log_settings.redact);
    let mut read_redacted = |file: &str| read(dir, file, &mut notes).map(|t| crate::redact::redact_text(&t, &extra));
    let plan = read_redacted("PLAN.md").map(|t| crate::domain::brief::plan_items(&t)).unwrap_or_default();
    let status = read_redacted("STATUS.md");
    let risks = read_redacted("RISKS.md");
    let brief = read(dir, "BRIEF.md", &mut notes).map(|t| crate::domain::brief::read_brief(&t));
    let goal = r.goal.clone().or_else(|| brief.as_ref().and_then(|b| b.goal.clone()));
    let events = ctx.store.events(&r.name).unwrap_or_default();
    let paths = ctx.store.paths(&r.name);
    Report {
        name: r.name.clone(),
        agent: r.agent.clone(),
        state: r.state(),
        detail: r.detail().clone(),
        attempt: r.attempt,
        dir: r.dir.clone(),
        worktree: r.worktree.clone(),
        checkpoint_dir: r.checkpoint_dir.clone(),
        exit_code: r.exit_code,
        goal,
        brief,
        progress: crate::ops::present::progress(r).map(|(d, t)| serde_json::json!({"done": d, "total": t})),
        plan,
        status,
        risks,
        checkpoint_notes: notes,
        commits,
        others_commits,
        uncommitted: crate::git::diff::uncommitted(r).filter(|u| !u.stat.trim().is_empty() || !u.untracked.is_empty()),
        diff: crate::git::diff::diff_summary(r),
        artifacts: artifacts(r, &extra),
        checks: r.check_results.clone(),
        events: notable(&events, &paths.root, &paths.sink_errors()),
        time_worked_s: time_worked(&events, r, Utc::now()),
        approved_commit: r.approval().flatten().map(str::to_string),
        approved_at: r.approval().and(r.decision.as_ref().map(|d| d.at)),
        last_message: r.last_message.clone(),
        last_lines: if with_output { last_lines(ctx, r, 15) } else { Vec::new() },
        fence: r.fence,
        usage: crate::ops::usage::usage_json(&ctx.config, r),
        fence_refusals: if r.fence.is_some_and(|f| f.sandbox != crate::domain::fence::Sandbox::Off || !f.network) {
            fence_refusals(&last_lines(ctx, r, 500))
        } else {
            Vec::new()
        },
    }
}

/// The lines that show the fence at work: what the kernel says to a write on the read-only
/// rest of the machine, or to a connection with no network.
fn fence_refusals(lines: &[String]) -> Vec<String> {
    const SIGNS: &[&str] = &["Read-only file system", "Network is unreachable"];
    let hits: Vec<String> = lines.iter().filter(|l| SIGNS.iter().any(|s| l.contains(s))).cloned().collect();
    hits[hits.len().saturating_sub(10)..].to_vec()
}

fn last_lines(ctx: &Ctx, record: &Record, n: usize) -> Vec<String> {
    let dir = ctx.store.paths(&record.name).logs();
    crate::ops::present::last_lines(&dir, record.width.max(20), record.height.max(5), n).unwrap_or_default()
}

/// The files under `artifacts/` (at most 200, of at most `MAX_VISITED` entries looked at), with
/// the last 3 lines of each text file. The agent writes them: no link is followed (a linked
/// folder is listed, not entered), and only regular files are read, from their last 16 KiB.
fn artifacts(record: &Record, extra: &[regex::bytes::Regex]) -> Vec<Artifact> {
    const MAX_VISITED: usize = 5000;
    let cp = &record.checkpoint_dir;
    let mut out = Vec::new();
    let mut visited = 0;
    let mut stack = vec!["artifacts".to_string()];
    while let Some(rel) = stack.pop() {
        // Checked before listing: a folder swapped for a link is not entered.
        if !crate::store::untrusted::is_dir_under(cp, &rel) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(cp.join(&rel)) else { continue };
        for e in entries.flatten() {
            visited += 1;
            if visited > MAX_VISITED || out.len() >= 200 {
                break;
            }
            let Some(name) = e.file_name().to_str().map(str::to_string) else { continue };
            let child = format!("{rel}/{name}");
            // lstat: a link is described, never followed.
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                stack.push(child);
                continue;
            }
            let (last_lines, note) = match crate::store::untrusted::read_tail(cp, &child, ARTIFACT_TAIL) {
                Ok(c) => (tail_lines(&c.bytes, 3, extra), None),
                Err(e) => (Vec::new(), Some(format!("it {e}"))),
            };
            let path = child.strip_prefix("artifacts/").unwrap_or(&child).to_string();
            out.push(Artifact { path, size: meta.len(), last_lines, note });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The last `n` non-empty lines of a text file's tail, redacted; none for binary.
fn tail_lines(buf: &[u8], n: usize, extra: &[regex::bytes::Regex]) -> Vec<String> {
    if buf.contains(&0) {
        return Vec::new();
    }
    let text = crate::redact::redact_text(&String::from_utf8_lossy(buf), extra);
    let lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// Refused pushes, log gaps and logging errors, and stuck periods, oldest first.
fn notable(events: &[Event], root: &Path, sink_errors: &Path) -> Vec<Notable> {
    let mut out = Vec::new();
    // The agent's git writes this file: read it as untrusted (never a FIFO, at most 1 MiB).
    let mut refusals = crate::store::untrusted::checkpoint_text(root, crate::git::gate::REFUSALS).unwrap_or_default().0;
    // From inside a bubblewrap fence the gate writes them to the session's inbox.
    let fenced = crate::store::untrusted::checkpoint_text(&root.join("inbox"), crate::git::gate::REFUSALS);
    refusals.push_str(&fenced.unwrap_or_default().0);
    for line in refusals.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        let why = text("why");
        // The kind says it already: `push refused: push refused: …` reads as a stutter.
        let why = why.strip_prefix("push refused: ").unwrap_or(&why);
        out.push(Notable {
            at: text("at"),
            kind: "push refused".into(),
            what: format!("{why} (by the {})", text("via")),
        });
    }
    for line in crate::ops::present::sink_errors(sink_errors) {
        let (at, what) = line.split_once(' ').unwrap_or(("", line.as_str()));
        let gap = what.contains("sink was restarted") || what.contains("log file was removed or renamed");
        let kind = if gap { "log gap" } else { "logging error" };
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
    // Summed in milliseconds, then rounded up: work shorter than a second is still work.
    let mut total_ms = 0;
    for (i, e) in events.iter().enumerate() {
        if e.state == State::Working {
            let until = events.get(i + 1).map(|n| n.at).unwrap_or(end);
            total_ms += (until - e.at).num_milliseconds().max(0);
        }
    }
    (total_ms + 999) / 1000
}

// ---- The report as text: `minder review`, the dash's overlay -------------------------------

/// The session `minder review NAME` reports on, taken now: what it shows is what `approve`
/// approves (its HEAD is recorded before the report), and an ended agent's sink has written
/// its last bytes.
pub fn take(ctx: &Ctx, name: &str) -> anyhow::Result<Observed> {
    let obs = crate::ops::reconcile::observe_one(ctx, name)?;
    crate::ops::decision::reviewed(ctx, &obs.record);
    if obs.record.ended_at.is_some() {
        crate::store::wait_sink_drained(&ctx.store.paths(name), std::time::Duration::from_secs(3));
    }
    Ok(obs)
}

/// One session's review for a person, to any `io::Write` (the command, the dash): the attempts
/// on the same brief side by side first when it is one of them, then its own report.
pub fn render(ctx: &Ctx, obs: &Observed, color: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if obs.record.attempt.is_some() {
        let all = crate::ops::reconcile::observe(ctx)?;
        render_attempts(&ctx.store, &all, &obs.record.task, color, out)?;
        writeln!(out)?;
    }
    render_report(ctx, obs, false, color, out)?;
    Ok(())
}

/// Attempts on the same brief, side by side and ranked, so the person can pick one: checks
/// passing first, then the smaller diff, then the one that finished sooner; the row says why.
pub fn render_attempts(
    store: &crate::store::Store,
    all: &[Observed],
    task: &str,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let group: Vec<&Observed> = all.iter().filter(|o| o.record.attempt.is_some() && o.record.task == task).collect();
    let mut ranked: Vec<(crate::domain::rank::Standing, &Observed)> = group
        .into_iter()
        .map(|o| {
            let r = &o.record;
            let diff = crate::git::diff::diff_summary(r);
            let standing = crate::domain::rank::Standing {
                checks_passed: r.check_results.iter().filter(|c| c.passed()).count(),
                checks: r.checks.len(),
                checks_run: !r.check_results.is_empty(),
                lines_changed: diff.as_ref().map(|d| d.insertions + d.deletions),
                finished_at: (r.state() == State::Review || r.state() == State::Approved).then_some(r.state_at),
            };
            (standing, o)
        })
        .collect();
    ranked.sort_by(|a, b| crate::domain::rank::order(&a.0, &b.0).then(a.1.record.attempt.cmp(&b.1.record.attempt)));
    writeln!(out, "{}", paint(color, "1", &format!("attempts on `{task}`, best first")))?;
    let header = ["RANK", "#", "NAME", "STATE", "CHECKS", "DIFF", "WHY", "FIRST RISK"];
    let mut rows = vec![header.iter().map(|h| (h.to_string(), String::new())).collect::<Vec<_>>()];
    let best = ranked.first().map(|(s, _)| s.clone());
    for (i, (standing, o)) in ranked.iter().enumerate() {
        let r = &o.record;
        let diff = crate::git::diff::diff_summary(r)
            .map(|d| {
                format!(
                    "{} files +{} -{}{}",
                    d.files_changed,
                    d.insertions,
                    d.deletions,
                    if d.untracked.is_empty() { String::new() } else { format!(" ({} new)", d.untracked.len()) }
                )
            })
            .unwrap_or_else(|| "-".into());
        let why = match (&best, i) {
            (_, 0) => crate::domain::rank::why_first(standing),
            (Some(b), _) => crate::domain::rank::why_behind(standing, b),
            _ => String::new(),
        };
        rows.push(vec![
            ((i + 1).to_string(), String::new()),
            (r.attempt.map(|n| n.to_string()).unwrap_or_default(), String::new()),
            (r.name.clone(), String::new()),
            (r.state().to_string(), state_color(r.state())),
            (standing.checks_cell(), String::new()),
            (diff, String::new()),
            (why, String::new()),
            (first_risk(store, r), String::new()),
        ]);
    }
    write!(out, "{}", crate::ops::present::table(&rows, color))
}

/// The first line of RISKS.md with text (not a heading), cut to 50 characters, made safe.
fn first_risk(store: &crate::store::Store, r: &Record) -> String {
    crate::store::untrusted::checkpoint_text(&r.checkpoint_dir, "RISKS.md")
        .and_then(|(t, note)| {
            if t.is_empty() {
                // Not read (a FIFO, a link): say so rather than nothing.
                return note;
            }
            let t = crate::redact::redact_text(
                &t,
                &crate::store::secrets::redactions(&store.paths(&r.name), &r.log_settings.redact),
            );
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.chars().take(50).collect::<String>())
        })
        .map(|l| one_line(&l).into_owned())
        .unwrap_or_else(|| "-".into())
}

/// One session's report, each section only when it has something to say; `short` (the list of
/// sessions to review) leaves out the last output. Everything the agent wrote is sanitized: it
/// never drives the terminal.
pub fn render_report(ctx: &Ctx, obs: &Observed, short: bool, color: bool, out: &mut dyn Write) -> io::Result<()> {
    use crate::ops::present::age;
    use crate::render::sanitize::{for_terminal, path};
    let rep = gather(ctx, obs, !short);
    let c = color;
    let r = &obs.record;
    let state = if r.detail().is_empty() { r.state().to_string() } else { format!("{} ({})", r.state(), r.detail()) };
    writeln!(out, "{}  {}", paint(c, "1", &r.name), paint(c, &state_color(r.state()), &state))?;
    match &r.worktree {
        Some(w) => {
            writeln!(out, "worktree  {} (branch {}, base {})", path(&w.path), one_line(&w.branch), one_line(&w.base))?
        }
        None => writeln!(out, "dir       {}", path(&r.dir))?,
    }
    if rep.time_worked_s > 0 {
        writeln!(out, "worked    {}", age(rep.time_worked_s))?;
    }
    if let Some(t) = crate::ops::usage::short(&ctx.config, r) {
        let u = &rep.usage;
        writeln!(
            out,
            "tokens    {t} (input {} of which cached {}, output {} of which reasoning {})",
            u["input_tokens"], u["cached_input_tokens"], u["output_tokens"], u["reasoning_tokens"]
        )?;
    }
    if let Some(f) = &rep.fence {
        writeln!(out, "fence     {}", f.describe())?;
    }
    for line in &rep.fence_refusals {
        writeln!(out, "refused   {}", one_line(line))?;
    }
    match r.approval() {
        // What the push gate and `apply` take: this commit and its ancestors.
        Some(Some(commit)) => writeln!(
            out,
            "approved  {commit} (git push of it and its ancestors is allowed; `minder apply {}` merges it)",
            r.name
        )?,
        Some(None) => writeln!(out, "approved  (no commit recorded)")?,
        None => {}
    }
    let mut section = |title: &str, body: &str| -> io::Result<()> {
        writeln!(out, "\n{}", paint(c, "1", title))?;
        for line in for_terminal(body.trim_end()).lines() {
            writeln!(out, "  {line}")?;
        }
        Ok(())
    };
    if let Some(b) = &rep.brief {
        let mut body = String::new();
        if let Some(g) = &rep.goal {
            body.push_str(&format!("goal:         {g}\n"));
        }
        for (label, items) in [("allowed:", &b.allowed), ("not allowed:", &b.not_allowed), ("stop when:", &b.stop_when)]
        {
            for (i, item) in items.iter().enumerate() {
                body.push_str(&format!("{:<14}{item}\n", if i == 0 { label } else { "" }));
            }
        }
        section("brief", &body)?;
    } else if let Some(g) = &rep.goal {
        section("brief", &format!("goal:         {g}"))?;
    }
    if !rep.plan.is_empty() {
        let done = rep.plan.iter().filter(|i| i.done).count();
        let body: Vec<String> =
            rep.plan.iter().map(|i| format!("[{}] {}", if i.done { "x" } else { " " }, i.text)).collect();
        section(&format!("plan ({done}/{})", rep.plan.len()), &body.join("\n"))?;
    }
    if !rep.checkpoint_notes.is_empty() {
        section("checkpoint files not read whole", &rep.checkpoint_notes.join("\n"))?;
    }
    if let Some(s) = &rep.status {
        section("status (STATUS.md)", s)?;
    }
    let risks_unread = rep.checkpoint_notes.iter().any(|n| n.starts_with("RISKS.md "));
    match &rep.risks {
        Some(s) => section("risks (RISKS.md)", s)?,
        None if risks_unread => {}
        None => section("risks", "no RISKS.md yet")?,
    }
    if !rep.commits.is_empty() {
        let body: Vec<String> =
            rep.commits.iter().map(|k| format!("{} {}", &k.commit[..k.commit.len().min(12)], k.subject)).collect();
        section(&format!("commits since the base ({})", rep.commits.len()), &body.join("\n"))?;
    }
    if !rep.others_commits.is_empty() {
        let body: Vec<String> = rep
            .others_commits
            .iter()
            .map(|k| format!("{} {}", &k.commit[..k.commit.len().min(12)], one_line(&k.subject)))
            .collect();
        let title = format!(
            "commits by others in this shared checkout since the session started ({}; not the agent's, never covered by its approval)",
            rep.others_commits.len()
        );
        section(&title, &body.join("\n"))?;
    }
    if let Some(u) = &rep.uncommitted {
        let mut body = u.stat.trim_end().to_string();
        if !u.untracked.is_empty() {
            body.push_str(&format!("\nnew files not yet added: {}", u.untracked.join(", ")));
        }
        section("uncommitted changes", body.trim_start_matches('\n'))?;
    }
    match &rep.diff {
        Some(d) if d.files_changed > 0 || !d.untracked.is_empty() => {
            let base: String = d.base.chars().take(12).collect();
            let mut body = d.stat.trim_end().to_string();
            if !d.untracked.is_empty() {
                body.push_str(&format!("\n{} new file(s) not yet added", d.untracked.len()));
            }
            section(&format!("files changed in total against {base} (full: minder review {} --diff)", r.name), &body)?;
        }
        Some(_) => section("files changed", "none")?,
        None => section("files changed", "not a git repository")?,
    }
    if !r.checks.is_empty() {
        let body = if rep.checks.is_empty() {
            format!("{} check(s), not run yet (they run when it reaches review)", r.checks.len())
        } else {
            let rows: Vec<String> = rep
                .checks
                .iter()
                .map(|c| {
                    let outcome = match (c.exit_code, &c.error) {
                        (Some(0), _) => "passed".to_string(),
                        (Some(code), _) => format!("failed ({code})"),
                        (None, Some(e)) => e.clone(),
                        (None, None) => "failed".into(),
                    };
                    format!("{outcome:<12} {:>6}  {}", age((c.duration_ms / 1000) as i64), c.command)
                })
                .collect();
            rows.join("\n")
        };
        section("checks", &body)?;
    }
    if !rep.artifacts.is_empty() {
        let mut body = String::new();
        for a in &rep.artifacts {
            match &a.note {
                Some(note) => body.push_str(&format!("{} ({} bytes): {note}\n", a.path, a.size)),
                None => body.push_str(&format!("{} ({} bytes)\n", a.path, a.size)),
            }
            for l in &a.last_lines {
                body.push_str(&format!("    {l}\n"));
            }
        }
        section("artifacts", &body)?;
    }
    if !rep.events.is_empty() {
        let body: Vec<String> = rep.events.iter().map(|e| format!("{}  {}: {}", e.at, e.kind, e.what)).collect();
        section("to know", &body.join("\n"))?;
    }
    if let Some(m) = &rep.last_message {
        section("last reply", m)?;
    }
    if !rep.last_lines.is_empty() {
        section("last output", &rep.last_lines.join("\n"))?;
    }
    writeln!(
        out,
        "\n{}",
        paint(
            c,
            "2",
            &format!("minder approve {0} [--note TEXT] · minder reject {0} --note TEXT · minder attach {0}", r.name)
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::state::Source;

    fn ev(secs: i64, state: State, note: Option<&str>) -> Event {
        let at = DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap();
        Event {
            at,
            state,
            detail: String::new(),
            source: Source::Screen,
            note: note.map(str::to_string),
            pattern: None,
            lines: vec![],
        }
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

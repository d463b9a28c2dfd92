//! `minder review`: the report for the human gate. The report gathers what a person needs
//! to judge an agent's work without attaching: goal, plan progress, latest status, risks, the
//! diff against the base (uncommitted changes included), artifacts and the last lines it printed.

use crate::app::Ctx;
use crate::ops::reconcile::{self, Observed};
use crate::domain::record::Record;
use crate::domain::state::State;
use crate::ops::present::{self, paint};
use anyhow::Result;
use serde_json::json;
use std::path::Path;
use clap::Args as ClapArgs;

/// Show a session's review report, or the sessions that need review
///
/// The report: goal, plan progress, latest status, risks, diff against the base (uncommitted
/// changes included), test artifacts, last output. With no NAME: the sessions that need review,
/// attempts on the same brief side by side.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Show the full diff against the base (uncommitted changes included) through your pager
    #[arg(long, requires = "name")]
    pub diff: bool,
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().filter(|s| !s.trim().is_empty())
}

fn artifacts(record: &Record) -> Vec<String> {
    let dir = record.checkpoint_dir.join("artifacts");
    let mut out = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.display().to_string());
            }
            if out.len() >= 200 {
                break;
            }
        }
    }
    out.sort();
    out
}

fn last_lines(ctx: &Ctx, record: &Record, n: usize) -> Vec<String> {
    let dir = ctx.store.paths(&record.name).logs();
    crate::ops::present::last_lines(&dir, record.width.max(20), record.height.max(5), n).unwrap_or_default()
}

/// The report for one session, as JSON (the text view prints the same fields).
pub fn report(ctx: &Ctx, obs: &Observed) -> serde_json::Value {
    let r = &obs.record;
    let brief = read(&r.checkpoint_dir.join("BRIEF.md"));
    let goal = r.goal.clone().or_else(|| brief.as_deref().and_then(crate::domain::brief::goal_of));
    json!({
        "name": r.name,
        "agent": r.agent,
        "state": r.state,
        "detail": r.detail,
        "goal": goal,
        "progress": present::progress(r).map(|(d, t)| json!({"done": d, "total": t})),
        "plan": read(&r.checkpoint_dir.join("PLAN.md")),
        "status": read(&r.checkpoint_dir.join("STATUS.md")),
        "risks": read(&r.checkpoint_dir.join("RISKS.md")),
        "diff": crate::git::diff::diff_summary(r),
        "artifacts": artifacts(r),
        "last_lines": last_lines(ctx, r, 15),
        "last_message": r.last_message,
        "worktree": r.worktree,
        "attempt": r.attempt,
        "dir": r.dir,
        "checkpoint_dir": r.checkpoint_dir,
        "exit_code": r.exit_code,
        "approved_commit": r.approved_commit,
    })
}

/// Sessions the person is asked to review.
fn needs_review(state: State) -> bool {
    matches!(state, State::Review)
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let Some(query) = &args.name else {
        let all = reconcile::observe(ctx)?;
        crate::ops::present::note_tmux_errors(ctx, &all);
        let mut todo: Vec<&Observed> = all.iter().filter(|o| needs_review(o.record.state)).collect();
        todo.sort_by_key(|o| o.record.state_at);
        if args.json {
            let list: Vec<_> = todo.iter().map(|o| report(ctx, o)).collect();
            crate::outln!("{}", serde_json::to_string_pretty(&json!({"version": 1, "sessions": list}))?);
            return Ok(());
        }
        if todo.is_empty() {
            ctx.note("nothing to review (sessions reach `review` when they finish; see `minder ls`)");
            return Ok(());
        }
        let mut shown_groups = Vec::new();
        for o in &todo {
            if o.record.attempt.is_some() {
                if shown_groups.contains(&o.record.task) {
                    continue;
                }
                shown_groups.push(o.record.task.clone());
                print_attempts(ctx, &all, &o.record.task)?;
            } else {
                print_report(ctx, o, true)?;
            }
            crate::outln!();
        }
        return Ok(());
    };
    let name = ctx.resolve(query)?;
    let obs = reconcile::observe_one(ctx, &name)?;
    crate::ops::present::note_tmux_errors(ctx, [&obs]);
    if obs.record.ended_at.is_some() {
        crate::store::wait_sink_drained(&ctx.store.paths(&name), std::time::Duration::from_secs(3));
    }
    if args.diff {
        return crate::git::diff::full_diff(&obs.record);
    }
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&json!({"version": 1, "review": report(ctx, &obs)}))?);
        return Ok(());
    }
    if obs.record.attempt.is_some() {
        let all = reconcile::observe(ctx)?;
        print_attempts(ctx, &all, &obs.record.task)?;
        crate::outln!();
    }
    print_report(ctx, &obs, false)
}

/// Attempts on the same brief, side by side, so the person can pick one.
fn print_attempts(ctx: &Ctx, all: &[Observed], task: &str) -> Result<()> {
    let mut group: Vec<&Observed> = all.iter().filter(|o| o.record.attempt.is_some() && o.record.task == task).collect();
    group.sort_by_key(|o| o.record.attempt);
    crate::outln!("{}", paint(ctx.color, "1", &format!("attempts on `{task}`")));
    let mut rows = vec![["#", "NAME", "STATE", "PROGRESS", "DIFF", "RISKS"].iter().map(|h| (h.to_string(), String::new())).collect::<Vec<_>>()];
    for o in group {
        let r = &o.record;
        let diff = crate::git::diff::diff_summary(r)
            .map(|d| format!("{} files +{} -{}{}", d.files_changed, d.insertions, d.deletions, if d.untracked.is_empty() { String::new() } else { format!(" ({} new)", d.untracked.len()) }))
            .unwrap_or_else(|| "-".into());
        let risks = read(&r.checkpoint_dir.join("RISKS.md"))
            .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).map(|l| l.chars().take(50).collect()))
            .unwrap_or_else(|| "-".into());
        rows.push(vec![
            (r.attempt.map(|n| n.to_string()).unwrap_or_default(), String::new()),
            (r.name.clone(), String::new()),
            (r.state.to_string(), present::state_color(r.state).to_string()),
            (present::progress(r).map(|(d, t)| format!("{d}/{t}")).unwrap_or_else(|| "-".into()), String::new()),
            (diff, String::new()),
            (risks, String::new()),
        ]);
    }
    crate::out!("{}", present::table(&rows, ctx.color));
    Ok(())
}

fn print_report(ctx: &Ctx, obs: &Observed, short: bool) -> Result<()> {
    let v = report(ctx, obs);
    let c = ctx.color;
    let r = &obs.record;
    let state = if r.detail.is_empty() { r.state.to_string() } else { format!("{} ({})", r.state, r.detail) };
    crate::outln!("{}  {}", paint(c, "1", &r.name), paint(c, present::state_color(r.state), &state));
    if let Some(goal) = v["goal"].as_str() {
        crate::outln!("goal      {goal}");
    }
    if let Some((d, t)) = present::progress(r) {
        crate::outln!("progress  {d}/{t}");
    }
    if let Some(w) = &r.worktree {
        crate::outln!("worktree  {} (branch {}, base {})", w.path.display(), w.branch, w.base);
    } else {
        crate::outln!("dir       {}", r.dir.display());
    }
    if let Some(commit) = &r.approved_commit {
        // What the push gate lets through: this commit and its ancestors.
        crate::outln!("approved  {commit} (git push of it and its ancestors is allowed)");
    }
    let section = |title: &str, body: &str| -> Result<()> {
        crate::outln!("\n{}", paint(c, "1", title));
        for line in body.trim_end().lines() {
            crate::outln!("  {line}");
        }
        Ok(())
    };
    if let Some(s) = v["status"].as_str() {
        section("status (STATUS.md)", s)?;
    }
    match v["risks"].as_str() {
        Some(s) => section("risks (RISKS.md)", s)?,
        None => section("risks", "no RISKS.md yet")?,
    }
    match crate::git::diff::diff_summary(r) {
        Some(d) => {
            let mut body = if d.stat.trim().is_empty() { "no changes to tracked files".to_string() } else { d.stat.clone() };
            if !d.untracked.is_empty() {
                body.push_str(&format!("\nnew files not yet added: {}", d.untracked.join(", ")));
            }
            let base: String = d.base.chars().take(12).collect();
            section(&format!("diff against {base} (full: minder review {} --diff)", r.name), &body)?;
        }
        None => section("diff", "not a git repository")?,
    }
    let arts = artifacts(r);
    if !arts.is_empty() {
        section("artifacts", &arts.join("\n"))?;
    }
    if let Some(m) = &r.last_message {
        section("last reply", m)?;
    }
    if !short {
        let lines = last_lines(ctx, r, 15);
        if !lines.is_empty() {
            section("last output", &lines.join("\n"))?;
        }
    }
    crate::outln!("\n{}", paint(c, "2", &format!("minder approve {0} [--note TEXT] · minder reject {0} --note TEXT · minder attach {0}", r.name)));
    Ok(())
}

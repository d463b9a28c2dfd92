//! `minder review`: the report for the human gate. The report gathers what a person needs
//! to judge an agent's work without attaching: goal, plan progress, latest status, risks, the
//! diff against the base (uncommitted changes included), artifacts and the last lines it printed.

use crate::app::Ctx;
use crate::domain::state::State;
use crate::ops::present::{self, paint};
use crate::ops::reconcile::{self, Observed};
use anyhow::Result;
use clap::Args as ClapArgs;
use serde_json::json;

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

/// The report for one session, as JSON (the text view prints the same sections).
pub fn report(ctx: &Ctx, obs: &Observed) -> serde_json::Value {
    serde_json::to_value(crate::ops::review::gather(ctx, obs, true)).unwrap_or_default()
}

/// Sessions the person is asked to review.
fn needs_review(state: State) -> bool {
    matches!(state, State::Review)
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let Some(query) = &args.name else {
        // Every host's too, asked at once while this machine's are gathered.
        let remote = std::thread::scope(|sc| {
            let asked = sc.spawn(|| crate::ops::remote::review_hosts(ctx, args.json));
            let all = reconcile::observe(ctx);
            (all, asked.join().expect("the hosts' review thread does not panic"))
        });
        let (all, remote) = (remote.0?, remote.1);
        crate::ops::present::note_tmux_errors(ctx, &all);
        let mut todo: Vec<&Observed> = all.iter().filter(|o| needs_review(o.record.state())).collect();
        todo.sort_by_key(|o| o.record.state_at);
        if args.json {
            let mut list: Vec<_> = todo.iter().map(|o| report(ctx, o)).collect();
            for (host, text) in &remote {
                let theirs: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                for mut s in theirs["sessions"].as_array().cloned().unwrap_or_default() {
                    s["host"] = json!(host);
                    list.push(s);
                }
            }
            crate::outln!("{}", serde_json::to_string_pretty(&json!({"version": 1, "sessions": list}))?);
            return Ok(());
        }
        for (host, text) in &remote {
            crate::outln!("── {host} ──");
            crate::out!("{text}");
        }
        if todo.is_empty() && remote.is_empty() {
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
    let name = match crate::ops::remote::locate(ctx, query)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["review".to_string(), crate::ops::remote::there(&name)];
            if args.json {
                argv.push("--json".into());
            }
            if args.diff {
                argv.push("--diff".into());
            }
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    let obs = reconcile::observe_one(ctx, &name)?;
    // What the person is shown now is what `approve` approves: its HEAD, taken before the report.
    crate::ops::decision::reviewed(ctx, &obs.record);
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

/// Attempts on the same brief, side by side and ranked, so the person can pick one: checks
/// passing first, then the smaller diff, then the one that finished sooner; the row says why.
fn print_attempts(ctx: &Ctx, all: &[Observed], task: &str) -> Result<()> {
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
    crate::outln!("{}", paint(ctx.color, "1", &format!("attempts on `{task}`, best first")));
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
            (r.state().to_string(), present::state_color(r.state()).to_string()),
            (standing.checks_cell(), String::new()),
            (diff, String::new()),
            (why, String::new()),
            (first_risk(r), String::new()),
        ]);
    }
    crate::out!("{}", present::table(&rows, ctx.color));
    Ok(())
}

/// The first line of RISKS.md with text (not a heading), cut to 50 characters, made safe.
fn first_risk(r: &crate::domain::record::Record) -> String {
    crate::store::untrusted::checkpoint_text(&r.checkpoint_dir, "RISKS.md")
        .and_then(|(t, note)| {
            if t.is_empty() {
                // Not read (a FIFO, a link): say so rather than nothing.
                return note;
            }
            let t = crate::sink::redact::redact_text(&t, &crate::sink::redact::user_patterns(&r.log_settings.redact));
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.chars().take(50).collect::<String>())
        })
        .map(|l| crate::render::sanitize::one_line(&l).into_owned())
        .unwrap_or_else(|| "-".into())
}

fn print_report(ctx: &Ctx, obs: &Observed, short: bool) -> Result<()> {
    use crate::render::sanitize::{for_terminal, one_line, path};
    let rep = crate::ops::review::gather(ctx, obs, !short);
    let c = ctx.color;
    let r = &obs.record;
    let state = if r.detail().is_empty() { r.state().to_string() } else { format!("{} ({})", r.state(), r.detail()) };
    crate::outln!("{}  {}", paint(c, "1", &r.name), paint(c, present::state_color(r.state()), &state));
    match &r.worktree {
        Some(w) => {
            crate::outln!("worktree  {} (branch {}, base {})", path(&w.path), one_line(&w.branch), one_line(&w.base))
        }
        None => crate::outln!("dir       {}", path(&r.dir)),
    }
    if rep.time_worked_s > 0 {
        crate::outln!("worked    {}", present::age(rep.time_worked_s));
    }
    if let Some(t) = crate::ops::usage::short(&ctx.config, r) {
        let u = &rep.usage;
        crate::outln!(
            "tokens    {t} (input {} of which cached {}, output {} of which reasoning {})",
            u["input_tokens"],
            u["cached_input_tokens"],
            u["output_tokens"],
            u["reasoning_tokens"]
        );
    }
    if let Some(f) = &rep.fence {
        crate::outln!("fence     {}", f.describe());
    }
    for line in &rep.fence_refusals {
        crate::outln!("refused   {}", one_line(line));
    }
    match r.approval() {
        // What the push gate and `apply` take: this commit and its ancestors.
        Some(Some(commit)) => crate::outln!(
            "approved  {commit} (git push of it and its ancestors is allowed; `minder apply {}` merges it)",
            r.name
        ),
        Some(None) => crate::outln!("approved  (no commit recorded)"),
        None => {}
    }
    let section = |title: &str, body: &str| -> Result<()> {
        crate::outln!("\n{}", paint(c, "1", title));
        for line in for_terminal(body.trim_end()).lines() {
            crate::outln!("  {line}");
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
                    format!("{outcome:<12} {:>6}  {}", present::age((c.duration_ms / 1000) as i64), c.command)
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
    crate::outln!(
        "\n{}",
        paint(
            c,
            "2",
            &format!("minder approve {0} [--note TEXT] · minder reject {0} --note TEXT · minder attach {0}", r.name)
        )
    );
    Ok(())
}

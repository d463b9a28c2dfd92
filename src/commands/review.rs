//! `minder review`: the report for the human gate. The report gathers what a person needs
//! to judge an agent's work without attaching: goal, plan progress, latest status, risks, the
//! diff against the base (uncommitted changes included), artifacts and the last lines it printed.

use crate::app::Ctx;
use crate::domain::state::State;
use crate::ops::present::versioned;
use crate::ops::reconcile::{self, Observed};
use crate::ops::review::{render_attempts, render_report};
use anyhow::Result;
use clap::Args as ClapArgs;
use serde_json::json;
use std::io::Write;

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
            crate::outln!("{}", serde_json::to_string_pretty(&versioned(json!({"sessions": list})))?);
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        for (host, text) in &remote {
            writeln!(out, "── {host} ──")?;
            write!(out, "{text}")?;
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
                render_attempts(&ctx.store, &all, &o.record.task, ctx.color, &mut out)?;
            } else {
                render_report(ctx, o, true, ctx.color, &mut out)?;
            }
            writeln!(out)?;
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
    let obs = crate::ops::review::take(ctx, &name)?;
    crate::ops::present::note_tmux_errors(ctx, [&obs]);
    if args.diff {
        return crate::git::diff::full_diff(&obs.record);
    }
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&versioned(json!({"review": report(ctx, &obs)})))?);
        return Ok(());
    }
    crate::ops::review::render(ctx, &obs, ctx.color, &mut std::io::stdout().lock())
}

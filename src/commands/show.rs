//! `minder show`: everything known of one session.

use crate::app::Ctx;
use crate::ops::present;
use crate::ops::reconcile;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Everything known of one session: metadata, state, exit, logs, events
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Print JSON: {"version":1,"session":{...}}
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = match crate::ops::remote::locate(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["show".to_string(), crate::ops::remote::there(&name)];
            if !args.json {
                return crate::ops::remote::forward(&host, argv, None, None);
            }
            argv.push("--json".into());
            let mut reply = host.request(crate::domain::hosts::Op::Run { argv, expect: None, brief: None })?;
            // The session as the remote shows it, and the host it is on.
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&reply.stdout) {
                v["session"]["host"] = host.name.clone().into();
                reply.stdout = serde_json::to_string_pretty(&v)? + "\n";
            }
            return crate::ops::remote::print_reply(&reply);
        }
    };
    let obs = reconcile::observe_one(ctx, &name)?;
    present::note_tmux_errors(ctx, [&obs]);
    let paths = ctx.store.paths(&name);
    if obs.record.ended_at.is_some() {
        // The sink saves the last checkpoints and log bytes of a session that just ended.
        crate::store::wait_sink_drained(&paths, std::time::Duration::from_secs(3));
    }
    let (events, damaged_events) = ctx.store.events_checked(&name)?;
    let log_errors = crate::ops::present::sink_errors(&paths.sink_errors());
    let segments = crate::store::logs::segments(&paths.logs()).unwrap_or_default();
    let checkpoints = crate::store::checkpoints::history(&ctx.store, &name).unwrap_or_default();
    if args.json {
        let mut s = present::session_json(ctx, &obs);
        s["events"] = serde_json::to_value(&events)?;
        s["damaged_event_lines"] = serde_json::to_value(damaged_events)?;
        s["checkpoints"] = serde_json::to_value(&checkpoints)?;
        s["log_files"] = serde_json::to_value(&segments)?;
        s["log_errors"] = serde_json::to_value(&log_errors)?;
        s["goal"] = serde_json::to_value(&obs.record.goal)?;
        s["thread_id"] = serde_json::to_value(&obs.record.thread_id)?;
        let v = crate::ops::present::versioned(serde_json::json!({"session": s}));
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let r = &obs.record;
    let c = ctx.color;
    let state = if r.detail().is_empty() { r.state().to_string() } else { format!("{} ({})", r.state(), r.detail()) };
    crate::outln!("{}", present::paint(c, "1", &r.name));
    // Every value may hold text the agent controls (its reply, paths, argv, notes): control
    // characters show as visible escapes, never reach the terminal.
    let field = |k: &str, v: String| -> std::io::Result<()> {
        use std::io::Write as _;
        writeln!(std::io::stdout(), "  {:<12} {}", k, crate::render::sanitize::one_line(&v))
    };
    crate::outln!("  {:<12} {}", "state", present::paint(c, &present::state_color(r.state()), &state));
    field("agent", r.agent.clone())?;
    field("task", r.task.clone())?;
    if let Some(goal) = &r.goal {
        field("goal", goal.clone())?;
    }
    field("dir", r.dir.display().to_string())?;
    field("command", crate::tmux::quote::shell_join(&r.command))?;
    field("created", r.created_at.to_rfc3339())?;
    field("active", present::last_activity(ctx, r).to_rfc3339())?;
    if let Some((d, t)) = present::progress(r) {
        field("progress", format!("{d}/{t}"))?;
    }
    if let Some(t) = r.ended_at {
        let how = match (r.exit_code, r.exit_signal) {
            (_, Some(s)) => format!("killed by {}", crate::domain::state::signal_name(s)),
            (Some(code), None) => format!("exit {code}"),
            _ => "exit unknown".into(),
        };
        field("ended", format!("{} ({how})", t.to_rfc3339()))?;
    }
    if let Some(w) = &r.worktree {
        field("worktree", format!("{} (branch {}, base {})", w.path.display(), w.branch, w.base))?;
    }
    field("checkpoints", r.checkpoint_dir.display().to_string())?;
    field("log", crate::store::logs::current_path(&paths.logs()).display().to_string())?;
    if segments.len() > 1 {
        field("log files", format!("{} (rotated {})", segments.len(), segments.len() - 1))?;
    }
    if let Some(p) = &obs.pane {
        let renamed = if p.session_name != r.name {
            format!(" (tmux session renamed `{}`)", p.session_name)
        } else {
            String::new()
        };
        field(
            "tmux",
            format!("{} {}{}{renamed}", p.session_id, p.pane_id, if p.attached > 0 { " (attached)" } else { "" }),
        )?;
    }
    if let Some(msg) = &r.last_message {
        field("last reply", msg.lines().next().unwrap_or("").to_string())?;
    }
    if !log_errors.is_empty() {
        crate::outln!("  {}", present::paint(c, "1;31", "logging errors:"));
        for e in log_errors.iter().rev().take(5).rev() {
            crate::outln!("    {}", crate::render::sanitize::one_line(e));
        }
    }
    if !checkpoints.is_empty() {
        crate::outln!("  checkpoints:");
        for cp in checkpoints.iter().rev().take(10).rev() {
            crate::outln!("    {}  {}", cp.at.to_rfc3339(), crate::render::sanitize::one_line(&cp.file));
        }
    }
    if damaged_events > 0 {
        crate::outln!("  {}", present::paint(c, "1;31", &format!("{damaged_events} damaged event lines skipped")));
    }
    if !events.is_empty() {
        crate::outln!("  events:");
        for e in events.iter().rev().take(10).rev() {
            let detail = if e.detail.is_empty() { String::new() } else { format!(" ({})", e.detail) };
            let note =
                e.note.as_deref().map(|n| format!(" — {}", crate::render::sanitize::one_line(n))).unwrap_or_default();
            crate::outln!("    {}  {}{}  [{:?}]{}", e.at.to_rfc3339(), e.state, detail, e.source, note);
        }
    }
    Ok(())
}

//! `minder ls`: one tmux call per server, then a table or JSON.

use crate::app::Ctx;
use crate::ops::present;
use crate::ops::reconcile::{self, Observed};
use anyhow::Result;
use chrono::Utc;
use clap::Args as ClapArgs;

/// List minder's sessions: live ones and those that need you
///
/// Ended sessions that need nothing more (stopped, approved) show with --all.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Print JSON: {"version":1,"sessions":[...]}
    #[arg(long)]
    pub json: bool,
    /// Include ended sessions still on disk
    #[arg(short, long)]
    pub all: bool,
}

/// Widest WHERE cell, in columns.
const PLACE_WIDTH: usize = 24;

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    if args.json && ctx.config.hosts.is_empty() {
        crate::outln!("{}", serde_json::to_string(&crate::ops::listing::local_json(ctx, args.all)?)?);
        return Ok(());
    }
    let (mut sessions, damaged) = reconcile::observe_listing_checked(ctx)?;
    present::note_tmux_errors(ctx, &sessions);
    if !args.all {
        sessions.retain(|o| crate::domain::state::listed_by_default(o.record.state(), o.record.running()));
    }
    // With `[hosts.NAME]` configured: every host's sessions too, with a HOST column.
    if !ctx.config.hosts.is_empty() {
        let mut local: Vec<_> = sessions
            .iter()
            .map(|o| {
                let mut v = present::session_json(ctx, o);
                v["host"] = "local".into();
                v
            })
            .collect();
        local.extend(damaged.iter().map(|d| serde_json::json!({"host": "local", "name": d.name, "damaged": d.error})));
        return crate::ops::remote::ls_across(ctx, local, args.json, args.all);
    }
    // Those that need a person first (waiting, review, failed, lost, stuck), the longest
    // waiting first; `--json` lists in the same order.
    sessions.sort_by(|a, b| {
        let key = |o: &Observed| {
            (crate::domain::state::attention_rank(o.record.state()), o.record.state_at, o.record.name.clone())
        };
        key(a).cmp(&key(b))
    });
    // A record that cannot be read is shown with its error, never skipped.
    if args.json {
        let list: Vec<_> = sessions.iter().map(|o| present::session_json(ctx, o)).collect();
        let damaged: Vec<_> = damaged.iter().map(|d| serde_json::json!({"name": d.name, "error": d.error})).collect();
        let v = crate::ops::present::versioned(serde_json::json!({"sessions": list, "damaged": damaged}));
        crate::outln!("{}", serde_json::to_string(&v)?);
        return Ok(());
    }
    if sessions.is_empty() && damaged.is_empty() {
        ctx.note(if args.all {
            "no sessions (start one with `minder new`)"
        } else {
            "no sessions (start one with `minder new`; `minder ls --all` shows ended ones)"
        });
        return Ok(());
    }
    let now = Utc::now();
    // The FENCE column (sandbox and network policy) shows when any listed agent is fenced.
    let fenced = sessions.iter().any(|o| o.record.fence.is_some_and(|f| f.by != crate::domain::fence::FenceBy::None));
    // TOKENS (read from the agents' transcripts) shows when any listed agent keeps one.
    let tokens = sessions.iter().any(|o| o.record.transcript.is_some());
    let mut header = vec!["NAME", "STATE", "FOR", "ACTIVE", "PLAN", "WHERE"];
    if tokens {
        header.push("TOKENS");
    }
    if fenced {
        header.push("FENCE");
    }
    let mut rows = vec![header.iter().map(|h| (h.to_string(), String::new())).collect::<Vec<_>>()];
    for o in &sessions {
        let r = &o.record;
        let state =
            if r.detail().is_empty() { r.state().to_string() } else { format!("{} ({})", r.state(), r.detail()) };
        let progress = present::progress(r).map(|(d, t)| format!("{d}/{t}")).unwrap_or_else(|| "-".into());
        // A worktree by its project and branch; anything else by its directory, `~` for home.
        let place = match present::place(r) {
            (project, branch) if !branch.is_empty() => format!("{project}:{branch}"),
            _ => present::home_short(&r.dir),
        };
        // The end of a long one says most (`--json` has it whole): a row fits 80 columns.
        let place = present::keep_tail(&crate::render::sanitize::one_line(&place), PLACE_WIDTH);
        rows.push(vec![
            (r.name.clone(), String::new()),
            (state, present::state_color(r.state())),
            (present::ago(r.state_at, now), String::new()),
            (present::ago(present::last_activity(ctx, r), now), String::new()),
            (progress, String::new()),
            (place, String::new()),
        ]);
        if tokens {
            let t = crate::ops::usage::short(&ctx.config, r).unwrap_or_else(|| "-".into());
            rows.last_mut().expect("just pushed").push((t, String::new()));
        }
        if fenced {
            // The sandbox and network policy: `rw-net`, `ro+net`, `off+net`.
            let marker = r.fence.map(|f| f.marker()).unwrap_or_else(|| "-".into());
            rows.last_mut().expect("just pushed").push((marker, String::new()));
        }
    }
    for d in &damaged {
        rows.push(vec![
            (d.name.clone(), String::new()),
            ("damaged".into(), crate::render::look::UNREADABLE.sgr()),
            ("-".into(), String::new()),
            ("-".into(), String::new()),
            ("-".into(), String::new()),
            (crate::render::sanitize::one_line(&d.error).into_owned(), String::new()),
        ]);
        for _ in 0..(usize::from(tokens) + usize::from(fenced)) {
            rows.last_mut().expect("just pushed").push(("-".into(), String::new()));
        }
    }
    crate::out!("{}", present::table(&rows, ctx.color));
    Ok(())
}

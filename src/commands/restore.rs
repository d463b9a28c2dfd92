//! `minder restore`: bring back sessions that were `lost` (the tmux server died, the machine
//! rebooted) in their directory or worktree, with the profile's resume command, appending to
//! the same log.

use crate::app::Ctx;
use crate::domain::record::Record;
use crate::domain::state::State;
use crate::ops::reconcile;
use anyhow::{anyhow, Result};
use clap::Args as ClapArgs;

/// Re-create lost sessions (tmux server killed, reboot), or continue ended ones, with their resume command
///
/// Each comes back in its directory or worktree, with the program and flags it was started
/// with, appending to the same log. Codex resumes its own thread (`codex resume <id>`) when
/// its notify reported it, else `codex resume --last`; a plain command runs again. With no
/// NAME, every lost session. A session named that has ended (after a reject, a stop, its own
/// exit) is continued too, when its profile has a resume command:
///
///   minder restore                 # every lost session
///   minder restore fix-login       # continue one that ended
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Sessions: full name, task, or a unique prefix (default: all lost ones)
    pub names: Vec<String>,
    /// Print JSON: {"version":1,"restored":[...sessions],"failed":[{"name":..,"error":..}]}
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    // Sessions of another host are restored by its minder, on its tmux server.
    let names = match crate::ops::remote::locate_all(ctx, &args.names)? {
        crate::ops::remote::Located::Local(names) => names,
        crate::ops::remote::Located::Remote(host, names) => {
            let mut argv = vec!["restore".to_string()];
            argv.extend(names.iter().map(|n| crate::ops::remote::there(n)));
            if args.json {
                argv.push("--json".into());
            }
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    let all = reconcile::observe(ctx)?;
    let targets: Vec<Record> = if args.names.is_empty() {
        all.into_iter().filter(|o| o.record.state() == State::Lost).map(|o| o.record).collect()
    } else {
        let mut v = Vec::new();
        for q in &names {
            let name = ctx.resolve(q)?;
            let o = all.iter().find(|o| o.record.name == name).ok_or_else(|| anyhow!("no session `{q}`"))?;
            if o.record.state() != State::Lost {
                if o.record.running() || o.alive() {
                    return Err(anyhow!(
                        "session `{name}` is {} and still running: nothing to restore",
                        o.record.state()
                    ));
                }
                let profile = crate::domain::agents::profile(&ctx.config, &o.record.agent)?;
                if profile.resume.is_empty() && o.record.thread_id.is_none() {
                    return Err(anyhow!(
                        "session `{name}` has ended and its profile `{}` has no resume command: start it again with `minder new`",
                        profile.name
                    ));
                }
                // Its tmux session, kept after the exit (remain-on-exit), goes first: the
                // name is needed again. Closed by its ids, only while it is still this run's.
                crate::ops::stop::stop(ctx, o, true, None)?;
            }
            v.push(o.record.clone());
        }
        v
    };
    if targets.is_empty() {
        ctx.note("no lost sessions to restore");
    }
    let mut restored = Vec::new();
    let mut failed = Vec::new();
    for record in targets {
        match crate::ops::restore::restore_one(ctx, record.clone()) {
            Ok(r) => {
                if args.json {
                    restored.push(r.name);
                } else {
                    crate::outln!("{}", r.name);
                }
            }
            Err(e) => {
                eprintln!("error: cannot restore `{}`: {e:#}", record.name);
                failed.push(serde_json::json!({"name": record.name, "error": format!("{e:#}")}));
            }
        }
    }
    if args.json {
        // Each as it is now, in tmux again.
        let restored = restored
            .iter()
            .map(|name| reconcile::observe_one(ctx, name).map(|o| crate::ops::present::session_json(ctx, &o)))
            .collect::<Result<Vec<_>>>()?;
        let v = crate::ops::present::versioned(serde_json::json!({"restored": restored, "failed": failed}));
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    }
    if !failed.is_empty() {
        return Err(crate::error::Exit { code: 1, message: None }.into());
    }
    Ok(())
}

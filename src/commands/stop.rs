//! `minder stop`: interrupt the agent as its profile says, then signal its process group, then
//! kill the session, all within the profile's grace period.

use crate::app::Ctx;
use crate::ops::reconcile;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Stop a session: interrupt the agent, then end it after a grace period
///
/// Logs and checkpoints are kept; the state becomes `stopped`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Do not wait: kill the agent at once
    #[arg(long)]
    pub force: bool,
    /// Why, recorded in the event log
    #[arg(long, hide = true)]
    pub note: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let query = match crate::ops::remote::locate_query(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["stop".to_string(), crate::ops::remote::there(&name)];
            if args.force {
                argv.push("--force".into());
            }
            if let Some(note) = args.note {
                argv.extend(["--note".to_string(), note]);
            }
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    let name = {
        // A `new` in progress finishes first (it holds this lock until the session exists).
        let _all = ctx.store.lock_all()?;
        ctx.resolve(&query)?
    };
    let obs = reconcile::observe_one(ctx, &name)?;
    let was_alive = obs.alive();
    crate::ops::stop::stop_telling(ctx, &obs, args.force, args.note, &|step| ctx.note(&format!("{name}: {step}")))?;
    let record = ctx.store.load(&name)?;
    if was_alive {
        ctx.note(&format!("stopped `{name}` (logs: `minder logs {name}`)"));
    } else {
        ctx.note(&format!("`{name}` had already ended ({}); its tmux session is closed", record.state()));
    }
    Ok(())
}

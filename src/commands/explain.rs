//! `minder explain`: why a session is in its state.

use crate::app::Ctx;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Why a session is in its state: the deciding evidence and what it outranked
///
/// Shows the evidence that decided the state (a hook, the exit, RISKS.md, the screen, output),
/// when, the rule that made it count, the pattern and the screen lines it matched (redacted and
/// sanitized), the evidence that came after and was outranked (and why), how this session's
/// state is known, and the transitions before, each with its own evidence. When the status line
/// looks wrong, start here — and paste it into a bug report.
///
///   minder explain fix-login
///   minder explain fix-login --json
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Print JSON: {"version":1,"explain":{...}}
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = match crate::ops::remote::locate(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["explain".to_string(), crate::ops::remote::there(&name)];
            if args.json {
                argv.push("--json".into());
            }
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    let obs = crate::ops::reconcile::observe_one(ctx, &name)?;
    crate::ops::present::note_tmux_errors(ctx, [&obs]);
    let events = ctx.store.events(&name)?;
    let x = crate::ops::explain::explain(&obs.record, &events);
    if args.json {
        let v = crate::ops::present::versioned(serde_json::json!({"explain": x}));
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    crate::ops::explain::render(&x, ctx.color, chrono::Utc::now(), &mut out)?;
    Ok(())
}

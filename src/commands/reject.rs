//! `minder reject`: the person sends the agent's work back, with a note the agent is given.

use crate::app::Ctx;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Reject a session's work and send the note to the agent as its next input
///
/// The state becomes `rejected`, and `working` again once the agent resumes.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// What to change: typed into the agent (safely, as `send` does) and recorded
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Print JSON: {"version":1,"session":{...},"message":"rejected `NAME` ..."}
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = match crate::ops::remote::locate(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            crate::ops::decision::refuse_inside_an_agent(ctx, "reject")?;
            let mut argv = vec!["reject".to_string(), crate::ops::remote::there(&name)];
            if let Some(note) = args.note {
                argv.extend(["--note".to_string(), note]);
            }
            if args.json {
                argv.push("--json".into());
            }
            return crate::ops::remote::decide(&host, &name, argv);
        }
    };
    let said = crate::ops::decision::reject(ctx, &name, args.note)?;
    if !args.json {
        ctx.note(&said);
        return Ok(());
    }
    let obs = crate::ops::reconcile::observe_one(ctx, &name)?;
    let v = crate::ops::present::versioned(
        serde_json::json!({"session": crate::ops::present::session_json(ctx, &obs), "message": said}),
    );
    crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

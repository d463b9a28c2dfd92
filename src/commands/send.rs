//! `minder send`: type text into the agent exactly, then press Enter.

use crate::app::Ctx;
use crate::ops::reconcile;
use anyhow::Result;
use std::time::Duration;
use clap::Args as ClapArgs;

/// Type text into the agent and press Enter
///
/// The text is sent literally (no key names), long or multi-line text through a paste buffer,
/// with the pause some agents need before Enter.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Text to type (words are joined by spaces)
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
    pub text: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = ctx.resolve(&args.name)?;
    let text = args.text.join(" ");
    let obs = reconcile::observe_one(ctx, &name)?;
    let profile = crate::domain::agents::profile(&ctx.config, &obs.record.agent)
        .map(|p| p.submit_delay)
        .unwrap_or(Duration::from_millis(100));
    crate::ops::deliver::deliver(ctx, &obs, &text, profile)
}


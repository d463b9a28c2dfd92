//! `minder _demo` (internal): the built-in demo agent.

use anyhow::Result;
use clap::Args as ClapArgs;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Continue a demo that was interrupted
    #[arg(long)]
    pub resume: bool,
    /// Anything else (the brief instruction) is shown, not obeyed
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

pub fn run(args: Args) -> Result<()> {
    crate::demo::run(args.resume, &args.rest)
}

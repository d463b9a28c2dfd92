//! `minder _git-hook` (internal): a git hook of an agent's repository: the push gate, then the
//! repository's own hook.

use anyhow::Result;
use clap::Args as ClapArgs;

#[derive(ClapArgs, Debug)]
pub struct Args {
    pub hook: String,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(args: Args) -> Result<()> {
    crate::git::gate::run_hook(&args.hook, &args.args)
}

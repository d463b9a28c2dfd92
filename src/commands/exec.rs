//! `minder _exec` (internal): the pane's first process, the supervisor that starts the agent.

use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// File holding the caller's environment (read, then deleted)
    #[arg(long)]
    pub env_file: Option<PathBuf>,
    /// The `@minder-id` of this run: its exit is recorded only while the record has it
    #[arg(long)]
    pub minder_id: Option<String>,
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

pub fn run(args: Args) -> Result<()> {
    crate::supervisor::exec(
        args.env_file.as_deref(),
        args.minder_id.as_deref(),
        &args.command,
        |store, name, code, signal| crate::ops::evidence::record_exit(store, name, code, signal, None).map(|_| ()),
    )
}

//! `minder _sink` (internal): the log sink that tmux pipe-pane feeds.

use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The session's record folder
    pub session_dir: PathBuf,
    /// Logging restarts after the previous sink died: mark the gap in the log
    #[arg(long)]
    pub resumed: bool,
}

pub fn run(args: Args) -> Result<()> {
    crate::sink::run(&args.session_dir, args.resumed, &crate::ops::evidence::SinkHand)
}

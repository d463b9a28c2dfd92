//! `minder _check` (internal): run a session's checks (`new --check`) now that it reached
//! `review`, detached from whoever recorded the transition.

use anyhow::Result;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The session's folder in the state dir
    pub session_dir: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let (store, name) = crate::store::store_of(&args.session_dir)?;
    // What a check starts stays ours to end at its deadline, even once it `setsid`s.
    crate::procs::become_subreaper();
    let result = crate::ops::checks::run_all(&store, &name);
    if let Err(e) = &result {
        let line = format!("{} running the checks: {e:#}", chrono::Utc::now().to_rfc3339());
        let _ = crate::store::fsutil::append_line(&store.paths(&name).sink_errors(), &line);
    }
    result
}

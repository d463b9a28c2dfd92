//! `minder _tell` (internal): runs the `[notify]` command for one transition, detached from
//! whoever recorded it, kills it at its deadline, and logs how it ended in `notify.log`.

use anyhow::Result;
use clap::Args as ClapArgs;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The session's folder in the state dir
    pub session_dir: PathBuf,
    /// Kill the command after this many milliseconds
    #[arg(long)]
    pub deadline_ms: u64,
    /// The state it tells of (for the log)
    #[arg(long)]
    pub state: String,
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}

pub fn run(args: Args) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let (store, name) = crate::store::store_of(&args.session_dir)?;
    let log = |line: &str| crate::ops::tell::log(&store, &name, &format!("{}: {line}", args.state));
    // What the command says may quote the agent (its last message is in its environment).
    let user = store.load(&name).map(|r| r.log_settings.redact).unwrap_or_default();
    let extra = crate::store::secrets::redactions(&store.paths(&name), &user);
    let shown = crate::tmux::quote::shell_join(&args.command);
    // Whatever the command starts stays ours to end at the deadline, even once it `setsid`s.
    crate::procs::become_subreaper();
    let mut child = match std::process::Command::new(&args.command[0])
        .args(&args.command[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            log(&format!("cannot run `{shown}`: {e}"));
            return Ok(());
        }
    };
    // What it says on stderr, for the log (read on a thread: a full pipe must not stall it).
    let mut stderr = child.stderr.take();
    let said = std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(4096).read_to_end(&mut text);
        }
        crate::redact::redact_text(&String::from_utf8_lossy(&text), &extra).trim().escape_debug().to_string()
    });
    // This process is the subreaper of what the command starts: at the deadline its whole
    // family ends, even what `setsid`ed away.
    let limit = Duration::from_millis(args.deadline_ms);
    let status = match crate::procs::wait_within(&mut child, limit, crate::procs::End::Family) {
        Ok(status) => status,
        Err(e) => {
            log(&format!("cannot wait for `{shown}`: {e}"));
            return Ok(());
        }
    };
    match status {
        Some(s) if s.success() => log(&format!("`{shown}` ok")),
        Some(s) => {
            let said = said.join().unwrap_or_default();
            log(&format!(
                "`{shown}` failed ({s}){}",
                if said.is_empty() { String::new() } else { format!(": {said}") }
            ));
        }
        None => {
            log(&format!("`{shown}` killed: still running after {:.1}s", args.deadline_ms as f64 / 1000.0));
        }
    }
    Ok(())
}

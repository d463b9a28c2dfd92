//! `minder _pane-died` (internal): the pane-died hook records the agent's exit.

use crate::tmux::{Identity, Tmux};
use crate::tmux_cmd;
use anyhow::Result;
use chrono::DateTime;
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(ClapArgs, Debug)]
pub struct Args {
    pub session_dir: PathBuf,
    pub pane_id: String,
    #[arg(allow_hyphen_values = true)]
    pub status: String,
    pub signal: String,
    pub time: String,
    /// The `@minder-id` of the session the pane died in (absent from hooks set by an older
    /// minder)
    #[arg(long, allow_hyphen_values = true)]
    pub minder_id: Option<String>,
    /// The session the pane died in (`#{session_id}`)
    #[arg(long)]
    pub session_id: Option<String>,
    /// The server it died on, `PID:START_TIME` (`#{pid}:#{start_time}`)
    #[arg(long)]
    pub server: Option<String>,
}

/// Whether the hook's pane is this run's: the session and server the hook names are the ones
/// recorded (where recorded). Values minder holds, not one the agent can set on its session.
fn hook_is_this_run(args: &Args, t: &crate::domain::record::TmuxIds) -> bool {
    if let Some(id) = &args.minder_id {
        // A hook set by an older minder passes the session's `@minder-id`.
        return *id == t.minder_id;
    }
    let session_ok = t.session_id.is_empty() || args.session_id.as_deref() == Some(t.session_id.as_str());
    let server_ok = match (t.server_pid, t.server_started) {
        (Some(pid), Some(started)) => args.server.as_deref() == Some(format!("{pid}:{started}").as_str()),
        _ => true,
    };
    session_ok && server_ok
}

/// `_pane-died ROOT PANE STATUS SIGNAL TIME`, run by the session's pane-died hook. Nobody sees
/// its stderr, so failures go to the session's error log.
pub fn run(args: Args, socket: Option<PathBuf>) -> Result<()> {
    let result = record_pane_death(&args, socket);
    if let Err(e) = &result {
        let paths = crate::store::paths::SessionPaths { root: args.session_dir.clone() };
        let line = format!("{} pane-died hook: {e:#}", chrono::Utc::now().to_rfc3339());
        let _ = crate::store::fsutil::append_line(&paths.sink_errors(), &line);
    }
    result
}

fn record_pane_death(args: &Args, socket: Option<PathBuf>) -> Result<()> {
    let (store, name) = crate::store::store_of(&args.session_dir)?;
    let record = store.load(&name)?;
    // Only this run's session counts: the hook of another run (an old session left on another
    // server, a record removed and made again) has another id. A hook set by an older minder
    // passes none; then the record has none either.
    if !hook_is_this_run(args, &record.tmux) {
        tracing::debug!("pane-died of {} in a session that is not `{name}`'s: ignored", args.pane_id);
        return Ok(());
    }
    // The hook fires for any pane of the session; only the agent's pane counts (its id may not
    // be recorded yet when the agent exits at once).
    if !record.tmux.pane_id.is_empty() && record.tmux.pane_id != args.pane_id {
        return Ok(());
    }
    // The supervisor has read the caller's environment, or never will.
    let _ = std::fs::remove_file(store.env_file_of(&record));
    let who = record.identity();
    let mut status: Option<i32> = args.status.trim().parse().ok();
    let mut signal: Option<i32> = args.signal.trim().parse().ok().filter(|s| *s != 0);
    if status.is_none() && signal.is_none() {
        // tmux runs the hook when the pty closes, which can be before it has reaped the
        // process: ask again until the status is there.
        if let Some(sock) = socket.or_else(|| record.socket.clone()) {
            (status, signal) = poll_exit_status(&sock, &args.pane_id, &who, Duration::from_secs(3));
        }
    }
    let at = args.time.trim().parse::<i64>().ok().and_then(|t| DateTime::from_timestamp(t, 0));
    crate::ops::evidence::record_exit(&store, &name, status, signal, at)?;
    Ok(())
}

fn poll_exit_status(socket: &Path, pane: &str, who: &Identity, timeout: Duration) -> (Option<i32>, Option<i32>) {
    let Ok(tmux) = Tmux::at_socket(socket) else { return (None, None) };
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let cmd = tmux_cmd!["display-message", "-p", "-t", pane, "#{pane_dead_status}:#{pane_dead_signal}"];
        match tmux.batch_if(pane, who, &[cmd]) {
            Ok(Some(out)) => {
                let (st, sig) = out.trim().split_once(':').unwrap_or(("", ""));
                let st = st.parse().ok();
                let sig = sig.parse().ok().filter(|s| *s != 0);
                if st.is_some() || sig.is_some() {
                    return (st, sig);
                }
            }
            Ok(None) | Err(_) => return (None, None),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (None, None)
}

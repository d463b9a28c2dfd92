//! Hidden subcommands minder runs for itself: the pane-died hook and the agent launcher.

use crate::cli::{ExecArgs, PaneDiedArgs};
use crate::commands::new::PANE_ENV;
use crate::session::Store;
use anyhow::{anyhow, Result};
use chrono::DateTime;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

/// `_pane-died ROOT PANE STATUS SIGNAL TIME`, run by the session's pane-died hook.
pub fn pane_died(args: PaneDiedArgs) -> Result<()> {
    let (store, name) = store_of(&args.session_dir)?;
    let record = store.load(&name)?;
    // The hook fires for any pane of the session; only the agent's pane counts (its id may not
    // be recorded yet when the agent exits at once).
    if !record.tmux.pane_id.is_empty() && record.tmux.pane_id != args.pane_id {
        return Ok(());
    }
    let status = args.status.trim().parse().ok();
    let signal = args.signal.trim().parse().ok().filter(|s| *s != 0);
    let at = args.time.trim().parse::<i64>().ok().and_then(|t| DateTime::from_timestamp(t, 0));
    crate::live::record_exit(&store, &name, status, signal, at)?;
    Ok(())
}

/// The store and session name of a session folder `STATE/sessions/NAME`.
pub fn store_of(root: &Path) -> Result<(Store, String)> {
    let name = root
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("bad session folder `{}`", root.display()))?
        .to_string();
    let state_dir = root
        .parent()
        .and_then(|p| p.parent())
        .ok_or_else(|| anyhow!("bad session folder `{}`", root.display()))?;
    Ok((Store::new(state_dir.to_path_buf()), name))
}

/// `_exec [--env-file F] -- COMMAND...`: become the agent, with the environment of whoever ran
/// `minder new` (tmux would give it the server's), never through a shell.
pub fn exec(args: ExecArgs) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(&args.command[0]);
    cmd.args(&args.command[1..]);
    if let Some(file) = &args.env_file {
        if let Ok(data) = std::fs::read(file) {
            let _ = std::fs::remove_file(file);
            let keep: Vec<(String, OsString)> =
                PANE_ENV.iter().filter_map(|k| std::env::var_os(k).map(|v| (k.to_string(), v))).collect();
            cmd.env_clear();
            for entry in data.split(|&b| b == 0).filter(|e| !e.is_empty()) {
                if let Some(eq) = entry.iter().position(|&b| b == b'=') {
                    let key = OsString::from_vec(entry[..eq].to_vec());
                    let value = OsString::from_vec(entry[eq + 1..].to_vec());
                    cmd.env(key, value);
                }
            }
            for (k, v) in keep {
                cmd.env(k, v);
            }
        }
    }
    let err = cmd.exec();
    let code = if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
    eprintln!("minder: cannot run `{}`: {err}", args.command[0]);
    std::process::exit(code);
}

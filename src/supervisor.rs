//! The pane's first process (`minder _exec`): it starts the agent with the caller's environment,
//! never through a shell, records its exit itself, and ends its whole family (what the agent
//! left running, `setsid` and `nohup` children included) when the agent ends.

use crate::store::Store;
use anyhow::Result;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// Environment variables the pane keeps from tmux rather than from the caller of `new`.
pub const PANE_ENV: &[&str] =
    &["TERM", "TMUX", "TMUX_PANE", "MINDER_SESSION", "MINDER_DIR", "MINDER_STATE_DIR", "MINDER_ATTEMPT"];

/// `_exec [--env-file F] -- COMMAND...`: the pane's process. It starts the agent with the
/// environment of whoever ran `minder new` (tmux would give it the server's), never through a
/// shell, waits for it, and records its exit itself: tmux's own exit status can be missing
/// (it may never reap a child that exits while a fresh server starts up).
pub fn exec(
    env_file: Option<&std::path::Path>,
    minder_id: Option<&str>,
    command: &[String],
    record_exit: RecordExit,
) -> Result<()> {
    let _ = RUN_ID.set(minder_id.unwrap_or_default().to_string());
    let _ = RECORD_EXIT.set(record_exit);
    let mut cmd = std::process::Command::new(&command[0]);
    cmd.args(&command[1..]);
    if let Some(file) = env_file {
        match std::fs::read(file) {
            Ok(data) => {
                let _ = std::fs::remove_file(file);
                apply_caller_env(&mut cmd, &data);
            }
            Err(err) => {
                // Gone means the start was given up (`new` failed or tmux was too slow, and
                // the file was removed): run nothing rather than an agent in the wrong
                // environment that nobody expects.
                eprintln!(
                    "minder: the environment for `{}` is gone ({err}): its start was given up; not starting it",
                    command[0]
                );
                record_own_exit(Some(126), None);
                std::process::exit(126);
            }
        }
    }
    // Interrupts typed into the pane reach the whole process group; this supervisor must
    // outlive the agent to record its exit, so it catches them (a handler, not SIG_IGN, so the
    // agent gets the default dispositions back after exec). A hangup (the tmux server died) or
    // a TERM sent to the pane's pid alone is passed on to the agent, which would not get it.
    for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only calls kill(2), which is async-signal-safe.
        unsafe { libc::signal(sig, forward as *const () as libc::sighandler_t) };
    }
    adopt_orphans();
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(err) => {
            let code = if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
            eprintln!("minder: cannot run `{}`: {err}", command[0]);
            record_own_exit(Some(code), None);
            std::process::exit(code);
        }
    };
    AGENT_PID.store(child.id() as i32, std::sync::atomic::Ordering::SeqCst);
    escalate_after_hangup();
    watch_sink();
    let status = wait_for_agent(child.id() as libc::pid_t)?;
    // Reaped: its pid may be reused from now on, so nothing signals it any more.
    AGENT_PID.store(0, std::sync::atomic::Ordering::SeqCst);
    drop(child);
    // Whatever the agent left running (a `setsid` or `nohup … &` child, a daemon) is ours now:
    // it ends with the session, before the exit is recorded and the pane goes.
    end_family();
    if !sink_running() {
        note_sink_gap("the log sink was not running when the agent ended; its last output may be missing");
    }
    use std::os::unix::process::ExitStatusExt;
    // After a hangup the pane is gone (server killed, `stop`, `rm`): the agent's end is a
    // consequence, not its own exit. `stop` records that itself; otherwise the session is lost.
    if !HANGUP.load(std::sync::atomic::Ordering::SeqCst) {
        record_own_exit(status.code(), status.signal());
    }
    match status.signal() {
        Some(sig) => {
            // Die the same way, so tmux shows the same status.
            // SAFETY: restoring the default disposition and raising a signal at ourselves.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
                libc::raise(sig);
            }
            std::process::exit(128 + sig);
        }
        None => std::process::exit(status.code().unwrap_or(1)),
    }
}

/// How often the supervisor makes sure the log sink still runs.
const SINK_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The session's store and name, from the pane's environment.
fn session_paths() -> Option<(Store, String)> {
    let state = std::env::var_os("MINDER_STATE_DIR")?;
    let name = std::env::var("MINDER_SESSION").ok()?;
    Some((Store::new(PathBuf::from(state)), name))
}

/// Whether the sink is running (or has not started yet).
fn sink_running() -> bool {
    session_paths().is_none_or(|(store, name)| crate::store::sink_alive(&store.paths(&name)))
}

fn note_sink_gap(what: &str) {
    let Some((store, name)) = session_paths() else { return };
    let line = format!("{} {what}", chrono::Utc::now().to_rfc3339());
    let _ = crate::store::fsutil::append_line(&store.paths(&name).sink_errors(), &line);
}

/// While the agent runs, look every `SINK_CHECK_EVERY` whether its log sink is alive, and
/// start a new one on the pane if it died (killed, out of memory): the new sink marks the gap
/// in the log. Without this a sink killed while nobody runs a minder command would lose every
/// byte after it, unmarked. The pane is addressed by `$TMUX_PANE`, only while its session
/// still carries this run's `@minder-id`.
fn watch_sink() {
    let (Some(socket), Ok(pane), Some((store, name))) =
        (crate::tmux::socket_from_env(), std::env::var("TMUX_PANE"), session_paths())
    else {
        return;
    };
    let Ok(exe) = std::env::current_exe() else { return };
    let run = RUN_ID.get().cloned().unwrap_or_default();
    std::thread::spawn(move || loop {
        std::thread::sleep(SINK_CHECK_EVERY);
        if AGENT_PID.load(std::sync::atomic::Ordering::SeqCst) <= 1 || HANGUP.load(std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        if sink_running() {
            continue;
        }
        let Ok(tmux) = crate::tmux::Tmux::at_socket(&socket) else { continue };
        // The session's recorded ids prove the pane is still the agent's (its `@minder-id` is
        // only the fallback of a record whose ids are not written yet).
        let who = match store.load(&name) {
            Ok(r) if r.tmux.minder_id == run || run.is_empty() => r.identity(),
            _ => continue,
        };
        let _ = tmux.reattach_sink(&pane, &who, &exe, &store.paths(&name).root);
    });
}

/// Become the subreaper of everything the agent starts: see `procs::become_subreaper`.
fn adopt_orphans() {
    crate::procs::become_subreaper();
}

/// Wait for the agent, reaping meanwhile every adopted orphan that ends (they would stay
/// zombies otherwise): `waitpid(-1)` until the agent's own status comes.
fn wait_for_agent(pid: libc::pid_t) -> Result<std::process::ExitStatus> {
    use std::os::unix::process::ExitStatusExt;
    loop {
        let mut status = 0;
        // SAFETY: waitpid(2) with a valid pointer to an int.
        let got = unsafe { libc::waitpid(-1, &mut status, 0) };
        if got == pid {
            return Ok(std::process::ExitStatus::from_raw(status));
        }
        if got < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e.into());
            }
        }
    }
}

/// How long what the agent left behind has between SIGTERM and SIGKILL.
const FAMILY_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// End the agent's family once the agent has ended.
fn end_family() {
    crate::procs::end_descendants(FAMILY_GRACE);
}

static AGENT_PID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// After a hangup (the pane is gone: its server died, or it was killed), an agent that ignores
/// SIGHUP must not run on unseen — `restore` would start a second one. A watchdog gives it
/// `HANGUP_GRACE`, then SIGTERM, then SIGKILL, to the agent and its process group.
const HANGUP_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Write end of the pipe the SIGHUP handler pokes to wake the watchdog (no polling).
static HANGUP_PIPE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

fn escalate_after_hangup() {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: a valid two-int array for pipe(2).
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return;
    }
    HANGUP_PIPE.store(fds[1], std::sync::atomic::Ordering::SeqCst);
    let read_fd = fds[0];
    std::thread::spawn(move || {
        let mut byte = [0u8; 1];
        // Blocks until the handler writes (or the process ends), unless the hangup came first.
        if !HANGUP.load(std::sync::atomic::Ordering::SeqCst)
        // SAFETY: reading one byte into a valid buffer.
        {
            while unsafe { libc::read(read_fd, byte.as_mut_ptr().cast(), 1) } < 0 {}
        }
        for sig in [libc::SIGTERM, libc::SIGKILL] {
            std::thread::sleep(HANGUP_GRACE);
            let pid = AGENT_PID.load(std::sync::atomic::Ordering::SeqCst);
            if pid <= 1 {
                return;
            }
            // SAFETY: kill(2) on our own child; its process group is ours (we are the pane's
            // session leader), so signal the child itself, not the group (that would include us).
            unsafe { libc::kill(pid, sig) };
        }
    });
}

static HANGUP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn forward(sig: libc::c_int) {
    if sig == libc::SIGHUP {
        HANGUP.store(true, std::sync::atomic::Ordering::SeqCst);
        let fd = HANGUP_PIPE.load(std::sync::atomic::Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: write(2) is async-signal-safe; one byte from a static buffer.
            unsafe { libc::write(fd, b"h".as_ptr().cast(), 1) };
        }
    }
    if sig == libc::SIGHUP || sig == libc::SIGTERM {
        let pid = AGENT_PID.load(std::sync::atomic::Ordering::SeqCst);
        if pid > 1 {
            // SAFETY: kill(2) is async-signal-safe.
            unsafe { libc::kill(pid, sig) };
        }
    }
}

fn apply_caller_env(cmd: &mut std::process::Command, data: &[u8]) {
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

/// This run's `@minder-id` (`--minder-id`; empty from an older `new`).
static RUN_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// How an exit becomes a transition of the session (`ops::evidence::record_exit`, given by the
/// `_exec` command: the supervisor stands below `ops`).
pub type RecordExit = fn(&Store, &str, Option<i32>, Option<i32>) -> anyhow::Result<()>;

static RECORD_EXIT: std::sync::OnceLock<RecordExit> = std::sync::OnceLock::new();

/// Record the agent's exit in its session (named by the pane's environment), if the record is
/// still this run's: a record removed and made again under the same name, or restored
/// elsewhere, has another id.
fn record_own_exit(code: Option<i32>, signal: Option<i32>) {
    let (Some(state), Some(name)) = (std::env::var_os("MINDER_STATE_DIR"), std::env::var("MINDER_SESSION").ok()) else {
        return;
    };
    let store = Store::new(PathBuf::from(state));
    let run = RUN_ID.get().map(String::as_str).unwrap_or_default();
    if !run.is_empty() && store.load(&name).map(|r| r.tmux.minder_id != run).unwrap_or(true) {
        return;
    }
    let Some(record_exit) = RECORD_EXIT.get() else { return };
    if let Err(e) = record_exit(&store, &name, code, signal) {
        let line = format!("{} recording the exit: {e:#}", chrono::Utc::now().to_rfc3339());
        let _ = crate::store::fsutil::append_line(&store.paths(&name).sink_errors(), &line);
    }
}

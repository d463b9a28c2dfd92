//! A fenced session's inbox: the one folder of the state dir a bubblewrap fence leaves
//! writable, where `minder notify` and the agent's git hooks leave what the sink outside takes.
//! Everything in it is the agent's to write, so it is read as untrusted: regular files only,
//! never through a link, never blocking on a FIFO, each read up to a bound.

use crate::domain::fence::AGENT_COMMITS;
use crate::store::paths::SessionPaths;
use anyhow::Result;

/// Tells apart two events one process leaves in the same nanosecond.
static LEFT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Take the commits the agent's hooks noted in the inbox (full hex object names only).
pub fn take_agent_commits(paths: &SessionPaths) -> Vec<String> {
    // Renamed first, so a hook appending meanwhile starts a new file instead of losing a line.
    const TAKEN: &str = ".agent-commits.taken";
    if std::fs::rename(paths.inbox().join(AGENT_COMMITS), paths.inbox().join(TAKEN)).is_err() {
        return Vec::new();
    }
    let text = crate::store::untrusted::checkpoint_text(&paths.inbox(), TAKEN).map(|(t, _)| t).unwrap_or_default();
    let _ = std::fs::remove_file(paths.inbox().join(TAKEN));
    text.lines()
        .map(str::trim)
        .filter(|l| matches!(l.len(), 40 | 64) && l.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .collect()
}

/// `minder notify` inside a bubblewrap fence: leave the event in the session's inbox (the
/// only part of the state dir writable there) for the sink outside to apply.
pub fn leave(paths: &SessionPaths, payload: &str) -> Result<()> {
    let inbox = paths.inbox();
    let name = format!(
        "{}-{}-{}.json",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        std::process::id(),
        LEFT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let tmp = inbox.join(format!(".{name}"));
    crate::store::fsutil::write_private(&tmp, payload.as_bytes())?;
    std::fs::rename(&tmp, inbox.join(name))?;
    Ok(())
}

/// Take the events waiting in `paths`' inbox, oldest first (each removed as it is taken).
/// What the fence wrote is untrusted: only regular files, each read up to 4 MiB.
pub fn take_events(paths: &SessionPaths) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(paths.inbox()) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.') && n.ends_with(".json"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names.into_iter().take(64) {
        let path = paths.inbox().join(&n);
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let mut text = String::new();
        // Never a link out of the inbox, never a FIFO that blocks the sink.
        let read = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
            .and_then(|f| f.take(4 << 20).read_to_string(&mut text));
        let _ = std::fs::remove_file(&path);
        if read.is_ok() {
            out.push(text);
        }
    }
    out
}

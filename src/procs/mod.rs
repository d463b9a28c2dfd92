//! Processes on this machine, as the kernel lists them: whether one exists, and who its parent
//! and process group are (from `/proc` on Linux; elsewhere these find nothing); and the one
//! deadline every process minder waits for is held to (`deadline`).

pub mod deadline;

pub use deadline::{output_within, wait_until, wait_within, Capture, End};

/// Whether a process with this pid exists (signal 0: nothing is sent).
pub fn pid_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only asks whether the process exists.
    pid > 1 && unsafe { libc::kill(pid as libc::pid_t, 0) } == 0
}

/// Whether the process a pid file names runs (a zombie waiting to be reaped does not). No file
/// yet counts as running: its process writes it as it starts. A file that names no pid does not.
/// The one check of a session's log sink (its `sink.pid`), by `minder` commands and the pane's
/// supervisor alike.
///
/// A process that wrote its pid file with `store::fsutil::write_atomic_held` holds a lock on it
/// for as long as it lives: the lock is asked first, which costs one open and no read, can never be fooled by a
/// pid the kernel gave to another process since, and is released as the process exits (a zombie
/// holds none). A free lock (a pid file written without one) falls back to the pid it names.
pub fn pid_file_alive(path: &std::path::Path) -> bool {
    use std::os::fd::AsRawFd;
    let Ok(file) = std::fs::File::open(path) else { return !path.exists() };
    // SAFETY: flock(2) on a descriptor this function owns; LOCK_NB never blocks.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) } != 0 {
        return std::io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK);
    }
    // Closing the file releases the shared lock just taken.
    let mut text = String::new();
    use std::io::Read;
    if (&file).take(32).read_to_string(&mut text).is_err() {
        return false;
    }
    let Ok(pid) = text.trim().parse::<u32>() else { return false };
    pid_alive(pid) && proc_stat(pid as libc::pid_t).is_none_or(|(state, _, _)| state != 'Z')
}

/// The live children of `parent`, from `/proc` (none where there is no `/proc`).
pub fn children_of(parent: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|&pid| proc_stat(pid).is_some_and(|(state, ppid, _)| ppid == parent && state != 'Z'))
        .collect()
}

/// State, parent and process group of `pid` from `/proc/PID/stat`. The command name in it may
/// hold spaces and parentheses, so the fields are read after its last `)`.
pub fn proc_stat(pid: libc::pid_t) -> Option<(char, libc::pid_t, libc::pid_t)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

/// Start `cmd` on its own, not waited for by the caller: stdio closed, in a process group of its
/// own (an interrupt typed into the agent's pane does not reach it), reaped by a thread so a
/// long-lived caller (the sink) collects no zombies; a short-lived one leaves it to init. For
/// work that must never hold up whoever started it (`minder _tell`, `minder _check`).
pub fn spawn_detached(mut cmd: std::process::Command) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Become the subreaper of everything this process starts (Linux): a descendant that leaves
/// its parent (`setsid`, `nohup … &`, a daemon's double fork) is re-parented to this process
/// instead of init, so `end_descendants` can still end it. Elsewhere only own children are found.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(2) with an integer option; it only changes this process's own attribute.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// End every descendant of this process (a subreaper: see `become_subreaper`): its children and
/// the orphans re-parented to it get SIGTERM, then SIGKILL once `grace` has passed (at once with
/// a zero grace); ending one can orphan its own children to us, so it repeats until none is left
/// (bounded, in case one cannot die). Every child is reaped, whoever else waits for it.
pub fn end_descendants(grace: std::time::Duration) {
    let start = std::time::Instant::now();
    let bound = (grace * 3).max(std::time::Duration::from_secs(1));
    let mut warned = std::collections::HashSet::new();
    loop {
        // SAFETY: waitpid(2) with a null status pointer, not blocking.
        while unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) } > 0 {}
        let children = children_of(std::process::id() as libc::pid_t);
        if children.is_empty() || start.elapsed() > bound {
            return;
        }
        let late = start.elapsed() >= grace;
        for pid in children {
            let sig = if late {
                libc::SIGKILL
            } else if warned.insert(pid) {
                libc::SIGTERM
            } else {
                continue;
            };
            // SAFETY: kill(2) on our own child (its pid cannot be reused while it is unreaped).
            unsafe { libc::kill(pid, sig) };
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The processes of process group `pgrp`, `pgrp`'s leader included.
pub fn group_members(pgrp: libc::pid_t) -> Vec<libc::pid_t> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter(|&pid| proc_stat(pid).is_some_and(|(_, _, g)| g == pgrp))
        .collect()
}

/// The parent and controlling terminal (`tty_nr`, 0 for none) of `pid`, from `/proc/PID/stat`.
pub fn parent_and_tty(pid: libc::pid_t) -> Option<(libc::pid_t, i64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    Some((fields.get(1)?.parse().ok()?, fields.get(4)?.parse().ok()?))
}

/// The command line of `pid` (empty where it cannot be read).
pub fn cmdline(pid: libc::pid_t) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            b.split(|&c| c == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a).into_owned()).collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn this_process_is_seen_with_its_parent_and_group() {
        let me = std::process::id() as libc::pid_t;
        // SAFETY: getppid(2) and getpgrp(2) cannot fail.
        let (parent, group) = unsafe { (libc::getppid(), libc::getpgrp()) };
        let (state, ppid, pgrp) = proc_stat(me).unwrap();
        assert!(state == 'R' || state == 'S', "{state}");
        assert_eq!((ppid, pgrp), (parent, group));
        assert!(children_of(parent).contains(&me));
        assert!(group_members(group).contains(&me));
        assert!(pid_alive(me as u32) && !pid_alive(1) && proc_stat(-5).is_none());
    }

    #[test]
    fn a_pid_file_is_alive_while_its_process_runs_unreaped_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sink.pid");
        assert!(pid_file_alive(&file), "not written yet: starting");
        std::fs::write(&file, std::process::id().to_string()).unwrap();
        assert!(pid_file_alive(&file));
        std::fs::write(&file, "garbage").unwrap();
        assert!(!pid_file_alive(&file));
        // A child that has exited and is not reaped yet is a zombie: not running.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        std::fs::write(&file, child.id().to_string()).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while proc_stat(child.id() as libc::pid_t).is_some_and(|(state, _, _)| state != 'Z') {
            assert!(std::time::Instant::now() < deadline, "`true` did not exit");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!pid_file_alive(&file));
        child.wait().unwrap();
        assert!(!pid_file_alive(&file));
    }

    /// A held pid file is alive by its lock, whatever pid it names (one the kernel may have
    /// given to another process since), and dead once its holder lets go; it never shows
    /// without the lock, not even while it is being written.
    #[test]
    fn a_held_pid_file_is_alive_by_its_lock() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sink.pid");
        let held = crate::store::fsutil::write_atomic_held(&file, std::process::id().to_string().as_bytes()).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), std::process::id().to_string());
        // Rewritten in place (same file, same lock) with a pid no process has.
        std::fs::OpenOptions::new().write(true).truncate(true).open(&file).unwrap().write_all(b"999999999").unwrap();
        assert!(pid_file_alive(&file), "alive by the lock, not the pid");
        drop(held);
        assert!(!pid_file_alive(&file), "the lock is gone and the pid names nothing");
        // Held again over the old one: replaced atomically, alive at once.
        let _again = crate::store::fsutil::write_atomic_held(&file, std::process::id().to_string().as_bytes()).unwrap();
        assert!(pid_file_alive(&file));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }
}

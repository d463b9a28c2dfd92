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
}

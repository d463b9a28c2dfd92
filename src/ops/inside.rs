//! Whether this minder runs inside an agent's session. A decision (approve, reject, apply) is
//! the person's: the agent must not make it for itself. The agent controls its environment, so
//! the proof is what it cannot change: the process tree (every process an agent starts stays a
//! descendant of its supervisor, which is a child subreaper, `setsid` and double forks
//! included) and the terminal (a pane of one of minder's sessions).

use crate::app::Ctx;

/// Why this process counts as inside an agent's session, or None.
pub fn inside_an_agent() -> Option<String> {
    if let Some(session) = std::env::var("MINDER_SESSION").ok().filter(|s| !s.is_empty()) {
        return Some(format!("MINDER_SESSION is `{session}`"));
    }
    let mut pid = std::process::id() as libc::pid_t;
    // A chain of parents ends at init; the bound only guards against a cycle read mid-change.
    for _ in 0..256 {
        let Some((parent, _)) = crate::procs::parent_and_tty(pid) else { break };
        if parent <= 1 {
            break;
        }
        if is_supervisor(&crate::procs::cmdline(parent)) {
            return Some(format!("it runs under the agent supervisor, pid {parent}"));
        }
        pid = parent;
    }
    None
}

/// The pane's first process of a minder session: `minder _exec …`.
fn is_supervisor(argv: &[String]) -> bool {
    argv.get(1).is_some_and(|a| a == "_exec")
        && argv.first().is_some_and(|a| {
            std::path::Path::new(a).file_name().is_some_and(|f| f.to_string_lossy().starts_with("minder"))
        })
}

/// The terminal check, which needs tmux: this process's controlling terminal is a pane of a
/// session minder made (a window the agent opened in its own session included). Sessions are
/// known by the ids their records keep, not by an option the agent could unset on its own.
pub fn in_an_agents_pane(ctx: &Ctx) -> Option<String> {
    let (_, tty) = crate::procs::parent_and_tty(std::process::id() as libc::pid_t)?;
    if tty == 0 {
        return None;
    }
    let ours: Vec<(String, crate::tmux::Identity)> = ctx
        .store
        .load_all()
        .ok()?
        .into_iter()
        .filter(|r| r.running())
        .map(|r| (r.name.clone(), r.identity()))
        .collect();
    let tmux = ctx.tmux().ok()?;
    let format = "#{pane_tty}\u{1f}#{session_id}/#{pid}/#{start_time}\u{1f}#{@minder-id}\u{1f}#{session_name}";
    let out = tmux.run(&crate::tmux_cmd!["list-panes", "-a", "-F", format]).ok()?;
    out.lines().find_map(|line| {
        let mut f = line.split('\u{1f}');
        let (path, session, minder_id, shown_name) = (f.next()?, f.next()?, f.next()?, f.next()?);
        let rdev = std::fs::metadata(path).ok().map(|m| std::os::unix::fs::MetadataExt::rdev(&m))?;
        if tty_nr_of(rdev) != tty {
            return None;
        }
        let (name, _) = ours.iter().find(|(name, who)| match who {
            crate::tmux::Identity::Session(id) => id == session,
            crate::tmux::Identity::Id(id) => id == minder_id,
            crate::tmux::Identity::Name(n) => n == shown_name && n == name,
        })?;
        Some(format!("its terminal is a pane of `{name}`"))
    })
}

/// A device number as `/proc/PID/stat` writes a `tty_nr`: minor's low byte, major, minor's rest.
fn tty_nr_of(rdev: u64) -> i64 {
    let (major, minor) = (libc::major(rdev) as i64, libc::minor(rdev) as i64);
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supervisor_is_known_by_its_argv() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_supervisor(&v(&["/usr/bin/minder", "_exec", "--", "codex"])));
        assert!(is_supervisor(&v(&["minder", "_exec"])));
        assert!(!is_supervisor(&v(&["/bin/sh", "_exec"])));
        assert!(!is_supervisor(&v(&["minder", "approve", "_exec"])));
    }

    #[test]
    fn a_pts_device_number_reads_as_its_tty_nr() {
        // /dev/pts/3 is 136:3; /proc shows 34819.
        assert_eq!(tty_nr_of(libc::makedev(136, 3)), 34819);
        assert_eq!(tty_nr_of(libc::makedev(136, 300)), (300 & 0xff) | (136 << 8) | ((300 & !0xff) << 12));
    }
}

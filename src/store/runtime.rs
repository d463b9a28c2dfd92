//! Private folders for what lives only while minder runs: the ssh control sockets, and the
//! caller's environment that `new` hands to the pane's supervisor (`_exec`), which reads and
//! deletes it a moment later.
//!
//! That environment holds whatever secrets the caller had (API keys, tokens). Written to the
//! state dir, a file deleted a few milliseconds later may still have had its blocks written to
//! the disk; on a memory file system (tmpfs) it never reaches one. It is also the cheaper place:
//! on a disk file system without a journal every file created scans for an inode (measured at
//! 0.3–0.6 ms a file on the bench machine), and `new` waits for each.

use anyhow::{bail, Result};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// `dir`, created 0700 in one step if missing (a umask only takes bits away, so nobody sees it
/// open between a mkdir and a chmod), and refused unless it is a folder of this user's that
/// nobody else may enter: not a link, not someone else's, no group or other bits.
pub fn private_dir(dir: &Path) -> Result<PathBuf> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => bail!("cannot create `{}`: {e}", dir.display()),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    // SAFETY: geteuid has no failure mode.
    let me = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        bail!("`{}` is not a private folder of yours (mode 0700)", dir.display());
    }
    Ok(dir.to_path_buf())
}

/// `$XDG_RUNTIME_DIR` when it is set to an absolute path of an existing folder.
pub fn xdg_runtime_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_RUNTIME_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
}

/// Where `new` leaves the caller's environment for `_exec`: a private folder on a memory file
/// system, `$XDG_RUNTIME_DIR/minder/env` (the login's own runtime folder), else
/// `/dev/shm/minder-UID`. None when neither is on one or can be made private (someone else made
/// `/dev/shm/minder-UID` first, say): then the session folder, as before.
pub fn handoff_dir() -> Option<PathBuf> {
    let candidates = [
        xdg_runtime_dir().map(|run| (run.clone(), run.join("minder"), Some(run.join("minder/env")))),
        Some((PathBuf::from("/dev/shm"), shm_dir(), None)),
    ];
    candidates.into_iter().flatten().find_map(|(base, first, second)| {
        if !in_memory(&base) {
            return None;
        }
        let dir = private_dir(&first).ok()?;
        match second {
            Some(inner) => private_dir(&inner).ok(),
            None => Some(dir),
        }
    })
}

/// minder's folder in `/dev/shm`, for a machine without `$XDG_RUNTIME_DIR`: `minder-UID`.
pub fn shm_dir() -> PathBuf {
    // SAFETY: geteuid has no failure mode.
    let me = unsafe { libc::geteuid() };
    PathBuf::from(format!("/dev/shm/minder-{me}"))
}

/// Whether `path` is on a file system kept in memory (tmpfs, ramfs).
fn in_memory(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else { return false };
    // SAFETY: a valid NUL-terminated path and a zeroed statfs for the kernel to fill.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c.as_ptr(), &mut fs) } != 0 {
        return false;
    }
    const TMPFS_MAGIC: i64 = 0x0102_1994;
    const RAMFS_MAGIC: i64 = 0x8584_58f6;
    #[allow(clippy::unnecessary_cast)]
    let kind = fs.f_type as i64;
    kind == TMPFS_MAGIC || kind == RAMFS_MAGIC
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_private_dir_is_made_0700_and_anything_else_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let made = private_dir(&t.path().join("p")).unwrap();
        assert_eq!(std::fs::metadata(&made).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(private_dir(&made).is_ok(), "an existing private folder is fine");

        let open = t.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(private_dir(&open).is_err(), "others may enter it");

        let link = t.path().join("link");
        std::os::unix::fs::symlink(&made, &link).unwrap();
        assert!(private_dir(&link).is_err(), "a link, even to a private folder");

        let file = t.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(private_dir(&file).is_err(), "not a folder");
    }

    /// Checked against the kernel's own list of mounts.
    #[test]
    fn only_memory_file_systems_count() {
        assert!(!in_memory(Path::new("/nonexistent/x")));
        assert!(!in_memory(Path::new("/proc")), "procfs");
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap();
        for line in mounts.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            if f.len() > 2 && (f[1] == "/dev/shm" || f[1] == "/") {
                let memory = f[2] == "tmpfs" || f[2] == "ramfs";
                assert_eq!(in_memory(Path::new(f[1])), memory, "{line}");
            }
        }
    }
}

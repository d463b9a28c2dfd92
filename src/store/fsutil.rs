//! File-system helpers that enforce minder's promises: every file it writes is 0600 and every
//! folder 0700 whatever the umask, and metadata is replaced atomically (temp file + rename).

use anyhow::{Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const FILE_MODE: u32 = 0o600;
pub const DIR_MODE: u32 = 0o700;

/// Create `dir` and any missing parents; each folder minder creates gets mode 0700.
pub fn create_private_dir_all(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        if !parent.as_os_str().is_empty() {
            create_private_dir_all(parent)?;
        }
    }
    match fs::create_dir(dir) {
        Ok(()) => set_mode(dir, DIR_MODE),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot create folder `{}`", dir.display())),
    }
}

/// Create one folder (not its parents) with mode 0700; fails if it exists. Used as an atomic claim.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set permissions of `{}`", path.display()))
}

/// Open `path` for appending, creating it 0600. A FIFO or a link put in the file's place (an
/// event log, the sink's error log) fails at once instead of blocking the writer: O_NONBLOCK
/// (no effect on a regular file's writes), O_NOFOLLOW.
pub fn open_private_append(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    open_private(path, &options, "open")
}

/// Create (or truncate) `path` for writing with mode 0600.
pub fn create_private_file(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).write(true).truncate(true);
    open_private(path, &options, "create")
}

/// Create `path` for writing with mode 0600, refusing anything already there (a file, a link).
pub fn create_new_private_file(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true).custom_flags(libc::O_NOFOLLOW);
    open_private(path, &options, "create")
}

/// Open `path` as `options` say, a file it creates being 0600. The mode is forced after
/// opening because the umask can strip bits from the mode given to open(2).
fn open_private(path: &Path, options: &OpenOptions, verb: &str) -> Result<File> {
    let file =
        options.clone().mode(FILE_MODE).open(path).with_context(|| format!("cannot {verb} `{}`", path.display()))?;
    file.set_permissions(fs::Permissions::from_mode(FILE_MODE))
        .with_context(|| format!("cannot set permissions of `{}`", path.display()))?;
    Ok(file)
}

/// Write `data` to a new private file (0600), without the fsync and rename of `write_atomic`:
/// for short-lived files nobody reads concurrently.
pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let mut file = create_private_file(path)?;
    file.write_all(data).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Replace `path` with `data` atomically: write a temp file beside it, fsync, rename over.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    replace(path, data, true)
}

/// `write_atomic` without the fsync: readers never see a partial file, but a power cut may lose
/// it. For files rewritten durably soon after.
pub fn write_atomic_quick(path: &Path, data: &[u8]) -> Result<()> {
    replace(path, data, false)
}

fn replace(path: &Path, data: &[u8], sync: bool) -> Result<()> {
    Replacement::prepare(path)?.commit(data, sync)
}

/// A replacement of `path` begun ahead of its contents: the temp file beside it is made now,
/// filled and renamed over `path` by `commit`. Made while something else runs (`new` makes the
/// record's next one while tmux creates the session), the file's creation is off the path of
/// what waits for the rename. Dropped without a commit, the temp file goes.
pub struct Replacement {
    path: std::path::PathBuf,
    tmp: std::path::PathBuf,
    file: Option<File>,
}

impl Replacement {
    pub fn prepare(path: &Path) -> Result<Replacement> {
        let dir = path.parent().context("atomic write needs a parent folder")?;
        let tmp = dir.join(format!(
            ".{}.{}.partial",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
            std::process::id()
        ));
        let file = create_private_file(&tmp)?;
        Ok(Replacement { path: path.to_path_buf(), tmp, file: Some(file) })
    }

    /// Write `data` (fsynced if `sync`) and put it in `path`'s place, atomically.
    pub fn commit(mut self, data: &[u8], sync: bool) -> Result<()> {
        let mut file = self.file.take().expect("committed once");
        file.write_all(data).with_context(|| format!("cannot write `{}`", self.tmp.display()))?;
        if sync {
            file.sync_all().with_context(|| format!("cannot sync `{}`", self.tmp.display()))?;
        }
        fs::rename(&self.tmp, &self.path).with_context(|| format!("cannot replace `{}`", self.path.display()))?;
        self.tmp = std::path::PathBuf::new();
        Ok(())
    }
}

impl Drop for Replacement {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Append one line to `path` (created 0600). A single write(2) of a line under PIPE_BUF on an
/// O_APPEND file does not interleave with other appenders.
pub fn append_line(path: &Path, line: &str) -> Result<()> {
    let mut file = open_private_append(path)?;
    let mut buf = String::with_capacity(line.len() + 1);
    buf.push_str(line);
    buf.push('\n');
    file.write_all(buf.as_bytes()).with_context(|| format!("cannot append to `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // The umask itself is process-wide, so the "whatever the umask" half is covered by an
    // integration test that runs minder under `umask 777`.
    fn files_and_dirs_are_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_private_dir_all(&dir).unwrap();
        let file = dir.join("meta.json");
        write_atomic(&file, b"{}").unwrap();
        append_line(&dir.join("events"), "x").unwrap();
        for d in [tmp.path().join("a"), dir.clone()] {
            assert_eq!(fs::metadata(&d).unwrap().permissions().mode() & 0o777, DIR_MODE);
        }
        for f in [file.clone(), dir.join("events")] {
            assert_eq!(fs::metadata(&f).unwrap().permissions().mode() & 0o777, FILE_MODE);
        }
        assert_eq!(fs::read(&file).unwrap(), b"{}");
    }
}

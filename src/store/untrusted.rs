//! The one reader of files an agent can write (its checkpoint folder, and anything under the
//! state dir it could reach): opened without following links and without blocking, read only
//! when a regular file, and only up to a cap, so a FIFO, a device or a 3 GB file can neither
//! hang nor bloat whoever looks (the sink, `ls`, `show`, `review`, the dash).

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::fd::FromRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::{Component, Path};

/// The most read of PLAN.md, STATUS.md, RISKS.md and BRIEF.md: far more than a person reads.
pub const CHECKPOINT_CAP: u64 = 1 << 20;
/// The most read of an artifact, from its end: enough for its last lines.
pub const ARTIFACT_TAIL: u64 = 16 << 10;

/// What was read: the first (or last) `cap` bytes, and whether that is less than the file.
#[derive(Debug)]
pub struct Contents {
    pub bytes: Vec<u8>,
    /// The file's size when it was opened.
    pub size: u64,
    pub cut: bool,
}

/// Why a file was not read.
#[derive(Debug)]
pub enum Unreadable {
    Missing,
    /// A FIFO, a device, a socket, a folder, or a symbolic link: never opened for reading.
    NotRegular(&'static str),
    /// A folder on the way is a symbolic link: the path would leave the folder it is read in.
    Outside,
    Io(io::Error),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Missing => write!(f, "does not exist"),
            Unreadable::NotRegular(kind) => write!(f, "is not a regular file ({kind})"),
            Unreadable::Outside => write!(f, "is reached through a symbolic link, not read"),
            Unreadable::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

impl From<Unreadable> for io::Error {
    fn from(u: Unreadable) -> io::Error {
        match u {
            Unreadable::Io(e) => e,
            Unreadable::Missing => io::ErrorKind::NotFound.into(),
            other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        }
    }
}

/// The first `cap` bytes of `root/rel`. Neither `root`'s last folder nor any folder of `rel`
/// may be a symbolic link.
pub fn read_head(root: &Path, rel: &str, cap: u64) -> Result<Contents, Unreadable> {
    // Most sessions have no such file: one lstat says so, before a folder is opened.
    if std::fs::symlink_metadata(root.join(rel)).is_err_and(|e| e.kind() == io::ErrorKind::NotFound) {
        return Err(Unreadable::Missing);
    }
    let file = open_under(root, rel)?;
    read_from(file, cap, false)
}

/// The last `cap` bytes of `root/rel` (see `read_head`).
pub fn read_tail(root: &Path, rel: &str, cap: u64) -> Result<Contents, Unreadable> {
    let file = open_under(root, rel)?;
    read_from(file, cap, true)
}

/// The first `cap` bytes of `path`, whose last component must not be a link (its parents are
/// minder's own folders): for the state dir's records and event logs.
pub fn read_file_head(path: &Path, cap: u64) -> Result<Contents, Unreadable> {
    read_from(open_at(libc::AT_FDCWD, path.as_os_str().as_bytes())?, cap, false)
}

/// The last `cap` bytes of `path` (see `read_file_head`).
pub fn read_file_tail(path: &Path, cap: u64) -> Result<Contents, Unreadable> {
    read_from(open_at(libc::AT_FDCWD, path.as_os_str().as_bytes())?, cap, true)
}

/// Whether `root/rel` is a real folder inside `root` (no link on the way): for listings.
pub fn is_dir_under(root: &Path, rel: &str) -> bool {
    let Ok(dir) = open_dir_chain(root, rel) else { return false };
    dir.metadata().map(|m| m.is_dir()).unwrap_or(false)
}

/// A checkpoint file as text for a person: None when it does not exist; otherwise its text
/// (lossy UTF-8, at most `CHECKPOINT_CAP`) and a note when it was cut or not read at all.
pub fn checkpoint_text(dir: &Path, file: &str) -> Option<(String, Option<String>)> {
    match read_head(dir, file, CHECKPOINT_CAP) {
        Ok(c) => {
            let note = c.cut.then(|| cut_note(file, &c));
            Some((String::from_utf8_lossy(&c.bytes).into_owned(), note))
        }
        Err(Unreadable::Missing) => None,
        Err(e) => Some((String::new(), Some(format!("{file} {e}")))),
    }
}

/// "PLAN.md was cut: only its first 1.0 MiB of 3.0 GiB was read".
pub fn cut_note(file: &str, c: &Contents) -> String {
    format!("{file} was cut: only {} of its {} were read", human(c.bytes.len() as u64), human(c.size))
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Open `root` (not following it if it is a link) and each folder of `rel` below it with
/// O_NOFOLLOW, then the file itself: a link anywhere on the way is refused, so the path never
/// leaves `root`.
fn open_under(root: &Path, rel: &str) -> Result<(File, u64), Unreadable> {
    let rel = Path::new(rel);
    let (parent, name) = match rel.parent() {
        Some(p) => (p.to_str().unwrap_or(""), rel.file_name().ok_or(Unreadable::Outside)?),
        None => ("", rel.as_os_str()),
    };
    let dir = open_dir_chain(root, parent)?;
    use std::os::fd::AsRawFd;
    open_at(dir.as_raw_fd(), name.as_bytes())
}

fn open_dir_chain(root: &Path, rel: &str) -> Result<File, Unreadable> {
    let mut dir = open_dir(libc::AT_FDCWD, root.as_os_str().as_bytes())?;
    for comp in Path::new(rel).components() {
        match comp {
            Component::Normal(part) => {
                use std::os::fd::AsRawFd;
                dir = open_dir(dir.as_raw_fd(), part.as_bytes())?;
            }
            Component::CurDir => {}
            // `..` or an absolute part would leave `root` without any link.
            _ => return Err(Unreadable::Outside),
        }
    }
    Ok(dir)
}

fn open_dir(at: libc::c_int, name: &[u8]) -> Result<File, Unreadable> {
    let c = CString::new(name).map_err(|_| Unreadable::Missing)?;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK;
    // SAFETY: a valid NUL-terminated name; the fd returned is owned by the File below.
    let fd = unsafe { libc::openat(at, c.as_ptr(), flags) };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::ENOENT) => Unreadable::Missing,
            // O_NOFOLLOW on a link (ELOOP), or O_DIRECTORY on a link or non-folder (ENOTDIR).
            Some(libc::ELOOP) | Some(libc::ENOTDIR) => Unreadable::Outside,
            _ => Unreadable::Io(e),
        });
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Open one file for reading, never blocking (O_NONBLOCK: a FIFO with no writer opens at once)
/// and never following a link, then insist, on the opened fd, that it is a regular file.
fn open_at(at: libc::c_int, name: &[u8]) -> Result<(File, u64), Unreadable> {
    let c = CString::new(name).map_err(|_| Unreadable::Missing)?;
    let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: a valid NUL-terminated name; the fd returned is owned by the File below.
    let fd = unsafe { libc::openat(at, c.as_ptr(), flags) };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::ENOENT) => Unreadable::Missing,
            Some(libc::ELOOP) => Unreadable::NotRegular("a symbolic link"),
            Some(libc::ENOTDIR) => Unreadable::Outside,
            // A FIFO opened for reading never fails with ENXIO, but a socket does.
            Some(libc::ENXIO) => Unreadable::NotRegular("a socket"),
            _ => Unreadable::Io(e),
        });
    }
    // SAFETY: fd was just opened and is owned by nobody else.
    let file = unsafe { File::from_raw_fd(fd) };
    let meta = file.metadata().map_err(Unreadable::Io)?;
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok((file, meta.len()));
    }
    Err(Unreadable::NotRegular(if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }))
}

/// Read at most `cap` bytes of a regular file, from its start or its end. `take` bounds it even
/// when the file grows while it is read.
/// Read from `file` (`size` bytes long when opened: a file of minder's is replaced by rename,
/// never rewritten in place, and an agent's that grows meanwhile is read as it was): at most
/// `cap` bytes, from the start or the end. Exactly those bytes are asked for, so a small file
/// costs one read(2), not a second one to find its end.
fn read_from((mut file, size): (File, u64), cap: u64, tail: bool) -> Result<Contents, Unreadable> {
    if tail && size > cap {
        file.seek(SeekFrom::Start(size - cap)).map_err(Unreadable::Io)?;
    }
    let want = size.min(cap) as usize;
    let mut bytes = vec![0u8; want];
    let mut got = 0;
    while got < want {
        match file.read(&mut bytes[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Unreadable::Io(e)),
        }
    }
    bytes.truncate(got);
    Ok(Contents { cut: size > got as u64, bytes, size })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkfifo(path: &Path) {
        let c = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn fifos_links_and_devices_are_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        mkfifo(&d.join("PLAN.md"));
        std::os::unix::fs::symlink("/dev/zero", d.join("STATUS.md")).unwrap();
        std::fs::create_dir(d.join("RISKS.md")).unwrap();
        assert!(matches!(read_head(d, "PLAN.md", 10), Err(Unreadable::NotRegular("a FIFO"))));
        assert!(matches!(read_head(d, "STATUS.md", 10), Err(Unreadable::NotRegular("a symbolic link"))));
        assert!(matches!(read_head(d, "RISKS.md", 10), Err(Unreadable::NotRegular("a folder"))));
        assert!(matches!(read_file_head(Path::new("/dev/null"), 10), Err(Unreadable::NotRegular("a device"))));
        assert!(matches!(read_head(d, "none.md", 10), Err(Unreadable::Missing)));
        let (_, note) = checkpoint_text(d, "PLAN.md").unwrap();
        assert_eq!(note.as_deref(), Some("PLAN.md is not a regular file (a FIFO)"));
    }

    #[test]
    fn a_folder_link_on_the_way_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("secret"), "s").unwrap();
        let cp = tmp.path().join("cp");
        std::fs::create_dir_all(cp.join("artifacts")).unwrap();
        std::os::unix::fs::symlink(&outside, cp.join("artifacts/out")).unwrap();
        assert!(matches!(read_tail(&cp, "artifacts/out/secret", 10), Err(Unreadable::Outside)));
        assert!(matches!(read_tail(&cp, "../outside/secret", 10), Err(Unreadable::Outside)));
        assert!(!is_dir_under(&cp, "artifacts/out"));
        assert!(is_dir_under(&cp, "artifacts"));
        // The checkpoint folder itself replaced by a link.
        let linked = tmp.path().join("linked");
        std::os::unix::fs::symlink(&outside, &linked).unwrap();
        assert!(matches!(read_head(&linked, "secret", 10), Err(Unreadable::Outside)));
    }

    #[test]
    fn a_huge_file_is_read_only_up_to_the_cap_from_either_end() {
        let tmp = tempfile::tempdir().unwrap();
        let f = std::fs::File::create(tmp.path().join("big")).unwrap();
        f.set_len(3 << 30).unwrap();
        let head = read_head(tmp.path(), "big", 1 << 20).unwrap();
        assert_eq!((head.bytes.len(), head.size, head.cut), (1 << 20, 3 << 30, true));
        assert_eq!(cut_note("big", &head), "big was cut: only 1.0 MiB of its 3.0 GiB were read");
        std::fs::write(tmp.path().join("small"), "0123456789").unwrap();
        let tail = read_tail(tmp.path(), "small", 4).unwrap();
        assert_eq!((tail.bytes.as_slice(), tail.cut), (&b"6789"[..], true));
        let whole = read_head(tmp.path(), "small", 100).unwrap();
        assert_eq!((whole.bytes.len(), whole.cut), (10, false));
    }
}

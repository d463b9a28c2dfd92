//! A session's raw log: the current file `output.log` plus rotated segments `output.log.<N>`,
//! N rising from 1 and never renamed again, so a reader never sees names shift under it. The
//! sink writes with [`LogWriter`]; `minder logs` reads with [`read_all`], [`tail_bytes`], [`follow`].

use crate::store::fsutil;
use anyhow::Context;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CURRENT_NAME: &str = crate::store::paths::CURRENT_LOG;
const SEGMENT_PREFIX: &str = "output.log.";
/// How often `follow` looks for new bytes when there are none.
const POLL_INTERVAL: Duration = Duration::from_millis(150);
const BLOCK: usize = 64 * 1024;
/// `follow` and the readers retry a listing that a concurrent rotation changed; bounded so a
/// writer rotating nonstop cannot starve them.
const SNAPSHOT_ATTEMPTS: usize = 100;

/// The file currently written in `dir`.
pub fn current_path(dir: &Path) -> PathBuf {
    dir.join(CURRENT_NAME)
}

fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{SEGMENT_PREFIX}{n}"))
}

/// The N of a rotated segment's file name, if it is one.
fn segment_number(name: &std::ffi::OsStr) -> Option<u64> {
    let digits = name.to_str()?.strip_prefix(SEGMENT_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&n| n > 0)
}

/// Rotated segments as (N, path), oldest first.
fn rotated_segments(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(n) = segment_number(&entry.file_name()) {
            found.push((n, entry.path()));
        }
    }
    found.sort_by_key(|(n, _)| *n);
    Ok(found)
}

/// All segments oldest first, then the current file (when it exists).
pub fn segments(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = rotated_segments(dir)?.into_iter().map(|(_, p)| p).collect();
    let current = current_path(dir);
    if current.exists() {
        paths.push(current);
    }
    Ok(paths)
}

/// Writes a session's log, rotating by size. Owned by the log sink, the only writer.
pub struct LogWriter {
    dir: PathBuf,
    /// None after a failed rotation or reopen; the next write tries to open again.
    file: Option<File>,
    size: u64,
    max_size: u64,
    keep: usize,
    /// Highest N used for a rotated segment so far.
    last_segment: u64,
    /// Every byte written since the writer was opened, across rotations: what a failed
    /// write did write is the difference (the rest was lost).
    written: u64,
    /// When the open file was last found to still be `output.log` (see `check_replaced`),
    /// and `written` then.
    checked_at: Instant,
    written_at_check: u64,
}

/// How often the sink makes sure `output.log` is still the file it writes.
const REPLACED_CHECK_EVERY: Duration = Duration::from_secs(1);

impl LogWriter {
    /// Open the log in `dir` (created 0700), appending to an existing `output.log` so a
    /// restarted sink continues where the crashed one stopped, and numbering rotated segments
    /// after the highest existing one. `max_size` 0 means never rotate.
    pub fn open(dir: &Path, max_size: u64, keep: usize) -> anyhow::Result<LogWriter> {
        fsutil::create_private_dir_all(dir)?;
        let last_segment = rotated_segments(dir)
            .with_context(|| format!("cannot list `{}`", dir.display()))?
            .last()
            .map_or(0, |(n, _)| *n);
        let mut writer = LogWriter {
            dir: dir.to_path_buf(),
            file: None,
            size: 0,
            max_size,
            keep,
            last_segment,
            written: 0,
            checked_at: Instant::now(),
            written_at_check: 0,
        };
        writer.open_current()?;
        writer.prune();
        Ok(writer)
    }

    /// The file currently written.
    pub fn current_path(&self) -> PathBuf {
        current_path(&self.dir)
    }

    /// Write all of `data`. Rotates first when the current file would pass `max_size`, so a
    /// chunk is not split across files unless it alone is larger than `max_size`. Errors
    /// (ENOSPC, EFBIG) are returned, never panicked on; the next call tries again.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let mut rest = data;
        while !rest.is_empty() {
            if self.file.is_none() {
                self.open_current().map_err(into_io_error)?;
            }
            let mut piece = rest;
            if self.max_size > 0 {
                if self.size > 0 && self.size.saturating_add(rest.len() as u64) > self.max_size {
                    self.rotate()?;
                }
                let room = self.max_size.saturating_sub(self.size).max(1);
                piece = &rest[..rest.len().min(usize::try_from(room).unwrap_or(usize::MAX))];
            }
            self.write_counted(piece)?;
            rest = &rest[piece.len()..];
        }
        Ok(())
    }

    /// write_all that keeps `size` true even when it fails halfway.
    fn write_counted(&mut self, mut data: &[u8]) -> io::Result<()> {
        let file = self.file.as_mut().ok_or_else(|| io::Error::other("log file not open"))?;
        while !data.is_empty() {
            match file.write(data) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.size += n as u64;
                    self.written += n as u64;
                    data = &data[n..];
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Bytes written since the writer was opened.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Whether the open file is still `output.log`: someone (the agent, a cleanup script) may
    /// have removed or renamed it, and every later byte would go to a file no reader finds.
    /// Looked at no more than once a second (one stat and one fstat). When it was replaced, the
    /// writer starts a new `output.log` at the next write and returns the bytes written since
    /// the last look that found it in place: they may be missing from the log.
    pub fn check_replaced(&mut self) -> Option<u64> {
        if self.checked_at.elapsed() < REPLACED_CHECK_EVERY {
            return None;
        }
        self.checked_at = Instant::now();
        let since = self.written - self.written_at_check;
        self.written_at_check = self.written;
        let file = self.file.as_ref()?;
        let Ok(open) = file.metadata() else { return None };
        let in_place = match fs::symlink_metadata(self.current_path()) {
            Ok(m) => open.nlink() > 0 && m.dev() == open.dev() && m.ino() == open.ino(),
            Err(_) => false,
        };
        if in_place {
            return None;
        }
        self.file = None;
        self.size = 0;
        Some(since)
    }

    fn open_current(&mut self) -> anyhow::Result<()> {
        let path = self.current_path();
        let file = fsutil::open_private_append(&path)?;
        self.size = file.metadata().with_context(|| format!("cannot stat `{}`", path.display()))?.len();
        self.file = Some(file);
        Ok(())
    }

    /// output.log -> output.log.<N+1>, a fresh output.log, and old segments pruned. A reader
    /// holding the old file keeps reading it to its end: nothing is written to it after the
    /// rename, since this is the only writer.
    fn rotate(&mut self) -> io::Result<()> {
        let next = self.last_segment + 1;
        match fs::rename(self.current_path(), segment_path(&self.dir, next)) {
            Ok(()) => self.last_segment = next,
            // Someone removed output.log; what was written to it is gone, start a new one.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.file = None;
        self.size = 0;
        self.prune();
        self.open_current().map_err(into_io_error)?;
        // A fresh file is in place: bytes before the rotation are not "since the last look".
        self.written_at_check = self.written;
        Ok(())
    }

    /// Delete rotated segments beyond the newest `keep`. A failure here must not stop logging;
    /// it is retried at the next rotation.
    fn prune(&self) {
        let Ok(rotated) = rotated_segments(&self.dir) else {
            return;
        };
        let excess = rotated.len().saturating_sub(self.keep);
        for (_, path) in &rotated[..excess] {
            if let Err(e) = fs::remove_file(path) {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!("cannot remove old log segment `{}`: {e}", path.display());
                }
            }
        }
    }
}

/// Keep the io::ErrorKind (StorageFull, FileTooLarge, ...) and the context message.
fn into_io_error(err: anyhow::Error) -> io::Error {
    let kind = err.downcast_ref::<io::Error>().map_or(io::ErrorKind::Other, |e| e.kind());
    io::Error::new(kind, format!("{err:#}"))
}

/// The log's files, all open at once so that a later rotation or pruning cannot change what
/// the handles read.
struct Snapshot {
    /// Rotated segments newer than the `after` asked for, oldest first.
    rotated: Vec<File>,
    current: Option<File>,
    /// Highest segment number seen (or `after`, when higher).
    last_segment: u64,
}

impl Snapshot {
    /// Open the segments numbered above `after` and the current file. The listing is taken
    /// before and after opening `output.log`: if no rotation happened in between, the opened
    /// file is the one that follows the listed segments.
    fn open(dir: &Path, after: u64) -> io::Result<Snapshot> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let listed = rotated_segments(dir)?;
            let current = open_if_exists(&current_path(dir))?;
            let last = listed.last().map(|(n, _)| *n);
            if attempt < SNAPSHOT_ATTEMPTS && rotated_segments(dir)?.last().map(|(n, _)| *n) != last {
                continue;
            }
            let mut rotated = Vec::new();
            for (_, path) in listed.iter().filter(|(n, _)| *n > after) {
                // A segment pruned since the listing is gone for every reader; skip it.
                if let Some(file) = open_if_exists(path)? {
                    rotated.push(file);
                }
            }
            return Ok(Snapshot { rotated, current, last_segment: last.unwrap_or(0).max(after) });
        }
    }

    /// The files in order with the byte range to read from each: everything, or only the last
    /// `lines` lines. The current file's range ends at its size now.
    fn parts(self, lines: Option<usize>) -> io::Result<Vec<Part>> {
        let mut parts = Vec::new();
        for file in self.rotated {
            let end = file.metadata()?.len();
            parts.push(Part { file, start: 0, end, is_current: false });
        }
        if let Some(file) = self.current {
            let end = file.metadata()?.len();
            parts.push(Part { file, start: 0, end, is_current: true });
        }
        if let Some(n) = lines {
            let (first, offset) = tail_start(&parts, n)?;
            parts.drain(..first);
            if let Some(part) = parts.first_mut() {
                part.start = offset;
            }
        }
        Ok(parts)
    }
}

struct Part {
    file: File,
    start: u64,
    end: u64,
    is_current: bool,
}

fn open_if_exists(path: &Path) -> io::Result<Option<File>> {
    match File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Where the last `n` lines of `parts` start: (index of the part, offset in it). Reads
/// backwards in blocks, so only the tail is read. A final `\n` ends the last line rather than
/// starting an empty one.
fn tail_start(parts: &[Part], n: usize) -> io::Result<(usize, u64)> {
    if n == 0 {
        return Ok(match parts.len() {
            0 => (0, 0),
            len => (len - 1, parts[len - 1].end),
        });
    }
    let mut remaining = n;
    let mut at_last_byte = true;
    let mut buf = vec![0u8; BLOCK];
    for (index, part) in parts.iter().enumerate().rev() {
        let mut pos = part.end;
        while pos > 0 {
            let len = pos.min(BLOCK as u64) as usize;
            let from = pos - len as u64;
            part.file.read_exact_at(&mut buf[..len], from)?;
            for i in (0..len).rev() {
                let is_last_byte = std::mem::replace(&mut at_last_byte, false);
                if buf[i] == b'\n' && !is_last_byte {
                    remaining -= 1;
                    if remaining == 0 {
                        return Ok((index, from + i as u64 + 1));
                    }
                }
            }
            pos = from;
        }
    }
    Ok((0, 0))
}

/// Stream every byte of the log (all segments in order) into `out`.
pub fn read_all(dir: &Path, out: &mut dyn Write) -> io::Result<()> {
    for part in Snapshot::open(dir, 0)?.parts(None)? {
        // Read to the end, not `part.end`: the current file may have grown since.
        copy_from(&part.file, part.start, &mut |chunk| out.write_all(chunk))?;
    }
    Ok(())
}

/// The last `n` lines (by `\n`) across segments, reading backwards from the end so a long log
/// is not read whole.
pub fn tail_bytes(dir: &Path, n: usize) -> io::Result<Vec<u8>> {
    let mut tail = Vec::new();
    for part in Snapshot::open(dir, 0)?.parts(Some(n))? {
        (&part.file).seek(SeekFrom::Start(part.start))?;
        (&part.file).take(part.end - part.start).read_to_end(&mut tail)?;
    }
    Ok(tail)
}

/// Copy `file` from `start` to its end into `out`; returns how many bytes.
fn copy_from(mut file: &File, start: u64, out: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<u64> {
    file.seek(SeekFrom::Start(start))?;
    drain(file, &mut vec![0u8; BLOCK], out)
}

/// Read `file` from its position to its end into `out`; returns how many bytes.
fn drain(mut file: &File, buf: &mut [u8], out: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<u64> {
    let mut total = 0;
    loop {
        match file.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                out(&buf[..n])?;
                total += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Whether `path` still names the file open as `file` (same device and inode).
fn still_named(file: &File, path: &Path) -> io::Result<bool> {
    let open = file.metadata()?;
    match fs::metadata(path) {
        Ok(named) => Ok(named.dev() == open.dev() && named.ino() == open.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Write what the log holds (everything, or its last `from_end_lines` lines) to `out`, then
/// keep passing new bytes as they are appended, across rotations, polling every ~150 ms.
/// Returns once `should_stop()` (say, "the session ended") was true and everything written
/// before that was passed on. Waits for `dir` to appear if it does not exist yet.
pub fn follow(
    dir: &Path,
    from_end_lines: Option<usize>,
    out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    should_stop: &mut dyn FnMut() -> bool,
) -> io::Result<()> {
    while !dir.is_dir() {
        if should_stop() {
            return Ok(());
        }
        std::thread::sleep(POLL_INTERVAL);
    }
    let snapshot = Snapshot::open(dir, 0)?;
    let mut follower = Follower { dir, current: None, last_segment: snapshot.last_segment, buf: vec![0u8; BLOCK] };
    for part in snapshot.parts(from_end_lines)? {
        if part.is_current {
            (&part.file).seek(SeekFrom::Start(part.start))?;
            follower.current = Some(part.file);
        } else {
            copy_from(&part.file, part.start, out)?;
        }
    }
    loop {
        // Asked before reading: whatever was written before the answer was true gets read.
        let stopping = should_stop();
        if follower.pump(out)? {
            continue;
        }
        if stopping {
            return Ok(());
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

struct Follower<'a> {
    dir: &'a Path,
    /// The open `output.log`, read up to its position; None until it exists.
    current: Option<File>,
    /// Highest segment number known when `current` was opened: when `current` is rotated it
    /// becomes segment `last_segment + 1`.
    last_segment: u64,
    buf: Vec<u8>,
}

impl Follower<'_> {
    /// Pass on whatever is new; returns whether anything was read or a new file opened.
    fn pump(&mut self, out: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<bool> {
        let Some(file) = &self.current else {
            return self.advance(self.last_segment, out);
        };
        let mut progressed = drain(file, &mut self.buf, out)? > 0;
        if !still_named(file, &current_path(self.dir))? {
            // Rotated: the writer is done with it, so read it to the end, then the segments
            // rotated after it, then the new output.log.
            drain(file, &mut self.buf, out)?;
            self.current = None;
            self.advance(self.last_segment + 1, out)?;
            progressed = true;
        }
        Ok(progressed)
    }

    /// Read the segments numbered above `after`, then open the current file.
    fn advance(&mut self, after: u64, out: &mut dyn FnMut(&[u8]) -> io::Result<()>) -> io::Result<bool> {
        let snapshot = Snapshot::open(self.dir, after)?;
        let mut progressed = snapshot.current.is_some();
        for file in &snapshot.rotated {
            progressed |= drain(file, &mut self.buf, out)? > 0;
        }
        self.current = snapshot.current;
        self.last_segment = snapshot.last_segment;
        Ok(progressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_or_renamed_log_is_noticed_and_a_new_one_started() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = LogWriter::open(tmp.path(), 0, 4).unwrap();
        w.write(b"one\n").unwrap();
        // Checked at most once a second: nothing to see yet, and the file is in place.
        assert_eq!(w.check_replaced(), None);
        w.checked_at -= REPLACED_CHECK_EVERY;
        assert_eq!(w.check_replaced(), None);
        for gone in ["removed", "renamed"] {
            w.write(b"lost\n").unwrap();
            if gone == "removed" {
                fs::remove_file(current_path(tmp.path())).unwrap();
            } else {
                fs::rename(current_path(tmp.path()), tmp.path().join("elsewhere")).unwrap();
            }
            w.checked_at -= REPLACED_CHECK_EVERY;
            assert_eq!(w.check_replaced(), Some(5), "{gone}");
            w.write(b"after\n").unwrap();
            assert_eq!(fs::read(current_path(tmp.path())).unwrap(), b"after\n", "{gone}");
            w.checked_at -= REPLACED_CHECK_EVERY;
            assert_eq!(w.check_replaced(), None, "the new file is in place");
            fs::remove_file(current_path(tmp.path())).unwrap();
            w.checked_at -= REPLACED_CHECK_EVERY;
            assert_eq!(w.check_replaced(), Some(0), "{gone}");
        }
    }
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    fn numbered_lines(count: usize) -> Vec<u8> {
        let mut text = Vec::new();
        for i in 0..count {
            writeln!(text, "line {i} of the log").unwrap();
        }
        text
    }

    /// Write `data` in random-sized chunks (1 byte to 8 KiB).
    fn write_in_chunks(writer: &mut LogWriter, data: &[u8], seed: u64) {
        let mut rng = Rng(seed);
        let mut rest = data;
        while !rest.is_empty() {
            let n = (1 + rng.below(8192) as usize).min(rest.len());
            writer.write(&rest[..n]).unwrap();
            rest = &rest[n..];
        }
    }

    fn read_all_vec(dir: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        read_all(dir, &mut out).unwrap();
        out
    }

    #[test]
    fn rotation_keeps_every_line_once_and_respects_the_size() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("logs");
        let data = numbered_lines(100_000);
        let max = 64 * 1024;
        let mut writer = LogWriter::open(&dir, max, 1000).unwrap();
        write_in_chunks(&mut writer, &data, 7);
        // One chunk far larger than max_size is split across files.
        let big = vec![b'x'; 3 * max as usize + 5];
        writer.write(&big).unwrap();

        let mut want = data.clone();
        want.extend_from_slice(&big);
        assert_eq!(read_all_vec(&dir), want);
        let files = segments(&dir).unwrap();
        assert!(files.len() > 30, "{} files", files.len());
        for file in &files {
            assert!(fs::metadata(file).unwrap().len() <= max, "{}", file.display());
        }
        assert_eq!(files.last().unwrap(), &current_path(&dir));
        assert_eq!(writer.current_path(), current_path(&dir));
    }

    #[test]
    fn only_keep_segments_remain() {
        let tmp = tempfile::tempdir().unwrap();
        let mut writer = LogWriter::open(tmp.path(), 1000, 3).unwrap();
        for i in 0..100 {
            writer.write(format!("{i:099}\n").as_bytes()).unwrap();
        }
        let names: Vec<String> = segments(tmp.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["output.log.7", "output.log.8", "output.log.9", "output.log"]);
        // The newest 3 segments (10 lines each) and the current file (10 lines).
        let all = read_all_vec(tmp.path());
        assert_eq!(all.len(), 40 * 100);
        assert!(all.starts_with(format!("{:099}\n", 60).as_bytes()));
    }

    #[test]
    fn reopening_appends_and_continues_numbering() {
        let tmp = tempfile::tempdir().unwrap();
        let mut writer = LogWriter::open(tmp.path(), 10, 100).unwrap();
        writer.write(b"aaaaaaaaa\n").unwrap();
        writer.write(b"bbbbbbbbb\n").unwrap();
        writer.write(b"ccc").unwrap();
        drop(writer);
        let mut writer = LogWriter::open(tmp.path(), 10, 100).unwrap();
        writer.write(b"cc\n").unwrap();
        writer.write(b"ddddd\n").unwrap();
        assert_eq!(read_all_vec(tmp.path()), b"aaaaaaaaa\nbbbbbbbbb\nccccc\nddddd\n".to_vec());
        assert_eq!(fs::read(segment_path(tmp.path(), 2)).unwrap(), b"bbbbbbbbb\n");
        assert_eq!(fs::read(segment_path(tmp.path(), 3)).unwrap(), b"ccccc\n");
        assert_eq!(fs::read(current_path(tmp.path())).unwrap(), b"ddddd\n");
    }

    #[test]
    fn zero_max_size_never_rotates() {
        let tmp = tempfile::tempdir().unwrap();
        let mut writer = LogWriter::open(tmp.path(), 0, 1).unwrap();
        for _ in 0..100 {
            writer.write(&[b'z'; 1000]).unwrap();
        }
        assert_eq!(segments(tmp.path()).unwrap(), [current_path(tmp.path())]);
    }

    #[test]
    fn tail_spans_segments() {
        let tmp = tempfile::tempdir().unwrap();
        let data = numbered_lines(5000);
        let mut writer = LogWriter::open(tmp.path(), 4096, 10_000).unwrap();
        write_in_chunks(&mut writer, &data, 3);
        let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
        for n in [0, 1, 2, 150, 1000, 5000, 6000] {
            let want: Vec<u8> = lines[lines.len() - n.min(lines.len())..].concat();
            assert_eq!(tail_bytes(tmp.path(), n).unwrap(), want, "n = {n}");
        }
        // An unfinished last line counts as a line.
        writer.write(b"partial").unwrap();
        assert_eq!(tail_bytes(tmp.path(), 2).unwrap(), b"line 4999 of the log\npartial".to_vec());
    }

    #[test]
    fn files_are_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("sessions/x/logs");
        let mut writer = LogWriter::open(&dir, 10, 5).unwrap();
        writer.write(b"0123456789").unwrap();
        writer.write(b"0123456789").unwrap();
        for folder in [tmp.path().join("sessions"), dir.clone()] {
            let mode = fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", folder.display());
        }
        let files = segments(&dir).unwrap();
        assert_eq!(files.len(), 2);
        for file in files {
            let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }

    #[test]
    fn follow_sees_every_byte_across_rotations() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("logs");
        let data = numbered_lines(60_000);
        // Something exists before the follower starts, the rest arrives while it follows.
        let mut writer = LogWriter::open(&dir, 4096, 100_000).unwrap();
        writer.write(&data[..10_000]).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let writer_thread = {
            let done = done.clone();
            let data = data.clone();
            std::thread::spawn(move || {
                let mut rng = Rng(11);
                let mut rest = &data[10_000..];
                while !rest.is_empty() {
                    let n = (1 + rng.below(3000) as usize).min(rest.len());
                    writer.write(&rest[..n]).unwrap();
                    rest = &rest[n..];
                    if rng.below(50) == 0 {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let mut seen = Vec::new();
        follow(
            &dir,
            None,
            &mut |chunk| {
                seen.extend_from_slice(chunk);
                Ok(())
            },
            &mut || done.load(Ordering::SeqCst),
        )
        .unwrap();
        writer_thread.join().unwrap();
        assert!(segments(&dir).unwrap().len() > 100);
        assert_eq!(seen.len(), data.len());
        assert!(seen == data, "followed bytes differ from written bytes");
    }

    #[test]
    fn follow_from_the_last_lines_and_before_the_log_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("logs");
        let mut writer = LogWriter::open(&dir, 20, 100).unwrap();
        for i in 0..10 {
            writer.write(format!("line {i}\n").as_bytes()).unwrap();
        }
        let mut seen = Vec::new();
        follow(
            &dir,
            Some(3),
            &mut |chunk| {
                seen.extend_from_slice(chunk);
                Ok(())
            },
            &mut || true,
        )
        .unwrap();
        assert_eq!(seen, b"line 7\nline 8\nline 9\n".to_vec());

        // A folder that never appears: returns once told to stop.
        let mut calls = 0;
        follow(&tmp.path().join("missing"), None, &mut |_| panic!("no data expected"), &mut || {
            calls += 1;
            calls > 2
        })
        .unwrap();
    }

    #[test]
    fn segment_names_are_parsed_strictly() {
        use std::ffi::OsStr;
        assert_eq!(segment_number(OsStr::new("output.log.12")), Some(12));
        for name in ["output.log", "output.log.", "output.log.+1", "output.log.0", "output.log.1x"] {
            assert_eq!(segment_number(OsStr::new(name)), None, "{name}");
        }
    }
}

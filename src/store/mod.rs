//! The only writer of the state dir: records written atomically under a per-session lock,
//! events appended as lines, and the locks `new`, `rm` and `stop` share.

pub mod checkpoints;
pub mod fsutil;
pub mod inbox;
pub mod logs;
pub mod paths;
pub mod runtime;
pub mod secrets;
pub mod untrusted;

use crate::domain::record::{Event, Record, Why};
use crate::domain::state::{Source, State};
use anyhow::{anyhow, Context, Result};
use chrono::Utc;
use paths::SessionPaths;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The sessions under one state dir.
#[derive(Clone, Debug)]
pub struct Store {
    pub state_dir: PathBuf,
}

impl Store {
    pub fn new(state_dir: PathBuf) -> Store {
        Store { state_dir }
    }

    pub fn paths(&self, name: &str) -> SessionPaths {
        SessionPaths::new(&self.state_dir, name)
    }

    pub fn sessions_dir(&self) -> PathBuf {
        self.dirs().sessions()
    }

    /// The state dir's own files (locks, caches, kept logs, worktrees, hooks).
    pub fn dirs(&self) -> paths::StatePaths {
        paths::StatePaths { root: self.state_dir.clone() }
    }

    /// Make sure the state dir exists (0700).
    pub fn ensure(&self) -> Result<()> {
        fsutil::create_private_dir_all(&self.sessions_dir())
    }

    /// Names of all sessions with a record, sorted.
    pub fn names(&self) -> Result<Vec<String>> {
        let dir = self.sessions_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", dir.display())),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| crate::domain::naming::is_valid_word(n))
            .collect();
        names.sort();
        Ok(names)
    }

    pub fn load(&self, name: &str) -> Result<Record> {
        load_record(&self.paths(name).record())
    }

    /// Every readable record. Damaged ones are left out here and listed by `damaged`, which
    /// every view that lists sessions shows. A folder without a record yet (a `new` claiming
    /// its name) is skipped quietly.
    pub fn load_all(&self) -> Result<Vec<Record>> {
        Ok(self.load_all_checked()?.0)
    }

    /// Every record, and the sessions whose record is damaged (truncated, not JSON, a missing
    /// field, another schema version, a folder where the file should be).
    pub fn load_all_checked(&self) -> Result<(Vec<Record>, Vec<Damaged>)> {
        let results: Vec<Option<Result<Record, Damaged>>> = self.names()?.iter().map(|n| self.read_one(n)).collect();
        let (mut out, mut damaged) = (Vec::with_capacity(results.len()), Vec::new());
        for r in results.into_iter().flatten() {
            match r {
                Ok(record) => out.push(record),
                Err(d) => damaged.push(d),
            }
        }
        Ok((out, damaged))
    }

    /// One session's record for a listing: None when it has none (yet), else it or why not.
    fn read_one(&self, name: &str) -> Option<Result<Record, Damaged>> {
        let path = self.paths(name).record();
        let damaged = |error| Some(Err(Damaged { name: name.to_string(), error }));
        match read_record_bytes(&path) {
            Ok(data) => match parse_record(&data) {
                Ok(r) => Some(Ok(r)),
                Err(e) => damaged(format!("damaged record `{}`: {e:#}", path.display())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => damaged(format!("cannot read `{}`: {e}", path.display())),
        }
    }

    /// The sessions whose record is damaged.
    pub fn damaged(&self) -> Result<Vec<Damaged>> {
        Ok(self.load_all_checked()?.1)
    }

    /// Like `save`, without the fsync: for a record rewritten durably a moment later.
    pub fn save_quick(&self, record: &Record) -> Result<()> {
        let path = self.paths(&record.name).record();
        let json = serde_json::to_vec_pretty(record)?;
        fsutil::write_atomic_quick(&path, &json)
    }

    pub fn save(&self, record: &Record) -> Result<()> {
        let path = self.paths(&record.name).record();
        let json = serde_json::to_vec_pretty(record)?;
        fsutil::write_atomic(&path, &json)
    }

    /// Read-modify-write a record under its lock.
    pub fn update<T>(&self, name: &str, f: impl FnOnce(&mut Record) -> T) -> Result<(Record, T)> {
        let _guard = self.lock_session(name)?;
        let mut record = self.load(name)?;
        let out = f(&mut record);
        self.save(&record)?;
        Ok((record, out))
    }

    /// `update` without the fsync, for `new`'s hot path: the record is replaced by rename,
    /// which readers see whole, and it is rewritten durably at its next state change.
    pub fn update_quick<T>(&self, name: &str, f: impl FnOnce(&mut Record) -> T) -> Result<(Record, T)> {
        self.finish_update(self.begin_update(name)?, f)
    }

    /// Begin `update_quick` of session `name` ahead of its change: its lock is taken and the
    /// record's next file is made now, while something else runs; `finish_update` reads,
    /// changes and puts it in place. Held, the lock keeps every other writer (an exit hook) out
    /// in between.
    pub fn begin_update(&self, name: &str) -> Result<PendingUpdate> {
        let guard = self.lock_session(name)?;
        Ok(PendingUpdate { name: name.to_string(), _guard: guard, next: None })
    }

    /// The record's next file of a `begin_update`: made apart from taking the lock, so that the
    /// lock can be taken before what must come after it and the file while that runs.
    pub fn prepare_update(&self, pending: &mut PendingUpdate) -> Result<()> {
        pending.next = Some(fsutil::Replacement::prepare(&self.paths(&pending.name).record())?);
        Ok(())
    }

    /// Read-modify-write the record of a `begin_update`, into the file made ahead.
    pub fn finish_update<T>(&self, pending: PendingUpdate, f: impl FnOnce(&mut Record) -> T) -> Result<(Record, T)> {
        let mut record = self.load(&pending.name)?;
        let out = f(&mut record);
        let json = serde_json::to_vec_pretty(&record)?;
        let next = match pending.next {
            Some(next) => next,
            None => fsutil::Replacement::prepare(&self.paths(&pending.name).record())?,
        };
        next.commit(&json, false)?;
        Ok((record, out))
    }

    /// The one way a record changes under a transition: under the session's lock, `decide`
    /// looks at the record (and may set other fields of it: a decision, an exit) and returns
    /// the agent's new activity, its detail and a note, or None to leave it be. A change is
    /// stamped, saved and appended to the event log with the state it shows. Returns the
    /// record and whether it changed. Callers go through `ops::transitions::commit`, which
    /// also tells the status line and the person.
    pub fn transition_with<W: Into<Why>>(
        &self,
        name: &str,
        source: Source,
        decide: impl FnOnce(&mut Record) -> Option<(State, String, W)>,
    ) -> Result<(Record, bool)> {
        let _guard = self.lock_session(name)?;
        let mut record = self.load(name)?;
        let before = record.state();
        let decided_before = record.decision.as_ref().map(|d| d.at);
        let Some((activity, detail, why)) = decide(&mut record) else { return Ok((record, false)) };
        let Why { note, pattern, lines } = why.into();
        apply_transition(&mut record, before, activity, &detail, source);
        record.outranked.clear();
        self.save(&record)?;
        let (mut state, detail) = record.shown();
        // A decision is logged as what it is (`approved`, `rejected`), whatever the agent shows.
        if let Some(d) = record.decision.as_ref().filter(|d| Some(d.at) != decided_before) {
            state = d.verdict.state();
        }
        self.append_event(name, &Event { at: record.state_at, state, detail, source, note, pattern, lines })?;
        Ok((record, true))
    }

    /// Where the run of `record` left the caller's environment for its supervisor.
    pub fn env_file_of(&self, record: &Record) -> PathBuf {
        record.env_file.clone().unwrap_or_else(|| self.paths(&record.name).env_file())
    }

    pub fn append_event(&self, name: &str, event: &Event) -> Result<()> {
        let line = serde_json::to_string(event)?;
        fsutil::append_line(&self.paths(name).events(), &line)
    }

    pub fn events(&self, name: &str) -> Result<Vec<Event>> {
        Ok(self.events_checked(name)?.0)
    }

    /// The session's events, and how many lines were skipped as damaged (not UTF-8, not an
    /// event): one bad line never hides the others. An event log that is not a regular file
    /// (a FIFO, a device, a link) is an error, never read; past `EVENTS_CAP` only its end is.
    pub fn events_checked(&self, name: &str) -> Result<(Vec<Event>, usize)> {
        let path = self.paths(name).events();
        let contents = match untrusted::read_file_tail(&path, EVENTS_CAP) {
            Ok(c) => c,
            Err(untrusted::Unreadable::Missing) => return Ok((Vec::new(), 0)),
            Err(e) => anyhow::bail!("damaged event log `{}`: it {e}", path.display()),
        };
        let mut lines = contents.bytes.split(|&b| b == b'\n');
        if contents.cut {
            // The first line read is the end of one cut in half.
            lines.next();
        }
        let (mut events, mut damaged) = (Vec::new(), 0);
        for line in lines.filter(|l| !l.iter().all(u8::is_ascii_whitespace)) {
            match std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str(l).ok()) {
                Some(e) => events.push(e),
                None => damaged += 1,
            }
        }
        Ok((events, damaged))
    }

    /// Exclusive lock on one session's records (held until the guard drops): flock(2) on the
    /// session's folder itself, so there is no lock file to create, and a folder `rm` removed
    /// is never re-created by a late writer.
    pub fn lock_session(&self, name: &str) -> Result<File> {
        let dir = self.paths(name).root;
        let file = File::open(&dir).with_context(|| format!("no session folder `{}` (removed?)", dir.display()))?;
        file.lock().with_context(|| format!("cannot lock `{}`", dir.display()))?;
        Ok(file)
    }

    /// Exclusive lock over the whole state dir: taken by `new` so that the name claim and the
    /// `max_sessions` count are atomic across processes.
    pub fn lock_all(&self) -> Result<File> {
        self.ensure()?;
        lock_file(&self.dirs().lock())
    }
}

fn apply_transition(record: &mut Record, before: State, activity: State, detail: &str, source: Source) {
    record.previous_state = Some(before);
    record.activity = activity;
    record.activity_detail = detail.to_string();
    record.state_source = source;
    record.state_at = Utc::now();
}

fn lock_file(path: &Path) -> Result<File> {
    // Never re-create a session folder that `rm` removed: the lock file's folder must exist.
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            anyhow::bail!("`{}` does not exist (removed?)", dir.display());
        }
    }
    let file = fsutil::open_private_append(path)?;
    file.lock().with_context(|| format!("cannot lock `{}`", path.display()))?;
    Ok(file)
}

/// The most of an event log read (its end): far more than any session writes.
const EVENTS_CAP: u64 = 64 << 20;
/// A record larger than this is damaged: minder never writes one near it.
const RECORD_CAP: u64 = 64 << 20;

pub fn load_record(path: &Path) -> Result<Record> {
    let data = read_record_bytes(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    parse_record(&data).with_context(|| format!("damaged session record `{}`", path.display()))
}

/// A record's bytes: a regular file only (a FIFO, a device or a link put in its place is an
/// error, never opened for reading), and never more than `RECORD_CAP`.
fn read_record_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let c = untrusted::read_file_head(path, RECORD_CAP)?;
    if c.cut {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("larger than {RECORD_CAP} bytes")));
    }
    Ok(c.bytes)
}

/// A record's bytes, checked: whole JSON of this schema version (an older or newer minder's
/// record is refused, never guessed at).
pub fn parse_record(data: &[u8]) -> Result<Record> {
    #[derive(serde::Deserialize)]
    struct Schema {
        schema: Option<u32>,
    }
    let this = crate::domain::record::SCHEMA_VERSION;
    // Parsed once when it is whole and of this version (every `ls` reads every record); only a
    // record that does not parse as one is looked at again, to say why.
    let parsed = match serde_json::from_slice::<Record>(data) {
        Ok(mut record) if record.schema == this => {
            record.upgrade();
            return Ok(record);
        }
        Ok(_) => None,
        Err(e) => Some(e),
    };
    let schema: Schema = serde_json::from_slice(data)?;
    match (schema.schema, parsed) {
        (Some(v), Some(e)) if v == this => Err(e.into()),
        (Some(v), _) => Err(anyhow!("schema version {v}, this minder reads {this}")),
        (None, _) => Err(anyhow!("no schema version")),
    }
}

/// A session whose record exists but cannot be used: shown with its error, never skipped.
#[derive(Clone, Debug)]
pub struct Damaged {
    pub name: String,
    pub error: String,
}

/// The store and session name of a session folder `STATE/sessions/NAME`.
pub fn store_of(root: &Path) -> Result<(Store, String)> {
    let name = root
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("bad session folder `{}`", root.display()))?
        .to_string();
    let state_dir =
        root.parent().and_then(|p| p.parent()).ok_or_else(|| anyhow!("bad session folder `{}`", root.display()))?;
    Ok((Store::new(state_dir.to_path_buf()), name))
}

/// Wait (up to `timeout`) until the sink of an ended session has written everything (it
/// writes `sink-done` last).
pub fn wait_sink_drained(paths: &SessionPaths, timeout: std::time::Duration) {
    let deadline = std::time::Instant::now() + timeout;
    while !paths.sink_done().exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

/// An update of one record begun ahead (`Store::begin_update`): its lock, held until it is
/// finished or dropped, and the record's next file once made.
pub struct PendingUpdate {
    name: String,
    _guard: File,
    next: Option<fsutil::Replacement>,
}

/// Whether the session's log sink runs. It holds its wake-up FIFO open for its whole life
/// (`sink::WakeFifo`), so opening the FIFO's write end without waiting succeeds exactly while it
/// runs, and fails (ENXIO: no reader) once it has ended, was killed, or is a zombie. No FIFO yet:
/// the sink is starting, and counts as running. Anything else in its place is no sink.
pub fn sink_alive(paths: &SessionPaths) -> bool {
    match sink_fifo(paths) {
        SinkFifo::Missing | SinkFifo::Read(_) => true,
        SinkFifo::Unread => false,
    }
}

/// Wake the session's sink (see `WakeFifo`); nothing happens when no sink runs.
pub fn wake_sink(paths: &SessionPaths) {
    use std::io::Write;
    if let SinkFifo::Read(mut f) = sink_fifo(paths) {
        let _ = f.write_all(b"!");
    }
}

/// The session's wake-up FIFO as a writer finds it.
enum SinkFifo {
    /// Not made yet.
    Missing,
    /// A FIFO with a reader: its write end, opened.
    Read(File),
    /// A FIFO nobody reads, or something else in its place.
    Unread,
}

fn sink_fifo(paths: &SessionPaths) -> SinkFifo {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let path = paths.wake_fifo();
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => SinkFifo::Missing,
        Ok(meta) if meta.file_type().is_fifo() => {
            // Non-blocking: with no reader, open fails (ENXIO) instead of waiting.
            match std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW).open(&path)
            {
                Ok(f) => SinkFifo::Read(f),
                Err(_) => SinkFifo::Unread,
            }
        }
        _ => SinkFifo::Unread,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    /// A sink runs while its FIFO has a reader: not once the reader is gone, not for a zombie
    /// (its descriptors are closed), not for anything else put in the FIFO's place.
    #[test]
    fn a_sink_runs_while_its_fifo_has_a_reader() {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths { root: dir.path().to_path_buf() };
        let fifo = paths.wake_fifo();
        assert!(sink_alive(&paths), "no FIFO yet: starting");
        mkfifo(&fifo);
        assert!(!sink_alive(&paths), "nobody reads it");
        let open = || std::fs::OpenOptions::new().read(true).write(true).custom_flags(libc::O_NONBLOCK).open(&fifo);
        let reader = open().unwrap();
        assert!(sink_alive(&paths));
        drop(reader);
        assert!(!sink_alive(&paths));

        // A process that holds it, alive, then a zombie not yet reaped, then reaped.
        let mut child = std::process::Command::new("sleep").arg("30").stdin(open().unwrap()).spawn().unwrap();
        assert!(sink_alive(&paths));
        child.kill().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while crate::procs::proc_stat(child.id() as libc::pid_t).is_some_and(|(state, _, _)| state != 'Z') {
            assert!(std::time::Instant::now() < deadline, "`sleep` did not die");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!sink_alive(&paths), "a zombie");
        child.wait().unwrap();
        assert!(!sink_alive(&paths));

        // A link to a FIFO that is read, or a plain file, in its place: no sink.
        let other = dir.path().join("other");
        mkfifo(&other);
        let _held =
            std::fs::OpenOptions::new().read(true).write(true).custom_flags(libc::O_NONBLOCK).open(&other).unwrap();
        std::fs::remove_file(&fifo).unwrap();
        std::os::unix::fs::symlink(&other, &fifo).unwrap();
        assert!(!sink_alive(&paths), "a link");
        std::fs::remove_file(&fifo).unwrap();
        std::fs::write(&fifo, "").unwrap();
        assert!(!sink_alive(&paths), "a plain file");
    }
}

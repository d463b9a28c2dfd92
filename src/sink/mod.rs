//! The log sink: `tmux pipe-pane` feeds it the pane's output. It must drain its input without
//! pause whatever happens (tmux buffers without limit behind a stalled reader), redact secrets
//! before anything touches disk, rotate the log, and report write errors without ever blocking
//! or killing the agent.

pub mod evidence;

use crate::domain::detect::HookReport;
use crate::domain::record::{Record, Why};
use crate::domain::state::Evidence;
use crate::redact::Redactor;
use crate::store::load_record;
use crate::store::logs::LogWriter;
use crate::store::paths::SessionPaths;
use crate::store::Store;
use anyhow::Result;
use chrono::Utc;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

const CHUNK: usize = 64 * 1024;
/// Quiet this long and held-back bytes (a prompt with no newline) are written.
const IDLE_FLUSH: Duration = Duration::from_millis(250);
/// The same write error is recorded at most this often.
const ERROR_EVERY: Duration = Duration::from_secs(60);

/// What the sink hands on. It sees; `ops` decides: evidence becomes a state there, a hook's
/// report and the transcript are read there, and an idle session is stopped there the way
/// `minder stop` does. `commands/sink.rs` passes the one `ops` offers, so the sink never
/// reaches up and data still flows one way.
pub trait Hand {
    /// Apply `evidence` to session `name`, with what shows it; the record, when it changed.
    fn evidence(&self, store: &Store, name: &str, evidence: &Evidence, why: Why) -> Result<Option<Record>>;
    /// RISKS.md as evidence (`settled_without_idle`: output stopped with no idle screen seen);
    /// the record, when it changed.
    fn risks(&self, store: &Store, record: &Record, settled_without_idle: bool) -> Result<Option<Record>>;
    /// A hook's report that `minder notify` left in a fenced session's inbox.
    fn hook_report(&self, store: &Store, name: &str, report: &HookReport) -> Result<()>;
    /// Read what the agent's transcript gained since the last read.
    fn usage(&self, store: &Store, name: &str) -> Result<()>;
    /// Stop session `name` as `minder stop --note NOTE` does, without waiting for it.
    fn stop(&self, store: &Store, name: &str, note: &str);
}

pub fn run(session_root: &Path, resumed: bool, hand: &'static dyn Hand) -> Result<()> {
    // A file-size limit must give EFBIG, not kill the sink (and with it the logging).
    // SAFETY: setting a signal disposition to SIG_IGN is always sound.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let paths = SessionPaths { root: session_root.to_path_buf() };
    let record = load_record(&paths.record());
    let (max_size, keep) = match &record {
        Ok(r) => (r.log_settings.max_size, r.log_settings.keep),
        Err(_) => (32 << 20, 4),
    };
    let mut sink =
        Sink { writer: None, logs: paths.logs(), errors: paths.sink_errors(), max_size, keep, failing: None };
    if resumed {
        let marker = format!(
            "\r\n[minder: the log sink was restarted at {}; output printed before this may be missing]\r\n",
            Utc::now().to_rfc3339()
        );
        sink.write(marker.as_bytes());
        // And where `show` and the review report look for what a reviewer must know.
        let line = format!(
            "{} the log sink was restarted; output printed before this may be missing",
            Utc::now().to_rfc3339()
        );
        let _ = crate::store::fsutil::append_line(&paths.sink_errors(), &line);
    }
    let _ = std::fs::remove_file(paths.sink_done());
    // Held open for the sink's whole life: that is also what says it is alive
    // (`store::sink_alive`).
    let wake_fifo = WakeFifo::open(&paths);
    if wake_fifo.is_none() {
        tracing::warn!("cannot make the sink's wake-up FIFO `{}`", paths.wake_fifo().display());
    }
    // Built at the first byte: compiling the patterns is most of a sink's start-up, and a sink
    // starts while `new` waits for tmux. Nothing reaches the log before it exists.
    let mut redactor = LazyRedactor::new(&paths, record.as_ref().ok());
    let mut watch = crate::sink::evidence::Watch::new(&paths, record.ok(), hand);
    let mut buf = vec![0u8; CHUNK];
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    // Whether held bytes were already offered to an idle flush since the last read: what it
    // kept (the start of a secret) stays until more input comes, so it is not asked again.
    let mut idle_flushed = false;
    loop {
        let flush_due = redactor.held_len() > 0 && !idle_flushed;
        let wait = if flush_due { watch.next_wake().min(IDLE_FLUSH) } else { watch.next_wake() };
        match wait_readable(0, wake_fifo.as_ref(), wait) {
            Readable::Yes => {}
            Readable::Timeout => {
                let out = redactor.flush_idle();
                idle_flushed = true;
                sink.write(&out);
                // tmux keeps the pipe open for a dead pane left by remain-on-exit: once the
                // exit is recorded and the input has gone quiet, everything has arrived.
                if watch.tick() == crate::sink::evidence::Tick::AgentEnded && !input_pending(0) {
                    break;
                }
                continue;
            }
        }
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let out = redactor.push(&buf[..n]);
        idle_flushed = false;
        sink.write(&out);
        watch.output(&out);
    }
    let out = redactor.finish();
    sink.write(&out);
    sink.finish();
    // The tokens of the agent's last turn.
    watch.read_usage(true);
    drop(sink);
    // The FIFO stays, with no reader: the sink is over (`store::sink_alive`).
    drop(wake_fifo);
    let _ = crate::store::fsutil::write_atomic(&paths.sink_done(), Utc::now().to_rfc3339().as_bytes());
    Ok(())
}

/// The session's redactor, made when there is first something to redact: the built-in
/// patterns, the config's `[logs] redact` ones, and the values of the profile's own variables
/// (`env`, `env_file`), masked like any other secret.
struct LazyRedactor {
    redactor: Option<Redactor>,
    paths: SessionPaths,
    user: Vec<String>,
}

impl LazyRedactor {
    fn new(paths: &SessionPaths, record: Option<&Record>) -> LazyRedactor {
        let user = record.map(|r| r.log_settings.redact.clone()).unwrap_or_default();
        LazyRedactor { redactor: None, paths: paths.clone(), user }
    }

    fn get(&mut self) -> &mut Redactor {
        self.redactor.get_or_insert_with(|| Redactor::new(&crate::store::secrets::redactions(&self.paths, &self.user)))
    }

    fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.get().push(chunk)
    }

    fn held_len(&self) -> usize {
        self.redactor.as_ref().map_or(0, Redactor::held_len)
    }

    fn flush_idle(&mut self) -> Vec<u8> {
        self.redactor.as_mut().map(Redactor::flush_idle).unwrap_or_default()
    }

    fn finish(&mut self) -> Vec<u8> {
        self.redactor.as_mut().map(Redactor::finish).unwrap_or_default()
    }
}

/// Whether the input has bytes (or EOF) ready right now.
fn input_pending(fd: libc::c_int) -> bool {
    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, no wait.
    unsafe { libc::poll(&mut pfd, 1, 0) > 0 }
}

struct Sink {
    writer: Option<LogWriter>,
    logs: std::path::PathBuf,
    errors: std::path::PathBuf,
    max_size: u64,
    keep: usize,
    failing: Option<Failing>,
}

/// Logging that fails (a full disk, a file-size limit): every byte not logged is counted,
/// reported on the first failure and then at most every `ERROR_EVERY`, and when logging works
/// again the log itself gets a mark where the bytes are missing.
struct Failing {
    message: String,
    since: chrono::DateTime<Utc>,
    lost: u64,
    /// When it was last reported (None: the report could not be written).
    reported: Option<Instant>,
}

impl Sink {
    /// Write or drop: a failure is counted and the bytes are let go, so input keeps draining.
    fn write(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if self.writer.is_none() {
            match LogWriter::open(&self.logs, self.max_size, self.keep) {
                Ok(w) => self.writer = Some(w),
                Err(e) => return self.record_error(&format!("{e:#}"), data.len() as u64),
            }
        }
        let writer = self.writer.as_mut().expect("opened above");
        if let Some(lost) = writer.check_replaced() {
            // The file was removed or renamed under us: a new one starts with a mark, and the
            // gap is recorded where `show` and the review report look.
            let now = Utc::now().to_rfc3339();
            let mark = format!(
                "\r\n[minder: the log file was removed or renamed; found at {now}; up to {lost} bytes printed before this are not in this log]\r\n"
            );
            let _ = writer.write(mark.as_bytes());
            self.append_error(&format!(
                "the log file was removed or renamed; up to {lost} bytes of output written to it are not in the log"
            ));
        }
        let writer = self.writer.as_mut().expect("opened above");
        if let Some(f) = &self.failing {
            // Logging again after a failure: first the mark, so the gap shows where it is.
            let mark = format!("\r\n[minder: {} bytes of output were not logged here: {}]\r\n", f.lost, f.message);
            if writer.write(mark.as_bytes()).is_err() {
                return self.record_error("cannot write the log", data.len() as u64);
            }
            let f = self.failing.take().expect("checked");
            self.append_error(&format!(
                "logging works again; {} bytes were not logged since {}",
                f.lost,
                f.since.to_rfc3339()
            ));
        }
        let writer = self.writer.as_mut().expect("opened above");
        let before = writer.written();
        if let Err(e) = writer.write(data) {
            // What the failed write did write is in the log; the rest is lost.
            let written = writer.written() - before;
            self.record_error(
                &format!("cannot write the log: {e}"),
                data.len() as u64 - written.min(data.len() as u64),
            );
        }
    }

    fn record_error(&mut self, message: &str, lost: u64) {
        let now = Instant::now();
        match &mut self.failing {
            Some(f) => {
                f.lost += lost;
                if f.message != message || f.reported.is_none_or(|t| now - t >= ERROR_EVERY) {
                    let line = format!("{message} ({} bytes not logged since {})", f.lost, f.since.to_rfc3339());
                    f.message = message.to_string();
                    // A report that could not be written (the same full disk) is tried again
                    // at the next failure rather than a minute later.
                    f.reported = append_error(&self.errors, &line).then_some(now);
                }
            }
            None => {
                let reported =
                    append_error(&self.errors, &format!("{message} ({lost} bytes not logged)")).then_some(now);
                self.failing = Some(Failing { message: message.to_string(), since: Utc::now(), lost, reported });
            }
        }
    }

    /// At the end: a failure still going on is reported with its final count.
    fn finish(&mut self) {
        if let Some(f) = &self.failing {
            self.append_error(&format!(
                "the sink ended while logging failed: {} bytes were not logged since {}",
                f.lost,
                f.since.to_rfc3339()
            ));
        }
    }

    fn append_error(&self, message: &str) {
        append_error(&self.errors, message);
    }
}

/// One line in the session's `sink-errors.log`; whether it was written (the error file may be
/// on the same full disk).
fn append_error(errors: &std::path::Path, message: &str) -> bool {
    let line = format!("{} {message}", Utc::now().to_rfc3339());
    crate::store::fsutil::append_line(errors, &line).is_ok()
}

enum Readable {
    Yes,
    Timeout,
}

/// poll(2) the input (or EOF/hangup, which read then reports) and the wake-up FIFO. A wake-up
/// counts as a timeout: time to look around.
fn wait_readable(fd: libc::c_int, wake: Option<&WakeFifo>, timeout: Duration) -> Readable {
    let mut pfds = [
        libc::pollfd { fd, events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: wake.map(|w| w.fd()).unwrap_or(-1), events: libc::POLLIN, revents: 0 },
    ];
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: two valid pollfds (poll ignores a negative fd).
    let r = unsafe { libc::poll(pfds.as_mut_ptr(), 2, ms) };
    if r > 0 && pfds[0].revents != 0 {
        // Readable, hung up or an error: let read() say which.
        return Readable::Yes;
    }
    if pfds[1].revents != 0 {
        if let Some(w) = wake {
            w.drain();
        }
    }
    Readable::Timeout
}

/// The sink's wake-up line, and the proof that it runs: a FIFO in the session folder. A byte
/// written to it ("the agent ended") ends the sink's wait at once. The sink holds both ends open
/// for its whole life, so the FIFO never reports a hang-up, a writer finds no reader (and does
/// nothing) once the sink is gone, and whether one is found says whether the sink runs: no pid
/// file to write, none to trust after the kernel gives its pid to another process.
struct WakeFifo {
    read: std::fs::File,
    _write: std::fs::File,
}

impl WakeFifo {
    /// Made under a temp name and opened at both ends before it takes its place, so the FIFO
    /// at the session's path always has a reader while this sink runs (a restarted sink
    /// replaces the old one's at once).
    fn open(paths: &SessionPaths) -> Option<WakeFifo> {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::OpenOptionsExt;
        let path = paths.wake_fifo();
        let tmp = paths.root.join(format!(".wake.{}.partial", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let c = std::ffi::CString::new(tmp.as_os_str().as_bytes()).ok()?;
        // SAFETY: a valid NUL-terminated path.
        if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
            return None;
        }
        let opened = (|| {
            // The umask may have taken bits away from the mode given to mkfifo.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).ok()?;
            let flags = libc::O_NONBLOCK | libc::O_NOFOLLOW;
            let read = std::fs::OpenOptions::new().read(true).custom_flags(flags).open(&tmp).ok()?;
            let write = std::fs::OpenOptions::new().write(true).custom_flags(flags).open(&tmp).ok()?;
            std::fs::rename(&tmp, &path).ok()?;
            Some(WakeFifo { read, _write: write })
        })();
        if opened.is_none() {
            let _ = std::fs::remove_file(&tmp);
        }
        opened
    }

    fn fd(&self) -> libc::c_int {
        use std::os::unix::io::AsRawFd;
        self.read.as_raw_fd()
    }

    fn drain(&self) {
        let mut buf = [0u8; 64];
        while (&self.read).read(&mut buf).map(|n| n > 0).unwrap_or(false) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The FIFO at the session's path has a reader from the moment it is there; a second sink
    /// (restarted) puts its own in its place, and the first one's end leaves it alone.
    #[test]
    fn the_wake_fifo_says_the_sink_runs_from_the_moment_it_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths { root: dir.path().to_path_buf() };
        let first = WakeFifo::open(&paths).unwrap();
        assert!(crate::store::sink_alive(&paths));
        let second = WakeFifo::open(&paths).unwrap();
        drop(first);
        assert!(crate::store::sink_alive(&paths), "the second sink's FIFO is the one there");
        crate::store::wake_sink(&paths);
        let mut buf = [0u8; 4];
        assert_eq!((&second.read).read(&mut buf).unwrap(), 1, "a wake-up reaches the sink there");
        drop(second);
        assert!(!crate::store::sink_alive(&paths), "both ended");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, ["wake"], "no temp FIFO left");
    }

    #[test]
    fn bytes_not_logged_are_counted_and_marked_where_they_are_missing() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let errors = dir.path().join("sink-errors.log");
        // `logs` is a file: the log cannot be opened, as on a full or broken disk.
        std::fs::write(&logs, "in the way").unwrap();
        let mut sink =
            Sink { writer: None, logs: logs.clone(), errors: errors.clone(), max_size: 0, keep: 0, failing: None };
        sink.write(b"before\n");
        sink.write(b"lost 1\n");
        sink.write(b"lost 22\n");
        assert_eq!(sink.failing.as_ref().unwrap().lost, 7 + 7 + 8);
        std::fs::remove_file(&logs).unwrap();
        sink.write(b"after\n");
        sink.finish();
        let log = std::fs::read_to_string(logs.join("output.log")).unwrap();
        assert!(log.starts_with("\r\n[minder: 22 bytes of output were not logged here: "), "{log:?}");
        assert!(log.ends_with("]\r\nafter\n"), "{log:?}");
        let errs = std::fs::read_to_string(&errors).unwrap();
        assert!(errs.contains("(7 bytes not logged)"), "{errs}");
        assert!(errs.contains("logging works again; 22 bytes were not logged since"), "{errs}");
        assert!(!errs.contains("the sink ended while logging failed"), "it recovered: {errs}");
    }
}

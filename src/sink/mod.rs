//! The log sink: `tmux pipe-pane` feeds it the pane's output. It must drain its input without
//! pause whatever happens (tmux buffers without limit behind a stalled reader), redact secrets
//! before anything touches disk, rotate the log, and report write errors without ever blocking
//! or killing the agent.

pub mod evidence;
pub mod logfile;
pub mod redact;

use crate::sink::logfile::LogWriter;
use crate::store::paths::SessionPaths;
use crate::sink::redact::Redactor;
use crate::store::load_record;
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

pub fn run(session_root: &Path, resumed: bool) -> Result<()> {
    // A file-size limit must give EFBIG, not kill the sink (and with it the logging).
    // SAFETY: setting a signal disposition to SIG_IGN is always sound.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let paths = SessionPaths { root: session_root.to_path_buf() };
    let record = load_record(&paths.record());
    let (max_size, keep, extra) = match &record {
        Ok(r) => (
            r.log_settings.max_size,
            r.log_settings.keep,
            crate::sink::redact::user_patterns(&r.log_settings.redact),
        ),
        Err(_) => (32 << 20, 4, Vec::new()),
    };
    let mut sink = Sink {
        writer: None,
        logs: paths.logs(),
        errors: paths.sink_errors(),
        max_size,
        keep,
        last_error: None,
    };
    if resumed {
        let marker = format!(
            "\r\n[minder: the log sink was restarted at {}; output printed before this may be missing]\r\n",
            Utc::now().to_rfc3339()
        );
        sink.write(marker.as_bytes());
    }
    let _ = std::fs::remove_file(paths.sink_done());
    let _ = crate::store::fsutil::write_atomic(&paths.sink_pid(), std::process::id().to_string().as_bytes());
    let wake_fifo = WakeFifo::open(&paths);
    let mut watch = crate::sink::evidence::Watch::new(&paths, record.ok());
    let mut redactor = Redactor::new(&extra);
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
    drop(sink);
    drop(wake_fifo);
    let _ = std::fs::remove_file(paths.wake_fifo());
    let _ = crate::store::fsutil::write_atomic(&paths.sink_done(), Utc::now().to_rfc3339().as_bytes());
    Ok(())
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
    last_error: Option<(String, Instant)>,
}

impl Sink {
    /// Write or drop: a failure is recorded and the bytes are let go, so input keeps draining.
    fn write(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if self.writer.is_none() {
            match LogWriter::open(&self.logs, self.max_size, self.keep) {
                Ok(w) => self.writer = Some(w),
                Err(e) => return self.record_error(&format!("{e:#}"), data.len()),
            }
        }
        let writer = self.writer.as_mut().expect("opened above");
        match writer.write(data) {
            Ok(()) => {
                if self.last_error.take().is_some() {
                    self.append_error("logging works again");
                }
            }
            Err(e) => self.record_error(&format!("cannot write the log: {e}"), data.len()),
        }
    }

    fn record_error(&mut self, message: &str, lost: usize) {
        let now = Instant::now();
        let repeat = matches!(&self.last_error, Some((m, t)) if m == message && now - *t < ERROR_EVERY);
        if !repeat {
            self.append_error(&format!("{message} ({lost} bytes not logged)"));
            self.last_error = Some((message.to_string(), now));
        }
    }

    fn append_error(&self, message: &str) {
        let line = format!("{} {message}", Utc::now().to_rfc3339());
        // The error file may be on the same full disk; nothing more can be done then.
        let _ = crate::store::fsutil::append_line(&self.errors, &line);
    }
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

/// The sink's wake-up line: a FIFO in the session folder. A byte written to it ("the agent
/// ended") ends the sink's wait at once. The sink holds both ends open, so the FIFO never
/// reports a hang-up, and a writer finds no reader (and does nothing) once the sink is gone.
struct WakeFifo {
    read: std::fs::File,
    _write: std::fs::File,
}

impl WakeFifo {
    fn open(paths: &SessionPaths) -> Option<WakeFifo> {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::OpenOptionsExt;
        let path = paths.wake_fifo();
        let _ = std::fs::remove_file(&path);
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
        // SAFETY: a valid NUL-terminated path.
        if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } != 0 {
            return None;
        }
        // The umask may have taken bits away from the mode given to mkfifo.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).ok()?;
        let read = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&path).ok()?;
        let write = std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&path).ok()?;
        Some(WakeFifo { read, _write: write })
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

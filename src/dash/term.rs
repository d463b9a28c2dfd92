//! The dash's hold on the terminal: raw mode, the alternate screen and a hidden cursor, always
//! given back — on quit, on error (drop), on panic (a hook) and on SIGTERM/SIGHUP/SIGINT (a
//! flag the loop checks). While the dash runs, file descriptors 1 and 2 point into a pipe whose
//! lines come back as `captured`: what the commands it calls print (`ctx.note`, an `on_approve`
//! hook, a warning) lands in the status line instead of over the screen. The dash itself draws
//! through a duplicate of the original stdout.

use anyhow::{Context, Result};
use crossterm::{cursor, execute, terminal};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};

pub type Backend = CrosstermBackend<BufWriter<File>>;

/// The original stdout and stderr while the dash holds them (-1: not held), for the panic hook.
static SAVED_OUT: AtomicI32 = AtomicI32::new(-1);
static SAVED_ERR: AtomicI32 = AtomicI32::new(-1);
static HOOKED: AtomicBool = AtomicBool::new(false);
/// Set by SIGTERM, SIGHUP or SIGINT: the loop ends and the terminal is given back.
static QUIT: AtomicBool = AtomicBool::new(false);

/// Set while a `Term` exists: the watchdog only ends a dash that is running.
static RUNNING: AtomicBool = AtomicBool::new(false);
/// How long the dash may take to end once asked (a signal, a terminal gone) before the watchdog
/// gives the terminal back and exits for it: a loop stuck in a read that returns 0 forever, or a
/// worker that does not finish, must not keep it alive.
const QUIT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

pub fn quit_requested() -> bool {
    QUIT.load(Ordering::Relaxed) || terminal_gone()
}

/// What waiting on the terminal found.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    /// Bytes to read.
    Ready,
    /// Nothing within the timeout (or a signal came).
    Idle,
    /// The terminal hung up or closed: reads would return 0 or fail forever.
    Gone,
}

/// Wait up to `timeout` for input on the terminal, without reading it. The dash asks this
/// before it lets crossterm read, since crossterm loops without end on a read that returns 0
/// (a terminal that hung up).
pub fn wait_for_input(timeout: std::time::Duration) -> Input {
    let mut pfd = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd.
    let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
    if ready > 0 && pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        Input::Gone
    } else if ready > 0 {
        Input::Ready
    } else {
        Input::Idle
    }
}

/// Whether the terminal has gone away under the dash (its pty closed without a SIGHUP reaching
/// us, as when the dash is not the terminal's controlling process): reads would fail forever
/// and the loop would spin. poll(2) says so with POLLHUP, POLLERR or POLLNVAL on stdin.
fn terminal_gone() -> bool {
    let mut pfd = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, no wait.
    let ready = unsafe { libc::poll(&mut pfd, 1, 0) };
    ready > 0 && pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

pub struct Term {
    pub terminal: Terminal<Backend>,
    /// Lines written to stdout or stderr by anything but the dash's drawing.
    pub captured: Receiver<String>,
    captured_tx: Sender<String>,
    held: bool,
}

impl Term {
    /// Take the terminal: stdin and stdout must be one.
    pub fn enter() -> Result<Term> {
        install_hooks();
        RUNNING.store(true, Ordering::SeqCst);
        let out = dup_cloexec(1).context("cannot duplicate stdout")?;
        let err = dup_cloexec(2).context("cannot duplicate stderr")?;
        SAVED_OUT.store(out, Ordering::SeqCst);
        SAVED_ERR.store(err, Ordering::SeqCst);
        // SAFETY: `dup_cloexec` returned a new descriptor that nothing else owns.
        let tty = unsafe { File::from_raw_fd(dup_cloexec(out)?) };
        let terminal = Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(64 * 1024, tty)))?;
        let (tx, rx) = channel();
        let mut term = Term { terminal, captured: rx, captured_tx: tx, held: false };
        term.resume()?;
        Ok(term)
    }

    /// Give the terminal back for a moment (an attach that may replace this process).
    pub fn suspend(&mut self) -> Result<()> {
        if !self.held {
            return Ok(());
        }
        self.held = false;
        let _ = self.terminal.show_cursor();
        let _ = execute!(self.terminal.backend_mut(), terminal::LeaveAlternateScreen, cursor::Show);
        let _ = self.terminal.backend_mut().flush();
        let _ = terminal::disable_raw_mode();
        restore_fds();
        Ok(())
    }

    /// Take the terminal (again) and redraw everything.
    pub fn resume(&mut self) -> Result<()> {
        if self.held {
            return Ok(());
        }
        redirect_fds(self.captured_tx.clone())?;
        terminal::enable_raw_mode().context("cannot put the terminal in raw mode")?;
        self.held = true;
        execute!(self.terminal.backend_mut(), terminal::EnterAlternateScreen, cursor::Hide)?;
        // Not `clear()`: it asks the terminal where the cursor is, over stdout, which is the
        // pipe now. A resize to the same size clears and redraws everything just the same.
        let size = self.terminal.size()?;
        self.terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
        Ok(())
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        RUNNING.store(false, Ordering::SeqCst);
        let _ = self.suspend();
        for saved in [&SAVED_OUT, &SAVED_ERR] {
            let fd = saved.swap(-1, Ordering::SeqCst);
            if fd >= 0 {
                // SAFETY: closing a descriptor this module duplicated and no one else uses.
                unsafe { libc::close(fd) };
            }
        }
    }
}

fn dup_cloexec(fd: RawFd) -> std::io::Result<RawFd> {
    // SAFETY: fcntl(2) on a descriptor number; failure is reported through the return value.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(new)
    }
}

/// Point fds 1 and 2 into a fresh pipe, read line by line into `tx` on a thread that ends when
/// every writer has closed it.
fn redirect_fds(tx: Sender<String>) -> Result<()> {
    let _ = std::io::stdout().flush();
    let mut fds = [0; 2];
    // SAFETY: pipe2(2) fills the array on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error()).context("cannot make a pipe");
    }
    let (read, write) = (fds[0], fds[1]);
    // SAFETY: dup2(2) onto the standard descriptors; the targets lose O_CLOEXEC, so children
    // (hooks, git) inherit the pipe rather than the terminal.
    unsafe {
        libc::dup2(write, 1);
        libc::dup2(write, 2);
        libc::close(write);
    }
    // SAFETY: `read` is the pipe's read end, owned from here on by this thread.
    let reader = unsafe { File::from_raw_fd(read) };
    std::thread::spawn(move || {
        for line in BufReader::new(reader).split(b'\n') {
            let Ok(line) = line else { break };
            let text = String::from_utf8_lossy(&line).trim_end().to_string();
            if !text.is_empty() && tx.send(text).is_err() {
                break;
            }
        }
    });
    Ok(())
}

/// Put the original stdout and stderr back on fds 1 and 2.
fn restore_fds() {
    let _ = std::io::stdout().flush();
    let (out, err) = (SAVED_OUT.load(Ordering::SeqCst), SAVED_ERR.load(Ordering::SeqCst));
    // SAFETY: dup2(2) of descriptors this module saved.
    unsafe {
        if out >= 0 {
            libc::dup2(out, 1);
        }
        if err >= 0 {
            libc::dup2(err, 2);
        }
    }
}

/// Give the terminal back from anywhere (a panic, the watchdog): the original fds, the main
/// screen, a cursor, cooked mode. Each step may fail on a terminal that is gone.
fn give_back_in_haste() {
    let out = SAVED_OUT.load(Ordering::SeqCst);
    if out >= 0 {
        restore_fds();
        // SAFETY: writing a fixed byte string to the original stdout.
        let seq = b"\x1b[?1049l\x1b[?25h";
        unsafe { libc::write(out, seq.as_ptr().cast(), seq.len()) };
        let _ = terminal::disable_raw_mode();
    }
}

/// Ends a dash that was asked to end (a signal, its terminal gone) and has not within
/// `QUIT_GRACE`, whatever the main loop or a worker is stuck in.
fn watchdog() {
    let mut asked: Option<std::time::Instant> = None;
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if !RUNNING.load(Ordering::SeqCst) || !quit_requested() {
            asked = None;
            continue;
        }
        let since = *asked.get_or_insert_with(std::time::Instant::now);
        if since.elapsed() >= QUIT_GRACE {
            give_back_in_haste();
            std::process::exit(1);
        }
    }
}

/// A panic gives the terminal back before its message is printed (on the real stderr); a
/// terminating signal asks the loop to end.
fn install_hooks() {
    if HOOKED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        give_back_in_haste();
        previous(info);
    }));
    std::thread::spawn(watchdog);
    extern "C" fn on_signal(_: libc::c_int) {
        QUIT.store(true, Ordering::Relaxed);
    }
    for sig in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { libc::signal(sig, on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t) };
    }
}

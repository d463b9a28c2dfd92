//! Deadlines for the processes minder starts: wait for a child, or run a command and collect
//! its output, until a limit, then end it the way the caller says. One place for what every
//! door needs (tmux, git, ssh, checks, the notify command), so none of them can hang minder.

use std::io::{self, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// A limit from the environment variable `var` (milliseconds; tests set short ones), else
/// `default_ms`.
pub fn from_env(var: &str, default_ms: u64) -> Duration {
    Duration::from_millis(std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default_ms))
}

/// How a child whose time is up is ended. Whichever, it is reaped before the wait returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// SIGKILL to the child itself.
    Kill,
    /// SIGTERM to the child, then SIGKILL if it is still there after the grace: for a program
    /// that cleans up on TERM (git removes its lock files, so the repository is not left locked).
    Term(Duration),
    /// SIGKILL to the child's process group (it must lead one: `process_group(0)`), then to
    /// every other descendant of this process (`super::end_descendants`, which reaps them all,
    /// whoever else waits for them). Only for a process that does nothing else and is the
    /// subreaper of what it starts (`minder _check`, `minder _tell`): a command that `setsid`s
    /// away still ends at the deadline.
    Family,
}

/// How long the pipes of a child that has exited may stay open (a grandchild may hold them)
/// before what was read is returned: never past the deadline, but at least `DRAIN_MIN` (what
/// the child wrote just before it exited is read) and at most `DRAIN_MAX`.
const DRAIN_MIN: Duration = Duration::from_millis(100);
const DRAIN_MAX: Duration = Duration::from_secs(1);

/// Wait for `child` until `limit` passes: its exit status, or None when the limit passed and it
/// was ended as `end` says. An error only when it cannot be waited for (it is then left as is).
pub fn wait_within(child: &mut Child, limit: Duration, end: End) -> io::Result<Option<ExitStatus>> {
    wait_by(child, Instant::now() + limit, end)
}

/// Run `cmd` with `input` on its stdin (none: stdin is /dev/null), collecting stdout and stderr,
/// until `limit` passes. None: the limit passed and the child was ended as `end` says. The pipes
/// are read on threads, so a child that writes much never blocks on a full pipe; the end of
/// stdout wakes the wait (no polling delay on a quick answer); and a grandchild that keeps a
/// pipe open (an ssh ProxyCommand, a hook's background job) holds the caller neither past the
/// deadline nor for long after the child exits: what was written until then is returned.
pub fn output_within(
    cmd: &mut Command,
    input: Option<Vec<u8>>,
    limit: Duration,
    end: End,
) -> io::Result<Option<Output>> {
    let deadline = Instant::now() + limit;
    Capture::start(cmd, input)?.finish_by(deadline, end)
}

/// Poll `done` until it says true (then true) or `deadline` passes (then false), every `every`.
/// `done` is asked at least once, even past the deadline.
pub fn wait_until(deadline: Instant, every: Duration, mut done: impl FnMut() -> bool) -> bool {
    loop {
        if done() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep(every.min(deadline - now));
    }
}

/// A child started with its output being collected, for a caller that has other work to do
/// before it waits (`output_within` is start and finish at once).
pub struct Capture {
    child: Child,
    stdout: Collected,
    stderr: Collected,
}

impl Capture {
    /// Start `cmd` with its stdin fed `input` (or /dev/null) and its stdout and stderr read.
    pub fn start(cmd: &mut Command, input: Option<Vec<u8>>) -> io::Result<Capture> {
        cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
        let (capture, stdin) = Capture::spawn(cmd)?;
        if let (Some(stdin), Some(input)) = (stdin, input) {
            feed(stdin, input);
        }
        Ok(capture)
    }

    /// Start `cmd` with its stdout and stderr read and its stdin a pipe held open, for input
    /// known only later (`feed` it, or drop it for an end of input).
    pub fn start_open(cmd: &mut Command) -> io::Result<(Capture, ChildStdin)> {
        let (capture, stdin) = Capture::spawn(cmd.stdin(Stdio::piped()))?;
        Ok((capture, stdin.expect("stdin is piped")))
    }

    /// Spawn `cmd` (its stdin as the caller set it) with its stdout and stderr read.
    fn spawn(cmd: &mut Command) -> io::Result<(Capture, Option<ChildStdin>)> {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        let stdin = child.stdin.take();
        let stdout = Collected::read(child.stdout.take());
        let stderr = Collected::read(child.stderr.take());
        Ok((Capture { child, stdout, stderr }, stdin))
    }

    /// The child's status and output once it exits, or None when `deadline` passes first (the
    /// child is then ended as `end` says, and what it wrote is dropped).
    pub fn finish_by(mut self, deadline: Instant, end: End) -> io::Result<Option<Output>> {
        let mut exit = ExitWait::new(&self.child);
        let status = loop {
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            let now = Instant::now();
            if now >= deadline {
                stop(&mut self.child, end);
                return Ok(None);
            }
            // Its stdout usually ends as it exits: wait on that, looking at its exit every 5 ms
            // meanwhile (a grandchild may hold the pipe); once it has ended, poll.
            if !self.stdout.wait_end(Duration::from_millis(5).min(deadline - now)) {
                continue;
            }
            exit.wait(deadline.saturating_duration_since(Instant::now()));
        };
        let exited = Instant::now();
        let drained_by = deadline.max(exited + DRAIN_MIN).min(exited + DRAIN_MAX);
        for pipe in [&self.stdout, &self.stderr] {
            pipe.wait_end(drained_by.saturating_duration_since(Instant::now()));
        }
        Ok(Some(Output { status, stdout: self.stdout.take(), stderr: self.stderr.take() }))
    }
}

/// Write `input` to a child's stdin on a thread of its own (a child that reads slowly never
/// blocks the caller, whose deadline stays in force), then close it. A child that does not read
/// it all closes the pipe when it exits: the write fails then, and the thread ends.
pub fn feed(mut stdin: ChildStdin, input: Vec<u8>) {
    // A pipe holds at least a page, and nothing else writes to this one: input that fits is
    // written at once, without a thread.
    if input.len() <= 4096 {
        let _ = stdin.write_all(&input);
        return;
    }
    std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
}

/// What a reader thread has read from one pipe so far. `None` once taken: the thread then
/// stops reading and closes its end, so a grandchild still writing there is not stored forever.
struct Collected {
    bytes: Arc<Mutex<Option<Vec<u8>>>>,
    /// Disconnected when the pipe has ended (the thread drops its sender).
    ended: mpsc::Receiver<()>,
}

impl Collected {
    fn read(pipe: Option<impl Read + Send + 'static>) -> Collected {
        let bytes = Arc::new(Mutex::new(Some(Vec::new())));
        let (tx, ended) = mpsc::channel::<()>();
        if let Some(mut pipe) = pipe {
            let shared = Arc::clone(&bytes);
            std::thread::spawn(move || {
                let _tx = tx;
                let mut buf = vec![0u8; 64 << 10];
                loop {
                    let n = match pipe.read(&mut buf) {
                        Ok(0) => return,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => return,
                    };
                    match shared.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                        Some(out) => out.extend_from_slice(&buf[..n]),
                        None => return,
                    }
                }
            });
        }
        Collected { bytes, ended }
    }

    /// Wait up to `limit` for the pipe to end; true when it has.
    fn wait_end(&self, limit: Duration) -> bool {
        matches!(self.ended.recv_timeout(limit), Err(mpsc::RecvTimeoutError::Disconnected))
    }

    fn take(&self) -> Vec<u8> {
        self.bytes.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or_default()
    }
}

/// Sleeps between looks at a child: short at first (a quick child is seen at once), then
/// doubling up to 20 ms (a long one costs a wake-up now and then).
/// Waiting for a child's exit: on its pidfd where the kernel has them (woken the moment it
/// exits), else by sleeping in growing steps (200 µs, doubling up to 20 ms) between looks.
struct ExitWait {
    pidfd: Option<std::os::fd::OwnedFd>,
    pause: Pause,
}

impl ExitWait {
    fn new(child: &Child) -> ExitWait {
        use std::os::fd::FromRawFd;
        // SAFETY: pidfd_open(2) on our own child, not yet reaped, so the pid is still its; the
        // descriptor it returns is owned here alone.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
        let pidfd = (fd >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as libc::c_int) });
        ExitWait { pidfd, pause: Pause::new() }
    }

    /// Return when the child has exited (it is not reaped) or after at most `max`.
    fn wait(&mut self, max: Duration) {
        use std::os::fd::AsRawFd;
        match &self.pidfd {
            Some(fd) => {
                let mut pfd = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
                let ms = max.as_millis().min(i32::MAX as u128) as libc::c_int;
                // SAFETY: one valid pollfd; an interrupted poll only returns early.
                unsafe { libc::poll(&mut pfd, 1, ms.max(1)) };
            }
            None => std::thread::sleep(self.pause.next().min(max)),
        }
    }
}

struct Pause(Duration);

impl Pause {
    fn new() -> Pause {
        Pause(Duration::from_micros(200))
    }

    fn next(&mut self) -> Duration {
        let now = self.0;
        self.0 = (self.0 * 2).min(Duration::from_millis(20));
        now
    }
}

fn wait_by(child: &mut Child, deadline: Instant, end: End) -> io::Result<Option<ExitStatus>> {
    let mut exit = ExitWait::new(child);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            stop(child, end);
            return Ok(None);
        }
        exit.wait(deadline - now);
    }
}

/// End `child` as `end` says, and reap it.
fn stop(child: &mut Child, end: End) {
    let pid = child.id() as libc::pid_t;
    match end {
        End::Kill => {
            let _ = child.kill();
        }
        End::Term(grace) => {
            // SAFETY: kill(2) on our own child, not yet reaped, so the pid is still its.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            // Past the grace, KILL (and the reaping) is `wait_by`'s.
            let _ = wait_by(child, Instant::now() + grace, End::Kill);
            return;
        }
        End::Family => {
            // SAFETY: kill(2) on the process group the caller made for this child.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            // And what left the group (`setsid`): this process is their subreaper.
            super::end_descendants(Duration::ZERO);
        }
    }
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sh -c script`, its stdio not the test runner's (a leftover process must not hold that).
    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        cmd
    }

    /// Kill the process whose pid a test's script printed (a grandchild it left behind).
    fn kill_printed_pid(text: &[u8]) {
        let pid: libc::pid_t = String::from_utf8_lossy(text).trim().parse().expect("a pid");
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }

    #[test]
    fn a_child_that_outlives_its_deadline_is_killed_reaped_and_reported() {
        let mut child = sh("exec sleep 30").spawn().unwrap();
        let pid = child.id();
        let start = Instant::now();
        assert_eq!(wait_within(&mut child, Duration::from_millis(200), End::Kill).unwrap(), None);
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(!super::super::pid_alive(pid), "killed and reaped");

        let start = Instant::now();
        let out = output_within(&mut sh("echo early; sleep 30"), None, Duration::from_millis(200), End::Kill).unwrap();
        assert!(out.is_none());
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    }

    #[test]
    fn a_child_that_ends_in_time_gives_its_status_at_once() {
        let mut child = sh("exit 3").spawn().unwrap();
        let start = Instant::now();
        let status = wait_within(&mut child, Duration::from_secs(10), End::Kill).unwrap().unwrap();
        assert_eq!(status.code(), Some(3));
        assert!(start.elapsed() < Duration::from_secs(2));
        let out = output_within(&mut sh("echo out; echo err >&2; exit 4"), None, Duration::from_secs(10), End::Kill)
            .unwrap()
            .unwrap();
        assert_eq!((out.status.code(), &out.stdout[..], &out.stderr[..]), (Some(4), &b"out\n"[..], &b"err\n"[..]));
    }

    #[test]
    fn term_comes_first_and_kill_after_the_grace() {
        let tmp = tempfile::tempdir().unwrap();
        let cleaned = tmp.path().join("cleaned");
        // `wait` is interrupted by the trapped signal; the trap then runs.
        let script = format!("trap 'kill $!; echo yes > {}; exit 1' TERM; sleep 30 & wait", cleaned.display());
        let mut child = sh(&script).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let end = End::Term(Duration::from_secs(5));
        assert_eq!(wait_within(&mut child, Duration::from_millis(100), end).unwrap(), None);
        assert!(cleaned.exists(), "the child had its TERM and cleaned up");

        // One that ignores TERM is killed once the grace has passed.
        let mut child = sh("trap '' TERM; exec sleep 30").spawn().unwrap();
        let start = Instant::now();
        let end = End::Term(Duration::from_millis(300));
        assert_eq!(wait_within(&mut child, Duration::from_millis(100), end).unwrap(), None);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(400) && took < Duration::from_secs(3), "{took:?}");
        assert!(!super::super::pid_alive(child.id()));
    }

    #[test]
    fn a_grandchild_holding_the_pipes_does_not_hold_the_caller() {
        // The background `sleep` keeps stdout and stderr open long after `sh` has exited.
        let start = Instant::now();
        let out = output_within(
            &mut sh("echo before; sleep 30 & echo $! >&2; echo after"),
            None,
            Duration::from_secs(20),
            End::Kill,
        )
        .unwrap()
        .expect("sh itself exits at once");
        kill_printed_pid(&out.stderr);
        assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
        assert!(out.status.success());
        assert_eq!(out.stdout, b"before\nafter\n");
    }

    #[test]
    fn output_is_collected_in_full() {
        // More than any pipe holds, on both pipes, with a grandchild keeping them open.
        let script = "head -c 3000000 /dev/zero; head -c 200000 /dev/zero >&2; sleep 30 & echo $! > pid";
        let tmp = tempfile::tempdir().unwrap();
        let out = output_within(sh(script).current_dir(tmp.path()), None, Duration::from_secs(20), End::Kill)
            .unwrap()
            .unwrap();
        kill_printed_pid(&std::fs::read(tmp.path().join("pid")).unwrap());
        assert_eq!((out.stdout.len(), out.stderr.len()), (3_000_000, 200_000));

        // Input larger than a pipe, echoed back while it is still being written.
        let input: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
        let out = output_within(&mut Command::new("cat"), Some(input.clone()), Duration::from_secs(20), End::Kill)
            .unwrap()
            .unwrap();
        assert!(out.status.success());
        assert!(out.stdout == input, "{} bytes back of {}", out.stdout.len(), input.len());
    }

    #[test]
    fn a_capture_started_earlier_finishes_by_its_deadline() {
        let capture = Capture::start(&mut sh("echo ready"), None).unwrap();
        let out = capture.finish_by(Instant::now() + Duration::from_secs(10), End::Kill).unwrap().unwrap();
        assert_eq!(out.stdout, b"ready\n");
        let capture = Capture::start(&mut sh("sleep 30"), None).unwrap();
        assert!(capture.finish_by(Instant::now() + Duration::from_millis(100), End::Kill).unwrap().is_none());
    }

    #[test]
    fn a_condition_is_waited_for_until_its_deadline() {
        let start = Instant::now();
        let mut asked = 0;
        assert!(wait_until(start + Duration::from_secs(5), Duration::from_millis(5), || {
            asked += 1;
            asked == 3
        }));
        assert_eq!(asked, 3);
        assert!(!wait_until(start + Duration::from_millis(50), Duration::from_millis(10), || false));
        assert!(start.elapsed() >= Duration::from_millis(50));
        // Past its deadline it is still asked once.
        assert!(wait_until(start, Duration::from_secs(1), || true));
    }
}

//! The one door to other machines: one ssh ControlMaster per host, owned by minder (its socket
//! in a private folder), checked before reuse, and requests sent as JSON on the stdin of one
//! fixed remote command, `<minder> _serve`. Every ssh call has a deadline; a failure is
//! classified (`unreachable`, `auth-needed`, `version-skew`, `slow`), never a hang or a prompt.

pub mod mux;

use crate::domain::hosts::{self, Failure, Greeting, HostConfig, Op, Reply, Request, PROTOCOL};
use crate::procs::{output_within, End};
use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Requests open at once per host, across every minder process: under sshd's default
/// `MaxSessions` (10), with room for an attach.
const SLOTS: usize = 4;
/// How long an idle master stays up after its last request.
const PERSIST: &str = "10m";
/// The deadline of `ssh -O check` and `-O exit` on a socket.
const CHECK_DEADLINE: Duration = Duration::from_secs(3);

/// What went wrong with a host.
#[derive(Debug)]
pub struct HostError {
    pub host: String,
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request did not reach the remote minder, or no answer came in time.
    Failed(Failure),
    /// The request was sent and the reply was lost: whether it took effect is unknown.
    Lost,
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            ErrorKind::Failed(failure) => write!(f, "host `{}` is {failure}: {}", self.host, self.message),
            ErrorKind::Lost => {
                write!(f, "host `{}`: the reply was lost ({}): the outcome is unknown", self.host, self.message)
            }
        }
    }
}

impl std::error::Error for HostError {}

impl HostError {
    pub fn word(&self) -> &'static str {
        match self.kind {
            ErrorKind::Failed(f) => f.word(),
            ErrorKind::Lost => "unknown",
        }
    }
}

/// One configured host.
#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub config: HostConfig,
    dir: PathBuf,
}

/// The private folder of the control sockets: `$XDG_RUNTIME_DIR/minder/ssh`, else the state
/// dir's `ssh/`. Refused when someone else owns it or others may enter it.
pub fn socket_dir() -> anyhow::Result<PathBuf> {
    let dir = match crate::store::runtime::xdg_runtime_dir() {
        Some(run) => run.join("minder/ssh"),
        None => crate::store::paths::StatePaths { root: crate::store::paths::state_dir() }.ssh_sockets(),
    };
    if let Some(parent) = dir.parent() {
        crate::store::fsutil::create_private_dir_all(parent)?;
    }
    crate::store::runtime::private_dir(&dir)
}

impl Host {
    pub fn new(name: &str, config: &HostConfig) -> anyhow::Result<Host> {
        Ok(Host { name: name.to_string(), config: config.clone(), dir: socket_dir()? })
    }

    pub fn all(config: &crate::domain::config::Config) -> anyhow::Result<Vec<Host>> {
        config.hosts.iter().map(|(n, c)| Host::new(n, c)).collect()
    }

    pub fn timeout(&self) -> Duration {
        self.config.timeout.0
    }

    pub fn control_path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    fn err(&self, failure: Failure, message: impl Into<String>) -> HostError {
        HostError { host: self.name.clone(), kind: ErrorKind::Failed(failure), message: message.into() }
    }

    /// ssh with the options every call has: no prompt ever (BatchMode), a connect deadline,
    /// keep-alives, no agent or X11 forwarding, the host's socket, then `own` (the options of
    /// this kind of call), then the person's `ssh_args`. ssh keeps the first value it reads of
    /// an option, so minder's own come first. Host keys are checked as the person's ssh config
    /// says (never disabled here).
    pub fn ssh(&self, own: &[&str]) -> Command {
        let connect = self.timeout().as_secs().clamp(1, 30);
        let mut cmd = Command::new("ssh");
        cmd.args(["-o", "BatchMode=yes"])
            .arg("-o")
            .arg(format!("ConnectTimeout={connect}"))
            .args(["-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-a", "-x"])
            .arg("-o")
            .arg(format!("ControlPath={}", self.control_path().display()))
            .args(own)
            .args(&self.config.ssh_args);
        cmd
    }

    /// A client of the master: when the master cannot take the session (gone, or the server's
    /// `MaxSessions` reached) ssh would quietly log in anew; `ProxyCommand=false` makes that
    /// fresh connection fail at once instead (a mux client never uses the proxy command).
    fn mux_client(&self) -> Command {
        self.ssh(&["-o", "ControlMaster=no", "-o", "ProxyCommand=false"])
    }

    fn destination(&self) -> &str {
        self.config.destination(&self.name)
    }

    /// Is the master on our socket alive? Asked under a deadline: a wedged master is dead.
    /// Asked on the socket itself (`mux::check`, what `ssh -O check` asks, without starting
    /// an ssh for it); `ssh -O check` only when the socket answers in a way it does not know.
    fn master_alive(&self) -> bool {
        match mux::check(&self.control_path(), CHECK_DEADLINE) {
            mux::Alive::Yes(_) => return true,
            mux::Alive::No => return false,
            mux::Alive::Unsure => {}
        }
        let mut cmd = self.ssh(&[]);
        cmd.args(["-O", "check", "--", self.destination()]);
        matches!(output_within(&mut cmd, None, CHECK_DEADLINE, End::Kill), Ok(Some(out)) if out.status.success())
    }

    /// Open the host's master connection unless a live one is there. A dead socket is asked to
    /// exit and removed, then the connection is made anew, under BatchMode: no prompt, no hang.
    pub fn ensure_master(&self, deadline: Instant) -> Result<(), HostError> {
        let lock = crate::store::fsutil::open_private_append(&self.dir.join(format!("{}.lock", self.name)))
            .map_err(|e| self.err(Failure::Unreachable, format!("{e:#}")))?;
        if !crate::procs::wait_until(deadline, Duration::from_millis(20), || lock.try_lock().is_ok()) {
            return Err(self.err(Failure::Slow, "another minder is connecting"));
        }
        if self.master_alive() {
            return Ok(());
        }
        let socket = self.control_path();
        if socket.exists() {
            let mut cmd = self.ssh(&[]);
            cmd.args(["-O", "exit", "--", self.destination()]);
            let _ = output_within(&mut cmd, None, Duration::from_secs(1), End::Kill);
            let _ = std::fs::remove_file(&socket);
        }
        // `-f`: ssh goes to the background once authenticated; its stderr goes to a file, not
        // a pipe that the background master would hold open.
        let errors_path = self.dir.join(format!("{}.err", self.name));
        let errors = crate::store::fsutil::create_private_file(&errors_path)
            .map_err(|e| self.err(Failure::Unreachable, format!("{e:#}")))?;
        let persist = format!("ControlPersist={PERSIST}");
        let mut cmd = self.ssh(&["-o", "ControlMaster=yes", "-o", &persist]);
        cmd.args(["-N", "-f", "--", self.destination()]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(errors);
        let left = deadline.saturating_duration_since(Instant::now());
        let status = cmd
            .spawn()
            .and_then(|mut child| crate::procs::wait_within(&mut child, left, End::Kill))
            .map_err(|e| self.err(Failure::Unreachable, format!("cannot run ssh: {e}")))?;
        let said = std::fs::read_to_string(&errors_path).unwrap_or_default();
        let said = last_lines(&said);
        match status {
            None => Err(self.err(Failure::Slow, format!("no connection within {:?}", self.timeout()))),
            Some(s) if s.success() => Ok(()),
            Some(_) => Err(self.err(hosts::classify_ssh_error(&said), said)),
        }
    }

    /// Send one request and read its reply, all within the host's timeout.
    pub fn request(&self, op: Op) -> Result<Reply, HostError> {
        self.request_within(op, self.timeout())
    }

    pub fn request_within(&self, op: Op, limit: Duration) -> Result<Reply, HostError> {
        let deadline = Instant::now() + limit;
        self.ensure_master(deadline)?;
        let _slot = self.slot(deadline)?;
        let mut input = serde_json::to_vec(&Request { protocol: PROTOCOL, op }).expect("a request serializes");
        input.push(b'\n');
        let mut pause = Duration::from_millis(30);
        loop {
            let mut cmd = self.mux_client();
            // The remote command is fixed: one safe word (checked in the config) and `_serve`;
            // what the request says travels on stdin.
            cmd.args(["-T", "--", self.destination(), &self.config.minder, "_serve"]);
            let left = deadline.saturating_duration_since(Instant::now());
            let out = output_within(&mut cmd, Some(input.clone()), left, End::Kill)
                .map_err(|e| self.err(Failure::Unreachable, format!("cannot run ssh: {e}")))?;
            let Some(out) = out else {
                return Err(self.err(Failure::Slow, format!("no answer within {limit:?}")));
            };
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            // The server refused to open one more session on the connection (its MaxSessions):
            // nothing ran, so waiting for a free one and trying again is safe.
            if out.status.code() == Some(255) && hosts::is_session_refused(&stderr) {
                if Instant::now() + pause >= deadline {
                    return Err(self.err(Failure::Slow, "every session slot of the connection stayed busy"));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(500));
                continue;
            }
            return self.read_reply(&out, &stderr);
        }
    }

    fn read_reply(&self, out: &std::process::Output, stderr: &str) -> Result<Reply, HostError> {
        let stdout = String::from_utf8_lossy(&out.stdout);
        // A login shell's start-up files may print before minder does: the greeting is the
        // first line that is one.
        let mut lines = stdout.lines();
        let first = stdout.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let greeting: Option<Greeting> = lines.by_ref().find_map(|l| serde_json::from_str(l).ok());
        let Some(greeting) = greeting else {
            if out.status.code() == Some(255) && stdout.is_empty() {
                return Err(self.err(hosts::classify_ssh_error(stderr), last_lines(stderr)));
            }
            let said = if stderr.trim().is_empty() { first.to_string() } else { last_lines(stderr) };
            return Err(self.err(
                Failure::VersionSkew,
                format!("`{}` there did not answer as minder speaking protocol {PROTOCOL}: {said}", self.config.minder),
            ));
        };
        if greeting.protocol != PROTOCOL {
            return Err(self.err(
                Failure::VersionSkew,
                format!(
                    "minder {} there speaks protocol {}, this minder {PROTOCOL}: install the same minder on both",
                    greeting.minder, greeting.protocol
                ),
            ));
        }
        let reply: Option<Reply> = lines.next().and_then(|l| serde_json::from_str(l).ok());
        match reply {
            Some(r) if r.protocol == PROTOCOL => Ok(Reply { peer_version: greeting.minder, ..r }),
            Some(r) => Err(self.err(Failure::VersionSkew, format!("reply in protocol {}", r.protocol))),
            None => Err(HostError {
                host: self.name.clone(),
                kind: ErrorKind::Lost,
                message: if stderr.trim().is_empty() {
                    format!("the connection ended ({})", out.status)
                } else {
                    last_lines(stderr)
                },
            }),
        }
    }

    /// One of `SLOTS` request slots of this host, across processes (flock on slot files).
    fn slot(&self, deadline: Instant) -> Result<File, HostError> {
        let files: Vec<File> = (0..SLOTS)
            .map(|i| crate::store::fsutil::open_private_append(&self.dir.join(format!("{}.slot{i}", self.name))))
            .collect::<anyhow::Result<_>>()
            .map_err(|e| self.err(Failure::Unreachable, format!("{e:#}")))?;
        let mut free = None;
        crate::procs::wait_until(deadline, Duration::from_millis(20), || {
            free = files.iter().find(|f| f.try_lock().is_ok());
            free.is_some()
        });
        match free {
            Some(f) => Ok(f.try_clone().expect("a lock file clones")),
            None => Err(self.err(Failure::Slow, "every request slot stayed busy")),
        }
    }

    /// ssh running `<minder> ARGV...` there over the master, the terminal passed through
    /// (`-t` for attach). Each word must read as itself in any login shell: a full session
    /// name, a number, a flag.
    pub fn remote_command(&self, tty: bool, argv: &[String]) -> anyhow::Result<Command> {
        if let Some(bad) = argv.iter().find(|a| !a.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_=:".contains(&b))) {
            anyhow::bail!("`{bad}` cannot be sent on a command line");
        }
        self.ensure_master(Instant::now() + self.timeout())?;
        let mut cmd = self.mux_client();
        cmd.args([if tty { "-t" } else { "-T" }, "--", self.destination(), &self.config.minder]);
        cmd.args(argv);
        Ok(cmd)
    }

    /// The watcher's long request: `minder _serve` over the master, its stdin and stdout
    /// piped, no deadline of its own (the watcher reads heartbeats and ends it on silence).
    pub fn watch_command(&self) -> Result<Command, HostError> {
        self.ensure_master(Instant::now() + self.timeout())?;
        let mut cmd = self.mux_client();
        cmd.args(["-T", "--", self.destination(), &self.config.minder, "_serve"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        Ok(cmd)
    }
}

/// The end of what ssh said, on one line.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(3)..];
    crate::render::sanitize::one_line(&tail.join("; ")).into_owned()
}

//! The one door to tmux: every tmux process minder starts is built here. It resolves the binary,
//! picks the server, escapes each argument, batches commands with `;`, and turns a failure into
//! an error that shows the argv and tmux's stderr.

pub mod quote;
mod wire;

use crate::tmux::quote::tmux_arg;
use anyhow::{Context, Result};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Which tmux server to talk to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Server {
    /// tmux's own choice: `$TMUX` inside tmux, else `default` under `TMUX_TMPDIR`.
    Default,
    /// `-L NAME`: a named socket under `TMUX_TMPDIR`.
    Name(String),
    /// `-S PATH`: an explicit socket path (used by hooks, which know `#{socket_path}`).
    Path(PathBuf),
}

/// The socket of the tmux server we are inside, from `$TMUX` (`path,pid,session`; the path
/// itself may hold commas, so the last two fields are split off from the right).
pub fn socket_from_env() -> Option<PathBuf> {
    socket_of_tmux_var(&std::env::var("TMUX").ok()?)
}

/// The pid of the tmux server we are inside, from `$TMUX`.
pub fn server_pid_from_env() -> Option<u32> {
    std::env::var("TMUX").ok()?.rsplit(',').nth(1)?.parse().ok()
}

fn socket_of_tmux_var(value: &str) -> Option<PathBuf> {
    let path = value.rsplitn(3, ',').last().filter(|p| !p.is_empty())?;
    Some(PathBuf::from(path))
}

/// The name of the folder tmux keeps this user's sockets in: `tmux-UID`.
pub fn socket_dir_name() -> String {
    // SAFETY: getuid(2) cannot fail.
    let uid = unsafe { libc::getuid() };
    format!("tmux-{uid}")
}

/// Where tmux puts this user's sockets for `-L NAME` (and the default server): under
/// `$TMUX_TMPDIR`, else /tmp.
fn socket_dir() -> PathBuf {
    let base =
        std::env::var_os("TMUX_TMPDIR").filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| "/tmp".into());
    base.join(socket_dir_name())
}

/// Whether the folder of named sockets is one the binary would use: a folder (not a link to
/// one), this user's, that others cannot enter.
fn private_socket_dir() -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid(2) cannot fail.
    let uid = unsafe { libc::getuid() };
    std::fs::symlink_metadata(socket_dir()).is_ok_and(|m| m.is_dir() && m.uid() == uid && m.mode() & 0o007 == 0)
}

/// Every folder where this user's tmux servers may listen by name: `$TMUX_TMPDIR`'s, and /tmp's
/// (a tmux started without `$TMUX_TMPDIR`).
pub fn socket_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![socket_dir()];
    let tmp = Path::new("/tmp").join(socket_dir_name());
    if !dirs.contains(&tmp) {
        dirs.push(tmp);
    }
    dirs
}

impl Server {
    /// The socket this server listens on, worked out as tmux does (`-S` path; `-L` name or
    /// `default` under `$TMUX_TMPDIR` (or /tmp) `/tmux-UID/`; inside tmux, `$TMUX`), without
    /// asking tmux.
    pub fn socket_path(&self) -> PathBuf {
        let under_tmpdir = |name: &str| {
            // tmux resolves its socket folder with realpath(3); so do we.
            let dir = socket_dir();
            std::fs::canonicalize(&dir).unwrap_or(dir).join(name)
        };
        match self {
            Server::Path(p) => p.clone(),
            Server::Name(n) => under_tmpdir(n),
            Server::Default => socket_from_env().unwrap_or_else(|| under_tmpdir("default")),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Tmux {
    bin: PathBuf,
    server: Server,
    /// Commands are handed to a running server over its socket (`wire`), the binary run only
    /// where that cannot be done; false when `MINDER_TMUX` names a binary: then every call runs it.
    wire: bool,
}

/// A tmux command failed. Kept typed so callers can tell "no server" from real failures.
#[derive(Debug)]
pub struct TmuxError {
    pub argv: Vec<String>,
    pub stderr: String,
    pub status: Option<i32>,
}

impl fmt::Display for TmuxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stderr = self.stderr.trim();
        write!(f, "tmux failed: `{}`", self.argv.join(" "))?;
        if !stderr.is_empty() {
            write!(f, ": {stderr}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TmuxError {}

impl TmuxError {
    /// True when the failure only means there is no server (so nothing is running).
    pub fn no_server(&self) -> bool {
        let e = &self.stderr;
        // A failure to start tmux at all (status None) must never read as "no server": that
        // would mark every session lost.
        self.status.is_some()
            && (e.contains("no server running")
                || e.contains("error connecting to")
                || e.contains("No such file or directory"))
    }
}

/// How long one tmux call may take. A server that is stopped (SIGSTOP) or wedged accepts the
/// connection and never answers; minder must say so, not hang. `MINDER_TMUX_TIMEOUT_MS` sets it
/// (tests use a short one).
pub fn deadline() -> std::time::Duration {
    crate::procs::deadline::from_env("MINDER_TMUX_TIMEOUT_MS", 5000)
}

/// Run `cmd` to completion with stdout and stderr captured, or kill it once `limit` passes. The
/// error is the message to show.
fn run_with_deadline(cmd: &mut Command, limit: std::time::Duration) -> Result<std::process::Output, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    match crate::procs::output_within(cmd, None, limit, crate::procs::End::Kill) {
        Ok(Some(out)) => Ok(out),
        Ok(None) => Err(timed_out(limit)),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

fn timed_out(limit: std::time::Duration) -> String {
    format!(
        "the tmux server did not answer within {:.1}s (is it stopped or wedged? `kill -CONT` its pid, or restart it)",
        limit.as_secs_f32()
    )
}

/// One command of a batch: its words, unescaped.
pub type Cmd = Vec<String>;

/// One tmux command's words, each turned into a `String` (user text is escaped later, in
/// `batch`).
#[macro_export]
macro_rules! tmux_cmd {
    ($($word:expr),* $(,)?) => { $crate::tmux::Cmd::from([$($word.to_string()),*]) };
}

impl Tmux {
    /// Find tmux (`MINDER_TMUX`, else `tmux` on `PATH`) for the given server. With `tmux` from
    /// `PATH`, commands go to a running server over its socket and the binary runs only where
    /// that cannot be done (no server yet, another protocol version); `MINDER_TMUX` (a wrapper,
    /// a tmux built elsewhere) is run for every call.
    pub fn discover(server: Server) -> Result<Tmux> {
        let (bin, wire) = match std::env::var_os("MINDER_TMUX").filter(|v| !v.is_empty()) {
            Some(path) => (PathBuf::from(path), false),
            None => (
                which::which("tmux").map_err(|_| {
                    anyhow::anyhow!("tmux not found on PATH (install tmux 3.2 or newer, or set MINDER_TMUX)")
                })?,
                true,
            ),
        };
        Ok(Tmux { bin, server, wire })
    }

    /// tmux for the server listening on `socket` (a session's recorded socket, a hook's
    /// `#{socket_path}`).
    pub fn at_socket(socket: &Path) -> Result<Tmux> {
        Tmux::discover(Server::Path(socket.to_path_buf()))
    }

    /// The same binary, another server.
    pub fn with_server(base: &Tmux, server: Server) -> Tmux {
        Tmux { bin: base.bin.clone(), server, wire: base.wire }
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The flags that choose the server: the one place a `Server` becomes argv.
    fn server_args(&self) -> Vec<std::ffi::OsString> {
        match &self.server {
            Server::Default => Vec::new(),
            Server::Name(n) => vec!["-L".into(), n.into()],
            Server::Path(p) => vec!["-S".into(), p.into()],
        }
    }

    /// The base command: binary, server flags, no stdin.
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(self.server_args()).stdin(Stdio::null());
        cmd
    }

    fn argv_for(&self, words: &[String]) -> Vec<String> {
        let mut argv = vec![self.bin.display().to_string()];
        argv.extend(self.server_args().iter().map(|a| a.to_string_lossy().into_owned()));
        argv.extend(words.iter().cloned());
        argv
    }

    /// Run one tmux command and return its stdout.
    pub fn run(&self, cmd: &[String]) -> Result<String, TmuxError> {
        self.batch(std::slice::from_ref(&cmd.to_vec()))
    }

    /// Run several tmux commands in one tmux invocation (joined by `;`), so they happen together
    /// in the server's command queue, with nothing in between.
    pub fn batch(&self, cmds: &[Cmd]) -> Result<String, TmuxError> {
        let words = batch_words(cmds);
        tracing::debug!(argv = ?words, "tmux");
        if let Some(client) = self.wire_client() {
            let by = std::time::Instant::now() + deadline();
            if let Some(answer) = self.spoken(&words, client.run(&words, by)) {
                return answer;
            }
        }
        let output = run_with_deadline(self.command().args(&words), deadline());
        self.answer(&words, output)
    }

    /// A client connected to the running server, identified and ready for one command; None
    /// when the binary is to run it (`MINDER_TMUX`, no server to connect to).
    fn wire_client(&self) -> Option<wire::Client> {
        if !self.wire {
            return None;
        }
        let from_tmux_var = matches!(self.server, Server::Default) && socket_from_env().is_some();
        let by_name = !matches!(self.server, Server::Path(_)) && !from_tmux_var;
        let socket = self.server.socket_path();
        // The binary refuses a socket folder another user owns or may enter (tmux's
        // `make_label`), and says so: it is left to say it.
        if by_name && !private_socket_dir() {
            return None;
        }
        match wire::Client::connect(&socket, by_name, deadline()) {
            Ok(client) => Some(client),
            Err(why) => {
                tracing::debug!(%why, "tmux by its binary");
                None
            }
        }
    }

    /// What a command handed over the socket came to, as `batch` returns it; None when it did
    /// not run (the binary is to run it).
    fn spoken(
        &self,
        words: &[String],
        result: Result<wire::Answer, wire::Failed>,
    ) -> Option<Result<String, TmuxError>> {
        let failed = |stderr: String, status: Option<i32>| TmuxError { argv: self.argv_for(words), stderr, status };
        Some(match result {
            Ok(answer) if answer.status == 0 => Ok(String::from_utf8_lossy(&answer.stdout).into_owned()),
            Ok(answer) => Err(failed(String::from_utf8_lossy(&answer.stderr).into_owned(), Some(answer.status))),
            Err(wire::Failed::NotRun(why)) => {
                tracing::debug!(%why, "tmux by its binary");
                return None;
            }
            Err(wire::Failed::TimedOut) => Err(failed(timed_out(deadline()), None)),
            Err(wire::Failed::Lost(why)) => Err(failed(why, Some(1))),
        })
    }

    /// What a batch's tmux process said, as `batch` returns it (`words` name it in an error).
    fn answer(&self, words: &[String], output: Result<std::process::Output, String>) -> Result<String, TmuxError> {
        let output = match output {
            Ok(o) => o,
            Err(stderr) => return Err(TmuxError { argv: self.argv_for(words), stderr, status: None }),
        };
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(TmuxError {
                argv: self.argv_for(words),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                status: output.status.code(),
            })
        }
    }

    /// A tmux client for one batch whose commands are not known yet, started now, so that its
    /// start overlaps the caller's own work; `Early::send` then hands it the commands. Over the
    /// socket, that is connecting and identifying; with the binary, `tmux source-file -` (exec,
    /// loading, connecting, identifying: about as long as a tmux call itself). None when there
    /// is no server to connect to: `source-file` never starts one, and `batch` does.
    pub fn start_early(&self) -> Option<Early> {
        if self.wire {
            let client = self.wire_client()?;
            return Some(Early { tmux: self.clone(), client: Some(EarlyClient::Wire(client)) });
        }
        if !self.server.socket_path().exists() {
            return None;
        }
        // It prints a line first: the client's stdout is then open (in tmux a client's first
        // output is a request and an answer between server and client) before the batch comes,
        // and `new-session -P` prints at once (measured: a batch with -P took 1.3 ms longer
        // without; `bench/README.md`).
        let mut cmd = Command::new(&self.bin);
        cmd.args(self.server_args()).args(["display-message", "-p", EARLY_READY, ";", "source-file", "-"]);
        let (capture, stdin) = crate::procs::Capture::start_open(&mut cmd).ok()?;
        Some(Early { tmux: self.clone(), client: Some(EarlyClient::Binary(capture, stdin)) })
    }

    /// Replace this process with an interactive tmux client (attach). `unset_tmux` drops `$TMUX`
    /// so a client may be nested inside another server's pane.
    pub fn exec_interactive(&self, cmd: &[String], unset_tmux: bool) -> anyhow::Error {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(&self.bin);
        command.args(self.server_args());
        command.args(cmd.iter().map(|w| tmux_arg(w)));
        if unset_tmux {
            command.env_remove("TMUX").env_remove("TMUX_PANE");
        }
        let err = command.exec();
        anyhow::anyhow!("cannot run {}: {err}", self.bin.display())
    }

    /// `tmux -V`, parsed.
    pub fn version(&self) -> Result<Version> {
        let out = run_with_deadline(Command::new(&self.bin).arg("-V").stdin(Stdio::null()), deadline())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        parse_version(text.trim()).with_context(|| format!("cannot read the tmux version from `{}`", text.trim()))
    }
}

/// The line an early client prints before it reads its batch (`Tmux::start_early`).
const EARLY_READY: &str = "minder:ready";

/// A batch's commands as the tmux client's argv: joined by `;`, each argument kept whole.
fn batch_words(cmds: &[Cmd]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for (i, cmd) in cmds.iter().enumerate() {
        if i > 0 {
            words.push(";".into());
        }
        // The command name is ours; every argument after it may be user text.
        words.extend(cmd.iter().map(|w| tmux_arg(w)));
    }
    words
}

/// A tmux client started ahead of its one batch (`Tmux::start_early`). Dropped unused, it is
/// closed (over the socket) or killed and reaped (the binary): it was given nothing, so nothing
/// of it ran.
pub struct Early {
    tmux: Tmux,
    /// The client, until `send` takes it.
    client: Option<EarlyClient>,
}

enum EarlyClient {
    /// Connected to the server and identified.
    Wire(wire::Client),
    /// `tmux source-file -` and its stdin.
    Binary(crate::procs::Capture, std::process::ChildStdin),
}

impl Drop for Early {
    fn drop(&mut self) {
        if let Some(EarlyClient::Binary(capture, _stdin)) = self.client.take() {
            let _ = capture.finish_by(std::time::Instant::now(), crate::procs::End::Kill);
        }
    }
}

impl Early {
    /// Whether this client talks to the same tmux binary and server as `tmux`.
    pub fn serves(&self, tmux: &Tmux) -> bool {
        self.tmux.bin == tmux.bin && self.tmux.server == tmux.server && self.tmux.wire == tmux.wire
    }

    /// Hand it `cmds`, to run as `Tmux::batch` would. The binary reads them on one line of
    /// tmux's command language (every word quoted with `quote::tmux_quote`, commands joined by
    /// ` ; `: a failed command stops the rest, as in argv). The deadline counts from here.
    pub fn send(mut self, cmds: &[Cmd]) -> Sent {
        let words = batch_words(cmds);
        let deadline = std::time::Instant::now() + deadline();
        let client = match self.client.take().expect("an Early is sent once") {
            EarlyClient::Wire(mut client) => {
                tracing::debug!(argv = ?words, "tmux");
                SentClient::Wire(client.send(&words).map(|()| client))
            }
            EarlyClient::Binary(capture, stdin) => {
                let mut line = quote::tmux_commands(cmds);
                line.push('\n');
                tracing::debug!(batch = %line, "tmux source-file -");
                crate::procs::deadline::feed(stdin, line.into_bytes());
                SentClient::Binary(capture)
            }
        };
        Sent { tmux: self.tmux.clone(), words, client, deadline }
    }
}

/// A batch handed to an early client, until its answer (`Sent::finish`).
pub struct Sent {
    tmux: Tmux,
    /// The batch as argv words, to name it in an error.
    words: Vec<String>,
    client: SentClient,
    deadline: std::time::Instant,
}

enum SentClient {
    /// The client the batch went to, or why it could not be handed over.
    Wire(Result<wire::Client, wire::NotRun>),
    Binary(crate::procs::Capture),
}

impl Sent {
    /// The answer, as `Tmux::batch` gives it. None when the batch did not run (no server to
    /// connect to; over the socket, a refusal before the command): the caller runs
    /// `Tmux::batch`.
    pub fn finish(self) -> Option<Result<String, TmuxError>> {
        let capture = match self.client {
            SentClient::Wire(Ok(client)) => return self.tmux.spoken(&self.words, client.answer(self.deadline)),
            SentClient::Wire(Err(why)) => {
                tracing::debug!(%why, "tmux by its binary");
                return None;
            }
            SentClient::Binary(capture) => capture,
        };
        let output = match capture.finish_by(self.deadline, crate::procs::End::Kill) {
            Ok(Some(mut out)) => {
                // The batch's answer is what follows the ready line.
                let ready = format!("{EARLY_READY}\n");
                if out.stdout.starts_with(ready.as_bytes()) {
                    out.stdout.drain(..ready.len());
                }
                Ok(out)
            }
            Ok(None) => Err(timed_out(deadline())),
            Err(e) => Err(format!("cannot run {}: {e}", self.tmux.bin.display())),
        };
        match self.tmux.answer(&self.words, output) {
            Err(e) if e.no_server() => None,
            answer => Some(answer),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Parse `tmux -V` output: `tmux 3.3a`, `tmux 3.2`, `tmux next-3.5`, `tmux master`.
pub fn parse_version(s: &str) -> Option<Version> {
    let word = s.split_whitespace().nth(1)?;
    if word == "master" {
        return Some(Version { major: 99, minor: 0 });
    }
    let word = word.strip_prefix("next-").unwrap_or(word);
    let mut parts = word.splitn(2, '.');
    let major = parts.next()?.parse().ok()?;
    let minor_txt: String = parts.next().unwrap_or("0").chars().take_while(|c| c.is_ascii_digit()).collect();
    let minor = if minor_txt.is_empty() { 0 } else { minor_txt.parse().ok()? };
    Some(Version { major, minor })
}

/// Exact target for a session (session-scoped commands and `set-option`/`set-hook`).
pub fn session_target(name: &str) -> String {
    format!("={name}:")
}

// ---- Listing panes --------------------------------------------------------------------------

/// Field separator for list formats: a control character that cannot occur in a session name.
pub const SEP: char = '\u{1f}';

/// The format `list_panes` asks for; `parse_pane_line` reads it back. The owner comes last: it
/// is a path, and the only field that could hold anything.
pub const PANE_FORMAT: &str = "#{session_name}\u{1f}#{session_id}\u{1f}#{pane_id}\u{1f}#{pane_pid}\u{1f}#{pane_dead}\u{1f}#{pane_dead_status}\u{1f}#{pane_dead_signal}\u{1f}#{pane_pipe}\u{1f}#{session_attached}\u{1f}#{@minder-id}\u{1f}#{pid}\u{1f}#{start_time}\u{1f}#{@minder}";

pub use crate::domain::panes::{Identity, PaneInfo, ServerIdentity};

pub fn parse_pane_line(line: &str) -> Option<PaneInfo> {
    let f: Vec<&str> = line.split(SEP).collect();
    if f.len() < 13 {
        return None;
    }
    Some(PaneInfo {
        session_name: f[0].to_string(),
        session_id: f[1].to_string(),
        pane_id: f[2].to_string(),
        pane_pid: f[3].parse().ok(),
        dead: f[4] == "1",
        dead_status: f[5].parse().ok(),
        dead_signal: f[6].parse().ok(),
        pipe: f[7] == "1",
        attached: f[8].parse().unwrap_or(0),
        minder_id: f[9].to_string(),
        server: ServerIdentity { pid: f[10].parse().unwrap_or(0), started: f[11].parse().unwrap_or(0) },
        owner: f[12..].join(&SEP.to_string()),
    })
}

/// The first line a guarded batch prints when the target is ours (`NOT_OURS` otherwise).
const OURS: &str = "minder:ours";
const NOT_OURS: &str = "minder:not-ours";

/// One tmux command that runs `then` only if `target` (a pane or session id) is in the session
/// `who` identifies, and `otherwise` if not: tmux checks and acts in one step, nothing between.
pub fn guarded(target: &str, who: &Identity, then: &[Cmd], otherwise: &[Cmd]) -> Cmd {
    let mut cmd = tmux_cmd!["if-shell", "-F", "-t", target, who.condition(), quote::tmux_commands(then)];
    if !otherwise.is_empty() {
        cmd.push(quote::tmux_commands(otherwise));
    }
    cmd
}

impl Tmux {
    /// Run `cmds` only if `target` (a pane or session id) is in the session `who` identifies,
    /// in one tmux invocation. `Ok(None)`: it is not (gone, or someone else's).
    pub fn batch_if(&self, target: &str, who: &Identity, cmds: &[Cmd]) -> Result<Option<String>, TmuxError> {
        if target.is_empty() {
            return Ok(None);
        }
        let mut then = vec![tmux_cmd!["display-message", "-p", OURS]];
        then.extend(cmds.iter().cloned());
        let out = self.run(&guarded(target, who, &then, &[tmux_cmd!["display-message", "-p", NOT_OURS]]))?;
        Ok(out.strip_prefix(OURS).and_then(|rest| rest.strip_prefix('\n')).map(str::to_string))
    }
}

impl Tmux {
    /// Start a new log sink on the agent's `pane` after its sink died (killed, out of memory),
    /// only while the pane is in the session `who` identifies (checked in the same call); the
    /// new sink marks the gap in the log (`--resumed`). False: the pane is no longer that
    /// session's. The one way to re-attach a sink: `minder` commands and the supervisor use it.
    pub fn reattach_sink(
        &self,
        pane: &str,
        who: &Identity,
        self_exe: &Path,
        session_root: &Path,
    ) -> Result<bool, TmuxError> {
        let cmd = quote::sink_command(self_exe, session_root, true);
        Ok(self.batch_if(pane, who, &[tmux_cmd!["pipe-pane", "-t", pane, cmd]])?.is_some())
    }

    /// Whether tmux is done with the agent's `pane`: dead (kept by remain-on-exit), gone, no
    /// longer in the session `who` identifies, or its server gone.
    pub fn pane_finished(&self, pane: &str, who: &Identity) -> bool {
        let format = format!("#{{pane_dead}}{SEP}{}", who.format());
        match self.run(&tmux_cmd!["display-message", "-p", "-t", pane, format]) {
            Ok(out) => {
                let (dead, shown) = out.trim_end_matches('\n').split_once(SEP).unwrap_or(("1", ""));
                dead == "1" || !who.is(shown)
            }
            Err(_) => true,
        }
    }

    /// Every pane of every session (a session whose ids are recorded is found by them, whatever
    /// options it carries: the agent can unset `@minder` on its own session). No server: empty.
    pub fn list_all_panes(&self) -> Result<Vec<PaneInfo>> {
        let cmd = tmux_cmd!["list-panes", "-a", "-F", PANE_FORMAT];
        match self.run(&cmd) {
            Ok(out) => Ok(out.lines().filter_map(parse_pane_line).collect()),
            Err(e) if e.no_server() => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("tmux 3.3a"), Some(Version { major: 3, minor: 3 }));
        assert_eq!(parse_version("tmux 3.2"), Some(Version { major: 3, minor: 2 }));
        assert_eq!(parse_version("tmux next-3.5"), Some(Version { major: 3, minor: 5 }));
        assert_eq!(parse_version("tmux 2.9a"), Some(Version { major: 2, minor: 9 }));
        assert!(parse_version("tmux 3.1c").unwrap() < Version { major: 3, minor: 2 });
        assert!(parse_version("tmux master").unwrap().at_least(3, 2));
        assert_eq!(parse_version("garbage"), None);
    }

    #[test]
    fn socket_of_the_tmux_variable() {
        assert_eq!(socket_of_tmux_var("/tmp/tmux-0/default,123,4"), Some(PathBuf::from("/tmp/tmux-0/default")));
        assert_eq!(socket_of_tmux_var("/tmp/a,b/sock,123,4"), Some(PathBuf::from("/tmp/a,b/sock")));
        assert_eq!(socket_of_tmux_var(""), None);
    }

    #[test]
    fn identity_conditions_admit_only_plain_words() {
        assert_eq!(Identity::Id("m-0a1b".into()).condition(), "#{==:#{@minder-id},m-0a1b}");
        assert_eq!(Identity::Name("cmd-x".into()).condition(), "#{==:#{session_name},cmd-x}");
        assert_eq!(Identity::Id("".into()).condition(), "0");
        assert_eq!(Identity::Id("a},1}#{".into()).condition(), "0");
        assert!(Identity::Id("m-1".into()).is("m-1"));
        assert!(!Identity::Id("".into()).is(""));
    }

    #[test]
    fn pane_lines() {
        let line = "codex-a\u{1f}$3\u{1f}%7\u{1f}4242\u{1f}1\u{1f}3\u{1f}\u{1f}1\u{1f}0\u{1f}m-1f\u{1f}99\u{1f}1700000000\u{1f}/home/u/.local/state/minder";
        let p = parse_pane_line(line).unwrap();
        assert_eq!(p.session_name, "codex-a");
        assert_eq!(p.pane_id, "%7");
        assert_eq!(p.pane_pid, Some(4242));
        assert!(p.dead && p.pipe);
        assert_eq!(p.dead_status, Some(3));
        assert_eq!(p.dead_signal, None);
        assert_eq!(p.owner, "/home/u/.local/state/minder");
        assert_eq!(p.minder_id, "m-1f");
        assert_eq!(p.server, ServerIdentity { pid: 99, started: 1_700_000_000 });
        assert_eq!(parse_pane_line("short\u{1f}line"), None);
    }
}

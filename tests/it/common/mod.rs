//! Test environment: every test gets its own tmux server (private TMUX_TMPDIR and socket), a
//! temp HOME and XDG dirs, no TMUX/TMUX_PANE, and kills that server when dropped.

pub mod sshd;

use assert_cmd::Command;
use serde_json::Value;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// How long a test waits for what should happen (a state, a line in a log, a screen): long,
/// because the suite shares a loaded machine; a wait returns as soon as what it waits for is
/// there.
pub const T: Duration = Duration::from_secs(30);

pub struct Env {
    pub tmp: tempfile::TempDir,
    pub socket: String,
    /// Last, so the temp dir is gone before the next test has the machine.
    _turn: Option<Turn>,
}

/// The machine the tests run on: shared by the tests libtest runs at once (as many as there are
/// cores), or had alone by a test that needs all of it. A real agent does: beside another
/// agent or a flood of output it loses keystrokes (an Enter read as part of a paste) and its
/// first turn stretches past minder's thresholds, which is the machine, not minder. (std's
/// RwLock on Linux lets a waiting writer in before new readers: an `alone` test waits only for
/// the tests already running.)
static MACHINE: RwLock<()> = RwLock::new(());

thread_local! {
    /// Whether this test's thread holds a turn (a second Env in one test takes none: a read
    /// lock taken twice deadlocks once a writer waits between the two).
    static HOLDS_TURN: Cell<bool> = const { Cell::new(false) };
}

/// A test's hold on the machine: one of the two.
struct Turn {
    _shared: Option<RwLockReadGuard<'static, ()>>,
    _alone: Option<RwLockWriteGuard<'static, ()>>,
}

impl Turn {
    fn take(alone: bool) -> Option<Turn> {
        if HOLDS_TURN.get() {
            assert!(!alone, "a test that has the machine shared cannot have it alone too");
            return None;
        }
        let turn = if alone {
            Turn { _shared: None, _alone: Some(MACHINE.write().unwrap_or_else(|poisoned| poisoned.into_inner())) }
        } else {
            Turn { _shared: Some(MACHINE.read().unwrap_or_else(|poisoned| poisoned.into_inner())), _alone: None }
        };
        HOLDS_TURN.set(true);
        Some(turn)
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        HOLDS_TURN.set(false);
    }
}

/// The tmux the tests drive: `$MINDER_TMUX`, as minder itself reads it, or `tmux` on PATH.
pub fn tmux_bin() -> String {
    std::env::var("MINDER_TMUX").unwrap_or_else(|_| "tmux".into())
}

/// The tmux the tests drive, as an absolute path (for a wrapper to exec, or `MINDER_TMUX`).
pub fn tmux_path() -> String {
    let out = std::process::Command::new("sh").args(["-c", "command -v \"$0\"", &tmux_bin()]).output().unwrap();
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(path.starts_with('/'), "tmux not found: {:?}", tmux_bin());
    path
}

pub fn agent(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/agents").join(name).display().to_string()
}

impl Env {
    /// A test's world, on the machine it shares with the other tests running.
    pub fn new() -> Env {
        Env::with_turn(Turn::take(false))
    }

    /// An `Env` whose tmux server is up before the test starts (`server_up`: a session named
    /// `keeper` holds it), or not. With it up, `new` hands its batch to the client it started
    /// early; without, its tmux call starts the server (tmux's argv).
    pub fn with_server(server_up: bool) -> Env {
        let env = Env::new();
        if server_up {
            env.tmux_out(&["new-session", "-d", "-s", "keeper", "sleep", "600"]);
        }
        env
    }

    /// A test's world, on the machine it has alone: it waits for the tests running to end, and
    /// no other starts until it ends.
    pub fn alone() -> Env {
        Env::with_turn(Turn::take(true))
    }

    fn with_turn(turn: Option<Turn>) -> Env {
        let tmp = tempfile::Builder::new().prefix("minder-test-").tempdir().unwrap();
        for d in ["home", "config", "state", "tmux", "work", "data", "cache"] {
            std::fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        Env { tmp, socket: "minder-test".to_string(), _turn: turn }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn work(&self) -> PathBuf {
        self.path("work")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.path("state/minder")
    }

    /// The pid of session `name`'s log sink (the newest, when a dead one is still there), from
    /// the kernel's process list: the process running `minder _sink` on the session's folder.
    /// Waits for one to be up: holding its wake-up FIFO, which says it runs.
    pub fn sink_pid(&self, name: &str) -> i32 {
        let folder = self.state_dir().join("sessions").join(name);
        let fifo = folder.join("wake");
        let dir = folder.to_str().unwrap().as_bytes().to_vec();
        let holds_fifo = |pid: i32| {
            let fds = std::fs::read_dir(format!("/proc/{pid}/fd"));
            fds.is_ok_and(|fds| fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == fifo)))
        };
        let find = || -> Option<i32> {
            let mut found: Vec<(u64, i32)> = Vec::new();
            for entry in std::fs::read_dir("/proc").ok()?.flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
                let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
                let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
                if args.len() < 3 || args[1] != b"_sink" || args[2] != dir.as_slice() {
                    continue;
                }
                let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
                let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
                // After the name: state is the first field, starttime the 20th.
                if fields.first() == Some(&"Z") {
                    continue;
                }
                found.push((fields.get(19).and_then(|f| f.parse().ok()).unwrap_or(0), pid));
            }
            found.into_iter().max().map(|(_, pid)| pid).filter(|&pid| holds_fifo(pid))
        };
        let mut pid = None;
        wait_for(&format!("the log sink of {name}"), T, || {
            pid = find();
            pid.is_some()
        });
        pid.unwrap()
    }

    pub fn config(&self, text: &str) {
        let dir = self.path("config/minder");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), text).unwrap();
    }

    /// The environment every process of this test runs with.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("HOME".into(), self.path("home").display().to_string()),
            ("XDG_CONFIG_HOME".into(), self.path("config").display().to_string()),
            ("XDG_STATE_HOME".into(), self.path("state").display().to_string()),
            ("XDG_DATA_HOME".into(), self.path("data").display().to_string()),
            ("XDG_CACHE_HOME".into(), self.path("cache").display().to_string()),
            ("TMUX_TMPDIR".into(), self.path("tmux").display().to_string()),
            ("MINDER_TMUX_SOCKET".into(), self.socket.clone()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("LANG".into(), "C.UTF-8".into()),
            ("TERM".into(), "xterm-256color".into()),
            ("MINDER_DEMO_DELAY_MS".into(), "20".into()),
        ];
        if let Ok(t) = std::env::var("MINDER_TMUX") {
            v.push(("MINDER_TMUX".into(), t));
        }
        v
    }

    pub fn minder(&self) -> Command {
        let mut cmd = Command::cargo_bin("minder").unwrap();
        cmd.env_clear().envs(self.vars()).current_dir(self.work());
        cmd.timeout(Duration::from_secs(60));
        cmd
    }

    /// Run minder, expect success, return stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.minder().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "minder {args:?} failed ({:?}):\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run minder, expect failure with `code`, return stderr.
    pub fn fail(&self, args: &[&str], code: i32) -> String {
        let out = self.minder().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(code),
            "minder {args:?}: stdout {} stderr {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }

    /// tmux on this test's server.
    pub fn tmux(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(tmux_bin())
            .env_clear()
            .envs(self.vars())
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    pub fn tmux_out(&self, args: &[&str]) -> String {
        let out = self.tmux(args);
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn show(&self, name: &str) -> Value {
        let out = self.run(&["show", name, "--json"]);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["version"], 1);
        v["session"].clone()
    }

    pub fn state(&self, name: &str) -> String {
        self.show(name)["state"].as_str().unwrap().to_string()
    }

    pub fn ls(&self, all: bool) -> Vec<Value> {
        let out = if all { self.run(&["ls", "--json", "--all"]) } else { self.run(&["ls", "--json"]) };
        let v: Value = serde_json::from_str(&out).unwrap();
        v["sessions"].as_array().unwrap().clone()
    }

    /// Wait until the session reaches `state` (polling `show`), or panic with what it is.
    pub fn wait_state(&self, name: &str, state: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let s = self.show(name);
            if s["state"] == state {
                return s;
            }
            if start.elapsed() > timeout {
                let panes = self.tmux(&["list-panes", "-a", "-F", "#{session_name} #{pane_id} dead=#{pane_dead} status=#{pane_dead_status} signal=#{pane_dead_signal} pipe=#{pane_pipe} pid=#{pane_pid}"]);
                let ps = std::process::Command::new("ps").args(["-eo", "pid,ppid,stat,args"]).output().unwrap();
                let ps: String = String::from_utf8_lossy(&ps.stdout)
                    .lines()
                    .filter(|l| l.contains("printargs") || l.contains("tmux") || l.contains(" Z"))
                    .collect::<Vec<_>>()
                    .join("\n");
                eprintln!("ps:\n{ps}");
                let errors = std::fs::read_to_string(
                    self.state_dir().join("sessions").join(s["name"].as_str().unwrap_or("")).join("sink-errors.log"),
                )
                .unwrap_or_default();
                panic!(
                    "session {name} did not reach {state}: {s:#}\nlog:\n{}\npanes:\n{}\nerrors:\n{errors}",
                    self.run(&["logs", name]),
                    String::from_utf8_lossy(&panes.stdout)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait until the log sink of the ended session `name` (its full name) has put everything it
    /// received on disk and exited: it writes `sink-done` last.
    pub fn wait_sink_done(&self, name: &str) {
        let done = self.state_dir().join("sessions").join(name).join("sink-done");
        wait_for(&format!("the sink of {name} done"), T, || done.exists());
    }

    /// This test's processes (pid, argv): those whose command line or environment mentions its
    /// temp dir.
    pub fn processes(&self) -> Vec<(i32, Vec<String>)> {
        processes_mentioning(&self.tmp.path().display().to_string())
    }

    pub fn server_pid(&self) -> Option<u32> {
        let out = self.tmux(&["display-message", "-p", "#{pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// `minder ARGS` as a client on a terminal of its own (`script` gives it a pty), outside
    /// tmux; None when `script` is not installed.
    pub fn minder_on_a_terminal(&self, args: &str) -> Option<std::process::Child> {
        std::process::Command::new("script").arg("--version").output().ok()?;
        let bin = assert_cmd::cargo::cargo_bin("minder");
        let child = std::process::Command::new("script")
            .env_clear()
            .envs(self.vars())
            .current_dir(self.work())
            .args(["-qfc", &format!("'{}' {args}", bin.display()), "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Some(child)
    }

    /// What the agent pane shows right now.
    pub fn capture(&self, name: &str) -> String {
        self.tmux_out(&["capture-pane", "-p", "-J", "-t", &format!("={name}:")])
    }
}

/// Poll `cond` until true or panic after `timeout`.
pub fn wait_for(what: &str, timeout: Duration, cond: impl FnMut() -> bool) {
    if !within(timeout, cond) {
        panic!("timed out waiting for {what}");
    }
}

/// Poll `cond` until true (true), or until `timeout` has passed (false): for a test that has
/// something to do (a process to kill, a screen to show) before it fails.
pub fn within(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// Processes (pid, argv) other than this one whose command line or environment mentions
/// `marker` (a test's temp dir: `Env::processes`).
pub fn processes_mentioning(marker: &str) -> Vec<(i32, Vec<String>)> {
    let me = std::process::id() as i32;
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return found };
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let read = |f: &str| std::fs::read(entry.path().join(f)).unwrap_or_default();
        let cmdline = read("cmdline");
        if cmdline.is_empty() {
            continue; // a kernel thread or a zombie
        }
        let mentions = |b: &[u8]| b.windows(marker.len()).any(|w| w == marker.as_bytes());
        if mentions(&cmdline) || mentions(&read("environ")) {
            let argv = cmdline
                .split(|&b| b == 0)
                .filter(|w| !w.is_empty())
                .map(|w| String::from_utf8_lossy(w).to_string())
                .collect();
            found.push((pid, argv));
        }
    }
    found
}

/// Whether process `pid` has ended: gone, or a zombie its parent has not reaped yet (as ended
/// as it gets).
pub fn process_ended(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses and may hold anything.
        Ok(stat) => stat.rsplit(')').next().and_then(|r| r.split_whitespace().next()) == Some("Z"),
        Err(_) => true,
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Run git in `dir` with a fixed identity; its stdout. Panics, with git's stderr, on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Write `text` to `path` as an executable file (a fake program, a wrapper, a git hook).
pub fn write_script(path: &Path, text: impl AsRef<[u8]>) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A repository on `main` with one commit (`README`), with an identity of its own so agents can
/// commit in it.
pub fn repo(env: &Env) -> PathBuf {
    let repo = env.work().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["config", "user.email", "t@example.com"]);
    git(&repo, &["config", "user.name", "t"]);
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    git(&repo, &["add", "README"]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    repo.canonicalize().unwrap()
}

/// `repo`, with `main` pushed to the bare remote `origin` at `remote.git`.
pub fn repo_with_remote(env: &Env) -> PathBuf {
    let repo = repo(env);
    let remote = env.path("remote.git");
    git(env.tmp.path(), &["init", "-q", "--bare", remote.to_str().unwrap()]);
    git(&repo, &["remote", "add", "origin", remote.to_str().unwrap()]);
    git(&repo, &["push", "-q", "origin", "main"]);
    repo
}

/// A real client attached to `session` on a pseudo-terminal (`script`), size 150×20; what
/// reaches its terminal is written to the returned file. Detach it with
/// `detach-client -s =SESSION`, then wait for the child.
pub fn attach_through_script(env: &Env, session: &str) -> (std::process::Child, PathBuf) {
    let typescript = env.path(&format!("{session}.typescript"));
    let tmux = tmux_bin();
    let client = std::process::Command::new("script")
        .env_clear()
        .envs(env.vars())
        .env("COLUMNS", "150")
        .env("LINES", "20")
        .args(["-qfc", &format!("{tmux} -L {} attach -t ={session}", env.socket), typescript.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("client attached", Duration::from_secs(15), || {
        env.tmux_out(&["list-clients", "-F", "#{client_name}"]).lines().count() == 1
    });
    (client, typescript)
}

impl Env {
    /// tmux on another server of this test, `-L name` (under its own TMUX_TMPDIR).
    pub fn minder_tmux_on(&self, socket: &str, args: &[&str]) -> std::process::Output {
        std::process::Command::new(tmux_bin())
            .env_clear()
            .envs(self.vars())
            .arg("-L")
            .arg(socket)
            .args(args)
            .output()
            .unwrap()
    }
}

/// A test that cannot run here because `what` is missing: it says so on stderr and the caller
/// returns; under `CI=true` a missing tool is a failure, not a skip.
pub fn missing_tool(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} (CI=true: a missing tool fails the suite rather than skipping a test)");
    }
    eprintln!("skipped: {what}");
}

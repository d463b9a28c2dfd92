//! minder with the real agents: the Codex CLI, Claude Code, gemini-cli and aider run under
//! minder, offline, against the stand-in model servers of `tests/standin/` (see its README), and
//! minder's states are checked as a person would see them. Each test is skipped (it returns
//! early and says so on stderr) when its agent or `python3` is not on PATH (or
//! `MINDER_SKIP_REAL_AGENTS` is set), except under `CI=true`, where that fails it: `.ci/run`
//! installs the pinned versions (tests/standin/install_agents.sh).
//!
//! Every test has its own tmux server, HOME, CODEX_HOME and stand-in server; a guard kills the
//! stand-in and, after the tmux server, any process still referring to the test's temp dir (by
//! pid). Codex runs with `--no-daemon`, and the tests check that no app-server daemon appears.

use crate::common::{self, Env, T};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// How soon minder must notice what is on the screen.
const SOON: Duration = Duration::from_secs(10);
/// The stand-ins' scripted answers (tests/standin/*-script.json).
const REPLY: &str = "Hello from the stand-in. Turn complete.";
const DONE: &str = "Done: created standin-marker.txt.";
const CLAUDE_KEY: &str = "sk-ant-standin-0123456789abcdefghij";
/// Claude Code's input box: `❯` and a no-break space, in every version and permission mode.
const CLAUDE_PROMPT: &str = "❯\u{a0}";
/// aider imports for a long while (half a minute on a loaded 2-core machine); gemini-cli's
/// bundle loads slowly too.
const SLOW_START: Duration = Duration::from_secs(120);

// ---- Set-up ----------------------------------------------------------------------------------

fn standin(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/standin").join(file)
}

fn on_path(prog: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else { return false };
    std::env::split_paths(&path).any(|d| {
        std::fs::metadata(d.join(prog)).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
    })
}

/// True (and says so) when one of `progs` is missing, or `MINDER_SKIP_REAL_AGENTS` is set (an
/// agent of another version than tests/standin/README.md names may behave differently): the
/// test should return.
fn missing(progs: &[&str]) -> bool {
    if std::env::var_os("MINDER_SKIP_REAL_AGENTS").is_some_and(|v| !v.is_empty()) {
        common::missing_tool("MINDER_SKIP_REAL_AGENTS is set");
        return true;
    }
    for p in progs.iter().chain(&["tmux"]) {
        if !on_path(p) {
            common::missing_tool(&format!("`{p}` is not on PATH"));
            return true;
        }
    }
    false
}

/// A stand-in model server, killed (by pid) when dropped.
struct StandIn {
    child: Child,
    port: u16,
    log: PathBuf,
    _stdout: BufReader<ChildStdout>,
}

impl StandIn {
    fn start(env: &Env, server: &str, script: &str) -> StandIn {
        let log = env.path("requests.jsonl");
        let err = std::fs::File::create(env.path("standin.err")).unwrap();
        let mut child = Command::new("python3")
            .arg(standin(server))
            .arg(standin(script))
            .arg("--log")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("python3 runs");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let Ok(port) = line.trim().parse() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{server} printed no port ({line:?}): {}",
                std::fs::read_to_string(env.path("standin.err")).unwrap_or_default()
            );
        };
        StandIn { child, port, log, _stdout: stdout }
    }

    /// How many requests reached the server so far.
    fn requests(&self) -> usize {
        std::fs::read_to_string(&self.log).map(|s| s.lines().count()).unwrap_or(0)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Codex processes (the npm wrapper `node .../codex`, the native `codex`, a daemon) that
/// mention `marker`.
fn codex_processes(marker: &str) -> Vec<(i32, Vec<String>)> {
    let base = |w: &String| Path::new(w).file_name().map(|n| n == "codex").unwrap_or(false);
    common::processes_mentioning(marker).into_iter().filter(|(_, argv)| argv.iter().take(2).any(base)).collect()
}

/// Codex app-server daemons started from this test.
fn codex_daemons(env: &Env) -> Vec<(i32, Vec<String>)> {
    let marker = env.tmp.path().display().to_string();
    codex_processes(&marker).into_iter().filter(|(_, argv)| argv.iter().any(|w| w == "app-server")).collect()
}

/// Kills the test's tmux server, then whatever still refers to the test's temp dir, by pid.
struct Reaper {
    marker: String,
    tmux_tmpdir: PathBuf,
    socket: String,
}

impl Reaper {
    fn new(env: &Env) -> Reaper {
        Reaper {
            marker: env.tmp.path().display().to_string(),
            tmux_tmpdir: env.path("tmux"),
            socket: env.socket.clone(),
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = Command::new(common::tmux_bin())
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("TMUX_TMPDIR", &self.tmux_tmpdir)
            .args(["-L", &self.socket, "kill-server"])
            .output();
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut signal = libc::SIGTERM;
        loop {
            let left = common::processes_mentioning(&self.marker);
            if left.is_empty() {
                return;
            }
            if Instant::now() >= deadline {
                if signal == libc::SIGKILL {
                    eprintln!("processes left behind: {left:?}");
                    return;
                }
                signal = libc::SIGKILL;
            }
            for (pid, _) in &left {
                // SAFETY: kill(2) has no memory-safety preconditions; a stale pid gives ESRCH.
                unsafe { libc::kill(*pid, signal) };
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// One test's world, with the machine to itself (`Env::alone`). Fields drop in order: the
/// stand-in, then the reaper, then the Env, and with it the machine goes to the next test.
struct Agent {
    server: StandIn,
    _reaper: Reaper,
    env: Env,
    /// The project dir the agent runs in (the Env's work dir, real path).
    proj: PathBuf,
    /// CODEX_HOME (Codex only).
    home: PathBuf,
}

/// No configuration: the built-in profiles are what is tested. (`minder send` types the text,
/// waits the profile's `submit_delay`, then presses Enter; an earlier built-in 150 ms lost the
/// Enter about once in 30 runs on a loaded machine — Codex takes an Enter that comes right
/// after a burst of typed characters for part of a paste — so the built-ins now wait 500 ms.)
const CONFIG: &str = "";

fn project(env: &Env) -> PathBuf {
    env.config(CONFIG);
    let proj = env.work().canonicalize().unwrap();
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(&proj).env_clear().envs(env.vars()).output();
    let _ = git(&["init", "-q"]);
    // aider commits its edits.
    let _ = git(&["config", "user.name", "Stand In"]);
    let _ = git(&["config", "user.email", "standin@example.invalid"]);
    proj
}

/// Where a world's agent counts the project as trusted: the project itself, or (to see the
/// first-run trust dialog) somewhere else.
#[derive(Clone, Copy, PartialEq)]
enum Trust {
    Project,
    Elsewhere,
}

fn trusted_dir(env: &Env, proj: &Path, trust: Trust) -> PathBuf {
    match trust {
        Trust::Project => proj.to_path_buf(),
        Trust::Elsewhere => {
            let d = env.path("elsewhere");
            std::fs::create_dir_all(&d).unwrap();
            d.canonicalize().unwrap()
        }
    }
}

fn codex_world() -> Option<Agent> {
    codex_world_trusting(Trust::Project)
}

fn codex_world_trusting(trust: Trust) -> Option<Agent> {
    if missing(&["codex", "python3"]) {
        return None;
    }
    let env = Env::alone();
    let reaper = Reaper::new(&env);
    let proj = project(&env);
    let server = StandIn::start(&env, "responses_server.py", "codex-script.json");
    let home = env.path("codex-home");
    let out = Command::new("bash")
        .arg(standin("codex_home.sh"))
        .arg(&home)
        .arg(server.port.to_string())
        .arg(trusted_dir(&env, &proj, trust))
        .env_clear()
        .envs(env.vars())
        .output()
        .unwrap();
    assert!(out.status.success(), "codex_home.sh: {}", String::from_utf8_lossy(&out.stderr));
    Some(Agent { server, _reaper: reaper, env, proj, home })
}

fn claude_world() -> Option<Agent> {
    claude_world_trusting(Trust::Project)
}

fn claude_world_trusting(trust: Trust) -> Option<Agent> {
    if missing(&["claude", "python3"]) {
        return None;
    }
    let env = Env::alone();
    let reaper = Reaper::new(&env);
    let proj = project(&env);
    let server = StandIn::start(&env, "messages_server.py", "claude-script.json");
    let out = Command::new("bash")
        .arg(standin("claude_home.sh"))
        .arg(env.path("home"))
        .arg(trusted_dir(&env, &proj, trust))
        .arg(CLAUDE_KEY)
        .env_clear()
        .envs(env.vars())
        .output()
        .unwrap();
    assert!(out.status.success(), "claude_home.sh: {}", String::from_utf8_lossy(&out.stderr));
    let home = env.path("home");
    Some(Agent { server, _reaper: reaper, env, proj, home })
}

fn gemini_world(trust: Trust) -> Option<Agent> {
    if missing(&["gemini", "python3"]) {
        return None;
    }
    let env = Env::alone();
    let reaper = Reaper::new(&env);
    let proj = project(&env);
    let server = StandIn::start(&env, "gemini_server.py", "gemini-script.json");
    let home = env.path("home");
    let mut cmd = Command::new("bash");
    cmd.arg(standin("gemini_home.sh")).arg(&home);
    if trust == Trust::Project {
        cmd.arg(&proj);
    }
    let out = cmd.env_clear().envs(env.vars()).output().unwrap();
    assert!(out.status.success(), "gemini_home.sh: {}", String::from_utf8_lossy(&out.stderr));
    Some(Agent { server, _reaper: reaper, env, proj, home })
}

fn aider_world() -> Option<Agent> {
    if missing(&["aider", "python3"]) {
        return None;
    }
    let env = Env::alone();
    let reaper = Reaper::new(&env);
    let proj = project(&env);
    let server = StandIn::start(&env, "chat_server.py", "aider-script.json");
    let home = env.path("home");
    let out = Command::new("bash")
        .arg(standin("aider_home.sh"))
        .arg(&home)
        .arg(server.port.to_string())
        .env_clear()
        .envs(env.vars())
        .output()
        .unwrap();
    assert!(out.status.success(), "aider_home.sh: {}", String::from_utf8_lossy(&out.stderr));
    Some(Agent { server, _reaper: reaper, env, proj, home })
}

impl Agent {
    /// aider's first start in a HOME asks "Would you like to see what's new in this version?
    /// (Y)es/(N)o [Yes]:" — `waiting approval`; answered, the question stays on screen above the
    /// prompt, and the session is `waiting input`.
    fn aider_started(&self, name: &str) {
        self.wait_screen(name, "what's new", SLOW_START);
        self.wait_event(name, 0, "waiting", "approval", "screen", SOON);
        let asked = self.n_events(name);
        self.env.run(&["answer", name, "no"]);
        self.wait_event(name, asked, "waiting", "input", "screen", T);
        assert!(self.env.capture(name).contains("[Yes]: n"), "{}", self.env.capture(name));
    }

    /// `minder new ARGS...` with `vars` added to the environment; the session's name.
    fn new_session(&self, vars: &[(&str, String)], args: &[&str]) -> String {
        let mut cmd = self.env.minder();
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.arg("new").args(args).output().unwrap();
        assert!(out.status.success(), "minder new {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// `minder send` a prompt to gemini-cli, which, just after it shows its prompt, can take the
    /// Enter as part of the typing: press Enter again until the turn has started (the session
    /// leaves `waiting input`).
    fn gemini_send(&self, name: &str, text: &str) {
        let before = self.n_events(name);
        self.env.run(&["send", name, text]);
        for _ in 0..4 {
            if common::within(Duration::from_secs(3), || {
                self.events_from(name, before).iter().any(|e| e["detail"] != "input")
            }) {
                return;
            }
            eprintln!("{name}: the prompt is still in the input box; pressing Enter again");
            self.keys(name, &["Enter"]);
        }
    }

    fn gemini_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GEMINI_API_KEY", "standin-key".to_string()),
            ("GOOGLE_GEMINI_BASE_URL", format!("http://127.0.0.1:{}", self.server.port)),
        ]
    }

    /// The session's record on disk (fields `show` does not print, such as `thread_id`).
    fn record(&self, name: &str) -> Value {
        let path = self.env.state_dir().join("sessions").join(name).join("session.json");
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// `minder new -a codex NAME -- codex --no-daemon EXTRA...`, with the caller's environment
    /// pointing Codex at the stand-in.
    fn new_codex(&self, task: &str, extra: &[&str]) -> String {
        self.new_codex_with(task, &[], extra)
    }

    /// `new_codex` with options for `minder new` itself.
    fn new_codex_with(&self, task: &str, options: &[&str], extra: &[&str]) -> String {
        let mut args = vec!["new", "-a", "codex", task];
        args.extend(options);
        args.extend(["--", "codex", "--no-daemon"]);
        args.extend(extra);
        let out = self
            .env
            .minder()
            .env("CODEX_HOME", &self.home)
            .env("STANDIN_API_KEY", "dummy")
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "minder new: {}", String::from_utf8_lossy(&out.stderr));
        let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_eq!(name, format!("codex-{task}"));
        name
    }

    fn new_claude(&self, task: &str) -> String {
        let out = self
            .env
            .minder()
            .env("ANTHROPIC_BASE_URL", format!("http://127.0.0.1:{}", self.server.port))
            .env("ANTHROPIC_API_KEY", CLAUDE_KEY)
            .env("DISABLE_AUTOUPDATER", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .args(["new", "-a", "claude", task, "--", "claude"])
            .output()
            .unwrap();
        assert!(out.status.success(), "minder new: {}", String::from_utf8_lossy(&out.stderr));
        let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_eq!(name, format!("claude-{task}"));
        name
    }

    /// Wait until the agent's pane shows `text`.
    fn wait_screen(&self, name: &str, text: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.env.capture(name);
            if screen.contains(text) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("{name}: `{text}` never showed; the screen:\n{screen}\nsession: {:#}", self.env.show(name));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, name: &str, keys: &[&str]) {
        let target = format!("={name}:");
        let mut args = vec!["send-keys", "-t", target.as_str()];
        args.extend(keys);
        self.env.tmux_out(&args);
    }

    /// `minder wait NAME --until UNTIL --timeout 40s`: its exit code.
    fn minder_wait(&self, name: &str, until: &str) -> Option<i32> {
        let out = self.env.minder().args(["wait", name, "--until", until, "--timeout", "40s"]).output().unwrap();
        if !out.status.success() {
            eprintln!("minder wait: {}", String::from_utf8_lossy(&out.stderr));
        }
        out.status.code()
    }

    /// The session's events from index `from` on.
    fn events_from(&self, name: &str, from: usize) -> Vec<Value> {
        events(&self.env.show(name)).into_iter().skip(from).collect()
    }

    /// Wait for an event at index `from` or later with this state (and detail, and source,
    /// unless empty); return it.
    fn wait_event(&self, name: &str, from: usize, state: &str, detail: &str, source: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let found = self.events_from(name, from).into_iter().find(|e| is(e, state, detail, source));
            if let Some(e) = found {
                return e;
            }
            if start.elapsed() > timeout {
                panic!(
                    "{name}: no `{state}` `{detail}` event from `{source}` after event {from}; the session:\n{:#}\nthe screen:\n{}\nsink errors:\n{}",
                    self.env.show(name),
                    self.env.capture(name),
                    std::fs::read_to_string(self.env.state_dir().join("sessions").join(name).join("sink-errors.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn n_events(&self, name: &str) -> usize {
        events(&self.env.show(name)).len()
    }

    /// The session and the pane: idle at the prompt, state `waiting input`.
    fn wait_ready(&self, name: &str, prompt_text: &str) {
        self.wait_ready_within(name, prompt_text, T);
    }

    fn wait_ready_within(&self, name: &str, prompt_text: &str, timeout: Duration) {
        self.wait_screen(name, prompt_text, timeout);
        let s = self.env.wait_state(name, "waiting", timeout);
        assert_eq!(s["detail"], "input", "{s:#}");
    }

    /// Wait until a hook reported `message` as the agent's last reply and the session waits for
    /// input (`notify` records the message, then the state: a reader may see one before the
    /// other).
    fn wait_last_message(&self, name: &str, message: &str) -> Value {
        let start = Instant::now();
        loop {
            let s = self.env.show(name);
            if s["last_message"] == message && s["state"] == "waiting" && s["detail"] == "input" {
                return s;
            }
            if start.elapsed() > T {
                panic!("{name}: last_message never became {message:?}: {s:#}\nthe screen:\n{}", self.env.capture(name));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn assert_no_daemon(&self) {
        let d = codex_daemons(&self.env);
        assert!(d.is_empty(), "codex started an app-server daemon despite --no-daemon: {d:?}");
    }
}

fn events(s: &Value) -> Vec<Value> {
    s["events"].as_array().cloned().unwrap_or_default()
}

fn is(e: &Value, state: &str, detail: &str, source: &str) -> bool {
    e["state"] == state && (detail.is_empty() || e["detail"] == detail) && (source.is_empty() || e["source"] == source)
}

// ---- Codex -----------------------------------------------------------------------------------

/// The notify override minder adds for `-a codex` reaches the real CLI and is accepted.
fn assert_codex_command(s: &Value, name: &str) {
    let cmd: Vec<&str> = s["command"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(cmd[0], "codex", "{cmd:?}");
    assert_eq!(cmd[1], "-c", "{cmd:?}");
    assert!(
        cmd[2].starts_with("notify=[\"/") && cmd[2].ends_with(&format!("\"notify\",\"--session\",\"{name}\"]")),
        "{cmd:?}"
    );
    // The profile's sandbox (Codex's own, workspace-write, commands without network).
    assert_eq!(cmd[3..7], ["-s", "workspace-write", "-c", "sandbox_workspace_write.network_access=false"], "{cmd:?}");
    assert_eq!(cmd[7], "--no-daemon", "{cmd:?}");
}

/// `minder new -a codex NAME -- codex --no-daemon PROMPT`: the turn's end is heard through
/// notify. Strict: `minder wait`, started at once, returns only once the turn is over and its
/// reply recorded, and the turn's end is the hook's.
fn codex_prompt_argument(strict: bool) {
    let Some(a) = codex_world() else { return };
    let name = a.new_codex("t1", &["hello there"]);
    assert_codex_command(&a.env.show(&name), &name);
    if strict {
        // Blocks for the whole turn (the stand-in answers after 5 s), not just until Codex is up.
        let start = Instant::now();
        assert_eq!(a.minder_wait(&name, "waiting"), Some(0));
        let waited = start.elapsed();
        let s = a.env.show(&name);
        assert_eq!(s["last_message"], REPLY, "minder wait returned after {waited:?}, before the turn ended: {s:#}");
        let last = events(&s).last().cloned().unwrap();
        assert!(is(&last, "waiting", "input", "hook"), "the turn's end comes from notify: {s:#}");
        assert_eq!(last["note"], "agent-turn-complete");
    }
    let s = a.wait_last_message(&name, REPLY);
    assert_eq!(s["detail"], "input", "{s:#}");
    assert_eq!(a.minder_wait(&name, "waiting"), Some(0));
    // The title side-thread's notify is not the session's turn.
    assert!(!events(&s).iter().any(|e| e["note"].as_str().unwrap_or("").contains("title")), "{s:#}");
    assert!(s["ended_at"].is_null());
    a.assert_no_daemon();
    assert!(a.env.capture(&name).contains(REPLY));
}

#[test]
fn codex_prompt_as_argument_reports_the_reply_through_notify() {
    codex_prompt_argument(false);
}

#[test]
fn codex_prompt_as_argument_minder_wait_returns_after_the_turn() {
    codex_prompt_argument(true);
}

/// A prompt typed with `minder send`: the turn's end is heard through notify.
fn codex_send_prompt(strict: bool) {
    let Some(a) = codex_world() else { return };
    let name = a.new_codex("t1", &[]);
    assert_codex_command(&a.env.show(&name), &name);
    a.wait_ready(&name, "Ask Codex to do anything");
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "hello there"]);
    a.wait_screen(&name, "esc to interrupt", SOON);
    if strict {
        // While Codex shows `• Working (3s • esc to interrupt)`, the session is working...
        a.wait_event(&name, before, "working", "", "", SOON);
        assert_eq!(a.env.state(&name), "working");
        // ...so `minder wait` blocks until the turn is over.
        assert_eq!(a.minder_wait(&name, "waiting"), Some(0));
        assert_eq!(a.env.show(&name)["last_message"], REPLY);
    }
    let s = a.wait_last_message(&name, REPLY);
    assert_eq!((s["state"].as_str(), s["detail"].as_str()), (Some("waiting"), Some("input")), "{s:#}");
    if strict {
        let after = a.events_from(&name, before);
        assert!(after.iter().any(|e| is(e, "waiting", "input", "hook")), "{after:#?}");
    }
    assert_eq!(a.minder_wait(&name, "waiting"), Some(0));
    a.assert_no_daemon();
}

#[test]
fn codex_sent_prompt_reports_the_reply_through_notify() {
    codex_send_prompt(false);
}

#[test]
fn codex_sent_prompt_is_working_until_the_turn_ends() {
    codex_send_prompt(true);
}

/// The approval overlay is `waiting approval`; `y` grants it and the turn ends normally.
fn codex_approval(strict: bool) {
    let Some(a) = codex_world() else { return };
    let name = a.new_codex("t1", &[]);
    a.wait_ready(&name, "Ask Codex to do anything");
    let asked = a.n_events(&name);
    a.env.run(&["send", &name, "STANDIN_APPROVAL please create the marker file"]);
    a.wait_screen(&name, "Would you like to run the following command?", T);
    a.wait_event(&name, asked, "waiting", "approval", "screen", SOON);
    assert_eq!(a.env.state(&name), "waiting");
    assert!(!a.proj.join("standin-marker.txt").exists());
    let granted = a.n_events(&name);
    // The person's answer, with the profile's keys (`answer_yes`).
    a.env.run(&["answer", &name, "yes"]);
    if strict {
        a.wait_event(&name, granted, "working", "", "", SOON);
    }
    let s = a.wait_last_message(&name, DONE);
    assert_eq!((s["state"].as_str(), s["detail"].as_str()), (Some("waiting"), Some("input")), "{s:#}");
    if strict {
        assert!(is(events(&s).last().unwrap(), "waiting", "input", "hook"), "{s:#}");
    }
    assert!(a.proj.join("standin-marker.txt").exists(), "the approved command ran");
    a.assert_no_daemon();
}

#[test]
fn codex_approval_overlay_is_waiting_approval_then_input() {
    codex_approval(false);
}

#[test]
fn codex_approval_granted_is_working_again() {
    codex_approval(true);
}

/// Esc during a slow turn: no hook fires, the screen says the turn is over.
fn codex_interrupt(strict: bool) {
    let Some(a) = codex_world() else { return };
    let name = a.new_codex("t1", &[]);
    a.wait_ready(&name, "Ask Codex to do anything");
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "STANDIN_SLOW take your time"]);
    a.wait_screen(&name, "esc to interrupt", T);
    if strict {
        a.wait_event(&name, before, "working", "", "", SOON);
    }
    let busy = a.n_events(&name);
    a.keys(&name, &["Escape"]);
    a.wait_screen(&name, "Conversation interrupted", SOON);
    if strict {
        a.wait_event(&name, busy, "waiting", "input", "screen", SOON);
    }
    let s = a.env.wait_state(&name, "waiting", SOON);
    assert_eq!(s["detail"], "input", "{s:#}");
    assert!(s["last_message"].is_null(), "no notify for an interrupted turn: {s:#}");
    assert!(!a.events_from(&name, before).iter().any(|e| e["source"] == "hook"), "{s:#}");
    assert!(s["ended_at"].is_null(), "Esc interrupts the turn, not Codex");
    a.assert_no_daemon();
}

#[test]
fn codex_interrupted_turn_is_waiting_input() {
    codex_interrupt(false);
}

#[test]
fn codex_interrupted_turn_goes_working_then_waiting_input() {
    codex_interrupt(true);
}

/// `restore` after the tmux server was killed resumes Codex's own thread with the program and
/// flags the person configured (an absolute path, the approval and sandbox choice), not a bare
/// `codex resume`, and without what minder added (notify, the brief instruction) twice.
#[test]
fn codex_restore_keeps_the_configured_program_and_flags() {
    let Some(a) = codex_world() else { return };
    let program = which::which("codex").unwrap().display().to_string();
    let flags = ["--no-daemon", "-a", "on-request", "-s", "read-only"];
    let words: Vec<String> = std::iter::once(&program as &str).chain(flags).map(|w| format!("{w:?}")).collect();
    a.env.config(&format!("[agents.codex]\ncommand = [{}]\n", words.join(", ")));
    let codex = || {
        let mut cmd = a.env.minder();
        cmd.env("CODEX_HOME", &a.home).env("STANDIN_API_KEY", "dummy");
        cmd
    };
    let out = codex().args(["new", "-a", "codex", "t1", "--goal", "say hello"]).output().unwrap();
    assert!(out.status.success(), "minder new: {}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    a.wait_last_message(&name, REPLY);
    let thread = a.record(&name)["thread_id"].as_str().expect("notify reported the thread").to_string();

    let server = a.env.server_pid().unwrap();
    Command::new("kill").args(["-KILL", &server.to_string()]).status().unwrap();
    a.env.wait_state(&name, "lost", T);
    let out = codex().args(["restore", &name]).output().unwrap();
    assert!(out.status.success(), "minder restore: {}", String::from_utf8_lossy(&out.stderr));

    let s = a.env.show(&name);
    let cmd: Vec<&str> = s["command"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(cmd[0], program, "{cmd:?}");
    assert!(cmd[1] == "-c" && cmd[2].starts_with("notify="), "notify is added again, once: {cmd:?}");
    // The thread id after `--`: an id can never be read as a flag.
    assert_eq!(cmd[3..], [&flags[..], &["resume", "--", thread.as_str()]].concat(), "{cmd:?}");
    // The real CLI accepts it: it comes back at its prompt with the old conversation on screen.
    a.wait_screen(&name, REPLY, T);
    let s = a.env.wait_state(&name, "waiting", T);
    assert_eq!(s["detail"], "input", "{s:#}");
    let running = codex_processes(&a.home.display().to_string());
    assert!(
        running
            .iter()
            .any(|(_, argv)| argv.windows(2).any(|w| w == ["-s", "read-only"]) && argv.iter().any(|w| w == &thread)),
        "the resumed codex runs with the sandbox flag and the thread: {running:?}"
    );
    a.assert_no_daemon();
}

#[test]
fn codex_stop_ends_a_busy_session() {
    let Some(a) = codex_world() else { return };
    let name = a.new_codex("t1", &["STANDIN_SLOW take your time"]);
    a.wait_screen(&name, "esc to interrupt", T);
    // The turn is under way: its request is held open by the stand-in.
    common::wait_for("the turn's request", T, || a.server.requests() > 0);
    a.assert_no_daemon();
    let start = Instant::now();
    a.env.run(&["stop", &name]);
    let took = start.elapsed();
    let s = a.env.show(&name);
    assert_eq!(s["state"], "stopped", "{s:#}");
    assert!(!s["ended_at"].is_null(), "{s:#}");
    assert!(took < Duration::from_secs(10), "stop took {took:?}");
    // The tmux session and its pane are gone.
    assert!(!a.env.tmux(&["has-session", "-t", &format!("={name}")]).status.success());
    let panes = a.env.tmux(&["list-panes", "-a", "-F", "#{session_name}"]);
    assert!(!String::from_utf8_lossy(&panes.stdout).contains(&name));
    // No codex process (and no daemon) of this session is left.
    let home = a.home.display().to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = codex_processes(&home);
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left running after stop: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // `minder wait --until exit` agrees it has ended.
    assert_eq!(a.minder_wait(&name, "exit"), Some(0));
}

// ---- Claude Code -----------------------------------------------------------------------------

#[test]
fn claude_prompt_is_working_until_the_stop_hook() {
    let Some(a) = claude_world() else { return };
    let name = a.new_claude("c1");
    let s = a.env.show(&name);
    assert_eq!(s["command"][0], "claude");
    assert_eq!(s["command"][1], "--settings");
    let settings: Value = serde_json::from_str(s["command"][2].as_str().unwrap()).unwrap();
    assert!(settings["hooks"]["Stop"][0]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .ends_with(&format!("notify --session {name}")));
    a.wait_ready(&name, CLAUDE_PROMPT);
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "hello there"]);
    let e = a.wait_event(&name, before, "working", "", "hook", SOON);
    assert_eq!(e["note"], "UserPromptSubmit");
    assert_eq!(a.minder_wait(&name, "waiting"), Some(0));
    // The Stop hook's `last_assistant_message` (the idle screen may have said `waiting` a moment
    // before the hook came: see claude_permission_granted_is_working_again).
    let s = a.wait_last_message(&name, REPLY);
    assert_eq!(s["detail"], "input", "{s:#}");
    assert!(s["ended_at"].is_null());
}

fn claude_approval(strict: bool) {
    let Some(a) = claude_world() else { return };
    let name = a.new_claude("c1");
    a.wait_ready(&name, CLAUDE_PROMPT);
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "STANDIN_APPROVAL please create the marker file"]);
    a.wait_screen(&name, "Do you want to proceed?", T);
    let e = a.wait_event(&name, before, "waiting", "approval", "", SOON);
    assert!(e["source"] == "hook" || e["source"] == "screen", "{e}");
    assert_eq!(a.env.state(&name), "waiting");
    assert!(!a.proj.join("standin-marker.txt").exists());
    // No flicker: Claude draws its dialog after its hook, and that output is not work (the
    // sink looks at least once a second; give it a few looks: a pause on purpose).
    std::thread::sleep(Duration::from_millis(2500));
    let asked = a.events_from(&name, before);
    let first = asked.iter().position(|e| is(e, "waiting", "approval", "")).expect("the wait");
    assert!(asked[first..].iter().all(|e| is(e, "waiting", "approval", "")), "the wait flickered: {asked:#?}");
    // `explain` names what decided it, and what it outranked if anything tried.
    let x: serde_json::Value = serde_json::from_str(&a.env.run(&["explain", &name, "--json"])).unwrap();
    assert_eq!(x["explain"]["state"], "waiting", "{x:#}");
    assert!(["hook", "screen"].contains(&x["explain"]["decided_by"]["source"].as_str().unwrap()), "{x:#}");
    let granted = a.n_events(&name);
    a.env.run(&["answer", &name, "yes"]);
    if strict {
        a.wait_event(&name, granted, "working", "", "", SOON);
    }
    let s = a.wait_last_message(&name, DONE);
    assert_eq!((s["state"].as_str(), s["detail"].as_str()), (Some("waiting"), Some("input")), "{s:#}");
    if strict {
        // The turn's end is the Stop hook's. (Claude Code fires it a moment before its footer
        // drops `esc to interrupt`, so the screen may say working once more, briefly, before
        // its idle prompt agrees.)
        let after = a.events_from(&name, granted);
        assert!(after.iter().any(|e| is(e, "waiting", "input", "hook") && e["note"] == "Stop"), "{s:#}");
    }
    assert!(a.proj.join("standin-marker.txt").exists(), "the approved command ran");
}

#[test]
fn claude_permission_prompt_is_waiting_approval_then_input() {
    claude_approval(false);
}

#[test]
fn claude_permission_granted_is_working_again() {
    claude_approval(true);
}

#[test]
fn claude_interrupted_turn_is_waiting_input() {
    let Some(a) = claude_world() else { return };
    let name = a.new_claude("c1");
    a.wait_ready(&name, CLAUDE_PROMPT);
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "STANDIN_SLOW take your time"]);
    // The UserPromptSubmit hook or the spinner on screen, whichever minder hears first.
    a.wait_event(&name, before, "working", "", "", SOON);
    a.wait_screen(&name, "esc to interrupt", T);
    // A pause on purpose: what minder makes of the screen from before the Escape is counted
    // before `busy`, so the waiting found after it is the interrupt's.
    std::thread::sleep(Duration::from_millis(500));
    let busy = a.n_events(&name);
    a.keys(&name, &["Escape"]);
    a.wait_event(&name, busy, "waiting", "input", "screen", SOON);
}

// ---- Codex: questions, trust, the built-in command, exec ------------------------------------

/// Plan mode's request_user_input: `Question 1/1 (1 unanswered)` … `enter to submit answer | esc
/// to interrupt` is a question for the person, not work (its hint holds the busy marker).
#[test]
fn codex_question_is_waiting_question_until_answered() {
    let Some(a) = codex_world() else { return };
    let name = a.new_codex("t1", &[]);
    a.wait_ready(&name, "Ask Codex to do anything");
    // Shift+Tab cycles the mode: Plan mode's footer says so.
    a.keys(&name, &["BTab"]);
    a.wait_screen(&name, "Plan mode (shift+tab to cycle)", SOON);
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "STANDIN_QUESTION which format"]);
    a.wait_screen(&name, "unanswered", T);
    a.wait_event(&name, before, "waiting", "question", "screen", SOON);
    let asked = a.n_events(&name);
    // It stays a question while it is on screen (the sink looks again at least once a second:
    // a pause on purpose).
    std::thread::sleep(Duration::from_millis(1500));
    let s = a.env.show(&name);
    assert_eq!((s["state"].as_str(), s["detail"].as_str()), (Some("waiting"), Some("question")), "{s:#}");
    assert_eq!(a.n_events(&name), asked, "{s:#}");
    a.keys(&name, &["Enter"]);
    let s = a.wait_last_message(&name, "Thanks: the answer is recorded.");
    assert_eq!(s["detail"], "input", "{s:#}");
    a.assert_no_daemon();
}

/// A project Codex has not been told to trust: its "Trust this folder?" dialog waits for the
/// person (`waiting trust`), and once trusted Codex is at its prompt.
#[test]
fn codex_untrusted_folder_is_waiting_trust() {
    let Some(a) = codex_world_trusting(Trust::Elsewhere) else { return };
    let name = a.new_codex("t1", &[]);
    a.wait_screen(&name, "Trust and continue", T);
    a.wait_event(&name, 0, "waiting", "trust", "screen", SOON);
    assert_eq!(a.env.show(&name)["detail"], "trust");
    let asked = a.n_events(&name);
    a.keys(&name, &["Enter"]);
    a.wait_event(&name, asked, "waiting", "input", "screen", T);
    assert!(a.env.capture(&name).contains("Ask Codex to do anything"));
    a.assert_no_daemon();
}

/// The built-in `codex` profile runs `codex --no-daemon` (no shared app-server left behind,
/// hooks and notify in the session's own process), and a brief given with `--goal` is its
/// first prompt.
#[test]
fn codex_builtin_command_leaves_no_daemon() {
    let Some(a) = codex_world() else { return };
    let name = a.new_session(
        &[("CODEX_HOME", a.home.display().to_string()), ("STANDIN_API_KEY", "dummy".into())],
        &["-a", "codex", "t1", "--goal", "say hello"],
    );
    let s = a.env.show(&name);
    assert_codex_command(&s, &name);
    let s = a.wait_last_message(&name, REPLY);
    assert!(s["ended_at"].is_null(), "{s:#}");
    a.assert_no_daemon();
}

/// `codex exec --json`: the JSONL events drive the state, the final agent message becomes
/// `last_message` and the thread id is kept for `restore`.
#[test]
fn codex_exec_records_the_reply_and_the_thread() {
    let Some(a) = codex_world() else { return };
    let name = a.new_session(
        &[("CODEX_HOME", a.home.display().to_string()), ("STANDIN_API_KEY", "dummy".into())],
        &["-a", "codex-exec", "x1", "--", "codex", "exec", "--json", "hello there"],
    );
    let s = a.env.wait_state(&name, "review", T);
    assert_eq!(s["last_message"], REPLY, "{s:#}");
    assert_eq!(s["exit_code"], 0, "{s:#}");
    let log = a.env.run(&["logs", &name]);
    let thread =
        log.split("\"thread_id\":\"").nth(1).and_then(|r| r.split('"').next()).expect("thread.started in the log");
    assert_eq!(a.record(&name)["thread_id"], thread, "{log}");
}

// ---- Claude Code: trust ----------------------------------------------------------------------

#[test]
fn claude_untrusted_folder_is_waiting_trust() {
    let Some(a) = claude_world_trusting(Trust::Elsewhere) else { return };
    let name = a.new_claude("c1");
    a.wait_screen(&name, "Yes, I trust this folder", T);
    a.wait_event(&name, 0, "waiting", "trust", "screen", SOON);
    let asked = a.n_events(&name);
    // `❯ No, exit` is selected first.
    a.keys(&name, &["Down"]);
    a.wait_screen(&name, "❯ Yes, I trust this folder", SOON);
    a.keys(&name, &["Enter"]);
    a.wait_event(&name, asked, "waiting", "input", "screen", T);
    a.wait_screen(&name, CLAUDE_PROMPT, SOON);
}

// ---- gemini-cli ------------------------------------------------------------------------------

/// "Do you trust the files in this folder?" waits for the person; trusted, gemini restarts at
/// its prompt, and an ordinary turn is working, then waiting for input.
#[test]
fn gemini_trust_dialog_then_a_turn() {
    let Some(a) = gemini_world(Trust::Elsewhere) else { return };
    let name = a.new_session(&a.gemini_vars(), &["-a", "gemini", "g1"]);
    a.wait_screen(&name, "Do you trust the files in this folder?", SLOW_START);
    a.wait_event(&name, 0, "waiting", "trust", "screen", SOON);
    // Trusted (Enter; again if the dialog took the first one too early), gemini says it restarts
    // itself, and later comes back at its prompt, below the old dialog: the idle prompt below the
    // answered question is what makes it `waiting input` again.
    for _ in 0..5 {
        a.keys(&name, &["Enter"]);
        if common::within(Duration::from_secs(3), || a.env.capture(&name).contains("restarting")) {
            break;
        }
    }
    let restarted = Instant::now();
    loop {
        let screen = a.env.capture(&name);
        // The new process draws below the old one's last screen (the dialog stays visible above).
        let prompt_after_restart = match (screen.rfind("restarting"), screen.rfind("Type your message")) {
            (Some(r), Some(p)) => p > r,
            _ => false,
        };
        if prompt_after_restart {
            break;
        }
        assert!(restarted.elapsed() < T, "gemini never came back from its restart:\n{screen}");
        std::thread::sleep(Duration::from_millis(100));
    }
    common::wait_for("gemini-g1 waiting for input after the restart", T, || {
        let s = a.env.show(&name);
        s["state"] == "waiting" && s["detail"] == "input"
    });
    let before = a.n_events(&name);
    a.gemini_send(&name, "hello there");
    a.wait_event(&name, before, "working", "", "screen", SOON);
    let worked = a.n_events(&name);
    a.wait_event(&name, worked, "waiting", "input", "screen", T);
    assert!(a.env.capture(&name).contains(REPLY));
}

/// A shell command's confirmation and a web fetch's are `waiting approval`; once answered the
/// turn goes on and ends `waiting input`.
#[test]
fn gemini_confirmations_are_waiting_approval() {
    let Some(a) = gemini_world(Trust::Project) else { return };
    let name = a.new_session(&a.gemini_vars(), &["-a", "gemini", "g1"]);
    a.wait_ready_within(&name, "Type your message", SLOW_START);
    let before = a.n_events(&name);
    a.gemini_send(&name, "STANDIN_APPROVAL please create the marker file");
    a.wait_screen(&name, "Allow execution of", T);
    a.wait_event(&name, before, "waiting", "approval", "screen", SOON);
    assert!(!a.proj.join("standin-marker.txt").exists());
    let granted = a.n_events(&name);
    a.env.run(&["answer", &name, "yes"]);
    a.wait_event(&name, granted, "waiting", "input", "screen", T);
    assert!(a.events_from(&name, granted).iter().any(|e| e["state"] == "working"), "{:#}", a.env.show(&name));
    assert!(a.proj.join("standin-marker.txt").exists(), "the approved command ran");
    a.wait_screen(&name, DONE, SOON);
    let fetch = a.n_events(&name);
    a.gemini_send(&name, "STANDIN_FETCH look at the page");
    a.wait_screen(&name, "Do you want to proceed?", T);
    a.wait_event(&name, fetch, "waiting", "approval", "screen", SOON);
    let declined = a.n_events(&name);
    a.env.run(&["answer", &name, "no"]);
    a.wait_event(&name, declined, "waiting", "input", "screen", SOON);
}

// ---- aider -----------------------------------------------------------------------------------

/// One ordinary aider turn, step by step: at its prompt `waiting input`; while the model
/// answers `working`; the reply in, `waiting input`; a `(Y)es/(N)o` question `waiting approval`
/// until answered; the `ask>` prompt of ask mode is a prompt too.
#[test]
fn aider_turns_step_by_step() {
    let Some(a) = aider_world() else { return };
    let name = a.new_session(&[("OPENAI_API_KEY", "sk-standin".into())], &["-a", "aider", "a1"]);
    a.aider_started(&name);
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "hello there"]);
    a.wait_event(&name, before, "working", "", "screen", SOON);
    let worked = a.n_events(&name);
    a.wait_event(&name, worked, "waiting", "input", "screen", T);
    a.wait_screen(&name, REPLY, SOON);

    let asked = a.n_events(&name);
    a.env.run(&["send", &name, "STANDIN_APPROVAL please create the marker file"]);
    a.wait_screen(&name, "Create new file?", T);
    a.wait_event(&name, asked, "waiting", "approval", "screen", SOON);
    let answered = a.n_events(&name);
    a.env.run(&["answer", &name, "yes"]);
    a.wait_event(&name, answered, "waiting", "input", "screen", T);
    assert!(a.proj.join("standin-marker.txt").exists(), "the approved edit was applied");

    let mode = a.n_events(&name);
    a.env.run(&["send", &name, "/chat-mode ask"]);
    a.wait_screen(&name, "ask>", T);
    let s = a.env.wait_state(&name, "waiting", SOON);
    assert_eq!(s["detail"], "input", "{s:#}");
    a.env.run(&["send", &name, "hello in ask mode"]);
    a.wait_event(&name, mode, "working", "", "screen", SOON);
    let worked = a.n_events(&name);
    a.wait_event(&name, worked, "waiting", "input", "screen", T);
}

/// Under NO_COLOR aider draws no busy spinner; the submitted prompt on the last line still says
/// a request is under way.
#[test]
fn aider_without_colour_is_working_while_the_model_answers() {
    let Some(a) = aider_world() else { return };
    let name =
        a.new_session(&[("OPENAI_API_KEY", "sk-standin".into()), ("NO_COLOR", "1".into())], &["-a", "aider", "a1"]);
    a.aider_started(&name);
    let before = a.n_events(&name);
    a.env.run(&["send", &name, "hello there"]);
    a.wait_event(&name, before, "working", "", "screen", SOON);
    assert!(!a.env.capture(&name).contains("Waiting for"), "no spinner under NO_COLOR");
    let worked = a.n_events(&name);
    a.wait_event(&name, worked, "waiting", "input", "screen", T);
    a.wait_screen(&name, REPLY, SOON);
}

/// The sandbox minder asks of Codex is the one Codex runs under: the stand-in sees it in the
/// permissions Codex states to its model with the turn (network off by default, on when asked).
#[test]
fn codex_runs_under_the_sandbox_the_profile_says() {
    let Some(a) = codex_world() else { return };
    let turn_requests = || -> Vec<String> {
        let log = std::fs::read_to_string(&a.server.log).unwrap_or_default();
        // The turn's requests (not the side thread that names the session, run read-only).
        let user_turn = "thread_source\\\":\\\"user\\\"";
        log.lines().filter(|l| l.contains("hello there") && l.contains(user_turn)).map(str::to_string).collect()
    };
    let name = a.new_codex("sb", &["hello there"]);
    a.wait_last_message(&name, REPLY);
    let first = turn_requests();
    assert!(!first.is_empty());
    for r in &first {
        assert!(r.contains("`sandbox_mode` is `workspace-write`") && r.contains("Network access is restricted"), "{r}");
    }
    a.env.run(&["stop", &name]);
    let out = a
        .env
        .minder()
        .env("CODEX_HOME", &a.home)
        .env("STANDIN_API_KEY", "dummy")
        .args(["new", "-a", "codex", "--network", "true", "sb2", "--", "codex", "--no-daemon", "hello there"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    a.wait_last_message(&name, REPLY);
    let later = turn_requests();
    assert!(later.len() > first.len());
    for r in &later[first.len()..] {
        assert!(r.contains("`sandbox_mode` is `workspace-write`") && r.contains("Network access is enabled"), "{r}");
    }
    a.env.run(&["stop", &name]);
}

/// Tokens from Codex's own rollout: the stand-in reports usage the test chose, and `show`
/// gives exactly what Codex recorded, with the cost from `[prices]`.
#[test]
fn codex_tokens_come_from_its_rollout() {
    let Some(a) = codex_world() else { return };
    a.env.config("[prices.\"gpt-5.5\"]\ninput = 1.25\ncached_input = 0.125\noutput = 10.0\n");
    let name = a.new_codex("tok", &["STANDIN_USAGE please"]);
    a.wait_last_message(&name, "Usage turn done.");
    let mut usage = Value::Null;
    common::wait_for("the tokens read", Duration::from_secs(30), || {
        usage = a.env.show(&name)["usage"].clone();
        usage["input_tokens"].as_u64().unwrap_or(0) > 0
    });
    eprintln!("codex usage: {usage}");
    assert_eq!(usage["input_tokens"], 1234, "{usage}");
    assert_eq!(usage["cached_input_tokens"], 200, "{usage}");
    assert_eq!(usage["output_tokens"], 56, "{usage}");
    assert_eq!(usage["reasoning_tokens"], 7, "{usage}");
    let cost = (1034.0 * 1.25 + 200.0 * 0.125 + 56.0 * 10.0) / 1e6;
    assert!((usage["cost"].as_f64().unwrap() - cost).abs() < 1e-12, "{usage}");
    a.env.run(&["stop", &name]);
}

/// Tokens from Claude Code's project transcript (its hooks name the file): each message once.
#[test]
fn claude_tokens_come_from_its_transcript() {
    let Some(a) = claude_world() else { return };
    let name = a.new_claude("tok");
    a.wait_ready(&name, CLAUDE_PROMPT);
    a.env.run(&["send", &name, "STANDIN_USAGE please"]);
    a.wait_last_message(&name, "Usage turn done.");
    let mut usage = Value::Null;
    common::wait_for("the tokens read", Duration::from_secs(30), || {
        usage = a.env.show(&name)["usage"].clone();
        usage["output_tokens"].as_u64().unwrap_or(0) >= 45
    });
    eprintln!("claude usage: {usage}");
    assert_eq!(usage["input_tokens"], 321 + 10 + 1000, "{usage}");
    assert_eq!(usage["cached_input_tokens"], 1000, "{usage}");
    assert_eq!(usage["output_tokens"], 45, "{usage}");
    assert_eq!(usage["reasoning_tokens"], 0, "{usage}");
    assert!(usage["cost"].is_null(), "no prices, no cost: {usage}");
    a.env.run(&["stop", &name]);
}

/// `max_tokens`: passing it is told (an event, and the `[notify]` command with its own message,
/// whatever `on` lists) with `on_budget = "tell"`, and stops the agent with `"stop"` (told too).
#[test]
fn codex_past_its_token_budget_is_told_or_stopped() {
    let Some(a) = codex_world() else { return };
    let told_file = a.env.path("told.txt");
    let notify = |extra: &str| {
        format!(
            "{extra}[notify]\non = [\"failed\"]\ncommand = [\"sh\", \"-c\", \"printf '%s\\\\n' \\\"$MINDER_MESSAGE\\\" >> '{}'\"]\n",
            told_file.display()
        )
    };
    a.env.config(&notify(""));
    let told = a.new_codex_with("told", &["--max-tokens", "1000"], &["STANDIN_USAGE please"]);
    a.wait_last_message(&told, "Usage turn done.");
    let mut s = Value::Null;
    common::wait_for("the budget passed", Duration::from_secs(30), || {
        s = a.env.show(&told);
        !s["usage"]["budget_passed_at"].is_null()
    });
    let note = events(&s).iter().filter_map(|e| e["note"].as_str().map(str::to_string)).find(|n| n.contains("budget"));
    assert_eq!(note.as_deref(), Some("token budget passed: 1290 of max_tokens 1000"), "{s:#}");
    assert_eq!(s["state"], "waiting", "told, not stopped: {s:#}");
    let said = |what: &str| {
        common::wait_for(what, Duration::from_secs(30), || {
            std::fs::read_to_string(&told_file).unwrap_or_default().contains(what)
        })
    };
    said("codex-told passed its token budget: 1290 of max_tokens 1000\n");
    a.env.run(&["stop", &told]);

    a.env.config(&notify("[agents.codex]\non_budget = \"stop\"\nmax_tokens = 1000\n"));
    let stopped = a.new_codex_with("stopped", &[], &["STANDIN_USAGE please"]);
    let s = a.env.wait_state(&stopped, "stopped", Duration::from_secs(60));
    assert_eq!(s["usage"]["output_tokens"], 56, "{s:#}");
    assert!(events(&s).iter().any(|e| e["note"].as_str().is_some_and(|n| n.contains("stopping it"))), "{s:#}");
    said("codex-stopped passed its token budget: 1290 of max_tokens 1000; stopping it");
}

/// Claude Code fenced by its own sandbox, from the settings minder passes: a Bash command it
/// runs writes inside the project and is refused outside it, and the stand-in sees the refusal
/// in the tool result.
#[test]
fn claude_sandbox_keeps_its_commands_inside_the_project() {
    if missing(&["socat", "bwrap"]) {
        return;
    }
    let Some(a) = claude_world() else { return };
    let out = a
        .env
        .minder()
        .env("ANTHROPIC_BASE_URL", format!("http://127.0.0.1:{}", a.server.port))
        .env("ANTHROPIC_API_KEY", CLAUDE_KEY)
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .args(["new", "-a", "claude", "--sandbox", "workspace-write", "--network", "false", "fenced", "--", "claude"])
        .output()
        .unwrap();
    assert!(out.status.success(), "minder new: {}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    a.wait_ready(&name, CLAUDE_PROMPT);
    a.env.run(&["send", &name, "STANDIN_FENCE probe"]);
    let start = Instant::now();
    loop {
        let s = a.env.show(&name);
        if s["last_message"] == "Fence probe done." {
            break;
        }
        if s["state"] == "waiting" && s["detail"] == "approval" {
            // The record may still say waiting a moment after the last answer was taken (the
            // sink has not seen the screen change yet): `answer` then looks at the screen
            // itself and refuses, which is right, and the loop looks again.
            let out = a.env.minder().args(["answer", &name, "yes"]).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success() || err.contains("is not asking anything now"), "answer: {err}");
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no end of the probe: {s:#}\n{}", a.env.capture(&name));
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(a.proj.join("inside-marker.txt").exists(), "the write inside the project works");
    let outside = a.proj.parent().unwrap().join("outside-marker.txt");
    assert!(!outside.exists(), "the sandbox let a write out");
    let log = std::fs::read_to_string(&a.server.log).unwrap_or_default();
    let result = log.lines().rev().find(|l| l.contains("fence-probe-done")).unwrap_or_default();
    assert!(
        result.contains("Read-only file system") || result.contains("Operation not permitted"),
        "the tool result shows the refusal: {result}"
    );
    // Nor can it have the tmux server outside run a command for it (`tmux run-shell`).
    assert!(
        result.contains("tmux-tried=") && result.contains("error connecting to"),
        "the tmux command was refused: {result}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !a.proj.parent().unwrap().join("claude-escaped").exists(),
        "tmux ran a command for the fenced agent: {result}"
    );
    a.env.run(&["stop", &name]);
}

/// Codex's own sandbox keeps the tmux server out of reach: a command run under it cannot have
/// tmux run another outside (`tmux run-shell`), which would leave every fence. Unfenced
/// (`--sandbox off`), the same turn gets it run, which shows the way was there. Codex makes
/// its sandbox helper only for a CODEX_HOME outside the system's temp folder: under /tmp no
/// command runs in its sandbox at all, so this world's home is under /var/tmp.
#[test]
fn codex_sandbox_keeps_the_tmux_server_out_of_reach() {
    let Some(mut a) = codex_world() else { return };
    let home = tempfile::Builder::new().prefix("minder-test-codex-home-").tempdir_in("/var/tmp").unwrap();
    let copied = Command::new("cp").arg("-a").arg(format!("{}/.", a.home.display())).arg(home.path()).status();
    assert!(copied.unwrap().success());
    a.home = home.path().to_path_buf();
    let marker = a.proj.parent().unwrap().join("codex-escaped");
    let outputs = || -> Vec<String> {
        let log = std::fs::read_to_string(&a.server.log).unwrap_or_default();
        log.lines().filter(|l| l.contains("tmux-tried=")).map(str::to_string).collect()
    };

    let name = a.new_codex("tm", &["STANDIN_TMUX please"]);
    a.wait_last_message(&name, "The tmux command was tried.");
    let fenced = outputs();
    assert_eq!(fenced.len(), 1, "the command ran once under the sandbox: {fenced:?}");
    assert!(!fenced[0].contains("codex-linux-sandbox"), "Codex's sandbox did not start: {fenced:?}");
    assert!(fenced[0].contains("error connecting to"), "{fenced:?}");
    // run-shell runs in the background of the server: a moment to do it, if it was asked.
    std::thread::sleep(Duration::from_millis(500));
    assert!(!marker.exists(), "tmux ran a command for the sandboxed agent");
    a.env.run(&["stop", &name]);

    let name = a.new_codex_with("tm2", &["--sandbox", "off", "--network", "true"], &["STANDIN_TMUX please"]);
    a.wait_last_message(&name, "The tmux command was tried.");
    common::wait_for("tmux to run it for the unfenced agent", T, || marker.exists());
    a.env.run(&["stop", &name]);
}

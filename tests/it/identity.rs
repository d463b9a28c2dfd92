//! Acting on the right session (issue 9): tmux ids are hints, the `@minder-id` a session carries
//! is the proof. A restarted server that hands out `$0`/`%0` again, a session the person renamed
//! (and a namesake of their own), a `new` cut short, an exit hook of another run: minder never
//! touches a session that is not the one it means.

use crate::common::{self, wait_for, Env, T};
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A shell agent that echoes every line it reads, prefixed with `who`.
fn echoer(who: &str) -> String {
    format!("echo {who} ready; while read l; do echo \"{who} got: $l\"; done")
}

fn new_echoer(env: &Env, task: &str) -> Value {
    env.run(&["new", task, "--", "bash", "-c", &echoer(task)]);
    wait_for("the agent's first words", T, || env.run(&["logs", task]).contains(&format!("{task} ready")));
    env.show(task)
}

fn kill_server(env: &Env) {
    let pid = env.server_pid().expect("the test's own server");
    // SAFETY: kill(2) on the tmux server this test started, by its pid.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    wait_for("server gone", T, || env.server_pid().is_none());
}

fn has_session(env: &Env, target: &str) -> bool {
    env.tmux(&["has-session", "-t", target]).status.success()
}

fn session_dir(env: &Env, name: &str) -> PathBuf {
    env.state_dir().join("sessions").join(name)
}

/// The tmux this test's minder would run.
fn real_tmux() -> String {
    if let Ok(t) = std::env::var("MINDER_TMUX") {
        return t;
    }
    let out = std::process::Command::new("sh").args(["-c", "command -v tmux"]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A tmux (for MINDER_TMUX) that runs the real one, then, after a `new-session`, runs `then`.
/// The `new-session` may be in its argv or, for the client `new` starts early, in the batch it
/// reads from stdin (`source-file -`).
fn tmux_then(env: &Env, name: &str, then: &str) -> PathBuf {
    let body = format!(
        "batch=\nfor a in \"$@\"; do [ \"$a\" = source-file ] && batch=$(cat); done\n\
         if [ -n \"$batch\" ]; then printf '%s\\n' \"$batch\" | \"$TMUX_REAL\" \"$@\"; else \"$TMUX_REAL\" \"$@\"; fi; rc=$?\n\
         case \"$batch $*\" in *new-session*) {then};; esac\nexit $rc"
    );
    tmux_wrapper(env, name, &body)
}

/// A stand-in for tmux (given to minder as MINDER_TMUX): a shell script whose `$TMUX_REAL` is
/// the real one.
fn tmux_wrapper(env: &Env, name: &str, body: &str) -> PathBuf {
    let path = env.path(name);
    common::write_script(&path, format!("#!/bin/sh\nTMUX_REAL='{}'\n{body}\n", real_tmux()));
    path
}

fn record(env: &Env, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(session_dir(env, name).join("session.json")).unwrap()).unwrap()
}

/// Where this run left the caller's environment for its supervisor: in memory (a private
/// folder on tmpfs) where the machine has one, else the session folder.
fn env_file(env: &Env, name: &str) -> PathBuf {
    let r = record(env, name);
    let path = PathBuf::from(r["env_file"].as_str().expect("the record names its environment file"));
    let minder_id = r["tmux"]["minder_id"].as_str().unwrap();
    if std::path::Path::new("/dev/shm").is_dir() {
        assert!(!path.starts_with(env.state_dir()), "on disk although /dev/shm is there: {path:?}");
        assert!(path.ends_with(format!("{minder_id}.env")), "{path:?}");
    }
    path
}

fn edit_record(env: &Env, name: &str, edit: impl FnOnce(&mut Value)) {
    let mut r = record(env, name);
    edit(&mut r);
    std::fs::write(session_dir(env, name).join("session.json"), serde_json::to_vec_pretty(&r).unwrap()).unwrap();
}

// ---- 1. A restarted server hands out the same ids ---------------------------------------------

#[test]
fn after_a_server_restart_the_old_sessions_ids_reach_nobody() {
    let env = Env::new();
    let old = new_echoer(&env, "old");
    assert!(!old["tmux"]["minder_id"].as_str().unwrap().is_empty());
    kill_server(&env);
    let fresh = new_echoer(&env, "fresh");
    // The premise: the new server numbers from the start again, so the old record's ids are
    // now the fresh session's.
    assert_eq!(
        fresh["tmux"]["pane_id"], old["tmux"]["pane_id"],
        "tmux did not reuse the pane id; the test proves less"
    );
    let fresh_pid = env.tmux_out(&["display-message", "-p", "-t", "=cmd-fresh:", "#{pane_pid}"]);

    let err = env.fail(&["send", "old", "hi"], 1);
    assert!(err.contains("`cmd-old` has ended (state lost)"), "{err}");
    let s = env.show("old");
    assert_eq!(s["state"], "lost");
    assert_eq!(s["tmux"]["alive"], false);
    assert_eq!(s["tmux"]["session_name"], Value::Null);
    env.run(&["stop", "old"]);
    env.run(&["rm", "old"]);

    // The fresh session kept its agent, its log sink and its log.
    assert_eq!(env.state("fresh"), "working");
    assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=cmd-fresh:", "#{pane_pid}"]), fresh_pid);
    env.run(&["send", "fresh", "still mine"]);
    wait_for("fresh's own line", T, || env.run(&["logs", "fresh"]).contains("fresh got: still mine"));
    assert!(!env.run(&["logs", "fresh"]).contains("hi"), "the old session's text reached the fresh one");
    assert!(
        !env.run(&["logs", "fresh"]).contains("log sink was restarted"),
        "a sink was re-attached to the fresh pane"
    );
}

#[test]
fn records_from_before_ids_still_need_their_name() {
    let env = Env::new();
    new_echoer(&env, "old");
    // What an older minder left: no id in the record, none on the session.
    edit_record(&env, "cmd-old", |r| {
        let t = r["tmux"].as_object_mut().unwrap();
        for k in ["minder_id", "server_pid", "server_started"] {
            t.remove(k);
        }
    });
    env.tmux_out(&["set-option", "-u", "-t", "=cmd-old:", "@minder-id"]);
    env.run(&["send", "old", "by name"]);
    wait_for("the old session's line", T, || env.run(&["logs", "old"]).contains("old got: by name"));

    kill_server(&env);
    new_echoer(&env, "fresh");
    env.fail(&["send", "old", "hi"], 1);
    assert_eq!(env.state("old"), "lost");
    env.run(&["stop", "old"]);
    assert_eq!(env.state("fresh"), "working");
    env.run(&["send", "fresh", "ok"]);
    wait_for("fresh's own line", T, || env.run(&["logs", "fresh"]).contains("fresh got: ok"));
}

// ---- 2. A session the person renamed, and a namesake of theirs ---------------------------------

/// The person renames minder's session `cmd-TASK` to `renamed` and makes one of their own
/// called `cmd-TASK`; returns that one's session id and pane pid.
fn rename_and_take_the_name(env: &Env, task: &str, renamed: &str) -> String {
    new_echoer(env, task);
    let name = format!("cmd-{task}");
    env.tmux_out(&["rename-session", "-t", &format!("={name}"), renamed]);
    env.tmux_out(&["new-session", "-d", "-s", &name, "sleep", "80"]);
    env.tmux_out(&["display-message", "-p", "-t", &format!("={name}:"), "#{session_id} #{pane_pid}"])
}

#[test]
fn a_renamed_session_is_still_ours_and_a_namesake_is_never_touched() {
    let env = Env::new();
    let theirs = rename_and_take_the_name(&env, "y", "r");

    let s = env.show("y");
    assert_eq!(s["state"], "working");
    assert_eq!(s["tmux"]["alive"], true);
    assert_eq!(s["tmux"]["session_name"], "r");
    assert!(env.run(&["show", "y"]).contains("renamed `r`"));
    env.run(&["send", "y", "to the renamed one"]);
    wait_for("the line in our session", T, || env.run(&["logs", "y"]).contains("y got: to the renamed one"));

    // Its log sink dies: the new one goes on our pane, not on the namesake's.
    let sink = env.sink_pid("cmd-y");
    // SAFETY: the sink this test's minder started, by its pid.
    unsafe { libc::kill(sink, libc::SIGKILL) };
    wait_for("the sink gone", T, || unsafe { libc::kill(sink, 0) } != 0);
    env.run(&["ls"]);
    assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=r:", "#{pane_pipe}"]).trim(), "1");
    assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=cmd-y:", "#{pane_pipe}"]).trim(), "0");

    env.run(&["stop", "y"]);
    assert_eq!(env.state("y"), "stopped");
    assert!(!has_session(&env, "=r"), "our renamed session is still there");
    assert!(has_session(&env, "=cmd-y"), "the person's own session was killed");
    assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=cmd-y:", "#{session_id} #{pane_pid}"]), theirs);
}

#[test]
fn rm_and_attach_reach_a_renamed_session_by_its_id() {
    let env = Env::new();
    let theirs = rename_and_take_the_name(&env, "z", "mine-now");
    if let Some(mut client) = env.minder_on_a_terminal("attach z") {
        wait_for("a client on our session", T, || {
            env.tmux_out(&["display-message", "-p", "-t", "=mine-now:", "#{session_attached}"]).trim() == "1"
        });
        assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=cmd-z:", "#{session_attached}"]).trim(), "0");
        env.tmux_out(&["detach-client", "-s", "=mine-now"]);
        assert!(client.wait().unwrap().success());
    } else {
        common::missing_tool("`script` is not available: attach was not tried");
    }
    env.fail(&["rm", "z"], 1);
    env.run(&["rm", "--force", "z"]);
    assert!(!has_session(&env, "=mine-now"));
    assert_eq!(
        env.tmux_out(&["display-message", "-p", "-t", "=cmd-z:", "#{session_id} #{pane_pid}"]),
        theirs,
        "the person's own session was touched"
    );
    assert!(env.ls(true).is_empty());
}

// ---- 3. A `new` cut short ----------------------------------------------------------------------

#[test]
fn a_new_killed_after_tmux_made_the_session_is_completed_and_rm_ends_it() {
    for server_up in [false, true] {
        a_new_killed_after_tmux_made_the_session(Env::with_server(server_up));
    }
}

fn a_new_killed_after_tmux_made_the_session(env: Env) {
    // tmux makes the session, then `new` dies before it records where the session runs.
    let wrapper = tmux_then(&env, "tmux-then-die", "kill -9 $PPID");
    let out = env
        .minder()
        .env("MINDER_TMUX", &wrapper)
        .args(["new", "half", "--", "bash", "-c", &echoer("half")])
        .output()
        .unwrap();
    assert!(!out.status.success(), "new was not cut short");
    let r = record(&env, "cmd-half");
    assert_eq!(r["tmux"]["pane_id"], "", "the crash came too late to prove anything");
    assert!(has_session(&env, "=cmd-half"));

    // The next look finds the session by its id and completes the record.
    let s = env.show("half");
    assert_eq!(s["state"], "working");
    assert_eq!(s["tmux"]["alive"], true);
    assert!(s["tmux"]["pane_id"].as_str().unwrap().starts_with('%'));
    assert_eq!(s["tmux"]["minder_id"], r["tmux"]["minder_id"]);
    env.run(&["send", "half", "completed"]);
    wait_for("the line logged", T, || env.run(&["logs", "half"]).contains("half got: completed"));
    let err = env.fail(&["restore", "half"], 1);
    assert!(err.contains("still running"), "{err}");
    let handed = env_file(&env, "cmd-half");
    wait_for("the environment taken", T, || !handed.exists());

    let pane_pid: i32 =
        env.tmux_out(&["display-message", "-p", "-t", "=cmd-half:", "#{pane_pid}"]).trim().parse().unwrap();
    let err = env.fail(&["rm", "half"], 1);
    assert!(err.contains("still running"), "{err}");
    env.run(&["rm", "--force", "half"]);
    assert!(!has_session(&env, "=cmd-half"), "rm left the tmux session");
    // SAFETY: signal 0 only asks whether the agent's supervisor still exists.
    wait_for("the agent gone", T, || unsafe { libc::kill(pane_pid, 0) } != 0);
    assert!(env.ls(true).is_empty());
}

#[test]
fn a_new_whose_tmux_call_is_too_slow_leaves_nothing_running() {
    for server_up in [false, true] {
        a_new_whose_tmux_call_is_too_slow(Env::with_server(server_up));
    }
}

fn a_new_whose_tmux_call_is_too_slow(env: Env) {
    // tmux makes the session but answers only after minder's deadline.
    let wrapper = tmux_then(&env, "tmux-slow", "exec sleep 5");
    // Its own runtime folder, in memory where the machine has one: the environment `new`
    // hands over goes there, and must not stay.
    let run = match std::path::Path::new("/dev/shm").is_dir() {
        true => tempfile::Builder::new().prefix("minder-test-run-").tempdir_in("/dev/shm").unwrap(),
        false => tempfile::tempdir_in(env.path("")).unwrap(),
    };
    let start = Instant::now();
    let out = env
        .minder()
        .env("MINDER_TMUX", &wrapper)
        .env("MINDER_TMUX_TIMEOUT_MS", "500")
        .env("XDG_RUNTIME_DIR", run.path())
        .args(["new", "slow", "--", "bash", "-c", &echoer("slow")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("did not answer within 0.5s"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(4), "new took {:?}", start.elapsed());
    assert!(!has_session(&env, "=cmd-slow"), "the half-made session was left running");
    let left = |dir: &std::path::Path| {
        let out = std::process::Command::new("find").arg(dir).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let folder = session_dir(&env, "cmd-slow");
    assert!(!folder.exists(), "records (or the environment) left behind:\n{}", left(&folder));
    let handoff = run.path().join("minder/env");
    if std::path::Path::new("/dev/shm").is_dir() {
        assert!(handoff.is_dir(), "the environment was not handed over in memory");
    }
    let left: Vec<_> = std::fs::read_dir(&handoff).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "the environment was left behind: {left:?}");
    assert!(env.ls(true).is_empty());
}

#[test]
fn the_callers_environment_never_outlives_a_failed_start() {
    // A server already running: a fresh one sometimes never reaps a child that exits while it
    // starts up (see `supervisor`), and without the supervisor nothing else would record it.
    let env = Env::with_server(true);
    // The supervisor never starts: the pane runs a minder command that does not exist (in the
    // batch `new` hands its early client on stdin, or in tmux's argv).
    let wrapper = tmux_wrapper(
        &env,
        "tmux-no-supervisor",
        "for a in \"$@\"; do [ \"$a\" = source-file ] && { sed 's/\"_exec\"/\"_no-such-command\"/' | \"$TMUX_REAL\" \"$@\"; exit $?; }; done\n\
         for a in \"$@\"; do shift; if [ \"$a\" = _exec ]; then set -- \"$@\" _no-such-command; else set -- \"$@\" \"$a\"; fi; done\nexec \"$TMUX_REAL\" \"$@\"",
    );
    env.minder().env("MINDER_TMUX", &wrapper).args(["new", "nosup", "--", "sleep", "30"]).assert().success();
    let s = env.wait_state("nosup", "failed", T);
    // Its status, unless tmux never reaped it (then the exit is recorded as of unknown status).
    assert!(s["exit_code"] == 2 || s["detail"] == "unknown exit", "{s:#}");
    assert!(!env_file(&env, "cmd-nosup").exists(), "the environment was left behind");

    // A restore that tmux refuses (the name was taken meanwhile) leaves none either.
    env.run(&["new", "again", "--", "sleep", "60"]);
    kill_server(&env);
    assert_eq!(env.state("again"), "lost");
    env.tmux_out(&["new-session", "-d", "-s", "cmd-again", "sleep", "80"]);
    let err = env.fail(&["restore", "again"], 1);
    assert!(err.contains("exists and is not this agent's"), "{err}");
    assert!(!env_file(&env, "cmd-again").exists(), "the environment was left behind");
    assert_eq!(env.state("again"), "lost");
    assert!(has_session(&env, "=cmd-again"));
}

// ---- 4. The exit hook ----------------------------------------------------------------------------

#[test]
fn an_exit_hook_of_another_run_changes_nothing() {
    let env = Env::new();
    let s = new_echoer(&env, "h");
    let root = session_dir(&env, "cmd-h");
    let pane = s["tmux"]["pane_id"].as_str().unwrap().to_string();
    let id = s["tmux"]["minder_id"].as_str().unwrap().to_string();
    let hook = |pane: &str, minder_id: Option<&str>| {
        let mut args = vec![
            "_pane-died".to_string(),
            root.display().to_string(),
            pane.into(),
            "3".into(),
            "".into(),
            "1700000000".into(),
        ];
        if let Some(m) = minder_id {
            args.extend(["--minder-id".into(), m.into()]);
        }
        env.minder().args(&args).assert().success();
    };
    hook(&pane, Some("m-0123456789abcdef0123456789abcdef"));
    hook(&pane, Some(""));
    hook(&pane, None);
    hook("%999", Some(&id));
    assert_eq!(env.state("h"), "working");
    // Its own run's hook is believed.
    hook(&pane, Some(&id));
    let s = env.show("h");
    assert_eq!((s["state"].as_str().unwrap(), s["exit_code"].as_i64()), ("failed", Some(3)));
}

// ---- A server that stops answering ----------------------------------------------------------------

/// Sends SIGCONT to the stopped server when dropped, so a failing test never leaves it stopped
/// (the Env then kills it as usual).
struct Resume(i32);

impl Drop for Resume {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the tmux server this test started and stopped, by its pid.
        unsafe { libc::kill(self.0, libc::SIGCONT) };
    }
}

#[test]
fn a_stopped_server_gives_clear_errors_within_a_bound() {
    let env = Env::new();
    new_echoer(&env, "st");
    let pid = env.server_pid().unwrap() as i32;
    // SAFETY: kill(2) on the tmux server this test started, by its pid.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let resume = Resume(pid);
    let run = |args: &[&str]| {
        let start = Instant::now();
        let out = env.minder().env("MINDER_TMUX_TIMEOUT_MS", "500").args(args).output().unwrap();
        let elapsed = start.elapsed();
        assert!(elapsed < Duration::from_secs(15), "minder {args:?} took {elapsed:?}");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text)
    };
    let said = |text: &str| text.contains("did not answer within 0.5s");
    let (code, text) = run(&["wait", "st", "--until", "review", "--timeout", "2s"]);
    assert!(code == Some(124) && said(&text), "{code:?} {text}");
    let (code, text) = run(&["show", "st"]);
    assert!(code == Some(0) && said(&text) && text.contains("last recorded"), "{code:?} {text}");
    let (code, text) = run(&["send", "st", "hi"]);
    assert!(code == Some(1) && said(&text) && text.contains("nothing was sent"), "{code:?} {text}");
    let (code, text) = run(&["stop", "st"]);
    assert!(code == Some(1) && said(&text) && text.contains("nothing was stopped"), "{code:?} {text}");
    let (code, text) = run(&["rm", "--force", "st"]);
    assert!(code == Some(1) && said(&text) && text.contains("nothing was removed"), "{code:?} {text}");
    let (code, text) = run(&["review", "st"]);
    assert!(code == Some(0) && said(&text), "{code:?} {text}");
    let (code, _) = run(&["gc"]);
    assert_eq!(code, Some(0));
    let (_, text) = run(&["doctor"]);
    assert!(said(&text), "{text}");
    let (code, text) = run(&["new", "while-stopped", "--", "sleep", "30"]);
    assert!(code == Some(1) && said(&text) && text.contains("minder ls"), "{code:?} {text}");
    let (code, _) = run(&["ls"]);
    assert_eq!(code, Some(0));

    drop(resume);
    // Answering again: nothing was harmed.
    assert_eq!(env.state("st"), "working");
    env.run(&["send", "st", "after"]);
    wait_for("the line logged", T, || env.run(&["logs", "st"]).contains("st got: after"));
}

// ---- Hook strings: what the agent or a socket name holds is never run -----------------------

/// An agent that waits for the file `go` in its directory, then exits.
const WAITS_FOR_GO: &str = "while [ ! -e go ]; do sleep 0.1; done";

/// Whether `marker` appears within a few seconds (what a hostile hook string would make). The
/// test hopes it does not: then this waits the whole time, on purpose.
fn appears(marker: &std::path::Path) -> bool {
    common::within(Duration::from_secs(3), || marker.exists())
}

#[test]
fn a_hostile_minder_id_runs_nothing_when_the_pane_dies() {
    let env = Env::new();
    let marker = env.path("pwned-by-id");
    env.run(&["new", "hid", "--", "sh", "-c", WAITS_FOR_GO]);
    let hostile = format!("x'; touch '{}'; '", marker.display());
    env.tmux_out(&["set-option", "-t", "=cmd-hid:", "@minder-id", &hostile]);
    std::fs::write(env.work().join("go"), "").unwrap();
    env.wait_state("hid", "review", T);
    assert!(!appears(&marker), "the pane-died hook ran what the agent put in @minder-id");
}

#[test]
fn a_hostile_socket_name_runs_nothing_when_the_pane_dies() {
    let env = Env::new();
    let socket = "r';touch pwned-by-socket;'";
    env.run(&["-L", socket, "new", "hsock", "--", "sh", "-c", WAITS_FOR_GO]);
    let server = || {
        let out = env.minder_tmux_on(socket, &["display-message", "-p", "#{pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().parse::<i32>().ok()
    };
    let pid = server().expect("the server on the hostile socket");
    std::fs::write(env.work().join("go"), "").unwrap();
    let exited = common::within(Duration::from_secs(20), || {
        env.minder_tmux_on(socket, &["display-message", "-p", "-t", "=cmd-hsock:", "#{pane_dead}"]).stdout == b"1\n"
    });
    let ran = appears(&env.work().join("pwned-by-socket")) || appears(&env.path("pwned-by-socket"));
    // SAFETY: SIGKILL to the tmux server this test made minder start, by its pid.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    assert!(exited, "the agent's pane never died");
    assert!(!ran, "the pane-died hook ran what the socket name held");
}

/// `restore` while a session of the person's holds the name: refused before anything is
/// recorded (no `working` then `lost`, nobody told twice), and the person's session untouched.
#[test]
fn restore_refuses_a_name_held_by_someone_elses_session_and_records_nothing() {
    let env = Env::new();
    env.run(&["new", "clash", "--", "sleep", "60"]);
    env.wait_state("clash", "working", T);
    let pid = env.server_pid().unwrap();
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    env.wait_state("clash", "lost", T);
    let events_before = env.show("clash")["events"].as_array().unwrap().len();
    assert!(env.tmux(&["new-session", "-d", "-s", "cmd-clash", "sleep", "60"]).status.success());
    let said = env.fail(&["restore", "clash"], 1);
    assert!(said.contains("exists and is not this agent's"), "{said}");
    let s = env.show("clash");
    assert_eq!(s["state"], "lost");
    assert_eq!(s["events"].as_array().unwrap().len(), events_before, "nothing was recorded: {s:#}");
    assert_eq!(env.tmux_out(&["show-options", "-t", "=cmd-clash:", "-qv", "@minder"]).trim(), "");
    assert!(env.tmux(&["has-session", "-t", "=cmd-clash"]).status.success(), "the person's session is untouched");
}

/// The agent rewrites what its session carries — a bogus `@minder-id`, `@minder` unset, the
/// session renamed — and copies the real id onto a session of the person's: minder still knows
/// its own session by the ids tmux holds, acts on it, and never on the impostor.
#[test]
fn an_agent_cannot_hide_its_session_or_lend_its_identity() {
    let env = Env::new();
    env.run(&[
        "new",
        "hide",
        "--",
        "bash",
        "-c",
        "trap 'echo got INT; exit 0' INT; while read l; do echo \"got: $l\"; done",
    ]);
    env.wait_state("hide", "working", T);
    let real = env.show("hide")["tmux"]["minder_id"].as_str().unwrap().to_string();
    assert!(env.tmux(&["set-option", "-t", "=cmd-hide:", "@minder-id", "m-bogus"]).status.success());
    assert!(env.tmux(&["set-option", "-u", "-t", "=cmd-hide:", "@minder"]).status.success());
    assert!(env.tmux(&["rename-session", "-t", "=cmd-hide", "elsewhere"]).status.success());
    // A session of the person's wearing the agent's id and name.
    assert!(env.tmux(&["new-session", "-d", "-s", "cmd-hide", "sleep", "60"]).status.success());
    assert!(env.tmux(&["set-option", "-t", "=cmd-hide:", "@minder-id", &real]).status.success());
    let s = env.show("hide");
    assert_eq!(s["state"], "working", "{s:#}");
    assert_eq!(s["tmux"]["session_name"], "elsewhere", "found by its ids: {s:#}");
    env.run(&["send", "hide", "still there?"]);
    wait_for("the agent got it", T, || env.run(&["logs", "hide"]).contains("got: still there?"));
    // A restore of a live session is refused: no second copy.
    env.fail(&["restore", "hide"], 1);
    assert_eq!(env.tmux_out(&["list-sessions", "-F", "#{session_name}"]).lines().count(), 2);
    let out = env.minder().args(["stop", "hide"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !said.contains("already ended"), "{said}");
    assert!(env.run(&["logs", "hide"]).contains("got INT"), "the agent was interrupted");
    assert!(has_session(&env, "=cmd-hide"), "the person's session is untouched");
}

// ---- Something else at the server's socket --------------------------------------------------

/// One message of tmux's client protocol (an imsg: type, length, flags, protocol version, pid).
fn tmux_message(kind: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&((16 + data.len()) as u16).to_ne_bytes());
    out.extend_from_slice(&0u16.to_ne_bytes());
    out.extend_from_slice(&8u32.to_ne_bytes());
    out.extend_from_slice(&u32::MAX.to_ne_bytes());
    out.extend_from_slice(data);
    out
}

/// A program that is not tmux listens where the session's server did, and answers every client
/// as tmux would, with words full of control sequences, or says nothing at all. minder gives up
/// within its deadline, believes nothing it says (the session is not shown as live), and shows
/// its words with their control characters escaped: they never reach the terminal as they are.
#[test]
fn an_impostor_at_the_servers_socket_is_neither_believed_nor_obeyed() {
    use std::io::{Read, Write};
    let env = Env::new();
    env.run(&["new", "imp", "--", "sleep", "30"]);
    let socket = PathBuf::from(env.tmux_out(&["display-message", "-p", "#{socket_path}"]).trim());
    kill_server(&env);
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // Gone before the Env's own teardown asks the server at this socket to end, however the
    // test ends (a silent impostor would keep that `kill-server` waiting).
    struct Unbind(PathBuf);
    impl Drop for Unbind {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _unbind = Unbind(socket.clone());
    let silent = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let quiet = silent.clone();
    std::thread::spawn(move || {
        let ints = |v: &[i32]| v.iter().flat_map(|i| i.to_ne_bytes()).collect::<Vec<u8>>();
        let mut held = Vec::new();
        for mut client in listener.incoming().flatten() {
            let mut buf = [0u8; 65536];
            let _ = client.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = client.read(&mut buf);
            if quiet.load(std::sync::atomic::Ordering::SeqCst) {
                held.push(client);
                continue;
            }
            let mut answer = tmux_message(303, &ints(&[2, 2, 0]));
            answer.extend(tmux_message(304, &[ints(&[2]), b"\x1b]0;pwned\x07\x1b[2Jgone\n".to_vec()].concat()));
            answer.extend(tmux_message(203, &ints(&[1])));
            let _ = client.write_all(&answer);
        }
    });
    let run = |args: &[&str]| {
        let started = Instant::now();
        let out = env.minder().env("MINDER_TMUX_TIMEOUT_MS", "700").args(args).output().unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "minder {args:?} took {:?}", started.elapsed());
        let all = [out.stdout, out.stderr].concat();
        assert!(
            !all.contains(&0x1b) && !all.contains(&0x07),
            "minder {args:?} let control characters through: {all:?}"
        );
        String::from_utf8_lossy(&all).into_owned()
    };
    for silent_now in [false, true] {
        silent.store(silent_now, std::sync::atomic::Ordering::SeqCst);
        let text = run(&["show", "imp"]);
        assert!(text.contains("showing what was last recorded"), "an impostor's answer was believed:\n{text}");
        let said = if silent_now { "did not answer within 0.7s" } else { "\\e]0;pwned" };
        assert!(text.contains(said), "{text}");
        let text = run(&["send", "imp", "hello"]);
        assert!(text.contains("nothing was sent"), "{text}");
        run(&["ls"]);
    }
}

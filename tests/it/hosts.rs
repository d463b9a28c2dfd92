//! Several machines over plain OpenSSH: real `sshd` servers on 127.0.0.1 (tests/it/common/sshd.rs),
//! each with its own remote minder state and tmux server, reached through `[hosts.NAME]`.

use crate::common::sshd::{self, Hosts};
use crate::common::{self, Env};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

/// The remote minder of `host`, run directly (not over ssh), to set up or check its side.
fn remote(env: &Env, hosts: &mut Hosts, host: &str) -> Command {
    let vars = hosts.host(host).vars(&env.vars());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minder"));
    cmd.env_clear().envs(vars).current_dir(env.work());
    cmd
}

fn remote_run(env: &Env, hosts: &mut Hosts, host: &str, args: &[&str]) -> String {
    let out = remote(env, hosts, host).args(args).output().unwrap();
    assert!(out.status.success(), "remote {host} minder {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn setup(names: &[&str], max_sessions: u32, timeout: &str) -> Option<(Env, Hosts)> {
    if !sshd::available() {
        return None;
    }
    let env = Env::new();
    let hosts = Hosts::new(&env, names, max_sessions);
    env.config(&hosts.config_toml(timeout, |_| None));
    Some((env, hosts))
}

fn ls_json(env: &Env) -> Value {
    serde_json::from_str(&env.run(&["ls", "--json"])).unwrap()
}

fn on<'a>(v: &'a Value, host: &str) -> Vec<&'a Value> {
    v["sessions"].as_array().unwrap().iter().filter(|s| s["host"] == host).collect()
}

fn host_status<'a>(v: &'a Value, host: &str) -> &'a Value {
    v["hosts"].as_array().unwrap().iter().find(|h| h["name"] == host).unwrap()
}

#[test]
fn ls_lists_local_and_two_hosts_each_with_its_own_sessions() {
    let Some((env, mut hosts)) = setup(&["alpha", "beta"], 10, "10s") else { return };
    env.run(&["new", "here", "--", "sleep", "300"]);
    remote_run(&env, &mut hosts, "alpha", &["new", "there", "--", "sleep", "300"]);
    remote_run(&env, &mut hosts, "beta", &["new", "yonder", "--", "sleep", "300"]);
    remote_run(&env, &mut hosts, "beta", &["new", "far", "--", "sleep", "300"]);
    let v = ls_json(&env);
    assert_eq!(v["version"], 1);
    let names = |h| on(&v, h).iter().map(|s| s["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names("local"), ["cmd-here"]);
    assert_eq!(names("alpha"), ["cmd-there"], "{v}");
    let mut b = names("beta");
    b.sort();
    assert_eq!(b, ["cmd-far", "cmd-yonder"]);
    for h in ["local", "alpha", "beta"] {
        assert_eq!(host_status(&v, h)["status"], "ok", "{v}");
    }
    let table = env.run(&["ls"]);
    let header = table.lines().next().unwrap();
    assert!(header.starts_with("HOST") && header.contains("NAME"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("alpha") && l.contains("cmd-there") && l.contains("working")),
        "{table}"
    );
    assert!(table.lines().any(|l| l.starts_with("local") && l.contains("cmd-here")), "{table}");

    // `minder hosts`: reachable, a latency, the remote version, the agent count.
    let h: Value = serde_json::from_str(&env.run(&["hosts", "--json"])).unwrap();
    let list = h["hosts"].as_array().unwrap();
    let beta = list.iter().find(|x| x["name"] == "beta").unwrap();
    assert_eq!(beta["status"], "ok", "{h}");
    assert_eq!(beta["sessions"], 2, "{h}");
    assert_eq!(beta["minder"], env!("CARGO_PKG_VERSION"), "{h}");
    assert!(beta["latency_ms"].as_u64().is_some(), "{h}");
    let text = env.run(&["hosts"]);
    assert!(text.lines().any(|l| l.starts_with("alpha") && l.contains(" ok ")), "{text}");

    // One master connection per host, reused; beside it only the host's watcher: at most two
    // ssh processes per host stay alive, whatever was asked.
    let sockets = env.path("state/minder/ssh");
    let count = |pattern: String| {
        let out = Command::new("pgrep").args(["-f", &pattern]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    assert_eq!(count(format!("ssh .*ControlPath={}.*ControlMaster=yes", sockets.display())), 2, "masters for 2 hosts");
    assert!(count(format!("ssh .*ControlPath={}", sockets.display())) <= 4, "ssh processes for 2 hosts");
}

#[test]
fn a_host_that_is_down_or_frozen_is_marked_and_the_others_still_list() {
    let Some((env, mut hosts)) = setup(&["alpha", "beta"], 10, "2s") else { return };
    env.run(&["new", "here", "--", "sleep", "300"]);
    remote_run(&env, &mut hosts, "alpha", &["new", "there", "--", "sleep", "300"]);
    assert_eq!(on(&ls_json(&env), "alpha").len(), 1);

    // Frozen (SIGSTOP): connected, but nothing answers: `slow`, within the host's deadline.
    hosts.host("alpha").freeze(true);
    let start = Instant::now();
    let v = ls_json(&env);
    let took = start.elapsed();
    hosts.host("alpha").freeze(false);
    assert!(took < Duration::from_secs(8), "ls took {took:?}");
    assert_eq!(host_status(&v, "alpha")["status"], "slow", "{v}");
    assert_eq!(on(&v, "local").len(), 1, "{v}");
    assert_eq!(host_status(&v, "beta")["status"], "ok", "{v}");

    // Stopped: the port refuses: `unreachable`, the local rows still there, and a row saying so.
    hosts.host("alpha").stop();
    let start = Instant::now();
    let v = ls_json(&env);
    assert!(start.elapsed() < Duration::from_secs(8), "ls took {:?}", start.elapsed());
    assert_eq!(host_status(&v, "alpha")["status"], "unreachable", "{v}");
    assert_eq!(on(&v, "local").len(), 1, "{v}");
    let table = env.run(&["ls"]);
    assert!(table.lines().any(|l| l.starts_with("alpha") && l.contains("unreachable")), "{table}");
    assert!(table.lines().any(|l| l.starts_with("local") && l.contains("cmd-here")), "{table}");
}

#[test]
fn a_stale_control_socket_is_replaced_not_hung_on() {
    let Some((env, mut hosts)) = setup(&["alpha"], 10, "5s") else { return };
    remote_run(&env, &mut hosts, "alpha", &["new", "there", "--", "sleep", "300"]);
    assert_eq!(on(&ls_json(&env), "alpha").len(), 1);
    let socket = env.path("state/minder/ssh/alpha");
    let socket = if socket.exists() { socket } else { panic!("no control socket at {}", socket.display()) };

    // The master killed hard: its socket file stays behind, dead.
    let check = Command::new("ssh")
        .args(["-F", hosts.ssh_config().to_str().unwrap(), "-o", &format!("ControlPath={}", socket.display())])
        .args(["-O", "check", "alpha"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stderr).to_string();
    let pid: i32 =
        said.split("pid=").nth(1).and_then(|r| r.split(')').next()).and_then(|p| p.parse().ok()).expect(&said);
    unsafe { libc::kill(pid, libc::SIGKILL) };
    // And the server restarted on the same port.
    hosts.host("alpha").stop();
    hosts.host("alpha").start();
    assert!(socket.exists(), "the dead master's socket should still be there for this test");
    let start = Instant::now();
    let v = ls_json(&env);
    assert!(start.elapsed() < Duration::from_secs(8), "ls took {:?}", start.elapsed());
    assert_eq!(host_status(&v, "alpha")["status"], "ok", "{v}");
    assert_eq!(on(&v, "alpha").len(), 1, "{v}");
}

#[test]
fn a_key_the_host_refuses_is_auth_needed_at_once() {
    let Some((env, mut hosts)) = setup(&["alpha"], 10, "10s") else { return };
    std::fs::write(hosts.host("alpha").dir.join("authorized_keys"), "").unwrap();
    let start = Instant::now();
    let v = ls_json(&env);
    assert!(start.elapsed() < Duration::from_secs(8), "ls took {:?}", start.elapsed());
    assert_eq!(host_status(&v, "alpha")["status"], "auth-needed", "{v}");
    let h: Value = serde_json::from_str(&env.run(&["hosts", "--json"])).unwrap();
    assert_eq!(h["hosts"][0]["status"], "auth-needed", "{h}");
    assert!(h["hosts"][0]["error"].as_str().unwrap().contains("Permission denied"), "{h}");
    // A named session there says why it cannot be reached, exit 1, no prompt.
    let err = env.fail(&["show", "alpha:x"], 1);
    assert!(err.contains("auth-needed"), "{err}");
}

#[test]
fn a_slow_remote_minder_is_shown_slow_within_the_timeout() {
    let Some((env, hosts)) = setup(&["alpha"], 10, "2s") else { return };
    let wrapper = env.path("hosts/slow-minder");
    common::write_script(&wrapper, format!("#!/bin/sh\nsleep 30\nexec {} \"$@\"\n", env!("CARGO_BIN_EXE_minder")));
    let w = wrapper.display().to_string();
    env.config(&hosts.config_toml("2s", |_| Some(w.clone())));
    let start = Instant::now();
    let v = ls_json(&env);
    assert!(start.elapsed() < Duration::from_secs(6), "ls took {:?}", start.elapsed());
    assert_eq!(host_status(&v, "alpha")["status"], "slow", "{v}");
}

#[test]
fn a_remote_minder_of_another_protocol_is_version_skew() {
    let Some((env, hosts)) = setup(&["alpha"], 10, "5s") else { return };
    let wrapper = env.path("hosts/future-minder");
    // A minder from the future: says protocol 2, then answers anything with something else.
    common::write_script(&wrapper, "#!/bin/sh\necho '{\"protocol\":2,\"minder\":\"9.0.0\"}'\nread -r line\necho '{\"protocol\":2,\"exit\":0,\"stdout\":\"{}\"}'\n");
    let w = wrapper.display().to_string();
    env.config(&hosts.config_toml("5s", |_| Some(w.clone())));
    let v = ls_json(&env);
    let alpha = host_status(&v, "alpha");
    assert_eq!(alpha["status"], "version-skew", "{v}");
    assert!(alpha["error"].as_str().unwrap().contains("protocol 2"), "{v}");
    // No minder at that path at all is version-skew too, saying what answered.
    env.config(&hosts.config_toml("5s", |_| Some("/nonexistent/minder".into())));
    let v = ls_json(&env);
    assert_eq!(host_status(&v, "alpha")["status"], "version-skew", "{v}");
    // And the real remote minder refuses a request in another protocol, never misreads it.
    let mut serve = Command::new(env!("CARGO_BIN_EXE_minder"))
        .arg("_serve")
        .env_clear()
        .envs(env.vars())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    serve.stdin.take().unwrap().write_all(b"{\"protocol\":2,\"op\":\"run\",\"argv\":[\"rm\",\"x\"]}\n").unwrap();
    let out = serve.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let greeting: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(greeting["protocol"], 1);
    let reply: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(reply["exit"], 2, "{reply}");
    assert!(reply["stderr"].as_str().unwrap().contains("version-skew"), "{reply}");
}

fn remote_show(env: &Env, target: &str) -> Value {
    let v: Value = serde_json::from_str(&env.run(&["show", target, "--json"])).unwrap();
    v["session"].clone()
}

fn wait_remote_state(env: &Env, target: &str, state: &str) -> Value {
    let start = Instant::now();
    loop {
        let s = remote_show(env, target);
        if s["state"] == state {
            return s;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{target} never {state}: {s:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn send_answer_approve_and_stop_act_on_host_name_with_hostile_text() {
    let Some((env, mut hosts)) = setup(&["alpha", "beta"], 10, "10s") else { return };
    // A remote minder that writes down the words it was started with, then is minder.
    let record = env.path("hosts/argv.log");
    let wrapper = env.path("hosts/recording-minder");
    common::write_script(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec {} \"$@\"\n",
            record.display(),
            env!("CARGO_BIN_EXE_minder")
        ),
    );
    let w = wrapper.display().to_string();
    env.config(&hosts.config_toml("10s", |h| (h == "alpha").then(|| w.clone())));

    // A remote directory whose path has spaces, quotes and a `$(...)`: sent as data, kept whole.
    let odd_dir = hosts.host("alpha").dir.join("work/it's a \"dir\" $(touch pwned)");
    std::fs::create_dir_all(&odd_dir).unwrap();
    let out = env.run(&[
        "new",
        "--host",
        "alpha",
        "-C",
        odd_dir.to_str().unwrap(),
        "echo",
        "--",
        "bash",
        "-c",
        "while read -r l; do echo \"got: $l\"; done",
    ]);
    assert_eq!(out.trim(), "cmd-echo");
    let s = wait_remote_state(&env, "alpha:echo", "working");
    assert_eq!(s["dir"], odd_dir.to_str().unwrap());
    let hostile = "it's \"quoted\" $(touch pwned2) `id` ; echo & | > x";
    env.run(&["send", "alpha:echo", hostile]);
    let want = format!("got: {hostile}");
    common::wait_for("the text reached the remote agent", Duration::from_secs(20), || {
        env.run(&["logs", "alpha:cmd-echo"]).contains(&want)
    });
    assert!(!odd_dir.join("pwned").exists() && !env.work().join("pwned2").exists());
    // Every remote command line was the fixed one: nothing the person typed went through it.
    let lines = std::fs::read_to_string(&record).unwrap();
    assert!(!lines.is_empty());
    assert!(lines.lines().all(|l| l == "_serve"), "remote command lines: {lines}");

    // The bare name is found on the only host that has it.
    env.run(&["send", "echo", "second"]);
    common::wait_for("bare name reached alpha", Duration::from_secs(20), || {
        env.run(&["logs", "alpha:echo"]).contains("got: second")
    });

    // stop on HOST:NAME.
    env.run(&["stop", "alpha:echo"]);
    assert_eq!(remote_show(&env, "alpha:echo")["state"], "stopped");

    // approve on a finished remote session: decided there, through its own checks.
    env.run(&["new", "--host", "beta", "fin", "--", "sh", "-c", "echo done"]);
    wait_remote_state(&env, "beta:fin", "review");
    env.run(&["approve", "beta:fin", "--note", "looks 'fine'"]);
    let s = remote_show(&env, "beta:fin");
    assert_eq!(s["decision"]["verdict"], "approved", "{s:#}");
    assert_eq!(s["state"], "approved");
    // And it is the remote's own record that changed.
    let there = remote_run(&env, &mut hosts, "beta", &["show", "fin", "--json"]);
    assert!(there.contains("\"verdict\": \"approved\""), "{there}");
}

#[test]
fn a_decision_is_refused_when_the_session_moved_and_the_remote_checks_it() {
    let Some((env, mut hosts)) = setup(&["alpha"], 10, "10s") else { return };
    env.run(&["new", "--host", "alpha", "fin", "--", "sh", "-c", "echo done"]);
    wait_remote_state(&env, "alpha:fin", "review");
    // A request decided on `waiting` reaches a session in `review`: refused, nothing changed.
    let mut serve = remote(&env, &mut hosts, "alpha")
        .arg("_serve")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let req =
        r#"{"protocol":1,"op":"run","argv":["approve","local:cmd-fin"],"expect":{"name":"cmd-fin","state":"waiting"}}"#;
    serve.stdin.take().unwrap().write_all(format!("{req}\n").as_bytes()).unwrap();
    let out = serve.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let reply: Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    assert_eq!(reply["exit"], 1, "{reply}");
    assert!(reply["stderr"].as_str().unwrap().contains("is review now, not waiting"), "{reply}");
    assert!(remote_show(&env, "alpha:fin")["decision"].is_null());
    // Commands outside the list are refused there too.
    let mut serve = remote(&env, &mut hosts, "alpha")
        .arg("_serve")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serve.stdin.take().unwrap().write_all(b"{\"protocol\":1,\"op\":\"run\",\"argv\":[\"_exec\",\"x\"]}\n").unwrap();
    let text = String::from_utf8(serve.wait_with_output().unwrap().stdout).unwrap();
    assert!(text.contains("cannot be run from another machine"), "{text}");
}

#[test]
fn a_bare_name_on_two_hosts_is_ambiguous_and_new_host_sends_a_brief_as_text() {
    let Some((env, _hosts)) = setup(&["alpha", "beta"], 10, "10s") else { return };
    env.run(&["new", "dup", "--", "sleep", "300"]);
    env.run(&["new", "--host", "beta", "dup", "--", "sleep", "300"]);
    let err = env.fail(&["show", "dup"], 1);
    assert!(err.contains("local:cmd-dup") && err.contains("beta:cmd-dup"), "{err}");
    assert!(env.run(&["show", "beta:dup"]).contains("cmd-dup"));
    assert!(env.run(&["show", "local:dup"]).contains("cmd-dup"));
    let err = env.fail(&["show", "alpha:dup"], 1);
    assert!(err.contains("alpha") && err.contains("no session"), "{err}");

    // A name with spaces and quotes is slugged there, as here.
    let out = env.run(&["new", "--host", "alpha", "it's a \"quoted\" name", "--", "sleep", "300"]);
    assert_eq!(out.trim(), "cmd-it-s-a-quoted-name");
    assert!(env.run(&["show", "alpha:it-s-a-quoted-name"]).contains("cmd-it-s-a-quoted-name"));

    // A brief is read here and sent as its text; the remote never sees the local path.
    let brief = env.path("my brief.md");
    std::fs::write(&brief, "# Goal\nmake the 'widget' spin\n").unwrap();
    env.run(&["new", "--host", "alpha", "-b", brief.to_str().unwrap(), "spin", "--", "sleep", "300"]);
    let s = remote_show(&env, "alpha:spin");
    let saved =
        std::fs::read_to_string(std::path::Path::new(s["checkpoint_dir"].as_str().unwrap()).join("BRIEF.md")).unwrap();
    assert!(saved.contains("make the 'widget' spin"), "{saved}");
    assert!(!serde_json::to_string(&s).unwrap().contains("my brief.md"), "{s:#}");
    // The text's private copy on the remote side is gone once `new` read it.
    let incoming = env.path("hosts/alpha/state/minder/incoming");
    assert_eq!(std::fs::read_dir(&incoming).map(|d| d.count()).unwrap_or(0), 0);
    // Without -C the remote starts in its own home, not in this directory.
    assert_ne!(s["dir"], env.work().to_str().unwrap());
}

#[test]
fn many_requests_queue_under_max_sessions_two() {
    let Some((env, mut hosts)) = setup(&["alpha"], 2, "20s") else { return };
    for i in 0..6 {
        remote_run(&env, &mut hosts, "alpha", &["new", &format!("a{i}"), "--", "sleep", "300"]);
    }
    // Twelve commands at once over one connection whose server allows two sessions.
    let handles: Vec<_> = (0..12)
        .map(|_| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_minder"));
            cmd.env_clear().envs(env.vars()).current_dir(env.work()).args(["ls", "--json"]);
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for h in handles {
        let out = h.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(host_status(&v, "alpha")["status"], "ok", "{v}");
        assert_eq!(on(&v, "alpha").len(), 6, "{v}");
    }
    // All of it over the one connection: no request logged in anew when the slots were full.
    let log = std::fs::read_to_string(hosts.host("alpha").dir.join("sshd.log")).unwrap();
    assert_eq!(log.matches("Accepted publickey").count(), 1, "{log}");
}

/// A remote `minder` wrapper: the real one, but the reply to a request containing `cut` is cut
/// after the greeting (the connection drops once the request was carried out).
fn cutting_wrapper(env: &Env, cut: &str) -> String {
    let wrapper = env.path("hosts/cutting-minder");
    let bin = env!("CARGO_BIN_EXE_minder");
    common::write_script(&wrapper, format!(
            "#!/bin/sh\nIFS= read -r req\nif printf '%s' \"$req\" | grep -q '{cut}'; then\n  printf '%s\\n' \"$req\" | {bin} \"$@\" | head -n 1\nelse\n  printf '%s\\n' \"$req\" | exec {bin} \"$@\"\nfi\n"
        ));
    wrapper.display().to_string()
}

#[test]
fn an_approve_whose_reply_is_lost_is_reported_unknown_and_not_sent_again() {
    let Some((env, hosts)) = setup(&["alpha"], 10, "10s") else { return };
    env.run(&["new", "--host", "alpha", "fin", "--", "sh", "-c", "echo done"]);
    wait_remote_state(&env, "alpha:fin", "review");
    let w = cutting_wrapper(&env, "\"approve\"");
    env.config(&hosts.config_toml("10s", |_| Some(w.clone())));
    let err = env.fail(&["approve", "alpha:fin"], 1);
    assert!(err.contains("lost") && err.contains("unknown"), "{err}");
    assert!(err.contains("minder show alpha:cmd-fin"), "{err}");
    // It was carried out there, once: one approval in the remote's events, none re-sent.
    let s = remote_show(&env, "alpha:fin");
    assert_eq!(s["decision"]["verdict"], "approved", "{s:#}");
    let approvals = s["events"].as_array().unwrap().iter().filter(|e| e.to_string().contains("approved")).count();
    assert_eq!(approvals, 1, "{:#}", s["events"]);
}

#[test]
fn reject_answer_wait_logs_and_rm_on_a_host() {
    let Some((env, _hosts)) = setup(&["alpha"], 10, "10s") else { return };
    env.run(&[
        "new",
        "--host",
        "alpha",
        "asker",
        "--",
        "bash",
        "-c",
        "read -r -p 'Proceed? [y/n] ' a; echo \"answer=$a\"; sleep 300",
    ]);
    // wait on a remote session: its minder waits, the outcome and exit code are ours.
    let out = env.run(&["wait", "alpha:asker", "--until", "waiting", "--timeout", "20s", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"], "reached", "{v:#}");
    // explain there, as text and JSON: the line prompt the remote screen showed.
    let x: Value = serde_json::from_str(&env.run(&["explain", "alpha:asker", "--json"])).unwrap();
    assert_eq!(x["explain"]["state"], "waiting", "{x:#}");
    assert_eq!(x["explain"]["decided_by"]["source"], "screen", "{x:#}");
    assert!(env.run(&["explain", "alpha:asker"]).contains("Proceed? [y/n]"), "the matched line");
    env.run(&["answer", "alpha:asker", "yes"]);
    common::wait_for("the answer arrived", Duration::from_secs(20), || {
        env.run(&["logs", "alpha:asker", "-n", "5"]).contains("answer=y")
    });
    // logs -f follows over the connection until the session ends.
    env.run(&["new", "--host", "alpha", "short", "--", "sh", "-c", "echo one; sleep 1; echo two"]);
    let followed = env.run(&["logs", "-f", "alpha:short"]);
    assert!(followed.contains("one") && followed.contains("two"), "{followed}");
    // reject on a finished session, with a note; then rm.
    wait_remote_state(&env, "alpha:short", "review");
    env.run(&["reject", "alpha:short", "--note", "redo \"it\""]);
    assert_eq!(remote_show(&env, "alpha:short")["decision"]["verdict"], "rejected");
    env.fail(&["rm", "alpha:asker"], 1);
    env.run(&["rm", "alpha:short"]);
    let err = env.fail(&["show", "alpha:short"], 1);
    assert!(err.contains("no session"), "{err}");
    // A wait that times out there is a timeout here (exit 124).
    let out = env.minder().args(["wait", "alpha:asker", "--until", "review", "--timeout", "1s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(124), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn attach_host_name_inside_tmux_opens_a_window_running_ssh_t_to_the_remote_attach() {
    let Some((env, mut hosts)) = setup(&["alpha"], 10, "10s") else { return };
    env.run(&["new", "here", "--", "sleep", "300"]);
    env.run(&["new", "--host", "alpha", "far", "--", "sleep", "300"]);
    let socket = env.tmux_out(&["display-message", "-p", "#{socket_path}"]).trim().to_string();
    let pid = env.server_pid().unwrap();
    let out = env.minder().env("TMUX", format!("{socket},{pid},0")).args(["attach", "alpha:far"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A window of the person's own server runs `ssh -t ... minder attach cmd-far`...
    let windows = env.tmux_out(&["list-windows", "-a", "-F", "#{window_name}"]);
    assert!(windows.lines().any(|w| w == "alpha:cmd-far"), "{windows}");
    // ...and the remote tmux server has a client on that session.
    let vars = hosts.host("alpha").vars(&env.vars());
    let clients = || {
        let out = Command::new(common::tmux_bin())
            .env_clear()
            .envs(vars.clone())
            .args(["-L", "remote-alpha", "list-clients", "-F", "#{session_name}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    common::wait_for("a client attached on the remote", Duration::from_secs(20), || clients().contains("cmd-far"));
}

fn status_segment(env: &Env) -> String {
    env.tmux_out(&["show-option", "-gqv", "@minder-status"]).trim_end().to_string()
}

#[test]
fn a_remote_change_reaches_the_local_status_line_within_two_seconds_and_a_dead_host_goes_stale() {
    let Some((env, mut hosts)) = setup(&["alpha"], 10, "5s") else { return };
    let told = env.path("told.log");
    let mut config = hosts.config_toml("5s", |_| None);
    config = format!(
        "[notify]\non = [\"review\"]\ncommand = [\"sh\", \"-c\", \"echo \\\"$MINDER_SESSION $MINDER_PREVIOUS_STATE>$MINDER_STATE: $MINDER_MESSAGE\\\" >> {}\"]\n\n{config}",
        told.display()
    );
    env.config(&config);
    env.run(&["new", "here", "--", "sleep", "300"]);
    env.run(&["new", "keep", "--", "sleep", "300"]);
    // The plugin's push at tmux start begins watching every host.
    env.run(&["status-line", "--push"]);
    remote_run(&env, &mut hosts, "alpha", &["new", "far", "--", "sh", "-c", "read -r x; echo done"]);
    common::wait_for("the remote agent on the status line", Duration::from_secs(10), || {
        status_segment(&env).contains("alpha:far")
    });
    assert!(status_segment(&env).contains("here"), "{}", status_segment(&env));
    // A remote change, timed: from the remote's own command to the local option.
    let start = Instant::now();
    remote_run(&env, &mut hosts, "alpha", &["send", "far", "go"]);
    common::wait_for("review reached the local status line", Duration::from_secs(10), || {
        status_segment(&env).contains("✓ alpha:far")
    });
    let took = start.elapsed();
    assert!(took <= Duration::from_secs(2), "a remote change took {took:?} to reach @minder-status");
    // [notify] ran here for the remote transition.
    common::wait_for("notified", Duration::from_secs(10), || {
        std::fs::read_to_string(&told)
            .is_ok_and(|t| t.contains("alpha:cmd-far working>review: alpha:cmd-far is done: review it"))
    });
    // A local transition keeps the remote agents in the segment.
    env.run(&["stop", "here"]);
    let seg = status_segment(&env);
    assert!(seg.contains("alpha:far") && !seg.contains(" here "), "{seg}");
    // The host dies: within the stale time the segment says so.
    hosts.host("alpha").stop();
    common::wait_for("the host shown stale", Duration::from_secs(30), || status_segment(&env).contains("alpha stale"));
    // It comes back: the watcher reconnects (with backoff) and its agents are shown again.
    hosts.host("alpha").start();
    common::wait_for("the host back on the status line", Duration::from_secs(45), || {
        let seg = status_segment(&env);
        seg.contains("alpha:far") && !seg.contains("stale")
    });
}

#[test]
fn review_without_a_name_covers_every_host_and_restore_brings_back_a_remote_session() {
    let Some((env, hosts)) = setup(&["alpha", "beta"], 10, "10s") else { return };
    env.run(&["new", "--host", "alpha", "done1", "--", "sh", "-c", "echo finished one"]);
    env.run(&["new", "--host", "beta", "live", "--", "sleep", "300"]);
    wait_remote_state(&env, "alpha:done1", "review");
    assert_eq!(remote_show(&env, "alpha:done1")["host"], "alpha");
    let v: Value = serde_json::from_str(&env.run(&["review", "--json"])).unwrap();
    let list = v["sessions"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v:#}");
    assert_eq!(list[0]["host"], "alpha", "{v:#}");
    let text = env.run(&["review"]);
    assert!(text.contains("── alpha ──") && text.contains("done1"), "{text}");
    assert!(!text.contains("── beta ──"), "{text}");

    // The remote tmux server dies: the session is lost there, and restore HOST:NAME brings it
    // back on that host's own server.
    let vars = hosts.hosts.iter().find(|h| h.name == "beta").unwrap().vars(&env.vars());
    let kill = Command::new(common::tmux_bin())
        .env_clear()
        .envs(vars)
        .args(["-L", "remote-beta", "kill-server"])
        .output()
        .unwrap();
    assert!(kill.status.success());
    wait_remote_state(&env, "beta:live", "lost");
    assert_eq!(env.run(&["restore", "beta:live"]).trim(), "cmd-live");
    wait_remote_state(&env, "beta:live", "working");
}

#[test]
fn a_remote_login_shell_of_fish_runs_the_fixed_command_and_nothing_else() {
    if !sshd::available() {
        return;
    }
    if !std::path::Path::new("/usr/bin/fish").exists() {
        common::missing_tool("fish is not installed: the fish login shell was not tried");
        return;
    }
    if !Hosts::can_change_login_shell() {
        common::missing_tool("root and unshare are needed to give sshd another login shell");
        return;
    }
    let env = Env::new();
    let hosts = Hosts::with_login_shell(&env, &["fishy"], 10, Some("/usr/bin/fish"));
    env.config(&hosts.config_toml("10s", |_| None));
    // The login shell there is fish indeed.
    let out = Command::new("ssh")
        .args(["-F", hosts.ssh_config().to_str().unwrap(), "-o", "BatchMode=yes", "fishy", "echo $version"])
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        version.starts_with(|c: char| c.is_ascii_digit()),
        "not fish: {version:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Text that means something else to fish (`(...)` substitution, `$`, quotes, `;`) reaches
    // the agent as typed: it travelled as data, never through fish.
    env.run(&["new", "--host", "fishy", "echo", "--", "bash", "-c", "while read -r l; do echo \"got: $l\"; done"]);
    wait_remote_state(&env, "fishy:echo", "working");
    let hostile = "(touch pwned) $HOME 'single' \"double\" ; and echo no";
    env.run(&["send", "fishy:echo", hostile]);
    common::wait_for("the text reached the agent behind fish", Duration::from_secs(20), || {
        env.run(&["logs", "fishy:echo"]).contains(&format!("got: {hostile}"))
    });
    let v = ls_json(&env);
    assert_eq!(host_status(&v, "fishy")["status"], "ok", "{v}");
    assert_eq!(on(&v, "fishy").len(), 1, "{v}");
}

#[test]
fn the_dash_lists_remote_agents_and_approves_one_through_the_host() {
    let Some((env, _hosts)) = setup(&["alpha"], 10, "10s") else { return };
    env.run(&["new", "here", "--", "sleep", "300"]);
    env.run(&["new", "--host", "alpha", "fin", "--", "sh", "-c", "echo done"]);
    wait_remote_state(&env, "alpha:fin", "review");
    // The dash in a pane of the test's own server.
    let script = env.path("dash.sh");
    common::write_script(&script, format!("#!/bin/sh\nexec '{}' dash\n", env!("CARGO_BIN_EXE_minder")));
    env.tmux_out(&["new-session", "-d", "-s", "dash", "-x", "120", "-y", "30", script.to_str().unwrap()]);
    let screen = || env.tmux_out(&["capture-pane", "-p", "-t", "=dash:"]);
    let wait_screen = |what: &str, cond: &dyn Fn(&str) -> bool| {
        let start = Instant::now();
        loop {
            let s = screen();
            if cond(&s) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let s = wait_screen("the remote row", &|s| s.contains("alpha:cmd-fin") && s.contains("cmd-here"));
    let row = s.lines().find(|l| l.contains("alpha:cmd-fin")).unwrap();
    assert!(row.contains("review"), "{s}");
    // Select it (it needs review: first in attention order), approve without a note.
    env.tmux_out(&["send-keys", "-t", "=dash:", "/"]);
    env.tmux_out(&["send-keys", "-t", "=dash:", "-l", "alpha:"]);
    env.tmux_out(&["send-keys", "-t", "=dash:", "Enter"]);
    env.tmux_out(&["send-keys", "-t", "=dash:", "a"]);
    wait_screen("the approve prompt", &|s| s.contains("approve alpha:cmd-fin"));
    env.tmux_out(&["send-keys", "-t", "=dash:", "Enter"]);
    let start = Instant::now();
    while remote_show(&env, "alpha:fin")["decision"]["verdict"] != "approved" {
        assert!(start.elapsed() < Duration::from_secs(20), "not approved; the dash shows:\n{}", screen());
        std::thread::sleep(Duration::from_millis(200));
    }
    wait_screen("the new state", &|s| s.lines().any(|l| l.contains("alpha:cmd-fin") && l.contains("approved")));
    env.tmux_out(&["send-keys", "-t", "=dash:", "q"]);
}

/// Undo: a host taken out of the config is no longer watched, even while it answers, and its
/// agents leave the local status line without anything else running.
#[test]
fn a_host_taken_out_of_the_config_stops_being_watched_and_leaves_the_status_line() {
    let Some((env, mut hosts)) = setup(&["alpha"], 10, "5s") else { return };
    // A local session: the local tmux server the status line lives on.
    env.run(&["new", "here", "--", "sleep", "300"]);
    remote_run(&env, &mut hosts, "alpha", &["new", "far", "--", "sleep", "300"]);
    env.run(&["status-line", "--push"]);
    common::wait_for("the remote agent on the status line", Duration::from_secs(15), || {
        status_segment(&env).contains("alpha:far")
    });
    let config = env.path("config").display().to_string();
    let watchers = || {
        let out = Command::new("pgrep")
            .args(["-f", "--", &format!("--config {config}/minder/config.toml.* _watch alpha")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    assert_eq!(watchers(), 1, "one watcher of alpha");
    env.config("");
    common::wait_for("the watcher of a host no longer configured ended", Duration::from_secs(20), || watchers() == 0);
    common::wait_for("the host's agents off the status line", Duration::from_secs(5), || {
        !status_segment(&env).contains("alpha")
    });
    assert!(!env.state_dir().join("hosts/alpha.json").exists(), "what the watcher heard is forgotten");
}

/// The master's liveness is asked on its socket as `ssh -O check` asks it, with no ssh process:
/// the real OpenSSH master answers with its pid; a wedged one (stopped) is dead within the
/// deadline; a killed one is dead at once.
#[test]
fn the_master_is_checked_on_its_socket_as_ssh_checks_it() {
    use minder::mux_check::{check, Alive};
    let Some((env, mut hosts)) = setup(&["alpha"], 10, "5s") else { return };
    remote_run(&env, &mut hosts, "alpha", &["new", "there", "--", "sleep", "300"]);
    assert_eq!(on(&ls_json(&env), "alpha").len(), 1);
    let socket = env.path("state/minder/ssh/alpha");
    let said = Command::new("ssh")
        .args(["-F", hosts.ssh_config().to_str().unwrap(), "-o", &format!("ControlPath={}", socket.display())])
        .args(["-O", "check", "alpha"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&said.stderr).to_string();
    let pid: u32 =
        said.split("pid=").nth(1).and_then(|r| r.split(')').next()).and_then(|p| p.parse().ok()).expect(&said);
    assert_eq!(check(&socket, Duration::from_secs(3)), Alive::Yes(pid));

    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    let start = Instant::now();
    let wedged = check(&socket, Duration::from_millis(500));
    unsafe { libc::kill(pid as i32, libc::SIGCONT) };
    assert_eq!(wedged, Alive::No);
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    assert_eq!(check(&socket, Duration::from_secs(3)), Alive::Yes(pid), "alive again once it runs");

    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    common::wait_for("the master gone", Duration::from_secs(10), || common::process_ended(pid as i32));
    assert_eq!(check(&socket, Duration::from_secs(3)), Alive::No);
    // And ls, finding it dead, makes a new one.
    assert_eq!(host_status(&ls_json(&env), "alpha")["status"], "ok");
    assert!(matches!(check(&socket, Duration::from_secs(3)), Alive::Yes(p) if p != pid));
}

/// Another machine's `ls` is answered by `_serve` itself, with what `minder ls --json` prints
/// there (with and without `--all`): the same sessions, in the same order, with the same fields.
#[test]
fn serve_answers_ls_as_ls_json_does() {
    let env = Env::new();
    env.run(&["new", "one", "--", "sleep", "300"]);
    env.run(&["new", "two", "--", "sleep", "300"]);
    env.run(&["new", "gone", "--", "sleep", "300"]);
    env.run(&["stop", "gone"]);
    let serve = |argv: &str| -> Value {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minder"))
            .arg("_serve")
            .env_clear()
            .envs(env.vars())
            .current_dir(env.work())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        let req = format!("{{\"protocol\":1,\"op\":\"run\",\"argv\":{argv}}}\n");
        child.stdin.take().unwrap().write_all(req.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let reply: Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(reply["exit"], 0, "{reply}");
        serde_json::from_str(reply["stdout"].as_str().unwrap()).unwrap()
    };
    // Fields that move with the clock aside, the two are the same.
    let strip = |mut v: Value| {
        for s in v["sessions"].as_array_mut().unwrap() {
            for (k, x) in s.as_object_mut().unwrap() {
                if k.ends_with("_for") || k.ends_with("_secs") || k == "age" {
                    *x = Value::Null;
                }
            }
        }
        v
    };
    let names = |v: &Value| v["sessions"].as_array().unwrap().iter().map(|s| s["name"].clone()).collect::<Vec<_>>();
    for (argv, args) in [
        ("[\"ls\",\"--json\"]", vec!["ls", "--json"]),
        ("[\"ls\",\"--json\",\"--all\"]", vec!["ls", "--json", "--all"]),
    ] {
        let served = serve(argv);
        let printed: Value = serde_json::from_str(&env.run(&args)).unwrap();
        assert_eq!(strip(served.clone()), strip(printed.clone()), "{argv}");
        assert_eq!(names(&served).len(), if args.len() == 3 { 3 } else { 2 }, "{served}");
    }
}

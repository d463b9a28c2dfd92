//! Sandbox and network policy, for real: agents wrapped in bubblewrap try to write outside
//! their directory and to reach a loopback server the test starts; minder keeps working inside
//! the fence (notify, checkpoints, the push gate, stop of the whole family); Codex and Claude
//! Code get their own flags; a policy that cannot hold is refused before anything starts; a
//! profile's own variables reach that agent alone and are never stored or logged.

use crate::common::{self, wait_for, Env, T};
use std::path::Path;

fn have_bwrap() -> bool {
    let ok = std::process::Command::new("bwrap")
        .args(["--ro-bind", "/", "/", "--dev", "/dev", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        common::missing_tool("bubblewrap (bwrap) that can make a namespace here");
    }
    ok
}

/// Start `sh -c SCRIPT` in `dir` under the given policy; its full name.
fn start(env: &Env, dir: &Path, name: &str, policy: &[&str], script: &str) -> String {
    let mut args = vec!["new", name];
    args.extend_from_slice(policy);
    args.extend(["--", "sh", "-c", script]);
    env.minder()
        .current_dir(dir)
        .args(&args)
        .output()
        .map(|o| {
            assert!(o.status.success(), "new {args:?}: {}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).unwrap().trim().to_string()
        })
        .unwrap()
}

fn log(env: &Env, name: &str) -> String {
    env.run(&["logs", name])
}

fn wait_log(env: &Env, name: &str, text: &str) -> String {
    let mut last = String::new();
    wait_for(&format!("`{text}` in the log of {name}"), T, || {
        last = log(env, name);
        last.contains(text)
    });
    last
}

#[test]
fn workspace_write_refuses_a_write_outside_the_dir_and_allows_one_inside() {
    if !have_bwrap() {
        return;
    }
    let env = Env::new();
    let dir = env.work().join("proj");
    std::fs::create_dir_all(&dir).unwrap();
    let outside = env.path("outside.txt");
    let script = format!(
        "echo in > inside.txt && echo wrote-inside; echo out > '{}' || echo outside-refused; touch \"$TMPDIR/t\" && echo tmp-ok; echo done-now",
        outside.display()
    );
    let name = start(&env, &dir, "w", &["--sandbox", "workspace-write"], &script);
    let text = wait_log(&env, &name, "done-now");
    assert!(text.contains("wrote-inside") && text.contains("outside-refused") && text.contains("tmp-ok"), "{text}");
    assert!(dir.join("inside.txt").exists());
    assert!(!outside.exists(), "the fence let a write out");
    let s = env.show(&name);
    assert_eq!((s["sandbox"].as_str(), s["network"].as_bool()), (Some("workspace-write"), Some(true)));
    assert_eq!(s["fenced_by"], "bubblewrap");
    // The review names the policy and the refusal the agent printed.
    env.wait_state(&name, "review", T);
    let review = env.run(&["review", &name]);
    assert!(review.contains("fence     sandbox workspace-write, network on (bubblewrap)"), "{review}");
    assert!(review.contains("refused") && review.contains("Read-only file system"), "{review}");
    let ls = env.run(&["ls"]);
    assert!(ls.contains("FENCE") && ls.contains("rw+net"), "{ls}");

    // The same script unfenced writes outside: the refusal above was the fence's.
    let name = start(&env, &dir, "free", &["--sandbox", "off"], &script);
    wait_log(&env, &name, "done-now");
    assert!(outside.exists(), "unfenced, the write outside works");
    assert_eq!(env.show(&name)["fenced_by"], "none");
}

#[test]
fn read_only_leaves_only_the_checkpoint_folder_writable() {
    if !have_bwrap() {
        return;
    }
    let env = Env::new();
    let dir = env.work().join("proj");
    std::fs::create_dir_all(&dir).unwrap();
    let script = "echo x > f.txt || echo dir-refused; printf -- '- [x] a\\n- [ ] b\\n' > \"$MINDER_DIR/PLAN.md\" && echo plan-ok; echo done-now; sleep 30";
    let name = start(&env, &dir, "ro", &["--sandbox", "read-only"], script);
    let text = wait_log(&env, &name, "done-now");
    assert!(text.contains("dir-refused") && text.contains("plan-ok"), "{text}");
    assert!(!dir.join("f.txt").exists());
    // The checkpoint written inside the fence is seen outside.
    wait_for("progress 1/2", T, || env.show(&name)["progress"] == serde_json::json!({"done": 1, "total": 2}));
    env.run(&["stop", &name]);
}

/// The tmux server outside would run any command it is asked to (`run-shell`): inside a fence
/// its socket is not there, neither by its path nor around through /proc/PID/root, whatever the
/// sandbox (a fence for the network alone too). Unfenced, the same script gets it run, which
/// shows the way was there to close.
#[test]
fn a_fenced_agent_cannot_have_tmux_run_a_command_outside() {
    if !have_bwrap() {
        return;
    }
    let env = Env::with_server(true);
    let dir = env.work().join("proj");
    std::fs::create_dir_all(&dir).unwrap();
    let socket = env.tmux_out(&["display-message", "-p", "#{socket_path}"]).trim().to_string();
    let server = env.tmux_out(&["display-message", "-p", "#{pid}"]).trim().to_string();
    let tried = |name: &str, policy: &[&str]| {
        let direct = env.path(&format!("{name}-direct"));
        let around = env.path(&format!("{name}-around"));
        let script = format!(
            "tmux run-shell 'touch {d}'; tmux -S /proc/{server}/root{socket} run-shell 'touch {a}'; echo done-now; sleep 30",
            d = direct.display(),
            a = around.display()
        );
        let full = start(&env, &dir, name, policy, &script);
        wait_log(&env, &full, "done-now");
        // run-shell runs in the background of the server: a moment to do it, if it was asked.
        std::thread::sleep(std::time::Duration::from_millis(300));
        env.run(&["stop", &full, "--force"]);
        (direct.exists(), around.exists())
    };
    assert_eq!(tried("ro", &["--sandbox", "read-only", "--network", "false"]), (false, false), "read-only");
    assert_eq!(tried("rw", &["--sandbox", "workspace-write"]), (false, false), "workspace-write");
    assert_eq!(tried("netonly", &["--sandbox", "off", "--network", "false"]), (false, false), "network only");
    let (direct, _) = tried("free", &["--sandbox", "off", "--network", "true"]);
    assert!(direct, "unfenced, tmux ran it: the test would see an escape");
}

/// A loopback server in the test's own network namespace: whether the agent's connection
/// reached it.
fn connect_attempt(env: &Env, policy: &[&str], task: &str) -> (String, bool) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = env.work();
    let script = format!(
        "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 5); print(\"connected\")' || echo connect-failed; echo done-now"
    );
    let name = start(env, &dir, task, policy, &script);
    let text = wait_log(env, &name, "done-now");
    let reached = listener.accept().is_ok();
    (text, reached)
}

#[test]
fn network_false_cuts_even_loopback_and_true_reaches_it() {
    if !have_bwrap() {
        return;
    }
    if std::process::Command::new("python3").arg("-V").output().is_err() {
        common::missing_tool("python3");
        return;
    }
    let env = Env::new();
    let (text, reached) = connect_attempt(&env, &["--sandbox", "workspace-write", "--network", "false"], "off");
    assert!(text.contains("connect-failed") && !text.contains("connected\n"), "{text}");
    assert!(!reached, "the server saw a connection from an agent without network");
    // Network off with no file sandbox still cuts the network.
    let (text, reached) = connect_attempt(&env, &["--sandbox", "off", "--network", "false"], "off2");
    assert!(text.contains("connect-failed") && !reached, "{text}");
    let (text, reached) = connect_attempt(&env, &["--sandbox", "workspace-write", "--network", "true"], "on");
    assert!(text.contains("connected"), "{text}");
    assert!(reached);
}

#[test]
fn notify_from_inside_the_fence_reaches_the_session() {
    if !have_bwrap() {
        return;
    }
    let env = Env::new();
    let exe = assert_cmd::cargo::cargo_bin("minder");
    let script = format!(
        "'{}' notify '{{\"type\":\"agent-turn-complete\",\"last-assistant-message\":\"hello from the fence\"}}' && echo notified; sleep 30",
        exe.display()
    );
    let name = start(&env, &env.work(), "n", &["--sandbox", "workspace-write", "--network", "false"], &script);
    let s = env.wait_state(&name, "waiting", T);
    assert_eq!(s["last_message"], "hello from the fence");
    assert_eq!(s["detail"], "input");
    // The state dir stays read-only inside: only the inbox was written, and it is emptied.
    let inbox = env.state_dir().join("sessions").join(&name).join("inbox");
    wait_for("the inbox emptied", T, || std::fs::read_dir(&inbox).unwrap().next().is_none());
    env.run(&["stop", &name]);
}

#[test]
fn stop_ends_the_whole_family_inside_the_fence() {
    if !have_bwrap() {
        return;
    }
    let env = Env::new();
    // `sleep` with a duration no other process has: how its processes are told apart.
    let secs = format!("1000.{}", std::process::id());
    let marker = format!("sleep\0{secs}\0");
    // A child that leaves its session and one that ignores hangups, as an agent's helpers may.
    let script = format!("setsid sleep {secs} & nohup sleep {secs} > /dev/null 2>&1 & echo started; sleep 600");
    let name = start(&env, &env.work(), "fam", &["--sandbox", "workspace-write"], &script);
    wait_log(&env, &name, "started");
    let ours = || -> usize {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
            .filter(|c| String::from_utf8_lossy(c) == marker)
            .count()
    };
    wait_for("both children running", T, || ours() == 2);
    env.run(&["stop", &name]);
    assert_eq!(env.state(&name), "stopped");
    wait_for("no child left", T, || ours() == 0);
}

#[test]
fn the_push_gate_holds_inside_the_fence_and_commits_work() {
    if !have_bwrap() {
        return;
    }
    let env = Env::new();
    let repo = common::repo_with_remote(&env);
    let before = common::git(&repo, &["ls-remote", "origin"]);
    // A worktree: its objects and refs live in the main repository's .git, outside the dir.
    let script = "echo change > f.txt && git add f.txt && git commit -qm change && echo committed; git push origin HEAD:refs/heads/sneak; echo push-rc=$?; echo done-now; sleep 30";
    let out = env
        .minder()
        .current_dir(&repo)
        .args(["new", "g", "-w", "--sandbox", "workspace-write", "--network", "false", "--", "sh", "-c", script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let text = wait_log(&env, &name, "done-now");
    assert!(text.contains("committed"), "{text}");
    assert!(text.contains("push refused") && !text.contains("push-rc=0"), "{text}");
    assert_eq!(common::git(&repo, &["ls-remote", "origin"]), before, "nothing reached the remote");
    // The refusal is in the review, though the state dir is read-only inside the fence.
    let review: serde_json::Value = serde_json::from_str(&env.run(&["review", &name, "--json"])).unwrap();
    let events = review["review"]["events"].as_array().cloned().unwrap_or_default();
    assert!(events.iter().any(|e| e["kind"] == "push refused"), "{review}");
    env.run(&["stop", &name]);
}

#[test]
fn a_policy_that_cannot_hold_is_refused_before_anything_starts() {
    let env = Env::new();
    // No bubblewrap on this machine (as MINDER_BWRAP="" says).
    let out = env
        .minder()
        .env("MINDER_BWRAP", "")
        .args(["new", "x", "--sandbox", "workspace-write", "--", "sh", "-c", "sleep 5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs bubblewrap") && err.contains("apt-get install bubblewrap"), "{err}");
    assert!(env.ls(true).is_empty(), "nothing was started");
    // Claude Code's sandbox needs bubblewrap and socat.
    let bin = fake_agent(&env, "claude");
    let out = env
        .minder()
        .env("MINDER_BWRAP", "")
        .env("PATH", path_with(&bin))
        .args(["new", "c", "-a", "claude", "--sandbox", "workspace-write"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("socat") && err.contains("sandbox = \\\"off\\\"")
            || err.contains("sandbox = \"off\""),
        "{err}"
    );
    // aider reaches its model over the network: network = false would cut it off.
    env.config(
        "[agents.aider]\ncommand = [\"sh\", \"-c\", \"sleep 5\"]\nsandbox = \"workspace-write\"\nnetwork = false\n",
    );
    let err = env.fail(&["new", "a", "-a", "aider"], 1);
    // The command is not `aider` itself here, so minder cannot know it needs the network:
    // it starts unless bubblewrap is missing; the built-in aider is refused.
    let _ = err;
    env.config("[agents.aider]\nsandbox = \"workspace-write\"\nnetwork = false\n");
    let bin = fake_agent(&env, "aider");
    let out = env.minder().env("PATH", path_with(&bin)).args(["new", "a2", "-a", "aider"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("network = true"), "{err}");
    // Codex's read-only sandbox has no network to give.
    let bin = fake_agent(&env, "codex");
    let out = env
        .minder()
        .env("PATH", path_with(&bin))
        .args(["new", "k", "-a", "codex", "--sandbox", "read-only", "--network", "true"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("read-only sandbox has no network"), "{err}");
    assert!(env.ls(true).is_empty(), "nothing was started");
}

/// A stand-in for an agent program: a script named `prog` that writes its argv, one word per
/// line, to `<work>/<prog>.argv` (whole: written aside, then renamed, so a reader never finds
/// it half written) and waits.
fn fake_agent(env: &Env, prog: &str) -> std::path::PathBuf {
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let out = env.path("").join(format!("{prog}.argv"));
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{out}.part'\nmv '{out}.part' '{out}'\necho \"{prog} ready\"\nsleep 60\n",
        out = out.display()
    );
    let path = bin.join(prog);
    common::write_script(&path, script);
    bin
}

fn path_with(bin: &Path) -> String {
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

#[test]
fn codex_and_claude_are_launched_with_their_own_sandbox_flags() {
    let env = Env::new();
    let bin = fake_agent(&env, "codex");
    fake_agent(&env, "claude");
    let argv = |prog: &str| -> Vec<String> {
        let file = env.path(&format!("{prog}.argv"));
        wait_for(&format!("{prog} started"), T, || file.exists());
        std::fs::read_to_string(file).unwrap().lines().map(str::to_string).collect()
    };
    let out = env.minder().env("PATH", path_with(&bin)).args(["new", "k", "-a", "codex"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let a = argv("codex");
    // The default: Codex's own workspace-write sandbox, commands without network.
    let at = a.iter().position(|w| w == "-s").expect("-s given");
    assert_eq!(a[at + 1], "workspace-write");
    assert!(a.windows(2).any(|w| w == ["-c", "sandbox_workspace_write.network_access=false"]), "{a:?}");
    let s = env.show(&name);
    assert_eq!(
        (s["sandbox"].as_str(), s["network"].as_bool(), s["fenced_by"].as_str()),
        (Some("workspace-write"), Some(false), Some("codex"))
    );
    env.run(&["stop", &name, "--force"]);

    std::fs::remove_file(env.path("codex.argv")).unwrap();
    let out = env
        .minder()
        .env("PATH", path_with(&bin))
        .args(["new", "k2", "-a", "codex", "--sandbox", "read-only", "--network", "false"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = argv("codex");
    assert!(
        a.windows(2).any(|w| w == ["-s", "read-only"]) && !a.iter().any(|w| w.starts_with("sandbox_workspace")),
        "{a:?}"
    );

    // Claude Code: off by default (its sandbox needs bubblewrap and socat); asked for, its
    // settings carry the sandbox, when this machine has what it needs.
    let out = env.minder().env("PATH", path_with(&bin)).args(["new", "c", "-a", "claude"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = argv("claude");
    let settings: serde_json::Value =
        serde_json::from_str(&a[a.iter().position(|w| w == "--settings").unwrap() + 1]).unwrap();
    assert!(settings.get("sandbox").is_none() && settings["hooks"]["Stop"].is_array(), "{settings}");
    let socat = std::process::Command::new("socat").arg("-V").output().is_ok();
    if !socat {
        common::missing_tool("socat (Claude Code's sandbox needs it): its settings were not checked");
    }
    if socat && have_bwrap() {
        std::fs::remove_file(env.path("claude.argv")).unwrap();
        let out = env
            .minder()
            .env("PATH", path_with(&bin))
            .args(["new", "c2", "-a", "claude", "--sandbox", "workspace-write", "--network", "false"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let a = argv("claude");
        let settings: serde_json::Value =
            serde_json::from_str(&a[a.iter().position(|w| w == "--settings").unwrap() + 1]).unwrap();
        let sb = &settings["sandbox"];
        assert_eq!(
            (sb["enabled"].as_bool(), sb["failIfUnavailable"].as_bool()),
            (Some(true), Some(true)),
            "{settings}"
        );
        assert_eq!(sb["network"]["allowedDomains"], serde_json::json!([]));
    }
}

#[test]
fn a_profiles_own_variables_reach_that_agent_alone_and_are_never_stored() {
    let env = Env::new();
    let secret = "tok-8f3e21c9a7d54b60";
    // The agent prints its variables and their lengths: the values are masked in the log, the
    // lengths prove it got them.
    let filed = "filed-5b9c0e7a2d41";
    std::fs::create_dir_all(env.path("config/minder")).unwrap();
    std::fs::write(env.path("config/minder/agent.env"), format!("# mine\nFILED_SECRET={filed}\n")).unwrap();
    env.config(&format!(
        "[agents.mine]\ncommand = [\"sh\", \"-c\", \"echo token=$MY_TOKEN filed=$FILED_SECRET lengths=${{#MY_TOKEN}},${{#FILED_SECRET}}; echo done-now; sleep 30\"]\nenv = {{ MY_TOKEN = \"{secret}\" }}\nenv_file = \"agent.env\"\n"
    ));
    let name = env.run(&["new", "s", "-a", "mine"]).trim().to_string();
    let text = wait_log(&env, &name, "done-now");
    // The agent got both; the log shows neither.
    assert!(text.contains("token=") && !text.contains(secret) && !text.contains(filed), "{text}");
    assert!(text.contains("lengths=20,18"), "the agent got its variables: {text}");
    let raw = env.run(&["logs", &name, "--raw"]);
    assert!(!raw.contains(secret) && !raw.contains(filed), "{raw}");
    // Nowhere in the state dir's records and events.
    let root = env.state_dir().join("sessions").join(&name);
    for f in ["session.json", "events.jsonl"] {
        let t = std::fs::read_to_string(root.join(f)).unwrap();
        assert!(!t.contains(secret) && !t.contains(filed), "{f}: {t}");
    }
    let shown = env.run(&["show", &name, "--json"]);
    assert!(!shown.contains(secret), "{shown}");
    // Another session does not get them.
    let other = start(&env, &env.work(), "other", &[], "echo other-token=[$MY_TOKEN]; echo done-now; sleep 30");
    let text = wait_log(&env, &other, "done-now");
    assert!(text.contains("other-token=[]"), "{text}");
    for n in [&name, &other] {
        env.run(&["stop", n]);
    }
}

#[test]
fn a_commit_made_inside_the_fence_in_a_shared_checkout_counts_as_the_agents() {
    if !have_bwrap() {
        return;
    }
    let env = Env::new();
    let repo = common::repo(&env);
    let script = "echo change > f.txt && git add f.txt && git commit -qm 'agent change' && echo committed; sleep 30";
    let out = env
        .minder()
        .current_dir(&repo)
        .args(["new", "shared", "--sandbox", "workspace-write", "--", "sh", "-c", script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    wait_log(&env, &name, "committed");
    let head = common::git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    // The hook noted it in the inbox; the sink, outside, puts it in the record.
    let mut review = serde_json::Value::Null;
    wait_for("the commit counted as the agent's", T, || {
        review = serde_json::from_str(&env.run(&["review", &name, "--json"])).unwrap();
        review["review"]["commits"].as_array().is_some_and(|c| c.iter().any(|c| c["commit"] == head.as_str()))
    });
    assert!(review["review"]["others_commits"].as_array().is_none_or(|c| c.is_empty()), "{review}");
    env.run(&["stop", &name]);
}

/// A profile whose env_file cannot be read stops `new` before anything is made, and says which
/// file of which profile.
#[test]
fn an_unreadable_env_file_stops_new_before_anything_is_made() {
    let env = Env::new();
    env.config("[agents.mine]\ncommand = [\"sleep\", \"30\"]\nenv_file = \"missing.env\"\n");
    let out = env.minder().args(["new", "s", "-a", "mine"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read env_file") && err.contains("missing.env") && err.contains("`mine`"), "{err}");
    let sessions = env.state_dir().join("sessions");
    let left: Vec<_> =
        std::fs::read_dir(&sessions).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    assert!(!env.run(&["ls", "--json"]).contains("mine-s"));
}

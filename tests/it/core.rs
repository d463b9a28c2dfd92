//! The core issue's behaviour against a real tmux server: create, list, show, logs, send,
//! stop, rm, naming, hostile input, concurrency, permissions.

use crate::common::{self, agent, wait_for, within, Env, T};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

#[test]
fn exit_zero_is_review_nonzero_is_failed_with_the_code() {
    let env = Env::new();
    assert_eq!(env.run(&["new", "good", "--", "sh", "-c", "echo fine"]).trim(), "cmd-good");
    assert_eq!(env.run(&["new", "bad", "--", "sh", "-c", "echo broken; exit 3"]).trim(), "cmd-bad");
    let good = env.wait_state("good", "review", T);
    assert_eq!(good["exit_code"], 0);
    assert!(good["ended_at"].is_string());
    let bad = env.wait_state("bad", "failed", T);
    assert_eq!(bad["exit_code"], 3);
    assert_eq!(bad["detail"], "3");
    // Output printed right before a fast exit is logged from the first byte.
    assert_eq!(env.run(&["logs", "good"]), "fine\n");
    assert_eq!(env.run(&["logs", "bad"]), "broken\n");
    let events: Vec<String> =
        good["events"].as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap().to_string()).collect();
    assert_eq!(events, ["working", "review"]);
    assert_eq!(good["events"][1]["source"], "exit");
}

#[test]
fn killed_by_a_signal_is_failed() {
    let env = Env::new();
    let pidfile = env.path("agent.pid");
    let script = format!("echo $$ > '{}'; echo up; exec sleep 30", pidfile.display());
    env.run(&["new", "victim", "--", "sh", "-c", &script]);
    wait_for("agent pid", T, || std::fs::read_to_string(&pidfile).map(|s| s.ends_with('\n')).unwrap_or(false));
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    std::process::Command::new("kill").args(["-KILL", pid.trim()]).status().unwrap();
    let s = env.wait_state("victim", "failed", T);
    assert_eq!(s["detail"], "SIGKILL");
}

#[test]
fn json_has_the_contract_fields() {
    let env = Env::new();
    let out = env.run(&["new", "j", "--json", "--", "sleep", "30"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let s = &v["session"];
    for key in [
        "name",
        "task",
        "agent",
        "state",
        "detail",
        "dir",
        "command",
        "created_at",
        "last_activity_at",
        "ended_at",
        "exit_code",
        "progress",
        "log",
        "checkpoint_dir",
        "last_message",
        "worktree",
    ] {
        assert!(s.get(key).is_some(), "missing {key} in {s:#}");
    }
    assert_eq!(s["name"], "cmd-j");
    assert_eq!(s["task"], "j");
    assert_eq!(s["agent"], "cmd");
    assert_eq!(s["command"], serde_json::json!(["sleep", "30"]));
    let list = env.ls(false);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "working");
    let show = env.show("j");
    assert!(show["events"].is_array() && show["checkpoints"].is_array());
    chrono::DateTime::parse_from_rfc3339(show["created_at"].as_str().unwrap()).unwrap();
}

#[test]
fn argv_after_dashes_reaches_the_agent_unchanged() {
    // Without a server, `new`'s call starts one (the words in tmux's argv); with one up, `new`'s
    // early client reads them in tmux's command language on stdin.
    for server_up in [false, true] {
        argv_reaches_the_agent_unchanged(server_up);
    }
}

fn argv_reaches_the_agent_unchanged(server_up: bool) {
    let env = Env::with_server(server_up);
    let args = [
        "plain",
        "two words",
        "trailing;",
        ";",
        "a;b",
        "$(touch pwned)",
        "`touch pwned2`",
        "#{pane_id}",
        "%Y %%",
        "tab\there",
        "ünïcødé ✓",
        "",
        "'single'",
        "\"double\"",
        "back\\slash\\;",
        "~/home $HOME ${HOME} \\012 \\e",
        "{ } {",
        "new\n    line\n# not a comment\n%if 1",
        "-n",
        "--",
    ];
    let mut cmd = vec!["new", "args", "--", agent("printargs.sh").leak() as &str];
    cmd.extend(args.iter());
    env.minder().args(&cmd).env("FROM_CALLER", "caller-env-reaches-agent").assert().success();
    env.wait_state("args", "review", T);
    // Raw: the clean view would expand the tab, as a terminal does.
    let log = env.run(&["logs", "args", "--raw"]).replace("\r\n", "\n");
    let expected: String = args.iter().map(|a| format!("<{a}>\n")).collect();
    assert!(log.starts_with(&expected), "log:\n{log}\nexpected:\n{expected}");
    assert!(log.contains(&format!("cwd={}", env.work().canonicalize().unwrap().display())), "{log}");
    assert!(log.contains("session=cmd-args dir="), "{log}");
    assert!(log.contains("secret_env=caller-env-reaches-agent"), "{log}");
    assert!(!env.work().join("pwned").exists() && !env.work().join("pwned2").exists());
}

/// The tmux client `new` starts before its command line is parsed (for the server the
/// environment names) does the call when it is for that server, and is closed or killed unused
/// when the command line names another: it never outlives `new`, and nothing happens on the
/// wrong server. Both clients: the binary's (`MINDER_TMUX`: `tmux source-file -`, a process to
/// look for) and the one over the socket (in minder's own process).
#[test]
fn the_client_new_starts_early_ends_with_it_and_acts_only_on_its_server() {
    for binary in [true, false] {
        let env = Env::with_server(true);
        let real = common::tmux_path();
        let minder = |args: &[&str]| {
            let mut cmd = env.minder();
            if binary {
                cmd.env("MINDER_TMUX", &real);
            } else {
                cmd.env_remove("MINDER_TMUX");
            }
            cmd.args(args).output().unwrap()
        };
        let clients = || {
            env.processes().into_iter().filter(|(_, argv)| argv.iter().any(|w| w == "source-file")).collect::<Vec<_>>()
        };
        assert!(minder(&["new", "here", "--", "sleep", "30"]).status.success());
        assert!(clients().is_empty(), "{:?}", clients());
        // The second server is killed however the test ends (Env kills only its own).
        struct Elsewhere<'a>(&'a Env);
        impl Drop for Elsewhere<'_> {
            fn drop(&mut self) {
                self.0.minder_tmux_on("elsewhere", &["kill-server"]);
            }
        }
        let _elsewhere = Elsewhere(&env);
        assert!(minder(&["-L", "elsewhere", "new", "there", "--", "sleep", "30"]).status.success());
        assert!(clients().is_empty(), "{:?}", clients());
        let sessions = |out: std::process::Output| {
            String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect::<Vec<_>>()
        };
        assert_eq!(sessions(env.tmux(&["list-sessions", "-F", "#{session_name}"])), ["cmd-here", "keeper"]);
        assert_eq!(
            sessions(env.minder_tmux_on("elsewhere", &["list-sessions", "-F", "#{session_name}"])),
            ["cmd-there"]
        );
        // A `new` that fails before tmux is asked leaves no client either.
        assert_eq!(minder(&["new", "here", "--", "sleep", "30"]).status.code(), Some(1));
        assert!(clients().is_empty(), "{:?}", clients());
    }
}

/// With `tmux` from PATH, minder hands its commands to a running server over the server's
/// socket (tmux's client protocol) and runs the binary only where that cannot be done: to start
/// the server. What tmux answers reaches minder the same either way: its errors, and the
/// environment a new session takes from the caller (`update-environment`).
#[test]
fn commands_go_over_the_socket_and_the_binary_only_starts_the_server() {
    let env = Env::new();
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = env.path("tmux-calls");
    let real = common::tmux_path();
    let wrapper = bin.join("tmux");
    std::fs::write(&wrapper, format!("#!/bin/sh\necho \"$*\" >> '{}'\nexec '{real}' \"$@\"\n", calls.display()))
        .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let minder = |args: &[&str], binary: bool| {
        let mut cmd = env.minder();
        cmd.env("PATH", &path).env("SSH_AUTH_SOCK", "/from/the/caller");
        if binary {
            cmd.env("MINDER_TMUX", &wrapper);
        } else {
            cmd.env_remove("MINDER_TMUX");
        }
        cmd.args(args).output().unwrap()
    };
    let ok = |args: &[&str], binary: bool| {
        let out = minder(args, binary);
        assert!(out.status.success(), "minder {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let called = || std::fs::read_to_string(&calls).unwrap_or_default();

    ok(&["new", "first", "--", "sleep", "30"], false);
    assert!(called().contains("new-session"), "no server yet: the binary starts it\n{}", called());
    let before = called();
    ok(&["new", "second", "--", "sleep", "30"], false);
    assert!(ok(&["ls"], false).contains("cmd-second"));
    ok(&["show", "second"], false);
    ok(&["send", "second", "hello"], false);
    ok(&["stop", "second"], false);
    ok(&["rm", "--force", "second"], false);
    assert_eq!(called(), before, "with a server up, no tmux process is started");

    // A session minder did not make holds the name: tmux's own error, through either client.
    env.tmux(&["new-session", "-d", "-s", "cmd-taken", "sleep", "30"]);
    for binary in [false, true] {
        let out = minder(&["new", "taken", "--", "sleep", "30"], binary);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("a tmux session named `cmd-taken` already exists"), "binary {binary}: {stderr}");
    }
    assert!(called().len() > before.len(), "MINDER_TMUX is run for every call");

    // The caller's environment reaches tmux whole: `update-environment` takes SSH_AUTH_SOCK.
    ok(&["new", "third", "--", "sleep", "30"], true);
    ok(&["new", "fourth", "--", "sleep", "30"], false);
    for session in ["=cmd-third", "=cmd-fourth"] {
        let shown = env.tmux(&["show-environment", "-t", session, "SSH_AUTH_SOCK"]);
        assert_eq!(String::from_utf8_lossy(&shown.stdout).trim(), "SSH_AUTH_SOCK=/from/the/caller", "{session}");
    }
}

#[test]
fn hostile_names_are_slugged_and_never_executed() {
    let env = Env::new();
    let hostile = [
        ("a;b", "cmd-a-b"),
        ("$(touch pwned)", "cmd-touch-pwned"),
        ("`touch pwned2`", "cmd-touch-pwned2"),
        ("it's \"quoted\"", "cmd-it-s-quoted"),
        ("#{pane_id}%Y", "cmd-pane_id-Y"),
        ("tab\there", "cmd-tab-here"),
        ("ünï.cødé:x", "cmd-uni-code-x"),
    ];
    for (name, full) in hostile {
        assert_eq!(env.run(&["new", name, "--", "sleep", "30"]).trim(), full, "name {name:?}");
        assert_eq!(
            env.tmux_out(&["display-message", "-p", "-t", &format!("={full}:"), "#{session_name}"]).trim(),
            full
        );
    }
    let long = "x".repeat(300);
    let name = env.run(&["new", &long, "--", "sleep", "30"]);
    assert!(name.trim().len() <= 64, "{name}");
    let err = env.fail(&["new", "✓✓✓", "--", "sleep", "1"], 2);
    assert!(err.starts_with("error: the name `✓✓✓` has no usable characters"), "{err}");
    let err = env.fail(&["new", "", "--", "sleep", "1"], 2);
    assert!(err.contains("no usable characters"), "{err}");
    assert!(!env.work().join("pwned").exists() && !env.work().join("pwned2").exists());
    // A directory with format characters still works (-c is expanded as a format).
    let odd = env.work().join("dir #{x} %Y ~ $HOME 'q\" ;{}\n  # x");
    std::fs::create_dir_all(&odd).unwrap();
    env.run(&["new", "odd", "-C", odd.to_str().unwrap(), "--", agent("printargs.sh").as_str()]);
    env.wait_state("odd", "review", T);
    let log = env.run(&["logs", "odd", "--raw"]).replace("\r\n", "\n");
    assert!(log.contains(&format!("cwd={}\n", odd.canonicalize().unwrap().display())), "{log}");
}

/// `ls` puts the sessions that need a person first (waiting, review, then the rest), says how
/// long each has been in its state, and writes a directory under home with `~`; `--json`
/// lists in the same order.
#[test]
fn ls_lists_in_attention_order_with_the_time_in_state_and_a_short_place() {
    let env = Env::new();
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\n");
    let proj = env.path("home/src/app");
    std::fs::create_dir_all(&proj).unwrap();
    env.run(&["new", "-C", proj.to_str().unwrap(), "busy", "--", "sleep", "60"]);
    env.run(&["new", "done", "--", "true"]);
    env.wait_state("done", "review", T);
    env.run(&["new", "asks", "-a", "scripted", "--", agent("approver.sh").as_str()]);
    env.wait_state("asks", "waiting", T);
    let names: Vec<String> = env.ls(false).iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["scripted-asks", "cmd-done", "cmd-busy"]);
    let table = env.run(&["ls"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "STATE", "FOR", "ACTIVE", "PLAN", "WHERE"],
        "{table}"
    );
    assert!(lines[1].starts_with("scripted-asks") && lines[1].contains("waiting (approval)"), "{table}");
    assert!(lines[2].starts_with("cmd-done") && lines[2].contains("review"), "{table}");
    assert!(lines[3].starts_with("cmd-busy") && lines[3].trim_end().ends_with("~/src/app"), "{table}");
    let seconds = lines[3].split_whitespace().nth(2).unwrap();
    assert!(seconds.ends_with('s') && seconds[..seconds.len() - 1].parse::<u32>().is_ok(), "{table}");
    assert!(lines.iter().all(|l| l.chars().count() <= 80), "a row fits 80 columns:\n{table}");
}

#[test]
fn names_resolve_exact_then_task_then_unique_prefix() {
    let env = Env::new();
    env.run(&["new", "foo", "--", "sleep", "30"]);
    env.run(&["new", "foobar", "--", "sleep", "30"]);
    assert_eq!(env.show("foo")["name"], "cmd-foo");
    assert_eq!(env.show("cmd-foo")["name"], "cmd-foo");
    assert_eq!(env.show("foob")["name"], "cmd-foobar");
    let err = env.fail(&["show", "fo"], 1);
    assert!(err.contains("cmd-foo") && err.contains("cmd-foobar"), "{err}");
    let err = env.fail(&["show", "nothing"], 1);
    assert_eq!(err, "error: no session `nothing` (see `minder ls`)\n");
    // A taken name is refused when given explicitly.
    let err = env.fail(&["new", "foo", "--", "sleep", "1"], 1);
    assert!(err.contains("`cmd-foo` already exists"), "{err}");
}

#[test]
fn never_touches_sessions_it_did_not_create() {
    let env = Env::new();
    env.run(&["new", "mine", "--", "sleep", "30"]);
    env.tmux_out(&["new-session", "-d", "-s", "cmd-theirs", "sleep", "30"]);
    let names: Vec<String> = env.ls(true).iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["cmd-mine"]);
    env.fail(&["show", "theirs"], 1);
    let err = env.fail(&["new", "theirs", "--", "sleep", "1"], 1);
    assert!(err.contains("minder did not create"), "{err}");
    assert!(env.tmux(&["has-session", "-t", "=cmd-theirs"]).status.success());
}

#[test]
fn send_delivers_text_exactly() {
    let env = Env::new();
    let sink = env.path("received.txt");
    env.run(&["new", "rd", "--", agent("reader.sh").as_str(), sink.to_str().unwrap()]);
    wait_for("reader prompt", T, || env.capture("cmd-rd").contains("ready>"));
    let long = "0123456789".repeat(300);
    let texts =
        ["hello world", "ends with;", "a;b", "-n", "#{pane_id} %Y $(id) `id`", "tab\there", "ünïcødé ✓", long.as_str()];
    for t in texts {
        env.run(&["send", "rd", t]);
    }
    // Words are joined by spaces.
    env.run(&["send", "rd", "several", "words"]);
    let expected: String = texts.iter().chain(["several words"].iter()).map(|t| format!("[{t}]\n")).collect();
    wait_for("all lines received", T, || std::fs::read_to_string(&sink).map(|s| s == expected).unwrap_or(false));
}

/// `send --key` presses tmux keys by name (no Enter of its own); a word that is not a key name
/// is refused before anything is sent.
#[test]
fn send_key_presses_named_keys() {
    let env = Env::new();
    let sink = env.path("received.txt");
    env.run(&["new", "rd", "--", agent("reader.sh").as_str(), sink.to_str().unwrap()]);
    wait_for("reader prompt", T, || env.capture("cmd-rd").contains("ready>"));
    // Type "ab", erase the b, type c, then Enter: the shell's line editing sees real keys.
    env.run(&["send", "rd", "--key", "a", "--key", "b", "--key", "BSpace", "--key", "c", "--key", "Enter"]);
    wait_for("the keys as a line", T, || std::fs::read_to_string(&sink).map(|s| s == "[ac]\n").unwrap_or(false));
    let err = env.fail(&["send", "rd", "--key", "hello"], 2);
    assert!(err.contains("not a tmux key name"), "{err}");
    let err = env.fail(&["send", "rd", "--key", "Enter", "text"], 2);
    assert!(err.contains("cannot be used with"), "{err}");
    // A pause on purpose: a key sent by a refused command would arrive in it.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(std::fs::read_to_string(&sink).unwrap(), "[ac]\n", "nothing was sent by the refused ones");
}

#[test]
fn multi_line_text_goes_through_a_paste() {
    let env = Env::new();
    let sink = env.path("received.txt");
    env.run(&["new", "rd", "--", agent("reader.sh").as_str(), sink.to_str().unwrap()]);
    wait_for("reader prompt", T, || env.capture("cmd-rd").contains("ready>"));
    env.run(&["send", "rd", "first line\nsecond; line"]);
    wait_for("both lines", T, || {
        std::fs::read_to_string(&sink).map(|s| s == "[first line]\n[second; line]\n").unwrap_or(false)
    });
    // Exactly as typed: tmux's parser drops the blanks that open a quoted line and a line that
    // starts with `#`, and expands `~` and `$`, unless minder's quoting keeps them from it.
    std::fs::write(&sink, "").unwrap();
    env.run(&["send", "rd", "~/first $HOME\n    indented\n\t# heading\n#{pane_id} \\ \"q\" '"]);
    let want = "[~/first $HOME]\n[    indented]\n[\t# heading]\n[#{pane_id} \\ \"q\" ']\n";
    let got = || std::fs::read_to_string(&sink).unwrap_or_default();
    assert!(within(T, || got() == want), "sent {want:?}, the agent read {:?}", got());
}

#[test]
fn stop_ends_an_agent_that_ignores_signals_within_the_grace_period() {
    let env = Env::new();
    env.config("[agents.cmd]\nstop_grace = \"1s\"\n");
    env.run(&["new", "stub", "--", agent("stubborn.sh").as_str()]);
    wait_for("agent running", T, || env.run(&["logs", "stub"]).contains("stubborn agent running"));
    let pane_pid: i32 =
        env.tmux_out(&["display-message", "-p", "-t", "=cmd-stub:", "#{pane_pid}"]).trim().parse().unwrap();
    let start = std::time::Instant::now();
    let out = env.minder().args(["stop", "stub"]).output().unwrap();
    assert!(out.status.success());
    assert!(start.elapsed() < Duration::from_secs(4), "stop took {:?}", start.elapsed());
    // It says what it does while the agent keeps it waiting.
    let said = String::from_utf8_lossy(&out.stderr);
    let steps: Vec<&str> = said.lines().collect();
    assert!(steps[0].starts_with("cmd-stub: sent the interrupt (C-c); SIGTERM in 0.6s"), "{said}");
    assert!(steps[1].starts_with("cmd-stub: sent SIGTERM; SIGKILL in 0."), "{said}");
    assert_eq!(steps[2], "cmd-stub: sent SIGKILL", "{said}");
    assert!(steps[3].starts_with("stopped `cmd-stub`"), "{said}");
    let s = env.show("stub");
    assert_eq!(s["state"], "stopped");
    assert!(!env.tmux(&["has-session", "-t", "=cmd-stub"]).status.success());
    // SAFETY: signal 0 only checks whether the process exists (tmux reaps it a moment later).
    wait_for("agent gone", Duration::from_secs(2), || unsafe { libc::kill(pane_pid, 0) } != 0);
    assert!(env.run(&["logs", "stub"]).contains("stubborn agent running"), "logs kept");
    // Stopped sessions leave the default list but stay on disk.
    assert!(env.ls(false).is_empty());
    assert_eq!(env.ls(true).len(), 1);
}

/// `stop`, `rm --force` and the agent's own exit end what it left running in other sessions
/// and groups (`setsid`, `nohup`, a double fork, one that ignores SIGTERM), not only its group.
#[test]
fn the_agents_whole_family_ends_with_it() {
    let env = Env::new();
    env.config("[agents.cmd]\nstop_grace = \"1s\"\n");
    for (task, how) in [("stopped", "stay"), ("removed", "stay"), ("exited", "exit")] {
        let pids_file = env.path(&format!("{task}.pids"));
        env.run(&["new", task, "--", agent("family.sh").as_str(), pids_file.to_str().unwrap(), how]);
        wait_for("the family started", T, || env.run(&["logs", task]).contains("family running"));
        let pids: Vec<i32> = std::fs::read_to_string(&pids_file).unwrap().lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(pids.len(), 4, "{pids:?}");
        match task {
            "stopped" => {
                env.run(&["stop", task]);
                assert_eq!(env.state(task), "stopped");
            }
            "removed" => {
                env.run(&["rm", "--force", task]);
            }
            _ => {
                env.wait_state(task, "review", T);
            }
        }
        wait_for(&format!("{task}: every member of the family gone"), Duration::from_secs(6), || {
            pids.iter().all(|&p| common::process_ended(p))
        });
    }
}

/// The agent's tmux window is named after its profile, not after minder's supervisor.
#[test]
fn the_window_is_named_after_the_agent() {
    let env = Env::new();
    env.run(&["new", "win", "--", "sleep", "30"]);
    env.run(&["new", "-a", "demo", "dw"]);
    assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=cmd-win:", "#{window_name}"]).trim(), "cmd");
    assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=demo-dw:", "#{window_name}"]).trim(), "demo");
}

#[test]
fn rm_refuses_a_live_session_without_force() {
    let env = Env::new();
    env.run(&["new", "live", "--", "sleep", "30"]);
    let err = env.fail(&["rm", "live"], 1);
    assert!(err.contains("still running"), "{err}");
    env.run(&["rm", "--force", "live"]);
    assert!(env.ls(true).is_empty());
    assert!(!env.tmux(&["has-session", "-t", "=cmd-live"]).status.success());

    env.run(&["new", "done", "--", "sh", "-c", "echo bye"]);
    env.wait_state("done", "review", T);
    env.run(&["rm", "--keep-logs", "done"]);
    assert!(env.ls(true).is_empty());
    let kept: Vec<_> =
        std::fs::read_dir(env.state_dir().join("kept-logs")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(kept.len(), 1);
    let log: String =
        std::fs::read_dir(&kept[0]).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    assert!(log.contains("bye"), "the kept folder holds the output: {log}");

    // A session that printed nothing (ended, and one still running) is kept too: an empty log
    // folder with its events, and the note says why it is empty.
    env.run(&["new", "silent", "--", "true"]);
    env.wait_state("silent", "review", T);
    env.run(&["new", "quiet", "--", "sleep", "30"]);
    for (name, flags) in [("silent", &["--keep-logs"][..]), ("quiet", &["--keep-logs", "--force"][..])] {
        let out = env.minder().arg("rm").args(flags).arg(name).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "rm {flags:?} {name}: {err}");
        assert!(err.contains("kept the logs") && err.contains("printed nothing"), "{err}");
        let dir = std::fs::read_dir(env.state_dir().join("kept-logs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("cmd-{name}-")))
            .unwrap();
        assert!(std::fs::read_to_string(dir.join("events.jsonl")).unwrap().contains("working"), "{name}");
    }
    assert!(env.ls(true).is_empty());
}

#[test]
fn lost_when_the_server_is_killed_and_logs_survive() {
    let env = Env::new();
    env.run(&["new", "a", "--", "sh", "-c", "echo before the crash; sleep 60"]);
    wait_for("output logged", T, || env.run(&["logs", "a"]).contains("before the crash"));
    let pid = env.server_pid().unwrap();
    std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    wait_for("server gone", T, || env.server_pid().is_none());
    let list = env.ls(false);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "lost");
    assert_eq!(env.run(&["logs", "a"]), "before the crash\n");
    let events = &env.show("a")["events"];
    assert_eq!(events.as_array().unwrap().last().unwrap()["source"], "tmux");
}

#[test]
fn parallel_new_has_exactly_one_winner_per_name_and_respects_max_sessions() {
    let env = Env::new();
    env.config("max_sessions = 3\n");
    let run_many = |names: Vec<String>| -> Vec<bool> {
        let handles: Vec<_> = names
            .into_iter()
            .map(|n| {
                let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("minder"));
                cmd.env_clear().envs(env.vars()).current_dir(env.work()).args(["new", &n, "--", "sleep", "30"]);
                std::thread::spawn(move || cmd.output().unwrap().status.success())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    };
    let same = run_many(vec!["dup".to_string(); 6]);
    assert_eq!(same.iter().filter(|ok| **ok).count(), 1, "{same:?}");
    let distinct = run_many((0..6).map(|i| format!("n{i}")).collect());
    assert_eq!(distinct.iter().filter(|ok| **ok).count(), 2, "{distinct:?}");
    let live = env.ls(false);
    assert_eq!(live.len(), 3);
    // Every record has a tmux session, and no tmux session lacks a record.
    let sessions = env.tmux_out(&["list-sessions", "-F", "#{session_name}"]);
    assert_eq!(sessions.lines().count(), 3, "{sessions}");
    let err = env.fail(&["new", "more", "--", "sleep", "1"], 1);
    assert!(err.contains("max_sessions"), "{err}");
}

#[test]
fn hundred_thousand_lines_through_many_rotations_are_logged_once_in_order() {
    let env = Env::new();
    env.config("[logs]\nmax_size = \"64KiB\"\nkeep = 1000\n");
    env.run(&["new", "flood", "--", agent("lines.sh").as_str(), "100000"]);
    env.wait_state("flood", "review", Duration::from_secs(60));
    // The exit can be recorded before the sink has drained the pipe; give it a moment.
    let files = || std::fs::read_dir(env.state_dir().join("sessions/cmd-flood/logs")).unwrap().count();
    wait_for("log complete", T, || env.run(&["logs", "flood", "--raw", "-n", "1"]).contains("line 100000"));
    assert!(files() > 20, "expected many rotations, got {} files", files());
    let log = env.run(&["logs", "flood"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 100_000);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(*line, format!("line {:06} of the log", i + 1));
    }
    assert_eq!(env.run(&["logs", "flood", "-n", "2"]), "line 099999 of the log\nline 100000 of the log\n");
}

#[test]
fn clean_log_of_progress_output_equals_what_tmux_shows() {
    let env = Env::new();
    env.run(&["new", "prog", "--", agent("progress.sh").as_str()]);
    wait_for("progress finished", T, || env.capture("cmd-prog").contains("Finished"));
    wait_for("the log up to the screen's last line", T, || env.run(&["logs", "prog"]).contains("Finished"));
    let screen = env.tmux_out(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", "=cmd-prog:"]);
    let screen = screen.trim_end_matches('\n').to_string() + "\n";
    let log = env.run(&["logs", "prog"]);
    assert_eq!(log, screen);
    assert!(log.contains("Receiving objects: 100% (4/4), done.\n"), "{log}");
    assert!(log.contains("spinner ok\n"), "{log}");
    assert!(!log.contains("Building"), "{log}");
    let raw = env.run(&["logs", "prog", "--raw"]);
    assert!(raw.contains("\x1b[1;32m") && raw.contains('\r'));
}

#[test]
fn secrets_are_redacted_before_they_reach_disk() {
    let env = Env::new();
    env.config("[logs]\nredact = [\"hunter[0-9]+\"]\n");
    let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD";
    let script = format!(
        "printf 'key=%s\\n' {key}; printf 'Authorization: Bearer '; sleep 0.1; printf 'abcdef0123456789abcdef0123\\n'; printf 'pw hunter'; sleep 0.1; printf '42 ok\\n'"
    );
    env.run(&["new", "sec", "--", "sh", "-c", &script]);
    env.wait_state("sec", "review", T);
    env.wait_sink_done("cmd-sec");
    let raw = env.run(&["logs", "sec", "--raw"]);
    assert!(!raw.contains("abcdefghijklmnop"), "{raw}");
    assert!(!raw.contains("abcdef0123456789"), "{raw}");
    assert!(!raw.contains("hunter42"), "{raw}");
    assert!(raw.contains("key=[REDACTED]"), "{raw}");
    assert!(raw.contains("Bearer [REDACTED]"), "{raw}");
    assert!(raw.contains("ok"), "{raw}");
}

#[test]
fn files_are_private_whatever_the_umask() {
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("minder");
    for umask in ["000", "777"] {
        let out = std::process::Command::new("sh")
            .env_clear()
            .envs(env.vars())
            .current_dir(env.work())
            .arg("-c")
            .arg(format!("umask {umask}; exec '{}' new um{umask} -- sh -c 'echo hi'", bin.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        env.wait_state(&format!("um{umask}"), "review", T);
        env.wait_sink_done(&format!("cmd-um{umask}"));
    }
    let mut checked = 0;
    let mut stack = vec![env.state_dir()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o777;
        if meta.file_type().is_symlink() {
            // The push gate's git shim and its exec path mirror: a symlink has no mode of its own.
            assert!(p.starts_with(env.state_dir().join("gitshim")), "{}", p.display());
            continue;
        }
        if meta.is_dir() {
            assert_eq!(mode, 0o700, "{}", p.display());
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.parent().unwrap().ends_with("githooks")
            && !p.file_name().unwrap().to_string_lossy().starts_with('.')
        {
            // Git must execute the push gate's hook scripts: private, and executable.
            assert_eq!(mode, 0o700, "{}", p.display());
        } else {
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        checked += 1;
    }
    assert!(checked > 10);
}

/// A profile's patterns match the whole screen: `doctor` warns about a line anchor without
/// `(?m)`, with the fix.
#[test]
fn doctor_warns_about_a_line_anchor_without_multiline_mode() {
    let env = Env::new();
    env.config("[agents.mine]\ncommand = [\"true\"]\nidle = [\"^> \", \"(?m)^ok> ?$\"]\n");
    let out = env.minder().arg("doctor").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("idle pattern `^> ` anchors to a line but matches the whole screen"), "{text}");
    assert!(text.contains("(?m)^> "), "the fix is shown: {text}");
    assert!(!text.contains("`(?m)^ok> ?$` anchors"), "{text}");
}

#[test]
fn config_errors_are_usage_errors_naming_the_place() {
    let env = Env::new();
    env.config("max_sessions = 4\n[logs]\nmax_size = \"huge\"\n");
    let err = env.fail(&["ls"], 2);
    assert!(err.contains("config.toml") && err.contains("line 3") && err.contains("logs.max_size"), "{err}");
    env.config("bogus_key = 1\n");
    let err = env.fail(&["ls"], 2);
    assert!(err.contains("line 1, column 1") && err.contains("bogus_key"), "{err}");
    let err = env.fail(&["--config", "/nonexistent/minder.toml", "ls"], 2);
    assert!(err.contains("/nonexistent/minder.toml"), "{err}");
    env.config("");
    let err = env.fail(&["new", "x", "-a", "nope"], 2);
    assert!(err.contains("no agent profile `nope`"), "{err}");
    env.fail(&["frobnicate"], 2);
}

#[test]
fn old_tmux_is_refused_with_a_clear_error() {
    let env = Env::new();
    let fake = env.path("tmux-old");
    common::write_script(&fake, "#!/bin/sh\necho 'tmux 3.1c'\n");
    let err = env.minder().env("MINDER_TMUX", &fake).args(["new", "x", "--", "true"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert_eq!(err.status.code(), Some(1));
    assert!(stderr.contains("tmux 3.1 is too old") && stderr.contains("3.2"), "{stderr}");
    let doctor = env.minder().env("MINDER_TMUX", &fake).arg("doctor").output().unwrap();
    assert_eq!(doctor.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("too old"));
}

#[test]
fn logs_follow_prints_output_until_the_session_ends() {
    let env = Env::new();
    env.run(&["new", "slow", "--", "sh", "-c", "for i in 1 2 3 4 5; do echo tick $i; sleep 0.2; done"]);
    let out = env.minder().args(["logs", "-f", "slow"]).timeout(Duration::from_secs(20)).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n");
}

#[test]
fn attach_outside_tmux_attaches_a_client() {
    let env = Env::new();
    env.run(&["new", "att", "--", "sleep", "30"]);
    let Some(mut child) = env.minder_on_a_terminal("attach att") else {
        common::missing_tool("`script` is not available");
        return;
    };
    wait_for("client attached", T, || {
        env.tmux_out(&["display-message", "-p", "-t", "=cmd-att:", "#{session_attached}"]).trim() == "1"
    });
    env.tmux_out(&["detach-client", "-s", "=cmd-att"]);
    let status = child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn completions_and_help() {
    let env = Env::new();
    assert!(env.run(&["completions", "bash"]).contains("minder"));
    assert!(env.run(&["completions", "zsh"]).contains("#compdef minder"));
    assert!(env.run(&["completions", "fish"]).contains("complete -c minder"));
    let man = env.run(&["man"]);
    assert!(man.contains(".TH MINDER 1") && man.contains(".SS \"minder wait\""), "{man}");
    let help = env.run(&["new", "--help"]);
    assert!(help.contains("--worktree") && help.contains("Examples"), "{help}");
}

#[test]
fn a_log_that_cannot_be_written_never_blocks_the_agent_and_is_reported() {
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("minder");
    let done = env.path("agent-finished");
    // The tmux server, and so the sink, inherit a 64 KiB file-size limit (SIGXFSZ, then EFBIG).
    let script = format!(
        "ulimit -f 128; exec '{}' new big -- sh -c 'i=0; while [ $i -lt 4000 ]; do echo \"line $i of a log too big for its limit\"; i=$((i+1)); done; touch {}'",
        bin.display(),
        done.display()
    );
    let out = std::process::Command::new("sh")
        .env_clear()
        .envs(env.vars())
        .current_dir(env.work())
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = env.wait_state("big", "review", T);
    assert!(done.exists(), "the agent did not run to the end");
    assert_eq!(s["exit_code"], 0);
    let show = env.show("big");
    let errors = show["log_errors"].as_array().unwrap();
    assert!(!errors.is_empty(), "{show:#}");
    assert!(errors[0].as_str().unwrap().contains("cannot write the log"), "{errors:?}");
    let text = env.run(&["show", "big"]);
    assert!(text.contains("logging errors"), "{text}");
    // What fit is still readable.
    assert!(env.run(&["logs", "big", "-n", "1"]).contains("line"));
    // Every byte not logged is counted: what is on disk plus what the errors say was lost is
    // everything the agent printed (each line as the terminal sends it, with \r\n).
    let printed: u64 =
        (0..4000).map(|i: u32| format!("line {i} of a log too big for its limit\r\n").len() as u64).sum();
    let logged = std::fs::metadata(env.state_dir().join("sessions/cmd-big/logs/output.log")).unwrap().len();
    let last = errors.last().unwrap().as_str().unwrap();
    let lost: u64 = last
        .split("failed: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(logged + lost, printed, "{errors:?}");
}

/// `#[` starts a style in tmux and is copied as it is, `##[` too: a directory or state dir with
/// one still reaches tmux whole (the agent runs there, its sink starts and logs).
/// Text the agent controls — its directory's name, its argv, its last reply — reaches the
/// terminal from `ls` and `show` with its control characters as visible escapes.
#[test]
fn ls_and_show_never_print_the_agents_control_sequences() {
    let env = Env::new();
    let dir = env.path("d\x1b]2;pwned\x07\x1b[2J");
    std::fs::create_dir_all(&dir).unwrap();
    env.run(&["new", "-C", dir.to_str().unwrap(), "hostile", "--", "sh", "-c", "sleep 30", "\x1b[8mhidden"]);
    let payload = serde_json::json!({"type": "agent-turn-complete", "last-assistant-message": "done \x1b]52;c;aGk=\x07 \x1b[8msecret"});
    env.minder().args(["notify", "--session", "cmd-hostile", &payload.to_string()]).assert().success();
    for args in [&["ls"][..], &["show", "hostile"][..]] {
        let out = env.run(args);
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{args:?} printed a control character:\n{out:?}");
        assert!(out.contains("\\e]2;pwned\\a"), "{args:?}: the sequence shows, escaped:\n{out}");
    }
    assert!(env.run(&["show", "hostile"]).contains("done \\e]52;c;aGk=\\a \\e[8msecret"));
}

#[test]
fn style_markers_in_paths_reach_tmux_whole() {
    let env = Env::new();
    let dir = env.path("t_#[fg=red] ##[x] #{y}");
    std::fs::create_dir_all(&dir).unwrap();
    let state = env.path("state #[bold]");
    let out = env
        .minder()
        .env("MINDER_STATE_DIR", &state)
        .args(["new", "-C", dir.to_str().unwrap(), "h", "--", "sh", "-c", "pwd; exit 4"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    common::wait_for("exit recorded", T, || {
        let o = env.minder().env("MINDER_STATE_DIR", &state).args(["show", "h", "--json"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).contains("\"state\": \"failed\"")
    });
    let logs = env.minder().env("MINDER_STATE_DIR", &state).args(["logs", "h"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&logs.stdout),
        format!("{}\n", dir.display()),
        "it ran in its directory and was logged"
    );
}

#[test]
fn state_dir_with_format_characters_still_logs_and_records_exits() {
    let env = Env::new();
    let state = env.path("state #{session_name} %Y ;'$x");
    let out = env
        .minder()
        .env("MINDER_STATE_DIR", &state)
        .args(["new", "q", "--", "sh", "-c", "echo quoted; exit 5"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    common::wait_for("exit recorded", T, || {
        let o = env.minder().env("MINDER_STATE_DIR", &state).args(["show", "q", "--json"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).contains("\"state\": \"failed\"")
    });
    let logs = env.minder().env("MINDER_STATE_DIR", &state).args(["logs", "q"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&logs.stdout), "quoted\n");
    assert!(state.join("sessions/cmd-q/logs/output.log").exists());
}

#[test]
fn a_failed_new_leaves_nothing_behind() {
    let env = Env::new();
    // A tmux session of the same name that minder did not create makes tmux refuse.
    env.tmux_out(&["new-session", "-d", "-s", "cmd-taken", "sleep 30"]);
    let err = env.fail(&["new", "taken", "--goal", "anything", "--", "sleep", "1"], 1);
    assert!(err.contains("minder did not create"), "{err}");
    assert!(!env.work().join(".minder/cmd-taken").exists(), "checkpoint folder left behind");
    assert!(!env.state_dir().join("sessions/cmd-taken").exists(), "records left behind");
    assert!(env.ls(true).is_empty());
}

#[test]
fn new_refuses_a_program_that_cannot_run_and_creates_nothing() {
    let env = Env::new();
    let err = env.fail(&["new", "x", "--", "no-such-program-xyz", "arg"], 1);
    assert!(err.contains("cannot run `no-such-program-xyz`") && err.contains("PATH"), "{err}");
    let err = env.fail(&["new", "y", "--", "./not-here.sh"], 1);
    assert!(err.contains("not an executable file"), "{err}");
    env.config("[agents.ghost]\ncommand = [\"ghost-agent-xyz\"]\n");
    let err = env.fail(&["new", "z", "-a", "ghost"], 1);
    assert!(err.contains("profile `ghost`"), "{err}");
    assert!(env.ls(true).is_empty(), "nothing is created");
    assert!(env.tmux(&["has-session", "-t", "=cmd-x"]).status.code() != Some(0));
}

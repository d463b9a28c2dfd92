//! Faults survived and recovery: a killed sink, a killed server, garbage through the sink,
//! races between commands, restore, gc and idle_ttl.

use crate::common::{self, agent, wait_for, Env, T};
use std::time::Duration;

fn sink_pid(env: &Env, name: &str) -> i32 {
    env.sink_pid(name)
}

#[test]
fn a_killed_sink_is_noticed_reattached_and_the_gap_marked() {
    let env = Env::new();
    let got = env.path("got.txt");
    env.run(&["new", "s", "--", agent("reader.sh").as_str(), got.to_str().unwrap()]);
    wait_for("ready", T, || env.run(&["logs", "s"]).contains("ready>"));
    let pid = sink_pid(&env, "cmd-s");
    // SAFETY: a process this test's minder started, by its id.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_for("sink gone", T, || unsafe { libc::kill(pid, 0) } != 0);
    // The next minder command notices (the sink's pid is gone; tmux itself only notices when
    // it next writes) and starts a new sink.
    env.run(&["ls"]);
    let new_pid = sink_pid(&env, "cmd-s");
    wait_for("a new sink", T, || sink_pid(&env, "cmd-s") != pid);
    assert_ne!(new_pid, 0);
    assert_eq!(env.tmux_out(&["display-message", "-p", "-t", "=cmd-s:", "#{pane_pipe}"]).trim(), "1");
    env.run(&["send", "s", "after the gap"]);
    wait_for("new output logged", T, || env.run(&["logs", "s"]).contains("got 13 chars"));
    let log = env.run(&["logs", "s"]);
    assert!(log.contains("[minder: the log sink was restarted at"), "{log}");
    assert!(log.find("ready>").unwrap() < log.find("log sink was restarted").unwrap());
}

/// A sink killed while no minder command runs (the agent keeps printing, then exits) is
/// restarted by the agent's supervisor within seconds: the output after it is logged, and
/// the gap is marked in the log and in the session's errors. Only files are read here: a
/// minder command would re-attach the sink itself.
#[test]
fn a_killed_sink_is_restarted_by_the_supervisor_with_nobody_looking() {
    let env = Env::new();
    env.run(&[
        "new",
        "k",
        "--",
        "sh",
        "-c",
        "i=0; while [ $i -lt 40 ]; do echo tick $i; i=$((i+1)); sleep 0.2; done; echo all ticks",
    ]);
    let root = env.state_dir().join("sessions/cmd-k");
    let logged = || -> String {
        let Ok(dir) = std::fs::read_dir(root.join("logs")) else { return String::new() };
        dir.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default()).collect()
    };
    let pid = sink_pid(&env, "cmd-k");
    wait_for("the first ticks logged", T, || logged().contains("tick 2"));
    // SAFETY: a process this test's minder started, by its id.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let record = || std::fs::read_to_string(root.join("session.json")).unwrap_or_default();
    wait_for("the agent's exit", Duration::from_secs(30), || record().contains("\"state\": \"review\""));
    env.wait_sink_done("cmd-k");
    let log = logged();
    assert!(log.contains("[minder: the log sink was restarted at"), "the gap is marked: {log}");
    assert!(log.contains("all ticks"), "what came after the restart is logged: {log}");
    let errors = std::fs::read_to_string(root.join("sink-errors.log")).unwrap();
    assert!(errors.contains("the log sink was restarted"), "{errors}");
}

#[test]
fn garbage_and_a_ten_megabyte_line_keep_the_sink_small_and_logs_readable() {
    let env = Env::new();
    env.config("[logs]\nmax_size = \"4MiB\"\nkeep = 10\n");
    env.run(&["new", "g", "--", agent("garbage.sh").as_str()]);
    let pid = sink_pid(&env, "cmd-g");
    wait_for("flood logged", Duration::from_secs(60), || {
        let out = env.minder().args(["logs", "g", "--raw", "-n", "1"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).contains("after the flood")
    });
    // Peak memory of the sink, from the kernel (Linux only; skipped elsewhere): its peak
    // resident set less the pages of files it maps (the binary, whose size is not the sink's
    // doing and grows with every feature, debug builds most of all), i.e. what it allocated.
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        let kb = |key: &str| -> u64 {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
        };
        let (hwm, file) = (kb("VmHWM:"), kb("RssFile:"));
        let own = hwm.saturating_sub(file);
        eprintln!("sink peak RSS {hwm} kB, of which mapped files {file} kB");
        assert!(
            own < 8 * 1024,
            "sink peak RSS {hwm} kB, {own} kB of it its own (a 10 MB line held whole would pass 8 MiB)"
        );
    }
    // Rendering 20 MB takes a while on a loaded 2-core machine: a generous deadline, no timing claim.
    let out = env.minder().timeout(Duration::from_secs(300)).args(["logs", "g"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("after the flood"));
    let s = env.show("g");
    assert_eq!(s["state"], "working", "{}\n{}", env.run(&["explain", "g"]), env.capture("cmd-g"));
}

#[test]
fn restore_brings_back_a_lost_session_appending_to_its_log() {
    let env = Env::new();
    env.run(&["new", "r", "--", "sh", "-c", "echo run at $(date +%s%N); sleep 60"]);
    wait_for("first run logged", T, || env.run(&["logs", "r"]).contains("run at"));
    let pid = env.server_pid().unwrap();
    std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    wait_for("server gone", T, || env.server_pid().is_none());
    assert_eq!(env.state("r"), "lost");
    env.fail(&["restore", "nothing-here"], 1);
    assert_eq!(env.run(&["restore"]).trim(), "cmd-r");
    let s = env.wait_state("r", "working", T);
    assert!(s["tmux"]["alive"].as_bool().unwrap());
    wait_for("second run logged", T, || env.run(&["logs", "r"]).matches("run at").count() == 2);
    let events: Vec<String> =
        s["events"].as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap().to_string()).collect();
    assert_eq!(events, ["working", "lost", "working"]);
    let err = env.fail(&["restore", "r"], 1);
    assert!(err.contains("still running"), "{err}");
}

/// `restore NAME` continues a session that has ended (not only a lost one) when its profile can
/// resume; it refuses one still running, and one whose profile has no resume command.
#[test]
fn restore_continues_an_ended_session_whose_profile_can_resume() {
    let env = Env::new();
    env.config("[agents.again]\ncommand = [\"x\"]\nresume = [\"sh\", \"-c\", \"echo resumed; exec sleep 30\"]\n");
    env.run(&["new", "t", "-a", "again", "--", "sh", "-c", "echo first; exit 0"]);
    env.wait_state("t", "review", T);
    env.run(&["reject", "t", "--note", "one more thing"]);
    env.run(&["restore", "t"]);
    let s = env.wait_state("t", "working", T);
    assert!(s["ended_at"].is_null(), "{s:#}");
    wait_for("the resumed run logged", T, || env.run(&["logs", "t"]).contains("resumed"));
    let log = env.run(&["logs", "t"]);
    assert!(log.find("first").unwrap() < log.find("resumed").unwrap(), "the same log, appended: {log}");
    assert!(env.fail(&["restore", "t"], 1).contains("still running"));
    // A plain command has no resume: say so, change nothing.
    env.run(&["new", "plain", "--", "true"]);
    env.wait_state("plain", "review", T);
    let err = env.fail(&["restore", "plain"], 1);
    assert!(err.contains("no resume command"), "{err}");
    assert_eq!(env.state("plain"), "review");
}

#[test]
fn gc_removes_ended_sessions_past_retention_and_never_a_live_one() {
    let env = Env::new();
    env.config("[logs]\nretention = \"1s\"\n");
    env.run(&["new", "old", "--", "sh", "-c", "echo bye"]);
    env.run(&["new", "live", "--", "sleep", "60"]);
    env.wait_state("old", "review", T);
    wait_for("cmd-old past its retention", T, || {
        env.run(&["gc", "--dry-run"]).contains("would remove session cmd-old")
    });
    let dry = env.run(&["gc", "--dry-run"]);
    assert!(!dry.contains("cmd-live"), "{dry}");
    assert_eq!(env.ls(true).len(), 2);
    let out = env.run(&["gc"]);
    assert!(out.contains("removed session cmd-old"), "{out}");
    let names: Vec<String> = env.ls(true).iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["cmd-live"]);
}

#[test]
fn idle_ttl_stops_an_idle_session_and_says_why() {
    let env = Env::new();
    env.config("idle_ttl = \"1s\"\n");
    env.run(&["new", "idle", "--", "sleep", "60"]);
    let s = env.wait_state("idle", "stopped", T);
    let stopped = s["events"].as_array().unwrap().iter().find(|e| e["state"] == "stopped").unwrap().clone();
    assert!(stopped["note"].as_str().unwrap_or("").contains("idle_ttl"), "{s:#}");
}

#[test]
fn racing_commands_leave_no_corrupt_record_and_no_orphan_session() {
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("minder");
    let spawn = |args: Vec<String>| {
        let mut cmd = std::process::Command::new(&bin);
        cmd.env_clear().envs(env.vars()).current_dir(env.work()).args(args);
        std::thread::spawn(move || cmd.output().unwrap())
    };
    for round in 0..4 {
        let name = format!("race{round}");
        let mut handles = vec![
            spawn(vec!["new".into(), name.clone(), "--".into(), "sleep".into(), "60".into()]),
            spawn(vec!["rm".into(), "--force".into(), name.clone()]),
            spawn(vec!["ls".into(), "--json".into()]),
            spawn(vec!["stop".into(), name.clone()]),
            spawn(vec!["ls".into()]),
        ];
        // A pause on purpose: each round races the last `rm` against a later point of the rest.
        std::thread::sleep(Duration::from_millis(30 * round));
        handles.push(spawn(vec!["rm".into(), "--force".into(), name.clone()]));
        for h in handles {
            h.join().unwrap();
        }
    }
    // A pause on purpose: what the racers left running in the background (a sink, a
    // supervisor) gets its chance to write a record back or leave a session behind.
    std::thread::sleep(Duration::from_millis(500));
    // Every record parses; every minder tmux session has a record and vice versa.
    let list = env.ls(true);
    let records: Vec<String> = list.iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    let out = env.tmux(&["list-sessions", "-F", "#{session_name} #{@minder}"]);
    let sessions: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.split(' ').nth(1).map(|m| !m.is_empty()).unwrap_or(false))
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    for s in &sessions {
        assert!(records.contains(s), "orphan tmux session {s} (records {records:?})");
    }
    for s in &list {
        if s["tmux"]["alive"].as_bool().unwrap_or(false) {
            assert!(sessions.contains(&s["name"].as_str().unwrap().to_string()));
        }
    }
    for entry in std::fs::read_dir(env.state_dir().join("sessions")).unwrap() {
        let p = entry.unwrap().path().join("session.json");
        if p.exists() {
            serde_json::from_slice::<serde_json::Value>(&std::fs::read(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}

#[test]
fn an_agent_that_ignores_hangups_does_not_outlive_its_server() {
    let env = Env::new();
    let pidfile = env.path("agent.pid");
    let script = format!("trap '' HUP INT TERM; echo $$ > '{}'; while :; do sleep 1; done", pidfile.display());
    env.run(&["new", "deaf", "--", "sh", "-c", &script]);
    wait_for("agent pid", T, || std::fs::read_to_string(&pidfile).map(|s| s.ends_with('\n')).unwrap_or(false));
    let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    let server = env.server_pid().unwrap();
    std::process::Command::new("kill").args(["-KILL", &server.to_string()]).status().unwrap();
    // SAFETY: signal 0 only asks whether the process exists.
    wait_for("the deaf agent to end", Duration::from_secs(15), || unsafe { libc::kill(pid, 0) } != 0);
    assert_eq!(env.state("deaf"), "lost");
}

#[test]
fn a_damaged_record_is_shown_with_its_error_and_can_be_removed() {
    let env = Env::new();
    type Damage = fn(&std::path::Path);
    let damages: [(&str, Damage); 6] = [
        ("truncated", |p| {
            let text = std::fs::read(p).unwrap();
            std::fs::write(p, &text[..text.len() / 2]).unwrap();
        }),
        ("garbage", |p| std::fs::write(p, "not json at all").unwrap()),
        ("nofield", |p| std::fs::write(p, "{\"schema\": 1, \"name\": \"x\"}").unwrap()),
        ("folder", |p| {
            std::fs::remove_file(p).unwrap();
            std::fs::create_dir(p).unwrap();
        }),
        ("schema0", |p| {
            let text = std::fs::read_to_string(p).unwrap().replacen("\"schema\": 1", "\"schema\": 0", 1);
            std::fs::write(p, text).unwrap();
        }),
        ("schema99", |p| {
            let text = std::fs::read_to_string(p).unwrap().replacen("\"schema\": 1", "\"schema\": 99", 1);
            std::fs::write(p, text).unwrap();
        }),
    ];
    for (task, damage) in damages {
        env.run(&["new", task, "--", "sleep", "60"]);
        let name = format!("cmd-{task}");
        damage(&env.state_dir().join("sessions").join(&name).join("session.json"));
        // Listed, with its error; in JSON too.
        let table = env.run(&["ls"]);
        assert!(table.contains(&name) && table.contains("damaged"), "{task}: {table}");
        let json: serde_json::Value = serde_json::from_str(&env.run(&["ls", "--json"])).unwrap();
        assert!(json["damaged"].as_array().unwrap().iter().any(|d| d["name"] == name.as_str()), "{task}: {json}");
        // doctor fails naming it; show says what is wrong; the name is not silently "taken".
        let out = env.minder().arg("doctor").output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{task}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(&name), "{task}");
        let err = env.fail(&["show", task], 1);
        assert!(err.contains("damaged") || err.contains("cannot read"), "{task}: {err}");
        assert!(env.fail(&["new", task, "--", "true"], 1).contains("damaged"), "{task}");
        // rm refuses without --force, and removes it with.
        env.fail(&["rm", task], 1);
        env.run(&["rm", "--force", task]);
        assert!(!env.state_dir().join("sessions").join(&name).exists(), "{task}");
    }
}

/// A check still running at its deadline is ended with everything it started, also what left
/// its process group with `setsid`.
#[test]
fn a_check_past_its_deadline_ends_with_what_it_setsid_away() {
    let env = Env::new();
    env.config("[review]\ncheck_deadline = \"1s\"\n");
    let pid_file = env.path("escaped.pid");
    let check = format!("setsid sleep 1000 & echo $! > '{}'; exec sleep 1000", pid_file.display());
    env.run(&["new", "escape", "--check", &check, "--", "sh", "-c", "exit 0"]);
    env.wait_state("cmd-escape", "review", T);
    wait_for("the check's pid", T, || std::fs::read_to_string(&pid_file).is_ok_and(|s| s.ends_with('\n')));
    let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    let gone = common::within(Duration::from_secs(15), || common::process_ended(pid));
    if !gone {
        // SAFETY: the process this test's check started, by the pid it wrote.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(gone, "the process the check started with setsid outlived the check's deadline");
}

/// A hook that reports a flag as its session id (`--dangerously-skip-permissions`) does not get
/// it onto the agent's command line at `restore`: the id is refused, and the resume is the
/// profile's own (`--continue`).
#[test]
fn restore_never_passes_a_hook_supplied_flag_to_the_agent() {
    let env = Env::new();
    let args = env.path("args.txt");
    let fake = env.path("fake-claude");
    common::write_script(&fake, format!("#!/bin/sh\necho \"run: $*\" >> '{}'\nexec sleep 60\n", args.display()));
    let fake_path = fake.display();
    env.config(&format!("[agents.claude]\ncommand = [\"{fake_path}\"]\nresume = [\"{fake_path}\", \"--continue\"]\n"));
    let name = env.run(&["new", "hide", "-a", "claude", "--goal", "x"]).trim().to_string();
    wait_for("the first run", T, || std::fs::read_to_string(&args).is_ok_and(|s| s.lines().count() == 1));
    let hook = r#"{"hook_event_name":"Stop","session_id":"--dangerously-skip-permissions"}"#;
    env.minder().env("MINDER_SESSION", &name).args(["notify", hook]).assert().success();
    env.run(&["stop", &name, "--force"]);
    env.wait_state(&name, "stopped", T);
    env.run(&["restore", &name]);
    wait_for("the resumed run", T, || std::fs::read_to_string(&args).is_ok_and(|s| s.lines().count() == 2));
    let runs = std::fs::read_to_string(&args).unwrap();
    let resumed = runs.lines().nth(1).unwrap();
    assert!(!resumed.contains("dangerously"), "{runs}");
    assert!(resumed.contains("--continue"), "{runs}");
}

// Checkpoint files are the agent's: it may make them FIFOs, links to devices or 3 GB files.
// Every command below runs with a short deadline, so a hang fails the test instead of
// stalling it.

/// How long a minder command may take on a trapped checkpoint folder.
const QUICK: Duration = Duration::from_secs(15);

/// `minder ARGS` with a deadline: its stdout, after asserting it succeeded in time.
fn run_bounded(env: &Env, args: &[&str], limit: Duration) -> String {
    let start = std::time::Instant::now();
    let out = env.minder().args(args).timeout(limit).output().unwrap();
    assert!(
        out.status.success(),
        "minder {args:?} failed or hung past {limit:?} (took {:?}): {}{}",
        start.elapsed(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Start `trap.sh MODE FILE` and wait until all its output is logged: the sink did not stall.
fn start_trap(env: &Env, task: &str, mode: &str, file: &str) -> String {
    env.run(&["new", task, "--", agent("trap.sh").as_str(), mode, file]);
    let name = format!("cmd-{task}");
    wait_for(&format!("{task}: all 30 lines logged"), T, || {
        run_bounded(env, &["logs", task], QUICK).contains("all lines printed")
    });
    let log = run_bounded(env, &["logs", task], QUICK);
    for i in 1..=30 {
        assert!(log.contains(&format!("line {i} of 30\n")), "{task}: line {i} missing: {log}");
    }
    name
}

fn sink_rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_fifo_for_plan_stalls_neither_the_log_nor_ls_show_review() {
    let env = Env::new();
    start_trap(&env, "fifo", "fifo", "PLAN.md");
    let ls = run_bounded(&env, &["ls", "--json"], QUICK);
    assert!(ls.contains("cmd-fifo"), "{ls}");
    let show = run_bounded(&env, &["show", "fifo", "--json"], QUICK);
    assert!(show.contains("\"progress\": null"), "{show}");
    let review = run_bounded(&env, &["review", "fifo"], QUICK);
    assert!(review.contains("PLAN.md is not a regular file (a FIFO)"), "{review}");
}

#[test]
fn status_linked_to_dev_zero_keeps_the_sink_small_and_plan_still_saved() {
    let env = Env::new();
    let name = start_trap(&env, "zero", "zero", "STATUS.md");
    let pid = sink_pid(&env, &name);
    // The PLAN.md written after the trap is saved: the sink got past STATUS.md.
    wait_for("PLAN.md saved", T, || {
        let show: serde_json::Value =
            serde_json::from_str(&run_bounded(&env, &["show", "zero", "--json"], QUICK)).unwrap();
        show["session"]["checkpoints"].as_array().unwrap().iter().any(|c| c["file"] == "PLAN.md")
    });
    let rss = sink_rss_kib(pid);
    assert!(rss < 64 * 1024, "the sink's RSS is {rss} KiB");
    let show: serde_json::Value = serde_json::from_str(&run_bounded(&env, &["show", "zero", "--json"], QUICK)).unwrap();
    let saved: Vec<&str> =
        show["session"]["checkpoints"].as_array().unwrap().iter().map(|c| c["file"].as_str().unwrap()).collect();
    assert!(!saved.contains(&"STATUS.md"), "a link is not saved: {saved:?}");
    assert_eq!(show["session"]["progress"], serde_json::json!({"done": 1, "total": 2}));
    let review = run_bounded(&env, &["review", "zero"], QUICK);
    assert!(review.contains("STATUS.md is not a regular file (a symbolic link)"), "{review}");
}

#[test]
fn a_plan_linked_to_dev_zero_or_three_gigabytes_large_keeps_ls_quick() {
    let env = Env::new();
    start_trap(&env, "zero", "zero", "PLAN.md");
    start_trap(&env, "huge", "huge", "PLAN.md");
    for _ in 0..3 {
        let start = std::time::Instant::now();
        let ls = run_bounded(&env, &["ls", "--json"], QUICK);
        assert!(ls.contains("cmd-zero") && ls.contains("cmd-huge"), "{ls}");
        assert!(start.elapsed() < Duration::from_secs(5), "ls took {:?}", start.elapsed());
    }
    let review = run_bounded(&env, &["review", "huge"], QUICK);
    assert!(review.contains("PLAN.md was cut: only 1.0 MiB of its 3.0 GiB were read"), "{review}");
    // The saved copy is cut too, and says so.
    let show: serde_json::Value = serde_json::from_str(&run_bounded(&env, &["show", "huge", "--json"], QUICK)).unwrap();
    let copy = show["session"]["checkpoints"].as_array().unwrap().iter().find(|c| c["file"] == "PLAN.md").cloned();
    let copy = std::fs::read(copy.expect("PLAN.md saved")["path"].as_str().unwrap()).unwrap();
    assert!(copy.len() < (1 << 20) + 200, "{}", copy.len());
    assert!(String::from_utf8_lossy(&copy[copy.len() - 100..]).contains("PLAN.md was cut"));
}

#[test]
fn review_names_fifos_and_links_in_risks_and_artifacts_instead_of_reading_them() {
    let env = Env::new();
    start_trap(&env, "rev", "review", "-");
    let review = run_bounded(&env, &["review", "rev"], QUICK);
    assert!(review.contains("RISKS.md is not a regular file (a FIFO)"), "{review}");
    assert!(!review.contains("no RISKS.md yet"), "{review}");
    assert!(review.contains("pipe (0 bytes): it is not a regular file (a FIFO)"), "{review}");
    assert!(review.contains("zero (9 bytes): it is not a regular file (a symbolic link)"), "{review}");
    assert!(review.contains("root (1 bytes): it is not a regular file (a symbolic link)"), "{review}");
    assert!(review.contains("big (3221225472 bytes)"), "{review}");
    assert!(review.contains("tests.txt (21 bytes)\n      ok 1\n      ok 2\n      all passed"), "{review}");
    let json: serde_json::Value =
        serde_json::from_str(&run_bounded(&env, &["review", "rev", "--json"], QUICK)).unwrap();
    let review = &json["review"];
    let pipe = review["artifacts"].as_array().unwrap().iter().find(|a| a["path"] == "pipe").cloned().unwrap();
    assert_eq!(pipe["note"], "it is not a regular file (a FIFO)", "{review}");
    assert!(review["checkpoint_notes"].to_string().contains("RISKS.md is not a regular file (a FIFO)"), "{review}");
    run_bounded(&env, &["ls"], QUICK);
}

#[test]
fn a_record_or_event_log_that_is_a_fifo_or_link_is_damaged_not_read() {
    let env = Env::new();
    let mkfifo = |p: &std::path::Path| {
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    };
    for (task, how) in [("fifo", "fifo"), ("zero", "zero")] {
        env.run(&["new", task, "--", "sleep", "60"]);
        let record = env.state_dir().join(format!("sessions/cmd-{task}/session.json"));
        std::fs::remove_file(&record).unwrap();
        if how == "fifo" {
            mkfifo(&record);
        } else {
            std::os::unix::fs::symlink("/dev/zero", &record).unwrap();
        }
    }
    let ls = run_bounded(&env, &["ls", "--json"], QUICK);
    let json: serde_json::Value = serde_json::from_str(&ls).unwrap();
    let damaged = json["damaged"].as_array().unwrap();
    for (name, kind) in [("cmd-fifo", "a FIFO"), ("cmd-zero", "a symbolic link")] {
        let d = damaged.iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("{name} not damaged: {json}"));
        assert!(d["error"].as_str().unwrap().contains(&format!("is not a regular file ({kind})")), "{d}");
    }
    let out = env.minder().args(["show", "fifo"]).timeout(QUICK).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    // An event log that is a FIFO: `show` says so instead of hanging.
    env.run(&["new", "ev", "--", "sleep", "60"]);
    let events = env.state_dir().join("sessions/cmd-ev/events.jsonl");
    let _ = std::fs::remove_file(&events);
    mkfifo(&events);
    let out = env.minder().args(["show", "ev"]).timeout(QUICK).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is not a regular file (a FIFO)"), "{err}");
}

#[test]
fn damaged_event_lines_are_skipped_and_counted() {
    let env = Env::new();
    env.run(&["new", "ev", "--", "sleep", "60"]);
    let events = env.state_dir().join("sessions/cmd-ev/events.jsonl");
    let mut f = std::fs::OpenOptions::new().append(true).open(&events).unwrap();
    use std::io::Write;
    f.write_all(b"\xff\xfe not utf-8\n{\"not\": \"an event\"}\n").unwrap();
    drop(f);
    let show = run_bounded(&env, &["show", "ev"], QUICK);
    assert!(show.contains("2 damaged event lines skipped"), "{show}");
    assert!(show.contains("events:"), "the good lines are still shown: {show}");
    let json: serde_json::Value = serde_json::from_str(&run_bounded(&env, &["show", "ev", "--json"], QUICK)).unwrap();
    assert_eq!(json["session"]["damaged_event_lines"], 2);
    assert!(!json["session"]["events"].as_array().unwrap().is_empty());
}

#[test]
fn a_log_removed_or_renamed_under_a_running_sink_is_reopened_and_the_gap_marked() {
    let env = Env::new();
    env.run(&["new", "t", "--", "sh", "-c", "i=0; while [ $i -lt 600 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done"]);
    let logs = env.state_dir().join("sessions/cmd-t/logs");
    let log = logs.join("output.log");
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for("first ticks", T, || read().contains("tick 3\r\n"));
    std::fs::remove_file(&log).unwrap();
    wait_for("a new log with the gap marked", T, || read().contains("[minder: the log file was removed or renamed"));
    // The output that found the log gone follows its mark.
    wait_for("ticks after the mark", T, || {
        let after = read();
        after.find("the log file was removed").is_some_and(|mark| after[mark..].contains("tick "))
    });
    std::fs::rename(&log, logs.join("moved.log")).unwrap();
    wait_for("a new log after the rename", T, || read().contains("[minder: the log file was removed or renamed"));
    wait_for("ticks after the rename", T, || read().contains("tick "));
    let review = run_bounded(&env, &["review", "t"], QUICK);
    assert!(review.contains("log gap: the log file was removed or renamed"), "{review}");
}

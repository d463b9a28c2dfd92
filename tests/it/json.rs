//! `--json` on the commands scripts drive: wait, gc, restore, doctor, approve and reject. Each
//! prints one object with `"version": 1` and nothing else on stdout, and keeps its exit code.

use crate::common::{self, wait_for, Env, T};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// Run minder with `args`, expect exit `code`, and parse stdout, which must be one JSON
/// object of version 1 and nothing else. Returns it and stderr.
fn json(env: &Env, args: &[&str], code: i32) -> (Value, String) {
    let out = env.minder().args(args).output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string());
    assert_eq!(out.status.code(), Some(code), "minder {args:?}: stdout {stdout} stderr {stderr}");
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("minder {args:?}: stdout is not only JSON ({e}): {stdout}"));
    assert_eq!(v["version"], 1, "{v:#}");
    (v, stderr)
}

fn names(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn wait_json_gives_each_session_as_it_ended_the_outcome_and_the_exit_code() {
    let env = Env::new();
    env.run(&["new", "ok", "--", "sh", "-c", "sleep 0.3"]);
    env.run(&["new", "bad", "--", "sh", "-c", "sleep 0.3; exit 7"]);
    env.run(&["new", "long", "--", "sleep", "30"]);

    let (v, _) = json(&env, &["wait", "ok", "--until", "review", "--json"], 0);
    assert_eq!(
        (v["outcome"].as_str(), v["exit_code"].as_i64(), &v["message"]),
        (Some("reached"), Some(0), &Value::Null),
        "{v:#}"
    );
    assert_eq!(v["until"], serde_json::json!(["review"]));
    let s = &v["sessions"][0];
    // The session object is the one `ls --json` prints, plus how the wait ended for it.
    assert_eq!(
        (s["name"].as_str(), s["state"].as_str(), s["wait_result"].as_str()),
        (Some("cmd-ok"), Some("review"), Some("reached"))
    );
    for field in ["task", "agent", "detail", "dir", "command", "created_at", "ended_at", "exit_code", "log", "tmux"] {
        assert!(s.get(field).is_some(), "no `{field}` in {s:#}");
    }

    // A failure is exit 1 whatever else was waited on; the failed one says so.
    let (v, stderr) = json(&env, &["wait", "ok", "bad", "--json"], 1);
    assert_eq!((v["outcome"].as_str(), v["exit_code"].as_i64()), (Some("failed"), Some(1)), "{v:#}");
    assert_eq!(names(&v["sessions"]), ["cmd-ok", "cmd-bad"]);
    let bad = &v["sessions"][1];
    assert_eq!(
        (bad["state"].as_str(), bad["detail"].as_str(), bad["exit_code"].as_i64(), bad["wait_result"].as_str()),
        (Some("failed"), Some("7"), Some(7), Some("failed"))
    );
    assert!(v["message"].as_str().unwrap().contains("cmd-bad"), "{v:#}");
    assert!(stderr.contains("error: session `cmd-bad` failed"), "{stderr}");

    let (v, _) = json(&env, &["wait", "long", "ok", "--until", "exit", "--timeout", "1s", "--json"], 124);
    assert_eq!((v["outcome"].as_str(), v["exit_code"].as_i64()), (Some("timeout"), Some(124)), "{v:#}");
    assert_eq!(v["sessions"][0]["wait_result"], "waiting");
    assert_eq!(v["sessions"][0]["state"], "working");
    assert_eq!(v["sessions"][1]["wait_result"], "reached");
    assert!(v["elapsed_ms"].as_u64().unwrap() >= 1000, "{v:#}");

    // A session removed while waited on is gone: exit 1, named in `gone`.
    let mut waiter = env.minder();
    waiter.args(["wait", "long", "--until", "review", "--timeout", "20s", "--json"]).timeout(Duration::from_secs(30));
    let handle = std::thread::spawn(move || waiter.output().unwrap());
    // A pause on purpose: the waiter shows no sign of having started, and it must be waiting
    // when the session goes.
    std::thread::sleep(Duration::from_millis(1500));
    env.run(&["rm", "--force", "long"]);
    let out = handle.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // `rm --force` stops it first: the waiter sees it gone, or (if it looked in between) stopped.
    assert_eq!(v["outcome"], "failed", "{v:#}");
    let gone = v["gone"] == serde_json::json!(["cmd-long"]) && v["sessions"] == serde_json::json!([]);
    let stopped = v["gone"] == serde_json::json!([])
        && v["sessions"][0]["state"] == "stopped"
        && v["sessions"][0]["wait_result"] == "ended";
    assert!(gone || stopped, "{v:#}");
}

#[test]
fn gc_json_says_what_went_and_what_was_kept_and_why() {
    let env = Env::new();
    env.config("[logs]\nretention = \"1h\"\nmax_size = \"2KiB\"\nkeep = 100\n");
    env.run(&["new", "old", "--", "sh", "-c", "echo bye"]);
    // A live session whose log rotates: its rotated files go once past retention, it stays.
    env.run(&[
        "new",
        "live",
        "--",
        "sh",
        "-c",
        "i=0; while [ $i -lt 300 ]; do echo line $i of output to rotate the log; i=$((i+1)); done; sleep 60",
    ]);
    // An ended session with work in its worktree that is not saved anywhere.
    let repo = common::repo(&env);
    env.minder()
        .current_dir(&repo)
        .args(["new", "wip", "-w", "--", "sh", "-c", "echo draft > draft.txt"])
        .assert()
        .success();
    env.wait_state("old", "review", T);
    env.wait_state("wip", "review", T);
    wait_for("the log to rotate", T, || env.show("live")["log_files"].as_array().unwrap().len() > 2);

    // Within retention: nothing goes, and each says why.
    let (v, _) = json(&env, &["gc", "--dry-run", "--json"], 0);
    assert_eq!((v["dry_run"].as_bool(), v["retention"].as_str()), (Some(true), Some("1h")), "{v:#}");
    assert_eq!(v["removed"]["sessions"], serde_json::json!([]));
    let why = |v: &Value, name: &str| {
        v["kept"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == name)
            .map(|k| k["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(why(&v, "cmd-old").as_deref(), Some("recent"), "{v:#}");
    assert_eq!(why(&v, "cmd-live").as_deref(), Some("running"), "{v:#}");

    env.config("[logs]\nretention = \"1s\"\nmax_size = \"2KiB\"\nkeep = 100\n");
    // Once a second has passed, nothing is recent any more.
    let mut dry = (Value::Null, String::new());
    wait_for("everything past the new retention", T, || {
        dry = json(&env, &["gc", "--dry-run", "--json"], 0);
        dry.0["kept"].as_array().unwrap().iter().all(|k| k["reason"] != "recent")
            && !dry.0["removed"]["log_files"].as_array().unwrap().is_empty()
    });
    let (v, stderr) = dry;
    assert_eq!(names(&v["removed"]["sessions"]), ["cmd-old"], "{v:#}");
    assert_eq!(v["removed"]["sessions"][0]["state"], "review");
    let rotated = v["removed"]["log_files"].as_array().unwrap();
    assert!(!rotated.is_empty() && rotated.iter().all(|f| f["session"] == "cmd-live"), "{v:#}");
    assert_eq!(why(&v, "cmd-live").as_deref(), Some("running"));
    assert_eq!(why(&v, "cmd-wip").as_deref(), Some("unsaved_work"));
    let wip = v["kept"].as_array().unwrap().iter().find(|k| k["name"] == "cmd-wip").unwrap();
    assert!(wip["detail"].as_str().unwrap().contains("uncommitted"), "{wip:#}");
    assert!(!stderr.contains("kept"), "the reasons are in the JSON, not notes: {stderr}");
    assert_eq!(env.ls(true).len(), 3, "a dry run removes nothing");

    let (v, _) = json(&env, &["gc", "--json"], 0);
    assert_eq!(v["dry_run"], false);
    assert_eq!(names(&v["removed"]["sessions"]), ["cmd-old"]);
    for f in v["removed"]["log_files"].as_array().unwrap() {
        assert!(!Path::new(f["path"].as_str().unwrap()).exists(), "{f}");
    }
    let mut left: Vec<String> = env.ls(true).iter().map(|s| s["name"].as_str().unwrap().to_string()).collect();
    left.sort();
    assert_eq!(left, ["cmd-live", "cmd-wip"]);
}

#[test]
fn restore_json_lists_each_session_restored_and_each_that_could_not_be() {
    let env = Env::new();
    let gone_dir = env.work().join("gone");
    std::fs::create_dir_all(&gone_dir).unwrap();
    env.run(&["new", "r", "--", "sleep", "60"]);
    env.minder().args(["new", "d", "-C", gone_dir.to_str().unwrap(), "--", "sleep", "60"]).assert().success();
    let pid = env.server_pid().unwrap();
    std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    wait_for("server gone", T, || env.server_pid().is_none());
    assert_eq!(env.state("r"), "lost");
    std::fs::remove_dir_all(&gone_dir).unwrap();

    // Exit 1 as without --json, since one could not be restored.
    let (v, stderr) = json(&env, &["restore", "--json"], 1);
    assert_eq!(names(&v["restored"]), ["cmd-r"], "{v:#}");
    let r = &v["restored"][0];
    assert_eq!(r["state"], "working");
    assert_eq!(r["tmux"]["alive"], true, "{r:#}");
    assert_eq!(names(&v["failed"]), ["cmd-d"]);
    assert!(v["failed"][0]["error"].as_str().unwrap().contains("is gone"), "{v:#}");
    assert!(stderr.contains("cannot restore `cmd-d`"), "{stderr}");

    // Nothing lost any more but `d`, which still cannot come back.
    let (v, _) = json(&env, &["restore", "--json"], 1);
    assert_eq!((names(&v["restored"]), names(&v["failed"])), (vec![], vec!["cmd-d".to_string()]));
    env.run(&["rm", "--force", "d"]);
    let (v, _) = json(&env, &["restore", "--json"], 0);
    assert_eq!((&v["restored"], &v["failed"]), (&serde_json::json!([]), &serde_json::json!([])));
}

#[test]
fn doctor_json_gives_every_check_with_its_status_and_the_overall_verdict() {
    let env = Env::new();
    let (v, _) = json(&env, &["doctor", "--json"], 0);
    assert_eq!(v["ok"], true, "{v:#}");
    let checks = v["checks"].as_array().unwrap();
    let status =
        |check: &str| checks.iter().find(|c| c["check"] == check).map(|c| c["status"].as_str().unwrap().to_string());
    for check in ["tmux", "config", "state_dir", "records", "plugin"] {
        assert_eq!(status(check).as_deref(), Some("ok"), "{check}: {v:#}");
    }
    for c in checks {
        assert!(["ok", "warn", "fail"].contains(&c["status"].as_str().unwrap()), "{c}");
        assert!(c["detail"].as_str().is_some_and(|d| !d.is_empty()), "{c}");
    }
    // Every agent profile with a program is checked, by name.
    assert!(checks.iter().any(|c| c["check"] == "agent" && c["subject"] == "codex"), "{v:#}");

    // A damaged record fails doctor (exit 1 as before), named, with what to do.
    env.run(&["new", "x", "--", "sleep", "60"]);
    std::fs::write(env.state_dir().join("sessions/cmd-x/session.json"), "{ not json").unwrap();
    let (v, stderr) = json(&env, &["doctor", "--json"], 1);
    assert_eq!(v["ok"], false);
    let failed: Vec<&Value> = v["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "fail").collect();
    assert_eq!(failed.len(), 1, "{v:#}");
    assert_eq!((failed[0]["check"].as_str(), failed[0]["subject"].as_str()), (Some("records"), Some("cmd-x")));
    assert!(failed[0]["hint"].as_str().unwrap().contains("rm --force"), "{v:#}");
    assert!(stderr.contains("1 problem(s) found"), "{stderr}");
}

#[test]
fn approve_and_reject_json_give_the_session_after_the_decision_and_what_minder_said() {
    let env = Env::new();
    // on_approve's own output must not end up in the JSON.
    env.config("[review]\non_approve = \"echo on-approve-ran; echo to-stderr >&2\"\n");
    env.run(&["new", "gate", "--", "sh", "-c", "while read l; do echo \"got: $l\"; done"]);
    let (v, stderr) = json(&env, &["approve", "gate", "--note", "fine", "--json"], 0);
    assert_eq!(v["session"]["name"], "cmd-gate");
    // A plain command reading input shows `working`; the decision is recorded beside it.
    assert_eq!(v["session"]["decision"]["verdict"], "approved");
    assert!(v["session"]["detail"].as_str().unwrap().starts_with("approved"), "{v:#}");
    assert_eq!(v["session"]["tmux"]["alive"], true);
    assert!(v["message"].as_str().unwrap().starts_with("approved `cmd-gate`"), "{v:#}");
    assert!(stderr.contains("on-approve-ran") && stderr.contains("to-stderr"), "{stderr}");
    assert!(!stderr.contains("approved `cmd-gate`"), "the message is in the JSON, not repeated: {stderr}");

    let (v, _) = json(&env, &["reject", "gate", "--note", "add a test", "--json"], 0);
    assert_eq!(v["session"]["decision"]["verdict"], "rejected");
    assert_eq!(v["message"], "rejected `cmd-gate`; the note went to the agent");
    wait_for("the note reaches the agent", T, || env.run(&["logs", "gate"]).contains("got: add a test"));

    // Errors stay errors: nothing on stdout.
    let out = env.minder().args(["approve", "nothing-here", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

/// `ls --json` spares the tmux call while every live session's sink runs: its `tmux` object
/// then says it was not asked (`checked` false) rather than calling a session gone; `show`
/// asks, and a failed agent's dead pane is still in tmux. When a sink is gone, `ls` asks too.
#[test]
fn ls_json_says_when_tmux_was_not_asked() {
    let env = Env::new();
    env.run(&["new", "broken", "--", "sh", "-c", "echo it broke; exit 3"]);
    env.wait_state("broken", "failed", T);
    let listed = env.ls(true);
    let tmux = &listed.iter().find(|s| s["name"] == "cmd-broken").unwrap()["tmux"];
    assert_eq!((&tmux["checked"], &tmux["session_name"]), (&Value::Bool(false), &Value::Null), "{tmux:#}");
    let (shown, _) = json(&env, &["show", "--json", "broken"], 0);
    let tmux = &shown["session"]["tmux"];
    assert_eq!((&tmux["checked"], &tmux["session_name"]), (&Value::Bool(true), &Value::from("cmd-broken")), "{tmux:#}");

    // A live session whose sink is gone: `ls` asks tmux (and re-attaches the sink).
    env.run(&["new", "live", "--", "sleep", "60"]);
    let pid = env.sink_pid("cmd-live");
    std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    wait_for("the sink gone", T, || !Path::new(&format!("/proc/{pid}")).exists());
    let listed = env.ls(true);
    let tmux = &listed.iter().find(|s| s["name"] == "cmd-broken").unwrap()["tmux"];
    assert_eq!((&tmux["checked"], &tmux["session_name"]), (&Value::Bool(true), &Value::from("cmd-broken")), "{tmux:#}");
}

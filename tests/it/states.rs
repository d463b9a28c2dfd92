//! The state model against real tmux: every state reached and left as it should be, from each
//! source (hooks through `minder notify`, the screen, activity, checkpoints, the exit).

use crate::common::{self, agent, wait_for, Env, T};
use serde_json::Value;
use std::time::Duration;

fn sources(s: &Value) -> Vec<(String, String)> {
    s["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["state"].as_str().unwrap().to_string(), e["source"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn an_approval_prompt_on_screen_is_waiting_and_answering_it_is_working() {
    let env = Env::new();
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\nworking = [\"esc to interrupt\"]\n");
    env.run(&["new", "ap", "-a", "scripted", "--", agent("approver.sh").as_str(), "3"]);
    let s = env.wait_state("ap", "waiting", T);
    assert_eq!(s["detail"], "approval");
    assert_eq!(s["state_source"], "screen");
    env.run(&["send", "ap", "y"]);
    let s = env.wait_state("ap", "working", T);
    assert_eq!(s["state_source"], "screen");
    let s = env.wait_state("ap", "review", T);
    assert_eq!(s["exit_code"], 0);
    let states: Vec<String> = sources(&s).into_iter().map(|(st, _)| st).collect();
    assert_eq!(states, ["working", "waiting", "working", "review"]);
}

/// A prompt's text streaming past (a file with Codex's prompt in it, printed while output keeps
/// coming) is not a question: the session stays `working` for the whole stream, and only the
/// settled screen with the real prompt is `waiting`.
#[test]
fn a_prompt_streaming_past_is_working_and_only_the_settled_one_waits() {
    let env = Env::new();
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\nworking = [\"esc to interrupt\"]\n");
    env.run(&["new", "st", "-a", "scripted", "--", agent("streamer.sh").as_str(), "4"]);
    let s = env.wait_state("st", "waiting", Duration::from_secs(20));
    assert_eq!(s["detail"], "approval");
    assert!(env.run(&["logs", "st"]).contains("streamed"), "waiting only once the stream is over");
    let states: Vec<String> = sources(&s).into_iter().map(|(st, _)| st).collect();
    assert_eq!(states, ["working", "waiting"], "{s:#}");
    env.run(&["send", "st", "y"]);
    env.wait_state("st", "review", T);
}

#[test]
fn silence_is_stuck_and_output_ends_it() {
    let env = Env::new();
    env.config("stuck_after = \"1s\"\n");
    env.run(&["new", "q", "--", agent("quiet.sh").as_str(), "3"]);
    let s = env.wait_state("q", "stuck", T);
    assert_eq!(s["state_source"], "activity");
    let s = env.wait_state("q", "working", T);
    assert_eq!(s["state_source"], "activity");
    // Quiet again (waiting on `read`): stuck again, since it is not known to wait.
    env.wait_state("q", "stuck", T);
    env.run(&["send", "q", "bye"]);
    env.wait_state("q", "review", T);
}

#[test]
fn hooks_drive_the_state_and_keep_the_last_message() {
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("minder");
    env.run(&["new", "h", "--", agent("hooky.sh").as_str(), bin.to_str().unwrap()]);
    let s = env.wait_state("h", "waiting", T);
    assert_eq!(s["detail"], "approval");
    assert_eq!(s["state_source"], "hook");
    env.run(&["send", "h", "yes"]);
    let s = env.wait_state("h", "waiting", T);
    wait_for("turn complete", T, || env.show("h")["detail"] == "input");
    let s2 = env.show("h");
    assert_eq!(s2["last_message"], "All tests pass.");
    assert_eq!(s2["thread_id"], "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    assert!(sources(&s2).contains(&("waiting".into(), "hook".into())), "{s:#}");
    env.run(&["send", "h", "done"]);
    env.wait_state("h", "review", T);
}

#[test]
fn notify_finds_the_session_by_its_pane_and_ignores_strangers() {
    let env = Env::new();
    env.run(&["new", "p", "--", "sh", "-c", "echo ready; read x"]);
    wait_for("ready", T, || env.run(&["logs", "p"]).contains("ready"));
    let pane = env.show("p")["tmux"]["pane_id"].as_str().unwrap().to_string();
    let socket = env.show("p")["tmux"]["socket"].as_str().unwrap().to_string();
    let payload = r#"{"hook_event_name":"Notification","notification_type":"idle_prompt"}"#;
    env.minder()
        .env("TMUX_PANE", &pane)
        .env("TMUX", format!("{socket},{},0", env.server_pid().unwrap()))
        .args(["notify"])
        .write_stdin(payload)
        .assert()
        .success()
        .stdout("");
    let s = env.wait_state("p", "waiting", T);
    assert_eq!(s["detail"], "input");
    // A hook from an agent minder does not run: quietly nothing.
    env.minder().env("TMUX_PANE", "%999").args(["notify", payload]).assert().success().stdout("");
    // Garbage is an error, but never blocks (exit 1, not Claude's blocking 2).
    env.minder().env("MINDER_SESSION", "cmd-p").args(["notify", "not json"]).assert().code(1);
}

#[test]
fn a_live_question_beats_risks_and_every_checkpoint_version_is_kept() {
    let env = Env::new();
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run\"]\n");
    env.run(&["new", "f", "-a", "scripted", "--", agent("finisher.sh").as_str()]);
    // RISKS.md is written, then the agent asks for an approval: the question wins.
    let s = env.wait_state("f", "waiting", T);
    assert_eq!(s["detail"], "approval");
    wait_for("RISKS.md saved", T, || {
        env.show("f")["checkpoints"].as_array().unwrap().iter().any(|c| c["file"] == "RISKS.md")
    });
    let s = env.show("f");
    assert_eq!(s["state"], "waiting", "{s}");
    assert_eq!(s["progress"], serde_json::json!({"done": 2, "total": 2}));
    let history: Vec<(String, String)> = s["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["file"].as_str().unwrap().to_string(), std::fs::read_to_string(c["path"].as_str().unwrap()).unwrap())
        })
        .collect();
    let statuses: Vec<&str> = history.iter().filter(|(f, _)| f == "STATUS.md").map(|(_, t)| t.as_str()).collect();
    assert_eq!(statuses, ["status 1\n", "status 2\n", "status 3\n"]);
    assert_eq!(history.iter().filter(|(f, _)| f == "PLAN.md").count(), 2);
    // Answering it and ending cleanly is review, from the exit.
    env.run(&["send", "f", "y"]);
    wait_for("the exit", T, || env.show("f")["exit_code"] == 0);
    let s = env.show("f");
    assert_eq!(s["state"], "review");
    assert_eq!(s["state_source"], "exit");
}

#[test]
fn risks_and_settled_output_is_review_for_a_profile_without_idle_patterns() {
    let env = Env::new();
    env.config("stuck_after = \"2s\"\n[agents.quiet]\ncommand = [\"x\"]\n");
    env.run(&["new", "q", "-a", "quiet", "--", agent("risks_then_quiet.sh").as_str()]);
    let s = env.wait_state("q", "review", T);
    assert_eq!(s["detail"], "risks");
    assert_eq!(s["state_source"], "checkpoint");
    // Review, and stays so: quiet after the summary is not stuck (a pause on purpose, past
    // `stuck_after`).
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(env.state("q"), "review");
}

#[test]
fn wait_exit_codes() {
    let env = Env::new();
    env.run(&["new", "ok", "--", "sh", "-c", "sleep 0.5"]);
    env.run(&["new", "bad", "--", "sh", "-c", "sleep 0.5; exit 7"]);
    env.run(&["new", "long", "--", "sleep", "30"]);
    env.minder().args(["wait", "ok", "--until", "review"]).assert().code(0);
    let out = env.minder().args(["wait", "bad", "--until", "review"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed"));
    let start = std::time::Instant::now();
    env.minder().args(["wait", "long", "--timeout", "1s"]).assert().code(124);
    assert!(start.elapsed() < Duration::from_secs(5));
    env.minder().args(["wait", "ok", "--until", "sleeping"]).assert().code(2);
    env.minder().args(["wait", "ok", "long", "--until", "exit", "--timeout", "500ms"]).assert().code(124);
    // A failure is never success, not even under the default `waiting,review,exit`.
    env.minder().args(["wait", "bad"]).assert().code(1);
    env.minder().args(["wait", "bad", "--until", "failed"]).assert().code(0);
    // `--until approved` waits for the person past review, then ends when they decide.
    let mut waiter = env.minder();
    waiter.args(["wait", "ok", "--until", "approved", "--timeout", "20s"]).timeout(Duration::from_secs(30));
    let handle = std::thread::spawn(move || waiter.output().unwrap());
    // A pause on purpose: the waiter shows no sign of having started, and it must be waiting
    // when the decision comes.
    std::thread::sleep(Duration::from_millis(1500));
    env.run(&["approve", "ok"]);
    let out = handle.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn status_line_changes_when_an_agent_starts_waiting() {
    let env = Env::new();
    env.tmux_out(&["new-session", "-d", "-s", "user", "sleep 300"]);
    env.tmux_out(&["set-option", "-g", "status-right", "#{@minder-status} | clock"]);
    assert_eq!(env.tmux_out(&["display-message", "-p", "#{T:status-right}"]).trim(), "| clock");
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\n");
    env.run(&["new", "sl", "-a", "scripted", "--", agent("approver.sh").as_str()]);
    wait_for("waiting in the status line", T, || {
        env.tmux_out(&["display-message", "-p", "#{T:status-right}"]).contains("? sl")
    });
    assert_eq!(env.run(&["status-line"]).trim(), "#[fg=black,bg=yellow,bold] ? sl #[default]");
    assert_eq!(env.tmux_out(&["show-options", "-v", "-t", "=scripted-sl:", "@minder-state"]).trim(), "waiting");
    env.tmux_out(&["set-option", "-g", "@minder-icon-waiting", "WAIT"]);
    assert!(env.run(&["status-line", "--push"]).contains("WAIT sl"));
    env.run(&["send", "sl", "y"]);
    wait_for("review in the status line", T, || {
        env.tmux_out(&["display-message", "-p", "#{T:status-right}"]).contains("✓ sl")
    });
    assert_eq!(env.run(&["status-line", "--summary"]).trim(), "minder: 1 review (sl) — minder attach");
}

#[test]
fn attach_without_a_name_picks_the_session_that_needs_attention() {
    let env = Env::new();
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\n");
    env.run(&["new", "busy", "--", "sleep", "30"]);
    env.run(&["new", "asks", "-a", "scripted", "--", agent("approver.sh").as_str()]);
    env.run(&["new", "busy2", "--", "sleep", "30"]);
    env.wait_state("asks", "waiting", T);
    let Some(mut child) = env.minder_on_a_terminal("attach") else {
        common::missing_tool("`script` is not available");
        return;
    };
    wait_for("client attached to the waiting session", T, || {
        env.tmux_out(&["display-message", "-p", "-t", "=scripted-asks:", "#{session_attached}"]).trim() == "1"
    });
    env.tmux_out(&["detach-client", "-s", "=scripted-asks"]);
    child.wait().unwrap();
}

#[test]
fn a_waiting_agent_is_announced_on_attached_clients_with_the_bell() {
    let env = Env::new();
    env.tmux_out(&["new-session", "-d", "-s", "user", "-x", "150", "-y", "20", "sleep 300"]);
    let (mut client, typescript) = common::attach_through_script(&env, "user");
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Would you like to run the following command\"]\n");
    env.run(&["new", "ann", "-a", "scripted", "--", agent("approver.sh").as_str()]);
    env.wait_state("ann", "waiting", T);
    wait_for("message and bell on the client", T, || {
        let seen = std::fs::read(&typescript).unwrap_or_default();
        let text = String::from_utf8_lossy(&seen);
        text.contains("minder: scripted-ann waits for your approval") && seen.contains(&0x07)
    });
    env.tmux_out(&["detach-client", "-s", "=user"]);
    client.wait().unwrap();
}

#[test]
fn after_reject_only_a_risks_written_later_is_review_again() {
    let env = Env::new();
    env.config("[agents.turns]\ncommand = [\"x\"]\nidle = [\"(?m)^ready>\\\\s*$\"]\n");
    env.run(&["new", "t", "-a", "turns", "--", agent("turns.sh").as_str()]);
    env.wait_state("t", "review", T);
    env.run(&["reject", "t", "--note", "again"]);
    // The agent takes the note, works, and is back at its prompt with the old RISKS.md.
    wait_for("the note handled", T, || env.run(&["logs", "t"]).contains("got: again"));
    // Back at its prompt with nothing new: the person's verdict is what it shows.
    env.wait_state("t", "rejected", T);
    // A pause on purpose: the sink looks again, and must not bring the old RISKS.md back.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(env.state("t"), "rejected", "an old RISKS.md must not count after a rejection");
    // A new summary counts.
    env.run(&["send", "t", "rewrite"]);
    env.wait_state("t", "review", T);
}

/// A plain command at a `read -p` prompt waits for the person (a question), `answer` answers
/// it; output that merely stops on a line (a progress line, a colon with no prompt) does not.
#[test]
fn a_plain_commands_line_prompt_is_waiting_and_plain_output_is_not() {
    let env = Env::new();
    env.run(&[
        "new",
        "ask",
        "--",
        "bash",
        "-c",
        "echo start; read -r -p 'Continue? (y/n) ' a; echo \"got $a\"; sleep 30",
    ]);
    env.run(&["new", "name", "--", "bash", "-c", "read -r -p 'Your name: ' n; echo \"hello $n\"; sleep 30"]);
    env.run(&["new", "progress", "--", "sh", "-c", "echo compiling; printf 'Building: 45%%'; sleep 30"]);
    env.run(&["new", "colon", "--", "sh", "-c", "printf 'Results:\\n'; sleep 30"]);
    let s = env.wait_state("ask", "waiting", T);
    assert_eq!(s["detail"], "question", "{s:#}");
    env.wait_state("name", "waiting", T);
    env.run(&["answer", "ask", "yes"]);
    wait_for("the answer reached it", T, || env.run(&["logs", "ask"]).contains("got y"));
    env.wait_state("ask", "working", T);
    env.run(&["answer", "name", "Ada"]);
    wait_for("the text reached it", T, || env.run(&["logs", "name"]).contains("hello Ada"));
    env.wait_state("name", "working", T);
    // The others were quiet all this while, and are still working.
    assert!(env.run(&["logs", "progress"]).contains("Building: 45%"));
    assert_eq!(env.state("progress"), "working");
    assert_eq!(env.state("colon"), "working");
}

/// The question asked, answered, and followed by work and a risk summary: the question is still
/// on screen above, but it is history (DESIGN "States": the live region), so the session is
/// `review`, not `waiting (approval)` again.
#[test]
fn an_answered_question_above_later_output_is_history() {
    let env = Env::new();
    env.config("[agents.scripted]\ncommand = [\"x\"]\nwaiting = [\"Allow this action\\\\? \\\\[y/N\\\\]\"]\n");
    let name = env.run(&["new", "ask", "-a", "scripted", "--", agent("asker.sh").as_str()]).trim().to_string();
    let s = env.wait_state("ask", "waiting", T);
    assert_eq!(s["detail"], "approval");
    env.run(&["answer", "ask", "yes"]);
    let s = env.wait_state("ask", "review", T);
    assert_eq!(s["detail"], "risks", "{s:#}");
    assert!(env.capture(&name).contains("Allow this action? [y/N] y"), "the old question is still on screen");
    // And it stays so: no later look takes the old question for a live one (a pause on
    // purpose, for the sink's next looks).
    std::thread::sleep(Duration::from_millis(1500));
    let s = env.show("ask");
    assert_eq!(s["state"], "review", "{s:#}");
    let states: Vec<String> = sources(&s).into_iter().map(|(st, _)| st).collect();
    assert_eq!(states.iter().filter(|st| *st == "waiting").count(), 1, "{states:?}");
    // `explain` says why: the risk summary decided it; earlier, the question, with the pattern
    // and the screen line it matched.
    let x: Value = serde_json::from_str(&env.run(&["explain", "ask", "--json"])).unwrap();
    let x = &x["explain"];
    assert_eq!(x["state"], "review", "{x:#}");
    assert_eq!(x["decided_by"]["source"], "checkpoint", "{x:#}");
    let asked = x["earlier"].as_array().unwrap().iter().find(|e| e["state"] == "waiting").expect("the question");
    assert_eq!(asked["pattern"], "Allow this action\\? \\[y/N\\]", "{x:#}");
    assert_eq!(asked["lines"][0], "Allow this action? [y/N]", "{x:#}");
    let text = env.run(&["explain", "ask"]);
    assert!(text.starts_with(&format!("{name}: review (risks), for ")), "{text}");
    assert!(text.contains("decided by  checkpoint"), "{text}");
    assert!(text.contains("`Allow this action"), "{text}");
}

/// A hook's question is not ended by output (Claude Code draws its own permission dialog after
/// its hook says so): the state holds, `explain` names what it outranked, and the next hook
/// moves it on.
#[test]
fn output_never_overturns_a_hooks_question_and_explain_says_so() {
    let env = Env::new();
    env.run(&["new", "p", "--", "sh", "-c", "echo ready; read x; echo drawing the dialog; read y"]);
    wait_for("ready", T, || env.run(&["logs", "p"]).contains("ready"));
    let hook = |payload: &str| {
        env.minder().env("MINDER_SESSION", "cmd-p").args(["notify", payload]).assert().success();
    };
    hook(r#"{"hook_event_name":"PermissionRequest","tool_name":"Bash"}"#);
    let s = env.wait_state("p", "waiting", T);
    assert_eq!((s["detail"].as_str(), s["state_source"].as_str()), (Some("approval"), Some("hook")));
    env.run(&["send", "p", "go"]);
    wait_for("the output", T, || env.run(&["logs", "p"]).contains("drawing the dialog"));
    wait_for("the outranked output in explain", T, || {
        let x: Value = serde_json::from_str(&env.run(&["explain", "p", "--json"])).unwrap();
        x["explain"]["outranked"].as_array().is_some_and(|o| o.iter().any(|o| o["source"] == "activity"))
    });
    let s = env.show("p");
    assert_eq!((s["state"].as_str(), s["detail"].as_str()), (Some("waiting"), Some("approval")), "{s:#}");
    let text = env.run(&["explain", "p"]);
    assert!(text.contains("decided by  hook"), "{text}");
    assert!(text.contains("PermissionRequest"), "{text}");
    assert!(text.contains("outranked  activity"), "{text}");
    hook(r#"{"hook_event_name":"PostToolUse","tool_name":"Bash"}"#);
    env.wait_state("p", "working", T);
    // A new state starts with nothing outranked.
    let x: Value = serde_json::from_str(&env.run(&["explain", "p", "--json"])).unwrap();
    assert_eq!(x["explain"]["outranked"], serde_json::json!([]), "{x:#}");
}

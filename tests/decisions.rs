//! A person's decision (approve, reject) never hides an agent that still runs, and a decided
//! session that has ended is not shown as working; stop works the same in every live state.

mod common;

use common::{wait_for, Env};
use std::time::Duration;

const T: Duration = Duration::from_secs(15);

fn status_segment(env: &Env) -> String {
    env.tmux_out(&["show-option", "-gqv", "@minder-status"]).trim_end().to_string()
}

fn listed(env: &Env, name: &str) -> bool {
    env.ls(false).iter().any(|s| s["name"] == name)
}

#[test]
fn approving_a_running_agent_keeps_it_listed_and_stop_still_interrupts_it() {
    let env = Env::new();
    env.run(&[
        "new",
        "zqa",
        "--",
        "bash",
        "-c",
        "trap 'echo got INT; exit 0' INT; while read l; do echo \"got: $l\"; done",
    ]);
    wait_for("the segment shows it", T, || status_segment(&env).contains("zqa"));
    env.run(&["approve", "zqa"]);
    assert_eq!(env.state("zqa"), "approved");
    assert!(listed(&env, "cmd-zqa"), "a running approved agent must stay in `minder ls`");
    wait_for("still in the segment", T, || status_segment(&env).contains("zqa"));
    // Stop is the same in every live state: the interrupt reaches the agent first.
    let out = env.minder().args(["stop", "zqa"]).output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("stopped `cmd-zqa`"), "{said}");
    assert!(!said.contains("already ended"), "{said}");
    assert_eq!(env.state("zqa"), "stopped");
    assert!(env.run(&["logs", "zqa"]).contains("got INT"), "the agent was interrupted, not just killed");
    assert!(!listed(&env, "cmd-zqa"), "an ended approved session needs nothing more");
}

#[test]
fn a_rejected_session_that_has_ended_is_not_shown_working() {
    let env = Env::new();
    env.run(&["new", "zqr", "--", "sh", "-c", "echo done"]);
    env.wait_state("zqr", "review", T);
    env.run(&["reject", "zqr", "--note", "try again"]);
    assert_eq!(env.state("zqr"), "rejected");
    wait_for("the segment forgets it", T, || !status_segment(&env).contains("zqr"));
    assert!(!listed(&env, "cmd-zqr"));
    assert!(env.ls(true).iter().any(|s| s["name"] == "cmd-zqr"), "`ls --all` still has it");
}

//! A person's decision (approve, reject) never hides an agent that still runs, and a decided
//! session that has ended is not shown as working; stop works the same in every live state.

use crate::common::{git, repo, wait_for, Env, T};

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
    // A plain command reading input is `working`: the decision is named beside it.
    let s = env.show("zqa");
    assert_eq!((s["state"].as_str(), s["decision"]["verdict"].as_str()), (Some("working"), Some("approved")));
    assert!(listed(&env, "cmd-zqa"), "a running approved agent must stay in `minder ls`");
    wait_for("still in the segment", T, || status_segment(&env).contains("zqa"));
    // Stop is the same in every live state: the interrupt reaches the agent first.
    let out = env.minder().args(["stop", "zqa"]).output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("stopped `cmd-zqa`"), "{said}");
    assert!(!said.contains("already ended"), "{said}");
    assert_eq!(env.state("zqa"), "approved", "the verdict outlives stop");
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

fn new_in(env: &Env, dir: &std::path::Path, args: &[&str]) -> String {
    let out = env.minder().current_dir(dir).arg("new").args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Issue 1: a person who means to answer the agent must never approve it by mistake.
#[test]
fn approve_refuses_a_waiting_question_and_answer_answers_it() {
    let env = Env::new();
    env.run(&["new", "-a", "demo", "osc", "--goal", "show the flow"]);
    env.wait_state("osc", "waiting", T);
    assert_eq!(env.show("osc")["detail"], "approval");
    let said = env.fail(&["approve", "osc"], 1);
    assert!(said.contains("is asking a question") && said.contains("minder answer"), "{said}");
    assert_eq!(env.state("osc"), "waiting", "nothing changed");
    assert!(env.show("osc")["decision"].is_null(), "no decision was recorded");
    // It stays in every attention view.
    wait_for("the segment shows it waiting", T, || status_segment(&env).contains("? osc"));
    let summary = env.run(&["status-line", "--summary"]);
    assert!(summary.contains("1 waiting (osc)"), "{summary}");
    // `answer` does what the person meant.
    env.run(&["answer", "osc", "yes"]);
    env.wait_state("osc", "review", T);
    let said = env.fail(&["answer", "osc", "no"], 1);
    assert!(said.contains("is not asking anything"), "{said}");
    env.run(&["approve", "osc"]);
    assert_eq!(env.state("osc"), "approved");
}

/// Issue 2: a verdict outlives the agent: exit 0 after more input, stop, a server crash and
/// restore; `apply` works on it.
#[test]
fn a_verdict_outlives_exit_stop_and_a_server_crash() {
    let env = Env::new();
    let repo = repo(&env);
    let script = "echo x>f; git add f; git commit -qm work; echo committed; read a; exit 0";
    let name = new_in(&env, &repo, &["feat", "-w", "--", "bash", "-c", script]);
    wait_for("the commit", T, || env.run(&["logs", "feat"]).contains("committed"));
    env.run(&["approve", "feat"]);
    assert_eq!(env.show("feat")["decision"]["verdict"], "approved");
    env.run(&["send", "feat", "go"]);
    env.wait_state("feat", "approved", T);
    let s = env.show("feat");
    assert_eq!(s["exit_code"], 0, "{s:#}");
    assert_eq!(s["decision"]["verdict"], "approved", "{s:#}");
    assert_eq!(s["decision"]["round"], 1);
    let v: serde_json::Value = serde_json::from_str(&env.run(&["apply", "--json", "--no-rm", "feat"])).unwrap();
    assert_eq!(v["applied"]["how"], "fast-forward", "{v:#}");
    assert_eq!(git(&repo, &["log", "-1", "--format=%s"]).trim(), "work");
    let _ = name;

    // approve; stop
    let stopped = new_in(&env, &repo, &["halt", "-w", "--", "bash", "-c", "echo ready; read a"]);
    wait_for("ready", T, || env.run(&["logs", "halt"]).contains("ready"));
    env.run(&["approve", "halt"]);
    env.run(&["stop", "halt"]);
    assert_eq!(env.state("halt"), "approved", "the verdict outlives stop");
    assert_eq!(env.show(&stopped)["decision"]["verdict"], "approved");
    // ...and `rm --keep-logs`: the record goes with the logs, its decision in it.
    env.run(&["rm", "--keep-logs", "--force", "halt"]);
    let kept: Vec<_> = std::fs::read_dir(env.state_dir().join("kept-logs")).unwrap().flatten().collect();
    let record = std::fs::read_to_string(kept[0].path().join("session.json")).unwrap();
    let record: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["decision"]["verdict"], "approved", "{record:#}");

    // approve; the tmux server dies; restore
    let crash = new_in(&env, &repo, &["crash", "-w", "--", "bash", "-c", "echo ready; read a; exit 0"]);
    wait_for("ready", T, || env.run(&["logs", "crash"]).contains("ready"));
    env.run(&["approve", "crash"]);
    let pid = env.server_pid().unwrap();
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    env.wait_state("crash", "lost", T);
    assert_eq!(env.show(&crash)["decision"]["verdict"], "approved", "lost keeps the decision");
    env.run(&["restore", "crash"]);
    wait_for("restored and idle again", T, || {
        let s = env.show(&crash);
        s["decision"]["verdict"] == "approved" && s["state"] != "lost"
    });
    env.run(&["send", "crash", "bye"]);
    env.wait_state("crash", "approved", T);
}

/// An agent that works again after a decision shows `working`, the decision and its new
/// commits in the detail; new commits make it need a review again once it is done.
#[test]
fn new_work_after_approval_is_named_and_needs_a_new_review() {
    let env = Env::new();
    let repo = repo(&env);
    let script = "while read l; do echo \"$l\" >> f; git add f; git commit -qm \"$l\"; echo \"did $l\"; sleep 1; echo idle; done";
    new_in(&env, &repo, &["more", "-w", "--", "bash", "-c", script]);
    env.run(&["send", "more", "one"]);
    wait_for("the first commit", T, || env.run(&["logs", "more"]).contains("did one"));
    env.run(&["review", "more"]);
    env.run(&["approve", "more"]);
    let approved = env.show("more")["decision"]["commit"].as_str().unwrap().to_string();
    env.run(&["send", "more", "two"]);
    wait_for("the second commit", T, || env.run(&["logs", "more"]).contains("did two"));
    // The approved commit stays what was reviewed, whatever the agent did since.
    assert_eq!(env.show("more")["approved_commit"], approved.as_str());
    // A new review is needed before approving what came after it.
    let said = env.fail(&["approve", "more"], 1);
    assert!(said.contains("new commits since your review"), "{said}");
    env.run(&["stop", "more"]);
    let s = env.show("more");
    assert_eq!(s["state"], "stopped", "new work after the approval is not covered: {s:#}");
    assert_eq!(s["decision"]["commit"], approved.as_str());
}

/// Issue 3: in a shared checkout, others' commits are named as such and never approved.
#[test]
fn others_commits_in_a_shared_checkout_are_never_the_agents() {
    let env = Env::new();
    let repo = repo(&env);
    new_in(&env, &repo, &["shared", "--", "bash", "-c", "echo ready; read a; echo done"]);
    wait_for("ready", T, || env.run(&["logs", "shared"]).contains("ready"));
    let base = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    for i in 0..3 {
        std::fs::write(repo.join(format!("mine{i}")), "x").unwrap();
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", &format!("the person's commit {i}")]);
    }
    env.run(&["send", "shared", "go"]);
    env.wait_state("shared", "review", T);
    let review = env.run(&["review", "shared"]);
    assert!(review.contains("commits by others in this shared checkout"), "{review}");
    assert!(!review.contains("commits since the base"), "none of them is the agent's: {review}");
    let json: serde_json::Value = serde_json::from_str(&env.run(&["review", "--json", "shared"])).unwrap();
    assert_eq!(json["review"]["others_commits"].as_array().unwrap().len(), 3, "{json:#}");
    env.run(&["approve", "shared"]);
    assert_eq!(env.show("shared")["approved_commit"], base.as_str(), "the approval covers the start, not others' work");
}

/// The agent's own commits in a shared checkout are recorded by minder's git hooks; mixed
/// with others' on the same branch, an approval is refused with the reason.
#[test]
fn a_shared_checkout_with_the_agents_and_others_commits_refuses_approval() {
    let env = Env::new();
    let repo = repo(&env);
    let script = "read a; echo x > agentfile; git add agentfile; git commit -qm 'agent work'; echo committed; read b";
    new_in(&env, &repo, &["mixed", "--", "bash", "-c", script]);
    std::fs::write(repo.join("person"), "x").unwrap();
    git(&repo, &["add", "person"]);
    git(&repo, &["commit", "-q", "-m", "the person's commit"]);
    env.run(&["send", "mixed", "go"]);
    wait_for("the agent's commit", T, || env.run(&["logs", "mixed"]).contains("committed"));
    let review = env.run(&["review", "mixed"]);
    assert!(review.contains("commits since the base (1)") && review.contains("agent work"), "{review}");
    assert!(review.contains("commits by others") && review.contains("the person's commit"), "{review}");
    let said = env.fail(&["approve", "mixed"], 1);
    assert!(said.contains("shares its checkout") && said.contains("-w"), "{said}");
    assert!(env.show("mixed")["decision"].is_null());
}

/// A decision is the person's: from inside an agent's session it is refused, however the
/// agent hides (its environment scrubbed), and the push stays blocked.
#[test]
fn the_agent_cannot_approve_itself() {
    let env = Env::new();
    let repo = repo(&env);
    let minder = env!("CARGO_BIN_EXE_minder");
    let script = format!(
        "echo x>f; git add f; git commit -qm work; \
         {minder} approve \"$MINDER_SESSION\" > approve1.txt 2>&1; echo \"rc=$?\" >> approve1.txt; \
         env -u MINDER_SESSION -u TMUX -u TMUX_PANE {minder} approve cmd-self > approve2.txt 2>&1; echo \"rc=$?\" >> approve2.txt; \
         setsid sh -c 'env -i PATH=/usr/bin:/bin HOME=$HOME XDG_STATE_HOME=$XDG_STATE_HOME MINDER_TMUX_SOCKET=$MINDER_TMUX_SOCKET TMUX_TMPDIR=$TMUX_TMPDIR {minder} reject cmd-self --note x' > approve3.txt 2>&1; echo \"rc=$?\" >> approve3.txt; \
         tmux set-option -u @minder; tmux new-window \"env -u MINDER_SESSION {minder} approve cmd-self > $PWD/approve4.txt 2>&1; echo rc=\\$? >> $PWD/approve4.txt\"; \
         while [ ! -s approve4.txt ] || ! grep -q rc= approve4.txt; do sleep 0.1; done; \
         echo tried; read a"
    );
    let name = new_in(&env, &repo, &["self", "-w", "--", "bash", "-c", &script]);
    wait_for("its tries", T, || env.run(&["logs", "self"]).contains("tried"));
    let wt = std::path::PathBuf::from(env.show(&name)["dir"].as_str().unwrap());
    // 1: as it is; 2: its environment scrubbed; 3: `setsid` with a bare environment; 4: a new
    // window of its own session (outside its process tree, `@minder` unset): its terminal.
    for f in ["approve1.txt", "approve2.txt", "approve3.txt", "approve4.txt"] {
        let said = std::fs::read_to_string(wt.join(f)).unwrap();
        assert!(said.contains("inside an agent's session") && said.contains("rc=1"), "{f}: {said}");
    }
    assert!(env.show(&name)["decision"].is_null(), "no decision was recorded");
    // The person can.
    env.run(&["approve", "self"]);
    assert_eq!(env.show(&name)["decision"]["verdict"], "approved");
}

/// A NAME given to `new` with spaces or accents is slugged, and the same words find it again.
#[test]
fn a_session_is_found_by_the_name_it_was_given() {
    let env = Env::new();
    assert_eq!(env.run(&["new", "fix the bug", "--", "sleep", "30"]).trim(), "cmd-fix-the-bug");
    assert_eq!(env.run(&["new", "réparer ça", "--", "sleep", "30"]).trim(), "cmd-reparer-ca");
    assert_eq!(env.show("fix the bug")["name"], "cmd-fix-the-bug");
    assert_eq!(env.show("réparer ça")["name"], "cmd-reparer-ca");
}

/// `stuck` is declared after a silence: it must not make the last output look recent.
#[test]
fn stuck_keeps_the_time_since_the_last_output() {
    let env = Env::new();
    env.config("stuck_after = \"1s\"\n");
    env.run(&["new", "quiet", "--", "sh", "-c", "echo once; sleep 60"]);
    env.wait_state("quiet", "stuck", T);
    let s = env.show("quiet");
    let at = |k: &str| chrono::DateTime::parse_from_rfc3339(s[k].as_str().unwrap()).unwrap();
    let stuck_at = at("state_at");
    let active = at("last_activity_at");
    assert!(
        active < stuck_at - chrono::Duration::milliseconds(500),
        "ACTIVE is the last output, not the stuck mark: {s:#}"
    );
}

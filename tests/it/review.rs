//! Briefs, checkpoints, worktrees and the review gate, on real git repositories with a local
//! bare remote and private tmux servers.

use crate::common::{self, agent, git, wait_for, Env, T};
use std::path::PathBuf;
use std::process::Command;

/// A repository with one commit on `main`, pushed to a bare remote, and a pre-commit hook that
/// leaves a marker (to prove the repository's own hooks still run).
fn repo(env: &Env) -> PathBuf {
    let repo = common::repo_with_remote(env);
    let hook = repo.join(".git/hooks/pre-commit");
    common::write_script(&hook, format!("#!/bin/sh\necho ran >> '{}'\n", env.path("pre-commit-ran").display()));
    repo
}

/// Send a shell line to the shell agent and wait for its `rc=` answer; returns the new output.
fn shell(env: &Env, name: &str, line: &str) -> String {
    let before = env.run(&["logs", name, "--raw"]).matches("rc=").count();
    env.run(&["send", name, line]);
    wait_for(&format!("`{line}` to finish"), T, || env.run(&["logs", name, "--raw"]).matches("rc=").count() > before);
    env.run(&["logs", name])
}

#[test]
fn brief_from_flags_reaches_the_agent_and_stays_out_of_git_status() {
    let env = Env::new();
    let repo = repo(&env);
    env.config("[agents.scripted]\ncommand = [\"x\"]\nprompt = \"argument\"\n");
    let out = env
        .minder()
        .current_dir(&repo)
        .args([
            "new",
            "-a",
            "scripted",
            "--goal",
            "Make the login test pass",
            "--allow",
            "edit src/",
            "--deny",
            "touch the schema",
            "--stop-when",
            "tests pass",
            "--",
            agent("printargs.sh").as_str(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(name, "scripted-make-the-login-test");
    env.wait_state(&name, "review", T);
    let s = env.show(&name);
    let cp = PathBuf::from(s["checkpoint_dir"].as_str().unwrap());
    assert_eq!(cp, repo.canonicalize().unwrap().join(".minder").join(&name));
    let brief = std::fs::read_to_string(cp.join("BRIEF.md")).unwrap();
    for want in ["Make the login test pass", "- edit src/", "- touch the schema", "- tests pass", "PLAN.md", "RISKS.md"]
    {
        assert!(brief.contains(want), "{want} missing from\n{brief}");
    }
    let log = env.run(&["logs", &name]);
    assert!(log.contains(&format!("Read your brief in {}/BRIEF.md", cp.display())), "{log}");
    assert!(log.contains(&format!("dir={}", cp.display())), "{log}");
    assert_eq!(git(&repo, &["status", "--porcelain"]), "", "checkpoints show in git status");
}

#[test]
fn brief_from_a_file_and_a_missing_one() {
    let env = Env::new();
    let file = env.path("brief.md");
    std::fs::write(&file, "# Fix flaky CI\n\nMake `ci/test` pass ten times in a row.\n").unwrap();
    let name = env.run(&["new", "-a", "demo", "--brief", file.to_str().unwrap()]).trim().to_string();
    assert_eq!(name, "demo-make-ci-test-pass-ten");
    let s = env.show(&name);
    let brief = std::fs::read_to_string(PathBuf::from(s["checkpoint_dir"].as_str().unwrap()).join("BRIEF.md")).unwrap();
    assert!(brief.contains("Make `ci/test` pass ten times in a row.") && brief.contains("RISKS.md"), "{brief}");
    let err = env.fail(&["new", "-a", "demo", "--brief", "/no/such/brief.md"], 2);
    assert!(err.contains("cannot read brief `/no/such/brief.md`"), "{err}");
    env.run(&["stop", &name]);
}

#[test]
fn worktree_on_its_branch_push_gated_until_approved_and_repo_hooks_still_run() {
    let env = Env::new();
    let repo = repo(&env);
    env.config(&format!(
        "[review]\non_approve = \"env | grep ^MINDER_ | sort > '{}'\"\n",
        env.path("approved.env").display()
    ));
    let out = env
        .minder()
        .current_dir(&repo)
        .args(["new", "gate", "-w", "--", agent("shell-agent.sh").as_str()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = env.show("gate");
    let wt = PathBuf::from(s["worktree"]["path"].as_str().unwrap());
    assert_eq!(s["worktree"]["branch"], "minder/gate");
    assert_eq!(s["worktree"]["base"], "main");
    assert_eq!(PathBuf::from(s["dir"].as_str().unwrap()), wt);
    assert_eq!(git(&wt, &["branch", "--show-current"]).trim(), "minder/gate");
    wait_for("agent ready", T, || env.run(&["logs", "gate"]).contains("shell agent ready"));

    let log =
        shell(&env, "gate", "echo change > file.txt && git add file.txt && git commit -q -m change && echo committed");
    assert!(log.contains("committed"), "{log}");
    assert!(env.path("pre-commit-ran").exists(), "the repository's pre-commit hook did not run");
    let hooks_path =
        Command::new("git").args(["config", "--get-all", "core.hooksPath"]).current_dir(&repo).output().unwrap();
    assert!(hooks_path.stdout.is_empty(), "repo config was edited");

    let log = shell(&env, "gate", "git push -q origin HEAD 2>&1; echo pushed=$?");
    assert!(log.contains("push refused: session `cmd-gate` is not approved yet"), "{log}");
    assert!(log.contains("pushed=1"), "{log}");
    assert!(git(&env.path("remote.git"), &["branch", "--list", "minder/gate"]).trim().is_empty());

    // The review shows the commit against the base.
    let review = env.run(&["review", "gate"]);
    assert!(review.contains("file.txt") && review.contains("files changed in total against"), "{review}");
    let json: serde_json::Value = serde_json::from_str(&env.run(&["review", "gate", "--json"])).unwrap();
    assert_eq!(json["review"]["diff"]["files_changed"], 1);

    env.run(&["approve", "gate", "--note", "looks right"]);
    let s = env.show("gate");
    assert_eq!(s["decision"]["verdict"], "approved");
    let approved = std::fs::read_to_string(env.path("approved.env")).unwrap();
    assert!(
        approved.contains("MINDER_SESSION=cmd-gate") && approved.contains("MINDER_BRANCH=minder/gate"),
        "{approved}"
    );
    assert!(approved.contains(&format!("MINDER_WORKTREE={}", wt.display())), "{approved}");
    let log = shell(&env, "gate", "git push -q origin HEAD 2>&1; echo pushed=$?");
    assert!(log.contains("pushed=0"), "{log}");
    assert_eq!(git(&env.path("remote.git"), &["branch", "--list", "minder/gate"]).trim(), "minder/gate");
}

/// The report has, in order, each section with content: the brief's lists, the plan's items,
/// STATUS.md, RISKS.md, the commits apart from the uncommitted changes, the files changed in
/// total, the artifacts with their last lines, a refused push, the time worked, the approved
/// commit; the agent's text shows its control characters as visible escapes; `--json` carries
/// the same.
#[test]
fn the_report_shows_what_a_person_decides_from() {
    let env = Env::new();
    let repo = repo(&env);
    let out = env
        .minder()
        .current_dir(&repo)
        .args([
            "new",
            "rep",
            "-w",
            "--goal",
            "Fix the dates",
            "--allow",
            "edit src/",
            "--deny",
            "touch the schema",
            "--stop-when",
            "tests pass",
            "--",
            agent("shell-agent.sh").as_str(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_for("agent ready", T, || env.run(&["logs", "rep"]).contains("shell agent ready"));
    let cp = PathBuf::from(env.show("rep")["checkpoint_dir"].as_str().unwrap());
    shell(&env, "rep", "echo one > a.txt && git add a.txt && git commit -q -m 'first: add a' && echo two > b.txt && git add b.txt && git commit -q -m 'second: add b'");
    shell(&env, "rep", "echo more >> a.txt && echo new > c.txt");
    shell(&env, "rep", "git push -q origin HEAD 2>&1; echo pushed=$?");
    std::fs::write(cp.join("PLAN.md"), "- [x] read the code\n- [ ] write the fix\n").unwrap();
    std::fs::write(cp.join("STATUS.md"), "halfway \x1b[2J\x1b]52;c;aGk=\x07 \x1b[8mdropped the users table\x1b[0m\n")
        .unwrap();
    std::fs::write(cp.join("RISKS.md"), "the parser is untested\n").unwrap();
    std::fs::create_dir_all(cp.join("artifacts")).unwrap();
    std::fs::write(
        cp.join("artifacts/test-output.txt"),
        "running 3 tests\ntest a ... ok\ntest b ... FAILED\ntest result: FAILED. 2 passed; 1 failed\n",
    )
    .unwrap();
    env.wait_state("rep", "review", T);

    let review = env.run(&["review", "rep"]);
    let order = [
        "brief",
        "goal:         Fix the dates",
        "allowed:      edit src/",
        "not allowed:  touch the schema",
        "stop when:    tests pass",
        "plan (1/2)",
        "[x] read the code",
        "[ ] write the fix",
        "status (STATUS.md)",
        "risks (RISKS.md)",
        "the parser is untested",
        "commits since the base (2)",
        "second: add b",
        "first: add a",
        "uncommitted changes",
        "a.txt",
        "new files not yet added: c.txt",
        "files changed in total against",
        "artifacts",
        "test-output.txt (",
        "test result: FAILED. 2 passed; 1 failed",
        "to know",
        "push refused",
    ];
    let mut at = 0;
    for want in order {
        let found =
            review[at..].find(want).unwrap_or_else(|| panic!("`{want}` missing (or out of order) in:\n{review}"));
        at += found + want.len();
    }
    // What the agent wrote shows, its sequences made visible rather than obeyed or dropped.
    assert!(review.contains("halfway \\e[2J\\e]52;c;aGk=\\a \\e[8mdropped the users table\\e[0m"), "{review}");
    assert!(!review.contains('\x1b'), "no escape reaches the terminal:\n{review}");
    assert!(review.contains("worked"), "{review}");

    env.run(&["approve", "rep"]);
    let review = env.run(&["review", "rep"]);
    let head = git(&PathBuf::from(env.show("rep")["dir"].as_str().unwrap()), &["rev-parse", "HEAD"]);
    assert!(review.contains(&format!("approved  {}", head.trim())), "{review}");

    let json: serde_json::Value = serde_json::from_str(&env.run(&["review", "rep", "--json"])).unwrap();
    let r = &json["review"];
    assert_eq!(r["brief"]["not_allowed"][0], "touch the schema");
    assert_eq!(r["plan"][1], serde_json::json!({"done": false, "text": "write the fix"}));
    assert_eq!(r["commits"].as_array().unwrap().len(), 2);
    assert_eq!(r["commits"][0]["subject"], "second: add b");
    assert_eq!(r["uncommitted"]["untracked"][0], "c.txt");
    assert_eq!(r["artifacts"][0]["path"], "test-output.txt");
    assert_eq!(r["events"][0]["kind"], "push refused");
    assert_eq!(r["approved_commit"], head.trim());
    assert!(r["time_worked_s"].as_i64().unwrap() >= 0);
}

/// `--check` runs when each attempt reaches review, in its worktree, output kept as an
/// artifact; `review` ranks the attempts, the passing one first, and says why.
#[test]
fn checks_run_at_review_and_rank_the_attempts() {
    let env = Env::new();
    let repo = repo(&env);
    let out = env
        .minder()
        .current_dir(&repo)
        .args([
            "new",
            "pick",
            "--attempts",
            "2",
            "--check",
            "test -f pass.txt",
            "--check",
            "git log --oneline -1",
            "--",
            agent("attempt.sh").as_str(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for n in 1..=2 {
        let name = format!("cmd-pick-{n}");
        env.wait_state(&name, "review", T);
        assert!(env.run(&["logs", &name]).contains(&format!("attempt {n}")), "MINDER_ATTEMPT is set");
        wait_for("its checks", T, || {
            let r: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(env.state_dir().join("sessions").join(&name).join("session.json")).unwrap(),
            )
            .unwrap();
            r["check_results"].as_array().is_some_and(|a| a.len() == 2)
        });
    }
    let review = env.run(&["review"]);
    let lines: Vec<&str> = review.lines().collect();
    let row = |n: usize| {
        lines
            .iter()
            .find(|l| l.contains(&format!("cmd-pick-{n} ")))
            .copied()
            .unwrap_or_else(|| panic!("no row for {n}:\n{review}"))
    };
    assert!(row(2).starts_with('1') && row(2).contains("2/2") && row(2).contains("checks pass"), "{review}");
    assert!(row(1).starts_with('2') && row(1).contains("1/2") && row(1).contains("checks fail (1/2)"), "{review}");
    // The output of each check is an artifact of its attempt.
    let json: serde_json::Value = serde_json::from_str(&env.run(&["review", "cmd-pick-1", "--json"])).unwrap();
    let arts: Vec<&str> =
        json["review"]["artifacts"].as_array().unwrap().iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert_eq!(arts, ["check-1.txt", "check-2.txt"], "{json:#}");
    assert!(json["review"]["artifacts"][1]["last_lines"][0].as_str().unwrap().contains("attempt 1"), "{json:#}");
}

/// Commits the agent made on a detached HEAD are on no branch: `rm` refuses, naming the commit,
/// rather than leave them to the reflog.
#[test]
fn rm_refuses_commits_that_no_branch_holds() {
    let env = Env::new();
    let repo = repo(&env);
    env.minder()
        .current_dir(&repo)
        .args(["new", "det", "-w", "--", agent("shell-agent.sh").as_str()])
        .assert()
        .success();
    wait_for("agent ready", T, || env.run(&["logs", "det"]).contains("shell agent ready"));
    shell(
        &env,
        "det",
        "git checkout -q --detach && echo lost > lost.txt && git add lost.txt && git commit -q -m 'on no branch'",
    );
    env.run(&["stop", "det"]);
    let wt = PathBuf::from(env.show("det")["dir"].as_str().unwrap());
    let head = git(&wt, &["rev-parse", "--short=12", "HEAD"]);
    let err = env.fail(&["rm", "det"], 1);
    assert!(err.contains("no branch holds") && err.contains(head.trim()), "{err}");
    assert!(wt.join("lost.txt").exists(), "nothing was removed");
}

#[test]
fn rm_refuses_unmerged_work_and_never_deletes_its_branch_silently() {
    let env = Env::new();
    let repo = repo(&env);
    env.minder()
        .current_dir(&repo)
        .args(["new", "wip", "-w", "--", agent("shell-agent.sh").as_str()])
        .assert()
        .success();
    wait_for("agent ready", T, || env.run(&["logs", "wip"]).contains("shell agent ready"));
    shell(&env, "wip", "echo new > new.txt && git add new.txt && git commit -q -m wip");
    shell(&env, "wip", "echo dirty >> new.txt");
    env.run(&["stop", "wip"]);
    let err = env.fail(&["rm", "wip"], 1);
    assert!(err.contains("uncommitted change") && err.contains("not on `main`"), "{err}");
    let wt = PathBuf::from(env.show("wip")["worktree"]["path"].as_str().unwrap());
    assert!(wt.exists());
    let out = env.minder().args(["rm", "--force", "wip"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("kept branch `minder/wip`"));
    assert!(!wt.exists());
    assert_eq!(git(&repo, &["branch", "--list", "minder/wip"]).trim(), "minder/wip");

    // A worktree whose work is merged goes, branch and all, without --force.
    env.minder().current_dir(&repo).args(["new", "clean", "-w", "--", "sh", "-c", "echo done"]).assert().success();
    env.wait_state("clean", "review", T);
    env.run(&["rm", "clean"]);
    assert_eq!(git(&repo, &["branch", "--list", "minder/clean"]).trim(), "");
}

#[test]
fn reject_sends_the_note_to_the_agent_which_then_works_again() {
    let env = Env::new();
    let got = env.path("got.txt");
    env.run(&["new", "rj", "--", agent("reader.sh").as_str(), got.to_str().unwrap()]);
    wait_for("reader ready", T, || env.capture("cmd-rj").contains("ready>"));
    env.run(&["reject", "rj", "--note", "add a test for the empty case; keep it small"]);
    wait_for("note received", T, || {
        std::fs::read_to_string(&got).map(|s| s == "[add a test for the empty case; keep it small]\n").unwrap_or(false)
    });
    let s = env.wait_state("rj", "working", T);
    let states: Vec<&str> = s["events"].as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap()).collect();
    assert!(states.ends_with(&["rejected"]), "{states:?}");
    assert!(s["detail"].as_str().unwrap().starts_with("rejected"), "working again, the decision named: {s:#}");
    let rejected = s["events"].as_array().unwrap().iter().find(|e| e["state"] == "rejected").unwrap();
    assert_eq!(rejected["note"], "add a test for the empty case; keep it small");
}

#[test]
fn three_attempts_in_three_worktrees_side_by_side() {
    let env = Env::new();
    let repo = repo(&env);
    let script = "n=${MINDER_SESSION##*-}; i=0; while [ $i -lt $n ]; do echo line$i >> work.txt; i=$((i+1)); done; git add work.txt; mkdir -p \"$MINDER_DIR\"; echo \"attempt $n risk\" > \"$MINDER_DIR/RISKS.md\"";
    let out = env
        .minder()
        .current_dir(&repo)
        .args(["new", "try", "--attempts", "3", "--goal", "pick the best", "--", "sh", "-c", script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(names, ["cmd-try-1", "cmd-try-2", "cmd-try-3"]);
    let mut paths = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let s = env.wait_state(n, "review", T);
        assert_eq!(s["attempt"], i + 1);
        assert_eq!(s["worktree"]["branch"], format!("minder/try-{}", i + 1));
        paths.push(s["worktree"]["path"].as_str().unwrap().to_string());
    }
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 3);
    let review = env.run(&["review"]);
    assert!(review.contains("attempts on `try`"), "{review}");
    for n in 1..=3 {
        assert!(review.contains(&format!("cmd-try-{n}")) && review.contains(&format!("attempt {n} risk")), "{review}");
        assert!(review.contains(&format!("1 files +{n} -0")), "{review}");
    }
    // An attempt is known by its task and number, as its name shows it; the task alone is
    // ambiguous and says which ones it could be.
    env.minder().args(["wait", "try-2", "--until", "review", "--timeout", "5s"]).assert().code(0);
    assert_eq!(env.show("try-3")["name"], "cmd-try-3");
    let err = env.fail(&["show", "try"], 1);
    assert!(err.contains("cmd-try-1") && err.contains("cmd-try-3"), "{err}");
}

#[test]
fn attempts_outside_git_say_what_they_need() {
    let env = Env::new();
    let err = env.fail(&["new", "x", "--attempts", "2", "--", "true"], 2);
    assert!(err.contains("--attempts") && err.contains("git repository") && !err.contains("--worktree needs"), "{err}");
}

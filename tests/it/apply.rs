//! `minder apply`: an approved session's commit into its base branch of the main checkout —
//! fast-forward, merge, `--squash` — and every refusal leaving the repository exactly as it
//! was. Real git, real tmux.

use crate::common::{agent, git, repo, Env, T};
use std::path::{Path, PathBuf};

/// A worktree session whose agent commits `file` with `content`, reviewed and approved.
fn approved(env: &Env, repo: &Path, task: &str, file: &str, content: &str) -> String {
    let out = env
        .minder()
        .current_dir(repo)
        .args([
            "new",
            "-w",
            task,
            "--goal",
            &format!("Write {file}"),
            "--",
            agent("committer.sh").as_str(),
            file,
            content,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let name = String::from_utf8(out.stdout).unwrap().trim().to_string();
    env.wait_state(&name, "review", T);
    env.run(&["approve", &name]);
    name
}

/// Everything a refusal must leave as it was.
fn snapshot(repo: &Path) -> String {
    let merging = repo.join(".git/MERGE_HEAD").exists();
    format!(
        "{}{}{}merging={merging}",
        git(repo, &["rev-parse", "HEAD"]),
        git(repo, &["status", "--porcelain"]),
        git(repo, &["for-each-ref", "--format=%(refname) %(objectname)"])
    )
}

fn apply_json(env: &Env, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["apply", "--json"];
    all.extend(args);
    serde_json::from_str(&env.run(&all)).unwrap()
}

#[test]
fn fast_forward_then_the_session_and_its_worktree_are_gone() {
    let env = Env::new();
    let repo = repo(&env);
    let name = approved(&env, &repo, "ff", "a.txt", "from the agent");
    let approved_commit = env.show(&name)["approved_commit"].as_str().unwrap().to_string();
    let wt = PathBuf::from(env.show(&name)["dir"].as_str().unwrap());
    let v = apply_json(&env, &[&name]);
    assert_eq!(v["applied"]["how"], "fast-forward", "{v:#}");
    assert_eq!(git(&repo, &["rev-parse", "main"]).trim(), approved_commit);
    assert_eq!(std::fs::read_to_string(repo.join("a.txt")).unwrap(), "from the agent\n", "the checkout has the work");
    assert_eq!(v["applied"]["removed"], true, "{v:#}");
    assert!(env.ls(true).is_empty() && !wt.exists());
    assert_eq!(git(&repo, &["branch", "--list", "minder/ff"]), "", "the merged branch goes with it");
}

#[test]
fn a_moved_base_gets_a_merge_commit_and_squash_gets_one_commit_with_the_goal() {
    let env = Env::new();
    let repo = repo(&env);
    let merged = approved(&env, &repo, "mg", "b.txt", "merge me");
    let squashed = approved(&env, &repo, "sq", "c.txt", "squash me");
    std::fs::write(repo.join("other.txt"), "meanwhile\n").unwrap();
    git(&repo, &["add", "other.txt"]);
    git(&repo, &["commit", "-q", "-m", "meanwhile on main"]);

    let before = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let v = apply_json(&env, &[&merged, "--no-rm"]);
    assert_eq!(v["applied"]["how"], "merge", "{v:#}");
    let parents = git(&repo, &["rev-list", "--parents", "-n", "1", "HEAD"]);
    let parents: Vec<&str> = parents.split_whitespace().skip(1).collect();
    assert_eq!(parents, [before.as_str(), v["applied"]["approved_commit"].as_str().unwrap()]);
    assert!(
        git(&repo, &["log", "-1", "--format=%B"]).contains(&format!("Merge approved work of minder session {merged}"))
    );
    assert_eq!(v["applied"]["removed"], false);
    assert_eq!(env.state(&merged), "approved", "--no-rm keeps it");

    let before = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let v = apply_json(&env, &[&squashed, "--squash"]);
    assert_eq!(v["applied"]["how"], "squash", "{v:#}");
    assert_eq!(
        git(&repo, &["rev-list", "--parents", "-n", "1", "HEAD"]).split_whitespace().skip(1).collect::<Vec<_>>(),
        [before.as_str()]
    );
    let message = git(&repo, &["log", "-1", "--format=%B"]);
    assert!(message.starts_with("Write c.txt\n") && message.contains(&format!("session {squashed}")), "{message}");
    assert_eq!(std::fs::read_to_string(repo.join("c.txt")).unwrap(), "squash me\n");
    // Its worktree held nothing past the approved commit: removed, the branch kept (git does
    // not count a squashed branch as merged, and minder deletes only merged ones).
    assert_eq!(v["applied"]["removed"], true, "{v:#}");
    assert_eq!(git(&repo, &["branch", "--list", "minder/sq"]).trim(), "minder/sq");
}

#[test]
fn every_refusal_leaves_the_repository_as_it_was() {
    let env = Env::new();
    let repo = repo(&env);

    // Not approved (still in review).
    let out = env
        .minder()
        .current_dir(&repo)
        .args(["new", "-w", "pending", "--", agent("committer.sh").as_str(), "p.txt", "x"])
        .output()
        .unwrap();
    let pending = String::from_utf8(out.stdout).unwrap().trim().to_string();
    env.wait_state(&pending, "review", T);
    let before = snapshot(&repo);
    let err = env.fail(&["apply", &pending], 1);
    assert!(err.contains("is review, not approved"), "{err}");
    assert_eq!(snapshot(&repo), before);

    // Uncommitted changes in the main checkout.
    let name = approved(&env, &repo, "clash", "README", "the agent's README");
    std::fs::write(repo.join("README"), "my own edit\n").unwrap();
    let before = snapshot(&repo);
    let err = env.fail(&["apply", &name], 1);
    assert!(err.contains("uncommitted change"), "{err}");
    assert_eq!(snapshot(&repo), before);
    git(&repo, &["checkout", "--", "README"]);

    // Another branch checked out.
    git(&repo, &["checkout", "-q", "-b", "elsewhere"]);
    let before = snapshot(&repo);
    let err = env.fail(&["apply", &name], 1);
    assert!(err.contains("`elsewhere` checked out, not `main`"), "{err}");
    assert_eq!(snapshot(&repo), before);
    git(&repo, &["checkout", "-q", "main"]);

    // A conflict: main changed the same line. Aborted, the file named; for --squash too.
    std::fs::write(repo.join("README"), "main's README\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "main edits README"]);
    for flags in [&[][..], &["--squash"][..]] {
        let before = snapshot(&repo);
        let mut args = vec!["apply", name.as_str()];
        args.extend(flags);
        let err = env.fail(&args, 1);
        assert!(err.contains("conflicts in README") && err.contains("nothing was changed"), "{flags:?}: {err}");
        assert_eq!(snapshot(&repo), before, "{flags:?}");
    }
    assert_eq!(env.state(&name), "approved", "a refusal removes nothing");

    // Not a worktree session.
    let plain = env.run(&["new", "plain", "--", "true"]).trim().to_string();
    env.wait_state(&plain, "review", T);
    env.run(&["approve", &plain]);
    assert!(env.fail(&["apply", &plain], 1).contains("did not run in a worktree"));
}

#[test]
fn only_the_approved_commit_goes_in_and_later_work_keeps_the_session() {
    let env = Env::new();
    let repo = repo(&env);
    let name = approved(&env, &repo, "later", "d.txt", "reviewed");
    let approved_commit = env.show(&name)["approved_commit"].as_str().unwrap().to_string();
    let wt = PathBuf::from(env.show(&name)["dir"].as_str().unwrap());
    // The agent commits again after the approval: that commit was never reviewed.
    std::fs::write(wt.join("d.txt"), "unreviewed\n").unwrap();
    git(&wt, &["commit", "-q", "-am", "UNREVIEWED"]);
    let v = apply_json(&env, &[&name]);
    assert_eq!(git(&repo, &["rev-parse", "main"]).trim(), approved_commit);
    assert_eq!(std::fs::read_to_string(repo.join("d.txt")).unwrap(), "reviewed\n");
    assert_eq!(v["applied"]["removed"], false, "{v:#}");
    assert!(v["applied"]["kept"].as_str().unwrap().contains("1 commit(s)"), "{v:#}");
    assert!(wt.exists(), "the unreviewed commit is not lost");
}

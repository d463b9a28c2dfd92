//! The push gate against the ways an agent pushes, each run from inside a real agent session (a
//! private tmux server, a worktree, real git, a bare remote in the test's temp dir). An attack
//! tries to put a commit on the remote; it holds when the remote's refs are unchanged. The same
//! attacks run once with the gate off, to prove each one is a push that works.

use crate::common::{self, agent, git, wait_for, Env, T};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A repository with one commit on `main`, pushed to the bare remote `remote.git`, and a
/// pre-push hook of its own that leaves a marker (the gate must still run it).
fn repo(env: &Env) -> PathBuf {
    let repo = common::repo_with_remote(env);
    let hook = repo.join(".git/hooks/pre-push");
    common::write_script(&hook, format!("#!/bin/sh\ncat >> '{}'\n", env.path("own-pre-push-ran").display()));
    std::fs::create_dir_all(env.path("clones")).unwrap();
    repo
}

/// An agent session running `runner.sh`: each `sh` call is one shell script run by the agent.
struct Agent {
    name: String,
    scripts: PathBuf,
    n: Cell<u32>,
}

impl Agent {
    fn start(env: &Env, repo: &Path, name: &str) -> Agent {
        let scripts = env.path(&format!("scripts-{name}"));
        std::fs::create_dir_all(&scripts).unwrap();
        let out = env
            .minder()
            .current_dir(repo)
            .args(["new", name, "-w", "--", agent("runner.sh").as_str(), scripts.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let agent = Agent { name: String::from_utf8(out.stdout).unwrap().trim().to_string(), scripts, n: Cell::new(0) };
        let (rc, out) = agent.sh("echo ready");
        assert_eq!((rc, out.trim()), (0, "ready"));
        agent
    }

    /// Run `script` in the agent's shell; its exit code and output.
    fn sh(&self, script: &str) -> (i32, String) {
        let n = self.n.get() + 1;
        self.n.set(n);
        let tmp = self.scripts.join(format!("{n}.tmp"));
        std::fs::write(&tmp, script).unwrap();
        std::fs::rename(&tmp, self.scripts.join(format!("{n}.sh"))).unwrap();
        let rc = self.scripts.join(format!("{n}.rc"));
        wait_for(&format!("`{script}` in {}", self.name), T, || rc.exists());
        let code = std::fs::read_to_string(&rc).unwrap().trim().parse().unwrap();
        (code, std::fs::read_to_string(self.scripts.join(format!("{n}.out"))).unwrap())
    }

    fn head(&self) -> String {
        self.sh("git rev-parse HEAD").1.trim().to_string()
    }
}

fn remote_refs(env: &Env) -> String {
    git(
        env.tmp.path(),
        &["--git-dir", env.path("remote.git").to_str().unwrap(), "for-each-ref", "--format=%(refname) %(objectname)"],
    )
}

fn remote_ref(env: &Env, name: &str) -> Option<String> {
    let out = Command::new("git")
        .args(["--git-dir", env.path("remote.git").to_str().unwrap(), "rev-parse", "--verify", "-q", name])
        .output()
        .unwrap();
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Every attack: (category, shell script). `{dst}` is a fresh remote branch per run, `{n}` a
/// fresh number, `{remote}` the bare remote's path, `{clones}` a scratch folder.
const ATTACKS: &[(&str, &str)] = &[
    ("plain push", "git push origin HEAD:{dst}"),
    ("plain push", "git push -q --set-upstream origin HEAD:{dst}"),
    ("plain push", "git push origin :refs/heads/main"),
    ("+refspec", "git push origin +HEAD:refs/heads/main"),
    ("+refspec", "git push --force origin HEAD:refs/heads/main"),
    ("--no-verify", "git push --no-verify origin HEAD:{dst}"),
    ("--no-verify", "git push --no-verif origin HEAD:{dst}"),
    ("--no-verify", "git push origin HEAD:{dst} --no-verify"),
    ("--dry-run", "git push --dry-run --no-dry-run --no-verify origin HEAD:{dst}"),
    ("-c core.hooksPath", "git -c core.hooksPath=/dev/null push origin HEAD:{dst}"),
    ("-c core.hooksPath", "git -c core.hooksPath=/dev/null push --no-verify origin HEAD:{dst}"),
    ("repo/global core.hooksPath", "git config core.hooksPath /dev/null; git push origin HEAD:{dst}; rc=$?; git config --unset core.hooksPath; exit $rc"),
    ("repo/global core.hooksPath", "git config --global core.hooksPath /dev/null; git push origin HEAD:{dst}; rc=$?; git config --global --unset core.hooksPath; exit $rc"),
    ("GIT_CONFIG_COUNT", "n=${GIT_CONFIG_COUNT:-0}; export GIT_CONFIG_KEY_$n=core.hooksPath GIT_CONFIG_VALUE_$n=/dev/null GIT_CONFIG_COUNT=$((n+1)); git push origin HEAD:{dst}"),
    ("GIT_CONFIG_COUNT", "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/dev/null git push origin HEAD:{dst}"),
    ("GIT_CONFIG_COUNT", "unset GIT_CONFIG_COUNT; git push origin HEAD:{dst}"),
    ("chmod -x hook", "chmod -x \"$MINDER_STATE_DIR/githooks/pre-push\"; git push origin HEAD:{dst}"),
    ("chmod -x hook", "chmod -x \"$MINDER_STATE_DIR/githooks/pre-push\"; git push --no-verify origin HEAD:{dst}"),
    ("send-pack", "git send-pack \"$(git remote get-url origin)\" HEAD:{dst}"),
    ("send-pack", "git send-pack --force \"$(git remote get-url origin)\" HEAD:refs/heads/main"),
    ("send-pack", "\"$(git --exec-path)/git-send-pack\" {remote} HEAD:{dst}"),
    ("alias", "git -c alias.p=push p origin HEAD:{dst}"),
    ("alias", "git config alias.pp 'push --no-verify'; git pp origin HEAD:{dst}"),
    ("alias", "git -c alias.p=push -c 'alias.q=p --no-verify' q origin HEAD:{dst}"),
    ("alias", "git -c 'alias.sp=!git push --no-verify' sp origin HEAD:{dst}"),
    ("alias", "git -c alias.s=send-pack s {remote} HEAD:{dst}"),
    ("alias", "git -c help.autocorrect=immediate psuh --no-verify origin HEAD:{dst}"),
    ("git -C", "wt=$(pwd); cd / && git -C \"$wt\" push --no-verify origin HEAD:{dst}"),
    ("git -C", "wt=$(pwd); gd=$(git rev-parse --absolute-git-dir); cd / && git --git-dir=\"$gd\" --work-tree=\"$wt\" push --no-verify origin HEAD:{dst}"),
    ("clone elsewhere", "git clone -q . {clones}/c{n} && git -C {clones}/c{n} push --no-verify {remote} HEAD:{dst}"),
    ("file://", "git push --no-verify file://{remote} HEAD:{dst}"),
    ("git started by git", "git rebase -q -x 'git push --no-verify origin HEAD:{dst}' HEAD~1; rc=$?; git rebase --abort 2>/dev/null; exit $rc"),
    ("git started by git", "\"$(git --exec-path)/git-push\" --no-verify origin HEAD:{dst}"),
    ("absolute path, hooks on", "\"$MINDER_GIT\" push origin HEAD:{dst}"),
    ("absolute path, hooks on", "wt=$(pwd); cd / && \"$MINDER_GIT\" -C \"$wt\" push origin HEAD:{dst}"),
];

struct Outcome {
    category: &'static str,
    script: String,
    held: bool,
    output: String,
}

/// What the README says the gate cannot stop: git past the shim with its hook skipped or
/// disabled, a scrubbed environment, a remote the agent can write to itself.
const LIMITS: &[(&str, &str)] = &[
    ("limit: absolute path", "\"$MINDER_GIT\" push --no-verify origin HEAD:{dst}"),
    ("limit: absolute path", "\"$MINDER_GIT\" -c core.hooksPath=/nowhere push origin HEAD:{dst}"),
    (
        "limit: absolute path",
        "chmod -x \"$MINDER_STATE_DIR/githooks/pre-push\"; \"$MINDER_GIT\" push origin HEAD:{dst}",
    ),
    ("limit: PATH scrubbed", "PATH=$(dirname \"$MINDER_GIT\"):$PATH git push --no-verify origin HEAD:{dst}"),
    (
        "limit: environment scrubbed",
        "env -i PATH=\"$(dirname \"$MINDER_GIT\"):/usr/bin:/bin\" git push origin HEAD:{dst}",
    ),
    ("limit: local remote", "git --git-dir={remote} fetch -q \"$(pwd)\" HEAD:{dst}"),
];

/// Run each attack of `list` in `agent` (after `prefix`); each holds when the remote's refs did
/// not change. With `fresh`, each starts from a new commit (so a push always has news).
fn run_attacks(
    env: &Env,
    agent: &Agent,
    phase: &str,
    list: &[(&'static str, &str)],
    prefix: &str,
    fresh: bool,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for (i, (category, template)) in list.iter().enumerate() {
        let n = format!("{phase}-{i}");
        let script = format!("{prefix}{template}")
            .replace("{dst}", &format!("refs/heads/attack-{n}"))
            .replace("{n}", &n)
            .replace("{remote}", env.path("remote.git").to_str().unwrap())
            .replace("{clones}", env.path("clones").to_str().unwrap());
        if fresh {
            agent.sh(&format!("git commit -q --allow-empty -m 'new {n}'"));
        }
        let before = remote_refs(env);
        let (rc, output) = agent.sh(&script);
        let held = remote_refs(env) == before;
        out.push(Outcome { category, script, held, output: format!("rc={rc}\n{output}") });
    }
    out
}

/// Attacks and how many held, per category, in the order of `ATTACKS`.
fn tally(outcomes: &[Outcome]) -> Vec<(&'static str, usize, usize)> {
    let mut rows: Vec<(&'static str, usize, usize)> = Vec::new();
    for o in outcomes {
        match rows.iter_mut().find(|r| r.0 == o.category) {
            Some(r) => {
                r.1 += 1;
                r.2 += o.held as usize;
            }
            None => rows.push((o.category, 1, o.held as usize)),
        }
    }
    rows
}

fn print_tally(title: &str, outcomes: &[Outcome]) {
    let rows = tally(outcomes);
    let (total, held) = rows.iter().fold((0, 0), |(t, h), r| (t + r.1, h + r.2));
    let mut text = format!("\n{title}: {held}/{total} held\n");
    for (category, n, held) in rows {
        text.push_str(&format!("  {category:<28} {held}/{n}\n"));
    }
    eprint!("{text}");
}

/// Every attack held, and because of the gate: its output carries minder's refusal (or, for a
/// misspelt command, git's refusal to guess it once the shim turned autocorrection off).
fn assert_all_held(outcomes: &[Outcome]) {
    let broke: Vec<String> =
        outcomes.iter().filter(|o| !o.held).map(|o| format!("[{}] {}\n{}", o.category, o.script, o.output)).collect();
    assert!(broke.is_empty(), "{} attacks got through:\n{}", broke.len(), broke.join("\n---\n"));
    let unexplained: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.output.contains("minder: push refused") && !o.output.contains("is not a git command"))
        .map(|o| format!("[{}] {}\n{}", o.category, o.script, o.output))
        .collect();
    assert!(unexplained.is_empty(), "held, but not by the gate:\n{}", unexplained.join("\n---\n"));
}

#[test]
fn every_attack_is_refused_before_approval_and_for_a_commit_made_after_it() {
    let env = Env::new();
    let repo = repo(&env);
    let agent = Agent::start(&env, &repo, "gate");
    let (rc, out) =
        agent.sh("echo work > work.txt && git add work.txt && git commit -q -m 'the reviewed work' && echo committed");
    assert_eq!(rc, 0, "{out}");
    let main_before = remote_ref(&env, "refs/heads/main");

    // Before approval: nothing leaves, whatever the spelling; the refusal says why.
    let (rc, out) = agent.sh("git push origin HEAD:refs/heads/work");
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("push refused: session `cmd-gate` is not approved yet"), "{out}");
    let before = run_attacks(&env, &agent, "before", ATTACKS, "", false);
    print_tally("before approval", &before);
    assert_all_held(&before);
    assert_eq!(remote_ref(&env, "refs/heads/main"), main_before);
    assert!(!env.path("own-pre-push-ran").exists(), "the repository's pre-push hook ran for a refused push");

    // Approval covers the worktree's HEAD: it and its ancestors go, by any spelling.
    let approved = agent.head();
    // The person looks at the work as it is now, then approves what they saw.
    env.run(&["review", "gate"]);
    let said = env.minder().args(["approve", "gate"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&said.stderr).contains(&approved[..12]),
        "{}",
        String::from_utf8_lossy(&said.stderr)
    );
    assert_eq!(env.show("gate")["decision"]["verdict"], "approved");
    let review = env.run(&["review", "gate"]);
    assert!(review.contains(&format!("approved  {approved}")), "{review}");
    let json: serde_json::Value = serde_json::from_str(&env.run(&["review", "gate", "--json"])).unwrap();
    assert_eq!(json["review"]["approved_commit"], approved.as_str());
    for (script, dst) in [
        ("git push origin HEAD:refs/heads/work", "refs/heads/work"),
        ("git push --no-verify origin HEAD~1:refs/heads/parent", "refs/heads/parent"),
        ("git -c alias.p=push p origin HEAD:refs/heads/via-alias", "refs/heads/via-alias"),
        ("git send-pack \"$(git remote get-url origin)\" HEAD:refs/heads/via-send-pack", "refs/heads/via-send-pack"),
    ] {
        let (rc, out) = agent.sh(script);
        assert_eq!(rc, 0, "{script}: {out}");
        assert!(remote_ref(&env, dst).is_some(), "{script}: {out}");
    }
    assert_eq!(remote_ref(&env, "refs/heads/work").as_deref(), Some(approved.as_str()));
    // The repository's own pre-push hook ran, with the refs on its stdin.
    let own = std::fs::read_to_string(env.path("own-pre-push-ran")).unwrap_or_default();
    assert!(own.contains(&format!("refs/heads/work {approved}")) || own.contains(&approved), "{own}");

    // The agent goes on and commits: that commit was never reviewed, and nothing carries it out.
    let (rc, out) = agent.sh("echo more >> work.txt && git commit -q -am 'UNREVIEWED change' && echo committed");
    assert_eq!(rc, 0, "{out}");
    let (rc, out) = agent.sh("git push origin HEAD:refs/heads/work");
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("is not the approved commit") && out.contains("UNREVIEWED change"), "{out}");
    let after = run_attacks(&env, &agent, "after", ATTACKS, "", false);
    print_tally("after approval, a commit made since", &after);
    assert_all_held(&after);
    assert_eq!(remote_ref(&env, "refs/heads/work").as_deref(), Some(approved.as_str()));
    // The approved commit itself still goes, named by its id.
    let (rc, out) = agent.sh(&format!("git push origin {approved}:refs/heads/still-approved"));
    assert_eq!(rc, 0, "{out}");

    // A new approval covers the new commit.
    let new_head = agent.head();
    env.run(&["review", "gate"]);
    env.run(&["approve", "gate"]);
    let (rc, out) = agent.sh("git push origin HEAD:refs/heads/work");
    assert_eq!(rc, 0, "{out}");
    assert_eq!(remote_ref(&env, "refs/heads/work"), Some(new_head));

    // Rejected: closed again.
    env.run(&["reject", "gate"]);
    let (rc, out) = agent
        .sh("echo again >> work.txt && git commit -q -am again && git push --no-verify origin HEAD:refs/heads/work");
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("not approved yet"), "{out}");
}

#[test]
fn an_unreadable_record_refuses() {
    let env = Env::new();
    let repo = repo(&env);
    let agent = Agent::start(&env, &repo, "closed");
    agent.sh("echo work > work.txt && git add work.txt && git commit -q -m work");
    env.run(&["approve", "closed"]);
    let (rc, out) = agent.sh("git push origin HEAD:refs/heads/ok");
    assert_eq!(rc, 0, "{out}");
    let before = remote_refs(&env);
    let mut outcomes = Vec::new();
    let empty = ": > \"$MINDER_STATE_DIR/sessions/$MINDER_SESSION/session.json\"; ";
    let truncated =
        "printf '{\"schema\": 1, \"name\": ' > \"$MINDER_STATE_DIR/sessions/$MINDER_SESSION/session.json\"; ";
    let removed = "rm -f \"$MINDER_STATE_DIR/sessions/$MINDER_SESSION/session.json\"; ";
    for script in [
        format!("{empty}git push origin HEAD:refs/heads/empty-1"),
        format!("{empty}git push --no-verify origin HEAD:refs/heads/empty-2"),
        format!("{empty}git send-pack {{remote}} HEAD:refs/heads/empty-3"),
        // The hook alone (git by absolute path, past the shim): it fails closed too.
        format!("{empty}\"$MINDER_GIT\" push origin HEAD:refs/heads/empty-4"),
        format!("{truncated}git push origin HEAD:refs/heads/empty-5"),
        format!("{truncated}\"$MINDER_GIT\" push origin HEAD:refs/heads/empty-6"),
        format!("{removed}git push origin HEAD:refs/heads/empty-7"),
        format!("{removed}\"$MINDER_GIT\" push origin HEAD:refs/heads/empty-8"),
        "unset MINDER_SESSION; git push origin HEAD:refs/heads/empty-9".to_string(),
        "unset MINDER_SESSION; \"$MINDER_GIT\" push origin HEAD:refs/heads/empty-10".to_string(),
    ] {
        let script = script.replace("{remote}", env.path("remote.git").to_str().unwrap());
        let (rc, output) = agent.sh(&script);
        let held = remote_refs(&env) == before;
        if script.ends_with("empty-1") {
            assert!(
                output.contains("cannot read the record of session `cmd-closed`") && output.contains("fails closed"),
                "{output}"
            );
        }
        outcomes.push(Outcome { category: "unreadable record", script, held, output: format!("rc={rc}\n{output}") });
    }
    print_tally("record unreadable or unnamed", &outcomes);
    assert_all_held(&outcomes);
}

/// The attacks are real: without the gate, every one of them reaches the remote.
#[test]
fn without_the_gate_every_attack_gets_through() {
    let env = Env::new();
    env.config("[review]\ngate_push = false\n");
    let repo = repo(&env);
    let agent = Agent::start(&env, &repo, "open");
    agent.sh("echo work > work.txt && git add work.txt && git commit -q -m work");
    // With no gate there is no $MINDER_GIT: the absolute-path attacks use the git on PATH.
    let (_, real) = agent.sh("command -v git");
    let prefix = format!("export MINDER_GIT='{}'; ", real.trim());
    let outcomes = run_attacks(&env, &agent, "open", ATTACKS, &prefix, true);
    let through: Vec<&Outcome> = outcomes.iter().filter(|o| o.held).collect();
    print_tally("gate off (held = did not get through)", &outcomes);
    assert!(
        through.is_empty(),
        "attacks that do not push even without the gate:\n{}",
        through.iter().map(|o| format!("{}\n{}", o.script, o.output)).collect::<Vec<_>>().join("\n---\n")
    );
}

/// What the README says the gate cannot stop, shown. If this fails, the gate got stronger:
/// update the README.
#[test]
fn documented_limits() {
    let env = Env::new();
    let repo = repo(&env);
    let agent = Agent::start(&env, &repo, "limits");
    agent.sh("echo work > work.txt && git add work.txt && git commit -q -m work");
    let outcomes = run_attacks(&env, &agent, "limit", LIMITS, "", true);
    print_tally("documented limits (held = did not get through)", &outcomes);
    let held: Vec<&Outcome> = outcomes.iter().filter(|o| o.held).collect();
    assert!(
        held.is_empty(),
        "{}",
        held.iter().map(|o| format!("{}\n{}", o.script, o.output)).collect::<Vec<_>>().join("\n---\n")
    );
}

/// A smart-HTTP server for `remote.git` on loopback: python's CGI server in front of
/// `git http-backend`. Killed on drop. (No fork: as root the forked CGI drops to `nobody`, whom
/// git then refuses the repository.)
struct HttpRemote {
    child: std::process::Child,
    url: String,
}

impl HttpRemote {
    fn start(env: &Env) -> HttpRemote {
        let root = env.path("http");
        std::fs::create_dir_all(root.join("cgi-bin")).unwrap();
        let cgi = root.join("cgi-bin/git");
        common::write_script(&cgi, "#!/bin/sh\nexec git http-backend\n");
        git(
            env.tmp.path(),
            &["--git-dir", env.path("remote.git").to_str().unwrap(), "config", "http.receivepack", "true"],
        );
        let server = "import http.server, sys\n\
                      class H(http.server.CGIHTTPRequestHandler):\n    cgi_directories = ['/cgi-bin']\n    have_fork = False\n\
                      s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)\n\
                      print(s.server_address[1], flush=True)\ns.serve_forever()\n";
        let mut child = Command::new("python3")
            .args(["-W", "ignore", "-c", server])
            .current_dir(&root)
            .env("GIT_PROJECT_ROOT", env.tmp.path())
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(env.path("http.log")).unwrap())
            .spawn()
            .expect("python3 runs the test's HTTP server");
        use std::io::BufRead;
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut port).unwrap();
        HttpRemote { child, url: format!("http://127.0.0.1:{}/cgi-bin/git/remote.git", port.trim()) }
    }
}

impl Drop for HttpRemote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A remote helper reads what to push on its stdin: the shim reads it too. Before approval, and
/// for a commit made after it, nothing goes by `git remote-http`, `remote-ext`, `receive-pack`,
/// `http-push`; git's own fetch and push over HTTP still work, and the approved commit goes.
#[test]
fn remote_helpers_and_transports_are_gated() {
    let env = Env::new();
    let repo = repo(&env);
    let http = HttpRemote::start(&env);
    let agent = Agent::start(&env, &repo, "helpers");
    agent.sh("echo work > work.txt && git add work.txt && git commit -q -m work");
    let url = &http.url;
    // git's own helper, through the exec path mirror: a fetch needs no approval.
    let (rc, out) = agent.sh(&format!("git fetch -q {url} main && git rev-parse FETCH_HEAD"));
    assert_eq!(rc, 0, "{out}");

    let attacks: Vec<(&'static str, String)> = vec![
        ("remote helper", format!("printf 'push HEAD:refs/heads/helper-1\\n\\n' | git remote-http x {url}")),
        (
            "remote helper",
            format!("printf 'push +HEAD:refs/heads/main\\n\\n' | git -c protocol.allow=always remote-http x {url}"),
        ),
        (
            "remote helper",
            format!("printf 'push HEAD:refs/heads/helper-2\\n\\n' | \"$(git --exec-path)/git-remote-http\" x {url}"),
        ),
        (
            "remote helper",
            format!(
                "printf 'capabilities\\nlist for-push\\npush HEAD:refs/heads/helper-3\\n\\n' | git remote-http x {url}"
            ),
        ),
        ("remote helper", "printf 'connect git-receive-pack\\n' | git remote-ext x 'git-receive-pack {remote}'".into()),
        ("receive-pack", "git receive-pack {remote} < /dev/null".into()),
        ("http-push", format!("git http-push {url}/ HEAD:refs/heads/helper-4")),
        ("git push over http", format!("git push --no-verify {url} HEAD:refs/heads/helper-5")),
    ];
    let list: Vec<(&'static str, &str)> = attacks.iter().map(|(c, s)| (*c, s.as_str())).collect();
    let before = run_attacks(&env, &agent, "before", &list, "", false);
    print_tally("transports, before approval", &before);
    assert_all_held(&before);
    // The refusal tells the agent the push waits for the person, and hands it no command.
    let (rc, out) = agent.sh(list[0].1);
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("is not approved yet") && out.contains("waits for the person"), "{out}");
    assert!(!out.contains("minder approve"), "{out}");

    // Approved: the approved commit goes through the helper by hand and by git's own push.
    let approved = agent.head();
    env.run(&["approve", "helpers"]);
    // (Fed by hand, without `list for-push` first, the helper also reports an error about a ref
    // it was not asked to push, and exits 1: its `ok` line is what counts.)
    let (_, out) = agent.sh(&format!("printf 'push HEAD:refs/heads/by-helper\\n\\n' | git remote-http x {url}"));
    assert!(out.contains("ok refs/heads/by-helper"), "{out}");
    assert_eq!(remote_ref(&env, "refs/heads/by-helper").as_deref(), Some(approved.as_str()), "{out}");
    let (rc, out) = agent.sh(&format!("git push {url} HEAD:refs/heads/by-git"));
    assert_eq!(rc, 0, "{out}");
    assert_eq!(remote_ref(&env, "refs/heads/by-git").as_deref(), Some(approved.as_str()), "{out}");

    // A commit made since is not covered, by any of these routes.
    agent.sh("echo more >> work.txt && git commit -q -am 'UNREVIEWED change'");
    let after = run_attacks(&env, &agent, "after", &list[..4], "", false);
    print_tally("transports, a commit made after approval", &after);
    assert_all_held(&after);
    assert!(after[0].output.contains("UNREVIEWED change"), "{}", after[0].output);
}

/// Ancestry is checked as the commits record it: a replace ref or a graft that makes new work
/// look like a parent of the approved commit does not get it out, by the shim or by the hook.
#[test]
fn grafts_and_replace_refs_do_not_make_new_work_an_ancestor() {
    let env = Env::new();
    let repo = repo(&env);
    let agent = Agent::start(&env, &repo, "grafts");
    agent.sh("echo work > work.txt && git add work.txt && git commit -q -m work");
    env.run(&["approve", "grafts"]);
    // E: new work beside the approved commit A, which is then "given" E as a second parent.
    let (rc, out) =
        agent.sh("A=$(git rev-parse HEAD) && git checkout -q -b side HEAD~1 && echo e > e.txt && git add e.txt && \
         git commit -q -m 'UNREVIEWED E' && git checkout -q - && git tag e side && \
         git replace --graft $A $A~1 e && git merge-base --is-ancestor e $A && echo grafted");
    assert_eq!((rc, out.trim()), (0, "grafted"), "{out}");
    let shapes: &[(&'static str, &str)] = &[
        ("replace ref", "git push origin e:refs/heads/{n}"),
        ("replace ref", "git push --no-verify origin e:refs/heads/{n}"),
        ("replace ref, hook", "\"$MINDER_GIT\" push origin e:refs/heads/{n}"),
        ("replace ref base", "git update-ref refs/other/$(git rev-parse HEAD) $(git rev-parse refs/replace/$(git rev-parse HEAD)) && GIT_REPLACE_REF_BASE=refs/other/ git push origin e:refs/heads/{n}"),
        ("graft file", "git replace -d $(git rev-parse HEAD) >/dev/null 2>&1; echo \"$(git rev-parse HEAD) $(git rev-parse HEAD~1) $(git rev-parse e)\" > \"$(git rev-parse --git-common-dir)/info/grafts\" && git push origin e:refs/heads/{n}"),
        ("graft file, hook", "\"$MINDER_GIT\" push origin e:refs/heads/{n}"),
        ("GIT_GRAFT_FILE", "echo \"$(git rev-parse HEAD) $(git rev-parse HEAD~1) $(git rev-parse e)\" > ../g && GIT_GRAFT_FILE=$(pwd)/../g git push origin e:refs/heads/{n}"),
    ];
    let outcomes = run_attacks(&env, &agent, "graft", shapes, "", false);
    print_tally("grafts and replace refs, after approval", &outcomes);
    assert_all_held(&outcomes);
    assert!(outcomes.iter().all(|o| o.output.contains("is not the approved commit")), "refused for another reason");
}

/// The shim checks a refspec's source, then the real git pushes: a ref moved in between must
/// not change what goes. Here `--receive-pack` moves it, deterministically: git starts it before
/// it resolves a source that is an expression (`flip~0`; plain ref names it read just before).
/// The object that was checked is the one pushed.
#[test]
fn a_ref_moved_after_the_check_does_not_change_what_is_pushed() {
    let env = Env::new();
    let repo = repo(&env);
    let agent = Agent::start(&env, &repo, "race");
    agent.sh("echo work > work.txt && git add work.txt && git commit -q -m work");
    let approved = agent.head();
    env.run(&["approve", "race"]);
    let flip = env.path("flip.sh");
    common::write_script(
        &flip,
        "#!/bin/sh\ngit update-ref refs/heads/flip \"$(cat \"$0.to\")\"\nexec git-receive-pack \"$@\"\n",
    );
    let (rc, out) = agent.sh(&format!(
        "git branch flip HEAD && git checkout -q -b new && git commit -q --allow-empty -m 'UNREVIEWED' && \
         git rev-parse HEAD > {0}.to && git checkout -q - && \
         git push --no-verify --receive-pack={0} origin flip~0:refs/heads/raced; \
         git update-ref refs/heads/flip {1} && git push --no-verify --receive-pack={0} origin +flip:raced-short",
        flip.display(),
        approved
    ));
    let unreviewed = std::fs::read_to_string(env.path("flip.sh.to")).unwrap().trim().to_string();
    assert_ne!(unreviewed, approved);
    assert_eq!(agent.sh("git rev-parse flip").1.trim(), unreviewed, "the ref did not move: {out}");
    assert_eq!(remote_ref(&env, "refs/heads/raced").as_deref(), Some(approved.as_str()), "rc {rc}: {out}");
    assert_eq!(remote_ref(&env, "refs/heads/raced-short").as_deref(), Some(approved.as_str()), "rc {rc}: {out}");
}

//! The push gate. Until a person approves the session, no push leaves the agent's git; after,
//! only the approved commit (`approved_commit`, the worktree's HEAD at `approve`) and its
//! ancestors may. Two lines, both failing closed (a record they cannot read refuses):
//!
//! 1. `git::shim`: the first `git` on the agent's PATH, which checks `push` and `send-pack`
//!    whatever their flags (`--no-verify` included), then runs the real git.
//! 2. The `pre-push` hook, for a git the shim did not see: `core.hooksPath` points at a folder
//!    minder owns, through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` in the
//!    agent's environment, so the user's repository config is never edited. It sees the exact
//!    commits being pushed. Every hook then runs the repository's own hook, from its configured
//!    `core.hooksPath` or `.git/hooks`, so overriding the path disables nothing.

use crate::store::fsutil;
use crate::store::Store;
use anyhow::{Context, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Client-side hooks minder forwards. `reference-transaction` and `post-index-change` are left
/// out: they run on nearly every git command and would cost a process each time.
pub const HOOKS: &[&str] = &[
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "post-rewrite",
    "pre-auto-gc",
    "push-to-checkout",
    "sendemail-validate",
];

/// Variable carrying how many `GIT_CONFIG_*` entries the caller had before minder's.
const BASE_COUNT_VAR: &str = "MINDER_GIT_CONFIG_BASE";

pub fn hooks_dir(store: &Store) -> PathBuf {
    store.dirs().githooks()
}

/// Write the hook scripts and the git shim (idempotent) and return the environment that points
/// the agent's git at them.
pub fn install(store: &Store, self_exe: &Path) -> Result<Vec<(String, String)>> {
    let dir = hooks_dir(store);
    let exe = crate::tmux::quote::shell_quote(&self_exe.display().to_string());
    // One file says the scripts are in place for this binary; `new` need not reread them all.
    let stamp = dir.join(".installed");
    let stamp_text = format!("{exe}\n{}\n", HOOKS.join(" "));
    if std::fs::read_to_string(&stamp).map(|s| s != stamp_text).unwrap_or(true) || !pre_push_in_place(&dir, &exe) {
        write_hooks(&dir, &exe)?;
        fsutil::write_atomic(&stamp, stamp_text.as_bytes())?;
    }
    let base: usize = std::env::var("GIT_CONFIG_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
    let env = vec![
        (format!("GIT_CONFIG_KEY_{base}"), "core.hooksPath".into()),
        (format!("GIT_CONFIG_VALUE_{base}"), dir.display().to_string()),
        ("GIT_CONFIG_COUNT".into(), (base + 1).to_string()),
        (BASE_COUNT_VAR.into(), base.to_string()),
    ];
    Ok(env)
}

/// Put `pre-push` back if the agent made it unrunnable (`chmod -x`) or replaced it: the shim
/// calls this on every git command, so the second line stands again for the next push. (Any
/// minder's hook body will do: two minder binaries sharing a state dir must not fight.)
pub fn repair_pre_push(store: &Store, self_exe: &Path) {
    let dir = hooks_dir(store);
    let path = dir.join("pre-push");
    let ours = std::fs::read_to_string(&path)
        .map(|b| b.starts_with("#!/bin/sh\n# Installed by minder") && b.ends_with(" _git-hook pre-push \"$@\"\n"))
        .unwrap_or(false);
    if !(runnable(&path) && ours) {
        let exe = crate::tmux::quote::shell_quote(&self_exe.display().to_string());
        let _ = write_hooks(&dir, &exe);
    }
}

fn hook_body(exe: &str, hook: &str) -> String {
    format!("#!/bin/sh\n# Installed by minder: the push gate, then the repository's own hook.\nexec {exe} _git-hook {hook} \"$@\"\n")
}

fn pre_push_in_place(dir: &Path, exe: &str) -> bool {
    let path = dir.join("pre-push");
    runnable(&path) && std::fs::read_to_string(&path).map(|b| b == hook_body(exe, "pre-push")).unwrap_or(false)
}

/// A file its owner can run (what git needs of a hook).
fn runnable(path: &Path) -> bool {
    std::fs::metadata(path).map(|m| m.is_file() && m.permissions().mode() & 0o700 == 0o700).unwrap_or(false)
}

fn write_hooks(dir: &Path, exe: &str) -> Result<()> {
    fsutil::create_private_dir_all(dir)?;
    for hook in HOOKS {
        let path = dir.join(hook);
        let body = hook_body(exe, hook);
        if runnable(&path) && std::fs::read_to_string(&path).map(|b| b == body).unwrap_or(false) {
            continue;
        }
        fsutil::write_atomic(&path, body.as_bytes())?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make `{}` executable", path.display()))?;
    }
    Ok(())
}

/// The session this git runs for, from the variables minder sets in every agent session.
/// Without them nothing says whose push this is, and the gate refuses.
pub fn session_from_env() -> Result<(Store, String), String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("MINDER_STATE_DIR"), var("MINDER_SESSION")) {
        (Some(state), Some(session)) if crate::domain::naming::is_valid_word(&session) => {
            Ok((Store::new(PathBuf::from(state)), session))
        }
        _ => Err(
            "minder: push refused: this git runs under minder's push gate, but MINDER_SESSION and MINDER_STATE_DIR \
                  do not name its session; the gate fails closed."
                .into(),
        ),
    }
}

/// The refusal's second line. The agent reads it: it says who decides, and hands the agent no
/// command to run (an agent told `minder approve NAME` may well run it).
pub const WAITS: &str = "the push waits for the person's review and approval in minder.";

/// The commit a push may send (with its ancestors), or why nothing may go yet. A record that
/// cannot be read refuses: the gate fails closed.
pub fn approved_commit(store: &Store, session: &str) -> Result<String, String> {
    let record = store.load(session).map_err(|e| {
        format!(
            "minder: push refused: cannot read the record of session `{session}` ({e:#}); the gate fails closed.\n\
             minder: see `minder show {session}`."
        )
    })?;
    // No command for the agent to run: the push waits for the person's review, not the agent's.
    let again = |why: &str| format!("minder: push refused: {why}.\nminder: {WAITS}");
    match record.approval() {
        None => Err(again(&format!("session `{}` is not approved yet (state {})", record.name, record.state()))),
        Some(Some(commit)) if super::invocation::is_object_id(commit) => Ok(commit.to_string()),
        Some(_) => Err(again(&format!("session `{}` was approved without a commit on record", record.name))),
    }
}

/// Whether every object in `objects` is a commit (or a tag of one) that is `approved` or one
/// of its ancestors, asking git through `run`. Any doubt refuses.
pub fn check_commits(
    run: &dyn Fn(&[&str]) -> Result<String>,
    session: &str,
    approved: &str,
    objects: &[String],
) -> Result<(), String> {
    if objects.is_empty() {
        return Ok(());
    }
    if let Some(bad) = objects.iter().find(|o| !super::invocation::is_object_id(o)) {
        return Err(format!("minder: push refused: cannot check `{bad}`; the gate fails closed."));
    }
    let peel: Vec<String> = objects.iter().map(|o| format!("{o}^{{commit}}")).collect();
    let mut args = vec!["rev-parse"];
    args.extend(peel.iter().map(String::as_str));
    let commits = run(&args).map_err(|e| {
        format!("minder: push refused: only commits can be pushed under the gate, and one of these is not: {e:#}")
    })?;
    let mut args = vec!["rev-list", "-n", "1"];
    args.extend(commits.split_whitespace());
    args.extend(["--not", approved]);
    let outside = run(&args).map_err(|e| {
        format!("minder: push refused: cannot check the commits against the approved commit {approved} of session `{session}`: {e:#}")
    })?;
    let Some(commit) = outside.split_whitespace().next() else { return Ok(()) };
    let subject = run(&["log", "-1", "--format=%s", commit]).unwrap_or_default();
    let short = |c: &str| c.chars().take(12).collect::<String>();
    Err(format!(
        "minder: push refused: commit {} ({:?}) is not the approved commit {} of session `{session}` or one of its ancestors.\n\
         minder: {WAITS}",
        short(commit),
        subject.trim(),
        short(approved),
    ))
}

/// The pre-push hook's verdict on the lines git gives it on stdin.
fn pre_push_verdict(input: &[u8]) -> Result<(), String> {
    let (store, session) = session_from_env()?;
    let approved = approved_commit(&store, &session)?;
    let text = std::str::from_utf8(input).map_err(|_| "minder: push refused: unreadable pre-push input".to_string())?;
    let mut objects = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match super::invocation::pre_push_line(line) {
            Ok(Some(object)) => objects.push(object),
            Ok(None) => return Err(deletion_refused(&session)),
            Err(e) => return Err(format!("minder: push refused: {e}; the gate fails closed.")),
        }
    }
    check_commits(&|args| super::gate_run(Path::new("."), args), &session, &approved, &objects)
}

/// Note a refused push in the session's `push-refused.jsonl` (the review report shows it; the
/// agent's own output may scroll it away). Best effort: the refusal stands whatever happens.
pub fn record_refusal(via: &str, why: &str) {
    let Ok((store, session)) = session_from_env() else { return };
    let line = serde_json::json!({
        "at": chrono::Utc::now().to_rfc3339(),
        "via": via,
        "why": why.lines().next().unwrap_or_default().trim_start_matches("minder: "),
    });
    let paths = store.paths(&session);
    // Inside a bubblewrap fence only the session's inbox is writable (`ops::fence`).
    let file = if std::env::var_os(crate::domain::fence::FENCED_ENV).is_some() {
        paths.inbox().join(REFUSALS)
    } else {
        paths.root.join(REFUSALS)
    };
    let _ = crate::store::fsutil::append_line(&file, &line.to_string());
}

/// Refused pushes, one JSON object per line, in the session's folder.
pub const REFUSALS: &str = "push-refused.jsonl";

pub fn deletion_refused(session: &str) -> String {
    format!("minder: push refused: deleting or pruning remote refs is not covered by the approval of session `{session}`; a person does that.")
}

/// `_git-hook NAME ARGS...`: gate, then hand over to the repository's own hook.
pub fn run_hook(name: &str, args: &[String]) -> Result<()> {
    let base = std::env::var(BASE_COUNT_VAR).ok().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    if name == "pre-push" {
        use std::io::{Read, Write};
        let mut input = Vec::new();
        std::io::stdin().read_to_end(&mut input).context("cannot read the pre-push hook's input")?;
        if let Err(why) = pre_push_verdict(&input) {
            eprintln!("{why}");
            record_refusal("pre-push hook", &why);
            std::process::exit(1);
        }
        let Some(hook) = own_hook(name, base) else { return Ok(()) };
        // The repository's hook reads the same lines, so they are handed on rather than exec'd.
        let mut cmd = std::process::Command::new(&hook);
        cmd.args(args).stdin(std::process::Stdio::piped());
        restore_git_config(&mut cmd, base);
        let mut child =
            cmd.spawn().with_context(|| format!("cannot run the repository's `pre-push` hook `{}`", hook.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A hook that does not read its input closes the pipe: not an error.
            let _ = stdin.write_all(&input);
        }
        let status = child.wait()?;
        std::process::exit(status.code().unwrap_or(1));
    }
    super::authorship::record_after(name);
    let Some(hook) = own_hook(name, base) else { return Ok(()) };
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(&hook);
    cmd.args(args);
    // The repository's hook (and any git it runs) sees the config as the user has it.
    restore_git_config(&mut cmd, base);
    let err = cmd.exec();
    Err(anyhow::anyhow!("cannot run the repository's `{}` hook `{}`: {err}", name, hook.display()))
}

fn restore_git_config(cmd: &mut std::process::Command, base: usize) {
    cmd.env_remove(BASE_COUNT_VAR);
    if base == 0 {
        cmd.env_remove("GIT_CONFIG_COUNT");
    } else {
        cmd.env("GIT_CONFIG_COUNT", base.to_string());
    }
    cmd.env_remove(format!("GIT_CONFIG_KEY_{base}"));
    cmd.env_remove(format!("GIT_CONFIG_VALUE_{base}"));
}

/// The repository's own executable hook `name`: from its own `core.hooksPath`, else the
/// common git dir's `hooks/`.
fn own_hook(name: &str, base: usize) -> Option<PathBuf> {
    let git = |args: &[&str]| -> Option<String> {
        // Hooks run at the top of the working tree.
        let mut cmd = super::command(std::path::Path::new("."));
        cmd.args(args).stderr(std::process::Stdio::null());
        restore_git_config(&mut cmd, base);
        let out = super::output(&mut cmd).ok()?;
        let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !s.is_empty()).then_some(s)
    };
    let dir = match git(&["config", "--get", "core.hooksPath"]) {
        Some(p) => {
            let p = PathBuf::from(crate::store::paths::expand_home(&p));
            if p.is_absolute() {
                p
            } else {
                // Relative to where hooks run: the top of the working tree.
                PathBuf::from(git(&["rev-parse", "--show-toplevel"]).unwrap_or_else(|| ".".into())).join(p)
            }
        }
        None => PathBuf::from(git(&["rev-parse", "--path-format=absolute", "--git-common-dir"])?).join("hooks"),
    };
    // Never minder's own folder again (a config or `-c` pointing there would loop forever).
    let ours = hooks_dir_of_env().and_then(|d| std::fs::canonicalize(d).ok());
    if ours.is_some() && std::fs::canonicalize(&dir).ok() == ours {
        return None;
    }
    let hook = dir.join(name);
    let meta = std::fs::metadata(&hook).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then_some(hook)
}

/// minder's hooks folder, as the running hook knows it: under the session's state dir, else
/// where minder's entry in git's config variables points.
fn hooks_dir_of_env() -> Option<PathBuf> {
    if let Some(state) = std::env::var_os("MINDER_STATE_DIR").filter(|s| !s.is_empty()) {
        return Some(hooks_dir(&Store::new(PathBuf::from(state))));
    }
    let base = std::env::var(BASE_COUNT_VAR).ok()?;
    std::env::var_os(format!("GIT_CONFIG_VALUE_{base}")).map(PathBuf::from)
}

/// The commit checked out in `dir`, or None outside a repository or before its first commit.
pub fn head_commit(dir: &Path) -> Option<String> {
    let out = super::run(dir, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).ok()?;
    let commit = out.trim();
    super::invocation::is_object_id(commit).then(|| commit.to_string())
}

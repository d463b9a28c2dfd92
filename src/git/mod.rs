//! The one door to git: every git process minder starts is made by `command`, with a fixed
//! environment, so no prompt, pager or locale ever changes what minder reads; repository facts,
//! worktrees, diffs and the push gate all go through it.

pub mod apply;
pub mod authorship;
pub mod diff;
pub mod gate;
pub mod invocation;
pub mod repo;
pub mod shim;
pub mod worktree;

use anyhow::{anyhow, Context, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// A git process in `dir`: stdin null, no credential or terminal prompts, messages in English
/// (callers parse some of them), no optional locks (a `git status` never blocks the agent's git).
pub fn command(dir: &Path) -> Command {
    let mut cmd = command_of(&program());
    cmd.current_dir(dir);
    cmd
}

/// `command` for a given git binary, in the current directory (the push gate's shim asks the
/// real git about the agent's own repository).
pub fn command_of(git: &std::ffi::OsStr) -> Command {
    let mut cmd = Command::new(git);
    cmd.stdin(Stdio::null()).env("GIT_TERMINAL_PROMPT", "0").env("GIT_OPTIONAL_LOCKS", "0").env("LC_ALL", "C");
    cmd
}

/// Variables through which a caller changes what history git sees: another repository, object
/// store or alternates, replace refs under another prefix, a graft file, a namespace. The push
/// gate's own git calls run without any of them (the shim passes the repository it checks as
/// global options instead, the same one the push uses).
const HISTORY_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_REPLACE_REF_BASE",
    "GIT_GRAFT_FILE",
    "GIT_NAMESPACE",
    "GIT_INDEX_FILE",
    "GIT_SHALLOW_FILE",
    "GIT_QUARANTINE_PATH",
];

/// `command_of` for the push gate: a fixed environment without `HISTORY_VARS`, and replace refs
/// and grafts off (`--no-replace-objects`, a graft file that cannot exist), so the ancestry it
/// checks is the one the commits themselves record: `git replace --graft` or a line in
/// `info/grafts` cannot make new work look like an ancestor of the approved commit. A commit the
/// push would take from elsewhere (another object store) is then not found, and refused.
pub fn gate_command_of(git: &std::ffi::OsStr) -> Command {
    let mut cmd = command_of(git);
    for var in HISTORY_VARS {
        cmd.env_remove(var);
    }
    // ENOTDIR: git reads no graft file and says nothing.
    cmd.env("GIT_NO_REPLACE_OBJECTS", "1").env("GIT_GRAFT_FILE", "/dev/null/no-grafts").arg("--no-replace-objects");
    cmd
}

/// `run` for the push gate (`gate_command_of`, in `dir`).
pub fn gate_run(dir: &Path, args: &[&str]) -> Result<String> {
    let out = gate_command_of(&program())
        .current_dir(dir)
        .args(args)
        .output()
        .with_context(|| format!("cannot run git in `{}`", dir.display()))?;
    if !out.status.success() {
        return Err(anyhow!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The git minder runs: inside an agent's session the real one the push gate recorded (so
/// minder's own git never goes through the agent's shim), else `git` on PATH.
fn program() -> std::ffi::OsString {
    match std::env::var_os(shim::REAL_GIT_VAR) {
        Some(p) if Path::new(&p).is_absolute() => p,
        _ => "git".into(),
    }
}

/// Run git in `dir` and return stdout; an error shows the command and git's stderr.
pub fn run(dir: &Path, args: &[&str]) -> Result<String> {
    let out = command(dir).args(args).output().with_context(|| format!("cannot run git in `{}`", dir.display()))?;
    if !out.status.success() {
        return Err(anyhow!(
            "git {} failed in `{}`: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The top level of the repository `dir` is in.
pub fn toplevel(dir: &Path) -> Result<std::path::PathBuf> {
    Ok(std::path::PathBuf::from(run(dir, &["rev-parse", "--show-toplevel"])?.trim()))
}

/// The default base: the current branch's name, or the commit when HEAD is detached.
pub fn current_ref(repo: &Path) -> Result<String> {
    let name = run(repo, &["rev-parse", "--abbrev-ref", "HEAD"])?.trim().to_string();
    if name != "HEAD" {
        return Ok(name);
    }
    Ok(run(repo, &["rev-parse", "HEAD"])?.trim().to_string())
}

/// The checked-out branch's name (`HEAD` when detached), or empty outside a repository.
pub fn branch(dir: &Path) -> String {
    run(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).map(|s| s.trim().to_string()).unwrap_or_default()
}

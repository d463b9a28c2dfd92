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

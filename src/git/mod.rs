//! The one door to git: every git process minder starts is made by `command`, with a fixed
//! environment, so no prompt, pager or locale ever changes what minder reads, and minder's own
//! git calls are held to a deadline (`deadline`); repository facts, worktrees, diffs and the push
//! gate all go through it.

pub mod apply;
pub mod authorship;
pub mod diff;
pub mod gate;
pub mod invocation;
pub mod repo;
pub mod shim;
pub mod worktree;

use anyhow::{anyhow, Result};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

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
pub(crate) const HISTORY_VARS: &[&str] = &[
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
    let out = output(gate_command_of(&program()).current_dir(dir).args(args))?;
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

/// How long one of minder's own git calls may take: generous, for big repositories and slow
/// disks, but a git that hangs (a stale lock it waits on, a wedged filesystem, a hook that never
/// ends) is ended and named rather than holding minder forever. `MINDER_GIT_TIMEOUT_MS` sets it
/// (tests use a short one). The agent's own git has none: what the push gate's shim passes
/// through is the agent's (a `git push` may take long) and runs as the agent started it.
pub fn deadline() -> Duration {
    crate::procs::deadline::from_env("MINDER_GIT_TIMEOUT_MS", 60_000)
}

/// How a git past its deadline is ended: TERM first, so it removes its lock files (a killed
/// `git merge` would leave `index.lock` behind and every later git in that repository failing),
/// then KILL.
pub(crate) const END: crate::procs::End = crate::procs::End::Term(Duration::from_secs(2));

/// Run `cmd`, a git (made by `command`, `command_of` or `gate_command_of`), with stdin null,
/// within `deadline`: its output, whatever its exit status. An error when it cannot start or
/// does not end in time, naming the command and where it ran.
pub fn output(cmd: &mut Command) -> Result<Output> {
    output_limited(cmd, deadline())
}

fn output_limited(cmd: &mut Command, limit: Duration) -> Result<Output> {
    let shown = shown(cmd);
    let place = cmd.get_current_dir().map(|d| format!(" in `{}`", d.display())).unwrap_or_default();
    match crate::procs::output_within(cmd, None, limit, END) {
        Ok(Some(out)) => Ok(out),
        Ok(None) => Err(anyhow!(
            "`{shown}`{place} did not finish within {:.1}s and was ended (`MINDER_GIT_TIMEOUT_MS` sets the deadline)",
            limit.as_secs_f64()
        )),
        Err(e) => Err(anyhow!("cannot run `{shown}`{place}: {e}")),
    }
}

/// `git ARGS` as an error shows it: the program's file name (the real git may be named by its
/// full path) and the words, cut short past a few hundred characters (the gate names commits).
fn shown(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let mut text = program.file_name().unwrap_or(program.as_os_str()).to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    const MAX: usize = 300;
    if let Some((at, _)) = text.char_indices().nth(MAX) {
        text.truncate(at);
        text.push('…');
    }
    text
}

/// Whether git in `dir` with `args` exits 0 (a question such as `merge-base --is-ancestor`); an
/// error only when it cannot run or does not end in time.
pub fn succeeds(dir: &Path, args: &[&str]) -> Result<bool> {
    Ok(output(command(dir).args(args))?.status.success())
}

/// Run git in `dir` and return stdout; an error shows the command and git's stderr.
pub fn run(dir: &Path, args: &[&str]) -> Result<String> {
    let out = output(command(dir).args(args))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_git_past_its_deadline_is_named_and_leaves_no_lock_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        run(&repo, &["init", "-q"]).unwrap();
        std::fs::write(repo.join("file"), "x").unwrap();
        run(&repo, &["add", "file"]).unwrap();
        run(&repo, &["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "x"]).unwrap();
        std::fs::write(repo.join("file"), "y").unwrap();
        // A pre-commit hook that never ends: `commit -a` holds the index lock while it runs.
        let hooks = tmp.path().join("hooks");
        std::fs::create_dir(&hooks).unwrap();
        let pid = tmp.path().join("hook.pid");
        let hook = hooks.join("pre-commit");
        std::fs::write(&hook, format!("#!/bin/sh\necho $$ > '{}'\nexec sleep 30\n", pid.display())).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o700)).unwrap();
        let hooks_path = format!("core.hooksPath={}", hooks.display());
        let args = ["-c", &hooks_path, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-aqm", "y"];

        let start = std::time::Instant::now();
        let err = output_limited(command(&repo).args(args), Duration::from_millis(1500)).unwrap_err().to_string();
        if let Some(pid) = std::fs::read_to_string(&pid).ok().and_then(|p| p.trim().parse::<libc::pid_t>().ok()) {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
        assert!(err.starts_with("`git -c core.hooksPath="), "{err}");
        assert!(err.contains(&format!("commit -aqm y` in `{}` did not finish within 1.5s", repo.display())), "{err}");
        assert!(err.contains("MINDER_GIT_TIMEOUT_MS"), "{err}");
        // Ended with TERM first, git removed its lock: the repository is usable at once.
        assert!(!repo.join(".git/index.lock").exists(), "git left its index locked");
        run(&repo, &["status", "--porcelain"]).unwrap();
    }

    #[test]
    fn a_git_that_cannot_start_is_named() {
        let mut cmd = command_of(std::ffi::OsStr::new("/nonexistent/git"));
        let err = output_limited(cmd.current_dir("/").args(["rev-parse", "HEAD"]), Duration::from_secs(5))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot run `git rev-parse HEAD` in `/`: "), "{err}");
        let long: Vec<String> = (0..100).map(|i| format!("{i:040}")).collect();
        let shown = shown(command_of(std::ffi::OsStr::new("git")).args(&long));
        assert!(shown.chars().count() == 301 && shown.ends_with('…'), "{shown}");
    }
}

//! Git worktrees for sessions: each agent works on its own branch, and nothing unmerged is ever
//! deleted without `--force`.

use super::run as git;
use crate::domain::record::Worktree;
use anyhow::{anyhow, Result};
use std::path::Path;

/// Create a worktree at `path` on a new `branch` from `base`.
pub fn create(repo: &Path, path: &Path, branch: &str, base: &str) -> Result<Worktree> {
    if git(repo, &["rev-parse", "--verify", "--quiet", &format!("refs/heads/{branch}")]).is_ok() {
        return Err(anyhow!("branch `{branch}` already exists (choose another with --branch, or delete it)"));
    }
    git(repo, &["rev-parse", "--verify", "--quiet", &format!("{base}^{{commit}}")])
        .map_err(|_| anyhow!("no commit `{base}` to start the worktree from (see --base)"))?;
    if let Some(parent) = path.parent() {
        crate::store::fsutil::create_private_dir_all(parent)?;
    }
    let p = path.display().to_string();
    git(repo, &["worktree", "add", "--quiet", "-b", branch, &p, base])?;
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(Worktree { path, branch: branch.to_string(), base: base.to_string(), repo: repo.to_path_buf() })
}

/// Work in the worktree that `rm` would lose: uncommitted changes, and commits that are on
/// neither the base nor any remote.
pub fn unsaved_work(wt: &Worktree) -> Result<Vec<String>> {
    let mut found = Vec::new();
    if !wt.path.exists() {
        return Ok(found);
    }
    let status = git(&wt.path, &["status", "--porcelain", "--untracked-files=normal"])?;
    let changed: Vec<&str> = status.lines().filter(|l| !l.ends_with(".minder/")).collect();
    if !changed.is_empty() {
        found.push(format!("{} uncommitted change(s)", changed.len()));
    }
    let unmerged = git(&wt.path, &["rev-list", "--count", &wt.branch, "--not", &wt.base, "--remotes"])?;
    let n: usize = unmerged.trim().parse().unwrap_or(0);
    if n > 0 {
        found.push(format!("{n} commit(s) on `{}` not on `{}` or a remote", wt.branch, wt.base));
    }
    // The agent may have checked out a commit and committed on top of it: those commits are on
    // no branch, and removing the worktree would leave them only in the reflog.
    let on_nothing = git(&wt.path, &["rev-list", "--count", "HEAD", "--not", "--branches", "--remotes", "--tags"])?;
    let n: usize = on_nothing.trim().parse().unwrap_or(0);
    if n > 0 {
        let head = git(&wt.path, &["rev-parse", "--short=12", "HEAD"]).unwrap_or_default();
        found.push(format!(
            "{n} commit(s) that no branch holds (a detached HEAD at {}; `git branch NAME {}` keeps them)",
            head.trim(),
            head.trim()
        ));
    }
    Ok(found)
}

pub fn check_removable(wt: &Worktree, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    let work = unsaved_work(wt)?;
    if work.is_empty() {
        return Ok(());
    }
    Err(anyhow!(
        "worktree `{}` has {} (merge or push it, or `--force` to remove the worktree; the branch is kept)",
        wt.path.display(),
        work.join(" and ")
    ))
}

/// Remove the worktree; delete its branch only when fully merged into the base.
pub fn remove(wt: &Worktree, force: bool) -> Result<Option<String>> {
    let repo = wt.repo.as_path();
    if wt.path.exists() {
        let p = wt.path.display().to_string();
        let mut args = vec!["worktree", "remove"];
        if force {
            args.push("--force");
        }
        args.push(&p);
        git(repo, &args)?;
    }
    let _ = git(repo, &["worktree", "prune"]);
    let merged = git(repo, &["rev-list", "--count", &wt.branch, "--not", &wt.base, "--remotes"])
        .map(|n| n.trim() == "0")
        .unwrap_or(false);
    if merged {
        git(repo, &["branch", "-D", &wt.branch])?;
        Ok(None)
    } else {
        Ok(Some(format!("kept branch `{}`: it has commits not on `{}`", wt.branch, wt.base)))
    }
}

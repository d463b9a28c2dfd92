//! Applying approved work: the approved commit goes into the base branch of the repository's
//! main checkout — a fast-forward when it can, else a merge commit, or one squashed commit —
//! and any refusal or failure leaves the repository exactly as it was.

use super::run as git;
use anyhow::{anyhow, Result};
use std::path::Path;

/// How the work went in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    FastForward,
    Merge,
    Squash,
    /// The commit was already on the branch: nothing to do.
    AlreadyThere,
}

impl How {
    pub fn as_str(self) -> &'static str {
        match self {
            How::FastForward => "fast-forward",
            How::Merge => "merge",
            How::Squash => "squash",
            How::AlreadyThere => "already-there",
        }
    }
}

/// What `apply` did: how, and the branch's new head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub how: How,
    pub head: String,
}

/// Put `commit` into `branch`, checked out in the main checkout `repo`. `message` is the merge
/// or squash commit's message. Refuses, changing nothing, when `repo` has another branch (or a
/// detached HEAD) checked out or uncommitted changes to tracked files; a conflict is aborted and
/// named.
pub fn apply(repo: &Path, branch: &str, commit: &str, squash: bool, message: &str) -> Result<Applied> {
    let checked_out =
        git(repo, &["symbolic-ref", "--quiet", "--short", "HEAD"]).map(|s| s.trim().to_string()).unwrap_or_default();
    if checked_out != branch {
        let now = if checked_out.is_empty() { "a detached HEAD".to_string() } else { format!("`{checked_out}`") };
        return Err(anyhow!(
            "the main checkout `{}` has {now} checked out, not `{branch}` (check out `{branch}` there first); nothing was changed",
            repo.display()
        ));
    }
    let dirty = git(repo, &["status", "--porcelain", "--untracked-files=no"])?;
    if !dirty.trim().is_empty() {
        let n = dirty.lines().count();
        return Err(anyhow!(
            "the main checkout `{}` has {n} uncommitted change(s) (commit or stash them first); nothing was changed",
            repo.display()
        ));
    }
    let commit = git(repo, &["rev-parse", "--verify", "--quiet", &format!("{commit}^{{commit}}")])
        .map_err(|_| anyhow!("the approved commit {commit} is not in `{}`", repo.display()))?
        .trim()
        .to_string();
    let before = head(repo)?;
    if is_ancestor(repo, &commit, &before) {
        return Ok(Applied { how: How::AlreadyThere, head: before });
    }
    let how = if squash {
        How::Squash
    } else if is_ancestor(repo, &before, &commit) {
        How::FastForward
    } else {
        How::Merge
    };
    let result = match how {
        How::FastForward => git(repo, &["merge", "--ff-only", "--quiet", &commit]).map(drop),
        How::Merge => git(repo, &["merge", "--no-ff", "--no-edit", "--quiet", "-m", message, &commit]).map(drop),
        _ => git(repo, &["merge", "--squash", "--quiet", &commit])
            .and_then(|_| git(repo, &["commit", "--quiet", "-m", message]).map(drop)),
    };
    if let Err(e) = result {
        let conflicted = git(repo, &["diff", "--name-only", "--diff-filter=U"]).unwrap_or_default();
        let conflicted: Vec<&str> = conflicted.lines().collect();
        restore(repo, &before);
        if head(repo).ok().as_deref() != Some(before.as_str()) {
            return Err(e.context(format!("and `{}` could not be put back at {before}: look at it", repo.display())));
        }
        if !conflicted.is_empty() {
            return Err(anyhow!(
                "merging into `{branch}` conflicts in {}; the merge was aborted and nothing was changed (resolve it by hand: `git merge {commit}` in `{}`)",
                conflicted.join(", "),
                repo.display()
            ));
        }
        return Err(e.context("nothing was changed"));
    }
    Ok(Applied { how, head: head(repo)? })
}

fn head(repo: &Path) -> Result<String> {
    Ok(git(repo, &["rev-parse", "HEAD"])?.trim().to_string())
}

fn is_ancestor(repo: &Path, a: &str, b: &str) -> bool {
    git(repo, &["merge-base", "--is-ancestor", a, b]).is_ok()
}

/// Back to `before` after a failed merge or squash: abort a merge in progress, else reset the
/// index and the files the merge touched (`--merge` keeps nothing else: the checkout was clean).
fn restore(repo: &Path, before: &str) {
    if git(repo, &["rev-parse", "--verify", "--quiet", "MERGE_HEAD"]).is_ok() {
        let _ = git(repo, &["merge", "--abort"]);
    }
    let _ = git(repo, &["reset", "--merge", "--quiet", before]);
}

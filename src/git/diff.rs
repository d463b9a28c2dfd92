//! What a session changed against its base: the summary a review shows, and the full diff.

use crate::domain::record::Record;
use anyhow::{anyhow, Result};
use serde::Serialize;

#[derive(Serialize, Debug, Clone, Default)]
pub struct DiffSummary {
    pub base: String,
    pub files_changed: usize,
    pub insertions: usize,
    pub deletions: usize,
    pub stat: String,
    pub untracked: Vec<String>,
}

/// Parse `git diff --shortstat`: " 3 files changed, 10 insertions(+), 2 deletions(-)".
pub fn parse_shortstat(s: &str) -> (usize, usize, usize) {
    let mut out = (0, 0, 0);
    for part in s.split(',') {
        let mut words = part.split_whitespace();
        let n: usize = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        match words.next() {
            Some(w) if w.starts_with("file") => out.0 = n,
            Some(w) if w.starts_with("insertion") => out.1 = n,
            Some(w) if w.starts_with("deletion") => out.2 = n,
            _ => {}
        }
    }
    out
}

pub fn diff_summary(record: &Record) -> Option<DiffSummary> {
    let base = record.base_commit.clone()?;
    let git = |args: &[&str]| super::run(&record.dir, args).ok();
    let short = git(&["diff", "--shortstat", &base])?;
    let (files_changed, insertions, deletions) = parse_shortstat(&short);
    let stat = git(&["diff", "--stat=100", &base]).unwrap_or_default();
    let untracked =
        git(&["ls-files", "--others", "--exclude-standard"]).unwrap_or_default().lines().map(str::to_string).collect();
    Some(DiffSummary { base, files_changed, insertions, deletions, stat, untracked })
}

/// One commit since the base.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub commit: String,
    pub subject: String,
}

/// The commits on HEAD since the session's base, newest first (at most `max`).
pub fn commits_since_base(record: &Record, max: usize) -> Vec<Commit> {
    let Some(base) = &record.base_commit else { return Vec::new() };
    let range = format!("{base}..HEAD");
    let limit = format!("--max-count={max}");
    super::run(&record.dir, &["log", &limit, "--format=%H%x1f%s", &range])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\u{1f}'))
        .map(|(c, s)| Commit { commit: c.to_string(), subject: s.to_string() })
        .collect()
}

/// What is not committed yet: the diffstat of the working tree against HEAD, and new files.
#[derive(Serialize, Debug, Clone, Default)]
pub struct Uncommitted {
    pub stat: String,
    pub untracked: Vec<String>,
}

pub fn uncommitted(record: &Record) -> Option<Uncommitted> {
    record.base_commit.as_ref()?;
    let git = |args: &[&str]| super::run(&record.dir, args).ok();
    let stat = git(&["diff", "--stat=100", "HEAD"])?;
    let untracked =
        git(&["ls-files", "--others", "--exclude-standard"]).unwrap_or_default().lines().map(str::to_string).collect();
    Some(Uncommitted { stat, untracked })
}

/// The full diff against the base, uncommitted changes included, through git's pager (the
/// user's `core.pager` / `$GIT_PAGER` / `$PAGER`).
pub fn full_diff(record: &Record) -> Result<()> {
    let base = record
        .base_commit
        .clone()
        .ok_or_else(|| anyhow!("session `{}` is not in a git repository: no diff", record.name))?;
    // The person reads this one: their pager, their locale, their terminal.
    let status = super::command(&record.dir)
        .env_remove("LC_ALL")
        .stdin(std::process::Stdio::inherit())
        .args(["--paginate", "diff", &base])
        .status()
        .map_err(|e| anyhow!("cannot run git: {e}"))?;
    if !status.success() {
        return Err(anyhow!("git diff failed in `{}`", record.dir.display()));
    }
    let untracked = super::run(&record.dir, &["ls-files", "--others", "--exclude-standard"]).unwrap_or_default();
    if !untracked.trim().is_empty() {
        crate::outln!("\nnew files not yet added:\n{}", untracked.trim_end());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortstat() {
        assert_eq!(parse_shortstat(" 3 files changed, 10 insertions(+), 2 deletions(-)\n"), (3, 10, 2));
        assert_eq!(parse_shortstat(" 1 file changed, 1 insertion(+)"), (1, 1, 0));
        assert_eq!(parse_shortstat(""), (0, 0, 0));
    }
}

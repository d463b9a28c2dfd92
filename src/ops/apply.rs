//! Applying an approved session's work (`minder apply`): its approved commit into the base
//! branch of the repository's main checkout, then the session and its worktree removed.

use crate::app::Ctx;
use crate::domain::record::Event;
use crate::domain::state::Source;
use crate::git::apply::{Applied, How};
use anyhow::{anyhow, Result};

/// What `apply` did.
#[derive(Debug)]
pub struct Outcome {
    pub applied: Applied,
    pub branch: String,
    pub repo: std::path::PathBuf,
    pub approved_commit: String,
    /// The session and its worktree were removed.
    pub removed: bool,
    /// Why they were kept, when they were to be removed.
    pub kept: Option<String>,
}

/// Apply `name` (a resolved full name). The caller holds the state dir's lock.
pub fn apply(ctx: &Ctx, name: &str, squash: bool, remove: bool) -> Result<Outcome> {
    crate::ops::decision::refuse_inside_an_agent(ctx, "apply")?;
    let obs = crate::ops::reconcile::observe_one(ctx, name)?;
    let record = &obs.record;
    let Some(wt) = &record.worktree else {
        return Err(anyhow!(
            "`{name}` did not run in a worktree, so its changes are in `{}` already: nothing to apply",
            record.dir.display()
        ));
    };
    // The decision, not the state shown: an approval outlives the agent (exit, stop, restore).
    let commit = match record.approval() {
        Some(Some(c)) => c.to_string(),
        Some(None) => return Err(anyhow!("`{name}` was approved without a commit on record: approve it again")),
        None => {
            let state = record.state();
            return Err(anyhow!("`{name}` is {state}, not approved: review it (`minder review {name}`), then `minder approve {name}`; nothing was changed"));
        }
    };
    let repo = if wt.repo.as_os_str().is_empty() { crate::git::toplevel(&wt.path)? } else { wt.repo.clone() };
    if crate::git::run(&repo, &["rev-parse", "--verify", "--quiet", &format!("refs/heads/{}", wt.base)]).is_err() {
        return Err(anyhow!(
            "`{name}` started from `{}`, which is not a branch: merge {} yourself; nothing was changed",
            wt.base,
            short(&commit)
        ));
    }
    let trailer =
        format!("Applied by minder from session {name} (branch {}, approved commit {}).", wt.branch, short(&commit));
    let message = if squash {
        let title = record
            .goal
            .clone()
            .filter(|g| !g.trim().is_empty())
            .unwrap_or_else(|| format!("Work of minder session {name}"));
        format!("{title}\n\n{trailer}")
    } else {
        format!("Merge approved work of minder session {name}\n\n{trailer}")
    };
    let applied = crate::git::apply::apply(&repo, &wt.base, &commit, squash, &message)?;
    let note = match applied.how {
        How::AlreadyThere => format!("applied: {} is on `{}` already", short(&commit), wt.base),
        how => format!(
            "applied: {} of {} into `{}`, now at {}",
            how.as_str(),
            short(&commit),
            wt.base,
            short(&applied.head)
        ),
    };
    let event = Event::noted(chrono::Utc::now(), record.state(), Source::Command, note);
    ctx.store.append_event(name, &event)?;
    let mut outcome =
        Outcome { applied, branch: wt.base.clone(), repo, approved_commit: commit, removed: false, kept: None };
    if remove {
        // The work is in: the agent (if still at its prompt) is done. Removal still refuses
        // to lose anything the merge did not take (later commits, uncommitted changes).
        let removal = (|| {
            if obs.alive() {
                crate::ops::stop::stop(ctx, &obs, false, Some("applied".into()))?;
            }
            let obs = crate::ops::reconcile::observe_one(ctx, name)?;
            // After a squash git sees the branch as unmerged though its work is in: when it
            // holds nothing past the approved commit and nothing uncommitted, the worktree goes
            // (its branch is kept: `remove` deletes only a merged one).
            let squashed_whole = outcome.applied.how == How::Squash
                && only_the_approved_work(&wt.path, &wt.branch, &outcome.approved_commit);
            crate::ops::remove::remove(ctx, &obs, squashed_whole, false)
        })();
        match removal {
            Ok(()) => outcome.removed = true,
            Err(e) => outcome.kept = Some(format!("{e:#}")),
        }
    }
    Ok(outcome)
}

/// The worktree's branch is at `approved` and it has no uncommitted change.
fn only_the_approved_work(worktree: &std::path::Path, branch: &str, approved: &str) -> bool {
    let head = crate::git::run(worktree, &["rev-parse", branch]).map(|h| h.trim().to_string()).unwrap_or_default();
    let status = crate::git::run(worktree, &["status", "--porcelain", "--untracked-files=normal"])
        .unwrap_or_else(|_| "?".into());
    head == approved && status.lines().all(|l| l.ends_with(".minder/"))
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

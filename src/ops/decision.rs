//! The human gate's decisions, shared by `approve`, `reject` and the dash: record the decision,
//! open or close the push gate, run `on_approve`, and hand a rejection's note to the agent.

use crate::app::Ctx;
use crate::domain::state::{Source, State};
use crate::ops::reconcile;
use anyhow::{anyhow, Result};
use chrono::Utc;

/// Approve `name` (a resolved full name): the push gate opens and `review.on_approve` runs.
/// Returns what to tell the person.
pub fn approve(ctx: &Ctx, name: &str, note: Option<String>) -> Result<String> {
    // What the person reviewed: the worktree's HEAD now. The push gate lets through this commit
    // and its ancestors only, so work the agent commits later needs a new approval.
    let before = ctx.store.load(name)?;
    let head = crate::git::gate::head_commit(before.worktree.as_ref().map(|w| w.path.as_path()).unwrap_or(&before.dir));
    let (record, _) = ctx.store.transition_with(name, Source::Command, |r| {
        r.approved_at = Some(Utc::now());
        r.approved_commit = head.clone();
        Some((State::Approved, String::new(), redacted(r, &note)))
    })?;
    crate::ops::status_push::push(&ctx.store, &record, false);
    crate::ops::transitions::after(&ctx.store, &record);
    let said = match (&head, ctx.config.review.gate_push) {
        (Some(c), true) => {
            format!("approved `{name}` at {} (git push of that commit and its ancestors is allowed now)", short(c))
        }
        (Some(c), false) => format!("approved `{name}` at {}", short(c)),
        (None, _) => format!("approved `{name}`"),
    };
    let hook = ctx.config.review.on_approve.trim();
    if hook.is_empty() {
        return Ok(said);
    }
    let wt = record.worktree.as_ref();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(hook)
        .current_dir(&record.dir)
        .env("MINDER_SESSION", &record.name)
        .env("MINDER_DIR", &record.checkpoint_dir)
        .env("MINDER_WORKTREE", wt.map(|w| w.path.display().to_string()).unwrap_or_default())
        .env("MINDER_BRANCH", wt.map(|w| w.branch.clone()).unwrap_or_default())
        .env("MINDER_NOTE", note.clone().unwrap_or_default())
        .stdin(std::process::Stdio::null())
        .status()
        .map_err(|e| anyhow!("cannot run on_approve: {e}"))?;
    if !status.success() {
        return Err(anyhow!("on_approve failed ({status}); `{name}` stays approved"));
    }
    Ok(said)
}

/// Reject `name`: the push gate closes, and a note goes to the agent if it is still running.
/// Returns what to tell the person.
pub fn reject(ctx: &Ctx, name: &str, note: Option<String>) -> Result<String> {
    let obs = reconcile::observe_one(ctx, name)?;
    let (record, _) = ctx.store.transition_with(name, Source::Command, |r| {
        r.approved_at = None;
        r.approved_commit = None;
        r.rejected_at = Some(Utc::now());
        Some((State::Rejected, String::new(), redacted(r, &note)))
    })?;
    crate::ops::status_push::push(&ctx.store, &record, false);
    crate::ops::transitions::after(&ctx.store, &record);
    Ok(match (&note, obs.alive()) {
        (Some(note), true) => {
            let delay =
                crate::domain::agents::profile(&ctx.config, &record.agent).map(|p| p.submit_delay).unwrap_or_default();
            crate::ops::deliver::deliver(ctx, &obs, note, delay)?;
            format!("rejected `{name}`; the note went to the agent")
        }
        (Some(_), false) => format!("rejected `{name}`; the agent has ended, so the note is only recorded"),
        (None, _) => format!("rejected `{name}` (no note: nothing was sent to the agent)"),
    })
}

/// A note as the event log keeps it: redacted like the log (a person may paste a key into a
/// note; the agent still gets the note as typed).
fn redacted(r: &crate::domain::record::Record, note: &Option<String>) -> Option<String> {
    let extra = crate::sink::redact::user_patterns(&r.log_settings.redact);
    note.as_deref().map(|n| crate::sink::redact::redact_text(n, &extra))
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

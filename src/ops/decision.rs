//! The human gate's decisions, shared by `approve`, `reject`, `answer`'s refusal and the dash:
//! what may be decided (never a live question, never from inside an agent's session, only the
//! work the person was shown), recording the decision apart from what the agent does, opening
//! or closing the push gate, `on_approve`, and a rejection's note to the agent.

use crate::app::Ctx;
use crate::domain::record::{Record, Verdict};
use crate::domain::state::{short_commit, Source};
use crate::ops::reconcile;
use anyhow::{anyhow, bail, Result};
use chrono::Utc;
use std::path::Path;

/// Where the session's work is: its worktree, else its directory.
pub fn work_dir(r: &Record) -> &Path {
    r.work_dir()
}

/// The commit a decision is on: the HEAD the person's last `review` showed. `commit` (the
/// person's `--commit`) must be that HEAD or an ancestor of it; with no review shown yet, HEAD.
/// Refused when HEAD moved since the review: the person has not seen the new commits.
fn decided_commit(r: &Record, commit: Option<&str>) -> Result<Option<String>> {
    let dir = work_dir(r);
    let Some(head) = crate::git::gate::head_commit(dir) else {
        if commit.is_some() {
            bail!("`{}` is not in a git repository: there is no commit to approve", r.name);
        }
        return Ok(None);
    };
    if let Some(c) = commit {
        let full = crate::git::run(
            dir,
            &["--no-replace-objects", "rev-parse", "--verify", "--quiet", &format!("{c}^{{commit}}")],
        )
        .map(|s| s.trim().to_string())
        .map_err(|_| anyhow!("no commit `{c}` in `{}`", dir.display()))?;
        let ancestor =
            crate::git::succeeds(dir, &["--no-replace-objects", "merge-base", "--is-ancestor", &full, &head])?;
        if !ancestor {
            bail!(
                "commit `{c}` is not on `{}`'s HEAD ({}): approve its work, not another branch",
                r.name,
                short_commit(&head)
            );
        }
        return Ok(Some(full));
    }
    match r.reviewed.as_ref().and_then(|v| v.commit.as_deref()) {
        Some(seen) if seen != head => bail!(
            "`{}` has new commits since your review ({}..{}): run `minder review {}` again, or decide on the commit you saw with --commit {}",
            r.name,
            short_commit(seen),
            short_commit(&head),
            r.task,
            short_commit(seen)
        ),
        _ => Ok(Some(head)),
    }
}

/// Refuse a decision on a session that asks a live question: the person answers it first.
fn refuse_live_question(r: &Record, verdict: Verdict) -> Result<()> {
    if let Some(asked) = r.asking() {
        bail!(
            "`{}` is asking a question ({asked}): answer it first with `minder answer {} yes|no|TEXT`; {} is for finished work",
            r.name,
            r.task,
            verb(verdict)
        );
    }
    Ok(())
}

fn verb(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approved => "approve",
        Verdict::Rejected => "reject",
    }
}

/// The one way a decision is recorded: from the person (not inside an agent's session), on a
/// session asking nothing, on the commit `commit_of` picks from what was observed. Decided on
/// the record as it is under the lock, so a question that appeared meanwhile still wins.
fn decide(
    ctx: &Ctx,
    name: &str,
    verdict: Verdict,
    note: &Option<String>,
    commit_of: impl FnOnce(&Record) -> Result<Option<String>>,
) -> Result<(Record, reconcile::Observed, Option<String>)> {
    refuse_inside_an_agent(ctx, verb(verdict))?;
    let obs = reconcile::observe_one(ctx, name)?;
    refuse_live_question(&obs.record, verdict)?;
    let commit = commit_of(&obs.record)?;
    let (record, _) = crate::ops::transitions::commit(&ctx.store, name, Source::Command, |r| {
        if r.asking().is_some() {
            return None;
        }
        let kept = redacted(&ctx.store, r, note);
        r.decide(verdict, commit.clone(), kept.clone(), Utc::now());
        Some((r.activity, r.activity_detail.clone(), kept))
    })?;
    refuse_live_question(&record, verdict)?;
    Ok((record, obs, commit))
}

/// In a shared checkout (no worktree) the commits since the session started may be others':
/// the approval covers the agent's only. Returns the commit to approve, or the reason it cannot
/// be told apart.
fn agent_part(r: &Record, head: Option<String>) -> Result<Option<String>> {
    if r.worktree.is_some() {
        return Ok(head);
    }
    let commits = crate::git::diff::commits_since_base(r, 10_000);
    let (mine, others): (Vec<_>, Vec<_>) = commits.iter().partition(|c| r.agent_commits.contains(&c.commit));
    match (mine.is_empty(), others.is_empty()) {
        (_, true) => Ok(head),
        // Nothing of the agent's is committed: the approval covers the start, not others' work.
        (true, false) => Ok(r.base_commit.clone()),
        (false, false) => bail!(
            "`{}` shares its checkout: {} commit(s) by the agent and {} by others since it started are on the same branch, so an approval cannot cover the agent's alone; review them with `minder review {}`, and start such work with -w (a worktree of its own)",
            r.name,
            mine.len(),
            others.len(),
            r.task
        ),
    }
}

/// Approve `name` (a resolved full name): the push gate opens for the reviewed commit and
/// `review.on_approve` runs. Returns what to tell the person.
pub fn approve(ctx: &Ctx, name: &str, note: Option<String>, commit: Option<&str>) -> Result<String> {
    let (record, _, head) = decide(ctx, name, Verdict::Approved, &note, |r| agent_part(r, decided_commit(r, commit)?))?;
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
    let (record, obs, _) =
        decide(ctx, name, Verdict::Rejected, &note, |r| Ok(crate::git::gate::head_commit(work_dir(r))))?;
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

/// Record that the person was shown `r`'s review at its HEAD now: `approve` approves that.
pub fn reviewed(ctx: &Ctx, r: &Record) {
    let commit = crate::git::gate::head_commit(work_dir(r));
    let seen = crate::domain::record::Reviewed { commit, at: Utc::now() };
    if let Err(e) = ctx.store.update(&r.name, |r| r.reviewed = Some(seen)) {
        tracing::warn!("cannot record the review of `{}`: {e:#}", r.name);
    }
}

/// A decision comes from the person, never from inside an agent's session: refuse when this
/// process descends from an agent's supervisor (whatever its environment says), when its
/// terminal is an agent's pane, or when it says it runs in one.
pub fn refuse_inside_an_agent(ctx: &Ctx, what: &str) -> Result<()> {
    if let Some(why) = crate::ops::inside::inside_an_agent().or_else(|| crate::ops::inside::in_an_agents_pane(ctx)) {
        bail!("refused: {what} is the person's decision and cannot be made from inside an agent's session ({why})");
    }
    Ok(())
}

/// A note as the event log keeps it: redacted like the log (a person may paste a key into a
/// note; the agent still gets the note as typed); an empty note is none.
fn redacted(store: &crate::store::Store, r: &Record, note: &Option<String>) -> Option<String> {
    let extra = crate::store::secrets::redactions(&store.paths(&r.name), &r.log_settings.redact);
    note.as_deref().filter(|n| !n.is_empty()).map(|n| crate::redact::redact_text(n, &extra))
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

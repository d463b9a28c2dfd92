//! Which commits the agent made itself: git runs minder's `post-commit`, `post-merge` and
//! `post-applypatch` hooks in the agent's session, and each records the new HEAD in the
//! session's record. In a shared checkout `review` tells these apart from commits others made
//! there, and an approval covers only them. A commit made by plumbing that runs no hook is not
//! recorded: it counts as someone else's, the safe side (never covered by an approval).

/// The hooks after which HEAD is a commit the agent just made.
pub const AFTER_COMMIT: &[&str] = &["post-commit", "post-merge", "post-applypatch"];

/// Record HEAD as the agent's, if `hook` follows a commit and this git runs in a session.
/// Best effort: a hook never fails the agent's commit over minder's bookkeeping.
pub fn record_after(hook: &str) {
    if !AFTER_COMMIT.contains(&hook) {
        return;
    }
    let Ok((store, session)) = super::gate::session_from_env() else { return };
    let Ok(dir) = std::env::current_dir() else { return };
    let Some(head) = super::gate::head_commit(&dir) else { return };
    if std::env::var_os(crate::domain::fence::FENCED_ENV).is_some() {
        // Inside a bubblewrap fence the record is read-only: the sink takes it from the inbox.
        let file = store.paths(&session).inbox().join(crate::domain::fence::AGENT_COMMITS);
        if let Err(e) = crate::store::fsutil::append_line(&file, &head) {
            tracing::warn!("cannot note the agent's commit {head} in `{session}`: {e:#}");
        }
        return;
    }
    if let Err(e) = store.update(&session, |r| {
        if !r.agent_commits.contains(&head) {
            r.agent_commits.push(head.clone());
        }
    }) {
        tracing::warn!("cannot record the agent's commit {head} in `{session}`: {e:#}");
    }
}

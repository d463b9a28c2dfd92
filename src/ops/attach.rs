//! Handing the terminal to a session: attach outside tmux, switch the client inside it. The
//! session is the one carrying the record's `@minder-id`, reached by its id whatever its name.

use crate::app::Ctx;
use crate::domain::state::attention_rank;
use crate::ops::reconcile::{self, Observed};
use crate::tmux::guarded;
use crate::tmux_cmd;
use anyhow::{anyhow, Result};

/// The session that most needs attention among those still in tmux.
pub fn pick(ctx: &Ctx) -> Result<Observed> {
    let mut candidates: Vec<_> = reconcile::observe(ctx)?.into_iter().filter(|o| o.pane.is_some()).collect();
    // The one attention order, among the sessions still in tmux; the most recent first within a state.
    candidates.sort_by_key(|o| (attention_rank(o.record.state()), std::cmp::Reverse(o.record.state_at)));
    candidates
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("no session to attach to (see `minder ls`, or start one with `minder new`)"))
}

pub fn attach_to(ctx: &Ctx, obs: &Observed) -> Result<()> {
    let record = &obs.record;
    let Some(pane) = &obs.pane else {
        return Err(anyhow!(
            "session `{}` is not in tmux any more (state {}; see `minder logs {}`)",
            record.name,
            record.state(),
            record.name
        ));
    };
    let tmux = ctx.tmux_for(record)?;
    let who = record.identity();
    let session = &pane.session_id;
    let inside = crate::tmux::socket_from_env();
    let same_server = match (&inside, &record.socket) {
        (Some(a), Some(b)) => std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok(),
        _ => false,
    };
    if same_server {
        return match tmux.batch_if(session, &who, &[tmux_cmd!["switch-client", "-t", session]])? {
            Some(_) => Ok(()),
            None => Err(anyhow!("session `{}` is no longer in tmux (see `minder show {}`)", record.name, record.name)),
        };
    }
    // Outside tmux, or inside another server: a nested client needs $TMUX unset. tmux checks
    // the id as it attaches; this process is replaced, so a mismatch can only be said there.
    let refused = format!("minder: session {} is no longer in tmux", record.name);
    let attach = guarded(
        session,
        &who,
        &[tmux_cmd!["attach-session", "-t", session]],
        &[tmux_cmd!["display-message", "-p", refused]],
    );
    Err(tmux.exec_interactive(&attach, inside.is_some()))
}

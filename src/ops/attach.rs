//! Handing the terminal to a session: attach outside tmux, switch the client inside it.

use crate::app::Ctx;
use anyhow::{anyhow, Result};
use crate::domain::record::Record;
use crate::domain::state::attention_rank;
use crate::ops::reconcile;
use crate::tmux::session_target;
use crate::tmux_cmd;

/// The session that most needs attention among those still in tmux.
pub fn pick(ctx: &Ctx) -> Result<Record> {
    let mut candidates: Vec<_> = reconcile::observe(ctx)?.into_iter().filter(|o| o.pane.is_some()).collect();
    candidates.sort_by_key(|o| (attention_rank(o.record.state), std::cmp::Reverse(o.record.state_at)));
    candidates
        .into_iter()
        .next()
        .map(|o| o.record)
        .ok_or_else(|| anyhow!("no session to attach to (see `minder ls`, or start one with `minder new`)"))
}

pub fn attach_to(ctx: &Ctx, record: &Record) -> Result<()> {
    let tmux = ctx.tmux_for(record)?;
    let target = session_target(&record.name);
    if tmux.run(&tmux_cmd!["has-session", "-t", target]).is_err() {
        return Err(anyhow!(
            "session `{}` is not in tmux any more (state {}; see `minder logs {}`)",
            record.name, record.state, record.name
        ));
    }
    let inside = crate::tmux::socket_from_env();
    let same_server = match (&inside, &record.socket) {
        (Some(a), Some(b)) => std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok(),
        _ => false,
    };
    if same_server {
        tmux.run(&tmux_cmd!["switch-client", "-t", target])?;
        return Ok(());
    }
    // Outside tmux, or inside another server: a nested client needs $TMUX unset.
    Err(tmux.exec_interactive(&tmux_cmd!["attach-session", "-t", target], inside.is_some()))
}

//! This machine's sessions as `minder ls --json` lists them: what `ls` prints and what `_serve`
//! answers another machine's `ls` with, so the two can never differ.

use crate::app::Ctx;
use crate::domain::panes::Observed;
use crate::ops::{present, reconcile};
use crate::store::Damaged;
use anyhow::Result;

/// This machine's sessions as `ls` lists them (ended ones that need nothing more only with
/// `all`), in attention order; and the records that cannot be read. tmux is asked only when a
/// live session's sink is not (`reconcile::observe_listing`).
pub fn sorted(ctx: &Ctx, all: bool) -> Result<(Vec<Observed>, Vec<Damaged>)> {
    let (mut sessions, damaged) = reconcile::observe_listing_checked(ctx)?;
    present::note_tmux_errors(ctx, &sessions);
    if !all {
        sessions.retain(|o| crate::domain::state::listed_by_default(o.record.state(), o.record.running()));
    }
    in_attention_order(&mut sessions);
    Ok((sessions, damaged))
}

/// Those that need a person first, the longest waiting first, as the table lists them.
pub fn in_attention_order(sessions: &mut [Observed]) {
    sessions.sort_by(|a, b| {
        let key = |o: &Observed| {
            (crate::domain::state::attention_rank(o.record.state()), o.record.state_at, o.record.name.clone())
        };
        key(a).cmp(&key(b))
    });
}

/// `ls --json` of this machine's sessions, as a value: what `ls --json` prints with no hosts
/// configured, and what `_serve` answers another machine's `ls` with (in this process).
pub fn local_json(ctx: &Ctx, all: bool) -> Result<serde_json::Value> {
    let (sessions, damaged) = sorted(ctx, all)?;
    // A record that cannot be read is listed with its error, never skipped.
    let list: Vec<_> = sessions.iter().map(|o| present::session_json(ctx, o)).collect();
    let damaged: Vec<_> = damaged.iter().map(|d| serde_json::json!({"name": d.name, "error": d.error})).collect();
    Ok(present::versioned(serde_json::json!({"sessions": list, "damaged": damaged})))
}

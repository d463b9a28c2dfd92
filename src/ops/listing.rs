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

/// `ls --json` of this machine's sessions, as the text printed: what `ls --json` prints with no
/// hosts configured, and what `_serve` answers another machine's `ls` with (in this process).
/// Written straight from the records, with no JSON map built per session.
pub fn local_json(ctx: &Ctx, all: bool) -> Result<String> {
    #[derive(serde::Serialize)]
    struct Damage<'a> {
        error: &'a str,
        name: &'a str,
    }
    /// Keys in alphabetical order, as `present::versioned` prints them.
    #[derive(serde::Serialize)]
    struct Listing<'a> {
        damaged: Vec<Damage<'a>>,
        sessions: Vec<present::SessionJson<'a>>,
        version: u64,
    }
    let (sessions, damaged) = sorted(ctx, all)?;
    // A record that cannot be read is listed with its error, never skipped.
    let listing = Listing {
        damaged: damaged.iter().map(|d| Damage { error: &d.error, name: &d.name }).collect(),
        sessions: sessions.iter().map(|o| present::SessionJson::of(ctx, o)).collect(),
        version: present::JSON_VERSION,
    };
    Ok(serde_json::to_string(&listing)?)
}

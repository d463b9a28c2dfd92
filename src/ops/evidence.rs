//! Applying evidence to a session: the detection rules decide, the record and event log are
//! updated under the session's lock, and the status line hears about it. Every source (the
//! sink, `minder notify`, the exit) goes through here.

use crate::domain::detect::{next_state, Evidence};
use crate::domain::record::Record;
use crate::domain::state::State;
use crate::store::Store;
use anyhow::Result;

/// Apply one piece of evidence; returns the record if the state changed.
pub fn apply(store: &Store, name: &str, evidence: &Evidence, note: Option<String>) -> Result<Option<Record>> {
    let (record, changed) = store.transition_with(name, evidence.source(), |r| {
        if r.ended_at.is_some() {
            return None;
        }
        next_state(r.state, &r.detail, evidence).map(|(state, detail)| (state, detail, note))
    })?;
    if !changed {
        return Ok(None);
    }
    // A finished turn with the risk summary written is done: review.
    if record.state == State::Waiting && record.checkpoint_dir.join("RISKS.md").exists() {
        if let Some(r) = apply(store, name, &Evidence::RisksWritten, Some("RISKS.md written".into()))? {
            return Ok(Some(r));
        }
    }
    crate::ops::status_push::push(store, &record, true);
    Ok(Some(record))
}

//! Applying evidence to a session: the detection rules decide, the record and event log are
//! updated under the session's lock, and the status line hears about it. Every source (the
//! sink, `minder notify`, the exit) goes through here.

use crate::domain::detect::{next_state, Evidence};
use crate::domain::record::Record;
use crate::domain::state::State;
use crate::store::Store;
use crate::domain::state::{exit_outcome, Source};
use anyhow::Result;
use chrono::{DateTime, Utc};

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

/// Record an agent's exit once (from the hook or from `observe`), and move to its outcome state.
pub fn record_exit(
    store: &Store,
    name: &str,
    status: Option<i32>,
    signal: Option<i32>,
    at: Option<DateTime<Utc>>,
) -> Result<Record> {
    let (record, changed) = store.transition_with(name, Source::Exit, |r| {
        if r.ended_at.is_some() {
            return None;
        }
        r.exit_code = status;
        r.exit_signal = signal;
        r.ended_at = Some(at.unwrap_or_else(Utc::now));
        let (state, detail) = exit_outcome(r.stop_requested_at.is_some(), status, signal);
        let note = if state == State::Stopped { r.stop_note.clone() } else { None };
        Some((state, detail, note))
    })?;
    if changed {
        crate::ops::status_push::push(store, &record, true);
        crate::sink::wake(&store.paths(name));
    }
    Ok(record)
}

//! Applying evidence to a session: the detection rules decide, the record and event log are
//! updated under the session's lock, and the status line hears about it. Every source (the
//! sink, `minder notify`, the exit) goes through here.

use crate::detect::{next_state, Evidence};
use crate::session::{apply_transition, Event, Record, State, Store};
use anyhow::Result;

/// Apply one piece of evidence; returns the record if the state changed.
pub fn apply(store: &Store, name: &str, evidence: &Evidence, note: Option<String>) -> Result<Option<Record>> {
    let changed = {
        let _guard = store.lock_session(name)?;
        let mut record = store.load(name)?;
        if record.ended_at.is_some() {
            return Ok(None);
        }
        match next_state(record.state, &record.detail, evidence) {
            None => None,
            Some((state, detail)) => {
                apply_transition(&mut record, state, &detail, evidence.source());
                store.save(&record)?;
                store.append_event(
                    name,
                    &Event { at: record.state_at, state, detail, source: evidence.source(), note },
                )?;
                Some(record)
            }
        }
    };
    let Some(record) = changed else { return Ok(None) };
    // A finished turn with the risk summary written is done: review.
    if record.state == State::Waiting && record.checkpoint_dir.join("RISKS.md").exists() {
        if let Some(r) = apply(store, name, &Evidence::RisksWritten, Some("RISKS.md written".into()))? {
            return Ok(Some(r));
        }
    }
    crate::status::push(store, &record, true);
    Ok(Some(record))
}

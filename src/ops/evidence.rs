//! Applying evidence to a session: the detection rules decide, the record and event log are
//! updated under the session's lock, and the status line hears about it. Every source (the
//! sink, `minder notify`, the exit) goes through here.

use crate::domain::record::Record;
use crate::domain::state::State;
use crate::domain::state::{exit_outcome, Source};
use crate::domain::state::{next_state, risks_count, Evidence};
use crate::ops::transitions::commit;
use crate::store::Store;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// Apply one piece of evidence; returns the record if the state changed.
pub fn apply(store: &Store, name: &str, evidence: &Evidence, note: Option<String>) -> Result<Option<Record>> {
    let (record, changed) = commit(store, name, evidence.source(), |r| {
        if r.ended_at.is_some() {
            return None;
        }
        next_state(r.activity, &r.activity_detail, evidence).map(|(state, detail)| (state, detail, note))
    })?;
    if !changed {
        return Ok(None);
    }
    if let Some(r) = apply_risks(store, &record, false)? {
        return Ok(Some(r));
    }
    Ok(Some(record))
}

/// When the session's RISKS.md was last written, if it is a regular file: its modification time,
/// from a stat that never opens it (a FIFO or a link there is not a risk summary).
pub fn risks_written(record: &Record) -> Option<DateTime<Utc>> {
    std::fs::symlink_metadata(crate::domain::brief::risks_path(&record.checkpoint_dir))
        .ok()
        .filter(|m| m.is_file())
        .and_then(|m| m.modified().ok())
        .map(DateTime::<Utc>::from)
}

/// A turn that is over (waiting for input, not for an approval) with a risk summary that counts
/// means done: review; so does settled output with one, for a profile that has no idle patterns
/// (`settled_without_idle`). The one place RISKS.md is looked at for the state, decided on the
/// record as it is under the lock (a rejection a moment ago counts).
pub fn apply_risks(store: &Store, record: &Record, settled_without_idle: bool) -> Result<Option<Record>> {
    let evidence = if settled_without_idle { Evidence::RisksSettled } else { Evidence::RisksWritten };
    // A summary written after the person's decision is a new round of work, whatever the
    // activity (a finished agent stays `review`): the state shown must hear of it.
    let after_decision = |r: &Record, w: Option<DateTime<Utc>>| {
        !r.since_decision.new_risks && r.decision.as_ref().is_some_and(|d| w.is_some_and(|w| w > d.at))
    };
    let moves = next_state(record.activity, &record.activity_detail, &evidence).is_some();
    if record.ended_at.is_some() || (!moves && record.decision.is_none()) {
        return Ok(None);
    }
    let written = risks_written(record);
    if !moves && !after_decision(record, written) {
        return Ok(None);
    }
    let (record, changed) = commit(store, &record.name, Source::Checkpoint, |r| {
        if r.ended_at.is_some() || !risks_count(written, r.rejected_at()) {
            return None;
        }
        let note = Some("RISKS.md written".to_string());
        match next_state(r.activity, &r.activity_detail, &evidence) {
            Some((state, detail)) => Some((state, detail, note)),
            None if after_decision(r, written) => Some((r.activity, r.activity_detail.clone(), note)),
            None => None,
        }
    })?;
    Ok(changed.then_some(record))
}

/// Record an agent's exit once (from the hook or from `observe`), and move to its outcome state.
pub fn record_exit(
    store: &Store,
    name: &str,
    status: Option<i32>,
    signal: Option<i32>,
    at: Option<DateTime<Utc>>,
) -> Result<Record> {
    let (record, changed) = commit(store, name, Source::Exit, |r| {
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
        crate::store::wake_sink(&store.paths(name));
    }
    Ok(record)
}

/// Record what a hook reported: its last message (redacted), its thread, its evidence.
pub fn apply_hook_report(
    store: &crate::store::Store,
    name: &str,
    report: &crate::domain::detect::HookReport,
) -> anyhow::Result<()> {
    if report.last_message.is_some() || report.thread_id.is_some() || report.transcript_path.is_some() {
        store.update(name, |r| {
            if let Some(m) = &report.last_message {
                // Stored outside the log, so redacted as the log is (the agent's reply may
                // quote a key it read).
                let mut extra = crate::sink::redact::user_patterns(&r.log_settings.redact);
                extra.extend(crate::ops::agent_env::secret_patterns(&store.paths(name)));
                r.last_message = Some(crate::sink::redact::redact_text(m, &extra));
            }
            if let Some(t) = &report.thread_id {
                r.thread_id = Some(t.clone());
            }
            if let Some(p) = &report.transcript_path {
                crate::ops::usage::note_transcript_path(r, p);
            }
        })?;
    }
    if let Some(ev) = &report.evidence {
        crate::ops::evidence::apply(store, name, ev, Some(report.event.clone()))?;
    }
    Ok(())
}

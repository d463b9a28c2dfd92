//! Applying evidence to a session: the detection rules decide, the record and event log are
//! updated under the session's lock, and the status line hears about it. Every source (the
//! sink, `minder notify`, the exit) goes through here.

use crate::domain::record::{Outranked, Record, Why};
use crate::domain::state::State;
use crate::domain::state::{exit_outcome, Source};
use crate::domain::state::{next_state, risks_count, step, Evidence, Step};
use crate::ops::transitions::commit;
use crate::store::Store;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// Apply one piece of evidence with what shows it; returns the record if the state changed.
/// Evidence a stronger source outranks changes nothing and is kept in the record for
/// `explain` (once: the same evidence again writes nothing).
pub fn apply(store: &Store, name: &str, evidence: &Evidence, why: Why) -> Result<Option<Record>> {
    let mut outranked = None;
    let (record, changed) = commit(store, name, evidence.source(), |r| {
        if r.ended_at.is_some() {
            return None;
        }
        let age = (Utc::now() - r.state_at).to_std().unwrap_or_default();
        match step(r.activity, &r.activity_detail, r.state_source, age, evidence) {
            Step::Move(state, detail) => Some((state, detail, redacted(store, r, why))),
            Step::Outranked(because) => {
                let said = next_state(r.activity, &r.activity_detail, evidence).map(|(s, d)| shown_words(s, &d));
                outranked = Some(Outranked {
                    at: Utc::now(),
                    source: evidence.source(),
                    said: said.unwrap_or_default(),
                    because: because.to_string(),
                    why: redacted(store, r, why),
                });
                None
            }
            Step::Same => None,
        }
    })?;
    if let Some(o) = outranked {
        note_outranked(store, name, &record, o)?;
        return Ok(None);
    }
    if !changed {
        return Ok(None);
    }
    if let Some(r) = apply_risks(store, &record, false)? {
        return Ok(Some(r));
    }
    Ok(Some(record))
}

/// The screen lines that show a piece of evidence, redacted as the log is: they are kept in the
/// record and the event log, and shown by `explain`.
fn redacted(store: &Store, r: &Record, mut why: Why) -> Why {
    if why.lines.is_empty() {
        return why;
    }
    let extra = crate::store::secrets::redactions(&store.paths(&r.name), &r.log_settings.redact);
    let text = crate::redact::redact_text(&why.lines.join("\n"), &extra);
    why.lines = text.split('\n').map(str::to_string).collect();
    why
}

/// How many outranked pieces of evidence a record keeps.
const OUTRANKED_KEPT: usize = 5;

fn note_outranked(store: &Store, name: &str, record: &Record, o: Outranked) -> Result<()> {
    let same = |a: &Outranked, b: &Outranked| a.source == b.source && a.said == b.said && a.because == b.because;
    if record.outranked.last().is_some_and(|last| same(last, &o)) {
        return Ok(());
    }
    store.update(name, |r| {
        if r.outranked.last().is_some_and(|last| same(last, &o)) {
            return;
        }
        r.outranked.push(o);
        let extra = r.outranked.len().saturating_sub(OUTRANKED_KEPT);
        r.outranked.drain(..extra);
    })?;
    Ok(())
}

fn shown_words(state: State, detail: &str) -> String {
    if detail.is_empty() {
        state.to_string()
    } else {
        format!("{state} ({detail})")
    }
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
    let written = crate::store::checkpoints::risks_written(&record.checkpoint_dir);
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
                let extra = crate::store::secrets::redactions(&store.paths(name), &r.log_settings.redact);
                r.last_message = Some(crate::redact::redact_text(m, &extra));
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
        crate::ops::evidence::apply(store, name, ev, Some(report.event.clone()).into())?;
    }
    Ok(())
}

/// What the sink hands on (`sink::Hand`): applied here, where every source of evidence is.
pub struct SinkHand;

impl crate::sink::Hand for SinkHand {
    fn evidence(&self, store: &Store, name: &str, evidence: &Evidence, why: Why) -> Result<Option<Record>> {
        apply(store, name, evidence, why)
    }

    fn risks(&self, store: &Store, record: &Record, settled_without_idle: bool) -> Result<Option<Record>> {
        apply_risks(store, record, settled_without_idle)
    }

    fn hook_report(&self, store: &Store, name: &str, report: &crate::domain::detect::HookReport) -> Result<()> {
        apply_hook_report(store, name, report)
    }

    fn usage(&self, store: &Store, name: &str) -> Result<()> {
        crate::ops::usage::refresh(store, name)
    }

    fn stop(&self, store: &Store, name: &str, note: &str) {
        let Ok(exe) = crate::app::self_exe() else { return };
        let mut cmd = std::process::Command::new(exe);
        cmd.env("MINDER_STATE_DIR", &store.state_dir).args(["-q", "stop", "--note", note, "--", name]);
        if let Err(e) = crate::procs::spawn_detached(cmd) {
            tracing::warn!("stopping {name}: {e}");
        }
    }
}

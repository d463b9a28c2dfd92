//! The one path of a state change, whoever makes it (the sink, a hook, the supervisor, a
//! command): the record and event log are written under the session's lock, what the agent
//! did since the person's decision is brought up to date, the status segment is pushed, the
//! person is told (`tell`), and a session that reached `review` has its checks run (`checks`).

use crate::domain::record::{Record, SinceDecision, Why};
use crate::domain::state::{Source, State};
use crate::store::Store;
use anyhow::Result;

/// Commit a transition (see `Store::transition_with` for `decide`); returns the record and
/// whether it changed. Everything that follows a change happens here, once.
pub fn commit<W: Into<Why>>(
    store: &Store,
    name: &str,
    source: Source,
    decide: impl FnOnce(&mut Record) -> Option<(State, String, W)>,
) -> Result<(Record, bool)> {
    let (record, changed) = store.transition_with(name, source, |r| {
        let change = decide(r)?;
        if r.decision.is_some() {
            r.since_decision = since(r);
        }
        Some(change)
    })?;
    if changed {
        crate::ops::status_push::push(store, &record, source != Source::Command);
        after(store, &record);
    }
    Ok((record, changed))
}

/// Move to `activity` (`detail`) if that changes anything.
pub fn to(
    store: &Store,
    name: &str,
    activity: State,
    detail: &str,
    source: Source,
    note: Option<String>,
) -> Result<Record> {
    let (record, _) = commit(store, name, source, |r| {
        (r.activity != activity || r.activity_detail != detail).then(|| (activity, detail.to_string(), note))
    })?;
    Ok(record)
}

fn after(store: &Store, record: &Record) {
    crate::ops::tell::transitioned(store, record);
    crate::ops::checks::transitioned(store, record);
}

/// What the agent did since the person's decision: commits on top of the decided commit, and
/// a RISKS.md written after it. Read at each transition of a decided session.
fn since(r: &Record) -> SinceDecision {
    let Some(d) = &r.decision else { return SinceDecision::default() };
    let commits = d
        .commit
        .as_ref()
        .and_then(|c| {
            let range = format!("{c}..HEAD");
            crate::git::run(r.work_dir(), &["--no-replace-objects", "rev-list", "--count", &range]).ok()
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let risks = crate::store::checkpoints::risks_written(&r.checkpoint_dir);
    SinceDecision { commits, new_risks: risks.is_some_and(|w| w > d.at) }
}

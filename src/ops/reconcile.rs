//! Bringing records in line with what tmux shows: a dead pane whose exit the hook has not yet
//! recorded, a session that vanished (lost), a log sink that died. The decisions are pure
//! functions; `observe` applies them.

use crate::app::Ctx;
use crate::domain::record::Record;
use crate::domain::state::{Source, State};
use crate::tmux::{PaneInfo, Server, Tmux};
use anyhow::Result;
use std::collections::HashMap;
use std::path::PathBuf;

/// What to do with one record given its pane (None: the session is gone).
#[derive(Debug, PartialEq, Eq)]
pub enum Fix {
    /// Nothing to change.
    None,
    /// The pane is dead but the exit is not recorded yet (the hook is late or was lost).
    RecordExit { status: Option<i32>, signal: Option<i32> },
    /// The tmux session vanished with no recorded exit.
    Lost,
    /// The pane lives but nothing is logging it.
    ReattachSink,
}

/// How long a session may sit between claiming its name and getting its tmux pane before a
/// missing pane means the start crashed rather than is in progress.
const START_GRACE_SECS: i64 = 30;

pub fn decide(record: &Record, pane: Option<&PaneInfo>, sink_alive: bool) -> Fix {
    let ended = record.ended_at.is_some();
    let starting = record.tmux.pane_id.is_empty()
        && (chrono::Utc::now() - record.created_at).num_seconds() < START_GRACE_SECS;
    match pane {
        None if starting => Fix::None,
        None if !ended && record.state.is_live() => Fix::Lost,
        None => Fix::None,
        // tmux marks a pane dead when its pty closes, a moment before the exit status is
        // known; until then the hook (or the next look) records the exit.
        Some(p) if p.dead && p.dead_status.is_none() && p.dead_signal.is_none() => Fix::None,
        Some(p) if p.dead && !ended => Fix::RecordExit { status: p.dead_status, signal: p.dead_signal },
        // tmux notices a dead sink only when it next writes to it; its pid tells at once.
        Some(p) if !p.dead && (!p.pipe || !sink_alive) && record.state.is_live() => Fix::ReattachSink,
        Some(_) => Fix::None,
    }
}

/// A record with what tmux says of it right now.
pub struct Observed {
    pub record: Record,
    pub pane: Option<PaneInfo>,
    /// False when tmux was not asked (see `observe_listing`): `pane` is then unknown.
    pub tmux_checked: bool,
}

impl Observed {
    /// Whether the agent's pane is alive: from tmux when it was asked, else from the record.
    pub fn alive(&self) -> bool {
        match (&self.pane, self.tmux_checked) {
            (Some(p), _) => !p.dead,
            (None, true) => false,
            (None, false) => self.record.state.is_live() && self.record.ended_at.is_none(),
        }
    }
}

/// The view `ls` needs, as cheaply as it can be had. Every live session has a log sink that
/// tmux kills with its pane (or its server), so when every live session's sink is alive, tmux
/// has nothing to add and is not asked; otherwise this is `observe`.
pub fn observe_listing(ctx: &Ctx) -> Result<Vec<Observed>> {
    let records = ctx.store.load_all()?;
    let mut servers: HashMap<PathBuf, bool> = HashMap::new();
    let mut server_up = |socket: &Option<PathBuf>| match socket {
        Some(s) => *servers.entry(s.clone()).or_insert_with(|| server_answers(s)),
        None => false,
    };
    let quiet = records
        .iter()
        .filter(|r| r.state.is_live() && r.ended_at.is_none())
        .all(|r| server_up(&r.socket) && sink_alive(ctx, &r.name));
    if !quiet {
        return observe_records(ctx, records);
    }
    Ok(records.into_iter().map(|record| Observed { record, pane: None, tmux_checked: false }).collect())
}

/// Load every record, ask each server once for its panes, and apply the fixes.
pub fn observe(ctx: &Ctx) -> Result<Vec<Observed>> {
    observe_records(ctx, ctx.store.load_all()?)
}

fn observe_records(ctx: &Ctx, records: Vec<Record>) -> Result<Vec<Observed>> {
    let panes = panes_by_server(ctx, &records)?;
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let pane = panes
            .get(&record.socket)
            .and_then(|m| m.as_ref())
            .and_then(|m| m.get(&record.tmux.pane_id))
            .cloned();
        // A server we could not ask tells us nothing: never call its sessions lost.
        let server_known = panes.get(&record.socket).map(|m| m.is_some()).unwrap_or(false);
        let sink_ok = !record.state.is_live() || sink_alive(ctx, &record.name);
        let fix = if server_known { decide(&record, pane.as_ref(), sink_ok) } else { Fix::None };
        let record = apply_fix(ctx, record, pane.as_ref(), fix)?;
        out.push(Observed { record, pane, tmux_checked: server_known });
    }
    Ok(out)
}

/// The observed view of one session.
pub fn observe_one(ctx: &Ctx, name: &str) -> Result<Observed> {
    let record = ctx.store.load(name)?;
    let tmux = ctx.tmux_for(&record)?;
    let panes = match tmux.list_minder_panes() {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!("cannot list tmux panes: {e:#}");
            None
        }
    };
    let pane = panes
        .as_ref()
        .and_then(|ps| ps.iter().find(|p| p.pane_id == record.tmux.pane_id && owned(ctx, p)).cloned());
    let fix = if panes.is_some() { decide(&record, pane.as_ref(), sink_alive(ctx, &record.name)) } else { Fix::None };
    let record = apply_fix(ctx, record, pane.as_ref(), fix)?;
    Ok(Observed { record, pane, tmux_checked: panes.is_some() })
}

/// Whether a tmux server listens on `socket`: a connect(2), no process.
pub fn server_answers(socket: &std::path::Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

/// Whether the session's log sink still runs (its pid file names a live process). Without a pid
/// file yet (just starting) it is presumed alive.
pub fn sink_alive(ctx: &Ctx, name: &str) -> bool {
    let path = ctx.store.paths(name).sink_pid();
    let Ok(text) = std::fs::read_to_string(path) else { return true };
    let Ok(pid) = text.trim().parse::<u32>() else { return true };
    pid_alive(pid)
}

/// Whether a process with this pid exists (signal 0: nothing is sent).
pub fn pid_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only asks whether the process exists.
    pid > 1 && unsafe { libc::kill(pid as libc::pid_t, 0) } == 0
}

fn owned(ctx: &Ctx, p: &PaneInfo) -> bool {
    p.owner == ctx.store.state_dir.display().to_string()
}

type PaneMap = HashMap<String, PaneInfo>;

fn panes_by_server(ctx: &Ctx, records: &[Record]) -> Result<HashMap<Option<PathBuf>, Option<PaneMap>>> {
    let mut out: HashMap<Option<PathBuf>, Option<PaneMap>> = HashMap::new();
    for r in records {
        if out.contains_key(&r.socket) {
            continue;
        }
        let tmux = ctx.tmux_for(r)?;
        let panes = match tmux.list_minder_panes() {
            Ok(list) => Some(
                list.into_iter()
                    .filter(|p| owned(ctx, p))
                    .map(|p| (p.pane_id.clone(), p))
                    .collect(),
            ),
            Err(e) => {
                tracing::warn!("cannot list tmux panes: {e:#}");
                None
            }
        };
        out.insert(r.socket.clone(), panes);
    }
    Ok(out)
}

fn apply_fix(ctx: &Ctx, record: Record, pane: Option<&PaneInfo>, fix: Fix) -> Result<Record> {
    match fix {
        Fix::None => Ok(record),
        Fix::RecordExit { status, signal } => crate::ops::evidence::record_exit(&ctx.store, &record.name, status, signal, None),
        Fix::Lost => ctx.store.transition(&record.name, State::Lost, "", Source::Tmux, None),
        Fix::ReattachSink => {
            // The sink also ends when the agent does: look again before calling it dead.
            let record = ctx.store.load(&record.name)?;
            if record.ended_at.is_some() || !record.state.is_live() {
                return Ok(record);
            }
            if let Some(p) = pane {
                let tmux = ctx.tmux_for(&record)?;
                // Best effort: a pane that exits meanwhile is not this command's failure.
                if let Err(e) = reattach_sink(ctx, &tmux, &record, &p.pane_id) {
                    tracing::warn!("cannot re-attach the log sink of `{}`: {e:#}", record.name);
                }
            }
            Ok(record)
        }
    }
}

/// Start a new sink on a live pane whose sink died; it marks the gap in the log.
pub fn reattach_sink(ctx: &Ctx, tmux: &Tmux, record: &Record, pane_id: &str) -> Result<()> {
    let root = ctx.store.paths(&record.name).root;
    let cmd = crate::tmux::quote::sink_command(&ctx.self_exe, &root, true);
    tmux.run(&crate::tmux_cmd!["pipe-pane", "-t", pane_id, cmd])?;
    tracing::info!("re-attached the log sink of `{}`", record.name);
    Ok(())
}

/// The server a record lives on, for display.
pub fn server_of(record: &Record) -> Server {
    match &record.socket {
        Some(p) => Server::Path(p.clone()),
        None => Server::Default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pane_id: &str, state: State) -> Record {
        let mut r = crate::domain::record::sample_record("n", "cmd", state);
        r.tmux.pane_id = pane_id.into();
        r
    }

    fn pane(dead: bool, status: Option<i32>, pipe: bool) -> PaneInfo {
        PaneInfo {
            session_name: "n".into(),
            session_id: "$1".into(),
            pane_id: "%1".into(),
            pane_pid: Some(10),
            dead,
            dead_status: status,
            dead_signal: None,
            pipe,
            attached: 0,
            owner: "/s".into(),
        }
    }

    #[test]
    fn decisions() {
        let working = record("%1", State::Working);
        assert_eq!(decide(&working, None, true), Fix::Lost);
        assert_eq!(decide(&working, Some(&pane(false, None, true)), true), Fix::None);
        assert_eq!(decide(&working, Some(&pane(false, None, false)), true), Fix::ReattachSink);
        assert_eq!(decide(&working, Some(&pane(false, None, true)), false), Fix::ReattachSink);
        assert_eq!(decide(&working, Some(&pane(true, Some(2), true)), true), Fix::RecordExit { status: Some(2), signal: None });
        // Dead, status not known yet: wait for it.
        assert_eq!(decide(&working, Some(&pane(true, None, false)), true), Fix::None);
        // Still starting: no pane yet is not lost.
        assert_eq!(decide(&record("", State::Working), None, true), Fix::None);
        // Ended sessions are left alone.
        let mut ended = record("%1", State::Review);
        ended.ended_at = Some(chrono::Utc::now());
        assert_eq!(decide(&ended, None, true), Fix::None);
        assert_eq!(decide(&ended, Some(&pane(true, Some(0), false)), false), Fix::None);
    }

}

//! Bringing records in line with what tmux shows: a dead pane whose exit the hook has not yet
//! recorded, a session that vanished (lost), a log sink that died, a session `new` made but did
//! not live to record. A record's pane is found by the `@minder-id` its session carries, never by
//! a tmux id alone. The decisions are pure functions; `observe` applies them.

use crate::app::Ctx;
use crate::domain::record::Record;
use crate::domain::state::{Source, State};
use crate::tmux::{PaneInfo, ServerIdentity, Tmux};
use anyhow::Result;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// What to do with one record given its pane (None: the session is gone).
#[derive(Debug, PartialEq, Eq)]
pub enum Fix {
    /// Nothing to change.
    None,
    /// The session carries the record's id but its ids were never recorded (`new` or `restore`
    /// died between making the session and writing the record): record them.
    Adopt,
    /// Recorded as lost, yet its session (proved by its id) is alive: it is working.
    Found,
    /// The pane is dead but the exit is not recorded yet (the hook is late or was lost).
    RecordExit { status: Option<i32>, signal: Option<i32> },
    /// The tmux session vanished with no recorded exit.
    Lost,
    /// The pane lives but nothing is logging it.
    ReattachSink,
}

/// How long a session may sit between claiming its name and getting its tmux pane before a
/// missing pane means the start crashed rather than is in progress.
pub const START_GRACE: Duration = Duration::from_secs(30);

pub fn decide(record: &Record, pane: Option<&PaneInfo>, sink_alive: bool) -> Fix {
    let ended = record.ended_at.is_some();
    // `state_at`, not `created_at`: a restore starts the session again long after it was made.
    let starting = record.tmux.pane_id.is_empty()
        && (chrono::Utc::now() - record.state_at).num_seconds() < START_GRACE.as_secs() as i64;
    match pane {
        None if starting => Fix::None,
        None if !ended && record.running() => Fix::Lost,
        None => Fix::None,
        Some(_) if record.tmux.pane_id.is_empty() => Fix::Adopt,
        Some(p) if !p.dead && record.state() == State::Lost && !ended => Fix::Found,
        // tmux marks a pane dead when its pty closes, a moment before the exit status is
        // known; until then the hook (or the next look) records the exit. But a pane process
        // that is gone (or a zombie) with no status is one tmux will never report (it sometimes
        // never reaps a child that exits as the session is made), and its supervisor, which
        // records its exit before it exits, never did: an exit of unknown status.
        Some(p) if p.dead && p.dead_status.is_none() && p.dead_signal.is_none() => {
            let process_gone = p.pane_pid.is_some_and(|pid| {
                crate::procs::proc_stat(pid as libc::pid_t).is_none_or(|(state, _, _)| state == 'Z')
            });
            if process_gone && !ended {
                Fix::RecordExit { status: None, signal: None }
            } else {
                Fix::None
            }
        }
        Some(p) if p.dead && !ended => Fix::RecordExit { status: p.dead_status, signal: p.dead_signal },
        // tmux notices a dead sink only when it next writes to it; its pid tells at once.
        Some(p) if !p.dead && (!p.pipe || !sink_alive) && record.running() => Fix::ReattachSink,
        Some(_) => Fix::None,
    }
}

/// One server's panes. A record whose session ids are recorded finds its pane by them (the
/// session id on that server, values tmux holds: nothing the agent sets on its session, a
/// forged `@minder-id` or an unset `@minder`, moves it). Before they are recorded (a start cut
/// short), by the `@minder-id` of a session this state dir owns; records made before ids
/// existed, by pane id.
#[derive(Default)]
pub struct ServerPanes {
    by_session: HashMap<(String, ServerIdentity), Vec<PaneInfo>>,
    by_minder_id: HashMap<String, Vec<PaneInfo>>,
    legacy_by_pane: HashMap<String, PaneInfo>,
}

impl ServerPanes {
    pub fn new(list: Vec<PaneInfo>, owner: &str) -> ServerPanes {
        let mut out = ServerPanes::default();
        for p in list {
            out.by_session.entry((p.session_id.clone(), p.server)).or_default().push(p.clone());
            if p.owner != owner {
                continue;
            }
            if p.minder_id.is_empty() {
                out.legacy_by_pane.insert(p.pane_id.clone(), p);
            } else {
                out.by_minder_id.entry(p.minder_id.clone()).or_default().push(p);
            }
        }
        out
    }

    /// The record's agent pane, if tmux still has it: in the record's session, the recorded
    /// pane (before it is recorded, the session's first pane). A record without any id keeps
    /// the old rule, its recorded pane, but only while the session has the record's name.
    pub fn agent_pane(&self, record: &Record) -> Option<&PaneInfo> {
        let t = &record.tmux;
        let panes = match (t.session_id.is_empty(), t.server_pid, t.server_started) {
            (false, Some(pid), Some(started)) => {
                self.by_session.get(&(t.session_id.clone(), ServerIdentity { pid, started }))?
            }
            _ if !t.minder_id.is_empty() => self.by_minder_id.get(&t.minder_id)?,
            _ => return self.legacy_by_pane.get(&t.pane_id).filter(|p| p.session_name == record.name),
        };
        let pane = if t.pane_id.is_empty() {
            panes.iter().min_by_key(|p| pane_number(&p.pane_id))
        } else {
            panes.iter().find(|p| p.pane_id == t.pane_id)
        }?;
        // Found by `@minder-id`: a recorded server that differs would mean a forged one.
        let same_server = match (t.server_pid, t.server_started) {
            (Some(pid), Some(started)) => pane.server == ServerIdentity { pid, started },
            _ => true,
        };
        same_server.then_some(pane)
    }
}

/// `%12` → 12: panes are numbered in the order tmux made them.
fn pane_number(id: &str) -> u64 {
    id.trim_start_matches('%').parse().unwrap_or(u64::MAX)
}

/// Whether the caller's environment, written for the supervisor, can go: the supervisor took
/// it (or never will) once the pane is dead, the session has ended, or the start is long past.
pub fn env_file_stale(record: &Record, pane: Option<&PaneInfo>, age: Duration) -> bool {
    pane.is_some_and(|p| p.dead) || record.ended() || age >= START_GRACE
}

pub use crate::domain::panes::Observed;

/// The view `ls` needs, as cheaply as it can be had. Every live session has a log sink that
/// tmux kills with its pane (or its server), so when every live session's sink is alive, tmux
/// has nothing to add and is not asked; otherwise this is `observe`.
pub fn observe_listing(ctx: &Ctx) -> Result<Vec<Observed>> {
    Ok(observe_listing_checked(ctx)?.0)
}

/// `observe_listing`, with the sessions whose record is damaged, from one read of the records.
pub fn observe_listing_checked(ctx: &Ctx) -> Result<(Vec<Observed>, Vec<crate::store::Damaged>)> {
    let (records, damaged) = ctx.store.load_all_checked()?;
    Ok((listing_of(ctx, records)?, damaged))
}

fn listing_of(ctx: &Ctx, records: Vec<Record>) -> Result<Vec<Observed>> {
    let mut servers: HashMap<PathBuf, bool> = HashMap::new();
    let mut server_up = |socket: &Option<PathBuf>| match socket {
        Some(s) => *servers.entry(s.clone()).or_insert_with(|| server_answers(s)),
        None => false,
    };
    let quiet = records.iter().filter(|r| r.running()).all(|r| server_up(&r.socket) && sink_alive(ctx, &r.name));
    if !quiet {
        return observe_records(ctx, records);
    }
    Ok(records
        .into_iter()
        .map(|record| Observed { record, pane: None, tmux_checked: false, tmux_error: None })
        .collect())
}

/// Load every record, ask each server once for its panes, and apply the fixes.
pub fn observe(ctx: &Ctx) -> Result<Vec<Observed>> {
    observe_records(ctx, ctx.store.load_all()?)
}

fn observe_records(ctx: &Ctx, records: Vec<Record>) -> Result<Vec<Observed>> {
    let panes = panes_by_server(ctx, &records)?;
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        // A server we could not ask tells us nothing: never call its sessions lost.
        let server = panes.get(&record.socket).expect("every record's server was asked");
        let pane = server.as_ref().ok().and_then(|s| s.agent_pane(&record)).cloned();
        let error = server.as_ref().err().cloned();
        out.push(settle(ctx, record, pane, error)?);
    }
    Ok(out)
}

/// The observed view of one session.
pub fn observe_one(ctx: &Ctx, name: &str) -> Result<Observed> {
    let record = ctx.store.load(name)?;
    let tmux = ctx.tmux_for(&record)?;
    let server = list_server(ctx, &tmux);
    let pane = server.as_ref().ok().and_then(|s| s.agent_pane(&record)).cloned();
    settle(ctx, record, pane, server.err())
}

/// One server's panes, or why it could not be asked (short: what tmux or the deadline said).
fn list_server(ctx: &Ctx, tmux: &Tmux) -> Result<ServerPanes, String> {
    match tmux.list_all_panes() {
        Ok(list) => Ok(ServerPanes::new(list, &owner(ctx))),
        Err(e) => {
            tracing::warn!("cannot list tmux panes: {e:#}");
            let short = e
                .downcast_ref::<crate::tmux::TmuxError>()
                .map(|t| t.stderr.trim().to_string())
                .filter(|s| !s.is_empty());
            Err(short.unwrap_or_else(|| format!("{e:#}")))
        }
    }
}

/// Apply what tmux says of one record (when it could be asked) and sweep a stale env file.
fn settle(ctx: &Ctx, record: Record, pane: Option<PaneInfo>, tmux_error: Option<String>) -> Result<Observed> {
    let tmux_checked = tmux_error.is_none();
    let record = if tmux_checked {
        let sink_ok = !record.running() || sink_alive(ctx, &record.name);
        let fix = decide(&record, pane.as_ref(), sink_ok);
        apply_fix(ctx, record, pane.as_ref(), fix, sink_ok)?
    } else {
        record
    };
    sweep_env_file(ctx, &record, pane.as_ref());
    Ok(Observed { record, pane, tmux_checked, tmux_error })
}

/// Remove the caller's environment (it holds whatever secrets the caller had) once nobody can
/// read it any more: see `env_file_stale`.
fn sweep_env_file(ctx: &Ctx, record: &Record, pane: Option<&PaneInfo>) {
    let path = ctx.store.env_file_of(record);
    let Ok(meta) = std::fs::metadata(&path) else { return };
    let age = meta.modified().ok().and_then(|m| m.elapsed().ok()).unwrap_or_default();
    if env_file_stale(record, pane, age) {
        let _ = std::fs::remove_file(&path);
    }
}

/// Whether a tmux server listens on `socket`: a connect(2), no process.
pub fn server_answers(socket: &std::path::Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

/// Whether the session's log sink still runs (`store::sink_alive`); just starting, it is
/// presumed alive.
pub fn sink_alive(ctx: &Ctx, name: &str) -> bool {
    crate::store::sink_alive(&ctx.store.paths(name))
}

/// The `@minder` value of the sessions this state dir owns.
fn owner(ctx: &Ctx) -> String {
    ctx.store.state_dir.display().to_string()
}

fn panes_by_server(ctx: &Ctx, records: &[Record]) -> Result<HashMap<Option<PathBuf>, Result<ServerPanes, String>>> {
    let mut out = HashMap::new();
    for r in records {
        if out.contains_key(&r.socket) {
            continue;
        }
        let tmux = ctx.tmux_for(r)?;
        out.insert(r.socket.clone(), list_server(ctx, &tmux));
    }
    Ok(out)
}

fn apply_fix(ctx: &Ctx, record: Record, pane: Option<&PaneInfo>, fix: Fix, sink_ok: bool) -> Result<Record> {
    match fix {
        Fix::None => Ok(record),
        Fix::Adopt => {
            let p = pane.expect("adopt has a pane");
            let (record, ()) = ctx.store.update(&record.name, |r| {
                if r.tmux.pane_id.is_empty() && r.tmux.minder_id == p.minder_id {
                    r.tmux.session_id = p.session_id.clone();
                    r.tmux.pane_id = p.pane_id.clone();
                    r.tmux.pane_pid = p.pane_pid;
                    r.tmux.server_pid = Some(p.server.pid);
                    r.tmux.server_started = Some(p.server.started);
                }
            })?;
            tracing::info!("recorded the tmux session of `{}` (its start was interrupted)", record.name);
            // Now it is a session like any other: dead, sink-less or fine.
            let fix = decide(&record, pane, sink_ok);
            if fix == Fix::Adopt {
                return Ok(record);
            }
            apply_fix(ctx, record, pane, fix, sink_ok)
        }
        Fix::Found => crate::ops::transitions::to(
            &ctx.store,
            &record.name,
            State::Working,
            "",
            Source::Tmux,
            Some("found in tmux".into()),
        ),
        Fix::RecordExit { status, signal } => {
            crate::ops::evidence::record_exit(&ctx.store, &record.name, status, signal, None)
        }
        Fix::Lost => crate::ops::transitions::to(&ctx.store, &record.name, State::Lost, "", Source::Tmux, None),
        Fix::ReattachSink => {
            // The sink also ends when the agent does: look again before calling it dead.
            let record = ctx.store.load(&record.name)?;
            if !record.running() {
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

/// Start a new sink on a live pane whose sink died (`Tmux::reattach_sink`, as the supervisor
/// does); it marks the gap in the log.
pub fn reattach_sink(ctx: &Ctx, tmux: &Tmux, record: &Record, pane_id: &str) -> Result<()> {
    let root = ctx.store.paths(&record.name).root;
    if !tmux.reattach_sink(pane_id, &record.identity(), &ctx.self_exe, &root)? {
        anyhow::bail!("pane {pane_id} is no longer in the tmux session of `{}`", record.name);
    }
    tracing::info!("re-attached the log sink of `{}`", record.name);
    Ok(())
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
            // A process that exists: this test.
            pane_pid: Some(std::process::id()),
            dead,
            dead_status: status,
            dead_signal: None,
            pipe,
            attached: 0,
            minder_id: String::new(),
            server: ServerIdentity { pid: 100, started: 1000 },
            owner: "/s".into(),
        }
    }

    fn in_session(name: &str, minder_id: &str, pane_id: &str) -> PaneInfo {
        PaneInfo {
            session_name: name.into(),
            minder_id: minder_id.into(),
            pane_id: pane_id.into(),
            ..pane(false, None, true)
        }
    }

    #[test]
    fn decisions() {
        let working = record("%1", State::Working);
        assert_eq!(decide(&working, None, true), Fix::Lost);
        assert_eq!(decide(&working, Some(&pane(false, None, true)), true), Fix::None);
        assert_eq!(decide(&working, Some(&pane(false, None, false)), true), Fix::ReattachSink);
        assert_eq!(decide(&working, Some(&pane(false, None, true)), false), Fix::ReattachSink);
        assert_eq!(
            decide(&working, Some(&pane(true, Some(2), true)), true),
            Fix::RecordExit { status: Some(2), signal: None }
        );
        // Dead, status not known yet: wait for it, while its process is there.
        assert_eq!(decide(&working, Some(&pane(true, None, false)), true), Fix::None);
        // ...but once its process is gone, tmux will never say: an exit of unknown status.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        let gone = PaneInfo { pane_pid: Some(child.id()), ..pane(true, None, false) };
        assert_eq!(decide(&working, Some(&gone), true), Fix::RecordExit { status: None, signal: None });
        // Still starting: no pane yet is not lost.
        assert_eq!(decide(&record("", State::Working), None, true), Fix::None);
        // Its session found before its ids were recorded (the start was cut short): record them.
        assert_eq!(decide(&record("", State::Working), Some(&pane(false, None, true)), true), Fix::Adopt);
        // Called lost, yet alive in a session proved its own.
        assert_eq!(decide(&record("%1", State::Lost), Some(&pane(false, None, true)), true), Fix::Found);
        // Ended sessions are left alone.
        let mut ended = record("%1", State::Review);
        ended.ended_at = Some(chrono::Utc::now());
        assert_eq!(decide(&ended, None, true), Fix::None);
        assert_eq!(decide(&ended, Some(&pane(true, Some(0), false)), false), Fix::None);
    }

    #[test]
    fn a_restore_in_progress_is_not_lost() {
        let mut r = record("", State::Working);
        r.created_at = chrono::Utc::now() - chrono::Duration::days(3);
        assert_eq!(decide(&r, None, true), Fix::None);
        r.state_at = r.created_at;
        assert_eq!(decide(&r, None, true), Fix::Lost);
    }

    #[test]
    fn panes_are_found_by_the_id_their_session_carries() {
        let mut r = record("%0", State::Working);
        r.name = "cmd-old".into();
        r.tmux.minder_id = "m-old".into();
        // A restarted server numbers from %0 again: another session's %0 is not ours.
        let fresh = ServerPanes::new(vec![in_session("cmd-fresh", "m-fresh", "%0")], "/s");
        assert_eq!(fresh.agent_pane(&r), None);
        // Renamed by the person: still ours, found by its id.
        let renamed = ServerPanes::new(vec![in_session("r", "m-old", "%0"), in_session("cmd-old", "", "%5")], "/s");
        assert_eq!(renamed.agent_pane(&r).unwrap().session_name, "r");
        // Another state dir's session with our id is not ours either.
        assert_eq!(ServerPanes::new(vec![in_session("cmd-old", "m-old", "%0")], "/elsewhere").agent_pane(&r), None);
        // A split window: the recorded pane, not the person's.
        let split =
            ServerPanes::new(vec![in_session("cmd-old", "m-old", "%3"), in_session("cmd-old", "m-old", "%0")], "/s");
        assert_eq!(split.agent_pane(&r).unwrap().pane_id, "%0");
        // Not recorded yet: the session's first pane.
        r.tmux.pane_id.clear();
        assert_eq!(split.agent_pane(&r).unwrap().pane_id, "%0");
        // A recorded server must be the one that answers.
        r.tmux.pane_id = "%0".into();
        r.tmux.server_pid = Some(100);
        r.tmux.server_started = Some(999);
        assert_eq!(split.agent_pane(&r), None);
        r.tmux.server_started = Some(1000);
        assert!(split.agent_pane(&r).is_some());
    }

    /// Once its session id and server are recorded, a session is found by them alone: a forged
    /// `@minder-id` (the agent's own, or copied onto another session) or an unset `@minder`
    /// changes nothing.
    #[test]
    fn recorded_ids_prove_the_session_and_what_the_agent_sets_does_not() {
        let mut r = record("%0", State::Working);
        r.tmux.minder_id = "m-real".into();
        r.tmux.session_id = "$1".into();
        r.tmux.server_pid = Some(100);
        r.tmux.server_started = Some(1000);
        let ours = |minder_id: &str, owner: &str| PaneInfo {
            minder_id: minder_id.into(),
            owner: owner.into(),
            ..in_session("cmd-x", "", "%0")
        };
        // The agent set a bogus `@minder-id` and unset `@minder`: still found.
        assert!(ServerPanes::new(vec![ours("m-bogus", "")], "/s").agent_pane(&r).is_some());
        // Another session carrying a copy of our `@minder-id` is not ours.
        let impostor = PaneInfo { session_id: "$7".into(), pane_id: "%9".into(), ..ours("m-real", "/s") };
        assert_eq!(ServerPanes::new(vec![impostor], "/s").agent_pane(&r), None);
        // The same ids on a restarted server are someone else's.
        let restarted = PaneInfo { server: ServerIdentity { pid: 100, started: 2000 }, ..ours("m-real", "/s") };
        assert_eq!(ServerPanes::new(vec![restarted], "/s").agent_pane(&r), None);
        assert_eq!(r.identity(), crate::tmux::Identity::Session("$1/100/1000".into()));
    }

    #[test]
    fn records_without_an_id_need_their_pane_and_their_name() {
        let mut r = record("%0", State::Working);
        r.name = "cmd-old".into();
        let panes = ServerPanes::new(vec![in_session("cmd-fresh", "", "%0")], "/s");
        assert_eq!(panes.agent_pane(&r), None);
        let panes = ServerPanes::new(vec![in_session("cmd-old", "", "%0")], "/s");
        assert!(panes.agent_pane(&r).is_some());
        // A session with an id belongs to the record that has it.
        let panes = ServerPanes::new(vec![in_session("cmd-old", "m-x", "%0")], "/s");
        assert_eq!(panes.agent_pane(&r), None);
        assert_eq!(r.identity(), crate::tmux::Identity::Name("cmd-old".into()));
    }

    #[test]
    fn env_files_go_once_nobody_can_read_them() {
        let live = record("%1", State::Working);
        let young = Duration::from_secs(1);
        assert!(!env_file_stale(&live, Some(&pane(false, None, true)), young));
        assert!(!env_file_stale(&live, None, young));
        assert!(env_file_stale(&live, Some(&pane(true, Some(0), true)), young));
        assert!(env_file_stale(&live, None, START_GRACE));
        assert!(env_file_stale(&record("%1", State::Lost), None, young));
    }
}

//! Stopping a session the same way from every command: mark the stop, interrupt the agent as
//! its profile says, then TERM and KILL its process group within the grace period, then close
//! the tmux session and record the exit.

use crate::app::Ctx;
use crate::domain::state::{Source, State};
use crate::ops::reconcile::Observed;
use crate::tmux::{Identity, Tmux};
use crate::tmux_cmd;
use anyhow::{anyhow, Result};
use chrono::Utc;
use std::time::{Duration, Instant};

/// Stop a session; returns once its tmux session is gone. Only the session found by its
/// `@minder-id` is touched (by its ids, checked again by tmux in the call that acts); a session
/// that tmux could not be asked about is refused, never signalled on the record's word.
pub fn stop(ctx: &Ctx, obs: &Observed, force: bool, note: Option<String>) -> Result<()> {
    stop_telling(ctx, obs, force, note, &|_| {})
}

/// `stop`, saying each step as it is taken (`minder stop` prints them: an agent that ignores
/// its interrupt keeps the person waiting for the grace period, and they should know why).
pub fn stop_telling(ctx: &Ctx, obs: &Observed, force: bool, note: Option<String>, say: &dyn Fn(&str)) -> Result<()> {
    let record = &obs.record;
    let tmux = ctx.tmux_for(record)?;
    let who = record.identity();
    let alive = obs.alive();
    if let Some(e) = obs.unreachable("nothing was stopped") {
        return Err(e);
    }
    if alive && obs.pane.is_none() {
        return Err(anyhow!("cannot find session `{}` in tmux (nothing was stopped)", record.name));
    }
    if let Some(pane) = obs.pane.as_ref().filter(|_| alive) {
        ctx.store.update(&record.name, |r| {
            r.stop_requested_at = Some(Utc::now());
            r.stop_note = note.clone();
        })?;
        let profile = crate::domain::agents::profile(&ctx.config, &record.agent)?;
        let grace = if force { Duration::ZERO } else { profile.stop_grace };
        end_agent(&tmux, &who, &pane.pane_id, pane.pane_pid, &profile.interrupt, grace, say);
    }
    if let Some(pane) = &obs.pane {
        let kill = tmux_cmd!["kill-session", "-t", pane.session_id];
        match tmux.batch_if(&pane.session_id, &who, &[kill]) {
            Ok(Some(_)) => {}
            Ok(None) => tracing::debug!("kill-session: {} is no longer `{}`'s", pane.session_id, record.name),
            Err(e) => tracing::debug!("kill-session: {e}"),
        }
    }
    if alive || record.running() {
        // The pane was destroyed, not left dead, so no hook reports this exit: record it here.
        let current = ctx.store.load(&record.name)?;
        if current.ended_at.is_none() {
            ctx.store.update(&record.name, |r| {
                r.stop_requested_at.get_or_insert_with(Utc::now);
                if r.stop_note.is_none() {
                    r.stop_note = note.clone();
                }
            })?;
            crate::ops::evidence::record_exit(&ctx.store, &record.name, None, None, None)?;
        } else if current.activity != State::Stopped && current.stop_requested_at.is_some() {
            crate::ops::transitions::to(&ctx.store, &record.name, State::Stopped, "", Source::Command, note)?;
        }
    }
    Ok(())
}

/// Interrupt keys, then SIGTERM, then SIGKILL to the agent's process group, each given part of
/// the grace period; returns when the pane is dead or everything was tried. `pid` is the
/// pane's, as tmux listed it a moment ago, not the record's.
fn end_agent(
    tmux: &Tmux,
    who: &Identity,
    pane: &str,
    pid: Option<u32>,
    interrupt: &[String],
    grace: Duration,
    say: &dyn Fn(&str),
) {
    let start = Instant::now();
    let dead = || tmux.pane_finished(pane, who);
    let secs = |d: Duration| format!("{:.1}s", d.as_secs_f32());
    if !grace.is_zero() && !interrupt.is_empty() {
        let mut keys = tmux_cmd!["send-keys", "-t", pane];
        keys.extend(interrupt.iter().cloned());
        let _ = tmux.batch_if(pane, who, &[keys]);
        say(&format!(
            "sent the interrupt ({}); SIGTERM in {} if it does not end",
            interrupt.join(" "),
            secs(grace.mul_f32(0.6))
        ));
        if wait_until(start + grace.mul_f32(0.6), &dead) {
            return;
        }
    }
    let Some(pid) = pid else { return };
    if !grace.is_zero() {
        signal_group(pid, libc::SIGTERM);
        say(&format!("sent SIGTERM; SIGKILL in {} if it does not end", secs(grace.saturating_sub(start.elapsed()))));
        if wait_until(start + grace, &dead) {
            return;
        }
    }
    say("sent SIGKILL");
    // KILL for the agent and its group, but not yet for the pane's process (minder's
    // supervisor): it still has to end what the agent left behind in other groups and sessions
    // (`setsid`, `nohup`), which only it can find. Only if it cannot, it is killed too.
    kill_group_but_leader(pid);
    if wait_until(Instant::now() + Duration::from_secs(4), &dead) {
        return;
    }
    signal_group(pid, libc::SIGKILL);
    wait_until(Instant::now() + Duration::from_secs(2), &dead);
}

/// SIGKILL every process in `leader`'s process group but `leader` itself (where `/proc` lists
/// them; elsewhere the whole group, leader included).
fn kill_group_but_leader(leader: u32) {
    let leader = leader as libc::pid_t;
    if leader <= 1 {
        return;
    }
    let members = crate::procs::group_members(leader);
    if members.is_empty() {
        return signal_group(leader as u32, libc::SIGKILL);
    }
    for pid in members.into_iter().filter(|&p| p != leader) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Whether the pane is done by `deadline`, asking tmux every 50 ms.
fn wait_until(deadline: Instant, done: &dyn Fn() -> bool) -> bool {
    crate::procs::wait_until(deadline, Duration::from_millis(50), done)
}

/// Signal the agent's process group (the pane's process leads its own group on the pty) and
/// the process itself, in case it moved to another group.
fn signal_group(pid: u32, sig: libc::c_int) {
    let pid = pid as libc::pid_t;
    if pid <= 1 {
        return;
    }
    // SAFETY: kill(2) has no memory-safety preconditions; a stale pid fails with ESRCH.
    unsafe {
        libc::kill(-pid, sig);
        libc::kill(pid, sig);
    }
}

//! Other machines' agents on this machine's status line: what each host's watcher last heard,
//! kept in the state dir (`hosts/NAME.json`), read by every status push; and starting the
//! watchers (one per host, across every minder process, held by a lock).

use crate::app::Ctx;
use crate::domain::hosts::RemoteSession;
use crate::domain::state::State;
use crate::store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Past this without a word from the host (a heartbeat comes every few seconds), its sessions
/// are not shown as they were: the host is shown `stale` instead.
pub const STALE_AFTER: Duration = Duration::from_secs(10);

/// What a watcher last heard from its host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Heard {
    pub host: String,
    /// The last good answer (a change or a heartbeat).
    pub at: DateTime<Utc>,
    pub sessions: Vec<RemoteSession>,
    /// Why the watcher is not connected now, if it is not.
    #[serde(default)]
    pub error: Option<String>,
}

fn dir(store: &Store) -> PathBuf {
    store.dirs().hosts_seen()
}

pub fn save(store: &Store, heard: &Heard) {
    let d = dir(store);
    let _ = crate::store::fsutil::create_private_dir_all(&d);
    if let Ok(data) = serde_json::to_vec(heard) {
        let _ = crate::store::fsutil::write_atomic_quick(&d.join(format!("{}.json", heard.host)), &data);
    }
}

pub fn forget(store: &Store, host: &str) {
    let _ = std::fs::remove_file(dir(store).join(format!("{host}.json")));
}

/// Every host's last word, as the watchers left it.
pub fn load_all(store: &Store) -> Vec<Heard> {
    let Ok(entries) = std::fs::read_dir(dir(store)) else { return Vec::new() };
    let mut v: Vec<Heard> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| crate::store::untrusted::read_file_head(&e.path(), 4 << 20).ok())
        .filter_map(|c| serde_json::from_slice(&c.bytes).ok())
        .collect();
    v.sort_by(|a, b| a.host.cmp(&b.host));
    v
}

/// The status line's view of other machines: each session as `host:task`; a host not heard
/// from for `STALE_AFTER` as one `host stale` mark in the `lost` colour.
pub fn shown(store: &Store) -> Vec<(State, String)> {
    shown_at(&load_all(store), Utc::now())
}

pub fn shown_at(heard: &[Heard], now: DateTime<Utc>) -> Vec<(State, String)> {
    let mut v = Vec::new();
    for h in heard {
        let age = (now - h.at).to_std().unwrap_or_default();
        if age > STALE_AFTER {
            v.push((State::Lost, format!("{} stale {}", h.host, crate::ops::present::age(age.as_secs() as i64))));
            continue;
        }
        for s in &h.sessions {
            if matches!(s.state, State::Approved | State::Rejected) && !s.running {
                continue;
            }
            // The segment is tmux style markup: only a task that is one plain word goes in
            // (minder makes every task one; anything else is not its).
            if !crate::domain::naming::is_valid_word(&s.task) {
                continue;
            }
            v.push((s.state, format!("{}:{}", h.host, s.task)));
        }
    }
    v
}

/// Start a watcher for each configured host that has none (a detached `minder _watch HOST`
/// that holds its host's lock for its life); forget what hosts no longer configured said.
pub fn ensure_watchers(ctx: &Ctx) {
    for heard in load_all(&ctx.store) {
        if !ctx.config.hosts.contains_key(&heard.host) {
            forget(&ctx.store, &heard.host);
        }
    }
    for host in ctx.config.hosts.keys() {
        if watcher_running(&ctx.store, host) {
            continue;
        }
        let mut cmd = std::process::Command::new(&ctx.self_exe);
        cmd.arg("--config").arg(&ctx.config_path);
        if let crate::tmux::Server::Name(n) = &ctx.server {
            cmd.args(["-L", n]);
        }
        cmd.args(["_watch", host])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // Its own session: the watcher outlives this command and no terminal's hang-up ends it.
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches nothing of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        if let Ok(mut child) = cmd.spawn() {
            // Reaped on a thread of its own once it ends (it rarely does while we run).
            std::thread::spawn(move || child.wait());
        }
    }
}

/// The watcher's lock: held while a watcher of `host` runs.
pub fn watcher_lock(store: &Store, host: &str) -> anyhow::Result<std::fs::File> {
    let d = dir(store);
    crate::store::fsutil::create_private_dir_all(&d)?;
    crate::store::fsutil::open_private_append(&d.join(format!("{host}.watch")))
}

fn watcher_running(store: &Store, host: &str) -> bool {
    match watcher_lock(store, host) {
        Ok(f) => f.try_lock().is_err(),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_not_heard_from_is_one_stale_mark() {
        let now = Utc::now();
        let s = |task: &str, state| RemoteSession {
            name: format!("cmd-{task}"),
            task: task.into(),
            state,
            detail: String::new(),
            running: true,
            state_at: None,
        };
        let fresh = Heard {
            host: "vps".into(),
            at: now,
            sessions: vec![s("fix", State::Waiting), s("b", State::Working)],
            error: None,
        };
        let old = Heard {
            host: "box".into(),
            at: now - chrono::Duration::seconds(90),
            sessions: vec![s("x", State::Working)],
            error: None,
        };
        let v = shown_at(&[fresh, old], now);
        assert_eq!(v[0], (State::Waiting, "vps:fix".to_string()));
        assert_eq!(v[1], (State::Working, "vps:b".to_string()));
        assert_eq!(v[2].0, State::Lost);
        assert!(v[2].1.starts_with("box stale"), "{v:?}");
        assert_eq!(v.len(), 3);
        let odd = Heard { host: "vps".into(), at: now, sessions: vec![s("#[fg=red]x", State::Waiting)], error: None };
        assert!(shown_at(&[odd], now).is_empty(), "markup never reaches the segment");
    }
}

//! `minder _watch HOST`: the long-lived watcher of one host. Over the host's master connection
//! it keeps one `watch` request open; each change it hears goes into the state dir
//! (`hosts/HOST.json`) and this machine's `@minder-status` at once, and `[notify]` runs here
//! for remote transitions (the person is here). It reconnects with backoff, marks the host
//! stale when it hears nothing, and ends when the host leaves the config or the tmux server it
//! pushes to is gone. One per host: it holds the host's watcher lock for its life.

use crate::app::Ctx;
use crate::domain::hosts::{self, RemoteSession, WatchLine};
use crate::hosts::Host;
use crate::ops::remote_status::{self, Heard};
use anyhow::Result;
use chrono::Utc;
use clap::Args as ClapArgs;
use std::io::BufRead;
use std::sync::mpsc;
use std::time::Duration;

/// (internal) watch one host's sessions for the status line and notifications
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The host (a `[hosts.NAME]` of the config)
    pub host: String,
}

/// Longer than this without a line (heartbeats come every few seconds): the stream is dead.
const SILENCE: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let lock = remote_status::watcher_lock(&ctx.store, &args.host)?;
    if lock.try_lock().is_err() {
        return Ok(()); // another watcher has this host
    }
    let mut backoff = Duration::from_secs(1);
    let mut before: Option<Vec<RemoteSession>> =
        remote_status::load_all(&ctx.store).into_iter().find(|h| h.host == args.host).map(|h| h.sessions);
    loop {
        // The config as it is now: a host taken out of it is no longer watched.
        let Ok((config, _)) = crate::app::load_config(Some(&ctx.config_path)) else { return Ok(()) };
        let Some(host_config) = config.hosts.get(&args.host) else {
            remote_status::forget(&ctx.store, &args.host);
            return Ok(());
        };
        let host = Host::new(&args.host, host_config)?;
        let heard_something = follow(ctx, &config, &host, &mut before);
        if !still_configured(ctx, &args.host) {
            // Taken out of the config while connected: its agents leave the status line now.
            remote_status::forget(&ctx.store, &args.host);
            let _ = push(ctx);
            return Ok(());
        }
        // The stream ended: say so on the status line, unless nobody is there to see it.
        if let Some(mut h) = remote_status::load_all(&ctx.store).into_iter().find(|h| h.host == args.host) {
            h.error = Some("not connected".into());
            remote_status::save(&ctx.store, &h);
        }
        if push(ctx).is_err() {
            return Ok(());
        }
        if heard_something {
            backoff = Duration::from_secs(1);
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn push(ctx: &Ctx) -> Result<()> {
    crate::ops::status_push::push_server(&ctx.store, ctx.tmux()?)
}

/// One connection's life: read lines until the stream ends or falls silent. True when at
/// least one line came.
fn follow(
    ctx: &Ctx,
    config: &crate::domain::config::Config,
    host: &Host,
    before: &mut Option<Vec<RemoteSession>>,
) -> bool {
    let Ok(mut cmd) = host.watch_command() else { return false };
    let Ok(mut child) = cmd.spawn() else { return false };
    let request = serde_json::to_string(&hosts::Request { protocol: hosts::PROTOCOL, op: hosts::Op::Watch })
        .expect("a request serializes");
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = writeln!(stdin, "{request}");
    }
    let (tx, rx) = mpsc::channel::<String>();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let mut heard = false;
    let mut greeted = false;
    let mut config_seen = config_stamp(ctx);
    let mut sessions = before.clone().unwrap_or_default();
    while let Ok(line) = rx.recv_timeout(SILENCE) {
        if !greeted {
            // The greeting: the same protocol, or nothing more is read from this peer.
            match serde_json::from_str::<hosts::Greeting>(&line) {
                Ok(g) if g.protocol == hosts::PROTOCOL => greeted = true,
                Ok(_) => break,
                Err(_) => continue, // a login shell's chatter before minder speaks
            }
            continue;
        }
        // The config changed (a heartbeat comes every few seconds): a host taken out of it is
        // no longer watched, even while it answers.
        let stamp = config_stamp(ctx);
        if stamp != config_seen {
            config_seen = stamp;
            if !still_configured(ctx, &host.name) {
                break;
            }
        }
        let Ok(watch) = serde_json::from_str::<WatchLine>(&line) else { break };
        if watch.protocol != hosts::PROTOCOL {
            break;
        }
        heard = true;
        if let Some(now) = watch.sessions {
            if let Some(prev) = before.as_ref() {
                for (s, from) in hosts::transitions(prev, &now) {
                    crate::ops::tell::remote_transitioned(&config.notify, ctx.tmux().ok(), &host.name, s, from);
                }
            }
            *before = Some(now.clone());
            sessions = now;
        }
        remote_status::save(
            &ctx.store,
            &Heard { host: host.name.clone(), at: Utc::now(), sessions: sessions.clone(), error: None },
        );
        if push(ctx).is_err() {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    heard
}

/// What changes when the config file is edited: its size and modification time.
fn config_stamp(ctx: &Ctx) -> Option<(u64, Option<std::time::SystemTime>)> {
    std::fs::metadata(&ctx.config_path).ok().map(|m| (m.len(), m.modified().ok()))
}

/// Whether `host` is in the config as it is now. An unreadable config (being written) keeps
/// it: only a config that reads and lacks the host ends its watcher.
fn still_configured(ctx: &Ctx, host: &str) -> bool {
    match crate::app::load_config(Some(&ctx.config_path)) {
        Ok((config, _)) => config.hosts.contains_key(host),
        Err(_) => true,
    }
}

//! `minder _serve`: the one fixed command another machine's minder runs here over ssh. It says
//! its protocol first, reads ONE JSON request on stdin (data, never words for a shell), and
//! writes one JSON reply. A `run` request runs this same minder binary with the request's argv
//! (no shell), so every check a local command makes (the human gate of `approve`, name
//! resolution, refusals) is made here too.

use crate::app::Ctx;
use crate::domain::hosts::{Expect, Greeting, Op, Reply, Request, PROTOCOL, REMOTE_COMMANDS};
use anyhow::Result;
use clap::Args as ClapArgs;
use std::io::{BufRead, Write};

/// (internal) answer one request from another machine's minder, on stdin
#[derive(ClapArgs, Debug)]
pub struct Args {}

/// The most a request may be (a brief's text included).
const REQUEST_CAP: u64 = 16 << 20;

pub fn run(ctx: &Ctx, _args: Args) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let greeting = Greeting { protocol: PROTOCOL, minder: env!("CARGO_PKG_VERSION").to_string() };
    writeln!(out, "{}", serde_json::to_string(&greeting)?)?;
    out.flush()?;
    let mut line = Vec::new();
    std::io::stdin().lock().take(REQUEST_CAP).read_until(b'\n', &mut line)?;
    let reply = match serde_json::from_slice::<serde_json::Value>(&line) {
        Err(e) => refused(2, format!("error: unreadable request: {e}")),
        Ok(v) if v.get("protocol").and_then(|p| p.as_u64()) != Some(u64::from(PROTOCOL)) => refused(
            2,
            format!("error: version-skew: this minder speaks protocol {PROTOCOL}, the request {}", v["protocol"]),
        ),
        Ok(v) => match serde_json::from_value::<Request>(v) {
            Err(e) => refused(2, format!("error: unknown request: {e}")),
            Ok(Request { op: Op::Watch, .. }) => {
                watch(ctx, &mut out);
                return Ok(());
            }
            Ok(req) => answer(ctx, req.op),
        },
    };
    writeln!(out, "{}", serde_json::to_string(&reply)?)?;
    out.flush()?;
    Ok(())
}

use std::io::Read as _;

fn refused(exit: i32, stderr: String) -> Reply {
    Reply { protocol: PROTOCOL, exit, stderr: stderr + "\n", ..Reply::default() }
}

fn answer(ctx: &Ctx, op: Op) -> Reply {
    match op {
        Op::Hello => {
            let listed = crate::ops::reconcile::observe_listing_checked(ctx).map(|(sessions, damaged)| {
                sessions
                    .iter()
                    .filter(|o| crate::domain::state::listed_by_default(o.record.state(), o.record.running()))
                    .count()
                    + damaged.len()
            });
            match listed {
                Ok(n) => Reply { protocol: PROTOCOL, sessions: Some(n), ..Reply::default() },
                Err(e) => refused(1, format!("error: {}", crate::error::one_line(&e))),
            }
        }
        Op::Resolve { query } => match ctx.resolve(&query) {
            Ok(name) => Reply { protocol: PROTOCOL, name: Some(name), ..Reply::default() },
            Err(e) => refused(1, format!("error: {}", crate::error::one_line(&e))),
        },
        Op::Run { argv, expect, brief } => run_command(ctx, argv, expect, brief),
        Op::Watch => refused(2, "error: watch is a stream".into()),
    }
}

/// How often the records are looked at (a stat per session), how often tmux is asked too (a
/// session whose tmux server vanished is `lost` only then), and the heartbeat that tells the
/// watching side the host still answers.
const LOOK: std::time::Duration = std::time::Duration::from_millis(250);
const ASK_TMUX: std::time::Duration = std::time::Duration::from_secs(2);
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(3);

/// The `watch` stream: a line with the sessions whenever they change, a heartbeat between;
/// ends when the other side is gone (a write fails).
fn watch(ctx: &Ctx, out: &mut impl Write) {
    use crate::domain::hosts::{RemoteSession, WatchLine};
    use std::time::Instant;
    let mut sent: Option<Vec<RemoteSession>> = None;
    let mut last_write = Instant::now();
    let mut asked_tmux: Option<Instant> = None;
    let mut seen_files = None;
    loop {
        let files = record_stamps(ctx);
        let ask_tmux = asked_tmux.is_none_or(|t| t.elapsed() >= ASK_TMUX);
        if ask_tmux || seen_files.as_ref() != Some(&files) {
            seen_files = Some(files);
            let records: Vec<crate::domain::record::Record> = if ask_tmux {
                asked_tmux = Some(Instant::now());
                crate::ops::reconcile::observe_listing(ctx)
                    .map(|v| v.into_iter().map(|o| o.record).collect())
                    .unwrap_or_default()
            } else {
                ctx.store.load_all().unwrap_or_default()
            };
            let mut now: Vec<RemoteSession> = records
                .iter()
                .filter(|r| crate::domain::state::listed_by_default(r.state(), r.running()))
                .map(|r| RemoteSession {
                    name: r.name.clone(),
                    task: r.task.clone(),
                    state: r.state(),
                    detail: r.detail().to_string(),
                    running: r.running(),
                    state_at: Some(r.state_at),
                })
                .collect();
            now.sort_by(|a, b| a.name.cmp(&b.name));
            if sent.as_ref() != Some(&now) {
                let line = WatchLine { protocol: PROTOCOL, sessions: Some(now.clone()) };
                if write_line(out, &line).is_err() {
                    return;
                }
                sent = Some(now);
                last_write = Instant::now();
            }
        }
        if last_write.elapsed() >= HEARTBEAT {
            if write_line(out, &WatchLine { protocol: PROTOCOL, sessions: None }).is_err() {
                return;
            }
            last_write = Instant::now();
        }
        std::thread::sleep(LOOK);
    }
}

fn write_line(out: &mut impl Write, line: &crate::domain::hosts::WatchLine) -> std::io::Result<()> {
    writeln!(out, "{}", serde_json::to_string(line).unwrap_or_default())?;
    out.flush()
}

/// Each record file's name, size and modification time: what changes when a state does.
fn record_stamps(ctx: &Ctx) -> Vec<(std::ffi::OsString, u64, Option<std::time::SystemTime>)> {
    let mut v: Vec<_> = std::fs::read_dir(ctx.store.sessions_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let meta = std::fs::metadata(e.path().join("session.json")).ok();
            (e.file_name(), meta.as_ref().map_or(0, |m| m.len()), meta.and_then(|m| m.modified().ok()))
        })
        .collect();
    v.sort();
    v
}

fn run_command(ctx: &Ctx, mut argv: Vec<String>, expect: Option<Expect>, brief: Option<String>) -> Reply {
    match argv.first() {
        Some(cmd) if REMOTE_COMMANDS.contains(&cmd.as_str()) => {}
        other => return refused(2, format!("error: `{}` cannot be run from another machine", other.map_or("", |s| s))),
    }
    // Another machine's `ls` (every host is asked on each one): answered here, in this process,
    // as `minder ls --json` would answer, without starting a second minder. Not when this host
    // has hosts of its own: that listing is `ls`'s to make.
    if expect.is_none() && brief.is_none() && ctx.config.hosts.is_empty() {
        let all = match argv.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["ls", "--json"] => Some(false),
            ["ls", "--json", "--all"] => Some(true),
            _ => None,
        };
        if let Some(all) = all {
            return match crate::ops::listing::local_json(ctx, all).and_then(|v| Ok(serde_json::to_string(&v)?)) {
                Ok(text) => Reply { protocol: PROTOCOL, stdout: text + "\n", ..Reply::default() },
                Err(e) => refused(1, format!("error: {}", crate::error::one_line(&e))),
            };
        }
    }
    if let Some(expect) = &expect {
        if let Err(why) = still_as_decided(ctx, expect) {
            return refused(1, format!("error: {why}"));
        }
    }
    // A brief travels as text and becomes a private file here; its path takes `{brief}`'s place.
    let _brief_file = match brief {
        None => None,
        Some(text) => {
            let dir = ctx.store.dirs().incoming();
            let path = dir.join(format!("brief-{}-{}.md", std::process::id(), chrono::Utc::now().timestamp_micros()));
            let written = crate::store::fsutil::create_private_dir_all(&dir)
                .and_then(|()| crate::store::fsutil::write_private(&path, text.as_bytes()));
            if let Err(e) = written {
                return refused(1, format!("error: cannot keep the brief: {e:#}"));
            }
            for a in argv.iter_mut().filter(|a| a.as_str() == "{brief}") {
                *a = path.display().to_string();
            }
            Some(RemoveOnDrop(path))
        }
    };
    let out = std::process::Command::new(&ctx.self_exe).args(&argv).stdin(std::process::Stdio::null()).output();
    match out {
        Ok(out) => Reply {
            protocol: PROTOCOL,
            exit: out.status.code().unwrap_or(1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            ..Reply::default()
        },
        Err(e) => refused(1, format!("error: cannot run minder: {e}")),
    }
}

/// A decision is made on what the person saw: the same state, and the same commit when one was
/// named. Anything else refuses, changing nothing.
fn still_as_decided(ctx: &Ctx, expect: &Expect) -> Result<(), String> {
    let obs = crate::ops::reconcile::observe_one(ctx, &expect.name).map_err(|e| crate::error::one_line(&e))?;
    let state = obs.record.state().to_string();
    if state != expect.state {
        return Err(format!(
            "refused: `{}` is {state} now, not {} as when you decided (see `minder show`)",
            expect.name, expect.state
        ));
    }
    if let Some(seen) = &expect.commit {
        let head = crate::git::gate::head_commit(crate::ops::decision::work_dir(&obs.record));
        if head.as_deref() != Some(seen.as_str()) {
            return Err(format!(
                "refused: `{}` is at {} now, not {} as when you decided (review it again)",
                expect.name,
                head.as_deref().map_or("no commit", crate::domain::state::short_commit),
                crate::domain::state::short_commit(seen)
            ));
        }
    }
    Ok(())
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

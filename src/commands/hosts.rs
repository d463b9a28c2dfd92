//! `minder hosts`: each configured host's reachability, latency, remote minder version and
//! how many agents it has, all asked at once, each under its own deadline.

use crate::app::Ctx;
use crate::domain::hosts::Op;
use crate::hosts::Host;
use anyhow::Result;
use clap::Args as ClapArgs;
use std::time::{Duration, Instant};

/// Show the hosts of the config: reachable or why not, latency, minder version, agents
///
/// Each host is reached over one ssh connection that minder keeps open (see `[hosts.NAME]`);
/// a host that cannot be reached, is slow, wants a password or key, or runs another minder
/// protocol says so (`unreachable`, `slow`, `auth-needed`, `version-skew`).
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Print JSON: {"version":1,"hosts":[{"name","status","latency_ms","minder","sessions","error"}]}
    #[arg(long)]
    pub json: bool,
}

struct Seen {
    name: String,
    status: String,
    latency: Option<Duration>,
    minder: String,
    sessions: Option<usize>,
    error: String,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let hosts = Host::all(&ctx.config)?;
    crate::ops::remote_status::ensure_watchers(ctx);
    let seen: Vec<Seen> = std::thread::scope(|s| {
        let handles: Vec<_> = hosts.iter().map(|h| s.spawn(move || ask(h))).collect();
        handles.into_iter().map(|h| h.join().expect("a host thread does not panic")).collect()
    });
    if args.json {
        let list: Vec<_> = seen
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name,
                    "status": s.status,
                    "latency_ms": s.latency.map(|l| l.as_millis() as u64),
                    "minder": (!s.minder.is_empty()).then_some(&s.minder),
                    "sessions": s.sessions,
                    "error": (!s.error.is_empty()).then_some(&s.error),
                })
            })
            .collect();
        crate::outln!(
            "{}",
            serde_json::to_string(&crate::ops::present::versioned(serde_json::json!({"hosts": list})))?
        );
        return Ok(());
    }
    if seen.is_empty() {
        ctx.note("no hosts (add a [hosts.NAME] table to the config: see `minder help hosts`)");
        return Ok(());
    }
    let header = ["HOST", "STATUS", "LATENCY", "MINDER", "AGENTS", "DETAIL"];
    let mut rows = vec![header.iter().map(|h| (h.to_string(), String::new())).collect::<Vec<_>>()];
    for s in &seen {
        let color = if s.status == "ok" { "32" } else { "1;31" };
        rows.push(vec![
            (s.name.clone(), String::new()),
            (s.status.clone(), color.to_string()),
            (s.latency.map(|l| format!("{}ms", l.as_millis())).unwrap_or_else(|| "-".into()), String::new()),
            (if s.minder.is_empty() { "-".into() } else { s.minder.clone() }, String::new()),
            (s.sessions.map(|n| n.to_string()).unwrap_or_else(|| "-".into()), String::new()),
            (crate::ops::present::keep_tail(&s.error, 60), String::new()),
        ]);
    }
    crate::out!("{}", crate::ops::present::table(&rows, ctx.color));
    Ok(())
}

/// Connect (or reuse the connection), then time one request over it: the latency a command sees.
fn ask(host: &Host) -> Seen {
    let mut seen = Seen {
        name: host.name.clone(),
        status: "ok".into(),
        latency: None,
        minder: String::new(),
        sessions: None,
        error: String::new(),
    };
    let reply = host.ensure_master(Instant::now() + host.timeout()).and_then(|()| {
        let start = Instant::now();
        let r = host.request(Op::Hello)?;
        seen.latency = Some(start.elapsed());
        Ok(r)
    });
    match reply {
        Ok(r) => {
            seen.minder = crate::render::sanitize::one_line(&r.peer_version).into_owned();
            seen.sessions = r.sessions;
            if r.exit != 0 {
                seen.status = "error".into();
                seen.error = crate::render::sanitize::one_line(r.stderr.trim()).into_owned();
            }
        }
        Err(e) => {
            seen.status = e.word().into();
            seen.error = crate::render::sanitize::one_line(&e.message).into_owned();
        }
    }
    seen
}

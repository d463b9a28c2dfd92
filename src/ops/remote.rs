//! Sessions on other machines, for the commands: where a session a person named lives (`HOST:NAME`,
//! or a bare NAME looked up on every host), forwarding a command to the remote minder, and the
//! listing across hosts, each host asked on its own thread under its own deadline.

use crate::app::Ctx;
use crate::domain::hosts::{self, Expect, Op, Target, LOCAL};
use crate::hosts::{ErrorKind, Host, HostError};
use anyhow::{anyhow, bail, Result};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Where a named session lives.
pub enum Where {
    Local(String),
    Remote(Box<Host>, String),
}

fn is_host(ctx: &Ctx, name: &str) -> bool {
    ctx.config.hosts.contains_key(name)
}

/// Find the session `query` names. With no hosts configured this is `ctx.resolve`, unchanged.
pub fn locate(ctx: &Ctx, query: &str) -> Result<Where> {
    match hosts::parse_target(query, |h| is_host(ctx, h)) {
        Target::On { host, name } if host == LOCAL => Ok(Where::Local(ctx.resolve(name)?)),
        Target::On { host, name } => {
            let host = Host::new(host, &ctx.config.hosts[host])?;
            let full = resolve_on(&host, name)?;
            Ok(Where::Remote(Box::new(host), full))
        }
        Target::Anywhere(_) if ctx.config.hosts.is_empty() => Ok(Where::Local(ctx.resolve(query)?)),
        Target::Anywhere(q) => locate_everywhere(ctx, q),
    }
}

/// Like `locate`, for commands that resolve a local name themselves under the store's lock:
/// a local target comes back as a query (`local:` taken off), unresolved when no host needs
/// asking.
pub fn locate_query(ctx: &Ctx, query: &str) -> Result<Where> {
    match hosts::parse_target(query, |h| is_host(ctx, h)) {
        Target::On { host, name } if host == LOCAL => Ok(Where::Local(name.to_string())),
        Target::Anywhere(q) if ctx.config.hosts.is_empty() => Ok(Where::Local(q.to_string())),
        _ => locate(ctx, query),
    }
}

/// The full name `query` resolves to on `host`.
fn resolve_on(host: &Host, query: &str) -> Result<String> {
    let reply = host.request(Op::Resolve { query: query.to_string() })?;
    match reply.name {
        Some(name) if reply.exit == 0 && crate::domain::naming::is_valid_word(&name) => Ok(name),
        _ => {
            let said = reply.stderr.trim().trim_start_matches("error: ").to_string();
            bail!("on host `{}`: {}", host.name, crate::render::sanitize::one_line(&said))
        }
    }
}

fn locate_everywhere(ctx: &Ctx, query: &str) -> Result<Where> {
    let hosts = Host::all(&ctx.config)?;
    let asked: Vec<(Host, Result<crate::domain::hosts::Reply, HostError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .into_iter()
            .map(|h| {
                s.spawn(move || {
                    let r = h.request(Op::Resolve { query: query.to_string() });
                    (h, r)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a lookup thread does not panic")).collect()
    });
    let mut found: Vec<(String, Where)> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    match ctx.resolve(query) {
        Ok(name) => found.push((format!("{LOCAL}:{name}"), Where::Local(name))),
        Err(e) if e.to_string().starts_with("no session") => {}
        Err(e) => problems.push(format!("local: {e}")),
    }
    for (host, reply) in asked {
        match reply {
            Ok(r) => match r.name.filter(|n| r.exit == 0 && crate::domain::naming::is_valid_word(n)) {
                Some(name) => found.push((format!("{}:{name}", host.name), Where::Remote(Box::new(host), name))),
                None if r.stderr.contains("no session") => {}
                None => problems.push(format!(
                    "{}: {}",
                    host.name,
                    crate::render::sanitize::one_line(r.stderr.trim().trim_start_matches("error: "))
                )),
            },
            Err(e) => problems.push(e.to_string()),
        }
    }
    match found.len() {
        1 => {
            for p in &problems {
                ctx.note(&format!("warning: {p}"));
            }
            Ok(found.pop().expect("one").1)
        }
        0 if problems.is_empty() => Err(anyhow!("no session `{query}` on any host (see `minder ls`)")),
        0 => Err(anyhow!("no session `{query}` found ({})", problems.join("; "))),
        _ => {
            let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
            Err(anyhow!("`{query}` matches sessions on several hosts: {} (name one as HOST:NAME)", names.join(", ")))
        }
    }
}

/// Run `argv` (the session already named as `local:FULLNAME`) by the remote minder: its output
/// becomes ours, its exit code ours. A lost reply is said as such, never sent again.
pub fn forward(host: &Host, argv: Vec<String>, expect: Option<Expect>, brief: Option<String>) -> Result<()> {
    let reply = host.request(Op::Run { argv, expect, brief })?;
    print_reply(&reply)
}

pub fn print_reply(reply: &crate::domain::hosts::Reply) -> Result<()> {
    crate::out!("{}", reply.stdout);
    if !reply.stderr.is_empty() {
        eprint!("{}", reply.stderr);
    }
    if reply.exit != 0 {
        return Err(crate::error::Exit { code: reply.exit, message: None }.into());
    }
    Ok(())
}

/// The remote name as the remote minder must read it: on that host itself, never looked up
/// further.
pub fn there(name: &str) -> String {
    format!("{LOCAL}:{name}")
}

/// A decision on a remote session: made on the state (and commit) the person saw, checked by
/// the remote before it decides. A lost reply is reported as unknown.
pub fn decide(host: &Host, name: &str, argv: Vec<String>) -> Result<()> {
    let shown =
        host.request(Op::Run { argv: vec!["show".into(), there(name), "--json".into()], expect: None, brief: None })?;
    if shown.exit != 0 {
        return print_reply(&shown);
    }
    let v: Value =
        serde_json::from_str(&shown.stdout).map_err(|e| anyhow!("host `{}`: unreadable session: {e}", host.name))?;
    let s = &v["session"];
    let expect =
        Expect { name: name.to_string(), state: s["state"].as_str().unwrap_or_default().to_string(), commit: None };
    match host.request(Op::Run { argv, expect: Some(expect), brief: None }) {
        Ok(reply) => print_reply(&reply),
        Err(HostError { kind: ErrorKind::Lost, message, .. }) => Err(anyhow!(
            "the reply from host `{}` was lost ({message}): whether the decision on `{name}` was made is unknown; see `minder show {}:{name}` before deciding again",
            host.name,
            host.name
        )),
        Err(e) => Err(e.into()),
    }
}

/// One host's listing: its sessions (each with `host`), or why it could not be had.
pub struct HostListing {
    pub host: String,
    pub sessions: Result<Vec<Value>, HostError>,
}

/// Ask every host for its listing at once, each under its own deadline.
pub fn list_hosts(ctx: &Ctx, all: bool) -> Result<Vec<HostListing>> {
    let hosts = Host::all(&ctx.config)?;
    let mut argv = vec!["ls".to_string(), "--json".to_string()];
    if all {
        argv.push("--all".into());
    }
    Ok(std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .map(|h| {
                let argv = argv.clone();
                s.spawn(move || HostListing { host: h.name.clone(), sessions: listing(h, argv) })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a listing thread does not panic")).collect()
    }))
}

fn listing(host: &Host, argv: Vec<String>) -> Result<Vec<Value>, HostError> {
    let reply = host.request(Op::Run { argv, expect: None, brief: None })?;
    let bad = |m: String| HostError {
        host: host.name.clone(),
        kind: ErrorKind::Failed(hosts::Failure::VersionSkew),
        message: m,
    };
    if reply.exit != 0 {
        return Err(bad(crate::render::sanitize::one_line(reply.stderr.trim()).into_owned()));
    }
    let v: Value = serde_json::from_str(&reply.stdout).map_err(|e| bad(format!("unreadable listing: {e}")))?;
    let mut list = v["sessions"].as_array().cloned().unwrap_or_default();
    for s in &mut list {
        s["host"] = Value::String(host.name.clone());
    }
    // A record the remote could not read is listed as damaged there, never skipped here.
    for d in v["damaged"].as_array().into_iter().flatten() {
        list.push(serde_json::json!({"host": host.name, "name": d["name"], "damaged": d["error"]}));
    }
    Ok(list)
}

/// `ls` when hosts are configured: the local sessions and every host's, in one attention order,
/// with a HOST column (`host` in JSON); a host that did not answer is a row saying why.
pub fn ls_across(ctx: &Ctx, local: Vec<Value>, json: bool, all: bool) -> Result<()> {
    crate::ops::remote_status::ensure_watchers(ctx);
    let listings = list_hosts(ctx, all)?;
    let mut sessions = local;
    let mut hosts_json = vec![serde_json::json!({"name": LOCAL, "status": "ok"})];
    let mut down: Vec<(String, String, String)> = Vec::new();
    for l in listings {
        match l.sessions {
            Ok(list) => {
                hosts_json.push(serde_json::json!({"name": l.host, "status": "ok"}));
                sessions.extend(list);
            }
            Err(e) => {
                hosts_json.push(serde_json::json!({"name": l.host, "status": e.word(), "error": e.message}));
                down.push((l.host, e.word().to_string(), e.message));
            }
        }
    }
    let (damaged, mut sessions): (Vec<Value>, Vec<Value>) =
        sessions.into_iter().partition(|s| s.get("damaged").is_some());
    sessions.sort_by_key(order_key);
    if json {
        let damaged: Vec<Value> = damaged
            .into_iter()
            .map(|d| serde_json::json!({"host": d["host"], "name": d["name"], "error": d["damaged"]}))
            .collect();
        let v = crate::ops::present::versioned(
            serde_json::json!({"sessions": sessions, "damaged": damaged, "hosts": hosts_json}),
        );
        crate::outln!("{}", serde_json::to_string(&v)?);
        return Ok(());
    }
    let now = Utc::now();
    let header = ["HOST", "NAME", "STATE", "FOR", "ACTIVE", "PLAN", "WHERE"];
    let mut rows = vec![header.iter().map(|h| (h.to_string(), String::new())).collect::<Vec<_>>()];
    let clean = |v: &Value| crate::render::sanitize::one_line(v.as_str().unwrap_or("-")).into_owned();
    for s in &sessions {
        let state_word = s["state"].as_str().unwrap_or("?");
        let detail = s["detail"].as_str().unwrap_or("");
        let state = if detail.is_empty() { state_word.to_string() } else { format!("{state_word} ({detail})") };
        let color =
            serde_json::from_value(s["state"].clone()).map(crate::ops::present::state_color).unwrap_or_default();
        let progress = match (s["progress"]["done"].as_u64(), s["progress"]["total"].as_u64()) {
            (Some(d), Some(t)) => format!("{d}/{t}"),
            _ => "-".into(),
        };
        let base = |p: &Value| {
            let p = p.as_str().unwrap_or("");
            std::path::Path::new(p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.to_string())
        };
        let place = match s["worktree"]["branch"].as_str() {
            Some(branch) => {
                let repo = if s["worktree"]["repo"].as_str().is_some_and(|r| !r.is_empty()) {
                    &s["worktree"]["repo"]
                } else {
                    &s["dir"]
                };
                format!("{}:{branch}", base(repo))
            }
            None if s["host"] == LOCAL => {
                crate::ops::present::home_short(std::path::Path::new(s["dir"].as_str().unwrap_or("")))
            }
            None => s["dir"].as_str().unwrap_or("").to_string(),
        };
        let place = crate::ops::present::keep_tail(&crate::render::sanitize::one_line(&place), 24);
        rows.push(vec![
            (clean(&s["host"]), String::new()),
            (clean(&s["name"]), String::new()),
            (crate::render::sanitize::one_line(&state).into_owned(), color),
            (ago(&s["state_at"], now), String::new()),
            (ago(&s["last_activity_at"], now), String::new()),
            (progress, String::new()),
            (place, String::new()),
        ]);
    }
    let red = crate::ops::present::state_color(crate::domain::state::State::Failed);
    for d in &damaged {
        rows.push(vec![
            (clean(&d["host"]), String::new()),
            (clean(&d["name"]), String::new()),
            ("damaged".into(), red.clone()),
            ("-".into(), String::new()),
            ("-".into(), String::new()),
            ("-".into(), String::new()),
            (clean(&d["damaged"]), String::new()),
        ]);
    }
    for (host, word, message) in &down {
        rows.push(vec![
            (host.clone(), String::new()),
            ("-".into(), String::new()),
            (word.clone(), red.clone()),
            ("-".into(), String::new()),
            ("-".into(), String::new()),
            ("-".into(), String::new()),
            (crate::ops::present::keep_tail(&crate::render::sanitize::one_line(message), 60), String::new()),
        ]);
    }
    if rows.len() == 1 {
        ctx.note("no sessions on any host (start one with `minder new`, or `minder new --host HOST`)");
        return Ok(());
    }
    crate::out!("{}", crate::ops::present::table(&rows, ctx.color));
    Ok(())
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
}

fn ago(v: &Value, now: DateTime<Utc>) -> String {
    time(v).map(|t| crate::ops::present::ago(t, now)).unwrap_or_else(|| "-".into())
}

/// The one attention order, across hosts.
fn order_key(s: &Value) -> (u8, Option<DateTime<Utc>>, String, String) {
    let rank = serde_json::from_value(s["state"].clone()).map(crate::domain::state::attention_rank).unwrap_or(u8::MAX);
    (
        rank,
        time(&s["state_at"]),
        s["name"].as_str().unwrap_or("").to_string(),
        s["host"].as_str().unwrap_or("").to_string(),
    )
}

/// Run `argv` by the remote minder with its output streamed to ours as it comes (`logs -f`),
/// over the master. Only safe words travel on this command line (a full name, numbers, flags).
pub fn stream(host: &Host, argv: &[String]) -> Result<()> {
    let mut cmd = host.remote_command(false, argv)?;
    let status = cmd.status().map_err(|e| anyhow!("cannot run ssh: {e}"))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(255) => Err(anyhow!("host `{}`: the connection ended ({status})", host.name)),
        code => Err(crate::error::Exit { code: code.unwrap_or(1), message: None }.into()),
    }
}

/// `attach HOST:NAME`: `ssh -t` to the remote `minder attach NAME`; inside tmux in a new window
/// of the person's own session, outside on this terminal.
pub fn attach(host: &Host, name: &str) -> Result<()> {
    let argv = vec!["attach".to_string(), name.to_string()];
    let cmd = host.remote_command(true, &argv)?;
    if crate::tmux::socket_from_env().is_some() {
        let mut window: Vec<String> =
            vec!["new-window".into(), "-n".into(), format!("{}:{name}", host.name), "--".into()];
        window.push(cmd.get_program().to_string_lossy().into_owned());
        window.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
        // The person's own server: the one $TMUX names.
        let tmux = crate::tmux::Tmux::at_socket(&crate::tmux::socket_from_env().expect("checked"))?;
        tmux.run(&window)?;
        return Ok(());
    }
    let mut cmd = cmd;
    let status = cmd.status().map_err(|e| anyhow!("cannot run ssh: {e}"))?;
    match status.code() {
        Some(0) => Ok(()),
        code => Err(crate::error::Exit { code: code.unwrap_or(1), message: None }.into()),
    }
}

/// Several named sessions: all local, or all on one host (`wait` and `restore` on several
/// hosts at once are not offered: one host at a time).
pub enum Located {
    Local(Vec<String>),
    Remote(Box<Host>, Vec<String>),
}

pub fn locate_all(ctx: &Ctx, queries: &[String]) -> Result<Located> {
    let mut local = Vec::new();
    let mut remote: Option<(Box<Host>, Vec<String>)> = None;
    for q in queries {
        match locate(ctx, q)? {
            Where::Local(name) => local.push(name),
            Where::Remote(host, name) => match &mut remote {
                Some((h, names)) if h.name == host.name => names.push(name),
                Some((h, _)) => {
                    return Err(crate::usage!(
                        "sessions on `{}` and `{}`: name those of one host at a time",
                        h.name,
                        host.name
                    ))
                }
                None => remote = Some((host, vec![name])),
            },
        }
    }
    match remote {
        None => Ok(Located::Local(local)),
        Some((host, names)) if local.is_empty() => Ok(Located::Remote(host, names)),
        Some((host, _)) => {
            Err(crate::usage!("sessions on `local` and `{}`: name those of one host at a time", host.name))
        }
    }
}

/// `review` with no NAME on every host at once: each host's output (JSON or text) that has
/// something to review, by host name; a host that did not answer is said on stderr.
pub fn review_hosts(ctx: &Ctx, json: bool) -> Vec<(String, String)> {
    let Ok(hosts) = Host::all(&ctx.config) else { return Vec::new() };
    let mut argv = vec!["review".to_string()];
    if json {
        argv.push("--json".into());
    }
    let answers: Vec<(String, Result<crate::domain::hosts::Reply, HostError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .map(|h| {
                let argv = argv.clone();
                s.spawn(move || (h.name.clone(), h.request(Op::Run { argv, expect: None, brief: None })))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a review thread does not panic")).collect()
    });
    let mut out = Vec::new();
    for (host, answer) in answers {
        match answer {
            Ok(r) if r.exit == 0 => {
                let empty = if json {
                    serde_json::from_str::<Value>(&r.stdout)
                        .ok()
                        .and_then(|v| v["sessions"].as_array().map(|a| a.is_empty()))
                        .unwrap_or(true)
                } else {
                    r.stdout.trim().is_empty()
                };
                if !empty {
                    out.push((host, r.stdout));
                }
            }
            Ok(r) => ctx.note(&format!(
                "warning: host `{host}`: {}",
                crate::render::sanitize::one_line(r.stderr.trim().trim_start_matches("error: "))
            )),
            Err(e) => ctx.note(&format!("warning: {e}")),
        }
    }
    out
}

//! Everything the dash asks of the rest of minder, in one file: the agents' data, read as
//! cheaply as it can be (stat the records, logs and plans; re-read only what changed; tmux only
//! when a sink or server looks gone, and for the selected agent's screen at most twice a
//! second), and the actions, each through the same code as its command.

use super::model::{Agent, PreviewText};
use crate::app::Ctx;
use crate::domain::record::Record;
use crate::domain::state::State;
use crate::tmux::Server;
use crate::tmux_cmd;
use anyhow::{anyhow, Result};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// A session's last line is rendered again at most this often while its log grows.
const LAST_LINE_EVERY: Duration = Duration::from_millis(500);
/// The selected agent's screen (or log tail) is read at most this often.
const PREVIEW_EVERY: Duration = Duration::from_millis(500);
/// How often the records are checked against tmux (as `minder ls` does: a tmux call only when
/// a live session's server or sink is gone).
const RECONCILE_EVERY: Duration = Duration::from_secs(2);

/// What stat(2) says of a file: a change means read it again. The inode changes with every
/// atomic rewrite (temp file + rename), so a rewrite within one mtime tick is still seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    mtime: SystemTime,
    len: u64,
    ino: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp { mtime: m.modified().ok()?, len: m.len(), ino: m.ino() })
}

/// One session as last read.
struct Entry {
    /// None: not read yet.
    record_stamp: Option<Stamp>,
    record: Result<Record, String>,
    plan_stamp: Option<Stamp>,
    progress: Option<(usize, usize)>,
    log_stamp: Option<Stamp>,
    last_line: String,
    last_line_at: Option<Instant>,
}

impl Default for Entry {
    fn default() -> Entry {
        Entry {
            record_stamp: None,
            record: Err(String::new()),
            plan_stamp: None,
            progress: None,
            log_stamp: None,
            last_line: String::new(),
            last_line_at: None,
        }
    }
}

/// The selected agent's preview and what it was made from.
struct Shown {
    text: PreviewText,
    log_stamp: Option<Stamp>,
    alive: bool,
    /// False: a log tail standing in until the screen's capture is due.
    complete: bool,
}

/// The dash's view of the state dir, kept up to date by `refresh`.
pub struct Data<'a> {
    ctx: &'a Ctx,
    entries: BTreeMap<String, Entry>,
    reconciled_at: Option<Instant>,
    preview: Option<Shown>,
    captured_at: Option<Instant>,
    read_at: Option<Instant>,
    /// Other machines' agents (`HOST:NAME`), as their watchers last heard them.
    remote: Vec<Agent>,
    remote_read_at: Option<Instant>,
}

impl<'a> Data<'a> {
    pub fn new(ctx: &'a Ctx) -> Data<'a> {
        Data {
            ctx,
            entries: BTreeMap::new(),
            reconciled_at: None,
            preview: None,
            captured_at: None,
            read_at: None,
            remote: Vec::new(),
            remote_read_at: None,
        }
    }

    /// Bring the view up to date; true when anything shown changed. Costs a directory read and
    /// three stat calls per session; a record, plan or log is read only when its stamp changed.
    pub fn refresh(&mut self, now: Instant) -> bool {
        if self.reconciled_at.is_none_or(|t| now.duration_since(t) >= RECONCILE_EVERY) {
            self.reconciled_at = Some(now);
            // Brings records in line with tmux (lost, exits, dead sinks) when something is off;
            // the changes show through the stamps below.
            if let Err(e) = crate::ops::reconcile::observe_listing(self.ctx) {
                tracing::warn!("cannot check the sessions against tmux: {e:#}");
            }
        }
        let names = match self.ctx.store.names() {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!("{e:#}");
                return false;
            }
        };
        let mut changed = false;
        let before = self.entries.len();
        self.entries.retain(|name, _| names.binary_search(name).is_ok());
        changed |= self.entries.len() != before;
        for name in names {
            changed |= self.refresh_one(&name, now);
        }
        changed | self.refresh_remote(now)
    }

    /// Other machines' agents from their watchers' files (no ssh per refresh), read at most
    /// every `PREVIEW_EVERY`; the watchers are started with the dash and checked as tmux is.
    fn refresh_remote(&mut self, now: Instant) -> bool {
        if self.ctx.config.hosts.is_empty()
            || self.remote_read_at.is_some_and(|t| now.duration_since(t) < PREVIEW_EVERY)
        {
            return false;
        }
        if self.remote_read_at.is_none() || self.reconciled_at == Some(now) {
            crate::ops::remote_status::ensure_watchers(self.ctx);
        }
        self.remote_read_at = Some(now);
        let remote = remote_agents(&crate::ops::remote_status::load_all(&self.ctx.store), chrono::Utc::now());
        let changed = remote != self.remote;
        self.remote = remote;
        changed
    }

    fn refresh_one(&mut self, name: &str, now: Instant) -> bool {
        let paths = self.ctx.store.paths(name);
        // No record yet: a `new` is claiming the name.
        let Some(record_stamp) = stamp(&paths.record()) else {
            return self.entries.remove(name).is_some();
        };
        let mut changed = false;
        let entry = self.entries.entry(name.to_string()).or_default();
        if entry.record_stamp != Some(record_stamp) {
            entry.record_stamp = Some(record_stamp);
            entry.record = crate::store::load_record(&paths.record()).map_err(|e| format!("{e:#}"));
            changed = true;
        }
        let Ok(record) = &entry.record else { return changed };
        let plan = stamp(&record.checkpoint_dir.join("PLAN.md"));
        if plan != entry.plan_stamp {
            entry.plan_stamp = plan;
            let progress = crate::ops::present::progress(record);
            changed |= progress != entry.progress;
            entry.progress = progress;
        }
        let logs = paths.logs();
        let log = stamp(&paths.current_log());
        let due = entry.last_line_at.is_none_or(|t| now.duration_since(t) >= LAST_LINE_EVERY);
        if log != entry.log_stamp && due {
            entry.log_stamp = log;
            entry.last_line_at = Some(now);
            let line = last_line(record, &logs);
            changed |= line != entry.last_line;
            entry.last_line = line;
        }
        changed
    }

    /// Every session as the model wants it.
    pub fn agents(&self) -> Vec<Agent> {
        self.entries
            .iter()
            .map(|(name, e)| match &e.record {
                Ok(r) => agent_of(r, e),
                Err(err) => Agent { name: name.clone(), task: name.clone(), detail: err.clone(), ..Agent::default() },
            })
            .chain(self.remote.iter().cloned())
            .collect()
    }

    /// Keep the preview of `name` current: its screen while the agent lives (one tmux call,
    /// only when its log grew or the selection moved, at most every `PREVIEW_EVERY`), else the
    /// clean tail of its log. While a capture waits for its turn, a newly selected agent shows
    /// its log tail. True when the preview changed.
    pub fn update_preview(&mut self, name: Option<&str>, lines: usize, now: Instant) -> bool {
        let Some(name) = name else { return self.preview.take().is_some() };
        let Some(Ok(record)) = self.entries.get(name).map(|e| &e.record) else {
            return self.preview.take().is_some();
        };
        let paths = self.ctx.store.paths(name);
        let logs = paths.logs();
        let log_stamp = stamp(&paths.current_log());
        let alive = alive(record);
        let moved = self.preview.as_ref().is_none_or(|p| p.text.name != name);
        let current = self.preview.as_ref().is_some_and(|p| {
            p.text.name == name && p.complete && p.alive == alive && p.log_stamp == log_stamp && p.text.lines >= lines
        });
        if current {
            return false;
        }
        let due = |t: Option<Instant>| t.is_none_or(|t| now.duration_since(t) >= PREVIEW_EVERY);
        let shown = |what, text, lines, complete| Shown {
            text: PreviewText { name: name.to_string(), what, text, lines },
            log_stamp,
            alive,
            complete,
        };
        if alive {
            if due(self.captured_at) {
                self.captured_at = Some(now);
                // A capture that fails (the pane just went) shows the log until the log changes.
                self.preview = Some(match capture(self.ctx, record) {
                    Ok(screen) => shown("screen", screen, usize::MAX, true),
                    Err(e) => {
                        tracing::debug!("capture of `{name}`: {e:#}");
                        shown("log", log_tail(record, &logs, lines), lines, true)
                    }
                });
                return true;
            }
            if moved {
                self.preview = Some(shown("log", log_tail(record, &logs, lines), lines, false));
                return true;
            }
            return false;
        }
        if moved || due(self.read_at) {
            self.read_at = Some(now);
            self.preview = Some(shown("log (ended)", log_tail(record, &logs, lines), lines, true));
            return true;
        }
        false
    }

    pub fn preview(&self) -> Option<&PreviewText> {
        self.preview.as_ref().map(|p| &p.text)
    }

    /// How soon the preview wants another look (a capture waiting for its turn), if at all.
    pub fn preview_due_in(&self, now: Instant) -> Option<Duration> {
        let pending = self.preview.as_ref().is_some_and(|p| !p.complete);
        let at = self.captured_at.filter(|_| pending)?;
        Some(PREVIEW_EVERY.saturating_sub(now.duration_since(at)))
    }
}

/// Each remote session as a row named `HOST:NAME`; a host not heard from lately keeps its rows,
/// marked stale and not alive (nothing to attach to until it answers).
fn remote_agents(heard: &[crate::ops::remote_status::Heard], now: chrono::DateTime<chrono::Utc>) -> Vec<Agent> {
    let mut v = Vec::new();
    for h in heard {
        let age = (now - h.at).to_std().unwrap_or_default();
        let stale = age > crate::ops::remote_status::STALE_AFTER;
        for s in &h.sessions {
            v.push(Agent {
                name: format!("{}:{}", h.host, s.name),
                task: format!("{}:{}", h.host, s.task),
                agent: String::new(),
                state: Some(s.state),
                detail: if stale {
                    format!("{} stale {}", h.host, crate::ops::present::age(age.as_secs() as i64))
                } else {
                    s.detail.clone()
                },
                state_at: s.state_at,
                progress: None,
                project: h.host.clone(),
                branch: String::new(),
                last_line: String::new(),
                alive: s.running && !stale,
                // Not in what a host's watcher sends: `minder show HOST:NAME` has them.
                fence: String::new(),
                tokens: String::new(),
            });
        }
    }
    v
}

/// A row of another machine (`HOST:NAME`): its actions go through the commands, which reach
/// the host.
fn is_remote(name: &str) -> bool {
    name.contains(':')
}

fn alive(record: &Record) -> bool {
    record.ended_at.is_none() && record.state() != State::Lost && !record.tmux.pane_id.is_empty()
}

fn agent_of(r: &Record, e: &Entry) -> Agent {
    let (project, branch) = crate::ops::present::place(r);
    Agent {
        name: r.name.clone(),
        task: r.task.clone(),
        agent: r.agent.clone(),
        state: Some(r.state()),
        detail: r.detail().clone(),
        state_at: Some(r.state_at),
        progress: e.progress,
        project,
        branch,
        last_line: e.last_line.clone(),
        alive: alive(r),
        // Only a fenced agent is marked (`rw-net`): unfenced is what a plain command is.
        tokens: crate::ops::usage::short(&crate::domain::config::Config::default(), r)
            .map(|t| format!("{t} tok"))
            .unwrap_or_default(),
        fence: r.fence.filter(|f| f.by != crate::domain::fence::FenceBy::None).map(|f| f.marker()).unwrap_or_default(),
    }
}

/// The last line with text of the session's clean output.
fn last_line(record: &Record, logs: &Path) -> String {
    let lines =
        crate::ops::present::last_lines(logs, record.width.max(20), record.height.max(5), 4).unwrap_or_default();
    lines.into_iter().rev().find(|l| !l.trim().is_empty()).unwrap_or_default()
}

fn log_tail(record: &Record, logs: &Path, n: usize) -> String {
    crate::ops::present::last_lines(logs, record.width.max(20), record.height.max(5), n.max(1))
        .unwrap_or_default()
        .join("\n")
}

/// The agent's screen, in one tmux call that also checks the pane is still in its session
/// (the one carrying its `@minder-id`).
fn capture(ctx: &Ctx, record: &Record) -> Result<String> {
    let tmux = ctx.tmux_for(record)?;
    let pane = &record.tmux.pane_id;
    let who = record.identity();
    tmux.batch_if(pane, &who, &[tmux_cmd!["capture-pane", "-p", "-t", pane]])?
        .ok_or_else(|| anyhow!("pane {pane} is no longer `{}`'s", record.name))
}

// ---- Actions: the commands' own code ---------------------------------------------------------

/// `minder attach NAME`: switches the client inside tmux; outside, replaces this process with
/// a tmux client (so the dash must have given the terminal back first).
pub fn attach(ctx: &Ctx, name: &str) -> Result<()> {
    if is_remote(name) {
        if let crate::ops::remote::Where::Remote(host, full) = crate::ops::remote::locate(ctx, name)? {
            return crate::ops::remote::attach(&host, &full);
        }
    }
    let obs = crate::ops::reconcile::observe_one(ctx, name)?;
    crate::ops::attach::attach_to(ctx, &obs)
}

pub fn approve(ctx: &Ctx, name: &str, note: Option<String>) -> Result<()> {
    if is_remote(name) {
        let mut args = vec!["approve", name];
        if let Some(n) = note.as_deref() {
            args.extend(["--note", n]);
        }
        return minder_output(ctx, &args).map(|_| ());
    }
    let said = crate::ops::decision::approve(ctx, name, note, None)?;
    ctx.note(&said);
    Ok(())
}

/// `minder answer NAME yes|no`: returns what to tell the person.
pub fn answer(ctx: &Ctx, name: &str, reply: &crate::ops::deliver::Answer) -> Result<String> {
    if is_remote(name) {
        use crate::ops::deliver::Answer;
        let words = match reply {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Text(t) => t.as_str(),
        };
        return minder_output(ctx, &["answer", name, "--", words]).map(|_| format!("answered {name}"));
    }
    let obs = crate::ops::reconcile::observe_one(ctx, name)?;
    crate::ops::deliver::answer(ctx, &obs, reply)
}

pub fn reject(ctx: &Ctx, name: &str, note: String) -> Result<()> {
    if is_remote(name) {
        return minder_output(ctx, &["reject", name, "--note", &note]).map(|_| ());
    }
    let said = crate::ops::decision::reject(ctx, name, Some(note))?;
    ctx.note(&said);
    Ok(())
}

pub fn send(ctx: &Ctx, name: &str, text: String) -> Result<()> {
    if is_remote(name) {
        return minder_output(ctx, &["send", name, "--", &text]).map(|_| ());
    }
    let obs = crate::ops::reconcile::observe_one(ctx, name)?;
    let delay = crate::domain::agents::profile(&ctx.config, &obs.record.agent)
        .map(|p| p.submit_delay)
        .unwrap_or(Duration::from_millis(100));
    crate::ops::deliver::deliver(ctx, &obs, &text, delay)?;
    Ok(())
}

pub fn stop(ctx: &Ctx, name: &str) -> Result<()> {
    if is_remote(name) {
        return minder_output(ctx, &["stop", name]).map(|_| ());
    }
    let obs = {
        // A `new` in progress finishes first (it holds this lock until the session exists).
        let _all = ctx.store.lock_all()?;
        crate::ops::reconcile::observe_one(ctx, name)?
    };
    crate::ops::stop::stop(ctx, &obs, false, None)?;
    ctx.note(&format!("stopped `{name}`"));
    Ok(())
}

/// `minder review NAME`, as text, made in-process (another machine's through its minder).
pub fn review_text(ctx: &Ctx, name: &str) -> Result<String> {
    if is_remote(name) {
        return minder_output(ctx, &["review", name]);
    }
    let obs = crate::ops::review::take(ctx, name)?;
    let mut out = Vec::new();
    crate::ops::review::render(ctx, &obs, false, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `minder explain NAME`, as text, made in-process (another machine's through its minder).
pub fn explain_text(ctx: &Ctx, name: &str) -> Result<String> {
    if is_remote(name) {
        return minder_output(ctx, &["explain", name]);
    }
    let obs = crate::ops::reconcile::observe_one(ctx, name)?;
    let events = ctx.store.events(name)?;
    let x = crate::ops::explain::explain(&obs.record, &events);
    let mut out = Vec::new();
    crate::ops::explain::render(&x, false, chrono::Utc::now(), &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `minder review NAME --diff`, as text (no pager: its output is not a terminal).
pub fn diff_text(ctx: &Ctx, name: &str) -> Result<String> {
    minder_output(ctx, &["review", name, "--diff"])
}

/// Run this minder with the dash's config, server and state dir, and return its stdout; its
/// error line when it fails. For what only a process does: acting on another machine's session
/// (the command reaches the host), and the diff (git's own output, no pager).
fn minder_output(ctx: &Ctx, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new(&ctx.self_exe);
    cmd.args(["--color", "never"]);
    if ctx.config_path.exists() {
        cmd.arg("--config").arg(&ctx.config_path);
    }
    match &ctx.server {
        Server::Default => {}
        Server::Name(n) => {
            cmd.arg("-L").arg(n);
        }
        Server::Path(p) => {
            cmd.arg("--socket-path").arg(p);
        }
    }
    cmd.args(args)
        .env("MINDER_STATE_DIR", &ctx.store.state_dir)
        .env("GIT_PAGER", "cat")
        .env("PAGER", "cat")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().map_err(|e| anyhow!("cannot run {}: {e}", ctx.self_exe.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("failed");
        return Err(anyhow!("{}", line.strip_prefix("error: ").unwrap_or(line)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

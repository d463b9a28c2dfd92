//! The domain: a session's record on disk, its state, and the event log of its transitions.
//! Records are JSON written atomically under a per-session lock; events are appended lines.

use crate::fsutil;
use crate::paths::SessionPaths;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Working,
    Waiting,
    Stuck,
    Review,
    Approved,
    Rejected,
    Failed,
    Stopped,
    Lost,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Working => "working",
            State::Waiting => "waiting",
            State::Stuck => "stuck",
            State::Review => "review",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Failed => "failed",
            State::Stopped => "stopped",
            State::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        ALL_STATES.iter().copied().find(|st| st.as_str() == s)
    }

    /// The agent process is (believed) alive in these states.
    pub fn is_live(self) -> bool {
        matches!(self, State::Working | State::Waiting | State::Stuck)
    }

    /// States that mean the session asks for a person.
    pub fn needs_person(self) -> bool {
        matches!(self, State::Waiting | State::Review | State::Failed | State::Lost | State::Stuck)
    }
}

pub const ALL_STATES: &[State] = &[
    State::Working,
    State::Waiting,
    State::Stuck,
    State::Review,
    State::Approved,
    State::Rejected,
    State::Failed,
    State::Stopped,
    State::Lost,
];

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What started a state change, strongest first (DESIGN.md "Sources").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Hook,
    Exit,
    Checkpoint,
    Screen,
    Activity,
    /// A person, through a minder command (new, stop, approve, reject, restore).
    Command,
    /// minder noticed the tmux session is gone.
    Tmux,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Worktree {
    pub path: PathBuf,
    pub branch: String,
    pub base: String,
    /// The repository the worktree belongs to (where `git worktree remove` runs).
    #[serde(default)]
    pub repo: PathBuf,
}

/// Log settings captured at creation, so the sink never depends on the config file changing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogSettings {
    pub max_size: u64,
    pub keep: usize,
    pub redact: Vec<String>,
}

/// How the session's state is detected, captured at creation for the same reason.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DetectSettings {
    #[serde(default)]
    pub waiting: Vec<String>,
    #[serde(default)]
    pub working: Vec<String>,
    #[serde(default)]
    pub idle: Vec<String>,
    #[serde(default)]
    pub integration: crate::agents::Integration,
    /// Milliseconds without output before a working agent is `stuck`.
    pub stuck_after_ms: u64,
    /// Milliseconds idle (not waiting) before the session is stopped; None = never.
    #[serde(default)]
    pub idle_ttl_ms: Option<u64>,
}

impl DetectSettings {
    pub fn screen_patterns(&self) -> crate::detect::ScreenPatterns {
        let re = |v: &[String]| v.iter().filter_map(|p| regex::Regex::new(p).ok()).collect();
        crate::detect::ScreenPatterns { waiting: re(&self.waiting), working: re(&self.working), idle: re(&self.idle) }
    }
}

/// Where the session runs in tmux.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TmuxIds {
    pub session_id: String,
    pub pane_id: String,
    pub pane_pid: Option<u32>,
}

/// One session's record: `session.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub schema: u32,
    pub name: String,
    pub task: String,
    pub agent: String,
    pub dir: PathBuf,
    pub command: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub state: State,
    #[serde(default)]
    pub detail: String,
    pub state_source: Source,
    pub state_at: DateTime<Utc>,
    #[serde(default)]
    pub tmux: TmuxIds,
    /// The tmux server's socket, so every later command reaches the server the session is on
    /// whatever `-L` or `$TMUX` says then.
    #[serde(default)]
    pub socket: Option<PathBuf>,
    pub width: u16,
    pub height: u16,
    pub checkpoint_dir: PathBuf,
    pub log_settings: LogSettings,
    #[serde(default)]
    pub detect: DetectSettings,
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub exit_signal: Option<i32>,
    /// Set by `stop` before it interrupts, so the exit that follows is recorded as `stopped`.
    #[serde(default)]
    pub stop_requested_at: Option<DateTime<Utc>>,
    /// Why it was stopped (`idle_ttl`), recorded with the exit that follows.
    #[serde(default)]
    pub stop_note: Option<String>,
    #[serde(default)]
    pub worktree: Option<Worktree>,
    #[serde(default)]
    pub attempt: Option<u32>,
    #[serde(default)]
    pub last_message: Option<String>,
    #[serde(default)]
    pub thread_id: Option<String>,
    #[serde(default)]
    pub goal: Option<String>,
    /// The commit diffs are taken against (the worktree's base, else HEAD at creation).
    #[serde(default)]
    pub base_commit: Option<String>,
    /// Set by `approve`: the push gate opens.
    #[serde(default)]
    pub approved_at: Option<DateTime<Utc>>,
}

/// One line of `events.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub state: State,
    #[serde(default)]
    pub detail: String,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The sessions under one state dir.
#[derive(Clone, Debug)]
pub struct Store {
    pub state_dir: PathBuf,
}

impl Store {
    pub fn new(state_dir: PathBuf) -> Store {
        Store { state_dir }
    }

    pub fn paths(&self, name: &str) -> SessionPaths {
        SessionPaths::new(&self.state_dir, name)
    }

    pub fn sessions_dir(&self) -> PathBuf {
        self.state_dir.join("sessions")
    }

    /// Make sure the state dir exists (0700).
    pub fn ensure(&self) -> Result<()> {
        fsutil::create_private_dir_all(&self.sessions_dir())
    }

    /// Names of all sessions with a record, sorted.
    pub fn names(&self) -> Result<Vec<String>> {
        let dir = self.sessions_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", dir.display())),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| crate::naming::is_valid_word(n))
            .collect();
        names.sort();
        Ok(names)
    }

    pub fn load(&self, name: &str) -> Result<Record> {
        load_record(&self.paths(name).record())
    }

    /// Every readable record; unreadable ones are skipped with a warning. A folder without a
    /// record yet (a `new` claiming its name) is skipped quietly.
    pub fn load_all(&self) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        for name in self.names()? {
            let path = self.paths(&name).record();
            match std::fs::read(&path) {
                Ok(data) => match serde_json::from_slice(&data) {
                    Ok(r) => out.push(r),
                    Err(e) => tracing::warn!("skipping session `{name}`: corrupt record `{}`: {e}", path.display()),
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("skipping session `{name}`: cannot read `{}`: {e}", path.display()),
            }
        }
        Ok(out)
    }

    /// Like `save`, without the fsync: for a record rewritten durably a moment later.
    pub fn save_quick(&self, record: &Record) -> Result<()> {
        let path = self.paths(&record.name).record();
        let json = serde_json::to_vec_pretty(record)?;
        fsutil::write_atomic_quick(&path, &json)
    }

    pub fn save(&self, record: &Record) -> Result<()> {
        let path = self.paths(&record.name).record();
        let json = serde_json::to_vec_pretty(record)?;
        fsutil::write_atomic(&path, &json)
    }

    /// Read-modify-write a record under its lock.
    pub fn update<T>(&self, name: &str, f: impl FnOnce(&mut Record) -> T) -> Result<(Record, T)> {
        let _guard = self.lock_session(name)?;
        let mut record = self.load(name)?;
        let out = f(&mut record);
        self.save(&record)?;
        Ok((record, out))
    }

    /// `update` without the fsync, for `new`'s hot path: the record is replaced by rename,
    /// which readers see whole, and it is rewritten durably at its next state change.
    pub fn update_quick<T>(&self, name: &str, f: impl FnOnce(&mut Record) -> T) -> Result<(Record, T)> {
        let _guard = self.lock_session(name)?;
        let mut record = self.load(name)?;
        let out = f(&mut record);
        self.save_quick(&record)?;
        Ok((record, out))
    }

    /// Change the state (if it differs), stamp it, and append the event; all under the lock.
    pub fn transition(
        &self,
        name: &str,
        state: State,
        detail: &str,
        source: Source,
        note: Option<String>,
    ) -> Result<Record> {
        let (record, _) = self.transition_with(name, source, |r| {
            (r.state != state || r.detail != detail).then(|| (state, detail.to_string(), note))
        })?;
        Ok(record)
    }

    /// The one way a state changes: under the session's lock, `decide` looks at the record
    /// (and may set other fields of it) and returns the new state, detail and note, or None to
    /// leave it be. A change is stamped, saved and appended to the event log. Returns the
    /// record and whether it changed.
    pub fn transition_with(
        &self,
        name: &str,
        source: Source,
        decide: impl FnOnce(&mut Record) -> Option<(State, String, Option<String>)>,
    ) -> Result<(Record, bool)> {
        let _guard = self.lock_session(name)?;
        let mut record = self.load(name)?;
        let Some((state, detail, note)) = decide(&mut record) else { return Ok((record, false)) };
        apply_transition(&mut record, state, &detail, source);
        self.save(&record)?;
        self.append_event(name, &Event { at: record.state_at, state, detail, source, note })?;
        Ok((record, true))
    }

    pub fn append_event(&self, name: &str, event: &Event) -> Result<()> {
        let line = serde_json::to_string(event)?;
        fsutil::append_line(&self.paths(name).events(), &line)
    }

    pub fn events(&self, name: &str) -> Result<Vec<Event>> {
        let path = self.paths(name).events();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", path.display())),
        };
        Ok(text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
    }

    /// Exclusive lock on one session's records (held until the guard drops): flock(2) on the
    /// session's folder itself, so there is no lock file to create, and a folder `rm` removed
    /// is never re-created by a late writer.
    pub fn lock_session(&self, name: &str) -> Result<File> {
        let dir = self.paths(name).root;
        let file = File::open(&dir).with_context(|| format!("no session folder `{}` (removed?)", dir.display()))?;
        file.lock().with_context(|| format!("cannot lock `{}`", dir.display()))?;
        Ok(file)
    }

    /// Exclusive lock over the whole state dir: taken by `new` so that the name claim and the
    /// `max_sessions` count are atomic across processes.
    pub fn lock_all(&self) -> Result<File> {
        self.ensure()?;
        lock_file(&self.state_dir.join("lock"))
    }
}

fn apply_transition(record: &mut Record, state: State, detail: &str, source: Source) {
    record.state = state;
    record.detail = detail.to_string();
    record.state_source = source;
    record.state_at = Utc::now();
}

/// A plain record for unit tests.
#[cfg(test)]
pub fn sample_record(name: &str, agent: &str, state: State) -> Record {
    let now = Utc::now();
    Record {
        schema: SCHEMA_VERSION,
        name: name.into(),
        task: name.rsplit('-').next().unwrap_or(name).into(),
        agent: agent.into(),
        dir: "/".into(),
        command: vec![agent.into()],
        created_at: now,
        state,
        detail: String::new(),
        state_source: Source::Command,
        state_at: now,
        tmux: TmuxIds::default(),
        socket: None,
        width: 80,
        height: 24,
        checkpoint_dir: "/".into(),
        log_settings: LogSettings { max_size: 0, keep: 0, redact: vec![] },
        detect: DetectSettings::default(),
        ended_at: None,
        exit_code: None,
        exit_signal: None,
        stop_requested_at: None,
        stop_note: None,
        worktree: None,
        attempt: None,
        last_message: None,
        thread_id: None,
        goal: None,
        base_commit: None,
        approved_at: None,
    }
}

fn lock_file(path: &Path) -> Result<File> {
    // Never re-create a session folder that `rm` removed: the lock file's folder must exist.
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            anyhow::bail!("`{}` does not exist (removed?)", dir.display());
        }
    }
    let file = fsutil::open_private_append(path)?;
    file.lock().with_context(|| format!("cannot lock `{}`", path.display()))?;
    Ok(file)
}

pub fn load_record(path: &Path) -> Result<Record> {
    let data = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let record: Record = serde_json::from_slice(&data)
        .with_context(|| format!("corrupt session record `{}`", path.display()))?;
    Ok(record)
}

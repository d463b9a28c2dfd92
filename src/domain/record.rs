//! A session's record (`session.json`) and the lines of its event log, as plain data.

use super::state::{Source, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub const SCHEMA_VERSION: u32 = 1;
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

/// One check's last run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub command: String,
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    /// None: killed at the deadline, or it could not start (`error` says).
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its output (stdout and stderr), saved under the checkpoint folder's `artifacts/`.
    pub output: PathBuf,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// How the person is told of the session's transitions (`[notify]`), captured at creation (and
/// at each restore): every process that records a transition (the sink, a hook, the
/// supervisor, a command) finds it here, whatever config file it could read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NotifySettings {
    #[serde(default)]
    pub on: Vec<State>,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub desktop: bool,
    #[serde(default)]
    pub deadline_ms: u64,
}

impl NotifySettings {
    pub fn from_config(c: &crate::domain::config::NotifyConfig) -> NotifySettings {
        NotifySettings {
            on: c.on.clone(),
            command: c.command.clone(),
            desktop: c.desktop,
            deadline_ms: c.deadline.0.as_millis() as u64,
        }
    }

    /// Whether arriving in `state` tells anyone.
    pub fn tells(&self, state: State) -> bool {
        (!self.command.is_empty() || self.desktop) && self.on.contains(&state)
    }
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
    /// Where questions and idle prompts count; records made before it existed matched the
    /// whole screen bottom-first.
    #[serde(default)]
    pub region: crate::domain::detect::Region,
    #[serde(default)]
    pub integration: crate::domain::agents::Integration,
    /// A line-oriented program with no screen patterns of its own (a plain command): a prompt it
    /// leaves at the cursor (`(y/n)`, `? `, `: `) means it waits (`detect::line_prompt`).
    #[serde(default)]
    pub line_prompts: bool,
    /// Milliseconds without output before a working agent is `stuck`.
    pub stuck_after_ms: u64,
    /// Milliseconds idle (not waiting) before the session is stopped; None = never.
    #[serde(default)]
    pub idle_ttl_ms: Option<u64>,
}

impl DetectSettings {
    /// How `profile`'s state is detected, as a record keeps it (patterns as their sources, so a
    /// record never depends on the config file changing).
    pub fn for_profile(
        profile: &crate::domain::agents::Profile,
        stuck_after_ms: u64,
        idle_ttl_ms: Option<u64>,
    ) -> DetectSettings {
        let sources = |v: &[crate::domain::config::Pattern]| v.iter().map(|p| p.source.clone()).collect();
        DetectSettings {
            waiting: sources(&profile.waiting),
            working: sources(&profile.working),
            idle: sources(&profile.idle),
            region: profile.region,
            integration: profile.integration,
            line_prompts: profile.waiting.is_empty() && profile.integration == crate::domain::agents::Integration::None,
            stuck_after_ms,
            idle_ttl_ms,
        }
    }

    pub fn screen_patterns(&self) -> crate::domain::detect::ScreenPatterns {
        let re = |v: &[String]| v.iter().filter_map(|p| regex::Regex::new(p).ok()).collect();
        crate::domain::detect::ScreenPatterns {
            waiting: re(&self.waiting),
            working: re(&self.working),
            idle: re(&self.idle),
            region: self.region,
        }
    }
}

/// Where the session runs in tmux. The ids are hints (a restarted server hands out `$0` and `%0`
/// again); `minder_id` is the proof: the `@minder-id` this run's tmux session carries.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TmuxIds {
    pub session_id: String,
    pub pane_id: String,
    pub pane_pid: Option<u32>,
    /// Random, one per run (`new`, each `restore`), recorded before the tmux session is made.
    /// Empty in records written before ids existed.
    #[serde(default)]
    pub minder_id: String,
    /// The server the session was made on: its `#{pid}` and `#{start_time}`.
    #[serde(default)]
    pub server_pid: Option<u32>,
    #[serde(default)]
    pub server_started: Option<i64>,
}

impl TmuxIds {
    /// What proves a tmux session is the one these ids were recorded for (see
    /// `Record::identity`); `name` serves records made before ids existed.
    pub fn identity(&self, name: &str) -> crate::domain::panes::Identity {
        match (self.session_id.is_empty(), self.server_pid, self.server_started) {
            (false, Some(pid), Some(started)) => crate::domain::panes::Identity::session(
                &self.session_id,
                crate::domain::panes::ServerIdentity { pid, started },
            ),
            _ if !self.minder_id.is_empty() => crate::domain::panes::Identity::Id(self.minder_id.clone()),
            _ => crate::domain::panes::Identity::Name(name.to_string()),
        }
    }
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
    /// What the agent is doing (never `approved`/`rejected`: the person's verdict is `decision`);
    /// the state shown is derived from both, by `Record::state`.
    #[serde(rename = "state")]
    pub activity: State,
    #[serde(default, rename = "detail")]
    pub activity_detail: String,
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
    pub notify: NotifySettings,
    /// Checks run when the session reaches `review` (`new --check`, the profile's `check`),
    /// and how long each may take.
    #[serde(default)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub check_deadline_ms: u64,
    /// The last run of each check, in order.
    #[serde(default)]
    pub check_results: Vec<CheckResult>,
    /// The state before this one (set with each transition), for `[notify]`.
    #[serde(default)]
    pub previous_state: Option<State>,
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
    /// The person's latest decision (DESIGN.md "Decisions"), kept apart from what the agent is
    /// doing: nothing the agent does overwrites it, and it outlives the agent.
    #[serde(default)]
    pub decision: Option<Decision>,
    /// Every earlier decision, oldest first.
    #[serde(default)]
    pub decision_history: Vec<Decision>,
    /// What the agent has done since the decision, as last seen at a transition.
    #[serde(default)]
    pub since_decision: SinceDecision,
    /// Evidence outranked since the last transition, newest last (a few at most).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outranked: Vec<Outranked>,
    /// HEAD and time of the last `review` shown of this session: `approve` approves that commit.
    #[serde(default)]
    pub reviewed: Option<Reviewed>,
    /// Commits the agent itself made (recorded by minder's git shim), for a session in a shared
    /// checkout: `review` tells them apart from commits others made there.
    #[serde(default)]
    pub agent_commits: Vec<String>,
    /// The sandbox and network policy it runs under (`domain::fence`); None in records written
    /// before policies existed.
    #[serde(default)]
    pub fence: Option<crate::domain::fence::Fence>,
    /// The agent's own transcript and the tokens read from it (`domain::usage`); None for an
    /// agent that keeps none.
    #[serde(default)]
    pub transcript: Option<crate::domain::usage::Transcript>,
    /// Token budget (0 = none), what passing it does, and when it was passed.
    #[serde(default)]
    pub max_tokens: u64,
    #[serde(default)]
    pub on_budget: crate::domain::usage::OnBudget,
    #[serde(default)]
    pub budget_passed_at: Option<DateTime<Utc>>,
    /// Where this run's caller environment was left for the pane's supervisor, which deletes
    /// it (`store::runtime::handoff_dir`); None: the session folder's `env`, as records before
    /// it say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_file: Option<PathBuf>,
    /// Records written before decisions were kept apart had these; read once and turned into
    /// `decision` (see `Record::upgrade`), never written again.
    #[serde(default, skip_serializing)]
    approved_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing)]
    approved_commit: Option<String>,
    #[serde(default, skip_serializing)]
    rejected_at: Option<DateTime<Utc>>,
}

/// A person's verdict on a round of the agent's work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Approved,
    Rejected,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::Rejected => "rejected",
        }
    }

    pub fn state(self) -> State {
        match self {
            Verdict::Approved => State::Approved,
            Verdict::Rejected => State::Rejected,
        }
    }
}

/// One decision: `{"verdict","commit","at","note","round"}` in the JSON (DESIGN.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub verdict: Verdict,
    /// The commit decided on (the HEAD the review showed); None outside git.
    pub commit: Option<String>,
    pub at: DateTime<Utc>,
    /// The person's note, redacted as the log is.
    #[serde(default)]
    pub note: Option<String>,
    /// Which round of work it decides on: 1 for the first; the same round again when the work
    /// has not changed since the previous decision (a rejection reconsidered), else one more.
    pub round: u32,
}

/// What the agent did after the decision: commits on top of the decided one, and whether it
/// wrote a new RISKS.md (it says it finished another round).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinceDecision {
    #[serde(default)]
    pub commits: u32,
    #[serde(default)]
    pub new_risks: bool,
}

impl SinceDecision {
    /// The agent produced work the decision did not see.
    pub fn new_work(&self) -> bool {
        self.commits > 0 || self.new_risks
    }
}

/// The last review a person was shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewed {
    pub commit: Option<String>,
    pub at: DateTime<Utc>,
}

impl Record {
    /// What proves a tmux session is this record's: its session id on the server it was made
    /// on, once recorded (values the agent cannot set); before, its `@minder-id`; for a record
    /// written before ids existed, its name.
    pub fn identity(&self) -> crate::domain::panes::Identity {
        self.tmux.identity(&self.name)
    }

    /// The one constructor: a record for a session that starts now, `working`, with nothing
    /// known yet of tmux, its exit or its review.
    pub fn new(
        name: &str,
        task: &str,
        agent: &str,
        dir: &std::path::Path,
        command: Vec<String>,
        log_settings: LogSettings,
        detect: DetectSettings,
    ) -> Record {
        let now = Utc::now();
        Record {
            schema: SCHEMA_VERSION,
            name: name.into(),
            task: task.into(),
            agent: agent.into(),
            dir: dir.to_path_buf(),
            command,
            created_at: now,
            activity: State::Working,
            activity_detail: String::new(),
            state_source: Source::Command,
            state_at: now,
            tmux: TmuxIds::default(),
            socket: None,
            width: 200,
            height: 50,
            checkpoint_dir: dir.join(".minder").join(name),
            log_settings,
            detect,
            notify: NotifySettings::default(),
            checks: Vec::new(),
            check_deadline_ms: 0,
            check_results: Vec::new(),
            previous_state: None,
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
            decision: None,
            decision_history: Vec::new(),
            since_decision: SinceDecision::default(),
            outranked: Vec::new(),
            reviewed: None,
            agent_commits: Vec::new(),
            fence: None,
            transcript: None,
            env_file: None,
            max_tokens: 0,
            on_budget: Default::default(),
            budget_passed_at: None,
            approved_at: None,
            approved_commit: None,
            rejected_at: None,
        }
    }

    /// Forget the last run's end and tmux ids, for a session that starts again (`restore`).
    pub fn clear_run(&mut self) {
        self.ended_at = None;
        self.exit_code = None;
        self.exit_signal = None;
        self.stop_requested_at = None;
        self.stop_note = None;
        self.tmux = TmuxIds::default();
    }

    /// Where the session's work is: its worktree, else its directory.
    pub fn work_dir(&self) -> &std::path::Path {
        self.worktree.as_ref().map(|w| w.path.as_path()).unwrap_or(&self.dir)
    }

    /// Whether the agent has ended: its exit is recorded, or it cannot be running any more
    /// (stopped, lost). The one spelling of "ended".
    pub fn ended(&self) -> bool {
        self.ended_at.is_some() || matches!(self.activity, State::Stopped | State::Lost)
    }

    /// The state shown, derived from what the agent does and what the person decided
    /// (`domain::state::shown`).
    pub fn state(&self) -> State {
        self.shown().0
    }

    /// The detail shown with `state()`.
    pub fn detail(&self) -> String {
        self.shown().1
    }

    pub fn shown(&self) -> (State, String) {
        crate::domain::state::shown(self.activity, &self.activity_detail, self.decision.as_ref(), self.since_decision)
    }

    /// What the agent asks the person now (`approval`, `question`, `trust`), if anything.
    pub fn asking(&self) -> Option<&str> {
        crate::domain::state::asks(self.activity, &self.activity_detail).then_some(self.activity_detail.as_str())
    }

    /// The approved commit the push gate lets through (with its ancestors), if the latest
    /// decision approved; `Some(None)` for an approval outside git.
    pub fn approval(&self) -> Option<Option<&str>> {
        self.decision.as_ref().filter(|d| d.verdict == Verdict::Approved).map(|d| d.commit.as_deref())
    }

    /// When the latest decision rejected the work: only a RISKS.md written after it means done.
    pub fn rejected_at(&self) -> Option<DateTime<Utc>> {
        self.decision.as_ref().filter(|d| d.verdict == Verdict::Rejected).map(|d| d.at)
    }

    /// Record a decision: the previous one goes to the history, and the round is the same as
    /// its when nothing changed since (`since` is what the agent did after it).
    pub fn decide(&mut self, verdict: Verdict, commit: Option<String>, note: Option<String>, at: DateTime<Utc>) {
        let round = match &self.decision {
            None => 1,
            Some(d) if d.commit == commit && !self.since_decision.new_work() => d.round,
            Some(d) => d.round + 1,
        };
        if let Some(previous) = self.decision.take() {
            self.decision_history.push(previous);
        }
        self.decision = Some(Decision { verdict, commit, at, note, round });
        self.since_decision = SinceDecision::default();
    }

    /// A record written before decisions were kept apart: its `approved`/`rejected` state
    /// becomes a decision on a finished agent, with the commit it kept.
    pub fn upgrade(&mut self) {
        let verdict = match self.activity {
            State::Approved => Verdict::Approved,
            State::Rejected => Verdict::Rejected,
            _ => return,
        };
        if self.decision.is_none() {
            let (commit, at) = match verdict {
                Verdict::Approved => (self.approved_commit.take(), self.approved_at.take()),
                Verdict::Rejected => (None, self.rejected_at.take()),
            };
            let at = at.unwrap_or(self.state_at);
            self.decision = Some(Decision { verdict, commit, at, note: None, round: 1 });
        }
        // The agent had finished (a decision was made on its work) or has ended since.
        self.activity = if self.ended_at.is_some() && self.exit_code != Some(0) && self.stop_requested_at.is_none() {
            State::Failed
        } else if self.stop_requested_at.is_some() {
            State::Stopped
        } else {
            State::Review
        };
        self.activity_detail.clear();
    }

    /// Whether the agent is (believed) running, whatever its state says of the person's view:
    /// an agent in `review`, `approved` or `rejected` may still be at its prompt.
    pub fn running(&self) -> bool {
        !self.ended()
    }
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
    /// The screen pattern (or rule) that decided it, and the screen lines it matched, redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
}

/// What shows a piece of evidence: kept with the transition it causes, and with evidence that
/// was outranked, so `minder explain` can say why a session is in its state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Why {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
}

impl From<Option<String>> for Why {
    fn from(note: Option<String>) -> Why {
        Why { note, ..Why::default() }
    }
}

/// Evidence a stronger source outranked: it would have changed the state and did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outranked {
    pub at: DateTime<Utc>,
    pub source: Source,
    /// What it said (`working`, `waiting (input)`).
    pub said: String,
    /// Why it did not count.
    pub because: String,
    #[serde(default, flatten)]
    pub why: Why,
}

impl Event {
    /// Something noted in the session's history that changes no state (created, checks run,
    /// applied): shown with the state it happened in.
    pub fn noted(at: DateTime<Utc>, state: State, source: Source, note: String) -> Event {
        Event { at, state, detail: String::new(), source, note: Some(note), pattern: None, lines: Vec::new() }
    }
}

/// A plain record for unit tests.
#[cfg(test)]
pub fn sample_record(name: &str, agent: &str, state: State) -> Record {
    let logs = LogSettings { max_size: 0, keep: 0, redact: vec![] };
    let mut r = Record::new(
        name,
        name.rsplit('-').next().unwrap_or(name),
        agent,
        std::path::Path::new("/"),
        vec![agent.into()],
        logs,
        DetectSettings::default(),
    );
    match state {
        State::Approved => r.decide(Verdict::Approved, None, None, r.created_at),
        State::Rejected => r.decide(Verdict::Rejected, None, None, r.created_at),
        _ => {}
    }
    r.activity = if matches!(state, State::Approved | State::Rejected) { State::Review } else { state };
    r.checkpoint_dir = "/".into();
    r.width = 80;
    r.height = 24;
    r
}

//! The sink's eyes: it already sees every byte the agent prints, so it tracks activity, looks
//! at the screen once per burst after output settles, saves checkpoint versions, and notices
//! stuck and idle sessions from its own clock. A quiet session costs a wake-up a second and a
//! few stat(2) calls, never a tmux call.

use crate::domain::agents::Integration;
use crate::domain::detect::{self, Reading, ScreenPatterns};
use crate::domain::record::{Record, Why};
use crate::domain::state::Evidence;
use crate::domain::state::State;
use crate::sink::Hand;
use crate::store::paths::SessionPaths;
use crate::store::Store;
use crate::tmux::{Identity, Tmux};
use crate::tmux_cmd;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// Output quiet this long counts as "settled": time to look at the screen.
pub const SETTLE: Duration = Duration::from_millis(300);
/// While output keeps coming (a spinner redrawn every 100 ms never settles), the screen is
/// still looked at this often.
pub const LOOK_EVERY: Duration = Duration::from_secs(1);
/// An agent with hooks reports its turn's end itself; its idle screen is believed only once it
/// has lasted this long (an Esc that no hook reports; the moment before a first turn starts).
pub const IDLE_CONFIRM: Duration = Duration::from_secs(2);
/// How often checkpoint files are looked at while the agent is active, and when it is quiet.
const ACTIVE_TICK: Duration = Duration::from_millis(200);
const QUIET_TICK: Duration = Duration::from_secs(2);
const ASLEEP_TICK: Duration = Duration::from_secs(5);
/// "Active" means output within this long; "asleep", none for this long.
const ACTIVE_FOR: Duration = Duration::from_secs(10);
const ASLEEP_AFTER: Duration = Duration::from_secs(60);
/// While output streams, the record is looked at no more often than this.
const RECORD_EVERY: Duration = Duration::from_millis(100);
/// How often the agent's transcript is read for its tokens.
const USAGE_EVERY: Duration = Duration::from_secs(2);
/// Longest partial JSON line kept while reading `codex exec --json` events.
const MAX_EVENT_LINE: usize = 1 << 20;

#[derive(Debug, PartialEq, Eq)]
pub enum Tick {
    Running,
    AgentEnded,
}

pub struct Watch {
    hand: &'static dyn Hand,
    store: Store,
    name: String,
    paths: SessionPaths,
    record: Option<Record>,
    record_mtime: Option<SystemTime>,
    record_seen: Instant,
    /// The profile's screen patterns, compiled at the first look (a session that prints
    /// nothing, or only after `new` has returned, never pays for them on the way in).
    patterns: std::cell::OnceCell<ScreenPatterns>,
    /// Look for a line prompt at the cursor too (`DetectSettings::line_prompts`).
    line_prompts: bool,
    integration: Integration,
    stuck_after: Option<Duration>,
    idle_ttl: Option<Duration>,
    last_output: Instant,
    settle_pending: bool,
    /// The last look's verdict and the screen from its deciding line down.
    last_reading: Option<(Evidence, String)>,
    /// The screen at the last look after output stopped, and where its live region began.
    held_screen: Option<(String, usize)>,
    last_look: Instant,
    idle_seen: Option<Instant>,
    stuck_checked: bool,
    idle_stopped: bool,
    /// Times the agent was found ended with its pane still alive (tmux still reading it).
    ended_checks: u32,
    checkpoint_mtimes: Vec<Option<SystemTime>>,
    tmux: Option<Tmux>,
    event_line: Vec<u8>,
    /// When the notify inbox of a bubblewrap-fenced session was last emptied.
    inbox_looked: Instant,
    /// When the agent's transcript was last read for its tokens.
    usage_looked: Option<Instant>,
}

impl Watch {
    pub fn new(paths: &SessionPaths, record: Option<Record>, hand: &'static dyn Hand) -> Watch {
        let root = &paths.root;
        let name = root.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let state_dir = root.parent().and_then(|p| p.parent()).map(PathBuf::from).unwrap_or_default();
        let (integration, stuck_after, idle_ttl) = match &record {
            Some(r) => (
                r.detect.integration,
                (r.detect.stuck_after_ms > 0).then(|| Duration::from_millis(r.detect.stuck_after_ms)),
                r.detect.idle_ttl_ms.map(Duration::from_millis),
            ),
            None => (Integration::None, None, None),
        };
        let line_prompts = record.as_ref().is_some_and(|r| r.detect.line_prompts);
        Watch {
            hand,
            store: Store::new(state_dir),
            name,
            paths: paths.clone(),
            record,
            record_mtime: None,
            record_seen: Instant::now(),
            patterns: std::cell::OnceCell::new(),
            line_prompts,
            integration,
            stuck_after,
            idle_ttl,
            last_output: Instant::now(),
            settle_pending: false,
            last_reading: None,
            held_screen: None,
            last_look: Instant::now(),
            idle_seen: None,
            stuck_checked: false,
            idle_stopped: false,
            ended_checks: 0,
            checkpoint_mtimes: vec![None; crate::store::checkpoints::FILES.len()],
            tmux: None,
            event_line: Vec::new(),
            inbox_looked: Instant::now(),
            usage_looked: None,
        }
    }

    /// The screen patterns of the session's profile (none without a record).
    fn patterns(&self) -> &ScreenPatterns {
        self.patterns.get_or_init(|| self.record.as_ref().map(|r| r.detect.screen_patterns()).unwrap_or_default())
    }

    /// How long the sink may sleep before `tick` has something to do.
    pub fn next_wake(&self) -> Duration {
        let since = self.last_output.elapsed();
        // The exit wakes the sink through its FIFO (see `sink::wake`), so a long sleep delays
        // nothing that matters; only checkpoint files written in silence are seen later.
        let mut wake = if since < ACTIVE_FOR {
            ACTIVE_TICK
        } else if since < ASLEEP_AFTER {
            QUIET_TICK
        } else {
            ASLEEP_TICK
        };
        if self.settle_pending {
            wake = wake.min(SETTLE.saturating_sub(since).max(Duration::from_millis(10)));
        }
        if self.ended_checks > 0 {
            // Ended, pane not yet dead: tmux is about to finish with it.
            wake = wake.min(Duration::from_millis(50));
        }
        if let Some(seen) = self.idle_seen {
            wake = wake.min(IDLE_CONFIRM.saturating_sub(seen.elapsed()).max(Duration::from_millis(10)));
        }
        for limit in [self.stuck_after, self.idle_ttl].into_iter().flatten() {
            if since < limit {
                wake = wake.min(limit - since + Duration::from_millis(5));
            }
        }
        wake
    }

    /// The agent printed `data` (already redacted).
    pub fn output(&mut self, data: &[u8]) {
        self.last_output = Instant::now();
        self.settle_pending = true;
        self.stuck_checked = false;
        self.idle_stopped = false;
        if self.inbox_looked.elapsed() >= Duration::from_millis(200) {
            self.take_inbox();
        }
        self.read_usage(false);
        if self.integration == Integration::CodexExecJson {
            self.read_events(data);
        }
        if self.record_seen.elapsed() < RECORD_EVERY {
            return;
        }
        self.refresh_record();
        if matches!(self.record.as_ref().map(|r| r.activity), Some(State::Stuck)) {
            self.apply(Evidence::Output, Some("output resumed".to_string()));
        }
        // The sink only ticks when input pauses: an agent that never stops redrawing would
        // otherwise never have its screen (or its checkpoints) looked at.
        if self.last_look.elapsed() >= LOOK_EVERY {
            // `settle_pending` stays set: this look is of a screen still changing, where only
            // a busy marker counts, so the look once output goes quiet must still come.
            self.save_checkpoints();
            self.settle();
        }
    }

    /// Apply the events `minder notify` left in the inbox from inside a bubblewrap fence.
    fn take_inbox(&mut self) {
        self.inbox_looked = Instant::now();
        let fenced = self
            .record
            .as_ref()
            .and_then(|r| r.fence)
            .is_some_and(|f| f.by == crate::domain::fence::FenceBy::Bubblewrap);
        if !fenced {
            return;
        }
        let commits = crate::store::inbox::take_agent_commits(&self.paths);
        if !commits.is_empty() {
            let _ = self.store.update(&self.name, |r| {
                for c in commits {
                    if !r.agent_commits.contains(&c) {
                        r.agent_commits.push(c);
                    }
                }
            });
        }
        for payload in crate::store::inbox::take_events(&self.paths) {
            match crate::domain::detect::parse_hook(&payload) {
                Ok(report) => {
                    if let Err(e) = self.hand.hook_report(&self.store, &self.name, &report) {
                        tracing::warn!("notify from the fence: {e:#}");
                    }
                }
                Err(e) => tracing::info!("notify from the fence: unreadable event: {e}"),
            }
        }
    }

    /// Read what the agent's transcript gained (at most every `USAGE_EVERY`; `force` now).
    pub fn read_usage(&mut self, force: bool) {
        if self.record.as_ref().is_none_or(|r| r.transcript.is_none()) {
            return;
        }
        if !force && self.usage_looked.is_some_and(|t| t.elapsed() < USAGE_EVERY) {
            return;
        }
        self.usage_looked = Some(Instant::now());
        if let Err(e) = self.hand.usage(&self.store, &self.name) {
            tracing::debug!("reading the transcript: {e:#}");
        }
    }

    /// Time passed with no input.
    pub fn tick(&mut self) -> Tick {
        self.refresh_record();
        self.take_inbox();
        self.read_usage(false);
        if self.record.as_ref().map(|r| r.ended_at.is_some()).unwrap_or(false) {
            self.save_checkpoints();
            // The exit is recorded a moment before tmux has read the pane's last output. tmux
            // destroys a pane only once its pipe is flushed, so a dead pane (or a gone server)
            // means everything is in our input.
            // A process the agent left behind may hold the pane open for good: after two
            // seconds of quiet, what it prints is no longer the agent's.
            let long_quiet = self.ended_checks >= 40 && self.last_output.elapsed() >= Duration::from_secs(2);
            if long_quiet || self.pane_gone() {
                return Tick::AgentEnded;
            }
            self.ended_checks += 1;
            return Tick::Running;
        }
        self.save_checkpoints();
        let since = self.last_output.elapsed();
        let confirm_idle = self.idle_seen.map(|t| t.elapsed() >= IDLE_CONFIRM).unwrap_or(false);
        if (self.settle_pending && since >= SETTLE) || confirm_idle {
            self.settle_pending = false;
            self.settle();
        }
        if let Some(limit) = self.stuck_after {
            if since >= limit && !self.stuck_checked {
                self.stuck_checked = true;
                self.apply(Evidence::Quiet, Some(format!("no output for {}s", limit.as_secs())));
            }
        }
        if let Some(ttl) = self.idle_ttl {
            let state = self.record.as_ref().map(|r| r.activity);
            if since >= ttl && !self.idle_stopped && matches!(state, Some(State::Working | State::Stuck)) {
                self.idle_stopped = true;
                self.stop_idle(ttl);
            }
        }
        Tick::Running
    }

    fn refresh_record(&mut self) {
        self.record_seen = Instant::now();
        let mtime = std::fs::metadata(self.paths.record()).and_then(|m| m.modified()).ok();
        if mtime.is_some() && mtime == self.record_mtime {
            return;
        }
        if let Ok(r) = crate::store::load_record(&self.paths.record()) {
            self.record = Some(r);
            self.record_mtime = mtime;
        }
    }

    /// Output settled: ask the screen what it means; without an opinion, output is output.
    fn settle(&mut self) {
        self.last_look = Instant::now();
        let quiet = self.last_output.elapsed() >= SETTLE;
        let look = if self.patterns().is_empty() && !self.line_prompts { None } else { self.screen() };
        let reading = look.and_then(|(s, cursor)| {
            // The live region of a line-oriented program: what it wrote since the screen last
            // held still (the same screen keeps the region it had).
            let fresh = match &self.held_screen {
                Some((before, fresh)) if *before == s => *fresh,
                Some((before, _)) => detect::fresh_from(before, &s),
                None => 0,
            };
            let reading = detect::read_screen(&s, fresh, self.patterns())
                .or_else(|| cursor.filter(|_| self.line_prompts).and_then(|c| detect::line_prompt(&s, c)))
                .map(|r| {
                    let held = around(&s, r.from);
                    (r, held)
                });
            if quiet {
                self.held_screen = Some((s, fresh));
            }
            reading
        });
        let seen = reading.as_ref().map(|(r, held)| (r.evidence.clone(), held.clone()));
        // The part of the screen the verdict comes from, as at the last look: held still.
        let steady = seen.is_some() && seen == self.last_reading;
        self.last_reading = seen;
        let asking = matches!(reading, Some((Reading { evidence: Evidence::ScreenWaiting(_), .. }, _)));
        let verdict =
            crate::domain::state::screen_evidence(reading.as_ref().map(|(r, _)| r.evidence.clone()), quiet || steady);
        let why = reading.map(|(r, _)| self.why(&r)).unwrap_or_default();
        let hooked = matches!(self.integration, Integration::CodexNotify | Integration::ClaudeHooks);
        let working = matches!(self.record.as_ref().map(|r| r.activity), Some(State::Working));
        // Only output that has stopped says a turn may be over (settle also runs once a second
        // while output streams).
        let quiet_no_opinion = verdict.is_none() && self.last_output.elapsed() >= SETTLE;
        match verdict {
            Some(Evidence::ScreenIdle) if hooked && working => {
                let seen = *self.idle_seen.get_or_insert_with(Instant::now);
                if seen.elapsed() >= IDLE_CONFIRM {
                    self.idle_seen = None;
                    self.apply(Evidence::ScreenIdle, Why { note: Some("idle screen, no hook".into()), ..why });
                }
            }
            Some(ev) => {
                self.idle_seen = None;
                self.apply(ev, why)
            }
            // A question still in the live region while the screen moves (a dialog drawn in
            // parts, a clock ticking elsewhere) was not answered: that output is not work.
            None if asking => self.idle_seen = None,
            None => {
                self.idle_seen = None;
                self.apply(Evidence::Output, Why::default())
            }
        }
        let no_idle_pattern = self.patterns().idle.is_empty();
        self.apply_risks(quiet_no_opinion && no_idle_pattern);
    }

    /// What shows a reading, for `explain`: its pattern and (a few, cut short) screen lines.
    /// They are the agent's screen, read from tmux, not the redacted log: `ops::evidence`
    /// redacts them before they are kept, and only when they decide something (a redactor per
    /// look would cost the sink memory for nothing).
    fn why(&self, r: &Reading) -> Why {
        const LINES: usize = 8;
        const WIDTH: usize = 240;
        let lines = r.lines.iter().take(LINES).map(|l| l.chars().take(WIDTH).collect()).collect();
        Why { note: None, pattern: Some(r.pattern.clone()), lines }
    }

    /// tmux for the agent's server, its pane id and what proves the pane is still its own,
    /// once they are recorded.
    fn agent_pane(&mut self) -> Option<(&Tmux, String, Identity)> {
        let record = self.record.as_ref()?;
        if record.tmux.pane_id.is_empty() {
            return None;
        }
        let pane = record.tmux.pane_id.clone();
        let who = record.identity();
        if self.tmux.is_none() {
            self.tmux = Tmux::at_socket(record.socket.as_deref()?).ok();
        }
        Some((self.tmux.as_ref()?, pane, who))
    }

    /// Whether tmux has finished with the agent's pane: dead, gone, or the server gone. Before
    /// `new` has recorded the pane (an agent that exits at once), the answer is "not yet".
    fn pane_gone(&mut self) -> bool {
        match self.agent_pane() {
            Some((tmux, pane, who)) => tmux.pane_finished(&pane, &who),
            None => false,
        }
    }

    /// The agent's screen, from the pane only while it is in the agent's own session.
    /// The visible screen and, in the same tmux call, the cursor (column, row).
    fn screen(&mut self) -> Option<(String, Option<(usize, usize)>)> {
        let (tmux, pane, who) = self.agent_pane()?;
        let cursor = tmux_cmd!["display-message", "-p", "-t", pane, "#{cursor_x},#{cursor_y}"];
        let out = tmux.batch_if(&pane, &who, &[tmux_cmd!["capture-pane", "-p", "-t", pane], cursor]).ok().flatten()?;
        Some(detect::split_cursor(&out))
    }

    fn apply_risks(&mut self, settled_without_idle: bool) {
        let Some(record) = self.record.as_ref() else { return };
        match self.hand.risks(&self.store, record, settled_without_idle) {
            Ok(Some(r)) => self.record = Some(r),
            Ok(None) => {}
            Err(e) => tracing::debug!("applying RISKS.md: {e:#}"),
        }
    }

    fn apply(&mut self, evidence: Evidence, why: impl Into<Why>) {
        match self.hand.evidence(&self.store, &self.name, &evidence, why.into()) {
            Ok(Some(r)) => self.record = Some(r),
            Ok(None) => {}
            Err(e) => tracing::debug!("applying {evidence:?}: {e:#}"),
        }
    }

    /// Save every new version of PLAN.md, STATUS.md and RISKS.md (checked by mtime, so a quiet
    /// session costs three stat calls a tick). This runs on the sink's own thread, between
    /// reads of its input, so it must never block: the files are the agent's, and are read
    /// only through `store::untrusted` (never opened when a FIFO, a device or a link, at most
    /// 1 MiB of each), and stat'ed without following a link.
    fn save_checkpoints(&mut self) {
        let Some(dir) = self.record.as_ref().map(|r| r.checkpoint_dir.clone()) else { return };
        let mut changed = false;
        for (i, file) in crate::store::checkpoints::FILES.iter().enumerate() {
            let m = std::fs::symlink_metadata(dir.join(file)).and_then(|m| m.modified()).ok();
            if m != self.checkpoint_mtimes[i] {
                self.checkpoint_mtimes[i] = m;
                changed = true;
            }
        }
        if changed {
            let user = self.record.as_ref().map(|r| r.log_settings.redact.clone()).unwrap_or_default();
            let extra = crate::store::secrets::redactions(&self.paths, &user);
            let redact =
                |bytes: &[u8]| crate::redact::redact_text(&String::from_utf8_lossy(bytes), &extra).into_bytes();
            if let Err(e) = crate::store::checkpoints::snapshot(&self.store, &self.name, &dir, &redact) {
                tracing::debug!("saving checkpoints: {e:#}");
            }
            self.apply_risks(false);
        }
    }

    /// `codex exec --json` (or Claude Code's stream-json): each complete line is an event; what
    /// it says of the reply and the thread is recorded as `notify` records a hook's, and its
    /// evidence applied.
    fn read_events(&mut self, data: &[u8]) {
        for &b in data {
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.event_line).to_string();
                self.event_line.clear();
                let Some(report) = detect::exec_event(&line) else { continue };
                if report.last_message.is_some() || report.thread_id.is_some() {
                    let updated = self.store.update(&self.name, |r| {
                        if let Some(m) = &report.last_message {
                            r.last_message = Some(m.clone());
                        }
                        if let Some(t) = &report.thread_id {
                            r.thread_id = Some(t.clone());
                        }
                    });
                    if let Err(e) = updated {
                        tracing::debug!("recording {}: {e:#}", report.event);
                    }
                }
                if let Some(ev) = report.evidence {
                    self.refresh_record();
                    self.apply(ev, Some(report.event.clone()));
                }
            } else if self.event_line.len() < MAX_EVENT_LINE {
                self.event_line.push(b);
            }
        }
    }

    /// `idle_ttl`: stop the session the way `minder stop` does, recorded as such.
    fn stop_idle(&mut self, ttl: Duration) {
        self.hand.stop(&self.store, &self.name, &format!("idle for {}s (idle_ttl)", ttl.as_secs()));
    }
}

/// The screen from `CONTEXT_ABOVE` lines above `from` (a line start) to its end: what must be
/// the same at two looks for a verdict seen while output streams to count. The lines above
/// are there so that text streaming past, whose last line is always at the bottom, is seen to
/// move.
fn around(screen: &str, from: usize) -> String {
    const CONTEXT_ABOVE: usize = 4;
    let mut start = from;
    for _ in 0..CONTEXT_ABOVE {
        match screen[..start.saturating_sub(1)].rfind('\n') {
            Some(n) if start > 0 => start = n + 1,
            _ => {
                start = 0;
                break;
            }
        }
    }
    screen[start..].trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::around;

    #[test]
    fn around_takes_four_lines_above_the_deciding_line() {
        let screen = "a\nb\nc\nd\ne\nf\nPROMPT\ng  \n\n";
        let from = screen.find("PROMPT").unwrap();
        assert_eq!(around(screen, from), "c\nd\ne\nf\nPROMPT\ng");
        assert_eq!(around(screen, 0), screen.trim_end());
        let near_top = "x\nPROMPT\n";
        assert_eq!(around(near_top, near_top.find("PROMPT").unwrap()), "x\nPROMPT");
    }
}

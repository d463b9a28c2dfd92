//! Where a state changes: the states of DESIGN.md, their sources, and every rule that moves a
//! session from one to another — evidence precedence, exits and signals, the risk summary, the
//! attention order. Pure; `store::Store::transition_with` writes what these decide.

use super::record::{Decision, SinceDecision};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// The state an exit means. A stop minder asked for is `stopped`; a clean exit asks for review.
pub fn exit_outcome(stop_requested: bool, status: Option<i32>, signal: Option<i32>) -> (State, String) {
    if stop_requested {
        return (State::Stopped, String::new());
    }
    match (status, signal) {
        (_, Some(sig)) => (State::Failed, signal_name(sig)),
        (Some(0), None) => (State::Review, String::new()),
        (Some(code), None) => (State::Failed, code.to_string()),
        (None, None) => (State::Failed, "unknown exit".into()),
    }
}

pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}

/// Attention order (DESIGN.md "The dash"), the one order every view lists in — `ls`, the dash,
/// the review popup, `attach` with no name, the status segment and the login summary: lower
/// first.
pub fn attention_rank(state: State) -> u8 {
    ATTENTION.iter().position(|s| *s == state).unwrap_or(ATTENTION.len()) as u8
}

/// The states in attention order.
pub const ATTENTION: [State; 9] = [
    State::Waiting,
    State::Review,
    State::Failed,
    State::Lost,
    State::Stuck,
    State::Working,
    State::Approved,
    State::Rejected,
    State::Stopped,
];

/// Sessions `ls` shows without `--all`: live ones and ended ones that still need a person.
pub fn listed_by_default(state: State, running: bool) -> bool {
    running || !matches!(state, State::Stopped | State::Approved | State::Rejected)
}

/// The state shown for an agent doing `activity` (`detail`) on whose work the person decided
/// `decision` (DESIGN.md "Decisions"); the agent did `since` after that decision. The one
/// place the two are combined:
/// - a live question (an approval, a question, trust) is shown whatever was decided;
/// - an agent working again shows `working` (or `stuck`), the decision named in the detail;
/// - an agent that failed or was lost shows that: the person must see it, and the decision
///   stays in the record (`apply` still works);
/// - a finished agent (exited 0, at its prompt, stopped) shows the verdict while the decision
///   is on its latest round; once it did new work (commits on top, a new RISKS.md) that work
///   is shown as the agent left it, as if undecided.
pub fn shown(activity: State, detail: &str, decision: Option<&Decision>, since: SinceDecision) -> (State, String) {
    let Some(d) = decision else { return (activity, detail.to_string()) };
    let decided = || match &d.commit {
        Some(c) => format!("{} {}", d.verdict.as_str(), short_commit(c)),
        None => d.verdict.as_str().to_string(),
    };
    match activity {
        _ if asks(activity, detail) => (activity, detail.to_string()),
        State::Working | State::Stuck => {
            let since = match since.commits {
                0 => String::new(),
                1 => ", 1 commit since".into(),
                n => format!(", {n} commits since"),
            };
            (activity, format!("{}{since}", decided()))
        }
        State::Failed | State::Lost => (activity, detail.to_string()),
        State::Review | State::Waiting | State::Stopped if !since.new_work() => {
            (d.verdict.state(), d.commit.as_deref().map(short_commit).unwrap_or_default().to_string())
        }
        _ => (activity, detail.to_string()),
    }
}

/// Whether an agent in `state` (`detail`) asks the person something now: an approval, a
/// question, a trust dialog. `waiting (input)` is a turn that is over, not a question.
pub fn asks(state: State, detail: &str) -> bool {
    state == State::Waiting && detail != "input"
}

/// A commit as people read it.
pub fn short_commit(commit: &str) -> &str {
    &commit[..commit.len().min(7)]
}

/// Something minder learned about a live agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A hook says the agent waits for an approval.
    HookApproval,
    /// A hook says the agent asks the person a question (Claude Code's AskUserQuestion, an MCP
    /// server's elicitation).
    HookQuestion,
    /// A hook says the agent's turn is over: it waits for input.
    HookTurnDone,
    /// A hook says the agent is working (a prompt was submitted, a tool runs).
    HookWorking,
    /// The screen shows a question for the person: an approval prompt (`approval`), a question
    /// the agent asks (`question`), a folder-trust dialog (`trust`); the detail comes from the
    /// named group of the waiting pattern that matched (see [`classify_screen`]).
    ScreenWaiting(&'static str),
    /// The screen shows the agent busy.
    ScreenWorking,
    /// The screen shows the agent idle at its prompt.
    ScreenIdle,
    /// Output arrived and the screen says nothing either way.
    Output,
    /// No output for `stuck_after`.
    Quiet,
    /// RISKS.md exists in the checkpoint folder.
    RisksWritten,
    /// RISKS.md exists and output has settled, for a profile with no idle patterns (nothing else
    /// can tell that its turn is over).
    RisksSettled,
}

impl Evidence {
    pub fn source(&self) -> Source {
        match self {
            Evidence::HookApproval | Evidence::HookQuestion | Evidence::HookTurnDone | Evidence::HookWorking => {
                Source::Hook
            }
            Evidence::ScreenWaiting(_) | Evidence::ScreenWorking | Evidence::ScreenIdle => Source::Screen,
            Evidence::Output | Evidence::Quiet => Source::Activity,
            Evidence::RisksWritten | Evidence::RisksSettled => Source::Checkpoint,
        }
    }
}

/// What a rule moves the session to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    Working,
    Waiting(&'static str),
    /// Waiting, with the detail the evidence carries.
    WaitingAsShown,
    Stuck,
    Review,
}

/// A state a rule applies in; `Waiting` may be narrowed to one detail.
#[derive(Clone, Copy, Debug)]
pub enum In {
    Any,
    Is(State),
    WaitingFor(&'static [&'static str]),
}

/// The details of a wait for the person that only the screen can see end: nothing reports an
/// approval granted, a question answered or a folder trusted.
const ASKED: &[&str] = &["approval", "question", "trust"];

struct Rule {
    on: Evidence,
    from: &'static [In],
    to: To,
}

use In::{Any, Is, WaitingFor};

/// The precedence of sources, written down: hooks win everywhere; the screen corrects a stale
/// hook state (an approval granted without an event, an Esc that no hook reports); output means
/// work has resumed only where the screen has no opinion; quiet means stuck only while working;
/// RISKS.md means done only once a turn is over. Ended states (exit, stop, lost) never reach
/// these rules: the caller guards them.
const RULES: &[Rule] = &[
    Rule { on: Evidence::HookApproval, from: &[Any], to: To::Waiting("approval") },
    Rule { on: Evidence::HookQuestion, from: &[Any], to: To::Waiting("question") },
    Rule { on: Evidence::HookTurnDone, from: &[Any], to: To::Waiting("input") },
    Rule { on: Evidence::HookWorking, from: &[Any], to: To::Working },
    Rule { on: Evidence::ScreenWaiting(""), from: &[Any], to: To::WaitingAsShown },
    Rule {
        on: Evidence::ScreenWorking,
        from: &[Is(State::Waiting), Is(State::Stuck), Is(State::Review), Is(State::Rejected), Is(State::Approved)],
        to: To::Working,
    },
    Rule {
        on: Evidence::ScreenIdle,
        from: &[Is(State::Working), Is(State::Stuck), Is(State::Rejected), WaitingFor(ASKED)],
        to: To::Waiting("input"),
    },
    Rule { on: Evidence::Output, from: &[Is(State::Stuck), Is(State::Rejected), WaitingFor(ASKED)], to: To::Working },
    Rule { on: Evidence::Quiet, from: &[Is(State::Working)], to: To::Stuck },
    // A live question (an approval, a question, a trust prompt) beats a risk summary: only a
    // turn that is over counts.
    Rule { on: Evidence::RisksWritten, from: &[WaitingFor(&["input"])], to: To::Review },
    Rule { on: Evidence::RisksSettled, from: &[Is(State::Working), WaitingFor(&["input"])], to: To::Review },
];

/// What a look at the screen is evidence of, given whether it had settled. A screen that is
/// still changing (a file streamed past, a log scrolling) may show a question or a prompt in
/// passing: only a settled screen says the agent waits or is idle. Settled means output has
/// stopped, or the screen from the deciding line down is as it was at the last look (an agent
/// that animates a logo above its prompt never stops printing). That it is busy, a screen can
/// say at any time (a spinner redrawn ten times a second never settles).
pub fn screen_evidence(seen: Option<Evidence>, settled: bool) -> Option<Evidence> {
    match seen {
        Some(Evidence::ScreenWaiting(_) | Evidence::ScreenIdle) if !settled => None,
        other => other,
    }
}

fn applies(from: &In, state: State, detail: &str) -> bool {
    match from {
        Any => true,
        Is(s) => *s == state,
        WaitingFor(details) => state == State::Waiting && details.contains(&detail),
    }
}

/// Rules are keyed on the kind of evidence; the detail a screen wait carries is not part of it.
fn same_kind(a: &Evidence, b: &Evidence) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// The state `evidence` moves a live session in (`state`, `detail`) to, if it changes anything.
pub fn next_state(state: State, detail: &str, evidence: &Evidence) -> Option<(State, String)> {
    let rule = RULES.iter().find(|r| same_kind(&r.on, evidence) && r.from.iter().any(|f| applies(f, state, detail)))?;
    let (to, to_detail) = match rule.to {
        To::Working => (State::Working, ""),
        To::Waiting(d) => (State::Waiting, d),
        To::WaitingAsShown => match evidence {
            Evidence::ScreenWaiting(d) if !d.is_empty() => (State::Waiting, *d),
            _ => (State::Waiting, "approval"),
        },
        To::Stuck => (State::Stuck, ""),
        To::Review => (State::Review, "risks"),
    };
    (to != state || to_detail != detail).then(|| (to, to_detail.to_string()))
}

/// A hook speaks of the moment it fires; the screen is drawn a moment behind. For this long
/// after a hook set the state, a look at the screen that says otherwise is about the same
/// moment, and the hook wins.
pub const HOOK_HOLD: std::time::Duration = std::time::Duration::from_secs(2);

/// What one piece of evidence does to a live session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The state moves.
    Move(State, String),
    /// It would move the state, but stronger evidence about the same moment says otherwise.
    Outranked(&'static str),
    /// Nothing changes.
    Same,
}

/// [`next_state`], weighed against the source of the state it would change (`state_source`,
/// set `age` ago): weaker evidence never overturns stronger evidence about the same moment.
/// Output never ends a wait a hook reported (Claude Code draws its own permission dialog after
/// its hook: that is output, not work); the screen does not overturn a hook for
/// [`HOOK_HOLD`] (Codex's Stop hook runs while its screen still shows it busy), and corrects a
/// stale one after that (an approval granted, an Esc, that no hook reports).
pub fn step(state: State, detail: &str, state_source: Source, age: std::time::Duration, evidence: &Evidence) -> Step {
    let Some((to, to_detail)) = next_state(state, detail, evidence) else { return Step::Same };
    if state_source == Source::Hook {
        match evidence.source() {
            Source::Activity if state == State::Waiting => {
                return Step::Outranked("a hook reported this wait, and output alone does not end it")
            }
            Source::Screen if age < HOOK_HOLD => {
                return Step::Outranked("a hook spoke about this moment, and the screen is drawn a moment behind")
            }
            _ => {}
        }
    }
    Step::Move(to, to_detail)
}

/// Whether a RISKS.md last written at `written` means "done": after a rejection, only one
/// written after it does (the old summary is what the person rejected).
pub fn risks_count(written: Option<DateTime<Utc>>, rejected_at: Option<DateTime<Utc>>) -> bool {
    match (written, rejected_at) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(w), Some(r)) => w > r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_settled_screen_says_waiting_or_idle() {
        let approval = Some(Evidence::ScreenWaiting("approval"));
        assert_eq!(screen_evidence(approval.clone(), true), approval);
        assert_eq!(screen_evidence(approval, false), None);
        assert_eq!(screen_evidence(Some(Evidence::ScreenIdle), false), None);
        assert_eq!(screen_evidence(Some(Evidence::ScreenWorking), false), Some(Evidence::ScreenWorking));
        assert_eq!(screen_evidence(None, true), None);
    }

    /// The whole table: every activity × no decision / approved / rejected × new work or not
    /// (an ended agent is one whose activity is review, failed, stopped or lost).
    #[test]
    fn the_state_shown_from_activity_and_decision() {
        use crate::domain::record::{Decision, SinceDecision, Verdict};
        let at = chrono::Utc::now();
        let decision = |verdict| Decision { verdict, commit: Some("3f2a1c0deadbeef".into()), at, note: None, round: 1 };
        let none = SinceDecision::default();
        let commits = SinceDecision { commits: 2, new_risks: false };
        let risks = SinceDecision { commits: 0, new_risks: true };
        let activities: &[(State, &str)] = &[
            (State::Working, ""),
            (State::Stuck, ""),
            (State::Waiting, "approval"),
            (State::Waiting, "question"),
            (State::Waiting, "trust"),
            (State::Waiting, "input"),
            (State::Review, ""),
            (State::Review, "risks"),
            (State::Failed, "3"),
            (State::Stopped, ""),
            (State::Lost, ""),
        ];
        for &(activity, detail) in activities {
            // Undecided: the activity as it is.
            for since in [none, commits, risks] {
                assert_eq!(shown(activity, detail, None, since), (activity, detail.to_string()));
            }
            for verdict in [Verdict::Approved, Verdict::Rejected] {
                let d = decision(verdict);
                for since in [none, commits, risks] {
                    let got = shown(activity, detail, Some(&d), since);
                    let want = match activity {
                        // A live question is shown whatever was decided.
                        State::Waiting if detail != "input" => (State::Waiting, detail.to_string()),
                        // Working again: the decision named, with the commits since.
                        State::Working | State::Stuck if since.commits == 2 => {
                            (activity, format!("{} 3f2a1c0, 2 commits since", verdict.as_str()))
                        }
                        State::Working | State::Stuck => (activity, format!("{} 3f2a1c0", verdict.as_str())),
                        // What the person must see of an agent's end stays.
                        State::Failed | State::Lost => (activity, detail.to_string()),
                        // Finished with nothing new: the verdict; with new work: as undecided.
                        _ if !since.new_work() => (verdict.state(), "3f2a1c0".to_string()),
                        _ => (activity, detail.to_string()),
                    };
                    assert_eq!(got, want, "{activity} ({detail}), {verdict:?}, {since:?}");
                }
            }
        }
    }

    #[test]
    fn one_attention_order_for_every_view() {
        let mut all = ALL_STATES.to_vec();
        all.sort_by_key(|s| attention_rank(*s));
        assert_eq!(all, ATTENTION);
        assert_eq!(attention_rank(State::Waiting), 0);
        assert!(attention_rank(State::Review) < attention_rank(State::Failed));
        assert!(attention_rank(State::Lost) < attention_rank(State::Stuck));
    }

    /// Claude Code's permission prompt: the hook says waiting, Claude then draws its dialog
    /// (output, and a screen still half drawn). Neither may overturn the hook; the screen may
    /// once the moment has passed, and another hook always may.
    #[test]
    fn weaker_evidence_never_overturns_a_hook_about_the_same_moment() {
        use std::time::Duration;
        let now = Duration::from_millis(800);
        let later = HOOK_HOLD + Duration::from_millis(1);
        let approval = (State::Waiting, "approval");
        let st = |(s, d): (State, &str), src, age, e: Evidence| step(s, d, src, age, &e);
        assert!(matches!(st(approval, Source::Hook, now, Evidence::Output), Step::Outranked(_)));
        assert!(matches!(st(approval, Source::Hook, later, Evidence::Output), Step::Outranked(_)));
        assert!(matches!(st(approval, Source::Hook, now, Evidence::ScreenWorking), Step::Outranked(_)));
        assert_eq!(
            st(approval, Source::Hook, later, Evidence::ScreenWorking),
            Step::Move(State::Working, String::new())
        );
        assert_eq!(st(approval, Source::Hook, now, Evidence::HookWorking), Step::Move(State::Working, String::new()));
        // The screen agreeing is no change at all.
        assert_eq!(st(approval, Source::Hook, now, Evidence::ScreenWaiting("approval")), Step::Same);
        // A wait the screen saw ends with output (the question was answered, no hook says so).
        assert_eq!(st(approval, Source::Screen, now, Evidence::Output), Step::Move(State::Working, String::new()));
        // Codex's Stop hook while its screen still shows `esc to interrupt`.
        let input = (State::Waiting, "input");
        assert!(matches!(st(input, Source::Hook, now, Evidence::ScreenWorking), Step::Outranked(_)));
        // A hook's working, then the screen shows a question: after the moment, it counts.
        let working = (State::Working, "");
        assert_eq!(
            st(working, Source::Hook, later, Evidence::ScreenWaiting("approval")),
            Step::Move(State::Waiting, "approval".into())
        );
    }

    #[test]
    fn exit_outcomes() {
        assert_eq!(exit_outcome(false, Some(0), None), (State::Review, String::new()));
        assert_eq!(exit_outcome(false, Some(3), None), (State::Failed, "3".into()));
        assert_eq!(exit_outcome(false, None, Some(9)), (State::Failed, "SIGKILL".into()));
        assert_eq!(exit_outcome(true, None, Some(15)), (State::Stopped, String::new()));
        assert_eq!(exit_outcome(true, Some(0), None), (State::Stopped, String::new()));
        assert_eq!(exit_outcome(false, None, Some(64)), (State::Failed, "signal 64".into()));
    }
}

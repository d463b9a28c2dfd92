//! A session's state and what changed it: the states of DESIGN.md and their sources.

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

/// Attention order for `attach` with no name: lower first.
pub fn attention_rank(state: State) -> u8 {
    match state {
        State::Waiting => 0,
        State::Review => 1,
        State::Stuck => 2,
        _ => 3,
    }
}

/// Sessions `ls` shows without `--all`: live ones and ended ones that still need a person.
pub fn listed_by_default(state: State) -> bool {
    !matches!(state, State::Stopped | State::Approved)
}

#[cfg(test)]
mod tests {
    use super::*;

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

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


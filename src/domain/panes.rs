//! What tmux says of the panes and sessions minder made, and what proves a session is one of
//! them: plain data, read from tmux by `tmux/` and judged by `ops/` and `domain/`.

/// What minder needs to know of one agent pane, from one `list-panes` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaneInfo {
    pub session_name: String,
    pub session_id: String,
    pub pane_id: String,
    pub pane_pid: Option<u32>,
    pub dead: bool,
    pub dead_status: Option<i32>,
    pub dead_signal: Option<i32>,
    pub pipe: bool,
    pub attached: u32,
    /// The session's `@minder-id`: which minder session (and which run of it) this is.
    pub minder_id: String,
    /// The server's pid and start time (`#{pid}`, `#{start_time}`): which server this is.
    pub server: ServerIdentity,
    /// The `@minder` session option: the state dir of the minder that owns the session.
    pub owner: String,
}

/// Which tmux server answered: its pid and start time. A server that was restarted on the same
/// socket differs in both, and numbers its sessions and panes from `$0`/`%0` again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ServerIdentity {
    pub pid: u32,
    pub started: i64,
}

// ---- Identity: acting only on a session that is provably ours --------------------------------

/// What proves that a tmux session is a given minder session. Once its ids are recorded: its
/// session id on the server it was made on (`$3/PID/START_TIME`, from `#{session_id}`, `#{pid}`
/// and `#{start_time}`), values tmux holds and nobody can set: a restarted server has another
/// pid and start time, a renamed session keeps its id, and the agent cannot forge them. Before
/// that (a start still under way): the `@minder-id` it was made with; for a record made before
/// ids existed, its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    Session(String),
    Id(String),
    Name(String),
}

impl Identity {
    /// The session `session_id` of the server `server`.
    pub fn session(session_id: &str, server: ServerIdentity) -> Identity {
        Identity::Session(format!("{session_id}/{}/{}", server.pid, server.started))
    }

    /// The format that prints what identifies a session.
    pub(crate) fn format(&self) -> &'static str {
        match self {
            Identity::Session(_) => "#{session_id}/#{pid}/#{start_time}",
            Identity::Id(_) => "#{@minder-id}",
            Identity::Name(_) => "#{session_name}",
        }
    }

    pub(crate) fn value(&self) -> &str {
        match self {
            Identity::Session(v) | Identity::Id(v) | Identity::Name(v) => v,
        }
    }

    /// Whether `shown` (what `format` printed) is this session.
    pub(crate) fn is(&self, shown: &str) -> bool {
        !self.value().is_empty() && shown == self.value()
    }

    /// A format that is `1` exactly when the target is this session. Only `[A-Za-z0-9_-]` (and
    /// the `$` and `/` of a session identity) may reach the format (ids and session names are
    /// made of those); anything else matches nothing.
    pub(crate) fn condition(&self) -> String {
        let v = self.value();
        let allowed = |b: u8| {
            b.is_ascii_alphanumeric()
                || b == b'-'
                || b == b'_'
                || matches!(self, Identity::Session(_)) && b"$/".contains(&b)
        };
        if v.is_empty() || !v.bytes().all(allowed) {
            return "0".into();
        }
        format!("#{{==:{},{v}}}", self.format())
    }
}

/// A record with what tmux says of it right now.
pub struct Observed {
    pub record: crate::domain::record::Record,
    pub pane: Option<PaneInfo>,
    /// False when tmux was not asked (see `observe_listing`) or did not answer: `pane` is then
    /// unknown.
    pub tmux_checked: bool,
    /// Why tmux could not be asked (a stopped or wedged server), when it was tried.
    pub tmux_error: Option<String>,
}

impl Observed {
    /// The error for a command that must act on the session in tmux and cannot, because its
    /// server did not answer (None when tmux answered, or the session has ended anyway).
    pub fn unreachable(&self, nothing_done: &str) -> Option<anyhow::Error> {
        let why = self.tmux_error.as_deref()?;
        (self.pane.is_none() && self.alive())
            .then(|| anyhow::anyhow!("cannot find session `{}` in tmux: {why}; {nothing_done}", self.record.name))
    }

    /// Whether the agent's pane is alive: from tmux when it was asked, else from the record.
    pub fn alive(&self) -> bool {
        match (&self.pane, self.tmux_checked) {
            (Some(p), _) => !p.dead,
            (None, true) => false,
            (None, false) => self.record.running(),
        }
    }
}

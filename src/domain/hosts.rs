//! Other machines, as data: a `[hosts.NAME]` table, the `HOST:NAME` a person types, the wire
//! protocol spoken with the remote minder, and how a failed ssh call is classified. No I/O.

use crate::domain::config::Dur;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The protocol the two sides speak over `minder _serve`. A peer that says another number is
/// `version-skew`, never read as if it spoke this one.
pub const PROTOCOL: u32 = 1;

/// The name the local machine always has; no `[hosts.local]`.
pub const LOCAL: &str = "local";

/// One `[hosts.NAME]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// An ssh destination or `~/.ssh/config` alias (default: the table's NAME).
    #[serde(default)]
    pub ssh: String,
    /// Extra ssh options, e.g. `["-F", "path"]`, `["-J", "jump"]`.
    #[serde(default)]
    pub ssh_args: Vec<String>,
    /// The minder binary on that host.
    #[serde(default = "default_minder")]
    pub minder: String,
    /// Per request; past it the host is shown as `slow`.
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
}

fn default_minder() -> String {
    "minder".into()
}

fn default_timeout() -> Dur {
    Dur(Duration::from_secs(10))
}

impl HostConfig {
    /// The destination given to ssh.
    pub fn destination<'a>(&'a self, name: &'a str) -> &'a str {
        if self.ssh.is_empty() {
            name
        } else {
            &self.ssh
        }
    }
}

/// Check one `[hosts.NAME]`: the message names the key.
pub fn validate(name: &str, host: &HostConfig) -> Result<(), String> {
    if name == LOCAL {
        return Err("`hosts.local` is reserved: the local machine is always `local`".into());
    }
    if !crate::domain::naming::is_valid_word(name) {
        return Err(format!("host name `{name}` may contain only letters, digits, `-` and `_`"));
    }
    // ssh would read a destination starting with `-` as an option.
    if host.ssh.starts_with('-') || host.ssh.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("key `hosts.{name}.ssh`: `{}` is not an ssh destination", host.ssh));
    }
    if !is_safe_command_word(&host.minder) {
        return Err(format!(
            "key `hosts.{name}.minder`: `{}` must be one path of letters, digits and `/._+-` (ssh hands it to the remote login shell)",
            host.minder
        ));
    }
    if host.timeout.0.is_zero() {
        return Err(format!("key `hosts.{name}.timeout`: must be more than 0"));
    }
    Ok(())
}

/// A word every login shell (sh, bash, zsh, fish, tcsh) reads as itself: no quoting, globbing,
/// expansion or separator characters, and not an option.
pub fn is_safe_command_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'+' | b'-'))
}

/// What a person typed to name a session: `HOST:NAME` picks the host, a bare NAME is looked up
/// everywhere. Only a configured host name (or `local`) before the colon counts as a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    On { host: &'a str, name: &'a str },
    Anywhere(&'a str),
}

pub fn parse_target<'a>(query: &'a str, is_host: impl Fn(&str) -> bool) -> Target<'a> {
    match query.split_once(':') {
        Some((host, name)) if host == LOCAL || is_host(host) => Target::On { host, name },
        _ => Target::Anywhere(query),
    }
}

/// Why a host did not answer, as `ls` and `hosts` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// No connection: refused, no route, no such name, connect deadline.
    Unreachable,
    /// The host wants a password, a key it was not given, or its host key is not the known one.
    AuthNeeded,
    /// The remote minder is missing or speaks another protocol.
    VersionSkew,
    /// Connected, but no answer within `timeout`.
    Slow,
}

impl Failure {
    pub fn word(self) -> &'static str {
        match self {
            Failure::Unreachable => "unreachable",
            Failure::AuthNeeded => "auth-needed",
            Failure::VersionSkew => "version-skew",
            Failure::Slow => "slow",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// Classify what ssh said on stderr when it exited 255 (its own failure, not the remote
/// command's).
pub fn classify_ssh_error(stderr: &str) -> Failure {
    let s = stderr.to_ascii_lowercase();
    let auth = [
        "permission denied",
        "host key verification failed",
        "no matching host key",
        "too many authentication failures",
        "authentication failed",
        "remote host identification has changed",
        "passphrase",
        "password",
    ];
    if auth.iter().any(|a| s.contains(a)) {
        return Failure::AuthNeeded;
    }
    Failure::Unreachable
}

/// A session-open refusal by the server (its `MaxSessions` is reached): the request never
/// reached the remote minder, so it may be tried again.
pub fn is_session_refused(stderr: &str) -> bool {
    let s = stderr.to_ascii_lowercase();
    s.contains("session open refused") || s.contains("open failed: administratively prohibited")
}

/// The first line the remote minder writes: who it is, before it reads anything.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Greeting {
    pub protocol: u32,
    pub minder: String,
}

/// One request, sent as JSON on the remote minder's stdin: never words for a shell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub protocol: u32,
    #[serde(flatten)]
    pub op: Op,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// Nothing but the greeting and the reply: latency and version.
    Hello,
    /// What a session query names on that host.
    Resolve { query: String },
    /// Stay: a `WatchLine` each time the host's sessions change, a heartbeat between.
    Watch,
    /// Run one minder command there, its argv as data. `expect` is the state (and commit) the
    /// person decided on: the remote refuses when the session is no longer in it.
    Run {
        argv: Vec<String>,
        #[serde(default)]
        expect: Option<Expect>,
        /// Text given to the command as a file (a brief): written on the remote side, its path
        /// put where `{brief}` stands in `argv`.
        #[serde(default)]
        brief: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expect {
    pub name: String,
    pub state: String,
    /// The decided commit (`decision.commit` or HEAD as the person saw it), when known.
    #[serde(default)]
    pub commit: Option<String>,
}

/// The remote minder's one reply.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Reply {
    pub protocol: u32,
    /// The command's exit code (0 for `hello` and `resolve` that worked).
    pub exit: i32,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    /// `resolve`: the full name found.
    #[serde(default)]
    pub name: Option<String>,
    /// `hello`: how many sessions the host lists.
    #[serde(default)]
    pub sessions: Option<usize>,
    /// The remote minder's version, from its greeting (filled in by the asking side).
    #[serde(skip)]
    pub peer_version: String,
}

/// One line of a `watch` stream.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WatchLine {
    pub protocol: u32,
    /// The host's listed sessions now (absent on a heartbeat).
    #[serde(default)]
    pub sessions: Option<Vec<RemoteSession>>,
}

/// A remote session as the status line and `[notify]` need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteSession {
    pub name: String,
    pub task: String,
    pub state: crate::domain::state::State,
    #[serde(default)]
    pub detail: String,
    pub running: bool,
    /// Since when it is in its state.
    #[serde(default)]
    pub state_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The sessions whose state is new in `now` (arrived or changed since `before`), each with
/// the state it left.
pub fn transitions<'a>(
    before: &[RemoteSession],
    now: &'a [RemoteSession],
) -> Vec<(&'a RemoteSession, Option<crate::domain::state::State>)> {
    now.iter()
        .filter_map(|s| match before.iter().find(|b| b.name == s.name) {
            Some(b) if b.state == s.state => None,
            Some(b) => Some((s, Some(b.state))),
            None => Some((s, None)),
        })
        .collect()
}

/// The commands a remote request may run: those that act on or show sessions.
pub const REMOTE_COMMANDS: &[&str] = &[
    "ls", "show", "send", "answer", "approve", "reject", "stop", "rm", "review", "logs", "apply", "wait", "new",
    "restore", "explain",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn host(minder: &str) -> HostConfig {
        HostConfig { ssh: String::new(), ssh_args: vec![], minder: minder.into(), timeout: default_timeout() }
    }

    #[test]
    fn local_is_reserved_and_minder_is_one_safe_word() {
        assert!(validate("local", &host("minder")).unwrap_err().contains("reserved"));
        assert!(validate("a b", &host("minder")).is_err());
        assert!(validate("vps", &host("/opt/minder-1.2/bin/minder")).is_ok());
        for bad in ["minder; rm -rf ~", "$(id)", "min der", "`x`", "a'b", "-x", "~/bin/minder", "a|b", ""] {
            let e = validate("vps", &host(bad)).unwrap_err();
            assert!(e.contains("hosts.vps.minder"), "{bad}: {e}");
        }
        let mut h = host("minder");
        h.ssh = "-oProxyCommand=x".into();
        assert!(validate("vps", &h).unwrap_err().contains("hosts.vps.ssh"));
    }

    #[test]
    fn targets() {
        let is_host = |h: &str| h == "vps";
        assert_eq!(parse_target("vps:fix", is_host), Target::On { host: "vps", name: "fix" });
        assert_eq!(parse_target("local:fix", is_host), Target::On { host: "local", name: "fix" });
        assert_eq!(parse_target("fix", is_host), Target::Anywhere("fix"));
        assert_eq!(parse_target("other:fix", is_host), Target::Anywhere("other:fix"));
    }

    #[test]
    fn ssh_errors() {
        assert_eq!(classify_ssh_error("root@127.0.0.1: Permission denied (publickey)."), Failure::AuthNeeded);
        assert_eq!(classify_ssh_error("Host key verification failed."), Failure::AuthNeeded);
        assert_eq!(
            classify_ssh_error("ssh: connect to host 127.0.0.1 port 1: Connection refused"),
            Failure::Unreachable
        );
        assert!(is_session_refused("mux_client_request_session: session request failed: Session open refused by peer"));
    }

    #[test]
    fn transitions_are_new_states_only() {
        use crate::domain::state::State;
        let s = |n: &str, state| RemoteSession {
            name: n.into(),
            task: n.into(),
            state,
            detail: String::new(),
            running: true,
            state_at: None,
        };
        let before = [s("a", State::Working), s("b", State::Working)];
        let now = [s("a", State::Working), s("b", State::Waiting), s("c", State::Working)];
        let t = transitions(&before, &now);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].0.name.as_str(), t[0].1), ("b", Some(State::Working)));
        assert_eq!((t[1].0.name.as_str(), t[1].1), ("c", None));
    }

    #[test]
    fn requests_are_tagged_json() {
        let r = Request { protocol: PROTOCOL, op: Op::Resolve { query: "a 'b\"".into() } };
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(s, r#"{"protocol":1,"op":"resolve","query":"a 'b\""}"#);
        let back: Request = serde_json::from_str(&s).unwrap();
        assert!(matches!(back.op, Op::Resolve { query } if query == "a 'b\""));
    }
}

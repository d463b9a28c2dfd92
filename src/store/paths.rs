//! Where minder's files live: the XDG config and state folders, and the layout of a session's
//! records inside the state dir.

use std::path::{Path, PathBuf};

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"))
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        _ => home().join(fallback),
    }
}

/// The name of the log file the sink writes now, in a session's `logs/`.
pub const CURRENT_LOG: &str = "output.log";

/// `~/x` → `$HOME/x` (a path from the config).
pub fn expand_home(p: &str) -> String {
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => p.to_string(),
    }
}

pub fn config_home() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config")
}

/// `MINDER_STATE_DIR`, else `$XDG_STATE_HOME/minder`, else `~/.local/state/minder`.
pub fn state_dir() -> PathBuf {
    match std::env::var_os("MINDER_STATE_DIR").filter(|v| !v.is_empty()) {
        Some(p) => absolute(Path::new(&p)),
        None => xdg("XDG_STATE_HOME", ".local/state").join("minder"),
    }
}

pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}

/// The files of one session under the state dir.
#[derive(Clone, Debug)]
pub struct SessionPaths {
    pub root: PathBuf,
}

impl SessionPaths {
    pub fn new(state_dir: &Path, name: &str) -> SessionPaths {
        SessionPaths { root: state_dir.join("sessions").join(name) }
    }
    pub fn record(&self) -> PathBuf {
        self.root.join("session.json")
    }
    pub fn events(&self) -> PathBuf {
        self.root.join("events.jsonl")
    }
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
    /// The log file the sink writes now (rotated segments sit beside it).
    pub fn current_log(&self) -> PathBuf {
        self.logs().join(CURRENT_LOG)
    }
    /// Errors the log sink could not help (disk full, size limit): what `show` reports.
    pub fn sink_errors(&self) -> PathBuf {
        self.root.join("sink-errors.log")
    }
    /// Written by the sink once everything it received is on disk and it has exited.
    pub fn sink_done(&self) -> PathBuf {
        self.root.join("sink-done")
    }
    /// The FIFO that wakes the sink when the agent ends; held open by the sink while it runs,
    /// so a dead sink is noticed without asking tmux (`store::sink_alive`).
    pub fn wake_fifo(&self) -> PathBuf {
        self.root.join("wake")
    }
    /// The caller's environment for the supervisor: written by `new`, read and deleted by
    /// `_exec` a moment later.
    pub fn env_file(&self) -> PathBuf {
        self.root.join("env")
    }
    /// The session's own temp dir inside a bubblewrap fence (its TMPDIR).
    pub fn fence_tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }
    /// Where `minder notify` inside a fence leaves events (the state dir is read-only there);
    /// the sink outside applies them.
    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }
    /// Saved versions of the checkpoint files.
    pub fn checkpoint_history(&self) -> PathBuf {
        self.root.join("checkpoints")
    }
}

/// The files of the state dir itself, beside the sessions.
#[derive(Clone, Debug)]
pub struct StatePaths {
    pub root: PathBuf,
}

impl StatePaths {
    pub fn sessions(&self) -> PathBuf {
        self.root.join("sessions")
    }
    /// Locked by `new`, `stop` and `rm` so a name claim and `max_sessions` are atomic.
    pub fn lock(&self) -> PathBuf {
        self.root.join("lock")
    }
    /// The last status segment pushed to each tmux server, by server key.
    pub fn status(&self, key: &str) -> PathBuf {
        self.root.join("status").join(key)
    }
    /// Logs `rm --keep-logs` kept.
    pub fn kept_logs(&self) -> PathBuf {
        self.root.join("kept-logs")
    }
    /// Worktrees, when `worktree.dir` is empty.
    pub fn worktrees(&self) -> PathBuf {
        self.root.join("worktrees")
    }
    /// The push gate's hook scripts.
    pub fn githooks(&self) -> PathBuf {
        self.root.join("githooks")
    }
    /// The push gate's `git` shim (`bin/`) and its mirrors of git's exec path.
    pub fn gitshim(&self) -> PathBuf {
        self.root.join("gitshim")
    }
    /// The cached `tmux -V` answer.
    pub fn tmux_version(&self) -> PathBuf {
        self.root.join("tmux-version")
    }
    /// Briefs another machine's minder sent as text (`new --host`), while `new` reads them.
    pub fn incoming(&self) -> PathBuf {
        self.root.join("incoming")
    }
    /// What each host's watcher last heard (`NAME.json`), and its lock (`NAME.watch`).
    pub fn hosts_seen(&self) -> PathBuf {
        self.root.join("hosts")
    }
    /// The ssh control sockets, when there is no `$XDG_RUNTIME_DIR`.
    pub fn ssh_sockets(&self) -> PathBuf {
        self.root.join("ssh")
    }
}

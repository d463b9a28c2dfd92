//! What every command shares: the loaded config, the store of records, how to reach tmux, and
//! how to talk to the person (colour, quiet).

use crate::domain::config::Config;
use crate::domain::naming::{self, Known, ResolveError};
use crate::domain::record::Record;
use crate::store::Store;
use crate::tmux::{Server, Tmux};
use anyhow::{anyhow, Result};
use std::path::PathBuf;
use std::sync::OnceLock;

pub struct Ctx {
    pub config: Config,
    pub config_path: PathBuf,
    pub store: Store,
    /// The server `new` creates sessions on (existing sessions remember their own).
    pub server: Server,
    pub color: bool,
    pub quiet: bool,
    pub self_exe: PathBuf,
    tmux: OnceLock<Tmux>,
    /// A tmux client started ahead of the one batch this command sends (`new`).
    early: std::sync::Mutex<Option<crate::tmux::Early>>,
}

impl Ctx {
    pub fn new(config: Config, config_path: PathBuf, server: Server, color: bool, quiet: bool) -> Result<Ctx> {
        Ok(Ctx {
            config,
            config_path,
            store: Store::new(crate::store::paths::state_dir()),
            server,
            color,
            quiet,
            self_exe: self_exe()?,
            tmux: OnceLock::new(),
            early: std::sync::Mutex::new(None),
        })
    }

    /// The tmux found before this context was made, and the client started early on its
    /// server (`tmux::Tmux::start_early`), for `take_early_tmux`.
    pub fn adopt_tmux(&self, tmux: Tmux, early: Option<crate::tmux::Early>) {
        let _ = self.tmux.set(tmux);
        *self.early.lock().unwrap_or_else(|p| p.into_inner()) = early;
    }

    /// The client started early, if there is one for `tmux`'s binary and server; taken once.
    pub fn take_early_tmux(&self, tmux: &Tmux) -> Option<crate::tmux::Early> {
        let early = self.early.lock().unwrap_or_else(|p| p.into_inner()).take()?;
        early.serves(tmux).then_some(early)
    }

    /// tmux for the server `new` uses.
    pub fn tmux(&self) -> Result<&Tmux> {
        if let Some(t) = self.tmux.get() {
            return Ok(t);
        }
        let t = Tmux::discover(self.server.clone())?;
        Ok(self.tmux.get_or_init(|| t))
    }

    /// tmux for the server a session lives on.
    pub fn tmux_for(&self, record: &Record) -> Result<Tmux> {
        let mut t = self.tmux()?.clone();
        if let Some(sock) = &record.socket {
            t = Tmux::with_server(&t, Server::Path(sock.clone()));
        }
        Ok(t)
    }

    /// Resolve what the person typed to one session's full name.
    pub fn resolve(&self, query: &str) -> Result<String> {
        let (records, damaged) = self.store.load_all_checked()?;
        let mut known: Vec<Known> = records
            .iter()
            .map(|r| Known {
                name: r.name.clone(),
                // An attempt is known by its task and number (`sub-1`), as its name shows it.
                task: match r.attempt {
                    Some(n) => format!("{}-{n}", r.task),
                    None => r.task.clone(),
                },
            })
            .collect();
        // A damaged record is still a session: commands find it and say what is wrong with it.
        // Its task cannot be read from the record, so it is taken from the name as the default
        // template `{agent}-{task}` builds it; the full name (or a prefix of it) always works.
        known.extend(damaged.into_iter().map(|d| Known {
            task: d.name.split_once('-').map_or(d.name.as_str(), |(_, task)| task).to_string(),
            name: d.name,
        }));
        match naming::resolve(query, &known) {
            Ok(name) => Ok(name),
            Err(ResolveError::NotFound) => Err(anyhow!("no session `{query}` (see `minder ls`)")),
            Err(ResolveError::Ambiguous(c)) => {
                Err(anyhow!("`{query}` matches several sessions: {} (give more of the name)", c.join(", ")))
            }
        }
    }

    /// Print a note for the person on stderr unless `-q`.
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }
}

/// The absolute path of the running binary: hooks and the sink call back into it.
pub fn self_exe() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| anyhow!("cannot find minder's own path: {e}"))?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

/// Where the config comes from: `--config`, `MINDER_CONFIG`, else the XDG path (may be absent).
pub fn config_path(flag: Option<&std::path::Path>) -> (PathBuf, bool) {
    if let Some(p) = flag {
        return (p.to_path_buf(), true);
    }
    if let Some(p) = std::env::var_os("MINDER_CONFIG").filter(|v| !v.is_empty()) {
        return (PathBuf::from(p), true);
    }
    (crate::store::paths::config_home().join("minder/config.toml"), false)
}

/// Load the config. A file named explicitly must exist; the default path may be absent. (The
/// reading is here; what the text means is `domain::config`'s.)
pub fn load_config(flag: Option<&std::path::Path>) -> Result<(Config, PathBuf)> {
    let (path, explicit) = config_path(flag);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => return Ok((Config::default(), path)),
        Err(e) => return Err(crate::error::UsageError(format!("cannot read config `{}`: {e}", path.display())).into()),
    };
    let config = Config::parse(&text, &path)?;
    Ok((config, path))
}

/// Fail with a clear message unless tmux is at least 3.2. The answer is cached in the file
/// `cache`, keyed by the binary's path, size and modification time, so `new` does not
/// pay for a `tmux -V` each time.
pub fn require_tmux_version(tmux: &Tmux, cache: &std::path::Path) -> Result<crate::tmux::Version> {
    let key = std::fs::metadata(tmux.bin()).ok().map(|m| {
        use std::os::unix::fs::MetadataExt;
        format!("{}\t{}\t{}", tmux.bin().display(), m.len(), m.mtime())
    });
    let cached = key.as_ref().and_then(|k| {
        let text = std::fs::read_to_string(cache).ok()?;
        let (stored_key, version) = text.trim_end().rsplit_once('\t')?;
        (stored_key == k).then(|| crate::tmux::parse_version(&format!("tmux {version}"))).flatten()
    });
    let v = match cached {
        Some(v) => v,
        None => {
            let v = tmux.version()?;
            if let Some(k) = key {
                let _ = crate::store::fsutil::write_atomic(cache, format!("{k}\t{v}\n").as_bytes());
            }
            v
        }
    };
    if !v.at_least(3, 2) {
        anyhow::bail!("tmux {} is too old: minder needs tmux 3.2 or newer ({})", v, tmux.bin().display());
    }
    Ok(v)
}

/// A fresh `@minder-id`: 128 random bits, so no two runs, on any server, share one.
pub fn new_minder_id() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).is_err() {
        // No /dev/urandom: time and pid still make a clash between two runs unlikely.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        bytes[..8].copy_from_slice(&(t.as_nanos() as u64).to_le_bytes());
        bytes[8..12].copy_from_slice(&std::process::id().to_le_bytes());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("m-{hex}")
}

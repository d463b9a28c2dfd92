//! What an agent may touch: a profile's `sandbox` and `network` turned into the agent's own
//! mechanism (Codex's `-s`, Claude Code's sandbox settings) or a bubblewrap wrapper for any
//! other program. Pure: the machine's facts come in as data, and a policy that cannot hold is
//! refused here, with its reason and the way out, before anything starts.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `sandbox = "read-only" | "workspace-write" | "off"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Sandbox {
    ReadOnly,
    WorkspaceWrite,
    Off,
}

impl Sandbox {
    pub fn as_str(self) -> &'static str {
        match self {
            Sandbox::ReadOnly => "read-only",
            Sandbox::WorkspaceWrite => "workspace-write",
            Sandbox::Off => "off",
        }
    }
}

/// Who holds the fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FenceBy {
    /// Codex's own sandbox (`-s`, `sandbox_workspace_write.network_access`).
    Codex,
    /// Claude Code's own sandbox (its settings, through `--settings`).
    Claude,
    /// minder wraps the program in bubblewrap.
    Bubblewrap,
    /// Nothing: `sandbox = "off"` with the network on.
    None,
}

/// The policy a session runs under, as its record keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fence {
    pub sandbox: Sandbox,
    pub network: bool,
    pub by: FenceBy,
}

impl Fence {
    /// The marker `ls` shows: `rw`/`ro`/`--` for the sandbox, `net` or `-net`.
    pub fn marker(&self) -> String {
        let fs = match self.sandbox {
            Sandbox::ReadOnly => "ro",
            Sandbox::WorkspaceWrite => "rw",
            Sandbox::Off => "off",
        };
        if self.network {
            format!("{fs}+net")
        } else {
            format!("{fs}-net")
        }
    }

    /// One line for `review`: the policy and who held it.
    pub fn describe(&self) -> String {
        let by = match self.by {
            FenceBy::Codex => "Codex's own sandbox",
            FenceBy::Claude => "Claude Code's own sandbox",
            FenceBy::Bubblewrap => "bubblewrap",
            FenceBy::None => "no fence",
        };
        let net = if self.network { "network on" } else { "network off" };
        format!("sandbox {}, {net} ({by})", self.sandbox.as_str())
    }
}

/// What this machine offers a fence.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    pub linux: bool,
    pub bwrap: Option<PathBuf>,
    pub socat: bool,
}

/// The policy asked for, and what is known of the program.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub profile: &'a str,
    pub integration: crate::domain::agents::Integration,
    /// The argv as the profile (or `new -- COMMAND`) gives it, before minder adds anything.
    pub argv: &'a [String],
    pub sandbox: Sandbox,
    pub network: bool,
    /// Whether `sandbox` was chosen by the person (config or `--sandbox`), not a default: a
    /// command that carries its own `-s` then conflicts instead of winning.
    pub sandbox_chosen: bool,
    /// The program talks to its model over the network (aider, gemini): a wrapper that cuts
    /// the network cuts the agent off.
    pub needs_network: bool,
}

fn program(argv: &[String]) -> String {
    argv.first().and_then(|c| Path::new(c).file_name()).map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}

/// The sandbox a Codex argv already asks for (`-s X`, `--sandbox X`, `--sandbox=X`,
/// `--dangerously-bypass-approvals-and-sandbox`), if any.
pub fn codex_sandbox_in(argv: &[String]) -> Option<Sandbox> {
    let parse = |v: &str| match v {
        "read-only" => Some(Sandbox::ReadOnly),
        "workspace-write" => Some(Sandbox::WorkspaceWrite),
        "danger-full-access" => Some(Sandbox::Off),
        _ => None,
    };
    let mut words = argv.iter().skip(1);
    while let Some(w) = words.next() {
        if w == "-s" || w == "--sandbox" {
            return words.next().and_then(|v| parse(v));
        }
        if let Some(v) = w.strip_prefix("--sandbox=") {
            return parse(v);
        }
        if w == "--dangerously-bypass-approvals-and-sandbox" || w == "--yolo" {
            return Some(Sandbox::Off);
        }
    }
    None
}

/// Decide who holds the fence, or refuse with the reason and the way out.
pub fn decide(req: &Request, machine: &Machine) -> Result<Fence, String> {
    let prog = program(req.argv);
    let p = req.profile;
    use crate::domain::agents::Integration;
    let codex = prog == "codex" && matches!(req.integration, Integration::CodexNotify | Integration::CodexExecJson);
    let claude = prog == "claude" && req.integration == Integration::ClaudeHooks;
    if codex {
        let mut sandbox = req.sandbox;
        if let Some(own) = codex_sandbox_in(req.argv) {
            if req.sandbox_chosen && own != req.sandbox {
                return Err(format!(
                    "the command of profile `{p}` asks Codex for sandbox `{}` but the policy says `{}`: drop `-s` from the command, or set sandbox = \"{}\"",
                    own.as_str(),
                    req.sandbox.as_str(),
                    own.as_str()
                ));
            }
            sandbox = own;
        }
        // Codex's own model traffic is its own, outside its sandbox: only what it runs is fenced.
        match (sandbox, req.network) {
            (Sandbox::ReadOnly, true) => {
                return Err(format!(
                    "Codex's read-only sandbox has no network, so network = true cannot hold for profile `{p}`: set network = false, or sandbox = \"workspace-write\""
                ))
            }
            (Sandbox::Off, false) => {
                return Err(format!(
                    "with sandbox = \"off\" what Codex runs has the network, so network = false cannot hold for profile `{p}`: set sandbox = \"workspace-write\", or network = true"
                ))
            }
            _ => {}
        }
        return Ok(Fence { sandbox, network: req.network, by: FenceBy::Codex });
    }
    if claude {
        if req.sandbox == Sandbox::Off {
            if !req.network {
                return Err(format!(
                    "with sandbox = \"off\" what Claude Code runs has the network, so network = false cannot hold for profile `{p}`: set sandbox = \"workspace-write\", or network = true"
                ));
            }
            return Ok(Fence { sandbox: Sandbox::Off, network: true, by: FenceBy::None });
        }
        if !machine.linux {
            // macOS: Claude Code's Seatbelt sandbox needs nothing installed.
            return Ok(Fence { sandbox: req.sandbox, network: req.network, by: FenceBy::Claude });
        }
        if machine.bwrap.is_none() || !machine.socat {
            return Err(format!(
                "Claude Code's sandbox needs bubblewrap and socat on Linux, and this machine lacks {}: install them (`apt-get install bubblewrap socat`), or set sandbox = \"off\" for profile `{p}`",
                match (machine.bwrap.is_none(), machine.socat) {
                    (true, false) => "both",
                    (true, true) => "bubblewrap",
                    _ => "socat",
                }
            ));
        }
        return Ok(Fence { sandbox: req.sandbox, network: req.network, by: FenceBy::Claude });
    }
    if req.sandbox == Sandbox::Off && req.network {
        return Ok(Fence { sandbox: Sandbox::Off, network: true, by: FenceBy::None });
    }
    if req.needs_network && !req.network {
        return Err(format!(
            "`{prog}` talks to its model over the network, so network = false would cut it off: set network = true for profile `{p}` (the sandbox still holds)"
        ));
    }
    if !machine.linux {
        return Err(format!(
            "minder fences programs other than Codex and Claude Code with bubblewrap, which is Linux-only: set sandbox = \"off\" and network = true for profile `{p}` on this machine"
        ));
    }
    if machine.bwrap.is_none() {
        return Err(format!(
            "sandbox = \"{}\", network = {} for profile `{p}` needs bubblewrap, which is not installed: install it (`apt-get install bubblewrap`), or set sandbox = \"off\" and network = true",
            req.sandbox.as_str(),
            req.network
        ));
    }
    Ok(Fence { sandbox: req.sandbox, network: req.network, by: FenceBy::Bubblewrap })
}

/// The words minder adds to a Codex argv after the program (none when its command carries its
/// own `-s`).
pub fn codex_flags(fence: &Fence, argv: &[String]) -> Vec<String> {
    let mut flags = Vec::new();
    if codex_sandbox_in(argv).is_none() {
        let mode = match fence.sandbox {
            Sandbox::ReadOnly => "read-only",
            Sandbox::WorkspaceWrite => "workspace-write",
            Sandbox::Off => "danger-full-access",
        };
        flags.extend(["-s".to_string(), mode.to_string()]);
    }
    if fence.sandbox == Sandbox::WorkspaceWrite {
        flags.extend(["-c".to_string(), format!("sandbox_workspace_write.network_access={}", fence.network)]);
    }
    flags
}

/// Claude Code's `sandbox` settings for this fence (merged into the settings minder passes).
pub fn claude_sandbox_settings(fence: &Fence, writable: &[PathBuf], dir: &Path) -> Option<serde_json::Value> {
    if fence.by != FenceBy::Claude {
        return None;
    }
    let mut filesystem = serde_json::json!({ "allowWrite": writable });
    if fence.sandbox == Sandbox::ReadOnly {
        filesystem["denyWrite"] = serde_json::json!([dir]);
    }
    let network = if fence.network {
        serde_json::json!({ "allowedDomains": ["*"], "allowLocalBinding": true })
    } else {
        serde_json::json!({ "allowedDomains": [], "allowLocalBinding": false })
    };
    Some(serde_json::json!({
        "enabled": true,
        // Refuse to run a command rather than run it unfenced.
        "failIfUnavailable": true,
        "allowUnsandboxedCommands": false,
        "filesystem": filesystem,
        "network": network,
    }))
}

/// What a bubblewrap fence makes writable.
#[derive(Clone, Debug)]
pub struct Writable {
    /// The session's directory or worktree (not under `read-only`).
    pub dir: PathBuf,
    pub checkpoint_dir: PathBuf,
    /// The repository's git dir when it lies outside `dir` (a worktree's objects and refs live
    /// there): without it the agent could not commit its work.
    pub git_dir: Option<PathBuf>,
    /// The session's own temp dir (TMPDIR inside the fence).
    pub tmp: PathBuf,
    /// Folders minder itself writes from inside the fence (the notify inbox).
    pub minder: Vec<PathBuf>,
    /// Doors out of the fence, hidden inside it: folders covered by an empty tmpfs, files (a
    /// socket) covered by /dev/null. A unix socket is reached through the file system, which
    /// the fence leaves readable, and neither a read-only mount nor `--unshare-net` closes it:
    /// through the tmux server's socket an agent could have tmux run any command outside
    /// (`tmux run-shell`), through an ssh master run one on another machine, through the
    /// session bus start one as a service. See `ops::fence::doors`.
    pub hidden: Hidden,
}

/// What `Writable::hidden` covers.
#[derive(Clone, Debug, Default)]
pub struct Hidden {
    pub dirs: Vec<PathBuf>,
    pub files: Vec<PathBuf>,
}

/// The bubblewrap words that run a program inside `fence` (followed by the program's argv).
pub fn bwrap_argv(bwrap: &Path, fence: &Fence, w: &Writable) -> Vec<String> {
    let mut a: Vec<String> = vec![bwrap.display().to_string(), "--die-with-parent".into()];
    let s = |p: &Path| p.display().to_string();
    if fence.sandbox == Sandbox::Off {
        a.extend(["--bind".into(), "/".into(), "/".into()]);
    } else {
        a.extend(["--ro-bind".into(), "/".into(), "/".into()]);
    }
    // The terminal and the devices the agent needs, writable as they are outside.
    a.extend(["--dev-bind".into(), "/dev".into(), "/dev".into()]);
    // Its own processes only: /proc/PID/root of a process outside (the tmux server) would
    // lead around every folder hidden below, to the real file system.
    a.extend(["--unshare-pid".into(), "--proc".into(), "/proc".into()]);
    // The doors out, whatever the sandbox (a fence for the network only too: tmux outside has
    // the network). Before the writable folders, so one of those inside a hidden folder stays.
    for d in &w.hidden.dirs {
        a.extend(["--tmpfs".into(), s(d)]);
    }
    for f in &w.hidden.files {
        a.extend(["--ro-bind".into(), "/dev/null".into(), s(f)]);
    }
    if fence.sandbox != Sandbox::Off {
        let mut binds: Vec<&Path> = Vec::new();
        if fence.sandbox == Sandbox::WorkspaceWrite {
            binds.push(&w.dir);
            if let Some(g) = &w.git_dir {
                binds.push(g);
            }
        }
        binds.push(&w.checkpoint_dir);
        binds.push(&w.tmp);
        binds.extend(w.minder.iter().map(PathBuf::as_path));
        for p in binds {
            a.extend(["--bind".into(), s(p), s(p)]);
        }
        a.extend(["--setenv".into(), "TMPDIR".into(), s(&w.tmp)]);
    }
    if !fence.network {
        a.push("--unshare-net".into());
    }
    a.push("--".into());
    a
}

/// Set inside a bubblewrap fence: `minder notify` leaves its event in the inbox there.
pub const FENCED_ENV: &str = "MINDER_FENCED";

/// The inbox file where the post-commit hook notes the agent's commits from inside a fence.
pub const AGENT_COMMITS: &str = "agent-commits";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::agents::Integration;

    fn req<'a>(argv: &'a [String], integration: Integration, sandbox: Sandbox, network: bool) -> Request<'a> {
        Request { profile: "p", integration, argv, sandbox, network, sandbox_chosen: false, needs_network: false }
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    fn linux() -> Machine {
        Machine { linux: true, bwrap: Some("/usr/bin/bwrap".into()), socat: true }
    }

    #[test]
    fn codex_gets_its_own_flags() {
        let argv = words(&["codex", "--no-daemon"]);
        let f =
            decide(&req(&argv, Integration::CodexNotify, Sandbox::WorkspaceWrite, false), &Machine::default()).unwrap();
        assert_eq!(f.by, FenceBy::Codex);
        assert_eq!(
            codex_flags(&f, &argv),
            ["-s", "workspace-write", "-c", "sandbox_workspace_write.network_access=false"]
        );
        let f = Fence { sandbox: Sandbox::ReadOnly, network: false, by: FenceBy::Codex };
        assert_eq!(codex_flags(&f, &argv), ["-s", "read-only"]);
    }

    #[test]
    fn codex_command_with_its_own_sandbox_wins_over_a_default_and_conflicts_with_a_choice() {
        let argv = words(&["/opt/codex", "-a", "on-request", "-s", "read-only"]);
        let mut r = req(&argv, Integration::CodexNotify, Sandbox::WorkspaceWrite, false);
        let f = decide(&r, &linux()).unwrap();
        assert_eq!(f.sandbox, Sandbox::ReadOnly);
        assert!(codex_flags(&f, &argv).is_empty());
        r.sandbox_chosen = true;
        let e = decide(&r, &linux()).unwrap_err();
        assert!(e.contains("`read-only`") && e.contains("`workspace-write`"), "{e}");
    }

    #[test]
    fn policies_that_cannot_hold_are_refused_with_the_way_out() {
        let codex = words(&["codex"]);
        let e = decide(&req(&codex, Integration::CodexNotify, Sandbox::ReadOnly, true), &linux()).unwrap_err();
        assert!(e.contains("network = false"), "{e}");
        let e = decide(&req(&codex, Integration::CodexNotify, Sandbox::Off, false), &linux()).unwrap_err();
        assert!(e.contains("cannot hold"), "{e}");
        let claude = words(&["claude"]);
        let no_socat = Machine { socat: false, ..linux() };
        let e = decide(&req(&claude, Integration::ClaudeHooks, Sandbox::WorkspaceWrite, false), &no_socat).unwrap_err();
        assert!(e.contains("socat") && e.contains("sandbox = \"off\""), "{e}");
        let aider = words(&["aider"]);
        let mut r = req(&aider, Integration::None, Sandbox::WorkspaceWrite, false);
        r.needs_network = true;
        let e = decide(&r, &linux()).unwrap_err();
        assert!(e.contains("network = true"), "{e}");
        let cmd = words(&["sh"]);
        let no_bwrap = Machine { bwrap: None, ..linux() };
        let e = decide(&req(&cmd, Integration::None, Sandbox::WorkspaceWrite, true), &no_bwrap).unwrap_err();
        assert!(e.contains("bubblewrap") && e.contains("apt-get install bubblewrap"), "{e}");
        let mac = Machine { linux: false, ..linux() };
        let e = decide(&req(&cmd, Integration::None, Sandbox::ReadOnly, true), &mac).unwrap_err();
        assert!(e.contains("Linux-only"), "{e}");
        // Off with the network on needs nothing.
        let f = decide(&req(&cmd, Integration::None, Sandbox::Off, true), &no_bwrap).unwrap();
        assert_eq!(f.by, FenceBy::None);
    }

    #[test]
    fn bubblewrap_makes_only_the_session_writable() {
        let f = Fence { sandbox: Sandbox::WorkspaceWrite, network: false, by: FenceBy::Bubblewrap };
        let w = Writable {
            dir: "/w/d".into(),
            checkpoint_dir: "/w/d/.minder/s".into(),
            git_dir: Some("/r/.git".into()),
            tmp: "/st/s/tmp".into(),
            minder: vec!["/st/s/inbox".into()],
            hidden: Hidden { dirs: vec!["/tmp/tmux-1".into()], files: vec!["/srv/tmux.sock".into()] },
        };
        let a = bwrap_argv(Path::new("/usr/bin/bwrap"), &f, &w).join(" ");
        assert!(
            a.starts_with(
                "/usr/bin/bwrap --die-with-parent --ro-bind / / --dev-bind /dev /dev --unshare-pid --proc /proc --tmpfs /tmp/tmux-1 --ro-bind /dev/null /srv/tmux.sock --bind "
            ),
            "{a}"
        );
        for p in ["/w/d", "/r/.git", "/st/s/tmp", "/st/s/inbox"] {
            assert!(a.contains(&format!("--bind {p} {p}")), "{a}");
        }
        assert!(a.contains("--setenv TMPDIR /st/s/tmp") && a.ends_with("--unshare-net --"), "{a}");
        let ro = Fence { sandbox: Sandbox::ReadOnly, network: true, ..f };
        let a = bwrap_argv(Path::new("/usr/bin/bwrap"), &ro, &w).join(" ");
        assert!(!a.contains("--bind /w/d /w/d") && a.contains("--bind /w/d/.minder/s") && !a.contains("unshare-net"));
        let net_only = Fence { sandbox: Sandbox::Off, network: false, ..f };
        let a = bwrap_argv(Path::new("/usr/bin/bwrap"), &net_only, &w).join(" ");
        assert!(a.contains("--tmpfs /tmp/tmux-1") && a.contains("/dev/null /srv/tmux.sock"), "hidden there too: {a}");
    }
}

//! The fence at start: what this machine offers, the policy decided (or refused) before
//! anything starts, the agent's own flags, and the bubblewrap words `launch` puts in front of
//! any other program. The decisions themselves are in `domain::fence`.

use crate::domain::agents::Profile;
use crate::domain::fence::{self, Fence, FenceBy, Hidden, Machine, Request, Writable};
use crate::domain::record::Record;
use crate::store::Store;
use anyhow::{anyhow, Result};
use std::path::{Path, PathBuf};

pub use crate::domain::fence::FENCED_ENV;

/// bubblewrap: `MINDER_BWRAP` (empty: none; for tests and odd installs), else the system's
/// `/usr/bin/bwrap`, else `bwrap` on PATH.
fn bwrap() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("MINDER_BWRAP") {
        return (!v.is_empty()).then(|| PathBuf::from(v));
    }
    let system = Path::new("/usr/bin/bwrap");
    if system.is_file() {
        return Some(system.to_path_buf());
    }
    which::which("bwrap").ok()
}

pub fn machine() -> Machine {
    Machine {
        linux: cfg!(target_os = "linux"),
        bwrap: bwrap(),
        socat: std::env::var_os("MINDER_BWRAP").is_none_or(|v| !v.is_empty()) && which::which("socat").is_ok(),
    }
}

/// The policy `profile` runs `argv` under here, or the reason it cannot hold.
pub fn decide(profile: &Profile, argv: &[String]) -> Result<Fence> {
    let req = Request {
        profile: &profile.name,
        integration: profile.integration,
        argv,
        sandbox: profile.sandbox,
        network: profile.network,
        sandbox_chosen: profile.sandbox_chosen,
        needs_network: profile.needs_network,
    };
    fence::decide(&req, &machine()).map_err(|e| anyhow!("refused: {e}"))
}

/// Where, after the program, minder's own words go: after the notify override or the hook
/// settings it put there.
fn after_integration(argv: &[String]) -> usize {
    if argv.len() >= 3 && (argv[1] == "-c" && argv[2].starts_with("notify=") || argv[1] == "--settings") {
        3
    } else {
        1
    }
}

/// The agent's own sandbox flags added to `argv` (as `Profile::launch_argv` made it): Codex's
/// `-s` and network override, or Claude Code's sandbox settings merged into `--settings`.
pub fn agent_argv(mut argv: Vec<String>, fence: &Fence, checkpoint_dir: &Path, dir: &Path) -> Vec<String> {
    match fence.by {
        FenceBy::Codex => {
            let mut at = after_integration(&argv);
            // `codex exec` takes the sandbox itself (the top level's `-s` is for the TUI).
            if argv.get(at).is_some_and(|w| w == "exec") {
                at += 1;
            }
            let flags = fence::codex_flags(fence, &argv);
            argv.splice(at..at, flags);
        }
        FenceBy::Claude if argv.len() >= 3 && argv[1] == "--settings" => {
            if let (Ok(mut settings), Some(sandbox)) = (
                serde_json::from_str::<serde_json::Value>(&argv[2]),
                fence::claude_sandbox_settings(fence, &[checkpoint_dir.to_path_buf()], dir),
            ) {
                settings["sandbox"] = sandbox;
                argv[2] = settings.to_string();
            }
        }
        _ => {}
    }
    argv
}

/// `argv` without the Codex flags `agent_argv` added (restore adds them again).
pub fn strip_agent_words(mut argv: Vec<String>, fence: Option<&Fence>) -> Vec<String> {
    let Some(fence) = fence.filter(|f| f.by == FenceBy::Codex) else { return argv };
    let full = fence::codex_flags(fence, &[]);
    let at = if argv.get(1).is_some_and(|w| w == "exec") { 2 } else { 1 };
    for flags in [full.clone(), full.get(2..).map(<[String]>::to_vec).unwrap_or_default()] {
        if !flags.is_empty() && argv.len() >= at + flags.len() && argv[at..at + flags.len()] == flags[..] {
            argv.drain(at..at + flags.len());
            break;
        }
    }
    argv
}

/// The bubblewrap words in front of the agent's argv (none unless minder holds the fence),
/// with the session's temp dir and notify inbox made. Refuses when bubblewrap is gone.
/// `socket` is the tmux server the session runs on.
pub fn wrapper(store: &Store, record: &Record, socket: &Path) -> Result<Vec<String>> {
    let paths = &store.paths(&record.name);
    let Some(fence) = record.fence.filter(|f| f.by == FenceBy::Bubblewrap) else { return Ok(Vec::new()) };
    let Some(bwrap) = bwrap() else {
        return Err(anyhow!(
            "refused: `{}` runs fenced by bubblewrap, which is not installed any more (`apt-get install bubblewrap`)",
            record.name
        ));
    };
    let tmp = paths.fence_tmp();
    let inbox = paths.inbox();
    for d in [&tmp, &inbox] {
        crate::store::fsutil::create_private_dir_all(d)?;
    }
    let writable = Writable {
        dir: record.dir.clone(),
        checkpoint_dir: record.checkpoint_dir.clone(),
        git_dir: git_dir_outside(&record.dir),
        tmp,
        minder: vec![inbox],
        hidden: doors(store, socket)?,
    };
    let mut words = fence::bwrap_argv(&bwrap, &fence, &writable);
    let at = words.len() - 1;
    words.splice(at..at, ["--setenv".to_string(), FENCED_ENV.to_string(), "1".to_string()]);
    Ok(words)
}

/// The doors out of a fence on this machine (`domain::fence::Writable::hidden`), as they are
/// when it starts: tmux's socket folders (this server's, `$TMUX_TMPDIR`'s and /tmp's, where the
/// user's other servers listen), or the server's socket alone when it lives elsewhere;
/// `$XDG_RUNTIME_DIR` (the session bus, minder's ssh masters and hand-off folder);
/// `/dev/shm/minder-UID` (other sessions' environments while they start); and the state dir's
/// ssh masters, made first if missing so that one opened later is hidden too.
fn doors(store: &Store, socket: &Path) -> Result<Hidden> {
    let mut hidden = Hidden::default();
    let mut dir = |d: PathBuf| {
        if d.is_dir() && !hidden.dirs.contains(&d) {
            hidden.dirs.push(d);
        }
    };
    match socket.parent() {
        Some(parent) if parent.file_name().is_some_and(|n| *n == *crate::tmux::socket_dir_name()) => {
            dir(parent.to_path_buf())
        }
        _ => hidden.files.push(socket.to_path_buf()),
    }
    crate::tmux::socket_dirs().into_iter().for_each(&mut dir);
    if let Some(run) = crate::store::runtime::xdg_runtime_dir() {
        dir(run);
    }
    dir(crate::store::runtime::shm_dir());
    let ssh = store.dirs().ssh_sockets();
    crate::store::fsutil::create_private_dir_all(&ssh)?;
    dir(ssh);
    hidden.files.retain(|f| f.exists());
    Ok(hidden)
}

/// The repository's common git dir when it is outside `dir` (a worktree's, or `dir` is a
/// subfolder of the checkout): the agent commits there.
fn git_dir_outside(dir: &Path) -> Option<PathBuf> {
    let out = crate::git::run(dir, &["rev-parse", "--path-format=absolute", "--git-common-dir"]).ok()?;
    let path = PathBuf::from(out.trim());
    (!path.starts_with(dir) && path.is_dir()).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fence::Sandbox;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn codex_flags_go_after_the_notify_override_or_after_exec_and_come_off_for_restore() {
        let f = Fence { sandbox: Sandbox::WorkspaceWrite, network: false, by: FenceBy::Codex };
        let cp = Path::new("/d/.minder/s");
        let tui = agent_argv(words(&["codex", "-c", "notify=[]", "--no-daemon", "go"]), &f, cp, Path::new("/d"));
        assert_eq!(
            tui,
            words(&[
                "codex",
                "-c",
                "notify=[]",
                "-s",
                "workspace-write",
                "-c",
                "sandbox_workspace_write.network_access=false",
                "--no-daemon",
                "go"
            ])
        );
        let exec = agent_argv(words(&["codex", "exec", "--json", "go"]), &f, cp, Path::new("/d"));
        assert_eq!(
            exec,
            words(&[
                "codex",
                "exec",
                "-s",
                "workspace-write",
                "-c",
                "sandbox_workspace_write.network_access=false",
                "--json",
                "go"
            ])
        );
        assert_eq!(strip_agent_words(exec, Some(&f)), words(&["codex", "exec", "--json", "go"]));
        let started = words(&[
            "codex",
            "-s",
            "workspace-write",
            "-c",
            "sandbox_workspace_write.network_access=false",
            "--no-daemon",
        ]);
        assert_eq!(strip_agent_words(started, Some(&f)), words(&["codex", "--no-daemon"]));
    }
}

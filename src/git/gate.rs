//! The push gate: the agent's git sees `core.hooksPath` pointing at a folder minder owns,
//! through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` in its environment, so the
//! user's repository config is never edited. `pre-push` refuses until the session is approved;
//! every hook (pre-push included, once allowed) then runs the repository's own hook, from its
//! configured `core.hooksPath` or `.git/hooks`, so overriding the path disables nothing.

use crate::store::fsutil;
use crate::store::Store;
use anyhow::{Context, Result};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Client-side hooks minder forwards. `reference-transaction` and `post-index-change` are left
/// out: they run on nearly every git command and would cost a process each time.
pub const HOOKS: &[&str] = &[
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "post-rewrite",
    "pre-auto-gc",
    "push-to-checkout",
    "sendemail-validate",
];

/// Variable carrying how many `GIT_CONFIG_*` entries the caller had before minder's.
const BASE_COUNT_VAR: &str = "MINDER_GIT_CONFIG_BASE";

pub fn hooks_dir(store: &Store) -> PathBuf {
    store.dirs().githooks()
}

/// Write the hook scripts (idempotent) and return the environment that points git at them.
pub fn install(store: &Store, self_exe: &Path) -> Result<Vec<(String, String)>> {
    let dir = hooks_dir(store);
    let exe = crate::tmux::quote::shell_quote(&self_exe.display().to_string());
    // One file says the scripts are in place for this binary; `new` need not reread them all.
    let stamp = dir.join(".installed");
    let stamp_text = format!("{exe}\n{}\n", HOOKS.join(" "));
    if std::fs::read_to_string(&stamp).map(|s| s != stamp_text).unwrap_or(true) {
        write_hooks(&dir, &exe)?;
        fsutil::write_atomic(&stamp, stamp_text.as_bytes())?;
    }
    let base: usize = std::env::var("GIT_CONFIG_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
    Ok(vec![
        (format!("GIT_CONFIG_KEY_{base}"), "core.hooksPath".into()),
        (format!("GIT_CONFIG_VALUE_{base}"), dir.display().to_string()),
        ("GIT_CONFIG_COUNT".into(), (base + 1).to_string()),
        (BASE_COUNT_VAR.into(), base.to_string()),
    ])
}

fn write_hooks(dir: &Path, exe: &str) -> Result<()> {
    fsutil::create_private_dir_all(dir)?;
    for hook in HOOKS {
        let path = dir.join(hook);
        let body = format!("#!/bin/sh\n# Installed by minder: the push gate, then the repository's own hook.\nexec {exe} _git-hook {hook} \"$@\"\n");
        if std::fs::read_to_string(&path).map(|b| b == body).unwrap_or(false) {
            continue;
        }
        fsutil::write_atomic(&path, body.as_bytes())?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot make `{}` executable", path.display()))?;
    }
    Ok(())
}

/// Why a push must wait, or None when it may go.
pub fn push_refusal(store: &Store, session: &str) -> Option<String> {
    match store.load(session) {
        Ok(r) if r.approved_at.is_some() => None,
        Ok(r) => Some(format!(
            "minder: push refused: session `{}` is not approved yet (state {}).\n\
             minder: a person reviews it first: `minder review {}`, then `minder approve {}`.",
            r.name, r.state, r.name, r.name
        )),
        // Not a session minder knows (the variables leaked elsewhere): nothing to gate.
        Err(_) => None,
    }
}

/// `_git-hook NAME ARGS...`: gate, then hand over to the repository's own hook.
pub fn run_hook(name: &str, args: &[String]) -> Result<()> {
    if name == "pre-push" {
        if let (Ok(state), Ok(session)) = (std::env::var("MINDER_STATE_DIR"), std::env::var("MINDER_SESSION")) {
            if let Some(why) = push_refusal(&Store::new(PathBuf::from(state)), &session) {
                eprintln!("{why}");
                std::process::exit(1);
            }
        }
    }
    let base = std::env::var(BASE_COUNT_VAR).ok().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    let Some(hook) = own_hook(name, base) else { return Ok(()) };
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(&hook);
    cmd.args(args);
    // The repository's hook (and any git it runs) sees the config as the user has it.
    restore_git_config(&mut cmd, base);
    let err = cmd.exec();
    Err(anyhow::anyhow!("cannot run the repository's `{}` hook `{}`: {err}", name, hook.display()))
}

fn restore_git_config(cmd: &mut std::process::Command, base: usize) {
    cmd.env_remove(BASE_COUNT_VAR);
    if base == 0 {
        cmd.env_remove("GIT_CONFIG_COUNT");
    } else {
        cmd.env("GIT_CONFIG_COUNT", base.to_string());
    }
    cmd.env_remove(format!("GIT_CONFIG_KEY_{base}"));
    cmd.env_remove(format!("GIT_CONFIG_VALUE_{base}"));
}

/// The repository's own executable hook `name`: from its own `core.hooksPath`, else the
/// common git dir's `hooks/`.
fn own_hook(name: &str, base: usize) -> Option<PathBuf> {
    let git = |args: &[&str]| -> Option<String> {
        // Hooks run at the top of the working tree.
        let mut cmd = super::command(std::path::Path::new("."));
        cmd.args(args).stderr(std::process::Stdio::null());
        restore_git_config(&mut cmd, base);
        let out = cmd.output().ok()?;
        let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !s.is_empty()).then_some(s)
    };
    let dir = match git(&["config", "--get", "core.hooksPath"]) {
        Some(p) => {
            let p = PathBuf::from(crate::domain::config::expand_home(&p));
            if p.is_absolute() {
                p
            } else {
                // Relative to where hooks run: the top of the working tree.
                PathBuf::from(git(&["rev-parse", "--show-toplevel"]).unwrap_or_else(|| ".".into())).join(p)
            }
        }
        None => PathBuf::from(git(&["rev-parse", "--path-format=absolute", "--git-common-dir"])?).join("hooks"),
    };
    let hook = dir.join(name);
    let meta = std::fs::metadata(&hook).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then_some(hook)
}

//! The agent's `git`: the first `git` on its PATH is a symlink to minder (`gitshim/bin/git`
//! under the state dir), and minder started under that name reads the command line the way git
//! will. Every way into sending objects — `push`, `send-pack`, `receive-pack`, `http-push` and
//! the remote helpers (`remote-https`, `remote-ext`, ...) — however it is spelled (any flags,
//! `--no-verify` too, `-c`, `-C`, an alias), goes on only when the session is approved and every
//! commit that could leave is the approved commit or one of its ancestors; a push then sends the
//! very objects that were checked. Everything else goes straight to the real git. Hooks cannot
//! do this alone: `--no-verify` and `-c core.hooksPath=...` skip them.

use super::invocation::{self, PushRequest, Source};
use crate::store::{fsutil, Store};
use anyhow::{anyhow, Context, Result};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// Names minder answers to as the agent's git (its argv[0]): `git`, and the dashed forms a
/// script may find in git's exec path; every `git-remote-*` helper too (`answers_to`).
pub const NAMES: &[&str] = &["git", "git-push", "git-send-pack", "git-receive-pack", "git-http-push"];

/// Whether minder is the agent's git under this name.
fn answers_to(name: &str) -> bool {
    NAMES.contains(&name) || name.starts_with("git-remote-")
}

/// Bumped when the set of names the exec path mirror points at the shim changes, so a mirror
/// built by an older minder is built again.
const MIRROR_LAYOUT: u32 = 2;

/// The real git, found by absolute path when the session started (skipping the shim).
pub const REAL_GIT_VAR: &str = "MINDER_GIT";

/// A mirror of the real git's exec path in which every name the shim answers to is the shim
/// again. git puts its exec path first on the PATH of everything it starts (a shell alias,
/// a hook, `rebase -x`, an editor), so a git started from there meets the gate too.
pub const EXEC_PATH_VAR: &str = "MINDER_GIT_EXEC_PATH";

/// Subcommands git always runs itself (an alias cannot shadow a builtin), none of which sends
/// commits: no need to ask git whether they are aliases. git 2.47's builtins but `push`,
/// `send-pack`, `receive-pack` and the remote helpers; git starts many of them itself (through the exec path mirror, so through here).
const BUILTINS: &[&str] = &[
    "add",
    "am",
    "annotate",
    "apply",
    "archive",
    "bisect",
    "blame",
    "branch",
    "bugreport",
    "bundle",
    "cat-file",
    "check-attr",
    "check-ignore",
    "check-mailmap",
    "check-ref-format",
    "checkout",
    "checkout--worker",
    "checkout-index",
    "cherry",
    "cherry-pick",
    "clean",
    "clone",
    "column",
    "commit",
    "commit-graph",
    "commit-tree",
    "config",
    "count-objects",
    "credential",
    "credential-cache",
    "credential-cache--daemon",
    "credential-store",
    "describe",
    "diagnose",
    "diff",
    "diff-files",
    "diff-index",
    "diff-tree",
    "difftool",
    "fast-export",
    "fast-import",
    "fetch",
    "fetch-pack",
    "fmt-merge-msg",
    "for-each-ref",
    "for-each-repo",
    "format-patch",
    "fsck",
    "fsck-objects",
    "fsmonitor--daemon",
    "gc",
    "get-tar-commit-id",
    "grep",
    "hash-object",
    "help",
    "hook",
    "index-pack",
    "init",
    "init-db",
    "interpret-trailers",
    "log",
    "ls-files",
    "ls-remote",
    "ls-tree",
    "mailinfo",
    "mailsplit",
    "maintenance",
    "merge",
    "merge-base",
    "merge-file",
    "merge-index",
    "merge-ours",
    "merge-recursive",
    "merge-recursive-ours",
    "merge-recursive-theirs",
    "merge-subtree",
    "merge-tree",
    "mktag",
    "mktree",
    "multi-pack-index",
    "mv",
    "name-rev",
    "notes",
    "pack-objects",
    "pack-redundant",
    "pack-refs",
    "patch-id",
    "pickaxe",
    "prune",
    "prune-packed",
    "pull",
    "range-diff",
    "read-tree",
    "rebase",
    "reflog",
    "refs",
    "remote",
    "repack",
    "replace",
    "replay",
    "rerere",
    "reset",
    "restore",
    "rev-list",
    "rev-parse",
    "revert",
    "rm",
    "shortlog",
    "show",
    "show-branch",
    "show-index",
    "show-ref",
    "sparse-checkout",
    "stage",
    "stash",
    "status",
    "stripspace",
    "submodule--helper",
    "switch",
    "symbolic-ref",
    "tag",
    "unpack-file",
    "unpack-objects",
    "update-index",
    "update-ref",
    "update-server-info",
    "upload-archive",
    "upload-archive--writer",
    "upload-pack",
    "var",
    "verify-commit",
    "verify-pack",
    "verify-tag",
    "version",
    "whatchanged",
    "worktree",
    "write-tree",
];

/// Deeper alias chains than this are refused (git itself stops at a loop).
const MAX_ALIASES: usize = 16;

/// When minder was started as the agent's git: run as the shim and return the exit code (on
/// success the real git has replaced this process and nothing returns).
pub fn dispatch() -> Option<i32> {
    let mut args = std::env::args_os();
    let argv0 = args.next()?;
    let name = Path::new(&argv0).file_name()?.to_str()?;
    answers_to(name).then(|| run(name, args.collect()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Push,
    SendPack,
    /// Writes into a repository what comes on its stdin (a push into a local path).
    ReceivePack,
    /// The dumb-HTTP push.
    HttpPush,
    /// `remote-<transport>`: reads push (or fetch) commands on stdin.
    RemoteHelper,
}

impl Kind {
    fn of(command: &str) -> Option<Kind> {
        Some(match command {
            "push" => Kind::Push,
            "send-pack" => Kind::SendPack,
            "receive-pack" => Kind::ReceivePack,
            "http-push" => Kind::HttpPush,
            c if c.starts_with("remote-") => Kind::RemoteHelper,
            _ => return None,
        })
    }

    fn spelled(self) -> &'static str {
        match self {
            Kind::Push => "git push",
            Kind::SendPack => "git send-pack",
            Kind::ReceivePack => "git receive-pack",
            Kind::HttpPush => "git http-push",
            Kind::RemoteHelper => "a git remote helper",
        }
    }
}

/// How a gated command goes on once the gate let it.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// As the agent wrote it.
    AsGiven,
    /// With these arguments instead (after the subcommand; the same global options): each
    /// single-source refspec made `[+]<object id>:<full dst>`, the object that was checked.
    Args(Vec<String>),
    /// A remote helper, with its commands checked one by one as they come.
    Helper,
}

#[derive(Debug, PartialEq, Eq)]
enum Decision {
    /// Not a push: run it as given.
    Pass,
    /// Not a push, and not a command git knows: run it with autocorrection off, inserted at
    /// this word (`help.autocorrect` would otherwise run `git psuh` as `git push`).
    PassWithoutAutocorrect(usize),
    /// A push: judged on these global options and arguments (after alias expansion).
    Gate {
        kind: Kind,
        globals: Vec<String>,
        args: Vec<String>,
    },
    Refuse(String),
}

fn run(name: &str, mut argv: Vec<OsString>) -> i32 {
    if let Some(sub) = name.strip_prefix("git-") {
        argv.insert(0, sub.into());
    }
    let real = match real_git() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("minder: {e}");
            return 127;
        }
    };
    // The second line first: a hook the agent disabled is put back before any git runs.
    if let (Some(state), Ok(me)) =
        (std::env::var_os("MINDER_STATE_DIR").filter(|s| !s.is_empty()), std::env::current_exe())
    {
        super::gate::repair_pre_push(&Store::new(PathBuf::from(state)), &me);
    }
    let text: Vec<String> = argv.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    match decide(&real, &text) {
        Decision::Pass => {}
        Decision::PassWithoutAutocorrect(at) => {
            argv.splice(at..at, ["-c".into(), "help.autocorrect=0".into()]);
        }
        Decision::Gate { kind, globals, args } => {
            let verdict = if argv.iter().any(|a| a.to_str().is_none()) {
                Err("minder: push refused: an argument is not UTF-8; the gate fails closed.".to_string())
            } else {
                check(&real, kind, &globals, &args)
            };
            match verdict {
                Err(why) => {
                    eprintln!("{why}");
                    super::gate::record_refusal("git shim", &why);
                    return 1;
                }
                // The program behind it is the shim in the mirror: git must find the real one.
                Ok(Plan::AsGiven) if kind == Kind::HttpPush => return exec_program(&real, argv),
                Ok(Plan::AsGiven) => {}
                Ok(Plan::Args(new)) => {
                    let word = if kind == Kind::Push { "push" } else { "send-pack" };
                    argv = globals
                        .iter()
                        .map(String::as_str)
                        .chain([word])
                        .chain(new.iter().map(String::as_str))
                        .map(OsString::from)
                        .collect();
                }
                Ok(Plan::Helper) => return run_helper(&real, &globals, argv),
            }
        }
        Decision::Refuse(why) => {
            eprintln!("{why}");
            super::gate::record_refusal("git shim", &why);
            return 1;
        }
    }
    exec(&real, argv)
}

/// The real git with `argv`, its exec path the mirror.
fn real_command(real: &Path, argv: Vec<OsString>) -> std::process::Command {
    let mut cmd = std::process::Command::new(real);
    cmd.args(argv);
    if let Some(mirror) = std::env::var_os(EXEC_PATH_VAR).filter(|m| Path::new(m).is_dir()) {
        cmd.env("GIT_EXEC_PATH", mirror);
    }
    cmd
}

/// The real git's own exec path (not the mirror).
fn real_exec_path(real: &Path) -> Option<PathBuf> {
    let mut cmd = std::process::Command::new(real);
    cmd.arg("--exec-path").env_remove("GIT_EXEC_PATH");
    let out = super::output(&mut cmd).ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && dir.is_dir()).then_some(dir)
}

/// `real_command` for a gated command that is a program of git's (`git-http-push`,
/// `git-remote-https`), not a builtin: in the mirror it is the shim, which would start git,
/// which would start the shim... It runs from the real exec path; what it starts is its own.
fn program_command(real: &Path, argv: Vec<OsString>) -> std::process::Command {
    let mut cmd = real_command(real, argv);
    if let Some(dir) = real_exec_path(real) {
        cmd.env("GIT_EXEC_PATH", dir);
    }
    cmd
}

fn exec_program(real: &Path, argv: Vec<OsString>) -> i32 {
    use std::os::unix::process::CommandExt;
    let err = program_command(real, argv).exec();
    eprintln!("minder: cannot run git `{}`: {err}", real.display());
    126
}

fn exec(real: &Path, argv: Vec<OsString>) -> i32 {
    use std::os::unix::process::CommandExt;
    let err = real_command(real, argv).exec();
    eprintln!("minder: cannot run git `{}`: {err}", real.display());
    126
}

/// What git will make of `argv`: follows aliases (asking the real git, with the same global
/// options, so `-c alias.x=push` counts) until it reaches a subcommand.
fn decide(real: &Path, argv: &[String]) -> Decision {
    let first = invocation::split(argv).globals.len();
    let mut words = argv.to_vec();
    for _ in 0..MAX_ALIASES {
        let s = invocation::split(&words);
        if s.terminal {
            return Decision::Pass;
        }
        if let Some(option) = s.unknown {
            // git stops there with an error, unless it is newer than this reading and the option
            // takes a value: a push behind it is refused rather than guessed at.
            let rest = &words[s.globals.len()..];
            if rest.iter().any(|w| Kind::of(w).is_some()) {
                return Decision::Refuse(format!(
                    "minder: push refused: minder's push gate does not know the git option `{option}`; the gate fails closed."
                ));
            }
            return Decision::Pass;
        }
        let Some(command) = s.command else { return Decision::Pass };
        let gate = |kind| Decision::Gate { kind, globals: s.globals.to_vec(), args: s.args.to_vec() };
        if let Some(kind) = Kind::of(command) {
            // `http-push` and the helpers are programs, not builtins: git would run an alias of
            // that name where the program is missing, and that alias could be `push`.
            if matches!(kind, Kind::HttpPush | Kind::RemoteHelper)
                && !matches!(alias(real, s.globals, command), Ok(None))
            {
                return Decision::Refuse(format!(
                    "minder: push refused: `{command}` is a git transport, and an alias of that name cannot be checked; the gate fails closed."
                ));
            }
            return gate(kind);
        }
        match command {
            c if BUILTINS.contains(&c) => return Decision::Pass,
            c => match alias(real, s.globals, c) {
                Err(e) => return Decision::Refuse(format!("minder: git refused: cannot read alias `{c}`: {e:#}")),
                Ok(None) => return Decision::PassWithoutAutocorrect(first),
                // A shell alias: the git it runs is found on a PATH that starts with the exec
                // path mirror, so it meets this shim again.
                Ok(Some(value)) if value.trim_start().starts_with('!') => return Decision::Pass,
                Ok(Some(value)) => {
                    // git refuses an alias it cannot split, so nothing runs.
                    let Some(expansion) = invocation::split_alias(&value) else { return Decision::Pass };
                    let mut next = s.globals.to_vec();
                    next.extend(expansion);
                    next.extend(s.args.iter().cloned());
                    words = next;
                }
            },
        }
    }
    Decision::Refuse("minder: git refused: aliases nest too deep for minder's push gate to follow".into())
}

/// `alias.NAME`, as git will see it with these global options.
fn alias(real: &Path, globals: &[String], name: &str) -> Result<Option<String>> {
    let key = format!("alias.{name}");
    let out = super::output(git_with(real, globals).args(["config", "--get", &key]))?;
    // 1: no such key (other failures: git will not find the alias either).
    if !out.status.success() {
        return Ok(None);
    }
    let value = String::from_utf8_lossy(&out.stdout);
    Ok(Some(value.strip_suffix('\n').unwrap_or(&value).to_string()))
}

/// The real git as the gate asks it (`git::gate_command_of`: no replace refs, no grafts, none
/// of the caller's GIT_DIR-like variables), about the repository the command would use: the
/// caller's GIT_DIR, GIT_WORK_TREE and GIT_NAMESPACE, if any, become global options first, then
/// the command's own.
fn git_with(real: &Path, globals: &[String]) -> std::process::Command {
    let mut cmd = super::gate_command_of(real.as_os_str());
    for (var, option) in [("GIT_DIR", "--git-dir"), ("GIT_WORK_TREE", "--work-tree"), ("GIT_NAMESPACE", "--namespace")]
    {
        if let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            let mut word = OsString::from(format!("{option}="));
            word.push(value);
            cmd.arg(word);
        }
    }
    cmd.args(globals);
    cmd
}

/// Ask the real git, with the command's own global options (`-C`, `--git-dir`, `-c`, ...), so
/// the answers are about the repository and config the push would use.
fn query(real: &Path, globals: &[String], args: &[&str]) -> Result<String> {
    let out = super::output(git_with(real, globals).args(args))?;
    if !out.status.success() {
        return Err(anyhow!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The gate's verdict on one gated command, and how it goes on.
fn check(real: &Path, kind: Kind, globals: &[String], args: &[String]) -> Result<Plan, String> {
    if kind == Kind::RemoteHelper {
        // What it sends comes on its stdin, checked line by line (`run_helper`); a fetch needs
        // no approval.
        return Ok(Plan::Helper);
    }
    let (store, session) = super::gate::session_from_env()?;
    let approved = super::gate::approved_commit(&store, &session)?;
    let what = kind.spelled();
    let request = match kind {
        Kind::Push => invocation::parse_push(args),
        Kind::SendPack => invocation::parse_send_pack(args),
        Kind::HttpPush => invocation::parse_http_push(args),
        // What it writes comes on its stdin, in git's protocol: approval is all that can be
        // asked of it (git's own push to a local path starts it after the push was checked).
        Kind::ReceivePack | Kind::RemoteHelper => return Ok(Plan::AsGiven),
    };
    let request = request.map_err(|why| {
        format!("minder: push refused: cannot tell what this `{what}` would send ({why}); the gate fails closed.")
    })?;
    if request.stateless {
        // The pack-writing end of an HTTP push, started by git's http helper for commands the
        // helper's gate checked; by itself it sends nothing (its pack goes to its stdout).
        return Ok(Plan::AsGiven);
    }
    if request.deletes {
        return Err(super::gate::deletion_refused(&session));
    }
    if request.stdin {
        return Err(format!("minder: push refused: `{what} --stdin` reads its refs where the gate cannot check them."));
    }
    let run = |a: &[&str]| query(real, globals, a);
    let cannot = |e: anyhow::Error| {
        format!("minder: push refused: cannot tell what this `{what}` would send ({e:#}); the gate fails closed.")
    };
    let (objects, revs) = objects_to_send(&run, &request).map_err(cannot)?;
    super::gate::check_commits(&run, &session, &approved, &objects)?;
    if kind == Kind::HttpPush {
        return Ok(Plan::AsGiven);
    }
    // The real git resolves the refspecs again: a ref moved in between (by the agent, racing
    // the check) would send what was never checked. It gets the object ids instead.
    let named = invocation::named_refspecs(args, kind == Kind::Push).map_err(|e| cannot(anyhow!(e)))?;
    let mut out = args.to_vec();
    for spec in named.iter().rev() {
        let object = revs.get(&spec.src).ok_or_else(|| cannot(anyhow!("`{}` was not resolved", spec.src)))?;
        let dst = destination(&run, spec, object).map_err(cannot)?;
        let plus = if spec.force { "+" } else { "" };
        out.splice(spec.words.clone(), [format!("{plus}{object}:{dst}")]);
    }
    Ok(Plan::Args(out))
}

/// A remote helper (`git remote-https NAME URL`, or git's own fetch and push through the exec
/// path mirror) reads its commands on stdin, where no argv shows them: they are passed on one by
/// one, and each that would send objects is judged before the helper sees it (the helper acts on
/// a batch of `push` lines only at the blank line that ends it). A `push` needs approval and an
/// approved commit, and goes on naming the object that was checked; `export` (a fast-import
/// stream) is refused; `connect` to `git-receive-pack` (git's protocol, spoken raw) needs
/// approval. After a `connect` or `stateless-connect` the rest is git's protocol, copied as is.
fn run_helper(real: &Path, globals: &[String], argv: Vec<OsString>) -> i32 {
    let mut cmd = program_command(real, argv);
    cmd.stdin(std::process::Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("minder: cannot run git `{}`: {e}", real.display());
            return 126;
        }
    };
    let Some(mut to_helper) = child.stdin.take() else { return 1 };
    let pid = child.id() as libc::pid_t;
    let (real, globals) = (real.to_path_buf(), globals.to_vec());
    // The commands are passed on by a thread, the helper waited for here: the helper's output
    // is git's to read, and this process holds it open too, so it must end when the helper does
    // (git may be waiting for that end, not writing to us).
    std::thread::spawn(move || {
        if let Err(why) = forward_helper_commands(&mut to_helper, &real, &globals) {
            // Said first, and the helper killed, while its stdin is still open: closed, the
            // helper would take it for the end of its commands and exit 0, and this process
            // with it, before the refusal was said or recorded. The helper never saw the
            // command, and ends without acting on it.
            eprintln!("{why}");
            super::gate::record_refusal("git shim", &why);
            // SAFETY: kill(2) on our own child, not yet reaped (the main thread reaps it only
            // once it has died), so the pid is still its.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            std::process::exit(1);
        }
    });
    match child.wait() {
        Ok(status) => status.code().unwrap_or(1),
        Err(_) => 1,
    }
}

/// Pass stdin's commands to the helper until stdin ends, or the first one the gate refuses.
fn forward_helper_commands(to: &mut std::process::ChildStdin, real: &Path, globals: &[String]) -> Result<(), String> {
    use std::io::Write;
    let stdin = std::io::stdin();
    let mut from_git = stdin.lock();
    let mut approval: Option<Result<(String, String), String>> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        match read_command(&mut from_git, &mut line) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            // Anything but the end fails closed, and says so.
            Err(e) => {
                return Err(format!(
                    "minder: push refused: cannot read the remote helper's commands ({e}); the gate fails closed."
                ))
            }
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let mut approved = || -> Result<(String, String), String> {
            approval
                .get_or_insert_with(|| {
                    let (store, session) = super::gate::session_from_env()?;
                    Ok((session.clone(), super::gate::approved_commit(&store, &session)?))
                })
                .clone()
        };
        let verdict = helper_command(text.trim_end_matches('\n'), &mut approved, &|a| query(real, globals, a))?;
        let forward = match &verdict {
            HelperLine::Rewritten(l) => format!("{l}\n").into_bytes(),
            HelperLine::Pass | HelperLine::ThenRaw => line.clone(),
        };
        if to.write_all(&forward).and_then(|_| to.flush()).is_err() {
            return Ok(());
        }
        if verdict == HelperLine::ThenRaw {
            let _ = std::io::copy(&mut from_git, to);
            return Ok(());
        }
    }
}

/// One command line (or what is left at the end of input) into `line`; 0 at the end. A
/// descriptor left non-blocking by whoever made it is waited on: "nothing yet" is never taken
/// for the end.
fn read_command(from: &mut impl std::io::BufRead, line: &mut Vec<u8>) -> std::io::Result<usize> {
    loop {
        match from.read_until(b'\n', line) {
            Ok(_) => return Ok(line.len()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                // Stdin is what the helper's commands come on; a bounded wait, then read again.
                let mut fd = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
                // SAFETY: one valid pollfd for the duration of the call.
                unsafe { libc::poll(&mut fd, 1, 100) };
            }
            Err(e) => return Err(e),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum HelperLine {
    Pass,
    Rewritten(String),
    /// Pass it, then the rest of the input is git's protocol, not commands.
    ThenRaw,
}

/// The gate's verdict on one command git gives a remote helper. `approved` says whose session
/// this is and its approved commit (or why nothing may go).
fn helper_command(
    line: &str,
    approved: &mut dyn FnMut() -> Result<(String, String), String>,
    run: &dyn Fn(&[&str]) -> Result<String>,
) -> Result<HelperLine, String> {
    let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
    match command {
        "push" => {
            let (session, commit) = approved()?;
            let force = rest.starts_with('+');
            let spec = rest.strip_prefix('+').unwrap_or(rest);
            let Some((src, dst)) = spec.rsplit_once(':') else {
                return Err(format!(
                    "minder: push refused: cannot read the helper command `{line}`; the gate fails closed."
                ));
            };
            if src.is_empty() {
                return Err(super::gate::deletion_refused(&session));
            }
            if src.starts_with('-') || src.contains('*') {
                return Err(format!("minder: push refused: cannot check `{src}`; the gate fails closed."));
            }
            let object = run(&["rev-parse", "--verify", "--quiet", src])
                .map(|o| o.trim().to_string())
                .map_err(|_| format!("minder: push refused: `{src}` names nothing here; the gate fails closed."))?;
            super::gate::check_commits(run, &session, &commit, std::slice::from_ref(&object))?;
            let plus = if force { "+" } else { "" };
            Ok(HelperLine::Rewritten(format!("push {plus}{object}:{dst}")))
        }
        "export" => {
            Err("minder: push refused: a remote helper's `export` sends a fast-import stream the gate cannot check."
                .into())
        }
        "connect" | "stateless-connect" => {
            if rest.trim_start_matches("git-") == "receive-pack" {
                approved()?;
            }
            Ok(HelperLine::ThenRaw)
        }
        _ => Ok(HelperLine::Pass),
    }
}

/// The full ref a single-source refspec updates, as git would qualify it: the destination as
/// given when it starts with `refs/`; a short one under the source's kind (`refs/heads/` for a
/// branch or a commit, `refs/tags/` for a tag); none given, the source's own full name.
fn destination(
    run: &dyn Fn(&[&str]) -> Result<String>,
    spec: &invocation::NamedRefspec,
    object: &str,
) -> Result<String> {
    if let Some(dst) = spec.dst.as_deref().filter(|d| d.starts_with("refs/")) {
        return Ok(dst.to_string());
    }
    let full = run(&["rev-parse", "--symbolic-full-name", &spec.src]).unwrap_or_default();
    let full = full.lines().next().unwrap_or_default().trim().to_string();
    let Some(short) = spec.dst.as_deref() else {
        if full.starts_with("refs/") {
            return Ok(full);
        }
        return Err(anyhow!("`{}` names no branch or tag to push to", spec.src));
    };
    let kind = if full.starts_with("refs/heads/") || full.starts_with("refs/tags/") {
        full.split('/').nth(1).unwrap_or_default().to_string()
    } else {
        match run(&["cat-file", "-t", object])?.trim() {
            "commit" => "heads".to_string(),
            "tag" => "tags".to_string(),
            t => return Err(anyhow!("cannot tell which kind of ref `{short}` is for a {t}")),
        }
    };
    Ok(format!("refs/{kind}/{short}"))
}

/// The objects a request could send, by asking git (refs, revisions, config), and the object
/// each revision it names resolved to.
fn objects_to_send(
    run: &dyn Fn(&[&str]) -> Result<String>,
    request: &PushRequest,
) -> Result<(Vec<String>, std::collections::HashMap<String, String>)> {
    let mut sources = request.sources.clone();
    if sources.contains(&Source::Default) {
        sources.retain(|s| *s != Source::Default);
        // Exit 1: none of these keys is set.
        let config =
            run(&["config", "--get-regexp", r"^(remote\..*\.(push|mirror)|push\.default)$"]).unwrap_or_default();
        let configured = invocation::default_sources(&config).map_err(|e| anyhow!(e))?;
        if configured.deletes {
            return Err(anyhow!("the configured push refspecs delete or mirror remote refs"));
        }
        sources.extend(configured.sources);
    }
    let mut revs = std::collections::HashMap::new();
    let mut refs: Option<Vec<(String, String)>> = None;
    let mut all_refs = || -> Result<Vec<(String, String)>> {
        if refs.is_none() {
            let out = run(&["for-each-ref", "--format=%(refname) %(objectname)"])?;
            refs = Some(
                out.lines().filter_map(|l| l.split_once(' ')).map(|(r, o)| (r.to_string(), o.to_string())).collect(),
            );
        }
        Ok(refs.clone().unwrap_or_default())
    };
    let mut objects = Vec::new();
    for source in &sources {
        match source {
            Source::Rev(rev) => {
                if rev.starts_with('-') {
                    return Err(anyhow!("`{rev}` is not a revision"));
                }
                let out = run(&["rev-parse", "--verify", "--quiet", rev])
                    .map_err(|_| anyhow!("`{rev}` names nothing here"))?;
                objects.push(out.trim().to_string());
                revs.insert(rev.clone(), out.trim().to_string());
            }
            Source::Branches => {
                objects.extend(all_refs()?.into_iter().filter(|(r, _)| r.starts_with("refs/heads/")).map(|(_, o)| o))
            }
            Source::Tags => {
                objects.extend(all_refs()?.into_iter().filter(|(r, _)| r.starts_with("refs/tags/")).map(|(_, o)| o))
            }
            Source::Pattern(p) => objects
                .extend(all_refs()?.into_iter().filter(|(r, _)| invocation::pattern_matches(p, r)).map(|(_, o)| o)),
            Source::Default => {}
        }
    }
    objects.sort();
    objects.dedup();
    Ok((objects, revs))
}

/// The real git: the one recorded when the session started, else the first `git` on PATH that
/// is not minder itself.
pub fn real_git() -> Result<PathBuf> {
    let me = std::env::current_exe().and_then(std::fs::canonicalize).ok();
    if let Some(recorded) = std::env::var_os(REAL_GIT_VAR).map(PathBuf::from) {
        if recorded.is_absolute() && is_executable(&recorded) && std::fs::canonicalize(&recorded).ok() != me {
            return Ok(recorded);
        }
    }
    find_on_path(std::env::var_os("PATH").as_deref(), me.as_deref())
        .ok_or_else(|| anyhow!("cannot find the real git on PATH (minder's push gate runs it)"))
}

/// The first executable `git` in an absolute PATH entry that is not `skip` (minder itself).
pub fn find_on_path(path: Option<&OsStr>, skip: Option<&Path>) -> Option<PathBuf> {
    std::env::split_paths(path?).filter(|d| d.is_absolute()).map(|d| d.join("git")).find(|candidate| {
        is_executable(candidate) && (skip.is_none() || std::fs::canonicalize(candidate).ok().as_deref() != skip)
    })
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// Put the shim in place for `self_exe` and return the agent's environment for it: PATH with
/// the shim first, the real git, and the exec path mirror.
pub fn install(store: &Store, self_exe: &Path) -> Result<Vec<(String, String)>> {
    let root = store.dirs().gitshim();
    let bin = root.join("bin");
    fsutil::create_private_dir_all(&bin)?;
    for name in NAMES {
        ensure_symlink(&bin.join(name), self_exe)?;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let rest: Vec<PathBuf> = std::env::split_paths(&path).filter(|d| d != &bin).collect();
    let agent_path = std::env::join_paths(std::iter::once(bin.clone()).chain(rest))
        .map_err(|e| anyhow!("cannot put the git shim on PATH: {e}"))?;
    let mut env = vec![("PATH".to_string(), agent_path.to_string_lossy().into_owned())];
    let me = std::fs::canonicalize(self_exe).ok();
    // No git yet: the shim looks on PATH when the agent runs one, and refuses pushes either way.
    if let Some(real) = find_on_path(Some(&path), me.as_deref()) {
        let mirror = exec_path_mirror(&root, &real, self_exe)?;
        env.push((REAL_GIT_VAR.to_string(), real.display().to_string()));
        env.push((EXEC_PATH_VAR.to_string(), mirror.display().to_string()));
    }
    Ok(env)
}

/// `link` → `target`, replaced atomically when it points elsewhere.
fn ensure_symlink(link: &Path, target: &Path) -> Result<()> {
    if std::fs::read_link(link).map(|t| t == target).unwrap_or(false) {
        return Ok(());
    }
    let tmp = link.with_file_name(format!(
        ".{}.{}",
        link.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).with_context(|| format!("cannot create `{}`", tmp.display()))?;
    std::fs::rename(&tmp, link).with_context(|| format!("cannot create `{}`", link.display()))
}

/// A folder mirroring the real git's exec path (a symlink per entry), with the shim under every
/// name it answers to (`git`, `git-push`, `git-send-pack`, `git-receive-pack`, `git-http-push`,
/// `git-remote-*`). Built once per git and minder binary; a stamp keyed on
/// both spares `new` the `git --exec-path` call after that.
fn exec_path_mirror(root: &Path, real: &Path, self_exe: &Path) -> Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(real).with_context(|| format!("cannot read `{}`", real.display()))?;
    let key = format!(
        "{}\n{}:{}:{}\n{}\n{}\n",
        real.display(),
        meta.ino(),
        meta.size(),
        meta.mtime(),
        self_exe.display(),
        std::env::var("GIT_EXEC_PATH").unwrap_or_default()
    );
    let stamp = root.join(".exec-path");
    if let Ok(text) = std::fs::read_to_string(&stamp) {
        if let Some(dir) = text.strip_prefix(&key).map(|d| PathBuf::from(d.trim_end())) {
            if dir.is_dir() {
                return Ok(dir);
            }
        }
    }
    let out = super::output(std::process::Command::new(real).arg("--exec-path"))?;
    let source = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !source.is_dir() {
        return Err(anyhow!("`{} --exec-path` gave no folder", real.display()));
    }
    let mut names: Vec<OsString> = std::fs::read_dir(&source)
        .with_context(|| format!("cannot read `{}`", source.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    let id = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&source, self_exe, &names, MIRROR_LAYOUT).hash(&mut h);
        h.finish()
    };
    let dir = root.join(format!("exec-{id:016x}"));
    if !dir.is_dir() {
        let tmp = root.join(format!(".exec-{id:016x}.{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        fsutil::create_private_dir_all(&tmp)?;
        for name in &names {
            let target = if name.to_str().is_some_and(answers_to) { self_exe.to_path_buf() } else { source.join(name) };
            std::os::unix::fs::symlink(&target, tmp.join(name))
                .with_context(|| format!("cannot create `{}`", tmp.display()))?;
        }
        if let Err(e) = std::fs::rename(&tmp, &dir) {
            let _ = std::fs::remove_dir_all(&tmp);
            // Another `new` built the same mirror a moment ago.
            if !dir.is_dir() {
                return Err(e).with_context(|| format!("cannot create `{}`", dir.display()));
            }
        }
    }
    fsutil::write_atomic(&stamp, format!("{key}{}\n", dir.display()).as_bytes())?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shell-like words (git's alias quoting).
    fn words(s: &str) -> Vec<String> {
        invocation::split_alias(s).unwrap()
    }

    /// `decide` with the real git, away from any repository or user config.
    fn decide_plain(s: &str) -> Decision {
        let real = find_on_path(std::env::var_os("PATH").as_deref(), None).expect("git on PATH");
        let mut argv = words("-c include.path=/dev/null");
        argv.extend(words(s));
        // The `-c` prefix is two global words: shift what the expected decisions count.
        match decide(&real, &argv) {
            Decision::PassWithoutAutocorrect(at) => Decision::PassWithoutAutocorrect(at - 2),
            Decision::Gate { kind, globals, args } => Decision::Gate { kind, globals: globals[2..].to_vec(), args },
            d => d,
        }
    }

    #[test]
    fn pushes_are_gated_however_spelled() {
        let gated = |s: &str| matches!(decide_plain(s), Decision::Gate { .. });
        for s in [
            "push",
            "push --no-verify origin HEAD",
            "-c core.hooksPath=/dev/null push origin",
            "-C /elsewhere push",
            "--git-dir=/x/.git --work-tree /x push",
            "send-pack /remote.git HEAD:refs/heads/x",
            "-c alias.p=push p origin",
            "-c alias.p=push -c alias.q=p q --no-verify",
            "-c 'alias.p=-P push' p",
            "-c alias.sp=send-pack sp /r.git HEAD",
            // Every other way into sending objects: the remote helpers, builtin or not, and
            // the programs behind them.
            "remote-https origin https://example.com/r.git",
            "remote-http x http://127.0.0.1:1/r.git",
            "remote-ext x 'git-receive-pack /r.git'",
            "remote-fd x 3,4",
            "remote-anything x y",
            "-C / receive-pack /r.git",
            "http-push https://example.com/r.git HEAD",
            "-c alias.rp=receive-pack rp /r.git",
        ] {
            assert!(gated(s), "{s}: {:?}", decide_plain(s));
        }
        // A transport's name as an alias runs the alias where the program is missing.
        assert!(matches!(decide_plain("-c alias.remote-x=push remote-x origin"), Decision::Refuse(_)));
        assert!(matches!(decide_plain("-c alias.http-push=push http-push origin"), Decision::Refuse(_)));
        match decide_plain("-C / -c a.b=c -c 'alias.p=push --no-verify' p -f origin") {
            Decision::Gate { kind, globals, args } => {
                assert_eq!(kind, Kind::Push);
                assert_eq!(globals, words("-C / -c a.b=c -c 'alias.p=push --no-verify'"));
                assert_eq!(args, words("--no-verify -f origin"));
            }
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn other_commands_pass() {
        for s in [
            "status",
            "commit -m push",
            "-C / log push",
            "--version",
            "",
            "--exec-path",
            "help push",
            "--help push",
            "-c 'alias.x=!true' x",
        ] {
            assert_eq!(decide_plain(s), Decision::Pass, "{s}");
        }
        // Not a command git knows: autocorrection off, before the subcommand.
        assert_eq!(decide_plain("-C / psuh origin"), Decision::PassWithoutAutocorrect(2));
        assert!(matches!(decide_plain("--frobnicate push"), Decision::Refuse(_)));
        assert_eq!(decide_plain("--frobnicate status"), Decision::Pass);
        assert!(matches!(decide_plain("-c alias.a=b -c alias.b=a a"), Decision::Refuse(_)));
    }

    /// Input that is not there yet on a non-blocking descriptor is waited for, never taken for
    /// the end (which would end the helper without a word); a line cut by it is read whole.
    #[test]
    fn a_command_is_read_whole_across_would_block() {
        struct Stutter(Vec<&'static [u8]>);
        impl std::io::Read for Stutter {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0.first().copied() {
                    None => Ok(0),
                    Some(b"") => {
                        self.0.remove(0);
                        Err(std::io::ErrorKind::WouldBlock.into())
                    }
                    Some(part) => {
                        buf[..part.len()].copy_from_slice(part);
                        self.0.remove(0);
                        Ok(part.len())
                    }
                }
            }
        }
        let mut from = std::io::BufReader::new(Stutter(vec![b"", b"conn", b"", b"ect git-receive-pack\n", b"", b"x"]));
        let mut line = Vec::new();
        assert_eq!(read_command(&mut from, &mut line).unwrap(), 25);
        assert_eq!(line, b"connect git-receive-pack\n");
        line.clear();
        assert_eq!(read_command(&mut from, &mut line).unwrap(), 1, "a last line without a newline");
        line.clear();
        assert_eq!(read_command(&mut from, &mut line).unwrap(), 0, "the end");
    }

    #[test]
    fn helper_commands_that_send_are_judged() {
        let approved = "a".repeat(40);
        let other = "b".repeat(40);
        // A fake git: `HEAD` is the approved commit, `new` another; only the approved commit is
        // its own ancestor.
        let run = |args: &[&str]| -> Result<String> {
            match args {
                ["rev-parse", "--verify", "--quiet", "HEAD"] => Ok(format!("{approved}\n")),
                ["rev-parse", "--verify", "--quiet", "new"] => Ok(format!("{other}\n")),
                ["rev-parse", peeled] => Ok(format!("{}\n", peeled.trim_end_matches("^{commit}"))),
                ["rev-list", "-n", "1", c, "--not", _] => {
                    Ok(if *c == approved { String::new() } else { format!("{c}\n") })
                }
                ["log", ..] => Ok("subject\n".into()),
                _ => Err(anyhow!("unexpected {args:?}")),
            }
        };
        let mut yes = || Ok(("s".to_string(), approved.clone()));
        let mut no = || Err::<(String, String), String>("minder: push refused: not approved".to_string());
        assert_eq!(
            helper_command("push HEAD:refs/heads/x", &mut yes, &run),
            Ok(HelperLine::Rewritten(format!("push {approved}:refs/heads/x")))
        );
        assert_eq!(
            helper_command("push +HEAD:refs/heads/x", &mut yes, &run),
            Ok(HelperLine::Rewritten(format!("push +{approved}:refs/heads/x")))
        );
        assert!(helper_command("push new:refs/heads/x", &mut yes, &run)
            .unwrap_err()
            .contains("not the approved commit"));
        assert!(helper_command("push HEAD:refs/heads/x", &mut no, &run).is_err());
        assert!(helper_command("push :refs/heads/x", &mut yes, &run).is_err());
        assert!(helper_command("push refs/heads/*:refs/heads/*", &mut yes, &run).is_err());
        assert!(helper_command("export", &mut yes, &run).is_err());
        assert!(helper_command("connect git-receive-pack", &mut no, &run).is_err());
        assert_eq!(helper_command("connect git-receive-pack", &mut yes, &run), Ok(HelperLine::ThenRaw));
        // A fetch needs no approval.
        for line in ["capabilities", "option verbosity 1", "list", "list for-push", "fetch 0000 refs/heads/x", ""] {
            assert_eq!(helper_command(line, &mut no, &run), Ok(HelperLine::Pass), "{line}");
        }
        assert_eq!(helper_command("stateless-connect git-upload-pack", &mut no, &run), Ok(HelperLine::ThenRaw));
    }

    #[test]
    fn real_git_is_found_past_the_shim() {
        let tmp = tempfile::tempdir().unwrap();
        let shim = tmp.path().join("shim");
        let real = tmp.path().join("real");
        std::fs::create_dir_all(&shim).unwrap();
        std::fs::create_dir_all(&real).unwrap();
        let me = tmp.path().join("minder");
        std::fs::write(&me, "#!/bin/sh\n").unwrap();
        std::fs::write(real.join("git"), "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        for p in [&me, &real.join("git")] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::os::unix::fs::symlink(&me, shim.join("git")).unwrap();
        let path = std::env::join_paths([Path::new("relative"), &shim, &real]).unwrap();
        let me = std::fs::canonicalize(&me).unwrap();
        assert_eq!(find_on_path(Some(&path), Some(&me)), Some(real.join("git")));
        assert_eq!(find_on_path(Some(&path), None), Some(shim.join("git")));
    }
}

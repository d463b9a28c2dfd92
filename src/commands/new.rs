//! `minder new`: claim a name atomically, then create the tmux session, its exit hook and its
//! log sink in one tmux call, so not a byte of output and no fast exit is missed.

use crate::app::Ctx;
use crate::domain::agents;
use crate::domain::brief::BriefInput;
use crate::domain::naming::{self, NameParts};
use crate::usage;
use anyhow::{anyhow, Context, Result};
use chrono::Utc;
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};

/// Start an agent in a new detached tmux session and print its name
///
/// The session runs in DIR (default: the current directory), logged from its first byte. The
/// agent comes from --agent (default: `default_agent` in the config); `-- COMMAND...` replaces
/// the profile's command, and with no --agent runs a plain command (profile `cmd`).
///
/// Examples:
///   minder new fix-login --goal "make the login test pass" --stop-when "tests pass"
///   minder new -a demo hello
///   minder new build -- cargo build --release
#[derive(ClapArgs, Debug, Default, Clone)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Task name (default: from --goal, or the command's name); slugged to [A-Za-z0-9_-]
    pub name: Option<String>,
    /// Directory to run in
    #[arg(short = 'C', long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Agent profile (codex, claude, aider, gemini, codex-exec, cmd, demo, or your own)
    #[arg(short, long, value_name = "PROFILE")]
    pub agent: Option<String>,
    /// Brief file to hand the agent (saved as BRIEF.md in its checkpoint folder)
    #[arg(short, long, value_name = "FILE")]
    pub brief: Option<PathBuf>,
    /// The goal, written into the brief
    #[arg(long, value_name = "TEXT")]
    pub goal: Option<String>,
    /// Something the agent may do (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub allow: Vec<String>,
    /// Something the agent must not do (repeatable)
    #[arg(long, value_name = "TEXT")]
    pub deny: Vec<String>,
    /// When the agent should stop and report (repeatable)
    #[arg(long = "stop-when", value_name = "TEXT")]
    pub stop_when: Vec<String>,
    /// Run in a new git worktree on its own branch
    #[arg(short, long)]
    pub worktree: bool,
    /// Branch for the worktree (default: minder/<task>)
    #[arg(long, value_name = "B")]
    pub branch: Option<String>,
    /// Base of the worktree branch (default: HEAD)
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Start N sessions on the same brief, each in its own worktree
    #[arg(long, value_name = "N")]
    pub attempts: Option<u32>,
    /// When it reaches review, run CMD in its directory (repeatable; replaces the profile's
    /// `check`): output saved as an artifact, exit code and time recorded, attempts ranked
    #[arg(long, value_name = "CMD")]
    pub check: Vec<String>,
    /// Attach to the session once it is started
    #[arg(long)]
    pub attach: bool,
    /// Print the session as JSON
    #[arg(long)]
    pub json: bool,
    /// What the agent may write, for this session (replaces the profile's `sandbox`)
    #[arg(long, value_name = "MODE")]
    pub sandbox: Option<crate::domain::fence::Sandbox>,
    /// Whether what the agent runs may use the network, for this session (replaces the
    /// profile's `network`)
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
    pub network: Option<bool>,
    /// Token budget for this session (input + output; replaces the profile's `max_tokens`):
    /// past it the person is told, or the agent stopped with `on_budget = "stop"`
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u64>,
    /// Command to run instead of the profile's
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Start it on this host of the config (`[hosts.NAME]`), with that host's config and
    /// profiles: -C is a path there (default: the remote home), a --brief file is sent as text
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    if let Some(host) = args.host.as_deref().filter(|h| *h != crate::domain::hosts::LOCAL) {
        return new_on_host(ctx, host, args.clone());
    }
    let agent = match &args.agent {
        Some(a) => a.clone(),
        None if !args.command.is_empty() => "cmd".to_string(),
        None => ctx.config.default_agent.clone(),
    };
    let mut profile = agents::profile(&ctx.config, &agent)?;
    if let Some(s) = args.sandbox {
        profile.sandbox = s;
        profile.sandbox_chosen = true;
    }
    if let Some(n) = args.network {
        profile.network = n;
    }
    if let Some(n) = args.max_tokens {
        profile.max_tokens = n;
    }
    let dir = resolve_dir(args.dir.as_deref())?;
    let command = if args.command.is_empty() { profile.command.clone() } else { args.command.clone() };
    if command.is_empty() {
        return Err(usage!(
            "profile `{}` has no command: give one after `--`, e.g. `minder new build -- make test`",
            profile.name
        ));
    }
    check_program(&command[0], &dir, &profile.name, args.command.is_empty())?;
    // Refused here, before anything is made, when the policy cannot hold on this machine.
    let fence =
        crate::ops::fence::decide(&profile, &agents::expand_self(&command, &ctx.self_exe.display().to_string()))?;
    let brief = BriefInput {
        file_text: match &args.brief {
            Some(path) => {
                Some(std::fs::read_to_string(path).map_err(|e| usage!("cannot read brief `{}`: {e}", path.display()))?)
            }
            None => None,
        },
        goal: args.goal.clone(),
        allow: args.allow.clone(),
        deny: args.deny.clone(),
        stop_when: args.stop_when.clone(),
    };
    let goal = args.goal.clone().or_else(|| brief.file_text.as_deref().and_then(crate::domain::brief::goal_of));
    let explicit_name = args.name.is_some();
    let task = match (&args.name, &goal) {
        (Some(n), _) => {
            let t = naming::slug(n, 48);
            if t.is_empty() {
                return Err(usage!("the name `{n}` has no usable characters (use letters, digits, `-` or `_`)"));
            }
            t
        }
        (None, Some(goal)) if !naming::task_from_goal(goal).is_empty() => naming::task_from_goal(goal),
        _ => {
            let base = Path::new(&command[0]).file_name().map(|s| s.to_string_lossy().to_string());
            let t = naming::slug(&base.unwrap_or_default(), 32);
            if t.is_empty() {
                profile.name.clone()
            } else {
                t
            }
        }
    };
    let attempts = args.attempts.unwrap_or(1);
    if attempts == 0 || attempts > 16 {
        return Err(usage!("--attempts must be between 1 and 16"));
    }
    if (args.branch.is_some() || args.base.is_some()) && !args.worktree && attempts == 1 {
        return Err(usage!("--branch and --base need --worktree"));
    }
    let worktree = args.worktree || attempts > 1;
    let repo = if worktree {
        Some(crate::git::toplevel(&dir).map_err(|_| if args.worktree {
            usage!("--worktree needs a git repository, and `{}` is not in one", dir.display())
        } else {
            usage!("--attempts runs each attempt in its own git worktree, so it needs a git repository, and `{}` is not in one", dir.display())
        })?)
    } else {
        None
    };
    let base = match (&repo, &args.base) {
        (Some(_), Some(b)) => Some(b.clone()),
        (Some(r), None) => Some(crate::git::current_ref(r)?),
        _ => None,
    };
    let mut template = ctx.config.name_template.clone();
    if attempts > 1 && !template.contains("{n}") {
        template.push_str("-{n}");
    }
    let mut names = Vec::new();
    for n in 1..=attempts {
        let parts = NameParts {
            agent: profile.name.clone(),
            task: task.clone(),
            project: if template.contains("{project}") { project_name(&dir) } else { String::new() },
            branch: if template.contains("{branch}") { git_branch(&dir) } else { String::new() },
            date: Utc::now().format("%Y%m%d").to_string(),
            n: (attempts > 1).then_some(n),
        };
        let name = naming::expand(&template, &parts).map_err(|e| usage!("{e}"))?;
        let branch = repo.as_ref().map(|_| {
            let b = args.branch.clone().unwrap_or_else(|| format!("minder/{task}"));
            if attempts > 1 {
                format!("{b}-{n}")
            } else {
                b
            }
        });
        let plan = crate::ops::start::Plan {
            name,
            task: task.clone(),
            profile: profile.clone(),
            dir: dir.clone(),
            command: command.clone(),
            attempt: (attempts > 1).then_some(n),
            goal: goal.clone(),
            checks: if args.check.is_empty() { profile.check.clone() } else { args.check.clone() },
            explicit_name,
            brief: (!brief.is_empty()).then(|| brief.clone()),
            worktree: repo.as_ref().map(|r| crate::ops::start::WorktreePlan {
                repo: r.clone(),
                branch: branch.clone().unwrap(),
                base: base.clone().unwrap(),
            }),
            fence,
        };
        let record = crate::ops::start::start(ctx, plan)?;
        if args.json {
            let obs = crate::ops::reconcile::Observed {
                record: record.clone(),
                pane: None,
                tmux_checked: false,
                tmux_error: None,
            };
            let v = crate::ops::present::versioned(
                serde_json::json!({"session": crate::ops::present::session_json(ctx, &obs)}),
            );
            crate::outln!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            crate::outln!("{}", record.name);
        }
        names.push(record);
    }
    if args.attach {
        if let Some(first) = names.first() {
            return crate::ops::attach::attach_to(ctx, &crate::ops::reconcile::observe_one(ctx, &first.name)?);
        }
    }
    Ok(())
}

fn resolve_dir(dir: Option<&Path>) -> Result<PathBuf> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let canon = std::fs::canonicalize(&dir).map_err(|_| anyhow!("no directory `{}`", dir.display()))?;
    if !canon.is_dir() {
        return Err(anyhow!("`{}` is not a directory", dir.display()));
    }
    Ok(canon)
}

fn project_name(dir: &Path) -> String {
    let top = crate::git::toplevel(dir).ok();
    let top = top.as_deref().unwrap_or(dir);
    top.file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_default()
}

fn git_branch(dir: &Path) -> String {
    crate::git::branch(dir)
}

/// Refuse, before anything is created, a program that cannot run: a path that is not an
/// executable file, or a name not on PATH. (The agent would only end `failed (127)` with the
/// reason buried in its log.)
fn check_program(program: &str, dir: &Path, profile: &str, from_profile: bool) -> Result<()> {
    if program == crate::domain::agents::SELF_EXE {
        return Ok(());
    }
    let whose = if from_profile { format!(" (the command of profile `{profile}`)") } else { String::new() };
    if program.contains('/') {
        let path = if Path::new(program).is_absolute() { PathBuf::from(program) } else { dir.join(program) };
        use std::os::unix::fs::PermissionsExt;
        let runnable =
            std::fs::metadata(&path).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false);
        if !runnable {
            return Err(anyhow!("cannot run `{program}`{whose}: not an executable file"));
        }
        return Ok(());
    }
    which::which(program)
        .map(|_| ())
        .map_err(|_| anyhow!("cannot run `{program}`{whose}: not found on PATH (install it, or give its path)"))
}

/// `new --host HOST`: the remote minder starts it, with its own config and profiles. Nothing
/// local travels as a path: `-C` is the remote path as typed, a brief goes as its text.
fn new_on_host(ctx: &Ctx, host: &str, args: Args) -> Result<()> {
    let Some(config) = ctx.config.hosts.get(host) else {
        let known: Vec<&str> = ctx.config.hosts.keys().map(String::as_str).collect();
        return Err(usage!(
            "no host `{host}` in the config (hosts: {})",
            if known.is_empty() { "none; add a [hosts.NAME] table".to_string() } else { known.join(", ") }
        ));
    };
    let host = crate::hosts::Host::new(host, config)?;
    let mut argv: Vec<String> = vec!["new".into()];
    let mut opt = |flag: &str, value: Option<String>| {
        if let Some(v) = value {
            argv.push(flag.into());
            argv.push(v);
        }
    };
    opt("-C", args.dir.as_ref().map(|d| d.to_string_lossy().into_owned()));
    opt("--agent", args.agent.clone());
    opt("--goal", args.goal.clone());
    opt("--branch", args.branch.clone());
    opt("--base", args.base.clone());
    opt("--attempts", args.attempts.map(|n| n.to_string()));
    for (flag, list) in
        [("--allow", &args.allow), ("--deny", &args.deny), ("--stop-when", &args.stop_when), ("--check", &args.check)]
    {
        for v in list {
            argv.extend([flag.to_string(), v.clone()]);
        }
    }
    let brief = match &args.brief {
        Some(path) => {
            argv.extend(["--brief".to_string(), "{brief}".to_string()]);
            Some(std::fs::read_to_string(path).map_err(|e| usage!("cannot read brief `{}`: {e}", path.display()))?)
        }
        None => None,
    };
    if args.worktree {
        argv.push("--worktree".into());
    }
    if args.json {
        argv.push("--json".into());
    }
    if let Some(name) = &args.name {
        argv.push(name.clone());
    }
    if !args.command.is_empty() {
        argv.push("--".into());
        argv.extend(args.command.iter().cloned());
    }
    let reply = host.request(crate::domain::hosts::Op::Run { argv, expect: None, brief })?;
    crate::ops::remote::print_reply(&reply)?;
    if args.attach && !args.json {
        if let Some(name) = reply.stdout.lines().next().map(str::trim).filter(|n| !n.is_empty()) {
            return crate::ops::remote::attach(&host, name);
        }
    }
    Ok(())
}

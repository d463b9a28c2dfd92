//! `minder new`: claim a name atomically, then create the tmux session, its exit hook and its
//! log sink in one tmux call, so not a byte of output and no fast exit is missed.

use crate::agents::{self, Profile};
use crate::app::Ctx;
use crate::cli::NewArgs;
use crate::config::PromptMode;
use crate::fsutil;
use crate::naming::{self, NameParts};
use crate::quote::{format_escape, format_time_escape, shell_join, tmux_quote};
use crate::session::{DetectSettings, Event, LogSettings, Record, Source, State, TmuxIds, SCHEMA_VERSION};
use crate::tmux::{session_target, Cmd, SEP};
use crate::{tmux_cmd, usage};
use anyhow::{anyhow, Context, Result};
use chrono::Utc;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Size of the detached window until a client attaches (then tmux resizes it to the client).
pub const WIDTH: u16 = 200;
pub const HEIGHT: u16 = 50;

/// Environment variables the pane keeps from tmux rather than from the caller of `new`.
pub const PANE_ENV: &[&str] = &["TERM", "TMUX", "TMUX_PANE", "MINDER_SESSION", "MINDER_DIR", "MINDER_STATE_DIR"];

/// Everything `new` decided before touching tmux: one per attempt.
pub struct Plan {
    pub name: String,
    pub task: String,
    pub profile: Profile,
    pub dir: PathBuf,
    pub command: Vec<String>,
    pub attempt: Option<u32>,
    pub goal: Option<String>,
    pub explicit_name: bool,
}

pub fn run(ctx: &Ctx, args: NewArgs) -> Result<()> {
    let agent = match &args.agent {
        Some(a) => a.clone(),
        None if !args.command.is_empty() => "cmd".to_string(),
        None => ctx.config.default_agent.clone(),
    };
    let profile = agents::profile(&ctx.config, &agent)?;
    let dir = resolve_dir(args.dir.as_deref())?;
    let mut command = if args.command.is_empty() { profile.command.clone() } else { args.command.clone() };
    if command.is_empty() {
        return Err(usage!("profile `{}` has no command: give one after `--`, e.g. `minder new build -- make test`", profile.name));
    }
    let explicit_name = args.name.is_some();
    let task = match (&args.name, &args.goal) {
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
            if t.is_empty() { profile.name.clone() } else { t }
        }
    };
    if profile.prompt == PromptMode::Argument && args.command.is_empty() {
        if let Some(goal) = &args.goal {
            command.push(brief_instruction(goal));
        }
    }
    let parts = NameParts {
        agent: profile.name.clone(),
        task: task.clone(),
        project: if ctx.config.name_template.contains("{project}") { project_name(&dir) } else { String::new() },
        branch: if ctx.config.name_template.contains("{branch}") { git_branch(&dir) } else { String::new() },
        date: Utc::now().format("%Y%m%d").to_string(),
        n: None,
    };
    let name = naming::expand(&ctx.config.name_template, &parts).map_err(|e| usage!("{e}"))?;
    let plan = Plan {
        name,
        task,
        profile,
        dir,
        command,
        attempt: None,
        goal: args.goal.clone(),
        explicit_name,
    };
    let record = start(ctx, plan)?;
    if args.json {
        let obs = crate::live::Observed { record: record.clone(), pane: None };
        let v = serde_json::json!({"version": 1, "session": crate::view::session_json(ctx, &obs)});
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        crate::outln!("{}", record.name);
    }
    if args.attach {
        return crate::commands::attach::attach_to(ctx, &record);
    }
    Ok(())
}

/// A short instruction for agents that take the brief as an argument.
pub fn brief_instruction(goal: &str) -> String {
    goal.to_string()
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

fn git_output(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn project_name(dir: &Path) -> String {
    let top = git_output(dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    let top = top.as_deref().unwrap_or(dir);
    top.file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_default()
}

fn git_branch(dir: &Path) -> String {
    git_output(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).unwrap_or_default()
}

/// Claim the name, write the record, start the session. On any failure nothing is left behind.
pub fn start(ctx: &Ctx, mut plan: Plan) -> Result<Record> {
    let store = &ctx.store;
    let record = {
        let _lock = store.lock_all()?;
        let count_live = || -> Result<usize> {
            Ok(store.load_all()?.iter().filter(|r| r.state.is_live()).count())
        };
        let mut live = count_live()?;
        if live >= ctx.config.max_sessions as usize {
            // Records may be stale (sessions that ended or vanished): look at tmux, then recount.
            crate::live::observe(ctx)?;
            live = count_live()?;
        }
        if live >= ctx.config.max_sessions as usize {
            return Err(anyhow!(
                "max_sessions reached: {live} sessions are live (stop or rm one, or raise `max_sessions` in the config)"
            ));
        }
        plan.name = claim_name(ctx, &plan)?;
        plan.command = plan.profile.launch_argv(&plan.command, &ctx.self_exe.display().to_string(), &plan.name);
        let record = new_record(ctx, &plan);
        let saved = store.save(&record).and_then(|()| {
            let created = Event {
                at: record.created_at,
                state: State::Working,
                detail: String::new(),
                source: Source::Command,
                note: Some("created".into()),
            };
            store.append_event(&record.name, &created)
        });
        if let Err(e) = saved {
            let _ = std::fs::remove_dir_all(store.paths(&plan.name).root);
            return Err(e);
        }
        record
    };
    match launch(ctx, &plan, &record) {
        Ok(record) => Ok(record),
        Err(e) => {
            let _ = std::fs::remove_dir_all(store.paths(&plan.name).root);
            Err(e)
        }
    }
}

/// Create the session folder atomically; an existing one means the name is taken. An implicit
/// name gets `-2`, `-3`... instead.
fn claim_name(ctx: &Ctx, plan: &Plan) -> Result<String> {
    let sessions = ctx.store.sessions_dir();
    for i in 1..=99 {
        let candidate = if i == 1 { plan.name.clone() } else { format!("{}-{i}", plan.name) };
        match fsutil::create_private_dir(&sessions.join(&candidate)) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if plan.explicit_name {
                    return Err(anyhow!(
                        "session `{candidate}` already exists (see `minder show {candidate}`; `minder rm {candidate}` to reuse the name)"
                    ));
                }
            }
            Err(e) => return Err(e).with_context(|| format!("cannot create `{}`", sessions.join(&candidate).display())),
        }
    }
    Err(anyhow!("too many sessions named `{}-*`", plan.name))
}

fn new_record(ctx: &Ctx, plan: &Plan) -> Record {
    let now = Utc::now();
    Record {
        schema: SCHEMA_VERSION,
        name: plan.name.clone(),
        task: plan.task.clone(),
        agent: plan.profile.name.clone(),
        dir: plan.dir.clone(),
        command: plan.command.clone(),
        created_at: now,
        state: State::Working,
        detail: String::new(),
        state_source: Source::Command,
        state_at: now,
        tmux: TmuxIds::default(),
        socket: None,
        width: WIDTH,
        height: HEIGHT,
        checkpoint_dir: plan.dir.join(".minder").join(&plan.name),
        log_settings: LogSettings {
            max_size: ctx.config.logs.max_size.0,
            keep: ctx.config.logs.keep,
            redact: ctx.config.logs.redact.iter().map(|p| p.source.clone()).collect(),
        },
        detect: DetectSettings {
            waiting: plan.profile.waiting.iter().map(|p| p.source.clone()).collect(),
            working: plan.profile.working.iter().map(|p| p.source.clone()).collect(),
            idle: plan.profile.idle.iter().map(|p| p.source.clone()).collect(),
            integration: plan.profile.integration,
            stuck_after_ms: ctx.config.stuck_after.0.as_millis() as u64,
            idle_ttl_ms: ctx.config.idle_ttl.0.map(|d| d.as_millis() as u64),
        },
        ended_at: None,
        exit_code: None,
        exit_signal: None,
        stop_requested_at: None,
        worktree: None,
        attempt: plan.attempt,
        last_message: None,
        thread_id: None,
        goal: plan.goal.clone(),
    }
}

/// The shell command `pipe-pane` runs: our sink, reading the pane's output on stdin.
pub fn sink_command(self_exe: &Path, session_root: &Path, resumed: bool) -> String {
    let mut words = vec![
        self_exe.display().to_string(),
        "_sink".to_string(),
        session_root.display().to_string(),
    ];
    if resumed {
        words.push("--resumed".into());
    }
    // pipe-pane expands formats and strftime(3) escapes in its command.
    format_time_escape(&format!("exec {}", shell_join(&words)))
}

/// The `pane-died` hook body: hand the exit to `minder _pane-died` in the background.
pub fn hook_command(self_exe: &Path, session_root: &Path) -> String {
    let words = [self_exe.display().to_string(), "_pane-died".to_string(), session_root.display().to_string()];
    let shell = format!(
        "{} '#{{pane_id}}' '#{{pane_dead_status}}' '#{{pane_dead_signal}}' '#{{pane_dead_time}}' --socket-path '#{{socket_path}}'",
        format_escape(&shell_join(&words))
    );
    format!("run-shell -b {}", tmux_quote(&shell))
}

/// Write the caller's environment for `_exec` (so secrets never appear in any argv).
fn write_env_file(path: &Path) -> Result<()> {
    let mut data = Vec::new();
    for (k, v) in std::env::vars_os() {
        if PANE_ENV.iter().any(|p| k == *p) {
            continue;
        }
        data.extend_from_slice(k.as_bytes());
        data.push(b'=');
        data.extend_from_slice(v.as_bytes());
        data.push(0);
    }
    fsutil::write_atomic(path, &data)
}

fn launch(ctx: &Ctx, plan: &Plan, record: &Record) -> Result<Record> {
    let store = &ctx.store;
    let paths = store.paths(&plan.name);
    fsutil::create_private_dir_all(&paths.logs())?;
    fsutil::create_private_dir_all(&record.checkpoint_dir)?;
    crate::brief::exclude_checkpoints(&plan.dir);
    let env_file = paths.root.join("env");
    write_env_file(&env_file)?;

    let tmux = ctx.tmux()?;
    tmux.require_version()?;
    let target = session_target(&plan.name);
    let mut new_session: Cmd = tmux_cmd![
        "new-session", "-d", "-P",
        "-F", format!("#{{session_id}}{SEP}#{{pane_id}}{SEP}#{{pane_pid}}{SEP}#{{socket_path}}"),
        "-s", plan.name,
        "-x", WIDTH, "-y", HEIGHT,
        // -c is expanded as a format.
        "-c", format_escape(&plan.dir.display().to_string()),
        "-e", format!("MINDER_SESSION={}", plan.name),
        "-e", format!("MINDER_DIR={}", record.checkpoint_dir.display()),
        "-e", format!("MINDER_STATE_DIR={}", store.state_dir.display()),
        "--",
        ctx.self_exe.display(), "_exec", "--env-file", env_file.display(), "--"
    ];
    new_session.extend(plan.command.iter().cloned());
    // One invocation: tmux runs these back to back before it handles the child's exit, so a
    // command that exits at once is still caught by remain-on-exit and the hook, and the sink
    // is attached before the first byte.
    let batch = vec![
        new_session,
        tmux_cmd!["set-option", "-t", target, "@minder", store.state_dir.display()],
        tmux_cmd!["set-option", "-w", "-t", target, "remain-on-exit", "on"],
        tmux_cmd!["set-hook", "-t", target, "pane-died", hook_command(&ctx.self_exe, &paths.root)],
        tmux_cmd!["pipe-pane", "-t", target, sink_command(&ctx.self_exe, &paths.root, false)],
    ];
    let out = tmux.batch(&batch).map_err(|e| {
        if e.stderr.contains("duplicate session") {
            anyhow!("a tmux session named `{}` already exists that minder did not create (rename it, or pick another name)", plan.name)
        } else {
            anyhow::Error::from(e)
        }
    })?;
    let fields: Vec<&str> = out.lines().next().unwrap_or("").split(SEP).collect();
    if fields.len() < 4 {
        return Err(anyhow!("unexpected answer from tmux new-session: {out:?}"));
    }
    let ids = TmuxIds {
        session_id: fields[0].to_string(),
        pane_id: fields[1].to_string(),
        pane_pid: fields[2].parse().ok(),
    };
    let socket = PathBuf::from(fields[3]);
    let updated = store.update(&plan.name, |r| {
        r.tmux = ids.clone();
        r.socket = Some(socket.clone());
    });
    let (record, ()) = match updated {
        Ok(r) => r,
        Err(e) => {
            // Removed while starting (`rm` raced us): leave no orphan tmux session behind.
            let _ = tmux.run(&tmux_cmd!["kill-session", "-t", ids.session_id]);
            return Err(e.context(format!("session `{}` was removed while it started", plan.name)));
        }
    };
    Ok(record)
}

//! Starting a session: claim its name atomically, prepare its worktree and brief, then create
//! the tmux session, its exit hook and its log sink in one tmux call, so not a byte of output
//! and no fast exit is missed. Used by `new` and `restore`.

use crate::app::Ctx;
use crate::domain::agents::Profile;
use crate::domain::brief::BriefInput;
use crate::domain::config::PromptMode;
use crate::domain::record::{DetectSettings, Event, LogSettings, Record, TmuxIds};
use crate::domain::state::{Source, State};
use crate::store::fsutil;
use crate::store::paths::SessionPaths;
use crate::supervisor::PANE_ENV;
use crate::tmux::quote::{format_escape, hook_command, sink_command};
use crate::tmux::{session_target, Cmd, SEP};
use crate::tmux_cmd;
use anyhow::{anyhow, Context, Result};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Size of the detached window until a client attaches (then tmux resizes it to the client).
pub const WIDTH: u16 = 200;

pub const HEIGHT: u16 = 50;

/// Everything `new` decided before touching tmux: one per attempt.
pub struct Plan {
    pub name: String,
    pub task: String,
    pub profile: Profile,
    pub dir: PathBuf,
    pub command: Vec<String>,
    pub attempt: Option<u32>,
    pub goal: Option<String>,
    /// Commands run when it reaches review (`new --check`, the profile's `check`).
    pub checks: Vec<String>,
    pub explicit_name: bool,
    pub brief: Option<BriefInput>,
    pub worktree: Option<WorktreePlan>,
    /// The sandbox and network policy, decided (and refused if it cannot hold) before anything
    /// starts (`ops::fence::decide`).
    pub fence: crate::domain::fence::Fence,
}

/// Where an attempt's worktree comes from.
#[derive(Clone, Debug)]
pub struct WorktreePlan {
    pub repo: PathBuf,
    pub branch: String,
    pub base: String,
}

/// Claim the name, write the record, start the session. On any failure nothing is left behind.
pub fn start(ctx: &Ctx, mut plan: Plan) -> Result<Record> {
    let store = &ctx.store;
    // Held until the tmux session exists and is recorded: `rm` and `stop` take this lock too,
    // so they never see a session half made (and never leave an orphan tmux session).
    let _lock = store.lock_all()?;
    // Every record is read once: to count the live ones, and for the status segment that goes
    // into tmux with the new session.
    let others = store.load_all()?;
    let live = live_count(&others, ctx.config.max_sessions as usize);
    if live >= ctx.config.max_sessions as usize {
        return Err(anyhow!(
            "max_sessions reached: {live} sessions are live (stop or rm one, or raise `max_sessions` in the config)"
        ));
    }
    // The profile's own variables, read once (its env_file too): a bad one stops `new` before
    // anything is made.
    let agent_env = crate::ops::agent_env::for_agent(ctx, &plan.profile.name)?;
    plan.name = claim_name(ctx, &plan)?;
    let record = new_record(ctx, &plan, &agent_env);
    let checkpoint_dir = record.checkpoint_dir.clone();
    let result = prepare(ctx, &plan, record).and_then(|record| {
        // git answers while tmux creates the session; its facts go in with the session's ids.
        let facts =
            crate::git::repo::RepoFactsQuery::start(&record.dir, record.worktree.as_ref().map(|w| w.base.as_str()));
        launch(ctx, &record, Some(facts), Known::New { others: &others }, agent_env)
    });
    match result {
        Ok(record) => Ok(record),
        Err(e) if e.downcast_ref::<StartUncertain>().is_some() => Err(e),
        Err(e) => {
            // Leave nothing behind: the checkpoint folder we made, the worktree, the records.
            match store.load(&plan.name) {
                Ok(r) => {
                    let _ = std::fs::remove_dir_all(&r.checkpoint_dir);
                    if let Some(wt) = &r.worktree {
                        let _ = crate::git::worktree::remove(wt, true);
                    }
                }
                Err(_) => {
                    let _ = std::fs::remove_dir_all(&checkpoint_dir);
                }
            }
            let _ = crate::ops::remove::remove_tree(&store.paths(&plan.name).root);
            Err(e)
        }
    }
}

/// How many sessions count against `max_sessions`: the records that say they run. At the
/// limit, one whose agent process is gone (its tmux server killed, a crash before its exit was
/// recorded) does not: a kill(0) per record, never a look at tmux.
fn live_count(records: &[Record], limit: usize) -> usize {
    let running = || records.iter().filter(|r| r.running());
    let n = running().count();
    if n < limit {
        return n;
    }
    running().filter(|r| r.tmux.pane_pid.is_none_or(crate::procs::pid_alive)).count()
}

/// What `launch` knows of the session's record.
pub enum Known<'a> {
    /// It is on disk (`restore`): updated in place, under its lock.
    Stored,
    /// A new session, not written yet (only its folder is claimed): written whole, once, before
    /// tmux is asked; `others` are every other record, as `new` read them.
    New { others: &'a [Record] },
}

/// After the name is claimed: the worktree, the brief, the final argv, the base for diffs.
fn prepare(ctx: &Ctx, plan: &Plan, mut record: Record) -> Result<Record> {
    if let Some(wp) = &plan.worktree {
        let path = if ctx.config.worktree.dir.is_empty() {
            ctx.store.dirs().worktrees().join(&plan.name)
        } else {
            PathBuf::from(crate::store::paths::expand_home(&ctx.config.worktree.dir)).join(&plan.name)
        };
        let wt = crate::git::worktree::create(&wp.repo, &path, &wp.branch, &wp.base)?;
        record.dir = wt.path.clone();
        record.checkpoint_dir = wt.path.join(".minder").join(&plan.name);
        record.worktree = Some(wt);
        // Saved at once, so a failure below removes the worktree it made.
        ctx.store.save(&record)?;
    }
    fsutil::create_private_dir_all(&record.checkpoint_dir)?;
    let mut command = plan.command.clone();
    if let Some(brief) = &plan.brief {
        let text = crate::domain::brief::render_brief(&plan.task, brief, &record.checkpoint_dir);
        fsutil::write_atomic(&record.checkpoint_dir.join("BRIEF.md"), text.as_bytes())?;
        if plan.profile.prompt == PromptMode::Argument {
            command.push(crate::domain::brief::instruction(&record.checkpoint_dir));
        }
    }
    let argv = plan.profile.launch_argv(&command, &ctx.self_exe.display().to_string(), &plan.name);
    record.command = crate::ops::fence::agent_argv(argv, &plan.fence, &record.checkpoint_dir, &record.dir);
    // Not saved here: `launch` records these fields together with where the session runs.
    Ok(record)
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
                if plan.explicit_name
                    && ctx.store.paths(&candidate).record().exists()
                    && ctx.store.load(&candidate).is_err()
                {
                    return Err(anyhow!(
                        "session `{candidate}` exists but its record is damaged (`minder doctor` says more; `minder rm --force {candidate}` removes it)"
                    ));
                }
                if plan.explicit_name {
                    return Err(anyhow!(
                        "session `{candidate}` already exists (see `minder show {candidate}`; `minder rm {candidate}` to reuse the name)"
                    ));
                }
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create `{}`", sessions.join(&candidate).display()))
            }
        }
    }
    Err(anyhow!("too many sessions named `{}-*`", plan.name))
}

fn new_record(ctx: &Ctx, plan: &Plan, agent_env: &[(String, String)]) -> Record {
    let logs = LogSettings {
        max_size: ctx.config.logs.max_size.0,
        keep: ctx.config.logs.keep,
        redact: ctx.config.logs.redact.iter().map(|p| p.source.clone()).collect(),
    };
    let detect = DetectSettings::for_profile(
        &plan.profile,
        ctx.config.stuck_after.0.as_millis() as u64,
        ctx.config.idle_ttl.0.map(|d| d.as_millis() as u64),
    );
    let mut record =
        Record::new(&plan.name, &plan.task, &plan.profile.name, &plan.dir, plan.command.clone(), logs, detect);
    record.width = WIDTH;
    record.height = HEIGHT;
    record.attempt = plan.attempt;
    record.goal = plan.goal.clone();
    record.notify = crate::domain::record::NotifySettings::from_config(&ctx.config.notify);
    record.checks = plan.checks.clone();
    record.check_deadline_ms = ctx.config.review.check_deadline.0.as_millis() as u64;
    record.fence = Some(plan.fence);
    // The agent's own transcript, for its tokens (only where its profile's program keeps one;
    // the profile's env may name where, as Codex's CODEX_HOME).
    record.transcript = crate::ops::usage::transcript_for(&plan.profile, &plan.command, agent_env);
    record.max_tokens = plan.profile.max_tokens;
    record.on_budget = plan.profile.on_budget;
    record
}

/// Write the caller's environment for `_exec` (so secrets never appear in any argv), plus
/// `extra` variables (the push gate's: git config for its hooks, and PATH with its git shim
/// first).
fn write_env_file(path: &Path, extra: &[(String, String)]) -> Result<()> {
    let mut data = Vec::new();
    let mut push = |k: &[u8], v: &[u8]| {
        data.extend_from_slice(k);
        data.push(b'=');
        data.extend_from_slice(v);
        data.push(0);
    };
    let overridden: Vec<&str> = extra.iter().map(|(k, _)| k.as_str()).collect();
    for (k, v) in std::env::vars_os() {
        if PANE_ENV.iter().any(|p| k == *p) || overridden.iter().any(|o| k == *o) {
            continue;
        }
        push(k.as_bytes(), v.as_bytes());
    }
    for (k, v) in extra {
        push(k.as_bytes(), v.as_bytes());
    }
    // Read and deleted by `_exec` a moment later: private, but no need to make it durable. A
    // new file (a run's name is its own), never one found there.
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut file = fsutil::create_new_private_file(path)?;
    file.write_all(&data).with_context(|| format!("cannot write `{}`", path.display()))
}

/// `launch` could not tell whether tmux made the session (tmux did not answer, even to the
/// clean-up): the record stays, so the next look finds the session by its id, or calls it lost.
#[derive(Debug)]
pub struct StartUncertain {
    pub name: String,
}

impl std::fmt::Display for StartUncertain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = &self.name;
        write!(f, "tmux did not confirm whether `{n}` started: `minder ls` shows it if it did, and `minder rm --force {n}` removes it")
    }
}

impl std::error::Error for StartUncertain {}

/// Create the tmux session for `record` (its name, dir and command), its exit hook and its log
/// sink in one tmux call, and record where it runs. Used by `new` and `restore`. `agent_env` is
/// the profile's own variables (`ops::agent_env::for_agent`), given to the agent alone.
///
/// The run's `@minder-id` is recorded before tmux is asked, and the session gets it in the same
/// call that makes it: whatever happens after (this process killed, tmux too slow), the session
/// can be found by it. The caller's environment, written for the supervisor, never outlives a
/// failure here.
pub fn launch(
    ctx: &Ctx,
    record: &Record,
    facts: Option<crate::git::repo::RepoFactsQuery>,
    known: Known,
    agent_env: Vec<(String, String)>,
) -> Result<Record> {
    let store = &ctx.store;
    let paths = store.paths(&record.name);
    // The push gate's two lines: the pre-push hook (through git config) and the git shim first
    // on the agent's PATH.
    let gate = if ctx.config.review.gate_push {
        let mut env = crate::git::gate::install(&ctx.store, &ctx.self_exe)?;
        env.extend(crate::git::shim::install(&ctx.store, &ctx.self_exe)?);
        env
    } else {
        Vec::new()
    };
    let tmux = ctx.tmux()?;
    crate::app::require_tmux_version(tmux, &ctx.store.dirs().tmux_version())?;
    let minder_id = crate::app::new_minder_id();
    // In memory where the machine has a private place there, named for this run.
    let env_file = crate::store::runtime::handoff_dir()
        .map(|dir| dir.join(format!("{minder_id}.env")))
        .unwrap_or_else(|| paths.env_file());
    let socket_path = tmux.server().socket_path();
    let place = |r: &mut Record| {
        r.tmux = TmuxIds { minder_id: minder_id.clone(), ..TmuxIds::default() };
        r.env_file = Some(env_file.clone());
        // Where tmux will put it, until tmux says.
        r.socket = Some(socket_path.clone());
        r.command = record.command.clone();
        r.dir = record.dir.clone();
        r.checkpoint_dir = record.checkpoint_dir.clone();
    };
    // The status segment with this agent in it goes in the same call (its record names this
    // server), when the server's style options are known from an earlier push.
    let segment = match known {
        Known::Stored => {
            store.update_quick(&record.name, place)?;
            crate::ops::status_push::segment_for(store, &socket_path)
        }
        Known::New { others } => {
            let mut whole = record.clone();
            place(&mut whole);
            store.save_quick(&whole)?;
            let mut all: Vec<&Record> = others.iter().collect();
            all.push(&whole);
            crate::ops::status_push::segment_with(store, &socket_path, all)
        }
    };
    // The fence (bubblewrap words in front of the agent), and the profile's own variables:
    // read now, from the config and its env_file, never kept in the record.
    let wrapper = crate::ops::fence::wrapper(store, record, &socket_path)?;
    let mut extra = agent_env;
    crate::store::secrets::remember(&paths, &extra)?;
    extra.extend(gate);
    write_env_file(&env_file, &extra)?;

    let target = session_target(&record.name);
    let mut new_session: Cmd = tmux_cmd![
        "new-session",
        "-d",
        "-P",
        "-F",
        format!(
            "#{{session_id}}{SEP}#{{pane_id}}{SEP}#{{pane_pid}}{SEP}#{{socket_path}}{SEP}#{{pid}}{SEP}#{{start_time}}"
        ),
        "-s",
        record.name,
        // The window is named after the agent, not after minder's supervisor that runs it (a
        // window named with -n is not renamed automatically).
        "-n",
        format_escape(&record.agent),
        "-x",
        WIDTH,
        "-y",
        HEIGHT,
        // -c is expanded as a format.
        "-c",
        format_escape(&record.dir.display().to_string()),
        "-e",
        format!("MINDER_SESSION={}", record.name),
        "-e",
        format!("MINDER_DIR={}", record.checkpoint_dir.display()),
        "-e",
        format!("MINDER_STATE_DIR={}", store.state_dir.display()),
        "--",
        ctx.self_exe.display(),
        "_exec",
        "--env-file",
        env_file.display(),
        "--minder-id",
        minder_id,
        "--"
    ];
    if let Some(n) = record.attempt {
        // Which of the N attempts this is, for the agent and its tools.
        let at = new_session.iter().position(|w| w == "--").expect("the command follows `--`");
        new_session.splice(at..at, ["-e".to_string(), format!("MINDER_ATTEMPT={n}")]);
    }
    new_session.extend(wrapper);
    new_session.extend(record.command.iter().cloned());
    // One invocation: tmux runs these back to back before it handles the child's exit, so a
    // command that exits at once is still caught by remain-on-exit and the hook, and the sink
    // is attached before the first byte.
    let mut batch = vec![
        new_session,
        tmux_cmd!["set-option", "-t", target, "@minder-id", minder_id],
        tmux_cmd!["set-option", "-t", target, "@minder", store.state_dir.display()],
        tmux_cmd!["set-option", "-w", "-t", target, "remain-on-exit", "on"],
        // A client on this session when it ends (`stop`, `rm`) moves to another session
        // instead of leaving tmux; only minder's own sessions get this.
        tmux_cmd!["set-option", "-t", target, "detach-on-destroy", "off"],
        tmux_cmd!["set-hook", "-t", target, "pane-died", hook_command(&ctx.self_exe, &paths.root)],
        tmux_cmd!["pipe-pane", "-t", target, sink_command(&ctx.self_exe, &paths.root, false)],
    ];
    if let Some(segment) = &segment {
        batch.push(tmux_cmd!["set-option", "-g", "@minder-status", segment]);
        batch.push(tmux_cmd!["set-option", "-t", target, "@minder-state", State::Working]);
    }
    // Taken before tmux is asked: an exit hook (an agent that ends at once) waits for it, so
    // its events come after "created".
    let mut pending = store.begin_update(&record.name)?;
    // The client `new` started early was connecting while all the above was done.
    let sent = ctx.take_early_tmux(tmux).map(|early| early.send(&batch));
    // What needs no answer from tmux is done while it makes the session (or, without an early
    // client, just before): the "created" event of a new session, and the record's next file
    // (each file made is an inode to find, 0.3-0.6 ms on the bench machine's disk).
    let prepared = match known {
        Known::New { .. } => store.append_event(
            &record.name,
            &Event::noted(record.created_at, State::Working, Source::Command, "created".into()),
        ),
        Known::Stored => Ok(()),
    }
    .and_then(|()| store.prepare_update(&mut pending));
    let answer = match sent.and_then(|sent| sent.finish()) {
        Some(answer) => answer,
        None => tmux.batch(&batch),
    };
    let made = answer.as_ref().ok().and_then(|out| parse_new_session(out));
    let Some((ids, socket)) = made else {
        // The supervisor never got (or never will get) the environment: it goes now.
        let _ = std::fs::remove_file(&env_file);
        return Err(match answer {
            Err(e) if e.stderr.contains("duplicate session") => anyhow!(
                "a tmux session named `{}` already exists that minder did not create (rename it, or pick another name)",
                record.name
            ),
            // A deadline says all there is to say; the long argv would only bury it.
            Err(e) if e.status.is_none() => abandon(tmux, &paths, &record.name, &minder_id, anyhow!("{}", e.stderr)),
            Err(e) => abandon(tmux, &paths, &record.name, &minder_id, e.into()),
            Ok(out) => abandon(
                tmux,
                &paths,
                &record.name,
                &minder_id,
                anyhow!("unexpected answer from tmux new-session: {out:?}"),
            ),
        });
    };
    if let Err(e) = prepared {
        // The event log or the record could not be written (a full disk): nothing would be
        // known of the session, so it goes.
        let _ = std::fs::remove_file(&env_file);
        return Err(abandon(tmux, &paths, &record.name, &minder_id, e));
    }
    let ids = TmuxIds { minder_id: minder_id.clone(), ..ids };
    let facts = facts.map(|f| f.finish()).unwrap_or_default();
    if let Some(exclude) = &facts.exclude {
        crate::git::repo::exclude_checkpoints(exclude);
    }
    let base_commit = facts.base_commit.or_else(|| record.base_commit.clone());
    let updated = store.finish_update(pending, |r| {
        r.tmux = ids.clone();
        r.socket = Some(socket.clone());
        r.base_commit = base_commit.clone();
    });
    let (record, ()) = match updated {
        Ok(r) => r,
        Err(e) => {
            // Removed while starting (`rm` raced us): leave no orphan tmux session behind.
            let who = ids.identity(&record.name);
            let _ = tmux.batch_if(&ids.session_id, &who, &[tmux_cmd!["kill-session", "-t", ids.session_id]]);
            return Err(e.context(format!("session `{}` was removed while it started", record.name)));
        }
    };
    // Every live agent is in the segment from the moment it starts; pushed here unless it was
    // in the call above (and again for one that exited at once: its exit was recorded before
    // the socket was known).
    if segment.is_none() || record.ended_at.is_some() || record.state() != State::Working {
        crate::ops::status_push::push(store, &record, record.ended_at.is_some());
    }
    Ok(record)
}

/// The ids and socket `new-session -P -F` printed (first line of the batch's answer).
fn parse_new_session(out: &str) -> Option<(TmuxIds, PathBuf)> {
    let fields: Vec<&str> = out.lines().next()?.split(SEP).collect();
    if fields.len() < 6 || fields[1].is_empty() {
        return None;
    }
    let ids = TmuxIds {
        session_id: fields[0].to_string(),
        pane_id: fields[1].to_string(),
        pane_pid: fields[2].parse().ok(),
        minder_id: String::new(),
        server_pid: fields[4].parse().ok(),
        server_started: fields[5].parse().ok(),
    };
    Some((ids, PathBuf::from(fields[3])))
}

/// The batch failed after tmux may have made the session (a later command of it failed, or
/// tmux did not answer in time): end whatever carries this run's id. If tmux cannot even be
/// asked that, the error says so and is marked `StartUncertain`, so the record is kept.
fn abandon(
    tmux: &crate::tmux::Tmux,
    paths: &SessionPaths,
    name: &str,
    minder_id: &str,
    failure: anyhow::Error,
) -> anyhow::Error {
    let who = crate::tmux::Identity::Id(minder_id.to_string());
    let listed = tmux.list_all_panes();
    let ours: Vec<&crate::tmux::PaneInfo> = match &listed {
        Ok(panes) => panes.iter().filter(|p| p.minder_id == minder_id).collect(),
        Err(_) => Vec::new(),
    };
    let mut cleaned = listed.is_ok();
    let killed = !ours.is_empty();
    // A pane whose pipe is open has a sink, started or starting (it may not have made its
    // FIFO yet).
    let sink_started = ours.iter().any(|p| p.pipe) || paths.wake_fifo().exists();
    for pane in ours {
        let session = &pane.session_id;
        cleaned &= tmux.batch_if(session, &who, &[tmux_cmd!["kill-session", "-t", session]]).is_ok();
    }
    if killed && sink_started {
        // Its sink gets EOF and writes its last bytes, `sink-done` last: let it finish before
        // the folder goes, or it would write into a folder being removed.
        crate::store::wait_sink_drained(paths, std::time::Duration::from_secs(3));
    }
    if cleaned {
        return failure;
    }
    failure.context(StartUncertain { name: name.to_string() })
}

#[cfg(test)]
mod tests {
    use super::live_count;
    use crate::domain::record::sample_record;
    use crate::domain::state::State;

    #[test]
    fn at_the_limit_only_agents_whose_process_is_there_count() {
        let me = std::process::id();
        let gone = {
            let mut child = std::process::Command::new("true").spawn().unwrap();
            let pid = child.id();
            child.wait().unwrap();
            pid
        };
        let with_pid = |name: &str, pid: Option<u32>, state: State| {
            let mut r = sample_record(name, "cmd", state);
            r.tmux.pane_pid = pid;
            r
        };
        let records = vec![
            with_pid("a", Some(me), State::Working),
            with_pid("b", Some(gone), State::Working),
            // Being started: no pid yet, it counts.
            with_pid("c", None, State::Working),
            with_pid("d", Some(me), State::Stopped),
        ];
        // Under the limit the records are taken at their word.
        assert_eq!(live_count(&records, 10), 3);
        // At it, the one whose process is gone does not count.
        assert_eq!(live_count(&records, 3), 2);
    }
}

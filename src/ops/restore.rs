//! Restoring a session: start it again in its directory or worktree with the profile's resume
//! command, appending to the same log.

use crate::app::Ctx;
use crate::domain::agents::{Integration, Profile};
use crate::domain::record::Record;
use crate::domain::state::{Source, State};
use anyhow::{anyhow, Result};

/// How to resume: the program and flags the session was started with (the person's configured
/// command, say `/opt/codex -a on-request -s read-only`, not a bare `codex`), followed by what
/// resumes it: the agent's own session id when it reported one, else the profile's `resume`.
///
/// A profile's `resume` names the same program as its `command` (`codex resume --last` for
/// `codex --no-daemon`); the words after what the two share are the resume words. A `resume`
/// that names another program (a script of the person's) is run as written. A plain command
/// without a `resume` is started again as it was.
pub fn resume_argv(profile: &Profile, record: &Record, self_exe: &str) -> Vec<String> {
    let started = start_words(record);
    // The id came from the agent: only one of its own shape is handed back, and never where it
    // could read as a flag (`--` before Codex's positional, Claude's `--resume=ID`).
    let thread = record.thread_id.as_ref().filter(|t| crate::domain::detect::is_agent_session_id(t));
    let by_id = match (&profile.integration, thread) {
        (Integration::CodexNotify | Integration::CodexExecJson, Some(t)) => {
            Some(vec!["resume".to_string(), "--".to_string(), t.clone()])
        }
        (Integration::ClaudeHooks, Some(t)) => Some(vec![format!("--resume={t}")]),
        _ => None,
    };
    if let Some(words) = by_id {
        return [started, words].concat();
    }
    if profile.resume.is_empty() {
        return started;
    }
    let resume = crate::domain::agents::expand_self(&profile.resume, self_exe);
    let command = crate::domain::agents::expand_self(&profile.command, self_exe);
    let program =
        |w: Option<&String>| w.map(|w| std::path::Path::new(w).file_name().map(|n| n.to_owned())).unwrap_or_default();
    if resume.is_empty() || program(resume.first()) != program(command.first()) {
        return resume;
    }
    let shared = 1 + resume[1..].iter().zip(command.iter().skip(1)).take_while(|(a, b)| a == b).count();
    [started, resume[shared..].to_vec()].concat()
}

/// The command the session was started with, without what minder added to it: the notify or
/// hook settings it spliced in after the program, and the brief instruction it appended.
fn start_words(record: &Record) -> Vec<String> {
    let mut c = record.command.clone();
    if c.len() >= 3 && (c[1] == "-c" && c[2].starts_with("notify=") || c[1] == "--settings") {
        c.drain(1..3);
    }
    let mut c = crate::ops::fence::strip_agent_words(c, record.fence.as_ref());
    let instruction = crate::domain::brief::instruction(&record.checkpoint_dir);
    if c.len() > 1 && c.last() == Some(&instruction) {
        c.pop();
    }
    c
}

pub fn restore_one(ctx: &Ctx, record: Record) -> Result<Record> {
    if !record.dir.is_dir() {
        return Err(anyhow!("its directory `{}` is gone", record.dir.display()));
    }
    let profile = crate::domain::agents::profile(&ctx.config, &record.agent)?;
    // Its name is held by a tmux session that is not this one (ours is gone, or was closed
    // just before): refused before anything is recorded, so nothing says it started.
    let target = crate::tmux::session_target(&record.name);
    if ctx.tmux_for(&record)?.run(&crate::tmux_cmd!["has-session", "-t", target]).is_ok() {
        return Err(anyhow!(
            "a tmux session named `{}` exists and is not this agent's: rename or close it (`tmux rename-session -t ={} NEW`), then restore",
            record.name,
            record.name
        ));
    }
    let self_exe = ctx.self_exe.display().to_string();
    let argv = resume_argv(&profile, &record, &self_exe);
    let mut profile = profile;
    if let Some(f) = record.fence {
        // It runs again under the policy it ran under.
        profile.sandbox = f.sandbox;
        profile.network = f.network;
    }
    let command = profile.launch_argv(&argv, &self_exe, &record.name);
    let command = match &record.fence {
        Some(f) => crate::ops::fence::agent_argv(command, f, &record.checkpoint_dir, &record.dir),
        None => command,
    };
    // The profile's own variables (its env_file too), read before anything is recorded: one
    // that cannot be read leaves the session as it was.
    let agent_env = crate::ops::agent_env::for_agent(ctx, &record.agent)?;
    let note = format!("restored: {}", crate::tmux::quote::shell_join(&argv));
    let (record, _) = crate::ops::transitions::commit(&ctx.store, &record.name, Source::Command, |r| {
        r.clear_run();
        r.command = command.clone();
        r.notify = crate::domain::record::NotifySettings::from_config(&ctx.config.notify);
        Some((State::Working, String::new(), Some(note)))
    })?;
    let record = match crate::ops::start::launch(ctx, &record, None, crate::ops::start::Known::Stored, agent_env) {
        Ok(r) => r,
        Err(e) => {
            // Not started after all: it is as lost as before (unless tmux could not say; then
            // the next look finds the session by its id, or calls it lost).
            if e.downcast_ref::<crate::ops::start::StartUncertain>().is_none() {
                let note = format!("restore failed: {e:#}");
                crate::ops::transitions::to(&ctx.store, &record.name, State::Lost, "", Source::Command, Some(note))?;
            }
            return Err(e);
        }
    };
    // The segment again, now that the session exists in tmux.
    crate::ops::status_push::push(&ctx.store, &record, false);
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::config::Config;

    fn record(agent: &str, command: &[&str], thread: Option<&str>) -> Record {
        let mut r = crate::domain::record::sample_record("n", agent, State::Lost);
        r.command = command.iter().map(|s| s.to_string()).collect();
        r.thread_id = thread.map(str::to_string);
        r
    }

    #[test]
    fn resume_commands() {
        let c = Config::default();
        let codex = crate::domain::agents::profile(&c, "codex").unwrap();
        assert_eq!(
            resume_argv(
                &codex,
                &record("codex", &["codex", "--no-daemon"], Some("01a23357-46c8-7383-852a-a87a60888db4")),
                "/m"
            ),
            ["codex", "--no-daemon", "resume", "--", "01a23357-46c8-7383-852a-a87a60888db4"]
        );
        assert_eq!(
            resume_argv(&codex, &record("codex", &["codex", "--no-daemon"], None), "/m"),
            ["codex", "--no-daemon", "resume", "--last"]
        );
        let claude = crate::domain::agents::profile(&c, "claude").unwrap();
        assert_eq!(
            resume_argv(&claude, &record("claude", &["claude"], Some("fcfe1fb9-a4b3-4057-bbcf-fef9bc0cf85d")), "/m"),
            ["claude", "--resume=fcfe1fb9-a4b3-4057-bbcf-fef9bc0cf85d"]
        );
        assert_eq!(
            resume_argv(&claude, &record("claude", &["claude", "--model", "x"], None), "/m"),
            ["claude", "--model", "x", "--continue"]
        );
        let exec = crate::domain::agents::profile(&c, "codex-exec").unwrap();
        assert_eq!(
            resume_argv(
                &exec,
                &record("codex-exec", &["codex", "exec", "--json"], Some("01a23357-dc07-79d2-b5fd-44561159e7e9")),
                "/m"
            ),
            ["codex", "exec", "--json", "resume", "--", "01a23357-dc07-79d2-b5fd-44561159e7e9"]
        );
        // An id that is not of the agent's shape (a flag a hook slipped in) is never passed on.
        assert_eq!(
            resume_argv(&codex, &record("codex", &["codex"], Some("--dangerously-bypass-approvals-and-sandbox")), "/m"),
            ["codex", "resume", "--last"]
        );
        assert_eq!(
            resume_argv(&claude, &record("claude", &["claude"], Some("--dangerously-skip-permissions")), "/m"),
            ["claude", "--continue"]
        );
        let cmd = crate::domain::agents::profile(&c, "cmd").unwrap();
        assert_eq!(resume_argv(&cmd, &record("cmd", &["make", "test"], None), "/m"), ["make", "test"]);
        let demo = crate::domain::agents::profile(&c, "demo").unwrap();
        assert_eq!(resume_argv(&demo, &record("demo", &["/m", "_demo"], None), "/m"), ["/m", "_demo", "--resume"]);
    }

    #[test]
    fn resume_keeps_the_configured_program_and_flags_and_drops_what_minder_added() {
        let c = Config::parse(
            "[agents.codex]\ncommand = [\"/opt/codex\", \"-a\", \"on-request\", \"-s\", \"read-only\"]\n",
            std::path::Path::new("x"),
        )
        .unwrap();
        let codex = crate::domain::agents::profile(&c, "codex").unwrap();
        let mut r = record(
            "codex",
            &["/opt/codex", "-c", "notify=[..]", "-a", "on-request", "-s", "read-only"],
            Some("01a23357-46c8-7383-852a-a87a60888db4"),
        );
        r.command.push(crate::domain::brief::instruction(&r.checkpoint_dir));
        assert_eq!(
            resume_argv(&codex, &r, "/m"),
            [
                "/opt/codex",
                "-a",
                "on-request",
                "-s",
                "read-only",
                "resume",
                "--",
                "01a23357-46c8-7383-852a-a87a60888db4"
            ]
        );
        r.thread_id = None;
        // The built-in `resume` names `codex`; the configured program is `/opt/codex`: the
        // resume words still follow the program the session was started with.
        assert_eq!(
            resume_argv(&codex, &r, "/m"),
            ["/opt/codex", "-a", "on-request", "-s", "read-only", "resume", "--last"]
        );
        // A resume of the person's own that names another program runs as written.
        let c =
            Config::parse("[agents.codex]\nresume = [\"my-resume\", \"--now\"]\n", std::path::Path::new("x")).unwrap();
        let mine = crate::domain::agents::profile(&c, "codex").unwrap();
        assert_eq!(resume_argv(&mine, &record("codex", &["codex", "--no-daemon"], None), "/m"), ["my-resume", "--now"]);
    }
}

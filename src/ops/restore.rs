//! Restoring a session: start it again in its directory or worktree with the profile's resume
//! command, appending to the same log.

use crate::app::Ctx;
use anyhow::{anyhow, Result};
use crate::domain::agents::{Integration, Profile};
use crate::domain::record::Record;
use crate::domain::state::{Source, State};

/// How to resume: the agent's own session id when a hook reported it, else the profile's
/// `resume`, else (a plain command) the original command again.
pub fn resume_argv(profile: &Profile, record: &Record, self_exe: &str) -> Vec<String> {
    match (&profile.integration, &record.thread_id) {
        (Integration::CodexNotify, Some(t)) => return vec!["codex".into(), "resume".into(), t.clone()],
        (Integration::ClaudeHooks, Some(t)) => return vec!["claude".into(), "--resume".into(), t.clone()],
        _ => {}
    }
    if !profile.resume.is_empty() {
        return crate::domain::agents::expand_self(&profile.resume, self_exe);
    }
    original_command(record)
}

/// The command as the person gave it, without what minder added to hear from the agent.
fn original_command(record: &Record) -> Vec<String> {
    let c = &record.command;
    if c.len() >= 3 && (c[1] == "-c" && c[2].starts_with("notify=") || c[1] == "--settings") {
        let mut v = vec![c[0].clone()];
        v.extend(c[3..].iter().cloned());
        return v;
    }
    c.clone()
}

pub fn restore_one(ctx: &Ctx, record: Record) -> Result<Record> {
    if !record.dir.is_dir() {
        return Err(anyhow!("its directory `{}` is gone", record.dir.display()));
    }
    let profile = crate::domain::agents::profile(&ctx.config, &record.agent)?;
    let self_exe = ctx.self_exe.display().to_string();
    let argv = resume_argv(&profile, &record, &self_exe);
    let command = profile.launch_argv(&argv, &self_exe, &record.name);
    let note = format!("restored: {}", crate::tmux::quote::shell_join(&argv));
    let (record, _) = ctx.store.transition_with(&record.name, Source::Command, |r| {
        r.clear_run();
        r.command = command.clone();
        Some((State::Working, String::new(), Some(note)))
    })?;
    let record = match crate::ops::start::launch(ctx, &record, None) {
        Ok(r) => r,
        Err(e) => {
            // Not started after all: it is as lost as before (unless tmux could not say; then
            // the next look finds the session by its id, or calls it lost).
            if e.downcast_ref::<crate::ops::start::StartUncertain>().is_none() {
                let note = format!("restore failed: {e:#}");
                ctx.store.transition(&record.name, State::Lost, "", Source::Command, Some(note))?;
            }
            return Err(e);
        }
    };
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
        assert_eq!(resume_argv(&codex, &record("codex", &["codex"], Some("t-1")), "/m"), ["codex", "resume", "t-1"]);
        assert_eq!(resume_argv(&codex, &record("codex", &["codex"], None), "/m"), ["codex", "resume", "--last"]);
        let claude = crate::domain::agents::profile(&c, "claude").unwrap();
        assert_eq!(resume_argv(&claude, &record("claude", &["claude"], Some("s-9")), "/m"), ["claude", "--resume", "s-9"]);
        let cmd = crate::domain::agents::profile(&c, "cmd").unwrap();
        assert_eq!(resume_argv(&cmd, &record("cmd", &["make", "test"], None), "/m"), ["make", "test"]);
        assert_eq!(original_command(&record("codex", &["codex", "-c", "notify=[..]", "fix it"], None)), ["codex", "fix it"]);
    }
}

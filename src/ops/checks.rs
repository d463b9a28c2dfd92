//! Checks (`new --check CMD`, a profile's `check`): when a session reaches `review`, each
//! command runs in its directory (its worktree, for an attempt) with a deadline, its output
//! saved as an artifact (redacted as the log is, before it touches disk), its exit code and
//! duration recorded. They run in a detached
//! `minder _check`, so nothing that records the transition waits for them.

use crate::domain::record::{CheckResult, Event, Record};
use crate::domain::state::{Source, State};
use crate::store::Store;
use std::time::{Duration, Instant};

pub fn transitioned(store: &Store, record: &Record) {
    if record.state() != State::Review || record.checks.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("_check").arg(store.paths(&record.name).root);
    if let Err(e) = crate::procs::spawn_detached(cmd) {
        tracing::warn!("cannot start the checks of `{}`: {e}", record.name);
    }
}

/// How a check command runs: through `sh -c` when it uses the shell's syntax (pipes,
/// redirections, `&&`, quotes, variables, globs), else split on spaces and run directly.
pub fn argv(command: &str) -> Vec<String> {
    const SHELL: &[char] = &[
        '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '#', '~', '=', '%', '{', '}',
        '\n',
    ];
    if command.contains(SHELL) {
        vec!["sh".into(), "-c".into(), command.into()]
    } else {
        command.split_whitespace().map(str::to_string).collect()
    }
}

/// Run every check of the session `name`, record the results, and note them in its events.
pub fn run_all(store: &Store, name: &str) -> anyhow::Result<()> {
    let record = store.load(name)?;
    let artifacts = record.checkpoint_dir.join("artifacts");
    crate::store::fsutil::create_private_dir_all(&artifacts)?;
    let deadline = Duration::from_millis(record.check_deadline_ms.max(1));
    let mut results = Vec::new();
    for (i, command) in record.checks.iter().enumerate() {
        let output = artifacts.join(format!("check-{}.txt", i + 1));
        results.push(run_one(store, &record, command, &output, deadline));
    }
    let passed = results.iter().filter(|r| r.passed()).count();
    let note = format!("checks: {passed}/{} passed", results.len());
    store.update(name, |r| r.check_results = results.clone())?;
    store.append_event(name, &Event::noted(chrono::Utc::now(), record.state(), Source::Command, note))
}

fn run_one(store: &Store, record: &Record, command: &str, output: &std::path::Path, deadline: Duration) -> CheckResult {
    use std::os::unix::process::CommandExt;
    let started_at = chrono::Utc::now();
    let start = Instant::now();
    let result = |exit_code: Option<i32>, error: Option<String>| CheckResult {
        command: command.to_string(),
        started_at,
        duration_ms: start.elapsed().as_millis() as u64,
        exit_code,
        error,
        output: output.to_path_buf(),
    };
    let words = argv(command);
    if words.is_empty() {
        return result(None, Some("empty command".into()));
    }
    let file = match crate::store::fsutil::create_private_file(output) {
        Ok(f) => f,
        Err(e) => return result(None, Some(format!("cannot write `{}`: {e}", output.display()))),
    };
    // Its output goes through the redactor on its way to the file.
    let Ok((reader, out_pipe)) = std::io::pipe() else { return result(None, Some("cannot make a pipe".into())) };
    let Ok(err_pipe) = out_pipe.try_clone() else { return result(None, Some("cannot share the pipe".into())) };
    let extra = crate::store::secrets::redactions(&store.paths(&record.name), &record.log_settings.redact);
    let written = copy_redacted(reader, file, extra);
    let spawned = std::process::Command::new(&words[0])
        .args(&words[1..])
        .current_dir(&record.dir)
        .env("MINDER_SESSION", &record.name)
        .env("MINDER_DIR", &record.checkpoint_dir)
        .stdin(std::process::Stdio::null())
        .stdout(out_pipe)
        .stderr(err_pipe)
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return result(None, Some(format!("cannot run `{}`: {e}", words[0]))),
    };
    // `_check` is the subreaper of what the check starts: at the deadline its whole family ends.
    let (exit_code, error) = match crate::procs::wait_within(&mut child, deadline, crate::procs::End::Family) {
        Ok(Some(status)) => {
            use std::os::unix::process::ExitStatusExt;
            let error = status.signal().map(|s| format!("killed by {}", crate::domain::state::signal_name(s)));
            (status.code(), error)
        }
        Ok(None) => {
            (None, Some(format!("killed: still running after {}", crate::render::text::age(deadline.as_secs() as i64))))
        }
        Err(e) => (None, Some(format!("cannot wait for it: {e}"))),
    };
    // The pipe ends when the last process holding it does; one that left the process group
    // must not hold the results back for long (what it has not written is not saved).
    let _ = written.recv_timeout(Duration::from_secs(5));
    result(exit_code, error)
}

/// Copy what a check prints from `pipe` to `file` through a [`Redactor`], on a thread; the
/// receiver hears when all of it is written.
///
/// [`Redactor`]: crate::redact::Redactor
fn copy_redacted(
    mut pipe: std::io::PipeReader,
    mut file: std::fs::File,
    extra: Vec<regex::bytes::Regex>,
) -> std::sync::mpsc::Receiver<()> {
    use std::io::{Read, Write};
    let (done, written) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut redactor = crate::redact::Redactor::new(&extra);
        let mut buf = vec![0u8; 64 << 10];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let _ = file.write_all(&redactor.push(&buf[..n]));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = file.write_all(&redactor.finish());
        let _ = done.send(());
    });
    written
}

#[cfg(test)]
mod tests {
    use super::argv;

    #[test]
    fn plain_commands_run_directly_and_shell_ones_through_sh() {
        assert_eq!(argv("cargo test --quiet"), ["cargo", "test", "--quiet"]);
        assert_eq!(argv("make check && ./smoke.sh"), ["sh", "-c", "make check && ./smoke.sh"]);
        assert_eq!(argv("test -f \"out file\""), ["sh", "-c", "test -f \"out file\""]);
    }
}

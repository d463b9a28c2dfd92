//! Telling the person when an agent needs them (`[notify]`): after a transition into one of the
//! states `on` lists, the configured command runs once, and a desktop-notification escape goes
//! to every attached tmux client. Whoever records the transition (the sink, a hook, the
//! supervisor, a command) calls this once, so each transition tells once. Nothing here blocks:
//! the command runs in a detached `minder _tell` that enforces its deadline and logs the outcome
//! to the session's `notify.log`.

use crate::domain::record::Record;
use crate::domain::state::State;
use crate::store::Store;
use crate::tmux::Tmux;
use crate::tmux_cmd;
use std::io::Write;

/// `record` just arrived in its state (from `record.previous_state`).
pub fn transitioned(store: &Store, record: &Record) {
    if !record.notify.tells(record.state()) {
        return;
    }
    tell(store, record, &headline(record));
}

/// The session passed its token budget (`max_tokens`; `what` says by how much and what is done
/// about it): told the same ways, whatever its state and whatever `on` lists, since the person
/// asked for the budget. The message is the session's name and minder's words.
pub fn budget_passed(store: &Store, record: &Record, what: &str) {
    tell(store, record, &format!("{} passed its token budget: {what}", record.name));
}

/// Run the notify command (with `message` as `MINDER_MESSAGE`) and send the desktop
/// notification, each if configured.
fn tell(store: &Store, record: &Record, message: &str) {
    if !record.notify.command.is_empty() {
        if let Err(e) = run_command(store, record, message) {
            log(store, &record.name, &format!("cannot start the notify command: {e:#}"));
        }
    }
    if record.notify.desktop {
        if let Some(tmux) = record.socket.as_ref().and_then(|s| Tmux::at_socket(s).ok()) {
            desktop(&tmux, message);
        }
    }
}

/// A remote session's transition (`[hosts]`), told here, where the person is, as `[notify]` in
/// this machine's config says: the command (without a shell, with `MINDER_HOST` and the
/// MINDER_* variables; `MINDER_SESSION` is `HOST:NAME`, and the agent's last message and folder,
/// which are the remote's, are empty), killed past its deadline; and the desktop notification
/// on the clients of `tmux`, the server this machine's status line is on.
pub fn remote_transitioned(
    notify: &crate::domain::config::NotifyConfig,
    tmux: Option<&Tmux>,
    host: &str,
    s: &crate::domain::hosts::RemoteSession,
    from: Option<State>,
) {
    if !notify.on.contains(&s.state) {
        return;
    }
    let name = format!("{host}:{}", s.name);
    let message = headline_of(&name, s.state, &s.detail);
    if let Some((program, args)) = notify.command.split_first() {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args)
            .env("MINDER_HOST", host)
            .envs(variables_of(&name, s.state, &s.detail, from, "", ""))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let deadline = notify.deadline.0;
        if let Ok(mut child) = cmd.spawn() {
            std::thread::spawn(move || crate::procs::wait_within(&mut child, deadline, crate::procs::End::Kill));
        }
    }
    if notify.desktop {
        if let Some(tmux) = tmux {
            desktop(tmux, &message);
        }
    }
}

/// The line a person reads: `cmd-fix waits for your approval`.
pub fn headline(record: &Record) -> String {
    headline_of(&record.name, record.state(), &record.detail())
}

/// `headline` for a session known by its name, state and detail (a remote one: `HOST:NAME`).
fn headline_of(name: &str, state: State, detail: &str) -> String {
    let what = match (state, detail) {
        (State::Waiting, "approval") => "waits for your approval".to_string(),
        (State::Waiting, "question") => "asks you a question".to_string(),
        (State::Waiting, "trust") => "asks whether to trust its folder".to_string(),
        (State::Waiting, _) => "waits for you".to_string(),
        (State::Review, _) => "is done: review it".to_string(),
        (State::Failed, detail) => format!("failed ({detail})"),
        (State::Lost, _) => "is lost (its tmux session is gone)".to_string(),
        (State::Stuck, _) => "is stuck (no output)".to_string(),
        (state, _) => format!("is {state}"),
    };
    format!("{name} {what}")
}

/// The environment the command gets (DESIGN.md `[notify]`).
pub fn variables(record: &Record) -> Vec<(&'static str, String)> {
    variables_of(
        &record.name,
        record.state(),
        &record.detail(),
        record.previous_state,
        record.last_message.as_deref().unwrap_or_default(),
        &record.checkpoint_dir.display().to_string(),
    )
}

/// `variables` for a session known by its name, state and the rest (a remote one).
fn variables_of(
    name: &str,
    state: State,
    detail: &str,
    previous: Option<State>,
    last_message: &str,
    dir: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("MINDER_SESSION", name.to_string()),
        ("MINDER_STATE", state.to_string()),
        ("MINDER_DETAIL", detail.to_string()),
        ("MINDER_PREVIOUS_STATE", previous.map(|s| s.to_string()).unwrap_or_default()),
        ("MINDER_LAST_MESSAGE", last_message.to_string()),
        ("MINDER_DIR", dir.to_string()),
        ("MINDER_MESSAGE", headline_of(name, state, detail)),
    ]
}

fn run_command(store: &Store, record: &Record, message: &str) -> anyhow::Result<()> {
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("_tell")
        .arg(store.paths(&record.name).root)
        .arg("--deadline-ms")
        .arg(record.notify.deadline_ms.max(1).to_string())
        .arg("--state")
        .arg(record.state().to_string())
        .arg("--")
        .args(&record.notify.command)
        .envs(variables(record))
        .env("MINDER_MESSAGE", message);
    // `_tell` itself keeps to the deadline.
    crate::procs::spawn_detached(cmd)?;
    Ok(())
}

/// OSC 9 (iTerm2, kitty, WezTerm, foot, Windows Terminal) and OSC 777 (rxvt, Konsole, VTE),
/// written straight to each attached client's terminal, as the bell is: through ssh they reach
/// the laptop's terminal with nothing to set up. The text is the session's name (a slug) and
/// minder's own words, never the agent's.
fn desktop(tmux: &Tmux, text: &str) {
    let Ok(out) = tmux.batch(&[tmux_cmd!["list-clients", "-F", "#{client_tty}"]]) else { return };
    let text = notification_text(text);
    let escape = format!("\x1b]9;minder: {text}\x07\x1b]777;notify;minder;{text}\x07");
    for tty in out.lines().filter(|l| l.starts_with("/dev/")) {
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(tty) {
            let _ = f.write_all(escape.as_bytes());
        }
    }
}

/// The text of a desktop notification: no control character gets through (a BEL or ESC in a
/// remote session's name would end the notification and start a sequence of its own on the
/// person's terminal), nor a `;`, which separates OSC 777's fields.
fn notification_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ';' => ',',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// One line in the session's `notify.log`.
pub fn log(store: &Store, name: &str, line: &str) {
    let line = format!("{} {line}", chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let _ = crate::store::fsutil::append_line(&store.paths(name).root.join("notify.log"), &line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_and_variables() {
        let mut r = crate::domain::record::sample_record("codex-fix", "codex", State::Waiting);
        r.activity_detail = "approval".into();
        r.previous_state = Some(State::Working);
        r.last_message = Some("may I?".into());
        assert_eq!(headline(&r), "codex-fix waits for your approval");
        let vars = variables(&r);
        let get = |k: &str| vars.iter().find(|(n, _)| *n == k).unwrap().1.clone();
        assert_eq!(get("MINDER_STATE"), "waiting");
        assert_eq!(get("MINDER_DETAIL"), "approval");
        assert_eq!(get("MINDER_PREVIOUS_STATE"), "working");
        assert_eq!(get("MINDER_LAST_MESSAGE"), "may I?");
        r.activity = State::Failed;
        r.activity_detail = "3".into();
        assert_eq!(headline(&r), "codex-fix failed (3)");
    }

    #[test]
    fn a_notification_carries_no_control_character() {
        let hostile = "h:x\x07\x1b]52;c;ZXZpbA==\x07\u{9b}31m; more";
        let text = notification_text(&headline_of(hostile, State::Review, ""));
        assert!(!text.chars().any(|c| c.is_control() || c == ';'), "{text:?}");
        assert_eq!(text, "h:x  ]52,c,ZXZpbA==  31m, more is done: review it");
    }

    #[test]
    fn tells_only_for_listed_states_and_with_something_to_do() {
        let mut n = crate::domain::record::NotifySettings { on: vec![State::Waiting], ..Default::default() };
        assert!(!n.tells(State::Waiting), "no command and no desktop: nothing to do");
        n.desktop = true;
        assert!(n.tells(State::Waiting) && !n.tells(State::Working));
    }
}

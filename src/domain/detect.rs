//! Reading evidence: what an agent's screen and its hook payloads say (approval, busy, idle),
//! as pure functions over captured text. What evidence does to a state is `domain::state`.

use crate::domain::state::Evidence;
use regex::Regex;
use serde_json::Value;

// ---- The screen ---------------------------------------------------------------------------

/// A profile's screen patterns, compiled.
#[derive(Clone, Debug, Default)]
pub struct ScreenPatterns {
    pub waiting: Vec<Regex>,
    pub working: Vec<Regex>,
    pub idle: Vec<Regex>,
}

impl ScreenPatterns {
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.working.is_empty() && self.idle.is_empty()
    }
}

/// What the visible screen says. Between an approval prompt and a busy marker, the one lower on
/// the screen is the more recent (a line-oriented agent leaves an answered question on screen
/// above its new work); either outranks the idle prompt, which some agents show while busy.
pub fn classify_screen(screen: &str, p: &ScreenPatterns) -> Option<Evidence> {
    let last = |pats: &[Regex]| pats.iter().filter_map(|r| r.find_iter(screen).last().map(|m| m.start())).max();
    match (last(&p.waiting), last(&p.working)) {
        (Some(w), Some(b)) if w >= b => Some(Evidence::ScreenApproval),
        (Some(_), None) => Some(Evidence::ScreenApproval),
        (_, Some(_)) => Some(Evidence::ScreenWorking),
        (None, None) if p.idle.iter().any(|r| r.is_match(screen)) => Some(Evidence::ScreenIdle),
        (None, None) => None,
    }
}

// ---- Hooks --------------------------------------------------------------------------------

/// What one hook call said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookReport {
    pub evidence: Option<Evidence>,
    pub last_message: Option<String>,
    pub thread_id: Option<String>,
    /// The event's name, for the event log.
    pub event: String,
}

/// Codex prefixes the prompt of its own title-generation side request with this; its
/// `agent-turn-complete` says nothing about the session's turn.
const CODEX_TITLE_REQUEST: &str = "Generate a concise, single-line task title";

/// Read a hook payload: Codex `notify` JSON (`type`), or a Codex / Claude Code hook on stdin
/// (`hook_event_name`). Unknown events give a report with no evidence.
pub fn parse_hook(json: &str) -> Result<HookReport, String> {
    let v: Value = serde_json::from_str(json.trim()).map_err(|e| format!("not JSON: {e}"))?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(kind) = text("type") {
        let mut r = HookReport { event: kind.clone(), ..Default::default() };
        if kind == "agent-turn-complete" {
            let first_input = v
                .get("input-messages")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .unwrap_or("");
            if first_input.starts_with(CODEX_TITLE_REQUEST) {
                r.event = "agent-turn-complete (title request, ignored)".into();
                return Ok(r);
            }
            r.evidence = Some(Evidence::HookTurnDone);
            r.last_message = text("last-assistant-message");
            r.thread_id = text("thread-id");
        }
        return Ok(r);
    }
    let Some(event) = text("hook_event_name") else {
        return Err("no `type` or `hook_event_name` in the payload".into());
    };
    let mut r = HookReport { event: event.clone(), ..Default::default() };
    r.thread_id = text("session_id");
    r.evidence = match event.as_str() {
        "Stop" | "SubagentStop" if event == "Stop" => {
            r.last_message = text("last_assistant_message");
            Some(Evidence::HookTurnDone)
        }
        "PermissionRequest" => Some(Evidence::HookApproval),
        "Notification" => match text("notification_type").as_deref() {
            Some("permission_prompt") => Some(Evidence::HookApproval),
            Some("idle_prompt") => Some(Evidence::HookTurnDone),
            _ => {
                let msg = text("message").unwrap_or_default().to_lowercase();
                if msg.contains("permission") {
                    Some(Evidence::HookApproval)
                } else if msg.contains("waiting for your input") {
                    Some(Evidence::HookTurnDone)
                } else {
                    None
                }
            }
        },
        "UserPromptSubmit" | "PreToolUse" | "PostToolUse" => Some(Evidence::HookWorking),
        _ => None,
    };
    Ok(r)
}

/// `codex exec --json` prints one JSON event per line; they drive the state exactly.
pub fn codex_exec_event(line: &str) -> Option<Evidence> {
    let line = line.trim();
    if !line.starts_with('{') {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    let kind = v.get("type")?.as_str()?;
    match kind {
        "turn.started" => Some(Evidence::HookWorking),
        k if k.starts_with("item.") => Some(Evidence::HookWorking),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::state::{next_state, State};
    use std::path::Path;

    fn capture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures").join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn patterns(agent: &str) -> ScreenPatterns {
        let config = crate::domain::config::Config::default();
        crate::domain::record::DetectSettings::for_profile(&crate::domain::agents::profile(&config, agent).unwrap(), 0, None).screen_patterns()
    }

    #[test]
    fn codex_screens() {
        let p = patterns("codex");
        assert_eq!(classify_screen(&capture("codex-approval.txt"), &p), Some(Evidence::ScreenApproval));
        assert_eq!(classify_screen(&capture("codex-busy.txt"), &p), Some(Evidence::ScreenWorking));
        assert_eq!(classify_screen(&capture("codex-busy-slow.txt"), &p), Some(Evidence::ScreenWorking));
        assert_eq!(classify_screen(&capture("codex-after-approval.txt"), &p), Some(Evidence::ScreenWorking));
        assert_eq!(classify_screen(&capture("codex-idle.txt"), &p), Some(Evidence::ScreenIdle));
        assert_eq!(classify_screen(&capture("codex-turn-complete.txt"), &p), Some(Evidence::ScreenIdle));
        assert_eq!(classify_screen(&capture("codex-interrupted.txt"), &p), Some(Evidence::ScreenIdle));
    }

    #[test]
    fn claude_screens() {
        let p = patterns("claude");
        assert_eq!(classify_screen(&capture("claude-approval.txt"), &p), Some(Evidence::ScreenApproval));
        assert_eq!(classify_screen(&capture("claude-busy.txt"), &p), Some(Evidence::ScreenWorking));
        assert_eq!(classify_screen(&capture("claude-idle.txt"), &p), Some(Evidence::ScreenIdle));
        assert_eq!(classify_screen(&capture("claude-turn-complete.txt"), &p), Some(Evidence::ScreenIdle));
    }

    #[test]
    fn the_lower_of_question_and_work_wins() {
        let p = ScreenPatterns {
            waiting: vec![Regex::new("Would you like to run").unwrap()],
            working: vec![Regex::new("esc to interrupt").unwrap()],
            idle: vec![],
        };
        let answered = "Would you like to run the following command?\n$ make\ny\nrunning (esc to interrupt)\n";
        assert_eq!(classify_screen(answered, &p), Some(Evidence::ScreenWorking));
        let asked = "thinking (esc to interrupt)\nWould you like to run the following command?\n";
        assert_eq!(classify_screen(asked, &p), Some(Evidence::ScreenApproval));
    }

    #[test]
    fn a_stale_hook_state_is_corrected_by_the_screen() {
        // Approval granted: no hook event, but the screen shows work again.
        let after_grant = classify_screen(&capture("codex-after-approval.txt"), &patterns("codex")).unwrap();
        assert_eq!(next_state(State::Waiting, "approval", &after_grant), Some((State::Working, String::new())));
        // Interrupted with Esc: no hook, the screen shows the idle prompt.
        let after_esc = classify_screen(&capture("codex-interrupted.txt"), &patterns("codex")).unwrap();
        assert_eq!(next_state(State::Working, "", &after_esc), Some((State::Waiting, "input".into())));
    }

    #[test]
    fn precedence_table() {
        use Evidence::*;
        let w = |s: State, d: &str, e: Evidence| next_state(s, d, &e);
        assert_eq!(w(State::Working, "", HookApproval), Some((State::Waiting, "approval".into())));
        assert_eq!(w(State::Working, "", HookTurnDone), Some((State::Waiting, "input".into())));
        assert_eq!(w(State::Waiting, "input", HookWorking), Some((State::Working, String::new())));
        // No change is no transition.
        assert_eq!(w(State::Waiting, "approval", ScreenApproval), None);
        // Output while approval was asked: resumed (the screen had no opinion).
        assert_eq!(w(State::Waiting, "approval", Output), Some((State::Working, String::new())));
        // Output after a finished turn: a TUI redrawing, not work.
        assert_eq!(w(State::Waiting, "input", Output), None);
        // Output ends stuck.
        assert_eq!(w(State::Stuck, "", Output), Some((State::Working, String::new())));
        // Quiet only makes a working agent stuck.
        assert_eq!(w(State::Working, "", Quiet), Some((State::Stuck, String::new())));
        assert_eq!(w(State::Waiting, "input", Quiet), None);
        // RISKS.md while waiting is review; while working it is not yet.
        assert_eq!(w(State::Waiting, "input", RisksWritten), Some((State::Review, "risks".into())));
        assert_eq!(w(State::Working, "", RisksWritten), None);
        // Rejected goes back to working once the agent resumes.
        assert_eq!(w(State::Rejected, "", ScreenWorking), Some((State::Working, String::new())));
        assert_eq!(w(State::Rejected, "", Output), Some((State::Working, String::new())));
        // The idle prompt does not override a finished turn.
        assert_eq!(w(State::Waiting, "input", ScreenIdle), None);
        assert_eq!(w(State::Review, "risks", ScreenIdle), None);
    }

    #[test]
    fn codex_notify_payload() {
        let r = parse_hook(&capture("codex-notify.json")).unwrap();
        assert_eq!(r.evidence, Some(Evidence::HookTurnDone));
        assert_eq!(r.last_message.as_deref(), Some("Hello from the stand-in. Turn complete."));
        assert_eq!(r.thread_id.as_deref(), Some("01a1fcbb-be30-7a31-b2a1-89f91c665438"));
        let title = r#"{"type":"agent-turn-complete","thread-id":"x","input-messages":["Generate a concise, single-line task title for: fix it"],"last-assistant-message":"Fix it"}"#;
        assert_eq!(parse_hook(title).unwrap().evidence, None);
    }

    #[test]
    fn hook_payloads_from_claude_and_codex() {
        for (file, want) in [
            ("claude-hook-Stop.json", Some(Evidence::HookTurnDone)),
            ("claude-hook-PermissionRequest.json", Some(Evidence::HookApproval)),
            ("claude-hook-UserPromptSubmit.json", Some(Evidence::HookWorking)),
            ("claude-hook-PreToolUse.json", Some(Evidence::HookWorking)),
            ("claude-hook-SessionStart.json", None),
            ("codex-hook-Stop.json", Some(Evidence::HookTurnDone)),
            ("codex-hook-PermissionRequest.json", Some(Evidence::HookApproval)),
            ("codex-hook-UserPromptSubmit.json", Some(Evidence::HookWorking)),
        ] {
            let r = parse_hook(&capture(file)).unwrap();
            assert_eq!(r.evidence, want, "{file}");
        }
        let stop = parse_hook(&capture("claude-hook-Stop.json")).unwrap();
        assert!(stop.last_message.is_some());
        let n = r#"{"hook_event_name":"Notification","notification_type":"permission_prompt","message":"Claude needs your permission to use Bash"}"#;
        assert_eq!(parse_hook(n).unwrap().evidence, Some(Evidence::HookApproval));
        let n = r#"{"hook_event_name":"Notification","notification_type":"idle_prompt"}"#;
        assert_eq!(parse_hook(n).unwrap().evidence, Some(Evidence::HookTurnDone));
        assert!(parse_hook("not json").is_err());
        assert!(parse_hook("{}").is_err());
    }

    #[test]
    fn codex_exec_events() {
        let text = capture("codex-exec.jsonl");
        let ev: Vec<_> = text.lines().filter_map(codex_exec_event).collect();
        assert!(ev.contains(&Evidence::HookWorking), "{text}");
        assert_eq!(codex_exec_event("plain text"), None);
        assert_eq!(codex_exec_event(r#"{"type":"turn.started"}"#), Some(Evidence::HookWorking));
    }
}

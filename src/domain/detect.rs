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

/// The details a waiting pattern can name with a capture group, `(?P<trust>…)`; a pattern
/// without one (or with another name) means `approval`.
const SCREEN_DETAILS: &[&str] = &["question", "trust", "approval"];

/// The lowest match on `screen` of any of `pats`: (its line, where it starts, the regex).
fn lowest_match<'a>(screen: &str, pats: &'a [Regex]) -> Option<(usize, usize, &'a Regex)> {
    let line_of = |at: usize| screen[..at].bytes().filter(|&b| b == b'\n').count();
    pats.iter()
        .filter_map(|r| r.find_iter(screen).last().map(|m| (line_of(m.start()), m.start(), r)))
        .max_by_key(|(line, start, _)| (*line, *start))
}

/// What the visible screen says. Between a question for the person and a busy marker, the one
/// lower on the screen is the more recent (a line-oriented agent leaves an answered question on
/// screen above its new work); on the same line the question wins (Codex's question hint reads
/// `enter to submit answer | esc to interrupt`). The idle prompt counts when nothing is busy
/// and no question is at or below it: a full-screen agent hides its prompt under a question,
/// and aider's prompt below an old `(Y)es/(N)o` means the question was answered. A busy marker
/// outranks the idle prompt wherever it is (Codex shows its composer while busy).
pub fn classify_screen(screen: &str, p: &ScreenPatterns) -> Option<Evidence> {
    classify_screen_from(screen, p).map(|(evidence, _)| evidence)
}

/// [`classify_screen`], with where on the screen the verdict comes from: the byte offset of the
/// start of the line that decided it. What is below it is the part of the screen that must hold
/// still for the verdict to be a settled one (see `state::screen_evidence`).
pub fn classify_screen_from(screen: &str, p: &ScreenPatterns) -> Option<(Evidence, usize)> {
    let detail_of = |r: &Regex, start: usize| -> &'static str {
        let Some(caps) = r.captures_at(screen, start) else { return "approval" };
        SCREEN_DETAILS.iter().copied().find(|d| caps.name(d).is_some()).unwrap_or("approval")
    };
    let line_start = |at: usize| screen[..at].rfind('\n').map_or(0, |n| n + 1);
    let waiting = lowest_match(screen, &p.waiting);
    let working = lowest_match(screen, &p.working).map(|(line, at, _)| (line, line_start(at)));
    let idle = lowest_match(screen, &p.idle).map(|(line, at, _)| (line, line_start(at)));
    if let Some((w, at, r)) = waiting {
        let busy_below = working.filter(|(b, _)| *b > w);
        let idle_below = idle.is_some_and(|(i, _)| i > w);
        if busy_below.is_none() && !idle_below {
            return Some((Evidence::ScreenWaiting(detail_of(r, at)), line_start(at)));
        }
        if let Some((_, from)) = busy_below {
            return Some((Evidence::ScreenWorking, from));
        }
    }
    match (working, idle) {
        (Some((_, from)), _) if waiting.is_none() => Some((Evidence::ScreenWorking, from)),
        (_, Some((_, from))) => Some((Evidence::ScreenIdle, from)),
        _ => None,
    }
}

/// A capture followed by the `#{cursor_x},#{cursor_y}` line the same tmux call printed: the
/// screen, and the cursor if that last line reads as one.
pub fn split_cursor(out: &str) -> (String, Option<(usize, usize)>) {
    let body = out.strip_suffix('\n').unwrap_or(out);
    let (screen, last) = match body.rfind('\n') {
        Some(n) => (&body[..n + 1], &body[n + 1..]),
        None => ("", body),
    };
    let cursor = last.split_once(',').and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)));
    match cursor {
        Some(c) => (screen.to_string(), Some(c)),
        None => (out.to_string(), None),
    }
}

/// A line-oriented program (a plain command, a script) waiting at a prompt it printed without a
/// newline: the text on the cursor's line, up to the cursor (`cursor` = column, row), ends in a
/// yes/no choice (`(y/n)`, `[Y/n]`, `(yes/no)`, maybe with a default and a colon after it), or
/// in `? ` or `: ` right before the cursor on a short line (`read -p "Name: "`). Output that
/// ended with a newline, a cursor at the start of a line or a long line is not a prompt; and
/// like every screen verdict this counts only once the screen has settled. Returns the
/// evidence and the byte offset of the prompt's line.
pub fn line_prompt(screen: &str, cursor: (usize, usize)) -> Option<(Evidence, usize)> {
    static YES_NO: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"(?i)[(\[](y|yes)/(n|no)[)\]]\s*(\[[^\]]*\]|\([^)]*\))?\s*[:?]?\s*$").expect("regex")
    });
    const SHORT: usize = 80;
    let (x, y) = cursor;
    let start: usize = screen.split('\n').take(y).map(|l| l.len() + 1).sum();
    let line = screen.split('\n').nth(y)?;
    if x == 0 {
        return None;
    }
    // capture-pane drops trailing spaces: the cursor's column says how many there were.
    let mut before: String = line.chars().take(x).collect();
    while before.chars().count() < x {
        before.push(' ');
    }
    if before.trim().is_empty() {
        return None;
    }
    let asks = YES_NO.is_match(&before)
        || (x <= SHORT
            && (before.ends_with("? ") || before.ends_with(": "))
            && before.chars().any(char::is_alphabetic));
    asks.then_some((Evidence::ScreenWaiting("question"), start))
}

/// Whether a screen pattern anchors to a line (`^`, `$`) without multi-line mode: it is matched
/// against the whole screen, so `^> ` only matches a prompt on the first line and `> $` only at
/// the very end. (`doctor` warns; the README shows `(?m)^> ?$`.)
pub fn anchors_without_multiline(pattern: &str) -> bool {
    if pattern.contains("(?m") || pattern.contains("(?sm") || pattern.contains("(?im") || pattern.contains("(?ism") {
        return false;
    }
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '^' | '$' if !in_class => return true,
            _ => {}
        }
    }
    false
}

// ---- Hooks --------------------------------------------------------------------------------

/// What one hook call said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookReport {
    pub evidence: Option<Evidence>,
    pub last_message: Option<String>,
    pub thread_id: Option<String>,
    /// The agent's transcript file, when the hook names it (Claude Code's `transcript_path`).
    pub transcript_path: Option<String>,
    /// The event's name, for the event log.
    pub event: String,
}

/// Whether `id` has the shape of an agent's own session id: a UUID (`8-4-4-4-12` hex digits),
/// as Codex's thread ids and Claude Code's session ids are. It is handed back to the agent as
/// an argument on `restore`, so anything else (`--dangerously-skip-permissions`) is refused.
pub fn is_agent_session_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
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
            r.thread_id = text("thread-id").filter(|t| is_agent_session_id(t));
        }
        return Ok(r);
    }
    let Some(event) = text("hook_event_name") else {
        return Err("no `type` or `hook_event_name` in the payload".into());
    };
    let mut r = HookReport { event: event.clone(), ..Default::default() };
    r.thread_id = text("session_id").filter(|t| is_agent_session_id(t));
    r.transcript_path = text("transcript_path").filter(|p| p.starts_with('/'));
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

/// One line of a non-interactive agent's JSON event stream: `codex exec --json`
/// (`thread.started`, `turn.started`, `item.*`, `turn.completed`) or Claude Code's
/// `-p --output-format stream-json` (`system`, `assistant`, `user`, `result`). Work in progress
/// means working; the agent's replies become `last_message` (the last one wins) and the thread
/// or session id is kept for `restore`. The end of the run is its exit, not an event.
pub fn exec_event(line: &str) -> Option<HookReport> {
    let line = line.trim();
    if !line.starts_with('{') {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    let kind = v.get("type")?.as_str()?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let mut r = HookReport { event: kind.to_string(), ..Default::default() };
    match kind {
        // Codex.
        "thread.started" => r.thread_id = text(&v, "thread_id").filter(|t| is_agent_session_id(t)),
        "turn.started" => r.evidence = Some(Evidence::HookWorking),
        k if k.starts_with("item.") => {
            r.evidence = Some(Evidence::HookWorking);
            let item = v.get("item").unwrap_or(&Value::Null);
            if k == "item.completed" && item.get("type").and_then(Value::as_str) == Some("agent_message") {
                r.last_message = text(item, "text");
            }
        }
        // Claude Code.
        "system" => r.thread_id = text(&v, "session_id").filter(|t| is_agent_session_id(t)),
        "assistant" => {
            r.evidence = Some(Evidence::HookWorking);
            let content = v.pointer("/message/content").and_then(Value::as_array);
            let said: Vec<&str> = content
                .into_iter()
                .flatten()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            if !said.is_empty() {
                r.last_message = Some(said.join("\n"));
            }
        }
        "user" => r.evidence = Some(Evidence::HookWorking),
        "result" => {
            r.last_message = text(&v, "result");
            r.thread_id = text(&v, "session_id").filter(|t| is_agent_session_id(t));
        }
        _ => return None,
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uuids_are_agent_session_ids() {
        assert!(is_agent_session_id("01a23357-46c8-7383-852a-a87a60888db4"));
        assert!(is_agent_session_id("FCFE1FB9-A4B3-4057-BBCF-FEF9BC0CF85D"));
        for bad in [
            "--dangerously-bypass-approvals-and-sandbox",
            "--dangerously-skip-permissions",
            "",
            "01a23357-46c8-7383-852a-a87a60888db4 --x",
            "-1a23357-46c8-7383-852a-a87a60888db4",
            "01a23357-46c8-7383-852a-a87a60888db",
            "01a23357-46c8-7383-852a-a87a60888db4-",
            "g1a23357-46c8-7383-852a-a87a60888db4",
        ] {
            assert!(!is_agent_session_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_hook_whose_session_id_is_a_flag_reports_no_id() {
        let claude = r#"{"hook_event_name":"Stop","session_id":"--dangerously-skip-permissions"}"#;
        assert_eq!(parse_hook(claude).unwrap().thread_id, None);
        let codex = r#"{"type":"agent-turn-complete","thread-id":"--dangerously-bypass-approvals-and-sandbox","input-messages":["x"]}"#;
        assert_eq!(parse_hook(codex).unwrap().thread_id, None);
    }

    #[test]
    fn line_anchors_without_multiline_are_noticed() {
        for p in ["^> ", "ready>$", "^\\s*ask>"] {
            assert!(anchors_without_multiline(p), "{p}");
        }
        for p in ["(?m)^> ?$", "[^a-z]+ done", "cost \\$5", "esc to interrupt", "(?im)^ready"] {
            assert!(!anchors_without_multiline(p), "{p}");
        }
    }

    use crate::domain::state::{next_state, State};
    use std::path::Path;

    fn capture(name: &str) -> String {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures").join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn patterns(agent: &str) -> ScreenPatterns {
        let config = crate::domain::config::Config::default();
        crate::domain::record::DetectSettings::for_profile(
            &crate::domain::agents::profile(&config, agent).unwrap(),
            0,
            None,
        )
        .screen_patterns()
    }

    const APPROVAL: Option<Evidence> = Some(Evidence::ScreenWaiting("approval"));
    const QUESTION: Option<Evidence> = Some(Evidence::ScreenWaiting("question"));
    const TRUST: Option<Evidence> = Some(Evidence::ScreenWaiting("trust"));
    const WORKING: Option<Evidence> = Some(Evidence::ScreenWorking);
    const IDLE: Option<Evidence> = Some(Evidence::ScreenIdle);

    fn check(agent: &str, cases: &[(&str, Option<Evidence>)]) {
        let p = patterns(agent);
        for (file, want) in cases {
            assert_eq!(classify_screen(&capture(file), &p), *want, "{agent}: {file}");
        }
    }

    #[test]
    fn codex_screens() {
        check(
            "codex",
            &[
                // 0.171
                ("codex-approval.txt", APPROVAL),
                ("codex-busy.txt", WORKING),
                ("codex-busy-slow.txt", WORKING),
                ("codex-after-approval.txt", WORKING),
                // Still starting: the footer has no status line yet.
                ("codex-idle-start.txt", None),
                ("codex-idle.txt", IDLE),
                // Caught while the Stop hook still ran: `Working (6s • esc to interrupt) · Running hook`.
                ("codex-turn-complete.txt", WORKING),
                ("codex-interrupted.txt", IDLE),
                ("codex-approval-declined.txt", IDLE),
                ("codex-resumed.txt", IDLE),
                ("codex-question.txt", QUESTION),
                ("codex-question-answered.txt", WORKING),
                ("codex-trust.txt", TRUST),
                ("codex-hooks-review.txt", TRUST),
                // 0.169
                ("codex-0.169-approval.txt", APPROVAL),
                ("codex-0.169-busy.txt", WORKING),
                ("codex-0.169-idle-start.txt", IDLE),
                ("codex-0.169-idle.txt", IDLE),
                ("codex-0.169-turn-complete.txt", IDLE),
                ("codex-0.169-interrupted.txt", IDLE),
                ("codex-0.169-hooks-review.txt", TRUST),
            ],
        );
    }

    /// The idle composer is known by its shape, not its placeholder: the rotating suggestions
    /// and a typed draft are all idle, under a status line and hints of any wording.
    #[test]
    fn codex_idle_prompt_by_structure() {
        let p = patterns("codex");
        let idle = capture("codex-interrupted.txt");
        let (above, composer) = idle.rsplit_once("› Ask Codex to do anything").unwrap();
        for text in [
            "Write tests for @filename",
            "Find and fix a bug in @filename",
            "Ask a follow-up question",
            "fix the date parser",
        ] {
            let screen = format!("{above}› {text}{composer}");
            assert_eq!(classify_screen(&screen, &p), IDLE, "{screen}");
        }
        for footer in [
            "\n  gpt-5.6 high · ~/src/app\n  ? for shortcuts\n",
            "\n  o4 · 100% context left\n  ⏎ send   ⇧⏎ newline   ⌃C quit\n",
            "\n  GPT-5.5 default · /x · fix it\n  ← for agents · ? for shortcuts\n  ⚠ 1 warning\n\n\n",
        ] {
            let screen = format!("{above}› Run /review on my current changes\n{footer}");
            assert_eq!(classify_screen(&screen, &p), IDLE, "{screen:?}");
        }
        // Starting: hints alone, no status line yet (a prompt given as argument still pending).
        let starting = format!("{above}› Ask Codex to do anything\n\n  ? for shortcuts\n");
        assert_eq!(classify_screen(&starting, &p), None);
        // An old prompt in the transcript is not the composer.
        let busy = "› hello there\n\n• Working (3s • esc to interrupt)\n";
        assert_eq!(classify_screen(busy, &p), WORKING);
        assert_eq!(classify_screen("› hello there\n\n• The reply.\n", &p), None);
    }

    #[test]
    fn claude_screens() {
        check(
            "claude",
            &[
                ("claude-approval.txt", APPROVAL),
                ("claude-busy.txt", WORKING),
                ("claude-idle.txt", IDLE),
                ("claude-turn-complete.txt", IDLE),
                ("claude-interrupted.txt", IDLE),
                ("claude-trust.txt", TRUST),
            ],
        );
    }

    #[test]
    fn gemini_screens() {
        check(
            "gemini",
            &[
                ("gemini-trust.txt", TRUST),
                ("gemini-idle-start.txt", IDLE),
                ("gemini-reply.txt", IDLE),
                ("gemini-idle.txt", IDLE),
                ("gemini-approval.txt", APPROVAL),
                ("gemini-turn-complete.txt", IDLE),
                ("gemini-fetch.txt", APPROVAL),
                ("gemini-fetch-declined.txt", IDLE),
                ("gemini-busy-slow.txt", WORKING),
                ("gemini-interrupted.txt", IDLE),
            ],
        );
        // Restarted after the trust dialog, below it, with a prompt typed into the box.
        let p = patterns("gemini");
        let trust = capture("gemini-trust.txt");
        let idle = capture("gemini-idle.txt").replace("Type your message or @path/to/file", "hello there");
        let screen = format!("{trust} Gemini CLI is restarting to apply the trust changes...\n{idle}");
        assert_eq!(classify_screen(&screen, &p), IDLE);
    }

    /// One ordinary aider turn, step by step: its answered first-run question stays on screen,
    /// the model's wait shows a spinner (none under NO_COLOR), other chat modes have their own
    /// prompt.
    #[test]
    fn aider_screens() {
        check(
            "aider",
            &[
                ("aider-busy.txt", WORKING),
                ("aider-idle.txt", IDLE),
                ("aider-approval.txt", APPROVAL),
                ("aider-turn-complete.txt", IDLE),
                ("aider-ask-prompt.txt", IDLE),
                ("aider-nocolor-busy.txt", WORKING),
                ("aider-nocolor-idle.txt", IDLE),
            ],
        );
        let p = patterns("aider");
        let asked = "Add .aider* to .gitignore (recommended)? (Y)es/(N)o [Yes]:\n";
        assert_eq!(classify_screen(asked, &p), APPROVAL);
        let answered = "Add .aider* to .gitignore (recommended)? (Y)es/(N)o [Yes]: n\nAider v0.86.2\n> hello\n   ░█  Waiting for openai/standin\n";
        assert_eq!(classify_screen(answered, &p), WORKING);
        // The spinner erases itself when the reply comes.
        let replied =
            answered.replace("   ░█  Waiting for openai/standin\n", "Hello.\nTokens: 593 sent, 9 received.\n");
        for prompt in [">", "ask>", "architect>", "multi>", "ask multi>"] {
            assert_eq!(classify_screen(&format!("{replied}{prompt}\n\n"), &p), IDLE, "{prompt}");
        }
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
        assert_eq!(classify_screen(asked, &p), Some(Evidence::ScreenWaiting("approval")));
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
        assert_eq!(w(State::Waiting, "approval", ScreenWaiting("approval")), None);
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
        assert_eq!(r.thread_id.as_deref(), Some("01a23357-46c8-7383-852a-a87a60888db4"));
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
        let reports: Vec<HookReport> = capture("codex-exec.jsonl").lines().filter_map(exec_event).collect();
        assert!(reports.iter().any(|r| r.evidence == Some(Evidence::HookWorking)));
        let thread = reports.iter().find_map(|r| r.thread_id.clone());
        assert_eq!(thread.as_deref(), Some("01a23357-dc07-79d2-b5fd-44561159e7e9"));
        let said = reports.iter().filter_map(|r| r.last_message.clone()).next_back();
        assert_eq!(said.as_deref(), Some("Hello from the stand-in. Turn complete."));
        // A run with a command: the last agent message is the reply, not the command's output.
        let said = capture("codex-exec-command.jsonl")
            .lines()
            .filter_map(exec_event)
            .filter_map(|r| r.last_message)
            .next_back();
        assert_eq!(said.as_deref(), Some("The command printed standin-safe."));
        assert_eq!(exec_event("plain text"), None);
        assert_eq!(exec_event(r#"{"type":"turn.started"}"#).unwrap().evidence, Some(Evidence::HookWorking));
        assert_eq!(exec_event(r#"{"type":"turn.completed","usage":{}}"#), None);
    }

    #[test]
    fn claude_stream_json_events() {
        let reports: Vec<HookReport> = capture("claude-print.jsonl").lines().filter_map(exec_event).collect();
        assert_eq!(
            reports.iter().find_map(|r| r.thread_id.clone()).as_deref(),
            Some("9fc00a2b-67e1-4d69-9d12-a0df9f0d6a94")
        );
        let said = reports.iter().filter_map(|r| r.last_message.clone()).next_back();
        assert_eq!(said.as_deref(), Some("Hello from the stand-in. Turn complete."));
        assert!(reports.iter().any(|r| r.evidence == Some(Evidence::HookWorking)));
    }

    #[test]
    fn screen_waits_end_when_the_screen_moves_on() {
        use Evidence::*;
        for detail in ["approval", "question", "trust"] {
            assert_eq!(next_state(State::Working, "", &ScreenWaiting(detail)), Some((State::Waiting, detail.into())));
            assert_eq!(next_state(State::Waiting, detail, &ScreenIdle), Some((State::Waiting, "input".into())));
            assert_eq!(next_state(State::Waiting, detail, &Output), Some((State::Working, String::new())));
            assert_eq!(next_state(State::Waiting, detail, &ScreenWorking), Some((State::Working, String::new())));
        }
        // From one question to another.
        assert_eq!(
            next_state(State::Waiting, "trust", &ScreenWaiting("approval")),
            Some((State::Waiting, "approval".into()))
        );
    }

    #[test]
    fn the_cursor_line_is_split_from_the_capture() {
        assert_eq!(split_cursor("a\nb\n3,1\n"), ("a\nb\n".to_string(), Some((3, 1))));
        assert_eq!(split_cursor("0,0\n"), (String::new(), Some((0, 0))));
        assert_eq!(split_cursor("a\nno cursor\n"), ("a\nno cursor\n".to_string(), None));
    }

    #[test]
    fn a_line_prompt_at_the_cursor_asks_and_nothing_else_does() {
        let q = Some(Evidence::ScreenWaiting("question"));
        let at = |screen: &str, x: usize, y: usize| line_prompt(screen, (x, y)).map(|(e, _)| e);
        // `read -p` prompts, the cursor right after them (capture-pane drops the trailing space).
        assert_eq!(at("building\nContinue? (y/n)\n\n", 16, 1), q);
        assert_eq!(at("Overwrite file.txt? [Y/n]", 26, 0), q);
        assert_eq!(at("Proceed (yes/no) [no]:", 23, 0), q);
        assert_eq!(at("Continue?", 10, 0), q);
        assert_eq!(at("Name:", 6, 0), q);
        assert_eq!(at("a\nb\nEnter the password for alice:", 30, 2), q);
        assert_eq!(at("a\nb\nEnter the password for alice:", 35, 2), None, "the cursor moved on past it");
        // The prompt's line: where steadiness is judged from.
        assert_eq!(line_prompt("one\ntwo?", (5, 1)).map(|(_, from)| from), Some(4));
        // Not prompts: a line that ended with a newline (the cursor on the next one), a cursor
        // not right after `? `/`: `, a colon in the middle of output, a long line, an empty one.
        assert_eq!(at("Continue? (y/n)\n", 0, 1), None);
        assert_eq!(at("Building: 45%", 13, 0), None);
        assert_eq!(at("Compiling foo v1.0:", 19, 0), None, "no space after the colon: output, not a prompt");
        assert_eq!(at("error: something failed", 23, 0), None);
        assert_eq!(at(&format!("{}: ", "x".repeat(100)), 102, 0), None);
        assert_eq!(at("   ", 3, 0), None);
        assert_eq!(at("? ", 2, 0), None, "no words: not a question");
        assert_eq!(at("", 0, 5), None);
    }
}

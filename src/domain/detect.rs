//! Reading evidence: what an agent's screen and its hook payloads say (approval, busy, idle),
//! as pure functions over captured text. What evidence does to a state is `domain::state`.

use crate::domain::state::Evidence;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---- The screen ---------------------------------------------------------------------------

/// A profile's screen patterns, compiled, and where on the screen they count.
#[derive(Clone, Debug, Default)]
pub struct ScreenPatterns {
    pub waiting: Vec<Regex>,
    pub working: Vec<Regex>,
    pub idle: Vec<Regex>,
    pub region: Region,
}

impl ScreenPatterns {
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.working.is_empty() && self.idle.is_empty()
    }
}

/// Where on the screen a question or an idle prompt counts: the live region, the part of the
/// screen the agent is still drawing. Text above it is history: a question followed by later
/// output was answered, whatever it says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// A line-oriented program (aider, a script, a plain command) writes on, never back: the
    /// live region is the text written since the screen last held still ([`fresh_from`]). A
    /// question counts while it is part of that; once the person answers (even the echo of a
    /// `y` on its line) and the program prints on, it is history.
    Latest,
    /// A full-screen program (Codex, Claude Code, gemini-cli) draws its dialogs in a block at
    /// the bottom, under its transcript: the lowest of a question, a busy marker and the idle
    /// prompt is what it is drawing now, and a question with a busy marker or the prompt below it
    /// is history (a reply quoting a dialog sits above the prompt).
    #[default]
    Bottom,
    /// The whole screen: a question anywhere counts.
    Screen,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Latest => "latest",
            Region::Bottom => "bottom",
            Region::Screen => "screen",
        }
    }
}

/// Where the text written since the screen was `before` begins on `now`, as a byte offset
/// into `now`: a line-oriented program only appends (to its last line, and new lines) and
/// scrolls, so `before`'s lines, but for those scrolled off the top, are still there with the
/// last one maybe grown. When they are not (the screen was cleared or redrawn), all of `now`
/// is new. Trailing spaces and blank lines below the text do not count (capture-pane keeps
/// neither reliably).
pub fn fresh_from(before: &str, now: &str) -> usize {
    let old: Vec<&str> = before.lines().map(str::trim_end).collect();
    let old = &old[..old.iter().rposition(|l| !l.is_empty()).map_or(0, |n| n + 1)];
    let Some((last, whole)) = old.split_last() else { return 0 };
    let new: Vec<&str> = now.split('\n').collect();
    let start_of = |line: usize| new[..line].iter().map(|l| l.len() + 1).sum::<usize>();
    for scrolled in 0..=whole.len() {
        let kept = &whole[scrolled..];
        let Some(grown) = new.get(kept.len()) else { continue };
        if kept.iter().zip(&new).all(|(a, b)| *a == b.trim_end()) && grown.starts_with(last) {
            return start_of(kept.len()) + last.len();
        }
    }
    0
}

/// What one look at the screen says, and what shows it (for `minder explain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub evidence: Evidence,
    /// The byte offset of the start of the deciding line: what is below it must hold still for
    /// the verdict to be a settled one (see `state::screen_evidence`).
    pub from: usize,
    /// The pattern that matched, or the rule that read a line prompt.
    pub pattern: String,
    /// The screen lines the match covers.
    pub lines: Vec<String>,
}

/// The details a waiting pattern can name with a capture group, `(?P<trust>…)`; a pattern
/// without one (or with another name) means `approval`.
const SCREEN_DETAILS: &[&str] = &["question", "trust", "approval"];

/// One pattern's match on the screen: the line it starts on, its span, the regex.
#[derive(Clone, Copy)]
struct Hit<'a> {
    line: usize,
    start: usize,
    end: usize,
    regex: &'a Regex,
}

/// The screen's lines, to place matches.
struct Layout<'s> {
    screen: &'s str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'s> Layout<'s> {
    fn new(screen: &'s str) -> Layout<'s> {
        let mut starts = vec![0];
        starts.extend(screen.match_indices('\n').map(|(n, _)| n + 1));
        Layout { screen, starts }
    }

    fn line(&self, n: usize) -> &'s str {
        let Some(&from) = self.starts.get(n) else { return "" };
        let to = self.starts.get(n + 1).map_or(self.screen.len(), |&s| s - 1);
        &self.screen[from..to.max(from)]
    }

    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).saturating_sub(1)
    }

    /// The lowest (then rightmost) match of any of `pats` whose end `live` accepts.
    fn lowest<'a>(&self, pats: &'a [Regex], live: impl Fn(usize) -> bool) -> Option<Hit<'a>> {
        pats.iter()
            .filter_map(|r| {
                r.find_iter(self.screen)
                    .filter(|m| m.end() > m.start() && live(m.end()))
                    .map(|m| Hit { line: self.line_of(m.start()), start: m.start(), end: m.end(), regex: r })
                    .last()
            })
            .max_by_key(|h| (h.line, h.start))
    }

    fn reading(&self, evidence: Evidence, hit: &Hit) -> Reading {
        let first = self.line_of(hit.start);
        let last = self.line_of(hit.end - 1);
        let lines = (first..=last).map(|l| self.line(l).trim_end().to_string()).collect();
        Reading { evidence, from: self.starts[first], pattern: hit.regex.as_str().to_string(), lines }
    }
}

/// What the visible screen says, all of it taken as live (the screen corpus and the unit tests
/// read screens this way). See [`read_screen`].
#[cfg(test)]
pub fn classify_screen(screen: &str, p: &ScreenPatterns) -> Option<Evidence> {
    read_screen(screen, 0, p).map(|r| r.evidence)
}

/// What the visible screen says, and what shows it. `fresh` is where the text written since
/// the screen last held still begins ([`fresh_from`]): it bounds the live region of a
/// line-oriented program (see [`Region`]), and questions and idle prompts count only in the
/// live region. Between a question and a busy marker, the one lower on the screen is the more
/// recent; on the same line the question wins (Codex's question hint reads `enter to submit
/// answer | esc to interrupt`). The idle prompt counts when nothing is busy and no question is
/// at or below it: a full-screen agent hides its prompt under a question, and aider's prompt
/// below an old `(Y)es/(N)o` means the question was answered. A busy marker outranks the idle
/// prompt (Codex shows its composer while busy).
pub fn read_screen(screen: &str, fresh: usize, p: &ScreenPatterns) -> Option<Reading> {
    let layout = Layout::new(screen);
    let region = p.region;
    let live = |end: usize| region != Region::Latest || end > fresh;
    let detail_of = |h: &Hit| -> &'static str {
        let Some(caps) = h.regex.captures_at(screen, h.start) else { return "approval" };
        SCREEN_DETAILS.iter().copied().find(|d| caps.name(d).is_some()).unwrap_or("approval")
    };
    let waiting = layout.lowest(&p.waiting, live);
    let idle = layout.lowest(&p.idle, live);
    let working = layout.lowest(&p.working, |_| true);
    let asked = |h: &Hit| layout.reading(Evidence::ScreenWaiting(detail_of(h)), h);
    if let Some(w) = &waiting {
        if region == Region::Screen {
            return Some(asked(w));
        }
        let busy_below = working.filter(|b| b.line > w.line);
        let idle_below = idle.is_some_and(|i| i.line > w.line);
        if busy_below.is_none() && !idle_below {
            return Some(asked(w));
        }
        if let Some(b) = busy_below {
            return Some(layout.reading(Evidence::ScreenWorking, &b));
        }
    }
    match (working, idle) {
        (Some(b), _) if waiting.is_none() => Some(layout.reading(Evidence::ScreenWorking, &b)),
        (_, Some(i)) => Some(layout.reading(Evidence::ScreenIdle, &i)),
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
/// reading, from the prompt's line.
pub fn line_prompt(screen: &str, cursor: (usize, usize)) -> Option<Reading> {
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
    asks.then(|| Reading {
        evidence: Evidence::ScreenWaiting("question"),
        from: start,
        pattern: "a line prompt at the cursor: `(y/n)`, `[Y/n]`, or `? ` / `: ` on a short line".into(),
        lines: vec![line.trim_end().to_string()],
    })
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
        // The tool that asks the person questions: its form is on screen until answered (its
        // PostToolUse says so).
        "PreToolUse" if text("tool_name").as_deref() == Some("AskUserQuestion") => Some(Evidence::HookQuestion),
        "Notification" => match text("notification_type").as_deref() {
            Some("permission_prompt") => Some(Evidence::HookApproval),
            Some("elicitation_dialog") => Some(Evidence::HookQuestion),
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
            region: Region::Bottom,
        };
        let answered = "Would you like to run the following command?\n$ make\ny\nrunning (esc to interrupt)\n";
        assert_eq!(classify_screen(answered, &p), Some(Evidence::ScreenWorking));
        let asked = "thinking (esc to interrupt)\nWould you like to run the following command?\n";
        assert_eq!(classify_screen(asked, &p), Some(Evidence::ScreenWaiting("approval")));
    }

    fn user_profile(region: Region, waiting: &str, idle: &[&str]) -> ScreenPatterns {
        ScreenPatterns {
            waiting: vec![Regex::new(waiting).unwrap()],
            working: vec![],
            idle: idle.iter().map(|p| Regex::new(p).unwrap()).collect(),
            region,
        }
    }

    #[test]
    fn fresh_text_is_found_past_scrolling_and_a_grown_last_line() {
        let before = "a\nAllow? [y/N]\n\n";
        // Nothing new.
        assert_eq!(fresh_from(before, "a\nAllow? [y/N]\n\n"), "a\nAllow? [y/N]".len());
        // The answer echoed on the question's line, then new lines.
        let now = "a\nAllow? [y/N] y\nanswer=y\n";
        assert_eq!(&now[fresh_from(before, now)..], " y\nanswer=y\n");
        // Scrolled up by two lines.
        let before = "one\ntwo\nthree\nfour?";
        let now = "three\nfour? y\nfive\nsix\n";
        assert_eq!(&now[fresh_from(before, now)..], " y\nfive\nsix\n");
        // Scrolled past everything, cleared or redrawn: all of it is new.
        assert_eq!(fresh_from(before, "x\ny\n"), 0);
        assert_eq!(fresh_from("", "x\n"), 0);
        assert_eq!(fresh_from("  \n\n", "x\n"), 0);
        // Trailing spaces capture-pane may drop do not break the match.
        assert_eq!(fresh_from("a  \nb? ", "a\nb? y\n"), "a\nb?".len());
    }

    /// A scripted agent asks, is answered, works, and waits for input: its old question is
    /// history once the text printed since holds no part of it.
    #[test]
    fn an_answered_question_is_history_in_the_live_region() {
        let p = user_profile(Region::Latest, r"Allow this action\? \[y/N\]", &[]);
        let asked = |before: &str, now: &str| read_screen(now, fresh_from(before, now), &p).map(|r| r.evidence);
        let approval = Some(Evidence::ScreenWaiting("approval"));
        let asking = "planning\nAllow this action? [y/N] ";
        assert_eq!(asked("planning\n", asking), approval);
        // A multi-line dialog with the pattern on its first line: all of it is new.
        let p2 = user_profile(Region::Latest, r"Allow this action\?", &[]);
        let dialog = "planning\nAllow this action?\n\n  $ make\n\n[y/N] ";
        assert_eq!(read_screen(dialog, fresh_from("planning\n", dialog), &p2).map(|r| r.evidence), approval);
        // Nothing new since: the region is what it was (the caller keeps the last one).
        assert_eq!(read_screen(asking, "planning\n".len(), &p).map(|r| r.evidence), approval);
        // Answered (the echo on its line), and the agent moved on: history.
        let answered = "planning\nAllow this action? [y/N] y\nanswer=y\ndone; waiting for you\n";
        assert_eq!(asked(asking, answered), None);
        assert_eq!(asked(asking, "planning\nAllow this action? [y/N] y\n"), None, "the answer alone ends it");
        // The whole screen, or bottom-first, where a profile asks for it: the old question counts.
        for region in [Region::Screen, Region::Bottom] {
            let whole = user_profile(region, r"Allow this action\? \[y/N\]", &[]);
            assert!(read_screen(answered, fresh_from(asking, answered), &whole).is_some(), "{region:?}");
        }
        // Bottom-first with an idle prompt below: history too.
        let bottom = user_profile(Region::Bottom, r"Allow this action\? \[y/N\]", &["(?m)^> ?$"]);
        assert_eq!(classify_screen(&format!("{answered}> \n"), &bottom), Some(Evidence::ScreenIdle));
    }

    #[test]
    fn a_reading_names_its_pattern_and_lines() {
        let p = user_profile(Region::Latest, r"(?s)Run `make`\?.*\[y/N\]", &[]);
        let r = read_screen("x\nRun `make`?\n  options\n[y/N] ", 2, &p).unwrap();
        assert_eq!(r.pattern, r"(?s)Run `make`\?.*\[y/N\]");
        assert_eq!(r.lines, vec!["Run `make`?", "  options", "[y/N]"]);
        assert_eq!(r.from, 2);
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
        let n = r#"{"hook_event_name":"Notification","notification_type":"elicitation_dialog","message":"x"}"#;
        assert_eq!(parse_hook(n).unwrap().evidence, Some(Evidence::HookQuestion));
        let q = r#"{"hook_event_name":"PreToolUse","tool_name":"AskUserQuestion","tool_input":{}}"#;
        assert_eq!(parse_hook(q).unwrap().evidence, Some(Evidence::HookQuestion));
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
        let at = |screen: &str, x: usize, y: usize| line_prompt(screen, (x, y)).map(|r| r.evidence);
        // `read -p` prompts, the cursor right after them (capture-pane drops the trailing space).
        assert_eq!(at("building\nContinue? (y/n)\n\n", 16, 1), q);
        assert_eq!(at("Overwrite file.txt? [Y/n]", 26, 0), q);
        assert_eq!(at("Proceed (yes/no) [no]:", 23, 0), q);
        assert_eq!(at("Continue?", 10, 0), q);
        assert_eq!(at("Name:", 6, 0), q);
        assert_eq!(at("a\nb\nEnter the password for alice:", 30, 2), q);
        assert_eq!(at("a\nb\nEnter the password for alice:", 35, 2), None, "the cursor moved on past it");
        // The prompt's line: where steadiness is judged from.
        assert_eq!(line_prompt("one\ntwo?", (5, 1)).map(|r| r.from), Some(4));
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

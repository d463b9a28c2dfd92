//! `minder explain`: why a session is in its state. The deciding evidence (its source, time,
//! the rule or pattern and the screen lines it matched), what it outranked, and the last
//! transitions with theirs; rendered for a person to any `io::Write` (the command, the dash),
//! or as JSON.

use crate::domain::record::{Decision, Event, Outranked, Record};
use crate::domain::state::{Source, State};
use crate::render::sanitize::one_line;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::{self, Write};

/// How many earlier transitions are shown.
const EARLIER: usize = 8;

/// Why one session is in its state.
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub name: String,
    pub state: State,
    pub detail: String,
    /// What the agent is doing, apart from the person's decision.
    pub activity: State,
    pub activity_detail: String,
    pub since: DateTime<Utc>,
    /// The evidence that set the activity.
    pub decided_by: Decided,
    /// The person's decision, when the state shown comes from it (or names it).
    pub decision: Option<Decision>,
    /// Evidence that came after and did not count, and why.
    pub outranked: Vec<Outranked>,
    /// The transitions before this one, newest first.
    pub earlier: Vec<Event>,
    /// How this session's state is known: its hooks, the screen's live region.
    pub known_by: Vec<String>,
}

/// The deciding evidence: the event of the transition into the current activity (when the
/// event log still has it) and the rule that made it count.
#[derive(Debug, Serialize)]
pub struct Decided {
    pub source: Source,
    pub at: DateTime<Utc>,
    pub rule: String,
    pub note: Option<String>,
    pub pattern: Option<String>,
    pub lines: Vec<String>,
}

/// Explain `record` from its event log (`events`, oldest first).
pub fn explain(record: &Record, events: &[Event]) -> Explanation {
    let (state, detail) = record.shown();
    // The transition into the current activity is the event written with it (same time).
    let at = events.iter().rposition(|e| e.at == record.state_at && e.source == record.state_source);
    let deciding = at.map(|i| &events[i]);
    let decided_by = Decided {
        source: record.state_source,
        at: record.state_at,
        rule: rule(record, deciding),
        note: deciding.and_then(|e| e.note.clone()),
        pattern: deciding.and_then(|e| e.pattern.clone()),
        lines: deciding.map(|e| e.lines.clone()).unwrap_or_default(),
    };
    let before = at.unwrap_or(events.len());
    let earlier = events[..before].iter().rev().take(EARLIER).cloned().collect();
    let shows_decision = (state, detail.as_str()) != (record.activity, record.activity_detail.as_str());
    Explanation {
        name: record.name.clone(),
        state,
        detail,
        activity: record.activity,
        activity_detail: record.activity_detail.clone(),
        since: record.state_at,
        decided_by,
        decision: record.decision.clone().filter(|_| shows_decision),
        outranked: record.outranked.clone(),
        earlier,
        known_by: known_by(record),
    }
}

/// The rule that made the deciding evidence count, in words.
fn rule(r: &Record, e: Option<&Event>) -> String {
    let activity = words(r.activity, &r.activity_detail);
    match r.state_source {
        Source::Hook => format!(
            "the agent's own hook reported it{}; a hook is the strongest evidence, and only another hook, the exit, or the screen once the moment has passed changes it",
            e.and_then(|e| e.note.as_deref()).map(|n| format!(" (`{}`)", one_line(n))).unwrap_or_default()
        ),
        Source::Exit => match (r.exit_code, r.exit_signal) {
            (_, Some(sig)) => format!("the agent was killed by {}", crate::domain::state::signal_name(sig)),
            (Some(code), None) => format!("the agent exited with status {code}"),
            _ => "the agent's exit".to_string(),
        },
        Source::Checkpoint => {
            "its risk summary (RISKS.md) was written and its turn was over: the work is done".to_string()
        }
        Source::Screen => {
            let region = r.detect.region.as_str();
            match e.and_then(|e| e.pattern.as_deref()) {
                Some(p) => format!(
                    "the screen, settled, matched `{}` in its live region ({region}): {activity}",
                    one_line(p)
                ),
                None => format!("the screen, settled, showed it: {activity}"),
            }
        }
        Source::Activity => match r.activity {
            State::Stuck => format!("no output for {}s while working", r.detect.stuck_after_ms / 1000),
            _ => "output arrived and no question or prompt was in the screen's live region".to_string(),
        },
        Source::Command => format!(
            "a person's minder command{}",
            e.and_then(|e| e.note.as_deref()).map(|n| format!(" ({})", one_line(n))).unwrap_or_default()
        ),
        Source::Tmux => "its tmux session is gone and no exit was recorded".to_string(),
    }
}

/// What this session's state is read from, strongest first.
fn known_by(r: &Record) -> Vec<String> {
    use crate::domain::agents::Integration;
    let d = &r.detect;
    let mut by = Vec::new();
    match d.integration {
        Integration::CodexNotify => by.push("hooks: Codex's notify and hooks".to_string()),
        Integration::ClaudeHooks => by.push("hooks: Claude Code's hooks".to_string()),
        Integration::CodexExecJson => by.push("events: the agent's JSON event stream".to_string()),
        Integration::None => {}
    }
    by.push("the exit".into());
    by.push("checkpoints: RISKS.md".into());
    if !(d.waiting.is_empty() && d.working.is_empty() && d.idle.is_empty()) {
        by.push(format!(
            "the screen: {} question, {} busy and {} idle pattern(s), in the live region `{}`",
            d.waiting.len(),
            d.working.len(),
            d.idle.len(),
            d.region.as_str()
        ));
    }
    if d.line_prompts {
        by.push("the screen: a line prompt at the cursor".into());
    }
    by.push("output activity".into());
    by
}

fn words(state: State, detail: &str) -> String {
    if detail.is_empty() {
        state.to_string()
    } else {
        format!("{state} ({detail})")
    }
}

fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The explanation for a person. Everything the agent controls (notes, matched lines,
/// patterns from a config) is sanitized: it never drives the terminal.
pub fn render(x: &Explanation, color: bool, now: DateTime<Utc>, out: &mut dyn Write) -> io::Result<()> {
    use crate::ops::present::{age, paint, state_color};
    let shown = words(x.state, &x.detail);
    writeln!(
        out,
        "{}: {}, for {}",
        paint(color, "1", &one_line(&x.name)),
        paint(color, &state_color(x.state), &one_line(&shown)),
        age((now - x.since).num_seconds())
    )?;
    let d = &x.decided_by;
    writeln!(out, "  decided by  {} at {}", d.source_word(), clock(d.at))?;
    writeln!(out, "              {}", one_line(&d.rule))?;
    for line in &d.lines {
        writeln!(out, "              │ {}", one_line(line))?;
    }
    if let Some(dec) = &x.decision {
        let commit = dec.commit.as_deref().map(crate::domain::state::short_commit).unwrap_or_default();
        writeln!(
            out,
            "  decision    {} {} at {}{}; the agent is {}",
            dec.verdict.as_str(),
            commit,
            clock(dec.at),
            dec.note.as_deref().map(|n| format!(" ({})", one_line(n))).unwrap_or_default(),
            words(x.activity, &x.activity_detail)
        )?;
    }
    for (i, o) in x.outranked.iter().rev().enumerate() {
        let label = if i == 0 { "  outranked  " } else { "             " };
        writeln!(
            out,
            "{label}{} at {}: {} (would be: {}), because {}",
            source_word(o.source),
            clock(o.at),
            o.why.note.as_deref().or(o.why.pattern.as_deref()).map(one_line).unwrap_or("evidence".into()),
            one_line(&o.said),
            o.because
        )?;
        for line in &o.why.lines {
            writeln!(out, "              │ {}", one_line(line))?;
        }
    }
    writeln!(out, "  known by    {}", x.known_by.join(" · "))?;
    for (i, e) in x.earlier.iter().enumerate() {
        let label = if i == 0 { "  earlier    " } else { "             " };
        let what = e
            .pattern
            .as_deref()
            .map(|p| format!("`{}`", one_line(p)))
            .or_else(|| e.note.as_deref().map(|n| one_line(n).into_owned()))
            .unwrap_or_default();
        writeln!(
            out,
            "{label}{}  {:<20} {:<10} {}",
            clock(e.at),
            one_line(&words(e.state, &e.detail)),
            source_word(e.source),
            what
        )?;
    }
    Ok(())
}

impl Decided {
    fn source_word(&self) -> &'static str {
        source_word(self.source)
    }
}

fn source_word(s: Source) -> &'static str {
    match s {
        Source::Hook => "hook",
        Source::Exit => "exit",
        Source::Checkpoint => "checkpoint",
        Source::Screen => "screen",
        Source::Activity => "activity",
        Source::Command => "command",
        Source::Tmux => "tmux",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{sample_record, Why};

    fn event(at: DateTime<Utc>, state: State, detail: &str, source: Source, note: &str) -> Event {
        Event {
            at,
            state,
            detail: detail.into(),
            source,
            note: Some(note.into()).filter(|n: &String| !n.is_empty()),
            pattern: None,
            lines: vec![],
        }
    }

    #[test]
    fn the_deciding_evidence_its_lines_and_what_it_outranked() {
        let t0 = Utc::now() - chrono::Duration::seconds(30);
        let t1 = t0 + chrono::Duration::seconds(10);
        let mut r = sample_record("codex-fix", "codex", State::Waiting);
        r.activity_detail = "approval".into();
        r.state_source = Source::Screen;
        r.state_at = t1;
        let mut deciding = event(t1, State::Waiting, "approval", Source::Screen, "");
        deciding.pattern = Some("Press enter to confirm".into());
        deciding.lines = vec!["Press enter to confirm or esc to cancel \x1b]52;c;aGk=\x07".into()];
        r.outranked = vec![Outranked {
            at: t1 + chrono::Duration::seconds(1),
            source: Source::Activity,
            said: "working".into(),
            because: "a hook reported this wait, and output alone does not end it".into(),
            why: Why::default(),
        }];
        let events = vec![event(t0, State::Working, "", Source::Hook, "UserPromptSubmit"), deciding];
        let x = explain(&r, &events);
        assert_eq!(x.decided_by.source, Source::Screen);
        assert_eq!(x.decided_by.pattern.as_deref(), Some("Press enter to confirm"));
        assert!(x.decided_by.rule.contains("live region"), "{}", x.decided_by.rule);
        assert_eq!(x.earlier.len(), 1);
        assert_eq!(x.earlier[0].note.as_deref(), Some("UserPromptSubmit"));
        let mut out = Vec::new();
        render(&x, false, Utc::now(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("codex-fix: waiting (approval), for "), "{text}");
        assert!(text.contains("│ Press enter to confirm or esc to cancel"), "{text}");
        assert!(
            !text.contains('\x1b') && !text.contains('\x07'),
            "the agent's bytes never reach the terminal: {text:?}"
        );
        assert!(text.contains("outranked  activity"), "{text}");
        assert!(text.contains("UserPromptSubmit"), "{text}");
    }
}

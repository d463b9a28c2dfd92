//! Tokens an agent used, read from the transcript it writes itself: Codex's rollout JSONL
//! (`token_count` events carry the running total) and Claude Code's project JSONL (each
//! assistant message carries its usage, repeated on every line written for that message).
//! Pure: lines in, totals out; the reading (incremental, from a remembered offset) is in
//! `ops::usage`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;

/// Token counts: `input_tokens` counts every input token, cached ones included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
}

impl Tokens {
    fn plus(self, o: Tokens) -> Tokens {
        Tokens {
            input_tokens: self.input_tokens + o.input_tokens,
            cached_input_tokens: self.cached_input_tokens + o.cached_input_tokens,
            output_tokens: self.output_tokens + o.output_tokens,
            reasoning_tokens: self.reasoning_tokens + o.reasoning_tokens,
        }
    }

    /// What a budget counts: input and output.
    pub fn total(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// `12.3k`, `4.5M`: for tables.
    pub fn short(&self) -> String {
        let t = self.total();
        match t {
            0..=999 => t.to_string(),
            1_000..=999_999 => format!("{:.1}k", t as f64 / 1e3),
            _ => format!("{:.1}M", t as f64 / 1e6),
        }
    }
}

/// `[prices.MODEL]`: dollars per million tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    /// Cached input; the input price when not given.
    #[serde(default)]
    pub cached_input: Option<f64>,
    pub output: f64,
}

/// The cost of `t` at `p` (reasoning tokens are part of the output, as the APIs bill them).
pub fn cost(t: &Tokens, p: &Price) -> f64 {
    let fresh = t.input_tokens.saturating_sub(t.cached_input_tokens) as f64;
    (fresh * p.input
        + t.cached_input_tokens as f64 * p.cached_input.unwrap_or(p.input)
        + t.output_tokens as f64 * p.output)
        / 1e6
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptKind {
    Codex,
    Claude,
}

/// Where a session's transcript is and how far it has been read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub kind: TranscriptKind,
    /// The file, once known (a Claude Code hook names it; Codex's is found by its thread id).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Codex: its home (`CODEX_HOME`, else `~/.codex`), where its rollouts are.
    #[serde(default)]
    pub home: Option<PathBuf>,
    /// Bytes of `path` read so far (always at a line end).
    #[serde(default)]
    pub offset: u64,
    /// The model the agent last named.
    #[serde(default)]
    pub model: Option<String>,
    /// Codex: the running total of its last `token_count`.
    #[serde(default)]
    pub total: Tokens,
    /// Claude Code: messages before the current one, summed, and the current one (its lines
    /// repeat its usage; the last line of a message has its final count).
    #[serde(default)]
    pub before_last: Tokens,
    #[serde(default)]
    pub last_id: Option<String>,
    #[serde(default)]
    pub last: Tokens,
}

impl Transcript {
    pub fn new(kind: TranscriptKind) -> Transcript {
        Transcript {
            kind,
            path: None,
            home: None,
            offset: 0,
            model: None,
            total: Tokens::default(),
            before_last: Tokens::default(),
            last_id: None,
            last: Tokens::default(),
        }
    }

    pub fn tokens(&self) -> Tokens {
        match self.kind {
            TranscriptKind::Codex => self.total,
            TranscriptKind::Claude => self.before_last.plus(self.last),
        }
    }

    /// Read one line of the transcript.
    pub fn feed_line(&mut self, line: &str) {
        let line = line.trim();
        if !line.starts_with('{') {
            return;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else { return };
        let n = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        match self.kind {
            TranscriptKind::Codex => {
                let payload = &v["payload"];
                if v["type"] == "turn_context" {
                    if let Some(m) = payload["model"].as_str() {
                        self.model = Some(m.to_string());
                    }
                }
                if v["type"] == "event_msg" && payload["type"] == "token_count" {
                    let t = &payload["info"]["total_token_usage"];
                    if t.is_object() {
                        self.total = Tokens {
                            input_tokens: n(t, "input_tokens"),
                            cached_input_tokens: n(t, "cached_input_tokens"),
                            output_tokens: n(t, "output_tokens"),
                            reasoning_tokens: n(t, "reasoning_output_tokens"),
                        };
                    }
                }
            }
            TranscriptKind::Claude => {
                if v["type"] != "assistant" {
                    return;
                }
                let m = &v["message"];
                let u = &m["usage"];
                if !u.is_object() {
                    return;
                }
                if let Some(model) = m["model"].as_str().filter(|s| !s.starts_with('<')) {
                    self.model = Some(model.to_string());
                }
                let t = Tokens {
                    input_tokens: n(u, "input_tokens")
                        + n(u, "cache_creation_input_tokens")
                        + n(u, "cache_read_input_tokens"),
                    cached_input_tokens: n(u, "cache_read_input_tokens"),
                    output_tokens: n(u, "output_tokens"),
                    reasoning_tokens: 0,
                };
                let id = m["id"].as_str().map(str::to_string);
                if id.is_some() && id == self.last_id {
                    self.last = t;
                } else {
                    self.before_last = self.before_last.plus(self.last);
                    self.last_id = id;
                    self.last = t;
                }
            }
        }
    }
}

/// `on_budget`: what happens when `max_tokens` is passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnBudget {
    #[default]
    Tell,
    Stop,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_keeps_the_last_running_total() {
        let mut t = Transcript::new(TranscriptKind::Codex);
        t.feed_line(r#"{"type":"turn_context","payload":{"model":"gpt-5.5"}}"#);
        t.feed_line(r#"{"type":"event_msg","payload":{"type":"token_count","info":null}}"#);
        t.feed_line(r#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":7,"reasoning_output_tokens":3,"total_tokens":107}}}}"#);
        t.feed_line(r#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":250,"cached_input_tokens":90,"output_tokens":20,"reasoning_output_tokens":5,"total_tokens":270}}}}"#);
        assert_eq!(
            t.tokens(),
            Tokens { input_tokens: 250, cached_input_tokens: 90, output_tokens: 20, reasoning_tokens: 5 }
        );
        assert_eq!(t.model.as_deref(), Some("gpt-5.5"));
    }

    #[test]
    fn claude_counts_each_message_once_at_its_last_line() {
        let mut t = Transcript::new(TranscriptKind::Claude);
        let line = |id: &str, out: u64| {
            format!(
                r#"{{"type":"assistant","message":{{"id":"{id}","model":"claude-x","usage":{{"input_tokens":10,"cache_creation_input_tokens":5,"cache_read_input_tokens":100,"output_tokens":{out}}}}}}}"#
            )
        };
        t.feed_line(&line("a", 1));
        t.feed_line(&line("a", 30));
        t.feed_line(r#"{"type":"user","message":{"content":"x"}}"#);
        t.feed_line(&line("b", 2));
        assert_eq!(
            t.tokens(),
            Tokens { input_tokens: 230, cached_input_tokens: 200, output_tokens: 32, reasoning_tokens: 0 }
        );
        let p = Price { input: 3.0, cached_input: Some(0.3), output: 15.0 };
        let c = cost(&t.tokens(), &p);
        assert!((c - (30.0 * 3.0 + 200.0 * 0.3 + 32.0 * 15.0) / 1e6).abs() < 1e-12, "{c}");
    }
}

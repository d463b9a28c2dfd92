//! Configuration: the TOML file of DESIGN.md, typed, with defaults. Any mistake in it (unknown
//! key, wrong type, bad duration, size or regex) is a usage error naming file, line, column and key.

use crate::error::UsageError;
use anyhow::Result;
use serde::{de, Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub name_template: String,
    pub max_sessions: u32,
    pub stuck_after: Dur,
    pub idle_ttl: OptDur,
    pub default_agent: String,
    pub logs: LogsConfig,
    pub worktree: WorktreeConfig,
    pub review: ReviewConfig,
    pub notify: NotifyConfig,
    pub agents: BTreeMap<String, AgentConfig>,
    /// Other machines reached over ssh (see DESIGN.md, Hosts).
    pub hosts: BTreeMap<String, crate::domain::hosts::HostConfig>,
    /// `[prices.MODEL]`: dollars per million tokens, for the cost beside a session's tokens.
    pub prices: BTreeMap<String, crate::domain::usage::Price>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            name_template: "{agent}-{task}".into(),
            max_sessions: 16,
            stuck_after: Dur(Duration::from_secs(600)),
            idle_ttl: OptDur(None),
            default_agent: "codex".into(),
            logs: LogsConfig::default(),
            worktree: WorktreeConfig::default(),
            review: ReviewConfig::default(),
            notify: NotifyConfig::default(),
            agents: BTreeMap::new(),
            hosts: BTreeMap::new(),
            prices: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    pub max_size: Size,
    pub keep: usize,
    pub retention: Dur,
    pub redact: Vec<Pattern>,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig {
            max_size: Size(32 << 20),
            keep: 4,
            retention: Dur(Duration::from_secs(14 * 86400)),
            redact: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorktreeConfig {
    pub dir: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewConfig {
    pub on_approve: String,
    pub gate_push: bool,
    /// How long one check (`new --check`, a profile's `check`) may run before it is killed.
    pub check_deadline: Dur,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig { on_approve: String::new(), gate_push: true, check_deadline: Dur(Duration::from_secs(600)) }
    }
}

/// `[notify]`: telling the person when an agent needs them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// The states whose arrival tells.
    pub on: Vec<crate::domain::state::State>,
    /// Run once per such transition, without a shell, with the MINDER_* variables set.
    pub command: Vec<String>,
    /// Also write a desktop-notification escape (OSC 9 and OSC 777) to every attached client.
    pub desktop: bool,
    /// How long `command` may run before it is killed.
    pub deadline: Dur,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        use crate::domain::state::State;
        NotifyConfig {
            on: vec![State::Waiting, State::Review, State::Failed, State::Lost, State::Stuck],
            command: Vec::new(),
            desktop: false,
            deadline: Dur(Duration::from_secs(10)),
        }
    }
}

/// How the brief reaches the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptMode {
    /// A short instruction pointing at BRIEF.md, as the last argument.
    Argument,
    /// Nothing is handed over (the agent reads `$MINDER_DIR/BRIEF.md` itself, or there is none).
    None,
}

/// One `[agents.NAME]` table as written by the user: every field optional, so a user's table
/// replaces only the fields it names in a built-in profile.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub command: Option<Vec<String>>,
    pub prompt: Option<PromptMode>,
    pub waiting: Option<Vec<Pattern>>,
    pub working: Option<Vec<Pattern>>,
    /// Patterns of the agent idle at its prompt (its turn is over: `waiting` for input).
    pub idle: Option<Vec<Pattern>>,
    /// Where questions and idle prompts count: "cursor" (a line-oriented program), "bottom"
    /// (a full-screen one), "screen" (anywhere).
    pub live_region: Option<crate::domain::detect::Region>,
    pub resume: Option<Vec<String>>,
    /// Keys sent by `stop` to interrupt the agent (tmux key names), e.g. `["C-c"]`.
    pub interrupt: Option<Vec<String>>,
    /// Keys (tmux key names) that answer the agent's question yes / no (`minder answer`).
    pub answer_yes: Option<Vec<String>>,
    pub answer_no: Option<Vec<String>>,
    /// How long `stop` waits before it signals and kills.
    pub stop_grace: Option<Dur>,
    /// Pause between typing text and pressing Enter in `send`.
    pub submit_delay: Option<Dur>,
    /// Commands run in the session's directory when it reaches `review` (as `new --check`).
    pub check: Option<Vec<String>>,
    /// What the agent may write: "read-only", "workspace-write" or "off" (`domain::fence`).
    pub sandbox: Option<crate::domain::fence::Sandbox>,
    /// Whether what the agent runs may use the network.
    pub network: Option<bool>,
    /// Variables only this agent gets (never stored, logged, or given to another session).
    pub env: Option<BTreeMap<String, String>>,
    /// A file of `KEY=VALUE` lines, read at each start, for the same purpose.
    pub env_file: Option<String>,
    /// Tokens (input + output) past which the person is told, or the agent stopped; 0 = none.
    pub max_tokens: Option<u64>,
    /// Past `max_tokens`: "tell" or "stop".
    pub on_budget: Option<crate::domain::usage::OnBudget>,
}

// ---- Value types ------------------------------------------------------------------------------

/// A duration written as `"90s"`, `"10m"`, `"1h30m"`, `"14d"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

/// A duration that may be empty (`""` = off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptDur(pub Option<Duration>);

/// A size written as `"32MiB"`, `"512KiB"`, `"1GB"`, `"4096"`, or a plain integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

/// A compiled regex that remembers its source.
#[derive(Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: regex::Regex,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.source)
    }
}

impl Pattern {
    pub fn new(source: &str) -> Result<Pattern, regex::Error> {
        Ok(Pattern { source: source.to_string(), regex: regex::Regex::new(source)? })
    }
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("bad duration `{s}` (expected e.g. \"90s\", \"10m\", \"14d\")"));
        }
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad duration `{s}` (expected e.g. \"90s\", \"10m\", \"14d\")"))?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = rest[..unit_len].trim();
        rest = &rest[unit_len..];
        let secs = match unit {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            "w" | "week" | "weeks" => 7.0 * 86400.0,
            "" => return Err(format!("duration `{s}` needs a unit (ms, s, m, h, d, w)")),
            other => return Err(format!("unknown unit `{other}` in duration `{s}` (use ms, s, m, h, d, w)")),
        };
        total += Duration::from_secs_f64(number * secs);
    }
    Ok(total)
}

pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len());
    if digits == 0 {
        return Err(format!("bad size `{s}` (expected e.g. \"32MiB\", \"512KiB\")"));
    }
    let number: f64 = s[..digits].parse().map_err(|_| format!("bad size `{s}`"))?;
    let mult: u64 = match s[digits..].trim() {
        "" | "B" => 1,
        "K" | "KB" => 1000,
        "KiB" | "k" => 1 << 10,
        "M" | "MB" => 1000 * 1000,
        "MiB" => 1 << 20,
        "G" | "GB" => 1000 * 1000 * 1000,
        "GiB" => 1 << 30,
        other => return Err(format!("unknown unit `{other}` in size `{s}` (use B, KiB, MiB, GiB, KB, MB, GB)")),
    };
    Ok((number * mult as f64) as u64)
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s).map(Dur).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for OptDur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            return Ok(OptDur(None));
        }
        parse_duration(&s).map(|d| OptDur(Some(d))).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as \"32MiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v).map(Size).map_err(|_| E::custom("size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                parse_size(v).map(Size).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Pattern::new(&s).map_err(|e| de::Error::custom(format!("invalid regex `{s}`: {e}")))
    }
}

// ---- Parsing --------------------------------------------------------------------------------

impl Config {
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| config_error(text, path, &e))?;
        config.validate().map_err(|msg| UsageError(format!("config `{}`: {msg}", path.display())))?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        crate::domain::naming::check_template(&self.name_template).map_err(|e| format!("key `name_template`: {e}"))?;
        if self.max_sessions == 0 {
            return Err("key `max_sessions`: must be at least 1".into());
        }
        for (name, agent) in &self.agents {
            if !crate::domain::naming::is_valid_word(name) {
                return Err(format!("agent name `{name}` may contain only letters, digits, `-` and `_`"));
            }
            if let Some(cmd) = &agent.command {
                if cmd.is_empty() {
                    return Err(format!("key `agents.{name}.command`: must not be empty"));
                }
            }
        }
        for (name, host) in &self.hosts {
            crate::domain::hosts::validate(name, host)?;
        }
        Ok(())
    }
}

/// Turn a TOML/serde error into one line: file, line, column, key, what is wrong.
fn config_error(text: &str, path: &Path, e: &toml::de::Error) -> anyhow::Error {
    let message = e.message().trim().replace("unknown field", "unknown key");
    let Some(span) = e.span() else {
        return UsageError(format!("config `{}`: {message}", path.display())).into();
    };
    let (line, col) = line_col(text, span.start);
    let key = key_at(text, span.start);
    let key_part = match key {
        Some(k) if !message.contains(&format!("`{k}`")) => format!(" key `{k}`:"),
        _ => String::new(),
    };
    UsageError(format!("config `{}` line {line}, column {col}:{key_part} {message}", path.display())).into()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

/// The dotted key whose value sits at `offset`: the nearest `[table]` header above plus the
/// key on that line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line.split('=').next().map(str::trim).filter(|k| !k.is_empty() && line.contains('='))?;
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let e = Config::parse(text, Path::new("/c/config.toml")).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some(), "not a usage error: {e}");
        e.to_string()
    }

    #[test]
    fn defaults_match_the_design() {
        let c = Config::parse("", Path::new("x")).unwrap();
        assert_eq!(c.name_template, "{agent}-{task}");
        assert_eq!(c.max_sessions, 16);
        assert_eq!(c.stuck_after.0, Duration::from_secs(600));
        assert_eq!(c.idle_ttl.0, None);
        assert_eq!(c.logs.max_size.0, 32 << 20);
        assert_eq!(c.logs.keep, 4);
        assert_eq!(c.logs.retention.0, Duration::from_secs(14 * 86400));
        assert!(c.review.gate_push);
        assert_eq!(c.default_agent, "codex");
    }

    #[test]
    fn full_file_parses() {
        let c = Config::parse(
            r#"
name_template = "{project}-{task}"
max_sessions = 4
stuck_after = "90s"
idle_ttl = "2h"
[logs]
max_size = "1MiB"
keep = 2
retention = "7d"
redact = ["hunter[0-9]+"]
[agents.codex]
command = ["codex", "--yolo"]
[agents.mine]
command = ["my-agent"]
prompt = "none"
waiting = ["\\? $"]
"#,
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(c.max_sessions, 4);
        assert_eq!(c.idle_ttl.0, Some(Duration::from_secs(7200)));
        assert_eq!(c.logs.max_size.0, 1 << 20);
        assert_eq!(c.logs.redact[0].source, "hunter[0-9]+");
        assert_eq!(c.agents["mine"].prompt, Some(PromptMode::None));
    }

    #[test]
    fn unknown_key_names_line_column_and_key() {
        let e = err("max_sessions = 3\nbogus = 1\n");
        assert!(e.contains("/c/config.toml"), "{e}");
        assert!(e.contains("line 2, column 1"), "{e}");
        assert!(e.contains("bogus"), "{e}");
    }

    #[test]
    fn unknown_key_in_table() {
        let e = err("[logs]\nkeep = 2\nmax_sizes = \"1MiB\"\n");
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("max_sizes"), "{e}");
    }

    #[test]
    fn wrong_type_names_key() {
        let e = err("max_sessions = \"many\"\n");
        assert!(e.contains("line 1, column 16"), "{e}");
        assert!(e.contains("max_sessions"), "{e}");
    }

    #[test]
    fn bad_duration_size_and_regex() {
        let e = err("stuck_after = \"10 parsecs\"\n");
        assert!(e.contains("stuck_after") && e.contains("parsecs"), "{e}");
        let e = err("[logs]\nmax_size = \"lots\"\n");
        assert!(e.contains("logs.max_size") && e.contains("line 2"), "{e}");
        let e = err("[logs]\nredact = [\"(unclosed\"]\n");
        assert!(e.contains("logs.redact") && e.contains("invalid regex"), "{e}");
        let e = err("[agents.x]\nwaiting = [\"[\"]\n");
        assert!(e.contains("agents.x.waiting"), "{e}");
    }

    #[test]
    fn bad_template_and_limits() {
        assert!(err("name_template = \"{agent}-{nope}\"\n").contains("name_template"));
        assert!(err("max_sessions = 0\n").contains("max_sessions"));
        assert!(err("[agents.\"a b\"]\ncommand=[\"x\"]\n").contains("a b"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("14d").unwrap(), Duration::from_secs(14 * 86400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("0.5s").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5y").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("32MiB").unwrap(), 32 << 20);
        assert_eq!(parse_size("512KiB").unwrap(), 512 << 10);
        assert_eq!(parse_size("1GB").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("3 parsecs").is_err());
    }

    #[test]
    fn hosts_tables() {
        let c = Config::parse(
            "[hosts.build]\nssh = \"build.example\"\nssh_args = [\"-F\", \"/x y/cfg\"]\ntimeout = \"3s\"\n[hosts.vps]\n",
            Path::new("x"),
        )
        .unwrap();
        assert_eq!(c.hosts["build"].destination("build"), "build.example");
        assert_eq!(c.hosts["build"].timeout.0, Duration::from_secs(3));
        assert_eq!(c.hosts["vps"].destination("vps"), "vps");
        assert_eq!(c.hosts["vps"].minder, "minder");
        assert_eq!(c.hosts["vps"].timeout.0, Duration::from_secs(10));
        assert!(err("[hosts.local]\nssh = \"x\"\n").contains("reserved"));
        let e = err("[hosts.b]\nsh = \"x\"\n");
        assert!(e.contains("line 2") && e.contains("sh"), "{e}");
        let e = err("[hosts.b]\nminder = \"minder; id\"\n");
        assert!(e.contains("hosts.b.minder"), "{e}");
        let e = err("[hosts.b]\ntimeout = \"soon\"\n");
        assert!(e.contains("hosts.b.timeout"), "{e}");
    }
}

//! How sessions are shown: the JSON object of DESIGN.md and the human table, with one style
//! function that decides colours (from `render::look`, the table every view shares).

use crate::app::Ctx;
use crate::domain::panes::Observed;
use crate::domain::record::Record;
use crate::domain::state::State;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// When the agent last printed something: the log's modification time (the sink touches it on
/// every write), else when it started. Never a state change: `stuck` is declared after a
/// silence, and must not make the silence look recent.
pub fn last_activity(ctx: &Ctx, record: &Record) -> DateTime<Utc> {
    let log = crate::store::logs::current_path(&ctx.store.paths(&record.name).logs());
    let from_log = std::fs::metadata(log).and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from);
    from_log.unwrap_or(record.created_at)
}

/// PLAN.md's checkboxes. The agent writes the file: read as untrusted (a FIFO or a link gives
/// no progress, a huge plan is counted in its first MiB), so `ls` never hangs on it.
pub fn progress(record: &Record) -> Option<(usize, usize)> {
    let (text, _) = crate::store::untrusted::checkpoint_text(&record.checkpoint_dir, "PLAN.md")?;
    crate::domain::brief::plan_progress(&text)
}

/// The version every `--json` document carries (DESIGN.md "JSON").
pub const JSON_VERSION: u64 = 1;

/// A `--json` document: `fields` (an object) with `"version": 1` first.
pub fn versioned(fields: Value) -> Value {
    let Value::Object(fields) = fields else { panic!("a --json document is an object: {fields}") };
    let mut doc = serde_json::Map::new();
    doc.insert("version".into(), JSON_VERSION.into());
    doc.extend(fields);
    Value::Object(doc)
}

/// A session object as DESIGN.md's JSON has it (`ls --json`, `show --json`, …).
pub fn session_json(ctx: &Ctx, obs: &Observed) -> Value {
    serde_json::to_value(SessionJson::of(ctx, obs)).expect("a session object is plain data")
}

/// The session object, serialized as it is (`ls --json` writes a hundred of them without a map
/// per object). Fields in alphabetical order, as a `serde_json` map keeps them, so both ways
/// print the same bytes; nested records (`decision`, `worktree`) go through a map for the same
/// reason.
#[derive(serde::Serialize)]
pub struct SessionJson<'a> {
    agent: &'a str,
    /// What `approve` covered: the push gate and `apply` take this commit and its ancestors.
    approved_commit: Option<&'a str>,
    attempt: Option<u32>,
    checkpoint_dir: &'a std::path::Path,
    command: &'a [String],
    created_at: String,
    decision: Value,
    detail: String,
    dir: &'a std::path::Path,
    ended_at: Option<String>,
    exit_code: Option<i32>,
    exit_signal: Option<i32>,
    fenced_by: Option<crate::domain::fence::FenceBy>,
    last_activity_at: String,
    last_message: Option<&'a str>,
    log: std::path::PathBuf,
    name: &'a str,
    /// The policy it runs under (null: a record from before policies).
    network: Option<bool>,
    progress: Option<Progress>,
    sandbox: Option<crate::domain::fence::Sandbox>,
    state: State,
    state_at: String,
    state_source: crate::domain::state::Source,
    task: &'a str,
    tmux: TmuxJson<'a>,
    usage: Value,
    worktree: Value,
}

#[derive(serde::Serialize)]
struct Progress {
    done: usize,
    total: usize,
}

#[derive(serde::Serialize)]
struct TmuxJson<'a> {
    alive: bool,
    attached: Option<u32>,
    /// Whether tmux was asked: `ls` spares the call while every live session's sink runs.
    checked: bool,
    minder_id: &'a str,
    pane_id: &'a str,
    session_id: &'a str,
    /// The tmux session's name now (a person may have renamed it; it is still ours: it carries
    /// `minder_id`), null when it is not in tmux or tmux was not asked.
    session_name: Option<&'a str>,
    socket: Option<&'a std::path::Path>,
}

impl<'a> SessionJson<'a> {
    pub fn of(ctx: &Ctx, obs: &'a Observed) -> SessionJson<'a> {
        let r = &obs.record;
        SessionJson {
            agent: &r.agent,
            approved_commit: r.approval().flatten(),
            attempt: r.attempt,
            checkpoint_dir: &r.checkpoint_dir,
            command: &r.command,
            created_at: r.created_at.to_rfc3339(),
            decision: serde_json::to_value(&r.decision).unwrap_or_default(),
            detail: r.detail(),
            dir: &r.dir,
            ended_at: r.ended_at.map(|t| t.to_rfc3339()),
            exit_code: r.exit_code,
            exit_signal: r.exit_signal,
            fenced_by: r.fence.map(|f| f.by),
            last_activity_at: last_activity(ctx, r).to_rfc3339(),
            last_message: r.last_message.as_deref(),
            log: crate::store::logs::current_path(&ctx.store.paths(&r.name).logs()),
            name: &r.name,
            network: r.fence.map(|f| f.network),
            progress: progress(r).map(|(done, total)| Progress { done, total }),
            sandbox: r.fence.map(|f| f.sandbox),
            state: r.state(),
            state_at: r.state_at.to_rfc3339(),
            state_source: r.state_source,
            task: &r.task,
            tmux: TmuxJson {
                alive: obs.alive(),
                attached: obs.pane.as_ref().map(|p| p.attached),
                checked: obs.tmux_checked,
                minder_id: &r.tmux.minder_id,
                pane_id: &r.tmux.pane_id,
                session_id: &r.tmux.session_id,
                session_name: obs.pane.as_ref().map(|p| p.session_name.as_str()),
                socket: r.socket.as_deref(),
            },
            usage: crate::ops::usage::usage_json(&ctx.config, r),
            worktree: serde_json::to_value(&r.worktree).unwrap_or_default(),
        }
    }
}

/// Say once, on stderr, for each tmux server that did not answer, that the states shown are
/// the last ones recorded (the command itself goes on without it).
pub fn note_tmux_errors<'a>(ctx: &Ctx, observed: impl IntoIterator<Item = &'a Observed>) {
    let mut said: Vec<&str> = Vec::new();
    for o in observed {
        if let Some(e) = o.tmux_error.as_deref().filter(|e| !said.contains(e)) {
            said.push(e);
            ctx.note(&format!(
                "warning: tmux was not asked about `{}` and others on its server: {}; showing what was last recorded",
                o.record.name,
                crate::render::sanitize::one_line(e)
            ));
        }
    }
}

/// ANSI colour for a state (SGR parameters for [`paint`]), from the one table of looks.
pub fn state_color(state: State) -> String {
    crate::render::look::look(state).sgr()
}

pub fn paint(on: bool, code: &str, text: &str) -> String {
    if on && !code.is_empty() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

pub use crate::render::text::{age, ago};

/// Where a session works, as a person names it: the project (the repository's folder, or the
/// directory's) and, in a worktree, its branch.
pub fn place(r: &crate::domain::record::Record) -> (String, String) {
    let base = |p: &std::path::Path| {
        p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
    };
    match &r.worktree {
        Some(w) => {
            let repo = if w.repo.as_os_str().is_empty() { &r.dir } else { &w.repo };
            (base(repo), w.branch.clone())
        }
        None => (base(&r.dir), String::new()),
    }
}

/// `text` cut to at most `width` columns by dropping its start, marked with `…`.
pub fn keep_tail(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width || width == 0 {
        return text.to_string();
    }
    let mut kept = Vec::new();
    let mut used = 1; // the `…`
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        kept.push(c);
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// A path with the home folder written `~`.
pub fn home_short(p: &std::path::Path) -> String {
    let dir = p.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && home != "/" => match dir.strip_prefix(&home) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("~{rest}"),
            _ => dir,
        },
        _ => dir,
    }
}

/// Lay out rows in columns padded to the widest cell (measured without colour codes).
pub fn table(rows: &[Vec<(String, String)>], color: bool) -> String {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for row in rows {
        for (i, (text, _)) in row.iter().enumerate() {
            widths[i] = widths[i].max(text.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, (text, code)) in row.iter().enumerate() {
            let pad = widths[i] - text.chars().count();
            line.push_str(&paint(color, code, text));
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The last `n` lines of clean text: a generous raw tail is rendered (cursor moves may reach a
/// few lines up) and its last `n` lines kept.
pub fn last_lines(dir: &std::path::Path, width: u16, height: u16, n: usize) -> std::io::Result<Vec<String>> {
    let raw = crate::store::logs::tail_bytes(dir, n + height as usize)?;
    let text = crate::render::render_to_string(&raw, width, height);
    let lines: Vec<&str> = text.lines().collect();
    Ok(lines[lines.len().saturating_sub(n)..].iter().map(|l| l.to_string()).collect())
}

/// The sink's recorded write errors, one per line.
pub fn sink_errors(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path).map(|t| t.lines().map(str::to_string).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_units() {
        let now = Utc::now();
        assert_eq!(ago(now - chrono::Duration::seconds(5), now), "5s");
        assert_eq!(ago(now - chrono::Duration::seconds(300), now), "5m");
        assert_eq!(ago(now - chrono::Duration::hours(3), now), "3h");
        assert_eq!(ago(now - chrono::Duration::days(2), now), "2d");
    }

    #[test]
    fn long_places_keep_their_end_and_home_is_a_tilde() {
        assert_eq!(keep_tail("~/src/app", 24), "~/src/app");
        assert_eq!(keep_tail("/tmp/minder-test-FMRn3w/work/deeper", 20), "…-FMRn3w/work/deeper");
        assert_eq!(keep_tail("日本語のパス/です", 8), "…ス/です", "wide characters count two columns");
        let home = std::env::var("HOME").unwrap_or_default();
        if home.len() > 1 {
            assert_eq!(home_short(std::path::Path::new(&format!("{home}/src"))), "~/src");
            assert_eq!(home_short(std::path::Path::new(&format!("{home}x/src"))), format!("{home}x/src"));
        }
    }

    #[test]
    fn every_json_document_carries_the_version() {
        use serde_json::json;
        let v = versioned(json!({"sessions": [], "damaged": []}));
        assert_eq!(v, json!({"version": 1, "sessions": [], "damaged": []}));
    }

    #[test]
    fn table_pads_ignoring_colour() {
        let rows = vec![
            vec![("NAME".to_string(), String::new()), ("STATE".to_string(), String::new())],
            vec![("a".to_string(), String::new()), ("working".to_string(), "32".to_string())],
        ];
        assert_eq!(table(&rows, false), "NAME  STATE\na     working\n");
        assert!(table(&rows, true).contains("\x1b[32mworking\x1b[0m"));
    }
}

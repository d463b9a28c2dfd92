//! Tokens from the agents' own transcripts, kept current by the session's sink: each look reads
//! only what was appended since the last (the offset is in the record), and a token budget
//! (`max_tokens`) tells the person or stops the agent once passed.

use crate::domain::agents::{Integration, Profile};
use crate::domain::record::{Event, Record};
use crate::domain::state::Source;
use crate::domain::usage::{OnBudget, Transcript, TranscriptKind};
use crate::store::Store;
use anyhow::Result;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// At most this much of a transcript is read per look (the rest at the next one).
const READ_AT_MOST: u64 = 16 << 20;

/// The transcript a session of `profile` will have, when its agent keeps one. `env` is the
/// profile's own variables (a `CODEX_HOME` there wins over the caller's).
pub fn transcript_for(profile: &Profile, command: &[String], env: &[(String, String)]) -> Option<Transcript> {
    let program = command.first().and_then(|c| Path::new(c).file_name()).map(|n| n.to_string_lossy().to_string());
    match (profile.integration, program.as_deref()) {
        (Integration::CodexNotify | Integration::CodexExecJson, Some("codex")) => {
            let home = env
                .iter()
                .find(|(k, _)| k == "CODEX_HOME")
                .map(|(_, v)| PathBuf::from(v))
                .or_else(|| std::env::var_os("CODEX_HOME").map(PathBuf::from))
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".codex")));
            Some(Transcript { home, ..Transcript::new(TranscriptKind::Codex) })
        }
        (Integration::ClaudeHooks, Some("claude")) => Some(Transcript::new(TranscriptKind::Claude)),
        _ => None,
    }
}

/// Codex's rollout of thread `thread` under `home/sessions/YYYY/MM/DD/`, newest days first.
fn find_codex_rollout(home: &Path, thread: &str) -> Option<PathBuf> {
    let sorted_desc = |dir: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(dir).into_iter().flatten().filter_map(|e| e.ok()).map(|e| e.path()).collect();
        v.sort();
        v.reverse();
        v
    };
    let suffix = format!("-{thread}.jsonl");
    let mut days_seen = 0;
    for year in sorted_desc(&home.join("sessions")) {
        for month in sorted_desc(&year) {
            for day in sorted_desc(&month) {
                days_seen += 1;
                if days_seen > 60 {
                    return None;
                }
                for f in sorted_desc(&day) {
                    let name = f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                    if name.starts_with("rollout-") && name.ends_with(&suffix) {
                        return Some(f);
                    }
                }
            }
        }
    }
    None
}

/// A hook named the transcript (Claude Code): start reading it, from the start if it is new.
pub fn note_transcript_path(r: &mut Record, path: &str) {
    if let Some(t) = &mut r.transcript {
        if t.kind == TranscriptKind::Claude && t.path.as_deref() != Some(Path::new(path)) {
            *t = Transcript { path: Some(PathBuf::from(path)), ..Transcript::new(TranscriptKind::Claude) };
        }
    }
}

/// Read what the transcript gained since the last look; record the tokens, and act on the
/// budget once it is passed.
pub fn refresh(store: &Store, name: &str) -> Result<()> {
    let record = store.load(name)?;
    let Some(mut t) = record.transcript.clone() else { return Ok(()) };
    if t.path.is_none() {
        if let (TranscriptKind::Codex, Some(home), Some(thread)) = (t.kind, &t.home, &record.thread_id) {
            t.path = find_codex_rollout(home, thread);
        }
    }
    let Some(path) = t.path.clone() else {
        return save_if_changed(store, name, &record, t);
    };
    // The agent writes this file: read as untrusted (a regular file only, never blocking).
    use std::os::unix::fs::OpenOptionsExt;
    let Ok(mut file) = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&path) else {
        return save_if_changed(store, name, &record, t);
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(());
    }
    if meta.len() < t.offset {
        // A new file under the old name: read it from the start.
        t = Transcript { path: t.path.clone(), home: t.home.clone(), ..Transcript::new(t.kind) };
    }
    file.seek(SeekFrom::Start(t.offset))?;
    let mut buf = Vec::new();
    file.take(READ_AT_MOST).read_to_end(&mut buf)?;
    let whole = match memchr::memrchr(b'\n', &buf) {
        Some(i) => i + 1,
        None if buf.len() as u64 == READ_AT_MOST => buf.len(),
        None => 0,
    };
    for line in buf[..whole].split(|&b| b == b'\n') {
        t.feed_line(&String::from_utf8_lossy(line));
    }
    t.offset += whole as u64;
    save_if_changed(store, name, &record, t)
}

fn save_if_changed(store: &Store, name: &str, record: &Record, t: Transcript) -> Result<()> {
    let over = record.max_tokens > 0 && t.tokens().total() > record.max_tokens && record.budget_passed_at.is_none();
    if record.transcript.as_ref() == Some(&t) && !over {
        return Ok(());
    }
    let tokens = t.tokens();
    let (updated, passed) = store.update(name, |r| {
        r.transcript = Some(t.clone());
        let passed = r.max_tokens > 0 && tokens.total() > r.max_tokens && r.budget_passed_at.is_none();
        if passed {
            r.budget_passed_at = Some(chrono::Utc::now());
        }
        passed
    })?;
    if passed {
        let amount = format!("{} of max_tokens {}", tokens.total(), updated.max_tokens);
        let what = format!("token budget passed: {amount}");
        let done = if updated.on_budget == OnBudget::Stop {
            format!("{amount}; stopping it (on_budget = \"stop\")")
        } else {
            amount
        };
        let ev =
            Event::noted(chrono::Utc::now(), updated.state(), Source::Command, format!("token budget passed: {done}"));
        store.append_event(name, &ev)?;
        crate::ops::tell::budget_passed(store, &updated, &done);
        if updated.on_budget == OnBudget::Stop && updated.ended_at.is_none() {
            // As `minder stop` does it, on its own (the caller may be the sink, which must
            // neither wait for it nor collect its zombie).
            if let Ok(exe) = crate::app::self_exe() {
                let mut cmd = std::process::Command::new(exe);
                cmd.env("MINDER_STATE_DIR", &store.state_dir).args(["-q", "stop", "--note", &what, name]);
                if let Err(e) = crate::procs::spawn_detached(cmd) {
                    tracing::warn!("cannot start `minder stop` for `{name}` past its budget: {e}");
                }
            }
        }
    }
    Ok(())
}

/// The `usage` object of `show --json`: null when the agent keeps no transcript.
pub fn usage_json(config: &crate::domain::config::Config, r: &Record) -> serde_json::Value {
    let Some(t) = &r.transcript else { return serde_json::Value::Null };
    let tokens = t.tokens();
    let price = t.model.as_ref().and_then(|m| config.prices.get(m));
    serde_json::json!({
        "input_tokens": tokens.input_tokens,
        "cached_input_tokens": tokens.cached_input_tokens,
        "output_tokens": tokens.output_tokens,
        "reasoning_tokens": tokens.reasoning_tokens,
        "cost": price.map(|p| crate::domain::usage::cost(&tokens, p)),
        "model": t.model,
        "transcript": t.path,
        "max_tokens": (r.max_tokens > 0).then_some(r.max_tokens),
        "budget_passed_at": r.budget_passed_at.map(|t| t.to_rfc3339()),
    })
}

/// One line for `ls`, `review` and the dash: `12.3k tok` (`$0.42`), `!` once over budget.
pub fn short(config: &crate::domain::config::Config, r: &Record) -> Option<String> {
    let t = r.transcript.as_ref()?;
    let tokens = t.tokens();
    let mut s = tokens.short();
    if let Some(p) = t.model.as_ref().and_then(|m| config.prices.get(m)) {
        s.push_str(&format!(" ${:.2}", crate::domain::usage::cost(&tokens, p)));
    }
    if r.budget_passed_at.is_some() {
        s.push('!');
    }
    Some(s)
}

//! The values of a profile's own variables (`env`, `env_file`), kept for the session's
//! redactor in a private file beside its logs and removed with the session: the sink, restarted
//! or not, masks them, and so does whatever keeps screen lines as evidence.

use crate::store::paths::SessionPaths;
use anyhow::Result;

/// Values shorter than this are not redacted (a `DEBUG=1` would mask every `1` in the log).
const MIN_SECRET: usize = 6;

/// Keep the values for the session's redactor (a private file beside the logs, removed with
/// the session): the sink, restarted or not, masks them.
pub fn remember(paths: &SessionPaths, vars: &[(String, String)]) -> Result<()> {
    let values: Vec<&str> = vars.iter().map(|(_, v)| v.as_str()).filter(|v| v.len() >= MIN_SECRET).collect();
    let file = paths.root.join("secret-values");
    if values.is_empty() {
        let _ = std::fs::remove_file(&file);
        return Ok(());
    }
    crate::store::fsutil::write_private(&file, serde_json::to_string(&values)?.as_bytes())
}

/// What a session's text is redacted with beyond the redactor's built-in patterns: the
/// `[logs] redact` patterns it was started with (`user`, from its record) and its profile's
/// secret values. The one list for every place that keeps or shows what came from the
/// session: the log, checkpoint snapshots, evidence lines, the last message, notes, checks'
/// output, the notify command's output, the review report.
pub fn redactions(paths: &SessionPaths, user: &[String]) -> Vec<regex::bytes::Regex> {
    let mut all = crate::redact::user_patterns(user);
    all.extend(patterns(paths));
    all
}

/// The session's profile secrets as redaction patterns (literal matches).
fn patterns(paths: &SessionPaths) -> Vec<regex::bytes::Regex> {
    let Ok(text) = std::fs::read_to_string(paths.root.join("secret-values")) else { return Vec::new() };
    let values: Vec<String> = serde_json::from_str(&text).unwrap_or_default();
    values.iter().filter_map(|v| regex::bytes::Regex::new(&regex::escape(v)).ok()).collect()
}

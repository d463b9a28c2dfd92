//! A profile's own variables (`env`, `env_file`): read at each start, handed to that agent
//! alone through the supervisor's private environment file, and never written to the record,
//! the events or the log. Their values join the session's redaction patterns: an agent that
//! prints its key shows `[REDACTED]` in the log like any other secret.

use crate::app::Ctx;
use anyhow::{anyhow, Result};
use std::path::{Path, PathBuf};

/// The variables of `agent`'s profile: `env_file` first, the `env` table over it.
pub fn for_agent(ctx: &Ctx, agent: &str) -> Result<Vec<(String, String)>> {
    let Ok(profile) = crate::domain::agents::profile(&ctx.config, agent) else { return Ok(Vec::new()) };
    let mut vars: Vec<(String, String)> = Vec::new();
    if let Some(file) = &profile.env_file {
        let path = resolve(file, &ctx.config_path);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow!("cannot read env_file `{}` of profile `{agent}`: {e}", path.display()))?;
        vars.extend(
            parse_env_file(&text).map_err(|e| anyhow!("env_file `{}` of profile `{agent}`: {e}", path.display()))?,
        );
    }
    for (k, v) in &profile.env {
        vars.retain(|(key, _)| key != k);
        vars.push((k.clone(), v.clone()));
    }
    for (k, _) in &vars {
        if k.is_empty() || k.contains('=') || k.contains('\0') {
            return Err(anyhow!("profile `{agent}`: `{k}` is not a variable name"));
        }
        if crate::supervisor::PANE_ENV.contains(&k.as_str()) || k.starts_with("MINDER_") {
            return Err(anyhow!("profile `{agent}`: `{k}` is minder's own variable and cannot be set in `env`"));
        }
    }
    Ok(vars)
}

/// `~/x` and a path relative to the config file's folder.
fn resolve(file: &str, config_path: &Path) -> PathBuf {
    let p = PathBuf::from(crate::store::paths::expand_home(file));
    if p.is_absolute() {
        return p;
    }
    config_path.parent().map(|d| d.join(&p)).unwrap_or(p)
}

/// `KEY=VALUE` lines; blank lines and `#` comments skipped, an `export ` prefix and one pair of
/// surrounding quotes allowed.
pub fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut vars = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!("line {}: expected KEY=VALUE", i + 1));
        };
        let v = v.trim();
        let v = ['"', '\''].iter().find_map(|q| v.strip_prefix(*q).and_then(|r| r.strip_suffix(*q))).unwrap_or(v);
        vars.push((k.trim().to_string(), v.to_string()));
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_lines() {
        let vars = parse_env_file("# keys\nexport A=1\nB = \"two words\"\n\nC='x=y'\n").unwrap();
        assert_eq!(vars, [("A".into(), "1".into()), ("B".into(), "two words".into()), ("C".into(), "x=y".into())]);
        assert!(parse_env_file("oops\n").unwrap_err().contains("line 1"));
    }
}

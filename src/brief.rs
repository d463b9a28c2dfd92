//! Briefs and checkpoint folders: what the agent is told, and keeping `DIR/.minder/` out of
//! `git status`.

use std::io::Write;
use std::path::Path;

/// Add `.minder/` to the repository's `.git/info/exclude` (once), so checkpoint folders never
/// show in `git status`. Outside a repository this does nothing.
pub fn exclude_checkpoints(dir: &Path) {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--git-path", "info/exclude"])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let Ok(out) = out else { return };
    if !out.status.success() {
        return;
    }
    let rel = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let path = dir.join(rel);
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    if existing.lines().any(|l| l.trim() == ".minder/" || l.trim() == "/.minder/") {
        return;
    }
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else { return };
    let sep = if existing.is_empty() || existing.ends_with('\n') { "" } else { "\n" };
    let _ = write!(f, "{sep}# minder checkpoint folders\n.minder/\n");
}

/// `progress` from PLAN.md: counts of `- [x]` and all checkboxes.
pub fn plan_progress(text: &str) -> Option<(usize, usize)> {
    let mut done = 0;
    let mut total = 0;
    for line in text.lines() {
        let l = line.trim_start();
        let l = l
            .strip_prefix("- ")
            .or_else(|| l.strip_prefix("* "))
            .or_else(|| l.strip_prefix("+ "))
            .or_else(|| {
                let digits = l.find(|c: char| !c.is_ascii_digit())?;
                (digits > 0).then(|| l[digits..].strip_prefix(". ")).flatten()
            });
        let Some(l) = l else { continue };
        if l.starts_with("[x]") || l.starts_with("[X]") {
            done += 1;
            total += 1;
        } else if l.starts_with("[ ]") {
            total += 1;
        }
    }
    (total > 0).then_some((done, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_checkboxes() {
        let plan = "# Plan\n- [x] read code\n- [X] write test\n  - [ ] nested step\n* [ ] docs\n1. [x] numbered\nnot a [x] box\n";
        assert_eq!(plan_progress(plan), Some((3, 5)));
        assert_eq!(plan_progress("no boxes here"), None);
    }
}

//! The screen corpus (`tests/screens/<agent>/<version>/`): every screen replayed through
//! [`classify_screen`] with the built-in profile's patterns and checked against the verdict its
//! version's `expect.toml` names. All mismatches are listed in one failure.
//!
//! `expect.toml`: `made = "<how the screens were made>"`, one `"<case>.txt" = "<verdict>"` per
//! screen (`waiting approval`, `waiting question`, `waiting trust`, `working`, `idle`, `none`),
//! and a `[synthetic]` table naming the cases written by hand (`"<case>.txt" = "<where the
//! wording comes from>"`). See `tests/screens/README.md`.

use crate::domain::detect::{classify_screen, ScreenPatterns};
use crate::domain::state::Evidence;
use std::path::{Path, PathBuf};

fn patterns(agent: &str) -> ScreenPatterns {
    let config = crate::domain::config::Config::default();
    let profile = crate::domain::agents::profile(&config, agent).unwrap_or_else(|e| panic!("{agent}: {e}"));
    crate::domain::record::DetectSettings::for_profile(&profile, 0, None).screen_patterns()
}

/// A verdict as the manifest spells it.
pub(crate) fn verdict(e: Option<&Evidence>) -> String {
    match e {
        None => "none".into(),
        Some(Evidence::ScreenWaiting(d)) => format!("waiting {d}"),
        Some(Evidence::ScreenWorking) => "working".into(),
        Some(Evidence::ScreenIdle) => "idle".into(),
        Some(other) => format!("{other:?}"),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/screens")
}

fn dirs(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .map(|d| d.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// One corpus screen: its agent, its version's directory, its file name, the expected verdict.
struct Case {
    agent: String,
    dir: PathBuf,
    file: String,
    want: String,
}

/// Every case, with the problems of the manifests themselves (a screen without a verdict, a
/// verdict without a screen, an unknown verdict).
fn corpus() -> (Vec<Case>, Vec<String>) {
    const VERDICTS: &[&str] = &["waiting approval", "waiting question", "waiting trust", "working", "idle", "none"];
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for agent_dir in dirs(&root()) {
        let agent = agent_dir.file_name().unwrap().to_string_lossy().to_string();
        for version_dir in dirs(&agent_dir) {
            let manifest = version_dir.join("expect.toml");
            let text = match std::fs::read_to_string(&manifest) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{}: {e}", manifest.display()));
                    continue;
                }
            };
            let table: toml::Table = match text.parse() {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{}: {e}", manifest.display()));
                    continue;
                }
            };
            let made = table.get("made").and_then(|m| m.as_str()).unwrap_or("");
            if made.is_empty() {
                problems.push(format!("{}: no `made` note", manifest.display()));
            }
            let synthetic = table.get("synthetic").and_then(|s| s.as_table()).cloned().unwrap_or_default();
            let mut named = std::collections::BTreeSet::new();
            for (key, value) in &table {
                if !key.ends_with(".txt") {
                    continue;
                }
                named.insert(key.clone());
                let want = value.as_str().unwrap_or("").to_string();
                if !VERDICTS.contains(&want.as_str()) {
                    problems.push(format!("{}: {key}: unknown verdict {value}", manifest.display()));
                }
                cases.push(Case { agent: agent.clone(), dir: version_dir.clone(), file: key.clone(), want });
            }
            for key in synthetic.keys() {
                if !named.contains(key) {
                    problems.push(format!("{}: [synthetic] {key} has no verdict", manifest.display()));
                }
            }
            for file in std::fs::read_dir(&version_dir).expect("version dir") {
                let name = file.expect("dir entry").file_name().to_string_lossy().to_string();
                if name.ends_with(".txt") && !named.contains(&name) {
                    problems.push(format!("{}: {name} has no verdict", manifest.display()));
                }
            }
        }
    }
    (cases, problems)
}

#[test]
fn every_corpus_screen_reads_as_its_manifest_says() {
    let (cases, mut problems) = corpus();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    for Case { agent, dir, file, want } in &cases {
        let path = dir.join(file);
        let screen = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let got = verdict(classify_screen(&screen, &patterns(agent)).as_ref());
        if &got != want {
            let rel = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
            problems.push(format!("{rel}: expected `{want}`, read `{got}`"));
        }
        *checked.entry(agent.clone()).or_default() += 1;
    }
    assert!(
        problems.is_empty(),
        "{} of {} corpus screens wrong:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
    // Every built-in agent with screens has a corpus.
    for agent in ["codex", "claude", "gemini", "aider"] {
        assert!(checked.get(agent).copied().unwrap_or(0) > 0, "no corpus screens for {agent}");
    }
}

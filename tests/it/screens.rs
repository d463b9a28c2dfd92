//! A sample of the screen corpus (`tests/screens/`) through real tmux: a stand-in agent `cat`s
//! corpus screens one after another into its pane, under the built-in profile of the agent that
//! drew them (`minder new NAME -a codex -- bash replay.sh …`: the profile's patterns, its
//! command replaced), and the state `minder show` reports must follow each screen. The unit test
//! `domain::screens_corpus` replays the whole corpus through the detection code alone; this one
//! proves that the same screens, drawn in a pane and read back by capture-pane, read the same.

use crate::common::{wait_for, Env, T};
use std::path::{Path, PathBuf};

fn screen(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/screens").join(rel);
    assert!(p.is_file(), "{}", p.display());
    p
}

/// Start `name` under `agent`'s profile with a script that shows `screens` in turn: each one on
/// a cleared pane, the next after an Enter. Then, for each screen, wait for (state, detail).
fn replay(agent: &str, name: &str, steps: &[(&str, &str, &str)]) {
    let env = Env::new();
    let script = env.work().join("replay.sh");
    let mut body = String::from("#!/bin/bash\n# Shows each screen given, the next one after a line is read.\n");
    body.push_str(
        "for f in \"$@\"; do printf '\\033[H\\033[2J\\033[3J'; cat \"$f\"; read -r _; done\nexec sleep 600\n",
    );
    std::fs::write(&script, body).unwrap();
    let files: Vec<String> = steps.iter().map(|(f, _, _)| screen(f).display().to_string()).collect();
    let mut args = vec!["new", name, "-a", agent, "--", "bash", script.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    env.run(&args);
    // The tmux session's full name (`{agent}-{task}`).
    let full = env.show(name)["name"].as_str().expect("a name").to_string();
    for (i, (file, state, detail)) in steps.iter().enumerate() {
        if i > 0 {
            env.tmux_out(&["send-keys", "-t", &format!("={full}:"), "Enter"]);
        }
        let mut last = serde_json::Value::Null;
        let what = format!("{file}: {state} ({detail})");
        let reached = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_for(&what, T, || {
                last = env.show(name);
                last["state"] == *state && last["detail"].as_str().unwrap_or("") == *detail
            })
        }));
        assert!(
            reached.is_ok(),
            "{file}: expected {state} ({detail}), minder shows {} ({}); the pane:\n{}",
            last["state"],
            last["detail"],
            env.capture(&full)
        );
    }
}

#[test]
fn codex_corpus_screens_in_a_pane() {
    replay(
        "codex",
        "cx",
        &[
            ("codex/0.171.0/composer-status-line.txt", "waiting", "input"),
            ("codex/0.171.0/approval-200.txt", "waiting", "approval"),
            ("codex/0.171.0/busy-200.txt", "working", ""),
            // A finished turn whose reply quotes an approval menu and trust questions.
            ("codex/0.171.0/quote.txt", "waiting", "input"),
            ("codex/0.171.0/sign-in.txt", "waiting", "question"),
        ],
    );
}

#[test]
fn claude_corpus_screens_in_a_pane() {
    replay(
        "claude",
        "cl",
        &[
            ("claude/2.1.332/idle.txt", "waiting", "input"),
            ("claude/2.1.332/ask-question.txt", "waiting", "question"),
            ("claude/2.1.332/task-spinner.txt", "working", ""),
            ("claude/2.1.332/quote.txt", "waiting", "input"),
        ],
    );
}

#[test]
fn gemini_and_aider_corpus_screens_in_a_pane() {
    replay(
        "gemini",
        "gm",
        &[
            ("gemini/0.61.0/idle.txt", "waiting", "input"),
            ("gemini/0.61.0/toolrun-running.txt", "working", ""),
            ("gemini/0.61.0/fetch.txt", "waiting", "approval"),
        ],
    );
    replay(
        "aider",
        "ai",
        &[
            ("aider/0.86.2/idle.txt", "waiting", "input"),
            ("aider/0.86.2/approval.txt", "waiting", "approval"),
            // A reply that quotes every agent's dialogs, the prompt below it.
            ("aider/0.86.2/quote.txt", "waiting", "input"),
        ],
    );
}

//! `minder grep` over the clean, redacted logs of every session: rotated segments and ended
//! sessions included, newest session first, sanitized output, `--json`, `-i`, `--since`, and
//! grep's exit codes.

use crate::common::{agent, wait_for, Env, T};

#[test]
fn grep_searches_every_sessions_clean_log_newest_first() {
    let env = Env::new();
    // Small segments, so the older session's log rotates many times.
    env.config("[logs]\nmax_size = \"2KiB\"\nkeep = 100\n");
    env.run(&["new", "older", "--", agent("lines.sh").as_str(), "400"]);
    env.wait_state("older", "review", T);
    let segments = std::fs::read_dir(env.state_dir().join("sessions/cmd-older/logs")).unwrap().count();
    assert!(segments > 3, "the log rotated ({segments} files)");
    // A match split by colour codes, one drawn over by `\r`, a secret, and an escape sequence
    // that must not reach the terminal.
    let script = "printf 'build \\033[31mfai\\033[0mled here\\n'; printf 'progress 10%%\\rline 000123 redrawn\\n'; echo 'key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD line'; printf 'line 000007 \\033]0;pwned\\007 title\\n'";
    env.run(&["new", "newer", "--", "sh", "-c", script]);
    env.wait_state("newer", "review", T);

    let out = env.run(&["grep", "line 00012[0-9]|line 000007"]);
    let lines: Vec<&str> = out.lines().collect();
    // Newest session first; in each, lines in order with their clean line numbers.
    assert_eq!(lines[0], "cmd-newer:2: line 000123 redrawn", "{out}");
    assert!(
        lines[1].starts_with("cmd-newer:4: line 000007 ") && !lines[1].contains('\x1b') && !lines[1].contains('\x07'),
        "{out:?}"
    );
    assert_eq!(lines[2], "cmd-older:7: line 000007 of the log", "{out}");
    assert_eq!(lines[3], "cmd-older:120: line 000120 of the log", "{out}");
    assert_eq!(lines.len(), 2 + 1 + 10, "{out}");
    // What a person saw: the colour-split word is found; the secret is not, its mask is.
    assert_eq!(env.run(&["grep", "build failed"]), "cmd-newer:1: build failed here\n");
    assert_eq!(env.run(&["grep", "-i", "BUILD FAILED"]), "cmd-newer:1: build failed here\n");
    env.fail(&["grep", "sk-proj-abcdefgh"], 1);
    assert!(env.run(&["grep", "REDACTED"]).starts_with("cmd-newer:3: key "));
    // Only named sessions; JSON.
    let v: serde_json::Value = serde_json::from_str(&env.run(&["grep", "--json", "line 0003", "older"])).unwrap();
    assert_eq!(v["version"], 1);
    let matches = v["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 100);
    assert_eq!(matches[0], serde_json::json!({"session": "cmd-older", "line": 300, "text": "line 000300 of the log"}));
    // Nothing found: exit 1 and no output, as grep.
    let out = env.minder().args(["grep", "no such text anywhere"]).output().unwrap();
    assert_eq!((out.status.code(), out.stdout.is_empty()), (Some(1), true));
    // A bad regex is a usage error.
    env.fail(&["grep", "("], 2);

    // Ended sessions `ls` hides come with --all; --since keeps the recently active.
    env.run(&["new", "gone", "--", "sh", "-c", "echo stopped-session-text; sleep 60"]);
    wait_for("its output", T, || env.run(&["logs", "gone"]).contains("stopped-session-text"));
    env.run(&["stop", "gone"]);
    env.fail(&["grep", "stopped-session-text"], 1);
    assert_eq!(env.run(&["grep", "--all", "stopped-session-text"]), "cmd-gone:1: stopped-session-text\n");
    assert_eq!(
        env.run(&["grep", "--all", "--since", "1h", "stopped-session-text"]),
        "cmd-gone:1: stopped-session-text\n"
    );
    // Rendered once: a second search of an ended session reads the same clean copy.
    let clean = env.state_dir().join("sessions/cmd-older/clean.txt");
    let before = std::fs::metadata(&clean).unwrap().modified().unwrap();
    env.run(&["grep", "line 000001", "older"]);
    assert_eq!(std::fs::metadata(&clean).unwrap().modified().unwrap(), before);
}

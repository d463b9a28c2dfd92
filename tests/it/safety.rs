//! Secrets and terminal safety against a real tmux server: a fake agent prints a secret split
//! by colour codes, cursor moves, backspaces or a pause, or a credential of a kind the patterns
//! must know, and neither the raw log, nor any file under the state dir, nor `minder logs`
//! holds a piece of it — while the escape sequences around it are kept and prose is untouched.

use crate::common::{self, agent, Env, T};
use std::path::PathBuf;

/// Pieces of a secret this long are "long enough to matter" (and never occur by chance).
const PIECE: usize = 8;

/// The key `tests/agents/secrets.sh` prints in the terminal-sequence cases, and its body.
const KEY: &str = "sk-proj-Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri";
const KEY_BODY: &str = "Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri";

struct Case {
    name: &'static str,
    /// Strings no 8-byte piece of which may be stored or shown.
    secrets: &'static [&'static str],
    /// Bytes the raw log must still contain (escape sequences around the secret, context).
    raw_keeps: &'static [&'static str],
    /// What `minder logs` must print, when it is exact.
    clean: Option<&'static str>,
}

/// Start every case as its own session on one server, wait for each to finish, and check it.
fn check_cases(env: &Env, cases: &[Case]) {
    let script = agent("secrets.sh");
    for case in cases {
        env.run(&["new", case.name, "--", "sh", &script, case.name]);
    }
    let mut failures = Vec::new();
    for case in cases {
        env.wait_state(case.name, "review", T);
        let problems = problems(env, case);
        if let Some(first) = problems.first() {
            failures.push(format!("{} ({} problems), first: {first}", case.name, problems.len()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// What is wrong with one finished case: pieces of its secrets stored or shown, escape
/// sequences lost, or clean text other than expected.
fn problems(env: &Env, case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let raw = env.run(&["logs", case.name, "--raw"]);
    let clean = env.run(&["logs", case.name]);
    let own = env.state_dir().join("sessions").join(format!("cmd-{}", case.name));
    let files: Vec<_> = state_files(env)
        .into_iter()
        .filter(|(path, _)| path.starts_with(&own) || !path.starts_with(env.state_dir().join("sessions")))
        .collect();
    for secret in case.secrets {
        if let Some(piece) = piece_of(raw.as_bytes(), secret) {
            problems.push(format!("the raw log holds `{piece}` of `{secret}`: {raw:?}"));
        }
        if let Some(piece) = piece_of(clean.as_bytes(), secret) {
            problems.push(format!("`minder logs` shows `{piece}` of `{secret}`: {clean:?}"));
        }
        for (path, bytes) in &files {
            if let Some(piece) = piece_of(bytes, secret) {
                problems.push(format!("{} holds `{piece}` of `{secret}`", path.display()));
            }
        }
    }
    for keep in case.raw_keeps {
        if !raw.contains(keep) {
            problems.push(format!("the raw log lost {keep:?}: {raw:?}"));
        }
    }
    if let Some(want) = case.clean {
        if clean != want {
            problems.push(format!("`minder logs` printed {clean:?}, want {want:?}"));
        }
    }
    problems
}

/// The first piece of `secret` (PIECE bytes long, or all of a shorter one) found in `haystack`.
fn piece_of(haystack: &[u8], secret: &str) -> Option<String> {
    let n = PIECE.min(secret.len());
    secret
        .as_bytes()
        .windows(n)
        .find(|piece| haystack.windows(n).any(|w| w == *piece))
        .map(|piece| String::from_utf8_lossy(piece).into_owned())
}

/// Every file under the state dir, with its bytes.
fn state_files(env: &Env) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![env.state_dir()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                if let Ok(bytes) = std::fs::read(&path) {
                    files.push((path, bytes));
                }
            }
        }
    }
    files
}

#[test]
fn a_key_drawn_with_terminal_sequences_is_masked_and_the_sequences_kept() {
    let env = Env::new();
    let secrets = &[KEY, KEY_BODY];
    let plain = Some("key [REDACTED] end\n");
    check_cases(
        &env,
        &[
            // A colour reset inside the key.
            Case { name: "reset", secrets, raw_keeps: &["key ", "\x1b[0m", " end"], clean: plain },
            // A colour change inside it.
            Case { name: "colour", secrets, raw_keeps: &["key \x1b[32m", "\x1b[35m", "\x1b[0m end"], clean: plain },
            // Cursor right then back to the same column.
            Case { name: "cursor", secrets, raw_keeps: &["key ", " end"], clean: plain },
            // A backspace over a wrong character.
            Case { name: "backspace", secrets, raw_keeps: &["key ", " end"], clean: plain },
            // `grep --color=always` colours the match, the key's prefix.
            Case {
                name: "grep",
                secrets,
                raw_keeps: &["export OPENAI_API_KEY=\x1b[01;31m\x1b[K", "\x1b[m\x1b[K"],
                clean: Some("export OPENAI_API_KEY=[REDACTED]\n"),
            },
            // A window title set in the middle of the key.
            Case { name: "osc", secrets, raw_keeps: &["key ", "\x1b]0;busy\x07", " end"], clean: plain },
            // The key in a window title: the title is kept, the key is not.
            Case {
                name: "title",
                secrets,
                raw_keeps: &["\x1b]0;deploy [REDACTED]\x07key in the title end"],
                clean: Some("key in the title end\n"),
            },
            // A character set selection in the middle of it.
            Case { name: "charset", secrets, raw_keeps: &["key ", "\x1b(B", " end"], clean: plain },
            // The rest of the key drawn by moving the cursor exactly where it already is.
            Case { name: "moveto", secrets, raw_keeps: &["\x1b[2J\x1b[5;10H", "\x1b[6;1Hend"], clean: None },
            // Coloured, and the rest of the key arrives after a pause.
            Case { name: "pause", secrets, raw_keeps: &["key \x1b[1m", "\x1b[0m end"], clean: plain },
            // A backspace, then the rest after a pause.
            Case { name: "bspause", secrets, raw_keeps: &["key ", " end"], clean: plain },
            // The line redrawn: a carriage return, then a move to where it ended.
            Case { name: "crmove", secrets, raw_keeps: &["token ", " end"], clean: Some("token [REDACTED] end\n") },
        ],
    );
}

#[test]
fn credentials_of_every_known_kind_are_masked() {
    let env = Env::new();
    check_cases(
        &env,
        &[
            Case {
                name: "url",
                secrets: &["Tr0ub4dor-and-3-horses"],
                raw_keeps: &["https://alice:[REDACTED]@example.com/repo.git"],
                clean: Some("git remote add origin https://alice:[REDACTED]@example.com/repo.git\n"),
            },
            Case {
                name: "openssh",
                secrets: &[
                    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
                    "QyNTUxOQAAACDq8Lx0Vh4Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZWQyNTUxOQAAACDq8Lx0",
                    "Vh4Wm1ZTkdRT3pBbU5ZeTNxmRqz/b0agAAAEBV7J2KcLq3Yx8nFpT0sWdR6uMz4HgAeI",
                ],
                raw_keeps: &["-----BEGIN OPENSSH PRIVATE KEY-----\r\n", "\r\n-----END OPENSSH PRIVATE KEY-----\r\n"],
                clean: Some("-----BEGIN OPENSSH PRIVATE KEY-----\n[REDACTED]\n-----END OPENSSH PRIVATE KEY-----\n"),
            },
            Case {
                name: "rsa",
                secrets: &[
                    "AES-128-CBC,3F17F5316E2BAC89",
                    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
                    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
                ],
                raw_keeps: &[
                    "-----BEGIN RSA PRIVATE KEY-----\r\n",
                    "\x1b[33m",
                    "\x1b[0m",
                    "\r\n-----END RSA PRIVATE KEY-----\r\n",
                ],
                clean: Some("-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\n"),
            },
            Case {
                name: "glpat",
                secrets: &["glpat-Xr4Tq9Lm2Vb7Nc1Zs8Kd"],
                raw_keeps: &["GITLAB_TOKEN=[REDACTED]\r\n"],
                clean: None,
            },
            Case {
                name: "npm",
                secrets: &["npm_Q7w2Er9Ty4Ui6Op1As8Df3Gh5Jk0LzXcVbNm"],
                raw_keeps: &["//registry.npmjs.org/:_authToken=[REDACTED]\r\n"],
                clean: None,
            },
            Case {
                name: "hf",
                secrets: &["hf_Qw7Er2Ty9Ui4Op6As1Df8Gh3Jk5LzXcVbN"],
                raw_keeps: &["token: [REDACTED]\r\n"],
                clean: None,
            },
            Case { name: "glued", secrets: &[KEY], raw_keeps: &["MY_[REDACTED]\r\n"], clean: None },
            // A key shown by `cat -n` and by `grep -n -A`: a prefix on every line.
            Case {
                name: "catn",
                secrets: PREFIXED_BODY,
                raw_keeps: &["     1\t-----BEGIN OPENSSH PRIVATE KEY-----\r\n     2\t[REDACTED]\r\n     4\t-----END"],
                clean: None,
            },
            Case {
                name: "grepn",
                secrets: PREFIXED_BODY,
                raw_keeps: &[
                    "id_test:1:-----BEGIN OPENSSH PRIVATE KEY-----\r\nid_test-2-[REDACTED]\r\nid_test-4------END",
                ],
                clean: None,
            },
            Case {
                name: "newkinds",
                secrets: &[
                    "pypi-AgEIcHlwaS5vcmcCJGI3ZTE1NmQzLTlmNTgtNDNiZi1hYzBmLTEwMjQ0ZWRiZjZmZQACKlsz",
                    "ya29.a0AfB_byC7Qx9Lr2Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri",
                    "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",
                    "T0123ABCD/B0456EFGH/q7W2er9Ty4Ui6Op1As8Df3Gh",
                    "xapp-1-A0123ABCDEF-1234567890123-0a1b2c3d4e5f6a7b8c9d",
                    "glrt-Xr4Tq9Lm2Vb7Nc1Zs8Kd",
                    "gldt-Yb3Wq8Lk2Vc7Nd1Zs9Jh",
                    "glptt-0123456789abcdef0123456789abcdef01234567",
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                    "YWxpY2U6aHVudGVyMi1Ucm91YmFkb3I=",
                ],
                raw_keeps: &[
                    "TWINE_PASSWORD=[REDACTED]",
                    "https://hooks.slack.com/services/[REDACTED]",
                    "Authorization: Basic [REDACTED]",
                ],
                clean: None,
            },
        ],
    );
}

/// The key body lines `catn` and `grepn` show.
const PREFIXED_BODY: &[&str] = &[
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "QyNTUxOQAAACDq8Lx0Vh4Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZW",
];

#[test]
fn prose_urls_and_hosts_are_left_alone() {
    let env = Env::new();
    env.run(&["new", "prose", "--", "sh", &agent("secrets.sh"), "prose"]);
    env.wait_state("prose", "review", T);
    let want = "Use a password manager; the key point is rotation.\r\n\
        hf_ is a prefix, and so is hf_short; npm_ and glpat- too.\r\n\
        See https://example.com/docs?page=2 and http://localhost:8080/x?a=b:c\r\n\
        ssh alice@host.example and git@github.com:org/repo.git, mailto:bob@example.com\r\n\
        A key file starts with -----BEGIN OPENSSH PRIVATE KEY----- and then base64.\r\n\
        MY_VARIABLE=some-value TASK_sk-short desk-proj-reservation-system-v2-final\r\n\
        Generating a key pair with ssh-keygen -t ed25519 -C alice@example.com\r\n\
        See SG.1 for the ya29 prefix; Basic authentication is in RFC 7617.\r\n\
        url = f\"postgresql://{user}:{password}@{host}/db\" or postgres://$DB_USER:$DB_PASSWORD@db\r\n\
        \x1b[32mok\x1b[0m 3f786850e387550fdab836ed7e6dc881de23001b from huggingface_hub import hf_hub_download\r\n";
    assert_eq!(env.run(&["logs", "prose", "--raw"]), want);
}

#[test]
fn a_user_pattern_split_by_a_pause_is_masked() {
    let env = Env::new();
    // The third pattern goes on past a line break, and the pause is right after it.
    env.config("[logs]\nredact = ['hunter[0-9]+', 'my pin is ([0-9]{4,})', 'passphrase:\\s*\\n\\s*(\\S+)']\n");
    check_cases(
        &env,
        &[Case {
            name: "userpause",
            secrets: &["hunter42", "987654", "correct-horse-battery"],
            raw_keeps: &["pw [REDACTED] ok\r\n", "my pin is [REDACTED] ok\r\n", "passphrase:\r\n  [REDACTED]\r\n"],
            clean: Some("pw [REDACTED] ok\nmy pin is [REDACTED] ok\npassphrase:\n  [REDACTED]\n"),
        }],
    );
}

/// What minder stores from outside the log — a hook's last reply, an approve or reject note, a
/// saved copy of STATUS.md — is redacted as the log is: no piece of the key under the state dir.
#[test]
fn text_stored_outside_the_log_is_redacted_too() {
    let env = Env::new();
    env.run(&["new", "held", "--", "sh", "-c", "sleep 30"]);
    let cp = PathBuf::from(env.show("held")["checkpoint_dir"].as_str().unwrap());
    std::fs::create_dir_all(&cp).unwrap();
    std::fs::write(cp.join("STATUS.md"), format!("used the key {KEY} to test\n")).unwrap();
    let payload =
        serde_json::json!({"type": "agent-turn-complete", "last-assistant-message": format!("I found {KEY} in .env")});
    env.minder().args(["notify", "--session", "cmd-held", &payload.to_string()]).assert().success();
    common::wait_for("the checkpoint copy", T, || {
        env.show("held")["checkpoints"].as_array().is_some_and(|a| !a.is_empty())
    });
    env.run(&["reject", "held", "--note", &format!("do not paste {KEY} anywhere")]);
    env.run(&["approve", "held", "--note", &format!("ok, rotate {KEY}")]);
    for (path, bytes) in state_files(&env) {
        assert!(piece_of(&bytes, KEY_BODY).is_none(), "{} holds a piece of the key", path.display());
    }
    let s = env.show("held");
    assert!(s["last_message"].as_str().unwrap().starts_with("I found "), "{s:#}");
}

/// What minder shows or stores from the agent besides its output is redacted, with the
/// session's own patterns too: a check's saved output, what the notify command said on stderr
/// (`notify.log`), and what `review` prints of PLAN.md, STATUS.md, RISKS.md and the artifacts'
/// last lines.
#[test]
fn check_output_notify_stderr_and_review_are_redacted() {
    let env = Env::new();
    // The notify command repeats what the agent wrote in STATUS.md on its stderr.
    env.config(
        "[logs]\nredact = ['internal-[0-9a-f]{8}']\n[notify]\non = [\"review\"]\n\
         command = ['sh', '-c', 'cat \"$MINDER_DIR/STATUS.md\" >&2; exit 3']\n",
    );
    // The check prints what the agent left in its folder (the command itself is the person's).
    env.run(&["new", "leaky", "--check", "cat leak.txt", "--", "sh", &agent("leaky.sh")]);
    env.wait_state("leaky", "review", T);
    common::wait_for("the check's result", T, || {
        let record = std::fs::read_to_string(env.state_dir().join("sessions").join("cmd-leaky").join("session.json"));
        let record: serde_json::Value = serde_json::from_str(&record.unwrap_or_default()).unwrap_or_default();
        record["check_results"].as_array().is_some_and(|a| a.len() == 1)
    });
    let notify_log = env.state_dir().join("sessions").join("cmd-leaky").join("notify.log");
    common::wait_for("the notify command's failure", T, || {
        std::fs::read_to_string(&notify_log).unwrap_or_default().contains("failed")
    });
    let told = std::fs::read_to_string(&notify_log).unwrap();
    assert!(told.contains(": used [REDACTED] and [REDACTED]"), "{told}");
    let cp = PathBuf::from(env.show("leaky")["checkpoint_dir"].as_str().unwrap());
    let checked = std::fs::read_to_string(cp.join("artifacts").join("check-1.txt")).unwrap();
    assert_eq!(checked, "[REDACTED] [REDACTED]\n");
    let review = env.run(&["review", "leaky"]);
    let json = env.run(&["review", "leaky", "--json"]);
    for shown in [&review, &json, &told, &checked] {
        assert!(piece_of(shown.as_bytes(), KEY_BODY).is_none(), "a piece of the key in {shown}");
        assert!(!shown.contains("internal-"), "a token of the user's pattern in {shown}");
    }
    for section in ["try the key [REDACTED]", "used [REDACTED] and [REDACTED]", "Risk: [REDACTED] is in .env"] {
        assert!(review.contains(section), "{section:?} not in {review}");
    }
    assert!(review.contains("OPENAI_API_KEY=[REDACTED]"), "{review}");
}

/// A profile's own secret (`env`), repeated by the agent into its checkpoint files and a file a
/// check prints, is masked everywhere minder keeps or shows it, as in the log: the check's saved
/// output, what the notify command said, `review` (text and JSON), and a note that quotes it.
#[test]
fn a_profiles_secret_the_agent_repeats_is_masked_wherever_minder_keeps_or_shows_it() {
    let env = Env::new();
    let secret = "tok-71c3e9a05f2d48b6";
    let script = env.path("tok.sh");
    common::write_script(
        &script,
        "#!/bin/sh\nmkdir -p \"$MINDER_DIR/artifacts\"\n\
         printf -- '- [x] use %s\\n' \"$MY_TOKEN\" > \"$MINDER_DIR/PLAN.md\"\n\
         printf 'used %s\\n' \"$MY_TOKEN\" > \"$MINDER_DIR/STATUS.md\"\n\
         printf 'Risk: %s leaked\\n' \"$MY_TOKEN\" > \"$MINDER_DIR/RISKS.md\"\n\
         printf 'token %s\\n' \"$MY_TOKEN\" > \"$MINDER_DIR/artifacts/run.txt\"\n\
         printf 'check saw %s\\n' \"$MY_TOKEN\" > leak.txt\necho done\n",
    );
    env.config(&format!(
        "[agents.tok]\ncommand = [\"sh\", \"{}\"]\nenv = {{ MY_TOKEN = \"{secret}\" }}\n\
         [notify]\non = [\"review\"]\ncommand = ['sh', '-c', 'cat \"$MINDER_DIR/STATUS.md\" >&2; exit 3']\n",
        script.display()
    ));
    let name = env.run(&["new", "s", "-a", "tok", "--check", "cat leak.txt"]).trim().to_string();
    env.wait_state(&name, "review", T);
    let root = env.state_dir().join("sessions").join(&name);
    common::wait_for("the check's result", T, || {
        let record = std::fs::read_to_string(root.join("session.json")).unwrap_or_default();
        let record: serde_json::Value = serde_json::from_str(&record).unwrap_or_default();
        record["check_results"].as_array().is_some_and(|a| a.len() == 1)
    });
    common::wait_for("the notify command's failure", T, || {
        std::fs::read_to_string(root.join("notify.log")).unwrap_or_default().contains("failed")
    });
    let cp = PathBuf::from(env.show(&name)["checkpoint_dir"].as_str().unwrap());
    let checked = std::fs::read_to_string(cp.join("artifacts").join("check-1.txt")).unwrap();
    assert_eq!(checked, "check saw [REDACTED]\n");
    let told = std::fs::read_to_string(root.join("notify.log")).unwrap();
    assert!(told.contains("used [REDACTED]"), "{told}");
    let review = env.run(&["review", &name]);
    let json = env.run(&["review", &name, "--json"]);
    for section in ["use [REDACTED]", "used [REDACTED]", "Risk: [REDACTED] leaked", "token [REDACTED]"] {
        assert!(review.contains(section), "{section:?} not in {review}");
    }
    env.run(&["reject", &name, "--note", &format!("never print {secret}")]);
    for shown in [&checked, &told, &review, &json] {
        assert!(!shown.contains(secret), "the profile's secret in {shown}");
    }
    // Nowhere but in the redactor's own private list of what to mask (`secret-values`, 0600,
    // removed with the session).
    for (path, bytes) in state_files(&env) {
        let text = String::from_utf8_lossy(&bytes);
        if path.file_name().is_some_and(|f| f == "secret-values") {
            continue;
        }
        assert!(!text.contains(secret), "{} holds the profile's secret", path.display());
    }
}

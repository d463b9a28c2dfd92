//! The redactor's behaviour on whole texts and on every way of cutting them into reads.

use super::*;

fn redact_whole(input: &[u8], extra: &[Regex]) -> Vec<u8> {
    let mut r = Redactor::new(extra);
    let mut out = r.push(input);
    out.extend(r.finish());
    out
}

fn redact_str(input: &str) -> String {
    String::from_utf8(redact_whole(input.as_bytes(), &[])).unwrap()
}

#[test]
fn each_builtin_pattern_is_masked() {
    let cases = [
        ("key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789_-AB end", "key [REDACTED] end"),
        ("key sk-svcacct-Abcdefghijklmnopqrstuvwxyz012345 end", "key [REDACTED] end"),
        ("OPENAI_API_KEY=sk-T3BlbkFJabcdefghijklmnopqrstuvwxyz0123456789ABCD", "OPENAI_API_KEY=[REDACTED]"),
        (
            "ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz-0123456789_ABCDEF\n",
            "ANTHROPIC_API_KEY=[REDACTED]\n",
        ),
        ("STRIPE=sk_live_abcdefghijklmnop0123", "STRIPE=[REDACTED]"),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok", "token [REDACTED] ok"),
        ("gho_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ghs_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED] [REDACTED]"),
        ("ghu_abcdefghijklmnopqrstuvwxyz0123456789/ghr_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED]/[REDACTED]"),
        (
            "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW x",
            "[REDACTED] x",
        ),
        ("id=AKIAIOSFODNN7EXAMPLE,", "id=[REDACTED],"),
        ("ASIAY34FZKBOKMUTVV7A", "[REDACTED]"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [REDACTED]"),
        (r#""SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","#, r#""SecretAccessKey": "[REDACTED]","#),
        ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY=[REDACTED]"),
        ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx!", "slack [REDACTED]!"),
        ("key=AIzaSyA-abcdefghijklmnopqrstuvwxyz01234", "key=[REDACTED]"),
        (
            "curl -H 'Authorization: Bearer abcDEF0123456789ghiJKL' https://x",
            "curl -H 'Authorization: Bearer [REDACTED]' https://x",
        ),
        ("authorization: bearer dGhpcyBpcyBhIHRva2Vu==\n", "authorization: bearer [REDACTED]\n"),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
            "jwt [REDACTED] end",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(redact_str(input), want, "input: {input}");
    }
}

#[test]
fn ordinary_text_is_left_alone() {
    let texts = [
        "The task-management service uses a desk-reservation system for bearers of badges.",
        "Use the Bearer scheme: send `Authorization: Bearer $TOKEN` with your token.",
        "cd /home/user/projects/sk-learn-experiments-and-notebooks && ls",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main)",
        "aws_secret_access_key = YOUR_SECRET_KEY",
        "id 123e4567-e89b-12d3-a456-426614174000 and AKIAshort",
        "https://github.com/org/repo/blob/main/src/ghp_helpers.rs",
        "xoxo, see you; AIza is a prefix; eyJ is base64 for {\"",
        "sk-too-short sk_live_x ghp_abc github_pat_x Bearer short",
        "error[E0382]: borrow of moved value: `token`\n  --> src/main.rs:10:5",
    ];
    for text in texts {
        assert_eq!(redact_str(text), text);
    }
}

#[test]
fn invalid_utf8_and_escapes_pass_through() {
    let input = b"\x1b[31mred\x1b[0m \xff\xfe ghp_abcdefghijklmnopqrstuvwxyz0123456789\r\n";
    assert_eq!(redact_whole(input, &[]), b"\x1b[31mred\x1b[0m \xff\xfe [REDACTED]\r\n".to_vec());
}

/// Every way of splitting `line` into two chunks gives the one-chunk output, and no
/// 8-byte piece of `secret` is ever released.
fn check_all_splits(line: &str, secret: &str, extra: &[Regex]) {
    let line = line.as_bytes();
    let whole = redact_whole(line, extra);
    assert!(!contains_piece_of(&whole, secret.as_bytes()), "{whole:?}");
    for cut in 0..=line.len() {
        let mut r = Redactor::new(extra);
        let mut out = r.push(&line[..cut]);
        out.extend(r.push(&line[cut..]));
        out.extend(r.finish());
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&whole), "split at {cut}");
    }
    // Three chunks, every pair of cut points.
    for first in 0..=line.len() {
        for second in first..=line.len() {
            let mut r = Redactor::new(extra);
            let mut out = r.push(&line[..first]);
            out.extend(r.push(&line[first..second]));
            out.extend(r.push(&line[second..]));
            out.extend(r.finish());
            assert_eq!(out, whole, "split at {first} and {second}");
        }
    }
    // Byte by byte, with an idle flush after each byte: held secrets survive idle flushes,
    // the user's patterns' as well as the built-in ones.
    let mut r = Redactor::new(extra);
    let mut out = Vec::new();
    for &b in line {
        out.extend(r.push(&[b]));
        out.extend(r.flush_idle());
        assert!(r.held_len() <= HOLD_CAP);
    }
    out.extend(r.finish());
    assert!(!contains_piece_of(&out, secret.as_bytes()), "byte by byte: {:?}", String::from_utf8_lossy(&out));
}

fn contains_piece_of(haystack: &[u8], secret: &[u8]) -> bool {
    let n = secret.len().min(8);
    secret.windows(n).any(|piece| haystack.windows(n).any(|w| w == piece))
}

#[test]
fn a_secret_split_across_reads_is_masked() {
    let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    check_all_splits(&format!("export OPENAI_API_KEY={key} done\n"), key, &[]);
    let token = "abcDEF0123456789ghiJKL.xyz";
    check_all_splits(&format!("> GET / HTTP/1.1\r\n> Authorization: Bearer {token}\r\n> Accept: */*\r\n"), token, &[]);
    let secret = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    check_all_splits(&format!("[default]\n{secret}\n"), &secret[24..], &[]);
}

#[test]
fn a_user_pattern_split_across_reads_is_masked() {
    let extra = [Regex::new(r"password=\S+").unwrap()];
    let line = "login user=bob password=hunter2-Secret-Value ok\n";
    check_all_splits(line, "password=hunter2-Secret-Value", &extra);
    assert_eq!(redact_whole(line.as_bytes(), &extra), b"login user=bob [REDACTED] ok\n".to_vec());
    let extra = [Regex::new(r"(?i)passphrase: (\S+)").unwrap()];
    check_all_splits("unlocking with Passphrase: correct-horse-battery\n", "correct-horse-battery", &extra);
}

#[test]
fn held_bytes_stay_bounded() {
    let mut r = Redactor::new(&[]);
    let mut state: u64 = 0x9e3779b97f4a7c15;
    let mut chunk = vec![0u8; 64 * 1024];
    let mut released = 0;
    for _ in 0..160 {
        for b in chunk.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = b'!' + (state % 94) as u8; // printable, never whitespace
        }
        released += r.push(&chunk).len();
        assert!(r.held_len() <= HOLD_CAP, "held {}", r.held_len());
    }
    released += r.finish().len();
    assert!(released >= 160 * 64 * 1024 - 1024);
}

#[test]
fn a_secret_longer_than_the_hold_is_masked_whole() {
    let key = format!("sk-{}", "A1b2C3d4".repeat(600));
    let line = format!("key {key} tail\n");
    let whole = redact_whole(line.as_bytes(), &[]);
    assert_eq!(whole, b"key [REDACTED] tail\n".to_vec());
    let mut r = Redactor::new(&[]);
    let mut out = Vec::new();
    for piece in line.as_bytes().chunks(100) {
        out.extend(r.push(piece));
        assert!(r.held_len() <= HOLD_CAP);
    }
    out.extend(r.finish());
    assert_eq!(out, whole);
}

#[test]
fn idle_flush_releases_prompts_but_not_secret_starts() {
    let mut r = Redactor::new(&[]);
    assert_eq!(r.push(b"Enter Password:"), b"Enter ".to_vec());
    assert_eq!(r.flush_idle(), b"Password:".to_vec());
    assert_eq!(r.held_len(), 0);

    assert_eq!(r.push(b"Continue? (y/n)"), b"Continue? ".to_vec());
    assert_eq!(r.flush_idle(), b"(y/n)".to_vec());

    assert_eq!(r.push(b"key: sk-proj-abc"), b"".to_vec());
    assert_eq!(r.flush_idle(), b"".to_vec());
    assert_eq!(r.held_len(), "key: sk-proj-abc".len());
    let rest = r.push(b"defghijklmnopqrstuvwxyz0123\n");
    assert_eq!(rest, b"key: [REDACTED]\n".to_vec());

    r.push(b"Authorization: Bearer ");
    assert_eq!(r.flush_idle(), b"".to_vec());
    assert_eq!(r.finish(), b"Authorization: Bearer ".to_vec());
}

#[test]
fn complete_lines_are_released_at_once() {
    let mut r = Redactor::new(&[]);
    assert_eq!(r.push(b"one\ntwo\nthr"), b"one\ntwo\n".to_vec());
    assert_eq!(r.held_len(), 3);
    assert_eq!(r.push(b"ee four"), b"three ".to_vec());
    assert_eq!(r.finish(), b"four".to_vec());
}

// --- Terminal sequences ------------------------------------------------------------------

/// The key the terminal-sequence cases draw, in two halves.
const KEY: &str = "sk-proj-Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri";
const B1: &str = "Zq7Xw2Lr9Tb4Nc6Vm1Hs";
const B2: &str = "8Kd3Pf5Gj0AyEu2Wo4Ri";

/// Ways tools draw a key with escape sequences and controls, and what the log must get:
/// the key masked, the sequences around and inside it kept (cursor moves that only drew
/// the key are replaced by the mask).
fn drawn_keys() -> Vec<(&'static str, String, String)> {
    vec![
        (
            "a colour reset inside",
            format!("key sk-pro\x1b[0mj-{B1}{B2} end\r\n"),
            "key [REDACTED]\x1b[0m end\r\n".into(),
        ),
        (
            "a colour change inside",
            format!("key \x1b[32msk-proj-{B1}\x1b[35m{B2}\x1b[0m end\r\n"),
            "key \x1b[32m[REDACTED]\x1b[35m\x1b[0m end\r\n".into(),
        ),
        (
            "cursor right and back",
            format!("key sk-proj-{B1}\x1b[5C\x1b[5D{B2} end\r\n"),
            "key [REDACTED] end\r\n".into(),
        ),
        ("a backspace over a typo", format!("key sk-prox\x08j-{B1}{B2} end\r\n"), "key [REDACTED] end\r\n".into()),
        (
            "grep --color=always",
            format!("export OPENAI_API_KEY=\x1b[01;31m\x1b[Ksk-proj\x1b[m\x1b[K-{B1}{B2}\r\n"),
            "export OPENAI_API_KEY=\x1b[01;31m\x1b[K[REDACTED]\x1b[m\x1b[K\r\n".into(),
        ),
        (
            "a title (OSC, BEL) inside",
            format!("key sk-proj-{B1}\x1b]0;busy\x07{B2} end\r\n"),
            "key [REDACTED]\x1b]0;busy\x07 end\r\n".into(),
        ),
        (
            "a hyperlink (OSC 8, ST) inside",
            format!("key sk-proj-{B1}\x1b]8;;https://example.com/\x1b\\{B2}\x1b]8;;\x1b\\ end\r\n"),
            "key [REDACTED]\x1b]8;;https://example.com/\x1b\\\x1b]8;;\x1b\\ end\r\n".into(),
        ),
        (
            "a charset selection inside",
            format!("key sk-proj-{B1}\x1b(B{B2} end\r\n"),
            "key [REDACTED]\x1b(B end\r\n".into(),
        ),
        (
            "a DCS string inside",
            format!("key sk-proj-{B1}\x1bPq#0;2;0;0;0\x1b\\{B2} end\r\n"),
            "key [REDACTED]\x1bPq#0;2;0;0;0\x1b\\ end\r\n".into(),
        ),
        (
            "an absolute move to where the cursor already is",
            format!("\x1b[2J\x1b[5;10Hsk-proj-{B1}\x1b[5;38H{B2}\x1b[6;1Hend\r\n"),
            "\x1b[2J\x1b[5;10H[REDACTED]\x1b[6;1Hend\r\n".into(),
        ),
        (
            "a column move to where the cursor already is",
            format!("key sk-proj-{B1}\x1b[33G{B2} end\r\n"),
            "key [REDACTED] end\r\n".into(),
        ),
        (
            "NUL, DEL and BEL inside",
            format!("key sk-proj-{B1}\x00\x7f\x07{B2} end\r\n"),
            "key [REDACTED] end\r\n".into(),
        ),
        (
            "several backspaces and a retype",
            format!("key sk-proj-{B1}XYZ\x08\x08\x08{B2} end\r\n"),
            "key [REDACTED] end\r\n".into(),
        ),
        (
            "cursor back over a wrong tail",
            format!("key sk-proj-{B1}wrong\x1b[5D{B2} end\r\n"),
            "key [REDACTED] end\r\n".into(),
        ),
        (
            "a carriage return and a move to where the line ended",
            format!("token sk-proj-\r\x1b[14C{B1}{B2} end\r\n"),
            "token [REDACTED] end\r\n".into(),
        ),
        (
            "a carriage return and a move back into the line",
            format!("key sk-proj-{B1}wrong\r\x1b[32C{B2} end\r\n"),
            "key [REDACTED] end\r\n".into(),
        ),
        (
            "UTF-8 text around it",
            format!("clé ✓ sk-proj-{B1}\x1b[0m{B2} ✓\r\n"),
            "clé ✓ [REDACTED]\x1b[0m ✓\r\n".into(),
        ),
    ]
}

#[test]
fn a_key_drawn_with_terminal_sequences_is_masked_and_the_sequences_kept() {
    for (what, input, want) in drawn_keys() {
        assert_eq!(redact_str(&input), want, "{what}");
    }
}

#[test]
fn a_key_drawn_with_terminal_sequences_is_masked_at_every_split() {
    for (_, input, _) in drawn_keys() {
        check_all_splits(&input, KEY, &[]);
    }
    // And with nothing around it.
    check_all_splits(&format!("\x1b[1msk-pro\x1b[22mj-{B1}{B2}"), KEY, &[]);
}

#[test]
fn a_key_cut_by_a_pause_inside_its_sequences_is_held() {
    let mut r = Redactor::new(&[]);
    assert_eq!(r.push(b"key \x1b[1msk-pro"), b"key ".to_vec());
    assert_eq!(r.flush_idle(), b"".to_vec());
    r.push(b"\x1b[0");
    assert_eq!(r.flush_idle(), b"".to_vec());
    let rest = r.push(format!("mj-{B1}{B2} end\n").as_bytes());
    assert_eq!(rest, b"\x1b[1m[REDACTED]\x1b[0m end\n".to_vec());

    assert_eq!(r.push(b"key sk-prox\x08"), b"key ".to_vec());
    assert_eq!(r.flush_idle(), b"".to_vec());
    assert_eq!(r.push(format!("j-{B1}{B2}\n").as_bytes()), b"[REDACTED]\n".to_vec());
}

#[test]
fn a_pause_anywhere_in_a_glued_key_or_a_url_password_is_survived() {
    let cases = [
        ("x MY_sk-proj-Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri y\n", KEY),
        ("git clone https://alice:Tr0ub4dor-and-3-horses@example.com/r.git\n", "Tr0ub4dor-and-3-horses"),
        (
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ];
    for (line, secret) in cases {
        for pause in 1..line.len() {
            let mut r = Redactor::new(&[]);
            let mut out = r.push(&line.as_bytes()[..pause]);
            out.extend(r.flush_idle());
            out.extend(r.push(&line.as_bytes()[pause..]));
            out.extend(r.finish());
            assert!(!contains_piece_of(&out, secret.as_bytes()), "pause at {pause}: {}", String::from_utf8_lossy(&out));
        }
    }
}

#[test]
fn a_frame_that_leaves_the_cursor_back_on_its_line_is_flushed_unless_a_key_is_before_it() {
    let mut r = Redactor::new(&[]);
    let mut out = r.push(b"\x1b[5;1H> type here   \x1b[5;3H");
    out.extend(r.flush_idle());
    assert_eq!(out, b"\x1b[5;1H> type here   \x1b[5;3H".to_vec());
    let mut r = Redactor::new(&[]);
    assert_eq!(r.push(b"key sk-proj- \x1b[D"), b"key ".to_vec());
    assert_eq!(r.flush_idle(), b"".to_vec());
    assert_eq!(r.push(format!("{B1}{B2} end\n").as_bytes()), b"[REDACTED] end\n".to_vec());
}

#[test]
fn prompts_that_end_in_capitals_digits_or_a_slash_are_flushed() {
    for prompt in ["Enter PIN", "Choose 1-3: 2", "Save to ~/src/", "[Y/N", "KEY_"] {
        let mut r = Redactor::new(&[]);
        let mut out = r.push(prompt.as_bytes());
        out.extend(r.flush_idle());
        assert_eq!(String::from_utf8_lossy(&out), prompt);
    }
}

#[test]
fn ordinary_escapes_and_redraws_are_left_alone() {
    let texts = [
        "\x1b[1mbold\x1b[0m and \x1b[31mred\x1b[0m text, \x1b]0;a title\x07 and more",
        "progress 50%\r\x1b[Kprogress 100%\r\n",
        "\x1b[?1049h\x1b[H\x1b[2J\x1b[3;5Hframe\x1b[4;5Hlines\x1b[?25h",
        "typo\x08\x08\x08\x08fixed and a\x08b\r\n",
        "\x1b[?2004h$ ls\r\n\x1b[?2004l",
    ];
    for text in texts {
        assert_eq!(redact_str(text), text);
    }
}

// --- Credentials ---------------------------------------------------------------------------

#[test]
fn passwords_in_urls_and_more_token_kinds_are_masked() {
    let cases = [
        (
            "git remote add origin https://alice:Tr0ub4dor-and-3-horses@example.com/repo.git",
            "git remote add origin https://alice:[REDACTED]@example.com/repo.git",
        ),
        ("DATABASE_URL=postgres://app:s3cr3t%21@db:5432/app", "DATABASE_URL=postgres://app:[REDACTED]@db:5432/app"),
        ("redis://:hunter2@cache:6379", "redis://:[REDACTED]@cache:6379"),
        ("mongodb://app:%21s3cr3t@db/app", "mongodb://app:[REDACTED]@db/app"),
        ("GITLAB_TOKEN=glpat-Xr4Tq9Lm2Vb7Nc1Zs8Kd", "GITLAB_TOKEN=[REDACTED]"),
        (
            "//registry.npmjs.org/:_authToken=npm_Q7w2Er9Ty4Ui6Op1As8Df3Gh5Jk0LzXcVbNm",
            "//registry.npmjs.org/:_authToken=[REDACTED]",
        ),
        ("token: hf_Qw7Er2Ty9Ui4Op6As1Df8Gh3Jk5LzXcVbN", "token: [REDACTED]"),
        ("MY_sk-proj-Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri", "MY_[REDACTED]"),
        ("OPENAIsk-proj-Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri", "OPENAI[REDACTED]"),
        ("export KEY_ghp_abcdefghijklmnopqrstuvwxyz0123456789", "export KEY_[REDACTED]"),
        ("HF_TOKEN_hf_Qw7Er2Ty9Ui4Op6As1Df8Gh3Jk5LzXcVbN", "HF_TOKEN_[REDACTED]"),
        (
            r#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"}"#,
            r#"{"private_key": "-----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY-----\n"}"#,
        ),
    ];
    for (input, want) in cases {
        assert_eq!(redact_str(input), want, "input: {input}");
    }
    check_all_splits(
        "git remote add origin https://alice:Tr0ub4dor-and-3-horses@example.com/repo.git\n",
        "Tr0ub4dor-and-3-horses",
        &[],
    );
    check_all_splits("GITLAB_TOKEN=glpat-Xr4Tq9Lm2Vb7Nc1Zs8Kd\n", "glpat-Xr4Tq9Lm2Vb7Nc1Zs8Kd", &[]);
    check_all_splits("x MY_sk-proj-Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri y\n", KEY, &[]);
}

#[test]
fn prose_hosts_and_urls_without_passwords_are_left_alone() {
    let texts = [
        "Use a password manager; the key point is rotation.",
        "hf_ is a prefix, and so is hf_short; npm_ and glpat- too.",
        "See https://example.com/docs?page=2 and http://localhost:8080/x?a=b:c",
        "ssh alice@host.example and git@github.com:org/repo.git, mailto:bob@example.com",
        "scp ./build user@host:/srv/app && curl http://user@host/ (no password there)",
        "// TODO: fix@home later, and // see: docs@ for more",
        "http://[::1]:8080/health and ftp://ftp.example.com/pub",
        "A key file starts with -----BEGIN OPENSSH PRIVATE KEY----- and then base64.",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----\n",
        "MY_VARIABLE=some-value TASK_sk-short desk-proj-reservation-system-v2-final",
        "the task-admin-panel-configuration-files live in whisk-ant-colony-simulation-tests",
        "PRIVATE KEY----- is how the marker ends",
    ];
    for text in texts {
        assert_eq!(redact_str(text), text);
    }
}

/// What agents commonly print that looks a little like a credential and is not one, with and
/// without colours. Counted in the README ("false positives 0 of N").
const NOT_SECRETS: &[&str] = &[
    "Generating public/private ed25519 key pair with ssh-keygen -t ed25519 -C alice@example.com",
    "Your identification has been saved in /home/alice/.ssh/id_ed25519",
    "run `ssh-add ~/.ssh/id_ed25519`, then `ssh -T git@github.com`",
    "git clone git@gitlab.com:group/sub/project.git && git clone ssh://git@gitlab.com:2222/g/p.git",
    "npm install @scope/pkg@1.2.3 && npm_config_registry=https://registry.npmjs.org/ npm ci",
    "from huggingface_hub import hf_hub_download; export HF_HOME=~/.cache/huggingface",
    "DATABASE_URL=postgres://localhost:5432/app and redis://cache:6379/0",
    "url = f\"postgresql://{user}:{password}@{host}/{db}\"",
    "conn = \"mysql://%s:%s@%s/%s\" % (user, pw, host, db)",
    "export DSN=postgres://$DB_USER:$DB_PASSWORD@db/app",
    "https://<user>:<password>@host/path is the form; so is https://user:${TOKEN}@host",
    "Passwords must be at least 12 characters; the password field is required.",
    "The key point: rotate keys, never commit them; see the sk-learn docs.",
    "error: the `token` argument is required (see --help)",
    "Authorization uses the Bearer scheme, as RFC 6750 says.",
    "\x1b[32m✓\x1b[0m 42 tests passed \x1b[2m(ghp_ tokens are GitHub's)\x1b[0m",
    "\x1b[1mcommit\x1b[0m 3f786850e387550fdab836ed7e6dc881de23001b",
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "uuid 123e4567-e89b-12d3-a456-426614174000, AKIA is AWS's prefix",
    "-----BEGIN PGP SIGNATURE-----\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n",
];

#[test]
fn what_agents_commonly_print_is_left_alone() {
    let changed: Vec<String> = NOT_SECRETS
        .iter()
        .filter_map(|text| {
            let out = redact_str(text);
            (out != *text).then(|| format!("{text:?} became {out:?}"))
        })
        .collect();
    assert!(changed.is_empty(), "{} of {} changed:\n{}", changed.len(), NOT_SECRETS.len(), changed.join("\n"));
}

const OPENSSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\r\n\
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\r\n\
    QyNTUxOQAAACDq8Lx0Vh4Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZW\r\n\
    Vh4Wm1ZTkdRT3pBbU5ZeTNxmRqz/b0agAAAEBV7J2KcLq3Yx8nFpT0sWdR6uMz4HgAeI=\r\n\
    -----END OPENSSH PRIVATE KEY-----\r\n";

#[test]
fn a_private_key_block_is_masked_whole() {
    let want = "-----BEGIN OPENSSH PRIVATE KEY-----\r\n[REDACTED]\r\n-----END OPENSSH PRIVATE KEY-----\r\n";
    assert_eq!(redact_str(OPENSSH_KEY), want);
    assert_eq!(
        redact_str(&format!("$ cat ~/.ssh/id_ed25519\r\n{OPENSSH_KEY}$ ")),
        format!("$ cat ~/.ssh/id_ed25519\r\n{want}$ ")
    );

    let rsa = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n\
        \x1b[33mMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\x1b[0m\n\
        VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n";
    assert_eq!(
        redact_str(rsa),
        "-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\x1b[33m\x1b[0m\n-----END RSA PRIVATE KEY-----\n"
    );

    // Joined onto one line by `echo $(cat key)`.
    let joined = OPENSSH_KEY.replace("\r\n", " ");
    assert_eq!(
        redact_str(&joined),
        "-----BEGIN OPENSSH PRIVATE KEY----- [REDACTED] -----END OPENSSH PRIVATE KEY----- "
    );

    // Cut short (`head -3`): the lines shown are masked, the prompt after them is not.
    let head: String = OPENSSH_KEY.split_inclusive('\n').take(3).collect();
    assert_eq!(redact_str(&format!("{head}$ ls\r\n")), "-----BEGIN OPENSSH PRIVATE KEY-----\r\n[REDACTED]\r\n$ ls\r\n");
}

/// The OpenSSH key as tools show it with a prefix on each line.
fn prefixed_keys() -> Vec<(&'static str, String)> {
    let lines: Vec<&str> = OPENSSH_KEY.lines().map(|l| l.trim_end_matches('\r')).collect();
    let each =
        |f: &dyn Fn(usize, &str) -> String| -> String { lines.iter().enumerate().map(|(i, l)| f(i + 1, l)).collect() };
    vec![
        ("cat -n", each(&|n, l| format!("{n:>6}\t{l}\r\n"))),
        (
            "grep -rn -A9",
            each(&|n, l| {
                format!("keys/id-ed25519{}{n}{}{l}\r\n", if n == 1 { ':' } else { '-' }, if n == 1 { ':' } else { '-' })
            }),
        ),
        ("grep -r", each(&|_, l| format!("keys/id_ed25519:{l}\n"))),
        ("bat", each(&|n, l| format!("\x1b[38;5;238m{n:>4}\x1b[0m \x1b[38;5;238m│\x1b[0m \x1b[33m{l}\x1b[0m\r\n"))),
        ("git diff", each(&|_, l| format!("\x1b[32m+{l}\x1b[m\n"))),
    ]
}

#[test]
fn a_private_key_shown_with_line_prefixes_is_masked() {
    let body = OPENSSH_KEY.lines().nth(2).unwrap().trim_end_matches('\r');
    for (what, shown) in prefixed_keys() {
        let out = redact_str(&format!("$ show key\r\n{shown}$ "));
        assert!(!contains_piece_of(out.as_bytes(), body.as_bytes()), "{what}: {out}");
        assert!(!out.contains("b3BlbnNzaC1rZXkt") && !out.contains("Vh4Wm1ZTkdRT3pB"), "{what}: {out}");
        assert!(out.contains("[REDACTED]") && out.contains("PRIVATE KEY-----") && out.ends_with("$ "), "{what}: {out}");
    }
    assert_eq!(
        redact_str(&prefixed_keys()[0].1),
        "     1\t-----BEGIN OPENSSH PRIVATE KEY-----\r\n     2\t[REDACTED]\r\n     5\t-----END OPENSSH PRIVATE KEY-----\r\n"
    );
    // A line that does not carry the prefix ends the block: what follows stays.
    assert_eq!(
        redact_str("   1 │ -----BEGIN RSA PRIVATE KEY-----\n   2 │ MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nok then\n"),
        "   1 │ -----BEGIN RSA PRIVATE KEY-----\n   2 │ [REDACTED]\nok then\n"
    );
    // A prefix that the block's lines do not carry (an env file's `KEY="`) is no prefix.
    assert_eq!(
        redact_str("KEY=\"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\"\n"),
        "KEY=\"-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\"\n"
    );
}

#[test]
fn a_private_key_shown_with_line_prefixes_is_masked_at_every_split() {
    let body = "QyNTUxOQAAACDq8Lx0Vh4Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZW";
    for (_, shown) in prefixed_keys().into_iter().take(2) {
        check_all_splits(&shown, body, &[]);
    }
}

#[test]
fn a_private_key_block_is_masked_at_every_split() {
    let body = "QyNTUxOQAAACDq8Lx0Vh4Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZW";
    check_all_splits(OPENSSH_KEY, body, &[]);
}

#[test]
fn a_long_private_key_stays_one_mask_and_bounded() {
    let mut state = 0x2545f4914f6cdd1du64;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut key = String::from("-----BEGIN RSA PRIVATE KEY-----\n");
    let mut lines = Vec::new();
    for _ in 0..50 {
        let line: String = (0..64)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % 64) as usize] as char
            })
            .collect();
        key.push_str(&line);
        key.push('\n');
        lines.push(line);
    }
    key.push_str("-----END RSA PRIVATE KEY-----\n");
    let want = "-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\n";
    for chunk in [1, 7, 100, 4096] {
        let mut r = Redactor::new(&[]);
        let mut out = Vec::new();
        for piece in key.as_bytes().chunks(chunk) {
            out.extend(r.push(piece));
            out.extend(r.flush_idle());
            assert!(r.held_len() <= HOLD_CAP);
        }
        out.extend(r.finish());
        assert_eq!(String::from_utf8_lossy(&out), want, "chunks of {chunk}");
    }
}

// --- User patterns across a pause -----------------------------------------------------------

#[test]
fn a_user_pattern_split_by_a_pause_is_held_until_it_can_be_told() {
    let extra = [Regex::new(r"hunter[0-9]+").unwrap(), Regex::new(r"my pin is ([0-9]{4,})").unwrap()];
    let mut r = Redactor::new(&extra);
    assert_eq!(r.push(b"pw hunter"), b"pw ".to_vec());
    assert_eq!(r.flush_idle(), b"".to_vec());
    assert_eq!(r.push(b"42 ok\n"), b"[REDACTED] ok\n".to_vec());
    assert_eq!(r.push(b"my pin is "), b"".to_vec());
    assert_eq!(r.flush_idle(), b"".to_vec());
    assert_eq!(r.push(b"987654 ok\n"), b"my pin is [REDACTED] ok\n".to_vec());
    // Text that no pattern could grow from is still flushed when the pipe goes quiet.
    assert_eq!(r.push(b"Continue? (y/n)"), b"Continue? ".to_vec());
    assert_eq!(r.flush_idle(), b"(y/n)".to_vec());
    assert_eq!(r.push(b"my pin is not set"), b"my pin is not ".to_vec());
    assert_eq!(r.flush_idle(), b"set".to_vec());

    check_all_splits("pw hunter42 ok\n", "hunter42", &extra);
    check_all_splits("then my pin is 987654 ok\n", "987654", &extra);
}

// --- Bounded memory ----------------------------------------------------------------------

#[test]
fn held_bytes_stay_bounded_whatever_the_sequences() {
    let mut colourful_key = String::from("x sk-proj-");
    for i in 0..3000 {
        colourful_key.push(char::from(b'a' + (i % 26) as u8));
        if i % 5 == 4 {
            colourful_key.push_str("\x1b[3");
            colourful_key.push(char::from(b'0' + (i % 8) as u8));
            colourful_key.push('m');
        }
    }
    colourful_key.push_str(" tail\n");
    let inputs: Vec<Vec<u8>> = vec![
        [b"\x1b]0;".to_vec(), vec![b'a'; 200_000]].concat(),
        [b"\x1b[".to_vec(), b"1;".repeat(100_000)].concat(),
        [b"sk-proj-".to_vec(), vec![0x08; 100_000]].concat(),
        b"\x1b[5C\x1b[5D".repeat(50_000),
        [b"-----BEGIN RSA PRIVATE KEY-----\n".to_vec(), vec![b'A'; 200_000]].concat(),
        [b"-----BEGIN RSA PRIVATE KEY-----\n".to_vec(), b"QUJD\n".repeat(50_000)].concat(),
        colourful_key.clone().into_bytes(),
    ];
    for input in &inputs {
        let mut r = Redactor::new(&[]);
        let mut out = Vec::new();
        for chunk in input.chunks(4096) {
            out.extend(r.push(chunk));
            assert!(r.held_len() <= HOLD_CAP, "held {}", r.held_len());
        }
        out.extend(r.finish());
        if input == colourful_key.as_bytes() {
            let seen = strip_sequences(&out);
            assert!(
                seen.starts_with(b"x [REDACTED]") && seen.ends_with(b" tail\n"),
                "{}",
                String::from_utf8_lossy(&seen)
            );
            assert!(!seen.windows(5).any(|w| w == b"abcde"), "{}", String::from_utf8_lossy(&seen));
        }
    }
}

/// `bytes` without CSI sequences: roughly what a person sees.
fn strip_sequences(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !(0x40..0x7f).contains(&bytes[i]) {
                i += 1;
            }
        } else {
            out.push(bytes[i]);
        }
        i += 1;
    }
    out
}

// --- Text stored outside the log ------------------------------------------------------------

#[test]
fn redact_text_masks_what_is_stored_outside_the_log() {
    let extra = [Regex::new(r"internal-[0-9a-f]{8}").unwrap()];
    assert_eq!(
        redact_text(&format!("Done. I used {KEY} and https://bot:hunter2@git.example.com/x.git"), &[]),
        "Done. I used [REDACTED] and https://bot:[REDACTED]@git.example.com/x.git"
    );
    assert_eq!(redact_text("token internal-deadbeef in the note", &extra), "token [REDACTED] in the note");
    assert_eq!(redact_text(&format!("\x1b[31msk-pro\x1b[0mj-{B1}{B2}"), &[]), "\x1b[31m[REDACTED]\x1b[0m");
    assert_eq!(redact_text("ends with a key: sk-proj-abcdefghijklmnopqrstuvwxyz", &[]), "ends with a key: [REDACTED]");
    assert_eq!(
        redact_text(&format!("# STATUS\n\nFound a key:\n\n{OPENSSH_KEY}\nNothing else.\n"), &[]),
        "# STATUS\n\nFound a key:\n\n-----BEGIN OPENSSH PRIVATE KEY-----\r\n[REDACTED]\r\n-----END OPENSSH PRIVATE KEY-----\r\n\nNothing else.\n"
    );
    let plain = "# PLAN\n\n- [x] read the code\n- [ ] write the tests\n";
    assert_eq!(redact_text(plain, &extra), plain);
}

// --- Secrets inside escape sequences ----------------------------------------------------------

#[test]
fn a_key_inside_a_title_or_a_hyperlink_is_masked_and_the_sequence_still_ends() {
    let cases = [
        (format!("\x1b]0;deploy {KEY}\x07done\r\n"), "\x1b]0;deploy [REDACTED]\x07done\r\n"),
        (format!("\x1b]2;{KEY}\x1b\\done\r\n"), "\x1b]2;[REDACTED]\x1b\\done\r\n"),
        (
            format!("\x1b]8;;https://x.example/?token={KEY}\x1b\\link\x1b]8;;\x1b\\\r\n"),
            "\x1b]8;;https://x.example/?token=[REDACTED]\x1b\\link\x1b]8;;\x1b\\\r\n",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(redact_str(&input), want, "{input:?}");
        check_all_splits(&input, KEY, &[]);
    }
}

#[test]
fn a_title_that_never_ends_is_read_in_bounded_memory_and_what_follows_it_is_seen() {
    // Longer than the parser is let buffer: it is started afresh inside the string, and the
    // string's end is still found.
    let input = format!("\x1b]0;{}\x07key sk-pro\x1b[0mj-{B1}{B2} end\r\n", "t".repeat(100_000));
    let mut r = Redactor::new(&[]);
    let mut out = Vec::new();
    for chunk in input.as_bytes().chunks(4096) {
        out.extend(r.push(chunk));
    }
    out.extend(r.finish());
    assert!(
        out.ends_with(b"\x07key [REDACTED]\x1b[0m end\r\n"),
        "{:?}",
        String::from_utf8_lossy(&out[out.len() - 40..])
    );
}

#[test]
fn a_user_pattern_over_a_line_break_or_drawn_in_colour_is_held_through_a_pause() {
    let extra = [Regex::new(r"password:\s*\n\s*(\S+)").unwrap()];
    check_all_splits("login: bob\r\npassword:\r\n  hunter2-xyz\r\nwelcome\r\n", "hunter2-xyz", &extra);
    assert_eq!(redact_whole(b"password:\r\n  hunter2-xyz\r\n", &extra), b"password:\r\n  [REDACTED]\r\n".to_vec());
    let extra = [Regex::new(r"pin is [0-9]+").unwrap()];
    check_all_splits("my pin \x1b[1mis 987654\x1b[0m ok\r\n", "987654", &extra);
    // Lines no pattern could grow from are still released at once.
    let extra = [Regex::new(r"password:\s*\n\s*(\S+)").unwrap()];
    let mut r = Redactor::new(&extra);
    assert_eq!(r.push(b"ok\r\nnext line"), b"ok\r\nnext ".to_vec());
    assert_eq!(r.push(b"\r\npassword:\r\n"), b"line\r\n".to_vec());
    assert_eq!(r.flush_idle(), b"".to_vec());
}

// --- Kinds after gitleaks' rule set ------------------------------------------------------------

const PYPI: &str = "pypi-AgEIcHlwaS5vcmcCJGI3ZTE1NmQzLTlmNTgtNDNiZi1hYzBmLTEwMjQ0ZWRiZjZmZQACKlsz";
const YA29: &str = "ya29.a0AfB_byC7Qx9Lr2Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri";
const SENDGRID: &str = "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";
const SLACK_HOOK: &str = "T0123ABCD/B0456EFGH/q7W2er9Ty4Ui6Op1As8Df3Gh";
const XAPP: &str = "xapp-1-A0123ABCDEF-1234567890123-0a1b2c3d4e5f6a7b8c9d";
const GLRT: &str = "glrt-Xr4Tq9Lm2Vb7Nc1Zs8Kd";
const GLDT: &str = "gldt-Yb3Wq8Lk2Vc7Nd1Zs9Jh";
const GLPTT: &str = "glptt-0123456789abcdef0123456789abcdef01234567";
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BASIC: &str = "YWxpY2U6aHVudGVyMi1Ucm91YmFkb3I=";

#[test]
fn the_kinds_after_gitleaks_are_masked() {
    let cases = [
        (format!("TWINE_PASSWORD={PYPI}\n"), "TWINE_PASSWORD=[REDACTED]\n".to_string()),
        (format!("access_token: {YA29} (expires 3599)"), "access_token: [REDACTED] (expires 3599)".into()),
        (format!("SENDGRID_API_KEY='{SENDGRID}'"), "SENDGRID_API_KEY='[REDACTED]'".into()),
        (
            format!("curl -X POST https://hooks.slack.com/services/{SLACK_HOOK} -d @msg.json"),
            "curl -X POST https://hooks.slack.com/services/[REDACTED] -d @msg.json".into(),
        ),
        (format!("SLACK_APP_TOKEN={XAPP}"), "SLACK_APP_TOKEN=[REDACTED]".into()),
        (format!("runner token {GLRT}, deploy {GLDT}"), "runner token [REDACTED], deploy [REDACTED]".into()),
        (format!("trigger={GLPTT} ok"), "trigger=[REDACTED] ok".into()),
        (format!("STRIPE_WEBHOOK_SECRET={WHSEC}"), "STRIPE_WEBHOOK_SECRET=[REDACTED]".into()),
        (format!("> Authorization: Basic {BASIC}\r\n"), "> Authorization: Basic [REDACTED]\r\n".into()),
        (format!(r#"{{"Authorization": "Basic {BASIC}"}}"#), r#"{"Authorization": "Basic [REDACTED]"}"#.into()),
        ("DO=dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(), "DO=[REDACTED]".into()),
        ("AGE-SECRET-KEY-1QQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZRY9X8GF2TVDW0S3JN54KHC".into(), "[REDACTED]".into()),
    ];
    for (input, want) in cases {
        assert_eq!(redact_str(&input), want, "input: {input}");
    }
}

#[test]
fn the_kinds_after_gitleaks_are_masked_at_every_split() {
    check_all_splits(&format!("export TWINE_PASSWORD={PYPI}\n"), PYPI, &[]);
    check_all_splits(&format!("token {YA29} end\n"), YA29, &[]);
    check_all_splits(&format!("key={SENDGRID}\n"), SENDGRID, &[]);
    check_all_splits(&format!("https://hooks.slack.com/services/{SLACK_HOOK}\n"), SLACK_HOOK, &[]);
    check_all_splits(&format!("{GLRT} {GLPTT}\n"), GLPTT, &[]);
    check_all_splits(&format!("{WHSEC}\n"), WHSEC, &[]);
    check_all_splits(&format!("Authorization: Basic {BASIC}\r\n"), BASIC, &[]);
    check_all_splits(&format!("\x1b[1mx\x1b[0map\x1b[0mp-{}\n", &XAPP[5..]), &XAPP[5..], &[]);
}

#[test]
fn prose_that_looks_like_the_new_kinds_is_left_alone() {
    let texts = [
        "See SG.1 and SG.2 in the appendix; MSG.length and SG. are not keys.",
        "The ya29 prefix marks a Google OAuth access token; ya29.short is not one.",
        "pip install pypi-simple; upload to pypi-test with twine",
        "Basic usage: run it. Basic authentication is described in RFC 7617.",
        "Authorization: Basic $CREDENTIALS and Authorization: Basic <base64>",
        "https://hooks.slack.com/services/ is where webhooks live",
        "glrt- tokens belong to runners; the whsec_ prefix is Stripe's",
        "xapp-1 is the prefix of a Slack app token",
    ];
    for text in texts {
        assert_eq!(redact_str(text), text);
    }
}

//! Masks secrets (API keys, tokens) in an agent's terminal output before the log sink writes it.
//! Output arrives from a pipe in arbitrary chunks, so a [`Redactor`] holds back the few trailing
//! bytes that could be the start of a secret finishing in the next chunk, never more than 1 KiB.

use regex::bytes::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// What a secret is replaced with.
pub const MASK: &str = "[REDACTED]";

/// Most bytes a [`Redactor`] ever holds back, whatever the input.
pub const HOLD_CAP: usize = 1024;

/// The built-in patterns. `(?-u)` keeps `\b` and classes ASCII-only: the input is arbitrary
/// bytes, and an ASCII `\b` lets the fast DFA engines run. A pattern with a capture group masks
/// only the group (so `Bearer` stays readable); otherwise the whole match is masked.
/// None of them can match a newline, which the holding rule relies on.
const BUILTIN_SOURCES: &[&str] = &[
    // OpenAI project / service-account / admin keys and Anthropic keys (`sk-ant-api03-…`).
    r"(?-u)\bsk-(?:proj|svcacct|admin|ant|None)-[A-Za-z0-9_-]{20,}",
    // Legacy OpenAI keys: plain alphanumerics only, so `sk-some-hyphenated-words` is left alone.
    r"(?-u)\bsk-[A-Za-z0-9]{20,}",
    // Stripe-style secret and restricted keys.
    r"(?-u)\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}",
    // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens.
    r"(?-u)\bgh[pousr]_[A-Za-z0-9]{36}",
    // GitHub fine-grained personal access tokens.
    r"(?-u)\bgithub_pat_[A-Za-z0-9_]{22,}",
    // AWS access key ids (long-term and temporary).
    r"(?-u)\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
    // AWS secret keys only in context: `aws_secret_access_key = …`, `"SecretAccessKey": "…"`.
    r#"(?-u)(?i)secret_?access_?key["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9/+=]{20,})"#,
    // Slack bot, user, app, refresh and legacy tokens.
    r"(?-u)\bxox[abposr]-[A-Za-z0-9-]{10,}",
    // Google API keys.
    r"(?-u)\bAIza[A-Za-z0-9_-]{35}",
    // Bearer tokens (RFC 6750 token68 characters), also inside `Authorization: Bearer …`.
    r"(?-u)\b[Bb]earer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)",
    // JSON Web Tokens: base64url header and payload that both start with `{"`.
    r"(?-u)\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*",
];

/// How built-in secrets (or the context a built-in pattern needs) begin; an idle flush keeps
/// held bytes that start like one of these. The flag says whether case is ignored.
const SECRET_PREFIXES: &[(&[u8], bool)] = &[
    (b"sk-", false),
    (b"sk_", false),
    (b"rk_", false),
    (b"ghp_", false),
    (b"gho_", false),
    (b"ghu_", false),
    (b"ghs_", false),
    (b"ghr_", false),
    (b"github_pat_", false),
    (b"AKIA", false),
    (b"ASIA", false),
    (b"xox", false),
    (b"AIza", false),
    (b"Bearer", true),
    (b"eyJ", false),
    (b"secret_access_key", true),
    (b"secretaccesskey", true),
];

/// Words after which a secret value may follow a space (`Bearer TOKEN`, `token TOKEN`,
/// `aws_secret_access_key = KEY`); words ending in `:` or `=` count too. Matched
/// case-insensitively at the end of a word, ignoring closing quotes.
const VALUE_KEYWORDS: &[&[u8]] = &[
    b"bearer",
    b"token",
    b"secret_access_key",
    b"secretaccesskey",
];

/// How many keyword steps the hold may extend backwards (`Authorization: Bearer …` needs two).
const MAX_KEYWORD_STEPS: usize = 4;

/// The built-in patterns, compiled once. A clone of a `Regex` gets its own cache pool, so
/// redactors share these instead of cloning them.
fn builtins() -> &'static [Regex] {
    static COMPILED: OnceLock<Vec<Regex>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        BUILTIN_SOURCES
            .iter()
            .map(|source| Regex::new(source).expect("built-in redaction pattern compiles"))
            .collect()
    })
}

/// The built-in patterns (see the list above for what each catches).
pub fn builtin_patterns() -> Vec<Regex> {
    builtins().to_vec()
}

/// Redacts a stream of output chunks. Feed it with [`push`](Redactor::push), call
/// [`flush_idle`](Redactor::flush_idle) when the pipe has been quiet for a while and
/// [`finish`](Redactor::finish) at end of input; write whatever each returns.
pub struct Redactor {
    builtin: &'static [Regex],
    extra: Vec<Regex>,
    /// Tail of the input not yet released: it may be the start of a secret.
    held: Vec<u8>,
    /// A secret longer than [`HOLD_CAP`] was masked while still being written: drop the rest of
    /// it (up to the next whitespace) instead of releasing its tail in clear.
    swallowing: bool,
}

/// The matches of every pattern over one buffer.
struct Found {
    /// Whole matches: a cut inside one would split it.
    matches: Vec<Range<usize>>,
    /// What to replace with [`MASK`], sorted and merged.
    masks: Vec<Range<usize>>,
}

impl Redactor {
    /// Built-in patterns plus the user's extra regexes (already validated by config).
    pub fn new(extra: &[Regex]) -> Redactor {
        Redactor {
            builtin: builtins(),
            extra: extra.to_vec(),
            held: Vec::new(),
            swallowing: false,
        }
    }

    /// Feed a chunk; returns the bytes that are now safe to write, redacted. Bytes that may be
    /// the start of a secret continuing in the next chunk are held back.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut chunk = chunk;
        if self.swallowing {
            match chunk.iter().position(|&b| is_space(b)) {
                Some(end) => {
                    self.swallowing = false;
                    chunk = &chunk[end..];
                }
                None => return Vec::new(),
            }
        }
        let mut buf = std::mem::take(&mut self.held);
        buf.extend_from_slice(chunk);
        let found = self.scan(&buf);
        let (cut, swallow) = choose_cut(&buf, &found.matches);
        self.swallowing = swallow;
        let released = apply_masks(&buf[..cut], &found.masks);
        buf.drain(..cut);
        self.held = buf;
        released
    }

    /// Called when no input arrived for a while: release the held bytes, redacted, so a prompt
    /// such as `Password:` or `Continue? (y/n)` reaches the log promptly — unless they start
    /// like a built-in secret, which stay held until the next `push` or `finish`.
    ///
    /// Limitation: a secret matched only by a user pattern, split across two reads with an idle
    /// gap between them, is released here in two pieces that neither match on their own.
    pub fn flush_idle(&mut self) -> Vec<u8> {
        if self.held.is_empty() || starts_like_secret(&self.held) {
            return Vec::new();
        }
        self.finish()
    }

    /// End of input: release everything held, redacted.
    pub fn finish(&mut self) -> Vec<u8> {
        let buf = std::mem::take(&mut self.held);
        self.swallowing = false;
        let found = self.scan(&buf);
        apply_masks(&buf, &found.masks)
    }

    /// How many bytes are held back, never more than [`HOLD_CAP`].
    pub fn held_len(&self) -> usize {
        self.held.len()
    }

    fn scan(&self, buf: &[u8]) -> Found {
        let mut matches = Vec::new();
        let mut masks = Vec::new();
        for re in self.builtin.iter().chain(&self.extra) {
            if re.captures_len() > 1 {
                for caps in re.captures_iter(buf) {
                    let whole = caps.get(0).expect("group 0 always matches");
                    let secret = caps.get(1).unwrap_or(whole);
                    if !whole.is_empty() {
                        matches.push(whole.range());
                    }
                    if !secret.is_empty() {
                        masks.push(secret.range());
                    }
                }
            } else {
                for m in re.find_iter(buf) {
                    if !m.is_empty() {
                        matches.push(m.range());
                        masks.push(m.range());
                    }
                }
            }
        }
        Found {
            matches,
            masks: merge(masks),
        }
    }
}

/// Where to split `buf` into a released prefix and a held suffix, and whether the prefix ends
/// inside a secret still being written (see [`Redactor::swallowing`]).
fn choose_cut(buf: &[u8], matches: &[Range<usize>]) -> (usize, bool) {
    let len = buf.len();
    let mut cut = hold_start(buf);
    // A match straddling the cut would be released half in clear: hold all of it.
    while let Some(start) = matches
        .iter()
        .filter(|m| m.start < cut && cut < m.end)
        .map(|m| m.start)
        .min()
    {
        cut = start;
    }
    if len - cut <= HOLD_CAP {
        return (cut, false);
    }
    // Too much to hold. Release all but the last HOLD_CAP bytes, moving the cut forward past
    // any match it would split so that match is masked whole now.
    cut = len - HOLD_CAP;
    let mut through_secret = false;
    while let Some(end) = matches
        .iter()
        .filter(|m| m.start < cut && cut < m.end)
        .map(|m| m.end)
        .max()
    {
        cut = end;
        through_secret = true;
    }
    (cut, through_secret && cut == len)
}

/// Start of the suffix of `buf` that could still be part of a secret being written: the
/// trailing run of non-whitespace bytes, plus preceding keywords that introduce a value
/// (`Bearer `, `token `, `key: `, `key = `) with their spacing. A secret never contains a
/// newline, so the hold never reaches before the last one.
fn hold_start(buf: &[u8]) -> usize {
    let line_start = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let word_start = |end: usize| {
        let mut start = end;
        while start > line_start && !is_space(buf[start - 1]) {
            start -= 1;
        }
        start
    };
    let skip_spacing = |end: usize| {
        let mut start = end;
        while start > line_start && matches!(buf[start - 1], b' ' | b'\t') {
            start -= 1;
        }
        start
    };
    let mut start = word_start(buf.len());
    for _ in 0..MAX_KEYWORD_STEPS {
        let gap = skip_spacing(start);
        if gap == start {
            // At the line start, or after whitespace that does not separate key and value.
            break;
        }
        let word = word_start(gap);
        let keyword = &buf[word..gap];
        if !introduces_value(keyword) {
            break;
        }
        start = word;
        if keyword.iter().all(|&b| b == b':' || b == b'=') {
            // A bare separator (`key = value`): the key before it belongs to the context.
            start = word_start(skip_spacing(word));
        }
    }
    start
}

fn introduces_value(word: &[u8]) -> bool {
    // `"SecretAccessKey": …` — look through closing quotes.
    let word = match word.iter().rposition(|&b| b != b'"' && b != b'\'') {
        Some(last) => &word[..=last],
        None => return false,
    };
    match word.last() {
        None => false,
        Some(b':' | b'=') => true,
        Some(_) => VALUE_KEYWORDS.iter().any(|keyword| {
            word.len() >= keyword.len()
                && word[word.len() - keyword.len()..].eq_ignore_ascii_case(keyword)
        }),
    }
}

/// Whether `held` contains, at a word boundary, the beginning of a built-in secret: a prefix
/// such as `sk-` followed by anything, or an unfinished prefix such as `gh` at its very end.
fn starts_like_secret(held: &[u8]) -> bool {
    (0..held.len())
        .filter(|&i| i == 0 || !held[i - 1].is_ascii_alphanumeric())
        .any(|i| {
            let rest = &held[i..];
            SECRET_PREFIXES.iter().any(|&(prefix, ignore_case)| {
                let n = rest.len().min(prefix.len());
                if ignore_case {
                    rest[..n].eq_ignore_ascii_case(&prefix[..n])
                } else {
                    rest[..n] == prefix[..n]
                }
            })
        })
}

/// Whitespace as a terminal prints it; a secret never contains any.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Sort ranges and merge those that overlap or touch, so adjacent secrets get one mask.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Copy `data` with every mask range (clipped to `data`) replaced by [`MASK`].
fn apply_masks(data: &[u8], masks: &[Range<usize>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut pos = 0;
    for m in masks {
        if m.start >= data.len() {
            break;
        }
        out.extend_from_slice(&data[pos..m.start]);
        out.extend_from_slice(MASK.as_bytes());
        pos = m.end.min(data.len());
    }
    out.extend_from_slice(&data[pos..]);
    out
}

#[cfg(test)]
mod tests {
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
            (
                "key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789_-AB end",
                "key [REDACTED] end",
            ),
            (
                "key sk-svcacct-Abcdefghijklmnopqrstuvwxyz012345 end",
                "key [REDACTED] end",
            ),
            (
                "OPENAI_API_KEY=sk-T3BlbkFJabcdefghijklmnopqrstuvwxyz0123456789ABCD",
                "OPENAI_API_KEY=[REDACTED]",
            ),
            (
                "ANTHROPIC_API_KEY=sk-ant-api03-abcdefghijklmnopqrstuvwxyz-0123456789_ABCDEF\n",
                "ANTHROPIC_API_KEY=[REDACTED]\n",
            ),
            (
                "STRIPE=sk_live_abcdefghijklmnop0123",
                "STRIPE=[REDACTED]",
            ),
            (
                "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok",
                "token [REDACTED] ok",
            ),
            (
                "gho_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ghs_abcdefghijklmnopqrstuvwxyz0123456789",
                "[REDACTED] [REDACTED]",
            ),
            (
                "ghu_abcdefghijklmnopqrstuvwxyz0123456789/ghr_abcdefghijklmnopqrstuvwxyz0123456789",
                "[REDACTED]/[REDACTED]",
            ),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW x",
                "[REDACTED] x",
            ),
            ("id=AKIAIOSFODNN7EXAMPLE,", "id=[REDACTED],"),
            ("ASIAY34FZKBOKMUTVV7A", "[REDACTED]"),
            (
                "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "aws_secret_access_key = [REDACTED]",
            ),
            (
                r#""SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","#,
                r#""SecretAccessKey": "[REDACTED]","#,
            ),
            (
                "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "AWS_SECRET_ACCESS_KEY=[REDACTED]",
            ),
            (
                "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx!",
                "slack [REDACTED]!",
            ),
            (
                "key=AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
                "key=[REDACTED]",
            ),
            (
                "curl -H 'Authorization: Bearer abcDEF0123456789ghiJKL' https://x",
                "curl -H 'Authorization: Bearer [REDACTED]' https://x",
            ),
            (
                "authorization: bearer dGhpcyBpcyBhIHRva2Vu==\n",
                "authorization: bearer [REDACTED]\n",
            ),
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
        assert_eq!(
            redact_whole(input, &[]),
            b"\x1b[31mred\x1b[0m \xff\xfe [REDACTED]\r\n".to_vec()
        );
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
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&whole),
                "split at {cut}"
            );
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
        // Byte by byte, with an idle flush after each byte: held secrets survive idle flushes.
        let mut r = Redactor::new(extra);
        let mut out = Vec::new();
        for &b in line {
            out.extend(r.push(&[b]));
            if extra.is_empty() {
                out.extend(r.flush_idle());
            }
        }
        out.extend(r.finish());
        assert!(!contains_piece_of(&out, secret.as_bytes()), "{out:?}");
    }

    fn contains_piece_of(haystack: &[u8], secret: &[u8]) -> bool {
        secret
            .windows(8)
            .any(|piece| haystack.windows(8).any(|w| w == piece))
    }

    #[test]
    fn a_secret_split_across_reads_is_masked() {
        let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
        check_all_splits(&format!("export OPENAI_API_KEY={key} done\n"), key, &[]);
        let token = "abcDEF0123456789ghiJKL.xyz";
        check_all_splits(
            &format!("> GET / HTTP/1.1\r\n> Authorization: Bearer {token}\r\n> Accept: */*\r\n"),
            token,
            &[],
        );
        let secret = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        check_all_splits(&format!("[default]\n{secret}\n"), &secret[24..], &[]);
    }

    #[test]
    fn a_user_pattern_split_across_reads_is_masked() {
        let extra = [Regex::new(r"password=\S+").unwrap()];
        let line = "login user=bob password=hunter2-Secret-Value ok\n";
        check_all_splits(line, "password=hunter2-Secret-Value", &extra);
        assert_eq!(
            redact_whole(line.as_bytes(), &extra),
            b"login user=bob [REDACTED] ok\n".to_vec()
        );
        let extra = [Regex::new(r"(?i)passphrase: (\S+)").unwrap()];
        check_all_splits(
            "unlocking with Passphrase: correct-horse-battery\n",
            "correct-horse-battery",
            &extra,
        );
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
}

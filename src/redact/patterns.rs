//! The built-in secret patterns, and the patterns that say how a secret begins (what the hold
//! keeps back while it may still grow). Each built-in kind has a pattern to find it whole and a
//! pattern to recognise its start; `tests.rs` checks both on every kind, and prose against them.

use regex::bytes::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// The built-in patterns. `(?-u)` keeps `\b` and classes ASCII-only: the input is arbitrary
/// bytes, and an ASCII `\b` lets the fast DFA engines run. A pattern with a capture group masks
/// only the group (so `Bearer` stays readable); otherwise the whole match is masked.
/// None of them can match a newline, which the holding rule relies on (private keys printed
/// over several lines are found by [`super::pem::Pem`] instead).
///
/// A key may be glued to an upper-case name, digits or `_` (`MY_sk-proj-…`), but not to a
/// lower-case word (`desk-proj-reservation-…` is prose): the character before it is matched,
/// and left alone, by `(?:\b|[A-Z0-9_])`.
pub(super) const BUILTIN_SOURCES: &[&str] = &[
    // OpenAI project / service-account / admin keys and Anthropic keys (`sk-ant-api03-…`).
    r"(?-u)(?:\b|[A-Z0-9_])(sk-(?:proj|svcacct|admin|ant|None)-[A-Za-z0-9_-]{20,})",
    // Legacy OpenAI keys: plain alphanumerics only, so `sk-some-hyphenated-words` is left alone.
    r"(?-u)(?:\b|[A-Z0-9_])(sk-[A-Za-z0-9]{20,})",
    // Stripe-style secret and restricted keys, glued to anything (the prefix is distinctive,
    // and a boundary in front would cost this pattern its fast literal search).
    r"(?-u)[rs]k_(?:live|test)_[A-Za-z0-9]{16,}",
    // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens. One pattern
    // per prefix: with `gh[pousr]_` and the glue in front, the literals to look for are too
    // many and the search runs 20 times slower.
    r"(?-u)(?:\b|[A-Z0-9_])(ghp_[A-Za-z0-9]{36})",
    r"(?-u)(?:\b|[A-Z0-9_])(gho_[A-Za-z0-9]{36})",
    r"(?-u)(?:\b|[A-Z0-9_])(ghu_[A-Za-z0-9]{36})",
    r"(?-u)(?:\b|[A-Z0-9_])(ghs_[A-Za-z0-9]{36})",
    r"(?-u)(?:\b|[A-Z0-9_])(ghr_[A-Za-z0-9]{36})",
    // GitHub fine-grained personal access tokens.
    r"(?-u)(?:\b|[A-Z0-9_])(github_pat_[A-Za-z0-9_]{22,})",
    // GitLab personal, project and group access tokens.
    r"(?-u)(?:\b|[A-Z0-9_])(glpat-[A-Za-z0-9_-]{20,})",
    // npm access tokens. Short prefixes glue only to upper case or `_`: `2004h` + `f_…` is
    // the tail of an escape sequence, not a Hugging Face token.
    r"(?-u)(?:\b|[A-Z_])(npm_[A-Za-z0-9]{36})",
    // Hugging Face tokens.
    r"(?-u)(?:\b|[A-Z_])(hf_[A-Za-z0-9]{30,})",
    // AWS access key ids (long-term and temporary).
    r"(?-u)(?:\b|_)((?:AKIA|ASIA)[A-Z0-9]{16})\b",
    // AWS secret keys only in context: `aws_secret_access_key = …`, `"SecretAccessKey": "…"`.
    r#"(?-u)(?i)secret_?access_?key["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9/+=]{20,})"#,
    // Slack bot, user, app, refresh and legacy tokens.
    r"(?-u)(?:\b|[A-Z0-9_])(xox[abposr]-[A-Za-z0-9-]{10,})",
    // Google API keys.
    r"(?-u)(?:\b|[A-Z0-9_])(AIza[A-Za-z0-9_-]{35})",
    // Kinds whose prefix alone says what they are, after gitleaks' rule set (README.md lists
    // them): PyPI upload tokens, Google OAuth access tokens, SendGrid keys, Slack app tokens,
    // GitLab's runner, deploy, pipeline-trigger and other tokens, webhook signing secrets
    // (Stripe, Svix), DigitalOcean, Shopify, Pulumi, RubyGems, Linear, Perplexity, Vault,
    // Postman, Sentry, Grafana, age, Databricks, Notion, Heroku, PlanetScale, Hugging Face
    // organisation and Doppler tokens. Few patterns, so few searches find all their prefixes;
    // glued only at a word boundary (a class of glue characters in front of this many
    // prefixes would cost the search its literals). The regex engine looks for an
    // alternation's prefixes by their first bytes: prefixes that begin like common words
    // (`lin`e, `api`, a`ppl`y, a`dap`ter, `pul`l, `rub`, `do`, `glo`bal) have patterns of
    // their own, or prose is searched at a third of the speed (`redact::bench`).
    concat!(
        r"(?-u)\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}|ya29\.[A-Za-z0-9_-]{30,}",
        r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|xapp-[0-9]-[A-Za-z0-9-]{10,}",
        r"|gl(?:rt|dt|ptt|ft|soat|ffct|cbt)-[A-Za-z0-9_-]{20,}|whsec_[A-Za-z0-9+/=]{24,}",
        r"|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
        r"|hv[sb]\.[A-Za-z0-9_-]{90,}|PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        r"|sntry[us]_[A-Za-z0-9+/=_]{40,}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}=*",
        r"|AGE-SECRET-KEY-1[0-9A-Z]{58}|ntn_[0-9]{11}[A-Za-z0-9]{35}|HRKU-AA[A-Za-z0-9_-]{58}",
        r"|pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_.=-]{32,}|dp\.pt\.[A-Za-z0-9]{43})",
    ),
    r"(?-u)\b((?:lin_api_[A-Za-z0-9]{40}|api_org_[A-Za-z]{34}|pplx-[A-Za-z0-9]{48}|dapi[a-f0-9]{32}))",
    r"(?-u)\b((?:pul-[a-f0-9]{40}|rubygems_[a-f0-9]{48}|do[opr]_v1_[a-f0-9]{64}))",
    r"(?-u)\b(gl(?:agent|oas|imt)-[A-Za-z0-9_-]{20,})",
    // Slack incoming webhooks and workflow triggers: the path after the host is the secret.
    r"(?-u)hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/_-]{20,})",
    // HTTP Basic credentials (base64 of `user:password`), only after `Authorization:` (or
    // `"Authorization": "`): `Basic` alone starts too many sentences.
    r#"(?-u)[Aa]uthorization["']?[ \t]*[:=][ \t]*["']?(?:[Bb]asic|BASIC)[ \t]+([A-Za-z0-9+/]{8,}={0,2})"#,
    // Bearer tokens (RFC 6750 token68 characters), also inside `Authorization: Bearer …`.
    r"(?-u)\b[Bb]earer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)",
    // JSON Web Tokens: base64url header and payload that both start with `{"`.
    r"(?-u)(?:\b|_)(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*)",
    // Passwords in URLs (`https://alice:PASSWORD@host`, `postgres://u:PASSWORD@db`): only the
    // password. The scheme is not needed: `//user:pass@` says enough, and the hold then
    // starts at `//` rather than at every word followed by a colon. (A `/` released alone
    // leaves `/user:pass@` at the start of what is held: the second pattern, anchored there,
    // takes it; as one pattern, `(?:^|/)/` would cost the search its literal.) A password that
    // starts like a placeholder (`$PW`, `${PW}`, `{password}`, `<password>`, `%s`, `***`) is
    // code or documentation, not a secret; `%` followed by two hex digits is an escaped byte.
    r"(?-u)//[^\s/?#@:]*:((?:[^\s/?#@$<{%*]|%[0-9A-Fa-f]{2})[^\s/?#@]*)@",
    r"(?-u)\A/[^\s/?#@:]*:((?:[^\s/?#@$<{%*]|%[0-9A-Fa-f]{2})[^\s/?#@]*)@",
    // A private key printed on one line with `\n` escapes (JSON strings, env files); over
    // several lines, [`Pem`] finds it.
    r"(?-u)\bPRIVATE KEY(?: BLOCK)?-----((?:\\[rn]|[A-Za-z0-9+/=]){20,})",
];

/// How built-in secrets (or the context a built-in pattern needs) begin and go on. A tail of
/// held text that could still grow into a match of one of these (or of a user's pattern) is
/// held back, even across an idle flush. Each allows any continuation a secret could have, so
/// "not dead yet" means "could still be a secret". These start at a word boundary, so even a
/// lone `s` or `A` at the end is held: released, it would leave `k-proj-…` unrecognisable.
pub(super) const HOLD_STARTS: &[&str] = &[
    r"(?-u)\b(?:sk-|[rs]k_|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|AIza|npm_|hf_)[A-Za-z0-9_-]*",
    r"(?-u)\b(?:AKIA|ASIA)[A-Z0-9]*",
    r"(?-u)\beyJ[A-Za-z0-9_.-]*",
    r"(?-u)(?i)\bbearer[ \t]*[A-Za-z0-9._~+/=-]*",
    r#"(?-u)(?i)\bsecret_?access_?key["']?[ \t]*[:=]?[ \t]*["']?[A-Za-z0-9/+=]*"#,
    r"(?-u)\bPRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\\]*",
    concat!(
        r"(?-u)\b(?:pypi-|ya29\.|SG\.|xapp-|gl(?:rt|dt|ptt|ft|soat|ffct|imt|agent|oas|cbt)-|whsec_|do[opr]_v1_",
        r"|shp(?:at|ca|pa|ss)_|pul-|rubygems_|lin_api_|pplx-|hv[sb]\.|PMAK-|sntry[us]_|glsa_|glc_",
        r"|AGE-SECRET-KEY-|dapi|ntn_|HRKU-|pscale_|api_org_|dp\.pt\.)[A-Za-z0-9_.+/=-]*",
    ),
    r"(?-u)\bhooks\.slack\.com/[A-Za-z0-9+/_-]*",
    r#"(?-u)\b[Aa]uthorization["']?[ \t]*[:=]?[ \t]*["']?(?:(?:[Bb]asic|BASIC)[ \t]*[A-Za-z0-9+/=]*)?"#,
];

/// The same glued to what comes before (`MY_sk-…`, `KEY_AKIA…`), and the `//` of a URL. These
/// hold only from two characters on: the character before a key is not part of it (released,
/// the key still matches at the start of what is held), and a lone `N` or `/` at the end of a
/// prompt is not worth holding.
pub(super) const HOLD_GLUED: &[&str] = &[
    r"(?-u)[A-Z0-9_](?:sk-|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|AIza)[A-Za-z0-9_-]*",
    r"(?-u)[A-Za-z0-9_][rs]k_[A-Za-z0-9_]*",
    r"(?-u)[A-Z_](?:npm_|hf_)[A-Za-z0-9]*",
    r"(?-u)_(?:AKIA|ASIA)[A-Z0-9]*",
    r"(?-u)_eyJ[A-Za-z0-9_.-]*",
    r#"(?-u)(?i)_secret_?access_?key["']?[ \t]*[:=]?[ \t]*["']?[A-Za-z0-9/+=]*"#,
    r"(?-u)//[^\s/?#@]*",
];

/// Words after which a secret value may follow a space (`Bearer TOKEN`, `Basic CREDENTIALS`, `token TOKEN`,
/// `aws_secret_access_key = KEY`); words ending in `:` or `=` count too. Matched
/// case-insensitively at the end of a word, ignoring closing quotes.
const VALUE_KEYWORDS: &[&[u8]] = &[b"bearer", b"basic", b"token", b"secret_access_key", b"secretaccesskey"];

/// How many keyword steps the hold may extend backwards (`Authorization: Bearer …` needs two).
const MAX_KEYWORD_STEPS: usize = 4;

/// The built-in patterns, compiled once. A clone of a `Regex` gets its own cache pool, so
/// redactors share these instead of cloning them.
pub(super) fn builtins() -> &'static [Regex] {
    static COMPILED: OnceLock<Vec<Regex>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        BUILTIN_SOURCES.iter().map(|source| Regex::new(source).expect("built-in redaction pattern compiles")).collect()
    })
}

/// Every non-empty match of `patterns` in `hay`: (whole match, what to mask).
pub(super) fn matches_in<'a>(
    patterns: impl Iterator<Item = &'a Regex>,
    hay: &[u8],
) -> Vec<(Range<usize>, Range<usize>)> {
    let mut found = Vec::new();
    for re in patterns {
        // Found first, groups only for a match: most text has none, and asking for groups
        // up front costs an allocation per pattern per read.
        let mut groups = None;
        for m in re.find_iter(hay) {
            let mut secret = m.range();
            if re.captures_len() > 1 {
                let groups = groups.get_or_insert_with(|| re.capture_locations());
                // From the match's start, with what lies before it as context, the same match.
                if re.captures_read_at(groups, hay, m.start()).is_some() {
                    if let Some((start, end)) = groups.get(1) {
                        secret = start..end;
                    }
                }
            }
            if !secret.is_empty() {
                found.push((m.range(), secret));
            }
        }
    }
    found
}

/// Start of the suffix of `buf` that could still be part of a secret being written: the
/// trailing run of non-whitespace bytes, plus preceding keywords that introduce a value
/// (`Bearer `, `token `, `key: `, `key = `) with their spacing. A secret never contains a
/// newline, so the hold never reaches before the last one.
pub(super) fn hold_start(buf: &[u8]) -> usize {
    let line_start = line_start(buf);
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

/// Where the last line of `buf` starts.
pub(super) fn line_start(buf: &[u8]) -> usize {
    memchr::memrchr(b'\n', buf).map_or(0, |i| i + 1)
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
            word.len() >= keyword.len() && word[word.len() - keyword.len()..].eq_ignore_ascii_case(keyword)
        }),
    }
}

/// Whitespace as a terminal prints it; a secret never contains any.
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

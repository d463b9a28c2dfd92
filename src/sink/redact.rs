//! Masks secrets (API keys, tokens, passwords in URLs, private keys) in an agent's terminal
//! output before the log sink writes it, and in any other text minder stores from the agent.
//!
//! Secrets are looked for in the raw bytes and in the text a person sees: the *visible
//! projection*, where escape sequences draw nothing, a backspace or a cursor move back lets the
//! next character overwrite the last ones, and a move that comes back to the same place joins
//! what is drawn on both sides. A secret found in the projection is masked in the raw bytes that
//! drew it, keeping the escape sequences among them so the log still renders. Output arrives in
//! arbitrary chunks, so a [`Redactor`] holds back the trailing bytes that could be the start of
//! a secret finishing in the next chunk, never more than [`HOLD_CAP`].

use regex::bytes::{Regex, RegexSet};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};
use std::ops::Range;
use std::sync::OnceLock;

/// What a secret is replaced with.
pub const MASK: &str = "[REDACTED]";

/// Most bytes a [`Redactor`] ever holds back, whatever the input.
pub const HOLD_CAP: usize = 1024;

/// The built-in patterns. `(?-u)` keeps `\b` and classes ASCII-only: the input is arbitrary
/// bytes, and an ASCII `\b` lets the fast DFA engines run. A pattern with a capture group masks
/// only the group (so `Bearer` stays readable); otherwise the whole match is masked.
/// None of them can match a newline, which the holding rule relies on (private keys printed
/// over several lines are found by [`Pem`] instead).
///
/// A key may be glued to an upper-case name, digits or `_` (`MY_sk-proj-…`), but not to a
/// lower-case word (`desk-proj-reservation-…` is prose): the character before it is matched,
/// and left alone, by `(?:\b|[A-Z0-9_])`.
const BUILTIN_SOURCES: &[&str] = &[
    // OpenAI project / service-account / admin keys and Anthropic keys (`sk-ant-api03-…`).
    r"(?-u)(?:\b|[A-Z0-9_])(sk-(?:proj|svcacct|admin|ant|None)-[A-Za-z0-9_-]{20,})",
    // Legacy OpenAI keys: plain alphanumerics only, so `sk-some-hyphenated-words` is left alone.
    r"(?-u)(?:\b|[A-Z0-9_])(sk-[A-Za-z0-9]{20,})",
    // Stripe-style secret and restricted keys, glued to anything (the prefix is distinctive,
    // and a boundary in front would cost this pattern its fast literal search).
    r"(?-u)[rs]k_(?:live|test)_[A-Za-z0-9]{16,}",
    // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens.
    r"(?-u)(?:\b|[A-Z0-9_])(gh[pousr]_[A-Za-z0-9]{36})",
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
    // Bearer tokens (RFC 6750 token68 characters), also inside `Authorization: Bearer …`.
    r"(?-u)\b[Bb]earer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)",
    // JSON Web Tokens: base64url header and payload that both start with `{"`.
    r"(?-u)(?:\b|_)(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*)",
    // Passwords in URLs (`https://alice:PASSWORD@host`, `postgres://u:PASSWORD@db`): only the
    // password. The scheme is not needed: `//user:pass@` says enough, and the hold then
    // starts at `//` rather than at every word followed by a colon. (A `/` released alone
    // leaves `/user:pass@` at the start of what is held: `^/` takes it.)
    r"(?-u)(?:^|/)/[^\s/?#@:]*:([^\s/?#@]+)@",
    // A private key printed on one line with `\n` escapes (JSON strings, env files); over
    // several lines, [`Pem`] finds it.
    r"(?-u)\bPRIVATE KEY(?: BLOCK)?-----((?:\\[rn]|[A-Za-z0-9+/=]){20,})",
];

/// How built-in secrets (or the context a built-in pattern needs) begin and go on. A tail of
/// held text that could still grow into a match of one of these (or of a user's pattern) is
/// held back, even across an idle flush. Each allows any continuation a secret could have, so
/// "not dead yet" means "could still be a secret". These start at a word boundary, so even a
/// lone `s` or `A` at the end is held: released, it would leave `k-proj-…` unrecognisable.
const HOLD_STARTS: &[&str] = &[
    r"(?-u)\b(?:sk-|[rs]k_|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|AIza|npm_|hf_)[A-Za-z0-9_-]*",
    r"(?-u)\b(?:AKIA|ASIA)[A-Z0-9]*",
    r"(?-u)\beyJ[A-Za-z0-9_.-]*",
    r"(?-u)(?i)\bbearer[ \t]*[A-Za-z0-9._~+/=-]*",
    r#"(?-u)(?i)\bsecret_?access_?key["']?[ \t]*[:=]?[ \t]*["']?[A-Za-z0-9/+=]*"#,
    r"(?-u)\bPRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\\]*",
];

/// The same glued to what comes before (`MY_sk-…`, `KEY_AKIA…`), and the `//` of a URL. These
/// hold only from two characters on: the character before a key is not part of it (released,
/// the key still matches at the start of what is held), and a lone `N` or `/` at the end of a
/// prompt is not worth holding.
const HOLD_GLUED: &[&str] = &[
    r"(?-u)[A-Z0-9_](?:sk-|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|AIza)[A-Za-z0-9_-]*",
    r"(?-u)[A-Za-z0-9_][rs]k_[A-Za-z0-9_]*",
    r"(?-u)[A-Z_](?:npm_|hf_)[A-Za-z0-9]*",
    r"(?-u)_(?:AKIA|ASIA)[A-Z0-9]*",
    r"(?-u)_eyJ[A-Za-z0-9_.-]*",
    r#"(?-u)(?i)_secret_?access_?key["']?[ \t]*[:=]?[ \t]*["']?[A-Za-z0-9/+=]*"#,
    r"(?-u)//[^\s/?#@]*",
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

/// Up to this many bytes, the built-in patterns are first tried together ([`builtin_set`]).
const SMALL: usize = 4096;

/// All built-in patterns in one set: one pass says which of them match at all, so clean text
/// costs one scan rather than one per pattern.
fn builtin_set() -> &'static RegexSet {
    static COMPILED: OnceLock<RegexSet> = OnceLock::new();
    COMPILED.get_or_init(|| RegexSet::new(BUILTIN_SOURCES).expect("built-in redaction patterns compile"))
}

/// The lazy DFAs of [`HOLD_STARTS`] and [`HOLD_GLUED`], built once (each redactor has its
/// own caches).
fn builtin_holds() -> &'static [DFA; 2] {
    static COMPILED: OnceLock<[DFA; 2]> = OnceLock::new();
    COMPILED.get_or_init(|| {
        [HOLD_STARTS, HOLD_GLUED].map(|sources| hold_dfa(sources).expect("built-in hold pattern compiles"))
    })
}

/// The built-in patterns (see the list above for what each catches).
pub fn builtin_patterns() -> Vec<Regex> {
    builtins().to_vec()
}

/// The user's extra patterns (`logs.redact`) as the redactor takes them; one that does not
/// compile (config has already refused it) is left out.
pub fn user_patterns<S: AsRef<str>>(sources: &[S]) -> Vec<Regex> {
    sources.iter().filter_map(|s| Regex::new(s.as_ref()).ok()).collect()
}

/// Redact a whole text that is stored outside the log (a hook's `last_message`, an approve or
/// reject note, a saved checkpoint copy) with the same patterns as the log: the built-in ones
/// plus `extra`. Escape sequences in it are seen through as in the log.
pub fn redact_text(text: &str, extra: &[Regex]) -> String {
    let mut redactor = Redactor::new(extra);
    let mut out = redactor.push(text.as_bytes());
    out.extend(redactor.finish());
    match String::from_utf8(out) {
        Ok(s) => s,
        // A user pattern that cuts a character in two: still never the secret.
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Redacts a stream of output chunks. Feed it with [`push`](Redactor::push), call
/// [`flush_idle`](Redactor::flush_idle) when the pipe has been quiet for a while and
/// [`finish`](Redactor::finish) at end of input; write whatever each returns.
pub struct Redactor {
    builtin: &'static [Regex],
    extra: Vec<Regex>,
    /// The input not yet released, and what it shows.
    window: Window,
    projector: Projector,
    pem: Pem,
    hold: HoldSet,
    /// A secret longer than [`HOLD_CAP`] was masked while still being written: mask the rest
    /// of it (up to the next visible whitespace) instead of releasing its tail in clear.
    swallowing: bool,
    /// Masks that reach past the last release, carried into the next one.
    carry: Vec<Mask>,
    /// The last byte released, raw and visible: the context of `\b` at the window's start.
    last_raw: Option<u8>,
    last_vis: Option<u8>,
}

/// One match, in raw window coordinates.
struct Hit {
    /// The whole match: a cut inside it would split it.
    whole: Range<usize>,
    /// What to mask.
    mask: Range<usize>,
    /// It reaches the end of what has arrived: the secret may still be being written.
    open: bool,
}

/// Raw bytes to mask. A leading mask is replaced with [`MASK`]; a continuing one (the rest of
/// a private key, the tail of a long secret) with nothing. Either way the escape sequences in
/// it are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Mask {
    range: Range<usize>,
    lead: bool,
}

impl Redactor {
    /// Built-in patterns plus the user's extra regexes (already validated by config).
    pub fn new(extra: &[Regex]) -> Redactor {
        Redactor {
            builtin: builtins(),
            extra: extra.to_vec(),
            window: Window::default(),
            projector: Projector::default(),
            pem: Pem::default(),
            hold: HoldSet::new(extra),
            swallowing: false,
            carry: Vec::new(),
            last_raw: None,
            last_vis: None,
        }
    }

    /// Feed a chunk; returns the bytes that are now safe to write, redacted. Bytes that may be
    /// the start of a secret continuing in the next chunk are held back.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.projector.feed(&mut self.window, chunk);
        self.release(Release::Safe)
    }

    /// Called when no input arrived for a while: release the held bytes, redacted, so a prompt
    /// such as `Password:` or `Continue? (y/n)` reaches the log promptly — unless some tail of
    /// them could still grow into a secret (`sk-pro`, `Bearer `, the start of a match of a
    /// user's pattern) or a private key is being printed: those stay held until the next
    /// `push` or `finish`, so a secret split by a pause of any length is still masked.
    pub fn flush_idle(&mut self) -> Vec<u8> {
        if self.window.raw.is_empty() || self.pem.inside() || self.could_grow() {
            return Vec::new();
        }
        self.release(Release::Idle)
    }

    /// End of input: release everything held, redacted.
    pub fn finish(&mut self) -> Vec<u8> {
        let out = self.release(Release::End);
        self.swallowing = false;
        out
    }

    /// How many bytes are held back, never more than [`HOLD_CAP`].
    pub fn held_len(&self) -> usize {
        self.window.raw.len()
    }

    /// Whether the held text could still become (part of) a secret.
    fn could_grow(&mut self) -> bool {
        let w = &self.window;
        if self.hold.earliest(&w.raw, 0..w.raw.len(), self.last_raw).is_some() {
            return true;
        }
        if let Some(back) = self.projector.pending_back() {
            // The cursor went back: what comes next overwrites from there and joins what is
            // left before it.
            let vis = &w.vis()[..back_pos(w.vis(), back)];
            if self.hold.earliest(vis, 0..vis.len(), self.last_vis).is_some() {
                return true;
            }
        }
        !self.one_view() && self.hold.earliest(w.vis(), 0..w.vis().len(), self.last_vis).is_some()
    }

    /// Whether the held bytes show exactly what they are, after the same character: then
    /// looking at the raw bytes is enough. (After `\e[32m`, a plain `sk-` is still seen after
    /// the space before the escape.)
    fn one_view(&self) -> bool {
        self.last_raw == self.last_vis && self.window.is_plain()
    }

    fn release(&mut self, how: Release) -> Vec<u8> {
        let len = self.window.raw.len();
        let mut masks = std::mem::take(&mut self.carry);
        // The rest of a secret longer than the hold, up to the next visible whitespace.
        let mut floor = 0;
        if self.swallowing {
            let w = &self.window;
            match w.vis().iter().position(|&b| is_space(b)) {
                Some(j) => {
                    floor = w.raw_at(j);
                    self.swallowing = false;
                }
                None => floor = len,
            }
            if floor > 0 {
                masks.push(Mask { range: 0..floor, lead: false });
            }
        }
        let hits = self.scan();
        masks.extend(hits.iter().map(|h| Mask { range: h.mask.clone(), lead: true }));
        let (mut cut, through) = match how {
            Release::Safe => self.choose_cut(&hits, floor),
            Release::Idle | Release::End => (len, false),
        };
        let vis_cut = self.window.vis_before(cut);
        self.pem.process(&self.window, vis_cut, cut, how == Release::End, &mut masks);
        if how == Release::Safe && !through {
            // Inside a private key, hold the whitespace after the last masked line until the
            // next one is known, so the whole key becomes one mask.
            if let Some(back) = self.pem.hold_from() {
                let straddled = hits.iter().any(|h| h.whole.start < back && back < h.whole.end);
                if back < cut && back >= floor && len - back <= HOLD_CAP && !straddled {
                    cut = back;
                }
            }
        }
        if how == Release::Safe {
            self.swallowing = self.swallowing || through;
        }
        let masks = merge(masks);
        let w = &self.window;
        let out = apply_masks(&w.raw[..cut], &w.kept, &masks);
        self.carry = masks
            .iter()
            .filter(|m| m.range.start < cut && cut < m.range.end)
            .map(|m| Mask { range: 0..m.range.end - cut, lead: false })
            .collect();
        let vis_cut = w.vis_before(cut);
        if cut > 0 {
            self.last_raw = Some(w.raw[cut - 1]);
        }
        if vis_cut > 0 {
            self.last_vis = Some(w.vis()[vis_cut - 1]);
        }
        self.window.drain(cut, vis_cut);
        self.projector.drained(cut);
        self.pem.drained(cut);
        out
    }

    /// Every match in the raw bytes and, when it differs, in the visible text.
    fn scan(&self) -> Vec<Hit> {
        let w = &self.window;
        let mut hits = Vec::new();
        let patterns = |hay: &[u8]| {
            if hay.len() <= SMALL {
                // Mostly clean, and short: one pass of the set beats a call per pattern.
                let found = builtin_set().matches(hay);
                let builtin = found.into_iter().map(|i| &self.builtin[i]);
                matches_in(builtin.chain(&self.extra), hay)
            } else {
                // Each pattern alone finds its literal fast; the set cannot.
                matches_in(self.builtin.iter().chain(&self.extra), hay)
            }
        };
        for (whole, mask) in patterns(&w.raw) {
            let open = whole.end == w.raw.len();
            hits.push(Hit { whole, mask, open });
        }
        if !w.is_plain() {
            for (whole, mask) in patterns(w.vis()) {
                let open = whole.end == w.vis().len();
                hits.push(Hit { whole: w.raw_range(whole), mask: w.raw_range(mask), open });
            }
        }
        hits
    }

    /// Where to split the window into a released prefix and a held suffix, and whether the
    /// prefix ends inside a secret still being written (see [`Redactor::swallowing`]).
    fn choose_cut(&mut self, hits: &[Hit], floor: usize) -> (usize, bool) {
        let w = &self.window;
        let len = w.raw.len();
        let raw_word = hold_start(&w.raw);
        let mut cut = raw_word;
        if self.one_view() {
            let lo = line_start(&w.raw).max(len.saturating_sub(HOLD_CAP));
            if let Some(i) = self.hold.earliest(&w.raw, lo..raw_word, self.last_raw) {
                cut = cut.min(i);
            }
        } else {
            // What the raw bytes spell between escape sequences is not text anyone reads:
            // the visible text is where a secret could still be growing.
            let vis = w.vis();
            let mut h = hold_start(vis);
            if let Some(back) = self.projector.pending_back() {
                // The next character overwrites `back` columns back: the word it lands in
                // may still join what follows.
                h = h.min(hold_start(&vis[..back_pos(vis, back)]));
            }
            let lo = line_start(vis).max(vis.len().saturating_sub(HOLD_CAP));
            if let Some(i) = self.hold.earliest(vis, lo..h, self.last_vis) {
                h = h.min(i);
            }
            cut = cut.min(if h < vis.len() { w.raw_at(h) } else { len });
        }
        cut = cut.max(floor);
        // A match straddling the cut would be released half in clear: hold all of it.
        while let Some(start) = hits
            .iter()
            .filter(|h| h.whole.start < cut && cut < h.whole.end && h.whole.start >= floor)
            .map(|h| h.whole.start)
            .min()
        {
            cut = start;
        }
        if len - cut <= HOLD_CAP {
            return (cut, false);
        }
        // Too much to hold. Release all but the last HOLD_CAP bytes, moving the cut forward past
        // any match it would split so that match is masked whole now.
        cut = (len - HOLD_CAP).max(floor);
        let mut through_secret = false;
        while let Some(hit) = hits
            .iter()
            .filter(|h| h.whole.start < cut && cut < h.whole.end)
            .max_by_key(|h| h.whole.end)
        {
            cut = hit.whole.end;
            through_secret = hit.open;
        }
        (cut, through_secret)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Release {
    /// Release what cannot be part of a secret still being written.
    Safe,
    /// Release everything, but more may follow (a quiet pipe).
    Idle,
    /// Release everything: the input has ended.
    End,
}

/// Every non-empty match of `patterns` in `hay`: (whole match, what to mask).
fn matches_in<'a>(
    patterns: impl Iterator<Item = &'a Regex>,
    hay: &[u8],
) -> Vec<(Range<usize>, Range<usize>)> {
    let mut found = Vec::new();
    for re in patterns {
        if re.captures_len() > 1 {
            for caps in re.captures_iter(hay) {
                let whole = caps.get(0).expect("group 0 always matches");
                let secret = caps.get(1).unwrap_or(whole);
                if !secret.is_empty() {
                    found.push((whole.range(), secret.range()));
                }
            }
        } else {
            for m in re.find_iter(hay) {
                if !m.is_empty() {
                    found.push((m.range(), m.range()));
                }
            }
        }
    }
    found
}

/// Start of the suffix of `buf` that could still be part of a secret being written: the
/// trailing run of non-whitespace bytes, plus preceding keywords that introduce a value
/// (`Bearer `, `token `, `key: `, `key = `) with their spacing. A secret never contains a
/// newline, so the hold never reaches before the last one.
fn hold_start(buf: &[u8]) -> usize {
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

fn line_start(buf: &[u8]) -> usize {
    rfind_byte(buf, b'\n').map_or(0, |i| i + 1)
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

/// Whitespace as a terminal prints it; a secret never contains any.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Sort masks and merge those that overlap or touch, so adjacent secrets get one mask.
fn merge(mut masks: Vec<Mask>) -> Vec<Mask> {
    masks.sort_by_key(|m| (m.range.start, m.range.end));
    let mut merged: Vec<Mask> = Vec::with_capacity(masks.len());
    for m in masks {
        match merged.last_mut() {
            Some(last) if m.range.start <= last.range.end => {
                last.range.end = last.range.end.max(m.range.end);
                last.lead |= m.lead;
            }
            _ => merged.push(m),
        }
    }
    merged
}

/// Copy `raw` with every mask (clipped to `raw`) replaced by [`MASK`] (or nothing, for a
/// continuing mask) followed by the parts of the `kept` escape sequences inside it.
fn apply_masks(raw: &[u8], kept: &[Range<u32>], masks: &[Mask]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut pos = 0;
    for m in masks {
        if m.range.start >= raw.len() {
            break;
        }
        let start = m.range.start.max(pos);
        let end = m.range.end.min(raw.len());
        out.extend_from_slice(&raw[pos..start]);
        if m.lead {
            out.extend_from_slice(MASK.as_bytes());
        }
        let first = kept.partition_point(|seq| (seq.end as usize) <= start);
        for seq in &kept[first..] {
            let (a, b) = ((seq.start as usize).max(start), (seq.end as usize).min(end));
            if a >= end {
                break;
            }
            if a < b {
                out.extend_from_slice(&raw[a..b]);
            }
        }
        pos = end;
    }
    out.extend_from_slice(&raw[pos..]);
    out
}

/// Byte index in `vis` of the character `back` characters before its end, not reaching past
/// the last line break.
fn back_pos(vis: &[u8], back: usize) -> usize {
    let mut pos = vis.len();
    for _ in 0..back {
        match pop_char_start(vis, pos) {
            Some(start) => pos = start,
            None => break,
        }
    }
    pos
}

/// Start of the character ending at `end` in `vis`, unless that is a line break or nothing.
fn pop_char_start(vis: &[u8], end: usize) -> Option<usize> {
    let mut start = end.checked_sub(1)?;
    if matches!(vis[start], b'\n' | b'\r' | 0x0b | 0x0c) {
        return None;
    }
    while start > 0 && (0x80..0xc0).contains(&vis[start]) && vis[start - 1] >= 0x80 {
        start -= 1;
    }
    Some(start)
}

// ---------------------------------------------------------------------------------------------
// The window: held raw bytes and what they show.

/// Flag on a [`Window::map`] entry: a character the projection inserted (a line break between
/// text drawn in two places, a gap the cursor jumped over); its index is the byte after it.
const SYNTHETIC: u32 = 1 << 31;

/// The bytes not yet released, and their visible projection.
struct Window {
    raw: Vec<u8>,
    /// The escape sequences in `raw` kept when a mask covers them (all but the cursor moves
    /// that drew what is masked), in order.
    kept: Vec<Range<u32>>,
    /// The visible text drawn by `raw`, byte by byte (unless `mirrored`).
    vis_buf: Vec<u8>,
    /// For each byte of the visible text, the index in `raw` of the byte that drew it (never
    /// decreasing).
    map_buf: Vec<u32>,
    /// The visible text is `raw` itself, byte for byte, and is not stored: plain text (most
    /// output) costs no projection.
    mirrored: bool,
}

impl Default for Window {
    fn default() -> Window {
        Window { raw: Vec::new(), kept: Vec::new(), vis_buf: Vec::new(), map_buf: Vec::new(), mirrored: true }
    }
}

impl Window {
    fn vis(&self) -> &[u8] {
        if self.mirrored {
            &self.raw
        } else {
            &self.vis_buf
        }
    }

    /// Whether the visible text is the raw text (no escapes, no overwrites): one scan will do.
    fn is_plain(&self) -> bool {
        self.mirrored || self.vis_buf == self.raw
    }

    fn raw_at(&self, j: usize) -> usize {
        if self.mirrored {
            j
        } else {
            (self.map_buf[j] & !SYNTHETIC) as usize
        }
    }

    /// How many visible bytes were drawn before raw index `cut`.
    fn vis_before(&self, cut: usize) -> usize {
        if self.mirrored {
            cut
        } else {
            self.map_buf.partition_point(|&e| ((e & !SYNTHETIC) as usize) < cut)
        }
    }

    /// The raw bytes that drew the visible range `r`: from its first character to its last
    /// one drawn, with what lies between (escape sequences, characters overwritten).
    fn raw_range(&self, r: Range<usize>) -> Range<usize> {
        if self.mirrored {
            return r;
        }
        let start = self.raw_at(r.start);
        let end = r
            .clone()
            .rev()
            .find(|&j| self.map_buf[j] & SYNTHETIC == 0)
            .map_or(start, |j| self.raw_at(j) + 1);
        start..end.max(start)
    }

    /// Store the visible text, to change it apart from the raw bytes.
    fn materialize(&mut self) {
        if self.mirrored {
            self.vis_buf.clear();
            self.vis_buf.extend_from_slice(&self.raw);
            self.map_buf.clear();
            self.map_buf.extend(0..self.raw.len() as u32);
            self.mirrored = false;
        }
    }

    fn push_vis(&mut self, b: u8, at: usize) {
        self.vis_buf.push(b);
        self.map_buf.push(at as u32);
    }

    /// Forget the first `cut` raw bytes and the `vis_cut` visible bytes they drew.
    fn drain(&mut self, cut: usize, vis_cut: usize) {
        self.raw.drain(..cut);
        let gone = self.kept.partition_point(|seq| seq.end as usize <= cut);
        self.kept.drain(..gone);
        for seq in &mut self.kept {
            *seq = (seq.start as usize).saturating_sub(cut) as u32..seq.end - cut as u32;
        }
        if self.mirrored {
            return;
        }
        self.vis_buf.drain(..vis_cut);
        self.map_buf.drain(..vis_cut);
        let cut = cut as u32;
        for e in &mut self.map_buf {
            *e = (*e & SYNTHETIC) | ((*e & !SYNTHETIC) - cut);
        }
        // Back to plain text (nothing held, or only what shows as it is): stop projecting.
        let identity = self.map_buf.iter().enumerate().all(|(i, &e)| e as usize == i);
        if self.vis_buf == self.raw && identity {
            self.mirrored = true;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The visible projection.

/// A cursor position. Rows are relative until an absolute move; `epoch` changes whenever the
/// relation to earlier positions is lost (an absolute row after relative ones, a reset).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct Pos {
    epoch: u32,
    row: i64,
    col: i64,
}

/// Turns raw terminal output into the text it draws, as far as finding secrets needs: every
/// printed character in order, an overwrite (backspace, cursor back, then text) replacing
/// what it covers, and a break (a line break or a space) wherever the next character is not
/// drawn right after the last one. It models one line at a time, not the screen.
#[derive(Default)]
struct Projector {
    parser: Parser,
    cursor: Pos,
    /// Whether `cursor.row` is known absolutely (an absolute move since the last line feed,
    /// which may have scrolled).
    row_known: bool,
    /// Where a character drawn next continues the last visible one.
    end: Option<Pos>,
    saved: Option<(Pos, bool)>,
    /// Raw index (in the window) where the escape sequence being read began.
    seq_start: usize,
}

impl Projector {
    fn feed(&mut self, w: &mut Window, chunk: &[u8]) {
        // Plain text drawn where the last text ended shows as it is.
        let plain = w.mirrored
            && self.parser.state == State::Ground
            && self.end.is_none_or(|end| end == self.cursor)
            && !has_controls(chunk);
        if !plain {
            w.materialize();
        }
        let base = w.raw.len();
        w.raw.extend_from_slice(chunk);
        if plain {
            self.follow_plain(chunk);
            return;
        }
        let mut k = 0;
        while k < chunk.len() {
            let at = base + k;
            if self.parser.state == State::Ground && chunk[k] == 0x1b {
                // A whole sequence at once, when it is all here and ordinary.
                if let Some((len, csi)) = whole_csi(&chunk[k..]) {
                    self.csi(csi);
                    if !csi.moves_cursor() {
                        w.kept.push(at as u32..(at + len) as u32);
                    }
                    k += len;
                    continue;
                }
                if let Some(len) = whole_osc(&chunk[k..]) {
                    w.kept.push(at as u32..(at + len) as u32);
                    k += len;
                    continue;
                }
            }
            if self.parser.state == State::Ground && is_printable_ascii(chunk[k]) {
                // The common case: a run of plain text.
                let run = printable_run(&chunk[k..]);
                self.place(w, at);
                w.vis_buf.extend_from_slice(&chunk[k..k + run]);
                w.map_buf.extend((at..at + run).map(|i| i as u32));
                self.cursor.col += run as i64;
                self.end = Some(self.cursor);
                k += run;
                continue;
            }
            let was_in_seq = self.parser.in_sequence();
            let action = self.parser.advance(chunk[k]);
            let in_seq = self.parser.in_sequence();
            if !was_in_seq && in_seq {
                self.seq_start = at;
            }
            match action {
                Action::Print { lead: true } => {
                    self.place(w, at);
                    w.push_vis(chunk[k], at);
                    self.cursor.col += 1;
                    self.end = Some(self.cursor);
                }
                Action::Print { lead: false } => w.push_vis(chunk[k], at),
                Action::Control(c) => self.control(w, c, at),
                Action::Csi(csi) => self.csi(csi),
                Action::Esc { intermediate, final_byte } => self.esc(intermediate, final_byte),
                Action::None => {}
            }
            if was_in_seq && !in_seq {
                // A sequence ended: keep it when a mask covers it, unless it only moved the
                // cursor to draw the secret (the mask draws in its place).
                let drew = matches!(action, Action::Csi(csi) if csi.moves_cursor());
                let end = if matches!(action, Action::Print { .. }) { at } else { at + 1 };
                if !drew {
                    w.kept.push(self.seq_start.min(end) as u32..end as u32);
                }
            }
            k += 1;
        }
    }

    /// Move the cursor over plain text (printable characters, tabs, line breaks), as drawing
    /// it would.
    fn follow_plain(&mut self, chunk: &[u8]) {
        // Counted in blocks of u8 sums, which vectorize well.
        let lines: usize = chunk
            .chunks(255)
            .map(|block| usize::from(block.iter().fold(0u8, |n, &b| n + u8::from(matches!(b, b'\n' | 0x0b | 0x0c)))))
            .sum();
        if lines > 0 {
            self.line_feed(lines as i64);
        }
        let last_line = match rfind_byte(chunk, b'\r') {
            Some(cr) => {
                self.cursor.col = 0;
                &chunk[cr + 1..]
            }
            None => chunk,
        };
        if last_line.contains(&b'\t') {
            for &b in last_line {
                match b {
                    b'\t' => self.cursor.col = (self.cursor.col / 8 + 1) * 8,
                    b'\n' | 0x0b | 0x0c => {}
                    _ if (0x80..0xc0).contains(&b) => {}
                    _ => self.cursor.col += 1,
                }
            }
        } else {
            let printed = last_line.iter().filter(|&&b| !(0x80..0xc0).contains(&b) && b >= 0x20).count();
            self.cursor.col += printed as i64;
        }
        // A character cut by the end of the chunk goes on in the next one.
        let tail = unfinished_utf8(chunk);
        if tail > 0 {
            let lead = chunk[chunk.len() - tail];
            let need = if lead >= 0xf0 { 3 } else if lead >= 0xe0 { 2 } else { 1 };
            self.parser.state = State::Utf8((need - tail) as u8);
        }
        if !chunk.is_empty() {
            self.end = Some(self.cursor);
        }
    }

    /// Before a character is drawn at the cursor: overwrite, leave a gap, or break the line in
    /// the projection, by where the cursor is against the end of the last visible character.
    fn place(&mut self, w: &mut Window, at: usize) {
        let here = self.cursor;
        match self.end {
            Some(end) if end.epoch == here.epoch && end.row == here.row => {
                if here.col < end.col {
                    let mut left = end.col - here.col;
                    while left > 0 {
                        match pop_char_start(&w.vis_buf, w.vis_buf.len()) {
                            Some(start) => {
                                w.vis_buf.truncate(start);
                                w.map_buf.truncate(start);
                            }
                            None => break,
                        }
                        left -= 1;
                    }
                } else if here.col > end.col {
                    push_break(w, b' ', at);
                }
            }
            Some(_) => push_break(w, b'\n', at),
            None => {}
        }
    }

    fn control(&mut self, w: &mut Window, c: u8, at: usize) {
        match c {
            0x08 => self.cursor.col = (self.cursor.col - 1).max(0),
            b'\t' => {
                w.push_vis(c, at);
                self.cursor.col = (self.cursor.col / 8 + 1) * 8;
                self.end = Some(self.cursor);
            }
            b'\n' | 0x0b | 0x0c => {
                w.push_vis(c, at);
                self.line_feed(1);
                self.end = Some(self.cursor);
            }
            b'\r' => {
                w.push_vis(c, at);
                self.cursor.col = 0;
                self.end = Some(self.cursor);
            }
            // BEL, NUL, DEL, shifts and the rest draw nothing and do not move the cursor.
            _ => {}
        }
    }

    fn line_feed(&mut self, n: i64) {
        self.cursor.row += n;
        // At the bottom of the screen it scrolled instead: the absolute row is unsure now.
        self.row_known = false;
    }

    fn set_row(&mut self, row: i64) {
        if !self.row_known {
            self.cursor.epoch += 1;
            self.row_known = true;
        }
        self.cursor.row = row;
    }

    fn csi(&mut self, csi: Csi) {
        if csi.private {
            return;
        }
        let n = i64::from(csi.params[0].max(1));
        let col_of = |p: u16| i64::from(p.max(1)) - 1;
        match csi.final_byte {
            b'A' => self.cursor.row -= n,
            b'B' | b'e' => self.cursor.row += n,
            b'C' | b'a' => self.cursor.col += n,
            b'D' => self.cursor.col = (self.cursor.col - n).max(0),
            b'E' => {
                self.cursor.row += n;
                self.cursor.col = 0;
            }
            b'F' => {
                self.cursor.row -= n;
                self.cursor.col = 0;
            }
            b'G' | b'`' => self.cursor.col = col_of(csi.params[0]),
            b'H' | b'f' => {
                self.set_row(col_of(csi.params[0]));
                self.cursor.col = col_of(csi.params[1]);
            }
            b'd' => self.set_row(col_of(csi.params[0])),
            b'I' => self.cursor.col = (self.cursor.col / 8 + n) * 8,
            b'Z' => self.cursor.col = ((self.cursor.col + 7) / 8 - n).max(0) * 8,
            b's' if csi.count == 0 => self.save(),
            b'u' if csi.count == 0 => self.restore(),
            b'r' => {
                // Setting the scroll region homes the cursor.
                self.set_row(0);
                self.cursor.col = 0;
            }
            _ => {}
        }
    }

    fn esc(&mut self, intermediate: u8, final_byte: u8) {
        match (intermediate, final_byte) {
            (0, b'7') => self.save(),
            (0, b'8') => self.restore(),
            (0, b'D') => self.line_feed(1),
            (0, b'E') => {
                self.line_feed(1);
                self.cursor.col = 0;
            }
            (0, b'M') => {
                self.cursor.row -= 1;
                self.row_known = false;
            }
            (0, b'c') | (b'#', b'8') => {
                // A reset, or the screen filled with `E`: nothing joins across it.
                self.cursor = Pos { epoch: self.cursor.epoch + 1, row: 0, col: 0 };
                self.row_known = false;
                self.end = None;
            }
            _ => {}
        }
    }

    fn save(&mut self) {
        self.saved = Some((self.cursor, self.row_known));
    }

    fn restore(&mut self) {
        match self.saved {
            Some((pos, known)) => {
                self.cursor = pos;
                self.row_known = known;
            }
            None => {
                self.set_row(0);
                self.cursor.col = 0;
            }
        }
    }

    /// How many columns back from the end of the last visible character the cursor stands,
    /// on the same line: the next character will overwrite from there.
    fn pending_back(&self) -> Option<usize> {
        let end = self.end?;
        let here = self.cursor;
        (end.epoch == here.epoch && end.row == here.row && here.col < end.col)
            .then(|| (end.col - here.col) as usize)
    }

    fn drained(&mut self, cut: usize) {
        self.seq_start = self.seq_start.saturating_sub(cut);
    }
}

/// Insert a break (`\n` between places, ` ` for a gap) before the character at raw `at`,
/// unless the visible text already ends with whitespace.
fn push_break(w: &mut Window, b: u8, at: usize) {
    if w.vis_buf.last().is_some_and(|&last| !is_space(last)) {
        w.vis_buf.push(b);
        w.map_buf.push(at as u32 | SYNTHETIC);
    }
}

/// Whether `chunk` has bytes other than printable ones, tabs and line breaks (escapes,
/// backspaces, other controls): those need the projection. Written to vectorize.
fn has_controls(chunk: &[u8]) -> bool {
    chunk.chunks(64).any(|block| {
        block
            .iter()
            .fold(false, |found, &b| found | ((b < 0x20 && !(9..=13).contains(&b)) | (b == 0x7f)))
    })
}

/// The last index of `needle` in `bytes`, looking at 64 bytes at a time (std has no memrchr).
fn rfind_byte(bytes: &[u8], needle: u8) -> Option<usize> {
    let mut end = bytes.len();
    while end > 0 {
        let start = end.saturating_sub(64);
        let block = &bytes[start..end];
        if block.iter().fold(false, |found, &b| found | (b == needle)) {
            return block.iter().rposition(|&b| b == needle).map(|i| start + i);
        }
        end = start;
    }
    None
}

/// How many bytes at the end of `bytes` start a UTF-8 character they do not finish.
fn unfinished_utf8(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if (0x80..0xc0).contains(&b) {
            continue;
        }
        let need = match b {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return 0,
        };
        return if back < need { back } else { 0 };
    }
    0
}

/// The CSI sequence at the start of `bytes` (`ESC [` params final), when it is complete and
/// has no control inside: its length and what it says.
fn whole_csi(bytes: &[u8]) -> Option<(usize, Csi)> {
    if bytes.get(1) != Some(&b'[') {
        return None;
    }
    let mut csi = Csi { final_byte: 0, private: false, params: [0; 2], count: 0 };
    for (i, &b) in bytes.iter().enumerate().skip(2) {
        match b {
            b'0'..=b'9' => {
                if let Some(p) = csi.params.get_mut(usize::from(csi.count)) {
                    *p = p.saturating_mul(10).saturating_add(u16::from(b - b'0')).min(9999);
                }
            }
            b';' | b':' => csi.count = csi.count.saturating_add(1),
            b'<'..=b'?' | 0x20..=0x2f => csi.private = true,
            0x40..=0x7e => {
                csi.final_byte = b;
                return Some((i + 1, csi));
            }
            _ => return None,
        }
    }
    None
}

/// The length of the OSC string at the start of `bytes` (`ESC ]` … BEL or `ESC \`), when it
/// is complete and has no other control inside.
fn whole_osc(bytes: &[u8]) -> Option<usize> {
    if bytes.get(1) != Some(&b']') {
        return None;
    }
    let end = bytes[2..].iter().position(|&b| b < 0x20)? + 2;
    match bytes[end] {
        0x07 => Some(end + 1),
        0x1b if bytes.get(end + 1) == Some(&b'\\') => Some(end + 2),
        _ => None,
    }
}

/// How many bytes at the start of `bytes` are printable ASCII, 16 at a time.
fn printable_run(bytes: &[u8]) -> usize {
    let mut n = 0;
    for block in bytes.chunks(16) {
        if block.iter().fold(true, |all, &b| all & is_printable_ascii(b)) {
            n += block.len();
        } else {
            return n + block.iter().position(|&b| !is_printable_ascii(b)).unwrap_or(block.len());
        }
    }
    n
}

fn is_printable_ascii(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

// ---------------------------------------------------------------------------------------------
// The escape sequence parser (ECMA-48 as terminals read it, UTF-8 text).

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum State {
    #[default]
    Ground,
    /// Inside a UTF-8 character: this many continuation bytes to come.
    Utf8(u8),
    Escape,
    /// After ESC and an intermediate byte (`ESC (` of a charset selection).
    EscIntermediate(u8),
    Csi,
    /// Inside an OSC, DCS, SOS, PM or APC string.
    Str,
    /// ESC inside a string: `\` ends it, anything else aborts it.
    StrEsc,
}

/// What a byte does, as far as redaction cares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    /// A byte of a printed character (`lead`: its first byte).
    Print { lead: bool },
    /// A C0 control or DEL, executed (also inside a sequence).
    Control(u8),
    /// A CSI sequence ended.
    Csi(Csi),
    /// An ESC sequence ended.
    Esc { intermediate: u8, final_byte: u8 },
    /// Nothing yet (inside a sequence or string), or a string ended.
    None,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Csi {
    final_byte: u8,
    /// A private marker (`?`, `>`, …) or an intermediate byte: not a plain cursor move.
    private: bool,
    /// The first two parameters (0 when absent), and how many separators there were.
    params: [u16; 2],
    count: u8,
}

impl Csi {
    fn moves_cursor(&self) -> bool {
        !self.private && matches!(self.final_byte, b'A'..=b'I' | b'Z' | b'`' | b'a' | b'd' | b'e' | b'f')
    }
}

#[derive(Default)]
struct Parser {
    state: State,
    params: [u16; 2],
    count: u8,
    private: bool,
}

impl Parser {
    fn in_sequence(&self) -> bool {
        !matches!(self.state, State::Ground | State::Utf8(_))
    }

    fn advance(&mut self, b: u8) -> Action {
        match self.state {
            State::Ground => self.ground(b),
            State::Utf8(left) => {
                if (0x80..0xc0).contains(&b) {
                    self.state = if left > 1 { State::Utf8(left - 1) } else { State::Ground };
                    Action::Print { lead: false }
                } else {
                    // A broken character: the byte starts afresh.
                    self.state = State::Ground;
                    self.ground(b)
                }
            }
            State::Escape => match b {
                0x1b => Action::None,
                0x18 | 0x1a => self.abort(),
                0x00..=0x1f => Action::Control(b),
                b'[' => {
                    self.state = State::Csi;
                    self.params = [0; 2];
                    self.count = 0;
                    self.private = false;
                    Action::None
                }
                b']' | b'P' | b'X' | b'^' | b'_' => {
                    self.state = State::Str;
                    Action::None
                }
                0x20..=0x2f => {
                    self.state = State::EscIntermediate(b);
                    Action::None
                }
                0x30..=0x7e => {
                    self.state = State::Ground;
                    Action::Esc { intermediate: 0, final_byte: b }
                }
                0x7f => Action::None,
                _ => {
                    self.state = State::Ground;
                    self.ground(b)
                }
            },
            State::EscIntermediate(intermediate) => match b {
                0x1b => {
                    self.state = State::Escape;
                    Action::None
                }
                0x18 | 0x1a => self.abort(),
                0x00..=0x1f => Action::Control(b),
                0x20..=0x2f | 0x7f => Action::None,
                0x30..=0x7e => {
                    self.state = State::Ground;
                    Action::Esc { intermediate, final_byte: b }
                }
                _ => {
                    self.state = State::Ground;
                    self.ground(b)
                }
            },
            State::Csi => match b {
                b'0'..=b'9' => {
                    if let Some(p) = self.params.get_mut(usize::from(self.count)) {
                        *p = p.saturating_mul(10).saturating_add(u16::from(b - b'0')).min(9999);
                    }
                    Action::None
                }
                b';' | b':' => {
                    self.count = self.count.saturating_add(1);
                    Action::None
                }
                b'<'..=b'?' | 0x20..=0x2f => {
                    self.private = true;
                    Action::None
                }
                0x40..=0x7e => {
                    self.state = State::Ground;
                    Action::Csi(Csi {
                        final_byte: b,
                        private: self.private,
                        params: self.params,
                        count: self.count,
                    })
                }
                0x1b => {
                    self.state = State::Escape;
                    Action::None
                }
                0x18 | 0x1a => self.abort(),
                0x00..=0x1f => Action::Control(b),
                0x7f => Action::None,
                _ => {
                    self.state = State::Ground;
                    self.ground(b)
                }
            },
            State::Str => match b {
                // BEL ends an OSC string; terminals accept it for the others too.
                0x07 | 0x18 | 0x1a => self.abort(),
                0x1b => {
                    self.state = State::StrEsc;
                    Action::None
                }
                _ => Action::None,
            },
            State::StrEsc => {
                if b == b'\\' {
                    self.abort()
                } else {
                    self.state = State::Escape;
                    self.advance(b)
                }
            }
        }
    }

    fn abort(&mut self) -> Action {
        self.state = State::Ground;
        Action::None
    }

    fn ground(&mut self, b: u8) -> Action {
        match b {
            0x1b => {
                self.state = State::Escape;
                Action::None
            }
            0x00..=0x1f | 0x7f => Action::Control(b),
            0xc2..=0xdf => {
                self.state = State::Utf8(1);
                Action::Print { lead: true }
            }
            0xe0..=0xef => {
                self.state = State::Utf8(2);
                Action::Print { lead: true }
            }
            0xf0..=0xf4 => {
                self.state = State::Utf8(3);
                Action::Print { lead: true }
            }
            // ASCII, or a byte that cannot start UTF-8 (shown as one replacement character).
            _ => Action::Print { lead: true },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Private keys over several lines.

/// Finds PEM and OpenSSH private key blocks in the visible text, as they stream: after a
/// `-----BEGIN … PRIVATE KEY-----` marker, every word that looks like key material (base64,
/// `Proc-Type:`-style headers) up to the `-----END` marker is masked, all of it as one mask
/// when it arrives together. Works word by word (whitespace-separated), so a key joined onto
/// one line by `echo $(cat key)` is found too, and memory stays bounded.
#[derive(Default)]
struct Pem {
    state: PemState,
    word: Word,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum PemState {
    #[default]
    Outside,
    /// Reading the words of a `-----BEGIN` marker.
    Marker { words: u8, private: bool },
    /// Inside a private key block; `masked_to` is the raw end of the last masked word.
    Inside { masked_to: Option<usize> },
}

/// The visible word being read, as much of it as the checks need.
#[derive(Default)]
struct Word {
    len: usize,
    /// Raw range (window coordinates) of its bytes.
    start: usize,
    end: usize,
    head: [u8; 10],
    /// Its last 16 bytes, the last one lowest.
    tail: u128,
    /// Only base64 and header characters so far.
    body: bool,
    /// Only upper-case letters and digits so far (a marker word such as `OPENSSH`).
    upper: bool,
}

impl Word {
    fn push(&mut self, b: u8, at: usize) {
        if self.len == 0 {
            self.start = at;
            self.body = true;
            self.upper = true;
        }
        if self.len < self.head.len() {
            self.head[self.len] = b;
        }
        self.tail = (self.tail << 8) | u128::from(b);
        self.body &= b.is_ascii_alphanumeric() || b"+/=:,_-".contains(&b);
        self.upper &= b.is_ascii_uppercase() || b.is_ascii_digit();
        self.len += 1;
        self.end = at + 1;
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.len >= s.len() && self.head[..s.len()] == *s
    }

    /// `s` is at most 16 bytes.
    fn ends_with(&self, s: &[u8]) -> bool {
        let packed = s.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
        let mask = if s.len() >= 16 { u128::MAX } else { (1u128 << (8 * s.len())) - 1 };
        self.len >= s.len() && self.tail & mask == packed
    }

    fn is(&self, s: &[u8]) -> bool {
        self.len == s.len() && self.starts_with(s)
    }

    /// Could still turn out to be `-----END…`.
    fn may_be_end(&self) -> bool {
        let n = self.len.min(8);
        self.head[..n] == b"-----END"[..n]
    }

    fn is_header(&self) -> bool {
        self.head[0].is_ascii_uppercase() && self.ends_with(b":")
    }
}

impl Pem {
    fn inside(&self) -> bool {
        matches!(self.state, PemState::Inside { .. })
    }

    /// Where to hold from: the end of the last masked word, when only whitespace follows it.
    fn hold_from(&self) -> Option<usize> {
        match self.state {
            PemState::Inside { masked_to: Some(end) } if self.word.len == 0 => Some(end),
            _ => None,
        }
    }

    /// Read the visible bytes `..vis_cut` (drawn by raw `..cut`), adding masks for key material.
    /// A word still open at the cut is masked as far as the cut when it is key material so far,
    /// unless this is the end of input, where it is complete.
    fn process(&mut self, w: &Window, vis_cut: usize, cut: usize, end_of_input: bool, masks: &mut Vec<Mask>) {
        let text = w.vis();
        let mut j = 0;
        let mut skipped = false;
        while j < vis_cut {
            if !skipped && self.state == PemState::Outside && self.word.len == 0 {
                // Nothing to do until a marker: skip to the word holding the first
                // `-----BEGIN`, or to the last word, which may become one.
                skipped = true;
                let rest = &text[j..vis_cut];
                let upto = begin_marker().find(rest).map_or(rest.len(), |m| m.start());
                if let Some(space) = rest[..upto].iter().rposition(|&b| is_space(b)) {
                    j += space + 1;
                    continue;
                }
            }
            let b = text[j];
            if is_space(b) {
                if self.word.len > 0 {
                    self.end_word(masks);
                }
            } else {
                self.word.push(b, w.raw_at(j));
            }
            j += 1;
        }
        if self.word.len > 0 {
            if end_of_input {
                self.end_word(masks);
            } else if let PemState::Inside { masked_to } = self.state {
                if self.word.body && !self.word.may_be_end() && self.word.start < cut {
                    let from = masked_to.unwrap_or(self.word.start);
                    masks.push(Mask { range: from..cut, lead: masked_to.is_none() });
                    self.state = PemState::Inside { masked_to: Some(cut) };
                }
            }
        }
    }

    fn end_word(&mut self, masks: &mut Vec<Mask>) {
        let word = std::mem::take(&mut self.word);
        self.state = match self.state {
            PemState::Outside => after_outside(&word),
            PemState::Marker { words, private } => {
                if private && (word.is(b"KEY-----") || word.is(b"BLOCK-----")) {
                    PemState::Inside { masked_to: None }
                } else if word.upper && word.len <= 16 && words < 6 {
                    PemState::Marker { words: words + 1, private: private || word.is(b"PRIVATE") }
                } else {
                    after_outside(&word)
                }
            }
            PemState::Inside { masked_to } => {
                // Key material: base64 or headers; the first word must look like it (a long
                // base64 run or a header), so a sentence quoting the marker is left alone.
                let material = word.body
                    && !word.starts_with(b"-----END")
                    && (masked_to.is_some() || word.len >= 16 || word.is_header());
                if material {
                    let from = masked_to.unwrap_or(word.start);
                    masks.push(Mask { range: from..word.end, lead: masked_to.is_none() });
                    PemState::Inside { masked_to: Some(word.end) }
                } else {
                    after_outside(&word)
                }
            }
        };
    }

    fn drained(&mut self, cut: usize) {
        if let PemState::Inside { masked_to: Some(end) } = &mut self.state {
            *end = end.saturating_sub(cut);
        }
        self.word.start = self.word.start.saturating_sub(cut);
        self.word.end = self.word.end.saturating_sub(cut);
    }
}

fn begin_marker() -> &'static Regex {
    static COMPILED: OnceLock<Regex> = OnceLock::new();
    COMPILED.get_or_init(|| Regex::new("-----BEGIN").expect("marker pattern compiles"))
}

fn after_outside(word: &Word) -> PemState {
    if word.ends_with(b"-----BEGIN") {
        PemState::Marker { words: 0, private: false }
    } else {
        PemState::Outside
    }
}

// ---------------------------------------------------------------------------------------------
// Holding back what could still become a secret.

/// Build a lazy DFA that, run anchored from a position, says whether the text from there could
/// still be the beginning of a match (it dies once no pattern can match any more). `All`
/// keeps every pattern's threads alive after another one has matched.
fn hold_dfa<S: AsRef<str>>(sources: &[S]) -> Option<DFA> {
    DFA::builder()
        .configure(DFA::config().match_kind(MatchKind::All).unicode_word_boundary(true))
        .syntax(syntax::Config::new().utf8(false))
        .thompson(thompson::Config::new().utf8(false))
        .build_many(sources)
        .ok()
}

/// The built-in hold patterns and the user's patterns, each with its cache.
struct HoldSet {
    /// Bytes a match of any hold pattern can begin with (in some context): every other
    /// position is ruled out without running a DFA.
    can_start: [bool; 256],
    builtin: &'static [DFA; 2],
    /// Always there; options only to hand them back to [`WARM_CACHES`] when dropped.
    builtin_caches: [Option<Cache>; 2],
    extra: Option<(DFA, Cache)>,
}

/// Caches of the built-in hold DFAs, kept warm between redactors (a lazy DFA builds its states
/// as it meets them; `redact_text` makes a redactor per text).
static WARM_CACHES: std::sync::Mutex<Vec<[Option<Cache>; 2]>> = std::sync::Mutex::new(Vec::new());

impl HoldSet {
    fn new(extra: &[Regex]) -> HoldSet {
        let builtin = builtin_holds();
        let caches = WARM_CACHES.lock().ok().and_then(|mut caches| caches.pop());
        let caches = caches.unwrap_or_else(|| [Some(builtin[0].create_cache()), Some(builtin[1].create_cache())]);
        let sources: Vec<&str> = extra.iter().map(|re| re.as_str()).collect();
        let extra = if sources.is_empty() {
            None
        } else {
            // A pattern the lazy DFA cannot take (none known) only loses the hold.
            hold_dfa(&sources).map(|dfa| {
                let cache = dfa.create_cache();
                (dfa, cache)
            })
        };
        let mut set = HoldSet { can_start: [true; 256], builtin, builtin_caches: caches, extra };
        set.can_start = std::array::from_fn(|b| set.may_start(b as u8));
        set
    }

    /// Whether a match of some hold pattern can begin with `b`, after a space, a letter or
    /// a line break or nothing (the contexts `\b` and `^` tell apart); glued ones with `b` as
    /// the glue.
    fn may_start(&mut self, b: u8) -> bool {
        let [starts, glued] = self.builtin;
        let [starts_cache, glued_cache] = &mut self.builtin_caches;
        let starts_cache = starts_cache.get_or_insert_with(|| starts.create_cache());
        let glued_cache = glued_cache.get_or_insert_with(|| glued.create_cache());
        [None, Some(b' '), Some(b'a'), Some(b'\n')].into_iter().any(|before| {
            may_grow(starts, starts_cache, None, &[b], before)
                || may_grow(glued, glued_cache, None, &[b], before)
                || self.extra.as_mut().is_some_and(|(dfa, cache)| may_grow(dfa, cache, None, &[b], before))
        })
    }

    /// The first position in `range` from which `hay` could still grow into a match; `before`
    /// is the byte before `hay` (for `\b`).
    fn earliest(&mut self, hay: &[u8], range: Range<usize>, before: Option<u8>) -> Option<usize> {
        range.into_iter().find(|&i| {
            let prev = if i == 0 { before } else { Some(hay[i - 1]) };
            let text = &hay[i..];
            // At the start, the released byte before may be the glue.
            let glue = if i == 0 { before } else { None };
            if !self.can_start[usize::from(hay[i])] && !glue.is_some_and(|g| self.can_start[usize::from(g)]) {
                return false;
            }
            let [starts, glued] = self.builtin;
            let [starts_cache, glued_cache] = &mut self.builtin_caches;
            let starts_cache = starts_cache.get_or_insert_with(|| starts.create_cache());
            if may_grow(starts, starts_cache, None, text, prev) {
                return true;
            }
            // Glued: from two characters on. At the start of what is held, the character
            // before (already released) may be the glue.
            let glued_cache = glued_cache.get_or_insert_with(|| glued.create_cache());
            let glued_live = match (i, before) {
                (0, Some(b)) => may_grow(glued, glued_cache, Some(b), text, None),
                _ => text.len() >= 2 && may_grow(glued, glued_cache, None, text, prev),
            };
            if glued_live {
                return true;
            }
            match &mut self.extra {
                Some((dfa, cache)) => may_grow(dfa, cache, None, text, prev),
                None => false,
            }
        })
    }
}

impl Drop for HoldSet {
    fn drop(&mut self) {
        if let Ok(mut caches) = WARM_CACHES.lock() {
            if caches.len() < 8 {
                caches.push(std::mem::take(&mut self.builtin_caches));
            }
        }
    }
}

/// Whether `first` then `text` is the beginning of a match of `dfa` (anchored at its start), or
/// may be: a DFA that gives up counts as "may".
fn may_grow(dfa: &DFA, cache: &mut Cache, first: Option<u8>, text: &[u8], before: Option<u8>) -> bool {
    let config = start::Config::new().anchored(Anchored::Yes).look_behind(before);
    let Ok(mut sid) = dfa.start_state(cache, &config) else { return true };
    for &b in first.iter().chain(text) {
        match dfa.next_state(cache, sid, b) {
            Ok(next) => sid = next,
            Err(_) => return true,
        }
        if sid.is_dead() {
            return false;
        }
        if sid.is_quit() {
            return true;
        }
    }
    true
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
        secret
            .windows(n)
            .any(|piece| haystack.windows(n).any(|w| w == piece))
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
            (
                "a backspace over a typo",
                format!("key sk-prox\x08j-{B1}{B2} end\r\n"),
                "key [REDACTED] end\r\n".into(),
            ),
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
            ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
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

    const OPENSSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\r\n\
        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\r\n\
        QyNTUxOQAAACDq8Lx0Vh4Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZW\r\n\
        Vh4Wm1ZTkdRT3pBbU5ZeTNxmRqz/b0agAAAEBV7J2KcLq3Yx8nFpT0sWdR6uMz4HgAeI=\r\n\
        -----END OPENSSH PRIVATE KEY-----\r\n";

    #[test]
    fn a_private_key_block_is_masked_whole() {
        let want = "-----BEGIN OPENSSH PRIVATE KEY-----\r\n[REDACTED]\r\n-----END OPENSSH PRIVATE KEY-----\r\n";
        assert_eq!(redact_str(OPENSSH_KEY), want);
        assert_eq!(redact_str(&format!("$ cat ~/.ssh/id_ed25519\r\n{OPENSSH_KEY}$ ")), format!("$ cat ~/.ssh/id_ed25519\r\n{want}$ "));

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
        assert_eq!(
            redact_str(&format!("{head}$ ls\r\n")),
            "-----BEGIN OPENSSH PRIVATE KEY-----\r\n[REDACTED]\r\n$ ls\r\n"
        );
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
                assert!(seen.starts_with(b"x [REDACTED]") && seen.ends_with(b" tail\n"), "{}", String::from_utf8_lossy(&seen));
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
}

/// Throughput of the redactor, by hand: `cargo test --release --lib redact::bench -- --ignored
/// --nocapture`. Not a test: it prints MB/s for a few kinds of agent output.
#[cfg(test)]
mod bench {
    use super::*;
    use std::time::Instant;

    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// About `size` bytes of one kind of output.
    pub(super) fn sample(kind: &str, size: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(size + 256);
        let mut state = 0x9e3779b97f4a7c15u64;
        let mut n = 0u64;
        while out.len() < size {
            n += 1;
            match kind {
                // Build and test logs: plain lines of words and paths.
                "plain" => out.extend_from_slice(
                    format!("   Compiling minder v0.1.0 (/home/user/src/minder) test {n} ... ok, 0.{n}s elapsed\r\n").as_bytes(),
                ),
                // A TUI redrawing: cursor moves, colours, short runs of text.
                "tui" => out.extend_from_slice(
                    format!("\x1b[{};1H\x1b[2K\x1b[38;5;{}m• \x1b[1mRunning\x1b[22m cargo test --lib redact \x1b[2m({n}s • esc to interrupt)\x1b[0m\x1b[?25h", n % 40 + 1, n % 255).as_bytes(),
                ),
                // Long lines with no whitespace (base64, minified code): the worst case for
                // holding back.
                "dense" => {
                    for _ in 0..4000 {
                        out.push(b'!' + (xorshift(&mut state) % 94) as u8);
                    }
                    out.extend_from_slice(b"\n");
                }
                _ => unreachable!(),
            }
        }
        out
    }

    #[test]
    #[ignore]
    fn throughput() {
        // Reads from a busy pane fill 64 KiB; an interactive one gives a few hundred bytes.
        let chunk_size: usize = std::env::var("MINDER_BENCH_CHUNK").ok().and_then(|c| c.parse().ok()).unwrap_or(64 * 1024);
        let only = std::env::var("MINDER_BENCH_KIND").ok();
        for kind in ["plain", "tui", "dense"] {
            if only.as_deref().is_some_and(|o| o != kind) {
                continue;
            }
            let input = sample(kind, 32 << 20);
            let mut best = f64::MAX;
            for _ in 0..3 {
                let start = Instant::now();
                let mut r = Redactor::new(&[]);
                let mut written = 0;
                for chunk in input.chunks(chunk_size) {
                    written += r.push(chunk).len();
                }
                written += r.finish().len();
                assert!(written > 0);
                best = best.min(start.elapsed().as_secs_f64());
            }
            println!("redact {kind:>5} in {chunk_size:>5}-byte reads: {:7.1} MB/s", input.len() as f64 / best / 1e6);
        }
    }
}

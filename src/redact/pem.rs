//! Private key blocks (PEM, OpenSSH) printed over several lines: after a `-----BEGIN …
//! PRIVATE KEY-----` marker in the visible text, the key material up to `-----END` is masked as
//! one mask, word by word as it streams, in bounded memory. A key shown with a prefix on each
//! line (`cat -n`, `grep -rn`, `bat`, a diff's `+`) is found too: the prefix on the marker's
//! line is looked for, and passed over, at the start of each line of the block.

use super::patterns::is_space;
use super::visible::Window;
use super::Mask;
use regex::bytes::Regex;
use std::sync::OnceLock;

/// Finds PEM and OpenSSH private key blocks in the visible text, as they stream: after a
/// `-----BEGIN … PRIVATE KEY-----` marker, every word that looks like key material (base64,
/// `Proc-Type:`-style headers) up to the `-----END` marker is masked, all of it as one mask
/// when it arrives together. Works word by word (whitespace-separated), so a key joined onto
/// one line by `echo $(cat key)` is found too, and memory stays bounded.
#[derive(Default)]
pub(super) struct Pem {
    state: PemState,
    word: Word,
    /// The current visible line as far as [`PREFIX_CAP`] (`line_long` past it): what came
    /// before a `-----BEGIN` on its line is the prefix the block's lines may carry.
    line: Vec<u8>,
    line_long: bool,
    /// The prefix read off the marker's line, while the marker is read and inside the block.
    prefix: Option<Vec<Tok>>,
    /// Matching the prefix at the start of a line inside the block.
    matching: Option<PrefixMatch>,
    /// A line of the block has carried the prefix: one that does not ends the block.
    prefixed: bool,
    /// Raw bytes before this were read (a release may hold some back after reading them).
    read_to: usize,
}

/// Longest line prefix looked for.
const PREFIX_CAP: usize = 64;

/// One part of a line prefix. Runs of digits and of spaces match any run of the same kind
/// (line numbers grow, `cat -n` and `bat` pad them), `:` and `-` match each other (`grep`
/// writes `path:12:` on matching lines and `path-13-` on context lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Digits,
    Spaces,
    Sep,
    Byte(u8),
}

/// How far a line's start has matched the prefix, and the bytes it took (visible byte, raw
/// index), fed to the words after all when the line turns out not to carry the prefix.
#[derive(Default)]
struct PrefixMatch {
    tok: usize,
    run: usize,
    seen: Vec<(u8, usize)>,
}

enum Step {
    More,
    /// The prefix ended; the byte was part of it or is the first one after it.
    Done {
        consumed: bool,
    },
    Fail,
}

/// The prefix a line shows before `-----BEGIN`; none when there is none worth looking for.
fn prefix_of(text: &[u8]) -> Option<Vec<Tok>> {
    if text.len() > PREFIX_CAP || text.iter().all(|&b| b == b' ' || b == b'\t') {
        return None;
    }
    let mut toks: Vec<Tok> = Vec::new();
    for &b in text {
        let tok = match b {
            b'0'..=b'9' => Tok::Digits,
            b' ' => Tok::Spaces,
            b':' | b'-' => Tok::Sep,
            _ => Tok::Byte(b),
        };
        if matches!(tok, Tok::Digits | Tok::Spaces) && toks.last() == Some(&tok) {
            continue;
        }
        toks.push(tok);
    }
    Some(toks)
}

impl PrefixMatch {
    fn step(&mut self, toks: &[Tok], b: u8) -> Step {
        loop {
            let Some(&tok) = toks.get(self.tok) else { return Step::Done { consumed: false } };
            let (fits, run, least) = match tok {
                Tok::Digits => (b.is_ascii_digit(), true, 1),
                Tok::Spaces => (b == b' ', true, 0),
                Tok::Sep => (b == b':' || b == b'-', false, 1),
                Tok::Byte(x) => (b == x, false, 1),
            };
            if fits && run && self.seen.len() < 2 * PREFIX_CAP {
                self.run += 1;
                return Step::More;
            }
            if fits && !run {
                self.tok += 1;
                return if self.tok == toks.len() { Step::Done { consumed: true } } else { Step::More };
            }
            if run && self.run >= least {
                self.tok += 1;
                self.run = 0;
                continue;
            }
            return Step::Fail;
        }
    }
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
    pub(super) fn inside(&self) -> bool {
        matches!(self.state, PemState::Inside { .. })
    }

    /// Where to hold from: the end of the last masked word, when only whitespace follows it.
    pub(super) fn hold_from(&self) -> Option<usize> {
        match self.state {
            PemState::Inside { masked_to: Some(end) } if self.word.len == 0 => Some(end),
            _ => None,
        }
    }

    /// Read the visible bytes `..vis_cut` (drawn by raw `..cut`), adding masks for key material.
    /// A word still open at the cut is masked as far as the cut when it is key material so far,
    /// unless this is the end of input, where it is complete.
    pub(super) fn process(
        &mut self,
        w: &Window,
        vis_cut: usize,
        cut: usize,
        end_of_input: bool,
        masks: &mut Vec<Mask>,
    ) {
        let text = w.vis();
        let mut j = w.vis_before(self.read_to).min(vis_cut);
        self.read_to = self.read_to.max(cut);
        let mut skipped = false;
        while j < vis_cut {
            if !skipped && self.state == PemState::Outside && self.word.len == 0 {
                // Nothing to do until a marker: skip to the word holding the first
                // `-----BEGIN`, or to the last word, which may become one.
                skipped = true;
                let rest = &text[j..vis_cut];
                let upto = begin_marker().find(rest).map_or(rest.len(), |m| m.start());
                if let Some(space) = rest[..upto].iter().rposition(|&b| is_space(b)) {
                    self.note_line(&rest[..=space]);
                    j += space + 1;
                    continue;
                }
            }
            let (b, at) = (text[j], w.raw_at(j));
            j += 1;
            if matches!(b, b'\n' | b'\r' | 0x0b | 0x0c) && self.matching.as_ref().is_some_and(|m| m.seen.is_empty()) {
                // Another line break (`\r\n`): the line has not begun.
                self.matching = None;
            }
            if let (Some(m), Some(toks)) = (&mut self.matching, &self.prefix) {
                match m.step(toks, b) {
                    Step::More => {
                        m.seen.push((b, at));
                        continue;
                    }
                    Step::Done { consumed } => {
                        self.matching = None;
                        self.prefixed = true;
                        if consumed {
                            continue;
                        }
                    }
                    Step::Fail => {
                        // Not the prefix: after lines that carried it, the block has ended;
                        // else the block's lines carry none (`KEY="-----BEGIN …` in an env
                        // file). Either way the line is read as it is.
                        if self.prefixed {
                            self.state = PemState::Outside;
                        }
                        self.prefix = None;
                        self.prefixed = false;
                        let seen = self.matching.take().map(|m| m.seen).unwrap_or_default();
                        for (b, at) in seen {
                            self.feed(b, at, masks);
                        }
                    }
                }
            }
            self.feed(b, at, masks);
        }
        if self.word.len > 0 {
            if end_of_input {
                self.end_word(masks);
            } else if let PemState::Inside { masked_to } = self.state {
                if self.word.body && !self.word.may_be_end() && self.word.start < cut {
                    let from = masked_to.unwrap_or(self.word.start);
                    masks.push(Mask { range: from..cut, lead: masked_to.is_none(), secret: false });
                    self.state = PemState::Inside { masked_to: Some(cut) };
                }
            }
        }
    }

    /// One visible byte: words, and the line they are on.
    fn feed(&mut self, b: u8, at: usize, masks: &mut Vec<Mask>) {
        if !is_space(b) {
            self.word.push(b, at);
            self.note_line(&[b]);
            return;
        }
        if self.word.len > 0 {
            self.end_word(masks);
        }
        if matches!(b, b'\n' | b'\r' | 0x0b | 0x0c) {
            self.note_line(&[b]);
            if self.inside() && self.prefix.is_some() {
                self.matching = Some(PrefixMatch::default());
            }
        } else {
            self.note_line(&[b]);
        }
    }

    /// Follow the current line over visible `text`.
    fn note_line(&mut self, text: &[u8]) {
        let text = match memchr::memrchr3(b'\n', b'\r', 0x0c, text) {
            Some(i) => {
                self.line.clear();
                self.line_long = false;
                &text[i + 1..]
            }
            None => text,
        };
        if self.line.len() + text.len() > PREFIX_CAP {
            self.line_long = true;
        } else {
            self.line.extend_from_slice(text);
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
                    masks.push(Mask { range: from..word.end, lead: masked_to.is_none(), secret: false });
                    PemState::Inside { masked_to: Some(word.end) }
                } else {
                    after_outside(&word)
                }
            }
        };
        match self.state {
            PemState::Marker { words: 0, .. } => {
                // The marker's word ends the line so far: what is before `-----BEGIN` is the prefix.
                let before = self.line.len().saturating_sub(b"-----BEGIN".len());
                self.prefix = if self.line_long { None } else { prefix_of(&self.line[..before]) };
                self.prefixed = false;
            }
            PemState::Marker { .. } | PemState::Inside { .. } => {}
            PemState::Outside => {
                self.prefix = None;
                self.matching = None;
                self.prefixed = false;
            }
        }
    }

    pub(super) fn drained(&mut self, cut: usize) {
        self.read_to = self.read_to.saturating_sub(cut);
        if let PemState::Inside { masked_to: Some(end) } = &mut self.state {
            *end = end.saturating_sub(cut);
        }
        self.word.start = self.word.start.saturating_sub(cut);
        self.word.end = self.word.end.saturating_sub(cut);
        if let Some(m) = &mut self.matching {
            for (_, at) in &mut m.seen {
                *at = at.saturating_sub(cut);
            }
        }
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

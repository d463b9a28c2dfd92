//! Private key blocks (PEM, OpenSSH) printed over several lines: after a `-----BEGIN …
//! PRIVATE KEY-----` marker in the visible text, the key material up to `-----END` is masked as
//! one mask, word by word as it streams, in bounded memory.

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
                    masks.push(Mask { range: from..cut, lead: masked_to.is_none(), secret: false });
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
                    masks.push(Mask { range: from..word.end, lead: masked_to.is_none(), secret: false });
                    PemState::Inside { masked_to: Some(word.end) }
                } else {
                    after_outside(&word)
                }
            }
        };
    }

    pub(super) fn drained(&mut self, cut: usize) {
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

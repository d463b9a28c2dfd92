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
//!
//! This file decides what to release and masks it; `patterns` holds the built-in patterns,
//! `visible` the projection, `pem` private key blocks over several lines, and `hold` the lazy
//! DFAs that tell whether held text could still grow into a match.

#[cfg(test)]
mod bench;
mod hold;
mod patterns;
mod pem;
#[cfg(test)]
mod tests;
mod visible;

use hold::HoldSet;
use patterns::{builtins, hold_start, is_space, line_start, matches_in};
use pem::Pem;
use regex::bytes::Regex;
use std::ops::Range;
use visible::{back_pos, Projector, Window};

/// What a secret is replaced with.
pub const MASK: &str = "[REDACTED]";

/// Most bytes a [`Redactor`] ever holds back, whatever the input.
pub const HOLD_CAP: usize = 1024;

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
    /// Found in the raw bytes (else in the visible text).
    raw: bool,
}

/// Raw bytes to mask. A leading mask is replaced with [`MASK`]; a continuing one (the rest of
/// a private key, the tail of a long secret) with nothing. Either way the escape sequences in
/// it are kept, except for the bytes of a `secret` mask.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Mask {
    range: Range<usize>,
    lead: bool,
    /// A match in the raw bytes: these bytes are the secret as written, and none of them is
    /// kept, even inside an escape sequence (a key in a window title or a hyperlink).
    secret: bool,
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
        if let Some(cr) = self.projector.pending_cr(w.vis()) {
            // A carriage return: a move back to where the line ended joins what follows.
            let vis = &w.vis()[..cr];
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
                masks.push(Mask { range: 0..floor, lead: false, secret: false });
            }
        }
        let hits = self.scan();
        masks.extend(hits.iter().map(|h| Mask { range: h.mask.clone(), lead: true, secret: h.raw }));
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
        let secret = merge(masks.iter().filter(|m| m.secret).cloned().collect());
        let masks = merge(masks);
        let w = &self.window;
        let out = apply_masks(&w.raw[..cut], &w.kept, &masks, &secret);
        self.carry = masks
            .iter()
            .map(|m| (m, false))
            .chain(secret.iter().map(|m| (m, true)))
            .filter(|(m, _)| m.range.start < cut && cut < m.range.end)
            .map(|(m, secret)| Mask { range: 0..m.range.end - cut, lead: false, secret })
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
        // Each pattern alone finds its literal fast; a RegexSet of them all, which has none to
        // look for, is slower even on short reads.
        let patterns = |hay: &[u8]| matches_in(self.builtin.iter().chain(&self.extra), hay);
        for (whole, mask) in patterns(&w.raw) {
            let open = whole.end == w.raw.len();
            hits.push(Hit { whole, mask, open, raw: true });
        }
        if !w.is_plain() {
            for (whole, mask) in patterns(w.vis()) {
                let open = whole.end == w.vis().len();
                hits.push(Hit { whole: w.raw_range(whole), mask: w.raw_range(mask), open, raw: false });
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
            // A user's pattern may go on past a line break.
            if let Some(i) = self.hold.earliest_user(&w.raw, len.saturating_sub(HOLD_CAP)..lo, self.last_raw) {
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
            if let Some(i) = self.hold.earliest_user(vis, vis.len().saturating_sub(HOLD_CAP)..lo, self.last_vis) {
                h = h.min(i);
            }
            cut = cut.min(if h < vis.len() { w.raw_at(h) } else { len });
        }
        if let Some(cr) = self.projector.pending_cr(w.vis()) {
            // After a carriage return the cursor may move back to where the line ended
            // (`\r\e[14C`) and go on with it: hold the line's last word as if no `\r` came.
            let vis = &w.vis()[..cr];
            let mut h = hold_start(vis);
            let lo = line_start(vis).max(cr.saturating_sub(HOLD_CAP));
            if let Some(i) = self.hold.earliest(vis, lo..h, self.last_vis) {
                h = h.min(i);
            }
            if h < cr {
                cut = cut.min(w.raw_at(h));
            }
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
        while let Some(hit) =
            hits.iter().filter(|h| h.whole.start < cut && cut < h.whole.end).max_by_key(|h| h.whole.end)
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

/// Sort masks and merge those that overlap or touch, so adjacent secrets get one mask.
fn merge(mut masks: Vec<Mask>) -> Vec<Mask> {
    masks.sort_by_key(|m| (m.range.start, m.range.end));
    let mut merged: Vec<Mask> = Vec::with_capacity(masks.len());
    for m in masks {
        match merged.last_mut() {
            Some(last) if m.range.start <= last.range.end => {
                last.range.end = last.range.end.max(m.range.end);
                last.lead |= m.lead;
                last.secret &= m.secret;
            }
            _ => merged.push(m),
        }
    }
    merged
}

/// Copy `raw` with every mask (clipped to `raw`) replaced by [`MASK`] (or nothing, for a
/// continuing mask) followed by the parts of the `kept` escape sequences inside it that are not
/// `secret` (sorted, merged).
fn apply_masks(raw: &[u8], kept: &[Range<u32>], masks: &[Mask], secret: &[Mask]) -> Vec<u8> {
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
                extend_outside(&mut out, &raw[..b], a, secret);
            }
        }
        pos = end;
    }
    out.extend_from_slice(&raw[pos..]);
    out
}

/// Append `raw[from..]` but for the bytes inside `secret` (sorted, not overlapping).
fn extend_outside(out: &mut Vec<u8>, raw: &[u8], from: usize, secret: &[Mask]) {
    let mut pos = from;
    let first = secret.partition_point(|m| m.range.end <= pos);
    for m in &secret[first..] {
        if m.range.start >= raw.len() {
            break;
        }
        if m.range.start > pos {
            out.extend_from_slice(&raw[pos..m.range.start]);
        }
        pos = pos.max(m.range.end);
    }
    if pos < raw.len() {
        out.extend_from_slice(&raw[pos..]);
    }
}

//! Turn a raw terminal byte log (what tmux `pipe-pane` records) into the text a person saw.
//!
//! [`Renderer`] feeds the bytes to a small streaming emulator (`term`) and writes each row out
//! once it scrolls off and can no longer change, so memory stays bounded by the screen size.
//! Beside it, how text reaches a person: `sanitize` (agent text made safe to print), `look` (each
//! state's icon and colour, one table for every view) and `text` (ages).

pub mod look;
mod row;
pub mod sanitize;
mod term;
#[cfg(test)]
mod tests;
pub mod text;
mod width;

use row::{Emitter, LineState};
use std::io::{self, Write};
use term::{Performer, Term};

/// `feed` hands the parser at most this many bytes at a time, so the OSC guard looks often.
const SLICE: usize = 4096;
/// vte keeps an OSC string in memory until it ends, and one that never ends (a corrupt or
/// hostile log) would grow without limit. Past this many bytes without any parser action while
/// an OSC is open, the rest of the string is skipped here instead, as tmux drops OSC strings
/// past 1 MiB.
const OSC_LIMIT: usize = 1 << 20;

/// Renders a terminal byte stream into plain text, writing lines as soon as they are settled.
///
/// Feed it the log in pieces of any size (escape sequences and UTF-8 may be split anywhere),
/// then call [`Renderer::finish`] for what is still on the screen. Output is written in
/// many small pieces, so give it a buffered writer.
pub struct Renderer {
    parser: vte::Parser,
    term: Term,
    line: LineState,
    /// Bytes handed to the parser since it last did anything (see [`OSC_LIMIT`]).
    silent: usize,
    /// The byte after the last ESC seen: `]` means an OSC string may be open.
    after_esc: Option<u8>,
    /// The last byte seen was ESC; the next one says what it started.
    esc_pending: bool,
    /// Skipping the rest of an OSC string longer than [`OSC_LIMIT`].
    skipping_osc: bool,
    /// An unfinished UTF-8 sequence at the end of the last feed, held back until it is
    /// complete: vte 0.15 can drop the character after a sequence split between two calls.
    carry: [u8; 4],
    carry_len: usize,
}

impl Renderer {
    /// A renderer for a terminal of `width` columns and `height` rows (each at least 1),
    /// which should be the size of the pane the log was recorded from.
    pub fn new(width: u16, height: u16) -> Renderer {
        Renderer {
            parser: vte::Parser::new(),
            term: Term::new(usize::from(width.max(1)), usize::from(height.max(1))),
            line: LineState::default(),
            silent: 0,
            after_esc: None,
            esc_pending: false,
            skipping_osc: false,
            carry: [0; 4],
            carry_len: 0,
        }
    }

    /// Apply `bytes` to the screen, writing to `out` the rows that scroll off.
    ///
    /// After an error from `out` the renderer may have dropped rows.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut dyn Write) -> io::Result<()> {
        if self.carry_len > 0 {
            let need = utf8_len(self.carry[0]) - self.carry_len;
            let take = bytes.iter().take(need).take_while(|&&b| is_continuation(b)).count();
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&bytes[..take]);
            self.carry_len += take;
            bytes = &bytes[take..];
            if take < need && bytes.is_empty() {
                return Ok(());
            }
            // Complete, or broken by a byte that cannot continue it: either way whole.
            let (carry, len) = (self.carry, std::mem::take(&mut self.carry_len));
            self.advance(&carry[..len], false, out)?;
        }
        self.advance(bytes, true, out)
    }

    /// Hand `bytes` to the parser in slices; with `hold_tail`, keep back an unfinished UTF-8
    /// sequence at the end for the next feed.
    fn advance(&mut self, mut bytes: &[u8], hold_tail: bool, out: &mut dyn Write) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.skipping_osc {
                match bytes.iter().position(|&b| matches!(b, 0x07 | 0x18 | 0x1a | 0x1b)) {
                    None => return Ok(()),
                    Some(i) => {
                        // BEL only ends the string; CAN, SUB and ESC are the parser's to act on.
                        self.skipping_osc = false;
                        bytes = &bytes[i + usize::from(bytes[i] == 0x07)..];
                        continue;
                    }
                }
            }
            let mut end = bytes.len().min(SLICE);
            if end < bytes.len() || hold_tail {
                end -= unfinished_utf8(&bytes[..end]);
            }
            if end == 0 {
                // Only an unfinished sequence is left: the end of this feed.
                self.carry[..bytes.len()].copy_from_slice(bytes);
                self.carry_len = bytes.len();
                return Ok(());
            }
            let (slice, rest) = bytes.split_at(end);
            bytes = rest;
            self.note_escapes(slice);
            let mut performer = Performer {
                term: &mut self.term,
                em: Emitter { out: &mut *out, line: &mut self.line, err: None },
                acted: false,
            };
            self.parser.advance(&mut performer, slice);
            let acted = performer.acted;
            if let Some(err) = performer.em.err {
                return Err(err);
            }
            if acted {
                self.silent = 0;
            } else {
                self.silent += slice.len();
                if self.silent > OSC_LIMIT && self.after_esc == Some(b']') {
                    // A fresh parser drops vte's OSC buffer; the string's tail is skipped above.
                    self.parser = vte::Parser::new();
                    self.silent = 0;
                    self.skipping_osc = true;
                }
            }
        }
        Ok(())
    }

    /// Write what is left on the screen (without trailing blank rows) and start afresh.
    ///
    /// If the log ends inside a full-screen program, the main screen is written first, then
    /// the program's last frame.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut em = Emitter { out, line: &mut self.line, err: None };
        self.term.finish(&mut em);
        let err = em.err.take();
        // Anything unfinished (a sequence, a UTF-8 character) at the very end is dropped.
        *self = Renderer::new(self.term.width as u16, self.term.height as u16);
        err.map_or(Ok(()), Err)
    }

    /// Remember what the last ESC in the stream started, across feeds.
    fn note_escapes(&mut self, slice: &[u8]) {
        if self.esc_pending {
            self.after_esc = Some(slice[0]);
            self.esc_pending = false;
        }
        if let Some(i) = slice.iter().rposition(|&b| b == 0x1b) {
            match slice.get(i + 1) {
                Some(&b) => self.after_esc = Some(b),
                None => self.esc_pending = true,
            }
        }
    }

    /// Bytes held on the heap by the screens and the line buffer, to check they stay bounded.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.term.heap_bytes() + self.line.text.capacity()
    }
}

/// Render a whole log at once: see [`Renderer`].
pub fn render_to_string(bytes: &[u8], width: u16, height: u16) -> String {
    let mut out = Vec::new();
    let mut renderer = Renderer::new(width, height);
    // Writing to a Vec cannot fail.
    let _ = renderer.feed(bytes, &mut out);
    let _ = renderer.finish(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The length of a UTF-8 sequence starting with `lead` (1 for a byte that starts none).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xc0 == 0x80
}

/// How many bytes at the end of `bytes` are a UTF-8 sequence still missing its last bytes.
fn unfinished_utf8(bytes: &[u8]) -> usize {
    for k in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - k];
        if !is_continuation(b) {
            return if utf8_len(b) > k { k } else { 0 };
        }
    }
    0
}

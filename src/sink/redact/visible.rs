//! The visible projection: what the held raw bytes draw, as far as finding secrets needs, with
//! each visible byte mapped back to the raw byte that drew it. Escape sequences draw nothing;
//! a backspace or a cursor move back lets the next character overwrite; a move that lands where
//! the last character ended joins both sides; any other jump is a break.

use super::patterns::is_space;
use std::ops::Range;

/// Byte index in `vis` of the character `back` characters before its end, not reaching past
/// the last line break.
pub(super) fn back_pos(vis: &[u8], back: usize) -> usize {
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


/// Flag on a [`Window::map`] entry: a character the projection inserted (a line break between
/// text drawn in two places, a gap the cursor jumped over); its index is the byte after it.
const SYNTHETIC: u32 = 1 << 31;

/// The bytes not yet released, and their visible projection.
pub(super) struct Window {
    pub(super) raw: Vec<u8>,
    /// The escape sequences in `raw` kept when a mask covers them (all but the cursor moves
    /// that drew what is masked), in order.
    pub(super) kept: Vec<Range<u32>>,
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
    pub(super) fn vis(&self) -> &[u8] {
        if self.mirrored {
            &self.raw
        } else {
            &self.vis_buf
        }
    }

    /// Whether the visible text is the raw text (no escapes, no overwrites): one scan will do.
    pub(super) fn is_plain(&self) -> bool {
        self.mirrored || self.vis_buf == self.raw
    }

    pub(super) fn raw_at(&self, j: usize) -> usize {
        if self.mirrored {
            j
        } else {
            (self.map_buf[j] & !SYNTHETIC) as usize
        }
    }

    /// How many visible bytes were drawn before raw index `cut`.
    pub(super) fn vis_before(&self, cut: usize) -> usize {
        if self.mirrored {
            cut
        } else {
            self.map_buf.partition_point(|&e| ((e & !SYNTHETIC) as usize) < cut)
        }
    }

    /// The raw bytes that drew the visible range `r`: from its first character to its last
    /// one drawn, with what lies between (escape sequences, characters overwritten).
    pub(super) fn raw_range(&self, r: Range<usize>) -> Range<usize> {
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
    pub(super) fn drain(&mut self, cut: usize, vis_cut: usize) {
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
pub(super) struct Projector {
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
    pub(super) fn feed(&mut self, w: &mut Window, chunk: &[u8]) {
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
    pub(super) fn pending_back(&self) -> Option<usize> {
        let end = self.end?;
        let here = self.cursor;
        (end.epoch == here.epoch && end.row == here.row && here.col < end.col)
            .then(|| (end.col - here.col) as usize)
    }

    pub(super) fn drained(&mut self, cut: usize) {
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


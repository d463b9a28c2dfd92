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

/// Flag on a [`Window::map_buf`] entry: a character the projection inserted (a line break between
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
        let end = r.clone().rev().find(|&j| self.map_buf[j] & SYNTHETIC == 0).map_or(start, |j| self.raw_at(j) + 1);
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
///
/// Escape sequences are read by `vte` (as `render` reads them), one byte at a time so that
/// every action is known with the raw byte that ended it; text in the ground state, by far
/// the most of it, goes around the parser.
#[derive(Default)]
pub(super) struct Projector {
    parser: vte::Parser,
    /// What the parser did with the last byte.
    actions: Actions,
    /// The bytes read since the parser last finished something: an escape sequence (or a
    /// string) being read, or the start of a UTF-8 character. None: the parser is in the
    /// ground state.
    unit: Option<Unit>,
    cursor: Pos,
    /// Whether `cursor.row` is known absolutely (an absolute move since the last line feed,
    /// which may have scrolled).
    row_known: bool,
    /// Where a character drawn next continues the last visible one.
    end: Option<Pos>,
    /// Where the line ended before the carriage return that the visible text ends with: a
    /// move back there (`\r\e[14C`) joins what is drawn next to it, as a move back from the
    /// end of the line would.
    cr_from: Option<Pos>,
    saved: Option<(Pos, bool)>,
}

#[derive(Clone, Copy, Debug)]
struct Unit {
    /// Raw index (in the window) of its first byte.
    start: usize,
    /// It began with ESC: an escape sequence or string, not a character.
    seq: bool,
    /// An OSC string (`ESC ]`), which the parser buffers, and how many bytes it has had since
    /// the parser was last reset (see [`OSC_LIMIT`]).
    osc: bool,
    len: usize,
}

/// vte keeps an OSC string in memory until it ends; one that never ends would grow without
/// limit. Past this many bytes the parser is started afresh inside the string, which changes
/// nothing the projection uses (the string draws nothing either way).
const OSC_LIMIT: usize = 4096;

impl Projector {
    pub(super) fn feed(&mut self, w: &mut Window, chunk: &[u8]) {
        // Plain text drawn where the last text ended shows as it is.
        let plain = w.mirrored
            && self.unit.is_none()
            && self.end.is_none_or(|end| end == self.cursor)
            && !has_controls(chunk)
            && unfinished_utf8(chunk) == 0;
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
            if self.unit.is_none() && chunk[k] == 0x1b {
                // A whole ordinary CSI sequence (colours, cursor moves): what the parser
                // would make of it, without a call per byte.
                if let Some((len, csi)) = simple_csi(&chunk[k..]) {
                    if !csi.moves_cursor() {
                        w.kept.push(at as u32..(at + len) as u32);
                    }
                    self.csi(csi);
                    k += len;
                    continue;
                }
            }
            if self.unit.is_none() {
                // The common case: a run of text, which the parser would only print.
                let (run, chars) = text_run(&chunk[k..]);
                if run > 0 {
                    self.place(w, at);
                    w.vis_buf.extend_from_slice(&chunk[k..k + run]);
                    w.map_buf.extend((at..at + run).map(|i| i as u32));
                    self.cursor.col += chars as i64;
                    self.end = Some(self.cursor);
                    k += run;
                    continue;
                }
            }
            self.step(w, at);
            k += 1;
        }
    }

    /// Hand the parser the raw byte at `at` and apply what it did.
    fn step(&mut self, w: &mut Window, at: usize) {
        let b = w.raw[at];
        self.actions.len = 0;
        self.parser.advance(&mut self.actions, &[b]);
        // Whether a unit is still being read after this byte.
        let mut open = self.actions.len == 0;
        for i in 0..self.actions.len {
            let Some(action) = self.actions.list[i] else { continue };
            open = false;
            match action {
                // vte prints DEL; terminals draw nothing for it.
                Action::Print('\x7f') => self.unit = None,
                Action::Print(c) => self.print(w, c, at),
                Action::Execute(c) => match self.unit {
                    // CAN and SUB abort a sequence.
                    Some(u) if u.seq && matches!(c, 0x18 | 0x1a) => self.end_unit(w, at, true),
                    // A control inside a sequence is executed, and the sequence goes on.
                    Some(u) if u.seq => {
                        self.control(w, c, at);
                        open = true;
                    }
                    _ => {
                        self.unit = None;
                        self.control(w, c, at);
                    }
                },
                Action::Csi(csi) => {
                    // Keep it when a mask covers it, unless it only moved the cursor to draw
                    // the secret (the mask draws in its place).
                    self.end_unit(w, at, !csi.moves_cursor());
                    self.csi(csi);
                }
                Action::Esc { intermediate, final_byte } => {
                    self.end_unit(w, at, true);
                    self.esc(intermediate, final_byte);
                }
                Action::OscEnd { bell: true } => self.end_unit(w, at, true),
                // Ended by the ESC of `ESC \`, or a DCS going on: the unit ends with the `\`.
                Action::OscEnd { bell: false } | Action::Dcs => open = true,
            }
        }
        if b == 0x1b || open {
            let unit = self.unit.get_or_insert(Unit { start: at, seq: b == 0x1b, osc: false, len: 0 });
            unit.len += 1;
            if unit.seq && unit.len == 2 && b == b']' {
                unit.osc = true;
            }
            if unit.osc && unit.len >= OSC_LIMIT {
                self.parser = vte::Parser::new();
                self.parser.advance(&mut Actions::default(), b"\x1b]");
                unit.len = 2;
            }
        }
    }

    /// The parser printed `c` on reading the byte at `at`.
    fn print(&mut self, w: &mut Window, c: char, at: usize) {
        let mut buf = [0u8; 4];
        let encoded = c.encode_utf8(&mut buf).as_bytes();
        let len = encoded.len();
        let (start, end) = if at + 1 >= len && w.raw[at + 1 - len..=at] == *encoded {
            // A whole character ends here.
            (at + 1 - len, at + 1)
        } else {
            match self.unit {
                // A broken character, shown as U+FFFD: the bytes before this one.
                Some(u) if !u.seq && u.start < at => (u.start, at),
                _ => (at, at + 1),
            }
        };
        if let Some(u) = self.unit.take() {
            if u.seq && u.start < start {
                // A sequence the parser left without a word (CSI with a misplaced `?`).
                w.kept.push(u.start as u32..start as u32);
            }
        }
        self.place(w, start);
        for i in start..end {
            w.push_vis(w.raw[i], i);
        }
        self.cursor.col += 1;
        self.end = Some(self.cursor);
    }

    /// A sequence ended with the byte at `at`; `keep` it in a mask that covers it.
    fn end_unit(&mut self, w: &mut Window, at: usize, keep: bool) {
        let start = self.unit.take().map_or(at, |u| u.start);
        if keep {
            w.kept.push(start as u32..at as u32 + 1);
        }
    }

    /// Move the cursor over plain text (printable characters, tabs, line breaks, whole UTF-8
    /// characters), as drawing it would.
    fn follow_plain(&mut self, chunk: &[u8]) {
        if let Some((&b'\r', line)) = chunk.split_last() {
            self.follow_plain(line);
            self.carriage_return();
            self.end = Some(self.cursor);
            return;
        }
        if !chunk.is_empty() {
            self.cr_from = None;
        }
        let lines = memchr::memchr3_iter(b'\n', 0x0b, 0x0c, chunk).count();
        if lines > 0 {
            self.line_feed(lines as i64);
        }
        let last_line = match memchr::memrchr(b'\r', chunk) {
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
        if !chunk.is_empty() {
            self.end = Some(self.cursor);
        }
    }

    /// Before a character is drawn at the cursor: overwrite, leave a gap, or break the line in
    /// the projection, by where the cursor is against the end of the last visible character.
    fn place(&mut self, w: &mut Window, at: usize) {
        let here = self.cursor;
        if let Some(from) = self.cr_from.take() {
            // Drawn on the same line after a carriage return, away from its start: the line
            // goes on from where it ended, less what this overwrites.
            if here.col > 0 && from.epoch == here.epoch && from.row == here.row && w.vis_buf.last() == Some(&b'\r') {
                w.vis_buf.pop();
                w.map_buf.pop();
                self.end = Some(from);
            }
        }
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
                self.cr_from = None;
                w.push_vis(c, at);
                self.cursor.col = (self.cursor.col / 8 + 1) * 8;
                self.end = Some(self.cursor);
            }
            b'\n' | 0x0b | 0x0c => {
                self.cr_from = None;
                w.push_vis(c, at);
                self.line_feed(1);
                self.end = Some(self.cursor);
            }
            b'\r' => {
                w.push_vis(c, at);
                self.carriage_return();
                self.end = Some(self.cursor);
            }
            // BEL, NUL, DEL, shifts and the rest draw nothing and do not move the cursor.
            _ => {}
        }
    }

    /// Back to the first column. The projection keeps the `\r` as a break, so a redraw of
    /// the line shows as a line of its own, but remembers where the line ended.
    fn carriage_return(&mut self) {
        let here = self.cursor;
        self.cr_from = self.end.filter(|e| e.epoch == here.epoch && e.row == here.row && e.col > 0);
        self.cursor.col = 0;
    }

    /// The visible text ends with a carriage return that a cursor move may still undo: the
    /// index of that `\r` in `vis`.
    pub(super) fn pending_cr(&self, vis: &[u8]) -> Option<usize> {
        (self.cr_from.is_some() && vis.last() == Some(&b'\r')).then(|| vis.len() - 1)
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
        (end.epoch == here.epoch && end.row == here.row && here.col < end.col).then(|| (end.col - here.col) as usize)
    }

    pub(super) fn drained(&mut self, cut: usize) {
        if let Some(unit) = &mut self.unit {
            unit.start = unit.start.saturating_sub(cut);
        }
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
    chunk
        .chunks(64)
        .any(|block| block.iter().fold(false, |found, &b| found | ((b < 0x20 && !(9..=13).contains(&b)) | (b == 0x7f))))
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

/// The run of text at the start of `bytes` that the parser, in the ground state, would only
/// print: printable ASCII and whole UTF-8 characters, no controls (C0, DEL, C1). Its length in
/// bytes and in characters. ASCII is looked at 16 bytes at a time.
fn text_run(bytes: &[u8]) -> (usize, usize) {
    let mut n = 0;
    let mut chars = 0;
    while n < bytes.len() {
        let block = &bytes[n..bytes.len().min(n + 16)];
        if block.iter().fold(true, |all, &b| all & (0x20..0x7f).contains(&b)) {
            n += block.len();
            chars += block.len();
            continue;
        }
        let b = bytes[n];
        if (0x20..0x7f).contains(&b) {
            n += 1;
            chars += 1;
            continue;
        }
        let len = match b {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => break,
        };
        let Some(Ok(s)) = bytes.get(n..n + len).map(std::str::from_utf8) else { break };
        if s.chars().next().is_some_and(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
            break;
        }
        n += len;
        chars += 1;
    }
    (n, chars)
}

/// The CSI sequence at the start of `bytes`, when it is complete and of the ordinary shape the
/// parser reads the same way: `ESC [`, an optional private marker, up to 16 parameters of
/// digits separated by `;`, a final byte. Its length and what it says; anything else (a
/// sub-parameter, an intermediate, a control inside, too many parameters) is left to vte.
fn simple_csi(bytes: &[u8]) -> Option<(usize, Csi)> {
    if bytes.get(1) != Some(&b'[') {
        return None;
    }
    let mut csi = Csi { final_byte: 0, private: false, params: [0; 2], count: 0 };
    let mut i = 2;
    if matches!(bytes.get(i), Some(b'<'..=b'?')) {
        csi.private = true;
        i += 1;
    }
    while let Some(&b) = bytes.get(i) {
        match b {
            b'0'..=b'9' => {
                if let Some(p) = csi.params.get_mut(usize::from(csi.count)) {
                    *p = p.saturating_mul(10).saturating_add(u16::from(b - b'0'));
                }
            }
            b';' if csi.count < 15 => csi.count += 1,
            0x40..=0x7e => {
                csi.final_byte = b;
                return Some((i + 1, csi));
            }
            _ => return None,
        }
        i += 1;
    }
    None
}

/// What the parser did with a byte, as far as the projection cares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    Print(char),
    /// A C0 or C1 control (also inside a sequence).
    Execute(u8),
    Csi(Csi),
    Esc {
        intermediate: u8,
        final_byte: u8,
    },
    /// An OSC string ended, by BEL or by the ESC of `ESC \`.
    OscEnd {
        bell: bool,
    },
    /// A DCS string began, went on or ended.
    Dcs,
}

/// The actions of one byte: at most a broken character and what the byte itself did, or the
/// end of a string and a control.
#[derive(Default)]
struct Actions {
    list: [Option<Action>; 4],
    len: usize,
}

impl Actions {
    fn push(&mut self, action: Action) {
        if let Some(slot) = self.list.get_mut(self.len) {
            *slot = Some(action);
            self.len += 1;
        }
    }
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

impl vte::Perform for Actions {
    fn print(&mut self, c: char) {
        self.push(Action::Print(c));
    }

    fn execute(&mut self, byte: u8) {
        self.push(Action::Execute(byte));
    }

    fn csi_dispatch(&mut self, params: &vte::Params, intermediates: &[u8], ignore: bool, action: char) {
        let mut first = [0u16; 2];
        for (slot, param) in first.iter_mut().zip(params.iter()) {
            *slot = param.first().copied().unwrap_or(0);
        }
        self.push(Action::Csi(Csi {
            final_byte: u8::try_from(action).unwrap_or(0),
            private: ignore || !intermediates.is_empty(),
            params: first,
            count: u8::try_from(params.len().saturating_sub(1)).unwrap_or(u8::MAX),
        }));
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], _ignore: bool, byte: u8) {
        self.push(Action::Esc { intermediate: intermediates.first().copied().unwrap_or(0), final_byte: byte });
    }

    fn osc_dispatch(&mut self, _params: &[&[u8]], bell_terminated: bool) {
        self.push(Action::OscEnd { bell: bell_terminated });
    }

    fn hook(&mut self, _params: &vte::Params, _intermediates: &[u8], _ignore: bool, _action: char) {
        self.push(Action::Dcs);
    }

    fn put(&mut self, _byte: u8) {
        self.push(Action::Dcs);
    }

    fn unhook(&mut self) {
        self.push(Action::Dcs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What vte reports for `bytes`, one byte at a time as the projector feeds it.
    fn vte_actions(bytes: &[u8]) -> Vec<Action> {
        let mut parser = vte::Parser::new();
        let mut all = Vec::new();
        for &b in bytes {
            let mut actions = Actions::default();
            parser.advance(&mut actions, &[b]);
            all.extend(actions.list.iter().take(actions.len).flatten());
        }
        all
    }

    #[test]
    fn the_csi_fast_path_reads_what_vte_reads() {
        let sequences: &[&[u8]] = &[
            b"\x1b[m",
            b"\x1b[0m",
            b"\x1b[01;31m",
            b"\x1b[38;5;196m",
            b"\x1b[5C",
            b"\x1b[12;40H",
            b"\x1b[H",
            b"\x1b[?25h",
            b"\x1b[?1049l",
            b"\x1b[>4;2m",
            b"\x1b[s",
            b"\x1b[1;2s",
            b"\x1b[99999999D",
            b"\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16H",
        ];
        for seq in sequences {
            let (len, csi) = simple_csi(seq).unwrap_or_else(|| panic!("{seq:?} left to vte"));
            assert_eq!(len, seq.len());
            assert_eq!(vte_actions(seq), vec![Action::Csi(csi)], "{seq:?}");
        }
        // Shapes the fast path leaves to vte.
        for seq in [&b"\x1b[38:5:196m"[..], b"\x1b[1 q", b"\x1b[1\x08m", b"\x1b[1?m", b"\x1b[12", b"\x1b]0;t\x07"] {
            assert_eq!(simple_csi(seq), None, "{seq:?}");
        }
    }

    #[test]
    fn text_runs_stop_at_controls_and_broken_characters() {
        assert_eq!(text_run(b"plain text"), (10, 10));
        assert_eq!(text_run("clé ✓ 日本\x1b[0m".as_bytes()), ("clé ✓ 日本".len(), 8));
        assert_eq!(text_run(b"ab\x08c"), (2, 2));
        assert_eq!(text_run(b"ab\x7fc"), (2, 2));
        assert_eq!(text_run("a\u{9b}b".as_bytes()), (1, 1));
        assert_eq!(text_run(b"a\xffb"), (1, 1));
        assert_eq!(text_run(b"a\xe2\x9c"), (1, 1));
    }
}

//! Turn a raw terminal byte log (what tmux `pipe-pane` records) into the text a person saw.
//!
//! A small streaming terminal emulator: bytes are parsed with `vte` and applied to a fixed-size
//! screen; a row is written out once it scrolls off and can no longer change, so memory stays
//! bounded by the screen size whatever the input.

use std::io::{self, Write};

/// Tab stops are fixed every 8 columns; programs that set their own are rare in logs.
const TAB_WIDTH: usize = 8;
/// `feed` hands the parser at most this many bytes at a time, so the OSC guard looks often.
const SLICE: usize = 4096;
/// vte keeps an OSC string in memory until it ends, and one that never ends (a corrupt or
/// hostile log) would grow without limit. Past this many bytes without any parser action while
/// an OSC is open, the rest of the string is skipped here instead, as tmux drops OSC strings
/// past 1 MiB.
const OSC_LIMIT: usize = 1 << 20;
const SPACES: &[u8; 64] = &[b' '; 64];

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
            let take = bytes
                .iter()
                .take(need)
                .take_while(|&&b| is_continuation(b))
                .count();
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
    fn advance(
        &mut self,
        mut bytes: &[u8],
        hold_tail: bool,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.skipping_osc {
                match bytes
                    .iter()
                    .position(|&b| matches!(b, 0x07 | 0x18 | 0x1a | 0x1b))
                {
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
                em: Emitter {
                    out: &mut *out,
                    line: &mut self.line,
                    err: None,
                },
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
        let mut em = Emitter {
            out,
            line: &mut self.line,
            err: None,
        };
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
        let rows = |screen: &Vec<Row>| {
            screen.capacity() * std::mem::size_of::<Row>()
                + screen
                    .iter()
                    .map(|r| r.cells.capacity() * std::mem::size_of::<Cell>())
                    .sum::<usize>()
        };
        rows(&self.term.screen) + rows(&self.term.other) + self.line.text.capacity()
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

/// One screen cell: a character and up to two combining marks (`'\0'` for none).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Cell {
    ch: char,
    marks: [char; 2],
}

impl Cell {
    const BLANK: Cell = Cell::new(' ');
    /// The right half of a wide character: it takes a column and prints nothing.
    const WIDE_TAIL: Cell = Cell::new('\0');

    const fn new(ch: char) -> Cell {
        Cell {
            ch,
            marks: ['\0'; 2],
        }
    }

    fn is_blank(&self) -> bool {
        self.ch == ' ' && self.marks[0] == '\0'
    }
}

#[derive(Default)]
struct Row {
    /// Cells from column 0; columns past the end are blank. Never longer than the width.
    cells: Vec<Cell>,
    /// This row ran on into the next by autowrap, so on output they are one line (tmux's
    /// GRID_LINE_WRAPPED). Kept on the upper row so it is settled when that row scrolls off.
    wraps: bool,
}

impl Row {
    fn clear(&mut self) {
        self.cells.clear();
        self.wraps = false;
    }

    /// Columns up to and including the last non-blank cell.
    fn used(&self) -> usize {
        self.cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1)
    }

    fn get(&self, x: usize) -> Cell {
        self.cells.get(x).copied().unwrap_or(Cell::BLANK)
    }

    fn set(&mut self, x: usize, cell: Cell, width: usize) {
        if self.cells.len() <= x {
            // Allocate the full width at once, so capacity never exceeds it.
            if self.cells.capacity() < width {
                self.cells.reserve_exact(width - self.cells.len());
            }
            self.cells.resize(x + 1, Cell::BLANK);
        }
        self.cells[x] = cell;
    }

    /// Blank columns `from..to`. The row keeps its length: like tmux, a wrapped row whose
    /// end was erased still joins the next one after those blank columns.
    fn erase(&mut self, from: usize, to: usize) {
        let to = to.min(self.cells.len());
        if from < to {
            self.cells[from..to].fill(Cell::BLANK);
            self.fix_wide();
        }
    }

    /// Shift cells from `x` right by `n` blanks; cells pushed past the width are lost.
    fn insert_blanks(&mut self, x: usize, n: usize, width: usize) {
        if x >= self.cells.len() {
            return;
        }
        let n = n.min(width - x);
        self.set(width - 1, self.get(width - 1), width);
        self.cells[x..].rotate_right(n);
        self.cells[x..x + n].fill(Cell::BLANK);
        self.fix_wide();
    }

    /// Remove `n` cells at `x`, pulling the rest left.
    fn delete(&mut self, x: usize, n: usize) {
        if x >= self.cells.len() {
            return;
        }
        let n = n.min(self.cells.len() - x);
        self.cells.drain(x..x + n);
        self.fix_wide();
    }

    /// Blank any half of a wide character whose other half an edit removed.
    fn fix_wide(&mut self) {
        for i in 0..self.cells.len() {
            let cell = self.cells[i];
            if cell == Cell::WIDE_TAIL {
                if i == 0 || !is_wide(self.cells[i - 1].ch) {
                    self.cells[i] = Cell::BLANK;
                }
            } else if is_wide(cell.ch) && self.cells.get(i + 1) != Some(&Cell::WIDE_TAIL) {
                self.cells[i] = Cell::BLANK;
            }
        }
    }
}

/// The line being written, kept between feeds.
#[derive(Default)]
struct LineState {
    /// A wrapped row was written without its newline; the next row continues the line.
    open: bool,
    /// Blank columns at the end of the wrapped rows written so far: written only if more text
    /// follows on the same line, so no line ends in spaces.
    spaces: usize,
    /// Reused to build one row's text.
    text: String,
}

/// Writes settled rows, joining wrapped rows into one line. Errors are kept for `feed` to
/// return, since the parser's callbacks cannot return them.
struct Emitter<'a> {
    out: &'a mut dyn Write,
    line: &'a mut LineState,
    err: Option<io::Error>,
}

impl Emitter<'_> {
    fn write(&mut self, bytes: &[u8]) {
        if self.err.is_none() {
            if let Err(err) = self.out.write_all(bytes) {
                self.err = Some(err);
            }
        }
    }

    fn row(&mut self, row: &Row) {
        let used = row.used();
        if used > 0 {
            let mut spaces = std::mem::take(&mut self.line.spaces);
            while spaces > 0 {
                let n = spaces.min(SPACES.len());
                self.write(&SPACES[..n]);
                spaces -= n;
            }
            let mut text = std::mem::take(&mut self.line.text);
            text.clear();
            for cell in &row.cells[..used] {
                text.extend(
                    std::iter::once(cell.ch)
                        .chain(cell.marks)
                        .filter(|&c| c != '\0'),
                );
            }
            self.write(text.as_bytes());
            self.line.text = text;
        }
        if row.wraps {
            self.line.open = true;
            // Columns never written (skipped by a wide character that did not fit) are not
            // part of the line, as in tmux.
            self.line.spaces += row.cells.len() - used;
        } else {
            self.write(b"\n");
            self.line.open = false;
            self.line.spaces = 0;
        }
    }

    /// End a line left open by a wrapped row whose continuation will not be written.
    fn end_line(&mut self) {
        if self.line.open {
            self.write(b"\n");
            self.line.open = false;
            self.line.spaces = 0;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Charset {
    #[default]
    Ascii,
    /// DEC special graphics, which older curses programs use to draw boxes.
    Graphics,
}

/// What DECSC (ESC 7) saves.
#[derive(Clone, Copy, Default)]
struct SavedCursor {
    x: usize,
    y: usize,
    origin: bool,
    charsets: [Charset; 2],
    shift_out: bool,
}

struct Term {
    width: usize,
    height: usize,
    /// The screen shown: `height` rows.
    screen: Vec<Row>,
    /// The other screen (main while `on_alt`, else alternate).
    other: Vec<Row>,
    on_alt: bool,
    /// The main screen's cursor row when the alternate screen was entered.
    alt_entry_y: usize,
    /// Cursor column; `width` means a wrap is pending: the last column was just written and
    /// the next character goes to the next row (tmux's model of xterm's deferred wrap).
    x: usize,
    y: usize,
    /// Scroll region, inclusive.
    top: usize,
    bottom: usize,
    autowrap: bool,
    origin: bool,
    insert: bool,
    charsets: [Charset; 2],
    shift_out: bool,
    /// Saved cursor of the main and the alternate screen.
    saved: [SavedCursor; 2],
    /// For REP (CSI b).
    last_char: Option<char>,
    /// LF also returns the carriage. A pty with `onlcr` turns every LF a program writes into
    /// CR LF, so a log recorded from a pane has CR before each LF of cooked output; a bare LF
    /// there comes from a raw-mode program and only moves down. Until the first CR LF shows
    /// the bytes came through a tty, they may come from a file or pipe, where LF means newline.
    lf_newline: bool,
    /// The previous thing done was a CR.
    after_cr: bool,
}

impl Term {
    fn new(width: usize, height: usize) -> Term {
        let blank = || (0..height).map(|_| Row::default()).collect();
        Term {
            width,
            height,
            screen: blank(),
            other: blank(),
            on_alt: false,
            alt_entry_y: 0,
            x: 0,
            y: 0,
            top: 0,
            bottom: height - 1,
            autowrap: true,
            origin: false,
            insert: false,
            charsets: [Charset::Ascii; 2],
            shift_out: false,
            saved: [SavedCursor::default(); 2],
            last_char: None,
            lf_newline: true,
            after_cr: false,
        }
    }

    /// The cursor column with a pending wrap taken as the last column.
    fn col(&self) -> usize {
        self.x.min(self.width - 1)
    }

    fn print(&mut self, c: char, em: &mut Emitter) {
        // vte passes DEL on as a character; terminals ignore it.
        if c == '\x7f' {
            return;
        }
        let c = match self.charsets[usize::from(self.shift_out)] {
            Charset::Graphics => dec_graphics(c),
            Charset::Ascii => c,
        };
        let w = char_width(c);
        if w == 0 {
            self.add_mark(c);
            return;
        }
        let w = w.min(self.width);
        if self.x + w > self.width {
            if self.autowrap {
                self.screen[self.y].wraps = true;
                self.x = 0;
                self.index(em);
            } else {
                self.x = self.width - w;
            }
        }
        let (x, width) = (self.x, self.width);
        let row = &mut self.screen[self.y];
        if self.insert {
            row.insert_blanks(x, w, width);
        }
        // Overwriting half of a wide character blanks its other half.
        if row.get(x) == Cell::WIDE_TAIL {
            row.cells[x - 1] = Cell::BLANK;
        }
        if is_wide(row.get(x + w - 1).ch) && x + w < row.cells.len() {
            row.cells[x + w] = Cell::BLANK;
        }
        row.set(x, Cell::new(c), width);
        if w == 2 {
            row.set(x + 1, Cell::WIDE_TAIL, width);
        }
        self.x += w;
        self.last_char = Some(c);
    }

    /// Attach a zero-width character to the cell before the cursor.
    fn add_mark(&mut self, c: char) {
        let Some(mut x) = self.x.checked_sub(1) else {
            return;
        };
        let row = &mut self.screen[self.y];
        if x > 0 && row.get(x) == Cell::WIDE_TAIL {
            x -= 1;
        }
        if let Some(cell) = row.cells.get_mut(x) {
            if let Some(slot) = cell.marks.iter_mut().find(|m| **m == '\0') {
                *slot = c;
            }
        }
    }

    fn execute(&mut self, byte: u8, em: &mut Emitter) {
        let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
        match byte {
            0x08 => self.backspace(),
            0x09 => self.tab(1),
            0x0a => {
                if after_cr {
                    self.lf_newline = false;
                }
                if self.lf_newline {
                    self.x = 0;
                }
                self.index(em);
            }
            // VT and FF act as LF, as in xterm and tmux.
            0x0b | 0x0c => self.index(em),
            0x0d => self.x = 0,
            0x0e => self.shift_out = true,
            0x0f => self.shift_out = false,
            // BEL and the rest do nothing visible.
            _ => {}
        }
    }

    fn backspace(&mut self) {
        if self.x == 0 {
            // Back over an autowrap onto the row above, as tmux does.
            if self.y > 0 && self.screen[self.y - 1].wraps {
                self.y -= 1;
                self.x = self.width - 1;
            }
        } else {
            // From a pending wrap this lands on the last column, as in tmux.
            self.x -= 1;
        }
    }

    fn tab(&mut self, n: usize) {
        for _ in 0..n {
            if self.x >= self.width - 1 {
                break;
            }
            self.x = ((self.x / TAB_WIDTH + 1) * TAB_WIDTH).min(self.width - 1);
        }
    }

    fn back_tab(&mut self, n: usize) {
        self.x = self.col();
        for _ in 0..n {
            if self.x == 0 {
                break;
            }
            self.x = (self.x - 1) / TAB_WIDTH * TAB_WIDTH;
        }
    }

    /// Move down a row, scrolling the region if at its bottom.
    fn index(&mut self, em: &mut Emitter) {
        if self.y == self.bottom {
            self.scroll_up(1, em);
        } else if self.y + 1 < self.height {
            self.y += 1;
        }
    }

    fn reverse_index(&mut self) {
        if self.y == self.top {
            self.scroll_down(1);
        } else if self.y > 0 {
            self.y -= 1;
        }
    }

    /// Scroll the region up. Rows leaving the top of the main screen are written out (also
    /// from a region that only starts there, as xterm keeps them: a program that pins a status
    /// line at the bottom still scrolls its output into history).
    fn scroll_up(&mut self, n: usize, em: &mut Emitter) {
        let (top, bottom) = (self.top, self.bottom);
        for _ in 0..n.min(bottom - top + 1) {
            self.screen[top..=bottom].rotate_left(1);
            if top == 0 && !self.on_alt {
                em.row(&self.screen[bottom]);
            }
            self.screen[bottom].clear();
        }
    }

    fn scroll_down(&mut self, n: usize) {
        let (top, bottom) = (self.top, self.bottom);
        let n = n.min(bottom - top + 1);
        self.screen[top..=bottom].rotate_right(n);
        self.screen[top..top + n].iter_mut().for_each(Row::clear);
    }

    fn cursor_up(&mut self, n: usize) {
        let floor = if self.y >= self.top { self.top } else { 0 };
        self.x = self.col();
        self.y = self.y.saturating_sub(n).max(floor);
    }

    fn cursor_down(&mut self, n: usize) {
        let ceiling = if self.y <= self.bottom {
            self.bottom
        } else {
            self.height - 1
        };
        self.x = self.col();
        self.y = (self.y + n).min(ceiling);
    }

    /// Move to a row counted from the top of the screen, or of the region in origin mode.
    fn go_to_row(&mut self, row: usize) {
        let (first, last) = if self.origin {
            (self.top, self.bottom)
        } else {
            (0, self.height - 1)
        };
        self.y = (first + row).min(last);
    }

    fn home(&mut self) {
        self.x = 0;
        self.go_to_row(0);
    }

    fn erase_line(&mut self, mode: u16) {
        let (x, width) = (self.x, self.width);
        let row = &mut self.screen[self.y];
        match mode {
            // With a wrap pending there is nothing right of the cursor, as in tmux.
            0 if x < width => row.erase(x, width),
            1 => row.erase(0, x.min(width - 1) + 1),
            2 => row.clear(),
            _ => {}
        }
    }

    fn erase_display(&mut self, mode: u16, em: &mut Emitter) {
        match mode {
            // Erasing from the top left is clearing the screen (tmux treats it so, and
            // `clear` sends it for TERM=screen or tmux).
            0 if self.x == 0 && self.y == 0 => self.clear_screen(em),
            0 => {
                self.erase_line(0);
                // What the row wrapped into is gone (tmux drops the flag too).
                self.screen[self.y].wraps = false;
                self.screen[self.y + 1..].iter_mut().for_each(Row::clear);
            }
            1 => {
                self.screen[..self.y].iter_mut().for_each(Row::clear);
                self.erase_line(1);
            }
            2 => self.clear_screen(em),
            // 3 erases the scrollback, which has already been written: what was seen stays.
            _ => {}
        }
    }

    /// Clear the screen, first writing out its rows up to the last non-blank one, as tmux
    /// moves them into its history (`scroll-on-clear`). The cursor stays where it is.
    fn clear_screen(&mut self, em: &mut Emitter) {
        if !self.on_alt {
            let last = self.screen.iter().rposition(|r| r.used() > 0);
            for row in &self.screen[..last.map_or(0, |l| l + 1)] {
                em.row(row);
            }
        }
        self.screen.iter_mut().for_each(Row::clear);
    }

    fn insert_lines(&mut self, n: usize) {
        if self.y < self.top || self.y > self.bottom {
            return;
        }
        let region = &mut self.screen[self.y..=self.bottom];
        let n = n.min(region.len());
        region.rotate_right(n);
        region[..n].iter_mut().for_each(Row::clear);
        self.x = 0;
    }

    fn delete_lines(&mut self, n: usize) {
        if self.y < self.top || self.y > self.bottom {
            return;
        }
        let region = &mut self.screen[self.y..=self.bottom];
        let n = n.min(region.len());
        region.rotate_left(n);
        let len = region.len();
        region[len - n..].iter_mut().for_each(Row::clear);
        self.x = 0;
    }

    fn save_cursor(&mut self) {
        self.saved[usize::from(self.on_alt)] = SavedCursor {
            x: self.x,
            y: self.y,
            origin: self.origin,
            charsets: self.charsets,
            shift_out: self.shift_out,
        };
    }

    fn restore_cursor(&mut self) {
        let saved = self.saved[usize::from(self.on_alt)];
        self.x = saved.x.min(self.width);
        self.y = saved.y.min(self.height - 1);
        self.origin = saved.origin;
        self.charsets = saved.charsets;
        self.shift_out = saved.shift_out;
    }

    fn enter_alt(&mut self) {
        if self.on_alt {
            return;
        }
        self.alt_entry_y = self.y;
        std::mem::swap(&mut self.screen, &mut self.other);
        self.on_alt = true;
        self.screen.iter_mut().for_each(Row::clear);
    }

    /// Back to the main screen. The alternate screen keeps no history, so its last frame is
    /// written out here, or a full-screen program's final view would be lost. It goes where
    /// the program ran: after the main rows above the row it started on (which then count as
    /// scrolled off, the rows below moving up) and before whatever comes next.
    fn leave_alt(&mut self, restore: bool, em: &mut Emitter) {
        if !self.on_alt {
            return;
        }
        std::mem::swap(&mut self.screen, &mut self.other);
        self.on_alt = false;
        if restore {
            self.restore_cursor();
        }
        let first = self.other.iter().position(|r| r.used() > 0);
        let last = self.other.iter().rposition(|r| r.used() > 0);
        if let (Some(first), Some(last)) = (first, last) {
            let above = self.alt_entry_y;
            for row in &self.screen[..above] {
                em.row(row);
            }
            em.end_line();
            for row in &self.other[first..=last] {
                em.row(row);
            }
            em.end_line();
            self.screen.rotate_left(above);
            self.screen[self.height - above..]
                .iter_mut()
                .for_each(Row::clear);
            self.y = self.y.saturating_sub(above);
            self.saved[0].y = self.saved[0].y.saturating_sub(above);
        }
        self.other.iter_mut().for_each(Row::clear);
    }

    /// Modes that survive a soft reset (DECSTR) go back to their defaults.
    fn soft_reset(&mut self) {
        self.top = 0;
        self.bottom = self.height - 1;
        self.autowrap = true;
        self.origin = false;
        self.insert = false;
        self.charsets = [Charset::Ascii; 2];
        self.shift_out = false;
        self.saved = [SavedCursor::default(); 2];
    }

    /// RIS (ESC c): as tmux, the screen is cleared into history and everything reset.
    fn reset(&mut self, em: &mut Emitter) {
        self.leave_alt(false, em);
        self.clear_screen(em);
        self.soft_reset();
        self.x = 0;
        self.y = 0;
        self.last_char = None;
    }

    fn set_private_mode(&mut self, mode: u16, on: bool, em: &mut Emitter) {
        match mode {
            6 => {
                self.origin = on;
                self.home();
            }
            7 => self.autowrap = on,
            47 | 1047 if on => self.enter_alt(),
            47 | 1047 => self.leave_alt(false, em),
            1048 if on => self.save_cursor(),
            1048 => self.restore_cursor(),
            1049 if on => {
                if !self.on_alt {
                    self.save_cursor();
                }
                self.enter_alt();
            }
            1049 => self.leave_alt(true, em),
            _ => {}
        }
    }

    fn csi(&mut self, args: &Args, intermediates: &[u8], action: char, em: &mut Emitter) {
        match intermediates {
            [] => {}
            b"?" => {
                match action {
                    'h' | 'l' => {
                        for &mode in args.all() {
                            self.set_private_mode(mode, action == 'h', em);
                        }
                    }
                    // Selective erase: nothing is protected here, so plain erase.
                    'J' => self.erase_display(args.get(0), em),
                    'K' => self.erase_line(args.get(0)),
                    _ => {}
                }
                return;
            }
            b"!" if action == 'p' => return self.soft_reset(),
            _ => return,
        }
        let n = args.count(0);
        let (width, col) = (self.width, self.col());
        match action {
            '@' => self.screen[self.y].insert_blanks(col, n, width),
            'A' => self.cursor_up(n),
            'B' | 'e' => self.cursor_down(n),
            'C' | 'a' => self.x = (col + n).min(width - 1),
            'D' => self.x = self.x.saturating_sub(n),
            'E' => {
                self.cursor_down(n);
                self.x = 0;
            }
            'F' => {
                self.cursor_up(n);
                self.x = 0;
            }
            'G' | '`' => self.x = (n - 1).min(width - 1),
            'H' | 'f' => {
                self.go_to_row(n - 1);
                self.x = (args.count(1) - 1).min(width - 1);
            }
            'I' => self.tab(n),
            'J' => self.erase_display(args.get(0), em),
            'K' => self.erase_line(args.get(0)),
            'L' => self.insert_lines(n),
            'M' => self.delete_lines(n),
            'P' => self.screen[self.y].delete(col, n),
            'S' => self.scroll_up(n, em),
            'T' => self.scroll_down(n),
            'X' => self.screen[self.y].erase(col, col + n),
            'Z' => self.back_tab(n),
            'b' => {
                if let Some(c) = self.last_char {
                    for _ in 0..n {
                        self.print(c, em);
                    }
                }
            }
            'd' => self.go_to_row(n - 1),
            'h' | 'l' if args.all().contains(&4) => self.insert = action == 'h',
            'r' => {
                let top = n - 1;
                let bottom = match args.get(1) {
                    0 => self.height - 1,
                    b => usize::from(b - 1).min(self.height - 1),
                };
                if top < bottom {
                    self.top = top;
                    self.bottom = bottom;
                    self.home();
                }
            }
            's' => self.save_cursor(),
            'u' => self.restore_cursor(),
            // SGR (colours, bold…) and the rest leave no trace in plain text.
            _ => {}
        }
    }

    fn esc(&mut self, intermediates: &[u8], byte: u8, em: &mut Emitter) {
        match (intermediates, byte) {
            ([], b'7') => self.save_cursor(),
            ([], b'8') => self.restore_cursor(),
            ([], b'D') => self.index(em),
            ([], b'E') => {
                self.x = 0;
                self.index(em);
            }
            ([], b'M') => self.reverse_index(),
            ([], b'c') => self.reset(em),
            ([b'('], b'0') => self.charsets[0] = Charset::Graphics,
            ([b'('], _) => self.charsets[0] = Charset::Ascii,
            ([b')'], b'0') => self.charsets[1] = Charset::Graphics,
            ([b')'], _) => self.charsets[1] = Charset::Ascii,
            _ => {}
        }
    }

    /// Write the screen's rows up to the last non-blank one; on the alternate screen, the main
    /// screen and then the alternate's frame.
    fn finish(&mut self, em: &mut Emitter) {
        let (main, alt) = if self.on_alt {
            (&self.other, Some(&self.screen))
        } else {
            (&self.screen, None)
        };
        let last = main.iter().rposition(|r| r.used() > 0);
        for row in &main[..last.map_or(0, |l| l + 1)] {
            em.row(row);
        }
        em.end_line();
        if let Some(alt) = alt {
            let first = alt.iter().position(|r| r.used() > 0);
            let last = alt.iter().rposition(|r| r.used() > 0);
            if let (Some(first), Some(last)) = (first, last) {
                for row in &alt[first..=last] {
                    em.row(row);
                }
            }
            em.end_line();
        }
    }
}

/// The first value of each CSI parameter (sub-parameters are only used by SGR, ignored here).
struct Args {
    values: [u16; 32],
    len: usize,
}

impl Args {
    fn new(params: &vte::Params) -> Args {
        let mut args = Args {
            values: [0; 32],
            len: 0,
        };
        for (slot, param) in args.values.iter_mut().zip(params.iter()) {
            *slot = param.first().copied().unwrap_or(0);
            args.len += 1;
        }
        args
    }

    fn all(&self) -> &[u16] {
        &self.values[..self.len]
    }

    /// Parameter `i`, 0 when absent.
    fn get(&self, i: usize) -> u16 {
        self.all().get(i).copied().unwrap_or(0)
    }

    /// Parameter `i` as a count or position, where absent or 0 means 1.
    fn count(&self, i: usize) -> usize {
        usize::from(self.get(i).max(1))
    }
}

/// Applies the parser's actions to the terminal.
struct Performer<'a> {
    term: &'a mut Term,
    em: Emitter<'a>,
    /// The parser did something with the bytes given (see [`OSC_LIMIT`]).
    acted: bool,
}

impl Performer<'_> {
    /// Note an action other than a control character, which breaks a CR LF pair.
    fn act(&mut self) {
        self.acted = true;
        self.term.after_cr = false;
    }
}

impl vte::Perform for Performer<'_> {
    fn print(&mut self, c: char) {
        self.act();
        self.term.print(c, &mut self.em);
    }

    fn execute(&mut self, byte: u8) {
        self.acted = true;
        self.term.execute(byte, &mut self.em);
    }

    fn csi_dispatch(&mut self, params: &vte::Params, intermediates: &[u8], ignore: bool, c: char) {
        self.act();
        // `ignore` means too many parameters or intermediates: a garbled sequence.
        if !ignore {
            self.term
                .csi(&Args::new(params), intermediates, c, &mut self.em);
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        self.act();
        if !ignore {
            self.term.esc(intermediates, byte, &mut self.em);
        }
    }

    // OSC (titles, hyperlinks: the link text is printed normally) and DCS strings leave no
    // text on the screen.
    fn osc_dispatch(&mut self, _params: &[&[u8]], _bell_terminated: bool) {
        self.act();
    }

    fn hook(&mut self, _params: &vte::Params, _intermediates: &[u8], _ignore: bool, _c: char) {
        self.act();
    }

    fn put(&mut self, _byte: u8) {
        self.act();
    }

    fn unhook(&mut self) {
        self.act();
    }
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

/// The character DEC special graphics shows for `c`.
fn dec_graphics(c: char) -> char {
    const TABLE: &[char; 32] = &[
        ' ', '◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺', '⎻',
        '─', '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
    ];
    match c {
        '_'..='~' => TABLE[c as usize - '_' as usize],
        _ => c,
    }
}

fn is_wide(c: char) -> bool {
    c >= '\u{1100}' && char_width(c) == 2
}

/// Columns `c` takes: 0 for combining marks and other zero-width characters, 2 for East Asian
/// wide characters and emoji, else 1. A compact approximation of `wcwidth` covering what
/// programs commonly print; tmux uses fuller tables, so rare characters may differ.
fn char_width(c: char) -> usize {
    const ZERO: &[(u32, u32)] = &[
        (0x0300, 0x036F),
        (0x0483, 0x0489),
        (0x0591, 0x05BD),
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x0E31, 0x0E31),
        (0x0E34, 0x0E3A),
        (0x0E47, 0x0E4E),
        (0x1AB0, 0x1AFF),
        (0x1DC0, 0x1DFF),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x20D0, 0x20FF),
        (0xFE00, 0xFE0F),
        (0xFE20, 0xFE2F),
        (0xFEFF, 0xFEFF),
        (0xE0100, 0xE01EF),
    ];
    const WIDE: &[(u32, u32)] = &[
        (0x1100, 0x115F),
        (0x231A, 0x231B),
        (0x2329, 0x232A),
        (0x23E9, 0x23EC),
        (0x23F0, 0x23F0),
        (0x23F3, 0x23F3),
        (0x25FD, 0x25FE),
        (0x2614, 0x2615),
        (0x2648, 0x2653),
        (0x267F, 0x267F),
        (0x2693, 0x2693),
        (0x26A1, 0x26A1),
        (0x26AA, 0x26AB),
        (0x26BD, 0x26BE),
        (0x26C4, 0x26C5),
        (0x26CE, 0x26CE),
        (0x26D4, 0x26D4),
        (0x26EA, 0x26EA),
        (0x26F2, 0x26F3),
        (0x26F5, 0x26F5),
        (0x26FA, 0x26FA),
        (0x26FD, 0x26FD),
        (0x2705, 0x2705),
        (0x270A, 0x270B),
        (0x2728, 0x2728),
        (0x274C, 0x274C),
        (0x274E, 0x274E),
        (0x2753, 0x2755),
        (0x2757, 0x2757),
        (0x2795, 0x2797),
        (0x27B0, 0x27B0),
        (0x27BF, 0x27BF),
        (0x2B1B, 0x2B1C),
        (0x2B50, 0x2B50),
        (0x2B55, 0x2B55),
        (0x2E80, 0x303E),
        (0x3041, 0x33FF),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xA000, 0xA4CF),
        (0xA960, 0xA97F),
        (0xAC00, 0xD7A3),
        (0xF900, 0xFAFF),
        (0xFE10, 0xFE19),
        (0xFE30, 0xFE6F),
        (0xFF00, 0xFF60),
        (0xFFE0, 0xFFE6),
        (0x16FE0, 0x16FE4),
        (0x17000, 0x18CFF),
        (0x1B000, 0x1B2FF),
        (0x1F004, 0x1F004),
        (0x1F0CF, 0x1F0CF),
        (0x1F18E, 0x1F18E),
        (0x1F191, 0x1F19A),
        (0x1F200, 0x1F251),
        (0x1F300, 0x1F320),
        (0x1F32D, 0x1F335),
        (0x1F337, 0x1F37C),
        (0x1F37E, 0x1F393),
        (0x1F3A0, 0x1F3CA),
        (0x1F3CF, 0x1F3D3),
        (0x1F3E0, 0x1F3F0),
        (0x1F3F4, 0x1F3F4),
        (0x1F3F8, 0x1F43E),
        (0x1F440, 0x1F440),
        (0x1F442, 0x1F4FC),
        (0x1F4FF, 0x1F53D),
        (0x1F54B, 0x1F54E),
        (0x1F550, 0x1F567),
        (0x1F57A, 0x1F57A),
        (0x1F595, 0x1F596),
        (0x1F5A4, 0x1F5A4),
        (0x1F5FB, 0x1F64F),
        (0x1F680, 0x1F6C5),
        (0x1F6CC, 0x1F6CC),
        (0x1F6D0, 0x1F6D2),
        (0x1F6D5, 0x1F6D7),
        (0x1F6DC, 0x1F6DF),
        (0x1F6EB, 0x1F6EC),
        (0x1F6F4, 0x1F6FC),
        (0x1F7E0, 0x1F7EB),
        (0x1F7F0, 0x1F7F0),
        (0x1F90C, 0x1F93A),
        (0x1F93C, 0x1F945),
        (0x1F947, 0x1F9FF),
        (0x1FA70, 0x1FAFF),
        (0x20000, 0x2FFFD),
        (0x30000, 0x3FFFD),
    ];
    let u = c as u32;
    let within = |table: &[(u32, u32)]| {
        table
            .binary_search_by(|&(lo, hi)| {
                if hi < u {
                    std::cmp::Ordering::Less
                } else if lo > u {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    };
    if u < 0x300 {
        1
    } else if within(ZERO) {
        0
    } else if within(WIDE) {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(s: &str) -> String {
        render_to_string(s.as_bytes(), 80, 24)
    }

    fn render_sized(s: &str, width: u16, height: u16) -> String {
        render_to_string(s.as_bytes(), width, height)
    }

    fn render_in_chunks(bytes: &[u8], width: u16, height: u16, chunk: usize) -> String {
        let mut out = Vec::new();
        let mut renderer = Renderer::new(width, height);
        for piece in bytes.chunks(chunk) {
            renderer.feed(piece, &mut out).unwrap();
        }
        renderer.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A tiny xorshift generator, so big inputs need no test data files or crates.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Checks output lines without keeping them.
    #[derive(Default)]
    struct LineStats {
        lines: usize,
        longest: usize,
        current: usize,
        /// FNV-1a of every byte but newlines, to check content without storing it.
        hash: u64,
    }

    impl LineStats {
        fn new() -> LineStats {
            LineStats {
                hash: FNV_OFFSET,
                ..LineStats::default()
            }
        }
    }

    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

    fn fnv(hash: u64, byte: u8) -> u64 {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    }

    impl Write for LineStats {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            for &b in buf {
                if b == b'\n' {
                    self.lines += 1;
                    self.longest = self.longest.max(self.current);
                    self.current = 0;
                } else {
                    self.current += 1;
                    self.hash = fnv(self.hash, b);
                }
            }
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// What the screens and line buffer may hold at most, whatever the input.
    fn heap_bound(width: usize, height: usize) -> usize {
        let screen = height * (std::mem::size_of::<Row>() + width * std::mem::size_of::<Cell>());
        // A row's text: each cell a char and two marks, 4 bytes each, doubled for growth.
        2 * screen + 2 * width * 12
    }

    #[test]
    fn colours_are_stripped() {
        assert_eq!(render("\x1b[31mred\x1b[0m ok\n"), "red ok\n");
        assert_eq!(
            render("\x1b[1;38;2;255;0;0mx\x1b[38:5:196my\x1b[m\n"),
            "xy\n"
        );
    }

    #[test]
    fn git_progress_ends_as_its_final_line() {
        let log = "Receiving objects:  10% (1/10)\rReceiving objects:  50% (5/10)\r\
                   Receiving objects: 100% (10/10), done.\n";
        assert_eq!(render(log), "Receiving objects: 100% (10/10), done.\n");
    }

    #[test]
    fn cargo_progress_bar_is_erased() {
        let log =
            "   Compiling a v0.1.0\n    Building [=>   ] 1/3: a\r\x1b[K   Compiling b v0.1.0\n    \
                   Building [==> ] 2/3\r\x1b[K    Finished dev\n";
        assert_eq!(
            render(log),
            "   Compiling a v0.1.0\n   Compiling b v0.1.0\n    Finished dev\n"
        );
    }

    #[test]
    fn backspace_spinner_leaves_the_last_frame() {
        assert_eq!(
            render("working |\x08/\x08-\x08\\\x08done\n"),
            "working done\n"
        );
        // Backspace never leaves the screen.
        assert_eq!(render("\x08\x08ab\n"), "ab\n");
    }

    #[test]
    fn multi_line_progress_redrawn_with_cursor_up_ends_as_its_last_frame() {
        let log = "fetching\n\
                   a.tar  10%\nb.tar   0%\n\
                   \x1b[2A\ra.tar  60%\x1b[K\nb.tar  30%\x1b[K\n\
                   \x1b[2A\ra.tar 100%\x1b[K\nb.tar 100%\x1b[K\n\
                   done\n";
        assert_eq!(render(log), "fetching\na.tar 100%\nb.tar 100%\ndone\n");
    }

    #[test]
    fn tabs_go_to_the_next_multiple_of_eight_but_not_past_the_edge() {
        assert_eq!(render("a\tb\tc\n"), "a       b       c\n");
        assert_eq!(render_sized("\t\t\t\tx\n", 20, 5), "                   x\n");
        // Forward and back tabulation (CSI I, CSI Z).
        assert_eq!(render("\x1b[2Ix\x1b[2Zy\n"), "        y       x\n");
    }

    #[test]
    fn long_lines_wrap_and_come_out_joined() {
        assert_eq!(
            render_sized("0123456789abcdefghijXY\n", 10, 5),
            "0123456789abcdefghijXY\n"
        );
        // Also when the wrapped rows have scrolled off one by one.
        let line: String = (0..50).map(|i| char::from(b'a' + i % 26)).collect();
        assert_eq!(
            render_sized(&format!("{line}\nend\n"), 7, 2),
            format!("{line}\nend\n")
        );
        // A space at the wrap point is kept inside the line.
        assert_eq!(render_sized("abc  xy\n", 5, 5), "abc  xy\n");
    }

    #[test]
    fn a_full_row_defers_its_wrap() {
        // CR after writing the last column stays on the row.
        assert_eq!(render_sized("abcde\rX\n", 5, 5), "Xbcde\n");
        // A line exactly as wide as the screen, then a newline, is no blank line.
        assert_eq!(render_sized("abcde\r\nf\r\n", 5, 5), "abcde\nf\n");
        assert_eq!(render_sized("abcde\nf\n", 5, 5), "abcde\nf\n");
        // Only the next character wraps.
        assert_eq!(render_sized("abcdef\n", 5, 5), "abcdef\n");
        // Backspace from the pending wrap lands on the last column, and back over a wrap.
        assert_eq!(render_sized("abcde\x08X\n", 5, 5), "abcdX\n");
        assert_eq!(render_sized("abcdefg\r\x08\x08Y\n", 5, 5), "abcYefg\n");
        // With autowrap off the last column is overwritten.
        assert_eq!(render_sized("\x1b[?7labcdefg\n", 5, 5), "abcdg\n");
    }

    #[test]
    fn erased_rows_and_joins() {
        // Erasing the end of a wrapped row keeps the join, with the blank columns (as tmux).
        assert_eq!(render_sized("abcdefg\x1b[1;3H\x1b[K\n", 5, 5), "ab   fg\n");
        // Clearing the continuation leaves no trailing spaces.
        assert_eq!(render_sized("abc  xy\x1b[2K\n", 5, 5), "abc\n");
        // Clearing the wrapped row itself ends the join.
        assert_eq!(
            render_sized("abcdefg\x1b[A\x1b[2K\x1b[B\rZ\n", 5, 5),
            "\nZg\n"
        );
    }

    #[test]
    fn erase_in_line() {
        assert_eq!(render("abcdef\x1b[3D\x1b[K\n"), "abc\n");
        assert_eq!(render("abcdef\x1b[3D\x1b[0K\n"), "abc\n");
        assert_eq!(render("abcdef\x1b[3D\x1b[1K\n"), "    ef\n");
        assert_eq!(render("abcdef\x1b[2KX\n"), "      X\n");
        // Nothing is right of a pending wrap.
        assert_eq!(render_sized("abcde\x1b[K\n", 5, 5), "abcde\n");
    }

    #[test]
    fn erase_in_display() {
        // Clearing the screen keeps what was shown, as tmux's history does.
        assert_eq!(render("one\ntwo\x1b[2J\x1b[Hthree\n"), "one\ntwo\nthree\n");
        assert_eq!(render("one\ntwo\n\x1b[H\x1b[Jthree\n"), "one\ntwo\nthree\n");
        // The cursor does not move.
        assert_eq!(render("ab\x1b[2JX\n"), "ab\n  X\n");
        // Erasing the scrollback cannot take back what was written.
        assert_eq!(render("a\x1b[3Jb\n"), "ab\n");
        // Below and above the cursor.
        assert_eq!(render("abc\ndef\nghi\x1b[2;2H\x1b[J\n"), "abc\nd\n");
        assert_eq!(render("abc\ndef\nghi\x1b[2;2H\x1b[1J\n"), "\n  f\nghi\n");
        assert_eq!(render("abc\x1b[?2J\n"), "abc\n");
    }

    #[test]
    fn absolute_positioning() {
        assert_eq!(
            render("\x1b[2;3Hx\x1b[1;1Hy\x1b[3dz\x1b[10Gw\n"),
            "y\n  x\n z       w\n"
        );
        assert_eq!(render("\x1b[2;3fx\x1b[Hy\x1b[5`w\n"), "y   w\n  x\n");
        // Clamped to the screen.
        assert_eq!(render_sized("\x1b[99;99Hx", 5, 3), "\n\n    x\n");
    }

    #[test]
    fn relative_cursor_movement() {
        assert_eq!(render("abc\x1b[2Dx\x1b[Cy\n"), "axcy\n");
        assert_eq!(render("a\nb\nc\x1b[2Fx\x1b[Ey\n"), "x\ny\nc\n");
        assert_eq!(render("a\x1b[2Bb\x1b[Ac\n"), "a\n  c\n b\n");
        assert_eq!(render("a\x1b[99Ab\x1b[99Dc\n"), "cb\n");
        assert_eq!(render_sized("a\x1b[99Cb\n", 5, 3), "a   b\n");
    }

    #[test]
    fn insert_and_delete_lines() {
        assert_eq!(render("1\n2\n3\x1b[2;1H\x1b[L\n"), "1\n\n2\n3\n");
        assert_eq!(render("1\n2\n3\x1b[1;1H\x1b[M"), "2\n3\n");
        assert_eq!(render("1\n2\n3\x1b[1;1H\x1b[2M"), "3\n");
        // Lines pushed off the bottom are gone.
        assert_eq!(render_sized("1\n2\n3\x1b[1;1H\x1b[5L", 5, 3), "");
    }

    #[test]
    fn insert_delete_and_erase_characters() {
        assert_eq!(render("abcdef\x1b[1;3H\x1b[2@\n"), "ab  cdef\n");
        assert_eq!(render("abcdef\x1b[1;3H\x1b[2P\n"), "abef\n");
        assert_eq!(render("abcdef\x1b[1;3H\x1b[2X\n"), "ab  ef\n");
        assert_eq!(render_sized("abcde\x1b[1;2H\x1b[9@", 5, 3), "a\n");
        // Insert mode (IRM) shifts instead of overwriting.
        assert_eq!(render("abc\x1b[1;2H\x1b[4hXY\x1b[4lZ\n"), "aXYZc\n");
        // REP repeats the last character.
        assert_eq!(render("-\x1b[4b|\n"), "-----|\n");
    }

    #[test]
    fn scroll_up_and_down() {
        assert_eq!(render_sized("a\nb\nc\x1b[S", 5, 3), "a\nb\nc\n");
        assert_eq!(render_sized("a\nb\x1b[T", 5, 3), "\na\nb\n");
        assert_eq!(render_sized("a\nb\nc\x1b[9S", 5, 3), "a\nb\nc\n");
    }

    #[test]
    fn scroll_region_at_the_top_sends_rows_to_the_output() {
        // A status line pinned below a region: the region's output still reaches the log.
        let log = "\x1b[1;3r\x1b[4;1Hstatus\x1b[1;1Hl1\nl2\nl3\nl4\nl5";
        assert_eq!(render_sized(log, 10, 4), "l1\nl2\nl3\nl4\nl5\nstatus\n");
        // Rows scrolled out of a region lower down are lost, as on a terminal.
        let log = "\x1b[2;3r\x1b[1;1Htop\x1b[2;1Hl1\nl2\nl3\n";
        assert_eq!(render_sized(log, 10, 4), "top\nl3\n");
        // An invalid region is ignored; a reset one covers the screen again.
        assert_eq!(render_sized("\x1b[3;2r\x1b[rx\ny\nz\n", 5, 2), "x\ny\nz\n");
    }

    #[test]
    fn reverse_index_index_and_next_line() {
        assert_eq!(render("ab\x1bDc\n"), "ab\n  c\n");
        assert_eq!(render("ab\x1bEc\n"), "ab\nc\n");
        assert_eq!(render("a\x1bM"), "\na\n");
        assert_eq!(render("a\nb\x1bMx\n"), "ax\nb\n");
        // In a region, reverse index at its top scrolls only the region.
        assert_eq!(render("top\n1\n2\x1b[2;3r\x1b[2;1H\x1bMx"), "top\nx\n1\n");
    }

    #[test]
    fn save_and_restore_cursor() {
        assert_eq!(render("ab\x1b7cd\x1b8X\n"), "abXd\n");
        assert_eq!(render("ab\x1b[scd\x1b[uX\n"), "abXd\n");
        assert_eq!(render("ab\x1b[?1048hcd\x1b[?1048lX\n"), "abXd\n");
    }

    #[test]
    fn origin_mode_addresses_the_region() {
        assert_eq!(
            render("\x1b[3;5r\x1b[?6h\x1b[1;1Hx\x1b[?6l\x1b[r"),
            "\n\nx\n"
        );
    }

    #[test]
    fn alternate_screen_leaves_its_last_frame() {
        let log = "$ vim\n\x1b[?1049h\x1b[H\x1b[2Jframe 1\x1b[H\x1b[2Jfinal frame\x1b[5;1H~\
                   \x1b[?1049l$ next\n";
        assert_eq!(render(log), "$ vim\nfinal frame\n\n\n\n~\n$ next\n");
        // 47 and 1047 switch screens without restoring the cursor.
        assert_eq!(render("a\n\x1b[?47hb\n\x1b[?47lc\n"), "a\nb\n\nc\n");
        assert_eq!(render("a\n\x1b[?1047h\x1b[?1047lc\n"), "a\nc\n");
        // Nothing scrolls from the alternate screen into the log.
        assert_eq!(
            render_sized("\x1b[?1049h1\n2\n3\n4\x1b[?1049l", 5, 2),
            "3\n4\n"
        );
        // A log that ends inside a full-screen program: the main screen, then the frame.
        assert_eq!(render("main\n\x1b[?1049hfull\n"), "main\nfull\n");
    }

    #[test]
    fn reset_clears_into_the_output_and_leaves_the_alternate_screen() {
        assert_eq!(
            render("old\n\x1b[?1049h\x1b[Halt\x1bcnew\n"),
            "old\nalt\nnew\n"
        );
        assert_eq!(render("\x1b[?7l\x1b[2;3r\x1bcabc\n"), "abc\n");
    }

    #[test]
    fn osc_dcs_and_apc_leave_no_text() {
        let log = "\x1b]0;title\x07a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ b\
                   \x1bPq#0;1;2\x1b\\c\x1b_apc\x1b\\d\x1b^pm\x1b\\\x1bXsos\x1b\\e\n";
        assert_eq!(render(log), "alink bcde\n");
        // Private and other unknown sequences are ignored.
        assert_eq!(
            render("\x1b[?25l\x1b[>4;1m\x1b[2 q\x1b=x\x1b[?2004h\n"),
            "x\n"
        );
    }

    #[test]
    fn endless_osc_is_skipped_in_bounded_memory() {
        for end in ["\x07", "\x1b\\"] {
            let mut renderer = Renderer::new(80, 24);
            let mut out = Vec::new();
            renderer.feed(b"before\n\x1b]0;", &mut out).unwrap();
            let chunk = vec![b'a'; 64 * 1024];
            for _ in 0..48 {
                renderer.feed(&chunk, &mut out).unwrap();
                assert!(renderer.silent <= OSC_LIMIT + SLICE);
            }
            renderer
                .feed(format!("{end}ok\n").as_bytes(), &mut out)
                .unwrap();
            renderer.finish(&mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), "before\nok\n");
        }
    }

    #[test]
    fn invalid_utf8_becomes_a_replacement_character() {
        assert_eq!(
            render_to_string(b"a\xffb\xe2\x82c\xed\xa0\x80d\n", 80, 24),
            "a\u{fffd}b\u{fffd}c\u{fffd}\u{fffd}d\n"
        );
        // Raw C1 controls and DEL do nothing.
        assert_eq!(render_to_string(b"a\x9bb\x7fc\n", 80, 24), "abc\n");
        // Cut off at the end of the log.
        assert_eq!(render_to_string(b"a\xe2\x82", 80, 24), "a\n");
    }

    #[test]
    fn wide_and_combining_characters() {
        assert_eq!(render("日本語 ok\n"), "日本語 ok\n");
        assert_eq!(render("日本\x1b[3Gx\n"), "日x\n");
        // A wide character that does not fit wraps early, adding no space to the line.
        assert_eq!(render_sized("a日本語\n", 6, 5), "a日本語\n");
        // Overwriting half of a wide character blanks the other half.
        assert_eq!(render("日本\x1b[1;2Hx\n"), " x本\n");
        assert_eq!(render("日本\x1b[1;1Hx\n"), "x 本\n");
        // Combining marks stay with their base character.
        assert_eq!(render("e\u{301}x \u{2705}!\n"), "e\u{301}x \u{2705}!\n");
        assert_eq!(render("日\u{302}x\n"), "日\u{302}x\n");
        assert_eq!(char_width('a'), 1);
        assert_eq!(char_width('é'), 1);
        assert_eq!(char_width('\u{301}'), 0);
        assert_eq!(char_width('가'), 2);
        assert_eq!(char_width('🚀'), 2);
        assert_eq!(char_width('✓'), 1);
    }

    #[test]
    fn dec_special_graphics_draw_boxes() {
        assert_eq!(render("\x1b(0lqk\x1b(B ok\n"), "┌─┐ ok\n");
        assert_eq!(render("\x1b)0\x0eq\x0fq\n"), "─q\n");
    }

    #[test]
    fn bare_lf_keeps_the_column_once_the_log_shows_it_came_through_a_tty() {
        // From a file or pipe, LF is a newline.
        assert_eq!(render("bc\ndef\n"), "bc\ndef\n");
        // After a CR LF, a bare LF is a raw-mode program moving down.
        assert_eq!(render("a\r\nbc\ndef\n"), "a\nbc\n  def\n");
        // CR then something else then LF is not the tty's pair.
        assert_eq!(render("a\r\x1b[Kb\nc\n"), "b\nc\n");
    }

    #[test]
    fn trailing_blank_rows_are_dropped_and_leading_ones_kept() {
        assert_eq!(render("\x1b[3;1Hx\n\n\n"), "\n\nx\n");
        assert_eq!(render(""), "");
        assert_eq!(render("\n\n"), "");
        assert_eq!(render_sized("\n\n\nx\n", 5, 2), "\n\n\nx\n");
        assert_eq!(render("x   \n"), "x\n");
    }

    #[test]
    fn finish_starts_afresh() {
        let mut renderer = Renderer::new(80, 24);
        let mut out = Vec::new();
        renderer
            .feed(b"a\n\x1b[?1049hb\x1b]0;unterminated", &mut out)
            .unwrap();
        renderer.finish(&mut out).unwrap();
        renderer.feed(b"c\n", &mut out).unwrap();
        renderer.finish(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a\nb\nc\n");
    }

    #[test]
    fn write_errors_are_returned() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("broken"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut renderer = Renderer::new(5, 2);
        assert!(renderer.feed(b"a\n", &mut Broken).is_ok());
        assert!(renderer.feed(b"b\n", &mut Broken).is_err());
        assert!(renderer.finish(&mut Broken).is_err());
    }

    #[test]
    fn a_10_mb_line_streams_out_as_one_line_in_bounded_memory() {
        const TOTAL: usize = 10 * 1024 * 1024;
        let pattern = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let chunk: Vec<u8> = (0..64 * 1024).map(|i| pattern[i % pattern.len()]).collect();
        let mut expected = FNV_OFFSET;
        let mut renderer = Renderer::new(80, 24);
        let mut stats = LineStats::new();
        let bound = heap_bound(80, 24);
        let mut fed = 0;
        while fed < TOTAL {
            renderer.feed(&chunk, &mut stats).unwrap();
            expected = chunk.iter().fold(expected, |h, &b| fnv(h, b));
            fed += chunk.len();
            assert!(
                renderer.heap_bytes() <= bound,
                "{} > {bound}",
                renderer.heap_bytes()
            );
            assert_eq!(stats.lines, 0);
        }
        // All but the rows still on screen have been streamed out already.
        assert!(stats.current >= TOTAL - 24 * 80);
        renderer.feed(b"\n", &mut stats).unwrap();
        renderer.finish(&mut stats).unwrap();
        assert_eq!((stats.lines, stats.longest), (1, TOTAL));
        assert_eq!(stats.hash, expected);
    }

    #[test]
    fn ten_mb_of_random_bytes_render_in_bounded_memory() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut renderer = Renderer::new(80, 24);
        let mut stats = LineStats::new();
        let bound = heap_bound(80, 24);
        let mut chunk = vec![0u8; 64 * 1024];
        for _ in 0..160 {
            for b in chunk.iter_mut() {
                *b = rng.next() as u8;
            }
            renderer.feed(&chunk, &mut stats).unwrap();
            assert!(
                renderer.heap_bytes() <= bound,
                "{} > {bound}",
                renderer.heap_bytes()
            );
            assert!(renderer.silent <= OSC_LIMIT + SLICE);
        }
        renderer.finish(&mut stats).unwrap();
        assert!(stats.lines > 0);
    }

    /// Bytes that exercise the parser and the screen: escape sequences, UTF-8, controls.
    fn escape_soup(rng: &mut XorShift, len: usize) -> Vec<u8> {
        const PIECES: &[&[u8]] = &[
            b"\x1b",
            b"[",
            b"]",
            b"?",
            b";",
            b"0",
            b"1",
            b"2",
            b"5",
            b"9",
            b"A",
            b"B",
            b"C",
            b"D",
            b"H",
            b"J",
            b"K",
            b"L",
            b"M",
            b"P",
            b"S",
            b"T",
            b"X",
            b"@",
            b"b",
            b"d",
            b"h",
            b"l",
            b"m",
            b"r",
            b"(",
            b"\\",
            b"7",
            b"8",
            b"1049",
            b"\r",
            b"\n",
            b"\x08",
            b"\t",
            b"\x07",
            b"\x0e",
            b"\x0f",
            b"word ",
            b"x",
            "é".as_bytes(),
            "日".as_bytes(),
            "\u{301}".as_bytes(),
            b"\xe2\x82",
            b"\xff",
            b"\x90",
            b"_",
        ];
        let mut bytes = Vec::with_capacity(len + 8);
        while bytes.len() < len {
            bytes.extend_from_slice(PIECES[rng.next() as usize % PIECES.len()]);
        }
        bytes
    }

    #[test]
    fn splitting_the_input_anywhere_changes_nothing() {
        let log = "\x1b[1;32m   Compiling\x1b[0m 日本 é\u{301} ✓\r\n\x1b]8;;http://x\x1b\\link\
                   \x1b]8;;\x1b\\\x1b[2A\x1b[K 50%\r100%\x1b[?1049hfull\x1b[?1049l\x1bPq\x1b\\\
                   \x1b(0lqk\x1b(B";
        let log = [log.as_bytes(), b"\xff\xe2\x82 end\n"].concat();
        let whole = render_in_chunks(&log, 20, 5, usize::MAX);
        assert!(whole.contains("┌─┐"), "{whole}");
        for chunk in [1, 2, 3, 7] {
            assert_eq!(render_in_chunks(&log, 20, 5, chunk), whole);
        }
        let mut rng = XorShift(42);
        for (width, height) in [(80, 24), (7, 3), (1, 1)] {
            let soup = escape_soup(&mut rng, 100_000);
            let whole = render_in_chunks(&soup, width, height, usize::MAX);
            for chunk in [1, 7, SLICE + 1] {
                assert_eq!(render_in_chunks(&soup, width, height, chunk), whole);
            }
        }
    }

    /// A private tmux server on its own socket and `TMUX_TMPDIR`, never the developer's;
    /// killed on drop, also when a test fails.
    struct TmuxServer {
        socket: String,
        dir: tempfile::TempDir,
    }

    impl TmuxServer {
        fn start() -> Option<TmuxServer> {
            let found = std::process::Command::new("tmux")
                .arg("-V")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            found.then(|| TmuxServer {
                socket: format!("minder-render-test-{}", std::process::id()),
                dir: tempfile::tempdir().unwrap(),
            })
        }

        fn command(&self) -> std::process::Command {
            let mut command = std::process::Command::new("tmux");
            command
                .args(["-L", &self.socket, "-f", "/dev/null"])
                .env_remove("TMUX")
                .env_remove("TMUX_PANE")
                .env("TMUX_TMPDIR", self.dir.path())
                // The pane command below is POSIX sh, whatever the developer's shell.
                .env("SHELL", "/bin/sh")
                .stdin(std::process::Stdio::null());
            command
        }

        fn tmux(&self, args: &[&str]) -> String {
            let output = self.command().args(args).output().expect("run tmux");
            assert!(
                output.status.success(),
                "tmux {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }

        /// Show `bytes` in a new 80x24 pane (by `cat` of a file) while recording the pane with
        /// `pipe-pane`, as minder does. Returns the pane size, what `capture-pane -J` shows
        /// and the recorded bytes.
        fn show(&self, name: &str, bytes: &[u8]) -> (u16, u16, String, Vec<u8>) {
            let path = |ext: &str| self.dir.path().join(format!("{name}.{ext}"));
            let (file, go, done, log) = (path("bytes"), path("go"), path("done"), path("log"));
            std::fs::write(&file, bytes).unwrap();
            // The pane waits for `go`, so that pipe-pane is on before anything is printed.
            let script = format!(
                "while [ ! -e '{}' ]; do sleep 0.05; done; cat '{}'; touch '{}'; sleep 60",
                go.display(),
                file.display(),
                done.display()
            );
            let pane = self.tmux(&[
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "80",
                "-y",
                "24",
                "-P",
                "-F",
                "#{pane_id}",
                &script,
            ]);
            let pane = pane.trim();
            self.tmux(&[
                "pipe-pane",
                "-t",
                pane,
                "-o",
                &format!("cat >> '{}'", log.display()),
            ]);
            std::fs::write(&go, "").unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            let capture =
                || self.tmux(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", pane]);
            // tmux reads the pane and the pipe drains asynchronously: wait for `done`, then
            // until neither the screen nor the recording changes.
            let mut last = None;
            loop {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{name}: tmux took too long"
                );
                std::thread::sleep(std::time::Duration::from_millis(150));
                if !done.exists() {
                    continue;
                }
                let now = (capture(), std::fs::read(&log).unwrap_or_default());
                if last.as_ref() == Some(&now) {
                    break;
                }
                last = Some(now);
            }
            let size = self.tmux(&[
                "display-message",
                "-p",
                "-t",
                pane,
                "#{pane_width} #{pane_height}",
            ]);
            let (width, height) = size.trim().split_once(' ').unwrap();
            // The session stays: killing the last one would stop the server under the next sample.
            let (shown, recorded) = last.unwrap();
            (
                width.parse().unwrap(),
                height.parse().unwrap(),
                shown,
                recorded,
            )
        }
    }

    impl Drop for TmuxServer {
        fn drop(&mut self) {
            let _ = self
                .command()
                .arg("kill-server")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }

    /// Lines without trailing spaces (`capture-pane -J` keeps those written) or trailing
    /// empty lines.
    fn lines_of(text: &str) -> Vec<&str> {
        let mut lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches(' ')).collect();
        while lines.last() == Some(&"") {
            lines.pop();
        }
        lines
    }

    /// 200 lines of build output as agents print it: colours, `\r` progress, erased progress
    /// bars, wrapped lines, tabs, UTF-8 and wide characters, a spinner, a two-line redraw, lines
    /// exactly as wide as the pane, hyperlinks, a title, and a screen clear midway.
    fn realistic_log() -> Vec<u8> {
        let mut log = String::from("\x1b]0;agent: build\x07$ cargo build\n");
        for i in 0..200 {
            log += &match i % 10 {
                0 => format!("\x1b[1m\x1b[32m   Compiling\x1b[0m crate-{i} v0.{i}.0 (/work/crate-{i})\n"),
                1 => {
                    let steps: String = [0, 25, 50, 75, 100]
                        .iter()
                        .map(|p| format!("\rDownloading crate-{i}: {p:>3}%"))
                        .collect();
                    format!("{steps}, done.\n")
                }
                2 => format!("    \x1b[36mBuilding\x1b[0m [{:=>w$}{:w2$}] {i}/200: crate-{i}\r\x1b[K", ">", "", w = i % 20 + 1, w2 = 20 - i % 20),
                3 => format!(
                    "\x1b[33mwarning\x1b[0m: unused variable `x{i}` in a long message that goes {}past the edge of the pane\n",
                    "on and ".repeat(i % 5 + 1)
                ),
                4 => format!("test{i}\tok\t{}ms\tdone\n", i * 3),
                5 => format!("  \x1b[32m✓\x1b[0m café_{i} — passed 日本語のテスト {i}\n"),
                6 => format!("waiting |\x08/\x08-\x08\\\x08done {i}\n"),
                7 => format!("a-{i}: 10%\nb-{i}:  0%\n\x1b[2A\ra-{i}: 90%\x1b[K\nb-{i}: 45%\x1b[K\n"),
                8 => format!("{:-<80}\n", format!("exactly eighty {i} ")),
                _ => format!(
                    "\x1b]8;;https://example.com/{i}\x1b\\docs {i}\x1b]8;;\x1b\\ \x1b[2K\rnpm {i}\r\x1b[2Kinstalled {i}\n"
                ),
            };
            if i == 120 {
                log += "\x1b[H\x1b[2J";
            }
        }
        log.into_bytes()
    }

    /// Edges of the emulation where tmux is the reference.
    fn edge_cases_log() -> Vec<u8> {
        let a = |n: usize| "a".repeat(n);
        [
            format!("{}\rB\n", a(80)),
            format!("{}\rX\n", "b".repeat(100)),
            format!("{}日本\n", a(79)),
            format!("{}\x1b[A\r\x1b[5C\x1b[K\n\n", "c".repeat(85)),
            format!("{}\tx\n", a(75)),
            format!("{}\x08\x08\x08y\n", "d".repeat(82)),
            "abc\x1b[2Dx\x1b[3@y\x1b[2Pz\x1b[4Xw\n".to_string(),
            "one\ntwo\x1bMup\n\n".to_string(),
            "\x1b7\x1b[30;1Hsaved\x1b8restored\n".to_string(),
            "\x1b[?25lhidden\x1b[?25h\x07\x7f shown\n".to_string(),
            "e\u{301}t\u{e9} \u{2705} done\n".to_string(),
            "left\x1b[3D\x1b[1K|\n".to_string(),
            "\x1b[2J\x1b[5;10Hpositioned\x1b[2;3Hsecond\x1b[1J\n".to_string(),
            // A region anchored at the top also scrolls into tmux's history.
            "\x1b[1;3r\x1b[24;1Hstatus\x1b[1;1H1\n2\n3\n4\n5\n6\x1b[r".to_string(),
            "\x1b[99;99Hcorner".to_string(),
        ]
        .concat()
        .into_bytes()
    }

    #[test]
    fn renders_what_tmux_shows() {
        let Some(server) = TmuxServer::start() else {
            eprintln!("note: tmux is not on PATH, skipping the comparison with tmux");
            return;
        };
        let samples: [(&str, Vec<u8>); 4] = [
            (
                "git",
                b"Receiving objects:  10% (1/10)\rReceiving objects:  50% (5/10)\rReceiving objects: 100% (10/10), done.\n".to_vec(),
            ),
            (
                "cargo",
                b"   Compiling a v0.1.0\n    Building [=>   ] 1/3: a\r\x1b[K   Compiling b v0.1.0\n    Building [==> ] 2/3\r\x1b[K    Finished dev\n".to_vec(),
            ),
            ("realistic", realistic_log()),
            ("edges", edge_cases_log()),
        ];
        for (name, bytes) in samples {
            let (width, height, shown, recorded) = server.show(name, &bytes);
            let expected = lines_of(&shown);
            assert!(
                expected.len() > 1 || name != "realistic",
                "{name}: tmux showed {shown:?}"
            );
            // The bytes as printed (LF without CR, as a program writes them)…
            let ours = render_to_string(&bytes, width, height);
            assert_eq!(lines_of(&ours), expected, "{name}: printed bytes");
            // …and as recorded from the pane (after the tty turned LF into CR LF).
            let ours = render_to_string(&recorded, width, height);
            assert_eq!(lines_of(&ours), expected, "{name}: recorded bytes");
        }
    }
}

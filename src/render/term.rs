//! The emulator: a fixed-size screen (main and alternate) with a cursor, scroll region and
//! modes, driven by the `vte` parser's actions through [`Performer`].

use super::row::{Cell, Emitter, Row};
use super::width::{char_width, is_wide};

/// Tab stops are fixed every 8 columns; programs that set their own are rare in logs.
const TAB_WIDTH: usize = 8;

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

pub(super) struct Term {
    pub(super) width: usize,
    pub(super) height: usize,
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
    pub(super) fn new(width: usize, height: usize) -> Term {
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
        let ceiling = if self.y <= self.bottom { self.bottom } else { self.height - 1 };
        self.x = self.col();
        self.y = (self.y + n).min(ceiling);
    }

    /// Move to a row counted from the top of the screen, or of the region in origin mode.
    fn go_to_row(&mut self, row: usize) {
        let (first, last) = if self.origin { (self.top, self.bottom) } else { (0, self.height - 1) };
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
            self.screen[self.height - above..].iter_mut().for_each(Row::clear);
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

    /// Bytes held on the heap by both screens.
    #[cfg(test)]
    pub(super) fn heap_bytes(&self) -> usize {
        let rows = |screen: &Vec<Row>| {
            screen.capacity() * std::mem::size_of::<Row>()
                + screen.iter().map(|r| r.cells.capacity() * std::mem::size_of::<Cell>()).sum::<usize>()
        };
        rows(&self.screen) + rows(&self.other)
    }

    /// Write the screen's rows up to the last non-blank one; on the alternate screen, the main
    /// screen and then the alternate's frame.
    pub(super) fn finish(&mut self, em: &mut Emitter) {
        let (main, alt) = if self.on_alt { (&self.other, Some(&self.screen)) } else { (&self.screen, None) };
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
        let mut args = Args { values: [0; 32], len: 0 };
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
pub(super) struct Performer<'a> {
    pub(super) term: &'a mut Term,
    pub(super) em: Emitter<'a>,
    /// The parser did something with the bytes given (see [`super::OSC_LIMIT`]).
    pub(super) acted: bool,
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
            self.term.csi(&Args::new(params), intermediates, c, &mut self.em);
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

/// The character DEC special graphics shows for `c`.
fn dec_graphics(c: char) -> char {
    const TABLE: &[char; 32] = &[
        ' ', '◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺', '⎻', '─', '⎼', '⎽', '├',
        '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
    ];
    match c {
        '_'..='~' => TABLE[c as usize - '_' as usize],
        _ => c,
    }
}

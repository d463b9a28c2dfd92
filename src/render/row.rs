//! One screen row of cells, and the emitter that writes settled rows out as lines, joining
//! rows that wrapped into one another.

use super::width::is_wide;
use std::io::{self, Write};

const SPACES: &[u8; 64] = &[b' '; 64];

/// One screen cell: a character and up to two combining marks (`'\0'` for none).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) struct Cell {
    pub(super) ch: char,
    pub(super) marks: [char; 2],
}

impl Cell {
    pub(super) const BLANK: Cell = Cell::new(' ');
    /// The right half of a wide character: it takes a column and prints nothing.
    pub(super) const WIDE_TAIL: Cell = Cell::new('\0');

    pub(super) const fn new(ch: char) -> Cell {
        Cell { ch, marks: ['\0'; 2] }
    }

    fn is_blank(&self) -> bool {
        self.ch == ' ' && self.marks[0] == '\0'
    }
}

#[derive(Default)]
pub(super) struct Row {
    /// Cells from column 0; columns past the end are blank. Never longer than the width.
    pub(super) cells: Vec<Cell>,
    /// This row ran on into the next by autowrap, so on output they are one line (tmux's
    /// GRID_LINE_WRAPPED). Kept on the upper row so it is settled when that row scrolls off.
    pub(super) wraps: bool,
}

impl Row {
    pub(super) fn clear(&mut self) {
        self.cells.clear();
        self.wraps = false;
    }

    /// Columns up to and including the last non-blank cell.
    pub(super) fn used(&self) -> usize {
        self.cells.iter().rposition(|c| !c.is_blank()).map_or(0, |i| i + 1)
    }

    pub(super) fn get(&self, x: usize) -> Cell {
        self.cells.get(x).copied().unwrap_or(Cell::BLANK)
    }

    pub(super) fn set(&mut self, x: usize, cell: Cell, width: usize) {
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
    pub(super) fn erase(&mut self, from: usize, to: usize) {
        let to = to.min(self.cells.len());
        if from < to {
            self.cells[from..to].fill(Cell::BLANK);
            self.fix_wide();
        }
    }

    /// Shift cells from `x` right by `n` blanks; cells pushed past the width are lost.
    pub(super) fn insert_blanks(&mut self, x: usize, n: usize, width: usize) {
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
    pub(super) fn delete(&mut self, x: usize, n: usize) {
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
pub(super) struct LineState {
    /// A wrapped row was written without its newline; the next row continues the line.
    open: bool,
    /// Blank columns at the end of the wrapped rows written so far: written only if more text
    /// follows on the same line, so no line ends in spaces.
    spaces: usize,
    /// Reused to build one row's text.
    pub(super) text: String,
}

/// Writes settled rows, joining wrapped rows into one line. Errors are kept for `feed` to
/// return, since the parser's callbacks cannot return them.
pub(super) struct Emitter<'a> {
    pub(super) out: &'a mut dyn Write,
    pub(super) line: &'a mut LineState,
    pub(super) err: Option<io::Error>,
}

impl Emitter<'_> {
    fn write(&mut self, bytes: &[u8]) {
        if self.err.is_none() {
            if let Err(err) = self.out.write_all(bytes) {
                self.err = Some(err);
            }
        }
    }

    pub(super) fn row(&mut self, row: &Row) {
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
                text.extend(std::iter::once(cell.ch).chain(cell.marks).filter(|&c| c != '\0'));
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
    pub(super) fn end_line(&mut self) {
        if self.line.open {
            self.write(b"\n");
            self.line.open = false;
            self.line.spaces = 0;
        }
    }
}

use super::row::{Cell, Row};
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
        LineStats { hash: FNV_OFFSET, ..LineStats::default() }
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
    assert_eq!(render("\x1b[1;38;2;255;0;0mx\x1b[38:5:196my\x1b[m\n"), "xy\n");
}

#[test]
fn git_progress_ends_as_its_final_line() {
    let log = "Receiving objects:  10% (1/10)\rReceiving objects:  50% (5/10)\r\
               Receiving objects: 100% (10/10), done.\n";
    assert_eq!(render(log), "Receiving objects: 100% (10/10), done.\n");
}

#[test]
fn cargo_progress_bar_is_erased() {
    let log = "   Compiling a v0.1.0\n    Building [=>   ] 1/3: a\r\x1b[K   Compiling b v0.1.0\n    \
               Building [==> ] 2/3\r\x1b[K    Finished dev\n";
    assert_eq!(render(log), "   Compiling a v0.1.0\n   Compiling b v0.1.0\n    Finished dev\n");
}

#[test]
fn backspace_spinner_leaves_the_last_frame() {
    assert_eq!(render("working |\x08/\x08-\x08\\\x08done\n"), "working done\n");
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
    assert_eq!(render_sized("0123456789abcdefghijXY\n", 10, 5), "0123456789abcdefghijXY\n");
    // Also when the wrapped rows have scrolled off one by one.
    let line: String = (0..50).map(|i| char::from(b'a' + i % 26)).collect();
    assert_eq!(render_sized(&format!("{line}\nend\n"), 7, 2), format!("{line}\nend\n"));
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
    assert_eq!(render_sized("abcdefg\x1b[A\x1b[2K\x1b[B\rZ\n", 5, 5), "\nZg\n");
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
    assert_eq!(render("\x1b[2;3Hx\x1b[1;1Hy\x1b[3dz\x1b[10Gw\n"), "y\n  x\n z       w\n");
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
    assert_eq!(render("\x1b[3;5r\x1b[?6h\x1b[1;1Hx\x1b[?6l\x1b[r"), "\n\nx\n");
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
    assert_eq!(render_sized("\x1b[?1049h1\n2\n3\n4\x1b[?1049l", 5, 2), "3\n4\n");
    // A log that ends inside a full-screen program: the main screen, then the frame.
    assert_eq!(render("main\n\x1b[?1049hfull\n"), "main\nfull\n");
}

#[test]
fn reset_clears_into_the_output_and_leaves_the_alternate_screen() {
    assert_eq!(render("old\n\x1b[?1049h\x1b[Halt\x1bcnew\n"), "old\nalt\nnew\n");
    assert_eq!(render("\x1b[?7l\x1b[2;3r\x1bcabc\n"), "abc\n");
}

#[test]
fn osc_dcs_and_apc_leave_no_text() {
    let log = "\x1b]0;title\x07a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ b\
               \x1bPq#0;1;2\x1b\\c\x1b_apc\x1b\\d\x1b^pm\x1b\\\x1bXsos\x1b\\e\n";
    assert_eq!(render(log), "alink bcde\n");
    // Private and other unknown sequences are ignored.
    assert_eq!(render("\x1b[?25l\x1b[>4;1m\x1b[2 q\x1b=x\x1b[?2004h\n"), "x\n");
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
        renderer.feed(format!("{end}ok\n").as_bytes(), &mut out).unwrap();
        renderer.finish(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "before\nok\n");
    }
}

#[test]
fn invalid_utf8_becomes_a_replacement_character() {
    assert_eq!(render_to_string(b"a\xffb\xe2\x82c\xed\xa0\x80d\n", 80, 24), "a\u{fffd}b\u{fffd}c\u{fffd}\u{fffd}d\n");
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
    renderer.feed(b"a\n\x1b[?1049hb\x1b]0;unterminated", &mut out).unwrap();
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
        assert!(renderer.heap_bytes() <= bound, "{} > {bound}", renderer.heap_bytes());
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
        assert!(renderer.heap_bytes() <= bound, "{} > {bound}", renderer.heap_bytes());
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

/// Rendering speed over a few MB of text, to compare changes by; not a check. Run with
/// `cargo test --release --lib render::tests::render_speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn render_speed() {
    const SIZE: usize = 4 << 20;
    let fill = |line: &dyn Fn(usize) -> String| {
        let mut text = String::with_capacity(SIZE + 200);
        let mut i = 0;
        while text.len() < SIZE {
            text += &line(i);
            i += 1;
        }
        text.into_bytes()
    };
    let ascii = fill(&|i| match i % 4 {
        0 => format!("\x1b[1m\x1b[32m   Compiling\x1b[0m crate-{i} v0.1.0 (/work/crate-{i})\n"),
        1 => format!("\rDownloading crate-{i}: 50%\rDownloading crate-{i}: 100%, done.\n"),
        2 => format!("test tests::case_{i} ... ok\ttook {i}ms\n"),
        _ => format!("warning: unused variable `x{i}` in a message long enough to wrap {}\n", "on and ".repeat(i % 9)),
    });
    let mixed = fill(&|i| match i % 6 {
        0 => format!("  \x1b[32m✓\x1b[0m café_{i} — passed 日本語のテスト {i}\n"),
        1 => format!("한국어 텍스트 {i} 中文字符 ｆｕｌｌｗｉｄｔｈ {i}\n"),
        2 => format!("emoji {i}: ✅ 🚀 👍🏽 ❤\u{fe0f} 👨\u{200d}👩\u{200d}👧 🇫🇷 done\n"),
        3 => format!("combining {i}: e\u{301} a\u{308} n\u{303} สวัสดี Привет мир\n"),
        4 => format!("\x1b[2K\r[{:=>w$}] {i} مرحبا שלום\n", ">", w = i % 30 + 1),
        _ => format!("plain ascii line {i} with some words in it\n"),
    });
    // CPU time of this thread, which other work on a busy machine disturbs less than the clock.
    let cpu_time = || {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime only writes the timespec it is given.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    };
    for (name, bytes) in [("ascii", &ascii), ("mixed", &mixed)] {
        let best = (0..7)
            .map(|_| {
                let start = cpu_time();
                std::hint::black_box(render_to_string(bytes, 80, 24));
                cpu_time() - start
            })
            .min()
            .unwrap();
        let mb = bytes.len() as f64 / (1 << 20) as f64;
        eprintln!("{name}: {mb:.1} MiB in {best:.1?} of CPU (best of 7): {:.1} MiB/s", mb / best.as_secs_f64());
    }
}

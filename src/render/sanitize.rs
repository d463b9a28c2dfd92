//! Text the agent controls (checkpoint files, artifact names, its last message, paths, argv)
//! made safe to print to a terminal: every control character shows as a visible escape (`\e`,
//! `\a`, `\x7f`, `\u{9b}`, …), so nothing it prints can clear the screen, set the title, write
//! the clipboard (OSC 52), hide text (`\e[8m`) or reorder it (bidi overrides). Clean text, by
//! far the common case, is returned as it is, without allocating.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Write;
use std::path::Path;

/// Multi-line text (a checkpoint file, a message): newlines and tabs are kept, a `\r` before a
/// newline is dropped (Windows line ends), every other control character is escaped.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    escape(s, Mode::Text)
}

/// One line (a name, a path, an argument, a table cell): newlines, carriage returns and tabs
/// are escaped too.
pub fn one_line(s: &str) -> Cow<'_, str> {
    escape(s, Mode::Line)
}

/// One line of a screen laid out in columns (the dash's rows, preview and overlays): as
/// [`one_line`], but a tab moves on to the next multiple of 8 columns, in spaces, as a terminal
/// shows it.
pub fn screen_line(s: &str) -> Cow<'_, str> {
    if !s.contains('\t') {
        return one_line(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut col = 0;
    for (i, piece) in s.split('\t').enumerate() {
        if i > 0 {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        }
        let piece = one_line(piece);
        col += piece.chars().map(super::width::char_width).sum::<usize>();
        out.push_str(&piece);
    }
    Cow::Owned(out)
}

/// A path on one line; bytes that are not UTF-8 show as `\xNN`.
pub fn path(p: &Path) -> Cow<'_, str> {
    os_str(p.as_os_str())
}

/// An OS string (an argument, a file name) on one line; bytes that are not UTF-8 show as
/// `\xNN`.
pub fn os_str(s: &OsStr) -> Cow<'_, str> {
    use std::os::unix::ffi::OsStrExt;
    bytes_one_line(s.as_bytes())
}

/// Bytes on one line: valid UTF-8 as [`one_line`], every other byte as `\xNN`.
pub fn bytes_one_line(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => one_line(s),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(&one_line(chunk.valid()));
                for b in chunk.invalid() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            Cow::Owned(out)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    Line,
}

fn escape(s: &str, mode: Mode) -> Cow<'_, str> {
    let Some(first) = first_to_escape(s, mode) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    let mut chars = s[first..].chars().peekable();
    while let Some(c) = chars.next() {
        if !needs_escape(c, mode) {
            out.push(c);
            continue;
        }
        match c {
            // A Windows line end: the newline is what counts.
            '\r' if mode == Mode::Text && chars.peek() == Some(&'\n') => {}
            '\x1b' => out.push_str("\\e"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Byte index of the first character to escape, if any. Plain ASCII is checked a byte at a
/// time; only text with bytes that may start an unsafe character is looked at char by char.
fn first_to_escape(s: &str, mode: Mode) -> Option<usize> {
    let bytes = s.as_bytes();
    let suspect = bytes.iter().position(|&b| match b {
        b'\n' | b'\t' => mode == Mode::Line,
        0x00..=0x1f | 0x7f => true,
        // Lead bytes of C1 controls (U+0080–U+009F), U+061C, and U+2000–U+2FFF (bidi
        // controls, line and paragraph separators).
        0xc2 | 0xd8 | 0xe2 => true,
        _ => false,
    })?;
    s[suspect..].char_indices().find(|&(_, c)| needs_escape(c, mode)).map(|(i, _)| suspect + i)
}

fn needs_escape(c: char, mode: Mode) -> bool {
    match c {
        '\n' | '\t' => mode == Mode::Line,
        '\0'..='\x1f' | '\x7f' => true,
        // C1 controls: `\u{9b}` is CSI, `\u{9d}` OSC for terminals that take 8-bit controls.
        '\u{80}'..='\u{9f}' => true,
        // Bidirectional formatting, which reorders what is shown ("Trojan Source"), and the
        // Unicode line and paragraph separators, which look like nothing.
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        for s in ["", "plain text", "two\nlines\twith a tab\n", "clé ✓ — “quotes” • 日本語 …", "path/to/file.rs:10"]
        {
            assert!(matches!(for_terminal(s), Cow::Borrowed(_)), "{s:?}");
        }
        for s in ["", "one line", "clé ✓ — “quotes” • 日本語 …"] {
            assert!(matches!(one_line(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert!(matches!(path(Path::new("/home/user/src/app")), Cow::Borrowed(_)));
    }

    #[test]
    fn hostile_sequences_become_visible_escapes() {
        let cases = [
            // Clear the screen and home the cursor.
            ("\x1b[2J\x1b[H", "\\e[2J\\e[H"),
            // Set the window title (OSC 2), with BEL and with ST.
            ("\x1b]2;pwned\x07", "\\e]2;pwned\\a"),
            ("\x1b]0;pwned\x1b\\", "\\e]0;pwned\\e\\"),
            // Write the clipboard (OSC 52).
            ("\x1b]52;c;ZWNobyBwd25lZA==\x07", "\\e]52;c;ZWNobyBwd25lZA==\\a"),
            // Concealed text stays in sight.
            ("ok \x1b[8mrm -rf ~\x1b[28m done", "ok \\e[8mrm -rf ~\\e[28m done"),
            // 8-bit CSI and OSC.
            ("\u{9b}2J\u{9d}0;x\u{9c}", "\\u{9b}2J\\u{9d}0;x\\u{9c}"),
            // Backspaces and carriage returns that would draw over what came before.
            ("safe\x08\x08\x08\x08evil", "safe\\b\\b\\b\\bevil"),
            ("looks fine\revil", "looks fine\\revil"),
            // DEL, NUL, other C0 controls.
            ("a\x7fb\0c\x01d\x0ee\x1ff", "a\\x7fb\\0c\\x01d\\x0ee\\x1ff"),
            ("\x0b\x0c", "\\v\\f"),
            // Reordering and invisible separators.
            ("abc\u{202e}fed\u{202c}", "abc\\u{202e}fed\\u{202c}"),
            ("a\u{2066}b\u{2069}\u{200f}\u{061c}", "a\\u{2066}b\\u{2069}\\u{200f}\\u{61c}"),
            ("x\u{2028}y", "x\\u{2028}y"),
        ];
        for (input, want) in cases {
            assert_eq!(for_terminal(input), want, "{input:?}");
            assert_eq!(one_line(input), want, "{input:?}");
            assert_eq!(screen_line(input), want, "{input:?}");
        }
    }

    #[test]
    fn multi_line_text_keeps_its_lines() {
        assert_eq!(for_terminal("# Plan\n\n- [x]\tdone\n"), "# Plan\n\n- [x]\tdone\n");
        assert_eq!(for_terminal("windows\r\nline ends\r\n"), "windows\nline ends\n");
        assert_eq!(for_terminal("a\rb\r\n\x1b[31mred\x1b[0m\n"), "a\\rb\n\\e[31mred\\e[0m\n");
    }

    #[test]
    fn one_line_escapes_line_breaks_and_tabs() {
        assert_eq!(one_line("two\nlines"), "two\\nlines");
        assert_eq!(one_line("cr\r\nlf"), "cr\\r\\nlf");
        assert_eq!(one_line("tab\there"), "tab\\there");
    }

    #[test]
    fn a_screen_line_expands_its_tabs_to_the_next_stop() {
        assert_eq!(screen_line("a\tb"), "a       b");
        assert_eq!(screen_line("ab\tc"), "ab      c");
        assert_eq!(screen_line("日本\tx"), "日本    x");
        // An escape takes the columns it shows in.
        assert_eq!(screen_line("\x1b\tx"), "\\e      x");
        assert_eq!(screen_line("\t\x1b[2J\n"), "        \\e[2J\\n");
        assert!(matches!(screen_line("plain ünïcødé ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn bytes_that_are_not_utf8_show_as_hex() {
        use std::os::unix::ffi::OsStrExt;
        let name = OsStr::from_bytes(b"report\xff\xfe\x1b[2J.txt");
        assert_eq!(os_str(name), "report\\xff\\xfe\\e[2J.txt");
        assert_eq!(path(Path::new(OsStr::from_bytes(b"/tmp/a\nb"))), "/tmp/a\\nb");
        assert_eq!(bytes_one_line(b"ok"), "ok");
    }

    #[test]
    fn output_never_holds_a_control_character() {
        // Every code point below U+00A0 and every special one, in every position.
        let mut all = String::new();
        for c in (0u32..0xa0).chain([0x61c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069]) {
            all.push(char::from_u32(c).unwrap());
            all.push('x');
        }
        for out in [for_terminal(&all), one_line(&all), screen_line(&all)] {
            let bad: Vec<char> = out.chars().filter(|&c| needs_escape(c, Mode::Text)).collect();
            assert!(bad.is_empty(), "{bad:?} in {out:?}");
        }
        assert!(!one_line(&all).contains(['\n', '\t']) && !screen_line(&all).contains(['\n', '\t']));
    }
}

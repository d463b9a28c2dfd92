//! How many columns a character takes on the screen: the `unicode-width` crate, except where
//! tmux shows a character otherwise (see [`tmux_width`]).

use unicode_width::UnicodeWidthChar;

/// The width tmux gives `c` where it differs from the crate's, for text an agent may well print.
///
/// tmux 3.3a takes widths from the C library's `wcwidth`, and the crate (Unicode 16 and later
/// rules) differs from it in a few places: it hides spacing marks that extend a grapheme,
/// soft hyphens and Hangul fillers, and widens the I Ching trigrams and their kin. Known
/// differences left to the crate, as text in those scripts or symbols is rare in logs: other
/// spacing marks and prepended letters in minor scripts (Balinese, Javanese, Sharada, musical
/// symbols…), format joiners (U+2D7F, U+FFF9–FFFB, Egyptian hieroglyph joiners), U+302E–302F,
/// U+3248–324F and U+16FF0–16FF1. Characters newer than the C library's Unicode tables, such
/// as recent emoji, are dropped by tmux but keep the crate's width here.
fn tmux_width(c: char) -> Option<usize> {
    match c {
        // Soft hyphen: default-ignorable for the crate, a column in wcwidth.
        '\u{ad}' => Some(1),
        // Spacing vowel signs and length marks of Bengali, Oriya, Tamil, Kannada, Malayalam
        // and Sinhala (Mc, and Grapheme_Extend, which the crate counts as zero width), and the
        // Malayalam dot reph (a prepended letter).
        '\u{9be}'
        | '\u{9d7}'
        | '\u{b3e}'
        | '\u{b57}'
        | '\u{bbe}'
        | '\u{bd7}'
        | '\u{cc0}'
        | '\u{cc2}'
        | '\u{cc7}'..='\u{cc8}'
        | '\u{cca}'..='\u{ccb}'
        | '\u{cd5}'..='\u{cd6}'
        | '\u{d3e}'
        | '\u{d4e}'
        | '\u{d57}'
        | '\u{dcf}'
        | '\u{ddf}' => Some(1),
        // Khmer independent vowel QAA and sign BEYYAL: 2 and 3 columns for the crate (a cell
        // holds at most 2), 1 in wcwidth.
        '\u{17a4}' | '\u{17d8}' => Some(1),
        // Trigrams (☰, a common menu icon), monograms and digrams, Tai Xuan Jing symbols and
        // counting rods: wide since Unicode 16, narrow in wcwidth.
        '\u{2630}'..='\u{2637}' | '\u{268a}'..='\u{268f}' | '\u{1d300}'..='\u{1d356}' | '\u{1d360}'..='\u{1d376}' => {
            Some(1)
        }
        // Hangul fillers: default-ignorable for the crate, a wide and a narrow column in wcwidth.
        '\u{3164}' => Some(2),
        '\u{ffa0}' => Some(1),
        _ => None,
    }
}

/// A character that takes two columns. No character below U+1100 does, which spares the
/// lookup for most text.
pub(super) fn is_wide(c: char) -> bool {
    c >= '\u{1100}' && char_width(c) == 2
}

/// Columns `c` takes: 0 for combining marks and other zero-width characters (they join the
/// character before), 2 for East Asian wide characters and emoji, else 1. Controls, which
/// print nothing, are 0 too.
pub(super) fn char_width(c: char) -> usize {
    if c.is_ascii() {
        return usize::from(!c.is_ascii_control());
    }
    tmux_width(c).unwrap_or_else(|| c.width().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_of_common_characters() {
        assert_eq!(char_width('a'), 1);
        assert_eq!(char_width('é'), 1);
        assert_eq!(char_width('\u{301}'), 0);
        assert_eq!(char_width('가'), 2);
        assert_eq!(char_width('🚀'), 2);
        assert_eq!(char_width('✓'), 1);
    }

    #[test]
    fn each_tmux_width_is_needed_and_no_cell_is_wider_than_two() {
        for c in '\0'..=char::MAX {
            if let Some(width) = tmux_width(c) {
                assert_ne!(c.width(), Some(width), "{c:?} needs no override");
            }
            assert!(char_width(c) <= 2, "{c:?}");
        }
    }
}

//! tmux key names, as `send-keys` takes them: so `minder send --key` presses a key rather than
//! typing a word tmux does not know as one.

/// Keys tmux names (its `key-string.c` table, plus the aliases it accepts).
const NAMED: &[&str] = &[
    "Enter", "Escape", "Tab", "BTab", "Space", "BSpace", "Up", "Down", "Left", "Right", "Home", "End", "IC", "DC",
    "Insert", "Delete", "NPage", "PPage", "PageDown", "PageUp", "PgDn", "PgUp", "KP/", "KP*", "KP-", "KP7", "KP8",
    "KP9", "KP+", "KP4", "KP5", "KP6", "KP1", "KP2", "KP3", "KPEnter", "KP0", "KP.",
];

/// Whether `key` is a tmux key name: modifiers (`C-`, `M-`, `S-`, also `^x`) then a named key,
/// a function key `F1`…`F24`, or one character.
pub fn is_key_name(key: &str) -> bool {
    let mut rest = key;
    loop {
        match rest.get(..2) {
            Some("C-" | "M-" | "S-" | "c-" | "m-" | "s-") if rest.len() > 2 => rest = &rest[2..],
            _ => break,
        }
    }
    if let Some(c) = rest.strip_prefix('^') {
        rest = if c.chars().count() == 1 { c } else { return false };
    }
    let function = rest.strip_prefix('F').and_then(|n| n.parse::<u8>().ok()).is_some_and(|n| (1..=24).contains(&n));
    let one_char = rest.chars().count() == 1 && !rest.chars().next().is_some_and(char::is_control);
    function || one_char || NAMED.iter().any(|n| n.eq_ignore_ascii_case(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        for k in [
            "Escape", "Enter", "C-c", "M-x", "S-Up", "C-M-Left", "F1", "F12", "y", "^C", "BSpace", "escape", "PgUp",
            "/",
        ] {
            assert!(is_key_name(k), "{k}");
        }
        for k in ["", "hello", "Esc ape", "F0", "F25", "C-", "C-hello", "\x1b", "\u{1b}", "run tests"] {
            assert!(!is_key_name(k), "{k:?}");
        }
    }
}

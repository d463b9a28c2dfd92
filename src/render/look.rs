//! How each state looks wherever minder shows it: its icon, its colour and weight (`ls`,
//! `show`, `review`, `explain`, the dash) and its chip on the tmux status line. One table, so a
//! state looks the same everywhere; each place only translates it (ANSI, ratatui, tmux styles).

use crate::domain::state::State;

/// A terminal's basic colours, the ones every terminal theme defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hue {
    /// The terminal's own foreground.
    Plain,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Normal,
    /// For states that ask for the person.
    Bold,
    /// For what needs nothing more.
    Dim,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    /// One narrow symbol, so the state reads without colour too.
    pub icon: &'static str,
    pub hue: Hue,
    pub weight: Weight,
    /// Its default indicator on the status line (a tmux style, `@minder-color-STATE` replaces
    /// it): a chip with its own background, so it reads the same on tmux's default status bar
    /// (black on green, where a green or cyan foreground vanishes: `working` is white there)
    /// and on a dark one. Empty for a state the status line never shows.
    pub chip: &'static str,
}

const fn look_of(icon: &'static str, hue: Hue, weight: Weight, chip: &'static str) -> Look {
    Look { icon, hue, weight, chip }
}

/// Every state's look, in attention order.
pub const LOOKS: [(State, Look); 9] = {
    use Hue::*;
    use Weight::*;
    [
        (State::Waiting, look_of("?", Yellow, Bold, "fg=black,bg=yellow,bold")),
        (State::Review, look_of("✓", Cyan, Bold, "fg=black,bg=cyan,bold")),
        (State::Failed, look_of("✗", Red, Bold, "fg=white,bg=red,bold")),
        (State::Lost, look_of("⊘", Red, Bold, "fg=white,bg=red")),
        (State::Stuck, look_of("!", Magenta, Normal, "fg=white,bg=magenta")),
        (State::Working, look_of("●", Green, Normal, "fg=black,bg=white")),
        (State::Approved, look_of("✔", Blue, Normal, "fg=white,bg=blue")),
        // A person's decision, asking nothing: red, not bold (as the dash and the chip had it).
        (State::Rejected, look_of("↺", Red, Normal, "fg=white,bg=red")),
        // Never on the status line: a stopped agent needs nothing.
        (State::Stopped, look_of("■", Plain, Dim, "")),
    ]
};

/// A record that cannot be read: it needs a person more than anything.
pub const UNREADABLE: Look = look_of("‽", Hue::Red, Weight::Bold, "");

/// How `state` looks.
pub fn look(state: State) -> Look {
    LOOKS.iter().find(|(s, _)| *s == state).map(|(_, l)| *l).expect("LOOKS has every state")
}

impl Look {
    /// Its ANSI SGR parameters (`1;33`: bold yellow), empty for plain text.
    pub fn sgr(&self) -> String {
        let weight = match self.weight {
            Weight::Normal => None,
            Weight::Bold => Some(1),
            Weight::Dim => Some(2),
        };
        let hue = match self.hue {
            Hue::Plain => None,
            Hue::Red => Some(31),
            Hue::Green => Some(32),
            Hue::Yellow => Some(33),
            Hue::Blue => Some(34),
            Hue::Magenta => Some(35),
            Hue::Cyan => Some(36),
        };
        weight.into_iter().chain(hue).map(|n| n.to_string()).collect::<Vec<_>>().join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_one_look_and_its_own_icon() {
        for s in crate::domain::state::ALL_STATES {
            assert_eq!(LOOKS.iter().filter(|(x, _)| x == s).count(), 1, "{s}");
        }
        let mut icons: Vec<&str> = LOOKS.iter().map(|(_, l)| l.icon).chain([UNREADABLE.icon]).collect();
        icons.sort();
        icons.dedup();
        assert_eq!(icons.len(), LOOKS.len() + 1, "each icon names one state");
        // One narrow symbol each: the dash's icon column is one cell wide.
        for icon in icons {
            assert_eq!(icon.chars().map(super::super::width::char_width).sum::<usize>(), 1, "{icon}");
        }
    }

    #[test]
    fn the_ansi_codes_are_the_ones_ls_always_printed() {
        assert_eq!(look(State::Working).sgr(), "32");
        assert_eq!(look(State::Waiting).sgr(), "1;33");
        assert_eq!(look(State::Stuck).sgr(), "35");
        assert_eq!(look(State::Review).sgr(), "1;36");
        assert_eq!(look(State::Approved).sgr(), "34");
        assert_eq!(look(State::Failed).sgr(), "1;31");
        assert_eq!(look(State::Lost).sgr(), "1;31");
        assert_eq!(look(State::Rejected).sgr(), "31");
        assert_eq!(look(State::Stopped).sgr(), "2");
    }
}

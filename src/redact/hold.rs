//! Holding back what could still become a secret: lazy DFAs of the patterns that say how a
//! secret begins (and of the user's patterns), run anchored from each position of the held
//! tail; a tail from which no pattern can match any more is safe to release.

use super::patterns::{HOLD_GLUED, HOLD_STARTS};
use regex::bytes::Regex;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};
use std::ops::Range;
use std::sync::OnceLock;

/// The lazy DFAs of [`HOLD_STARTS`] and [`HOLD_GLUED`], built once (each redactor has its
/// own caches).
fn builtin_holds() -> &'static [DFA; 2] {
    static COMPILED: OnceLock<[DFA; 2]> = OnceLock::new();
    COMPILED.get_or_init(|| {
        [HOLD_STARTS, HOLD_GLUED].map(|sources| hold_dfa(sources).expect("built-in hold pattern compiles"))
    })
}

/// Build a lazy DFA that, run anchored from a position, says whether the text from there could
/// still be the beginning of a match (it dies once no pattern can match any more). `All`
/// keeps every pattern's threads alive after another one has matched.
fn hold_dfa<S: AsRef<str>>(sources: &[S]) -> Option<DFA> {
    DFA::builder()
        .configure(DFA::config().match_kind(MatchKind::All).unicode_word_boundary(true))
        .syntax(syntax::Config::new().utf8(false))
        .thompson(thompson::Config::new().utf8(false))
        .build_many(sources)
        .ok()
}

/// The built-in hold patterns and the user's patterns, each with its cache.
pub(super) struct HoldSet {
    /// Bytes a match of any hold pattern can begin with (in some context): every other
    /// position is ruled out without running a DFA.
    can_start: [bool; 256],
    builtin: &'static [DFA; 2],
    /// Always there; options only to hand them back to [`WARM_CACHES`] when dropped.
    builtin_caches: [Option<Cache>; 2],
    extra: Option<(DFA, Cache)>,
}

/// Caches of the built-in hold DFAs, kept warm between redactors (a lazy DFA builds its states
/// as it meets them; `redact_text` makes a redactor per text).
static WARM_CACHES: std::sync::Mutex<Vec<[Option<Cache>; 2]>> = std::sync::Mutex::new(Vec::new());

impl HoldSet {
    pub(super) fn new(extra: &[Regex]) -> HoldSet {
        let builtin = builtin_holds();
        let caches = WARM_CACHES.lock().ok().and_then(|mut caches| caches.pop());
        let caches = caches.unwrap_or_else(|| [Some(builtin[0].create_cache()), Some(builtin[1].create_cache())]);
        let sources: Vec<&str> = extra.iter().map(|re| re.as_str()).collect();
        let extra = if sources.is_empty() {
            None
        } else {
            // A pattern the lazy DFA cannot take (none known) only loses the hold.
            hold_dfa(&sources).map(|dfa| {
                let cache = dfa.create_cache();
                (dfa, cache)
            })
        };
        let mut set = HoldSet { can_start: [true; 256], builtin, builtin_caches: caches, extra };
        set.can_start = std::array::from_fn(|b| set.may_start(b as u8));
        set
    }

    /// The first position in `range` from which `hay` could still grow into a match of one of
    /// the user's patterns, which (unlike the built-in ones) may span line breaks.
    pub(super) fn earliest_user(&mut self, hay: &[u8], range: Range<usize>, before: Option<u8>) -> Option<usize> {
        let (dfa, cache) = self.extra.as_mut()?;
        range.into_iter().find(|&i| {
            let prev = if i == 0 { before } else { Some(hay[i - 1]) };
            self.can_start[usize::from(hay[i])] && may_grow(dfa, cache, None, &hay[i..], prev)
        })
    }

    /// Whether a match of some hold pattern can begin with `b`, after a space, a letter or
    /// a line break or nothing (the contexts `\b` and `^` tell apart); glued ones with `b` as
    /// the glue.
    fn may_start(&mut self, b: u8) -> bool {
        let [starts, glued] = self.builtin;
        let [starts_cache, glued_cache] = &mut self.builtin_caches;
        let starts_cache = starts_cache.get_or_insert_with(|| starts.create_cache());
        let glued_cache = glued_cache.get_or_insert_with(|| glued.create_cache());
        [None, Some(b' '), Some(b'a'), Some(b'\n')].into_iter().any(|before| {
            may_grow(starts, starts_cache, None, &[b], before)
                || may_grow(glued, glued_cache, None, &[b], before)
                || self.extra.as_mut().is_some_and(|(dfa, cache)| may_grow(dfa, cache, None, &[b], before))
        })
    }

    /// The first position in `range` from which `hay` could still grow into a match; `before`
    /// is the byte before `hay` (for `\b`).
    pub(super) fn earliest(&mut self, hay: &[u8], range: Range<usize>, before: Option<u8>) -> Option<usize> {
        range.into_iter().find(|&i| {
            let prev = if i == 0 { before } else { Some(hay[i - 1]) };
            let text = &hay[i..];
            // At the start, the released byte before may be the glue.
            let glue = if i == 0 { before } else { None };
            if !self.can_start[usize::from(hay[i])] && !glue.is_some_and(|g| self.can_start[usize::from(g)]) {
                return false;
            }
            let [starts, glued] = self.builtin;
            let [starts_cache, glued_cache] = &mut self.builtin_caches;
            let starts_cache = starts_cache.get_or_insert_with(|| starts.create_cache());
            if may_grow(starts, starts_cache, None, text, prev) {
                return true;
            }
            // Glued: from two characters on. At the start of what is held, the character
            // before (already released) may be the glue.
            let glued_cache = glued_cache.get_or_insert_with(|| glued.create_cache());
            let glued_live = match (i, before) {
                (0, Some(b)) => may_grow(glued, glued_cache, Some(b), text, None),
                _ => text.len() >= 2 && may_grow(glued, glued_cache, None, text, prev),
            };
            if glued_live {
                return true;
            }
            match &mut self.extra {
                Some((dfa, cache)) => may_grow(dfa, cache, None, text, prev),
                None => false,
            }
        })
    }
}

impl Drop for HoldSet {
    fn drop(&mut self) {
        if let Ok(mut caches) = WARM_CACHES.lock() {
            if caches.len() < 8 {
                caches.push(std::mem::take(&mut self.builtin_caches));
            }
        }
    }
}

/// Whether `first` then `text` is the beginning of a match of `dfa` (anchored at its start), or
/// may be: a DFA that gives up counts as "may".
fn may_grow(dfa: &DFA, cache: &mut Cache, first: Option<u8>, text: &[u8], before: Option<u8>) -> bool {
    let config = start::Config::new().anchored(Anchored::Yes).look_behind(before);
    let Ok(mut sid) = dfa.start_state(cache, &config) else { return true };
    for &b in first.iter().chain(text) {
        match dfa.next_state(cache, sid, b) {
            Ok(next) => sid = next,
            Err(_) => return true,
        }
        if sid.is_dead() {
            return false;
        }
        if sid.is_quit() {
            return true;
        }
    }
    true
}

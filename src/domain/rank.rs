//! Ranking attempts on the same brief (`minder review` with no name): the person picks one, so
//! the best comes first — checks passing first, then the smaller diff, then the one that
//! finished sooner — and each row says why it stands where it does. Pure.

use chrono::{DateTime, Utc};
use std::cmp::Ordering;

/// What an attempt is ranked on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub checks_passed: usize,
    pub checks: usize,
    /// The checks have run (they run when it reaches review).
    pub checks_run: bool,
    /// Lines added plus removed against the base (None: not known).
    pub lines_changed: Option<usize>,
    /// When it reached review (None: not finished).
    pub finished_at: Option<DateTime<Utc>>,
}

impl Standing {
    fn all_pass(&self) -> bool {
        self.checks_run && self.checks_passed == self.checks
    }

    /// `2/2`, `1/2`, `-` (none configured), `…` (not run yet).
    pub fn checks_cell(&self) -> String {
        match (self.checks, self.checks_run) {
            (0, _) => "-".into(),
            (_, false) => "…".into(),
            (n, true) => format!("{}/{n}", self.checks_passed),
        }
    }
}

/// Best first: every check passing, then more checks passing, then finished before unfinished,
/// then fewer lines changed, then finished sooner.
pub fn order(a: &Standing, b: &Standing) -> Ordering {
    b.all_pass()
        .cmp(&a.all_pass())
        .then(b.checks_passed.cmp(&a.checks_passed))
        .then(b.finished_at.is_some().cmp(&a.finished_at.is_some()))
        .then(a.lines_changed.unwrap_or(usize::MAX).cmp(&b.lines_changed.unwrap_or(usize::MAX)))
        .then(a.finished_at.cmp(&b.finished_at))
}

/// Why the first one is first.
pub fn why_first(s: &Standing) -> String {
    let mut why = Vec::new();
    if s.checks > 0 && s.all_pass() {
        why.push("checks pass".to_string());
    }
    if let Some(n) = s.lines_changed {
        why.push(format!("{n} lines changed"));
    }
    if s.finished_at.is_none() {
        why.push("not finished".into());
    }
    why.join(", ")
}

/// Why `s` stands behind `best`: the first rule that puts it there.
pub fn why_behind(s: &Standing, best: &Standing) -> String {
    if best.all_pass() && !s.all_pass() {
        return if s.checks_run {
            format!("checks fail ({}/{})", s.checks_passed, s.checks)
        } else {
            "checks not run yet".into()
        };
    }
    if s.checks_passed < best.checks_passed {
        return format!("fewer checks pass ({} vs {})", s.checks_passed, best.checks_passed);
    }
    if s.finished_at.is_none() && best.finished_at.is_some() {
        return "not finished".into();
    }
    match (s.lines_changed, best.lines_changed) {
        (Some(a), Some(b)) if a > b => return format!("bigger diff ({a} vs {b} lines)"),
        (None, Some(_)) => return "diff unknown".into(),
        _ => {}
    }
    "finished later".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(passed: usize, checks: usize, lines: usize, finished: i64) -> Standing {
        Standing {
            checks_passed: passed,
            checks,
            checks_run: true,
            lines_changed: Some(lines),
            finished_at: DateTime::from_timestamp(1_700_000_000 + finished, 0),
        }
    }

    #[test]
    fn passing_checks_beat_a_small_diff_which_beats_finishing_first() {
        let passing_big = st(2, 2, 500, 30);
        let failing_small = st(1, 2, 5, 10);
        let passing_small_late = st(2, 2, 50, 60);
        let passing_small_early = st(2, 2, 50, 20);
        let mut all =
            vec![failing_small.clone(), passing_big.clone(), passing_small_late.clone(), passing_small_early.clone()];
        all.sort_by(order);
        assert_eq!(
            all,
            [passing_small_early.clone(), passing_small_late.clone(), passing_big.clone(), failing_small.clone()]
        );
        assert_eq!(why_first(&passing_small_early), "checks pass, 50 lines changed");
        assert_eq!(why_behind(&passing_small_late, &passing_small_early), "finished later");
        assert_eq!(why_behind(&passing_big, &passing_small_early), "bigger diff (500 vs 50 lines)");
        assert_eq!(why_behind(&failing_small, &passing_small_early), "checks fail (1/2)");
        let unrun = Standing { checks_run: false, checks_passed: 0, ..failing_small };
        assert_eq!(unrun.checks_cell(), "…");
        assert_eq!(why_behind(&unrun, &passing_small_early), "checks not run yet");
    }
}

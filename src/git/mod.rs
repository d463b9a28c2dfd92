//! The one door to git: worktrees, repository facts, diffs and the push gate.

pub mod gate;
pub mod worktree;

//! minder: keep coding agents running in named tmux sessions and show which one needs you.
//!
//! Data flows one way: `commands/` (one file per subcommand) call `ops/` (what commands share),
//! which stand on `domain/` (pure data and decisions) and the doors to the outside world:
//! `store/` (the state dir), `tmux/`, `git/`, plus the pane's own processes (`sink/`,
//! `supervisor`), `procs` (processes as the kernel lists them) and `render/` (bytes to the text
//! a person saw).

pub(crate) mod app;
pub mod cli;
pub(crate) mod commands;
pub(crate) mod dash;
pub(crate) mod demo;
pub(crate) mod domain;
pub mod error;
pub mod git;
pub(crate) mod hosts;
/// The control master's liveness check alone, for the test that holds it against a real
/// OpenSSH master (`tests/it/hosts.rs`); the rest of `hosts` stays inside the crate.
#[doc(hidden)]
pub mod mux_check {
    pub use crate::hosts::mux::{check, Alive};
}
#[cfg(test)]
mod house;
pub(crate) mod ops;
pub(crate) mod procs;
pub(crate) mod redact;
pub mod render;
pub(crate) mod sink;
pub(crate) mod store;
pub(crate) mod supervisor;
pub(crate) mod tmux;

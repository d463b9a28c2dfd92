//! minder: keep coding agents running in named tmux sessions and show which one needs you.
//!
//! Data flows one way: `commands/` (one file per subcommand) call `ops/` (what commands share),
//! which stand on `domain/` (pure data and decisions) and the doors to the outside world:
//! `store/` (the state dir), `tmux/`, `git/`, plus the pane's own processes (`sink/`,
//! `supervisor`), `procs` (processes as the kernel lists them) and `render/` (bytes to the text
//! a person saw).

pub mod app;
pub mod cli;
pub mod commands;
pub mod dash;
pub mod demo;
pub mod domain;
pub mod error;
pub mod git;
pub mod hosts;
pub mod ops;
pub mod procs;
pub mod render;
pub mod sink;
pub mod store;
pub mod supervisor;
pub mod tmux;

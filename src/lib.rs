//! minder: keep coding agents running in named tmux sessions and show which one needs you.
//!
//! The binary is thin (`main.rs`); commands live in `commands/`, the domain (sessions, states,
//! naming, config) in plain modules, and every edge (tmux, files, git) in one module each.

pub mod agents;
pub mod app;
pub mod brief;
pub mod checkpoints;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dash;
pub mod demo;
pub mod detect;
pub mod error;
pub mod fsutil;
pub mod gate;
pub mod live;
pub mod logfile;
pub mod naming;
pub mod paths;
pub mod quote;
pub mod redact;
pub mod render;
pub mod session;
pub mod status;
pub mod sink;
pub mod tmux;
pub mod track;
pub mod view;
pub mod watch;
pub mod worktree;

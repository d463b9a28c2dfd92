//! minder: keep coding agents running in named tmux sessions and show which one needs you.

pub mod fsutil;
pub mod logfile;
pub mod redact;

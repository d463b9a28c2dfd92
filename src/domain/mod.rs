//! The domain: plain data and the decisions made on it, with no I/O — states and their
//! transitions, records and events, naming, agent profiles, detection rules, config types.

pub mod agents;
pub mod brief;
pub mod config;
pub mod detect;
pub mod fence;
pub mod hosts;
pub mod keys;
pub mod naming;
pub mod panes;
pub mod rank;
pub mod record;
#[cfg(test)]
mod screens_corpus;
pub mod shell;
pub mod state;
pub mod usage;

//! minder's integration tests, one binary: each file is a module, the fixtures (`common`) are
//! shared, and cargo links once instead of once per file. Run one file's tests with a filter on
//! its module: `cargo test --test it hosts::`.
//!
//! The tests share one process and its test threads: nothing here may change the process's
//! environment or working directory, and each test keeps its state in its own `common::Env`.

mod common;

mod apply;
mod core;
mod dash;
mod decisions;
mod faults;
mod fence;
mod gate;
mod grep;
mod hosts;
mod identity;
mod json;
mod notify;
mod plugin;
mod real_agents;
mod render;
mod review;
mod safety;
mod screens;
mod states;

//! `minder dash`: the live dashboard (also bare `minder` on a terminal). The dash itself lives
//! in `crate::dash`.

use crate::app::Ctx;
use anyhow::Result;
use clap::Args as ClapArgs;
use std::io::IsTerminal;

/// The live dashboard: every agent, what it needs, and its screen
///
/// One row per agent in attention order (waiting, review, failed, lost, stuck, working, then
/// approved, rejected, stopped) with its state, time in that state, plan progress and last line
/// of output, and a preview of the selected agent's screen. It updates by itself.
///
/// Keys: ↑/↓ j/k Home/End select · Enter attach (switch the client inside tmux) · r review ·
/// a approve · x reject · s send text · d diff · K stop · / filter · q or Esc quit.
#[derive(ClapArgs, Debug, Default)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> Result<()> {
    if !on_a_terminal() {
        return Err(crate::usage!("the dash needs a terminal on stdin and stdout (for scripts: `minder ls --json`)"));
    }
    crate::dash::run(ctx)
}

/// Whether a person is there to see the dash: stdin and stdout both terminals.
pub fn on_a_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

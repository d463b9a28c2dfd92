//! `minder _list` (internal): this machine's sessions, one line each, for the review popup
//! (`tmux/review-popup.sh`), so that no shell script parses JSON.

use crate::app::Ctx;
use anyhow::Result;
use clap::Args as ClapArgs;

#[derive(ClapArgs, Debug)]
pub struct Args {}

/// One line per session, in `ls`'s attention order (those that need a person first), ended
/// ones too: its name, its state, and whether its tmux session is `here` (its pane, even a dead
/// one, is in tmux), `gone`, or `unknown` (tmux could not be asked), separated by tabs. Names
/// are `[A-Za-z0-9_-]` and states plain words, so a line splits on tabs without any quoting.
/// tmux is always asked: the popup must know where `attach` can go.
pub fn run(ctx: &Ctx, _args: Args) -> Result<()> {
    let mut sessions = crate::ops::reconcile::observe(ctx)?;
    crate::ops::listing::in_attention_order(&mut sessions);
    for o in sessions {
        let tmux = match (&o.pane, o.tmux_checked) {
            (Some(_), _) => "here",
            (None, true) => "gone",
            (None, false) => "unknown",
        };
        crate::outln!("{}\t{}\t{tmux}", o.record.name, o.record.state().as_str());
    }
    Ok(())
}

//! Delivering text to an agent exactly: literal keys for short text, a bracketed paste for
//! long or multi-line text, then Enter after the delay the agent needs.

use crate::app::Ctx;
use anyhow::{anyhow, Result};
use crate::domain::record::Record;
use crate::ops::reconcile;
use crate::tmux::Tmux;
use crate::tmux_cmd;
use std::time::Duration;

/// Text longer than this, or with a newline, goes through a paste buffer: send-keys would type
/// it key by key, and a newline would press Enter in the middle.
pub const PASTE_OVER: usize = 256;

/// Type `text` into the session's agent pane and press Enter after `delay`.
pub fn deliver(ctx: &Ctx, obs: &reconcile::Observed, text: &str, delay: Duration) -> Result<()> {
    let record = &obs.record;
    match &obs.pane {
        Some(p) if !p.dead => {}
        _ => return Err(anyhow!("session `{}` has ended (state {}); nothing to send to", record.name, record.state)),
    }
    let tmux = ctx.tmux_for(record)?;
    type_text(&tmux, record, text)?;
    std::thread::sleep(delay);
    tmux.run(&tmux_cmd!["send-keys", "-t", record.tmux.pane_id, "Enter"])?;
    Ok(())
}

fn type_text(tmux: &Tmux, record: &Record, text: &str) -> Result<()> {
    let pane = &record.tmux.pane_id;
    if text.is_empty() {
        return Ok(());
    }
    if text.len() <= PASTE_OVER && !text.contains(['\n', '\r']) {
        // -l: literal text, no key names; `--`: text may start with `-`. A trailing `;` is
        // protected by the tmux door.
        tmux.run(&tmux_cmd!["send-keys", "-t", pane, "-l", "--", text])?;
        return Ok(());
    }
    let buffer = format!("minder-send-{}", std::process::id());
    // -p: bracketed paste when the agent asked for it, so a newline is text, not Enter.
    tmux.batch(&[
        tmux_cmd!["set-buffer", "-b", buffer, "--", text],
        tmux_cmd!["paste-buffer", "-d", "-p", "-r", "-b", buffer, "-t", pane],
    ])?;
    Ok(())
}

//! Delivering text to an agent exactly: literal keys for short text, a bracketed paste for
//! long or multi-line text, then Enter after the delay the agent needs.

use crate::app::Ctx;
use crate::ops::reconcile;
use crate::tmux::{Identity, Tmux};
use crate::tmux_cmd;
use anyhow::{anyhow, Result};
use std::time::Duration;

/// Text longer than this, or with a newline, goes through a paste buffer: send-keys would type
/// it key by key, and a newline would press Enter in the middle.
pub const PASTE_OVER: usize = 256;

/// Type `text` into the session's agent pane and press Enter after `delay`. Each tmux call
/// checks, as it acts, that the pane is still in the session carrying the record's id.
pub fn deliver(ctx: &Ctx, obs: &reconcile::Observed, text: &str, delay: Duration) -> Result<()> {
    let record = &obs.record;
    let pane = live_pane(obs, "nothing was sent")?;
    let tmux = ctx.tmux_for(record)?;
    let who = record.identity();
    let gone =
        || anyhow!("session `{}` is no longer in tmux (pane {pane} is not its own); nothing was sent", record.name);
    type_text(&tmux, &who, &pane, text)?.ok_or_else(gone)?;
    std::thread::sleep(delay);
    tmux.batch_if(&pane, &who, &[tmux_cmd!["send-keys", "-t", pane, "Enter"]])?.ok_or_else(gone)?;
    Ok(())
}

/// Press tmux keys (checked names, see `domain::keys`) in the agent's pane, in one call that
/// checks the pane is still the agent's.
pub fn press(ctx: &Ctx, obs: &reconcile::Observed, keys: &[String]) -> Result<()> {
    let record = &obs.record;
    let pane = live_pane(obs, "no key was pressed")?;
    let tmux = ctx.tmux_for(record)?;
    let mut cmd = tmux_cmd!["send-keys", "-t", pane];
    cmd.extend(keys.iter().cloned());
    tmux.batch_if(&pane, &record.identity(), &[cmd])?.ok_or_else(|| {
        anyhow!("session `{}` is no longer in tmux (pane {pane} is not its own); no key was pressed", record.name)
    })?;
    Ok(())
}

/// The agent's live pane, or why there is none (`nothing` says what was not done).
fn live_pane(obs: &reconcile::Observed, nothing: &str) -> Result<String> {
    match &obs.pane {
        Some(p) if !p.dead => Ok(p.pane_id.clone()),
        None if obs.unreachable("").is_some() => Err(obs.unreachable(nothing).expect("checked")),
        _ => Err(anyhow!("session `{}` has ended (state {}); {nothing}", obs.record.name, obs.record.state())),
    }
}

fn type_text(tmux: &Tmux, who: &Identity, pane: &str, text: &str) -> Result<Option<String>> {
    if text.is_empty() {
        return Ok(Some(String::new()));
    }
    if text.len() <= PASTE_OVER && !text.contains(['\n', '\r']) {
        // -l: literal text, no key names; `--`: text may start with `-`.
        return Ok(tmux.batch_if(pane, who, &[tmux_cmd!["send-keys", "-t", pane, "-l", "--", text]])?);
    }
    let buffer = format!("minder-send-{}", std::process::id());
    // -p: bracketed paste when the agent asked for it, so a newline is text, not Enter.
    Ok(tmux.batch_if(
        pane,
        who,
        &[
            tmux_cmd!["set-buffer", "-b", buffer, "--", text],
            tmux_cmd!["paste-buffer", "-d", "-p", "-r", "-b", buffer, "-t", pane],
        ],
    )?)
}

/// The person's answer to the question an agent asks now (`minder answer`, `y`/`n` in the dash
/// and the popup).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Text(String),
}

impl Answer {
    pub fn parse(words: &[String]) -> Answer {
        let text = words.join(" ");
        match text.to_ascii_lowercase().as_str() {
            "yes" | "y" => Answer::Yes,
            "no" | "n" => Answer::No,
            _ => Answer::Text(text),
        }
    }
}

/// Answer the question `obs`'s agent is asking, the way its profile says (`answer_yes`,
/// `answer_no`: keys; text is typed and submitted). Refused, sending nothing, when it asks
/// nothing: an answer typed into a working agent would be taken as a new instruction.
pub fn answer(ctx: &Ctx, obs: &reconcile::Observed, reply: &Answer) -> Result<String> {
    let r = &obs.record;
    let Some(asked) = r.asking() else {
        let (state, detail) = r.shown();
        let shown = if detail.is_empty() { state.to_string() } else { format!("{state} ({detail})") };
        return Err(anyhow!(
            "`{}` is not asking anything now ({shown}); nothing was sent (to give it new work: `minder send {} TEXT`)",
            r.name,
            r.task
        ));
    };
    let profile = crate::domain::agents::profile(&ctx.config, &r.agent)?;
    let keys = match reply {
        Answer::Yes => &profile.answer_yes,
        Answer::No => &profile.answer_no,
        Answer::Text(text) => {
            deliver(ctx, obs, text, profile.submit_delay)?;
            return Ok(format!("answered `{}` ({asked}) with the text", r.name));
        }
    };
    if keys.is_empty() {
        return Err(anyhow!(
            "profile `{}` has no keys for that answer (set `answer_yes`/`answer_no` in [agents.{}]); nothing was sent",
            profile.name,
            profile.name
        ));
    }
    press(ctx, obs, keys)?;
    let word = if *reply == Answer::Yes { "yes" } else { "no" };
    Ok(format!("answered `{}` ({asked}): {word}", r.name))
}

//! `minder notify`: the entry point for agent hooks. Codex passes its event as the last
//! argument; Codex and Claude Code hooks pass JSON on stdin. The event is recorded and the
//! state updated at once. It never blocks the agent: no output on stdout, exit 0 unless the
//! payload is unreadable.

use crate::app::Ctx;
use crate::domain::detect::parse_hook;
use anyhow::{anyhow, Context, Result};
use clap::Args as ClapArgs;
use std::io::Read;

/// Entry point for agent hooks: record an event and update the state at once
///
/// The event is the last argument (Codex `notify`) or JSON on stdin (Codex and Claude Code
/// hooks). The session is --session, else $MINDER_SESSION, else the one owning $TMUX_PANE.
/// minder wires this up itself for the agents it starts (Codex: `-c notify=[...]`, Claude
/// Code: `--settings`); `--claude-settings` prints the settings to add to Claude Code by hand.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The event as JSON (default: read stdin)
    pub json: Option<String>,
    /// The session the event belongs to
    #[arg(long, value_name = "NAME")]
    pub session: Option<String>,
}

/// Payloads larger than this are cut (a hook never needs more; the transcript is elsewhere).
const MAX_PAYLOAD: u64 = 4 << 20;

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let payload = match args.json {
        Some(j) => j,
        None => {
            let mut s = String::new();
            std::io::stdin().take(MAX_PAYLOAD).read_to_string(&mut s).context("cannot read the event on stdin")?;
            s
        }
    };
    let report = parse_hook(&payload).map_err(|e| anyhow!("unreadable agent event: {e}"))?;
    let Some(name) = session_of(ctx, args.session.as_deref())? else {
        // A hook of an agent minder does not run (a user-wide hook): nothing to do.
        tracing::info!("notify: no minder session for this event");
        return Ok(());
    };
    if std::env::var_os(crate::ops::fence::FENCED_ENV).is_some() {
        // Inside a bubblewrap fence the state dir is read-only but for this session's inbox:
        // the sink outside applies the event a moment later.
        let paths = ctx.store.paths(&name);
        crate::store::inbox::leave(&paths, &payload)?;
        crate::store::wake_sink(&paths);
        return Ok(());
    }
    crate::ops::evidence::apply_hook_report(&ctx.store, &name, &report)
}

/// `--session`, else `MINDER_SESSION`, else the session whose agent pane is `TMUX_PANE` on the
/// server of `$TMUX`.
fn session_of(ctx: &Ctx, flag: Option<&str>) -> Result<Option<String>> {
    let names = ctx.store.names()?;
    let env_session = std::env::var("MINDER_SESSION").ok().filter(|s| !s.is_empty());
    if let Some(name) = flag.map(str::to_string).or(env_session) {
        return Ok(names.contains(&name).then_some(name));
    }
    let Some(pane) = std::env::var("TMUX_PANE").ok().filter(|p| !p.is_empty()) else { return Ok(None) };
    let socket = crate::tmux::socket_from_env();
    // A restarted server hands out the same pane ids: the pane must be on the server the
    // session was made on (`$TMUX` names its pid).
    let server_pid = crate::tmux::server_pid_from_env();
    for record in ctx.store.load_all()? {
        let same_server = match (server_pid, record.tmux.server_pid) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if record.tmux.pane_id == pane && (socket.is_none() || record.socket == socket) && same_server {
            return Ok(Some(record.name));
        }
    }
    Ok(None)
}

//! `minder wait`: block until sessions reach the wanted states; the building block for scripts
//! that start an agent, wait for it, and read `last_message`.

use crate::app::Ctx;
use crate::error::Exit;
use crate::domain::state::State;
use crate::usage;
use anyhow::{anyhow, Result};
use std::time::{Duration, Instant};
use clap::Args as ClapArgs;

/// Block until every session reaches one of the states
///
/// Exit 0 when all reached one, 1 when a session failed or was lost (or is gone) without
/// `failed`/`lost` being asked for, 124 on timeout. `exit` means the agent ended, unless it
/// failed. `approved`/`rejected` wait for the person, past `review`.
///
/// Example: minder wait fix-login --until waiting,review --timeout 30m && minder show fix-login --json
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Sessions: full name, task, or a unique prefix
    #[arg(required = true)]
    pub names: Vec<String>,
    /// States to wait for, comma-separated: working, waiting, stuck, review, approved, rejected, failed, stopped, lost, exit
    #[arg(long, value_delimiter = ',', default_value = "waiting,review,exit")]
    pub until: Vec<String>,
    /// Give up after this long ("90s", "10m"); exit 124
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
}

/// What the person may wait for: a state, or `exit` (the agent ended, whatever the state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    State(State),
    Exit,
}

pub fn parse_targets(list: &[String]) -> Result<Vec<Target>> {
    list.iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| match s.trim() {
            "exit" => Ok(Target::Exit),
            other => State::parse(other).map(Target::State).ok_or_else(|| {
                usage!("unknown state `{other}` in --until (use working, waiting, stuck, review, approved, rejected, failed, stopped, lost or exit)")
            }),
        })
        .collect()
}

/// Where one session stands against the targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Reached,
    /// Failed or lost without either being asked for: exit 1.
    Failed,
    /// Ended in a state no target names, and no person can move it to one: exit 1.
    EndedShort,
    KeepWaiting,
}

/// `failed` and `lost` count only when named (`exit` alone is not enough: a failure must never
/// read as success), and a person's decision (`approved`, `rejected`) is waited for past
/// `review` and `waiting`, even once the agent has ended.
pub fn verdict(targets: &[Target], state: State, ended: bool) -> Verdict {
    let failed = matches!(state, State::Failed | State::Lost);
    let named = targets.iter().any(|t| *t == Target::State(state));
    let by_exit = ended && !failed && targets.contains(&Target::Exit);
    if named || by_exit {
        return Verdict::Reached;
    }
    if failed {
        return Verdict::Failed;
    }
    let for_a_person = targets.iter().any(|t| matches!(t, Target::State(State::Approved | State::Rejected)));
    if ended && !(for_a_person && matches!(state, State::Review | State::Waiting)) {
        return Verdict::EndedShort;
    }
    Verdict::KeepWaiting
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let targets = parse_targets(&args.until)?;
    if targets.is_empty() {
        return Err(usage!("--until needs at least one state"));
    }
    let timeout = match &args.timeout {
        Some(t) => Some(crate::domain::config::parse_duration(t).map_err(|e| usage!("--timeout: {e}"))?),
        None => None,
    };
    let names = args.names.iter().map(|n| ctx.resolve(n)).collect::<Result<Vec<_>>>()?;
    let start = Instant::now();
    let mut last_tmux_look = None::<Instant>;
    let mut warned = false;
    loop {
        // Records change as states change; tmux is asked once a second (for lost sessions).
        let look = last_tmux_look.map(|t| t.elapsed() >= Duration::from_secs(1)).unwrap_or(true);
        if look {
            last_tmux_look = Some(Instant::now());
        }
        let mut all = true;
        for name in &names {
            let record = if look {
                crate::ops::reconcile::observe_one(ctx, name).map(|o| {
                    if !warned {
                        warned = o.tmux_error.is_some();
                        crate::ops::present::note_tmux_errors(ctx, [&o]);
                    }
                    o.record
                })
            } else {
                ctx.store.load(name)
            };
            let record = record.map_err(|_| anyhow!("session `{name}` is gone (removed while waiting)"))?;
            let ended = record.ended();
            match verdict(&targets, record.state, ended) {
                Verdict::Reached => {}
                Verdict::Failed => {
                    return Err(anyhow!("session `{name}` {} ({})", record.state, if record.detail.is_empty() { "no detail" } else { &record.detail }));
                }
                Verdict::EndedShort => {
                    return Err(anyhow!("session `{name}` ended as {} without reaching {}", record.state, args.until.join(",")));
                }
                Verdict::KeepWaiting => all = false,
            }
        }
        if all {
            return Ok(());
        }
        if let Some(t) = timeout {
            if start.elapsed() >= t {
                return Err(Exit { code: 124, message: Some(format!("timed out after {} waiting for {}", args.timeout.as_deref().unwrap_or(""), names.join(", "))) }.into());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_targets(&["waiting".into(), "review".into(), "exit".into()]).unwrap();
        assert_eq!(verdict(&t, State::Waiting, false), Verdict::Reached);
        assert_eq!(verdict(&t, State::Stopped, true), Verdict::Reached);
        // A failure is never success, even under `exit`; only naming it makes it a target.
        assert_eq!(verdict(&t, State::Failed, true), Verdict::Failed);
        assert_eq!(verdict(&t, State::Lost, false), Verdict::Failed);
        let failed = parse_targets(&["failed".into()]).unwrap();
        assert_eq!(verdict(&failed, State::Failed, true), Verdict::Reached);
        assert_eq!(verdict(&t, State::Working, false), Verdict::KeepWaiting);
        // Waiting for the person: review (ended or not) is not an end.
        let approved = parse_targets(&["approved".into()]).unwrap();
        assert_eq!(verdict(&approved, State::Review, true), Verdict::KeepWaiting);
        assert_eq!(verdict(&approved, State::Waiting, false), Verdict::KeepWaiting);
        assert_eq!(verdict(&approved, State::Approved, true), Verdict::Reached);
        assert_eq!(verdict(&approved, State::Stopped, true), Verdict::EndedShort);
        assert!(parse_targets(&["sleeping".into()]).is_err());
    }
}


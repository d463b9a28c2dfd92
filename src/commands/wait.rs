//! `minder wait`: block until sessions reach the wanted states; the building block for scripts
//! that start an agent, wait for it, and read `last_message`.

use crate::app::Ctx;
use crate::domain::state::State;
use crate::error::Exit;
use crate::usage;
use anyhow::{anyhow, Result};
use clap::Args as ClapArgs;
use std::time::{Duration, Instant};

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
    /// Print JSON when done: {"version":1,"outcome":"reached","exit_code":0,"sessions":[...],...}
    #[arg(long)]
    pub json: bool,
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
    let named = targets.contains(&Target::State(state));
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

/// How a wait ended, and the exit code that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Reached,
    /// A session failed, was lost, ended short of the targets, or was removed: exit 1.
    Failed(String),
    /// Exit 124.
    Timeout(String),
}

impl Outcome {
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::Failed(_) => "failed",
            Outcome::Timeout(_) => "timeout",
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Reached => 0,
            Outcome::Failed(_) => 1,
            Outcome::Timeout(_) => 124,
        }
    }

    fn message(&self) -> Option<&str> {
        match self {
            Outcome::Reached => None,
            Outcome::Failed(m) | Outcome::Timeout(m) => Some(m),
        }
    }
}

/// One session as last seen: None once its record is gone.
struct Seen {
    name: String,
    obs: Option<crate::ops::reconcile::Observed>,
    verdict: Verdict,
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
    let names = match crate::ops::remote::locate_all(ctx, &args.names)? {
        crate::ops::remote::Located::Local(names) => names,
        crate::ops::remote::Located::Remote(host, names) => {
            // All on one host: its minder waits, under our deadline (the wait's timeout and the
            // host's own); with no timeout, the connection's keep-alives notice a dead host.
            let mut argv = vec!["wait".to_string()];
            argv.extend(names.iter().map(|n| crate::ops::remote::there(n)));
            for u in &args.until {
                argv.extend(["--until".to_string(), u.clone()]);
            }
            if let Some(t) = &args.timeout {
                argv.extend(["--timeout".to_string(), t.clone()]);
            }
            if args.json {
                argv.push("--json".into());
            }
            let limit = timeout.map_or(Duration::from_secs(365 * 86400), |t| t + host.timeout());
            let reply =
                host.request_within(crate::domain::hosts::Op::Run { argv, expect: None, brief: None }, limit)?;
            return crate::ops::remote::print_reply(&reply);
        }
    };
    let start = Instant::now();
    let (outcome, seen) = watch(ctx, &names, &targets, &args, timeout, start);
    if args.json {
        let sessions: Vec<_> = seen
            .iter()
            .filter_map(|s| {
                let mut v = crate::ops::present::session_json(ctx, s.obs.as_ref()?);
                v["wait_result"] = serde_json::json!(match s.verdict {
                    Verdict::Reached => "reached",
                    Verdict::Failed => "failed",
                    Verdict::EndedShort => "ended",
                    Verdict::KeepWaiting => "waiting",
                });
                Some(v)
            })
            .collect();
        let gone: Vec<&str> = seen.iter().filter(|s| s.obs.is_none()).map(|s| s.name.as_str()).collect();
        let until: Vec<&str> = args.until.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
        let v = crate::ops::present::versioned(serde_json::json!({
            "outcome": outcome.word(),
            "exit_code": outcome.exit_code(),
            "message": outcome.message(),
            "until": until,
            "elapsed_ms": start.elapsed().as_millis() as u64,
            "sessions": sessions,
            "gone": gone,
        }));
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    }
    match outcome {
        Outcome::Reached => Ok(()),
        Outcome::Failed(m) => Err(anyhow!(m)),
        Outcome::Timeout(m) => Err(Exit { code: 124, message: Some(m) }.into()),
    }
}

/// Look until every session reached a target, one failed, or the time is up; returns how it
/// ended and each session as last seen.
fn watch(
    ctx: &Ctx,
    names: &[String],
    targets: &[Target],
    args: &Args,
    timeout: Option<Duration>,
    start: Instant,
) -> (Outcome, Vec<Seen>) {
    use crate::ops::reconcile::Observed;
    let mut last_tmux_look = None::<Instant>;
    let mut warned = false;
    loop {
        // Records change as states change; tmux is asked once a second (for lost sessions).
        let look = last_tmux_look.map(|t| t.elapsed() >= Duration::from_secs(1)).unwrap_or(true);
        if look {
            last_tmux_look = Some(Instant::now());
        }
        let mut seen = Vec::with_capacity(names.len());
        let mut failure = None;
        for name in names {
            let obs = if look {
                crate::ops::reconcile::observe_one(ctx, name).inspect(|o| {
                    if !warned {
                        warned = o.tmux_error.is_some();
                        crate::ops::present::note_tmux_errors(ctx, [o]);
                    }
                })
            } else {
                // Not asked: `alive` then follows the record, as in `ls`.
                ctx.store.load(name).map(|record| Observed {
                    record,
                    pane: None,
                    tmux_checked: false,
                    tmux_error: None,
                })
            };
            let Ok(obs) = obs else {
                failure.get_or_insert_with(|| format!("session `{name}` is gone (removed while waiting)"));
                seen.push(Seen { name: name.clone(), obs: None, verdict: Verdict::Failed });
                continue;
            };
            let record = &obs.record;
            let (state, detail) = record.shown();
            let verdict = verdict(targets, state, record.ended());
            match verdict {
                Verdict::Failed => {
                    failure.get_or_insert_with(|| {
                        format!(
                            "session `{name}` {} ({})",
                            state,
                            if detail.is_empty() { "no detail" } else { &detail }
                        )
                    });
                }
                Verdict::EndedShort => {
                    failure.get_or_insert_with(|| {
                        format!(
                            "session `{name}` ended as {} without reaching {}",
                            record.state(),
                            args.until.join(",")
                        )
                    });
                }
                Verdict::Reached | Verdict::KeepWaiting => {}
            }
            seen.push(Seen { name: name.clone(), obs: Some(obs), verdict });
        }
        if let Some(message) = failure {
            return (Outcome::Failed(message), seen);
        }
        if seen.iter().all(|s| s.verdict == Verdict::Reached) {
            return (Outcome::Reached, seen);
        }
        if let Some(t) = timeout {
            if start.elapsed() >= t {
                let message = format!(
                    "timed out after {} waiting for {}",
                    args.timeout.as_deref().unwrap_or(""),
                    names.join(", ")
                );
                return (Outcome::Timeout(message), seen);
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

//! `minder doctor`: check what minder depends on and say what to do about each problem.

use crate::app::Ctx;
use crate::ops::present::paint;
use anyhow::{anyhow, Result};
use clap::Args as ClapArgs;
use std::os::unix::fs::PermissionsExt;

/// Check tmux, config, state dir, plugin and agent commands, and say what to do
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Print JSON: {"version":1,"ok":true,"checks":[{"check":"tmux","status":"ok",...}]}
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    Warn,
    Fail,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "fail",
        }
    }
}

/// One check's result: what was checked (`tmux`, `agent` …), of what (the agent's or
/// session's name, when there are several), and what to do.
struct Check {
    check: &'static str,
    subject: Option<String>,
    level: Level,
    detail: String,
    hint: String,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let mut checks: Vec<Check> = Vec::new();
    // The report is printed as it goes (a slow tmux shows where it is); JSON once at the end.
    let mut report = |check: &'static str, subject: Option<&str>, level: Level, what: &str, hint: &str| {
        if !args.json {
            let (mark, code) = match level {
                Level::Ok => ("ok  ", "32"),
                Level::Warn => ("warn", "33"),
                Level::Fail => ("FAIL", "1;31"),
            };
            // Doctor's report is short; a closed pipe here is not worth an error path.
            let mut line = format!("{} {what}\n", paint(ctx.color, code, mark));
            if !hint.is_empty() {
                line.push_str(&format!("     {hint}\n"));
            }
            let _ = std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes());
        }
        checks.push(Check {
            check,
            subject: subject.map(str::to_string),
            level,
            detail: what.to_string(),
            hint: hint.to_string(),
        });
    };

    match ctx.tmux() {
        Err(e) => {
            report("tmux", None, Level::Fail, &format!("{e:#}"), "install it: apt-get install tmux / brew install tmux")
        }
        Ok(t) => match t.version() {
            Ok(v) if v.at_least(3, 2) => {
                report("tmux", None, Level::Ok, &format!("tmux {v} at {}", t.bin().display()), "")
            }
            Ok(v) => report(
                "tmux",
                None,
                Level::Fail,
                &format!("tmux {v} at {} is too old", t.bin().display()),
                "minder needs tmux 3.2 or newer",
            ),
            Err(e) => report("tmux", None, Level::Fail, &format!("{e:#}"), ""),
        },
    }

    if ctx.config_path.exists() {
        report("config", None, Level::Ok, &format!("config {}", ctx.config_path.display()), "");
    } else {
        report("config", None, Level::Ok, &format!("no config at {} (defaults apply)", ctx.config_path.display()), "");
    }

    let state = &ctx.store.state_dir;
    match ctx.store.ensure() {
        Err(e) => report(
            "state_dir",
            None,
            Level::Fail,
            &format!("state dir {}: {e:#}", state.display()),
            "set MINDER_STATE_DIR to a writable folder",
        ),
        Ok(()) => {
            let mode = std::fs::metadata(state).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            if mode & 0o077 != 0 {
                report(
                    "state_dir",
                    None,
                    Level::Warn,
                    &format!("state dir {} is mode {mode:o}", state.display()),
                    &format!("chmod 700 {}", state.display()),
                );
            } else {
                report("state_dir", None, Level::Ok, &format!("state dir {}", state.display()), "");
            }
        }
    }

    match ctx.store.load_all_checked() {
        Ok((records, damaged)) if damaged.is_empty() => {
            report("records", None, Level::Ok, &format!("{} session record(s), all readable", records.len()), "");
        }
        Ok((_, damaged)) => {
            for d in damaged {
                report(
                    "records",
                    Some(&d.name),
                    Level::Fail,
                    &format!("session `{}`: {}", d.name, d.error),
                    &format!(
                        "`minder rm --force {}` removes its folder (its tmux session, if any, is left alone)",
                        d.name
                    ),
                );
            }
        }
        Err(e) => report("records", None, Level::Fail, &format!("cannot list sessions: {e:#}"), ""),
    }

    if let Ok(t) = ctx.tmux() {
        match t.run(&crate::tmux_cmd!["show-options", "-gqv", "@minder-plugin"]) {
            Ok(v) if !v.trim().is_empty() => report("plugin", None, Level::Ok, "tmux plugin loaded", ""),
            Ok(_) => report(
                "plugin",
                None,
                Level::Warn,
                "tmux plugin not loaded in this server",
                "add `run-shell /path/to/minder/tmux/minder.tmux` to ~/.tmux.conf (see README)",
            ),
            Err(e) if e.no_server() => report(
                "plugin",
                None,
                Level::Ok,
                "no tmux server running yet (the plugin loads with your tmux.conf)",
                "",
            ),
            Err(e) => report("plugin", None, Level::Warn, &format!("cannot ask tmux about the plugin: {e}"), ""),
        }
    }

    let mut names: Vec<String> = crate::domain::agents::builtin_names().iter().map(|s| s.to_string()).collect();
    names.extend(ctx.config.agents.keys().cloned());
    names.sort();
    names.dedup();
    for name in names {
        let Ok(p) = crate::domain::agents::profile(&ctx.config, &name) else { continue };
        let Some(bin) = p.command.first() else { continue };
        if bin == crate::domain::agents::SELF_EXE {
            continue;
        }
        // A sandbox policy this machine cannot hold: `new` would refuse it.
        let expanded = crate::domain::agents::expand_self(&p.command, &ctx.self_exe.display().to_string());
        if which::which(bin).is_ok() {
            if let Err(e) = crate::ops::fence::decide(&p, &expanded) {
                let why = format!("{e:#}");
                report(
                    "sandbox",
                    Some(&name),
                    Level::Warn,
                    &format!("agent `{name}`: {}", why.trim_start_matches("refused: ")),
                    "",
                );
            }
        }
        match which::which(bin) {
            Ok(path) => report("agent", Some(&name), Level::Ok, &format!("agent `{name}`: {}", path.display()), ""),
            Err(_) if name == ctx.config.default_agent => report(
                "agent",
                Some(&name),
                Level::Warn,
                &format!("agent `{name}` (the default): `{bin}` not found on PATH"),
                "install it, or set default_agent in the config",
            ),
            Err(_) => {
                report("agent", Some(&name), Level::Warn, &format!("agent `{name}`: `{bin}` not found on PATH"), "")
            }
        }
    }

    // A profile's patterns match the whole screen: a line anchor needs multi-line mode.
    for (name, table) in &ctx.config.agents {
        for (key, list) in [("waiting", &table.waiting), ("working", &table.working), ("idle", &table.idle)] {
            for p in list.iter().flatten().filter(|p| crate::domain::detect::anchors_without_multiline(&p.source)) {
                report(
                    "patterns",
                    Some(name),
                    Level::Warn,
                    &format!(
                        "agent `{name}`: {key} pattern `{}` anchors to a line but matches the whole screen",
                        p.source
                    ),
                    &format!("write `(?m){}` so `^` and `$` match at each line", p.source),
                );
            }
        }
    }

    let failures = checks.iter().filter(|c| c.level == Level::Fail).count();
    if args.json {
        let list: Vec<_> = checks
            .iter()
            .map(|c| {
                serde_json::json!({
                    "check": c.check,
                    "subject": c.subject,
                    "status": c.level.word(),
                    "detail": c.detail,
                    "hint": if c.hint.is_empty() { None } else { Some(&c.hint) },
                })
            })
            .collect();
        let v = crate::ops::present::versioned(serde_json::json!({"ok": failures == 0, "checks": list}));
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    }
    if failures > 0 {
        return Err(anyhow!("{failures} problem(s) found"));
    }
    Ok(())
}

//! Agent profiles: how to start each agent, hand it the brief, read its screen, interrupt and
//! resume it. Built-in profiles are data here; a user's `[agents.NAME]` table replaces the
//! fields it names, or defines a new profile.

use crate::config::{AgentConfig, Config, Pattern, PromptMode};
use anyhow::Result;
use std::time::Duration;

/// Placeholder in a built-in command for the running minder binary (the demo agent).
pub const SELF_EXE: &str = "{minder}";

#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    pub command: Vec<String>,
    pub prompt: PromptMode,
    pub waiting: Vec<Pattern>,
    pub working: Vec<Pattern>,
    pub resume: Vec<String>,
    pub interrupt: Vec<String>,
    pub stop_grace: Duration,
    pub submit_delay: Duration,
}

struct Builtin {
    name: &'static str,
    command: &'static [&'static str],
    prompt: PromptMode,
    waiting: &'static [&'static str],
    working: &'static [&'static str],
    resume: &'static [&'static str],
    interrupt: &'static [&'static str],
    submit_delay_ms: u64,
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "codex",
        command: &["codex"],
        prompt: PromptMode::Argument,
        waiting: &[
            "Would you like to (run|make) the following",
            "Press enter to confirm or esc to cancel",
        ],
        working: &["esc to interrupt"],
        resume: &["codex", "resume", "--last"],
        interrupt: &["Escape", "C-c"],
        submit_delay_ms: 150,
    },
    Builtin {
        name: "cmd",
        command: &[],
        prompt: PromptMode::None,
        waiting: &[],
        working: &[],
        resume: &[],
        interrupt: &["C-c"],
        submit_delay_ms: 50,
    },
    Builtin {
        name: "demo",
        command: &[SELF_EXE, "_demo"],
        prompt: PromptMode::Argument,
        waiting: &[
            "Would you like to (run|make) the following",
            "Press enter to confirm or esc to cancel",
        ],
        working: &["esc to interrupt"],
        resume: &[SELF_EXE, "_demo", "--resume"],
        interrupt: &["C-c"],
        submit_delay_ms: 50,
    },
];

pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|b| b.name).collect()
}

fn from_builtin(b: &Builtin) -> Profile {
    let pats = |list: &[&str]| list.iter().map(|p| Pattern::new(p).expect("built-in regex")).collect();
    let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    Profile {
        name: b.name.to_string(),
        command: words(b.command),
        prompt: b.prompt,
        waiting: pats(b.waiting),
        working: pats(b.working),
        resume: words(b.resume),
        interrupt: words(b.interrupt),
        stop_grace: Duration::from_secs(5),
        submit_delay: Duration::from_millis(b.submit_delay_ms),
    }
}

fn apply(mut p: Profile, user: &AgentConfig) -> Profile {
    if let Some(v) = &user.command {
        p.command = v.clone();
    }
    if let Some(v) = user.prompt {
        p.prompt = v;
    }
    if let Some(v) = &user.waiting {
        p.waiting = v.clone();
    }
    if let Some(v) = &user.working {
        p.working = v.clone();
    }
    if let Some(v) = &user.resume {
        p.resume = v.clone();
    }
    if let Some(v) = &user.interrupt {
        p.interrupt = v.clone();
    }
    if let Some(v) = user.stop_grace {
        p.stop_grace = v.0;
    }
    if let Some(v) = user.submit_delay {
        p.submit_delay = v.0;
    }
    p
}

/// The profile called `name`: built-in, overridden by the user's table of the same name, or
/// defined only by the user.
pub fn profile(config: &Config, name: &str) -> Result<Profile> {
    let builtin = BUILTINS.iter().find(|b| b.name == name).map(from_builtin);
    let user = config.agents.get(name);
    let profile = match (builtin, user) {
        (Some(b), Some(u)) => apply(b, u),
        (Some(b), None) => b,
        (None, Some(u)) => {
            let blank = from_builtin(&BUILTINS[1]);
            apply(Profile { name: name.to_string(), ..blank }, u)
        }
        (None, None) => {
            let mut known: Vec<String> = builtin_names().iter().map(|s| s.to_string()).collect();
            known.extend(config.agents.keys().cloned());
            known.sort();
            known.dedup();
            return Err(crate::usage!(
                "no agent profile `{name}` (known: {}; define one under [agents.{name}])",
                known.join(", ")
            ));
        }
    };
    Ok(profile)
}

/// Replace the self placeholder by the running binary's absolute path.
pub fn expand_self(words: &[String], self_exe: &str) -> Vec<String> {
    words.iter().map(|w| if w == SELF_EXE { self_exe.to_string() } else { w.clone() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn user_table_replaces_only_named_fields() {
        let c = Config::parse("[agents.codex]\ncommand = [\"codex\", \"--full-auto\"]\n", Path::new("x")).unwrap();
        let p = profile(&c, "codex").unwrap();
        assert_eq!(p.command, ["codex", "--full-auto"]);
        assert_eq!(p.resume, ["codex", "resume", "--last"]);
        assert!(!p.waiting.is_empty());
    }

    #[test]
    fn user_defined_profile() {
        let c = Config::parse("[agents.mine]\ncommand = [\"my-agent\", \"-x\"]\n", Path::new("x")).unwrap();
        let p = profile(&c, "mine").unwrap();
        assert_eq!(p.command, ["my-agent", "-x"]);
        assert_eq!(p.prompt, PromptMode::None);
    }

    #[test]
    fn unknown_profile_lists_known_ones() {
        let e = profile(&Config::default(), "nope").unwrap_err().to_string();
        assert!(e.contains("`nope`") && e.contains("codex") && e.contains("demo"), "{e}");
    }
}

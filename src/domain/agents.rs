//! Agent profiles: how to start each agent, hand it the brief, read its screen, interrupt and
//! resume it. Built-in profiles are data here; a user's `[agents.NAME]` table replaces the
//! fields it names, or defines a new profile.

use crate::domain::config::{AgentConfig, Config, Pattern, PromptMode};
use crate::domain::detect::Region;
use crate::domain::fence::Sandbox;
use anyhow::Result;
use std::time::Duration;

/// Placeholder in a built-in command for the running minder binary (the demo agent).
pub const SELF_EXE: &str = "{minder}";

/// How an agent reports its state to minder beyond the screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Integration {
    /// Nothing but the screen and activity.
    #[default]
    None,
    /// Codex: launched with `-c notify=[minder, notify, …]`, a per-process override, so the
    /// user's config is not edited and no hook needs trusting.
    CodexNotify,
    /// Claude Code: launched with `--settings <json>` whose hooks call `minder notify`, again
    /// without editing the user's settings.
    ClaudeHooks,
    /// `codex exec --json`: its JSONL events on stdout drive the state.
    CodexExecJson,
}

#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    pub command: Vec<String>,
    pub prompt: PromptMode,
    pub waiting: Vec<Pattern>,
    pub working: Vec<Pattern>,
    pub idle: Vec<Pattern>,
    /// Where on the screen questions and idle prompts count (`live_region`).
    pub region: Region,
    pub integration: Integration,
    pub resume: Vec<String>,
    pub interrupt: Vec<String>,
    /// Keys that answer the agent's current question with yes / no (`minder answer`).
    pub answer_yes: Vec<String>,
    pub answer_no: Vec<String>,
    pub stop_grace: Duration,
    pub submit_delay: Duration,
    /// Commands run when a session reaches `review` (see `ops::checks`).
    pub check: Vec<String>,
    /// What the agent may touch (`domain::fence`).
    pub sandbox: crate::domain::fence::Sandbox,
    pub network: bool,
    /// Whether the person chose `sandbox` (the config or `new --sandbox`), not the default.
    pub sandbox_chosen: bool,
    /// The program reaches its model over the network (a wrapper must not cut it).
    pub needs_network: bool,
    /// Variables only this agent gets, and a file of more.
    pub env: std::collections::BTreeMap<String, String>,
    pub env_file: Option<String>,
    /// Token budget (0 = none) and what passing it does.
    pub max_tokens: u64,
    pub on_budget: crate::domain::usage::OnBudget,
}

struct Builtin {
    name: &'static str,
    command: &'static [&'static str],
    prompt: PromptMode,
    waiting: &'static [&'static str],
    working: &'static [&'static str],
    idle: &'static [&'static str],
    region: Region,
    integration: Integration,
    resume: &'static [&'static str],
    interrupt: &'static [&'static str],
    answer_yes: &'static [&'static str],
    answer_no: &'static [&'static str],
    submit_delay_ms: u64,
    sandbox: Sandbox,
    network: bool,
    needs_network: bool,
}

// Screen patterns come from the agents' real screens (tests/captures/), captured by running each
// CLI offline against the stand-in servers of tests/standin/: Codex 0.169 and 0.171, Claude
// Code 2.1.329 and 2.1.332, gemini-cli 0.61, aider 0.86. A waiting pattern names its detail
// with a capture group (`(?P<trust>…)`, `(?P<question>…)`); without one it is `approval`.
const CODEX_WAITING: &[&str] = &[
    // Words may wrap onto the next line in a narrow pane (`Press enter to confirm or esc to` /
    // `  cancel` at 40 columns).
    "Would\\s+you\\s+like\\s+to\\s+(run\\s+the\\s+following|make\\s+the\\s+following|grant\\s+these|send\\s+input)",
    "Press\\s+enter\\s+to\\s+confirm\\s+or\\s+esc\\s+to\\s+cancel",
    // An MCP tool's approval form (0.171's options).
    "Run the tool and (continue|remember this choice)|Cancel this tool call",
    // The sign-in menu (no provider, no login) and the update menu: a numbered menu whose options
    // are these (`> 1. Sign in with ChatGPT`, `› 1. Update now (runs `npm install …`)`).
    "(?m)^[›>]? *\\d+\\. (?P<question>Sign in with (ChatGPT|Device Code)|Sign in another way|Provide your own API key|Update now \\(runs|Skip until next version)",
    // request_user_input (plan mode): `Question 1/1 (1 unanswered)` … `enter to submit answer |
    // esc to interrupt` — its hint line also holds the busy marker.
    "(?P<question>Question \\d+/\\d+ \\(\\d+ (required )?unanswered\\)|enter to submit (answer|all)|Submit with unanswered questions\\?)",
    // First-run dialogs: an untrusted project folder (0.171: "Trust this folder?"; before:
    // "Do you trust the contents of this directory?"), hooks not yet trusted.
    "(?P<trust>Trust this folder\\?|Do you trust the contents of this directory\\?|Hooks need review)",
];

/// Codex at its prompt, whatever the composer's placeholder (it rotates, and differs across
/// versions) or the footer says: the composer line `› …` followed only by indented footer lines
/// to the bottom of the screen — two to five (the status line `GPT-5.5 default · <dir>`, which
/// wraps in a narrow pane, then the hints), or, after a blank line, a single status line with no
/// hints (`  gpt-5.5 xhigh fast · ~/src/app`: it has a ` · `, which a menu's `› 2. No, quit` /
/// blank / `  Press enter to continue` has not). An approval overlay, a question or a picker ends
/// in lines of its own instead; the busy line (a working pattern) outranks this. While Codex is
/// still starting, its composer has the hints alone (`? for shortcuts`, right under it) for a
/// few seconds, and a prompt given as an argument is not submitted yet: that is not idle.
const CODEX_IDLE: &str = "(?m)^› .*\\n(?:(?:[ \\t]*\\n)?(?:  \\S.*\\n?){2,5}|[ \\t]*\\n  [^?\\s].* · .*\\n?)\\s*\\z";

const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "codex",
        // Without --no-daemon each Codex starts (or joins) a shared app-server daemon that
        // outlives its tmux session and runs every session's turns, hooks and notify with the
        // environment of the first one: `stop` could not end it and notify would name the
        // wrong session (README, "Real agents").
        command: &["codex", "--no-daemon"],
        prompt: PromptMode::Argument,
        waiting: CODEX_WAITING,
        working: &["esc to interrupt"],
        idle: &[CODEX_IDLE],
        region: Region::Bottom,
        integration: Integration::CodexNotify,
        resume: &["codex", "resume", "--last"],
        interrupt: &["Escape", "C-c"],
        // Codex, Claude Code and gemini-cli take Enter for their first choice (yes) and Esc for
        // no; aider, the demo and line prompts read `y` / `n` and a line.
        answer_yes: &["Enter"],
        answer_no: &["Escape"],
        // Codex treats an Enter that follows typed text too closely as part of a paste.
        submit_delay_ms: 500,
        sandbox: Sandbox::WorkspaceWrite,
        network: false,
        needs_network: false,
    },
    Builtin {
        name: "codex-exec",
        command: &["codex", "exec", "--json"],
        prompt: PromptMode::Argument,
        waiting: &[],
        working: &[],
        idle: &[],
        region: Region::Latest,
        integration: Integration::CodexExecJson,
        resume: &["codex", "exec", "--json", "resume", "--last"],
        interrupt: &["C-c"],
        answer_yes: &[],
        answer_no: &[],
        submit_delay_ms: 50,
        sandbox: Sandbox::WorkspaceWrite,
        network: false,
        needs_network: false,
    },
    Builtin {
        name: "claude",
        command: &["claude"],
        prompt: PromptMode::Argument,
        waiting: &[
            "Do you want to (proceed|make this edit|create)",
            "Esc to cancel · Tab to amend",
            // The folder-trust dialog of a project not yet trusted (2.1.3xx), and its older text.
            "(?P<trust>Is this a project you created or one you trust\\?|Yes, I trust this folder|Do you trust the files in this folder\\?)",
            // With manual permissions as the default (2.1.332), each start first offers auto mode.
            "(?P<question>Make auto mode your default permission mode\\?)",
            // Other permission prompts: an MCP tool, a connection, a web fetch, and the browser
            // extension's (`Allow Claude in Chrome to navigate to example.com?`).
            "Do you want to allow (this tool|this connection|Claude to fetch this content)\\?",
            "Allow Claude in Chrome to [^\\n]*\\?",
            // Leaving plan mode (`Exit plan mode?`, or with a plan `… Would you like to proceed?`)
            // and AskUserQuestion's form (`Enter to select · ↑/↓ to navigate · Esc to cancel`).
            "(?P<question>Would you like to proceed\\?|Exit plan mode\\?|Enter to select · ↑/↓ to navigate)",
        ],
        // The spinner line above the input box (`✽ Ideating…`, a random verb) shows work even
        // when the footer hides its hints (text typed into the box while busy).
        // A task's spinner has several words (`✶ Fixing Scanner Buffer Overflow…`): one of the
        // spinner's glyphs, then words up to the ellipsis.
        working: &["esc to interrupt", "(?m)^\\S \\p{L}+…", "(?m)^[·✢✳✶✻✽*] \\p{L}[^…\\n]{0,80}…"],
        // The input box's prompt is `❯` and a no-break space (U+00A0); the transcript's old
        // prompts have a plain space. It is what says idle in every version: the footer reads
        // `? for shortcuts` (2.1.329, or 2.1.332 in manual mode), `⏵⏵ auto mode on (shift+tab
        // to cycle)` (2.1.332's default), or nothing after Esc put a prompt back into the box.
        idle: &["(?m)^❯\\x{a0}", "\\? for shortcuts"],
        region: Region::Bottom,
        integration: Integration::ClaudeHooks,
        resume: &["claude", "--continue"],
        interrupt: &["Escape", "C-c", "C-c"],
        answer_yes: &["Enter"],
        answer_no: &["Escape"],
        submit_delay_ms: 500,
        sandbox: Sandbox::Off,
        network: true,
        needs_network: false,
    },
    Builtin {
        name: "aider",
        command: &["aider"],
        prompt: PromptMode::None,
        // A question still unanswered ends its line with the default: `Create new file?
        // (Y)es/(N)o [Yes]: `; once answered (`[Yes]: y`) it is history.
        waiting: &["(?m)\\(Y\\)es/\\(N\\)o.*\\[[^\\]\\n]*\\]: ?$"],
        // The spinner `░█  Waiting for openai/NAME` while the model answers. Under NO_COLOR
        // aider draws no spinner: a prompt line with text as the last thing on the screen is
        // then the only sign that a request is under way.
        working: &["(?m)Waiting for \\S+[ \\t]*$", "(?m)^(?:\\w+ )?\\w*> \\S.*\\n\\s*\\z"],
        // `> `, or `ask> `, `architect> `, `multi> `, `ask multi> ` in the other chat modes.
        idle: &["(?m)^(?:\\w+ )?\\w*> ?$"],
        region: Region::Latest,
        integration: Integration::None,
        resume: &["aider", "--restore-chat-history"],
        interrupt: &["C-c"],
        answer_yes: &["y", "Enter"],
        answer_no: &["n", "Enter"],
        submit_delay_ms: 100,
        sandbox: Sandbox::Off,
        network: true,
        needs_network: true,
    },
    Builtin {
        name: "gemini",
        command: &["gemini"],
        // `gemini QUERY` runs the query and stays interactive.
        prompt: PromptMode::Argument,
        waiting: &[
            "Allow execution of",
            "Do you want to proceed\\?",
            "Apply this change\\?",
            "Waiting for user confirmation",
            "(?P<trust>Do you trust the files in this folder\\?)",
        ],
        // `⠙ Thinking... (esc to cancel, 3s)` (with its time: a reply that quotes Codex's `… or
        // esc to cancel` is not busy); the spinner line without that hint (a braille glyph and
        // a word); a tool box whose tool is executing (`│ ⊷  Shell sleep 25`).
        working: &["\\(esc to cancel, [^)\\n]*\\)", "(?m)^ ?[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \\S", "│ ⊷ "],
        // The input box: its placeholder, or (text typed into it) the footer under it, which a
        // confirmation or the trust dialog hides. After the trust dialog gemini restarts below
        // the old screen, so the answered dialog stays in view above the new box.
        idle: &["Type your message", "(?m)^ workspace \\(/directory\\)"],
        region: Region::Bottom,
        integration: Integration::None,
        resume: &["gemini", "--resume", "latest"],
        interrupt: &["Escape", "C-c"],
        answer_yes: &["Enter"],
        answer_no: &["Escape"],
        // Like Codex, an Enter right after a burst of typed text is taken as part of a paste.
        submit_delay_ms: 500,
        sandbox: Sandbox::Off,
        network: true,
        needs_network: true,
    },
    Builtin {
        name: "cmd",
        command: &[],
        prompt: PromptMode::None,
        waiting: &[],
        working: &[],
        idle: &[],
        region: Region::Latest,
        integration: Integration::None,
        resume: &[],
        interrupt: &["C-c"],
        answer_yes: &["y", "Enter"],
        answer_no: &["n", "Enter"],
        submit_delay_ms: 50,
        sandbox: Sandbox::Off,
        network: true,
        needs_network: false,
    },
    Builtin {
        name: "demo",
        command: &[SELF_EXE, "_demo"],
        prompt: PromptMode::Argument,
        waiting: CODEX_WAITING,
        working: &["esc to interrupt"],
        idle: &[],
        region: Region::Latest,
        integration: Integration::None,
        resume: &[SELF_EXE, "_demo", "--resume"],
        interrupt: &["C-c"],
        answer_yes: &["y", "Enter"],
        answer_no: &["n", "Enter"],
        submit_delay_ms: 50,
        sandbox: Sandbox::Off,
        network: true,
        needs_network: false,
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
        idle: pats(b.idle),
        region: b.region,
        integration: b.integration,
        resume: words(b.resume),
        interrupt: words(b.interrupt),
        answer_yes: words(b.answer_yes),
        answer_no: words(b.answer_no),
        stop_grace: Duration::from_secs(5),
        submit_delay: Duration::from_millis(b.submit_delay_ms),
        check: Vec::new(),
        sandbox: b.sandbox,
        network: b.network,
        sandbox_chosen: false,
        needs_network: b.needs_network,
        env: Default::default(),
        env_file: None,
        max_tokens: 0,
        on_budget: Default::default(),
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
    if let Some(v) = &user.idle {
        p.idle = v.clone();
    }
    if let Some(v) = user.live_region {
        p.region = v;
    }
    if let Some(v) = &user.resume {
        p.resume = v.clone();
    }
    if let Some(v) = &user.interrupt {
        p.interrupt = v.clone();
    }
    if let Some(v) = &user.answer_yes {
        p.answer_yes = v.clone();
    }
    if let Some(v) = &user.answer_no {
        p.answer_no = v.clone();
    }
    if let Some(v) = user.stop_grace {
        p.stop_grace = v.0;
    }
    if let Some(v) = user.submit_delay {
        p.submit_delay = v.0;
    }
    if let Some(v) = &user.check {
        p.check = v.clone();
    }
    if let Some(v) = user.sandbox {
        p.sandbox = v;
        p.sandbox_chosen = true;
    }
    if let Some(v) = user.network {
        p.network = v;
    }
    if let Some(v) = &user.env {
        p.env = v.clone();
    }
    if let Some(v) = &user.env_file {
        p.env_file = Some(v.clone());
    }
    if let Some(v) = user.max_tokens {
        p.max_tokens = v;
    }
    if let Some(v) = user.on_budget {
        p.on_budget = v;
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
            let blank = from_builtin(BUILTINS.iter().find(|b| b.name == "cmd").expect("cmd is built in"));
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

impl Profile {
    /// The argv to start this agent with: `command` (or the user's), plus what minder adds to
    /// hear from it (Codex's notify override).
    pub fn launch_argv(&self, command: &[String], self_exe: &str, session: &str) -> Vec<String> {
        let mut argv = expand_self(command, self_exe);
        let program = argv
            .first()
            .and_then(|c| std::path::Path::new(c).file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        match self.integration {
            Integration::CodexNotify if program == "codex" => {
                let notify =
                    serde_json::to_string(&[self_exe, "notify", "--session", session]).expect("strings serialize");
                argv.splice(1..1, ["-c".to_string(), format!("notify={notify}")]);
            }
            Integration::ClaudeHooks if program == "claude" => {
                argv.splice(1..1, ["--settings".to_string(), claude_hook_settings(self_exe, Some(session))]);
            }
            _ => {}
        }
        argv
    }
}

/// Claude Code settings whose hooks report to `minder notify` (JSON on stdin).
pub fn claude_hook_settings(self_exe: &str, session: Option<&str>) -> String {
    let mut words = vec![self_exe.to_string(), "notify".to_string()];
    if let Some(s) = session {
        words.extend(["--session".to_string(), s.to_string()]);
    }
    let command = crate::domain::shell::shell_join(&words);
    let hook = serde_json::json!([{ "hooks": [{ "type": "command", "command": command }] }]);
    let mut hooks = serde_json::Map::new();
    for event in ["UserPromptSubmit", "PreToolUse", "PostToolUse", "PermissionRequest", "Notification", "Stop"] {
        hooks.insert(event.to_string(), hook.clone());
    }
    serde_json::json!({ "hooks": hooks }).to_string()
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
    fn codex_hears_back_through_a_per_process_notify_override() {
        let p = profile(&Config::default(), "codex").unwrap();
        let argv = p.launch_argv(&["codex".into(), "do it".into()], "/bin/minder", "codex-x");
        assert_eq!(argv[0], "codex");
        assert_eq!(argv[1], "-c");
        assert_eq!(argv[2], r#"notify=["/bin/minder","notify","--session","codex-x"]"#);
        assert_eq!(argv[3], "do it");
        // A different program under the codex profile is left alone.
        let argv = p.launch_argv(&["my-wrapper".into()], "/bin/minder", "s");
        assert_eq!(argv, ["my-wrapper"]);
    }

    #[test]
    fn claude_hears_back_through_per_process_settings() {
        let p = profile(&Config::default(), "claude").unwrap();
        let argv = p.launch_argv(&["claude".into(), "go".into()], "/opt/my minder", "claude-x");
        assert_eq!(argv[1], "--settings");
        let v: serde_json::Value = serde_json::from_str(&argv[2]).unwrap();
        assert_eq!(v["hooks"]["Stop"][0]["hooks"][0]["command"], "'/opt/my minder' notify --session claude-x");
        assert_eq!(argv[3], "go");
    }

    #[test]
    fn every_builtin_compiles() {
        for name in builtin_names() {
            profile(&Config::default(), name).unwrap();
        }
    }

    #[test]
    fn unknown_profile_lists_known_ones() {
        let e = profile(&Config::default(), "nope").unwrap_err().to_string();
        assert!(e.contains("`nope`") && e.contains("codex") && e.contains("demo"), "{e}");
    }
}

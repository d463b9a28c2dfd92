//! `minder completions`: shell completions generated from the command line's own definition,
//! plus a small wrapper per shell so that NAME arguments complete the session names.
//!
//! clap_complete's scripts are static: they know the flags, not the sessions. Its dynamic
//! engine (`CompleteEnv`) is still behind the `unstable-dynamic` feature in the clap_complete
//! of Cargo.lock, so each script gets a function that finds out, from the words typed so far,
//! whether the word under the cursor is a session NAME, and then asks `minder _names` (which
//! reads the state dir only: no config, no tmux). What takes a NAME, and which options take a
//! value (so that `--note TEXT` is not counted as a NAME), comes from the clap definition too.

use anyhow::{anyhow, bail, Result};
use clap::Args as ClapArgs;
use std::io::Write;

/// Print shell completions
///
/// Session names complete wherever a command takes one (show, attach, logs, send, stop, rm,
/// review, approve, reject, wait, restore).
///
/// Examples:
///   bash:  minder completions bash > ~/.local/share/bash-completion/completions/minder
///   zsh:   minder completions zsh > "${fpath[1]}/_minder"
///   fish:  minder completions fish > ~/.config/fish/completions/minder.fish
#[derive(ClapArgs, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Shell to generate for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The arguments that name an existing session: (subcommand, argument id).
pub const SESSION_ARGS: &[(&str, &str)] = &[
    ("show", "name"),
    ("attach", "name"),
    ("logs", "name"),
    ("send", "name"),
    ("answer", "name"),
    ("stop", "name"),
    ("rm", "name"),
    ("review", "name"),
    ("explain", "name"),
    ("approve", "name"),
    ("reject", "name"),
    ("apply", "name"),
    ("wait", "names"),
    ("restore", "names"),
    ("grep", "names"),
];

pub fn run(args: Args, cmd: clap::Command) -> Result<()> {
    let script = script(args.shell, cmd)?;
    std::io::stdout().write_all(script.as_bytes())?;
    Ok(())
}

/// The whole completion script for `shell`.
pub fn script(shell: clap_complete::Shell, cmd: clap::Command) -> Result<String> {
    use clap_complete::Shell;
    let mut cmd = without_internal(cmd);
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "minder", &mut buf);
    let generated = String::from_utf8(buf)?;
    cmd.build();
    let slots = name_slots(&cmd)?;
    let global = value_options(cmd.get_arguments());
    Ok(match shell {
        Shell::Bash => format!("{generated}{}", fill(&with_session_word(BASH, shell), &global, &bash_cases(&slots))),
        Shell::Zsh => zsh(&generated, &global, &slots)?,
        Shell::Fish => format!("{generated}{}", fill(FISH, &global, &fish_cases(&slots))),
        // elvish, PowerShell: clap's script as it is, without session names.
        _ => generated,
    })
}

/// The command line as a person meets it: the internal subcommands (`_sink`, `_exec`, …), hidden
/// from the help, are not offered on TAB either (clap_complete lists hidden subcommands).
fn without_internal(cmd: clap::Command) -> clap::Command {
    let mut out = clap::Command::new("minder")
        .propagate_version(true)
        .args(cmd.get_arguments().cloned())
        .subcommands(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    if cmd.get_version().is_some() {
        out = out.version(env!("CARGO_PKG_VERSION"));
    }
    if let Some(a) = cmd.get_about() {
        out = out.about(a.clone());
    }
    out
}

/// Where a subcommand takes a session NAME.
#[derive(Debug, PartialEq)]
pub struct NameSlot {
    pub subcommand: String,
    /// Which positional argument it is (0: the first).
    pub index: usize,
    /// Whether it takes several (`wait NAME...`).
    pub many: bool,
    /// The subcommand's own options that take a value (`--note`, `-n`), skipped with it.
    pub value_options: Vec<String>,
}

pub fn name_slots(cmd: &clap::Command) -> Result<Vec<NameSlot>> {
    SESSION_ARGS
        .iter()
        .map(|(sub, id)| {
            let sc = cmd.find_subcommand(sub).ok_or_else(|| anyhow!("completions: no subcommand `{sub}`"))?;
            let index = sc
                .get_positionals()
                .position(|a| a.get_id().as_str() == *id)
                .ok_or_else(|| anyhow!("completions: `{sub}` has no positional `{id}`"))?;
            let arg = sc.get_positionals().nth(index).expect("found above");
            let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1)
                || matches!(arg.get_action(), clap::ArgAction::Append);
            // Global options are listed once, for every subcommand.
            let own = sc
                .get_arguments()
                .filter(|a| !a.is_global_set() && cmd.get_arguments().all(|g| g.get_id() != a.get_id()));
            Ok(NameSlot { subcommand: sub.to_string(), index, many, value_options: value_options(own) })
        })
        .collect()
}

/// Every spelling (`-n`, `--lines`, aliases) of the options that take a value, hidden ones too.
fn value_options<'a>(args: impl Iterator<Item = &'a clap::Arg>) -> Vec<String> {
    let mut out = Vec::new();
    for a in args.filter(|a| !a.is_positional() && a.get_action().takes_values()) {
        out.extend(a.get_short_and_visible_aliases().unwrap_or_default().into_iter().map(|c| format!("-{c}")));
        out.extend(a.get_all_short_aliases().unwrap_or_default().into_iter().map(|c| format!("-{c}")));
        out.extend(a.get_long_and_visible_aliases().unwrap_or_default().into_iter().map(|l| format!("--{l}")));
        out.extend(a.get_all_aliases().unwrap_or_default().into_iter().map(|l| format!("--{l}")));
    }
    out.sort();
    out.dedup();
    out
}

/// `template` with the shared `_minder_session_word` in place, written for bash or zsh.
fn with_session_word(template: &str, shell: clap_complete::Shell) -> String {
    let (first, current, words, split) = match shell {
        clap_complete::Shell::Bash => ("1", "COMP_CWORD", "COMP_WORDS", BASH_SPLIT),
        _ => ("2", "CURRENT", "words", ""),
    };
    let function = SESSION_WORD
        .replace("@FIRST@", first)
        .replace("@CURRENT@", current)
        .replace("@WORDS@", words)
        .replace("@SPLIT@", split);
    template.replace("@SESSION_WORD@", &function)
}

fn fill(template: &str, global: &[String], cases: &str) -> String {
    template.replace("@GLOBAL@", &global.join(" ")).replace("@CASES@", cases)
}

fn bash_cases(slots: &[NameSlot]) -> String {
    slots
        .iter()
        .map(|s| {
            let extra = if s.value_options.is_empty() {
                String::new()
            } else {
                format!("vopts+=\"{} \"; ", s.value_options.join(" "))
            };
            format!("            {}) {extra}index={}; many={} ;;\n", s.subcommand, s.index, u8::from(s.many))
        })
        .collect()
}

fn fish_cases(slots: &[NameSlot]) -> String {
    slots
        .iter()
        .map(|s| {
            let extra = if s.value_options.is_empty() {
                String::new()
            } else {
                format!("                set -a vopts {}\n", s.value_options.join(" "))
            };
            format!(
                "            case {}\n{extra}                set index {}\n                set many {}\n",
                s.subcommand,
                s.index,
                u8::from(s.many)
            )
        })
        .collect()
}

/// zsh loads the file as the function `_minder` and runs it once, which defines clap's
/// `_minder` over it: clap's is renamed `_minder_clap`, and `_minder` becomes the wrapper.
fn zsh(generated: &str, global: &[String], slots: &[NameSlot]) -> Result<String> {
    const CLAP_DEF: &str = "\n_minder() {\n";
    const CLAP_TAIL: &str =
        "if [ \"$funcstack[1]\" = \"_minder\" ]; then\n    _minder \"$@\"\nelse\n    compdef _minder minder\nfi\n";
    if generated.matches(CLAP_DEF).count() != 1 || !generated.ends_with(CLAP_TAIL) {
        bail!("completions: clap_complete's zsh script changed shape; update commands/completions.rs");
    }
    let body = generated[..generated.len() - CLAP_TAIL.len()].replacen(CLAP_DEF, "\n_minder_clap() {\n", 1);
    let wrapper = fill(&with_session_word(ZSH, clap_complete::Shell::Zsh), global, &bash_cases(slots));
    Ok(format!("{body}{wrapper}{CLAP_TAIL}"))
}

/// The decision is the same in every shell: skip the global options (and their values) up to
/// the subcommand; after it, count the positional words before the cursor, skipping options
/// and the value of each option that takes one, everything after `--` being positional. The
/// word under the cursor is a NAME when the count is the NAME's position (or past it, for a
/// list of names) and it is not an option or an option's value. bash and zsh share the
/// function, but for the words' array (`COMP_WORDS` from 1, `words` from 2: `words[1]` is the
/// command), the cursor and bash's splitting at `=`; fish's syntax is its own.
const SESSION_WORD: &str = r#"_minder_session_word() {
    local i w sub="" pos=0 skip=0 dashdash=0 index=0 many=0 vopts=" @GLOBAL@ "
    for ((i = @FIRST@; i < @CURRENT@; i++)); do
        w=${@WORDS@[i]}
@SPLIT@        if ((skip)); then skip=0; continue; fi
        if ((!dashdash)) && [[ -n $sub && $w == "--" ]]; then dashdash=1; continue; fi
        if ((!dashdash)) && [[ $w == -* ]]; then
            [[ $vopts == *" $w "* ]] && skip=1
            continue
        fi
        if [[ -z $sub ]]; then
            sub=$w
            case $sub in
@CASES@            *) return 1 ;;
            esac
            continue
        fi
        pos=$((pos + 1))
    done
    [[ -n $sub ]] && ((!skip)) || return 1
    ((dashdash)) || [[ ${@WORDS@[@CURRENT@]} != -* ]] || return 1
    ((pos == index || (many && pos > index)))
}
"#;

/// bash splits `--until=review` at the `=` (COMP_WORDBREAKS); zsh keeps it one word.
const BASH_SPLIT: &str = r#"        # bash splits `--until=review` at the `=`: what follows it is the option's value.
        if [[ $w == "=" ]]; then skip=1; continue; fi
"#;

const BASH: &str = r#"
# Session names: a NAME argument completes the sessions in the state dir (`minder _names`,
# which asks no tmux); everything else is the completion above.
@SESSION_WORD@
_minder_with_sessions() {
    if _minder_session_word; then
        local cur=${COMP_WORDS[COMP_CWORD]} bin=${COMP_WORDS[0]/#\~/$HOME}
        # No session fits: say nothing rather than offer file names.
        compopt +o default +o bashdefault 2>/dev/null
        COMPREPLY=($(compgen -W "$("$bin" _names -- "$cur" 2>/dev/null)" -- "$cur"))
        return 0
    fi
    _minder "$@"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _minder_with_sessions -o nosort -o bashdefault -o default minder
else
    complete -F _minder_with_sessions -o bashdefault -o default minder
fi
"#;

const ZSH: &str = r#"
# Session names: a NAME argument completes the sessions in the state dir (`minder _names`,
# which asks no tmux); everything else is clap's completion above (`_minder_clap`).
@SESSION_WORD@
_minder() {
    if _minder_session_word; then
        local -a names expl
        names=(${(f)"$("${words[1]/#\~/$HOME}" _names -- "${words[CURRENT]}" 2>/dev/null)"})
        _wanted sessions expl 'session' compadd -a names
        return
    fi
    _minder_clap "$@"
}

"#;

const FISH: &str = r#"
# Session names: a NAME argument completes the sessions in the state dir (`minder _names`,
# which asks no tmux); everything else is the completion above.
function __fish_minder_session_word
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l vopts @GLOBAL@
    set -l sub ''
    set -l pos 0
    set -l skip 0
    set -l dashdash 0
    set -l index 0
    set -l many 0
    for w in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if test $dashdash = 0; and test -n "$sub"; and test "$w" = --
            set dashdash 1
            continue
        end
        if test $dashdash = 0; and string match -q -- '-*' $w
            contains -- $w $vopts; and set skip 1
            continue
        end
        if test -z "$sub"
            set sub $w
            switch $sub
@CASES@            case '*'
                return 1
            end
            continue
        end
        set pos (math $pos + 1)
    end
    test -n "$sub"; and test $skip = 0; or return 1
    if test $dashdash = 0; and string match -q -- '-*' (commandline -ct)
        return 1
    end
    test $pos -eq $index; or begin; test $many = 1; and test $pos -gt $index; end
end

function __fish_minder_sessions
    set -l bin (commandline -opc)[1]
    set bin (string replace -r '^~' -- $HOME $bin)
    $bin _names -- (commandline -ct) 2>/dev/null
end

complete -c minder -n __fish_minder_session_word -f -a '(__fish_minder_sessions)'
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// TAB offers the commands a person runs, never the internal ones tmux and hooks run.
    #[test]
    fn internal_commands_are_not_offered() {
        let cmd = unbuilt();
        let internal: Vec<String> =
            cmd.get_subcommands().filter(|s| s.is_hide_set()).map(|s| s.get_name().to_string()).collect();
        assert!(internal.iter().any(|n| n == "_sink") && internal.iter().any(|n| n == "_serve"), "{internal:?}");
        for shell in [clap_complete::Shell::Bash, clap_complete::Shell::Zsh, clap_complete::Shell::Fish] {
            let text = script(shell, cmd.clone()).unwrap();
            for name in &internal {
                // The wrapper runs `minder _names -- WORD` itself: a call, not an offer.
                let words = text.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ':');
                let offered = words.filter(|w| w == name).count() > text.matches(&format!("{name} -- ")).count();
                assert!(!offered, "{shell:?} completion offers `{name}`");
            }
            assert!(text.contains("approve") && text.contains("--socket-name"), "{shell:?}: the rest is still there");
        }
    }

    /// The command line as `minder completions` gets it: not built yet.
    fn unbuilt() -> clap::Command {
        <crate::cli::Cli as clap::CommandFactory>::command()
    }

    fn cli() -> clap::Command {
        let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
        cmd.build();
        cmd
    }

    #[test]
    fn every_session_argument_is_found_with_the_options_that_take_a_value() {
        let slots = name_slots(&cli()).unwrap();
        let by = |s: &str| slots.iter().find(|x| x.subcommand == s).unwrap();
        assert_eq!(by("show"), &NameSlot { subcommand: "show".into(), index: 0, many: false, value_options: vec![] });
        assert_eq!(by("wait").value_options, ["--timeout", "--until"]);
        assert!(by("wait").many && by("restore").many);
        assert!(!by("send").many, "send takes one NAME, then TEXT");
        assert_eq!(by("logs").value_options, ["--lines", "-n"]);
        assert_eq!(by("approve").value_options, ["--commit", "--note"]);
        // A hidden option still takes its value.
        assert_eq!(by("stop").value_options, ["--note"]);
        // Every command that takes a session by name is in the table (`new NAME` names a new one).
        for sc in cli().get_subcommands().filter(|sc| sc.get_name() != "new") {
            if sc.get_positionals().any(|a| matches!(a.get_id().as_str(), "name" | "names")) {
                assert!(
                    SESSION_ARGS.iter().any(|(sub, _)| *sub == sc.get_name()),
                    "`{}` takes a session: add it to SESSION_ARGS",
                    sc.get_name()
                );
            }
        }
        let global = value_options(cli().get_arguments());
        assert_eq!(global, ["--color", "--config", "--socket-name", "--socket-path", "-L"]);
    }

    #[test]
    fn every_shell_gets_its_wrapper() {
        for shell in [clap_complete::Shell::Bash, clap_complete::Shell::Zsh, clap_complete::Shell::Fish] {
            let s = script(shell, unbuilt()).unwrap();
            for placeholder in ["@GLOBAL@", "@CASES@", "@SESSION_WORD@", "@FIRST@", "@CURRENT@", "@WORDS@", "@SPLIT@"] {
                assert!(!s.contains(placeholder), "{shell}: {placeholder}");
            }
            assert!(s.contains(" _names -- "), "{shell}");
        }
        let zsh = script(clap_complete::Shell::Zsh, unbuilt()).unwrap();
        assert_eq!(zsh.matches("\n_minder() {").count(), 1, "only the wrapper is `_minder`");
        assert!(zsh.contains("\n_minder_clap() {") && zsh.starts_with("#compdef minder\n"));
        // bash and zsh share the function that decides a NAME, each with its own words.
        let bash = script(clap_complete::Shell::Bash, unbuilt()).unwrap();
        assert!(
            bash.contains("for ((i = 1; i < COMP_CWORD; i++)); do\n        w=${COMP_WORDS[i]}\n        # bash splits")
        );
        assert!(zsh.contains("for ((i = 2; i < CURRENT; i++)); do\n        w=${words[i]}\n        if ((skip))"));
    }
}

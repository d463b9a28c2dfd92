//! The one place where minder builds strings that a shell or tmux will re-read. Everything a
//! user can influence passes through these functions, each tested against hostile input.

use std::path::Path;

pub use crate::domain::shell::{shell_join, shell_quote};

/// Escape text that tmux will expand as a format (`#{...}`, `#[...]`, `#S`...): `#` becomes `##`.
pub fn format_escape(s: &str) -> String {
    // tmux halves a run of `#` (`##` is one `#`), except a run right before `[`: that is a
    // style (`#[fg=red]`, `##[`) and it copies the whole run as it is. So a run before `[` is
    // left alone and every other `#` doubled; doubling that one too would leave `##[` in a path.
    let mut out = String::with_capacity(s.len() + 4);
    let mut run = 0;
    let flush = |out: &mut String, run: &mut usize, before: Option<char>| {
        let n = if before == Some('[') { *run } else { *run * 2 };
        out.extend(std::iter::repeat_n('#', n));
        *run = 0;
    };
    for c in s.chars() {
        if c == '#' {
            run += 1;
            continue;
        }
        flush(&mut out, &mut run, Some(c));
        out.push(c);
    }
    flush(&mut out, &mut run, None);
    out
}

/// Escape text that tmux expands as a format *and* through strftime(3), as it does for the
/// `pipe-pane` command: `#` becomes `##` and `%` becomes `%%`.
pub fn format_time_escape(s: &str) -> String {
    format_escape(s).replace('%', "%%")
}

/// Quote `s` for tmux's own command language (a hook body, an `if-shell` branch, a batch read
/// by `source-file`), so tmux's parser gives back exactly `s`. Inside double quotes it still
/// expands `\`, `$` and a leading `~`, and after a newline it drops the blanks that open the
/// next line and a next line that starts with `#`. So `\`, `"` and `$` are escaped with `\`,
/// and `~` and every control character are written as octal escapes (`\176`, `\012`), which
/// the parser turns back into the byte itself.
pub fn tmux_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '~' | '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\{:03o}", c as u32)),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Commands for tmux's own parser (the branches of an `if-shell`): every word quoted with
/// `tmux_quote`, commands separated by ` ; `. A `;` inside a quoted word stays text.
pub fn tmux_commands(cmds: &[Vec<String>]) -> String {
    cmds.iter()
        .map(|cmd| cmd.iter().map(|w| tmux_quote(w)).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// Prepare one argv element for the tmux client. tmux treats any argument that ends in `;` as
/// a command separator (dropping the `;`) unless it ends in `\;`, which becomes `;`. So a
/// trailing `;` is sent as `\;`, and text already ending in `\;` round-trips as well.
pub fn tmux_arg(s: &str) -> String {
    match s.strip_suffix(';') {
        Some(head) => format!("{head}\\;"),
        None => s.to_string(),
    }
}

/// The shell command `pipe-pane` runs: our sink, reading the pane's output on stdin.
pub fn sink_command(self_exe: &Path, session_root: &Path, resumed: bool) -> String {
    let mut words = vec![self_exe.display().to_string(), "_sink".to_string(), session_root.display().to_string()];
    if resumed {
        words.push("--resumed".into());
    }
    // pipe-pane expands formats and strftime(3) escapes in its command.
    format_time_escape(&format!("exec {}", shell_join(&words)))
}

/// The `pane-died` hook body: hand the exit to `minder _pane-died` in the background. The shell
/// command holds only what minder wrote (its binary and the session's folder, quoted) and
/// formats that expand to digits, `$N` or `%N` (the pane, its session, the server's pid and
/// start time), never a value someone else can set (`@minder-id`, the socket path): those could
/// close the quotes. `_pane-died` checks the ids against the record and looks up the rest.
pub fn hook_command(self_exe: &Path, session_root: &Path) -> String {
    let words = [self_exe.display().to_string(), "_pane-died".to_string(), session_root.display().to_string()];
    let shell = format!(
        "{} '#{{pane_id}}' '#{{pane_dead_status}}' '#{{pane_dead_signal}}' '#{{pane_dead_time}}' --session-id '#{{session_id}}' --server '#{{pid}}:#{{start_time}}'",
        format_escape(&shell_join(&words))
    );
    format!("run-shell -b {}", tmux_quote(&shell))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn sh_echo(cmd: &str) -> String {
        let out = Command::new("sh").arg("-c").arg(format!("printf '%s\\n' {cmd}")).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    const HOSTILE: &[&str] = &[
        "plain",
        "",
        "a b",
        "it's",
        "$(touch /tmp/minder-pwned)",
        "`id`",
        "\"dq\" ; rm -rf /",
        "#{pane_id} %Y %%",
        "tab\there",
        "new\nline",
        "ünïcødé ✓",
        "back\\slash\\",
        "trailing;",
        "'",
        "''''",
    ];

    #[test]
    fn shell_quote_round_trips_through_sh() {
        for s in HOSTILE {
            assert_eq!(sh_echo(&shell_quote(s)), format!("{s}\n"), "input {s:?}");
        }
    }

    #[test]
    fn shell_join_keeps_word_boundaries() {
        let words = ["a b", "c'd", "$HOME"];
        assert_eq!(sh_echo(&shell_join(&words)), "a b\nc'd\n$HOME\n");
    }

    #[test]
    fn safe_words_stay_readable() {
        assert_eq!(shell_quote("/usr/bin/minder"), "/usr/bin/minder");
        assert_eq!(shell_quote("--session=x"), "--session=x");
        assert_eq!(shell_quote("a b"), "'a b'");
    }

    #[test]
    fn format_escapes() {
        assert_eq!(format_escape("#{x}#"), "##{x}##");
        // What tmux leaves of a run of `#` before `[` is the run itself (tmux 3.3a, measured
        // with display-message -p): so it is not doubled.
        assert_eq!(format_escape("t_#[fg=red]"), "t_#[fg=red]");
        assert_eq!(format_escape("a##[x] ###b #"), "a##[x] ######b ##");
        assert_eq!(format_time_escape("50% #1"), "50%% ##1");
    }

    #[test]
    fn tmux_quote_escapes_parser_specials() {
        assert_eq!(tmux_quote(r#"a "b" $X \ c"#), r#""a \"b\" \$X \\ c""#);
        assert_eq!(tmux_quote("~/x\n  #y\t"), r#""\176/x\012  #y\011""#);
    }

    #[test]
    fn tmux_commands_quote_every_word() {
        let cmds = vec![
            vec!["send-keys".to_string(), "-t".into(), "%1".into(), "a;b $X".into()],
            vec!["display-message".into(), "-p".into(), "ok".into()],
        ];
        assert_eq!(tmux_commands(&cmds), r#""send-keys" "-t" "%1" "a;b \$X" ; "display-message" "-p" "ok""#);
    }

    #[test]
    fn tmux_arg_protects_trailing_semicolon() {
        assert_eq!(tmux_arg("echo a;"), "echo a\\;");
        assert_eq!(tmux_arg("a\\;"), "a\\\\;");
        assert_eq!(tmux_arg("a;b"), "a;b");
        assert_eq!(tmux_arg(";"), "\\;");
    }
}

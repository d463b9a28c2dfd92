//! `minder man`: the man page, generated from the command line's own definition, so it says
//! what `--help` says. One page for the whole CLI (as `tmux(1)` is): every command's synopsis,
//! description and options under COMMANDS, since minder ships no page per subcommand.

use anyhow::Result;
use clap::Args as ClapArgs;
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;
use std::io::Write;

/// Print the man page (roff) of the whole command line
///
/// Examples:
///   minder man | man -l -
///   minder man > ~/.local/share/man/man1/minder.1
#[derive(ClapArgs, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(_args: Args, cmd: clap::Command) -> Result<()> {
    std::io::stdout().write_all(page(cmd)?.as_bytes())?;
    Ok(())
}

/// The whole page, as roff.
pub fn page(cmd: clap::Command) -> Result<String> {
    // Each command's section lists its own options; the global ones are listed once, on top.
    let commands: Vec<clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned().collect();
    let mut top = cmd.disable_help_subcommand(true).subcommand_value_name("COMMAND");
    top.build();
    let man = Man::new(top).title("MINDER");
    let mut page = Roff::new().render();
    page.push_str(&section(|w| man.render_title(w), false)?);
    page.push_str(&section(|w| man.render_name_section(w), false)?);
    page.push_str(&section(|w| man.render_synopsis_section(w), false)?);
    page.push_str(&section(|w| man.render_description_section(w), false)?);
    page.push_str(&section(|w| man.render_options_section(w), false)?);

    let mut heading = Roff::new();
    heading.control("SH", ["COMMANDS"]);
    page.push_str(&body(&heading.render()));
    for sub in commands {
        let name = format!("minder {}", sub.get_name());
        let mut title = Roff::new();
        title.control("SS", [name.as_str()]);
        page.push_str(&body(&title.render()));
        let sub = sub.bin_name(&name).disable_help_flag(true).disable_version_flag(true);
        let has_options = sub.get_arguments().any(|a| !a.is_hide_set() && !a.is_positional());
        let man = Man::new(sub);
        page.push_str(&section(|w| man.render_synopsis_section(w), true)?);
        page.push_str(&body(Roff::new().control("PP", []).render().as_str()));
        page.push_str(&section(|w| man.render_description_section(w), true)?);
        if has_options {
            let mut label = Roff::new();
            label.control("PP", []).text([bold("Options:")]);
            page.push_str(&body(&label.render()));
            page.push_str(&section(|w| man.render_options_section(w), true)?);
        }
    }

    let mut files = Roff::new();
    files.control("SH", ["FILES"]);
    for (path, what) in FILES {
        files.control("TP", []).text([bold(*path)]).text([roman(*what)]);
    }
    files.control("SH", ["SEE ALSO"]);
    files.text([roman("tmux(1); the README, for the tmux plugin, shell integration and the JSON shapes")]);
    page.push_str(&body(&files.render()));
    Ok(page)
}

const FILES: &[(&str, &str)] = &[
    ("$XDG_CONFIG_HOME/minder/config.toml", "The config file (also $MINDER_CONFIG or --config)."),
    ("$XDG_STATE_HOME/minder", "The state dir: records, logs, events, checkpoint history (also $MINDER_STATE_DIR)."),
];

/// One rendered section without roff's preamble (every render repeats it), and without its
/// `.SH` heading when `nested`: a command's sections sit under its `.SS`.
fn section(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>, nested: bool) -> Result<String> {
    let mut out = Vec::new();
    render(&mut out)?;
    let text = body(&String::from_utf8(out)?);
    Ok(match text.strip_prefix(".SH ") {
        Some(rest) if nested => rest.split_once('\n').map(|(_, after)| after.to_string()).unwrap_or_default(),
        _ => text,
    })
}

fn body(rendered: &str) -> String {
    let preamble = Roff::new().render();
    rendered.strip_prefix(preamble.as_str()).unwrap_or(rendered).to_string()
}

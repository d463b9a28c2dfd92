//! `minder completions`: shell completions generated from the command line's own definition.

use anyhow::Result;
use clap::Args as ClapArgs;

/// Print shell completions
///
/// bash:  minder completions bash > ~/.local/share/bash-completion/completions/minder
/// zsh:   minder completions zsh > "${fpath[1]}/_minder"
/// fish:  minder completions fish > ~/.config/fish/completions/minder.fish
#[derive(ClapArgs, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Shell to generate for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: Args, mut cmd: clap::Command) -> Result<()> {
    clap_complete::generate(args.shell, &mut cmd, "minder", &mut std::io::stdout());
    Ok(())
}


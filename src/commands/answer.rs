//! `minder answer`: answer the question an agent is asking now.

use crate::app::Ctx;
use crate::ops::deliver::Answer;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Answer the question the agent is asking now: yes, no, or a text
///
/// `yes` and `no` press the keys the agent's profile names (`answer_yes`, `answer_no`: Enter
/// and Esc for Codex, Claude Code and gemini-cli; y or n and Enter for aider and plain
/// commands); anything else is typed and submitted. Refused, sending nothing, when the agent is
/// not asking anything (see `minder ls`: `waiting (approval|question|trust)`). Answering is not
/// approving: `minder approve` decides on finished work.
///
///   minder answer fix-login yes
///   minder answer fix-login no
///   minder answer fix-login "use the staging database"
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// yes, no, or the text to answer with
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true, value_name = "yes|no|TEXT")]
    pub answer: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = match crate::ops::remote::locate(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["answer".to_string(), crate::ops::remote::there(&name), "--".to_string()];
            argv.extend(args.answer);
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    let obs = crate::ops::reconcile::observe_one(ctx, &name)?;
    let said = crate::ops::deliver::answer(ctx, &obs, &Answer::parse(&args.answer))?;
    ctx.note(&said);
    Ok(())
}

//! `minder send`: type text into the agent exactly, then press Enter.

use crate::app::Ctx;
use crate::ops::reconcile;
use anyhow::Result;
use clap::Args as ClapArgs;
use std::time::Duration;

/// Type text into the agent and press Enter, or press keys
///
/// The text is sent literally (no key names), long or multi-line text through a paste buffer,
/// with the pause some agents need before Enter. With --key, tmux key names are pressed
/// instead, in order, and nothing else (no Enter):
///
///   minder send fix-login "run the tests again"
///   minder send fix-login --key Escape
///   minder send fix-login --key Down --key Enter
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Text to type (words are joined by spaces)
    #[arg(required_unless_present = "key", conflicts_with = "key", num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
    pub text: Vec<String>,
    /// Press this key (a tmux key name: Escape, Enter, Tab, Up, C-c, M-x, F1, …); repeatable
    #[arg(long, value_name = "KEY")]
    pub key: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    for key in &args.key {
        if !crate::domain::keys::is_key_name(key) {
            return Err(crate::usage!(
                "`{key}` is not a tmux key name (such as Escape, Enter, Tab, BSpace, Up, C-c, M-x, F1); to type text, give it without --key"
            ));
        }
    }
    let name = match crate::ops::remote::locate(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            let mut argv = vec!["send".to_string(), crate::ops::remote::there(&name)];
            for key in &args.key {
                argv.extend(["--key".to_string(), key.clone()]);
            }
            if args.key.is_empty() {
                argv.extend(["--".to_string(), args.text.join(" ")]);
            }
            return crate::ops::remote::forward(&host, argv, None, None);
        }
    };
    let obs = reconcile::observe_one(ctx, &name)?;
    if !args.key.is_empty() {
        return crate::ops::deliver::press(ctx, &obs, &args.key);
    }
    let text = args.text.join(" ");
    let profile = crate::domain::agents::profile(&ctx.config, &obs.record.agent)
        .map(|p| p.submit_delay)
        .unwrap_or(Duration::from_millis(100));
    crate::ops::deliver::deliver(ctx, &obs, &text, profile)
}

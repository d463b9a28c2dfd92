//! `minder apply`: put an approved session's work into its base branch, then remove it.

use crate::app::Ctx;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Apply an approved session's work to its base branch, then remove the session
///
/// The approved commit (the one `minder approve` recorded, not anything the agent committed
/// later) goes into the branch the worktree started from, in the repository's main checkout:
/// a fast-forward when possible, else a merge commit; --squash makes one commit with the
/// brief's goal as its message. Then the session and its worktree are removed (unless
/// --no-rm; and kept, with the reason, if they hold work the merge did not take).
///
/// Refused, changing nothing: a session that is not approved or has no worktree; a main
/// checkout with another branch checked out or uncommitted changes; a merge that conflicts
/// (aborted, the files named).
///
///   minder approve fix-login && minder apply fix-login
///   minder apply fix-login --squash --no-rm
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// One commit on the base branch, the goal as its message
    #[arg(long)]
    pub squash: bool,
    /// Keep the session and its worktree afterwards
    #[arg(long)]
    pub no_rm: bool,
    /// Print what was done as JSON: {"version":1,"applied":{...}}
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let query = match crate::ops::remote::locate_query(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            crate::ops::decision::refuse_inside_an_agent(ctx, "apply")?;
            let mut argv = vec!["apply".to_string(), crate::ops::remote::there(&name)];
            for (on, flag) in [(args.squash, "--squash"), (args.no_rm, "--no-rm"), (args.json, "--json")] {
                if on {
                    argv.push(flag.into());
                }
            }
            return crate::ops::remote::decide(&host, &name, argv);
        }
    };
    let _all = ctx.store.lock_all()?;
    let name = ctx.resolve(&query)?;
    let out = crate::ops::apply::apply(ctx, &name, args.squash, !args.no_rm)?;
    let head = &out.applied.head[..out.applied.head.len().min(12)];
    let what = match out.applied.how {
        crate::git::apply::How::AlreadyThere => format!("`{}` has the approved commit already", out.branch),
        how => format!("{} into `{}` of `{}`, now at {head}", how.as_str(), out.branch, out.repo.display()),
    };
    let after = match (&out.kept, out.removed) {
        (_, true) => "; removed the session and its worktree".to_string(),
        (Some(why), _) => format!("; kept the session: {why}"),
        (None, false) => String::new(),
    };
    if args.json {
        let v = crate::ops::present::versioned(serde_json::json!({"applied": {
            "session": name,
            "how": out.applied.how.as_str(),
            "branch": out.branch,
            "repo": out.repo,
            "approved_commit": out.approved_commit,
            "head": out.applied.head,
            "removed": out.removed,
            "kept": out.kept,
        }}));
        crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    }
    ctx.note(&format!("applied `{name}`: {what}{after}"));
    Ok(())
}

//! `minder approve`: the person accepts the agent's work; the push gate opens.

use crate::app::Ctx;
use anyhow::Result;
use clap::Args as ClapArgs;

/// Approve a session's finished work: git push of it is allowed, `review.on_approve` runs
///
/// Approves the commit your last `minder review` showed (HEAD if you never reviewed it); when
/// the agent committed since, it refuses and asks for a new review, or --commit. A session that
/// is asking a question is refused: answer it with `minder answer`. The decision is kept apart
/// from what the agent does: it outlives the agent (exit, stop, restore), and the session shows
/// `approved` whenever the agent is not working or asking. Refused from inside an agent's
/// session: a decision is the person's.
///
/// on_approve runs with MINDER_SESSION, MINDER_DIR, MINDER_WORKTREE, MINDER_BRANCH and
/// MINDER_NOTE set, in the session's directory.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Session: full name, task, or a unique prefix
    pub name: String,
    /// Why, recorded in the event log
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Approve this commit (HEAD or one of its ancestors) instead of the one your last
    /// `minder review` showed
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Print JSON: {"version":1,"session":{...},"message":"approved `NAME` ..."}
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let name = match crate::ops::remote::locate(ctx, &args.name)? {
        crate::ops::remote::Where::Local(name) => name,
        crate::ops::remote::Where::Remote(host, name) => {
            // Refused here too: a decision never comes from inside an agent's session.
            crate::ops::decision::refuse_inside_an_agent(ctx, "approve")?;
            let mut argv = vec!["approve".to_string(), crate::ops::remote::there(&name)];
            if let Some(note) = args.note {
                argv.extend(["--note".to_string(), note]);
            }
            if let Some(commit) = args.commit {
                argv.extend(["--commit".to_string(), commit]);
            }
            if args.json {
                argv.push("--json".into());
            }
            return crate::ops::remote::decide(&host, &name, argv);
        }
    };
    if !args.json {
        let said = crate::ops::decision::approve(ctx, &name, args.note, args.commit.as_deref())?;
        ctx.note(&said);
        return Ok(());
    }
    // on_approve inherits stdout: what it prints goes to stderr, so stdout is the JSON alone.
    let said = stdout_to_stderr(|| crate::ops::decision::approve(ctx, &name, args.note, args.commit.as_deref()))?;
    let obs = crate::ops::reconcile::observe_one(ctx, &name)?;
    let v = crate::ops::present::versioned(
        serde_json::json!({"session": crate::ops::present::session_json(ctx, &obs), "message": said}),
    );
    crate::outln!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

/// Run `f` with file descriptor 1 pointing at stderr (children started meanwhile inherit that).
fn stdout_to_stderr<T>(f: impl FnOnce() -> T) -> T {
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    // SAFETY: plain descriptor calls; 1 is restored from the saved copy before returning.
    let saved = unsafe { libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3) };
    if saved < 0 || unsafe { libc::dup2(2, 1) } < 0 {
        return f();
    }
    let out = f();
    unsafe {
        libc::dup2(saved, 1);
        libc::close(saved);
    }
    out
}

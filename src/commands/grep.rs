//! `minder grep`: search the clean, redacted logs of every session (rotated segments and ended
//! sessions included), newest session first.

use crate::app::Ctx;
use crate::render::sanitize::one_line;
use anyhow::Result;
use clap::Args as ClapArgs;
use std::io::Write;

/// Search the clean logs of every session
///
/// Searches what `minder logs` prints (redacted, colours stripped, redraws applied) for a regex,
/// across rotated segments and ended sessions, the newest session first, and prints each match as
/// `NAME:LINE: text` (LINE counts lines of that clean text). Exit 0 when something matched, 1
/// when nothing did.
///
/// Examples:
///   minder grep 'error\[E[0-9]+\]'
///   minder grep -i 'panicked' fix-login --since 2d
#[derive(ClapArgs, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// A regex (Rust syntax, as ripgrep's)
    pub pattern: String,
    /// Only these sessions (full name, task, or a unique prefix)
    pub names: Vec<String>,
    /// Also ended sessions `ls` hides (stopped, and decided ones that ended)
    #[arg(short, long)]
    pub all: bool,
    /// Only sessions active within this long (e.g. `2h`, `3d`)
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Match case-insensitively
    #[arg(short = 'i', long = "ignore-case")]
    pub ignore_case: bool,
    /// Print JSON: {"version":1,"matches":[{"session","line","text"}]}
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let matcher = crate::ops::grep::matcher(&args.pattern, args.ignore_case)?;
    let since = match &args.since {
        Some(s) => Some(crate::domain::config::parse_duration(s).map_err(|e| crate::usage!("--since: {e}"))?),
        None => None,
    };
    let mut records = if args.names.is_empty() {
        let mut all = ctx.store.load_all()?;
        if !args.all {
            all.retain(|r| crate::domain::state::listed_by_default(r.state(), r.running()));
        }
        all
    } else {
        let mut picked = Vec::new();
        for n in &args.names {
            let name = ctx.resolve(n)?;
            if !picked.iter().any(|r: &crate::domain::record::Record| r.name == name) {
                picked.push(ctx.store.load(&name)?);
            }
        }
        picked
    };
    if let Some(d) = since {
        let from = chrono::Utc::now() - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        records.retain(|r| crate::ops::present::last_activity(ctx, r) >= from);
    }
    // The newest session first.
    records.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.name.cmp(&b.name)));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // Sessions are rendered and searched on every core (as rg searches files), then printed in
    // order: the newest session first, each one's lines in order.
    let results = search_all(ctx, &matcher, &records);
    let mut hits = Vec::new();
    let mut any = false;
    for (r, result) in records.iter().zip(results) {
        let found = match result {
            Ok(found) => found,
            Err(e) => {
                ctx.note(&format!("warning: `{}`: {e:#}", r.name));
                continue;
            }
        };
        any |= !found.is_empty();
        if args.json {
            hits.extend(found);
        } else {
            for h in found {
                // The agent's text never drives the terminal.
                writeln!(out, "{}:{}: {}", h.session, h.line, one_line(&h.text))?;
            }
        }
    }
    if args.json {
        let v = crate::ops::present::versioned(serde_json::json!({"matches": hits}));
        writeln!(out, "{}", serde_json::to_string(&v)?)?;
    }
    out.flush()?;
    if !any {
        return Err(crate::error::Exit { code: 1, message: None }.into());
    }
    Ok(())
}

/// Each session's hits (or why it could not be searched), in the order of `records`.
fn search_all(
    ctx: &Ctx,
    matcher: &grep_regex::RegexMatcher,
    records: &[crate::domain::record::Record],
) -> Vec<Result<Vec<crate::ops::grep::Hit>>> {
    let one = |r: &crate::domain::record::Record| -> Result<Vec<crate::ops::grep::Hit>> {
        let paths = ctx.store.paths(&r.name);
        let mut found = Vec::new();
        if let Some(clean) = crate::ops::grep::clean_copy(&paths, r.width, r.height)? {
            crate::ops::grep::search_file(matcher, &r.name, &clean, &mut found)?;
        }
        Ok(found)
    };
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(records.len()).max(1);
    if threads == 1 {
        return records.iter().map(one).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<Vec<crate::ops::grep::Hit>>>>> =
        records.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(r) = records.get(i) else { break };
                let result = one(r);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            });
        }
    });
    slots
        .into_iter()
        .map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner()).unwrap_or_else(|| Ok(Vec::new())))
        .collect()
}

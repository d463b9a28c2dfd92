//! `minder _names` (internal): the session names shell completion offers for a NAME argument.
//! It reads the state dir only (no config, no tmux), so a TAB costs one short process.

use crate::store::Store;
use anyhow::Result;
use clap::Args as ClapArgs;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// What the person has typed of the name so far
    #[arg(default_value = "", allow_hyphen_values = true)]
    pub prefix: String,
}

pub fn run(args: Args) -> Result<()> {
    let store = Store::new(crate::store::paths::state_dir());
    let names = store.names()?;
    // Tasks are read from the records only when no full name fits what was typed.
    let offered = completions(&names, &args.prefix, || {
        store.load_all().map(|records| records.into_iter().map(|r| task_word(&r)).collect()).unwrap_or_default()
    });
    for name in offered {
        crate::outln!("{name}");
    }
    Ok(())
}

/// The word a session answers to besides its full name: its task, or for an attempt its task
/// and number (`sub-2`), as `Ctx::resolve` knows it.
fn task_word(r: &crate::domain::record::Record) -> (String, String) {
    let task = match r.attempt {
        Some(n) => format!("{}-{n}", r.task),
        None => r.task.clone(),
    };
    (r.name.clone(), task)
}

/// The words to offer for `prefix`: the full names that start with it; when none does, the
/// task parts that start with it and name exactly one session (`fix<TAB>` finds
/// `codex-fix-login` by its task, as every command accepts it). `tasks` gives (name, task) pairs
/// and is called only when needed.
pub fn completions(names: &[String], prefix: &str, tasks: impl FnOnce() -> Vec<(String, String)>) -> Vec<String> {
    let full: Vec<String> = names.iter().filter(|n| n.starts_with(prefix)).cloned().collect();
    if !full.is_empty() {
        return full;
    }
    let tasks = tasks();
    let mut words: Vec<String> = tasks
        .iter()
        .filter(|(_, t)| t.starts_with(prefix))
        .filter(|(_, t)| tasks.iter().filter(|(_, other)| other == t).count() == 1)
        .map(|(_, t)| t.clone())
        .collect();
    words.sort();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["codex-fix-login", "codex-sub-1", "codex-sub-2", "claude-docs", "claude-fix-ci"].map(String::from).to_vec()
    }

    fn tasks() -> Vec<(String, String)> {
        vec![
            ("codex-fix-login".into(), "fix-login".into()),
            ("codex-sub-1".into(), "sub-1".into()),
            ("codex-sub-2".into(), "sub-2".into()),
            ("claude-docs".into(), "docs".into()),
            ("claude-fix-ci".into(), "fix-ci".into()),
            // Two sessions with one task: the task alone names neither.
            ("a-twin".into(), "twin".into()),
            ("b-twin".into(), "twin".into()),
        ]
    }

    #[test]
    fn full_names_first_then_tasks_that_name_one_session() {
        assert_eq!(completions(&names(), "", tasks), names());
        assert_eq!(completions(&names(), "codex-s", tasks), ["codex-sub-1", "codex-sub-2"]);
        assert_eq!(completions(&names(), "fix", tasks), ["fix-ci", "fix-login"]);
        assert_eq!(completions(&names(), "sub", tasks), ["sub-1", "sub-2"]);
        assert_eq!(completions(&names(), "twin", tasks), Vec::<String>::new());
        assert_eq!(completions(&names(), "nothing", tasks), Vec::<String>::new());
    }

    #[test]
    fn records_are_read_only_when_no_full_name_fits() {
        let no_reading = || -> Vec<(String, String)> { panic!("records read although a full name fits") };
        assert_eq!(completions(&names(), "claude", no_reading), ["claude-docs", "claude-fix-ci"]);
    }
}

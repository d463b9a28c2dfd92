//! Session names: the template, slugging, and resolving what a person typed (full name, task, or
//! a unique prefix of either) to one session. Pure functions, so they are tested without tmux.

use std::collections::BTreeMap;

/// Longest full name minder creates; long enough to read, short enough for a status line.
pub const MAX_NAME_LEN: usize = 64;

const PLACEHOLDERS: &[&str] = &["agent", "task", "project", "branch", "date", "n"];

/// True if `s` is non-empty and only `[A-Za-z0-9_-]`.
pub fn is_valid_word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Turn arbitrary text into `[A-Za-z0-9_-]`: every run of other characters becomes one `-`,
/// leading and trailing `-` are dropped, and the result is cut at `max` bytes.
pub fn slug(s: &str, max: usize) -> String {
    // Letters of any script as their closest ASCII (`é` → `e`, `ß` → `ss`, `ж` → `zh`); symbols
    // (`✓`, `→`) are separators, not words.
    let letters = s.chars().flat_map(|c| {
        let ascii = if c.is_ascii() || !c.is_alphabetic() { None } else { deunicode::deunicode_char(c) };
        match ascii {
            Some(t) => t.chars().collect::<Vec<_>>(),
            None => vec![c],
        }
    });
    let mut out = String::new();
    let mut dash = false;
    for c in letters {
        if c.is_ascii_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    out.trim_matches('-').to_string()
}

/// Slug of a goal sentence for `{task}`: its first few words, lowercased.
pub fn task_from_goal(goal: &str) -> String {
    let words: Vec<&str> = goal.split_whitespace().take(4).collect();
    slug(&words.join(" ").to_lowercase(), 32)
}

/// Check that a template only uses known placeholders and has balanced braces.
pub fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| format!("unclosed `{{` in `{template}`"))?;
        let key = &after[..close];
        if !PLACEHOLDERS.contains(&key) {
            return Err(format!(
                "unknown placeholder `{{{key}}}` (known: {})",
                PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ")
            ));
        }
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("unmatched `}}` in `{template}`"));
    }
    Ok(())
}

/// The values a template can use.
#[derive(Default, Clone, Debug)]
pub struct NameParts {
    pub agent: String,
    pub task: String,
    pub project: String,
    pub branch: String,
    pub date: String,
    pub n: Option<u32>,
}

/// Expand the template into a full session name, slugging each value and the result.
pub fn expand(template: &str, parts: &NameParts) -> Result<String, String> {
    check_template(template)?;
    let n = parts.n.map(|n| n.to_string()).unwrap_or_default();
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').unwrap() + open;
        let value = match &rest[open + 1..close] {
            "agent" => &parts.agent,
            "task" => &parts.task,
            "project" => &parts.project,
            "branch" => &parts.branch,
            "date" => &parts.date,
            "n" => &n,
            _ => unreachable!("checked above"),
        };
        out.push_str(&slug(value, MAX_NAME_LEN));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    let name = slug(&out, MAX_NAME_LEN);
    if name.is_empty() {
        return Err(format!("the name template `{template}` gives an empty name"));
    }
    Ok(name)
}

/// What one session is known by.
#[derive(Clone, Debug)]
pub struct Known {
    pub name: String,
    pub task: String,
}

/// Resolve `query` against the known sessions: an exact full name, then an exact task, then a
/// unique prefix of a full name or task. Returns the full name, or the error text.
pub fn resolve(query: &str, known: &[Known]) -> Result<String, ResolveError> {
    match resolve_as_given(query, known) {
        // `new "fix the bug"` made `…-fix-the-bug`: the NAME as it was given finds it too.
        Err(ResolveError::NotFound) if slug(query, MAX_NAME_LEN) != query && !slug(query, MAX_NAME_LEN).is_empty() => {
            resolve_as_given(&slug(query, MAX_NAME_LEN), known)
        }
        other => other,
    }
}

fn resolve_as_given(query: &str, known: &[Known]) -> Result<String, ResolveError> {
    if let Some(k) = known.iter().find(|k| k.name == query) {
        return Ok(k.name.clone());
    }
    let by_task: Vec<&Known> = known.iter().filter(|k| k.task == query).collect();
    if by_task.len() == 1 {
        return Ok(by_task[0].name.clone());
    }
    if by_task.len() > 1 {
        return Err(ResolveError::Ambiguous(by_task.iter().map(|k| k.name.clone()).collect()));
    }
    let mut hits: BTreeMap<&str, ()> = BTreeMap::new();
    for k in known {
        if !query.is_empty() && (k.name.starts_with(query) || k.task.starts_with(query)) {
            hits.insert(&k.name, ());
        }
    }
    match hits.len() {
        0 => Err(ResolveError::NotFound),
        1 => Ok(hits.keys().next().unwrap().to_string()),
        _ => Err(ResolveError::Ambiguous(hits.keys().map(|s| s.to_string()).collect())),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ResolveError {
    NotFound,
    Ambiguous(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(list: &[(&str, &str)]) -> Vec<Known> {
        list.iter().map(|(n, t)| Known { name: n.to_string(), task: t.to_string() }).collect()
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("fix the bug", 64), "fix-the-bug");
        assert_eq!(slug("a.b:c", 64), "a-b-c");
        assert_eq!(slug("  --x--  ", 64), "x");
        assert_eq!(slug("$(rm -rf /); `id` #{pane}", 64), "rm-rf-id-pane");
        assert_eq!(slug("ünïcødé", 64), "unicode");
        assert_eq!(slug("réparer ça", 64), "reparer-ca");
        assert_eq!(slug("✓✓✓", 64), "");
        assert_eq!(slug("", 64), "");
        assert_eq!(slug(&"a".repeat(300), 64).len(), 64);
        assert_eq!(slug("tab\there", 64), "tab-here");
        assert_eq!(slug("keep_under-score", 64), "keep_under-score");
    }

    #[test]
    fn task_from_goal_takes_first_words() {
        assert_eq!(task_from_goal("Refactor the billing module for clarity"), "refactor-the-billing-module");
    }

    #[test]
    fn templates() {
        let parts = NameParts {
            agent: "codex".into(),
            task: "fix bug".into(),
            project: "my.repo".into(),
            branch: "feat/x".into(),
            date: "20261121".into(),
            n: Some(2),
        };
        assert_eq!(expand("{agent}-{task}", &parts).unwrap(), "codex-fix-bug");
        assert_eq!(expand("{project}_{branch}-{date}-{n}", &parts).unwrap(), "my-repo_feat-x-20261121-2");
        assert!(expand("{agent}-{nope}", &parts).is_err());
        assert!(expand("{agent", &parts).is_err());
        let empty = NameParts::default();
        assert!(expand("{task}", &empty).is_err());
        assert!(check_template("x}").is_err());
    }

    #[test]
    fn exact_beats_prefix_and_task_matches() {
        let k = known(&[("codex-foo", "foo"), ("codex-foobar", "foobar"), ("demo-bar", "bar")]);
        assert_eq!(resolve("codex-foo", &k).unwrap(), "codex-foo");
        assert_eq!(resolve("foo", &k).unwrap(), "codex-foo");
        assert_eq!(resolve("foob", &k).unwrap(), "codex-foobar");
        assert_eq!(resolve("demo", &k).unwrap(), "demo-bar");
        assert_eq!(resolve("ba", &k).unwrap(), "demo-bar");
        assert_eq!(resolve("nothing", &k), Err(ResolveError::NotFound));
        assert_eq!(resolve("", &k), Err(ResolveError::NotFound));
    }

    #[test]
    fn a_name_as_it_was_given_finds_its_slug() {
        let k = known(&[("cmd-fix-the-bug", "fix-the-bug"), ("cmd-reparer-ca", "reparer-ca")]);
        assert_eq!(resolve("fix the bug", &k).unwrap(), "cmd-fix-the-bug");
        assert_eq!(resolve("réparer ça", &k).unwrap(), "cmd-reparer-ca");
        assert_eq!(resolve("fix the", &k).unwrap(), "cmd-fix-the-bug", "a prefix, slugged");
        assert_eq!(resolve("!!!", &k), Err(ResolveError::NotFound));
    }

    #[test]
    fn ambiguity_lists_candidates() {
        let k = known(&[("codex-foo", "foo"), ("claude-foo", "foo"), ("codex-fab", "fab")]);
        assert_eq!(resolve("foo", &k), Err(ResolveError::Ambiguous(vec!["codex-foo".into(), "claude-foo".into()])));
        assert_eq!(resolve("codex-f", &k), Err(ResolveError::Ambiguous(vec!["codex-fab".into(), "codex-foo".into()])));
    }
}

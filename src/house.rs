//! The layers the house keeps, checked: which top-level module may use which (data flows one
//! way, `commands → ops → {domain, store, tmux, git, sink, render}`, `domain` pure), and no
//! cycle among the modules of `ops/`. Read from the source itself (`crate::x` and `super::x`
//! paths outside test code), so a new edge fails here before it lands.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module may use, besides itself. The process entry points (`cli`,
/// `commands`, the `dash`, the hosts' `_serve`) may use everything below them; `ops` may use the
/// doors and `app` (the command's context); a door uses only what is under it; `domain` is pure.
const ALLOWED: &[(&str, &[&str])] = &[
    ("cli", &["app", "commands", "domain", "error", "tmux"]),
    (
        "commands",
        &[
            "app",
            "dash",
            "demo",
            "domain",
            "error",
            "git",
            "hosts",
            "ops",
            "procs",
            "redact",
            "render",
            "sink",
            "store",
            "supervisor",
            "tmux",
        ],
    ),
    ("dash", &["app", "domain", "error", "ops", "render", "store", "tmux"]),
    (
        "ops",
        &["app", "domain", "error", "git", "hosts", "procs", "redact", "render", "sink", "store", "supervisor", "tmux"],
    ),
    ("app", &["domain", "error", "store", "tmux"]),
    ("hosts", &["domain", "error", "procs", "render", "store"]),
    ("git", &["domain", "error", "procs", "store", "tmux"]),
    ("sink", &["domain", "error", "procs", "redact", "render", "store", "tmux"]),
    ("supervisor", &["domain", "error", "procs", "store", "tmux"]),
    ("tmux", &["domain", "error", "procs"]),
    ("store", &["domain", "error", "redact"]),
    ("render", &["domain", "error"]),
    ("demo", &["domain", "error"]),
    ("procs", &[]),
    ("redact", &[]),
    ("error", &[]),
    ("domain", &["error"]),
];

/// Each source file's module path (`ops::start`, `domain::detect`) and its text, test code cut.
fn sources() -> Vec<(Vec<String>, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&root).ok()?.with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            if parts.first().is_some_and(|f| f == "lib" || f == "main" || f == "house") {
                return None;
            }
            let text = std::fs::read_to_string(&p).ok()?;
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(n) => text[..n].to_string(),
                None => text,
            };
            Some((parts, text))
        })
        .collect()
}

/// The module names that follow `prefix` (`crate::`, `super::`) in `text`, outside comments.
fn used_after(text: &str, prefix: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            rest = &rest[at + prefix.len()..];
            let word = |s: &str| s.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect::<String>();
            let first = word(rest);
            let second = rest.strip_prefix(&format!("{first}::")).map(word).filter(|w| !w.is_empty());
            if !first.is_empty() {
                out.push((first, second));
            }
        }
    }
    out
}

/// Top-level edges (`from` → `to`) and the edges among `ops/` modules.
fn edges() -> (BTreeMap<String, BTreeSet<String>>, BTreeMap<String, BTreeSet<String>>) {
    let (mut top, mut ops) = (BTreeMap::<String, BTreeSet<String>>::new(), BTreeMap::<String, BTreeSet<String>>::new());
    // Macros exported at the crate root, not modules.
    let macros = ["usage", "outln", "out", "tmux_cmd"];
    for (parts, text) in sources() {
        let here = parts[0].clone();
        for (first, second) in used_after(&text, "crate::") {
            if macros.contains(&first.as_str()) {
                continue;
            }
            if first != here {
                top.entry(here.clone()).or_default().insert(first);
            } else if here == "ops" && parts.len() > 1 {
                if let Some(m) = second.filter(|m| *m != parts[1]) {
                    ops.entry(parts[1].clone()).or_default().insert(m);
                }
            }
        }
        if here == "ops" && parts.len() == 2 {
            for (first, _) in used_after(&text, "super::") {
                if first != parts[1] {
                    ops.entry(parts[1].clone()).or_default().insert(first);
                }
            }
        }
    }
    (top, ops)
}

#[test]
fn each_layer_uses_only_the_layers_under_it() {
    let (top, _) = edges();
    let mut wrong = Vec::new();
    for (from, tos) in &top {
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| m == from) else {
            wrong.push(format!("`{from}` is not in house.rs's table: say what it may use"));
            continue;
        };
        for to in tos {
            if !allowed.contains(&to.as_str()) {
                wrong.push(format!("{from} → {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "edges the layers do not allow:\n  {}", wrong.join("\n  "));
}

#[test]
fn no_cycle_among_the_modules_of_ops() {
    let (_, ops) = edges();
    // Depth-first search; a module met again on the current path closes a cycle.
    fn visit<'a>(
        m: &'a str,
        g: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|p| *p == m) {
            let mut cycle: Vec<&str> = path[at..].to_vec();
            cycle.push(m);
            return Some(cycle.join(" → "));
        }
        if !done.insert(m) {
            return None;
        }
        path.push(m);
        for next in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for m in ops.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(m, &ops, &mut path, &mut done) {
            panic!("a cycle in ops/: {cycle}");
        }
    }
}

#[test]
fn no_command_calls_another() {
    let commands: BTreeSet<String> =
        sources().into_iter().filter(|(p, _)| p.len() == 2 && p[0] == "commands").map(|(p, _)| p[1].clone()).collect();
    let mut wrong = Vec::new();
    for (parts, text) in sources() {
        if parts.len() < 2 || parts[0] != "commands" {
            continue;
        }
        let called = used_after(&text, "crate::")
            .into_iter()
            .filter(|(first, _)| first == "commands")
            .filter_map(|(_, second)| second)
            .chain(used_after(&text, "super::").into_iter().map(|(first, _)| first));
        for other in called.filter(|c| *c != parts[1] && commands.contains(c)) {
            wrong.push(format!("commands::{} → commands::{other}", parts[1]));
        }
    }
    assert!(wrong.is_empty(), "a command calls another (what two share belongs in ops/):\n  {}", wrong.join("\n  "));
}

/// The check sees what it should: a made-up edge is found.
#[test]
fn the_reader_finds_crate_and_super_paths() {
    let text = "use crate::ops::present;\nlet x = crate::tmux::quote::shell_join(&w); // crate::nope\nuse super::reconcile::Observed;";
    assert_eq!(
        used_after(text, "crate::"),
        vec![("ops".to_string(), Some("present".to_string())), ("tmux".to_string(), Some("quote".to_string()))]
    );
    assert_eq!(used_after(text, "super::"), vec![("reconcile".to_string(), None)]);
}

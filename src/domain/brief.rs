//! Briefs: the text the agent is told to follow, and reading back the checkpoints it keeps
//! (PLAN.md progress, the goal of a brief file).

use std::path::Path;

/// The risk summary in a checkpoint folder: its presence means "done".
pub fn risks_path(checkpoint_dir: &Path) -> std::path::PathBuf {
    checkpoint_dir.join("RISKS.md")
}

/// `progress` from PLAN.md: counts of `- [x]` and all checkboxes.
pub fn plan_progress(text: &str) -> Option<(usize, usize)> {
    let mut done = 0;
    let mut total = 0;
    for line in text.lines() {
        let l = line.trim_start();
        let l = l.strip_prefix("- ").or_else(|| l.strip_prefix("* ")).or_else(|| l.strip_prefix("+ ")).or_else(|| {
            let digits = l.find(|c: char| !c.is_ascii_digit())?;
            (digits > 0).then(|| l[digits..].strip_prefix(". ")).flatten()
        });
        let Some(l) = l else { continue };
        if l.starts_with("[x]") || l.starts_with("[X]") {
            done += 1;
            total += 1;
        } else if l.starts_with("[ ]") {
            total += 1;
        }
    }
    (total > 0).then_some((done, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_checkboxes() {
        let plan = "# Plan\n- [x] read code\n- [X] write test\n  - [ ] nested step\n* [ ] docs\n1. [x] numbered\nnot a [x] box\n";
        assert_eq!(plan_progress(plan), Some((3, 5)));
        assert_eq!(plan_progress("no boxes here"), None);
    }
}

/// What the person asked for, from `--brief FILE` and/or the flags.
#[derive(Clone, Debug, Default)]
pub struct BriefInput {
    pub file_text: Option<String>,
    pub goal: Option<String>,
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub stop_when: Vec<String>,
}

impl BriefInput {
    pub fn is_empty(&self) -> bool {
        self.file_text.is_none()
            && self.goal.is_none()
            && self.allow.is_empty()
            && self.deny.is_empty()
            && self.stop_when.is_empty()
    }
}

/// BRIEF.md: the goal, what is allowed and not, when to stop, and the checkpoints to leave in
/// `checkpoint_dir`.
pub fn render_brief(task: &str, input: &BriefInput, checkpoint_dir: &Path) -> String {
    let mut s = format!("# Brief: {task}\n\n");
    if let Some(text) = &input.file_text {
        s.push_str(text.trim_end());
        s.push_str("\n\n");
    }
    if let Some(goal) = &input.goal {
        s.push_str(&format!("## Goal\n\n{}\n\n", goal.trim()));
    }
    let list = |s: &mut String, title: &str, items: &[String]| {
        if !items.is_empty() {
            s.push_str(&format!("## {title}\n\n"));
            for i in items {
                s.push_str(&format!("- {}\n", i.trim()));
            }
            s.push('\n');
        }
    };
    list(&mut s, "Allowed", &input.allow);
    list(&mut s, "Not allowed", &input.deny);
    list(&mut s, "Stop and report when", &input.stop_when);
    let dir = checkpoint_dir.display();
    s.push_str(&format!(
        "## Checkpoints to leave\n\n\
Keep these in `{dir}` (also `$MINDER_DIR`), so a person can follow your work without asking:\n\n\
1. `PLAN.md` — before you edit anything: your plan as a checkbox list (`- [ ] step`); tick\n   steps (`- [x]`) as you finish them.\n\
2. `STATUS.md` — after each phase: what is done, what is next, anything surprising.\n\
3. `artifacts/` — test output and other evidence (e.g. `artifacts/test-output.txt`).\n\
4. `RISKS.md` — last, when you are done: the final risk summary (what could break, what you\n   did not verify, what a reviewer should look at). Writing it means you are finished.\n\n\
Do not push, deploy, or delete anything outside this working tree: a person reviews and\napproves your work first (a `git push` is refused until then).\n"
    ));
    s
}

/// The instruction handed to an agent whose profile takes the brief as an argument.
pub fn instruction(checkpoint_dir: &Path) -> String {
    format!(
        "Read your brief in {}/BRIEF.md and follow it. Keep PLAN.md, STATUS.md, artifacts/ and RISKS.md in that folder as it says.",
        checkpoint_dir.display()
    )
}

/// The goal line shown in reviews: the `## Goal` section of a brief, else its first text line.
pub fn goal_of(brief: &str) -> Option<String> {
    let mut lines = brief.lines();
    while let Some(l) = lines.next() {
        if l.trim().eq_ignore_ascii_case("## goal") {
            return lines.map(str::trim).find(|l| !l.is_empty()).map(str::to_string);
        }
    }
    brief.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string)
}

/// What a brief asks, section by section, as a review shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BriefView {
    pub goal: Option<String>,
    pub allowed: Vec<String>,
    pub not_allowed: Vec<String>,
    pub stop_when: Vec<String>,
}

/// Read BRIEF.md back: the goal and the `Allowed`, `Not allowed` and `Stop and report when`
/// lists (as `render_brief` writes them; a brief file of the person's own with the same
/// headings reads the same).
pub fn read_brief(text: &str) -> BriefView {
    let mut view = BriefView { goal: goal_of(text), ..Default::default() };
    let mut into: Option<&mut Vec<String>> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(title) = t.strip_prefix("## ") {
            into = match title.trim().to_lowercase().as_str() {
                "allowed" => Some(&mut view.allowed),
                "not allowed" => Some(&mut view.not_allowed),
                "stop and report when" | "stop when" => Some(&mut view.stop_when),
                _ => None,
            };
            continue;
        }
        if let (Some(list), Some(item)) = (into.as_deref_mut(), t.strip_prefix("- ")) {
            list.push(item.trim().to_string());
        }
    }
    view
}

/// One step of PLAN.md.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PlanItem {
    pub done: bool,
    pub text: String,
}

/// PLAN.md's checkbox items, in order (`- [x] done`, `- [ ] to do`, also `*` bullets).
pub fn plan_items(text: &str) -> Vec<PlanItem> {
    text.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let t = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "))?;
            let (done, rest) = if let Some(r) = t.strip_prefix("[x]").or_else(|| t.strip_prefix("[X]")) {
                (true, r)
            } else {
                (false, t.strip_prefix("[ ]")?)
            };
            Some(PlanItem { done, text: rest.trim().to_string() })
        })
        .collect()
}

#[cfg(test)]
mod brief_tests {
    use super::*;

    #[test]
    fn a_brief_reads_back_section_by_section() {
        let input = BriefInput {
            goal: Some("make login pass".into()),
            allow: vec!["edit src/".into()],
            deny: vec!["touch the schema".into(), "push".into()],
            stop_when: vec!["tests pass".into()],
            ..Default::default()
        };
        let view = read_brief(&render_brief("login", &input, Path::new("/w")));
        assert_eq!(view.goal.as_deref(), Some("make login pass"));
        assert_eq!(view.allowed, ["edit src/"]);
        assert_eq!(view.not_allowed, ["touch the schema", "push"]);
        assert_eq!(view.stop_when, ["tests pass"]);
    }

    #[test]
    fn plan_items_keep_their_checkboxes() {
        let items = plan_items("# Plan\n- [x] read the code\n  - [ ] write the test\n* [X] other\n- not a step\n");
        let got: Vec<(bool, &str)> = items.iter().map(|i| (i.done, i.text.as_str())).collect();
        assert_eq!(got, [(true, "read the code"), (false, "write the test"), (true, "other")]);
    }

    #[test]
    fn brief_from_flags_has_every_section() {
        let input = BriefInput {
            goal: Some("make login pass".into()),
            allow: vec!["edit src/".into()],
            deny: vec!["touch the schema".into(), "push".into()],
            stop_when: vec!["tests pass".into()],
            ..Default::default()
        };
        let b = render_brief("login", &input, Path::new("/w/.minder/codex-login"));
        for want in [
            "# Brief: login",
            "## Goal\n\nmake login pass",
            "## Allowed\n\n- edit src/",
            "## Not allowed\n\n- touch the schema\n- push",
            "## Stop and report when\n\n- tests pass",
            "PLAN.md",
            "STATUS.md",
            "artifacts/",
            "RISKS.md",
            "/w/.minder/codex-login",
        ] {
            assert!(b.contains(want), "missing {want:?} in\n{b}");
        }
        assert_eq!(goal_of(&b).as_deref(), Some("make login pass"));
    }

    #[test]
    fn goal_of_a_free_form_brief() {
        assert_eq!(goal_of("# Title\n\nFix the flaky test in ci.\n").as_deref(), Some("Fix the flaky test in ci."));
    }
}

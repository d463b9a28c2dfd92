//! Facts about the repository a session runs in, asked of git once and in the background, and
//! keeping checkpoint folders out of `git status`.

use std::io::Write;
use std::path::Path;

/// What one `git rev-parse` tells about a session's directory.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RepoFacts {
    /// `info/exclude` of the repository (shared by its worktrees).
    pub exclude: Option<std::path::PathBuf>,
    /// The commit diffs are taken against: `base` if given, else HEAD.
    pub base_commit: Option<String>,
}

/// True if `dir` or an ancestor holds `.git` (so git is only asked inside a repository).
fn inside_repo(dir: &Path) -> bool {
    dir.ancestors().any(|d| d.join(".git").exists())
}

/// One git call for both facts `new` needs; nothing at all outside a repository.
pub fn repo_facts(dir: &Path, base: Option<&str>) -> RepoFacts {
    RepoFactsQuery::start(dir, base).finish()
}

/// `repo_facts` started in the background, so the git process runs while tmux creates the
/// session.
pub struct RepoFactsQuery {
    dir: std::path::PathBuf,
    /// The git asked, and when its time (`super::deadline`) is up.
    git: Option<(crate::procs::Capture, std::time::Instant)>,
}

impl RepoFactsQuery {
    pub fn start(dir: &Path, base: Option<&str>) -> RepoFactsQuery {
        let git = inside_repo(dir)
            .then(|| {
                let by = std::time::Instant::now() + super::deadline();
                let rev = format!("{}^{{commit}}", base.unwrap_or("HEAD"));
                let mut cmd = super::command(dir);
                cmd.args(["rev-parse", "--git-path", "info/exclude", "--verify", "-q", &rev]);
                crate::procs::Capture::start(&mut cmd, None).ok().map(|c| (c, by))
            })
            .flatten();
        RepoFactsQuery { dir: dir.to_path_buf(), git }
    }

    pub fn finish(self) -> RepoFacts {
        let Some((git, by)) = self.git else { return RepoFacts::default() };
        let out = match git.finish_by(by, super::END) {
            Ok(Some(out)) => out,
            Ok(None) => {
                tracing::warn!("`git rev-parse` in `{}` did not finish within its deadline", self.dir.display());
                return RepoFacts::default();
            }
            Err(_) => return RepoFacts::default(),
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        // The exclude path comes first and is printed even when the commit does not resolve
        // (an empty repository).
        let exclude = lines.next().filter(|l| !l.is_empty()).map(|l| self.dir.join(l));
        let base_commit = lines.next().map(str::trim).filter(|l| l.len() >= 40).map(str::to_string);
        RepoFacts { exclude, base_commit }
    }
}

/// Add `.minder/` to the repository's `info/exclude` (once), so checkpoint folders never show
/// in `git status`.
pub fn exclude_checkpoints(exclude: &Path) {
    let existing = std::fs::read_to_string(exclude).unwrap_or_default();
    if existing.lines().any(|l| l.trim() == ".minder/" || l.trim() == "/.minder/") {
        return;
    }
    if let Some(parent) = exclude.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(exclude) else { return };
    let sep = if existing.is_empty() || existing.ends_with('\n') { "" } else { "\n" };
    let _ = write!(f, "{sep}# minder checkpoint folders\n.minder/\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_facts_in_one_call() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(repo_facts(tmp.path(), None), RepoFacts::default());
        let git = |args: &[&str]| {
            let ok = super::super::command(tmp.path()).args(args).output().unwrap().status.success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        let empty = repo_facts(tmp.path(), None);
        assert!(empty.exclude.as_ref().unwrap().ends_with("info/exclude"));
        assert_eq!(empty.base_commit, None);
        git(&["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "--allow-empty", "-m", "x"]);
        let f = repo_facts(tmp.path(), None);
        assert_eq!(f.base_commit.as_ref().unwrap().len(), 40);
        exclude_checkpoints(f.exclude.as_ref().unwrap());
        exclude_checkpoints(f.exclude.as_ref().unwrap());
        let text = std::fs::read_to_string(f.exclude.unwrap()).unwrap();
        assert_eq!(text.matches(".minder/").count(), 1);
    }
}

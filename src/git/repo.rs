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
    /// The git asked, and when its time (`super::deadline`) is up; or the facts already read
    /// from the repository's files (`read_head`).
    git: Result<Option<(crate::procs::Capture, std::time::Instant)>, RepoFacts>,
}

impl RepoFactsQuery {
    pub fn start(dir: &Path, base: Option<&str>) -> RepoFactsQuery {
        if base.is_none() {
            if let Some(facts) = read_head(dir) {
                return RepoFactsQuery { dir: dir.to_path_buf(), git: Err(facts) };
            }
        }
        let git = inside_repo(dir)
            .then(|| {
                let by = std::time::Instant::now() + super::deadline();
                let rev = format!("{}^{{commit}}", base.unwrap_or("HEAD"));
                let mut cmd = super::command(dir);
                cmd.args(["rev-parse", "--git-path", "info/exclude", "--verify", "-q", &rev]);
                crate::procs::Capture::start(&mut cmd, None).ok().map(|c| (c, by))
            })
            .flatten();
        RepoFactsQuery { dir: dir.to_path_buf(), git: Ok(git) }
    }

    pub fn finish(self) -> RepoFacts {
        let (git, by) = match self.git {
            Err(facts) => return facts,
            Ok(None) => return RepoFacts::default(),
            Ok(Some(asked)) => asked,
        };
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

/// HEAD's commit and `info/exclude`, read from the repository's own files in the plain case:
/// `.git` (a folder, or a `gitdir:` file) in `dir` or above it, owned by this user, HEAD a
/// branch whose ref is a loose file or in `packed-refs`, or a detached commit, and no
/// `[extensions]` in the config (reftable, SHA-256). That is what `git rev-parse` answers
/// there, without the git process that `new` would otherwise start and wait for. Anything
/// else (an unborn branch, a variable that moves the repository, a symbolic ref to a symbolic
/// ref) is None: git is asked.
fn read_head(dir: &Path) -> Option<RepoFacts> {
    use std::os::unix::fs::MetadataExt;
    let moved = super::HISTORY_VARS.iter().chain(&["GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM"]);
    if moved.into_iter().any(|v| std::env::var_os(v).is_some()) {
        return None;
    }
    let (top, dot_git, meta) = dir.ancestors().find_map(|d| {
        let p = d.join(".git");
        std::fs::symlink_metadata(&p).ok().map(|m| (d, p, m))
    })?;
    let git_dir = if meta.is_dir() {
        dot_git
    } else if meta.is_file() {
        let text = read_small(&dot_git)?;
        let target = Path::new(text.strip_prefix("gitdir: ")?.trim_end_matches('\n'));
        top.join(target)
    } else {
        return None;
    };
    // git refuses a repository another user owns (`safe.directory`): so must this.
    // SAFETY: geteuid(2) cannot fail.
    if std::fs::metadata(&git_dir).ok()?.uid() != unsafe { libc::geteuid() } {
        return None;
    }
    let common = match read_small(&git_dir.join("commondir")) {
        Some(rel) => git_dir.join(rel.trim_end_matches('\n')),
        None => git_dir.clone(),
    };
    let config = read_small(&common.join("config"))?;
    if config.to_ascii_lowercase().contains("[extensions") {
        return None;
    }
    let head = read_small(&git_dir.join("HEAD"))?;
    let head = head.trim_end_matches('\n');
    let commit = match head.strip_prefix("ref: ") {
        Some(name) if name.starts_with("refs/heads/") && !name.contains("..") => lookup_ref(&common, name)?,
        Some(_) => return None,
        None => head.to_string(),
    };
    if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(RepoFacts { exclude: Some(common.join("info").join("exclude")), base_commit: Some(commit) })
}

/// A branch's commit: its loose ref file, else its line in `packed-refs`.
fn lookup_ref(common: &Path, name: &str) -> Option<String> {
    if let Some(text) = read_small(&common.join(name)) {
        return Some(text.trim_end_matches('\n').to_string());
    }
    let packed = read_small(&common.join("packed-refs"))?;
    packed.lines().filter(|l| !l.starts_with('#') && !l.starts_with('^')).find_map(|l| {
        let (hex, refname) = l.split_once(' ')?;
        (refname == name).then(|| hex.to_string())
    })
}

/// A small text file of the repository's (a ref, HEAD, the config): None if it is missing, is
/// not a regular file (a FIFO, a device, a link: never waited on), is implausibly large for
/// what it should be, or is not text. git is asked then.
fn read_small(path: &Path) -> Option<String> {
    let read = crate::store::untrusted::read_file_head(path, 16 << 20).ok().filter(|c| !c.cut)?;
    String::from_utf8(read.bytes).ok()
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

    /// What `read_head` finds in the repository's files is what git answers, in every shape it
    /// accepts; the shapes it does not know go to git.
    #[test]
    fn head_read_from_the_files_is_what_git_says() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let git = |dir: &Path, args: &[&str]| {
            let out = super::super::command(dir)
                .args(["-c", "user.name=t", "-c", "user.email=t@x"])
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let said_by_git = |dir: &Path| {
            let out = git(dir, &["rev-parse", "--git-path", "info/exclude", "--verify", "-q", "HEAD^{commit}"]);
            let mut lines = out.lines();
            let exclude = dir.join(lines.next().unwrap()).canonicalize().unwrap();
            (exclude, lines.next().unwrap().to_string())
        };
        let check = |dir: &Path, what: &str| {
            let read = read_head(dir).unwrap_or_else(|| panic!("{what}: not read"));
            let mine = (read.exclude.unwrap().canonicalize().unwrap(), read.base_commit.unwrap());
            assert_eq!(mine, said_by_git(dir), "{what}");
        };
        let repo = root.join("repo");
        std::fs::create_dir_all(repo.join("sub/deeper")).unwrap();
        git(&repo, &["init", "-q"]);
        assert!(read_head(&repo).is_none(), "an unborn branch is git's to answer");
        git(&repo, &["commit", "-q", "--allow-empty", "-m", "one"]);
        check(&repo, "a loose ref");
        check(&repo.join("sub/deeper"), "a folder inside");
        git(&repo, &["commit", "-q", "--allow-empty", "-m", "two"]);
        git(&repo, &["pack-refs", "--all"]);
        assert!(!repo.join(".git/refs/heads/master").exists() && !repo.join(".git/refs/heads/main").exists());
        check(&repo, "a packed ref");
        git(&repo, &["checkout", "-q", "--detach", "HEAD~1"]);
        check(&repo, "a detached HEAD");
        git(&repo, &["checkout", "-q", "-"]);
        git(&repo, &["worktree", "add", "-q", "-b", "side", root.join("wt").to_str().unwrap()]);
        git(&root.join("wt"), &["commit", "-q", "--allow-empty", "-m", "on the side"]);
        check(&root.join("wt"), "a linked worktree");
        let apart = root.join("apart");
        std::fs::create_dir(&apart).unwrap();
        git(&apart, &["init", "-q", "--separate-git-dir", root.join("apart.git").to_str().unwrap()]);
        git(&apart, &["commit", "-q", "--allow-empty", "-m", "x"]);
        assert!(apart.join(".git").is_file());
        check(&apart, "a gitdir file");
        git(&repo, &["config", "extensions.worktreeConfig", "true"]);
        assert!(read_head(&repo).is_none(), "extensions are git's to read");
        git(&repo, &["config", "--unset", "extensions.worktreeConfig"]);
        // A FIFO where HEAD should be: refused at once, never waited on.
        let head = apart.join("../apart.git/HEAD");
        std::fs::remove_file(&head).unwrap();
        assert_eq!(unsafe { libc::mkfifo(std::ffi::CString::new(head.to_str().unwrap()).unwrap().as_ptr(), 0o600) }, 0);
        assert!(read_head(&apart).is_none());
        assert!(read_small(&head).is_none());
    }
}

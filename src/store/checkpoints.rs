//! The history of checkpoint files (PLAN.md, STATUS.md, RISKS.md): every version the agent
//! wrote is copied into the state dir with its time, so an overwrite loses nothing.

use crate::store::fsutil;
use crate::store::untrusted;
use crate::store::Store;
use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub const FILES: &[&str] = &["PLAN.md", "STATUS.md", "RISKS.md"];

#[derive(Clone, Debug, Serialize)]
pub struct Saved {
    pub file: String,
    pub at: DateTime<Utc>,
    pub path: PathBuf,
}

/// Saved copies are named `<millis>-<FILE>` so a listing sorts by time.
fn saved_name(at: DateTime<Utc>, file: &str) -> String {
    format!("{:013}-{file}", at.timestamp_millis())
}

fn parse_saved_name(name: &str) -> Option<(DateTime<Utc>, String)> {
    let (ms, file) = name.split_once('-')?;
    let at = DateTime::from_timestamp_millis(ms.parse().ok()?)?;
    FILES.contains(&file).then(|| (at, file.to_string()))
}

/// When the session's RISKS.md was last written, if it is a regular file: its modification time,
/// from a stat that never opens it (a FIFO or a link there is not a risk summary).
pub fn risks_written(checkpoint_dir: &Path) -> Option<DateTime<Utc>> {
    std::fs::symlink_metadata(crate::domain::brief::risks_path(checkpoint_dir))
        .ok()
        .filter(|m| m.is_file())
        .and_then(|m| m.modified().ok())
        .map(DateTime::<Utc>::from)
}

/// Every saved version, oldest first.
pub fn history(store: &Store, name: &str) -> Result<Vec<Saved>> {
    let dir = store.paths(name).checkpoint_history();
    let mut out: Vec<Saved> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let fname = e.file_name().into_string().ok()?;
                let (at, file) = parse_saved_name(&fname)?;
                Some(Saved { file, at, path: e.path() })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort_by(|a, b| (a.at, &a.path).cmp(&(b.at, &b.path)));
    Ok(out)
}

/// Save a copy of each checkpoint file whose content differs from its latest saved version.
/// Returns the files newly saved.
/// `redact` is applied to each copy before it is compared and saved: a copy kept in the state
/// dir is redacted as the log is.
pub fn snapshot(
    store: &Store,
    name: &str,
    checkpoint_dir: &Path,
    redact: &dyn Fn(&[u8]) -> Vec<u8>,
) -> Result<Vec<String>> {
    let hist_dir = store.paths(name).checkpoint_history();
    let history = history(store, name)?;
    let mut saved = Vec::new();
    for file in FILES {
        // The agent controls these files: a FIFO, a device or a link is not read (nor saved),
        // and a huge file is saved cut, with a line that says so.
        let content = match untrusted::read_head(checkpoint_dir, file, untrusted::CHECKPOINT_CAP) {
            Ok(c) if c.cut => {
                let mut content = redact(&c.bytes);
                content.extend_from_slice(format!("\n[minder: {}]\n", untrusted::cut_note(file, &c)).as_bytes());
                content
            }
            Ok(c) => redact(&c.bytes),
            Err(untrusted::Unreadable::Missing) => continue,
            Err(e) => {
                tracing::debug!("not saving {file}: it {e}");
                continue;
            }
        };
        let latest = history.iter().rev().find(|s| s.file == *file);
        if let Some(l) = latest {
            if std::fs::read(&l.path).map(|c| c == content).unwrap_or(false) {
                continue;
            }
        }
        fsutil::create_private_dir_all(&hist_dir)?;
        let mut at = Utc::now();
        // Two saves within one millisecond must not overwrite each other.
        while hist_dir.join(saved_name(at, file)).exists() {
            at += chrono::Duration::milliseconds(1);
        }
        fsutil::write_atomic(&hist_dir.join(saved_name(at, file)), &content)?;
        saved.push(file.to_string());
    }
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let at = DateTime::from_timestamp_millis(1_795_000_000_123).unwrap();
        let n = saved_name(at, "PLAN.md");
        assert_eq!(parse_saved_name(&n), Some((at, "PLAN.md".into())));
        assert_eq!(parse_saved_name("junk"), None);
        assert_eq!(parse_saved_name("123-OTHER.md"), None);
    }

    #[test]
    fn snapshot_keeps_every_distinct_version() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().join("state"));
        let cp = tmp.path().join("cp");
        std::fs::create_dir_all(&cp).unwrap();
        for (i, text) in ["one", "two", "two", "three"].iter().enumerate() {
            std::fs::write(cp.join("STATUS.md"), text).unwrap();
            let saved = snapshot(&store, "s", &cp, &|b: &[u8]| b.to_vec()).unwrap();
            assert_eq!(saved.len(), if i == 2 { 0 } else { 1 });
        }
        let h = history(&store, "s").unwrap();
        let texts: Vec<String> = h.iter().map(|s| std::fs::read_to_string(&s.path).unwrap()).collect();
        assert_eq!(texts, ["one", "two", "three"]);
    }

    #[test]
    fn snapshot_skips_a_fifo_or_link_and_cuts_a_huge_file() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path().join("state"));
        let cp = tmp.path().join("cp");
        std::fs::create_dir_all(&cp).unwrap();
        let fifo = std::ffi::CString::new(cp.join("PLAN.md").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        std::os::unix::fs::symlink("/dev/zero", cp.join("STATUS.md")).unwrap();
        std::fs::File::create(cp.join("RISKS.md")).unwrap().set_len(3 << 30).unwrap();
        let saved = snapshot(&store, "s", &cp, &|b: &[u8]| b.to_vec()).unwrap();
        assert_eq!(saved, ["RISKS.md"]);
        let copy = std::fs::read(&history(&store, "s").unwrap()[0].path).unwrap();
        assert!(copy.len() < (1 << 20) + 200, "{}", copy.len());
        assert!(String::from_utf8_lossy(&copy).ends_with("RISKS.md was cut: only 1.0 MiB of its 3.0 GiB were read]\n"));
    }
}

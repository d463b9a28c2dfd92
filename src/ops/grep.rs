//! `minder grep`'s search: each session's clean log text (what `minder logs` prints: redacted,
//! colours stripped, `\r` and erases applied), kept rendered beside its log so that a second
//! search costs only the search, and searched with ripgrep's own crates.
//!
//! The clean copy (`clean.txt`, mode 0600) is rendered again only when the log's segments
//! changed (a live agent's current segment grows, rotation drops the oldest); an ended
//! session's is rendered once. It is written to a temp file and renamed into place, never
//! changed in place, so a search may map it into memory.

use crate::render::Renderer;
use crate::store::logs;
use crate::store::paths::SessionPaths;
use anyhow::{Context, Result};
use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{sinks, MmapChoice, Searcher, SearcherBuilder};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One matching line of one session's clean log (raw text: sanitize before printing).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    pub session: String,
    pub line: u64,
    pub text: String,
}

/// The compiled pattern (`-i`: case-insensitive).
pub fn matcher(pattern: &str, ignore_case: bool) -> Result<RegexMatcher> {
    RegexMatcherBuilder::new()
        .case_insensitive(ignore_case)
        .line_terminator(Some(b'\n'))
        .build(pattern)
        .map_err(|e| crate::usage!("bad pattern `{pattern}`: {e}"))
}

fn searcher() -> Searcher {
    // SAFETY (of the map): the files searched are the clean copies, which minder replaces by
    // rename and never truncates or rewrites in place.
    let mmap = unsafe { MmapChoice::auto() };
    SearcherBuilder::new().line_number(true).memory_map(mmap).build()
}

/// The file names, sizes and modification times of the log's segments: what the clean copy was
/// rendered from.
fn segments_key(dir: &Path) -> Result<String> {
    let mut key = Vec::new();
    for seg in logs::segments(dir)? {
        let meta = std::fs::metadata(&seg)?;
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        key.push(serde_json::json!([
            seg.file_name().map(|n| n.to_string_lossy().to_string()),
            meta.len(),
            mtime.map(|d| d.as_nanos() as u64)
        ]));
    }
    Ok(serde_json::to_string(&key)?)
}

/// The session's clean text, rendered again if its log changed since; None when it has no log.
pub fn clean_copy(paths: &SessionPaths, width: u16, height: u16) -> Result<Option<PathBuf>> {
    let dir = paths.logs();
    if !dir.is_dir() {
        return Ok(None);
    }
    let clean = paths.root.join("clean.txt");
    let key_file = paths.root.join("clean.key");
    let key = segments_key(&dir)?;
    if clean.is_file() && std::fs::read_to_string(&key_file).is_ok_and(|k| k == key) {
        return Ok(Some(clean));
    }
    let tmp = paths.root.join(format!(".clean.{}.tmp", std::process::id()));
    let rendered = (|| -> Result<()> {
        let file = crate::store::fsutil::create_private_file(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let mut renderer = Renderer::new(width.max(20), height.max(5));
        let mut feed = Feed { renderer: &mut renderer, out: &mut out };
        logs::read_all(&dir, &mut feed)?;
        renderer.finish(&mut out)?;
        out.flush()?;
        Ok(())
    })();
    if let Err(e) = rendered {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context(format!("cannot render the log in `{}`", dir.display())));
    }
    std::fs::rename(&tmp, &clean).with_context(|| format!("cannot write `{}`", clean.display()))?;
    // The key is written after the text: a crash between the two only means rendering again.
    crate::store::fsutil::write_private(&key_file, key.as_bytes())?;
    Ok(Some(clean))
}

/// Every line of `file` that `matcher` matches, as hits of `session`.
pub fn search_file(matcher: &RegexMatcher, session: &str, file: &Path, hits: &mut Vec<Hit>) -> Result<()> {
    searcher()
        .search_path(
            matcher,
            file,
            sinks::Lossy(|line, text| {
                hits.push(Hit {
                    session: session.to_string(),
                    line,
                    text: text.trim_end_matches(['\n', '\r']).to_string(),
                });
                Ok(true)
            }),
        )
        .with_context(|| format!("cannot search `{}`", file.display()))
}

/// Adapter: bytes written to it are fed to the renderer, whose lines go to `out`.
struct Feed<'a, W: Write> {
    renderer: &'a mut Renderer,
    out: &'a mut W,
}

impl<W: Write> Write for Feed<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.renderer.feed(buf, self.out)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clean_copy_is_searched_and_rendered_again_only_when_the_log_changed() {
        let dir = tempfile::tempdir().unwrap();
        let paths = SessionPaths { root: dir.path().to_path_buf() };
        std::fs::create_dir_all(paths.logs()).unwrap();
        let log = logs::current_path(&paths.logs());
        // A colour split inside the word, and a progress line redrawn with `\r`.
        std::fs::write(&log, b"first line\r\nan \x1b[31merr\x1b[0mor here\r\n10%\r100% done\r\n").unwrap();
        let clean = clean_copy(&paths, 80, 24).unwrap().unwrap();
        let m = matcher("error|100%", false).unwrap();
        let mut hits = Vec::new();
        search_file(&m, "s", &clean, &mut hits).unwrap();
        let got: Vec<(u64, &str)> = hits.iter().map(|h| (h.line, h.text.as_str())).collect();
        assert_eq!(got, [(2, "an error here"), (3, "100% done")]);
        let before = std::fs::metadata(&clean).unwrap().modified().unwrap();
        assert_eq!(clean_copy(&paths, 80, 24).unwrap().unwrap(), clean);
        assert_eq!(std::fs::metadata(&clean).unwrap().modified().unwrap(), before, "not rendered again");
        std::fs::OpenOptions::new().append(true).open(&log).unwrap().write_all(b"ERROR again\r\n").unwrap();
        let clean = clean_copy(&paths, 80, 24).unwrap().unwrap();
        let mut hits = Vec::new();
        search_file(&matcher("error", true).unwrap(), "s", &clean, &mut hits).unwrap();
        assert_eq!(hits.iter().map(|h| h.line).collect::<Vec<_>>(), [2, 4]);
    }
}

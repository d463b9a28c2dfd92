//! Throughput of the redactor, by hand: `cargo test --release --lib redact::bench -- --ignored
//! --nocapture`. Not a test: it prints MB/s for a few kinds of agent output.

use super::*;
use std::time::Instant;

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// About `size` bytes of one kind of output.
pub(super) fn sample(kind: &str, size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 256);
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut n = 0u64;
    while out.len() < size {
        n += 1;
        match kind {
            // Build and test logs: plain lines of words and paths.
            "plain" => out.extend_from_slice(
                format!("   Compiling minder v0.1.0 (/home/user/src/minder) test {n} ... ok, 0.{n}s elapsed\r\n").as_bytes(),
            ),
            // A TUI redrawing: cursor moves, colours, short runs of text.
            "tui" => out.extend_from_slice(
                format!("\x1b[{};1H\x1b[2K\x1b[38;5;{}m• \x1b[1mRunning\x1b[22m cargo test --lib redact \x1b[2m({n}s • esc to interrupt)\x1b[0m\x1b[?25h", n % 40 + 1, n % 255).as_bytes(),
            ),
            // Long lines with no whitespace (base64, minified code): the worst case for
            // holding back.
            "dense" => {
                for _ in 0..4000 {
                    out.push(b'!' + (xorshift(&mut state) % 94) as u8);
                }
                out.extend_from_slice(b"\n");
            }
            // What `bench/run` cats through a pane: base64 in 76-column lines, as a pty
            // gives them (CR LF).
            "base64" => {
                const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                for _ in 0..76 {
                    out.push(ALPHABET[(xorshift(&mut state) % 64) as usize]);
                }
                out.extend_from_slice(b"\r\n");
            }
            _ => unreachable!(),
        }
    }
    out
}

#[test]
#[ignore]
fn throughput() {
    // Reads from a busy pane fill 64 KiB; an interactive one gives a few hundred bytes.
    let chunk_size: usize = std::env::var("MINDER_BENCH_CHUNK").ok().and_then(|c| c.parse().ok()).unwrap_or(64 * 1024);
    let only = std::env::var("MINDER_BENCH_KIND").ok();
    for kind in ["plain", "tui", "dense", "base64"] {
        if only.as_deref().is_some_and(|o| o != kind) {
            continue;
        }
        let input = sample(kind, 32 << 20);
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            let mut r = Redactor::new(&[]);
            let mut written = 0;
            for chunk in input.chunks(chunk_size) {
                written += r.push(chunk).len();
            }
            written += r.finish().len();
            assert!(written > 0);
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!("redact {kind:>5} in {chunk_size:>5}-byte reads: {:7.1} MB/s", input.len() as f64 / best / 1e6);
    }
}

/// Each built-in pattern alone over 32 MB of `MINDER_BENCH_KIND` (default base64), by hand:
/// which of them costs what.
#[test]
#[ignore]
fn each_pattern() {
    let kind = std::env::var("MINDER_BENCH_KIND").unwrap_or_else(|_| "base64".into());
    let input = sample(&kind, 32 << 20);
    for (source, re) in patterns::BUILTIN_SOURCES.iter().zip(builtins()) {
        let start = Instant::now();
        let n = re.find_iter(&input).count();
        let secs = start.elapsed().as_secs_f64();
        println!("{:8.1} MB/s {n:6} matches  {source}", input.len() as f64 / secs / 1e6);
    }
}

//! The renderer against tmux itself: bytes shown in a real pane, and recorded from it with
//! `pipe-pane` as minder does, must render to what `capture-pane` shows.

use crate::common::Env;
use minder::render::render_to_string;
use std::time::{Duration, Instant};

/// What a pane showed of some bytes, and what its recording holds.
struct Shown {
    width: u16,
    height: u16,
    /// `capture-pane -J` of the whole history and screen.
    text: String,
    /// The bytes `pipe-pane` recorded.
    recorded: Vec<u8>,
}

/// Show `bytes` in a new 80x24 pane (by `cat` of a file) while recording the pane with
/// `pipe-pane`, as minder does.
fn show_in_pane(env: &Env, bytes: &[u8]) -> Shown {
    let path = |name: &str| env.path(name);
    let (file, go, done, log) = (path("bytes"), path("go"), path("done"), path("log"));
    std::fs::write(&file, bytes).unwrap();
    // The pane waits for `go`, so that pipe-pane is on before anything is printed.
    let script = format!(
        "while [ ! -e '{}' ]; do sleep 0.05; done; cat '{}'; touch '{}'; sleep 60",
        go.display(),
        file.display(),
        done.display()
    );
    // No config file, so what tmux shows does not depend on the machine. The command is given
    // as argv, so tmux runs it without a shell of its own choosing.
    let pane = env.tmux_out(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "render",
        "-x",
        "80",
        "-y",
        "24",
        "-P",
        "-F",
        "#{pane_id}",
        "sh",
        "-c",
        &script,
    ]);
    let pane = pane.trim();
    env.tmux_out(&["pipe-pane", "-t", pane, "-o", &format!("cat >> '{}'", log.display())]);
    std::fs::write(&go, "").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let capture = || env.tmux_out(&["capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", pane]);
    // tmux reads the pane and the pipe drains asynchronously: wait for `done`, then until
    // neither the screen nor the recording changes.
    let mut last = None;
    loop {
        assert!(Instant::now() < deadline, "tmux took too long");
        std::thread::sleep(Duration::from_millis(150));
        if !done.exists() {
            continue;
        }
        let now = (capture(), std::fs::read(&log).unwrap_or_default());
        if last.as_ref() == Some(&now) {
            break;
        }
        last = Some(now);
    }
    let size = env.tmux_out(&["display-message", "-p", "-t", pane, "#{pane_width} #{pane_height}"]);
    let (width, height) = size.trim().split_once(' ').unwrap();
    let (text, recorded) = last.unwrap();
    Shown { width: width.parse().unwrap(), height: height.parse().unwrap(), text, recorded }
}

/// `bytes` render to what tmux shows of them: as printed (LF without CR, as a program writes
/// them), and as recorded from the pane (after the tty turned LF into CR LF).
fn assert_renders_as_tmux_shows(bytes: &[u8]) -> Vec<String> {
    let env = Env::new();
    let shown = show_in_pane(&env, bytes);
    let expected = lines_of(&shown.text);
    let ours = render_to_string(bytes, shown.width, shown.height);
    assert_eq!(lines_of(&ours), expected, "printed bytes");
    let ours = render_to_string(&shown.recorded, shown.width, shown.height);
    assert_eq!(lines_of(&ours), expected, "recorded bytes");
    expected.into_iter().map(String::from).collect()
}

/// Lines without trailing spaces (`capture-pane -J` keeps those written) or trailing
/// empty lines.
fn lines_of(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches(' ')).collect();
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

/// 200 lines of build output as agents print it: colours, `\r` progress, erased progress
/// bars, wrapped lines, tabs, UTF-8 and wide characters, a spinner, a two-line redraw, lines
/// exactly as wide as the pane, hyperlinks, a title, and a screen clear midway.
fn realistic_log() -> Vec<u8> {
    let mut log = String::from("\x1b]0;agent: build\x07$ cargo build\n");
    for i in 0..200 {
        log += &match i % 10 {
            0 => format!("\x1b[1m\x1b[32m   Compiling\x1b[0m crate-{i} v0.{i}.0 (/work/crate-{i})\n"),
            1 => {
                let steps: String = [0, 25, 50, 75, 100]
                    .iter()
                    .map(|p| format!("\rDownloading crate-{i}: {p:>3}%"))
                    .collect();
                format!("{steps}, done.\n")
            }
            2 => format!("    \x1b[36mBuilding\x1b[0m [{:=>w$}{:w2$}] {i}/200: crate-{i}\r\x1b[K", ">", "", w = i % 20 + 1, w2 = 20 - i % 20),
            3 => format!(
                "\x1b[33mwarning\x1b[0m: unused variable `x{i}` in a long message that goes {}past the edge of the pane\n",
                "on and ".repeat(i % 5 + 1)
            ),
            4 => format!("test{i}\tok\t{}ms\tdone\n", i * 3),
            5 => format!("  \x1b[32m✓\x1b[0m café_{i} — passed 日本語のテスト {i}\n"),
            6 => format!("waiting |\x08/\x08-\x08\\\x08done {i}\n"),
            7 => format!("a-{i}: 10%\nb-{i}:  0%\n\x1b[2A\ra-{i}: 90%\x1b[K\nb-{i}: 45%\x1b[K\n"),
            8 => format!("{:-<80}\n", format!("exactly eighty {i} ")),
            _ => format!(
                "\x1b]8;;https://example.com/{i}\x1b\\docs {i}\x1b]8;;\x1b\\ \x1b[2K\rnpm {i}\r\x1b[2Kinstalled {i}\n"
            ),
        };
        if i == 120 {
            log += "\x1b[H\x1b[2J";
        }
    }
    log.into_bytes()
}

/// Edges of the emulation where tmux is the reference.
fn edge_cases_log() -> Vec<u8> {
    let a = |n: usize| "a".repeat(n);
    [
        format!("{}\rB\n", a(80)),
        format!("{}\rX\n", "b".repeat(100)),
        format!("{}日本\n", a(79)),
        format!("{}\x1b[A\r\x1b[5C\x1b[K\n\n", "c".repeat(85)),
        format!("{}\tx\n", a(75)),
        format!("{}\x08\x08\x08y\n", "d".repeat(82)),
        "abc\x1b[2Dx\x1b[3@y\x1b[2Pz\x1b[4Xw\n".to_string(),
        "one\ntwo\x1bMup\n\n".to_string(),
        "\x1b7\x1b[30;1Hsaved\x1b8restored\n".to_string(),
        "\x1b[?25lhidden\x1b[?25h\x07\x7f shown\n".to_string(),
        "e\u{301}t\u{e9} \u{2705} done\n".to_string(),
        "left\x1b[3D\x1b[1K|\n".to_string(),
        "\x1b[2J\x1b[5;10Hpositioned\x1b[2;3Hsecond\x1b[1J\n".to_string(),
        // A region anchored at the top also scrolls into tmux's history.
        "\x1b[1;3r\x1b[24;1Hstatus\x1b[1;1H1\n2\n3\n4\n5\n6\x1b[r".to_string(),
        "\x1b[99;99Hcorner".to_string(),
    ]
    .concat()
    .into_bytes()
}

#[test]
fn git_progress_renders_as_tmux_shows() {
    assert_renders_as_tmux_shows(
        b"Receiving objects:  10% (1/10)\rReceiving objects:  50% (5/10)\rReceiving objects: 100% (10/10), done.\n",
    );
}

#[test]
fn cargo_progress_renders_as_tmux_shows() {
    assert_renders_as_tmux_shows(
        b"   Compiling a v0.1.0\n    Building [=>   ] 1/3: a\r\x1b[K   Compiling b v0.1.0\n    Building [==> ] 2/3\r\x1b[K    Finished dev\n",
    );
}

#[test]
fn a_realistic_build_log_renders_as_tmux_shows() {
    let shown = assert_renders_as_tmux_shows(&realistic_log());
    assert!(shown.len() > 1, "tmux showed {shown:?}");
}

#[test]
fn edges_of_the_emulation_render_as_tmux_shows() {
    assert_renders_as_tmux_shows(&edge_cases_log());
}

/// Characters whose width is easy to get wrong, each after an `a` and followed by a `|` at a
/// fixed column, so a width that differs from tmux's moves the `|`.
///
/// Left out, as the emulator differs from tmux 3.3a there whatever the widths: tmux joins the
/// character after a zero-width joiner into the same cell (an emoji ZWJ sequence takes two
/// columns, not two per emoji) and hides a joiner that joins nothing; it keeps more than two
/// combining marks on a cell; and it drops characters its C library does not know yet (recent
/// emoji, which get two columns here).
fn widths_log() -> Vec<u8> {
    let samples = [
        // Latin, Cyrillic, Hebrew and Arabic, with combining marks (at most two per cell).
        "x",
        "\u{a0}",
        "e\u{301}",
        "a\u{308}\u{301}",
        "Привет",
        "\u{5d1}\u{5bf}",
        "\u{628}\u{6d6}",
        "\u{644}\u{627}",
        // CJK, Hangul (syllables and jamo), fullwidth forms and Hangul fillers.
        "日本",
        "가",
        "\u{1100}\u{1161}",
        "\u{1161}",
        "\u{115f}",
        "\u{3164}",
        "\u{ffa0}",
        "Ａ",
        "日\u{302}",
        // Symbols and emoji: narrow, wide, with text (VS15) or emoji (VS16) presentation, a
        // keycap, skin tones, flags.
        "✓",
        "✅",
        "🚀",
        "\u{231b}",
        "\u{2764}",
        "\u{2764}\u{fe0f}",
        "\u{2600}\u{fe0f}",
        "\u{26a0}\u{fe0f}",
        "\u{a9}\u{fe0f}",
        "🚀\u{fe0e}",
        "\u{231a}\u{fe0e}",
        "日\u{fe0f}",
        "1\u{fe0f}\u{20e3}",
        "👍🏽",
        "🏽",
        "🇫🇷",
        "🇫",
        "\u{1fad6}",
        "\u{2630}",
        "\u{268a}",
        "\u{1d300}",
        "\u{1d360}",
        // Invisible: zero-width space and non-joiner, word joiner, BOM, direction marks; a soft
        // hyphen takes a column.
        "\u{200b}",
        "\u{200c}",
        "\u{2060}",
        "\u{feff}",
        "\u{200e}",
        "\u{202e}",
        "\u{ad}",
        // Indic and Southeast Asian scripts: marks above and below, spacing vowel signs.
        "สวัสดี",
        "नमस्ते",
        "\u{915}\u{93e}",
        "\u{995}\u{9be}",
        "\u{995}\u{9d7}",
        "\u{b95}\u{bbe}",
        "\u{b15}\u{b3e}",
        "\u{c95}\u{cc0}",
        "\u{c95}\u{cca}",
        "\u{d15}\u{d3e}",
        "\u{d4e}\u{d15}",
        "\u{d9a}\u{dcf}",
        "\u{17a4}",
        "\u{17d8}",
        // C1 controls written as UTF-8 show nothing.
        "\u{85}",
        "\u{9b}",
    ];
    samples.iter().map(|s| format!("a{s}\x1b[12G|\n")).collect::<String>().into_bytes()
}

#[test]
fn character_widths_are_as_tmux_shows() {
    assert_renders_as_tmux_shows(&widths_log());
}

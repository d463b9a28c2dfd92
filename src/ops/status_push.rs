//! The status line: a compact segment of per-agent indicators, pushed into the tmux option
//! `@minder-status` whenever a state changes. The status line shows `#{@minder-status}`, so a
//! refresh costs no process; tmux redraws its clients when the option is set.

use crate::domain::record::Record;
use crate::domain::state::State;
use crate::render::look::look;
use crate::store::Store;
use crate::tmux::Tmux;
use crate::tmux_cmd;
use anyhow::Result;
use std::io::Write;

/// Look of the segment, read from the tmux options the plugin documents (`@minder-*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Style {
    pub max_names: usize,
    pub bell: bool,
    pub message: bool,
    icons: [String; 8],
    colors: [String; 8],
}

/// The states shown, in the attention order of `domain::state::ATTENTION` (a test holds them
/// together), with their option suffix. `stopped` is never shown: it needs nothing.
const SHOWN: [(State, &str); 8] = [
    (State::Waiting, "waiting"),
    (State::Review, "review"),
    (State::Failed, "failed"),
    (State::Lost, "lost"),
    (State::Stuck, "stuck"),
    (State::Working, "working"),
    (State::Approved, "approved"),
    (State::Rejected, "rejected"),
];

/// A `@minder-color-*` value as a tmux style: a whole style (`fg=…,bg=…`) as it is, a bare
/// colour (`blue`, `colour208`, `#ff8800`) as the foreground.
fn style_of(value: &str) -> String {
    if value.contains('=') {
        value.to_string()
    } else {
        format!("fg={value}")
    }
}

impl Default for Style {
    fn default() -> Self {
        Style {
            max_names: 4,
            bell: true,
            message: true,
            // Each indicator is its state's chip (`render::look`), icon and colours.
            icons: SHOWN.map(|(s, _)| look(s).icon.to_string()),
            colors: SHOWN.map(|(s, _)| look(s).chip.to_string()),
        }
    }
}

/// The `display-message -p` format that reads every style option at once, `\x1f`-separated.
pub fn style_format() -> String {
    let mut f = vec!["#{@minder-max-names}".to_string(), "#{@minder-bell}".into(), "#{@minder-message}".into()];
    for (_, name) in SHOWN {
        f.push(format!("#{{@minder-icon-{name}}}"));
        f.push(format!("#{{@minder-color-{name}}}"));
    }
    f.join("\u{1f}")
}

pub fn parse_style(line: &str) -> Style {
    let mut s = Style::default();
    let f: Vec<&str> = line.trim_end_matches('\n').split('\u{1f}').collect();
    if f.len() < 3 + 2 * SHOWN.len() {
        return s;
    }
    if let Ok(n) = f[0].parse() {
        s.max_names = n;
    }
    let off = |v: &str| matches!(v, "off" | "0" | "no" | "false");
    s.bell = !off(f[1]);
    s.message = !off(f[2]);
    for i in 0..SHOWN.len() {
        if !f[3 + 2 * i].is_empty() {
            s.icons[i] = f[3 + 2 * i].to_string();
        }
        if !f[4 + 2 * i].is_empty() {
            s.colors[i] = f[4 + 2 * i].to_string();
        }
    }
    s
}

/// Sessions as the status line counts them, (state, short name), attention first, with other
/// machines' sessions (`host:task`, from their watchers) among them.
pub fn shown_with(records: &[Record], remote: &[(State, String)]) -> Vec<(State, String)> {
    let mut v: Vec<(usize, State, String)> = records
        .iter()
        .filter_map(|r| {
            // A live agent is always shown, whatever was decided on it; once an agent with a
            // verdict has ended it needs nothing more.
            let state = r.state();
            if matches!(state, State::Rejected | State::Approved) && !r.running() {
                return None;
            }
            let rank = SHOWN.iter().position(|(s, _)| *s == state)?;
            Some((rank, state, r.task.clone()))
        })
        .chain(
            remote
                .iter()
                .filter_map(|(state, name)| Some((SHOWN.iter().position(|(s, _)| s == state)?, *state, name.clone()))),
        )
        .collect();
    v.sort();
    v.into_iter().map(|(_, s, n)| (s, n)).collect()
}

/// The segment in tmux style markup; empty when no agent needs showing.
#[cfg(test)]
pub fn render(records: &[Record], style: &Style) -> String {
    render_with(records, &[], style)
}

/// The segment with other machines' sessions too.
pub fn render_with(records: &[Record], remote: &[(State, String)], style: &Style) -> String {
    let sessions = shown_with(records, remote);
    let idx = |state: State| SHOWN.iter().position(|(s, _)| *s == state).unwrap();
    let mut parts = Vec::new();
    if sessions.len() <= style.max_names {
        for (state, name) in &sessions {
            let i = idx(*state);
            parts.push(format!("#[{}] {} {} #[default]", style_of(&style.colors[i]), style.icons[i], name));
        }
    } else {
        for (i, (state, _)) in SHOWN.iter().enumerate() {
            let n = sessions.iter().filter(|(s, _)| s == state).count();
            if n > 0 {
                parts.push(format!("#[{}] {}{} #[default]", style_of(&style.colors[i]), style.icons[i], n));
            }
        }
    }
    parts.join(" ")
}

/// The one-line login summary, other machines' sessions too: `minder: 2 working, 1 waiting
/// (billing) — minder attach`.
pub fn summary_with(records: &[Record], remote: &[(State, String)]) -> Option<String> {
    let sessions = shown_with(records, remote);
    if sessions.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for (state, _) in SHOWN.iter() {
        let names: Vec<&str> = sessions.iter().filter(|(s, _)| s == state).map(|(_, n)| n.as_str()).collect();
        if names.is_empty() {
            continue;
        }
        let mut part = format!("{} {}", names.len(), state);
        if state.needs_person() {
            let mut shown_names = names.iter().take(3).copied().collect::<Vec<_>>().join(", ");
            if names.len() > 3 {
                shown_names.push_str(", …");
            }
            part.push_str(&format!(" ({shown_names})"));
        }
        parts.push(part);
    }
    Some(format!("minder: {} — minder attach", parts.join(", ")))
}

/// Where the style options of the server at `socket` are remembered between pushes, so
/// `minder status-line` inside tmux needs no tmux call.
fn style_cache(store: &Store, socket: &std::path::Path) -> std::path::PathBuf {
    let key: String =
        socket.display().to_string().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    store.dirs().status(&key)
}

pub fn save_style(store: &Store, socket: &std::path::Path, style_line: &str) {
    let path = style_cache(store, socket);
    if std::fs::read_to_string(&path).map(|s| s == style_line).unwrap_or(false) {
        return;
    }
    if let Some(dir) = path.parent() {
        let _ = crate::store::fsutil::create_private_dir_all(dir);
    }
    let _ = crate::store::fsutil::write_atomic(&path, style_line.as_bytes());
}

pub fn cached_style(store: &Store, socket: &std::path::Path) -> Option<Style> {
    std::fs::read_to_string(style_cache(store, socket)).ok().map(|l| parse_style(&l))
}

/// The segment for the server at `socket` as the records say now, if its style options are
/// remembered (else a push has to ask tmux for them).
pub fn segment_for(store: &Store, socket: &std::path::Path) -> Option<String> {
    let style = cached_style(store, socket)?;
    Some(render_with(&records_on(store, Some(socket)), &crate::ops::remote_status::shown(store), &style))
}

/// [`segment_for`] from records already read.
pub fn segment_with<'a>(
    store: &Store,
    socket: &std::path::Path,
    records: impl IntoIterator<Item = &'a Record>,
) -> Option<String> {
    let style = cached_style(store, socket)?;
    let on: Vec<Record> = records.into_iter().filter(|r| r.socket.as_deref() == Some(socket)).cloned().collect();
    Some(render_with(&on, &crate::ops::remote_status::shown(store), &style))
}

/// Records on the server at `socket`.
pub fn records_on(store: &Store, socket: Option<&std::path::Path>) -> Vec<Record> {
    store.load_all().unwrap_or_default().into_iter().filter(|r| r.socket.as_deref() == socket).collect()
}

/// Push the segment into one server as the records and the hosts' watchers say now (a
/// watcher heard a remote change). Fails when the server does not answer.
pub fn push_server(store: &Store, tmux: &Tmux) -> Result<()> {
    let socket = tmux.server().socket_path();
    let style = match cached_style(store, &socket) {
        Some(style) => style,
        None => {
            let line = tmux.run(&tmux_cmd!["display-message", "-p", style_format()])?;
            save_style(store, &socket, line.trim_end_matches('\n'));
            parse_style(&line)
        }
    };
    let records = records_on(store, Some(&socket));
    let segment = render_with(&records, &crate::ops::remote_status::shown(store), &style);
    tmux.run(&tmux_cmd!["set-option", "-g", "@minder-status", segment])?;
    Ok(())
}

/// Push the segment (and the session's own `@minder-state`) into tmux; tell the person when
/// `record` just started to need them. Best effort: a status line must never fail a command.
pub fn push(store: &Store, record: &Record, announce: bool) {
    if let Err(e) = try_push(store, record, announce) {
        tracing::debug!("status push for `{}`: {e:#}", record.name);
    }
}

fn try_push(store: &Store, record: &Record, announce: bool) -> Result<()> {
    let Some(socket) = &record.socket else { return Ok(()) };
    let tmux = Tmux::at_socket(socket)?;
    let announce = announce && matches!(record.state(), State::Waiting | State::Review | State::Failed);
    // Only an announcement needs the clients; without one, the style options remembered from
    // the last push do (one tmux call instead of two: `new` pushes on its way out). Every
    // announcing push, and every `status-line` that asks tmux, reads them afresh.
    let (style, clients) = match cached_style(store, socket).filter(|_| !announce) {
        Some(style) => (style, Vec::new()),
        None => {
            let out = tmux.batch(&[
                tmux_cmd!["display-message", "-p", style_format()],
                tmux_cmd!["list-clients", "-F", "#{client_name}\u{1f}#{client_tty}"],
            ])?;
            let mut lines = out.lines();
            let style_line = lines.next().unwrap_or("");
            save_style(store, socket, style_line);
            let clients: Vec<(String, String)> =
                lines.filter_map(|l| l.split_once('\u{1f}').map(|(a, b)| (a.to_string(), b.to_string()))).collect();
            (parse_style(style_line), clients)
        }
    };
    let records = records_on(store, Some(socket));
    let remote = crate::ops::remote_status::shown(store);
    let mut cmds = vec![tmux_cmd!["set-option", "-g", "@minder-status", render_with(&records, &remote, &style)]];
    if announce && style.message {
        let text = crate::tmux::quote::format_escape(&format!("minder: {}", crate::ops::tell::headline(record)));
        for (client, _) in &clients {
            cmds.push(tmux_cmd!["display-message", "-c", client, "-d", "4000", text]);
        }
    }
    // The session's own option, by its id and only while it carries the record's `@minder-id`
    // (a renamed session is still ours; a restarted server's `$0` is not). Last: it fails when
    // the session is already gone, and a batch stops at a failure.
    let session = &record.tmux.session_id;
    if !session.is_empty() {
        let set = tmux_cmd!["set-option", "-t", session, "@minder-state", record.state()];
        cmds.push(crate::tmux::guarded(session, &record.identity(), &[set], &[]));
    }
    let _ = tmux.batch(&cmds);
    if announce && style.bell {
        for (_, tty) in &clients {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(tty) {
                let _ = f.write_all(b"\x07");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(task: &str, state: State) -> Record {
        crate::domain::record::sample_record(&format!("codex-{task}"), "codex", state)
    }

    #[test]
    fn names_when_few_counts_when_many() {
        let style = Style::default();
        let few = [rec("build", State::Working), rec("login", State::Waiting), rec("old", State::Stopped)];
        assert_eq!(
            render(&few, &style),
            "#[fg=black,bg=yellow,bold] ? login #[default] #[fg=black,bg=white] ● build #[default]"
        );
        let many: Vec<Record> =
            (0..5).map(|i| rec(&format!("w{i}"), State::Working)).chain([rec("x", State::Review)]).collect();
        assert_eq!(render(&many, &style), "#[fg=black,bg=cyan,bold] ✓1 #[default] #[fg=black,bg=white] ●5 #[default]");
        let mut gone = rec("gone", State::Approved);
        gone.ended_at = Some(chrono::Utc::now());
        assert_eq!(render(&[gone], &style), "", "an approved agent that has ended needs nothing more");
        assert_eq!(
            render(&[rec("kept", State::Approved)], &style),
            "#[fg=white,bg=blue] ✔ kept #[default]",
            "an approved agent still at its prompt is alive, so it is shown, as approved"
        );
    }

    #[test]
    fn the_segment_lists_in_the_one_attention_order() {
        let shown: Vec<State> = SHOWN.iter().map(|(s, _)| *s).collect();
        let attention: Vec<State> =
            crate::domain::state::ATTENTION.iter().copied().filter(|s| *s != State::Stopped).collect();
        assert_eq!(shown, attention);
    }

    #[test]
    fn default_styles_are_chips_readable_on_any_bar() {
        // tmux's default status bar is black on green; a dark one is light on black. A chip
        // with its own background reads on both: it sets fg and bg, they differ, and neither
        // is the bar's green or black background.
        for style in Style::default().colors {
            let get = |key: &str| {
                style.split(',').find_map(|p| p.strip_prefix(key)).unwrap_or_else(|| panic!("{style}: no {key}"))
            };
            let (fg, bg) = (get("fg="), get("bg="));
            assert_ne!(fg, bg, "{style}");
            assert!(
                !["green", "black", "default"].contains(&bg),
                "{style}: the chip must not take the bar's background"
            );
        }
        assert_eq!(style_of("blue"), "fg=blue");
        assert_eq!(style_of("fg=white,bg=blue"), "fg=white,bg=blue");
    }

    #[test]
    fn style_options_override_defaults() {
        let mut fields = vec!["2".to_string(), "off".into(), "".into()];
        for i in 0..SHOWN.len() {
            fields.push(if i == 5 { "W".into() } else { String::new() });
            fields.push(if i == 5 { "blue".into() } else { String::new() });
        }
        let s = parse_style(&fields.join("\u{1f}"));
        assert_eq!(s.max_names, 2);
        assert!(!s.bell && s.message);
        assert_eq!(render(&[rec("a", State::Working)], &s), "#[fg=blue] W a #[default]");
        assert_eq!(parse_style("garbage"), Style::default());
    }

    #[test]
    fn login_summary() {
        assert_eq!(summary_with(&[rec("x", State::Stopped)], &[]), None);
        let s =
            summary_with(&[rec("a", State::Working), rec("b", State::Working), rec("billing", State::Waiting)], &[])
                .unwrap();
        assert_eq!(s, "minder: 1 waiting (billing), 2 working — minder attach", "attention first");
    }
}

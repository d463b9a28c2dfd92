//! The dash's view model, pure: agents in attention order, the filter, the selection (kept by
//! name across refreshes), the text of each row and column widths that fit the terminal, and
//! the helpers that fit text to a width. Agent text is made safe to print by
//! `render::sanitize::screen_line`, as everywhere. No I/O and no clock: the caller passes `now`.

use crate::domain::state::State;
use crate::render::look::Look;
use crate::render::sanitize::screen_line;
use chrono::{DateTime, Utc};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What the dash knows of one agent, gathered by `actions` from its record and files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Agent {
    pub name: String,
    pub task: String,
    pub agent: String,
    /// None: the record cannot be read; `detail` says why.
    pub state: Option<State>,
    pub detail: String,
    pub state_at: Option<DateTime<Utc>>,
    pub progress: Option<(usize, usize)>,
    pub project: String,
    pub branch: String,
    /// The last line of clean output (raw: sanitized when shown).
    pub last_line: String,
    /// The agent's pane is believed alive: its preview is the screen, else the log.
    pub alive: bool,
    /// Its sandbox and network policy (`rw-net`), empty when unknown.
    pub fence: String,
    /// Tokens used (`12.3k`, with the cost when priced), empty without a transcript.
    pub tokens: String,
}

impl Agent {
    /// It asks the person a question now (an approval, a question, trust): `y`/`n` answer it.
    pub fn asking(&self) -> bool {
        self.state.is_some_and(|s| crate::domain::state::asks(s, &self.detail))
    }
}

/// The selected agent's preview as read: its screen, or the clean tail of its log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreviewText {
    pub name: String,
    /// "screen", "log", "log (ended)".
    pub what: &'static str,
    /// Raw text (sanitized when shown).
    pub text: String,
    /// How many lines were asked for (a log tail); `usize::MAX` for a whole screen.
    pub lines: usize,
}

/// Attention order (DESIGN.md "The dash", `domain::state::attention_rank`): lower first. A
/// record that cannot be read needs a person more than anything.
pub fn attention_rank(state: Option<State>) -> u8 {
    state.map_or(0, |s| 1 + crate::domain::state::attention_rank(s))
}

/// How a state looks (`render::look`, as everywhere else); a record that cannot be read has a
/// look of its own.
pub fn look(state: Option<State>) -> Look {
    state.map_or(crate::render::look::UNREADABLE, crate::render::look::look)
}

/// Sort agents for the dash: attention first, then the longest in that state, then by name.
pub fn sort(agents: &mut [Agent]) {
    agents.sort_by(|a, b| {
        (attention_rank(a.state), a.state_at, &a.name).cmp(&(attention_rank(b.state), b.state_at, &b.name))
    });
}

/// "45s", "3m", "2h", "4d": how long, in the largest unit that fits (as `minder ls` shows it).
pub fn age(seconds: i64) -> String {
    crate::ops::present::age(seconds)
}

/// Whether every word of the filter (case-insensitive) occurs in what the row shows.
pub fn matches(agent: &Agent, filter: &str) -> bool {
    let hay = format!(
        "{} {} {} {} {} {} {}",
        agent.name,
        agent.task,
        agent.agent,
        agent.state.map(|s| s.as_str()).unwrap_or("unreadable"),
        agent.detail,
        agent.project,
        agent.branch
    )
    .to_lowercase();
    filter.to_lowercase().split_whitespace().all(|word| hay.contains(word))
}

/// The agents, the filter and the selection. The selection follows a name, so a refresh that
/// reorders rows never moves it to another agent.
#[derive(Debug, Default)]
pub struct Model {
    agents: Vec<Agent>,
    /// Indices into `agents` of the rows shown (after the filter).
    shown: Vec<usize>,
    selected: Option<String>,
    filter: String,
}

impl Model {
    /// Replace the agents (any order) and keep the selection: the same agent when it is still
    /// shown, else the row at the same place.
    pub fn set_agents(&mut self, mut agents: Vec<Agent>) {
        sort(&mut agents);
        let old_index = self.selected_index();
        self.agents = agents;
        self.refilter(old_index);
    }

    pub fn set_filter(&mut self, filter: &str) {
        let old_index = self.selected_index();
        self.filter = filter.to_string();
        self.refilter(old_index);
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    fn refilter(&mut self, old_index: Option<usize>) {
        self.shown = (0..self.agents.len()).filter(|&i| matches(&self.agents[i], &self.filter)).collect();
        let still_shown = self.selected.as_ref().is_some_and(|n| self.rows().any(|a| &a.name == n));
        if !still_shown {
            let i = old_index.unwrap_or(0).min(self.shown.len().saturating_sub(1));
            self.selected = self.shown.get(i).map(|&j| self.agents[j].name.clone());
        }
    }

    /// Every agent, filtered or not.
    pub fn all(&self) -> &[Agent] {
        &self.agents
    }

    /// The rows shown, in order.
    pub fn rows(&self) -> impl Iterator<Item = &Agent> {
        self.shown.iter().map(|&i| &self.agents[i])
    }

    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn selected(&self) -> Option<&Agent> {
        let name = self.selected.as_ref()?;
        self.rows().find(|a| &a.name == name)
    }

    pub fn selected_index(&self) -> Option<usize> {
        let name = self.selected.as_ref()?;
        self.rows().position(|a| &a.name == name)
    }

    fn select_index(&mut self, i: usize) {
        if let Some(&j) = self.shown.get(i) {
            self.selected = Some(self.agents[j].name.clone());
        }
    }

    /// Move the selection by `delta` rows, stopping at the ends.
    pub fn move_by(&mut self, delta: isize) {
        if self.shown.is_empty() {
            return;
        }
        let i = self.selected_index().unwrap_or(0) as isize + delta;
        self.select_index(i.clamp(0, self.shown.len() as isize - 1) as usize);
    }

    pub fn select_first(&mut self) {
        self.select_index(0);
    }

    pub fn select_last(&mut self) {
        self.select_index(self.shown.len().saturating_sub(1));
    }

    /// "6 agents: 1 waiting, 1 review, 4 working", counted over every agent, in attention order.
    pub fn summary(&self) -> String {
        let n = self.agents.len();
        let mut counts: Vec<(u8, &str, usize)> = Vec::new();
        for a in &self.agents {
            let label = a.state.map(|s| s.as_str()).unwrap_or("unreadable");
            match counts.iter_mut().find(|(_, l, _)| *l == label) {
                Some(c) => c.2 += 1,
                None => counts.push((attention_rank(a.state), label, 1)),
            }
        }
        counts.sort();
        let parts: Vec<String> = counts.iter().map(|(_, l, c)| format!("{c} {l}")).collect();
        let noun = if n == 1 { "agent" } else { "agents" };
        if parts.is_empty() {
            format!("{n} {noun}")
        } else {
            format!("{n} {noun}: {}", parts.join(", "))
        }
    }
}

// ---- Rows ---------------------------------------------------------------------------------

/// The text of one row, each cell sanitized (not yet fitted to a width).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cells {
    pub icon: &'static str,
    pub name: String,
    /// "waiting 3m (approval)".
    pub state: String,
    pub progress: String,
    /// "project:branch".
    pub place: String,
    pub last: String,
}

pub fn cells(agent: &Agent, now: DateTime<Utc>) -> Cells {
    let state = match agent.state {
        None => "unreadable".to_string(),
        Some(s) => {
            let mut t = s.as_str().to_string();
            if let Some(at) = agent.state_at {
                t.push(' ');
                t.push_str(&age((now - at).num_seconds()));
            }
            if !agent.detail.is_empty() {
                t.push_str(&format!(" ({})", agent.detail));
            }
            t
        }
    };
    let place = match (agent.project.is_empty(), agent.branch.is_empty()) {
        (_, true) => agent.project.clone(),
        (true, false) => agent.branch.clone(),
        (false, false) => format!("{}:{}", agent.project, agent.branch),
    };
    let place = if agent.fence.is_empty() { place } else { format!("{place} [{}]", agent.fence) };
    let place = if agent.tokens.is_empty() { place } else { format!("{place} {}", agent.tokens) };
    let last = if agent.state.is_none() { agent.detail.clone() } else { agent.last_line.clone() };
    Cells {
        icon: look(agent.state).icon,
        name: screen_line(&agent.name).into_owned(),
        state: screen_line(&state).into_owned(),
        progress: agent.progress.map(|(d, t)| format!("{d}/{t}")).unwrap_or_default(),
        place: screen_line(&place).into_owned(),
        last: screen_line(last.trim()).into_owned(),
    }
}

pub const HEADER: [&str; 5] = ["AGENT", "STATE", "PLAN", "WHERE", "LAST OUTPUT"];

/// Widths of the name, state, progress and place columns, and what is left for the last line
/// (0: a column is dropped). The icon takes 1 column and a space; columns are 2 apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    pub name: usize,
    pub state: usize,
    pub progress: usize,
    pub place: usize,
    pub last: usize,
}

const ICON_W: usize = 2;
const GAP: usize = 2;

/// Fit the columns into `width`: each as wide as its widest cell (capped), then shrunk — place
/// first, then progress, then name and state down to a floor — until the last line has room.
pub fn columns(rows: &[Cells], width: usize) -> Columns {
    let widest = |f: &dyn Fn(&Cells) -> &str, header: &str, cap: usize| {
        let w = rows.iter().map(|c| f(c).width()).max().unwrap_or(0);
        if w == 0 {
            0
        } else {
            w.max(header.width()).min(cap)
        }
    };
    let mut c = Columns {
        name: widest(&|c| &c.name, HEADER[0], 32).max(HEADER[0].width()),
        state: widest(&|c| &c.state, HEADER[1], 28).max(HEADER[1].width()),
        progress: widest(&|c| &c.progress, HEADER[2], 9),
        place: widest(&|c| &c.place, HEADER[3], 28),
        last: 0,
    };
    let used = |c: &Columns| {
        ICON_W
            + c.name
            + GAP
            + c.state
            + [c.progress, c.place].iter().filter(|&&w| w > 0).map(|w| w + GAP).sum::<usize>()
    };
    const LAST_MIN: usize = 16;
    let fits = |c: &Columns| used(c) + GAP + LAST_MIN <= width;
    while !fits(&c) && c.place > 12 {
        c.place -= 1;
    }
    if !fits(&c) {
        c.place = 0;
    }
    if !fits(&c) {
        c.progress = 0;
    }
    while !fits(&c) && (c.name > 12 || c.state > 12) {
        if c.name >= c.state && c.name > 12 {
            c.name -= 1;
        } else {
            c.state -= 1;
        }
    }
    c.last = width.saturating_sub(used(&c) + GAP);
    c
}

// ---- Text ---------------------------------------------------------------------------------

/// Cut `s` to at most `width` columns, ending with `…` when cut; a wide character that would
/// straddle the edge is left out whole.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `truncate`, then pad with spaces to exactly `width` columns.
pub fn fit(s: &str, width: usize) -> String {
    let mut t = truncate(s, width);
    let w = t.width();
    t.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    t
}

/// Break one line into pieces of at most `width` columns (a wide character never split).
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            out.push(String::new());
            used = 0;
        }
        out.last_mut().unwrap().push(c);
        used += w;
    }
    out
}

/// A text (review, diff) as sanitized lines wrapped to `width`, for a scrolling overlay.
pub fn overlay_lines(text: &str, width: usize) -> Vec<String> {
    text.lines().flat_map(|l| wrap(&screen_line(l.trim_end_matches('\r')), width)).collect()
}

/// The preview of a screen or log tail: sanitized, trailing blank lines dropped, the last
/// `height` lines, each cut to `width`.
pub fn preview_lines(text: &str, width: usize, height: usize) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| screen_line(l).trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let from = lines.len().saturating_sub(height);
    lines[from..].iter().map(|l| truncate(l, width)).collect()
}

/// The first row to draw so that row `selected` is inside a window of `height` rows, moving
/// the window as little as possible from `offset`.
pub fn scroll_offset(offset: usize, selected: usize, height: usize, len: usize) -> usize {
    if height == 0 {
        return 0;
    }
    let max = len.saturating_sub(height);
    let offset = offset.min(max);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}

/// Whether the preview goes beside the list (wide terminals) rather than below it.
pub fn preview_beside(width: u16, height: u16) -> bool {
    width >= 160 && height >= 12
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn agent(name: &str, state: State, secs_ago: i64, now: DateTime<Utc>) -> Agent {
        Agent {
            name: name.into(),
            task: name.rsplit('-').next().unwrap().into(),
            agent: "cmd".into(),
            state: Some(state),
            state_at: Some(now - Duration::seconds(secs_ago)),
            alive: matches!(state, State::Working | State::Waiting | State::Stuck),
            ..Agent::default()
        }
    }

    fn names(m: &Model) -> Vec<&str> {
        m.rows().map(|a| a.name.as_str()).collect()
    }

    #[test]
    fn attention_order_then_longest_in_state_then_name() {
        let now = Utc::now();
        let mut m = Model::default();
        m.set_agents(vec![
            agent("stopped", State::Stopped, 5, now),
            agent("working-new", State::Working, 5, now),
            agent("rejected", State::Rejected, 5, now),
            agent("lost", State::Lost, 5, now),
            agent("approved", State::Approved, 5, now),
            agent("working-old", State::Working, 500, now),
            agent("stuck", State::Stuck, 5, now),
            agent("failed", State::Failed, 5, now),
            agent("review", State::Review, 5, now),
            agent("waiting", State::Waiting, 5, now),
            Agent { name: "broken".into(), detail: "corrupt record".into(), ..Agent::default() },
        ]);
        assert_eq!(
            names(&m),
            [
                "broken",
                "waiting",
                "review",
                "failed",
                "lost",
                "stuck",
                "working-old",
                "working-new",
                "approved",
                "rejected",
                "stopped"
            ]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(age(-3), "0s");
        assert_eq!(age(0), "0s");
        assert_eq!(age(59), "59s");
        assert_eq!(age(60), "1m");
        assert_eq!(age(3599), "59m");
        assert_eq!(age(3600), "1h");
        assert_eq!(age(86399), "23h");
        assert_eq!(age(86400 * 3 + 5), "3d");
    }

    #[test]
    fn row_cells_read_as_the_design_says() {
        let now = Utc::now();
        let mut a = agent("codex-login", State::Waiting, 180, now);
        a.detail = "approval".into();
        a.progress = Some((2, 5));
        a.project = "app".into();
        a.branch = "minder/login".into();
        a.last_line = "  Would you like to run \x1b[31mrm\x1b[0m?  ".into();
        let c = cells(&a, now);
        assert_eq!(c.icon, "?");
        assert_eq!(c.state, "waiting 3m (approval)");
        assert_eq!(c.progress, "2/5");
        assert_eq!(c.place, "app:minder/login");
        assert_eq!(c.last, "Would you like to run \\e[31mrm\\e[0m?");
        let broken = Agent { name: "x".into(), detail: "corrupt record `a`".into(), ..Agent::default() };
        let c = cells(&broken, now);
        assert_eq!((c.icon, c.state.as_str(), c.last.as_str()), ("‽", "unreadable", "corrupt record `a`"));
    }

    #[test]
    fn agent_text_is_made_safe_wherever_it_is_shown() {
        // render::sanitize's screen_line: control characters visible, tabs to the next stop.
        assert_eq!(
            preview_lines("a\x1b[2Jb\x07c\x08d\re\x01f\x7fg\u{9b}h", 80, 1),
            ["a\\e[2Jb\\ac\\bd\\re\\x01f\\x7fg\\u{9b}h"]
        );
        assert_eq!(overlay_lines("x\u{202e}evil\ta", 80), ["x\\u{202e}evil   a"]);
        assert!(overlay_lines("\x1b]52;c;ZXZpbA==\x07", 80).iter().all(|l| !l.chars().any(char::is_control)));
        let mut a = agent("x\x1b]0;t\x07", State::Working, 5, Utc::now());
        a.last_line = "\tdone\x1b[2J".into();
        let c = cells(&a, Utc::now());
        assert_eq!((c.name.as_str(), c.last.as_str()), ("x\\e]0;t\\a", "done\\e[2J"));
    }

    #[test]
    fn truncate_counts_columns_and_never_splits_a_wide_char() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello", 4), "hel…");
        assert_eq!(truncate("hello", 1), "…");
        assert_eq!(truncate("hello", 0), "");
        // Each CJK character is two columns wide.
        assert_eq!(truncate("日本語テキスト", 6), "日本…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("日本語テキスト", 4), "日…");
        assert_eq!(truncate("a日本", 4), "a日…");
        assert!(truncate("a日本", 4).width() <= 4);
        // Combining marks take no column.
        assert_eq!(truncate("e\u{301}e\u{301}e\u{301}", 3), "e\u{301}e\u{301}e\u{301}");
        assert_eq!(fit("日本", 5), "日本 ");
        assert_eq!(fit("日本語", 5), "日本…");
        assert_eq!(fit("abc", 0), "");
        for w in 0..12 {
            assert!(fit("日本語テキスト and more", w).width() == w, "width {w}");
        }
    }

    #[test]
    fn wrap_keeps_wide_chars_whole() {
        assert_eq!(wrap("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("ab日本", 3), ["ab", "日", "本"]);
        assert_eq!(overlay_lines("one\r\n\x1b[1mtwo\n", 80), ["one", "\\e[1mtwo"]);
    }

    #[test]
    fn preview_keeps_the_bottom_of_the_screen() {
        let screen = "top\nmiddle\nbottom line that is long\n\n\n";
        assert_eq!(preview_lines(screen, 10, 2), ["middle", "bottom li…"]);
        assert_eq!(preview_lines(screen, 80, 10), ["top", "middle", "bottom line that is long"]);
        assert_eq!(preview_lines("", 80, 10), Vec::<String>::new());
        assert_eq!(preview_lines("a\x1b[31mb", 80, 1), ["a\\e[31mb"]);
    }

    #[test]
    fn filter_matches_every_word_anywhere() {
        let now = Utc::now();
        let mut a = agent("codex-login", State::Waiting, 5, now);
        a.project = "webapp".into();
        a.branch = "minder/login".into();
        assert!(matches(&a, ""));
        assert!(matches(&a, "LOGIN"));
        assert!(matches(&a, "wait web"));
        assert!(matches(&a, "codex"));
        assert!(!matches(&a, "wait docs"));
        let mut m = Model::default();
        m.set_agents(vec![a, agent("claude-docs", State::Working, 5, now), agent("cmd-build", State::Working, 9, now)]);
        m.set_filter("docs");
        assert_eq!(names(&m), ["claude-docs"]);
        assert_eq!(m.selected().unwrap().name, "claude-docs");
        m.set_filter("nothing matches");
        assert!(m.len() == 0 && m.selected().is_none());
        m.set_filter("");
        assert_eq!(m.len(), 3);
        assert!(m.selected().is_some());
        assert_eq!(m.summary(), "3 agents: 1 waiting, 2 working");
    }

    #[test]
    fn selection_follows_the_name_across_refreshes() {
        let now = Utc::now();
        let mut m = Model::default();
        m.set_agents(vec![
            agent("a", State::Working, 5, now),
            agent("b", State::Working, 9, now),
            agent("c", State::Working, 1, now),
        ]);
        assert_eq!(names(&m), ["b", "a", "c"]);
        assert_eq!(m.selected().unwrap().name, "b");
        m.move_by(1);
        assert_eq!(m.selected().unwrap().name, "a");
        // `a` starts waiting: it moves to the top, and stays selected.
        m.set_agents(vec![
            agent("a", State::Waiting, 0, now),
            agent("b", State::Working, 9, now),
            agent("c", State::Working, 1, now),
        ]);
        assert_eq!(names(&m), ["a", "b", "c"]);
        assert_eq!(m.selected_index(), Some(0));
        assert_eq!(m.selected().unwrap().name, "a");
        // A new agent appears: still `a`.
        m.set_agents(vec![
            agent("0new", State::Waiting, 60, now),
            agent("a", State::Waiting, 0, now),
            agent("b", State::Working, 9, now),
        ]);
        assert_eq!(m.selected().unwrap().name, "a");
        // The selected agent vanishes: the row at the same place is selected.
        m.set_agents(vec![agent("0new", State::Waiting, 60, now), agent("b", State::Working, 9, now)]);
        assert_eq!(m.selected().unwrap().name, "b");
        m.move_by(-5);
        assert_eq!(m.selected().unwrap().name, "0new");
        m.move_by(5);
        assert_eq!(m.selected().unwrap().name, "b");
        m.select_first();
        assert_eq!(m.selected_index(), Some(0));
        m.select_last();
        assert_eq!(m.selected_index(), Some(1));
        m.set_agents(vec![]);
        assert!(m.selected().is_none());
        m.move_by(1);
        m.set_agents(vec![agent("z", State::Working, 1, now)]);
        assert_eq!(m.selected().unwrap().name, "z");
    }

    #[test]
    fn columns_fit_80_and_200_wide() {
        let now = Utc::now();
        let mut a = agent("codex-fix-the-login-page-tests", State::Waiting, 200, now);
        a.detail = "approval".into();
        a.progress = Some((3, 10));
        a.project = "webapp".into();
        a.branch = "minder/fix-the-login-page-tests".into();
        a.last_line = "x".repeat(300);
        let rows = vec![cells(&a, now), cells(&agent("cmd-b", State::Working, 5, now), now)];
        for width in [40, 60, 80, 120, 200] {
            let c = columns(&rows, width);
            let used = ICON_W
                + c.name
                + GAP
                + c.state
                + [c.progress, c.place].iter().filter(|&&w| w > 0).map(|w| w + GAP).sum::<usize>()
                + GAP
                + c.last;
            assert!(used <= width, "width {width}: {c:?}");
            assert!(c.name >= 12 && c.state >= 12, "width {width}: {c:?}");
        }
        let wide = columns(&rows, 200);
        assert_eq!(wide.name, "codex-fix-the-login-page-tests".len());
        assert_eq!(wide.state, "waiting 3m (approval)".len());
        assert_eq!(wide.progress, "PLAN".len().max(4));
        assert!(wide.place >= 12 && wide.last > 60, "{wide:?}");
        let narrow = columns(&rows, 80);
        assert!(narrow.last >= 16, "{narrow:?}");
        // No progress and no place anywhere: those columns take no room.
        let plain = columns(&[cells(&agent("cmd-b", State::Working, 5, now), now)], 80);
        assert_eq!((plain.progress, plain.place), (0, 0));
    }

    #[test]
    fn scrolling_keeps_the_selection_in_view() {
        assert_eq!(scroll_offset(0, 0, 5, 20), 0);
        assert_eq!(scroll_offset(0, 4, 5, 20), 0);
        assert_eq!(scroll_offset(0, 5, 5, 20), 1);
        assert_eq!(scroll_offset(10, 3, 5, 20), 3);
        assert_eq!(scroll_offset(18, 19, 5, 20), 15);
        assert_eq!(scroll_offset(3, 0, 0, 20), 0);
        assert_eq!(scroll_offset(7, 1, 5, 3), 0);
    }
}

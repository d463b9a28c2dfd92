//! Drawing the dash with ratatui: a title with the counts, the agents' table, the selected
//! agent's preview (beside the table when the terminal is wide, below it otherwise), a status
//! line and the keys; overlays for the review and the diff. Everything shown comes from
//! `model` and is sanitized (`render::sanitize::screen_line`); colour only when allowed
//! (NO_COLOR, --color), and then only as a second cue: icons and words carry the state.

use super::model::{self, Model, PreviewText};
use crate::domain::state::State;
use crate::render::sanitize::screen_line;
use chrono::{DateTime, Utc};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// A scrolling text over the dash (the review, the diff).
#[derive(Debug)]
pub struct Overlay {
    pub title: String,
    pub text: String,
    pub scroll: usize,
    wrapped: Vec<String>,
    wrapped_for: usize,
}

impl Overlay {
    pub fn new(title: String, text: String) -> Overlay {
        Overlay { title, text, scroll: 0, wrapped: Vec::new(), wrapped_for: 0 }
    }

    fn lines(&mut self, width: usize) -> &[String] {
        if self.wrapped_for != width || self.wrapped.is_empty() {
            self.wrapped = model::overlay_lines(&self.text, width);
            self.wrapped_for = width;
        }
        &self.wrapped
    }
}

/// The line at the bottom: a message, a prompt being typed, or a question.
pub enum Bottom<'a> {
    Message { text: &'a str, error: bool },
    Prompt { label: String, text: &'a str },
    Question(String),
}

pub struct View<'a> {
    pub model: &'a Model,
    pub now: DateTime<Utc>,
    pub color: bool,
    pub preview: Option<&'a PreviewText>,
    pub bottom: Option<Bottom<'a>>,
    /// Replaces the keys line (while a prompt is open: what went wrong, or how to finish).
    pub hint: Option<Bottom<'a>>,
    /// Shown at the right of the title: a running action.
    pub busy: Option<&'a str>,
    pub overlay: Option<&'a mut Overlay>,
    /// First row of the table drawn; kept across frames so the table scrolls smoothly.
    pub offset: &'a mut usize,
}

pub struct Areas {
    pub title: Rect,
    pub list: Rect,
    pub preview: Rect,
    pub status: Rect,
    pub keys: Rect,
}

const PREVIEW_MIN: u16 = 6;

/// Where each part goes for a terminal of `area` and a table of `rows` agents.
pub fn areas(area: Rect, rows: usize) -> Areas {
    let line = |y: u16| Rect { x: area.x, y, width: area.width, height: if area.height > 0 { 1 } else { 0 } };
    let title = line(area.y);
    let keys = line(area.y + area.height.saturating_sub(1));
    let status = line(area.y + area.height.saturating_sub(2));
    let body_y = area.y + 1;
    let body_h = area.height.saturating_sub(3);
    if model::preview_beside(area.width, area.height) {
        let list_w = area.width * 11 / 20;
        return Areas {
            title,
            list: Rect { x: area.x, y: body_y, width: list_w, height: body_h },
            preview: Rect { x: area.x + list_w, y: body_y, width: area.width - list_w, height: body_h },
            status,
            keys,
        };
    }
    let want = (rows as u16).saturating_add(1).max(2);
    let most = if body_h > PREVIEW_MIN + 2 { (body_h - PREVIEW_MIN).min((body_h * 3 / 5).max(3)) } else { body_h };
    let list_h = want.min(most).min(body_h);
    Areas {
        title,
        list: Rect { x: area.x, y: body_y, width: area.width, height: list_h },
        preview: Rect { x: area.x, y: body_y + list_h, width: area.width, height: body_h - list_h },
        status,
        keys,
    }
}

/// Lines of text the preview can show in these areas (for a log tail of the right length).
pub fn preview_lines(areas: &Areas) -> usize {
    areas.preview.height.saturating_sub(1) as usize
}

/// A state's look (`render::look`) in ratatui's terms; without colour, what needs the person is
/// bold.
fn state_style(state: Option<State>, color: bool) -> Style {
    use crate::render::look::{Hue, Weight};
    let base = Style::default();
    if !color {
        return match state {
            Some(s) if s.needs_person() => base.add_modifier(Modifier::BOLD),
            None => base.add_modifier(Modifier::BOLD),
            _ => base,
        };
    }
    let look = model::look(state);
    let base = match look.hue {
        Hue::Plain => base,
        Hue::Red => base.fg(Color::Red),
        Hue::Green => base.fg(Color::Green),
        Hue::Yellow => base.fg(Color::Yellow),
        Hue::Blue => base.fg(Color::Blue),
        Hue::Magenta => base.fg(Color::Magenta),
        Hue::Cyan => base.fg(Color::Cyan),
    };
    match look.weight {
        Weight::Normal => base,
        Weight::Bold => base.add_modifier(Modifier::BOLD),
        Weight::Dim => base.add_modifier(Modifier::DIM),
    }
}

pub fn draw(frame: &mut Frame, view: View) {
    let area = frame.area();
    let a = areas(area, view.model.len());
    draw_title(frame, a.title, &view);
    draw_list(frame, a.list, view.model, view.now, view.color, view.offset);
    draw_preview(frame, a.preview, view.preview, view.model.selected().is_some(), view.color);
    draw_bottom(frame, a.status, view.bottom.as_ref(), view.color);
    match view.hint.as_ref() {
        Some(hint) => draw_bottom(frame, a.keys, Some(hint), view.color),
        None => draw_keys(frame, a.keys),
    }
    if let Some(overlay) = view.overlay {
        draw_overlay(frame, area, overlay);
    }
}

fn draw_title(frame: &mut Frame, area: Rect, view: &View) {
    let mut right = String::new();
    if let Some(busy) = view.busy {
        right.push_str(&screen_line(busy));
    }
    if !view.model.filter().is_empty() {
        if !right.is_empty() {
            right.push_str("  ");
        }
        right.push_str(&format!("filter: {}", screen_line(view.model.filter())));
    }
    let right = model::truncate(&right, (area.width as usize) / 2);
    let left_w = (area.width as usize).saturating_sub(right.width() + 1);
    let left = model::fit(&format!(" minder dash · {}", view.model.summary()), left_w);
    let line = Line::from(vec![
        Span::styled(left, Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(" "),
        Span::raw(right),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_list(frame: &mut Frame, area: Rect, model: &Model, now: DateTime<Utc>, color: bool, offset: &mut usize) {
    if area.height == 0 {
        return;
    }
    let width = area.width as usize;
    let rows: Vec<(&model::Agent, model::Cells)> = model.rows().map(|a| (a, model::cells(a, now))).collect();
    let cells: Vec<model::Cells> = rows.iter().map(|(_, c)| c.clone()).collect();
    let cols = model::columns(&cells, width);
    let mut lines = Vec::with_capacity(area.height as usize);
    let header = model::Cells {
        icon: " ",
        name: model::HEADER[0].into(),
        state: model::HEADER[1].into(),
        progress: model::HEADER[2].into(),
        place: model::HEADER[3].into(),
        last: model::HEADER[4].into(),
    };
    lines.push(row_line(
        &header,
        &cols,
        Style::default().add_modifier(Modifier::BOLD),
        Style::default().add_modifier(Modifier::BOLD),
        false,
    ));
    if rows.is_empty() {
        let text = if model.all().is_empty() {
            "no agents yet: start one with `minder new NAME -- COMMAND`".to_string()
        } else {
            format!("no agent matches `{}` (Esc clears the filter)", screen_line(model.filter()))
        };
        lines.push(Line::from(format!("  {}", model::truncate(&text, width.saturating_sub(2)))));
    }
    let visible = (area.height as usize).saturating_sub(1);
    let selected = model.selected_index().unwrap_or(0);
    *offset = model::scroll_offset(*offset, selected, visible, rows.len());
    for (i, (agent, c)) in rows.iter().enumerate().skip(*offset).take(visible) {
        let is_selected = i == selected;
        lines.push(row_line(
            c,
            &cols,
            state_style(agent.state, color),
            Style::default().add_modifier(Modifier::DIM),
            is_selected,
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn row_line(c: &model::Cells, cols: &model::Columns, state: Style, last: Style, selected: bool) -> Line<'static> {
    let mut spans = vec![
        Span::styled(c.icon.to_string(), state),
        Span::raw(" "),
        Span::raw(model::fit(&c.name, cols.name)),
        Span::raw("  "),
        Span::styled(model::fit(&c.state, cols.state), state),
    ];
    for (text, w) in [(&c.progress, cols.progress), (&c.place, cols.place)] {
        if w > 0 {
            spans.push(Span::raw("  "));
            spans.push(Span::raw(model::fit(text, w)));
        }
    }
    if cols.last > 0 {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(model::fit(&c.last, cols.last), last));
    }
    let line = Line::from(spans);
    if selected {
        line.style(Style::default().add_modifier(Modifier::REVERSED))
    } else {
        line
    }
}

fn draw_preview(frame: &mut Frame, area: Rect, preview: Option<&PreviewText>, any_selected: bool, color: bool) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let title = match preview {
        Some(p) => format!(" {} · {} ", screen_line(&p.name), p.what),
        None if any_selected => " preview ".to_string(),
        None => String::new(),
    };
    let border = if color { Style::default().fg(Color::DarkGray) } else { Style::default() };
    let block = Block::new()
        .borders(if area.x > 0 { Borders::TOP | Borders::LEFT } else { Borders::TOP })
        .border_style(border)
        .title(Span::styled(
            model::truncate(&title, area.width.saturating_sub(2) as usize),
            Style::default().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(p) = preview else { return };
    let lines: Vec<Line> = model::preview_lines(&p.text, inner.width as usize, inner.height as usize)
        .into_iter()
        .map(Line::from)
        .collect();
    let body = if lines.is_empty() {
        vec![Line::styled("(no output yet)", Style::default().add_modifier(Modifier::DIM))]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body), inner);
}

fn draw_bottom(frame: &mut Frame, area: Rect, bottom: Option<&Bottom>, color: bool) {
    let width = area.width as usize;
    let line = match bottom {
        None => Line::default(),
        Some(Bottom::Message { text, error }) => {
            let style = match (error, color) {
                (true, true) => Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
                (true, false) => Style::default().add_modifier(Modifier::BOLD),
                _ => Style::default(),
            };
            Line::styled(model::truncate(&screen_line(text), width), style)
        }
        Some(Bottom::Question(q)) => {
            Line::styled(model::truncate(&screen_line(q), width), Style::default().add_modifier(Modifier::BOLD))
        }
        Some(Bottom::Prompt { label, text }) => {
            let label = format!("{label}: ");
            // Show the end of a long text, where the cursor is.
            let room = width.saturating_sub(label.width() + 1);
            let shown = tail_to_width(&screen_line(text), room);
            let x = area.x + (label.width() + shown.width()).min(width.saturating_sub(1)) as u16;
            frame.set_cursor_position(Position { x, y: area.y });
            Line::from(vec![Span::styled(label, Style::default().add_modifier(Modifier::BOLD)), Span::raw(shown)])
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The end of `s` that fits in `width` columns.
fn tail_to_width(s: &str, width: usize) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.into_iter().rev().collect()
}

const KEYS: [(&str, &str); 12] = [
    ("↑↓", "select"),
    ("⏎", "attach"),
    ("y/n", "answer"),
    ("r", "review"),
    ("e", "explain"),
    ("a", "approve"),
    ("x", "reject"),
    ("s", "send"),
    ("d", "diff"),
    ("K", "stop"),
    ("/", "filter"),
    ("q", "quit"),
];

fn draw_keys(frame: &mut Frame, area: Rect) {
    let width = area.width as usize;
    // Two spaces between keys when they fit, one when not, the first ones dropped past that.
    let total = |gap: usize, from: usize| {
        KEYS[from..].iter().map(|(k, w)| k.width() + 1 + w.len()).sum::<usize>() + gap * (KEYS.len() - from - 1)
    };
    let (gap, from) = if total(2, 0) <= width {
        (2, 0)
    } else if total(1, 0) <= width {
        (1, 0)
    } else {
        (1, (0..KEYS.len()).find(|&f| total(1, f) <= width).unwrap_or(KEYS.len() - 1))
    };
    let mut spans = Vec::new();
    for (i, (key, what)) in KEYS[from..].iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(*key, Style::default().add_modifier(Modifier::BOLD)));
        spans.push(Span::styled(format!(" {what}"), Style::default().add_modifier(Modifier::DIM)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_overlay(frame: &mut Frame, area: Rect, overlay: &mut Overlay) {
    let margin = if area.width >= 100 { 2 } else { 0 };
    let rect = Rect {
        x: area.x + margin,
        y: area.y + if area.height >= 30 { 1 } else { 0 },
        width: area.width.saturating_sub(margin * 2),
        height: area.height.saturating_sub(if area.height >= 30 { 2 } else { 0 }),
    };
    frame.render_widget(Clear, rect);
    let inner_w = rect.width.saturating_sub(2) as usize;
    let inner_h = rect.height.saturating_sub(2) as usize;
    let total = overlay.lines(inner_w).len();
    overlay.scroll = overlay.scroll.min(total.saturating_sub(inner_h));
    let scroll = overlay.scroll;
    let footer = format!(
        " {}-{} of {} · j/k PgUp/PgDn scroll · q close ",
        (scroll + 1).min(total),
        (scroll + inner_h).min(total),
        total
    );
    let block = Block::bordered()
        .title(Span::styled(
            model::truncate(&format!(" {} ", screen_line(&overlay.title)), inner_w),
            Style::default().add_modifier(Modifier::BOLD),
        ))
        .title_bottom(model::truncate(&footer, inner_w));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let lines: Vec<Line> =
        overlay.lines(inner_w).iter().skip(scroll).take(inner_h).map(|l| Line::from(l.clone())).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// How far one page scrolls the overlay in a terminal of `height` rows.
pub fn overlay_page(height: u16) -> usize {
    (height.saturating_sub(if height >= 30 { 4 } else { 2 }) as usize).saturating_sub(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dash::model::Agent;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn screen(
        width: u16,
        height: u16,
        model: &Model,
        preview: Option<&PreviewText>,
        overlay: Option<&mut Overlay>,
    ) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let mut offset = 0;
        terminal
            .draw(|f| {
                draw(
                    f,
                    View {
                        model,
                        now: Utc::now(),
                        color: false,
                        preview,
                        bottom: None,
                        hint: None,
                        busy: None,
                        overlay,
                        offset: &mut offset,
                    },
                )
            })
            .unwrap();
        let buf = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..height {
            let mut line = String::new();
            let mut x = 0;
            while x < width {
                let symbol = buf[(x, y)].symbol();
                line.push_str(symbol);
                // The cell after a wide character is its right half.
                x += symbol.width().max(1) as u16;
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn agents(n: usize) -> Model {
        let now = Utc::now();
        let mut m = Model::default();
        m.set_agents(
            (0..n)
                .map(|i| Agent {
                    name: format!("cmd-agent{i:02}"),
                    task: format!("agent{i:02}"),
                    agent: "cmd".into(),
                    state: Some(if i == 3 { State::Waiting } else { State::Working }),
                    detail: if i == 3 { "approval".into() } else { String::new() },
                    state_at: Some(now - chrono::Duration::seconds(65)),
                    last_line: format!("line {i} 日本語 \x1b[31mred"),
                    alive: true,
                    ..Agent::default()
                })
                .collect(),
        );
        m
    }

    #[test]
    fn fits_80x24_with_the_preview_below() {
        let m = agents(30);
        let p = PreviewText {
            name: "cmd-agent03".into(),
            what: "screen",
            text: "prompt $ \x1b]0;title\x07".into(),
            lines: usize::MAX,
        };
        let s = screen(80, 24, &m, Some(&p), None);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 24);
        assert!(lines[0].contains("minder dash · 30 agents: 1 waiting, 29 working"), "{s}");
        assert!(lines[1].contains("AGENT") && lines[1].contains("STATE"), "{s}");
        assert!(lines[2].starts_with("? cmd-agent03  waiting 1m (approval)"), "{s}");
        assert!(s.contains("cmd-agent03 · screen"), "{s}");
        assert!(s.contains("prompt $ \\e]0;title\\a"), "{s}");
        assert!(s.contains("line 3 日本語 \\e[31mred"), "{s}");
        assert!(lines[23].contains("q quit"), "{s}");
        for l in &lines {
            assert!(l.width() <= 80, "{l}");
        }
    }

    #[test]
    fn wide_terminals_show_the_preview_beside() {
        let m = agents(5);
        let p = PreviewText {
            name: "cmd-agent03".into(),
            what: "screen",
            text: "hello from the pane".into(),
            lines: usize::MAX,
        };
        let s = screen(200, 50, &m, Some(&p), None);
        let row = s.lines().nth(2).unwrap();
        assert!(row.starts_with("? cmd-agent03") && row.contains("hello from the pane"), "{s}");
    }

    #[test]
    fn overlay_scrolls_and_clamps() {
        let m = agents(2);
        let text: String = (0..100).map(|i| format!("review line {i}\n")).collect();
        let mut o = Overlay::new("review cmd-agent00".into(), text);
        o.scroll = 1000;
        let s = screen(80, 24, &m, None, Some(&mut o));
        assert!(s.contains("review line 99") && !s.contains("review line 70\n"), "{s}");
        assert_eq!(o.scroll, 100 - 22);
        assert!(s.contains("79-100 of 100"), "{s}");
    }

    #[test]
    fn says_how_to_start_when_there_is_no_agent() {
        let s = screen(80, 24, &Model::default(), None, None);
        assert!(
            s.contains("minder dash · 0 agents")
                && s.contains("no agents yet: start one with `minder new NAME -- COMMAND`"),
            "{s}"
        );
        let mut m = agents(2);
        m.set_filter("nothing like it");
        let s = screen(80, 24, &m, None, None);
        assert!(s.contains("no agent matches `nothing like it` (Esc clears the filter)"), "{s}");
    }

    #[test]
    fn tiny_terminals_do_not_panic() {
        let m = agents(3);
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8), (0, 0)] {
            let _ = screen(w.max(1), h.max(1), &m, None, None);
        }
    }
}

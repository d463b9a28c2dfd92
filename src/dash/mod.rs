//! `minder dash`: the live view of every agent on this state dir. This loop owns the terminal
//! (`term`) and the keys; what is shown is `model`, how it is drawn `ui`, and everything it
//! asks of the rest of minder goes through `actions`. Actions that take time (stop, send,
//! approve, review) run on a worker thread, so the view stays live meanwhile.

pub mod actions;
pub mod model;
pub mod term;
pub mod ui;

use crate::app::Ctx;
use anyhow::Result;
use chrono::Utc;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use model::Model;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::Scope;
use std::time::{Duration, Instant};
use ui::{Bottom, Overlay};

/// How often the records are looked at (a directory read and a few stat calls per session).
const TICK: Duration = Duration::from_millis(250);

/// How the dash ended.
enum Outcome {
    Quit,
    /// Outside tmux: give the terminal back, then attach to this session.
    Attach(String),
}

/// What a worker thread is doing, and what it brings back.
enum Job {
    Review(String),
    Explain(String),
    Diff(String),
    Approve(String, Option<String>),
    Reject(String, String),
    Send(String, String),
    Answer(String, crate::ops::deliver::Answer),
    Stop(String),
}

impl Job {
    fn describe(&self) -> String {
        match self {
            Job::Review(n) => format!("reading the review of {n}…"),
            Job::Explain(n) => format!("explaining {n}…"),
            Job::Diff(n) => format!("reading the diff of {n}…"),
            Job::Approve(n, _) => format!("approving {n}…"),
            Job::Reject(n, _) => format!("rejecting {n}…"),
            Job::Send(n, _) => format!("sending to {n}…"),
            Job::Answer(n, _) => format!("answering {n}…"),
            Job::Stop(n) => format!("stopping {n}…"),
        }
    }

    fn run(self, ctx: &Ctx) -> Done {
        let result = match self {
            Job::Review(n) => return overlay(format!("review {n}"), actions::review_text(ctx, &n)),
            Job::Explain(n) => return overlay(format!("explain {n}"), actions::explain_text(ctx, &n)),
            Job::Diff(n) => {
                return overlay(
                    format!("diff {n}"),
                    actions::diff_text(ctx, &n).map(|t| {
                        if t.trim().is_empty() {
                            "no changes against the base".into()
                        } else {
                            t
                        }
                    }),
                )
            }
            Job::Approve(n, note) => actions::approve(ctx, &n, note).map(|_| format!("approved {n}")),
            Job::Reject(n, note) => actions::reject(ctx, &n, note).map(|_| format!("rejected {n}")),
            Job::Send(n, text) => actions::send(ctx, &n, text).map(|_| format!("sent to {n}")),
            Job::Answer(n, reply) => actions::answer(ctx, &n, &reply),
            Job::Stop(n) => actions::stop(ctx, &n).map(|_| format!("stopped {n}")),
        };
        match result {
            Ok(text) => Done::Message(text),
            Err(e) => Done::Error(format!("error: {}", crate::error::one_line(&e))),
        }
    }
}

fn overlay(title: String, text: Result<String>) -> Done {
    match text {
        Ok(text) => Done::Overlay(title, text),
        Err(e) => Done::Error(format!("error: {}", crate::error::one_line(&e))),
    }
}

enum Done {
    Message(String),
    Error(String),
    Overlay(String, String),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ask {
    Approve,
    Reject,
    Send,
    Filter,
}

enum Mode {
    Normal,
    Input { ask: Ask, target: String, text: String },
    ConfirmStop { target: String },
    Overlay(Overlay),
}

struct Status {
    text: String,
    error: bool,
}

struct App<'a> {
    ctx: &'a Ctx,
    data: actions::Data<'a>,
    model: Model,
    mode: Mode,
    status: Option<Status>,
    busy: Option<String>,
    /// A command's own words (captured from its stderr) arrived since the job started: they
    /// say more than the dash's summary, so they stay.
    heard_since_job: bool,
    jobs: (Sender<Done>, Receiver<Done>),
    offset: usize,
    dirty: bool,
    /// Inside tmux (`$TMUX`): Enter switches the client.
    inside_tmux: bool,
    /// Inside tmux but in no pane (a `display-popup`): the dash closes once it has switched.
    in_popup: bool,
}

/// Run the dash until the person quits (or attaches, outside tmux).
pub fn run(ctx: &Ctx) -> Result<()> {
    let mut term = term::Term::enter()?;
    let outcome = std::thread::scope(|scope| {
        let outcome = App::new(ctx).run(&mut term, scope);
        // Give the terminal back before waiting for a worker that is still busy.
        let _ = term.suspend();
        outcome
    });
    drop(term);
    match outcome? {
        Outcome::Quit => Ok(()),
        Outcome::Attach(name) => actions::attach(ctx, &name),
    }
}

impl<'a> App<'a> {
    fn new(ctx: &'a Ctx) -> App<'a> {
        let var = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
        App {
            ctx,
            data: actions::Data::new(ctx),
            model: Model::default(),
            mode: Mode::Normal,
            status: None,
            busy: None,
            heard_since_job: false,
            jobs: channel(),
            offset: 0,
            dirty: true,
            inside_tmux: var("TMUX"),
            in_popup: var("TMUX") && !var("TMUX_PANE"),
        }
    }

    fn run<'s>(&mut self, term: &mut term::Term, scope: &'s Scope<'s, 'a>) -> Result<Outcome> {
        let mut last_tick = Instant::now();
        self.data.refresh(last_tick);
        self.model.set_agents(self.data.agents());
        let mut drawn_second = -1;
        loop {
            let now = Instant::now();
            let second = Utc::now().timestamp();
            if self.dirty || second != drawn_second {
                self.draw(term)?;
                self.dirty = false;
                drawn_second = second;
                // Test builds only: lets the integration tests prove a panic gives the terminal back.
                #[cfg(debug_assertions)]
                if std::env::var_os("MINDER_DASH_TEST_PANIC").is_some() {
                    panic!("MINDER_DASH_TEST_PANIC is set");
                }
            }
            // Sleep until a key, the next tick, or the next second (the ages in the table).
            let to_second = Duration::from_millis(1000 - Utc::now().timestamp_subsec_millis().min(999) as u64);
            let mut timeout = TICK.saturating_sub(last_tick.elapsed()).min(to_second);
            if let Some(due) = self.data.preview_due_in(now) {
                timeout = timeout.min(due);
            }
            // Our own wait, not crossterm's: crossterm reads in a loop that never ends when a
            // read returns 0 (a terminal that hung up), so it is asked only when the terminal
            // is still there.
            if term::wait_for_input(timeout) == term::Input::Gone || term::quit_requested() {
                return Ok(Outcome::Quit);
            }
            // Keys, and a resize crossterm heard of, all that are ready.
            while event::poll(Duration::ZERO)? {
                if let Some(outcome) = self.on_event(event::read()?, term, scope)? {
                    return Ok(outcome);
                }
            }
            while let Ok(done) = self.jobs.1.try_recv() {
                self.finish(done);
            }
            while let Ok(line) = term.captured.try_recv() {
                let error = line.starts_with("error") || line.starts_with("warning");
                self.status = Some(Status { text: line, error });
                self.heard_since_job = true;
                self.dirty = true;
            }
            let now = Instant::now();
            if now.duration_since(last_tick) >= TICK {
                last_tick = now;
                if self.data.refresh(now) {
                    self.model.set_agents(self.data.agents());
                    self.dirty = true;
                }
            }
            let lines = ui::preview_lines(&ui::areas(term.terminal.get_frame().area(), self.model.len()));
            let selected = self.model.selected().map(|a| a.name.clone());
            if self.data.update_preview(selected.as_deref(), lines, now) {
                self.dirty = true;
            }
        }
    }

    fn draw(&mut self, term: &mut term::Term) -> Result<()> {
        let message = self.status.as_ref().map(|s| Bottom::Message { text: &s.text, error: s.error });
        let (bottom, hint, overlay) = match &mut self.mode {
            Mode::Input { ask, text, target } => {
                let hint = message.or(Some(Bottom::Message { text: "Enter: done · Esc: cancel", error: false }));
                (Some(Bottom::Prompt { label: prompt_label(*ask, target), text }), hint, None)
            }
            Mode::ConfirmStop { target } => {
                (Some(Bottom::Question(format!("stop {target}? y stops it, any other key cancels"))), None, None)
            }
            Mode::Overlay(o) => (message, None, Some(o)),
            Mode::Normal => (message, None, None),
        };
        let view = ui::View {
            model: &self.model,
            now: Utc::now(),
            color: self.ctx.color,
            preview: self.data.preview(),
            bottom,
            hint,
            busy: self.busy.as_deref(),
            overlay,
            offset: &mut self.offset,
        };
        term.terminal.draw(|f| ui::draw(f, view))?;
        Ok(())
    }

    fn message(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status { text: text.into(), error });
        self.dirty = true;
    }

    fn start<'s>(&mut self, job: Job, scope: &'s Scope<'s, 'a>) {
        if let Some(busy) = &self.busy {
            let text = format!("busy: {busy} (wait for it to finish)");
            self.message(text, true);
            return;
        }
        self.busy = Some(job.describe());
        self.status = None;
        self.heard_since_job = false;
        self.dirty = true;
        let tx = self.jobs.0.clone();
        let ctx = self.ctx;
        scope.spawn(move || {
            let _ = tx.send(job.run(ctx));
        });
    }

    fn finish(&mut self, done: Done) {
        self.busy = None;
        self.dirty = true;
        match done {
            Done::Message(text) => {
                // The command's own note (captured from stderr) says more; when it comes after
                // this, it replaces it.
                if !self.heard_since_job {
                    self.message(text, false);
                }
                if self.data.refresh(Instant::now()) {
                    self.model.set_agents(self.data.agents());
                }
            }
            Done::Error(text) => self.message(text, true),
            Done::Overlay(title, text) => {
                if matches!(self.mode, Mode::Normal) {
                    self.mode = Mode::Overlay(Overlay::new(title, text));
                }
            }
        }
    }

    fn on_event<'s>(&mut self, ev: Event, term: &mut term::Term, scope: &'s Scope<'s, 'a>) -> Result<Option<Outcome>> {
        match ev {
            Event::Resize(..) => {
                self.dirty = true;
                Ok(None)
            }
            Event::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key, term, scope),
            _ => Ok(None),
        }
    }

    fn on_key<'s>(
        &mut self,
        key: KeyEvent,
        term: &mut term::Term,
        scope: &'s Scope<'s, 'a>,
    ) -> Result<Option<Outcome>> {
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return Ok(Some(Outcome::Quit));
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.on_normal_key(key, term, scope),
            Mode::Overlay(mut o) => {
                let page = ui::overlay_page(term.terminal.get_frame().area().height);
                match key.code {
                    KeyCode::Char('q') | KeyCode::Esc => return Ok(None),
                    KeyCode::Down | KeyCode::Char('j') | KeyCode::Enter => o.scroll += 1,
                    KeyCode::Up | KeyCode::Char('k') => o.scroll = o.scroll.saturating_sub(1),
                    KeyCode::PageDown | KeyCode::Char(' ') | KeyCode::Char('f') => o.scroll += page,
                    KeyCode::PageUp | KeyCode::Char('b') => o.scroll = o.scroll.saturating_sub(page),
                    KeyCode::Home | KeyCode::Char('g') => o.scroll = 0,
                    // Clamped to the last page when drawn.
                    KeyCode::End | KeyCode::Char('G') => o.scroll = usize::MAX / 2,
                    _ => {}
                }
                self.mode = Mode::Overlay(o);
                Ok(None)
            }
            Mode::ConfirmStop { target } => {
                if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    self.start(Job::Stop(target), scope);
                } else {
                    self.message(format!("not stopped: {target}"), false);
                }
                Ok(None)
            }
            Mode::Input { ask, target, mut text } => {
                match key.code {
                    KeyCode::Esc => {
                        if ask == Ask::Filter {
                            self.model.set_filter("");
                        } else {
                            self.message("cancelled", false);
                        }
                        return Ok(None);
                    }
                    KeyCode::Enter => return Ok(self.submit(ask, target, text, scope)),
                    KeyCode::Backspace => {
                        text.pop();
                        self.status = None;
                    }
                    KeyCode::Char('u') if ctrl => text.clear(),
                    KeyCode::Char('w') if ctrl => {
                        let trimmed = text.trim_end().len();
                        text.truncate(text[..trimmed].rfind(' ').map(|i| i + 1).unwrap_or(0));
                    }
                    KeyCode::Char(c) if !ctrl => {
                        text.push(c);
                        self.status = None;
                    }
                    _ => {}
                }
                if ask == Ask::Filter {
                    self.model.set_filter(&text);
                }
                self.mode = Mode::Input { ask, target, text };
                Ok(None)
            }
        }
    }

    fn submit<'s>(&mut self, ask: Ask, target: String, text: String, scope: &'s Scope<'s, 'a>) -> Option<Outcome> {
        match ask {
            Ask::Filter => {}
            Ask::Approve => {
                let note = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                self.start(Job::Approve(target, note), scope);
            }
            Ask::Reject if text.trim().is_empty() => {
                self.message("a rejection needs a note for the agent (Esc cancels)", true);
                self.mode = Mode::Input { ask, target, text };
            }
            Ask::Reject => self.start(Job::Reject(target, text), scope),
            Ask::Send if text.is_empty() => self.message("nothing sent", false),
            Ask::Send => self.start(Job::Send(target, text), scope),
        }
        None
    }

    fn on_normal_key<'s>(
        &mut self,
        key: KeyEvent,
        term: &mut term::Term,
        scope: &'s Scope<'s, 'a>,
    ) -> Result<Option<Outcome>> {
        let list_page =
            ui::areas(term.terminal.get_frame().area(), self.model.len()).list.height.saturating_sub(2).max(1) as isize;
        let selected = self.model.selected().cloned();
        let name = selected.as_ref().map(|a| a.name.clone());
        match key.code {
            KeyCode::Char('q') => return Ok(Some(Outcome::Quit)),
            KeyCode::Esc if !self.model.filter().is_empty() => self.model.set_filter(""),
            KeyCode::Esc => return Ok(Some(Outcome::Quit)),
            KeyCode::Up | KeyCode::Char('k') => self.model.move_by(-1),
            KeyCode::Down | KeyCode::Char('j') => self.model.move_by(1),
            KeyCode::PageUp => self.model.move_by(-list_page),
            KeyCode::PageDown => self.model.move_by(list_page),
            KeyCode::Home | KeyCode::Char('g') => self.model.select_first(),
            KeyCode::End | KeyCode::Char('G') => self.model.select_last(),
            KeyCode::Char('/') => {
                self.status = None;
                self.mode =
                    Mode::Input { ask: Ask::Filter, target: String::new(), text: self.model.filter().to_string() };
            }
            _ => {
                let Some(agent) = selected else {
                    if matches!(
                        key.code,
                        KeyCode::Enter | KeyCode::Char('r' | 'e' | 'a' | 'x' | 's' | 'd' | 'K' | 'y' | 'n')
                    ) {
                        self.message("no agent selected", true);
                    }
                    return Ok(None);
                };
                let name = name.unwrap_or_default();
                match key.code {
                    KeyCode::Enter => return self.attach(&agent, term),
                    KeyCode::Char('r') => self.start(Job::Review(name), scope),
                    KeyCode::Char('e') => self.start(Job::Explain(name), scope),
                    KeyCode::Char('d') => self.start(Job::Diff(name), scope),
                    // `y`/`n` answer the question the agent asks; `a` decides on finished work,
                    // and a question is never approved away (ops::decision refuses it too).
                    KeyCode::Char('y') => self.start(Job::Answer(name, crate::ops::deliver::Answer::Yes), scope),
                    KeyCode::Char('n') => self.start(Job::Answer(name, crate::ops::deliver::Answer::No), scope),
                    KeyCode::Char('a') if agent.asking() => self.message(
                        format!("{name} is asking a question: answer it with y or n (a approves finished work)"),
                        true,
                    ),
                    KeyCode::Char('a') => self.ask(Ask::Approve, name),
                    KeyCode::Char('x') => self.ask(Ask::Reject, name),
                    KeyCode::Char('s') if !agent.alive => {
                        self.message(format!("{name} has ended: nothing to send to"), true)
                    }
                    KeyCode::Char('s') => self.ask(Ask::Send, name),
                    KeyCode::Char('K') => self.mode = Mode::ConfirmStop { target: name },
                    _ => {}
                }
            }
        }
        Ok(None)
    }

    fn ask(&mut self, ask: Ask, target: String) {
        self.status = None;
        self.mode = Mode::Input { ask, target, text: String::new() };
    }

    /// Enter: inside tmux switch the client (through `minder attach`'s own code, with the
    /// terminal handed back meanwhile in case it must start a client); outside, end the dash and
    /// attach.
    fn attach(&mut self, agent: &model::Agent, term: &mut term::Term) -> Result<Option<Outcome>> {
        if !agent.alive {
            self.message(
                format!("{} has ended: nothing to attach to (r review, or read its log in the preview)", agent.name),
                true,
            );
            return Ok(None);
        }
        if !self.inside_tmux {
            return Ok(Some(Outcome::Attach(agent.name.clone())));
        }
        term.suspend()?;
        let result = actions::attach(self.ctx, &agent.name);
        term.resume()?;
        self.dirty = true;
        match result {
            Ok(()) if self.in_popup => Ok(Some(Outcome::Quit)),
            Ok(()) => {
                self.message(format!("switched to {} (come back to this window for the dash)", agent.name), false);
                Ok(None)
            }
            Err(e) => {
                self.message(format!("error: {}", crate::error::one_line(&e)), true);
                Ok(None)
            }
        }
    }
}

fn prompt_label(ask: Ask, target: &str) -> String {
    match ask {
        Ask::Approve => format!("approve {target}: note (optional, Enter to approve)"),
        Ask::Reject => format!("reject {target}: note for the agent (required)"),
        Ask::Send => format!("send to {target}"),
        Ask::Filter => "filter".to_string(),
    }
}

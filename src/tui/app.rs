//! The TUI's one state value and the one place it changes. Handlers take an [`Action`], change
//! state and queue [`Effect`]s (saving, opening a session) for the event loop to carry out; they
//! do no I/O themselves, so the whole interview can be driven in tests.

use crossterm::event::KeyEvent;

use crate::assessment::{Assessment, Value};
use crate::checklist::Checklist;
use crate::store::SessionInfo;

use super::editor::LineEditor;
use super::finish::{self, Finish, Secret};
use super::interview::{Ctx, Outcome};
pub use super::interview::{Edit, Field, Filter, Focus, Interview, Row, Search};
use super::probes::{Asked, PasswordField, Probes};
use super::site::{self, SiteView};
use crate::probe::plan::Task;
use crate::probe::run::Event as ProbeEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

/// The picker: open a saved assessment or start a new one.
#[derive(Debug, Clone, PartialEq)]
pub enum Picker {
    Sessions {
        cursor: usize,
    },
    Checklists {
        cursor: usize,
    },
    Name {
        checklist: usize,
        editor: LineEditor,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Picker,
    Interview,
    Probes,
    Site,
    /// Findings, blockers, sign and export.
    Finish,
}

/// Work the event loop carries out after an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Save,
    /// Run these tasks of the probes view, reporting as `Action::Probe` events.
    RunProbes(Vec<(usize, Task)>),
    /// Stop the run in progress.
    CancelProbes,
    /// Re-read the list of saved sessions for the picker.
    RefreshSessions,
    Open(String),
    Create {
        name: String,
        checklist: usize,
    },
    /// Build, sign or export the report from the finish screen.
    Finish(finish::Job),
}

/// Lines a page key scrolls the probes view's results by.
const PAGE_LINES: u16 = 10;

#[derive(Debug, Clone)]
pub enum Action {
    Quit,
    ToggleHelp,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Enter: open, start answering, or commit.
    Select,
    /// Esc: cancel or go back.
    Back,
    Quick(Value),
    NotApplicable,
    EditNote,
    Clear,
    Undo,
    CycleFilter,
    StartSearch,
    NextSection,
    PrevSection,
    OpenPicker,
    /// Space: toggle an option of a multi choice.
    Toggle,
    AddRow,
    DeleteRow,
    /// A key for the active text editor.
    Type(KeyEvent),
    /// `p`: the probes view.
    ShowProbes,
    /// `r` in the probes view: run every task.
    RunAll,
    /// `c`: stop the run.
    Cancel,
    /// `v`: the next vantage (role) of the site.
    CycleVantage,
    /// `a`: take the answer the probes suggest for the item.
    AcceptSuggestion,
    /// Progress of a probe run.
    Probe(ProbeEvent),
    /// Time passing while something moves on screen (a run's spinner).
    Tick,
    /// `S`: the site view, and back.
    ShowSite,
    /// `1`–`7` in the site view: that table.
    SiteTab(usize),
    /// `n` in the site view: edit the site's name.
    EditSiteName,
    /// `F`: the finish screen, and back.
    ShowFinish,
    /// `1`–`4`, `K`, `O` on the finish screen.
    Finish(finish::Command),
}

/// Why the session on screen is not all on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsaved {
    /// When the first save that failed was tried (`HH:MM:SS`).
    pub since: String,
    /// Saves tried and failed since then.
    pub tries: u32,
    /// The last failure, in words.
    pub why: String,
}

pub struct App {
    pub library: Vec<Checklist>,
    pub sessions: Vec<SessionInfo>,
    pub screen: Screen,
    pub picker: Picker,
    pub interview: Option<Interview>,
    pub notice: Option<Notice>,
    pub help: bool,
    /// How far the help overlay is scrolled (it is taller than a small terminal).
    pub help_scroll: u16,
    pub quit: bool,
    pub user: String,
    pub effects: Vec<Effect>,
    /// Drafts changed since the last save; the loop saves them after a short pause.
    pub drafts_dirty: bool,
    /// Changes on screen that are not on disk yet because a save failed (a full disk, a
    /// read-only data directory): drawn in the title bar until a later try succeeds.
    pub unsaved: Option<Unsaved>,
    /// Why the session on screen was opened read-only (its lock could not be made: a full
    /// disk, a read-only data directory). Changes are kept on screen and saved once it can be
    /// written.
    pub read_only: Option<String>,
    /// The name asked for with `--session` when no such session exists yet.
    pub new_name: Option<String>,
    pub probes: Probes,
    pub site: SiteView,
    /// This machine's name, recorded with its probe results.
    pub host: String,
    pub finish: Finish,
}

impl App {
    #[must_use]
    pub fn new(library: Vec<Checklist>, sessions: Vec<SessionInfo>, user: &str) -> Self {
        Self {
            library,
            sessions,
            screen: Screen::Picker,
            picker: Picker::Sessions { cursor: 0 },
            interview: None,
            notice: None,
            help: false,
            help_scroll: 0,
            quit: false,
            user: user.to_owned(),
            effects: Vec::new(),
            drafts_dirty: false,
            unsaved: None,
            read_only: None,
            new_name: None,
            probes: Probes::default(),
            site: SiteView::default(),
            host: "unknown".to_owned(),
            finish: Finish::default(),
        }
    }

    /// Shows an assessment (already loaded and locked by the caller).
    ///
    /// # Errors
    /// When the assessment's checklist is not installed.
    pub fn open(&mut self, assessment: Assessment) -> Result<(), String> {
        let checklist = self
            .library
            .iter()
            .position(|c| c.id == assessment.checklist.id)
            .ok_or_else(|| {
                format!(
                    "session `{}` uses checklist `{}`, which is not installed",
                    assessment.name, assessment.checklist.id
                )
            })?;
        let c = &self.library[checklist];
        self.notice = (c.content_hash != assessment.checklist.hash).then(|| Notice {
            level: Level::Warn,
            text: format!(
                "checklist {} changed since this session began (was {}, now {}): answers are kept by item id",
                c.id, assessment.checklist.version, c.version
            ),
        });
        self.interview = Some(Interview::new(checklist, assessment, c));
        // Rows deleted from another session's site are not this one's to put back.
        self.site = SiteView::default();
        self.finish.reset();
        self.screen = Screen::Interview;
        self.help = false;
        Ok(())
    }

    #[must_use]
    pub fn current(&self) -> Option<(&Checklist, &Interview)> {
        self.interview
            .as_ref()
            .map(|iv| (&self.library[iv.checklist], iv))
    }

    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
    }

    pub fn update(&mut self, action: Action, now: &str) {
        if matches!(action, Action::ToggleHelp) {
            self.help = !self.help;
            self.help_scroll = 0;
            return;
        }
        if self.help {
            // Arrows scroll the overlay; any other key closes it.
            match action {
                Action::Down => self.help_scroll = self.help_scroll.saturating_add(1),
                Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                Action::PageDown => self.help_scroll = self.help_scroll.saturating_add(10),
                Action::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                _ => self.help = false,
            }
            return;
        }
        match action {
            Action::Probe(event) => return self.on_probe_event(event, now),
            Action::Tick => {
                self.probes.frame = self.probes.frame.wrapping_add(1);
                return;
            }
            _ => {}
        }
        match self.screen {
            Screen::Picker => self.update_picker(action),
            Screen::Interview => self.update_interview(action, now),
            Screen::Probes => self.update_probes(&action),
            Screen::Site => site::update(self, &action, now),
            Screen::Finish => finish::update(self, &action),
        }
    }

    /// Whether the keyboard is in a text field (so letters are text, not commands).
    #[must_use]
    pub fn typing(&self) -> bool {
        match self.screen {
            Screen::Picker => matches!(self.picker, Picker::Name { .. }),
            Screen::Probes => self.probes.asking.is_some(),
            Screen::Site => self.site.form.is_some(),
            Screen::Finish => self.finish.typing(),
            Screen::Interview => self.interview.as_ref().is_some_and(|iv| {
                iv.search.as_ref().is_some_and(|s| s.typing)
                    || matches!(
                        iv.edit,
                        Some(Edit::Line { .. } | Edit::Table { cell: Some(_), .. })
                    )
            }),
        }
    }

    /// Whether a structured editor (choice, multi, table) has the keyboard.
    #[must_use]
    pub fn editing(&self) -> Option<&Edit> {
        self.interview.as_ref().and_then(|iv| iv.edit.as_ref())
    }

    fn on_probe_event(&mut self, event: ProbeEvent, now: &str) {
        let Some(iv) = self.interview.as_mut() else {
            return;
        };
        if self
            .probes
            .apply(event, &mut iv.assessment, &self.host, now)
        {
            self.effects.push(Effect::Save);
        }
    }

    pub(super) fn show_probes(&mut self) {
        if let Some(iv) = &self.interview {
            let stale = self.probes.tasks.is_empty()
                || self.probes.planned.as_ref() != Some(&iv.assessment.site);
            // A run in progress keeps its tasks; the next visit after it plans again.
            if stale && !self.probes.running {
                self.probes.replan(&iv.assessment);
            }
            self.screen = Screen::Probes;
        }
    }

    fn update_probes(&mut self, action: &Action) {
        if self.probes.asking.is_some() {
            self.on_password(action);
            return;
        }
        let Some(iv) = &self.interview else {
            return;
        };
        let p = &mut self.probes;
        let n = p.tasks.len();
        match action {
            Action::Quit => {
                self.quit = true;
                if p.running {
                    self.effects.push(Effect::CancelProbes);
                }
            }
            Action::Up => {
                p.cursor = p.cursor.saturating_sub(1);
                p.detail_scroll = 0;
            }
            Action::Down => {
                p.cursor = (p.cursor + 1).min(n.saturating_sub(1));
                p.detail_scroll = 0;
            }
            Action::Top => {
                p.cursor = 0;
                p.detail_scroll = 0;
            }
            Action::Bottom => {
                p.cursor = n.saturating_sub(1);
                p.detail_scroll = 0;
            }
            // The evidence of a SQL or TLS probe is longer than any pane: pages scroll it.
            Action::PageUp => p.detail_scroll = p.detail_scroll.saturating_sub(PAGE_LINES),
            Action::PageDown => p.detail_scroll = p.detail_scroll.saturating_add(PAGE_LINES),
            Action::Select | Action::RunAll if p.running => {
                self.say(Level::Info, "a run is in progress: c stops it");
            }
            Action::Select | Action::RunAll if n > 0 => {
                let which: Vec<usize> = if matches!(action, Action::Select) {
                    vec![p.cursor]
                } else {
                    (0..n).collect()
                };
                self.ask_or_run(which);
            }
            Action::Cancel | Action::Back if p.running => {
                self.effects.push(Effect::CancelProbes);
            }
            Action::CycleVantage if !p.running => p.cycle_vantage(&iv.assessment),
            Action::ShowSite => site::open(self, Screen::Probes),
            Action::Back | Action::ShowProbes => self.screen = Screen::Interview,
            _ => {}
        }
    }

    /// Runs the tasks, first asking (masked) for a password they need that nobody has given.
    fn ask_or_run(&mut self, which: Vec<usize>) {
        let Some(asked) = self.probes.needs_password(&which) else {
            let tasks = self.probes.queue(&which);
            self.effects.push(Effect::RunProbes(tasks));
            return;
        };
        let words = match asked {
            Asked::Sql => format!(
                "password for SQL login {}: kept in memory only (Enter runs, Esc runs without SQL)",
                self.probes.sql_login()
            ),
            Asked::Pfx => {
                "password for the site's PFX files: kept in memory only (Enter runs, Esc \
                           reads them without it)"
                    .to_owned()
            }
        };
        self.probes.asking = Some(PasswordField {
            asked,
            editor: LineEditor::new(""),
            tasks: which,
        });
        self.say(Level::Info, words);
    }

    /// The masked password field: typed, then the next password is asked or the waiting tasks
    /// run. Esc leaves out the SQL tasks (nothing to log in with); the PFX files are still read,
    /// and their rules say they could not tell.
    fn on_password(&mut self, action: &Action) {
        let Some(PasswordField {
            asked,
            mut editor,
            tasks: which,
        }) = self.probes.asking.take()
        else {
            return;
        };
        match action {
            Action::Type(key) => {
                editor.handle(*key);
                self.probes.asking = Some(PasswordField {
                    asked,
                    editor,
                    tasks: which,
                });
            }
            Action::Select => {
                let secret = Some(Secret::new(editor.text().to_owned()));
                match asked {
                    Asked::Sql => self.probes.sql_password = secret,
                    Asked::Pfx => self.probes.pfx_password = secret,
                }
                self.notice = None;
                self.ask_or_run(which);
            }
            Action::Back | Action::Cancel => match asked {
                Asked::Sql => {
                    let rest: Vec<usize> = which
                        .into_iter()
                        .filter(|&i| !matches!(self.probes.tasks.get(i), Some(Task::Sql { .. })))
                        .collect();
                    self.say(Level::Info, "SQL Server not probed: no password given");
                    if !rest.is_empty() {
                        self.ask_or_run(rest);
                    }
                }
                Asked::Pfx => {
                    self.say(
                        Level::Info,
                        "PFX files read without their password: their rules cannot tell",
                    );
                    let tasks = self.probes.queue(&which);
                    self.effects.push(Effect::RunProbes(tasks));
                }
            },
            _ => {
                self.probes.asking = Some(PasswordField {
                    asked,
                    editor,
                    tasks: which,
                });
            }
        }
    }

    pub(super) fn flush_drafts(&mut self) {
        if self.drafts_dirty {
            self.effects.push(Effect::Save);
            self.drafts_dirty = false;
        }
    }

    fn update_picker(&mut self, action: Action) {
        let sessions = self.sessions.len();
        let checklists = self.library.len();
        match (&mut self.picker, action) {
            (_, Action::Quit) => self.quit = true,
            // Row 0 is "new assessment", then the saved sessions.
            (Picker::Sessions { cursor } | Picker::Checklists { cursor }, Action::Up) => {
                *cursor = cursor.saturating_sub(1);
            }
            (Picker::Sessions { cursor }, Action::Down) => *cursor = (*cursor + 1).min(sessions),
            (Picker::Sessions { cursor: 0 }, Action::Select) => {
                self.picker = Picker::Checklists { cursor: 0 };
            }
            (Picker::Sessions { cursor }, Action::Select) => {
                let name = self.sessions[*cursor - 1].name.clone();
                self.effects.push(Effect::Open(name));
            }
            (Picker::Sessions { .. }, Action::Back) if self.interview.is_some() => {
                self.screen = Screen::Interview;
            }
            (Picker::Checklists { cursor }, Action::Down) => {
                *cursor = (*cursor + 1).min(checklists.saturating_sub(1));
            }
            (Picker::Checklists { cursor }, Action::Select) if checklists > 0 => {
                let checklist = *cursor;
                let base = self
                    .new_name
                    .clone()
                    .unwrap_or_else(|| self.library[checklist].id.clone());
                let mut name = base.clone();
                let mut n = 2;
                while self.sessions.iter().any(|s| s.name == name) {
                    name = format!("{base}-{n}");
                    n += 1;
                }
                self.picker = Picker::Name {
                    checklist,
                    editor: LineEditor::new(&name),
                };
            }
            (Picker::Checklists { .. }, Action::Back) => {
                self.picker = Picker::Sessions { cursor: 0 };
            }
            (Picker::Name { editor, .. }, Action::Type(key)) => {
                editor.handle(key);
            }
            (Picker::Name { checklist, editor }, Action::Select) => {
                let name = editor.text().trim().to_owned();
                if self.sessions.iter().any(|s| s.name == name) {
                    self.say(
                        Level::Warn,
                        format!("a session named `{name}` already exists"),
                    );
                } else {
                    let checklist = *checklist;
                    self.effects.push(Effect::Create { name, checklist });
                }
            }
            (Picker::Name { checklist, .. }, Action::Back) => {
                self.picker = Picker::Checklists { cursor: *checklist };
            }
            _ => {}
        }
    }

    fn update_interview(&mut self, action: Action, now: &str) {
        let user = self.user.clone();
        let Some(iv) = self.interview.as_mut() else {
            return;
        };
        let checklist = &self.library[iv.checklist];
        let ctx = Ctx {
            checklist,
            user: &user,
            now,
        };
        if matches!(action, Action::ShowFinish) && iv.edit.is_none() {
            return finish::open(self);
        }
        let out = if iv.search.as_ref().is_some_and(|s| s.typing) {
            iv.on_search(&action)
        } else if iv.edit.is_some() {
            iv.on_edit(action, &ctx)
        } else {
            iv.on_browse(action, &ctx)
        };
        match out {
            Outcome::None => {}
            Outcome::Saved => {
                self.effects.push(Effect::Save);
                self.drafts_dirty = false;
            }
            Outcome::Draft => self.drafts_dirty = true,
            Outcome::Say(level, text) => self.say(level, text),
            Outcome::Quit => {
                self.flush_drafts();
                self.quit = true;
            }
            Outcome::Probes => self.show_probes(),
            Outcome::Site => site::open(self, Screen::Interview),
            Outcome::Picker => {
                // Another session may be opened from the picker: drafts of this one go first.
                self.flush_drafts();
                self.effects.push(Effect::RefreshSessions);
                self.screen = Screen::Picker;
                self.picker = Picker::Sessions { cursor: 0 };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Response;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn app() -> App {
        crate::tui::test_app()
    }

    fn typed(c: char) -> Action {
        Action::Type(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn drafts_are_saved_before_the_picker_can_open_another_session() {
        let mut app = app();
        app.update(Action::Down, "t1");
        app.update(Action::Select, "t1");
        app.update(typed('h'), "t1");
        assert!(app.drafts_dirty);
        app.update(Action::Back, "t1");
        app.effects.clear();
        app.update(Action::OpenPicker, "t1");
        assert_eq!(app.effects, [Effect::Save, Effect::RefreshSessions]);
        assert!(!app.drafts_dirty);
        assert_eq!(app.screen, Screen::Picker);
    }

    #[test]
    fn undo_puts_back_the_answer_a_clear_removed() {
        let mut app = app();
        app.update(Action::Down, "t1");
        app.update(Action::Down, "t1");
        let id = app
            .current()
            .and_then(|(c, iv)| iv.selected(c))
            .map(|i| i.id.clone())
            .expect("item");
        app.update(Action::Quick(Value::Yes), "t1");
        app.update(Action::Up, "t1");
        app.update(Action::Clear, "t2");
        let response = |app: &App| {
            app.current()
                .and_then(|(_, iv)| iv.assessment.response(&id).cloned())
        };
        assert_eq!(response(&app), None);
        app.update(Action::Undo, "t3");
        assert_eq!(response(&app), Some(Response::Value(Value::Yes)));
    }
}

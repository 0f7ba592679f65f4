//! The site view's state: which table is shown, the cursor in each, the row form open over it
//! and the rows deleted (so `u` puts them back). [`update`] changes the assessment's site and
//! queues its saving; what is typed in a form is kept as a draft (`site#ports#3`, `site#hosts#new`,
//! `site#name`) until it is saved, so nothing typed is lost. Drawing is `views/site.rs`.

use std::collections::BTreeMap;

use super::app::{Action, App, Effect, Level, Screen};
use super::editor::LineEditor;
use crate::assessment::Assessment;
use crate::site::table::{Field, FieldError, Row, Table};

const NAME_FIELDS: &[Field] = &[Field {
    name: "site",
    hint: "the site's name, as reports will show it",
}];

/// What a form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The site's name.
    Name,
    /// Row `index` of a table, or a new row.
    Row { table: Table, index: Option<usize> },
}

impl Target {
    /// The key of the form's draft in `assessment.drafts`; rows by their number as shown.
    pub fn draft_key(self) -> String {
        match self {
            Target::Name => "site#name".to_owned(),
            Target::Row { table, index } => row_key(table, index),
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Target::Name => NAME_FIELDS,
            Target::Row { table, .. } => table.fields(),
        }
    }

    /// What the target holds now, as text (a new row: the defaults).
    fn texts(self, a: &Assessment) -> Vec<String> {
        match self {
            Target::Name => vec![a.site.name.clone()],
            Target::Row { table, index } => index
                .and_then(|i| table.row(&a.site, i))
                .map_or_else(|| vec![String::new(); table.fields().len()], |r| r.texts()),
        }
    }
}

fn row_key(table: Table, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("site#{}#{}", table.key(), i + 1),
        None => format!("site#{}#new", table.key()),
    }
}

/// A row (or the site's name) being typed: one editor per field.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub target: Target,
    pub editors: Vec<LineEditor>,
    pub focus: usize,
    /// Why the last Enter did not save.
    pub error: Option<FieldError>,
}

impl Form {
    fn texts(&self) -> Vec<String> {
        self.editors.iter().map(|e| e.text().to_owned()).collect()
    }
}

/// A row taken out, with the draft it had.
#[derive(Debug, Clone)]
struct Deleted {
    row: Row,
    index: usize,
    draft: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SiteView {
    /// The table shown, an index into [`Table::ALL`].
    pub tab: usize,
    cursors: [usize; Table::ALL.len()],
    pub form: Option<Form>,
    /// The screen `Esc` goes back to.
    pub back: Screen,
    /// Deleted rows, the last one last.
    deleted: Vec<Deleted>,
}

impl Default for SiteView {
    fn default() -> Self {
        Self {
            tab: 0,
            cursors: [0; Table::ALL.len()],
            form: None,
            back: Screen::Interview,
            deleted: Vec::new(),
        }
    }
}

enum Outcome {
    None,
    /// The site changed (or a draft went): save now, and say so.
    Saved(String),
    /// Only drafts changed: save them soon.
    Draft,
    Say(Level, String),
    Back,
    Quit,
    Probes,
}

/// Shows the site view; `Esc` comes back to `from`.
pub(super) fn open(app: &mut App, from: Screen) {
    if app.interview.is_some() {
        app.site.back = from;
        app.screen = Screen::Site;
    }
}

/// Applies an action to the site view.
pub(super) fn update(app: &mut App, action: &Action, now: &str) {
    let Some(iv) = app.interview.as_mut() else {
        return;
    };
    let a = &mut iv.assessment;
    let out = if app.site.form.is_some() {
        app.site.on_form(action, a, now)
    } else {
        app.site.on_browse(action, a, now)
    };
    match out {
        Outcome::None => {}
        Outcome::Saved(text) => {
            app.effects.push(Effect::Save);
            app.drafts_dirty = false;
            if !text.is_empty() {
                app.say(Level::Info, text);
            }
        }
        Outcome::Draft => app.drafts_dirty = true,
        Outcome::Say(level, text) => app.say(level, text),
        // The probes plan again if the site changed while it was shown.
        Outcome::Back if app.site.back == Screen::Probes => app.show_probes(),
        Outcome::Back => app.screen = app.site.back,
        Outcome::Quit => {
            app.flush_drafts();
            app.quit = true;
        }
        Outcome::Probes => app.show_probes(),
    }
}

impl SiteView {
    pub fn table(&self) -> Table {
        Table::ALL[self.tab % Table::ALL.len()]
    }

    /// The selected row of the table shown, kept inside the table as it is now.
    pub fn cursor(&self, a: &Assessment) -> usize {
        self.cursors[self.tab].min(self.table().len(&a.site).saturating_sub(1))
    }

    fn on_browse(&mut self, action: &Action, a: &mut Assessment, now: &str) -> Outcome {
        const PAGE: usize = 10;
        let table = self.table();
        let last = table.len(&a.site).saturating_sub(1);
        let cursor = self.cursor(a);
        let tabs = Table::ALL.len();
        let mut go = |to: usize| self.cursors[self.tab] = to.min(last);
        match action {
            Action::Quit => return Outcome::Quit,
            Action::Back | Action::ShowSite => return Outcome::Back,
            Action::ShowProbes => return Outcome::Probes,
            Action::Up => go(cursor.saturating_sub(1)),
            Action::Down => go(cursor + 1),
            Action::PageUp => go(cursor.saturating_sub(PAGE)),
            Action::PageDown => go(cursor + PAGE),
            Action::Top => go(0),
            Action::Bottom => go(last),
            Action::FocusNext => self.tab = (self.tab + 1) % tabs,
            Action::FocusPrev => self.tab = (self.tab + tabs - 1) % tabs,
            Action::SiteTab(n) if *n < tabs => self.tab = *n,
            Action::Select if table.len(&a.site) > 0 => {
                return self.open_form(
                    Target::Row {
                        table,
                        index: Some(cursor),
                    },
                    a,
                );
            }
            Action::AddRow | Action::Select => {
                return self.open_form(Target::Row { table, index: None }, a);
            }
            Action::EditSiteName => return self.open_form(Target::Name, a),
            Action::DeleteRow => return self.delete(cursor, a, now),
            Action::Undo => return self.undelete(a, now),
            _ => {}
        }
        Outcome::None
    }

    /// Opens a form on the target, with its draft when one was kept.
    fn open_form(&mut self, target: Target, a: &Assessment) -> Outcome {
        let current = target.texts(a);
        let draft = a
            .drafts
            .get(&target.draft_key())
            .and_then(|d| serde_json::from_str::<Vec<String>>(d).ok())
            .filter(|d| d.len() == current.len() && *d != current);
        let out = if draft.is_some() {
            Outcome::Say(
                Level::Info,
                "what was typed here before is back: Enter saves it".to_owned(),
            )
        } else {
            Outcome::None
        };
        let texts = draft.unwrap_or(current);
        self.form = Some(Form {
            target,
            editors: texts.iter().map(|t| LineEditor::new(t)).collect(),
            focus: 0,
            error: None,
        });
        out
    }

    fn on_form(&mut self, action: &Action, a: &mut Assessment, now: &str) -> Outcome {
        let Some(mut form) = self.form.take() else {
            return Outcome::None;
        };
        let n = form.editors.len();
        let out = match action {
            Action::Type(key) => {
                if form.editors[form.focus].handle(*key) {
                    if let Ok(json) = serde_json::to_string(&form.texts()) {
                        a.drafts.insert(form.target.draft_key(), json);
                    }
                    Outcome::Draft
                } else {
                    Outcome::None
                }
            }
            Action::Down => {
                form.focus = (form.focus + 1) % n;
                Outcome::None
            }
            Action::Up => {
                form.focus = (form.focus + n - 1) % n;
                Outcome::None
            }
            Action::Select => return self.save(form, a, now),
            Action::Back => return Self::close(&form, a),
            Action::Quit => Outcome::Quit,
            _ => Outcome::None,
        };
        self.form = Some(form);
        out
    }

    /// Enter in a form: the row is checked by the site file's rules and saved, or the form
    /// stays open on the field at fault.
    fn save(&mut self, mut form: Form, a: &mut Assessment, now: &str) -> Outcome {
        let texts = form.texts();
        let said = match form.target {
            Target::Name => {
                texts[0].trim().clone_into(&mut a.site.name);
                a.drafts.remove(&form.target.draft_key());
                "site name saved".to_owned()
            }
            Target::Row { table, index } => {
                let row = match table.parse(&texts, &a.site, index) {
                    Ok(row) => row,
                    Err(e) => {
                        form.focus = e.index;
                        form.error = Some(e);
                        self.form = Some(form);
                        return Outcome::None;
                    }
                };
                a.drafts.remove(&form.target.draft_key());
                let label = row.label();
                let at = match index {
                    Some(i) if table.row(&a.site, i).is_some() => {
                        a.site.remove_row(table, i);
                        renumber(&mut a.drafts, table, |j| if j > i { j - 1 } else { j });
                        a.site.insert_row(i, row)
                    }
                    _ => a.site.insert_row(usize::MAX, row),
                };
                renumber(&mut a.drafts, table, |j| if j >= at { j + 1 } else { j });
                self.tab = tab_of(table);
                self.cursors[self.tab] = at;
                format!("{} {} saved: {label}", table.row_name(), at + 1)
            }
        };
        now.clone_into(&mut a.updated);
        Outcome::Saved(said)
    }

    /// Esc in a form: closes it, keeping what was typed as a draft unless it changed nothing.
    fn close(form: &Form, a: &mut Assessment) -> Outcome {
        let key = form.target.draft_key();
        if !a.drafts.contains_key(&key) {
            return Outcome::None;
        }
        if form.texts() == form.target.texts(a) {
            a.drafts.remove(&key);
            return Outcome::Saved(String::new());
        }
        let how = match form.target {
            Target::Row { index: None, .. } => "a",
            Target::Row { .. } => "Enter on the row",
            Target::Name => "n",
        };
        Outcome::Say(Level::Info, format!("draft kept: {how} picks it up again"))
    }

    fn delete(&mut self, i: usize, a: &mut Assessment, now: &str) -> Outcome {
        let table = self.table();
        let Some(row) = a.site.remove_row(table, i) else {
            return Outcome::None;
        };
        let draft = a.drafts.remove(&row_key(table, Some(i)));
        renumber(&mut a.drafts, table, |j| if j > i { j - 1 } else { j });
        let said = format!(
            "deleted {} {}: {} (u puts it back)",
            table.row_name(),
            i + 1,
            row.label()
        );
        self.deleted.push(Deleted {
            row,
            index: i,
            draft,
        });
        now.clone_into(&mut a.updated);
        Outcome::Saved(said)
    }

    /// `u`: the last row deleted goes back where it was, with its draft.
    fn undelete(&mut self, a: &mut Assessment, now: &str) -> Outcome {
        let Some(d) = self.deleted.pop() else {
            return Outcome::Say(Level::Info, "no deleted row to put back".to_owned());
        };
        let table = d.row.table();
        let label = d.row.label();
        let at = a.site.insert_row(d.index, d.row);
        renumber(&mut a.drafts, table, |j| if j >= at { j + 1 } else { j });
        if let Some(draft) = d.draft {
            a.drafts.insert(row_key(table, Some(at)), draft);
        }
        self.tab = tab_of(table);
        self.cursors[self.tab] = at;
        now.clone_into(&mut a.updated);
        Outcome::Saved(format!("put back {} {}: {label}", table.row_name(), at + 1))
    }
}

fn tab_of(table: Table) -> usize {
    Table::ALL.iter().position(|t| *t == table).unwrap_or(0)
}

/// Keeps the drafts of a table's rows with their rows when rows above them come or go: the
/// draft of row index `j` moves to `to(j)`.
fn renumber(drafts: &mut BTreeMap<String, String>, table: Table, to: impl Fn(usize) -> usize) {
    let prefix = format!("site#{}#", table.key());
    let moved: Vec<(String, usize)> = drafts
        .keys()
        .filter_map(|k| {
            let n: usize = k.strip_prefix(&prefix)?.parse().ok()?;
            let j = n.checked_sub(1)?;
            (to(j) != j).then(|| (k.clone(), to(j)))
        })
        .collect();
    let texts: Vec<(usize, String)> = moved
        .into_iter()
        .filter_map(|(k, j)| drafts.remove(&k).map(|t| (j, t)))
        .collect();
    for (j, t) in texts {
        drafts.insert(row_key(table, Some(j)), t);
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::site::{PortRule, Protocol, Site};
    use crate::tui::keys;

    fn app() -> App {
        crate::tui::test_app()
    }

    /// Presses keys as the event loop does, keeping the effects they queue.
    fn press(app: &mut App, codes: &[KeyCode]) {
        for code in codes {
            if let Some(action) = keys::action(KeyEvent::new(*code, KeyModifiers::NONE), app) {
                app.notice = None;
                app.update(action, "t1");
            }
        }
    }

    fn type_text(app: &mut App, text: &str) {
        let codes: Vec<KeyCode> = text.chars().map(KeyCode::Char).collect();
        press(app, &codes);
    }

    fn assessment(app: &App) -> &Assessment {
        &app.current().expect("interview").1.assessment
    }

    fn rule(from: &str, to: &str, ports: &str, purpose: &str) -> PortRule {
        PortRule {
            from: from.into(),
            to: to.into(),
            protocol: Protocol::Tcp,
            ports: crate::ports::Ports::parse(ports).expect("ports"),
            purpose: purpose.into(),
            outbound: false,
        }
    }

    #[test]
    fn ports_add_edit_delete_and_undo() {
        use KeyCode::{Char, Down, Enter, Esc, Tab};
        let mut app = app();
        press(&mut app, &[Char('S'), Char('3')]);
        assert_eq!(app.screen, Screen::Site);
        assert_eq!(app.site.table(), Table::Ports);

        // Add: from, to, (protocol as given), ports, purpose.
        press(&mut app, &[Char('a')]);
        assert!(app.typing(), "the form has the keyboard");
        type_text(&mut app, "cws1");
        press(&mut app, &[Tab]);
        type_text(&mut app, "sql");
        press(&mut app, &[Tab, Tab]);
        type_text(&mut app, "1433");
        press(&mut app, &[Down]);
        type_text(&mut app, "database");
        assert!(app.drafts_dirty);
        assert!(
            assessment(&app).drafts.contains_key("site#ports#new"),
            "{:?}",
            assessment(&app).drafts
        );
        assert!(app.effects.is_empty(), "typing saves nothing yet");
        press(&mut app, &[Enter]);
        assert!(app.site.form.is_none());
        assert_eq!(app.effects, [Effect::Save]);
        assert!(!app.drafts_dirty);
        assert_eq!(
            assessment(&app).site.ports,
            [rule("cws1", "sql", "1433", "database")]
        );
        assert!(assessment(&app).drafts.is_empty());
        app.effects.clear();

        // A second rule, then edit the first: its ports gain 1434.
        press(&mut app, &[Char('a')]);
        type_text(&mut app, "cws1");
        press(&mut app, &[Tab]);
        type_text(&mut app, "smlb");
        press(&mut app, &[Tab, Tab]);
        type_text(&mut app, "8091");
        press(&mut app, &[Enter]);
        assert_eq!(app.site.cursor(assessment(&app)), 1);
        app.effects.clear();
        press(&mut app, &[KeyCode::Up, Char('e'), Tab, Tab, Tab]);
        type_text(&mut app, ",1434");
        press(&mut app, &[Enter]);
        assert_eq!(app.effects, [Effect::Save]);
        assert_eq!(
            assessment(&app).site.ports,
            [
                rule("cws1", "sql", "1433,1434", "database"),
                rule("cws1", "smlb", "8091", "")
            ]
        );
        app.effects.clear();

        // Delete the first, then undo: it is back where it was.
        press(&mut app, &[Char('d')]);
        assert_eq!(app.effects, [Effect::Save]);
        assert_eq!(
            assessment(&app).site.ports,
            [rule("cws1", "smlb", "8091", "")]
        );
        app.effects.clear();
        press(&mut app, &[Char('u')]);
        assert_eq!(app.effects, [Effect::Save]);
        assert_eq!(assessment(&app).site.ports.len(), 2);
        assert_eq!(assessment(&app).site.ports[0].ports.written(), "1433,1434");
        assert_eq!(app.site.cursor(assessment(&app)), 0);
        app.effects.clear();
        press(&mut app, &[Char('u')]);
        assert!(app.effects.is_empty(), "nothing more to undo");
        assert_eq!(assessment(&app).site.ports.len(), 2);

        press(&mut app, &[Esc]);
        assert_eq!(app.screen, Screen::Interview);
    }

    #[test]
    fn an_invalid_address_keeps_the_form_open_and_changes_nothing() {
        use KeyCode::{Char, Enter, Tab};
        let mut app = app();
        press(&mut app, &[Char('S'), Char('4'), Char('a'), Tab]);
        type_text(&mut app, "10.0.0.300");
        app.effects.clear();
        press(&mut app, &[Enter]);
        let form = app.site.form.as_ref().expect("the form stays open");
        let error = form.error.as_ref().expect("says why");
        assert_eq!(error.field, "address");
        assert!(error.message.contains("expected IP or IP:PORT"), "{error}");
        assert_eq!(form.editors[1].text(), "10.0.0.300", "the text as typed");
        assert_eq!(assessment(&app).site, Site::default());
        assert!(app.effects.is_empty(), "{:?}", app.effects);

        // A name's expected address goes through the same rule.
        press(&mut app, &[KeyCode::Esc, Char('2'), Char('a')]);
        type_text(&mut app, "mail.example.org");
        press(&mut app, &[Tab]);
        type_text(&mut app, "10.1.2.3, 10.1.2");
        app.effects.clear();
        press(&mut app, &[Enter]);
        let error = app
            .site
            .form
            .as_ref()
            .and_then(|f| f.error.as_ref())
            .expect("refused");
        assert_eq!(
            error.to_string(),
            "expect: invalid address `10.1.2`: expected an IPv4 or IPv6 address such as 10.1.2.3 or fd00::5"
        );
        assert_eq!(assessment(&app).site, Site::default());
        assert!(app.effects.is_empty());
    }

    #[test]
    fn esc_keeps_a_draft_that_the_row_picks_up_again_and_drafts_follow_their_rows() {
        use KeyCode::{Char, Enter, Esc, Tab};
        let mut app = app();
        if let Some(iv) = app.interview.as_mut() {
            iv.assessment.site.hosts = ["a", "b", "c"]
                .map(|n| crate::site::Host {
                    name: n.into(),
                    address: format!("{n}.example.org"),
                    roles: Vec::new(),
                    os: None,
                    outside: false,
                })
                .into();
        }
        press(
            &mut app,
            &[Char('S'), KeyCode::Down, KeyCode::Down, Enter, Tab],
        );
        type_text(&mut app, "x");
        press(&mut app, &[Esc]);
        assert!(app.site.form.is_none());
        assert_eq!(
            assessment(&app)
                .drafts
                .get("site#hosts#3")
                .map(String::as_str),
            Some(r#"["c","c.example.orgx","","","no"]"#)
        );
        assert!(
            app.notice
                .as_ref()
                .is_some_and(|n| n.text.contains("draft kept"))
        );
        // Row 1 goes: the draft moves with its row, to number 2, and back with an undo.
        press(&mut app, &[Char('g'), Char('d')]);
        assert!(assessment(&app).drafts.contains_key("site#hosts#2"));
        press(&mut app, &[Char('u')]);
        assert!(assessment(&app).drafts.contains_key("site#hosts#3"));
        press(&mut app, &[Char('G'), Enter]);
        let form = app.site.form.as_ref().expect("form");
        assert_eq!(form.editors[1].text(), "c.example.orgx");
        // Undoing the typing and leaving drops the draft: nothing is left to keep.
        press(&mut app, &[Tab, KeyCode::Backspace, Esc]);
        assert!(assessment(&app).drafts.is_empty());
    }

    #[test]
    fn another_session_gets_none_of_this_ones_deleted_rows() {
        use KeyCode::{Char, Enter, Tab};
        let mut app = app();
        press(&mut app, &[Char('S'), Char('6'), Char('a')]);
        type_text(&mut app, "sql1");
        press(&mut app, &[Enter, Char('d')]);
        assert!(assessment(&app).site.sql.is_empty());
        let other = Assessment::new("other", &app.library[0], "t2");
        app.open(other).expect("open");
        press(&mut app, &[Char('S'), Char('u')]);
        assert_eq!(app.site.table(), Table::Hosts, "the view starts afresh");
        assert!(assessment(&app).site.sql.is_empty());
        assert!(
            app.notice
                .as_ref()
                .is_some_and(|n| n.text == "no deleted row to put back")
        );
        // Tab moves through the tables, wrapping around.
        press(&mut app, &[KeyCode::BackTab]);
        assert_eq!(app.site.table(), Table::CertFiles);
        press(&mut app, &[Tab]);
        assert_eq!(app.site.table(), Table::Hosts);
    }

    #[test]
    fn the_site_name_is_edited_and_the_probes_replan_after_a_change() {
        use KeyCode::{Char, Enter, Esc, Tab};
        let mut app = app();
        press(&mut app, &[Char('p')]);
        assert!(app.probes.tasks.is_empty());
        press(&mut app, &[Char('S'), Char('n')]);
        type_text(&mut app, "St. Example");
        press(&mut app, &[Enter]);
        assert_eq!(assessment(&app).site.name, "St. Example");
        press(&mut app, &[Char('2'), Char('a')]);
        type_text(&mut app, "mail.example.org");
        press(&mut app, &[Tab]);
        type_text(&mut app, "10.1.2.3");
        press(&mut app, &[Enter, Esc]);
        assert_eq!(
            app.screen,
            Screen::Probes,
            "Esc goes back to where S came from"
        );
        let labels = |app: &App| -> Vec<String> {
            app.probes
                .tasks
                .iter()
                .map(crate::probe::plan::Task::label)
                .collect()
        };
        assert_eq!(
            labels(&app),
            [
                "DNS resolvers answer",
                "resolve mail.example.org",
                "hosts file entries for 1 name"
            ]
        );
        // While a run is on, its tasks stay as they are; the next visit after it plans again.
        app.probes.running = true;
        press(&mut app, &[Char('S'), Char('a')]);
        type_text(&mut app, "sql1.example.org");
        press(&mut app, &[Enter, Esc]);
        assert_eq!(labels(&app).len(), 3);
        app.probes.running = false;
        press(&mut app, &[Esc, Char('p')]);
        assert_eq!(labels(&app).len(), 4, "{:?}", labels(&app));
    }
}

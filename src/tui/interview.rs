//! The interview: walking one assessment's checklist. Where the person is (pane, section,
//! item, filter, search), the editors for each kind of answer, and the handlers that change
//! the assessment and say what the app must do next ([`Outcome`]). The app owns one
//! `Interview` and turns its outcomes into effects.

use super::app::{Action, Level};
use super::editor::LineEditor;
use crate::assessment::{Assessment, Entry, Response, Status, Value};
use crate::checklist::{AnswerKind, Checklist, Item};

/// How far `PgUp` and `PgDn` move.
pub(super) const PAGE: usize = 10;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Sections,
    Items,
    Detail,
}

/// Which items the item list shows. Anything but `All` lists matching items of every section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    Unanswered,
    Blockers,
    Failed,
}

impl Filter {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Unanswered => "unanswered",
            Filter::Blockers => "open blockers",
            Filter::Failed => "failed",
        }
    }

    fn next(self) -> Self {
        match self {
            Filter::All => Filter::Unanswered,
            Filter::Unanswered => Filter::Blockers,
            Filter::Blockers => Filter::Failed,
            Filter::Failed => Filter::All,
        }
    }

    fn keeps(self, status: Status, item: &Item) -> bool {
        match self {
            Filter::All => true,
            Filter::Unanswered => status == Status::Unanswered,
            Filter::Blockers => {
                item.severity == crate::checklist::Severity::Blocker
                    && matches!(status, Status::Unanswered | Status::Failed)
            }
            Filter::Failed => status == Status::Failed,
        }
    }
}

/// What a line editor is editing; also the draft key suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Answer,
    Note,
    Reason,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Field::Answer => "answer",
            Field::Note => "note",
            Field::Reason => "reason",
        }
    }
}

/// An answer or note being edited.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Confirm (yes/no) and single choice: a cursor over the options.
    Choice {
        cursor: usize,
    },
    Multi {
        cursor: usize,
        selected: Vec<bool>,
    },
    Line {
        field: Field,
        editor: LineEditor,
    },
    Table {
        rows: Vec<Vec<String>>,
        row: usize,
        col: usize,
        cell: Option<LineEditor>,
    },
}

/// The parts of a table being edited, taken out of [`Edit::Table`] while a key is handled.
struct TableEdit {
    rows: Vec<Vec<String>>,
    row: usize,
    col: usize,
    cell: Option<LineEditor>,
}

/// Search across all sections; `typing` while the query line has the keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub editor: LineEditor,
    pub typing: bool,
}

/// The assessment being walked and where the person is in it.
#[derive(Debug, Clone)]
pub struct Interview {
    pub checklist: usize,
    pub assessment: Assessment,
    pub focus: Focus,
    pub section: usize,
    pub cursor: usize,
    pub filter: Filter,
    pub search: Option<Search>,
    pub edit: Option<Edit>,
    pub detail_scroll: u16,
    /// The entry of the item before the last change, so `u` can put it back.
    undo: Option<(String, Option<Entry>)>,
}

/// One row of the item list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub section: usize,
    pub item: usize,
}

pub(super) struct Ctx<'a> {
    pub checklist: &'a Checklist,
    pub user: &'a str,
    pub now: &'a str,
}

pub(super) enum Outcome {
    None,
    /// The assessment changed: save it now.
    Saved,
    /// Only drafts changed: save them soon.
    Draft,
    Say(Level, String),
    Quit,
    Picker,
    Probes,
    Site,
}

fn draft_key(item: &str, field: &str) -> String {
    format!("{item}#{field}")
}

impl Interview {
    /// Starts walking an assessment, on the first item still to answer.
    pub fn new(checklist_index: usize, assessment: Assessment, checklist: &Checklist) -> Self {
        let mut iv = Self {
            checklist: checklist_index,
            assessment,
            focus: Focus::Items,
            section: 0,
            cursor: 0,
            filter: Filter::All,
            search: None,
            edit: None,
            detail_scroll: 0,
            undo: None,
        };
        iv.go_to_first_open(checklist);
        iv
    }

    /// The rows the item list shows now.
    #[must_use]
    pub fn rows(&self, checklist: &Checklist) -> Vec<Row> {
        let query = self
            .search
            .as_ref()
            .map(|s| s.editor.text().trim().to_lowercase())
            .filter(|q| !q.is_empty());
        let global = query.is_some() || self.filter != Filter::All;
        let mut rows = Vec::new();
        for (s, section) in checklist.sections.iter().enumerate() {
            if !global && s != self.section {
                continue;
            }
            for (i, item) in section.items.iter().enumerate() {
                let status = self.assessment.status(checklist, item);
                // A search also finds items not asked yet (shown dimmed, with their
                // condition), so a consultant can see why "1433" is not on the list.
                let hidden_ok = query.is_some() && self.filter == Filter::All;
                if (status == Status::Hidden && !hidden_ok) || !self.filter.keeps(status, item) {
                    continue;
                }
                if let Some(q) = &query {
                    let hay =
                        format!("{} {} {}", item.id, item.prompt, item.guidance).to_lowercase();
                    if !q.split_whitespace().all(|w| hay.contains(w)) {
                        continue;
                    }
                }
                rows.push(Row {
                    section: s,
                    item: i,
                });
            }
        }
        rows
    }

    /// Puts the cursor on the first item asked and not yet answered, where work resumes.
    fn go_to_first_open(&mut self, checklist: &Checklist) {
        for (s, section) in checklist.sections.iter().enumerate() {
            let open = section
                .items
                .iter()
                .filter(|i| self.assessment.is_asked(checklist, i))
                .position(|i| self.assessment.status(checklist, i) == Status::Unanswered);
            if let Some(cursor) = open {
                self.section = s;
                self.cursor = cursor;
                return;
            }
        }
    }

    /// Whether the list spans sections (a filter or a search is on).
    #[must_use]
    pub fn is_global(&self) -> bool {
        self.filter != Filter::All
            || self
                .search
                .as_ref()
                .is_some_and(|s| !s.editor.text().trim().is_empty())
    }

    #[must_use]
    pub fn selected<'c>(&self, checklist: &'c Checklist) -> Option<&'c Item> {
        let rows = self.rows(checklist);
        let row = rows.get(self.cursor.min(rows.len().saturating_sub(1)))?;
        Some(&checklist.sections[row.section].items[row.item])
    }

    fn clamp(&mut self, checklist: &Checklist) {
        let n = self.rows(checklist).len();
        self.cursor = self.cursor.min(n.saturating_sub(1));
    }

    fn move_cursor(&mut self, checklist: &Checklist, to: impl FnOnce(usize, usize) -> usize) {
        match self.focus {
            Focus::Sections => {
                let n = checklist.sections.len();
                self.section = to(self.section, n).min(n.saturating_sub(1));
                self.cursor = 0;
            }
            Focus::Items => {
                let n = self.rows(checklist).len();
                self.cursor = to(self.cursor, n).min(n.saturating_sub(1));
                self.detail_scroll = 0;
            }
            Focus::Detail => {
                let n = usize::from(u16::MAX);
                self.detail_scroll =
                    u16::try_from(to(usize::from(self.detail_scroll), n)).unwrap_or(u16::MAX);
            }
        }
        if self.focus != Focus::Detail
            && let Some(item) = self.selected(checklist)
            && let Some((s, _)) = checklist.position(&item.id)
        {
            self.section = s;
        }
    }

    /// Up on the first item or Down on the last one carries on into the neighbouring section
    /// that asks something, so the whole checklist can be walked with two keys.
    fn step_across_sections(&mut self, c: &Checklist, down: bool) -> bool {
        if self.focus != Focus::Items || self.is_global() {
            return false;
        }
        let rows = self.rows(c).len();
        let at_edge = if down {
            self.cursor + 1 >= rows
        } else {
            self.cursor == 0
        };
        if !at_edge {
            return false;
        }
        let asks = |s: usize| {
            c.sections[s]
                .items
                .iter()
                .any(|i| self.assessment.is_asked(c, i))
        };
        let next = if down {
            (self.section + 1..c.sections.len()).find(|&s| asks(s))
        } else {
            (0..self.section).rev().find(|&s| asks(s))
        };
        let Some(next) = next else {
            return false;
        };
        self.section = next;
        self.cursor = if down {
            0
        } else {
            self.rows(c).len().saturating_sub(1)
        };
        self.detail_scroll = 0;
        true
    }

    pub(super) fn on_search(&mut self, action: &Action) -> Outcome {
        let Some(search) = self.search.as_mut() else {
            return Outcome::None;
        };
        match action {
            Action::Type(key) => {
                search.editor.handle(*key);
                self.cursor = 0;
            }
            Action::Select | Action::Down => {
                search.typing = false;
                self.focus = Focus::Items;
            }
            Action::Back => self.search = None,
            _ => {}
        }
        Outcome::None
    }

    pub(super) fn on_browse(&mut self, action: Action, cx: &Ctx<'_>) -> Outcome {
        let c = cx.checklist;
        match action {
            Action::Quit => return Outcome::Quit,
            Action::OpenPicker => return Outcome::Picker,
            Action::ShowProbes => return Outcome::Probes,
            Action::ShowSite => return Outcome::Site,
            Action::AcceptSuggestion => return self.accept_suggestion(cx),
            Action::FocusNext => {
                self.focus = match self.focus {
                    Focus::Sections => Focus::Items,
                    Focus::Items => Focus::Detail,
                    Focus::Detail => Focus::Sections,
                };
            }
            Action::FocusPrev => {
                self.focus = match self.focus {
                    Focus::Sections => Focus::Detail,
                    Focus::Items => Focus::Sections,
                    Focus::Detail => Focus::Items,
                };
            }
            Action::Up if !self.step_across_sections(c, false) => {
                self.move_cursor(c, |n, _| n.saturating_sub(1));
            }
            Action::Down if !self.step_across_sections(c, true) => {
                self.move_cursor(c, |n, _| n + 1);
            }
            Action::PageUp => self.move_cursor(c, |n, _| n.saturating_sub(PAGE)),
            Action::PageDown => self.move_cursor(c, |n, _| n + PAGE),
            Action::Top => self.move_cursor(c, |_, _| 0),
            Action::Bottom => self.move_cursor(c, |_, n| n.saturating_sub(1)),
            Action::NextSection | Action::PrevSection => {
                let n = c.sections.len();
                self.section = if matches!(action, Action::NextSection) {
                    (self.section + 1) % n
                } else {
                    (self.section + n - 1) % n
                };
                self.filter = Filter::All;
                self.search = None;
                self.cursor = 0;
            }
            Action::Select => match self.focus {
                Focus::Sections => {
                    self.focus = Focus::Items;
                    self.cursor = 0;
                }
                Focus::Items | Focus::Detail => return self.start_answer(c),
            },
            Action::Back => {
                if self.search.is_some() {
                    self.search = None;
                } else if self.filter != Filter::All {
                    self.filter = Filter::All;
                } else {
                    self.focus = match self.focus {
                        Focus::Detail => Focus::Items,
                        _ => Focus::Sections,
                    };
                }
                self.clamp(c);
            }
            Action::Quick(value) => return self.quick(cx, value),
            Action::NotApplicable => return self.start_line(c, Field::Reason),
            Action::EditNote => return self.start_line(c, Field::Note),
            Action::Clear => {
                let Some(item) = self.selected(c) else {
                    return Outcome::None;
                };
                if self.assessment.response(&item.id).is_none() {
                    return Outcome::None;
                }
                return self.commit(cx, &item.id, None, false);
            }
            Action::Undo => return self.undo(cx),
            Action::CycleFilter => {
                self.filter = self.filter.next();
                self.cursor = 0;
                self.focus = Focus::Items;
            }
            Action::StartSearch => {
                let editor = self.search.take().map(|s| s.editor).unwrap_or_default();
                self.search = Some(Search {
                    editor,
                    typing: true,
                });
                self.cursor = 0;
            }
            _ => {}
        }
        Outcome::None
    }

    /// `a`: the answer the probes suggest becomes the item's answer.
    fn accept_suggestion(&mut self, cx: &Ctx<'_>) -> Outcome {
        let Some(item) = self.selected(cx.checklist) else {
            return Outcome::None;
        };
        let suggestion = self.assessment.evidence(item).and_then(|e| e.suggestion);
        match suggestion {
            Some(v) => self.commit(cx, &item.id, Some(Response::Value(v)), true),
            None => Outcome::Say(
                Level::Info,
                "no probe result suggests an answer for this item (p opens the probes)".to_owned(),
            ),
        }
    }

    /// `y` or `n` on a yes/no item answers it and moves on.
    fn quick(&mut self, cx: &Ctx<'_>, value: Value) -> Outcome {
        let Some(item) = self.selected(cx.checklist) else {
            return Outcome::None;
        };
        if item.kind != AnswerKind::Confirm {
            return Outcome::Say(
                Level::Info,
                format!(
                    "y/n answer yes/no items; press Enter to answer this {} item",
                    item.kind.name()
                ),
            );
        }
        self.commit(cx, &item.id, Some(Response::Value(value)), true)
    }

    /// Enter on an item: the editor its kind needs.
    fn start_answer(&mut self, c: &Checklist) -> Outcome {
        let Some(item) = self.selected(c) else {
            return Outcome::None;
        };
        self.focus = Focus::Detail;
        let current = match self.assessment.response(&item.id) {
            Some(Response::Value(v)) => Some(v.clone()),
            _ => None,
        };
        self.edit = Some(match &item.kind {
            AnswerKind::Confirm => Edit::Choice {
                cursor: usize::from(current == Some(Value::No)),
            },
            AnswerKind::Choice { options } => Edit::Choice {
                cursor: match &current {
                    Some(Value::Choice(v)) => {
                        options.iter().position(|o| &o.value == v).unwrap_or(0)
                    }
                    _ => 0,
                },
            },
            AnswerKind::Multi { options } => Edit::Multi {
                cursor: 0,
                selected: options
                    .iter()
                    .map(|o| matches!(&current, Some(Value::Multi(vs)) if vs.contains(&o.value)))
                    .collect(),
            },
            AnswerKind::Text | AnswerKind::Number { .. } => {
                return self.start_line(c, Field::Answer);
            }
            AnswerKind::Table { columns } => {
                let draft = self
                    .assessment
                    .drafts
                    .get(&draft_key(&item.id, "table"))
                    .and_then(|d| serde_json::from_str::<Vec<Vec<String>>>(d).ok());
                let mut rows = draft.unwrap_or_else(|| match current {
                    Some(Value::Table(rows)) => rows,
                    _ => Vec::new(),
                });
                if rows.is_empty() {
                    rows.push(vec![String::new(); columns.len()]);
                }
                Edit::Table {
                    rows,
                    row: 0,
                    col: 0,
                    cell: None,
                }
            }
        });
        Outcome::None
    }

    fn start_line(&mut self, c: &Checklist, field: Field) -> Outcome {
        let Some(item) = self.selected(c) else {
            return Outcome::None;
        };
        self.focus = Focus::Detail;
        let committed = match field {
            Field::Note => self.assessment.note(&item.id).to_owned(),
            Field::Answer => match self.assessment.response(&item.id) {
                Some(Response::Value(v @ (Value::Text(_) | Value::Number(_)))) => v.to_string(),
                _ => String::new(),
            },
            Field::Reason => match self.assessment.response(&item.id) {
                Some(Response::NotApplicable { reason }) => reason.clone(),
                _ => String::new(),
            },
        };
        let text = self
            .assessment
            .drafts
            .get(&draft_key(&item.id, field.key()))
            .cloned()
            .unwrap_or(committed);
        self.edit = Some(Edit::Line {
            field,
            editor: LineEditor::new(&text),
        });
        Outcome::None
    }

    pub(super) fn on_edit(&mut self, action: Action, cx: &Ctx<'_>) -> Outcome {
        let item = self.selected(cx.checklist);
        let (Some(item), Some(edit)) = (item, self.edit.take()) else {
            return Outcome::None;
        };
        // Each handler puts the editor back while editing goes on.
        match edit {
            Edit::Choice { cursor } => self.on_choice(action, cx, item, cursor),
            Edit::Multi { cursor, selected } => self.on_multi(&action, cx, item, cursor, selected),
            Edit::Line { field, editor } => self.on_line(&action, cx, &item.id, field, editor),
            Edit::Table {
                rows,
                row,
                col,
                cell,
            } => self.on_table(
                &action,
                cx,
                &item.id,
                TableEdit {
                    rows,
                    row,
                    col,
                    cell,
                },
            ),
        }
    }

    fn on_choice(&mut self, action: Action, cx: &Ctx<'_>, item: &Item, cursor: usize) -> Outcome {
        let values = item.kind.values();
        let chosen = |n: usize| match item.kind {
            AnswerKind::Confirm if values[n] == "yes" => Value::Yes,
            AnswerKind::Confirm => Value::No,
            _ => Value::Choice(values[n].to_owned()),
        };
        let cursor = match action {
            Action::Up => cursor.saturating_sub(1),
            Action::Down => (cursor + 1).min(values.len().saturating_sub(1)),
            Action::Quick(v) if item.kind == AnswerKind::Confirm => {
                return self.commit(cx, &item.id, Some(Response::Value(v)), true);
            }
            Action::Select | Action::Toggle => {
                return self.commit(cx, &item.id, Some(Response::Value(chosen(cursor))), true);
            }
            Action::Back => return Outcome::None,
            _ => cursor,
        };
        self.edit = Some(Edit::Choice { cursor });
        Outcome::None
    }

    fn on_multi(
        &mut self,
        action: &Action,
        cx: &Ctx<'_>,
        item: &Item,
        mut cursor: usize,
        mut selected: Vec<bool>,
    ) -> Outcome {
        match action {
            Action::Up => cursor = cursor.saturating_sub(1),
            Action::Down => cursor = (cursor + 1).min(selected.len().saturating_sub(1)),
            Action::Toggle => selected[cursor] = !selected[cursor],
            Action::Select => {
                let chosen: Vec<String> = item
                    .kind
                    .options()
                    .iter()
                    .zip(&selected)
                    .filter(|(_, on)| **on)
                    .map(|(o, _)| o.value.clone())
                    .collect();
                let response =
                    (!chosen.is_empty()).then_some(Response::Value(Value::Multi(chosen)));
                return self.commit(cx, &item.id, response, true);
            }
            Action::Back => return Outcome::None,
            _ => {}
        }
        self.edit = Some(Edit::Multi { cursor, selected });
        Outcome::None
    }

    fn on_line(
        &mut self,
        action: &Action,
        cx: &Ctx<'_>,
        id: &str,
        field: Field,
        mut editor: LineEditor,
    ) -> Outcome {
        let key = draft_key(id, field.key());
        match action {
            Action::Type(k) => {
                editor.handle(*k);
                self.assessment.drafts.insert(key, editor.text().to_owned());
                self.edit = Some(Edit::Line { field, editor });
                Outcome::Draft
            }
            Action::Select => {
                let outcome = self.commit_line(cx, id, field, editor.text());
                if matches!(outcome, Outcome::Say(..)) {
                    // Refused: the editor stays open with the text as typed.
                    self.edit = Some(Edit::Line { field, editor });
                }
                outcome
            }
            Action::Back => {
                if self
                    .assessment
                    .drafts
                    .get(&key)
                    .is_some_and(|d| d.trim().is_empty())
                {
                    self.assessment.drafts.remove(&key);
                    Outcome::Saved
                } else if self.assessment.drafts.contains_key(&key) {
                    Outcome::Say(
                        Level::Info,
                        "draft kept: Enter on the item picks it up again".to_owned(),
                    )
                } else {
                    Outcome::None
                }
            }
            _ => {
                self.edit = Some(Edit::Line { field, editor });
                Outcome::None
            }
        }
    }

    fn on_table(&mut self, action: &Action, cx: &Ctx<'_>, id: &str, mut t: TableEdit) -> Outcome {
        let columns = t.rows.first().map_or(0, Vec::len);
        let table_key = draft_key(id, "table");
        if let Some(ed) = t.cell.as_mut() {
            match action {
                Action::Type(k) => {
                    ed.handle(*k);
                    ed.text().clone_into(&mut t.rows[t.row][t.col]);
                }
                Action::Select | Action::Back => t.cell = None,
                _ => {}
            }
        } else {
            match action {
                Action::Up => t.row = t.row.saturating_sub(1),
                Action::Down => t.row = (t.row + 1).min(t.rows.len() - 1),
                Action::FocusPrev | Action::PrevSection => t.col = t.col.saturating_sub(1),
                Action::FocusNext | Action::NextSection => {
                    t.col = (t.col + 1).min(columns.saturating_sub(1));
                }
                Action::Select => t.cell = Some(LineEditor::new(&t.rows[t.row][t.col])),
                Action::AddRow => {
                    t.rows.insert(t.row + 1, vec![String::new(); columns]);
                    t.row += 1;
                    t.col = 0;
                    t.cell = Some(LineEditor::default());
                }
                Action::DeleteRow if t.rows.len() > 1 => {
                    t.rows.remove(t.row);
                    t.row = t.row.min(t.rows.len() - 1);
                }
                Action::Back => {
                    self.assessment.drafts.remove(&table_key);
                    return self.commit_table(cx, id, &t.rows);
                }
                _ => {}
            }
        }
        if let Ok(json) = serde_json::to_string(&t.rows) {
            self.assessment.drafts.insert(table_key, json);
        }
        self.edit = Some(Edit::Table {
            rows: t.rows,
            row: t.row,
            col: t.col,
            cell: t.cell,
        });
        Outcome::Draft
    }

    /// Esc on a table ends editing and keeps what was entered: rows with any text, trimmed.
    fn commit_table(&mut self, cx: &Ctx<'_>, id: &str, rows: &[Vec<String>]) -> Outcome {
        let kept: Vec<Vec<String>> = rows
            .iter()
            .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
            .map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
            .collect();
        let response = (!kept.is_empty()).then_some(Response::Value(Value::Table(kept)));
        if response.as_ref() == self.assessment.response(id) {
            return Outcome::Saved;
        }
        self.commit(cx, id, response, true)
    }

    fn commit_line(&mut self, cx: &Ctx<'_>, id: &str, field: Field, text: &str) -> Outcome {
        let Some(item) = cx.checklist.item(id) else {
            return Outcome::None;
        };
        let result = match field {
            Field::Note => {
                self.remember(id);
                self.assessment
                    .set_note(cx.checklist, id, text, cx.user, cx.now)
                    .map_err(|e| e.to_string())
            }
            Field::Reason => {
                self.remember(id);
                self.assessment
                    .answer(
                        cx.checklist,
                        id,
                        Response::NotApplicable {
                            reason: text.trim().to_owned(),
                        },
                        cx.user,
                        cx.now,
                    )
                    .map_err(|e| e.to_string())
            }
            Field::Answer => match Value::parse(&item.kind, text) {
                Ok(v) => {
                    self.remember(id);
                    self.assessment
                        .answer(cx.checklist, id, Response::Value(v), cx.user, cx.now)
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            },
        };
        match result {
            Ok(()) => {
                self.assessment.drafts.remove(&draft_key(id, field.key()));
                self.edit = None;
                if field != Field::Note {
                    self.advance_from(cx.checklist, id);
                }
                self.clamp(cx.checklist);
                Outcome::Saved
            }
            // The editor stays open with the text as typed.
            Err(e) => Outcome::Say(Level::Error, e),
        }
    }

    fn advance_from(&mut self, checklist: &Checklist, id: &str) {
        let rows = self.rows(checklist);
        if let Some(pos) = rows
            .iter()
            .position(|r| checklist.sections[r.section].items[r.item].id == id)
        {
            self.cursor = pos + 1;
            // At the end of a section the interview goes on with the next one.
            if self.cursor >= rows.len()
                && !self.is_global()
                && let Some(next) = (self.section + 1..checklist.sections.len()).find(|&s| {
                    checklist.sections[s]
                        .items
                        .iter()
                        .any(|i| self.assessment.is_asked(checklist, i))
                })
            {
                self.section = next;
                self.cursor = 0;
            }
        }
        self.focus = Focus::Items;
        self.detail_scroll = 0;
    }

    fn remember(&mut self, id: &str) {
        self.undo = Some((id.to_owned(), self.assessment.entries.get(id).cloned()));
    }

    /// Records a response; `advance` moves on to the next item, as an interview does.
    fn commit(
        &mut self,
        cx: &Ctx<'_>,
        id: &str,
        response: Option<Response>,
        advance: bool,
    ) -> Outcome {
        self.remember(id);
        match response {
            Some(r) => {
                if let Err(e) = self.assessment.answer(cx.checklist, id, r, cx.user, cx.now) {
                    return Outcome::Say(Level::Error, e.to_string());
                }
            }
            None => self.assessment.clear(id, cx.user, cx.now),
        }
        // An answer can hide or reveal items: place the cursor by id, not by index.
        if advance {
            self.advance_from(cx.checklist, id);
        } else if let Some(pos) = self
            .rows(cx.checklist)
            .iter()
            .position(|r| cx.checklist.sections[r.section].items[r.item].id == id)
        {
            self.cursor = pos;
        }
        self.clamp(cx.checklist);
        Outcome::Saved
    }

    fn undo(&mut self, cx: &Ctx<'_>) -> Outcome {
        let Some((id, entry)) = self.undo.take() else {
            return Outcome::Say(Level::Info, "nothing to undo".to_owned());
        };
        let redo = self.assessment.entries.get(&id).cloned();
        match entry {
            Some(e) => {
                self.assessment.entries.insert(id.clone(), e);
            }
            None => {
                self.assessment.entries.remove(&id);
            }
        }
        cx.now.clone_into(&mut self.assessment.updated);
        self.undo = Some((id, redo));
        self.clamp(cx.checklist);
        Outcome::Saved
    }
}

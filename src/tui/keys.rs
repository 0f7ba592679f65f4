//! Keys to actions. The same table feeds the help overlay, so what `?` shows is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Action, App, Edit, Screen};
use crate::assessment::Value;

/// (keys, what they do) by context, for the help overlay.
pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "Moving",
        &[
            ("↑ ↓  j k", "move in the focused pane"),
            ("PgUp PgDn  g G", "page, first, last"),
            ("Tab ← →  h l", "switch pane: sections, items, detail"),
            ("[ ]", "previous / next section"),
            ("Enter", "open a section, answer an item"),
            ("Esc", "back; clears a filter or search"),
        ],
    ),
    (
        "Answering",
        &[
            ("y n", "answer yes / no at once"),
            ("x", "not applicable, with a reason"),
            ("e", "add or edit the item's note"),
            ("Del Backspace", "clear the answer (the note stays)"),
            ("u", "undo the last change"),
            ("Space", "tick an option of a multiple choice"),
            ("a d", "table: add a row / delete the row"),
        ],
    ),
    (
        "Finding",
        &[
            ("/", "search every section (Enter keeps it, Esc clears)"),
            ("f", "filter: all, unanswered, open blockers, failed"),
        ],
    ),
    (
        "Probes",
        &[
            ("p", "the probes view, and back"),
            ("r  Enter", "probes: run all / run the selected one"),
            ("c", "probes: stop the run"),
            ("v", "probes: the next vantage (this machine's role)"),
            ("PgUp PgDn", "probes: scroll the selected probe's results"),
            ("a", "checklist: take the answer the probes suggest"),
        ],
    ),
    (
        "Site",
        &[
            ("S", "the site view (hosts, names, ports, …), and back"),
            ("Tab ← →  1-7", "site: the next table / table 1 to 7"),
            ("a  Enter e", "site: add a row / edit the selected row"),
            ("d  u", "site: delete the row / put the last deleted back"),
            ("n", "site: the site's name"),
            ("Tab ↑ ↓", "row form: next / previous field"),
            (
                "Enter  Esc",
                "row form: save / close, keeping what was typed",
            ),
        ],
    ),
    (
        "Finish",
        &[
            (
                "F",
                "the finish screen: findings, blockers, sign, export; and back",
            ),
            ("Enter", "finish: go to the blocker / do the action"),
            (
                "1 2 3 4",
                "finish: build / sign / export HTML / export Markdown",
            ),
            (
                "K  O",
                "finish: the signing key / the folder the files go to",
            ),
        ],
    ),
    (
        "Session",
        &[
            ("s", "switch or start an assessment"),
            ("?", "this help"),
            ("q  Ctrl-C", "quit (every answer is already saved)"),
        ],
    ),
];

/// The action a key stands for in the app's current state, if any.
#[must_use]
pub fn action(key: KeyEvent, app: &App) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if app.help {
        // The overlay scrolls with the arrows; every other key closes it.
        return Some(match key.code {
            KeyCode::Up | KeyCode::Char('k') => Action::Up,
            KeyCode::Down | KeyCode::Char('j') => Action::Down,
            KeyCode::PageUp => Action::PageUp,
            KeyCode::PageDown => Action::PageDown,
            _ => Action::Back,
        });
    }
    if app.typing() {
        return Some(match key.code {
            KeyCode::Enter => Action::Select,
            KeyCode::Esc => Action::Back,
            KeyCode::Down | KeyCode::Tab => Action::Down,
            KeyCode::Up | KeyCode::BackTab => Action::Up,
            _ => Action::Type(key),
        });
    }
    if app.screen == Screen::Site {
        return site(key);
    }
    if app.screen == Screen::Finish {
        return finish(key);
    }
    if let Some(edit) = app.editing() {
        return editing(key, edit);
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => Action::FocusNext,
        KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => Action::FocusPrev,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Enter => Action::Select,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('y') => Action::Quick(Value::Yes),
        KeyCode::Char('n') => Action::Quick(Value::No),
        KeyCode::Char('x') => Action::NotApplicable,
        KeyCode::Char('e') => Action::EditNote,
        KeyCode::Delete | KeyCode::Backspace => Action::Clear,
        KeyCode::Char('u') => Action::Undo,
        KeyCode::Char('f') => Action::CycleFilter,
        KeyCode::Char('/') => Action::StartSearch,
        KeyCode::Char(']') => Action::NextSection,
        KeyCode::Char('[') => Action::PrevSection,
        KeyCode::Char('s') => Action::OpenPicker,
        KeyCode::Char('p') => Action::ShowProbes,
        KeyCode::Char('a') => Action::AcceptSuggestion,
        KeyCode::Char('r') => Action::RunAll,
        KeyCode::Char('c') => Action::Cancel,
        KeyCode::Char('v') => Action::CycleVantage,
        KeyCode::Char('S') => Action::ShowSite,
        KeyCode::Char('F') => Action::ShowFinish,
        _ => return None,
    })
}

fn finish(key: KeyEvent) -> Option<Action> {
    use super::finish::Command;
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Enter => Action::Select,
        KeyCode::Char('1') => Action::Finish(Command::Build),
        KeyCode::Char('2') => Action::Finish(Command::Sign),
        KeyCode::Char('3') => Action::Finish(Command::Html),
        KeyCode::Char('4') => Action::Finish(Command::Markdown),
        KeyCode::Char('K') => Action::Finish(Command::KeyPath),
        KeyCode::Char('O') => Action::Finish(Command::Folder),
        KeyCode::Esc | KeyCode::Char('F') => Action::Back,
        _ => return None,
    })
}

fn site(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => Action::FocusNext,
        KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => Action::FocusPrev,
        KeyCode::Char(c @ '1'..='7') => Action::SiteTab("1234567".find(c).unwrap_or(0)),
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Enter | KeyCode::Char('e') => Action::Select,
        KeyCode::Char('a') => Action::AddRow,
        KeyCode::Char('d') | KeyCode::Delete => Action::DeleteRow,
        KeyCode::Char('u') => Action::Undo,
        KeyCode::Char('n') => Action::EditSiteName,
        KeyCode::Char('p') => Action::ShowProbes,
        KeyCode::Esc | KeyCode::Char('S') => Action::Back,
        _ => return None,
    })
}

fn editing(key: KeyEvent, edit: &Edit) -> Option<Action> {
    let table = matches!(edit, Edit::Table { .. });
    Some(match key.code {
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Left | KeyCode::BackTab | KeyCode::Char('h') if table => Action::FocusPrev,
        KeyCode::Right | KeyCode::Tab | KeyCode::Char('l') if table => Action::FocusNext,
        KeyCode::Char('a') if table => Action::AddRow,
        KeyCode::Char('d') if table => Action::DeleteRow,
        KeyCode::Enter => Action::Select,
        KeyCode::Esc => Action::Back,
        KeyCode::Char(' ') => Action::Toggle,
        KeyCode::Char('y') => Action::Quick(Value::Yes),
        KeyCode::Char('n') => Action::Quick(Value::No),
        _ => return None,
    })
}

//! Colours and glyphs. Only the 16 ANSI colours are used, so the TUI reads the same in a basic
//! Windows console, a 16-colour terminal and a modern one; meaning never rests on colour alone
//! (every status also has its glyph).

use ratatui::style::{Color, Modifier, Style};

use crate::assessment::Status;
use crate::checklist::Severity;

#[must_use]
pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

#[must_use]
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

#[must_use]
pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

#[must_use]
pub fn selected(focused: bool) -> Style {
    if focused {
        Style::new().bg(Color::Cyan).fg(Color::Black)
    } else {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}

#[must_use]
pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

#[must_use]
pub fn good() -> Style {
    Style::new().fg(Color::Green)
}

#[must_use]
pub fn bad() -> Style {
    Style::new().fg(Color::Red)
}

#[must_use]
pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}

#[must_use]
pub fn status_glyph(status: Status) -> (&'static str, Style) {
    match status {
        Status::Done => ("✔", good()),
        Status::Failed => ("✘", bad().add_modifier(Modifier::BOLD)),
        Status::NotApplicable => ("–", dim()),
        Status::Unanswered => ("·", Style::new()),
        Status::Hidden => ("○", dim()),
    }
}

#[must_use]
pub fn severity(sev: Severity) -> Style {
    match sev {
        Severity::Blocker => Style::new()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::BOLD),
        Severity::Major => warn(),
        Severity::Minor | Severity::Info => dim(),
    }
}

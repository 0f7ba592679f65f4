//! The picker: resume a saved assessment or start a new one from a checklist.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};

use super::fit;
use crate::tui::app::{App, Level, Picker};
use crate::tui::theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let width = area.width.min(100);
    let [col] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(4),
        Constraint::Length(2),
    ])
    .areas(col);
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled("preflight", theme::title()),
            Line::styled(
                "Readiness checklists for a mobile-messaging go-live",
                theme::dim(),
            ),
        ]),
        head,
    );
    let inner_w = usize::from(body.width.saturating_sub(2));
    let (title, rows, selected, hint): (&str, Vec<String>, usize, &str) = match &app.picker {
        Picker::Sessions { cursor } => {
            let mut rows = vec!["+ New assessment".to_owned()];
            rows.extend(app.sessions.iter().map(|s| {
                format!(
                    "  {:24} {:28} {:>4} answered  {}",
                    s.name, s.checklist, s.answered, s.updated
                )
            }));
            (
                " Assessments ",
                rows,
                *cursor,
                "↑↓ choose · Enter open · q quit",
            )
        }
        Picker::Checklists { cursor } => (
            " New assessment: pick a checklist ",
            app.library
                .iter()
                .map(|c| format!("{:26} {:>4} items  {}", c.id, c.item_count(), c.title))
                .collect(),
            *cursor,
            "↑↓ choose · Enter next · Esc back",
        ),
        Picker::Name { checklist, editor } => {
            let c = &app.library[*checklist];
            let block = Block::bordered()
                .title(" New assessment: name it ")
                .border_style(theme::border(true));
            let inner = block.inner(body);
            frame.render_widget(block, body);
            let text = vec![
                Line::raw(format!("Checklist: {} {} — {}", c.id, c.version, c.title)),
                Line::raw(""),
                Line::raw(format!("Name: {}", editor.text())),
                Line::raw(""),
                Line::styled(
                    "Letters, digits, '.', '-' and '_'; e.g. the site and the date.",
                    theme::dim(),
                ),
            ];
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
            let x = inner.x + 6 + u16::try_from(editor.cursor()).unwrap_or(0);
            frame.set_cursor_position(Position::new(
                x.min(inner.right().saturating_sub(1)),
                inner.y + 2,
            ));
            footer(frame, foot, app, "Enter create · Esc back");
            return;
        }
    };
    let items: Vec<ListItem<'_>> = rows
        .iter()
        .map(|r| ListItem::new(fit(r, inner_w)))
        .collect();
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(title)
                .border_style(theme::border(true)),
        )
        .highlight_style(theme::selected(true));
    let mut state = ListState::default().with_selected(Some(selected));
    frame.render_stateful_widget(list, body, &mut state);
    footer(frame, foot, app, hint);
}

fn footer(frame: &mut Frame<'_>, area: Rect, app: &App, hint: &str) {
    let mut lines = vec![Line::styled(hint.to_owned(), theme::dim())];
    if let Some(n) = &app.notice {
        let style = if n.level == Level::Error {
            theme::bad()
        } else {
            theme::warn()
        };
        lines.insert(0, Line::styled(n.text.clone(), style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

//! The detail pane: the selected item's prompt, guidance, answer, note and probe, and the editor
//! for its answer while one is open.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::fit;
use crate::assessment::{Response, Status, answer};
use crate::checklist::{AnswerKind, Checklist, Item};
use crate::tui::app::{Edit, Field, Focus, Interview};
use crate::tui::editor::LineEditor;
use crate::tui::theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, checklist: &Checklist, iv: &Interview) {
    let focused = iv.focus == Focus::Detail;
    let block = Block::bordered()
        .title(" Detail ")
        .border_style(theme::border(focused));
    let Some(item) = iv.selected(checklist) else {
        frame.render_widget(block, area);
        return;
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (info_area, edit_area) = match &iv.edit {
        Some(edit) => {
            let want = editor_height(edit, item).min(inner.height.saturating_sub(3));
            let [a, b] =
                Layout::vertical([Constraint::Min(3), Constraint::Length(want)]).areas(inner);
            (a, Some(b))
        }
        None => (inner, None),
    };
    let text = info(checklist, iv, item);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .scroll((iv.detail_scroll, 0)),
        info_area,
    );
    if let (Some(edit), Some(area)) = (&iv.edit, edit_area) {
        render_editor(frame, area, edit, item);
    }
}

fn info<'a>(checklist: &'a Checklist, iv: &'a Interview, item: &'a Item) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::styled(item.prompt.as_str(), theme::title()),
        Line::from(vec![
            Span::styled(
                format!("{} ", item.severity.name().to_uppercase()),
                theme::severity(item.severity),
            ),
            Span::styled(format!(" {} · {}", item.kind.name(), item.id), theme::dim()),
        ]),
    ];
    if let (Status::Hidden, Some(when)) = (iv.assessment.status(checklist, item), &item.when) {
        lines.push(Line::styled(
            format!("Not asked yet: it is asked when {when}"),
            theme::warn(),
        ));
    }
    lines.push(Line::raw(""));
    lines.extend(answer_lines(checklist, iv, item));
    let drafts: Vec<&str> = ["answer", "note", "reason", "table"]
        .into_iter()
        .filter(|f| {
            iv.assessment
                .drafts
                .contains_key(&format!("{}#{f}", item.id))
        })
        .collect();
    if !drafts.is_empty() && iv.edit.is_none() {
        lines.push(Line::styled(
            format!(
                "  unsaved draft ({}): Enter, e or x picks it up",
                drafts.join(", ")
            ),
            theme::warn(),
        ));
    }
    if !item.guidance.trim().is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Guidance", theme::title()));
        for para in item.guidance.trim().lines() {
            lines.push(Line::raw(para));
        }
    }
    if let Some(probe) = &item.probe {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("Probe: ", theme::title()),
            Span::raw(probe.to_string()),
        ]));
        lines.push(Line::styled(
            format!("  good when {}", probe.spec.good),
            theme::dim(),
        ));
        lines.extend(evidence_lines(iv, item));
    }
    if let Some(when) = &item.when {
        lines.push(Line::styled(format!("Asked when {when}"), theme::dim()));
    }
    lines.push(Line::styled(
        format!("Source: {}", item.source),
        theme::dim(),
    ));
    lines
}

/// The answer as given (or a hint how to give it), why it fails, the note, who and when.
fn answer_lines<'a>(checklist: &'a Checklist, iv: &'a Interview, item: &'a Item) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let status = iv.assessment.status(checklist, item);
    let answer_line = match iv.assessment.response(&item.id) {
        None => Line::from(vec![
            Span::styled("Answer: ", theme::title()),
            Span::styled(unanswered_hint(item), theme::dim()),
        ]),
        Some(r) => {
            let style = match status {
                Status::Failed => theme::bad().add_modifier(Modifier::BOLD),
                Status::Done => theme::good(),
                _ => theme::dim(),
            };
            let text = match r {
                Response::Value(crate::assessment::Value::Choice(v)) => item
                    .kind
                    .options()
                    .iter()
                    .find(|o| &o.value == v)
                    .map_or_else(|| v.clone(), |o| o.label.clone()),
                other => other.to_string(),
            };
            Line::from(vec![
                Span::styled("Answer: ", theme::title()),
                Span::styled(text, style),
            ])
        }
    };
    lines.push(answer_line);
    if status == Status::Failed {
        lines.push(Line::styled(
            format!("  expected: {}", item.good.join(" or ")),
            theme::bad(),
        ));
    }
    if let Some(Response::Value(crate::assessment::Value::Table(rows))) =
        iv.assessment.response(&item.id)
        && let AnswerKind::Table { columns } = &item.kind
    {
        lines.push(Line::styled(
            format!("  {}", columns.join(" │ ")),
            theme::dim(),
        ));
        for row in rows {
            lines.push(Line::raw(format!("  {}", row.join(" │ "))));
        }
    }
    let note = iv.assessment.note(&item.id);
    if !note.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("Note: ", theme::title()),
            Span::raw(note),
        ]));
    }
    if let Some(e) = iv.assessment.entries.get(&item.id) {
        lines.push(Line::styled(
            format!("  by {} at {}", e.by, e.at),
            theme::dim(),
        ));
    }
    lines
}

/// What the probes found for the item, and the answer they suggest.
fn evidence_lines<'a>(iv: &'a Interview, item: &'a Item) -> Vec<Line<'a>> {
    let Some(evidence) = iv.assessment.evidence(item) else {
        return vec![Line::styled(
            "  not probed yet (p opens the probes)",
            theme::dim(),
        )];
    };
    let (glyph, style) = super::probes::verdict_glyph(evidence.verdict);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("  {glyph} {} ", evidence.verdict.label().to_uppercase()),
            style,
        ),
        Span::styled(
            format!(
                "from {} result{}",
                evidence.results.len(),
                if evidence.results.len() == 1 { "" } else { "s" }
            ),
            theme::dim(),
        ),
    ])];
    for found in evidence.results.iter().take(3) {
        let (g, st) = super::probes::verdict_glyph(found.verdict);
        lines.push(Line::from(vec![
            Span::styled(format!("  {g} "), st),
            Span::raw(found.summary.clone()),
            Span::styled(format!(" ({}, {})", found.vantage, found.at), theme::dim()),
        ]));
    }
    if let Some(suggestion) = evidence.suggestion {
        let answered = match iv.assessment.response(&item.id) {
            Some(Response::Value(v)) => Some(v),
            _ => None,
        };
        match answered {
            Some(v) if *v != suggestion => lines.push(Line::styled(
                format!("  the probes say {suggestion}, the answer says {v}: check, and note why"),
                theme::warn(),
            )),
            Some(_) => {}
            None => lines.push(Line::styled(
                format!("  suggests: {suggestion} (a takes it)"),
                theme::key(),
            )),
        }
    }
    lines
}

fn unanswered_hint(item: &Item) -> String {
    match item.kind {
        AnswerKind::Confirm => "— y yes · n no · x not applicable".to_owned(),
        AnswerKind::Choice { .. } => "— Enter to choose · x not applicable".to_owned(),
        AnswerKind::Multi { .. } => "— Enter to tick the options · x not applicable".to_owned(),
        AnswerKind::Table { .. } => "— Enter to fill in the table".to_owned(),
        _ => format!("— Enter to type {}", answer::expected(&item.kind)),
    }
}

fn editor_height(edit: &Edit, item: &Item) -> u16 {
    let rows = match edit {
        Edit::Choice { .. } | Edit::Multi { .. } => item.kind.values().len(),
        Edit::Line { .. } => 1,
        Edit::Table { rows, .. } => rows.len() + 1,
    };
    u16::try_from(rows + 2).unwrap_or(u16::MAX)
}

fn render_editor(frame: &mut Frame<'_>, area: Rect, edit: &Edit, item: &Item) {
    let (title, hint) = match edit {
        Edit::Choice { .. } => ("Answer", "↑↓ choose · Enter set · Esc cancel"),
        Edit::Multi { .. } => ("Answer", "Space tick · Enter set · Esc cancel"),
        Edit::Line {
            field: Field::Note, ..
        } => ("Note", "Enter save · Esc keep as draft"),
        Edit::Line {
            field: Field::Reason,
            ..
        } => ("Not applicable because…", "Enter save · Esc keep as draft"),
        Edit::Line { .. } => ("Answer", "Enter save · Esc keep as draft"),
        Edit::Table { cell: Some(_), .. } => ("Answer", "Enter done with the cell"),
        Edit::Table { .. } => ("Answer", "Enter edit · a add · d delete · Esc save"),
    };
    let block = Block::bordered()
        .title(format!(" {title} "))
        .title_bottom(Line::styled(format!(" {hint} "), theme::dim()))
        .border_style(theme::border(true));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    match edit {
        Edit::Choice { cursor } => {
            let labels: Vec<String> = match &item.kind {
                AnswerKind::Confirm => vec!["Yes".into(), "No".into()],
                k => k.options().iter().map(|o| o.label.clone()).collect(),
            };
            let lines: Vec<Line<'_>> = labels
                .iter()
                .enumerate()
                .map(|(n, l)| {
                    let mark = if n == *cursor { "(•)" } else { "( )" };
                    option_line(mark, l, n == *cursor, width)
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Edit::Multi { cursor, selected } => {
            let lines: Vec<Line<'_>> = item
                .kind
                .options()
                .iter()
                .zip(selected)
                .enumerate()
                .map(|(n, (o, on))| {
                    let mark = if *on { "[x]" } else { "[ ]" };
                    option_line(mark, &o.label, n == *cursor, width)
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), inner);
        }
        Edit::Line { editor, .. } => line_editor(frame, inner, editor),
        Edit::Table {
            rows,
            row,
            col,
            cell,
        } => table_editor(frame, inner, item, rows, (*row, *col), cell.as_ref()),
    }
}

/// One option of a choice or multi-choice editor: its mark, its label, the cursor's highlight.
fn option_line(mark: &str, label: &str, current: bool, width: usize) -> Line<'static> {
    let line = Line::raw(fit(&format!("{mark} {label}"), width));
    if current {
        line.style(theme::selected(true))
    } else {
        line
    }
}

/// A one-line editor that scrolls sideways to keep the cursor in view.
pub(super) fn line_editor(frame: &mut Frame<'_>, area: Rect, editor: &LineEditor) {
    let width = usize::from(area.width.max(1));
    let start = (editor.cursor() + 1).saturating_sub(width);
    let visible: String = editor.text().chars().skip(start).take(width).collect();
    frame.render_widget(
        Paragraph::new(visible)
            .style(ratatui::style::Style::new().add_modifier(Modifier::UNDERLINED)),
        area,
    );
    let x = area.x + u16::try_from(editor.cursor() - start).unwrap_or(0);
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}

/// The table editor: a header of column names, the rows, the selected cell highlighted and,
/// while a cell is being typed in, a line editor over it.
fn table_editor(
    frame: &mut Frame<'_>,
    inner: Rect,
    item: &Item,
    rows: &[Vec<String>],
    (row, col): (usize, usize),
    cell: Option<&LineEditor>,
) {
    let AnswerKind::Table { columns } = &item.kind else {
        return;
    };
    let cols = columns.len().max(1);
    let cell_w = (usize::from(inner.width).saturating_sub(cols - 1) / cols).max(3);
    let mut lines = vec![Line::styled(
        columns
            .iter()
            .map(|c| format!("{:cell_w$}", fit(c, cell_w)))
            .collect::<Vec<_>>()
            .join("│"),
        theme::title(),
    )];
    for (r, cells) in rows.iter().enumerate() {
        let spans: Vec<Span<'_>> = cells
            .iter()
            .enumerate()
            .flat_map(|(c, text)| {
                let s = format!("{:cell_w$}", fit(text, cell_w));
                let style = if r == row && c == col {
                    theme::selected(true)
                } else {
                    ratatui::style::Style::new()
                };
                let sep = if c + 1 < cols {
                    Span::styled("│", theme::dim())
                } else {
                    Span::raw("")
                };
                [Span::styled(s, style), sep]
            })
            .collect();
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(ed) = cell {
        let x = inner.x + u16::try_from(col * (cell_w + 1)).unwrap_or(0);
        let y = inner.y + u16::try_from(row + 1).unwrap_or(0);
        let w = u16::try_from(cell_w).unwrap_or(1);
        if y < inner.bottom() && x < inner.right() {
            line_editor(frame, Rect::new(x, y, w.min(inner.right() - x), 1), ed);
        }
    }
}

//! The items pane: status glyph, prompt and, for blockers, a badge that stands out.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph};

use super::fit;
use crate::checklist::{Checklist, Severity};
use crate::tui::app::{Filter, Focus, Interview};
use crate::tui::theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, checklist: &Checklist, iv: &Interview) {
    let focused = iv.focus == Focus::Items;
    let rows = iv.rows(checklist);
    let global = iv.is_global();
    let title = if let Some(q) = iv
        .search
        .as_ref()
        .map(|s| s.editor.text().trim())
        .filter(|q| !q.is_empty())
    {
        format!(" Search “{q}” · {} ", rows.len())
    } else if iv.filter != Filter::All {
        format!(
            " {} · all sections · {} ",
            capitalise(iv.filter.name()),
            rows.len()
        )
    } else {
        let s = &checklist.sections[iv.section];
        let p = iv.assessment.section_progress(checklist, s);
        format!(" {} · {}/{} ", s.title, p.settled, p.asked)
    };
    let inner_w = usize::from(area.width.saturating_sub(2));
    let block = Block::bordered()
        .title(fit(&title, inner_w))
        .border_style(theme::border(focused));
    if rows.is_empty() {
        let text = if global {
            "Nothing matches. Esc clears the filter or search.".to_owned()
        } else {
            not_asked_because(checklist, iv.section)
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(theme::dim())
                .wrap(ratatui::widgets::Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    let list_items: Vec<ListItem<'_>> = rows
        .iter()
        .map(|r| {
            let item = &checklist.sections[r.section].items[r.item];
            let status = iv.assessment.status(checklist, item);
            let (glyph, gstyle) = theme::status_glyph(status);
            let badge = match item.severity {
                Severity::Blocker if inner_w >= 40 => " BLOCKER ",
                Severity::Blocker => " ! ",
                _ => "",
            };
            let prefix = if global {
                format!("{} › ", checklist.sections[r.section].title)
            } else {
                String::new()
            };
            let prompt_w = inner_w.saturating_sub(3 + badge.chars().count());
            let text = fit(&format!("{prefix}{}", item.prompt), prompt_w);
            let pad = prompt_w.saturating_sub(text.chars().count());
            // An item a search found although it is not asked yet reads dimmed.
            let text_style = if status == crate::assessment::Status::Hidden {
                theme::dim()
            } else {
                ratatui::style::Style::new()
            };
            let mut spans = vec![
                Span::styled(format!(" {glyph} "), gstyle),
                Span::styled(text, text_style),
                Span::raw(" ".repeat(pad)),
            ];
            if !badge.is_empty() {
                spans.push(Span::styled(badge, theme::severity(Severity::Blocker)));
            }
            ListItem::new(Line::from(spans))
        })
        .collect();
    let list = List::new(list_items)
        .block(block)
        .highlight_style(theme::selected(focused));
    let mut state = ListState::default().with_selected(Some(iv.cursor.min(rows.len() - 1)));
    frame.render_stateful_widget(list, area, &mut state);
}

/// Why a section asks nothing yet: the conditions its items wait on, each with the prompt of
/// the item to answer first.
fn not_asked_because(checklist: &Checklist, section: usize) -> String {
    let mut waits: Vec<String> = Vec::new();
    for item in &checklist.sections[section].items {
        let Some(when) = &item.when else { continue };
        let text = when.to_string();
        if !waits.contains(&text) {
            waits.push(text);
        }
    }
    let mut out = String::from("No item of this section is asked with the answers given so far.");
    if !waits.is_empty() {
        out.push_str("\n\nIts items are asked when:");
        for w in waits.iter().take(4) {
            out.push_str("\n  • ");
            out.push_str(w);
        }
        if waits.len() > 4 {
            let _ = write!(out, "\n  … and {} more", waits.len() - 4);
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

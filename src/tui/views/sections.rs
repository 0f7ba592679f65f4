//! The sections pane: each section with its progress, coloured by whether it blocks.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState};

use super::fit;
use crate::checklist::Checklist;
use crate::tui::app::{Focus, Interview};
use crate::tui::theme;

pub fn render(frame: &mut Frame<'_>, area: Rect, checklist: &Checklist, iv: &Interview) {
    let focused = iv.focus == Focus::Sections;
    let inner_w = usize::from(area.width.saturating_sub(2));
    let rows: Vec<ListItem<'_>> = checklist
        .sections
        .iter()
        .map(|s| {
            let p = iv.assessment.section_progress(checklist, s);
            let count = format!("{}/{}", p.settled, p.asked);
            let style = if p.asked == 0 {
                theme::dim()
            } else if p.open_blockers > 0 || p.failed > 0 {
                theme::bad()
            } else if p.settled == p.asked {
                theme::good()
            } else {
                theme::warn()
            };
            let title_w = inner_w.saturating_sub(count.len() + 2);
            let title = fit(&s.title, title_w);
            let pad = inner_w.saturating_sub(title.chars().count() + count.len() + 1);
            ListItem::new(Line::from(vec![
                Span::raw(format!(" {title}{}", " ".repeat(pad))),
                Span::styled(count, style),
            ]))
        })
        .collect();
    let list = List::new(rows)
        .block(
            Block::bordered()
                .title(" Sections ")
                .border_style(theme::border(focused)),
        )
        .highlight_style(theme::selected(focused));
    let mut state = ListState::default().with_selected(Some(iv.section));
    frame.render_stateful_widget(list, area, &mut state);
}

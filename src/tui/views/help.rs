//! The help overlay: every key, from the same table the key handler follows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::tui::keys::HELP;
use crate::tui::theme;

/// Draws every group of keys, the group named `first` first.
pub fn render(frame: &mut Frame<'_>, area: Rect, first: Option<&str>, scroll: u16) {
    let rows: usize = HELP.iter().map(|(_, keys)| keys.len() + 2).sum::<usize>() + 1;
    // Blank lines between groups only where the terminal has the height for them.
    let spaced = usize::from(area.height) >= rows + 2;
    let mut lines = Vec::new();
    let groups = HELP
        .iter()
        .filter(|(g, _)| Some(*g) == first)
        .chain(HELP.iter().filter(|(g, _)| Some(*g) != first));
    for (group, keys) in groups {
        if spaced && !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(*group, theme::title()));
        for (k, what) in *keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<16}"), theme::key()),
                Span::raw(*what),
            ]));
        }
    }
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let width = 70.min(area.width);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    // Taller than the terminal: the arrows scroll, and the border says so.
    let overflow = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(popup.height.saturating_sub(2));
    let scroll = scroll.min(overflow);
    let hint = if overflow > 0 {
        " ↑↓ scroll · any other key closes "
    } else {
        " any key closes "
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::bordered()
                .title(" Keys ")
                .title_bottom(Line::styled(hint, theme::dim()))
                .border_style(theme::border(true)),
        ),
        popup,
    );
}

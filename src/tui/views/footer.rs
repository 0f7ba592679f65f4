//! The two footer lines: the counts that matter (open blockers first) and either a notice, the
//! search line, or the keys that matter now.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};

use crate::assessment::Progress;
use crate::checklist::Checklist;
use crate::tui::app::{App, Filter, Interview, Level};
use crate::tui::theme;

pub fn render(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    _checklist: &Checklist,
    iv: &Interview,
    p: Progress,
) {
    let mut stats = vec![if p.open_blockers > 0 {
        Span::styled(
            format!(
                " {} open blocker{} ",
                p.open_blockers,
                plural(p.open_blockers)
            ),
            theme::severity(crate::checklist::Severity::Blocker),
        )
    } else {
        Span::styled(" no open blockers ", theme::good())
    }];
    stats.push(Span::raw(format!(" · {}/{} settled", p.settled, p.asked)));
    if p.failed > 0 {
        stats.push(Span::raw(" · "));
        stats.push(Span::styled(format!("{} failed", p.failed), theme::bad()));
    }
    if iv.filter != Filter::All {
        stats.push(Span::styled(
            format!(" · filter: {}", iv.filter.name()),
            theme::warn(),
        ));
    }
    let line1 = Rect { height: 1, ..area };
    let line2 = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    // The way to the finish screen, at the right end of the counts when there is room.
    let used: usize = stats.iter().map(|s| s.content.chars().count()).sum();
    let hint = [
        Span::styled(" F", theme::key()),
        Span::raw(" finish: report "),
    ];
    let hint_w: usize = hint.iter().map(|s| s.content.chars().count()).sum();
    frame.render_widget(Line::from(stats), line1);
    if used + hint_w < usize::from(line1.width) {
        let w = u16::try_from(hint_w).unwrap_or(line1.width);
        let at = Rect {
            x: line1.right().saturating_sub(w),
            width: w,
            ..line1
        };
        frame.render_widget(Line::from(hint.to_vec()), at);
    }

    if let Some(search) = iv.search.as_ref().filter(|s| s.typing) {
        let text = format!(" / {}", search.editor.text());
        frame.render_widget(Line::raw(text), line2);
        let x = line2.x + 3 + u16::try_from(search.editor.cursor()).unwrap_or(0);
        frame.set_cursor_position(Position::new(
            x.min(line2.right().saturating_sub(1)),
            line2.y,
        ));
        return;
    }
    if let Some(n) = &app.notice {
        let style = match n.level {
            Level::Info => theme::dim(),
            Level::Warn => theme::warn(),
            Level::Error => theme::bad(),
        };
        frame.render_widget(Line::styled(format!(" {}", n.text), style), line2);
        return;
    }
    let keys: &[(&str, &str)] = if iv.edit.is_some() {
        &[("Enter", "save"), ("Esc", "back"), ("?", "help")]
    } else {
        &[
            ("y/n", "answer"),
            ("Enter", "edit"),
            ("x", "n/a"),
            ("e", "note"),
            ("/", "search"),
            ("f", "filter"),
            ("?", "help"),
            ("q", "quit"),
        ]
    };
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(format!(" {k}"), theme::key()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    frame.render_widget(Line::from(spans), line2);
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

//! Rendering: a pure function of the [`App`] state. Each region has its own module.

mod detail;
mod finish;
mod footer;
mod help;
mod items;
mod picker;
mod probes;
mod sections;
mod site;
mod sql;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::LineGauge;

use super::app::{App, Screen};
use super::theme;

/// Draws the whole screen.
///
/// ```text
/// preflight ─ site-1 ─ spok-mobile-4.5 1.0.0 ──────────────────── ━━━━━━━━──── 62%
/// ┌ Sections ─────┐┌ Items · Database 4/9 ───────┐┌ Detail ─────────────────────┐
/// │▸ Pre-deploy 40││✔ Enterprise edition          ││ Synchronous commit          │
/// │  Database   4/9││✘ Synchronous commit  BLOCKER││ guidance, source, answer,   │
/// │  …            ││· Automatic failover          ││ note, probe, editor         │
/// └───────────────┘└──────────────────────────────┘└─────────────────────────────┘
/// 3 open blockers · 41/66 settled · 2 failed · filter: all
/// notice, search line, or the keys that matter now
/// ```
pub fn render(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    match app.screen {
        Screen::Picker => picker::render(frame, area, app),
        Screen::Interview => interview(frame, area, app),
        Screen::Probes => probes::render(frame, area, app),
        Screen::Site => site::render(frame, area, app),
        Screen::Finish => finish::render(frame, area, app),
    }
    if app.help {
        // The keys of the view at hand come first, where a small terminal has room for them.
        let first = match app.screen {
            Screen::Probes => Some("Probes"),
            Screen::Site => Some("Site"),
            Screen::Finish => Some("Finish"),
            Screen::Picker | Screen::Interview => None,
        };
        help::render(frame, area, first, app.help_scroll);
    }
}

fn interview(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some((checklist, iv)) = app.current() else {
        return;
    };
    let [header, body, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(2),
    ])
    .areas(area);

    let progress = iv.assessment.progress(checklist);
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(24)]).areas(header);
    let title = Line::from(vec![
        Span::styled(" preflight ", theme::title()),
        Span::styled("─ ", theme::dim()),
        Span::raw(iv.assessment.name.clone()),
        Span::styled(" ─ ", theme::dim()),
        Span::raw(format!("{} {}", checklist.id, checklist.version)),
    ]);
    // Unsaved changes take the whole bar (the checklist and the gauge can wait): the one
    // thing on screen that must not be missed.
    if let Some(state) = save_state(app) {
        let line = Line::from(vec![
            Span::styled(" preflight ", theme::title()),
            Span::styled("─ ", theme::dim()),
            Span::raw(iv.assessment.name.clone()),
            Span::raw(" "),
            Span::styled(state, theme::bad()),
        ]);
        frame.render_widget(line, header);
    } else {
        frame.render_widget(title, left);
    }
    let ratio = f64::from(progress.percent()) / 100.0;
    if save_state(app).is_none() {
        frame.render_widget(
            LineGauge::default()
                .ratio(ratio)
                .label(format!("{:>3}% ", progress.percent()))
                .filled_style(theme::good())
                .unfilled_style(theme::dim()),
            right,
        );
    }

    // Wide terminals give the guidance more room; at 80 columns every pane stays readable.
    let sections_w = (body.width / 5).clamp(18, 30);
    let detail_w = (body.width * 2 / 5).max(30);
    let [s_area, i_area, d_area] = Layout::horizontal([
        Constraint::Length(sections_w),
        Constraint::Min(20),
        Constraint::Length(detail_w),
    ])
    .areas(body);
    sections::render(frame, s_area, checklist, iv);
    items::render(frame, i_area, checklist, iv);
    detail::render(frame, d_area, checklist, iv);
    footer::render(frame, footer_area, app, checklist, iv, progress);
}

/// What the title bar says while the screen holds more than the disk: changes a failed save
/// left pending (since when, how many tries, why) or a session opened read-only.
pub(crate) fn save_state(app: &App) -> Option<String> {
    match (&app.unsaved, &app.read_only) {
        (Some(u), _) => Some(format!(
            " NOT SAVED since {} ({} tr{}): {} ",
            u.since,
            u.tries,
            if u.tries == 1 { "y" } else { "ies" },
            short(&u.why)
        )),
        (None, Some(why)) => Some(format!(" READ-ONLY: {} ", short(why))),
        (None, None) => None,
    }
}

/// The cause at the end of an error's words ("No space left on device (os error 28)"), which
/// fits a title bar where the path before it would not; the notice line has the whole.
fn short(why: &str) -> &str {
    why.rsplit(": ").next().unwrap_or(why)
}

/// Cuts `s` to `width` characters, with an ellipsis when cut.
pub(crate) fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

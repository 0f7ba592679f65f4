//! The finish screen: the site's verdict and score, the sections at a glance, the open
//! blockers (Enter goes to one), and the report's actions with the files they wrote.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, LineGauge, List, ListItem, ListState, Paragraph};

use super::fit;
use crate::checklist::Checklist;
use crate::report::files::{Format, ReportFiles};
use crate::report::{Findings, Readiness, SiteVerdict};
use crate::tui::app::{App, Level};
use crate::tui::finish::{self, Command, Field};
use crate::tui::theme;

/// Draws the finish screen.
///
/// ```text
///  preflight ─ finish ─ st-example ─ activesync-device-trust 1.0.0
/// ┌ Readiness ──────────────────┐┌ Sections ─────────────────────────────────┐
/// │ NOT READY  27% ready        ││ Name and certificate   not ready      40% │
/// │ ━━━━━━━━──────────────────  ││ DNS                    incomplete      0% │
/// │ counts                      ││ …                                         │
/// └─────────────────────────────┘└───────────────────────────────────────────┘
/// ┌ 2 open blockers · Enter goes to the item ─────────────────────────────────┐
/// │ ✘ name.cert_matches  Does the certificate name match the host name?       │
/// └───────────────────────────────────────────────────────────────────────────┘
/// ┌ Report ───────────────────────────────────────────────────────────────────┐
/// │ 1 Build the report   report.json ✔                                        │
/// │ 2 Sign it            report.json.sig ✔ ann (SHA256:…)                     │
/// └───────────────────────────────────────────────────────────────────────────┘
/// ┌ Files ────────────────────────────────────────────────────────────────────┐
/// │ Folder  …/sessions/st-example.report                  O changes           │
/// │ Key     …/preflight/preflight_ed25519                 K changes           │
/// └───────────────────────────────────────────────────────────────────────────┘
/// status: signed, unsigned or out of date
/// notice, the field being typed, or the keys
/// ```
pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some((checklist, findings)) = finish::findings(app) else {
        return;
    };
    let Some((_, iv)) = app.current() else {
        return;
    };
    // Every section where there is room (a quarter of the screen), at least five lines.
    let summary_h = u16::try_from(findings.sections.len() + 2)
        .unwrap_or(u16::MAX)
        .clamp(7, (area.height / 4).max(7));
    let [
        header,
        summary,
        blockers_area,
        report_area,
        files_area,
        footer,
    ] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(summary_h),
        Constraint::Min(3),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(
        Line::from(vec![
            Span::styled(" preflight ", theme::title()),
            Span::styled("─ finish ─ ", theme::dim()),
            Span::raw(iv.assessment.name.clone()),
            Span::styled(" ─ ", theme::dim()),
            Span::raw(format!("{} {}", checklist.id, checklist.version)),
        ]),
        header,
    );
    let [left, right] =
        Layout::horizontal([Constraint::Length(40), Constraint::Min(20)]).areas(summary);
    readiness(frame, left, &findings);
    sections(frame, right, &findings);
    let blockers: Vec<_> = findings.blockers().collect();
    let cursor = app.finish.cursor;
    blocker_list(frame, blockers_area, checklist, &blockers, cursor);
    let folder = app.finish.folder_for(&iv.assessment.name);
    let files = ReportFiles {
        dir: folder.clone(),
    };
    actions(
        frame,
        report_area,
        app,
        &files,
        cursor.checked_sub(blockers.len()),
    );
    paths(frame, files_area, &folder, &app.finish.key_path());
    footer_lines(frame, footer, app, &iv.assessment.updated);
}

fn verdict_style(v: SiteVerdict) -> Style {
    match v {
        SiteVerdict::Ready => theme::good(),
        SiteVerdict::NeedsAttention | SiteVerdict::Incomplete => theme::warn(),
        SiteVerdict::NotReady => theme::bad(),
        SiteVerdict::NotApplicable => theme::dim(),
    }
}

fn readiness(frame: &mut Frame<'_>, area: Rect, f: &Findings) {
    let block = Block::bordered()
        .title(" Readiness ")
        .border_style(theme::border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let c = &f.counts;
    let lines = vec![
        Line::from(vec![
            Span::styled(
                format!(" {} ", f.verdict.name().replace('_', " ").to_uppercase()),
                verdict_style(f.verdict).add_modifier(ratatui::style::Modifier::REVERSED),
            ),
            Span::raw(format!("  {}% ready", f.score)),
        ]),
        Line::raw(""),
        Line::raw(format!(
            "{} ready · {} not ready · {} attention",
            c.ready, c.not_ready, c.needs_attention
        )),
        Line::raw(format!(
            "{} unanswered · {} n/a · {} not asked",
            c.unanswered, c.not_applicable, c.not_asked
        )),
        Line::from(vec![
            Span::styled(
                format!(
                    "{} open blocker{}",
                    c.open_blockers,
                    if c.open_blockers == 1 { "" } else { "s" }
                ),
                if c.open_blockers > 0 {
                    theme::bad()
                } else {
                    theme::good()
                },
            ),
            Span::raw(format!(
                " · {} disagreement{}",
                c.disagreements,
                if c.disagreements == 1 { "" } else { "s" }
            )),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
    let gauge = Rect {
        y: inner.y + 1,
        height: 1,
        ..inner
    };
    frame.render_widget(
        LineGauge::default()
            .ratio(f64::from(f.score) / 100.0)
            .label("")
            .filled_style(verdict_style(f.verdict))
            .unfilled_style(theme::dim()),
        gauge,
    );
}

fn sections(frame: &mut Frame<'_>, area: Rect, f: &Findings) {
    let block = Block::bordered()
        .title(" Sections ")
        .border_style(theme::border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let room = usize::from(inner.height);
    let shown = if f.sections.len() > room {
        room.saturating_sub(1)
    } else {
        f.sections.len()
    };
    let mut lines: Vec<Line<'_>> = f
        .sections
        .iter()
        .take(shown)
        .map(|s| {
            let tail = format!(
                " {:<15} {:>4}",
                s.verdict.name().replace('_', " "),
                crate::report::findings::score_text(s.verdict.name(), s.score)
            );
            let title = fit(&s.title, width.saturating_sub(tail.chars().count()));
            Line::from(vec![
                Span::raw(format!(
                    "{title:<w$}",
                    w = width.saturating_sub(tail.chars().count())
                )),
                Span::styled(tail, verdict_style(s.verdict)),
            ])
        })
        .collect();
    if shown < f.sections.len() {
        lines.push(Line::styled(
            format!(
                "… {} more (the report lists them all)",
                f.sections.len() - shown
            ),
            theme::dim(),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn blocker_list(
    frame: &mut Frame<'_>,
    area: Rect,
    checklist: &Checklist,
    blockers: &[&crate::report::ItemFinding],
    cursor: usize,
) {
    let focused = cursor < blockers.len();
    let title = if blockers.is_empty() {
        " No open blockers ".to_owned()
    } else {
        format!(
            " {} open blocker{} · Enter goes to the item ",
            blockers.len(),
            if blockers.len() == 1 { "" } else { "s" }
        )
    };
    let block = Block::bordered()
        .title(title)
        .border_style(theme::border(focused));
    let width = usize::from(area.width.saturating_sub(2));
    let items: Vec<ListItem<'_>> = blockers
        .iter()
        .map(|b| {
            let (glyph, style) = if b.readiness == Readiness::Unanswered {
                ("?", theme::warn())
            } else {
                ("✘", theme::bad())
            };
            let section = checklist
                .position(&b.id)
                .map(|(s, _)| checklist.sections[s].title.as_str())
                .unwrap_or_default();
            let text = format!("{}  {} · {}", b.id, b.prompt, section);
            ListItem::new(Line::from(vec![
                Span::styled(format!(" {glyph} "), style),
                Span::raw(fit(&text, width.saturating_sub(3))),
            ]))
        })
        .collect();
    if items.is_empty() {
        frame.render_widget(
            Paragraph::new(" Every blocker is ready or not applicable.")
                .style(theme::good())
                .block(block),
            area,
        );
        return;
    }
    let list = List::new(items)
        .block(block)
        .highlight_style(theme::selected(focused));
    let mut state = ListState::default().with_selected(focused.then_some(cursor));
    frame.render_stateful_widget(list, area, &mut state);
}

fn actions(
    frame: &mut Frame<'_>,
    area: Rect,
    app: &App,
    files: &ReportFiles,
    cursor: Option<usize>,
) {
    let f = &app.finish;
    let written = |p: &std::path::Path| f.written.iter().any(|(_, w)| w == p);
    let width = usize::from(area.width.saturating_sub(2));
    let items: Vec<ListItem<'_>> = Command::ACTIONS
        .iter()
        .enumerate()
        .map(|(n, &command)| {
            let (file, extra) = match command {
                Command::Build => (files.json(), None),
                Command::Sign => (files.sig(), f.signed_by.clone()),
                Command::Html => (files.export(Format::Html), None),
                _ => (files.export(Format::Markdown), None),
            };
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut spans = vec![
                Span::styled(format!(" {} ", n + 1), theme::key()),
                Span::raw(format!("{:<18}", command.label())),
                Span::styled(name, theme::dim()),
            ];
            if written(&file) {
                spans.push(Span::styled(" ✔ written", theme::good()));
                if let Some(who) = extra {
                    spans.push(Span::raw(format!(" by {who}")));
                }
            }
            let line = Line::from(spans);
            let used: usize = line.spans.iter().map(|s| s.content.chars().count()).sum();
            if used > width {
                let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                return ListItem::new(Line::raw(fit(&text, width)));
            }
            ListItem::new(line)
        })
        .collect();
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(" Report · 1-4 or Enter ")
                .border_style(theme::border(cursor.is_some())),
        )
        .highlight_style(theme::selected(cursor.is_some()));
    let mut state = ListState::default().with_selected(cursor);
    frame.render_stateful_widget(list, area, &mut state);
}

fn paths(frame: &mut Frame<'_>, area: Rect, folder: &std::path::Path, key: &std::path::Path) {
    let block = Block::bordered()
        .title(" Files ")
        .border_style(theme::border(false));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let line = |label: &str, path: &std::path::Path, key: &str| {
        let tail = format!("  {key} changes");
        let room = width.saturating_sub(8 + tail.chars().count());
        Line::from(vec![
            Span::styled(format!("{label:<8}"), theme::dim()),
            Span::raw(format!(
                "{:<room$}",
                fit_left(&path.display().to_string(), room)
            )),
            Span::styled(tail, theme::key()),
        ])
    };
    frame.render_widget(
        Paragraph::new(vec![line("Folder", folder, "O"), line("Key", key, "K")]),
        inner,
    );
}

/// Cuts `s` to `width` characters from the left (a path's end is what tells paths apart).
fn fit_left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - (width - 1)));
    out
}

fn footer_lines(frame: &mut Frame<'_>, area: Rect, app: &App, updated: &str) {
    let f = &app.finish;
    let line1 = Rect { height: 1, ..area };
    let line2 = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    let status = match (&f.built_from, &f.signed_by) {
        (None, _) => Line::styled(
            " No report written yet from this screen: 1 builds it, 2 builds and signs it",
            theme::dim(),
        ),
        (Some(at), _) if at != updated => Line::styled(
            " The answers changed since the report was built: build or sign it again",
            theme::warn(),
        ),
        (Some(_), Some(who)) => Line::styled(
            format!(" The report is up to date and signed by {who}"),
            theme::good(),
        ),
        (Some(_), None) => Line::styled(
            " The report is up to date and not signed: 2 signs it",
            theme::warn(),
        ),
    };
    let notice = app.notice.as_ref().map(|n| {
        let style = match n.level {
            Level::Info => theme::dim(),
            Level::Warn => theme::warn(),
            Level::Error => theme::bad(),
        };
        Line::styled(format!(" {}", n.text), style)
    });
    if let Some((field, editor)) = &f.editing {
        // Why the field is asked for (a passphrase that did not open the key) stays in view.
        frame.render_widget(notice.unwrap_or(status), line1);
        let (label, shown) = match field {
            Field::KeyPath => (" Key: ", editor.text().to_owned()),
            Field::Folder => (" Folder: ", editor.text().to_owned()),
            Field::Passphrase => (
                " Passphrase (not kept): ",
                "*".repeat(editor.text().chars().count()),
            ),
        };
        frame.render_widget(
            Line::from(vec![Span::styled(label, theme::key()), Span::raw(shown)]),
            line2,
        );
        let x =
            line2.x + u16::try_from(label.chars().count() + editor.cursor()).unwrap_or(u16::MAX);
        frame.set_cursor_position(Position::new(
            x.min(line2.right().saturating_sub(1)),
            line2.y,
        ));
        return;
    }
    frame.render_widget(status, line1);
    if let Some(notice) = notice {
        frame.render_widget(notice, line2);
        return;
    }
    let keys: &[(&str, &str)] = &[
        ("↑↓", "move"),
        ("Enter", "go / do"),
        ("1-4", "report"),
        ("K", "key"),
        ("O", "folder"),
        ("Esc", "back"),
        ("?", "help"),
        ("q", "quit"),
    ];
    let mut spans = Vec::new();
    for (k, what) in keys {
        spans.push(Span::styled(format!(" {k}"), theme::key()));
        spans.push(Span::raw(format!(" {what} ")));
    }
    frame.render_widget(Line::from(spans), line2);
}

//! The probes view: the tasks planned for the site from the chosen vantage with their live
//! status, and the selected task's results with their evidence.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};

use super::fit;
use crate::probe::Verdict;
use crate::probe::evidence::TlsEvidence;

use crate::probe::Facts;
use crate::probe::certfile::CertFileFacts;
use crate::tui::app::App;
use crate::tui::probes::{Asked, TaskStatus};
use crate::tui::theme;

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let p = &app.probes;
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(2),
    ])
    .areas(area);
    let vantage = p
        .vantage
        .as_deref()
        .unwrap_or("none (port rules not probed)");
    frame.render_widget(
        Line::from(vec![
            Span::styled(" preflight ", theme::title()),
            Span::styled("─ probes ─ vantage: ", theme::dim()),
            Span::raw(vantage.to_owned()),
            Span::styled(format!(" ─ on {}", app.host), theme::dim()),
        ]),
        header,
    );
    let [list_area, detail_area] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    let inner_w = usize::from(list_area.width.saturating_sub(2));
    let rows: Vec<ListItem<'_>> = p
        .tasks
        .iter()
        .enumerate()
        .map(|(i, task)| {
            let (glyph, style) = match (&p.status[i], p.verdict(i)) {
                (TaskStatus::Running, _) => (SPINNER[p.frame % SPINNER.len()], theme::key()),
                (TaskStatus::Queued, _) => ("…", theme::dim()),
                (_, Some(v)) => verdict_glyph(v),
                (_, None) => ("·", theme::dim()),
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!(" {glyph} "), style),
                Span::raw(fit(&task.label(), inner_w.saturating_sub(3))),
            ]))
        })
        .collect();
    let title = format!(
        " {} probe{} ",
        p.tasks.len(),
        if p.tasks.len() == 1 { "" } else { "s" }
    );
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "Nothing to probe: the site has no names, and no port rule starts at this vantage.\n\nS enters the site's hosts, names and port rules (or import a file: `preflight site import SESSION FILE`; `preflight init` writes an example), then v chooses this machine's role.",
            )
            .wrap(Wrap { trim: false })
            .style(theme::dim())
            .block(Block::bordered().title(title).border_style(theme::border(true))),
            list_area,
        );
    } else {
        let list = List::new(rows)
            .block(
                Block::bordered()
                    .title(title)
                    .border_style(theme::border(true)),
            )
            .highlight_style(theme::selected(true));
        let mut state = ListState::default().with_selected(Some(p.cursor));
        frame.render_stateful_widget(list, list_area, &mut state);
    }
    let lines = detail(app, usize::from(detail_area.width.saturating_sub(2)));
    // Scrolled by whole lines of the evidence; never past its last line.
    let last = u16::try_from(lines.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let scroll = p.detail_scroll.min(last);
    let title = if scroll > 0 {
        format!(" Results (line {}) ", scroll + 1)
    } else {
        " Results (PgDn scrolls) ".to_owned()
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(
                Block::bordered()
                    .title(title)
                    .border_style(theme::border(false)),
            ),
        detail_area,
    );
    render_footer(frame, footer, app);
}

/// A TLS scan as a person reads it: the protocol × suite grid, the chain as a tree, the trust.
/// A certificate file: what it holds, each certificate as a person checks it.
fn certfile_lines(f: &CertFileFacts) -> Vec<Line<'static>> {
    let Some(i) = &f.inspection else {
        return vec![Line::styled(
            format!("  {}", f.error.as_deref().unwrap_or("not read")),
            theme::bad(),
        )];
    };
    let mut lines = vec![Line::raw(format!(
        "  {} · {} certificate(s) · private key: {}",
        i.format,
        i.certificates.len(),
        match (i.private_keys.is_empty(), i.key_matches) {
            (true, _) => "none",
            (false, Some(false)) => "present, not this certificate's",
            (false, _) => "present",
        }
    ))];
    for c in &i.certificates {
        let style = if c.expired || c.not_yet_valid {
            theme::bad()
        } else {
            theme::dim()
        };
        lines.push(Line::styled(
            format!(
                "  {} ← {} · {} bits {} · until {}{}",
                c.subject,
                c.issuer,
                c.key.bits,
                c.key.kind,
                c.not_after,
                if c.self_signed { " · self-signed" } else { "" }
            ),
            style,
        ));
    }
    lines
}

fn tls_lines(tls: &TlsEvidence, width: usize) -> Vec<Line<'static>> {
    let f = &tls.facts;
    let mut lines = vec![Line::styled(
        format!("Grade {}", tls.grade.grade),
        theme::title(),
    )];
    // Nobody answered: there is no grid or chain to draw, and the summary said why.
    if !f.reached() {
        return lines;
    }
    let columns: Vec<&str> = f.protocols.iter().map(|p| p.version.as_str()).collect();
    let mut suites: Vec<&str> = Vec::new();
    for p in &f.protocols {
        for s in &p.cipher_suites {
            if !suites.contains(&s.as_str()) {
                suites.push(s);
            }
        }
    }
    // One narrow column per protocol; the suite names take what is left of the pane.
    let name_w = width.saturating_sub(5 * columns.len()).max(12);
    let mut header = String::new();
    for c in &columns {
        let _ = write!(
            header,
            "{:>5}",
            c.trim_start_matches("TLSv").trim_start_matches("SSLv")
        );
    }
    lines.push(Line::styled(
        format!("{:name_w$}{header}", "suite"),
        theme::dim(),
    ));
    for suite in suites {
        let weak = crate::probe::tls::suites::by_name(suite).is_some_and(|s| s.weak);
        let mut marks = String::new();
        for p in &f.protocols {
            let on = p.offered && p.cipher_suites.iter().any(|s| s == suite);
            let _ = write!(marks, "{:>5}", if on { "✔" } else { "·" });
        }
        let name = fit(suite.trim_start_matches("TLS_"), name_w);
        lines.push(Line::styled(
            format!("{name:name_w$}{marks}"),
            if weak {
                theme::bad()
            } else {
                ratatui::style::Style::new()
            },
        ));
    }
    if let Some(c) = &f.certificate {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Chain as served", theme::title()));
        for (n, e) in c.chain.iter().enumerate() {
            lines.push(Line::raw(format!("{}└ {}", "  ".repeat(n), e.subject)));
        }
        lines.push(Line::raw(format!(
            "{} key, {}, expires {} ({} days)",
            c.key_type,
            c.signature_hash.as_deref().unwrap_or("?"),
            c.not_after,
            c.days_left
        )));
    }
    if let Some(t) = &f.trust {
        let (text, style) = if t.trusted {
            ("trusted".to_owned(), theme::good())
        } else {
            (t.detail.clone(), theme::bad())
        };
        lines.push(Line::styled(format!("Trust: {text}"), style));
    }
    lines
}

/// The counts of the run, and the notice or the keys that matter now.
fn render_footer(frame: &mut Frame<'_>, footer: Rect, app: &App) {
    let p = &app.probes;
    let (pass, warn, fail) = p.counts();
    let state = if p.running { "running" } else { "idle" };
    let keys = if p.running {
        " c stop · ↑↓ move · ? help"
    } else {
        " r run all · Enter run this · v vantage · Esc back to the checklist · q quit"
    };
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(format!(" {pass} pass "), theme::good()),
                Span::styled(format!("· {warn} warn "), theme::warn()),
                Span::styled(format!("· {fail} fail "), theme::bad()),
                Span::styled(format!("· {state}"), theme::dim()),
            ]),
            match (&p.asking, &app.notice) {
                (Some(field), _) => Line::from(vec![
                    Span::styled(
                        match field.asked {
                            Asked::Sql => {
                                format!(" SQL password for {} (not saved): ", p.sql_login())
                            }
                            Asked::Pfx => " PFX password (not saved): ".to_owned(),
                        },
                        theme::title(),
                    ),
                    Span::raw("*".repeat(field.editor.text().chars().count())),
                ]),
                (None, Some(n)) => Line::styled(format!(" {}", n.text), theme::warn()),
                (None, None) => Line::styled(keys, theme::dim()),
            },
        ]),
        footer,
    );
}

pub fn verdict_glyph(v: Verdict) -> (&'static str, ratatui::style::Style) {
    match v {
        Verdict::Pass => ("✔", theme::good()),
        Verdict::Warn => ("!", theme::warn()),
        Verdict::Fail => ("✘", theme::bad()),
        Verdict::Error => ("?", theme::bad()),
        Verdict::Skipped => ("–", theme::dim()),
    }
}

fn detail(app: &App, width: usize) -> Vec<Line<'static>> {
    let p = &app.probes;
    let Some(task) = p.tasks.get(p.cursor) else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled(task.label(), theme::title()), Line::raw("")];
    let results = &p.results[p.cursor];
    if results.is_empty() {
        let state = match p.status[p.cursor] {
            TaskStatus::Running => "Running: c stops the run.",
            TaskStatus::Queued => "Waiting for its turn: c stops the run.",
            _ => "Not run yet: Enter runs it, r runs all.",
        };
        lines.push(Line::styled(state, theme::dim()));
    }
    for r in results {
        let (glyph, style) = verdict_glyph(r.verdict);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{glyph} {} ", r.verdict.label().to_uppercase()),
                style,
            ),
            Span::styled(
                format!("{}.{} · {} ms · {}", r.kind, r.check, r.ms, r.at),
                theme::dim(),
            ),
        ]));
        lines.push(Line::raw(r.summary.clone()));
        match &r.evidence.facts {
            Facts::Sql(s) => lines.extend(super::sql::lines(
                &s.facts,
                app.current().map(|(c, _)| c),
                width,
            )),
            Facts::Tls(t) => lines.extend(tls_lines(t, width)),
            Facts::Certfile(c) => lines.extend(certfile_lines(&c.facts)),
            Facts::None => {}
            other => {
                if let Ok(pretty) = serde_json::to_string_pretty(other) {
                    for l in pretty.lines().take(40) {
                        lines.push(Line::styled(format!("  {l}"), theme::dim()));
                    }
                }
            }
        }
        lines.push(Line::raw(""));
    }
    lines
}

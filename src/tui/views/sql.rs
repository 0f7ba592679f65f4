//! A SQL probe's result as a person reads it in the probes view: what the server is, its
//! availability groups, mirroring and backups, then every SQL rule of the checklist judged on
//! it with the items it answers, and the queries behind the facts.

use ratatui::text::{Line, Span};

use super::fit;
use super::probes::verdict_glyph;
use crate::checklist::{Checklist, ProbeKind};
use crate::probe::sql::SqlFacts;
use crate::probe::sql::{checks, tables};
use crate::tui::theme;

/// The facts, the checklist's SQL rules judged on them with their items, and the queries.
pub fn lines(f: &SqlFacts, checklist: Option<&Checklist>, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (label, value) in tables::overview(f) {
        let style = if label == "Could not connect" {
            theme::bad()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{label}: "), theme::dim()),
            Span::styled(value, style),
        ]));
    }
    for t in tables::tables(f) {
        table_lines(&mut lines, &t, width);
    }
    if let Some(c) = checklist {
        rules_lines(&mut lines, f, c, width);
    }
    if !f.queries.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Queries ({} batches after the login)", f.batches),
            theme::title(),
        ));
        for q in &f.queries {
            lines.push(Line::styled(
                fit(&format!("  {:13} {}", q.tag, q.outcome), width),
                theme::dim(),
            ));
        }
    }
    lines
}

/// A table as a title and a line per row, the rows the guide would not accept in red.
fn table_lines(lines: &mut Vec<Line<'static>>, t: &tables::Table, width: usize) {
    match (&t.unknown, t.rows.is_empty()) {
        (Some(why), _) => lines.push(Line::from(vec![
            Span::styled(format!("{}: ", t.title), theme::title()),
            Span::styled(why.clone(), theme::bad()),
        ])),
        (None, true) => lines.push(Line::from(vec![
            Span::styled(format!("{}: ", t.title), theme::title()),
            Span::styled("none", theme::dim()),
        ])),
        (None, false) => {
            lines.push(Line::styled(t.title, theme::title()));
            for r in &t.rows {
                let text = fit(&format!("  {}", r.cells.join(" · ")), width);
                lines.push(if r.bad {
                    Line::styled(text, theme::bad())
                } else {
                    Line::raw(text)
                });
            }
        }
    }
}

/// Each SQL rule of the checklist once, its verdict on these facts, and the items it answers.
fn rules_lines(lines: &mut Vec<Line<'static>>, f: &SqlFacts, c: &Checklist, width: usize) {
    let rules = c.rules(ProbeKind::Sql);
    if rules.is_empty() {
        return;
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Checklist rules", theme::title()));
    for rule in rules {
        let crate::rules::Check::Sql(check) = &rule.binding.check else {
            continue;
        };
        let (verdict, words) = checks::evaluate(check, f);
        let items: Vec<&str> = rule.items.iter().map(|i| i.id.as_str()).collect();
        let (glyph, style) = verdict_glyph(verdict);
        lines.push(Line::from(vec![
            Span::styled(format!("{glyph} "), style),
            Span::raw(fit(&rule.key, width.saturating_sub(2))),
        ]));
        lines.push(Line::styled(
            fit(&format!("    {}", items.join(", ")), width),
            theme::dim(),
        ));
        lines.push(Line::raw(format!("    {words}")));
    }
}

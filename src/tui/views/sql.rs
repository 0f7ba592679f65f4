//! A SQL probe's result as a person reads it in the probes view: what the server is, its
//! availability groups, mirroring and backups, then every SQL rule of the checklist judged on
//! it with the items it answers, and the queries behind the facts.

use ratatui::text::{Line, Span};

use super::fit;
use super::probes::verdict_glyph;
use crate::checklist::{Checklist, ProbeKind};
use crate::probe::sql::SqlFacts;
use crate::probe::sql::checks;
use crate::probe::sql::facts::Fact;
use crate::tui::theme;

fn or_q(s: Option<&str>) -> &str {
    s.unwrap_or("?")
}

fn section<T>(
    lines: &mut Vec<Line<'static>>,
    title: &str,
    fact: &Fact<Vec<T>>,
    width: usize,
    line: impl Fn(&T) -> String,
) {
    match fact {
        Fact::Value(v) if v.is_empty() => {
            lines.push(Line::from(vec![
                Span::styled(format!("{title}: "), theme::title()),
                Span::styled("none", theme::dim()),
            ]));
        }
        Fact::Value(v) => {
            lines.push(Line::styled(title.to_owned(), theme::title()));
            for x in v {
                lines.push(Line::raw(format!(
                    "  {}",
                    fit(&line(x), width.saturating_sub(2))
                )));
            }
        }
        Fact::Unknown(why) => {
            lines.push(Line::from(vec![
                Span::styled(format!("{title}: "), theme::title()),
                Span::styled(why.clone(), theme::bad()),
            ]));
        }
    }
}

/// The facts, the checklist's SQL rules judged on them with their items, and the queries.
pub fn lines(f: &SqlFacts, checklist: Option<&Checklist>, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(p) = &f.prelogin {
        lines.push(Line::styled(
            format!(
                "Before login: {} {}, encryption {}",
                or_q(p.product.as_deref()),
                or_q(p.version.as_deref()),
                p.encryption.replace('_', " ")
            ),
            theme::dim(),
        ));
    }
    if let Some(e) = &f.connection_error {
        lines.push(Line::styled(
            format!("Could not connect: {e}"),
            theme::bad(),
        ));
    } else {
        facts_lines(&mut lines, f, width);
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

fn facts_lines(lines: &mut Vec<Line<'static>>, f: &SqlFacts, width: usize) {
    match &f.instance {
        Fact::Value(i) => {
            lines.push(Line::styled(
                format!("{} {} ({})", i.release(), i.edition, i.product_version),
                theme::title(),
            ));
            lines.push(Line::raw(format!(
                "login {} · sysadmin {} · AlwaysOn {} · encrypted {}",
                or_q(i.login.as_deref()),
                yes_no(i.sysadmin),
                match i.hadr_enabled {
                    Some(true) => "enabled",
                    Some(false) => "not enabled",
                    None => "n/a",
                },
                f.encrypted
                    .value()
                    .map_or("?", |e| if *e { "yes" } else { "no" })
            )));
        }
        Fact::Unknown(why) => lines.push(Line::styled(why.clone(), theme::bad())),
    }
    section(
        lines,
        "Availability group replicas",
        &f.replicas,
        width,
        |r| {
            format!(
                "{} {} · {} · {} failover · {} · {}",
                r.group,
                r.server,
                r.availability_mode,
                r.failover_mode,
                or_q(r.role.as_deref()),
                or_q(r.health.as_deref())
            )
        },
    );
    section(lines, "Listener", &f.listeners, width, |l| {
        format!(
            "{} {} on {}",
            l.dns_name,
            or_q(l.ip.as_deref()),
            or_q(l.subnet.as_deref())
        )
    });
    section(lines, "Mirroring", &f.mirroring, width, |m| {
        format!(
            "{} {} {} · safety {} · partner {} · witness {}",
            m.database,
            or_q(m.role.as_deref()),
            or_q(m.state.as_deref()),
            or_q(m.safety.as_deref()),
            or_q(m.partner.as_deref()),
            m.witness.as_deref().unwrap_or("none")
        )
    });
    section(lines, "Backups", &f.backups, width, |b| {
        format!(
            "{} ({}) · full {} · log {}",
            b.database,
            b.recovery_model,
            or_q(b.last_full.as_deref()),
            or_q(b.last_log.as_deref())
        )
    });
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
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
        let Some((verdict, words)) =
            checks::evaluate(rule.binding.spec.name, &rule.binding.expect, f)
        else {
            continue;
        };
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

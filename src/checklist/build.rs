//! The one function from a checklist file's text to the validated model. Each rule of the
//! format is a small function here; every problem found is collected (not just the first) with
//! its position, so an author fixes a file in one pass.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::diag::{Collector, Diagnostic, Diagnostics};
use super::raw;
use super::{AnswerKind, Checklist, Choice, Condition, Item, Origin, Section, Severity};
use crate::rules::{
    self as probe, Check, Os, ParamType, ParamValue, ProbeBinding, ProbeKind, Scope, Side,
};

/// Where the problems of the file being built are gathered.
type Ctx<'a> = Collector<'a>;

pub(super) fn build(text: &str, path: &Path, origin: Origin) -> Result<Checklist, Diagnostics> {
    let mut cx = Ctx::new(path, text);
    let file: raw::File = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            cx.error(span, e.message().trim_end().to_owned());
            return Err(cx.into_diagnostics());
        }
    };
    let header_span = file.checklist.span();
    let header = file.checklist.into_inner();
    check_slug(&mut cx, &header.id, "checklist id", false);
    if header.version.get_ref().trim().is_empty() {
        cx.error(
            header.version.span(),
            "expected a version, found an empty string",
        );
    }
    if file.sections.is_empty() {
        cx.error(header_span, "expected at least one [[section]] with items");
    }

    let roles: Vec<String> = header
        .roles
        .iter()
        .map(|r| r.get_ref().trim().to_owned())
        .collect();
    let (mut sections, pending_when) = build_sections(&mut cx, file.sections, &roles);
    // Conditions read the first item of an id; a duplicate is already reported.
    let mut kinds: HashMap<String, AnswerKind> = HashMap::new();
    for item in sections.iter().flat_map(|s| &s.items) {
        kinds
            .entry(item.id.clone())
            .or_insert_with(|| item.kind.clone());
    }
    let mut conditions = HashMap::new();
    let mut when_spans = HashMap::new();
    for (id, when) in pending_when {
        when_spans.insert(id.clone(), when.span());
        if let Some(c) = build_condition(&mut cx, &id, &when, &kinds) {
            conditions.insert(id, c);
        }
    }
    check_cycles(&mut cx, &conditions, &when_spans);

    if cx.count() > 0 {
        return Err(cx.into_diagnostics());
    }
    for item in sections.iter_mut().flat_map(|s| &mut s.items) {
        item.when = conditions.remove(&item.id);
    }
    let index = sections
        .iter()
        .enumerate()
        .flat_map(|(s, sec)| {
            sec.items
                .iter()
                .enumerate()
                .map(move |(i, item)| (item.id.clone(), (s, i)))
        })
        .collect();
    Ok(Checklist {
        id: header.id.into_inner(),
        version: header.version.into_inner(),
        title: header.title,
        description: header.description,
        source: header.source,
        content_hash: super::content_hash(text),
        origin,
        sections,
        index,
    })
}

/// Conditions waiting for every item to be known: (owner item id, condition).
type PendingWhen = Vec<(String, Spanned<raw::Condition>)>;

/// First pass: every section and item on its own, so conditions can refer forward.
fn build_sections(
    cx: &mut Ctx<'_>,
    raw_sections: Vec<Spanned<raw::Section>>,
    roles: &[String],
) -> (Vec<Section>, PendingWhen) {
    let text = cx.text();
    let mut sections = Vec::new();
    let mut seen_sections: HashMap<String, Range<usize>> = HashMap::new();
    let mut seen_items: HashMap<String, Range<usize>> = HashMap::new();
    let mut pending_when = Vec::new();
    for section in raw_sections {
        let section_span = section.span();
        let section = section.into_inner();
        check_slug(cx, &section.id, "section id", false);
        if let Some(first) = seen_sections.insert(section.id.get_ref().clone(), section.id.span()) {
            let (line, _) = line_of(text, first.start);
            cx.error(
                section.id.span(),
                format!(
                    "duplicate section id `{}` (first used on line {line})",
                    section.id.get_ref()
                ),
            );
        }
        if section.items.is_empty() {
            cx.error(
                section_span,
                "expected at least one [[section.item]] in this section",
            );
        }
        let mut items = Vec::new();
        for item in section.items {
            let mut item = item.into_inner();
            let id = item.id.get_ref().clone();
            check_slug(cx, &item.id, "item id", true);
            if !id.starts_with(&format!("{}.", section.id.get_ref())) {
                cx.error(
                    item.id.span(),
                    format!(
                        "expected the item id to start with its section's id `{}.`",
                        section.id.get_ref()
                    ),
                );
            }
            if let Some(first) = seen_items.insert(id.clone(), item.id.span()) {
                let (line, _) = line_of(text, first.start);
                cx.error(
                    item.id.span(),
                    format!("duplicate item id `{id}` (first used on line {line})"),
                );
            }
            if let Some(when) = item.when.take() {
                pending_when.push((id.clone(), when));
            }
            if let Some(built) = build_item(cx, item, roles) {
                items.push(built);
            }
        }
        sections.push(Section {
            id: section.id.into_inner(),
            title: section.title,
            guidance: section.guidance,
            items,
        });
    }

    (sections, pending_when)
}

fn line_of(text: &str, offset: usize) -> (usize, usize) {
    let d = Diagnostic::at(Path::new(""), text, offset..offset, "");
    (d.line, d.column)
}

/// Ids are lowercase ASCII words; item ids are dotted paths of them.
fn check_slug(cx: &mut Ctx<'_>, id: &Spanned<String>, what: &str, dotted: bool) {
    let s = id.get_ref();
    let word_ok = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    let ok = if dotted {
        s.split('.').count() >= 2 && s.split('.').all(word_ok)
    } else {
        s.split('.').all(word_ok)
    };
    if !ok {
        let shape = if dotted {
            "a dotted id of lowercase words (a-z, 0-9, '-', '_') such as `section.item`"
        } else {
            "lowercase letters, digits, '-', '_' or '.'"
        };
        cx.error(id.span(), format!("invalid {what} `{s}`: expected {shape}"));
    }
}

fn build_item(cx: &mut Ctx<'_>, item: raw::Item, roles: &[String]) -> Option<Item> {
    let before = cx.count();
    if item.prompt.trim().is_empty() {
        cx.error(
            item.id.span(),
            "expected a non-empty `prompt` for this item",
        );
    }
    if item.source.trim().is_empty() {
        cx.error(
            item.id.span(),
            "expected a non-empty `source` naming the guide and section",
        );
    }
    let severity = Severity::parse(item.severity.get_ref());
    if severity.is_none() {
        cx.error(
            item.severity.span(),
            format!(
                "unknown severity `{}`: expected one of {}",
                item.severity.get_ref(),
                probe::quote_list(&Severity::NAMES)
            ),
        );
    }
    let kind = build_kind(cx, &item);
    let good = match (&kind, item.good) {
        (_, None) | (None, Some(_)) => Vec::new(),
        (Some(kind), Some(good)) => {
            let values = kind.values();
            if values.is_empty() {
                cx.error(
                    good.span(),
                    format!(
                        "`good` applies to confirm, choice and multi items, not to {} items",
                        kind.name()
                    ),
                );
            }
            for v in good.get_ref() {
                if !values.is_empty() && !values.contains(&v.get_ref().as_str()) {
                    cx.error(
                        v.span(),
                        format!(
                            "`{}` is not an answer of this item: expected one of {}",
                            v.get_ref(),
                            probe::quote_list(&values)
                        ),
                    );
                }
            }
            good.into_inner()
                .into_iter()
                .map(Spanned::into_inner)
                .collect()
        }
    };
    let probe = item.probe.and_then(|p| build_probe(cx, &p, roles));
    if cx.count() > before {
        return None;
    }
    Some(Item {
        id: item.id.into_inner(),
        prompt: item.prompt,
        guidance: item.guidance,
        kind: kind?,
        severity: severity?,
        source: item.source,
        good,
        when: None,
        probe,
    })
}

fn build_kind(cx: &mut Ctx<'_>, item: &raw::Item) -> Option<AnswerKind> {
    let name = item.kind.get_ref().as_str();
    if !AnswerKind::NAMES.contains(&name) {
        cx.error(
            item.kind.span(),
            format!(
                "unknown answer kind `{name}`: expected one of {}",
                probe::quote_list(&AnswerKind::NAMES)
            ),
        );
        return None;
    }
    let has_options = matches!(name, "choice" | "multi");
    let mut forbid = |present: Option<Range<usize>>, key: &str, for_kinds: &str| {
        if let Some(span) = present {
            cx.error(
                span,
                format!("`{key}` applies to {for_kinds} items, not to {name} items"),
            );
        }
    };
    if !has_options {
        forbid(
            item.options.as_ref().map(Spanned::span),
            "options",
            "choice and multi",
        );
    }
    if name != "table" {
        forbid(item.columns.as_ref().map(Spanned::span), "columns", "table");
    }
    if name != "number" {
        forbid(item.min.as_ref().map(Spanned::span), "min", "number");
        forbid(item.max.as_ref().map(Spanned::span), "max", "number");
        forbid(item.unit.as_ref().map(Spanned::span), "unit", "number");
    }
    Some(match name {
        "confirm" => AnswerKind::Confirm,
        "text" => AnswerKind::Text,
        "choice" | "multi" => {
            let options = build_options(cx, item)?;
            if name == "choice" {
                AnswerKind::Choice { options }
            } else {
                AnswerKind::Multi { options }
            }
        }
        "number" => {
            let min = item.min.as_ref().map(|m| *m.get_ref());
            let max = item.max.as_ref().map(|m| *m.get_ref());
            if let (Some(lo), Some(hi), Some(span)) = (min, max, item.max.as_ref())
                && lo > hi
            {
                cx.error(span.span(), format!("expected `max` ≥ `min` ({lo})"));
            }
            AnswerKind::Number {
                min,
                max,
                unit: item.unit.as_ref().map(|u| u.get_ref().clone()),
            }
        }
        _ => {
            let Some(columns) = &item.columns else {
                cx.error(
                    item.kind.span(),
                    "a table item needs `columns`: expected a list of column names",
                );
                return None;
            };
            if columns.get_ref().is_empty() || columns.get_ref().iter().any(|c| c.trim().is_empty())
            {
                cx.error(
                    columns.span(),
                    "expected at least one non-empty column name",
                );
            }
            AnswerKind::Table {
                columns: columns.get_ref().clone(),
            }
        }
    })
}

fn build_options(cx: &mut Ctx<'_>, item: &raw::Item) -> Option<Vec<Choice>> {
    let Some(options) = &item.options else {
        cx.error(
            item.kind.span(),
            format!(
                "a {} item needs `options`: expected a list of {{ value = \"...\", label = \"...\" }}",
                item.kind.get_ref()
            ),
        );
        return None;
    };
    if options.get_ref().len() < 2 {
        cx.error(options.span(), "expected at least two options");
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for o in options.get_ref() {
        let o = o.get_ref();
        let value = o.value.get_ref();
        let well_formed = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
        if !well_formed {
            cx.error(
                o.value.span(),
                format!("invalid option value `{value}`: expected lowercase letters, digits, '-', '_' or '.'"),
            );
        }
        if !seen.insert(value.clone()) {
            cx.error(o.value.span(), format!("duplicate option value `{value}`"));
        }
        out.push(Choice {
            value: value.clone(),
            label: o.label.clone(),
        });
    }
    Some(out)
}

fn build_condition(
    cx: &mut Ctx<'_>,
    owner: &str,
    when: &Spanned<raw::Condition>,
    kinds: &HashMap<String, AnswerKind>,
) -> Option<Condition> {
    let c = when.get_ref();
    let forms = [
        c.is.is_some(),
        c.any_of.is_some(),
        c.answered.is_some(),
        c.all.is_some(),
        c.any.is_some(),
        c.not.is_some(),
    ];
    let expected = "expected exactly one of `{ item, is }`, `{ item, in }`, `{ item, answered }`, `all`, `any` or `not`";
    if forms.iter().filter(|f| **f).count() != 1 {
        cx.error(when.span(), format!("invalid condition: {expected}"));
        return None;
    }
    let nested = |cx: &mut Ctx<'_>, list: &Spanned<Vec<Spanned<raw::Condition>>>| {
        if list.get_ref().is_empty() {
            cx.error(list.span(), "expected at least one condition in the list");
            return None;
        }
        let built: Vec<_> = list
            .get_ref()
            .iter()
            .map(|c| build_condition(cx, owner, c, kinds))
            .collect();
        built.into_iter().collect::<Option<Vec<_>>>()
    };
    if let Some(all) = &c.all {
        return check_no_item(cx, c).and(nested(cx, all).map(Condition::All));
    }
    if let Some(any) = &c.any {
        return check_no_item(cx, c).and(nested(cx, any).map(Condition::Any));
    }
    if let Some(not) = &c.not {
        check_no_item(cx, c)?;
        return build_condition(cx, owner, not, kinds).map(|c| Condition::Not(Box::new(c)));
    }
    build_leaf(cx, owner, when, kinds, expected)
}

/// A condition on one item: `{ item, is }`, `{ item, in }` or `{ item, answered }`.
fn build_leaf(
    cx: &mut Ctx<'_>,
    owner: &str,
    when: &Spanned<raw::Condition>,
    kinds: &HashMap<String, AnswerKind>,
    expected: &str,
) -> Option<Condition> {
    let c = when.get_ref();
    let Some(item) = &c.item else {
        cx.error(
            when.span(),
            format!("invalid condition: missing `item`; {expected}"),
        );
        return None;
    };
    let id = item.get_ref();
    if id == owner {
        cx.error(
            item.span(),
            format!("item `{owner}` cannot depend on its own answer"),
        );
        return None;
    }
    let Some(kind) = kinds.get(id) else {
        cx.error(
            item.span(),
            format!("condition names item `{id}`, which is not in this checklist"),
        );
        return None;
    };
    if let Some(answered) = &c.answered {
        return Some(Condition::Answered {
            item: id.clone(),
            answered: *answered.get_ref(),
        });
    }
    let values = kind.values();
    let check_value = |cx: &mut Ctx<'_>, v: &Spanned<String>| {
        if values.is_empty() {
            cx.error(
                v.span(),
                format!(
                    "item `{id}` is a {} item with no fixed answers: use `answered` instead",
                    kind.name()
                ),
            );
            false
        } else if values.contains(&v.get_ref().as_str()) {
            true
        } else {
            cx.error(
                v.span(),
                format!(
                    "`{}` can never be an answer of `{id}`: expected one of {}",
                    v.get_ref(),
                    probe::quote_list(&values)
                ),
            );
            false
        }
    };
    if let Some(is) = &c.is {
        return check_value(cx, is).then(|| Condition::Is {
            item: id.clone(),
            value: is.get_ref().clone(),
        });
    }
    let list = c.any_of.as_ref()?;
    if list.get_ref().is_empty() {
        cx.error(list.span(), "expected at least one value in `in`");
        return None;
    }
    // Every value is checked (no short circuit) so each wrong one gets its own message.
    let checked: Vec<bool> = list.get_ref().iter().map(|v| check_value(cx, v)).collect();
    checked.iter().all(|ok| *ok).then(|| Condition::In {
        item: id.clone(),
        values: list.get_ref().iter().map(|v| v.get_ref().clone()).collect(),
    })
}

fn check_no_item(cx: &mut Ctx<'_>, c: &raw::Condition) -> Option<()> {
    if let Some(item) = &c.item {
        cx.error(
            item.span(),
            "`item` goes inside the conditions of `all`, `any` or `not`, not beside them",
        );
        return None;
    }
    Some(())
}

/// Conditions must not depend on each other in a circle: such items could never be asked.
fn check_cycles(
    cx: &mut Ctx<'_>,
    conditions: &HashMap<String, Condition>,
    spans: &HashMap<String, Range<usize>>,
) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        id: &'a str,
        conditions: &'a HashMap<String, Condition>,
        marks: &mut HashMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        match marks.get(id) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|p| *p == id).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(id);
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(id, Mark::Visiting);
        path.push(id);
        if let Some(c) = conditions.get(id) {
            for dep in c.items() {
                if let Some(cycle) = visit(dep, conditions, marks, path) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        marks.insert(id, Mark::Done);
        None
    }
    let mut marks = HashMap::new();
    let mut ids: Vec<&String> = conditions.keys().collect();
    ids.sort_by_key(|id| spans.get(*id).map_or(0, |s| s.start));
    for id in ids {
        let mut path = Vec::new();
        if let Some(cycle) = visit(id, conditions, &mut marks, &mut path) {
            let at = spans.get(cycle[0]).cloned().unwrap_or(0..0);
            cx.error(
                at,
                format!(
                    "conditions depend on each other in a circle ({}): these items could never be asked",
                    cycle.join(" → ")
                ),
            );
            return;
        }
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "every problem of a binding is reported at its own position"
)]
fn build_probe(
    cx: &mut Ctx<'_>,
    p: &Spanned<raw::Probe>,
    roles: &[String],
) -> Option<ProbeBinding> {
    let raw = p.get_ref();
    let kind_name = raw.kind.get_ref();
    let Some(kind) = ProbeKind::parse(kind_name) else {
        let kinds: Vec<&str> = ProbeKind::ALL.iter().map(|k| k.name()).collect();
        cx.error(
            raw.kind.span(),
            format!(
                "unknown probe kind `{kind_name}`: expected one of {}",
                probe::quote_list(&kinds)
            ),
        );
        return None;
    };
    let Some(spec) = probe::check(kind, raw.check.get_ref()) else {
        cx.error(
            raw.check.span(),
            format!(
                "unknown {kind} check `{}`: expected one of {}",
                raw.check.get_ref(),
                probe::quote_list(&probe::check_names(kind))
            ),
        );
        return None;
    };
    let before = cx.count();
    let mut expect = std::collections::BTreeMap::new();
    for (key, value) in &raw.expect {
        if kind == ProbeKind::Tcp && matches!(key.get_ref().as_str(), "from" | "to") {
            cx.error(
                key.span(),
                format!(
                    "`{}` is part of the binding's scope, not of `expect`: write it beside `kind` \
                     (probe = {{ kind = \"tcp\", check = \"reachable\", from = \"…\", to = \"…\", expect = {{ ports = \"…\" }} }})",
                    key.get_ref()
                ),
            );
            continue;
        }
        let Some(param) = spec.params.iter().find(|p| p.name == key.get_ref()) else {
            let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
            let expected = if names.is_empty() {
                "this check takes no parameters".to_owned()
            } else {
                format!("expected one of {}", probe::quote_list(&names))
            };
            cx.error(
                key.span(),
                format!(
                    "unknown parameter `{}` of {kind}.{}: {expected}",
                    key.get_ref(),
                    spec.name
                ),
            );
            continue;
        };
        if let Some(v) = param_value(param.ty, value.get_ref()) {
            expect.insert(param.name.to_owned(), v);
        } else {
            cx.error(
                value.span(),
                format!(
                    "invalid value for `{}`: expected {}",
                    param.name,
                    param.ty.describe()
                ),
            );
        }
    }
    for param in spec.params.iter().filter(|p| p.required) {
        if !raw.expect.keys().any(|k| k.get_ref() == param.name) {
            cx.error(
                p.span(),
                format!(
                    "{kind}.{} needs `expect.{}`: {}",
                    spec.name,
                    param.name,
                    param.ty.describe()
                ),
            );
        }
    }
    let scope = build_scope(cx, raw, roles);
    let pass_means_yes = match raw.pass_means.as_ref().map(|p| p.get_ref().as_str()) {
        None | Some("yes") => true,
        Some("no") => false,
        Some(other) => {
            let span = raw.pass_means.as_ref().map_or(0..0, Spanned::span);
            cx.error(
                span,
                format!("invalid `pass_means` `{other}`: expected `yes` or `no`"),
            );
            true
        }
    };
    if cx.count() != before {
        return None;
    }
    match Check::build(spec, &expect) {
        Ok(check) => Some(ProbeBinding {
            spec,
            expect,
            check,
            scope,
            pass_means_yes,
        }),
        Err(why) => {
            cx.error(p.span(), format!("{kind}.{}: {why}", spec.name));
            None
        }
    }
}

/// A binding's scope, each role checked against the checklist's `roles` (a port row's
/// destination may instead be a URL or name addresses, as the guides' tables do).
fn build_scope(cx: &mut Ctx<'_>, raw: &raw::Probe, roles: &[String]) -> Scope {
    let known = |cx: &mut Ctx<'_>, span: Range<usize>, role: &str, may_be_address: bool| {
        let address = may_be_address
            && (role.contains("://")
                || role
                    .split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
                    .any(|w| w.contains('.') && w.parse::<std::net::IpAddr>().is_ok()));
        if !address && !roles.iter().any(|r| Scope::same_role(r, role)) {
            cx.error(
                span,
                if roles.is_empty() {
                    format!(
                        "the scope names the role `{role}`, but the checklist declares no roles: \
                         list the site's roles in `[checklist] roles = [...]`"
                    )
                } else {
                    format!(
                        "unknown role `{role}`: expected one of the checklist's roles ({})",
                        probe::quote_list(&roles.iter().map(String::as_str).collect::<Vec<_>>())
                    )
                },
            );
        }
    };
    let mut scope = Scope::default();
    if let Some(from) = &raw.from {
        known(cx, from.span(), from.get_ref(), true);
        scope.from = Some(from.get_ref().trim().to_owned());
    }
    if let Some(to) = &raw.to {
        let list: Option<Vec<String>> = match to.get_ref() {
            toml::Value::String(s) => Some(vec![s.clone()]),
            toml::Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        };
        match list {
            Some(list) => {
                for role in &list {
                    known(cx, to.span(), role, true);
                }
                scope.to = list.into_iter().map(|r| r.trim().to_owned()).collect();
            }
            None => cx.error(
                to.span(),
                "invalid `to`: expected a role, or a list of roles".to_owned(),
            ),
        }
    }
    if let Some(side) = &raw.seen_from {
        match side.get_ref().as_str() {
            "inside" => scope.seen_from = Some(Side::Inside),
            "outside" => scope.seen_from = Some(Side::Outside),
            other => cx.error(
                side.span(),
                format!("invalid `seen_from` `{other}`: expected `inside` or `outside`"),
            ),
        }
    }
    if let Some(os) = &raw.os {
        match Os::parse(os.get_ref()) {
            parsed @ Os::WindowsServer(_) => scope.os = Some(parsed),
            Os::Other(text) => cx.error(
                os.span(),
                format!(
                    "unknown operating system `{text}`: expected a Windows Server release \
                     (`Windows Server 2012 R2`, `Windows Server 2016`, …)"
                ),
            ),
        }
    }
    scope
}

fn param_value(ty: ParamType, value: &toml::Value) -> Option<ParamValue> {
    match (ty, value) {
        (ParamType::Str(allowed), toml::Value::String(s))
            if allowed.is_empty() || allowed.contains(&s.as_str()) =>
        {
            Some(ParamValue::Str(s.clone()))
        }
        (ParamType::Int, toml::Value::Integer(n)) => Some(ParamValue::Int(*n)),
        (ParamType::StrList(allowed), toml::Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|v| match v {
                toml::Value::String(s) if allowed.is_empty() || allowed.contains(&s.as_str()) => {
                    Some(s.clone())
                }
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(ParamValue::StrList),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "[checklist]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\nsource = \"s\"\n\n[[section]]\nid = \"a\"\ntitle = \"A\"\n";

    fn item(id: &str, extra: &str) -> String {
        format!(
            "\n[[section.item]]\nid = \"{id}\"\nprompt = \"p\"\nkind = \"confirm\"\nseverity = \"info\"\nsource = \"s\"\n{extra}\n"
        )
    }

    fn problems(body: &str) -> Vec<String> {
        let text = format!("{HEAD}{body}");
        match build(&text, Path::new("t.toml"), Origin::Builtin) {
            Ok(_) => Vec::new(),
            Err(d) => {
                d.0.iter()
                    .map(|d| format!("{}: {}", d.line, d.message))
                    .collect()
            }
        }
    }

    #[test]
    fn rules_table() {
        let cases: &[(String, &str)] = &[
            (
                item("a.x", "when = { item = \"a.y\", is = \"yes\" }")
                    + &item("a.y", "when = { item = \"a.x\", is = \"yes\" }"),
                "depend on each other in a circle (a.x → a.y → a.x)",
            ),
            (
                item("a.x", "when = { item = \"a.y\", in = [] }") + &item("a.y", ""),
                "expected at least one value in `in`",
            ),
            (
                item("a.x", "when = { all = [] }") + &item("a.y", ""),
                "expected at least one condition in the list",
            ),
            (
                item(
                    "a.x",
                    "when = { item = \"a.y\", is = \"yes\", answered = true }",
                ) + &item("a.y", ""),
                "invalid condition: expected exactly one of",
            ),
            (
                item(
                    "a.x",
                    "when = { all = [{ item = \"a.y\", is = \"maybe\" }] }",
                ) + &item("a.y", ""),
                "`maybe` can never be an answer of `a.y`: expected one of `yes`, `no`",
            ),
            (
                item("a.x", "options = [{ value = \"v\", label = \"V\" }]"),
                "`options` applies to choice and multi items",
            ),
            (
                item("a.x", "probe = { kind = \"tcp\", check = \"reachable\" }"),
                "tcp.reachable needs `expect.ports`",
            ),
            (
                item("a.x", "probe = { kind = \"sql\", check = \"nope\" }"),
                "unknown sql check `nope`",
            ),
        ];
        for (body, want) in cases {
            let got = problems(body);
            assert!(
                got.iter().any(|p| p.contains(want)),
                "want {want:?}, got {got:?}"
            );
        }
    }

    #[test]
    fn a_duplicate_id_does_not_confuse_conditions_on_the_first() {
        let body = "\n[[section.item]]\nid = \"a.mode\"\nprompt = \"p\"\nkind = \"choice\"\nseverity = \"info\"\nsource = \"s\"\noptions = [{ value = \"one\", label = \"1\" }, { value = \"two\", label = \"2\" }]\n"
            .to_owned()
            + &item("a.x", "when = { item = \"a.mode\", is = \"two\" }")
            + "\n[[section.item]]\nid = \"a.mode\"\nprompt = \"p\"\nkind = \"number\"\nseverity = \"info\"\nsource = \"s\"\n";
        let got = problems(&body);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].contains("duplicate item id `a.mode` (first used on line 12)"),
            "{got:?}"
        );
    }

    #[test]
    fn a_valid_file_builds_with_its_conditions() {
        let body = item("a.x", "good = [\"yes\"]")
            + &item("a.y", "when = { not = { item = \"a.x\", is = \"no\" } }");
        let c = build(
            &format!("{HEAD}{body}"),
            Path::new("t.toml"),
            Origin::Builtin,
        )
        .expect("valid");
        let y = c.item("a.y").expect("a.y");
        assert_eq!(
            y.when.as_ref().map(ToString::to_string).as_deref(),
            Some("not (a.x is no)")
        );
        assert_eq!(
            c.item("a.x").map(|i| i.good.clone()),
            Some(vec!["yes".to_owned()])
        );
        assert!(c.content_hash.starts_with("sha256:") && c.content_hash.len() == 71);
    }
}

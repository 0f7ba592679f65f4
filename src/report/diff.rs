//! What changed between two reports of a site, an earlier visit and a later one: answers added,
//! changed or cleared (with who and when), notes changed, probe results whose verdict changed,
//! items newly fixed and newly broken, and the site's verdict and score before and after.
//!
//! Only the two documents are compared (no checklist is needed). Reports against different
//! checklists are refused; different versions of the same checklist are compared item by item
//! and the listing says so.
//!
//! How an item's change of readiness is classed:
//!
//! | before | after | class |
//! | --- | --- | --- |
//! | `not_ready`, `needs_attention` or `unanswered` | `ready` | fixed |
//! | anything but `not_ready` | `not_ready` | broken |
//! | `ready` | `needs_attention` | broken |
//! | any other change (an item added to or removed from the checklist too) | | other |

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::document::{AnswerDoc, ItemDoc, ProbeDoc, Report, ResponseDoc};
use super::findings::score_text;
use super::view::{answer_text, site_name, words};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error(
        "the reports are against different checklists (`{old}` and `{new}`): only reports of the same checklist can be compared"
    )]
    Checklists { old: String, new: String },
}

/// Everything that changed, in item, vantage and checklist order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub checklist: ChecklistChange,
    pub site: Change<String>,
    pub verdict: Change<String>,
    pub score: Change<u8>,
    pub open_blockers: Change<u32>,
    /// Sections whose verdict or score changed.
    pub sections: Vec<SectionChange>,
    pub answers: Vec<AnswerChange>,
    pub notes: Vec<NoteChange>,
    /// Probe results whose verdict changed, or that only one report has.
    pub probes: Vec<ProbeChange>,
    /// Items now ready that were not.
    pub fixed: Vec<ItemChange>,
    /// Items now not ready (or ready no longer).
    pub broken: Vec<ItemChange>,
    /// Every other change of an item's readiness.
    pub other: Vec<ItemChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    pub before: T,
    pub after: T,
}

impl<T: PartialEq> Change<T> {
    fn of(before: T, after: T) -> Self {
        Self { before, after }
    }

    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistChange {
    pub id: String,
    pub version: Change<String>,
    /// The checklist text changed between the two (a new version, or an edited one).
    pub text_changed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionChange {
    pub id: String,
    pub title: String,
    pub verdict: Change<Option<String>>,
    pub score: Change<Option<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerChangeKind {
    Added,
    Changed,
    Cleared,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerChange {
    pub item: String,
    pub prompt: String,
    pub kind: AnswerChangeKind,
    /// The answers in words; `None` where there was none.
    pub before: Option<String>,
    pub after: Option<String>,
    /// Who made the change and when, from the later report's entry; `None` when the entry is
    /// gone altogether (the answer and its note were removed).
    pub by: Option<String>,
    pub at: Option<String>,
    /// Who gave the earlier answer and when.
    pub before_by: Option<String>,
    pub before_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteChange {
    pub item: String,
    pub prompt: String,
    pub before: String,
    pub after: String,
    pub by: Option<String>,
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeChange {
    pub vantage: String,
    pub kind: String,
    pub check: String,
    pub target: String,
    /// `None`: not in that report.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The later summary (the earlier one for a result no longer there).
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    pub id: String,
    pub prompt: String,
    pub severity: String,
    /// `None`: the item is not in that report's checklist.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Compares two reports.
///
/// # Errors
/// When they are against different checklists.
pub fn diff(old: &Report, new: &Report) -> Result<Diff, DiffError> {
    if old.checklist.id != new.checklist.id {
        return Err(DiffError::Checklists {
            old: old.checklist.id.clone(),
            new: new.checklist.id.clone(),
        });
    }
    let prompt = |id: &str| {
        new.findings
            .items
            .iter()
            .chain(&old.findings.items)
            .find(|i| i.id == id)
            .map(|i| i.prompt.clone())
            .unwrap_or_default()
    };
    let (answers, notes) = answers(old, new, &prompt);
    let (fixed, broken, other) = items(old, new);
    Ok(Diff {
        checklist: ChecklistChange {
            id: new.checklist.id.clone(),
            version: Change::of(old.checklist.version.clone(), new.checklist.version.clone()),
            text_changed: old.checklist.hash != new.checklist.hash,
        },
        site: Change::of(site_name(old), site_name(new)),
        verdict: Change::of(old.findings.verdict.clone(), new.findings.verdict.clone()),
        score: Change::of(old.findings.score, new.findings.score),
        open_blockers: Change::of(
            old.findings.counts.open_blockers,
            new.findings.counts.open_blockers,
        ),
        sections: sections(old, new),
        answers,
        notes,
        probes: probes(old, new),
        fixed,
        broken,
        other,
    })
}

fn sections(old: &Report, new: &Report) -> Vec<SectionChange> {
    let before: BTreeMap<&str, _> = old
        .findings
        .sections
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut out: Vec<SectionChange> = new
        .findings
        .sections
        .iter()
        .map(|s| {
            let b = before.get(s.id.as_str());
            SectionChange {
                id: s.id.clone(),
                title: s.title.clone(),
                verdict: Change::of(b.map(|b| b.verdict.clone()), Some(s.verdict.clone())),
                score: Change::of(b.map(|b| b.score), Some(s.score)),
            }
        })
        .collect();
    for s in &old.findings.sections {
        if !new.findings.sections.iter().any(|n| n.id == s.id) {
            out.push(SectionChange {
                id: s.id.clone(),
                title: s.title.clone(),
                verdict: Change::of(Some(s.verdict.clone()), None),
                score: Change::of(Some(s.score), None),
            });
        }
    }
    out.retain(|s| s.verdict.changed() || s.score.changed());
    out
}

fn answers(
    old: &Report,
    new: &Report,
    prompt: &dyn Fn(&str) -> String,
) -> (Vec<AnswerChange>, Vec<NoteChange>) {
    let by_item = |r: &Report| -> BTreeMap<String, AnswerDoc> {
        r.answers
            .iter()
            .map(|a| (a.item.clone(), a.clone()))
            .collect()
    };
    let (before, after) = (by_item(old), by_item(new));
    let mut ids: Vec<&String> = before.keys().chain(after.keys()).collect();
    ids.sort();
    ids.dedup();
    let (mut changes, mut notes) = (Vec::new(), Vec::new());
    for id in ids {
        let (b, a) = (before.get(id), after.get(id));
        let kind = match (response(b), response(a)) {
            (None, Some(_)) => Some(AnswerChangeKind::Added),
            (Some(_), None) => Some(AnswerChangeKind::Cleared),
            (Some(x), Some(y)) if x != y => Some(AnswerChangeKind::Changed),
            _ => None,
        };
        if let Some(kind) = kind {
            changes.push(AnswerChange {
                item: id.clone(),
                prompt: prompt(id),
                kind,
                before: response(b).map(|r| answer_text(Some(r))),
                after: response(a).map(|r| answer_text(Some(r))),
                by: a.map(|a| a.by.clone()),
                at: a.map(|a| a.at.clone()),
                before_by: b.map(|b| b.by.clone()),
                before_at: b.map(|b| b.at.clone()),
            });
        }
        let note = |x: Option<&AnswerDoc>| x.map(|x| x.note.clone()).unwrap_or_default();
        if note(b) != note(a) {
            notes.push(NoteChange {
                item: id.clone(),
                prompt: prompt(id),
                before: note(b),
                after: note(a),
                by: a.map(|a| a.by.clone()),
                at: a.map(|a| a.at.clone()),
            });
        }
    }
    (changes, notes)
}

fn response(x: Option<&AnswerDoc>) -> Option<&ResponseDoc> {
    x.and_then(|x| x.response.as_ref())
}

/// A probe result's place: vantage, kind, check, target, and which of the results with that
/// same place it is (they are rare, and kept in the order the run wrote them).
type ProbeKey = (String, String, String, String, usize);

fn probe_map(r: &Report) -> BTreeMap<ProbeKey, &ProbeDoc> {
    let mut out = BTreeMap::new();
    for v in &r.vantages {
        for p in &v.results {
            let mut n = 0;
            while out.contains_key(&(
                v.name.clone(),
                p.kind.clone(),
                p.check.clone(),
                p.target.clone(),
                n,
            )) {
                n += 1;
            }
            out.insert(
                (
                    v.name.clone(),
                    p.kind.clone(),
                    p.check.clone(),
                    p.target.clone(),
                    n,
                ),
                p,
            );
        }
    }
    out
}

fn probes(old: &Report, new: &Report) -> Vec<ProbeChange> {
    let (before, after) = (probe_map(old), probe_map(new));
    let mut keys: Vec<&ProbeKey> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (b, a) = (before.get(key), after.get(key));
            if b.map(|p| &p.verdict) == a.map(|p| &p.verdict) {
                return None;
            }
            let (vantage, kind, check, target, _) = key.clone();
            Some(ProbeChange {
                vantage,
                kind,
                check,
                target,
                before: b.map(|p| p.verdict.clone()),
                after: a.map(|p| p.verdict.clone()),
                summary: a.or(b).map(|p| p.summary.clone()).unwrap_or_default(),
            })
        })
        .collect()
}

fn items(old: &Report, new: &Report) -> (Vec<ItemChange>, Vec<ItemChange>, Vec<ItemChange>) {
    let before: BTreeMap<&str, &ItemDoc> = old
        .findings
        .items
        .iter()
        .map(|i| (i.id.as_str(), i))
        .collect();
    let mut changes: Vec<ItemChange> = new
        .findings
        .items
        .iter()
        .map(|i| ItemChange {
            id: i.id.clone(),
            prompt: i.prompt.clone(),
            severity: i.severity.clone(),
            before: before.get(i.id.as_str()).map(|b| b.readiness.clone()),
            after: Some(i.readiness.clone()),
        })
        .collect();
    for i in &old.findings.items {
        if !new.findings.items.iter().any(|n| n.id == i.id) {
            changes.push(ItemChange {
                id: i.id.clone(),
                prompt: i.prompt.clone(),
                severity: i.severity.clone(),
                before: Some(i.readiness.clone()),
                after: None,
            });
        }
    }
    let (mut fixed, mut broken, mut other) = (Vec::new(), Vec::new(), Vec::new());
    for c in changes.into_iter().filter(|c| c.before != c.after) {
        match (c.before.as_deref(), c.after.as_deref()) {
            (Some("not_ready" | "needs_attention" | "unanswered"), Some("ready")) => {
                fixed.push(c);
            }
            (Some(_), Some("not_ready")) | (Some("ready"), Some("needs_attention")) => {
                broken.push(c);
            }
            _ => other.push(c),
        }
    }
    (fixed, broken, other)
}

impl Diff {
    /// Whether anything at all differs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.verdict.changed()
            && !self.score.changed()
            && self.sections.is_empty()
            && self.answers.is_empty()
            && self.notes.is_empty()
            && self.probes.is_empty()
            && self.fixed.is_empty()
            && self.broken.is_empty()
            && self.other.is_empty()
    }

    /// The listing as text, for a person.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        self.write_head(&mut o);
        self.write_answers(&mut o);
        self.write_probes(&mut o);
        self.write_items(&mut o);
        if self.is_empty() {
            o.push_str("\nNothing changed.\n");
        }
        o
    }

    fn write_head(&self, o: &mut String) {
        let c = &self.checklist;
        if c.version.changed() {
            let _ = writeln!(
                o,
                "checklist {} {} → {}: different versions of the same checklist; items are compared by id, and ones only one version has are listed as added or removed",
                c.id, c.version.before, c.version.after
            );
        } else if c.text_changed {
            let _ = writeln!(
                o,
                "checklist {} {} (its text differs between the two reports)",
                c.id, c.version.after
            );
        } else {
            let _ = writeln!(o, "checklist {} {}", c.id, c.version.after);
        }
        if self.site.changed() {
            let _ = writeln!(
                o,
                "site: {} → {} (the reports name different sites)",
                self.site.before, self.site.after
            );
        } else {
            let _ = writeln!(o, "site: {}", self.site.after);
        }
        let _ = writeln!(
            o,
            "verdict: {} {}% → {} {}%; open blockers {} → {}",
            words(&self.verdict.before),
            self.score.before,
            words(&self.verdict.after),
            self.score.after,
            self.open_blockers.before,
            self.open_blockers.after
        );
        if !self.sections.is_empty() {
            let _ = writeln!(o, "\nsections ({}):", self.sections.len());
            for s in &self.sections {
                let side = |v: &Option<String>, n: &Option<u8>| match (v, n) {
                    (Some(v), Some(n)) => format!("{} {}", words(v), score_text(v, *n)),
                    _ => "(not in the checklist)".to_owned(),
                };
                let _ = writeln!(
                    o,
                    "  {}: {} → {}",
                    s.title,
                    side(&s.verdict.before, &s.score.before),
                    side(&s.verdict.after, &s.score.after)
                );
            }
        }
    }

    fn write_answers(&self, o: &mut String) {
        if !self.answers.is_empty() {
            let count = |k| self.answers.iter().filter(|a| a.kind == k).count();
            let _ = writeln!(
                o,
                "\nanswers ({} added, {} changed, {} cleared):",
                count(AnswerChangeKind::Added),
                count(AnswerChangeKind::Changed),
                count(AnswerChangeKind::Cleared)
            );
            for a in &self.answers {
                let who = stamp(a.by.as_deref(), a.at.as_deref());
                let line = match a.kind {
                    AnswerChangeKind::Added => {
                        format!("+ {}: {}{who}", a.item, quoted(a.after.as_deref()))
                    }
                    AnswerChangeKind::Changed => format!(
                        "~ {}: {} → {}{who}",
                        a.item,
                        quoted(a.before.as_deref()),
                        quoted(a.after.as_deref())
                    ),
                    AnswerChangeKind::Cleared if a.by.is_some() => {
                        format!("- {}: {} cleared{who}", a.item, quoted(a.before.as_deref()))
                    }
                    AnswerChangeKind::Cleared => format!(
                        "- {}: {} cleared (its entry is gone; it was given by {} at {})",
                        a.item,
                        quoted(a.before.as_deref()),
                        a.before_by.as_deref().unwrap_or("someone"),
                        a.before_at.as_deref().unwrap_or("an unrecorded time")
                    ),
                };
                let _ = writeln!(o, "  {line}");
                if !a.prompt.is_empty() {
                    let _ = writeln!(o, "      {}", a.prompt);
                }
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(o, "\nnotes ({} changed):", self.notes.len());
            for n in &self.notes {
                let _ = writeln!(
                    o,
                    "  {}: {:?} → {:?}{}",
                    n.item,
                    n.before,
                    n.after,
                    stamp(n.by.as_deref(), n.at.as_deref())
                );
            }
        }
    }

    fn write_probes(&self, o: &mut String) {
        if self.probes.is_empty() {
            return;
        }
        let _ = writeln!(o, "\nprobe results ({} changed):", self.probes.len());
        for p in &self.probes {
            let side = |v: &Option<String>, none: &str| {
                v.as_deref()
                    .map_or_else(|| none.to_owned(), str::to_uppercase)
            };
            let _ = writeln!(
                o,
                "  from {}: {}.{} {}: {} → {} — {}",
                p.vantage,
                p.kind,
                p.check,
                p.target,
                side(&p.before, "(not run)"),
                side(&p.after, "(not run)"),
                p.summary
            );
        }
    }

    fn write_items(&self, o: &mut String) {
        let list = |o: &mut String, title: &str, mark: &str, items: &[ItemChange]| {
            if items.is_empty() {
                return;
            }
            let _ = writeln!(o, "\n{title} ({}):", items.len());
            for i in items {
                let side = |r: &Option<String>| {
                    r.as_deref()
                        .map_or_else(|| "(not in the checklist)".to_owned(), words)
                };
                let _ = writeln!(
                    o,
                    "  {mark} {} [{}]: {} → {}\n      {}",
                    i.id,
                    i.severity,
                    side(&i.before),
                    side(&i.after),
                    i.prompt
                );
            }
        };
        list(o, "newly fixed", "✔", &self.fixed);
        list(o, "newly broken", "✘", &self.broken);
        list(o, "other changes of readiness", "·", &self.other);
    }
}

fn quoted(s: Option<&str>) -> String {
    s.map_or_else(|| "(no answer)".to_owned(), |s| format!("\"{s}\""))
}

fn stamp(by: Option<&str>, at: Option<&str>) -> String {
    match (by, at) {
        (Some(by), Some(at)) => format!(" (by {by} at {at})"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Assessment, Response, Value};
    use crate::checklist::{Checklist, Origin};

    const TEXT: &str = r#"
[checklist]
id = "t"
version = "1"
title = "T"
source = "s"

[[section]]
id = "net"
title = "Network"

[[section.item]]
id = "net.a"
prompt = "Is A there?"
kind = "confirm"
severity = "blocker"
source = "s"
good = ["yes"]

[[section.item]]
id = "net.b"
prompt = "Is B there?"
kind = "confirm"
severity = "minor"
source = "s"
good = ["yes"]

[[section.item]]
id = "net.c"
prompt = "Who runs C?"
kind = "text"
severity = "info"
source = "s"
"#;

    fn checklist(text: &str) -> Checklist {
        Checklist::parse(text, std::path::Path::new("t.toml"), Origin::Builtin).expect("valid")
    }

    #[test]
    fn answers_notes_and_readiness_changes_are_listed_and_classed() {
        let c = checklist(TEXT);
        let mut a = Assessment::new("s", &c, "t0");
        let yes = || Response::Value(Value::Yes);
        let no = || Response::Value(Value::No);
        a.answer(&c, "net.a", no(), "ann", "t1").expect("answer");
        a.answer(&c, "net.b", yes(), "ann", "t1").expect("answer");
        a.answer(
            &c,
            "net.c",
            Response::Value(Value::Text("ops".into())),
            "ann",
            "t1",
        )
        .expect("answer");
        let old = Report::build(&a, &c, "t2");
        a.answer(&c, "net.a", yes(), "bob", "t3").expect("answer");
        a.answer(&c, "net.b", no(), "bob", "t3").expect("answer");
        a.set_note(&c, "net.b", "broken switch", "bob", "t3")
            .expect("note");
        a.clear("net.c", "bob", "t3");
        let new = Report::build(&a, &c, "t4");

        let d = diff(&old, &new).expect("same checklist");
        assert_eq!(d.verdict.before, "not_ready");
        assert_eq!(d.verdict.after, "needs_attention");
        let kinds: Vec<_> = d
            .answers
            .iter()
            .map(|a| (a.item.as_str(), a.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("net.a", AnswerChangeKind::Changed),
                ("net.b", AnswerChangeKind::Changed),
                ("net.c", AnswerChangeKind::Cleared)
            ]
        );
        assert_eq!(d.answers[0].by.as_deref(), Some("bob"));
        assert_eq!(d.answers[2].by, None, "the entry is gone with its answer");
        assert_eq!(d.answers[2].before_by.as_deref(), Some("ann"));
        assert_eq!(d.notes.len(), 1);
        assert_eq!(d.notes[0].after, "broken switch");
        let ids = |v: &[ItemChange]| v.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.fixed), ["net.a"]);
        assert_eq!(ids(&d.broken), ["net.b"]);
        assert_eq!(ids(&d.other), ["net.c"], "ready → unanswered");
        let text = d.to_text();
        assert!(
            text.contains("verdict: not ready 27% → needs attention 72%; open blockers 1 → 0"),
            "{text}"
        );
        assert!(
            text.contains("~ net.a: \"no\" → \"yes\" (by bob at t3)"),
            "{text}"
        );
        assert!(text.contains("cleared (its entry is gone; it was given by ann at t1)"));

        let same = diff(&new, &new).expect("same");
        assert!(same.is_empty());
        assert!(same.to_text().contains("Nothing changed."));
    }

    #[test]
    fn other_checklists_are_refused_and_other_versions_said() {
        let c = checklist(TEXT);
        let a = Assessment::new("s", &c, "t0");
        let old = Report::build(&a, &c, "t1");
        let v2 = checklist(&TEXT.replace("version = \"1\"", "version = \"2\""));
        let new = Report::build(&Assessment::new("s", &v2, "t0"), &v2, "t1");
        let d = diff(&old, &new).expect("versions of one checklist");
        assert!(d.checklist.version.changed());
        assert!(
            d.to_text()
                .contains("different versions of the same checklist")
        );
        let other = checklist(&TEXT.replace("id = \"t\"", "id = \"u\""));
        let new = Report::build(&Assessment::new("s", &other, "t0"), &other, "t1");
        assert_eq!(
            diff(&old, &new),
            Err(DiffError::Checklists {
                old: "t".into(),
                new: "u".into()
            })
        );
    }
}

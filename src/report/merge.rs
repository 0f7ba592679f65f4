//! Joining partial reports of one site, taken from several vantages (one machine probes the
//! database ports as the console server, another as the mobile server), into one report.
//!
//! **Which reports are of the same site.** A site is identified by its name: the site file's
//! `site`, or, when the site has none, the assessment's name, compared exactly (after trimming
//! spaces). Reports with different names are refused, as are reports whose checklists differ
//! in id, version or content hash. The site's facts are taken from the newest report (by the
//! time its assessment last changed); where another report's facts differ, that is said.
//!
//! **What the merged report holds.** The union of the vantages and their probe results (where
//! two reports carry a run from the same vantage and they differ, the newer run is kept, as an
//! assessment keeps only the latest run of each vantage, and that is said). For answers, the
//! newest per item wins; every other answer to that item that differs from it (in the answer
//! or the note) is kept in the document's `merge.conflicts` with who gave it, when and in
//! which report, shown beside the answer in the exports, and said. The findings are computed
//! again from the merged answers and probe results against the installed checklist, exactly as
//! `report build` computes them. The merged report is unsigned (whoever merges signs it) and
//! canonical, and the same reports give the same bytes whatever order they are given in.

use std::collections::BTreeMap;

use super::document::{
    ConflictDoc, GivenDoc, MergeDoc, ProbeDoc, Report, ResponseDoc, SignerDoc, SourceDoc,
    VantageDoc,
};
use super::view::{answer_text, given_text, site_name};
use crate::assessment::{Assessment, ChecklistRef, Entry, Response, Value, VantageRun};
use crate::checklist::{Checklist, ProbeKind};
use crate::probe::{ProbeResult, Verdict};
use crate::site::Site;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("give at least two reports to merge")]
    TooFew,
    #[error(
        "{a} and {b} are reports of different sites (`{a_site}` and `{b_site}`); a site is known by its name (the site file's `site`, else the assessment's name), so reports of one site must carry the same one"
    )]
    Sites {
        a: String,
        b: String,
        a_site: String,
        b_site: String,
    },
    #[error("{a} and {b} are against different checklists: {what}")]
    Checklists { a: String, b: String, what: String },
    #[error(
        "the checklist `{0}` the reports are against is not installed here, so their findings cannot be computed again"
    )]
    NotInstalled(String),
    #[error("{source_name}: {what}")]
    Unreadable { source_name: String, what: String },
}

/// One report to merge.
#[derive(Debug, Clone)]
pub struct Source {
    /// How messages name it (its file).
    pub label: String,
    pub report: Report,
    /// Its signer, when its signature was checked before merging; `None` when it is unsigned.
    pub signer: Option<SignerDoc>,
}

/// The merged report and what a person should be told about it.
#[derive(Debug, Clone)]
pub struct Merged {
    pub report: Report,
    /// Conflicting answers, replaced runs, differing site facts: one line each, in words.
    pub notes: Vec<String>,
}

/// Merges reports of one site against `checklist` (the installed checklist with the reports'
/// id); `created_at` is the merged report's creation time.
///
/// # Errors
/// Fewer than two reports, different sites or checklists, or an answer or probe result this
/// build cannot read back.
pub fn merge(
    sources: &[Source],
    checklist: &Checklist,
    created_at: &str,
) -> Result<Merged, MergeError> {
    if sources.len() < 2 {
        return Err(MergeError::TooFew);
    }
    // Argument order must not matter: work on the reports in an order of their own.
    let mut sources: Vec<&Source> = sources.iter().collect();
    sources.sort_by_cached_key(|s| order_key(&s.report));
    same_site_and_checklist(&sources)?;
    if sources[0].report.checklist.id != checklist.id {
        return Err(MergeError::NotInstalled(
            sources[0].report.checklist.id.clone(),
        ));
    }
    let mut notes = Vec::new();
    let site = site(&sources, &mut notes)?;
    let (entries, conflicts) = answers(&sources, &mut notes)?;
    let runs = runs(&sources, &mut notes)?;
    let first = &sources[0].report;
    let mut names: Vec<&str> = sources
        .iter()
        .map(|s| s.report.assessment.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let a = Assessment {
        name: names.join(" + "),
        checklist: ChecklistRef {
            id: first.checklist.id.clone(),
            version: first.checklist.version.clone(),
            hash: first.checklist.hash.clone(),
        },
        created: min_by(&sources, |r| &r.assessment.created),
        updated: max_by(&sources, |r| &r.assessment.updated),
        entries,
        drafts: BTreeMap::new(),
        site,
        runs,
    };
    let mut report = Report::build(&a, checklist, created_at);
    report.merge = Some(MergeDoc {
        sources: source_docs(&sources),
        conflicts,
    });
    if report.checklist.changed {
        notes.push(format!(
            "the installed checklist {} differs from the text the reports were answered against; the findings are computed from the installed one (as `report build` does)",
            checklist.id
        ));
    }
    Ok(Merged { report, notes })
}

/// The order reports are merged in: oldest assessment first, then by content, so any
/// argument order gives the same result.
fn order_key(r: &Report) -> (String, String, Vec<u8>) {
    (
        r.assessment.updated.clone(),
        r.created_at.clone(),
        r.to_canonical_bytes().unwrap_or_default(),
    )
}

fn min_by(sources: &[&Source], f: impl Fn(&Report) -> &String) -> String {
    sources
        .iter()
        .map(|s| f(&s.report))
        .min()
        .cloned()
        .unwrap_or_default()
}

fn max_by(sources: &[&Source], f: impl Fn(&Report) -> &String) -> String {
    sources
        .iter()
        .map(|s| f(&s.report))
        .max()
        .cloned()
        .unwrap_or_default()
}

/// Whether the reports may be merged at all: of one site, against one checklist text.
///
/// # Errors
/// Naming the first two reports that differ, and how.
pub fn check_inputs(sources: &[Source]) -> Result<(), MergeError> {
    let mut sorted: Vec<&Source> = sources.iter().collect();
    sorted.sort_by_cached_key(|s| order_key(&s.report));
    same_site_and_checklist(&sorted)
}

fn same_site_and_checklist(sources: &[&Source]) -> Result<(), MergeError> {
    let first = sources[0];
    let fc = &first.report.checklist;
    for s in &sources[1..] {
        let c = &s.report.checklist;
        let what = if fc.id != c.id {
            Some(format!("`{}` and `{}`", fc.id, c.id))
        } else if fc.version != c.version {
            Some(format!(
                "{} version {} and {}",
                fc.id, fc.version, c.version
            ))
        } else if fc.hash != c.hash {
            Some(format!(
                "{} {} with different texts ({} and {})",
                fc.id, fc.version, fc.hash, c.hash
            ))
        } else {
            None
        };
        if let Some(what) = what {
            return Err(MergeError::Checklists {
                a: first.label.clone(),
                b: s.label.clone(),
                what,
            });
        }
        let (a_site, b_site) = (site_name(&first.report), site_name(&s.report));
        if a_site.trim() != b_site.trim() {
            return Err(MergeError::Sites {
                a: first.label.clone(),
                b: s.label.clone(),
                a_site,
                b_site,
            });
        }
    }
    Ok(())
}

/// The newest report's site facts, saying where another report's differ.
fn site(sources: &[&Source], notes: &mut Vec<String>) -> Result<Site, MergeError> {
    // Sorted oldest first: the last is the newest.
    let newest = sources[sources.len() - 1];
    for s in &sources[..sources.len() - 1] {
        if s.report.site != newest.report.site {
            notes.push(format!(
                "the site's facts in {} differ from those in {}; the newer ones ({}) are kept",
                s.label, newest.label, newest.label
            ));
        }
    }
    serde_json::from_value(newest.report.site.clone()).map_err(|e| MergeError::Unreadable {
        source_name: newest.label.clone(),
        what: format!("its site cannot be read back: {e}"),
    })
}

/// Every answer given to each item, across the reports and the conflicts earlier merges kept.
fn candidates(sources: &[&Source]) -> BTreeMap<String, Vec<GivenDoc>> {
    let mut all: BTreeMap<String, Vec<GivenDoc>> = BTreeMap::new();
    for s in sources {
        let r = &s.report;
        let earlier = r.merge.as_ref().map_or(&[][..], |m| m.conflicts.as_slice());
        for a in &r.answers {
            let conflict = earlier.iter().find(|c| c.item == a.item);
            all.entry(a.item.clone()).or_default().push(GivenDoc {
                at: a.at.clone(),
                by: a.by.clone(),
                response: a.response.clone(),
                note: a.note.clone(),
                source: conflict
                    .map_or_else(|| r.assessment.name.clone(), |c| c.kept.source.clone()),
            });
        }
        for c in earlier {
            all.entry(c.item.clone())
                .or_default()
                .extend(c.others.iter().cloned());
        }
    }
    all
}

type Answers = (BTreeMap<String, Entry>, Vec<ConflictDoc>);

/// The newest answer per item, and the conflicts: every other answer that says something else.
fn answers(sources: &[&Source], notes: &mut Vec<String>) -> Result<Answers, MergeError> {
    let mut entries = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (item, mut given) in candidates(sources) {
        given.sort();
        given.dedup();
        // Newest last (by time, then who, answer, note and report, so ties are settled the
        // same way every time).
        let Some(kept) = given.pop() else { continue };
        let mut others: Vec<GivenDoc> = given
            .into_iter()
            .filter(|g| g.response != kept.response || g.note != kept.note)
            .collect();
        // The same answer given in two reports is one answer.
        others.dedup_by(|a, b| a.response == b.response && a.note == b.note && a.by == b.by);
        others.reverse();
        let response = kept
            .response
            .as_ref()
            .map(response)
            .transpose()
            .map_err(|what| MergeError::Unreadable {
                source_name: kept.source.clone(),
                what: format!("the answer to {item}: {what}"),
            })?;
        entries.insert(
            item.clone(),
            Entry {
                response,
                note: kept.note.clone(),
                by: kept.by.clone(),
                at: kept.at.clone(),
            },
        );
        if !others.is_empty() {
            notes.push(format!(
                "{item} was answered differently: kept \"{}\" by {} at {} (in {}); also {}",
                answer_text(kept.response.as_ref()),
                kept.by,
                kept.at,
                kept.source,
                others.iter().map(given_text).collect::<Vec<_>>().join("; ")
            ));
            conflicts.push(ConflictDoc { item, kept, others });
        }
    }
    Ok((entries, conflicts))
}

/// An answer as the document wrote it, back as the assessment holds it.
fn response(r: &ResponseDoc) -> Result<Response, String> {
    Ok(match r {
        ResponseDoc::Yes => Response::Value(Value::Yes),
        ResponseDoc::No => Response::Value(Value::No),
        ResponseDoc::Choice { value } => Response::Value(Value::Choice(value.clone())),
        ResponseDoc::Multi { values } => Response::Value(Value::Multi(values.clone())),
        ResponseDoc::Text { text } => Response::Value(Value::Text(text.clone())),
        ResponseDoc::Number { value } => Response::Value(Value::Number(
            value
                .parse()
                .map_err(|_| format!("`{value}` is not a number"))?,
        )),
        ResponseDoc::Table { rows } => Response::Value(Value::Table(rows.clone())),
        ResponseDoc::NotApplicable { reason } => Response::NotApplicable {
            reason: reason.clone(),
        },
    })
}

/// The union of the vantages' runs; of two different runs from one vantage, the newer.
fn runs(
    sources: &[&Source],
    notes: &mut Vec<String>,
) -> Result<BTreeMap<String, VantageRun>, MergeError> {
    let mut chosen: BTreeMap<String, (&VantageDoc, &str)> = BTreeMap::new();
    for s in sources {
        for v in &s.report.vantages {
            match chosen.get(&v.name) {
                None => {
                    chosen.insert(v.name.clone(), (v, &s.label));
                }
                Some((kept, _)) if *kept == v => {}
                Some((kept, from)) => {
                    let key =
                        |v: &VantageDoc| (v.at.clone(), serde_json::to_vec(v).unwrap_or_default());
                    let (newer, older, newer_from, older_from) = if key(v) > key(kept) {
                        (v, *kept, s.label.as_str(), *from)
                    } else {
                        (*kept, v, *from, s.label.as_str())
                    };
                    notes.push(format!(
                        "both {older_from} and {newer_from} carry a run from vantage {}: the newer ({}, in {newer_from}) is kept, the one of {} (in {older_from}) is left out",
                        v.name, newer.at, older.at
                    ));
                    chosen.insert(v.name.clone(), (newer, newer_from));
                }
            }
        }
    }
    chosen
        .into_iter()
        .map(|(name, (v, from))| {
            let results = v
                .results
                .iter()
                .map(probe_result)
                .collect::<Result<Vec<_>, String>>()
                .map_err(|what| MergeError::Unreadable {
                    source_name: from.to_owned(),
                    what: format!("a probe result from {name}: {what}"),
                })?;
            Ok((
                name,
                VantageRun {
                    role: v.role.clone(),
                    host: v.host.clone(),
                    at: v.at.clone(),
                    results,
                },
            ))
        })
        .collect()
}

fn probe_result(p: &ProbeDoc) -> Result<ProbeResult, String> {
    let verdict = [
        Verdict::Pass,
        Verdict::Warn,
        Verdict::Fail,
        Verdict::Error,
        Verdict::Skipped,
    ]
    .into_iter()
    .find(|v| v.name() == p.verdict)
    .ok_or_else(|| format!("unknown verdict `{}`", p.verdict))?;
    Ok(ProbeResult {
        kind: ProbeKind::parse(&p.kind)
            .ok_or_else(|| format!("unknown probe kind `{}`", p.kind))?,
        check: p.check.clone(),
        target: p.target.clone(),
        verdict,
        summary: p.summary.clone(),
        evidence: p.evidence.clone(),
        at: p.at.clone(),
        ms: p.ms,
    })
}

/// The reports merged: a merged report's own sources stand for it; each once, sorted.
fn source_docs(sources: &[&Source]) -> Vec<SourceDoc> {
    let mut out: Vec<SourceDoc> = Vec::new();
    for s in sources {
        let r = &s.report;
        match &r.merge {
            Some(m) => out.extend(m.sources.iter().cloned()),
            None => out.push(SourceDoc {
                assessment: r.assessment.name.clone(),
                created_at: r.created_at.clone(),
                updated: r.assessment.updated.clone(),
                vantages: r.vantages.iter().map(|v| v.name.clone()).collect(),
                signer: s.signer.clone(),
            }),
        }
    }
    out.sort_by(|a, b| {
        (&a.assessment, &a.created_at, &a.updated)
            .cmp(&(&b.assessment, &b.created_at, &b.updated))
            .then_with(|| {
                serde_json::to_vec(a)
                    .unwrap_or_default()
                    .cmp(&serde_json::to_vec(b).unwrap_or_default())
            })
    });
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::checklist::Origin;

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
id = "net.x"
prompt = "Is X there?"
kind = "confirm"
severity = "blocker"
source = "s"
good = ["yes"]

[[section.item]]
id = "net.y"
prompt = "Is Y there?"
kind = "confirm"
severity = "minor"
source = "s"
good = ["yes"]
"#;

    fn source(c: &Checklist, name: &str, answers: &[(&str, Value, &str, &str, &str)]) -> Source {
        let mut a = Assessment::new(name, c, "t0");
        a.site.name = "Site".into();
        for (item, v, note, by, at) in answers {
            a.answer(c, item, Response::Value(v.clone()), by, at)
                .expect("answer");
            a.set_note(c, item, note, by, at).expect("note");
        }
        a.runs.insert(
            format!("{name}-vantage"),
            VantageRun {
                role: name.into(),
                host: name.into(),
                at: "t5".into(),
                results: Vec::new(),
            },
        );
        Source {
            label: format!("{name}.json"),
            report: Report::build(&a, c, "t9"),
            signer: None,
        }
    }

    fn bytes(m: &Merged) -> Vec<u8> {
        m.report.to_canonical_bytes().expect("bytes")
    }

    #[test]
    fn newest_wins_others_are_kept_and_order_does_not_matter() {
        let list = Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let a = source(&list, "a", &[("net.x", Value::Yes, "", "ann", "t1")]);
        let b = source(
            &list,
            "b",
            &[
                ("net.x", Value::No, "", "bob", "t2"),
                ("net.y", Value::Yes, "", "bob", "t2"),
            ],
        );
        let dan = source(
            &list,
            "d",
            &[("net.x", Value::Yes, "old note", "dan", "t0")],
        );
        let all = [a.clone(), b.clone(), dan.clone()];
        let m = merge(&all, &list, "now").expect("merges");
        let got = m
            .report
            .answers
            .iter()
            .find(|x| x.item == "net.x")
            .expect("x");
        assert_eq!(
            (got.by.as_str(), got.response.clone()),
            ("bob", Some(ResponseDoc::No))
        );
        let conflicts = &m.report.merge.as_ref().expect("merge").conflicts;
        assert_eq!(conflicts.len(), 1);
        let others: Vec<(&str, &str)> = conflicts[0]
            .others
            .iter()
            .map(|g| (g.by.as_str(), g.source.as_str()))
            .collect();
        assert_eq!(others, [("ann", "a"), ("dan", "d")], "newest first");
        assert_eq!(m.notes.len(), 1, "{:?}", m.notes);
        assert_eq!(m.report.vantages.len(), 3);
        assert_eq!(m.report.findings.verdict, "not_ready");

        for order in [[1, 0, 2], [2, 1, 0], [0, 2, 1]] {
            let shuffled: Vec<Source> = order.iter().map(|&i| all[i].clone()).collect();
            assert_eq!(
                bytes(&merge(&shuffled, &list, "now").expect("merges")),
                bytes(&m)
            );
        }
        // Merging a merge with the rest gives what merging them all at once gives.
        let ab = merge(&[a, b], &list, "now").expect("merges");
        let ab = Source {
            label: "ab.json".into(),
            report: ab.report,
            signer: None,
        };
        assert_eq!(
            bytes(&merge(&[ab, dan], &list, "now").expect("merges")),
            bytes(&m)
        );
    }

    #[test]
    fn other_sites_and_checklists_are_refused() {
        let c = Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let a = source(&c, "a", &[]);
        let mut b = source(&c, "b", &[]);
        b.report.site = serde_json::json!({ "site": "Elsewhere" });
        assert!(matches!(
            merge(&[a.clone(), b], &c, "now"),
            Err(MergeError::Sites { .. })
        ));
        let mut v2 = source(&c, "b", &[]);
        v2.report.checklist.version = "2".into();
        let e = merge(&[a.clone(), v2], &c, "now").expect_err("refused");
        assert!(e.to_string().contains("t version 1 and 2"), "{e}");
        assert_eq!(merge(&[a], &c, "now").map(|_| ()), Err(MergeError::TooFew));
    }
}

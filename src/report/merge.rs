//! Joining partial reports of one site, taken from several vantages (one machine probes the
//! database ports as the console server, another as the mobile server), into one report.
//!
//! **Which reports are of the same site.** A site is identified by its name: the site file's
//! `site`, or, when the site has none, the assessment's name, compared exactly (after trimming
//! spaces). Reports with different names are refused, as are reports whose checklists differ
//! in id, version or content hash.
//!
//! **Probe results.** The union of the vantages and their results, result by result: for one
//! (vantage, kind, check, target), a result that answers (pass, warn or fail) is never replaced
//! by one that could not tell (could not connect, log in or finish): the answer is kept and the
//! other is listed beside it (`merge.set_aside`). Of two results that answer, the newer stands
//! (evidence is dated, and a later probe sees the site as it now is).
//!
//! **Answers.** People's answers are not settled by the clock. Where the reports answer an item
//! differently (in the answer or the note), the merge lists the answers for a person; a person
//! settles them with `--prefer NAME` (every conflict one report answers, from that report) or
//! `--take ITEM=NAME` (one item). A NAME is a report's file as given or its assessment's name
//! (for a merged report, the name of the assessment an answer came from). Until then the item
//! keeps its oldest answer, is marked as in conflict in the findings, and the conflict is
//! written in the document's `merge.conflicts` with `open`; every other answer is kept there
//! with who gave it, when and in which report, never dropped. A merged report whose conflicts
//! were settled carries its decisions into a later merge as long as nothing new disagrees.
//!
//! **The site.** The union of the reports' sites, entry by entry (hosts by name, names by
//! FQDN…); an entry the reports say differently is named in `merge.site_conflicts` with each
//! report's value, and the merged site holds the `--prefer`red report's, else the oldest's.
//!
//! The findings are computed again from the merged answers and probe results against the
//! installed checklist, exactly as `report build` computes them. The merged report is unsigned
//! (whoever merges signs it) and canonical, and the same reports give the same bytes whatever
//! order they are given in.

use std::collections::BTreeMap;

use super::document::{
    ConflictDoc, GivenDoc, MergeDoc, ProbeDoc, Report, ResponseDoc, SetAsideDoc, SignerDoc,
    SiteConflictDoc, SiteValueDoc, SourceDoc, VantageDoc,
};
use super::view::{answer_text, given_text, site_name};
use crate::assessment::{Assessment, ChecklistRef, Entry, Response, Value, VantageRun};
use crate::checklist::{Checklist, ProbeKind};
use crate::probe::{Evidence, ProbeResult, Verdict};
use crate::site::{Site, changes};

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
    #[error(
        "{0} names none of the reports merged: give a report's file as on the command line, or its assessment's name"
    )]
    UnknownName(String),
    #[error("--take {item}={name}: {name} has no answer to {item}")]
    NoAnswer { item: String, name: String },
}

/// What a person decided about conflicting answers and site entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    /// Take every conflicting answer and site entry this report has (`--prefer NAME`).
    pub prefer: Option<String>,
    /// Take this item's answer from this report (`--take ITEM=NAME`), before `prefer`.
    pub take: BTreeMap<String, String>,
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
    /// Conflicting answers, results set aside, differing site facts: one line each, in words.
    pub notes: Vec<String>,
    /// The conflicts nobody has settled, one line each with how to settle it.
    pub open: Vec<String>,
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
    decisions: &Decisions,
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
    for name in decisions.prefer.iter().chain(decisions.take.values()) {
        if !sources.iter().any(|s| names(s, name)) {
            return Err(MergeError::UnknownName(name.clone()));
        }
    }
    let mut notes = Vec::new();
    let mut open = Vec::new();
    let (site, site_conflicts) = site(&sources, decisions, &mut notes)?;
    let (entries, conflicts) = answers(&sources, decisions, &mut notes, &mut open)?;
    let (runs, set_aside) = runs(&sources, &mut notes)?;
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
    let mut report = Report::build_marked(&a, checklist, created_at, &open_conflicts(&conflicts));
    report.merge = Some(MergeDoc {
        sources: source_docs(&sources),
        conflicts,
        set_aside,
        site_conflicts,
    });
    if report.checklist.changed {
        notes.push(format!(
            "the installed checklist {} differs from the text the reports were answered against; the findings are computed from the installed one (as `report build` does)",
            checklist.id
        ));
    }
    Ok(Merged {
        report,
        notes,
        open,
    })
}

/// Whether NAME names this report: its file as given, its assessment, or (for a merged report)
/// one of the assessments it was merged from.
fn names(s: &Source, name: &str) -> bool {
    s.label == name
        || s.report.assessment.name == name
        || s.report
            .merge
            .as_ref()
            .is_some_and(|m| m.sources.iter().any(|d| d.assessment == name))
}

/// The words an item whose answers nobody has settled carries in its finding.
fn open_conflicts(conflicts: &[ConflictDoc]) -> Vec<(String, String)> {
    conflicts
        .iter()
        .filter(|c| c.open)
        .map(|c| {
            (
                c.item.clone(),
                format!(
                    "the merged reports answer this differently and nobody has settled it: \"{}\" (in {}, the oldest, kept for now) against {}",
                    answer_text(c.kept.response.as_ref()),
                    c.kept.source,
                    c.others
                        .iter()
                        .map(|g| format!(
                            "\"{}\" (in {})",
                            answer_text(g.response.as_ref()),
                            g.source
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
        .collect()
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

/// The union of the reports' sites, naming the entries they say differently.
fn site(
    sources: &[&Source],
    decisions: &Decisions,
    notes: &mut Vec<String>,
) -> Result<(Site, Vec<SiteConflictDoc>), MergeError> {
    let mut sites = Vec::new();
    for s in sources {
        let site: Site =
            serde_json::from_value(s.report.site.clone()).map_err(|e| MergeError::Unreadable {
                source_name: s.label.clone(),
                what: format!("its site cannot be read back: {e}"),
            })?;
        sites.push((s.report.assessment.name.clone(), site));
    }
    let prefer = decisions.prefer.as_deref().and_then(|name| {
        sources
            .iter()
            .find(|s| names(s, name))
            .map(|s| s.report.assessment.name.clone())
    });
    let (site, conflicts) =
        changes::union(&sites, prefer.as_deref()).map_err(|e| MergeError::Unreadable {
            source_name: "the merged site".to_owned(),
            what: e.to_string(),
        })?;
    let mut docs: Vec<SiteConflictDoc> = conflicts
        .into_iter()
        .map(|c| {
            let kept = prefer
                .clone()
                .filter(|p| c.values.iter().any(|(l, _)| l == p))
                .unwrap_or_else(|| c.values[0].0.clone());
            let settled = (Some(&kept) == prefer.as_ref())
                .then(|| format!("--prefer {}", decisions.prefer.clone().unwrap_or_default()));
            notes.push(format!(
                "the sites say {} {} differently: {}; the merged site has {}'s{}",
                c.table,
                c.key,
                changes::differing(&c.values.iter().map(|(_, v)| v).collect::<Vec<_>>())
                    .iter()
                    .zip(&c.values)
                    .map(|(words, (l, _))| format!("{words} in {l}"))
                    .collect::<Vec<_>>()
                    .join("; "),
                kept,
                if settled.is_some() {
                    ""
                } else {
                    " (settle with --prefer NAME)"
                }
            ));
            SiteConflictDoc {
                table: c.table.to_owned(),
                key: c.key,
                kept,
                settled,
                values: c
                    .values
                    .into_iter()
                    .map(|(source, value)| SiteValueDoc { source, value })
                    .collect(),
            }
        })
        .collect();
    // The conflicts earlier merges named stay named: their other values are not in the sites.
    for s in sources {
        for earlier in s.report.merge.iter().flat_map(|m| &m.site_conflicts) {
            match docs
                .iter_mut()
                .find(|d| d.table == earlier.table && d.key == earlier.key)
            {
                Some(d) => {
                    for v in &earlier.values {
                        if !d.values.contains(v) {
                            d.values.push(v.clone());
                        }
                    }
                }
                None => docs.push(earlier.clone()),
            }
        }
    }
    docs.sort_by(|a, b| (&a.table, &a.key).cmp(&(&b.table, &b.key)));
    Ok((site, docs))
}

/// One answer to an item and the report it came in.
struct Candidate<'a> {
    given: GivenDoc,
    from: &'a Source,
}

/// A conflict an earlier merge settled: what it kept, how, and every answer it weighed.
struct Earlier {
    kept: GivenDoc,
    settled: String,
    weighed: Vec<GivenDoc>,
}

/// Every answer given to each item, across the reports and the conflicts earlier merges kept,
/// and the conflicts earlier merges settled.
fn candidates<'a>(
    sources: &[&'a Source],
) -> (
    BTreeMap<String, Vec<Candidate<'a>>>,
    BTreeMap<String, Earlier>,
) {
    let mut all: BTreeMap<String, Vec<Candidate<'a>>> = BTreeMap::new();
    let mut settled = BTreeMap::new();
    for s in sources {
        let r = &s.report;
        let earlier = r.merge.as_ref().map_or(&[][..], |m| m.conflicts.as_slice());
        for a in &r.answers {
            let conflict = earlier.iter().find(|c| c.item == a.item);
            all.entry(a.item.clone()).or_default().push(Candidate {
                given: GivenDoc {
                    at: a.at.clone(),
                    by: a.by.clone(),
                    response: a.response.clone(),
                    note: a.note.clone(),
                    source: conflict
                        .map_or_else(|| r.assessment.name.clone(), |c| c.kept.source.clone()),
                },
                from: s,
            });
        }
        for c in earlier {
            all.entry(c.item.clone())
                .or_default()
                .extend(c.others.iter().map(|g| Candidate {
                    given: g.clone(),
                    from: s,
                }));
            if let Some(how) = &c.settled {
                settled.insert(
                    c.item.clone(),
                    Earlier {
                        kept: c.kept.clone(),
                        settled: how.clone(),
                        weighed: c.others.iter().chain([&c.kept]).cloned().collect(),
                    },
                );
            }
        }
    }
    (all, settled)
}

type Answers = (BTreeMap<String, Entry>, Vec<ConflictDoc>);

/// Whether two answers say the same (the answer and the note; not who or when).
fn same_answer(a: &GivenDoc, b: &GivenDoc) -> bool {
    a.response == b.response && a.note == b.note
}

/// One answer per item: the one all reports agree on (the newest giving of it), or, where they
/// differ, the one a person chose, else the oldest with the conflict left open.
fn answers(
    sources: &[&Source],
    decisions: &Decisions,
    notes: &mut Vec<String>,
    open: &mut Vec<String>,
) -> Result<Answers, MergeError> {
    let mut entries = BTreeMap::new();
    let mut conflicts = Vec::new();
    let (all, earlier) = candidates(sources);
    for name in decisions.take.keys() {
        if !all.contains_key(name) {
            return Err(MergeError::NoAnswer {
                item: name.clone(),
                name: decisions.take[name].clone(),
            });
        }
    }
    for (item, mut given) in all {
        // Oldest first (by time, then who, answer, note and report, so ties are settled the
        // same way every time).
        given.sort_by(|a, b| a.given.cmp(&b.given));
        given.dedup_by(|a, b| a.given == b.given);
        let differ = given
            .iter()
            .any(|g| !same_answer(&g.given, &given[0].given));
        let (kept, settled, is_open) = decide(&item, &given, differ, decisions, &earlier)?;
        if !differ && decisions.take.contains_key(&item) {
            notes.push(format!(
                "--take {item}=…: the reports agree on {item}; nothing to settle"
            ));
        }
        let mut others: Vec<GivenDoc> = given
            .into_iter()
            .map(|g| g.given)
            .filter(|g| !same_answer(g, &kept))
            .collect();
        // The same answer given in two reports is one answer.
        others.dedup_by(|a, b| same_answer(a, b) && a.by == b.by);
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
        if others.is_empty() {
            continue;
        }
        say(&item, &kept, &others, settled.as_deref(), notes, open);
        conflicts.push(ConflictDoc {
            item,
            kept,
            others,
            open: is_open,
            settled,
        });
    }
    Ok((entries, conflicts))
}

/// Which answer an item keeps: the one all give, else a person's choice (`--take`, then
/// `--prefer`, then an earlier merge's settlement still standing), else the oldest, open.
fn decide(
    item: &str,
    given: &[Candidate],
    differ: bool,
    decisions: &Decisions,
    earlier: &BTreeMap<String, Earlier>,
) -> Result<(GivenDoc, Option<String>, bool), MergeError> {
    let chosen = |name: &str| {
        given
            .iter()
            .rev()
            .find(|g| g.given.source == name || names(g.from, name))
            .map(|g| g.given.clone())
    };
    Ok(if !differ {
        (given[given.len() - 1].given.clone(), None, false)
    } else if let Some(name) = decisions.take.get(item) {
        let kept = chosen(name).ok_or_else(|| MergeError::NoAnswer {
            item: item.to_owned(),
            name: name.clone(),
        })?;
        (kept, Some(format!("--take {item}={name}")), false)
    } else if let Some(kept) = decisions.prefer.as_deref().and_then(chosen) {
        let name = decisions.prefer.clone().unwrap_or_default();
        (kept, Some(format!("--prefer {name}")), false)
    } else if let Some(e) = earlier.get(item).filter(|e| {
        given
            .iter()
            .all(|g| e.weighed.iter().any(|w| same_answer(w, &g.given)))
    }) {
        (e.kept.clone(), Some(e.settled.clone()), false)
    } else {
        (given[0].given.clone(), None, true)
    })
}

/// Says a conflict: settled, as a note; open, with the commands that settle it.
fn say(
    item: &str,
    kept: &GivenDoc,
    others: &[GivenDoc],
    settled: Option<&str>,
    notes: &mut Vec<String>,
    open: &mut Vec<String>,
) {
    let line = format!(
        "\"{}\" by {} at {} (in {}); also {}",
        answer_text(kept.response.as_ref()),
        kept.by,
        kept.at,
        kept.source,
        others.iter().map(given_text).collect::<Vec<_>>().join("; ")
    );
    if let Some(how) = settled {
        notes.push(format!(
            "{item} was answered differently, settled by {how}: kept {line}"
        ));
    } else {
        let mut names: Vec<&str> = others
            .iter()
            .chain([kept])
            .map(|g| g.source.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        open.push(format!(
                "{item} was answered differently and is not settled: kept for now the oldest, {line}; settle with {}",
                names
                    .iter()
                    .map(|n| format!("--take {item}={n}"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
    }
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

/// Whether a result answers the probe's question (pass, warn or fail), rather than saying it
/// could not tell (could not connect, log in or finish) or was not run.
fn answers_probe(p: &ProbeDoc) -> bool {
    matches!(p.verdict.as_str(), "pass" | "warn" | "fail")
}

type Runs = (BTreeMap<String, VantageRun>, Vec<SetAsideDoc>);

/// Probe results with the report each came in.
type Sourced<'a> = Vec<(&'a ProbeDoc, &'a Source)>;

/// The union of the vantages' results, result by result: of one (kind, check, target), the
/// newest that answers, else the newest; a newer one that could not tell is set aside.
fn runs(sources: &[&Source], notes: &mut Vec<String>) -> Result<Runs, MergeError> {
    // By vantage: the newest run's role, host and time, and every result with its source.
    let mut vantages: BTreeMap<&str, (&VantageDoc, Sourced)> = BTreeMap::new();
    let key = |v: &VantageDoc| (v.at.clone(), serde_json::to_vec(v).unwrap_or_default());
    for s in sources {
        for v in &s.report.vantages {
            let (head, results) = vantages.entry(&v.name).or_insert((v, Vec::new()));
            if key(v) > key(head) {
                *head = v;
            }
            results.extend(v.results.iter().map(|p| (p, *s)));
        }
    }
    let mut runs = BTreeMap::new();
    let mut set_aside = Vec::new();
    for (name, (head, all)) in vantages {
        let mut kept: Vec<(&ProbeDoc, &Source)> = Vec::new();
        let mut by_key: BTreeMap<(&str, &str, &str), Sourced> = BTreeMap::new();
        for (p, s) in all {
            let same = by_key
                .entry((p.kind.as_str(), p.check.as_str(), p.target.as_str()))
                .or_default();
            if !same.iter().any(|(q, _)| *q == p) {
                same.push((p, s));
            }
        }
        for (_, mut same) in by_key {
            let order = |p: &ProbeDoc| (p.at.clone(), serde_json::to_vec(p).unwrap_or_default());
            same.sort_by_cached_key(|(p, _)| order(p));
            let best = same
                .iter()
                .rposition(|(p, _)| answers_probe(p))
                .unwrap_or(same.len() - 1);
            let (chosen, from) = same[best];
            for &(p, s) in &same[best + 1..] {
                notes.push(format!(
                    "{name}: {}.{} {} could not tell at {} (in {}: {}); the answer of {} (in {}: {}) is kept and both are shown",
                    p.kind, p.check, p.target, p.at, s.label, p.summary, chosen.at, from.label, chosen.summary
                ));
                set_aside.push(SetAsideDoc {
                    vantage: name.to_owned(),
                    source: s.report.assessment.name.clone(),
                    result: p.clone(),
                });
            }
            kept.push((chosen, from));
        }
        // In the order the newest run listed its results, then the rest as they came.
        let place = |p: &ProbeDoc| {
            head.results
                .iter()
                .position(|q| q.kind == p.kind && q.check == p.check && q.target == p.target)
                .unwrap_or(usize::MAX)
        };
        kept.sort_by_key(|(p, _)| place(p));
        let results = kept
            .iter()
            .map(|(p, s)| {
                probe_result(p).map_err(|what| MergeError::Unreadable {
                    source_name: s.label.clone(),
                    what: format!("a probe result from {name}: {what}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        runs.insert(
            name.to_owned(),
            VantageRun {
                role: head.role.clone(),
                host: head.host.clone(),
                at: head.at.clone(),
                results,
            },
        );
    }
    // What earlier merges set aside stays beside the answers too.
    for s in sources {
        for earlier in s.report.merge.iter().flat_map(|m| &m.set_aside) {
            if !set_aside.contains(earlier) {
                set_aside.push(earlier.clone());
            }
        }
    }
    set_aside.sort_by_cached_key(|a| serde_json::to_vec(a).unwrap_or_default());
    Ok((runs, set_aside))
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
    let kind =
        ProbeKind::parse(&p.kind).ok_or_else(|| format!("unknown probe kind `{}`", p.kind))?;
    Ok(ProbeResult {
        kind,
        check: p.check.clone(),
        target: p.target.clone(),
        verdict,
        summary: p.summary.clone(),
        evidence: Evidence::read(kind, p.evidence.clone()),
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

    fn answer_of<'a>(m: &'a Merged, item: &str) -> (&'a str, Option<ResponseDoc>) {
        let got = m
            .report
            .answers
            .iter()
            .find(|x| x.item == item)
            .expect("answered");
        (got.by.as_str(), got.response.clone())
    }

    #[test]
    #[expect(
        clippy::too_many_lines,
        clippy::many_single_char_names,
        reason = "one story: the conflict left open, then each way a person settles it"
    )]
    fn conflicts_wait_for_a_person_others_are_kept_and_order_does_not_matter() {
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
        let m = merge(&all, &list, "now", &Decisions::default()).expect("merges");
        // Not the newest: the oldest stays until a person decides, and it is marked.
        assert_eq!(answer_of(&m, "net.x"), ("dan", Some(ResponseDoc::Yes)));
        let conflicts = &m.report.merge.as_ref().expect("merge").conflicts;
        assert_eq!(conflicts.len(), 1);
        assert!(conflicts[0].open && conflicts[0].settled.is_none());
        let others: Vec<(&str, &str)> = conflicts[0]
            .others
            .iter()
            .map(|g| (g.by.as_str(), g.source.as_str()))
            .collect();
        assert_eq!(others, [("bob", "b"), ("ann", "a")], "newest first");
        assert_eq!(m.open.len(), 1, "{:?}", m.open);
        assert!(
            m.open[0].contains("--take net.x=a or --take net.x=b or --take net.x=d"),
            "{}",
            m.open[0]
        );
        let x = m
            .report
            .findings
            .items
            .iter()
            .find(|i| i.id == "net.x")
            .expect("x");
        assert!(
            x.disagreement
                .as_deref()
                .is_some_and(|d| d.contains("nobody has settled it")),
            "{x:?}"
        );
        assert_eq!(
            x.readiness, "needs_attention",
            "the oldest answer alone is no readiness"
        );
        assert_eq!(m.report.vantages.len(), 3);
        assert_eq!(m.report.findings.verdict, "needs_attention");

        for order in [[1, 0, 2], [2, 1, 0], [0, 2, 1]] {
            let shuffled: Vec<Source> = order.iter().map(|&i| all[i].clone()).collect();
            assert_eq!(
                bytes(&merge(&shuffled, &list, "now", &Decisions::default()).expect("merges")),
                bytes(&m)
            );
        }
        // Merging a merge with the rest gives what merging them all at once gives.
        let ab =
            merge(&[a.clone(), b.clone()], &list, "now", &Decisions::default()).expect("merges");
        let ab = Source {
            label: "ab.json".into(),
            report: ab.report,
            signer: None,
        };
        assert_eq!(
            bytes(&merge(&[ab, dan.clone()], &list, "now", &Decisions::default()).expect("merges")),
            bytes(&m)
        );

        // A person settles: a whole report, or one item, which goes first.
        let prefer = Decisions {
            prefer: Some("b.json".into()),
            take: BTreeMap::new(),
        };
        let m = merge(&all, &list, "now", &prefer).expect("merges");
        assert_eq!(answer_of(&m, "net.x"), ("bob", Some(ResponseDoc::No)));
        assert_eq!(m.report.findings.verdict, "not_ready");
        let c = &m.report.merge.as_ref().expect("merge").conflicts[0];
        assert_eq!(
            (c.open, c.settled.as_deref()),
            (false, Some("--prefer b.json"))
        );
        assert!(m.open.is_empty());
        let take = Decisions {
            prefer: Some("b".into()),
            take: [("net.x".to_owned(), "a".to_owned())].into(),
        };
        let m = merge(&all, &list, "now", &take).expect("merges");
        assert_eq!(answer_of(&m, "net.x"), ("ann", Some(ResponseDoc::Yes)));
        // The settled merge, merged again with one of its own inputs, stays settled.
        let settled = Source {
            label: "settled.json".into(),
            report: m.report.clone(),
            signer: None,
        };
        let again = merge(&[settled, a], &list, "now", &Decisions::default()).expect("merges");
        assert_eq!(answer_of(&again, "net.x"), ("ann", Some(ResponseDoc::Yes)));
        assert!(again.open.is_empty(), "{:?}", again.open);
        // A name nobody has, or a report without an answer to the item, is refused.
        let bad = Decisions {
            prefer: Some("nobody".into()),
            take: BTreeMap::new(),
        };
        assert_eq!(
            merge(&all, &list, "now", &bad).map(|_| ()),
            Err(MergeError::UnknownName("nobody".into()))
        );
        let bad = Decisions {
            prefer: None,
            take: [("net.y".to_owned(), "a".to_owned())].into(),
        };
        let b_only = [b.clone(), dan.clone()];
        assert!(merge(&b_only, &list, "now", &bad).is_err());
    }

    fn result(verdict: &str, at: &str, summary: &str) -> ProbeResult {
        let mut r = probe_result(&ProbeDoc {
            kind: "sql".into(),
            check: "edition".into(),
            target: "db1".into(),
            verdict: verdict.into(),
            summary: summary.into(),
            evidence: serde_json::Value::Null,
            at: at.into(),
            ms: 1,
        })
        .expect("valid");
        r.summary = summary.into();
        r
    }

    #[test]
    fn a_result_that_could_not_tell_never_replaces_one_that_answered() {
        let list = Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let with = |name: &str, results: Vec<ProbeResult>, other: Option<ProbeResult>| {
            let mut a = Assessment::new(name, &list, "t0");
            a.site.name = "Site".into();
            a.record_run("cws", "cws", name, "t5", &results);
            if let Some(o) = other {
                a.record_run("cws", "cws", name, "t5", &[o]);
            }
            Source {
                label: format!("{name}.json"),
                report: Report::build(&a, &list, "t9"),
                signer: None,
            }
        };
        let mut tcp = result("pass", "2026-01-01T00:00:00Z", "open");
        tcp.kind = ProbeKind::Tcp;
        tcp.target = "db1:1433".into();
        let early = with(
            "early",
            vec![result("fail", "2026-01-01T00:00:00Z", "Standard edition")],
            Some(tcp),
        );
        let late = with(
            "late",
            vec![result("error", "2026-01-02T00:00:00Z", "could not log in")],
            None,
        );
        let m = merge(&[late, early], &list, "now", &Decisions::default()).expect("merges");
        let v = &m.report.vantages[0];
        let sql: Vec<&str> = v
            .results
            .iter()
            .filter(|r| r.kind == "sql")
            .map(|r| r.summary.as_str())
            .collect();
        assert_eq!(sql, ["Standard edition"], "the answer is kept");
        assert_eq!(v.results.len(), 2, "the other target's result stays");
        let aside = &m.report.merge.as_ref().expect("merge").set_aside;
        assert_eq!(aside.len(), 1);
        assert_eq!(
            (aside[0].source.as_str(), aside[0].result.summary.as_str()),
            ("late", "could not log in")
        );
        assert!(
            m.notes.iter().any(|n| n.contains("both are shown")),
            "{:?}",
            m.notes
        );
        // Merged again with another report, what was set aside stays beside the answer.
        let merged = Source {
            label: "m.json".into(),
            report: m.report.clone(),
            signer: None,
        };
        let third = with("third", Vec::new(), None);
        let again = merge(&[merged, third], &list, "now", &Decisions::default()).expect("merges");
        let doc = again.report.merge.as_ref().expect("merge");
        assert_eq!(
            doc.set_aside,
            m.report.merge.as_ref().expect("merge").set_aside
        );
    }

    #[test]
    fn other_sites_and_checklists_are_refused() {
        let c = Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let a = source(&c, "a", &[]);
        let mut b = source(&c, "b", &[]);
        b.report.site = serde_json::json!({ "site": "Elsewhere" });
        assert!(matches!(
            merge(&[a.clone(), b], &c, "now", &Decisions::default()),
            Err(MergeError::Sites { .. })
        ));
        let mut v2 = source(&c, "b", &[]);
        v2.report.checklist.version = "2".into();
        let e = merge(&[a.clone(), v2], &c, "now", &Decisions::default()).expect_err("refused");
        assert!(e.to_string().contains("t version 1 and 2"), "{e}");
        assert_eq!(
            merge(&[a], &c, "now", &Decisions::default()).map(|_| ()),
            Err(MergeError::TooFew)
        );
    }
}

//! The report document: an immutable snapshot of an assessment and its findings, as its own
//! serde types (so the domain can change without breaking a signed document), written as
//! canonical JSON.
//!
//! Canonical means the same assessment, checklist and clock always give the same bytes: the
//! document goes through `serde_json::Value`, whose objects are `BTreeMap`s (`serde_json`'s
//! `preserve_order` feature is off in this build), so every key is sorted; two-space
//! indentation; one trailing newline. Numbers in answers are kept as the text Rust prints
//! for them, and the score is an integer, so no float can print differently.

use serde::{Deserialize, Serialize};

use super::findings::{Counts, Findings, ItemFinding, ProbeSays};
use crate::assessment::{Assessment, Entry, Response, Value};
use crate::checklist::Checklist;

/// The schema this build writes and the newest it reads.
pub const SCHEMA: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("not a preflight report: {0}")]
    Parse(#[source] serde_json::Error),
    #[error(
        "the report was written by a newer preflight (schema {0}; this one reads up to {SCHEMA})"
    )]
    NewerSchema(u32),
    #[error("cannot write the report as JSON: {0}")]
    Write(#[source] serde_json::Error),
}

/// The document, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub schema: u32,
    pub tool: Tool,
    /// When the report was built (RFC 3339, UTC).
    pub created_at: String,
    /// The assessment's name, and when it was started and last changed.
    pub assessment: AssessmentDoc,
    pub checklist: ChecklistDoc,
    /// The site's facts, in the site file's own shape (never a password: a site has none).
    pub site: serde_json::Value,
    pub vantages: Vec<VantageDoc>,
    /// Every recorded answer, in item id order; ones the checklist no longer has are kept.
    pub answers: Vec<AnswerDoc>,
    pub findings: FindingsDoc,
    /// Who signed, filled in by `report sign` before the bytes are signed.
    pub signer: Option<SignerDoc>,
    /// How a merged report was made (`report merge`); absent, and not written, otherwise, so a
    /// report built from one session has exactly the bytes it had before merging existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentDoc {
    pub name: String,
    pub created: String,
    pub updated: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistDoc {
    pub id: String,
    pub version: String,
    /// The content hash the answers were given against.
    pub hash: String,
    pub title: String,
    /// Whether the installed checklist text differs from the one the answers were given
    /// against (the findings are derived from the installed one).
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VantageDoc {
    pub name: String,
    pub role: String,
    pub host: String,
    pub at: String,
    pub results: Vec<ProbeDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeDoc {
    pub kind: String,
    pub check: String,
    pub target: String,
    pub verdict: String,
    pub summary: String,
    pub evidence: serde_json::Value,
    pub at: String,
    pub ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerDoc {
    pub item: String,
    pub response: Option<ResponseDoc>,
    pub note: String,
    pub by: String,
    pub at: String,
    /// False for an answer to an item the checklist no longer has.
    pub in_checklist: bool,
}

/// An answer as the document writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResponseDoc {
    Yes,
    No,
    Choice {
        value: String,
    },
    Multi {
        values: Vec<String>,
    },
    Text {
        text: String,
    },
    /// The number as text, so it reads back exactly as it was written.
    Number {
        value: String,
    },
    Table {
        rows: Vec<Vec<String>>,
    },
    NotApplicable {
        reason: String,
    },
}

impl ResponseDoc {
    fn of(r: &Response) -> Self {
        match r {
            Response::NotApplicable { reason } => ResponseDoc::NotApplicable {
                reason: reason.clone(),
            },
            Response::Value(v) => match v {
                Value::Yes => ResponseDoc::Yes,
                Value::No => ResponseDoc::No,
                Value::Choice(c) => ResponseDoc::Choice { value: c.clone() },
                Value::Multi(m) => ResponseDoc::Multi { values: m.clone() },
                Value::Text(t) => ResponseDoc::Text { text: t.clone() },
                Value::Number(n) => ResponseDoc::Number {
                    value: n.to_string(),
                },
                Value::Table(rows) => ResponseDoc::Table { rows: rows.clone() },
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingsDoc {
    /// `ready`, `needs_attention`, `incomplete` or `not_ready`.
    pub verdict: String,
    /// 0–100.
    pub score: u8,
    pub counts: CountsDoc,
    /// The open blockers' item ids, in checklist order.
    pub blockers: Vec<String>,
    pub sections: Vec<SectionDoc>,
    /// Every item of the checklist, in checklist order.
    pub items: Vec<ItemDoc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsDoc {
    pub ready: u32,
    pub not_ready: u32,
    pub needs_attention: u32,
    pub unanswered: u32,
    pub not_applicable: u32,
    pub not_asked: u32,
    pub open_blockers: u32,
    pub disagreements: u32,
}

impl CountsDoc {
    fn of(c: &Counts) -> Self {
        Self {
            ready: c.ready,
            not_ready: c.not_ready,
            needs_attention: c.needs_attention,
            unanswered: c.unanswered,
            not_applicable: c.not_applicable,
            not_asked: c.not_asked,
            open_blockers: c.open_blockers,
            disagreements: c.disagreements,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDoc {
    pub id: String,
    pub title: String,
    pub verdict: String,
    pub score: u8,
    pub counts: CountsDoc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDoc {
    pub id: String,
    pub section: String,
    pub prompt: String,
    pub severity: String,
    /// `ready`, `not_ready`, `needs_attention`, `unanswered`, `not_applicable`, `not_asked`.
    pub readiness: String,
    pub reason: Option<String>,
    pub probe: Option<ProbeFindingDoc>,
    pub disagreement: Option<String>,
    /// What the guide says to do, from the checklist: signed with the rest, so the page a
    /// manager reads can be rebuilt from the signed bytes alone.
    pub guidance: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeFindingDoc {
    pub verdict: String,
    pub suggestion: Option<ResponseDoc>,
    pub results: Vec<ProbeLineDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeLineDoc {
    pub vantage: String,
    pub verdict: String,
    pub summary: String,
    pub at: String,
}

impl ItemDoc {
    fn of(f: &ItemFinding) -> Self {
        Self {
            id: f.id.clone(),
            section: f.section.clone(),
            prompt: f.prompt.clone(),
            severity: f.severity.name().to_owned(),
            readiness: f.readiness.name().to_owned(),
            reason: f.reason.clone(),
            probe: f.probe.as_ref().map(ProbeFindingDoc::of),
            disagreement: f.disagreement.clone(),
            guidance: String::new(),
        }
    }
}

impl ProbeFindingDoc {
    fn of(p: &ProbeSays) -> Self {
        Self {
            verdict: p.verdict.name().to_owned(),
            suggestion: p
                .suggestion
                .as_ref()
                .map(|v| ResponseDoc::of(&Response::Value(v.clone()))),
            results: p
                .results
                .iter()
                .map(|r| ProbeLineDoc {
                    vantage: r.vantage.clone(),
                    verdict: r.verdict.name().to_owned(),
                    summary: r.summary.clone(),
                    at: r.at.clone(),
                })
                .collect(),
        }
    }
}

/// Who signed: the signing key's public half and a name for it. The private key is never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerDoc {
    /// The name the signer goes by (the key's comment, as in `allowed_signers`).
    pub identity: String,
    /// `ssh-ed25519 AAAA…`, without a comment.
    pub public_key: String,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    pub signed_at: String,
}

/// The reports a merged report was joined from, and the answers they disagreed on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeDoc {
    /// Each report joined, once, sorted (a merged report's own sources stand for it).
    pub sources: Vec<SourceDoc>,
    /// Items answered differently in the sources, in item id order: the answer kept is the
    /// one in `answers` (see [`ConflictDoc`] for which); every other is kept here, never dropped.
    pub conflicts: Vec<ConflictDoc>,
    /// Probe results that could not tell (could not connect, log in or finish) for a target
    /// another source's result answered: that answer is kept in the vantage's results and these
    /// are shown beside it, never in its place.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAsideDoc>,
    /// Site entries the sources say differently (the merged site is the union of theirs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_conflicts: Vec<SiteConflictDoc>,
}

/// A probe result a merge did not let replace one that answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAsideDoc {
    pub vantage: String,
    /// The assessment it came from.
    pub source: String,
    pub result: ProbeDoc,
}

/// One site entry (a host, a name, a port rule…) the sources of a merge say differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConflictDoc {
    /// The table, as the site file's key (`host`, `name`, `sql`…).
    pub table: String,
    /// The entry's key in words.
    pub key: String,
    /// The assessment whose value the merged site holds.
    pub kept: String,
    /// How a person settled it (`--prefer NAME`); absent while nobody has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<String>,
    /// Each source's value, in the sources' order.
    pub values: Vec<SiteValueDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteValueDoc {
    pub source: String,
    pub value: serde_json::Value,
}

/// One report that went into a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDoc {
    /// Its assessment's name.
    pub assessment: String,
    /// When it was built, and when its assessment last changed.
    pub created_at: String,
    pub updated: String,
    /// The vantages it brought.
    pub vantages: Vec<String>,
    /// Its signer, when its signature was checked before merging; `None` when it was unsigned.
    pub signer: Option<SignerDoc>,
}

/// Two or more different answers to one item. Which is kept: the one a person chose
/// (`settled`); while nobody has (`open`), the oldest, and the item is marked as in conflict.
/// A conflict with neither was written by a release that kept the newest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictDoc {
    pub item: String,
    /// The answer kept.
    pub kept: GivenDoc,
    /// The other answers, newest first.
    pub others: Vec<GivenDoc>,
    /// Nobody has chosen between the answers yet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open: bool,
    /// How a person chose (`--prefer NAME`, `--take ITEM=NAME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<String>,
}

/// An answer as one source gave it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenDoc {
    pub at: String,
    pub by: String,
    pub response: Option<ResponseDoc>,
    pub note: String,
    /// The assessment it was given in.
    pub source: String,
}

impl Report {
    /// Snapshots an assessment and its findings against the installed checklist.
    #[must_use]
    pub fn build(a: &Assessment, c: &Checklist, created_at: &str) -> Self {
        Self::build_marked(a, c, created_at, &[])
    }

    /// As [`Report::build`], with items whose answers a merge left in conflict marked
    /// (`(item, words)`, see [`Findings::mark_conflicts`]).
    #[must_use]
    pub fn build_marked(
        a: &Assessment,
        c: &Checklist,
        created_at: &str,
        conflicts: &[(String, String)],
    ) -> Self {
        let mut findings = Findings::of(a, c);
        findings.mark_conflicts(conflicts);
        Self {
            schema: SCHEMA,
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            created_at: created_at.to_owned(),
            assessment: AssessmentDoc {
                name: a.name.clone(),
                created: a.created.clone(),
                updated: a.updated.clone(),
            },
            checklist: ChecklistDoc {
                id: a.checklist.id.clone(),
                version: a.checklist.version.clone(),
                hash: a.checklist.hash.clone(),
                title: c.title.clone(),
                changed: a.checklist.hash != c.content_hash,
            },
            // A site is plain strings, addresses and lists; it always converts.
            site: serde_json::to_value(&a.site).unwrap_or(serde_json::Value::Null),
            vantages: a
                .runs
                .iter()
                .map(|(name, run)| VantageDoc {
                    name: name.clone(),
                    role: run.role.clone(),
                    host: run.host.clone(),
                    at: run.at.clone(),
                    results: run
                        .results
                        .iter()
                        .map(|r| ProbeDoc {
                            kind: r.kind.name().to_owned(),
                            check: r.check.clone(),
                            target: r.target.clone(),
                            verdict: r.verdict.name().to_owned(),
                            summary: r.summary.clone(),
                            // Evidence always converts: typed values, strings and numbers.
                            evidence: serde_json::to_value(&r.evidence)
                                .unwrap_or(serde_json::Value::Null),
                            at: r.at.clone(),
                            ms: r.ms,
                        })
                        .collect(),
                })
                .collect(),
            answers: a
                .entries
                .iter()
                .map(|(item, e)| answer_doc(item, e, c.item(item).is_some()))
                .collect(),
            findings: FindingsDoc {
                verdict: findings.verdict.name().to_owned(),
                score: findings.score,
                counts: CountsDoc::of(&findings.counts),
                blockers: findings.blockers().map(|f| f.id.clone()).collect(),
                sections: findings
                    .sections
                    .iter()
                    .map(|s| SectionDoc {
                        id: s.id.clone(),
                        title: s.title.clone(),
                        verdict: s.verdict.name().to_owned(),
                        score: s.score,
                        counts: CountsDoc::of(&s.counts),
                    })
                    .collect(),
                items: findings
                    .items
                    .iter()
                    .map(|f| {
                        let mut doc = ItemDoc::of(f);
                        if let Some(item) = c.item(&f.id) {
                            item.guidance.trim().clone_into(&mut doc.guidance);
                        }
                        doc
                    })
                    .collect(),
            },
            signer: None,
            merge: None,
        }
    }

    /// The canonical bytes: sorted keys, two-space indentation, a trailing newline.
    ///
    /// # Errors
    /// Only if a probe's evidence could not be written as JSON, which a `serde_json::Value`
    /// always can.
    pub fn to_canonical_bytes(&self) -> Result<Vec<u8>, ReportError> {
        let value = serde_json::to_value(self).map_err(ReportError::Write)?;
        let mut bytes = serde_json::to_vec_pretty(&value).map_err(ReportError::Write)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Reads a report back.
    ///
    /// # Errors
    /// When the bytes are not a report, or one from a newer preflight.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ReportError> {
        #[derive(Deserialize)]
        struct Probe {
            schema: u32,
        }
        let probe: Probe = serde_json::from_slice(bytes).map_err(ReportError::Parse)?;
        if probe.schema > SCHEMA {
            return Err(ReportError::NewerSchema(probe.schema));
        }
        serde_json::from_slice(bytes).map_err(ReportError::Parse)
    }
}

fn answer_doc(item: &str, e: &Entry, in_checklist: bool) -> AnswerDoc {
    AnswerDoc {
        item: item.to_owned(),
        response: e.response.as_ref().map(ResponseDoc::of),
        note: e.note.clone(),
        by: e.by.clone(),
        at: e.at.clone(),
        in_checklist,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::builtin;

    #[test]
    fn canonical_bytes_are_sorted_stable_and_read_back() {
        let checklists = builtin::all().expect("built-ins parse");
        let c = &checklists[0];
        let mut a = Assessment::new("site-1", c, "2026-11-22T10:00:00Z");
        let first = c.items().next().expect("an item");
        a.answer(
            c,
            &first.id,
            Response::NotApplicable {
                reason: "not here".into(),
            },
            "ann",
            "2026-11-22T10:01:00Z",
        )
        .expect("answer");
        let r = Report::build(&a, c, "2026-11-22T11:00:00Z");
        let bytes = r.to_canonical_bytes().expect("bytes");
        assert_eq!(
            bytes,
            Report::build(&a, c, "2026-11-22T11:00:00Z")
                .to_canonical_bytes()
                .expect("bytes")
        );
        assert_eq!(bytes.last(), Some(&b'\n'));
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        // Top-level keys in sorted order.
        let keys: Vec<usize> = [
            "\"answers\"",
            "\"assessment\"",
            "\"checklist\"",
            "\"created_at\"",
            "\"findings\"",
            "\"schema\"",
            "\"signer\"",
            "\"site\"",
            "\"tool\"",
            "\"vantages\"",
        ]
        .iter()
        .map(|k| {
            text.find(&format!("\n  {k}"))
                .unwrap_or_else(|| panic!("{k} missing"))
        })
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        let back = Report::from_bytes(&bytes).expect("reads back");
        assert_eq!(back, r);
        assert_eq!(back.to_canonical_bytes().expect("bytes"), bytes);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let err = Report::from_bytes(br#"{"schema": 2}"#).expect_err("newer");
        assert!(matches!(err, ReportError::NewerSchema(2)), "{err}");
    }
}

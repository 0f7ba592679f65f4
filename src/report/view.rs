//! What goes on an exported page, decided once for the HTML page (`html`) and the Markdown
//! document (`markdown`): which blockers come first and what to do about each, the sections
//! with their items, the port matrix and TLS grids taken out of the probes' evidence, every
//! answer with its prompt and any answers a merge found in conflict, and the signer shown only
//! when a signature goes with the page. The two renderers only choose markup.
//!
//! Everything here is a pure function of the report's bytes (and whether a signature is
//! given), so the HTML page a report renders to never changes: `verify` rebuilds the page and
//! compares it byte for byte.
//!
//! The order a reader meets things in, in both renderers: summary, blockers, findings by
//! section, port matrix, TLS grids, SQL Servers, answers,
//! probe results, merge sources, verification.

use super::document::{
    AnswerDoc, ConflictDoc, CountsDoc, GivenDoc, ItemDoc, MergeDoc, ProbeDoc, Report, ResponseDoc,
    SectionDoc, SetAsideDoc, SignerDoc, SiteConflictDoc, VantageDoc,
};
use crate::probe::sql::tables as sql_tables;
use crate::probe::tls::facts::TlsFacts;
use crate::probe::{Evidence, Facts, ProbeKind};

/// Said of a report whose answers were given against another text of the checklist.
pub const CHECKLIST_CHANGED: &str = "the installed checklist differs from the one answered against";

/// What to do about a blocker whose item has no guidance.
pub const WHAT_TO_DO_FALLBACK: &str = "answer the item, or fix what it asks about and probe again.";

/// Said of a page that goes without a signature.
pub const NOT_SIGNED: &str = "Nothing on this page proves who wrote it or that it was not changed.";

/// Everything an export shows, borrowed from the report.
#[derive(Debug)]
pub struct View<'a> {
    pub report: &'a Report,
    /// The signer, only when a signature goes with the export.
    pub signer: Option<&'a SignerDoc>,
    /// The site's name: the site file's `site`, else the assessment's name.
    pub site: String,
    /// The open blockers, in checklist order.
    pub blockers: Vec<Blocker<'a>>,
    pub sections: Vec<SectionView<'a>>,
    pub ports: Vec<PortRow>,
    pub tls: Vec<(String, TlsFacts)>,
    /// The SQL Servers probed, from each vantage: drawn between the TLS grids and the answers.
    pub sql: Vec<SqlView>,
    pub answers: Vec<AnswerView<'a>>,
    pub vantages: &'a [VantageDoc],
    /// How a merged report was made; `None` for a report built from one session.
    pub merge: Option<&'a MergeDoc>,
}

/// One SQL Server as the probe found it: the instance in a few lines, then its tables.
#[derive(Debug)]
pub struct SqlView {
    pub vantage: String,
    pub server: String,
    pub overview: Vec<(&'static str, String)>,
    pub tables: Vec<sql_tables::Table>,
}

/// An open blocker: the item, its answer in words and what to do.
#[derive(Debug)]
pub struct Blocker<'a> {
    pub item: &'a ItemDoc,
    pub answer: String,
    /// The guide's advice, or [`WHAT_TO_DO_FALLBACK`].
    pub what_to_do: String,
}

/// A section and its items, in checklist order.
#[derive(Debug)]
pub struct SectionView<'a> {
    pub section: &'a SectionDoc,
    pub items: Vec<&'a ItemDoc>,
}

/// One recorded answer as the answers table shows it.
#[derive(Debug)]
pub struct AnswerView<'a> {
    pub doc: &'a AnswerDoc,
    /// The item's prompt; empty for an item the checklist no longer has.
    pub prompt: &'a str,
    pub answer: String,
    /// Other answers to the same item that a merge kept (newest first).
    pub others: &'a [GivenDoc],
    /// How the answers of a merge were settled, in words: `not settled …`, `settled by …`;
    /// empty without a conflict.
    pub conflict: String,
}

impl<'a> View<'a> {
    /// What a report shows; `signed` says whether a signature goes with the export.
    #[must_use]
    pub fn of(r: &'a Report, signed: bool) -> Self {
        let item = |id: &str| r.findings.items.iter().find(|i| i.id == id);
        let blockers = r
            .findings
            .blockers
            .iter()
            .filter_map(|id| item(id))
            .map(|item| Blocker {
                item,
                answer: answer_text(
                    r.answers
                        .iter()
                        .find(|a| a.item == item.id)
                        .and_then(|a| a.response.as_ref()),
                ),
                what_to_do: Some(item.guidance.trim())
                    .filter(|g| !g.is_empty())
                    .unwrap_or(WHAT_TO_DO_FALLBACK)
                    .to_owned(),
            })
            .collect();
        let sections = r
            .findings
            .sections
            .iter()
            .map(|section| SectionView {
                section,
                items: r
                    .findings
                    .items
                    .iter()
                    .filter(|i| i.section == section.id)
                    .collect(),
            })
            .collect();
        let answers = r
            .answers
            .iter()
            .map(|doc| AnswerView {
                doc,
                prompt: item(&doc.item).map_or("", |i| i.prompt.as_str()),
                answer: answer_text(doc.response.as_ref()),
                others: conflict(r, &doc.item).map_or(&[], |c| c.others.as_slice()),
                conflict: conflict(r, &doc.item).map_or_else(String::new, conflict_words),
            })
            .collect();
        Self {
            report: r,
            signer: r.signer.as_ref().filter(|_| signed),
            site: site_name(r),
            blockers,
            sections,
            ports: port_rows(r),
            tls: tls_endpoints(r),
            sql: sql_servers(r),
            answers,
            vantages: &r.vantages,
            merge: r.merge.as_ref(),
        }
    }
}

fn conflict<'a>(r: &'a Report, item: &str) -> Option<&'a ConflictDoc> {
    r.merge
        .as_ref()
        .and_then(|m| m.conflicts.iter().find(|c| c.item == item))
}

/// How a merge settled an item's conflicting answers, in words.
#[must_use]
pub fn conflict_words(c: &ConflictDoc) -> String {
    match (&c.settled, c.open) {
        (Some(how), _) => format!("settled by {how}"),
        (None, true) => "NOT SETTLED: the oldest answer is kept for now; merge again with --take ITEM=NAME or --prefer NAME".to_owned(),
        (None, false) => "the newest answer was kept (by an earlier release)".to_owned(),
    }
}

/// A merge's conflicts in one line: how many, and how many nobody has settled.
#[must_use]
pub fn conflicts_line(m: &MergeDoc) -> String {
    let open = m.conflicts.iter().filter(|c| c.open).count();
    format!(
        "{} items were answered differently ({open} not settled: each keeps its oldest answer, marked in its finding, until a person chooses); every answer is listed beside the one kept under Answers.",
        m.conflicts.len()
    )
}

/// A probe result a merge set aside, in words.
#[must_use]
pub fn set_aside_text(s: &SetAsideDoc) -> String {
    format!(
        "{}.{} {} from {} at {} (in {}): {} — {}; the result that answered is kept",
        s.result.kind,
        s.result.check,
        s.result.target,
        s.vantage,
        s.result.at,
        s.source,
        s.result.verdict,
        s.result.summary
    )
}

/// A site entry a merge's sources say differently, in words.
#[must_use]
pub fn site_conflict_text(c: &SiteConflictDoc) -> String {
    format!(
        "{} {}: {}; the merged site has {}'s ({})",
        c.table,
        c.key,
        crate::site::changes::differing(&c.values.iter().map(|v| &v.value).collect::<Vec<_>>())
            .iter()
            .zip(&c.values)
            .map(|(words, v)| format!("{words} in {}", v.source))
            .collect::<Vec<_>>()
            .join("; "),
        c.kept,
        c.settled
            .as_ref()
            .map_or_else(|| "not settled".to_owned(), |s| format!("settled by {s}"))
    )
}

/// The item counts in one line of words.
#[must_use]
pub fn counts_line(c: &CountsDoc) -> String {
    format!(
        "{} ready, {} not ready, {} need attention, {} unanswered, {} not applicable, {} not asked; {} open blockers, {} disagreements",
        c.ready,
        c.not_ready,
        c.needs_attention,
        c.unanswered,
        c.not_applicable,
        c.not_asked,
        c.open_blockers,
        c.disagreements
    )
}

/// A readiness or verdict name as people read it (`not_ready` → `not ready`).
#[must_use]
pub fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// An answer in a line of text.
#[must_use]
pub fn answer_text(r: Option<&ResponseDoc>) -> String {
    match r {
        None => "(no answer)".to_owned(),
        Some(ResponseDoc::Yes) => "yes".to_owned(),
        Some(ResponseDoc::No) => "no".to_owned(),
        Some(ResponseDoc::Choice { value } | ResponseDoc::Number { value }) => value.clone(),
        Some(ResponseDoc::Multi { values }) => values.join(", "),
        Some(ResponseDoc::Text { text }) => text.clone(),
        Some(ResponseDoc::Table { rows }) => rows
            .iter()
            .map(|r| r.join(" | "))
            .collect::<Vec<_>>()
            .join("; "),
        Some(ResponseDoc::NotApplicable { reason }) => format!("not applicable: {reason}"),
    }
}

/// Another answer a merge kept, in words: `"no" by bob at T (in cws2)`, with its note.
#[must_use]
pub fn given_text(g: &GivenDoc) -> String {
    let mut s = format!(
        "\"{}\" by {} at {} (in {})",
        answer_text(g.response.as_ref()),
        g.by,
        g.at,
        g.source
    );
    if !g.note.is_empty() {
        s.push_str(", note: ");
        s.push_str(&g.note);
    }
    s
}

/// How old a piece of evidence was when the report was built, in words: `3 h before the
/// report`. `None` when either time does not read as RFC 3339 (an old or hand-made report).
#[must_use]
pub fn evidence_age(at: &str, report_at: &str) -> Option<String> {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    let at = OffsetDateTime::parse(at, &Rfc3339).ok()?;
    let report = OffsetDateTime::parse(report_at, &Rfc3339).ok()?;
    let secs = (report - at).whole_seconds();
    let side = if secs < 0 { "after" } else { "before" };
    let s = secs.unsigned_abs();
    let span = match s {
        0..60 => return Some("at the time of the report".to_owned()),
        60..3_600 => format!("{} min", s / 60),
        3_600..172_800 => format!("{} h", s / 3_600),
        _ => format!("{} days", s / 86_400),
    };
    Some(format!("{span} {side} the report"))
}

/// When a probe result was taken, with its age at the report: `T, 3 h before the report`.
#[must_use]
pub fn evidence_when(at: &str, report_at: &str) -> String {
    match evidence_age(at, report_at) {
        Some(age) => format!("{at}, {age}"),
        None => at.to_owned(),
    }
}

/// The site's name: the site file's `site`, else the assessment's name.
#[must_use]
pub fn site_name(r: &Report) -> String {
    r.site
        .get("site")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map_or_else(|| r.assessment.name.clone(), str::to_owned)
}

/// One row of the port matrix: a TCP result's rule and its ports' states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRow {
    pub vantage: String,
    pub rule: String,
    pub host: String,
    /// `(port, state, detail)`; empty when the rule was not probed.
    pub cells: Vec<(u64, String, String)>,
    pub summary: String,
}

/// A result's evidence as the report stored it, read the one way every stored result is read
/// ([`Evidence::read`]: today's shape or an earlier build's).
fn evidence_of(p: &ProbeDoc) -> Option<Evidence> {
    ProbeKind::parse(&p.kind).map(|kind| Evidence::read(kind, p.evidence.clone()))
}

/// The port matrix rows of every vantage, from the TCP results' evidence.
#[must_use]
pub fn port_rows(r: &Report) -> Vec<PortRow> {
    let mut rows = Vec::new();
    for v in &r.vantages {
        for p in v.results.iter().filter(|p| p.kind == "tcp") {
            let Some(e) = evidence_of(p) else { continue };
            let cells = match &e.facts {
                Facts::Tcp(t) => t
                    .outcomes
                    .iter()
                    .map(|o| {
                        (
                            u64::from(o.port),
                            o.state.name().to_owned(),
                            o.detail.clone(),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let row = e.subject.row.as_ref();
            rows.push(PortRow {
                vantage: v.name.clone(),
                rule: row.map_or_else(
                    || " →   ".to_owned(),
                    |row| {
                        format!(
                            "{} → {} {} {}",
                            row.from,
                            row.to,
                            row.protocol,
                            row.ports.written()
                        )
                    },
                ),
                host: row.and_then(|r| r.host.clone()).unwrap_or_default(),
                cells,
                summary: p.summary.clone(),
            });
        }
    }
    rows
}

/// Every TLS endpoint's facts, with the vantage that scanned it.
#[must_use]
pub fn tls_endpoints(r: &Report) -> Vec<(String, TlsFacts)> {
    let mut out = Vec::new();
    for v in &r.vantages {
        for p in v.results.iter().filter(|p| p.kind == "tls") {
            if let Some(Facts::Tls(t)) = evidence_of(p).map(|e| e.facts) {
                out.push((v.name.clone(), t.facts));
            }
        }
    }
    out
}

/// The SQL Servers of the report's `sql` results, from each vantage.
#[must_use]
pub fn sql_servers(r: &Report) -> Vec<SqlView> {
    let mut out = Vec::new();
    for v in &r.vantages {
        for p in v.results.iter().filter(|p| p.kind == "sql") {
            if let Some(Facts::Sql(s)) = evidence_of(p).map(|e| e.facts) {
                let f = &s.facts;
                out.push(SqlView {
                    vantage: v.name.clone(),
                    server: f.server.clone(),
                    overview: sql_tables::overview(f),
                    tables: sql_tables::tables(f),
                });
            }
        }
    }
    out
}

/// The suites of an endpoint, in first-seen order.
#[must_use]
pub fn tls_suites(f: &TlsFacts) -> Vec<&str> {
    let mut suites: Vec<&str> = Vec::new();
    for p in &f.protocols {
        for s in &p.cipher_suites {
            if !suites.contains(&s.as_str()) {
                suites.push(s);
            }
        }
    }
    suites
}

/// The `ssh-keygen -Y verify` line for a report file and its signature file.
#[must_use]
pub fn ssh_keygen_verify(identity: &str, signature: &str, report: &str) -> String {
    format!(
        "ssh-keygen -Y verify -f allowed_signers -I {} -n {} -s {} < {}",
        shell_word(identity),
        super::sign::NAMESPACE,
        shell_word(signature),
        shell_word(report)
    )
}

/// A word as a POSIX shell reads it back: as it is when it needs no quoting, else in single
/// quotes.
#[must_use]
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A merged report's source's signer in words: `ann (SHA256:…) at T`, or `not signed`.
#[must_use]
pub fn source_signer(s: Option<&SignerDoc>) -> String {
    s.map_or_else(
        || "not signed".to_owned(),
        |s| format!("{} ({}) at {}", s.identity, s.fingerprint, s.signed_at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_age_in_words() {
        let report = "2026-03-02T12:00:00Z";
        for (at, words) in [
            ("2026-03-02T11:59:30Z", Some("at the time of the report")),
            ("2026-03-02T11:55:00Z", Some("5 min before the report")),
            ("2026-03-02T09:00:00Z", Some("3 h before the report")),
            ("2026-03-01T00:00:00Z", Some("36 h before the report")),
            ("2026-02-20T12:00:00Z", Some("10 days before the report")),
            ("2026-03-02T14:00:00Z", Some("2 h after the report")),
            ("yesterday", None),
        ] {
            assert_eq!(evidence_age(at, report).as_deref(), words, "{at}");
        }
        assert_eq!(
            evidence_when("2026-03-02T09:00:00Z", report),
            "2026-03-02T09:00:00Z, 3 h before the report"
        );
        assert_eq!(evidence_when("later", report), "later");
    }
}

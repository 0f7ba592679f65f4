//! Findings: each item's readiness from its answer and its probe evidence, the open blockers,
//! per-section and overall verdicts and a readiness score. Derived, never stored by hand.
//!
//! The rules, in one place ([`judge`]):
//!
//! | answer | probe | readiness |
//! | --- | --- | --- |
//! | not asked (its condition does not hold) | any | `not_asked` |
//! | not applicable | any | `not_applicable` (a failing probe is recorded as a disagreement) |
//! | outside `good` (e.g. "no") | any | `not_ready` (a passing probe is a disagreement) |
//! | good (e.g. "yes") | fail | `not_ready`, and the disagreement is recorded |
//! | good | warn or error | `needs_attention` |
//! | good | pass, skipped or none | `ready` |
//! | none | fail | `not_ready` (the probe showed it) |
//! | none | otherwise | `unanswered` |
//!
//! A blocker is open when its item is `not_ready` or `unanswered`; so is an unanswered question
//! whose answer decides whether blockers are asked (it "hides" them). The site is `not_ready`
//! when a blocker is not ready, `incomplete` when a blocker or a question hiding blockers is
//! still unanswered, `needs_attention` when
//! anything else is not ready, needs attention or is unanswered, and `ready` otherwise; a
//! section where nothing is asked or applicable is `not_applicable`.

use crate::assessment::evidence::Evidence;
use crate::assessment::{Assessment, Response, Status, Value};
use crate::checklist::{Checklist, Item, Severity};
use crate::probe::Verdict;

/// One item's readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Readiness {
    Ready,
    NotReady,
    NeedsAttention,
    Unanswered,
    /// Answered "not applicable"; the reason is in [`ItemFinding::reason`].
    NotApplicable,
    /// Its `when` condition does not hold, so nobody was asked.
    NotAsked,
}

impl Readiness {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::NotReady => "not_ready",
            Readiness::NeedsAttention => "needs_attention",
            Readiness::Unanswered => "unanswered",
            Readiness::NotApplicable => "not_applicable",
            Readiness::NotAsked => "not_asked",
        }
    }
}

/// A section's or the whole site's verdict, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SiteVerdict {
    /// A blocker is not ready: go-live cannot go ahead.
    NotReady,
    /// A blocker has not been answered yet, so readiness cannot be said.
    Incomplete,
    /// No blocker is open, but something else is not ready, needs attention or is unanswered.
    NeedsAttention,
    Ready,
    /// Nothing in it applies to this site: every item is not asked or not applicable (a section
    /// on AlwaysOn at a site that mirrors). Said rather than "ready 100%".
    NotApplicable,
}

impl SiteVerdict {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SiteVerdict::NotReady => "not_ready",
            SiteVerdict::Incomplete => "incomplete",
            SiteVerdict::NeedsAttention => "needs_attention",
            SiteVerdict::Ready => "ready",
            SiteVerdict::NotApplicable => "not_applicable",
        }
    }
}

/// What the probes said about an item, as findings keep it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSays {
    pub verdict: Verdict,
    /// The suggested answer, for yes/no items.
    pub suggestion: Option<Value>,
    /// Each result that answers the item: vantage, verdict as applied to the item, summary, when.
    pub results: Vec<ProbeLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeLine {
    pub vantage: String,
    pub verdict: Verdict,
    pub summary: String,
    pub at: String,
}

impl ProbeSays {
    fn of(e: &Evidence<'_>) -> Self {
        Self {
            verdict: e.verdict,
            suggestion: e.suggestion.clone(),
            results: e
                .results
                .iter()
                .map(|f| ProbeLine {
                    vantage: f.vantage.to_owned(),
                    verdict: f.verdict,
                    summary: f.summary.clone(),
                    at: f.at.to_owned(),
                })
                .collect(),
        }
    }

    /// The summary of the worst result (results are kept worst first).
    fn worst_summary(&self) -> &str {
        self.results.first().map_or("", |r| r.summary.as_str())
    }
}

/// One item's finding.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFinding {
    pub id: String,
    pub section: String,
    pub prompt: String,
    pub severity: Severity,
    pub readiness: Readiness,
    /// The reason given for "not applicable".
    pub reason: Option<String>,
    pub probe: Option<ProbeSays>,
    /// Where the answer and the probes disagree, in words; kept, never resolved silently.
    pub disagreement: Option<String>,
    /// The blockers this unanswered question keeps hidden (their condition reads its answer):
    /// until it is answered nobody knows whether they apply, so it holds the site open.
    pub hides: Vec<String>,
}

impl ItemFinding {
    /// A blocker item that is not ready or not answered, or an unanswered question that
    /// hides blockers.
    #[must_use]
    pub fn is_open_blocker(&self) -> bool {
        (self.severity == Severity::Blocker
            && matches!(self.readiness, Readiness::NotReady | Readiness::Unanswered))
            || (self.readiness == Readiness::Unanswered && !self.hides.is_empty())
    }
}

/// How many items are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub ready: u32,
    pub not_ready: u32,
    pub needs_attention: u32,
    pub unanswered: u32,
    pub not_applicable: u32,
    pub not_asked: u32,
    pub open_blockers: u32,
    pub disagreements: u32,
}

impl Counts {
    fn add(&mut self, f: &ItemFinding) {
        let slot = match f.readiness {
            Readiness::Ready => &mut self.ready,
            Readiness::NotReady => &mut self.not_ready,
            Readiness::NeedsAttention => &mut self.needs_attention,
            Readiness::Unanswered => &mut self.unanswered,
            Readiness::NotApplicable => &mut self.not_applicable,
            Readiness::NotAsked => &mut self.not_asked,
        };
        *slot += 1;
        if f.is_open_blocker() {
            self.open_blockers += 1;
        }
        if f.disagreement.is_some() {
            self.disagreements += 1;
        }
    }
}

/// A section's verdict, score and counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionFindings {
    pub id: String,
    pub title: String,
    pub verdict: SiteVerdict,
    pub score: u8,
    pub counts: Counts,
}

/// Everything derived from one assessment against its checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    /// Every item of the checklist, in checklist order.
    pub items: Vec<ItemFinding>,
    pub sections: Vec<SectionFindings>,
    pub verdict: SiteVerdict,
    /// 0–100, see [`score`].
    pub score: u8,
    pub counts: Counts,
}

impl Findings {
    /// Derives the findings of an assessment.
    #[must_use]
    pub fn of(a: &Assessment, c: &Checklist) -> Self {
        let mut items = Vec::new();
        let mut sections = Vec::new();
        for section in &c.sections {
            for item in &section.items {
                items.push(item_finding(a, c, &section.id, item));
            }
        }
        mark_gates(c, &mut items);
        let mut start = 0;
        for section in &c.sections {
            let mine = &items[start..start + section.items.len()];
            start += section.items.len();
            sections.push(SectionFindings {
                id: section.id.clone(),
                title: section.title.clone(),
                verdict: verdict(mine),
                score: score(mine),
                counts: counts(mine),
            });
        }
        Self {
            verdict: verdict(&items),
            score: score(&items),
            counts: counts(&items),
            items,
            sections,
        }
    }

    /// Marks items whose answers the reports of a merge give differently and nobody has
    /// settled: `(item, words)`. A ready or not applicable item needs attention instead (its
    /// answer is only the oldest of several), the words join its disagreement, and the
    /// verdicts, scores and counts follow.
    pub fn mark_conflicts(&mut self, marks: &[(String, String)]) {
        if marks.is_empty() {
            return;
        }
        for (id, words) in marks {
            let Some(f) = self.items.iter_mut().find(|f| f.id == *id) else {
                continue;
            };
            if matches!(f.readiness, Readiness::Ready | Readiness::NotApplicable) {
                f.readiness = Readiness::NeedsAttention;
            }
            match &mut f.disagreement {
                Some(d) => {
                    d.push_str("; ");
                    d.push_str(words);
                }
                None => f.disagreement = Some(words.clone()),
            }
        }
        for section in &mut self.sections {
            let mine: Vec<ItemFinding> = self
                .items
                .iter()
                .filter(|f| f.section == section.id)
                .cloned()
                .collect();
            section.verdict = verdict(&mine);
            section.score = score(&mine);
            section.counts = counts(&mine);
        }
        self.verdict = verdict(&self.items);
        self.score = score(&self.items);
        self.counts = counts(&self.items);
    }

    /// The open blockers, in checklist order.
    pub fn blockers(&self) -> impl Iterator<Item = &ItemFinding> {
        self.items.iter().filter(|f| f.is_open_blocker())
    }
}

fn item_finding(a: &Assessment, c: &Checklist, section: &str, item: &Item) -> ItemFinding {
    let status = a.status(c, item);
    let probe = a.evidence(item).map(|e| ProbeSays::of(&e));
    let answer = a.response(&item.id);
    let (readiness, disagreement) = judge(status, answer, probe.as_ref());
    ItemFinding {
        id: item.id.clone(),
        section: section.to_owned(),
        prompt: item.prompt.clone(),
        severity: item.severity,
        readiness,
        reason: match answer {
            Some(Response::NotApplicable { reason }) if status == Status::NotApplicable => {
                Some(reason.clone())
            }
            _ => None,
        },
        probe,
        disagreement,
        hides: Vec::new(),
    }
}

/// Marks each unanswered question with the blockers it keeps hidden: those not asked because
/// a condition reads its answer, directly or through other questions not asked either.
fn mark_gates(c: &Checklist, items: &mut [ItemFinding]) {
    let at: std::collections::HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut hides: Vec<Vec<String>> = vec![Vec::new(); items.len()];
    for blocker in items
        .iter()
        .filter(|f| f.severity == Severity::Blocker && f.readiness == Readiness::NotAsked)
    {
        let mut todo = vec![blocker.id.as_str()];
        let mut seen = std::collections::HashSet::new();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(when) = c.item(id).and_then(|i| i.when.as_ref()) else {
                continue;
            };
            for gate in when.items() {
                let Some(&g) = at.get(gate) else { continue };
                match items[g].readiness {
                    Readiness::Unanswered => hides[g].push(blocker.id.clone()),
                    Readiness::NotAsked => todo.push(&items[g].id),
                    _ => {}
                }
            }
        }
    }
    for (f, mut h) in items.iter_mut().zip(hides) {
        h.sort_unstable();
        h.dedup();
        f.hides = h;
    }
}

/// An item's readiness from its answer's status and what the probes said, and the
/// disagreement between the two if there is one. The table is in the module documentation.
#[must_use]
pub fn judge(
    status: Status,
    answer: Option<&Response>,
    probe: Option<&ProbeSays>,
) -> (Readiness, Option<String>) {
    let verdict = probe.map(|p| p.verdict);
    let said = || answer.map_or_else(|| "nothing".to_owned(), |r| format!("\"{r}\""));
    let why = || probe.map_or("", ProbeSays::worst_summary);
    match (status, verdict) {
        (Status::Hidden, _) => (Readiness::NotAsked, None),
        (Status::NotApplicable, Some(Verdict::Fail)) => (
            Readiness::NotApplicable,
            Some(format!(
                "marked not applicable, but a probe failed: {}",
                why()
            )),
        ),
        (Status::NotApplicable, _) => (Readiness::NotApplicable, None),
        (Status::Failed, Some(Verdict::Pass)) => (
            Readiness::NotReady,
            Some(format!(
                "answered {}, but the probes passed: {}",
                said(),
                why()
            )),
        ),
        // Answered outside `good`, or not answered while a probe shows it is not there.
        (Status::Failed, _) | (Status::Unanswered, Some(Verdict::Fail)) => {
            (Readiness::NotReady, None)
        }
        (Status::Done, Some(Verdict::Fail)) => (
            Readiness::NotReady,
            Some(format!(
                "answered {}, but a probe failed: {}",
                said(),
                why()
            )),
        ),
        (Status::Done, Some(Verdict::Warn | Verdict::Error)) => (Readiness::NeedsAttention, None),
        (Status::Done, _) => (Readiness::Ready, None),
        (Status::Unanswered, _) => (Readiness::Unanswered, None),
    }
}

fn counts(items: &[ItemFinding]) -> Counts {
    let mut c = Counts::default();
    for f in items {
        c.add(f);
    }
    c
}

/// The verdict of a set of items; the rules are in the module documentation.
#[must_use]
pub fn verdict(items: &[ItemFinding]) -> SiteVerdict {
    let blocker = |r: Readiness| {
        items
            .iter()
            .any(|f| f.severity == Severity::Blocker && f.readiness == r)
    };
    if !items.is_empty()
        && items
            .iter()
            .all(|f| matches!(f.readiness, Readiness::NotAsked | Readiness::NotApplicable))
    {
        SiteVerdict::NotApplicable
    } else if blocker(Readiness::NotReady) {
        SiteVerdict::NotReady
    } else if blocker(Readiness::Unanswered)
        || items
            .iter()
            .any(|f| f.readiness == Readiness::Unanswered && !f.hides.is_empty())
    {
        SiteVerdict::Incomplete
    } else if items.iter().any(|f| {
        matches!(
            f.readiness,
            Readiness::NotReady | Readiness::NeedsAttention | Readiness::Unanswered
        )
    }) {
        SiteVerdict::NeedsAttention
    } else {
        SiteVerdict::Ready
    }
}

/// A verdict's score as a person reads it: `87%`, or `—` where nothing applies.
#[must_use]
pub fn score_text(verdict: &str, score: u8) -> String {
    if verdict == SiteVerdict::NotApplicable.name() {
        "—".to_owned()
    } else {
        format!("{score}%")
    }
}

/// Weight of an item in the score: a blocker counts eight times an info item.
fn weight(s: Severity) -> u64 {
    match s {
        Severity::Blocker => 8,
        Severity::Major => 4,
        Severity::Minor => 2,
        Severity::Info => 1,
    }
}

/// The readiness score, 0–100, rounded down: of the items that count (asked and applicable),
/// the weighted share that is ready, an item needing attention counting half. Integer
/// arithmetic, so the same findings always give the same number. 100 when nothing counts.
#[must_use]
pub fn score(items: &[ItemFinding]) -> u8 {
    let (mut got, mut total) = (0u64, 0u64);
    for f in items {
        let w = weight(f.severity) * 2;
        match f.readiness {
            Readiness::NotAsked | Readiness::NotApplicable => continue,
            Readiness::Ready => got += w,
            Readiness::NeedsAttention => got += w / 2,
            Readiness::NotReady | Readiness::Unanswered => {}
        }
        total += w;
    }
    if total == 0 {
        return 100;
    }
    u8::try_from(got * 100 / total).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::assessment::VantageRun;
    use crate::checklist::{Checklist, Origin};
    use crate::probe::{ProbeKind, ProbeResult};

    fn probe(verdict: Verdict) -> ProbeSays {
        ProbeSays {
            verdict,
            suggestion: None,
            results: vec![ProbeLine {
                vantage: "Console".into(),
                verdict,
                summary: "sql1:1433 filtered".into(),
                at: "t".into(),
            }],
        }
    }

    /// (status, answer, probe verdict, readiness, a disagreement expected)
    type Row<'a> = (
        Status,
        Option<&'a Response>,
        Option<Verdict>,
        Readiness,
        bool,
    );

    #[test]
    fn readiness_follows_the_table() {
        use Readiness as R;
        use Status as S;
        let yes = Response::Value(Value::Yes);
        let no = Response::Value(Value::No);
        let na = Response::NotApplicable {
            reason: "no AlwaysOn".into(),
        };
        let table: &[Row<'_>] = &[
            (S::Hidden, None, None, R::NotAsked, false),
            (
                S::Hidden,
                Some(&yes),
                Some(Verdict::Fail),
                R::NotAsked,
                false,
            ),
            (S::NotApplicable, Some(&na), None, R::NotApplicable, false),
            (
                S::NotApplicable,
                Some(&na),
                Some(Verdict::Pass),
                R::NotApplicable,
                false,
            ),
            (
                S::NotApplicable,
                Some(&na),
                Some(Verdict::Fail),
                R::NotApplicable,
                true,
            ),
            (S::Failed, Some(&no), None, R::NotReady, false),
            (
                S::Failed,
                Some(&no),
                Some(Verdict::Fail),
                R::NotReady,
                false,
            ),
            (S::Failed, Some(&no), Some(Verdict::Pass), R::NotReady, true),
            (S::Done, Some(&yes), None, R::Ready, false),
            (S::Done, Some(&yes), Some(Verdict::Pass), R::Ready, false),
            (S::Done, Some(&yes), Some(Verdict::Skipped), R::Ready, false),
            (
                S::Done,
                Some(&yes),
                Some(Verdict::Warn),
                R::NeedsAttention,
                false,
            ),
            (
                S::Done,
                Some(&yes),
                Some(Verdict::Error),
                R::NeedsAttention,
                false,
            ),
            (S::Done, Some(&yes), Some(Verdict::Fail), R::NotReady, true),
            (S::Unanswered, None, None, R::Unanswered, false),
            (
                S::Unanswered,
                None,
                Some(Verdict::Pass),
                R::Unanswered,
                false,
            ),
            (
                S::Unanswered,
                None,
                Some(Verdict::Error),
                R::Unanswered,
                false,
            ),
            (S::Unanswered, None, Some(Verdict::Fail), R::NotReady, false),
        ];
        for &(status, answer, verdict, want, disagrees) in table {
            let p = verdict.map(probe);
            let (got, why) = judge(status, answer, p.as_ref());
            assert_eq!(got, want, "{status:?} {answer:?} {verdict:?}");
            assert_eq!(why.is_some(), disagrees, "{status:?} {verdict:?}: {why:?}");
            if let Some(why) = why {
                assert!(why.contains("sql1:1433 filtered"), "{why}");
            }
        }
    }

    fn finding(severity: Severity, readiness: Readiness) -> ItemFinding {
        ItemFinding {
            id: "i".into(),
            section: "s".into(),
            prompt: "p".into(),
            severity,
            readiness,
            reason: None,
            hides: Vec::new(),
            probe: None,
            disagreement: None,
        }
    }

    #[test]
    fn verdicts_and_scores_follow_the_rules() {
        use Readiness as R;
        use Severity as Sv;
        use SiteVerdict as V;
        type Row<'a> = (&'a [(Sv, R)], V, u8);
        let table: &[Row<'_>] = &[
            (&[], V::Ready, 100),
            (
                &[(Sv::Blocker, R::Ready), (Sv::Info, R::NotAsked)],
                V::Ready,
                100,
            ),
            // Nothing applies: said, not "ready 100%".
            (&[(Sv::Blocker, R::NotApplicable)], V::NotApplicable, 100),
            (
                &[(Sv::Blocker, R::NotAsked), (Sv::Info, R::NotApplicable)],
                V::NotApplicable,
                100,
            ),
            // 8 of (8 + 1) ready.
            (
                &[(Sv::Blocker, R::Ready), (Sv::Info, R::NotReady)],
                V::NeedsAttention,
                88,
            ),
            (
                &[(Sv::Blocker, R::Ready), (Sv::Minor, R::Unanswered)],
                V::NeedsAttention,
                80,
            ),
            // Half of a blocker.
            (&[(Sv::Blocker, R::NeedsAttention)], V::NeedsAttention, 50),
            (
                &[(Sv::Blocker, R::Unanswered), (Sv::Major, R::Ready)],
                V::Incomplete,
                33,
            ),
            (
                &[(Sv::Blocker, R::Unanswered), (Sv::Blocker, R::NotReady)],
                V::NotReady,
                0,
            ),
            (
                &[(Sv::Major, R::NotReady), (Sv::Blocker, R::Ready)],
                V::NeedsAttention,
                66,
            ),
        ];
        for (items, want, want_score) in table {
            let items: Vec<_> = items.iter().map(|&(s, r)| finding(s, r)).collect();
            assert_eq!(verdict(&items), *want, "{items:?}");
            assert_eq!(score(&items), *want_score, "{items:?}");
        }
    }

    const TEXT: &str = r#"
[checklist]
id = "t"
version = "1"
title = "T"
source = "s"
roles = ["Console", "SQL"]

[[section]]
id = "net"
title = "Network"

[[section.item]]
id = "net.sql"
prompt = "Can the console reach SQL on 1433?"
kind = "confirm"
severity = "blocker"
source = "s"
good = ["yes"]
probe = { kind = "tcp", check = "reachable", from = "Console", to = "SQL", expect = { ports = "1433" } }

[[section.item]]
id = "net.wifi"
prompt = "Is there Wi-Fi coverage?"
kind = "confirm"
severity = "minor"
source = "s"
good = ["yes"]

[[section]]
id = "db"
title = "Database"

[[section.item]]
id = "db.ag"
prompt = "Is AlwaysOn used?"
kind = "confirm"
severity = "major"
source = "s"

[[section.item]]
id = "db.sync"
prompt = "Is commit synchronous?"
kind = "confirm"
severity = "blocker"
source = "s"
good = ["yes"]
when = { item = "db.ag", is = "yes" }
"#;

    #[test]
    fn a_failing_probe_on_a_blocker_answered_yes_makes_the_site_not_ready() {
        let c = Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let mut a = Assessment::new("s", &c, "now");
        for (id, v) in [
            ("net.sql", Value::Yes),
            ("net.wifi", Value::Yes),
            ("db.ag", Value::No),
        ] {
            a.answer(&c, id, Response::Value(v), "ann", "now")
                .expect("answer");
        }
        let f = Findings::of(&a, &c);
        assert_eq!(f.verdict, SiteVerdict::Ready, "{f:#?}");
        assert_eq!(f.score, 100);
        assert_eq!(
            f.items.iter().map(|i| i.readiness).collect::<Vec<_>>(),
            [
                Readiness::Ready,
                Readiness::Ready,
                Readiness::Ready,
                Readiness::NotAsked
            ]
        );

        a.runs.insert(
            "Console".into(),
            VantageRun {
                role: "Console".into(),
                host: "cws1".into(),
                at: "now".into(),
                results: vec![ProbeResult {
                    kind: ProbeKind::Tcp,
                    check: "reachable".into(),
                    target: "sql1:1433".into(),
                    verdict: Verdict::Fail,
                    summary: "sql1:1433 filtered: a firewall drops it".into(),
                    evidence: crate::probe::Evidence::read(
                        ProbeKind::Tcp,
                        serde_json::json!({ "from": "Console", "to": "SQL", "ports": "1433" }),
                    ),
                    at: "now".into(),
                    ms: 3000,
                }],
            },
        );
        let f = Findings::of(&a, &c);
        assert_eq!(f.verdict, SiteVerdict::NotReady);
        let sql = &f.items[0];
        assert_eq!(sql.readiness, Readiness::NotReady);
        assert!(sql.is_open_blocker());
        let why = sql
            .disagreement
            .as_deref()
            .expect("the disagreement is kept");
        assert!(why.contains("\"yes\"") && why.contains("filtered"), "{why}");
        assert_eq!(
            f.blockers().map(|b| b.id.as_str()).collect::<Vec<_>>(),
            ["net.sql"]
        );
        assert_eq!(f.counts.disagreements, 1);
        assert_eq!(f.sections[0].verdict, SiteVerdict::NotReady);
        assert_eq!(f.sections[1].verdict, SiteVerdict::Ready);
        // 2 (wifi, minor) of 8 + 2 in the network section; 2 + 4 of 8 + 2 + 4 overall.
        assert_eq!(f.sections[0].score, 20);
        assert_eq!(f.score, 42);

        // Saying AlwaysOn is used asks the synchronous-commit blocker; unanswered, it is open.
        a.answer(&c, "db.ag", Response::Value(Value::Yes), "ann", "now")
            .expect("answer");
        let f = Findings::of(&a, &c);
        assert_eq!(f.sections[1].verdict, SiteVerdict::Incomplete);
        assert_eq!(f.counts.open_blockers, 2);
    }
}

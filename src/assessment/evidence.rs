//! Probe evidence on checklist items: which results of which vantages answer an item's probe
//! binding, the verdict they add up to, and the answer they suggest. A probe suggests; the
//! person confirms or overrides (with a note), and a disagreement stays visible.

use serde_json::Value as Json;

use super::{Assessment, Value};
use crate::checklist::{AnswerKind, Item, ProbeBinding};
use crate::ports::Ports;
use crate::probe::sql::{self, SqlFacts};
use crate::probe::tls::facts::{self, TlsFacts};
use crate::probe::{ProbeKind, ProbeResult, Verdict};
use crate::rules::{ParamValue, param_str};

/// What the probes say about one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence<'a> {
    pub verdict: Verdict,
    /// Each result that answers the item, worst first.
    pub results: Vec<Found<'a>>,
    /// The answer the probes point to, for yes/no items.
    pub suggestion: Option<Value>,
}

/// One result answering an item, from one vantage.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    pub vantage: &'a str,
    pub result: &'a ProbeResult,
    /// The verdict as it applies to the item: a port rule's result judged on the item's ports
    /// only (a rule's other ports may fail while the item's are open).
    pub verdict: Verdict,
    /// What the result says about the item, in words.
    pub summary: String,
}

impl Assessment {
    /// The probe evidence for an item, if any run produced results its binding asks for.
    pub fn evidence<'a>(&'a self, item: &Item) -> Option<Evidence<'a>> {
        let binding = item.probe.as_ref()?;
        let mut results: Vec<Found<'a>> = self
            .runs
            .iter()
            .flat_map(|(vantage, run)| run.results.iter().map(move |r| (vantage.as_str(), r)))
            .filter(|(_, r)| answers(binding, r))
            .map(|(vantage, result)| {
                let (verdict, summary) = applied(binding, result);
                Found {
                    vantage,
                    result,
                    verdict,
                    summary,
                }
            })
            .collect();
        if results.is_empty() {
            return None;
        }
        results.sort_by_key(|f| std::cmp::Reverse(f.verdict.rank()));
        let verdict = results
            .iter()
            .fold(Verdict::Skipped, |v, f| v.worst(f.verdict));
        let suggestion = match (&item.kind, verdict) {
            (AnswerKind::Confirm, Verdict::Pass | Verdict::Warn) => Some(Value::Yes),
            (AnswerKind::Confirm, Verdict::Fail) => Some(Value::No),
            _ => None,
        };
        Some(Evidence {
            verdict,
            results,
            suggestion,
        })
    }
}

/// A result as it applies to the item: a TLS scan judged by the item's own rule from the facts
/// it kept; a TCP result on the item's ports alone, from its per-port outcomes.
fn applied(binding: &ProbeBinding, r: &ProbeResult) -> (Verdict, String) {
    if r.kind == ProbeKind::Tls && r.check == "scan" {
        return r
            .evidence
            .get("facts")
            .and_then(|f| serde_json::from_value::<TlsFacts>(f.clone()).ok())
            .and_then(|f| facts::evaluate(binding.spec.name, &binding.expect, &f))
            .unwrap_or_else(|| {
                (
                    Verdict::Skipped,
                    format!("{}: the scan could not tell ({})", r.target, r.summary),
                )
            });
    }
    if r.kind == ProbeKind::Sql && r.check == "probe" {
        return r
            .evidence
            .get("facts")
            .and_then(|f| serde_json::from_value::<SqlFacts>(f.clone()).ok())
            .and_then(|f| sql::checks::evaluate(binding.spec.name, &binding.expect, &f))
            .unwrap_or_else(|| {
                (
                    Verdict::Error,
                    format!("{}: the probe could not tell ({})", r.target, r.summary),
                )
            });
    }
    (applied_verdict(binding, r), r.summary.clone())
}

fn applied_verdict(binding: &ProbeBinding, r: &ProbeResult) -> Verdict {
    let (Some(ports), Some(outcomes)) = (
        param_str(&binding.expect, "ports"),
        r.evidence.get("outcomes").and_then(Json::as_array),
    ) else {
        return r.verdict;
    };
    let Ok(wanted) = Ports::parse(ports) else {
        return r.verdict;
    };
    let mine: Vec<&Json> = outcomes
        .iter()
        .filter(|o| {
            o.get("port")
                .and_then(Json::as_u64)
                .and_then(|p| u16::try_from(p).ok())
                .is_some_and(|p| wanted.as_slice().contains(&p))
        })
        .collect();
    if mine.is_empty() {
        return r.verdict;
    }
    if mine
        .iter()
        .all(|o| o.get("state").and_then(Json::as_str) == Some("open"))
    {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

/// Whether a result answers a binding: same kind and check, and the same subject where the
/// binding names one (the port rule's roles and ports, the names).
fn answers(binding: &ProbeBinding, r: &ProbeResult) -> bool {
    if r.kind != binding.spec.kind {
        return false;
    }
    // A TLS scan and a SQL probe keep the facts every rule of their kind is judged from.
    if (r.kind == ProbeKind::Tls && r.check == "scan")
        || (r.kind == ProbeKind::Sql && r.check == "probe")
    {
        return true;
    }
    if r.check != binding.spec.name {
        return false;
    }
    let field = |k: &str| r.evidence.get(k).and_then(Json::as_str);
    let param = |k: &str| param_str(&binding.expect, k);
    let same = |k: &str| param(k).is_none_or(|want| field(k).is_some_and(|got| got == want));
    match binding.spec.name {
        "reachable" => {
            same("from")
                && same("to")
                && param("ports").is_none_or(|want| {
                    let (Ok(want), Some(Ok(got))) =
                        (Ports::parse(want), field("ports").map(Ports::parse))
                    else {
                        return false;
                    };
                    want.as_slice().iter().all(|p| got.as_slice().contains(p))
                })
        }
        _ => match binding.expect.get("names") {
            Some(ParamValue::StrList(names)) => {
                field("name").is_some_and(|n| names.iter().any(|w| w.eq_ignore_ascii_case(n)))
            }
            _ => match param("name") {
                Some(want) => field("name").is_some_and(|n| n.eq_ignore_ascii_case(want)),
                None => true,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::assessment::VantageRun;
    use crate::checklist::{Checklist, Origin};
    use crate::probe::ProbeKind;

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
id = "net.sql"
prompt = "Can the console reach SQL on 1433?"
kind = "confirm"
severity = "blocker"
source = "s"
good = ["yes"]
probe = { kind = "tcp", check = "reachable", expect = { ports = "1433", from = "Console", to = "SQL" } }

[[section.item]]
id = "net.dns"
prompt = "Does sql1 resolve?"
kind = "confirm"
severity = "major"
source = "s"
probe = { kind = "dns", check = "resolves", expect = { names = ["sql1.example.org"] } }
"#;

    fn result(kind: ProbeKind, check: &str, verdict: Verdict, evidence: Json) -> ProbeResult {
        ProbeResult {
            kind,
            check: check.into(),
            target: "t".into(),
            verdict,
            summary: "s".into(),
            evidence,
            at: "now".into(),
            ms: 1,
        }
    }

    #[test]
    fn results_are_matched_by_subject_and_add_up_to_the_worst() {
        let c = Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let mut a = Assessment::new("s", &c, "now");
        let tcp = |from: &str, ports: &str, v| {
            result(
                ProbeKind::Tcp,
                "reachable",
                v,
                serde_json::json!({ "from": from, "to": "SQL", "ports": ports }),
            )
        };
        a.runs.insert(
            "Console".into(),
            VantageRun {
                role: "Console".into(),
                host: "cws1".into(),
                at: "now".into(),
                results: vec![
                    tcp("Console", "1433,5022", Verdict::Pass),
                    tcp("Other", "1433", Verdict::Fail),
                    result(
                        ProbeKind::Dns,
                        "resolves",
                        Verdict::Fail,
                        serde_json::json!({ "name": "SQL1.example.org" }),
                    ),
                    result(
                        ProbeKind::Dns,
                        "resolves",
                        Verdict::Pass,
                        serde_json::json!({ "name": "other.example.org" }),
                    ),
                ],
            },
        );
        let sql = a
            .evidence(c.item("net.sql").expect("item"))
            .expect("evidence");
        assert_eq!(sql.verdict, Verdict::Pass);
        assert_eq!(sql.results.len(), 1, "the other role's row does not count");
        assert_eq!(sql.suggestion, Some(Value::Yes));
        let dns = a
            .evidence(c.item("net.dns").expect("item"))
            .expect("evidence");
        assert_eq!((dns.verdict, dns.results.len()), (Verdict::Fail, 1));
        assert_eq!(dns.suggestion, Some(Value::No));

        // A second vantage failing the same row makes the item fail, worst first.
        a.runs.insert(
            "Console 2".into(),
            VantageRun {
                role: "Console".into(),
                host: "cws2".into(),
                at: "now".into(),
                results: vec![tcp("Console", "1433", Verdict::Fail)],
            },
        );
        let sql = a
            .evidence(c.item("net.sql").expect("item"))
            .expect("evidence");
        assert_eq!(sql.verdict, Verdict::Fail);
        assert_eq!(sql.results[0].vantage, "Console 2");
    }

    #[test]
    fn a_tls_scan_answers_each_tls_rule_from_its_facts() {
        let text = r#"
[checklist]
id = "t"
version = "1"
title = "T"
source = "s"

[[section]]
id = "tls"
title = "TLS"

[[section.item]]
id = "tls.v12"
prompt = "Is TLS 1.2 enabled?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "protocol_offered", expect = { version = "TLSv1.2" } }

[[section.item]]
id = "tls.old"
prompt = "Are the old protocols off?"
kind = "confirm"
severity = "minor"
source = "s"
probe = { kind = "tls", check = "protocols_disabled", expect = { versions = ["TLSv1.0"] } }
"#;
        let c = Checklist::parse(text, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let mut a = Assessment::new("s", &c, "now");
        let protocol = |v: &str, offered: bool| {
            serde_json::json!({ "version": v, "offered": offered, "cipher_suites":
                if offered { vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] } else { vec![] } })
        };
        let facts = serde_json::json!({
            "host": "web", "port": 443, "sni": null, "certificate": null, "trust": null,
            "errors": [], "complete": true,
            "protocols": [protocol("TLSv1.0", true), protocol("TLSv1.2", true)],
        });
        a.runs.insert(
            "Console".into(),
            VantageRun {
                role: "Console".into(),
                host: "cws1".into(),
                at: "now".into(),
                results: vec![result(
                    ProbeKind::Tls,
                    "scan",
                    Verdict::Fail,
                    serde_json::json!({ "facts": facts }),
                )],
            },
        );
        let v12 = a
            .evidence(c.item("tls.v12").expect("item"))
            .expect("evidence");
        assert_eq!(
            (v12.verdict, v12.suggestion),
            (Verdict::Pass, Some(Value::Yes))
        );
        assert!(
            v12.results[0].summary.contains("accepts TLSv1.2"),
            "{:?}",
            v12.results
        );
        let old = a
            .evidence(c.item("tls.old").expect("item"))
            .expect("evidence");
        assert_eq!(old.verdict, Verdict::Warn);
        assert!(old.results[0].summary.contains("still accepts TLSv1.0"));
    }
}

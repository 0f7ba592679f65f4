//! Probe evidence on checklist items: which results answer an item's binding (its check, and
//! its scope: the targets it is about, seen from the vantage it names), the verdict they add up
//! to, and the answer they suggest. A probe suggests; the person confirms or overrides (with a
//! note), and a disagreement stays visible.
//!
//! The rules, in one place:
//! - only results within the binding's scope answer it; a scope target with no result is "could
//!   not tell" (never someone else's evidence, never a pass);
//! - a result that could not look is "could not tell" ([`Verdict::Error`]) and says why;
//! - a suggestion is made only when the evidence answers the item's question: its good answer
//!   on a pass, another answer on a fail; a warning or "could not tell" suggests nothing.

use serde::Deserialize;
use serde_json::Value as Json;

use super::{Assessment, Value};
use crate::checklist::{AnswerKind, Item, ProbeBinding};
use crate::ports::Ports;
use crate::probe::sql::{self, SqlFacts};
use crate::probe::tcp::State;
use crate::probe::tls::facts::{self, TlsFacts};
use crate::probe::{ProbeResult, Verdict};
use crate::rules::{Check, HostsCheck, Os, ParamValue, PortAnswer, Scope, TcpCheck, param_str};

/// What the probes say about one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence<'a> {
    pub verdict: Verdict,
    /// Each result that answers the item, worst first; a scope target nothing answered comes
    /// as a "could not tell" line with no vantage.
    pub results: Vec<Found<'a>>,
    /// The answer the probes point to, for yes/no items.
    pub suggestion: Option<Value>,
}

/// One result answering an item, from one vantage.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<'a> {
    /// The vantage it was probed from; empty for a scope target nothing answered.
    pub vantage: &'a str,
    /// When it was probed (RFC 3339); empty for a target nothing answered.
    pub at: &'a str,
    /// The verdict as it applies to the item: a port rule's result judged on the item's ports
    /// only, a scan's facts judged by the item's own rule.
    pub verdict: Verdict,
    /// What the result says about the item, in words.
    pub summary: String,
}

impl Assessment {
    /// The probe evidence for an item, if any run produced results in its binding's scope.
    pub fn evidence<'a>(&'a self, item: &Item) -> Option<Evidence<'a>> {
        let binding = item.probe.as_ref()?;
        let scope = &binding.scope;
        let answering: Vec<(&'a str, &'a ProbeResult)> = self
            .runs
            .iter()
            .filter(|(_, run)| {
                scope
                    .from
                    .as_deref()
                    .is_none_or(|from| Scope::same_role(&run.role, from))
            })
            .flat_map(|(vantage, run)| run.results.iter().map(move |r| (vantage.as_str(), r)))
            .filter(|(_, r)| answers(binding, r))
            .collect();
        if answering.is_empty() {
            return None;
        }
        let mut results: Vec<Found<'a>> = answering
            .iter()
            .map(|(vantage, result)| {
                let (verdict, summary) = applied(binding, result);
                Found {
                    vantage,
                    at: &result.at,
                    verdict,
                    summary,
                }
            })
            .collect();
        // Every target the scope names must be looked at; one nobody probed is not a pass.
        for to in &scope.to {
            if !answering
                .iter()
                .any(|(_, r)| Subject::of(r).is_target(binding, to))
            {
                results.push(Found {
                    vantage: "",
                    at: "",
                    verdict: Verdict::Error,
                    summary: format!(
                        "could not tell: no result for {to}{}",
                        scope
                            .from
                            .as_deref()
                            .map(|f| format!(" probed from {f}"))
                            .unwrap_or_default()
                    ),
                });
            }
        }
        results.sort_by_key(|f| std::cmp::Reverse(f.verdict.rank()));
        let verdict = results
            .iter()
            .fold(Verdict::Skipped, |v, f| v.worst(f.verdict));
        Some(Evidence {
            verdict,
            suggestion: suggestion(item, verdict),
            results,
        })
    }
}

/// The answer a verdict suggests for an item: its good answer on a pass, the other one on a
/// fail (so an item phrased in the negative, whose good answer is "no", gets "no" on a pass).
fn suggestion(item: &Item, verdict: Verdict) -> Option<Value> {
    if item.kind != AnswerKind::Confirm {
        return None;
    }
    let good_is_no = item.good.iter().any(|g| g == "no") && !item.good.iter().any(|g| g == "yes");
    match (verdict, good_is_no) {
        (Verdict::Pass, false) | (Verdict::Fail, true) => Some(Value::Yes),
        (Verdict::Fail, false) | (Verdict::Pass, true) => Some(Value::No),
        _ => None,
    }
}

/// What a result is about, as its probe recorded it: the role and OS of the target, the name,
/// and for a port row its source and destination.
#[derive(Debug, Default, Deserialize)]
struct Subject {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    os: Option<Os>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    ports: Option<String>,
    #[serde(default)]
    expected: Option<Json>,
}

impl Subject {
    fn of(r: &ProbeResult) -> Self {
        serde_json::from_value(r.evidence.clone()).unwrap_or_default()
    }

    /// Whether this result is about the scope target `to` (a port row's destination, or the
    /// role of a name, endpoint, instance or file).
    fn is_target(&self, binding: &ProbeBinding, to: &str) -> bool {
        let field = if matches!(binding.check, Check::Tcp(_)) {
            &self.to
        } else {
            &self.role
        };
        field.as_deref().is_some_and(|r| Scope::same_role(r, to))
    }
}

/// Whether a result answers a binding: the same kind and check (a TLS scan and a SQL probe
/// answer every rule of their kind from their facts), and within the binding's scope.
fn answers(binding: &ProbeBinding, r: &ProbeResult) -> bool {
    if r.kind != binding.spec.kind {
        return false;
    }
    let whole = matches!(r.check.as_str(), "scan" | "probe" | "file");
    if !whole && r.check != binding.spec.name {
        return false;
    }
    let subject = Subject::of(r);
    let scope = &binding.scope;
    if !scope.to.is_empty() && !scope.to.iter().any(|to| subject.is_target(binding, to)) {
        return false;
    }
    if let Some(os) = &scope.os
        && subject.os.as_ref() != Some(os)
    {
        return false;
    }
    match &binding.check {
        Check::Tcp(TcpCheck::Reachable { ports, .. }) => {
            scope.from.as_deref().is_none_or(|f| {
                subject
                    .from
                    .as_deref()
                    .is_some_and(|g| Scope::same_role(f, g))
            }) && subject
                .ports
                .as_deref()
                .and_then(|p| Ports::parse(p).ok())
                .is_some_and(|got| ports.as_slice().iter().all(|p| got.as_slice().contains(p)))
        }
        Check::Hosts(HostsCheck::EntryPresent {
            address: Some(want),
        }) => subject
            .expected
            .as_ref()
            .is_some_and(|e| e.to_string().contains(&want.to_string())),
        _ => match binding.expect.get("names") {
            Some(ParamValue::StrList(names)) => subject
                .name
                .as_deref()
                .is_some_and(|n| names.iter().any(|w| w.eq_ignore_ascii_case(n))),
            _ => param_str(&binding.expect, "name").is_none_or(|want| {
                subject
                    .name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(want))
            }),
        },
    }
}

/// A result as it applies to the item: a TLS scan or SQL probe judged by the item's own rule
/// from the facts it kept; a port row on the item's ports, as the item asks them.
fn applied(binding: &ProbeBinding, r: &ProbeResult) -> (Verdict, String) {
    let unreadable = || {
        (
            Verdict::Error,
            format!("{}: could not tell ({})", r.target, r.summary),
        )
    };
    let facts = r.evidence.get("facts").cloned();
    match &binding.check {
        Check::Tls(check) => facts
            .and_then(|f| serde_json::from_value::<TlsFacts>(f).ok())
            .map_or_else(unreadable, |f| facts::evaluate(check, &f)),
        Check::Sql(check) => facts
            .and_then(|f| serde_json::from_value::<SqlFacts>(f).ok())
            .map_or_else(unreadable, |f| sql::checks::evaluate(check, &f)),
        Check::Tcp(check) => ports_verdict(check, r),
        Check::Dns(_) | Check::Hosts(_) | Check::Certfile(_) => (r.verdict, r.summary.clone()),
    }
}

#[derive(Deserialize)]
struct PortOutcome {
    port: u16,
    state: State,
}

/// A port row judged on the item's ports: with `answer = "firewall"` a refusal proves the
/// path is open (the host itself answered); with `"service"` only an open port passes. A port
/// that could not be tried (the name did not resolve, no route) is "could not tell". The
/// guide's "2000x" ports are those the site's row lists beyond the item's fixed ones.
fn ports_verdict(check: &TcpCheck, r: &ProbeResult) -> (Verdict, String) {
    let TcpCheck::Reachable {
        ports,
        answer,
        site_ports,
    } = check;
    let Some(outcomes) = r
        .evidence
        .get("outcomes")
        .and_then(|o| serde_json::from_value::<Vec<PortOutcome>>(o.clone()).ok())
    else {
        return (r.verdict, r.summary.clone());
    };
    let fixed = ports.as_slice();
    let extra: Vec<u16> = if site_ports.is_some() {
        outcomes
            .iter()
            .map(|o| o.port)
            .filter(|p| !fixed.contains(p) && (20000..=20009).contains(p))
            .collect()
    } else {
        Vec::new()
    };
    let host = r
        .evidence
        .get("host")
        .and_then(Json::as_str)
        .unwrap_or(&r.target);
    let mine: Vec<&PortOutcome> = outcomes
        .iter()
        .filter(|o| fixed.contains(&o.port) || extra.contains(&o.port))
        .collect();
    let list = |states: &[State]| -> Vec<u16> {
        mine.iter()
            .filter(|o| states.contains(&o.state))
            .map(|o| o.port)
            .collect()
    };
    let passing: &[State] = match answer {
        PortAnswer::Firewall => &[State::Open, State::Refused],
        PortAnswer::Service => &[State::Open],
    };
    let unknown = list(&[State::NameError, State::Unreachable]);
    let good = list(passing);
    let bad: Vec<&PortOutcome> = mine
        .iter()
        .filter(|o| !passing.contains(&o.state) && !unknown.contains(&o.port))
        .copied()
        .collect();
    let compact = crate::ports::compact;
    if !bad.is_empty() {
        let words: Vec<String> = bad
            .iter()
            .map(|o| match o.state {
                State::Filtered => format!("{} dropped (no answer: a firewall in the way)", o.port),
                State::Refused => format!("{} refused (nothing listens)", o.port),
                _ => format!("{} {:?}", o.port, o.state),
            })
            .collect();
        return (Verdict::Fail, format!("{host}: {}", words.join(", ")));
    }
    if !unknown.is_empty() {
        return (
            Verdict::Error,
            format!("{host}: could not tell: {}", r.summary),
        );
    }
    if let Some(words) = site_ports
        && extra.is_empty()
    {
        return (
            Verdict::Error,
            format!(
                "{host}: {} {}; could not tell for the guide's \"{words}\" ports: the site's port \
                 row lists none of them (write the site's MXPP ports in the row, e.g. 20000,20001)",
                compact(&good),
                if *answer == PortAnswer::Firewall {
                    "pass the firewall"
                } else {
                    "open"
                }
            ),
        );
    }
    let refused = list(&[State::Refused]);
    let how = if *answer == PortAnswer::Firewall && !refused.is_empty() {
        format!(
            " (the host answered on {}: the firewall passes them, though no service listens yet)",
            compact(&refused)
        )
    } else {
        String::new()
    };
    (
        Verdict::Pass,
        format!(
            "{host}: {} {}{how}",
            compact(&good),
            if *answer == PortAnswer::Firewall {
                "reachable"
            } else {
                "open"
            }
        ),
    )
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

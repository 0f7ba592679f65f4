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

use super::{Assessment, Value};
use crate::checklist::{AnswerKind, Item, ProbeBinding};
use crate::probe::certfile;
use crate::probe::sql;
use crate::probe::tcp::{Outcome, State};
use crate::probe::tls::facts;
use crate::probe::{Facts, ProbeResult, Subject, Verdict};
use crate::rules::{Check, HostsCheck, ParamValue, PortAnswer, Scope, Side, TcpCheck, param_str};

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
        discount_blind_vantages(binding, &answering, &mut results);
        // Every target the scope names must be looked at; one nobody probed is not a pass.
        for to in &scope.to {
            if !answering
                .iter()
                .any(|(_, r)| is_target(&r.evidence.subject, binding, to))
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
        // The item's verdict is in the item's direction: a check whose answer is not one the
        // yes/no item counts as good fails the item.
        if item.kind == AnswerKind::Confirm
            && answer(binding, Verdict::Pass).is_some_and(|a| !is_good(item, &a))
        {
            for f in &mut results {
                f.verdict = match f.verdict {
                    Verdict::Pass => Verdict::Fail,
                    Verdict::Fail => Verdict::Pass,
                    other => other,
                };
            }
        }
        results.sort_by_key(|f| std::cmp::Reverse(f.verdict.rank()));
        let verdict = results
            .iter()
            .fold(Verdict::Skipped, |v, f| v.worst(f.verdict));
        // The good answer on a pass, the other on a fail, in the item's direction.
        let suggestion = match (&item.kind, answer(binding, Verdict::Pass)) {
            (AnswerKind::Confirm, Some(on_pass)) => {
                let on_fail = answer(binding, Verdict::Fail);
                let (good, bad) = if is_good(item, &on_pass) {
                    (Some(on_pass), on_fail)
                } else {
                    (on_fail, Some(on_pass))
                };
                match verdict {
                    Verdict::Pass => good,
                    Verdict::Fail => bad,
                    _ => None,
                }
            }
            _ => None,
        };
        Some(Evidence {
            verdict,
            results,
            suggestion,
        })
    }
}

/// A server is judged by the vantages that reached it: where one vantage could look at a TLS
/// endpoint, SQL instance or file and another could not (a phone outside the firewall and the
/// internal SQL Server), the one that could not says nothing about the server, so its "could
/// not tell" is kept in the list but does not count. Only when no vantage reached a target is
/// it "could not tell".
fn discount_blind_vantages(
    binding: &ProbeBinding,
    answering: &[(&str, &ProbeResult)],
    results: &mut [Found<'_>],
) {
    if !matches!(
        binding.check,
        Check::Tls(_) | Check::Sql(_) | Check::Certfile(_)
    ) {
        return;
    }
    for i in 0..results.len() {
        if results[i].verdict != Verdict::Error {
            continue;
        }
        let target = &answering[i].1.target;
        let seen = answering
            .iter()
            .zip(results.iter())
            .any(|((_, r), f)| &r.target == target && f.verdict != Verdict::Error);
        if seen {
            let f = &mut results[i];
            f.verdict = Verdict::Skipped;
            f.summary = format!("not counted (another vantage reached it): {}", f.summary);
        }
    }
}

/// The answer a check's verdict gives to the item's question: a pass gives the binding's
/// `pass_means`, a fail the other answer; a warning or "could not tell" gives none.
fn answer(binding: &ProbeBinding, verdict: Verdict) -> Option<Value> {
    match (verdict, binding.pass_means_yes) {
        (Verdict::Pass, true) | (Verdict::Fail, false) => Some(Value::Yes),
        (Verdict::Fail, true) | (Verdict::Pass, false) => Some(Value::No),
        _ => None,
    }
}

/// Whether an answer is one the item counts as good (with no `good` list, "yes").
fn is_good(item: &Item, answer: &Value) -> bool {
    let name = match answer {
        Value::Yes => "yes",
        Value::No => "no",
        _ => return true,
    };
    if item.good.is_empty() {
        name == "yes"
    } else {
        item.good.iter().any(|g| g == name)
    }
}

/// Whether a result is about the scope target `to` (a port row's destination, or the role of
/// a name, endpoint, instance or file).
fn is_target(subject: &Subject, binding: &ProbeBinding, to: &str) -> bool {
    let field = if matches!(binding.check, Check::Tcp(_)) {
        subject.row.as_ref().map(|r| &r.to)
    } else {
        subject.role.as_ref()
    };
    field.is_some_and(|r| Scope::same_role(r, to))
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
    let subject = &r.evidence.subject;
    let scope = &binding.scope;
    if !scope.to.is_empty() && !scope.to.iter().any(|to| is_target(subject, binding, to)) {
        return false;
    }
    if let Some(os) = &scope.os
        && subject.os.as_ref() != Some(os)
    {
        return false;
    }
    if let Some(side) = scope.seen_from
        && subject.outside != (side == Side::Outside)
    {
        return false;
    }
    match &binding.check {
        Check::Tcp(TcpCheck::Reachable { ports, .. }) => subject.row.as_ref().is_some_and(|row| {
            scope
                .from
                .as_deref()
                .is_none_or(|f| Scope::same_role(f, &row.from))
                && ports
                    .as_slice()
                    .iter()
                    .all(|p| row.ports.as_slice().contains(p))
        }),
        Check::Hosts(HostsCheck::EntryPresent {
            address: Some(want),
        }) => subject.expected == Some(*want),
        // `names` and `name` pick the DNS and hosts results of those names; for the other kinds
        // `name` is what the rule compares with (a certificate's name, a file's name).
        Check::Dns(_) | Check::Hosts(_) => match binding.expect.get("names") {
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
        Check::Tls(_) | Check::Sql(_) | Check::Certfile(_) => true,
    }
}

/// A result as it applies to the item: a TLS scan, SQL probe or certificate file judged by the
/// item's own rule from the facts it kept; a port row on the item's ports, as the item asks
/// them.
fn applied(binding: &ProbeBinding, r: &ProbeResult) -> (Verdict, String) {
    let unreadable = || {
        (
            Verdict::Error,
            format!("{}: could not tell ({})", r.target, r.summary),
        )
    };
    match (&binding.check, &r.evidence.facts) {
        (Check::Tls(check), Facts::Tls(t)) => facts::evaluate(check, &t.facts),
        (Check::Sql(check), Facts::Sql(s)) => sql::checks::evaluate(check, &s.facts),
        (Check::Certfile(check), Facts::Certfile(c)) => certfile::evaluate(check, &c.facts),
        (Check::Tcp(check), Facts::Tcp(t)) => ports_verdict(check, r, &t.outcomes),
        (Check::Dns(_) | Check::Hosts(_), _) => (r.verdict, r.summary.clone()),
        // Nothing was measured: the probe's own words say why (not probed, could not start);
        // with no facts it can never pass.
        (_, Facts::None)
            if r.verdict.rank() >= Verdict::Error.rank() || r.verdict == Verdict::Skipped =>
        {
            (r.verdict, r.summary.clone())
        }
        // Another build stored facts this one cannot read.
        (_, Facts::Unread { why, .. }) => (
            Verdict::Error,
            format!(
                "{}: could not tell: the stored facts could not be read ({why}); probe again",
                r.target
            ),
        ),
        _ => unreadable(),
    }
}

/// A port row judged on the item's ports: with `answer = "firewall"` a refusal proves the
/// path is open (the host itself answered); with `"service"` only an open port passes. A port
/// that could not be tried (the name did not resolve, no route) is "could not tell". The
/// guide's "2000x" ports are those the site's row lists beyond the item's fixed ones.
fn ports_verdict(check: &TcpCheck, r: &ProbeResult, outcomes: &[Outcome]) -> (Verdict, String) {
    let TcpCheck::Reachable {
        ports,
        answer,
        site_ports,
    } = check;
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
        .subject
        .row
        .as_ref()
        .and_then(|row| row.host.as_deref())
        .unwrap_or(&r.target);
    let mine: Vec<&Outcome> = outcomes
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
    let bad: Vec<&Outcome> = mine
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
            " (the host itself answered on {}: the firewall passes them, though no service listens there)",
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
    use crate::ports::Ports;
    use crate::probe::sql::SqlFacts;
    use crate::probe::{Evidence, ProbeKind};
    use serde_json::Value as Json;

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
id = "net.dns"
prompt = "Does sql1 resolve?"
kind = "confirm"
severity = "major"
source = "s"
probe = { kind = "dns", check = "resolves", expect = { names = ["sql1.example.org"] } }
"#;

    /// A result whose evidence is written as earlier builds stored it (read as a session file
    /// is).
    fn result(kind: ProbeKind, check: &str, verdict: Verdict, evidence: Json) -> ProbeResult {
        ProbeResult {
            kind,
            check: check.into(),
            target: "t".into(),
            verdict,
            summary: "s".into(),
            evidence: Evidence::read(kind, evidence),
            at: "now".into(),
            ms: 1,
        }
    }

    #[test]
    fn results_are_matched_by_subject_and_add_up_to_the_worst() {
        let c = Checklist::parse(TEXT, Path::new("t.toml"), Origin::Builtin).expect("valid");
        let mut a = Assessment::new("s", &c, "now");
        let tcp = |from: &str, ports: &str, state: &str| {
            let states: Vec<(u16, &str)> = Ports::parse(ports)
                .expect("ports")
                .as_slice()
                .iter()
                .map(|p| (*p, state))
                .collect();
            port_row(from, "SQL", ports, &states)
        };
        a.runs.insert(
            "Console".into(),
            VantageRun {
                role: "Console".into(),
                host: "cws1".into(),
                at: "now".into(),
                results: vec![
                    tcp("Console", "1433,5022", "open"),
                    tcp("Other", "1433", "filtered"),
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
                results: vec![tcp("Console", "1433", "filtered")],
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
roles = ["Console", "SQL"]

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
        assert_eq!(
            (old.verdict, old.suggestion),
            (Verdict::Fail, Some(Value::No)),
            "still accepting TLS 1.0 answers \"will they be disabled?\" with no"
        );
        assert!(old.results[0].summary.contains("still accepts TLSv1.0"));
    }

    /// A checklist with one item per TLS and SQL rule, plus scoped TLS, DNS, hosts and port items.
    const RULES: &str = r#"
[checklist]
id = "t"
version = "1"
title = "T"
source = "s"
roles = ["Spok", "Console", "SMS", "SSL name", "Mirror", "LB", "File server"]

[[section]]
id = "s"
title = "S"

[[section.item]]
id = "s.tls_v12"
prompt = "TLS 1.2 on?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "protocol_offered", expect = { version = "TLSv1.2" } }

[[section.item]]
id = "s.tls_legacy"
prompt = "Legacy off?"
kind = "confirm"
severity = "info"
source = "s"
probe = { kind = "tls", check = "protocols_disabled", expect = { versions = ["SSLv3", "TLSv1.0", "TLSv1.1"] } }

[[section.item]]
id = "s.tls_suites"
prompt = "Suites?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "suites_accepted", expect = { suites = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] } }

[[section.item]]
id = "s.tls_weak"
prompt = "No weak suites?"
kind = "confirm"
severity = "major"
source = "s"
probe = { kind = "tls", check = "no_weak_suites" }

[[section.item]]
id = "s.tls_trusted"
prompt = "Trusted?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "cert_trusted", to = "Spok" }

[[section.item]]
id = "s.tls_self"
prompt = "Not self-signed?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "cert_not_self_signed", to = "Spok" }

[[section.item]]
id = "s.tls_name"
prompt = "Name matches?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "cert_hostname_match" }

[[section.item]]
id = "s.tls_bits"
prompt = "2048 bits?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "cert_key_bits", expect = { min = 2048 } }

[[section.item]]
id = "s.tls_hash"
prompt = "SHA-256?"
kind = "confirm"
severity = "major"
source = "s"
probe = { kind = "tls", check = "cert_signature_hash", expect = { allowed = ["SHA256"] } }

[[section.item]]
id = "s.tls_ws2016"
prompt = "2016 suites?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tls", check = "suites_accepted", to = "Spok", os = "Windows Server 2016", expect = { suites = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] } }

[[section.item]]
id = "s.sql_edition"
prompt = "Enterprise?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "sql", check = "edition", expect = { required = ["Enterprise"] } }

[[section.item]]
id = "s.sql_sync"
prompt = "Synchronous commit?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "sql", check = "ag_synchronous_commit" }

[[section.item]]
id = "s.sql_log"
prompt = "Hourly log backups?"
kind = "confirm"
severity = "major"
source = "s"
probe = { kind = "sql", check = "backup_age", expect = { backup = "log", max_age_hours = 1 } }

[[section.item]]
id = "s.dns_ssl"
prompt = "SSL name resolves?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "dns", check = "resolves", to = "SSL name" }

[[section.item]]
id = "s.dns_inside"
prompt = "Does the SSL name resolve internally?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "dns", check = "resolves", to = "SSL name", seen_from = "inside" }

[[section.item]]
id = "s.hosts_test"
prompt = "Test entry on the SMS?"
kind = "confirm"
severity = "minor"
source = "s"
probe = { kind = "hosts", check = "entry_present", from = "SMS", to = "SSL name", expect = { address = "127.0.0.1" } }

[[section.item]]
id = "s.ports_fw"
prompt = "Firewall open to the file server?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tcp", check = "reachable", from = "Console", to = "File server", expect = { ports = "135-139,445", answer = "firewall" } }

[[section.item]]
id = "s.ports_svc"
prompt = "Mirroring endpoint answers?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tcp", check = "reachable", from = "Console", to = "Mirror", expect = { ports = "5022" } }

[[section.item]]
id = "s.ports_mxpp"
prompt = "MXPP through the LB?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tcp", check = "reachable", from = "Console", to = "LB", expect = { ports = "8091", answer = "firewall", site_ports = "2000x" } }

[[section.item]]
id = "s.ports_urls"
prompt = "Outbound to both URLs?"
kind = "confirm"
severity = "blocker"
source = "s"
probe = { kind = "tcp", check = "reachable", from = "SMS", to = ["https://a.example.com", "https://b.example.com"], expect = { ports = "443,2001", answer = "firewall" } }

[[section.item]]
id = "s.negative"
prompt = "Does the server still accept SSL 3?"
kind = "confirm"
severity = "major"
source = "s"
good = ["no"]
probe = { kind = "tls", check = "protocol_offered", expect = { version = "SSLv3" } }

[[section.item]]
id = "s.refused"
prompt = "Is SSL 3 refused?"
kind = "confirm"
severity = "major"
source = "s"
probe = { kind = "tls", check = "protocol_offered", pass_means = "no", expect = { version = "SSLv3" } }
"#;

    fn rules() -> Checklist {
        Checklist::parse(RULES, Path::new("t.toml"), Origin::Builtin).expect("valid")
    }

    fn with(runs: &[(&str, &str, Vec<ProbeResult>)]) -> Assessment {
        let mut a = Assessment::new("s", &rules(), "now");
        for (vantage, role, results) in runs {
            a.runs.insert(
                (*vantage).into(),
                VantageRun {
                    role: (*role).into(),
                    host: "h".into(),
                    at: "now".into(),
                    results: results.clone(),
                },
            );
        }
        a
    }

    fn says(a: &Assessment, id: &str) -> Option<(Verdict, Option<Value>, String)> {
        let c = rules();
        a.evidence(c.item(id).expect("item")).map(|e| {
            let words = e
                .results
                .iter()
                .map(|f| f.summary.clone())
                .collect::<Vec<_>>()
                .join(" | ");
            (e.verdict, e.suggestion, words)
        })
    }

    #[expect(
        clippy::needless_pass_by_value,
        reason = "facts are built inline by each call"
    )]
    fn tls(role: &str, os: Option<&str>, facts: Json) -> ProbeResult {
        result(
            ProbeKind::Tls,
            "scan",
            Verdict::Fail,
            serde_json::json!({ "facts": facts, "role": role, "os": os }),
        )
    }

    fn unreached_tls() -> Json {
        serde_json::json!({
            "host": "sms.example.org", "port": 443, "sni": "sms.example.org",
            "certificate": null, "trust": null, "complete": true,
            "errors": ["could not connect: connection refused"],
            "protocols": [
                { "version": "TLSv1.0", "offered": false, "cipher_suites": [], "note": "not offered: could not connect: connection refused" },
                { "version": "TLSv1.2", "offered": false, "cipher_suites": [], "note": "not offered: could not connect: connection refused" },
            ],
        })
    }

    #[test]
    fn facts_another_build_stored_are_could_not_tell_never_a_pass() {
        // A scan whose facts this build cannot read (a field of another shape), from a result
        // that passed when it was made.
        let mut old = tls("Spok", None, serde_json::json!({ "host": 7 }));
        old.verdict = Verdict::Pass;
        let a = with(&[("Console", "Console", vec![old])]);
        let (v, s, words) = says(&a, "s.tls_self").expect("evidence");
        assert_eq!((v, s), (Verdict::Error, None), "{words}");
        assert!(words.contains("could not be read"), "{words}");
    }

    #[test]
    fn an_unreached_endpoint_is_could_not_tell_for_every_tls_and_sql_rule() {
        let facts = serde_json::to_value(SqlFacts::unreachable(
            "sql1",
            Some("sdc"),
            "no answer within 15 s",
        ))
        .expect("facts");
        let a = with(&[(
            "Console",
            "Console",
            vec![
                tls("Spok", Some("Windows Server 2016"), unreached_tls()),
                result(
                    ProbeKind::Sql,
                    "probe",
                    Verdict::Error,
                    serde_json::json!({ "facts": facts }),
                ),
            ],
        )]);
        let c = rules();
        for item in c.items().filter(|i| {
            i.probe
                .as_ref()
                .is_some_and(|b| matches!(b.check, Check::Tls(_) | Check::Sql(_)))
        }) {
            let (verdict, suggestion, words) = says(&a, &item.id).expect("evidence");
            assert_eq!(verdict, Verdict::Error, "{}: {words}", item.id);
            assert_eq!(suggestion, None, "{}", item.id);
            assert!(words.contains("could not"), "{}: {words}", item.id);
        }
    }

    #[test]
    fn a_warning_never_suggests_an_answer() {
        // Synchronous replicas whose health could not be read: a warning.
        let mut facts = SqlFacts::unreachable("sql1", Some("sdc"), "x");
        facts.connection_error = None;
        facts.instance = sql::facts::Fact::Value(sql::facts::Instance {
            sysadmin: Some(true),
            ..serde_json::from_value(serde_json::json!({
                "product_version": "13.0.5026.0", "major": 13, "edition": "Enterprise Edition",
                "engine_edition": 3, "hadr_enabled": true, "clustered": false,
                "server_name": "SQL1", "machine_name": "SQL1"
            }))
            .expect("instance")
        });
        facts.replicas = sql::facts::Fact::Value(vec![sql::facts::Replica {
            group: "AG1".into(),
            server: "SQL1".into(),
            endpoint_url: None,
            availability_mode: "SYNCHRONOUS_COMMIT".into(),
            failover_mode: "AUTOMATIC".into(),
            role: None,
            health: None,
            connected: None,
        }]);
        let a = with(&[(
            "Console",
            "Console",
            vec![result(
                ProbeKind::Sql,
                "probe",
                Verdict::Warn,
                serde_json::json!({ "facts": facts }),
            )],
        )]);
        let (verdict, suggestion, words) = says(&a, "s.sql_sync").expect("evidence");
        assert_eq!((verdict, suggestion), (Verdict::Warn, None), "{words}");
    }

    fn reached_tls(sha: &str, self_signed: bool) -> Json {
        serde_json::json!({
            "host": "h", "port": 443, "sni": "h", "errors": [], "complete": true,
            "protocols": [
                { "version": "TLSv1.2", "offered": true, "cipher_suites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] },
                { "version": "SSLv3", "offered": false, "refused": true, "cipher_suites": [] },
            ],
            "trust": { "trusted": !self_signed, "reason": null, "detail": "self-signed" },
            "certificate": {
                "subject": "CN=h", "san": ["h"], "issuer": "CN=CA", "not_after": "2030",
                "days_left": 900, "key_type": "RSA 2048", "key_bits": 2048, "key_strength": 2048,
                "signature_hash": sha, "chain_hashes": [sha], "self_signed": self_signed,
                "expired": false, "not_yet_valid": false, "wildcard": false,
                "hostname_match": true, "hostname": "h", "chain": []
            }
        })
    }

    #[test]
    fn evidence_judges_only_its_scope() {
        // The Spok endpoint is good; a console's self-signed one must not fail the Spok items.
        let a = with(&[(
            "Console",
            "Console",
            vec![
                tls(
                    "Spok",
                    Some("Windows Server 2012 R2"),
                    reached_tls("SHA256", false),
                ),
                tls("Console", None, reached_tls("SHA1", true)),
            ],
        )]);
        let (v, s, words) = says(&a, "s.tls_self").expect("evidence");
        assert_eq!((v, s), (Verdict::Pass, Some(Value::Yes)), "{words}");
        let (v, _, _) = says(&a, "s.tls_trusted").expect("evidence");
        assert_eq!(v, Verdict::Pass);
        // Unscoped items take every endpoint.
        let (v, s, _) = says(&a, "s.tls_hash").expect("evidence");
        assert_eq!((v, s), (Verdict::Fail, Some(Value::No)));
        // The 2016 list is not judged on a 2012 R2 server.
        assert_eq!(says(&a, "s.tls_ws2016"), None);
        // An item phrased in the negative: SSL 3 refused answers "no", its good answer.
        let (v, s, _) = says(&a, "s.negative").expect("evidence");
        assert_eq!((v, s), (Verdict::Pass, Some(Value::No)));
        let (v, s, _) = says(&a, "s.refused").expect("evidence");
        assert_eq!(
            (v, s),
            (Verdict::Pass, Some(Value::Yes)),
            "pass_means = no: the check failing answers yes"
        );

        // Names: only the SSL name's result answers; the hosts entry only from the SMS.
        let named = |role: &str, check: &str, kind, verdict| {
            result(
                kind,
                check,
                verdict,
                serde_json::json!({ "name": role, "role": role, "expected": { "name": role, "address": "127.0.0.1" } }),
            )
        };
        let a = with(&[
            (
                "Console",
                "Console",
                vec![
                    named("Mirror", "resolves", ProbeKind::Dns, Verdict::Fail),
                    named("SSL name", "resolves", ProbeKind::Dns, Verdict::Pass),
                    named("SSL name", "entry_present", ProbeKind::Hosts, Verdict::Fail),
                ],
            ),
            (
                "SMS",
                "SMS",
                vec![named(
                    "SSL name",
                    "entry_present",
                    ProbeKind::Hosts,
                    Verdict::Pass,
                )],
            ),
        ]);
        let (v, _, _) = says(&a, "s.dns_ssl").expect("evidence");
        assert_eq!(
            v,
            Verdict::Pass,
            "the mirroring name's failure is not the SSL name's"
        );
        let (v, _, _) = says(&a, "s.hosts_test").expect("evidence");
        assert_eq!(v, Verdict::Pass, "the console's hosts file is not asked");
    }

    #[test]
    fn a_server_is_judged_by_the_vantages_that_reached_it() {
        // The console reached the Spok endpoint; a phone outside could not. The phone's
        // "could not tell" is shown but does not sink the item.
        let mut phone = tls("Spok", None, unreached_tls());
        phone.evidence.subject.outside = true;
        let a = with(&[
            (
                "Console",
                "Console",
                vec![tls("Spok", None, reached_tls("SHA256", false))],
            ),
            ("Phone", "Mobile User", vec![phone]),
        ]);
        let (v, s, words) = says(&a, "s.tls_self").expect("evidence");
        assert_eq!((v, s), (Verdict::Pass, Some(Value::Yes)), "{words}");
        assert!(
            words.contains("not counted (another vantage reached it)"),
            "{words}"
        );
        // Nobody reached it: could not tell.
        let a = with(&[(
            "Phone",
            "Mobile User",
            vec![tls("Spok", None, unreached_tls())],
        )]);
        assert_eq!(says(&a, "s.tls_self").map(|e| e.0), Some(Verdict::Error));

        // What a phone resolves is not internal resolution.
        let outside = result(
            ProbeKind::Dns,
            "resolves",
            Verdict::Fail,
            serde_json::json!({ "name": "sms", "role": "SSL name", "outside": true }),
        );
        let inside = result(
            ProbeKind::Dns,
            "resolves",
            Verdict::Pass,
            serde_json::json!({ "name": "sms", "role": "SSL name" }),
        );
        let a = with(&[
            ("Console", "Console", vec![inside]),
            ("Phone", "Mobile User", vec![outside]),
        ]);
        let (v, _, words) = says(&a, "s.dns_inside").expect("evidence");
        assert_eq!(v, Verdict::Pass, "{words}");
    }

    fn port_row(from: &str, to: &str, ports: &str, states: &[(u16, &str)]) -> ProbeResult {
        let outcomes: Vec<Json> = states
            .iter()
            .map(|(p, s)| {
                serde_json::json!({ "host": to, "port": p, "state": s, "ms": 1, "detail": "" })
            })
            .collect();
        result(
            ProbeKind::Tcp,
            "reachable",
            Verdict::Fail,
            serde_json::json!({ "from": from, "to": to, "ports": ports, "host": to, "outcomes": outcomes, "timeout_ms": 3000 }),
        )
    }

    #[test]
    fn port_rows_ask_their_own_question() {
        let a = with(&[(
            "Console",
            "Console",
            vec![
                // A healthy Windows file server: 136-138 refused, the firewall passes them.
                port_row(
                    "Console",
                    "File server",
                    "135-139,445",
                    &[
                        (135, "open"),
                        (136, "refused"),
                        (137, "refused"),
                        (138, "refused"),
                        (139, "open"),
                        (445, "open"),
                    ],
                ),
                port_row("Console", "Mirror", "5022", &[(5022, "refused")]),
                port_row("Console", "LB", "8091", &[(8091, "open")]),
            ],
        )]);
        let (v, s, words) = says(&a, "s.ports_fw").expect("evidence");
        assert_eq!((v, s), (Verdict::Pass, Some(Value::Yes)), "{words}");
        assert!(words.contains("no service listens"), "{words}");
        let (v, s, _) = says(&a, "s.ports_svc").expect("evidence");
        assert_eq!(
            (v, s),
            (Verdict::Fail, Some(Value::No)),
            "a service must answer"
        );
        let (v, s, words) = says(&a, "s.ports_mxpp").expect("evidence");
        assert_eq!((v, s), (Verdict::Error, None), "{words}");
        assert!(words.contains("2000x"), "{words}");

        // The site's row lists its MXPP ports: they are judged; a dropped one fails.
        let a = with(&[(
            "Console",
            "Console",
            vec![port_row(
                "Console",
                "LB",
                "8091,20000-20001",
                &[(8091, "open"), (20000, "open"), (20001, "filtered")],
            )],
        )]);
        let (v, _, words) = says(&a, "s.ports_mxpp").expect("evidence");
        assert_eq!(v, Verdict::Fail, "{words}");
        assert!(words.contains("20001 dropped"), "{words}");

        // Every URL must be probed: one missing is "could not tell", never a pass.
        let a = with(&[(
            "SMS",
            "SMS",
            vec![port_row(
                "SMS",
                "https://a.example.com",
                "443,2001,8091",
                &[(443, "open"), (2001, "open"), (8091, "open")],
            )],
        )]);
        let (v, s, words) = says(&a, "s.ports_urls").expect("evidence");
        assert_eq!((v, s), (Verdict::Error, None), "{words}");
        assert!(
            words.contains("no result for https://b.example.com probed from SMS"),
            "{words}"
        );
        // A host that did not resolve is not a refusal.
        let a = with(&[(
            "SMS",
            "SMS",
            vec![
                port_row(
                    "SMS",
                    "https://a.example.com",
                    "443,2001",
                    &[(443, "open"), (2001, "open")],
                ),
                port_row(
                    "SMS",
                    "https://b.example.com",
                    "443,2001",
                    &[(443, "name_error"), (2001, "name_error")],
                ),
            ],
        )]);
        let (v, s, _) = says(&a, "s.ports_urls").expect("evidence");
        assert_eq!((v, s), (Verdict::Error, None));
        // The rows of another vantage do not answer.
        let a = with(&[(
            "Console",
            "Console",
            vec![port_row(
                "SMS",
                "https://a.example.com",
                "443,2001",
                &[(443, "open"), (2001, "open")],
            )],
        )]);
        assert_eq!(says(&a, "s.ports_urls"), None);
    }
}

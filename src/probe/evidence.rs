//! What a probe result rests on, typed: what it is about ([`Subject`]) and what it measured
//! ([`Facts`], one shape per kind). Checklist items are judged from these values directly; a
//! binding's scope reads the subject, a rule reads the facts, and nothing is read back out of
//! loose JSON.
//!
//! Results are stored in session files and reports. [`Evidence::read`] reads today's shape and
//! the flat one of earlier builds (the subject's keys beside the facts); facts it cannot read
//! are kept as they were, marked [`Facts::Unread`], and judged "could not tell", never dropped
//! and never passed.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Finding;
use super::certfile::CertFileFacts;
use super::resolve::{Asked, Resolved};
use super::sql::facts::SqlFacts;
use super::tcp::Outcome;
use super::tls::facts::{Grade, TlsFacts};
use crate::ports::Ports;
use crate::rules::{Os, ProbeKind};

/// A result's evidence: what it is about, and what was measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub subject: Subject,
    pub facts: Facts,
}

/// What a result is about, where a binding's scope looks for it: the site's role and OS of the
/// target, the name, the port row, the hosts entry looked for, and the vantage's side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Os>,
    /// The DNS name looked up, or the name a hosts entry is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The site's port row a TCP result probed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<Row>,
    /// The address of the hosts entry a hosts check looked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<IpAddr>,
    /// Seen from a vantage outside the site's firewall.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub outside: bool,
    /// How the run resolved the target's name for its connections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<NameResolution>,
}

/// A port row of the site, as a TCP result keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub from: String,
    pub to: String,
    pub protocol: String,
    pub ports: Ports,
    #[serde(default)]
    pub purpose: String,
    /// The host probed (the row's destination, or one host of its role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// How a name resolved for a run's connections: the source that answered, or every source
/// asked and what each said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NameResolution {
    Found(Resolved),
    Unresolved {
        name: String,
        error: String,
        asked: Vec<Asked>,
    },
}

/// What a probe measured, one shape per kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Facts {
    /// A TLS endpoint's scan: every TLS rule of a checklist is judged from it.
    Tls(Box<TlsEvidence>),
    /// A SQL Server's facts: every SQL rule is judged from them.
    Sql(Box<SqlEvidence>),
    /// A certificate file's facts: every file rule is judged from them.
    Certfile(Box<CertfileEvidence>),
    /// A port row's outcome per port: judged on each item's own ports.
    Tcp(TcpEvidence),
    /// What a DNS, hosts or single certificate check saw, as its judge recorded it when the
    /// verdict was made: shown to people, never judged again.
    Seen(Value),
    /// Facts stored by another build that this one cannot read: kept as they were, so nothing
    /// is lost, and judged "could not tell".
    Unread { raw: Value, why: String },
    /// Nothing was measured: the probe could not start (the summary says why).
    #[default]
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsEvidence {
    pub facts: TlsFacts,
    #[serde(default)]
    pub findings: Vec<Finding>,
    pub grade: Grade,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqlEvidence {
    pub facts: SqlFacts,
    #[serde(default)]
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertfileEvidence {
    pub facts: CertFileFacts,
    #[serde(default)]
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpEvidence {
    pub timeout_ms: u64,
    pub outcomes: Vec<Outcome>,
}

impl Evidence {
    /// Evidence with nothing measured about nothing in particular.
    pub fn none() -> Self {
        Self::default()
    }

    /// What a DNS, hosts or single certificate check recorded ([`Facts::Seen`]); null for
    /// the other kinds.
    pub fn seen(&self) -> &Value {
        static NOTHING: Value = Value::Null;
        match &self.facts {
            Facts::Seen(v) => v,
            _ => &NOTHING,
        }
    }

    pub fn of(facts: Facts) -> Self {
        Self {
            subject: Subject::default(),
            facts,
        }
    }

    /// Reads evidence as a session file or a report stored it: today's shape, or the flat
    /// shape of earlier builds, in which the subject's keys sit beside the facts. Never fails:
    /// facts that do not fit are kept as [`Facts::Unread`] with the reason.
    pub fn read(kind: ProbeKind, value: Value) -> Self {
        let current =
            value.get("subject").is_some_and(Value::is_object) && value.get("facts").is_some();
        if current {
            return match Evidence::deserialize(&value) {
                Ok(e) => e,
                // The subject still says what the result is about, so its items see it.
                Err(e) => Evidence {
                    subject: key(&value, "subject").unwrap_or_default(),
                    facts: Facts::Unread {
                        why: e.to_string(),
                        raw: value,
                    },
                },
            };
        }
        let subject = flat_subject(&value);
        let facts = flat_facts(kind, value);
        Evidence { subject, facts }
    }
}

/// The subject as earlier builds wrote it: flat keys beside the facts.
fn flat_subject(value: &Value) -> Subject {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Flat {
        role: Option<String>,
        os: Option<Os>,
        name: Option<String>,
        from: Option<String>,
        to: Option<String>,
        protocol: Option<String>,
        ports: Option<String>,
        purpose: Option<String>,
        host: Option<String>,
        expected: Option<FlatExpected>,
        outside: bool,
        resolved: Option<NameResolution>,
    }
    #[derive(Deserialize)]
    struct FlatExpected {
        address: IpAddr,
    }
    // Each key on its own: one odd key (a certificate check's `subject` text, a DNS record's
    // `name`) must not cost the others.
    let flat = match Flat::deserialize(value) {
        Ok(f) => f,
        Err(_) => Flat {
            role: key(value, "role"),
            os: key(value, "os"),
            name: key(value, "name"),
            outside: key(value, "outside").unwrap_or(false),
            ..Flat::default()
        },
    };
    let row = match (flat.from, flat.to, flat.ports.as_deref().map(Ports::parse)) {
        (Some(from), Some(to), Some(Ok(ports))) => Some(Row {
            from,
            to,
            protocol: flat.protocol.unwrap_or_else(|| "tcp".to_owned()),
            ports,
            purpose: flat.purpose.unwrap_or_default(),
            host: flat.host,
        }),
        _ => None,
    };
    Subject {
        role: flat.role,
        os: flat.os,
        name: flat.name,
        row,
        expected: flat.expected.map(|e| e.address),
        outside: flat.outside,
        resolved: flat.resolved,
    }
}

fn key<T: serde::de::DeserializeOwned>(value: &Value, name: &str) -> Option<T> {
    value.get(name).and_then(|v| T::deserialize(v).ok())
}

/// Keys earlier builds wrote only to say what a result is about (a DNS or hosts record's own
/// `name` and `expected` stay with what it saw).
const SUBJECT_ONLY: [&str; 10] = [
    "role", "os", "outside", "resolved", "from", "to", "protocol", "ports", "purpose", "host",
];

/// A TLS scan as earlier builds wrote it; the first ones kept no grade.
#[derive(Deserialize)]
struct FlatTls {
    facts: TlsFacts,
    #[serde(default)]
    findings: Vec<Finding>,
    #[serde(default)]
    grade: Option<Grade>,
}

/// The facts as earlier builds wrote them, by the result's kind.
fn flat_facts(kind: ProbeKind, value: Value) -> Facts {
    fn whole<T: serde::de::DeserializeOwned>(value: Value, wrap: impl FnOnce(T) -> Facts) -> Facts {
        match T::deserialize(&value) {
            Ok(t) => wrap(t),
            Err(e) => Facts::Unread {
                why: e.to_string(),
                raw: value,
            },
        }
    }
    let has = |k: &str| value.get(k).is_some();
    match kind {
        ProbeKind::Tls if has("facts") => whole(value, |e: FlatTls| {
            Facts::Tls(Box::new(TlsEvidence {
                grade: e
                    .grade
                    .unwrap_or_else(|| super::tls::facts::grade(&e.facts)),
                facts: e.facts,
                findings: e.findings,
            }))
        }),
        ProbeKind::Sql if has("facts") => whole(value, |e| Facts::Sql(Box::new(e))),
        ProbeKind::Certfile if has("facts") => whole(value, |e| Facts::Certfile(Box::new(e))),
        ProbeKind::Tcp if has("outcomes") => whole(value, Facts::Tcp),
        _ => {
            // What is left once the subject's keys are set aside is what the probe saw.
            let mut seen = value;
            if let Value::Object(map) = &mut seen {
                for k in SUBJECT_ONLY {
                    map.remove(k);
                }
            }
            if seen.as_object().is_none_or(serde_json::Map::is_empty) {
                Facts::None
            } else {
                Facts::Seen(seen)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::probe::tcp::State;

    fn outcome(port: u16, state: State) -> Outcome {
        Outcome {
            host: "sql1".into(),
            port,
            state,
            ms: 3,
            address: None,
            responder: None,
            detail: String::new(),
        }
    }

    #[test]
    fn evidence_reads_back_as_it_was_written() {
        let e = Evidence {
            subject: Subject {
                role: Some("SQL".into()),
                row: Some(Row {
                    from: "Console".into(),
                    to: "SQL".into(),
                    protocol: "TCP".into(),
                    ports: Ports::parse("1433, 5022").expect("ports"),
                    purpose: "mirroring".into(),
                    host: Some("sql1".into()),
                }),
                outside: true,
                ..Subject::default()
            },
            facts: Facts::Tcp(TcpEvidence {
                timeout_ms: 3000,
                outcomes: vec![outcome(1433, State::Open), outcome(5022, State::Filtered)],
            }),
        };
        let stored = serde_json::to_value(&e).expect("json");
        assert_eq!(
            stored["subject"]["row"]["ports"], "1433, 5022",
            "as written"
        );
        assert_eq!(Evidence::read(ProbeKind::Tcp, stored), e);
        // Nothing measured, and a record of what a DNS check saw.
        for e in [
            Evidence::none(),
            Evidence::of(Facts::Seen(json!({ "answers": [] }))),
        ] {
            let stored = serde_json::to_value(&e).expect("json");
            assert_eq!(Evidence::read(ProbeKind::Dns, stored), e);
        }
    }

    #[test]
    fn the_flat_shape_of_earlier_builds_is_read_by_kind() {
        let tcp = Evidence::read(
            ProbeKind::Tcp,
            json!({
                "from": "Console", "to": "SQL", "protocol": "TCP", "ports": "1433",
                "purpose": "", "host": "sql1", "timeout_ms": 3000, "outside": true,
                "outcomes": [{ "host": "sql1", "port": 1433, "state": "refused", "ms": 1, "detail": "" }],
            }),
        );
        let row = tcp.subject.row.as_ref().expect("the row");
        assert_eq!(
            (row.to.as_str(), row.ports.as_slice()),
            ("SQL", &[1433][..])
        );
        assert!(tcp.subject.outside);
        let Facts::Tcp(t) = &tcp.facts else {
            panic!("{tcp:?}")
        };
        assert_eq!(t.outcomes[0].state, State::Refused);

        let hosts = Evidence::read(
            ProbeKind::Hosts,
            json!({ "file": "/etc/hosts", "name": "sms", "role": "SSL name",
                    "expected": { "name": "sms", "address": "127.0.0.1" } }),
        );
        assert_eq!(hosts.subject.role.as_deref(), Some("SSL name"));
        assert_eq!(hosts.subject.expected, Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(hosts.seen()["file"], "/etc/hosts", "what it saw stays");
        assert!(
            hosts.seen().get("role").is_none(),
            "the subject is not repeated"
        );

        // A result that only said what it was about measured nothing.
        let untested = Evidence::read(
            ProbeKind::Tcp,
            json!({ "from": "A", "to": "B", "ports": "1" }),
        );
        assert_eq!(untested.facts, Facts::None);
    }

    #[test]
    fn facts_that_do_not_fit_are_kept_and_said() {
        let raw = json!({ "facts": { "host": 7 }, "role": "Spok" });
        let e = Evidence::read(ProbeKind::Tls, raw.clone());
        let Facts::Unread { raw: kept, why } = &e.facts else {
            panic!("{e:?}")
        };
        assert_eq!(kept, &raw, "nothing lost");
        assert!(!why.is_empty());
        assert_eq!(e.subject.role.as_deref(), Some("Spok"));
        // Saved again and read again, it is still the same.
        let again = Evidence::read(ProbeKind::Tls, serde_json::to_value(&e).expect("json"));
        assert_eq!(again, e);
        // Today's shape with facts of another shape keeps its subject too.
        let odd = json!({ "subject": { "role": "SQL" }, "facts": { "sql": { "facts": 1 } } });
        let e = Evidence::read(ProbeKind::Sql, odd);
        assert!(matches!(e.facts, Facts::Unread { .. }), "{e:?}");
        assert_eq!(e.subject.role.as_deref(), Some("SQL"));
    }
}

//! The vocabulary of checks: which live checks exist, the parameters each takes, and the typed
//! [`Check`] a checklist binding becomes once loaded. Probes and checklists both import this
//! leaf; neither imports the other. A binding is a check plus its [`Scope`] (which targets, seen
//! from which vantage, it judges).
//!
//! The registry ([`CHECKS`]) names the checks and their parameters for the loader and for
//! `preflight checklist probes`; [`Check::build`] turns a validated parameter set into the typed
//! value the probes' evaluators `match` on exhaustively, so a check the evaluators do not judge
//! cannot compile.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The families of live probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    Dns,
    Hosts,
    Tcp,
    Tls,
    Sql,
    Certfile,
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 6] = [
        ProbeKind::Dns,
        ProbeKind::Hosts,
        ProbeKind::Tcp,
        ProbeKind::Tls,
        ProbeKind::Sql,
        ProbeKind::Certfile,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Dns => "dns",
            ProbeKind::Hosts => "hosts",
            ProbeKind::Tcp => "tcp",
            ProbeKind::Tls => "tls",
            ProbeKind::Sql => "sql",
            ProbeKind::Certfile => "certfile",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl fmt::Display for ProbeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The type a check parameter must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Str(&'static [&'static str]),
    Int,
    StrList(&'static [&'static str]),
}

impl ParamType {
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            ParamType::Str([]) => "a string".to_owned(),
            ParamType::Str(allowed) => format!("one of {}", quote_list(allowed)),
            ParamType::Int => "a whole number".to_owned(),
            ParamType::StrList([]) => "a list of strings".to_owned(),
            ParamType::StrList(allowed) => {
                format!("a list of strings, each one of {}", quote_list(allowed))
            }
        }
    }
}

pub(crate) fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
}

/// One check a probe kind can make, with what it counts as good.
#[derive(Debug, Clone, Copy)]
pub struct CheckSpec {
    pub kind: ProbeKind,
    pub name: &'static str,
    pub good: &'static str,
    pub params: &'static [Param],
}

const fn req(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: ParamType) -> Param {
    Param {
        name,
        ty,
        required: false,
    }
}

pub const TLS_VERSIONS: &[&str] = &["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
const HASHES: &[&str] = &["SHA1", "SHA256", "SHA384", "SHA512"];
const ANY: &[&str] = &[];

/// Every check a checklist may bind to.
pub const CHECKS: &[CheckSpec] = &[
    CheckSpec {
        kind: ProbeKind::Dns,
        name: "resolves",
        good: "each name resolves, through every resolver, to its expected addresses",
        params: &[opt("names", ParamType::StrList(ANY))],
    },
    CheckSpec {
        kind: ProbeKind::Dns,
        name: "reverse_matches",
        good: "each address resolves back (PTR) to the fully qualified name that points to it",
        params: &[opt("names", ParamType::StrList(ANY))],
    },
    CheckSpec {
        kind: ProbeKind::Dns,
        name: "split_horizon",
        good: "internal and external resolvers give the answers the site expects of each",
        params: &[opt("names", ParamType::StrList(ANY))],
    },
    CheckSpec {
        kind: ProbeKind::Hosts,
        name: "entry_present",
        good: "the hosts file maps each name to the expected address",
        params: &[
            opt("name", ParamType::Str(ANY)),
            opt("address", ParamType::Str(ANY)),
        ],
    },
    CheckSpec {
        kind: ProbeKind::Hosts,
        name: "consistent_with_dns",
        good: "no hosts-file entry contradicts what DNS answers for the same name",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Tcp,
        name: "reachable",
        good: "every listed port answers (open) from the source role to the destination role",
        params: &[
            req("ports", ParamType::Str(ANY)),
            opt("from", ParamType::Str(ANY)),
            opt("to", ParamType::Str(ANY)),
        ],
    },
    CheckSpec {
        kind: ProbeKind::Tcp,
        name: "port_matrix",
        good: "every TCP row of the site's port matrix whose source is this vantage is open",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "protocol_offered",
        good: "the server accepts a handshake at this protocol version",
        params: &[req("version", ParamType::Str(TLS_VERSIONS))],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "protocols_disabled",
        good: "the server refuses every listed protocol version",
        params: &[req("versions", ParamType::StrList(TLS_VERSIONS))],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "suites_accepted",
        good: "the server accepts the listed cipher suites (all of them, or at least one)",
        params: &[
            req("suites", ParamType::StrList(ANY)),
            opt("require", ParamType::Str(&["all", "any"])),
        ],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "no_weak_suites",
        good: "no RC4, 3DES, NULL, EXPORT or anonymous suite is accepted",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "cert_trusted",
        good: "the served chain leads to a trusted root (system roots plus the site's CA)",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "cert_not_self_signed",
        good: "the server certificate is issued by a certificate authority, not by itself",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "cert_hostname_match",
        good: "the certificate's names cover the name clients connect to",
        params: &[opt("name", ParamType::Str(ANY))],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "cert_key_bits",
        good: "the certificate's public key is at least this many bits (RSA)",
        params: &[req("min", ParamType::Int)],
    },
    CheckSpec {
        kind: ProbeKind::Tls,
        name: "cert_signature_hash",
        good: "the certificate is signed with one of the allowed hashes",
        params: &[req("allowed", ParamType::StrList(HASHES))],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "version",
        good: "the server's major version is one of those supported",
        params: &[req("supported", ParamType::StrList(ANY))],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "edition",
        good: "the server's edition is one of those required",
        params: &[req("required", ParamType::StrList(ANY))],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "hadr_enabled",
        good: "AlwaysOn availability groups are enabled on the instance",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "cluster_supported",
        good: "the instance is a failover cluster instance, and not a SQL Server 2012 one on shared storage",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "ag_synchronous_commit",
        good: "every replica of every availability group is in synchronous-commit mode",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "ag_automatic_failover",
        good: "every replica of every availability group fails over automatically",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "ag_listener_subnets",
        good: "the availability group listener spans at least this many subnets",
        params: &[req("min", ParamType::Int)],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "mirroring_fqdn",
        good: "every mirroring partner and witness is named by a fully qualified domain name",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "login_sysadmin",
        good: "the login is a member of the sysadmin server role",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "login_permissions",
        good: "the login holds every listed server or database permission",
        params: &[
            req("permissions", ParamType::StrList(ANY)),
            opt("database", ParamType::Str(ANY)),
        ],
    },
    CheckSpec {
        kind: ProbeKind::Sql,
        name: "backup_age",
        good: "each database in full recovery has a backup of this type no older than the limit",
        params: &[
            req("backup", ParamType::Str(&["full", "log"])),
            req("max_age_hours", ParamType::Int),
        ],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "readable",
        good: "the certificate file opens (PEM, DER, PKCS#7 or PKCS#12 with its password)",
        params: &[opt(
            "format",
            ParamType::Str(&["pem", "der", "pkcs7", "pkcs12"]),
        )],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "has_private_key",
        good: "the file carries the private key of its certificate (an exportable PFX)",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "not_self_signed",
        good: "the certificate in the file is issued by a certificate authority",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "key_bits",
        good: "the certificate's public key is at least this many bits (RSA)",
        params: &[req("min", ParamType::Int)],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "signature_hash",
        good: "the certificate is signed with one of the allowed hashes",
        params: &[req("allowed", ParamType::StrList(HASHES))],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "subject_name",
        good: "the certificate's common name or SAN is the given fully qualified name",
        params: &[opt("name", ParamType::Str(ANY))],
    },
];

/// Looks up a check of a kind.
#[must_use]
pub fn check(kind: ProbeKind, name: &str) -> Option<&'static CheckSpec> {
    CHECKS.iter().find(|c| c.kind == kind && c.name == name)
}

/// The names of a kind's checks, for "expected one of" messages.
#[must_use]
pub fn check_names(kind: ProbeKind) -> Vec<&'static str> {
    CHECKS
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| c.name)
        .collect()
}

/// A parameter value after validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Str(String),
    Int(i64),
    StrList(Vec<String>),
}

/// A binding's string parameter `key` (the loader has checked its type).
#[must_use]
pub fn param_str<'a>(expect: &'a BTreeMap<String, ParamValue>, key: &str) -> Option<&'a str> {
    match expect.get(key) {
        Some(ParamValue::Str(s)) => Some(s),
        _ => None,
    }
}

/// A binding's list parameter `key`; a lone string counts as a list of one.
#[must_use]
pub fn param_list<'a>(expect: &'a BTreeMap<String, ParamValue>, key: &str) -> Vec<&'a str> {
    match expect.get(key) {
        Some(ParamValue::StrList(v)) => v.iter().map(String::as_str).collect(),
        Some(ParamValue::Str(s)) => vec![s],
        _ => Vec::new(),
    }
}

/// A binding's whole-number parameter `key`.
#[must_use]
pub fn param_int(expect: &BTreeMap<String, ParamValue>, key: &str) -> Option<i64> {
    match expect.get(key) {
        Some(ParamValue::Int(n)) => Some(*n),
        _ => None,
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Str(s) => f.write_str(s),
            ParamValue::Int(n) => write!(f, "{n}"),
            ParamValue::StrList(v) => f.write_str(&v.join(", ")),
        }
    }
}

/// A validated probe binding on an item.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeBinding {
    pub spec: &'static CheckSpec,
    pub expect: BTreeMap<String, ParamValue>,
}

impl PartialEq for CheckSpec {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.name == other.name
    }
}

impl Serialize for ProbeBinding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("ProbeBinding", 4)?;
        s.serialize_field("kind", &self.spec.kind)?;
        s.serialize_field("check", self.spec.name)?;
        s.serialize_field("expect", &self.expect)?;
        s.serialize_field("good", self.spec.good)?;
        s.end()
    }
}

impl fmt::Display for ProbeBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.spec.kind, self.spec.name)?;
        if !self.expect.is_empty() {
            let params: Vec<String> = self
                .expect
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            write!(f, " ({})", params.join("; "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_checks_and_names_are_unique() {
        for kind in ProbeKind::ALL {
            assert!(!check_names(kind).is_empty(), "{kind} has no checks");
            assert_eq!(ProbeKind::parse(kind.name()), Some(kind));
        }
        let mut seen = std::collections::HashSet::new();
        for c in CHECKS {
            assert!(seen.insert((c.kind, c.name)), "{}.{} twice", c.kind, c.name);
        }
    }
}

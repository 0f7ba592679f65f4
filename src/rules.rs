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

use crate::ports::Ports;

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
const FORMATS: &[&str] = &["pem", "der", "pkcs7", "pkcs12"];
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
        good: "every listed port lets traffic through from the binding's `from` role to each `to` (answer = \"firewall\": open or refused) or has a service answering (answer = \"service\": open)",
        params: &[
            req("ports", ParamType::Str(ANY)),
            opt("answer", ParamType::Str(&["service", "firewall"])),
            opt("site_ports", ParamType::Str(ANY)),
        ],
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
        name: "ag_exists",
        good: "the instance has at least one availability group with its replicas",
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
        params: &[opt("format", ParamType::Str(FORMATS))],
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
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "chain_included",
        good: "the file carries the certificate's chain up to its root, not the certificate alone",
        params: &[],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "file_name",
        good: "the file has the name (and folder) the guide requires",
        params: &[req("name", ParamType::Str(ANY))],
    },
    CheckSpec {
        kind: ProbeKind::Certfile,
        name: "not_expired",
        good: "the certificate in the file is within its validity dates",
        params: &[],
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
    /// The parameters as written, for display and the checklist's JSON.
    pub expect: BTreeMap<String, ParamValue>,
    /// The same check, typed: what the evaluators judge.
    pub check: Check,
    pub scope: Scope,
    /// The answer a passing check gives to the item's question: `yes`, or `no` for an item
    /// phrased in the negative ("Does the server still accept SSL 3?" bound to the check that
    /// SSL 3 is offered). A failing check gives the other answer.
    pub pass_means_yes: bool,
}

impl PartialEq for CheckSpec {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.name == other.name
    }
}

impl Serialize for ProbeBinding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("ProbeBinding", 5)?;
        s.serialize_field("kind", &self.spec.kind)?;
        s.serialize_field("check", self.spec.name)?;
        s.serialize_field("expect", &self.expect)?;
        if self.scope.is_empty() {
            s.skip_field("scope")?;
        } else {
            s.serialize_field("scope", &self.scope)?;
        }
        s.serialize_field("pass_means", if self.pass_means_yes { "yes" } else { "no" })?;
        s.serialize_field("good", self.spec.good)?;
        s.end()
    }
}

impl fmt::Display for ProbeBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.spec.kind, self.spec.name)?;
        let mut params: Vec<String> = self
            .expect
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if let Some(from) = &self.scope.from {
            params.push(format!("from {from}"));
        }
        if !self.scope.to.is_empty() {
            params.push(format!("to {}", self.scope.to.join(" | ")));
        }
        if let Some(os) = &self.scope.os {
            params.push(format!("on {os}"));
        }
        if let Some(side) = self.scope.seen_from {
            params.push(
                match side {
                    Side::Inside => "seen from inside",
                    Side::Outside => "seen from outside",
                }
                .to_owned(),
            );
        }
        if !params.is_empty() {
            write!(f, " ({})", params.join("; "))?;
        }
        Ok(())
    }
}

/// A TLS protocol version as checklists name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    const ALL: [TlsVersion; 5] = [
        TlsVersion::Ssl3,
        TlsVersion::Tls10,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    ];

    /// The name a scan's facts use (`TLSv1.2`).
    #[must_use]
    pub fn name(self) -> &'static str {
        TLS_VERSIONS[self as usize]
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// A certificate signature hash as checklists name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    const ALL: [Hash; 4] = [Hash::Sha1, Hash::Sha256, Hash::Sha384, Hash::Sha512];

    #[must_use]
    pub fn name(self) -> &'static str {
        HASHES[self as usize]
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.name() == s)
    }
}

/// Whether a list of suites must all be accepted, or one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    All,
    Any,
}

/// The kind of backup a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupKind {
    Full,
    Log,
}

impl BackupKind {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            BackupKind::Full => "full",
            BackupKind::Log => "log",
        }
    }
}

/// A certificate file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertFormat {
    Pem,
    Der,
    Pkcs7,
    Pkcs12,
}

impl CertFormat {
    const ALL: [CertFormat; 4] = [
        CertFormat::Pem,
        CertFormat::Der,
        CertFormat::Pkcs7,
        CertFormat::Pkcs12,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        FORMATS[self as usize]
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// What a port row asks of each port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortAnswer {
    /// A service must answer: only an open port passes.
    Service,
    /// The firewall must let the traffic through: a port that answers, even with a refusal
    /// (a TCP reset from the host itself), passes; a dropped one fails.
    Firewall,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DnsCheck {
    Resolves,
    ReverseMatches,
    SplitHorizon,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HostsCheck {
    /// The hosts file maps the name to the address (`address`: the one the item requires,
    /// whatever the site file says, e.g. the guide's `127.0.0.1` test entry).
    EntryPresent {
        address: Option<std::net::IpAddr>,
    },
    ConsistentWithDns,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TcpCheck {
    Reachable {
        ports: Ports,
        answer: PortAnswer,
        /// The guide's words for ports the site must state (Spok's "2000x"): judged on what the
        /// site's port row lists beyond `ports`; nothing listed means "could not tell".
        site_ports: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TlsCheck {
    ProtocolOffered {
        version: TlsVersion,
    },
    ProtocolsDisabled {
        versions: Vec<TlsVersion>,
    },
    SuitesAccepted {
        suites: Vec<String>,
        require: Require,
    },
    NoWeakSuites,
    CertTrusted,
    CertNotSelfSigned,
    CertHostnameMatch {
        name: Option<String>,
    },
    CertKeyBits {
        min: usize,
    },
    CertSignatureHash {
        allowed: Vec<Hash>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum SqlCheck {
    Version {
        supported: Vec<String>,
    },
    Edition {
        required: Vec<String>,
    },
    HadrEnabled,
    AgExists,
    ClusterSupported,
    AgSynchronousCommit,
    AgAutomaticFailover,
    AgListenerSubnets {
        min: usize,
    },
    MirroringFqdn,
    LoginSysadmin,
    LoginPermissions {
        permissions: Vec<String>,
        database: Option<String>,
    },
    BackupAge {
        backup: BackupKind,
        max_age_hours: i64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CertfileCheck {
    Readable { format: Option<CertFormat> },
    HasPrivateKey,
    NotSelfSigned,
    KeyBits { min: usize },
    SignatureHash { allowed: Vec<Hash> },
    SubjectName { name: Option<String> },
    ChainIncluded,
    FileName { name: String },
    NotExpired,
}

/// A check with its parameters, typed: what evaluators match on.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Dns(DnsCheck),
    Hosts(HostsCheck),
    Tcp(TcpCheck),
    Tls(TlsCheck),
    Sql(SqlCheck),
    Certfile(CertfileCheck),
}

impl Check {
    /// The typed check for a registry entry and its validated parameters.
    ///
    /// # Errors
    /// A parameter whose value the registry's type allows but the check cannot use (a port
    /// list that does not parse, a negative size), in words.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per check: the whole vocabulary in one place"
    )]
    pub fn build(spec: &CheckSpec, expect: &BTreeMap<String, ParamValue>) -> Result<Self, String> {
        let list = |k: &str| -> Vec<String> {
            param_list(expect, k)
                .into_iter()
                .map(str::to_owned)
                .collect()
        };
        let text = |k: &str| param_str(expect, k).map(str::to_owned);
        let size = |k: &str| -> Result<usize, String> {
            param_int(expect, k)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("`{k}` must be a whole number of at least 0"))
        };
        let hashes = || -> Vec<Hash> {
            param_list(expect, "allowed")
                .into_iter()
                .filter_map(Hash::parse)
                .collect()
        };
        let missing = |k: &str| format!("`{k}` is required");
        Ok(match (spec.kind, spec.name) {
            (ProbeKind::Dns, "resolves") => Check::Dns(DnsCheck::Resolves),
            (ProbeKind::Dns, "reverse_matches") => Check::Dns(DnsCheck::ReverseMatches),
            (ProbeKind::Dns, "split_horizon") => Check::Dns(DnsCheck::SplitHorizon),
            (ProbeKind::Hosts, "entry_present") => Check::Hosts(HostsCheck::EntryPresent {
                address: match param_str(expect, "address") {
                    Some(a) => Some(
                        a.parse()
                            .map_err(|_| format!("`address` must be an IP address, not `{a}`"))?,
                    ),
                    None => None,
                },
            }),
            (ProbeKind::Hosts, "consistent_with_dns") => {
                Check::Hosts(HostsCheck::ConsistentWithDns)
            }
            (ProbeKind::Tcp, "reachable") => Check::Tcp(TcpCheck::Reachable {
                ports: Ports::parse(&text("ports").ok_or_else(|| missing("ports"))?)
                    .map_err(|e| e.to_string())?,
                answer: match param_str(expect, "answer") {
                    Some("firewall") => PortAnswer::Firewall,
                    _ => PortAnswer::Service,
                },
                site_ports: text("site_ports"),
            }),
            (ProbeKind::Tls, "protocol_offered") => Check::Tls(TlsCheck::ProtocolOffered {
                version: param_str(expect, "version")
                    .and_then(TlsVersion::parse)
                    .ok_or_else(|| missing("version"))?,
            }),
            (ProbeKind::Tls, "protocols_disabled") => Check::Tls(TlsCheck::ProtocolsDisabled {
                versions: param_list(expect, "versions")
                    .into_iter()
                    .filter_map(TlsVersion::parse)
                    .collect(),
            }),
            (ProbeKind::Tls, "suites_accepted") => Check::Tls(TlsCheck::SuitesAccepted {
                suites: list("suites"),
                require: if param_str(expect, "require") == Some("any") {
                    Require::Any
                } else {
                    Require::All
                },
            }),
            (ProbeKind::Tls, "no_weak_suites") => Check::Tls(TlsCheck::NoWeakSuites),
            (ProbeKind::Tls, "cert_trusted") => Check::Tls(TlsCheck::CertTrusted),
            (ProbeKind::Tls, "cert_not_self_signed") => Check::Tls(TlsCheck::CertNotSelfSigned),
            (ProbeKind::Tls, "cert_hostname_match") => {
                Check::Tls(TlsCheck::CertHostnameMatch { name: text("name") })
            }
            (ProbeKind::Tls, "cert_key_bits") => {
                Check::Tls(TlsCheck::CertKeyBits { min: size("min")? })
            }
            (ProbeKind::Tls, "cert_signature_hash") => {
                Check::Tls(TlsCheck::CertSignatureHash { allowed: hashes() })
            }
            (ProbeKind::Sql, "version") => Check::Sql(SqlCheck::Version {
                supported: list("supported"),
            }),
            (ProbeKind::Sql, "edition") => Check::Sql(SqlCheck::Edition {
                required: list("required"),
            }),
            (ProbeKind::Sql, "hadr_enabled") => Check::Sql(SqlCheck::HadrEnabled),
            (ProbeKind::Sql, "ag_exists") => Check::Sql(SqlCheck::AgExists),
            (ProbeKind::Sql, "cluster_supported") => Check::Sql(SqlCheck::ClusterSupported),
            (ProbeKind::Sql, "ag_synchronous_commit") => Check::Sql(SqlCheck::AgSynchronousCommit),
            (ProbeKind::Sql, "ag_automatic_failover") => Check::Sql(SqlCheck::AgAutomaticFailover),
            (ProbeKind::Sql, "ag_listener_subnets") => {
                Check::Sql(SqlCheck::AgListenerSubnets { min: size("min")? })
            }
            (ProbeKind::Sql, "mirroring_fqdn") => Check::Sql(SqlCheck::MirroringFqdn),
            (ProbeKind::Sql, "login_sysadmin") => Check::Sql(SqlCheck::LoginSysadmin),
            (ProbeKind::Sql, "login_permissions") => Check::Sql(SqlCheck::LoginPermissions {
                permissions: list("permissions"),
                database: text("database"),
            }),
            (ProbeKind::Sql, "backup_age") => Check::Sql(SqlCheck::BackupAge {
                backup: if param_str(expect, "backup") == Some("log") {
                    BackupKind::Log
                } else {
                    BackupKind::Full
                },
                max_age_hours: param_int(expect, "max_age_hours")
                    .ok_or_else(|| missing("max_age_hours"))?,
            }),
            (ProbeKind::Certfile, "readable") => Check::Certfile(CertfileCheck::Readable {
                format: param_str(expect, "format").and_then(CertFormat::parse),
            }),
            (ProbeKind::Certfile, "has_private_key") => {
                Check::Certfile(CertfileCheck::HasPrivateKey)
            }
            (ProbeKind::Certfile, "not_self_signed") => {
                Check::Certfile(CertfileCheck::NotSelfSigned)
            }
            (ProbeKind::Certfile, "key_bits") => {
                Check::Certfile(CertfileCheck::KeyBits { min: size("min")? })
            }
            (ProbeKind::Certfile, "signature_hash") => {
                Check::Certfile(CertfileCheck::SignatureHash { allowed: hashes() })
            }
            (ProbeKind::Certfile, "subject_name") => {
                Check::Certfile(CertfileCheck::SubjectName { name: text("name") })
            }
            (ProbeKind::Certfile, "chain_included") => {
                Check::Certfile(CertfileCheck::ChainIncluded)
            }
            (ProbeKind::Certfile, "file_name") => Check::Certfile(CertfileCheck::FileName {
                name: text("name").ok_or_else(|| missing("name"))?,
            }),
            (ProbeKind::Certfile, "not_expired") => Check::Certfile(CertfileCheck::NotExpired),
            (kind, name) => return Err(format!("{kind}.{name} has no typed form")),
        })
    }
}

/// An operating system a scope or a site host names. Windows Server releases are recognised
/// however they are written (`Windows Server 2012 R2`, `2012r2`, `WS2016`); anything else is
/// kept as written, and a checklist may not scope to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Os {
    WindowsServer(WindowsRelease),
    Other(String),
}

/// The Windows Server releases the guides name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WindowsRelease {
    Ws2008R2,
    Ws2012,
    Ws2012R2,
    Ws2016,
    Ws2019,
    Ws2022,
    Ws2025,
}

impl WindowsRelease {
    const ALL: [(WindowsRelease, &'static str); 7] = [
        (WindowsRelease::Ws2008R2, "2008r2"),
        (WindowsRelease::Ws2012, "2012"),
        (WindowsRelease::Ws2012R2, "2012r2"),
        (WindowsRelease::Ws2016, "2016"),
        (WindowsRelease::Ws2019, "2019"),
        (WindowsRelease::Ws2022, "2022"),
        (WindowsRelease::Ws2025, "2025"),
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            WindowsRelease::Ws2008R2 => "Windows Server 2008 R2",
            WindowsRelease::Ws2012 => "Windows Server 2012",
            WindowsRelease::Ws2012R2 => "Windows Server 2012 R2",
            WindowsRelease::Ws2016 => "Windows Server 2016",
            WindowsRelease::Ws2019 => "Windows Server 2019",
            WindowsRelease::Ws2022 => "Windows Server 2022",
            WindowsRelease::Ws2025 => "Windows Server 2025",
        }
    }
}

impl Os {
    /// Reads an OS as people write it; a Windows Server release in any usual spelling.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let key: String = text
            .to_ascii_lowercase()
            .replace("windows", "")
            .replace("server", "")
            .replace("ws", "")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
            .collect();
        WindowsRelease::ALL
            .iter()
            .find(|(_, k)| *k == key)
            .map_or_else(
                || Os::Other(text.trim().to_owned()),
                |(r, _)| Os::WindowsServer(*r),
            )
    }

    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Os::WindowsServer(r) => r.name(),
            Os::Other(s) => s,
        }
    }
}

impl fmt::Display for Os {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Os> for String {
    fn from(os: Os) -> Self {
        os.name().to_owned()
    }
}

impl From<String> for Os {
    fn from(s: String) -> Self {
        Os::parse(&s)
    }
}

/// Which targets a binding judges, and from where: the part of a binding that keeps one
/// server's evidence off another server's item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// Only evidence probed from a vantage playing this role answers (the guide's test hosts
    /// entry belongs on the Spok Mobile server; a port row is probed from its source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The targets judged: a port row's destinations, or the role of the TLS endpoints, names,
    /// SQL instances or certificate files. Each must be covered by evidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// Only targets whose host runs this OS (a cipher list written for one Windows release).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Os>,
    /// Only evidence seen from inside the site's firewall, or only from outside it (a phone
    /// on a carrier network): internal resolution is not what a phone sees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_from: Option<Side>,
}

/// Which side of the site's firewall a vantage is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Inside,
    Outside,
}

impl Scope {
    /// Whether a role names the same role as `want` (people vary case and spacing).
    #[must_use]
    pub fn same_role(a: &str, b: &str) -> bool {
        a.trim().eq_ignore_ascii_case(b.trim())
    }

    pub fn is_empty(&self) -> bool {
        self.from.is_none() && self.to.is_empty() && self.os.is_none() && self.seen_from.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry and the typed checks are one vocabulary: every check the loader accepts
    /// has a typed form the evaluators judge.
    #[test]
    fn every_registered_check_builds_its_typed_form() {
        for spec in CHECKS {
            let expect: BTreeMap<String, ParamValue> = spec
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| {
                    let v = match p.ty {
                        ParamType::Int => ParamValue::Int(1),
                        ParamType::Str([first, ..]) => ParamValue::Str((*first).to_owned()),
                        ParamType::Str([]) if p.name == "ports" => ParamValue::Str("443".into()),
                        ParamType::Str([]) => ParamValue::Str("x".into()),
                        ParamType::StrList([first, ..]) => {
                            ParamValue::StrList(vec![(*first).to_owned()])
                        }
                        ParamType::StrList([]) => ParamValue::StrList(vec!["x".into()]),
                    };
                    (p.name.to_owned(), v)
                })
                .collect();
            assert!(
                Check::build(spec, &expect).is_ok(),
                "{}.{} has no typed form",
                spec.kind,
                spec.name
            );
        }
    }

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
